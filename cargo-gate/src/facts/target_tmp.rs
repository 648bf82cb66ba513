//! cargo's scratch directory for tests (`CARGO_TARGET_TMPDIR`, `<target-dir>/tmp`), emptied
//! before the tests run: cargo creates it and leaves what is in it to the tests, which cache
//! what is costly to make there (`if !p.exists() { fs::write(p, make_fixture()) }`). What an
//! earlier tree's run left would stand in for what this tree makes: the eighteenth session's
//! hostile pass broke `make_fixture` and the gate passed on the clean commit's fixture, where
//! a fresh clone fails.

use std::path::Path;

/// Empties `<target_dir>/tmp` (and makes it again, as cargo made it for the tests), only where
/// it is the workspace's own: the target directory lies inside the repository at `top` (the
/// workspace's root without git), both resolved so a tracked `target -> /` leads nowhere, and
/// holds no part of the workspace at `root`; or it is the one the environment names
/// (`CARGO_TARGET_DIR`: the user's, never the repository's configuration, which could name
/// `/`). `tmp` must be a directory of its own, not a link. Returns what it could not do, or
/// would not, for the run's log: a test may read what an earlier run left there.
pub(super) fn empty(target_dir: &Path, root: &Path, top: &Path) -> Option<String> {
    let resolved = std::fs::canonicalize(target_dir).ok()?;
    let tmp = resolved.join("tmp");
    if !std::fs::symlink_metadata(&tmp).is_ok_and(|m| m.file_type().is_dir()) {
        return None;
    }
    let inside = gate_support::read::inside(top, &resolved).is_ok()
        && gate_support::read::inside(&resolved, root).is_err();
    let named = std::env::var_os("CARGO_TARGET_DIR")
        .and_then(|dir| std::fs::canonicalize(dir).ok())
        .is_some_and(|dir| dir == resolved);
    let left = |why: &str| {
        Some(format!(
            "cargo-gate: {} was not emptied before the tests ({why}): a test may read what an \
             earlier run left there\n",
            tmp.display()
        ))
    };
    if !(inside || named) {
        return left(
            "the target directory is not the workspace's own: outside its repository, or \
             holding it, and not CARGO_TARGET_DIR",
        );
    }
    if tracks_any(top, &tmp) {
        return left("it holds files git tracks");
    }
    match std::fs::remove_dir_all(&tmp).and_then(|()| std::fs::create_dir(&tmp)) {
        Ok(()) => None,
        Err(e) => left(&e.to_string()),
    }
}

/// Whether git tracks a file under `dir` in the repository at `top` (`target-dir = "out"`
/// over a tracked `out/tmp/golden.txt`: emptying it would change the tree being judged), its
/// path taken literally; where git cannot say (it failed in a repository), as if it did.
/// Outside a repository, nothing is tracked.
fn tracks_any(top: &Path, dir: &Path) -> bool {
    if !top.join(".git").exists() {
        return false;
    }
    let mut cmd = std::process::Command::new("git");
    cmd.args(["--literal-pathspecs", "ls-files", "-z", "--"])
        .arg(dir)
        .current_dir(top);
    crate::tools::process::output(cmd)
        .map_or(true, |out| !out.status.success() || !out.stdout.is_empty())
}

#[cfg(test)]
mod tests {
    /// Emptied in the workspace's own target directory, and in one beside a workspace in a
    /// directory of its repository; left alone, and said, in one outside the repository (a
    /// configuration's `target-dir = "/"` would name `/tmp`), in the root itself, through a
    /// link, and where `tmp` is a link.
    #[test]
    fn only_the_workspaces_own_tmp_is_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let root = repo.join("ws");
        let target = root.join("target");
        let fixture = target.join("tmp/cache/fixture.bin");
        std::fs::create_dir_all(fixture.parent().unwrap()).unwrap();
        std::fs::write(&fixture, "old").unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(outside.join("tmp")).unwrap();
        std::fs::write(outside.join("tmp/keep"), "1").unwrap();
        let said = super::empty(&outside, &root, &repo).unwrap();
        assert!(said.contains("not the workspace's own"), "{said}");
        assert!(outside.join("tmp/keep").exists());
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        std::fs::write(root.join("tmp/data.txt"), "1").unwrap();
        assert!(super::empty(&root, &root, &repo).is_some());
        assert!(
            root.join("tmp/data.txt").exists(),
            "the root is no target directory"
        );
        assert_eq!(super::empty(&target, &root, &root), None);
        assert!(target.join("tmp").is_dir() && !fixture.exists());
        // A workspace in `repo/ws/sub`, its target directory beside it in `repo/ws/target`.
        let sub = root.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(target.join("tmp/again"), "1").unwrap();
        assert!(
            super::empty(&target, &sub, &sub).is_some(),
            "outside sub alone"
        );
        assert_eq!(super::empty(&target, &sub, &repo), None);
        assert!(!target.join("tmp/again").exists());
        #[cfg(unix)]
        {
            // A tracked file under it: the tree being judged is not changed.
            let git = |args: &[&str]| {
                let ok = std::process::Command::new("git")
                    .args(["-c", "user.name=t", "-c", "user.email=t@t"])
                    .args(args)
                    .current_dir(&repo)
                    .status()
                    .unwrap();
                assert!(ok.success(), "{args:?}");
            };
            std::fs::write(target.join("tmp/golden.txt"), "1").unwrap();
            git(&["init", "-q"]);
            git(&["add", "-f", "ws/target/tmp/golden.txt"]);
            let said = super::empty(&target, &root, &repo).unwrap();
            assert!(said.contains("git tracks"), "{said}");
            assert!(target.join("tmp/golden.txt").exists());
            std::fs::remove_dir_all(repo.join(".git")).unwrap();
            std::fs::remove_file(target.join("tmp/golden.txt")).unwrap();
            std::fs::remove_dir(target.join("tmp")).unwrap();
            std::os::unix::fs::symlink(outside.join("tmp"), target.join("tmp")).unwrap();
            assert_eq!(super::empty(&target, &root, &repo), None);
            assert!(outside.join("tmp/keep").exists(), "a link is not followed");
            let linked = root.join("linked");
            std::os::unix::fs::symlink(&outside, &linked).unwrap();
            assert!(super::empty(&linked, &root, &repo).is_some());
            assert!(
                outside.join("tmp/keep").exists(),
                "a linked target dir is outside"
            );
        }
    }
}
