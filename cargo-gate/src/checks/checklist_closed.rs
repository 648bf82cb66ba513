//! `checklist.closed`: every item of the readiness checklist (`[checklist] path`, default
//! `docs/READINESS.md`) is checked, and every checked item cites evidence that holds in this
//! run (SPEC §3.2).
//!
//! The checklist is Markdown task items, `- [x] text — evidence: ID-or-path`: `-`, `*`, `+`
//! or numbered bullets, `[ ]`, `[x]` or `[X]`, and the separators `—`, `–`, `--` or `-`
//! before `evidence:`; several pieces of evidence are separated by commas, and may be written
//! in backticks or as Markdown links (the link target counts). Lines inside fenced code
//! blocks and HTML comments are not items, so a checklist can show examples.
//!
//! A piece of evidence holds when it is
//! - a check that ran in this run and PASSED, or was WAIVED (the engine applies the waivers
//!   to every outcome before this check starts, so the outcomes it reads are waived), or
//! - a path, relative to the workspace root and inside it, that exists.
//!
//! Anything else is drift and fails: a check that did not run, or ran and did not pass (its
//! status is named); a path that does not exist; a checked item with no evidence at all.
//! An unchecked item fails too: the checklist is closed only when every item is.
//!
//! The check runs after every other built-in check ([`Check::after`] lists them; the engine
//! ignores ids that are not in the plan). Team checks (`[[check]]`) cannot be listed
//! statically, but they have no dependencies and so run in the first layer, before this
//! check: citing a team check's id works whenever it ran in this run.

use crate::check::{
    After, Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, Severity, Status,
};
use crate::config::section::{Section, Table};
use crate::stage::Stage;
use regex::Regex;
use std::path::{Component, Path};
use std::sync::LazyLock;

/// The `checklist.closed` check.
#[derive(Debug)]
pub struct ChecklistClosed;

/// `[checklist]`, this check's table, validated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checklist {
    /// `path`: the checklist, relative to the workspace root.
    pub path: String,
}

impl Default for Checklist {
    fn default() -> Checklist {
        Checklist {
            path: "docs/READINESS.md".to_owned(),
        }
    }
}

/// `[checklist]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecklist {
    path: Option<String>,
}

/// The `[checklist]` table.
pub static CHECKLIST: Table<RawChecklist, Checklist> = Table {
    name: "checklist",
    validate: |raw, _| {
        let mut checklist = Checklist::default();
        if let Some(path) = raw.and_then(|r| r.path) {
            checklist.path = path;
        }
        checklist
    },
};

static META: CheckMeta = CheckMeta {
    id: "checklist.closed",
    stage: Stage::Broad,
    summary: "every readiness checklist item is checked and cites evidence (a check that passed \
              in this run, or a file in the repository) that holds",
    fix: "close each item: do the work, check it (`- [x]`) and cite its evidence after \
          `— evidence:` (a check id that passes, or a repository path that exists); without a \
          checklist, `cargo gate init` writes a template to docs/READINESS.md",
    codes: FindingCode::ALL,
    config: &[ConfigKey {
        key: "[checklist] path",
        default: "\"docs/READINESS.md\"",
        meaning: "the readiness checklist",
    }],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        ItemUnchecked => Code {
            name: "item-unchecked",
            summary: "a checklist item is not checked",
        },
        ItemWithoutEvidence => Code {
            name: "item-without-evidence",
            summary: "a checked item cites no evidence",
        },
        EvidenceInvalid => Code {
            name: "evidence-invalid",
            summary: "the evidence an item cites does not exist or does not pass",
        },
        ChecklistMissing => Code {
            name: "checklist-missing",
            summary: "the checklist file does not exist",
        },
        ChecklistUnreadable => Code {
            name: "checklist-unreadable",
            summary: "the checklist file could not be read",
        },
        ChecklistEmpty => Code {
            name: "checklist-empty",
            summary: "the checklist has no task items",
        },
    }
}

const ID: &str = "checklist.closed";

