//! What more than one check derives from the build fact in the same words: where the
//! build's log is kept, what a check that needed the build says when the lockfile does not
//! resolve, and the CUDA sources that no gate-build manifest covers (`kernels.build` warns
//! about them, `cuda.contracts` fails on them). Checks sit above this module, so none has to
//! import another for it.

use crate::check::{Finding, Location, Outcome, Severity, SkipKind};
use crate::facts::{Facts, Resolve, Role};

/// What `kernels.build` says when the lockfile does not resolve.
pub const KERNELS_UNRESOLVED: &str = "the kernels were not built: Cargo.lock does not resolve";

/// What `kernels.build` says when the workspace does not build.
pub const KERNELS_BUILD_FAILED: &str = "the workspace does not build (tests.pass reports the errors), so its kernels cannot be checked";

/// What `kernels.build` says when a kernel manifest does not parse.
pub fn unparsable_summary(u: &crate::facts::Unparsable) -> String {
    format!("{}: gate-manifest.json does not parse", u.package)
}

/// Where the build's log is kept when this check reports the build failure itself.
pub const BUILD_LOG: &str = "logs/build.log";

/// The tracked `.cu`/`.cuh` files that no gate-build package owns, one finding each: with
/// the package that owns the file and what its build script compiles it with, grouped per
/// package for the text report. Files of packages that ship with the workspace (members and
/// the crates they reach through path dependencies) or of no package get `severity`; files
/// of other packages (a nested workspace, a fixture) are notes.
pub fn outside_gate_build(facts: &Facts, severity: Severity) -> Vec<Finding> {
    let mut findings = Vec::new();
    for source in facts.cuda.iter().filter(|s| s.is_source()) {
        let owner = source.owner.map(|o| &facts.packages[o]);
        if owner.is_some_and(|p| p.gate_build) {
            continue;
        }
        let package = owner.map_or("no package", |p| p.name.as_str());
        let how = match &source.builder {
            Some((builder, at)) => format!("compiled by {} ({at})", builder.describe()),
            None if owner.is_some_and(|p| p.build_script.is_some()) => {
                "not compiled by anything its build script shows".to_owned()
            }
            None => "with no build script".to_owned(),
        };
        let severity = if owner.is_some_and(|p| p.role == Role::Other) {
            Severity::Note
        } else {
            severity
        };
        let mut finding = Finding::new(
            severity,
            format!("CUDA source outside gate-build ({how}): no manifest shows that its kernels build, load or have CPU references"),
        ).code("cuda-outside-gate-build")
        .at(Location::file(source.rel.clone()))
        .group(format!("{package}: CUDA sources {how}, not by gate-build"));
        if let Some(p) = owner {
            finding = finding.subject(p.name.clone());
        }
        findings.push(finding);
    }
    findings
}

/// What a check that needed the build reports on its own when the lockfile does not resolve
/// and `lockfile.locked` is not there to say so.
pub fn unresolved(resolve: &Resolve) -> Outcome {
    match resolve {
        Resolve::Failed {
            unavailable: Some(unavailable),
            ..
        } => Outcome::skip(
            SkipKind::Unavailable,
            format!("the workspace was not built: {}", unavailable.reason()),
        ),
        Resolve::Failed { error, .. } => Outcome::fail(format!(
            "the workspace was not built: `cargo metadata --locked` fails: {error}"
        )),
        Resolve::Resolved { .. } => Outcome::fail("the workspace was not built"),
    }
}
