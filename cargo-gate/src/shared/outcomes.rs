//! What more than one check derives from the same facts, in the same words: where the
//! build's log is kept, what a check that needed the build says when the lockfile does not
//! resolve or the workspace does not build, the CUDA sources that no gate-build manifest
//! covers, and the builds that compile CUDA from no source tracked here (`kernels.build` warns
//! about them, `cuda.contracts` fails on them; test data, sources only tests and doc
//! examples use, and sources compiled for examples only are notes to both), and why a test
//! run has no results (`tests.pass` reports it, `failure.paths` cites it), and a manifest
//! that could not be read or parsed (`profile.cargo`, `semver.compat` and `toolchain.pinned`
//! report it where they need it). Checks sit above this module, so none has to import another
//! for it.

use crate::bom::examples_only::{by_its_own_nvcc, for_examples_only};
use crate::check::{DeclaredCode, Finding, Location, Outcome, Severity, SkipKind, Status};
use crate::facts::{
    Build, Content, CudaSource, Facts, NotBuilt, Resolve, Role, TestResults, TestRunFact,
};
use std::path::Path;
use toml::de::DeTable;

/// What the kernel checks say when the lockfile does not resolve (or there is none).
pub fn kernels_unresolved(resolve: &Resolve) -> String {
    format!("the kernels were not built: {}", resolve.why_unresolved())
}

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
/// of other packages (a nested workspace, a fixture), test data, sources that nothing
/// compiles and only tests and doc examples use ([`crate::bom::reach`]), and sources their
/// package's raw nvcc compiles for its examples only ([`crate::bom::examples_only`]) are
/// notes.
pub fn outside_gate_build(
    facts: &Facts,
    cargo: &crate::tools::cargo::Cargo,
    severity: Severity,
    code: impl DeclaredCode,
) -> Vec<Finding> {
    let (inventory, builders) = crate::bom::sources(facts, cargo);
    let by_path: std::collections::HashMap<&str, &gate_formats::kernel_bom::SourceFile> =
        inventory.iter().map(|s| (s.path.as_str(), s)).collect();
    let outside: Vec<&CudaSource> = facts
        .cuda
        .iter()
        .filter(|s| s.is_source())
        .filter(|s| !s.owner.is_some_and(|o| facts.packages[o].gate_build))
        .collect();
    let ((built, for_no_ship), own_nvcc) = named_builders(facts, &outside, &by_path, builders);
    // Where the Rust code uses what nothing compiles (or only code that ships nothing, or
    // the package's own nvcc), read only for the files that would count as kernels of this
    // build.
    let mut uses = uses_of(facts, &outside, |i, s| {
        (built[i].is_none() || for_no_ship[i] || own_nvcc[i])
            && !is_test_data(facts, s, builders)
            && ships(facts, s)
    });
    // The packages (or no package) with a `.cu` among them: their headers are parts of it.
    let with_sources: Vec<Option<usize>> = outside
        .iter()
        .filter(|s| s.rel.ends_with(".cu"))
        .map(|s| s.owner)
        .collect();
    // What the run's build compiled that static reading names no builder for: read only
    // where such a source would count (the build is waited for; the run builds anyway).
    let none = std::collections::HashMap::new();
    let witnessed = if (0..outside.len()).any(|i| uses[i].is_some() && !own_nvcc[i]) {
        crate::bom::witnessed_sources(facts, cargo)
    } else {
        &none
    };
    let mut findings = Vec::new();
    for (i, (source, built)) in outside.into_iter().zip(built).enumerate() {
        let probe = by_path
            .get(source.rel.as_str())
            .and_then(|s| s.probe.clone());
        let how = match (built, uses[i].take()) {
            _ if let Some(at) = probe => Outside::Probe(at),
            _ if source.rel.ends_with(".cuh") && with_sources.contains(&source.owner) => {
                Outside::Header
            }
            // In a package that ships (a nested workspace's builders ship nothing either), and
            // used by no code that ships.
            (Some(builders), Some(u))
                if for_no_ship[i] && ships(facts, source) && u.test_or_doc_only() =>
            {
                Outside::ForNoShip(builders)
            }
            (Some(builders), Some(u))
                if own_nvcc[i]
                    && let Some(what) = for_examples_only(facts, source, &u) =>
            {
                Outside::ForExamples(builders, what, u.tests)
            }
            (Some(builders), _) => Outside::Compiled(builders),
            (None, _) if let Some(package) = witnessed.get(&source.rel) => {
                Outside::Witnessed(package.clone())
            }
            (None, _) if is_test_data(facts, source, builders) => Outside::TestData,
            (None, Some(u)) if u.test_or_doc_only() => Outside::TestOrDocOnly(u),
            (None, Some(u)) if source.owner.is_none() && u.code.is_empty() => Outside::NoPackage,
            (None, _) => Outside::NotCompiled,
        };
        findings.push(how.finding(facts, source, severity).code(code));
    }
    findings.extend(
        beyond_the_tracked_sources(facts, cargo, (inventory, builders), severity)
            .into_iter()
            .map(|f| f.code(code)),
    );
    findings
}

