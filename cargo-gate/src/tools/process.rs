//! The one process runner: every command the gate starts (cargo, git, rustup, team checks,
//! cargo-semver-checks, version probes) runs through [`run`].
//!
//! - **The whole tree ends.** The command starts as the leader of a new process group on
//!   Unix (a Job Object on Windows). At the deadline, or when the gate is interrupted, the
//!   group gets SIGTERM, then SIGKILL after [`GRACE`]: a child that ignores SIGTERM and a
//!   grandchild that kept the output open end with it, within a second of the deadline. When
//!   the command exits by itself, whatever it left running in its group is killed too.
//! - **Bounded memory.** Output goes straight to a temporary file, never through a pipe the
//!   gate must drain (so nothing left holding a pipe can keep the gate waiting), and is read
//!   back capped at [`CAP`]: beyond it, the head and the tail are kept and the cut is said.
//! - **Ctrl-C and SIGTERM** of the gate set a flag ([`interrupted`]) that every runner polls:
//!   the command's group is ended and reaped, and the engine ends the run with exit 2 and no
//!   record.
//! - **Nothing outlives the gate.** A gate killed by SIGKILL runs no code, so on Unix one
//!   watchdog per gate process ([`watchdog`]: a `/bin/sh` reading a pipe only the gate can
//!   write) is told each group as it starts and as it is reaped; when the gate dies the pipe
//!   closes and the watchdog ends every group still listed (SIGTERM, then SIGKILL a second
//!   later). A group's id is its leader's pid, held while the leader is unreaped: the runner
//!   sees the leader exit without reaping it (`waitid` with `WNOWAIT` where the platform has
//!   it), tells the watchdog, and only then reaps, so neither the runner nor the watchdog
//!   ever signals an id the system could have given to someone else while the gate lives.
//! - **Watched output.** [`run_watched`] shows a watcher what the command wrote, as it is
//!   written; the watcher may stop the command ([`Ended::Stopped`]): `tests.pass` ends a test
//!   run whose test ran past `[tests] test-timeout` that way.
//!
//! `duct` was considered (the design names it): it kills only the processes it started, not
//! their descendants — its maintainer declined process groups (oconnor663/duct.rs#41) — so a
//! timeout would leave grandchildren running. std's `process_group(0)` plus `killpg` (nix)
//! does what is needed on Unix; `process-wrap`'s Job Object on Windows.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The longest the gate reads after the command ended, even while bytes still arrive: what is
/// left in the pipe when it ends is read at once, and a process it left behind writing a line
/// a second held the gate to the command's own deadline (the fourteenth session's trial: past
/// `[tests] timeout`, an hour by default, for a suite that takes a second).
pub const AFTER_END: Duration = Duration::from_secs(10);

/// How long a command has after SIGTERM before SIGKILL.
pub const GRACE: Duration = Duration::from_millis(500);

/// The most output read back into memory per stream.
pub const CAP: u64 = 32 * 1024 * 1024;

/// The time limit of helper commands (git, version probes, `cargo metadata`) that have none
/// of their own: long enough for any sane call, short enough that a hung one ends.
pub const HELPER_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// How often a running command is polled.
const POLL: Duration = Duration::from_millis(20);

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How long the run has to end by itself after Ctrl-C or SIGTERM before the process ends
/// anyway.
pub const INTERRUPT_GRACE: Duration = Duration::from_secs(3);

/// Installs the Ctrl-C / SIGTERM handler (once; later calls do nothing). The handler sets a
/// flag: runners end their commands, the engine ends the run with exit 2 and no record. A
/// run that has not ended [`INTERRUPT_GRACE`] later (blocked where nothing polls the flag),
/// or a second signal, ends the process with exit 2 from the handler's own thread; what it
/// started ends with it (the watchdog ends every group still listed), and the record is
/// untouched (it is written by a rename and one appended line, never in place).
pub fn install_interrupt_handler() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                end_interrupted("a second interrupt");
            }
            std::thread::spawn(|| {
                std::thread::sleep(INTERRUPT_GRACE);
                end_interrupted("the run did not end within the grace after the interrupt");
            });
        });
    });
}

/// Ends every process the gate's commands left behind (Linux, the gate's binary:
/// `tools::orphans`); nothing elsewhere, or while a command runs.
pub fn end_orphans() {
    #[cfg(target_os = "linux")]
    super::orphans::end(watchdog::pid(), false);
}

/// [`end_orphans`] as the gate exits: whatever still runs below it is ended.
pub fn end_everything_left() {
    #[cfg(target_os = "linux")]
    super::orphans::end(watchdog::pid(), true);
}

/// Ends the process after an interrupt, saying so on stderr.
fn end_interrupted(why: &str) -> ! {
    use std::io::Write;
    end_everything_left();
    let _ = writeln!(
        std::io::stderr().lock(),
        "error: interrupted: {why}; the run ends here and records nothing"
    );
    std::process::exit(2)
}

/// Whether the gate was interrupted (Ctrl-C or SIGTERM).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Set when the run cannot be evaluated and ends with an error of its own: every command
/// still running (and every later one) is ended at once, as if interrupted.
static ABANDONED: AtomicBool = AtomicBool::new(false);

/// Ends every command of the run, for the rest of the process: it cannot be evaluated
/// (cargo would wait for ever on a manifest that is a FIFO, and so would every other cargo
/// command running beside it: the resolve, the build begun ahead). The caller returns the
/// error that says why.
pub fn abandon() {
    ABANDONED.store(true, Ordering::SeqCst);
}

/// Where a command's output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streams {
    /// stdout and stderr into one log, in write order.
    Combined,
    /// stdout and stderr kept apart (for commands whose stdout is parsed).
    Separate,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// It exited (or was killed by a signal it did not get from us: code `None`).
    Exited(Option<i32>),
    /// It ran past its time limit and its process tree was ended.
    TimedOut(Duration),
    /// The gate was interrupted and its process tree was ended.
    Interrupted,
    /// Its watcher stopped it (the reason it gave) and its process tree was ended.
    Stopped(String),
}