impl Check for ChecklistClosed {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(&CHECKLIST)
    }

    /// Every other built-in check (SPEC §3.1), so that any of them can be cited.
    fn after(&self) -> After {
        After::AllBut(&[])
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        evaluate(ctx)
    }
}

/// One task item of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    /// 1-based line.
    line: u32,
    /// 1-based column of the bullet, in characters.
    column: u32,
    checked: bool,
    /// The item's text, without the evidence.
    text: String,
    /// Whether the line has an `evidence:` part at all (it may list nothing).
    has_separator: bool,
    evidence: Vec<Evidence>,
}

/// One cited piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Evidence {
    /// As written, cleaned of backticks and link syntax.
    value: String,
    /// 1-based column in characters.
    column: u32,
}

static ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX])\](?:[ \t]+(.*?))?[ \t]*$")
        .expect("valid regex")
});

// Em and en dashes may touch the text; hyphens need a blank before them, so that a word like
// `self-evidence:` is not split.
static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:[ \t]*[—–]|(?:^|[ \t]+)--?)[ \t]*evidence[ \t]*:").expect("valid regex")
});

static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[[^\]]*\]\(([^)\s]+)[^)]*\)$").expect("valid regex"));

/// The task items of a checklist, in order.
fn parse(text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut fence: Option<&str> = None;
    let mut in_comment = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            continue;
        }
        if in_comment {
            in_comment = !line.contains("-->");
            continue;
        }
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            fence = Some(marker);
            continue;
        }
        if let Some(start) = line.find("<!--") {
            // An item commented out is not an item; a comment left open hides what follows.
            in_comment = !line[start..].contains("-->");
            if trimmed.starts_with("<!--") {
                continue;
            }
        }
        let Some(caps) = ITEM.captures(line) else {
            continue;
        };
        let indent = caps.get(1).map_or(0, |m| m.as_str().chars().count());
        let checked = &caps[2] != " ";
        let (rest, rest_at) = caps
            .get(3)
            .map_or(("", line.len()), |m| (m.as_str(), m.start()));
        let (text, evidence, has_separator) = match SEPARATOR.find(rest) {
            Some(sep) => (
                &rest[..sep.start()],
                split_evidence(line, rest_at + sep.end()),
                true,
            ),
            None => (rest, Vec::new(), false),
        };
        items.push(Item {
            line: to_u32(index + 1),
            column: to_u32(indent + 1),
            checked,
            text: text.trim().to_owned(),
            has_separator,
            evidence,
        });
    }
    items
}

/// The comma-separated evidence of `line` from byte `from` on, with columns.
fn split_evidence(line: &str, from: usize) -> Vec<Evidence> {
    let mut out = Vec::new();
    let mut start = from;
    for piece in line[from..].split(',') {
        let leading = piece.len() - piece.trim_start().len();
        let value = clean(piece.trim());
        if !value.is_empty() {
            out.push(Evidence {
                value,
                column: to_u32(line[..start + leading].chars().count() + 1),
            });
        }
        start += piece.len() + 1;
    }
    out
}

/// Drops Markdown decoration: backticks, emphasis, `<…>` and `[label](target)` (the target
/// is the evidence).
fn clean(piece: &str) -> String {
    let piece = piece.trim_end_matches(['.', ';']).trim();
    if let Some(caps) = LINK.captures(piece) {
        return caps[1].to_owned();
    }
    let piece = piece
        .strip_prefix('<')
        .and_then(|p| p.strip_suffix('>'))
        .unwrap_or(piece);
    piece
        .trim_matches(|c| c == '`' || c == '*' || c == '_')
        .trim()
        .to_owned()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether `text` has the shape of a check id: `area.name`, lowercase.
fn looks_like_check_id(text: &str) -> bool {
    let mut parts = text.split('.');
    let part = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
    };
    part(parts.next()) && part(parts.next()) && parts.next().is_none()
}