/// Where the Rust code names each of `outside` or what it compiles to, read for those (by
/// index) that `read` picks only ([`crate::bom::reach::uses`]); `None` for the others.
fn uses_of(
    facts: &Facts,
    outside: &[&CudaSource],
    read: impl Fn(usize, &CudaSource) -> bool,
) -> Vec<Option<crate::bom::reach::Uses>> {
    let read: Vec<usize> = (0..outside.len())
        .filter(|&i| read(i, outside[i]))
        .collect();
    let sources: Vec<&CudaSource> = read.iter().map(|&i| outside[i]).collect();
    let mut uses = vec![None; outside.len()];
    for (i, found) in read
        .into_iter()
        .zip(crate::bom::reach::uses(facts, &sources))
    {
        uses[i] = Some(found);
    }
    uses
}

/// Per source, its builders in words and whether they ship nothing, then whether they are its
/// own package's raw nvcc ([`named_builders`]).
type Named = ((Vec<Option<String>>, Vec<bool>), Vec<bool>);

/// The builders of each of `outside`, in words, named from the one inventory
/// `kernels.shipped` and `cargo gate kernels` read; whether each is built only by builders
/// that ship nothing (an example's NVRTC, optix-rs'); and whether each is built only by raw
/// nvcc in its own package's build script, which may compile it for the package's examples
/// only ([`crate::bom::examples_only`]).
fn named_builders(
    facts: &Facts,
    outside: &[&CudaSource],
    by_path: &std::collections::HashMap<&str, &gate_formats::kernel_bom::SourceFile>,
    builders: &[gate_formats::kernel_bom::Builder],
) -> Named {
    outside
        .iter()
        .map(|s| {
            let Some(source) = by_path.get(s.rel.as_str()) else {
                return ((None, false), false);
            };
            let for_no_ship = !source.built_by.is_empty()
                && source
                    .built_by
                    .iter()
                    .all(|&b| builders.get(b).is_some_and(|b| !b.ships));
            let own_nvcc = by_its_own_nvcc(facts, s, source, builders);
            (
                (crate::bom::builders_text(source, builders), for_no_ship),
                own_nvcc,
            )
        })
        .unzip()
}

/// The workspace's builds of CUDA that no source among its files stands for: the sources
/// beside its root that it compiles ([`beside_the_root`]; those only the witness saw it
/// compile, [`witnessed_beside_the_root`]), and builds from untracked or no CUDA files
/// ([`untracked_builds`]), but those a source the witness saw beside the root stands for.
fn beyond_the_tracked_sources(
    facts: &Facts,
    cargo: &crate::tools::cargo::Cargo,
    (inventory, builders): (
        &[gate_formats::kernel_bom::SourceFile],
        &[gate_formats::kernel_bom::Builder],
    ),
    severity: Severity,
) -> Vec<Finding> {
    use gate_formats::kernel_bom::BuilderKind;
    let untracked = untracked_builds(inventory, builders);
    // Read only where a build would otherwise be said to compile no tracked source.
    let (seen, witnessed) = if untracked.is_empty() {
        (None, Vec::new())
    } else {
        let seen = crate::bom::witnessed_sources(facts, cargo);
        (
            Some(seen),
            witnessed_beside_the_root(facts, seen, inventory),
        )
    };
    // A build the witness saw compile a tracked source compiles from that source (an nvcc,
    // make or CMake build; NVRTC and Rust compiled to PTX are no nvcc's): one beside the
    // root, or one of the workspace's that static reading placed in no builder (1jmdev/lmrs:
    // raw nvcc over a table joined onto `CARGO_MANIFEST_DIR/../../kernels/ffi`).
    let compiled_tracked = |package: &str| {
        witnessed.iter().any(|(_, p)| p == package)
            || seen.into_iter().flatten().any(|(rel, p)| {
                p == package
                    && inventory
                        .iter()
                        .any(|s| s.path == *rel && !s.kind.is_binary())
            })
    };
    let stands_for = |b: &gate_formats::kernel_bom::Builder| {
        b.untracked.is_empty()
            && !matches!(
                b.kind,
                BuilderKind::Nvrtc | BuilderKind::CudaBuilder | BuilderKind::RustNvptx
            )
            && compiled_tracked(&b.package)
    };
    beside_the_root(facts, inventory, builders)
        .into_iter()
        .map(|(source, built)| Outside::Compiled(built).finding(facts, &source, severity))
        .chain(witnessed.iter().map(|(source, package)| {
            Outside::Witnessed(package.clone()).finding(facts, source, severity)
        }))
        .chain(
            untracked
                .into_iter()
                .filter_map(|b| builders.get(b))
                .filter(|b| !stands_for(b))
                .map(|b| untracked_build(b, severity)),
        )
        .collect()
}

