//! Whether the tree is still the one a digest was taken of, told without reading it again:
//! every file's length, inode, device and change time (`ctime`, which no user can set back;
//! `touch -r` restores the modification time only) as they were just before the digest was
//! taken. A file changed less than [`RACY`] before that moment proves nothing (a write in
//! the same tick of a coarse clock leaves the change time as it was), as git treats a racily
//! clean index entry; then, or when anything differs, the tree is hashed again. Off Unix
//! there is no change time: the tree is always hashed again.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// How long before the digest a file must have last changed for its stamp to prove it
/// unchanged: more than the coarsest file-system clock (FAT's 2 s).
const RACY: Duration = Duration::from_secs(3);

/// One file's identity and last change, as the file system reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    len: u64,
    ino: u64,
    dev: u64,
    ctime: i64,
    ctime_nsec: i64,
}

/// The stamps of a tree's files (in its listing's order), taken at `at`, just before their
/// digests.
#[derive(Debug, Clone)]
pub(super) struct Stamped {
    at: SystemTime,
    stamps: Vec<Option<Stamp>>,
}

/// The stamp of the file (or link) at `path`; `None` where it cannot be read, or off Unix.
fn stamp(path: &Path) -> Option<Stamp> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(path).ok()?;
        Some(Stamp {
            len: meta.len(),
            ino: meta.ino(),
            dev: meta.dev(),
            ctime: meta.ctime(),
            ctime_nsec: meta.ctime_nsec(),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

impl Stamped {
    /// The stamps of `paths`, now: take them before the digests, so a write during the
    /// digest shows as a change.
    pub(super) fn take(paths: &[&Path]) -> Stamped {
        Stamped {
            at: SystemTime::now(),
            stamps: paths.iter().map(|p| stamp(p)).collect(),
        }
    }

    /// Whether `paths` (the tree listed again, in the same order as when stamped) are
    /// provably the files stamped: the same list, every file stamped, changed safely before
    /// the stamps were taken, and stamped the same now. `false` says only "not proven".
    pub(super) fn still(&self, paths: &[&Path]) -> bool {
        paths.len() == self.stamps.len()
            && paths.iter().zip(&self.stamps).all(|(path, then)| {
                then.as_ref().is_some_and(|then| {
                    then.settled_at(self.at) && stamp(path).as_ref() == Some(then)
                })
            })
    }
}

impl Stamp {
    /// Whether the file had last changed more than [`RACY`] before `at`.
    fn settled_at(&self, at: SystemTime) -> bool {
        let Some(safe) = at
            .checked_sub(RACY)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        else {
            return false;
        };
        i64::try_from(safe.as_secs()).is_ok_and(|secs| {
            (self.ctime, self.ctime_nsec) < (secs, i64::from(safe.subsec_nanos()))
        })
    }
}

/// The stamp of the file at `path` as a key's text, when it proves the file's content as of
/// `at`: the file had last changed more than [`RACY`] before. `None`: changed too recently,
/// unreadable, or off Unix (no change time): then nothing is keyed by it.
pub(crate) fn settled(path: &Path, at: SystemTime) -> Option<String> {
    let s = stamp(path)?;
    s.settled_at(at).then(|| {
        format!(
            "len {} ino {} dev {} ctime {}.{:09}",
            s.len, s.ino, s.dev, s.ctime, s.ctime_nsec
        )
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A file stamped long after its last change is proven unchanged until it changes: any
    /// write (its content put back, its modification time restored) or a new file breaks
    /// the proof; one changed just before the stamps proves nothing.
    #[test]
    fn a_stamp_proves_a_file_unchanged_only_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.rs");
        std::fs::write(&file, "fn a() {}\n").unwrap();
        let paths = [file.as_path()];
        // Changed just now: racy, proves nothing.
        assert!(!Stamped::take(&paths).still(&paths));
        // As if stamped well after the last change.
        let mut old = Stamped::take(&paths);
        old.at += RACY + Duration::from_secs(1);
        assert!(old.still(&paths));
        let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::fs::write(&file, "fn a() {}\n").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        assert!(
            !old.still(&paths),
            "a write behind a restored mtime is a change"
        );
        let other = dir.path().join("b.rs");
        std::fs::write(&other, "").unwrap();
        assert!(!old.still(&[file.as_path(), other.as_path()]));
    }
}
