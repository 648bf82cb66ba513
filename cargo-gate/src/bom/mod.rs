//! The CUDA bill of materials of a run ([`gate_formats::kernel_bom::Bom`]), gathered from
//! the facts in three layers, each only as far as the run has evidence for it:
//!
//! 1. **the sources** — every tracked GPU file, and every build script call (followed
//!    through helper functions in the workspace's crates) and NVRTC use that compiles GPU
//!    code, each file attributed to the calls that compile it ([`crate::cuda::scripts`],
//!    [`crate::cuda::includes`]);
//! 2. **the graph** — the crates of the resolve (for the configured targets) whose build
//!    scripts or code compile GPU code ([`crate::cuda::graph`]), when the lockfile resolves;
//! 3. **the artifacts** — every executable, rlib and library the build produced, and the
//!    libraries and GPU files its build scripts left in their `OUT_DIR`s, read for the GPU code
//!    they carry ([`crate::cuda::binary`]), when the run built the workspace.
//!
//! `kernels.shipped` judges it; `cargo gate kernels` prints it.

use crate::config::Config;
use crate::cuda::{binary, graph, includes, scripts};
use crate::facts::{Build, Facts, Resolve};
use crate::shared::sections::Cuda;
use crate::tools::cargo::Cargo;
use gate_formats::kernel_bom::{
    Artifacts, Binary, BinaryKind, Bom, Builder, BuilderKind, Coverage, Dependency, FileKind,
    Fleet, Kernel, KernelForm, Module, SCHEMA_VERSION, SourceFile,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

mod cmake;
pub mod examples_only;
mod features;
mod helpers;
mod optional;
mod outside;
pub mod reach;
mod rust_files;
mod script;
mod stale;
mod vendored;

use helpers::rust_files_below;
pub(crate) use outside::tracked;
use rust_files::shipped;
pub use script::script_builder;
use script::untracked_inputs;
mod unlocked;

/// What the inventory says of a graph resolved without a lockfile.
pub const UNLOCKED: &str = "resolved without a lockfile (there is no Cargo.lock), in a scratch copy of the manifests: the versions cargo picks today";

/// How far to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The sources and the graph only (nothing is built), with why.
    Static(&'static str),
    /// The artifacts too (the workspace is built, or its build reused).
    Built,
}

/// The bill of materials of `facts`, judged against `config`'s `[cuda]` fleet.
pub fn gather(facts: &Facts, cargo: &Cargo, config: &Config, depth: Depth) -> Bom {
    let reason = match depth {
        Depth::Static(reason) => reason,
        Depth::Built => "not read yet",
    };
    let mut bom = inventory(facts, cargo, config, reason);
    if depth == Depth::Built {
        read_built(&mut bom, facts, cargo, config);
    }
    bom
}

/// The sources and the graph (the artifacts unread, with `reason`), judged against the
/// fleet as far as that goes.
pub fn inventory(facts: &Facts, cargo: &Cargo, config: &Config, reason: &str) -> Bom {
    let (sources, mut builders) = self::sources(facts, cargo).clone();
    let mut graph_unread = None;
    let mut graph_resolved = None;
    let targets = crate::shared::sections::targets(config);
    let dependencies = match facts.resolve(cargo) {
        Ok(Resolve::Resolved { metadata, .. }) => {
            // The shipped graph as the supply-chain checks judge it.
            let shipped = crate::deps::shipped_graph(facts, cargo, metadata, &targets);
            dependencies(facts, metadata, &shipped, &mut builders)
        }
        Ok(Resolve::Failed { .. }) if !facts.root().join("Cargo.lock").exists() => {
            match unlocked::resolve(facts, cargo) {
                Ok(metadata) => {
                    graph_resolved = Some(UNLOCKED.to_owned());
                    let shipped = crate::deps::Graph::shipped(&metadata, &targets);
                    dependencies(facts, &metadata, &shipped, &mut builders)
                }
                Err(e) => {
                    graph_unread = Some(format!("there is no Cargo.lock, and {e}"));
                    Vec::new()
                }
            }
        }
        Ok(Resolve::Failed { error, .. }) => {
            let first = error.lines().next().unwrap_or(error);
            graph_unread = Some(format!("`cargo metadata --locked` fails: {first}"));
            Vec::new()
        }
        Err(e) => {
            graph_unread = Some(e.to_owned());
            Vec::new()
        }
    };
    let mut bom = Bom {
        schema: SCHEMA_VERSION,
        sources,
        builders,
        dependencies,
        graph_unread,
        graph_resolved,
        artifacts: Artifacts::Unread {
            reason: reason.to_owned(),
        },
        fleet: None,
        witness: None,
    };
    finish(&mut bom, config);
    bom
}

/// Adds the artifacts of the run's build to `bom` (gathering the build fact: reused, or
/// built when no check of the run has built yet).
pub fn read_built(bom: &mut Bom, facts: &Facts, cargo: &Cargo, config: &Config) {
    bom.artifacts = match facts.build(cargo) {
        Ok(build) => {
            // What the build compiled before it stopped is evidence too (a failed compile
            // among the records says which source broke it).
            let witnessed = (facts.witness(), build.ok);
            gate_witness::observe::observe(bom, facts.root(), &build.out_dirs, witnessed);
            outside::witnessed(bom, facts.root());
            if build.ok {
                features::mark_unbuilt(&mut bom.builders, &build.artifacts);
                read_artifacts(build, facts.built_gpu(build), facts.root(), bom)
            } else {
                Artifacts::Unread {
                    reason: not_built(build),
                }
            }
        }
        // Why, in the words the blocked checks use ("there is no Cargo.lock", sppark).
        Err(crate::facts::NotBuilt::Unresolved(resolve)) => Artifacts::Unread {
            reason: format!("the workspace was not built: {}", resolve.why_unresolved()),
        },
        Err(crate::facts::NotBuilt::NoCargo(e)) => Artifacts::Unread {
            reason: format!("the workspace was not built: {e}"),
        },
    };
    finish(bom, config);
}

/// Why a build that failed read no artifact: the workspace does not build, with its first
/// error line (nvcc's own, when a CUDA compile failed), or what the environment lacks.
fn not_built(build: &Build) -> String {
    if let Some(unavailable) = &build.unavailable {
        return format!("the workspace was not built: {}", unavailable.reason());
    }
    match build.errors.first() {
        Some(first) => format!("the workspace does not build: {}", first_lines(first)),
        None => "the workspace does not build".to_owned(),
    }
}

/// An error's first line, with nvcc's own line where one follows (`nvcc fatal : Unsupported
/// gpu architecture 'compute_70'`): one line for the inventory's `artifacts not read`, where
/// cargo's whole block read as one line of `\n`s (fumishiki/rosetta-moe).
fn first_lines(error: &str) -> String {
    let mut lines = error.lines().map(str::trim).filter(|l| !l.is_empty());
    let head = lines.next().unwrap_or_default();
    match lines.find(|l| l.starts_with("nvcc ") || l.starts_with("nvcc:")) {
        Some(nvcc) => format!("{head}; {nvcc}"),
        None => head.to_owned(),
    }
}

/// What follows from the layers read so far: the NVRTC each builder loads, the fleet.
fn finish(bom: &mut Bom, config: &Config) {
    let providers: Vec<String> = bom
        .dependencies
        .iter()
        .filter_map(|d| {
            let what = d.provides_nvrtc.as_ref()?;
            Some(format!("{what} through {} {}", d.name, d.version))
        })
        .collect();
    name_nvrtc_libraries(&mut bom.builders, &bom.artifacts, &providers);
    let cuda = config.section(&crate::shared::sections::CUDA);
    bom.fleet = fleet(bom, &cuda, config.min_driver);
}

/// The tracked GPU files and the workspace's builders, each file attributed, as static
/// reading finds them: read once per run and kept with the facts. The one inventory
/// `kernels.build`, `cuda.contracts`, `kernels.shipped` and `cargo gate kernels` name
/// builders from, so they cannot disagree.
///
/// `cargo` resolves the workspace first when a build script names a helper crate cargo has not
/// unpacked yet (see `helpers::registry_texts`).
pub fn sources<'f>(facts: &'f Facts, cargo: &Cargo) -> &'f crate::facts::GpuSources {
    facts.gpu_sources_or_init(|| sources_and_builders(facts, facts.root(), Some(cargo)))
}