/// The CUDA sources beside the workspace root that the run's build compiled, as its witness
/// saw, where static reading placed none of them (pyxis: raw nvcc over a directory the build
/// script computes, `../cuda/src`), that git tracks: each with the package whose build
/// script compiled it, and owned by that package.
fn witnessed_beside_the_root(
    facts: &Facts,
    witnessed: &std::collections::HashMap<String, String>,
    inventory: &[gate_formats::kernel_bom::SourceFile],
) -> Vec<(CudaSource, String)> {
    let mut beside: Vec<String> = witnessed
        .keys()
        .filter(|rel| rel.starts_with("../") && rel.ends_with(".cu"))
        .filter(|rel| !inventory.iter().any(|s| s.path == **rel))
        .cloned()
        .collect();
    beside.sort();
    crate::bom::tracked(facts.root(), &beside)
        .into_iter()
        .filter_map(|rel| {
            let package = witnessed.get(&rel)?.clone();
            let owner = facts.packages.iter().position(|p| p.name == package);
            let source = CudaSource {
                file: usize::MAX,
                rel,
                owner,
            };
            Some((source, package))
        })
        .collect()
}

/// The CUDA sources beside the workspace root that its own shipping builds compile (okx/zeknox:
/// the package is `wrappers/rust`, its build compiles `../../native`, tracked in the repository
/// above): none is among the workspace's files, and each is as much CUDA outside gate-build as
/// one of them. Each with its builders in words, owned by the first such builder's package.
fn beside_the_root(
    facts: &Facts,
    inventory: &[gate_formats::kernel_bom::SourceFile],
    builders: &[gate_formats::kernel_bom::Builder],
) -> Vec<(CudaSource, String)> {
    inventory
        .iter()
        .filter(|s| s.path.starts_with("../") && s.path.ends_with(".cu") && s.probe.is_none())
        .filter_map(|s| {
            let builder = s
                .built_by
                .iter()
                .filter_map(|&b| builders.get(b))
                .find(|b| !b.dependency && b.ships)?;
            let owner = facts
                .packages
                .iter()
                .position(|p| p.name == builder.package);
            let source = CudaSource {
                file: usize::MAX,
                rel: s.path.clone(),
                owner,
            };
            Some((source, crate::bom::builders_text(s, builders)?))
        })
        .collect()
}

/// How a source that nothing compiles is said, in its finding's message and group.
const NOT_COMPILED: &str = "not compiled by anything its build script shows";
const NO_BUILD_SCRIPT: &str = "with no build script";

/// Whether `finding` is one of [`outside_gate_build`]'s for a source that nothing the
/// evidence shows compiles (and that counts: a kernel of this build by its place).
pub fn is_compiled_by_nothing(finding: &Finding) -> bool {
    finding
        .group
        .as_deref()
        .is_some_and(|g| g.contains(NOT_COMPILED) || g.contains(NO_BUILD_SCRIPT))
}

/// The group of [`untracked_builds`]' findings, after the package's name.
const UNTRACKED_GROUP: &str = "GPU code compiled from no tracked CUDA source, not by gate-build";

/// Whether `finding` is a build of GPU code from no tracked CUDA source, one of [`outside_gate_build`]'s
/// findings (a build, not a source).
pub fn is_untracked_build(finding: &Finding) -> bool {
    finding
        .group
        .as_deref()
        .is_some_and(|g| g.ends_with(UNTRACKED_GROUP))
}

