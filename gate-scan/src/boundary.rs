//! Detection of unsafe and FFI boundaries (`unsafe`, `extern`, `#[no_mangle]`, `asm!`, ...) in
//! Rust source, on top of the token stream of [`gate_support::lexer`].
//!
//! One hit is reported per construct, located at the token that introduces it:
//!
//! | Construct | Kind | Located at |
//! |---|---|---|
//! | `unsafe { .. }` | [`UnsafeBlock`](BoundaryKind::UnsafeBlock) | `unsafe` |
//! | `unsafe [const] [async] [extern ["abi"]] fn f` | [`UnsafeFn`](BoundaryKind::UnsafeFn) | `unsafe` |
//! | `unsafe impl` | [`UnsafeImpl`](BoundaryKind::UnsafeImpl) | `unsafe` |
//! | `unsafe [auto] trait` | [`UnsafeTrait`](BoundaryKind::UnsafeTrait) | `unsafe` |
//! | `unsafe extern ["abi"] { .. }` | [`UnsafeExternBlock`](BoundaryKind::UnsafeExternBlock) | `unsafe` |
//! | `extern ["abi"] { .. }` | [`ExternBlock`](BoundaryKind::ExternBlock) | `extern` |
//! | `extern ["abi"] fn f`, abi not `"Rust"` | [`ExternAbiFn`](BoundaryKind::ExternAbiFn) | `extern` |
//! | `no_mangle` inside `#[..]` / `#![..]` | [`NoMangle`](BoundaryKind::NoMangle) | `no_mangle` |
//! | `export_name` inside `#[..]` / `#![..]` | [`ExportName`](BoundaryKind::ExportName) | `export_name` |
//! | `asm!`, `global_asm!`, `naked_asm!` (also as `core::arch::asm!`) | [`Asm`](BoundaryKind::Asm), [`GlobalAsm`](BoundaryKind::GlobalAsm), [`NakedAsm`](BoundaryKind::NakedAsm) | macro name |
//!
//! Deliberate choices:
//! - `unsafe extern "C" fn f` is a single [`BoundaryKind::UnsafeFn`] hit carrying the ABI; the
//!   `extern` is part of the `unsafe` construct and is not reported again. Likewise
//!   `unsafe extern "C" { .. }` is a single [`BoundaryKind::UnsafeExternBlock`].
//! - A missing ABI means `"C"`, as in the language.
//! - Function *pointer types* (`unsafe fn(u8)`, `extern "C" fn(u8)`, i.e. `fn` directly followed
//!   by `(`) are not hits: they declare no code. Calling through one needs an `unsafe` block,
//!   which is a hit.
//! - Attributes count wherever their name appears inside `#[..]`, so `#[unsafe(no_mangle)]` and
//!   `#[cfg_attr(unix, no_mangle)]` are found too.
//! - Raw identifiers (`r#unsafe`, `r#asm`) are never keywords or macro names.
//! - Everything is lexical, with one exception: the *matchers* of a `macro_rules!` definition
//!   (the left side of each `=>`) are patterns, not code, so `unsafe`/`extern`/`asm!` there is
//!   never a hit. A *transcriber* (the right side) is code that every expansion pastes in: its
//!   constructs count, located inside the macro. A definition inside a transcriber
//!   (`macro_rules! $name { .. }` in a macro that defines macros) has patterns for matchers
//!   too. Macro invocations (`m!(unsafe { .. })`) are code and count; the bodies of the
//!   quoting macros (`quote!`, `quote_spanned!`, `parse_quote!`) count too, but are said to
//!   run elsewhere ([`Elsewhere::Emitted`]: a proc macro emits them into its users), as is
//!   every site of a file with template tags (`{% .. %}`, [`Elsewhere::Template`]).
//!
//! Speed: a file without any of the words `unsafe`, `extern`, `asm`, `no_mangle`, `export_name`
//! is rejected after a few `memmem` passes. Other files are not lexed token by token from start
//! to end; the scanner skims between the places that matter and lexes only around them, with a
//! result identical to a full lex (see `scan` below; the tests check both ways agree).

use std::sync::LazyLock;

use memchr::memmem;
use serde::{Deserialize, Serialize};

use gate_support::lexer::{Lexer, Token, TokenKind, is_ident_byte};

mod elsewhere;
pub use elsewhere::{Elsewhere, quoting_is_genuine};

/// The kind of unsafe or FFI boundary found by [`scan_source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundaryKind {
    /// `unsafe { .. }`.
    UnsafeBlock,
    /// `unsafe fn`, including `unsafe extern "ABI" fn`.
    UnsafeFn,
    /// `unsafe impl`.
    UnsafeImpl,
    /// `unsafe trait` / `unsafe auto trait`.
    UnsafeTrait,
    /// `unsafe extern "ABI" { .. }` (Rust 2024 style extern block).
    UnsafeExternBlock,
    /// `extern "ABI" { .. }` without `unsafe`.
    ExternBlock,
    /// `extern "ABI" fn` with an ABI other than `"Rust"`, not marked `unsafe`.
    ExternAbiFn,
    /// `#[no_mangle]` / `#[unsafe(no_mangle)]`.
    NoMangle,
    /// `#[export_name = ".."]` / `#[unsafe(export_name = "..")]`.
    ExportName,
    /// `asm!`.
    Asm,
    /// `global_asm!`.
    GlobalAsm,
    /// `naked_asm!`.
    NakedAsm,
}

impl BoundaryKind {
    /// Every kind, in declaration order.
    pub const ALL: [BoundaryKind; 12] = [
        BoundaryKind::UnsafeBlock,
        BoundaryKind::UnsafeFn,
        BoundaryKind::UnsafeImpl,
        BoundaryKind::UnsafeTrait,
        BoundaryKind::UnsafeExternBlock,
        BoundaryKind::ExternBlock,
        BoundaryKind::ExternAbiFn,
        BoundaryKind::NoMangle,
        BoundaryKind::ExportName,
        BoundaryKind::Asm,
        BoundaryKind::GlobalAsm,
        BoundaryKind::NakedAsm,
    ];