/// The sources this run's build compiled as the witness saw it, each with the package whose
/// build script compiled it (a compile that failed counts: the script tried): the build is
/// gathered (built, or waited for) when the run may build, else there is nothing. What static
/// reading names no builder for is still compiled outside gate-build (a Makefile a script
/// runs through `sh -c`).
pub fn witnessed_sources<'f>(facts: &'f Facts, cargo: &Cargo) -> &'f HashMap<String, String> {
    facts.witnessed_or_init(|| witnessed_by_the_build(facts, cargo))
}

/// [`witnessed_sources`], read.
fn witnessed_by_the_build(facts: &Facts, cargo: &Cargo) -> HashMap<String, String> {
    if !facts.may_build() || facts.other_toolchain().is_some() {
        return HashMap::new();
    }
    let Ok(build) = facts.build(cargo) else {
        return HashMap::new();
    };
    let (sources, builders) = sources(facts, cargo);
    let mut bom = Bom {
        schema: SCHEMA_VERSION,
        sources: sources.clone(),
        builders: builders.clone(),
        dependencies: Vec::new(),
        graph_unread: None,
        graph_resolved: None,
        artifacts: Artifacts::Unread {
            reason: String::new(),
        },
        fleet: None,
        witness: None,
    };
    let witnessed = (facts.witness(), build.ok);
    gate_witness::observe::observe(&mut bom, facts.root(), &build.out_dirs, witnessed);
    bom.witness
        .into_iter()
        .flat_map(|w| w.compiles)
        .filter(|c| c.package != "?")
        .flat_map(|c| c.inputs.into_iter().map(move |i| (i, c.package.clone())))
        .collect()
}

