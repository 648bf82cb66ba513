//! A small, allocation-free Rust lexer over raw bytes, precise about comments, strings and chars.
//!
//! The lexer exists so that textual checks (cargo-gate's unsafe/FFI scanner, gate-cuda's
//! build-script reading) never mistake the word `unsafe` inside a comment, a string or a raw
//! string for the keyword. It follows the token boundaries of
//! `rustc_lexer` closely where that matters (nested block comments, raw strings with hashes, the
//! char-literal-versus-lifetime rule, raw identifiers) and is deliberately loose where it does not:
//! multi-byte operators come out as one [`TokenKind::Punct`] per byte, and malformed input is
//! lexed into *something* rather than reported.
//!
//! Input may be arbitrary bytes. Every byte `>= 0x80` is treated as an identifier character, which
//! keeps non-ASCII identifiers (`café`, `数据`) whole without decoding UTF-8 and means invalid
//! UTF-8 can never cause a panic. Whitespace is skipped and never produced as a token.

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An identifier or keyword, e.g. `foo`, `unsafe`, `数据`.
    Ident,
    /// A raw identifier such as `r#unsafe`: spelled like a keyword but never one.
    RawIdent,
    /// A lifetime or loop label, e.g. `'a`, `'static`, `'r#a`.
    Lifetime,
    /// A plain string literal `"..."` (the span includes the quotes and any suffix).
    Str,
    /// A raw string literal `r"..."` / `r#"..."#` (the span includes prefix, hashes and quotes).
    RawStr,
    /// Any other literal: numbers, chars, byte chars, byte strings, C strings and their raw forms.
    Literal,
    /// A single punctuation byte, or any byte that cannot start another token (e.g. `$`, NUL).
    Punct(u8),
    /// A line or block comment, doc comments included (`//`, `///`, `//!`, `/* */`, `/** */`).
    Comment,
}

/// One token: its kind and its byte span `start..end` in the lexed source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Byte offset of the first byte of the token.
    pub start: usize,
    /// Byte offset one past the last byte of the token.
    pub end: usize,
}

impl Token {
    /// The bytes of this token within `src`, which must be the source it was lexed from.
    ///
    /// # Panics
    ///
    /// Panics if `src` is shorter than the token's span, i.e. it is not the lexed source.
    #[must_use]
    pub fn text<'s>(&self, src: &'s [u8]) -> &'s [u8] {
        &src[self.start..self.end]
    }

    /// Whether this token is a comment (doc comments included).
    #[must_use]
    pub fn is_comment(&self) -> bool {
        self.kind == TokenKind::Comment
    }
}

/// An iterator of [`Token`]s over a byte slice of Rust source.
///
/// Cloning is cheap (a slice and an offset), which is how callers look ahead.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
}

const IDENT_START: u8 = 1;
const IDENT_CONT: u8 = 2;
const WHITESPACE: u8 = 4;
const DIGIT: u8 = 8;

/// Byte classes; one table lookup per byte keeps the identifier and whitespace loops tight.
static CLASS: [u8; 256] = build_class_table();

const fn build_class_table() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            class |= IDENT_START | IDENT_CONT;
        }
        if c.is_ascii_digit() {
            class |= IDENT_CONT | DIGIT;
        }
        // Rust's Pattern_White_Space minus the non-ASCII members, which are vanishingly rare.
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            class |= WHITESPACE;
        }
        table[b] = class;
        b += 1;
    }
    table
}