    /// Stable snake_case identifier, identical to the serde representation.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            BoundaryKind::UnsafeBlock => "unsafe_block",
            BoundaryKind::UnsafeFn => "unsafe_fn",
            BoundaryKind::UnsafeImpl => "unsafe_impl",
            BoundaryKind::UnsafeTrait => "unsafe_trait",
            BoundaryKind::UnsafeExternBlock => "unsafe_extern_block",
            BoundaryKind::ExternBlock => "extern_block",
            BoundaryKind::ExternAbiFn => "extern_abi_fn",
            BoundaryKind::NoMangle => "no_mangle",
            BoundaryKind::ExportName => "export_name",
            BoundaryKind::Asm => "asm",
            BoundaryKind::GlobalAsm => "global_asm",
            BoundaryKind::NakedAsm => "naked_asm",
        }
    }

    /// Short human-readable description, for reports.
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            BoundaryKind::UnsafeBlock => "unsafe block",
            BoundaryKind::UnsafeFn => "unsafe fn",
            BoundaryKind::UnsafeImpl => "unsafe impl",
            BoundaryKind::UnsafeTrait => "unsafe trait",
            BoundaryKind::UnsafeExternBlock => "unsafe extern block",
            BoundaryKind::ExternBlock => "extern block",
            BoundaryKind::ExternAbiFn => "function with non-Rust ABI",
            BoundaryKind::NoMangle => "#[no_mangle]",
            BoundaryKind::ExportName => "#[export_name]",
            BoundaryKind::Asm => "asm!",
            BoundaryKind::GlobalAsm => "global_asm!",
            BoundaryKind::NakedAsm => "naked_asm!",
        }
    }

    /// Whether the construct is spelled with the `unsafe` keyword (block, fn, impl, trait,
    /// extern block), as opposed to FFI or assembly markers.
    #[must_use]
    pub fn is_unsafe_keyword(&self) -> bool {
        matches!(
            self,
            BoundaryKind::UnsafeBlock
                | BoundaryKind::UnsafeFn
                | BoundaryKind::UnsafeImpl
                | BoundaryKind::UnsafeTrait
                | BoundaryKind::UnsafeExternBlock
        )
    }
}

impl std::fmt::Display for BoundaryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// One boundary found in a source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BoundaryHit {
    /// What was found.
    pub kind: BoundaryKind,
    /// 1-based line of the introducing token.
    pub line: u32,
    /// 1-based column of the introducing token, counted in chars (UTF-8 scalar values) as rustc
    /// does; a tab counts as one.
    pub column: u32,
    /// The ABI for extern constructs (`"C"` when omitted in the source); `None` otherwise.
    pub abi: Option<String>,
    /// Where the code runs when not in the crate whose file holds it (a proc macro's output,
    /// a template's text); `None` for the crate's own code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elsewhere: Option<Elsewhere>,
}

/// Needle words, in the order [`Targets`] indexes them: the first three are what the skimming
/// scanner jumps between; the last two only decide whether attributes must be tracked.
/// `global_asm` and `naked_asm` are found through `asm`.
///
/// `unsafe` is searched as `unsaf` (and the `e` checked afterwards): memchr's rare-byte-pair
/// heuristic picks a pair that is common in Rust code for `unsafe`, and `unsaf` runs about
/// twice as fast.
static FINDERS: LazyLock<[memmem::Finder<'static>; 5]> = LazyLock::new(|| {
    [
        memmem::Finder::new("unsaf"),
        memmem::Finder::new("extern"),
        memmem::Finder::new("asm"),
        memmem::Finder::new("no_mangle"),
        memmem::Finder::new("export_name"),
    ]
});
const NEEDLE: [&[u8]; 5] = [b"unsafe", b"extern", b"asm", b"no_mangle", b"export_name"];
const ASM: usize = 2;
const NONE: usize = usize::MAX;

/// Finds every unsafe/FFI boundary in one Rust source file, in source order.
///
/// `src` may be any bytes (invalid UTF-8 is fine); the function never panics. See the module
/// documentation for what counts and where each hit is located.
///
/// Files containing none of the needle words return without lexing anything.
#[must_use]
pub fn scan_source(src: &[u8]) -> Vec<BoundaryHit> {
    scan(src, false)
}

