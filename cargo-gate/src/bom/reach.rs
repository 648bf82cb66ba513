//! Whether the code of a CUDA source that no build compiles can still ship: where the
//! workspace's Rust code names the source or what it compiles to (its stem as `.ptx`,
//! `.cubin` or `.fatbin`: RustaCUDA's `resources/add.cu` beside the `add.ptx` its doc examples
//! and tests embed), read with [`scripts::mentions`], and whether that code ships.
//!
//! A mention is code that ships unless it lies in a doc comment, in an item under
//! `#[cfg(test)]` (a module declared out of line under it included: every file of it), or in
//! a file below its package's `tests/`, `examples/` or `benches/`. The
//! files of packages that do not ship (a fixture, a nested workspace) are not read. Tests and
//! doc examples count only in the source's own package (another package's test naming an
//! `add.ptx` says nothing of this one); code that ships counts wherever it lies. A source
//! that no Rust code names is not test- or doc-only: nothing shows where its code goes.

use super::helpers;
use super::rust_files::{outside_library_code, package_relative, shipped};
use crate::cuda::scripts::{self, Reach};
use crate::facts::{CudaSource, Facts};

/// Where the Rust code names a CUDA source or what it compiles to, `file:line` each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uses {
    /// Code that ships.
    pub code: Vec<String>,
    /// Test, example and bench code of the source's package.
    pub tests: Vec<String>,
    /// Doc comments of the source's package.
    pub docs: Vec<String>,
}

impl Uses {
    /// Named by tests, examples or doc examples, and by no code that ships.
    pub fn test_or_doc_only(&self) -> bool {
        self.code.is_empty() && !(self.tests.is_empty() && self.docs.is_empty())
    }

    /// `doc examples (src/lib.rs:3 and 2 more) and test code (src/lib.rs:14)`.
    pub fn describe(&self) -> String {
        let places = |what: &str, at: &[String]| match at {
            [] => None,
            [one] => Some(format!("{what} ({one})")),
            [first, rest @ ..] => Some(format!("{what} ({first} and {} more)", rest.len())),
        };
        [
            places("doc examples", &self.docs),
            places("test code", &self.tests),
            places("shipped code", &self.code),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ")
    }
}

/// The path stem of module `module` declared in the file `rel` (`src/test` for `mod test;` in
/// `src/lib.rs` or `src/main.rs` or `src/mod.rs`, `src/foo/test` in `src/foo.rs`): its file is
/// `stem.rs` or `stem/mod.rs`, and every file below `stem/` is part of it.
fn module_stem(rel: &str, module: &str) -> String {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let join = |dir: &str| {
        if dir.is_empty() {
            module.to_owned()
        } else {
            format!("{dir}/{module}")
        }
    };
    match name {
        "lib.rs" | "main.rs" | "mod.rs" => join(dir),
        other => join(&format!(
            "{}{}",
            if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            },
            other.trim_end_matches(".rs")
        )),
    }
}

/// The names Rust code may use for `source`: its file name, and for a `.cu` what nvcc makes
/// of it beside it (`add.ptx`, `add.cubin`, `add.fatbin`).
pub(super) fn names(source: &str) -> Vec<String> {
    let file = source.rsplit('/').next().unwrap_or(source);
    let mut names = vec![file.to_owned()];
    if let Some(stem) = file.strip_suffix(".cu") {
        names.extend(["ptx", "cubin", "fatbin"].map(|ext| format!("{stem}.{ext}")));
    }
    names
}

/// The uses of each of `sources`, in order; each tracked Rust file is read once (and lexed
/// only when it holds one of the names).
pub fn uses(facts: &Facts, sources: &[&CudaSource]) -> Vec<Uses> {
    let mut found = vec![Uses::default(); sources.len()];
    if sources.is_empty() {
        return found;
    }
    let per_source: Vec<Vec<String>> = sources.iter().map(|s| names(&s.rel)).collect();
    let mut all: Vec<&str> = per_source.iter().flatten().map(String::as_str).collect();
    all.sort_unstable();
    all.dedup();
    // The mentions, each with its file, judged once every file's test modules are known.
    let mut mentioned: Vec<(&crate::facts::IndexedFile, bool, Vec<scripts::Mention>)> = Vec::new();
    let mut test_stems: Vec<String> = Vec::new();
    for file in facts.index.files.iter().filter(|f| f.rel.ends_with(".rs")) {
        let owner = file.owner.map(|o| &facts.packages[o]);
        if owner.is_some_and(|p| !shipped(p)) {
            continue;
        }
        let Ok(text) = gate_support::read::text_capped(&file.path, helpers::RUST_FILE_CAP) else {
            continue;
        };
        let rust = scripts::RustFile {
            rel: &file.rel,
            text: &text,
        };
        let mentions = scripts::mentions(&rust, &all);
        test_stems.extend(
            scripts::test_modules(&rust)
                .into_iter()
                .map(|module| module_stem(&file.rel, &module)),
        );
        if !mentions.is_empty() {
            let test_file = outside_library_code(package_relative(facts, file));
            mentioned.push((file, test_file, mentions));
        }
    }
    for (file, test_file, mentions) in mentioned {
        let test_file = test_file
            || test_stems.iter().any(|stem| {
                file.rel
                    .strip_prefix(stem.as_str())
                    .is_some_and(|rest| rest == ".rs" || rest.starts_with('/'))
            });
        for mention in mentions {
            let at = format!("{}:{}", file.rel, mention.line);
            for (s, source) in sources.iter().enumerate() {
                if !per_source[s].contains(&mention.name) {
                    continue;
                }
                let own = file.owner.is_some() && file.owner == source.owner;
                let uses = &mut found[s];
                match mention.reach {
                    Reach::Code if !test_file => uses.code.push(at.clone()),
                    Reach::Doc if own => uses.docs.push(at.clone()),
                    Reach::Code | Reach::Test if own => uses.tests.push(at.clone()),
                    _ => {}
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kernel_source_goes_by_its_compiled_forms_too() {
        assert_eq!(
            names("resources/add.cu"),
            ["add.cu", "add.ptx", "add.cubin", "add.fatbin"]
        );
        assert_eq!(names("common.cuh"), ["common.cuh"]);
    }

    #[test]
    fn uses_read_in_words() {
        let uses = Uses {
            code: Vec::new(),
            tests: vec!["src/lib.rs:14".into()],
            docs: vec!["src/lib.rs:3".into(), "src/lib.rs:9".into()],
        };
        assert!(uses.test_or_doc_only());
        assert_eq!(
            uses.describe(),
            "doc examples (src/lib.rs:3 and 1 more) and test code (src/lib.rs:14)"
        );
        assert!(!Uses::default().test_or_doc_only());
    }
}
