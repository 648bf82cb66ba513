//! The working tree as a key sees it: every file git tracks or would track (a walk without
//! git), by content, symlink target and executable bit, stamped so a later check that
//! nothing moved can read the stamps instead of the files.

use super::stamps;
use gate_support::digest::KeyHasher;
use std::path::{Path, PathBuf};

/// The digests of the working tree.
#[derive(Debug, Clone)]
pub(super) struct Tree {
    pub(super) all: String,
    pub(super) manifests: String,
    /// Every file the tree digest covers (absolute), so discovered inputs skip them.
    pub(super) files: std::collections::HashSet<PathBuf>,
    /// Each file of the tree (relative, `/`-separated) and its digest, in path order: what
    /// a test binary's key takes the files it reads from.
    pub(super) entries: Vec<(String, String)>,
    /// The files' stamps, taken just before their digests: a later check that nothing moved
    /// reads them instead of every file (`cache/stamps.rs`).
    pub(super) stamped: stamps::Stamped,
    /// The files outside the workspace that the repository tracks ([`above_root`]), also
    /// among `entries`.
    pub(super) above: Vec<(String, String)>,
}

/// Whether a file of the tree reaches the resolve as well as the build.
pub(super) fn is_manifest(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "Cargo.toml"
        || name == "Cargo.lock"
        || name == "rust-toolchain"
        || name == "rust-toolchain.toml"
        || rel.contains(".cargo/config")
}

/// Whether the tree listed now as `rels` is provably the one `tree` was taken of, from the
/// listing and its files' stamps alone (`cache/stamps.rs`); `false`: not proven, hash it again.
pub(super) fn tree_still(root: &Path, tree: &Tree, rels: &[String]) -> bool {
    // The files above the root are among the entries, compared apart (`tree.above`).
    let inside: Vec<&String> = tree
        .entries
        .iter()
        .map(|(rel, _)| rel)
        .filter(|rel| !rel.starts_with("../"))
        .collect();
    let same_list = rels.len() == inside.len() && rels.iter().zip(inside).all(|(a, b)| a == b);
    let paths: Vec<PathBuf> = rels.iter().map(|r| root.join(r)).collect();
    let borrowed: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    same_list && tree.stamped.still(&borrowed)
}

/// The tree's files, relative and sorted: what git tracks or would track (untracked, not
/// ignored), or every file under the root without git; the target and output directories
/// are left out of what git does not track (the gate's own record, the build's outputs); a
/// tracked file is always an input, wherever a configured target dir points.
pub(super) fn tree_files(
    root: &Path,
    git: bool,
    exclude: &[PathBuf],
) -> Result<Vec<String>, String> {
    let outside = |rel: &String| {
        let path = root.join(rel);
        !exclude.iter().any(|x| path.starts_with(x))
    };
    let mut rels = if git {
        // Two process starts, asked at once.
        let (tracked, untracked) = std::thread::scope(|scope| {
            let untracked =
                scope.spawn(|| git_names(root, &["ls-files", "-o", "--exclude-standard"]));
            let tracked = git_names(root, &["ls-files", "-c", "--recurse-submodules"]);
            let untracked = untracked
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (tracked, untracked)
        });
        let mut rels = tracked?;
        let mut untracked = untracked?;
        untracked.retain(outside);
        rels.extend(untracked);
        rels
    } else {
        let mut rels = walk(root, exclude)?;
        rels.retain(outside);
        rels
    };
    rels.sort();
    rels.dedup();
    Ok(rels)
}

/// The digests of every file git tracks or would track (a `.gitignore`-aware walk without
/// git), by content (a symlink by its target) and executable bit, with the files the
/// repository tracks above the workspace ([`above_root`]; `prefix`, the root's place in it).
pub(super) fn tree_digests(
    root: &Path,
    (git, prefix): (bool, &str),
    exclude: &[PathBuf],
) -> Result<Tree, String> {
    Ok(with_above(
        digests_of(root, tree_files(root, git, exclude)?),
        above_root(root, prefix)?,
    ))
}

/// The digests of the tree's manifests alone ([`is_manifest`]): its `manifests` the whole
/// tree's would be (the same listing, the same files), its `files` the manifests. Not a
/// tree: its `all` and `entries` key nothing ([`Session::manifests_tree`] hands it out for
/// the manifests only).
///
/// [`Session::manifests_tree`]: super::session::Session
pub(super) fn manifests_digests(
    root: &Path,
    git: bool,
    exclude: &[PathBuf],
) -> Result<Tree, String> {
    let mut rels = tree_files(root, git, exclude)?;
    rels.retain(|rel| is_manifest(rel));
    Ok(digests_of(root, rels))
}