/// Why a piece of evidence does not hold.
#[derive(Debug)]
struct Drift {
    why: String,
    /// The check whose own failure (or unevaluated outcome) is the whole cause: the evidence
    /// is a check of this run that did not pass. That check already stands against the
    /// verdict, so this drift is not a second cause (see [`evaluate`]).
    blocker: Option<String>,
}

impl From<String> for Drift {
    fn from(why: String) -> Drift {
        Drift { why, blocker: None }
    }
}

/// What one piece of evidence established, or why it is drift.
fn judge(ctx: &Context<'_>, value: &str) -> Result<String, Drift> {
    if value == ID {
        return Err(format!("`{ID}` cannot be evidence for its own checklist").into());
    }
    if let Some(outcome) = ctx.earlier.get(value) {
        return match outcome.status {
            Status::Pass => Ok(format!("`{value}` passed")),
            Status::Waived => Ok(format!("`{value}` waived")),
            status => Err(Drift {
                why: format!(
                    "check `{value}` did not pass in this run ({status}: {})",
                    outcome.summary
                ),
                // A cited check that is itself blocked points at the check that blocks it.
                blocker: Some(outcome.blocked_by.as_deref().unwrap_or(value).to_owned()),
            }),
        };
    }
    if ctx.checks.contains(value) {
        return Err(format!(
            "check `{value}` did not run in this run (left out with --skip, or not part of the \
             {} stage)",
            ctx.stage
        )
        .into());
    }
    let path = value.split('#').next().unwrap_or(value);
    let inside = Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside {
        return Err(format!(
            "`{value}` is not a path inside the repository (write it relative to the workspace \
             root)"
        )
        .into());
    }
    if !path.is_empty() && ctx.workspace.root.join(path).exists() {
        return Ok(format!("`{path}` exists"));
    }
    if looks_like_check_id(value) {
        Err(format!("`{value}` is neither a check of this run nor a file in the repository").into())
    } else {
        Err(format!("`{path}` does not exist in the repository").into())
    }
}

