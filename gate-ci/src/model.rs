//! What the providers' readers hand to the check: each script of a CI file, with its context
//! in words, the `env:` in force, and how its lines are found in the raw text.

use crate::yaml::Node;

/// One script (a `run:` or a `script:` item) and where it sits, in words.
#[derive(Debug, Default)]
pub(crate) struct Script {
    /// Where it sits, in words (`job `test`, step 2`), for the findings.
    pub(crate) context: String,
    /// The script as the YAML parser reads it.
    pub(crate) text: String,
    /// How to find it in the raw file.
    pub(crate) place: Place,
    /// The `env:` variables in force (workflow, job, step), to expand `$CARGO` and
    /// `${{ env.CARGO }}`.
    pub(crate) env: Vec<(String, String)>,
    /// The directory its commands start in, as written (`working-directory:` of the step, or
    /// the job's or workflow's `defaults.run`); `None` for the repository root.
    pub(crate) working_directory: Option<String>,
    /// The combinations of the job's `strategy.matrix` when it is written out literally
    /// (empty otherwise, and for GitLab): `${{ matrix.NAME }}` is judged with each. For
    /// CircleCI, the parameter sets the script runs with (`parameters`).
    pub(crate) matrix: Vec<crate::matrix::Combination>,
    /// Where the parser says it is written (the `run:` key, the step, the script item; inside
    /// the template for one merged in with `<<`): the search for its lines starts on that line.
    pub(crate) at: usize,
    /// Other repositories that earlier steps of its job checked out (`actions/checkout` with
    /// `repository:`): a command running in one of them builds that repository, not this one.
    pub(crate) checkouts: Vec<OtherCheckout>,
    /// The job it belongs to (its key); `None` for GitLab's top-level and `default:` scripts.
    pub(crate) job: Option<String>,
    /// `matrix` holds CircleCI's parameter sets (`<< parameters.NAME >>`), not a GitHub
    /// matrix.
    pub(crate) parameters: bool,
}

/// A checkout of another repository in a job: its `path:` (from the repository root; empty
/// when it replaced the root) and the repository, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OtherCheckout {
    pub(crate) path: std::path::PathBuf,
    pub(crate) repository: String,
}

impl OtherCheckout {
    /// The checkout of another repository that directory `dir` (from the repository root;
    /// `None`: not known) lies in, the latest first: a checkout that replaced the root holds
    /// every directory.
    pub(crate) fn holding<'c>(
        checkouts: &'c [OtherCheckout],
        dir: Option<&std::path::Path>,
    ) -> Option<&'c OtherCheckout> {
        checkouts
            .iter()
            .rev()
            .find(|c| c.path.as_os_str().is_empty() || dir.is_some_and(|d| d.starts_with(&c.path)))
    }
}

/// How a script's lines are found in the raw file, from where the parser says it is.
#[derive(Debug, Default)]
pub(crate) enum Place {
    /// From the script's own line on (GitLab's script items).
    #[default]
    Text,
    /// Under a GitHub step's `run:` key: only that key's block is searched, so a step's
    /// `name:`, `if:` or an action's inputs that repeat the command are never taken for it.
    Run,
    /// A step running cargo through an action (`actions-rs/cargo`): the command is written
    /// nowhere, so it is located at the `command:` input of the step whose `uses:` is this.
    Action { uses: String },
}

/// A mapping key (or a scalar) as text; empty for anything else.
pub(crate) fn key_name(key: &Node) -> String {
    key.scalar_text().unwrap_or_default()
}
