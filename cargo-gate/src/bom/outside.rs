//! GPU and C/C++ files beside the workspace that its builds reach: a call's input or include
//! directory that lies outside the workspace root (`.include("../../common")`, a `.cu` in a
//! sibling checkout). They are listed so that the `#include` closure goes on through them
//! and the GPU files among them are inventoried, shown with the `..` that leads there.

use crate::cuda::{includes, scripts::Call};
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
                Ok(t) if t.is_file() && (includes::is_gpu_file(&child) || is_c_family(&child)) => {
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

/// Whether a path names a C/C++ source or header (followed for includes, never reported).
pub(super) fn is_c_family(rel: &str) -> bool {
    [
        ".h", ".hpp", ".hh", ".hxx", ".inl", ".c", ".cc", ".cpp", ".cxx",
    ]
    .iter()
    .any(|e| rel.ends_with(e))
}
