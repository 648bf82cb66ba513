//! The commands a build script starts by hand that compile GPU code: nvcc itself, and the
//! build tools that run it from their own files — `make` (`-C dir`, `.current_dir(dir)`; the
//! caller reads the Makefiles for nvcc) and `cmake` configuring a project (`-S dir` or the
//! source directory; its `-D` options, or the project's own files, switch CUDA on). A
//! `cmake --build` or `--install` step builds what the configure step set up: that step is
//! the builder.

use super::lexed::Lexed;
use super::{Call, Method, cmake_options, literal_input, paths, shell, used_as_value};
use gate_formats::kernel_bom::BuilderKind;
use gate_support::lexer::TokenKind;

/// The build tool `Command::new(` starts, its `(` at `open`: a literal naming make or cmake.
pub(super) fn tool_started(lx: &Lexed<'_>, open: usize) -> Option<BuilderKind> {
    let close = lx.matching(open);
    let &(_, program) = lx.strs(open, close).first()?;
    let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    match base {
        "make" | "gmake" | "mingw32-make" => Some(BuilderKind::Make),
        "cmake" => Some(BuilderKind::Cmake),
        // A shell script: read for the build it starts, as a Makefile is.
        _ if shell::script_run(program, first_chained_arg(lx, close)).is_some() => {
            Some(BuilderKind::Make)
        }
        _ => None,
    }
}

/// The literal of the first `.arg("x")` or `.args(["x", …])` after token `close`, in its
/// block: what a launcher runs (aici's `let mut command = Command::new("ccache"); command
/// .env("LANG", …).arg("nvcc")`).
fn first_argument<'a>(lx: &Lexed<'a>, close: usize) -> Option<&'a str> {
    let mut depth = 0usize;
    for k in close + 1..lx.toks.len() {
        match lx.toks[k].kind {
            TokenKind::Punct(b'{') => depth += 1,
            TokenKind::Punct(b'}') if depth == 0 => return None,
            TokenKind::Punct(b'}') => depth -= 1,
            _ if lx.punct(k, b'.') && (lx.is_ident(k + 1, "arg") || lx.is_ident(k + 1, "args")) => {
                return first_chained_arg(lx, k - 1);
            }
            _ => {}
        }
    }
    None
}

/// The literal of the first `.arg("x")`, `.args(["x", …])` or `.args(&["x", …])` chained
/// right after the `)` at `close` of a `Command::new(…)`.
fn first_chained_arg<'a>(lx: &Lexed<'a>, close: usize) -> Option<&'a str> {
    if !lx.punct(close + 1, b'.') || !lx.punct(close + 3, b'(') {
        return None;
    }
    let first = if lx.is_ident(close + 2, "arg") {
        close + 4
    } else if lx.is_ident(close + 2, "args") {
        close + 5 + usize::from(lx.punct(close + 4, b'&'))
    } else {
        return None;
    };
    lx.str_value(first)
}

/// Whether the builder whose path starts at `path` and whose arguments open at `open` is a
/// `Command` (cmake started by hand, not the `cmake` crate's `Config`).
pub(super) fn started(lx: &Lexed<'_>, path: usize, open: usize) -> bool {
    (path..open).any(|k| lx.is_ident(k, "Command"))
}

