//! What a build script does besides compiling that the inventory reports: probing the build
//! machine's GPU (`nvidia-smi`, NVML, `cudaGetDeviceProperties`), and writing PTX outside
//! `OUT_DIR` (into the source tree, where a checked-in copy goes stale).

use super::lexed::Lexed;
use crate::includes::is_gpu_artifact;
use gate_support::lexer::TokenKind;

/// Build-time GPU probing, outside `use` declarations: a `"nvidia-smi"` (or `…/nvidia-smi`)
/// string, a `--query-gpu` argument, NVML, a call of a `*compute_cap*` function (cudaforge's
/// `detect_compute_cap()`), or the CUDA runtime's device queries. A message
/// that merely mentions nvidia-smi is not a probe. Every such place: the token, its line and
/// what it does, in file order.
pub(super) fn probe_sites(lx: &Lexed<'_>) -> Vec<(usize, u32, String)> {
    let mut sites = Vec::new();
    let uses = lx.use_ranges();
    for (i, t) in lx.toks.iter().enumerate() {
        if uses.iter().any(|&(a, b)| a <= i && i < b) {
            continue;
        }
        let what = if let Some(s) = lx.str_value(i) {
            let base = s.rsplit(['/', '\\']).next().unwrap_or(s);
            if base == "nvidia-smi" || base == "nvidia-smi.exe" {
                Some("runs `nvidia-smi`".to_owned())
            } else if s.contains("--query-gpu") || s == "compute_cap" {
                Some(format!("asks the GPU for `{s}`"))
            } else {
                None
            }
        } else if t.kind == TokenKind::Ident {
            let w = t.text;
            if w.to_ascii_lowercase().contains("nvml") {
                Some(format!("queries NVML (`{w}`)"))
            } else if w.contains("compute_cap")
                && lx.punct(i + 1, b'(')
                && !lx.is_ident(i.wrapping_sub(1), "fn")
                // `compute_cap_arch("90a")`, `.compute_cap(80)`: an arch named in the script,
                // not asked of a GPU.
                && lx.strs(i + 1, lx.matching(i + 1)).is_empty()
                && !(i + 2..lx.matching(i + 1)).any(|k| lx.toks[k].kind == TokenKind::Literal)
            {
                Some(format!("detects the compute capability (`{w}()`)"))
            } else if matches!(
                w,
                "cudaGetDeviceProperties"
                    | "cudaDeviceGetAttribute"
                    | "cuDeviceGetAttribute"
                    | "cuDeviceComputeCapability"
            ) {
                Some(format!("asks the CUDA driver (`{w}`)"))
            } else {
                None
            }
        } else {
            None
        };
        if let Some(what) = what {
            sites.push((i, t.line, what));
        }
    }
    sites
}

/// A path literal at the start of arguments `a..`: `"x"`, `&"x"`, `Path::new("x")`,
/// `PathBuf::from("x")`.
fn leading_path<'a>(lx: &Lexed<'a>, mut a: usize) -> Option<&'a str> {
    while lx.punct(a, b'&') {
        a += 1;
    }
    if let Some(s) = lx.str_value(a) {
        return Some(s);
    }
    if matches!(lx.ident(a), Some("Path" | "PathBuf"))
        && lx.path_sep(a + 1)
        && matches!(lx.ident(a + 3), Some("new" | "from"))
        && lx.punct(a + 4, b'(')
    {
        return lx.str_value(a + 5);
    }
    None
}

/// PTX written outside `OUT_DIR`: cuda_builder's `.copy_to("..")` with a literal path, or
/// `fs::write` / `fs::copy` / `File::create` of a literal `.ptx`/`.cubin`/`.fatbin` path
/// (relative literals are relative to the package directory, never `OUT_DIR`).
pub(super) fn outside_out_dir(lx: &Lexed<'_>) -> Option<(u32, String)> {
    for i in 0..lx.toks.len() {
        let Some(word) = lx.ident(i) else { continue };
        if !lx.punct(i + 1, b'(') {
            continue;
        }
        let close = lx.matching(i + 1);
        let qualifier = (i >= 3 && lx.path_sep(i - 2))
            .then(|| lx.ident(i - 3))
            .flatten();
        let dest = match (qualifier, word) {
            // A literal, or a path computed from the package's directory
            // (advent-of-cuda's `current_dir()?.join("resources")` then `.join("gpu.ptx")`).
            (_, "copy_to") if lx.punct(i.wrapping_sub(1), b'.') => leading_path(lx, i + 2)
                .map(str::to_owned)
                .or_else(|| super::paths::evaluated(lx, i + 2, close)),
            (Some("fs"), "write") | (Some("File"), "create") => leading_path(lx, i + 2)
                .filter(|p| is_gpu_artifact(p))
                .map(str::to_owned),
            (Some("fs"), "copy") => {
                let comma = (i + 2..close).find(|&k| lx.punct(k, b',') && lx.stmt_end(k) >= close);
                comma
                    .and_then(|c| leading_path(lx, c + 1))
                    .filter(|p| is_gpu_artifact(p))
                    .map(str::to_owned)
            }
            _ => None,
        };
        if let Some(dest) = dest.filter(|d| !d.contains("OUT_DIR")) {
            return Some((lx.toks[i].line, dest));
        }
    }
    nvcc_output(lx)
}

