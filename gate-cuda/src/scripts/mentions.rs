//! Where a Rust file names a GPU file, and what kind of code names it: a string literal whose
//! path ends in the file's name (`include_str!("../resources/add.ptx")`,
//! `concat!(env!("CARGO_MANIFEST_DIR"), "/resources/add.ptx")`, a path handed to a loader at
//! run time) is code, test code when it lies in an item under `#[cfg(test)]`; a doc comment
//! that names it (`/// # let ptx = include_str!("../resources/add.ptx");`) is a doc example,
//! compiled only by `cargo test --doc`. A plain comment names nothing.
//!
//! The file alone cannot say whether it is itself test code (a crate's `tests/`, `examples/`
//! and `benches/`, or a file declared by `#[cfg(test)] mod tests;`): the caller, which knows
//! where the file lies, decides that.

use super::lexed::{Lexed, RustFile, contains_any};

/// What kind of code names a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reach {
    /// Code compiled into what the crate builds (as far as the file itself shows).
    Code,
    /// An item under `#[cfg(test)]`.
    Test,
    /// A doc comment: a doc example, or the prose around one.
    Doc,
}

/// One place a Rust file names a GPU file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// 1-based line.
    pub line: u32,
    /// The name (one of those asked for) it names.
    pub name: String,
    /// What kind of code names it.
    pub reach: Reach,
}

/// Every place `file` names one of `names` (file names, `add.ptx`), in line order: string
/// literals whose path ends in the name, and doc comments that hold it as a word.
pub fn mentions(file: &RustFile<'_>, names: &[&str]) -> Vec<Mention> {
    if !contains_any(file.text, names) {
        return Vec::new();
    }
    let lx = Lexed::new(file.text);
    let tests = lx.test_ranges();
    let mut out = Vec::new();
    for i in 0..lx.toks.len() {
        let Some(value) = lx.str_value(i) else {
            continue;
        };
        let Some(name) = names.iter().find(|n| ends_in_file(value, n)) else {
            continue;
        };
        let in_test = tests.iter().any(|&(a, b)| a <= i && i < b);
        out.push(Mention {
            line: lx.toks[i].line,
            name: (*name).to_owned(),
            reach: if in_test { Reach::Test } else { Reach::Code },
        });
    }
    for comment in lx.comments.iter().filter(|c| is_doc_comment(c.text)) {
        for name in names {
            for at in word_offsets(comment.text, name) {
                let newlines = memchr::memchr_iter(b'\n', &comment.text.as_bytes()[..at]).count();
                out.push(Mention {
                    line: comment
                        .line
                        .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX)),
                    name: (*name).to_owned(),
                    reach: Reach::Doc,
                });
            }
        }
    }
    out.sort_by_key(|m| m.line);
    out
}

/// Whether a path as written (escapes kept) names the file `name`: it is the name, or its
/// last component is.
fn ends_in_file(path: &str, name: &str) -> bool {
    path.strip_suffix(name)
        .is_some_and(|head| head.is_empty() || head.ends_with('/') || head.ends_with('\\'))
}

/// `///`, `//!`, `/** */` or `/*! */` (not `////` nor `/***`, which are plain comments).
fn is_doc_comment(text: &str) -> bool {
    (text.starts_with("///") && !text.starts_with("////"))
        || text.starts_with("//!")
        || (text.starts_with("/**") && !text.starts_with("/***") && text != "/**/")
        || text.starts_with("/*!")
}

/// Byte offsets of `name` in `text` where it stands as a file name: not inside a longer name
/// (`badd.ptx`, `add.ptx2`).
fn word_offsets(text: &str, name: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let part = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    memchr::memmem::find_iter(bytes, name.as_bytes())
        .filter(|&at| {
            let before = at.checked_sub(1).map(|k| bytes[k]);
            let after = bytes.get(at + name.len()).copied();
            !before.is_some_and(|b| part(b) || b == b'-' || b == b'.') && !after.is_some_and(part)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reaches(text: &str, names: &[&str]) -> Vec<(u32, Reach)> {
        let file = RustFile {
            rel: "src/lib.rs",
            text,
        };
        mentions(&file, names)
            .into_iter()
            .map(|m| (m.line, m.reach))
            .collect()
    }

    #[test]
    fn doc_examples_and_test_modules_are_told_from_code() {
        let text = r#"//! Load `resources/add.ptx` first.
/// ```
/// let ptx = include_str!("../resources/add.ptx");
/// ```
pub fn load() {}
// include_str!("../resources/add.ptx") in a plain comment names nothing
pub static SHIPPED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/resources/add.ptx"));
#[cfg(test)]
mod tests {
    const PTX: &str = include_str!("../resources/add.ptx");
    fn path() -> &'static str { ".\\resources\\add.ptx" }
}
"#;
        assert_eq!(
            reaches(text, &["add.ptx", "add.cu"]),
            [
                (1, Reach::Doc),
                (3, Reach::Doc),
                (7, Reach::Code),
                (10, Reach::Test),
                (11, Reach::Test),
            ]
        );
    }

    #[test]
    fn only_whole_file_names_count() {
        let text = "/// badd.ptx, add.ptx2, add-add.ptx\npub const A: &str = \"my_add.ptx\";\n\
                    pub const B: &str = \"kernels/add.ptx.bak\";\n";
        assert_eq!(reaches(text, &["add.ptx"]), []);
        assert_eq!(
            reaches("pub const C: &str = \"add.ptx\";\n", &["add.ptx"]),
            [(1, Reach::Code)]
        );
    }
}
