//! The workspace under evaluation: root, members and their directories, target dir, git state.
//!
//! Discovered with `cargo metadata --no-deps`, which needs no network and no resolved
//! dependencies, so a workspace can be described even when its lockfile is broken.

use crate::cargo::{self, Cargo, Unavailable};
use crate::error::GateError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Package name.
    pub name: String,
    /// Directory holding its Cargo.toml.
    pub dir: PathBuf,
}

/// Git facts about the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitInfo {
    /// The top of the repository.
    pub toplevel: PathBuf,
    /// `HEAD`, when there is a commit.
    pub commit: Option<String>,
    /// Whether the work tree has uncommitted changes.
    pub dirty: bool,
}

/// The workspace under evaluation.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Workspace root directory.
    pub root: PathBuf,
    /// The root Cargo.toml.
    pub manifest_path: PathBuf,
    /// cargo's target directory.
    pub target_dir: PathBuf,
    /// Members, sorted by name.
    pub members: Vec<Member>,
    /// Git state, when the root is inside a git work tree and git is installed.
    pub git: Option<GitInfo>,
}

impl Workspace {
    /// Loads the workspace that `manifest_path` (or the current directory) belongs to.
    pub fn discover(manifest_path: Option<&Path>, offline: bool) -> Result<Workspace, GateError> {
        let cwd = std::env::current_dir().map_err(|e| GateError::Internal(e.to_string()))?;
        let manifest = match manifest_path {
            Some(path) => {
                if !path.exists() {
                    return Err(GateError::ManifestNotFound {
                        path: path.to_owned(),
                    });
                }
                if !path.is_file() || path.file_name().is_none_or(|n| n != "Cargo.toml") {
                    return Err(GateError::NotAManifest {
                        path: path.to_owned(),
                    });
                }
                Some(path.to_owned())
            }
            None => None,
        };
        let runner = Cargo::new(&cwd, offline);
        let mut args = vec!["--no-deps", "--format-version", "1"];
        let manifest_arg;
        if let Some(m) = &manifest {
            manifest_arg = m.to_string_lossy().into_owned();
            args.extend(["--manifest-path", manifest_arg.as_str()]);
        }
        let mut cmd = runner.command("metadata", &args);
        // stdout (one JSON document) and stderr are kept apart here: interleaving could split
        // the document.
        let output = match cmd.stdin(std::process::Stdio::null()).output() {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(GateError::CargoMissing);
            }
            Err(e) => return Err(GateError::Internal(format!("failed to run cargo: {e}"))),
        };
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            if let Some(Unavailable::ToolchainNotInstalled(toolchain)) =
                cargo::classify_unavailable(&stderr, offline)
            {
                return Err(GateError::ToolchainNotInstalled { toolchain });
            }
            let shown = manifest.as_ref().map_or_else(
                || "the current directory".to_owned(),
                |m| m.display().to_string(),
            );
            return Err(GateError::WorkspaceLoad {
                manifest: shown,
                detail: cargo::first_error(&stderr),
            });
        }
        let metadata: cargo_metadata::Metadata = serde_json::from_slice(&output.stdout)
            .map_err(|e| GateError::Internal(format!("cannot parse cargo metadata: {e}")))?;
        let root: PathBuf = metadata.workspace_root.clone().into();
        let members_ids = &metadata.workspace_members;
        let mut members: Vec<Member> = metadata
            .packages
            .iter()
            .filter(|p| members_ids.contains(&p.id))
            .map(|p| Member {
                name: p.name.to_string(),
                dir: p
                    .manifest_path
                    .parent()
                    .map(|d| d.as_std_path().to_owned())
                    .unwrap_or_else(|| root.clone()),
            })
            .collect();
        members.sort_by(|a, b| a.name.cmp(&b.name));
        let git = git_info(&root);
        Ok(Workspace {
            manifest_path: root.join("Cargo.toml"),
            target_dir: metadata.target_directory.into(),
            root,
            members,
            git,
        })
    }

    /// `path` relative to the root, `/`-separated (lossy for non-UTF-8 names).
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// The member that owns `path`: the one with the deepest directory containing it.
    pub fn owner_of(&self, path: &Path) -> Option<&Member> {
        self.members
            .iter()
            .filter(|m| path.starts_with(&m.dir))
            .max_by_key(|m| m.dir.components().count())
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned()
    })
}

fn git_info(root: &Path) -> Option<GitInfo> {
    let toplevel = git(root, &["rev-parse", "--show-toplevel"])?;
    let commit = git(root, &["rev-parse", "--verify", "--quiet", "HEAD"]);
    let dirty = git(root, &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    Some(GitInfo {
        toplevel: PathBuf::from(toplevel),
        commit,
        dirty,
    })
}

/// Whether git tracks `path` (relative to `root`).
pub fn git_tracks(root: &Path, path: &str) -> bool {
    git(root, &["ls-files", "--error-unmatch", "--", path]).is_some()
}
