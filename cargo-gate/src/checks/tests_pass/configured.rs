//! What the workspace's own configuration decides about the run `tests.pass` judges, read
//! from the files a pull request can change: nextest filters and arguments that leave tests
//! out, a tool of the repository's own that the build or the run goes through, and an alias
//! that replaces the command running the tests (the fourteenth session's hostile trial got
//! READY with a failing test through each). The check says each beside its verdict; this
//! module finds them; the check qualifies its verdict with what it says.

use crate::facts::Runner;
use std::path::Path;

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

/// The custom harnesses (`[[test]] harness = false`) of the workspace's members, by the id
/// nextest gives their binary (`PACKAGE::NAME`) and the manifest that declares each, that a
/// run through nextest (`log`) printed no test of: nextest runs only the tests a binary lists
/// for `--list --format terse`, and a harness that lists none (one that takes `--list` for a
/// name filter) is never run, where `cargo test` runs it and sees it fail (the seventeenth
/// session's hostile trial: READY under nextest, a failing harness on a fresh clone).
pub(super) fn harnesses_never_run<'p>(
    members: impl Iterator<Item = (&'p str, &'p Path)>,
    root: &Path,
    log: &str,
) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (package, dir) in members {
        let manifest = dir.join("Cargo.toml");
        let Some(doc) = crate::workspace::read_toml(&manifest) else {
            continue;
        };
        let tests = doc.get("test").and_then(toml::Value::as_array);
        for test in tests.into_iter().flatten() {
            // Neither `cargo test` nor nextest builds a target with `test = false`, or one
            // whose required features the run does not turn on: not asked of them.
            let built = test.get("test").and_then(toml::Value::as_bool) != Some(false)
                && test
                    .get("required-features")
                    .and_then(toml::Value::as_array)
                    .is_none_or(Vec::is_empty);
            let custom = built && test.get("harness").and_then(toml::Value::as_bool) == Some(false);
            let Some(name) = test.get("name").and_then(toml::Value::as_str) else {
                continue;
            };
            let id = format!("{package}::{name}");
            let named = |line: &str| {
                crate::facts::nextest_status(line.trim()).is_some_and(|(_, _, test)| {
                    test.strip_prefix(id.as_str())
                        .is_some_and(|r| r.starts_with(' '))
                })
            };
            if custom && !log.lines().any(named) {
                found.push((id, gate_support::path::relative(root, &manifest)));
            }
        }
    }
    found
}

/// `.config/nextest.toml`, in the profile the run uses (`NEXTEST_PROFILE`, else `default`;
/// a custom profile inherits the default's settings): a `default-filter`, an override's, any
/// `run-extra-args` (the profile's or an override's) but the harmless ones, and scripts
/// (a wrapper that runs the binaries, a setup script that runs before them).
fn nextest(root: &Path, found: &mut Vec<Configured>) {
    const FILE: &str = ".config/nextest.toml";
    let Some(doc) = crate::workspace::read_toml(&root.join(FILE)) else {
        return;
    };
    let chosen = std::env::var("NEXTEST_PROFILE").unwrap_or_else(|_| "default".to_owned());
    let profiles: Vec<(&str, &toml::Value)> = ["default", chosen.as_str()]
        .into_iter()
        .enumerate()
        .filter(|&(i, name)| i == 0 || name != "default")
        .filter_map(|(_, name)| Some((name, doc.get("profile")?.get(name)?)))
        .collect();
    let left_out = |said: String| Configured::LeftOut {
        said,
        file: FILE.to_owned(),
    };
    for (name, profile) in profiles {
        let settings = std::iter::once((format!("profile `{name}`"), profile)).chain(
            profile
                .get("overrides")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .map(|o| (format!("an override of profile `{name}`"), o)),
        );
        for (whose, table) in settings {
            if let Some(filter) = table.get("default-filter").and_then(toml::Value::as_str)
                && filter.trim() != "all()"
            {
                found.push(left_out(format!(
                    "nextest's default-filter `{filter}` ({whose}) leaves the tests it does not \
                     match out of this run, counted only as skipped: `cargo test` would run them"
                )));
            }
            let args: Vec<&str> = table
                .get("run-extra-args")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(toml::Value::as_str)
                .collect();
            if !harmless(&args) {
                found.push(left_out(format!(
                    "nextest hands the test binaries `{}` (run-extra-args, {whose}): arguments \
                     that decide which tests run, and what a binary prints, are the verdict's",
                    args.join(" ")
                )));
            }
        }
        scripts(profile, name, found);
    }
}

/// The scripts a nextest profile runs: a wrapper around the test binaries, or a setup script
/// before them (which can replace the binaries it is about to run).
fn scripts(profile: &toml::Value, name: &str, found: &mut Vec<Configured>) {
    let scripts = profile.get("scripts").and_then(toml::Value::as_array);
    for (key, what) in [
        (
            "run-wrapper",
            "a wrapper script that runs the test binaries",
        ),
        ("setup", "a setup script that runs before the tests"),
    ] {
        let named = scripts.into_iter().flatten().find_map(|s| {
            let value = s.get(key)?;
            value.as_str().map(str::to_owned).or_else(|| {
                let list: Vec<&str> = value
                    .as_array()?
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .collect();
                Some(list.join(", "))
            })
        });
        if let Some(script) = named {
            found.push(Configured::OwnTool {
                said: format!("nextest's profile `{name}` has {what}, `{script}`"),
                file: Some(".config/nextest.toml".to_owned()),
            });
        }
    }
}

