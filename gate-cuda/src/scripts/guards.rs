//! The feature guards of a build script: which token ranges only compile, or only run, when
//! a cargo feature is on (`#[cfg(feature = "x")]`, `if cfg!(feature = "x")`, an `if` on
//! `CARGO_FEATURE_X`), when nvcc is found on the build machine (`which::which("nvcc")`), or
//! when an environment variable is set (`if env::var("USE_CUDA").is_err() { return; }`), so
//! a builder can say what switches it on. A probe for nvcc whose `else` fails the build
//! (`panic!`, `process::exit`) switches nothing: no machine builds the crate without it.

use super::lexed::Lexed;
use gate_support::lexer::TokenKind;
use std::collections::HashMap;

/// What the code at byte `at` of the Rust file `text` runs under: every guard around it (as
/// `Guards::all_at` gathers them), joined with ` and ` (aici's `if cuda == "1" {
/// cmake.configure_arg("-DLLAMA_CUBLAS=ON") }`, `cuda` bound to `CARGO_FEATURE_CUDA`:
/// `feature "cuda"`).
#[must_use]
pub fn feature_around(text: &str, at: usize) -> Option<String> {
    let lx = Lexed::new(text);
    let i = lx.toks.iter().rposition(|t| t.start <= at)?;
    let guards = Guards::new(&lx);
    let all = guards.all_at(i);
    (!all.is_empty()).then(|| all.join(" and "))
}

/// The feature guards of a file: token ranges and the `feature "x"` that switches them on.
#[derive(Debug, Default)]
pub(super) struct Guards {
    ranges: Vec<(usize, usize, String)>,
}

impl Guards {
    /// `#[cfg(feature = "x")]` items and statements, `if cfg!(feature = "x") { .. }`, `if`s on
    /// `CARGO_FEATURE_X` (or a variable bound to either), and `if !..  { return }` early exits.
    pub(super) fn new(lx: &Lexed<'_>) -> Guards {
        Guards::with_probes(lx, &[])
    }

    /// [`Guards::new`], where a call of one of `probes` (functions of other crates that look
    /// for nvcc: openvm's `cuda_available()`) answers whether nvcc is found.
    pub(super) fn with_probes(lx: &Lexed<'_>, probes: &[String]) -> Guards {
        let mut ranges = Vec::new();
        let mut vars: HashMap<&str, String> = predicates(lx);
        for probe in probes {
            vars.entry(probe.as_str())
                .or_insert_with(|| NVCC_FOUND.to_owned());
        }
        for i in 0..lx.toks.len() {
            if lx.is_ident(i, "let") {
                let name = if lx.is_ident(i + 1, "mut") {
                    i + 2
                } else {
                    i + 1
                };
                let end = lx.stmt_end(i);
                // A name bound (`let x =`, `let x: bool =`), not a pattern: `if let Ok(env) =
                // env::var("MY_NVCC")` binds the value, and `Ok` is no variable (pulsar's
                // `fn nvcc()` had every later `if let Ok(..)` read as testing MY_NVCC).
                let binds = lx.punct(name + 1, b'=') || lx.punct(name + 1, b':');
                if let (Some(var), true, Some((f, false))) =
                    (lx.ident(name), binds, feature_in(lx, i, end, &vars))
                {
                    vars.insert(var, f);
                }
            }
            if lx.punct(i, b'#') && lx.punct(i + 1, b'[') && lx.is_ident(i + 2, "cfg") {
                let close = lx.matching(i + 1);
                let guard = super::cfgs::switch_of(lx, i + 2, close);
                if let Some(f) = guard {
                    let mut start = close + 1;
                    while lx.punct(start, b'#') && lx.punct(start + 1, b'[') {
                        start = lx.matching(start + 1) + 1;
                    }
                    ranges.push((start, item_end(lx, start), f));
                }
            }
            if lx.is_ident(i, "if") {
                ranges.extend(if_guard(lx, i, &vars));
            }
        }
        Guards { ranges }
    }

