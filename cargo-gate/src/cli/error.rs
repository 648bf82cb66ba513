//! The command line's one error type: what ends a subcommand with "could not evaluate" (exit
//! 2), whichever layer it comes from: the library's [`GateError`], or a refusal of `init`,
//! `merge` or `bench` with their own types. It owns the exit code and the rendering
//! (`error: …` and `  help: …` lines) that `cli::main_with` prints.

use crate::bench::BenchError;
use crate::error::GateError;
use crate::init::InitError;
use crate::runs::merge::MergeError;

/// Why a subcommand could not evaluate.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The library's error (workspace, configuration, record, run).
    #[error(transparent)]
    Gate(#[from] GateError),
    /// `init` refused, or could not write what it planned.
    #[error(transparent)]
    Init(#[from] InitError),
    /// `merge` could not merge at all.
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// `bench` could not measure, or read or write the baseline.
    #[error(transparent)]
    Bench(#[from] BenchError),
}

impl From<gate_record::RecordError> for CliError {
    fn from(e: gate_record::RecordError) -> CliError {
        CliError::Gate(e.into())
    }
}

impl From<crate::config::ConfigErrors> for CliError {
    fn from(errors: crate::config::ConfigErrors) -> CliError {
        CliError::Gate(errors.into())
    }
}

impl CliError {
    /// How to fix it, when there is something to say.
    pub(crate) fn help(&self) -> Option<String> {
        match self {
            CliError::Gate(err) => err.help(),
            CliError::Init(err) => err.help(),
            CliError::Merge(MergeError::NoCommit) => Some(
                "run it in a git work tree with a commit: records are merged per commit".into(),
            ),
            CliError::Merge(MergeError::Write { .. }) => {
                Some("choose a writable directory with --out DIR, or fix the permissions".into())
            }
            CliError::Merge(MergeError::NoInputs) => None,
            CliError::Bench(BenchError::Malformed { .. }) => Some(format!(
                "fix or delete the baseline, then save a new one with `{}`",
                crate::bench::SAVE_BASELINE_COMMAND
            )),
            CliError::Bench(_) => None,
        }
    }

    /// The exit code a subcommand that ends with this error returns: always "could not
    /// evaluate".
    pub(crate) fn exit_code(&self) -> i32 {
        crate::verdict::exit::COULD_NOT_EVALUATE
    }

    /// What the user sees on stderr: `error: …` and `  help: …` lines, one pair per problem.
    pub(crate) fn render(&self) -> String {
        match self {
            CliError::Gate(err) => err.render(),
            other => match other.help() {
                Some(help) => format!("error: {other}\n  help: {help}\n"),
                None => format!("error: {other}\n"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_of_init_renders_as_it_did_when_the_cli_printed_it() {
        let refusal = InitError::Exists {
            paths: vec!["gate.toml".into()],
        };
        let help = refusal.help().expect("a refusal says how to go on");
        let expected = format!("error: {refusal}\n  help: {help}\n");
        assert_eq!(CliError::from(refusal).render(), expected);
    }

    #[test]
    fn a_library_error_renders_as_the_library_renders_it() {
        let err = GateError::UnknownCheck { id: "x.y".into() };
        let expected = err.render();
        assert_eq!(CliError::from(err).render(), expected);
        assert!(CliError::from(MergeError::NoCommit).help().is_some());
    }
}
