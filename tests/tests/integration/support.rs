//! Fixture workspaces and a way to run the gate binary on them. Shared by gate-tests and
//! gate-kernel-tests (included by path), which each set `crate::REPO_ROOT` and `crate::GATE`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fixture workspace copied into a temporary directory (a fresh git repository with one
/// commit, so "tracked by git" means something).
pub(crate) struct Fixture {
    _dir: Option<tempfile::TempDir>,
    /// The workspace root.
    pub(crate) root: PathBuf,
}

/// The result of one run of the binary.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one string, for snapshots.
    pub(crate) fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// stdout as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(crate::REPO_ROOT).join("tests/fixtures")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub(crate) fn git(root: &Path, args: &[&str]) {
    git_with_env(root, args, &[]);
}

/// `git ARGS…` in `root` as the tests' user, with `env` set.
fn git_with_env(root: &Path, args: &[&str], env: &[(&str, &str)]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=gate-tests",
            "-c",
            "user.email=tests@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// Copies `tests/fixtures/<name>` into a fresh git repository whose workspace lies in the
/// subdirectory `sub` (files beside it, outside the workspace root, in the same repository).
pub(crate) fn fixture_in(name: &str, sub: &str) -> Fixture {
    let whole = fixture(name);
    Fixture {
        root: whole.root.join(sub),
        ..whole
    }
}

/// Copies `tests/fixtures/<name>` into a fresh git repository.
pub(crate) fn fixture(name: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(name);
    copy_dir(&fixtures_dir().join(name), &root);
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "fixture"]);
    Fixture {
        _dir: Some(dir),
        root,
    }
}

/// A git checkout of the hand-written advisory database (tests/fixtures/advisory-db), made
/// once per test process. Every gate command of the tests reads it (`CARGO_GATE_ADVISORY_DB`),
/// so no test depends on a database in the machine's CARGO_HOME, and none reaches the
/// network. Its commit has fixed dates (so the same hash in every snapshot) and it was
/// "fetched" just now (`.git/FETCH_HEAD`), so it is never stale.
pub(crate) fn advisory_db() -> &'static Path {
    static DB: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixtures_dir().join("advisory-db"), dir.path());
        git(dir.path(), &["init", "-q"]);
        git(dir.path(), &["add", "-A"]);
        git_with_env(
            dir.path(),
            &["commit", "-q", "-m", "advisories"],
            &[
                ("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z"),
                ("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z"),
            ],
        );
        std::fs::write(dir.path().join(".git/FETCH_HEAD"), "").unwrap();
        dir
    })
    .path()
}

/// A workspace already on disk (a git work tree made by the test), owned by the caller.
pub(crate) fn existing(root: &Path) -> Fixture {
    Fixture {
        _dir: None,
        root: root.to_owned(),
    }
}

/// Variables a developer's shell may set that change a test run (and so the cache's keys and
/// a failed run's report): the gate's own list; every command of the tests runs without them.
pub(crate) use cargo_gate::tools::environment::TEST_VARIABLES as SHELL_TEST_VARIABLES;

/// An empty directory (no Cargo.toml).
pub(crate) fn empty() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("empty");
    std::fs::create_dir_all(&root).unwrap();
    Fixture {
        _dir: Some(dir),
        root,
    }
}

impl Fixture {
    /// Writes a file under the root.
    pub(crate) fn write(&self, path: &str, contents: &str) -> &Fixture {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Writes Cargo.lock afresh (`cargo generate-lockfile --offline`): after a manifest edit
    /// that adds a member or a path dependency, so `--locked` accepts the tree.
    pub(crate) fn relock(&self) -> &Fixture {
        let locked = std::process::Command::new("cargo")
            .args(["generate-lockfile", "--offline"])
            .current_dir(&self.root)
            .status()
            .unwrap();
        assert!(locked.success());
        self
    }

    /// Commits everything.
    pub(crate) fn commit(&self) -> &Fixture {
        git(&self.root, &["add", "-A"]);
        git(&self.root, &["commit", "-q", "-m", "change"]);
        self
    }

    /// The default output directory.
    pub(crate) fn out(&self) -> PathBuf {
        self.root.join("target/gate")
    }

    /// A `cargo gate ARGS…` command in the root, redacted and colourless; a stage runs with
    /// `-q` (its progress lines come in the order checks finish, which no snapshot can hold;
    /// `progress_lines_name_every_check` tests them).
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(crate::GATE);
        cmd.arg("gate").args(args.first());
        if args
            .first()
            .is_some_and(|a| ["pilot", "controlled", "broad"].contains(a))
            && !args
                .iter()
                .any(|a| ["-q", "--quiet", "-v", "--verbose"].contains(a))
        {
            cmd.arg("-q");
        }
        cmd.args(args.iter().skip(1))
            .current_dir(&self.root)
            .env("CARGO_GATE_REDACT", "1")
            .env("NO_COLOR", "1")
            .env("CARGO_GATE_ADVISORY_DB", advisory_db())
            // The fixture has its own target dir (and so its own record directory).
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .stdin(Stdio::null());
        // What the shell set to change how tests behave (`RUST_BACKTRACE=1`) is named in a
        // failed run's report; the snapshots are of a run without it.
        for variable in SHELL_TEST_VARIABLES {
            cmd.env_remove(variable);
        }
        cmd
    }

