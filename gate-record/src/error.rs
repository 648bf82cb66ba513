//! What can go wrong while writing or reading a record: the file system, never the record's
//! content (a record that does not hold is a [`crate::Problem`] of [`crate::verify`]).

use std::path::PathBuf;

/// A record could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The output directory cannot be created or written.
    #[error("cannot write the run record under {path}: {source}")]
    OutDir {
        /// The directory or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Reading records failed for a reason other than tampering.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An artifact's path that would leave the run directory (`..`, an empty or `.` part).
    #[error("internal error: bad artifact path `{0}`")]
    BadArtifactPath(String),
}
