//! The Rust source files of a set of packages, walked once and scanned in parallel for
//! unsafe and FFI boundaries ([`crate::scan`]): what `boundary.unsafe` judges and what
//! `cargo gate init` reads to propose `[boundary] allow-unsafe`.
//!
//! A walk's problems are findings of `boundary.unsafe` (`walk-incomplete`, `non-utf8-path`):
//! the check reports them, `init` ignores them.

use crate::check::{Finding, Location};
use crate::scan::{self, BoundaryHit};
use crate::workspace::{Member, Workspace};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A Rust source file and the member that owns it.
#[derive(Debug, Clone)]
pub struct OwnedFile {
    /// The file.
    pub path: PathBuf,
    /// The owning member's package name.
    pub krate: String,
}

/// Every `.rs` file of every member, each exactly once, owned by the member whose directory
/// is the deepest one containing it. Directories holding a Cargo.toml of their own belong to
/// that package (another member, or a package outside the workspace such as a test
/// fixture), so a walk never enters them; `.gitignore`d paths, hidden directories and the
/// target directory are skipped; symbolic links are not followed, so a link loop cannot
/// hang the walk. Non-UTF-8 paths are scanned and reported as warnings.
pub fn member_files(ws: &Workspace) -> (Vec<OwnedFile>, Vec<Finding>) {
    files_of(ws, &ws.members)
}

/// Like [`member_files`], for any list of packages (members and the crates they reach).
pub fn files_of<'a>(
    ws: &Workspace,
    packages: impl IntoIterator<Item = &'a Member>,
) -> (Vec<OwnedFile>, Vec<Finding>) {
    let mut files = Vec::new();
    let mut findings = Vec::new();
    for member in packages {
        walk_member(ws, member, &mut files, &mut findings);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    (files, findings)
}

fn walk_member(
    ws: &Workspace,
    member: &Member,
    files: &mut Vec<OwnedFile>,
    findings: &mut Vec<Finding>,
) {
    let root = member.dir.clone();
    let target = ws.target_dir.clone();
    let walker = ignore::WalkBuilder::new(&member.dir)
        .follow_links(false)
        .require_git(false)
        .filter_entry(move |entry| {
            let path = entry.path();
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && (path.starts_with(&target)
                    || (path != root && path.join("Cargo.toml").exists())))
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                findings.push(
                    Finding::warning(format!("could not walk part of the tree: {err}"))
                        .code("walk-incomplete"),
                );
                continue;
            }
        };
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file())
            || path.extension().is_none_or(|e| e != "rs")
        {
            continue;
        }
        if path.to_str().is_none() {
            findings.push(
                Finding::warning(
                    "path is not valid UTF-8 (shown lossily); it was scanned, but rename it: \
                     non-UTF-8 names do not survive every platform and tool",
                )
                .code("non-utf8-path")
                .at(Location::file(ws.relative(path)))
                .subject(member.name.clone()),
            );
        }
        files.push(OwnedFile {
            path: path.to_owned(),
            krate: member.name.clone(),
        });
    }
}

/// Threads for scanning: what the machine offers.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One file's size and hits, or why it could not be read.
pub type ScanResult = std::io::Result<(u64, Vec<BoundaryHit>)>;

/// Reads and scans `files` on `threads` threads; results are in the order of `files`, each
/// the file's size and its hits. Each file is read, scanned and dropped, so memory stays
/// bounded by the largest file per thread.
pub fn scan_files(files: &[OwnedFile], threads: usize) -> Vec<ScanResult> {
    scan_paths(
        files
            .iter()
            .map(|f| f.path.as_path())
            .collect::<Vec<_>>()
            .as_slice(),
        threads,
    )
}

/// [`scan_files`] over bare paths: threads claim files by index; each thread reads into one
/// reused buffer, so memory stays near (largest file × threads) however big the tree is. The
/// benchmark harness (`examples/scan_tree.rs`) measures this very function.
pub fn scan_paths(paths: &[&Path], threads: usize) -> Vec<ScanResult> {
    crate::parallel::map_files(paths, threads, 16 << 20, |path, buf| {
        buf.clear();
        File::open(path)
            .and_then(|mut f| f.read_to_end(buf))
            .map(|_| (buf.len() as u64, scan::scan_source(buf)))
    })
}
