//! cargo's scratch directory for tests (`CARGO_TARGET_TMPDIR`, `<target-dir>/tmp`), emptied
//! before the tests run: cargo creates it and leaves what is in it to the tests, which cache
//! what is costly to make there (`if !p.exists() { fs::write(p, make_fixture()) }`). What an
//! earlier tree's run left would stand in for what this tree makes: the eighteenth session's
//! hostile pass broke `make_fixture` and the gate passed on the clean commit's fixture, where
//! a fresh clone fails.

use std::path::Path;

/// Empties `<target_dir>/tmp` (and makes it again, as cargo made it for the tests), only where
/// it is the workspace's own: the target directory lies inside the workspace at `root` (both
/// resolved, so a tracked `target -> /` leads nowhere) or is the one the environment names
/// (`CARGO_TARGET_DIR`: the user's, never the repository's configuration, which could name
/// `/`), and `tmp` is a directory of its own, not a link. Returns what it could not do, for
/// the run's log.
pub(super) fn empty(target_dir: &Path, root: &Path) -> Option<String> {
    let resolved = std::fs::canonicalize(target_dir).ok()?;
    let inside = std::fs::canonicalize(root)
        .is_ok_and(|root| resolved.starts_with(&root) && resolved != root);
    let named = std::env::var_os("CARGO_TARGET_DIR")
        .and_then(|dir| std::fs::canonicalize(dir).ok())
        .is_some_and(|dir| dir == resolved);
    let tmp = resolved.join("tmp");
    let is_dir = std::fs::symlink_metadata(&tmp).is_ok_and(|m| m.file_type().is_dir());
    if !(inside || named) || !is_dir {
        return None;
    }
    let emptied = std::fs::remove_dir_all(&tmp).and_then(|()| std::fs::create_dir(&tmp));
    emptied.err().map(|e| {
        format!(
            "cargo-gate: could not empty {} before the tests ({e}): a test may read what an \
             earlier run left there\n",
            tmp.display()
        )
    })
}

#[cfg(test)]
mod tests {
    /// Emptied in the workspace's own target directory; left alone in one outside it (a
    /// configuration's `target-dir = "/"` would name `/tmp`), and where `tmp` is a link.
    #[test]
    fn only_the_workspaces_own_tmp_is_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        let target = root.join("target");
        std::fs::create_dir_all(target.join("tmp/cache")).unwrap();
        std::fs::write(target.join("tmp/cache/fixture.bin"), "old").unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(outside.join("tmp")).unwrap();
        std::fs::write(outside.join("tmp/keep"), "1").unwrap();
        assert_eq!(super::empty(&outside, &root), None);
        assert!(
            outside.join("tmp/keep").exists(),
            "outside the workspace: kept"
        );
        assert_eq!(super::empty(&root, &root), None);
        assert_eq!(super::empty(&target, &root), None);
        assert!(target.join("tmp").is_dir());
        assert_eq!(std::fs::read_dir(target.join("tmp")).unwrap().count(), 0);
        #[cfg(unix)]
        {
            std::fs::remove_dir(target.join("tmp")).unwrap();
            std::os::unix::fs::symlink(outside.join("tmp"), target.join("tmp")).unwrap();
            assert_eq!(super::empty(&target, &root), None);
            assert!(outside.join("tmp/keep").exists(), "a link is not followed");
            let linked = root.join("linked");
            std::os::unix::fs::symlink(&outside, &linked).unwrap();
            assert_eq!(super::empty(&linked, &root), None);
            assert!(
                outside.join("tmp/keep").exists(),
                "a linked target dir is outside"
            );
        }
    }
}
