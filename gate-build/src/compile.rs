//! Compiling one CUDA C source: the content key, the cache check, one nvcc run (fatbin with
//! SASS for every arch plus PTX for the lowest; the PTX text and each arch's ptxas result are
//! read from its `-keep` intermediates, so no front end or ptxas runs twice), the headers
//! from the kept preprocessed sources' line markers (no `-MD` pass), and error parsing.

use crate::error::{Error, io};
use crate::ptx::{self, PtxFacts};
pub use gate_formats::kernel_manifest::PtxasVerdict;
use gate_support::digest::{KeyHasher, sha256_hex};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A counting semaphore bounding how many tool processes run at once (the build's job
/// budget, `NUM_JOBS`): one nvcc run per source holds one token.
#[derive(Debug)]
pub(crate) struct Tokens {
    free: std::sync::Mutex<usize>,
    returned: std::sync::Condvar,
}

impl Tokens {
    pub(crate) fn new(jobs: usize) -> Tokens {
        Tokens {
            free: std::sync::Mutex::new(jobs.max(1)),
            returned: std::sync::Condvar::new(),
        }
    }

    /// Runs `f` while holding one token.
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            while *free == 0 {
                free = self.returned.wait(free).unwrap_or_else(|p| p.into_inner());
            }
            *free -= 1;
        }
        let result = f();
        *self.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.returned.notify_one();
        result
    }
}

/// Everything that decides what nvcc produces, shared by all sources of a build.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) nvcc: PathBuf,
    pub(crate) nvcc_version: String,
    pub(crate) ccbin: Option<PathBuf>,
    /// Sorted, lowest first (`sm_80`).
    pub(crate) archs: Vec<String>,
    pub(crate) includes: Vec<PathBuf>,
    pub(crate) flags: Vec<String>,
    /// Where outputs go (`OUT_DIR/kernels`).
    pub(crate) out: PathBuf,
    /// Header digests already computed in this build: sources share most headers (the CUDA
    /// and C++ system headers), so each is read once per build, not once per source.
    pub(crate) header_digests: std::sync::Mutex<std::collections::HashMap<PathBuf, String>>,
}

/// A compiled module, as recorded next to its outputs (and reused on a cache hit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Compiled {
    /// Module name (the file stem).
    pub(crate) name: String,
    /// The source file.
    pub(crate) source: PathBuf,
    /// The content key the outputs were made under.
    pub(crate) content_key: String,
    /// Every file nvcc reported including (`-MD`).
    pub(crate) headers: Vec<PathBuf>,
    /// PTX facts.
    pub(crate) ptx: PtxFacts,
    /// SHA-256 of the PTX text.
    pub(crate) ptx_sha256: String,
    /// SHA-256 of the fatbin.
    pub(crate) fatbin_sha256: String,
    /// ptxas verdicts, one per arch.
    pub(crate) ptxas: Vec<PtxasVerdict>,
    /// nvcc's warnings when the outputs were made (kept, so a cached build repeats them).
    #[serde(default)]
    pub(crate) warnings: Vec<String>,
    /// Whether this build reused the outputs without running nvcc.
    #[serde(skip)]
    pub(crate) cached: bool,
}

impl Settings {
    pub(crate) fn ptx_path(&self, name: &str) -> PathBuf {
        self.out.join(format!("{name}.ptx"))
    }

    pub(crate) fn fatbin_path(&self, name: &str) -> PathBuf {
        self.out.join(format!("{name}.fatbin"))
    }

    fn record_path(&self, name: &str) -> PathBuf {
        self.out.join(format!("{name}.json"))
    }

    /// The content key over everything that decides the outputs.
    fn key(&self, source: &Path, headers: &[PathBuf]) -> Result<String, Error> {
        let mut h = KeyHasher::default();
        h.part("gate-build", env!("CARGO_PKG_VERSION").as_bytes());
        h.part("nvcc", self.nvcc.to_string_lossy().as_bytes());
        h.part("nvcc-version", self.nvcc_version.as_bytes());
        h.part(
            "ccbin",
            self.ccbin
                .as_ref()
                .map_or(String::new(), |c| c.to_string_lossy().into_owned())
                .as_bytes(),
        );
        h.part("archs", self.archs.join(",").as_bytes());
        for include in &self.includes {
            h.part("include", include.to_string_lossy().as_bytes());
        }
        for flag in &self.flags {
            h.part("flag", flag.as_bytes());
        }
        h.part("source-path", source.to_string_lossy().as_bytes());
        h.part("source", &std::fs::read(source).map_err(io(source))?);
        for header in headers {
            h.part("header-path", header.to_string_lossy().as_bytes());
            h.part("header", self.header_digest(header).as_bytes());
        }
        Ok(h.finish())
    }