/// The workspace's own builds (indices into `builders`) that compile CUDA from no source
/// tracked here: a CUDA file the
/// repository does not track (a git submodule's: llama.cpp's `ggml-cuda.cu`, compiled by raw
/// nvcc under a `cublas` feature; a generated file), or a CMake project switched to CUDA whose
/// sources are none of the tracked files (grin-miner's plugins, in a submodule). Their kernels
/// ship as surely as a tracked source's, so each counts as CUDA outside gate-build, at the call
/// that compiles it. So do a Rust kernel crate compiled to PTX (cuda_builder, rustc for
/// nvptx64) and an NVRTC call of the workspace's code that compiles no tracked `.cu`: its
/// source is text in the code (luminal, stwo-gpu), and the same kernel kept in a `.cu` would
/// be judged. A call whose files are computed and name no CUDA file (sppark's nvcc on host
/// `.cpp` files) is no evidence of kernels; gate-build is judged by its manifests, and a
/// dependency's builds are its own. Each says what switches it on, when something does.
fn untracked_builds(
    inventory: &[gate_formats::kernel_bom::SourceFile],
    builders: &[gate_formats::kernel_bom::Builder],
) -> Vec<usize> {
    use gate_formats::kernel_bom::BuilderKind;
    builders
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.dependency && b.ships)
        // One that builds no tracked source, and compiles CUDA for all that: from untracked
        // files, a CMake project's own, sources it generates for raw nvcc (bellperson's
        // ec-gpu-gen), a Rust crate compiled to PTX, source text handed to NVRTC. (`cc` with
        // `.cuda(true)` on computed files may compile host code only: sppark.) A tracked
        // source built only while configuring (a probe) is none of its kernels.
        .filter(|(_, b)| {
            !b.untracked.is_empty()
                || matches!(
                    b.kind,
                    BuilderKind::Cmake
                        | BuilderKind::Make
                        | BuilderKind::Nvcc
                        | BuilderKind::CudaBuilder
                        | BuilderKind::RustNvptx
                        | BuilderKind::Nvrtc
                )
        })
        // A tracked PTX a Rust kernel crate's build writes (cuda_builder's
        // `copy_to("ptx/k.ptx")`) is its output, not its source: it stands for no CUDA source.
        .filter(|(i, b)| {
            !inventory.iter().any(|s| {
                s.built_by.contains(i)
                    && s.probe.is_none()
                    && !(s.kind.is_binary() && compiles_rust(b))
            })
        })
        .map(|(i, _)| i)
        .collect()
}

/// Whether `b` compiles a Rust kernel crate to PTX: a GPU file it is said to build is what
/// it writes.
fn compiles_rust(b: &gate_formats::kernel_bom::Builder) -> bool {
    use gate_formats::kernel_bom::BuilderKind;
    matches!(b.kind, BuilderKind::CudaBuilder | BuilderKind::RustNvptx)
}

/// The finding for one of [`untracked_builds`]: at its call, with what it compiles from and
/// what switches it on.
fn untracked_build(b: &gate_formats::kernel_bom::Builder, severity: Severity) -> Finding {
    use gate_formats::kernel_bom::BuilderKind;
    let location = match b.at.rsplit_once(':') {
        Some((file, line)) => Location {
            file: file.to_owned(),
            line: line.parse().ok(),
            column: None,
        },
        None => Location::file(b.at.clone()),
    };
    let from = match b.untracked.as_slice() {
        [] if b.kind == BuilderKind::Cmake => {
            "a CMake project whose CUDA sources the repository does not track (a git \
                 submodule, a generated file)"
                .to_owned()
        }
        [] if matches!(b.kind, BuilderKind::CudaBuilder | BuilderKind::RustNvptx) => {
            "a Rust crate compiled to PTX".to_owned()
        }
        [] if b.kind == BuilderKind::Nvrtc => {
            "CUDA source its code holds or generates, not a tracked file".to_owned()
        }
        [] => "sources the build script generates or finds at build time (a git \
                   submodule, a generated file)"
            .to_owned(),
        files => format!(
            "`{}`, which the repository does not track (a git submodule, a generated \
                 file)",
            files.join("`, `")
        ),
    };
    let what = match b.kind {
        BuilderKind::CudaBuilder | BuilderKind::RustNvptx => "GPU code",
        _ => "CUDA",
    };
    let only = b.switch.as_deref().map_or_else(String::new, |s| {
        format!(" ({})", gate_cuda::scripts::only(s))
    });
    Finding::new(
        severity,
        format!(
            "{what} compiled outside gate-build by {}{only} from {from}: no manifest \
                 shows that its kernels build, load or have CPU references",
            b.kind.describe()
        ),
    )
    .at(location)
    .group(format!("{}: {UNTRACKED_GROUP}", b.package))
    .subject(b.package.clone())
}

