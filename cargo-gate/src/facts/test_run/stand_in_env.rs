//! The variables the gate sets for its stand-ins (the rustdoc stand-in of `doc_tests.rs`,
//! the runner of `replay.rs`), and taking them off what the stand-ins start.

/// Set for the run: the plan.
pub(super) const PLAN_ENV: &str = "CARGO_GATE_RUSTDOC_PLAN";

/// Set for each lane: which it is (0, 1, …; 0 when there is one).
pub(super) const LANE_ENV: &str = "CARGO_GATE_RUSTDOC_LANE";

/// Set for the test binaries' `cargo test` (`binaries.rs`), which selects what the build did
/// and so would run the doc tests too: it runs none, the doc-test run beside it does, and
/// the stand-in says so for each crate (`doc_tests::BESIDE`). Checked before any plan: a build
/// script's `cargo:rustc-env` can set a variable, never unset one.
pub(super) const SKIP_ENV: &str = "CARGO_GATE_RUSTDOC_SKIP";

/// What the gate set for its stand-ins, taken off what they start (a test binary, rustdoc
/// and the doc tests it runs): `RUSTDOC` where the gate set it, and the rustdoc stand-in's
/// variables. They reached every test process of the binaries' call, and a test running
/// `cargo test` on a project of its own skipped that project's doc tests (the thirty-second
/// session's hostile pass: READY over a failing doc test).
pub(super) fn without_stand_ins(cmd: &mut std::process::Command) {
    if [SKIP_ENV, PLAN_ENV]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
    {
        cmd.env_remove("RUSTDOC");
    }
    cmd.env_remove(SKIP_ENV)
        .env_remove(PLAN_ENV)
        .env_remove(LANE_ENV);
}
