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
//!    not reach otherwise, a cubin or fatbin aside (a build's product, never its input) →
//!    [`Via::Package`] (honest: "by location").
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
    has_extension(path, GPU_EXTENSIONS)
}

/// Whether a path names a C/C++ header (`.h .hpp .hh .hxx .inl`): [`attribute`] lists one
/// that a call's sources include when it holds device code.
#[must_use]
pub fn is_c_header(path: &str) -> bool {
    has_extension(path, &["h", "hpp", "hh", "hxx", "inl"])
}

/// Whether a path names a C/C++ header or source: what includes are followed through
/// between GPU files.
#[must_use]
pub fn is_c_family(path: &str) -> bool {
    is_c_header(path) || has_extension(path, &["c", "cc", "cpp", "cxx"])
}

/// Whether `path`'s file name has one of `extensions` (a name that is only an extension,
/// `.h`, has none).
fn has_extension(path: &str, extensions: &[&str]) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.ends_with('/') && extensions.contains(&ext))
}

/// Whether a path names compiled GPU code (PTX, a cubin, a fatbin), not a source.
#[must_use]
pub fn is_gpu_artifact(path: &str) -> bool {
    [".ptx", ".cubin", ".fatbin"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// `#include "x"` / `#include <x>` directives of a CUDA/C++ source, with 1-based lines
/// (gate-witness's reading, which the witness uses on the compiles it records).
pub fn includes(text: &str) -> Vec<(u32, String)> {
    gate_witness::scan::directives(text)
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
/// calls that compile it; empty for files that nothing reaches, and for files that are
/// neither GPU files nor C/C++ headers holding device code that a call includes
/// ([`is_c_header`], [`crate::signatures::holds_device_code`]). `read` returns a tracked
/// file's text.
pub fn attribute(
    packages: &[Package<'_>],
    files: &[&str],
    read: &dyn Fn(&str) -> Option<String>,
) -> Vec<Vec<(usize, usize, Via)>> {
    let index: HashMap<&str, usize> = files.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let mut out: Vec<Vec<(usize, usize, Via)>> = vec![Vec::new(); files.len()];
    let mut directives: HashMap<usize, Opened> = HashMap::new();
    for (p, package) in packages.iter().enumerate() {
        for (c, call) in package.calls.iter().enumerate() {
            let reached = reach(packages, p, call, files, &index, read, &mut directives);
            for (file, via) in reached {
                // An included file's includes were followed: it was read, once.
                let listed = is_gpu_file(files[file])
                    || (matches!(via, Via::Included { .. })
                        && directives.get(&file).is_some_and(|o| o.device));
                if listed {
                    out[file].push((p, c, via));
                }
            }
        }
    }
    out
}

/// What one call has reached so far: each file once, with the first way it was reached, and
/// the first includer of every file an include reached (also of those reached before).
struct Reached {
    seen: Vec<bool>,
    list: Vec<(usize, Via)>,
    includer: HashMap<usize, String>,
}

impl Reached {
    fn add(&mut self, file: usize, via: Via) -> bool {
        let new = !self.seen[file];
        if new {
            self.seen[file] = true;
            self.list.push((file, via));
        }
        new
    }
}

/// What one reading of a file found: the names it `#include`s, and, for a C/C++ header,
/// whether it holds device code.
#[derive(Default)]
struct Opened {
    includes: Vec<String>,
    device: bool,
}

/// The files, the call's include directories, and the files' include directives (read once).
struct Sources<'s, 'f> {
    files: &'s [&'f str],
    index: &'s HashMap<&'f str, usize>,
    read: &'s dyn Fn(&str) -> Option<String>,
    directives: &'s mut HashMap<usize, Opened>,
    include_dirs: Vec<String>,
}

impl Sources<'_, '_> {
    /// The names file `file` `#include`s, read once.
    fn directives_of(&mut self, file: usize) -> Vec<String> {
        let (files, read) = (self.files, self.read);
        let path = files[file];
        self.directives
            .entry(file)
            .or_insert_with(|| {
                read(path).map_or_else(Opened::default, |t| Opened {
                    includes: includes(&t).into_iter().map(|(_, n)| n).collect(),
                    device: is_c_header(path) && crate::signatures::holds_device_code(&t),
                })
            })
            .includes
            .clone()
    }
}

/// Every file one call reaches, in the order of the rules, each once.
fn reach(
    packages: &[Package<'_>],
    p: usize,
    call: &Call,
    files: &[&str],
    index: &HashMap<&str, usize>,
    read: &dyn Fn(&str) -> Option<String>,
    directives: &mut HashMap<usize, Opened>,
) -> Vec<(usize, Via)> {
    let dir = packages[p].dir;
    let mut reached = Reached {
        seen: vec![false; files.len()],
        list: Vec::new(),
        includer: HashMap::new(),
    };
    let excluded = excluder(dir, &call.excludes);
    let (resolved, computed) = resolved_inputs(dir, call, files, index);
    let mut left_out: Vec<usize> = Vec::new();
    for (file, via) in resolved.into_iter().flatten() {
        if !matches!(via, Via::Named) && excluded(files[file]) {
            left_out.push(file);
            continue;
        }
        reached.add(file, via);
    }
    let mut sources = Sources {
        files,
        index,
        read,
        directives,
        include_dirs: call
            .include_dirs
            .iter()
            .filter_map(|d| normalize(&join(dir, d)))
            .collect(),
    };
    close_includes(&mut sources, &mut reached, 0);
    if call.inputs.is_empty() || computed {
        let before = reached.list.len();
        for (file, path) in files.iter().enumerate() {
            // A cubin or fatbin is what a build made, no source one compiles (AteniaEngine's
            // checked-in `pre.cubin` was said built by all seven of its nvcc calls).
            let binary = path.ends_with(".cubin") || path.ends_with(".fatbin");
            if is_gpu_file(path) && !binary && owner(packages, path) == Some(p) {
                reached.add(file, Via::Package);
            }
        }
        close_includes(&mut sources, &mut reached, before);
    }
    // A header reached by a directory, a glob or its location is not compiled by itself: when
    // a reached file includes it, it is included (nvcc compiles the `.cu`; CMake lists sources).
    for (file, via) in &mut reached.list {
        if matches!(via, Via::Directory(_) | Via::Glob(_) | Via::Package)
            && files[*file].ends_with(".cuh")
            && let Some(by) = reached.includer.get(file)
        {
            *via = Via::Included { by: by.clone() };
        }
    }
    // A header reached that way that only the files the call leaves out include is none of
    // its (candle's `moe_utils.cuh`, beside the `moe_*.cu` one call excludes and another
    // compiles).
    let only_left_out = included_by_left_out(&mut sources, &left_out);
    reached.list.retain(|(file, via)| {
        !(matches!(via, Via::Directory(_) | Via::Glob(_) | Via::Package)
            && files[*file].ends_with(".cuh")
            && only_left_out.contains(file))
    });
    reached.list
}

/// The files that the sources `left_out` include (directly), resolved as the call's own are.
fn included_by_left_out(sources: &mut Sources<'_, '_>, left_out: &[usize]) -> Vec<usize> {
    let files = sources.files;
    let mut out = Vec::new();
    for &file in left_out {
        for name in &sources.directives_of(file) {
            out.extend(resolve_include(
                files[file],
                name,
                &sources.include_dirs,
                sources.index,
            ));
        }
    }
    out
}

/// Follows the `#include`s of the files reached from position `from` on (and of what they
/// include), adding what they reach as [`Via::Included`].
fn close_includes(sources: &mut Sources<'_, '_>, reached: &mut Reached, from: usize) {
    let files = sources.files;
    // Headers reached by a directory, a glob or location: an include that resolves nowhere
    // (its include directories computed: `-I` of every header's directory) is matched to the
    // one whose path ends with the whole include path, to say that it is included, not
    // compiled; where two end so (openvm's `main/columns.cuh` and `block_hasher/columns.cuh`
    // for `columns.cuh`), neither is named.
    let headers: Vec<usize> = reached
        .list
        .iter()
        .filter(|(f, via)| {
            files[*f].ends_with(".cuh")
                && matches!(via, Via::Directory(_) | Via::Glob(_) | Via::Package)
        })
        .map(|(f, _)| *f)
        .collect();
    let mut queue: VecDeque<usize> = reached.list[from..].iter().map(|(f, _)| *f).collect();
    while let Some(file) = queue.pop_front() {
        for name in &sources.directives_of(file) {
            let by = files[file].to_owned();
            if let Some(found) =
                resolve_include(files[file], name, &sources.include_dirs, sources.index)
            {
                reached.includer.entry(found).or_insert_with(|| by.clone());
                if reached.add(found, Via::Included { by }) {
                    queue.push_back(found);
                }
            } else if let Some(header) = ending_with(&headers, files, name)
                && header != file
            {
                reached.includer.entry(header).or_insert(by);
            }
        }
    }
}

/// The one header of `headers` whose path ends with the include path `name` (as a whole
/// component: `main/columns.cuh` ends `kern/include/main/columns.cuh`, not
/// `kern/include/domain/columns.cuh`); `None` when none or several do.
fn ending_with(headers: &[usize], files: &[&str], name: &str) -> Option<usize> {
    let name = name.trim_start_matches("./");
    let mut matching = headers.iter().copied().filter(|&h| {
        files[h] == name
            || files[h]
                .strip_suffix(name)
                .is_some_and(|rest| rest.ends_with('/'))
    });
    let first = matching.next()?;
    matching.next().is_none().then_some(first)
}

/// Whether a file a glob or a directory reached is one of the call's `excludes`: a pattern
/// without `/` matches the file name, one with `/` the path below the package.
fn excluder(dir: &str, excludes: &[String]) -> impl Fn(&str) -> bool {
    let compile = |pattern: &str| {
        GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .ok()
            .map(|g| g.compile_matcher())
    };
    let matchers: Vec<(bool, globset::GlobMatcher)> = excludes
        .iter()
        .filter_map(|e| {
            let by_name = !e.contains('/');
            let pattern = if by_name {
                e.clone()
            } else {
                normalize_glob(&join(dir, e))?
            };
            Some((by_name, compile(&pattern)?))
        })
        .collect();
    move |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        matchers
            .iter()
            .any(|(by_name, m)| m.is_match(if *by_name { name } else { path }))
    }
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

/// The files each of `call`'s inputs names, relative to the package at `dir`, and whether
/// what it compiles is computed rather than named. A table's paths that are not all files of
/// the package are joined to something the script computes (candle-layer-norm's
/// `kernels_dir.join("ln_api.cu")`): below the one directory of the package that holds every
/// one of them (aici's `kernels`), else by location. (The PTX a table names is the call's
/// product: one not tracked is no sign.)
fn resolved_inputs(
    dir: &str,
    call: &Call,
    files: &[&str],
    index: &HashMap<&str, usize>,
) -> (Vec<Vec<(usize, Via)>>, bool) {
    let resolve = |base: &str| -> Vec<Vec<(usize, Via)>> {
        call.inputs
            .iter()
            .map(|input| resolve_input(base, input, files, index))
            .collect()
    };
    let unresolved = |resolved: &[Vec<(usize, Via)>]| {
        call.inputs
            .iter()
            .zip(resolved)
            .any(|(input, found)| input.ends_with(".cu") && !matches!(found[..], [(_, Via::Named)]))
    };
    let mut resolved = resolve(dir);
    if call.tabled
        && unresolved(&resolved)
        && let Some(below) = table_dir(dir, &call.inputs, files)
    {
        resolved = resolve(&below);
    }
    let computed = call.computed_inputs || (call.tabled && unresolved(&resolved));
    (resolved, computed)
}

/// The one directory below the package at `dir` under which every CUDA file `inputs` names
/// is a tracked file, read from the files (`None` where no directory or several do).
fn table_dir(dir: &str, inputs: &[String], files: &[&str]) -> Option<String> {
    let cu: Vec<&String> = inputs.iter().filter(|i| i.ends_with(".cu")).collect();
    let first = format!("/{}", cu.first()?);
    let package = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut found: Vec<&str> = files
        .iter()
        .filter_map(|f| f.strip_suffix(first.as_str()))
        .filter(|d| d.starts_with(&package) || package.is_empty())
        .filter(|d| {
            cu.iter()
                .all(|i| files.contains(&format!("{d}/{i}").as_str()))
        })
        .collect();
    found.dedup();
    match found.as_slice() {
        [one] => Some((*one).to_owned()),
        _ => None,
    }
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() || rel.starts_with('/') {
        rel.to_owned()
    } else {
        format!("{dir}/{rel}")
    }
}

/// `a/./b/../c` → `a/c`; a path that climbs above the root keeps its leading `..`
/// (`../common/x.cuh`: a file beside the workspace, listed when a call reaches there);
/// `None` when it is absolute.
fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') || path.get(1..2) == Some(":") {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
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

#[cfg(test)]
mod tests {
    use super::{Package, Via, attribute, includes, is_gpu_file};
    use crate::scripts::Call;
    use gate_formats::kernel_bom::BuilderKind;
    use std::collections::HashMap;

    fn call(inputs: &[&str], include_dirs: &[&str]) -> Call {
        Call {
            inputs: inputs.iter().map(|s| (*s).to_owned()).collect(),
            include_dirs: include_dirs.iter().map(|s| (*s).to_owned()).collect(),
            ..Call::new(BuilderKind::Cc, 1)
        }
    }

    #[test]
    fn excluded_files_are_left_out_of_a_directory_or_a_glob_but_not_when_named() {
        let files = [
            "k/src/a.cu",
            "k/src/big_x.cu",
            "k/src/sub/big_y.cu",
            "k/src/named_big.cu",
        ];
        let packages_calls = [Call {
            excludes: vec!["big_*.cu".into(), "src/named_*.cu".into()],
            ..call(&["src"], &[])
        }];
        let packages = [Package {
            name: "k",
            dir: "k",
            calls: &packages_calls,
        }];
        let read = |_: &str| Some(String::new());
        let out = attribute(&packages, &files, &read);
        let reached: Vec<&str> = files
            .iter()
            .zip(&out)
            .filter(|(_, v)| !v.is_empty())
            .map(|(f, _)| *f)
            .collect();
        assert_eq!(reached, ["k/src/a.cu"]);
        let named = [Call {
            excludes: vec!["big_*.cu".into()],
            ..call(&["src/big_x.cu"], &[])
        }];
        let packages = [Package {
            name: "k",
            dir: "k",
            calls: &named,
        }];
        let out = attribute(&packages, &files, &read);
        assert_eq!(
            out[1],
            [(0, 0, Via::Named)],
            "a file named outright is compiled"
        );
    }

    /// candle-kernels: a directory call that leaves `moe_*.cu` out does not compile the
    /// header only those include; the call that names them does.
    #[test]
    fn a_header_only_left_out_sources_include_is_not_the_calls() {
        let calls = [
            Call {
                excludes: vec!["moe_*.cu".into()],
                ..call(&["src"], &[])
            },
            call(&["src/moe/moe_a.cu"], &[]),
        ];
        let out = attribute_one(
            "k",
            &calls,
            &[
                ("k/src/affine.cu", ""),
                ("k/src/moe/moe_a.cu", "#include \"moe_utils.cuh\"\n"),
                ("k/src/moe/moe_utils.cuh", ""),
            ],
        );
        let calls_of =
            |path: &str| -> Vec<usize> { out[path].iter().map(|(_, c, _)| *c).collect() };
        assert_eq!(calls_of("k/src/affine.cu"), [0]);
        assert_eq!(calls_of("k/src/moe/moe_utils.cuh"), [1]);
    }

    /// flash-attention: the kernels live in `.h` files the `.cu` files only include; a
    /// header of host code beside them is not CUDA source, nor is one nothing includes.
    #[test]
    fn an_included_header_holding_device_code_is_listed_whatever_its_extension() {
        let out = attribute_one(
            "k",
            &[call(&["src/k.cu"], &[])],
            &[
                ("k/src/k.cu", "#include \"kernel.h\"\n#include \"api.h\"\n"),
                (
                    "k/src/kernel.h",
                    "#include \"util.cuh\"\n__global__ void k() {}\n",
                ),
                (
                    "k/src/api.h",
                    "// __global__ in a comment\nint launch(void);\n",
                ),
                ("k/src/util.cuh", ""),
                ("k/src/unused.h", "__device__ int f();\n"),
            ],
        );
        let mut listed: Vec<&str> = out.keys().map(String::as_str).collect();
        listed.sort_unstable();
        assert_eq!(listed, ["k/src/k.cu", "k/src/kernel.h", "k/src/util.cuh"]);
        assert_eq!(out["k/src/kernel.h"], [(0, 0, by("k/src/k.cu"))]);
        assert_eq!(out["k/src/util.cuh"], [(0, 0, by("k/src/kernel.h"))]);
    }

    /// Attributes `files` (path, text) to one package `app` at `dir` with `calls`; the result
    /// by path, only files something reaches.
    fn attribute_one(
        dir: &str,
        calls: &[Call],
        files: &[(&str, &str)],
    ) -> HashMap<String, Vec<(usize, usize, Via)>> {
        let texts: HashMap<&str, &str> = files.iter().copied().collect();
        let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
        let packages = [Package {
            name: "app",
            dir,
            calls,
        }];
        let read = |p: &str| texts.get(p).map(|t| (*t).to_owned());
        let out = attribute(&packages, &paths, &read);
        assert_eq!(out.len(), paths.len());
        paths
            .iter()
            .zip(out)
            .filter(|(_, v)| !v.is_empty())
            .map(|(p, v)| ((*p).to_owned(), v))
            .collect()
    }

    fn by(path: &str) -> Via {
        Via::Included {
            by: path.to_owned(),
        }
    }

    #[test]
    fn include_directives() {
        let text = "#include \"a.cuh\"\n  #  include <cuda_fp16.h>\n// #include \"commented.cuh\"\n/* #include \"block.cuh\"\n#include \"still_comment.cuh\" */ #include \"after.cuh\"\nint x; #include \"not_at_start.cuh\"\nconst char* s = \"// not a comment\"; \n#include\"tight.cuh\" // trailing\n#define X\n#include MACRO\n";
        assert_eq!(
            includes(text),
            vec![
                (1, "a.cuh".to_owned()),
                (2, "<cuda_fp16.h>".to_owned()),
                (5, "after.cuh".to_owned()),
                (8, "tight.cuh".to_owned()),
            ]
        );
        assert!(includes("").is_empty());
    }

    #[test]
    fn gpu_file_extensions() {
        for yes in ["a.cu", "k/a.cuh", "x.ptx", "x.cubin", "x.fatbin"] {
            assert!(is_gpu_file(yes), "{yes}");
        }
        for no in ["a.c", "a.cuda", "cu", "dir.cu/x", "a.h"] {
            assert!(!is_gpu_file(no), "{no}");
        }
    }

    #[test]
    fn includes_from_sibling_directories_outside_the_crate() {
        let got = attribute_one(
            "crates/app",
            &[call(&["kernels/a.cu"], &[])],
            &[
                (
                    "crates/app/kernels/a.cu",
                    "#include \"../../../shared/common.cu\"\n",
                ),
                (
                    "shared/common.cu",
                    "#include \"util.cuh\"\n#include \"missing.cuh\"\n",
                ),
                ("shared/util.cuh", ""),
                ("shared/unused.cuh", ""),
            ],
        );
        assert_eq!(got["crates/app/kernels/a.cu"], vec![(0, 0, Via::Named)]);
        assert_eq!(
            got["shared/common.cu"],
            vec![(0, 0, by("crates/app/kernels/a.cu"))]
        );
        assert_eq!(got["shared/util.cuh"], vec![(0, 0, by("shared/common.cu"))]);
        assert!(!got.contains_key("shared/unused.cuh"));
        // A source named outside the crate's own directory counts too.
        let outside = attribute_one(
            "crates/app",
            &[call(&["../../shared/common.cu"], &[])],
            &[("shared/common.cu", "")],
        );
        assert_eq!(outside["shared/common.cu"], vec![(0, 0, Via::Named)]);
    }

    #[test]
    fn include_cycles_terminate() {
        let got = attribute_one(
            "",
            &[call(&["x.cu"], &[])],
            &[
                ("x.cu", "#include \"y.cuh\"\n"),
                (
                    "y.cuh",
                    "#include \"x.cu\"\n#include \"y.cuh\"\n#include \"z.cuh\"\n",
                ),
                ("z.cuh", "#include \"y.cuh\"\n"),
            ],
        );
        assert_eq!(got["x.cu"], vec![(0, 0, Via::Named)]);
        assert_eq!(got["y.cuh"], vec![(0, 0, by("x.cu"))]);
        assert_eq!(got["z.cuh"], vec![(0, 0, by("y.cuh"))]);
    }

    #[test]
    fn a_header_only_reachable_through_an_include_dir() {
        let files = [
            ("app/src/a.cu", "#include \"ops.cuh\"\n#include <vec.cuh>\n"),
            ("app/include/ops.cuh", ""),
            ("app/include/vec.cuh", ""),
            ("app/src/vec.cuh", ""),
        ];
        let with = attribute_one("app", &[call(&["src/a.cu"], &["include"])], &files);
        assert_eq!(
            with["app/include/ops.cuh"],
            vec![(0, 0, by("app/src/a.cu"))]
        );
        assert_eq!(
            with["app/include/vec.cuh"],
            vec![(0, 0, by("app/src/a.cu"))],
            "<x> skips the including file's directory"
        );
        assert!(!with.contains_key("app/src/vec.cuh"));
        let without = attribute_one("app", &[call(&["src/a.cu"], &[])], &files);
        assert!(!without.contains_key("app/include/ops.cuh"));
        assert!(!without.contains_key("app/src/vec.cuh"));
        assert!(!without.contains_key("app/include/vec.cuh"));
    }

    #[test]
    fn includes_are_followed_through_headers_that_are_not_gpu_files() {
        let got = attribute_one(
            "",
            &[call(&["a.cu"], &[])],
            &[
                ("a.cu", "#include \"common.h\"\n"),
                ("common.h", "#include \"deep.cuh\"\n"),
                ("deep.cuh", ""),
            ],
        );
        assert!(!got.contains_key("common.h"), "not a GPU file");
        assert_eq!(got["deep.cuh"], vec![(0, 0, by("common.h"))]);
    }

    #[test]
    fn a_stale_ptx_that_nothing_builds() {
        let got = attribute_one(
            "app",
            &[call(&["kernels/a.cu"], &[])],
            &[
                ("app/kernels/a.cu", ""),
                ("app/kernels/old.ptx", ""),
                ("app/prebuilt.cubin", ""),
            ],
        );
        assert!(!got.contains_key("app/kernels/old.ptx"));
        assert!(!got.contains_key("app/prebuilt.cubin"));
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn globs_and_directories() {
        let files = [
            ("app/kernels/a.cu", ""),
            ("app/kernels/sub/b.cu", ""),
            ("app/kernels/c.cuh", ""),
            ("vendor/llama/ggml-cuda/d.cu", ""),
            ("vendor/llama/README.md", ""),
        ];
        let flat = attribute_one("app", &[call(&["kernels/*.cu"], &[])], &files);
        assert_eq!(
            flat["app/kernels/a.cu"],
            vec![(0, 0, Via::Glob("kernels/*.cu".into()))]
        );
        assert!(
            !flat.contains_key("app/kernels/sub/b.cu"),
            "`*` stops at `/`"
        );
        let deep = attribute_one("app", &[call(&["./kernels/**/*.cu"], &[])], &files);
        assert!(deep.contains_key("app/kernels/sub/b.cu") && deep.contains_key("app/kernels/a.cu"));
        let dir = attribute_one("app", &[call(&["../vendor/llama"], &[])], &files);
        assert_eq!(
            dir["vendor/llama/ggml-cuda/d.cu"],
            vec![(0, 0, Via::Directory("../vendor/llama".into()))]
        );
        assert!(!dir.contains_key("vendor/llama/README.md"));
        assert_eq!(dir.len(), 1);
        let climbing = attribute_one("", &[call(&["../../x.cu", "/abs/y.cu"], &[])], &files);
        assert!(climbing.is_empty());
    }

    /// Headers a directory, a glob or location reaches are included, not compiled, when a
    /// reached file includes them, even through computed include directories (matched by
    /// name); a header nothing includes stays reached as it was.
    #[test]
    fn headers_reached_by_a_directory_or_by_location_are_included() {
        let files = [
            ("app/cuda/src/ntt.cu", "#include \"utils.cuh\"\n"),
            ("app/cuda/src/utils.cuh", ""),
            ("app/cuda/src/lonely.cuh", ""),
            ("app/src/ops/add.cu", "#include \"cuda_utils.cuh\"\n"),
            ("app/src/utilities/cuda_utils.cuh", ""),
        ];
        let dir = attribute_one("app", &[call(&["cuda"], &[])], &files);
        assert_eq!(
            dir["app/cuda/src/utils.cuh"],
            vec![(0, 0, by("app/cuda/src/ntt.cu"))]
        );
        assert_eq!(
            dir["app/cuda/src/lonely.cuh"],
            vec![(0, 0, Via::Directory("cuda".into()))]
        );
        let mut computed = call(&[], &[]);
        computed.computed_inputs = true;
        let located = attribute_one("app", &[computed], &files);
        assert_eq!(
            located["app/src/utilities/cuda_utils.cuh"],
            vec![(0, 0, by("app/src/ops/add.cu"))]
        );
        assert_eq!(located["app/src/ops/add.cu"], vec![(0, 0, Via::Package)]);
        // openvm's shape: the whole include path picks the header (`main/columns.cuh` is not
        // `block/columns.cuh`), and a bare name that two headers end with names neither.
        let files = [
            ("app/cuda/src/main.cu", "#include \"main/columns.cuh\"\n"),
            ("app/cuda/src/hasher.cu", "#include \"block/columns.cuh\"\n"),
            ("app/cuda/src/other.cu", "#include \"columns.cuh\"\n"),
            ("app/cuda/include/main/columns.cuh", ""),
            ("app/cuda/include/block/columns.cuh", ""),
        ];
        let located = attribute_one("app", &[computed_call()], &files);
        assert_eq!(
            located["app/cuda/include/main/columns.cuh"],
            vec![(0, 0, by("app/cuda/src/main.cu"))]
        );
        assert_eq!(
            located["app/cuda/include/block/columns.cuh"],
            vec![(0, 0, by("app/cuda/src/hasher.cu"))]
        );
    }

    /// A table's paths that are all files of the package are what the call compiles; ones that
    /// are not (`ln_api.cu` joined to a computed `kernels/`) are read below the one directory
    /// that holds them all (aici's tch-cuda), else the call is computed.
    #[test]
    fn a_tables_paths_count_only_when_all_are_files_there() {
        let files = ["k/kernels/a.cu", "k/kernels/b.cu", "k/kernels/unlisted.cu"];
        let reached = |inputs: &[&str]| {
            let calls = [Call {
                tabled: true,
                ..call(inputs, &[])
            }];
            let packages = [Package {
                name: "k",
                dir: "k",
                calls: &calls,
            }];
            let out = attribute(&packages, &files, &|_: &str| None);
            out.iter().map(|v| !v.is_empty()).collect::<Vec<bool>>()
        };
        assert_eq!(
            reached(&["kernels/a.cu", "kernels/b.cu"]),
            [true, true, false]
        );
        assert_eq!(reached(&["a.cu"]), [true, false, false]);
        assert_eq!(reached(&["a.cu", "missing.cu"]), [true, true, true]);
    }

    fn computed_call() -> Call {
        let mut computed = call(&[], &[]);
        computed.computed_inputs = true;
        computed
    }

    #[test]
    fn computed_inputs_attribute_by_location_outside_nested_packages() {
        let mut computed = call(&[], &[]);
        computed.computed_inputs = true;
        let files = ["k/a.cu", "nested/b.cu", "nested/c.cu", "x.ptx"];
        let packages = [
            Package {
                name: "root",
                dir: "",
                calls: std::slice::from_ref(&computed),
            },
            Package {
                name: "nested",
                dir: "nested",
                calls: &[],
            },
        ];
        let read = |_: &str| None;
        let out = attribute(&packages, &files, &read);
        assert_eq!(out[0], vec![(0, 0, Via::Package)]);
        assert!(
            out[1].is_empty() && out[2].is_empty(),
            "owned by the nested package"
        );
        assert_eq!(out[3], vec![(0, 0, Via::Package)]);

        let mut mixed = call(&["k/a.cu"], &[]);
        mixed.computed_inputs = true;
        let packages = [Package {
            name: "root",
            dir: "",
            calls: std::slice::from_ref(&mixed),
        }];
        let out = attribute(&packages, &files, &read);
        assert_eq!(out[0], vec![(0, 0, Via::Named)], "named wins over location");
        assert_eq!(out[3], vec![(0, 0, Via::Package)]);
    }

    /// A call attributed by location compiles the package's sources, not the cubin or fatbin
    /// it holds (AteniaEngine's checked-in `pre.cubin`); a PTX it may.
    #[test]
    fn a_call_by_location_compiles_no_cubin() {
        let mut computed = call(&[], &[]);
        computed.computed_inputs = true;
        let got = attribute_one(
            "app",
            &[computed],
            &[
                ("app/k/a.cu", ""),
                ("app/loader/pre.cubin", ""),
                ("app/loader/all.fatbin", ""),
                ("app/k/b.ptx", ""),
            ],
        );
        let mut reached: Vec<&str> = got.keys().map(String::as_str).collect();
        reached.sort_unstable();
        assert_eq!(reached, ["app/k/a.cu", "app/k/b.ptx"]);
    }

    #[test]
    fn two_calls_can_compile_one_file() {
        let calls = [call(&["a.cu"], &[]), call(&["*.cu"], &[])];
        let got = attribute_one("", &calls, &[("a.cu", "")]);
        assert_eq!(
            got["a.cu"],
            vec![(0, 0, Via::Named), (0, 1, Via::Glob("*.cu".into()))]
        );
    }

    proptest::proptest! {
        #[test]
        fn includes_never_panics(text in "\\PC{0,400}") {
            let _ = includes(&text);
        }

        #[test]
        fn attribute_never_panics(
            inputs in proptest::collection::vec("[a-z./*{}\\[\\]?]{0,12}", 0..4),
            texts in proptest::collection::vec("(#include \"[a-z./]{0,8}\"\n|/\\*|\\*/|//|\n|x){0,8}", 3),
        ) {
            let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
            let calls = [call(&inputs, &["inc", ".."])];
            let paths = ["a.cu", "inc/b.cuh", "d/c.cu"];
            let packages = [Package { name: "p", dir: "d", calls: &calls }];
            let read = |p: &str| paths.iter().position(|q| *q == p).map(|i| texts[i].clone());
            let out = attribute(&packages, &paths, &read);
            proptest::prop_assert_eq!(out.len(), paths.len());
        }
    }
}
