//! Whether a CUDA source its package's build script compiles is compiled for the package's
//! examples only (infernum-rs/infernum's `infernum-examples`: raw nvcc writes
//! `OUT_DIR/kernels/relu.ptx`, which only `examples/custom_cuda_op.rs` embeds; its
//! `src/lib.rs` is a doc comment). Its code ships in no library or binary, so it is no kernel
//! of this build — but only where the evidence shows that much, read conservatively:
//!
//! - every builder of the source is raw nvcc, called in the build script of the source's own
//!   package (through no helper but one defined there), writing into `OUT_DIR`;
//! - the Rust code that names the source or its output (`relu.ptx`) is the package's
//!   examples, tests or benchmarks (files below `examples/`, `tests/`, `benches/`, their doc
//!   comments included), and the build script;
//! - the build script hands cargo nothing to link and sets no variable for the code
//!   (`cargo:rustc-link-*`, `cargo:rustc-env`), which would ship the output unnamed;
//! - the manifest reads, and its `[lib]` and `[[bin]]` targets lie in the package, outside
//!   those directories;
//! - no other Rust file of the package (its library and binaries, as far as the files show)
//!   says `OUT_DIR`, names the source or its output, or takes code from elsewhere
//!   (`#[path = ..]`, `include!(..)`); each one reads.
//!
//! Anything else keeps the source a kernel of this build: a false error is better than a
//! false pass.

use super::helpers::RUST_FILE_CAP;
use super::reach::{Uses, names};
use super::rust_files::{outside_library_code, package_relative, shipped};
use crate::facts::{CudaSource, Facts, Package};
use gate_formats::kernel_bom::{Builder, BuilderKind, SourceFile};
use std::path::{Path, PathBuf};

/// Whether every builder of `file` (the inventory's entry for `source`) is raw nvcc in the
/// build script of `source`'s own package, through no helper but one defined there, and
/// writes nothing outside `OUT_DIR`: the only builds [`for_examples_only`] can judge.
pub fn by_its_own_nvcc(
    facts: &Facts,
    source: &CudaSource,
    file: &SourceFile,
    builders: &[Builder],
) -> bool {
    let Some(package) = source.owner.map(|o| &facts.packages[o]) else {
        return false;
    };
    file.probe.is_none()
        && !file.built_by.is_empty()
        && file.built_by.iter().all(|&b| {
            builders.get(b).is_some_and(|b| {
                b.kind == BuilderKind::Nvcc
                    && !b.dependency
                    && b.ships
                    && b.package == package.name
                    && in_build_script(facts, package, &b.at)
                    && b.via
                        .as_ref()
                        .is_none_or(|via| in_build_script(facts, package, via))
                    && b.outside_out_dir.is_none()
            })
        })
}

