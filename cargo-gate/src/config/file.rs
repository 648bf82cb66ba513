//! Reading a configuration file someone else wrote: a regular file (a FIFO, a socket or a
//! device is refused at once, never waited on), at most [`MAX_BYTES`], and, when the file is
//! the repository's own (`gate.toml`, the root manifest), inside the repository: a committed
//! link to `/dev/zero` or to a file of the machine is refused. `--config FILE` is the
//! user's own choice and may live anywhere, but is read the same bounded way.

use std::io::ErrorKind;
use std::path::Path;

/// The most a configuration file may hold (the largest real `gate.toml` we know is a few
/// KiB; a root manifest with its tables, a few hundred).
pub(super) const MAX_BYTES: u64 = 4 << 20;

/// Whose file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Whose {
    /// The repository's: it must not lead out of it.
    Tree,
    /// Named on the command line.
    User,
}

/// Why a configuration file was not read, and the fix.
#[derive(Debug)]
pub(super) struct Unreadable {
    pub(super) message: String,
    pub(super) help: &'static str,
}

/// The text of the configuration file at `path`, or why it was not read and the fix.
pub(super) fn read(root: &Path, path: &Path, whose: Whose) -> Result<String, Unreadable> {
    if whose == Whose::Tree
        && let Err(err) = gate_support::read::inside(root, path)
        && err.kind() == ErrorKind::InvalidInput
    {
        return Err(Unreadable {
            message: format!("is not read: {err}"),
            help: "commit the configuration itself, not a link to a file outside the repository",
        });
    }
    if path.is_dir() {
        return Err(Unreadable {
            message: "is a directory, not a configuration file".to_owned(),
            help: "give the path of a gate.toml file (or remove the directory)",
        });
    }
    gate_support::read::text_capped(path, MAX_BYTES).map_err(|err| {
        let help = match err.kind() {
            ErrorKind::FileTooLarge => {
                "a configuration file is small text: give the path of the real gate.toml"
            }
            ErrorKind::InvalidInput => {
                "replace it with a regular file (a FIFO, a socket or a device is never read)"
            }
            ErrorKind::InvalidData => "save the file as UTF-8 text",
            _ => "check that the file exists and is readable",
        };
        Unreadable {
            message: format!("cannot be read: {err}"),
            help,
        }
    })
}
