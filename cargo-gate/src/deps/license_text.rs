//! What a package's license files say, for a package whose manifest has no `license` field:
//! its `license-file`, else its `LICENSE*`, `LICENCE*` and `COPYING*` files, each matched
//! against the SPDX license texts (the `spdx` crate's detection, askalono's algorithm, the
//! one cargo-deny uses). A file counts as identified at [`CONFIDENCE`] or above; the package
//! then reads as the AND of its files' licenses (a crate shipping `LICENSE-MIT` and
//! `LICENSE-APACHE` is judged as needing both, since a file cannot say "or").
//!
//! Some crates ship no license text at all, only a license's standard notice (the SPDX list's
//! "standard license header": for Apache-2.0, "Licensed under the Apache License, Version 2.0
//! … limitations under the License."). The store holds that notice as a header of its license,
//! and a file that reads as the notice is identified as the license only when it adds nothing
//! of its own: a restriction written into the notice ("for non-commercial use only") gives
//! words the notice lacks, and a file with them is read but not identified.
//!
//! The store of license texts takes about half a second to build, so it is built once, and
//! only when a package needs it.

use std::path::Path;
use std::sync::OnceLock;

/// The score at or above which a file is taken to be that license (cargo-deny's default
/// `confidence-threshold`).
pub const CONFIDENCE: f32 = 0.8;

/// A license file larger than this is not read (license texts are a few KiB).
const MAX_SIZE: u64 = 256 << 10;

/// At most this many candidate files of one package are read.
const MAX_FILES: usize = 6;

/// One license file, and what it reads as.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRead {
    /// The file name, relative to the package's directory.
    pub file: String,
    /// The closest SPDX license and its score, when the file could be read.
    pub best: Option<(String, f32)>,
    /// What the closest match is: the license's text, or its standard notice.
    pub form: Form,
}

/// What a file matched of its closest license.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// The license's text.
    Text,
    /// The license's standard notice, and nothing else.
    Notice,
    /// The license's standard notice with words of its own (the first few of them): never
    /// identified, since those words may change what the notice grants.
    NoticeWithAdditions(String),
}

impl FileRead {
    /// The license, when the score reaches [`CONFIDENCE`] (and a notice adds nothing).
    pub fn identified(&self) -> Option<&str> {
        if matches!(self.form, Form::NoticeWithAdditions(_)) {
            return None;
        }
        self.best
            .as_ref()
            .filter(|(_, score)| *score >= CONFIDENCE)
            .map(|(name, _)| name.as_str())
    }

    /// `LICENSE: Apache-2.0 (confidence 0.97)`, `LICENSE: the Apache-2.0 notice (confidence
    /// 1.00)`; a match below one half names no license.
    pub fn describe(&self) -> String {
        let file = &self.file;
        match (&self.best, &self.form) {
            (Some((name, score)), Form::Text) if *score >= 0.5 => {
                format!("{file}: {name} (confidence {score:.2})")
            }
            (Some((name, score)), Form::Notice) if *score >= 0.5 => {
                format!("{file}: the {name} notice (confidence {score:.2})")
            }
            (Some((name, score)), Form::NoticeWithAdditions(added)) if *score >= 0.5 => {
                format!(
                    "{file}: the {name} notice with words of its own (\"{added}\"), not \
                     identified (confidence {score:.2})"
                )
            }
            (Some(_), _) => format!("{file}: no known license text"),
            (None, _) => format!("{file}: unreadable"),
        }
    }
}

/// The license files of the package in `dir` (`declared`: its `license-file`, relative to
/// `dir`), read.
pub fn read(dir: &Path, declared: Option<&str>) -> Vec<FileRead> {
    let files: Vec<String> = match declared {
        Some(file) => vec![file.to_owned()],
        None => {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| is_license_name(n))
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names.truncate(MAX_FILES);
            names
        }
    };
    files
        .into_iter()
        .map(|file| {
            let path = dir.join(&file);
            let found = std::fs::metadata(&path)
                .ok()
                .filter(|m| m.is_file() && m.len() <= MAX_SIZE)
                .and_then(|_| std::fs::read_to_string(&path).ok())
                .map(|text| identify(&text));
            match found {
                Some((name, score, form)) => FileRead {
                    file,
                    best: Some((name, score)),
                    form,
                },
                None => FileRead {
                    file,
                    best: None,
                    form: Form::Text,
                },
            }
        })
        .collect()
}

