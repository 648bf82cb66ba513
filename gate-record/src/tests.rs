//! Unit tests of the run record: the writer, the chain reader, recovery and the forgeries it must catch.
#![allow(
    clippy::disallowed_methods,
    reason = "tests rename run directories to forge records"
)]
use super::*;
use gate_support::digest::sha256_hex;
use std::fs;

fn entry(id: &str, result: &str) -> HistoryEntry {
    HistoryEntry {
        run_id: id.into(),
        stage: gate_formats::report::Stage::Pilot,
        result: gate_formats::report::RunResult::parse(result).unwrap(),
        exit_code: i32::from(result != "ready"),
        commit: Some(format!("commit-of-{id}")),
        dirty: Some(false),
        time: "2026-11-20T00:00:00Z".into(),
        manifest_sha256: String::new(),
    }
}

fn record_as(out: &Path, id: &str, result: &str) -> Finished {
    let writer = RecordWriter::begin(out, id).unwrap();
    writer.write("logs/a.log", b"hello").unwrap();
    writer.write("report.json", b"{}").unwrap();
    let entry = entry(id, result);
    let decision = test_decision(&entry);
    writer.finish("abc", entry, |_| decision).unwrap()
}

fn record(out: &Path, id: &str) -> Finished {
    record_as(out, id, "ready")
}

/// `path: message` of every problem `verify` finds.
fn problems(out: &Path) -> Vec<String> {
    problems_of(verify(out, None, None).unwrap())
}

fn problems_of(report: VerifyReport) -> Vec<String> {
    report
        .problems
        .into_iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect()
}

fn history_lines_of(out: &Path) -> Vec<String> {
    fs::read_to_string(out.join("history.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_history(out: &Path, lines: &[String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    fs::write(out.join("history.jsonl"), text).unwrap();
}

/// Three runs: r1 ready, r2 not-ready, r3 ready.
fn three(out: &Path) -> [Finished; 3] {
    [
        record_as(out, "r1", "ready"),
        record_as(out, "r2", "not-ready"),
        record_as(out, "r3", "ready"),
    ]
}

#[test]
fn runs_chain_and_verify_intact() {
    let out = tempfile::tempdir().unwrap();
    let first = record(out.path(), "r1");
    let second = record(out.path(), "r2");
    assert!(first.previous.is_none());
    assert_eq!(second.previous.as_ref().unwrap().run_id, "r1");
    assert_eq!(
        second.previous.unwrap().manifest_sha256,
        first.entry.manifest_sha256
    );
    let report = verify(out.path(), None, None).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.runs_checked, ["r1", "r2"]);
    assert_eq!(report.head.as_deref(), Some(&*second.entry.manifest_sha256));
    assert!(!out.path().join("runs/.tmp-r2").exists());
    assert!(!out.path().join("runs/.tmp-r2.lock").exists());
    // The manifest binds the verdict the history line repeats.
    let manifest: Manifest =
        serde_json::from_slice(&fs::read(second.dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        HistoryEntry::of(&manifest, &second.entry.manifest_sha256),
        second.entry
    );
}

#[test]
fn edited_missing_and_extra_files_are_named() {
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    record(out.path(), "r2");
    fs::write(out.path().join("runs/r1/logs/a.log"), "HELLO").unwrap();
    fs::remove_file(out.path().join("runs/r2/report.json")).unwrap();
    fs::write(out.path().join("runs/r2/logs/new.log"), "x").unwrap();
    assert_eq!(
        problems(out.path()),
        [
            "runs/r1/logs/a.log: edited: content differs from the manifest",
            "runs/r2/report.json: missing",
            "runs/r2/logs/new.log: extra file not in the manifest",
        ]
    );
}

#[test]
fn an_edited_manifest_breaks_the_history_digest() {
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    record(out.path(), "r2");
    let path = out.path().join("runs/r1/manifest.json");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"pilot\"", "\"broad\"");
    fs::write(path, text).unwrap();
    let report = verify(out.path(), Some("r1"), None).unwrap();
    assert_eq!(report.runs_checked, ["r1"]);
    assert_eq!(
        problems_of(report),
        [
            "runs/r1/manifest.json: edited: its digest differs from the one on history.jsonl line 1",
            "runs/r1/decision.json: the run's verdict was rewritten: stage: the manifest says \"broad\", decision.json says \"pilot\" (history, status and merge trust neither)",
        ]
    );
}

/// A manifest whose `result` is flipped and re-bound consistently (its digest on the history
/// line, the next run's link) still disagrees with its own decision.json: the run is not
/// trusted, so `status` and `history.window` never read it as READY.
#[test]
fn a_consistently_flipped_result_is_caught_by_the_decision() {
    let out = tempfile::tempdir().unwrap();
    record_as(out.path(), "r1", "not-ready");
    let path = out.path().join("runs/r1/manifest.json");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"not-ready\"", "\"ready\"")
        .replace("\"exit_code\": 1", "\"exit_code\": 0");
    fs::write(&path, &text).unwrap();
    let manifest: Manifest = serde_json::from_str(&text).unwrap();
    let line = HistoryEntry::of(&manifest, &sha256_hex(text.as_bytes()));
    write_history(out.path(), &[serde_json::to_string(&line).unwrap()]);
    let chain = read_chain(out.path()).unwrap();
    assert!(!chain.runs[0].trusted, "{chain:?}");
    assert_eq!(
        problems(out.path()),
        [
            "runs/r1/decision.json: the run's verdict was rewritten: result: the manifest says \"ready\", decision.json says \"not-ready\"; exit_code: the manifest says \"0\", decision.json says \"1\" (history, status and merge trust neither)"
        ]
    );
}