/// The notes among [`outside_gate_build`]'s findings, as the text report would group them
/// (`k: CUDA sources used only by tests and doc examples, not by gate-build — 1 file(s):
/// resources/add.cu`), for a summary: the text report shows no notes, and a check that
/// passes because its CUDA sources are no kernels of this build says which, and why.
pub fn noted_sources(findings: &[Finding]) -> String {
    const SHOWN: usize = 3;
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Note) {
        let group = f.group.as_deref().unwrap_or("CUDA sources");
        let file = f.location.as_ref().map_or("", |l| l.file.as_str());
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, files)) => files.push(file),
            None => groups.push((group, vec![file])),
        }
    }
    let line = |(group, files): &(&str, Vec<&str>)| {
        let more = if files.len() > SHOWN { ", …" } else { "" };
        let first = files.iter().take(SHOWN).copied().collect::<Vec<_>>();
        format!(
            "{group} — {} file(s): {}{more}",
            files.len(),
            first.join(", ")
        )
    };
    groups.iter().map(line).collect::<Vec<_>>().join("; ")
}

/// How a CUDA source outside gate-build is compiled, as far as the evidence shows.
enum Outside {
    /// By the builders named (`raw nvcc (k/build.rs:6)`).
    Compiled(String),
    /// By the builders named, none of which ships (an example's, a test's or a benchmark's
    /// NVRTC: optix-rs' examples compile their own device programs): not a kernel of this
    /// build.
    ForNoShip(String),
    /// By the builders named, raw nvcc in its package's own build script, whose output only
    /// the package's examples, tests or benchmarks name (what they are, then where: `file:line`
    /// each), and no library or binary of it ([`crate::bom::examples_only`]): compiled for
    /// examples only, not a kernel of this build (infernum-examples' `kernels/relu.cu`).
    ForExamples(String, String, Vec<String>),
    /// A header (`.cuh`) of a package whose `.cu` sources are judged: never compiled alone,
    /// its code is judged as part of the sources that include it (tract's `common.cuh`,
    /// handed to NVRTC beside 11 sources, was counted as a twelfth).
    Header,
    /// Test data: in the package's `tests/` directory (cargo's integration tests, and the
    /// inputs they read), in a package with no CUDA compile anywhere in its build script or
    /// code (no nvcc, cc, CMake, NVRTC, bindgen_cuda, cudaforge or cuda_builder call),
    /// reached by no builder: a line counter's sample, not a kernel of this build.
    TestData,
    /// Compiled by nothing, and named (the source or its PTX, cubin or fatbin) only by doc
    /// examples and test, example or bench code: its code does not ship (RustaCUDA's
    /// `resources/add.cu`, whose `add.ptx` only doc examples and tests embed).
    TestOrDocOnly(crate::bom::reach::Uses),
    /// By nothing the evidence shows, in no package, and named by no Rust code that ships: no
    /// crate packages it (risc0's `tools/cuda-smoke/cuda_smoke.cu`, which only a CI script
    /// compiles to check the runner's GPU).
    NoPackage,
    /// By the build script of the package named, as this run's build showed (the witness saw
    /// nvcc compile it), where static reading names no builder (a Makefile run through
    /// `sh -c`): compiled, and so a kernel of this build.
    Witnessed(String),
    /// By nothing the evidence shows.
    NotCompiled,
    /// Only while its CMake project is configured, at the command named
    /// (`common/cuda/CMakeLists.txt:27`): a probe of the build machine (tfhe-rs'
    /// `check_cuda.cu`), no kernel of this build.
    Probe(String),
}

impl Outside {
    /// How the source is built, in words, for the package `owner` it lies in.
    fn how(&self, owner: Option<&crate::facts::Package>) -> String {
        match self {
            Outside::Compiled(builders) => format!("compiled by {builders}"),
            Outside::ForNoShip(builders) => {
                format!("compiled by {builders}, in code that ships nothing")
            }
            Outside::ForExamples(builders, what, _) => {
                format!("compiled by {builders} for {what} only")
            }
            Outside::Witnessed(by) => format!(
                "compiled by {by}'s build script, as the build's witness saw (static reading \
                 names no builder)"
            ),
            Outside::Header => {
                "headers, built only within the sources that include them".to_owned()
            }
            Outside::TestData => "test data: under tests/, and no CUDA compile in the \
                                  package's build script or code"
                .to_owned(),
            Outside::TestOrDocOnly(_) => "used only by tests and doc examples".to_owned(),
            Outside::Probe(at) => format!("compiled only while configuring, at {at}"),
            Outside::NoPackage => {
                "compiled by no build script and named by no code that ships".to_owned()
            }
            Outside::NotCompiled if owner.is_some_and(|p| p.build_script.is_some()) => {
                NOT_COMPILED.to_owned()
            }
            Outside::NotCompiled => NO_BUILD_SCRIPT.to_owned(),
        }
    }