#[inline]
fn is_class(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

/// Whether `b` can continue an identifier (and so glues onto a neighbouring word).
#[inline]
pub fn is_ident_byte(b: u8) -> bool {
    is_class(b, IDENT_CONT)
}

impl<'a> Lexer<'a> {
    /// A lexer positioned at the start of `src`.
    #[must_use]
    pub fn new(src: &'a [u8]) -> Self {
        Lexer { src, pos: 0 }
    }

    /// The source being lexed.
    #[must_use]
    pub fn source(&self) -> &'a [u8] {
        self.src
    }

    /// Byte offset where lexing will resume.
    #[must_use]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Moves to byte offset `pos` (clamped to the source length).
    ///
    /// Lexing resumes as if a token ended there, so `pos` must be a token boundary outside any
    /// comment, string or char literal for the tokens to match a lex from the start; any other
    /// position still lexes without panicking.
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.src.len());
    }

    /// If `at` is a `/`, `"` or `'` at a token start outside comments and literals, and the token
    /// there can be recognised without lexing what precedes it, the token's end.
    ///
    /// `None` when a preceding identifier byte or `#` could be a literal prefix (`r#"`, `b'`,
    /// `c"`, ...) or suffix; the caller must then lex from an earlier token boundary.
    pub fn opaque_token_end(&self, at: usize) -> Option<usize> {
        let prev = if at == 0 { b' ' } else { self.src[at - 1] };
        match self.byte(at) {
            b'/' => Some(match self.byte(at + 1) {
                b'/' => self.line_comment(at),
                b'*' => self.block_comment(at),
                _ => at + 1,
            }),
            b'"' | b'\'' if prev == b'#' || is_ident_byte(prev) => None,
            b'"' => Some(self.literal_suffix(self.quoted_string(at))),
            b'\'' => Some(self.quote(at).1.clamp(at + 1, self.src.len())),
            _ => None,
        }
    }

    /// The next token that is not a comment.
    pub fn next_significant(&mut self) -> Option<Token> {
        self.find(|t| t.kind != TokenKind::Comment)
    }

    /// The byte at `i`, or 0 past the end; 0 is never a meaningful continuation byte, which
    /// lets the prefix checks below stay branch-light without bounds failures.
    #[inline]
    fn byte(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    #[inline]
    fn eat_ident_cont(&self, mut i: usize) -> usize {
        while i < self.src.len() && is_class(self.src[i], IDENT_CONT) {
            i += 1;
        }
        i
    }

    /// End of a `//` comment starting at `i`; the newline is left out so it stays whitespace.
    fn line_comment(&self, i: usize) -> usize {
        memchr::memchr(b'\n', &self.src[i..]).map_or(self.src.len(), |n| i + n)
    }

    /// End of a block comment whose `/*` starts at `i`, honouring nesting like rustc does.
    fn block_comment(&self, i: usize) -> usize {
        let src = self.src;
        let mut depth = 1usize;
        let mut i = i + 2;
        while let Some(n) = memchr::memchr2(b'*', b'/', &src[i..]) {
            let at = i + n;
            let next = self.byte(at + 1);
            if src[at] == b'*' && next == b'/' {
                depth -= 1;
                i = at + 2;
                if depth == 0 {
                    return i;
                }
            } else if src[at] == b'/' && next == b'*' {
                depth += 1;
                i = at + 2;
            } else {
                i = at + 1;
            }
        }
        src.len()
    }

    /// End of an escaped string whose opening quote is at `i` (suffix not included).
    fn quoted_string(&self, i: usize) -> usize {
        let src = self.src;
        let mut i = i + 1;
        while let Some(n) = memchr::memchr2(b'"', b'\\', &src[i..]) {
            let at = i + n;
            if src[at] == b'"' {
                return at + 1;
            }
            // A backslash escapes exactly the next byte for our purposes (`\"`, `\\`); longer
            // escapes such as `\u{..}` contain no quote or backslash, so skipping one is enough.
            i = (at + 2).min(src.len());
        }
        src.len()
    }

    /// If a raw string (`"` preceded by zero or more `#`) starts at `i`, its end.
    fn raw_string(&self, i: usize) -> Option<usize> {
        let src = self.src;
        let mut q = i;
        while q < src.len() && src[q] == b'#' {
            q += 1;
        }
        if self.byte(q) != b'"' {
            return None;
        }
        let hashes = q - i;
        let mut at = q + 1;
        while let Some(n) = memchr::memchr(b'"', &src[at..]) {
            let close = at + n + 1;
            let tail = &src[close..];
            if tail.len() >= hashes && tail[..hashes].iter().all(|&b| b == b'#') {
                return Some(close + hashes);
            }
            at = close;
        }
        Some(src.len())
    }

    /// End of a char or byte-char literal whose opening quote is at `i`, following
    /// `rustc_lexer::single_quoted_string`: an unterminated literal stops before a newline or `/`.
    fn single_quoted(&self, i: usize) -> usize {
        let src = self.src;
        if self.byte(i + 2) == b'\'' && self.byte(i + 1) != b'\\' && i + 1 < src.len() {
            return i + 3;
        }
        let mut j = i + 1;
        while j < src.len() {
            match src[j] {
                b'\'' => return j + 1,
                b'/' => return j,
                b'\n' if self.byte(j + 1) != b'\'' => return j,
                b'\\' => j += 2,
                _ => j += 1,
            }
        }
        src.len()
    }

    /// A token starting with `'`: a char literal or a lifetime, decided as `rustc_lexer` does.
    fn quote(&self, i: usize) -> (TokenKind, usize) {
        let first = self.byte(i + 1);
        let can_be_lifetime = self.byte(i + 2) != b'\''
            && i + 1 < self.src.len()
            && (is_class(first, IDENT_START) || first.is_ascii_digit());
        if !can_be_lifetime {
            let end = self.single_quoted(i);
            return (TokenKind::Literal, self.literal_suffix(end));
        }
        if first == b'r' && self.byte(i + 2) == b'#' && is_class(self.byte(i + 3), IDENT_START) {
            return (TokenKind::Lifetime, self.eat_ident_cont(i + 4));
        }
        // Bytes >= 0x80 are identifier bytes here, so `'é'` is read as a "lifetime" up to the
        // closing quote and then recognised as a char, exactly like rustc's char-level rule.
        let j = self.eat_ident_cont(i + 2);
        if self.byte(j) == b'\'' {
            (TokenKind::Literal, self.literal_suffix(j + 1))
        } else {
            (TokenKind::Lifetime, j)
        }
    }

    /// Extends a literal ending at `end` over an identifier suffix (`"x"suffix`, `'c'x`).
    ///
    /// Unterminated literals end at EOF, a newline or a `/`, none of which continue an
    /// identifier, so calling this unconditionally is harmless.
    #[inline]
    fn literal_suffix(&self, end: usize) -> usize {
        self.eat_ident_cont(end.min(self.src.len()))
    }

    /// A number starting with an ASCII digit at `i`.
    fn number(&self, i: usize) -> usize {
        let src = self.src;
        let base_prefix = src[i] == b'0' && matches!(self.byte(i + 1), b'x' | b'o' | b'b');
        if base_prefix {
            return self.eat_ident_cont(i + 2);
        }
        let mut j = i;
        while j < src.len() && (src[j].is_ascii_digit() || src[j] == b'_') {
            j += 1;
        }
        // `1.5` and `1.` are floats, but `1..2` is a range and `1.max(2)` a method call.
        if self.byte(j) == b'.' {
            let after = self.byte(j + 1);
            if after != b'.' && !is_class(after, IDENT_START) {
                j += 1;
                while j < src.len() && (src[j].is_ascii_digit() || src[j] == b'_') {
                    j += 1;
                }
            }
        }
        if matches!(self.byte(j), b'e' | b'E') {
            let sign = usize::from(matches!(self.byte(j + 1), b'+' | b'-'));
            let d = self.byte(j + 1 + sign);
            if d.is_ascii_digit() || d == b'_' {
                j += 1 + sign;
                while j < src.len() && (src[j].is_ascii_digit() || src[j] == b'_') {
                    j += 1;
                }
            }
        }
        self.eat_ident_cont(j)
    }

    /// A token starting with an identifier byte at `i`: an identifier, a raw identifier, or a
    /// prefixed literal (`r"`, `b'`, `b"`, `br"`, `c"`, `cr"`).
    fn ident_or_prefixed(&self, i: usize) -> (TokenKind, usize) {
        let b0 = self.src[i];
        let b1 = self.byte(i + 1);
        match (b0, b1) {
            (b'r', b'"' | b'#') => {
                if let Some(end) = self.raw_string(i + 1) {
                    return (TokenKind::RawStr, self.literal_suffix(end));
                }
                if b1 == b'#' && is_class(self.byte(i + 2), IDENT_START) {
                    return (TokenKind::RawIdent, self.eat_ident_cont(i + 3));
                }
            }
            (b'b', b'\'') => {
                let end = self.single_quoted(i + 1);
                return (TokenKind::Literal, self.literal_suffix(end));
            }
            (b'b' | b'c', b'"') => {
                let end = self.quoted_string(i + 1);
                return (TokenKind::Literal, self.literal_suffix(end));
            }
            (b'b' | b'c', b'r') if matches!(self.byte(i + 2), b'"' | b'#') => {
                if let Some(end) = self.raw_string(i + 2) {
                    return (TokenKind::Literal, self.literal_suffix(end));
                }
            }
            _ => {}
        }
        (TokenKind::Ident, self.eat_ident_cont(i + 1))
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let src = self.src;
        let mut i = self.pos;
        while i < src.len() && is_class(src[i], WHITESPACE) {
            i += 1;
        }
        if i >= src.len() {
            self.pos = src.len();
            return None;
        }
        let b = src[i];
        let (kind, end) = if is_class(b, IDENT_START) {
            self.ident_or_prefixed(i)
        } else if is_class(b, DIGIT) {
            (TokenKind::Literal, self.number(i))
        } else {
            match b {
                b'/' if self.byte(i + 1) == b'/' => (TokenKind::Comment, self.line_comment(i)),
                b'/' if self.byte(i + 1) == b'*' => (TokenKind::Comment, self.block_comment(i)),
                b'"' => {
                    let end = self.quoted_string(i);
                    (TokenKind::Str, self.literal_suffix(end))
                }
                b'\'' => self.quote(i),
                _ => (TokenKind::Punct(b), i + 1),
            }
        };
        // Every branch consumes at least one byte; the clamp is a cheap guard against a bug
        // turning into an infinite loop.
        let end = end.clamp(i + 1, src.len());
        self.pos = end;
        Some(Token {
            kind,
            start: i,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Lexer, TokenKind};

    /// `(kind, text)` pairs for every token of `src`.
    fn lex(src: &str) -> Vec<(TokenKind, String)> {
        Lexer::new(src.as_bytes())
            .map(|t| {
                (
                    t.kind,
                    String::from_utf8_lossy(t.text(src.as_bytes())).into_owned(),
                )
            })
            .collect()
    }

    /// Asserts that `src` lexes to exactly one token of `kind` spanning the whole input.
    fn single(src: &str, kind: TokenKind) {
        let toks = lex(src);
        assert_eq!(toks, vec![(kind, src.to_owned())], "lexing {src:?}");
    }

    #[test]
    fn comments() {
        use TokenKind::Comment;
        single("// unsafe { }", Comment);
        single("/// doc unsafe", Comment);
        single("//! inner doc", Comment);
        single("/* a /* nested */ still */", Comment);
        single("/** doc */", Comment);
        single("/**/", Comment);
        single("/*/ still open */", Comment);
        single("/* unterminated /* nested */", Comment);
        single("// to eof", Comment);
        assert_eq!(
            lex("a // c\nb"),
            vec![
                (TokenKind::Ident, "a".into()),
                (Comment, "// c".into()),
                (TokenKind::Ident, "b".into())
            ]
        );
    }

    #[test]
    fn strings() {
        use TokenKind::{Literal, RawStr, Str};
        single(r#""plain""#, Str);
        single(r#""esc \" quote""#, Str);
        single(r#""back\\""#, Str);
        single(r#""suffix"sfx"#, Str);
        single(r#""unterminated \"#, Str);
        single(r#"r"raw \""#, RawStr);
        single(r##"r#"raw " quote"#"##, RawStr);
        single(r###"r##"a "# b"##"###, RawStr);
        single(r##"r#"unterminated "##, RawStr);
        single(r#"b"bytes \" x""#, Literal);
        single(r##"br#"raw " bytes"#"##, Literal);
        single(r#"c"cstr""#, Literal);
        single(r##"cr#"raw c"#"##, Literal);
        single(r#"cr"raw c""#, Literal);
        assert_eq!(
            lex(r#""a""b""#),
            vec![(Str, r#""a""#.into()), (Str, r#""b""#.into())]
        );
    }

    #[test]
    fn chars_and_lifetimes() {
        use TokenKind::{Ident, Lifetime, Literal, Punct};
        single("'a'", Literal);
        single(r"'\''", Literal);
        single(r"'\\'", Literal);
        single(r"'\u{1F600}'", Literal);
        single("'é'", Literal);
        single("'€'", Literal);
        single("b'x'", Literal);
        single(r"b'\''", Literal);
        single("'a", Lifetime);
        single("'static", Lifetime);
        single("'r#a", Lifetime);
        single("'unsafe_a", Lifetime);
        assert_eq!(
            lex("&'a str"),
            vec![
                (Punct(b'&'), "&".into()),
                (Lifetime, "'a".into()),
                (Ident, "str".into())
            ]
        );
        assert_eq!(
            lex("'outer: loop"),
            vec![
                (Lifetime, "'outer".into()),
                (Punct(b':'), ":".into()),
                (Ident, "loop".into())
            ]
        );
        assert_eq!(
            lex("('{', '}')")
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>(),
            vec![Punct(b'('), Literal, Punct(b','), Literal, Punct(b')')]
        );
    }

    #[test]
    fn identifiers() {
        use TokenKind::{Ident, Punct, RawIdent};
        single("r#unsafe", RawIdent);
        single("unsafe_code", Ident);
        single("数据", Ident);
        single("br", Ident);
        single("r", Ident);
        assert_eq!(
            lex("r#"),
            vec![(Ident, "r".into()), (Punct(b'#'), "#".into())]
        );
        assert_eq!(
            lex("a::b"),
            vec![
                (Ident, "a".into()),
                (Punct(b':'), ":".into()),
                (Punct(b':'), ":".into()),
                (Ident, "b".into())
            ]
        );
    }

    #[test]
    fn numbers() {
        use TokenKind::{Ident, Literal, Punct};
        for n in [
            "0",
            "42u8",
            "1_000",
            "0xFF_u32",
            "0b1010",
            "0o77",
            "1.5",
            "1.",
            "1e10",
            "2.5E-3f64",
            "1f32",
        ] {
            single(n, Literal);
        }
        assert_eq!(
            lex("1..2"),
            vec![
                (Literal, "1".into()),
                (Punct(b'.'), ".".into()),
                (Punct(b'.'), ".".into()),
                (Literal, "2".into())
            ]
        );
        assert_eq!(
            lex("1.max"),
            vec![
                (Literal, "1".into()),
                (Punct(b'.'), ".".into()),
                (Ident, "max".into())
            ]
        );
    }

    #[test]
    fn spans_cover_source_without_overlap() {
        let src = "fn main() { let s = r#\"x\"#; /* c */ 'l: loop { break 'l; } }";
        let mut last = 0;
        for t in Lexer::new(src.as_bytes()) {
            assert!(t.start >= last && t.end > t.start && t.end <= src.len());
            assert!(
                src.as_bytes()[last..t.start]
                    .iter()
                    .all(u8::is_ascii_whitespace)
            );
            last = t.end;
        }
        assert_eq!(last, src.len());
    }

    #[test]
    fn never_panics_on_random_bytes() {
        // Biased towards the bytes that drive the lexer's state machine, plus arbitrary bytes.
        const ALPHABET: &[u8] = b"\"'#/*\\rbc\n _a0.e{}!u\xc3\xa9\xff";
        let mut state = crate::rng::SplitMix64::new(0x5EED_u64);
        for round in 0..20_000 {
            let len = (state.next_u64() % 48) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = state.next_u64();
                    if round % 4 == 0 {
                        r as u8
                    } else {
                        ALPHABET[(r % ALPHABET.len() as u64) as usize]
                    }
                })
                .collect();
            let lexer = Lexer::new(&bytes);
            let mut last = 0;
            for t in lexer.clone() {
                assert!(
                    t.start >= last && t.end > t.start && t.end <= bytes.len(),
                    "bad span {t:?} for {bytes:?}"
                );
                last = t.end;
                // The skimmer's shortcut must agree with the full lexer wherever it answers.
                if matches!(bytes[t.start], b'/' | b'"' | b'\'') {
                    let end = lexer.opaque_token_end(t.start);
                    assert!(
                        end.is_none_or(|e| e == t.end),
                        "{t:?} vs {end:?} in {bytes:?}"
                    );
                }
            }
        }
    }
}
