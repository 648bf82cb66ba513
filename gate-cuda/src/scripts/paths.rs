//! A path a build script computes from its own directory (cargo runs it in the package's
//! directory): `env::current_dir()`, `env!("CARGO_MANIFEST_DIR")` or
//! `env::var("CARGO_MANIFEST_DIR")`, joined (`.join("x")`, `format!("{}/../x", d.display())`)
//! and bound through `let`s. icicle-snark's `Config::new(format!("{}", dir.display()))`, with
//! `dir` made of `current_dir()` and `../../icicle`, configures `../../icicle`.

use super::lexed::Lexed;

/// Bindings are followed this deep.
const MAX_DEPTH: usize = 4;

thread_local! {
    /// A loop's variable and the entry of its list it stands for while [`looped_values`]
    /// evaluates a path made from it.
    static LOOPED: std::cell::RefCell<Option<(String, String)>> = const {
        std::cell::RefCell::new(None)
    };
}

/// The entry a loop's variable stands for, while [`looped_values`] evaluates.
fn looped(name: &str) -> Option<String> {
    LOOPED.with(|l| {
        (l.borrow().as_ref())
            .filter(|(var, _)| var == name)
            .map(|(_, entry)| entry.clone())
    })
}

/// The files a name handed to nvcc stands for when its `let` makes it from a loop's variable
/// (fumishiki/rosetta-moe: `let src = PathBuf::from("kernels").join(format!("{}.cu",
/// kernel))` in `for kernel in &kernels` over a list of stems): one per entry of the list,
/// relative to the package. `None` where the binding or any entry's path is computed
/// otherwise (the call is read by location then).
pub(super) fn looped_values(lx: &Lexed<'_>, at: usize, name: &str) -> Option<Vec<String>> {
    let start = let_of(lx, at, name)?;
    let eq = (start..at).find(|&k| lx.punct(k, b'='))?;
    let end = lx.stmt_end(eq);
    let (var, list) = (eq + 1..end)
        .filter_map(|k| lx.ident(k))
        .find_map(|v| Some((v, looped_files(lx, at, v)?)))?;
    let mut out = Vec::new();
    for entry in list {
        LOOPED.with(|l| *l.borrow_mut() = Some((var.to_owned(), entry)));
        let path = value(lx, eq + 1, end, 1);
        LOOPED.with(|l| *l.borrow_mut() = None);
        let path = path?;
        out.push(path.strip_prefix("./").unwrap_or(&path).to_owned());
    }
    Some(out)
}

/// The path the expression in tokens `a..b` evaluates to, relative to the package's directory
/// (`./../../icicle`), when it is made only of what this module reads.
pub(super) fn evaluated(lx: &Lexed<'_>, a: usize, b: usize) -> Option<String> {
    let path = value(lx, a, b, 0)?;
    // Only a path computed from the package's directory: a bare literal is read elsewhere.
    path.starts_with('.').then_some(path)
}

/// The file a whole argument computes by joining to a directory the script names
/// (`src_dir.join("main.cu")` with `let src_dir: PathBuf = "kernels".parse().unwrap()`,
/// entrust-cuda-rs; `Path::new("kernels").join("k.cu")`), relative to the package's
/// directory: `None` for a bare literal (read as one elsewhere) or where any part is computed
/// otherwise (`OUT_DIR`, a function's result).
pub(super) fn joined_file(lx: &Lexed<'_>, a: usize, b: usize) -> Option<String> {
    if b <= a + 1 || !(a..b).any(|k| lx.is_ident(k, "join")) {
        return None;
    }
    let path = value(lx, a, b, 0)?;
    let path = path.strip_prefix("./").unwrap_or(&path);
    (!path.starts_with('/') && !path.contains(':')).then(|| path.to_owned())
}

