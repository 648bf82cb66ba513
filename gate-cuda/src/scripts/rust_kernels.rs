//! Rust kernels compiled for nvptx64 from a build script (rust-cuda, accel and ptx-builder
//! shapes; the thirteenth session's trial): a command that names the target, or
//! ptx-builder's `Builder`; and the same command in library code, a proc macro's most often
//! (accel's and rust-cuda's `#[kernel]` run cargo for nvptx64 while the crate using them
//! compiles). Their PTX is GPU code no CUDA source accounts for.

use super::lexed::{Lexed, RustFile, contains_any};
use super::{Anchor, Call, Helpers, Method, analyse_lexed, archs};
use gate_formats::kernel_bom::BuilderKind;

/// The target a Rust kernel is compiled for.
const NVPTX_TARGET: &str = "nvptx64-nvidia-cuda";

/// A Rust build for nvptx64 at `anchor`: ptx-builder's `Builder::new("kernel/crate")`, whose
/// argument is the crate it compiles, or a command (rustc, cargo) whose arguments name the
/// target (as a literal, or through a name bound to one), compiling the `.rs` files and
/// manifests it names (or what it computes). `false`: a command that builds no GPU code.
pub(super) fn rust_nvptx(
    lx: &Lexed<'_>,
    (anchor, methods): (&Anchor<'_>, &[Method<'_>]),
    strs: &[(usize, &str)],
    call: &mut Call,
) -> bool {
    let args = lx.strs(anchor.open + 1, lx.matching(anchor.open));
    if !(anchor.path..anchor.open)
        .any(|k| lx.is_ident(k, "Command") || lx.is_ident(k, "ProcessBuilder"))
    {
        match args.first() {
            Some(&(_, crate_dir)) => call.inputs.push(crate_dir.to_owned()),
            None => call.computed_inputs = true,
        }
        return true;
    }
    let bound = archs::bound_flags(lx, methods);
    let named = |s: &str| s.contains(NVPTX_TARGET);
    if !(strs.iter().any(|&(_, s)| named(s))
        || bound.iter().any(|&s| named(s))
        || target_from_fn(lx, methods))
    {
        return false;
    }
    for &(_, s) in strs {
        if let Some(dir) = s.strip_suffix("Cargo.toml") {
            call.inputs.push(dir.trim_end_matches('/').to_owned());
        } else if s.ends_with(".rs") && !s.contains('{') {
            call.inputs.push(s.to_owned());
        }
    }
    call.computed_inputs = call.inputs.is_empty();
    true
}

/// Whether an argument of the command is the call of a function of the file that answers
/// the nvptx64 target (`.arg(self.target.triple())`, `fn triple(&self) -> &str { match self {
/// Target::Nvidia => "nvptx64-nvidia-cuda" } }`: warp-types').
fn target_from_fn(lx: &Lexed<'_>, methods: &[Method<'_>]) -> bool {
    let answers = |name: &str| {
        lx.fns().iter().any(|f| {
            f.name == name
                && lx
                    .strs(f.open, f.close)
                    .iter()
                    .any(|&(_, s)| s.contains(NVPTX_TARGET))
        })
    };
    methods
        .iter()
        .filter(|m| matches!(m.name, "arg" | "args"))
        .any(|m| {
            (m.args.0..m.args.1).any(|k| lx.punct(k + 1, b'(') && lx.ident(k).is_some_and(answers))
        })
}

/// The Rust builds for nvptx64 that the library code of `file` runs (not a build script's:
/// [`super::analyse`] reads those): a proc macro that compiles the code it expands for the GPU
/// while the crates using it compile (accel's `Command::new("cargo")` with `--target
/// nvptx64-nvidia-cuda`, rust-cuda's `cargo_util::ProcessBuilder` with the target in a
/// `const`), or a program that does at run time. Each call carries its line, its archs and the
/// feature around it; code under `#[cfg(test)]` builds nothing that ships.
pub fn rust_nvptx_runs(file: &RustFile<'_>) -> Vec<Call> {
    if !contains_any(file.text, &[NVPTX_TARGET, "ptx_builder"]) {
        return Vec::new();
    }
    // The lines of `#[cfg(test)]` code: a call there builds nothing that ships.
    let lx = Lexed::new(file.text);
    let tests: Vec<(u32, u32)> = lx
        .test_ranges()
        .into_iter()
        .filter_map(|(a, b)| Some((lx.toks.get(a)?.line, lx.toks.get(b.saturating_sub(1))?.line)))
        .collect();
    analyse_lexed(file, &lx, &Helpers::default())
        .calls
        .into_iter()
        .filter(|c| c.kind == BuilderKind::RustNvptx)
        .filter(|c| !tests.iter().any(|&(a, b)| a <= c.line && c.line <= b))
        .collect()
}
