//! Checked-in GPU code compiled from an older source: a PTX, cubin or fatbin whose source was
//! committed after it, and a PTX whose entry takes another number of parameters than the
//! source's kernel of the same name (compiled from an older source, whenever committed).

use gate_formats::kernel_bom::{FileKind, SourceFile};
use std::path::Path;

/// What both tests read, each file once and only when asked: every CUDA source's and header's
/// kernels, and each checked-in PTX's entries.
struct Read<'r> {
    root: &'r Path,
    declared: Option<Vec<Declared>>,
    entries: std::collections::HashMap<usize, Option<Vec<gate_formats::ptx::Entry>>>,
}

impl<'r> Read<'r> {
    fn new(root: &'r Path) -> Read<'r> {
        Read {
            root,
            declared: None,
            entries: std::collections::HashMap::new(),
        }
    }

    fn text(&self, rel: &str) -> Option<String> {
        gate_support::read::text_capped(&self.root.join(rel), PTX_CAP).ok()
    }

    /// The kernels of every CUDA source and header.
    fn declared(&mut self, sources: &[SourceFile]) -> &[Declared] {
        if self.declared.is_none() {
            let declared = sources
                .iter()
                .enumerate()
                .filter(|(_, s)| matches!(s.kind, FileKind::Source | FileKind::Header))
                .filter_map(|(j, s)| {
                    Some((j, gate_cuda::signatures::kernels(&self.text(&s.path)?)))
                })
                .collect();
            self.declared = Some(declared);
        }
        self.declared.as_deref().unwrap_or_default()
    }

    /// The entries of the PTX `sources[i]` (none when it does not parse, or another
    /// compiler than NVVM made it: [`made_by_llvm`]).
    fn entries(&mut self, sources: &[SourceFile], i: usize) -> Option<&[gate_formats::ptx::Entry]> {
        if !self.entries.contains_key(&i) {
            let parsed = (sources[i].kind == FileKind::Ptx)
                .then(|| self.text(&sources[i].path))
                .flatten()
                .filter(|t| !made_by_llvm(t))
                .and_then(|t| gate_formats::ptx::parse(&t).ok())
                .map(|f| f.entries);
            self.entries.insert(i, parsed);
        }
        self.entries.get(&i).and_then(Option::as_deref)
    }

    /// The kernels of `sources[i]`'s package named `name`: each declaring file (its index) and
    /// the kernel's parameter count.
    fn named(&mut self, sources: &[SourceFile], i: usize, name: &str) -> Vec<(usize, usize)> {
        self.declared(sources)
            .iter()
            .filter(|(j, _)| sources[*j].package == sources[i].package)
            .flat_map(|(j, ks)| {
                ks.iter()
                    .filter(|(n, _)| n == name)
                    .map(move |(_, params)| (*j, *params))
            })
            .collect()
    }

    /// The CUDA source of `sources[i]`'s package that declares its entries, for a checked-in
    /// PTX named after no source (pyrin-miner's `pyrin-cuda-sm86.ptx`, from `pyrin-cuda.cu`):
    /// the one declaring most of them, in the PTX's directory first.
    fn declaring(&mut self, sources: &[SourceFile], i: usize) -> Option<usize> {
        let names: Vec<String> = self
            .entries(sources, i)?
            .iter()
            .filter_map(|e| gate_cuda::signatures::entry_name(&e.name).map(str::to_owned))
            .collect();
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for name in &names {
            for (j, _) in self.named(sources, i, name) {
                match counts.iter_mut().find(|(k, _)| *k == j) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((j, 1)),
                }
            }
        }
        let dir = |path: &str| path.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
        counts
            .into_iter()
            .filter(|&(j, _)| sources[j].kind == FileKind::Source)
            .max_by_key(|&(j, n)| {
                (
                    n,
                    dir(&sources[j].path) == dir(&sources[i].path),
                    std::cmp::Reverse(j),
                )
            })
            .map(|(j, _)| j)
    }
}

