//! Running cargo (and other tools) for the checks: one place that sets the environment,
//! passes `--offline`, captures combined output, and recognises the failures that mean
//! "could not evaluate" rather than "failed".

use crate::tools::process::{self, Ended, Streams};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The variable holding the evidence cache's key: the gate's secret, removed from the
/// environment of every command (the one process runner does it), so no build script, test
/// or team check sees it.
pub use crate::tools::process::CACHE_KEY_ENV;
use std::process::Command;
use std::time::Duration;

/// How to run cargo for one workspace.
#[derive(Debug, Clone)]
pub struct Cargo {
    program: OsString,
    root: PathBuf,
    offline: bool,
    timeout: Duration,
}

/// The environment every cargo the gate runs gets: rustup never downloads a toolchain behind
/// the user's back (a pinned toolchain that is missing is reported, not fetched or hung on),
/// and cargo prints neither colour nor progress bars into the logs.
pub const ENV: [(&str, &str); 3] = [
    ("RUSTUP_AUTO_INSTALL", "0"),
    ("CARGO_TERM_COLOR", "never"),
    ("CARGO_TERM_PROGRESS_WHEN", "never"),
];

/// The time limit of a cargo call unless configured (`[tests] timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The captured result of one command.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Captured {
    /// The command line, for logs.
    pub command_line: String,
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// stdout and stderr interleaved as the process wrote them.
    pub log: String,
    /// Why the gate stopped it, when it did (a time limit, an interrupt).
    pub stopped: Option<String>,
}

impl Captured {
    /// Whether the process exited with 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The log as kept in the run record: the command line, the output, the exit status.
    pub fn log_file(&self) -> String {
        let status = match (&self.stopped, self.code) {
            (Some(why), _) => format!("stopped by cargo-gate: {why}"),
            (None, Some(c)) => c.to_string(),
            (None, None) => "killed by a signal".to_owned(),
        };
        format!(
            "$ {}\n{}\n[exit status: {status}]\n",
            self.command_line, self.log
        )
    }
}

/// A failure of cargo that means the gate could not evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// The build ran past `[tests] timeout` and was stopped (its process tree ended).
    TimedOut(std::time::Duration),
    /// rustup has no such toolchain.
    ToolchainNotInstalled(String),
    /// Dependencies are neither cached nor fetchable.
    DependenciesUnavailable {
        /// Whether `--offline` was in effect.
        offline: bool,
        /// The dependency and source cargo names (`` `reedline` from https://… ``), when it
        /// names them.
        what: Option<String>,
    },
}

impl Unavailable {
    /// A sentence saying exactly what is missing and how to get it.
    pub fn reason(&self) -> String {
        match self {
            Unavailable::TimedOut(limit) => format!(
                "the build did not finish within the [tests] timeout of {} s and was stopped \
                 (raise `[tests] timeout` in gate.toml, or find what holds the build)",
                limit.as_secs()
            ),
            Unavailable::ToolchainNotInstalled(t) => format!(
                "the pinned toolchain `{t}` is not installed (run `rustup toolchain install {t}`)"
            ),
            Unavailable::DependenciesUnavailable {
                offline: true,
                what,
            } => format!(
                "dependencies are not available offline{} (run `cargo fetch --locked` once with \
                 network access)",
                naming(what.as_deref())
            ),
            Unavailable::DependenciesUnavailable {
                offline: false,
                what,
            } => format!(
                "dependencies could not be fetched{} (check network access and the registry \
                 configuration)",
                naming(what.as_deref())
            ),
        }
    }
}

/// `: WHAT`, or nothing.
fn naming(what: Option<&str>) -> String {
    what.map_or_else(String::new, |w| format!(": {w}"))
}

