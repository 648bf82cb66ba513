//! What a package's license files say, for a package whose manifest has no `license` field:
//! its `license-file`, else its `LICENSE*`, `LICENCE*` and `COPYING*` files, each matched
//! against the SPDX license texts (the `spdx` crate's detection, askalono's algorithm, the
//! one cargo-deny uses). A file counts as identified at [`CONFIDENCE`] or above; the package
//! then reads as the AND of its files' licenses (a crate shipping `LICENSE-MIT` and
//! `LICENSE-APACHE` is judged as needing both, since a file cannot say "or").
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
}

impl FileRead {
    /// The license, when the score reaches [`CONFIDENCE`].
    pub fn identified(&self) -> Option<&str> {
        self.best
            .as_ref()
            .filter(|(_, score)| *score >= CONFIDENCE)
            .map(|(name, _)| name.as_str())
    }

    /// `LICENSE: Apache-2.0 (confidence 0.97)`; a match below one half names no license.
    pub fn describe(&self) -> String {
        match &self.best {
            Some((name, score)) if *score >= 0.5 => {
                format!("{}: {name} (confidence {score:.2})", self.file)
            }
            Some(_) => format!("{}: no known license text", self.file),
            None => format!("{}: unreadable", self.file),
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
            let best = std::fs::metadata(&path)
                .ok()
                .filter(|m| m.is_file() && m.len() <= MAX_SIZE)
                .and_then(|_| std::fs::read_to_string(&path).ok())
                .map(|text| identify(&text));
            FileRead { file, best }
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

/// The closest SPDX license to `text`, with its score.
fn identify(text: &str) -> (String, f32) {
    static STORE: OnceLock<spdx::detection::Store> = OnceLock::new();
    let store = STORE.get_or_init(|| {
        let mut store = spdx::detection::Store::new();
        for (name, text) in spdx::text::LICENSE_TEXTS {
            store.add_license((*name).to_owned(), spdx::detection::TextData::new(text));
        }
        store
    });
    let found = store.analyze(&spdx::detection::TextData::new(text));
    (found.name.to_owned(), found.score)
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
}
