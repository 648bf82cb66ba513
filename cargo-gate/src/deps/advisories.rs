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
//!   out; the others are still matched. Drafts (`RUSTSEC-0000-0000`) are skipped. A file is
//!   opened only once `symlink_metadata` says it is a regular file, and read only up to
//!   [`MAX_FILE_SIZE`]: a FIFO, socket, device or link (opening a FIFO waits for a writer
//!   forever) or a larger file is reported by name, never read.
//! - **Age.** The newest of the checkout's last commit (its time from `git log`, with
//!   `safe.directory=*` so a database owned by another user is still read) and its last fetch
//!   (`.git/FETCH_HEAD`'s time); a database that is not a git checkout has no known age.
//!   `.git/HEAD`, the ref it names and `packed-refs` are read like advisories, and `git log`
//!   runs only when the files it would open are regular ones: otherwise the age is unknown
//!   and the note says which file is wrong.
//! - **Fetching.** Only [`fetch`] reaches the network, and only when asked (`cargo gate
//!   fetch-advisories`, or `--fetch` on a stage). The directory must be the gate's own: one
//!   the fetch creates, or an existing git checkout whose origin is the configured URL; never
//!   the workspace, a directory inside it or inside its git repository, or one that holds it.
//!   The URL must be `https://`, `ssh://`, `file://`, `user@host:path` or an absolute path
//!   ([`url_problem`]; never a leading `-`). The fetch is a shallow `git clone -- URL DIR`
//!   into a fresh temporary directory beside the target (only the https, ssh and file
//!   transports allowed, no hooks run), then a swap: the old database renamed aside, the new
//!   one renamed into place, the old one removed (and put back when the swap fails). Nothing
//!   is ever fetched into, reset or checked out in an existing directory.

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
        .or_else(|| crate::tools::cargo::home().map(|home| home.join("advisory-db")))
}