/// The scanner proper.
///
/// Unless `lex_all` is set (tests compare both ways) it skims. Between *targets* (whole needle
/// words, and `#` when the file has an attribute word) the only bytes that matter are those
/// that can open a comment, string or char literal (`/`, `"`, `'`): the skimmer jumps from one
/// to the next with `memchr3`, steps over each such token with the lexer's own routines, and
/// runs the full lexer only from the last whitespace before a target (or before a literal with
/// a possible prefix such as `r#"`) up to the token containing it. Outside those tokens
/// whitespace always separates tokens, so every token the skimmer produces is exactly the
/// token a lex from the start would produce, and the skipped spans hold only plain code tokens
/// that no rule looks at. Attributes are lexed whole once their `#` is reached, so "inside
/// `#[..]`" is tracked exactly too.
fn scan(src: &[u8], lex_all: bool) -> Vec<BoundaryHit> {
    let mut hits = Vec::new();
    // Matchers of `macro_rules!` definitions are patterns: nothing in them is a hit.
    let matchers = if memmem::find(src, b"macro_rules").is_some() {
        macro_matchers(src)
    } else {
        Vec::new()
    };
    // Where each hit starts, to say afterwards which run elsewhere.
    let mut starts = Vec::new();
    let mut targets = Targets::new(src);
    let mut cursor = LineCursor::default();
    let mut lexer = Lexer::new(src);
    // The two previous significant tokens, enough to recognise `#[` and `#![`.
    let mut prev1: Option<TokenKind> = None;
    let mut prev2: Option<TokenKind> = None;
    // Bracket depth inside an attribute; 0 outside attributes.
    let mut attr_depth = 0u32;
    // While skimming: the lexer runs token by token until its position passes this offset.
    let mut skim_from = 0usize;
    loop {
        let in_attr = attr_depth > 0 || matches!(prev1, Some(TokenKind::Punct(b'#' | b'!')));
        if !lex_all && lexer.position() >= skim_from && !(targets.attrs && in_attr) {
            // Jump from comment/string/char to comment/string/char until the next target, or
            // until one of them needs the preceding bytes to be lexed properly.
            let mut pos = lexer.position();
            let Some(mut next) = targets.next(pos) else {
                break;
            };
            let target = loop {
                let Some(n) = memchr::memchr3(b'"', b'\'', b'/', &src[pos..next]) else {
                    break Some(next);
                };
                match lexer.opaque_token_end(pos + n) {
                    Some(end) => pos = end,
                    None => break Some(pos + n),
                }
                // The token may have swallowed the target (a word inside a comment or string).
                if pos > next {
                    match targets.next(pos) {
                        Some(t) => next = t,
                        None => break None,
                    }
                }
            };
            let Some(target) = target else {
                break;
            };
            skim_from = target + 1;
            // Usually the target directly follows whitespace or the previous token; only
            // otherwise search back for the nearest whitespace.
            let boundary = if target == pos || matches!(src[target - 1], b' ' | b'\n' | b'\t') {
                target
            } else {
                memchr::memrchr3(b' ', b'\n', b'\t', &src[pos..target]).map_or(pos, |n| pos + n + 1)
            };
            lexer.seek(boundary);
        }
        let Some(tok) = lexer.next() else {
            break;
        };
        let found = match tok.kind {
            TokenKind::Comment => continue,
            TokenKind::Ident => classify_ident(src, tok, &mut lexer, attr_depth > 0),
            TokenKind::Punct(b'[') => {
                if attr_depth > 0 {
                    attr_depth += 1;
                } else if prev1 == Some(TokenKind::Punct(b'#'))
                    || (prev1 == Some(TokenKind::Punct(b'!'))
                        && prev2 == Some(TokenKind::Punct(b'#')))
                {
                    attr_depth = 1;
                }
                None
            }
            TokenKind::Punct(b']') => {
                attr_depth = attr_depth.saturating_sub(1);
                None
            }
            _ => None,
        };
        if let Some((kind, abi)) = found
            && !matchers
                .iter()
                .any(|&(start, end)| (start..end).contains(&tok.start))
        {
            let (line, column) = cursor.locate(src, tok.start);
            starts.push(tok.start);
            hits.push(BoundaryHit {
                kind,
                line,
                column,
                abi,
                elsewhere: None,
            });
        }
        prev2 = prev1;
        prev1 = Some(tok.kind);
    }
    // Only a file with sites is asked whether it is a template or quotes code: the many
    // without cost nothing more.
    if !hits.is_empty() {
        let template = elsewhere::is_template(src);
        let quoted = if template {
            Vec::new()
        } else {
            elsewhere::quoted_ranges(src)
        };
        for (hit, start) in hits.iter_mut().zip(starts) {
            let inside = quoted.iter().any(|&(a, b)| (a..b).contains(&start));
            hit.elsewhere = match (template, inside) {
                (true, _) => Some(Elsewhere::Template),
                (false, true) => Some(Elsewhere::Emitted),
                (false, false) => None,
            };
        }
    }
    hits
}

/// The byte ranges of the matchers of every `macro_rules! name { (matcher) => {..}; .. }` in
/// `src` (any of `()`, `[]`, `{}` for the body, the matchers and the transcribers), including
/// definitions nested in a transcriber (a macro that defines macros). A full lex, done only
/// for files that mention `macro_rules`.
fn macro_matchers(src: &[u8]) -> Vec<(usize, usize)> {
    let tokens: Vec<Token> = Lexer::new(src)
        .filter(|t| t.kind != TokenKind::Comment)
        .collect();
    let is_open = |t: &Token| matches!(t.kind, TokenKind::Punct(b'(' | b'[' | b'{'));
    let is_close = |t: &Token| matches!(t.kind, TokenKind::Punct(b')' | b']' | b'}'));
    let mut ranges = Vec::new();
    let mut i = 0;
    while i + 3 < tokens.len() {
        let is_ident = |k: usize| {
            tokens
                .get(k)
                .is_some_and(|t| matches!(t.kind, TokenKind::Ident | TokenKind::RawIdent))
        };
        // The name, or a metavariable (`macro_rules! $name`) in a macro that defines macros.
        let name_end = if is_ident(i + 2) {
            i + 3
        } else if tokens[i + 2].kind == TokenKind::Punct(b'$') && is_ident(i + 3) {
            i + 4
        } else {
            usize::MAX
        };
        let starts_definition = tokens[i].kind == TokenKind::Ident
            && tokens[i].text(src) == b"macro_rules"
            && tokens[i + 1].kind == TokenKind::Punct(b'!')
            && tokens.get(name_end).is_some_and(is_open);
        if !starts_definition {
            i += 1;
            continue;
        }
        // Inside the body: at depth 1 the groups alternate matcher, transcriber.
        let mut depth = 1u32;
        let mut j = name_end + 1;
        let mut matcher = true;
        let mut group_start = None;
        while j < tokens.len() && depth > 0 {
            let t = &tokens[j];
            if is_open(t) {
                if depth == 1 {
                    group_start = Some(t.start);
                }
                depth += 1;
            } else if is_close(t) {
                depth -= 1;
                if depth == 1 {
                    if let (true, Some(start)) = (matcher, group_start) {
                        ranges.push((start, t.end));
                    }
                    matcher = !matcher;
                    group_start = None;
                }
            }
            j += 1;
        }
        // Not past the body: a transcriber may itself define a macro, whose matchers are
        // patterns too.
        i = name_end + 1;
    }
    ranges
}

/// Whether `src[at..at + len]` is a whole word, not part of a longer identifier.
fn is_whole_word(src: &[u8], at: usize, len: usize) -> bool {
    let before = at == 0 || !is_ident_byte(src[at - 1]);
    let after = src.get(at + len).is_none_or(|&b| !is_ident_byte(b));
    before && after
}