/// What a finished command left.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The command line, for logs.
    pub command_line: String,
    /// How it ended.
    pub ended: Ended,
    /// stdout (with [`Streams::Combined`], stdout and stderr interleaved), capped.
    pub stdout: String,
    /// stderr (empty with [`Streams::Combined`]), capped.
    pub stderr: String,
}

impl Finished {
    /// The exit code, when the command exited with one.
    pub fn code(&self) -> Option<i32> {
        match self.ended {
            Ended::Exited(code) => code,
            _ => None,
        }
    }

    /// Whether it exited with 0.
    pub fn success(&self) -> bool {
        self.code() == Some(0)
    }
}

/// The commands running now, each with a handle on the file its stderr goes to, so a
/// progress display can show the last line it printed ([`activity`]).
static RUNNING: std::sync::Mutex<Vec<(u64, String, std::fs::File)>> =
    std::sync::Mutex::new(Vec::new());
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Removes its command from [`RUNNING`] when the run ends, however it ends.
struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut running) = RUNNING.lock() {
            running.retain(|(id, _, _)| *id != self.0);
        }
    }
}

/// The commands running now, oldest first, each with the last line it wrote to stderr
/// (cargo's `Compiling …`, a test's `test x … ok`), read from the end of its output file.
pub fn activity() -> Vec<(String, String)> {
    let Ok(running) = RUNNING.lock() else {
        return Vec::new();
    };
    running
        .iter()
        .map(|(_, line, file)| (line.clone(), last_line(file)))
        .collect()
}

/// The last non-empty line of what `file` holds (its last 4 KiB), without terminal escapes.
fn last_line(file: &std::fs::File) -> String {
    const TAIL: u64 = 4096;
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return String::new();
    };
    let start = len.saturating_sub(TAIL);
    let mut buf = vec![0u8; usize::try_from(len - start).unwrap_or(0)];
    if !read_at(file, &mut buf, start) {
        return String::new();
    }
    let text = String::from_utf8_lossy(&buf);
    let line = text
        .split(['\n', '\r'])
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or_default();
    strip_escapes(line)
}

/// `text` without ANSI escape sequences (`ESC [ … letter`).
fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The variable holding the evidence cache's key (`cache::KEY_ENV`), removed from the
/// environment of every command the gate starts.
pub const CACHE_KEY_ENV: &str = "CARGO_GATE_CACHE_KEY";

/// Keeps the cache's key from the repository's own code, which runs as the same user: on
/// Linux, a process that holds it is made non-dumpable, so `/proc/<pid>/environ` (which
/// still holds the key as the gate was started) is readable by root only, and no test can
/// attach a debugger to the gate. Every child starts without the variable
/// ([`CACHE_KEY_ENV`]). Elsewhere this does nothing; docs/SECURITY.md says so.
pub fn guard_secrets() {
    #[cfg(target_os = "linux")]
    if std::env::var_os(CACHE_KEY_ENV).is_some_and(|k| !k.is_empty()) {
        let _ = nix::sys::prctl::set_dumpable(false);
    }
}

/// Reads a running command's output: called every poll with what it wrote since the last
/// call (often nothing) and the time; returns why to stop the command, when it must stop.
pub type Watcher<'a> = &'a mut dyn FnMut(&[u8], Instant) -> Option<String>;

/// Runs `cmd` with stdin closed, output to temporary files, for at most `timeout`. An error
/// means it could not be started (`NotFound`: the program is not on PATH).
pub fn run(cmd: Command, streams: Streams, timeout: Duration) -> std::io::Result<Finished> {
    run_watched(cmd, streams, timeout, None)
}

/// [`run`], with `watch` shown the command's stdout (with [`Streams::Combined`], everything it
/// printed) as it is written. Where the output cannot be read while the command writes it
/// (neither Unix nor Windows), the watcher is shown nothing but is still called, so it can
/// keep time.
pub fn run_watched(
    mut cmd: Command,
    streams: Streams,
    timeout: Duration,
    mut watch: Option<Watcher<'_>>,
) -> std::io::Result<Finished> {
    let command_line = describe(&cmd);
    let stdout = output_file()?;
    let stderr = match streams {
        Streams::Combined => stdout.try_clone()?,
        Streams::Separate => output_file()?,
    };
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let (Ok(mut running), Ok(handle)) = (RUNNING.lock(), stderr.try_clone()) {
        running.push((id, command_line.clone(), handle));
    }
    let _registered = Registered(id);
    // The cache's key is the gate's secret: no command it starts (cargo, a team check,
    // cargo-semver-checks, git) ever sees it.
    cmd.env_remove(CACHE_KEY_ENV);
    cmd.stdin(Stdio::null());
    // On Unix the command writes into pipes the gate drains into its files (a file handed to
    // it, a test could rewrite through /proc: `super::drain`); elsewhere into the files.
    #[cfg(unix)]
    let drains = drained(&mut cmd, (&stdout, &stderr), streams)?;
    #[cfg(not(unix))]
    cmd.stdout(stdout.try_clone()?).stderr(stderr.try_clone()?);
    let mut tree = Tree::spawned(&mut cmd)?;
    // The pipes' write ends live in `cmd` too: dropped, the pipes close when the command
    // (and whatever it started that kept them) has exited.
    drop(cmd);
    // A deadline that does not fit in an Instant is no deadline.
    let deadline = Instant::now().checked_add(timeout);
    // How much of the output the watcher has seen.
    let mut shown = 0u64;
    let started = Instant::now();
    let ended = loop {
        if tree.exited()? {
            // Whatever it left running in its group goes with it.
            let status = tree.finish()?;
            break Ended::Exited(status.code());
        }
        if interrupted() || ABANDONED.load(Ordering::SeqCst) {
            tree.end()?;
            break Ended::Interrupted;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            tree.end()?;
            break Ended::TimedOut(timeout);
        }
        if let Some(watch) = watch.as_mut() {
            let new = read_new(&stdout, &mut shown);
            if let Some(why) = watch(&new, Instant::now()) {
                tree.end()?;
                break Ended::Stopped(why);
            }
        }
        tree.pause(nap(started.elapsed()));
    };
    #[cfg(unix)]
    for drain in drains {
        drain.finish(deadline, AFTER_END);
    }
    let stdout_text = read_capped(stdout)?;
    let stderr_text = match streams {
        Streams::Combined => String::new(),
        Streams::Separate => read_capped(stderr)?,
    };
    Ok(Finished {
        command_line,
        ended,
        stdout: stdout_text,
        stderr: stderr_text,
    })
}