/// `cmake` started by hand: `None` for a step that configures nothing (`--build`,
/// `--install`, `-E`, `--version`); else the project directory (`-S dir`, `-Sdir`, or the one
/// argument that is no option) as the call's input, its `-D` CUDA options, and, with none,
/// CUDA exactly when the project switches it on ([`Call::cmake_project`]). Returns the
/// token that switches CUDA on and the switch's text, as the `cmake` crate's do.
pub(super) fn cmake(
    lx: &Lexed<'_>,
    methods: &[Method<'_>],
    strs: &[(usize, &str)],
    call: &mut Call,
) -> Option<(Option<usize>, Option<String>)> {
    let args = arguments(lx, methods);
    let steps = ["--build", "--install", "-E", "--version", "-P"];
    if args.iter().flatten().any(|a| steps.contains(&a.as_str())) {
        return None;
    }
    let source = flag_value(&args, "-S", "-S").flatten().or_else(|| {
        // The one argument that is no option and does not follow `-B`.
        let positional: Vec<&String> = args
            .iter()
            .enumerate()
            .filter(|(k, _)| *k == 0 || args[k - 1].as_deref() != Some("-B"))
            .filter_map(|(_, a)| a.as_ref())
            .filter(|a| !a.starts_with('-'))
            .collect();
        match positional.as_slice() {
            [one] if !one.starts_with("..") => Some((*one).clone()),
            _ => None,
        }
    });
    match source {
        Some(dir) => call.inputs.push(dir),
        None => call.computed_inputs = true,
    }
    let (at, switch, off) = cmake_options(lx, methods, strs, call);
    if at.is_none() {
        if call.inputs.is_empty() || off {
            return None;
        }
        call.cmake_project = true;
    }
    Some((at, switch))
}

/// `make` started by hand: the directory it runs in (`-C dir`, `--directory=dir`,
/// `.current_dir(dir)`; the package's own otherwise) is its input; whether its Makefiles
/// compile with nvcc is the caller's to read. `None` where `own` (the build script's own
/// `Command`, not a helper's call) runs make in a directory the script computes otherwise
/// (openblas-src's `make all` in the OpenBLAS source it downloads into `OUT_DIR`): no
/// Makefile there can be read, so nothing shows nvcc, as with cmake on a computed directory
/// that the script configures no CUDA for. A shell script run so is kept: the caller reads it.
pub(super) fn make(
    lx: &Lexed<'_>,
    open: usize,
    methods: &[Method<'_>],
    call: &mut Call,
    own: bool,
) -> Option<()> {
    let close = lx.matching(open);
    let program = lx.strs(open, close).first().map(|&(_, p)| p);
    call.script = program
        .and_then(|p| shell::script_run(p, first_chained_arg(lx, close)))
        .map(str::to_owned);
    let args = arguments(lx, methods);
    let dir = flag_value(&args, "-C", "--directory=").or_else(|| {
        let m = methods.iter().find(|m| m.name == "current_dir")?;
        Some(value_of(lx, m.args))
    });
    match dir {
        Some(Some(dir)) => call.inputs.push(dir),
        Some(None) if own && call.script.is_none() => return None,
        Some(None) => call.computed_inputs = true,
        None => call.inputs.push(".".to_owned()),
    }
    Some(())
}

/// The arguments `.arg(x)` and `.args([..])` hand over, in order: each literal or path the
/// build script computes from its package's directory (`None`: computed otherwise).
fn arguments(lx: &Lexed<'_>, methods: &[Method<'_>]) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for m in methods {
        match m.name {
            "arg" => out.push(value_of(lx, m.args)),
            "args" => out.extend(
                lx.strs(m.args.0, m.args.1)
                    .into_iter()
                    .map(|(_, s)| Some(s.to_owned())),
            ),
            _ => {}
        }
    }
    out
}

/// The value `flag` is given among `args`: the argument after it (`-S dir`; `Some(None)`
/// when that is computed), or the rest of one that starts with `joined` (`-Sdir`,
/// `--directory=dir`).
fn flag_value(args: &[Option<String>], flag: &str, joined: &str) -> Option<Option<String>> {
    if let Some(k) = args.iter().position(|a| a.as_deref() == Some(flag)) {
        return args.get(k + 1).cloned();
    }
    args.iter().find_map(|a| {
        let rest = a.as_deref()?.strip_prefix(joined)?;
        (!rest.is_empty()).then(|| Some(rest.to_owned()))
    })
}

/// The value of the argument tokens `(a, b)`: a literal, or a path computed from the
/// package's directory.
fn value_of(lx: &Lexed<'_>, (a, b): (usize, usize)) -> Option<String> {
    if b == a + 1
        && let Some(s) = lx.str_value(a)
    {
        return Some(s.to_owned());
    }
    paths::evaluated(lx, a, b)
}

/// Whether a literal names nvcc: `nvcc`, `NVCC` (the variable), `…/bin/nvcc`, `nvcc.exe`.
pub(super) fn names_nvcc(s: &str) -> bool {
    let base = s.rsplit(['/', '\\']).next().unwrap_or(s);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    base.eq_ignore_ascii_case("nvcc")
}

/// Compiler launchers: each runs the command its arguments name (`ccache nvcc -c k.cu`).
const LAUNCHERS: &[&str] = &["ccache", "sccache", "buildcache"];

