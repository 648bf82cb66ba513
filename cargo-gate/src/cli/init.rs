//! `cargo gate init`: writes gate.toml, the checklist and a CI workflow (optionally with a baseline of waivers).

use super::print_stdout;
use crate::engine;
use crate::engine::RunOptions;
use crate::error::GateError;
use crate::exit;
use crate::redact::Redactor;
use crate::stage::Stage;
use crate::workspace::Workspace;
use std::io::Write;

pub(crate) fn init(
    opts: crate::init::InitOptions,
    manifest: Option<&std::path::Path>,
    offline: bool,
    redactor: &mut Redactor,
) -> Result<i32, GateError> {
    use crate::init;
    let ws = Workspace::discover(manifest, offline)?;
    redactor.add_path(&ws.root, "<workspace>");
    let today = init::today_utc();
    let refuse = |e: init::InitError| {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "error: {}", redactor.text(&e.to_string()));
        if let Some(help) = e.help() {
            let _ = writeln!(stderr, "  help: {help}");
        }
        Ok(exit::COULD_NOT_EVALUATE)
    };
    // A refusal is instant: nothing runs before the targets are known to be free.
    if let Err(e) = init::plan(&ws, &[], &opts, &today) {
        return refuse(e);
    }
    let findings = if opts.baseline {
        // Measured against the defaults init writes, recorded outside the workspace's history.
        let scratch = tempfile::Builder::new()
            .prefix("cargo-gate-init-")
            .tempdir()
            .map_err(|source| GateError::OutDir {
                path: tempfile::env::temp_dir(),
                source,
            })?;
        let empty_config = scratch.path().join("gate.toml");
        std::fs::write(&empty_config, "").map_err(|e| GateError::Internal(e.to_string()))?;
        let run = engine::run(
            &RunOptions {
                stage: Stage::Pilot,
                manifest_path: Some(ws.manifest_path.clone()),
                config_path: Some(empty_config),
                mode: None,
                out: Some(scratch.path().join("out")),
                offline,
                only: Vec::new(),
                skip: Vec::new(),
                no_cache: true,
            },
            &mut Redactor::disabled(),
        );
        drop(scratch);
        let result = run?;
        if result.report.verdict.exit_code == exit::COULD_NOT_EVALUATE {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(
                stderr,
                "error: the baseline run could not evaluate: {}",
                result.report.verdict.unevaluated.join(", ")
            );
            return Ok(exit::COULD_NOT_EVALUATE);
        }
        init::baseline_findings(&result.report)
    } else {
        Vec::new()
    };
    let files = match init::plan(&ws, &findings, &opts, &today) {
        Ok(files) => files,
        Err(e) => return refuse(e),
    };
    if let Err(e) = init::write(&ws.root, &files, &opts) {
        return refuse(e);
    }
    print_stdout(&redactor.text(&init::describe(&files, &opts)));
    Ok(exit::READY)
}
