//! The shipped graph as cargo's resolver builds it, for the feature sets the workspace is
//! built with: each member's default features, and every feature set its CI builds (read
//! through gate-ci's walk: `cargo test --all-features`, `cargo build -p app --features tls`).
//! The dependency checks judge the union, so an advisory on a crate only CI's features pull
//! in is judged as shipped, and one on a crate no enabled feature reaches is not. Features
//! only add, so the union is one `cargo tree` ([`CiFeatures::select`]): one per run, however
//! many sets CI builds.

use super::ahead::TreeAhead;
use super::core::{CiFeatures, Core, FeatureSet};
use super::ran::{RawOutput, keep_of};
use crate::cache::{Fact, Fresh};
use crate::tools::cargo::{self, Cargo};
use gate_ci::{Features, Kind};
use std::path::Path;
use std::process::{Command, Output};

/// Reads the feature sets of the cargo calls of the CI at `root` (and at the repository's
/// `top` where they reach the workspace). A CI file that cannot be read gives none (`ci.locked`
/// reports it); a call whose features come from an expansion the gate cannot expand, or that
/// builds another manifest, is named in `unknown`.
pub(super) fn ci_features(root: &Path, top: Option<&Path>) -> CiFeatures {
    let mut out = CiFeatures::default();
    let Ok(calls) = gate_ci::cargo_calls(root, top) else {
        return out;
    };
    out.unpinned.clone_from(&calls.unpinned);
    let mut unknown = Vec::new();
    for call in &calls.calls {
        // maturin's features are the one crate's it builds into a wheel: judged for
        // `--locked` alone.
        if !matches!(call.invocation.kind, Kind::Judged { .. })
            || call.invocation.install
            || call.invocation.maturin
        {
            continue;
        }
        let site = match call.site.at {
            Some((line, _)) => format!("{}:{line}", call.site.rel),
            None => call.site.rel.clone(),
        };
        let each = if call.each.is_empty() {
            std::slice::from_ref(&call.invocation)
        } else {
            &call.each[..]
        };
        for invocation in each {
            let features = &invocation.features;
            // Once per command and CI file: the same command in each crate's own workflow
            // (RustCrypto/block-ciphers' 21, the thirty-fifth session's trial) is each named.
            let known = |(at, c): &(gate_ci::Site, String)| {
                *c == invocation.command && at.rel == call.site.rel
            };
            if invocation.runs_tests && !features.is_default() && !out.tested_with.iter().any(known)
            {
                (out.tested_with).push((call.site.clone(), invocation.command.clone()));
            }
            if let Some(expansion) = &features.unexpanded {
                unknown.push(format!(
                    "`{}` ({site}) takes its features from `{expansion}`, which the gate cannot \
                     expand",
                    invocation.command
                ));
                continue;
            }
            // Features only add: a call with none named (`--no-default-features` alone
            // builds a part of the default graph) adds nothing.
            if !features.all && features.named.is_empty() {
                continue;
            }
            if invocation.manifest_path.is_some() && features.packages.is_empty() {
                unknown.push(format!(
                    "`{}` ({site}) selects its package with --manifest-path: its features are \
                     not added",
                    invocation.command
                ));
                continue;
            }
            let set = FeatureSet {
                args: tree_args(features),
                features: qualified(features),
                site: site.clone(),
            };
            if !out.sets.iter().any(|known| known.args == set.args) {
                out.sets.push(set);
            }
        }
    }
    // Every feature of every member on: the graph of each other set is a part of that one
    // (features only add), so it alone is judged, and nothing CI builds is left unknown.
    let everything = ["--workspace", "--all-features"];
    if out.sets.iter().any(|set| set.args == everything) {
        out.sets.retain(|set| set.args == everything);
        return out;
    }
    out.unknown = unknown;
    out
}

/// The features of a CI call, each qualified by the package it selects (`-p app --features
/// tls` → `app/tls`, for each package selected); as written when it selects none (cargo
/// enables an unqualified feature in every selected member that has it). Empty for
/// `--all-features`.
fn qualified(features: &Features) -> Vec<String> {
    if features.all {
        return Vec::new();
    }
    let mut out = Vec::new();
    for feature in &features.named {
        if features.packages.is_empty() || feature.contains('/') {
            out.push(feature.clone());
        } else {
            out.extend(features.packages.iter().map(|p| format!("{p}/{feature}")));
        }
    }
    out
}

