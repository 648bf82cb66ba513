//! Runs the rows of the hostile suite: plants each row's files on a fresh copy of the
//! `clean` fixture, digests the tree, runs the gate with a hard bound (the child is killed
//! there, so a gate that blocks fails the row instead of hanging the suite), and checks the
//! five promises of every row and the row's own words. Every row runs; the test fails once,
//! listing every row that went wrong.

use super::{Case, Exit, Fixture, Plant, tree};
use crate::support::fixture;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// 100,000 characters of `z`: a value no message should echo in full.
pub(super) fn long_value() -> String {
    "z".repeat(100_000)
}

/// `text` with the placeholders replaced: `{AWS}`, `{GHP}` (the planted secrets),
/// `{OUTSIDE}` (a directory beside the repository, outside it), `{ROOT}` (the workspace
/// root), `{Z100K}` ([`long_value`]) and `{EXPIRES}` (a date 30 days from today, the
/// expiry of a waiver that is valid).
pub(super) fn expand(fx: &Fixture, text: &str) -> String {
    if !text.contains('{') {
        return text.to_owned();
    }
    let [aws, gh] = tree::secrets();
    text.replace("{AWS}", &aws)
        .replace("{GHP}", &gh)
        .replace("{OUTSIDE}", &outside(fx).display().to_string())
        .replace("{ROOT}", &fx.root.display().to_string())
        .replace("{Z100K}", &long_value())
        .replace("{EXPIRES}", &expires())
}

/// 30 days from today, as a waiver's `expires`.
fn expires() -> String {
    cargo_gate::init::add_days(&cargo_gate::init::today_utc(), 30).expect("a date")
}

/// A directory outside the repository (the fixture's temporary directory holds the
/// repository and this).
pub(super) fn outside(fx: &Fixture) -> PathBuf {
    fx.root
        .parent()
        .expect("the fixture lies in a directory")
        .join("outside")
}

fn target_path(fx: &Fixture, path: &str) -> PathBuf {
    let path = expand(fx, path);
    if Path::new(&path).is_absolute() {
        PathBuf::from(path)
    } else {
        fx.root.join(path)
    }
}

/// Puts `plant` at `path` (replacing what is there).
pub(super) fn plant(fx: &Fixture, path: &str, plant: &Plant) {
    let path = target_path(fx, path);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("parent made");
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        if meta.is_dir() {
            std::fs::remove_dir_all(&path).expect("old directory removed");
        } else {
            std::fs::remove_file(&path).expect("old file removed");
        }
    }
    match plant {
        Plant::Text(text) => std::fs::write(&path, expand(fx, text)).expect("written"),
        Plant::Bytes(bytes) => std::fs::write(&path, bytes).expect("written"),
        Plant::Dir => std::fs::create_dir_all(&path).expect("directory made"),
        Plant::Sparse(len) => std::fs::File::create(&path)
            .and_then(|f| f.set_len(*len))
            .expect("sparse file made"),
        Plant::Remove => {}
        special => plant_special(fx, &path, special),
    }
}

#[cfg(unix)]
fn plant_special(fx: &Fixture, path: &Path, plant: &Plant) {
    match plant {
        Plant::Fifo => {
            let made = Command::new("mkfifo")
                .arg(path)
                .status()
                .expect("mkfifo runs");
            assert!(made.success(), "mkfifo {}", path.display());
        }
        Plant::Socket => {
            // The listener is dropped at once: the socket file stays, nobody accepts.
            std::os::unix::net::UnixListener::bind(path).expect("socket made");
        }
        Plant::Link(to) => std::os::unix::fs::symlink(expand(fx, to), path).expect("link made"),
        _ => unreachable!("not a special file"),
    }
}

#[cfg(not(unix))]
fn plant_special(_: &Fixture, _: &Path, _: &Plant) {
    unreachable!("rows with special files run on Unix only")
}

/// The result of one bounded run.
pub(super) struct Bounded {
    /// `None` when killed (at the bound, or by a signal: a crash).
    pub(super) code: Option<i32>,
    /// Killed at the bound.
    pub(super) killed: bool,
    pub(super) stdout: String,
    pub(super) stderr: String,
    pub(super) took: Duration,
}

