//! Reading a file that someone else wrote, bounded: only a regular file is opened for reading
//! (a FIFO would block, `/dev/zero` never ends), and no more than a cap is read.

use std::io::Read;
use std::path::Path;

/// The text of the regular file at `path`, if it holds at most `cap` bytes of UTF-8.
///
/// # Errors
/// Not found or unreadable; not a regular file (a FIFO, a device, a directory: the error says
/// which); larger than `cap`; not UTF-8.
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
    use std::io::{Error, ErrorKind};
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, a socket or a device)"
        };
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{} is {what}", path.display()),
        ));
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(Error::new(
            ErrorKind::FileTooLarge,
            format!("{} is larger than {cap} bytes", path.display()),
        ));
    }
    String::from_utf8(bytes).map_err(|e| Error::new(ErrorKind::InvalidData, e))
}
