//! Applying `[[waiver]]`s to findings (SPEC §3.3), and what a waiver may name.
//!
//! A waiver covers a finding of its check when every selector it gives holds:
//!
//! - `match`: the finding's code (`unsafe-outside-allowed`: every finding of that kind), a
//!   glob matching the finding's file, the finding's subject (a crate name, an advisory id),
//!   or a substring of its message's own text — any one of the four;
//! - `code`, `subject`, `file`: the finding's code, subject or file, exactly;
//! - `line`: the finding's line (in `file`);
//! - `text`: a substring of the finding's message's own text.
//!
//! A message's own text leaves out the dependency paths it carries for the reader (`; from
//! app → grep 0.2 → regex 1.5`, `1.0 via app → x → syn 1.0`): the crates a path passes
//! through are not what the finding is about, so `match = "grep"` never covers an advisory
//! of another crate that grep happens to pull in ([`own_text`]).
//!
//! A waiver gives at least one selector (configuration validation refuses one that gives
//! none, an empty `match`, an invalid glob, and a glob that matches every file; a waiver
//! built by hand without a selector covers nothing). `cargo gate init --baseline` writes
//! waivers that name one finding's identity with the exact selectors, so a finding that
//! appears later is not covered. Expired waivers cover nothing. Waived findings stay in
//! every report, marked with the waiver that covers them.
//!
//! Some findings are never waived: [`NEVER_WAIVED`] names their checks, and
//! [`PATH_SCOPED`] the checks whose waivers must name the files they cover.

use crate::check::{Covered, Finding, Outcome, Severity, Status, WaiverUse};
use crate::config::{ParsedWaiver, Waiver};
use gate_support::date::Date;

pub use crate::config::rules::{
    NEVER_WAIVED, PATH_SCOPED, glob, is_glob, is_path_scoped, matches_every_file,
};

/// What [`apply`] appends to the summary of an outcome it waives.
const ALL_WAIVED: &str = " (all findings waived)";

/// Whether the waiver gives any selector at all.
pub fn has_selector(waiver: &Waiver) -> bool {
    waiver.pattern.is_some()
        || waiver.code.is_some()
        || waiver.subject.is_some()
        || waiver.file.is_some()
        || waiver.text.is_some()
}

/// Whether `waiver` covers `finding` (of the waiver's check): every selector it gives holds.
/// For a waiver not validated (one `init` builds); the engine matches [`ParsedWaiver`]s.
pub fn covers(waiver: &Waiver, finding: &Finding) -> bool {
    covers_parsed(&ParsedWaiver::from(waiver.clone()), finding)
}

/// [`covers`], with the waiver's glob parsed once.
pub fn covers_parsed(waiver: &ParsedWaiver, finding: &Finding) -> bool {
    let file = finding.location.as_ref().map(|l| l.file.as_str());
    let line = finding.location.as_ref().and_then(|l| l.line);
    has_selector(waiver)
        && waiver
            .pattern
            .as_deref()
            .is_none_or(|p| pattern_matches(p, waiver.glob(), finding))
        && waiver
            .code
            .as_deref()
            .is_none_or(|c| finding.code.as_deref() == Some(c))
        && waiver
            .subject
            .as_deref()
            .is_none_or(|s| finding.subject.as_deref() == Some(s))
        && waiver.file.as_deref().is_none_or(|f| file == Some(f))
        && waiver.line.is_none_or(|l| line == Some(l))
        && waiver
            .text
            .as_deref()
            .is_none_or(|t| own_text(&finding.message).contains(t))
}

pub use crate::deps::PATH_ARROW;