/// `verify` compares sizes before hashing: a sparse terabyte in place of a small artifact is
/// named at once, never read.
#[test]
fn a_grown_artifact_is_found_by_its_size_without_reading_it() {
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    let file = fs::File::options()
        .write(true)
        .open(out.path().join("runs/r1/logs/a.log"))
        .unwrap();
    file.set_len(1 << 40).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        problems(out.path()),
        ["runs/r1/logs/a.log: edited: content differs from the manifest"]
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// Each tamper of the history index, and the first problem `verify` names for it. None of
/// them may leave the record intact.
#[test]
fn every_tamper_of_the_history_is_caught() {
    type Tamper = fn(&Path, &mut Vec<String>);
    let cases: [(&str, Tamper, &str); 11] = [
        (
            "red run edited to ready",
            |_, l| l[1] = l[1].replace("\"not-ready\"", "\"ready\""),
            "history.jsonl: line 2 does not match runs/r2/manifest.json: result is \"ready\" there but \"not-ready\" in the manifest",
        ),
        (
            "exit code edited",
            |_, l| l[1] = l[1].replace("\"exit_code\":1", "\"exit_code\":0"),
            "history.jsonl: line 2 does not match runs/r2/manifest.json: exit_code is 0 there but 1 in the manifest",
        ),
        (
            "commit edited (a READY run claimed for another commit)",
            |_, l| l[0] = l[0].replace("commit-of-r1", "commit-of-r9"),
            "history.jsonl: line 1 does not match runs/r1/manifest.json: commit is Some(\"commit-of-r9\") there but Some(\"commit-of-r1\") in the manifest",
        ),
        (
            "stage edited",
            |_, l| l[2] = l[2].replace("\"pilot\"", "\"broad\""),
            "history.jsonl: line 3 does not match runs/r3/manifest.json: stage is \"broad\" there but \"pilot\" in the manifest",
        ),
        (
            "dirty flag edited",
            |_, l| l[0] = l[0].replace("\"dirty\":false", "\"dirty\":null"),
            "history.jsonl: line 1 does not match runs/r1/manifest.json: dirty is None there but Some(false) in the manifest",
        ),
        (
            "time edited",
            |_, l| l[0] = l[0].replace("2026-11-20", "2026-11-21"),
            "history.jsonl: line 1 does not match runs/r1/manifest.json: time is \"2026-11-21T00:00:00Z\" there but \"2026-11-20T00:00:00Z\" in the manifest",
        ),
        (
            "lines reordered",
            |_, l| l.swap(1, 2),
            "runs/r3/manifest.json: broken chain: it links to r2, but history.jsonl line 2 follows r1 (a history line was removed, reordered or edited)",
        ),
        (
            "middle run removed (line and directory)",
            |out, l| {
                l.remove(1);
                fs::remove_dir_all(out.join("runs/r2")).unwrap();
            },
            "runs/r3/manifest.json: broken chain: it links to r2, but history.jsonl line 2 follows r1 (a history line was removed, reordered or edited)",
        ),
        (
            "line duplicated",
            |_, l| l.push(l[0].clone()),
            "history.jsonl: line 4 repeats run r1 (first on line 1)",
        ),
        (
            "line that is not an entry",
            |_, l| l.insert(1, "{\"run_id\": 7}".into()),
            "history.jsonl: line 2 is not a valid history entry",
        ),
        (
            "run id that leaves runs/",
            |_, l| l[0] = l[0].replace("\"r1\"", "\"../r1\""),
            "history.jsonl: line 1 names `../r1`, which is not a run id",
        ),
    ];
    for (what, tamper, first) in cases {
        let out = tempfile::tempdir().unwrap();
        three(out.path());
        let mut lines = history_lines_of(out.path());
        tamper(out.path(), &mut lines);
        write_history(out.path(), &lines);
        let found = problems(out.path());
        assert_eq!(
            found.first().map(String::as_str),
            Some(first),
            "{what}: {found:#?}"
        );
        let chain = read_chain(out.path()).unwrap();
        assert!(!chain.intact(), "{what}");
    }
}

#[test]
fn a_removed_middle_line_names_the_directory_and_the_broken_link() {
    let out = tempfile::tempdir().unwrap();
    three(out.path());
    let mut lines = history_lines_of(out.path());
    lines.remove(1);
    write_history(out.path(), &lines);
    assert_eq!(
        problems(out.path()),
        [
            "runs/r3/manifest.json: broken chain: it links to r2, but history.jsonl line 2 follows r1 (a history line was removed, reordered or edited)",
            "runs/r2: run directory is not in history.jsonl",
        ]
    );
}

#[test]
fn a_missing_run_directory_and_an_extra_one_are_named() {
    let out = tempfile::tempdir().unwrap();
    three(out.path());
    fs::rename(out.path().join("runs/r3"), out.path().join("runs/r9")).unwrap();
    assert_eq!(
        problems(out.path()),
        [
            "runs/r3: run directory is missing (history.jsonl line 3)",
            "runs/r9: run directory is not in history.jsonl",
        ]
    );
}

#[test]
fn a_removed_last_run_is_found_only_against_an_expected_head() {
    let out = tempfile::tempdir().unwrap();
    let [_, second, third] = three(out.path());
    let head = third.entry.manifest_sha256.clone();
    assert!(
        verify(out.path(), None, Some(&format!("sha256:{head}")))
            .unwrap()
            .intact()
    );
    // An earlier head is still in the chain: nothing up to it was rewritten.
    assert!(
        verify(out.path(), None, Some(&second.entry.manifest_sha256))
            .unwrap()
            .intact()
    );
    let mut lines = history_lines_of(out.path());
    lines.pop();
    write_history(out.path(), &lines);
    fs::remove_dir_all(out.path().join("runs/r3")).unwrap();
    // The record alone cannot tell (documented): the rest is a consistent chain.
    assert!(problems(out.path()).is_empty());
    assert_eq!(
        problems_of(verify(out.path(), None, Some(&head)).unwrap()),
        [format!(
            "history.jsonl: the expected head sha256:{head} is not in the chain: history was \
             rewritten or cut back past it, or this is another record"
        )]
    );
}

#[test]
fn a_consistently_rewritten_chain_is_caught_by_the_expected_head() {
    let out = tempfile::tempdir().unwrap();
    let [first, ..] = three(out.path());
    // Rewrite r1's verdict in its manifest and re-hash every later link: what a careful
    // forger does. verify alone finds nothing; the head kept elsewhere does.
    let rewrite = |out: &Path| {
        let mut previous: Option<PreviousRun> = None;
        let mut lines = Vec::new();
        for id in ["r1", "r2", "r3"] {
            let path = out.join("runs").join(id).join("manifest.json");
            let mut m: Manifest = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
            if id == "r1" {
                m.time = "2026-01-01T00:00:00Z".into();
            }
            m.previous = previous.clone();
            let bytes = serde_json::to_vec_pretty(&m).unwrap();
            fs::write(&path, &bytes).unwrap();
            let e = HistoryEntry::of(&m, &sha256_hex(&bytes));
            previous = Some(e.link());
            lines.push(serde_json::to_string(&e).unwrap());
        }
        write_history(out, &lines);
    };
    rewrite(out.path());
    assert!(problems(out.path()).is_empty());
    let found = problems_of(verify(out.path(), None, Some(&first.entry.manifest_sha256)).unwrap());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("is not in the chain"), "{found:?}");
}