/// The dependency and the source a fetch failure names: `` `name` from SOURCE `` (cargo's
/// "failed to load source for dependency `name`", "failed to get `name` as a dependency",
/// "unable to update SOURCE", "failed to download from `URL`"), a git source without its
/// `?rev=…#…` tail; `None` when the log names neither.
fn fetch_failure_subject(log: &str) -> Option<String> {
    let between = |line: &str, start: &str, end: char| {
        let at = line.find(start)? + start.len();
        let rest = &line[at..];
        Some(rest[..rest.find(end).unwrap_or(rest.len())].to_owned())
    };
    let mut dependency = None;
    let mut source = None;
    for line in log.lines() {
        let line = line.trim();
        let lower = line.to_ascii_lowercase();
        if dependency.is_none() {
            dependency = between(line, "failed to load source for dependency `", '`')
                .or_else(|| between(line, "failed to get `", '`'))
                .or_else(|| between(line, "failed to download `", '`'));
        }
        if source.is_none() {
            if let Some(at) = lower.find("unable to update ") {
                let rest = line[at + "unable to update ".len()..].trim();
                let rest = rest.split(['?', '#']).next().unwrap_or(rest);
                source = Some(rest.trim_end_matches(':').to_owned());
            } else if let Some(url) = between(line, "failed to download from `", '`') {
                source = Some(url);
            }
        }
    }
    match (dependency, source) {
        (Some(d), Some(s)) => Some(format!("`{d}` from {s}")),
        (Some(d), None) => Some(format!("`{d}`")),
        (None, Some(s)) => Some(s),
        (None, None) => None,
    }
}

