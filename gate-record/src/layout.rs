//! The record's layout on disk and its locks: the output lock, the history file (read,
//! appended, repaired), the run directories and their files, and recovery from a killed run.

use gate_formats::run_record::{ArtifactDigest, HistoryEntry, MANIFEST_SCHEMA, Manifest};
use gate_support::digest::{sha256_file, sha256_hex};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// `<out>/.lock`, held exclusively: the one writer of `history.jsonl` and of `runs/<id>`
/// renames. `verify` takes it only to snapshot the history and the listing of `runs/`.
#[derive(Debug)]
pub(crate) struct OutLock {
    _file: File,
}

/// The longest a writer waits for the output lock. Another run holds it only while it
/// finishes its record (milliseconds); past this, a process holds it that will not let go (a
/// test's leftover in a session of its own held it for as long as it lived).
pub(crate) const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

impl OutLock {
    pub(crate) fn acquire(out: &Path) -> std::io::Result<OutLock> {
        Self::acquire_within(out, LOCK_WAIT)
    }

    pub(crate) fn acquire_within(
        out: &Path,
        wait: std::time::Duration,
    ) -> std::io::Result<OutLock> {
        // Never waits on a FIFO put in its place: refused, named.
        let file = gate_support::read::open_regular_with(
            &out.join(".lock"),
            OpenOptions::new().create(true).append(true),
        )?;
        let started = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(OutLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::WouldBlock,
                        format!(
                            "another process has held the output lock for {} s (another `cargo \
                             gate` run writing here, or a process a run left behind: `fuser` \
                             names it); end it, or give this run another --out",
                            wait.as_secs()
                        ),
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
        }
    }
}

/// Removes what killed runs left under `runs/`: temporary run directories whose
/// `.tmp-<id>.lock` nobody holds, and lock files nobody holds (a run killed between creating
/// its lock and its directory, or between renaming its directory into place and removing the
/// lock). A directory or lock still in use is never touched. Only called under the output
/// lock, which every writer also holds from creating its lock file until it holds the lock.
pub(super) fn remove_abandoned(runs: &Path, _held: &OutLock) {
    let Ok(dir) = fs::read_dir(runs) else {
        return;
    };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(".tmp-") {
            continue;
        }
        let (dir_path, lock_path) = match name.strip_suffix(".lock") {
            // The lock of a run killed between renaming its directory into place and
            // appending its history line is the only evidence that the run is complete and
            // merely unlisted: [`recover`] reads it, then removes it.
            Some(stem)
                if stem
                    .strip_prefix(".tmp-")
                    .is_some_and(|id| runs.join(id).is_dir()) =>
            {
                continue;
            }
            Some(stem) => (runs.join(stem), entry.path()),
            None if entry.file_type().is_ok_and(|t| t.is_dir()) => {
                (entry.path(), runs.join(format!("{name}.lock")))
            }
            None => continue,
        };
        // A lock file is a regular file a writer made; anything else there (a FIFO would
        // block the open) is not a writer's and is left alone.
        if fs::symlink_metadata(&lock_path).is_ok_and(|m| !m.is_file()) {
            continue;
        }
        let Ok(lock) = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
        else {
            continue;
        };
        if lock.try_lock().is_ok() {
            let _ = fs::remove_dir_all(&dir_path);
            let _ = fs::remove_file(&lock_path);
        }
    }
}

/// Repairs, under the output lock, what a run killed while finishing left behind, and says
/// what it did: an unfinished last line of history is cut off (it is rebuilt from its
/// manifest below), and each complete run directory that links to the history's head but is
/// not in history gets its line — only when the run's own lock file (`.tmp-<id>.lock`, which
/// a writer removes after appending its line) is still there and nobody holds it: that is
/// what a kill between the rename and the append leaves. A run directory whose line was
/// deleted has no such lock, is never re-listed, and `verify` names it. Also removes
/// abandoned temporary directories and lock files.
pub(crate) fn recover(out: &Path, held: &OutLock) -> std::io::Result<Vec<String>> {
    let mut notes = Vec::new();
    let history_path = out.join("history.jsonl");
    match gate_support::read::bytes_capped(&history_path, MAX_HISTORY) {
        Ok(bytes) if !bytes.is_empty() && bytes.last() != Some(&b'\n') => {
            let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            OpenOptions::new()
                .write(true)
                .open(&history_path)?
                .set_len(keep as u64)?;
            notes.push(format!(
                "removed an unfinished last line of history.jsonl ({} byte(s) a killed run \
                 was writing)",
                bytes.len() - keep
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let runs = out.join("runs");
    remove_abandoned(&runs, held);
    let entries: Vec<HistoryEntry> = read_history(&history_path)?
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    let mut known: std::collections::BTreeSet<String> =
        entries.iter().map(|e| e.run_id.clone()).collect();
    let mut head = entries.last().map(HistoryEntry::link);
    'next: loop {
        let Ok(dir) = fs::read_dir(&runs) else {
            break;
        };
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || known.contains(&name) || !abandoned(&runs, &name) {
                continue;
            }
            let path = entry.path().join("manifest.json");
            if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                continue;
            }
            let bytes = fs::read(&path)?;
            let Ok(manifest) = serde_json::from_slice::<Manifest>(&bytes) else {
                continue;
            };
            if manifest.schema_version != MANIFEST_SCHEMA
                || manifest.run_id != name
                || manifest.previous != head
            {
                continue;
            }
            let line = HistoryEntry::of(&manifest, &sha256_hex(&bytes));
            append_history(&history_path, &line)?;
            notes.push(format!(
                "appended run {name} to history.jsonl: it was complete, but its run was killed \
                 before the history line was written"
            ));
            head = Some(line.link());
            known.insert(name);
            continue 'next;
        }
        break;
    }
    // The evidence is used: the locks of runs now listed go (an unlisted run keeps its lock
    // only while it does not link to the head, which never changes by itself).
    for id in &known {
        let lock = runs.join(format!(".tmp-{id}.lock"));
        if lock.exists() && abandoned(&runs, id) {
            let _ = fs::remove_file(&lock);
        }
    }
    Ok(notes)
}

/// Whether run `id` left its lock file behind and nobody holds it (its writer is gone).
fn abandoned(runs: &Path, id: &str) -> bool {
    let path = runs.join(format!(".tmp-{id}.lock"));
    if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    OpenOptions::new()
        .write(true)
        .open(&path)
        .is_ok_and(|lock| lock.try_lock().is_ok())
}

/// Appends one line. Callers hold the output lock and have run [`recover`], so the file ends
/// with a newline (or is empty) and the line is written whole in one call.
pub(super) fn append_history(path: &Path, entry: &HistoryEntry) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    let mut line = serde_json::to_vec(entry).expect("entry serialises");
    line.push(b'\n');
    file.write_all(&line)?;
    file.sync_data()
}

