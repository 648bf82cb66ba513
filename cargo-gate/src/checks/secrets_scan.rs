//! `secrets.scan`: no secrets in the files git tracks (or, outside git, in the files a
//! `.gitignore`-aware walk finds), found by [`crate::secrets`] and reported redacted; and
//! [`scan_run_artifacts`], with which the engine checks that its own logs and artifacts were
//! redacted before they entered the run record.
//!
//! The walk skips the target directory, binary files, and — deliberately, like
//! `boundary.unsafe` — every directory holding a `Cargo.toml` of its own that is not a
//! workspace member: such a directory is another package (a test fixture workspace such as
//! `tests/fixtures/secrets-leak`, which holds planted fake secrets) and is gated on its own.

use crate::check::{Check, CheckMeta, Code, Context, Finding, Location, Outcome};
use crate::facts::{Facts, IndexSource, Role};
use crate::secrets::{self, FileScan, Scope};
use crate::stage::Stage;
use crate::workspace::Workspace;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `secrets.scan` check.
#[derive(Debug)]
pub struct SecretsScan;

static META: CheckMeta = CheckMeta {
    id: "secrets.scan",
    stage: Stage::Controlled,
    summary: "no secrets or PII in tracked files or in the run's own artifacts; findings redacted",
    fix: "remove the secret from the file and from git history, rotate it, and load it from the environment or a secret store; waive test fixtures with [[waiver]] check = \"secrets.scan\" match = \"path/glob\"",
    codes: FindingCode::ALL,
    config: &[],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        SecretInTree => Code {
            name: "secret-in-tree",
            summary: "a tracked file holds what looks like a secret",
        },
        SecretInRunArtifact => Code {
            name: "secret-in-run-artifact",
            summary: "the run's own record held a secret (redacted before it was kept)",
        },
        UnreadableFile => Code {
            name: "unreadable-file",
            summary: "a tracked file could not be read, so it was not scanned",
        },
    }
}

const SUMMARY: &str = "secrets/summary.json";

/// `secrets/summary.json`: counts only, never a secret.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    /// `git ls-files` or `walk`.
    source: &'a str,
    files_listed: usize,
    files_scanned: u64,
    bytes_scanned: u64,
    skipped_binary: u64,
    /// Files over [`secrets::MAX_FILE_BYTES`], scanned streamed.
    streamed: u64,
    skipped_unreadable: u64,
    max_file_bytes: u64,
    findings: usize,
    by_kind: BTreeMap<&'static str, usize>,
    files_with_findings: BTreeMap<String, usize>,
}

impl Check for SecretsScan {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        evaluate(ctx.workspace, ctx.facts)
    }
}

