//! Reading text for what it names: the words a test may run a program or package by, the
//! paths it may read a file of no package by, a file read in overlapping windows, and the
//! cargo configuration's `[env]`, which hands every test its values.

use crate::facts::core::Package;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The most distinct paths to files of no package followed from one file; a file that
/// writes more leads to every such file (100,000 globs, each matched against 2,000 files,
/// held the gate 35 s: the eighteenth session's hostile pass).
pub(super) const MAX_PATHS_IN_FILE: usize = 1 << 16;

/// The most look-ups of one file's paths (each path from each directory it may be written
/// from: a file of no package is run from every package's); past it the file leads to every
/// file of no package (65,536 paths named `x.txt`, each held against 1,000 files of that
/// name, held the gate 85 s: the eighteenth session's second hostile pass).
pub(super) const MAX_PATHS_FOLLOWED: usize = 1 << 20;

/// The paths the cargo configuration files of the workspace at `root` set in `[env]` (`env`,
/// as [`env_entries`] reads them): a value marked `relative = true` (from the directory
/// holding `.cargo/`), an absolute path inside the root, or a relative one as it is (cargo hands it over unchanged, and a test
/// reads it from its package's directory: `FIXTURE = "../attacker/data.txt"`, the seventeenth
/// session's hostile trial), from the directory of each of `packages` and the root, where it
/// is written as a path ([`looks_like_a_path`]) and leads to something inside the root: a
/// directory that holds packages (`../attacker`, `..`, the second pass's) keys their files.
pub(super) fn env_paths(root: &Path, packages: &[&Package], env: &[EnvEntry]) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for (base, text, relative) in env {
        let relative = *relative;
        let (base, text) = (base.as_path(), text.as_str());
        let path = Path::new(text);
        if relative && !text.is_empty() {
            paths.push(joined(base, text));
        } else if path.is_absolute() && path.starts_with(root) {
            paths.push(gate_support::path::normalize(path));
        } else if path.is_relative() && looks_like_a_path(text) {
            let dirs = packages.iter().map(|p| p.dir.as_path());
            for dir in dirs.chain([root]) {
                let at = joined(dir, text);
                if at.starts_with(root) && at.exists() && !paths.contains(&at) {
                    paths.push(at);
                }
            }
        }
    }
    paths
}

/// One `[env]` entry of a cargo configuration file: the directory a `relative = true` value
/// is joined to (the one holding the file's `.cargo/`), the value, and whether it is
/// relative so.
pub(super) type EnvEntry = (PathBuf, String, bool);

/// Each `[env]` entry of the cargo configuration files (every file cargo reads, and what they
/// include): what a test reads through a variable is a path, or a name joined to one.
pub(super) fn env_entries(root: &Path) -> Vec<EnvEntry> {
    let mut entries = Vec::new();
    for file in crate::tools::cargo::config_files_included(root) {
        let Some(doc) = crate::workspace::read_toml(&file) else {
            continue;
        };
        let base = file.parent().and_then(Path::parent).unwrap_or(root);
        let env = doc.get("env").and_then(toml::Value::as_table);
        for value in env.into_iter().flatten().map(|(_, v)| v) {
            let (text, relative) = match value {
                toml::Value::String(text) => (text.as_str(), false),
                toml::Value::Table(t) => (
                    t.get("value").and_then(toml::Value::as_str).unwrap_or(""),
                    t.get("relative").and_then(toml::Value::as_bool) == Some(true),
                ),
                _ => continue,
            };
            entries.push((base.to_owned(), text.to_owned(), relative));
        }
    }
    entries
}

/// `rel` (written with `/`) from `base`, normalised: part by part, so a `/` is a separator
/// on Windows too, where a canonical root (`\\?\C:\…`) takes a joined `/` for a name.
pub(super) fn joined(base: &Path, rel: &str) -> PathBuf {
    let mut path = base.to_path_buf();
    path.extend(Path::new(rel).components());
    gate_support::path::normalize(&path)
}

/// Whether an `[env]` value is written as a path: with a `/`, an extension, or `.` / `..`
/// (`debug` or `1` is a word).
fn looks_like_a_path(text: &str) -> bool {
    text.contains('/') || matches!(text, "." | "..") || Path::new(text).extension().is_some()
}

/// Files in the order first met, each once: what a file leads to, and the files of no package
/// still to read for names (a test's index of 100,000 fixtures is 100,000 pushes, each a
/// look-up, where a scan of the list before each push took minutes: the eighteenth session's
/// hostile pass).
#[derive(Default)]
pub(super) struct Queue {
    pub(super) order: Vec<PathBuf>,
    seen: std::collections::HashSet<PathBuf>,
}

impl Queue {
    /// Adds `file` unless it is there already.
    pub(super) fn push(&mut self, file: PathBuf) {
        if self.seen.insert(file.clone()) {
            self.order.push(file);
        }
    }
}

