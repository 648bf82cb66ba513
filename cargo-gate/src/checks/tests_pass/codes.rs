//! The codes of `tests.pass`'s findings.

use crate::check::Code;

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    pub enum FindingCode {
        TestFailed => Code {
            name: "test-failed",
            summary: "a test failed",
        },
        CompileError => Code {
            name: "compile-error",
            summary: "a compile error, with its location",
        },
        BuildFailed => Code {
            name: "build-failed",
            summary: "the workspace does not build",
        },
        TestBinaryExitedEarly => Code {
            name: "test-binary-exited-early",
            summary: "a test binary exited before printing its result",
        },
        TestRunTampered => Code {
            name: "test-run-tampered",
            summary: "what the test runner reported contradicts what the run printed",
        },
        LockfileRefused => Code {
            name: "lockfile-refused",
            summary: "the test runner refused Cargo.lock (missing or out of date)",
        },
        TestsFailedToRun => Code {
            name: "tests-failed-to-run",
            summary: "the test command failed without a failing test",
        },
        Flaky => Code {
            name: "flaky",
            summary: "the tests passed on inputs that failed in an earlier run",
        },
        TestTimeout => Code {
            name: "test-timeout",
            summary: "a test ran past `[tests] test-timeout` and was stopped",
        },
        OwnRunner => Code {
            name: "own-test-runner",
            summary: "the tests ran through a runner the workspace configures",
        },
        FilteredOut => Code {
            name: "tests-filtered-out",
            summary: "nextest's configuration leaves tests of the workspace out of the run",
        },
        TestCommandReplaced => Code {
            name: "test-command-replaced",
            summary: "a cargo alias replaces the command that runs the tests",
        },
    }
}
