//! `cargo gate checks` and `cargo gate explain ID`: the catalogue, built-in checks and the
//! workspace's team checks.

use super::args::ListFormat;
use super::error::CliError;
use super::output::print_stdout;
use crate::error::GateError;
use crate::registry;
use crate::verdict::exit;
use crate::workspace::Workspace;

/// `cargo gate checks`: every check, id, stage and what it establishes; as JSON with the
/// codes and configuration keys too.
pub(crate) fn list(format: ListFormat) -> Result<i32, CliError> {
    let team = team_checks();
    let metas = registry::metas().chain(team.iter().map(|c| c.meta()));
    let text = match format {
        ListFormat::Text => metas
            .map(|meta| format!("{:<18} {:<10} {}\n", meta.id, meta.stage, meta.summary))
            .collect(),
        ListFormat::Json => {
            let team_ids: Vec<&str> = team.iter().map(|c| c.meta().id).collect();
            let checks: Vec<serde_json::Value> = metas
                .map(|meta| {
                    serde_json::json!({
                        "id": meta.id,
                        "stage": meta.stage.as_str(),
                        "team": team_ids.contains(&meta.id),
                        "summary": meta.summary,
                        "fix": meta.fix,
                        "codes": meta.codes.iter().map(|c| serde_json::json!({
                            "name": c.name,
                            "rule_id": format!("{}/{}", meta.id, c.name),
                            "summary": c.summary,
                        })).collect::<Vec<_>>(),
                        "config": meta.config.iter().map(|k| serde_json::json!({
                            "key": k.key,
                            "default": (k.default != "-").then_some(k.default),
                            "meaning": k.meaning,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            gate_support::json::pretty_string(&checks).expect("JSON serialises")
        }
    };
    print_stdout(&text);
    Ok(exit::READY)
}

type CheckRef = &'static dyn crate::check::Check;

/// What `cargo gate explain` was given, resolved: the check, and the code when one was named.
fn resolve(
    given: &str,
    team: &[CheckRef],
) -> Result<(CheckRef, Option<&'static crate::check::Code>), GateError> {
    let all: Vec<CheckRef> = registry::all().iter().chain(team).copied().collect();
    let by_id = |id: &str| all.iter().copied().find(|c| c.meta().id == id);
    let code_of = |check: &dyn crate::check::Check, name: &str| {
        check.meta().codes.iter().find(|c| c.name == name)
    };
    if let Some(check) = by_id(given) {
        return Ok((check, None));
    }
    // A SARIF ruleId: `CHECK/CODE`.
    if let Some((id, name)) = given.split_once('/')
        && let Some(check) = by_id(id)
        && let Some(code) = code_of(check, name)
    {
        return Ok((check, Some(code)));
    }
    // A bare finding code: the one check that has it.
    let having: Vec<(CheckRef, &'static crate::check::Code)> = all
        .iter()
        .filter_map(|c| code_of(*c, given).map(|code| (*c, code)))
        .collect();
    match having.as_slice() {
        [(check, code)] => Ok((*check, Some(*code))),
        [] => Err(GateError::UnknownCheck {
            id: given.to_owned(),
        }),
        several => Err(GateError::AmbiguousCode {
            code: given.to_owned(),
            rule_ids: several
                .iter()
                .map(|(c, code)| format!("{}/{}", c.meta().id, code.name))
                .collect(),
        }),
    }
}

/// `cargo gate explain ID`: what a check establishes, how to fix it, how to waive it. `ID`
/// is a check id, a SARIF ruleId (`CHECK/CODE`) or a finding code; with a code, what it
/// means comes first.
pub(crate) fn explain(id: String) -> Result<i32, CliError> {
    let team = team_checks();
    let (check, code) = resolve(&id, &team)?;
    let meta = check.meta();
    let mut text = String::new();
    if let Some(code) = code {
        text.push_str(&format!(
            "{}/{}: {}\n(a finding code of {}; waive every finding with it by `match = \"{}\"`)\n\n",
            meta.id, code.name, code.summary, meta.id, code.name
        ));
    }
    text.push_str(&format!(
        "{}\n\nstage: {} (and every later stage)\nestablishes: {}\nfix: {}\n",
        meta.id, meta.stage, meta.summary, meta.fix
    ));
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
    if let Some((_, instead)) = crate::verdict::waiver::NEVER_WAIVED
        .iter()
        .find(|(id, _)| *id == meta.id)
    {
        text.push_str(&format!("waive: never ({instead})\n"));
    } else {
        let what = if crate::verdict::waiver::PATH_SCOPED.contains(&meta.id) {
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