    /// The digest of a header's contents (`missing` when it vanished: that changes the key,
    /// and the compile says why).
    fn header_digest(&self, header: &Path) -> String {
        let cached = self
            .header_digests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(header)
            .cloned();
        cached.unwrap_or_else(|| {
            let digest =
                std::fs::read(header).map_or_else(|_| "missing".to_owned(), |b| sha256_hex(&b));
            self.header_digests
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(header.to_owned(), digest.clone());
            digest
        })
    }

    fn base_command(&self, source_dir: &Path) -> Command {
        let mut cmd = Command::new(&self.nvcc);
        cmd.current_dir(source_dir).stdin(Stdio::null());
        if let Some(ccbin) = &self.ccbin {
            cmd.arg("-ccbin").arg(ccbin);
        }
        for include in &self.includes {
            cmd.arg("-I").arg(include);
        }
        cmd.args(&self.flags);
        cmd
    }

    fn lowest_compute(&self) -> String {
        self.archs[0].replacen("sm_", "compute_", 1)
    }
}

/// Compiles `source` as module `name`, or reuses the previous outputs when the content key
/// (source, every header the previous compile included, flags, archs, nvcc version) is unchanged.
#[expect(
    clippy::disallowed_methods,
    reason = "nvcc's kept PTX is moved out of its scratch directory, complete"
)]
pub(crate) fn compile(
    settings: &Settings,
    tokens: &Tokens,
    source: &Path,
    name: &str,
) -> Result<Compiled, Error> {
    let record_path = settings.record_path(name);
    if let Ok(bytes) = std::fs::read(&record_path)
        && let Ok(mut previous) = serde_json::from_slice::<Compiled>(&bytes)
        && previous.source == source
        && settings.key(source, &previous.headers)? == previous.content_key
        && outputs_match(settings, &previous)
    {
        previous.cached = true;
        return Ok(previous);
    }

    let source_dir = source.parent().unwrap_or(Path::new("."));
    let fatbin = settings.fatbin_path(name);
    let ptx_path = settings.ptx_path(name);
    // One nvcc run per source, the flow raw nvcc takes: a front end per compute arch, ptxas
    // per SASS arch on the PTX of that arch's own front end, fatbinary to bundle. `-keep`
    // leaves the intermediates in a directory of this module's own, where the PTX that ships
    // (for the lowest arch) and each arch's cubin are read from — nothing is compiled twice,
    // and each arch's verdict is the check of the SASS that ships for it.
    let keep = settings.out.join(format!("{name}.keep"));
    let _ = std::fs::remove_dir_all(&keep);
    std::fs::create_dir_all(&keep).map_err(io(&keep))?;
    let mut cmd = settings.base_command(source_dir);
    cmd.arg("-fatbin");
    for arch in &settings.archs {
        let compute = arch.replacen("sm_", "compute_", 1);
        cmd.arg("-gencode")
            .arg(format!("arch={compute},code={arch}"));
    }
    let lowest = settings.lowest_compute();
    cmd.arg("-gencode")
        .arg(format!("arch={lowest},code={lowest}"));
    cmd.arg("-keep").arg("-keep-dir").arg(&keep);
    cmd.arg("-o").arg(&fatbin).arg(source);
    let result = tokens.with(|| run_nvcc(cmd, source));
    let kept = Kept::new(&keep, source, &lowest);
    let warnings = match result {
        Ok(warnings) => warnings,
        Err(err) => {
            let _ = std::fs::remove_dir_all(&keep);
            return Err(err);
        }
    };
    let moved = std::fs::rename(kept.ptx(), &ptx_path).map_err(io(&kept.ptx()));
    let ptxas: Vec<PtxasVerdict> = settings
        .archs
        .iter()
        .map(|arch| kept.verdict(arch))
        .collect();
    // The headers come from the line markers of the preprocessed sources nvcc kept (one per
    // front end): no extra preprocessing pass, as `-MD` would cost.
    let included = kept.included();
    let _ = std::fs::remove_dir_all(&keep);
    moved?;

    let ptx_text = std::fs::read_to_string(&ptx_path).map_err(io(&ptx_path))?;
    let facts = ptx::parse(&ptx_text).map_err(|e| Error::ToolOutput {
        what: format!("the PTX nvcc kept for {}", source.display()),
        output: e.to_string(),
    })?;
    let headers: Vec<PathBuf> = included
        .map_err(io(&keep))?
        .into_iter()
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                source_dir.join(p)
            }
        })
        .map(|p| normalize(&p))
        .filter(|p| p != source && p.is_file())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let fatbin_bytes = std::fs::read(&fatbin).map_err(io(&fatbin))?;
    let compiled = Compiled {
        name: name.to_owned(),
        source: source.to_owned(),
        content_key: settings.key(source, &headers)?,
        headers,
        ptx: facts,
        ptx_sha256: sha256_hex(ptx_text.as_bytes()),
        fatbin_sha256: sha256_hex(&fatbin_bytes),
        ptxas,
        warnings,
        cached: false,
    };
    let json = serde_json::to_vec_pretty(&compiled).expect("record serialises");
    gate_support::atomic::write(&record_path, &json).map_err(io(&record_path))?;
    Ok(compiled)
}