/// The root's path inside its git repository (`rust/`), empty at the top or without git.
pub(super) fn repository_prefix(root: &Path, git: bool) -> String {
    let asked = git.then(|| git_list(root, &["rev-parse", "--show-prefix"]).ok());
    let prefix = asked.flatten().and_then(|lines| lines.into_iter().next());
    prefix.map(|p| p.trim().to_owned()).unwrap_or_default()
}

/// The files git tracks in the repository outside the workspace, where the workspace is a
/// directory of it (`repo/rust/`): `../fixtures/data.txt` and its digest, in path order. A
/// test reads them as it reads a shared file of the root (the seventeenth session's hostile
/// trial replayed a whole run over a changed `repo/fixtures/data.txt`). Taken from git's
/// index by the blob it holds (a monorepo's thousands of files are not read), and by content
/// where the working tree changed one (`ls-files -m -d`), and the untracked files git does
/// not ignore there by content, as inside the root. Empty at the repository's top
/// (`prefix`, [`repository_prefix`], empty) or without git.
pub(super) fn above_root(root: &Path, prefix: &str) -> Result<Vec<(String, String)>, String> {
    if prefix.is_empty() {
        return Ok(Vec::new());
    }
    let exclude = format!(":(top,exclude){prefix}");
    let pathspec = [":(top)", exclude.as_str()];
    let staged = git_names(root, &[&["ls-files", "-s", "-c"][..], &pathspec].concat())?;
    let changed = git_names(root, &[&["ls-files", "-m", "-d"][..], &pathspec].concat())?;
    let changed: std::collections::HashSet<&str> = changed.iter().map(String::as_str).collect();
    // Untracked, not ignored: keyed as inside the root (a new fixture before its commit).
    let untracked = git_names(
        root,
        &[&["ls-files", "-o", "--exclude-standard"][..], &pathspec].concat(),
    )?;
    let mut buf = Vec::new();
    let mut found: Vec<(String, String)> = staged
        .iter()
        .filter_map(|line| {
            let (meta, rel) = line.split_once('\t')?;
            let digest = if changed.contains(rel) {
                file_entry(&root.join(rel), &mut buf)
            } else {
                format!("git:{}", meta.replace(' ', ":"))
            };
            Some((rel.to_owned(), digest))
        })
        .collect();
    for rel in untracked {
        let digest = file_entry(&root.join(&rel), &mut buf);
        found.push((rel, digest));
    }
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    Ok(found)
}

/// `tree` with the files outside the workspace ([`above_root`]) in its entries and its
/// digest (unchanged where there are none).
pub(super) fn with_above(mut tree: Tree, above: Vec<(String, String)>) -> Tree {
    if above.is_empty() {
        return tree;
    }
    let mut key = KeyHasher::default();
    key.part("tree", tree.all.as_bytes());
    for (rel, digest) in &above {
        key.part(rel, digest.as_bytes());
    }
    tree.all = key.finish();
    tree.above = above.clone();
    tree.entries.extend(above);
    tree.entries.sort();
    tree
}

/// The tree of `rels` (a [`tree_files`] listing) under `root`: stamped, then digested.
pub(super) fn digests_of(root: &Path, rels: Vec<String>) -> Tree {
    let paths: Vec<PathBuf> = rels.iter().map(|r| root.join(r)).collect();
    let borrowed: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let stamped = stamps::Stamped::take(&borrowed);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let digests = crate::parallel::map_files(&borrowed, threads, 8 << 20, |path, buf| {
        file_entry(path, buf)
    });
    let mut all = KeyHasher::default();
    let mut manifests = KeyHasher::default();
    for (rel, digest) in rels.iter().zip(&digests) {
        all.part(rel, digest.as_bytes());
        if is_manifest(rel) {
            manifests.part(rel, digest.as_bytes());
        }
    }
    let entries = rels.iter().cloned().zip(digests).collect();
    // A symlink is covered by its target's path, not its content: not listed as covered, so
    // a build that reads through it hashes what it reads.
    let files = paths
        .into_iter()
        .filter(|p| !std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
        .collect();
    Tree {
        all: all.finish(),
        manifests: manifests.finish(),
        files,
        entries,
        stamped,
        above: Vec::new(),
    }
}

/// One file's digest: `x` or `-` (executable), then the content's SHA-256; a symlink is its
/// target; a file that is gone (deleted but still tracked) or not a file says so.
pub(super) fn file_entry(path: &Path, buf: &mut Vec<u8>) -> String {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return "absent".to_owned();
    };
    if meta.file_type().is_symlink() {
        return std::fs::read_link(path).map_or_else(
            |_| "link?".to_owned(),
            |t| format!("link:{}", t.to_string_lossy()),
        );
    }
    if !meta.is_file() {
        return "not-a-file".to_owned();
    }
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 != 0 {
            "x"
        } else {
            "-"
        }
    };
    #[cfg(not(unix))]
    let mode = "-";
    // Streamed through the thread's buffer: a 1 GB file costs the buffer, not a gigabyte.
    buf.resize(1 << 20, 0);
    // A sparse file (an untracked 2 GB `truncate`d file) costs its data, not its length.
    match gate_support::digest::sha256_file_sparse(path, buf.as_mut_slice()) {
        Ok(digest) => format!("{mode}{digest}"),
        Err(e) => super::discover::unread_digest(&e),
    }
}

