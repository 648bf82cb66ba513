//! A declared fleet judged against nothing: a build that produced no GPU image while the
//! workspace's builders compile GPU code (no nvcc on the machine and a script that builds on
//! without it; a spawn failure the script tolerated). The fleet passed on no evidence (the
//! twenty-ninth session's fixture, run without nvcc on PATH). Where no nvcc could be found
//! the run says the fleet went unjudged, a warning (gate-build's CPU fallback is a build the
//! brief allows, and a machine without CUDA still gates its Rust); where the build could run
//! nvcc and still made no GPU code, an error.

use super::{FindingCode, located};
use crate::check::{Finding, Severity};
use gate_formats::kernel_bom::{Artifacts, Bom, BuilderKind};

/// One finding per builder of the workspace that compiles GPU code at build time (NVRTC
/// compiles at run time) in a way not said already (its features off, a compile that
/// failed), when a fleet is declared and no artifact read carries GPU code: a warning where
/// no witness stood in front of an nvcc (none on any route), else an error.
pub(super) fn fleet_unjudged(bom: &Bom) -> Vec<Finding> {
    let Artifacts::Read { kernels, .. } = &bom.artifacts else {
        return Vec::new();
    };
    if bom.fleet.is_none() || !kernels.is_empty() {
        return Vec::new();
    }
    let failed = |b: usize| {
        (bom.witness.iter().flat_map(|w| &w.compiles)).any(|c| c.builder == Some(b) && !c.ok)
    };
    let builders: Vec<(usize, &gate_formats::kernel_bom::Builder)> = (bom.builders.iter())
        .enumerate()
        .filter(|(i, b)| {
            b.ships
                && !b.dependency
                && b.unbuilt.is_empty()
                && !matches!(b.kind, BuilderKind::Nvrtc | BuilderKind::Hip)
                && !failed(*i)
        })
        .collect();
    let unwitnessed = match &bom.witness {
        None => Some("the build's compiles were not witnessed"),
        Some(w) => w.not_installed.as_deref(),
    };
    let (severity, why) = match unwitnessed {
        Some(why) => (Severity::Warning, format!(" ({why})")),
        None => (Severity::Error, String::new()),
    };
    let findings = builders.iter().map(|(_, b)| {
        let finding = Finding::new(
            severity,
            format!(
                "{}: {} at {} compiles GPU code, and no artifact this run's build made carries \
                 any{why}: the fleet was judged against nothing",
                b.package,
                b.kind.describe(),
                b.at
            ),
        )
        .code(FindingCode::GpuCodeNotBuilt)
        .subject(b.package.clone());
        located(finding, &b.at)
    });
    findings.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gate_formats::kernel_bom::{Builder, Fleet, Witnessed};

    /// The twenty-ninth session's fixture without nvcc on PATH: a fleet, a raw nvcc builder,
    /// a build that went on without it, no GPU image: READY on nothing judged. A warning where
    /// no nvcc was found, an error where the build could run one; nothing where no fleet is
    /// declared, or the builder compiles at run time (NVRTC).
    #[test]
    fn a_fleet_judged_against_no_gpu_code_is_said() {
        let read = Artifacts::Read {
            binaries: Vec::new(),
            kernels: Vec::new(),
            files: 2,
            bytes: 1,
        };
        let mut bom = Bom {
            builders: vec![Builder::new("kern", BuilderKind::Nvcc, "kern/build.rs:7")],
            fleet: Some(Fleet {
                archs: vec!["sm_80".into()],
                min_driver: None,
                coverage: Vec::new(),
            }),
            artifacts: read,
            witness: Some(Witnessed {
                not_installed: Some("no nvcc on any route".into()),
                ..Witnessed::default()
            }),
            ..Bom::default()
        };
        let found = fleet_unjudged(&bom);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].message.contains("(no nvcc on any route)"),
            "{found:?}"
        );
        let at = found[0].location.as_ref().expect("located");
        assert_eq!((at.file.as_str(), at.line), ("kern/build.rs", Some(7)));
        bom.witness = Some(Witnessed::default());
        assert_eq!(fleet_unjudged(&bom)[0].severity, Severity::Error);
        bom.builders[0].kind = BuilderKind::Nvrtc;
        assert!(fleet_unjudged(&bom).is_empty());
        bom.builders[0].kind = BuilderKind::Nvcc;
        bom.fleet = None;
        assert!(fleet_unjudged(&bom).is_empty());
    }
}