/// `cmd`'s stdout and stderr as pipes drained into `files` (one pipe for both with
/// [`Streams::Combined`], so their order is kept).
#[cfg(unix)]
fn drained(
    cmd: &mut Command,
    (stdout, stderr): (&File, &File),
    streams: Streams,
) -> std::io::Result<Vec<super::drain::Drain>> {
    let (out, out_drain) = super::drain::Drain::start(stdout)?;
    Ok(match streams {
        Streams::Combined => {
            cmd.stderr(out.try_clone()?).stdout(out);
            vec![out_drain]
        }
        Streams::Separate => {
            let (err, err_drain) = super::drain::Drain::start(stderr)?;
            cmd.stdout(out).stderr(err);
            vec![out_drain, err_drain]
        }
    })
}

/// Like [`std::process::Command::output`], through the runner, with [`HELPER_TIMEOUT`]. A
/// command that timed out or was interrupted reads as failed (no exit code).
pub fn output(cmd: Command) -> std::io::Result<std::process::Output> {
    output_for(cmd, HELPER_TIMEOUT)
}

/// [`output`] with a time limit of its own.
pub fn output_for(cmd: Command, timeout: Duration) -> std::io::Result<std::process::Output> {
    let finished = run(cmd, Streams::Separate, timeout)?;
    Ok(std::process::Output {
        status: exit_status(finished.code()),
        stdout: finished.stdout.into_bytes(),
        stderr: finished.stderr.into_bytes(),
    })
}

#[cfg(unix)]
pub(crate) fn exit_status(code: Option<i32>) -> ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    // A wait status: exit code in the second byte; no code reads as killed by SIGKILL.
    ExitStatus::from_raw(code.map_or(9, |c| (c & 0xff) << 8))
}

#[cfg(windows)]
pub(crate) fn exit_status(code: Option<i32>) -> ExitStatus {
    use std::os::windows::process::ExitStatusExt;
    ExitStatus::from_raw(code.map_or(1, |c| c as u32))
}

/// How long to wait before looking again at a command that has run for `elapsed`: a quarter
/// of that, between 1 ms and [`POLL`]. Most commands the gate starts end within tens of
/// milliseconds (git, `cargo metadata`), one after another on the run's critical path: a
/// fixed [`POLL`] added half of it to each on average, and a look is a single `waitid`.
fn nap(elapsed: Duration) -> Duration {
    (elapsed / 4).clamp(Duration::from_millis(1), POLL)
}

/// What `file` holds past `shown` (at most 1 MiB of it), and `shown` moved past it.
fn read_new(file: &File, shown: &mut u64) -> Vec<u8> {
    const STEP: u64 = 1024 * 1024;
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return Vec::new();
    };
    let want = len.saturating_sub(*shown).min(STEP);
    let mut buf = vec![0u8; usize::try_from(want).unwrap_or(0)];
    if !read_at(file, &mut buf, *shown) {
        return Vec::new();
    }
    *shown += want;
    buf
}

/// Fills `buf` from `file` at `offset` while the command may be writing to it. On Unix, pread:
/// the file offset the command writes at is shared with this handle and must not move.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> bool {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset).is_ok()
}

/// On Windows, `seek_read`, which moves the shared file offset; harmless, because the output
/// file is opened for appending only ([`output_file`]): every write the command makes goes to
/// the end, wherever the offset is.
#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> bool {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset) {
            Ok(0) | Err(_) => return false,
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    true
}

/// Elsewhere nothing is read while the command runs: its output is read once it has ended.
#[cfg(not(any(unix, windows)))]
fn read_at(_file: &File, _buf: &mut [u8], _offset: u64) -> bool {
    false
}

/// A new temporary file for a command's output, gone when the last handle on it closes.
#[cfg(not(windows))]
fn output_file() -> std::io::Result<File> {
    tempfile::tempfile()
}

