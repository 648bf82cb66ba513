//! Checked-in GPU code compiled from an older source: a PTX, cubin or fatbin whose source was
//! committed after it, and a PTX whose entry takes another number of parameters than the
//! source's kernel of the same name (compiled from an older source, whenever committed).

use gate_formats::kernel_bom::{FileKind, SourceFile};
use std::path::Path;

/// Marks each checked-in PTX whose entries are kernels a CUDA source of its package declares
/// ([`gate_cuda::signatures`]) with another number of parameters: karlsen-miner's sm20/sm30
/// PTX take 6 where `heavy_hash` in the source takes 8, committed together, so the commit
/// order said nothing. A kernel the package declares more than once (overloads, a template's
/// specialisations) matches any of them; an entry whose name is not read matches nothing.
pub(super) fn mark_stale_by_entries(root: &Path, sources: &mut [SourceFile]) {
    let read = |rel: &str| {
        let path = root.join(rel);
        gate_support::read::text_capped(&path, PTX_CAP).ok()
    };
    let mut declared: Option<Vec<Declared>> = None;
    for i in 0..sources.len() {
        if sources[i].kind != FileKind::Ptx || sources[i].stale_against.is_some() {
            continue;
        }
        let Some(entries) = read(&sources[i].path)
            .and_then(|t| gate_formats::ptx::parse(&t).ok())
            .map(|f| f.entries)
        else {
            continue;
        };
        // The kernels of every CUDA source and header, read once, when a PTX needs them.
        let kernels = declared.get_or_insert_with(|| {
            sources
                .iter()
                .enumerate()
                .filter(|(_, s)| matches!(s.kind, FileKind::Source | FileKind::Header))
                .filter_map(|(j, s)| Some((j, gate_cuda::signatures::kernels(&read(&s.path)?))))
                .collect()
        });
        let mismatch = entries.iter().find_map(|entry| {
            let name = gate_cuda::signatures::entry_name(&entry.name)?;
            let same: Vec<(usize, usize)> = kernels
                .iter()
                .filter(|(j, _)| sources[*j].package == sources[i].package)
                .flat_map(|(j, ks)| {
                    ks.iter()
                        .filter(|(n, _)| n == name)
                        .map(move |(_, params)| (*j, *params))
                })
                .collect();
            let (j, params) = *same.first()?;
            (!same.iter().any(|&(_, p)| p == entry.params)).then(|| {
                format!(
                    "{} (its kernel `{name}` takes {params} parameter(s); this file's entry \
                     {}, compiled from an older version of it)",
                    sources[j].path, entry.params
                )
            })
        });
        sources[i].stale_against = mismatch;
    }
}

/// A CUDA source or header (its index among the sources) and the kernels it declares, each
/// with its parameter count.
type Declared = (usize, Vec<(String, usize)>);

/// The most of a PTX file or CUDA source read for its kernels.
const PTX_CAP: u64 = 64 << 20;

/// Marks each checked-in PTX/cubin/fatbin whose source (the tracked `.cu` of the same name,
/// in its directory or, failing that, anywhere in its package) was committed after it.
pub(super) fn mark_stale(root: &Path, sources: &mut [SourceFile]) {
    let stem = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        name.split('.').next().unwrap_or(name).to_owned()
    };
    let dir = |path: &str| path.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
    let pairs: Vec<(usize, String)> = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind.is_binary())
        .filter_map(|(i, binary)| {
            let candidates: Vec<&SourceFile> = sources
                .iter()
                .filter(|s| s.kind == FileKind::Source && stem(&s.path) == stem(&binary.path))
                .filter(|s| s.package == binary.package)
                .collect();
            let source = candidates
                .iter()
                .find(|s| dir(&s.path) == dir(&binary.path))
                .or_else(|| candidates.first())?;
            Some((i, source.path.clone()))
        })
        .collect();
    for (i, source) in pairs {
        let (Some(binary_time), Some(source_time)) = (
            last_commit(root, &sources[i].path),
            last_commit(root, &source),
        ) else {
            continue;
        };
        if source_time.0 != binary_time.0 && is_ancestor(root, &binary_time.0, &source_time.0) {
            sources[i].stale_against = Some(format!(
                "{source} (changed in {}, after {} last changed in {})",
                short(&source_time.0),
                sources[i].path,
                short(&binary_time.0)
            ));
        }
    }
}

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// Whether `older` is an ancestor of `newer` (so `newer` came after it).
fn is_ancestor(root: &Path, older: &str, newer: &str) -> bool {
    let mut cmd = std::process::Command::new("git");
    cmd.args(["merge-base", "--is-ancestor", older, newer])
        .current_dir(root);
    crate::tools::process::output(cmd).is_ok_and(|o| o.status.success())
}

/// The last commit that changed `rel`, and its commit time.
fn last_commit(root: &Path, rel: &str) -> Option<(String, i64)> {
    let mut cmd = std::process::Command::new("git");
    cmd.args(["log", "-1", "--format=%H %ct", "--", rel])
        .current_dir(root);
    let output = crate::tools::process::output(cmd).ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let (commit, time) = text.trim().split_once(' ')?;
    Some((commit.to_owned(), time.parse().ok()?))
}
