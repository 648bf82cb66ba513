//! Tidy: rules about the source tree itself, checked on every test run (rust-analyzer's
//! `tidy.rs` pattern).
//!
//! - Every Rust file of the workspace opens with a `//!` line saying what it is.
//! - No copy of a shared helper lives outside gate-support: hand-rolled hex, a SplitMix64,
//!   calendar arithmetic, a home-made `TempDir`. `clippy.toml`'s `disallowed-methods` catches
//!   the calls clippy can see (`std::env::temp_dir`, `std::fs::rename`); this catches the code
//!   it cannot.
//! - cargo-gate's modules (files and inline `mod`s, test modules included) form no import
//!   cycle, and keep the layer rules of docs/ARCHITECTURE.md ([`LAYER_RULES`]).
//! - gate.toml's `[cache.reads]` names every member for tidy and new_check, which read them
//!   all when they run.
//! - Size is design: no file of code holds more than 1,000 lines before its tests, and no
//!   function more than 80, but those named with their reason ([`OVER_BUDGET`],
//!   [`LONG_FUNCTIONS`]); an entry that has come under the budget fails too, so the lists
//!   only shrink.
//!
//! Fixture workspaces (`tests/fixtures/`) are other people's code in miniature and are not
//! held to these rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// Every `.rs` file of the workspace's crates and examples, relative to the root, `/`-separated.
fn rust_files() -> Vec<(String, String)> {
    let root = workspace_root();
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            let rel = path
                .strip_prefix(&root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            let skip = rel.starts_with("target")
                || rel.starts_with('.')
                || rel.contains("/.")
                || rel == "tests/fixtures"
                || rel.ends_with("/target");
            if skip {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if rel.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).expect("UTF-8 source");
                files.push((rel, text));
            }
        }
    }
    files.sort();
    assert!(
        files.len() > 100,
        "found only {} Rust files: is the walk wrong?",
        files.len()
    );
    files
}

#[test]
fn every_rust_file_opens_with_a_module_doc_line() {
    let missing: Vec<String> = rust_files()
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//!"))
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` line saying what they are:\n  {}",
        missing.join("\n  ")
    );
}

/// A helper that lives in gate-support, and text that only a copy of it contains.
struct HelperCopy {
    what: &'static str,
    home: &'static str,
    needles: &'static [&'static str],
}

const COPIES: &[HelperCopy] = &[
    HelperCopy {
        what: "hand-rolled hex",
        home: "gate_support::digest::hex / sha256_hex",
        needles: &[":02x}"],
    },
    HelperCopy {
        what: "a SplitMix64 generator",
        home: "gate_support::rng::SplitMix64",
        needles: &["0x9e3779b97f4a7c15", "0xbf58476d1ce4e5b9"],
    },
    HelperCopy {
        what: "calendar arithmetic",
        home: "gate_support::date::Date",
        needles: &[
            "719468",
            "146097",
            "fn civil_from_days",
            "fn days_from_civil",
        ],
    },
    HelperCopy {
        what: "a home-made temporary directory",
        home: "tempfile::TempDir",
        needles: &["struct tempdir"],
    },
    HelperCopy {
        what: "a hand-made atomic write",
        home: "gate_support::atomic::write",
        needles: &[
            ".tmp-{}\", std::process::id()",
            ".tmp\", std::process::id()",
        ],
    },
];

/// Places allowed to hold a needle, each with the reason.
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "gate-kernels/tests/emulated.rs",
        "0xbf58476d1ce4e5b9",
        "a stateless per-index hash of test inputs (Fibonacci hashing), not a generator",
    ),
    (
        "gate-kernels/tests/emulated.rs",
        "0x9e3779b97f4a7c15",
        "a stateless per-index hash of test inputs (Fibonacci hashing), not a generator",
    ),
    (
        "tests/tests/tidy.rs",
        "",
        "this file names the needles it looks for",
    ),
];

#[test]
fn shared_helpers_have_one_home() {
    let mut found = Vec::new();
    for (rel, text) in rust_files() {
        if rel.starts_with("gate-support/") {
            continue;
        }
        // Case and digit separators do not matter: `0x9E37_79B9…` is `0x9e3779b9…`.
        let folded = text.to_ascii_lowercase().replace('_', "");
        for copy in COPIES {
            for needle in copy.needles {
                let needle = needle.replace('_', "");
                if !folded.contains(&needle) {
                    continue;
                }
                let allowed = ALLOWED
                    .iter()
                    .any(|(file, n, _)| *file == rel && (n.is_empty() || *n == needle));
                if !allowed {
                    found.push(format!(
                        "{rel}: {} (`{needle}`): use {}",
                        copy.what, copy.home
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "copies of shared helpers outside gate-support:\n  {}",
        found.join("\n  ")
    );
}

/// Whether `text` pretty-prints JSON and appends a newline by hand (within the statement
/// that serialises and the one after it, or a `format!` just before): the copy that
/// `gate_support::json::pretty_string` / `pretty_bytes` replace.
fn pretty_json_plus_newline(text: &str) -> bool {
    ["to_string_pretty(", "to_vec_pretty(", "to_writer_pretty("]
        .iter()
        .flat_map(|call| text.match_indices(call))
        .any(|(at, _)| {
            let mut start = at.saturating_sub(60);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let after = &text[at..];
            let end = after
                .match_indices(';')
                .nth(1)
                .map_or(after.len(), |(i, _)| i);
            let window = &text[start..at + end];
            window.contains("\\n'") || window.contains("\\n\"")
        })
}

#[test]
fn pretty_json_plus_newline_has_one_home() {
    let found: Vec<String> = rust_files()
        .into_iter()
        .filter(|(rel, _)| !rel.starts_with("gate-support/") && rel != "tests/tests/tidy.rs")
        .filter(|(_, text)| pretty_json_plus_newline(text))
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        found.is_empty(),
        "pretty JSON plus a newline written by hand: use gate_support::json::pretty_string or \
         pretty_bytes:\n  {}",
        found.join("\n  ")
    );
    // The rule sees a planted copy in each form, and not a pretty JSON without the newline.
    for copy in [
        "let mut b = serde_json::to_vec_pretty(&x).expect(\"x\");\n b.push(b'\\n');",
        "Some(serde_json::to_string_pretty(&x).expect(\"x\") + \"\\n\")",
        "format!(\"{}\\n\", serde_json::to_string_pretty(&x)?)",
    ] {
        assert!(pretty_json_plus_newline(copy), "{copy}");
    }
    assert!(!pretty_json_plus_newline(
        "let b = serde_json::to_vec_pretty(&x).expect(\"x\");\nwrite(&b);\nlet c = 1;\nlet d = 2;"
    ));
}

#[test]
fn the_rules_see_a_planted_copy() {
    // The test above must be able to fail: a file with a SplitMix64 constant is a copy.
    let text = "fn next(s: &mut u64) -> u64 { *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15); *s }";
    let folded = text.to_ascii_lowercase().replace('_', "");
    assert!(COPIES[1].needles.iter().any(|n| folded.contains(n)));
    assert!(!"just code".contains(COPIES[0].needles[0]));
}

// cargo-gate's module graph. Every module is a node: each file, and each inline
// `mod name { … }` in one (test modules included, e.g. `config::tests`). An edge is a path the
// module's code names, in any form: `use crate::{a, b::{c, d}}`, `crate::x::y` in expressions
// and types, `super::`, `super::super::`, `self::`, `use super::*`, paths in macro bodies and in
// serde's `with = "…"`. Comments and string literals are not code (cargo-gate's own lexer
// says where they are). A `mod name;` declaration is not an edge.

/// A token the module graph reads: comments, strings, chars and numbers are gone.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(u8),
    /// The path in a serde attribute's string, e.g. `#[serde(with = "duration_secs")]`.
    StrPath(Vec<String>),
}

