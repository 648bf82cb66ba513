//! Placeholder (issue 25): filled in by the graph work.
