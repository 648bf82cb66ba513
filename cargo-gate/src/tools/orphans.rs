//! What finished commands leave running, ended (Linux). A test that starts a process and does
//! not wait for it leaves an orphan: under `cargo test` it stays in the test run's process
//! group, which the runner kills; a process that left its group (`setsid`, a daemon) or one in
//! a group cargo-nextest made for its test is out of that reach, and held CI past the gate's
//! exit with the gate's own stdout (the fifteenth session's hostile trial: 91 s after a pass,
//! and a SIGTERM-proof child that outlived a SIGTERM to the gate).
//!
//! The gate makes itself the *child subreaper* of everything it starts
//! (`PR_SET_CHILD_SUBREAPER`): an orphan among its descendants becomes its child, not init's.
//! Whenever none of its commands runs, its children in a process group that is neither its
//! own (what it starts itself, `git` among them, stays there and is its caller's to wait
//! for) nor a command's are such orphans, of commands that ended: each is killed, with its
//! group where it leads one, and reaped. As the gate exits, everything below it but the
//! watchdog is. While a command runs nothing is touched, so a server a test starts with a
//! double fork lives as long as the run it serves. Only the gate's binary adopts (`adopt`,
//! from `cli::main`): a library user's or a test harness's children are never its to end.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};

/// Whether this process adopted its descendants' orphans.
static ADOPTED: AtomicBool = AtomicBool::new(false);

/// The leaders of the commands running now (each leads its own process group).
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Held while a command is spawned and listed (shared: commands start side by side), and
/// while orphans are looked for (alone): a command just started is never taken for one.
/// Held alone for spawning too, the six processes a run starts at once waited on each other:
/// on two busy processors a `git` call asked 1 ms in started 12 ms later.
static SPAWNING: RwLock<()> = RwLock::new(());

/// Makes this process the subreaper of its descendants (the gate's binary, once at start).
pub fn adopt() {
    if nix::sys::prctl::set_child_subreaper(true).is_ok() {
        ADOPTED.store(true, Ordering::SeqCst);
    }
}

/// Holds the spawn lock, shared with other spawns: what is started under it and listed with
/// [`started`] before it is released is never taken for an orphan.
pub(super) fn spawning() -> std::sync::RwLockReadGuard<'static, ()> {
    SPAWNING
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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

/// Ends what the gate's commands left, when it adopted (`keep`, the watchdog, is spared, with
/// what it runs). While the gate works (`exiting` false), and only when no command runs: its
/// children in a process group neither its own (what it starts itself, `git` among them, stays
/// in its group, and is its caller's to wait for) nor a command's — orphans it adopted. As it
/// exits: every process below it. Rounds until none is left (a process killed leaves its
/// zombies to the gate to reap), at most a second.
pub fn end(keep: Option<u32>, exiting: bool) {
    if !ADOPTED.load(Ordering::SeqCst) {
        return;
    }
    let own_group = nix::unistd::getpgrp();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        {
            let _alone = SPAWNING
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !exiting && LIVE.lock().map_or(true, |live| !live.is_empty()) {
                return;
            }
            let found = if exiting { descendants() } else { children() };
            let left: Vec<u32> = found
                .into_iter()
                .filter(|&p| Some(p) != keep && parent_of(p) != keep)
                .filter(|&p| exiting || group_of(p).is_some_and(|g| g != own_group))
                .collect();
            if left.is_empty() || std::time::Instant::now() > until {
                return;
            }
            for pid in left {
                end_one(pid);
            }
        }
        // Outside the lock: what was killed dies, and a command may start meanwhile.
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The process group of `pid`.
fn group_of(pid: u32) -> Option<nix::unistd::Pid> {
    let raw = i32::try_from(pid).ok()?;
    nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(raw))).ok()
}

/// The gate's children (adopted orphans among them): the kernel's list of each of its
/// threads' children, where it keeps one; else every process in `/proc`, each asked for its
/// parent. Asked after every command that ends the gate's last running one, while spawning
/// waits: the scan grows with every process on the machine (hundreds on a CI runner or a
/// desktop), the lists only with the gate's own threads.
fn children() -> Vec<u32> {
    let me = std::process::id();
    listed_children(me).unwrap_or_else(|| {
        all_parents()
            .into_iter()
            .filter(|&(_, parent)| parent == me)
            .map(|(pid, _)| pid)
            .collect()
    })
}

/// The children of process `pid`, from each of its threads' `/proc/PID/task/TID/children`
/// (the kernel lists a child under the thread that started it, and an adopted orphan under
/// the thread that adopted it); `None` where the kernel keeps no such list
/// (`CONFIG_PROC_CHILDREN`) or the threads cannot be listed. A thread that ends meanwhile
/// hands its children to another: the listing is taken again until no thread ended across
/// it (three times at most; a child that moves at the last is found by the next
/// look, or as the gate exits, whose look is the whole scan).
fn listed_children(pid: u32) -> Option<Vec<u32>> {
    let tasks = || -> Option<Vec<std::path::PathBuf>> {
        let mut tasks: Vec<_> = std::fs::read_dir(format!("/proc/{pid}/task"))
            .ok()?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .ok()?;
        tasks.sort();
        Some(tasks)
    };
    if !std::path::Path::new(&format!("/proc/{pid}/task/{pid}/children")).is_file() {
        return None;
    }
    let mut before = tasks()?;
    for _ in 0..3 {
        let mut found = Vec::new();
        for task in &before {
            // A thread gone since the listing: its children moved to another one.
            let Ok(text) = std::fs::read_to_string(task.join("children")) else {
                continue;
            };
            found.extend(
                text.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
        // A thread started meanwhile has no child a look could miss: spawning waits for it.
        let after = tasks()?;
        if before.iter().all(|task| after.binary_search(task).is_ok()) {
            return Some(found);
        }
        before = after;
    }
    None
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

/// Every descendant of this process: once it exits, a process below the gate is left from a
/// command that ended (a grandchild whose parent has not yet died, and so is not yet the
/// gate's, too).
fn descendants() -> Vec<u32> {
    let parents = all_parents();
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

/// Every process in `/proc` with its parent.
fn all_parents() -> Vec<(u32, u32)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect()
}

/// The parent of `pid`, from `/proc/PID/stat` (the field after the state, which follows the
/// command name's closing parenthesis).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's lists name a child started by a thread other than the main one, as the
    /// scan of `/proc` does; where the kernel keeps none, the scan answers (other tests'
    /// children may come and go meanwhile: only this one is compared).
    #[test]
    fn a_thread_s_child_is_listed_as_the_scan_finds_it() {
        let me = std::process::id();
        let lists = std::path::Path::new(&format!("/proc/{me}/task/{me}/children")).is_file();
        let (started, pid) = std::sync::mpsc::channel();
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let mut child = std::process::Command::new("sleep")
                .arg("30")
                .spawn()
                .unwrap();
            started.send(child.id()).unwrap();
            let _ = wait.recv();
            let _ = child.kill();
            let _ = child.wait();
        });
        let pid = pid.recv().unwrap();
        // Other tests' threads end at any time: asked until a listing held.
        let listed = (0..100).find_map(|_| listed_children(me));
        let scanned = all_parents().contains(&(pid, me));
        let children = children();
        done.send(()).unwrap();
        thread.join().unwrap();
        assert!(scanned, "the scan did not find {pid}");
        assert!(children.contains(&pid), "{pid} not among {children:?}");
        match listed {
            Some(listed) => assert!(listed.contains(&pid), "{pid} not among {listed:?}"),
            None => assert!(!lists, "the kernel's lists could not be read"),
        }
    }
}