/// On Windows, opened for reading and appending only (`FILE_APPEND_DATA` without
/// `FILE_WRITE_DATA`), so the command's writes always land at the end while the gate reads
/// with `seek_read` ([`read_at`]); deleted on close, like tempfile's.
#[cfg(windows)]
fn output_file() -> std::io::Result<File> {
    use std::os::windows::fs::OpenOptionsExt;
    const FILE_ATTRIBUTE_TEMPORARY: u32 = 0x100;
    const FILE_FLAG_DELETE_ON_CLOSE: u32 = 0x0400_0000;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = tempfile::env::temp_dir();
    let mut last = None;
    for _ in 0..100 {
        let name = format!(
            ".gate-output-{}-{}.log",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        match std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .attributes(FILE_ATTRIBUTE_TEMPORARY)
            .custom_flags(FILE_FLAG_DELETE_ON_CLOSE)
            .open(dir.join(name))
        {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            other => return other,
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free output file name")))
}

/// A command as one line: the program and its arguments.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(super::toolchain::shown(cmd.get_program()))
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The file's text; beyond [`CAP`], the first MiB and the rest of the cap from the end, with
/// a line saying how much was cut.
fn read_capped(mut file: File) -> std::io::Result<String> {
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    if len <= CAP {
        file.read_to_end(&mut bytes)?;
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    }
    let head = 1024 * 1024;
    let tail = CAP - head;
    (&mut file).take(head).read_to_end(&mut bytes)?;
    let cut = len - head - tail;
    bytes.extend_from_slice(
        format!("\n[… {cut} bytes of output cut by cargo-gate (kept the first and last) …]\n")
            .as_bytes(),
    );
    file.seek(SeekFrom::Start(len - tail))?;
    file.take(tail).read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A started command and its process tree.
#[derive(Debug)]
struct Tree {
    #[cfg(not(windows))]
    child: std::process::Child,
    #[cfg(windows)]
    child: Box<dyn process_wrap::std::ChildWrapper>,
    /// The leader's exit status, once reaped.
    status: Option<ExitStatus>,
    /// Told when the leader has exited, where a thread can wait for that without reaping it
    /// ([`exit_told`]): a pause between looks ends there and then.
    exit_seen: Option<std::sync::mpsc::Receiver<()>>,
}

impl Tree {
    /// Waits up to `most` before the next look: less, when the leader is told to have exited
    /// meanwhile. A command on the run's critical path (`cargo metadata`, a test binary)
    /// is seen to end when it ends, not up to a pause later ([`nap`]: up to [`POLL`]).
    fn pause(&mut self, most: Duration) {
        let Some(told) = &self.exit_seen else {
            return std::thread::sleep(most);
        };
        // Told once (or the thread gone): the next pauses are whole again, so a leader that
        // the looks do not yet see as exited is not looked at without a pause.
        if !matches!(
            told.recv_timeout(most),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout)
        ) {
            self.exit_seen = None;
        }
    }
}

/// A thread that waits, without reaping, for `pid` (a child of the gate) to exit, and says so.
/// Leaving it unreaped keeps its process group's id its own until [`Tree::finish`] (as
/// [`Tree::exited`] does). `None` where no thread can be started: the pauses are then whole.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn exit_told(pid: u32) -> Option<std::sync::mpsc::Receiver<()>> {
    use nix::sys::wait::{Id, WaitPidFlag, waitid};
    let pid = nix::unistd::Pid::from_raw(i32::try_from(pid).ok()?);
    let (tell, told) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("gate-exit".to_owned())
        .spawn(move || {
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
            // An error other than an interruption (no such child: reaped already) ends the
            // wait too; the caller's own look says what happened.
            while waitid(Id::Pid(pid), flags) == Err(nix::errno::Errno::EINTR) {}
            let _ = tell.send(());
        })
        .ok()?;
    Some(told)
}

#[cfg(unix)]
impl Tree {
    fn spawned(cmd: &mut Command) -> std::io::Result<Tree> {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        #[cfg(target_os = "linux")]
        let _spawning = super::orphans::spawning();
        let child = cmd.spawn()?;
        watchdog::guard(child.id());
        #[cfg(target_os = "linux")]
        super::orphans::started(child.id());
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
        let exit_seen = exit_told(child.id());
        #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
        let exit_seen = None;
        Ok(Tree {
            child,
            status: None,
            exit_seen,
        })
    }

    /// Whether the leader has exited. Where `waitid` can look without reaping, the leader is
    /// left a zombie, so the group's id stays its own until [`Tree::finish`].
    fn exited(&mut self) -> std::io::Result<bool> {
        if self.status.is_some() {
            return Ok(true);
        }
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
        {
            use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
            let Ok(pid) = i32::try_from(self.child.id()) else {
                return Ok(false);
            };
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
            match waitid(Id::Pid(nix::unistd::Pid::from_raw(pid)), flags) {
                Ok(WaitStatus::StillAlive) | Err(nix::errno::Errno::EINTR) => Ok(false),
                // Anything else (an exit, or no such child left to wait for): `finish` says.
                Ok(_) | Err(_) => Ok(true),
            }
        }
        #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
        {
            // No look without reaping (macOS): reaped here, so between this and `finish` a
            // group with no member left could lose its id; `finish` follows at once.
            self.status = self.child.try_wait()?;
            Ok(self.status.is_some())
        }
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        // The group's id is the leader's pid, which stays the group's while the leader is
        // unreaped (every caller signals before `finish` reaps it).
        let Ok(pgid) = i32::try_from(self.child.id()) else {
            return;
        };
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), signal);
    }

    /// SIGKILL to the whole group.
    fn kill(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGKILL);
    }

    /// After the leader exited: what it left in its group killed, the watchdog told to forget
    /// the group, and then (not before) the leader reaped.
    fn finish(&mut self) -> std::io::Result<ExitStatus> {
        self.kill();
        watchdog::release(self.child.id());
        let status = match self.status {
            Some(status) => status,
            None => self.child.wait()?,
        };
        self.status = Some(status);
        // The last command running ended: what the ended ones left is ended too.
        #[cfg(target_os = "linux")]
        if super::orphans::finished(self.child.id()) {
            end_orphans();
        }
        Ok(status)
    }

    /// SIGTERM to the group, [`GRACE`] to go, then SIGKILL; the leader reaped.
    fn end(&mut self) -> std::io::Result<()> {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        let until = Instant::now() + GRACE;
        while Instant::now() < until {
            if self.exited()? {
                break;
            }
            std::thread::sleep(POLL);
        }
        self.finish().map(drop)
    }
}

