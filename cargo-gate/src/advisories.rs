//! The RustSec advisory database on disk, for `deps.advisories`: where it is, reading it one
//! advisory at a time, how old it is, and fetching it.
//!
//! - **Where.** `[advisories] db-path` when written; else `CARGO_GATE_ADVISORY_DB` (a CI
//!   image with the database baked in); else the first of the places the field's tools keep
//!   it: `$CARGO_HOME/advisory-db` (cargo-audit) and `$CARGO_HOME/advisory-dbs/*` (cargo-deny,
//!   one directory per database URL; the newest).
//! - **Reading.** Every `crates/<name>/*.md` is parsed on its own with the `rustsec` crate. An
//!   advisory that does not parse (a format the parser does not know yet: this is how a CVSS
//!   4.0 vector broke cargo-audit's and cargo-deny's CI in 2024) is reported by name and left
//!   out; the others are still matched. Drafts (`RUSTSEC-0000-0000`) are skipped.
//! - **Age.** The newest of the checkout's last commit (its time from `git log`, with
//!   `safe.directory=*` so a database owned by another user is still read) and its last fetch
//!   (`.git/FETCH_HEAD`'s time); a database that is not a git checkout has no known age.
//! - **Fetching.** Only [`fetch`] reaches the network, and only when asked (`cargo gate
//!   fetch-advisories`, or `--fetch` on a stage): a shallow `git clone` into a temporary
//!   directory beside the target, moved into place when complete, or `git fetch` + `reset`
//!   of an existing checkout.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// Where the RustSec database is published.
pub const DEFAULT_URL: &str = "https://github.com/rustsec/advisory-db";

/// Where the database was looked for and found (or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// A directory with a `crates/` directory.
    Found(PathBuf),
    /// Not found: the places tried.
    Missing(Vec<PathBuf>),
}

/// The environment variable that names the database when `[advisories] db-path` does not.
pub const ENV: &str = "CARGO_GATE_ADVISORY_DB";

/// The database to read: `configured` (relative to `root`) when given, else
/// [`ENV`], else the first of the default places that holds one.
pub fn locate(configured: Option<&Path>, root: &Path) -> Located {
    let from_env = std::env::var_os(ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let candidates = match (configured, from_env) {
        (Some(path), _) => vec![root.join(path)],
        (None, Some(path)) => vec![path],
        (None, None) => default_places(),
    };
    match candidates.iter().find(|p| p.join("crates").is_dir()) {
        Some(found) => Located::Found(found.clone()),
        None => Located::Missing(candidates),
    }
}

/// Where [`fetch`] puts the database: `configured` (relative to `root`), else [`ENV`], else
/// `$CARGO_HOME/advisory-db`.
pub fn target(configured: Option<&Path>, root: &Path) -> Option<PathBuf> {
    if let Some(path) = configured {
        return Some(root.join(path));
    }
    std::env::var_os(ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| crate::cargo::home().map(|home| home.join("advisory-db")))
}

fn default_places() -> Vec<PathBuf> {
    let Some(home) = crate::cargo::home() else {
        return Vec::new();
    };
    let mut places = vec![home.join("advisory-db")];
    // cargo-deny's: one directory per database URL; the newest first.
    let mut deny: Vec<(SystemTime, PathBuf)> = std::fs::read_dir(home.join("advisory-dbs"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("crates").is_dir())
        .map(|p| {
            (
                updated(&p, head_commit(&p).is_some()).unwrap_or(SystemTime::UNIX_EPOCH),
                p,
            )
        })
        .collect();
    deny.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    if deny.is_empty() {
        places.push(home.join("advisory-dbs").join("*"));
    }
    places.extend(deny.into_iter().map(|(_, p)| p));
    places
}

/// An advisory file that could not be read.
#[derive(Debug, Clone)]
pub struct Unreadable {
    /// Its path inside the database, `/`-separated.
    pub file: String,
    /// The parser's message.
    pub error: String,
}

/// The database, read.
#[derive(Debug)]
pub struct Database {
    /// Its directory.
    pub path: PathBuf,
    /// How many advisories the database holds (read or not).
    pub in_database: usize,
    /// Every advisory read that parsed (withdrawn ones included; matching leaves them out).
    pub advisories: Vec<rustsec::Advisory>,
    /// The files that did not.
    pub unreadable: Vec<Unreadable>,
    /// When it was last updated, when that can be told (see the module docs).
    pub updated: Option<SystemTime>,
    /// The commit checked out, when it is a git checkout.
    pub commit: Option<String>,
}

/// Reads the database at `path` (a directory with `crates/`); `Err` when that directory
/// cannot be listed at all. With `only`, just the advisories of those crates are parsed (the
/// database keeps one directory per crate; the others are counted, not read): matching a
/// lockfile then costs what its crates' advisories cost, not the whole database's.
pub fn load(
    path: &Path,
    only: Option<&std::collections::HashSet<String>>,
) -> Result<Database, String> {
    let crates = path.join("crates");
    let mut files = Vec::new();
    let mut in_database = 0;
    let dirs =
        std::fs::read_dir(&crates).map_err(|e| format!("cannot list {}: {e}", crates.display()))?;
    for dir in dirs.flatten() {
        let Ok(entries) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        let wanted = only.is_none_or(|names| {
            dir.file_name()
                .to_str()
                .is_some_and(|name| names.contains(name))
        });
        for entry in entries.flatten() {
            let file = entry.path();
            if file.extension().is_some_and(|e| e == "md") && !rustsec::Advisory::is_draft(&file) {
                in_database += 1;
                if wanted {
                    files.push(file);
                }
            }
        }
    }
    files.sort();
    let mut advisories = Vec::with_capacity(files.len());
    let mut unreadable = Vec::new();
    for file in files {
        let parsed = std::fs::read_to_string(&file)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                text.parse::<rustsec::Advisory>()
                    .map_err(|e| error_text(&e))
            });
        match parsed {
            Ok(advisory) => advisories.push(advisory),
            Err(error) => unreadable.push(Unreadable {
                file: crate::checks::relative(path, &file),
                error,
            }),
        }
    }
    let commit = head_commit(path);
    Ok(Database {
        path: path.to_owned(),
        in_database,
        advisories,
        unreadable,
        updated: updated(path, commit.is_some()),
        commit,
    })
}

