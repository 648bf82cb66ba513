//! Hostile `[[check]]` tables (the team's own checks): bad ids, stages, commands and limits
//! are configuration errors (exit 2, gate.toml named); and team checks that carry or print
//! the planted secrets run, and the record they leave holds none of them.

use super::{Case, c, runner};

#[test]
fn hostile_team_checks() {
    runner::check_all("team checks", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [
        team_checks_1(),
        team_checks_2(),
        odd_ids(),
        secrets_in_checks(),
    ]
    .concat()
}

/// [[check]].
fn team_checks_1() -> Vec<Case> {
    vec![
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
    ]
}

/// [[check]].
fn team_checks_2() -> Vec<Case> {
    vec![
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
    ]
}

/// Ids no check id may be.
fn odd_ids() -> Vec<Case> {
    vec![
        c(
            "check id in Cyrillic",
            "[[check]]\nid = \"team.\u{043f}\u{0440}\u{043e}\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "not a check id",
        ),
        c(
            "check id with a newline",
            "[[check]]\nid = \"team.x\\nREADY\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "not a check id",
        ),
        c(
            "check id with a glob",
            "[[check]]\nid = \"team.*\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
            "not a check id",
        ),
    ]
}

/// A team check that prints every planted secret (the file's and the environment's), and
/// one whose command line holds them: both pass, and no file of the record holds a secret.
fn secrets_in_checks() -> Vec<Case> {
    let dump = "[policy]\nprofile = \"portable\"\n\n[[check]]\nid = \"team.dump\"\nstage = \"pilot\"\nrun = [\"sh\", \"-c\", \"cat .env; echo \\\"$GATE_HOSTILE_NOTE\\\"; echo \\\"$GITHUB_WORKFLOW\\\"\"]\n";
    let argv = "[policy]\nprofile = \"portable\"\n\n[[check]]\nid = \"team.argv\"\nstage = \"pilot\"\nrun = [\"true\", \"{AWS}\", \"--token={GHP}\"]\n";
    vec![
        Case::new(
            "team check printing the planted secrets",
            &["pilot", "--only", "team.dump"],
            0,
            &["PASS    team.dump"],
        )
        .text("gate.toml", dump),
        Case::new(
            "team check with the secrets on its command line",
            &["pilot", "--only", "team.argv"],
            0,
            &["PASS    team.argv"],
        )
        .text("gate.toml", argv),
        Case::new(
            "waiver reason holding a secret",
            super::CONFIG,
            0,
            &["PASS    config.valid"],
        )
        .text(
            "gate.toml",
            "[policy]\nprofile = \"portable\"\n\n[[waiver]]\ncheck = \"boundary.unsafe\"\nfile = \"src/lib.rs\"\nreason = \"rotated {AWS}\"\nowner = \"sec {GHP}\"\nexpires = \"{EXPIRES}\"\n",
        ),
    ]
}