/// `cargo gate ARGS…` in the fixture, with the planted secrets in its environment and
/// `env` on top.
pub(super) fn command(fx: &Fixture, args: &[OsString], env: &[(String, String)]) -> Command {
    let utf8: Vec<String> = args
        .iter()
        .map_while(|a| a.to_str())
        .map(|a| expand(fx, a))
        .collect();
    let mut cmd = fx.command(&utf8.iter().map(String::as_str).collect::<Vec<_>>());
    cmd.args(&args[utf8.len()..]);
    // `cargo test` runs us under a rustup toolchain override; the gate must see the
    // fixture's own pin.
    cmd.env_remove("RUSTUP_TOOLCHAIN");
    for (name, value) in tree::planted_env() {
        cmd.env(name, value);
    }
    for (name, value) in env {
        cmd.env(name, expand(fx, value));
    }
    cmd
}

/// Runs `cmd` with its output in files (no pipe a grandchild could hold open), killing it
/// at `limit`.
pub(super) fn run_bounded(mut cmd: Command, limit: Duration) -> Bounded {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"));
    let started = Instant::now();
    let mut child = cmd.spawn().expect("the gate binary runs");
    let (status, killed) = loop {
        if let Some(status) = child.try_wait().expect("waited") {
            break (status, false);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break (child.wait().expect("waited"), true);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Bounded {
        code: status.code(),
        killed,
        stdout: read(&out),
        stderr: read(&err),
        took,
    }
}

/// A run a row prepares with (a record to tamper with): bounded, and it must end.
pub(super) fn pre(fx: &Fixture, args: &[&str]) -> Bounded {
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    let run = run_bounded(command(fx, &args, &[]), super::BUILDS);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "preparing with {args:?}: {:?}\n{}{}",
        run.code,
        run.stdout,
        run.stderr
    );
    run
}

/// `git ARGS…` in the fixture, as the tests' user; it must succeed.
pub(super) fn git(fx: &Fixture, args: &[&str]) {
    crate::support::git(&fx.root, args);
}

/// The size of history.jsonl in the default output directory, when it is a regular file
/// (never opened).
fn history_size(fx: &Fixture) -> Option<u64> {
    std::fs::symlink_metadata(fx.out().join("history.jsonl"))
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// The ids of the recorded runs, for `{RUN}` in a mention.
fn run_ids(fx: &Fixture) -> Vec<String> {
    let mut ids: Vec<String> = (1..=3).map(|n| format!("<run-{n}>")).collect();
    if let Ok(entries) = std::fs::read_dir(fx.out().join("runs")) {
        ids.extend(
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        );
    }
    let history = fx.out().join("history.jsonl");
    if history_size(fx).is_some_and(|size| size < 1 << 20) {
        let text = std::fs::read_to_string(history).unwrap_or_default();
        ids.extend(text.lines().filter_map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            Some(value["run_id"].as_str()?.to_owned())
        }));
    }
    ids
}

/// Runs one row; what went wrong with it, if anything, and what the gate said.
fn check(case: &Case) -> (Vec<String>, String) {
    let fx = fixture("clean");
    plant(&fx, ".env", &Plant::Text(tree::secret_file()));
    for (path, what) in &case.plants {
        plant(&fx, path, what);
    }
    if let Some(prepare) = case.prepare {
        prepare(&fx);
    }
    let ids = run_ids(&fx);
    let before = tree::digest(&fx.root);
    let history_before = history_size(&fx);
    let run = run_bounded(command(&fx, &case.args, &case.env), case.limit);
    let mut problems = judge(case, &fx, &run, &ids);
    problems.extend(
        tree::changes(&before, &tree::digest(&fx.root))
            .into_iter()
            .map(|c| format!("tree outside target/ changed: {c}")),
    );
    if case.exit == Exit::Code(2) && !case.may_record && history_size(&fx) != history_before {
        problems.push("exit 2 but history.jsonl was written".to_owned());
    }
    for file in tree::files_with_secrets(&fx.root) {
        problems.push(format!("a planted secret reached {file}"));
    }
    (problems, format!("{}{}", run.stdout, run.stderr))
}

