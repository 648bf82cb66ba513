//! The bad-input matrix: one table, each row an input a hostile or careless user gives the
//! gate (a gate.toml, a manifest, a toolchain file, command-line arguments) and what must
//! follow: the exit code, the words the message must hold (the file, the fix), no panic,
//! bounded time. Every row runs on a fresh copy of the `clean` fixture.

use crate::support::{fixture, run};
use std::time::{Duration, Instant};

/// One row.
struct Case {
    name: &'static str,
    /// Files written (path, contents) before the run; `<dir>` as contents makes a directory.
    files: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    code: i32,
    /// Substrings stdout+stderr must contain.
    mentions: &'static [&'static str],
}

const DIR: &str = "<dir>";
const CONFIG: &[&str] = &["pilot", "--only", "config.valid"];

fn cases() -> Vec<(Case, Option<&'static str>)> {
    // (case, the gate.toml it writes)
    // A gate.toml row: exit 2, the message names `mention` (and, checked below, gate.toml).
    let c = |name, toml, mention| {
        (
            Case {
                name,
                files: &[],
                args: CONFIG,
                code: 2,
                mentions: std::slice::from_ref(Box::leak(Box::new(mention))),
            },
            Some(toml),
        )
    };
    let args = |name, args, code, mentions| {
        (
            Case {
                name,
                files: &[],
                args,
                code,
                mentions,
            },
            None,
        )
    };
    let files = |name, files, args, code, mentions| {
        (
            Case {
                name,
                files,
                args,
                code,
                mentions,
            },
            None,
        )
    };
    vec![
        // --- gate.toml: syntax and shape ---
        c(
            "syntax: unclosed table",
            "[policy\nprofile = \"portable\"\n",
            "gate.toml:1",
        ),
        c(
            "syntax: unclosed string",
            "[policy]\nprofile = \"portable\n",
            "gate.toml:2",
        ),
        c(
            "syntax: duplicate key",
            "[policy]\nstrict = true\nstrict = false\n",
            "gate.toml:3",
        ),
        c(
            "syntax: duplicate table",
            "[policy]\n[policy]\n",
            "gate.toml:2",
        ),
        c("unknown top-level key", "foo = 1\n", "unknown field `foo`"),
        c(
            "unknown section",
            "[polcy]\nprofile = \"rusty\"\n",
            "unknown field `polcy`",
        ),
        c(
            "unknown policy key",
            "[policy]\nstirct = true\n",
            "unknown field `stirct`",
        ),
        c(
            "unknown tests key",
            "[tests]\ntime-out = \"1m\"\n",
            "unknown field `time-out`",
        ),
        c(
            "unknown check key",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"true\"]\ntimout = \"1m\"\n",
            "unknown field `timout`",
        ),
        c(
            "unknown waiver key",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2099-01-01\"\nowners = \"o\"\n",
            "unknown field `owners`",
        ),
        // --- [policy] ---
        c("profile unknown", "[policy]\nprofile = \"wild\"\n", "wild"),
        c("profile empty", "[policy]\nprofile = \"\"\n", "gate.toml:2"),
        c(
            "profile not a string",
            "[policy]\nprofile = 3\n",
            "invalid type",
        ),
        c(
            "strict not a bool",
            "[policy]\nstrict = \"yes\"\n",
            "invalid type",
        ),
        c(
            "min-driver garbage",
            "[policy]\nmin-driver = \"banana\"\n",
            "banana",
        ),
        c(
            "min-driver no minor",
            "[policy]\nmin-driver = \"12\"\n",
            "gate.toml:2",
        ),
        c(
            "min-driver number",
            "[policy]\nmin-driver = 12.4\n",
            "invalid type",
        ),
        // --- [boundary] ---
        c(
            "allow-unsafe not a list",
            "[boundary]\nallow-unsafe = \"x\"\n",
            "invalid type",
        ),
        c(
            "allow-unsafe numbers",
            "[boundary]\nallow-unsafe = [1]\n",
            "invalid type",
        ),
        // --- [cache] ---
        c(
            "unknown cache key",
            "[cache]\nmax_size = \"1GiB\"\n",
            "unknown field `max_size`",
        ),
        c(
            "cache size without a unit it knows",
            "[cache]\nmax-size = \"2 parsecs\"\n",
            "`2 parsecs` is not a cache size of at least 1 MiB",
        ),
        c(
            "cache size too small",
            "[cache]\nmax-size = \"10KB\"\n",
            "`10KB` is not a cache size of at least 1 MiB",
        ),
        c(
            "cache env not a name",
            "[cache]\nenv = [\"A=B\"]\n",
            "`A=B` is not an environment variable name",
        ),
        c(
            "cache files holds an empty path",
            "[cache]\nfiles = [\"\"]\n",
            "`` is not a path",
        ),
        c(
            "cache files holds a NUL byte",
            "[cache]\nfiles = [\"data\\u0000x\"]\n",
            "is not a path",
        ),
        c(
            "cache reads holds an empty path",
            "[cache.reads]\n\"tests::tidy\" = [\" \"]\n",
            "` ` is not a path",
        ),
        c(
            "cache reads not a list",
            "[cache.reads]\n\"tests::tidy\" = \"xtask\"\n",
            "invalid type",
        ),
        c(
            "cache broad not a bool",
            "[cache]\nbroad = \"yes\"\n",
            "invalid type",
        ),
        // --- [tests] ---
        c(
            "failure path empty pattern",
            "[tests]\nfailure-paths = { io = \"\" }\n",
            "empty test-name pattern",
        ),
        c(
            "failure paths not a table",
            "[tests]\nfailure-paths = 5\n",
            "invalid type",
        ),
        c(
            "tests timeout words",
            "[tests]\ntimeout = \"soon\"\n",
            "`soon` is not a duration",
        ),
        c(
            "tests timeout zero",
            "[tests]\ntimeout = \"0s\"\n",
            "`0s` is not a duration",
        ),
        c(
            "tests timeout two days",
            "[tests]\ntimeout = \"48h\"\n",
            "longer than a day",
        ),
        c(
            "tests timeout overflowing",
            "[tests]\ntimeout = \"18446744073709551615s\"\n",
            "gate.toml:2:11",
        ),
        c(
            "tests timeout a number",
            "[tests]\ntimeout = 30\n",
            "invalid type",
        ),
        c(
            "tests timeout negative",
            "[tests]\ntimeout = \"-5m\"\n",
            "not a duration",
        ),
        // --- [bench] ---
        c(
            "max-regression zero",
            "[bench]\nmax-regression = 0.0\n",
            "outside (0, 1]",
        ),
        c(
            "max-regression above one",
            "[bench]\nmax-regression = 1.5\n",
            "outside (0, 1]",
        ),
        c(
            "max-regression negative",
            "[bench]\nmax-regression = -0.1\n",
            "outside (0, 1]",
        ),
        c(
            "max-regression a string",
            "[bench]\nmax-regression = \"5%\"\n",
            "invalid type",
        ),
        c(
            "max-regression nan",
            "[bench]\nmax-regression = nan\n",
            "outside (0, 1]",
        ),
        c(
            "bench command a string",
            "[bench]\ncommand = \"cargo bench\"\n",
            "invalid type",
        ),
        // --- [history] / [matrix] / [checklist] ---
        c("window zero", "[history]\nwindow = 0\n", "outside 1..=1000"),
        c(
            "window too large",
            "[history]\nwindow = 1001\n",
            "outside 1..=1000",
        ),
        c(
            "window negative",
            "[history]\nwindow = -1\n",
            "outside 1..=1000",
        ),
        c(
            "window a word",
            "[history]\nwindow = \"five\"\n",
            "invalid type",
        ),
        c(
            "window huge",
            "[history]\nwindow = 99999999999999\n",
            "outside 1..=1000",
        ),
        c(
            "platform unknown",
            "[matrix]\nplatforms = [\"beos\"]\n",
            "unknown platform `beos`",
        ),
        c(
            "platforms a string",
            "[matrix]\nplatforms = \"linux\"\n",
            "invalid type",
        ),
        c(
            "checklist path a number",
            "[checklist]\npath = 7\n",
            "invalid type",
        ),
        // --- [[check]] ---
        c(
            "check id upper case",
            "[[check]]\nid = \"Smoke\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "not a check id",
        ),
        c(
            "check id without area",
            "[[check]]\nid = \"smoke\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "not a check id",
        ),
        c(
            "check id three parts",
            "[[check]]\nid = \"a.b.c\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "not a check id",
        ),
        c(
            "check id empty",
            "[[check]]\nid = \"\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "not a check id",
        ),
        c(
            "check id built in",
            "[[check]]\nid = \"tests.pass\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "built-in check",
        ),
        c(
            "check id duplicated",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"true\"]\n\n[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "a second [[check]] with id `team.x`",
        ),
        c(
            "check stage unknown",
            "[[check]]\nid = \"team.x\"\nstage = \"canary\"\nrun = [\"true\"]\n",
            "unknown stage `canary`",
        ),
        c(
            "check run empty",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = []\n",
            "`run` is empty",
        ),
        c(
            "check run empty program",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"\"]\n",
            "empty program name",
        ),
        c(
            "check run blank program",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"  \", \"x\"]\n",
            "empty program name",
        ),
        c(
            "check run a string",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = \"cargo test\"\n",
            "invalid type",
        ),
        c(
            "check timeout words",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"true\"]\ntimeout = \"soon\"\n",
            "not a duration",
        ),
        c(
            "check timeout a day and more",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"true\"]\ntimeout = \"25h\"\n",
            "longer than a day",
        ),
        c(
            "check timeout overflowing",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"true\"]\ntimeout = \"18446744073709551615s\"\n",
            "gate.toml:5:11",
        ),
        c(
            "check timeout zero",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"true\"]\ntimeout = \"0s\"\n",
            "not a duration",
        ),
        c(
            "check without run",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\n",
            "missing field `run`",
        ),
        c(
            "check without stage",
            "[[check]]\nid = \"team.x\"\nrun = [\"true\"]\n",
            "missing field `stage`",
        ),
        c(
            "check without id",
            "[[check]]\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "missing field `id`",
        ),
        c(
            "check as a table",
            "[check]\nid = \"team.x\"\n",
            "invalid type",
        ),
        // --- [[waiver]] ---
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
        // --- waivers that could hide what they never saw (issue 23) ---
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
        // --- [licenses] exceptions ---
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
        // --- configuration where the gate does not read it ---
        files(
            "gate config in a member's Cargo.toml",
            &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\nmembers = [\"member\"]\n",
                ),
                (
                    "member/Cargo.toml",
                    "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[package.metadata.gate.policy]\nprofile = \"rusty\"\n",
                ),
                ("member/src/lib.rs", "\n"),
            ],
            CONFIG,
            2,
            &[
                "member/Cargo.toml:7:",
                "[package.metadata.gate] in the manifest of member `member` is never read",
                "move these settings into gate.toml at the workspace root",
            ],
        ),
        files(
            "workspace config table in a member's Cargo.toml",
            &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\nmembers = [\"member\"]\n",
                ),
                (
                    "member/Cargo.toml",
                    "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace.metadata.gate]\nstrict = true\n",
                ),
                ("member/src/lib.rs", "\n"),
            ],
            CONFIG,
            2,
            &["member/Cargo.toml"],
        ),
        // --- configuration files that are not files ---
        files(
            "gate.toml is a directory",
            &[("gate.toml", DIR)],
            CONFIG,
            2,
            &["gate.toml", "is a directory"],
        ),
        files(
            "gate.toml is not UTF-8",
            &[("gate.toml", "\u{0}[policy]\nprofile = \"\u{FFFD}")],
            CONFIG,
            2,
            &["gate.toml"],
        ),
        files(
            "--config is a directory",
            &[("conf", DIR)],
            &["pilot", "--only", "config.valid", "--config", "conf"],
            2,
            &["conf", "is a directory"],
        ),
        args(
            "--config is missing",
            &["pilot", "--only", "config.valid", "--config", "nope.toml"],
            2,
            &["nope.toml", "failed to read"],
        ),
        files(
            "--config syntax error",
            &[("other.toml", "[tests\n")],
            &["pilot", "--only", "config.valid", "--config", "other.toml"],
            2,
            &["other.toml:1"],
        ),
        files(
            "config in both places",
            &[
                ("gate.toml", "[policy]\nprofile = \"rusty\"\n"),
                (
                    "Cargo.toml",
                    "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[workspace.metadata.gate.policy]\nprofile = \"rusty\"\n",
                ),
            ],
            CONFIG,
            2,
            &["both gate.toml and [workspace.metadata.gate]"],
        ),
        files(
            "metadata table unknown key",
            &[(
                "Cargo.toml",
                "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[workspace.metadata.gate]\nstirct = true\n",
            )],
            CONFIG,
            2,
            &["Cargo.toml", "unknown field `stirct`"],
        ),
        // --- manifests and toolchains ---
        files(
            "Cargo.toml syntax error",
            &[("Cargo.toml", "[package\nname = \"clean\"\n")],
            &["pilot"],
            2,
            &["Cargo.toml"],
        ),
        files(
            "Cargo.toml binary garbage",
            &[("Cargo.toml", "\u{0}\u{1}\u{2}garbage")],
            &["pilot"],
            2,
            &["Cargo.toml"],
        ),
        files(
            "Cargo.toml is a directory",
            &[("sub/Cargo.toml", DIR)],
            &["pilot", "--manifest-path", "sub/Cargo.toml"],
            2,
            &["sub/Cargo.toml"],
        ),
        files(
            "toolchain not installed",
            &[("rust-toolchain.toml", "[toolchain]\nchannel = \"1.20.0\"\n")],
            &["pilot", "--only", "lockfile.locked"],
            2,
            &["1.20.0", "rustup toolchain install"],
        ),
        // --- command-line arguments ---
        args("unknown stage", &["canary"], 2, &["canary"]),
        args("no subcommand", &[], 2, &["Usage"]),
        args(
            "unknown flag",
            &["pilot", "--frobnicate"],
            2,
            &["--frobnicate"],
        ),
        args(
            "--only unknown check",
            &["pilot", "--only", "nope.nope"],
            2,
            &["unknown check `nope.nope`", "cargo gate checks"],
        ),
        args(
            "--skip unknown check",
            &["pilot", "--skip", "nope.nope"],
            2,
            &["unknown check `nope.nope`"],
        ),
        args(
            "--only a later stage's check",
            &["pilot", "--only", "checklist.closed"],
            2,
            &["starts at stage broad"],
        ),
        args(
            "--format unknown",
            &["pilot", "--format", "xml"],
            2,
            &["xml"],
        ),
        args(
            "--strict and --permissive",
            &["pilot", "--strict", "--permissive"],
            2,
            &["--permissive"],
        ),
        args(
            "--manifest-path missing",
            &["pilot", "--manifest-path", "nope/Cargo.toml"],
            2,
            &["nope/Cargo.toml", "does not exist"],
        ),
        args(
            "--manifest-path not a manifest",
            &["pilot", "--manifest-path", "src/lib.rs"],
            2,
            &["src/lib.rs", "is not a Cargo.toml"],
        ),
        args(
            "--out is a file",
            &["pilot", "--only", "config.valid", "--out", "Cargo.toml"],
            2,
            &[
                "cannot write the run record",
                "Not a directory",
                "--out DIR",
            ],
        ),
        args(
            "explain unknown check",
            &["explain", "nope.nope"],
            2,
            &["nope.nope"],
        ),
        args(
            "explain a code several checks use",
            &["explain", "unreadable-manifest"],
            2,
            &["deps.pinned/unreadable-manifest", "name the check too"],
        ),
        args(
            "diff with a path",
            &["diff", "../../x", "y"],
            2,
            &["`../../x` is not a run id"],
        ),
        args(
            "diff with a separator",
            &["diff", "a/b", "c"],
            2,
            &["`a/b` is not a run id"],
        ),
        args(
            "diff with a hidden name",
            &["diff", ".tmp-x", "y"],
            2,
            &["`.tmp-x` is not a run id"],
        ),
        args(
            "diff with a backslash",
            &["diff", "a\\b", "c"],
            2,
            &["is not a run id"],
        ),
        args(
            "diff of runs not recorded",
            &["diff", "r1", "r2", "--out", "target/nothing"],
            2,
            &["r1"],
        ),
        args(
            "verify without history",
            &["verify", "--out", "target/nothing"],
            2,
            &["no run has been recorded here"],
        ),
        args(
            "verify a run dir that does not exist",
            &["verify", "target/gate/runs/nope"],
            2,
            &["nope"],
        ),
        args(
            "verify --expect-head without value",
            &["verify", "--expect-head"],
            2,
            &["--expect-head"],
        ),
    ]
}