/// serde attribute keys whose string names a function or a module by its path.
const SERDE_PATH_KEYS: &[&str] = &[
    "with",
    "serialize_with",
    "deserialize_with",
    "default",
    "skip_serializing_if",
];

/// `src` as [`Tok`]s, read with cargo-gate's own lexer (nested block comments, raw strings and
/// chars versus lifetimes are its business).
fn significant_tokens(src: &str) -> Vec<Tok> {
    use cargo_gate::lexer::{Lexer, TokenKind};
    let bytes = src.as_bytes();
    let mut out: Vec<Tok> = Vec::new();
    // Where the last `:` ended, when it was the last token: a `:` right after it makes `::`.
    let mut colon_end = None;
    for token in Lexer::new(bytes) {
        let text = String::from_utf8_lossy(token.text(bytes));
        let joins_colon = colon_end == Some(token.start);
        colon_end = None;
        match token.kind {
            TokenKind::Punct(b':') if joins_colon => {
                out.pop();
                out.push(Tok::PathSep);
            }
            TokenKind::Punct(b':') => {
                out.push(Tok::Punct(b':'));
                colon_end = Some(token.end);
            }
            TokenKind::Punct(p) => out.push(Tok::Punct(p)),
            TokenKind::Ident => out.push(Tok::Ident(text.into_owned())),
            TokenKind::RawIdent => out.push(Tok::Ident(text.trim_start_matches("r#").to_owned())),
            TokenKind::Str => {
                let n = out.len();
                let serde_path = n >= 2
                    && out[n - 1] == Tok::Punct(b'=')
                    && matches!(&out[n - 2], Tok::Ident(k) if SERDE_PATH_KEYS.contains(&k.as_str()));
                if serde_path {
                    let path = text.trim_matches('"').split("::").map(str::to_owned);
                    out.push(Tok::StrPath(path.collect()));
                }
            }
            TokenKind::RawStr | TokenKind::Literal | TokenKind::Lifetime | TokenKind::Comment => {}
        }
    }
    out
}

/// A path a module names: `crate::config::Config`, or `super` with `glob` for `use super::*`.
#[derive(Debug, Clone)]
struct PathRef {
    segments: Vec<String>,
    /// The name a `use` binds in the module: its last segment, or its `as` name.
    binds: Option<String>,
    /// `use path::*`.
    glob: bool,
}

/// The modules of cargo-gate by path: `""` is the library's root, `main` the binary's.
#[derive(Debug, Default)]
struct ModuleTree {
    /// Each module and the paths its own code names (an inline module's are its own).
    modules: BTreeMap<String, Vec<PathRef>>,
    /// The modules declared `#[cfg(test)]`, and those inside them.
    tests: BTreeSet<String>,
}

/// `base::name`, where the root `""` has no prefix.
fn join(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_owned()
    } else {
        format!("{base}::{name}")
    }
}

/// The module a module sits in; `None` for the crate roots.
fn parent(module: &str) -> Option<String> {
    match module.rsplit_once("::") {
        Some((parent, _)) => Some(parent.to_owned()),
        None if module.is_empty() || module == "main" => None,
        None => Some(String::new()),
    }
}

/// The name a module goes by in failures: the library's root is `lib`.
fn display(module: &str) -> String {
    if module.is_empty() {
        "lib".to_owned()
    } else {
        module.to_owned()
    }
}

/// The module a file under `src/` is: `lib.rs` the root, `a/mod.rs` `a`, `a/b.rs` `a::b`.
fn file_module(path: &str) -> String {
    let mut parts: Vec<&str> = path.trim_end_matches(".rs").split('/').collect();
    if matches!(parts.last(), Some(&"mod" | &"lib")) {
        parts.pop();
    }
    parts.join("::")
}

