//! Rust kernels compiled for nvptx64 from a build script (rust-cuda, accel and ptx-builder
//! shapes; the thirteenth session's trial): a command that names the target, or
//! ptx-builder's `Builder`. Their PTX is GPU code no CUDA source accounts for.

use super::lexed::Lexed;
use super::{Anchor, Call, Method, archs};

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
    if !(anchor.path..anchor.open).any(|k| lx.is_ident(k, "Command")) {
        match args.first() {
            Some(&(_, crate_dir)) => call.inputs.push(crate_dir.to_owned()),
            None => call.computed_inputs = true,
        }
        return true;
    }
    let bound = archs::bound_flags(lx, methods);
    let named = |s: &str| s.contains(NVPTX_TARGET);
    if !(strs.iter().any(|&(_, s)| named(s)) || bound.iter().any(|&s| named(s))) {
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
