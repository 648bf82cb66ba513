//! What the workspace's own configuration decides about the run `tests.pass` judges, read
//! from the files a pull request can change: nextest filters and arguments that leave tests
//! out, a tool of the repository's own that the build or the run goes through, and an alias
//! that replaces the command running the tests (the fourteenth session's hostile trial got
//! READY with a failing test through each). The check says each beside its verdict; this
//! module finds them, and qualifies a pass with what it says.

use crate::check::{Finding, Outcome, Status};
use crate::facts::Runner;
use std::path::Path;

/// A pass qualified: `status` instead, the summary followed by `said`, and `findings` added.
pub(super) fn qualified(
    mut outcome: Outcome,
    (status, said): (Status, &str),
    findings: Vec<Finding>,
) -> Outcome {
    outcome.status = status;
    outcome.summary = format!("{}; {said}", outcome.summary);
    outcome.with_findings(findings)
}

/// The most of a configuration file read.
const CONFIG_CAP: u64 = 1 << 20;

/// One thing the workspace configures about its test run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Configured {
    /// Tests left out of the run (nextest's `default-filter`, an override's, or arguments
    /// that skip tests): counted as skipped, or not at all.
    LeftOut { said: String, file: String },
    /// A tool of the repository's own that the build or the run goes through (a compiler
    /// wrapper, a rustdoc, a nextest wrapper script, a toolchain at a path): the verdict rests
    /// on what it does.
    OwnTool { said: String, file: Option<String> },
    /// The command that runs the tests replaced: cargo lets a user alias shadow an external
    /// subcommand (`[alias] nextest = ["test", "--no-run"]` runs no test at all).
    Replaced { said: String, file: String },
}

/// What the workspace at `root` configures about a run through `runner`, kept whole for
/// `whole` (a target runner of its own: `target.<triple>.runner` in a cargo configuration, or
/// `CARGO_TARGET_<TRIPLE>_RUNNER`, whose output is what the gate judges; the thirteenth
/// session's runner piped each binary through `sed` into `test result: ok.`).
pub(super) fn configured(root: &Path, runner: Runner, whole: Option<&str>) -> Vec<Configured> {
    let mut found = Vec::new();
    if let Some(why) = whole.filter(|w| crate::facts::own_runner(w)) {
        found.push(Configured::OwnTool {
            said: format!("the tests ran through a runner the workspace configures ({why})"),
            file: None,
        });
    }
    if runner == Runner::Nextest {
        nextest(root, &mut found);
    }
    cargo_config(root, runner, &mut found);
    toolchain(root, &mut found);
    found
}

/// `.config/nextest.toml`: the default profile's `default-filter`, an override's
/// `default-filter` or `run-extra-args` that skip tests, and wrapper scripts.
fn nextest(root: &Path, found: &mut Vec<Configured>) {
    const FILE: &str = ".config/nextest.toml";
    let Some(doc) = toml_at(&root.join(FILE)) else {
        return;
    };
    let Some(profile) = doc.get("profile").and_then(|p| p.get("default")) else {
        return;
    };
    let left_out = |said: String| Configured::LeftOut {
        said,
        file: FILE.to_owned(),
    };
    if let Some(filter) = profile.get("default-filter").and_then(toml::Value::as_str)
        && filter.trim() != "all()"
    {
        found.push(left_out(format!(
            "nextest's default-filter `{filter}` ({FILE}) leaves the tests it does not match \
             out of this run, counted only as skipped: `cargo test` would run them"
        )));
    }
    let overrides = profile.get("overrides").and_then(toml::Value::as_array);
    for over in overrides.into_iter().flatten() {
        if let Some(filter) = over.get("default-filter").and_then(toml::Value::as_str)
            && filter.trim() != "all()"
        {
            found.push(left_out(format!(
                "an override of nextest's default profile sets default-filter `{filter}` \
                 ({FILE}): the tests it does not match are left out of this run"
            )));
        }
        let args: Vec<&str> = over
            .get("run-extra-args")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_str)
            .collect();
        if skips_tests(&args) {
            found.push(left_out(format!(
                "an override of nextest's default profile hands the test binaries `{}` \
                 (run-extra-args, {FILE}): tests it skips count as passed",
                args.join(" ")
            )));
        }
    }
    let scripts = profile.get("scripts").and_then(toml::Value::as_array);
    if let Some(wrapper) = scripts
        .into_iter()
        .flatten()
        .find_map(|s| s.get("run-wrapper").and_then(toml::Value::as_str))
    {
        found.push(Configured::OwnTool {
            said: format!("nextest's wrapper script `{wrapper}` ({FILE}) runs the test binaries"),
            file: Some(FILE.to_owned()),
        });
    }
}

/// Whether arguments handed to libtest leave tests out: `--skip`, `--exact`, `--ignored`,
/// or a name filter (a word that is no option's value).
fn skips_tests(args: &[&str]) -> bool {
    args.iter().enumerate().any(|(i, arg)| {
        matches!(*arg, "--skip" | "--exact" | "--ignored")
            || arg.starts_with("--skip=")
            || (!arg.starts_with('-') && (i == 0 || !args[i - 1].starts_with("--")))
    })
}

