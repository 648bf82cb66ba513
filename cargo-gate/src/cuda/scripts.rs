//! Placeholder (issue 25): filled in by the scripts work.
