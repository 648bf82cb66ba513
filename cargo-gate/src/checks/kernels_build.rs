//! `kernels.build`: every gate-build manifest in the workspace is native-valid (PTX and
//! fatbins built, ptxas accepted every arch, no recorded violation) or fallback-valid (no
//! device code, with the reason). The manifests come from the build itself (the build fact:
//! cargo's `build-script-executed` messages carry each package's OUT_DIR).
//!
//! It applies only where it applies: with no package depending on gate-build (from the
//! manifests, or the resolved graph), nothing is built — the check PASSes with the evidence
//! when the repository has no CUDA file, and WARNs, naming every one, when CUDA sources are
//! compiled some other way (raw nvcc, cudaforge, bindgen_cuda, cc), or a build script compiles
//! CUDA files the repository does not track (a submodule's): their kernels exist but nothing
//! here checks them. A build that fails is reported once, by `tests.pass` (which
//! owns building); this check then says it is blocked.

use crate::check::{
    Check, CheckMeta, Code, Context, Finding, Location, Outcome, Severity, SkipKind,
};
pub use crate::facts::FoundManifest;
use crate::facts::{Kernels, NotBuilt};
use crate::shared::outcomes::{
    BUILD_LOG, is_compiled_by_nothing, is_untracked_build, outside_gate_build, unresolved,
};
use crate::shared::outcomes::{KERNELS_BUILD_FAILED, kernels_unresolved};
use crate::stage::Stage;
use gate_formats::kernel_manifest::Outcome as Built;

/// The `kernels.build` check.
#[derive(Debug)]
pub struct KernelsBuild;

static META: CheckMeta = CheckMeta {
    id: "kernels.build",
    stage: Stage::Pilot,
    summary: "every gate-build manifest in the workspace is native-valid or fallback-valid, with the reason",
    fix: "build each CUDA source with gate-build so the gate can check it; for a gate-build package, read its manifest's violations and ptxas messages and rebuild with a consistent CUDA toolkit (GATE_CUDA=require shows errors at build time)",
    codes: FindingCode::ALL,
    config: &[],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        FallbackWithoutReason => Code {
            name: "fallback-without-reason",
            summary: "a fallback build that records no reason",
        },
        ManifestViolation => Code {
            name: "manifest-violation",
            summary: "a violation gate-build recorded (PTX needing a newer driver than declared, ...)",
        },
        PtxasRejected => Code {
            name: "ptxas-rejected",
            summary: "ptxas rejected a module for an arch",
        },
        CudaOutsideGateBuild => Code {
            name: "cuda-outside-gate-build",
            summary: "a CUDA source compiled some other way than gate-build",
        },
        ManifestUnparsable => Code {
            name: "manifest-unparsable",
            summary: "a gate-manifest.json that does not parse",
        },
        BuildFailed => Code {
            name: "build-failed",
            summary: "the workspace does not build",
        },
    }
}

/// Where the manifests found are listed in the record (`cuda.contracts` judges the same
/// inventory, [`crate::facts::Kernels`]).
pub const MANIFESTS: &str = "kernels/manifests.json";

pub use crate::facts::package_name;

/// "N CUDA source(s) in K package(s)" (and "M build(s) of GPU code from no tracked CUDA
/// source": a submodule's, a generated file's, a Rust kernel's; and
/// how many are in no package) for the findings of [`outside_gate_build`] that count.
fn describe_outside(findings: &[Finding]) -> Option<String> {
    let counted: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity != Severity::Note)
        .collect();
    if counted.is_empty() {
        return None;
    }
    let mut packages: Vec<&str> = counted
        .iter()
        .filter_map(|f| f.subject.as_deref())
        .collect();
    packages.sort_unstable();
    packages.dedup();
    // Files that no package owns are no package of their own.
    let unowned = counted.iter().filter(|f| f.subject.is_none()).count();
    let builds = counted.iter().filter(|f| is_untracked_build(f)).count();
    let what = match (counted.len() - builds, builds) {
        (sources, 0) => format!("{sources} CUDA source(s)"),
        (0, builds) => format!("{builds} build(s) of GPU code from no tracked CUDA source"),
        (sources, builds) => format!(
            "{sources} CUDA source(s) and {builds} build(s) of GPU code from no tracked CUDA source"
        ),
    };
    let within = format!(
        "{} package(s) ({})",
        packages.len(),
        crate::shared::outcomes::some_of(&packages)
    );
    let place = match (packages.is_empty(), unowned) {
        (false, 0) => format!("in {within}"),
        (true, _) => "in no package".to_owned(),
        (false, n) => format!("in {within} and in no package ({n})"),
    };
    // Sources that nothing compiles lie outside gate-build without being compiled there.
    let unbuilt = counted.iter().filter(|f| is_compiled_by_nothing(f)).count();
    let verb = match unbuilt {
        0 => "are compiled outside gate-build".to_owned(),
        n => {
            format!("are outside gate-build ({n} of them compiled by nothing a build script shows)")
        }
    };
    Some(format!(
        "{what} {place} {verb}, so their kernels are not checked"
    ))
}

