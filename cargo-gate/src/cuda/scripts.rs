//! What a build script compiles GPU code with, read from its tokens (never from raw text, so
//! comments and strings are never code): the builder calls ([`analyse`]), the functions across
//! the workspace's crates that make or configure a GPU build ([`helpers`]), and the places any
//! Rust file compiles CUDA at run time with NVRTC ([`nvrtc_uses`]).
//!
//! A builder is recognised by what the code does, at its constructor:
//!
//! | Builder | Constructor | GPU when |
//! |---|---|---|
//! | [`Cc`](BuilderKind::Cc) | `cc::Build::new()` (`Build::new()` with `use cc::Build`) | `.cuda(x)`, `x` not `false`, on the chain or its variable |
//! | [`Cmake`](BuilderKind::Cmake) | `cmake::Config::new("dir")` | a `.define` of a name containing `CUDA` (not `OFF`), or a `-D..CUDA..=` literal |
//! | [`BindgenCuda`](BuilderKind::BindgenCuda) | `bindgen_cuda::Builder::default()` | always |
//! | [`Cudaforge`](BuilderKind::Cudaforge) | any `cudaforge::T::new()` / `::default()` | always |
//! | [`CudaBuilder`](BuilderKind::CudaBuilder) | `CudaBuilder::new("crate/dir")` | always |
//! | [`GateBuild`](BuilderKind::GateBuild) | `gate_build::Kernels::new()` | always |
//! | [`Nvcc`](BuilderKind::Nvcc) | `Command::new(x)`, `x` a `"nvcc"` literal, `NVCC`, or a variable bound to either | always |
//! | a helper | a call of a function [`helpers`] found (`helpers::ccmd()`) | always |
//!
//! What a builder does is read from its *extent*: the statement of the constructor and, when
//! it is bound with `let`, every later statement of the same block that names the variable
//! (until it is bound again). Decisions:
//! - A build script that only reads `NVCC` is not raw nvcc: only a `Command::new` of it is.
//! - `-arch=native` and `CMAKE_CUDA_ARCHITECTURES=native` set [`Call::native_arch`];
//!   `all` / `all-major` do not (they depend on the toolkit, not on the build machine's GPU)
//!   and are kept in [`Call::archs`] as written.
//! - `-gencode arch=compute_80,code=[sm_80,compute_80]` yields its `code=` targets (`sm_80`,
//!   `compute_80`): those are what ship.
//! - gate-build has no default source directory (`Kernels::new()` without `dir`/`file` is an
//!   error), so a gate-build call with computed paths has no inputs, and attribution falls back
//!   to the package's directory like any other computed call.
//! - A function of the build script itself that makes a GPU build and is called from it is
//!   reported at its call, `via` its definition; its own constructor is not reported again.
//! - Strings that contain `{` (`format!` templates) are computed, never inputs or archs.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use gate_formats::kernel_bom::BuilderKind;
use memchr::memmem;

use crate::lexer::{Lexer, TokenKind};

/// A Rust file: workspace-relative path (for `file:line` texts) and its text.
#[derive(Debug, Clone, Copy)]
pub struct RustFile<'a> {
    /// Workspace-relative path, `/`-separated.
    pub rel: &'a str,
    /// The file's text.
    pub text: &'a str,
}

/// One place a build script compiles GPU code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Which builder.
    pub kind: BuilderKind,
    /// 1-based line in the build script of the call (for `cc`, of its `.cuda(true)`; of the
    /// helper's use when it goes through a helper).
    pub line: u32,
    /// `"helper-crate/src/lib.rs:12"` when it goes through a helper function.
    pub via: Option<String>,
    /// String literals it compiles, as written, relative to the package directory: files,
    /// globs, or directories (cmake source dir, cuda_builder crate dir, gate-build `dir`).
    pub inputs: Vec<String>,
    /// Include directories, as written (`.include("dir")`, `-Idir`, `"-I", "dir"`).
    pub include_dirs: Vec<String>,
    /// What switches CUDA on: `GGML_CUDA=ON`, `feature "cuda"`, or both as
    /// `GGML_CUDA=ON if feature "cuda"`.
    pub switch: Option<String>,
    /// Requested archs as written (`sm_80`, `compute_90`, `80;90`, `all-major`).
    pub archs: Vec<String>,
    /// Whether it targets whatever GPU the build machine has (`-arch=native`).
    pub native_arch: bool,
    /// Whether some of what it compiles is computed (a variable, a `format!`, a `glob(..)`
    /// result without a literal pattern): then [`inputs`](Call::inputs) is not everything.
    pub computed_inputs: bool,
    /// What it leaves out of its inputs (cudaforge's `.exclude(["big_*.cu"])`): globs, of the
    /// file name alone when they hold no `/`, else of the path below the package.
    pub excludes: Vec<String>,
}

/// What one build script does with GPU code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// Every place it compiles GPU code, in source order.
    pub calls: Vec<Call>,
    /// Build-time GPU probing (`nvidia-smi`, NVML, `cudaGetDeviceProperties`): line and what.
    pub gpu_probe: Option<(u32, String)>,
    /// PTX written outside `OUT_DIR`: line and the path as written.
    pub outside_out_dir: Option<(u32, String)>,
}

/// A function that returns or configures a GPU build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    /// Its name.
    pub name: String,
    /// Where it is defined: `file:line` of its `fn`.
    pub at: String,
    /// What it builds; [`Call::line`] is the line of its definition.
    pub call: Call,
}

/// Functions, anywhere in the workspace's crates, that return or configure a GPU build: a fn
/// whose body makes a `cc::Build` with `.cuda(true)`, a `cmake::Config` with CUDA options, a
/// `bindgen_cuda::Builder`, a `cudaforge` builder, a `CudaBuilder`, a gate-build `Kernels`,
/// a `Command::new` of nvcc, or calls another such function — by name, with where they are
/// defined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Helpers {
    list: Vec<Helper>,
}

impl Helpers {
    /// Every helper found, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Helper> {
        self.list.iter()
    }

    /// How many helpers were found.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether none was found.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The helper called `name`; with a path qualifier (`helpers` in `helpers::ccmd()`), one
    /// whose file path contains it (as `helpers` or `helpers` with `-` for `_`) is preferred.
    #[must_use]
    pub fn get(&self, name: &str, qualifier: Option<&str>) -> Option<&Helper> {
        let mut named = self.list.iter().filter(|h| h.name == name);
        let first = named.clone().next()?;
        let Some(q) = qualifier else {
            return Some(first);
        };
        let dashed = q.replace('_', "-");
        Some(
            named
                .find(|h| h.at.contains(q) || h.at.contains(&dashed))
                .unwrap_or(first),
        )
    }
}

/// Words one of which a file must contain to define a helper; checked with `memmem` before
/// anything is lexed.
const HELPER_WORDS: &[&str] = &["cuda", "cmake", "nvcc", "NVCC", "CudaBuilder", "gate_build"];

/// Finds the [`Helpers`] among `files` (called on every tracked `.rs` file: files without any
/// of the builder words are skipped after a `memmem` pass). Helpers that only call other
/// helpers are found too (a few rounds, until nothing new appears). `main` is never a helper.
pub fn helpers(files: &[RustFile<'_>]) -> Helpers {
    let mut lexed: Vec<Option<Lexed<'_>>> = files
        .iter()
        .map(|f| contains_any(f.text, HELPER_WORDS).then(|| Lexed::new(f.text)))
        .collect();
    let mut found = Helpers::default();
    let mut known: HashSet<(usize, usize)> = HashSet::new();
    for _round in 0..4 {
        let before = found.len();
        for (index, file) in files.iter().enumerate() {
            if lexed[index].is_none() {
                let names: Vec<&str> = found.iter().map(|h| h.name.as_str()).collect();
                if !names.is_empty() && contains_any(file.text, &names) {
                    lexed[index] = Some(Lexed::new(file.text));
                }
            }
            let Some(lx) = &lexed[index] else { continue };
            for def in lx.fns() {
                if def.name == "main" || known.contains(&(index, def.open)) {
                    continue;
                }
                let calls = calls_in(lx, (def.open + 1, def.close), &found, &[]);
                if let Some(mut call) = calls.into_iter().next() {
                    call.line = def.line;
                    known.insert((index, def.open));
                    found.list.push(Helper {
                        name: def.name.to_owned(),
                        at: format!("{}:{}", file.rel, def.line),
                        call,
                    });
                }
            }
        }
        if found.len() == before {
            break;
        }
    }
    found
}

/// What the build script `script` does with GPU code, following `helpers`.
pub fn analyse(script: &RustFile<'_>, helpers: &Helpers) -> Script {
    let lx = Lexed::new(script.text);
    let fns = lx.fns();
    // The script's own helpers that it calls are reported at their calls, not inside.
    let prefix = format!("{}:", script.rel);
    let local: Vec<&str> = helpers
        .iter()
        .filter(|h| h.at.starts_with(&prefix))
        .map(|h| h.name.as_str())
        .collect();
    let used_local: HashSet<&str> = (0..lx.toks.len())
        .filter_map(|i| helper_use(&lx, i, helpers).map(|(h, _)| h.name.as_str()))
        .filter(|name| local.contains(name))
        .collect();
    let skip: Vec<(usize, usize)> = fns
        .iter()
        .filter(|f| used_local.contains(f.name))
        .map(|f| (f.open, f.close))
        .collect();
    Script {
        calls: calls_in(&lx, (0, lx.toks.len()), helpers, &skip),
        gpu_probe: gpu_probe(&lx),
        outside_out_dir: outside_out_dir(&lx),
    }
}

/// Places where code compiles CUDA at run time with NVRTC: calls of `compile_ptx`,
/// `compile_ptx_with_opts`, `nvrtcCompileProgram`, `Ptx::from_src`, and mentions of
/// `nvrtc::Program` — outside `use` declarations and definitions. 1-based line and the path
/// as written (`cudarc::nvrtc::compile_ptx`); one per line.
pub fn nvrtc_uses(file: &RustFile<'_>) -> Vec<(u32, String)> {
    if !contains_any(file.text, &["nvrtc", "compile_ptx"]) {
        return Vec::new();
    }
    let lx = Lexed::new(file.text);
    let mut uses = lx.use_ranges();
    // Code under `#[cfg(test)]` does not ship.
    uses.extend(lx.test_ranges());
    let mut out: Vec<(u32, String)> = Vec::new();
    for i in 0..lx.toks.len() {
        let Some(word) = lx.ident(i) else { continue };
        let call = lx.punct(i + 1, b'(') || lx.path_sep(i + 1);
        let hit = match word {
            "compile_ptx" | "compile_ptx_with_opts" | "nvrtcCompileProgram" => {
                call && !lx.is_ident(i.wrapping_sub(1), "fn") && !lx.punct(i.wrapping_sub(1), b'.')
            }
            "Program" => i >= 3 && lx.path_sep(i - 2) && lx.is_ident(i - 3, "nvrtc"),
            _ => false,
        };
        if !hit || uses.iter().any(|&(a, b)| a <= i && i < b) {
            continue;
        }
        let line = lx.toks[i].line;
        if out.last().is_some_and(|(l, _)| *l == line) {
            continue;
        }
        out.push((line, lx.path_text(lx.path_start(i), i)));
    }
    out
}

fn contains_any(text: &str, words: &[&str]) -> bool {
    words
        .iter()
        .any(|w| memmem::find(text.as_bytes(), w.as_bytes()).is_some())
}

/// One significant token: kind, text (empty if its span is not on a char boundary), line.
#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    kind: TokenKind,
    text: &'a str,
    line: u32,
}

