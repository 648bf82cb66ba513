//! `kernels.shipped`: every GPU kernel the workspace ships is named with what built it, and
//! loads on the declared fleet. It judges the CUDA bill of materials ([`crate::bom`]):
//!
//! - **FAIL** when a GPU of `[cuda] archs` has neither SASS nor PTX it can JIT from in a
//!   module of the shipped artifacts, when PTX needs a newer driver than `[cuda] min-driver`,
//!   when a shipped binary carries GPU code that no tracked source, builder or tracked file
//!   accounts for, and when checked-in PTX/cubin/fatbin is stale against its source;
//! - **WARN** for `-arch=native`, build-time GPU probing, PTX written outside `OUT_DIR`,
//!   NVRTC (the arch is decided on the user's machine: the finding names the NVRTC library
//!   the binary loads), and checked-in GPU code that no build produces;
//! - **notes** for dependencies that compile GPU code (with the feature path that pulls each
//!   in), for sources nothing builds, and, with no `[cuda]` table, that nothing was judged
//!   against a fleet.
//!
//! The artifacts are read from the run's build (built or reused); where no other check of
//! the run builds and the sources or graph hold GPU code, the check makes that build itself,
//! and says so, except in a static run (`--skip tests.pass`), where it is not evaluated. The bill of materials is kept in the record as `kernels/bom.json`.

use crate::bom::{any_gpu_code, inventory, module_codes, read_built};
use crate::check::{
    After, Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, Severity,
    SkipKind,
};
use crate::config::section::Section;
use crate::shared::outcomes::{KERNELS_BUILD_FAILED, kernels_unresolved, unresolved};
use crate::stage::Stage;
use gate_formats::kernel_bom::{Artifacts, Bom, BuilderKind, RECORD_PATH};

/// The `kernels.shipped` check.
#[derive(Debug)]
pub struct KernelsShipped;

static META: CheckMeta = CheckMeta {
    id: "kernels.shipped",
    stage: Stage::Pilot,
    summary: "every GPU kernel the workspace ships is named with what built it and loads on the declared [cuda] fleet",
    fix: "declare the fleet in gate.toml ([cuda] archs and min-driver); build SASS for every declared GPU or PTX old enough to JIT on it; pin archs instead of -arch=native; rebuild checked-in PTX from its source; GPU code built only under a feature the gate's build leaves off (feature-not-built): make that feature a default one, or waive the finding where another job builds and judges it; a compile the build script swallowed (kernel-compile-swallowed): fix the source or the toolkit it needs, and make the script fail the build rather than warn; run `cargo gate kernels` to see the inventory",
    codes: FindingCode::ALL,
    config: &[
        ConfigKey {
            key: "[cuda] archs",
            default: "[]",
            meaning: "the GPUs the service runs on (sm_80, ...): each shipped module must run on each, as SASS or by JIT from PTX",
        },
        ConfigKey {
            key: "[cuda] min-driver",
            default: "-",
            meaning: "the oldest driver on the fleet, as its CUDA version (13.0; [policy] min-driver when absent): shipped PTX must not need a newer one",
        },
    ],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        ArchNotCovered => Code {
            name: "arch-not-covered",
            summary: "a declared GPU has neither SASS nor PTX it can JIT from in a shipped module",
        },
        PtxNeedsNewerDriver => Code {
            name: "ptx-needs-newer-driver",
            summary: "shipped PTX needs a newer driver than [cuda] min-driver",
        },
        KernelWithoutSource => Code {
            name: "kernel-without-source",
            summary: "a shipped binary carries GPU code no tracked source, builder or file accounts for",
        },
        StaleGpuBinary => Code {
            name: "stale-gpu-binary",
            summary: "checked-in PTX/cubin/fatbin older than its source",
        },
        BuiltByNothing => Code {
            name: "built-by-nothing",
            summary: "a tracked GPU file no build compiles (a warning for compiled GPU code)",
        },
        NativeArch => Code {
            name: "native-arch",
            summary: "a build targets whatever GPU the build machine has (-arch=native)",
        },
        GpuProbe => Code {
            name: "gpu-probe",
            summary: "a build script asks the build machine's GPU for its compute capability",
        },
        PtxOutsideOutDir => Code {
            name: "ptx-outside-out-dir",
            summary: "a build script writes PTX outside OUT_DIR",
        },
        Nvrtc => Code {
            name: "nvrtc",
            summary: "CUDA compiled at run time with NVRTC: the arch is decided on the user's machine",
        },
        DependencyGpuCode => Code {
            name: "dependency-gpu-code",
            summary: "a dependency compiles GPU code or provides NVRTC to code that does",
        },
        GpuCodeNotBuilt => Code {
            name: "gpu-code-not-built",
            summary: "a declared fleet, a builder of the workspace that compiles GPU code, and a build that produced no GPU image: the fleet was judged against nothing (a warning where no nvcc was found)",
        },
        SourceNotCompiled => Code {
            name: "gpu-source-not-compiled",
            summary: "a source a shipping builder compiles, as static reading finds it, that the witnessed build did not compile while other GPU code shipped: not judged against the [cuda] fleet (a warning)",
        },
        KernelCompileSwallowed => Code {
            name: "kernel-compile-swallowed",
            summary: "a build script's compile of GPU code (not a tool's probe) failed and the build went on without it: none of that GPU code ships (an error with a [cuda] fleet)",
        },
        FeatureNotBuilt => Code {
            name: "feature-not-built",
            summary: "a builder compiles GPU code only under features the run's build does not turn on: none of it was read (an error with a [cuda] fleet, which it was not judged against)",
        },
        NoFleet => Code {
            name: "no-fleet",
            summary: "no [cuda] table: the inventory was not judged against a fleet",
        },
    }
}

