//! Reading a file that someone else wrote, bounded: only a regular file is read (a FIFO
//! would block, `/dev/zero` never ends), it is opened without blocking and checked *after*
//! it is open (so a FIFO swapped in between a check and the open cannot block either), and
//! no more than a cap is read. Every error names the file, and the cap when it was passed.

use std::fs::File;
use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// Opens `path` for reading, if it is a regular file (symlinks followed), without ever
/// blocking: on Unix with `O_NONBLOCK` (opening a FIFO that has no writer returns at once),
/// and the open file's own type is what is checked.
///
/// # Errors
/// Not found or unreadable; a directory; not a regular file (a FIFO, a socket or a device).
pub fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    open_regular_with(path, &mut options)
}

/// [`open_regular`] with `options` (to append to a file, or create it): opened without
/// blocking, and refused unless the open file is a regular one.
///
/// # Errors
/// As [`open_regular`].
pub fn open_regular_with(path: &Path, options: &mut std::fs::OpenOptions) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| named(path, e))?;
    let kind = file.metadata().map_err(|e| named(path, e))?.file_type();
    if kind.is_file() {
        return Ok(file);
    }
    let what = if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file (a FIFO, a socket or a device)"
    };
    Err(Error::new(
        ErrorKind::InvalidInput,
        format!("{} is {what}", path.display()),
    ))
}

/// The most a TOML file the gate reads (a manifest, a toolchain file, a cargo configuration
/// and what it includes) may hold: the largest real ones are tens of KiB.
pub const TOML_CAP: u64 = 4 << 20;

/// The bytes of the regular file at `path`, if it holds at most `cap` of them.
///
/// # Errors
/// As [`open_regular`]; larger than `cap` (the error says the cap).
pub fn bytes_capped(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    bytes_capped_into(path, cap, &mut bytes)?;
    Ok(bytes)
}

/// [`bytes_capped`] into `buf`, cleared first: a reader of many files reuses one buffer. A
/// file whose length is over `cap` when opened is refused before any of it is read.
///
/// # Errors
/// As [`bytes_capped`].
pub fn bytes_capped_into(path: &Path, cap: u64, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.clear();
    let file = open_regular(path)?;
    let too_large = || {
        Error::new(
            ErrorKind::FileTooLarge,
            format!(
                "{} is larger than the {} this file may hold",
                path.display(),
                size(cap)
            ),
        )
    };
    let len = file.metadata().map_err(|e| named(path, e))?.len();
    if len > cap {
        return Err(too_large());
    }
    buf.try_reserve_exact(usize::try_from(len).unwrap_or(0))
        .map_err(|e| named(path, Error::new(ErrorKind::OutOfMemory, e)))?;
    file.take(cap.saturating_add(1))
        .read_to_end(buf)
        .map_err(|e| named(path, e))?;
    if buf.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(())
}

/// The text of the regular file at `path`, if it holds at most `cap` bytes of UTF-8.
///
/// # Errors
/// As [`bytes_capped`]; not UTF-8.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("CMakeLists.txt");
/// std::fs::write(&path, "project(p LANGUAGES CUDA)\n")?;
/// assert_eq!(gate_support::read::text_capped(&path, 1024)?, "project(p LANGUAGES CUDA)\n");
/// assert!(gate_support::read::text_capped(&path, 4).is_err());
/// assert!(gate_support::read::text_capped(dir.path(), 1024).is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn text_capped(path: &Path, cap: u64) -> std::io::Result<String> {
    let bytes = bytes_capped(path, cap)?;
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!("{} is not UTF-8 text ({e})", path.display()),
        )
    })
}

/// Refuses a path of the tree at `root` that leads out of it through a symlink (a committed
/// `gate.toml` that links to `/dev/zero` or to a file of the machine's): only what the
/// repository holds is read as the repository's.
///
/// # Errors
/// `path`, resolved, is not under `root`, resolved (the error names both); either cannot be
/// resolved (not found).
pub fn inside(root: &Path, path: &Path) -> std::io::Result<()> {
    let real_root = root.canonicalize().map_err(|e| named(root, e))?;
    let real = path.canonicalize().map_err(|e| named(path, e))?;
    if real.starts_with(&real_root) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InvalidInput,
        format!(
            "{} is a link out of the repository (to {})",
            path.display(),
            real.display()
        ),
    ))
}

/// `cap` for people: `64 KiB`, `16 MiB`, `100 bytes`.
fn size(cap: u64) -> String {
    match cap {
        c if c >= 1 << 20 && c % (1 << 20) == 0 => format!("{} MiB", c >> 20),
        c if c >= 1 << 10 && c % (1 << 10) == 0 => format!("{} KiB", c >> 10),
        c => format!("{c} bytes"),
    }
}

/// `err` with the file's name in front (kept as it is when it already names it).
fn named(path: &Path, err: Error) -> Error {
    let shown = path.display().to_string();
    if err.to_string().contains(&shown) {
        return err;
    }
    Error::new(err.kind(), format!("{shown}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_fifo_a_device_and_a_directory_are_refused_at_once_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("gate.toml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let err = text_capped(&fifo, 1024).unwrap_err();
            assert!(err.to_string().contains("gate.toml"), "{err}");
            assert!(err.to_string().contains("FIFO"), "{err}");
        }
        let err = bytes_capped(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(err.to_string().contains("/dev/zero"), "{err}");
        let err = bytes_capped(dir.path(), 1024).unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_tree_is_refused_and_one_inside_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(root.join("conf")).unwrap();
        std::fs::write(root.join("conf/gate.toml"), "").unwrap();
        std::os::unix::fs::symlink("conf/gate.toml", root.join("gate.toml")).unwrap();
        inside(&root, &root.join("gate.toml")).unwrap();
        std::fs::remove_file(root.join("gate.toml")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("gate.toml")).unwrap();
        let err = inside(&root, &root.join("gate.toml")).unwrap_err();
        assert!(
            err.to_string().contains("link out of the repository"),
            "{err}"
        );
        assert!(err.to_string().contains("/dev/zero"), "{err}");
    }

    #[test]
    fn the_cap_is_named_and_a_missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'a'; 2048]).unwrap();
        let err = bytes_capped(&big, 1024).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::FileTooLarge);
        assert!(err.to_string().contains("1 KiB"), "{err}");
        assert_eq!(bytes_capped(&big, 2048).unwrap().len(), 2048);
        let err = text_capped(&dir.path().join("absent.toml"), 10).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("absent.toml"), "{err}");
        std::fs::write(&big, [0xff, 0xfe]).unwrap();
        assert!(
            text_capped(&big, 10)
                .unwrap_err()
                .to_string()
                .contains("UTF-8")
        );
        assert_eq!(size(100), "100 bytes");
        assert_eq!(size(16 << 20), "16 MiB");
    }
}