/// The watchdog that ends the gate's process groups when the gate itself is killed.
///
/// One per gate process, started with its first command: `/bin/sh` running `watchdog::SCRIPT`, its
/// stdin the read end of a pipe whose write end only the gate holds (std opens both ends
/// close-on-exec, so no command the gate starts inherits them). The gate writes `+PGID` when
/// a group starts and `-PGID` before it reaps the group's leader. While the gate lives the
/// watchdog only reads, and never signals anything. When the gate exits or dies, the pipe
/// closes: the watchdog reads every line written before that (a pipe keeps order, so a
/// group released before the gate died is forgotten before the end of input is seen), then
/// ends the groups still listed the way a deadline does (SIGTERM, then SIGKILL a second
/// later) and exits. A normal exit lists no group, so the watchdog just exits.
///
/// It runs in a process group of its own (a terminal's Ctrl-C, meant for the gate, does not
/// reach it), with an empty environment but for `PATH=/bin:/usr/bin` (for `sleep`). What it
/// cannot reach: a process that left its group (`setsid`, a daemon), and the groups a runner
/// makes itself (cargo-nextest gives each test a group; it ends them on the SIGTERM, but
/// a test that ignores SIGTERM outlives the second before SIGKILL reaches nextest).
#[cfg(unix)]
pub mod watchdog {
    use std::io::Write;
    use std::process::{Child, Command, Stdio};
    use std::sync::Mutex;

    /// The watchdog's program: builtins only (`read`, `case`, `kill`), then `sleep`.
    pub const SCRIPT: &str = r#"trap '' INT HUP
groups=' '
while read -r line; do
  case $line in
    +*) groups="$groups${line#+} " ;;
    -*) id=${line#-}
        case $groups in *" $id "*) groups="${groups%%" $id "*} ${groups#*" $id "}" ;; esac ;;
  esac
done
[ "$groups" = ' ' ] && exit 0
for id in $groups; do kill -s TERM -- "-$id" 2>/dev/null; done
sleep 1
for id in $groups; do kill -s KILL -- "-$id" 2>/dev/null; done
"#;

    /// The name the watchdog runs under (`$0`), followed by the gate's pid, so `ps` says whose
    /// it is.
    pub const NAME: &str = "cargo-gate-watchdog";

    /// A started watchdog: the pipe's write end, and the process.
    #[derive(Debug)]
    pub struct Watchdog {
        /// Closing it (the gate dying) makes the watchdog end what is listed.
        pub writer: std::io::PipeWriter,
        /// The `/bin/sh` process.
        pub child: Child,
    }

    static WATCHDOG: Mutex<Option<Watchdog>> = Mutex::new(None);

    /// Starts a watchdog (the runner keeps one per process; tests start their own).
    pub fn start() -> std::io::Result<Watchdog> {
        use std::os::unix::process::CommandExt;
        let (reader, writer) = std::io::pipe()?;
        let child = Command::new("/bin/sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg(NAME)
            .arg(std::process::id().to_string())
            .env_clear()
            .env("PATH", "/bin:/usr/bin")
            .stdin(reader)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        Ok(Watchdog { writer, child })
    }

    /// Writes `line` to the process's watchdog, starting it when `start_if_none`. A watchdog
    /// that cannot be started or written to is dropped (and tried again with the next
    /// group): the command still runs, as it did before there was one.
    fn tell(line: &str, start_if_none: bool) {
        let Ok(mut slot) = WATCHDOG.lock() else {
            return;
        };
        if slot.is_none() && start_if_none {
            *slot = start().ok();
        }
        if let Some(dog) = slot.as_mut()
            && writeln!(dog.writer, "{line}").is_err()
        {
            *slot = None;
        }
    }

    /// The running watchdog's pid, if one runs.
    pub fn pid() -> Option<u32> {
        WATCHDOG.lock().ok()?.as_ref().map(|dog| dog.child.id())
    }

    /// Lists the group `pgid` (just started).
    pub fn guard(pgid: u32) {
        tell(&format!("+{pgid}"), true);
    }

    /// Forgets the group `pgid` (its leader has exited and is about to be reaped).
    pub fn release(pgid: u32) {
        tell(&format!("-{pgid}"), false);
    }
}

/// The gate's own Job Object on Windows, made on the first command it starts: kill-on-close,
/// with the gate assigned to it, so every process the gate starts belongs to it (a child
/// inherits its parent's jobs; process-wrap's job for each command nests inside it). The only
/// handle is the gate's, and the system closes it when the gate ends however it ends
/// (TerminateProcess included): every process still in the job is then killed. This is the
/// Windows side of "nothing outlives the gate" (the watchdog's, on Unix). Best effort: where
/// the system refuses (a job that allows no nesting), commands still run, each in its own
/// job, and a gate killed outright may leave them running.
#[cfg(windows)]
fn gate_job() {
    static JOB: std::sync::OnceLock<Option<win32job::Job>> = std::sync::OnceLock::new();
    JOB.get_or_init(|| {
        let mut info = win32job::ExtendedLimitInfo::new();
        info.limit_kill_on_job_close();
        let job = win32job::Job::create_with_limit_info(&info).ok()?;
        job.assign_current_process().ok()?;
        Some(job)
    });
}

#[cfg(windows)]
impl Tree {
    fn spawned(cmd: &mut Command) -> std::io::Result<Tree> {
        use process_wrap::std::{CommandWrap, JobObject};
        gate_job();
        let mut wrap = CommandWrap::from(std::mem::replace(cmd, Command::new("")));
        wrap.wrap(JobObject);
        Ok(Tree {
            child: wrap.spawn()?,
            status: None,
            exit_seen: None,
        })
    }

    fn exited(&mut self) -> std::io::Result<bool> {
        if self.status.is_none() {
            self.status = self.child.try_wait()?;
        }
        Ok(self.status.is_some())
    }

    /// Terminates the Job Object: every process in it.
    fn kill(&mut self) {
        let _ = self.child.start_kill();
    }

    fn finish(&mut self) -> std::io::Result<ExitStatus> {
        self.kill();
        match self.status {
            Some(status) => Ok(status),
            None => self.child.wait(),
        }
    }