/// The part of a file's `text` that may be test code: all of it when `whole` (a file under
/// a `tests/` directory, and Rust code, whose library functions a test may call), else from
/// its first `#[cfg(test)]` or `#[test]` on. A tool whose library builds `cargo …
/// --workspace` commands for other workspaces is read as running them on its own: its tests
/// run after any change (a run too many, never a false reuse; the thirty-first session's
/// trial replayed a pass over a walker shared from a library).
pub(super) fn test_part(text: &str, whole: bool) -> &str {
    if whole {
        return text;
    }
    ["#[cfg(test)]", "#[test]"]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .map_or("", |at| &text[at..])
}

/// Whether test code `text` ([`test_part`]) reads every package's sources: it runs cargo
/// (`cargo check` at a virtual root builds every member; `--workspace`, `--all`), git over
/// the repository's files (`git grep`, `ls-files`), `find`, `grep` or `rg`, or walks
/// directories for Rust files (`read_dir` or a walker beside an `rs` extension: a lint that
/// reads every `.rs`). Their sources reach its binary by no dependency (the thirtieth
/// session's trial and hostile pass replayed a PASS over each). A name that also means
/// something else costs a run, never a false reuse.
pub(super) fn names_every_package(text: &str) -> bool {
    let flag = |word: &str| {
        text.match_indices(word).any(|(at, _)| {
            let after = text[at + word.len()..].chars().next();
            after.is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'))
        })
    };
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    let walks = has(&[
        "read_dir",
        "WalkDir",
        "walkdir",
        "glob(",
        "glob_with(",
        "jwalk",
        "ignore::Walk",
        "WalkBuilder",
    ]);
    let rust = has(&["\"rs\"", ".rs\"", "*.rs", "{rs,", ",rs}"]);
    // Cargo run by its variable (`Command::new(cargo)` with `cargo = env::var("CARGO")`,
    // the hostile pass that followed the thirty-first session's trial) or through a shell
    // (`sh -c "cargo check"`).
    let shell = ["sh", "bash", "cmd", "pwsh", "powershell"]
        .iter()
        .any(|sh| text.contains(&format!("Command::new(\"{sh}\")")));
    let runs = |program: &str| {
        text.contains(&format!("Command::new(\"{program}\")"))
            || (program == "cargo"
                && (text.contains("Command::new(env!(\"CARGO\"))")
                    || (text.contains("Command::new(") && text.contains("\"CARGO\""))
                    || ["Command::new(cargo", "Command::new(&cargo"]
                        .iter()
                        .any(|c| text.contains(c))
                    || (shell && text.contains("cargo "))))
    };
    let git_reads = has(&["\"grep\"", "\"ls-files\"", "\"ls-tree\"", "\"archive\""]);
    flag("--workspace")
        || flag("--all")
        || (walks && rust)
        || runs("cargo")
        || (runs("git") && git_reads)
        || ["find", "grep", "rg"].iter().any(|p| runs(p))
}

/// The name a file no package owns is looked for by: its file name; none for a manifest,
/// whose names are dependencies.
pub(super) fn shared_name(path: &Path) -> Option<&str> {
    let name = path.file_name()?.to_str()?;
    (name != "Cargo.toml" && name != "Cargo.lock").then_some(name)
}

/// Whether the file at `path` is a document (Markdown, reStructuredText, AsciiDoc, HTML):
/// the paths it holds are links a reader follows, not files a test runs. Each of our crates'
/// READMEs links the root's ARCHITECTURE.md, which names every package: read as a run, every
/// package would be in every key.
pub(super) fn is_document(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    ["md", "markdown", "rst", "adoc", "html", "htm"]
        .iter()
        .any(|e| extension.eq_ignore_ascii_case(e))
}

/// Adds to `paths` each path written in `text` (a run of word characters, `.`, `/`, `+` and
/// `*`) whose last part is the file name of a file of `shared`, or a glob.
pub(super) fn shared_paths_in(
    text: &str,
    shared: &BTreeMap<String, Vec<PathBuf>>,
    paths: &mut std::collections::BTreeSet<String>,
) {
    let written = text.split(|c: char| !(is_word_char(c) || matches!(c, '.' | '/' | '+' | '*')));
    for path in written {
        let name = path.rsplit('/').next().unwrap_or(path);
        // A glob (`../hooks/*.sh`) leads to every file of its directory, one with a name:
        // `/*` opens a comment, and would lead to the root's README.
        let named_dir = path
            .rsplit_once('/')
            .is_some_and(|(dir, _)| dir.chars().any(char::is_alphanumeric));
        let globbed = name.contains('*') && named_dir;
        if (globbed || shared.contains_key(name)) && !paths.contains(path) {
            paths.insert(path.to_owned());
            // One past the most followed: the file may lead to any file of no package.
            if paths.len() > MAX_PATHS_IN_FILE {
                return;
            }
        }
    }
}

