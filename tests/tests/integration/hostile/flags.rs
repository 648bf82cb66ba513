//! Hostile command lines: unknown commands, flags and values; values that are empty, a
//! device, 100,000 characters long or not UTF-8; run ids that are paths; shard and size
//! specifications that are not. Each is a usage error (exit 2) that names the argument at
//! fault and echoes at most a short prefix of a long value; `verify --expect-head` takes
//! only a `sha256:` digest.

use super::{Case, Fixture, args, runner};

#[test]
fn hostile_flags() {
    runner::check_all("flags", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [
        arguments_1(),
        arguments_2(),
        expect_head_rows(),
        values(),
        shards_and_choices(),
        commands(),
    ]
    .concat()
}

/// command-line arguments.
fn arguments_1() -> Vec<Case> {
    vec![
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
    ]
}

/// command-line arguments.
fn arguments_2() -> Vec<Case> {
    vec![
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

/// One recorded run, so `verify` judges the flag and not an empty record.
fn one_run(fx: &Fixture) {
    runner::pre(fx, super::CONFIG);
}

/// `verify --expect-head VALUE` over a record of one run.
fn expect_head(name: &str, value: &str, code: i32, mentions: &[&str]) -> Case {
    Case::new(name, &["verify", "--expect-head", value], code, mentions)
        .prepare(one_run)
        .absent(&"z".repeat(100))
}

fn expect_head_rows() -> Vec<Case> {
    let zeros = format!("sha256:{}", "0".repeat(64));
    vec![
        expect_head(
            "--expect-head sha256:zzzz",
            "sha256:zzzz",
            2,
            &["--expect-head"],
        ),
        expect_head(
            "--expect-head of 100,000 characters",
            "sha256:{Z100K}",
            2,
            &["--expect-head"],
        ),
        expect_head(
            "--expect-head without its prefix",
            "{Z100K}",
            2,
            &["--expect-head"],
        ),
        expect_head(
            "--expect-head md5",
            "md5:0123456789abcdef",
            2,
            &["--expect-head"],
        ),
        expect_head("--expect-head empty", "", 2, &["--expect-head"]),
        expect_head(
            "--expect-head short hex",
            "sha256:abcd",
            2,
            &["--expect-head"],
        ),
        expect_head(
            "--expect-head a digest not in the chain",
            &zeros,
            1,
            &["is not in the chain"],
        ),
    ]
}

/// Values that are empty, too long or not UTF-8.
fn values() -> Vec<Case> {
    let only =
        |name: &str, value: &str| args(name, &["pilot", "--only", value], 2, &["unknown check"]);
    let mut rows = vec![
        only("--only empty", ""),
        only("--only of 100,000 characters", "{Z100K}"),
        args(
            "--config empty",
            &["pilot", "--config", ""],
            2,
            &["--config"],
        ),
        args(
            "--manifest-path empty",
            &["pilot", "--manifest-path", ""],
            2,
            &["--manifest-path"],
        ),
        args(
            "--out /dev/null",
            &["pilot", "--only", "config.valid", "--out", "/dev/null"],
            2,
            &["cannot write the run record"],
        ),
        args(
            "--out a name too long",
            &["pilot", "--only", "config.valid", "--out", "target/{Z100K}"],
            2,
            &["--out"],
        ),
    ];
    rows.extend(not_utf8());
    rows
}

/// A value that is not UTF-8 (Unix only: Windows arguments are UTF-16).
fn not_utf8() -> Vec<Case> {
    #[cfg(unix)]
    return vec![
        Case::new(
            "--only not UTF-8",
            &["pilot", "--only"],
            2,
            &["invalid UTF-8"],
        )
        .arg_bytes(b"\xff\xfe"),
    ];
    #[cfg(not(unix))]
    Vec::new()
}

/// Shards that are no shard, and values of a fixed set that are not in it.
fn shards_and_choices() -> Vec<Case> {
    vec![
        args(
            "--test-shard 0/0",
            &["pilot", "--test-shard", "0/0"],
            2,
            &["0/0"],
        ),
        args(
            "--test-shard 3/2",
            &["pilot", "--test-shard", "3/2"],
            2,
            &["3/2"],
        ),
        args(
            "--test-shard a/b",
            &["pilot", "--test-shard", "a/b"],
            2,
            &["a/b"],
        ),
        args(
            "--test-shard 1/0",
            &["pilot", "--test-shard", "1/0"],
            2,
            &["1/0"],
        ),
        args(
            "--test-archive without --test-shard",
            &["pilot", "--test-archive", "tests.tar.zst"],
            2,
            &["--test-shard"],
        ),
        args(
            "--color sometimes",
            &["pilot", "--color", "sometimes"],
            2,
            &["sometimes"],
        ),
        args(
            "--message-format yaml",
            &["pilot", "--message-format", "yaml"],
            2,
            &["yaml"],
        ),
    ]
}

/// Commands given what they cannot take.
fn commands() -> Vec<Case> {
    vec![
        args(
            "init --shards 0",
            &["init", "--shards", "0"],
            2,
            &["--shards"],
        ),
        args(
            "completions for an unknown shell",
            &["completions", "tcsh"],
            2,
            &["tcsh"],
        ),
        args("explain empty", &["explain", ""], 2, &[]),
        args(
            "cache prune --max-size lots",
            &["cache", "prune", "--max-size", "lots"],
            2,
            &["lots"],
        ),
        args(
            "cache with an unknown command",
            &["cache", "frobnicate"],
            2,
            &["frobnicate"],
        ),
        args("diff with one run", &["diff", "r1"], 2, &["<B>"]),
        args("merge without a directory", &["merge"], 2, &["<DIR>"]),
        args("verify two runs", &["verify", "a", "b"], 2, &["b"]),
        args(
            "verify a device as the run",
            &["verify", "/dev/zero"],
            2,
            &["/dev/zero"],
        ),
        args(
            "man into a file",
            &["man", "Cargo.toml"],
            2,
            &["Cargo.toml"],
        ),
        args(
            "history with an unknown flag",
            &["history", "--since", "yesterday"],
            2,
            &["--since"],
        ),
    ]
}
