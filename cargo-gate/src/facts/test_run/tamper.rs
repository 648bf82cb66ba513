//! What the run printed, held against what the runner reported for each binary: the reports
//! are files in a directory a test (running as the same user) can find and rewrite, and the
//! plan the runner reads is one too. The gate reads the run's output live, through a pipe it
//! drains into a file no test can reach (`tools::drain`); a report that contradicts it, a
//! replay the gate never planned, a binary that printed twice, or one that printed and left no
//! report means the run was tampered with. Such a run is judged a failure
//! and nothing of it is kept: a forged pass must not outlive the commit that forged it.

use super::replay::Reported;
use std::path::Path;

/// How the output announces the binary at `path`: by its file name.
pub(super) fn binary_section(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What one binary's section of the run's output says: its file (the path cargo prints in
/// `Running tests/x.rs (target/debug/deps/x-1234)`, by file name; a crate's doc tests as
/// `doc:NAME` from `Doc-tests NAME`) and whether its last `test result:` line says FAILED
/// (`None`: no result line, a `harness = false` target or an early exit, which the counts
/// judge).
fn sections(log: &str) -> Vec<(String, Option<bool>)> {
    let mut found: Vec<(String, Option<bool>)> = Vec::new();
    for line in log.lines() {
        let trimmed = line.trim();
        if let Some(rest) = super::parse::cargo_running(line) {
            let file = rest
                .rsplit_once(" (")
                .and_then(|(_, p)| p.strip_suffix(')'))
                .map(|p| file_name(p).to_owned());
            if let Some(file) = file {
                found.push((file, None));
            }
        } else if let Some(name) = trimmed.strip_prefix("Doc-tests ") {
            found.push((doc_section(name), None));
        } else if let Some(result) = trimmed.strip_prefix("test result: ")
            && let Some((_, failed)) = found.last_mut()
        {
            *failed = Some(result.starts_with("FAILED"));
        }
    }
    found
}

/// How a crate's doc tests are announced in the output: `Doc-tests NAME`, NAME the library's
/// crate name (`-` written `_`).
pub(super) fn doc_section(crate_name: &str) -> String {
    format!("doc:{}", crate_name.replace('-', "_"))
}

/// The last part of a path as cargo prints it (`/` or `\`).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// One binary as the gate planned it and as the runner reported it.
pub(super) struct Held<'a> {
    /// Its id.
    pub id: &'a str,
    /// How the output announces it: its executable's file name, or [`doc_section`].
    pub section: String,
    /// Whether the gate planned to replay it (it had a result for its inputs).
    pub planned_replay: bool,
    /// Whether that replayed result, or the run reported, failed (`None`: neither is known).
    pub failed: Option<bool>,
    /// What the runner reported.
    pub reported: Option<&'a Reported>,
}

/// Why the run was tampered with, one line each; empty when its reports agree with it.
/// `finished`: the run ended on its own (a run stopped under a binary leaves it no report).
pub(super) fn tampered(log: &str, held: &[Held<'_>], finished: bool) -> Vec<String> {
    let sections = sections(log);
    let mut why = Vec::new();
    for h in held {
        let printed: Vec<Option<bool>> = sections
            .iter()
            .filter(|(f, _)| *f == h.section)
            .map(|(_, failed)| *failed)
            .collect();
        // (A crate's doc tests may be announced by the run that only asks how rustdoc is
        // started as well as by the one that runs them.)
        if printed.len() > 1 && !h.section.starts_with("doc:") {
            why.push(format!(
                "{} is announced {} times in the run's output; cargo runs each test binary once",
                h.id,
                printed.len()
            ));
        }
        // Announced in the output, so the runner started it (cargo starts every test binary
        // through the runner the gate names), yet no result: removed after it was written
        // (the thirteenth session's trial deleted a failing binary's report once its forged
        // replay had run, and the binary read as "not started through the gate").
        let Some(reported) = h.reported else {
            if finished && !printed.is_empty() && !h.section.starts_with("doc:") {
                why.push(format!(
                    "{} ran in this run, but left no result file (it was removed, or its \
                     runner did not finish)",
                    h.id
                ));
            }
            // Built as a test binary of this run, and never started by a run that started
            // others: cargo test --no-fail-fast starts every one (the fourteenth session's
            // trial left the failing crate out through a toolchain's cargo of its own).
            if finished
                && printed.is_empty()
                && !sections.is_empty()
                && !h.section.starts_with("doc:")
            {
                why.push(format!(
                    "{} was built as a test binary of this run, but the run never started it \
                     (the command that ran the tests left it out)",
                    h.id
                ));
            }
            continue;
        };
        if reported.id != h.id {
            why.push(format!(
                "the result file of {} reports {}",
                h.id, reported.id
            ));
        }
        if reported.replayed && !h.planned_replay {
            why.push(format!(
                "{} was replayed, though the gate had planned to run it (the plan the runner \
                 reads was rewritten)",
                h.id
            ));
        }
        // A pass reported of a binary whose output shows it failed. (The other way round is
        // no forgery: a binary can print `test result: ok` and then exit with an error.)
        if let (Some(false), [Some(true)]) = (h.failed, printed.as_slice()) {
            why.push(format!(
                "the result of {} says it passed, but its output in this run shows it failed \
                 (the result file was rewritten)",
                h.id
            ));
        }
    }
    why
}

/// Marks the run tampered with for each of `why`: kept by nothing, and failed by `tests.pass`.
/// Whether it was left untouched (nothing to mark).
pub(super) fn taint(
    fresh: &mut crate::cache::Fresh<Result<super::model::TestRun, String>>,
    why: Vec<String>,
) -> bool {
    if why.is_empty() {
        return true;
    }
    fresh.keep = crate::cache::Keep::Not;
    if let Ok(run) = &mut fresh.value {
        run.tampered.extend(why);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::test_run::replay::BinaryRun;

    const LOG: &str = "\
     Running tests/a.rs (target/debug/deps/a-11)

running 1 test
test answer ... FAILED

test result: FAILED. 0 passed; 1 failed; 0 ignored
     Running tests/q.rs (target/debug/deps/q-22)

running 1 test
test zz_target ... FAILED

test result: FAILED. 0 passed; 1 failed; 0 ignored
   Doc-tests a

running 0 tests
test result: ok. 0 passed; 0 failed
";

    fn reported(id: &str, replayed: bool, code: i32) -> Reported {
        Reported {
            id: id.to_owned(),
            replayed,
            run: (!replayed).then(|| BinaryRun {
                output: String::new(),
                code: Some(code),
                signal: None,
            }),
            files: Vec::new(),
            unkept: None,
        }
    }

    /// The hostile trial's shapes: a forged pass written over `q`'s result (it outlived the
    /// commit that forged it, through the cache), a replay the gate never planned (the plan
    /// rewritten), a binary announced twice.
    /// `a` (failed, run) and `q` as `q` reports it, planned and judged as given.
    fn both<'a>(a: &'a Reported, q: &'a Reported, planned: bool, failed: bool) -> Vec<Held<'a>> {
        vec![
            Held {
                id: "a::a",
                section: binary_section(Path::new("/t/deps/a-11")),
                planned_replay: false,
                failed: Some(true),
                reported: Some(a),
            },
            Held {
                id: "q::q",
                section: binary_section(Path::new("/t/deps/q-22")),
                planned_replay: planned,
                failed: Some(failed),
                reported: Some(q),
            },
        ]
    }

    #[test]
    fn a_binary_that_ran_and_left_no_report_is_tampering() {
        let a = reported("a::a", false, 101);
        let mut held = both(&a, &a, false, true);
        held[1].reported = None;
        let why = tampered(LOG, &held, true);
        assert_eq!(why.len(), 1, "{why:?}");
        assert!(why[0].contains("left no result file"), "{why:?}");
        // A run stopped under a binary leaves it no report: no tampering.
        assert!(tampered(LOG, &held, false).is_empty());
    }

    /// A test binary the build listed that a finished run never started, while it started
    /// others: left out by the command that ran the tests. One announced is not.
    #[test]
    fn a_listed_binary_the_run_never_started_is_tampering() {
        let a = reported("a::a", false, 101);
        let mut held = both(&a, &a, false, true);
        held[1].section = binary_section(Path::new("/t/deps/victim-33"));
        held[1].reported = None;
        let why = tampered(LOG, &held, true);
        assert_eq!(why.len(), 1, "{why:?}");
        assert!(why[0].contains("never started it"), "{why:?}");
        assert!(tampered(LOG, &held, false).is_empty());
        // A run that started nothing at all is the counts' to judge ("ran no test").
        assert!(tampered("", &held, true).is_empty());
    }

    #[test]
    fn reports_that_contradict_the_output_are_tampering() {
        let a = reported("a::a", false, 101);
        let q_forged = reported("q::q", false, 0);
        let honest = reported("q::q", false, 101);
        assert!(tampered(LOG, &both(&a, &honest, false, true), true).is_empty());
        let why = tampered(LOG, &both(&a, &q_forged, false, false), true);
        assert_eq!(why.len(), 1, "{why:?}");
        assert!(why[0].contains("says it passed, but its output"), "{why:?}");
        let replayed = reported("q::q", true, 0);
        let why = tampered(LOG, &both(&a, &replayed, false, true), true);
        assert!(why[0].contains("planned to run it"), "{why:?}");
        let twice = format!(
            "{LOG}     Running tests/q.rs (target/debug/deps/q-22)\ntest result: ok. 1 passed\n"
        );
        let why = tampered(&twice, &both(&a, &honest, false, true), true);
        assert!(why[0].contains("announced 2 times"), "{why:?}");
        // A crate's doc tests, announced by name: a pass reported over doc tests that failed.
        let docs = LOG.replace(
            "running 0 tests\ntest result: ok. 0 passed; 0 failed",
            "running 1 test\ntest result: FAILED. 0 passed; 1 failed",
        );
        let forged_docs = reported("a (doc tests)", false, 0);
        let held = [Held {
            id: "a (doc tests)",
            section: doc_section("a"),
            planned_replay: false,
            failed: Some(false),
            reported: Some(&forged_docs),
        }];
        assert!(tampered(LOG, &held, true).is_empty());
        let why = tampered(&docs, &held, true);
        assert!(why[0].contains("says it passed"), "{why:?}");
    }
}