/// The row's exit, time, panic and words.
fn judge(case: &Case, fx: &Fixture, run: &Bounded, ids: &[String]) -> Vec<String> {
    let all = format!("{}{}", run.stdout, run.stderr);
    let mut problems = Vec::new();
    match (run.code, case.exit) {
        (None, _) if run.killed => {
            problems.push(format!("did not end within {:?}: killed", case.limit));
        }
        (None, _) => problems.push("ended by a signal (a crash)".to_owned()),
        (Some(code), Exit::Code(want)) if code != want => {
            problems.push(format!("exit {code} (want {want})"));
        }
        (Some(0), Exit::NonZero) => problems.push("exit 0 (want non-zero)".to_owned()),
        _ => {}
    }
    if run.code.is_some() && run.took > case.limit {
        problems.push(format!("took {:?}", run.took));
    }
    if all.contains("panicked") {
        problems.push("panicked".to_owned());
    }
    if case.names_gate_toml && !all.contains("gate.toml") {
        problems.push("does not name gate.toml".to_owned());
    }
    for mention in &case.mentions {
        let found = if mention.contains("{RUN}") {
            ids.iter()
                .any(|id| all.contains(&mention.replace("{RUN}", id)))
        } else {
            all.contains(&expand(fx, mention))
        };
        if !found {
            problems.push(format!("does not mention {mention:?}"));
        }
    }
    for text in &case.absent {
        if all.contains(&expand(fx, text)) {
            problems.push(format!("says what it must not: {:?}", shorten(text)));
        }
    }
    problems
}

fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

/// Runs every row of `cases`; fails listing each row that went wrong, with its output.
pub(super) fn check_all(category: &str, cases: &[Case]) {
    let mut wrong = Vec::new();
    for case in cases {
        if cfg!(not(unix))
            && case
                .plants
                .iter()
                .any(|(_, p)| matches!(p, Plant::Fifo | Plant::Socket | Plant::Link(_)))
        {
            continue;
        }
        let (problems, said) = check(case);
        if !problems.is_empty() {
            let said: String = said.trim().chars().take(1200).collect();
            wrong.push(format!(
                "{}: {}\n    {}",
                case.name,
                problems.join("; "),
                said.replace('\n', "\n    ")
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{category}: {} of {} row(s) wrong:\n\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n\n")
    );
}

/// The checks of every row see what they are there to see: a team check that writes into
/// the tree and copies a planted secret into `target/` is caught twice, and one that sleeps
/// past the bound is killed and named.
#[test]
fn the_hostile_checks_see_a_planted_problem() {
    let check_of = |run: &str| {
        format!(
            "[policy]\nprofile = \"portable\"\n\n[[check]]\nid = \"team.t\"\nstage = \"pilot\"\nrun = [\"sh\", \"-c\", \"{run}\"]\n"
        )
    };
    let leak = Case::new(
        "leaks",
        &["pilot", "--only", "team.t"],
        0,
        &["PASS    team.t"],
    )
    .text(
        "gate.toml",
        &check_of(
            "echo x > planted.txt; mkdir -p target; echo $GATE_HOSTILE_NOTE > target/leak.txt",
        ),
    );
    let (problems, said) = check(&leak);
    let all = problems.join("\n");
    assert!(all.contains("\"planted.txt\" created"), "{all}\n{said}");
    assert!(
        all.contains("a planted secret reached target/leak.txt"),
        "{all}\n{said}"
    );
    assert_eq!(problems.len(), 2, "{all}\n{said}");
    let mut slow = Case::new("sleeps", &["pilot", "--only", "team.t"], 0, &[])
        .text("gate.toml", &check_of("sleep 30"));
    slow.limit = Duration::from_secs(3);
    let (problems, said) = check(&slow);
    assert_eq!(problems, ["did not end within 3s: killed"], "{said}");
}
