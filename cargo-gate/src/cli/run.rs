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
    let mode = if args.strict {
        Some(Mode::Strict)
    } else if args.permissive {
        Some(Mode::Permissive)
    } else {
        None
    };
    if args.fetch {
        let done =
            super::fetch::fetch_advisories(args.manifest_path.as_deref(), args.config.as_deref())?;
        let _ = writeln!(std::io::stderr(), "gate: {}", redactor.text(&done));
    }
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
            Some(crate::environment::TestShard {
                index,
                count,
                archive_sha256,
                archive: args.test_archive.clone(),
            })
        }
        None => None,
    };
    let opts = RunOptions {
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
    };
    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let json_lines = args.message_format == MessageFormat::Json;
    let display = Display::new(
        verbosity,
        &stage.to_string(),
        redactor.enabled(),
        json_lines,
    );
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
        if !matches!(args.format, Format::Text | Format::Markdown) {
            let _ = writeln!(stderr, "record {record} · chain head {head}");
        }
    }
    let record = format!("{record} · chain head {head}");
    if json_lines {
        // The report exactly as report.json holds it, on one line.
        let report = serde_json::to_string(&result.report).expect("the report serialises");
        print_stdout(&format!("{{\"reason\":\"report\",\"report\":{report}}}\n"));
        return Ok(result.report.verdict.exit_code);
    }
    let rendered = match args.format {
        Format::Json => render::json::render(&result.report),
        Format::Markdown => {
            render::markdown::render(&result.report, &record, Some(&timeline(&result)))
        }
        Format::Html => {
            let links = render::html::Links::from_ci(
                |name| std::env::var(name).ok(),
                result.report.commit.as_deref(),
            );
            render::html::render(&result.report, &timeline(&result), &links)
        }
        Format::Sarif => {
            let catalogue = crate::registry::all()
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
                .collect();
            let platform = redactor.platform(std::env::consts::OS);
            render::sarif::render(&result.report, &catalogue, &platform)
        }
        Format::Junit => {
            // The test run's names, when this run has them (a run without tests.pass, or
            // whose tests did not run, has none).
            let names = std::fs::read(result.record_dir.join(crate::facts::TEST_RESULTS_ARTIFACT))
                .ok()
                .and_then(|bytes| serde_json::from_slice::<render::junit::TestNames>(&bytes).ok());
            render::junit::render(&result.report, names.as_ref())
        }
        Format::Text => {
            // anstream decides `auto`: a terminal, NO_COLOR, CLICOLOR, CLICOLOR_FORCE.
            let choice = ColorWhen::resolve(args.color);
            let color = anstream::AutoStream::new(std::io::stdout(), choice).current_choice()
                != anstream::ColorChoice::Never;
            let record_dir = record.clone();
            let duration =
                redactor.duration(std::time::Duration::from_millis(result.report.duration_ms));
            render::text::render(
                &result.report,
                TextOptions { color },
                &record_dir,
                &duration,
            )
        }
    };
    print_stdout(&rendered);
    Ok(result.report.verdict.exit_code)
}

/// The latest runs of this run's stage and their benchmarks, for the charts (at most 30; this
/// run included). A record that cannot be read gives no charts, never an error: the report
/// itself is already written.
fn timeline(result: &crate::engine::RunResult) -> crate::report::Timeline {
    crate::record::read_chain(&result.out_dir)
        .map(|chain| crate::history::timeline(&result.out_dir, &chain, result.report.stage, 30))
        .unwrap_or_default()
}
