//! Where a finding points, written once for every check that reads files: a path shown
//! relative to a root, and a byte offset in a file's text turned into `file:line:column`.

use crate::check::Location;

/// The location of byte `offset` in `text`, a file shown as `file`.
pub fn at(file: &str, text: &str, offset: usize) -> Location {
    let (line, column) = crate::config::line_col(text, offset);
    Location::at(file, line, column)
}

/// `path` relative to `root`, `/`-separated (the path itself when outside): gate-support's.
pub use gate_support::path::relative;