impl ModuleTree {
    /// The modules of `files`, each `(path under src/, text)`.
    fn read(files: &[(String, String)]) -> ModuleTree {
        let mut tree = ModuleTree::default();
        let mut declared_test = BTreeSet::new();
        for (path, text) in files {
            let module = file_module(path);
            tree.read_file(&module, &significant_tokens(text), &mut declared_test);
        }
        tree.tests = tree
            .modules
            .keys()
            .filter(|m| {
                let mut at = Some((*m).clone());
                std::iter::from_fn(|| {
                    let here = at.take()?;
                    at = parent(&here).filter(|p| !p.is_empty());
                    Some(here)
                })
                .any(|a| declared_test.contains(&a))
            })
            .cloned()
            .collect();
        tree
    }

    /// Reads the tokens of the file that is `file`, inline modules becoming modules of their own.
    fn read_file(&mut self, file: &str, toks: &[Tok], declared_test: &mut BTreeSet<String>) {
        const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
        let spelled = |t: &Tok| match t {
            Tok::Ident(s) => s.clone(),
            Tok::Punct(p) => char::from(*p).to_string(),
            _ => String::new(),
        };
        // The open modules, each with the brace depth inside it.
        let mut open: Vec<(String, usize)> = vec![(file.to_owned(), 0)];
        self.modules.entry(file.to_owned()).or_default();
        let (mut depth, mut cfg_test, mut i) = (0, false, 0);
        while i < toks.len() {
            let current = open.last().expect("the file's own module").0.clone();
            let prev = i.checked_sub(1).map(|p| &toks[p]);
            let found = match &toks[i] {
                _ if toks.len() >= i + 7 && toks[i..i + 7].iter().map(spelled).eq(CFG_TEST) => {
                    cfg_test = true;
                    i += 7;
                    continue;
                }
                Tok::Ident(kw) if kw == "mod" => {
                    let Some(Tok::Ident(name)) = toks.get(i + 1) else {
                        i += 1;
                        continue;
                    };
                    let child = join(&current, name);
                    if std::mem::take(&mut cfg_test) {
                        declared_test.insert(child.clone());
                    }
                    i += 2;
                    self.modules.entry(child.clone()).or_default();
                    if toks.get(i) == Some(&Tok::Punct(b'{')) {
                        depth += 1;
                        i += 1;
                        open.push((child, depth));
                    }
                    continue;
                }
                Tok::Ident(kw) if kw == "use" && prev != Some(&Tok::PathSep) => {
                    let mut found = Vec::new();
                    i = use_tree(toks, i + 1, &[], &mut found);
                    self.modules.entry(current).or_default().extend(found);
                    cfg_test = false;
                    continue;
                }
                Tok::StrPath(segments) => vec![PathRef {
                    segments: segments.clone(),
                    binds: None,
                    glob: false,
                }],
                Tok::Ident(_) if starts_path(toks, i) => {
                    let mut segments = Vec::new();
                    while let Some(Tok::Ident(s)) = toks.get(i) {
                        segments.push(s.clone());
                        if toks.get(i + 1) != Some(&Tok::PathSep) {
                            break;
                        }
                        i += 2;
                    }
                    vec![PathRef {
                        segments,
                        binds: None,
                        glob: false,
                    }]
                }
                Tok::Punct(b'{') => {
                    depth += 1;
                    cfg_test = false;
                    Vec::new()
                }
                Tok::Punct(b'}') => {
                    if open.len() > 1 && open.last().is_some_and(|(_, d)| *d == depth) {
                        open.pop();
                    }
                    depth = depth.saturating_sub(1);
                    cfg_test = false;
                    Vec::new()
                }
                Tok::Punct(b';') => {
                    cfg_test = false;
                    Vec::new()
                }
                _ => Vec::new(),
            };
            self.modules.entry(current).or_default().extend(found);
            i += 1;
        }
    }
}

/// Whether the identifier at `i` starts a path that goes on with `::`: not a method's
/// turbofish (`.f::<T>`), not the middle of a path, not a visibility (`pub(in crate::x)`).
fn starts_path(toks: &[Tok], i: usize) -> bool {
    let before = |n: usize| i.checked_sub(n).map(|p| &toks[p]);
    let visibility = before(1) == Some(&Tok::Ident("in".into()))
        && before(2) == Some(&Tok::Punct(b'('))
        && before(3) == Some(&Tok::Ident("pub".into()));
    toks.get(i + 1) == Some(&Tok::PathSep)
        && !matches!(before(1), Some(Tok::PathSep | Tok::Punct(b'.')))
        && !visibility
}

/// Reads the use tree at `i` (after `use`, or an item of a `{…}` group under `prefix`) into
/// `out`; returns the index after it (after the `;` for a whole `use`).
fn use_tree(toks: &[Tok], mut i: usize, prefix: &[String], out: &mut Vec<PathRef>) -> usize {
    let whole = prefix.is_empty();
    let mut segments = prefix.to_vec();
    if whole && toks.get(i) == Some(&Tok::PathSep) {
        // `use ::name::…`: another crate, never a module of this one.
        segments.push("::".to_owned());
        i += 1;
    }
    let mut glob = false;
    loop {
        match toks.get(i) {
            Some(Tok::Ident(s)) => segments.push(s.clone()),
            Some(Tok::Punct(b'*')) => glob = true,
            Some(Tok::Punct(b'{')) => {
                i += 1;
                while !matches!(toks.get(i), Some(Tok::Punct(b'}')) | None) {
                    i = use_tree(toks, i, &segments, out);
                    if toks.get(i) == Some(&Tok::Punct(b',')) {
                        i += 1;
                    }
                }
                return finish_use(toks, i + 1, whole);
            }
            _ => break,
        }
        i += 1;
        if glob || toks.get(i) != Some(&Tok::PathSep) {
            break;
        }
        i += 1;
    }
    // `self` in a group names the group's prefix: `use crate::config::{self, Config}`.
    if segments.len() > 1 && segments.last().is_some_and(|s| s == "self") {
        segments.pop();
    }
    let mut binds = (!glob).then(|| segments.last().cloned()).flatten();
    if toks.get(i) == Some(&Tok::Ident("as".into())) {
        binds = match toks.get(i + 1) {
            Some(Tok::Ident(alias)) => Some(alias.clone()),
            _ => None,
        };
        i += 2;
    }
    out.push(PathRef {
        segments,
        binds,
        glob,
    });
    finish_use(toks, i, whole)
}