/// The `cargo tree` arguments that select what a CI call builds: its packages (or the whole
/// workspace) and its features.
fn tree_args(features: &Features) -> Vec<String> {
    let mut args = Vec::new();
    if features.packages.is_empty() {
        args.push("--workspace".to_owned());
    }
    for package in &features.packages {
        args.extend(["-p".to_owned(), package.clone()]);
    }
    if features.all {
        args.push("--all-features".to_owned());
    } else {
        let mut named = features.named.clone();
        named.sort();
        named.dedup();
        args.extend(["--features".to_owned(), named.join(",")]);
    }
    if features.no_default {
        args.push("--no-default-features".to_owned());
    }
    args
}

/// The shipped graph's `cargo tree` for `targets` and `select` ([`Core::shipped_tree`]).
fn tree_command(cargo: &Cargo, targets: &[&str], select: &[String]) -> Command {
    let mut args = vec!["--locked"];
    if select.is_empty() {
        args.push("--workspace");
    }
    args.extend(["-e", "normal,build", "--prefix", "depth", "-f", "{p}"]);
    args.extend(select.iter().map(String::as_str));
    for target in targets {
        args.extend(["--target", target]);
    }
    cargo.command("tree", &args)
}

impl TreeAhead {
    /// Starts the shipped graph's `cargo tree` for `targets` and the CI feature sets read at
    /// `cargo`'s root (the repository's top at `top`), as [`Core::built_tree`] asks it first.
    pub fn start(cargo: &Cargo, targets: &[&str], top: Option<&Path>) -> Option<TreeAhead> {
        let select = ci_features(cargo.root(), top).select();
        TreeAhead::running(tree_command(cargo, targets, &select))
    }
}

impl Core {
    /// The output of `cmd` when it is the `cargo tree` started ahead ([`TreeAhead`]), waited
    /// for; `None`: it was not (or none was started), run it.
    fn tree_ahead_for(&self, cmd: &Command) -> Option<std::io::Result<Output>> {
        let mut slot = self.tree_ahead.lock().ok()?;
        if !slot.as_ref().is_some_and(|ahead| ahead.is(cmd)) {
            return None;
        }
        slot.take()?.running.join().ok()
    }

    /// The feature sets of CI a shipped graph holds besides the members' default features
    /// (as shown), and those the gate could not add: for a graph no feature set changes.
    pub fn ci_feature_sets(&self) -> (Vec<String>, Vec<String>) {
        let ci = self.ci_features();
        (
            ci.sets.iter().map(FeatureSet::shown).collect(),
            ci.unknown.clone(),
        )
    }

    /// The feature sets CI builds with, read on first use.
    pub fn ci_features(&self) -> &CiFeatures {
        self.ci_features
            .get_or_init(|| ci_features(&self.root, self.top.as_deref()))
    }

    /// The shipped graph for `targets` as the workspace is built: the members' default
    /// features and every feature set CI builds, in one `cargo tree` of their union
    /// ([`CiFeatures::select`]); a union cargo cannot resolve falls back to the default
    /// features, and says so. Returns the tree (`Err`: why cargo could not say), the sets it
    /// holds (as shown) and what it could not add.
    pub fn built_tree(
        &self,
        cargo: &Cargo,
        targets: &[&str],
    ) -> (Result<String, String>, Vec<String>, Vec<String>) {
        let ci = self.ci_features();
        let select = ci.select();
        let mut unknown = ci.unknown.clone();
        match self.shipped_tree(cargo, targets, &select) {
            Ok(tree) => (
                Ok(tree),
                ci.sets.iter().map(FeatureSet::shown).collect(),
                unknown,
            ),
            Err(why) if !select.is_empty() && !self.graph_out_of_reach(cargo) => {
                unknown.push(format!(
                    "CI builds with `{}`, which cargo cannot resolve here ({why})",
                    select.join(" ")
                ));
                (self.shipped_tree(cargo, targets, &[]), Vec::new(), unknown)
            }
            Err(why) => (Err(why), Vec::new(), unknown),
        }
    }