    /// Every guard around token `i`, outermost first, each once: `feature "binary"` from an
    /// early return, then `feature "cuda"` from the `if cfg!` around a define (tabby's).
    pub(super) fn all_at(&self, i: usize) -> Vec<&str> {
        let mut around: Vec<&(usize, usize, String)> = self
            .ranges
            .iter()
            .filter(|(a, b, _)| *a <= i && i <= *b)
            .collect();
        around.sort_by_key(|(a, b, _)| std::cmp::Reverse(b - a));
        let mut out: Vec<&str> = Vec::new();
        for (_, _, f) in around {
            if !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out
    }

    /// The innermost guard around token `i`, as `feature "x"`.
    pub(super) fn at(&self, i: usize) -> Option<&str> {
        self.ranges
            .iter()
            .filter(|(a, b, _)| *a <= i && i <= *b)
            .min_by_key(|(a, b, _)| b - a)
            .map(|(_, _, f)| f.as_str())
    }
}

/// The functions of the file that answer whether a feature is on (llm's `fn cfg_cublas() ->
/// bool { !cfg!(target_os = "macos") && cfg!(feature = "cublas") }`): a body that tests one
/// feature, not negated, with no `||`, in a function returning `bool`. An `if cfg_cublas()`
/// is then guarded by that feature. So is one that looks for nvcc (`fn nvcc_works() -> bool
/// { Command::new("nvcc").arg("--version")… }`, powdr's shape in the build script itself).
fn predicates<'a>(lx: &Lexed<'a>) -> HashMap<&'a str, String> {
    let mut out = HashMap::new();
    for def in lx.fns() {
        let returns = |what| (lx.matching(def.params)..def.open).any(|k| lx.is_ident(k, what));
        // rs-cuda-bitcrack's `fn find_nvcc() -> Option<String>`, tested by `.is_some()`.
        let found = ["bool", "Option", "Result", "String", "PathBuf"]
            .iter()
            .any(|t| returns(t));
        if found && finds_nvcc(lx, def.open, def.close) {
            out.insert(def.name, NVCC_FOUND.to_owned());
            continue;
        }
        if !returns("bool") {
            continue;
        }
        let body = def.open..def.close;
        let or = body
            .clone()
            .any(|k| lx.punct(k, b'|') && lx.punct(k + 1, b'|'));
        let tests: Vec<(usize, &str)> = body
            .filter(|&k| lx.is_ident(k, "cfg") && lx.punct(k + 1, b'!') && lx.punct(k + 2, b'('))
            .filter(|&k| lx.is_ident(k + 3, "feature") && lx.punct(k + 4, b'='))
            .filter_map(|k| lx.str_value(k + 5).map(|f| (k, f)))
            .collect();
        if let [(k, feature)] = tests[..]
            && !or
            && !lx.punct(k.wrapping_sub(1), b'!')
        {
            out.insert(def.name, format!("feature \"{feature}\""));
        }
    }
    through_probes(lx, &mut out);
    out
}

/// Adds to `known` each function returning `bool` that answers with a probe for nvcc it
/// calls, not negated (`fn check_cuda_available() -> bool { find_nvcc().is_some() }`,
/// rs-cuda-bitcrack), a few calls deep.
fn through_probes<'a>(lx: &Lexed<'a>, known: &mut HashMap<&'a str, String>) {
    for _ in 0..3 {
        let before = known.len();
        for def in lx.fns() {
            let returns_bool = (lx.matching(def.params)..def.open).any(|k| lx.is_ident(k, "bool"));
            if !returns_bool || known.contains_key(def.name) {
                continue;
            }
            let body = def.open..def.close;
            let negates = body.clone().any(|k| {
                lx.punct(k, b'!')
                    || ["is_none", "is_err", "is_empty"]
                        .iter()
                        .any(|w| lx.is_ident(k, w))
            });
            let calls_probe = body.clone().any(|k| {
                lx.punct(k + 1, b'(')
                    && lx
                        .ident(k)
                        .is_some_and(|w| known.get(w).is_some_and(|g| g == NVCC_FOUND))
            });
            if calls_probe && !negates {
                known.insert(def.name, NVCC_FOUND.to_owned());
            }
        }
        if known.len() == before {
            break;
        }
    }
}

