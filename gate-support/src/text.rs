//! Text as people and compilers read it: positions as 1-based lines and columns counted in
//! characters, and C-family source (CUDA, C++, PTX) without its comments.

/// 1-based line and column (in characters) of byte offset `offset` in `text` (an offset past
/// the end counts as the end; one inside a character counts the bytes before it).
///
/// ```
/// assert_eq!(gate_support::text::line_col("ab\ncé d", 6), (2, 3));
/// ```
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// What [`without_c_comments`] does with string and character literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Literals {
    /// Copied as they are (`.file 1 "a//b.cu"`, `#include "a/*b.h"` keep their text).
    Kept,
    /// Each replaced by one space, so nothing inside one is read as code.
    Blanked,
}

/// C-family source (CUDA, C++, PTX) without its comments: a `//` comment runs to the end of its
/// line and is dropped; a `/* */` comment becomes one space, with the newlines inside it kept so
/// that every line keeps its number. Literals stop at an unescaped quote or the end of their
/// line, a comment marker inside one is no comment, and `literals` says whether they are kept.
/// One forward pass, linear in the text (PTX modules reach 8 MB with a comment on most lines).
///
/// ```
/// use gate_support::text::{without_c_comments, Literals};
/// let src = "f(\"//\"); /* a\nb */ g('\\''); // c\nh";
/// assert_eq!(without_c_comments(src, Literals::Kept), "f(\"//\");  \n g('\\''); \nh");
/// assert_eq!(without_c_comments(src, Literals::Blanked), "f( );  \n g( ); \nh");
/// ```
pub fn without_c_comments(text: &str, literals: Literals) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `text[copied..i]` is code not yet copied to `out`; `i` only moves forward.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (quote @ (b'"' | b'\''), _) => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' && bytes.get(i + 1) != Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                }
                if bytes.get(i) == Some(&quote) {
                    i += 1;
                }
                i = i.min(bytes.len());
                if literals == Literals::Blanked {
                    out.push_str(&text[copied..start]);
                    out.push(' ');
                    copied = i;
                }
            }
            (b'/', Some(b'/')) => {
                out.push_str(&text[copied..i]);
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                copied = i;
            }
            (b'/', Some(b'*')) => {
                out.push_str(&text[copied..i]);
                out.push(' ');
                let end = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                out.extend(std::iter::repeat_n(
                    '\n',
                    bytes[i..end].iter().filter(|&&b| b == b'\n').count(),
                ));
                i = end;
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[copied.min(bytes.len())..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_lines_stay_and_literals_are_kept_or_blanked() {
        let cases: &[(&str, &str, &str)] = &[
            ("a // c\nb", "a \nb", "a \nb"),
            ("a /* c */ b", "a   b", "a   b"),
            ("a /* c\n\nd */ b", "a  \n\n b", "a  \n\n b"),
            ("a /* c // d */ b // e /* f\ng", "a   b \ng", "a   b \ng"),
            (
                ".file 1 \"/x//y.cu\" // c\n",
                ".file 1 \"/x//y.cu\" \n",
                ".file 1   \n",
            ),
            (
                "#include \"a/*b.h\" /* c */",
                "#include \"a/*b.h\"  ",
                "#include    ",
            ),
            ("c = '\"'; // d", "c = '\"'; ", "c =  ; "),
            ("s = \"a\\\"b\"; x", "s = \"a\\\"b\"; x", "s =  ; x"),
            ("a /* unterminated", "a  ", "a  "),
            ("a // no newline", "a ", "a "),
            (
                "\"unterminated // string\nb // c",
                "\"unterminated // string\nb ",
                " \nb ",
            ),
            ("\"ends in a backslash\\", "\"ends in a backslash\\", " "),
            ("/", "/", "/"),
            ("é // ü\nß '€'", "é \nß '€'", "é \nß  "),
        ];
        for (text, kept, blanked) in cases {
            assert_eq!(without_c_comments(text, Literals::Kept), *kept, "{text:?}");
            assert_eq!(
                without_c_comments(text, Literals::Blanked),
                *blanked,
                "{text:?}"
            );
        }
    }
}
