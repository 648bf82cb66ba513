//! `--baseline`: today's findings as waivers, each naming one finding's identity with exact
//! selectors, and what a baseline never waives.

use super::model::*;
use crate::check::{Finding, Severity};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Checks whose findings are about what `init` replaces (the configuration and its
/// waivers): a baseline waives none of them.
pub(super) const REPLACED_BY_INIT: &[&str] = &["config.valid", "policy.profile", "waivers.current"];

/// Checks whose findings a baseline never waives, with the one thing that fixes them: a
/// failing test is not a policy to accept, and a secret in the tree is a leak to rotate.
pub(super) const NEVER_WAIVED: &[(&str, &str)] = &[
    (
        "tests.pass",
        "run `cargo test --locked --workspace` and fix it",
    ),
    (
        "secrets.scan",
        "remove it from the tree and rotate it (it is in git history too)",
    ),
];

/// What a baseline leaves standing, a line each: the findings of the checks it never waives,
/// with the command or step that fixes them.
pub fn not_waived(findings: &[(String, Finding)]) -> Vec<String> {
    findings
        .iter()
        .filter(|(_, finding)| finding.severity != Severity::Note)
        .filter_map(|(check, finding)| {
            let (_, fix) = NEVER_WAIVED.iter().find(|(id, _)| id == check)?;
            let place = finding
                .location
                .as_ref()
                .map(|l| format!("{l}: "))
                .unwrap_or_default();
            Some(format!(
                "not waived: {check}: {place}{} — {fix}",
                first_line(&finding.message)
            ))
        })
        .collect()
}

/// The findings of a run, as [`plan`](super::plan::plan) takes them for a baseline: every error and warning of
/// every check (notes are information, nothing to waive).
pub fn baseline_findings(report: &crate::report::Report) -> Vec<(String, Finding)> {
    report
        .checks
        .iter()
        .flat_map(|c| {
            c.findings
                .iter()
                .filter(|f| f.severity != Severity::Note)
                .map(|f| (c.id.clone(), f.clone()))
        })
        .collect()
}

/// A baseline: its day, its expiry, and the waivers.
#[derive(Debug)]
pub(super) struct Baseline<'a> {
    pub(super) today: &'a str,
    pub(super) expires: &'a str,
    pub(super) waivers: Vec<BaselineWaiver>,
}

/// One baseline waiver and what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BaselineWaiver {
    pub(super) check: String,
    pub(super) identity: Identity,
    pub(super) covers: usize,
    pub(super) example: String,
}

/// What a baseline waiver selects: a finding's identity, each part matched exactly (`text` as
/// a substring of the message). Written as the waiver's `code`, `subject`, `file`, `line` and
/// `text` keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Identity {
    pub(super) code: Option<String>,
    pub(super) subject: Option<String>,
    pub(super) file: Option<String>,
    pub(super) line: Option<u32>,
    pub(super) text: Option<String>,
}