    /// The finding for `source`: `severity` for a kernel of this build, else a note.
    fn finding(&self, facts: &Facts, source: &CudaSource, severity: Severity) -> Finding {
        let owner = source.owner.map(|o| &facts.packages[o]);
        let package = owner.map_or("no package", |p| p.name.as_str());
        let how = self.how(owner);
        let message = match self {
            Outside::Header => "CUDA header outside gate-build, beside the package's `.cu` \
                                sources: built only within those that include it, which \
                                are judged; not counted as a kernel of its own"
                .to_owned(),
            Outside::TestData => format!(
                "CUDA file outside gate-build ({how}): not counted as a kernel of this build"
            ),
            Outside::NoPackage => format!(
                "CUDA source outside gate-build, in no package ({how}): no crate ships it, so \
                 it is not counted as a kernel of this build"
            ),
            Outside::Probe(_) => format!(
                "CUDA source outside gate-build ({how}): a probe of the build machine, not \
                 counted as a kernel of this build"
            ),
            Outside::ForNoShip(_) => format!(
                "CUDA source outside gate-build ({how}: an example, a test or a benchmark): \
                 not counted as a kernel of this build"
            ),
            Outside::ForExamples(_, _, at) => format!(
                "CUDA source outside gate-build ({how}: {} embeds its output; no library or \
                 binary of the package ships it): not counted as a kernel of this build",
                at.join(", ")
            ),
            Outside::TestOrDocOnly(uses) => format!(
                "CUDA source outside gate-build, compiled by nothing and named only by {}: its \
                 code does not ship, so it is not counted as a kernel of this build",
                uses.describe()
            ),
            _ => format!(
                "CUDA source outside gate-build ({how}): no manifest shows that its kernels \
                 build, load or have CPU references"
            ),
        };
        let kernel = !matches!(
            self,
            Outside::TestData
                | Outside::TestOrDocOnly(_)
                | Outside::ForNoShip(_)
                | Outside::ForExamples(..)
                | Outside::Probe(_)
                | Outside::NoPackage
                | Outside::Header
        );
        let severity = if owner.is_some_and(|p| p.role == Role::Other) || !kernel {
            Severity::Note
        } else {
            severity
        };
        let mut finding = Finding::new(severity, message)
            .at(Location::file(source.rel.clone()))
            .group(match self {
                Outside::Header => format!("{package}: CUDA {how}"),
                _ => format!("{package}: CUDA sources {how}, not by gate-build"),
            });
        if let Some(p) = owner {
            finding = finding.subject(p.name.clone());
        }
        finding
    }
}

/// Whether `source` is test data ([`Outside::TestData`]), given that no builder reaches it.
fn is_test_data(
    facts: &Facts,
    source: &CudaSource,
    builders: &[gate_formats::kernel_bom::Builder],
) -> bool {
    let Some(owner) = source.owner.map(|o| &facts.packages[o]) else {
        return false;
    };
    let in_tests = facts
        .root()
        .join(&source.rel)
        .strip_prefix(facts.root().join(&owner.dir))
        .is_ok_and(|rest| rest.starts_with("tests"));
    in_tests && !builders.iter().any(|b| b.package == owner.name)
}