/// The tracked GPU files and the workspace's builders, each file attributed (see [`sources`]).
pub(crate) fn sources_and_builders(
    facts: &Facts,
    root: &Path,
    cargo: Option<&Cargo>,
) -> (Vec<SourceFile>, Vec<Builder>) {
    let mut builders = Vec::new();
    let mut calls: Vec<(usize, Vec<scripts::Call>, Vec<usize>)> = Vec::new();
    let mut texts = rust_files::read(facts, &mut builders, &mut calls);
    texts.extend(helpers::outside_texts(facts, root));
    // Resolving unpacks the pinned crates; without a Cargo.lock, resolving in a scratch copy
    // unpacks what cargo would pick today.
    let unpack = || match cargo {
        Some(cargo) if root.join("Cargo.lock").is_file() => {
            let _ = facts.resolve(cargo);
        }
        Some(cargo) => {
            let _ = unlocked::resolve(facts, cargo);
        }
        None => {}
    };
    texts.extend(helpers::registry_texts(facts, root, unpack));
    let rust: Vec<scripts::RustFile<'_>> = texts
        .iter()
        .map(|(rel, text)| scripts::RustFile { rel, text })
        .collect();
    let helpers = scripts::helpers(&rust);
    for (p, package) in facts.packages.iter().enumerate() {
        let Some(script) = package.build_script.as_ref() else {
            continue;
        };
        let Ok(text) = gate_support::read::text_capped(script, helpers::RUST_FILE_CAP) else {
            continue;
        };
        let rel = gate_support::path::relative(root, script);
        let mut analysed = scripts::analyse(
            &scripts::RustFile {
                rel: &rel,
                text: &text,
            },
            &helpers,
        );
        cmake::confirm_cmake_projects(&mut analysed.calls, &package.dir, facts, (root, &text));
        let mut indices = Vec::new();
        let manifest = crate::workspace::read_toml(&package.dir.join("Cargo.toml"));
        for call in &analysed.calls {
            indices.push(builders.len());
            let builder = script_builder(&package.name, &rel, call, &analysed, false);
            let own = (builder.switch.as_deref()).map(|s| {
                manifest
                    .as_ref()
                    .map_or(s.to_owned(), |t| optional::declared_features(s, t))
            });
            let outside_out_dir = builder
                .outside_out_dir
                .clone()
                .or_else(|| tracked_table_output(call, &package.dir, facts, &rel));
            builders.push(Builder {
                ships: shipped(package),
                untracked: untracked_inputs(call, &package.dir, facts),
                switch: own.or_else(|| optional::switch_of(facts, package)),
                outside_out_dir,
                ..builder
            });
        }
        calls.push((p, analysed.calls, indices));
    }
    builders.extend(vendored::builders(facts, &texts));
    let mut sources = attribute(facts, root, &calls);
    stale::mark_stale(root, &mut sources);
    unship_test_data(facts, &mut sources);
    (sources, builders)
}

