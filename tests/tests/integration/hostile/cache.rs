//! A hostile evidence cache (`target/gate/cache`, written by whoever can write the output
//! directory): entries of garbage, entries that are FIFOs, sparse gigabytes or links out of
//! the cache, blobs of random bytes, the cache's directories replaced by files. Nothing the
//! cache holds is trusted: a run gathers afresh and passes (exit 0) and says what it threw
//! away; `cache stats` counts corrupt entries and `cache prune` removes them. Nothing blocks.

use super::{Case, Fixture, Plant, runner};
use std::path::{Path, PathBuf};

#[test]
fn hostile_cache() {
    runner::check_all("cache", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [runs(), commands()].concat()
}

/// A whole pilot run: the cache holds every fact the stage gathers.
fn cached(fx: &Fixture) {
    runner::pre(fx, &["pilot"]);
}

fn cache(fx: &Fixture) -> PathBuf {
    fx.out().join("cache")
}

/// The files two levels under `dir` (`entries/<fact>/<key>.json`, `blobs/<xx>/<digest>`).
fn leaves(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).expect("a cache directory").flatten() {
        if sub.path().is_dir() {
            out.extend(
                std::fs::read_dir(sub.path())
                    .expect("listed")
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    assert!(!out.is_empty(), "{} holds files", dir.display());
    out
}

/// Replaces every entry (or blob) with `plant`.
fn every(fx: &Fixture, what: &str, plant: &Plant) {
    for path in leaves(&cache(fx).join(what)) {
        let rel = path
            .strip_prefix(&fx.root)
            .expect("under the root")
            .to_string_lossy()
            .into_owned();
        runner::plant(fx, &rel, plant);
    }
}

fn garbage_entries(fx: &Fixture) {
    cached(fx);
    every(
        fx,
        "entries",
        &Plant::Text("garbage, not JSON\n".to_owned()),
    );
}

fn fifo_entries(fx: &Fixture) {
    cached(fx);
    every(fx, "entries", &Plant::Fifo);
}

fn sparse_entries(fx: &Fixture) {
    cached(fx);
    every(fx, "entries", &Plant::Sparse(1 << 30));
}

/// Links to a file outside the repository (never to a system file: a gate that followed
/// one and wrote would damage the machine, not fail a row).
fn linked_entries(fx: &Fixture) {
    cached(fx);
    runner::plant(fx, "{OUTSIDE}/entry.json", &Plant::Text("{}\n".to_owned()));
    every(
        fx,
        "entries",
        &Plant::Link("{OUTSIDE}/entry.json".to_owned()),
    );
}

fn random_blobs(fx: &Fixture) {
    cached(fx);
    let noise: Vec<u8> = (0..512u32).map(|i| (i * 73 % 251) as u8).collect();
    every(fx, "blobs", &Plant::Bytes(noise));
}

fn fifo_blobs(fx: &Fixture) {
    cached(fx);
    every(fx, "blobs", &Plant::Fifo);
}

fn entries_a_file(fx: &Fixture) {
    cached(fx);
    runner::plant(
        fx,
        "target/gate/cache/entries",
        &Plant::Text("not a directory\n".to_owned()),
    );
}

fn blobs_a_fifo(fx: &Fixture) {
    cached(fx);
    runner::plant(fx, "target/gate/cache/blobs", &Plant::Fifo);
}

fn cache_a_link_out(fx: &Fixture) {
    cached(fx);
    runner::plant(fx, "{OUTSIDE}/cache", &Plant::Dir);
    runner::plant(
        fx,
        "target/gate/cache",
        &Plant::Link("{OUTSIDE}/cache".to_owned()),
    );
}

fn tool_garbage(fx: &Fixture) {
    cached(fx);
    runner::plant(
        fx,
        "target/gate/cache/tool.json",
        &Plant::Text("{\"version\":".to_owned()),
    );
}

/// The workspace kept for the next run (`cache/workspace.json`), planted as `plant`.
fn kept_workspace(fx: &Fixture, plant: &Plant) {
    cached(fx);
    runner::plant(fx, "target/gate/cache/workspace.json", plant);
}

fn kept_garbage(fx: &Fixture) {
    kept_workspace(fx, &Plant::Text("{\"root\": 7}\n".to_owned()));
}

fn kept_fifo(fx: &Fixture) {
    kept_workspace(fx, &Plant::Fifo);
}

fn kept_sparse(fx: &Fixture) {
    kept_workspace(fx, &Plant::Sparse(1 << 30));
}

/// A pilot run over a cache tampered with by `prepare`: exit 0, every check passed.
fn pilot(name: &str, prepare: super::Prepare, mentions: &[&str]) -> Case {
    Case::new(name, &["pilot"], 0, mentions)
        .prepare(prepare)
        .builds()
}

fn runs() -> Vec<Case> {
    vec![
        pilot(
            "cache entries of garbage, then a run",
            garbage_entries,
            &["READY for pilot", "gathered afresh"],
        ),
        pilot(
            "cache entries that are FIFOs, then a run",
            fifo_entries,
            &["READY for pilot", "not a regular file"],
        ),
        pilot(
            "cache entries sparse, 1 GiB, then a run",
            sparse_entries,
            &["READY for pilot"],
        ),
        pilot(
            "cache entries linked out of the cache, then a run",
            linked_entries,
            &["READY for pilot"],
        ),
        pilot(
            "cache blobs of random bytes, then a run",
            random_blobs,
            &["READY for pilot", "do not match"],
        ),
        pilot(
            "cache blobs that are FIFOs, then a run",
            fifo_blobs,
            &["READY for pilot"],
        ),
        pilot(
            "cache entries/ a file, then a run",
            entries_a_file,
            &["READY for pilot"],
        ),
        pilot(
            "cache blobs/ a FIFO, then a run",
            blobs_a_fifo,
            &["READY for pilot"],
        ),
        pilot(
            "cache a link out of the output directory, then a run",
            cache_a_link_out,
            &["READY for pilot"],
        ),
        pilot(
            "cache tool.json cut short, then a run",
            tool_garbage,
            &["READY for pilot"],
        ),
        pilot(
            "cache workspace.json of garbage, then a run",
            kept_garbage,
            &["READY for pilot"],
        ),
        pilot(
            "cache workspace.json a FIFO, then a run",
            kept_fifo,
            &["READY for pilot"],
        ),
        pilot(
            "cache workspace.json sparse, 1 GiB, then a run",
            kept_sparse,
            &["READY for pilot"],
        ),
    ]
}

fn commands() -> Vec<Case> {
    vec![
        Case::new(
            "cache entries of garbage, then stats",
            &["cache", "stats"],
            0,
            &["corrupt"],
        )
        .prepare(garbage_entries),
        Case::new(
            "cache entries that are FIFOs, then stats",
            &["cache", "stats"],
            0,
            &[],
        )
        .prepare(fifo_entries),
        Case::new(
            "cache entries of garbage, then prune",
            &["cache", "prune"],
            0,
            &["removed"],
        )
        .prepare(garbage_entries),
        Case::new(
            "cache entries that are FIFOs, then prune",
            &["cache", "prune"],
            0,
            &["removed"],
        )
        .prepare(fifo_entries),
    ]
}
