//! Placeholder (issue 25): filled in by the includes work.