    /// Windows has no SIGTERM for console programs started this way: the job ends at once.
    fn end(&mut self) -> std::io::Result<()> {
        self.kill();
        self.child.wait().map(drop)
    }
}

#[cfg(not(any(unix, windows)))]
impl Tree {
    fn spawned(cmd: &mut Command) -> std::io::Result<Tree> {
        Ok(Tree {
            child: cmd.spawn()?,
            status: None,
            exit_seen: None,
        })
    }

    fn exited(&mut self) -> std::io::Result<bool> {
        if self.status.is_none() {
            self.status = self.child.try_wait()?;
        }
        Ok(self.status.is_some())
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
    }

    fn finish(&mut self) -> std::io::Result<ExitStatus> {
        match self.status {
            Some(status) => Ok(status),
            None => self.child.wait(),
        }
    }

    fn end(&mut self) -> std::io::Result<()> {
        self.kill();
        self.child.wait().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_command_is_looked_at_soon_a_long_one_every_poll() {
        assert_eq!(nap(Duration::ZERO), Duration::from_millis(1));
        assert_eq!(nap(Duration::from_millis(12)), Duration::from_millis(3));
        assert_eq!(nap(Duration::from_secs(5)), POLL);
    }

    /// The thread that tells a pause of the leader's exit leaves it unreaped: its status is
    /// still the gate's to take (its group's id its own until then).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_leader_s_exit_is_told_without_reaping_it() {
        let mut child = sh("exit 3").spawn().expect("sh starts");
        let told = exit_told(child.id()).expect("a thread starts");
        told.recv_timeout(Duration::from_secs(60))
            .expect("the exit is told");
        let status = child.wait().expect("the leader is still there to reap");
        assert_eq!(status.code(), Some(3));
    }

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script);
        cmd
    }

    /// While a command runs, `activity` shows the last line it printed (escapes stripped),
    /// and the command is gone from it once it ends.
    #[cfg(unix)]
    #[test]
    fn activity_shows_the_last_line_a_running_command_printed() {
        let marker = "activity-test-marker";
        let handle = std::thread::spawn(move || {
            run(
                sh(&format!(
                    "printf 'Compiling a\\n\\033[1mCompiling b\\033[0m\\r\\n' >&2; sleep 2; \
                     echo {marker}"
                )),
                Streams::Combined,
                Duration::from_secs(10),
            )
            .unwrap()
        });
        let seen = (0..100).find_map(|_| {
            std::thread::sleep(Duration::from_millis(20));
            activity()
                .into_iter()
                .find(|(line, last)| line.contains(marker) && !last.is_empty())
        });
        let (_, last) = seen.expect("the running command is listed");
        assert_eq!(last, "Compiling b");
        handle.join().unwrap();
        assert!(!activity().iter().any(|(line, _)| line.contains(marker)));
    }

    #[cfg(unix)]
    fn alive(pid: i32) -> bool {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.split_whitespace().nth(2) == Some("Z"))
    }

    #[cfg(unix)]
    #[test]
    fn a_timeout_ends_the_whole_tree_within_a_second() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        // The grandchild keeps stdout open and would outlive a kill of the shell alone.
        let script = format!(
            "sleep 300 & echo $! > {}; echo started; wait",
            pidfile.display()
        );
        let started = Instant::now();
        let done = run(sh(&script), Streams::Combined, Duration::from_millis(500)).unwrap();
        let took = started.elapsed();
        assert_eq!(done.ended, Ended::TimedOut(Duration::from_millis(500)));
        assert!(took < Duration::from_millis(1500), "{took:?}");
        assert_eq!(done.stdout, "started\n");
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let gone_by = Instant::now() + Duration::from_secs(1);
        while alive(pid) && Instant::now() < gone_by {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(pid), "grandchild {pid} still running");
    }

    /// Whether `child` exits within `limit` (reaping it if so).
    #[cfg(unix)]
    fn exits_within(child: &mut std::process::Child, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// The pid a script wrote to `file`, once it is there.
    #[cfg(unix)]
    fn pid_in(file: &std::path::Path) -> i32 {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(text) = std::fs::read_to_string(file)
                && let Ok(pid) = text.trim().parse()
            {
                return pid;
            }
            assert!(Instant::now() < until, "{} never written", file.display());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The gate dying is its end of the pipe closing: the watchdog then ends every group still
    /// listed, grandchildren included, and exits; a group released before that is left alone.
    #[cfg(unix)]
    #[test]
    fn the_watchdog_ends_the_groups_still_listed_when_the_gate_dies() {
        use std::io::Write;
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("grandchild");
        let mut dog = watchdog::start().unwrap();
        let mut guarded = sh(&format!(
            "sleep 300 & echo $! > {}; wait",
            pidfile.display()
        ))
        .process_group(0)
        .spawn()
        .unwrap();
        let mut released = sh("exec sleep 300").process_group(0).spawn().unwrap();
        let grandchild = pid_in(&pidfile);
        writeln!(dog.writer, "+{}", guarded.id()).unwrap();
        writeln!(dog.writer, "+{}", released.id()).unwrap();
        writeln!(dog.writer, "-{}", released.id()).unwrap();
        drop(dog.writer);
        assert!(exits_within(&mut guarded, Duration::from_secs(3)));
        let gone_by = Instant::now() + Duration::from_secs(3);
        while alive(grandchild) && Instant::now() < gone_by {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(grandchild), "grandchild {grandchild} still running");
        assert!(exits_within(&mut dog.child, Duration::from_secs(3)));
        assert!(!exits_within(&mut released, Duration::from_millis(200)));
        released.kill().unwrap();
        released.wait().unwrap();
    }

    /// A watchdog whose gate ends with nothing listed exits at once, signalling nothing.
    #[cfg(unix)]
    #[test]
    fn a_watchdog_with_nothing_listed_exits_with_the_gate() {
        let mut dog = watchdog::start().unwrap();
        drop(dog.writer);
        let started = Instant::now();
        assert!(exits_within(&mut dog.child, Duration::from_secs(3)));
        // No `sleep 1`: nothing was listed.
        assert!(started.elapsed() < Duration::from_millis(900));
    }

    /// A watcher sees the output as it is written and can stop the command, whose whole tree
    /// then ends as at a deadline.
    #[cfg(unix)]
    #[test]
    fn a_watcher_sees_the_output_and_can_stop_the_command() {
        let mut seen = Vec::new();
        let started = Instant::now();
        let mut watch = |new: &[u8], _: Instant| {
            seen.extend_from_slice(new);
            String::from_utf8_lossy(&seen)
                .contains("ready\n")
                .then(|| "it said ready".to_owned())
        };
        let done = run_watched(
            sh("echo ready; sleep 300 & wait"),
            Streams::Combined,
            Duration::from_secs(60),
            Some(&mut watch),
        )
        .unwrap();
        assert_eq!(done.ended, Ended::Stopped("it said ready".into()));
        assert_eq!(done.stdout, "ready\n");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_command_that_ignores_sigterm_is_killed() {
        let started = Instant::now();
        let done = run(
            sh("trap '' TERM; while :; do sleep 0.05; done"),
            Streams::Combined,
            Duration::from_millis(200),
        )
        .unwrap();
        assert!(matches!(done.ended, Ended::TimedOut(_)));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[cfg(unix)]
    #[test]
    fn exit_codes_and_separate_streams() {
        let done = run(
            sh("echo out; echo err >&2; exit 3"),
            Streams::Separate,
            Duration::from_secs(30),
        )
        .unwrap();
        assert_eq!(done.ended, Ended::Exited(Some(3)));
        assert_eq!(
            (done.stdout.as_str(), done.stderr.as_str()),
            ("out\n", "err\n")
        );
        let out = output(sh("printf x; exit 0")).unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"x");
        assert_eq!(output(sh("exit 4")).unwrap().status.code(), Some(4));
    }

    #[cfg(unix)]
    #[test]
    fn an_overflowing_time_limit_is_no_limit_not_a_panic() {
        let done = run(sh("exit 0"), Streams::Combined, Duration::MAX).unwrap();
        assert!(done.success());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn memory_stays_bounded_whatever_the_command_prints() {
        // 96 MiB of output; the gate keeps at most CAP of it.
        let done = run(
            sh("head -c 100663296 /dev/zero | tr '\\0' 'x'"),
            Streams::Combined,
            Duration::from_secs(120),
        )
        .unwrap();
        assert!(done.success());
        assert!(
            done.stdout.len() as u64 <= CAP + 200,
            "{}",
            done.stdout.len()
        );
        assert!(done.stdout.contains("bytes of output cut by cargo-gate"));
    }

    // The tests below run on every platform (under Wine too), with this test binary as the
    // command: `child` is what it does when started by them. Whether a process is still alive
    // is read from a lock it holds: the system frees a file lock only when its holder is gone.

    /// This test binary, started to run `child` with `task` (`hold:FILE`, `parent:FILE`,
    /// `ready:FILE`, `interrupt:FILE`).
    fn child_command(task: &str) -> Command {
        crate::checks::testing::child_test("tools::process::tests::child", task)
    }

    /// Whether some live process holds the lock on `file`.
    fn held(file: &std::path::Path) -> bool {
        std::fs::File::open(file).is_ok_and(|f| f.try_lock().is_err())
    }

    /// Waits up to `limit` for `file`'s lock to be `wanted` (held or free); whether it was.
    /// How soon a killed holder's lock must be free: generous, since a second is tight on a
    /// loaded 2-core CI machine running the whole suite; a holder that leaked holds its lock
    /// forever, so this bound still catches it.
    const RELEASED_WITHIN: Duration = Duration::from_secs(5);

    fn lock_becomes(file: &std::path::Path, wanted: bool, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        loop {
            if held(file) == wanted {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the commands of these tests do, told by `GATE_TEST_CHILD`; nothing without it.
    #[test]
    #[ignore = "the command the process tests start; runs only when they start it"]
    #[expect(clippy::print_stdout, reason = "what it prints is what the tests read")]
    fn child() {
        let Some(task) = crate::checks::testing::child_task() else {
            return;
        };
        let (what, file) = task.split_once(':').unwrap();
        let hold = || -> ! {
            let lock = std::fs::File::create(file).unwrap();
            lock.lock().unwrap();
            loop {
                std::thread::sleep(Duration::from_secs(1));
            }
        };
        match what {
            // Holds the lock on `file` until killed.
            "hold" => hold(),
            // Starts a grandchild that holds `file` and shares this one's output, says so once
            // it holds it, and waits for it.
            "parent" => {
                let mut grandchild = child_command(&format!("hold:{file}")).spawn().unwrap();
                assert!(lock_becomes(
                    std::path::Path::new(file),
                    true,
                    Duration::from_secs(30)
                ));
                println!("started");
                grandchild.wait().unwrap();
            }
            // Writes lines over time, then `ready`, then holds `file`.
            "ready" => {
                for line in ["one", "two", "ready"] {
                    println!("{line}");
                    std::thread::sleep(Duration::from_millis(100));
                }
                hold()
            }
            // Runs a `parent:file` through the runner and is interrupted once the grandchild
            // holds `file`: on Unix by a real SIGINT to this process, through the handler the
            // gate installs; on Windows by the flag that handler sets (a console Ctrl-C cannot
            // be sent from safe code). Prints how the command ended.
            "interrupt" => {
                install_interrupt_handler();
                let held_file = std::path::PathBuf::from(file);
                std::thread::spawn(move || {
                    assert!(lock_becomes(&held_file, true, Duration::from_secs(30)));
                    #[cfg(unix)]
                    nix::sys::signal::raise(nix::sys::signal::Signal::SIGINT).unwrap();
                    #[cfg(not(unix))]
                    INTERRUPTED.store(true, Ordering::SeqCst);
                });
                let done = run(
                    child_command(&format!("parent:{file}")),
                    Streams::Combined,
                    Duration::from_secs(60),
                )
                .unwrap();
                println!("ended: {:?}", done.ended);
            }
            // Plays the gate: runs a `parent:file` through the runner until it is killed.
            "gate" => {
                println!("gate {}", std::process::id());
                let _ = run(
                    child_command(&format!("parent:{file}")),
                    Streams::Combined,
                    Duration::from_secs(120),
                );
            }
            other => panic!("unknown task {other}"),
        }
    }

    /// A gate killed outright (SIGKILL, TerminateProcess: no code of its own runs) leaves
    /// nothing of the command it ran: the watchdog on Unix, the Job Object that ends with
    /// the gate's handle on Windows.
    #[test]
    fn nothing_outlives_a_killed_gate() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("orphan.lock");
        let mut gate = child_command(&format!("gate:{}", lock.display()))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            lock_becomes(&lock, true, Duration::from_secs(30)),
            "the grandchild never started"
        );
        gate.kill().unwrap();
        gate.wait().unwrap();
        assert!(
            lock_becomes(&lock, false, RELEASED_WITHIN + Duration::from_secs(2)),
            "the gate's grandchild outlived it"
        );
    }

    /// A grandchild that keeps the output open is ended with its parent at the deadline,
    /// soon after it (the process group on Unix, the Job Object on Windows).
    #[test]
    fn a_timeout_ends_a_grandchild_holding_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("grandchild.lock");
        let limit = Duration::from_secs(20);
        let mut watch = |new: &[u8], _: Instant| {
            // Waits until the grandchild holds its lock, then lets the deadline come soon.
            (String::from_utf8_lossy(new).contains("started")).then(String::new)
        };
        // Stopped by the watcher once started, as a deadline would: the same ending.
        let started = Instant::now();
        let done = run_watched(
            child_command(&format!("parent:{}", lock.display())),
            Streams::Combined,
            limit,
            Some(&mut watch),
        )
        .unwrap();
        assert_eq!(done.ended, Ended::Stopped(String::new()), "{}", done.stdout);
        assert!(done.stdout.contains("started"), "{}", done.stdout);
        assert!(
            lock_becomes(&lock, false, RELEASED_WITHIN),
            "the grandchild still runs"
        );
        assert!(started.elapsed() < limit);

        // And by the deadline itself, with nothing watching.
        let lock = dir.path().join("second.lock");
        let done = run(
            child_command(&format!("hold:{}", lock.display())),
            Streams::Combined,
            Duration::from_secs(3),
        )
        .unwrap();
        assert_eq!(done.ended, Ended::TimedOut(Duration::from_secs(3)));
        assert!(lock_becomes(&lock, false, RELEASED_WITHIN));
    }

    /// The watcher sees each line as it is written (on Windows through the append-only output
    /// file), and what it sees is the output, unbroken.
    #[test]
    fn a_watcher_sees_each_line_as_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("ready.lock");
        let mut seen = Vec::new();
        let mut calls_with_output = 0;
        let mut watch = |new: &[u8], _: Instant| {
            if !new.is_empty() {
                calls_with_output += 1;
            }
            seen.extend_from_slice(new);
            String::from_utf8_lossy(&seen)
                .contains("ready\n")
                .then(|| "it said ready".to_owned())
        };
        let done = run_watched(
            child_command(&format!("ready:{}", lock.display())),
            Streams::Combined,
            Duration::from_secs(60),
            Some(&mut watch),
        )
        .unwrap();
        assert_eq!(done.ended, Ended::Stopped("it said ready".into()));
        let text = done.stdout.replace("\r\n", "\n");
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| ["one", "two", "ready"].contains(l))
            .collect();
        assert_eq!(lines, ["one", "two", "ready"], "{}", done.stdout);
        assert!(
            calls_with_output >= 2,
            "seen all at once: {calls_with_output}"
        );
        assert!(lock_becomes(&lock, false, RELEASED_WITHIN));
    }

    /// Ctrl-C of the gate ends the command it runs, grandchild included, and the command ends
    /// as interrupted. Runs in a child process of its own: the flag is process-wide.
    #[test]
    fn an_interrupt_ends_the_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("interrupted.lock");
        let done = run(
            child_command(&format!("interrupt:{}", lock.display())),
            Streams::Combined,
            Duration::from_secs(60),
        )
        .unwrap();
        assert!(done.success(), "{}", done.stdout);
        assert!(
            done.stdout.contains("ended: Interrupted"),
            "{}",
            done.stdout
        );
        assert!(lock_becomes(&lock, false, RELEASED_WITHIN));
    }

    /// Exit codes and the two streams kept apart, on every platform.
    #[test]
    fn exit_codes_and_separate_streams_of_the_platform_shell() {
        let cmd = if cfg!(windows) {
            let mut cmd = Command::new("cmd");
            cmd.args(["/C", "echo out& echo err>&2& exit 3"]);
            cmd
        } else {
            sh("echo out; echo err >&2; exit 3")
        };
        let done = run(cmd, Streams::Separate, Duration::from_secs(30)).unwrap();
        assert_eq!(done.ended, Ended::Exited(Some(3)));
        assert_eq!(
            (done.stdout.trim_end(), done.stderr.trim_end()),
            ("out", "err")
        );
    }

    #[test]
    fn a_missing_program_is_an_error_not_a_result() {
        let err = run(
            Command::new("definitely-not-a-program-xyz"),
            Streams::Combined,
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
