//! A command's output, carried to the gate's private file through a pipe (Unix).
//!
//! A file handed to a command as its stdout is a file every process it starts can reach: a
//! test could open `/proc/<its parent>/fd/1` and rewrite what the run printed before the gate
//! read it (the thirteenth session's hostile trial turned a binary's `test result: FAILED.`
//! into `ok.` so, and its forged report then matched the log). Through a pipe a process can
//! only add to the stream, never change what was printed; a thread of the gate drains it into
//! the file, whose handle no child inherits.
//!
//! What a command prints is kept whole up to [`DISK_CAP`]; past it only the last `KEPT`
//! bytes are kept in memory and written at the end, after a line that says how much was cut
//! (a test printing gigabytes filled the disk before).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The most of one command's output written to its file; the rest is cut but its end kept.
pub const DISK_CAP: u64 = 1 << 30;

/// How much of the end is kept past [`DISK_CAP`]: as much as the gate reads back of a
/// command's output (`process::CAP`).
const KEPT: usize = 32 << 20;

/// How long the gate keeps reading after the command ended while nothing more arrives (a
/// process it started and left behind may hold the pipe open): the same grace as the test
/// runner's.
const IDLE: Duration = Duration::from_secs(2);

/// One pipe's drain: the thread copying it into the file, and what it has done.
#[derive(Debug)]
pub struct Drain {
    progress: Arc<Progress>,
    done: std::sync::mpsc::Receiver<()>,
}

#[derive(Debug, Default)]
struct Progress {
    /// Bytes read from the pipe so far.
    read: AtomicU64,
    /// Whether the thread is between a read and the end of its write.
    writing: AtomicBool,
}

impl Drain {
    /// A pipe whose read end a new thread copies into `file`: the write end is the command's.
    pub fn start(file: &File) -> std::io::Result<(std::io::PipeWriter, Drain)> {
        let (reader, writer) = std::io::pipe()?;
        let sink = file.try_clone()?;
        let progress = Arc::new(Progress::default());
        let (tell, done) = std::sync::mpsc::channel();
        let shared = Arc::clone(&progress);
        std::thread::spawn(move || {
            copy(reader, sink, &shared);
            let _ = tell.send(());
        });
        Ok((writer, Drain { progress, done }))
    }

    /// Waits, once the command has ended, for its output to be in the file: until the pipe
    /// closes, or nothing has arrived for `IDLE`, or `after_end` has passed, or `deadline`
    /// (the command's own limit). A thread still blocked on a pipe a leftover process holds
    /// is left to it.
    pub fn finish(self, deadline: Option<Instant>, after_end: Duration) {
        let end = Instant::now() + after_end;
        let deadline = Some(deadline.map_or(end, |d| d.min(end)));
        let mut seen = self.progress.read.load(Ordering::Relaxed);
        loop {
            match self.done.recv_timeout(IDLE) {
                Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    let now = self.progress.read.load(Ordering::Relaxed);
                    let writing = self.progress.writing.load(Ordering::Relaxed);
                    let late = deadline.is_some_and(|d| Instant::now() >= d);
                    if (now == seen && !writing) || late {
                        return;
                    }
                    seen = now;
                }
            }
        }
    }
}

/// Copies `reader` into `sink` until the pipe closes: the first [`DISK_CAP`] bytes as they
/// come, then the last `KEPT` kept in memory and written at the end.
fn copy(mut reader: std::io::PipeReader, mut sink: File, progress: &Progress) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    let mut tail: VecDeque<u8> = VecDeque::new();
    let mut cut = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        progress.writing.store(true, Ordering::Relaxed);
        progress.read.fetch_add(n as u64, Ordering::Relaxed);
        if written < DISK_CAP {
            if sink.write_all(&buf[..n]).is_err() {
                progress.writing.store(false, Ordering::Relaxed);
                break;
            }
            written += n as u64;
        } else {
            tail.extend(&buf[..n]);
            if tail.len() > KEPT {
                let excess = tail.len() - KEPT;
                tail.drain(..excess);
                cut += excess as u64;
            }
        }
        progress.writing.store(false, Ordering::Relaxed);
    }
    if !tail.is_empty() || cut > 0 {
        let note = format!(
            "\n[… {cut} bytes of output cut by cargo-gate past {} MiB (kept the first and last) …]\n",
            DISK_CAP >> 20
        );
        let (a, b) = tail.as_slices();
        let _ = sink
            .write_all(note.as_bytes())
            .and_then(|()| sink.write_all(a))
            .and_then(|()| sink.write_all(b));
    }
}
