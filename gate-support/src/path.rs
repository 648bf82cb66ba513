//! Paths without asking the file system: lexical normalisation (what `..` and `.` mean; a path
//! dependency, a workspace member glob, need not exist), and how a path under a root is shown;
//! and, asking it, whether two paths name one file ([`same_file`]).

use std::path::{Component, Path, PathBuf};

/// `a/b/../c` → `a/c`, without touching the file system (a path dependency need not exist).
/// A relative path keeps the `..` that lead above its start; an absolute one stops at the
/// root, as the file system does.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Whether `a` and `b` name one file or directory, links followed: the same path, or on Unix
/// the same device and inode (a `stat` of each, where canonicalizing both reads a link at
/// every component of each), elsewhere the same canonical path. A path that does not exist
/// names no file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(a), Ok(b)) if a == b
        )
    }
}

/// `path` relative to `root` when it is under it (else `path` itself), `/`-separated and lossy
/// for non-UTF-8 names: how findings, records and errors show a path on every platform.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// `path` as shown from `root`: below it, relative (`src/lib.rs`); beside it, with the `..`
/// that lead there (`../helpers/src/lib.rs`, a path dependency or a header outside the
/// workspace); with nothing in common but the file system's root, as it is. `/`-separated.
pub fn shown(root: &Path, path: &Path) -> String {
    for (up, ancestor) in root.ancestors().enumerate() {
        if ancestor.parent().is_none() {
            break;
        }
        if let Ok(rest) = path.strip_prefix(ancestor) {
            let rest = rest.to_string_lossy().replace('\\', "/");
            return format!("{}{rest}", "../".repeat(up));
        }
    }
    path.to_string_lossy().replace('\\', "/")
}

/// Paths with symlinks resolved, each asked of the file system once ([`Canonical::of`]):
/// `deps.pinned` on 500 members resolved each member's directory five times, every part of
/// it a `readlink`.
#[derive(Debug, Default)]
pub struct Canonical(std::cell::RefCell<std::collections::HashMap<PathBuf, PathBuf>>);

impl Canonical {
    /// `path` with symlinks resolved where it exists, else `..` and `.` resolved lexically
    /// ([`normalize`]).
    pub fn of(&self, path: &Path) -> PathBuf {
        if let Some(known) = self.0.borrow().get(path) {
            return known.clone();
        }
        let found = path.canonicalize().unwrap_or_else(|_| normalize(path));
        self.0.borrow_mut().insert(path.to_owned(), found.clone());
        found
    }

    /// `path` (as a manifest writes it) joined to `dir`, a directory [`Canonical::of`] gave:
    /// its leading `..` and `.` taken lexically (a canonical path holds no link, so `..` is
    /// its parent), the rest as [`Canonical::of`] takes it (a `..` after a link is the link
    /// target's parent). A sibling (`../b`) then resolves to the very path its own directory
    /// did, and is not asked again.
    pub fn joined(&self, dir: &Path, path: &str) -> PathBuf {
        let path = Path::new(path);
        if path.is_absolute() {
            return self.of(path);
        }
        let mut base = dir.to_owned();
        let mut rest = path.components().peekable();
        while let Some(part) =
            rest.next_if(|c| matches!(c, Component::ParentDir | Component::CurDir))
        {
            if part == Component::ParentDir {
                base.pop();
            }
        }
        base.extend(rest);
        self.of(&base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One file by any path to it, a link's included; another file, or nothing, is not it.
    #[test]
    fn one_file_is_the_same_by_any_path_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, "a").unwrap();
        std::fs::write(&b, "a").unwrap();
        assert!(same_file(&a, &a));
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(same_file(&a, &dir.path().join("sub/../a")));
        assert!(!same_file(&a, &b), "same content, two files");
        assert!(!same_file(&a, &dir.path().join("missing")));
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&a, &link).unwrap();
            assert!(same_file(&link, &a));
        }
    }

    #[test]
    fn dots_are_resolved_lexically() {
        assert_eq!(
            normalize(Path::new("/w/app/../crates/./x")),
            Path::new("/w/crates/x")
        );
        assert_eq!(normalize(Path::new("a/../../b")), Path::new("../b"));
        assert_eq!(normalize(Path::new("../../b")), Path::new("../../b"));
        assert_eq!(normalize(Path::new("/w/../../x")), Path::new("/x"));
    }

    #[test]
    fn a_path_under_the_root_is_shown_relative_and_slash_separated() {
        assert_eq!(
            relative(Path::new("/w"), Path::new("/w/src/lib.rs")),
            "src/lib.rs"
        );
        assert_eq!(relative(Path::new("/w"), Path::new("/x/y")), "/x/y");
    }

    #[test]
    fn a_path_beside_the_root_is_shown_with_its_dots() {
        let root = Path::new("/src/repo/ws");
        assert_eq!(shown(root, Path::new("/src/repo/ws/k/a.cu")), "k/a.cu");
        assert_eq!(
            shown(root, Path::new("/src/repo/include/u.cuh")),
            "../include/u.cuh"
        );
        assert_eq!(
            shown(root, Path::new("/src/other/h.rs")),
            "../../other/h.rs"
        );
        assert_eq!(
            shown(root, Path::new("/opt/cuda/include/x.h")),
            "/opt/cuda/include/x.h"
        );
    }

    /// Joined as the file system resolves it: a sibling lexically, a `..` after a link from
    /// the link's target, a missing path lexically; each asked once.
    #[cfg(unix)]
    #[test]
    fn canonical_joins_resolve_as_the_file_system_does() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for dir in ["a", "b"] {
            std::fs::create_dir(root.join(dir)).unwrap();
        }
        std::fs::create_dir_all(outside.path().join("deep/inner")).unwrap();
        std::fs::create_dir(outside.path().join("y")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("deep/inner"), root.join("a/link")).unwrap();
        let far = outside.path().canonicalize().unwrap();
        let canonical = Canonical::default();
        let a = canonical.of(&root.join("a"));
        assert_eq!(a, root.join("a"));
        assert_eq!(canonical.joined(&a, "../b"), root.join("b"));
        assert_eq!(canonical.joined(&a, "./../b/"), root.join("b"));
        // `link/..` is the link target's parent, not `a`.
        assert_eq!(canonical.joined(&a, "link/../../y"), far.join("y"));
        assert_eq!(
            canonical.joined(&a, "link/../../y"),
            root.join("a/link/../../y").canonicalize().unwrap()
        );
        assert_eq!(canonical.joined(&a, "link"), far.join("deep/inner"));
        assert_eq!(canonical.joined(&a, "../gone/../c"), root.join("c"));
        assert_eq!(
            canonical.joined(&a, &far.join("y").to_string_lossy()),
            far.join("y")
        );
        // Known paths are not asked again: a link replaced afterwards is still the first.
        std::fs::remove_file(root.join("a/link")).unwrap();
        assert_eq!(canonical.joined(&a, "link"), far.join("deep/inner"));
    }
}