/// The identity of a finding of `check`: its code, subject and file, and where those do not
/// single it out, the part of its message that does — the crate and version of an advisory
/// (`leaky-buf 1.2.0;`), the line and the command of an unlocked CI step. A finding with
/// nothing narrower than its file is named by its file and its code. Repository-relative and
/// stable: never the whole message, which may hold this machine's paths or versions.
pub(super) fn identity(check: &str, finding: &Finding) -> Identity {
    let location = finding.location.as_ref();
    let message = first_line(&finding.message);
    let mut id = Identity {
        code: finding.code.as_deref().map(str::to_owned),
        subject: finding.subject.clone(),
        file: location.map(|l| l.file.clone()),
        line: None,
        text: None,
    };
    match (check, finding.code.as_deref()) {
        // `RUSTSEC-… (kind…): title — NAME VERSION; patched…`: the advisory (subject) on this
        // crate at this version.
        ("deps.advisories", Some("vulnerability" | "unmaintained" | "unsound")) => {
            id.text = message.rsplit_once(" — ").and_then(|(_, rest)| {
                let (label, _) = rest.split_once(';')?;
                Some(format!("{label};"))
            });
        }
        // `NAME VERSION was yanked …`.
        ("deps.advisories", Some("yanked")) => {
            id.text = message
                .split_once(" was yanked")
                .map(|(label, _)| format!("{label} was yanked"));
        }
        // `` `COMMAND` (job `J`, step `S`) … ``: the command in its job and step, which stay
        // what they are when lines above them move (a step added above every other one
        // would otherwise un-waive the whole baseline, as on ripgrep's CI). Where the
        // message names no job or step, the line stands in.
        ("ci.locked", _) => {
            let command_end = message
                .strip_prefix('`')
                .and_then(|rest| rest.find("` ("))
                .map(|end| end + 2);
            let context_end =
                command_end.and_then(|end| message[end..].find(')').map(|close| end + close + 1));
            id.text = context_end
                .or(command_end)
                .map(|end| message[..end].to_owned());
            if context_end.is_none() {
                id.line = location.and_then(|l| l.line);
            }
        }
        _ => {}
    }
    // Without a code, the message is all that tells findings in one file apart.
    if id.code.is_none() && id.text.is_none() {
        id.text = Some(message.to_owned());
    }
    id
}

/// The waivers of a baseline: one per (check, identity), in the order the findings came.
pub(super) fn waivers(
    findings: &[(String, Finding)],
    unsafe_today: &UnsafeToday,
) -> Vec<BaselineWaiver> {
    let written = [GATE_TOML, READINESS, WORKFLOW];
    let mut out: Vec<BaselineWaiver> = Vec::new();
    let mut index: BTreeMap<(String, Identity), usize> = BTreeMap::new();
    for (check, finding) in findings {
        // The tree is dirty while init runs (it stages Cargo.lock and writes its files): a
        // state of the moment, gone at the next commit, not a finding to carry for 90 days.
        let transient =
            check == "repro.environment" && finding.code.as_deref() == Some("dirty-work-tree");
        if finding.severity == Severity::Note
            || transient
            || REPLACED_BY_INIT.contains(&check.as_str())
            || NEVER_WAIVED.iter().any(|(id, _)| id == check)
            || crate::registry::find(check).is_none()
        {
            continue;
        }
        let file = finding.location.as_ref().map(|l| l.file.as_str());
        // About a file init writes (or the directory it writes into): replaced, not waived.
        if file.is_some_and(|f| {
            written
                .iter()
                .any(|w| *w == f || w.strip_prefix(f).is_some_and(|r| r.starts_with('/')))
        }) {
            continue;
        }
        // Unsafe code in a crate that allow-unsafe now lists: allowed, not waived.
        if check == "boundary.unsafe" {
            let site = finding
                .location
                .as_ref()
                .and_then(|l| Some((l.file.clone(), l.line?, l.column?)));
            if site.is_some_and(|s| unsafe_today.sites.contains(&s)) {
                continue;
            }
        }
        let identity = identity(check, finding);
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        if [
            &identity.code,
            &identity.subject,
            &identity.file,
            &identity.text,
        ]
        .into_iter()
        .all(blank)
        {
            continue;
        }
        let key = (check.clone(), identity);
        match index.get(&key) {
            Some(&i) => out[i].covers += 1,
            None => {
                index.insert(key.clone(), out.len());
                out.push(BaselineWaiver {
                    check: key.0,
                    identity: key.1,
                    covers: 1,
                    example: comment_text(&finding.message),
                });
            }
        }
    }
    out
}

pub(super) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

/// A message fit for a one-line TOML comment: first line, no control characters, at most
/// 100 characters.
pub(super) fn comment_text(message: &str) -> String {
    let line: String = first_line(message)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.chars().count() > 100 {
        let cut: String = line.chars().take(99).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// A TOML basic string.
pub(super) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