/// A function definition: name, line of `fn`, and its body's braces (token indices).
#[derive(Debug, Clone, Copy)]
struct FnDef<'a> {
    name: &'a str,
    line: u32,
    open: usize,
    close: usize,
}

/// A file's significant tokens and what its `use` declarations import (name → crate).
#[derive(Debug)]
struct Lexed<'a> {
    toks: Vec<Tok<'a>>,
    imports: HashMap<&'a str, &'a str>,
    guards: OnceCell<Guards>,
}

impl<'a> Lexed<'a> {
    fn new(text: &'a str) -> Lexed<'a> {
        let bytes = text.as_bytes();
        let mut toks = Vec::new();
        let mut line = 1u32;
        let mut last = 0usize;
        for t in Lexer::new(bytes) {
            let newlines = memchr::memchr_iter(b'\n', &bytes[last..t.start]).count();
            line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            last = t.start;
            if t.kind != TokenKind::Comment {
                toks.push(Tok {
                    kind: t.kind,
                    text: text.get(t.start..t.end).unwrap_or(""),
                    line,
                });
            }
        }
        let mut lx = Lexed {
            toks,
            imports: HashMap::new(),
            guards: OnceCell::new(),
        };
        lx.imports = lx.read_imports();
        lx
    }

    /// The file's feature guards, found on first use.
    fn guards(&self) -> &Guards {
        self.guards.get_or_init(|| Guards::new(self))
    }

    fn punct(&self, i: usize, b: u8) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct(b))
    }

    fn ident(&self, i: usize) -> Option<&'a str> {
        self.toks
            .get(i)
            .filter(|t| t.kind == TokenKind::Ident)
            .map(|t| t.text)
    }

    fn is_ident(&self, i: usize, word: &str) -> bool {
        self.ident(i) == Some(word)
    }

    /// Whether tokens `i`, `i + 1` are `::`.
    fn path_sep(&self, i: usize) -> bool {
        self.punct(i, b':') && self.punct(i + 1, b':')
    }

    /// The value of a string literal at `i`, as written (escapes kept).
    fn str_value(&self, i: usize) -> Option<&'a str> {
        let t = self.toks.get(i)?;
        match t.kind {
            TokenKind::Str => {
                let end = t.text.rfind('"')?;
                t.text.get(1..end)
            }
            TokenKind::RawStr => {
                let body = t.text.strip_prefix('r')?.trim_start_matches('#');
                let body = body.strip_prefix('"')?;
                let end = body.rfind('"')?;
                body.get(..end)
            }
            _ => None,
        }
    }

    /// The string literals in `a..b` with their token indices.
    fn strs(&self, a: usize, b: usize) -> Vec<(usize, &'a str)> {
        (a..b.min(self.toks.len()))
            .filter_map(|i| self.str_value(i).map(|s| (i, s)))
            .collect()
    }

    /// Index of the bracket closing the one at `open`, or the end.
    fn matching(&self, open: usize) -> usize {
        let mut depth = 0usize;
        for i in open..self.toks.len() {
            match self.toks[i].kind {
                TokenKind::Punct(b'(' | b'[' | b'{') => depth += 1,
                TokenKind::Punct(b')' | b']' | b'}') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        self.toks.len()
    }

    /// Index of the `;` ending the statement at `i`, or of the bracket closing its block.
    fn stmt_end(&self, i: usize) -> usize {
        let mut depth = 0usize;
        for k in i..self.toks.len() {
            match self.toks[k].kind {
                TokenKind::Punct(b'(' | b'[' | b'{') => depth += 1,
                TokenKind::Punct(b')' | b']' | b'}') => {
                    if depth == 0 {
                        return k;
                    }
                    depth -= 1;
                }
                TokenKind::Punct(b';') if depth == 0 => return k,
                _ => {}
            }
        }
        self.toks.len()
    }

    /// First token of the path ending at `i` (`a::b::C` → `a`).
    fn path_start(&self, i: usize) -> usize {
        let mut j = i;
        while j >= 3 && self.path_sep(j - 2) && self.ident(j - 3).is_some() {
            j -= 3;
        }
        j
    }

    /// The idents of `start..=end` joined by `::`.
    fn path_text(&self, start: usize, end: usize) -> String {
        (start..=end)
            .filter_map(|k| self.ident(k))
            .collect::<Vec<_>>()
            .join("::")
    }

    /// Token ranges of `use` declarations.
    /// The token ranges of items under `#[cfg(test)]` (from the attribute to the end of the
    /// item's body).
    fn test_ranges(&self) -> Vec<(usize, usize)> {
        let mut ranges = Vec::new();
        for i in 0..self.toks.len() {
            if !(self.punct(i, b'#')
                && self.punct(i + 1, b'[')
                && self.is_ident(i + 2, "cfg")
                && self.punct(i + 3, b'(')
                && self.is_ident(i + 4, "test")
                && self.punct(i + 5, b')'))
            {
                continue;
            }
            let body = (i + 6..self.toks.len())
                .take_while(|&k| !self.punct(k, b';'))
                .find(|&k| self.punct(k, b'{'));
            if let Some(open) = body {
                ranges.push((i, self.matching(open)));
            }
        }
        ranges
    }

    fn use_ranges(&self) -> Vec<(usize, usize)> {
        (0..self.toks.len())
            .filter(|&i| self.is_ident(i, "use"))
            .map(|i| (i, self.stmt_end(i)))
            .collect()
    }

    /// Every name a `use` brings in, mapped to the crate it comes from.
    fn read_imports(&self) -> HashMap<&'a str, &'a str> {
        let mut map = HashMap::new();
        for (a, b) in self.use_ranges() {
            let mut k = a + 1;
            if self.path_sep(k) {
                k += 2;
            }
            let Some(root) = self.ident(k) else { continue };
            if matches!(root, "crate" | "self" | "super") {
                continue;
            }
            for j in k..b {
                if let Some(name) = self.ident(j)
                    && name != "as"
                    && name != "self"
                    && !self.is_ident(j + 1, "as")
                {
                    map.entry(name).or_insert(root);
                }
            }
        }
        map
    }

    /// Every `fn` with a body.
    fn fns(&self) -> Vec<FnDef<'a>> {
        let mut out = Vec::new();
        for i in 0..self.toks.len() {
            if !self.is_ident(i, "fn") {
                continue;
            }
            let Some(name) = self.ident(i + 1) else {
                continue;
            };
            let mut depth = 0usize;
            for k in i + 2..self.toks.len() {
                match self.toks[k].kind {
                    TokenKind::Punct(b'(' | b'[') => depth += 1,
                    TokenKind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
                    TokenKind::Punct(b';') if depth == 0 => break,
                    TokenKind::Punct(b'{') if depth == 0 => {
                        out.push(FnDef {
                            name,
                            line: self.toks[i].line,
                            open: k,
                            close: self.matching(k),
                        });
                        break;
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

/// What starts a builder: its kind, or a helper's call.
#[derive(Debug, Clone, Copy)]
enum Start<'h> {
    Builder(BuilderKind),
    Helper(&'h Helper),
}

/// A builder's start at token `i`: what it is, the first token of its path, and the index
/// of the `(` opening its arguments.
#[derive(Debug, Clone, Copy)]
struct Anchor<'h> {
    start: Start<'h>,
    path: usize,
    open: usize,
}

/// A constructor (`T::new(` / `T::default(`) at `i` that starts a builder.
fn constructor_at<'h>(lx: &Lexed<'_>, i: usize) -> Option<Anchor<'h>> {
    let ty = lx.ident(i)?;
    if !lx.path_sep(i + 1)
        || !matches!(lx.ident(i + 3), Some("new" | "default"))
        || !lx.punct(i + 4, b'(')
    {
        return None;
    }
    let path = lx.path_start(i);
    let krate = if path < i {
        lx.ident(path)
    } else {
        lx.imports.get(ty).copied()
    };
    let kind = match (krate, ty) {
        (_, "CudaBuilder") => BuilderKind::CudaBuilder,
        (Some("cc"), "Build") => BuilderKind::Cc,
        (Some("cmake"), "Config") => BuilderKind::Cmake,
        (Some("bindgen_cuda"), "Builder") => BuilderKind::BindgenCuda,
        (Some("cudaforge"), _) => BuilderKind::Cudaforge,
        (Some("gate_build"), "Kernels") => BuilderKind::GateBuild,
        (_, "Command") if lx.is_ident(i + 3, "new") && command_is_nvcc(lx, i + 4) => {
            BuilderKind::Nvcc
        }
        _ => return None,
    };
    Some(Anchor {
        start: Start::Builder(kind),
        path,
        open: i + 4,
    })
}

/// nvcc arguments that ask the toolkit something and compile nothing.
const NVCC_QUERIES: &[&str] = &[
    "--version",
    "-V",
    "--help",
    "-h",
    "--list-gpu-arch",
    "--list-gpu-code",
    "-arch-ls",
    "-code-ls",
];

/// Whether a literal names nvcc: `nvcc`, `NVCC` (the variable), `…/bin/nvcc`, `nvcc.exe`.
fn names_nvcc(s: &str) -> bool {
    let base = s.rsplit(['/', '\\']).next().unwrap_or(s);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    base.eq_ignore_ascii_case("nvcc")
}

/// Whether the `Command::new(` whose `(` is at `open` starts nvcc: a literal naming it, or a
/// variable whose `let` in this file is initialised from one.
fn command_is_nvcc(lx: &Lexed<'_>, open: usize) -> bool {
    let close = lx.matching(open);
    if lx.strs(open, close).iter().any(|(_, s)| names_nvcc(s)) {
        return true;
    }
    let mut k = open + 1;
    while lx.punct(k, b'&') || lx.punct(k, b'*') {
        k += 1;
    }
    let Some(var) = lx.ident(k) else { return false };
    (0..lx.toks.len()).any(|i| {
        lx.is_ident(i, "let")
            && (lx.is_ident(i + 1, var) || (lx.is_ident(i + 1, "mut") && lx.is_ident(i + 2, var)))
            && lx
                .strs(i, lx.stmt_end(i))
                .iter()
                .any(|(_, s)| names_nvcc(s))
    })
}

/// A call of a helper at `i` (not a method, not its definition; a qualifier must be a
/// module: lowercase), with the helper and the `(`.
fn helper_use<'h>(lx: &Lexed<'_>, i: usize, helpers: &'h Helpers) -> Option<(&'h Helper, usize)> {
    if helpers.is_empty() || !lx.punct(i + 1, b'(') {
        return None;
    }
    let name = lx.ident(i)?;
    let prev = i.checked_sub(1);
    if prev.is_some_and(|p| lx.punct(p, b'.') || lx.is_ident(p, "fn")) {
        return None;
    }
    let qualifier = if i >= 3 && lx.path_sep(i - 2) {
        let q = lx.ident(i - 3)?;
        if !q.starts_with(|c: char| c.is_ascii_lowercase()) {
            return None;
        }
        Some(q)
    } else {
        None
    };
    helpers.get(name, qualifier).map(|h| (h, i + 1))
}

/// Every GPU build started in `range` (token indices), skipping the `skip` ranges.
fn calls_in(
    lx: &Lexed<'_>,
    range: (usize, usize),
    helpers: &Helpers,
    skip: &[(usize, usize)],
) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut i = range.0;
    while i < range.1.min(lx.toks.len()) {
        if let Some(&(_, end)) = skip.iter().find(|&&(a, b)| a <= i && i <= b) {
            i = end + 1;
            continue;
        }
        let anchor = constructor_at(lx, i).or_else(|| {
            helper_use(lx, i, helpers).map(|(h, open)| Anchor {
                start: Start::Helper(h),
                path: lx.path_start(i),
                open,
            })
        });
        if let Some(anchor) = anchor
            && let Some(call) = describe(lx, &anchor, lx.guards())
        {
            calls.push(call);
        }
        i += 1;
    }
    calls
}

/// The extent of a builder whose path starts at `path`: its statement, and the later
/// statements of its block that name the variable it is bound to.
fn extent(lx: &Lexed<'_>, path: usize) -> Vec<(usize, usize)> {
    let first_end = lx.stmt_end(path);
    let mut ranges = vec![(path, first_end)];
    let Some(var) = bound_to(lx, path) else {
        return ranges;
    };
    let mut pos = first_end + 1;
    while lx.punct(first_end, b';') && pos < lx.toks.len() {
        if matches!(lx.toks[pos].kind, TokenKind::Punct(b')' | b']' | b'}')) {
            break;
        }
        let end = lx.stmt_end(pos);
        let rebinds = lx.is_ident(pos, "let")
            && (lx.is_ident(pos + 1, var)
                || (lx.is_ident(pos + 1, "mut") && lx.is_ident(pos + 2, var)));
        if rebinds {
            break;
        }
        if (pos..end).any(|k| lx.is_ident(k, var) && !lx.punct(k.wrapping_sub(1), b'.')) {
            ranges.push((pos, end));
        }
        if !lx.punct(end, b';') {
            break;
        }
        pos = end + 1;
    }
    ranges
}

/// The variable a `let` binds the expression starting at `path` to.
fn bound_to<'a>(lx: &Lexed<'a>, path: usize) -> Option<&'a str> {
    let eq = path.checked_sub(1)?;
    if !lx.punct(eq, b'=') || eq == 0 {
        return None;
    }
    if matches!(
        lx.toks[eq - 1].kind,
        TokenKind::Punct(b'=' | b'!' | b'<' | b'>')
    ) {
        return None;
    }
    let mut k = eq;
    for _ in 0..16 {
        k = k.checked_sub(1)?;
        if lx.is_ident(k, "let") {
            let name = if lx.is_ident(k + 1, "mut") {
                k + 2
            } else {
                k + 1
            };
            return lx.ident(name);
        }
        if lx.punct(k, b';') || lx.punct(k, b'{') || lx.punct(k, b'}') {
            return None;
        }
    }
    None
}

