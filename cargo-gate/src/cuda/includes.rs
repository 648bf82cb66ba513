//! Which build-script call compiles each tracked GPU file (`.cu .cuh .ptx .cubin .fatbin`):
//! [`attribute`] resolves every [`Call`]'s inputs against the tracked files and follows the
//! `#include` closure ([`includes`]) of what they reach.
//!
//! Rules, per call, in this order (a file keeps the first way a call reaches it):
//! 1. inputs resolve relative to the package directory (`..` allowed: sources in sibling
//!    directories count); a literal tracked file → [`Via::Named`], a glob (`*`, `?`, `[`, `{`)
//!    → [`Via::Glob`], anything else with tracked GPU files below it → [`Via::Directory`];
//! 2. the `#include` closure of everything reached so far (files of any extension are followed,
//!    so a `.h` between a `.cu` and a `.cuh` does not break the chain), resolved relative to
//!    the including file's directory, then each include directory of the call; only tracked
//!    files; cycles end because a file is visited once per call → [`Via::Included`] naming
//!    the first includer; `#include <x>` skips the including file's directory, as compilers do;
//! 3. a call with no literal input, or with computed inputs besides its literals, reaches
//!    every GPU file below its package directory that no nested package owns, and that it did
//!    not reach otherwise → [`Via::Package`] (honest: "by location").
//!
//! Files no call reaches get an empty list (the caller reports them "built by nothing"), as do
//! tracked files that are not GPU files.

use std::collections::{HashMap, VecDeque};

use globset::GlobBuilder;

use super::scripts::Call;

/// The extensions of GPU files.
pub const GPU_EXTENSIONS: &[&str] = &["cu", "cuh", "ptx", "cubin", "fatbin"];

/// Whether a path names a GPU file (by [`GPU_EXTENSIONS`]).
#[must_use]
pub fn is_gpu_file(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.ends_with('/') && GPU_EXTENSIONS.contains(&ext))
}

/// `#include "x"` / `#include <x>` directives of a CUDA/C++ source, with 1-based lines.
/// Comments (`//`, `/* */`, also spanning lines) are skipped; a directive must start its line
/// (after whitespace), as the preprocessor requires.
pub fn includes(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (n, raw) in text.lines().enumerate() {
        let code = strip_comments(raw, &mut in_block);
        let Some(rest) = code.trim_start().strip_prefix('#') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("include") else {
            continue;
        };
        let rest = rest.trim_start();
        let (close, body) = match rest.chars().next() {
            Some('"') => ('"', &rest[1..]),
            Some('<') => ('>', &rest[1..]),
            _ => continue,
        };
        if let Some(end) = body.find(close) {
            let name = &body[..end];
            if !name.is_empty() {
                let line = u32::try_from(n + 1).unwrap_or(u32::MAX);
                let marked = if close == '>' {
                    format!("<{name}>")
                } else {
                    name.to_owned()
                };
                out.push((line, marked));
            }
        }
    }
    out
}

/// A line without its comments (strings kept, so `"//"` in a string stays); `in_block` carries
/// an open `/* */` from line to line.
fn strip_comments(line: &str, in_block: &mut bool) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let mut in_string = false;
    let mut start = 0;
    while i < bytes.len() {
        if *in_block {
            if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                *in_block = false;
                i += 2;
                start = i;
            } else {
                i += 1;
            }
            continue;
        }
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                out.push_str(&line[start..i]);
                return out;
            }
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'*') => {
                out.push_str(&line[start..i]);
                out.push(' ');
                *in_block = true;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if !*in_block {
        out.push_str(line.get(start..).unwrap_or(""));
    }
    out
}

/// How a tracked GPU file is compiled by one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The call names it.
    Named,
    /// A glob of the call (as written) matches it.
    Glob(String),
    /// It lies below a directory the call compiles (as written: cmake source dir,
    /// cuda_builder crate dir, gate-build `dir`).
    Directory(String),
    /// A file the call compiles includes it, directly or through others; `by` is the
    /// workspace-relative path of the first includer.
    Included {
        /// The including file.
        by: String,
    },
    /// The call's inputs are computed; it is attributed by location (below the package's
    /// directory).
    Package,
}

/// A package's build-script calls, for [`attribute`].
#[derive(Debug, Clone, Copy)]
pub struct Package<'a> {
    /// Package name.
    pub name: &'a str,
    /// Workspace-relative directory, `/`-separated; `""` is the workspace root.
    pub dir: &'a str,
    /// The calls of its build script.
    pub calls: &'a [Call],
}

