//! `cargo gate pilot|controlled|broad`: runs the stage, prints the report, exits with the verdict.

use super::args::{ColorWhen, MessageFormat, RunArgs};
use super::error::CliError;
use super::output::print_stdout;
use super::progress::{Display, Verbosity};
use crate::engine;
use crate::engine::RunOptions;
use crate::error::GateError;
use crate::redact::Redactor;
use crate::render::Format;
use crate::runs::shown::rendered;
use crate::stage::Stage;
use crate::verdict::Mode;
use std::io::Write;

pub(crate) fn run_stage(
    stage: Stage,
    args: RunArgs,
    redactor: &mut Redactor,
) -> Result<i32, CliError> {
    if args.fetch {
        let done =
            super::fetch::fetch_advisories(args.manifest_path.as_deref(), args.config.as_deref())?;
        let _ = writeln!(std::io::stderr(), "gate: {}", redactor.text(&done));
    }
    let json_lines = args.message_format == MessageFormat::Json;
    let display = Display::new(
        verbosity(&args),
        &stage.to_string(),
        redactor.enabled(),
        json_lines,
    );
    let (format, color) = (args.format, args.color);
    let opts = run_options(stage, args)?;
    let result = display.around(|| engine::run_observed(&opts, redactor, &display))?;
    {
        let mut stderr = std::io::stderr().lock();
        for note in &result.recovered {
            let _ = writeln!(stderr, "note: {}", redactor.text(note));
        }
        if !matches!(format, Format::Text | Format::Markdown) {
            let _ = writeln!(stderr, "record {}", result.record_line);
        }
    }
    let out = if json_lines {
        // The report exactly as report.json holds it, on one line.
        let report = serde_json::to_string(&result.report).expect("the report serialises");
        format!("{{\"reason\":\"report\",\"report\":{report}}}\n")
    } else {
        let color = format == Format::Text && colored(color);
        rendered(format, &result, color, redactor)
    };
    print_stdout(&out);
    Ok(result.report.verdict.exit_code)
}

/// Whether the text report is coloured: anstream decides `auto` (a terminal, NO_COLOR,
/// CLICOLOR, CLICOLOR_FORCE).
fn colored(when: Option<ColorWhen>) -> bool {
    anstream::AutoStream::new(std::io::stdout(), ColorWhen::resolve(when)).current_choice()
        != anstream::ColorChoice::Never
}

/// What the engine is told: the stage, the flags, and the shard's archive digested.
fn run_options(stage: Stage, args: RunArgs) -> Result<RunOptions, CliError> {
    let mode = if args.strict {
        Some(Mode::Strict)
    } else if args.permissive {
        Some(Mode::Permissive)
    } else {
        None
    };
    let test_shard = match args.test_shard {
        Some((index, count)) => {
            let archive_sha256 = match &args.test_archive {
                Some(path) => Some(
                    gate_support::digest::sha256_file(path)
                        .map_err(|source| GateError::Read {
                            path: path.clone(),
                            source,
                        })?
                        .0,
                ),
                None => None,
            };
            Some(crate::tools::environment::TestShard {
                index,
                count,
                archive_sha256,
                archive: args.test_archive.clone(),
            })
        }
        None => None,
    };
    Ok(RunOptions {
        stage,
        manifest_path: args.manifest_path,
        config_path: args.config,
        mode,
        out: args.out,
        offline: args.offline,
        only: args.only,
        skip: args.skip,
        no_cache: args.no_cache,
        test_shard,
    })
}

fn verbosity(args: &RunArgs) -> Verbosity {
    if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    }
}
