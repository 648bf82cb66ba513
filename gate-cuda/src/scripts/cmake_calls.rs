//! A `cmake::Config`'s CUDA options, as the build script writes them: `.define("GGML_CUDA",
//! "ON")`, `-DGGML_CUDA=ON` literals, `CMAKE_CUDA_ARCHITECTURES`; and the crate's
//! `cmake::build("dir")`, a `Config` built at once.

use super::lexed::Lexed;
use super::{Call, Method, literal_input, literals_bound_to};

/// The cmake crate's `cmake::build("dir")` at `i` (or `build("dir")` after `use
/// cmake::build;`), which is `Config::new("dir").build()` (stwo-gpu's
/// `cmake::build("../cuda/")`): the index of the `(` opening its arguments.
pub(super) fn build_fn_at(lx: &Lexed<'_>, i: usize) -> Option<usize> {
    // Not a method (`b.build(..)`), another path's (`builder::build(..)`) nor a definition.
    let qualified =
        i >= 2 && (lx.punct(i - 1, b'.') || lx.path_sep(i - 2) || lx.is_ident(i - 1, "fn"));
    match lx.ident(i)? {
        "cmake" if lx.path_sep(i + 1) && lx.is_ident(i + 3, "build") && lx.punct(i + 4, b'(') => {
            Some(i + 4)
        }
        "build"
            if lx.punct(i + 1, b'(') && lx.imports.get("build") == Some(&"cmake") && !qualified =>
        {
            Some(i + 1)
        }
        _ => None,
    }
}

/// The archs a name handed to `.define("CMAKE_CUDA_ARCHITECTURES", &sm)` holds when the build
/// machine's environment does not say: the last arch list among the literals its `let` binds
/// (`env::var("CUDA_ARCH").ok().or_else(..).unwrap_or_else(|| "120".to_string())`, a public
/// build script: `120`), as raw nvcc's `-arch` from `CUDA_ARCH` with its default is read.
fn bound_archs<'a>(lx: &Lexed<'a>, m: &Method<'_>) -> Option<&'a str> {
    let comma = (m.args.0..m.args.1).find(|&k| lx.punct(k, b','))?;
    let at = (comma + 1..m.args.1).find(|&k| !lx.punct(k, b'&'))?;
    let name = lx.ident(at).filter(|_| at + 1 == m.args.1)?;
    let arch_list = |s: &str| {
        matches!(s, "native" | "all" | "all-major")
            || s.split(';').all(|a| {
                let n = a.trim_end_matches("-real").trim_end_matches("-virtual");
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
            })
    };
    literals_bound_to(lx, name)
        .into_iter()
        .map(|(_, s)| s)
        .rfind(|s| arch_list(s))
}

/// Whether a cmake option value leaves it off.
fn is_off(value: &str) -> bool {
    matches!(
        value.to_ascii_uppercase().as_str(),
        "OFF" | "0" | "FALSE" | "NO" | "N" | ""
    )
}

/// Whether a cmake option value is a place (a path, or a `format!` template that makes one:
/// `{}/include`), not a value that switches something on (`format!("{}", on)` may).
fn is_location(value: &str) -> bool {
    value.contains(['/', '\\'])
}

/// cmake's CUDA options: `.define("GGML_CUDA", "ON")`, `-DGGML_CUDA=ON` literals,
/// `CMAKE_CUDA_ARCHITECTURES`. The token that switches CUDA on, and the switch's text (not
/// for `CMAKE_CUDA_*` settings, which only say how).
pub(super) fn cmake_options(
    lx: &Lexed<'_>,
    methods: &[Method<'_>],
    strs: &[(usize, &str)],
    call: &mut Call,
) -> (Option<usize>, Option<String>, bool) {
    let mut options: Vec<(usize, String, String)> = Vec::new();
    for m in methods.iter().filter(|m| m.name == "define") {
        let lits = lx.strs(m.args.0, m.args.1);
        if let Some(&(_, name)) = lits.first() {
            let value = match lits.get(1) {
                Some(&(_, v)) => v,
                None if name == "CMAKE_CUDA_ARCHITECTURES" => bound_archs(lx, m).unwrap_or(""),
                None => "",
            };
            options.push((m.at, name.to_owned(), value.to_owned()));
        }
    }
    for &(k, s) in strs {
        if let Some((name, value)) = s.strip_prefix("-D").and_then(|d| d.split_once('=')) {
            // `-DNAME:BOOL=ON`: the type is no part of the name.
            let name = name.split_once(':').map_or(name, |(n, _)| n);
            options.push((k, name.to_owned(), value.to_owned()));
        }
    }
    let mut enabling = None;
    let mut switch = None;
    let mut off = false;
    for (at, name, value) in options {
        if !name.contains("CUDA") || (is_off(&value) && !value.is_empty()) {
            off |= name.contains("CUDA") && !name.starts_with("CMAKE_CUDA");
            continue;
        }
        if name == "CMAKE_CUDA_ARCHITECTURES" {
            if value == "native" {
                call.native_arch = true;
            } else if literal_input(&value) {
                call.archs.push(value);
            }
        } else if is_off(&value) {
            continue;
        } else if is_location(&value) && !name.starts_with("CMAKE_CUDA") {
            // Where CUDA's headers or toolkit are (optix-rs' `.define("INC_CUDA",
            // &format!("{}/include", root))` for a C-only project) configures, as
            // `CMAKE_CUDA_*` does, and switches nothing on.
            call.cuda_configured = true;
            continue;
        } else if switch.is_none() && !name.starts_with("CMAKE_CUDA") {
            switch = Some(format!("{name}={value}"));
            enabling = Some(at);
        }
        // CMake's own `CMAKE_CUDA_*` (the compiler, its launcher, flags, archs) configure CUDA
        // for a project that enables it, and switch nothing on: aici passes
        // `-DCMAKE_CUDA_COMPILER_LAUNCHER=ccache` to every build, CUDA or not.
        if name.starts_with("CMAKE_CUDA") {
            call.cuda_configured = true;
        } else {
            enabling.get_or_insert(at);
        }
    }
    (enabling, switch, off)
}
