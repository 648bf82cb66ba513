//! gate-ci: the cargo invocations a repository's CI runs, read from its CI files rather than
//! guessed. GitHub Actions workflows (`.github/workflows/*.yml`: every step's `run:`, cargo
//! run through an action), GitLab CI (`.gitlab-ci.yml`: every job's scripts, templates
//! merged) and CircleCI (`.circleci/config.yml`: jobs' and reusable commands' `run` steps,
//! with each parameter set) are read as YAML with positions ([`yaml`]); each script is split
//! into shell lines and commands ([`shell`]); variables that `env:` and a written-out
//! `strategy.matrix` (or CircleCI's parameters) define are expanded; each command that runs cargo (`cargo`, `cross`, a path to cargo, a variable
//! holding it, a cargo alias of `.cargo/config.toml`) is an [`Invocation`] with its flags,
//! features and `--manifest-path`. The walk follows what CI hands its builds to (the
//! Dockerfile a `docker build` builds, a script a step runs, the recipes of `make` and
//! `just`), the directory each command runs in (`working-directory`, `cd`, `pushd`), and
//! says which invocations build another lockfile (a workspace of its own below this one, a
//! checkout of another repository, a job that rewrote Cargo.lock on purpose first).
//!
//! Nothing here judges: cargo-gate's `ci.locked` check judges each invocation for
//! `--locked`, and its dependency checks read the feature sets CI builds. It is usable alone,
//! as a linter for CI files or to list what a CI builds:
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir_all(dir.path().join(".github/workflows"))?;
//! std::fs::write(
//!     dir.path().join(".github/workflows/ci.yml"),
//!     "jobs:\n  test:\n    steps:\n      - run: cargo test --locked --features serde\n",
//! )?;
//! let calls = gate_ci::cargo_calls(dir.path(), None)?;
//! let call = &calls.calls[0];
//! assert_eq!(call.invocation.command, "cargo test --locked --features serde");
//! assert_eq!(call.site.at, Some((4, 14)));
//! assert_eq!(call.invocation.features.named, ["serde"]);
//! assert_eq!(call.invocation.kind, gate_ci::Kind::judged(true));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod invocations;
mod matrix;
mod model;
mod providers;
mod raw;
mod reach;
mod recipes;
pub mod shell;
mod spawned;
mod walk;
pub mod yaml;

pub use invocations::{Features, Invocation, Kind};
pub use providers::circleci::CIRCLECI_FILE;
pub use providers::github::GITHUB_DIR;
pub use providers::gitlab::GITLAB_FILE;
pub use walk::{
    Apart, CiFile, MAX_CI_FILE, Malformed, Setup, Site, Tally, Unread, Unreadable, Visit, ci_files,
    unread_files, walk,
};

use std::path::Path;

/// One cargo invocation that builds the workspace, where it is written and in which job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub site: Site,
    /// Where it sits, in words (`` job `test`, step 1 ``; the file that started it).
    pub context: String,
    pub invocation: Invocation,
    /// Where the line reads a written-out matrix, every combination's invocation.
    pub each: Vec<Invocation>,
}

/// Every cargo invocation of a workspace's CI that builds it, with the files read.
#[derive(Debug, Default)]
pub struct Calls {
    /// The CI files read, by path from the workspace root.
    pub files: Vec<String>,
    pub calls: Vec<Call>,
    /// CI files that are not valid YAML.
    pub malformed: Vec<Malformed>,
    /// Dockerfiles CI builds whose names are expressions the walk cannot expand, as written,
    /// with where: their cargo calls are not among [`Calls::calls`].
    pub unresolved: Vec<(Site, String)>,
    /// What CI runs that the walk does not read (another CI system's configuration, an orb's
    /// command), with where: their cargo calls are not among [`Calls::calls`].
    pub unread: Vec<(Site, Unread)>,
    /// Where CI takes the toolchain pin away (`rm rust-toolchain.toml`), with the command as
    /// written: what it builds after runs on the runner's toolchain.
    pub unpinned: Vec<(Site, String)>,
    pub tally: Tally,
}

/// The cargo invocations that build the workspace at `root` (in the repository whose top
/// directory is `top`, when it is in one: the top's CI files count where they reach the
/// workspace).
///
/// # Errors
/// A CI file that cannot be read (not a regular file, larger than [`MAX_CI_FILE`], not UTF-8).
pub fn cargo_calls(root: &Path, top: Option<&Path>) -> Result<Calls, Unreadable> {
    let setup = Setup::of(root, top);
    let files = ci_files(&setup)?;
    let mut calls = Calls {
        files: files.iter().map(|f| f.rel.clone()).collect(),
        ..Calls::default()
    };
    calls.tally = walk(&setup, &files, &mut calls);
    Ok(calls)
}

impl Visit for Calls {
    fn reached(&mut self, site: Site, context: &str, invocation: Invocation, each: &[Invocation]) {
        self.calls.push(Call {
            site,
            context: context.to_owned(),
            invocation,
            each: each.to_vec(),
        });
    }

    fn apart(&mut self, _: Site, _: &str, _: &Invocation, _: Apart) {}

    fn malformed(&mut self, error: Malformed) {
        self.malformed.push(error);
    }

    fn unresolved(&mut self, site: Site, _: &str, written: &str) {
        self.unresolved.push((site, written.to_owned()));
    }

    fn unread(&mut self, site: Site, unread: Unread) {
        self.unread.push((site, unread));
    }

    fn unpinned(&mut self, site: Site, written: &str) {
        self.unpinned.push((site, written.to_owned()));
    }
}