/// The parser's message with its causes, on one line (a TOML error's quoted source and
/// caret lines left out: the position is in its first line).
fn error_text(error: &rustsec::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        for line in cause.to_string().lines() {
            let line = line.trim();
            let quoted = line.starts_with('|')
                || line
                    .split_once(" |")
                    .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()));
            if !line.is_empty() && !quoted && !parts.iter().any(|p| p.contains(line)) {
                parts.push(line.to_owned());
            }
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// The newest of the last commit's time (when HEAD names a commit) and the last fetch's (see
/// the module docs).
fn updated(path: &Path, has_commit: bool) -> Option<SystemTime> {
    let fetched = std::fs::metadata(path.join(".git").join("FETCH_HEAD"))
        .and_then(|m| m.modified())
        .ok();
    let committed = if has_commit { commit_time(path) } else { None };
    fetched.max(committed)
}

/// The commit HEAD names, read from `.git` (loose or packed ref, or a detached HEAD).
fn head_commit(path: &Path) -> Option<String> {
    let git = path.join(".git");
    let head = std::fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref: ") else {
        return is_hash(head).then(|| head.to_owned());
    };
    if let Ok(text) = std::fs::read_to_string(git.join(reference)) {
        let hash = text.trim();
        return is_hash(hash).then(|| hash.to_owned());
    }
    let packed = std::fs::read_to_string(git.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| {
        let (hash, name) = line.split_once(' ')?;
        (name == reference && is_hash(hash)).then(|| hash.to_owned())
    })
}

