//! Builder types of the workspace's own: risc0's `KernelBuild`, whose `compile` runs `cc` with
//! `.cuda(true)` through `self.compile_cuda(..)`. A method that builds GPU code is a helper
//! like a free function, called through `self.` from its type's other methods
//! ([`super::Helper::owner`] names the type); `T::new(..)` in a build script then starts a
//! build when its chain or variable calls one of `T`'s helper methods. The call goes through
//! that method, with what the chain names (`.files([..])`, `.flag(..)`, `.include(..)`, read as
//! `cc`'s are, and `.source_files(..)`, `.include_path(..)` as cudaforge's are: baracuda-forge,
//! a fork of it); what the method reads from `self` is what the chain set, not a computed input.

use super::cc_chain::cc_methods;
use super::lexed::{FnDef, Lexed};
use super::{
    Anchor, BuilderKind, Call, Helper, Helpers, Start, crate_builder_methods, extent, methods,
};
use gate_support::lexer::TokenKind;

/// The type of the `impl` block `def` lies in (`impl KernelBuild {`, `impl<T> Trait for
/// Foo<T> {` → `Foo`), when it is a method.
pub(super) fn impl_type<'a>(lx: &Lexed<'a>, def: &FnDef<'_>) -> Option<&'a str> {
    let mut found = None;
    for i in (0..def.open).filter(|&i| lx.is_ident(i, "impl")) {
        let Some(open) = (i + 1..def.open).find(|&k| lx.punct(k, b'{')) else {
            continue;
        };
        if lx.matching(open) < def.close {
            continue;
        }
        found = header_type(lx, i + 1, open);
    }
    found
}

/// A call of a helper at `i` (not a method, not its definition; a qualifier must be a
/// module: lowercase), with the helper and the `(`.
pub(super) fn helper_use<'h>(
    lx: &Lexed<'_>,
    i: usize,
    helpers: &'h Helpers,
) -> Option<(&'h Helper, usize)> {
    if helpers.is_empty() || !lx.punct(i + 1, b'(') {
        return None;
    }
    let name = lx.ident(i)?;
    let prev = i.checked_sub(1);
    // A method that builds is used through `self.` (from its type's other methods), and only so.
    if prev.is_some_and(|p| lx.punct(p, b'.')) {
        let helper = helpers.get(name, None)?;
        let on_self = i >= 2 && lx.is_ident(i - 2, "self");
        return (on_self && helper.owner.is_some()).then_some((helper, i + 1));
    }
    if prev.is_some_and(|p| lx.is_ident(p, "fn")) {
        return None;
    }
    let qualifier = if i >= 3 && lx.path_sep(i - 2) {
        let q = lx.ident(i - 3)?;
        if !q.starts_with(|c: char| c.is_ascii_lowercase()) {
            return None;
        }
        Some(q)
    } else {
        // `use helper_crate::build::ccmd;` then `ccmd()`: the crate it came from.
        lx.imports.get(name).copied()
    };
    helpers
        .get(name, qualifier)
        .filter(|h| h.owner.is_none())
        .map(|h| (h, i + 1))
}

/// The implementing type in an `impl` header `from..open`: the last name at the top level
/// (outside `<..>`) before `where`, after `for` when there is one.
fn header_type<'a>(lx: &Lexed<'a>, from: usize, open: usize) -> Option<&'a str> {
    let mut depth = 0usize;
    let mut ty = None;
    for k in from..open {
        match lx.toks[k].kind {
            TokenKind::Punct(b'<') => depth += 1,
            TokenKind::Punct(b'>') => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ if lx.is_ident(k, "where") => break,
            _ if lx.is_ident(k, "for") => ty = None,
            _ => ty = lx.ident(k).or(ty),
        }
    }
    ty
}

/// A `T::new(` / `T::default(` at `i`, `T` a builder type among `helpers`, whose chain or
/// variable calls one of `T`'s helper methods: the anchor of a call through that method.
pub(super) fn type_builder_at<'h>(
    lx: &Lexed<'_>,
    i: usize,
    helpers: &'h Helpers,
) -> Option<Anchor<'h>> {
    let ty = lx.ident(i)?;
    if !lx.path_sep(i + 1)
        || !matches!(lx.ident(i + 3), Some("new" | "default"))
        || !lx.punct(i + 4, b'(')
        || !helpers.iter().any(|h| h.owner.as_deref() == Some(ty))
    {
        return None;
    }
    let path = lx.path_start(i);
    let called = methods(lx, &extent(lx, path)).into_iter().find_map(|m| {
        helpers
            .iter()
            .find(|h| h.owner.as_deref() == Some(ty) && h.name == m.name)
    })?;
    Some(Anchor {
        start: Start::Helper(called),
        path,
        open: i + 4,
        param: None,
    })
}

