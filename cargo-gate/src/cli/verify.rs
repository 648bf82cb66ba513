//! `cargo gate verify`: re-hashes run records and walks their chain.

use super::args::VerifyArgs;
use super::error::CliError;
use super::history::label_runs;
use super::output::print_stdout;
use crate::engine;
use crate::error::GateError;
use crate::record;
use crate::redact::Redactor;
use crate::verdict::exit;
use crate::workspace::Workspace;
use std::path::PathBuf;

pub(crate) fn verify(args: VerifyArgs, redactor: &mut Redactor) -> Result<i32, CliError> {
    let (out, only) = match &args.run {
        Some(run_dir) => {
            let run_dir = run_dir.canonicalize().map_err(|source| GateError::Read {
                path: run_dir.clone(),
                source,
            })?;
            // A run directory is `<out>/runs/<id>`: anything else (a file, a device) is named.
            let in_runs = run_dir
                .parent()
                .is_some_and(|runs| runs.file_name().is_some_and(|n| n == "runs"));
            if !run_dir.is_dir() || !in_runs {
                return Err(GateError::NotARunDir { path: run_dir }.into());
            }
            let id = run_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let out = run_dir
                .parent()
                .and_then(|runs| runs.parent())
                .map(PathBuf::from)
                .ok_or_else(|| GateError::NotARunDir {
                    path: run_dir.clone(),
                })?;
            (out, Some(id))
        }
        None => match args.out {
            Some(out) => (out, None),
            None => {
                let ws = Workspace::discover(args.manifest_path.as_deref(), true)?;
                (engine::out_dir(&ws, None), None)
            }
        },
    };
    redactor.add_path(&out, "<out>");
    let report = record::verify(&out, only.as_deref(), args.expect_head.as_deref())?;
    let ids: Vec<&str> = report.runs_checked.iter().map(String::as_str).collect();
    let redact_ids = |text: &str| label_runs(redactor, &ids, text);
    let mut text = String::new();
    for note in &report.recovered {
        text.push_str(&redact_ids(&format!("recovered: {note}\n")));
    }
    for problem in &report.problems {
        text.push_str(&redact_ids(&format!(
            "TAMPERED  {}: {}\n",
            problem.path, problem.message
        )));
    }
    let head = report.head.as_deref().map_or_else(String::new, |h| {
        format!("; chain head sha256:{}", redactor.hash(h))
    });
    let code = if report.intact() {
        text.push_str(&format!(
            "verified {} run(s) under {}: every file and link intact{head}\n",
            report.runs_checked.len(),
            redactor.text(&out.to_string_lossy())
        ));
        exit::READY
    } else {
        text.push_str(&format!(
            "verification FAILED: {} problem(s) in {} run(s) checked\n",
            report.problems.len(),
            report.runs_checked.len()
        ));
        exit::NOT_READY
    };
    print_stdout(&text);
    Ok(code)
}