impl Check for KernelsShipped {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn reads_graph(&self) -> bool {
        true
    }

    fn reads_built_gpu(&self) -> bool {
        true
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(crate::shared::sections::cuda_table())
    }

    fn after(&self) -> After {
        // The artifacts are read from the build the run makes anyway (for the tests, for
        // gate-build's manifests). Selected alone (`--only kernels.shipped`), it brings
        // neither: it builds only when the sources or the graph hold GPU code.
        After::WhenRun(&["tests.pass", "kernels.build"])
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        // The tests would not run on this toolchain (an override of an uninstalled or other
        // pin): a build with it is no evidence either, and is not paid for.
        let other_toolchain = ctx.facts.other_toolchain().map(str::to_owned);
        let unread = if other_toolchain.is_some() || !ctx.facts.run_built() {
            NOT_BUILT
        } else {
            "the workspace did not build"
        };
        let sources = inventory(ctx.facts, ctx.cargo, ctx.config, unread);
        let gpu = any_gpu_code(&sources);
        let static_outcome = judge(&sources);
        let listing =
            |bom: &Bom| gate_support::json::pretty_bytes(bom).expect("the BOM serialises");
        // Nothing in the sources, and the graph unknown: the dependencies' GPU code is unknown.
        if !gpu && let Some(unresolved) = graph_unresolved(ctx) {
            return unresolved.with_findings(static_outcome.findings);
        }
        let built_by_the_run = ctx.facts.run_built() && other_toolchain.is_none();
        if !built_by_the_run && !gpu {
            // No GPU code in the sources, build scripts or graph, and no build to read:
            // judged on that evidence (the summary says the artifacts were not read).
            return static_outcome.with_artifact(RECORD_PATH, listing(&sources));
        }
        if !built_by_the_run && !ctx.facts.may_build() {
            // A static run (`--skip tests.pass`) builds nothing: not evaluated.
            return Outcome::skip(
                SkipKind::Unavailable,
                format!(
                    "{NOT_BUILT} (tests.pass was skipped), so the GPU code it ships was not \
                     read; {}",
                    static_outcome.summary
                ),
            )
            .with_findings(static_outcome.findings)
            .with_artifact(RECORD_PATH, listing(&sources));
        }
        if let Some(other) = other_toolchain {
            return Outcome::blocked(
                "tests.pass",
                format!("{NOT_BUILT}: {}", crate::shared::outcomes::OTHER_TOOLCHAIN),
                Outcome::skip(SkipKind::Unavailable, other),
            )
            .with_findings(static_outcome.findings)
            .with_artifact(RECORD_PATH, listing(&sources));
        }
        // GPU code, and no other check of this run built the workspace (`--only
        // kernels.shipped`): what it ships can only be read from a build, so this check asks
        // for the one the run would have made.
        if let Some(not_read) = not_built(ctx) {
            if !gpu {
                return static_outcome.with_artifact(RECORD_PATH, listing(&sources));
            }
            // Recorded with what the witness saw the failed build compile before it stopped.
            let mut bom = sources;
            read_built(&mut bom, ctx.facts, ctx.cargo, ctx.config);
            return not_read
                .with_findings(static_outcome.findings)
                .with_artifact(RECORD_PATH, listing(&bom));
        }
        let mut bom = sources;
        read_built(&mut bom, ctx.facts, ctx.cargo, ctx.config);
        let outcome = judge(&bom)
            .with_artifact(RECORD_PATH, listing(&bom))
            .with_reuse(ctx.facts.build_reuse())
            .with_reuse(ctx.facts.built_gpu_reuse())
            .with_reuse(ctx.facts.resolve_reuse())
            .with_reuses(&ctx.facts.graph_reuse());
        if built_by_the_run {
            return outcome;
        }
        outcome.with_finding(Finding::note(
            "no other check of this run built the workspace, so kernels.shipped built it \
             (`cargo test --no-run --locked --workspace`, as tests.pass would) to read the GPU \
             code it ships",
        ))
    }
}

/// Why the artifacts were not read when no check of the run built the workspace.
const NOT_BUILT: &str = "this run built nothing";

/// When the lockfile does not resolve: blocked by `lockfile.locked` (or not evaluated, when
/// the environment is the cause), since the dependencies' GPU code is then unknown.
fn graph_unresolved(ctx: &Context<'_>) -> Option<Outcome> {
    match ctx.facts.resolve(ctx.cargo) {
        Ok(resolve @ crate::facts::Resolve::Failed { .. }) => Some(Outcome::blocked(
            "lockfile.locked",
            "the dependency graph was not resolved, so the GPU code of the dependencies is unknown",
            unresolved(resolve),
        )),
        Ok(crate::facts::Resolve::Resolved { .. }) => None,
        Err(e) => Some(Outcome::skip(SkipKind::Unavailable, e.to_owned())),
    }
}

/// The outcome when the workspace was not built: blocked by the check that owns the cause.
fn not_built(ctx: &Context<'_>) -> Option<Outcome> {
    use crate::facts::NotBuilt;
    let build = match ctx.facts.build(ctx.cargo) {
        Ok(build) if build.ok => return None,
        Ok(build) => build,
        Err(NotBuilt::NoCargo(e)) => return Some(Outcome::skip(SkipKind::Unavailable, e)),
        Err(NotBuilt::Unresolved(resolve)) => {
            return Some(Outcome::blocked(
                "lockfile.locked",
                kernels_unresolved(resolve),
                unresolved(resolve),
            ));
        }
    };
    let alone = match &build.unavailable {
        Some(unavailable) => Outcome::skip(
            SkipKind::Unavailable,
            format!("the build was not evaluated: {}", unavailable.reason()),
        ),
        None => Outcome::fail(format!(
            "the workspace does not build ({}), so what it ships cannot be read",
            crate::shared::outcomes::error_count(&build.errors)
        )),
    };
    Some(Outcome::blocked("tests.pass", KERNELS_BUILD_FAILED, alone))
}

