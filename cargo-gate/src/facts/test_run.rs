//! The test run: what the workspace's tests did, as the checks that judge it read it.

/// The names of the tests that passed and failed, and the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TestResults {
    /// Tests that passed, by full name.
    pub passed: Vec<String>,
    /// Tests that failed, by full name.
    pub failed: Vec<String>,
    /// `{passed, failed, ignored}`.
    pub counts: TestTally,
}

/// The counts of [`TestResults`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TestTally {
    /// Passed.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Ignored.
    pub ignored: u64,
}
