//! Hostile `[[waiver]]` tables and license exceptions: missing and malformed fields, dates
//! that are not dates, and waivers that would hide findings nobody saw (issue 23). Each is a
//! configuration error: exit 2, gate.toml (and where the row says, line and column) named.

use super::{CONFIG, Case, c, files, runner};

#[test]
fn hostile_waivers() {
    runner::check_all("waivers", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [
        waiver_fields_1(),
        waiver_fields_2(),
        waivers_that_hide_1(),
        waivers_that_hide_2(),
        license_exceptions(),
    ]
    .concat()
}

/// [[waiver]].
fn waiver_fields_1() -> Vec<Case> {
    vec![
        c(
            "waiver unknown check",
            "[[waiver]]\ncheck = \"nope.nope\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2099-01-01\"\n",
            "unknown check `nope.nope`",
        ),
        c(
            "waiver empty check",
            "[[waiver]]\ncheck = \"\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2099-01-01\"\n",
            "gate.toml:2",
        ),
        c(
            "waiver blank owner",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \" \"\nexpires = \"2099-01-01\"\n",
            "empty owner",
        ),
        c(
            "waiver expiry words",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"next year\"\n",
            "`next year` is not a date",
        ),
        c(
            "waiver expiry 31 February",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-02-31\"\n",
            "`2026-02-31` is not a date",
        ),
        c(
            "waiver expiry 29 February, not leap",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-02-29\"\n",
            "`2027-02-29` is not a date",
        ),
        c(
            "waiver expiry month 13",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-13-01\"\n",
            "not a date",
        ),
        c(
            "waiver expiry month 0",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-00-10\"\n",
            "not a date",
        ),
        c(
            "waiver expiry day 0",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-00\"\n",
            "not a date",
        ),
        c(
            "waiver expiry two-digit year",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"26-01-01\"\n",
            "not a date",
        ),
        c(
            "waiver expiry slashes",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026/01/01\"\n",
            "not a date",
        ),
        c(
            "waiver expiry with time",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01T00:00\"\n",
            "not a date",
        ),
    ]
}

/// [[waiver]].
fn waiver_fields_2() -> Vec<Case> {
    vec![
        c(
            "waiver expiry a TOML date",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\n",
            "invalid type",
        ),
        c(
            "waiver expiry signed digits",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-+1-01\"\n",
            "not a date",
        ),
        c(
            "waiver without match",
            "[[waiver]]\ncheck = \"tests.pass\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2099-01-01\"\n",
            "missing field `match`",
        ),
        c(
            "waiver without reason",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nowner = \"o\"\nexpires = \"2099-01-01\"\n",
            "missing field `reason`",
        ),
        c(
            "waiver without owner",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nexpires = \"2099-01-01\"\n",
            "missing field `owner`",
        ),
        c(
            "waiver without expiry",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\n",
            "missing field `expires`",
        ),
    ]
}

/// waivers that could hide what they never saw (issue 23).
fn waivers_that_hide_1() -> Vec<Case> {
    vec![
        c(
            "waiver match empty",
            "[[waiver]]\ncheck = \"boundary.unsafe\"\nmatch = \"\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "gate.toml:3:9: waiver for `boundary.unsafe` has an empty `match`",
        ),
        c(
            "waiver match whitespace",
            "[[waiver]]\ncheck = \"deps.duplicates\"\nmatch = \" \\t \"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "would cover every finding of the check",
        ),
        c(
            "waiver match invalid glob",
            "[[waiver]]\ncheck = \"boundary.unsafe\"\nmatch = \"ffi/[abc/*.rs\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "gate.toml:3:9: match `ffi/[abc/*.rs` is not a valid glob",
        ),
        c(
            "waiver match every file",
            "[[waiver]]\ncheck = \"boundary.unsafe\"\nmatch = \"**\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "gate.toml:3:9: match `**` matches every file",
        ),
        c(
            "waiver text empty",
            "[[waiver]]\ncheck = \"boundary.unsafe\"\ntext = \"\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "gate.toml:3:8: waiver for `boundary.unsafe` has an empty `text`",
        ),
        c(
            "waiver on tests.pass",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"net_timeout\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "gate.toml:2:9: `tests.pass` cannot be waived",
        ),
        c(
            "waiver on secrets.scan by kind",
            "[[waiver]]\ncheck = \"secrets.scan\"\nmatch = \"github-token\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "gate.toml:3:9: a waiver for `secrets.scan` must name the files it covers",
        ),
        c(
            "waiver on secrets.scan by a glob of any directory",
            "[[waiver]]\ncheck = \"secrets.scan\"\nmatch = \"**/*.pem\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "must name the files it covers",
        ),
        c(
            "waiver on secrets.scan by code",
            "[[waiver]]\ncheck = \"secrets.scan\"\ncode = \"secret-in-tree\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "must name the files it covers",
        ),
        c(
            "waiver code not a code",
            "[[waiver]]\ncheck = \"boundary.unsafe\"\ncode = \"Unsafe!\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "gate.toml:3:8: `Unsafe!` is not a finding code",
        ),
        c(
            "waiver line without file",
            "[[waiver]]\ncheck = \"ci.locked\"\ncode = \"cargo-without-locked\"\nline = 3\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "gate.toml:4:8: waiver gives `line` without `file`",
        ),
        c(
            "waiver line zero",
            "[[waiver]]\ncheck = \"ci.locked\"\nfile = \"ci.yml\"\nline = 0\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "gate.toml:4:8: line 0 is not a line number",
        ),
    ]
}

/// waivers that could hide what they never saw (issue 23).
fn waivers_that_hide_2() -> Vec<Case> {
    vec![
        c(
            "waiver line not a number",
            "[[waiver]]\ncheck = \"ci.locked\"\nfile = \"ci.yml\"\nline = \"7\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-01-01\"\n",
            "invalid type",
        ),
        files(
            "waiver expiring in 9999",
            &[(
                "gate.toml",
                "[[waiver]]\ncheck = \"boundary.unsafe\"\nmatch = \"ffi/**\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"9999-12-31\"\n",
            )],
            CONFIG,
            2,
            &[
                "gate.toml:6:11",
                "expires on 9999-12-31, more than 365 days from today",
                "the longest a waiver may run is 365 days ([policy] max-waiver-days)",
                "or earlier, and renew it then",
            ],
        ),
        files(
            "waiver beyond a shorter max-waiver-days",
            &[(
                "gate.toml",
                "[policy]\nmax-waiver-days = 7\n\n[[waiver]]\ncheck = \"boundary.unsafe\"\nmatch = \"ffi/**\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"9000-01-01\"\n",
            )],
            CONFIG,
            2,
            &["gate.toml:9:11", "the longest a waiver may run is 7 days"],
        ),
        c(
            "max-waiver-days zero",
            "[policy]\nmax-waiver-days = 0\n",
            "gate.toml:2:19: max-waiver-days 0 is outside 1..=3650",
        ),
        c(
            "max-waiver-days a century",
            "[policy]\nmax-waiver-days = 36500\n",
            "max-waiver-days 36500 is outside 1..=3650",
        ),
        c(
            "max-waiver-days not a number",
            "[policy]\nmax-waiver-days = \"1y\"\n",
            "invalid type",
        ),
    ]
}

/// [licenses] exceptions.
fn license_exceptions() -> Vec<Case> {
    vec![
        c(
            "license exception for an empty crate name",
            "[licenses]\nexceptions = [{ crate = \"\", allow = [\"MIT\"] }]\n",
            "gate.toml:2:25: exception for ``: not a crate name",
        ),
        c(
            "license exception without its license",
            "[licenses]\nexceptions = [{ crate = \"\" }]\n",
            "missing field `allow`",
        ),
        c(
            "license exception allowing nothing",
            "[licenses]\nexceptions = [{ crate = \"ring\", allow = [] }]\n",
            "the exception for `ring` allows no license",
        ),
        c(
            "license exception twice for one crate",
            "[licenses]\nexceptions = [{ crate = \"ring\", allow = [\"ISC\"] }, { crate = \"ring\", allow = [\"MIT\"] }]\n",
            "a second exception for `ring`",
        ),
    ]
}
