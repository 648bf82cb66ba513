//! The archs a build asks nvcc for, from its flag literals: `-arch=sm_80`, `-arch sm_80`,
//! `--gpu-architecture=..`, `-gencode arch=..,code=..` (its `code=` targets are what ships),
//! `native`, `all` and `all-major` as written; rustc's `-C target-cpu=sm_70` for a Rust kernel.

use super::lexed::Lexed;
use super::{BuilderKind, Call, Method, literals_bound_to};

/// The archs bindgen_cuda's and cudaforge's `.compute_cap(80)` (`sm_80`; cudaforge adds the
/// suffix its `GpuArch::auto_suffix` does: 90 → `sm_90a`, 120 → `sm_120f`) and cudaforge's
/// `.compute_cap_arch("90a")` name (ciresnave/baracuda's `builder.compute_cap(80)`). Without
/// either the builder asks the build machine's GPU (a probe, read elsewhere).
pub(super) fn compute_caps(lx: &Lexed<'_>, methods: &[Method<'_>], forge: bool, call: &mut Call) {
    for m in methods {
        let value = match m.name {
            "compute_cap" if m.args.1 == m.args.0 + 1 => lx.toks[m.args.0].text,
            "compute_cap_arch" => match lx.strs(m.args.0, m.args.1).as_slice() {
                [(_, s)] => s,
                _ => continue,
            },
            _ => continue,
        };
        let digits = value.trim_start_matches("sm_");
        let number = digits.trim_end_matches(['a', 'f']);
        let Ok(base) = number.trim_end_matches("usize").parse::<u32>() else {
            continue;
        };
        let suffix = match &digits[number.len()..] {
            "" if forge && base >= 120 => "f",
            "" if forge && base >= 90 => "a",
            written => written,
        };
        let arch = format!("sm_{base}{suffix}");
        if !call.archs.contains(&arch) {
            call.archs.push(arch);
        }
    }
}

/// bindgen_cuda and cudaforge given no compute capability (no `.compute_cap(..)`, no arch
/// flag) build for the one `CUDA_COMPUTE_CAP` names, else the one the build machine's
/// `nvidia-smi` reports (uplansible/voicetserver's `cudaforge::KernelBuilder` calls): their
/// kernels follow the build machine's GPU, a probe at the call itself. A probe the script
/// reaches the call with (`scripts/reached.rs`) is named instead.
pub(super) fn default_probe(call: &mut Call) {
    let crate_name = match call.kind {
        BuilderKind::BindgenCuda => "bindgen_cuda",
        BuilderKind::Cudaforge => "cudaforge",
        _ => return,
    };
    if call.archs.is_empty() && !call.native_arch {
        call.gpu_probe = Some((
            call.line,
            format!(
                "{crate_name} given no compute capability asks `nvidia-smi` for it, unless \
                 CUDA_COMPUTE_CAP is set"
            ),
        ));
    }
}

/// The literals a build's `.flag(x)`, `.flags(x)`, `.arg(x)` or `.args(x)` hands over through a
/// name: a `let`, `const` or `static` bound to them, or the loop variable of `for x in
/// FLAGS.split_whitespace()` (rust-llama.cpp's `-arch=native`), with the literals its
/// iterated expression names; and a command's `.env(k, x)` (a Rust kernel's `.env("RUSTFLAGS",
/// RUSTFLAGS)`, the flags a `const` of `concat!` holds: `-Ctarget-cpu=sm_52`).
pub(super) fn bound_flags<'a>(lx: &Lexed<'a>, methods: &[Method<'a>]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let passing = ["flag", "flags", "arg", "args", "flag_if_supported", "env"];
    for m in methods.iter().filter(|m| passing.contains(&m.name)) {
        for k in m.args.0..m.args.1 {
            let Some(name) = lx.ident(k) else { continue };
            if lx.punct(k + 1, b'(') || lx.punct(k + 1, b'.') || lx.path_sep(k + 1) {
                continue;
            }
            out.extend(literals_bound_to(lx, name).into_iter().map(|(_, s)| s));
            out.extend(loop_literals(lx, name));
        }
    }
    out
}

/// The flag texts of `strs`, where a literal is the template of a `format!` whose
/// placeholders are all names bound to one literal each ([`formatted`]), the string it builds.
pub(super) fn with_formats(lx: &Lexed<'_>, strs: &[(usize, &str)]) -> Vec<(usize, String)> {
    strs.iter()
        .map(|&(k, s)| (k, formatted(lx, k).unwrap_or_else(|| s.to_owned())))
        .collect()
}