fn outputs_match(settings: &Settings, record: &Compiled) -> bool {
    let digest = |p: PathBuf| std::fs::read(p).ok().map(|b| sha256_hex(&b));
    digest(settings.ptx_path(&record.name)).as_deref() == Some(record.ptx_sha256.as_str())
        && digest(settings.fatbin_path(&record.name)).as_deref()
            == Some(record.fatbin_sha256.as_str())
}

/// Runs nvcc; on success returns its warnings (the lines that say `warning`, as nvcc, the
/// host compiler or ptxas wrote them), so they reach the user instead of vanishing.
fn run_nvcc(mut cmd: Command, source: &Path) -> Result<Vec<String>, Error> {
    let program = PathBuf::from(cmd.get_program());
    let output = cmd
        .output()
        .map_err(|source| Error::Spawn { program, source })?;
    if output.status.success() {
        let text = String::from_utf8_lossy(&output.stderr);
        return Ok(text
            .lines()
            .filter(|l| l.to_ascii_lowercase().contains("warning"))
            .map(|l| l.trim().to_owned())
            .collect());
    }
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    Err(compile_error(&text, source, output.status.code()))
}

/// Turns nvcc's output into an error naming the file, line and column of the first error,
/// in either format: nvcc's front end (`k.cu(12): error: …`) or the host compiler's
/// preprocessor (`h.cuh:3:10: fatal error: …`, after `In file included from k.cu:1:` lines,
/// which become the include chain).
pub(crate) fn compile_error(text: &str, source: &Path, code: Option<i32>) -> Error {
    let mut first: Option<(PathBuf, u32, Option<u32>)> = None;
    let mut chain: Vec<String> = Vec::new();
    let mut pending_chain: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed
            .strip_prefix("In file included from ")
            .or_else(|| trimmed.strip_prefix("from "))
        {
            pending_chain.push(rest.trim_end_matches([':', ',']).to_owned());
            continue;
        }
        if let Some((place, rest)) = line.split_once("): ")
            && let Some((file, number)) = place.rsplit_once('(')
            && let Ok(number) = number.parse::<u32>()
            && (rest.starts_with("error") || rest.starts_with("catastrophic error"))
        {
            first.get_or_insert((PathBuf::from(file), number, None));
            lines.push(rest.to_owned());
        } else if let Some((file, number, column, rest)) = gcc_location(line)
            && (rest.starts_with("error") || rest.starts_with("fatal error"))
        {
            if first.is_none() {
                first = Some((PathBuf::from(file), number, Some(column)));
                chain = std::mem::take(&mut pending_chain);
            }
            lines.push(rest.to_owned());
        } else if line.contains("error") && lines.len() < 10 && !trimmed.is_empty() {
            lines.push(trimmed.to_owned());
        }
        if !trimmed.starts_with("In file included") {
            pending_chain.clear();
        }
    }
    let message = if lines.is_empty() {
        format!(
            "nvcc exited with {}: {}",
            code.map_or_else(|| "a signal".into(), |c| format!("status {c}")),
            text.lines().take(10).collect::<Vec<_>>().join("\n")
        )
    } else {
        lines.join("\n")
    };
    let (file, line, column) = match first {
        Some((file, line, column)) => (file, Some(line), column),
        None => (source.to_owned(), None, None),
    };
    Error::Compile {
        file,
        line,
        column,
        included_from: chain,
        message,
    }
}

