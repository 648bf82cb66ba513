//! Where Rust code compiles CUDA at run time with NVRTC.
//!
//! Recognised by what the code calls, not by one crate's spelling:
//! - the NVRTC C API's compile (`nvrtcCompileProgram`, through any path or handle:
//!   `sys::nvrtcCompileProgram(..)`, `lib().nvrtcCompileProgram(..)`);
//! - cudarc's convenience functions `compile_ptx` / `compile_ptx_with_opts`, however imported
//!   (a function of the file's own by that name, called unqualified, is not one);
//! - any function whose name says it compiles (`compile_program`, `compile`) called through a
//!   path into an `nvrtc` module (`cudarc::nvrtc::result::compile_program(..)`), or through a
//!   name a `use` brought in from one (`use cudarc::nvrtc::result;` then
//!   `result::compile_program(..)`; `use nvrtc::result::compile_program;` then
//!   `compile_program(..)`);
//! - a mention of `nvrtc::Program` (the safe wrapper's type), or of `Program::` where a `use`
//!   brought it in from an `nvrtc` module.
//!
//! `Ptx::from_src` is no NVRTC use (it loads PTX text already compiled). Code in `use`
//! declarations, `fn` definitions and `#[cfg(test)]` items is skipped.

use gate_support::lexer::TokenKind;
use std::collections::HashMap;

use super::guards::Guards;
use super::lexed::{Lexed, RustFile, contains_any};

/// Places where code compiles CUDA at run time with NVRTC (see the module's text): 1-based line
/// and the path as written (`cudarc::nvrtc::compile_ptx`); one per line.
pub fn nvrtc_uses(file: &RustFile<'_>) -> Vec<(u32, String)> {
    nvrtc_uses_switched(file)
        .into_iter()
        .map(|(line, path, _)| (line, path))
        .collect()
}

/// [`nvrtc_uses`], each with the feature that switches it on in this file, when one does: the
/// `#[cfg(feature = "cuda")]` on the item around it (luminal's `fn compile_kernels`), or an
/// `if cfg!(feature = "cuda")` block. A module the crate declares under a feature is
/// [`gated_modules`]'s.
pub fn nvrtc_uses_switched(file: &RustFile<'_>) -> Vec<(u32, String, Option<String>)> {
    nvrtc_use_sites(file)
        .into_iter()
        .map(|u| (u.line, u.path, u.switch))
        .collect()
}

/// One NVRTC use of [`nvrtc_use_sites`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NvrtcUse {
    /// 1-based line.
    pub line: u32,
    /// The path as written (`cudarc::nvrtc::compile_ptx`).
    pub path: String,
    /// The features around it in this file, joined by ` and `.
    pub switch: Option<String>,
    /// The names its arguments hold (`compile_ptx(kernel_src)`: `kernel_src`): which
    /// embedded source it compiles, where one is bound to a name.
    pub names: Vec<String>,
}