fn default_places() -> Vec<PathBuf> {
    let Some(home) = crate::tools::cargo::home() else {
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
                updated(&p, head_commit(&p).ok().flatten().as_deref())
                    .unwrap_or(SystemTime::UNIX_EPOCH),
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
    /// Why the age cannot be told although `.git` is there: which of its files is not a
    /// regular file (and so was never opened).
    pub age_note: Option<String>,
}

/// The largest file the database is read from: an advisory (the largest in the RustSec
/// database is a few KiB), `.git/HEAD`, a ref, `packed-refs`.
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// Why a file of the database was not read.
#[derive(Debug)]
enum NotRead {
    /// It could not be read (absent, no permission).
    Io(std::io::Error),
    /// It is not a regular file, or too large: refused, never opened (or not read past the
    /// limit).
    Refused(String),
}

/// The text of `path`, read only when it is a regular file of at most `limit` bytes: a FIFO,
/// socket, device, link or directory is refused by what it is, never opened.
fn read_regular(path: &Path, limit: u64) -> Result<String, NotRead> {
    let refused = |what: String| NotRead::Refused(what);
    let meta = std::fs::symlink_metadata(path).map_err(NotRead::Io)?;
    if let crate::record::FileKind::Other(what) = crate::record::file_kind(&meta) {
        return Err(refused(format!(
            "it is a {what}, not a regular file (not opened)"
        )));
    }
    let too_large = || refused(format!("it is larger than {} KiB (not read)", limit / 1024));
    if meta.len() > limit {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(NotRead::Io)?;
    // Checked again on what was opened: the name may have been replaced in between.
    if !file.metadata().map_err(NotRead::Io)?.is_file() {
        return Err(refused("it is not a regular file (not read)".to_owned()));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, limit + 1), &mut bytes)
        .map_err(NotRead::Io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| refused("it is not UTF-8 text".to_owned()))
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
    if !crates.is_dir() {
        return Err(format!("{} is not a directory", crates.display()));
    }
    let mut files = Vec::new();
    let mut in_database = 0;
    let dirs =
        std::fs::read_dir(&crates).map_err(|e| format!("cannot list {}: {e}", crates.display()))?;
    for dir in dirs.flatten() {
        // Only directories are listed: a crate's entry that is anything else is no crate.
        if !dir.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
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
        let parsed = read_regular(&file, MAX_FILE_SIZE)
            .map_err(|e| match e {
                NotRead::Io(e) => e.to_string(),
                NotRead::Refused(why) => why,
            })
            .and_then(|text| {
                text.parse::<rustsec::Advisory>()
                    .map_err(|e| error_text(&e))
            });
        match parsed {
            Ok(advisory) => advisories.push(advisory),
            Err(error) => unreadable.push(Unreadable {
                file: gate_support::path::relative(path, &file),
                error,
            }),
        }
    }
    let (commit, age_note) = match head_commit(path) {
        Ok(commit) => (commit, None),
        Err(note) => (None, Some(note)),
    };
    Ok(Database {
        path: path.to_owned(),
        in_database,
        advisories,
        unreadable,
        updated: updated(path, commit.as_deref()),
        commit,
        age_note,
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

/// The newest of the last commit's time (when HEAD names `commit`) and the last fetch's (see
/// the module docs).
fn updated(path: &Path, commit: Option<&str>) -> Option<SystemTime> {
    let fetched = std::fs::symlink_metadata(path.join(".git").join("FETCH_HEAD"))
        .ok()
        .filter(std::fs::Metadata::is_file)
        .and_then(|m| m.modified().ok());
    let committed = commit.and_then(|commit| commit_time(path, commit));
    fetched.max(committed)
}

/// The commit HEAD names, read from `.git` (loose or packed ref, or a detached HEAD):
/// `Ok(None)` when there is none (not a git checkout), `Err` with a note when one of those
/// files is not a regular file (refused, never opened) or HEAD names no ref under `refs/`.
fn head_commit(path: &Path) -> Result<Option<String>, String> {
    let git = path.join(".git");
    let Some(head) = read_git_file(&git, "HEAD")? else {
        return Ok(None);
    };
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref: ") else {
        return Ok(is_hash(head).then(|| head.to_owned()));
    };
    // Only a ref under refs/ is followed: `..` or an absolute path would read any file.
    let is_ref = reference.starts_with("refs/")
        && reference
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && !reference.contains(['\\', ':']);
    if !is_ref {
        return Err(format!(
            ".git/HEAD names {reference:?}, which is not a ref under refs/ (not followed)"
        ));
    }
    if let Some(text) = read_git_file(&git, reference)? {
        let hash = text.trim();
        return Ok(is_hash(hash).then(|| hash.to_owned()));
    }
    let Some(packed) = read_git_file(&git, "packed-refs")? else {
        return Ok(None);
    };
    Ok(packed.lines().find_map(|line| {
        let (hash, name) = line.split_once(' ')?;
        (name == reference && is_hash(hash)).then(|| hash.to_owned())
    }))
}

/// `.git/<name>`'s text: `None` when it cannot be read (absent: not a checkout), `Err` with a
/// note when it is refused (see [`read_regular`]).
fn read_git_file(git: &Path, name: &str) -> Result<Option<String>, String> {
    match read_regular(&git.join(name), MAX_FILE_SIZE) {
        Ok(text) => Ok(Some(text)),
        Err(NotRead::Io(_)) => Ok(None),
        Err(NotRead::Refused(why)) => Err(format!(".git/{name}: {why}")),
    }
}

fn is_hash(text: &str) -> bool {
    text.len() >= 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The files of `.git` that `git log -1 HEAD` opens besides HEAD and its ref: when one is
/// there and is not a regular file (a FIFO would make git wait forever), git is not run.
fn git_would_block(path: &Path, commit: &str) -> bool {
    let git = path.join(".git");
    let mut files: Vec<PathBuf> = [
        "config",
        "packed-refs",
        "shallow",
        "commondir",
        "objects/info/alternates",
    ]
    .iter()
    .map(|f| git.join(f))
    .collect();
    files.push(git.join("objects").join(&commit[..2]).join(&commit[2..]));
    files.extend(
        std::fs::read_dir(git.join("objects").join("pack"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path()),
    );
    files.iter().any(|file| {
        std::fs::symlink_metadata(file)
            .is_ok_and(|m| crate::record::file_kind(&m) != crate::record::FileKind::File)
    })
}

/// How long `git log` may take to tell the last commit's time.
const COMMIT_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The committer time of `commit` (HEAD): `git log` when git is there (the object may be
/// packed), run only when the files it opens are regular ones, and with nothing in the
/// database's own git configuration able to run a command or reach the network.
fn commit_time(path: &Path, commit: &str) -> Option<SystemTime> {
    if git_would_block(path, commit) {
        return None;
    }
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(path).args(["-c", "safe.directory=*"]);
    harden(&mut cmd, None);
    cmd.args(["log", "-1", "--no-show-signature", "--format=%ct", "HEAD"]);
    let output = crate::tools::process::output_for(cmd, COMMIT_TIME_LIMIT).ok()?;
    let secs: u64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .ok()?;
    output
        .status
        .success()
        .then(|| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// Settings that keep a git command the gate runs from doing more than asked, whatever the
/// repository's or the environment's git configuration says: only the https, ssh and file
/// transports (never `ext::`, whose URL is a command), hooks from an empty directory (`hooks`,
/// when given; none run), no file-system monitor, no submodules, no lazy fetch of missing
/// objects, no credential prompt on a terminal, and no `GIT_DIR`-style variable redirecting
/// it.
fn harden(cmd: &mut Command, hooks: Option<&Path>) {
    for setting in [
        "protocol.allow=never",
        "protocol.https.allow=always",
        "protocol.ssh.allow=always",
        "protocol.file.allow=always",
        "protocol.ext.allow=never",
        "core.fsmonitor=false",
        "submodule.recurse=false",
        "log.showSignature=false",
    ] {
        cmd.args(["-c", setting]);
    }
    if let Some(hooks) = hooks {
        let mut setting = std::ffi::OsString::from("core.hooksPath=");
        setting.push(hooks);
        cmd.arg("-c").arg(setting);
    }
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_CEILING_DIRECTORIES",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_NO_LAZY_FETCH", "1");
}

/// Why `url` is not a URL the gate fetches the database from (`None`: it is one). Accepted:
/// `https://`, `ssh://` and `file://` URLs, scp-like `user@host:path`, and absolute local
/// paths. Never empty, never a leading `-` (git would read it as an option, e.g.
/// `--upload-pack=CMD`), never a control character.
pub fn url_problem(url: &str) -> Option<&'static str> {
    if url.is_empty() {
        return Some("it is empty");
    }
    if url.starts_with('-') {
        return Some("it starts with `-`, which git would read as an option");
    }
    if url.chars().any(char::is_control) {
        return Some("it holds a control character (a NUL byte, a newline, an escape)");
    }
    for scheme in ["https://", "ssh://", "file://"] {
        let Some(rest) = url.strip_prefix(scheme) else {
            continue;
        };
        let authority = rest.split('/').next().unwrap_or_default();
        if scheme != "file://"
            && (authority.is_empty() || authority.split(['@', ':']).any(|p| p.starts_with('-')))
        {
            return Some("its host is empty or starts with `-`");
        }
        if rest.trim_matches('/').is_empty() {
            return Some("it names no repository after the scheme");
        }
        return None;
    }
    if is_scp_like(url) || Path::new(url).is_absolute() {
        return None;
    }
    Some("it is not an https://, ssh:// or file:// URL, user@host:path, or an absolute path")
}

/// `user@host:path`, as git reads it: user and host of plain characters, neither starting
/// with `-`, and a path that does not start with `:`.
fn is_scp_like(url: &str) -> bool {
    let Some((user, rest)) = url.split_once('@') else {
        return false;
    };
    let Some((host, path)) = rest.split_once(':') else {
        return false;
    };
    let plain = |s: &str| {
        !s.is_empty()
            && !s.starts_with('-')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    plain(user) && plain(host) && !path.is_empty() && !path.starts_with(':')
}

/// Why `path` (`[advisories] db-path` as written) names no directory of the database's own
/// (`None`: it may; [`fetch`] checks the rest). Never empty or `.` (both name the workspace
/// root), never a NUL byte.
pub fn path_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("it is empty, which names the workspace root");
    }
    if path.contains('\0') {
        return Some("it holds a NUL byte");
    }
    if Path::new(path)
        .components()
        .all(|c| c == std::path::Component::CurDir)
    {
        return Some("it is `.`, the workspace root");
    }
    None
}

/// What a fetch must leave alone: the workspace and the git repository it is in.
#[derive(Debug, Clone)]
pub struct Protected {
    /// The workspace root.
    pub root: PathBuf,
    /// The top of the git repository around the workspace, when git names one (the nearest
    /// directory holding `.git`, from the root up, is protected as well).
    pub repository: Option<PathBuf>,
}

/// The fix every refusal of a directory names.
const OWN_DIRECTORY: &str = "name a directory of the database's own, outside the workspace's \
     repository, with [advisories] db-path or CARGO_GATE_ADVISORY_DB (the default is \
     $CARGO_HOME/advisory-db)";

/// `path` made absolute with every link resolved: its longest existing ancestor
/// canonicalized, the rest (which cannot hold links) applied by name.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(mut real) => {
                for part in rest.iter().rev() {
                    match part {
                        std::path::Component::ParentDir => {
                            real.pop();
                        }
                        std::path::Component::Normal(name) => real.push(name),
                        _ => {}
                    }
                }
                return Ok(real);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (Some(last), Some(parent)) =
                    (existing.components().next_back(), existing.parent())
                else {
                    return Err(e);
                };
                rest.push(last);
                existing = parent;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The nearest directory holding `.git`, from `root` up.
fn enclosing_repository(root: &Path) -> Option<PathBuf> {
    root.ancestors()
        .find(|dir| std::fs::symlink_metadata(dir.join(".git")).is_ok())
        .map(Path::to_owned)
}

/// Whether `dir` may be written by a fetch of `url`: `Ok(true)` when it holds a database the
/// gate cloned from `url` before (to be replaced), `Ok(false)` when it does not exist yet,
/// `Err` naming the directory and the fix otherwise.
fn gate_owned(dir: &Path, url: &str, protected: &Protected) -> Result<bool, String> {
    let refuse = |why: String| {
        Err(format!(
            "refusing to fetch into {}: {why}; {OWN_DIRECTORY}",
            dir.display()
        ))
    };
    let mut guarded = vec![(protected.root.clone(), "the workspace")];
    guarded.extend(
        protected
            .repository
            .iter()
            .cloned()
            .chain(enclosing_repository(&protected.root))
            .map(|top| (top, "the workspace's git repository")),
    );
    for (place, what) in guarded {
        let Ok(place) = place.canonicalize() else {
            continue;
        };
        if place.starts_with(dir) {
            let how = if place == dir { "is" } else { "holds" };
            return refuse(format!("it {how} {what} ({})", place.display()));
        }
        if dir.starts_with(&place) {
            return refuse(format!("it is inside {what} ({})", place.display()));
        }
    }
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return refuse(format!("it cannot be read ({e})")),
    };
    if !meta.is_dir() {
        return refuse("it exists and is not a directory".to_owned());
    }
    let not_ours = "the gate replaces only a database it cloned from db-url: move it away, or \
                    name another directory with [advisories] db-path or CARGO_GATE_ADVISORY_DB";
    let git = dir.join(".git");
    let config = git.join("config");
    let is_checkout = std::fs::symlink_metadata(&git).is_ok_and(|m| m.is_dir())
        && std::fs::symlink_metadata(&config).is_ok_and(|m| m.is_file());
    if !is_checkout {
        return Err(format!(
            "{} exists and is not a git checkout of an advisory database: {not_ours}",
            dir.display()
        ));
    }
    // Read from the file alone (`--file`: no repository discovery, no includes).
    let mut cmd = Command::new("git");
    harden(&mut cmd, None);
    cmd.args(["config", "--file"])
        .arg(&config)
        .args(["--get", "remote.origin.url"]);
    let origin = crate::tools::process::output(cmd)
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match origin {
        Some(origin) if same_url(&origin, url) => {}
        Some(_) => {
            return Err(format!(
                "{} is a git checkout of another URL than db-url {url} (`git -C {} remote get-url \
             origin` shows it): {not_ours}",
                dir.display(),
                dir.display()
            ));
        }
        None => {
            return Err(format!(
                "{} is a git checkout with no origin URL: {not_ours}",
                dir.display()
            ));
        }
    }
    // A checkout of db-url is replaced only when it is an advisory database the gate cloned
    // (its marker), or a clone of the RustSec database itself (cargo-audit's): a gate.toml
    // could otherwise name a sibling project's checkout and that project's URL, and the swap
    // would delete the project's uncommitted work.
    let marked = std::fs::symlink_metadata(git.join(MARKER)).is_ok_and(|m| m.is_file());
    let has_crates = std::fs::symlink_metadata(dir.join("crates")).is_ok_and(|m| m.is_dir());
    if has_crates && (marked || same_url(url, DEFAULT_URL)) {
        Ok(true)
    } else {
        Err(format!(
            "{} is a git checkout of db-url, but not an advisory database the gate cloned (no \
             crates/ directory, or no .git/{MARKER}): {not_ours}",
            dir.display()
        ))
    }
}

/// The file a fetch leaves in its clone's `.git`, so a later fetch knows the directory as
/// its own.
const MARKER: &str = "cargo-gate-advisory-db";

/// Whether two spellings name the same repository: equal once a trailing `/` or `.git` is
/// dropped (and, for a network URL, case aside: hosts are case-insensitive, and the field's
/// tools clone `RustSec/advisory-db` as well as `rustsec/advisory-db`).
fn same_url(a: &str, b: &str) -> bool {
    let plain = |url: &str| {
        let url = url.trim_end_matches('/');
        let url = url.strip_suffix(".git").unwrap_or(url).to_owned();
        if url.starts_with("https://") || url.starts_with("ssh://") || is_scp_like(&url) {
            url.to_ascii_lowercase()
        } else {
            url
        }
    };
    plain(a) == plain(b)
}

/// Brings the database at `target` up to date from `url`, the only network access of the
/// gate: a shallow clone into a fresh directory beside it, swapped in when complete (see the
/// module docs). Refuses (with the directory and the fix) a target that is not the gate's
/// own and a URL [`url_problem`] rejects. Returns what was done, in one line.
pub fn fetch(target: &Path, url: &str, protected: &Protected) -> Result<String, String> {
    if let Some(problem) = url_problem(url) {
        return Err(format!(
            "db-url {url:?} is refused: {problem}; write an https://, ssh:// or file:// URL, \
             user@host:path, or an absolute path"
        ));
    }
    if target.as_os_str().is_empty() || target.to_string_lossy().contains('\0') {
        return Err(format!(
            "the database directory {target:?} is empty or holds a NUL byte; {OWN_DIRECTORY}"
        ));
    }
    if std::fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "refusing to fetch into {}: it is a symbolic link (the gate replaces the directory \
             it names, never a link's target); {OWN_DIRECTORY}",
            target.display()
        ));
    }
    let dir = resolve(target).map_err(|e| format!("cannot resolve {}: {e}", target.display()))?;
    let existing = gate_owned(&dir, url, protected)?;
    let parent = dir
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", dir.display()))?;
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    // Cloned beside the target (the same file system, so the swap is two renames): an
    // interrupted or failed clone leaves the old database as it was, and no half database
    // where the check would read it.
    let scratch = tempfile::Builder::new()
        .prefix(".advisory-db-")
        .tempdir_in(parent)
        .map_err(|e| format!("cannot create a directory in {}: {e}", parent.display()))?;
    let hooks = scratch.path().join("no-hooks");
    std::fs::create_dir(&hooks).map_err(|e| format!("cannot create {}: {e}", hooks.display()))?;
    let clone = scratch.path().join("db");
    let mut cmd = Command::new("git");
    harden(&mut cmd, Some(&hooks));
    cmd.args(["clone", "--quiet", "--depth", "1", "--no-tags", "--"])
        .arg(url)
        .arg(&clone);
    let shown = crate::tools::process::describe(&cmd);
    let output = crate::tools::process::output(cmd)
        .map_err(|e| format!("could not run `{shown}`: {e} (is git installed?)"))?;
    let kept = if existing {
        format!("; the database at {} was left as it was", dir.display())
    } else {
        String::new()
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(format!(
            "`{shown}` failed: {}{kept}",
            last.unwrap_or("no message").trim()
        ));
    }
    if !clone.join("crates").is_dir() {
        return Err(format!(
            "{url} holds no crates/ directory, so it is not a RustSec advisory database{kept}"
        ));
    }
    std::fs::write(
        clone.join(".git").join(MARKER),
        format!("cloned by `cargo gate fetch-advisories` from {url}\n"),
    )
    .map_err(|e| format!("cannot write {}: {e}", clone.join(".git").display()))?;
    if !existing {
        rename(&clone, &dir)
            .map_err(|e| format!("cannot move the clone to {}: {e}", dir.display()))?;
        return Ok(format!("cloned {url} into {}", dir.display()));
    }
    let aside = scratch.path().join("old");
    rename(&dir, &aside).map_err(|e| {
        format!(
            "cannot move the old database at {} aside: {e}",
            dir.display()
        )
    })?;
    if let Err(e) = rename(&clone, &dir) {
        return Err(match rename(&aside, &dir) {
            Ok(()) => format!(
                "cannot move the clone to {}: {e}; the old database was put back",
                dir.display()
            ),
            Err(back) => format!(
                "cannot move the clone to {}: {e}, nor the old database back ({back}): it is \
                 at {}",
                dir.display(),
                scratch.keep().join("old").display()
            ),
        });
    }
    // The old database goes with the scratch directory.
    drop(scratch);
    Ok(format!("updated {} from {url}", dir.display()))
}

/// Moves a whole directory (a clone, or the database it replaces) within one parent.
fn rename(from: &Path, to: &Path) -> std::io::Result<()> {
    gate_support::atomic::move_dir(from, to)
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

    /// `git ARGS…` in `dir`, as the tests' user; panics when it fails.
    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=gate-tests",
                "-c",
                "user.email=t@example.invalid",
            ])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    /// A git repository holding an advisory database (one advisory) at `dir`.
    fn source(dir: &Path) -> String {
        std::fs::create_dir_all(dir.join("crates/demo")).unwrap();
        std::fs::write(dir.join("crates/demo/RUSTSEC-2020-0001.md"), ADVISORY).unwrap();
        git(dir, &["init", "-q"]);
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "advisories"]);
        dir.to_str().unwrap().to_owned()
    }

    /// A workspace that is a git repository (`<tmp>/repo`, the workspace in `repo/ws`), what
    /// it must protect, and a database source beside it (`<tmp>/source`).
    struct Setup {
        dir: tempfile::TempDir,
        protected: Protected,
        url: String,
    }

    fn setup() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("ws/src")).unwrap();
        std::fs::write(repo.join("ws/Cargo.toml"), "[workspace]\n").unwrap();
        std::fs::write(repo.join("notes.txt"), "mine\n").unwrap();
        git(&repo, &["init", "-q"]);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "work"]);
        let url = source(&dir.path().join("source"));
        Setup {
            protected: Protected {
                root: repo.join("ws"),
                repository: Some(repo),
            },
            dir,
            url,
        }
    }

    /// Every file under `dir` (relative, sorted), `.git` left out.
    fn files(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_owned()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.file_name() == ".git" {
                    continue;
                }
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                } else {
                    out.push(gate_support::path::relative(dir, &e.path()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn urls_are_https_ssh_file_scp_like_or_absolute_paths() {
        for ok in [
            "https://github.com/rustsec/advisory-db",
            "ssh://git@example.com/rustsec/advisory-db.git",
            "git@github.com:rustsec/advisory-db.git",
            "file:///srv/advisory-db",
        ] {
            assert_eq!(url_problem(ok), None, "{ok}");
        }
        #[cfg(unix)]
        assert_eq!(url_problem("/srv/advisory-db"), None);
        for (bad, why) in [
            ("", "empty"),
            ("--upload-pack=touch pwned", "starts with `-`"),
            ("-c", "starts with `-`"),
            ("https://example.com/db\0", "control character"),
            ("https://example.com/db\n", "control character"),
            ("http://example.com/db", "not an https://"),
            ("git://example.com/db", "not an https://"),
            ("ext::sh -c touch% pwned", "not an https://"),
            ("fd::17", "not an https://"),
            ("relative/advisory-db", "not an https://"),
            (
                "ssh://-oProxyCommand=touch%20pwned/db",
                "host is empty or starts with `-`",
            ),
            ("ssh://user@-host/db", "host is empty or starts with `-`"),
            ("https:///db", "host is empty"),
            ("https://", "host is empty"),
            ("file://", "names no repository"),
            ("git@-oProxyCommand=x:db", "not an https://"),
            ("-oProxyCommand=x@host:db", "starts with `-`"),
            ("git@host::db", "not an https://"),
        ] {
            let problem = url_problem(bad).unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(problem.contains(why), "{bad:?}: {problem}");
        }
    }

    #[test]
    fn a_db_path_is_never_empty_dot_or_nul() {
        for bad in ["", ".", "./", "./.", "db\0x"] {
            assert!(path_problem(bad).is_some(), "{bad:?} accepted");
        }
        for ok in ["db", "../advisory-db", "/var/cache/advisory-db", "./db"] {
            assert_eq!(path_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn fetch_never_writes_the_workspace_or_its_repository() {
        if !crate::checks::testing::runs("git") {
            return;
        }
        let s = setup();
        let repo = s.protected.repository.clone().unwrap();
        let root = s.protected.root.clone();
        for (target, why) in [
            (root.clone(), "it is the workspace"),
            (root.join(""), "it is the workspace"),
            (root.join("."), "it is the workspace"),
            (root.join("db/.."), "it is the workspace"),
            (repo.clone(), "it holds the workspace"),
            (s.dir.path().to_owned(), "it holds the workspace"),
            (PathBuf::from("/"), "it holds the workspace"),
            (root.join("db"), "it is inside the workspace"),
            (
                root.join("target/advisory-db"),
                "it is inside the workspace",
            ),
            (
                repo.join("db"),
                "it is inside the workspace's git repository",
            ),
            (
                repo.join(".git/db"),
                "it is inside the workspace's git repository",
            ),
        ] {
            let err = fetch(&target, &s.url, &s.protected).unwrap_err();
            assert!(err.starts_with("refusing to fetch into "), "{err}");
            assert!(err.contains(why), "{target:?}: {err}");
            assert!(err.contains("[advisories] db-path"), "names the fix: {err}");
        }
        // Also when git did not name the repository: its `.git` is found from the root up.
        let unnamed = Protected {
            root: root.clone(),
            repository: None,
        };
        let err = fetch(&repo.join("db"), &s.url, &unnamed).unwrap_err();
        assert!(
            err.contains("inside the workspace's git repository"),
            "{err}"
        );
        // Nothing moved: the work and its history are as they were.
        assert_eq!(files(&repo), ["notes.txt", "ws/Cargo.toml"]);
        let status = Command::new("git")
            .args(["status", "--porcelain"])
            .current_dir(&repo)
            .output()
            .unwrap();
        assert!(status.stdout.is_empty(), "{status:?}");
        assert!(!repo.join("db").exists() && !root.join("db").exists());
    }

    #[test]
    fn fetch_replaces_only_a_checkout_of_the_configured_url() {
        if !crate::checks::testing::runs("git") {
            return;
        }
        let s = setup();
        let mine = s.dir.path().join("mine");
        std::fs::create_dir_all(&mine).unwrap();
        std::fs::write(mine.join("notes.txt"), "mine").unwrap();
        let err = fetch(&mine, &s.url, &s.protected).unwrap_err();
        assert!(err.contains("is not a git checkout"), "{err}");
        assert!(err.contains("move it away"), "{err}");
        // A checkout of another repository.
        let other = source(&s.dir.path().join("other"));
        let err = fetch(Path::new(&other), &s.url, &s.protected).unwrap_err();
        assert!(
            err.contains("is a git checkout with no origin URL"),
            "{err}"
        );
        let clone = s.dir.path().join("clone-of-other");
        git(
            s.dir.path(),
            &["clone", "-q", "--", &other, "clone-of-other"],
        );
        let err = fetch(&clone, &s.url, &s.protected).unwrap_err();
        assert!(
            err.contains("a git checkout of another URL than db-url"),
            "{err}"
        );
        // A checkout of db-url the gate did not clone (a sibling project named with its own
        // URL): never replaced. A clone of the RustSec database itself (cargo-audit's) is.
        let by_hand = s.dir.path().join("by-hand");
        git(s.dir.path(), &["clone", "-q", "--", &s.url, "by-hand"]);
        let err = fetch(&by_hand, &s.url, &s.protected).unwrap_err();
        assert!(
            err.contains("not an advisory database the gate cloned"),
            "{err}"
        );
        assert_eq!(files(&by_hand), ["crates/demo/RUSTSEC-2020-0001.md"]);
        git(&by_hand, &["remote", "set-url", "origin", DEFAULT_URL]);
        let by_hand = by_hand.canonicalize().unwrap();
        assert_eq!(
            gate_owned(
                &by_hand,
                "https://github.com/RustSec/advisory-db.git",
                &s.protected
            ),
            Ok(true)
        );
        // A file, and a link (to a directory of the gate's own).
        std::fs::write(s.dir.path().join("file"), "x").unwrap();
        let err = fetch(&s.dir.path().join("file"), &s.url, &s.protected).unwrap_err();
        assert!(err.contains("is not a directory"), "{err}");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&mine, s.dir.path().join("link")).unwrap();
            let err = fetch(&s.dir.path().join("link"), &s.url, &s.protected).unwrap_err();
            assert!(err.contains("is a symbolic link"), "{err}");
        }
        // Each refused directory is as it was.
        assert_eq!(files(&mine), ["notes.txt"]);
        assert_eq!(files(&clone), ["crates/demo/RUSTSEC-2020-0001.md"]);
    }

    #[test]
    fn a_hostile_url_runs_nothing() {
        if !crate::checks::testing::runs("git") {
            return;
        }
        let s = setup();
        let pwned = s.dir.path().join("pwned");
        let target = s.dir.path().join("db");
        for url in [
            format!("--upload-pack=touch {}", pwned.display()),
            format!("ext::sh -c touch% {}", pwned.display()),
            String::new(),
        ] {
            let err = fetch(&target, &url, &s.protected).unwrap_err();
            assert!(err.contains("is refused"), "{err}");
        }
        assert!(!pwned.exists(), "a command ran");
        assert!(!target.exists());
    }

    #[test]
    fn a_fetch_clones_then_replaces_and_a_failed_one_keeps_the_old_database() {
        if !crate::checks::testing::runs("git") {
            return;
        }
        let s = setup();
        let target = s.dir.path().join("cache/advisory-db");
        let done = fetch(&target, &s.url, &s.protected).unwrap();
        assert!(done.starts_with("cloned "), "{done}");
        assert_eq!(files(&target), ["crates/demo/RUSTSEC-2020-0001.md"]);
        // A new advisory upstream: the update replaces the database.
        let upstream = s.dir.path().join("source");
        std::fs::write(
            upstream.join("crates/demo/RUSTSEC-2020-0002.md"),
            ADVISORY.replace("0001", "0002"),
        )
        .unwrap();
        git(&upstream, &["add", "-A"]);
        git(&upstream, &["commit", "-q", "-m", "more"]);
        std::fs::write(target.join("left-by-hand.txt"), "x").unwrap();
        let done = fetch(&target, &s.url, &s.protected).unwrap();
        assert!(done.starts_with("updated "), "{done}");
        assert_eq!(
            files(&target),
            [
                "crates/demo/RUSTSEC-2020-0001.md",
                "crates/demo/RUSTSEC-2020-0002.md"
            ]
        );
        assert_eq!(load(&target, None).unwrap().advisories.len(), 2);
        // Upstream gone: the clone fails, the old database stays whole.
        rename(&upstream, &s.dir.path().join("moved")).unwrap();
        let err = fetch(&target, &s.url, &s.protected).unwrap_err();
        assert!(err.contains("`git"), "{err}");
        assert!(err.contains("was left as it was"), "{err}");
        assert_eq!(load(&target, None).unwrap().advisories.len(), 2);
        // Upstream is not an advisory database: refused after the clone, the old one kept.
        let not_db = s.dir.path().join("moved");
        std::fs::remove_dir_all(not_db.join("crates")).unwrap();
        std::fs::write(not_db.join("README"), "x").unwrap();
        git(&not_db, &["add", "-A"]);
        git(&not_db, &["commit", "-q", "-m", "gone"]);
        rename(&not_db, &upstream).unwrap();
        let err = fetch(&target, &s.url, &s.protected).unwrap_err();
        assert!(err.contains("not a RustSec advisory database"), "{err}");
        assert_eq!(load(&target, None).unwrap().advisories.len(), 2);
        // No scratch directory is left beside it.
        let beside: Vec<_> = std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(beside, ["advisory-db"]);
    }

    #[test]
    fn an_oversized_advisory_or_a_head_outside_refs_is_reported_not_read() {
        let big = format!("{ADVISORY}{}", "x".repeat(MAX_FILE_SIZE as usize));
        let dir = db(&[
            ("crates/demo/RUSTSEC-2020-0001.md", ADVISORY),
            ("crates/demo/RUSTSEC-2020-0002.md", &big),
            (".git/HEAD", "ref: ../../../etc/passwd\n"),
        ]);
        let db = load(dir.path(), None).unwrap();
        assert_eq!(db.advisories.len(), 1);
        assert_eq!(db.unreadable.len(), 1);
        assert!(
            db.unreadable[0].error.contains("larger than 1024 KiB"),
            "{:?}",
            db.unreadable
        );
        assert_eq!(db.commit, None);
        let note = db.age_note.unwrap();
        assert!(note.contains("not a ref under refs/"), "{note}");
    }

    /// `load(dir)` on another thread, failing the test when it takes more than 10 s.
    #[cfg(unix)]
    fn load_in_time(dir: &Path) -> Database {
        let (send, receive) = std::sync::mpsc::channel();
        let dir = dir.to_owned();
        std::thread::spawn(move || send.send(load(&dir, None)));
        receive
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("load() hung on a FIFO")
            .unwrap()
    }

    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let made = Command::new("mkfifo").arg(path).status().unwrap();
        assert!(made.success());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_as_an_advisory_or_as_head_is_named_and_never_opened() {
        let dir = db(&[("crates/demo/RUSTSEC-2020-0001.md", ADVISORY)]);
        mkfifo(&dir.path().join("crates/demo/RUSTSEC-2020-0002.md"));
        mkfifo(&dir.path().join(".git/HEAD"));
        let db = load_in_time(dir.path());
        assert_eq!(db.advisories.len(), 1);
        assert_eq!(db.unreadable.len(), 1);
        assert_eq!(db.unreadable[0].file, "crates/demo/RUSTSEC-2020-0002.md");
        assert!(
            db.unreadable[0].error.contains("not a regular file"),
            "{:?}",
            db.unreadable
        );
        assert_eq!(db.updated, None);
        let note = db.age_note.unwrap();
        assert!(
            note.starts_with(".git/HEAD: it is a special file"),
            "{note}"
        );
        // A FIFO as the ref HEAD names, and as .git/config of a checkout git would read.
        std::fs::remove_file(dir.path().join(".git/HEAD")).unwrap();
        std::fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        mkfifo(&dir.path().join(".git/refs/heads/main"));
        let note = load_in_time(dir.path()).age_note.unwrap();
        assert!(
            note.starts_with(".git/refs/heads/main: it is a special file"),
            "{note}"
        );
        let hash = "0123456789abcdef0123456789abcdef01234567";
        std::fs::remove_file(dir.path().join(".git/refs/heads/main")).unwrap();
        std::fs::write(dir.path().join(".git/refs/heads/main"), hash).unwrap();
        mkfifo(&dir.path().join(".git/config"));
        let db = load_in_time(dir.path());
        assert_eq!(db.commit.as_deref(), Some(hash));
        assert_eq!(db.updated, None, "git is not run on a FIFO config");
    }
}
