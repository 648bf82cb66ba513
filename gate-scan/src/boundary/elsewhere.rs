//! Code a file holds that its crate does not run: the tokens a proc macro emits
//! (`quote! { unsafe impl Send for #t {} }` runs in the crates that use the macro), and the
//! text of a template with a `.rs` name (askama's `{% if .. %}`), which is no Rust at all.
//! Both are found lexically, as everything in this scanner, and only in files that mention
//! them.

use gate_support::lexer::{Lexer, Token, TokenKind};
use memchr::memmem;
use serde::{Deserialize, Serialize};

/// Where a site's code runs, when not in the crate whose file holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Elsewhere {
    /// Inside `quote!`, `quote_spanned!`, `parse_quote!` or `parse_quote_spanned!`: tokens a
    /// proc macro emits into the crates that use it.
    Emitted,
    /// In a template (`{% .. %}` tags: askama, tera, jinja): text a generator fills in, not
    /// Rust that any crate compiles.
    Template,
}

impl Elsewhere {
    /// What it is, in a sentence's words.
    pub fn describe(self) -> &'static str {
        match self {
            Elsewhere::Emitted => {
                "inside `quote!`: code the proc macro emits into the crates that use it"
            }
            Elsewhere::Template => {
                "in a template (`{% .. %}` tags): text a generator fills in, not Rust of its own"
            }
        }
    }
}

/// The macros whose body is code emitted elsewhere.
const QUOTING: &[&[u8]] = &[
    b"quote",
    b"quote_spanned",
    b"parse_quote",
    b"parse_quote_spanned",
];

fn significant(src: &[u8]) -> Vec<Token> {
    Lexer::new(src)
        .filter(|t| t.kind != TokenKind::Comment)
        .collect()
}

/// Whether `src` is a template, proven by the file itself: a `{%` tag (two tokens written
/// together) outside every macro invocation's and attribute's delimiters, and a `%}` tag. No
/// Rust holds `{` directly followed by `%` outside those (nothing begins with `%`), wherever
/// the file is compiled (a module, an `include!`); inside them any tokens may stand
/// (`ignore!{ {% %} }`), so a tag there proves nothing, and a file with real code that hid
/// one there would be judged as ever.
pub(super) fn is_template(src: &[u8]) -> bool {
    if memmem::find(src, b"{%").is_none() || memmem::find(src, b"%}").is_none() {
        return false;
    }
    let tokens = significant(src);
    let together = |w: &[Token], open: u8, close: u8| {
        w[0].kind == TokenKind::Punct(open)
            && w[1].kind == TokenKind::Punct(close)
            && w[0].end == w[1].start
    };
    let closes = tokens.windows(2).any(|w| together(w, b'%', b'}'));
    let token_trees = token_tree_ranges(&tokens);
    let opens_outside = tokens
        .windows(2)
        .any(|w| together(w, b'{', b'%') && !token_trees.iter().any(|r| r.contains(&w[0].start)));
    closes && opens_outside
}

/// The byte ranges where Rust takes any tokens: the delimited bodies of macro invocations
/// (`m!{..}`, `m!(..)`, `macro_rules! m {..}`) and of attributes (`#[..]`, `#![..]`).
fn token_tree_ranges(tokens: &[Token]) -> Vec<std::ops::Range<usize>> {
    let is_open = |t: &Token| matches!(t.kind, TokenKind::Punct(b'(' | b'[' | b'{'));
    let is_close = |t: &Token| matches!(t.kind, TokenKind::Punct(b')' | b']' | b'}'));
    let mut ranges = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let open = match token.kind {
            // `m!{`, and `macro_rules! name {`
            TokenKind::Punct(b'!') if tokens.get(i + 1).is_some_and(is_open) => i + 1,
            TokenKind::Punct(b'!')
                if tokens
                    .get(i + 1)
                    .is_some_and(|t| t.kind == TokenKind::Ident)
                    && tokens.get(i + 2).is_some_and(is_open) =>
            {
                i + 2
            }
            TokenKind::Punct(b'#') => match tokens.get(i + 1).map(|t| t.kind) {
                Some(TokenKind::Punct(b'[')) => i + 1,
                Some(TokenKind::Punct(b'!'))
                    if tokens
                        .get(i + 2)
                        .is_some_and(|t| t.kind == TokenKind::Punct(b'[')) =>
                {
                    i + 2
                }
                _ => continue,
            },
            _ => continue,
        };
        let mut depth = 0u32;
        let mut end = None;
        for t in &tokens[open..] {
            if is_open(t) {
                depth += 1;
            } else if is_close(t) {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    end = Some(t.end);
                    break;
                }
            }
        }
        let end = end.unwrap_or(usize::MAX);
        ranges.push(tokens[open].start..end);
    }
    ranges
}