/// `file:line` as a location (a dependency's `name@version/…` is no workspace file: none).
fn location(at: &str) -> Option<Location> {
    let (file, line) = at.rsplit_once(':')?;
    if file.contains('@') {
        return None;
    }
    Some(Location {
        file: file.to_owned(),
        line: line.parse().ok(),
        column: None,
    })
}

fn located(finding: Finding, at: &str) -> Finding {
    match location(at) {
        Some(l) => finding.at(l),
        None => finding,
    }
}

/// The outcome of a bill of materials.
pub fn judge(bom: &Bom) -> Outcome {
    let mut findings = fleet_unjudged(bom);
    findings.extend(sources_unjudged(bom));
    findings.extend(source_findings(bom));
    findings.extend(builder_findings(bom));
    findings.extend(unbuilt_findings(bom));
    findings.extend(swallowed_findings(bom));
    findings.extend(witnessed_native(bom));
    findings.extend(artifact_findings(bom));
    if bom.fleet.is_none() {
        findings.push(
            Finding::note("no [cuda] table in gate.toml: the inventory is reported, nothing was judged against a fleet")
                .code(FindingCode::NoFleet),
        );
    }
    let summary = summarize(bom);
    if findings.iter().any(|f| f.severity == Severity::Error) {
        Outcome::fail(summary)
    } else if findings.iter().any(|f| f.severity == Severity::Warning) {
        Outcome::warn(summary)
    } else {
        Outcome::pass(summary)
    }
    .with_findings(findings)
}

fn summarize(bom: &Bom) -> String {
    let named = bom
        .sources
        .iter()
        .filter(|s| !s.built_by.is_empty())
        .count();
    let mut parts = vec![format!(
        "{} tracked GPU file(s), {named} built by a named builder; {} builder(s)",
        bom.sources.len(),
        bom.builders.iter().filter(|b| !b.dependency).count()
    )];
    if let Some(why) = &bom.graph_unread {
        parts.push(format!("dependencies not read ({why})"));
    } else {
        // A dependency that only provides NVRTC's bindings compiles nothing itself: its
        // dependents do, and they are counted where they are (a builder of theirs).
        let compiling = bom
            .dependencies
            .iter()
            .filter(|d| !d.builders.is_empty())
            .count();
        let providing = bom.dependencies.len() - compiling;
        if compiling > 0 {
            parts.push(format!("{compiling} dependenc(ies) compile GPU code"));
        }
        if providing > 0 {
            parts.push(format!("{providing} dependenc(ies) provide NVRTC"));
        }
    }
    if bom.graph_resolved.is_some() {
        parts.push("the graph resolved without a lockfile".to_owned());
    }
    parts.push(match &bom.artifacts {
        Artifacts::Read {
            binaries,
            kernels,
            files,
            ..
        } => format!(
            "{} GPU image(s) in {} of {files} artifact(s) read",
            kernels.len(),
            binaries.iter().filter(|b| !b.modules.is_empty()).count()
        ),
        Artifacts::Unread { reason } => format!("artifacts not read: {reason}"),
        Artifacts::NotRead => "artifacts not read".to_owned(),
    });
    if let Some(fleet) = &bom.fleet {
        parts.push(format!("fleet {}", fleet.archs.join(", ")));
    }
    parts.join("; ")
}

/// `severity` for what ships; a note for a package that does not (a fixture, an example, a
/// nested workspace): its GPU code is inventoried, not judged.
fn unless_shipped(ships: bool, severity: Severity) -> Severity {
    if ships { severity } else { Severity::Note }
}

/// Tracked GPU files: stale checked-in code, and files nothing builds.
fn source_findings(bom: &Bom) -> Vec<Finding> {
    let mut findings = Vec::new();
    for source in &bom.sources {
        if let Some(stale) = &source.stale_against {
            findings.push(
                Finding::new(
                    unless_shipped(source.ships, Severity::Error),
                    format!("{} is stale: its source {stale}", source.path),
                )
                .code(FindingCode::StaleGpuBinary)
                .at(Location::file(&source.path)),
            );
        }
        if source.built_by.is_empty() && source.included_by.is_none() {
            let finding = if source.kind.is_binary() {
                Finding::new(
                    unless_shipped(source.ships, Severity::Warning),
                    format!(
                        "{} is checked-in GPU code that no build produces (built by nothing)",
                        source.path
                    ),
                )
            } else {
                Finding::note(format!(
                    "{}: no build script compiles it (built by nothing)",
                    source.path
                ))
            };
            findings.push(
                finding
                    .code(FindingCode::BuiltByNothing)
                    .at(Location::file(&source.path)),
            );
        }
    }
    findings
}