/// The file names `git ARGS` lists in `root` (an `ls-files` without `-z`), each whole: git
/// writes a name with a byte outside ASCII, a tab, a newline, a quote or a backslash quoted
/// (`core.quotepath`, asked here whatever the configuration says), so no byte is lost on
/// the way, and a line of `-s` (`MODE OBJECT STAGE\tNAME`) keeps its fields. A name that is
/// not UTF-8 fails the listing, naming it: keyed by a lossy copy, it led to no file (or to a
/// decoy named with the replacement character), and whatever the file held its digest stayed
/// the same (the eighteenth session's hostile pass changed `fixtures/\xff.txt` under a reused
/// run). Nothing is reused.
pub(super) fn git_names(root: &Path, args: &[&str]) -> Result<Vec<String>, String> {
    let args = [&["-c", "core.quotepath=on"][..], args].concat();
    let out = String::from_utf8_lossy(&git_output(root, &args)?).into_owned();
    out.lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (fields, name) = match line.split_once('\t') {
                Some((fields, name)) => (Some(fields), name),
                None => (None, line),
            };
            let bytes = unquoted(name);
            let name = String::from_utf8(bytes)
                .map_err(|e| not_utf8(&String::from_utf8_lossy(e.as_bytes())))?;
            Ok(match fields {
                Some(fields) => format!("{fields}\t{name}"),
                None => name,
            })
        })
        .collect()
}

/// A name as git wrote it, unquoted: `"a\303\251\tb"` is the bytes of `a`, `é`, a tab, `b`;
/// a name git did not quote is itself.
fn unquoted(name: &str) -> Vec<u8> {
    let Some(inner) = name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) else {
        return name.as_bytes().to_vec();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut rest = inner.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        let Some((&escaped, tail)) = rest.split_first() else {
            break;
        };
        rest = tail;
        let octal = |d: u8| (b'0'..=b'7').contains(&d);
        bytes.push(match escaped {
            b'a' => 7,
            b'b' => 8,
            b't' => b'\t',
            b'n' => b'\n',
            b'v' => 11,
            b'f' => 12,
            b'r' => b'\r',
            d if octal(d) && rest.len() >= 2 && octal(rest[0]) && octal(rest[1]) => {
                let value = (d - b'0') * 64 + (rest[0] - b'0') * 8 + (rest[1] - b'0');
                rest = &rest[2..];
                value
            }
            other => other,
        });
    }
    bytes
}

/// Why a tree with a file named `lossy` (as far as it reads) is not keyed.
fn not_utf8(lossy: &str) -> String {
    format!(
        "the file name `{lossy}` is not UTF-8: the evidence cache keys files by name and \
         cannot key it, so nothing is reused; rename it"
    )
}

