//! A build-script helper's parameters that name what it compiles: `fn compile_cuda(file:
//! &str)` whose body hands `file` to `cc`'s `.file(..)`. Each call of the helper compiles
//! the literal it passes there (`compile_cuda("cuda/bn254.cu")`), not every CUDA file of the
//! package: without this every call was taken to compile every file, and a file that no call
//! names was reported as compiled (grumpkin-msm, sppark). And a helper's parameter that is a
//! builder: `fn compile_cuda(featless: Build)` turns on CUDA in the `cc::Build` it is handed
//! (llama_cpp-rs), so the function is a helper like one that makes its own.

use super::lexed::{FnDef, Lexed};
use super::{Anchor, BuilderKind, Call, Helper, Start, input_literals, literals_bound_to, methods};

/// Where each `cc::Build` that `def` takes as a parameter (by value, `mut` or `&mut`; `cc::Build`
/// or `Build` imported from `cc`) is used as a builder in its body: where the body binds it to
/// a variable (`let mut nvcc = featless;`), or else from the body's start, following the
/// parameter's own name.
pub(super) fn builder_params<'h>(lx: &Lexed<'_>, def: &FnDef<'_>) -> Vec<Anchor<'h>> {
    let mut out = Vec::new();
    for (a, b) in args(lx, def.params) {
        let Some(colon) = (a..b)
            .find(|&k| lx.punct(k, b':') && !lx.path_sep(k) && !(k > 0 && lx.path_sep(k - 1)))
        else {
            continue;
        };
        let Some(name) = colon
            .checked_sub(1)
            .and_then(|k| lx.ident(k).map(|n| (k, n)))
        else {
            continue;
        };
        let mut ty = colon + 1;
        while ty < b && (lx.punct(ty, b'&') || lx.is_ident(ty, "mut")) {
            ty += 1;
        }
        let is_cc_build = match b - ty {
            1 => lx.is_ident(ty, "Build") && lx.imports.get("Build") == Some(&"cc"),
            4 => lx.is_ident(ty, "cc") && lx.path_sep(ty + 1) && lx.is_ident(ty + 3, "Build"),
            _ => false,
        };
        if !is_cc_build {
            continue;
        }
        let bound = (def.open + 1..def.close).find(|&k| {
            lx.is_ident(k, name.1)
                && lx.punct(k + 1, b';')
                && k >= 3
                && lx.punct(k - 1, b'=')
                && (lx.is_ident(k - 3, "let") || lx.is_ident(k - 3, "mut"))
        });
        out.push(Anchor {
            start: Start::Builder(BuilderKind::Cc),
            path: bound.unwrap_or(def.open + 1),
            open: bound.unwrap_or(def.open + 1),
            param: bound.is_none().then_some(name.0),
        });
    }
    out
}

/// The positions of `def`'s parameters that its body hands `cc` as files (`.file(p)`,
/// `.files(&[p])`), when `call` (what the body builds) is a `cc` build. When they are all
/// that made its inputs computed, `call` is marked as not computed: each use supplies them
/// ([`bind`]). For a raw nvcc call, those it hands nvcc as arguments (`.arg(file)`,
/// `.args([cuda_files[0], "-ptx", ..])`: David-OConnor/ewald's `cuda_setup::build_ptx`):
/// each use compiles what it passes there, and nothing the helper computes besides.
pub(super) fn input_params(lx: &Lexed<'_>, def: &FnDef<'_>, call: &mut Call) -> Vec<usize> {
    if call.kind == BuilderKind::Nvcc {
        return nvcc_input_params(lx, def, call);
    }
    if call.kind != BuilderKind::Cc {
        return Vec::new();
    }
    let names = names(lx, def);
    let mut positions = Vec::new();
    let mut otherwise_computed = false;
    let body = methods(lx, &[(def.open + 1, def.close)]);
    for m in body.iter().filter(|m| matches!(m.name, "file" | "files")) {
        for k in m.args.0..m.args.1 {
            if lx.str_value(k).is_some() || plain_punct(lx, k) {
                continue;
            }
            match lx.ident(k).and_then(|n| names.iter().position(|p| *p == n)) {
                Some(p) if !positions.contains(&p) => positions.push(p),
                Some(_) => {}
                None => otherwise_computed |= !bound_literal(lx, k),
            }
        }
    }
    if !positions.is_empty() {
        call.computed_inputs = otherwise_computed;
    }
    positions
}

