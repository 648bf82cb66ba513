//! Atomic file writes: the bytes go to a temporary file in the target's directory, are
//! flushed to disk, and the file is renamed over the target (tempfile's `persist`). A reader
//! sees the old file or the new one, never a torn one; a crash leaves at most a stray
//! temporary file, never a half-written target ([`write_unsynced`], for hints that are
//! redone when lost, skips the flush).
//!
//! Whole directories are staged the same way: built beside their final place (the same file
//! system), each file written and synced ([`write_synced`]), then moved into place with one
//! rename ([`move_dir`]), so a reader finds the directory complete or not at all.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically, creating missing parent directories.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, |file| file.write_all(bytes))
}

/// [`write()`] without flushing to disk first: a reader still sees the old file or the whole
/// new one, but after a machine crash the file may be empty. For what a run keeps only as a
/// hint that is redone when it is missing or wrong, never trusted (a build's record of what
/// it compiled, a test runner's result in the run's scratch directory): each such file
/// cost a disk flush, about a millisecond here, one after another on a test run's path.
pub fn write_unsynced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_to(path, |file| file.write_all(bytes), false)
}

/// Writes `path` atomically through `fill`, which writes the contents into the temporary
/// file; nothing replaces `path` unless `fill` succeeds.
pub fn write_with(path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    write_to(path, fill, true)
}

fn write_to(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
    synced: bool,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut temp = temp_beside(dir)?;
    fill(temp.as_file_mut())?;
    if synced {
        temp.as_file().sync_all()?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes a new file inside a directory being staged and syncs it to disk. Not atomic on its
/// own: the directory around it is what [`move_dir`] moves into place whole.
pub fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Moves the directory `from`, staged beside its final place, to `to` with one rename (the
/// same file system): readers see it complete or not at all. The one home of a directory
/// rename, which `clippy.toml` forbids everywhere else.
pub fn move_dir(from: &Path, to: &Path) -> io::Result<()> {
    #[expect(
        clippy::disallowed_methods,
        reason = "a staged directory is moved into place whole"
    )]
    std::fs::rename(from, to)
}

/// A temporary file in `dir` (`.gate-*.tmp`), removed on drop unless persisted. Created with
/// the permissions an ordinary file gets (`0o666` less the umask on Unix), not tempfile's
/// owner-only default: what is persisted is a normal file of the workspace.
pub fn temp_beside(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".gate-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Writes `bytes` to `path` atomically unless the file already holds exactly them (keeps
/// modification times, and so cargo's rebuild decisions, still).
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    write(path, bytes)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/a.json");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        write_unsynced(&path, b"three").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.json"]);
    }

    #[test]
    fn a_failed_fill_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        write(&path, b"old").unwrap();
        let err = write_with(&path, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_gets_ordinary_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        write(&path, b"x").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        // Readable by group and others under any usual umask (022, 002), unlike 0o600.
        assert_eq!(mode & 0o044, 0o044, "{mode:o}");
    }

    #[test]
    fn unchanged_bytes_are_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        assert!(write_if_changed(&path, b"x").unwrap());
        assert!(!write_if_changed(&path, b"x").unwrap());
        assert!(write_if_changed(&path, b"y").unwrap());
    }
}
