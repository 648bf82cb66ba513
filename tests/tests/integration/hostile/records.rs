//! Hostile records: history.jsonl cut mid-line, garbage, binary, emptied, with lines doubled,
//! swapped or a megabyte long, or sparse past its cap; a run's manifest, report, decision or
//! environment with one byte flipped; a run file that is a FIFO, a sparse gigabyte or a link
//! out; a run directory removed or holding an extra file. `verify` names what was tampered
//! with and exits 1; `history` and `status` over a record `verify` rejects say which run does
//! not verify and exit non-zero; `merge` refuses a tampered input. Nothing blocks.

use super::{Case, Fixture, Plant, runner};
use std::path::PathBuf;

#[test]
fn hostile_records() {
    runner::check_all("records", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [history_file(), run_files(), readers()].concat()
}

/// One recorded run (`pilot --only config.valid`).
fn one_run(fx: &Fixture) {
    runner::pre(fx, super::CONFIG);
}

/// Two recorded runs.
fn two_runs(fx: &Fixture) {
    one_run(fx);
    one_run(fx);
}

fn history(fx: &Fixture) -> PathBuf {
    fx.out().join("history.jsonl")
}

/// The directory of the latest recorded run.
fn last_run(fx: &Fixture) -> PathBuf {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(fx.out().join("runs"))
        .expect("runs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    runs.sort();
    runs.pop().expect("a recorded run")
}

/// Flips the lowest bit of the byte in the middle of `path`.
fn flip(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).expect("the file to flip");
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(path, bytes).expect("written");
}

fn replace_history(fx: &Fixture, bytes: &[u8]) {
    std::fs::write(history(fx), bytes).expect("written");
}

fn truncated(fx: &Fixture) {
    one_run(fx);
    let text = std::fs::read(history(fx)).expect("history");
    replace_history(fx, &text[..text.len() - 20]);
}

fn garbage(fx: &Fixture) {
    one_run(fx);
    replace_history(fx, b"garbage, not JSON\n{\"run_id\":\n");
}

fn binary(fx: &Fixture) {
    one_run(fx);
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 31 % 256) as u8).collect();
    replace_history(fx, &bytes);
}

fn emptied(fx: &Fixture) {
    one_run(fx);
    replace_history(fx, b"");
}

fn doubled(fx: &Fixture) {
    one_run(fx);
    let text = std::fs::read_to_string(history(fx)).expect("history");
    replace_history(fx, format!("{text}{text}").as_bytes());
}

fn swapped(fx: &Fixture) {
    two_runs(fx);
    let text = std::fs::read_to_string(history(fx)).expect("history");
    let lines: Vec<&str> = text.lines().collect();
    replace_history(fx, format!("{}\n{}\n", lines[1], lines[0]).as_bytes());
}

fn megabyte_line(fx: &Fixture) {
    one_run(fx);
    let text = std::fs::read_to_string(history(fx)).expect("history");
    let line = format!("{{\"run_id\":\"{}\"}}\n", "r".repeat(10 << 20));
    replace_history(fx, format!("{text}{line}").as_bytes());
}

fn sparse_history(fx: &Fixture) {
    one_run(fx);
    std::fs::File::options()
        .write(true)
        .open(history(fx))
        .and_then(|f| f.set_len(1 << 30))
        .expect("history grown");
}

fn history_file() -> Vec<Case> {
    let verify = |name: &str, prepare: super::Prepare| {
        Case::new(name, &["verify"], 1, &["TAMPERED"]).prepare(prepare)
    };
    vec![
        verify("history cut mid-line, then verify", truncated),
        verify("history garbage, then verify", garbage),
        verify("history binary, then verify", binary),
        verify("history emptied, then verify", emptied),
        verify("history with a line doubled, then verify", doubled),
        verify("history with two lines swapped, then verify", swapped),
        verify("history with a 10 MiB line, then verify", megabyte_line),
        Case::new(
            "history sparse, 1 GiB, then verify",
            &["verify"],
            2,
            &["history.jsonl", "MiB"],
        )
        .prepare(sparse_history),
        Case::new(
            "history sparse, 1 GiB, then a run",
            super::CONFIG,
            2,
            &["history.jsonl", "MiB"],
        )
        .prepare(sparse_history),
    ]
}

fn flip_manifest(fx: &Fixture) {
    one_run(fx);
    flip(&last_run(fx).join("manifest.json"));
}

