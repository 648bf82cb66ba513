//! `cargo xtask ci`: the steps of `.ci/run`, in order. A test keeps the two lists equal.

use anyhow::{Context, Result};
use xshell::cmd;

/// The CI steps, each a command line (leading `KEY=VALUE` items set the environment, as in a
/// shell). `.ci/run` runs exactly these (after installing what a fresh machine lacks).
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
    // Code that only compiles for Windows or macOS is linted there too (checked, not linked:
    // no macOS linker here).
    &clippy_for("x86_64-pc-windows-gnu"),
    &clippy_for("aarch64-apple-darwin"),
    &clippy_for("x86_64-apple-darwin"),
    &["cargo", "test", "--locked", "--workspace"],
    // The unit tests built for Windows and run under Wine (see xtask/src/wine.rs).
    &["cargo", "xtask", "wine"],
    &["cargo", "xtask", "codegen", "--check"],
    // Adding a check is one module and one registry line: a copy of the workspace with the
    // documented example check added passes codegen and the whole test suite.
    &[
        "GATE_NEW_CHECK_PROOF=1",
        "cargo",
        "test",
        "--locked",
        "-p",
        "gate-tests",
        "--test",
        "new_check",
    ],
    &[
        "RUSTDOCFLAGS=-D warnings",
        "cargo",
        "doc",
        "--no-deps",
        "--workspace",
        "--locked",
    ],
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
    // The GPU bundle (docs/gpu/README.md), built so it cannot rot: release, native kernels,
    // at most 64 MiB, and its run.sh run here, where there is no GPU, must refuse success.
    &["cargo", "xtask", "gpu-bundle", "target/gpu-bundle"],
    // Every published crate packages and builds from its .crate alone (the tests and xtask
    // are never published), against what is packaged now (see xtask/src/package.rs).
    &["cargo", "xtask", "package"],
];

/// The environment of every step: CI builds each thing once on a machine whose free disk
/// varies, so no incremental caches and line tables only for debug info. `.ci/run` exports
/// the same (a test keeps them equal).
pub(crate) const ENV: &[(&str, &str)] = &[
    ("CARGO_INCREMENTAL", "0"),
    ("CARGO_PROFILE_DEV_DEBUG", "line-tables-only"),
];

/// `cargo clippy` of the whole workspace for `target`, warnings denied.
const fn clippy_for(target: &'static str) -> [&'static str; 10] {
    [
        "cargo",
        "clippy",
        "--locked",
        "--workspace",
        "--all-targets",
        "--target",
        target,
        "--",
        "-D",
        "warnings",
    ]
}

/// The targets besides the host that CI builds for (the clippy steps, `cargo xtask wine`):
/// their standard libraries are installed before the steps, as `.ci/run` does. Debian's mingw
/// and wine64 are `.ci/run`'s to install (they need root); `cargo xtask wine` says so when
/// they are missing.
pub(crate) const CROSS_TARGETS: &[&str] = &[
    "x86_64-pc-windows-gnu",
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
];

pub(crate) fn run() -> Result<()> {
    let root = crate::project_root();
    crate::say(&format!("$ rustup target add {}", CROSS_TARGETS.join(" ")));
    let sh = crate::shell(&root)?;
    cmd!(sh, "rustup target add {CROSS_TARGETS...}")
        .quiet()
        .run()
        .context("rustup could not add the cross targets")?;
    for step in STEPS {
        crate::say(&format!("$ {}", shell_line(step)));
        let env: Vec<(&str, &str)> = step.iter().map_while(|s| env_item(s)).collect();
        let (program, args) = (step[env.len()], &step[env.len() + 1..]);
        let sh = crate::shell(&root)?;
        let mut command = cmd!(sh, "{program} {args...}").quiet();
        for &(key, value) in ENV.iter().chain(&env) {
            command = command.env(key, value);
        }
        command
            .run()
            .with_context(|| format!("`{}` failed", shell_line(step)))?;
    }
    Ok(())
}

/// `KEY=VALUE` at the start of a step: an environment variable for it.
fn env_item(item: &str) -> Option<(&str, &str)> {
    let (key, value) = item.split_once('=')?;
    let is_key = !key.is_empty() && key.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
    is_key.then_some((key, value))
}

/// The step as `.ci/run` writes it: environment values quoted.
fn shell_line(step: &[&str]) -> String {
    let env = step.iter().map_while(|s| env_item(s)).count();
    step.iter()
        .enumerate()
        .map(|(i, item)| match env_item(item) {
            Some((key, value)) if i < env => format!("{key}=\"{value}\""),
            _ => (*item).to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_run_runs_the_same_steps() {
        let script = std::fs::read_to_string(crate::project_root().join(".ci/run")).unwrap();
        let lines: Vec<&str> = script.lines().map(str::trim).collect();
        for step in STEPS {
            let line = shell_line(step);
            assert!(
                lines.contains(&line.as_str()),
                ".ci/run lacks the step `{line}`"
            );
        }
    }

    #[test]
    fn ci_run_exports_the_same_environment() {
        let script = std::fs::read_to_string(crate::project_root().join(".ci/run")).unwrap();
        for (key, value) in ENV {
            let line = format!("export {key}={value}");
            assert!(
                script.lines().any(|l| l.trim() == line),
                ".ci/run lacks `{line}`"
            );
        }
    }

    #[test]
    fn every_cross_target_is_linted_and_installed_by_ci_run() {
        let script = std::fs::read_to_string(crate::project_root().join(".ci/run")).unwrap();
        let add = script
            .lines()
            .find(|l| l.starts_with("rustup target add"))
            .expect(".ci/run adds the cross targets");
        for target in CROSS_TARGETS {
            assert!(add.contains(target), ".ci/run does not add {target}");
            assert!(
                STEPS.contains(&clippy_for(target).as_slice()),
                "no clippy step for {target}"
            );
        }
        assert!(CROSS_TARGETS.contains(&crate::wine::TARGET));
    }

    #[test]
    fn readme_test_command_is_a_ci_step() {
        let readme = std::fs::read_to_string(crate::project_root().join("README.md")).unwrap();
        let test_step = STEPS
            .iter()
            .find(|step| step.starts_with(&["cargo", "test"]))
            .unwrap()
            .join(" ");
        assert!(
            readme.contains(&test_step),
            "README.md must give `{test_step}`"
        );
    }
}