/// Whether the `Command::new(` whose `(` is at `open` starts nvcc: a literal naming it, a
/// variable whose `let` (a `const` or `static`) in this file is initialised from one, a call
/// of a function of this file whose body names it, or a compiler launcher whose
/// first argument names it (aici's `Command::new("ccache").arg("nvcc")`).
pub(super) fn command_is_nvcc(lx: &Lexed<'_>, open: usize) -> bool {
    let close = lx.matching(open);
    let strs = lx.strs(open, close);
    if strs.iter().any(|(_, s)| names_nvcc(s)) {
        return true;
    }
    if let [(_, program)] = strs.as_slice() {
        let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
        let base = base.strip_suffix(".exe").unwrap_or(base);
        if LAUNCHERS.contains(&base) {
            return first_argument(lx, close).is_some_and(names_nvcc);
        }
    }
    let mut k = open + 1;
    while lx.punct(k, b'&') || lx.punct(k, b'*') {
        k += 1;
    }
    let Some(var) = lx.ident(k) else { return false };
    if named_for_nvcc(lx, k, close) {
        return true;
    }
    let names = |a: usize, b: usize| lx.strs(a, b).iter().any(|(_, s)| names_nvcc(s));
    // A function of the file that names it (del-cudarc-kernels' `fn nvcc() -> String`,
    // `"nvcc".to_string()` or `$CUDA_PATH\bin\nvcc.exe`), called for the program.
    if lx.punct(k + 1, b'(') {
        return lx
            .fns()
            .iter()
            .any(|f| f.name == var && names(f.open, f.close));
    }
    (0..lx.toks.len()).any(|i| {
        let binds = if lx.is_ident(i, "let") {
            lx.is_ident(i + 1, var) || (lx.is_ident(i + 1, "mut") && lx.is_ident(i + 2, var))
        } else {
            // `const NVCC: &str = "nvcc";`, a `static` alike.
            (lx.is_ident(i, "const") || lx.is_ident(i, "static")) && lx.is_ident(i + 1, var)
        };
        binds && names(i, lx.stmt_end(i))
    })
}

/// Whether the program `k..close` is a variable or a field named for nvcc (`nvcc`,
/// `nvcc_path`, `&toolkit.nvcc_path`: one of its `_`-separated words is `nvcc`), wherever
/// its value comes from: baracuda-forge's `Command::new(&toolkit.nvcc_path)`, the path a
/// detected toolkit holds.
fn named_for_nvcc(lx: &Lexed<'_>, k: usize, close: usize) -> bool {
    let mut last = None;
    let mut at = k;
    while at < close {
        match lx.ident(at) {
            Some(name) => last = Some(name),
            None if lx.punct(at, b'.') => {}
            None if lx.path_sep(at) => at += 1,
            None => return false,
        }
        at += 1;
    }
    last.is_some_and(word_names_nvcc)
}

/// Whether an identifier names nvcc by one of its words (`nvcc`, `nvcc_path`, `NVCC_BIN`).
pub(super) fn word_names_nvcc(name: &str) -> bool {
    name.split('_').any(|w| w.eq_ignore_ascii_case("nvcc"))
}

/// What the names handed to nvcc as whole arguments (`.arg(&a_src)`, `.args([.., &a_src])`)
/// are bound to ([`paths::named_file`]): each `.cu` file, with whether it is only the end of
/// a computed path; and whether a name that is no option's value (`"-o", &out`) could not be
/// read (a walk's `&path`): what the call compiles is computed then.
pub(super) struct Named {
    pub files: Vec<(String, bool)>,
    pub unread: bool,
    /// A loop's variable handed over whose list holds only C/C++ host sources (`for f in
    /// &cpp_files`): what the call compiles is read, and it is no CUDA (rs-cuda-bitcrack's
    /// `.cpp` loop was read as compiling every `.cu` of its package).
    pub host_only: bool,
    /// The literals read as a part of a joined path ([`paths::joined_file`]): no file of
    /// their own (`"main.cu"` of `dir.join("main.cu")`).
    pub joined: Vec<usize>,
}

