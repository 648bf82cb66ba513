//! The directories a build script walks to hand nvcc (or cc) its files one at a time:
//! `for entry in WalkDir::new("../math/src/gpu/cuda/shaders")` (lambdaworks),
//! `std::fs::read_dir(dir)`, `glob("kernels/**/*.cu")`. A call whose input is computed
//! (`.arg(entry.path())`) compiles what the walks of its own function find; the walk's root,
//! a literal or a name bound to one, becomes its input (a directory or a glob, relative to
//! the package, as every input is). Without a walk there, what a function of the script
//! returns from its walk (`fn find_files(dir: &str) -> Vec<PathBuf>` over `WalkDir::new(dir)`,
//! called as `find_files("src/kernels", "cu")`: RustInfer) is what it compiles, the root the
//! literal passed for the parameter. What a walk's filters leave out (`.filter_entry(|e|
//! e.file_name() != "arch")`) the call does not compile (`scripts/walk_filters.rs`). Without
//! a walk in the script, a raw nvcc call handed its file from a table the script writes out
//! (`const`, `static` or `let`) compiles the `.cu` files that table names (and writes the PTX
//! it names).

use super::lexed::{FnDef, Lexed};
use super::{Call, binding, literal_input, params};
use gate_formats::kernel_bom::BuilderKind;

/// A raw nvcc or cc call at token `at` whose file is computed, handed over one at a time from
/// a walk of a directory (`.arg(entry.path())`): what the walk finds is what it compiles.
pub(super) fn walked_inputs(lx: &Lexed<'_>, at: usize, call: &mut Call) {
    if !call.computed_inputs || !matches!(call.kind, BuilderKind::Nvcc | BuilderKind::Cc) {
        return;
    }
    let mut walked = walked(lx, at);
    if walked.is_empty() {
        walked = listed(lx, at);
    }
    if !walked.is_empty() {
        for walk in walked {
            call.inputs.push(walk.root);
            call.excludes.extend(walk.skipped);
        }
        call.computed_inputs = false;
        return;
    }
    // No walk: a raw nvcc call handed its file from a table the script writes out
    // (vllm-rust's `const KERNELS: &[KernelDef]` of `source: "kernels/a.cu"`, a `vec!` of
    // tuples) compiles the CUDA files the script names, and no other.
    // Not where the call runs on what its function is handed: each caller says what.
    if call.kind == BuilderKind::Nvcc && !walks_anywhere(lx) && !params::names_a_param(lx, at) {
        let named = named_sources(lx);
        if !named.is_empty() {
            // Entries joined to a directory where the call takes them
            // (`.arg(PathBuf::from("kernels").join(f))`: aici's tch-cuda) lie in it.
            let dir = joined_dir(lx, at);
            call.inputs.extend(named.into_iter().map(|entry| match dir {
                Some(dir) if !entry.starts_with(&format!("{dir}/")) => format!("{dir}/{entry}"),
                _ => entry,
            }));
            call.computed_inputs = false;
            call.tabled = true;
        }
    }
}

/// The directory the statement at `at` joins a computed name to: the literal of
/// `PathBuf::from("dir").join(…)` or `Path::new("dir").join(…)`.
fn joined_dir<'a>(lx: &Lexed<'a>, at: usize) -> Option<&'a str> {
    let end = lx.stmt_end(at);
    (at..end).find_map(|k| {
        let joined = lx.punct(k + 1, b')') && lx.punct(k + 2, b'.') && lx.is_ident(k + 3, "join");
        let dir = lx.str_value(k).filter(|_| joined)?;
        (literal_input(dir) && !dir.ends_with(".cu")).then(|| dir.trim_end_matches('/'))
    })
}

/// Whether the script walks a directory anywhere (a file it names may then be one a walk
/// leaves out, not one it compiles).
fn walks_anywhere(lx: &Lexed<'_>) -> bool {
    (0..lx.toks.len()).any(|k| walks_at(lx, k).is_some())
}

/// The CUDA sources (and the GPU code written from them) the script writes out as data:
/// literal paths (`"kernels/a.cu"`, `"kernels/a.ptx"`; not a
/// template or a bare extension) in the value of a `const`, `static` or `let`, in order, once
/// each. A literal handed to another builder's method (`.file("a.cu")` of a `cc` build) or
/// printed (`cargo:rerun-if-changed=a.cu`) is none.
fn named_sources(lx: &Lexed<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut k = 0;
    while k < lx.toks.len() {
        let binds = ["const", "static", "let"].iter().any(|w| lx.is_ident(k, w))
            && !lx.is_ident(k + 1, "fn");
        if !binds {
            k += 1;
            continue;
        }
        let end = lx.stmt_end(k).max(k + 1);
        for (_, s) in lx.strs(k, end) {
            // The sources, and the PTX (cubin, fatbin) written where the table says: a
            // tracked copy of it is this call's product.
            let gpu = s.ends_with(".cu") || crate::includes::is_gpu_artifact(s);
            let path = gpu && !s.contains([':', '=', ' ']);
            if path && literal_input(s) && !out.iter().any(|o| o == s) {
                out.push(s.to_owned());
            }
        }
        k = end;
    }
    out
}