/// Checked-in GPU code that nothing builds and that only the tests or doc examples of its
/// package name (accel's `tests/data/add.ptx`, read by path from `#[cfg(test)]` code, beside
/// the `.cu` a Makefile compiles it from), or that lies in its package's `tests/` and no
/// shipped code names, ships in no crate: inventoried, not judged.
fn unship_test_data(facts: &Facts, sources: &mut [SourceFile]) {
    // PTX, cubin and fatbin files (the file index has them all; `facts.cuda` no cubin).
    let unbuilt: Vec<crate::facts::CudaSource> = facts
        .index
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            sources
                .iter()
                .any(|s| s.path == f.rel && s.kind.is_binary() && s.built_by.is_empty() && s.ships)
        })
        .map(|(file, f)| crate::facts::CudaSource {
            file,
            rel: f.rel.clone(),
            owner: f.owner,
        })
        .collect();
    let unbuilt: Vec<&crate::facts::CudaSource> = unbuilt.iter().collect();
    for (c, uses) in unbuilt.iter().zip(reach::uses(facts, &unbuilt)) {
        // Or named by no code that ships and kept in the package's `tests/` (accel's
        // `sub.cubin`, which no test names yet).
        let in_tests = || {
            let file = &facts.index.files[c.file];
            uses.code.is_empty() && rust_files::package_relative(facts, file).starts_with("tests")
        };
        if (uses.test_or_doc_only() || in_tests())
            && let Some(source) = sources.iter_mut().find(|s| s.path == c.rel)
        {
            source.ships = false;
        }
    }
}

/// A raw nvcc call over a table ([`scripts::Call::tabled`]) whose PTX (cubin, fatbin) is a
/// file tracked in the package: the build writes into the source tree, not `OUT_DIR`
/// (vllm-rust's `output: "kernels/paged_attention.ptx"`), as `rel:line (the path)`.
fn tracked_table_output(
    call: &scripts::Call,
    dir: &Path,
    facts: &Facts,
    rel: &str,
) -> Option<String> {
    if !call.tabled {
        return None;
    }
    let written = call.inputs.iter().find(|input| {
        let artifact = gate_cuda::includes::is_gpu_artifact(input);
        let path = gate_support::path::normalize(&dir.join(input));
        artifact && facts.index.files.iter().any(|f| f.path == path)
    })?;
    Some(format!(
        "{rel}:{} ({written}, a tracked file its table names beside the sources)",
        call.line
    ))
}

/// The builders of `source`, in words (`cc with .cuda(true) (k/build.rs:3), …`); `None` when
/// nothing builds it. The one wording of the check texts and `cargo gate kernels`.
pub fn builders_text(source: &SourceFile, builders: &[Builder]) -> Option<String> {
    let named: Vec<String> = source
        .built_by
        .iter()
        .filter_map(|&b| builders.get(b))
        .map(|b| match &b.switch {
            Some(switch) => format!(
                "{} ({}, {})",
                b.kind.describe(),
                b.at,
                gate_cuda::scripts::only(switch)
            ),
            None => format!("{} ({})", b.kind.describe(), b.at),
        })
        .collect();
    (!named.is_empty()).then(|| named.join(", "))
}

/// How `source` is built, in words: its builders, the file that includes it, or "built by
/// nothing".
pub fn how_built(source: &SourceFile, builders: &[Builder]) -> String {
    match (&source.included_by, builders_text(source, builders)) {
        (Some(by), Some(named)) => format!("included by {by}: {named}"),
        (Some(by), None) => format!("included by {by}"),
        (None, Some(named)) => named,
        (None, None) => "built by nothing".to_owned(),
    }
}

/// Whether the sources, the build scripts or the graph show any GPU code.
/// (Only what ships counts: a fixture's or a nested workspace's kernels do not.)
pub fn any_gpu_code(bom: &Bom) -> bool {
    bom.sources.iter().any(|s| s.ships)
        || bom.builders.iter().any(|b| b.ships)
        || !bom.dependencies.is_empty()
}

