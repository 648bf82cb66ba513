//! `cargo gate pilot|controlled|broad`: runs the stage, prints the report, exits with the verdict.

use super::args::{ColorWhen, MessageFormat, RunArgs};
use super::error::CliError;
use super::output::print_stdout;
use super::progress::{Display, Verbosity};
use crate::engine;
use crate::engine::RunOptions;
use crate::error::GateError;
use crate::redact::Redactor;
use crate::render::{self, Format, text::TextOptions};
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
    let record = format!(
        "{}/{}",
        redactor.text(&result.out_dir.to_string_lossy()),
        result.report.record
    );
    // The head names this run and, through the chain, every run before it: kept outside the
    // output directory, `cargo gate verify --expect-head` proves none of them was rewritten.
    let head = format!("sha256:{}", redactor.hash(&result.head));
    {
        let mut stderr = std::io::stderr().lock();
        for note in &result.recovered {
            let _ = writeln!(stderr, "note: {}", redactor.text(note));
        }
        if !matches!(format, Format::Text | Format::Markdown) {
            let _ = writeln!(stderr, "record {record} · chain head {head}");
        }
    }
    if json_lines {
        // The report exactly as report.json holds it, on one line.
        let report = serde_json::to_string(&result.report).expect("the report serialises");
        print_stdout(&format!("{{\"reason\":\"report\",\"report\":{report}}}\n"));
        return Ok(result.report.verdict.exit_code);
    }
    let record = format!("{record} · chain head {head}");
    print_stdout(&rendered(format, color, &result, &record, redactor));
    Ok(result.report.verdict.exit_code)
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

/// The report in `format`: one render step per format, each given what it needs beyond the
/// report (`record`: the record's path and chain head, as the text and Markdown show them).
fn rendered(
    format: Format,
    color: Option<ColorWhen>,
    result: &engine::RunResult,
    record: &str,
    redactor: &Redactor,
) -> String {
    let report = &result.report;
    match format {
        Format::Json => render::json::render(report),
        Format::Markdown => render::markdown::render(report, record, Some(&timeline(result))),
        Format::Html => {
            let links = render::html::Links::from_ci(
                |name| std::env::var(name).ok(),
                report.commit.as_deref(),
            );
            render::html::render(report, &timeline(result), &links)
        }
        Format::Sarif => {
            let platform = redactor.platform(std::env::consts::OS);
            render::sarif::render(report, &sarif_catalogue(), &platform)
        }
        Format::Junit => render::junit::render(report, test_names(result).as_ref()),
        Format::Text => {
            // anstream decides `auto`: a terminal, NO_COLOR, CLICOLOR, CLICOLOR_FORCE.
            let choice = ColorWhen::resolve(color);
            let color = anstream::AutoStream::new(std::io::stdout(), choice).current_choice()
                != anstream::ColorChoice::Never;
            let duration = redactor.duration(std::time::Duration::from_millis(report.duration_ms));
            render::text::render(report, TextOptions { color }, record, &duration)
        }
    }
}

/// Each check's rule for SARIF: its summary, fix and codes, from the registry.
fn sarif_catalogue() -> render::sarif::Catalogue<'static> {
    crate::registry::all()
        .iter()
        .map(|c| c.meta())
        .map(|m| {
            let rule = render::sarif::RuleInfo {
                summary: m.summary,
                fix: m.fix,
                codes: m.codes,
            };
            (m.id, rule)
        })
        .collect()
}

/// The test run's names, when this run has them (a run without tests.pass, or whose tests
/// did not run, has none), for JUnit.
fn test_names(result: &engine::RunResult) -> Option<render::junit::TestNames> {
    std::fs::read(result.record_dir.join(crate::facts::TEST_RESULTS_ARTIFACT))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

/// The latest runs of this run's stage and their benchmarks, for the charts (at most 30; this
/// run included). A record that cannot be read gives no charts, never an error: the report
/// itself is already written.
fn timeline(result: &crate::engine::RunResult) -> crate::report::Timeline {
    crate::record::read_chain(&result.out_dir)
        .map(|chain| {
            crate::runs::history::timeline(&result.out_dir, &chain, result.report.stage, 30)
        })
        .unwrap_or_default()
}
