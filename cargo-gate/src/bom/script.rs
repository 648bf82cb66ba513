//! A builder of the BOM from one call of a build script: the call's kind, place, switch and
//! archs, what its script does once (probe the GPU, write PTX outside `OUT_DIR`), and the
//! CUDA files it names that git does not track; and the reading of a build script that is
//! none of the workspace's packages' (a graph crate's, a vendored crate's).

use super::cmake;
use crate::cuda::scripts;
use crate::facts::Facts;
use gate_formats::kernel_bom::Builder;
use std::path::Path;

/// A builder of the BOM from one call of a build script (`rel` names the script, or a
/// dependency's `name@version/build.rs`).
pub fn script_builder(
    package: &str,
    rel: &str,
    call: &scripts::Call,
    script: &scripts::Script,
    dependency: bool,
) -> Builder {
    Builder {
        via: call.via.clone(),
        switch: call.switch.clone(),
        archs: call.archs.clone(),
        native_arch: call.native_arch,
        gpu_probe: call
            .gpu_probe
            .as_ref()
            .map(|(line, what)| format!("{rel}:{line} ({what})"))
            .or_else(|| cmake::configure_probe(call)),
        outside_out_dir: script
            .outside_out_dir
            .as_ref()
            .map(|(line, what)| format!("{rel}:{line} ({what})")),
        dependency,
        ..Builder::new(package, call.kind, format!("{rel}:{}", call.line))
    }
}

/// The CUDA files `call` names (literally, not a glob or a directory) that the repository does
/// not track, `/`-separated (a Windows branch's `r"llama-cpp\ggml-cuda.cu"` is the same file):
/// a git submodule's (`llama-cpp/ggml-cuda.cu`) or a generated file.
pub(super) fn untracked_inputs(call: &scripts::Call, dir: &Path, facts: &Facts) -> Vec<String> {
    let mut untracked: Vec<String> = call
        .inputs
        .iter()
        .filter(|input| input.ends_with(".cu") || input.ends_with(".cuh"))
        .filter(|input| !input.contains(['*', '?', '[']))
        .map(|input| input.replace('\\', "/"))
        .filter(|input| {
            // Only the workspace's files are listed: one beside it (zeknox's `../../native`,
            // tracked in the repository above) is not known untracked.
            let path = gate_support::path::normalize(&dir.join(input));
            path.starts_with(facts.root()) && !facts.index.files.iter().any(|f| f.path == path)
        })
        .collect();
    untracked.sort();
    untracked.dedup();
    // A table's paths that are not all tracked here are joined to a directory the script
    // computes: not untracked files, but a call read by location (gate_cuda::includes).
    if call.tabled && !untracked.is_empty() {
        return Vec::new();
    }
    untracked
}

/// The build script `(rel, text)` of the package at `dir` that is none of the workspace's
/// packages, read with the helpers `texts` define: a CMake project it names without a CUDA
/// option builds CUDA only if its own CMake files switch it on (sentencepiece-sys'
/// `Config::new("source")` does not).
pub(super) fn analysed(
    (rel, text): (&str, &str),
    dir: &Path,
    texts: &[&[(String, String)]],
) -> scripts::Script {
    let files: Vec<scripts::RustFile<'_>> = texts
        .iter()
        .flat_map(|t| t.iter())
        .map(|(rel, text)| scripts::RustFile { rel, text })
        .collect();
    let mut analysed =
        scripts::analyse(&scripts::RustFile { rel, text }, &scripts::helpers(&files));
    analysed
        .calls
        .retain(|call| !call.cmake_project || cmake::project_enables_cuda(call, dir));
    analysed
}