/// Judges one manifest: `Ok(description)` when valid, `Err(findings)` otherwise. Findings
/// name a module's source relative to `root`, `/`-separated (gate-build records it as the
/// build script saw it: absolute, with backslashes on Windows).
pub fn judge(found: &FoundManifest, root: &std::path::Path) -> Result<String, Vec<Finding>> {
    let m = &found.manifest;
    let package = &found.package;
    match m.outcome {
        Built::Fallback => match m.fallback_reason.as_deref() {
            Some(reason) if !reason.is_empty() => Ok(format!("{package}: fallback ({reason})")),
            _ => Err(vec![
                Finding::error(format!(
                    "{package}: fallback build without a recorded reason"
                ))
                .code(FindingCode::FallbackWithoutReason)
                .subject(package.clone()),
            ]),
        },
        Built::Native => {
            let mut findings: Vec<Finding> = m
                .violations
                .iter()
                .map(|v| {
                    Finding::error(format!("{package}: {v}"))
                        .code(FindingCode::ManifestViolation)
                        .subject(package.clone())
                })
                .collect();
            for module in &m.modules {
                for verdict in module.ptxas.iter().filter(|v| !v.ok) {
                    findings.push(
                        Finding::error(format!(
                            "{package}: ptxas rejected module `{}` for {}: {}",
                            module.name, verdict.arch, verdict.message
                        ))
                        .code(FindingCode::PtxasRejected)
                        .at(Location::file(gate_support::path::relative(
                            root,
                            &module.source,
                        )))
                        .subject(package.clone()),
                    );
                }
            }
            if findings.is_empty() {
                Ok(format!(
                    "{package}: native, {} module(s) for {}",
                    m.modules.len(),
                    m.archs.join(", ")
                ))
            } else {
                Err(findings)
            }
        }
    }
}

impl Check for KernelsBuild {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        // Judged afresh every run; the build it read may have come from the cache.
        let outcome = crate::shared::submodules::unless_unread(ctx.facts, judge_build(ctx));
        // The build's reuse where this check read the build only: "nothing to build" reads
        // none, and the build another check gathered meanwhile (a race: under load the
        // stale-lockfile fixture's second run named it) is no evidence of this outcome.
        let read = !matches!(ctx.facts.kernels(ctx.cargo), Kernels::NothingToBuild)
            || ctx.facts.witnessed_read();
        outcome.with_reuse(read.then(|| ctx.facts.build_reuse()).flatten())
    }
}