/// The functions that walk a directory, by the name called (`WalkDir::new`, `read_dir`,
/// `glob`, and glob's `glob_with`).
fn walks_at(lx: &Lexed<'_>, k: usize) -> Option<usize> {
    let open = match lx.ident(k)? {
        "WalkDir" if lx.path_sep(k + 1) && lx.is_ident(k + 3, "new") => k + 4,
        "read_dir" | "glob" | "glob_with" if !lx.punct(k.wrapping_sub(1), b'.') => k + 1,
        _ => return None,
    };
    lx.punct(open, b'(').then_some(open)
}

/// Whether the innermost function around token `at` walks a literal directory (a call there
/// handed a computed file may be handed what the walk finds).
pub(super) fn walks_for(lx: &Lexed<'_>, at: usize) -> bool {
    !walked(lx, at).is_empty()
}

/// Whether the command bound at token `at` (`let mut cmd = Command::new("nvcc")`) is handed
/// something inside a `for` loop of its function (`for e in WalkDir::new("cuda") {
/// cmd.arg(e.path()); }`, del-cudarc-sys): what a walk finds may reach it one file at a time.
/// A command handed only a list made beforehand (aici's `nvcc --lib` over the objects an
/// earlier nvcc of the same function compiled, both bound to `command`) is not.
pub(super) fn fed_in_a_loop(lx: &Lexed<'_>, at: usize) -> bool {
    let Some(name) = at
        .checked_sub(2)
        .filter(|_| lx.punct(at - 1, b'='))
        .and_then(|n| lx.ident(n))
    else {
        return false;
    };
    let fns = lx.fns();
    let Some(def) = innermost(&fns, at) else {
        return false;
    };
    let fed = |j: usize| {
        lx.is_ident(j, name)
            && lx.punct(j + 1, b'.')
            && matches!(lx.ident(j + 2), Some("arg" | "args"))
    };
    // A loop after the binding that does not bind the name again (a command of its own).
    let binds =
        |j: usize| lx.is_ident(j, "let") && (lx.is_ident(j + 1, name) || lx.is_ident(j + 2, name));
    (at..def.close)
        .filter(|&k| lx.is_ident(k, "for"))
        .filter_map(|k| loop_body(lx, k, def.close))
        .any(|(open, close)| (open..close).any(fed) && !(open..close).any(binds))
}

/// The braces of the body of the `for` loop at token `k`: the first `{` after it outside the
/// parentheses and brackets of its header (a closure there has its own).
fn loop_body(lx: &Lexed<'_>, k: usize, end: usize) -> Option<(usize, usize)> {
    let mut j = k + 1;
    while j < end {
        if lx.punct(j, b'(') || lx.punct(j, b'[') {
            j = lx.matching(j) + 1;
            continue;
        }
        if lx.punct(j, b'{') {
            return Some((j, lx.matching(j)));
        }
        j += 1;
    }
    None
}

/// A walk of a directory the script writes out: its root, and the globs (below the package)
/// of what its filters leave out.
#[derive(Debug)]
struct Walk {
    /// The directory walked, as written (relative to the package).
    root: String,
    /// What its filters leave out: globs of the path below the package.
    skipped: Vec<String>,
}

/// The walks with a literal root in the innermost function around token `at` (none when it
/// is in no function, or a walk's root is computed).
fn walked(lx: &Lexed<'_>, at: usize) -> Vec<Walk> {
    let fns = lx.fns();
    innermost(&fns, at).map_or_else(Vec::new, |def| roots(lx, def, &[]))
}