/// Whether `no_mangle` or `export_name` occurs as a whole word anywhere in `src`.
fn has_attribute_word(src: &[u8]) -> bool {
    (3..5).any(|i| {
        FINDERS[i]
            .find_iter(src)
            .any(|at| is_whole_word(src, at, NEEDLE[i].len()))
    })
}

/// Lazily enumerates skim targets: whole-word occurrences of `unsafe`, `extern`, `asm`,
/// `global_asm` and `naked_asm`, plus every `#` when the file has an attribute word. Each search
/// resumes where it left off, so the file is searched once per needle.
#[derive(Debug)]
struct Targets<'a> {
    src: &'a [u8],
    /// Whether `#` is a target, i.e. `no_mangle` or `export_name` occurs as a whole word.
    attrs: bool,
    /// Next raw occurrence of each of the first three needles at or after the last query
    /// position, or [`NONE`] once there are no more.
    next: [usize; 3],
    /// Next `#` at or after the last query position ([`NONE`] when exhausted or not a target).
    next_hash: usize,
}

impl<'a> Targets<'a> {
    fn new(src: &'a [u8]) -> Self {
        let mut next = [NONE; 3];
        for (i, slot) in next.iter_mut().enumerate() {
            *slot = FINDERS[i].find(src).unwrap_or(NONE);
        }
        let attrs = has_attribute_word(src);
        let next_hash = if attrs {
            memchr::memchr(b'#', src).unwrap_or(NONE)
        } else {
            NONE
        };
        Targets {
            src,
            attrs,
            next,
            next_hash,
        }
    }

    /// The first target at or after `pos`.
    fn next(&mut self, pos: usize) -> Option<usize> {
        if self.next_hash < pos {
            self.next_hash = memchr::memchr(b'#', &self.src[pos..]).map_or(NONE, |n| pos + n);
        }
        let word = self.next_word(pos).unwrap_or(NONE);
        let next = word.min(self.next_hash);
        (next != NONE).then_some(next)
    }

    /// Start of the first whole needle word at or after `pos`.
    fn next_word(&mut self, mut pos: usize) -> Option<usize> {
        let src = self.src;
        loop {
            let mut best = NONE;
            let mut which = 0;
            for i in 0..3 {
                if self.next[i] < pos {
                    self.next[i] = FINDERS[i].find(&src[pos..]).map_or(NONE, |n| pos + n);
                }
                if self.next[i] < best {
                    best = self.next[i];
                    which = i;
                }
            }
            if best == NONE {
                return None;
            }
            let len = NEEDLE[which].len();
            if !src[best..].starts_with(NEEDLE[which]) {
                pos = best + 1;
                continue;
            }
            if is_whole_word(src, best, len) {
                return Some(best);
            }
            if which == ASM {
                for prefix in [&b"global_"[..], b"naked_"] {
                    if let Some(start) = best.checked_sub(prefix.len())
                        && start >= pos
                        && src[start..best] == *prefix
                        && is_whole_word(src, start, prefix.len() + len)
                    {
                        return Some(start);
                    }
                }
            }
            pos = best + 1;
        }
    }
}

type Found = Option<(BoundaryKind, Option<String>)>;

/// Classifies an identifier token; may advance `lexer` past tokens it has consumed as part of
/// the construct (the `extern "C"` of `unsafe extern "C" fn`), so they are not reported again.
#[inline]
fn classify_ident(src: &[u8], tok: Token, lexer: &mut Lexer<'_>, in_attr: bool) -> Found {
    let text = tok.text(src);
    // Cheap length/first-byte gate: almost every identifier is rejected here.
    match (text.len(), text.first().copied().unwrap_or(0)) {
        (6, b'u') if text == b"unsafe" => classify_unsafe(src, lexer),
        (6, b'e') if text == b"extern" => {
            let mut la = lexer.clone();
            classify_extern(src, &mut la).map(|(kind, abi)| (kind, Some(abi)))
        }
        (3, b'a') if text == b"asm" => macro_bang(src, lexer, BoundaryKind::Asm),
        (10, b'g') if text == b"global_asm" => macro_bang(src, lexer, BoundaryKind::GlobalAsm),
        (9, b'n') if text == b"naked_asm" => macro_bang(src, lexer, BoundaryKind::NakedAsm),
        (9, b'n') if in_attr && text == b"no_mangle" => Some((BoundaryKind::NoMangle, None)),
        (11, b'e') if in_attr && text == b"export_name" => Some((BoundaryKind::ExportName, None)),
        _ => None,
    }
}

/// `name` followed by a `!` that is not the start of `!=`.
fn macro_bang(src: &[u8], lexer: &Lexer<'_>, kind: BoundaryKind) -> Found {
    let mut la = lexer.clone();
    let bang = la.next_significant()?;
    let is_macro = bang.kind == TokenKind::Punct(b'!') && src.get(bang.end) != Some(&b'=');
    is_macro.then_some((kind, None))
}

/// Whether the `fn` just consumed from `la` starts a function pointer type, i.e. `fn(`.
fn is_fn_pointer(la: &Lexer<'_>) -> bool {
    la.clone()
        .next_significant()
        .is_some_and(|t| t.kind == TokenKind::Punct(b'('))
}

/// The text of an ABI string literal token, without quotes, hashes or suffix.
fn abi_text(src: &[u8], tok: Token) -> Option<String> {
    let text = tok.text(src);
    let open = memchr::memchr(b'"', text)?;
    let close = memchr::memrchr(b'"', text)?;
    let body = text.get(open + 1..close).unwrap_or_default();
    Some(String::from_utf8_lossy(body).into_owned())
}

/// After `extern` (already consumed from `la`): an ExternBlock or ExternAbiFn, with its ABI.
/// Leaves `la` after the ABI string when there is one.
fn classify_extern(src: &[u8], la: &mut Lexer<'_>) -> Option<(BoundaryKind, String)> {
    let mut next = la.next_significant()?;
    let mut abi = String::from("C");
    if matches!(next.kind, TokenKind::Str | TokenKind::RawStr) {
        abi = abi_text(src, next)?;
        next = la.next_significant()?;
    }
    match next.kind {
        TokenKind::Punct(b'{') => Some((BoundaryKind::ExternBlock, abi)),
        TokenKind::Ident if next.text(src) == b"fn" && abi != "Rust" && !is_fn_pointer(la) => {
            Some((BoundaryKind::ExternAbiFn, abi))
        }
        _ => None,
    }
}