fn flip_report(fx: &Fixture) {
    one_run(fx);
    flip(&last_run(fx).join("report.json"));
}

fn flip_decision(fx: &Fixture) {
    one_run(fx);
    flip(&last_run(fx).join("decision.json"));
}

fn flip_environment(fx: &Fixture) {
    one_run(fx);
    flip(&last_run(fx).join("environment.json"));
}

fn report_then(fx: &Fixture, plant: Plant) {
    one_run(fx);
    let report = last_run(fx).join("report.json");
    let rel = report
        .strip_prefix(&fx.root)
        .expect("under the root")
        .to_string_lossy()
        .into_owned();
    runner::plant(fx, &rel, &plant);
}

fn report_fifo(fx: &Fixture) {
    report_then(fx, Plant::Fifo);
}

fn report_sparse(fx: &Fixture) {
    report_then(fx, Plant::Sparse(1 << 30));
}

fn report_link_out(fx: &Fixture) {
    runner::plant(fx, "{OUTSIDE}/report.json", &Plant::Text("{}\n".to_owned()));
    report_then(fx, Plant::Link("{OUTSIDE}/report.json".to_owned()));
}

fn run_removed(fx: &Fixture) {
    one_run(fx);
    std::fs::remove_dir_all(last_run(fx)).expect("removed");
}

fn extra_file(fx: &Fixture) {
    one_run(fx);
    std::fs::write(last_run(fx).join("extra.json"), "{}\n").expect("written");
}

fn leftover_temporary(fx: &Fixture) {
    one_run(fx);
    let tmp = fx.out().join("runs/.tmp-20260101T000000Z-000000-000000");
    std::fs::create_dir_all(&tmp).expect("made");
    std::fs::write(tmp.join("report.json"), "{\"half\":").expect("written");
}

fn run_files() -> Vec<Case> {
    let verify = |name: &str, mention: &str, prepare: super::Prepare| {
        Case::new(name, &["verify"], 1, &["TAMPERED", mention]).prepare(prepare)
    };
    vec![
        verify(
            "manifest byte flipped, then verify",
            "manifest.json",
            flip_manifest,
        ),
        verify(
            "report byte flipped, then verify",
            "report.json",
            flip_report,
        ),
        verify(
            "decision byte flipped, then verify",
            "decision.json",
            flip_decision,
        ),
        verify(
            "environment byte flipped, then verify",
            "environment.json",
            flip_environment,
        ),
        verify("report a FIFO, then verify", "report.json", report_fifo),
        verify(
            "report sparse, 1 GiB, then verify",
            "report.json",
            report_sparse,
        ),
        verify(
            "report a link out of the record, then verify",
            "report.json",
            report_link_out,
        ),
        verify("run directory removed, then verify", "{RUN}", run_removed),
        verify(
            "an extra file in a run, then verify",
            "extra.json",
            extra_file,
        ),
        Case::new(
            "a leftover temporary run directory, then verify",
            &["verify"],
            0,
            &["verified 1 run(s)"],
        )
        .prepare(leftover_temporary),
    ]
}

/// `history`, `status` and `merge` over a record `verify` rejects.
fn readers() -> Vec<Case> {
    let history = |name: &str, prepare: super::Prepare| {
        Case::new(name, &["history"], 1, &["{RUN}"])
            .nonzero()
            .prepare(prepare)
    };
    vec![
        history("manifest byte flipped, then history", flip_manifest),
        history("report byte flipped, then history", flip_report),
        history("decision byte flipped, then history", flip_decision),
        history("report a FIFO, then history", report_fifo),
        history("an extra file in a run, then history", extra_file),
        Case::new(
            "history cut mid-line, then history",
            &["history"],
            1,
            &["{RUN}"],
        )
        .nonzero()
        .prepare(truncated),
        Case::new(
            "history garbage, then history",
            &["history"],
            1,
            &["history.jsonl"],
        )
        .nonzero()
        .prepare(garbage),
        Case::new("decision byte flipped, then status", &["status"], 1, &[]).prepare(flip_decision),
        Case::new("history garbage, then status", &["status"], 1, &[])
            .nonzero()
            .prepare(garbage),
        Case::new(
            "report byte flipped, then merge",
            &["merge", "target/gate", "--out", "target/merged"],
            1,
            &[],
        )
        .prepare(flip_report),
    ]
}
