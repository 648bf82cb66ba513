//! Kernel signatures on both sides of a checked-in PTX file: the `__global__` functions a CUDA
//! source declares, each with its parameter count, and the name a PTX `.entry` was compiled
//! from (Itanium-mangled for C++, plain for `extern "C"`). A PTX entry that takes another
//! number of parameters than the source's kernel of the same name was compiled from an older
//! source: a launch with the source's arguments fails or reads garbage (karlsen-miner's
//! sm20/sm30 PTX, `heavy_hash` with 6 parameters where the source has 8, committed together).

/// The `__global__` functions of CUDA source `text`, in file order: each name and its number of
/// parameters (`f()` and `f(void)` have none). Comments, strings and character literals are
/// skipped; a declaration counts as well as a definition.
#[must_use]
pub fn kernels(text: &str) -> Vec<(String, usize)> {
    let code = gate_support::text::without_c_comments(text, gate_support::text::Literals::Blanked);
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = find_word(rest, "__global__") {
        rest = &rest[at + "__global__".len()..];
        let Some((name, params)) = declared(rest) else {
            continue;
        };
        out.push((name, params));
    }
    out
}

/// Whether C/C++ `text` holds device code: a `__global__`, `__device__` or `__constant__` word
/// outside comments, strings and character literals (a header a CUDA source includes that
/// holds one is CUDA source whatever its extension: flash-attention's kernels live in `.h`
/// files its `.cu` files only include).
#[must_use]
pub fn holds_device_code(text: &str) -> bool {
    let code = gate_support::text::without_c_comments(text, gate_support::text::Literals::Blanked);
    ["__global__", "__device__", "__constant__"]
        .iter()
        .any(|word| find_word(&code, word).is_some())
}

/// The kernel declared after a `__global__`: the identifier right before the first `(` that
/// is not an attribute's (`__launch_bounds__(256)`), template arguments aside, and its
/// parameter count.
fn declared(mut rest: &str) -> Option<(String, usize)> {
    loop {
        let open = rest.find(['(', ';', '{'])?;
        if rest.as_bytes()[open] != b'(' {
            return None;
        }
        let head = strip_template_args(rest[..open].trim_end());
        let name: String = head
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let params = parameter_count(&rest[open..])?;
        if matches!(
            name.as_str(),
            "__launch_bounds__" | "__attribute__" | "__declspec"
        ) {
            let close = open + closing(&rest[open..])?;
            rest = &rest[close + 1..];
            continue;
        }
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        return Some((name, params));
    }
}

/// The offset of the `)` matching the `(` that `list` starts with.
fn closing(list: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The source-level name of PTX entry `entry`: `heavy_hash` for `heavy_hash`, `_Z10heavy_hashPKm`
/// and `_ZN2ns10heavy_hashEv` (the innermost name of a nested one). `None` for a mangled name
/// this does not read (a template's, an operator).
#[must_use]
pub fn entry_name(entry: &str) -> Option<&str> {
    let Some(mangled) = entry.strip_prefix("_Z") else {
        return Some(entry);
    };
    let mangled = mangled.strip_prefix('L').unwrap_or(mangled);
    if let Some(mut nested) = mangled.strip_prefix('N') {
        let mut last = None;
        while let Some((name, rest)) = length_prefixed(nested) {
            last = Some(name);
            nested = rest;
        }
        return last.filter(|_| nested.starts_with('E'));
    }
    length_prefixed(mangled).map(|(name, _)| name)
}

/// `10heavy_hash…` → (`heavy_hash`, `…`).
fn length_prefixed(s: &str) -> Option<(&str, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let len: usize = s.get(..digits)?.parse().ok()?;
    let name = s.get(digits..digits + len)?;
    Some((name, &s[digits + len..]))
}

/// The parameters between the `(` that `list` starts with and its matching `)`: commas at
/// depth one, brackets and template arguments nested. `None` when the list never closes.
fn parameter_count(list: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut commas = 0;
    let mut inner = String::new();
    for c in list.chars() {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' | '>' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let inner = inner.trim();
                    return Some(if inner.is_empty() || inner == "void" {
                        0
                    } else {
                        commas + 1
                    });
                }
            }
            ',' if depth == 1 => commas += 1,
            _ => {}
        }
        if depth >= 1 && !(depth == 1 && c == '(') {
            inner.push(c);
        }
    }
    None
}

/// `name<T, 4>` → `name`: template arguments after a kernel's name (an explicit
/// specialisation) are not part of it.
fn strip_template_args(head: &str) -> &str {
    if !head.ends_with('>') {
        return head;
    }
    let mut depth = 0usize;
    for (i, c) in head.char_indices().rev() {
        match c {
            '>' => depth += 1,
            '<' => {
                depth -= 1;
                if depth == 0 {
                    return head[..i].trim_end();
                }
            }
            _ => {}
        }
    }
    head
}

/// The byte offset of `word` in `text` as a whole word.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find(word).map(|i| i + from) {
        let end = at + word.len();
        let before = at == 0 || !is_ident(bytes[at - 1]);
        let after = end == bytes.len() || !is_ident(bytes[end]);
        if before && after {
            return Some(at);
        }
        from = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_code_is_a_qualifier_outside_comments_and_strings() {
        for yes in [
            "template <int N> __global__ void k(float* x) {}\n",
            "inline __host__ __device__ float f(float x) { return x; }\n",
            "__constant__ float table[4];\n",
        ] {
            assert!(holds_device_code(yes), "{yes}");
        }
        for no in [
            "// __global__ void k();\n/* __device__ */\nint host(int);\n",
            "const char* s = \"__device__\";\n",
            "int my__device__thing;\nvoid __device___x();\n",
        ] {
            assert!(!holds_device_code(no), "{no}");
        }
    }

    #[test]
    fn kernels_and_their_parameter_counts() {
        let cu = "// __global__ void commented(int a);\n#include \"x.cuh\"\nextern \"C\" {\n    __global__ void heavy_hash(\n            const uint64_t nonce_mask,\n            const uint64_t nonce_fixed, /* a, b */\n            const Hash* hashes,\n            uint64_t* final_nonce) {\n    }\n}\ntemplate <typename T, int N>\n__global__ void __launch_bounds__(256) scale(T* out, const std::pair<T, T> p) {}\n__global__ void none(void);\n__global__ void empty() {}\nconst char* s = \"__global__ void fake(int)\";\n";
        assert_eq!(
            kernels(cu),
            [
                ("heavy_hash".to_owned(), 4),
                ("scale".to_owned(), 2),
                ("none".to_owned(), 0),
                ("empty".to_owned(), 0),
            ]
        );
    }

    #[test]
    fn entry_names_mangled_or_not() {
        assert_eq!(entry_name("heavy_hash"), Some("heavy_hash"));
        assert_eq!(entry_name("_Z10heavy_hashmmPKm"), Some("heavy_hash"));
        assert_eq!(entry_name("_ZN2ns6kernelEPf"), Some("kernel"));
        assert_eq!(entry_name("_Z3"), None);
    }
}
