//! What the filters chained on a `walkdir` walk leave out, where the script writes it out:
//! `.filter_entry(|e| e.file_name() != "arch")` (RustInfer's generic kernels, which a raw
//! nvcc of their own compiles) skips every entry of that name and all a directory of that
//! name holds; `.filter(..)` of the same kind drops the entries of that name alone (the files
//! of a directory so named still come through). Read: a conjunction (`&&`) of `NAME != "x"`
//! and `!matches!(NAME, "x" | "y")`, NAME the entry's `file_name()` or a name the closure
//! binds to it. A filter that says anything else (an `||`, a test of the path or a parent)
//! leaves nothing out: a walk said to compile more than it does is safer than one said to
//! compile less.

use super::lexed::Lexed;

/// What the name an entry is tested by may be made of, besides the closure's parameter and
/// the names the closure binds to it: `e.file_name()`, `e.path().file_name()`,
/// `.to_str()`, `.to_string_lossy()`.
const NAME_WORDS: &[&str] = &[
    "file_name",
    "path",
    "to_str",
    "to_string_lossy",
    "as_ref",
    "as_os_str",
    "as_str",
    "unwrap",
    "unwrap_or_default",
];

/// The globs, below the package, of what the filters chained after the walk whose argument
/// list closes at `close` (`WalkDir::new(root)`, then `.into_iter().filter_entry(..)`) leave
/// out of `root`.
pub(super) fn skipped(lx: &Lexed<'_>, close: usize, root: &str) -> Vec<String> {
    let root = root.trim_end_matches('/');
    let mut out: Vec<String> = Vec::new();
    let mut j = close + 1;
    while lx.punct(j, b'.') && lx.punct(j + 2, b'(') {
        let Some(method) = lx.ident(j + 1) else {
            break;
        };
        let open = j + 2;
        let end = lx.matching(open);
        let subtree = match method {
            "filter_entry" => Some(true),
            "filter" => Some(false),
            _ => None,
        };
        if let Some(subtree) = subtree {
            for name in names_left_out(lx, open + 1, end) {
                let entry = format!("{root}/**/{name}");
                if subtree {
                    out.push(format!("{entry}/**"));
                }
                if !out.contains(&entry) {
                    out.push(entry);
                }
            }
        }
        j = end + 1;
        while lx.punct(j, b'?') {
            j += 1;
        }
    }
    out
}

/// The file names the closure in `a..b` (a filter's argument) keeps no entry of, or none
/// where it cannot be read as a conjunction of such tests.
fn names_left_out<'a>(lx: &Lexed<'a>, a: usize, b: usize) -> Vec<&'a str> {
    let start = if lx.is_ident(a, "move") { a + 1 } else { a };
    let Some(bar) = (start + 1..b)
        .find(|&k| lx.punct(k, b'|'))
        .filter(|_| lx.punct(start, b'|'))
    else {
        return Vec::new();
    };
    // The parameter (and its type, harmless) name the entry.
    let mut entry = Entry {
        params: (start + 1..bar).filter_map(|k| lx.ident(k)).collect(),
        names: Vec::new(),
    };
    let (mut from, mut to) = (bar + 1, b);
    if lx.punct(from, b'{') && lx.matching(from) + 1 == b {
        // A block: `let name = e.file_name().to_string_lossy();` lines, then the test.
        let close = lx.matching(from);
        let mut k = from + 1;
        loop {
            let end = lx.stmt_end(k);
            if end >= close {
                (from, to) = (k, close);
                break;
            }
            let value = (k + 2..end).find(|&v| lx.punct(v, b'='));
            let (Some(name), Some(value)) =
                (lx.ident(k + 1).filter(|_| lx.is_ident(k, "let")), value)
            else {
                return Vec::new();
            };
            if is_name(lx, value + 1, end, &entry) {
                entry.names.push(name);
            }
            k = end + 1;
        }
    }
    let mut out = Vec::new();
    for (c, d) in conjuncts(lx, from, to).unwrap_or_default() {
        out.extend(conjunct_left_out(lx, c, d, &entry));
    }
    out.retain(|n| !n.is_empty() && !n.contains(['*', '?', '[', ']', '{', '}', '\\', '/']));
    out
}

