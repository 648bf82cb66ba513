//! `cargo gate checks` and `cargo gate explain ID`: the catalogue, built-in checks and the
//! workspace's team checks.

use super::error::CliError;
use super::output::print_stdout;
use crate::error::GateError;
use crate::exit;
use crate::registry;
use crate::workspace::Workspace;

/// `cargo gate checks`: every check, id, stage and what it establishes.
pub(crate) fn list() -> Result<i32, CliError> {
    let mut text = String::new();
    for meta in registry::metas().chain(team_checks().iter().map(|c| c.meta())) {
        text.push_str(&format!(
            "{:<18} {:<10} {}\n",
            meta.id, meta.stage, meta.summary
        ));
    }
    print_stdout(&text);
    Ok(exit::READY)
}

/// `cargo gate explain ID`: what a check establishes, how to fix it, how to waive it.
pub(crate) fn explain(id: String) -> Result<i32, CliError> {
    let team = team_checks();
    let check = registry::find(&id)
        .or_else(|| team.iter().copied().find(|c| c.meta().id == id))
        .ok_or(GateError::UnknownCheck { id })?;
    let meta = check.meta();
    let mut text = format!(
        "{}\n\nstage: {} (and every later stage)\nestablishes: {}\nfix: {}\n",
        meta.id, meta.stage, meta.summary, meta.fix
    );
    if !meta.config.is_empty() {
        text.push_str("config:\n");
        for key in meta.config {
            text.push_str(&format!(
                "  {} (default {}): {}\n",
                key.key, key.default, key.meaning
            ));
        }
    }
    if !meta.codes.is_empty() {
        text.push_str("codes:\n");
        for code in meta.codes {
            text.push_str(&format!("  {:<28} {}\n", code.name, code.summary));
        }
    }
    if let Some((_, instead)) = crate::waiver::NEVER_WAIVED
        .iter()
        .find(|(id, _)| *id == meta.id)
    {
        text.push_str(&format!("waive: never ({instead})\n"));
    } else {
        let what = if crate::waiver::PATH_SCOPED.contains(&meta.id) {
            "<the files, directories written out: tests/fixtures/keys/*.pem>"
        } else {
            "<a code, path glob, crate name, or text of the finding>"
        };
        text.push_str(&format!(
            "waive (a finding you accept, for a while):\n  [[waiver]]\n  check = \"{}\"\n  match = \"{what}\"\n  reason = \"<why it is acceptable>\"\n  owner = \"<who decided>\"\n  expires = \"<YYYY-MM-DD>\"\n",
            meta.id
        ));
    }
    print_stdout(&text);
    Ok(exit::READY)
}

/// The `[[check]]`s of the workspace in the current directory, when there is one with a
/// valid configuration (listing and explaining checks works anywhere).
fn team_checks() -> Vec<&'static dyn crate::check::Check> {
    Workspace::discover(None, true)
        .ok()
        .and_then(|ws| crate::config::load(&ws.config_layout(), None, &registry::known()).ok())
        .map(|config| registry::team_checks(&config))
        .unwrap_or_default()
}