/// The check on a workspace (what [`SecretsScan::run`] does with its context).
fn evaluate(ws: &Workspace, facts: &Facts) -> Outcome {
    let (listing, mut findings) = list_files(ws, facts);
    let paths: Vec<&Path> = listing.files.iter().map(PathBuf::as_path).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let results = secrets::scan_files(&paths, Scope::Source, secrets::MAX_FILE_BYTES, threads);
    let mut summary = Summary {
        source: listing.source,
        files_listed: listing.files.len(),
        files_scanned: 0,
        bytes_scanned: 0,
        skipped_binary: 0,
        streamed: 0,
        skipped_unreadable: 0,
        max_file_bytes: secrets::MAX_FILE_BYTES,
        findings: 0,
        by_kind: BTreeMap::new(),
        files_with_findings: BTreeMap::new(),
    };
    let mut leaks = Vec::new();
    for (path, result) in listing.files.iter().zip(results) {
        let rel = ws.relative(path);
        match result {
            Ok(FileScan::Scanned { bytes, findings }) => {
                summary.files_scanned += 1;
                if bytes > secrets::MAX_FILE_BYTES {
                    summary.streamed += 1;
                }
                summary.bytes_scanned += bytes;
                if !findings.is_empty() {
                    summary
                        .files_with_findings
                        .insert(rel.clone(), findings.len());
                }
                for f in findings {
                    *summary.by_kind.entry(f.kind).or_default() += 1;
                    leaks.push(
                        Finding::error(format!("{}: {}", f.kind, f.excerpt))
                            .code(FindingCode::SecretInTree)
                            .at(Location::at(rel.clone(), f.line, f.column))
                            .subject(rel.clone()),
                    );
                }
            }
            Ok(FileScan::Binary { .. }) => summary.skipped_binary += 1,
            // Listed but gone (deleted in the work tree since, or a dangling entry): nothing
            // is there to leak.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                summary.skipped_unreadable += 1;
                findings.push(
                    Finding::warning(format!("could not read the file: {err}"))
                        .code(FindingCode::UnreadableFile)
                        .at(Location::file(rel.clone()))
                        .subject(rel),
                );
            }
        }
    }
    summary.findings = leaks.len();
    let json = serde_json::to_string_pretty(&summary).expect("summary serialises");
    let what = if listing.source == GIT {
        "tracked file"
    } else {
        "file"
    };
    let scanned = format!(
        "{} {what}(s), {} bytes scanned",
        summary.files_scanned, summary.bytes_scanned
    );
    let skipped = format!(
        "{} binary skipped, {} over {} MiB streamed",
        summary.skipped_binary,
        summary.streamed,
        secrets::MAX_FILE_BYTES >> 20
    );
    let warnings = findings
        .iter()
        .filter(|f| f.severity == crate::check::Severity::Warning)
        .count();
    let outcome = if !leaks.is_empty() {
        Outcome::fail(format!(
            "{} secret(s) in {} file(s) ({scanned}; {skipped})",
            leaks.len(),
            summary.files_with_findings.len()
        ))
    } else if warnings > 0 {
        Outcome::warn(format!(
            "no secrets in {scanned} ({skipped}); {warnings} file(s) could not be read"
        ))
    } else {
        Outcome::pass(format!("no secrets in {scanned} ({skipped})"))
    };
    leaks.sort_by(|a, b| {
        let key = |f: &Finding| {
            f.location
                .as_ref()
                .map(|l| (l.file.clone(), l.line, l.column))
        };
        key(a).cmp(&key(b))
    });
    outcome
        .with_findings(leaks)
        .with_findings(findings)
        .with_artifact(SUMMARY, json)
}

/// Scans the run's own logs and artifacts (path inside the run directory, contents) with
/// [`Scope::Log`], PII included. Everything the engine writes should have passed through
/// [`secrets::redact`] first, so every finding here means the redaction missed something; the
/// location's file is the artifact's path inside the run directory.
pub fn scan_run_artifacts(files: &[(String, Vec<u8>)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, bytes) in files {
        for f in secrets::scan_bytes(bytes, Scope::Log) {
            out.push(
                Finding::error(format!(
                    "{}: {} in the run's own artifact",
                    f.kind, f.excerpt
                ))
                .code(FindingCode::SecretInRunArtifact)
                .at(Location::at(path.clone(), f.line, f.column))
                .subject(path.clone()),
            );
        }
    }
    out
}

const GIT: &str = "git ls-files";
const WALK: &str = "walk";

/// The files to scan and how they were found.
#[derive(Debug)]
struct Listing {
    source: &'static str,
    files: Vec<PathBuf>,
}