/// After the keyword `unsafe`. On a hit whose construct includes `extern`, `lexer` is moved past
/// the `extern` and its ABI so the main loop does not report them a second time.
fn classify_unsafe(src: &[u8], lexer: &mut Lexer<'_>) -> Found {
    let mut la = lexer.clone();
    let mut abi: Option<String> = None;
    let mut resume: Option<Lexer<'_>> = None;
    let found = loop {
        let tok = la.next_significant()?;
        match tok.kind {
            TokenKind::Punct(b'{') if abi.is_some() => break BoundaryKind::UnsafeExternBlock,
            TokenKind::Punct(b'{') => break BoundaryKind::UnsafeBlock,
            TokenKind::Ident => match tok.text(src) {
                b"fn" if is_fn_pointer(&la) => return None,
                b"fn" => break BoundaryKind::UnsafeFn,
                b"impl" => break BoundaryKind::UnsafeImpl,
                b"trait" => break BoundaryKind::UnsafeTrait,
                // `unsafe auto trait`, and qualifier orders rustc would reject but a reader
                // would still call an unsafe fn.
                b"auto" | b"const" | b"async" | b"safe" => {}
                b"extern" if abi.is_none() => {
                    let mut after_abi = la.clone();
                    let t = after_abi.next_significant();
                    match t {
                        Some(t) if matches!(t.kind, TokenKind::Str | TokenKind::RawStr) => {
                            abi = abi_text(src, t);
                            la = after_abi;
                        }
                        _ => abi = Some(String::from("C")),
                    }
                    resume = Some(la.clone());
                }
                _ => return None,
            },
            _ => return None,
        }
    };
    if let Some(resume) = resume {
        *lexer = resume;
    }
    let abi = match found {
        BoundaryKind::UnsafeFn | BoundaryKind::UnsafeExternBlock => abi,
        _ => None,
    };
    Some((found, abi))
}

/// Converts increasing byte offsets to 1-based (line, char column), scanning each byte once.
#[derive(Debug, Default)]
struct LineCursor {
    /// Offset up to which `line` and `column` are known.
    pos: usize,
    /// 0-based line at `pos`.
    line: u32,
    /// 0-based char column at `pos`.
    column: u32,
}

impl LineCursor {
    fn locate(&mut self, src: &[u8], offset: usize) -> (u32, u32) {
        let offset = offset.min(src.len());
        if offset >= self.pos {
            let span = &src[self.pos..offset];
            let mut line_start = 0;
            for nl in memchr::memchr_iter(b'\n', span) {
                self.line = self.line.saturating_add(1);
                self.column = 0;
                line_start = nl + 1;
            }
            self.column = self.column.saturating_add(count_chars(&span[line_start..]));
            self.pos = offset;
        }
        (self.line.saturating_add(1), self.column.saturating_add(1))
    }
}