/// The `&&`-joined parts of the expression `a..b`, or `None` where it holds an `||` (or a
/// `|`) of its own: then no part alone decides what is left out.
fn conjuncts(lx: &Lexed<'_>, a: usize, b: usize) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let (mut start, mut k) = (a, a);
    while k < b {
        if lx.punct(k, b'(') || lx.punct(k, b'[') || lx.punct(k, b'{') {
            k = lx.matching(k) + 1;
            continue;
        }
        if lx.punct(k, b'|') {
            return None;
        }
        if lx.punct(k, b'&') && lx.punct(k + 1, b'&') {
            out.push((start, k));
            start = k + 2;
            k += 2;
            continue;
        }
        k += 1;
    }
    out.push((start, b));
    Some(out)
}

/// The names one part `a..b` of a filter's test keeps no entry of: `NAME != "x"` (or
/// `!= Some("x")`, either way round), `!matches!(NAME, "x" | Some("y"))`; none for any other
/// test.
fn conjunct_left_out<'a>(lx: &Lexed<'a>, a: usize, b: usize, entry: &Entry<'_>) -> Vec<&'a str> {
    let negated_match = lx.punct(a, b'!')
        && lx.is_ident(a + 1, "matches")
        && lx.punct(a + 2, b'!')
        && lx.punct(a + 3, b'(')
        && lx.matching(a + 3) + 1 == b;
    if negated_match {
        let close = b - 1;
        let Some(comma) = (a + 4..close).find(|&k| lx.punct(k, b',')) else {
            return Vec::new();
        };
        let pattern_only = (comma + 1..close).all(|k| {
            lx.str_value(k).is_some()
                || lx.punct(k, b'|')
                || lx.punct(k, b'(')
                || lx.punct(k, b')')
                || lx.is_ident(k, "Some")
        });
        if !pattern_only || !is_name(lx, a + 4, comma, entry) {
            return Vec::new();
        }
        return lx
            .strs(comma + 1, close)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
    }
    let mut k = a;
    while k < b {
        if lx.punct(k, b'(') || lx.punct(k, b'[') {
            k = lx.matching(k) + 1;
            continue;
        }
        if lx.punct(k, b'!') && lx.punct(k + 1, b'=') {
            let sides = [((a, k), (k + 2, b)), ((k + 2, b), (a, k))];
            return sides
                .into_iter()
                .filter(|&((n, m), _)| is_name(lx, n, m, entry))
                .find_map(|(_, (s, t))| literal(lx, s, t))
                .into_iter()
                .collect();
        }
        k += 1;
    }
    Vec::new()
}

/// The literal `a..b` is alone: `"x"` or `Some("x")`.
fn literal<'a>(lx: &Lexed<'a>, a: usize, b: usize) -> Option<&'a str> {
    match b.checked_sub(a)? {
        1 => lx.str_value(a),
        4 if lx.is_ident(a, "Some") && lx.punct(a + 1, b'(') && lx.punct(a + 3, b')') => {
            lx.str_value(a + 2)
        }
        _ => None,
    }
}

/// What a filter's closure calls the entry it tests, and its file name.
struct Entry<'a> {
    /// The words of its parameter (`e`, `entry: &DirEntry`).
    params: Vec<&'a str>,
    /// The names its block binds to the entry's file name (`let name = e.file_name()..;`).
    names: Vec<&'a str>,
}

/// Whether `a..b` is the entry's file name: its `file_name()`, or a name bound to it, through
/// [`NAME_WORDS`] alone, with no literal.
fn is_name(lx: &Lexed<'_>, a: usize, b: usize, entry: &Entry<'_>) -> bool {
    let known = |w: &str| entry.params.contains(&w) || entry.names.contains(&w);
    let names = (a..b).any(|k| {
        lx.is_ident(k, "file_name") || lx.ident(k).is_some_and(|w| entry.names.contains(&w))
    });
    let plain = (a..b).all(|k| match lx.ident(k) {
        Some(w) => NAME_WORDS.contains(&w) || known(w),
        None => [b'.', b'(', b')', b'&', b'*']
            .iter()
            .any(|&p| lx.punct(k, p)),
    });
    names && plain
}