/// After a use tree: past the `;` when it was a whole `use`, else where it ended.
fn finish_use(toks: &[Tok], mut i: usize, whole: bool) -> usize {
    if whole {
        while !matches!(toks.get(i), Some(Tok::Punct(b';')) | None) {
            i += 1;
        }
        i += 1;
    }
    i
}

impl ModuleTree {
    /// The deepest module along `segments` as `from` names it, and whether the path is that
    /// module itself (not an item in it); `None` for another crate's paths and for locals.
    fn resolve(&self, from: &str, segments: &[String], depth: usize) -> Option<(String, bool)> {
        let (first, mut rest) = segments.split_first()?;
        let mut base = match first.as_str() {
            "crate" => String::new(),
            "cargo_gate" if from == "main" => String::new(),
            "self" => from.to_owned(),
            "super" => parent(from)?,
            name => self.in_scope(from, name, depth)?,
        };
        while let Some((segment, more)) = rest.split_first() {
            match segment.as_str() {
                "super" => base = parent(&base)?,
                name if self.modules.contains_key(&join(&base, name)) => base = join(&base, name),
                _ => break,
            }
            rest = more;
        }
        Some((base, rest.is_empty()))
    }

    /// The module `name` stands for in `from`: a child module, a module a `use` binds, or one
    /// that a glob import (`use super::*`) brings.
    fn in_scope(&self, from: &str, name: &str, depth: usize) -> Option<String> {
        let child = join(from, name);
        if self.modules.contains_key(&child) {
            return Some(child);
        }
        let paths = self.modules.get(from).filter(|_| depth < 8)?;
        if let Some(bound) = paths.iter().find(|p| p.binds.as_deref() == Some(name)) {
            let (module, whole) = self.resolve(from, &bound.segments, depth + 1)?;
            return whole.then_some(module);
        }
        paths.iter().filter(|p| p.glob).find_map(|glob| {
            let (module, _) = self.resolve(from, &glob.segments, depth + 1)?;
            self.in_scope(&module, name, depth + 1)
        })
    }

    /// Each module (by [`display`] name) and the modules it names, itself left out.
    fn graph(&self) -> BTreeMap<String, BTreeSet<String>> {
        let edges = |from: &str, paths: &[PathRef]| {
            paths
                .iter()
                .filter_map(|p| self.resolve(from, &p.segments, 0))
                .filter(|(to, _)| to != from)
                .map(|(to, _)| display(&to))
                .collect()
        };
        self.modules
            .iter()
            .map(|(from, paths)| (display(from), edges(from, paths)))
            .collect()
    }

    /// Whether the module of this [`display`] name is a test module.
    fn is_test(&self, module: &str) -> bool {
        self.tests.contains(module)
    }
}

/// The modules of cargo-gate's library and binary, read from the source tree.
fn cargo_gate_modules() -> ModuleTree {
    let files: Vec<(String, String)> = rust_files()
        .into_iter()
        .filter_map(|(rel, text)| Some((rel.strip_prefix("cargo-gate/src/")?.to_owned(), text)))
        .collect();
    let tree = ModuleTree::read(&files);
    assert!(tree.modules.len() > 60, "{} modules", tree.modules.len());
    tree
}

/// A tree of planted files, `(path under src/, text)`.
fn planted(files: &[(&str, &str)]) -> ModuleTree {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
        .collect();
    ModuleTree::read(&files)
}

/// A layer rule of docs/ARCHITECTURE.md: the modules it binds and what they may not import.
/// Module patterns: `x` is `x` and every module under it, `x::*` only those under it, `x*`
/// every module whose name starts with `x`, `*` every module.
#[derive(Debug)]
struct LayerRule {
    /// The rule, as a failure names it.
    rule: &'static str,
    /// The modules it binds.
    modules: &'static [&'static str],
    /// Modules it does not bind though `modules` names them.
    except: &'static [&'static str],
    /// Whether test modules are bound too.
    tests_too: bool,
    /// When not empty, all that the bound modules may import.
    only: &'static [&'static str],
    /// What the bound modules never import.
    never: &'static [&'static str],
    /// A module under `X::A` never imports one under `X::B` (`Some("X")`).
    not_a_sibling_under: Option<&'static str>,
}

const LAYER_RULES: &[LayerRule] = &[
    LayerRule {
        rule: "renderers read only the report",
        modules: &["render"],
        except: &[],
        tests_too: true,
        only: &["report", "check", "stage", "verdict::exit", "render"],
        never: &[],
        not_a_sibling_under: None,
    },
    LayerRule {
        rule: "checks never read the registry, the engine, the CLI or another check",
        modules: &["checks::*"],
        except: &["checks::testing"],
        tests_too: false,
        only: &[],
        never: &["registry", "engine*", "cli"],
        not_a_sibling_under: Some("checks"),
    },
    LayerRule {
        rule: "helpers live below the checks, the registry, the engine and the CLI",
        modules: &["*"],
        except: &[
            "checks", "registry", "engine*", "cli", "init", "runs", "lib", "main",
        ],
        tests_too: false,
        only: &[],
        never: &["checks", "registry", "engine*", "cli"],
        not_a_sibling_under: None,
    },
    LayerRule {
        rule: "the commands above the engine reach a check only through the registry",
        modules: &["init", "runs", "cli"],
        except: &[],
        tests_too: false,
        only: &[],
        never: &["checks::*"],
        not_a_sibling_under: None,
    },
];

/// Whether a module pattern of [`LayerRule`] matches `module`.
fn matches(pattern: &str, module: &str) -> bool {
    if let Some(parent) = pattern.strip_suffix("::*") {
        module.starts_with(&format!("{parent}::"))
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        module.starts_with(prefix)
    } else {
        module == pattern || module.starts_with(&format!("{pattern}::"))
    }
}

