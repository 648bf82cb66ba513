//! Every `Cargo.toml` a run reads, read once when the facts are gathered: the text and the
//! parsed document with its spans (so a finding keeps its exact `line:column`), or why the
//! manifest could not be read or parsed — a manifest that could not be read is part of the
//! fact, and each check that needs it reports it in the same words
//! (`crate::shared::outcomes::manifest`).

use std::path::{Path, PathBuf};
use toml::de::DeTable;

/// One `Cargo.toml`.
#[derive(Debug)]
pub struct Manifest {
    /// Its path, as the workspace names it (`<member dir>/Cargo.toml`, the root manifest).
    pub path: PathBuf,
    /// Relative to the workspace root, `/`-separated (as findings locate it).
    pub rel: String,
    /// What reading it gave.
    pub content: Content,
    /// The document as a plain table (no spans), parsed once as it was read: `None` when it
    /// could not be read or does not parse.
    table: Option<toml::Table>,
}

/// What reading a manifest gave.
#[derive(Debug)]
pub enum Content {
    /// Read and parsed.
    Parsed {
        /// The text.
        text: &'static str,
        /// The document, with spans into `text`.
        doc: DeTable<'static>,
    },
    /// Read, but not TOML.
    Invalid {
        /// The text.
        text: &'static str,
        /// The parser's message.
        message: String,
        /// Where in `text` the parser stopped, when it says.
        offset: Option<usize>,
    },
    /// Not read: the error, as the system says it.
    Unreadable(String),
}

impl Manifest {
    /// Reads and parses `path` (`rel` as findings show it).
    ///
    /// The text is kept for the rest of the process (leaked): the facts are gathered once per
    /// run and live until it ends, and the parsed document borrows the text, so keeping both
    /// side by side needs the text to outlive them (a self-referential struct would need
    /// unsafe code, which the workspace forbids).
    pub(super) fn read(path: &Path, rel: String) -> Manifest {
        let mut table = None;
        let content = match gate_support::read::text_capped(path, crate::workspace::MANIFEST_CAP) {
            Err(e) => Content::Unreadable(e.to_string()),
            Ok(text) => {
                let text: &'static str = Box::leak(text.into_boxed_str());
                match DeTable::parse(text) {
                    Ok(doc) => {
                        // The plain table from the document, not from the text again: the
                        // text is parsed once (it was twice, for each of 500 manifests).
                        use serde::Deserialize as _;
                        let plain = toml::de::Deserializer::from(doc.clone());
                        table = toml::Table::deserialize(plain).ok();
                        Content::Parsed {
                            text,
                            doc: doc.into_inner(),
                        }
                    }
                    Err(e) => Content::Invalid {
                        text,
                        message: e.message().trim().to_owned(),
                        offset: e.span().map(|s| s.start),
                    },
                }
            }
        };
        Manifest {
            path: path.to_owned(),
            rel,
            content,
            table,
        }
    }

    /// The text, when it could be read.
    pub fn text(&self) -> Option<&'static str> {
        match &self.content {
            Content::Parsed { text, .. } | Content::Invalid { text, .. } => Some(text),
            Content::Unreadable(_) => None,
        }
    }

    /// The parsed document, when it parsed.
    pub fn doc(&self) -> Option<&DeTable<'static>> {
        match &self.content {
            Content::Parsed { doc, .. } => Some(doc),
            _ => None,
        }
    }

    /// The document as a plain table (no spans), for what reads the manifest without
    /// locating anything: `None` when it could not be read or does not parse.
    pub fn table(&self) -> Option<&toml::Table> {
        self.table.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use crate::facts::{Content, Facts};
    use crate::workspace::Workspace;

    /// Every manifest the workspace names is read once: parsed with spans, or kept as not
    /// TOML (with where the parser stopped), or as unreadable (with the system's error).
    #[test]
    fn each_manifest_is_read_once_with_what_went_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let files = [
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"ok\", \"bad\", \"gone\"]\n",
            ),
            (
                "ok/Cargo.toml",
                "[package]\nname = \"ok\"\nversion = \"0.1.0\"\n",
            ),
            ("bad/Cargo.toml", "[package]\nname = \"bad\"\nversion = \n"),
        ];
        for (rel, text) in files {
            std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            std::fs::write(root.join(rel), text).unwrap();
        }
        let ws = Workspace::for_tests(root, &["ok", "bad", "gone"]);
        let facts = Facts::gather(&ws, Vec::new());
        let ok = facts.manifest(&root.join("ok/Cargo.toml")).unwrap();
        assert_eq!(ok.rel, "ok/Cargo.toml");
        let version = ok.doc().unwrap()["package"].get_ref()["version"].clone();
        assert_eq!(version.get_ref().as_str(), Some("0.1.0"));
        assert_eq!(Some(version.span().start), files[1].1.find("\"0.1.0\""));
        let bad = facts.manifest(&root.join("bad/Cargo.toml")).unwrap();
        match &bad.content {
            Content::Invalid { offset, text, .. } => {
                assert!(offset.is_some());
                assert_eq!(*text, files[2].1);
            }
            other => panic!("{other:?}"),
        }
        let gone = facts.manifest(&root.join("gone/Cargo.toml")).unwrap();
        assert!(matches!(&gone.content, Content::Unreadable(e) if !e.is_empty()));
        assert!(
            facts
                .manifest(&root.join("Cargo.toml"))
                .unwrap()
                .doc()
                .is_some()
        );
        assert!(facts.manifest(&root.join("elsewhere/Cargo.toml")).is_none());
    }
}