/// Whether `source` belongs to a package that ships with the workspace, or to none.
fn ships(facts: &Facts, source: &CudaSource) -> bool {
    source
        .owner
        .is_none_or(|o| facts.packages[o].role != Role::Other)
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

/// What `tests.pass` says when another toolchain than the pinned one would run the tests.
pub const OTHER_TOOLCHAIN: &str = "the tests would run on another toolchain than the pinned one";

/// What `tests.pass` says when the lockfile does not resolve (or there is none).
pub fn tests_unresolved(resolve: &Resolve) -> String {
    format!("tests were not built: {}", resolve.why_unresolved())
}

/// What `tests.pass` says when the environment kept the tests from running.
pub fn tests_not_run(unavailable: &crate::tools::cargo::Unavailable) -> String {
    format!("tests were not run: {}", unavailable.reason())
}

/// The outcome of a build that failed: the compiler's errors as findings with `code` (the
/// MSRV line and a build script's own output included), the whole log in the record.
pub fn build_failed(build: &Build, code: impl DeclaredCode) -> Outcome {
    // cargo's `error: ` is the finding's severity already (it read "error: error: …").
    let errors = build
        .errors
        .iter()
        .map(|e| Finding::error(e.strip_prefix("error: ").unwrap_or(e)).code(code));
    match &build.unavailable {
        Some(_) => failed_build(build),
        None => failed_build(build).with_findings(errors),
    }
}

/// [`build_failed`]'s status, summary and log, without the findings.
fn failed_build(build: &Build) -> Outcome {
    let outcome = match &build.unavailable {
        Some(unavailable) => Outcome::skip(
            SkipKind::Unavailable,
            format!("tests were not built: {}", unavailable.reason()),
        ),
        None => {
            let first = build
                .errors
                .first()
                .and_then(|e| e.lines().next())
                .unwrap_or("cargo failed without an error line (see the log)");
            Outcome::fail(format!(
                "the workspace does not build: {}, first: {}",
                error_count(&build.errors),
                first.trim_start_matches("error: ")
            ))
            .with_fix(format!(
                "fix the build (the findings name its errors, a build script's with its last \
                 lines); the full log is {BUILD_LOG} in the run record"
            ))
        }
    };
    outcome.with_artifact(BUILD_LOG, build.log.clone())
}

/// How many errors a failed build has, as its summary says it: cargo's own `could not
/// compile` lines name the crates, not more errors (lumi's one `compile_error!` in objc2 read
/// "2 error(s)").
pub fn error_count(errors: &[String]) -> String {
    let crates = errors
        .iter()
        .filter(|e| e.starts_with("error: could not compile"))
        .count();
    match (errors.len() - crates, crates) {
        (0, _) => format!("{} error(s)", errors.len()),
        (own, 0) => format!("{own} error(s)"),
        (own, crates) => format!("{own} error(s) in {crates} crate(s)"),
    }
}

/// How many names a summary lists before it counts the rest ([`some_of`]).
pub const SUMMARY_NAMES: usize = 8;

/// `names` as a summary lists them: all of them up to [`SUMMARY_NAMES`], else the first of
/// them and how many more (`lib000, …, lib007 and 492 more`). A summary is one line; the
/// findings name each (on a generated workspace of 500 members the summary named all 500).
pub fn some_of<S: AsRef<str>>(names: &[S]) -> String {
    let shown = names.len().min(SUMMARY_NAMES);
    let list = names[..shown]
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    match names.len() - shown {
        0 => list,
        more => format!("{list} and {more} more"),
    }
}

/// The names and counts of the test run, or, when it has none, the status and summary
/// `tests.pass` reports instead.
pub fn test_results<'a>(
    facts: &Facts,
    cargo: &crate::tools::cargo::Cargo,
    run: &'a TestRunFact,
) -> Result<&'a TestResults, (Status, String)> {
    match run {
        TestRunFact::OtherToolchain(_) => Err((Status::Skip, OTHER_TOOLCHAIN.to_owned())),
        TestRunFact::CouldNotRun(why) => Err((Status::Skip, why.clone())),
        TestRunFact::NotBuilt => Err(match facts.build(cargo) {
            Err(NotBuilt::NoCargo(e)) => (Status::Skip, e),
            Err(NotBuilt::Unresolved(resolve)) => (Status::Skip, tests_unresolved(resolve)),
            Ok(build) => {
                let outcome = failed_build(build);
                (outcome.status, outcome.summary)
            }
        }),
        TestRunFact::Ran(ran) => match &ran.unavailable {
            Some(unavailable) => Err((Status::Skip, tests_not_run(unavailable))),
            None if ran.lockfile_unresolved => Err((
                Status::Skip,
                match facts.resolve(cargo) {
                    Ok(resolve) => tests_unresolved(resolve),
                    Err(e) => e.to_owned(),
                },
            )),
            None => Ok(&ran.results),
        },
    }
}

/// A manifest of the facts that parsed: where findings locate it, its text and its document.
#[derive(Debug, Clone, Copy)]
pub struct ParsedManifest<'f> {
    /// Relative to the workspace root, `/`-separated.
    pub rel: &'f str,
    /// The text.
    pub text: &'static str,
    /// The document, with spans into `text`.
    pub doc: &'f DeTable<'static>,
}

