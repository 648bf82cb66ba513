//! A Rust file's significant tokens, with the few questions the build-script reading asks of
//! them: identifiers, paths, string literals, matching brackets, statements, `use`
//! declarations, function bodies.

use std::collections::HashMap;

use gate_support::lexer::{Lexer, TokenKind};
use memchr::memmem;

/// A Rust file: workspace-relative path (for `file:line` texts) and its text.
#[derive(Debug, Clone, Copy)]
pub struct RustFile<'a> {
    /// Workspace-relative path, `/`-separated.
    pub rel: &'a str,
    /// The file's text.
    pub text: &'a str,
}

pub(super) fn contains_any(text: &str, words: &[&str]) -> bool {
    words
        .iter()
        .any(|w| memmem::find(text.as_bytes(), w.as_bytes()).is_some())
}

/// One significant token: kind, text (empty if its span is not on a char boundary), line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tok<'a> {
    pub(super) kind: TokenKind,
    pub(super) text: &'a str,
    pub(super) line: u32,
    /// Its first byte in the file.
    pub(super) start: usize,
}

/// A function definition: name, line of `fn`, and its body's braces (token indices).
#[derive(Debug, Clone, Copy)]
pub(super) struct FnDef<'a> {
    pub(super) name: &'a str,
    pub(super) line: u32,
    /// The `(` of its parameter list.
    pub(super) params: usize,
    pub(super) open: usize,
    pub(super) close: usize,
}

/// A file's significant tokens, its comments (kept apart: they are never code) and what its
/// `use` declarations import (name → crate).
#[derive(Debug)]
pub(super) struct Lexed<'a> {
    pub(super) toks: Vec<Tok<'a>>,
    pub(super) comments: Vec<Tok<'a>>,
    pub(super) imports: HashMap<&'a str, &'a str>,
}

