//! The engine's second phase: running the plan. Checks run in layers, each in parallel, the
//! checks that read other checks' outcomes after those; a panicking check becomes an
//! unavailable SKIP.

use super::options::Progress;
use super::prepare::Prepared;
use crate::check::{
    After, Check, CheckIds, CheckMeta, Context, Earlier, Outcome, SkipKind, Status, WaiverUse,
};
use crate::config::ParsedWaiver;
use crate::error::GateError;
use crate::stage::Stage;
use gate_support::date::Date;
use std::time::{Duration, Instant};

/// One check's outcome as it came back, and how long it took.
pub struct Finished {
    /// The check.
    pub check: &'static dyn Check,
    /// What it returned.
    pub outcome: Outcome,
    /// Its wall time.
    pub elapsed: Duration,
    /// Its status before the waivers were applied (whether it blocks others is judged on
    /// it, as the check reported it; `Skip` where the waiver phase refused the outcome).
    pub unwaived: Status,
}

impl std::fmt::Debug for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finished")
            .field("check", &self.check.meta().id)
            .field("outcome", &self.outcome)
            .field("elapsed", &self.elapsed)
            .field("unwaived", &self.unwaived)
            .finish()
    }
}

/// Every check of the plan, run: outcomes in plan order.
#[derive(Debug)]
pub(super) struct Gathered {
    /// One per check of the plan, in plan order, waived.
    pub results: Vec<Finished>,
    /// The day the waivers were applied on.
    pub today: Date,
}

/// Runs the plan of `prepared` at `stage`. An interrupted run ends here, before any
/// verdict: the record's temporary directory is removed with its writer.
pub(super) fn gather(
    prepared: &Prepared,
    stage: Stage,
    progress: &dyn Progress,
) -> Result<Gathered, GateError> {
    let none = Earlier::new();
    let no_waivers = WaiverUse::default();
    let checks = CheckIds::new(
        crate::registry::all()
            .iter()
            .map(|c| c.meta().id.to_owned())
            .chain(prepared.config.custom_checks.iter().map(|c| c.id.clone())),
    );
    let base = Context {
        facts: &prepared.facts,
        workspace: &prepared.ws,
        config: &prepared.config,
        cargo: &prepared.cargo,
        stage,
        environment: &prepared.environment,
        earlier: &none,
        waivers: &no_waivers,
        checks: &checks,
        out_dir: &prepared.out,
        run_dir: &prepared.run_dir,
        scratch: prepared.writer.dir(),
    };
    let today = Date::today_utc();
    let waivers = Waivers {
        declared: &prepared.config.waivers,
        today,
    };
    // The shipped graph's one `cargo tree` starts now, beside the test build, when a check
    // of the run reads it (it needs no build): the checks that run after the tests find it
    // answered.
    // Likewise the GPU code of the build's artifacts: read beside the test run, not after it.
    super::prepare::read_gpu_when_built(prepared);
    let results = std::thread::scope(|scope| {
        if prepared.plan.iter().any(|c| c.reads_graph()) {
            let targets = crate::shared::sections::targets(base.config);
            // Read ahead only: a panic here (a bug) is not the run's end. The checks that
            // read the graph ask for it themselves, and the engine turns a panic in a check
            // into that check's could-not-evaluate. A graph the resolve decides asks no
            // `cargo tree` ([`crate::deps::shipped_graph`]).
            scope.spawn(move || {
                let ahead = || {
                    if let Ok(crate::facts::Resolve::Resolved { metadata, .. }) =
                        base.facts.resolve(base.cargo)
                    {
                        let _ =
                            crate::deps::shipped_graph(base.facts, base.cargo, metadata, &targets);
                    }
                };
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(ahead));
            });
        }
        run_phases(&prepared.plan, &base, &waivers, progress)
    });
    if crate::tools::process::interrupted() {
        return Err(GateError::Interrupted);
    }
    Ok(Gathered { results, today })
}

/// The waivers of a run and the day they are applied on.
#[derive(Debug, Clone, Copy)]
struct Waivers<'a> {
    declared: &'a [ParsedWaiver],
    today: Date,
}