/// Marks each checked-in GPU file compiled from an older source: by commit order
/// ([`by_commit_order`]), then a PTX by its entries' parameters ([`by_entries`]).
pub(super) fn mark_stale(root: &Path, sources: &mut [SourceFile]) {
    let mut read = Read::new(root);
    by_commit_order(&mut read, sources);
    by_entries(&mut read, sources);
}

/// Marks each checked-in PTX whose entries are kernels a CUDA source of its package declares
/// ([`gate_cuda::signatures`]) with another number of parameters: karlsen-miner's sm20/sm30
/// PTX take 6 where `heavy_hash` in the source takes 8, committed together, so the commit
/// order said nothing. A kernel the package declares more than once (overloads, a template's
/// specialisations) matches any of them; an entry whose name is not read matches nothing.
fn by_entries(read: &mut Read<'_>, sources: &mut [SourceFile]) {
    for i in 0..sources.len() {
        if sources[i].kind != FileKind::Ptx || sources[i].stale_against.is_some() {
            continue;
        }
        let Some(entries) = read.entries(sources, i).map(<[_]>::to_vec) else {
            continue;
        };
        let mismatch = entries.iter().find_map(|entry| {
            let name = gate_cuda::signatures::entry_name(&entry.name)?;
            let same = read.named(sources, i, name);
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

/// Whether the PTX says, in its leading comment, that LLVM's NVPTX back end wrote it
/// (`// Generated by LLVM NVPTX Back-End`: Triton, rustc, clang), not NVVM, the compiler of
/// nvcc and NVRTC. Its entries are named after CUDA kernels by their authors' choice
/// (ferrum-infer-rs' Triton `rms_norm_f32.ptx`, which takes Triton's scratch pointers beside
/// the `.cu` kernel's five parameters): a name in common is no sign it was compiled from that
/// source, so neither its entries nor their names pair it with one. A PTX named after a
/// source (`k.ptx` beside `k.cu`) is still paired by its name.
fn made_by_llvm(text: &str) -> bool {
    text.lines()
        .take_while(|line| line.trim().is_empty() || line.trim_start().starts_with("//"))
        .any(|line| line.contains("Generated by LLVM NVPTX Back-End"))
}

/// A CUDA source or header (its index among the sources) and the kernels it declares, each
/// with its parameter count.
type Declared = (usize, Vec<(String, usize)>);

/// The most of a PTX file or CUDA source read for its kernels.
const PTX_CAP: u64 = 64 << 20;

/// Marks each checked-in PTX/cubin/fatbin whose source was committed after it: the tracked
/// `.cu` of the same name, in its directory or, failing that, anywhere in its package; for a
/// PTX named after none, the source of its package that declares its entries
/// ([`Read::declaring`]: pyrin-miner regenerated one of three PTX with the source's change,
/// and the other two, same signature, still ran the old hash on every sm_86 GPU).
fn by_commit_order(read: &mut Read<'_>, sources: &mut [SourceFile]) {
    let stem = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        name.split('.').next().unwrap_or(name).to_owned()
    };
    let dir = |path: &str| path.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
    let mut pairs: Vec<(usize, String)> = Vec::new();
    for (i, binary) in sources.iter().enumerate() {
        if !binary.kind.is_binary() {
            continue;
        }
        let candidates: Vec<&SourceFile> = sources
            .iter()
            .filter(|s| s.kind == FileKind::Source && stem(&s.path) == stem(&binary.path))
            .filter(|s| s.package == binary.package)
            .collect();
        let named = candidates
            .iter()
            .find(|s| dir(&s.path) == dir(&binary.path))
            .or_else(|| candidates.first())
            .map(|s| s.path.clone());
        if let Some(source) =
            named.or_else(|| Some(sources[read.declaring(sources, i)?].path.clone()))
        {
            pairs.push((i, source));
        }
    }
    let root = read.root;
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