/// The value of `a..b`: a string literal, the package's directory (`.`), `format!` of
/// values, `PathBuf::from`/`Path::new` of one, `X.join(Y)`, a `let`-bound name; a trailing
/// `.display()`, `.to_str()`, `.unwrap()`, `.expect(..)`, `&` or `.clone()` change nothing.
fn value(lx: &Lexed<'_>, mut a: usize, mut b: usize, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    while lx.punct(a, b'&') {
        a += 1;
    }
    // Strip the trailing calls that only convert or unwrap.
    loop {
        let close = b.checked_sub(1)?;
        if !lx.punct(close, b')') {
            break;
        }
        let open = (a..close)
            .rev()
            .find(|&k| lx.punct(k, b'(') && lx.matching(k) == close)?;
        let method = open.checked_sub(1).and_then(|m| lx.ident(m));
        let dotted = open >= 2 && lx.punct(open - 2, b'.');
        match method {
            Some(
                "display" | "to_str" | "unwrap" | "expect" | "clone" | "to_string_lossy"
                | "to_path_buf" | "to_owned" | "to_string" | "parse" | "into",
            ) if dotted => {
                b = open - 2;
            }
            Some("join") if dotted => {
                let base = value(lx, a, open - 2, depth)?;
                let part = value(lx, open + 1, close, depth)?;
                return Some(format!("{base}/{part}"));
            }
            _ => break,
        }
    }
    if b == a + 1 {
        if let Some(s) = lx.str_value(a) {
            return Some(s.to_owned());
        }
        return lx
            .ident(a)
            .and_then(|name| looped(name).or_else(|| bound(lx, a, name, depth)));
    }
    let called = |path: &[&str]| {
        path.iter()
            .enumerate()
            .all(|(n, w)| lx.is_ident(a + 3 * n, w))
            && (0..path.len() - 1).all(|n| lx.path_sep(a + 3 * n + 1))
    };
    let args = |open: usize| (open + 1, lx.matching(open));
    if called(&["env", "current_dir"]) || called(&["std", "env", "current_dir"]) {
        return Some(".".to_owned());
    }
    if lx.is_ident(a, "env") && lx.punct(a + 1, b'!') {
        let (x, _) = args(a + 2);
        return (lx.str_value(x) == Some("CARGO_MANIFEST_DIR")).then(|| ".".to_owned());
    }
    if called(&["env", "var"]) || called(&["std", "env", "var"]) {
        let open = (a..b).find(|&k| lx.punct(k, b'('))?;
        let (x, _) = args(open);
        return (lx.str_value(x) == Some("CARGO_MANIFEST_DIR")).then(|| ".".to_owned());
    }
    if called(&["PathBuf", "from"]) || called(&["Path", "new"]) {
        let (x, y) = args(a + 4);
        return value(lx, x, y, depth);
    }
    if called(&["std", "path", "PathBuf", "from"]) || called(&["std", "path", "Path", "new"]) {
        let (x, y) = args(a + 10);
        return value(lx, x, y, depth);
    }
    if lx.is_ident(a, "format") && lx.punct(a + 1, b'!') {
        let (x, y) = args(a + 2);
        return formatted(lx, x, y, depth);
    }
    None
}

/// `format!`'s template (`x..y` its arguments) with each `{}` replaced by the next argument's
/// value and `{name}` by the name's binding.
fn formatted(lx: &Lexed<'_>, x: usize, y: usize, depth: usize) -> Option<String> {
    let template = lx.str_value(x)?;
    let mut args = Vec::new();
    let mut start = x + 2;
    let mut k = start;
    while k < y {
        if lx.punct(k, b'(') || lx.punct(k, b'[') || lx.punct(k, b'{') {
            k = lx.matching(k) + 1;
            continue;
        }
        if lx.punct(k, b',') {
            args.push((start, k));
            start = k + 1;
        }
        k += 1;
    }
    if start < y {
        args.push((start, y));
    }
    let mut args = args.into_iter();
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..close];
        let arg = if inner.is_empty() {
            let (p, q) = args.next()?;
            value(lx, p, q, depth + 1)?
        } else {
            looped(inner).or_else(|| bound(lx, x, inner, depth))?
        };
        out.push_str(&arg);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The file `name` names where token `at` hands it over (`&a_src` with `let a_src =
/// format!("{}/a.cu", kernel_dir);`): its value relative to the package (`kernels/a.cu`), or,
/// when part of it is computed otherwise (`OUT_DIR`, a function's result), what its `format!`
/// template ends in after the last placeholder (`a.cu`, and `true`: joined to something the
/// script computes). nextstat.io's eight nvcc calls, each on a file named so, were each read
/// as compiling every `.cu` of the package.
pub(super) fn named_file(lx: &Lexed<'_>, at: usize, name: &str) -> Option<(String, bool)> {
    if let Some(path) = bound(lx, at, name, 0) {
        let path = path.strip_prefix("./").unwrap_or(&path);
        return Some((path.to_owned(), false));
    }
    let start = let_of(lx, at, name)?;
    let eq = (start..at).find(|&k| lx.punct(k, b'='))?;
    // Only a value that is itself a `format!` (not a `match` of several).
    if !(lx.is_ident(eq + 1, "format") && lx.punct(eq + 2, b'!') && lx.punct(eq + 3, b'(')) {
        return None;
    }
    let template = lx.str_value(eq + 4).filter(|s| s.contains('}'))?;
    let tail = template[template.rfind('}')? + 1..].trim_start_matches('/');
    (!tail.is_empty()).then(|| (tail.to_owned(), true))
}