/// The files of the run's file index (tracked files in git, else a `.gitignore`-aware walk;
/// hidden files such as `.env` count) that belong to the workspace: those of members, of
/// crates members reach through path dependencies (in `[workspace] exclude`, say), and of no
/// package (CI files, docs). Other packages below the root (a nested workspace, a test
/// fixture with planted secrets) are their own gate's business.
fn list_files(ws: &Workspace, facts: &Facts) -> (Listing, Vec<Finding>) {
    let mut findings = Vec::new();
    if ws.git.is_some()
        && let Some(error) = &facts.index.git_error
    {
        findings.push(Finding::note(format!(
            "{error}; scanned the files a .gitignore-aware walk finds instead"
        )));
    }
    for (path, kind) in &facts.index.special {
        let rel = ws.relative(path);
        findings.push(
            Finding::warning(format!(
                "git tracks a file here, but the working tree holds a {kind}: not read, so not \
                 scanned (restore the file with `git checkout -- {rel}`)"
            ))
            .code(FindingCode::UnreadableFile)
            .at(Location::file(rel.clone()))
            .subject(rel),
        );
    }
    let files = facts
        .index
        .files
        .iter()
        .filter(|f| facts.owner(f).is_none_or(|p| p.role != Role::Other))
        .map(|f| f.path.clone())
        .collect();
    let source = match facts.index.source {
        IndexSource::Git => GIT,
        IndexSource::Walk => WALK,
    };
    (Listing { source, files }, findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Severity, Status};
    use crate::checks::testing::with_files;
    use crate::config::Config;
    use crate::workspace::GitInfo;
    use std::process::{Command, Stdio};

    /// The check's own source names every detector's anchors in its tests: none of it reads
    /// as a secret (the scanner's own files are checked in gate-scan).
    #[test]
    fn this_file_holds_no_secret() {
        let text = include_bytes!("secrets_scan.rs");
        assert!(secrets::scan_bytes(text, Scope::Source).is_empty());
    }

    /// Runs `program` in `root`, quietly, and requires it to succeed.
    fn run_in(root: &std::path::Path, program: &str, args: &[&str]) {
        let ok = Command::new(program)
            .args(args)
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "{program} {args:?}");
    }

    /// The context's workspace seen as the git repository made in its root, and its facts.
    fn as_git_repository(ctx: &crate::check::Context<'_>) -> (Workspace, Facts) {
        let mut ws = ctx.workspace.clone();
        ws.git = Some(GitInfo {
            toplevel: ws.root.clone(),
            prefix: None,
            commit: None,
            dirty: true,
        });
        let facts = Facts::gather(&ws, Vec::new());
        (ws, facts)
    }

    /// Fake, pattern-valid values assembled at run time, so this file holds none.
    fn github() -> String {
        format!("ghp_{}{}", "Zx9Qr4Tm8Lp2Wd6Kc1", "Hv5Bn3Ys7Jf0GaUe5M")
    }

    fn stripe() -> String {
        format!("sk_live_{}", "Q7w".repeat(9))
    }

    fn db_password() -> String {
        format!("{}{}", "pG7", "kQ2mZ9rT4w")
    }

    fn leaky_files() -> Vec<(String, String)> {
        vec![
            (
                "app/src/config.rs".into(),
                format!(
                    "//! Config.\n\npub const TOKEN: &str =\n    \"{}\";\n",
                    github()
                ),
            ),
            (
                ".env".into(),
                format!(
                    "DB_PASSWORD=${{DB_PASSWORD}}\nDATABASE_URL=postgres://app:{}@db:5432/app\n",
                    db_password()
                ),
            ),
            (
                "config/settings.toml".into(),
                format!("[payments]\nstripe_key = \"{}\"\n", stripe()),
            ),
        ]
    }

    fn run(files: &[(String, String)]) -> Outcome {
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        with_files(&files, &["app"], Config::default(), |ctx| {
            SecretsScan.run(ctx)
        })
    }

    fn summary(outcome: &Outcome) -> serde_json::Value {
        assert_eq!(outcome.evidence(), [SUMMARY]);
        serde_json::from_slice(&outcome.artifacts[0].bytes).unwrap()
    }

    #[test]
    fn a_leak_fails_with_file_line_column_and_a_redacted_excerpt() {
        let outcome = run(&leaky_files());
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.summary);
        assert!(
            outcome.summary.starts_with("3 secret(s) in 3 file(s)"),
            "{}",
            outcome.summary
        );
        let got: Vec<(String, String)> = outcome
            .findings
            .iter()
            .map(|f| (f.location.as_ref().unwrap().to_string(), f.message.clone()))
            .collect();
        let expect = [
            (".env:2:29", "connection-string: pG7…[connection-string]"),
            ("app/src/config.rs:4:6", "github-token: ghp_…[github-token]"),
            ("config/settings.toml:2:15", "stripe-key: sk_l…[stripe-key]"),
        ];
        let got: Vec<(&str, &str)> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(got, expect);
        assert_eq!(
            outcome.findings[1].subject.as_deref(),
            Some("app/src/config.rs")
        );
        let json = String::from_utf8(outcome.artifacts[0].bytes.clone()).unwrap();
        for secret in [github(), stripe(), db_password()] {
            assert!(!json.contains(&secret) && !format!("{outcome:?}").contains(&secret));
        }
        let summary = summary(&outcome);
        assert_eq!(summary["by_kind"]["github-token"], 1);
        assert_eq!(summary["findings"], 3);
        assert_eq!(summary["source"], WALK);
    }

    #[test]
    fn a_clean_tree_passes_and_says_what_it_scanned() {
        let files = vec![
            ("app/src/lib.rs".to_owned(), "pub fn f() {}\n".to_owned()),
            (
                ".env.example".to_owned(),
                "DB_PASSWORD=changeme\nAPI_KEY=${API_KEY}\n".to_owned(),
            ),
        ];
        let outcome = run(&files);
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.findings);
        assert_eq!(
            outcome.summary,
            "no secrets in 2 file(s), 54 bytes scanned (0 binary skipped, 0 over 2 MiB streamed)"
        );
        assert_eq!(summary(&outcome)["files_scanned"], 2);
    }

    #[test]
    fn binary_large_ignored_and_foreign_package_files_are_skipped() {
        let leak = format!("TOKEN = \"{}\"\n", github());
        let files = vec![
            (
                "app/Cargo.toml".to_owned(),
                "[package]\nname = \"app\"\n".to_owned(),
            ),
            ("app/src/lib.rs".to_owned(), String::new()),
            (
                "tests/fixtures/leak/Cargo.toml".to_owned(),
                "[workspace]\n".to_owned(),
            ),
            ("tests/fixtures/leak/.env".to_owned(), leak.clone()),
            ("app/nested/other/Cargo.toml".to_owned(), String::new()),
            ("app/nested/other/src/lib.rs".to_owned(), leak.clone()),
            (".gitignore".to_owned(), "local.env\n".to_owned()),
            ("local.env".to_owned(), leak.clone()),
            ("target/debug/build.log".to_owned(), leak.clone()),
        ];
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        with_files(&files, &["app"], Config::default(), |ctx| {
            let root = &ctx.workspace.root;
            std::fs::write(
                root.join("logo.png"),
                [b"\x89PNG\0".as_slice(), leak.as_bytes()].concat(),
            )
            .unwrap();
            // Over the window: streamed, a secret at each end found (it was skipped).
            let mut large = leak.clone().into_bytes();
            large.resize(secrets::MAX_FILE_BYTES as usize * 2 + 7, b'\n');
            large.extend_from_slice(leak.as_bytes());
            std::fs::write(root.join("dump.sql"), large).unwrap();
            // The file index is a fact gathered before the checks: gather it again.
            let facts = Facts::gather(ctx.workspace, Vec::new());
            let outcome = SecretsScan.run(&Context {
                facts: &facts,
                ..*ctx
            });
            assert_eq!(outcome.status, Status::Fail, "{:?}", outcome.findings);
            assert!(
                outcome
                    .summary
                    .contains("; 1 binary skipped, 1 over 2 MiB streamed)"),
                "{}",
                outcome.summary
            );
            let found: Vec<_> = outcome
                .findings
                .iter()
                .map(|f| {
                    let l = f.location.as_ref().unwrap();
                    (f.severity, l.file.as_str(), l.line)
                })
                .collect();
            let last_line =
                u32::try_from(secrets::MAX_FILE_BYTES * 2 + 7 - leak.len() as u64).unwrap() + 2;
            assert_eq!(
                found,
                [
                    (Severity::Error, "dump.sql", Some(1)),
                    (Severity::Error, "dump.sql", Some(last_line))
                ]
            );
            // Scanned: app/Cargo.toml, app/src/lib.rs, .gitignore (the member's own
            // Cargo.toml is no reason to skip it), dump.sql.
            assert_eq!(summary(&outcome)["files_scanned"], 4);
        });
    }

    #[test]
    fn in_git_only_tracked_files_count() {
        if Command::new("git").arg("--version").output().is_err() {
            return; // No git here: the walk is tested above.
        }
        let files = leaky_files();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        with_files(&files, &["app"], Config::default(), |ctx| {
            let root = &ctx.workspace.root;
            run_in(root, "git", &["init", "-q"]);
            run_in(
                root,
                "git",
                &["add", "app/src/config.rs", "config/settings.toml"],
            );
            let (ws, facts) = as_git_repository(ctx);
            let outcome = evaluate(&ws, &facts);
            assert_eq!(outcome.status, Status::Fail);
            // `.env` is not tracked, so only the two tracked files count.
            assert!(
                outcome
                    .summary
                    .starts_with("2 secret(s) in 2 file(s) (2 tracked file(s)"),
                "{}",
                outcome.summary
            );
            assert_eq!(summary(&outcome)["source"], GIT);
        });
    }

    /// A tracked file replaced by a FIFO in the working tree: never opened (the scan would
    /// hang on it), named instead, so the scan does not pass as if it had read it.
    #[cfg(unix)]
    #[test]
    fn a_tracked_path_that_is_now_a_fifo_is_named_not_read() {
        if Command::new("git").arg("--version").output().is_err() {
            return; // No git here: nothing is tracked.
        }
        let files = [("notes.txt", "plain\n"), ("src/lib.rs", "//! Lib.\n")];
        with_files(&files, &[], Config::default(), |ctx| {
            let root = &ctx.workspace.root;
            run_in(root, "git", &["init", "-q"]);
            run_in(root, "git", &["add", "-A"]);
            std::fs::remove_file(root.join("notes.txt")).unwrap();
            run_in(root, "mkfifo", &["notes.txt"]);
            let (ws, facts) = as_git_repository(ctx);
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(evaluate(&ws, &facts));
            });
            let outcome = rx
                .recv_timeout(std::time::Duration::from_secs(20))
                .expect("the scan ends");
            assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
            let finding = &outcome.findings[0];
            assert_eq!(finding.code.as_deref(), Some("unreadable-file"));
            assert!(
                finding
                    .message
                    .starts_with("git tracks a file here, but the working tree holds a FIFO"),
                "{}",
                finding.message
            );
            assert_eq!(finding.subject.as_deref(), Some("notes.txt"));
        });
    }

    #[test]
    fn run_artifacts_with_a_secret_are_findings_redacted_ones_are_not() {
        let log = format!("running 1 test\nenv GITHUB_TOKEN={}\nok\n", github());
        let redacted = secrets::redact(&log);
        let files = vec![
            ("logs/tests.log".to_owned(), log.clone().into_bytes()),
            ("logs/redacted.log".to_owned(), redacted.into_bytes()),
        ];
        let findings = scan_run_artifacts(&files);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].location,
            Some(Location::at("logs/tests.log", 2, 18))
        );
        assert_eq!(
            findings[0].message,
            "github-token: ghp_…[github-token] in the run's own artifact"
        );
        assert!(!format!("{findings:?}").contains(&github()));
    }

    #[test]
    fn the_check_is_controlled_stage() {
        assert_eq!(SecretsScan.meta().id, "secrets.scan");
        assert_eq!(SecretsScan.meta().stage, Stage::Controlled);
    }
}
