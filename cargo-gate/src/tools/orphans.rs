//! What finished commands leave running, ended (Linux). A test that starts a process and does
//! not wait for it leaves an orphan: under `cargo test` it stays in the test run's process
//! group, which the runner kills; a process that left its group (`setsid`, a daemon) or one in
//! a group cargo-nextest made for its test is out of that reach, and held CI past the gate's
//! exit with the gate's own stdout (the fifteenth session's hostile trial: 91 s after a pass,
//! and a SIGTERM-proof child that outlived a SIGTERM to the gate).
//!
//! The gate makes itself the *child subreaper* of everything it starts
//! (`PR_SET_CHILD_SUBREAPER`): an orphan among its descendants becomes its child, not init's.
//! Whenever no command of the gate's is running, every process below the gate but the
//! watchdog is left from a command that has ended (an orphan, or a grandchild about to be
//! one): it is killed (with its group, where it leads one), and the gate's own reaped, until
//! none is left. While any command
//! runs, nothing is touched: a test's own server, started with a double fork, lives as long as
//! the run it serves. Only the gate's binary adopts (`adopt`, from `cli::main`): a library
//! user's or a test harness's children are never its to end.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether this process adopted its descendants' orphans.
static ADOPTED: AtomicBool = AtomicBool::new(false);

/// The leaders of the commands running now.
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Makes this process the subreaper of its descendants (the gate's binary, once at start).
pub fn adopt() {
    if nix::sys::prctl::set_child_subreaper(true).is_ok() {
        ADOPTED.store(true, Ordering::SeqCst);
    }
}

/// A command's leader started.
pub(super) fn started(pid: u32) {
    if let Ok(mut live) = LIVE.lock() {
        live.push(pid);
    }
}

/// A command's leader finished: `true` when no command runs any more.
pub(super) fn finished(pid: u32) -> bool {
    let Ok(mut live) = LIVE.lock() else {
        return false;
    };
    live.retain(|&p| p != pid);
    live.is_empty()
}

/// Ends every process below the gate, when it adopted and no command runs (or, `exiting`,
/// whatever runs: the gate is about to exit): `keep` is spared (the watchdog, and what it
/// runs). Rounds until none is left (a process killed leaves its zombies to the gate to
/// reap), at most a second.
pub fn end(keep: Option<u32>, exiting: bool) {
    if !ADOPTED.load(Ordering::SeqCst) {
        return;
    }
    let until = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        if !exiting && LIVE.lock().map_or(true, |live| !live.is_empty()) {
            return;
        }
        let orphans: Vec<u32> = descendants()
            .into_iter()
            .filter(|&p| Some(p) != keep && parent_of(p) != keep)
            .collect();
        if orphans.is_empty() || std::time::Instant::now() > until {
            return;
        }
        for pid in orphans {
            end_one(pid);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Kills `pid` (its group too, where it leads one) and reaps it, where it is the gate's child.
fn end_one(pid: u32) {
    use nix::sys::signal::{Signal, kill, killpg};
    use nix::sys::wait::{WaitPidFlag, waitpid};
    let Ok(raw) = i32::try_from(pid) else { return };
    let pid = nix::unistd::Pid::from_raw(raw);
    if nix::unistd::getpgid(Some(pid)).is_ok_and(|group| group == pid) {
        let _ = killpg(pid, Signal::SIGKILL);
    }
    let _ = kill(pid, Signal::SIGKILL);
    let _ = waitpid(pid, Some(WaitPidFlag::WNOHANG));
}

/// Every descendant of this process, from `/proc/PID/stat`: once no command runs, a process
/// below the gate is left from one that ended (a grandchild whose parent has not yet died,
/// and so not yet the gate's, too).
fn descendants() -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    let mut found = vec![std::process::id()];
    let mut at = 0;
    while at < found.len() {
        let parent = found[at];
        found.extend(
            parents
                .iter()
                .filter(|&&(_, p)| p == parent)
                .map(|&(pid, _)| pid),
        );
        at += 1;
    }
    found.remove(0);
    found
}

/// The parent of `pid`, from `/proc/PID/stat` (the field after the state, which follows the
/// command name's closing parenthesis).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}