/// [`Named`], of the `.arg`/`.args` methods of a call.
pub(super) fn named_sources(lx: &Lexed<'_>, methods: &[Method<'_>]) -> Named {
    let mut named = Named {
        files: Vec::new(),
        unread: false,
        host_only: false,
        joined: Vec::new(),
    };
    for m in methods.iter().filter(|m| m.name == "arg") {
        let (a, b) = (m.args.0, m.args.1.min(lx.toks.len()));
        if let Some(file) = paths::joined_file(lx, a, b).filter(|f| f.ends_with(".cu")) {
            named
                .joined
                .extend((a..b).filter(|&k| lx.str_value(k).is_some()));
            named.files.push((file, false));
        }
    }
    for m in methods.iter().filter(|m| matches!(m.name, "arg" | "args")) {
        for k in m.args.0..m.args.1.min(lx.toks.len()) {
            let Some(name) = lx.ident(k) else { continue };
            // Handed over whole (`&src`), or converted to a string (`src.to_str().unwrap()`).
            let converted = lx.punct(k + 1, b'.')
                && super::params::converted(lx, k + 2)
                && !lx.punct(k.wrapping_sub(1), b'.');
            if !(converted || whole_argument(lx, k) && used_as_value(lx, k)) {
                continue;
            }
            if let Some(files) = paths::looped_values(lx, k, name) {
                let cuda = files
                    .into_iter()
                    .filter(|f| f.ends_with(".cu") && literal_input(f));
                named.files.extend(cuda.map(|f| (f, false)));
                continue;
            }
            match paths::named_file(lx, k, name) {
                // A probe the script wrote itself with no device code (pulsar's `int main`).
                Some((file, _))
                    if file.ends_with(".cu") && paths::written_host_code(lx, k, name) =>
                {
                    named.host_only = true;
                }
                Some((file, tail)) if file.ends_with(".cu") && literal_input(&file) => {
                    named.files.push((file, tail));
                }
                // A C/C++ host source bound to the name (pdf-raster's
                // `PathBuf::from("shim/shim.cpp")`): what the call compiles is read.
                Some((file, _)) => named.host_only |= host_source(&file),
                None => {
                    // A loop's variable handed over as it is: the `.cu` files of its list,
                    // where it holds some (not one joined to a directory first).
                    let listed = handed_as_is(lx, k)
                        .then(|| paths::looped_files(lx, k, name))
                        .flatten()
                        .unwrap_or_default();
                    let host = !listed.is_empty() && listed.iter().all(|f| host_source(f));
                    named.host_only |= host;
                    let looped: Vec<String> = listed
                        .into_iter()
                        .filter(|f| f.ends_with(".cu") && literal_input(f))
                        .collect();
                    named.unread |= looped.is_empty() && !host && !option_value(lx, k);
                    named.files.extend(looped.into_iter().map(|f| (f, false)));
                }
            }
        }
    }
    named
}

/// Whether the name at token `k` is a whole argument: after `(`, `[` or `,` (and any `&`),
/// before `,`, `)` or `]` (not a part of `dir.join(name)` or `format!("{}", name)`).
fn whole_argument(lx: &Lexed<'_>, k: usize) -> bool {
    let mut before = k;
    while before > 0 && lx.punct(before - 1, b'&') {
        before -= 1;
    }
    let opens = before > 0 && [b'(', b'[', b','].iter().any(|&p| lx.punct(before - 1, p));
    opens && [b',', b')', b']'].iter().any(|&p| lx.punct(k + 1, p)) && !in_macro(lx, k)
}

/// Whether token `k` is an argument of a macro (`format!("{}/a.ptx", out_dir)`): the `(` or
/// `[` that opens its list follows a `!`. A name there is a part of a string made, no file
/// handed over (igor53627/morphogenesis' output paths made every call's inputs computed,
/// and each then took every `.cu` the script names: the thirty-fifth session's trial).
fn in_macro(lx: &Lexed<'_>, k: usize) -> bool {
    let open = enclosing_open(lx, k);
    open > 0 && lx.punct(open - 1, b'!')
}

/// The `(` or `[` that opens the list holding token `k` (0 where none does).
fn enclosing_open(lx: &Lexed<'_>, k: usize) -> usize {
    let mut depth = 0usize;
    let mut open = k;
    while open > 0 {
        open -= 1;
        if lx.punct(open, b')') || lx.punct(open, b']') {
            depth += 1;
        } else if (lx.punct(open, b'(') || lx.punct(open, b'[')) && depth > 0 {
            depth -= 1;
        } else if lx.punct(open, b'(') || lx.punct(open, b'[') {
            break;
        }
    }
    open
}

/// Whether the name at token `k` is itself what `.arg(…)` or `.args([…])` hands over, not
/// an argument of a call inside it (`.arg(dir.join(f))`).
fn handed_as_is(lx: &Lexed<'_>, k: usize) -> bool {
    let mut open = k;
    while open > 0 && lx.punct(open - 1, b'&') {
        open -= 1;
    }
    // Back over the list's earlier items to the `(` or `[` that opens it.
    let open = enclosing_open(lx, open);
    let method = |paren: usize| {
        paren > 0 && (lx.is_ident(paren - 1, "arg") || lx.is_ident(paren - 1, "args"))
    };
    if lx.punct(open, b'[') {
        let mut paren = open;
        while paren > 0 && lx.punct(paren - 1, b'&') {
            paren -= 1;
        }
        return paren > 0 && lx.punct(paren - 1, b'(') && method(paren - 1);
    }
    method(open)
}