#[test]
fn an_old_schema_manifest_is_reported() {
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    let path = out.path().join("runs/r1/manifest.json");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"schema_version\": 2", "\"schema_version\": 1");
    fs::write(&path, &text).unwrap();
    let mut lines = history_lines_of(out.path());
    let mut e: HistoryEntry = serde_json::from_str(&lines[0]).unwrap();
    e.manifest_sha256 = sha256_hex(text.as_bytes());
    lines[0] = serde_json::to_string(&e).unwrap();
    write_history(out.path(), &lines);
    let found = problems(out.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("manifest schema 1 does not bind"),
        "{found:?}"
    );
}

#[cfg(unix)]
#[test]
fn links_and_fifos_in_a_run_are_refused_by_name_never_read() {
    use std::os::unix::fs::symlink;
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    let run = out.path().join("runs/r1");
    // Replaced by a link to an endless file, and an extra FIFO: reading either would hang.
    fs::remove_file(run.join("logs/a.log")).unwrap();
    symlink("/dev/zero", run.join("logs/a.log")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(run.join("logs/pipe"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let started = std::time::Instant::now();
    let found = problems(out.path());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(
        found,
        [
            "runs/r1/logs/a.log: is a symbolic link, not a regular file: refused, not read",
            "runs/r1/logs/pipe: extra special file (FIFO, socket or device) not in the manifest: refused, not read",
        ]
    );
    // A run directory that is a link, and a manifest that is one, are refused too.
    fs::remove_file(run.join("logs/pipe")).unwrap();
    fs::remove_file(run.join("logs/a.log")).unwrap();
    fs::write(run.join("logs/a.log"), "hello").unwrap();
    let manifest = run.join("manifest.json");
    fs::rename(&manifest, run.join("real-manifest")).unwrap();
    symlink(run.join("real-manifest"), &manifest).unwrap();
    let found = problems(out.path());
    assert_eq!(
        found[0],
        "runs/r1/manifest.json: is a symbolic link, not a regular file: refused"
    );
}

#[cfg(unix)]
#[test]
fn a_link_left_in_the_run_directory_by_a_check_is_refused_when_finishing() {
    let out = tempfile::tempdir().unwrap();
    let writer = RecordWriter::begin(out.path(), "r1").unwrap();
    std::os::unix::fs::symlink("/dev/zero", writer.dir().join("logs/zero")).unwrap();
    let err = writer
        .finish("abc", entry("r1", "ready"), |_| Vec::new())
        .unwrap_err();
    assert!(err.to_string().contains("logs/zero"), "{err}");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    // Nothing half-written stays behind.
    assert!(!out.path().join("runs/r1").exists());
    assert!(!out.path().join("runs/.tmp-r1").exists());
}

#[cfg(unix)]
#[test]
fn the_output_directory_may_be_a_symlink_even_to_a_directory_not_made_yet() {
    let base = tempfile::tempdir().unwrap();
    let link = base.path().join("out");
    std::os::unix::fs::symlink("elsewhere/records", &link).unwrap();
    record(&link, "r1");
    assert!(
        base.path()
            .join("elsewhere/records/runs/r1/manifest.json")
            .is_file()
    );
    assert!(verify(&link, None, None).unwrap().intact());
}

#[test]
fn a_dropped_writer_leaves_no_half_record() {
    let out = tempfile::tempdir().unwrap();
    let writer = RecordWriter::begin(out.path(), "r1").unwrap();
    writer.write("logs/a.log", b"x").unwrap();
    drop(writer);
    assert_eq!(fs::read_dir(out.path().join("runs")).unwrap().count(), 0);
    assert!(!out.path().join("history.jsonl").exists());
}

/// The states a `kill -9` can leave, reproduced exactly: each must verify (after the repair
/// `verify` and the next run make) and the next run must chain onto the real head.
#[test]
fn every_state_a_kill_leaves_is_repaired() {
    // Killed while writing artifacts: an abandoned temporary directory (no lock held).
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    fs::create_dir_all(out.path().join("runs/.tmp-r2/logs")).unwrap();
    fs::write(out.path().join("runs/.tmp-r2/logs/a.log"), "x").unwrap();
    fs::write(out.path().join("runs/.tmp-r2.lock"), "").unwrap();
    let report = verify(out.path(), None, None).unwrap();
    assert!(report.intact(), "{report:?}");
    assert!(!out.path().join("runs/.tmp-r2").exists());
    assert!(!out.path().join("runs/.tmp-r2.lock").exists());

    // Killed between creating its lock file and its directory, or between the rename into
    // place and removing the lock: a lock file alone, nobody holding it, is removed; one a
    // live writer holds is left.
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    fs::write(out.path().join("runs/.tmp-r2.lock"), "").unwrap();
    let live = RecordWriter::begin(out.path(), "r3").unwrap();
    assert!(!out.path().join("runs/.tmp-r2.lock").exists());
    fs::write(out.path().join("runs/.tmp-r4.lock"), "").unwrap();
    assert!(verify(out.path(), None, None).unwrap().intact());
    assert!(!out.path().join("runs/.tmp-r4.lock").exists());
    assert!(out.path().join("runs/.tmp-r3.lock").exists());
    assert!(live.dir().exists());
    drop(live);
    assert!(!out.path().join("runs/.tmp-r3.lock").exists());

    // Killed between the rename and the history append (its lock file left, nobody holding
    // it): the complete run gets its line, and the lock goes.
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    let second = record(out.path(), "r2");
    let mut lines = history_lines_of(out.path());
    lines.pop();
    write_history(out.path(), &lines);
    fs::write(out.path().join("runs/.tmp-r2.lock"), "").unwrap();
    let report = verify(out.path(), None, None).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.runs_checked, ["r1", "r2"]);
    assert_eq!(report.recovered.len(), 1, "{report:?}");
    assert_eq!(report.head.as_deref(), Some(&*second.entry.manifest_sha256));
    assert!(!out.path().join("runs/.tmp-r2.lock").exists());

    // The same history without the lock is a deleted line, not a crash: never re-listed,
    // and verify names the run.
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    record(out.path(), "r2");
    let mut lines = history_lines_of(out.path());
    lines.pop();
    write_history(out.path(), &lines);
    let report = verify(out.path(), None, None).unwrap();
    assert!(report.recovered.is_empty(), "{report:?}");
    assert_eq!(
        problems_of(report),
        ["runs/r2: run directory is not in history.jsonl"]
    );
    assert_eq!(history_lines_of(out.path()).len(), 1);

    // Killed mid-append (its lock file still there): a torn last line is cut and rebuilt
    // from the manifest.
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    record(out.path(), "r2");
    let history = out.path().join("history.jsonl");
    let text = fs::read_to_string(&history).unwrap();
    let torn = &text[..text.len() - 20];
    fs::write(&history, torn).unwrap();
    fs::write(out.path().join("runs/.tmp-r2.lock"), "").unwrap();
    let third = record(out.path(), "r3");
    assert_eq!(third.recovered.len(), 2, "{:?}", third.recovered);
    assert_eq!(third.previous.unwrap().run_id, "r2");
    let report = verify(out.path(), None, None).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.runs_checked, ["r1", "r2", "r3"]);
}

#[test]
fn a_temporary_directory_still_being_written_is_never_removed() {
    let out = tempfile::tempdir().unwrap();
    let writer = RecordWriter::begin(out.path(), "live").unwrap();
    writer.write("logs/a.log", b"x").unwrap();
    // Another run starts and finishes, and verify runs, while `live` is still writing.
    record(out.path(), "r1");
    assert!(verify(out.path(), None, None).unwrap().intact());
    assert!(writer.dir().join("logs/a.log").is_file());
    let finished = writer
        .finish("abc", entry("live", "ready"), |_| {
            test_decision(&entry("live", "ready"))
        })
        .unwrap();
    assert_eq!(finished.previous.unwrap().run_id, "r1");
    assert!(verify(out.path(), None, None).unwrap().intact());
}

#[test]
fn verify_concurrent_with_runs_never_reports_tampering() {
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r0");
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        for t in 0..2 {
            let (out, done) = (out.path(), &done);
            s.spawn(move || {
                for i in 0..15 {
                    record(out, &format!("w{t}-{i:02}"));
                }
                done.store(true, std::sync::atomic::Ordering::SeqCst);
            });
        }
        let mut checks = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) || checks < 5 {
            let report = verify(out.path(), None, None).unwrap();
            assert!(report.intact(), "{report:?}");
            checks += 1;
        }
    });
    let report = verify(out.path(), None, None).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.runs_checked.len(), 31);
}