/// The walks of the functions of the script that return what they walk (`fn find_files(dir:
/// &str) -> Vec<PathBuf>` over `WalkDir::new(dir)`), called in the innermost function around
/// token `at`, each root the literal the call passes for it (`find_files("src/kernels",
/// "cu")`). None where a root of one of them is computed: the call may compile it too.
fn listed(lx: &Lexed<'_>, at: usize) -> Vec<Walk> {
    let fns = lx.fns();
    let Some(def) = innermost(&fns, at) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for k in def.open..def.close {
        let called = lx.punct(k + 1, b'(')
            && !lx.punct(k.wrapping_sub(1), b'.')
            && !lx.path_sep(k.wrapping_sub(2));
        let Some(lister) = fns
            .iter()
            .filter(|f| called && f.open != def.open && lx.is_ident(k, f.name))
            .find(|f| returns_a_value(lx, f))
        else {
            continue;
        };
        let walks = (lister.open..lister.close)
            .filter(|&j| walks_at(lx, j).is_some())
            .count();
        if walks == 0 {
            continue;
        }
        let given = params::args(lx, k + 1);
        let bound: Vec<(&str, &str)> = param_names(lx, lister)
            .into_iter()
            .zip(given)
            .filter_map(|(name, (a, b))| Some((name?, root(lx, a, b, &[])?)))
            .collect();
        let found = roots(lx, lister, &bound);
        if found.len() != walks {
            return Vec::new();
        }
        out.extend(found);
    }
    out
}

/// Whether function `def` returns a value (`-> Vec<PathBuf>`).
fn returns_a_value(lx: &Lexed<'_>, def: &FnDef<'_>) -> bool {
    (lx.matching(def.params)..def.open).any(|k| lx.punct(k, b'-') && lx.punct(k + 1, b'>'))
}

/// The names of `def`'s parameters, in order (`None` for one that is a pattern or `self`).
fn param_names<'a>(lx: &Lexed<'a>, def: &FnDef<'_>) -> Vec<Option<&'a str>> {
    params::args(lx, def.params)
        .into_iter()
        .map(|(a, b)| {
            let colon = (a..b).find(|&k| lx.punct(k, b':') && !lx.path_sep(k))?;
            lx.ident(colon.checked_sub(1)?).filter(|_| colon > a)
        })
        .collect()
}

/// The innermost of `fns` whose body holds token `at`.
fn innermost<'f, 'a>(fns: &'f [FnDef<'a>], at: usize) -> Option<&'f FnDef<'a>> {
    fns.iter()
        .filter(|f| f.open < at && at < f.close)
        .min_by_key(|f| f.close - f.open)
}

/// The walks in the body of `def` whose root is written out, `params` the literals its
/// parameters are bound to; with what a `WalkDir`'s filters leave out.
fn roots(lx: &Lexed<'_>, def: &FnDef<'_>, params: &[(&str, &str)]) -> Vec<Walk> {
    let mut out = Vec::new();
    for k in def.open..def.close {
        let Some(open) = walks_at(lx, k) else {
            continue;
        };
        let close = lx.matching(open);
        if let Some(root) = root(lx, open + 1, close, params) {
            let skipped = if lx.is_ident(k, "WalkDir") {
                super::walk_filters::skipped(lx, close, root)
            } else {
                Vec::new()
            };
            out.push(Walk {
                root: root.to_owned(),
                skipped,
            });
        }
    }
    out
}

/// The one literal of a walk's first argument (`"dir"`, `Path::new("dir")`, `&dir` with `let
/// dir = "dir"`, or a parameter `dir` that `params` binds to one), or `None`.
fn root<'a>(lx: &Lexed<'a>, a: usize, b: usize, params: &[(&str, &'a str)]) -> Option<&'a str> {
    let end = (a..b).find(|&k| lx.punct(k, b',')).unwrap_or(b);
    let single = |lits: Vec<(usize, &'a str)>| match lits.as_slice() {
        [(_, s)] if literal_input(s) => Some(*s),
        _ => None,
    };
    let direct = lx.strs(a, end);
    if !direct.is_empty() {
        return single(direct);
    }
    let mut k = a;
    while lx.punct(k, b'&') {
        k += 1;
    }
    let name = lx.ident(k).filter(|_| k + 1 == end)?;
    if let Some(&(_, given)) = params.iter().find(|(p, _)| *p == name) {
        return Some(given);
    }
    bound_literal(lx, name).filter(|s| literal_input(s))
}

/// The literal the first `let`, `const` or `static` of the file that binds `name` binds it
/// to, when the bound value is that literal alone (`let dir = "../k";`, not
/// `let dir = env::var("DIR")`).
fn bound_literal<'a>(lx: &Lexed<'a>, name: &str) -> Option<&'a str> {
    let at = binding(lx, name)?;
    let end = lx.stmt_end(at);
    let eq = (at..end).find(|&k| lx.punct(k, b'='))?;
    (eq + 2 == end).then(|| lx.str_value(eq + 1)).flatten()
}