/// The byte ranges of the bodies of every quoting macro's invocation in `src`
/// ([`QUOTING`], as `quote!` or `quote::quote!`), delimiters included.
pub(super) fn quoted_ranges(src: &[u8]) -> Vec<(usize, usize)> {
    if memmem::find(src, b"quote").is_none() {
        return Vec::new();
    }
    let tokens = significant(src);
    // Someone else's macro named `quote` could paste its body in as code.
    if !genuine(&tokens, src) {
        return Vec::new();
    }
    let is_open = |t: &Token| matches!(t.kind, TokenKind::Punct(b'(' | b'[' | b'{'));
    let is_close = |t: &Token| matches!(t.kind, TokenKind::Punct(b')' | b']' | b'}'));
    let mut ranges = Vec::new();
    let mut i = 0;
    while i + 2 < tokens.len() {
        let invokes = tokens[i].kind == TokenKind::Ident
            && QUOTING.contains(&tokens[i].text(src))
            && tokens[i + 1].kind == TokenKind::Punct(b'!')
            && is_open(&tokens[i + 2]);
        if !invokes {
            i += 1;
            continue;
        }
        let mut depth = 0u32;
        let mut j = i + 2;
        while j < tokens.len() {
            if is_open(&tokens[j]) {
                depth += 1;
            } else if is_close(&tokens[j]) {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            j += 1;
        }
        let end = tokens.get(j).map_or(src.len(), |t| t.end);
        ranges.push((tokens[i + 2].start, end));
        // A quote inside this one is inside its range already.
        i = j + 1;
    }
    ranges
}

/// Whether every quoting macro `src` can name is the real one (the `quote` and `syn`
/// crates'): `src` defines none of their names (`macro_rules! quote`), renames nothing to one
/// (`use m as quote`), imports none from another crate (`use evil::quote`), and pulls no other
/// crate's macros in whole (`#[macro_use] extern crate evil`). A quoting macro of someone
/// else's could paste its body in as code: where this is false, nothing in `quote!` is taken
/// to run elsewhere. A crate is judged over all its files (a macro defined in one reaches
/// the others).
#[must_use]
pub fn quoting_is_genuine(src: &[u8]) -> bool {
    memmem::find(src, b"quote").is_none() || genuine(&significant(src), src)
}

/// [`quoting_is_genuine`] over the file's significant `tokens`.
fn genuine(tokens: &[Token], src: &[u8]) -> bool {
    let text = |k: usize| tokens.get(k).map_or(&b""[..], |t| t.text(src));
    let quoting = |k: usize| {
        tokens.get(k).is_some_and(|t| t.kind == TokenKind::Ident) && QUOTING.contains(&text(k))
    };
    let mut k = 0;
    while k < tokens.len() {
        let word = text(k);
        if word == b"macro_rules" && text(k + 1) == b"!" && quoting(k + 2) {
            return false;
        }
        if word == b"as" && quoting(k + 1) {
            return false;
        }
        if word == b"use" {
            // The statement, to its `;`: a quoting name in it comes from its first segment.
            let end = (k..tokens.len())
                .find(|&e| tokens[e].kind == TokenKind::Punct(b';'))
                .unwrap_or(tokens.len());
            let first = (k + 1..end).find(|&e| tokens[e].kind == TokenKind::Ident);
            let from_quote = first.is_some_and(|f| matches!(text(f), b"quote" | b"syn"));
            if !from_quote && (k + 1..end).any(|e| quoting(e) && e != first.unwrap_or(end)) {
                return false;
            }
            k = end;
            continue;
        }
        if word == b"macro_use" {
            // `#[macro_use] extern crate NAME;`
            let crate_name = (k..tokens.len().min(k + 8))
                .find(|&e| text(e) == b"crate")
                .map(|e| text(e + 1));
            if crate_name.is_some_and(|name| !matches!(name, b"quote" | b"syn")) {
                return false;
            }
        }
        k += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_have_both_tags_outside_strings() {
        assert!(is_template(b"{%- let n = 1 %}\nunsafe fn f() {}\n"));
        assert!(is_template(
            b"fn {{ name }}() {\n{% if x %} unsafe {} {% endif %}\n}\n"
        ));
        assert!(!is_template(b"fn f() { let s = \"{% x %}\"; }\n"));
        assert!(!is_template(b"// {% x %}\nfn f() {}\n"));
        assert!(!is_template(b"fn f() { a % b }\n"));
    }

    /// Rust takes any tokens inside a macro's or an attribute's delimiters: a tag there is no
    /// proof (a hostile file could hide real unsafe code behind `ignore!{ {% %} }`).
    #[test]
    fn a_tag_inside_a_macro_or_an_attribute_proves_nothing() {
        for rust in [
            "macro_rules! ignore { ($($t:tt)*) => {} }\nignore! { {% %} }\nunsafe fn f() {}\n",
            "ignore!({% %});\n",
            "#[my_attr {% %}]\nfn f() {}\n",
            "#![doc = x] #![allow {% %}]\n",
            "fn f() { m![ {% %} ] }\n",
        ] {
            assert!(!is_template(rust.as_bytes()), "{rust}");
        }
    }

    #[test]
    fn only_the_real_quoting_macros_are_genuine() {
        for genuine in [
            "use quote::quote;\nfn g() { quote! { unsafe {} } }",
            "use quote::{format_ident, quote, quote_spanned};",
            "use syn::parse_quote;",
            "#[macro_use] extern crate quote;",
            "fn g() { quote::quote! { x } }",
            "fn unrelated() {}",
        ] {
            assert!(quoting_is_genuine(genuine.as_bytes()), "{genuine}");
        }
        for forged in [
            "macro_rules! quote { ($($t:tt)*) => { $($t)* } }",
            "use crate::paste as quote;",
            "use evil::quote;",
            "use evil::{x, quote_spanned};",
            "#[macro_use] extern crate evil;\nfn g() { quote! { unsafe {} } }",
        ] {
            assert!(!quoting_is_genuine(forged.as_bytes()), "{forged}");
        }
    }

    #[test]
    fn quoted_bodies_are_found_with_their_delimiters() {
        let src =
            b"fn g() { let a = quote! { unsafe { x() } }; let b = quote::quote_spanned!(s=> y); }";
        let ranges = quoted_ranges(src);
        let bodies: Vec<&str> = ranges
            .iter()
            .map(|&(a, b)| std::str::from_utf8(&src[a..b]).unwrap())
            .collect();
        assert_eq!(bodies, ["{ unsafe { x() } }", "(s=> y)"]);
        assert!(quoted_ranges(b"fn quote() {} fn f() { quote(); }").is_empty());
    }
}
