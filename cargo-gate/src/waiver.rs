//! Applying `[[waiver]]`s to findings (SPEC §3.3). A waiver covers a finding of its check
//! when its `match` is the finding's code (`unsafe-outside-allowed`: every finding of that
//! kind), a glob matching the finding's file, equals the finding's subject (a crate name),
//! or is a substring of the message. Expired waivers cover nothing. Waived
//! findings stay in every report, marked with the waiver that covers them.

use crate::check::{Finding, Outcome, Severity, Status};
use crate::config::Waiver;

/// Whether `waiver` covers `finding` (of the waiver's check).
pub fn covers(waiver: &Waiver, finding: &Finding) -> bool {
    finding.code.as_deref() == Some(waiver.pattern.as_str())
        || matches(
            waiver,
            finding.location.as_ref().map(|l| l.file.as_str()),
            finding.subject.as_deref(),
            &finding.message,
        )
}

/// Whether `waiver` covers a finding with this file, subject and message.
pub fn matches(waiver: &Waiver, file: Option<&str>, subject: Option<&str>, message: &str) -> bool {
    let pattern = waiver.pattern.as_str();
    if subject == Some(pattern) || message.contains(pattern) {
        return true;
    }
    file.is_some_and(|file| {
        globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .is_ok_and(|glob| glob.compile_matcher().is_match(file))
    })
}

/// Whether a waiver expiring on `expires` still holds on `today`: compared as calendar days
/// (config validation guarantees `expires` is one; an unreadable date holds nothing).
fn current(expires: &str, today: &str) -> bool {
    use gate_support::date::Date;
    matches!((Date::parse(expires), Date::parse(today)), (Some(e), Some(t)) if e >= t)
}

/// Marks the findings of check `id` covered by a current waiver (not expired on `today`,
/// `YYYY-MM-DD`), and turns a FAIL or WARN whose every error/warning finding is covered
/// into WAIVED. Returns the indices of the waivers used.
pub fn apply(waivers: &[Waiver], id: &str, outcome: &mut Outcome, today: &str) -> Vec<usize> {
    let mut used = Vec::new();
    for finding in &mut outcome.findings {
        if finding.severity == Severity::Note {
            continue;
        }
        let hit = waivers
            .iter()
            .enumerate()
            .find(|(_, w)| w.check == id && current(&w.expires, today) && covers(w, finding));
        if let Some((index, _)) = hit {
            finding.waived_by = u32::try_from(index).ok();
            if !used.contains(&index) {
                used.push(index);
            }
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
        outcome.summary = format!("{} (all findings waived)", outcome.summary);
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waiver_can_name_a_findings_code() {
        let w = waiver("unsafe-outside-allowed", "2099-12-31");
        let coded = Finding::error("unsafe block in crate `app`")
            .code("unsafe-outside-allowed")
            .at(Location::at("app/src/lib.rs", 3, 5));
        assert!(covers(&w, &coded));
        let other = Finding::error("unsafe block in crate `app`").code("non-utf8-path");
        assert!(!covers(&w, &other));
    }
    use crate::check::{Finding, Location};

    fn waiver(pattern: &str, expires: &str) -> Waiver {
        Waiver {
            check: "boundary.unsafe".into(),
            pattern: pattern.into(),
            reason: "r".into(),
            owner: "o".into(),
            expires: expires.into(),
        }
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
            &[waiver("ffi/**", "2030-01-01")],
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
        let waivers = [waiver("ffi/**", "2030-01-01"), waiver("app", "2030-01-01")];
        apply(&waivers, "boundary.unsafe", &mut outcome, "2026-11-20");
        assert_eq!(outcome.status, Status::Waived);

        let mut outcome = failing();
        let expired = [waiver("*", "2026-11-19")];
        assert!(apply(&expired, "boundary.unsafe", &mut outcome, "2026-11-20").is_empty());
        assert_eq!(outcome.status, Status::Fail);

        let mut outcome = failing();
        assert!(
            apply(
                &[waiver("*", "2030-01-01")],
                "tests.pass",
                &mut outcome,
                "2026-11-20"
            )
            .is_empty()
        );
    }
}