/// The functions of a file that answer whether nvcc is found on the build machine: each
/// returns `bool` and looks for nvcc ([`finds_nvcc`]).
pub(super) fn nvcc_probes(lx: &Lexed<'_>) -> Vec<String> {
    let mut names: Vec<String> = predicates(lx)
        .into_iter()
        .filter(|(_, guard)| guard == NVCC_FOUND)
        .map(|(name, _)| name.to_owned())
        .collect();
    names.sort();
    names
}

/// How a switch that holds where a feature is off starts (`without feature "f64"`).
pub(super) const WITHOUT: &str = "without ";

/// A builder's switch as the reports say it: `only with feature "cuda"`, `only without
/// feature "f64"`.
#[must_use]
pub fn only(switch: &str) -> String {
    if switch.starts_with(WITHOUT) {
        format!("only {switch}")
    } else {
        format!("only with {switch}")
    }
}

/// End of the item or statement starting at `start`: its `;`, or its first block's `}`.
fn item_end(lx: &Lexed<'_>, start: usize) -> usize {
    let mut depth = 0usize;
    for k in start..lx.toks.len() {
        match lx.toks[k].kind {
            TokenKind::Punct(b'(' | b'[') => depth += 1,
            TokenKind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
            TokenKind::Punct(b'{') if depth == 0 => return lx.matching(k),
            TokenKind::Punct(b'}') if depth == 0 => return k,
            TokenKind::Punct(b';') if depth == 0 => return k,
            _ => {}
        }
    }
    lx.toks.len()
}

/// The feature a condition in `a..b` tests, and whether it is negated: by `not(feature ..)`,
/// `is_err`/`is_none`, a `!` on a parenthesised group, or a `!` on the test itself. A `!` on
/// another test beside it (`cfg_cublas() && !cfg!(target_os = "macos")`, llm) negates that
/// one only.
fn feature_in(
    lx: &Lexed<'_>,
    a: usize,
    b: usize,
    vars: &HashMap<&str, String>,
) -> Option<(String, bool)> {
    let negated = (a..b).any(|k| {
        (lx.is_ident(k, "not") && lx.punct(k + 1, b'(') && lx.is_ident(k + 2, "feature"))
            || lx.is_ident(k, "is_err")
            || lx.is_ident(k, "is_none")
            || lx.is_ident(k, "is_empty")
            || (lx.punct(k, b'!') && lx.punct(k + 1, b'(') && lx.ident(k.wrapping_sub(1)).is_none())
    });
    let not_before = |start: usize| start > a && lx.punct(start - 1, b'!');
    for k in a..b.min(lx.toks.len()) {
        if lx.is_ident(k, "feature")
            && lx.punct(k + 1, b'=')
            && let Some(f) = lx.str_value(k + 2)
        {
            // The test starts at its `cfg` (`!cfg!(feature = "x")` negates it).
            let cfg = (a..k).rev().find(|&c| lx.is_ident(c, "cfg"));
            let negated = negated || cfg.is_some_and(not_before);
            return Some((format!("feature \"{f}\""), negated));
        }
        if let Some(rest) = lx
            .str_value(k)
            .and_then(|s| s.strip_prefix("CARGO_FEATURE_"))
        {
            // `!env::var("CARGO_FEATURE_X").is_ok()`: any `!` but a macro's.
            let negated = negated
                || (a..b).any(|n| {
                    lx.punct(n, b'!') && lx.ident(n.wrapping_sub(1)).is_none_or(|w| w != "cfg")
                });
            return Some((
                format!("feature \"{}\"", rest.to_ascii_lowercase()),
                negated,
            ));
        }
        if let Some(name) = env_tested(lx, a, k) {
            // `!env::var("X").is_ok()`: the `!` stands before the path.
            let start = lx.path_start(k - 2);
            return Some((
                format!("{name}{SET_AT_BUILD_TIME}"),
                negated || not_before(start),
            ));
        }
        // A module of a path is no variable (`env` of `std::env::var`).
        if let Some(f) = (lx.ident(k).filter(|_| !lx.path_sep(k + 1))).and_then(|w| vars.get(w)) {
            // `!helper::cuda_available()`: the `!` stands before the path.
            let mut start = k;
            while start >= a + 3 && lx.path_sep(start - 2) && lx.ident(start - 3).is_some() {
                start -= 3;
            }
            return Some((f.clone(), negated || not_before(start)));
        }
    }
    finds_nvcc(lx, a, b).then(|| (NVCC_FOUND.to_owned(), negated))
}

