//! Placeholder (issue 25): filled in by the binary work.