/// The cargo configuration: an alias of the external subcommand the run goes through, and a
/// compiler, compiler wrapper, rustdoc or linker that lies in the repository.
fn cargo_config(root: &Path, runner: Runner, found: &mut Vec<Configured>) {
    if runner == Runner::Nextest
        && let Some(shown) = crate::tools::cargo::aliased(root, "nextest")
    {
        found.push(Configured::Replaced {
            said: format!(
                "an alias `nextest` ({shown}) replaces cargo-nextest: `cargo nextest run` runs \
                 what the alias says, not the tests"
            ),
            file: shown,
        });
    }
    for file in crate::tools::cargo::config_files_included(root) {
        let Some(doc) = toml_at(&file) else { continue };
        let shown = gate_support::path::relative(root, &file);
        let build = doc.get("build").and_then(toml::Value::as_table);
        for key in [
            "rustc-wrapper",
            "rustc-workspace-wrapper",
            "rustc",
            "rustdoc",
        ] {
            let Some(tool) = build.and_then(|b| b.get(key)?.as_str()) else {
                continue;
            };
            if in_repository(root, &file, tool) {
                found.push(Configured::OwnTool {
                    said: format!(
                        "`[build] {key} = \"{tool}\"` in {shown}: the tests are built (or, for \
                         rustdoc, the doc tests run) by a program the repository holds"
                    ),
                    file: Some(shown.clone()),
                });
            }
        }
        let targets = doc.get("target").and_then(toml::Value::as_table);
        for (triple, table) in targets.into_iter().flatten() {
            if let Some(linker) = table.get("linker").and_then(toml::Value::as_str)
                && in_repository(root, &file, linker)
            {
                found.push(Configured::OwnTool {
                    said: format!(
                        "`[target.{triple}] linker = \"{linker}\"` in {shown}: the test \
                         binaries are linked by a program the repository holds"
                    ),
                    file: Some(shown.clone()),
                });
            }
        }
    }
}

/// Whether the tool a cargo configuration at `config` names lies in the repository at `root`:
/// a path (cargo looks a bare name up on `PATH`), relative to the directory holding `.cargo`
/// or absolute, below `root`.
fn in_repository(root: &Path, config: &Path, tool: &str) -> bool {
    if !tool.contains(['/', '\\']) {
        return false;
    }
    let path = Path::new(tool);
    let base = config.parent().and_then(Path::parent).unwrap_or(root);
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    gate_support::path::normalize(&full).starts_with(gate_support::path::normalize(root))
}

/// `rust-toolchain.toml` (or `rust-toolchain`) naming a toolchain by `path`: the cargo and
/// rustc the run goes through are those at that path, whatever it holds.
fn toolchain(root: &Path, found: &mut Vec<Configured>) {
    for name in ["rust-toolchain.toml", "rust-toolchain"] {
        let Some(doc) = toml_at(&root.join(name)) else {
            continue;
        };
        if let Some(path) = doc
            .get("toolchain")
            .and_then(|t| t.get("path"))
            .and_then(toml::Value::as_str)
        {
            found.push(Configured::OwnTool {
                said: format!(
                    "{name} names the toolchain by path (`{path}`): cargo and rustc are \
                     whatever that path holds"
                ),
                file: Some(name.to_owned()),
            });
        }
        return;
    }
}

/// The TOML document at `path`, read as a capped regular file; `None` when it is not there or
/// does not parse.
fn toml_at(path: &Path) -> Option<toml::Table> {
    let text = gate_support::read::text_capped(path, CONFIG_CAP).ok()?;
    toml::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_that_skip_tests_are_told_from_ones_that_do_not() {
        assert!(skips_tests(&["--skip", "tests::really_fails"]));
        assert!(skips_tests(&["really_fails"]));
        assert!(skips_tests(&["--exact", "a"]));
        assert!(!skips_tests(&["--test-threads", "1"]));
        assert!(!skips_tests(&["--test-threads=1", "--nocapture"]));
    }

    /// The hostile trial's configurations, each found; a wrapper on `PATH` (sccache) is none.
    #[test]
    fn what_a_pull_request_configures_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            ".config/nextest.toml",
            "[[profile.default.overrides]]\nplatform = \"cfg(all())\"\ndefault-filter = \"not test(x)\"\n[[profile.default.overrides]]\nfilter = \"all()\"\nrun-extra-args = [\"--skip\", \"x\"]\n[[profile.default.scripts]]\nfilter = \"all()\"\nrun-wrapper = \"quiet\"\n",
        );
        write(
            ".cargo/config.toml",
            "[alias]\nnextest = [\"test\", \"--no-run\", \"--\"]\n[build]\nrustc-wrapper = \"sccache\"\nrustdoc = \"tools/rustdoc.sh\"\n",
        );
        write(
            "rust-toolchain.toml",
            "[toolchain]\npath = \"/home/runner/work/r/r/tc\"\n",
        );
        let kinds: Vec<&str> = configured(root, Runner::Nextest, None)
            .iter()
            .map(|c| match c {
                Configured::LeftOut { .. } => "left out",
                Configured::OwnTool { .. } => "own tool",
                Configured::Replaced { .. } => "replaced",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "left out", "left out", "own tool", "replaced", "own tool", "own tool"
            ]
        );
        // Under `cargo test`, nextest's file and alias decide nothing.
        assert_eq!(configured(root, Runner::CargoTest, None).len(), 2);
    }
}