/// The environment variable whose presence the string literal at `k` (in a condition from
/// `a`) tests: `env::var("USE_CUDA").is_err()`, `env::var_os("X").is_some()`, `if let Ok(v) =
/// env::var("X")`. Not one cargo sets for every build script (`TARGET`, `CARGO_…`: the
/// platform and the features are switches of their own), nor docs.rs's `DOCS_RS` (a
/// documentation build ships nothing); not a value used otherwise (`env::var("CUDA_HOME")
/// .unwrap_or(..)`: a path, not a switch).
fn env_tested<'a>(lx: &Lexed<'a>, a: usize, k: usize) -> Option<&'a str> {
    let name = lx.str_value(k)?;
    let read = k >= 2
        && lx.punct(k - 1, b'(')
        && matches!(lx.ident(k - 2), Some("var" | "var_os"))
        && lx.punct(k + 1, b')');
    let tested = (lx.punct(k + 2, b'.')
        && matches!(
            lx.ident(k + 3),
            Some("is_ok" | "is_err" | "is_some" | "is_none")
        ))
        || (lx.is_ident(a, "let") && matches!(lx.ident(a + 1), Some("Ok" | "Some")));
    let cargo_sets = name.starts_with("CARGO_")
        || name.starts_with("RUSTC")
        || matches!(
            name,
            "TARGET"
                | "HOST"
                | "PROFILE"
                | "OUT_DIR"
                | "OPT_LEVEL"
                | "DEBUG"
                | "NUM_JOBS"
                | "RUSTDOC"
                | "DOCS_RS"
        );
    (read && tested && !cargo_sets && !name.is_empty()).then_some(name)
}

/// How a switch on an environment variable of the build machine ends (`USE_CUDA set at build
/// time`).
const SET_AT_BUILD_TIME: &str = " set at build time";

/// What switches on a build that runs only where nvcc is found when the build script runs.
const NVCC_FOUND: &str = "nvcc found at build time";

/// Whether `a..b` looks for nvcc on the build machine (pasta-msm: `which::which("nvcc")`, or
/// `Command::new("nvcc").arg("--version")`): a CUDA build it guards is skipped, silently,
/// where there is none.
fn finds_nvcc(lx: &Lexed<'_>, a: usize, b: usize) -> bool {
    let range = a..b.min(lx.toks.len());
    // A literal naming nvcc, or a name bound to one (`Path::new(&nvcc).exists()` after `let
    // nvcc = format!("{}/bin/nvcc", cuda)`, fumishiki/rosetta-moe).
    range.clone().any(|k| {
        lx.str_value(k).is_some_and(super::commands::names_nvcc)
            || lx
                .ident(k)
                .is_some_and(|w| super::commands::word_names_nvcc(w) && !lx.punct(k + 1, b'('))
    }) && range.clone().any(|k| {
        lx.is_ident(k, "which")
            || matches!(lx.str_value(k), Some("--version" | "which" | "where"))
            || ((lx.is_ident(k, "exists") || lx.is_ident(k, "is_file"))
                && lx.punct(k.wrapping_sub(1), b'.'))
    })
}

