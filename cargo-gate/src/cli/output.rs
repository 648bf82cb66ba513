//! Where the subcommands' reports go: stdout, a closed pipe tolerated. A module of its own so
//! that the subcommands use it without reaching back into `cli` (which dispatches to them).

use std::io::Write;

/// Writes `text` to stdout; a closed pipe (`cargo gate pilot | head`) is not an error worth a
/// panic.
pub(crate) fn print_stdout(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Writes `text` to stderr (a closed stream is not an error worth a panic).
pub(crate) fn print_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