/// `message` without the dependency paths it carries: each path (introduced by `from ` or
/// `via `, its steps joined by [`PATH_ARROW`], running to the next `;` or `)`) becomes `…`.
/// What is left names the finding's own crate, version, advisory and title; an arrow that no
/// `from`/`via` introduces (`1.2.3 → 1.3.0`) is kept.
pub fn own_text(message: &str) -> std::borrow::Cow<'_, str> {
    if !message.contains(PATH_ARROW) {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(arrow) = rest.find(PATH_ARROW) {
        let head = &rest[..arrow];
        let clause = head.rfind([';', '(']).map_or(0, |i| i + 1);
        let start = ["from ", "via "]
            .iter()
            .filter_map(|word| {
                let at = clause + head[clause..].rfind(word)?;
                let own_word = at == 0 || head[..at].ends_with([' ', '(']);
                own_word.then_some(at + word.len())
            })
            .max();
        match start {
            Some(start) => {
                let end = rest[arrow..]
                    .find([';', ')'])
                    .map_or(rest.len(), |i| arrow + i);
                out.push_str(&rest[..start]);
                out.push('…');
                rest = &rest[end..];
            }
            None => {
                let past = arrow + PATH_ARROW.len();
                out.push_str(&rest[..past]);
                rest = &rest[past..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether a `match` covers the finding: its code, its subject, a substring of its message,
/// or (as `glob`, the pattern parsed as one) its file. An empty pattern covers nothing
/// (validation refuses it: as a substring it would cover every finding).
fn pattern_matches(pattern: &str, glob: Option<&globset::GlobMatcher>, finding: &Finding) -> bool {
    if pattern.trim().is_empty() {
        return false;
    }
    finding.code.as_deref() == Some(pattern)
        || finding.subject.as_deref() == Some(pattern)
        || own_text(&finding.message).contains(pattern)
        || finding
            .location
            .as_ref()
            .is_some_and(|l| glob.is_some_and(|g| g.is_match(&l.file)))
}

/// Whether a waiver still holds on `today`: through its expiry day (a waiver without a
/// readable expiry holds on no day).
pub fn is_current(waiver: &ParsedWaiver, today: Date) -> bool {
    waiver.expires_on().is_some_and(|expires| expires >= today)
}

/// The waiver that covers `finding` of check `id` on `today`, as the engine decides: the
/// first current one for `id` that covers it. Notes are never waived, nor the checks of
/// [`NEVER_WAIVED`].
pub fn covering(
    waivers: &[ParsedWaiver],
    id: &str,
    finding: &Finding,
    today: Date,
) -> Option<usize> {
    if finding.severity == Severity::Note || NEVER_WAIVED.iter().any(|(never, _)| *never == id) {
        // Validation refuses waivers of NEVER_WAIVED checks; a configuration built by hand
        // gets no further.
        return None;
    }
    waivers
        .iter()
        .position(|w| w.check == id && is_current(w, today) && covers_parsed(w, finding))
}

/// Marks the findings of check `id` covered by a current waiver (not expired on `today`,
/// `YYYY-MM-DD`), and turns a FAIL or WARN whose every error/warning finding is covered
/// into WAIVED. Returns the indices of the waivers used.
pub fn apply(waivers: &[ParsedWaiver], id: &str, outcome: &mut Outcome, today: &str) -> Vec<usize> {
    let Some(today) = Date::parse(today) else {
        return Vec::new();
    };
    let mut used = Vec::new();
    for covered in apply_on(waivers, id, outcome, today) {
        if !used.contains(&covered.1) {
            used.push(covered.1);
        }
    }
    used
}

/// [`apply`] on a parsed day: which finding (by position) each used waiver covered.
fn apply_on(
    waivers: &[ParsedWaiver],
    id: &str,
    outcome: &mut Outcome,
    today: Date,
) -> Vec<(usize, usize)> {
    let mut covered = Vec::new();
    for (position, finding) in outcome.findings.iter_mut().enumerate() {
        if let Some(index) = covering(waivers, id, finding, today) {
            finding.waived_by = u32::try_from(index).ok();
            covered.push((position, index));
        }
    }
    let blocking = outcome
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Note)
        .collect::<Vec<_>>();
    if matches!(
        outcome.status,
        Status::Fail | Status::Warn | Status::Inconclusive
    ) && !blocking.is_empty()
        && blocking.iter().all(|f| f.waived_by.is_some())
    {
        outcome.status = Status::Waived;
        outcome.summary = format!("{}{ALL_WAIVED}", outcome.summary);
    }
    covered
}

/// The engine's waiver phase for one finished outcome of check `id`: applies the waivers
/// once (to the outcome, and to what it reports if it turns out not to be blocked), and
/// adds to `usage` which waiver covered which of its findings.
pub fn waive(
    waivers: &[ParsedWaiver],
    id: &str,
    outcome: &mut Outcome,
    today: Date,
    usage: &mut WaiverUse,
) {
    if let Some(alone) = outcome.unblocked.as_deref_mut() {
        apply_on(waivers, id, alone, today);
    }
    for (finding, waiver) in apply_on(waivers, id, outcome, today) {
        usage.covered.push(Covered {
            check: id.to_owned(),
            finding,
            waiver,
        });
    }
}

/// Adds `findings` to an outcome of check `id` the waivers were already applied to, as if
/// they had been there from the start (the secrets the engine finds in the run's own
/// artifacts): the outcome fails with them, `note` says why in its summary, and the waivers
/// are applied again. `before` is the status the outcome had before the waivers.
pub fn add_failures(
    waivers: &[ParsedWaiver],
    id: &str,
    outcome: &mut Outcome,
    before: Status,
    today: Date,
    note: &str,
    findings: Vec<Finding>,
) {
    if outcome.status == Status::Waived
        && before != Status::Waived
        && let Some(summary) = outcome.summary.strip_suffix(ALL_WAIVED)
    {
        outcome.summary = summary.to_owned();
    }
    outcome.status = Status::Fail;
    outcome.summary = format!("{}{note}", outcome.summary);
    outcome.findings.extend(findings);
    apply_on(waivers, id, outcome, today);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Finding, Location};

    fn waiver(pattern: &str, expires: &str) -> Waiver {
        Waiver {
            check: "boundary.unsafe".into(),
            pattern: Some(pattern.into()),
            reason: "r".into(),
            owner: "o".into(),
            expires: expires.into(),
            ..Waiver::default()
        }
    }

    /// A waiver's text never matches the crates a dependency path passes through (the
    /// advisory of `regex` reached through `grep` is not grep's), only the finding's own.
    #[test]
    fn a_match_never_reads_the_dependency_path() {
        let advisory = "RUSTSEC-2022-0013 (vulnerability): Regexes with large repetitions — \
                        regex 1.5.4; patched: >=1.5.5; from app 0.1.0 → grep 0.2.8 → regex 1.5.4";
        assert_eq!(
            own_text(advisory),
            "RUSTSEC-2022-0013 (vulnerability): Regexes with large repetitions — regex 1.5.4; \
             patched: >=1.5.5; from …"
        );
        let duplicate = "`syn` ships in 2 versions (1.0.0, 2.0.0): 1.0.0 via app → x 1.0 → syn \
                         1.0.0; 2.0.0 via app → syn 2.0.0";
        assert_eq!(
            own_text(duplicate),
            "`syn` ships in 2 versions (1.0.0, 2.0.0): 1.0.0 via …; 2.0.0 via …"
        );
        let license = "`both 1.0.0` is licensed `MIT AND ISC`, and ISC is not allowed by \
                       [licenses] allow (from app → both 1.0.0)";
        assert_eq!(
            own_text(license),
            "`both 1.0.0` is licensed `MIT AND ISC`, and ISC is not allowed by [licenses] allow \
             (from …)"
        );
        // An arrow no `from`/`via` introduces is the message's own.
        let semver = "`lib`: API changes that need a major release; 1.2.3 → 1.3.0 does not";
        assert_eq!(own_text(semver), semver);

        let finding = Finding::error(advisory)
            .code(crate::check::test_codes::TestCode::Vulnerability)
            .subject("RUSTSEC-2022-0013");
        for (pattern, covered) in [
            ("grep", false),
            ("app", false),
            ("regex", true),
            ("RUSTSEC-2022-0013", true),
            ("vulnerability", true),
            ("large repetitions", true),
        ] {
            let w = waiver(pattern, "2099-01-01");
            assert_eq!(covers(&w, &finding), covered, "match = {pattern:?}");
            let text = Waiver {
                pattern: None,
                text: Some(pattern.to_owned()),
                ..w
            };
            assert_eq!(covers(&text, &finding), covered, "text = {pattern:?}");
        }
    }

    #[test]
    fn a_waiver_can_name_a_findings_code() {
        let w = waiver("unsafe-outside-allowed", "2099-12-31");
        let coded = Finding::error("unsafe block in crate `app`")
            .code(crate::check::test_codes::TestCode::UnsafeOutsideAllowed)
            .at(Location::at("app/src/lib.rs", 3, 5));
        assert!(covers(&w, &coded));
        let other = Finding::error("unsafe block in crate `app`")
            .code(crate::check::test_codes::TestCode::NonUtf8Path);
        assert!(!covers(&w, &other));
    }

    fn failing() -> Outcome {
        Outcome::fail("2 sites").with_findings([
            Finding::error("unsafe block")
                .at(Location::at("ffi/src/lib.rs", 1, 1))
                .subject("ffi"),
            Finding::error("unsafe fn")
                .at(Location::at("app/src/lib.rs", 1, 1))
                .subject("app"),
        ])
    }

    #[test]
    fn partial_cover_keeps_the_failure_and_marks_the_covered_finding() {
        let mut outcome = failing();
        let used = apply(
            &[waiver("ffi/**", "2030-01-01").into()],
            "boundary.unsafe",
            &mut outcome,
            "2026-11-20",
        );
        assert_eq!(used, [0]);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.findings[0].waived_by, Some(0));
        assert_eq!(outcome.findings[1].waived_by, None);
    }

    #[test]
    fn full_cover_waives_and_expired_or_other_check_waivers_do_not() {
        let mut outcome = failing();
        let waivers = [
            waiver("ffi/**", "2030-01-01").into(),
            waiver("app", "2030-01-01").into(),
        ];
        apply(&waivers, "boundary.unsafe", &mut outcome, "2026-11-20");
        assert_eq!(outcome.status, Status::Waived);

        let mut outcome = failing();
        let expired = [waiver("*", "2026-11-19").into()];
        assert!(apply(&expired, "boundary.unsafe", &mut outcome, "2026-11-20").is_empty());
        assert_eq!(outcome.status, Status::Fail);

        let mut outcome = failing();
        assert!(
            apply(
                &[waiver("*", "2030-01-01").into()],
                "tests.pass",
                &mut outcome,
                "2026-11-20"
            )
            .is_empty()
        );
    }

    /// The waiver phase waives once, records which waiver covered which finding, and
    /// waives the outcome a blocked check falls back to as well.
    #[test]
    fn the_waiver_phase_records_its_use_and_waives_the_unblocked_outcome() {
        let today = Date::parse("2026-11-20").unwrap();
        let waivers: [ParsedWaiver; 2] = [
            waiver("ffi/**", "2030-01-01").into(),
            waiver("app", "2030-01-01").into(),
        ];
        let mut outcome = Outcome::blocked("lockfile.locked", "cannot judge", failing());
        let mut usage = WaiverUse::default();
        waive(&waivers, "boundary.unsafe", &mut outcome, today, &mut usage);
        // The blocked SKIP has no findings; what it reports alone is fully covered.
        assert_eq!(outcome.status, Status::Skip);
        assert!(usage.covered.is_empty());
        let alone = outcome.unblocked.as_deref().unwrap();
        assert_eq!(alone.status, Status::Waived);
        assert!(alone.summary.ends_with(ALL_WAIVED));

        let mut outcome = failing();
        waive(&waivers, "boundary.unsafe", &mut outcome, today, &mut usage);
        assert_eq!(outcome.status, Status::Waived);
        let covered: Vec<(usize, usize)> = usage
            .covered
            .iter()
            .map(|c| (c.finding, c.waiver))
            .collect();
        assert_eq!(covered, [(0, 0), (1, 1)]);
        assert!(usage.is_used(0) && usage.is_used(1) && !usage.is_used(2));
    }

    /// Secrets the engine finds in the run's own artifacts fail a check the waivers had
    /// already waived, unless a waiver covers them too.
    #[test]
    fn added_failures_undo_a_full_waiver_unless_covered_themselves() {
        // One unsafe site waived by the first waiver, then a leak found in the run's logs.
        let waived_then_leaked = |waivers: &[ParsedWaiver]| {
            let today = Date::parse("2026-11-20").unwrap();
            let mut outcome = Outcome::fail("1 site").with_finding(
                Finding::error("unsafe block").at(Location::at("ffi/src/lib.rs", 1, 1)),
            );
            waive(
                waivers,
                "boundary.unsafe",
                &mut outcome,
                today,
                &mut WaiverUse::default(),
            );
            assert_eq!(outcome.status, Status::Waived);
            let leak =
                Finding::error("a token in logs/tests.log").at(Location::file("logs/tests.log"));
            let (id, note) = ("boundary.unsafe", "; and 1 leak");
            add_failures(
                waivers,
                id,
                &mut outcome,
                Status::Fail,
                today,
                note,
                vec![leak],
            );
            outcome
        };
        let outcome = waived_then_leaked(&[waiver("ffi/**", "2030-01-01").into()]);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "1 site; and 1 leak");
        assert_eq!(outcome.findings[1].waived_by, None);

        let outcome = waived_then_leaked(&[
            waiver("ffi/**", "2030-01-01").into(),
            waiver("logs/*", "2030-01-01").into(),
        ]);
        assert_eq!(outcome.status, Status::Waived);
        assert_eq!(outcome.summary, format!("1 site; and 1 leak{ALL_WAIVED}"));
    }

    /// A validated waiver's expiry and glob are parsed once; it reads, compares and
    /// serialises as its declaration.
    #[test]
    fn a_parsed_waiver_is_its_declaration_with_its_day_and_glob() {
        let declared = waiver("ffi/**", "2030-01-01");
        let parsed = ParsedWaiver::from(declared.clone());
        assert_eq!(parsed.expires_on(), Date::parse("2030-01-01"));
        assert!(parsed.glob().is_some_and(|g| g.is_match("ffi/src/lib.rs")));
        assert_eq!(parsed.declared(), &declared);
        assert_eq!(parsed.pattern.as_deref(), Some("ffi/**"));
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            serde_json::to_string(&declared).unwrap()
        );
        // An expiry that is not a day holds on no day.
        let never = ParsedWaiver::from(waiver("ffi/**", "soon"));
        assert_eq!(never.expires_on(), None);
        assert!(!is_current(&never, Date::parse("2000-01-01").unwrap()));
        assert!(is_current(&parsed, Date::parse("2030-01-01").unwrap()));
        assert!(!is_current(&parsed, Date::parse("2030-01-02").unwrap()));
    }

    #[test]
    fn every_selector_given_must_hold() {
        let finding = Finding::error(
            "RUSTSEC-2099-0001 (vulnerability): grow leaks — leaky-buf 1.2.0; patched: >=1.2.3",
        )
        .code(crate::check::test_codes::TestCode::Vulnerability)
        .subject("RUSTSEC-2099-0001")
        .at(Location::at("Cargo.lock", 15, 1));
        let exact = Waiver {
            check: "deps.advisories".into(),
            code: Some("vulnerability".into()),
            subject: Some("RUSTSEC-2099-0001".into()),
            file: Some("Cargo.lock".into()),
            text: Some("leaky-buf 1.2.0;".into()),
            ..Waiver::default()
        };
        assert!(covers(&exact, &finding));
        // The same advisory on another version, another advisory, another code: not covered.
        let other_version = Finding {
            message: finding.message.replace("1.2.0", "1.2.1"),
            ..finding.clone()
        };
        assert!(!covers(&exact, &other_version));
        let other_id = finding.clone().subject("RUSTSEC-2099-0009");
        assert!(!covers(&exact, &other_id));
        let other_code = finding
            .clone()
            .code(crate::check::test_codes::TestCode::Unsound);
        assert!(!covers(&exact, &other_code));
        // A line narrows to that line.
        let at_line = Waiver {
            line: Some(15),
            ..exact.clone()
        };
        assert!(covers(&at_line, &finding));
        let elsewhere = finding.clone().at(Location::at("Cargo.lock", 16, 1));
        assert!(!covers(&at_line, &elsewhere));
        // No selector, or an empty match, covers nothing.
        let none = Waiver {
            check: "deps.advisories".into(),
            ..Waiver::default()
        };
        assert!(!covers(&none, &finding));
        let empty = Waiver {
            pattern: Some(" ".into()),
            ..none
        };
        assert!(!covers(&empty, &finding));
    }

    #[test]
    fn what_counts_as_a_glob_every_file_and_a_path_scope() {
        assert!(matches_every_file("*"));
        assert!(matches_every_file("**/*"));
        assert!(matches_every_file("*.*"));
        assert!(!matches_every_file("ffi/**"));
        assert!(!matches_every_file("."));
        assert!(glob("src/[abc").is_err());
        assert!(glob("src/{a,b").is_err());
        for scoped in ["tests/fixtures/keys/*.pem", "tests/fixtures/keys/a.pem"] {
            assert!(is_path_scoped(scoped), "{scoped}");
        }
        for wide in [
            "*",
            "**/*.pem",
            "*/keys/a.pem",
            "tests/*",
            "tests/fixtures/",
            "github-token",
            "a.pem",
            "/x",
            "../x/y",
            "tests/[a",
        ] {
            assert!(!is_path_scoped(wide), "{wide}");
        }
    }

    #[test]
    fn a_selection_shows_a_lone_match_as_written_and_the_rest_as_keys() {
        assert_eq!(waiver("ffi/**", "2030-01-01").selection(), "ffi/**");
        let w = Waiver {
            code: Some("cargo-without-locked".into()),
            file: Some(".github/workflows/ci.yml".into()),
            line: Some(10),
            text: Some("`cargo build`\n".into()),
            ..Waiver::default()
        };
        assert_eq!(
            w.selection(),
            "code = \"cargo-without-locked\", file = \".github/workflows/ci.yml\", line = 10, \
             text = \"`cargo build`\\n\""
        );
    }
}
