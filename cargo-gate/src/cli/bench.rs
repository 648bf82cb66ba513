//! `cargo gate bench`: runs the benchmarks against the baseline, or saves a new baseline.

use super::error::CliError;
use super::output::print_stdout;
use crate::redact::Redactor;
use crate::registry;
use crate::verdict::exit;
use crate::workspace::Workspace;
use std::io::Write;

pub(crate) fn bench(
    save: bool,
    manifest: Option<&std::path::Path>,
    offline: bool,
    redactor: &mut Redactor,
) -> Result<i32, CliError> {
    use crate::bench;
    let ws = Workspace::discover(manifest, offline)?;
    redactor.add_path(&ws.root, "<workspace>");
    let config = crate::config::load(&ws.config_layout(), None, &registry::known())?;
    let settings = config.section(&crate::shared::sections::BENCH);
    if let Some(decision) = &settings.no_benchmarks {
        // Nothing to run by the team's own statement; saving a baseline would contradict it.
        let said = format!(
            "gate.toml states the workspace has no benchmarks ([bench] no-benchmarks, owner {}: {})",
            decision.owner, decision.reason
        );
        if save {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(
                stderr,
                "error: {said}; remove that statement before saving a baseline"
            );
            return Ok(exit::COULD_NOT_EVALUATE);
        }
        print_stdout(&format!("{said}: nothing to run\n"));
        return Ok(exit::READY);
    }
    let seed = crate::tools::environment::seed("bench");
    let probes = crate::tools::environment::Probes::ask(&ws.root);
    let env = crate::tools::environment::observe(&ws, offline, seed, probes);
    let measurement = bench::measure(&ws, &config, &env)?;
    let measured = match measurement.results {
        Ok(m) => m,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", redactor.text(&e.to_string()));
            let _ = writeln!(stderr, "{}", redactor.text(&measurement.log));
            let default_command = settings.command == bench::BenchSettings::default().command;
            if matches!(e, bench::BenchError::NoResults { .. })
                && default_command
                && bench::bench_targets(&ws).is_empty()
            {
                let _ = writeln!(
                    stderr,
                    "help: the workspace has no bench target, so `cargo bench` measured \
                     nothing; add a benchmark (benches/*.rs), or, if none is needed, record that \
                     decision in gate.toml: {}",
                    bench::NO_BENCHMARKS_LINE
                );
            }
            return Ok(exit::COULD_NOT_EVALUATE);
        }
    };
    if save {
        let path = bench::save_baseline(&ws, &config, &env, &measured.benchmarks)?;
        print_stdout(&format!(
            "wrote the baseline of {} benchmark(s) to {}\n",
            measured.benchmarks.len(),
            redactor.text(&path.to_string_lossy())
        ));
        return Ok(exit::READY);
    }
    let baseline_path = bench::baseline_path(&ws, &config);
    let Some(baseline) = bench::read_baseline(&baseline_path)? else {
        print_stdout(&format!(
            "no baseline at {}: create one with `{}`\n",
            redactor.text(&baseline_path.to_string_lossy()),
            bench::SAVE_BASELINE_COMMAND
        ));
        return Ok(exit::COULD_NOT_EVALUATE);
    };
    let mut text = String::new();
    let mut worst = exit::READY;
    for c in bench::compare(
        &baseline,
        &measured.benchmarks,
        config
            .section(&crate::shared::sections::BENCH)
            .max_regression,
    ) {
        if matches!(
            c.verdict,
            bench::BenchVerdict::Regressed | bench::BenchVerdict::Missing
        ) {
            worst = exit::NOT_READY;
        }
        text.push_str(&format!(
            "{:<12} {:<40} p50 {} p95 {}\n",
            format!("{:?}", c.verdict),
            c.id,
            c.slower_p50.map_or("-".into(), bench::format_change),
            c.slower_p95.map_or("-".into(), bench::format_change)
        ));
    }
    print_stdout(&text);
    Ok(worst)
}
