//! Lexical path normalisation: what `..` and `.` mean without asking the file system (a path
//! dependency, a workspace member glob, need not exist).

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