/// [`nvrtc_uses_switched`] with the names each call's arguments hold.
pub fn nvrtc_use_sites(file: &RustFile<'_>) -> Vec<NvrtcUse> {
    if !contains_any(file.text, &["nvrtc", "compile_ptx"]) {
        return Vec::new();
    }
    let lx = Lexed::new(file.text);
    let guards = Guards::new(&lx);
    let mut skip = lx.use_ranges();
    let into_nvrtc = names_into_nvrtc(&lx, &skip);
    // Code under `#[cfg(test)]` does not ship.
    skip.extend(lx.test_ranges());
    let mut out: Vec<NvrtcUse> = Vec::new();
    for i in 0..lx.toks.len() {
        let loaded = loads_nvrtc(&lx, i);
        let Some(word) = lx.ident(i).or(loaded) else {
            continue;
        };
        let used = loaded.is_some() || is_use(&lx, i, word, &into_nvrtc);
        if !used || skip.iter().any(|&(a, b)| a <= i && i < b) {
            continue;
        }
        let line = lx.toks[i].line;
        if out.last().is_some_and(|u| u.line == line) {
            continue;
        }
        let around = guards.all_at(i);
        // The argument list: `(` right after the name, or after a turbofish.
        let open = (i + 1..lx.toks.len().min(i + 8)).find(|&k| lx.punct(k, b'('));
        let names = open
            .map(|o| {
                (o + 1..lx.matching(o))
                    .filter_map(|k| lx.ident(k))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        out.push(NvrtcUse {
            line,
            path: match loaded {
                Some(symbol) => symbol.to_owned(),
                None => lx.path_text(lx.path_start(i), i),
            },
            switch: (!around.is_empty()).then(|| around.join(" and ")),
            names,
        });
    }
    out
}

/// `nvrtcCompileProgram` where the literal at `i` names that symbol (a byte string or a
/// string: `lib.get(b"nvrtcCompileProgram\0")`): the workspace loads NVRTC itself
/// (libloading, AteniaEngine's `NvrtcCompiler`), and what it hands that function is compiled
/// at run time.
fn loads_nvrtc(lx: &Lexed<'_>, i: usize) -> Option<&'static str> {
    let t = lx.toks.get(i)?;
    let literal = matches!(
        t.kind,
        TokenKind::Str | TokenKind::RawStr | TokenKind::Literal
    );
    let named = t
        .text
        .trim_start_matches(['b', 'c', 'r', '#'])
        .trim_start_matches('"');
    // The symbol a loader is asked for (`lib.get(..)`, `lib.get::<F>(..)`, `dlsym(h, ..)`,
    // `GetProcAddress(h, ..)`), not the name written anywhere else (a tool that reads such
    // code, as this one, matches on it).
    let open = (i.saturating_sub(4)..i)
        .rev()
        .find(|&k| lx.punct(k, b'('))?;
    let loader = (open.saturating_sub(6)..open).any(|k| {
        matches!(
            lx.ident(k),
            Some("get" | "dlsym" | "GetProcAddress" | "get_symbol")
        )
    });
    (literal && loader && named.starts_with("nvrtcCompileProgram")).then_some("nvrtcCompileProgram")
}

/// The modules a file declares under a feature (`#[cfg(feature = "cuda-runtime")] pub mod
/// gpu_sumcheck;`, stwo-ml's): each module's name and `feature "x"`. Every file of such a
/// module compiles only with that feature.
pub fn gated_modules(file: &RustFile<'_>) -> Vec<(String, String)> {
    if !contains_any(file.text, &["feature"]) {
        return Vec::new();
    }
    let lx = Lexed::new(file.text);
    let guards = Guards::new(&lx);
    (0..lx.toks.len())
        .filter(|&i| lx.is_ident(i, "mod") && lx.punct(i + 2, b';'))
        .filter_map(|i| Some((lx.ident(i + 1)?.to_owned(), guards.at(i)?.to_owned())))
        .collect()
}

/// A CUDA source the code reads at run time at token `i` (`fs::read_to_string(dir.join(
/// "kernel.cu"))` after `let dir = current_dir()?.join("cuda")`, KerrTrace's), for NVRTC to
/// compile: the path's literal pieces, those of a name the call hands over first (bound in
/// this file), joined. Read from the working directory, where the program is run, so it is
/// matched below the package's directory at any depth (`**/cuda/kernel.cu`): a source
/// shipped beside the binary.
fn read_at_run_time(lx: &Lexed<'_>, i: usize) -> Option<Embedded> {
    if !lx.is_ident(i, "read_to_string") || !lx.punct(i + 1, b'(') {
        return None;
    }
    let close = lx.matching(i + 1);
    let mut pieces: Vec<&str> = Vec::new();
    for k in i + 2..close {
        let named = lx.ident(k).filter(|_| {
            !lx.punct(k.wrapping_sub(1), b'.') && !lx.punct(k + 1, b'(') && !lx.path_sep(k + 1)
        });
        if let Some(name) = named {
            pieces.extend(
                super::literals_bound_to(lx, name)
                    .into_iter()
                    .map(|(_, s)| s),
            );
        }
        pieces.extend(lx.str_value(k));
    }
    let last = pieces.last()?;
    let source = last.ends_with(".cu") || last.ends_with(".cuh");
    if !source || pieces.iter().any(|p| p.contains(['{', ' ', '*'])) {
        return None;
    }
    let joined: Vec<&str> = pieces
        .iter()
        .flat_map(|p| p.split('/'))
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let (bound, seen) = bound_to(lx, i).map_or((None, None), |(b, s)| (Some(b), s));
    Some(Embedded {
        line: lx.toks[i].line,
        path: format!("**/{}", joined.join("/")),
        from_manifest_dir: true,
        bound,
        seen,
    })
}

/// The name the statement holding token `i` binds (`const NAME`, `static NAME`, `let [mut]
/// NAME`), when `i` lies in its initialiser; with, for a `let`, the lines the name is seen on:
/// from the statement to the end of the block around it (a `const` or `static`: everywhere).
fn bound_to(lx: &Lexed<'_>, i: usize) -> Option<(String, Option<(u32, u32)>)> {
    let start = (0..i)
        .rev()
        .find(|&k| lx.punct(k, b';') || lx.punct(k, b'{') || lx.punct(k, b'}'))
        .map_or(0, |k| k + 1);
    let keyword = (start..i).find(|&k| matches!(lx.ident(k), Some("const" | "static" | "let")))?;
    let name = if lx.is_ident(keyword + 1, "mut") {
        keyword + 2
    } else {
        keyword + 1
    };
    let assigned = (name..i).any(|k| lx.punct(k, b'=') && !lx.punct(k + 1, b'='));
    let name = assigned
        .then(|| lx.ident(name).map(str::to_owned))
        .flatten()?;
    let seen = lx.is_ident(keyword, "let").then(|| {
        let last = lx.toks.len() - 1;
        let end = block_around(lx, keyword).map_or(last, |open| lx.matching(open).min(last));
        (lx.toks[keyword].line, lx.toks[end].line)
    });
    Some((name, seen))
}

/// The `{` of the innermost block that holds token `i`, when one does.
fn block_around(lx: &Lexed<'_>, i: usize) -> Option<usize> {
    let mut depth = 0usize;
    for k in (0..i).rev() {
        if lx.punct(k, b'}') {
            depth += 1;
        } else if lx.punct(k, b'{') {
            if depth == 0 {
                return Some(k);
            }
            depth -= 1;
        }
    }
    None
}

/// The modules a file declares out of line under `#[cfg(test)]` (`#[cfg(test)] mod test;`,
/// ZLUDA's): every file of such a module is test code, as an inline `mod tests { .. }` is.
pub fn test_modules(file: &RustFile<'_>) -> Vec<String> {
    if !contains_any(file.text, &["cfg(test)"]) {
        return Vec::new();
    }
    let lx = Lexed::new(file.text);
    (0..lx.toks.len())
        .filter(|&i| lx.is_ident(i, "mod") && lx.punct(i + 2, b';'))
        .filter(|&i| under_cfg_test(&lx, i))
        .filter_map(|i| Some(lx.ident(i + 1)?.to_owned()))
        .collect()
}

/// Whether the item whose keyword is at `i` carries `#[cfg(test)]` among the attributes and
/// visibility before it.
fn under_cfg_test(lx: &Lexed<'_>, mut i: usize) -> bool {
    while i > 0 {
        let k = i - 1;
        if lx.is_ident(k, "pub") {
            i = k;
        } else if lx.punct(k, b')') && lx.is_ident(lx_open(lx, k).wrapping_sub(1), "pub") {
            i = lx_open(lx, k) - 1;
        } else if lx.punct(k, b']') {
            let open = lx_open(lx, k);
            if open == 0 || !lx.punct(open - 1, b'#') {
                return false;
            }
            if lx.is_ident(open + 1, "cfg")
                && lx.punct(open + 2, b'(')
                && lx.is_ident(open + 3, "test")
                && lx.punct(open + 4, b')')
            {
                return true;
            }
            i = open - 1;
        } else {
            return false;
        }
    }
    false
}

/// The index of the bracket that the closing one at `close` matches.
fn lx_open(lx: &Lexed<'_>, close: usize) -> usize {
    (0..close)
        .rev()
        .find(|&k| (lx.punct(k, b'[') || lx.punct(k, b'(')) && lx.matching(k) == close)
        .unwrap_or(close)
}

/// Whether the identifier `word` at `i` is an NVRTC use.
fn is_use(lx: &Lexed<'_>, i: usize, word: &str, into_nvrtc: &HashMap<&str, &str>) -> bool {
    let called = lx.punct(i + 1, b'(') || lx.path_sep(i + 1);
    let defined = lx.is_ident(i.wrapping_sub(1), "fn");
    let method = lx.punct(i.wrapping_sub(1), b'.');
    let compiles = |name: &str| name.to_ascii_lowercase().contains("compile");
    // A name imported from an NVRTC module under another name (`compile_program as build`).
    let original = into_nvrtc.get(word).copied().unwrap_or(word);
    match original {
        "nvrtcCompileProgram" => called && !defined,
        "compile_ptx" | "compile_ptx_with_opts" => {
            called && !defined && !method && !own_function(lx, i, word, into_nvrtc)
        }
        // `nvrtc::Program`, or `Program::new(..)` after `use cuda::nvrtc::Program;` (optix-rs'
        // examples).
        "Program" => {
            (i >= 3 && lx.path_sep(i - 2) && lx.is_ident(i - 3, "nvrtc"))
                || (into_nvrtc.contains_key(word) && lx.path_sep(i + 1) && !defined)
        }
        _ if compiles(original) => {
            if !called_with_args(lx, i) || defined || method {
                return false;
            }
            let start = lx.path_start(i);
            let through_nvrtc = (start..i).filter_map(|k| lx.ident(k)).any(is_nvrtc_module);
            through_nvrtc
                || lx
                    .ident(start)
                    .is_some_and(|first| into_nvrtc.contains_key(first))
        }
        _ => false,
    }
}

/// Whether the unqualified `word` called at `i` is a function of the file's own that no `use`
/// of an NVRTC module names: a build script's `fn compile_ptx(src: &str, out: &str)` running
/// nvcc, which shadows a glob import, is no NVRTC.
fn own_function(lx: &Lexed<'_>, i: usize, word: &str, into_nvrtc: &HashMap<&str, &str>) -> bool {
    lx.path_start(i) == i
        && !into_nvrtc.contains_key(word)
        && (1..lx.toks.len()).any(|k| lx.is_ident(k, word) && lx.is_ident(k - 1, "fn"))
}

/// Whether the name at `i` is called: `(` follows, or a turbofish and then `(`
/// (`compile_program::<&str>(..)`).
fn called_with_args(lx: &Lexed<'_>, i: usize) -> bool {
    if lx.punct(i + 1, b'(') {
        return true;
    }
    if !(lx.path_sep(i + 1) && lx.punct(i + 3, b'<')) {
        return false;
    }
    let mut depth = 0usize;
    for k in i + 3..lx.toks.len().min(i + 64) {
        if lx.punct(k, b'<') {
            depth += 1;
        } else if lx.punct(k, b'>') {
            depth -= 1;
            if depth == 0 {
                return lx.punct(k + 1, b'(');
            }
        }
    }
    false
}

/// Whether a path segment names an NVRTC module or crate (`nvrtc`, `nvrtc_sys`).
fn is_nvrtc_module(segment: &str) -> bool {
    segment == "nvrtc" || segment.starts_with("nvrtc_")
}

/// The names `use` declarations bring in from inside an NVRTC module (every name written
/// after the `nvrtc` segment), each mapped to what it names (an alias to its original).
fn names_into_nvrtc<'a>(lx: &Lexed<'a>, uses: &[(usize, usize)]) -> HashMap<&'a str, &'a str> {
    let mut names = HashMap::new();
    for &(a, b) in uses {
        let Some(at) = (a..b).find(|&k| lx.ident(k).is_some_and(is_nvrtc_module)) else {
            continue;
        };
        for k in at + 1..b {
            let Some(name) = lx.ident(k) else { continue };
            if name == "as" || name == "self" {
                continue;
            }
            if lx.is_ident(k + 1, "as") {
                if let Some(alias) = lx.ident(k + 2) {
                    names.insert(alias, name);
                }
                continue;
            }
            names.entry(name).or_insert(name);
        }
    }
    names
}

/// Where a GPU source is embedded for NVRTC to compile at run time: an `include_str!` or
/// `include_bytes!` of a `.cu`/`.cuh` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// 1-based line of the macro.
    pub line: u32,
    /// The path as written.
    pub path: String,
    /// Whether it is relative to the package directory (`concat!(env!("CARGO_MANIFEST_DIR"),
    /// "/kernels/a.cu")`); else to the directory of the file that embeds it.
    pub from_manifest_dir: bool,
    /// The name it is bound to (`const POSEIDON: &str = include_str!(..)`, `let src = ..`).
    pub bound: Option<String>,
    /// For a `let`, the lines its name is seen on (the statement to the end of its block): a
    /// call on another line names another binding of the same name. `None`: a `const` or
    /// `static`, or no name.
    pub seen: Option<(u32, u32)>,
}

/// The CUDA C++ sources `file` embeds (`include_str!("k.cu")`): what NVRTC compiles when the
/// crate compiles at run time. `#[cfg(test)]` code is skipped.
pub fn embedded_sources(file: &RustFile<'_>) -> Vec<Embedded> {
    if !contains_any(
        file.text,
        &["include_str", "include_bytes", "read_to_string"],
    ) {
        return Vec::new();
    }
    let lx = Lexed::new(file.text);
    let tests = lx.test_ranges();
    let mut out = Vec::new();
    for i in 0..lx.toks.len() {
        if let Some(read) = read_at_run_time(&lx, i)
            && !tests.iter().any(|&(a, b)| a <= i && i < b)
        {
            out.push(read);
            continue;
        }
        if !(matches!(lx.ident(i), Some("include_str" | "include_bytes")) && lx.punct(i + 1, b'!'))
            || tests.iter().any(|&(a, b)| a <= i && i < b)
        {
            continue;
        }
        let close = lx.matching(i + 2);
        let from_manifest_dir =
            (i + 2..close).any(|k| lx.str_value(k) == Some("CARGO_MANIFEST_DIR"));
        let path: String = (i + 2..close)
            .filter_map(|k| lx.str_value(k))
            .filter(|s| *s != "CARGO_MANIFEST_DIR")
            .collect();
        let is_source = path.ends_with(".cu") || path.ends_with(".cuh");
        if is_source && !path.contains('{') {
            let (bound, seen) = bound_to(&lx, i).map_or((None, None), |(b, s)| (Some(b), s));
            out.push(Embedded {
                line: lx.toks[i].line,
                path: path.trim_start_matches('/').to_owned(),
                from_manifest_dir,
                bound,
                seen,
            });
        }
    }
    out
}