/// One `.method(args)` in an extent: name, index of the name, arguments' token range.
#[derive(Debug, Clone, Copy)]
struct Method<'a> {
    name: &'a str,
    at: usize,
    args: (usize, usize),
}

fn methods<'a>(lx: &Lexed<'a>, ranges: &[(usize, usize)]) -> Vec<Method<'a>> {
    let mut out = Vec::new();
    for &(a, b) in ranges {
        for k in a..b {
            if lx.punct(k, b'.')
                && lx.punct(k + 2, b'(')
                && let Some(name) = lx.ident(k + 1)
            {
                out.push(Method {
                    name,
                    at: k + 1,
                    args: (k + 3, lx.matching(k + 2)),
                });
            }
        }
    }
    out
}

/// A literal that may be compiled: not a `format!` template.
fn literal_input(s: &str) -> bool {
    !s.contains('{') && !s.is_empty()
}

/// The builder started at `anchor`, when it compiles GPU code.
fn describe(lx: &Lexed<'_>, anchor: &Anchor<'_>, guards: &Guards) -> Option<Call> {
    let ranges = extent(lx, anchor.path);
    let methods = methods(lx, &ranges);
    let strs: Vec<(usize, &str)> = ranges.iter().flat_map(|&(a, b)| lx.strs(a, b)).collect();
    let (kind, helper) = match anchor.start {
        Start::Builder(kind) => (kind, None),
        Start::Helper(h) => (h.call.kind, Some(h)),
    };
    let mut call = Call {
        kind,
        line: lx.toks[anchor.path].line,
        via: helper.map(|h| h.at.clone()),
        inputs: Vec::new(),
        include_dirs: Vec::new(),
        switch: None,
        archs: Vec::new(),
        native_arch: false,
        computed_inputs: false,
        excludes: Vec::new(),
    };
    let anchor_args = lx.strs(anchor.open + 1, lx.matching(anchor.open));
    // The token that switches CUDA on, when it is not the constructor itself.
    let mut enabling = None;
    let mut define_switch = None;
    match kind {
        BuilderKind::Cc => {
            let cuda = methods.iter().find(|m| {
                m.name == "cuda" && !(lx.is_ident(m.args.0, "false") && m.args.1 == m.args.0 + 1)
            });
            match (cuda, helper) {
                (Some(m), None) => {
                    call.line = lx.toks[m.at].line;
                    enabling = Some(m.at);
                }
                (None, None) => return None,
                _ => {}
            }
            cc_methods(lx, &methods, &mut call);
        }
        BuilderKind::Cmake => {
            if let Some(first) = anchor_args.first() {
                call.inputs.push(first.1.to_owned());
            } else if helper.is_none() {
                call.computed_inputs = true;
            }
            let (at, switch) = cmake_options(lx, &methods, &strs, &mut call);
            if at.is_none() && helper.is_none() {
                return None;
            }
            enabling = at;
            define_switch = switch;
        }
        BuilderKind::Nvcc => {
            // `nvcc --version` (a toolkit probe) compiles nothing.
            let args: Vec<&str> = methods
                .iter()
                .filter(|m| matches!(m.name, "arg" | "args"))
                .flat_map(|m| lx.strs(m.args.0, m.args.1))
                .map(|(_, s)| s)
                .collect();
            if !args.is_empty() && args.iter().all(|a| NVCC_QUERIES.contains(a)) {
                return None;
            }
            nvcc_args(&strs, &mut call);
            call.computed_inputs &= helper.is_none();
        }
        BuilderKind::BindgenCuda | BuilderKind::Cudaforge => {
            crate_builder_methods(lx, &methods, helper.is_none(), &mut call);
        }
        BuilderKind::CudaBuilder => {
            match anchor_args.first() {
                Some(first) => call.inputs.push(first.1.to_owned()),
                None if helper.is_none() => call.computed_inputs = true,
                None => {}
            }
            for &(a, b) in &ranges {
                for k in a..b {
                    if let Some(n) = lx.ident(k).and_then(|w| w.strip_prefix("Compute"))
                        && !n.is_empty()
                        && n.bytes().all(|b| b.is_ascii_digit())
                    {
                        call.archs.push(format!("compute_{n}"));
                    }
                }
            }
        }
        BuilderKind::GateBuild => gate_build_methods(lx, &methods, helper.is_none(), &mut call),
        BuilderKind::Nvrtc => {}
    }
    let flags: Vec<&str> = strs.iter().map(|&(_, s)| s).collect();
    read_archs(&flags, &mut call);
    let feature = guards
        .at(anchor.path)
        .or_else(|| enabling.and_then(|e| guards.at(e)));
    call.switch = match (define_switch, feature) {
        (Some(d), Some(f)) => Some(format!("{d} if {f}")),
        (Some(d), None) => Some(d),
        (None, Some(f)) => Some(f.to_owned()),
        (None, None) => None,
    };
    if let Some(h) = helper {
        merge_helper(&h.call, &mut call);
    }
    dedupe(&mut call.inputs);
    dedupe(&mut call.include_dirs);
    dedupe(&mut call.archs);
    Some(call)
}

