//! The command line: arguments (`args`, clap with `bin_name = "cargo"`) apart from
//! behaviour, one module per subcommand, and one error type (`CliError`, in `error`) that
//! owns its exit code and its rendering. Reports go to stdout, diagnostics to stderr.

mod args;
mod bench;
mod cache;
mod checks;
mod docs;
mod error;
mod fetch;
mod history;
mod init;
mod kernels;
mod merge;
mod output;
mod progress;
mod run;
mod verify;

use crate::redact::Redactor;
use crate::stage::Stage;
use crate::verdict::exit;
use args::{Cargo, GateCommand};
use clap::Parser;
use error::CliError;
use output::print_stdout;
use std::ffi::OsString;
use std::io::Write;

pub use docs::{completion, man_pages};

/// The clap definition, for generated documentation (`cargo xtask codegen`).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cargo::command()
}

/// Entry point of the `cargo-gate` binary: parses `std::env::args_os()`, runs, and returns
/// the process exit code.
pub fn main() -> i32 {
    let args: Vec<OsString> = std::env::args_os().collect();
    // A build the gate runs calling nvcc: this binary is the witness in front of it.
    if args
        .first()
        .is_some_and(|a| gate_witness::called_as_nvcc(a))
    {
        return gate_witness::witness::main();
    }
    crate::facts::witness::this_binary_acts_as_nvcc();
    // cargo starting a test binary through the gate (a per-binary test run): not a command
    // anyone types, so not one clap knows.
    if args.get(1).is_some_and(|a| a == crate::facts::RUNNER_ARG) {
        return crate::facts::runner_main(&args[2..]);
    }
    // cargo starting rustdoc through the gate (a per-crate doc-test run): only for the
    // `cargo test --doc` that sets the variable, which the real rustdoc never sees.
    if crate::facts::is_rustdoc_shim() && args.get(1).is_none_or(|a| a != "gate") {
        return crate::facts::rustdoc_main(&args[1..]);
    }
    // Whether the machine is idle, asked before the gate starts a thread of its own.
    crate::tools::priority::note_start();
    // What the gate's commands leave running becomes the gate's, and is ended with them.
    #[cfg(target_os = "linux")]
    crate::tools::orphans::adopt();
    let code = main_with(args);
    crate::tools::process::end_everything_left();
    code
}

/// [`main`] with explicit arguments (`argv[0]` first).
pub fn main_with(args: impl IntoIterator<Item = OsString>) -> i32 {
    let Cargo::Gate(gate) = match Cargo::try_parse_from(args) {
        Ok(parsed) => parsed,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                exit::COULD_NOT_EVALUATE
            } else {
                exit::READY
            };
        }
    };
    let mut redactor = Redactor::from_env();
    crate::tools::process::guard_secrets();
    crate::tools::process::install_interrupt_handler();
    // A panic is a bug in the gate: it is said (the hook printed where), and the run is one
    // that could not evaluate, never a verdict.
    let dispatched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        dispatch(gate.command, &mut redactor)
    }));
    match dispatched {
        Ok(Ok(code)) => code,
        Ok(Err(err)) => {
            let _ = write!(std::io::stderr().lock(), "{}", redactor.text(&err.render()));
            err.exit_code()
        }
        Err(_) => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "error: cargo-gate failed inside (a bug in the gate, not in the workspace; the \
                 message above says where): nothing was judged or recorded"
            );
            exit::COULD_NOT_EVALUATE
        }
    }
}

fn dispatch(command: GateCommand, redactor: &mut Redactor) -> Result<i32, CliError> {
    match command {
        GateCommand::Pilot(args) => run::run_stage(Stage::Pilot, args, redactor),
        GateCommand::Controlled(args) => run::run_stage(Stage::Controlled, args, redactor),
        GateCommand::Broad(args) => run::run_stage(Stage::Broad, args, redactor),
        GateCommand::Verify(args) => verify::verify(args, redactor),
        GateCommand::History(args) => history::history(&args, redactor),
        GateCommand::Diff { a, b, out } => history::diff(&a, &b, &out, redactor),
        GateCommand::Status(args) => history::status(&args, redactor),
        GateCommand::Merge { inputs, out } => merge::merge(&inputs, &out, redactor),
        GateCommand::Init {
            force,
            dry_run,
            baseline,
            manifest_path,
            offline,
            shards,
        } => init::init(
            crate::init::InitOptions {
                force,
                dry_run,
                baseline,
                shards,
            },
            manifest_path.as_deref(),
            offline,
            redactor,
        ),
        GateCommand::Bench {
            save_baseline,
            manifest_path,
            offline,
        } => bench::bench(save_baseline, manifest_path.as_deref(), offline, redactor),
        GateCommand::Cache { action } => cache::cache(&action, redactor),
        GateCommand::FetchAdvisories { manifest_path } => {
            let done = fetch::fetch_advisories(manifest_path.as_deref(), None)?;
            print_stdout(&format!("{}\n", redactor.text(&done)));
            Ok(crate::verdict::exit::READY)
        }
        GateCommand::Kernels {
            format,
            no_build,
            manifest_path,
            offline,
        } => kernels::kernels(
            manifest_path.as_deref(),
            format,
            no_build,
            offline,
            redactor,
        ),
        GateCommand::Checks { format } => checks::list(format),
        GateCommand::Explain { id } => checks::explain(id),
        GateCommand::Completions { shell } => docs::completions(shell),
        GateCommand::Man { dir } => docs::man(&dir),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cargo::command().debug_assert();
    }
}
