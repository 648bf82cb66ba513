//! `waivers.current`: every `[[waiver]]` is complete (check, match, reason, owner, expiry),
//! none has expired, and every one covers a finding of this run (SPEC §3.3).
//!
//! Use is read, not judged again: the engine applies the waivers to every outcome once,
//! before this check starts, and hands it which waiver covered which finding
//! ([`Context::waivers`]). A finding (not a note) of check C is covered by the *first*
//! current waiver for C that covers it, so a waiver shadowed by an earlier one covers nothing
//! and is reported unused, as it is in the report's `waivers_used`. An expired waiver never
//! counts as used; it is reported as expired only.
//!
//! This check runs after every other built-in check except `checklist.closed` (which runs
//! after this one, so that a checklist can cite `waivers.current` as evidence). The use of
//! a waiver for `checklist.closed`, or for a check that did not run before this one (left
//! out with `--skip`), cannot be judged here; such waivers get a note saying so, never a
//! silent "in use". Waivers for this check itself are judged against its own findings, by
//! the engine's rule (`crate::verdict::waiver::covering`).
//!
//! Today is the UTC date from the system clock, the same day the engine uses to decide which
//! waivers still hold.

use crate::check::{After, Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome};
use crate::config::Waiver;
use crate::stage::Stage;
use gate_support::date::Date;

/// The `waivers.current` check.
#[derive(Debug)]
pub struct WaiversCurrent;

static META: CheckMeta = CheckMeta {
    id: "waivers.current",
    stage: Stage::Broad,
    summary: "every waiver has a reason, an owner and an expiry; none has expired; none is unused",
    fix: "renew an expired waiver only with a new decision (new `expires`, same or new owner) or \
          fix the finding and delete the waiver; delete waivers that cover no finding",
    codes: FindingCode::ALL,
    config: &[ConfigKey {
        key: "[[waiver]]",
        default: "-",
        meaning: "check; match, code, subject, file, line, text (what it covers); reason, owner, expires: a finding accepted for a while",
    }],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        WaiverExpired => Code {
            name: "waiver-expired",
            summary: "a waiver is past its expiry date",
        },
        WaiverUnused => Code {
            name: "waiver-unused",
            summary: "a waiver covers no finding in this run",
        },
        WaiverIncomplete => Code {
            name: "waiver-incomplete",
            summary: "a waiver has an empty reason or owner",
        },
        WaiverBadDate => Code {
            name: "waiver-bad-date",
            summary: "a waiver expiry that is not a YYYY-MM-DD date",
        },
    }
}

const ID: &str = "waivers.current";

/// Checks that run after this one: their findings are not known when it runs.
const RUNS_AFTER: &[&str] = &["checklist.closed"];

/// A waiver expiring within this many days gets a note, so that renewing it is planned.
const SOON_DAYS: i64 = 14;

impl Check for WaiversCurrent {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// Every other built-in check but `checklist.closed` (see the module documentation).
    /// Team checks cannot be named statically; they have no dependencies themselves, so they
    /// run in the first layer, before this check, whenever this check has any dependency in
    /// the plan.
    fn after(&self) -> After {
        After::AllBut(RUNS_AFTER)
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        evaluate(ctx, &Date::today_utc().to_string())
    }
}

/// How a waiver is described in findings: its check and what it selects.
fn describe(waiver: &Waiver) -> String {
    format!(
        "waiver for `{}` matching `{}`",
        waiver.check,
        waiver.selection()
    )
}

