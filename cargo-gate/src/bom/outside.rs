//! GPU and C/C++ files beside the workspace that its builds reach: a call's input or include
//! directory that lies outside the workspace root (`.include("../../common")`, a `.cu` in a
//! sibling checkout). They are listed so that the `#include` closure goes on through them
//! and the GPU files among them are inventoried, shown with the `..` that leads there. So are
//! those a witnessed compile read where static reading could not place them ([`witnessed`]).

use crate::cuda::{includes, scripts::Call};
use gate_formats::kernel_bom::{Bom, FileKind, SourceFile};
use std::path::Path;

/// The most files listed outside the root, all calls together.
const MAX_FILES: usize = 4096;

/// The GPU and C/C++ files in the directories outside `root` that `calls` name (inputs and
/// include directories, relative to their package's directory in `dirs`), root-relative with
/// their leading `..`, sorted.
pub(super) fn files(root: &Path, dirs: &[String], calls: &[&[Call]]) -> Vec<String> {
    let mut found = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (dir, calls) in dirs.iter().zip(calls) {
        for call in *calls {
            for named in call.inputs.iter().chain(&call.include_dirs) {
                let joined = if dir.is_empty() {
                    named.clone()
                } else {
                    format!("{dir}/{named}")
                };
                let rel = gate_support::path::normalize(Path::new(&joined))
                    .to_string_lossy()
                    .replace('\\', "/");
                if !rel.starts_with("../") || seen.iter().any(|s| rel.starts_with(s.as_str())) {
                    continue;
                }
                let path = root.join(&rel);
                let start = if path.is_dir() {
                    rel
                } else {
                    match rel.rsplit_once('/') {
                        Some((parent, _)) if path.is_file() => parent.to_owned(),
                        _ => continue,
                    }
                };
                walk(root, &start, &mut found);
                seen.push(format!("{start}/"));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Adds the GPU and C/C++ files below `root/rel` to `found`, up to [`MAX_FILES`] (hidden
/// directories and `target` are skipped).
fn walk(root: &Path, rel: &str, found: &mut Vec<String>) {
    let mut todo = vec![rel.to_owned()];
    while let Some(at) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&at)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = format!("{at}/{name}");
            match entry.file_type() {
                Ok(t) if t.is_dir() && !name.starts_with('.') && name != "target" => {
                    todo.push(child);
                }
                Ok(t)
                    if t.is_file()
                        && (includes::is_gpu_file(&child) || includes::is_c_family(&child)) =>
                {
                    found.push(child);
                }
                _ => {}
            }
            if found.len() >= MAX_FILES {
                return;
            }
        }
    }
}

/// Adds to `bom.sources` the GPU files beside `root` that its witnessed compiles read and that
/// git tracks, where static reading placed none of them (pyxis: raw nvcc over
/// `canonicalize(".").parent().join("cuda").join("src")`): each is built by the builder of the
/// compile that read it, and a file it only included is included by that compile's first
/// source, as static reading says of the files beside the root that it reaches.
pub(super) fn witnessed(bom: &mut Bom, root: &Path) {
    let Some(witness) = &bom.witness else {
        return;
    };
    // (path, compile, read as its input)
    let mut read: Vec<(&str, usize, bool)> = Vec::new();
    for (i, compile) in witness.compiles.iter().enumerate() {
        let inputs = compile.inputs.iter().map(|p| (p, true));
        for (path, input) in inputs.chain(compile.includes.iter().map(|p| (p, false))) {
            let new = !bom.sources.iter().any(|s| s.path == *path);
            if path.starts_with("../") && FileKind::of(path).is_some() && new {
                read.push((path, i, input));
            }
        }
    }
    let mut paths: Vec<String> = read.iter().map(|(p, _, _)| (*p).to_owned()).collect();
    paths.sort();
    paths.dedup();
    let mut added = Vec::new();
    for path in tracked(root, &paths) {
        let Some(kind) = FileKind::of(&path) else {
            continue;
        };
        let by: Vec<&(&str, usize, bool)> = read.iter().filter(|(p, _, _)| *p == path).collect();
        let compiles = || by.iter().filter_map(|(_, i, _)| witness.compiles.get(*i));
        let mut built_by: Vec<usize> = compiles().filter_map(|c| c.builder).collect();
        built_by.sort_unstable();
        built_by.dedup();
        let as_input = by.iter().any(|(_, _, input)| *input);
        let included_by = compiles()
            .find_map(|c| c.inputs.first().cloned())
            .filter(|_| !as_input);
        let ships = built_by
            .iter()
            .all(|&b| bom.builders.get(b).is_none_or(|b| b.ships));
        added.push(SourceFile {
            path,
            kind,
            package: None,
            built_by,
            included_by,
            ships,
            stale_against: None,
            compiled_in: by.iter().map(|(_, i, _)| *i).collect(),
            probe: None,
        });
    }
    bom.sources.extend(added);
}

/// Of `paths` (relative to `root`, beside it: `../cuda/src/k.cu`), those git tracks in the
/// repository that holds `root`; none where git cannot say.
pub(crate) fn tracked(root: &Path, paths: &[String]) -> Vec<String> {
    if paths.is_empty() {
        return Vec::new();
    }
    let mut cmd = std::process::Command::new("git");
    cmd.args(["ls-files", "-z", "--cached", "--"])
        .args(paths.iter().map(|p| format!(":(literal){p}")))
        .current_dir(root);
    let Ok(output) = crate::tools::process::output(cmd) else {
        return Vec::new();
    };
    if !output.status.success() {
        return Vec::new();
    }
    let listed: Vec<String> = output
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    paths
        .iter()
        .filter(|p| listed.contains(p))
        .cloned()
        .collect()
}