/// Says, for each NVRTC builder, which NVRTC it loads: the libraries its package's
/// artifacts name, else those of any artifact, else the crates that provide NVRTC.
fn name_nvrtc_libraries(builders: &mut [Builder], artifacts: &Artifacts, providers: &[String]) {
    let named = |package: Option<&str>| -> Vec<String> {
        let Artifacts::Read { binaries, .. } = artifacts else {
            return Vec::new();
        };
        let mut names: Vec<String> = binaries
            .iter()
            .filter(|b| package.is_none_or(|p| b.package == p))
            .flat_map(|b| b.nvrtc.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    };
    for b in builders.iter_mut().filter(|b| b.kind == BuilderKind::Nvrtc) {
        let mut names = named(Some(&b.package));
        if names.is_empty() {
            names = named(None);
        }
        let looked_up = names.iter().any(|n| n == binary::NVRTC_LOOKUP);
        names.retain(|n| n != binary::NVRTC_LOOKUP);
        let lookup = if looked_up {
            " (the binaries look nvrtcCompileProgram up by name)"
        } else {
            ""
        };
        b.loads = if !names.is_empty() {
            Some(names.join(", "))
        } else if !providers.is_empty() {
            Some(format!("{}{lookup}", providers.join("; ")))
        } else if looked_up {
            Some(
                "an NVRTC found by name at run time (the binaries look nvrtcCompileProgram up)"
                    .to_owned(),
            )
        } else {
            None
        };
    }
}

/// Every tracked GPU file with the builders that compile it (and the GPU files beside the
/// workspace that a call reaches).
fn attribute(
    facts: &Facts,
    root: &Path,
    calls: &[(usize, Vec<scripts::Call>, Vec<usize>)],
) -> Vec<SourceFile> {
    let gpu: Vec<(&str, FileKind, Option<usize>)> = facts
        .index
        .files
        .iter()
        .filter_map(|f| FileKind::of(&f.rel).map(|k| (f.rel.as_str(), k, f.owner)))
        .collect();
    let dirs: Vec<String> = calls
        .iter()
        .map(|(p, _, _)| gate_support::path::relative(root, &facts.packages[*p].dir))
        .collect();
    let packages: Vec<includes::Package<'_>> = calls
        .iter()
        .zip(&dirs)
        .map(|((p, calls, _), dir)| includes::Package {
            name: &facts.packages[*p].name,
            dir,
            calls,
        })
        .collect();
    // Files beside the workspace that a call reaches (an include directory outside the root).
    let call_lists: Vec<&[scripts::Call]> = calls.iter().map(|(_, c, _)| c.as_slice()).collect();
    let beside = outside::files(root, &dirs, &call_lists);
    let mut gpu = gpu;
    gpu.extend(
        beside
            .iter()
            .filter_map(|rel| FileKind::of(rel).map(|k| (rel.as_str(), k, None))),
    );
    // Includes are followed through the C/C++ headers and sources around the GPU files (a
    // `.cu` including `ops.h` including `kernel.cuh`); GPU files are reported, and the C/C++
    // headers a call includes that hold device code (flash-attention's kernels, in `.h`
    // files), as CUDA headers.
    let c_family = facts
        .index
        .files
        .iter()
        .map(|f| (f.rel.as_str(), f.owner))
        .chain(beside.iter().map(|rel| (rel.as_str(), None)))
        .filter(|(rel, _)| includes::is_c_family(rel));
    gpu.extend(c_family.map(|(rel, owner)| (rel, FileKind::Header, owner)));
    let paths: Vec<&str> = gpu.iter().map(|(rel, _, _)| *rel).collect();
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).ok();
    let attributed = includes::attribute(&packages, &paths, &read);
    let mut sources: Vec<SourceFile> = gpu
        .iter()
        .zip(attributed)
        .filter(|((rel, _, _), vias)| FileKind::of(rel).is_some() || !vias.is_empty())
        .map(|(&(rel, kind, owner), vias)| source_file(facts, calls, (rel, kind, owner), &vias))
        .collect();
    // The headers holding device code join the GPU files in path order.
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    sources
}