/// For every path of `files` (tracked, workspace-relative, `/`-separated; any kind of file,
/// so includes can be followed through headers), the `(package, call, how)` triples of the
/// calls that compile it; empty for files that are not GPU files or that nothing reaches.
/// `read` returns a tracked file's text.
pub fn attribute(
    packages: &[Package<'_>],
    files: &[&str],
    read: &dyn Fn(&str) -> Option<String>,
) -> Vec<Vec<(usize, usize, Via)>> {
    let index: HashMap<&str, usize> = files.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let mut out: Vec<Vec<(usize, usize, Via)>> = vec![Vec::new(); files.len()];
    let mut directives: HashMap<usize, Vec<String>> = HashMap::new();
    for (p, package) in packages.iter().enumerate() {
        for (c, call) in package.calls.iter().enumerate() {
            let reached = reach(packages, p, call, files, &index, read, &mut directives);
            for (file, via) in reached {
                if is_gpu_file(files[file]) {
                    out[file].push((p, c, via));
                }
            }
        }
    }
    out
}

/// Every file one call reaches, in the order of the rules, each once.
fn reach(
    packages: &[Package<'_>],
    p: usize,
    call: &Call,
    files: &[&str],
    index: &HashMap<&str, usize>,
    read: &dyn Fn(&str) -> Option<String>,
    directives: &mut HashMap<usize, Vec<String>>,
) -> Vec<(usize, Via)> {
    let dir = packages[p].dir;
    let mut reached: Vec<(usize, Via)> = Vec::new();
    let mut seen = vec![false; files.len()];
    let mut add = |file: usize, via: Via, reached: &mut Vec<(usize, Via)>| {
        let new = !seen[file];
        if new {
            seen[file] = true;
            reached.push((file, via));
        }
        new
    };
    for input in &call.inputs {
        for (file, via) in resolve_input(dir, input, files, index) {
            add(file, via, &mut reached);
        }
    }
    let include_dirs: Vec<String> = call
        .include_dirs
        .iter()
        .filter_map(|d| normalize(&join(dir, d)))
        .collect();
    let mut queue: VecDeque<usize> = reached.iter().map(|(f, _)| *f).collect();
    while let Some(file) = queue.pop_front() {
        let names = directives.entry(file).or_insert_with(|| {
            read(files[file])
                .map(|t| includes(&t).into_iter().map(|(_, n)| n).collect())
                .unwrap_or_default()
        });
        for name in names.iter() {
            if let Some(found) = resolve_include(files[file], name, &include_dirs, index) {
                let by = files[file].to_owned();
                if add(found, Via::Included { by }, &mut reached) {
                    queue.push_back(found);
                }
            }
        }
    }
    if call.inputs.is_empty() || call.computed_inputs {
        for (file, path) in files.iter().enumerate() {
            if is_gpu_file(path) && owner(packages, path) == Some(p) {
                add(file, Via::Package, &mut reached);
            }
        }
    }
    reached
}

/// The package whose directory holds `path` most closely.
fn owner(packages: &[Package<'_>], path: &str) -> Option<usize> {
    packages
        .iter()
        .enumerate()
        .filter(|(_, pkg)| below(path, pkg.dir))
        .max_by_key(|(_, pkg)| pkg.dir.len())
        .map(|(i, _)| i)
}

/// Whether `path` lies below directory `dir` (`""` holds everything).
fn below(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() || rel.starts_with('/') {
        rel.to_owned()
    } else {
        format!("{dir}/{rel}")
    }
}

/// `a/./b/../c` → `a/c`; `None` when it climbs above the root or is absolute.
fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') || path.get(1..2) == Some(":") {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// The files one input reaches and how.
fn resolve_input(
    dir: &str,
    input: &str,
    files: &[&str],
    index: &HashMap<&str, usize>,
) -> Vec<(usize, Via)> {
    if is_glob(input) {
        let Some(pattern) = normalize_glob(&join(dir, input)) else {
            return Vec::new();
        };
        let Ok(glob) = GlobBuilder::new(&pattern).literal_separator(true).build() else {
            return Vec::new();
        };
        let matcher = glob.compile_matcher();
        return files
            .iter()
            .enumerate()
            .filter(|(_, f)| matcher.is_match(f))
            .map(|(i, _)| (i, Via::Glob(input.to_owned())))
            .collect();
    }
    let Some(path) = normalize(&join(dir, input)) else {
        return Vec::new();
    };
    if let Some(&i) = index.get(path.as_str()) {
        return vec![(i, Via::Named)];
    }
    files
        .iter()
        .enumerate()
        .filter(|(_, f)| is_gpu_file(f) && below(f, &path))
        .map(|(i, _)| (i, Via::Directory(input.to_owned())))
        .collect()
}

/// Normalizes the literal directories before a glob's first pattern component.
fn normalize_glob(pattern: &str) -> Option<String> {
    let parts: Vec<&str> = pattern.split('/').collect();
    let first_glob = parts.iter().position(|p| is_glob(p)).unwrap_or(parts.len());
    let head = normalize(&parts[..first_glob].join("/"))?;
    let tail = parts[first_glob..].join("/");
    Some(match (head.is_empty(), tail.is_empty()) {
        (true, _) => tail,
        (false, true) => head,
        (false, false) => format!("{head}/{tail}"),
    })
}

/// The tracked file an `#include` names: next to the including file (not for `<x>`), then
/// in each include directory.
fn resolve_include(
    from: &str,
    name: &str,
    include_dirs: &[String],
    index: &HashMap<&str, usize>,
) -> Option<usize> {
    let (angled, name) = match name.strip_prefix('<').and_then(|n| n.strip_suffix('>')) {
        Some(inner) => (true, inner),
        None => (false, name),
    };
    let here = from.rsplit_once('/').map_or("", |(d, _)| d);
    let local = (!angled).then(|| join(here, name));
    local
        .into_iter()
        .chain(include_dirs.iter().map(|d| join(d, name)))
        .filter_map(|p| normalize(&p))
        .find_map(|p| index.get(p.as_str()).copied())
}
