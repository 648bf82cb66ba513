//! A cargo command started before the run knows it needs it, its output taken only by the
//! very command a fact asks: the shipped graph's `cargo tree`, started beside workspace
//! discovery (`engine/discover.rs`; the command built in `facts/shipped.rs`).

use crate::tools::cargo;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The shipped graph's `cargo tree`, started before the workspace is known, beside workspace
/// discovery: the command the run would ask were the directory it starts from the root and
/// its configuration the files there. [`super::Core::shipped_tree`] takes its output only
/// for the very command it builds, word for word and in the same directory; any other is
/// left to end with the run (the gate ends what it started as it exits).
#[derive(Debug)]
pub struct TreeAhead {
    line: String,
    dir: PathBuf,
    pub(super) running: std::thread::JoinHandle<std::io::Result<Output>>,
}

impl TreeAhead {
    /// `cmd`, started in a thread of its own through the gate's runner.
    pub(super) fn running(cmd: Command) -> Option<TreeAhead> {
        let line = cargo::describe(&cmd);
        let dir = cmd.get_current_dir()?.to_owned();
        let running = std::thread::Builder::new()
            .name("gate-tree-ahead".to_owned())
            .spawn(move || crate::tools::process::output(cmd))
            .ok()?;
        Some(TreeAhead { line, dir, running })
    }

    /// Whether this is `cmd`, word for word and where it runs.
    pub(super) fn is(&self, cmd: &Command) -> bool {
        cargo::describe(cmd) == self.line && cmd.get_current_dir() == Some(self.dir.as_path())
    }
}