#[test]
fn the_bad_input_matrix() {
    let cases = cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for (case, toml) in &cases {
        let fx = fixture("clean");
        if let Some(toml) = toml {
            fx.write("gate.toml", toml);
        }
        for (path, contents) in case.files {
            if *contents == DIR {
                let _ = std::fs::remove_file(fx.root.join(path));
                std::fs::create_dir_all(fx.root.join(path)).unwrap();
            } else {
                fx.write(path, contents);
            }
        }
        let mut cmd = fx.command(case.args);
        // `cargo test` runs us under a rustup toolchain override; the gate must see the
        // fixture's own pin.
        cmd.env_remove("RUSTUP_TOOLCHAIN")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let started = Instant::now();
        let out = run(cmd);
        let took = started.elapsed();
        let all = format!("{}{}", out.stdout, out.stderr);
        let mut problems = Vec::new();
        if out.code != case.code {
            problems.push(format!("exit {} (want {})", out.code, case.code));
        }
        if all.contains("panicked") {
            problems.push("panicked".to_owned());
        }
        if took > Duration::from_secs(20) {
            problems.push(format!("took {took:?}"));
        }
        if toml.is_some() && !all.contains("gate.toml") {
            problems.push("does not name gate.toml".to_owned());
        }
        for m in case.mentions {
            if !all.contains(m) {
                problems.push(format!("does not mention {m:?}"));
            }
        }
        // Bad input is refused before anything is written; a missing toolchain is found by
        // running, and that run is recorded (its checks could not be evaluated).
        let recorded = case.name == "toolchain not installed";
        if case.code == 2 && !recorded && fx.history_len() != 0 {
            problems.push("wrote history".to_owned());
        }
        if !problems.is_empty() {
            wrong.push(format!(
                "{}: {}\n{}",
                case.name,
                problems.join("; "),
                all.trim()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} case(s) wrong:\n\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n\n")
    );
}

/// A file name and a waiver's reason and owner that hold a newline, a carriage return,
/// terminal escape codes and a bidi override: the text report shows them as escapes, so no
/// line of its own says `READY for pilot` and no escape code reaches the terminal.
#[test]
fn hostile_names_and_reasons_cannot_forge_a_line() {
    let fx = fixture("clean");
    let unsafe_code = "pub fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n";
    fx.write("src/waived\nREADY for pilot\u{1b}[2K.rs", unsafe_code);
    fx.write(
        "src/evil\r\u{1b}[32mREADY for pilot\u{202e}sr.rs",
        unsafe_code,
    );
    let expires = cargo_gate::init::add_days(&cargo_gate::init::today_utc(), 30).unwrap();
    fx.write(
        "gate.toml",
        &format!(
            "[policy]\nprofile = \"portable\"\n\n[[waiver]]\ncheck = \"boundary.unsafe\"\n\
             file = \"src/waived\\nREADY for pilot\\u001b[2K.rs\"\n\
             reason = \"reviewed\\n\\nREADY for pilot\\u001b[0m\"\n\
             owner = \"sec\\u001b]0;owned\\u0007\"\nexpires = \"{expires}\"\n"
        ),
    );
    fx.commit();
    let mut run = fx.gate(&["pilot", "--only", "boundary.unsafe"]);
    run.stdout = run.stdout.replace(&expires, "<expires>");
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(!run.stdout.contains('\r'), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{202e}'), "{}", run.stdout);
    assert!(
        !run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("READY")),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!("hostile-names-text", run.transcript());
    let markdown = fx.gate(&["pilot", "--only", "boundary.unsafe", "--format", "markdown"]);
    assert!(!markdown.stdout.contains('\u{1b}'), "{}", markdown.stdout);
    assert!(
        !markdown.stdout.contains(['\r', '\u{202e}']),
        "{}",
        markdown.stdout
    );
    assert!(
        !markdown.stdout.lines().any(|l| l
            .trim_start_matches(['#', '-', '|', ' '])
            .starts_with("READY")),
        "{}",
        markdown.stdout
    );
    // JUnit: each finding one line of the failure's text, escapes shown, never obeyed.
    let junit = fx.gate(&["pilot", "--only", "boundary.unsafe", "--format", "junit"]);
    assert!(!junit.stdout.contains('\u{1b}'), "{}", junit.stdout);
    assert!(
        !junit.stdout.contains(['\r', '\u{202e}']),
        "{}",
        junit.stdout
    );
    assert!(
        !junit
            .stdout
            .lines()
            .any(|l| l.trim_start().starts_with("READY")),
        "{}",
        junit.stdout
    );
}