impl Cargo {
    /// cargo from PATH (the rustup proxy, so the workspace's rust-toolchain.toml applies),
    /// or the toolchain's own where rustup has fixed it for this process
    /// ([`super::toolchain::cargo`]), run in `root`.
    pub fn new(root: &Path, offline: bool) -> Cargo {
        Cargo {
            program: super::toolchain::cargo().to_owned(),
            root: root.to_owned(),
            offline,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The same, with `timeout` as the limit of every cargo call.
    pub fn with_timeout(mut self, timeout: Duration) -> Cargo {
        self.timeout = timeout;
        self
    }

    /// The limit of every cargo call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The workspace root cargo runs in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `--offline` is passed to every cargo call.
    pub fn offline(&self) -> bool {
        self.offline
    }

    /// A `cargo SUBCOMMAND ARGS… [--offline]` command in the workspace root, with [`ENV`].
    pub fn command(&self, subcommand: &str, args: &[&str]) -> Command {
        let mut cmd = self.command_without_build(subcommand, args);
        if self.offline {
            cmd.arg("--offline");
        }
        cmd
    }

    /// [`Cargo::command`] for a subcommand that builds nothing and takes no `--offline`
    /// (`cargo nextest run --archive-file`: the archive holds what was built).
    pub fn command_without_build(&self, subcommand: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.arg(subcommand).args(args);
        cmd.current_dir(&self.root).envs(ENV);
        cmd
    }

    /// Runs a command built by [`Cargo::command`] and captures its output, within the
    /// time limit.
    pub fn run(&self, cmd: Command) -> std::io::Result<Captured> {
        run_captured_for(cmd, self.timeout)
    }

    /// [`Cargo::run`], with `watch` reading the output as it is written and able to stop the
    /// command ([`process::run_watched`]; `stopped` then holds the reason it gave).
    pub fn run_watched(
        &self,
        cmd: Command,
        watch: process::Watcher<'_>,
    ) -> std::io::Result<Captured> {
        let finished = process::run_watched(cmd, Streams::Combined, self.timeout, Some(watch))?;
        Ok(captured(finished))
    }
}

/// Runs `cmd` through the process runner with stdin closed and stdout+stderr captured into
/// one log, for at most [`process::HELPER_TIMEOUT`].
pub fn run_captured(cmd: Command) -> std::io::Result<Captured> {
    run_captured_for(cmd, process::HELPER_TIMEOUT)
}

/// [`run_captured`] with a time limit of its own.
pub fn run_captured_for(cmd: Command, timeout: Duration) -> std::io::Result<Captured> {
    let finished = process::run(cmd, Streams::Combined, timeout)?;
    Ok(captured(finished))
}

fn captured(finished: process::Finished) -> Captured {
    let stopped = match &finished.ended {
        Ended::Exited(_) => None,
        Ended::TimedOut(limit) => Some(format!(
            "ran past its time limit of {} and was stopped with its child processes",
            humantime::format_duration(*limit)
        )),
        Ended::Interrupted => Some("interrupted (Ctrl-C or SIGTERM)".to_owned()),
        Ended::Stopped(why) => Some(why.clone()),
    };
    Captured {
        code: finished.code(),
        command_line: finished.command_line,
        log: finished.stdout,
        stopped,
    }
}

/// A command as one line: the program and its arguments.
pub(crate) fn describe(cmd: &Command) -> String {
    process::describe(cmd)
}

/// Recognises cargo/rustup output that means the gate could not evaluate.
pub fn classify_unavailable(log: &str, offline: bool) -> Option<Unavailable> {
    let log = &own_words(log);
    for line in log.lines() {
        // rustup: "error: toolchain '1.80.0-x86_64-unknown-linux-gnu' is not installed"
        if let Some(rest) = line.split("toolchain '").nth(1)
            && let Some((name, tail)) = rest.split_once('\'')
            && tail.contains("is not installed")
        {
            return Some(Unavailable::ToolchainNotInstalled(name.to_owned()));
        }
    }
    let fetch_markers = [
        "attempting to make an HTTP request, but --offline was specified",
        "failed to download",
        "failed to get `",
        "failed to load source for dependency",
        "no matching package named",
        "Unable to update registry",
        "unable to update ",
        "failed to query replaced source registry",
    ];
    if fetch_markers.iter().any(|m| log.contains(m)) && !log.contains("--locked was passed") {
        return Some(Unavailable::DependenciesUnavailable {
            offline,
            what: fetch_failure_subject(log),
        });
    }
    None
}

/// How cargo starts the error of a build script that failed; the package follows it
/// (`` `name v1.0.0 (…)` ``), then the script's command and what it printed.
pub const FAILED_SCRIPT: &str = "error: failed to run custom build command for `";

/// The lines of a cargo log that are cargo's and rustup's own words, joined: what a build
/// script printed when it failed (cargo's `failed to run custom build command` and its chain,
/// `--- stdout`/`--- stderr` included), a compiler diagnostic (a message followed by its
/// `-->` location, with its snippet and notes), a build script's `cargo:warning` line
/// (`warning: pkg@1.0.0: …`) and a JSON message left out. A workspace's own text (a build
/// script that panics with "failed to download", a `compile_error!`) is no network or
/// toolchain that is missing: the build failed.
fn own_words(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let mut own = String::new();
    let mut theirs = false;
    for (at, line) in lines.iter().enumerate() {
        // A new message starts the next section; `Caused by:`, `note:` and `help:` lines, an
        // indented line and a snippet's numbered line belong to the message before them.
        if line.starts_with("error") || line.starts_with("warning") {
            let located = lines[at + 1..]
                .iter()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|next| next.trim_start().starts_with("--> "));
            theirs = located || line.starts_with(FAILED_SCRIPT) || script_warning(line);
        }
        if !theirs && !line.starts_with('{') {
            own.push_str(line);
            own.push('\n');
        }
    }
    own
}

/// A build script's `cargo:warning=…` as cargo prints it: `warning: NAME@VERSION: …`.
fn script_warning(line: &str) -> bool {
    line.strip_prefix("warning: ")
        .and_then(|rest| rest.split_once(": "))
        .is_some_and(|(package, _)| {
            package.split_once('@').is_some_and(|(name, version)| {
                !name.is_empty()
                    && !name.contains(' ')
                    && version.starts_with(|c: char| c.is_ascii_digit())
            })
        })
}

/// [`classify_unavailable`] over what cargo printed before it started the first test binary
/// (cargo's `Running …`, nextest's `Starting …`): a fetch fails before anything runs, and
/// what a test prints (`error: failed to download …`, then `exit(1)`) is no missing network.
pub fn classify_unavailable_before_tests(log: &str, offline: bool) -> Option<Unavailable> {
    let mut end = log.len();
    let mut at = 0;
    for line in log.split_inclusive('\n') {
        let status = line.trim_start();
        if status.starts_with("Running ") || status.starts_with("Starting ") {
            end = at;
            break;
        }
        at += line.len();
    }
    classify_unavailable(&log[..end], offline)
}

/// The first lines that start with `error` in a cargo log, joined, for messages: at most
/// six, and never a backtrace (rustup prints one under `RUST_BACKTRACE=1`).
pub fn first_error(log: &str) -> String {
    error_lines(log, 6)
}

/// cargo's first error and what follows it (its `Caused by:` chain), at most `most` lines, the
/// blank ones and any stack backtrace left out; the whole log, trimmed, when it says no error.
pub fn error_lines(log: &str, most: usize) -> String {
    let mut lines = log
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("error"))
        .take_while(|l| {
            !l.trim_start()
                .to_ascii_lowercase()
                .starts_with("stack backtrace")
        })
        .take(most)
        .map(str::trim_end)
        .filter(|l| !l.is_empty());
    let mut out = String::new();
    if let Some(first) = lines.next() {
        out.push_str(first.trim_start_matches("error: "));
        for l in lines {
            out.push('\n');
            out.push_str(l);
        }
    } else {
        out.push_str(log.trim());
    }
    out
}