/// [`input_params`] of a helper whose body runs nvcc: the parameters named in the arguments
/// of its `.arg(..)`/`.args(..)` calls, whole or indexed (`file`, `&file`, `cuda_files[0]`);
/// an output path computed beside them is no input, nor a parameter a method turns into a
/// flag (ewald's `&min_arch.compute_val()`).
fn nvcc_input_params(lx: &Lexed<'_>, def: &FnDef<'_>, call: &mut Call) -> Vec<usize> {
    let names = names(lx, def);
    let mut positions = Vec::new();
    let body = methods(lx, &[(def.open + 1, def.close)]);
    let mut handed: Vec<(usize, usize)> = Vec::new();
    for m in body.iter().filter(|m| matches!(m.name, "arg" | "args")) {
        handed.push(m.args);
        handed.extend(filled(lx, def, &body, m.args, &names));
    }
    for &(from, to) in &handed {
        for k in from..to {
            let named = lx.ident(k).and_then(|n| names.iter().position(|p| *p == n));
            if let Some(p) = named
                && !positions.contains(&p)
                && !lx.punct(k.wrapping_sub(1), b'.')
                && (!lx.punct(k + 1, b'.') || converted(lx, k + 2))
                && !lx.path_sep(k + 1)
                && !in_macro(lx, from, k)
                && !matches!(
                    lx.str_value(k.wrapping_sub(2)),
                    Some("-o" | "--output-file")
                )
            {
                positions.push(p);
            }
        }
    }
    if !positions.is_empty() {
        call.computed_inputs = false;
    }
    positions
}