    /// Whether no feature selection can have a graph here: there is no Cargo.lock (`cargo tree
    /// --locked` refuses to write one), or the lockfile's resolve failed for want of the
    /// environment (a source out of reach, the toolchain missing). Then CI's selection is not
    /// to blame and the default features' graph is not asked for: it fails the same way, after
    /// the same network retries. Asked only once a selection's graph has failed.
    fn graph_out_of_reach(&self, cargo: &Cargo) -> bool {
        !self.lockfile.is_file()
            || matches!(
                self.resolve(cargo),
                Ok(super::ran::Resolve::Failed {
                    unavailable: Some(_),
                    ..
                })
            )
    }

    /// The shipped graph for `targets` as cargo's resolver builds it (`cargo tree --locked
    /// -e normal,build --target …`, one line per package, `--prefix depth`) for `select`
    /// (empty: `--workspace` with each member's default features; else
    /// [`CiFeatures::select`]): dev-dependencies and their features left out. Run once per target set
    /// and selection, through the evidence cache (keyed like the resolve, plus the triples
    /// and the selection). `Err`: why cargo could not say. Without a Cargo.lock cargo is not
    /// asked: `--locked` refuses to write one, after resolving every dependency (the network's
    /// retries, where a git source is out of reach).
    pub fn shipped_tree(
        &self,
        cargo: &Cargo,
        targets: &[&str],
        select: &[String],
    ) -> Result<String, String> {
        if !self.lockfile.is_file() {
            return Err(super::ran::NO_LOCKFILE.to_owned());
        }
        let key = format!("{}|{}", targets.join(","), select.join(" "));
        let cell = match self.shipped_trees.lock() {
            Ok(mut trees) => trees.entry(key).or_default().clone(),
            Err(_) => std::sync::Arc::default(),
        };
        cell.get_or_init(|| self.run_shipped_tree(cargo, targets, select))
            .0
            .clone()
    }