/// Whether the build script wrote the file `name` is bound to itself, before token `at` in
/// its function, from a literal with no device code and no `#include` (`fs::write(&probe,
/// "int main(){}")`,
/// pulsar's host-compiler probe: nvcc compiles it to choose `-ccbin` and throws it away):
/// what a call compiles from it is host code, no GPU code.
pub(super) fn written_host_code(lx: &Lexed<'_>, at: usize, name: &str) -> bool {
    // Device code, or what may bring it in (`#include "kernels.cuh"`).
    const DEVICE: [&str; 7] = [
        "__global__",
        "__device__",
        "__constant__",
        "__shared__",
        "__managed__",
        "<<<",
        "#include",
    ];
    scope_back(lx, at).any(|(k, opens)| {
        let named = |j: usize| (lx.is_ident(j, name) && lx.punct(j + 1, b','), j + 2);
        let (ok, text) = match (
            lx.is_ident(k, "write") && lx.punct(k + 1, b'('),
            lx.punct(k + 2, b'&'),
        ) {
            (true, true) => named(k + 3),
            (true, false) => named(k + 2),
            _ => (false, 0),
        };
        !opens
            && ok
            && lx
                .str_value(text)
                .is_some_and(|code| !DEVICE.iter().any(|d| code.contains(d)))
    })
}

/// The nearest `let` before token `at` that binds `name` (its keyword's token), in the block
/// of `at` or one around it: not in a block closed before it (a shadowing `let` there binds
/// another variable), and not past the start of its function (a helper's parameter is no
/// `let` of the function that calls it).
fn let_of(lx: &Lexed<'_>, at: usize, name: &str) -> Option<usize> {
    scope_back(lx, at)
        .find(|&(k, opens)| {
            !opens
                && lx.is_ident(k, "let")
                && (lx.is_ident(k + 1, name)
                    || (lx.is_ident(k + 1, "mut") && lx.is_ident(k + 2, name)))
        })
        .map(|(k, _)| k)
}

/// Back from token `at` through its function: each token of `at`'s block or of a block around
/// it (none of a block closed before it), as `(k, false)`, and each `{` opening a block
/// around it, as `(k, true)`; ends with the `{` of the function's body (a function item
/// before `at`, nextstat.io's `fn write_stub_ptx`, is a block closed before).
fn scope_back<'l>(lx: &'l Lexed<'_>, at: usize) -> impl Iterator<Item = (usize, bool)> + 'l {
    let (mut k, mut depth, mut ended) = (at, 0usize, false);
    std::iter::from_fn(move || {
        while !ended && k > 0 {
            k -= 1;
            if lx.punct(k, b'}') {
                depth += 1;
            } else if lx.punct(k, b'{') && depth > 0 {
                depth -= 1;
            } else if lx.punct(k, b'{') {
                ended = block_head(lx, k).any(|j| lx.is_ident(j, "fn"));
                return Some((k, true));
            } else if depth == 0 {
                return Some((k, false));
            }
        }
        None
    })
}

/// The tokens before the `{` at `open` back to the statement before it, nearest first: the
/// head of the block it opens (`fn name(..)`, `for x in list`, `if ..`).
fn block_head<'l>(lx: &'l Lexed<'_>, open: usize) -> impl Iterator<Item = usize> + 'l {
    (0..open)
        .rev()
        .take_while(|&j| !(lx.punct(j, b';') || lx.punct(j, b'{') || lx.punct(j, b'}')))
}

/// The literals of the list a `for NAME in LIST` loop around token `at` walks, where `name`
/// is the loop's variable: a list written in the loop's head, or the `let` of the function
/// or the `const`/`static` item of the file it names (ferrum-infer-rs' `for kernel in
/// CORE_PTX_KERNELS` and `for src in cu_files`, one helper function each: every nvcc call
/// was read as compiling every `.cu` the script names). `None` when `at` is in no loop over
/// `name`, or its list holds no literal.
pub(super) fn looped_files(lx: &Lexed<'_>, at: usize, name: &str) -> Option<Vec<String>> {
    let literals = |a, b| -> Vec<String> {
        lx.strs(a, b)
            .into_iter()
            .map(|(_, s)| s.to_owned())
            .collect()
    };
    let head = loop_of(lx, at, name)?;
    let body = (head + 3..at).find(|&k| lx.punct(k, b'{'))?;
    let mut found = literals(head + 2, body);
    if found.is_empty() {
        let list = (head + 3..body).find_map(|k| lx.ident(k))?;
        let start = let_of(lx, head, list).or_else(|| item_of(lx, list))?;
        let eq = (start..lx.toks.len()).find(|&k| lx.punct(k, b'='))?;
        found = literals(eq, lx.stmt_end(eq));
    }
    (!found.is_empty()).then_some(found)
}