/// The string a `format!` whose template is the literal at `k` builds, when each placeholder
/// (`{}`, `{0}`, `{arch}`) is a name a `const`, `static` or `let` binds to one literal: `const
/// ARCH: &str = "compute_86"` and `format!("arch={},code={}", ARCH, CODE)`, or `let sm_ver =
/// "61"` and `format!("arch=compute_{},code=sm_{}", sm_ver, sm_ver)` (public build scripts).
/// A placeholder of anything else (a call, a loop variable, a format spec) builds nothing known.
fn formatted(lx: &Lexed<'_>, k: usize) -> Option<String> {
    let template = lx.str_value(k)?;
    let is_format =
        k >= 3 && lx.is_ident(k - 3, "format") && lx.punct(k - 2, b'!') && lx.punct(k - 1, b'(');
    if !is_format || !template.contains('{') {
        return None;
    }
    let close = lx.matching(k - 1);
    let mut names = Vec::new();
    let mut j = k + 1;
    while j < close {
        if !lx.punct(j, b',') {
            return None;
        }
        j += 1;
        while lx.punct(j, b'&') {
            j += 1;
        }
        if j < close {
            names.push(lx.ident(j)?);
            j += 1;
        }
    }
    let value = |name: &str| match literals_bound_to(lx, name).as_slice() {
        [(_, s)] => Some(*s),
        _ => None,
    };
    let (mut out, mut rest, mut next) = (String::new(), template, 0);
    while let Some(open) = rest.find('{') {
        let end = open + rest[open..].find('}')?;
        let inner = &rest[open + 1..end];
        let name = match inner.parse::<usize>() {
            _ if inner.is_empty() => {
                next += 1;
                *names.get(next - 1)?
            }
            Ok(i) => *names.get(i)?,
            Err(_)
                if inner
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                inner
            }
            Err(_) => return None,
        };
        out.push_str(&rest[..open]);
        out.push_str(value(name)?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The literals of the expression a `for name in …` loop of this file iterates, and of the
/// names it holds bound to literals.
fn loop_literals<'a>(lx: &Lexed<'a>, name: &str) -> Vec<&'a str> {
    let Some(at) = (0..lx.toks.len())
        .find(|&i| lx.is_ident(i, "for") && lx.is_ident(i + 1, name) && lx.is_ident(i + 2, "in"))
    else {
        return Vec::new();
    };
    let end = (at + 3..lx.toks.len())
        .find(|&k| lx.punct(k, b'{'))
        .unwrap_or(lx.toks.len());
    let mut out: Vec<&str> = lx.strs(at + 3, end).into_iter().map(|(_, s)| s).collect();
    for k in at + 3..end {
        if let Some(bound) = lx.ident(k).filter(|_| !lx.punct(k + 1, b'(')) {
            out.extend(literals_bound_to(lx, bound).into_iter().map(|(_, s)| s));
        }
    }
    out
}

/// The words of a flag literal (`"-O3 -arch=sm_80"`), with a `-gencode` value that nvcc
/// accepts spaced kept whole: a word after one ending in `,` or `[` continues it unless it is
/// a flag of its own (`"arch=compute_75, code=sm_80"`, rustypfb; `code=[sm_80, compute_80]`).
pub(super) fn flag_words(flag: &str) -> Vec<&str> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut rest = 0;
    for w in flag.split_whitespace() {
        let at = rest + flag[rest..].find(w).unwrap_or(0);
        rest = at + w.len();
        match spans.last_mut() {
            Some((_, end)) if flag[..*end].ends_with([',', '[']) && !w.starts_with('-') => {
                *end = rest;
            }
            _ => spans.push((at, rest)),
        }
    }
    spans.into_iter().map(|(a, b)| &flag[a..b]).collect()
}

/// Whether `s` is `sm_NN` / `compute_NN` / `lto_NN` (with an optional `a`/`f` suffix).
fn is_arch_name(s: &str) -> bool {
    let Some((prefix, n)) = s.split_once('_') else {
        return false;
    };
    let n = n.trim_end_matches(['a', 'f']);
    matches!(prefix, "sm" | "compute" | "lto")
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
}

/// Archs requested by flag literals: `-arch=sm_80`, `-arch sm_80`, `--gpu-architecture=..`,
/// `-gencode arch=..,code=..`, `-DCMAKE_CUDA_ARCHITECTURES=..` (read by cmake's options).
pub(super) fn read_archs(flags: &[&str], call: &mut Call) {
    let mut n = 0;
    while n < flags.len() {
        let s = flags[n].trim();
        n += 1;
        if s.contains('{') {
            continue;
        }
        let value = match s {
            "-arch" | "--gpu-architecture" | "-gencode" | "--generate-code" => {
                let next = flags.get(n).copied().unwrap_or("");
                n += 1;
                next
            }
            _ => match [
                "-arch=",
                "--gpu-architecture=",
                "-gencode=",
                "--generate-code=",
            ]
            .iter()
            .chain(&["-arch ", "-gencode ", "--generate-code "])
            .find_map(|p| s.strip_prefix(p))
            {
                Some(v) => v,
                // rustc's `-C target-cpu=sm_70` (a Rust kernel compiled for nvptx64).
                None => match s.split_once("target-cpu=") {
                    Some((_, v)) => v,
                    None => continue,
                },
            },
        };
        arch_value(value.trim(), call);
    }
}

fn arch_value(value: &str, call: &mut Call) {
    if value.contains('{') {
        return;
    }
    if let Some(at) = value.find("code=") {
        // `code=\"compute_80,sm_80\"` as a Rust literal writes it (sppark): quotes escaped.
        let targets = value[at + 5..].replace("\\\"", "\"");
        let targets = targets.trim_matches(['[', ']', '"', '\'']);
        for t in targets.split(',') {
            let t = t.trim_matches(['[', ']', ' ', '"']);
            if is_arch_name(t) {
                call.archs.push(t.to_owned());
            }
        }
        return;
    }
    match value {
        "native" => call.native_arch = true,
        "all" | "all-major" => call.archs.push(value.to_owned()),
        v if is_arch_name(v) => call.archs.push(v.to_owned()),
        _ => {}
    }
}