/// Builders: what they target, and dependencies that compile GPU code. What a build script
/// does once (probe the GPU, write PTX outside OUT_DIR) is said once, however many of its
/// compiler calls the inventory lists.
fn builder_findings(bom: &Bom) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut said: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for b in &bom.builders {
        let who = if b.dependency {
            format!("{} (a dependency)", b.package)
        } else {
            b.package.clone()
        };
        if b.native_arch {
            findings.push(located(
                Finding::new(
                    unless_shipped(b.ships, Severity::Warning),
                    format!(
                        "{who}: {} targets whatever GPU the build machine has (-arch=native) at {}",
                        b.kind.describe(),
                        b.at
                    ),
                )
                .code(FindingCode::NativeArch)
                .subject(b.package.clone()),
                &b.at,
            ));
        }
        if let Some(probe) = &b.gpu_probe
            && said.insert((b.package.as_str(), probe.as_str()))
        {
            // Under a switch the run's build left off, the probe did not run here (diffusion-rs'
            // `cuda` feature, the thirty-fifth session's trial): said, not hidden.
            let when = match (&b.switch, b.unbuilt.is_empty()) {
                (Some(switch), false) => {
                    format!(" (only with {switch}, which this run's build left off)")
                }
                (Some(switch), true) => format!(" (only with {switch})"),
                (None, _) => String::new(),
            };
            findings.push(located(
                Finding::new(
                    unless_shipped(b.ships, Severity::Warning),
                    format!("{who}: the build probes the build machine's GPU at {probe}{when}"),
                )
                .code(FindingCode::GpuProbe)
                .subject(b.package.clone()),
                probe.split(' ').next().unwrap_or(probe),
            ));
        }
        if let Some(outside) = &b.outside_out_dir
            && said.insert((b.package.as_str(), outside.as_str()))
        {
            findings.push(located(
                Finding::new(
                    unless_shipped(b.ships, Severity::Warning),
                    format!("{who}: PTX written outside OUT_DIR at {outside}"),
                )
                .code(FindingCode::PtxOutsideOutDir)
                .subject(b.package.clone()),
                outside.split(' ').next().unwrap_or(outside),
            ));
        }
        if b.kind == BuilderKind::Nvrtc {
            let loads = match &b.loads {
                Some(library) => format!("it loads {library}"),
                None => "no NVRTC library is named in the artifacts or the graph".to_owned(),
            };
            findings.push(located(
                Finding::new(unless_shipped(b.ships, Severity::Warning), format!(
                    "{who}: CUDA compiled at run time with NVRTC at {} (the arch is decided on the user's machine; {loads})",
                    b.at
                ))
                .code(FindingCode::Nvrtc)
                .subject(b.package.clone()),
                &b.at,
            ));
        }
    }
    for dep in &bom.dependencies {
        let how: Vec<String> = dep
            .builders
            .iter()
            .filter_map(|&i| bom.builders.get(i))
            .map(|b| format!("{} at {}", b.kind.describe(), b.at))
            .collect();
        let mut what: Vec<String> = Vec::new();
        if !how.is_empty() {
            what.push(format!("compiles GPU code ({})", how.join(", ")));
        }
        if let Some(nvrtc) = &dep.provides_nvrtc {
            what.push(format!("provides {nvrtc}"));
        }
        findings.push(
            Finding::note(format!(
                "{} {} {}, pulled in by {}",
                dep.name,
                dep.version,
                what.join(" and "),
                dep.path.join(crate::deps::PATH_ARROW)
            ))
            .code(FindingCode::DependencyGpuCode)
            .subject(format!("{} {}", dep.name, dep.version)),
        );
    }
    findings
}

/// The builders whose GPU code the run's build did not compile, their switch's features off
/// ([`Builder::unbuilt`]): with a `[cuda]` fleet that code ships unjudged against it, an
/// error; without one nothing was to be judged of it, a note.
fn unbuilt_findings(bom: &Bom) -> Vec<Finding> {
    let (severity, nor) = match bom.fleet {
        Some(_) => (Severity::Error, ", nor judged against the fleet"),
        None => (Severity::Note, ""),
    };
    let quoted = |features: &[String]| -> String {
        let quoted: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
        quoted.join(" and ")
    };
    bom.builders
        .iter()
        .filter(|b| !b.unbuilt.is_empty())
        .map(|b| {
            let finding = Finding::new(
                severity,
                format!(
                    "{}: {} at {} compiles GPU code only with feature {}, which this run's \
                     build (each member's default features) does not turn on: none of that \
                     code was read{nor}",
                    b.package,
                    b.kind.describe(),
                    b.at,
                    quoted(&b.unbuilt)
                ),
            );
            located(
                finding
                    .code(FindingCode::FeatureNotBuilt)
                    .subject(b.package.clone()),
                &b.at,
            )
        })
        .collect()
}