fn judge_build(ctx: &Context<'_>) -> Outcome {
    let facts = ctx.facts;
    let outside = outside_gate_build(
        facts,
        ctx.cargo,
        Severity::Warning,
        FindingCode::CudaOutsideGateBuild,
    );
    let outside_summary = describe_outside(&outside);
    let kernels = facts.kernels(ctx.cargo);
    if let Kernels::NothingToBuild = kernels {
        // Nothing to build: the evidence is the file index and the manifests.
        let listing = b"[]\n".to_vec();
        let cuda_files = facts.cuda.len();
        let outcome = match outside_summary {
            Some(summary) => Outcome::warn(format!("{summary}; no package depends on gate-build")),
            None if cuda_files == 0 => Outcome::pass(format!(
                "no CUDA sources among {} {} file(s), no gate-build dependents: nothing to build",
                facts.index.files.len(),
                facts.index.source.describe()
            )),
            None if outside.is_empty() => Outcome::pass(format!(
                "no gate-build dependents, no CUDA source (.cu, .cuh) among {} {} file(s); the \
                 {cuda_files} checked-in GPU file(s) are kernels.shipped's to judge",
                facts.index.files.len(),
                facts.index.source.describe()
            )),
            None => Outcome::pass(format!(
                "no gate-build dependents among the workspace's packages, and no CUDA source \
                 outside gate-build that ships; noted: {}",
                crate::shared::outcomes::noted_sources(&outside)
            )),
        };
        return outcome
            .with_findings(outside)
            .with_artifact(MANIFESTS, listing);
    }
    let build = match kernels {
        Kernels::NotBuilt(NotBuilt::NoCargo(e)) => {
            return Outcome::skip(SkipKind::Unavailable, e).with_findings(outside);
        }
        Kernels::NotBuilt(NotBuilt::Unresolved(resolve)) => {
            let alone = unresolved(resolve);
            return Outcome::blocked("lockfile.locked", kernels_unresolved(resolve), alone)
                .with_findings(outside);
        }
        Kernels::BuildFailed(build) => Some(build),
        _ => None,
    };
    if let Some(build) = build {
        let alone = match &build.unavailable {
            Some(unavailable) => Outcome::skip(
                SkipKind::Unavailable,
                format!("the build was not evaluated: {}", unavailable.reason()),
            ),
            None => Outcome::fail(format!(
                "the workspace does not build ({}), so its kernels cannot be checked",
                crate::shared::outcomes::error_count(&build.errors)
            ))
            .with_findings(
                build
                    .errors
                    .iter()
                    .map(|e| Finding::error(e.clone()).code(FindingCode::BuildFailed)),
            ),
        }
        .with_artifact(BUILD_LOG, build.log.clone());
        return Outcome::blocked("tests.pass", KERNELS_BUILD_FAILED, alone).with_findings(outside);
    }
    let found = match kernels {
        Kernels::Found(found) => found,
        Kernels::Unparsable(u) => {
            return Outcome::fail(crate::shared::outcomes::unparsable_summary(u)).with_finding(
                Finding::error(format!("{}: {}", u.path.display(), u.error))
                    .code(FindingCode::ManifestUnparsable)
                    .subject(u.package.clone()),
            );
        }
        _ => &[][..],
    };
    let listing = serde_json::to_vec_pretty(found).expect("json");
    let mut valid = Vec::new();
    let mut findings = Vec::new();
    for manifest in found {
        match judge(manifest, &ctx.workspace.root) {
            Ok(description) => valid.push(description),
            Err(f) => findings.extend(f),
        }
    }
    let outcome = if !findings.is_empty() {
        Outcome::fail(format!(
            "{} problem(s) in the kernel manifests",
            findings.len()
        ))
        .with_findings(findings)
    } else if found.is_empty() {
        let summary = "no kernels: no package in the build wrote a gate-build manifest";
        match &outside_summary {
            Some(o) => Outcome::warn(format!("{summary}; {o}")),
            None => Outcome::pass(summary),
        }
    } else {
        match &outside_summary {
            Some(o) => Outcome::warn(format!("{}; {o}", valid.join("; "))),
            None => Outcome::pass(valid.join("; ")),
        }
    };
    outcome
        .with_findings(outside)
        .with_artifact(MANIFESTS, listing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gate_formats::kernel_manifest::Manifest;
    use serde_json::{Value, json};
    use std::path::Path;

    /// A manifest of package `k`: a complete fallback manifest with `patch`'s fields over it.
    fn found(patch: Value) -> FoundManifest {
        FoundManifest {
            package: "k".into(),
            manifest: serde_json::from_value(crate::checks::testing::manifest_json(patch)).unwrap(),
        }
    }

    fn judge_in_w(found: &FoundManifest) -> Result<String, Vec<Finding>> {
        judge(found, Path::new("/w"))
    }

    fn module(name: &str, ptxas_ok: bool, message: &str) -> Value {
        json!({"name": name, "source": "k/saxpy.cu",
            "ptxas": [{"arch": "sm_80", "ok": ptxas_ok, "message": message}]})
    }

    fn run(files: &[(&str, &str)], members: &[&str]) -> Outcome {
        crate::checks::testing::with_files(
            files,
            members,
            crate::config::Config::default(),
            |ctx| KernelsBuild.run(ctx),
        )
    }

    /// Files that no package owns are counted apart, not as a package named "no package".
    #[test]
    fn sources_in_no_package_are_no_package_of_their_own() {
        let source = |package: Option<&str>| {
            let f = Finding::warning("x.cu");
            match package {
                Some(p) => f.subject(p.to_owned()),
                None => f,
            }
        };
        let text = |findings: &[Finding]| describe_outside(findings).unwrap();
        assert_eq!(
            text(&[source(Some("a")), source(None), source(None)]),
            "3 CUDA source(s) in 1 package(s) (a) and in no package (2) are compiled outside \
             gate-build, so their kernels are not checked"
        );
        assert_eq!(
            text(&[source(None)]),
            "1 CUDA source(s) in no package are compiled outside gate-build, so their kernels \
             are not checked"
        );
        assert_eq!(describe_outside(&[Finding::note("x.cu")]), None);
        // One that nothing compiles is outside gate-build, not compiled there.
        let unbuilt = Finding::warning("y.cu").subject("a".to_owned()).group(
            "a: CUDA sources not compiled by anything its build script shows, not by gate-build",
        );
        assert_eq!(
            text(&[source(Some("a")), unbuilt]),
            "2 CUDA source(s) in 1 package(s) (a) are outside gate-build (1 of them compiled by \
             nothing a build script shows), so their kernels are not checked"
        );
    }

    #[test]
    fn no_cuda_and_no_gate_build_passes_without_building() {
        let outcome = run(
            &[
                (
                    "app/Cargo.toml",
                    "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
                ),
                // Would not compile: a build would fail, so a PASS shows none ran.
                ("app/src/lib.rs", "fn broken( {"),
            ],
            &["app"],
        );
        assert_eq!(outcome.status, crate::check::Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "no CUDA sources among 2 walked file(s), no gate-build dependents: nothing to build"
        );
    }

    #[test]
    fn kernels_compiled_another_way_are_each_named_with_their_builder() {
        let outcome = run(
            &[
                (
                    "app/Cargo.toml",
                    "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
                ),
                (
                    "app/build.rs",
                    "use std::process::Command;\nfn main() {\n    Command::new(\"nvcc\").arg(\"-ptx\");\n}\n",
                ),
                ("app/kernels/a.cu", ""),
                ("app/kernels/sub/b.cu", ""),
                ("app/kernels/common.cuh", ""),
                ("app/kernels/prebuilt.ptx", ""),
                (
                    "fixture/Cargo.toml",
                    "[package]\nname = \"fixture\"\nversion = \"0.1.0\"\n",
                ),
                ("fixture/c.cu", ""),
            ],
            &["app"],
        );
        assert_eq!(outcome.status, crate::check::Status::Warn, "{outcome:?}");
        assert!(
            outcome.summary.starts_with(
                "2 CUDA source(s) in 1 package(s) (app) are compiled outside gate-build"
            ),
            "{}",
            outcome.summary
        );
        let listed: Vec<(Severity, String, Option<String>)> = outcome
            .findings
            .iter()
            .map(|f| {
                (
                    f.severity,
                    f.location.as_ref().unwrap().file.clone(),
                    f.group.as_deref().map(str::to_owned),
                )
            })
            .collect();
        let group = Some(
            "app: CUDA sources compiled by raw nvcc (app/build.rs:3), not by gate-build".to_owned(),
        );
        assert_eq!(
            listed,
            [
                (
                    Severity::Warning,
                    "app/kernels/a.cu".to_owned(),
                    group.clone()
                ),
                // A part of the sources that include it, not a kernel of its own.
                (
                    Severity::Note,
                    "app/kernels/common.cuh".to_owned(),
                    Some(
                        "app: CUDA headers, built only within the sources that include them"
                            .to_owned()
                    )
                ),
                (Severity::Warning, "app/kernels/sub/b.cu".to_owned(), group),
                (
                    Severity::Note,
                    "fixture/c.cu".to_owned(),
                    Some(
                        "fixture: CUDA sources with no build script, not by gate-build".to_owned()
                    )
                ),
            ]
        );
    }

    /// A build script that compiles a CUDA file this repository does not track (a git
    /// submodule's, as llm's ggml-sys does with llama.cpp's `ggml-cuda.cu`) is CUDA outside
    /// gate-build, named at its call: never "no CUDA sources", never a PASS.
    #[test]
    fn a_build_of_a_cuda_file_not_tracked_here_is_named_at_its_call() {
        let outcome = run(&crate::checks::testing::UNTRACKED_BUILD, &["sub"]);
        assert_eq!(outcome.status, crate::check::Status::Warn, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "1 build(s) of GPU code from no tracked CUDA source in 1 package(s) (sub) are \
             compiled outside gate-build, so their kernels are not checked; no package depends on gate-build"
        );
        let [finding] = &outcome.findings[..] else {
            panic!("{:?}", outcome.findings)
        };
        assert_eq!(finding.severity, Severity::Warning);
        assert_eq!(
            finding.location.as_ref().unwrap().to_string(),
            "sub/build.rs:4"
        );
        assert!(
            finding.message.starts_with(
                "CUDA compiled outside gate-build by raw nvcc (only with feature \"cublas\") \
                 from `vendor/ggml-cuda.cu`, which the repository does not track"
            ),
            "{}",
            finding.message
        );
    }

    /// sppark's `rust/`: nvcc (cc with `.cuda(true)`) compiles host code from a computed
    /// path and names no CUDA file: no evidence of kernels, nothing said.
    #[test]
    fn a_build_of_computed_host_code_is_no_untracked_cuda() {
        let outcome = run(
            &[
                (
                    "host/Cargo.toml",
                    "[package]\nname = \"host\"\nversion = \"0.1.0\"\n",
                ),
                (
                    "host/build.rs",
                    "fn main() {\n    let all_gpus = std::path::Path::new(&std::env::var(\"BASE\").unwrap()).join(\"util/all_gpus.cpp\");\n    let mut nvcc = cc::Build::new();\n    nvcc.cuda(true);\n    nvcc.file(&all_gpus).compile(\"x\");\n}\n",
                ),
                ("host/src/lib.rs", ""),
            ],
            &["host"],
        );
        assert_eq!(outcome.status, crate::check::Status::Pass, "{outcome:?}");
        assert!(outcome.findings.is_empty(), "{outcome:?}");
    }

    /// bellperson's shape: the build script writes the CUDA it generates and hands it to raw
    /// nvcc; no tracked file, but kernels all the same: never "no CUDA sources", never a PASS.
    #[test]
    fn raw_nvcc_on_generated_cuda_is_named_at_its_call() {
        let outcome = run(
            &[
                (
                    "gen/Cargo.toml",
                    "[package]\nname = \"gen\"\nversion = \"0.1.0\"\n",
                ),
                (
                    "gen/build.rs",
                    "fn main() {\n    let src = std::path::Path::new(&std::env::var(\"OUT_DIR\").unwrap()).join(\"kernel.cu\");\n    std::fs::write(&src, \"__global__ void k() {}\").unwrap();\n    std::process::Command::new(\"nvcc\").arg(\"-fatbin\").arg(&src).status().unwrap();\n}\n",
                ),
                ("gen/src/lib.rs", ""),
            ],
            &["gen"],
        );
        assert_eq!(outcome.status, crate::check::Status::Warn, "{outcome:?}");
        let [finding] = &outcome.findings[..] else {
            panic!("{:?}", outcome.findings)
        };
        assert!(
            finding.message.starts_with(
                "CUDA compiled outside gate-build by raw nvcc from sources the build script \
                 generates or finds at build time"
            ),
            "{}",
            finding.message
        );
    }

    /// A Rust kernel crate compiled for nvptx64 by the build script (rust-cuda's and
    /// ptx-builder's shape): "no CUDA sources … nothing to build" before.
    #[test]
    fn a_rust_kernel_compiled_for_nvptx_is_gpu_code_outside_gate_build() {
        let outcome = run(
            &[
                (
                    "host/Cargo.toml",
                    "[package]\nname = \"host\"\nversion = \"0.1.0\"\n",
                ),
                (
                    "host/build.rs",
                    "fn main() {\n    std::process::Command::new(\"rustc\").args([\"--target\", \"nvptx64-nvidia-cuda\", \"--emit=asm\", \"kernel/k.rs\"]).status().unwrap();\n}\n",
                ),
                ("host/src/lib.rs", ""),
            ],
            &["host"],
        );
        assert_eq!(outcome.status, crate::check::Status::Warn, "{outcome:?}");
        let [finding] = &outcome.findings[..] else {
            panic!("{:?}", outcome.findings)
        };
        assert!(
            finding.message.starts_with(
                "GPU code compiled outside gate-build by Rust compiled for nvptx64 from a Rust \
                 crate compiled to PTX: no manifest"
            ),
            "{}",
            finding.message
        );
        assert!(
            outcome
                .summary
                .starts_with("1 build(s) of GPU code from no tracked CUDA source")
        );
    }

    /// A proc macro that compiles the code it expands for nvptx64 (accel's and rust-cuda's
    /// `#[kernel]`) builds GPU code from library code, not from a build script: it passed "no
    /// CUDA sources" before.
    #[test]
    fn a_proc_macro_compiling_rust_for_nvptx_is_gpu_code_outside_gate_build() {
        let outcome = run(
            &[
                (
                    "derive/Cargo.toml",
                    "[package]\nname = \"derive\"\nversion = \"0.1.0\"\n[lib]\nproc-macro = true\n",
                ),
                (
                    "derive/src/lib.rs",
                    "const TARGET: &str = \"nvptx64-nvidia-cuda\";\npub fn ptx(dir: &std::path::Path) {\n    std::process::Command::new(\"cargo\").args([\"build\", \"--target\", TARGET]).current_dir(dir).status().unwrap();\n}\n",
                ),
            ],
            &["derive"],
        );
        assert_eq!(outcome.status, crate::check::Status::Warn, "{outcome:?}");
        let [finding] = &outcome.findings[..] else {
            panic!("{:?}", outcome.findings)
        };
        assert!(
            finding
                .message
                .starts_with("GPU code compiled outside gate-build by Rust compiled for nvptx64"),
            "{}",
            finding.message
        );
        let at = finding.location.as_ref().map(|l| (l.file.as_str(), l.line));
        assert_eq!(at, Some(("derive/src/lib.rs", Some(3))));
        // The same code in a library (a builder crate's, which build scripts call) builds
        // only what its callers name.
        let library = run(
            &[
                (
                    "builder/Cargo.toml",
                    "[package]\nname = \"builder\"\nversion = \"0.1.0\"\n",
                ),
                (
                    "builder/src/lib.rs",
                    "const TARGET: &str = \"nvptx64-nvidia-cuda\";\npub fn ptx(dir: &std::path::Path) {\n    std::process::Command::new(\"cargo\").args([\"build\", \"--target\", TARGET]).current_dir(dir).status().unwrap();\n}\n",
                ),
            ],
            &["builder"],
        );
        assert_eq!(library.status, crate::check::Status::Pass, "{library:?}");
    }

    #[test]
    fn package_names_from_both_id_formats() {
        assert_eq!(
            package_name("path+file:///w/gate-kernels#0.1.0"),
            "gate-kernels"
        );
        assert_eq!(
            package_name("path+file:///w/k#my-kernels@0.1.0"),
            "my-kernels"
        );
        assert_eq!(
            package_name("my-kernels 0.1.0 (path+file:///w/k)"),
            "my-kernels"
        );
    }

    #[test]
    fn fallback_needs_a_reason_and_native_needs_clean_ptxas() {
        assert!(
            judge_in_w(&found(
                json!({"outcome": "fallback", "fallback_reason": "nvcc not found"})
            ))
            .is_ok()
        );
        assert!(
            judge_in_w(&found(
                json!({"outcome": "fallback", "fallback_reason": null})
            ))
            .is_err()
        );
        let native = json!({"outcome": "native", "archs": ["sm_80"], "violations": [],
            "modules": [module("saxpy", true, "")]});
        assert_eq!(
            judge_in_w(&found(native)).unwrap(),
            "k: native, 1 module(s) for sm_80"
        );
        let rejected = json!({"outcome": "native", "archs": ["sm_80"], "violations": ["saxpy: PTX ISA 9.0 needs CUDA 13.0"],
            "modules": [module("saxpy", false, "Unsupported .version 9.0")]});
        assert_eq!(judge_in_w(&found(rejected.clone())).unwrap_err().len(), 2);
        // The module's source is shown relative to the workspace, `/`-separated, however
        // gate-build recorded it.
        let mut absolute = rejected;
        let root = std::env::current_dir().unwrap();
        let source = root.join("k").join("src").join("saxpy.cu");
        absolute["modules"][0]["source"] = json!(source);
        let findings = judge(&found(absolute), &root).unwrap_err();
        let at = findings[1].location.as_ref().unwrap();
        assert_eq!(at.file, "k/src/saxpy.cu");
        // An outcome that is neither is not a manifest at all: it does not parse.
        assert!(Manifest::parse(r#"{"outcome": "maybe"}"#).is_err());
    }
}