/// Every import that breaks a layer rule, `(from, to)`, with the first rule it breaks.
fn layer_violations(tree: &ModuleTree) -> BTreeMap<(String, String), &'static str> {
    let child_of = |root: &str, module: &str| {
        let rest = module.strip_prefix(root)?.strip_prefix("::")?;
        Some(rest.split("::").next()?.to_owned())
    };
    let mut found = BTreeMap::new();
    for (from, imports) in tree.graph() {
        for rule in LAYER_RULES {
            let bound = rule.modules.iter().any(|p| matches(p, &from))
                && !rule.except.iter().any(|p| matches(p, &from))
                && (rule.tests_too || !tree.is_test(&from));
            for to in imports.iter().filter(|_| bound) {
                let outside = !rule.only.is_empty() && !rule.only.iter().any(|p| matches(p, to));
                let forbidden = rule.never.iter().any(|p| matches(p, to));
                let sibling = rule.not_a_sibling_under.is_some_and(|root| {
                    matches!((child_of(root, &from), child_of(root, to)), (Some(a), Some(b)) if a != b)
                });
                if outside || forbidden || sibling {
                    found.entry((from.clone(), to.clone())).or_insert(rule.rule);
                }
            }
        }
    }
    found
}

/// The strongly connected components of more than one module (Tarjan's algorithm).
fn cycles(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<Vec<String>> {
    use std::collections::BTreeMap;
    struct State<'g> {
        graph: &'g BTreeMap<String, std::collections::BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn cargo_gates_modules_have_no_import_cycle() {
    // The layers of docs/ARCHITECTURE.md: config and the check trait below the checks, the
    // checks below the registry, the registry below the engine, the engine below the CLI.
    // A cycle anywhere means a layer reaches up.
    let tree = cargo_gate_modules();
    let graph = tree.graph();
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles among cargo-gate's modules (a parent and its children included: a \
         child imports its siblings, never the parent that uses it): {found:?}"
    );
    let reaches = |from: &str, to: &str| graph.get(from).is_some_and(|e| e.contains(to));
    assert!(!reaches("config", "registry") && !reaches("config", "checks"));
    assert!(!reaches("check", "engine") && !reaches("check", "registry"));
    // The graph is really read: the engine uses the registry and the config, a test module
    // its parent, and the binary the CLI.
    assert!(reaches("engine::plan", "registry") && reaches("engine::prepare", "config"));
    assert!(reaches("config::tests", "config") && tree.is_test("config::tests"));
    assert!(reaches("main", "cli") && !tree.is_test("config"));
}