/// The inventory's entry for the file `rel` (of `kind`, in package `owner`) that the calls
/// `vias` reach.
fn source_file(
    facts: &Facts,
    calls: &[(usize, Vec<scripts::Call>, Vec<usize>)],
    (rel, kind, owner): (&str, FileKind, Option<usize>),
    vias: &[(usize, usize, includes::Via)],
) -> SourceFile {
    let mut built_by: Vec<usize> = vias
        .iter()
        .filter_map(|(p, c, _)| calls.get(*p).and_then(|(_, _, ix)| ix.get(*c)).copied())
        .collect();
    // A CMake project's configure-time probe is its call's, and no kernel of it.
    let probe = cmake::probe_of(rel, calls);
    built_by.extend(probe.iter().flat_map(|(builders, _)| builders));
    built_by.sort_unstable();
    built_by.dedup();
    let included_by = vias.iter().find_map(|(_, _, via)| match via {
        includes::Via::Included { by } => Some(by.clone()),
        _ => None,
    });
    let named = vias
        .iter()
        .any(|(_, _, via)| !matches!(via, includes::Via::Included { .. }));
    SourceFile {
        path: rel.to_owned(),
        kind,
        package: owner.map(|o| facts.packages[o].name.clone()),
        built_by,
        included_by: if named { None } else { included_by },
        ships: owner.is_none_or(|o| shipped(&facts.packages[o])),
        stale_against: None,
        compiled_in: Vec::new(),
        probe: probe.map(|(_, at)| at),
    }
}

/// The crates of the shipped graph that compile GPU code; their builders are appended to
/// `builders`.
fn dependencies(
    facts: &Facts,
    metadata: &cargo_metadata::Metadata,
    shipped: &crate::deps::Graph,
    builders: &mut Vec<Builder>,
) -> Vec<Dependency> {
    let read = |path: &Path| std::fs::read_to_string(path).ok();
    let root = facts.root();
    let script = |rel: &str, text: &str, dir: &Path| {
        // Read with the helpers its own path dependencies define (a crate beside the
        // repository calling a helper crate beside it).
        let texts = vendored::path_dependency_texts(dir, root);
        let analysed = script::analysed((rel, text), dir, &[&texts]);
        analysed
            .calls
            .iter()
            .map(|call| script_builder("", rel, call, &analysed, true))
            .collect()
    };
    let nvrtc = |rel: &str, text: &str| scripts::nvrtc_uses(&scripts::RustFile { rel, text });
    let rust_files = |dir: &Path| rust_files_below(dir);
    // A path package below the resolve's root is read as a source (`vendored` reads those
    // git does not track); the graph adds what lies beside the repository or comes from a
    // registry or git.
    let resolved_root = metadata.workspace_root.as_std_path();
    let own = |dir: &Path| dir.starts_with(resolved_root);
    let readers = graph::Readers {
        read: &read,
        script: &script,
        nvrtc: &nvrtc,
        rust_files: &rust_files,
        own: &own,
    };
    let mut found = Vec::new();
    for krate in graph::gpu_crates(metadata, shipped, &readers) {
        let mut indices = Vec::new();
        for builder in krate.builders {
            indices.push(builders.len());
            builders.push(builder);
        }
        // One NVRTC builder per crate, at its first use (a crate's every call site is its
        // own business; that it compiles at run time is the fact).
        if let Some((at, _)) = krate.nvrtc.first() {
            let more = krate.nvrtc.len() - 1;
            indices.push(builders.len());
            let at = if more == 0 {
                at.clone()
            } else {
                format!("{at} (and {more} more)")
            };
            builders.push(Builder {
                dependency: true,
                ..Builder::new(krate.name.clone(), BuilderKind::Nvrtc, at)
            });
        }
        found.push(Dependency {
            name: krate.name,
            version: krate.version,
            builders: indices,
            provides_nvrtc: krate.provides_nvrtc,
            path: krate.path,
        });
    }
    found
}