/// The check.
fn evaluate(ctx: &Context<'_>) -> Outcome {
    let root = &ctx.workspace.root;
    let path = root.join(
        ctx.config
            .section(&crate::checks::checklist_closed::CHECKLIST)
            .path,
    );
    let file = crate::shared::locate::relative(root, &path);
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Outcome::fail(format!("no readiness checklist at {file}")).with_finding(
                Finding::error(format!(
                    "{file} does not exist: nothing records what was verified before a broad \
                     rollout (fix: `cargo gate init` writes a template; set [checklist] path \
                     if it lives elsewhere)"
                ))
                .code(FindingCode::ChecklistMissing)
                .at(Location::file(file)),
            );
        }
        Err(e) => {
            return Outcome::fail(format!("the readiness checklist {file} cannot be read"))
                .with_finding(
                    Finding::error(format!("{file} could not be read: {e}"))
                        .code(FindingCode::ChecklistUnreadable)
                        .at(Location::file(file)),
                );
        }
    };
    let items = parse(&text);
    if items.is_empty() {
        return Outcome::fail(format!("{file} has no checklist items")).with_finding(
            Finding::error(format!(
                "{file} has no task items: write each one as `- [ ] what — evidence: check-id \
                 or path`"
            ))
            .code(FindingCode::ChecklistEmpty)
            .at(Location::file(file)),
        );
    }

    let mut findings = Vec::new();
    // The checks whose failure is the only reason an item does not hold, and whether any item
    // fails for a reason of its own (unchecked, no evidence, a path that does not exist).
    let mut blockers: Vec<String> = Vec::new();
    let mut own_cause = false;
    let (mut unchecked, mut drifted) = (0, 0);
    let (mut checks_cited, mut paths_cited) = (0, 0);
    for item in &items {
        let item_at = Location::at(&file, item.line, item.column);
        if !item.checked {
            own_cause = true;
            unchecked += 1;
            findings.push(
                Finding::error(format!("item \"{}\" is not checked", item.text))
                    .code(FindingCode::ItemUnchecked)
                    .at(item_at),
            );
            continue;
        }
        if item.evidence.is_empty() {
            own_cause = true;
            drifted += 1;
            let hint = if item.has_separator {
                "its `evidence:` lists nothing"
            } else {
                "write `— evidence: check-id or path` after it"
            };
            findings.push(
                Finding::error(format!(
                    "item \"{}\" is checked but cites no evidence ({hint})",
                    item.text
                ))
                .code(FindingCode::ItemWithoutEvidence)
                .at(item_at),
            );
            continue;
        }
        let mut held = Vec::new();
        let mut item_drifted = false;
        for evidence in &item.evidence {
            let evidence_at = Location::at(&file, item.line, evidence.column);
            match judge(ctx, &evidence.value) {
                Ok(what) => {
                    if ctx.earlier.contains_key(&evidence.value) {
                        checks_cited += 1;
                    } else {
                        paths_cited += 1;
                    }
                    held.push(what);
                }
                Err(Drift { why, blocker }) => {
                    item_drifted = true;
                    match blocker {
                        Some(check) if !blockers.contains(&check) => blockers.push(check),
                        Some(_) => {}
                        None => own_cause = true,
                    }
                    findings.push(
                        Finding::error(format!("item \"{}\": {why}", item.text))
                            .code(FindingCode::EvidenceInvalid)
                            .at(evidence_at)
                            .subject(evidence.value.clone()),
                    );
                }
            }
        }
        if item_drifted {
            drifted += 1;
        } else {
            findings.push(
                Finding::note(format!("item \"{}\": {}", item.text, held.join(", "))).at(item_at),
            );
        }
    }

    let total = items.len();
    if unchecked + drifted == 0 {
        Outcome::pass(format!(
            "all {total} item(s) of {file} checked, with evidence that holds: {checks_cited} \
             check(s) passed in this run, {paths_cited} path(s) exist"
        ))
        .with_findings(findings)
    } else {
        let mut parts = Vec::new();
        if unchecked > 0 {
            parts.push(format!("{unchecked} unchecked"));
        }
        if drifted > 0 {
            parts.push(format!("{drifted} checked without evidence that holds"));
        }
        let alone = Outcome::fail(format!(
            "{} of {total} item(s) of {file} not closed: {}",
            unchecked + drifted,
            parts.join(", ")
        ))
        .with_findings(findings.clone());
        // Every item that does not hold cites a check of this run that did not pass, and
        // nothing else is wrong: those checks are the cause and already stand against the
        // verdict. Failing here too would be a second failure for one cause — and one that
        // never ends: an item citing `history.window` would keep every broad run red, so the
        // window could never fill (history.window forgives a run whose only failure was the
        // window itself). Blocked, the checklist closes by itself when they pass.
        match blockers.first() {
            Some(first) if !own_cause => Outcome::blocked(
                first,
                format!(
                    "{drifted} of {total} checked item(s) of {file} cite checks that did not \
                     pass in this run ({}); they hold when those pass",
                    blockers.join(", ")
                ),
                alone,
            )
            .with_findings(findings.into_iter().map(|mut finding| {
                // Which items wait on which check, as notes: the errors are the blocker's.
                finding.severity = Severity::Note;
                finding.code = None;
                finding
            })),
            _ => alone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Earlier, Severity};
    use crate::checks::testing::{waived, with_files_and_earlier};
    use crate::config::{Config, Waiver};

    const TODAY: &str = "2026-06-15";

    fn earlier() -> Earlier {
        Earlier::from([
            (
                "lockfile.locked".to_owned(),
                Outcome::pass("Cargo.lock tracked"),
            ),
            ("config.valid".to_owned(), Outcome::pass("gate.toml valid")),
            (
                "toolchain.pinned".to_owned(),
                Outcome::fail("no toolchain file").with_finding(
                    Finding::error("no rust-toolchain.toml")
                        .at(Location::file("rust-toolchain.toml")),
                ),
            ),
            ("ci.locked".to_owned(), Outcome::warn("no CI config found")),
        ])
    }

    /// Runs the check over a workspace holding `files`, with the outcomes of [`earlier`].
    fn run_with(files: &[(&str, &str)], config: Config) -> Outcome {
        with_files_and_earlier(files, &[], config, |ctx| {
            // As the engine hands them over: waived.
            let (earlier, waivers) = waived(ctx.config, earlier(), TODAY);
            evaluate(&Context {
                earlier: &earlier,
                waivers: &waivers,
                ..*ctx
            })
        })
    }

    fn run(checklist: &str) -> Outcome {
        run_with(
            &[
                ("docs/READINESS.md", checklist),
                ("docs/drills/rollback.md", "rehearsed"),
            ],
            Config::default(),
        )
    }

    #[test]
    fn items_are_parsed_in_every_accepted_form() {
        let text = "# Readiness\n\
                    - [x] Lockfile committed — evidence: lockfile.locked\n\
                    * [X] Config -- evidence: `config.valid`, docs/drills/rollback.md\n\
                    \x20 + [ ] Drill - evidence: [the drill](docs/drills/2026-10.md)\n\
                    1. [x] Numbered –evidence: a.md,\n\
                    - [x] No evidence at all\n\
                    - [ ]\n\
                    - [x] self-evidence: not a separator\n\
                    ```\n- [ ] in a fence\n```\n\
                    <!-- - [ ] commented out -->\n\
                    <!--\n- [ ] in a comment\n-->\n\
                    - not a task\n";
        type Parsed = (u32, u32, bool, String, Vec<(String, u32)>);
        let items: Vec<Parsed> = parse(text)
            .into_iter()
            .map(|i| {
                (
                    i.line,
                    i.column,
                    i.checked,
                    i.text,
                    i.evidence
                        .into_iter()
                        .map(|e| (e.value, e.column))
                        .collect(),
                )
            })
            .collect();
        let s = String::from;
        assert_eq!(
            items,
            [
                (
                    2,
                    1,
                    true,
                    s("Lockfile committed"),
                    vec![(s("lockfile.locked"), 38)]
                ),
                (
                    3,
                    1,
                    true,
                    s("Config"),
                    vec![(s("config.valid"), 27), (s("docs/drills/rollback.md"), 43)]
                ),
                (
                    4,
                    3,
                    false,
                    s("Drill"),
                    vec![(s("docs/drills/2026-10.md"), 27)]
                ),
                (5, 1, true, s("Numbered"), vec![(s("a.md"), 28)]),
                (6, 1, true, s("No evidence at all"), vec![]),
                (7, 1, false, s(""), vec![]),
                (8, 1, true, s("self-evidence: not a separator"), vec![]),
            ]
        );
    }

    #[test]
    fn statuses_follow_checks_and_evidence() {
        let cases = [
            ("- [x] Locked — evidence: lockfile.locked\n", Status::Pass),
            (
                "- [x] Locked and drilled — evidence: lockfile.locked, docs/drills/rollback.md\n",
                Status::Pass,
            ),
            ("- [x] Drilled — evidence: docs/drills\n", Status::Pass),
            (
                "- [ ] Drilled — evidence: docs/drills/rollback.md\n",
                Status::Fail,
            ),
            // Blocked by the cited check (the engine keeps the block only where that check
            // stands against the verdict: a FAIL does, a WARN does not).
            ("- [x] Pinned — evidence: toolchain.pinned\n", Status::Skip),
            ("- [x] CI locked — evidence: ci.locked\n", Status::Skip),
            ("- [x] Tests — evidence: tests.pass\n", Status::Fail),
            (
                "- [x] Drill — evidence: docs/drills/2026-10.md\n",
                Status::Fail,
            ),
            ("- [x] Secret — evidence: ../outside.md\n", Status::Fail),
            ("- [x] Nothing cited\n", Status::Fail),
            (
                "- [x] Circular — evidence: checklist.closed\n",
                Status::Fail,
            ),
            ("# No items yet\n", Status::Fail),
        ];
        for (checklist, want) in cases {
            let outcome = run(checklist);
            assert_eq!(outcome.status, want, "{checklist}: {outcome:?}");
        }
    }

    #[test]
    fn drift_names_the_item_the_evidence_and_the_status() {
        let outcome = run("# Readiness\n\
             - [x] Lockfile — evidence: lockfile.locked\n\
             - [x] Toolchain pinned — evidence: toolchain.pinned\n\
             - [ ] Rollback drill rehearsed — evidence: docs/drills/2026-10.md\n\
             - [x] Drill written — evidence: docs/drills/2026-10.md\n\
             - [x] Bench — evidence: perf.latency\n\
             - [x] Smoke — evidence: team.smoke\n\
             - [x] Reviewed\n");
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "6 of 7 item(s) of docs/READINESS.md not closed: 1 unchecked, 5 checked without \
             evidence that holds"
        );
        let findings: Vec<(Severity, String, String)> = outcome
            .findings
            .iter()
            .map(|f| {
                (
                    f.severity,
                    f.location.as_ref().unwrap().to_string(),
                    f.message.clone(),
                )
            })
            .collect();
        let s = String::from;
        assert_eq!(
            findings,
            [
                (
                    Severity::Note,
                    s("docs/READINESS.md:2:1"),
                    s("item \"Lockfile\": `lockfile.locked` passed")
                ),
                (
                    Severity::Error,
                    s("docs/READINESS.md:3:36"),
                    s(
                        "item \"Toolchain pinned\": check `toolchain.pinned` did not pass in this \
                       run (FAIL: no toolchain file)"
                    )
                ),
                (
                    Severity::Error,
                    s("docs/READINESS.md:4:1"),
                    s("item \"Rollback drill rehearsed\" is not checked")
                ),
                (
                    Severity::Error,
                    s("docs/READINESS.md:5:33"),
                    s(
                        "item \"Drill written\": `docs/drills/2026-10.md` does not exist in the \
                       repository"
                    )
                ),
                (
                    Severity::Error,
                    s("docs/READINESS.md:6:25"),
                    s(
                        "item \"Bench\": `perf.latency` is neither a check of this run nor a \
                       file in the repository"
                    )
                ),
                (
                    Severity::Error,
                    s("docs/READINESS.md:7:25"),
                    s(
                        "item \"Smoke\": `team.smoke` is neither a check of this run nor a file \
                       in the repository"
                    )
                ),
                (
                    Severity::Error,
                    s("docs/READINESS.md:8:1"),
                    s(
                        "item \"Reviewed\" is checked but cites no evidence (write `— evidence: \
                       check-id or path` after it)"
                    )
                ),
            ]
        );
    }

    #[test]
    fn items_that_only_cite_checks_that_did_not_pass_are_blocked_by_them() {
        use crate::check::SkipKind;
        // Only cited checks fail: blocked by the first, naming all, the items as notes; on
        // its own (when the engine finds the blocker does not stand) it fails as before.
        let outcome = run("- [x] Pinned — evidence: toolchain.pinned\n\
             - [x] Locked — evidence: lockfile.locked\n\
             - [x] CI — evidence: ci.locked, lockfile.locked\n");
        assert_eq!(outcome.status, Status::Skip, "{outcome:?}");
        assert_eq!(outcome.skip, Some(SkipKind::Blocked));
        assert_eq!(outcome.blocked_by.as_deref(), Some("toolchain.pinned"));
        assert_eq!(
            outcome.summary,
            "2 of 3 checked item(s) of docs/READINESS.md cite checks that did not pass in this \
             run (toolchain.pinned, ci.locked); they hold when those pass"
        );
        assert!(
            outcome
                .findings
                .iter()
                .all(|f| f.severity == Severity::Note && f.code.is_none()),
            "{:?}",
            outcome.findings
        );
        let alone = outcome
            .unblocked
            .as_deref()
            .expect("the outcome on its own");
        assert_eq!(alone.status, Status::Fail);
        assert_eq!(
            alone
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count(),
            2
        );

        // A cause of the checklist's own beside them: an unchecked item, a missing path, no
        // evidence. Then it fails by itself.
        for own in [
            "- [ ] Drill — evidence: docs/drills/rollback.md\n",
            "- [x] Drill — evidence: docs/drills/2026-10.md\n",
            "- [x] Reviewed\n",
        ] {
            let outcome = run(&format!("- [x] Pinned — evidence: toolchain.pinned\n{own}"));
            assert_eq!(outcome.status, Status::Fail, "{own}: {outcome:?}");
            assert_eq!(outcome.blocked_by, None);
        }
    }

    #[test]
    fn a_cited_check_that_is_itself_blocked_points_at_its_blocker() {
        use crate::check::SkipKind;
        let mut earlier = earlier();
        earlier.insert(
            "repro.environment".to_owned(),
            Outcome::blocked(
                "toolchain.pinned",
                "no rustc",
                Outcome::fail("environment.json incomplete"),
            ),
        );
        let outcome = with_files_and_earlier(
            &[(
                "docs/READINESS.md",
                "- [x] Reproducible — evidence: repro.environment\n",
            )],
            &[],
            Config::default(),
            |ctx| {
                evaluate(&Context {
                    earlier: &earlier,
                    ..*ctx
                })
            },
        );
        assert_eq!(outcome.skip, Some(SkipKind::Blocked), "{outcome:?}");
        assert_eq!(outcome.blocked_by.as_deref(), Some("toolchain.pinned"));
    }

    #[test]
    fn a_check_that_did_not_run_is_named_as_such() {
        let outcome = run("- [x] Tests — evidence: tests.pass\n");
        assert_eq!(
            outcome.findings[0].message,
            "item \"Tests\": check `tests.pass` did not run in this run (left out with --skip, \
             or not part of the controlled stage)"
        );
    }

    #[test]
    fn a_waived_check_is_evidence_and_an_expired_waiver_is_not() {
        let checklist = [(
            "docs/READINESS.md",
            "- [x] Pinned — evidence: toolchain.pinned\n",
        )];
        let waived = |expires: &str| Config {
            waivers: vec![
                Waiver {
                    check: "toolchain.pinned".into(),
                    pattern: Some("rust-toolchain.toml".into()),
                    reason: "pinned by the monorepo".into(),
                    owner: "build-team".into(),
                    expires: expires.into(),
                    ..Waiver::default()
                }
                .into(),
            ],
            ..Config::default()
        };
        let current = run_with(&checklist, waived("2026-12-31"));
        assert_eq!(current.status, Status::Pass, "{current:?}");
        assert_eq!(
            current.summary,
            "all 1 item(s) of docs/READINESS.md checked, with evidence that holds: 1 check(s) \
             passed in this run, 0 path(s) exist"
        );
        // Expired, the waiver covers nothing: toolchain.pinned fails and blocks the item.
        let expired = run_with(&checklist, waived("2026-06-14"));
        assert_eq!(expired.status, Status::Skip, "{expired:?}");
        assert_eq!(expired.blocked_by.as_deref(), Some("toolchain.pinned"));
    }

    #[test]
    fn a_missing_checklist_fails_with_the_way_to_write_one() {
        let outcome = run_with(&[], Config::default());
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "no readiness checklist at docs/READINESS.md"
        );
        assert!(outcome.findings[0].message.contains("`cargo gate init`"));
        let elsewhere = Config::default().with_section(
            &crate::checks::checklist_closed::CHECKLIST,
            Checklist {
                path: "READY.md".into(),
            },
        );
        let outcome = run_with(
            &[("READY.md", "- [x] L — evidence: lockfile.locked\n")],
            elsewhere,
        );
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    #[test]
    fn runs_after_every_other_built_in_check() {
        let after = ChecklistClosed.after();
        for check in crate::registry::all() {
            let id = check.meta().id;
            assert_eq!(after.waits_for(ID, id), id != ID, "{id}");
        }
    }
}
