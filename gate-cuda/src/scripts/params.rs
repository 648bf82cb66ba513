//! A build-script helper's parameters that name what it compiles: `fn compile_cuda(file:
//! &str)` whose body hands `file` to `cc`'s `.file(..)`. Each call of the helper compiles
//! the literal it passes there (`compile_cuda("cuda/bn254.cu")`), not every CUDA file of the
//! package: without this every call was taken to compile every file, and a file that no call
//! names was reported as compiled (grumpkin-msm, sppark).

use super::lexed::{FnDef, Lexed};
use super::{BuilderKind, Call, Helper, input_literals, literals_bound_to, methods};

/// The positions of `def`'s parameters that its body hands `cc` as files (`.file(p)`,
/// `.files(&[p])`), when `call` (what the body builds) is a `cc` build. When they are all
/// that made its inputs computed, `call` is marked as not computed: each use supplies them
/// ([`bind`]).
pub(super) fn input_params(lx: &Lexed<'_>, def: &FnDef<'_>, call: &mut Call) -> Vec<usize> {
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
fn args(lx: &Lexed<'_>, open: usize) -> Vec<(usize, usize)> {
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