/// Why a manifest of the facts cannot be judged, as the finding that says so.
#[derive(Debug)]
pub enum ManifestProblem {
    /// `unreadable-manifest`, at the file.
    Unreadable(Finding),
    /// `invalid-manifest`, where the parser stopped.
    Invalid(Finding),
}

impl From<ManifestProblem> for Finding {
    fn from(problem: ManifestProblem) -> Finding {
        match problem {
            ManifestProblem::Unreadable(f) | ManifestProblem::Invalid(f) => f,
        }
    }
}

/// The codes of a check that reads manifests: the shared `unreadable-manifest` and
/// `invalid-manifest` ([`crate::check::UNREADABLE_MANIFEST`], [`crate::check::INVALID_MANIFEST`])
/// as variants of its own enum, so only a check that declares both can report a manifest.
pub trait ManifestCodes: DeclaredCode {
    /// Its variant for `unreadable-manifest`.
    const UNREADABLE: Self;
    /// Its variant for `invalid-manifest`.
    const INVALID: Self;
}

/// The manifest at `path` as the facts read it, or why it cannot be judged, as a finding
/// with the check's code `C`.
pub fn manifest<'f, C: ManifestCodes>(
    facts: &'f Facts,
    path: &Path,
) -> Result<ParsedManifest<'f>, ManifestProblem> {
    let Some(manifest) = facts.manifest(path) else {
        let rel = path.to_string_lossy().replace('\\', "/");
        return Err(ManifestProblem::Unreadable(unreadable::<C>(
            &rel,
            "not among the manifests the run read",
        )));
    };
    let rel = manifest.rel.as_str();
    match &manifest.content {
        Content::Parsed { text, doc } => Ok(ParsedManifest { rel, text, doc }),
        Content::Invalid {
            text,
            message,
            offset,
        } => Err(ManifestProblem::Invalid(invalid_toml::<C>(
            rel, text, message, *offset,
        ))),
        Content::Unreadable(e) => Err(ManifestProblem::Unreadable(unreadable::<C>(rel, e))),
    }
}

/// `rel` could not be read: `error`, as the system said it.
fn unreadable<C: ManifestCodes>(rel: &str, error: &str) -> Finding {
    Finding::error(format!("{rel} could not be read: {error}"))
        .code(C::UNREADABLE)
        .at(Location::file(rel))
}

/// `rel` (with `text`) is not TOML: the parser's `message`, located at `offset` when the
/// parser says where it stopped (a manifest, or a cargo configuration read beside it).
pub fn invalid_toml<C: ManifestCodes>(
    rel: &str,
    text: &str,
    message: &str,
    offset: Option<usize>,
) -> Finding {
    let location = offset.map_or_else(
        || Location::file(rel),
        |offset| crate::shared::locate::at(rel, text, offset),
    );
    Finding::error(format!("{rel} is not valid TOML: {message}"))
        .code(C::INVALID)
        .at(location)
}

#[cfg(test)]
mod tests {
    use super::{error_count, some_of};

    #[test]
    fn a_summary_names_a_few_and_counts_the_rest() {
        assert_eq!(some_of::<&str>(&[]), "");
        assert_eq!(some_of(&["app", "cli"]), "app, cli");
        let eight: Vec<String> = (0..8).map(|i| format!("lib{i}")).collect();
        assert_eq!(some_of(&eight), eight.join(", "));
        let many: Vec<String> = (0..500).map(|i| format!("lib{i:03}")).collect();
        assert_eq!(
            some_of(&many),
            "lib000, lib001, lib002, lib003, lib004, lib005, lib006, lib007 and 492 more"
        );
    }

    #[test]
    fn cargos_could_not_compile_lines_name_crates_not_errors() {
        let errors = |lines: &[&str]| lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
        let lumi = errors(&[
            "error: `objc2` only works on Apple platforms.",
            "error: could not compile `objc2` (lib) due to 1 previous error",
        ]);
        assert_eq!(error_count(&lumi), "1 error(s) in 1 crate(s)");
        let only_cargo = errors(&["error: could not compile `x`"]);
        assert_eq!(error_count(&only_cargo), "1 error(s)");
        let no_summary = errors(&[
            "error: failed to run custom build command",
            "error[E0425]: x",
        ]);
        assert_eq!(error_count(&no_summary), "2 error(s)");
    }
}
