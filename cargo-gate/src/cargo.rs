//! Running cargo (and other tools) for the checks: one place that sets the environment,
//! passes `--offline`, captures combined output, and recognises the failures that mean
//! "could not evaluate" rather than "failed".

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How to run cargo for one workspace.
#[derive(Debug, Clone)]
pub struct Cargo {
    program: OsString,
    root: PathBuf,
    offline: bool,
}

/// The captured result of one command.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The command line, for logs.
    pub command_line: String,
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// stdout and stderr interleaved as the process wrote them.
    pub log: String,
}

impl Captured {
    /// Whether the process exited with 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The log as kept in the run record: the command line, the output, the exit status.
    pub fn log_file(&self) -> String {
        let status = self
            .code
            .map_or_else(|| "killed by a signal".to_owned(), |c| c.to_string());
        format!(
            "$ {}\n{}\n[exit status: {status}]\n",
            self.command_line, self.log
        )
    }
}

/// A failure of cargo that means the gate could not evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// rustup has no such toolchain.
    ToolchainNotInstalled(String),
    /// Dependencies are neither cached nor fetchable.
    DependenciesUnavailable {
        /// Whether `--offline` was in effect.
        offline: bool,
    },
}

impl Unavailable {
    /// A sentence saying exactly what is missing and how to get it.
    pub fn reason(&self) -> String {
        match self {
            Unavailable::ToolchainNotInstalled(t) => format!(
                "the pinned toolchain `{t}` is not installed (run `rustup toolchain install {t}`)"
            ),
            Unavailable::DependenciesUnavailable { offline: true } => {
                "dependencies are not available offline (run `cargo fetch --locked` once with network access)"
                    .to_owned()
            }
            Unavailable::DependenciesUnavailable { offline: false } => {
                "dependencies could not be fetched (check network access and the registry configuration)"
                    .to_owned()
            }
        }
    }
}

impl Cargo {
    /// cargo from PATH (the rustup proxy, so the workspace's rust-toolchain.toml applies),
    /// run in `root`.
    pub fn new(root: &Path, offline: bool) -> Cargo {
        Cargo {
            program: OsString::from("cargo"),
            root: root.to_owned(),
            offline,
        }
    }

    /// Whether `--offline` is passed to every cargo call.
    pub fn offline(&self) -> bool {
        self.offline
    }

    /// A `cargo SUBCOMMAND ARGS… [--offline]` command in the workspace root.
    pub fn command(&self, subcommand: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.arg(subcommand).args(args);
        if self.offline {
            cmd.arg("--offline");
        }
        cmd.current_dir(&self.root)
            // Never let rustup download a toolchain behind the user's back: a pinned
            // toolchain that is missing must be reported, not fetched (or hung on).
            .env("RUSTUP_AUTO_INSTALL", "0")
            .env("CARGO_TERM_COLOR", "never")
            .env("CARGO_TERM_PROGRESS_WHEN", "never");
        cmd
    }

    /// Runs a command built by [`Cargo::command`] and captures its output.
    pub fn run(&self, cmd: Command) -> std::io::Result<Captured> {
        run_captured(cmd)
    }
}

/// Runs `cmd` with stdin closed and stdout+stderr captured into one log.
pub fn run_captured(mut cmd: Command) -> std::io::Result<Captured> {
    let command_line = describe(&cmd);
    let (mut reader, writer) = std::io::pipe()?;
    cmd.stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let mut child = cmd.spawn()?;
    // The Command still owns the write ends of the pipe; drop it so the read ends at EOF.
    drop(cmd);
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    let status = child.wait()?;
    Ok(Captured {
        command_line,
        code: status.code(),
        log: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// A command as one line: the program and its arguments.
pub(crate) fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Recognises cargo/rustup output that means the gate could not evaluate.
pub fn classify_unavailable(log: &str, offline: bool) -> Option<Unavailable> {
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
        "failed to query replaced source registry",
    ];
    if fetch_markers.iter().any(|m| log.contains(m)) && !log.contains("--locked was passed") {
        return Some(Unavailable::DependenciesUnavailable { offline });
    }
    None
}

/// The first lines that start with `error` in a cargo log, joined, for messages.
pub fn first_error(log: &str) -> String {
    let mut lines = log
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("error"))
        .take(6)
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

    #[test]
    fn recognises_offline_fetch_failure_but_not_a_stale_lockfile() {
        let log = "error: failed to download `serde v1.0.0`\n\nCaused by:\n  attempting to make an HTTP request, but --offline was specified";
        assert_eq!(
            classify_unavailable(log, true),
            Some(Unavailable::DependenciesUnavailable { offline: true })
        );
        let stale = "error: the lock file /w/Cargo.lock needs to be updated but --locked was passed to prevent this";
        assert_eq!(classify_unavailable(stale, false), None);
        assert_eq!(
            classify_unavailable("error[E0308]: mismatched types", false),
            None
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
