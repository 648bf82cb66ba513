//! The archs a build asks nvcc for, from its flag literals: `-arch=sm_80`, `-arch sm_80`,
//! `--gpu-architecture=..`, `-gencode arch=..,code=..` (its `code=` targets are what ships),
//! `native`, `all` and `all-major` as written.

use super::Call;

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
                None => continue,
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
