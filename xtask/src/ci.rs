//! `cargo xtask ci`: the steps of `.ci/run`, in order. A test keeps the two lists equal.

use anyhow::{Context, Result, bail};
use std::process::Command;

/// The CI steps, each a command line. `.ci/run` runs exactly these (after installing what a
/// fresh machine lacks).
pub(crate) const STEPS: &[&[&str]] = &[
    &["cargo", "fmt", "--all", "--check"],
    &[
        "cargo",
        "clippy",
        "--locked",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ],
    &["cargo", "test", "--locked", "--workspace"],
    &["cargo", "xtask", "codegen", "--check"],
    &[
        "cargo",
        "run",
        "--locked",
        "-p",
        "gate-kernels",
        "--example",
        "smoke",
        "--",
        "--out",
        "target/smoke",
    ],
];

pub(crate) fn run() -> Result<()> {
    let root = crate::project_root();
    for step in STEPS {
        crate::say(&format!("$ {}", step.join(" ")));
        let status = Command::new(step[0])
            .args(&step[1..])
            .current_dir(&root)
            .status()
            .with_context(|| format!("failed to start `{}`", step[0]))?;
        if !status.success() {
            bail!("`{}` failed ({status})", step.join(" "));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_run_runs_the_same_steps() {
        let script = std::fs::read_to_string(crate::project_root().join(".ci/run")).unwrap();
        let lines: Vec<&str> = script.lines().map(str::trim).collect();
        for step in STEPS {
            let line = step.join(" ");
            assert!(
                lines.contains(&line.as_str()),
                ".ci/run lacks the step `{line}`"
            );
        }
    }

    #[test]
    fn readme_test_command_is_a_ci_step() {
        let readme = std::fs::read_to_string(crate::project_root().join("README.md")).unwrap();
        let test_step = STEPS[2].join(" ");
        assert!(
            readme.contains(&test_step),
            "README.md must give `{test_step}`"
        );
    }
}