/// Number of UTF-8 scalar values in `bytes`, counting every non-continuation byte so that
/// invalid UTF-8 still yields a sensible number.
fn count_chars(bytes: &[u8]) -> u32 {
    let n = bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::{BoundaryHit, BoundaryKind, scan_source};
    use BoundaryKind::*;

    /// Scans `src` and compares `(kind, line, column, abi)` of every hit with `expect`.
    #[track_caller]
    fn check(src: &str, expect: &[(BoundaryKind, u32, u32, Option<&str>)]) {
        let got: Vec<_> = scan_source(src.as_bytes())
            .into_iter()
            .map(
                |BoundaryHit {
                     kind,
                     line,
                     column,
                     abi,
                     ..
                 }| (kind, line, column, abi),
            )
            .collect();
        let want: Vec<_> = expect
            .iter()
            .map(|&(k, l, c, a)| (k, l, c, a.map(str::to_owned)))
            .collect();
        assert_eq!(got, want, "scanning {src:?}");
    }

    /// Only the kinds, for cases where the location is obvious.
    #[track_caller]
    fn kinds(src: &str, expect: &[BoundaryKind]) {
        let got: Vec<_> = scan_source(src.as_bytes())
            .into_iter()
            .map(|h| h.kind)
            .collect();
        assert_eq!(got, expect, "scanning {src:?}");
    }

    /// uniffi: `unsafe` inside `quote!` is emitted into the macro's users; a `.rs` file with
    /// askama's tags is a template. Both are found, and said to run elsewhere; the crate's
    /// own code beside them is its own.
    #[test]
    fn quoted_and_templated_sites_run_elsewhere() {
        let elsewhere = |src: &str| -> Vec<(u32, Option<super::Elsewhere>)> {
            scan_source(src.as_bytes())
                .into_iter()
                .map(|h| (h.line, h.elsewhere))
                .collect()
        };
        assert_eq!(
            elsewhere(
                "fn g(t: u8) {\n    let _ = quote! { unsafe impl Send for #t {} };\n    unsafe { h() }\n}\n"
            ),
            [(2, Some(super::Elsewhere::Emitted)), (3, None)]
        );
        assert_eq!(
            elsewhere("{% if a %}\nunsafe fn f() {}\n{% endif %}\n"),
            [(2, Some(super::Elsewhere::Template))]
        );
    }

    #[test]
    fn unsafe_constructs() {
        check("fn f() { unsafe { g() } }", &[(UnsafeBlock, 1, 10, None)]);
        check("unsafe fn f() {}", &[(UnsafeFn, 1, 1, None)]);
        check("pub unsafe fn f() {}", &[(UnsafeFn, 1, 5, None)]);
        check("const unsafe fn f() {}", &[(UnsafeFn, 1, 7, None)]);
        check("async unsafe fn f() {}", &[(UnsafeFn, 1, 7, None)]);
        check("unsafe const fn f() {}", &[(UnsafeFn, 1, 1, None)]);
        check("unsafe impl Send for X {}", &[(UnsafeImpl, 1, 1, None)]);
        check(
            "unsafe impl<T> Sync for X<T> {}",
            &[(UnsafeImpl, 1, 1, None)],
        );
        check("pub unsafe trait T {}", &[(UnsafeTrait, 1, 5, None)]);
        check("unsafe auto trait T {}", &[(UnsafeTrait, 1, 1, None)]);
        check(
            "unsafe extern \"C\" { fn f(); }",
            &[(UnsafeExternBlock, 1, 1, Some("C"))],
        );
        check(
            "unsafe extern { safe fn f(); }",
            &[(UnsafeExternBlock, 1, 1, Some("C"))],
        );
        check("unsafe /* c */ { }", &[(UnsafeBlock, 1, 1, None)]);
        check("unsafe // c\n{ }", &[(UnsafeBlock, 1, 1, None)]);
    }

    #[test]
    fn unsafe_extern_fn_is_one_hit() {
        check(
            "pub unsafe extern \"C\" fn f() {}",
            &[(UnsafeFn, 1, 5, Some("C"))],
        );
        check("unsafe extern fn f() {}", &[(UnsafeFn, 1, 1, Some("C"))]);
        check(
            "unsafe extern \"system\" fn f() {}",
            &[(UnsafeFn, 1, 1, Some("system"))],
        );
        check(
            "unsafe extern \"Rust\" fn f() {}",
            &[(UnsafeFn, 1, 1, Some("Rust"))],
        );
        check(
            "unsafe extern r\"C-unwind\" fn f() {}",
            &[(UnsafeFn, 1, 1, Some("C-unwind"))],
        );
    }

    #[test]
    fn extern_constructs() {
        check(
            "extern \"C\" { fn f(); }",
            &[(ExternBlock, 1, 1, Some("C"))],
        );
        check("extern { fn f(); }", &[(ExternBlock, 1, 1, Some("C"))]);
        check(
            "extern \"system\" { }",
            &[(ExternBlock, 1, 1, Some("system"))],
        );
        check(
            "pub extern \"C\" fn f() {}",
            &[(ExternAbiFn, 1, 5, Some("C"))],
        );
        check("extern fn f() {}", &[(ExternAbiFn, 1, 1, Some("C"))]);
        check(
            "const extern \"C-unwind\" fn f() {}",
            &[(ExternAbiFn, 1, 7, Some("C-unwind"))],
        );
        check(
            "extern /* abi */ \"C\" /* x */ fn f() {}",
            &[(ExternAbiFn, 1, 1, Some("C"))],
        );
        kinds("extern \"Rust\" fn f() {}", &[]);
        kinds("extern crate foo;", &[]);
        kinds("extern crate foo as bar;", &[]);
    }

    #[test]
    fn function_pointer_types_are_not_hits() {
        kinds("type F = unsafe fn(u8);", &[]);
        kinds("type F = unsafe extern \"C\" fn(u8) -> u8;", &[]);
        kinds("type F = extern \"C\" fn(u8);", &[]);
        kinds("type F = extern fn();", &[]);
    }

    #[test]
    fn attributes() {
        check("#[no_mangle]\nfn f() {}", &[(NoMangle, 1, 3, None)]);
        check(
            "#[unsafe(no_mangle)]\nfn f() {}",
            &[(NoMangle, 1, 10, None)],
        );
        check("#![no_mangle]", &[(NoMangle, 1, 4, None)]);
        check("# [ no_mangle ]", &[(NoMangle, 1, 5, None)]);
        check(
            "#[export_name = \"x\"]\nfn f() {}",
            &[(ExportName, 1, 3, None)],
        );
        check(
            "#[unsafe(export_name = \"x\")]\nfn f() {}",
            &[(ExportName, 1, 10, None)],
        );
        check(
            "#[cfg_attr(unix, unsafe(no_mangle))]",
            &[(NoMangle, 1, 25, None)],
        );
        check(
            "#[unsafe(no_mangle)]\npub extern \"C\" fn f() {}",
            &[(NoMangle, 1, 10, None), (ExternAbiFn, 2, 5, Some("C"))],
        );
        kinds("fn no_mangle() { let export_name = 1; no_mangle(); }", &[]);
        kinds("let a = [no_mangle];", &[]);
        kinds("#[doc = \"no_mangle\"]", &[]);
        kinds("#[allow(clippy::no_mangle_with_rust_abi)]", &[]);
    }

    #[test]
    fn asm_macros() {
        check("asm!(\"nop\");", &[(Asm, 1, 1, None)]);
        check("core::arch::asm!(\"nop\");", &[(Asm, 1, 13, None)]);
        check("std::arch::global_asm!(\"\");", &[(GlobalAsm, 1, 12, None)]);
        check("naked_asm!(\"ret\")", &[(NakedAsm, 1, 1, None)]);
        check("asm ! (\"nop\")", &[(Asm, 1, 1, None)]);
        check(
            "unsafe { asm!(\"nop\") }",
            &[(UnsafeBlock, 1, 1, None), (Asm, 1, 10, None)],
        );
        kinds("fn asm() {} let asm = 1; asm(); x.asm;", &[]);
        kinds("if asm != 0 {}", &[]);
        kinds("r#asm!()", &[]);
        kinds("macro_rules! asm { () => {} }", &[]);
    }

    #[test]
    fn decoys() {
        let decoys = [
            "// unsafe { }",
            "/// unsafe fn documented() {}",
            "//! unsafe impl Send",
            "/* unsafe { /* nested unsafe { */ unsafe fn */",
            "/** unsafe trait */",
            "let s = \"unsafe { }\";",
            "let s = \"escaped \\\" unsafe { \\\\\";",
            "let s = r\"unsafe { }\";",
            "let s = r#\"unsafe \" { }\"#;",
            "let s = r##\"a \"# unsafe { \"##;",
            "let s = b\"unsafe { }\";",
            "let s = br#\"unsafe { \"#;",
            "let s = c\"extern \\\"C\\\" { }\";",
            "let s = cr\"asm!()\";",
            "let c = '{'; let q = '\\''; let u = 'u';",
            "let unsafe_code = 1;",
            "fn my_unsafe() {}",
            "let r#unsafe = { 1 };",
            "r#unsafe { }",
            "#![forbid(unsafe_code)]",
            "#![deny(unsafe_op_in_unsafe_fn)]",
            "extern crate foo;",
            "fn f<'unsafe_a>(x: &'unsafe_a str) {}",
            "'unsafe_label: loop { break 'unsafe_label; }",
            "let x = externally; let y = unsafely;",
            "macro_rules! m { ($(unsafe)?) => {} }",
        ];
        for src in decoys {
            kinds(src, &[]);
        }
    }

    #[test]
    fn raw_string_with_hash_quote_then_real_unsafe() {
        check(
            "let s = r##\"x \"# y\"##; unsafe {}",
            &[(UnsafeBlock, 1, 24, None)],
        );
        check("let s = \"\\\\\"; unsafe {}", &[(UnsafeBlock, 1, 15, None)]);
        check(
            "/* /* */ unsafe {} */ unsafe {}",
            &[(UnsafeBlock, 1, 23, None)],
        );
        check("let c = '\"'; unsafe {}", &[(UnsafeBlock, 1, 14, None)]);
    }

    #[test]
    fn lines_and_char_columns() {
        check(
            "fn f() {\n    unsafe {}\n}\n\tunsafe impl X for Y {}",
            &[(UnsafeBlock, 2, 5, None), (UnsafeImpl, 4, 2, None)],
        );
        // `é` and `日本` are 2 and 6 bytes but 1 and 2 chars.
        check(
            "let é = \"日本\"; unsafe { }",
            &[(UnsafeBlock, 1, 15, None)],
        );
        check(
            "// 😀😀\nlet s = \"😀\"; unsafe {} unsafe {}\n😀 unsafe {}",
            &[
                (UnsafeBlock, 2, 14, None),
                (UnsafeBlock, 2, 24, None),
                (UnsafeBlock, 3, 3, None),
            ],
        );
        check("\r\nunsafe {}", &[(UnsafeBlock, 2, 1, None)]);
    }

    #[test]
    fn invalid_utf8_and_truncated_input() {
        let mut src = b"\xff\xfe unsafe { } \"unterminated unsafe {".to_vec();
        let hits = scan_source(&src);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].line, hits[0].column), (1, 4));
        src.truncate(12);
        for cut in 0..src.len() {
            let _ = scan_source(&src[..cut]);
        }
        kinds("/* unsafe {", &[]);
        kinds("unsafe", &[]);
        kinds("unsafe extern \"C", &[]);
        kinds("#[", &[]);
    }

    #[test]
    fn targets_are_whole_needle_words() {
        fn targets(src: &str) -> Vec<&str> {
            let mut t = super::Targets::new(src.as_bytes());
            let mut found = Vec::new();
            let mut pos = 0;
            while let Some(at) = t.next(pos) {
                found.push(&src[at..]);
                pos = at + 1;
            }
            found
        }
        assert!(targets("fn main() { println!(\"hi\"); }").is_empty());
        assert!(targets("unsafe_code my_unsafe unsaf unsafer xasm asm_ externs").is_empty());
        assert_eq!(
            targets("a unsafe b global_asm c naked_asm d asm e extern"),
            [
                "unsafe b global_asm c naked_asm d asm e extern",
                "global_asm c naked_asm d asm e extern",
                "naked_asm d asm e extern",
                "asm e extern",
                "extern"
            ]
        );
        // With an attribute word present, every `#` is a target too.
        assert_eq!(targets("#[no_mangle] # x"), ["#[no_mangle] # x", "# x"]);
    }

    #[test]
    fn kind_ids_match_serde() {
        for kind in BoundaryKind::ALL {
            let json = serde_json::to_string(&kind).expect("serialize");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert!(!kind.describe().is_empty());
        }
        let hit = BoundaryHit {
            kind: ExternBlock,
            line: 3,
            column: 7,
            abi: Some("C".into()),
            elsewhere: None,
        };
        assert_eq!(
            serde_json::to_string(&hit).expect("serialize"),
            r#"{"kind":"extern_block","line":3,"column":7,"abi":"C"}"#
        );
    }

    /// Pieces that exercise every lexer state and every rule; random sequences of them feed
    /// the differential test below. Those from `UNBALANCED` on open a comment or literal that
    /// may swallow the rest of the input.
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "unsafe", "extern", "\"C\"", "r#\"C\"#", "fn", "impl", "trait", "crate", "{", "}", "(",
        ")", "#", "!", "[", "]", "=", "asm", "global_asm", "core::arch::asm", "unsafe_code",
        "r#unsafe", "'a", "'a'", "'\\''", "b'x'", "\"s\\\"\"", "r\"x\"", "br\"y\"", "c\"z\"",
        "/* c */", "// c\n", "/", "\n", " ", "\t", "x", "é", "\u{ff}", "1.5",
        "unsafe {", "unsafe fn f", "unsafe impl", "extern \"C\" {", "extern fn g", "asm!()",
        "unsafe extern {", "unsafe extern \"C\" fn k", "unsafe auto trait",
        "no_mangle", "export_name", "#[no_mangle]", "#[unsafe(export_name = \"e\")]", "#![",
        "#[cfg_attr(x, unsafe(no_mangle))]", "# [", "r#\"#[no_mangle]\"#",
        // UNBALANCED
        "\"", "r#\"", "\"#", "/*", "*/", "//", "'",
    ];
    const UNBALANCED: usize = PIECES.len() - 7;

    #[test]
    fn skimming_matches_full_lexing_on_random_token_soup() {
        let mut state = gate_support::rng::SplitMix64::new(42u64);
        let mut with_hits = 0;
        for round in 0..20_000 {
            let len = 1 + state.next_u64() % 24;
            let choices = if round % 2 == 0 {
                PIECES.len()
            } else {
                UNBALANCED
            } as u64;
            let mut src = String::new();
            for _ in 0..len {
                let r = state.next_u64();
                src.push_str(PIECES[(r % choices) as usize]);
                if r & 0x100 != 0 {
                    src.push(' ');
                }
            }
            let skimmed = super::scan(src.as_bytes(), false);
            let full = super::scan(src.as_bytes(), true);
            assert_eq!(skimmed, full, "skim and full lex disagree on {src:?}");
            for hit in &full {
                assert!(hit.line >= 1 && hit.column >= 1);
            }
            with_hits += usize::from(!full.is_empty());
        }
        // The soup must actually exercise the rules, not just decoys.
        assert!(with_hits > 4_000, "only {with_hits} inputs had hits");
    }

    #[test]
    fn skimming_matches_full_lexing_on_fixed_inputs() {
        let src = "//! unsafe docs\nuse x::asm;\n\
            /* unsafe { /* */ } */ fn f<'a>(s: &'a str) -> char { let c = '\\''; 'x' }\n\
            const S: &str = r##\"unsafe \"# extern \"C\" {\"##; unsafe impl<'b> Send for X<'b> {}\n\
            pub unsafe extern \"C\" fn g() { unsafe { core::arch::asm!(\"nop\") } }\n\
            extern \"C\" { fn h(); } let r#unsafe = b'\"'; extern crate y; unsafe {}\n\
            #[doc = \"#[no_mangle]\"] #[unsafe(no_mangle)] fn i() {} let a = [no_mangle];\n\
            #![cfg_attr(all(), export_name = \"z\")] # /* c */ [ no_mangle ]";
        let full = super::scan(src.as_bytes(), true);
        assert_eq!(super::scan(src.as_bytes(), false), full);
        assert_eq!(
            full.iter().map(|h| h.kind).collect::<Vec<_>>(),
            [
                UnsafeImpl,
                UnsafeFn,
                UnsafeBlock,
                Asm,
                ExternBlock,
                UnsafeBlock,
                NoMangle,
                ExportName,
                NoMangle,
            ]
        );
    }

    #[test]
    fn macro_rules_matchers_are_patterns_and_transcribers_are_code() {
        // A matcher with `unsafe`: no hit.
        check(
            "macro_rules! m {\n    (unsafe $e:expr) => { $e };\n}\n",
            &[],
        );
        // A transcriber with an unsafe block: one hit, where it is written.
        check(
            "macro_rules! m {\n    ($e:expr) => { unsafe { $e } };\n}\n",
            &[(UnsafeBlock, 2, 20, None)],
        );
        // Mixed, nested delimiters and repetitions in the matcher, `[]` matchers in a `()`
        // body, several rules.
        check(
            "macro_rules! m (\n    [$( (unsafe extern \"C\" $t:tt) ),*] => { 1 };\n    {asm!()} => { extern \"C\" { fn f(); } };\n);\n",
            &[(ExternBlock, 3, 19, Some("C"))],
        );
        // An invocation is code.
        check("m!(unsafe { x });\n", &[(UnsafeBlock, 1, 4, None)]);
        // Comments between the parts do not confuse the alternation.
        check(
            "macro_rules! m { /* (x) */ (unsafe) => {}; // ()\n ($x:tt) => { unsafe fn f() {} } }\n",
            &[(UnsafeFn, 2, 15, None)],
        );
    }
    /// Matchers whose text, as code, holds constructs that are hits: in a `macro_rules!`
    /// matcher they are patterns, whatever the delimiters of the body and of the matcher, and
    /// skimming agrees with a full lex (the prefilter keeps nothing a matcher hides).
    #[test]
    fn macro_rules_matchers_hide_constructs_that_are_hits_as_code() {
        let matchers = [
            "unsafe { $e:expr }",
            "unsafe fn $name:ident() {}",
            "unsafe impl Send for $t:ty {}",
            "extern \"C\" { $($i:item)* }",
            "#[no_mangle] $f:item",
            "asm!($($t:tt)*)",
            "$( [unsafe { $x:tt }] ),* ; global_asm!(\"\")",
        ];
        for matcher in matchers {
            assert!(
                !scan_source(matcher.as_bytes()).is_empty(),
                "{matcher:?} is a hit as code"
            );
            for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
                for (body_open, body_close) in [("{", "}"), ("(", ");"), ("[", "];")] {
                    let src = format!(
                        "// unsafe only in a matcher\nmacro_rules! m {body_open}\n    \
                         {open}{matcher}{close} => {{ 1 }};\n{body_close}\n"
                    );
                    check(&src, &[]);
                    assert!(super::scan(src.as_bytes(), true).is_empty(), "{src}");
                }
            }
        }
    }

    #[test]
    fn macro_rules_transcribers_are_code_where_written() {
        // A `{}` body with `[]` matchers, a rule whose matcher and transcriber both hold an
        // unsafe block: only the transcriber's counts.
        check(
            "macro_rules! m {\n    [unsafe { $e:expr }] => {\n        unsafe { $e }\n    };\n    [$($t:tt)*] => [extern \"C\" { $($t)* }];\n}\n",
            &[(UnsafeBlock, 3, 9, None), (ExternBlock, 5, 21, Some("C"))],
        );
        // Nested delimiters in a matcher do not end it early.
        check(
            "macro_rules! m { ({ [ ( unsafe { } ) ] } unsafe { }) => { unsafe fn f() {} } }",
            &[(UnsafeFn, 1, 59, None)],
        );
        // An invocation after the definition is code.
        check(
            "macro_rules! m { (unsafe { $e:expr }) => { $e } }\nfn f() { m!(unsafe { 1 }); }\n",
            &[(UnsafeBlock, 2, 13, None)],
        );
    }

    #[test]
    fn macro_rules_defined_by_a_transcriber_have_matchers_too() {
        // A macro that defines a macro: the inner definition's matcher is a pattern, its
        // transcriber is code, located inside the outer macro.
        let src = "macro_rules! outer {\n    (unsafe fn $n:ident) => {\n        macro_rules! $n {\n            (unsafe { $$e:expr }) => { unsafe { $$e } };\n        }\n    };\n}\n";
        check(src, &[(UnsafeBlock, 4, 40, None)]);
        assert_eq!(
            super::scan(src.as_bytes(), true),
            super::scan(src.as_bytes(), false)
        );
    }
}