impl Waivers<'_> {
    /// The waiver phase, which every outcome in `finished` not yet through it (those from
    /// `from` on) goes through once: vetted ([`refuse_undeclared_codes`]), its secrets
    /// redacted, waived, and handed to `earlier`.
    fn apply(
        self,
        finished: &mut [Finished],
        from: usize,
        earlier: &mut Earlier,
        usage: &mut WaiverUse,
    ) {
        for done in finished.iter_mut().skip(from) {
            let id = done.check.meta().id;
            if refuse_undeclared_codes(done.check.meta(), &mut done.outcome) {
                done.unwaived = done.outcome.status;
            }
            // Waivers match the words the report shows: secrets redacted first.
            redact_text(&mut done.outcome);
            crate::verdict::waiver::waive(self.declared, id, &mut done.outcome, self.today, usage);
            earlier.insert(id.to_owned(), done.outcome.clone());
        }
    }
}

/// Runs the plan in phases: every check without [`Check::after`] first, in parallel; then
/// the checks that read those outcomes. Before the checks that judge the whole run
/// ([`After::AllBut`]) start, and after the last, the waivers are applied to every outcome
/// that has not had them yet: each once. Results come back in plan order.
fn run_phases(
    plan: &[&'static dyn Check],
    base: &Context<'_>,
    waivers: &Waivers<'_>,
    progress: &dyn Progress,
) -> Vec<Finished> {
    // Layers: each runs (in parallel) the checks whose dependencies in the plan are done.
    let mut earlier = Earlier::new();
    let mut usage = WaiverUse::default();
    let mut waived = 0;
    let mut results: Vec<Finished> = Vec::new();
    let mut pending: Vec<&'static dyn Check> = plan.to_vec();
    while !pending.is_empty() {
        let (ready, waiting): (Vec<_>, Vec<_>) = pending.iter().partition(|c| {
            let (me, after) = (c.meta().id, c.after());
            !pending.iter().any(|p| after.waits_for(me, p.meta().id))
        });
        // A cycle cannot happen with the built-in checks; if one did, run the rest anyway.
        let (ready, waiting) = if ready.is_empty() {
            (waiting, Vec::new())
        } else {
            (ready, waiting)
        };
        if ready
            .iter()
            .any(|c: &&'static dyn Check| matches!(c.after(), After::AllBut(_)))
        {
            waivers.apply(&mut results, waived, &mut earlier, &mut usage);
            waived = results.len();
        }
        let ctx = Context {
            earlier: &earlier,
            waivers: &usage,
            ..*base
        };
        // The outcomes reach `earlier` through the waiver phase, waived: only the checks
        // that judge the whole run read them, and those run after it.
        results.extend(run_checks(&ready, &ctx, progress));
        pending = waiting;
    }
    waivers.apply(&mut results, waived, &mut earlier, &mut usage);
    let position = |c: &'static dyn Check| plan.iter().position(|p| p.meta().id == c.meta().id);
    results.sort_by_key(|f| position(f.check));
    results
}

/// In debug builds (every test run), an outcome with an error or warning finding whose code
/// its check does not declare is a bug in the check: it becomes an internal error (`true`),
/// so the tests that exercise the check fail. Release builds keep the outcome.
fn refuse_undeclared_codes(meta: &CheckMeta, outcome: &mut Outcome) -> bool {
    if !cfg!(debug_assertions) {
        return false;
    }
    let undeclared: Vec<String> = meta
        .undeclared_codes(outcome)
        .iter()
        .map(|f| format!("{:?} on \"{}\"", f.code, f.message))
        .collect();
    if undeclared.is_empty() {
        return false;
    }
    *outcome = Outcome::skip(
        SkipKind::Unavailable,
        format!(
            "internal error: {} finding(s) without a code {} declares: {}",
            undeclared.len(),
            meta.id,
            undeclared.join("; ")
        ),
    );
    true
}

/// Runs every check on its own thread (the test run dominates; the others finish while it
/// runs) and returns the outcomes in plan order. A panicking check becomes an unavailable
/// SKIP, so the run still ends with a record and exit 2.
fn run_checks(
    plan: &[&'static dyn Check],
    ctx: &Context<'_>,
    progress: &dyn Progress,
) -> Vec<Finished> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = plan
            .iter()
            .map(|&check| {
                scope.spawn(move || {
                    let start = Instant::now();
                    progress.started(check.meta().id);
                    let outcome = check.run(ctx);
                    progress.finished(check.meta().id, start.elapsed());
                    (outcome, start.elapsed())
                })
            })
            .collect();
        plan.iter()
            .zip(handles)
            .map(|(&check, handle)| match handle.join() {
                Ok((outcome, elapsed)) => Finished {
                    check,
                    unwaived: outcome.status,
                    outcome,
                    elapsed,
                },
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".to_owned());
                    Finished {
                        check,
                        outcome: Outcome::skip(
                            SkipKind::Unavailable,
                            format!("internal error: the check panicked: {message}"),
                        ),
                        elapsed: Duration::ZERO,
                        unwaived: Status::Skip,
                    }
                }
            })
            .collect()
    })
}