/// What `source`, compiled [`by_its_own_nvcc`], is compiled for, when it is its package's
/// examples, tests or benchmarks only (`examples`, `examples and tests`), given where the Rust
/// code names it or its output (`uses`): the conditions of this module's documentation, each
/// read here. `None` when any fails.
pub fn for_examples_only(facts: &Facts, source: &CudaSource, uses: &Uses) -> Option<String> {
    let package = source.owner.map(|o| &facts.packages[o])?;
    let in_package = |at: &String| at_below(facts, package, at);
    let mut targets: Vec<&str> = Vec::new();
    for at in &uses.tests {
        let rel = in_package(at).filter(|rel| outside_library_code(rel))?;
        let target = match rel.components().next()?.as_os_str().to_str()? {
            "examples" => "examples",
            "tests" => "tests",
            _ => "benchmarks",
        };
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    // Their doc comments may name it too (`//! Write the kernel in kernels/relu.cu`), and the
    // build script; nothing else.
    let in_examples = |at: &String| in_package(at).is_some_and(|rel| outside_library_code(&rel));
    let named_by_examples = !targets.is_empty()
        && uses.docs.iter().all(in_examples)
        && uses
            .code
            .iter()
            .all(|at| in_build_script(facts, package, at));
    (shipped(package)
        && named_by_examples
        && script_ships_nothing_unnamed(package)
        && targets_in_place(facts, package)
        && library_and_binaries_silent(facts, source, package))
    .then(|| targets.join(" and "))
}

/// The path of `path` below `package`'s directory, when it lies there.
fn below(package: &Package, path: &Path) -> Option<PathBuf> {
    let rest = gate_support::path::normalize(path);
    rest.strip_prefix(&package.dir).ok().map(Path::to_path_buf)
}

/// The file of a place (`k/build.rs:12`, relative to the workspace root) below `package`'s
/// directory, when it lies there.
fn at_below(facts: &Facts, package: &Package, at: &str) -> Option<PathBuf> {
    let file = at.rsplit_once(':').map_or(at, |(file, _)| file);
    below(package, &facts.root().join(file))
}

/// Whether a place (`k/build.rs:12`, relative to the workspace root) lies in `package`'s
/// build script: a call there, or a helper function defined there.
fn in_build_script(facts: &Facts, package: &Package, at: &str) -> bool {
    at_below(facts, package, at).is_some_and(|rel| is_build_script(package, &rel))
}

/// Whether `rel` (below `package`) is its build script.
fn is_build_script(package: &Package, rel: &Path) -> bool {
    rel == Path::new("build.rs")
        || package
            .build_script
            .as_deref()
            .is_some_and(|script| script == package.dir.join(rel))
}

/// Whether `package`'s build script reads, and hands cargo nothing to link and no variable
/// to set: what it writes into `OUT_DIR` reaches the code only by a name the code says.
fn script_ships_nothing_unnamed(package: &Package) -> bool {
    let script = package
        .build_script
        .clone()
        .unwrap_or_else(|| package.dir.join("build.rs"));
    gate_support::read::text_capped(&script, RUST_FILE_CAP)
        .is_ok_and(|text| !text.contains("rustc-link") && !text.contains("rustc-env"))
}

/// Whether `package`'s manifest reads and each `[lib]` and `[[bin]]` path it names lies in
/// the package, outside its `examples/`, `tests/` and `benches/`: then the package's other
/// Rust files are where its library and binaries are.
fn targets_in_place(facts: &Facts, package: &Package) -> bool {
    let Some(doc) = facts
        .manifest(&package.dir.join("Cargo.toml"))
        .and_then(crate::facts::Manifest::table)
    else {
        return false;
    };
    let path_in_place = |target: &toml::Value| match target.get("path") {
        None => true,
        Some(path) => path.as_str().is_some_and(|path| {
            below(package, &package.dir.join(path)).is_some_and(|rel| !outside_library_code(&rel))
        }),
    };
    let lib = doc.get("lib").is_none_or(path_in_place);
    let bins = match doc.get("bin") {
        None => true,
        Some(bins) => bins
            .as_array()
            .is_some_and(|bins| bins.iter().all(path_in_place)),
    };
    lib && bins
}

/// Whether every Rust file of `package` outside its examples, tests, benchmarks and build
/// script reads, and none says `OUT_DIR`, names `source` or its output, or takes code from
/// elsewhere (`#[path]`, `include!`).
fn library_and_binaries_silent(facts: &Facts, source: &CudaSource, package: &Package) -> bool {
    let names = names(&source.rel);
    facts
        .index
        .files
        .iter()
        .filter(|f| f.owner == source.owner && f.rel.ends_with(".rs"))
        .filter(|f| {
            let rel = package_relative(facts, f);
            !outside_library_code(rel) && !is_build_script(package, rel)
        })
        .all(|f| {
            gate_support::read::text_capped(&f.path, RUST_FILE_CAP).is_ok_and(|text| {
                !text.contains("OUT_DIR")
                    && !text.contains("#[path")
                    && !text.contains("include!(")
                    && !names.iter().any(|name| text.contains(name.as_str()))
            })
        })
}