/// The check on a given day (`YYYY-MM-DD`; tests pass a fixed one).
fn evaluate(ctx: &Context<'_>, today: &str) -> Outcome {
    let waivers = &ctx.config.waivers;
    if waivers.is_empty() {
        return Outcome::pass("no waivers declared: no finding is waived");
    }
    let Some(today) = Date::parse(today) else {
        // Only reachable if the clock is outside years 0000..=9999.
        return Outcome::skip(
            crate::check::SkipKind::Unavailable,
            format!("today's date `{today}` is not a date: the system clock is wrong"),
        );
    };
    let mut review = Review {
        locations: WaiverLocations::read(ctx),
        today,
        findings: Vec::new(),
        expired: 0,
        incomplete: 0,
        unused: 0,
        not_judged: 0,
        in_use: 0,
    };
    for (index, waiver) in waivers.iter().enumerate() {
        review.written(index, waiver);
        review.dated(index, waiver);
    }
    let mut used: Vec<bool> = (0..waivers.len()).map(|i| ctx.waivers.is_used(i)).collect();
    // Waivers for this check cover the findings above, which are all known by now. (An
    // "unused" warning added below could in turn be waived, but a waiver that exists only to
    // silence the report of another unused waiver is not worth a fixed point.)
    for (_, finding) in &review.findings {
        if let Some(index) = crate::verdict::waiver::covering(waivers, ID, finding, today) {
            used[index] = true;
        }
    }
    for (index, waiver) in waivers.iter().enumerate() {
        review.in_use(ctx, index, waiver, used[index]);
    }
    review.conclude(waivers.len())
}

/// What the review of the run's waivers found, waiver by waiver.
struct Review<'a> {
    locations: WaiverLocations<'a>,
    today: Date,
    /// Each finding with the index of its waiver (the report lists them in file order).
    findings: Vec<(usize, Finding)>,
    expired: usize,
    incomplete: usize,
    unused: usize,
    not_judged: usize,
    in_use: usize,
}

impl Review<'_> {
    /// Whether the waiver is written whole: no empty field, a selector.
    fn written(&mut self, index: usize, waiver: &crate::config::ParsedWaiver) {
        let fields = [
            ("check", Some(&waiver.check)),
            ("match", waiver.pattern.as_ref()),
            ("reason", Some(&waiver.reason)),
            ("owner", Some(&waiver.owner)),
            ("expires", Some(&waiver.expires)),
        ];
        let mut empty: Vec<&str> = fields
            .iter()
            .filter(|(_, value)| value.is_some_and(|v| v.trim().is_empty()))
            .map(|(name, _)| *name)
            .collect();
        if !crate::verdict::waiver::has_selector(waiver) {
            empty.push("match");
        }
        if !empty.is_empty() {
            self.incomplete += 1;
            // An empty match is a substring of every message: it would cover everything.
            let why = if empty.contains(&"match") {
                "; an empty match covers every finding of the check"
            } else {
                ""
            };
            self.findings.push((
                index,
                Finding::error(format!(
                    "{} has an empty {}{why}",
                    describe(waiver),
                    empty.join(", ")
                ))
                .code(FindingCode::WaiverIncomplete)
                .at(self.locations.block(index)),
            ));
        }
    }

    /// Whether the waiver's expiry is a day, and not past (a note when it is near).
    fn dated(&mut self, index: usize, waiver: &crate::config::ParsedWaiver) {
        let (expires, today) = (waiver.expires.trim(), self.today);
        match waiver.expires_on() {
            None if !expires.is_empty() => {
                self.incomplete += 1;
                self.findings.push((
                    index,
                    Finding::error(format!(
                        "{} expires on `{expires}`, which is not a date (YYYY-MM-DD)",
                        describe(waiver)
                    ))
                    .code(FindingCode::WaiverBadDate)
                    .at(self.locations.expires(index)),
                ));
            }
            None => {}
            Some(date) if date < today => {
                self.expired += 1;
                self.findings.push((
                    index,
                    // No "N days ago": the message stays the same from one day to the next.
                    Finding::error(format!(
                        "{} expired on {expires} (owner: {}; reason: {})",
                        describe(waiver),
                        waiver.owner,
                        waiver.reason
                    ))
                    .code(FindingCode::WaiverExpired)
                    .at(self.locations.expires(index)),
                ));
            }
            Some(date) if date.days() - today.days() <= SOON_DAYS => self.findings.push((
                index,
                Finding::note(format!(
                    "{} expires in {} day(s), on {expires} (owner: {})",
                    describe(waiver),
                    date.days() - today.days(),
                    waiver.owner
                ))
                .at(self.locations.expires(index)),
            )),
            Some(_) => {}
        }
    }

    /// Whether a current waiver covered a finding (`used`), is unused, or cannot be judged
    /// because its check did not run before this one.
    fn in_use(
        &mut self,
        ctx: &Context<'_>,
        index: usize,
        waiver: &crate::config::ParsedWaiver,
        used: bool,
    ) {
        if !crate::verdict::waiver::is_current(waiver, self.today) {
            // Expired or undated: already an error; it covers nothing by definition.
            return;
        }
        if used {
            self.in_use += 1;
            return;
        }
        let ran = waiver.check == ID || ctx.earlier.contains_key(&waiver.check);
        if ran {
            self.unused += 1;
            self.findings.push((
                index,
                Finding::warning(format!(
                    "{} covers no finding in this run: unused, remove it",
                    describe(waiver)
                ))
                .code(FindingCode::WaiverUnused)
                .at(self.locations.block(index)),
            ));
        } else {
            self.not_judged += 1;
            let why = if RUNS_AFTER.contains(&waiver.check.as_str()) {
                format!("`{}` runs after {ID}", waiver.check)
            } else {
                format!("`{}` did not run before {ID} in this run", waiver.check)
            };
            self.findings.push((
                index,
                Finding::note(format!(
                    "{}: whether it covers a finding cannot be judged here ({why})",
                    describe(waiver)
                ))
                .at(self.locations.block(index)),
            ));
        }
    }

    /// The outcome over `total` waivers.
    fn conclude(mut self, total: usize) -> Outcome {
        self.findings.sort_by_key(|(index, _)| *index);
        let findings = self.findings.into_iter().map(|(_, f)| f);
        let Review {
            expired,
            incomplete,
            unused,
            not_judged,
            in_use,
            ..
        } = self;
        let judged_note = if not_judged > 0 {
            format!("; {not_judged} not judged (their check did not run before this one)")
        } else {
            String::new()
        };
        if expired + incomplete > 0 {
            let mut parts = Vec::new();
            if expired > 0 {
                parts.push(format!("{expired} expired"));
            }
            if incomplete > 0 {
                parts.push(format!("{incomplete} incomplete"));
            }
            if unused > 0 {
                parts.push(format!("{unused} unused"));
            }
            Outcome::fail(format!("{} of {total} waiver(s)", parts.join(", ")))
                .with_findings(findings)
        } else if unused > 0 {
            Outcome::warn(format!(
                "{unused} of {total} waiver(s) unused (they cover no finding in this run){judged_note}"
            ))
            .with_findings(findings)
        } else {
            Outcome::pass(format!(
                "{total} waiver(s), all complete and current; {in_use} in use{judged_note}"
            ))
            .with_findings(findings)
        }
    }
}

