//! The workspace an earlier run found, kept beside the evidence cache
//! (`<out>/cache/workspace.json`): what a run expects cargo to answer, so it can go on while
//! `cargo metadata` runs. Never evidence: nothing is judged until cargo's answer has been
//! compared with it ([`Workspace::same_as`]), and a hint that is absent, unreadable, forged or
//! out of date costs only the time it meant to save (docs/SECURITY.md, "Fast paths").

use super::{Member, Workspace};
use std::path::{Path, PathBuf};

/// Largest hint read (a 500-member workspace keeps about 60 KiB).
const HINT_CAP: u64 = 8 << 20;

/// What is kept: everything `cargo metadata --no-deps` says of the workspace.
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    root: PathBuf,
    manifest_path: PathBuf,
    target_dir: PathBuf,
    /// Absent in a hint an older gate kept: the target directory.
    #[serde(default)]
    build_dir: Option<PathBuf>,
    members: Vec<(String, PathBuf)>,
}

fn hint_path(out: &Path) -> PathBuf {
    out.join("cache").join("workspace.json")
}

impl Workspace {
    /// The workspace kept at `out` by an earlier run, when its root is `start` (git's state
    /// not kept: the caller asks it).
    pub fn kept(out: &Path, start: &Path) -> Option<Workspace> {
        let text = gate_support::read::text_capped(&hint_path(out), HINT_CAP).ok()?;
        let kept: Kept = serde_json::from_str(&text).ok()?;
        let inside = |path: &Path| {
            path.starts_with(start)
                && path
                    .components()
                    .all(|c| !matches!(c, std::path::Component::ParentDir))
        };
        // Only a workspace the run would read anyway: every member a manifest under the root
        // (a forged member at `/` would have the scans walk the machine before cargo's answer
        // came back to refuse it).
        let fit = kept.root == start
            && kept.manifest_path == start.join("Cargo.toml")
            && kept
                .members
                .iter()
                .all(|(_, dir)| inside(dir) && dir.join("Cargo.toml").is_file());
        fit.then(|| Workspace {
            members: kept
                .members
                .into_iter()
                .map(|(name, dir)| Member { name, dir })
                .collect(),
            root: kept.root,
            manifest_path: kept.manifest_path,
            build_dir: kept.build_dir.unwrap_or_else(|| kept.target_dir.clone()),
            target_dir: kept.target_dir,
            git: None,
            metadata_error: None,
        })
    }

    /// Keeps this workspace at `out` for the next run when cargo described it, unless the
    /// file already holds it byte for byte (read bounded: no parse, no look at the members).
    /// Best effort: a hint that cannot be written is only a run that does not go on while
    /// cargo loads.
    pub fn keep(&self, out: &Path) {
        if self.metadata_error.is_some() {
            return;
        }
        let kept = Kept {
            root: self.root.clone(),
            manifest_path: self.manifest_path.clone(),
            target_dir: self.target_dir.clone(),
            build_dir: Some(self.build_dir.clone()),
            members: self
                .members
                .iter()
                .map(|m| (m.name.clone(), m.dir.clone()))
                .collect(),
        };
        let path = hint_path(out);
        if let Ok(bytes) = serde_json::to_vec(&kept)
            && gate_support::read::bytes_capped(&path, HINT_CAP)
                .ok()
                .as_deref()
                != Some(&bytes[..])
        {
            let _ = gate_support::atomic::write(&path, &bytes);
        }
    }

    /// Whether `other` describes the same workspace: root, manifest, target directory,
    /// members (git's state aside).
    pub fn same_as(&self, other: &Workspace) -> bool {
        self.root == other.root
            && self.manifest_path == other.manifest_path
            && self.target_dir == other.target_dir
            && self.build_dir == other.build_dir
            && self.members == other.members
            && self.metadata_error == other.metadata_error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(root: &Path, members: &[PathBuf]) -> Workspace {
        let mut ws = Workspace::for_tests(root, &[]);
        ws.members = members
            .iter()
            .enumerate()
            .map(|(i, dir)| Member {
                name: format!("m{i}"),
                dir: dir.clone(),
            })
            .collect();
        ws
    }

    /// A kept workspace is taken only when every member is a manifest under the root: one at
    /// `/`, above the root or without a Cargo.toml is no guess to go on with.
    #[test]
    fn only_a_workspace_under_its_root_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/Cargo.toml"), "").unwrap();
        let out = root.join("target/gate");
        let good = workspace(&root, &[root.join("a")]);
        good.keep(&out);
        let kept = Workspace::kept(&out, &root).expect("taken");
        assert!(kept.same_as(&good));
        assert!(Workspace::kept(&out, &dir.path().join("elsewhere")).is_none());
        for members in [
            vec![PathBuf::from("/")],
            vec![root.join("a/../..")],
            vec![root.join("b")],
        ] {
            workspace(&root, &members).keep(&out);
            assert!(Workspace::kept(&out, &root).is_none(), "{members:?}");
        }
    }
}
