//! Placeholder (issue 25): filled in by the fleet work.