/// Adds what the helper itself sets up to a call that goes through it.
fn merge_helper(helper: &Call, call: &mut Call) {
    let mut inputs = helper.inputs.clone();
    inputs.append(&mut call.inputs);
    call.inputs = inputs;
    call.include_dirs
        .extend(helper.include_dirs.iter().cloned());
    call.archs.extend(helper.archs.iter().cloned());
    call.native_arch |= helper.native_arch;
    call.computed_inputs |= helper.computed_inputs;
    if call.switch.is_none() {
        call.switch.clone_from(&helper.switch);
    }
}

fn dedupe(list: &mut Vec<String>) {
    let mut seen = HashSet::new();
    list.retain(|s| seen.insert(s.clone()));
}

/// `cc`: `.file`, `.files`, `.include`, `.includes`.
fn cc_methods(lx: &Lexed<'_>, methods: &[Method<'_>], call: &mut Call) {
    for m in methods {
        let lits = lx.strs(m.args.0, m.args.1);
        match m.name {
            "file" => match lits.as_slice() {
                [(_, s)] if literal_input(s) => call.inputs.push((*s).to_owned()),
                _ => call.computed_inputs = true,
            },
            "files" => {
                let inputs: Vec<&str> = lits
                    .iter()
                    .map(|&(_, s)| s)
                    .filter(|s| literal_input(s))
                    .collect();
                if inputs.is_empty() || inputs.len() < lits.len() {
                    call.computed_inputs = true;
                }
                call.inputs.extend(inputs.into_iter().map(str::to_owned));
            }
            "include" | "includes" => call
                .include_dirs
                .extend(lits.iter().map(|&(_, s)| s.to_owned())),
            _ => {}
        }
    }
}

/// Whether a cmake option value leaves it off.
fn is_off(value: &str) -> bool {
    matches!(
        value.to_ascii_uppercase().as_str(),
        "OFF" | "0" | "FALSE" | "NO" | "N" | ""
    )
}

/// cmake's CUDA options: `.define("GGML_CUDA", "ON")`, `-DGGML_CUDA=ON` literals,
/// `CMAKE_CUDA_ARCHITECTURES`. The token that switches CUDA on, and the switch's text (not
/// for `CMAKE_CUDA_*` settings, which only say how).
fn cmake_options(
    lx: &Lexed<'_>,
    methods: &[Method<'_>],
    strs: &[(usize, &str)],
    call: &mut Call,
) -> (Option<usize>, Option<String>) {
    let mut options: Vec<(usize, String, String)> = Vec::new();
    for m in methods.iter().filter(|m| m.name == "define") {
        let lits = lx.strs(m.args.0, m.args.1);
        if let Some(&(_, name)) = lits.first() {
            let value = lits.get(1).map_or("", |&(_, v)| v);
            options.push((m.at, name.to_owned(), value.to_owned()));
        }
    }
    for &(k, s) in strs {
        if let Some((name, value)) = s.strip_prefix("-D").and_then(|d| d.split_once('=')) {
            options.push((k, name.to_owned(), value.to_owned()));
        }
    }
    let mut enabling = None;
    let mut switch = None;
    for (at, name, value) in options {
        if !name.contains("CUDA") || (is_off(&value) && !value.is_empty()) {
            continue;
        }
        if name == "CMAKE_CUDA_ARCHITECTURES" {
            if value == "native" {
                call.native_arch = true;
            } else if literal_input(&value) {
                call.archs.push(value);
            }
        } else if is_off(&value) {
            continue;
        } else if switch.is_none() && !name.starts_with("CMAKE_CUDA") {
            switch = Some(format!("{name}={value}"));
            enabling = Some(at);
        }
        enabling.get_or_insert(at);
    }
    (enabling, switch)
}

/// nvcc's arguments: every literal `.cu` file, `-I` directories.
fn nvcc_args(strs: &[(usize, &str)], call: &mut Call) {
    let mut computed = false;
    for (n, &(_, s)) in strs.iter().enumerate() {
        if s.ends_with(".cu") {
            if literal_input(s) {
                call.inputs.push(s.to_owned());
            } else {
                computed = true;
            }
        }
        let dir = match s {
            "-I" | "--include-path" => strs.get(n + 1).map(|&(_, d)| d),
            _ => s
                .strip_prefix("--include-path=")
                .or_else(|| s.strip_prefix("-I")),
        };
        if let Some(dir) = dir.filter(|d| literal_input(d)) {
            call.include_dirs.push(dir.to_owned());
        }
    }
    call.computed_inputs = computed || call.inputs.is_empty();
}

/// bindgen_cuda and cudaforge: methods naming kernels, sources or watched paths give the
/// inputs (default `src/**/*.cu`), methods naming includes the include directories.
fn crate_builder_methods(lx: &Lexed<'_>, methods: &[Method<'_>], own: bool, call: &mut Call) {
    let mut any = false;
    for m in methods {
        let lits = lx.strs(m.args.0, m.args.1);
        if m.name.contains("exclude") {
            call.excludes
                .extend(lits.iter().map(|&(_, s)| s.to_owned()));
        } else if m.name.contains("include") {
            call.include_dirs
                .extend(lits.iter().map(|&(_, s)| s.to_owned()));
        } else if ["kernel", "source", "file", "glob"]
            .iter()
            .any(|w| m.name.contains(w))
            && !m.name.contains("watch")
            && !m.name.contains("exclude")
        {
            // `.watch(..)` names what reruns the build script, `.exclude(..)` what it leaves
            // out: neither is compiled.
            any = true;
            let mut lits = lits;
            if lits.is_empty() {
                lits = bound_literals(lx, m.args.0, m.args.1);
            }
            let inputs: Vec<&str> = lits
                .iter()
                .map(|&(_, s)| s)
                .filter(|s| literal_input(s))
                .collect();
            if inputs.is_empty() {
                call.computed_inputs = true;
            }
            call.inputs.extend(inputs.into_iter().map(str::to_owned));
        }
    }
    if !any && own {
        call.inputs.push("src/**/*.cu".to_owned());
    }
}

/// The string literals of the `const`, `static` or `let` this file binds to the single name
/// passed in `open..close` (`.kernel_paths(KERNELS)` with `const KERNELS: [&str; 4] = [..]`).
fn bound_literals<'a>(lx: &Lexed<'a>, open: usize, close: usize) -> Vec<(usize, &'a str)> {
    let mut k = open;
    while lx.punct(k, b'&') {
        k += 1;
    }
    let Some(name) = lx.ident(k) else {
        return Vec::new();
    };
    if k + 1 != close {
        return Vec::new();
    }
    (0..lx.toks.len())
        .find(|&i| {
            matches!(lx.ident(i), Some("const" | "static" | "let"))
                && (lx.is_ident(i + 1, name)
                    || (lx.is_ident(i + 1, "mut") && lx.is_ident(i + 2, name)))
        })
        .map(|i| lx.strs(i, lx.stmt_end(i)))
        .unwrap_or_default()
}

