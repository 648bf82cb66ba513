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
}