/// The `for` keyword of the nearest loop around token `at` whose variable is `name` (`for
/// name in …`), within `at`'s function.
fn loop_of(lx: &Lexed<'_>, at: usize, name: &str) -> Option<usize> {
    scope_back(lx, at)
        .filter(|&(_, opens)| opens)
        .find_map(|(open, _)| {
            let j =
                block_head(lx, open).find(|&j| lx.is_ident(j, "for") || lx.is_ident(j, "fn"))?;
            (lx.is_ident(j, "for") && lx.is_ident(j + 1, name) && lx.is_ident(j + 2, "in"))
                .then_some(j)
        })
}

/// The `const` or `static` item of the file named `name` (its keyword's token).
fn item_of(lx: &Lexed<'_>, name: &str) -> Option<usize> {
    (0..lx.toks.len()).find(|&k| {
        (lx.is_ident(k, "const") || lx.is_ident(k, "static")) && lx.is_ident(k + 1, name)
    })
}

/// The value `name` is bound to by the nearest `let` before token `at`.
fn bound(lx: &Lexed<'_>, at: usize, name: &str, depth: usize) -> Option<String> {
    let start = let_of(lx, at, name)?;
    let eq = (start..at).find(|&k| lx.punct(k, b'='))?;
    let end = lx.stmt_end(eq);
    value(lx, eq + 1, end, depth + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(script: &str) -> Option<String> {
        let lx = Lexed::new(script);
        let at = (0..lx.toks.len()).find(|&k| lx.is_ident(k, "new"))? + 1;
        evaluated(&lx, at + 1, lx.matching(at))
    }

    /// icicle-snark's build script, and the usual spellings of the package's directory.
    #[test]
    fn paths_computed_from_the_packages_directory_are_read() {
        let icicle = "fn main() {\n    let main_dir = env::current_dir().expect(\"no dir\");\n    let src = PathBuf::from(format!(\"{}/../../icicle\", main_dir.display()));\n    let mut config = Config::new(format!(\"{}\", src.display()));\n}\n";
        assert_eq!(path_of(icicle).as_deref(), Some("./../../icicle"));
        let joined = "fn main() {\n    let dir = PathBuf::from(env::var(\"CARGO_MANIFEST_DIR\").unwrap()).join(\"cuda\");\n    Config::new(&dir);\n}\n";
        assert_eq!(path_of(joined).as_deref(), Some("./cuda"));
        let inline = "fn main() {\n    let root = env!(\"CARGO_MANIFEST_DIR\");\n    Config::new(format!(\"{root}/kernels\"));\n}\n";
        assert_eq!(path_of(inline).as_deref(), Some("./kernels"));
        // A literal is read as one elsewhere; another variable is no path here.
        assert_eq!(path_of("fn main() { Config::new(\"cuda\"); }"), None);
        assert_eq!(
            path_of("fn main() { let d = env::var(\"OUT_DIR\").unwrap(); Config::new(d); }"),
            None
        );
    }

    /// The last token that is `name`.
    fn last(lx: &Lexed<'_>, name: &str) -> usize {
        (0..lx.toks.len())
            .rev()
            .find(|&k| lx.is_ident(k, name))
            .unwrap()
    }

    /// A helper's parameter is no `let` of the function before it.
    #[test]
    fn a_name_is_bound_only_within_its_function() {
        let text = "fn main() {\n    let src = \"kernels/add.cu\";\n    compile(src);\n}\nfn compile(src: &str) {\n    nvcc(src);\n}\n";
        let lx = Lexed::new(text);
        let at = last(&lx, "src");
        assert_eq!(named_file(&lx, at, "src"), None);
        let first = (0..lx.toks.len())
            .find(|&k| lx.is_ident(k, "compile"))
            .unwrap()
            + 2;
        assert_eq!(
            named_file(&lx, first, "src"),
            Some(("kernels/add.cu".to_owned(), false))
        );
        // A function item between the `let` and its use (nextstat.io's `fn write_stub_ptx`)
        // is a block closed before it, not the end of the search.
        let text = "fn main() {\n    let dir = \"kernels\";\n    fn stub() { let dir = 1; }\n    let src = format!(\"{}/a.cu\", dir);\n    nvcc(&src);\n}\n";
        let lx = Lexed::new(text);
        let at = last(&lx, "src");
        assert_eq!(
            named_file(&lx, at, "src"),
            Some(("kernels/a.cu".to_owned(), false))
        );
    }
}