/// The GPU code `gpu` of every artifact of `build` ([`Facts::built_gpu`]: read once, beside
/// the test run when the run tests, and kept in the evidence cache); a file that could not
/// be read is left out, as it was not built.
fn read_artifacts(
    build: &Build,
    gpu: &[Option<crate::cuda::binary::GpuCode>],
    root: &Path,
    bom: &Bom,
) -> Artifacts {
    let tracked = tracked_images(root, &bom.sources);
    let mut kernels: Vec<Kernel> = Vec::new();
    let mut by_digest: HashMap<String, usize> = HashMap::new();
    let mut binaries = Vec::new();
    let (mut files, mut bytes_read) = (0usize, 0u64);
    for (artifact, code) in build.artifacts.iter().zip(gpu) {
        let Some(code) = code else { continue };
        files += 1;
        bytes_read += artifact.size;
        if code.images.is_empty() && code.nvrtc.is_empty() {
            continue;
        }
        let mut modules: BTreeMap<u64, Module> = BTreeMap::new();
        for image in &code.images {
            let index = *by_digest.entry(image.digest.clone()).or_insert_with(|| {
                kernels.push(kernel_of(image));
                kernels.len() - 1
            });
            let kernel = &mut kernels[index];
            kernel.shipped |= !artifact.test;
            if !kernel.crates.contains(&artifact.package) {
                kernel.crates.push(artifact.package.clone());
            }
            if kernel.source.is_none() {
                kernel.source = tracked
                    .get(&image.digest)
                    .map(|rel| format!("the tracked file {rel}"));
            }
            let module = modules.entry(image.module).or_insert_with(|| Module {
                container: image.container,
                kernels: Vec::new(),
            });
            if !module.kernels.contains(&index) {
                module.kernels.push(index);
            }
        }
        binaries.push(Binary {
            path: gate_support::path::relative(root, &artifact.path),
            package: artifact.package.clone(),
            kind: artifact.kind,
            test: artifact.test,
            size: artifact.size,
            modules: modules.into_values().collect(),
            nvrtc: code.nvrtc.clone(),
        });
    }
    for kernel in &mut kernels {
        kernel.crates.sort();
        if kernel.source.is_none() {
            kernel.source = built_by(kernel, &bom.builders)
                .or_else(|| witnessed_by(kernel, bom.witness.as_ref()));
        }
    }
    Artifacts::Read {
        binaries,
        kernels,
        files,
        bytes: bytes_read,
    }
}

/// The digests of the GPU images in the tracked compiled GPU files (`.ptx`, `.cubin`,
/// `.fatbin`), read the way an artifact is: an image with one of them is a copy of that file
/// (`include_str!`, `include_bytes!`).
fn tracked_images(root: &Path, sources: &[SourceFile]) -> HashMap<String, String> {
    let mut found = HashMap::new();
    for source in sources.iter().filter(|s| s.kind.is_binary()) {
        let Ok(bytes) = std::fs::read(root.join(&source.path)) else {
            continue;
        };
        for image in binary::read(&bytes).images {
            found
                .entry(image.digest)
                .or_insert_with(|| source.path.clone());
        }
    }
    found
}

fn kernel_of(image: &binary::Image) -> Kernel {
    let ptx_isa = image
        .ptx_isa
        .map(|(major, minor)| format!("{major}.{minor}"));
    Kernel {
        digest: image.digest.clone(),
        form: image.form,
        arch: image.arch_name(),
        min_driver: match image.form {
            KernelForm::Ptx => image
                .ptx_isa
                .and_then(crate::cuda::fleet::min_driver)
                .map(|v| v.to_string()),
            KernelForm::Sass => None,
        },
        ptx_isa,
        container: image.container,
        compressed: image.compressed,
        size: image.size,
        crates: Vec::new(),
        shipped: false,
        source: None,
    }
}

/// The builder that accounts for `kernel`: one of a package whose artifacts carry it.
fn built_by(kernel: &Kernel, builders: &[Builder]) -> Option<String> {
    kernel.crates.iter().find_map(|krate| {
        builders
            .iter()
            .find(|b| &b.package == krate && b.kind != gate_formats::kernel_bom::BuilderKind::Nvrtc)
            .map(|b| format!("{} in {krate} ({})", b.kind.describe(), b.at))
    })
}