/// A declared fleet judged against nothing (the twenty-ninth session's fixture, run without
/// nvcc on PATH: a build that produced no GPU image while a builder compiles GPU code).
/// Where no nvcc could be found it is a warning (gate-build's CPU fallback is a build the
/// brief allows, and a machine without CUDA still gates its Rust); where the build could run
/// nvcc and still made no GPU code, an error.
///
/// One finding per builder of the workspace that compiles GPU code at build time (NVRTC
/// compiles at run time) in a way not said already (its features off, a compile that
/// failed), when a fleet is declared and no artifact read carries GPU code: a warning where
/// no witness stood in front of an nvcc (none on any route), else an error.
fn fleet_unjudged(bom: &Bom) -> Vec<Finding> {
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
        .filter(|(i, b)| builds_here(b) && !failed(*i))
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

/// Whether `b` is a shipping builder of the workspace whose GPU code this run's build would
/// make: not a dependency's, its features on, compiling with nvcc at build time (NVRTC
/// compiles at run time; the witness never sees hipcc).
fn builds_here(b: &gate_formats::kernel_bom::Builder) -> bool {
    b.ships
        && !b.dependency
        && b.unbuilt.is_empty()
        && !matches!(b.kind, BuilderKind::Nvrtc | BuilderKind::Hip)
}

/// With a fleet declared and GPU code read, each CUDA source a shipping builder compiles (as
/// static reading finds it) that the witnessed build compiled nowhere: its GPU code was not
/// judged against the fleet (a second kernel built only under a variable the script reads,
/// or by an nvcc the witness does not stand in front of: the twenty-ninth session's hostile
/// pass). A warning: static reading may have misread the builder. Where no GPU code was read
/// at all, [`fleet_unjudged`] says it per builder.
fn sources_unjudged(bom: &Bom) -> Vec<Finding> {
    let (Some(_), Some(witness), Artifacts::Read { kernels, .. }) =
        (&bom.fleet, &bom.witness, &bom.artifacts)
    else {
        return Vec::new();
    };
    if witness.not_installed.is_some() || kernels.is_empty() {
        return Vec::new();
    }
    let unwitnessed = |p: &str| witness.unwitnessed.iter().any(|u| u.package == p);
    let unjudged = bom.sources.iter().filter(|s| {
        s.kind == gate_formats::kernel_bom::FileKind::Source
            && s.ships
            && s.compiled_in.is_empty()
            && s.probe.is_none()
            && s.package.as_deref().is_some_and(|p| !unwitnessed(p))
    });
    let mut findings = Vec::new();
    for source in unjudged {
        let builder = (source.built_by.iter())
            .filter_map(|&b| bom.builders.get(b))
            .find(|b| builds_here(b));
        let Some(builder) = builder else { continue };
        let finding = Finding::warning(format!(
            "static reading says {} at {} compiles it, but the witnessed build did not: its GPU \
             code was not judged against the fleet",
            builder.kind.describe(),
            builder.at
        ))
        .code(FindingCode::SourceNotCompiled)
        .at(Location::file(source.path.clone()))
        .subject(builder.package.clone());
        findings.push(finding);
    }
    findings
}

/// The witnessed compiles of the workspace's own CUDA sources that failed in a build that
/// went on (gate-witness keeps them; the build script warned and built without them, the
/// twenty-ninth session's false READY): none of that GPU code ships. With a `[cuda]` fleet it
/// lacks what the fleet runs, an error; without one, a warning.
fn swallowed_findings(bom: &Bom) -> Vec<Finding> {
    let Some(witness) = &bom.witness else {
        return Vec::new();
    };
    let severity = match bom.fleet {
        Some(_) => Severity::Error,
        None => Severity::Warning,
    };
    // The witness keeps no failed probe of a build that went on (cc's `flag_check.cu`): a
    // failed compile here is GPU code, the package's own or a copy made in `OUT_DIR`.
    let failed = witness.compiles.iter().filter(|c| !c.ok);
    failed
        .map(|c| {
            let at = c
                .builder
                .and_then(|b| bom.builders.get(b))
                .map(|b| b.at.as_str());
            let finding = Finding::new(
                severity,
                format!(
                    "{}: its build script's compile of {} failed and the build went on without it: \
                     none of that GPU code ships{}",
                    c.package,
                    c.inputs.join(", "),
                    at.map(|at| format!(" (the builder at {at})"))
                        .unwrap_or_default()
                ),
            )
            .code(FindingCode::KernelCompileSwallowed)
            .subject(c.package.clone());
            match at {
                Some(at) => located(finding, at),
                None => finding,
            }
        })
        .collect()
}

/// `-arch=native` the witness saw in compiles no builder accounts for, each package once. A
/// builder's own compiles mark it [`Builder::native_arch`] when the witness observes them
/// (gate-witness), so [`builder_findings`] says those, at the builder.
fn witnessed_native(bom: &Bom) -> Vec<Finding> {
    let Some(witness) = &bom.witness else {
        return Vec::new();
    };
    let mut said = std::collections::BTreeSet::new();
    let mut findings = Vec::new();
    for compile in witness.compiles.iter().filter(|c| c.builder.is_none()) {
        let native = compile.ok && compile.archs.iter().any(|a| a == "native");
        if !native || !said.insert(compile.package.as_str()) {
            continue;
        }
        let finding = Finding::warning(format!(
            "{}: its build script compiled {} for whatever GPU the build machine has \
             (-arch=native), as the nvcc witness saw it",
            compile.package,
            compile.inputs.join(", ")
        ))
        .code(FindingCode::NativeArch)
        .subject(compile.package.clone());
        findings.push(finding);
    }
    findings
}

/// The artifacts: code nothing accounts for, and each module against the fleet.
fn artifact_findings(bom: &Bom) -> Vec<Finding> {
    let Artifacts::Read {
        binaries, kernels, ..
    } = &bom.artifacts
    else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    let mut named = std::collections::BTreeSet::new();
    for binary in binaries {
        for module in &binary.modules {
            for &k in &module.kernels {
                let Some(kernel) = kernels.get(k) else {
                    continue;
                };
                if kernel.shipped && kernel.source.is_none() && named.insert(kernel.digest.clone())
                {
                    findings.push(
                        Finding::error(format!(
                            "{} ({}) carries GPU code ({}, {}) that no tracked source, builder or file accounts for",
                            binary.path, binary.package, kernel.arch, kernel.digest
                        ))
                        .code(FindingCode::KernelWithoutSource)
                        .subject(binary.package.clone()),
                    );
                }
            }
        }
    }
    if let Some(fleet) = &bom.fleet {
        findings.extend(fleet_findings(fleet, binaries, kernels));
    }
    findings
}

fn fleet_findings(
    fleet: &gate_formats::kernel_bom::Fleet,
    binaries: &[gate_formats::kernel_bom::Binary],
    kernels: &[gate_formats::kernel_bom::Kernel],
) -> Vec<Finding> {
    use crate::cuda::fleet::{Covered, coverage, driver_shortfall, gpu_number};
    let driver = fleet
        .min_driver
        .as_deref()
        .and_then(crate::config::parse_driver);
    let mut findings = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut packages: Vec<&str> = binaries.iter().map(|b| b.package.as_str()).collect();
    packages.sort_unstable();
    packages.dedup();
    for package in packages {
        let path = binaries
            .iter()
            .find(|b| b.package == package && !b.test && !b.modules.is_empty())
            .or_else(|| binaries.iter().find(|b| b.package == package))
            .map_or("", |b| b.path.as_str());
        for module in crate::bom::judged(binaries, kernels, package) {
            // The file that carries this module (the trial's `b.ptx`, not the package's
            // first binary `a.ptx`).
            let path = binaries
                .iter()
                .find(|b| b.modules.iter().any(|m| std::ptr::eq(m, module)))
                .map_or(path, |b| b.path.as_str());
            let codes = module_codes(module, kernels);
            let images: Vec<String> = codes.iter().map(|c| c.name()).collect();
            // One finding per distinct module and package, however many binaries carry it.
            if !seen.insert((package.to_owned(), images.clone())) {
                continue;
            }
            for arch in &fleet.archs {
                let gpu = gpu_number(arch).unwrap_or(0);
                if coverage(&codes, gpu) == Covered::None {
                    findings.push(
                        Finding::error(format!(
                            "{}: a GPU module ({}) in {} has neither SASS nor PTX that runs on {arch}",
                            package,
                            images.join(", "),
                            path
                        ))
                        .code(FindingCode::ArchNotCovered)
                        .subject(format!("{} {arch}", package)),
                    );
                }
            }
            if let Some(driver) = driver {
                let version =
                    gate_formats::kernel_manifest::Version::new(driver.major, driver.minor);
                if let Some(((major, minor), needs)) = driver_shortfall(&codes, version) {
                    findings.push(
                        Finding::error(format!(
                            "{}: PTX ISA {major}.{minor} in {} needs a CUDA {needs} driver; [cuda] min-driver is {driver}",
                            package, path
                        ))
                        .code(FindingCode::PtxNeedsNewerDriver)
                        .subject(package),
                    );
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use gate_formats::kernel_bom::{Builder, KernelForm};

    /// A fleet of one GPU, no driver floor declared.
    fn fleet(arch: &str) -> Option<gate_formats::kernel_bom::Fleet> {
        Some(gate_formats::kernel_bom::Fleet {
            archs: vec![arch.into()],
            min_driver: None,
            coverage: Vec::new(),
        })
    }

    /// The first finding of `bom`'s outcome, which fails, with `code`.
    fn the_failure(bom: &Bom, code: FindingCode) -> Finding {
        let outcome = judge(bom);
        assert_eq!(outcome.status, crate::check::Status::Fail, "{outcome:#?}");
        let finding = outcome.findings[0].clone();
        assert_eq!(finding.code.as_deref(), Some(code.name()), "{finding:?}");
        finding
    }

    fn native(ships: bool) -> Builder {
        Builder {
            native_arch: true,
            ships,
            ..Builder::new("demo", BuilderKind::Nvcc, "examples/demo/build.rs:2")
        }
    }

    #[test]
    fn what_does_not_ship_is_a_note_and_what_ships_is_judged() {
        let mut bom = Bom {
            builders: vec![native(false)],
            fleet: fleet("sm_80"),
            ..Bom::default()
        };
        let outcome = judge(&bom);
        assert_eq!(outcome.status, crate::check::Status::Pass, "{outcome:#?}");
        assert_eq!(outcome.findings[0].severity, Severity::Note);
        bom.builders[0] = native(true);
        let outcome = judge(&bom);
        assert_eq!(outcome.status, crate::check::Status::Warn, "{outcome:#?}");
        assert_eq!(
            outcome.findings[0].code.as_deref(),
            Some(FindingCode::NativeArch.name())
        );
        let at = outcome.findings[0].location.as_ref().expect("located");
        assert_eq!(
            (at.file.as_str(), at.line),
            ("examples/demo/build.rs", Some(2))
        );
    }

    /// A GPU probe under a feature the run's build left off says so (diffusion-rs, the
    /// thirty-fifth session's trial: the warning named no condition).
    #[test]
    fn a_probe_under_a_feature_left_off_says_it() {
        let probe = |unbuilt: Vec<String>| {
            let builder = Builder {
                switch: Some("feature \"cuda\"".into()),
                gpu_probe: Some("build.rs:6 (runs `nvidia-smi`)".into()),
                unbuilt,
                ..Builder::new("app", BuilderKind::Nvcc, "build.rs:9")
            };
            let bom = Bom {
                builders: vec![builder],
                ..Bom::default()
            };
            let findings = builder_findings(&bom);
            findings[0].message.clone()
        };
        assert!(
            probe(vec!["cuda".into()])
                .ends_with("(only with feature \"cuda\", which this run's build left off)")
        );
        assert!(probe(Vec::new()).ends_with("(only with feature \"cuda\")"));
    }

    /// A builder whose features the run's build left off (avafloww/plcpick: CI builds
    /// `--features cuda`, the gate each member's defaults): with a fleet its code ships
    /// unjudged, an error at the builder; without one a note, and the check passes.
    #[test]
    fn gpu_code_the_build_left_off_by_its_feature_is_not_judged_as_read() {
        let builder = Builder {
            switch: Some("feature \"gpu\"".into()),
            unbuilt: vec!["gpu".into()],
            ..Builder::new("cifeat", BuilderKind::Nvcc, "build.rs:5")
        };
        let mut bom = Bom {
            builders: vec![builder],
            fleet: fleet("sm_75"),
            ..Bom::default()
        };
        let finding = &the_failure(&bom, FindingCode::FeatureNotBuilt);
        assert!(
            finding.message.contains("only with feature \"gpu\"")
                && finding.message.contains("nor judged against the fleet"),
            "{}",
            finding.message
        );
        let at = finding.location.as_ref().expect("located");
        assert_eq!((at.file.as_str(), at.line), ("build.rs", Some(5)));
        bom.fleet = None;
        let outcome = judge(&bom);
        assert_eq!(outcome.status, crate::check::Status::Pass, "{outcome:#?}");
        assert_eq!(outcome.findings[0].severity, Severity::Note);
        bom.builders[0].unbuilt.clear();
        bom.fleet = fleet("sm_75");
        let outcome = judge(&bom);
        assert_eq!(outcome.status, crate::check::Status::Pass, "{outcome:#?}");
    }

    /// A build script that warned and went on when nvcc failed on its own kernel (the
    /// twenty-ninth session's false READY: no GPU image, nothing to judge, a pass): the
    /// failed compile the witness kept is an error with a fleet, a warning without, whether
    /// its source is the package's or a copy the script made in `OUT_DIR` (the hostile pass).
    #[test]
    fn a_kernel_compile_the_build_swallowed_is_said() {
        let failed = |generated: bool| gate_formats::kernel_bom::Compile {
            package: "fx".into(),
            builder: Some(0),
            mode: "cubin".into(),
            inputs: vec!["kernels/a.cu".into()],
            includes: Vec::new(),
            includes_unread: None,
            archs: vec!["sm_80".into()],
            ok: false,
            generated,
            output_outside_out_dir: None,
            earlier_run: false,
            through: Vec::new(),
        };
        let mut bom = Bom {
            builders: vec![Builder::new("fx", BuilderKind::Nvcc, "build.rs:7")],
            fleet: fleet("sm_80"),
            witness: Some(gate_formats::kernel_bom::Witnessed {
                compiles: vec![failed(false)],
                ..Default::default()
            }),
            ..Bom::default()
        };
        let finding = &the_failure(&bom, FindingCode::KernelCompileSwallowed);
        assert!(
            finding.message.contains("compile of kernels/a.cu failed"),
            "{finding:?}"
        );
        let at = finding.location.as_ref().expect("located");
        assert_eq!((at.file.as_str(), at.line), ("build.rs", Some(7)));
        bom.fleet = None;
        assert_eq!(judge(&bom).status, crate::check::Status::Warn);
        bom.fleet = fleet("sm_80");
        bom.witness.as_mut().unwrap().compiles = vec![failed(true)];
        assert_eq!(judge(&bom).status, crate::check::Status::Fail);
    }

    /// The witness saw nvcc compile for `native` in compiles no builder accounts for: warned
    /// from the evidence, once per package, not for a compile that failed. A builder's own
    /// witnessed `native` (marked by the witness on the builder) is said once, at the builder.
    #[test]
    fn a_native_arch_the_witness_saw_is_warned_about_once() {
        let compile = |builder: Option<usize>, ok: bool| gate_formats::kernel_bom::Compile {
            package: "demo".into(),
            builder,
            mode: "object".into(),
            inputs: vec!["src/k.cu".into()],
            includes: Vec::new(),
            includes_unread: None,
            archs: vec!["native".into()],
            ok,
            generated: false,
            output_outside_out_dir: None,
            earlier_run: false,
            through: Vec::new(),
        };
        let mut bom = Bom {
            builders: vec![Builder {
                ships: true,
                ..Builder::new("demo", BuilderKind::Cc, "build.rs:13")
            }],
            witness: Some(gate_formats::kernel_bom::Witnessed {
                compiles: vec![
                    compile(None, true),
                    compile(None, true),
                    compile(None, false),
                ],
                ..Default::default()
            }),
            ..Bom::default()
        };
        let natives = |bom: &Bom| -> Vec<(String, Option<u32>)> {
            judge(bom)
                .findings
                .iter()
                .filter(|f| f.code.as_deref() == Some(FindingCode::NativeArch.name()))
                .map(|f| (f.message.clone(), f.location.as_ref().and_then(|l| l.line)))
                .collect()
        };
        assert_eq!(
            natives(&bom),
            [(
                "demo: its build script compiled src/k.cu for whatever GPU the build machine has \
                 (-arch=native), as the nvcc witness saw it"
                    .to_owned(),
                None
            )]
        );
        assert_eq!(judge(&bom).status, crate::check::Status::Warn);
        // The builder's compiles: the witness marked it, and it is said there, once.
        let witness = bom.witness.as_mut().unwrap();
        witness.compiles = vec![compile(Some(0), true), compile(Some(0), true)];
        bom.builders[0].native_arch = true;
        assert_eq!(
            natives(&bom),
            [(
                "demo: cc with .cuda(true) targets whatever GPU the build machine has \
                 (-arch=native) at build.rs:13"
                    .to_owned(),
                Some(13)
            )]
        );
    }

    /// A build script that probes the GPU once and calls nvcc twice is warned about once
    /// (found on huggingface/candle-layer-norm: the warning came once per compiler call).
    #[test]
    fn a_probe_of_one_build_script_is_said_once() {
        let probing = |at: &str| Builder {
            gpu_probe: Some("build.rs:52 (nvidia-smi --query-gpu=compute_cap)".into()),
            ships: true,
            ..Builder::new("demo", BuilderKind::Nvcc, at)
        };
        let bom = Bom {
            builders: vec![probing("build.rs:60"), probing("build.rs:71")],
            ..Bom::default()
        };
        let probes = builder_findings(&bom)
            .into_iter()
            .filter(|f| f.code.as_deref() == Some(FindingCode::GpuProbe.name()))
            .count();
        assert_eq!(probes, 1);
    }

    /// cudarc with its `nvrtc` feature compiles nothing: the summary counted it among the
    /// dependencies that compile GPU code (found on vllm-rust and tract, which compile at
    /// run time through it).
    #[test]
    fn a_dependency_that_only_provides_nvrtc_is_not_said_to_compile() {
        use gate_formats::kernel_bom::Dependency;
        let dependency = |name: &str, builders: Vec<usize>, nvrtc: Option<&str>| Dependency {
            name: name.into(),
            version: "1.0.0".into(),
            builders,
            provides_nvrtc: nvrtc.map(str::to_owned),
            path: vec!["app".into(), name.into()],
        };
        let mut bom = Bom {
            builders: vec![Builder {
                dependency: true,
                ..Builder::new("kernels", BuilderKind::Nvcc, "kernels@1.0.0/build.rs:4")
            }],
            dependencies: vec![dependency(
                "cudarc",
                Vec::new(),
                Some("the CUDA 13.0 NVRTC"),
            )],
            ..Bom::default()
        };
        let summary = judge(&bom).summary;
        assert!(
            summary.contains("1 dependenc(ies) provide NVRTC"),
            "{summary}"
        );
        assert!(!summary.contains("compile GPU code"), "{summary}");
        bom.dependencies.push(dependency("kernels", vec![0], None));
        let summary = judge(&bom).summary;
        assert!(
            summary.contains("1 dependenc(ies) compile GPU code; 1 dependenc(ies) provide NVRTC"),
            "{summary}"
        );
    }

    fn bom_with_module(
        images: &[(&str, KernelForm, Option<&str>)],
        fleet: &[&str],
        driver: Option<&str>,
    ) -> Bom {
        use gate_formats::kernel_bom::{
            Artifacts, Binary, BinaryKind, Container, Fleet, Kernel, Module,
        };
        let kernels: Vec<Kernel> = images
            .iter()
            .enumerate()
            .map(|(i, (arch, form, isa))| Kernel {
                digest: format!("sha256:{i:064}"),
                form: *form,
                arch: (*arch).to_owned(),
                ptx_isa: isa.map(str::to_owned),
                min_driver: None,
                container: Container::FatbinSection,
                compressed: false,
                size: 1,
                crates: vec!["k".into()],
                shipped: true,
                source: Some("cc with .cuda(true) in k (k/build.rs:3)".into()),
            })
            .collect();
        Bom {
            artifacts: Artifacts::Read {
                binaries: vec![Binary {
                    path: "target/debug/app".into(),
                    package: "k".into(),
                    kind: BinaryKind::Executable,
                    test: false,
                    size: 1,
                    modules: vec![Module {
                        container: Container::FatbinSection,
                        kernels: (0..kernels.len()).collect(),
                    }],
                    nvrtc: Vec::new(),
                }],
                kernels,
                files: 1,
                bytes: 1,
            },
            fleet: Some(Fleet {
                archs: fleet.iter().map(|a| (*a).to_owned()).collect(),
                min_driver: driver.map(str::to_owned),
                coverage: Vec::new(),
            }),
            ..Bom::default()
        }
    }

    #[test]
    fn a_declared_gpu_that_no_image_of_a_module_runs_on_fails() {
        // SASS for sm_80 only: sm_86 runs it (same major), sm_90 does not, and there is no PTX.
        let bom = bom_with_module(
            &[("sm_80", KernelForm::Sass, None)],
            &["sm_86", "sm_90"],
            None,
        );
        let outcome = judge(&bom);
        assert_eq!(outcome.status, crate::check::Status::Fail, "{outcome:#?}");
        let failed: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.subject.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(failed, ["k sm_90"], "{outcome:#?}");
        // With PTX for compute_80 the driver JIT-compiles it for sm_90, on a 13.0 driver.
        let bom = bom_with_module(
            &[
                ("sm_80", KernelForm::Sass, None),
                ("compute_80", KernelForm::Ptx, Some("9.0")),
            ],
            &["sm_86", "sm_90"],
            Some("13.0"),
        );
        assert_eq!(
            judge(&bom).status,
            crate::check::Status::Pass,
            "{:#?}",
            judge(&bom)
        );
    }

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
            fleet: Some(gate_formats::kernel_bom::Fleet {
                archs: vec!["sm_80".into()],
                min_driver: None,
                coverage: Vec::new(),
            }),
            artifacts: read,
            witness: Some(gate_formats::kernel_bom::Witnessed {
                not_installed: Some("no nvcc on any route".into()),
                ..Default::default()
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
        bom.witness = Some(Default::default());
        assert_eq!(fleet_unjudged(&bom)[0].severity, Severity::Error);
        bom.builders[0].kind = BuilderKind::Nvrtc;
        assert!(fleet_unjudged(&bom).is_empty());
        bom.builders[0].kind = BuilderKind::Nvcc;
        bom.fleet = None;
        assert!(fleet_unjudged(&bom).is_empty());
    }

    /// A second kernel a builder compiles, as static reading finds it, that the witnessed
    /// build never compiled while the first shipped (built only under a variable the script
    /// reads: the twenty-ninth session's hostile pass): a warning with a fleet, nothing
    /// where the witness stood in front of no nvcc or the builder's features were off.
    #[test]
    fn a_source_the_witnessed_build_left_uncompiled_is_warned_about() {
        use gate_formats::kernel_bom::SourceFile;
        let mut bom = bom_with_module(&[("sm_80", KernelForm::Sass, None)], &["sm_80"], None);
        bom.builders = vec![Builder::new("kern", BuilderKind::Nvcc, "kern/build.rs:15")];
        bom.sources = vec![SourceFile::source("kern/kernels/b.cu", "kern", vec![0])];
        bom.witness = Some(Default::default());
        let found = sources_unjudged(&bom);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].code.as_deref(),
            Some(FindingCode::SourceNotCompiled.name())
        );
        assert!(found[0].message.contains("kern/build.rs:15"), "{found:?}");
        bom.sources[0].compiled_in = vec![0];
        assert!(sources_unjudged(&bom).is_empty());
        bom.sources[0].compiled_in.clear();
        bom.builders[0].unbuilt = vec!["gpu".into()];
        assert!(sources_unjudged(&bom).is_empty());
        bom.builders[0].unbuilt.clear();
        bom.witness.as_mut().unwrap().not_installed = Some("no nvcc".into());
        assert!(sources_unjudged(&bom).is_empty());
    }
}