/// The package name out of a cargo package id (`path+file:///w/k#name@0.1.0`, or the older
/// `name 0.1.0 (path+file:///w/k)`).
pub fn package_name(id: &str) -> String {
    if let Some((head, tail)) = id.rsplit_once('#') {
        let tail = tail.split('@').next().unwrap_or(tail);
        // `…/gate-kernels#0.1.0` has the version only: the name is the last path segment.
        if tail.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return head.rsplit('/').next().unwrap_or(tail).to_owned();
        }
        return tail.to_owned();
    }
    id.split_whitespace().next().unwrap_or(id).to_owned()
}

/// The toolchain rustup names when it refuses to start `rustc` in `root` because the one the
/// workspace pins is not installed (asked as rustup answers there: its toolchain file, not
/// an override such as `cargo +stable` or RUSTUP_TOOLCHAIN); `None` when rustc starts, or
/// fails for another reason.
pub fn pin_not_installed(root: &Path) -> Option<String> {
    let mut cmd = std::process::Command::new("rustc");
    cmd.arg("-vV")
        .current_dir(root)
        .env("RUSTUP_AUTO_INSTALL", "0")
        .env_remove("RUSTUP_TOOLCHAIN");
    let out = crate::tools::process::output(cmd).ok()?;
    let log = String::from_utf8_lossy(&out.stderr);
    match classify_unavailable(&log, false)? {
        Unavailable::ToolchainNotInstalled(name) => Some(name),
        Unavailable::DependenciesUnavailable { .. } | Unavailable::TimedOut(_) => None,
    }
}

/// cargo's home: `CARGO_HOME`, else `~/.cargo` (`None` without either).
/// Where cargo reads its configuration for a workspace at `root`, nearest first:
/// `.cargo/config{,.toml}` in the root and every directory above it, then in `CARGO_HOME`
/// (or `~/.cargo`). Whether each exists is the caller's to find out.
pub fn config_files(root: &Path) -> Vec<PathBuf> {
    root.ancestors()
        .map(|d| d.join(".cargo"))
        .chain(home())
        .flat_map(|dir| [dir.join("config"), dir.join("config.toml")])
        .collect()
}

/// Where `subcommand` (an external one: `nextest`, `semver-checks`) is aliased, when it is:
/// cargo lets a user alias shadow an external subcommand with only a warning, so `cargo
/// nextest run` then runs what the alias says (the fourteenth session's hostile trial:
/// `[alias] nextest = ["test", "--no-run", "--"]`, READY with no test run). The
/// `CARGO_ALIAS_<NAME>` variable, or the configuration file (shown relative to `root`).
pub fn aliased(root: &Path, subcommand: &str) -> Option<String> {
    let var = format!(
        "CARGO_ALIAS_{}",
        subcommand.to_ascii_uppercase().replace('-', "_")
    );
    if std::env::var_os(&var).is_some() {
        return Some(var);
    }
    let file = config_setting(root, |doc| {
        doc.get("alias")
            .and_then(toml::Value::as_table)
            .is_some_and(|aliases| aliases.contains_key(subcommand))
    })?;
    Some(gate_support::path::relative(root, &file))
}

/// The first cargo configuration file (where cargo reads them: the root and every directory
/// above it, then `CARGO_HOME`, and every file one of them `include`s) that `sets` something.
pub fn config_setting(root: &Path, sets: impl Fn(&toml::Table) -> bool) -> Option<PathBuf> {
    config_files_included(root).into_iter().find(|path| {
        // A file cargo could not read either: cargo says so when it runs. The cap is the one
        // every configuration file is read with, so no file is followed and then unread.
        gate_support::read::text_capped(path, gate_support::read::TOML_CAP)
            .ok()
            .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
            .is_some_and(|doc| sets(&doc))
    })
}

