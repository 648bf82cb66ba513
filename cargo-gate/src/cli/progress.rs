//! What a stage run shows on stderr while it runs. On a terminal: one live line, redrawn four
//! times a second, with the checks still running, the time so far and the last line cargo
//! printed (`Compiling foo`, `Running tests/…`; `crate::tools::process::activity`), erased when the
//! run ends (with `-v`, a line per finished check above it). Elsewhere (CI logs, pipes): a plain
//! line per finished check as it finishes, and never more than [`HEARTBEAT`] without a line: a
//! heartbeat names what still runs and what cargo is doing. `-q`: nothing. The report itself goes to stdout
//! afterwards; nothing here is part of it — except with `--message-format json`, where each
//! finished check is also a JSON line on stdout, as it finishes.

use crate::engine::Progress;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The longest a pipe or CI log goes without a line while a stage runs: then a heartbeat line
/// names the checks still running and cargo's last line (a first build, a long test suite).
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(9);

/// How much to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verbosity {
    /// `-q`: nothing.
    Quiet,
    /// The default.
    Normal,
    /// `-v`: every check as it starts and finishes.
    Verbose,
}

/// The progress display of one run.
#[derive(Debug)]
pub(crate) struct Display {
    verbosity: Verbosity,
    live: bool,
    /// Durations print as a placeholder (`CARGO_GATE_REDACT=1`).
    redact: bool,
    started: Instant,
    /// `--message-format json`: a `check-finished` line on stdout per finished check.
    json: bool,
    stage: String,
    running: Mutex<Vec<String>>,
    done: AtomicBool,
    /// When the last permanent line was written (the heartbeat's clock).
    last_said: Mutex<Instant>,
}

impl Display {
    pub(crate) fn new(verbosity: Verbosity, stage: &str, redact: bool, json: bool) -> Display {
        Display {
            json,
            verbosity,
            live: verbosity != Verbosity::Quiet && std::io::stderr().is_terminal(),
            redact,
            started: Instant::now(),
            stage: stage.to_owned(),
            running: Mutex::new(Vec::new()),
            done: AtomicBool::new(false),
            last_said: Mutex::new(Instant::now()),
        }
    }

    fn seconds(&self, d: Duration) -> String {
        if self.redact {
            "<duration>".to_owned()
        } else {
            format!("{:.1}s", d.as_secs_f64())
        }
    }

    /// Writes `line` (permanent) above the live line, when there is one.
    fn say(&self, line: &str) {
        let mut stderr = std::io::stderr().lock();
        if self.live {
            let _ = write!(stderr, "\r\x1b[2K");
        }
        let _ = writeln!(stderr, "{line}");
        if self.live {
            self.draw(&mut stderr);
        }
        if let Ok(mut last) = self.last_said.lock() {
            *last = Instant::now();
        }
    }

    /// The checks still running, and what cargo is doing right now (`Compiling foo`,
    /// `Running tests/x.rs`: the last line the newest cargo command printed).
    fn what_runs(&self) -> String {
        let mut line = self
            .running
            .lock()
            .map(|r| r.join(", "))
            .unwrap_or_default();
        if line.is_empty() {
            line.push_str("no check (the run's own work: planning, the record)");
        }
        if let Some((_, last)) = crate::tools::process::activity()
            .into_iter()
            .rev()
            .find(|(command, last)| command.starts_with("cargo ") && !last.is_empty())
        {
            line.push_str(" · ");
            line.push_str(&last);
        }
        line
    }

    fn draw(&self, out: &mut impl Write) {
        let mut line = format!(
            "cargo gate {} · {} · running: {}",
            self.stage,
            self.seconds(self.started.elapsed()),
            self.what_runs()
        );
        // One terminal line: never wrap (a wrapped line cannot be erased with one `\r`).
        if line.chars().count() > 100 {
            line = line.chars().take(99).collect::<String>() + "…";
        }
        let _ = write!(out, "\r\x1b[2K{line}");
        let _ = out.flush();
    }

    /// Runs `body` with the live line redrawn on a thread of its own, then erases it; without
    /// a terminal, with a heartbeat thread instead (nothing with `-q`).
    pub(crate) fn around<T>(&self, body: impl FnOnce() -> T) -> T {
        if self.verbosity == Verbosity::Quiet {
            return body();
        }
        std::thread::scope(|scope| {
            let ticker = scope.spawn(|| {
                while !self.done.load(Ordering::Relaxed) {
                    if self.live {
                        self.draw(&mut std::io::stderr().lock());
                    } else {
                        self.heartbeat();
                    }
                    // Woken at once when the run ends: the scope joins this thread, and a
                    // plain sleep kept every run waiting up to 250 ms for it.
                    std::thread::park_timeout(Duration::from_millis(250));
                }
                if self.live {
                    let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
                }
            });
            // Told to stop however `body` ends: a panic that unwinds past here would leave
            // the ticker drawing forever, and the scope waiting on it (a hung run).
            let _stop = Stop {
                done: &self.done,
                ticker: ticker.thread().clone(),
            };
            body()
        })
    }
}

/// Stops the live line's thread when dropped: on return and on unwind alike.
struct Stop<'a> {
    done: &'a std::sync::atomic::AtomicBool,
    ticker: std::thread::Thread,
}

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        self.ticker.unpark();
    }
}

impl Display {
    /// A line naming what still runs, when nothing was written for [`HEARTBEAT`].
    fn heartbeat(&self) {
        let quiet_for = self
            .last_said
            .lock()
            .map_or(Duration::ZERO, |t| t.elapsed());
        if quiet_for >= HEARTBEAT {
            self.say(&format!(
                "gate: still running after {}: {}",
                self.seconds(self.started.elapsed()),
                self.what_runs()
            ));
        }
    }
}

impl Progress for Display {
    fn started(&self, id: &str) {
        if let Ok(mut running) = self.running.lock() {
            running.push(id.to_owned());
        }
        if self.verbosity == Verbosity::Verbose {
            self.say(&format!("gate: started {id}"));
        }
    }

    fn finished(&self, id: &str, elapsed: Duration) {
        if let Ok(mut running) = self.running.lock() {
            running.retain(|r| r != id);
        }
        // No status: the report, not this line, says how a check came out.
        if self.json {
            #[derive(serde::Serialize)]
            struct CheckFinished<'a> {
                reason: &'static str,
                id: &'a str,
                elapsed_ms: u64,
            }
            let line = serde_json::to_string(&CheckFinished {
                reason: "check-finished",
                id,
                elapsed_ms: if self.redact {
                    0
                } else {
                    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
                },
            })
            .expect("a check-finished line serialises");
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
        }
        let show = match self.verbosity {
            Verbosity::Quiet => false,
            Verbosity::Normal => !self.live,
            Verbosity::Verbose => true,
        };
        if show {
            self.say(&format!("gate: finished {id} in {}", self.seconds(elapsed)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// zksync-airbender: a panic in the run (a bug) left the live line's thread drawing
    /// forever and the run hung. The panic now comes out, and promptly.
    #[test]
    fn a_panic_in_the_run_stops_the_live_line() {
        let (sent, received) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let display = Display::new(Verbosity::Normal, "pilot", true, false);
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                display.around(|| panic!("a bug in the run"))
            }));
            let _ = sent.send(ran.is_err());
        });
        let panicked = received.recv_timeout(Duration::from_secs(20));
        assert_eq!(panicked, Ok(true), "the run hung or did not panic");
    }
}