/// The expression the files read as, when every one is identified: their licenses joined by
/// AND (each once).
pub fn expression(files: &[FileRead]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    let mut names: Vec<&str> = Vec::new();
    for file in files {
        let name = file.identified()?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Some(names.join(" AND "))
}

/// Whether a file name is a license file's: `LICENSE`, `LICENCE` or `COPYING`, any case,
/// with any suffix (`LICENSE-MIT`, `license.txt`, `COPYING.LESSER`).
fn is_license_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["LICENSE", "LICENCE", "COPYING"]
        .iter()
        .any(|p| upper.starts_with(p))
}

/// The license whose standard notice the store holds as a header: the SPDX list's
/// "standard license header" for Apache-2.0, which is the license text's own appendix ("How to
/// apply the Apache License to your work"), from this line to its end.
const NOTICES: &[(&str, &str)] = &[(
    "Apache-2.0",
    "Licensed under the Apache License, Version 2.0",
)];

/// The standard notice of `license` (see [`NOTICES`]), cut from the license's SPDX text.
fn notice(license: &str) -> Option<&'static str> {
    let (_, first_words) = NOTICES.iter().find(|(name, _)| *name == license)?;
    let (_, text) = spdx::text::LICENSE_TEXTS
        .iter()
        .find(|(name, _)| *name == license)?;
    text.rfind(first_words).map(|at| &text[at..])
}

/// The closest SPDX license to `text`, with its score and what it matched.
fn identify(text: &str) -> (String, f32, Form) {
    static STORE: OnceLock<spdx::detection::Store> = OnceLock::new();
    let store = STORE.get_or_init(|| {
        let mut store = spdx::detection::Store::new();
        for (name, text) in spdx::text::LICENSE_TEXTS {
            store.add_license((*name).to_owned(), spdx::detection::TextData::new(text));
        }
        for (name, _) in NOTICES {
            if let Some(header) = notice(name) {
                // The license is in the store (it was added just above), so this cannot fail.
                let _ = store.add_variant(
                    name,
                    spdx::detection::LicenseType::Header,
                    spdx::detection::TextData::new(header),
                );
            }
        }
        store
    });
    let found = store.analyze(&spdx::detection::TextData::new(text));
    let form = match (found.license_type, notice(found.name)) {
        (spdx::detection::LicenseType::Header, Some(notice)) => match added_words(text, notice) {
            Some(added) => Form::NoticeWithAdditions(added),
            None => Form::Notice,
        },
        _ => Form::Text,
    };
    (found.name.to_owned(), found.score, form)
}

