//! What CI tests that this run did not: a `cargo test --features strict` job whose tests fail
//! left the gate's run (each member's default features) green and READY, with nothing said
//! (the twenty-ninth session's trial). Those tests were not evaluated here, which is never a
//! pass: the run warns, each command named where CI runs it.

use super::{FindingCode, qualified};
use crate::check::{Finding, Location, Outcome, Status};

/// `outcome`, a pass, qualified to a warning when CI runs tests with other features than
/// the members' defaults ([`crate::facts::CiFeatures::tested_with`]).
pub(super) fn untested(outcome: Outcome, facts: &crate::facts::Facts) -> Outcome {
    let tested = &facts.ci_features().tested_with;
    if tested.is_empty() || outcome.status != Status::Pass {
        return outcome;
    }
    let findings = tested.iter().map(|(site, command)| {
        let at = match site.at {
            Some((line, column)) => Location::at(site.rel.clone(), line, column),
            None => Location::file(site.rel.clone()),
        };
        Finding::warning(format!(
            "CI runs `{command}`; this run tested each member's default features, so a test \
             only those features build or change was not run here"
        ))
        .code(FindingCode::CiFeaturesNotTested)
        .subject(command.clone())
        .at(at)
    });
    qualified(
        outcome,
        (
            Status::Warn,
            "but CI also tests with features this run did not turn on",
            "the gate tests the default features: make the tests CI runs under other features \
             run under the defaults too (or turn those features on by default), so a fresh \
             checkout's gate judges them",
        ),
        findings.collect(),
    )
}
