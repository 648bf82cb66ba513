//! Whether a program a test needs can be started here (under Wine there is no Windows git,
//! cargo or rustc): the one answer every crate's tests ask for.

/// Whether `program` (git, cargo, rustc) can be started, for a test that needs it. Only on
/// Windows can the answer be no: under Wine there is no Windows git or cargo, and the test
/// skips, printing why. On Unix every machine that runs our tests has them, so the answer is
/// always yes and a missing program fails the test where it is run.
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
pub fn runs(program: &str) -> bool {
    if !cfg!(windows) {
        return true;
    }
    let path = match program {
        "cargo" => std::env::var("CARGO").unwrap_or_else(|_| program.to_owned()),
        "rustc" => std::env::var("RUSTC").unwrap_or_else(|_| program.to_owned()),
        _ => program.to_owned(),
    };
    match std::process::Command::new(&path)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
    {
        Ok(_) => true,
        Err(e) => {
            println!("skipped: {program} cannot be started here ({path}: {e}); this test needs it");
            false
        }
    }
}

/// The task a [`child_test`] was started with, when this process is one (`None`: the child
/// test was run some other way and has nothing to do).
pub fn child_task() -> Option<String> {
    std::env::var("GATE_TEST_CHILD").ok()
}

/// This test binary, started to run its one test `test` (ignored, so it runs only when
/// started this way), with `GATE_TEST_CHILD` set to `task`: how tests get a second process of
/// their own code on every platform, Windows under Wine included, without a shell.
pub fn child_test(test: &str, task: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(
        std::env::current_exe().expect("a test binary knows where it is"),
    );
    cmd.args([
        test,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env("GATE_TEST_CHILD", task);
    cmd
}