/// Whether the argument at token `k` follows an option (`"-o"`, `"-I"`, `"-arch"`: a
/// literal that starts with `-`), in the same `.args([..])` or the `.arg(..)` before: that
/// option's value, no source.
fn option_value(lx: &Lexed<'_>, k: usize) -> bool {
    let mut at = k;
    while at > 0 {
        at -= 1;
        let glue = [b'&', b'(', b')', b'[', b',', b'.']
            .iter()
            .any(|&p| lx.punct(at, p))
            || lx.is_ident(at, "arg")
            || lx.is_ident(at, "args");
        if !glue {
            return lx.str_value(at).is_some_and(|s| s.starts_with('-'));
        }
    }
    false
}

/// nvcc's arguments: every literal `.cu` file and every file a name handed to it is bound to
/// (`named`, [`named_sources`]; one that ends a computed path makes the call's inputs a
/// table, [`Call::tabled`]; one that could not be read makes them computed), `-I`
/// directories. In a `helper` function, what it compiles comes from its callers. Returns
/// whether the call builds no GPU code: a loop over C/C++ sources alone (rs-cuda-bitcrack's
/// `.cpp` list), no builder of the package's kernels.
pub(super) fn nvcc_args<T>(
    strs: &[(usize, &str)],
    named: Named,
    call: &mut Call,
    helper: Option<T>,
) -> bool {
    for (file, computed_around) in named.files {
        call.tabled |= computed_around;
        call.inputs.push(file);
    }
    let mut computed = named.unread;
    for (n, &(at, s)) in strs.iter().enumerate() {
        // A message is no file (`assert!(ok, "nvcc failed on kernels/k.cu")` in the extent).
        if s.ends_with(".cu") && !s.contains(char::is_whitespace) && !named.joined.contains(&at) {
            if literal_input(s) {
                call.inputs.push(s.to_owned());
            } else {
                computed = true;
            }
        }
        let dir = match s {
            "-I" | "--include-path" => strs.get(n + 1).map(|&(_, d)| d),
            _ => s
                .strip_prefix("--include-path=")
                .or_else(|| s.strip_prefix("-I")),
        };
        if let Some(dir) = dir.filter(|d| literal_input(d)) {
            call.include_dirs.push(dir.to_owned());
        }
    }
    // nvcc compiles a `.cpp` as host C++ unless told otherwise (`-x cu`), and every input
    // as host code when told so (`-x c++`: pdf-raster's shim, whatever its name).
    let all_host = as_host(strs);
    let host_only = (named.host_only && !as_cuda(strs)) || all_host;
    if all_host {
        call.inputs.clear();
        computed = false;
    }
    call.computed_inputs = computed || (call.inputs.is_empty() && !host_only);
    let no_kernel = host_only && call.inputs.is_empty() && !call.computed_inputs;
    call.computed_inputs &= helper.is_none();
    no_kernel && helper.is_none()
}

/// Whether a file is a C or C++ host source by its extension.
fn host_source(file: &str) -> bool {
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    literal_input(file) && ["c", "cc", "cpp", "cxx", "c++", "C"].contains(&ext)
}

/// Whether nvcc's arguments make it read every input as host C or C++ (`-x c++`, `--x=c`):
/// it compiles no GPU code then.
fn as_host(strs: &[(usize, &str)]) -> bool {
    let host = |v: &str| matches!(v, "c" | "c++");
    strs.iter().enumerate().any(|(n, &(_, s))| {
        s.strip_prefix("--x=")
            .or_else(|| s.strip_prefix("-x="))
            .or_else(|| s.strip_prefix("-x").filter(|v| !v.is_empty()))
            .is_some_and(host)
            || (matches!(s, "-x" | "--x") && strs.get(n + 1).is_some_and(|&(_, v)| host(v)))
    })
}

/// Whether nvcc's arguments make it read every input as CUDA (`-x cu`, `--x=cu`).
fn as_cuda(strs: &[(usize, &str)]) -> bool {
    strs.iter().enumerate().any(|(n, &(_, s))| {
        matches!(s, "-xcu" | "--x=cu" | "-x=cu")
            || (matches!(s, "-x" | "--x") && strs.get(n + 1).is_some_and(|&(_, v)| v == "cu"))
    })
}