/// The ranges an `if` at `i` guards with a feature: its block, and for a test whose block
/// returns, the rest of the enclosing block, where the test failed (`with` a negated test,
/// `without` an environment variable tested as set).
fn if_guard(lx: &Lexed<'_>, i: usize, vars: &HashMap<&str, String>) -> Vec<(usize, usize, String)> {
    let mut depth = 0usize;
    let mut open = None;
    for k in i + 1..lx.toks.len() {
        match lx.toks[k].kind {
            TokenKind::Punct(b'(' | b'[') => depth += 1,
            TokenKind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
            TokenKind::Punct(b'{') if depth == 0 => {
                open = Some(k);
                break;
            }
            TokenKind::Punct(b';' | b'}') if depth == 0 => return Vec::new(),
            _ => {}
        }
    }
    let Some(open) = open else {
        return Vec::new();
    };
    let Some((feature, negated)) = feature_in(lx, i + 1, open, vars) else {
        return Vec::new();
    };
    let close = lx.matching(open);
    if !negated {
        // `if nvcc.is_ok() { .. } else { panic!("nvcc must be in the path") }` (rust-kzg): a
        // machine without nvcc fails the build, none builds the crate without its kernels.
        let fails_otherwise =
            lx.is_ident(close + 1, "else") && lx.punct(close + 2, b'{') && diverges(lx, close + 2);
        if feature == NVCC_FOUND && fails_otherwise {
            return Vec::new();
        }
        // `if env::var("SKIP_BUILD_KERNELS").is_ok() { return; }` (RustInfer): what follows
        // runs only where the variable is not set. Not where another test joins it (`&&`:
        // the rest also runs where that one fails).
        let joined = (i + 1..open).any(|k| lx.punct(k, b'&') && lx.punct(k + 1, b'&'));
        let mut out = Vec::new();
        if feature.ends_with(SET_AT_BUILD_TIME) && !joined && returns_directly(lx, open) {
            out.push((
                close,
                rest_of_block(lx, close),
                format!("{WITHOUT}{feature}"),
            ));
        }
        out.push((open, close, feature));
        return out;
    }
    if !(open..close).any(|k| lx.is_ident(k, "return")) {
        return Vec::new();
    }
    vec![(close, rest_of_block(lx, close), feature)]
}

/// The last token of the block that holds the statement ending at `close` (an `if`'s block):
/// the `}` closing it, or the end of the file.
fn rest_of_block(lx: &Lexed<'_>, close: usize) -> usize {
    let end = lx.stmt_end(close + 1);
    if lx.punct(end, b'}') {
        return end;
    }
    let mut e = end;
    while e < lx.toks.len() && !lx.punct(e, b'}') {
        e = lx.stmt_end(e + 1);
    }
    e
}

/// Whether the block opening at `open` returns as a statement of its own (`{ return; }`,
/// `{ println!(..); return; }`), not only in a block or closure within it.
fn returns_directly(lx: &Lexed<'_>, open: usize) -> bool {
    let close = lx.matching(open);
    let mut k = open + 1;
    while k < close {
        if lx.punct(k, b'{') || lx.punct(k, b'(') || lx.punct(k, b'[') {
            k = lx.matching(k) + 1;
            continue;
        }
        if lx.is_ident(k, "return") {
            return true;
        }
        k += 1;
    }
    false
}

/// Whether the block opening at `open` ends the build script: a statement of its own (not
/// one in a closure or a nested block) that is `panic!`, `unreachable!`, `todo!`,
/// `unimplemented!`, or `process::exit(..)`.
fn diverges(lx: &Lexed<'_>, open: usize) -> bool {
    let close = lx.matching(open);
    let starts_statement =
        |j: usize| j == open + 1 || lx.punct(j - 1, b';') || lx.punct(j - 1, b'}');
    let mut k = open + 1;
    while k < close {
        if lx.punct(k, b'{') || lx.punct(k, b'(') || lx.punct(k, b'[') {
            k = lx.matching(k) + 1;
            continue;
        }
        let Some(word) = lx.ident(k) else {
            k += 1;
            continue;
        };
        let aborts = matches!(word, "panic" | "unreachable" | "todo" | "unimplemented")
            && lx.punct(k + 1, b'!')
            && starts_statement(k);
        let exits = word == "exit"
            && lx.punct(k + 1, b'(')
            && k >= 3
            && lx.path_sep(k - 2)
            && lx.is_ident(k - 3, "process")
            && starts_statement(lx.path_start(k));
        if aborts || exits {
            return true;
        }
        k += 1;
    }
    false
}