/// Where the body of `def` fills a local list it hands nvcc in `args` (`.args(&args)` after
/// `let mut args = vec![]; args.extend(&["-c", cu_file, "-o", out])`, AteniaEngine's
/// `compile_cuda_kernel`): the list's initialiser and the arguments of each `push`,
/// `extend`, `extend_from_slice` or `append` on it.
fn filled(
    lx: &Lexed<'_>,
    def: &FnDef<'_>,
    body: &[super::Method<'_>],
    args: (usize, usize),
    params: &[&str],
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for k in args.0..args.1 {
        let Some(local) = lx.ident(k).filter(|n| !params.contains(n)) else {
            continue;
        };
        if lx.punct(k + 1, b'.') || lx.path_sep(k + 1) || lx.punct(k + 1, b'(') {
            continue;
        }
        for at in def.open + 1..def.close {
            let name = if lx.is_ident(at + 1, "mut") {
                at + 2
            } else {
                at + 1
            };
            if lx.is_ident(at, "let") && lx.is_ident(name, local) && lx.punct(name + 1, b'=') {
                out.push((name + 2, lx.stmt_end(name + 2)));
            }
        }
        out.extend(
            body.iter()
                .filter(|m| matches!(m.name, "push" | "extend" | "extend_from_slice" | "append"))
                .filter(|m| m.at >= 2 && lx.is_ident(m.at - 2, local))
                .map(|m| m.args),
        );
    }
    out
}

/// Whether the method at token `at` only converts the path before it (`src.to_str()`,
/// `src.to_string_lossy()`, `src.display()`): the parameter is still what is handed over
/// (gtrak/infers' `src.to_string_lossy().as_ref()`).
pub(super) fn converted(lx: &Lexed<'_>, at: usize) -> bool {
    lx.ident(at).is_some_and(|m| {
        matches!(
            m,
            "to_str" | "to_string_lossy" | "display" | "as_os_str" | "as_ref" | "to_path_buf"
        )
    })
}

/// Whether token `k` lies inside a macro's arguments opened after `from` (`format!("-arch={}",
/// arch)`: the parameter is a part of a flag, no input; infers' arch was read as its file).
fn in_macro(lx: &Lexed<'_>, from: usize, k: usize) -> bool {
    (from..k).any(|o| lx.punct(o, b'(') && o > 0 && lx.punct(o - 1, b'!') && lx.matching(o) > k)
}

/// Whether the statement at `at` names a parameter of the function around it (not `main`):
/// what it runs on is the caller's to say ([`input_params`]).
pub(super) fn names_a_param(lx: &Lexed<'_>, at: usize) -> bool {
    let Some(def) = lx
        .fns()
        .into_iter()
        .filter(|f| f.open < at && at < f.close && f.name != "main")
        .min_by_key(|f| f.close - f.open)
    else {
        return false;
    };
    let names = names(lx, &def);
    (at..lx.stmt_end(at)).any(|k| {
        lx.ident(k).is_some_and(|n| names.contains(&n)) && !lx.punct(k.wrapping_sub(1), b'.')
    })
}

/// What a use of `helper` whose arguments open at `open` passes for its input parameters,
/// as `call`'s inputs (a literal, or a `const` bound to one); anything else is computed.
pub(super) fn bind(lx: &Lexed<'_>, open: usize, helper: &Helper, call: &mut Call) {
    if helper.input_params.is_empty() {
        return;
    }
    let args = args(lx, open);
    for &p in &helper.input_params {
        let Some(&(a, b)) = args.get(p) else {
            call.computed_inputs = true;
            continue;
        };
        let (literals, computed) = input_literals(lx, a, b);
        call.computed_inputs |= computed || literals.is_empty();
        call.inputs.extend(literals.into_iter().map(str::to_owned));
    }
}

/// The names of `def`'s parameters, in order: an identifier before a single `:` at the top
/// level of its parameter list (`mut` and patterns aside; `self` has no `:` and is not one).
fn names<'a>(lx: &Lexed<'a>, def: &FnDef<'a>) -> Vec<&'a str> {
    let close = lx.matching(def.params);
    let mut out = Vec::new();
    let mut depth = 0usize;
    for k in def.params + 1..close {
        if lx.punct(k, b'(') || lx.punct(k, b'[') || lx.punct(k, b'<') {
            depth += 1;
        } else if lx.punct(k, b')') || lx.punct(k, b']') || lx.punct(k, b'>') {
            depth = depth.saturating_sub(1);
        } else if depth == 0
            && lx.punct(k + 1, b':')
            && !lx.path_sep(k + 1)
            && !(k > 0 && lx.path_sep(k - 1))
            && let Some(name) = lx.ident(k)
        {
            out.push(name);
        }
    }
    out
}

/// The argument ranges of the call whose `(` is at `open`, split at its top-level commas.
pub(super) fn args(lx: &Lexed<'_>, open: usize) -> Vec<(usize, usize)> {
    let close = lx.matching(open);
    let mut out = Vec::new();
    let mut start = open + 1;
    let mut depth = 0usize;
    for k in open + 1..close {
        if lx.punct(k, b'(') || lx.punct(k, b'[') || lx.punct(k, b'{') {
            depth += 1;
        } else if lx.punct(k, b')') || lx.punct(k, b']') || lx.punct(k, b'}') {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && lx.punct(k, b',') {
            out.push((start, k));
            start = k + 1;
        }
    }
    if start < close {
        out.push((start, close));
    }
    out
}

/// Punctuation an argument list of paths is made of: `&`, `[`, `]`, `,`.
fn plain_punct(lx: &Lexed<'_>, k: usize) -> bool {
    [b'&', b'[', b']', b','].iter().any(|&b| lx.punct(k, b))
}

/// Whether the identifier at `k` is a name bound to a literal (`const KERNEL: &str = "k.cu"`).
fn bound_literal(lx: &Lexed<'_>, k: usize) -> bool {
    lx.ident(k)
        .is_some_and(|name| !literals_bound_to(lx, name).is_empty())
}