/// What accounts for a kernel that no static builder does: a successful compile the witness
/// saw in the build script of a crate that carries it (a path dependency the repository does
/// not track, a builder static reading cannot see).
fn witnessed_by(
    kernel: &Kernel,
    witness: Option<&gate_formats::kernel_bom::Witnessed>,
) -> Option<String> {
    let compiles = &witness?.compiles;
    kernel.crates.iter().find_map(|krate| {
        let compile = compiles.iter().find(|c| c.ok && &c.package == krate)?;
        Some(format!(
            "nvcc in {krate}'s build script, witnessed compiling {}",
            compile.inputs.join(", ")
        ))
    })
}

/// How each declared GPU is covered by each package's shipped modules; `None` without a
/// `[cuda]` table.
fn fleet(
    bom: &Bom,
    cuda: &Cuda,
    policy_driver: Option<crate::config::DriverVersion>,
) -> Option<Fleet> {
    if !cuda.declared {
        return None;
    }
    let min_driver = cuda.min_driver.or(policy_driver);
    let mut coverage = Vec::new();
    if let Artifacts::Read {
        binaries, kernels, ..
    } = &bom.artifacts
    {
        let mut packages: Vec<&str> = binaries
            .iter()
            .filter(|b| !b.modules.is_empty())
            .map(|b| b.package.as_str())
            .collect();
        packages.sort_unstable();
        packages.dedup();
        for package in packages {
            for arch in &cuda.archs {
                coverage.push(worst_coverage(binaries, kernels, package, arch));
            }
        }
    }
    Some(Fleet {
        archs: cuda.archs.clone(),
        min_driver: min_driver.map(|d| d.to_string()),
        coverage,
    })
}

/// The module of `package`'s binaries that covers `arch` least (none, then PTX, then SASS).
fn worst_coverage(binaries: &[Binary], kernels: &[Kernel], package: &str, arch: &str) -> Coverage {
    use crate::cuda::fleet::{Covered, coverage};
    let gpu = crate::cuda::fleet::gpu_number(arch).unwrap_or(0);
    let rank = |c: &Covered| match c {
        Covered::None => 0,
        Covered::Ptx(_) => 1,
        Covered::Sass(_) => 2,
    };
    let worst = judged(binaries, kernels, package)
        .into_iter()
        .map(|m| coverage(&module_codes(m, kernels), gpu))
        .min_by_key(rank)
        .unwrap_or(Covered::None);
    Coverage {
        package: package.to_owned(),
        arch: arch.to_owned(),
        by: worst.by().to_owned(),
        from: worst.from().map(str::to_owned),
    }
}

/// The modules of `package` judged against the fleet: those it links into executables and
/// dynamic libraries, when there are any — a static library or rlib can hold modules the
/// final link leaves out (cc's device-link stub) —, else those of its libraries and GPU
/// files (a library crate ships those to its users). A module with an image found only in
/// test builds (a test's PTX data) is not judged: it does not ship.
pub fn judged<'b>(binaries: &'b [Binary], kernels: &[Kernel], package: &str) -> Vec<&'b Module> {
    let ships = |m: &Module| {
        m.kernels
            .iter()
            .all(|&k| kernels.get(k).is_some_and(|k| k.shipped))
    };
    let modules = |finals: bool| -> Vec<&'b Module> {
        binaries
            .iter()
            .filter(|b| b.package == package)
            .filter(|b| matches!(b.kind, BinaryKind::Executable | BinaryKind::DynamicLib) == finals)
            .flat_map(|b| &b.modules)
            .filter(|m| ships(m))
            .collect()
    };
    let finals = modules(true);
    if finals.is_empty() {
        modules(false)
    } else {
        finals
    }
}

/// A module's images as the compatibility rules read them.
pub fn module_codes(module: &Module, kernels: &[Kernel]) -> Vec<crate::cuda::fleet::Code> {
    module
        .kernels
        .iter()
        .filter_map(|&k| kernels.get(k))
        .filter_map(|k| {
            let number = k.arch.split_once('_')?.1;
            let digits = number.trim_end_matches(['a', 'f']);
            Some(crate::cuda::fleet::Code {
                form: k.form,
                arch: digits.parse().ok()?,
                suffix: number[digits.len()..].chars().next(),
                ptx_isa: k.ptx_isa.as_deref().and_then(|v| {
                    let (major, minor) = v.split_once('.')?;
                    Some((major.parse().ok()?, minor.parse().ok()?))
                }),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