/// Every line of `history.jsonl`, parsed (a missing file is an empty history). Blank lines
/// are skipped; a malformed line is returned as its 1-based line number. This is the index
/// only: judge from [`read_chain`](super::read_chain), which checks each line against its manifest.
pub fn read_history(path: &Path) -> std::io::Result<Vec<Result<HistoryEntry, usize>>> {
    Ok(history_lines(path)?
        .into_iter()
        .map(|(n, parsed)| parsed.map_err(|()| n))
        .collect())
}

/// The most history.jsonl is read for: about half a million runs' lines. A larger one is
/// refused, named, rather than read into memory whole.
pub(crate) const MAX_HISTORY: u64 = 256 << 20;

/// `(1-based line number, parsed entry)` for each non-blank line.
pub(super) fn history_lines(
    path: &Path,
) -> std::io::Result<Vec<(usize, Result<HistoryEntry, ()>)>> {
    let text = match gate_support::read::bytes_capped(path, MAX_HISTORY) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, serde_json::from_str(l).map_err(|_| ())))
        .collect())
}

/// Every file under `dir` except `manifest.json`, sorted, with digests. Anything that is not
/// a regular file or a directory (a symlink, a FIFO a check left behind) is refused by name:
/// a record holds what was written, never what a link points at.
pub(super) fn list_artifacts(dir: &Path) -> std::io::Result<Vec<ArtifactDigest>> {
    let mut out = Vec::new();
    for (rel, kind) in list_files(dir)? {
        if let FileKind::Other(what) = kind {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "{rel} in the run directory is a {what}, not a regular file: a run record \
                     holds regular files only (remove what a check or test left there)"
                ),
            ));
        }
        if rel == "manifest.json" {
            continue;
        }
        let (sha256, size) = sha256_file(&dir.join(&rel))?;
        out.push(ArtifactDigest {
            path: rel,
            sha256,
            size,
        });
    }
    Ok(out)
}

/// What a directory entry is, read without following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// A regular file.
    File,
    /// Anything else (symlink, FIFO, socket, device), named.
    Other(&'static str),
}

pub fn file_kind(meta: &fs::Metadata) -> FileKind {
    let t = meta.file_type();
    if t.is_file() {
        FileKind::File
    } else if t.is_symlink() {
        FileKind::Other("symbolic link")
    } else if t.is_dir() {
        FileKind::Other("directory")
    } else {
        FileKind::Other("special file (FIFO, socket or device)")
    }
}

/// Every non-directory entry under `dir`, as sorted `/`-separated relative paths with their
/// kind. Links are never followed.
pub(crate) fn list_files(dir: &Path) -> std::io::Result<Vec<(String, FileKind)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d)? {
            let entry = entry?;
            let meta = fs::symlink_metadata(entry.path())?;
            if meta.is_dir() {
                stack.push(entry.path());
                continue;
            }
            let rel = entry.path();
            let rel = rel.strip_prefix(dir).expect("under dir");
            out.push((rel.to_string_lossy().replace('\\', "/"), file_kind(&meta)));
        }
    }
    out.sort();
    Ok(out)
}

/// A run id names one directory under `runs/`: one path component, not hidden.
pub(crate) fn is_run_dir_name(id: &str) -> bool {
    !id.is_empty() && !id.starts_with('.') && !id.contains(['/', '\\', '\0']) && !id.contains(':')
}