/// gate-build: `.dir`, `.file`, `.include`, `.archs`.
fn gate_build_methods(lx: &Lexed<'_>, methods: &[Method<'_>], own: bool, call: &mut Call) {
    for m in methods {
        let lits = lx.strs(m.args.0, m.args.1);
        match m.name {
            "dir" | "file" => match lits.as_slice() {
                [(_, s)] if literal_input(s) => call.inputs.push((*s).to_owned()),
                _ => call.computed_inputs = true,
            },
            "include" => call
                .include_dirs
                .extend(lits.iter().map(|&(_, s)| s.to_owned())),
            "archs" => call.archs.extend(
                lits.iter()
                    .map(|&(_, s)| s)
                    .filter(|s| literal_input(s))
                    .map(str::to_owned),
            ),
            _ => {}
        }
    }
    if call.inputs.is_empty() && own {
        call.computed_inputs = true;
    }
}

/// Whether `s` is `sm_NN` / `compute_NN` / `lto_NN` (with an optional `a`/`f` suffix).
fn is_arch_name(s: &str) -> bool {
    let Some((prefix, n)) = s.split_once('_') else {
        return false;
    };
    let n = n.trim_end_matches(['a', 'f']);
    matches!(prefix, "sm" | "compute" | "lto")
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
}

/// Archs requested by flag literals: `-arch=sm_80`, `-arch sm_80`, `--gpu-architecture=..`,
/// `-gencode arch=..,code=..`, `-DCMAKE_CUDA_ARCHITECTURES=..` (read by cmake's options).
fn read_archs(flags: &[&str], call: &mut Call) {
    let mut n = 0;
    while n < flags.len() {
        let s = flags[n].trim();
        n += 1;
        if s.contains('{') {
            continue;
        }
        let value = match s {
            "-arch" | "--gpu-architecture" | "-gencode" | "--generate-code" => {
                let next = flags.get(n).copied().unwrap_or("");
                n += 1;
                next
            }
            _ => match [
                "-arch=",
                "--gpu-architecture=",
                "-gencode=",
                "--generate-code=",
            ]
            .iter()
            .chain(&["-arch ", "-gencode ", "--generate-code "])
            .find_map(|p| s.strip_prefix(p))
            {
                Some(v) => v,
                None => continue,
            },
        };
        arch_value(value.trim(), call);
    }
}

fn arch_value(value: &str, call: &mut Call) {
    if value.contains('{') {
        return;
    }
    if let Some(at) = value.find("code=") {
        let targets = value[at + 5..].trim_matches(['[', ']', '"', '\'']);
        for t in targets.split(',') {
            let t = t.trim_matches(['[', ']', ' ']);
            if is_arch_name(t) {
                call.archs.push(t.to_owned());
            }
        }
        return;
    }
    match value {
        "native" => call.native_arch = true,
        "all" | "all-major" => call.archs.push(value.to_owned()),
        v if is_arch_name(v) => call.archs.push(v.to_owned()),
        _ => {}
    }
}

/// The feature guards of a file: token ranges and the `feature "x"` that switches them on.
#[derive(Debug, Default)]
struct Guards {
    ranges: Vec<(usize, usize, String)>,
}

impl Guards {
    /// `#[cfg(feature = "x")]` items and statements, `if cfg!(feature = "x") { .. }`, `if`s on
    /// `CARGO_FEATURE_X` (or a variable bound to either), and `if !..  { return }` early exits.
    fn new(lx: &Lexed<'_>) -> Guards {
        let mut ranges = Vec::new();
        let mut vars: HashMap<&str, String> = HashMap::new();
        for i in 0..lx.toks.len() {
            if lx.is_ident(i, "let") {
                let name = if lx.is_ident(i + 1, "mut") {
                    i + 2
                } else {
                    i + 1
                };
                let end = lx.stmt_end(i);
                if let (Some(var), Some((f, false))) =
                    (lx.ident(name), feature_in(lx, i, end, &vars))
                {
                    vars.insert(var, f);
                }
            }
            if lx.punct(i, b'#') && lx.punct(i + 1, b'[') && lx.is_ident(i + 2, "cfg") {
                let close = lx.matching(i + 1);
                if let Some((f, false)) = feature_in(lx, i + 2, close, &vars) {
                    let mut start = close + 1;
                    while lx.punct(start, b'#') && lx.punct(start + 1, b'[') {
                        start = lx.matching(start + 1) + 1;
                    }
                    ranges.push((start, item_end(lx, start), f));
                }
            }
            if lx.is_ident(i, "if")
                && let Some(range) = if_guard(lx, i, &vars)
            {
                ranges.push(range);
            }
        }
        Guards { ranges }
    }

    /// The innermost guard around token `i`, as `feature "x"`.
    fn at(&self, i: usize) -> Option<&str> {
        self.ranges
            .iter()
            .filter(|(a, b, _)| *a <= i && i <= *b)
            .min_by_key(|(a, b, _)| b - a)
            .map(|(_, _, f)| f.as_str())
    }
}

/// End of the item or statement starting at `start`: its `;`, or its first block's `}`.
fn item_end(lx: &Lexed<'_>, start: usize) -> usize {
    let mut depth = 0usize;
    for k in start..lx.toks.len() {
        match lx.toks[k].kind {
            TokenKind::Punct(b'(' | b'[') => depth += 1,
            TokenKind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
            TokenKind::Punct(b'{') if depth == 0 => return lx.matching(k),
            TokenKind::Punct(b'}') if depth == 0 => return k,
            TokenKind::Punct(b';') if depth == 0 => return k,
            _ => {}
        }
    }
    lx.toks.len()
}

/// The feature a condition in `a..b` tests, and whether it is negated.
fn feature_in(
    lx: &Lexed<'_>,
    a: usize,
    b: usize,
    vars: &HashMap<&str, String>,
) -> Option<(String, bool)> {
    let negated = (a..b).any(|k| {
        (lx.is_ident(k, "not") && lx.punct(k + 1, b'(') && lx.is_ident(k + 2, "feature"))
            || lx.is_ident(k, "is_err")
            || lx.is_ident(k, "is_none")
            || (lx.punct(k, b'!') && lx.ident(k.wrapping_sub(1)).is_none_or(|w| w != "cfg"))
    });
    for k in a..b.min(lx.toks.len()) {
        if lx.is_ident(k, "feature")
            && lx.punct(k + 1, b'=')
            && let Some(f) = lx.str_value(k + 2)
        {
            return Some((format!("feature \"{f}\""), negated));
        }
        if let Some(rest) = lx
            .str_value(k)
            .and_then(|s| s.strip_prefix("CARGO_FEATURE_"))
        {
            return Some((
                format!("feature \"{}\"", rest.to_ascii_lowercase()),
                negated,
            ));
        }
        if let Some(f) = lx.ident(k).and_then(|w| vars.get(w)) {
            return Some((f.clone(), negated));
        }
    }
    None
}

/// The range an `if` at `i` guards with a feature: its block, or for a negated test whose
/// block returns, the rest of the enclosing block.
fn if_guard(
    lx: &Lexed<'_>,
    i: usize,
    vars: &HashMap<&str, String>,
) -> Option<(usize, usize, String)> {
    let mut depth = 0usize;
    let mut open = None;
    for k in i + 1..lx.toks.len() {
        match lx.toks[k].kind {
            TokenKind::Punct(b'(' | b'[') => depth += 1,
            TokenKind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
            TokenKind::Punct(b'{') if depth == 0 => {
                open = Some(k);
                break;
            }
            TokenKind::Punct(b';' | b'}') if depth == 0 => return None,
            _ => {}
        }
    }
    let open = open?;
    let (feature, negated) = feature_in(lx, i + 1, open, vars)?;
    let close = lx.matching(open);
    if !negated {
        return Some((open, close, feature));
    }
    if !(open..close).any(|k| lx.is_ident(k, "return")) {
        return None;
    }
    let end = lx.stmt_end(close + 1);
    let rest_end = if lx.punct(end, b'}') {
        end
    } else {
        let mut e = end;
        while e < lx.toks.len() && !lx.punct(e, b'}') {
            e = lx.stmt_end(e + 1);
        }
        e
    };
    Some((close, rest_end, feature))
}

/// Build-time GPU probing, outside `use` declarations: a `"nvidia-smi"` (or `…/nvidia-smi`)
/// string, a `--query-gpu` argument, NVML, a call of a `*compute_cap*` function (cudaforge's
/// `detect_compute_cap()`), or the CUDA runtime's device queries. A message
/// that merely mentions nvidia-smi is not a probe.
fn gpu_probe(lx: &Lexed<'_>) -> Option<(u32, String)> {
    let uses = lx.use_ranges();
    for (i, t) in lx.toks.iter().enumerate() {
        if uses.iter().any(|&(a, b)| a <= i && i < b) {
            continue;
        }
        let what = if let Some(s) = lx.str_value(i) {
            let base = s.rsplit(['/', '\\']).next().unwrap_or(s);
            if base == "nvidia-smi" || base == "nvidia-smi.exe" {
                Some("runs `nvidia-smi`".to_owned())
            } else if s.contains("--query-gpu") || s == "compute_cap" {
                Some(format!("asks the GPU for `{s}`"))
            } else {
                None
            }
        } else if t.kind == TokenKind::Ident {
            let w = t.text;
            if w.to_ascii_lowercase().contains("nvml") {
                Some(format!("queries NVML (`{w}`)"))
            } else if w.contains("compute_cap")
                && lx.punct(i + 1, b'(')
                && !lx.is_ident(i.wrapping_sub(1), "fn")
                // `compute_cap_arch("90a")`: an arch named in the script, not asked of a GPU.
                && lx.strs(i + 1, lx.matching(i + 1)).is_empty()
            {
                Some(format!("detects the compute capability (`{w}()`)"))
            } else if matches!(
                w,
                "cudaGetDeviceProperties"
                    | "cudaDeviceGetAttribute"
                    | "cuDeviceGetAttribute"
                    | "cuDeviceComputeCapability"
            ) {
                Some(format!("asks the CUDA driver (`{w}`)"))
            } else {
                None
            }
        } else {
            None
        };
        if let Some(what) = what {
            return Some((t.line, what));
        }
    }
    None
}