/// Redacts the secrets in `outcome`'s summary and findings (and in the outcome it falls back
/// to when it is blocked): the text waivers match and the report shows. Idempotent.
fn redact_text(outcome: &mut Outcome) {
    outcome.summary = crate::secrets::redact(&outcome.summary);
    for finding in &mut outcome.findings {
        finding.message = crate::secrets::redact(&finding.message);
    }
    if let Some(alone) = outcome.unblocked.as_deref_mut() {
        redact_text(alone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Finding;
    use crate::check::test_codes::TestCode;

    static SLIPS: CheckMeta = CheckMeta {
        id: "test.slips",
        stage: Stage::Pilot,
        summary: "a check whose findings carry a code it does not declare",
        fix: "-",
        // Declares `yanked` alone.
        codes: std::slice::from_ref(&TestCode::ALL[2]),
        config: &[],
    };

    struct Slips;

    impl Check for Slips {
        fn meta(&self) -> &'static CheckMeta {
            &SLIPS
        }
        fn run(&self, _: &Context<'_>) -> Outcome {
            unreachable!("the waiver phase is given the outcome")
        }
    }

    fn finished(outcome: Outcome) -> Finished {
        Finished {
            check: &Slips,
            unwaived: outcome.status,
            outcome,
            elapsed: Duration::ZERO,
        }
    }

    /// The waiver phase refuses, before it waives, an outcome whose finding carries a code its
    /// check does not declare; `unwaived` follows the refusal and nothing else; each outcome
    /// goes through the phase once.
    #[test]
    fn the_waiver_phase_refuses_a_code_the_check_does_not_declare() {
        // Covers `test.slips`' findings coded `yanked`, the slipped outcome's too.
        let declared = [ParsedWaiver::from(gate_formats::report::Waiver {
            check: "test.slips".into(),
            code: Some("yanked".into()),
            reason: "accepted".into(),
            owner: "o".into(),
            expires: "2099-01-01".into(),
            ..Default::default()
        })];
        let waivers = Waivers {
            declared: &declared,
            today: Date::from_ymd(2026, 11, 28).unwrap(),
        };
        let slipped = Outcome::fail("2 problems")
            .with_finding(Finding::error("a problem").code(TestCode::Vulnerability))
            .with_finding(Finding::error("another").code(TestCode::Yanked));
        let kept =
            Outcome::fail("1 problem").with_finding(Finding::error("a").code(TestCode::Yanked));
        let mut results = vec![finished(slipped)];
        let (mut earlier, mut usage) = (Earlier::new(), WaiverUse::default());
        waivers.apply(&mut results, 0, &mut earlier, &mut usage);
        let refused = results[0].outcome.clone();
        if cfg!(debug_assertions) {
            assert_eq!(refused.status, Status::Skip);
            assert_eq!(refused.skip, Some(SkipKind::Unavailable));
            // Judged as refused: a check that failed with a slip blocks nothing as a FAIL.
            assert_eq!(results[0].unwaived, Status::Skip);
            assert_eq!(
                refused.summary,
                "internal error: 1 finding(s) without a code test.slips declares: \
                 Some(\"vulnerability\") on \"a problem\""
            );
            // Refused before it was waived: its `yanked` finding is covered by nothing.
            assert!(usage.covered.is_empty(), "{:?}", usage.covered);
            // The checks that read it see the outcome refused, too.
            assert_eq!(earlier["test.slips"].status, Status::Skip);
        } else {
            assert_eq!(refused.status, Status::Fail);
        }
        // The same check again, in a second call from index 1 on: waived, not refused, and
        // `unwaived` says what it reported; the first outcome goes through nothing twice.
        results.push(finished(kept));
        waivers.apply(&mut results, 1, &mut earlier, &mut usage);
        assert_ne!(results[1].outcome.status, Status::Fail);
        assert_eq!(results[1].unwaived, Status::Fail);
        assert_eq!(usage.covered.len(), 1);
        assert_eq!(format!("{:?}", results[0].outcome), format!("{refused:?}"));
    }
}