#[test]
fn cargo_gates_modules_keep_their_layers() {
    let found: Vec<String> = layer_violations(&cargo_gate_modules())
        .iter()
        .map(|((from, to), rule)| format!("{from} -> {to}: {rule}"))
        .collect();
    assert!(
        found.is_empty(),
        "imports that break a layer rule of docs/ARCHITECTURE.md:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_graph_reads_every_path_form() {
    let tree = planted(&[
        (
            "lib.rs",
            "pub mod a; pub mod b; pub mod c; pub mod d; pub mod e; pub mod f; mod g;",
        ),
        ("a.rs", "//! a\nuse crate::{b, c::{x, y as why}};\n"),
        ("c.rs", "pub mod x; pub mod y;"),
        ("c/x.rs", "pub fn f() { super::super::d::g(); }"),
        (
            "c/y.rs",
            "pub fn f() { self::inner::h(); }\nmod inner { pub fn h() {} }",
        ),
        (
            "d.rs",
            "// crate::e in a comment\nconst S: &str = \"crate::e in a string\";\n\
             const C: char = '{';\nmacro_rules! m { () => { $crate::f::go() }; }\n\
             fn t() -> Vec<crate::g::T> { vec![] }",
        ),
        (
            "e.rs",
            "#[serde(with = \"seconds\")] struct S; mod seconds {}\nuse super::b as bee;\nfn f() { bee::go() }",
        ),
        (
            "f.rs",
            "mod tests { use super::*; fn t() { e::go(); } }\nuse crate::e;",
        ),
        (
            "g.rs",
            "#[cfg(test)]\n#[allow(dead_code)]\nmod tests;\nmod plain {}",
        ),
        ("g/tests.rs", "use crate::c::x;"),
    ]);
    let graph = tree.graph();
    let edges = |from: &str| graph[from].iter().map(String::as_str).collect::<Vec<_>>();
    assert_eq!(
        edges("a"),
        ["b", "c::x", "c::y"],
        "a grouped `use crate::{{…}}`"
    );
    assert_eq!(edges("c::x"), ["d"], "`super::super::`");
    assert_eq!(edges("c::y"), ["c::y::inner"], "`self::`");
    assert_eq!(
        edges("d"),
        ["f", "g"],
        "macro bodies and types; no comments or strings"
    );
    assert_eq!(
        edges("e"),
        ["b", "e::seconds"],
        "serde paths and `use … as`"
    );
    assert_eq!(
        edges("f::tests"),
        ["e", "f"],
        "`use super::*` brings the parent's imports"
    );
    assert_eq!(
        edges("lib"),
        Vec::<&str>::new(),
        "`mod` declarations are not imports"
    );
    assert!(tree.is_test("g::tests") && !tree.is_test("g::plain") && !tree.is_test("g"));
}

#[test]
fn the_checker_finds_a_cycle_through_an_inline_test_module() {
    let tree = planted(&[
        ("lib.rs", "pub mod a; pub mod b;"),
        (
            "a.rs",
            "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::b::helper;\n}\n",
        ),
        ("b.rs", "pub fn helper() { crate::a::tests::fixture() }"),
    ]);
    assert_eq!(
        cycles(&tree.graph()),
        [vec!["a::tests".to_owned(), "b".to_owned()]]
    );
}

#[test]
fn the_checker_finds_layer_violations() {
    let tree = planted(&[
        (
            "lib.rs",
            "pub mod checks; pub mod registry; pub mod render; pub mod report; pub mod scan;",
        ),
        (
            "render/sarif.rs",
            "use crate::{report::Report, registry::{self}};",
        ),
        ("render/mod.rs", "pub mod sarif;"),
        (
            "checks/mod.rs",
            "pub mod a; pub mod b; #[cfg(test)] pub(crate) mod testing;",
        ),
        (
            "checks/a.rs",
            "fn f() { super::b::walk() }\n#[cfg(test)]\nmod tests { use crate::checks::b; }",
        ),
        ("checks/b.rs", "pub fn walk() {}"),
        ("checks/testing.rs", "use super::a;"),
        ("scan.rs", "use crate::checks::b::walk;"),
    ]);
    let found: Vec<(String, String)> = layer_violations(&tree).into_keys().collect();
    let pair = |from: &str, to: &str| (from.to_owned(), to.to_owned());
    assert_eq!(
        found,
        [
            pair("checks::a", "checks::b"),
            pair("render::sarif", "registry"),
            pair("scan", "checks::b"),
        ]
    );
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .iter()
        .fold(
            std::collections::BTreeMap::new(),
            |mut g: std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
             (from, to)| {
                g.entry((*from).to_owned())
                    .or_default()
                    .insert((*to).to_owned());
                g
            },
        );
    assert_eq!(
        cycles(&graph),
        [vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]
    );
}

/// A check's finding codes are an enum private to its module (`finding_codes!`): a string
/// is no code (`Finding::code` takes a declared one, a compile-fail doctest in gate-formats
/// shows it), and a private enum cannot be named by another check (the one in
/// `check::finding_codes!`), so a check emits only the codes it declared. This keeps the
/// enums private.
#[test]
fn checks_declare_their_finding_codes_privately() {
    let mut found = Vec::new();
    for (rel, text) in rust_files() {
        if !rel.starts_with("cargo-gate/src/checks/") {
            continue;
        }
        let mut lines = text.lines().enumerate().peekable();
        while let Some((_, line)) = lines.next() {
            if !line.contains("finding_codes! {") {
                continue;
            }
            let declaration = lines.find(|(_, l)| !l.trim_start().starts_with("///"));
            if let Some((n, l)) = declaration.filter(|(_, l)| !l.trim_start().starts_with("enum "))
            {
                found.push(format!("{rel}:{}: {}", n + 1, l.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "finding-code enums that other checks could name (declare them as a private `enum`):\n  {}",
        found.join("\n  ")
    );
}

/// The quoted strings of the TOML array that `key = [...]` opens on one line of `text`.
fn one_line_array(text: &str, key: &str) -> Vec<String> {
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(key)?.trim().strip_prefix('='))
        .unwrap_or_else(|| panic!("no `{key} = [...]` line"));
    line.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// tidy and new_check read every member's files when they run, but the per-binary test run
/// keys them by gate-tests and its dependencies only: gate.toml's `[cache.reads]` names the
/// rest. A member added to the workspace and not to those lists would let a stale tidy pass
/// be reused; this fails instead.
#[test]
fn cache_reads_name_every_member_for_the_tests_that_read_them_all() {
    let root = workspace_root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let gate_toml = std::fs::read_to_string(root.join("gate.toml")).unwrap();
    let members = one_line_array(&manifest, "members");
    assert!(members.len() > 5, "{members:?}");
    for binary in ["\"gate-tests::tidy\"", "\"gate-tests::new_check\""] {
        let declared = one_line_array(&gate_toml, binary);
        let missing: Vec<&String> = members
            .iter()
            .filter(|m| *m != "tests" && !declared.contains(m))
            .collect();
        assert!(
            missing.is_empty(),
            "gate.toml: [cache.reads] {binary} does not name {missing:?} (fix: add them)"
        );
    }
}

/// A file's lines of code: every line before its inline test module (`#[cfg(test)]` on a
/// `mod … {`). A `#[cfg(test)]` on anything else (`mod tests;`, a helper for tests) ends
/// nothing: the code after it counts.
fn code_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len())
        .find(|&i| {
            lines[i].trim() == "#[cfg(test)]"
                && lines.get(i + 1).is_some_and(|next| {
                    let next = next.trim();
                    next.starts_with("mod ") && next.ends_with('{')
                })
        })
        .unwrap_or(lines.len());
    lines[..end].to_vec()
}

#[test]
fn a_test_module_declared_elsewhere_ends_no_count() {
    let text = "use a;\n#[cfg(test)]\nmod tests;\nfn f() {}\n#[cfg(test)]\nfn helper() {}\n\
                fn g() {}\n#[cfg(test)]\nmod tests_inline {\n    fn t() {}\n}\n";
    assert_eq!(code_lines(text).len(), 7);
}

/// The most lines a file of code holds before its tests (`#[cfg(test)]`), and the files allowed
/// more for now, each with why: size is design, so a file that grows past the budget is split
/// along its seam or named here.
const MAX_CODE_LINES: usize = 1_000;
const OVER_BUDGET: &[(&str, &str)] = &[];

#[test]
fn no_file_of_code_outgrows_the_size_budget() {
    let over: Vec<String> = rust_files()
        .into_iter()
        .filter(|(rel, _)| !rel.starts_with("tests/") && !rel.ends_with("/tests.rs"))
        .filter(|(rel, _)| !rel.contains("/tests/"))
        .filter_map(|(rel, text)| {
            let code = code_lines(&text).len();
            (code > MAX_CODE_LINES && !OVER_BUDGET.iter().any(|(f, _)| *f == rel))
                .then(|| format!("{rel}: {code} lines"))
        })
        .collect();
    assert!(
        over.is_empty(),
        "files of code over {MAX_CODE_LINES} lines before their tests (split along the seam, or name one in OVER_BUDGET with why):\n  {}",
        over.join("\n  ")
    );
}

/// The most files (not folders) a crate's `src/` root holds: past that, the root is a
/// drawer, and its files go into folders or crates along their seams. The crates allowed more
/// for now, each with why; an entry that has come under the budget fails too, so the list
/// only shrinks.
const MAX_ROOT_FILES: usize = 12;
const CROWDED_ROOTS: &[(&str, &str)] = &[];

#[test]
fn no_crates_src_root_outgrows_the_file_budget() {
    let root = workspace_root();
    let mut crowded = Vec::new();
    let mut listed = Vec::new();
    for entry in std::fs::read_dir(&root).expect("the root is readable") {
        let dir = entry.expect("directory entry").path();
        let src = dir.join("src");
        if !dir.join("Cargo.toml").is_file() || !src.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files = std::fs::read_dir(&src)
            .expect("src is readable")
            .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_file()))
            .count();
        let allowed = CROWDED_ROOTS.iter().any(|(c, _)| *c == name);
        if files > MAX_ROOT_FILES && !allowed {
            crowded.push(format!("{name}/src: {files} files"));
        }
        if allowed && files <= MAX_ROOT_FILES {
            crowded.push(format!(
                "{name}/src: {files} files, within the budget: take it off CROWDED_ROOTS"
            ));
        }
        listed.push(name);
    }
    assert!(listed.len() > 8, "{listed:?}");
    assert!(
        crowded.is_empty(),
        "crate roots over {MAX_ROOT_FILES} files (move files into folders or crates along their seams, or name the crate in CROWDED_ROOTS with why):\n  {}",
        crowded.join("\n  ")
    );
}

/// The most lines a function of code spans (its `fn` line to its closing brace), and the
/// functions allowed more for now (`file`, `fn name`): each is one reason to split, named.
/// An entry whose function has come under the budget, or is gone, fails the test too, so
/// the list only shrinks.
const MAX_FN_LINES: usize = 80;

/// Why a function in [`LONG_FUNCTIONS`] is long for now.
const CHECK: &str =
    "a check's judgement in one function; splits into its findings' builders with issue 44";
const BENCH: &str = "one benchmark per function; moves into bench/ with issue 44";
const GPU: &str = "GPU dispatch or measurement; splits with issue 45's GPU work";
const DOCUMENT: &str = "writes one document (a format, a template, a help text) top to bottom";
const SEAM: &str = "predates the budget (2026-11-25); split along its seam when it next changes";

/// The functions over [`MAX_FN_LINES`] today, each with why: `(file, fn name, reason)`.
const LONG_FUNCTIONS: &[(&str, &str, &str)] = &[
    ("cargo-gate/src/deps/advisories.rs", "fetch", SEAM),
    ("cargo-gate/src/deps/advisories.rs", "gate_owned", SEAM),
    (
        "cargo-gate/src/checks/bench_regression.rs",
        "evaluate",
        CHECK,
    ),
    (
        "cargo-gate/src/checks/checklist_closed.rs",
        "evaluate",
        CHECK,
    ),
    (
        "cargo-gate/src/checks/ci_locked/mod.rs",
        "invocation",
        CHECK,
    ),
    ("cargo-gate/src/checks/ci_locked/mod.rs", "outcome", CHECK),
    ("cargo-gate/src/checks/deps_advisories.rs", "run", CHECK),
    ("cargo-gate/src/checks/deps_licenses.rs", "conclude", CHECK),
    ("cargo-gate/src/checks/deps_pinned.rs", "detailed", CHECK),
    ("cargo-gate/src/checks/history_window.rs", "evaluate", CHECK),
    (
        "cargo-gate/src/checks/kernels_build.rs",
        "judge_build",
        CHECK,
    ),
    (
        "cargo-gate/src/checks/kernels_shipped.rs",
        "builder_findings",
        CHECK,
    ),
    (
        "cargo-gate/src/checks/lockfile_locked.rs",
        "judge_resolve",
        CHECK,
    ),
    ("cargo-gate/src/checks/platform_matrix.rs", "run", CHECK),
    ("cargo-gate/src/checks/secrets_scan.rs", "evaluate", CHECK),
    ("cargo-gate/src/checks/semver_compat.rs", "evaluate", CHECK),
    (
        "cargo-gate/src/checks/semver_compat.rs",
        "release_version",
        CHECK,
    ),
    ("cargo-gate/src/checks/tests_pass.rs", "evaluate", CHECK),
    (
        "cargo-gate/src/checks/toolchain_pinned.rs",
        "evaluate",
        CHECK,
    ),
    (
        "cargo-gate/src/checks/toolchain_pinned.rs",
        "read_pin",
        CHECK,
    ),
    (
        "cargo-gate/src/checks/toolchain_pinned.rs",
        "rust_versions",
        CHECK,
    ),
    ("cargo-gate/src/cli/bench.rs", "bench", SEAM),
    ("cargo-gate/src/cli/init.rs", "init", SEAM),
    ("cargo-gate/src/config/mod.rs", "validate", SEAM),
    ("cargo-gate/src/runs/decision.rs", "statement", DOCUMENT),
    ("cargo-gate/src/error.rs", "help", DOCUMENT),
    ("cargo-gate/src/facts/test_run/binaries.rs", "run", SEAM),
    ("cargo-gate/src/facts/test_run/binaries.rs", "settle", SEAM),
    ("cargo-gate/src/init/templates.rs", "gate_toml", DOCUMENT),
    ("cargo-gate/src/init/templates.rs", "sharded", DOCUMENT),
    ("cargo-gate/src/runs/merge.rs", "read_input", SEAM),
    ("gate-record/src/chain.rs", "check_line", SEAM),
    ("gate-record/src/chain.rs", "verify", SEAM),
    ("cargo-gate/src/render/junit.rs", "render", DOCUMENT),
    ("cargo-gate/src/render/sarif.rs", "render", DOCUMENT),
    ("gate-scan/src/boundary.rs", "scan", SEAM),
    ("cargo-gate/src/verdict/mod.rs", "judge", SEAM),
    ("gate-build/src/codegen.rs", "render", DOCUMENT),
    ("gate-build/src/compile.rs", "compile", SEAM),
    ("gate-build/src/stages.rs", "discover", SEAM),
    ("gate-build/src/toolkit.rs", "discover", SEAM),
    ("gate-ci/src/invocations.rs", "invocations", SEAM),
    ("gate-ci/src/recipes.rs", "just_rules", SEAM),
    ("gate-ci/src/recipes.rs", "mask", SEAM),
    ("gate-ci/src/walk/files.rs", "spawned", SEAM),
    ("gate-cuda/src/cyclonedx.rs", "document", DOCUMENT),
    ("gate-cuda/src/scripts.rs", "describe_in", SEAM),
    ("gate-kernels/examples/smoke.rs", "check", GPU),
    ("gate-runtime/examples/gpu_bench.rs", "kernel_figures", GPU),
    ("gate-runtime/examples/gpu_bench.rs", "sgemm_vs_cublas", GPU),
    ("gate-runtime/examples/runtime_bench.rs", "main", GPU),
    ("gate-runtime/src/cuda.rs", "enqueue", GPU),
    ("gate-runtime/src/cuda.rs", "probe_uncached", GPU),
    ("gate-runtime/src/runtime.rs", "dispatch", GPU),
    ("gate-runtime/src/runtime/plans.rs", "execute_valid", GPU),
    ("gate-runtime/src/stats.rs", "to_prometheus", GPU),
    ("xtask/src/bench.rs", "bom", BENCH),
    ("xtask/src/bench.rs", "cache", BENCH),
    ("xtask/src/bench/kernels.rs", "gpu_rows", BENCH),
    ("xtask/src/bench/kernels.rs", "kernels", BENCH),
    ("xtask/src/bench/memory.rs", "memory", BENCH),
    ("xtask/src/bench/scanners.rs", "scan", BENCH),
    ("xtask/src/bench/scanners.rs", "secrets", BENCH),
    ("xtask/src/gen_tree.rs", "unsafe_item", SEAM),
    ("xtask/src/release.rs", "run", SEAM),
    ("xtask/src/wine.rs", "run", SEAM),
];

/// Every function of non-test code over [`MAX_FN_LINES`]: `(file, name, lines)`. The body
/// is found by its braces among the lexer's tokens (strings, chars and comments whole), so a
/// brace in a string never counts.
fn long_functions() -> Vec<(String, String, usize)> {
    use gate_support::lexer::{Lexer, TokenKind};
    let mut long = Vec::new();
    for (rel, text) in rust_files() {
        let test_file =
            rel.starts_with("tests/") || rel.ends_with("/tests.rs") || rel.contains("/tests/");
        if test_file {
            continue;
        }
        let code: String = code_lines(&text).iter().map(|l| format!("{l}\n")).collect();
        let src = code.as_bytes();
        let tokens: Vec<_> = Lexer::new(src).filter(|t| !t.is_comment()).collect();
        let line_of = |at: usize| src[..at].iter().filter(|&&b| b == b'\n').count();
        for (i, token) in tokens.iter().enumerate() {
            if token.kind != TokenKind::Ident || token.text(src) != b"fn" {
                continue;
            }
            let Some(name) = tokens.get(i + 1).filter(|t| t.kind == TokenKind::Ident) else {
                continue;
            };
            // The body: the first `{` before any `;` (a declaration without one has none).
            let Some(open) = tokens[i + 2..]
                .iter()
                .position(|t| matches!(t.kind, TokenKind::Punct(b'{' | b';')))
                .map(|p| i + 2 + p)
                .filter(|&p| tokens[p].kind == TokenKind::Punct(b'{'))
            else {
                continue;
            };
            let mut depth = 0usize;
            let close = tokens[open..].iter().position(|t| {
                match t.kind {
                    TokenKind::Punct(b'{') => depth += 1,
                    TokenKind::Punct(b'}') => depth -= 1,
                    _ => {}
                }
                depth == 0
            });
            let Some(close) = close.map(|c| open + c) else {
                continue;
            };
            let lines = line_of(tokens[close].start) - line_of(token.start) + 1;
            if lines > MAX_FN_LINES {
                let name = String::from_utf8_lossy(name.text(src)).into_owned();
                long.push((rel.clone(), name, lines));
            }
        }
    }
    long.sort();
    long
}

#[test]
fn no_function_outgrows_the_size_budget() {
    let long = long_functions();
    let over: Vec<String> = long
        .iter()
        .filter(|(file, name, _)| {
            !LONG_FUNCTIONS
                .iter()
                .any(|(f, n, _)| f == file && n == name)
        })
        .map(|(file, name, lines)| format!("{file}: fn {name}, {lines} lines"))
        .collect();
    let shrunk: Vec<String> = LONG_FUNCTIONS
        .iter()
        .filter(|(f, n, _)| !long.iter().any(|(file, name, _)| f == file && n == name))
        .map(|(f, n, _)| format!("{f}: fn {n}"))
        .collect();
    assert!(
        over.is_empty() && shrunk.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them, the names say where):\n  {}\n\
         LONG_FUNCTIONS entries now within the budget or gone (remove them):\n  {}",
        over.join("\n  "),
        shrunk.join("\n  ")
    );
}

#[test]
fn the_files_over_the_size_budget_are_still_over_it() {
    let files: std::collections::HashMap<String, String> = rust_files().into_iter().collect();
    let shrunk: Vec<&str> = OVER_BUDGET
        .iter()
        .filter(|(file, _)| {
            files
                .get(*file)
                .is_none_or(|text| code_lines(text).len() <= MAX_CODE_LINES)
        })
        .map(|(file, _)| *file)
        .collect();
    assert!(
        shrunk.is_empty(),
        "OVER_BUDGET names files now within {MAX_CODE_LINES} lines (or gone): remove them: {shrunk:?}"
    );
}