/// A path literal at the start of arguments `a..`: `"x"`, `&"x"`, `Path::new("x")`,
/// `PathBuf::from("x")`.
fn leading_path<'a>(lx: &Lexed<'a>, mut a: usize) -> Option<&'a str> {
    while lx.punct(a, b'&') {
        a += 1;
    }
    if let Some(s) = lx.str_value(a) {
        return Some(s);
    }
    if matches!(lx.ident(a), Some("Path" | "PathBuf"))
        && lx.path_sep(a + 1)
        && matches!(lx.ident(a + 3), Some("new" | "from"))
        && lx.punct(a + 4, b'(')
    {
        return lx.str_value(a + 5);
    }
    None
}

/// Whether a written path is a compiled GPU artifact.
fn is_gpu_artifact(path: &str) -> bool {
    [".ptx", ".cubin", ".fatbin"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// PTX written outside `OUT_DIR`: cuda_builder's `.copy_to("..")` with a literal path, or
/// `fs::write` / `fs::copy` / `File::create` of a literal `.ptx`/`.cubin`/`.fatbin` path
/// (relative literals are relative to the package directory, never `OUT_DIR`).
fn outside_out_dir(lx: &Lexed<'_>) -> Option<(u32, String)> {
    for i in 0..lx.toks.len() {
        let Some(word) = lx.ident(i) else { continue };
        if !lx.punct(i + 1, b'(') {
            continue;
        }
        let close = lx.matching(i + 1);
        let qualifier = (i >= 3 && lx.path_sep(i - 2))
            .then(|| lx.ident(i - 3))
            .flatten();
        let dest = match (qualifier, word) {
            (_, "copy_to") if lx.punct(i.wrapping_sub(1), b'.') => leading_path(lx, i + 2),
            (Some("fs"), "write") | (Some("File"), "create") => {
                leading_path(lx, i + 2).filter(|p| is_gpu_artifact(p))
            }
            (Some("fs"), "copy") => {
                let comma = (i + 2..close).find(|&k| lx.punct(k, b',') && lx.stmt_end(k) >= close);
                comma
                    .and_then(|c| leading_path(lx, c + 1))
                    .filter(|p| is_gpu_artifact(p))
            }
            _ => None,
        };
        if let Some(dest) = dest.filter(|d| !d.contains("OUT_DIR")) {
            return Some((lx.toks[i].line, dest.to_owned()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{Call, Helpers, RustFile, Script, analyse, helpers, nvrtc_uses};
    use gate_formats::kernel_bom::BuilderKind;

    /// Analyses `build.rs` of package `app` with the helpers of `others` and of itself.
    fn script_with(others: &[(&str, &str)], text: &str) -> Script {
        let mut files: Vec<RustFile<'_>> = others
            .iter()
            .map(|&(rel, text)| RustFile { rel, text })
            .collect();
        let me = RustFile {
            rel: "app/build.rs",
            text,
        };
        files.push(me);
        analyse(&me, &helpers(&files))
    }

    fn script(text: &str) -> Script {
        script_with(&[], text)
    }

    /// The only call of `text`.
    fn only_call(text: &str) -> Call {
        let s = script(text);
        assert_eq!(s.calls.len(), 1, "{s:#?}");
        s.calls.into_iter().next().unwrap_or_else(|| unreachable!())
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_arch_named_to_a_compute_cap_helper_is_no_gpu_probe() {
        let named = "fn main() {\n    let arch = cudaforge::compute_cap_arch(\"90a\");\n    cudaforge::KernelBuilder::new().source_files(vec![\"k.cu\"]).arg(&arch).build_ptx();\n}\n";
        let found = analyse(
            &RustFile {
                rel: "build.rs",
                text: named,
            },
            &helpers(&[]),
        );
        assert_eq!(found.gpu_probe, None, "{found:#?}");
        let asked = "fn main() {\n    let cap = cudaforge::detect_compute_cap();\n}\n";
        let found = analyse(
            &RustFile {
                rel: "build.rs",
                text: asked,
            },
            &helpers(&[]),
        );
        assert_eq!(found.gpu_probe.map(|p| p.0), Some(2));
    }

    #[test]
    fn nvcc_asked_for_its_version_compiles_nothing() {
        let script = "fn main() {\n    let out = match std::process::Command::new(\"nvcc\").arg(\"--version\").output() {\n        Ok(o) => o,\n        Err(e) => panic!(\"`nvcc --version` failed: {e}\"),\n    };\n}\n";
        let found = analyse(
            &RustFile {
                rel: "build.rs",
                text: script,
            },
            &helpers(&[]),
        );
        assert!(found.calls.is_empty(), "{found:#?}");
        let compiles = "fn main() {\n    std::process::Command::new(\"nvcc\").arg(\"--version\").arg(\"k.cu\").status();\n}\n";
        let found = analyse(
            &RustFile {
                rel: "build.rs",
                text: compiles,
            },
            &helpers(&[]),
        );
        assert_eq!(found.calls.len(), 1, "{found:#?}");
    }

    #[test]
    fn cc_method_chain() {
        let call = only_call(
            "fn main() {\n    cc::Build::new()\n        .cuda(true)\n        .file(\"src/kernels.cu\")\n        .flag(\"-arch=sm_80\")\n        .include(\"include\")\n        .compile(\"kernels\");\n}\n",
        );
        assert_eq!(call.kind, BuilderKind::Cc);
        assert_eq!(call.line, 3, "at the .cuda(true)");
        assert_eq!(call.inputs, strings(&["src/kernels.cu"]));
        assert_eq!(call.include_dirs, strings(&["include"]));
        assert_eq!(call.archs, strings(&["sm_80"]));
        assert!(!call.native_arch && !call.computed_inputs && call.via.is_none());
    }

    #[test]
    fn cc_builder_variable_with_use_import() {
        let call = only_call(
            "use cc::Build;\nfn main() {\n    let mut build = Build::new();\n    build.file(\"a.cu\");\n    build.cuda(true);\n    build.files([\"b.cu\", \"c.cu\"]);\n    build.flag(\"-arch=native\");\n    build.compile(\"k\");\n}\n",
        );
        assert_eq!((call.kind, call.line), (BuilderKind::Cc, 5));
        assert_eq!(call.inputs, strings(&["a.cu", "b.cu", "c.cu"]));
        assert!(call.native_arch);
        assert!(call.archs.is_empty());
    }

    #[test]
    fn a_cc_build_that_reads_nvcc_is_cc_not_raw_nvcc() {
        let s = script(
            "fn main() {\n    let nvcc = std::env::var(\"NVCC\").unwrap_or_default();\n    println!(\"cargo:rerun-if-env-changed=NVCC {nvcc}\");\n    let mut b = cc::Build::new();\n    b.cuda(true).file(\"k.cu\");\n    b.compile(\"k\");\n}\n",
        );
        assert_eq!(s.calls.len(), 1, "{s:#?}");
        assert_eq!((s.calls[0].kind, s.calls[0].line), (BuilderKind::Cc, 5));
    }

    #[test]
    fn cc_without_cuda_is_not_a_gpu_build() {
        assert!(
            script("fn main() { cc::Build::new().file(\"a.c\").compile(\"a\"); }")
                .calls
                .is_empty()
        );
        assert!(
            script("fn main() { cc::Build::new().cuda(false).file(\"a.cu\").compile(\"a\"); }")
                .calls
                .is_empty()
        );
        // `Build` from another crate is not cc's.
        assert!(
            script("use other::Build;\nfn main() { Build::new().cuda(true).compile(\"a\"); }")
                .calls
                .is_empty()
        );
    }

    #[test]
    fn comments_and_strings_are_never_code() {
        let s = script(
            "// cc::Build::new().cuda(true).file(\"a.cu\")\n/* Command::new(\"nvcc\") */\nfn main() {\n    let s = \"cc::Build::new().cuda(true) nvidia-smi\";\n    // Command::new(\"nvidia-smi\")\n    println!(\"{s}\");\n}\n",
        );
        assert!(s.calls.is_empty(), "{s:#?}");
        assert_eq!(
            s.gpu_probe, None,
            "a message mentioning nvidia-smi is not a probe"
        );
        let commented = script("// Command::new(\"nvidia-smi\")\nfn main() {}\n");
        assert_eq!(commented.gpu_probe, None);
        let probing = script("fn main() {\n    let smi = \"/usr/bin/nvidia-smi\";\n}\n");
        assert_eq!(probing.gpu_probe.map(|p| p.0), Some(2));
    }

    #[test]
    fn cc_through_a_helper_in_a_sibling_crate() {
        let helper = (
            "helpers/src/lib.rs",
            "//! Helpers.\n\npub fn ccmd() -> cc::Build {\n    let mut b = cc::Build::new();\n    b.cuda(true).flag(\"-arch=native\").include(\"../common\");\n    b\n}\n",
        );
        let s = script_with(
            &[helper],
            "fn main() {\n    let mut b = helpers::ccmd();\n    b.file(\"kernels/a.cu\").compile(\"k\");\n}\n",
        );
        assert_eq!(s.calls.len(), 1, "{s:#?}");
        let call = &s.calls[0];
        assert_eq!((call.kind, call.line), (BuilderKind::Cc, 2));
        assert_eq!(call.via.as_deref(), Some("helpers/src/lib.rs:3"));
        assert_eq!(call.inputs, strings(&["kernels/a.cu"]));
        assert_eq!(call.include_dirs, strings(&["../common"]));
        assert!(call.native_arch);
    }

    #[test]
    fn helpers_that_call_helpers_and_non_helpers() {
        let files = [
            RustFile {
                rel: "h/src/lib.rs",
                text: "pub fn ccmd() -> cc::Build { let mut b = cc::Build::new(); b.cuda(true); b }\npub fn with_flags() -> cc::Build { let mut b = ccmd(); b.flag(\"-O3\"); b }\npub fn plain() -> cc::Build { cc::Build::new() }\n",
            },
            RustFile {
                rel: "other/src/lib.rs",
                text: "pub fn nothing() {}\n",
            },
        ];
        let found = helpers(&files);
        let names: Vec<&str> = found.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["ccmd", "with_flags"]);
        assert_eq!(
            found.get("with_flags", None).map(|h| h.at.as_str()),
            Some("h/src/lib.rs:2")
        );
        assert!(found.get("plain", None).is_none());
        let s = analyse(
            &RustFile {
                rel: "app/build.rs",
                text: "fn main() {\n    h::with_flags().file(\"x.cu\").compile(\"x\");\n    Foo::ccmd();\n    x.ccmd();\n}\n",
            },
            &found,
        );
        assert_eq!(
            s.calls.len(),
            1,
            "a type's or a method's `ccmd` is not the helper: {s:#?}"
        );
        assert_eq!(s.calls[0].inputs, strings(&["x.cu"]));
    }

    #[test]
    fn raw_nvcc_commands() {
        let call = only_call(
            "use std::process::Command;\nfn main() {\n    let status = Command::new(\"nvcc\")\n        .arg(\"-arch=sm_90\")\n        .arg(\"-Iinc\")\n        .args([\"-I\", \"more\", \"-c\", \"kernels/x.cu\", \"-o\"])\n        .status();\n}\n",
        );
        assert_eq!((call.kind, call.line), (BuilderKind::Nvcc, 3));
        assert_eq!(call.inputs, strings(&["kernels/x.cu"]));
        assert_eq!(call.include_dirs, strings(&["inc", "more"]));
        assert_eq!(call.archs, strings(&["sm_90"]));
        assert!(!call.computed_inputs);

        let from_env = only_call(
            "fn main() {\n    let nvcc = std::env::var(\"NVCC\").unwrap_or_else(|_| \"nvcc\".into());\n    let mut cmd = std::process::Command::new(&nvcc);\n    cmd.arg(format!(\"src/{}.cu\", name));\n    cmd.status();\n}\n",
        );
        assert_eq!((from_env.kind, from_env.line), (BuilderKind::Nvcc, 3));
        assert!(from_env.inputs.is_empty() && from_env.computed_inputs);

        let gcc = script(
            "fn main() {\n    let cc = \"gcc\";\n    std::process::Command::new(&cc).arg(\"x.c\").status();\n    std::process::Command::new(\"nvidia-smi\").status();\n}\n",
        );
        assert!(gcc.calls.is_empty(), "{gcc:#?}");
    }

    #[test]
    fn cmake_with_and_without_cuda() {
        let call = only_call(
            "fn main() {\n    let mut config = cmake::Config::new(\"llama.cpp\");\n    if cfg!(feature = \"cuda\") {\n        config.define(\"GGML_CUDA\", \"ON\");\n        config.define(\"CMAKE_CUDA_ARCHITECTURES\", \"80;90\");\n    }\n    config.build();\n}\n",
        );
        assert_eq!((call.kind, call.line), (BuilderKind::Cmake, 2));
        assert_eq!(call.inputs, strings(&["llama.cpp"]));
        assert_eq!(call.archs, strings(&["80;90"]));
        assert_eq!(
            call.switch.as_deref(),
            Some("GGML_CUDA=ON if feature \"cuda\"")
        );

        let arg = only_call(
            "use cmake::Config;\nfn main() {\n    Config::new(\"vendor\").configure_arg(\"-DGGML_CUDA=ON\").configure_arg(\"-DCMAKE_CUDA_ARCHITECTURES=native\").build();\n}\n",
        );
        assert_eq!(arg.switch.as_deref(), Some("GGML_CUDA=ON"));
        assert!(arg.native_arch);

        let plain = script(
            "fn main() {\n    cmake::Config::new(\"zlib\").define(\"BUILD_SHARED\", \"OFF\").define(\"GGML_CUDA\", \"OFF\").build();\n}\n",
        );
        assert!(plain.calls.is_empty(), "{plain:#?}");
    }

    #[test]
    fn bindgen_cuda_and_cudaforge() {
        let default = only_call(
            "fn main() {\n    #[cfg(feature = \"cuda\")]\n    {\n        let builder = bindgen_cuda::Builder::default();\n        builder.build_ptx().unwrap();\n    }\n}\n",
        );
        assert_eq!((default.kind, default.line), (BuilderKind::BindgenCuda, 4));
        assert_eq!(default.inputs, strings(&["src/**/*.cu"]));
        assert_eq!(default.switch.as_deref(), Some("feature \"cuda\""));

        let globbed = only_call(
            "use bindgen_cuda::Builder;\nfn main() {\n    Builder::default().kernel_paths_glob(\"kernels/**/*.cu\").include_paths_glob(\"kernels/*.cuh\").arg(\"--gpu-architecture=sm_80\").build_lib(\"libk.a\");\n}\n",
        );
        assert_eq!(globbed.inputs, strings(&["kernels/**/*.cu"]));
        assert_eq!(globbed.include_dirs, strings(&["kernels/*.cuh"]));
        assert_eq!(globbed.archs, strings(&["sm_80"]));

        let forge = only_call(
            "fn main() {\n    cudaforge::KernelBuilder::new().source_glob(\"src/*.cu\").arg(\"-gencode\").arg(\"arch=compute_80,code=[sm_80,compute_80]\").build().unwrap();\n}\n",
        );
        assert_eq!(forge.kind, BuilderKind::Cudaforge);
        assert_eq!(forge.inputs, strings(&["src/*.cu"]));
        assert_eq!(forge.archs, strings(&["sm_80", "compute_80"]));
    }

    #[test]
    fn cuda_builder_and_ptx_outside_out_dir() {
        let s = script(
            "use cuda_builder::{CudaBuilder, NvvmArch};\nfn main() {\n    CudaBuilder::new(\"../kernels\")\n        .copy_to(\"../resources/k.ptx\")\n        .arch(NvvmArch::Compute70)\n        .build()\n        .unwrap();\n}\n",
        );
        assert_eq!(s.calls.len(), 1, "{s:#?}");
        assert_eq!(
            (s.calls[0].kind, s.calls[0].line),
            (BuilderKind::CudaBuilder, 3)
        );
        assert_eq!(s.calls[0].inputs, strings(&["../kernels"]));
        assert_eq!(s.calls[0].archs, strings(&["compute_70"]));
        assert_eq!(
            s.outside_out_dir,
            Some((4, "../resources/k.ptx".to_owned()))
        );

        let inside = script(
            "fn main() {\n    let out = std::path::PathBuf::from(std::env::var(\"OUT_DIR\").unwrap());\n    cuda_builder::CudaBuilder::new(\"kernels\").copy_to(out.join(\"k.ptx\")).build().unwrap();\n    std::fs::write(out.join(\"x.ptx\"), ptx).unwrap();\n}\n",
        );
        assert_eq!(inside.outside_out_dir, None);
        let written = script(
            "fn main() {\n    std::fs::copy(&src, \"kernels/x.ptx\").unwrap();\n    std::fs::write(\"notes.txt\", \"\").unwrap();\n}\n",
        );
        assert_eq!(
            written.outside_out_dir,
            Some((2, "kernels/x.ptx".to_owned()))
        );
    }

    #[test]
    fn gate_build_calls() {
        let call = only_call(
            "fn main() -> Result<(), gate_build::Error> {\n    gate_build::Kernels::new().dir(\"src\").include(\"inc\").archs([\"sm_80\", \"sm_90\"]).build()?;\n    Ok(())\n}\n",
        );
        assert_eq!((call.kind, call.line), (BuilderKind::GateBuild, 2));
        assert_eq!(call.inputs, strings(&["src"]));
        assert_eq!(call.include_dirs, strings(&["inc"]));
        assert_eq!(call.archs, strings(&["sm_80", "sm_90"]));
        let computed =
            only_call("fn main() { gate_build::Kernels::new().dir(dir).build().unwrap(); }");
        assert!(computed.inputs.is_empty() && computed.computed_inputs);
    }

    #[test]
    fn feature_guards() {
        let early = only_call(
            "fn main() {\n    if std::env::var(\"CARGO_FEATURE_CUDA\").is_err() {\n        return;\n    }\n    cc::Build::new().cuda(true).file(\"a.cu\").compile(\"a\");\n}\n",
        );
        assert_eq!(early.switch.as_deref(), Some("feature \"cuda\""));
        let var = only_call(
            "fn main() {\n    let gpu = std::env::var_os(\"CARGO_FEATURE_GPU\").is_some();\n    let mut b = cc::Build::new();\n    if gpu {\n        b.cuda(true);\n    }\n    b.file(\"a.cu\").compile(\"a\");\n}\n",
        );
        assert_eq!(
            (var.line, var.switch.as_deref()),
            (5, Some("feature \"gpu\""))
        );
        let negated = only_call(
            "#[cfg(not(feature = \"cuda\"))]\nfn cpu() {}\nfn main() { cc::Build::new().cuda(true).compile(\"a\"); }\n",
        );
        assert_eq!(negated.switch, None);
        let unguarded = only_call("fn main() { cc::Build::new().cuda(true).compile(\"a\"); }");
        assert_eq!(unguarded.switch, None);
    }

    #[test]
    fn a_helper_of_the_build_script_itself_is_reported_at_its_call() {
        let s = script(
            "#[cfg(feature = \"kernels\")]\nfn build_kernels() {\n    cuda_builder::CudaBuilder::new(\"../miner\").copy_to(\"kernels/miner.ptx\").build().unwrap();\n}\n\nfn main() {\n    #[cfg(feature = \"kernels\")]\n    build_kernels();\n}\n",
        );
        assert_eq!(s.calls.len(), 1, "{s:#?}");
        let call = &s.calls[0];
        assert_eq!((call.kind, call.line), (BuilderKind::CudaBuilder, 8));
        assert_eq!(call.via.as_deref(), Some("app/build.rs:2"));
        assert_eq!(call.inputs, strings(&["../miner"]));
        assert_eq!(call.switch.as_deref(), Some("feature \"kernels\""));
        assert_eq!(s.outside_out_dir, Some((3, "kernels/miner.ptx".to_owned())));
    }

    #[test]
    fn arch_spellings() {
        let call = only_call(
            "fn main() {\n    cc::Build::new().cuda(true)\n        .flag(\"-arch=all-major\")\n        .flag(\"-gencode=arch=compute_90a,code=sm_90a\")\n        .flag(\"-arch\").flag(\"sm_75\")\n        .flag(&format!(\"-arch=sm_{cap}\"))\n        .compile(\"a\");\n}\n",
        );
        assert_eq!(call.archs, strings(&["all-major", "sm_90a", "sm_75"]));
        assert!(
            !call.native_arch,
            "all-major depends on the toolkit, not the build machine"
        );
    }

    #[test]
    fn real_world_shapes() {
        // cudaforge imported by name, two builders, reassigned variables, a build-time probe.
        let s = script(
            "use cudaforge::{KernelBuilder, Result};\nfn main() -> Result<()> {\n    let mut ptx = KernelBuilder::new()\n        .source_dir(\"src\")\n        .exclude(&[\"big_*.cu\"]);\n    ptx = ptx.arg(\"-O3\");\n    ptx.build_ptx()?;\n    let mut lib = KernelBuilder::default().source_files(vec![\"src/big/a.cu\", \"src/big/b.cu\"]);\n    let cap = cudaforge::detect_compute_cap().unwrap_or(80);\n    if cap < 80 {\n        lib = lib.arg(\"-DNO_BF16\");\n    }\n    lib.build_lib(\"libbig.a\")?;\n    Ok(())\n}\n",
        );
        let got: Vec<(BuilderKind, u32, Vec<String>)> = s
            .calls
            .iter()
            .map(|c| (c.kind, c.line, c.inputs.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (BuilderKind::Cudaforge, 3, strings(&["src"])),
                (
                    BuilderKind::Cudaforge,
                    8,
                    strings(&["src/big/a.cu", "src/big/b.cu"])
                ),
            ]
        );
        assert_eq!(
            s.gpu_probe,
            Some((
                9,
                "detects the compute capability (`detect_compute_cap()`)".to_owned()
            ))
        );
        // cmake on a computed source dir, CUDA switched on by a feature among others.
        let call = only_call(
            "use cmake::Config;\nfn main() {\n    let dst = out_dir.join(\"llama.cpp\");\n    let shared = cfg!(feature = \"cuda\") || cfg!(feature = \"dylib\");\n    let mut config = Config::new(&dst);\n    config.define(\"BUILD_TESTS\", \"OFF\");\n    if cfg!(feature = \"vulkan\") {\n        config.define(\"GGML_VULKAN\", \"ON\");\n    }\n    if cfg!(feature = \"cuda\") {\n        config.define(\"GGML_CUDA\", \"ON\");\n    }\n    config.profile(\"Release\");\n    let built = config.build();\n}\n",
        );
        assert_eq!((call.kind, call.line), (BuilderKind::Cmake, 5));
        assert!(call.inputs.is_empty() && call.computed_inputs);
        assert_eq!(
            call.switch.as_deref(),
            Some("GGML_CUDA=ON if feature \"cuda\"")
        );
    }

    #[test]
    fn gpu_probing() {
        let smi = script(
            "use std::process::Command;\nfn main() {\n    let out = Command::new(\"nvidia-smi\").args([\"--query-gpu=compute_cap\", \"--format=csv\"]).output();\n}\n",
        );
        assert_eq!(smi.gpu_probe, Some((3, "runs `nvidia-smi`".to_owned())));
        let nvml =
            script("use nvml_wrapper::Nvml;\nfn main() {\n    let nvml = Nvml::init();\n}\n");
        assert_eq!(nvml.gpu_probe.map(|p| p.0), Some(3), "not at the use line");
    }

    #[test]
    fn cudaforge_inputs_are_what_it_compiles_not_what_it_watches() {
        let text = "const KERNELS: [&str; 2] = [\"src/a.cu\", \"src/b.cu\"];\nfn main() {\n    let b = cudaforge::KernelBuilder::new()\n        .watch(\"src/\")\n        .kernel_paths(KERNELS)\n        .exclude(\"src/c.cu\");\n}\n";
        let found = analyse(
            &RustFile {
                rel: "build.rs",
                text,
            },
            &helpers(&[]),
        );
        assert_eq!(found.calls.len(), 1, "{found:#?}");
        assert_eq!(found.calls[0].inputs, ["src/a.cu", "src/b.cu"]);
        assert_eq!(found.calls[0].excludes, ["src/c.cu"]);
        assert!(!found.calls[0].computed_inputs);
    }

    #[test]
    fn nvrtc_at_run_time() {
        let text = "use cudarc::nvrtc::compile_ptx;\n// compile_ptx(\"x\") in a comment\nfn f() {\n    let ptx = compile_ptx(SRC).unwrap();\n    let p2 = cudarc::nvrtc::compile_ptx_with_opts(SRC, opts);\n    let p3 = Ptx::from_src(text);\n    let prog: nvrtc::Program = make();\n}\nfn compile_ptx(x: &str) {}\n";
        let uses = nvrtc_uses(&RustFile {
            rel: "src/lib.rs",
            text,
        });
        assert_eq!(
            uses,
            vec![
                (4, "compile_ptx".to_owned()),
                (5, "cudarc::nvrtc::compile_ptx_with_opts".to_owned()),
                // `Ptx::from_src` wraps PTX that is already compiled: no NVRTC (line 6).
                (7, "nvrtc::Program".to_owned()),
            ]
        );
        assert!(
            nvrtc_uses(&RustFile {
                rel: "a.rs",
                text: "fn main() {}"
            })
            .is_empty()
        );
    }

    #[test]
    fn helpers_skip_files_without_builder_words() {
        let found = helpers(&[RustFile {
            rel: "a.rs",
            text: "fn main() { Build::new(); }",
        }]);
        assert_eq!(found, Helpers::default());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
            let files = [RustFile { rel: "x/build.rs", text: &text }];
            let found = helpers(&files);
            let _ = analyse(&files[0], &found);
            let _ = nvrtc_uses(&files[0]);
        }

        #[test]
        fn never_panics_on_builder_shaped_text(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..60)
        ) {
            let text = pieces.concat();
            let files = [
                RustFile { rel: "x/build.rs", text: &text },
                RustFile { rel: "h/src/lib.rs", text: "pub fn ccmd() -> cc::Build { cc::Build::new().cuda(true) }" },
            ];
            let found = helpers(&files);
            let _ = analyse(&files[0], &found);
            let _ = nvrtc_uses(&files[0]);
        }
    }

    /// Pieces of build scripts: random sequences exercise every path of the analysis.
    const PIECES: &[&str] = &[
        "cc::Build::new()",
        "Build::new()",
        "use cc::Build;",
        ".cuda(true)",
        ".cuda(false)",
        ".file(\"a.cu\")",
        ".files([\"b.cu\"])",
        "let mut b = ",
        "let ",
        "b",
        "b.",
        " = ",
        ";",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "#[cfg(feature = \"cuda\")]",
        "if cfg!(feature = \"cuda\")",
        "if !",
        "return",
        "cmake::Config::new(\"d\")",
        ".define(\"GGML_CUDA\", \"ON\")",
        "Command::new(\"nvcc\")",
        "Command::new(&nvcc)",
        "\"-arch=native\"",
        "\"-gencode\"",
        "\"arch=compute_80,code=[sm_80\"",
        "CudaBuilder::new(\"k\")",
        ".copy_to(\"x.ptx\")",
        "bindgen_cuda::Builder::default()",
        "cudaforge::K::new()",
        "gate_build::Kernels::new()",
        "fn ",
        "fn main() ",
        "ccmd()",
        "h::ccmd",
        "nvrtc::Program",
        "compile_ptx(",
        "Ptx::from_src(",
        "fs::copy(a, \"x.ptx\")",
        "\"CARGO_FEATURE_CUDA\"",
        ".is_err()",
        "// c\n",
        "/* b */",
        "\n",
        "r#\"raw\"#",
        "'a'",
        "é",
        "::",
        ":",
        ",",
        "&",
        "=",
        "!",
        ".",
        "#",
        "\"",
    ];
}
