//! `cargo gate merge`: merges CI jobs' records for this commit.

use super::args::OutArgs;
use super::error::CliError;
use super::output::print_stdout;
use crate::engine;
use crate::redact::Redactor;
use crate::workspace::Workspace;
use std::path::PathBuf;

pub(crate) fn merge(
    inputs: &[PathBuf],
    args: &OutArgs,
    redactor: &mut Redactor,
) -> Result<i32, CliError> {
    let ws = Workspace::discover(args.manifest_path.as_deref(), true)?;
    let commit = ws
        .git
        .as_ref()
        .and_then(|g| g.commit.clone())
        .ok_or(crate::runs::merge::MergeError::NoCommit)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| engine::out_dir(&ws, None));
    redactor.add_path(&out, "<out>");
    let report = crate::runs::merge::merge(&out, &commit, inputs)?;
    let mut text = String::new();
    if let Some(written) = &report.written {
        text.push_str(&format!(
            "merged {} record(s) for {} into {}\n",
            written.record.inputs.len(),
            redactor.hash(&commit[..commit.len().min(12)]),
            {
                let dir = redactor.text(&written.dir.to_string_lossy());
                if redactor.enabled() {
                    dir.replace(&written.merge_id, "<merge-id>")
                } else {
                    dir
                }
            }
        ));
        for input in &written.record.inputs {
            text.push_str(&format!(
                "  {:<8} {:<10} {:<18} {}\n",
                input.platform,
                input.stage,
                input.result,
                redactor.text(&input.source.to_string())
            ));
        }
    }
    for set in report.shard_sets() {
        text.push_str(&format!("SHARDS   {}\n", set.describe()));
    }
    for refusal in &report.refused {
        text.push_str(&format!(
            "REFUSED  {}: {}\n",
            redactor.text(&refusal.source.to_string()),
            redactor.text(&refusal.reason)
        ));
    }
    print_stdout(&text);
    Ok(report.exit_code())
}
