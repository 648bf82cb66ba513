//! A `cc` chain (`cc::Build`, the old `gcc::Config`): what it compiles and includes, and the
//! `.compiler(..)` that makes it a GPU build without `.cuda(true)`; and cxx's
//! `cxx_build::bridge(..)`, which returns one.

use super::lexed::Lexed;
use super::{Call, Method, input_literals, literals_bound_to};

/// cxx's `cxx_build::bridge("src/main.rs")` (or `bridges([..])`) at `i`, which returns the
/// `cc::Build` compiling the bridge, read as `cc::Build::new()` (`.cuda(true)` and
/// `.file("src/k.cu")` on it compile the `.cu`): the index of the `(` opening its arguments.
pub(super) fn cxx_bridge_at(lx: &Lexed<'_>, i: usize) -> Option<usize> {
    let bridge = matches!(lx.ident(i + 3), Some("bridge" | "bridges"));
    (lx.is_ident(i, "cxx_build") && lx.path_sep(i + 1) && bridge && lx.punct(i + 4, b'('))
        .then_some(i + 4)
}

/// `cc`: `.file`, `.files`, `.include`, `.includes`.
pub(super) fn cc_methods(lx: &Lexed<'_>, methods: &[Method<'_>], call: &mut Call) {
    for m in methods {
        match m.name {
            "file" | "files" => {
                let (inputs, computed) = input_literals(lx, m.args.0, m.args.1);
                call.computed_inputs |= computed || inputs.is_empty();
                call.inputs.extend(inputs.into_iter().map(str::to_owned));
            }
            "include" | "includes" => {
                let (dirs, _) = input_literals(lx, m.args.0, m.args.1);
                call.include_dirs
                    .extend(dirs.into_iter().map(str::to_owned));
            }
            _ => {}
        }
    }
}

/// The `.compiler(..)` of a cc chain that compiles GPU code, and whether it is HIP's: one
/// whose literals name `hipcc`, or name nvcc (`"nvcc"`, `"/usr/local/cuda/bin/nvcc"`,
/// `"NVCC"`: a file name ending in `nvcc`, rembrandt_kernels' `gcc::Config`), its own or
/// those bound to a name it passes (lumi's `let hipcc = env::var("HIPCC")
/// .unwrap_or_else(|_| "hipcc".to_string())` and `.compiler(&hipcc)`).
pub(super) fn gpu_compiler(lx: &Lexed<'_>, methods: &[Method<'_>]) -> Option<(usize, bool)> {
    methods
        .iter()
        .filter(|m| m.name == "compiler")
        .find_map(|m| {
            let bound = (m.args.0..m.args.1)
                .filter_map(|k| lx.ident(k).filter(|_| !lx.punct(k + 1, b'(')))
                .flat_map(|name| literals_bound_to(lx, name));
            let names: Vec<String> = lx
                .strs(m.args.0, m.args.1)
                .into_iter()
                .chain(bound)
                .map(|(_, s)| s.to_ascii_lowercase())
                .collect();
            let nvcc = names.iter().any(|s| {
                let file = s.rsplit(['/', '\\']).next().unwrap_or(s);
                file.strip_suffix(".exe").unwrap_or(file).ends_with("nvcc")
            });
            let hip = names.iter().any(|s| s.contains("hipcc"));
            (nvcc || hip).then_some((m.at, hip))
        })
}
