//! The files a CUDA compile reads beyond its sources, found without running the
//! preprocessor: the `#include` closure of the sources, each include resolved as nvcc resolves
//! it (a quoted name beside the including file first, then the `-I` directories in order;
//! an angled one in the `-I` directories only). What resolves nowhere (the toolkit's and the
//! system's headers) is not followed.
//!
//! Why not nvcc's own `-MD`: for device-only compiles (`-ptx`, `-cubin`, `-fatbin`) it adds
//! a host preprocessing pass nvcc otherwise skips (measured: 0.41 s → 0.50 s per source
//! with nvcc 13.0, and +3 % for `-c`), and the witness's budget is 2 % of the build. Where a
//! command line asks for a dependency file itself, the witness reads that instead. A
//! conditional include (`#if`) is followed whichever branch the compile took: the closure
//! may hold a header more, never one less, unless an include is computed by a macro.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;

/// The most files followed for one compile (a bound, not a limit real code meets).
const MAX_FILES: usize = 10_000;

/// The most bytes of one file read for its directives.
const MAX_FILE_BYTES: u64 = 16 << 20;

/// The files the sources include, directly or not, that resolve in `include_dirs` or beside
/// their includer, normalised (absolute when the paths given are). The sources themselves are
/// not listed.
pub fn closure(sources: &[PathBuf], include_dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen: HashSet<PathBuf> = sources.iter().cloned().collect();
    let mut queue: VecDeque<PathBuf> = sources.iter().cloned().collect();
    let mut found = Vec::new();
    while let Some(file) = queue.pop_front() {
        let Ok(text) = gate_support::read::text_capped(&file, MAX_FILE_BYTES) else {
            continue;
        };
        for (_, name) in directives(&text) {
            let (angled, name) = match name.strip_prefix('<').and_then(|n| n.strip_suffix('>')) {
                Some(inner) => (true, inner.to_owned()),
                None => (false, name),
            };
            let beside = (!angled)
                .then(|| file.parent().map(|d| d.join(&name)))
                .flatten();
            let resolved = beside
                .into_iter()
                .chain(include_dirs.iter().map(|d| d.join(&name)))
                .find(|p| p.is_file())
                .map(|p| gate_support::path::normalize(&p));
            if let Some(path) = resolved
                && seen.insert(path.clone())
            {
                found.push(path.clone());
                queue.push_back(path);
                if seen.len() >= MAX_FILES {
                    return found;
                }
            }
        }
    }
    found
}

/// `#include "x"` / `#include <x>` directives of a CUDA/C++ source, with 1-based lines.
/// Comments (`//`, `/* */`, also spanning lines) are skipped; a directive must start its line
/// (after whitespace), as the preprocessor requires.
pub fn directives(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let code = gate_support::text::without_c_comments(text, gate_support::text::Literals::Kept);
    for (n, code) in code.lines().enumerate() {
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

#[cfg(test)]
mod tests {
    use super::{closure, directives};

    #[test]
    fn directives_skip_comments_and_keep_angles() {
        let text = "#include \"a.cuh\"\n// #include \"no.cuh\"\n/* #include \"no2.cuh\"\n*/  #  include <b.h>\nint x; #include \"not_at_start.h\"\n";
        assert_eq!(
            directives(text),
            [(1, "a.cuh".to_owned()), (4, "<b.h>".to_owned())]
        );
    }

    #[test]
    fn the_closure_resolves_beside_the_includer_then_in_include_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "k/add.cu",
            "#include \"local.cuh\"\n#include <twice.cuh>\n#include <cuda_runtime.h>\n",
        );
        write("k/local.cuh", "#include \"local.cuh\"\n");
        write("common/twice.cuh", "#include \"deep/more.cuh\"\n");
        write("common/deep/more.cuh", "");
        let found = closure(&[root.join("k/add.cu")], &[root.join("common")]);
        assert_eq!(
            found,
            [
                root.join("k/local.cuh"),
                root.join("common/twice.cuh"),
                root.join("common/deep/more.cuh"),
            ]
        );
    }
}