#[test]
fn artifacts_are_read_through_the_chain() {
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    let chain = read_chain(out.path()).unwrap();
    let run = &chain.runs[0];
    assert_eq!(run.artifact(out.path(), "report.json").unwrap(), b"{}");
    assert!(
        run.artifact(out.path(), "nope.json")
            .unwrap_err()
            .contains("lists no nope.json")
    );
    fs::write(out.path().join("runs/r1/report.json"), b"{} ").unwrap();
    assert_eq!(
        run.artifact(out.path(), "report.json").unwrap_err(),
        "runs/r1/report.json differs from its digest in the manifest"
    );
}

#[test]
fn artifact_paths_cannot_escape_the_run_directory() {
    let out = tempfile::tempdir().unwrap();
    let writer = RecordWriter::begin(out.path(), "r1").unwrap();
    assert!(writer.write("../escape", b"x").is_err());
}

#[test]
fn run_ids_sort_by_time() {
    use std::time::{Duration, UNIX_EPOCH};
    let a = new_run_id(UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    let b = new_run_id(UNIX_EPOCH + Duration::from_micros(1_800_000_000_000_001));
    let c = new_run_id(UNIX_EPOCH + Duration::from_secs(1_800_000_001));
    assert!(a < b && b < c, "{a} {b} {c}");
    assert!(a.starts_with("20270115T"), "{a}");
}

// Two processes, and a process killed while it writes, on every platform (under Wine too):
// this test binary started again runs `child`, told what to do by `GATE_TEST_CHILD`.

fn child_command(task: &str) -> std::process::Command {
    gate_support::program::child_test("tests::child", task)
}

/// What the processes of the tests below do: `record|OUT|PREFIX` records five runs;
/// `hang|OUT|ID` begins a run, writes a log, says `begun`, and waits to be killed (`|`, not
/// `:`, which a Windows path holds).
#[test]
#[ignore = "the second process of the record tests; runs only when they start it"]
#[expect(clippy::print_stdout, reason = "what it prints is what the test reads")]
fn child() {
    let Some(task) = gate_support::program::child_task() else {
        return;
    };
    let mut parts = task.splitn(3, '|');
    let (what, out, id) = (
        parts.next().unwrap(),
        Path::new(parts.next().unwrap()),
        parts.next().unwrap(),
    );
    match what {
        "record" => {
            for i in 0..5 {
                record(out, &format!("{id}-{i}"));
            }
        }
        "hang" => {
            let writer = RecordWriter::begin(out, id).unwrap();
            writer.write("logs/a.log", b"half").unwrap();
            println!("begun");
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        other => panic!("unknown task {other}"),
    }
}

/// Runs recorded by two processes at once chain into one history that verifies.
#[test]
fn two_processes_recording_at_once_chain_one_history() {
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r0");
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|id| {
            child_command(&format!("record|{}|{id}", out.path().display()))
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let report = verify(out.path(), None, None).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.runs_checked.len(), 11);
    assert_eq!(history_lines_of(out.path()).len(), 11);
}

/// A process killed in the middle of writing its run leaves nothing the next run and verify
/// do not repair: its half-written directory is removed once its lock is free, and the next
/// run chains onto the last finished one.
#[test]
fn a_process_killed_while_writing_leaves_a_record_that_verifies() {
    use std::io::BufRead;
    let out = tempfile::tempdir().unwrap();
    record(out.path(), "r1");
    let mut child = child_command(&format!("hang|{}|killed", out.path().display()))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().contains("begun")));
    assert!(out.path().join("runs/.tmp-killed").is_dir());
    // Still writing: another run and verify leave it alone.
    record(out.path(), "r2");
    assert!(out.path().join("runs/.tmp-killed").is_dir());
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = record(out.path(), "r3");
    assert_eq!(finished.previous.unwrap().run_id, "r2");
    assert!(!out.path().join("runs/.tmp-killed").exists());
    assert!(!out.path().join("runs/.tmp-killed.lock").exists());
    let report = verify(out.path(), None, None).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.runs_checked.len(), 3);
}

/// A process that holds the output lock and will not let go (a test's leftover in a session
/// of its own held it as long as it lived) stops a writer after the wait, named; once it is
/// gone, the lock is taken.
#[test]
fn a_held_output_lock_is_waited_for_no_longer_than_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join(".lock"))
        .unwrap();
    holder.lock().unwrap();
    let started = std::time::Instant::now();
    let err = layout::OutLock::acquire_within(dir.path(), std::time::Duration::from_millis(200))
        .unwrap_err();
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    assert!(err.to_string().contains("held the output lock"), "{err}");
    drop(holder);
    // Another test of this binary may be starting a process at this moment: its fork holds
    // a copy of the holder's descriptor (and so its lock) until it executes, a moment.
    assert!(
        layout::OutLock::acquire_within(dir.path(), std::time::Duration::from_secs(10)).is_ok()
    );
}
