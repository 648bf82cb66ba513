//! `cargo gate history`, `diff` and `status`: the recorded runs, read through the chain.

use super::args::OutArgs;
use super::error::CliError;
use super::output::print_stdout;
use crate::error::GateError;
use crate::record;
use crate::redact::Redactor;
use crate::verdict::exit;
use crate::workspace::Workspace;

/// Run ids are times; under redaction each of `ids` in `text` prints as `<run-N>`, its
/// position in history.
pub(crate) fn label_runs(redactor: &Redactor, ids: &[&str], text: &str) -> String {
    let mut text = text.to_owned();
    if redactor.enabled() {
        for (i, id) in ids.iter().enumerate() {
            text = text.replace(id, &format!("<run-{}>", i + 1));
        }
    }
    text
}

/// The ids of a chain's runs, in history order.
pub(crate) fn chain_ids(chain: &record::Chain) -> Vec<&str> {
    chain.runs.iter().map(|r| r.entry.run_id.as_str()).collect()
}

/// Run ids print as `<run-N>` (their position in history) under redaction.
pub(crate) fn run_label(redactor: &Redactor, chain: &record::Chain, id: &str) -> String {
    if !redactor.enabled() {
        return id.to_owned();
    }
    chain
        .runs
        .iter()
        .position(|r| r.entry.run_id == id)
        .map_or_else(|| "<run-?>".to_owned(), |i| format!("<run-{}>", i + 1))
}

/// The runs whose files do not verify (an artifact changed, missing, replaced by a link or
/// a special file), as `verify` checks them: a run is shown as it was recorded only when
/// every file of it is intact.
fn failing_runs(out: &std::path::Path, chain: &record::Chain) -> Result<Vec<String>, GateError> {
    if chain.runs.is_empty() {
        return Ok(Vec::new());
    }
    let report = record::verify(out, None, None)?;
    Ok(chain
        .runs
        .iter()
        .map(|r| r.entry.run_id.clone())
        .filter(|id| {
            let dir = format!("runs/{id}");
            report
                .problems
                .iter()
                .any(|p| p.path == dir || p.path.starts_with(&format!("{dir}/")))
        })
        .collect())
}

pub(crate) fn history(args: &OutArgs, redactor: &mut Redactor) -> Result<i32, CliError> {
    let out = args.resolve()?;
    let chain = record::read_chain(&out)?;
    let failing = failing_runs(&out, &chain)?;
    let mut text = format!(
        "{:<32} {:<10} {:<18} {:<12} {}\n",
        "run", "stage", "result", "commit", "time"
    );
    for run in &chain.runs {
        let e = &run.entry;
        let commit = e.commit.as_deref().map_or("-".to_owned(), |c| {
            let short = &c[..c.len().min(12)];
            redactor.hash(short)
        });
        let result = if run.trusted && !failing.contains(&e.run_id) {
            e.result.to_string()
        } else {
            format!("{} (does not verify)", e.result)
        };
        text.push_str(&format!(
            "{:<32} {:<10} {:<18} {:<12} {}\n",
            run_label(redactor, &chain, &e.run_id),
            e.stage,
            result,
            commit,
            redactor.time(e.time.clone())
        ));
    }
    text.push_str(&format!("{} run(s)\n", chain.runs.len()));
    let ids = chain_ids(&chain);
    if !chain.intact() {
        text.push_str(&format!(
            "the record does not verify: {}; `cargo gate verify` lists every problem\n",
            label_runs(redactor, &ids, &chain.summary())
        ));
    } else if !failing.is_empty() {
        text.push_str(&format!(
            "the record does not verify: the files of {} run(s) changed since they were \
             recorded ({}); `cargo gate verify` lists every problem\n",
            failing.len(),
            label_runs(redactor, &ids, &failing.join(", "))
        ));
    }
    print_stdout(&text);
    // As `verify`: a record that does not verify is not an answer to stand on.
    Ok(if chain.intact() && failing.is_empty() {
        exit::READY
    } else {
        exit::NOT_READY
    })
}

pub(crate) fn diff(
    a: &str,
    b: &str,
    args: &OutArgs,
    redactor: &mut Redactor,
) -> Result<i32, CliError> {
    for id in [a, b] {
        if !record::is_run_id(id) {
            return Err(GateError::Record(format!(
                "`{id}` is not a run id: a run id is one name under runs/ (no `/`, `\\`, `..` \
                 or leading `.`), as `cargo gate history` lists them"
            ))
            .into());
        }
    }
    let out = args.resolve()?;
    let chain = record::read_chain(&out)?;
    let d = crate::runs::history::diff(&out, &chain, a, b)?;
    let mut text = format!(
        "{} → {}\n",
        run_label(redactor, &chain, a),
        run_label(redactor, &chain, b)
    );
    if d.status_changes.is_empty() && d.appeared.is_empty() && d.vanished.is_empty() {
        text.push_str("no change in check statuses or findings\n");
    }
    for (id, before, after) in &d.status_changes {
        text.push_str(&format!("  {id}: {before} → {after}\n"));
    }
    for (id, finding) in &d.appeared {
        text.push_str(&format!("  + {id}: {}\n", redactor.text(finding)));
    }
    for (id, finding) in &d.vanished {
        text.push_str(&format!("  - {id}: {}\n", redactor.text(finding)));
    }
    print_stdout(&text);
    Ok(exit::READY)
}

pub(crate) fn status(args: &OutArgs, redactor: &mut Redactor) -> Result<i32, CliError> {
    let out = args.resolve()?;
    let ws = Workspace::discover(args.manifest_path.as_deref(), true)?;
    let Some(commit) = ws.git.as_ref().and_then(|g| g.commit.clone()) else {
        print_stdout("not a git work tree with a commit: readiness is recorded per commit\n");
        return Ok(exit::NOT_READY);
    };
    let chain = record::read_chain(&out)?;
    if !chain.intact() {
        // A record that does not verify is evidence of nothing, not even of its intact runs.
        print_stdout(&format!(
            "not ready: the record under {} does not verify ({}); `cargo gate verify` lists \
             every problem\n",
            redactor.text(&out.to_string_lossy()),
            label_runs(redactor, &chain_ids(&chain), &chain.summary())
        ));
        return Ok(exit::NOT_READY);
    }
    let dirty = ws.git.as_ref().is_some_and(|g| g.dirty);
    let note = if dirty {
        " (the work tree has uncommitted changes since)"
    } else {
        ""
    };
    let shown = redactor.hash(&commit[..commit.len().min(12)]);
    match crate::runs::history::status(&chain, &commit) {
        Some(run) => {
            print_stdout(&format!(
                "READY for {} at {shown}: run {} ({}){note}\n",
                run.entry.stage,
                run_label(redactor, &chain, &run.entry.run_id),
                redactor.time(run.entry.time.clone())
            ));
            Ok(exit::READY)
        }
        None => {
            print_stdout(&format!(
                "not ready for any stage at {shown}: no READY run recorded for this commit on a \
                 clean work tree{note}\n"
            ));
            Ok(exit::NOT_READY)
        }
    }
}
