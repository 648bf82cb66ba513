//! Process exit codes: the one place they are defined.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | ready: the stage's verdict passed (or `verify` found the records intact) |
//! | 1 | not ready: at least one check failed (or `verify` found tampering) |
//! | 2 | could not evaluate: usage error, invalid config, missing tool, unwritable output, internal error |

/// The verdict passed; `verify` found every record intact.
pub const READY: i32 = 0;
/// The verdict failed; `verify` found an edited, missing or extra file, or a broken chain.
pub const NOT_READY: i32 = 1;
/// The gate could not evaluate: bad input, a missing tool, or an internal error.
pub const COULD_NOT_EVALUATE: i32 = 2;