/// The first words of `file` that `notice` does not have (a run of at most ten, from the
/// first pair of adjacent words the notice never has adjacent), or `None` when every such pair
/// is the notice's. Both are compared as words: lowercased, punctuation dropped, `https:` read
/// as `http:`, and copyright lines left out (a notice comes with one; the scoring drops them
/// too). The raw texts are compared, not the detection's normalised ones, which replace every
/// URL by the same placeholder: a notice that points at another license's URL adds words.
fn added_words(file: &str, notice: &str) -> Option<String> {
    let words = |text: &str| -> Vec<String> {
        text.lines()
            .map(|line| line.trim().to_lowercase().replace("https://", "http://"))
            .filter(|line| {
                !(line.starts_with("copyright") || line.starts_with("(c)") || line.starts_with('©'))
            })
            .flat_map(|line| {
                line.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let known: std::collections::HashSet<(String, String)> = words(notice)
        .windows(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    let file_words = words(file);
    let first = file_words
        .windows(2)
        .position(|pair| !known.contains(&(pair[0].clone(), pair[1].clone())))?;
    // The pair's first word ends what the notice says, unless the file begins with the pair.
    let start = if first == 0 { 0 } else { first + 1 };
    Some(
        file_words[start..]
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our own license files read as what they are; a text that is no license is read but
    /// not identified; the AND of two files is what a crate with both is judged by.
    #[test]
    fn license_files_are_identified_with_their_confidence() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let found = read(&root, None);
        let names: Vec<&str> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(names, ["LICENSE-APACHE", "LICENSE-MIT"]);
        assert_eq!(found[0].identified(), Some("Apache-2.0"));
        assert_eq!(found[1].identified(), Some("MIT"));
        assert_eq!(expression(&found).as_deref(), Some("Apache-2.0 AND MIT"));

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("COPYING"),
            "All rights reserved. Ask us before you use any of this.\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("README.md"), "not a license\n").unwrap();
        let found = read(dir.path(), None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].identified(), None, "{found:?}");
        assert_eq!(expression(&found), None);
        assert_eq!(expression(&[]), None);
    }

    /// The standard Apache-2.0 notice, as a crate ships it in place of the license text.
    const APACHE_NOTICE: &str = "\
Licensed under the Apache License, Version 2.0 (the \"License\");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an \"AS IS\" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
";

    /// `text` as a package's only license file, read.
    fn read_one(text: &str) -> FileRead {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("LICENSE"), text).unwrap();
        let mut found = read(dir.path(), None);
        assert_eq!(found.len(), 1, "{found:?}");
        found.remove(0)
    }

    /// The notice alone, under a copyright line, rewrapped or with an https URL, reads as
    /// Apache-2.0 (the SPDX list's standard header); the full text still reads as the text.
    #[test]
    fn the_standard_apache_notice_is_identified_as_apache() {
        for text in [
            format!("Copyright 2024 The Example Authors\n\n{APACHE_NOTICE}"),
            APACHE_NOTICE.to_owned(),
            format!(
                "Copyright (c) 2021 Someone\n{}",
                APACHE_NOTICE
                    .replace("http://", "https://")
                    .replace('\n', " ")
                    .replace("  ", " ")
            ),
        ] {
            let found = read_one(&text);
            assert_eq!(found.identified(), Some("Apache-2.0"), "{found:?}\n{text}");
            assert_eq!(found.form, Form::Notice, "{text}");
            assert_eq!(
                expression(std::slice::from_ref(&found)).as_deref(),
                Some("Apache-2.0")
            );
            assert!(
                found
                    .describe()
                    .starts_with("LICENSE: the Apache-2.0 notice (confidence "),
                "{}",
                found.describe()
            );
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let full = read(&root, Some("LICENSE-APACHE"));
        assert_eq!(full[0].form, Form::Text, "{full:?}");
    }

    /// A notice that names the Apache license but adds a restriction, or points at another
    /// license, is read and named but not identified; a proprietary notice is no license.
    #[test]
    fn a_notice_with_words_of_its_own_or_a_proprietary_one_is_not_apache() {
        let restricted = APACHE_NOTICE.replace(
            "limitations under the License.",
            "limitations under the License.\n\nThis file may not be used for commercial purposes.",
        );
        let found = read_one(&restricted);
        assert_eq!(found.identified(), None, "{found:?}");
        assert!(
            matches!(&found.form, Form::NoticeWithAdditions(words) if words.contains("commercial")),
            "{found:?}"
        );
        assert!(
            found
                .describe()
                .contains("the Apache-2.0 notice with words of its own"),
            "{}",
            found.describe()
        );
        let inside = APACHE_NOTICE.replace(
            "except in compliance with the License.",
            "except in compliance with the License and only for non-commercial purposes.",
        );
        assert_eq!(read_one(&inside).identified(), None);
        let elsewhere = APACHE_NOTICE.replace(
            "http://www.apache.org/licenses/LICENSE-2.0",
            "https://example.com/our-license",
        );
        assert_eq!(read_one(&elsewhere).identified(), None);
        let proprietary = "Copyright 2024 Example Corp. All rights reserved.\n\n\
            This software is proprietary and confidential. Unauthorized copying, distribution \
            or use of this file, via any medium, is strictly prohibited without the prior \
            written permission of Example Corp.\n";
        let found = read_one(proprietary);
        assert_eq!(found.identified(), None, "{found:?}");
        assert_eq!(found.describe(), "LICENSE: no known license text");
    }
}
