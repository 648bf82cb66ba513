//! A builder's extent: the statement of its constructor and, when it is bound with `let`,
//! every later statement of the same block that names the variable (until it is bound
//! again); for a builder handed in as a parameter, the statements that name the parameter.

use super::Anchor;
use super::lexed::Lexed;
use gate_support::lexer::TokenKind;

/// The token ranges a builder's anchor reaches: its extent, or, for a builder handed in as a
/// parameter, the statements that name the parameter.
pub(super) fn ranges_of(lx: &Lexed<'_>, anchor: &Anchor<'_>) -> Vec<(usize, usize)> {
    match anchor.param.and_then(|p| lx.ident(p)) {
        Some(param) => naming(lx, anchor.path, param, Vec::new()),
        None => extent(lx, anchor.path),
    }
}

/// The extent of a builder whose path starts at `path`: its statement, and the later
/// statements of its block that name the variable it is bound to.
pub(super) fn extent(lx: &Lexed<'_>, path: usize) -> Vec<(usize, usize)> {
    let first_end = expr_end(lx, path);
    let ranges = vec![(path, first_end)];
    match bound_to(lx, path) {
        Some(var) if lx.punct(first_end, b';') => naming(lx, first_end + 1, var, ranges),
        _ => ranges,
    }
}

/// Where the expression starting at `path` ends: its statement's end, or a `{` at its own
/// depth before that, which opens the arms of the `match` or the block of the `if`, `while`
/// or `for` it is the head of (HVM's `match cc::Build::new()…try_compile("hvm-c") { … }`,
/// whose statement runs on over the rest of `main`).
fn expr_end(lx: &Lexed<'_>, path: usize) -> usize {
    let end = lx.stmt_end(path);
    let mut depth = 0usize;
    for k in path..end {
        match lx.toks[k].kind {
            TokenKind::Punct(b'{') if depth == 0 => return k,
            TokenKind::Punct(b'(' | b'[' | b'{') => depth += 1,
            TokenKind::Punct(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    end
}

/// `ranges` and the statements from `pos` to the end of its block that name `var`, up to one
/// that binds `var` anew to something else: a binding that goes on from the builder itself
/// (`let cc = cc.cuda(true).std("c++17");`, then `cc.file("k.cu").compile(..)`, a shape of
/// public build scripts around `cxx_build::bridge(..)`; `let mut cc = cc;`) keeps it.
fn naming(
    lx: &Lexed<'_>,
    mut pos: usize,
    var: &str,
    mut ranges: Vec<(usize, usize)>,
) -> Vec<(usize, usize)> {
    while pos < lx.toks.len() {
        if matches!(lx.toks[pos].kind, TokenKind::Punct(b')' | b']' | b'}')) {
            break;
        }
        // A block statement (`if .. { .. } else { .. }`, a loop, a `match`) ends at its last
        // block: the next statement is the next one (morphogenesis' `if !status.success()
        // { panic!(..) }` ran on into the next nvcc call, whose source the first then took).
        if let Some(close) = block_statement_end(lx, pos) {
            if (pos..close).any(|k| names_variable(lx, k, var)) {
                ranges.push((pos, close + 1));
            }
            pos = close + 1;
            continue;
        }
        let end = lx.stmt_end(pos);
        let rebinds = lx.is_ident(pos, "let")
            && (lx.is_ident(pos + 1, var)
                || (lx.is_ident(pos + 1, "mut") && lx.is_ident(pos + 2, var)));
        if rebinds && !goes_on(lx, pos, end, var) {
            break;
        }
        // A statement that runs on past a block (`if .. { .. }` has no `;`) can hold the
        // next `let` of `var` (nextstat.io: `let status = Command::new(&nvcc)…` after an `if`
        // block): the extent ends there.
        let rebound = (pos + 1..end).find(|&k| {
            lx.is_ident(k, "let")
                && (lx.is_ident(k + 1, var)
                    || (lx.is_ident(k + 1, "mut") && lx.is_ident(k + 2, var)))
                && !goes_on(lx, k, lx.stmt_end(k), var)
        });
        let end = rebound.unwrap_or(end);
        if (pos..end).any(|k| names_variable(lx, k, var)) {
            ranges.push((pos, end));
        }
        if rebound.is_some() {
            break;
        }
        if !lx.punct(end, b';') {
            break;
        }
        pos = end + 1;
    }
    ranges
}

/// Where the statement at `pos` ends when it is a block statement with no `;` after it
/// (`if`, `match`, `for`, `while`, `loop`): the `}` of its last block, an `else` chain
/// followed; `None` for any other statement, or one a `;` or `.` follows (an expression).
fn block_statement_end(lx: &Lexed<'_>, pos: usize) -> Option<usize> {
    if !["if", "match", "for", "while", "loop"]
        .iter()
        .any(|w| lx.is_ident(pos, w))
    {
        return None;
    }
    let mut k = pos;
    loop {
        // The `{` of its block: where its head ends ([`expr_end`]).
        let open = expr_end(lx, k);
        if !lx.punct(open, b'{') {
            return None;
        }
        let close = lx.matching(open);
        if close >= lx.toks.len() {
            return None;
        }
        if lx.is_ident(close + 1, "else") {
            k = close + 2;
            continue;
        }
        let expression = lx.punct(close + 1, b';') || lx.punct(close + 1, b'.');
        return (!expression).then_some(close);
    }
}

/// Whether the `let` at `pos` (its statement ending at `end`) binds `var` to the builder `var`
/// already is: its value starts with the variable, then a method call or nothing more.
fn goes_on(lx: &Lexed<'_>, pos: usize, end: usize, var: &str) -> bool {
    let Some(eq) = (pos..end).find(|&k| lx.punct(k, b'=')) else {
        return false;
    };
    lx.is_ident(eq + 1, var) && (lx.punct(eq + 2, b'.') || eq + 2 == end)
}

/// Whether token `k` is the variable `var` itself: not a field or method (`x.cc`), and not a
/// path segment (`cc::Build::new()` beside a variable named `cc`: pasta-msm).
fn names_variable(lx: &Lexed<'_>, k: usize, var: &str) -> bool {
    let after_path = k.checked_sub(2).is_some_and(|p| lx.path_sep(p));
    lx.is_ident(k, var) && !lx.punct(k.wrapping_sub(1), b'.') && !lx.path_sep(k + 1) && !after_path
}

/// The variable a `let` binds the expression starting at `path` to.
fn bound_to<'a>(lx: &Lexed<'a>, path: usize) -> Option<&'a str> {
    let eq = path.checked_sub(1)?;
    if !lx.punct(eq, b'=') || eq == 0 {
        return None;
    }
    if matches!(
        lx.toks[eq - 1].kind,
        TokenKind::Punct(b'=' | b'!' | b'<' | b'>')
    ) {
        return None;
    }
    let mut k = eq;
    for _ in 0..16 {
        k = k.checked_sub(1)?;
        if lx.is_ident(k, "let") {
            let name = if lx.is_ident(k + 1, "mut") {
                k + 2
            } else {
                k + 1
            };
            return lx.ident(name);
        }
        if lx.punct(k, b';') || lx.punct(k, b'{') || lx.punct(k, b'}') {
            return None;
        }
    }
    None
}