/// `call`, through a builder type's method, as the chain at `anchor` makes it: computed only
/// where the chain's own `.file`/`.files` are (the method reads them from `self`). `None`
/// when it builds no GPU code: its constructor names a variant the method sends to no GPU
/// build (`KernelBuild::new(KernelType::Metal, ..)`), or every input is a literal and none is
/// CUDA or PTX (risc0's C++ builds of the same type), for a build of CUDA sources.
pub(super) fn through_type(lx: &Lexed<'_>, anchor: &Anchor<'_>, mut call: Call) -> Option<Call> {
    if let Start::Helper(h) = anchor.start
        && (anchor.open..lx.matching(anchor.open))
            .filter_map(|k| lx.ident(k))
            .any(|word| h.other_variants.iter().any(|v| v == word))
    {
        return None;
    }
    let mut own = Call::new(BuilderKind::Cc, call.line);
    let (rust, computed) = (call.kind == BuilderKind::RustNvptx, call.computed_inputs);
    let chain = methods(lx, &extent(lx, anchor.path));
    cc_methods(lx, &chain, &mut own);
    // A chain in cudaforge's words (baracuda-forge's `.source_files(kernels.iter().map(..))`,
    // `.include_path("kernels/include")`): what it names is compiled, computed or not.
    crate_builder_methods(lx, &chain, false, &mut own);
    call.computed_inputs = own.computed_inputs;
    for (from, to) in [
        (own.inputs, &mut call.inputs),
        (own.include_dirs, &mut call.include_dirs),
    ] {
        for item in from {
            if !to.contains(&item) {
                to.push(item);
            }
        }
    }
    // A Rust kernel's build names no CUDA source: it builds GPU code whatever the chain names
    // (warp-types' `WarpBuilder::new("sat-kernels").build()`), what it computes computed.
    if rust {
        call.computed_inputs |= computed && call.inputs.is_empty();
        return Some(call);
    }
    let gpu = |input: &String| {
        [".cu", ".cuh", ".ptx", ".cubin", ".fatbin"]
            .iter()
            .any(|ext| input.ends_with(ext))
    };
    (call.computed_inputs || call.inputs.iter().any(gpu)).then_some(call)
}

/// The variants (`Cpp` in `KernelType::Cpp => self.compile_cpp(out)`) of the arms of `def`'s
/// `match` that build no GPU code, when another arm does (`builds` says of a token range).
pub(super) fn other_variants(
    lx: &Lexed<'_>,
    def: &FnDef<'_>,
    builds: &dyn Fn((usize, usize)) -> bool,
) -> Vec<String> {
    let (mut gpu, mut other) = (false, Vec::new());
    for arrow in (def.open + 1..def.close).filter(|&k| lx.punct(k, b'=') && lx.punct(k + 1, b'>')) {
        let Some(variant) = arrow.checked_sub(1).and_then(|k| lx.ident(k)) else {
            continue;
        };
        if !(arrow >= 3 && lx.path_sep(arrow - 3)) {
            continue;
        }
        let end = arm_end(lx, arrow + 2, def.close);
        match builds((arrow + 2, end)) {
            true => gpu = true,
            false => other.push(variant.to_owned()),
        }
    }
    if gpu { other } else { Vec::new() }
}

/// Where the arm whose body starts at `start` ends: its block's `}`, or the `,` (or the
/// match's `}`) after its expression.
fn arm_end(lx: &Lexed<'_>, start: usize, limit: usize) -> usize {
    if lx.punct(start, b'{') {
        return lx.matching(start);
    }
    let mut depth = 0usize;
    for k in start..limit {
        match lx.toks[k].kind {
            TokenKind::Punct(b'(' | b'[' | b'{') => depth += 1,
            TokenKind::Punct(b')' | b']' | b'}') if depth == 0 => return k,
            TokenKind::Punct(b')' | b']' | b'}') => depth -= 1,
            TokenKind::Punct(b',') if depth == 0 => return k,
            _ => {}
        }
    }
    limit
}
