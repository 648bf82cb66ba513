//! Tests sharded across CI jobs (issue 28, docs/GUIDE.md "Sharding the tests"): each job runs
//! the stage with `--test-shard K/N` (nextest's `--partition hash:K/N`, from one `cargo
//! nextest archive` or its own build), each a verified record, and `cargo gate merge` joins
//! them into one verdict — READY only when every shard ran and was ready; a missing shard is
//! "not evaluated", never a pass. Real nextest runs of tests/fixtures/per-binary.

use crate::support::{Fixture, fixture};

/// Whether cargo-nextest is installed; says why the test is skipped when it is not.
pub(crate) fn nextest() -> bool {
    let installed = std::process::Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        skipped("cargo-nextest is not installed (cargo install cargo-nextest --locked)");
    }
    installed
}

#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn skipped(why: &str) {
    println!("skipped: {why}");
}

/// `cargo gate pilot --test-shard K/N [--test-archive FILE] --out DIR`.
fn shard(fx: &Fixture, k: u32, n: u32, archive: Option<&std::path::Path>, out: &str) -> i32 {
    let label = format!("{k}/{n}");
    let out = fx.root.join(out);
    let mut args = vec!["pilot", "--test-shard", &label, "--out"];
    let out = out.to_string_lossy().into_owned();
    args.push(&out);
    let archive = archive.map(|a| a.to_string_lossy().into_owned());
    if let Some(archive) = &archive {
        args.extend(["--test-archive", archive]);
    }
    let run = fx.gate(&args);
    assert_ne!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stdout.contains(&format!(
            "shard {k} of {n} (nextest --partition hash:{label}"
        )),
        "{}",
        run.stdout
    );
    run.code
}

fn merge(fx: &Fixture, outs: &[&str]) -> crate::support::Run {
    let mut args = vec!["merge".to_owned()];
    args.extend(
        outs.iter()
            .map(|o| fx.root.join(o).to_string_lossy().into_owned()),
    );
    args.extend([
        "--out".to_owned(),
        fx.root.join("merged").to_string_lossy().into_owned(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fx.gate(&args)
}

/// One archive built once, two shards run from it: merged, READY; one shard alone: not
/// evaluated (exit 2), the missing shard named.
#[test]
fn shards_from_one_archive_merge_into_one_verdict() {
    if !nextest() {
        return;
    }
    let fx = fixture("per-binary");
    let archive = fx.root.join("target/tests.tar.zst");
    let built = std::process::Command::new("cargo")
        .args([
            "nextest",
            "archive",
            "--locked",
            "--workspace",
            "--archive-file",
        ])
        .arg(&archive)
        .current_dir(&fx.root)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert_eq!(shard(&fx, 1, 2, Some(&archive), "shard-1"), 0);
    assert_eq!(shard(&fx, 2, 2, Some(&archive), "shard-2"), 0);
    let os = std::env::consts::OS;
    let both = merge(&fx, &["shard-1", "shard-2"]);
    assert_eq!(both.code, 0, "{}", both.transcript());
    assert!(
        both.stdout.contains(&format!(
            "SHARDS   {os} pilot, 2 shards: 1 ready, 2 ready — ready"
        )),
        "{}",
        both.stdout
    );
    let one = merge(&fx, &["shard-1"]);
    assert_eq!(one.code, 2, "{}", one.transcript());
    assert!(
        one.stdout.contains(&format!(
            "SHARDS   {os} pilot, 2 shards: 1 ready, 2 missing (not evaluated) — not evaluated"
        )),
        "{}",
        one.stdout
    );
}

/// A test that fails lands in one shard: that shard is not ready, and so is the merged
/// verdict (exit 1), whichever shard it was.
#[test]
fn a_failing_shard_makes_the_merged_verdict_not_ready() {
    if !nextest() {
        return;
    }
    let fx = fixture("per-binary");
    fx.write("c/tests/data/greeting.txt", "goodbye\n").commit();
    let codes = [
        shard(&fx, 1, 2, None, "shard-1"),
        shard(&fx, 2, 2, None, "shard-2"),
    ];
    let mut sorted = codes;
    sorted.sort();
    assert_eq!(sorted, [0, 1], "exactly one shard holds the failing test");
    let merged = merge(&fx, &["shard-1", "shard-2"]);
    assert_eq!(merged.code, 1, "{}", merged.transcript());
    assert!(merged.stdout.contains("— not-ready"), "{}", merged.stdout);
}