impl<'a> Lexed<'a> {
    pub(super) fn new(text: &'a str) -> Lexed<'a> {
        let bytes = text.as_bytes();
        let mut toks = Vec::new();
        let mut comments = Vec::new();
        let mut line = 1u32;
        let mut last = 0usize;
        for t in Lexer::new(bytes) {
            let newlines = memchr::memchr_iter(b'\n', &bytes[last..t.start]).count();
            line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            last = t.start;
            let tok = Tok {
                kind: t.kind,
                text: text.get(t.start..t.end).unwrap_or(""),
                line,
                start: t.start,
            };
            if t.kind == TokenKind::Comment {
                comments.push(tok);
            } else {
                toks.push(tok);
            }
        }
        let mut lx = Lexed {
            toks,
            comments,
            imports: HashMap::new(),
        };
        lx.imports = lx.read_imports();
        lx
    }

    pub(super) fn punct(&self, i: usize, b: u8) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct(b))
    }

    pub(super) fn ident(&self, i: usize) -> Option<&'a str> {
        self.toks
            .get(i)
            .filter(|t| t.kind == TokenKind::Ident)
            .map(|t| t.text)
    }

    pub(super) fn is_ident(&self, i: usize, word: &str) -> bool {
        self.ident(i) == Some(word)
    }

    /// Whether tokens `i`, `i + 1` are `::`.
    pub(super) fn path_sep(&self, i: usize) -> bool {
        self.punct(i, b':') && self.punct(i + 1, b':')
    }

    /// The value of a string literal at `i`, as written (escapes kept).
    pub(super) fn str_value(&self, i: usize) -> Option<&'a str> {
        let t = self.toks.get(i)?;
        match t.kind {
            TokenKind::Str => {
                let end = t.text.rfind('"')?;
                t.text.get(1..end)
            }
            TokenKind::RawStr => {
                let body = t.text.strip_prefix('r')?.trim_start_matches('#');
                let body = body.strip_prefix('"')?;
                let end = body.rfind('"')?;
                body.get(..end)
            }
            _ => None,
        }
    }

    /// The string literals in `a..b` with their token indices.
    pub(super) fn strs(&self, a: usize, b: usize) -> Vec<(usize, &'a str)> {
        (a..b.min(self.toks.len()))
            .filter_map(|i| self.str_value(i).map(|s| (i, s)))
            .collect()
    }

    /// Index of the bracket closing the one at `open`, or the end.
    pub(super) fn matching(&self, open: usize) -> usize {
        let mut depth = 0usize;
        for i in open..self.toks.len() {
            match self.toks[i].kind {
                TokenKind::Punct(b'(' | b'[' | b'{') => depth += 1,
                TokenKind::Punct(b')' | b']' | b'}') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        self.toks.len()
    }

    /// Index of the `;` ending the statement at `i`, or of the bracket closing its block.
    pub(super) fn stmt_end(&self, i: usize) -> usize {
        let mut depth = 0usize;
        for k in i..self.toks.len() {
            match self.toks[k].kind {
                TokenKind::Punct(b'(' | b'[' | b'{') => depth += 1,
                TokenKind::Punct(b')' | b']' | b'}') => {
                    if depth == 0 {
                        return k;
                    }
                    depth -= 1;
                }
                TokenKind::Punct(b';') if depth == 0 => return k,
                _ => {}
            }
        }
        self.toks.len()
    }

    /// First token of the path ending at `i` (`a::b::C` → `a`).
    pub(super) fn path_start(&self, i: usize) -> usize {
        let mut j = i;
        while j >= 3 && self.path_sep(j - 2) && self.ident(j - 3).is_some() {
            j -= 3;
        }
        j
    }

    /// The idents of `start..=end` joined by `::`.
    pub(super) fn path_text(&self, start: usize, end: usize) -> String {
        (start..=end)
            .filter_map(|k| self.ident(k))
            .collect::<Vec<_>>()
            .join("::")
    }

    /// The token ranges of test-only items (`#[cfg(test)] mod tests { … }`, `#[test] fn`:
    /// [`Lexed::test_only_attr`]), from the attribute to the end of the item's body.
    pub(super) fn test_ranges(&self) -> Vec<(usize, usize)> {
        let mut ranges = Vec::new();
        for i in 0..self.toks.len() {
            if !(self.punct(i, b'#') && self.punct(i + 1, b'[') && self.test_only_attr(i + 2)) {
                continue;
            }
            let body = (self.matching(i + 1) + 1..self.toks.len())
                .take_while(|&k| !self.punct(k, b';'))
                .find(|&k| self.punct(k, b'{'));
            if let Some(open) = body {
                ranges.push((i, self.matching(open)));
            }
        }
        ranges
    }

    /// Whether the attribute whose path starts at `i` (after `#[`) keeps its item out of
    /// every build but the tests': `cfg(test)`, `cfg(all(test, …))`, `test`, a test
    /// framework's (`tokio::test`, `test_log::test`: a path ending in `test`), `bench`,
    /// `rstest`, `test_case(…)`. `cfg(any(test, …))` is not: it builds elsewhere too.
    fn test_only_attr(&self, i: usize) -> bool {
        if self.is_ident(i, "cfg") && self.punct(i + 1, b'(') {
            let test_at = |k: usize| self.is_ident(k, "test") && !self.punct(k + 1, b'(');
            return (test_at(i + 2) && self.punct(i + 3, b')'))
                || (self.is_ident(i + 2, "all")
                    && self.punct(i + 3, b'(')
                    && self.args_of(i + 3).into_iter().any(test_at));
        }
        let mut k = i;
        while self.ident(k).is_some() && self.path_sep(k + 1) {
            k += 3;
        }
        let first = self.ident(i);
        matches!(self.ident(k), Some("test"))
            || k == i && matches!(first, Some("bench" | "rstest" | "test_case"))
    }

    /// The first token of each top-level argument of the parenthesised list opening at
    /// `open`.
    fn args_of(&self, open: usize) -> Vec<usize> {
        let close = self.matching(open);
        let mut out = vec![open + 1];
        let mut depth = 0usize;
        for k in open + 1..close {
            match self.toks[k].kind {
                TokenKind::Punct(b'(' | b'[' | b'{') => depth += 1,
                TokenKind::Punct(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
                TokenKind::Punct(b',') if depth == 0 => out.push(k + 1),
                _ => {}
            }
        }
        out
    }

    /// Token ranges of `use` declarations.
    pub(super) fn use_ranges(&self) -> Vec<(usize, usize)> {
        (0..self.toks.len())
            .filter(|&i| self.is_ident(i, "use"))
            .map(|i| (i, self.stmt_end(i)))
            .collect()
    }

    /// Every name a `use` brings in, mapped to the crate it comes from.
    pub(super) fn read_imports(&self) -> HashMap<&'a str, &'a str> {
        let mut map = HashMap::new();
        for (a, b) in self.use_ranges() {
            let mut k = a + 1;
            if self.path_sep(k) {
                k += 2;
            }
            let Some(root) = self.ident(k) else { continue };
            if matches!(root, "crate" | "self" | "super") {
                continue;
            }
            for j in k..b {
                if let Some(name) = self.ident(j)
                    && name != "as"
                    && name != "self"
                    && !self.is_ident(j + 1, "as")
                {
                    map.entry(name).or_insert(root);
                }
            }
        }
        map
    }

    /// Every `fn` with a body.
    pub(super) fn fns(&self) -> Vec<FnDef<'a>> {
        let mut out = Vec::new();
        for i in 0..self.toks.len() {
            if !self.is_ident(i, "fn") {
                continue;
            }
            let Some(name) = self.ident(i + 1) else {
                continue;
            };
            let mut depth = 0usize;
            let mut params = None;
            for k in i + 2..self.toks.len() {
                match self.toks[k].kind {
                    TokenKind::Punct(b'(') if depth == 0 && params.is_none() => {
                        params = Some(k);
                        depth += 1;
                    }
                    TokenKind::Punct(b'(' | b'[') => depth += 1,
                    TokenKind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
                    TokenKind::Punct(b';') if depth == 0 => break,
                    TokenKind::Punct(b'{') if depth == 0 => {
                        out.push(FnDef {
                            name,
                            line: self.toks[i].line,
                            params: params.unwrap_or(k),
                            open: k,
                            close: self.matching(k),
                        });
                        break;
                    }
                    _ => {}
                }
            }
        }
        out
    }
}