    /// The `cargo tree` of [`Core::shipped_tree`], through the evidence cache, and the run it
    /// was reused from.
    fn run_shipped_tree(
        &self,
        cargo: &Cargo,
        targets: &[&str],
        select: &[String],
    ) -> (Result<String, String>, Option<crate::report::Reuse>) {
        let mut params = vec![("targets", targets.join(","))];
        if !select.is_empty() {
            params.push(("select", select.join(" ")));
        }
        let obtained = self.cache.obtain(
            Fact::Graph,
            &params,
            |_: &Result<RawOutput, String>| true,
            || {
                let cmd = tree_command(cargo, targets, select);
                let command_line = cargo::describe(&cmd);
                let ran = match self.tree_ahead_for(&cmd) {
                    Some(ran) => ran,
                    None => crate::tools::process::output(cmd),
                };
                let raw = ran
                    .map(|output| RawOutput {
                        command_line,
                        code: output.status.code(),
                        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                    })
                    .map_err(|e| format!("could not run `cargo tree`: {e}"));
                let keep = keep_of(raw.as_ref().ok(), cargo.offline());
                Fresh::of(raw, keep)
            },
        );
        let tree = obtained.value.and_then(|raw| {
            if raw.code == Some(0) {
                Ok(raw.stdout)
            } else {
                Err(format!(
                    "`cargo tree` failed: {}",
                    cargo::first_error(&raw.stderr)
                ))
            }
        });
        (tree, obtained.reused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Workspace;

    /// A `cargo tree` started ahead (issue 43: beside workspace discovery) is taken only by
    /// the command it is, word for word and in the directory it ran in, and once; any other
    /// command leaves it in place and runs its own.
    #[test]
    fn the_tree_started_ahead_answers_only_its_own_command() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let core = Core::gather(&Workspace::for_tests(dir.path(), &[]), Vec::new());
        let cargo = Cargo::new(dir.path(), false);
        let linux = ["x86_64-unknown-linux-gnu"];
        *core.tree_ahead.lock().unwrap() = TreeAhead::start(&cargo, &linux, None);
        let all = ["--all-features".to_owned()];
        for other in [
            tree_command(&cargo, &["aarch64-apple-darwin"], &[]),
            tree_command(&cargo, &linux, &all),
            tree_command(&Cargo::new(elsewhere.path(), false), &linux, &[]),
            tree_command(&Cargo::new(dir.path(), true), &linux, &[]),
        ] {
            assert!(core.tree_ahead_for(&other).is_none(), "{other:?}");
        }
        let same = tree_command(&cargo, &linux, &[]);
        let ran = core.tree_ahead_for(&same).expect("taken");
        // Where cargo can run (not under Wine), it ran where it was started: an empty
        // directory has no manifest.
        if let Ok(ran) = ran {
            assert!(!ran.status.success());
            assert!(String::from_utf8_lossy(&ran.stderr).contains("Cargo.toml"));
        }
        assert!(core.tree_ahead_for(&same).is_none(), "taken once");
    }

    fn features_of(workflow: &str) -> CiFeatures {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
        std::fs::write(dir.path().join(".github/workflows/ci.yml"), workflow).unwrap();
        ci_features(dir.path(), None)
    }

    /// A job whose steps build with many feature sets, `more` among them.
    fn many_sets(more: &str) -> CiFeatures {
        let steps = [
            "cargo test --locked",
            more,
            "cargo build --locked -p app -F serde --features=tls",
            "cargo check --locked --no-default-features",
            "cargo test --locked --features ${{ matrix.f }}",
            "cargo test --locked --features $FEATURES",
            "cargo install --locked tool --features x",
        ];
        let steps: String = steps
            .iter()
            .filter(|step| !step.is_empty())
            .map(|step| format!("      - run: {step}\n"))
            .collect();
        features_of(&format!(
            "jobs:\n  a:\n    strategy:\n      matrix:\n        f: [tls, 'tls,serde']\n    steps:\n{steps}"
        ))
    }

    #[test]
    fn the_feature_sets_ci_builds_are_read_from_its_cargo_calls() {
        let found = many_sets("cargo test --locked --all-features");
        // `--all-features` holds every other set's graph: it alone is judged.
        let shown: Vec<String> = found.sets.iter().map(FeatureSet::shown).collect();
        assert_eq!(shown, ["--workspace --all-features"]);
        assert_eq!(found.sets[0].site, ".github/workflows/ci.yml:8");
        assert!(found.unknown.is_empty(), "{:?}", found.unknown);
        assert_eq!(found.select(), ["--workspace", "--all-features"]);
    }

    #[test]
    fn without_all_features_each_set_is_judged_and_the_unknown_named() {
        let found = many_sets("");
        let shown: Vec<String> = found.sets.iter().map(FeatureSet::shown).collect();
        assert_eq!(
            shown,
            [
                "-p app --features serde,tls",
                "--workspace --features tls",
                "--workspace --features serde,tls",
            ]
        );
        assert_eq!(found.sets[0].site, ".github/workflows/ci.yml:8");
        assert_eq!(found.unknown.len(), 1, "{:?}", found.unknown);
        assert!(
            found.unknown[0].contains("`$FEATURES`"),
            "{:?}",
            found.unknown
        );
    }

    #[test]
    fn cargo_hacks_powerset_builds_every_feature() {
        let found = features_of(
            "jobs:\n  a:\n    steps:\n      - run: cargo hack --locked check --feature-powerset --depth 2\n",
        );
        let shown: Vec<String> = found.sets.iter().map(FeatureSet::shown).collect();
        assert_eq!(shown, ["--workspace --all-features"]);
    }

    #[test]
    fn no_ci_or_default_features_only_add_nothing() {
        assert!(
            features_of("jobs:\n  a:\n    steps:\n      - run: cargo test --locked\n")
                .sets
                .is_empty()
        );
        let dir = tempfile::tempdir().unwrap();
        let none = ci_features(dir.path(), None);
        assert!(none.sets.is_empty() && none.unknown.is_empty());
    }
}