/// Whether arguments handed to every test binary leave what runs and what it prints alone:
/// only the thread count, output capture and colour, and running the ignored tests too.
/// Anything else may skip tests (`--skip`, a name filter) or run none (`--list`, `--help`).
fn harmless(args: &[&str]) -> bool {
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        let (flag, inline) = arg.split_once('=').map_or((arg, false), |(f, _)| (f, true));
        match flag {
            "--nocapture" | "--show-output" | "--include-ignored" => {}
            "--test-threads" | "--color" if inline => {}
            "--test-threads" | "--color" => i += 1,
            _ => return false,
        }
        i += 1;
    }
    true
}

/// The cargo configuration: an alias of the external subcommand the run goes through, and a
/// compiler, compiler wrapper, rustdoc or linker that lies in the repository.
fn cargo_config(root: &Path, runner: Runner, found: &mut Vec<Configured>) {
    if runner == Runner::Nextest
        && let Some(shown) = crate::tools::cargo::aliased(root, "nextest")
    {
        found.push(Configured::Replaced {
            said: "an alias `nextest` replaces cargo-nextest: `cargo nextest run` runs what the \
                   alias says, not the workspace's tests"
                .to_owned(),
            file: shown,
        });
    }
    for file in crate::tools::cargo::config_files_included(root) {
        let Some(doc) = crate::workspace::read_toml(&file) else {
            continue;
        };
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
                        "`[build] {key} = \"{tool}\"`: the tests are built (or, for rustdoc, the \
                         doc tests run) by a program the repository holds"
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
                        "`[target.{triple}] linker = \"{linker}\"`: the test binaries are \
                         linked by a program the repository holds"
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
        let Some(doc) = crate::workspace::read_toml(&root.join(name)) else {
            continue;
        };
        if let Some(path) = doc
            .get("toolchain")
            .and_then(|t| t.get("path"))
            .and_then(toml::Value::as_str)
        {
            found.push(Configured::OwnTool {
                said: format!(
                    "the toolchain is named by path (`{path}`): cargo and rustc are whatever \
                     that path holds"
                ),
                file: Some(name.to_owned()),
            });
        }
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A custom harness nextest printed no test of was never run; one it ran tests of
    /// (`victim::listed one`), or a libtest target, is none of these.
    #[test]
    fn a_custom_harness_nextest_printed_no_test_of_was_never_run() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::create_dir_all(&victim).unwrap();
        std::fs::write(
            victim.join("Cargo.toml"),
            "[package]\nname = \"victim\"\n\n[[test]]\nname = \"cases\"\nharness = false\n\n\
             [[test]]\nname = \"listed\"\nharness = false\n\n[[test]]\nname = \"plain\"\n\n\
             [[test]]\nname = \"gated\"\nharness = false\nrequired-features = [\"x\"]\n\n\
             [[test]]\nname = \"off\"\nharness = false\ntest = false\n",
        )
        .unwrap();
        let log = "        PASS [   0.004s] (1/2) victim::listed one\n        PASS [   0.003s] \
                   (2/2) victim tests::ok\n";
        let members = [("victim", victim.as_path())];
        let never = harnesses_never_run(members.into_iter(), dir.path(), log);
        assert_eq!(
            never,
            [("victim::cases".to_owned(), "victim/Cargo.toml".to_owned())]
        );
    }

    #[test]
    fn only_harmless_arguments_are_trusted() {
        assert!(!harmless(&["--skip", "tests::really_fails"]));
        assert!(!harmless(&["--skip=x"]));
        assert!(!harmless(&["really_fails"]));
        assert!(!harmless(&["--list"]));
        assert!(!harmless(&["--help"]));
        assert!(harmless(&["--test-threads", "1", "--nocapture"]));
        assert!(harmless(&[
            "--test-threads=1",
            "--color=never",
            "--include-ignored"
        ]));
        assert!(harmless(&[]));
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
            "[profile.default]\nrun-extra-args = [\"--list\"]\n[[profile.default.overrides]]\nplatform = \"cfg(all())\"\ndefault-filter = \"not test(x)\"\n[[profile.default.overrides]]\nfilter = \"all()\"\nrun-extra-args = [\"--skip\", \"x\"]\n[[profile.default.scripts]]\nfilter = \"all()\"\nrun-wrapper = \"quiet\"\n[[profile.default.scripts]]\nfilter = \"all()\"\nsetup = \"prep\"\n",
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
                "left out", "left out", "left out", "own tool", "own tool", "replaced", "own tool",
                "own tool"
            ]
        );
        // Under `cargo test`, nextest's file and alias decide nothing.
        assert_eq!(configured(root, Runner::CargoTest, None).len(), 2);
    }
}