/// nvcc's own `-o` writing a GPU artifact outside `OUT_DIR`: a literal path
/// (`.arg("-o").arg("../k.ptx")`), or the source's own path with its extension changed
/// (`out.set_extension("ptx")` on a path that is not under `OUT_DIR`: lambdaworks writes each
/// shader's PTX beside it, into another package's source tree).
fn nvcc_output(lx: &Lexed<'_>) -> Option<(u32, String)> {
    for k in 0..lx.toks.len() {
        if !matches!(lx.str_value(k), Some("-o" | "--output-file")) {
            continue;
        }
        // The next argument: a literal, or a name (`&out_path`), within `).arg(`.
        let Some(next) = (k + 1..(k + 8).min(lx.toks.len()))
            .find(|&n| lx.str_value(n).is_some() || lx.ident(n).is_some_and(|w| w != "arg"))
        else {
            continue;
        };
        if let Some(path) = lx.str_value(next) {
            if is_gpu_artifact(path) && !path.contains("OUT_DIR") {
                return Some((lx.toks[k].line, path.to_owned()));
            }
            continue;
        }
        let Some(name) = lx.ident(next) else { continue };
        if let Some(ext) = beside_the_source(lx, name) {
            let what = format!("{name}: the source's path with .{ext}");
            return Some((lx.toks[k].line, what));
        }
    }
    None
}

/// The artifact extension `name.set_extension(..)` gives a path whose binding names no
/// `OUT_DIR` (`let mut out_path = entry.path().to_owned()`).
fn beside_the_source<'a>(lx: &Lexed<'a>, name: &str) -> Option<&'a str> {
    let set = (0..lx.toks.len()).find(|&i| {
        lx.is_ident(i, name) && lx.punct(i + 1, b'.') && lx.is_ident(i + 2, "set_extension")
    })?;
    let ext = lx
        .str_value(set + 4)
        .filter(|e| is_gpu_artifact(&format!(".{e}")))?;
    let binding = (0..set).rev().find(|&i| {
        lx.is_ident(i, "let")
            && (lx.is_ident(i + 1, name) || (lx.is_ident(i + 1, "mut") && lx.is_ident(i + 2, name)))
    })?;
    let end = lx.stmt_end(binding);
    let from_out_dir = (binding..end).any(|i| {
        lx.str_value(i).is_some_and(|s| s.contains("OUT_DIR"))
            || lx
                .ident(i)
                .is_some_and(|w| w.to_ascii_lowercase().contains("out_dir"))
    });
    (!from_out_dir).then_some(ext)
}

/// Whether the string at `k`, in a builder's `ranges`, is an argument of a plain function
/// call there rather than of the builder's own methods: `is_flag_supported(&nvcc,
/// "-arch=sm_100")` asks whether the toolkit knows an arch, and compiles for none (sppark).
/// A method (`.flag(..)`), a macro (`format!(..)`) or a path call (`Command::new(..)`) is no
/// such call.
pub(super) fn probe_argument(lx: &Lexed<'_>, ranges: &[(usize, usize)], k: usize) -> bool {
    let Some(&(start, _)) = ranges.iter().find(|&&(a, b)| a <= k && k < b) else {
        return false;
    };
    // The `(` that encloses `k` most closely, within the statement.
    let mut depth = 0usize;
    let mut open = None;
    for i in (start..k).rev() {
        match lx.toks[i].kind {
            TokenKind::Punct(b')' | b']' | b'}') => depth += 1,
            TokenKind::Punct(b'[' | b'{') => depth = depth.saturating_sub(1),
            TokenKind::Punct(b'(') if depth == 0 => {
                open = Some(i);
                break;
            }
            TokenKind::Punct(b'(') => depth -= 1,
            _ => {}
        }
    }
    let Some(open) = open.filter(|&o| o > 0) else {
        return false;
    };
    lx.ident(open - 1).is_some()
        && !matches!(
            lx.ident(open - 1),
            Some("if" | "while" | "match" | "return")
        )
        && !(open >= 2 && (lx.punct(open - 2, b'.') || lx.punct(open - 2, b':')))
}