/// Where each `[[waiver]]` is written, from the spans the configuration kept when it was
/// parsed (the file is not read again).
#[derive(Debug)]
struct WaiverLocations<'a>(&'a crate::config::Spans);

impl WaiverLocations<'_> {
    fn read<'a>(ctx: &Context<'a>) -> WaiverLocations<'a> {
        WaiverLocations(&ctx.config.spans)
    }

    /// The `[[waiver]]` header of waiver `index`, else the file.
    fn block(&self, index: usize) -> Location {
        self.0.location(&format!("waiver[{index}]"))
    }

    /// The `expires` key of waiver `index`, else what [`WaiverLocations::block`] finds.
    fn expires(&self, index: usize) -> Location {
        let key = format!("waiver[{index}].expires");
        if self.0.has(&key) {
            self.0.location(&key)
        } else {
            self.block(index)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Earlier, Severity, Status};
    use crate::checks::testing::{waived, with_files_and_earlier};
    use crate::config::Config;

    const TODAY: &str = "2026-06-15";

    fn waiver(check: &str, pattern: &str, expires: &str) -> Waiver {
        Waiver {
            check: check.into(),
            pattern: Some(pattern.into()),
            reason: "accepted for now".into(),
            owner: "platform-team".into(),
            expires: expires.into(),
            ..Waiver::default()
        }
    }

    fn config(waivers: Vec<Waiver>) -> Config {
        Config {
            waivers: waivers.into_iter().map(Into::into).collect(),
            ..Config::default()
        }
    }

    /// Outcomes as the checks returned them (the engine waives them before this check).
    fn earlier() -> Earlier {
        Earlier::from([
            (
                "boundary.unsafe".to_owned(),
                Outcome::fail("1 site").with_finding(
                    Finding::error("unsafe block outside the allowed crates")
                        .at(Location::at("ffi/src/lib.rs", 3, 5))
                        .subject("ffi"),
                ),
            ),
            (
                "secrets.scan".to_owned(),
                Outcome::pass("clean").with_finding(
                    Finding::note("scanned 12 files").at(Location::file("tests/keys/a.pem")),
                ),
            ),
            ("tests.pass".to_owned(), Outcome::pass("3 passed")),
        ])
    }

    fn run(waivers: Vec<Waiver>) -> Outcome {
        run_config(config(waivers))
    }

    /// `text` as gate.toml, validated on [`TODAY`].
    fn parse(text: &str) -> Config {
        let today = Date::parse(TODAY).unwrap();
        crate::config::parse_gate_toml_on(text, "gate.toml", &crate::registry::known(), today)
            .unwrap()
    }

    /// The check on `config`, after the outcomes of [`earlier`], waived as the engine
    /// waives them.
    fn run_config(config: Config) -> Outcome {
        with_files_and_earlier(&[], &[], config, |ctx| {
            let (earlier, waivers) = waived(ctx.config, earlier(), TODAY);
            evaluate(
                &Context {
                    earlier: &earlier,
                    waivers: &waivers,
                    ..*ctx
                },
                TODAY,
            )
        })
    }

    #[test]
    fn statuses_follow_expiry_and_use() {
        let cases: [(Vec<Waiver>, Status); 7] = [
            (Vec::new(), Status::Pass),
            // Covers the boundary.unsafe finding by glob, by crate and by message.
            (
                vec![waiver("boundary.unsafe", "ffi/**", "2026-12-31")],
                Status::Pass,
            ),
            (
                vec![waiver("boundary.unsafe", "ffi", "2026-12-31")],
                Status::Pass,
            ),
            // Valid through its expiry day.
            (
                vec![waiver("boundary.unsafe", "outside the allowed", TODAY)],
                Status::Pass,
            ),
            (
                vec![waiver("boundary.unsafe", "ffi/**", "2026-06-14")],
                Status::Fail,
            ),
            // Notes are never waived: a secrets.scan waiver matching only a note is unused.
            (
                vec![waiver("secrets.scan", "tests/keys/*.pem", "2026-12-31")],
                Status::Warn,
            ),
            // The second waiver is shadowed by the first, as in the engine.
            (
                vec![
                    waiver("boundary.unsafe", "ffi/**", "2026-12-31"),
                    waiver("boundary.unsafe", "ffi", "2026-12-31"),
                ],
                Status::Warn,
            ),
        ];
        for (waivers, want) in cases {
            let outcome = run(waivers.clone());
            assert_eq!(outcome.status, want, "{waivers:?}: {outcome:?}");
        }
    }

    #[test]
    fn an_expired_waiver_is_named_with_its_date_and_never_counts_as_used() {
        let outcome = run(vec![
            waiver("boundary.unsafe", "ffi/**", "2026-01-31"),
            waiver("tests.pass", "flaky_network", "2027-01-01"),
        ]);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "1 expired, 1 unused of 2 waiver(s)");
        let messages: Vec<&str> = outcome
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "waiver for `boundary.unsafe` matching `ffi/**` expired on 2026-01-31 \
                 (owner: platform-team; reason: accepted for now)",
                "waiver for `tests.pass` matching `flaky_network` covers no finding in this \
                 run: unused, remove it",
            ]
        );
    }

    #[test]
    fn incomplete_and_undated_waivers_fail() {
        let mut blank = waiver("boundary.unsafe", " ", "2026-12-31");
        blank.owner = String::new();
        let undated = waiver("boundary.unsafe", "ffi", "someday");
        let outcome = run(vec![blank, undated]);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(outcome.findings[0].severity, Severity::Error);
        assert!(
            outcome.findings[0]
                .message
                .contains("has an empty match, owner; an empty match covers every finding"),
            "{:?}",
            outcome.findings[0]
        );
        // A blank match covers nothing: it is unused as well.
        assert_eq!(outcome.findings[1].code.as_deref(), Some("waiver-unused"));
        assert!(
            outcome.findings[2]
                .message
                .ends_with("expires on `someday`, which is not a date (YYYY-MM-DD)"),
            "{:?}",
            outcome.findings[2]
        );
    }

    #[test]
    fn use_is_not_judged_for_checks_that_did_not_run_before_this_one() {
        let outcome = run(vec![
            waiver("boundary.unsafe", "ffi", "2026-12-31"),
            waiver("checklist.closed", "Rollback drill", "2026-12-31"),
            waiver("deps.pinned", "left-pad", "2026-12-31"),
        ]);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "3 waiver(s), all complete and current; 1 in use; 2 not judged (their check did \
             not run before this one)"
        );
        let notes: Vec<&str> = outcome
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            notes,
            [
                "waiver for `checklist.closed` matching `Rollback drill`: whether it covers a \
                 finding cannot be judged here (`checklist.closed` runs after waivers.current)",
                "waiver for `deps.pinned` matching `left-pad`: whether it covers a finding \
                 cannot be judged here (`deps.pinned` did not run before waivers.current in \
                 this run)",
            ]
        );
    }

    #[test]
    fn waivers_of_this_check_are_judged_against_its_own_findings() {
        let outcome = run(vec![
            waiver("boundary.unsafe", "ffi/**", "2026-01-31"),
            waiver(ID, "matching `ffi/**` expired", "2026-12-31"),
            waiver(ID, "nothing like this", "2026-12-31"),
        ]);
        let unused: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            unused,
            [
                "waiver for `waivers.current` matching `nothing like this` covers no finding in \
              this run: unused, remove it"
            ]
        );
    }

    #[test]
    fn expiring_soon_is_a_note() {
        let outcome = run(vec![waiver("boundary.unsafe", "ffi", "2026-06-20")]);
        assert_eq!(outcome.status, Status::Pass);
        assert_eq!(
            outcome.findings[0].message,
            "waiver for `boundary.unsafe` matching `ffi` expires in 5 day(s), on 2026-06-20 \
             (owner: platform-team)"
        );
    }

    #[test]
    fn findings_point_at_the_waiver_in_the_config_file() {
        let text = "[policy]\nprofile = \"portable\"\n\n\
                    [[waiver]]\ncheck = \"boundary.unsafe\"\nmatch = \"ffi/**\"\nreason = \"r\"\n\
                    owner = \"o\"\nexpires = \"2026-01-31\"\n\n\
                    [[waiver]] # the second\ncheck = \"secrets.scan\"\nmatch = \"tests/keys/*.pem\"\n\
                    reason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n";
        // The spans come from parsing; the file on disk is not read again.
        let config = parse(text);
        let outcome = run_config(config);
        let locations: Vec<String> = outcome
            .findings
            .iter()
            .map(|f| f.location.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(locations, ["gate.toml:9:1", "gate.toml:11:1"]);
    }

    #[test]
    fn a_waiver_written_as_an_inline_table_is_found_where_it_is_written() {
        let text = "waiver = [\n  { check = \"deps.pinned\", match = \"left-pad\", reason = \"r\",\n    owner = \"o\", expires = \"2027-01-01\" },\n]\n";
        let config = parse(text);
        let outcome = run_config(config);
        // The unused waiver is reported at its table, the `{` on line 2.
        assert_eq!(
            outcome.findings[0].location,
            Some(Location::at("gate.toml", 2, 3))
        );
    }

    #[test]
    fn a_config_without_a_file_points_at_where_gate_toml_would_be() {
        let outcome = run(vec![waiver("tests.pass", "flaky", "2027-01-01")]);
        assert_eq!(
            outcome.findings[0].location,
            Some(Location::file("gate.toml"))
        );
    }

    #[test]
    fn runs_after_every_other_built_in_check_but_the_checklist() {
        let after = WaiversCurrent.after();
        for check in crate::registry::all() {
            let id = check.meta().id;
            let expected = id != ID && id != "checklist.closed";
            assert_eq!(after.waits_for(ID, id), expected, "{id}");
        }
    }
}