fn is_hash(text: &str) -> bool {
    text.len() >= 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The committer time of HEAD: `git log` when git is there (the object may be packed).
fn commit_time(path: &Path) -> Option<SystemTime> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(path).args([
        "-c",
        "safe.directory=*",
        "log",
        "-1",
        "--format=%ct",
        "HEAD",
    ]);
    let output = crate::process::output(cmd).ok()?;
    let secs: u64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .ok()?;
    output
        .status
        .success()
        .then(|| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// Brings the database at `target` up to date from `url` (clones it when there is none):
/// the only network access of the gate. Returns what was done, in one line.
pub fn fetch(target: &Path, url: &str) -> Result<String, String> {
    let git = |args: &[&std::ffi::OsStr]| -> Result<(), String> {
        let mut cmd = Command::new("git");
        cmd.args(args);
        let shown = crate::process::describe(&cmd);
        let output = crate::process::output(cmd)
            .map_err(|e| format!("could not run `{shown}`: {e} (is git installed?)"))?;
        if output.status.success() {
            Ok(())
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            Err(format!(
                "`{shown}` failed: {}",
                last.unwrap_or("no message").trim()
            ))
        }
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    if target.join(".git").exists() {
        let dir = target.as_os_str();
        git(&[
            &os("-C"),
            dir,
            &os("fetch"),
            &os("--depth"),
            &os("1"),
            &os(url),
            &os("HEAD"),
        ])?;
        git(&[
            &os("-C"),
            dir,
            &os("reset"),
            &os("--hard"),
            &os("--quiet"),
            &os("FETCH_HEAD"),
        ])?;
        return Ok(format!("updated {} from {url}", target.display()));
    }
    if target.exists() {
        return Err(format!(
            "{} exists and is not a git checkout: move it away, or set [advisories] db-path to \
             another directory",
            target.display()
        ));
    }
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    // Cloned beside the target and moved into place when complete: an interrupted clone
    // leaves no half database where the check would read it.
    let scratch = tempfile::Builder::new()
        .prefix(".advisory-db-")
        .tempdir_in(parent)
        .map_err(|e| format!("cannot create a directory in {}: {e}", parent.display()))?;
    let clone = scratch.path().join("db");
    git(&[
        &os("clone"),
        &os("--quiet"),
        &os("--depth"),
        &os("1"),
        &os(url),
        clone.as_os_str(),
    ])?;
    #[expect(
        clippy::disallowed_methods,
        reason = "moving a whole cloned directory into place"
    )]
    std::fs::rename(&clone, target)
        .map_err(|e| format!("cannot move the clone to {}: {e}", target.display()))?;
    Ok(format!("cloned {url} into {}", target.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADVISORY: &str = "```toml\n[advisory]\nid = \"RUSTSEC-2020-0001\"\npackage = \"demo\"\ndate = \"2020-01-01\"\n\n[versions]\npatched = [\">= 1.0.1\"]\n```\n\n# Demo is broken\n\nIt is.\n";

    fn db(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn an_advisory_that_does_not_parse_is_named_and_the_others_are_read() {
        let dir = db(&[
            ("crates/demo/RUSTSEC-2020-0001.md", ADVISORY),
            (
                "crates/demo/RUSTSEC-2020-0002.md",
                &ADVISORY
                    .replace("0001", "0002")
                    .replace("date = \"2020-01-01\"", "date = \"yesterday\""),
            ),
            ("crates/demo/RUSTSEC-0000-0000.md", "draft, never parsed"),
        ]);
        let db = load(dir.path(), None).unwrap();
        assert_eq!(db.advisories.len(), 1);
        assert_eq!(db.advisories[0].id().as_str(), "RUSTSEC-2020-0001");
        assert_eq!(db.unreadable.len(), 1, "{:?}", db.unreadable);
        assert_eq!(db.unreadable[0].file, "crates/demo/RUSTSEC-2020-0002.md");
        assert!(!db.unreadable[0].error.is_empty());
        assert_eq!(db.updated, None, "not a git checkout: no age");
        assert_eq!(db.commit, None);
    }

    #[test]
    fn a_configured_path_is_relative_to_the_root_and_missing_says_where_it_looked() {
        let dir = db(&[("vendor/db/crates/demo/RUSTSEC-2020-0001.md", ADVISORY)]);
        assert_eq!(
            locate(Some(Path::new("vendor/db")), dir.path()),
            Located::Found(dir.path().join("vendor/db"))
        );
        assert_eq!(
            locate(Some(Path::new("elsewhere")), dir.path()),
            Located::Missing(vec![dir.path().join("elsewhere")])
        );
    }

    #[test]
    fn fetch_refuses_to_replace_a_directory_that_is_not_a_checkout() {
        let dir = db(&[("db/notes.txt", "mine")]);
        let err = fetch(&dir.path().join("db"), "/nowhere").unwrap_err();
        assert!(err.contains("is not a git checkout"), "{err}");
        assert!(dir.path().join("db/notes.txt").is_file());
    }
}