/// `path:12:5: rest` (the host compiler's format): path, line, column and the rest.
fn gcc_location(line: &str) -> Option<(&str, u32, u32, &str)> {
    let mut parts = line.splitn(4, ':');
    let mut file = parts.next()?;
    let mut number = parts.next()?;
    // A Windows drive letter (`C:\x.cu:3:5:`) takes one more split.
    if file.len() == 1 && number.starts_with('\\') {
        return None;
    }
    let column = parts.next()?;
    let rest = parts.next()?.trim_start();
    let line_no = number.trim().parse().ok()?;
    let column_no = column.trim().parse().ok()?;
    file = file.trim();
    number = number.trim();
    let _ = number;
    Some((file, line_no, column_no, rest))
}

/// The header an error says could not be found (`nv/target`), in either compiler's words.
pub(crate) fn missing_header(error: &Error) -> Option<String> {
    let Error::Compile { message, .. } = error else {
        return None;
    };
    for line in message.lines() {
        // GCC: `fatal error: nv/target: No such file or directory`
        if let Some(rest) = line.strip_prefix("fatal error: ")
            && let Some(header) = rest.strip_suffix(": No such file or directory")
        {
            return Some(header.trim().to_owned());
        }
        // EDG: `catastrophic error: cannot open source file "nv/target"`
        if let Some((_, rest)) = line.split_once("cannot open source file \"")
            && let Some(header) = rest.split('"').next()
        {
            return Some(header.to_owned());
        }
    }
    None
}

/// The files a preprocessed source names in its line markers (`# 12 "path" 1 3`): every
/// header it included, the source itself, and pseudo-files (`<built-in>`) left out.
pub(crate) fn line_marker_paths(text: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# ") else {
            continue;
        };
        let Some((number, rest)) = rest.split_once(' ') else {
            continue;
        };
        if !number.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Some(quoted) = rest.strip_prefix('"') else {
            continue;
        };
        let mut path = String::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => path.extend(chars.next()),
                c => path.push(c),
            }
        }
        if path.is_empty() || path.starts_with('<') {
            continue;
        }
        let path = PathBuf::from(path);
        if out.last() != Some(&path) {
            out.push(path);
        }
    }
    out
}

/// `a/b/../c` → `a/c` (and `a//b` → `a/b`), without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The intermediates nvcc kept for one source (`-keep-dir`): named after the source's stem
/// and the compute arch of the front end that made them.
struct Kept<'a> {
    dir: &'a Path,
    stem: String,
    lowest: &'a str,
}