    /// Runs `cargo gate ARGS…`.
    pub(crate) fn gate(&self, args: &[&str]) -> Run {
        run(self.command(args))
    }

    /// Runs `cargo gate ARGS…` with a `cargo` first on PATH that writes each call's
    /// arguments down, one line each, before it starts the real one: the run, and the calls.
    #[cfg(unix)]
    pub(crate) fn cargo_calls(&self, args: &[&str]) -> (Run, String) {
        self.cargo_calls_with(args, &[])
    }

    /// [`Fixture::cargo_calls`] with variables set for the gate.
    #[cfg(unix)]
    pub(crate) fn cargo_calls_with(&self, args: &[&str], env: &[(&str, &str)]) -> (Run, String) {
        let (run, log) = self.calls_with(&["cargo"], args, env);
        let calls = log.lines().filter_map(|l| l.strip_prefix("cargo "));
        (run, calls.map(|l| format!("{l}\n")).collect())
    }

    /// Runs `cargo gate ARGS…` with each of `tools` first on PATH as a script that writes
    /// the call down (`TOOL ARGS…`, one line each, all tools in one log, in order) before it
    /// starts the real one: the run, and the calls.
    #[cfg(unix)]
    pub(crate) fn calls(&self, tools: &[&str], args: &[&str]) -> (Run, String) {
        self.calls_with(tools, args, &[])
    }

    #[cfg(unix)]
    fn calls_with(&self, tools: &[&str], args: &[&str], env: &[(&str, &str)]) -> (Run, String) {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::var_os("PATH").unwrap_or_default();
        let bin = self.root.join("../logging-bin");
        std::fs::create_dir_all(&bin).unwrap();
        let log = self.root.join("../calls.log");
        let _ = std::fs::remove_file(&log);
        for tool in tools {
            let real = std::env::split_paths(&path)
                .map(|dir| dir.join(tool))
                .find(|real| real.is_file())
                .unwrap_or_else(|| panic!("{tool} on PATH"));
            let script = bin.join(tool);
            std::fs::write(
                &script,
                format!(
                    "#!/bin/sh\necho \"{tool} $*\" >> '{}'\nexec '{}' \"$@\"\n",
                    log.display(),
                    real.display()
                ),
            )
            .unwrap();
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut paths = vec![bin];
        paths.extend(std::env::split_paths(&path));
        let mut cmd = self.command(args);
        cmd.env("PATH", std::env::join_paths(paths).unwrap())
            .envs(env.iter().copied());
        let run = run(cmd);
        (run, std::fs::read_to_string(log).unwrap_or_default())
    }

    /// The built-in and team checks that run at `stage` (its own and every earlier stage's),
    /// in report order, as `cargo gate checks` lists them: tests derive the checks a stage
    /// runs from the stages, so adding a check changes no hand-kept list.
    pub(crate) fn checks_at(&self, stage: &str) -> Vec<String> {
        const STAGES: [&str; 3] = ["pilot", "controlled", "broad"];
        let upto = STAGES.iter().position(|s| *s == stage).expect("a stage");
        let listed = self.gate(&["checks"]);
        assert_eq!(listed.code, 0, "{}", listed.transcript());
        let mut checks: Vec<(usize, String)> = listed
            .stdout
            .lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let (id, stage) = (words.next()?, words.next()?);
                let at = STAGES.iter().position(|s| *s == stage)?;
                (at <= upto).then(|| (at, id.to_owned()))
            })
            .collect();
        checks.sort_by_key(|(at, _)| *at);
        checks.into_iter().map(|(_, id)| id).collect()
    }

    /// Lines of history.jsonl in the default output directory (0 when absent).
    pub(crate) fn history_len(&self) -> usize {
        std::fs::read_to_string(self.out().join("history.jsonl"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }
}

/// Runs a prepared command.
pub(crate) fn run(mut cmd: Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the gate binary runs");
    Run {
        code: status.code().expect("exited, not killed"),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}