/// A manifest table as text for names, without the fields that describe the package (its
/// name, version, authors, description, links to its repository and documentation:
/// `repository = "…/cargo-gate/cargo-gate"` would name the main package from every member):
/// what is left (`readme`, `metadata`, `build`, `include`) may be a path a test reads.
pub(super) fn readable_fields(table: &toml::Value) -> Option<String> {
    const DESCRIBING: [&str; 14] = [
        "name",
        "version",
        "edition",
        "rust-version",
        "authors",
        "description",
        "documentation",
        "homepage",
        "repository",
        "license",
        "keywords",
        "categories",
        "publish",
        "resolver",
    ];
    let mut table = table.as_table()?.clone();
    table.retain(|key, _| !DESCRIBING.contains(&key));
    toml::to_string(&table).ok()
}

/// The value of cargo's `-p` in a word of short flags run together: `-pNAME`, `-qpNAME`
/// (the seventeenth session's second hostile pass hid a package so).
pub(super) fn short_p_value(word: &str) -> Option<&str> {
    let flags = word.strip_prefix('-').filter(|f| !f.starts_with('-'))?;
    let at = flags.find('p')?;
    flags[..at]
        .bytes()
        .all(|b| b.is_ascii_alphabetic())
        .then(|| &flags[at + 1..])
        .filter(|name| !name.is_empty())
}

/// Hands `each` the text of `file` in windows of `window` bytes, each beginning with the last
/// `overlap` bytes of the one before (so a word or path cut at a window's end is whole in the
/// next), every byte in one window at least and a file that fits one window in exactly one;
/// `None` when the file holds more than `max` bytes or cannot be read.
pub(super) fn in_windows(
    file: std::fs::File,
    window: u64,
    overlap: usize,
    max: u64,
    mut each: impl FnMut(&str),
) -> Option<()> {
    use std::io::Read as _;
    // Sized to the file, which is mostly far smaller than a window.
    let len = file.metadata().ok()?.len();
    let mut held: Vec<u8> = Vec::with_capacity(usize::try_from(len.min(window)).ok()?);
    let mut reader = file.take(max.saturating_add(1));
    let mut total = 0u64;
    loop {
        let read = (&mut reader).take(window).read_to_end(&mut held).ok()?;
        total += read as u64;
        if total > max {
            return None;
        }
        // The end: what is still held was in the window before.
        if read == 0 {
            return Some(());
        }
        each(&String::from_utf8_lossy(&held));
        let from = held.len().saturating_sub(overlap);
        held.drain(..from);
    }
}

/// Whether `c` is part of a word a name may be: an identifier character or `-`.
pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Whether `text` holds `word` with no identifier character (or `-`) on either side.
#[cfg(test)]
pub(super) fn holds_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !is_word_char(c)).any(|w| w == word)
}

#[cfg(test)]
mod tests {
    use super::{names_every_package, test_part};

    /// A cargo call over the whole workspace and a walk for Rust files name every package;
    /// `--all-features`, a walk for other files and a `.rs` path read alone do not.
    #[test]
    fn a_workspace_call_or_a_walk_for_rust_files_names_every_package() {
        for every in [
            r#"Command::new(env!("CARGO")).args(["check"])"#,
            r#"std::process::Command::new("git").args(["-C", "..", "grep", "-n", m])"#,
            r#"Command::new("rg").arg(marker)"#,
            r#".args(["doc", "--workspace", "--no-deps"])"#,
            "cargo test --all\n",
            r#"for e in std::fs::read_dir(d)? { if p.extension() == Some("rs".as_ref()) {} }"#,
            r#"for e in walkdir::WalkDir::new(root) { if name.ends_with(".rs") {} }"#,
            r#"glob("src/**/*.rs")"#,
            // The hostile pass after the thirty-first session's trial.
            r#"let cargo = std::env::var("CARGO").unwrap(); Command::new(cargo).arg("check")"#,
            r#"Command::new(&cargo).args(["check"])"#,
            r#"Command::new("sh").args(["-c", "cargo check -q"])"#,
            r#"for e in jwalk::WalkDir::new(r) { if n.ends_with(".rs") {} }"#,
            r#"glob_with("**/*.{rs,toml}", opts)"#,
        ] {
            assert!(names_every_package(every), "{every}");
        }
        for not in [
            r#"Command::new("git").args(["init", "-q"])"#,
            r#".args(["build", "--all-features", "--workspace-x"])"#,
            r#"for e in std::fs::read_dir(d)? { if name.ends_with(".json") {} }"#,
            r#"include_str!("../src/lib.rs")"#,
            r#"Command::new("sh").args(["-c", "make check"])"#,
            r#"env!("CARGO_MANIFEST_DIR")"#,
        ] {
            assert!(!names_every_package(not), "{not}");
        }
    }

    /// Under `tests/` a file is test code whole; elsewhere from its first test attribute on.
    #[test]
    fn test_code_is_the_file_under_tests_or_its_test_module() {
        let text = "fn build() { run(\"--workspace\") }\n#[cfg(test)]\nmod tests {}\n";
        assert_eq!(test_part(text, true), text);
        assert_eq!(test_part(text, false), "#[cfg(test)]\nmod tests {}\n");
        assert_eq!(test_part("fn main() {}\n", false), "");
    }
}