/// [`config_files`], and every file one of them `include`s (a chain of includes followed 64
/// files deep at most: cargo refuses a cycle). An included file changes what cargo does as
/// much as the file that includes it (an `[env]` a test reads, `rustflags`).
pub fn config_files_included(root: &Path) -> Vec<PathBuf> {
    let mut files = config_files(root);
    let mut at = 0;
    while at < files.len() && at < 64 {
        let path = files[at].clone();
        at += 1;
        // Bounded, and only a regular file: an include may be a committed link to
        // `/dev/zero` (the seventeenth session's hostile trial: 4 GB, then the time limit).
        let text = gate_support::read::text_capped(&path, gate_support::read::TOML_CAP);
        let Some(doc) = text.ok().and_then(|t| t.parse::<toml::Table>().ok()) else {
            continue;
        };
        for file in included(&path, &doc) {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    files
}

/// The files a cargo configuration `include`s (a path, a list of paths, or of tables with a
/// `path`), taken beside the file and beside its `.cargo` directory: either may be where
/// cargo looks, and seeing more errs on the safe side (for a guard, and for a key).
fn included(config: &Path, doc: &toml::Table) -> Vec<PathBuf> {
    let paths: Vec<&str> = match doc.get("include") {
        Some(toml::Value::String(one)) => vec![one],
        Some(toml::Value::Array(many)) => many
            .iter()
            .filter_map(|item| {
                item.as_str()
                    .or_else(|| item.as_table()?.get("path")?.as_str())
            })
            .collect(),
        _ => Vec::new(),
    };
    let dirs: Vec<&Path> = config.ancestors().skip(1).take(2).collect();
    paths
        .iter()
        .flat_map(|rel| dirs.iter().map(move |dir| dir.join(rel)))
        .collect()
}

pub fn home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(home));
    }
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".cargo"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_missing_toolchain() {
        let log = "error: toolchain '1.70.0-x86_64-unknown-linux-gnu' is not installed\nhelp: run `rustup toolchain install 1.70.0-x86_64-unknown-linux-gnu` to install it\n";
        assert_eq!(
            classify_unavailable(log, false),
            Some(Unavailable::ToolchainNotInstalled(
                "1.70.0-x86_64-unknown-linux-gnu".into()
            ))
        );
    }

    /// The hostile trial's bin-only crate: a test prints cargo's words and exits 1 before
    /// its summary; that is a failing test, not a network that could not be reached.
    #[test]
    fn what_a_test_prints_is_no_fetch_failure() {
        let log = "   Compiling unavail v0.1.0 (/w)\n    Finished `test` profile\n     Running unittests src/main.rs (target/debug/deps/unavail-1)\n\nrunning 1 test\nerror: failed to download `serde v1.0.0`\n";
        assert_eq!(classify_unavailable_before_tests(log, false), None);
        let fetch = "    Updating crates.io index\nerror: failed to download `serde v1.0.0`\n";
        assert!(classify_unavailable_before_tests(fetch, false).is_some());
    }

    /// olliekm/scout's build script panics when curl cannot download CUTLASS: the build
    /// failed (a FAIL with the script's words), no dependency of cargo's is missing. The same
    /// words in a compiler diagnostic or a script's warning are the workspace's too; rustup's
    /// words in the chain of cargo's own error still count.
    #[test]
    fn a_build_script_or_compiler_saying_failed_to_download_is_a_failed_build() {
        let script = "   Compiling scout v0.1.0 (/w)\nerror: failed to run custom build command for `scout v0.1.0 (/w)`\nnote: To improve backtraces for build dependencies, set the variable.\n\nCaused by:\n  process didn't exit successfully: `/w/target/debug/build/scout-1/build-script-build` (exit status: 101)\n  --- stderr\n\n  thread 'main' panicked at build.rs:106:9:\n  curl failed to download CUTLASS\n  error: toolchain 'nightly-x86_64-unknown-linux-gnu' is not installed\n";
        assert_eq!(classify_unavailable(script, false), None);
        let compiler = "error: failed to download\n --> src/lib.rs:1:1\n  |\n1 | compile_error!(\"failed to download\");\n  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n\nerror: could not compile `x` (lib) due to 1 previous error\n";
        assert_eq!(classify_unavailable(compiler, false), None);
        let warned = "warning: scout@0.1.0: failed to download CUTLASS, using the vendored copy\nerror: could not compile `scout`\n";
        assert_eq!(classify_unavailable(warned, false), None);
        let json = "{\"reason\":\"compiler-message\",\"message\":{\"rendered\":\"error: failed to download\"}}\n";
        assert_eq!(classify_unavailable(json, false), None);
        let rustup = "error: failed to run `rustc` to learn about target-specific information\n\nCaused by:\n  process didn't exit successfully: `rustc -` (exit status: 1)\n  --- stderr\n  error: toolchain '1.70.0-x86_64-unknown-linux-gnu' is not installed\n";
        assert_eq!(
            classify_unavailable(rustup, false),
            Some(Unavailable::ToolchainNotInstalled(
                "1.70.0-x86_64-unknown-linux-gnu".into()
            ))
        );
    }

    #[test]
    fn recognises_offline_fetch_failure_but_not_a_stale_lockfile() {
        let log = "error: failed to download `serde v1.0.0`\n\nCaused by:\n  attempting to make an HTTP request, but --offline was specified";
        assert_eq!(
            classify_unavailable(log, true),
            Some(Unavailable::DependenciesUnavailable {
                offline: true,
                what: Some("`serde v1.0.0`".to_owned())
            })
        );
        let stale = "error: the lock file /w/Cargo.lock needs to be updated but --locked was passed to prevent this";
        assert_eq!(classify_unavailable(stale, false), None);
        assert_eq!(
            classify_unavailable("error[E0308]: mismatched types", false),
            None
        );
    }

    /// nushell's git dependency that could not be fetched: the reason names it and its
    /// source (truthful round 3), from cargo's own words.
    #[test]
    fn a_fetch_failure_names_the_dependency_and_its_source() {
        let log = "    Updating git repository `https://example.invalid/thing.git`\nwarning: spurious network error (1 try remaining): failed to resolve address\nerror: failed to get `thing` as a dependency of package `app v0.1.0 (/w)`\n\nCaused by:\n  failed to load source for dependency `thing`\n\nCaused by:\n  unable to update https://example.invalid/thing.git?rev=4f1c2b3a#4f1c2b3a\n\nCaused by:\n  failed to clone into: /root/.cargo/git/db/thing-2e19\n";
        let unavailable = classify_unavailable(log, false).unwrap();
        assert_eq!(
            unavailable.reason(),
            "dependencies could not be fetched: `thing` from https://example.invalid/thing.git \
             (check network access and the registry configuration)"
        );
        let registry = "error: failed to download from `https://static.example/api/v1/crates/x/1.0.0/download`\n";
        assert_eq!(
            classify_unavailable(registry, false).unwrap().reason(),
            "dependencies could not be fetched: https://static.example/api/v1/crates/x/1.0.0/download \
             (check network access and the registry configuration)"
        );
        let bare = "error: Unable to update registry `crates-io`\n";
        assert_eq!(
            classify_unavailable(bare, true).unwrap().reason(),
            "dependencies are not available offline: registry `crates-io` (run `cargo fetch \
             --locked` once with network access)"
        );
    }

    #[test]
    fn first_error_leaves_a_backtrace_out() {
        let log = "error: toolchain 'nightly-2025-03-19-x86_64-unknown-linux-gnu' is not installed\n\
                   help: run `rustup toolchain install` to install it\n\
                   Stack backtrace:\n   0: anyhow::error::<impl From<E>>::from\n";
        assert_eq!(
            first_error(log),
            "toolchain 'nightly-2025-03-19-x86_64-unknown-linux-gnu' is not installed\n\
             help: run `rustup toolchain install` to install it"
        );
    }

    #[test]
    fn first_error_skips_preamble() {
        let log = "    Updating index\nerror: boom\n  caused by x\n";
        assert_eq!(first_error(log), "boom\n  caused by x");
    }

    #[test]
    fn captures_interleaved_output_and_exit_code() {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.arg("--list");
        let captured = run_captured(cmd).unwrap();
        assert!(captured.success());
        assert!(
            captured
                .log
                .contains("captures_interleaved_output_and_exit_code")
        );
    }
}