impl<'a> Kept<'a> {
    fn new(dir: &'a Path, source: &Path, lowest: &'a str) -> Kept<'a> {
        Kept {
            dir,
            stem: source
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            lowest,
        }
    }

    /// The PTX of the lowest arch's front end: the PTX the fatbin carries. nvcc names it
    /// after the compute arch when there are several front ends, and not when there is one.
    fn ptx(&self) -> PathBuf {
        let named = self.dir.join(format!("{}.{}.ptx", self.stem, self.lowest));
        if named.is_file() {
            named
        } else {
            self.dir.join(format!("{}.ptx", self.stem))
        }
    }

    /// Every file the preprocessed sources (`*.cpp1.ii`, one per front end) name.
    fn included(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.dir)? {
            let path = entry?.path();
            if path.to_string_lossy().ends_with(".cpp1.ii") {
                all.extend(line_marker_paths(&std::fs::read_to_string(&path)?));
            }
        }
        Ok(all)
    }

    /// What shipped for `arch`: the cubin ptxas made from the PTX of `arch`'s own front end
    /// (`x.compute_90.cubin`, or `x.compute_80.sm_80.cubin` where the PTX ships too).
    fn verdict(&self, arch: &str) -> PtxasVerdict {
        let compute = arch.replacen("sm_", "compute_", 1);
        // The names nvcc 12–13 give them: with several front ends `x.compute_90.cubin` (or
        // `x.compute_80.sm_80.cubin` where that arch's PTX ships too); with one, `x.sm_90.cubin`.
        let cubins = [
            self.dir
                .join(format!("{}.{compute}.{arch}.cubin", self.stem)),
            self.dir.join(format!("{}.{compute}.cubin", self.stem)),
            self.dir.join(format!("{}.{arch}.cubin", self.stem)),
        ];
        let ok = cubins.iter().any(|c| c.is_file());
        let message = if ok {
            format!(
                "{arch} SASS assembled by ptxas from {compute} PTX (its own front end), as shipped in the fatbin"
            )
        } else {
            format!("nvcc succeeded but left no {arch} cubin in its -keep directory")
        };
        PtxasVerdict {
            arch: arch.to_owned(),
            ok,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_markers_name_every_included_file_once() {
        let text = "# 1 \"k.cu\"\n# 1 \"<built-in>\" 1\n# 1 \"/t/include/cuda_runtime.h\" 1 3\nint x;\n# 7 \"/t/include/cuda_runtime.h\" 3\n# 2 \"dir with space/common.cuh\" 1\n# 3 \"C:\\\\cuda\\\\x.h\" 1\n#pragma once\n";
        assert_eq!(
            line_marker_paths(text),
            [
                PathBuf::from("k.cu"),
                PathBuf::from("/t/include/cuda_runtime.h"),
                PathBuf::from("dir with space/common.cuh"),
                PathBuf::from("C:\\cuda\\x.h"),
            ]
        );
        assert_eq!(
            normalize(Path::new("/t/bin/..//include/./x.h")),
            PathBuf::from("/t/include/x.h")
        );
    }

    #[test]
    fn nvcc_errors_name_file_and_line() {
        let text = "/w/kernels/bad.cu(3): error: identifier \"undefined_thing\" is undefined\n\n1 error detected in the compilation of \"/w/kernels/bad.cu\".\n";
        match compile_error(text, Path::new("/w/kernels/bad.cu"), Some(2)) {
            Error::Compile {
                file,
                line,
                message,
                ..
            } => {
                assert_eq!(file, PathBuf::from("/w/kernels/bad.cu"));
                assert_eq!(line, Some(3));
                assert!(
                    message.starts_with("error: identifier \"undefined_thing\""),
                    "{message}"
                );
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn output_without_locations_still_says_what_happened() {
        let err = compile_error(
            "nvcc fatal   : Unsupported gpu architecture 'compute_1'",
            Path::new("k.cu"),
            Some(1),
        );
        let text = err.to_string();
        assert!(text.starts_with("nvcc failed on k.cu:"), "{text}");
        assert!(text.contains("Unsupported gpu architecture"), "{text}");
    }

    #[test]
    fn host_compiler_errors_keep_column_and_include_chain() {
        let text = "In file included from h.cu:1:\n/venv/nvidia/cu13/include/cuda_fp16.h:4492:10: fatal error: nv/target: No such file or directory\n 4492 | #include <nv/target>\n      |          ^~~~~~~~~~~\ncompilation terminated.\n";
        let err = compile_error(text, Path::new("h.cu"), Some(1));
        match &err {
            Error::Compile {
                file,
                line,
                column,
                included_from,
                ..
            } => {
                assert_eq!(file, Path::new("/venv/nvidia/cu13/include/cuda_fp16.h"));
                assert_eq!((*line, *column), (Some(4492), Some(10)));
                assert_eq!(included_from, &["h.cu:1"]);
            }
            other => panic!("{other}"),
        }
        assert_eq!(missing_header(&err).as_deref(), Some("nv/target"));
        assert!(err.to_string().contains("cuda_fp16.h:4492:10"), "{err}");
        assert!(err.to_string().contains("included from h.cu:1"), "{err}");
        let edg = compile_error(
            "k.cu(1): catastrophic error: cannot open source file \"cub/cub.cuh\"\n",
            Path::new("k.cu"),
            Some(1),
        );
        assert_eq!(missing_header(&edg).as_deref(), Some("cub/cub.cuh"));
    }
}
