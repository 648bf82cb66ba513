//! All or nothing: files staged beside their targets, renamed into place only when every
//! one is on disk.

use super::model::*;
use std::path::{Path, PathBuf};

/// Files written to temporary files beside their targets (tempfile), waiting to be persisted.
#[derive(Debug, Default)]
pub(super) struct Staging {
    /// (temporary file, complete and synced; target; whether the target existed).
    pub(super) staged: Vec<(tempfile::NamedTempFile, PathBuf, bool)>,
    /// Directories created for the targets, outermost first.
    pub(super) created_dirs: Vec<PathBuf>,
}

impl Staging {
    pub(super) fn stage(
        &mut self,
        root: &Path,
        target: &Path,
        contents: &str,
    ) -> Result<(), InitError> {
        use std::io::Write as _;
        let fail = |path: &Path| {
            let path = path.to_owned();
            move |source| InitError::Write { path, source }
        };
        let parent = target.parent().unwrap_or(root);
        let mut missing: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|d| !d.exists())
            .map(Path::to_owned)
            .collect();
        missing.reverse();
        for dir in missing {
            std::fs::create_dir(&dir).map_err(fail(&dir))?;
            self.created_dirs.push(dir);
        }
        let existed = std::fs::symlink_metadata(target).is_ok();
        let mut temp = gate_support::atomic::temp_beside(parent).map_err(fail(target))?;
        temp.write_all(contents.as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .map_err(fail(target))?;
        self.staged.push((temp, target.to_owned(), existed));
        Ok(())
    }

    /// Persists every staged file into place; on a failure, undoes what it can.
    pub(super) fn commit(mut self) -> Result<(), InitError> {
        let staged = std::mem::take(&mut self.staged);
        let mut done: Vec<(PathBuf, bool)> = Vec::new();
        for (temp, target, existed) in staged {
            if let Err(e) = temp.persist(&target) {
                // Files persisted so far that did not exist before are removed again; the
                // temporary files of the rest are removed as they drop.
                for (path, existed) in &done {
                    if !existed {
                        let _ = std::fs::remove_file(path);
                    }
                }
                self.abort();
                return Err(InitError::Write {
                    path: target,
                    source: e.error,
                });
            }
            done.push((target, existed));
        }
        Ok(())
    }

    /// Removes the files still staged and the directories created (when empty).
    pub(super) fn abort(&mut self) {
        self.staged.clear();
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
        self.created_dirs.clear();
    }
}