/// What `git ARGS` printed, in `root`; an error saying why when it could not run or failed.
fn git_output(root: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let mut cmd = std::process::Command::new("git");
    cmd.args(args).current_dir(root);
    let output =
        crate::tools::process::output(cmd).map_err(|e| format!("could not run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

/// The NUL-separated lines `git ARGS` printed in `root` (a name that is not UTF-8 as far as
/// it reads: for what is no file name).
pub(super) fn git_list(root: &Path, args: &[&str]) -> Result<Vec<String>, String> {
    Ok(git_output(root, args)?
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect())
}

pub(super) fn walk(root: &Path, exclude: &[PathBuf]) -> Result<Vec<String>, String> {
    let exclude = exclude.to_vec();
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .filter_entry(move |e| {
            e.file_name() != ".git" && !exclude.iter().any(|x| e.path().starts_with(x))
        })
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| !t.is_dir()))
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_owned))
        .map(|p| match p.to_str() {
            Some(rel) => Ok(rel.replace('\\', "/")),
            None => Err(not_utf8(&p.to_string_lossy())),
        })
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Runs git in `dir`, as a committer named `t`.
    fn git(dir: &Path, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap();
        assert!(ok.success(), "{args:?}");
    }

    /// A workspace in a directory of its repository (`repo/rust/`): the files the repository
    /// tracks outside it are listed by git's blob, and by content once the working tree
    /// changes one, so a fixture a test reads there moves the key (the seventeenth session's
    /// hostile trial replayed a whole run over it). At the repository's top there are none.
    /// (Unix: it drives git, which the Windows tests under Wine do not have.)
    #[test]
    fn the_repositorys_files_outside_the_workspace_are_keyed() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path();
        let git = |args: &[&str]| git(repo, args);
        std::fs::create_dir_all(repo.join("fixtures")).unwrap();
        std::fs::create_dir_all(repo.join("rust/src")).unwrap();
        std::fs::write(repo.join("fixtures/data.txt"), "1\n").unwrap();
        std::fs::write(repo.join("rust/src/lib.rs"), "\n").unwrap();
        git(&["init", "-q"]);
        git(&["add", "-A"]);
        git(&["commit", "-qm", "i"]);
        let root = repo.join("rust");
        let prefix = repository_prefix(&root, true);
        assert_eq!(prefix, "rust/");
        assert!(repository_prefix(repo, true).is_empty());
        let before = above_root(&root, &prefix).unwrap();
        let rels: Vec<&str> = before.iter().map(|(rel, _)| rel.as_str()).collect();
        assert_eq!(rels, ["../fixtures/data.txt"]);
        assert!(before[0].1.starts_with("git:"), "{before:?}");
        std::fs::write(repo.join("fixtures/data.txt"), "2\n").unwrap();
        let edited = above_root(&root, &prefix).unwrap();
        assert_ne!(edited, before);
        git(&["commit", "-qam", "e"]);
        let committed = above_root(&root, &prefix).unwrap();
        assert!(committed[0].1.starts_with("git:") && committed != before);
        let tree = with_above(digests_of(&root, vec!["src/lib.rs".to_owned()]), committed);
        let plain = digests_of(&root, vec!["src/lib.rs".to_owned()]);
        assert_ne!(tree.all, plain.all);
        assert_eq!(tree.entries.len(), 2);
    }

    /// A file whose name is not UTF-8 is no key's (a lossy copy of its name leads to no
    /// file): tracked, untracked, or without git, the listing fails and names it (the
    /// eighteenth session's hostile pass reused a whole run over `fixtures/\xff.txt`).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_name_that_is_not_utf8_is_refused_by_name() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("fixtures")).unwrap();
        let name = std::ffi::OsStr::from_bytes(b"fixtures/\xff.txt");
        std::fs::write(root.join(name), "good\n").unwrap();
        let refused = tree_files(root, false, &[]).unwrap_err();
        assert!(
            refused.contains("fixtures/\u{fffd}.txt` is not UTF-8"),
            "{refused}"
        );
        let git = |args: &[&str]| git(root, args);
        git(&["init", "-q"]);
        assert!(
            tree_files(root, true, &[])
                .unwrap_err()
                .contains("not UTF-8")
        );
        git(&["add", "-A"]);
        git(&["commit", "-qm", "i"]);
        let refused = || tree_files(root, true, &[]).unwrap_err();
        assert!(refused().contains("not UTF-8"));
        // A decoy named with the replacement character itself does not stand for it.
        std::fs::write(root.join("fixtures/\u{fffd}.txt"), "decoy\n").unwrap();
        assert!(refused().contains("not UTF-8"));
        std::fs::remove_file(root.join(name)).unwrap();
        git(&["add", "-A"]);
        git(&["commit", "-qm", "r"]);
        let names = tree_files(root, true, &[]).unwrap();
        assert_eq!(
            names,
            ["fixtures/\u{fffd}.txt"],
            "UTF-8 names, quoted by git, are whole"
        );
    }

    /// A name as git quotes it is read back whole: octal bytes, a tab, a quote.
    #[test]
    fn a_quoted_name_is_read_back_whole() {
        assert_eq!(unquoted("plain name.rs"), b"plain name.rs");
        assert_eq!(unquoted(r#""caf\303\251\tx\"y""#), "café\tx\"y".as_bytes());
        assert_eq!(unquoted(r#""a\377""#), b"a\xff");
    }
}
