//! Git submodules that are not checked out, where the workspace's build reads from them: a
//! path dependency inside one (GEM's `ucc` helper crate, in `eda-infra-rs`), or a build
//! script that names a directory inside one (faiss-sys' `cmake::Config::new("faiss")`). What
//! they build is unseen, so a check of the workspace's GPU code cannot pass over them: a plain
//! `git clone` without `--recurse-submodules` passed `kernels.build` and `cuda.contracts`
//! where the checked-out tree failed them.

use crate::check::{Outcome, SkipKind, Status};
use crate::facts::Facts;
use std::path::Path;

/// The submodules the build reads from that are not checked out, each said with what reads it
/// (`faiss-sys/faiss (named by faiss-sys/build.rs)`); empty without a `.gitmodules`.
pub fn unread(facts: &Facts) -> Vec<String> {
    if !facts.index.files.iter().any(|f| f.rel == ".gitmodules") {
        return Vec::new();
    }
    let root = facts.root();
    let mut found = Vec::new();
    for submodule in not_checked_out(root) {
        let dir = root.join(&submodule);
        let mut readers: Vec<String> = Vec::new();
        for package in &facts.packages {
            if package.path_deps.iter().any(|d| d.starts_with(&dir)) {
                readers.push(format!("a path dependency of {}", package.name));
            }
            let Some(script) = &package.build_script else {
                continue;
            };
            let Ok(text) = gate_support::read::text_capped(script, 1 << 20) else {
                continue;
            };
            let named = dir
                .strip_prefix(&package.dir)
                .ok()
                .and_then(|rel| rel.to_str())
                .is_some_and(|rel| {
                    let rel = rel.replace('\\', "/");
                    text.contains(&format!("\"{rel}\"")) || text.contains(&format!("\"{rel}/"))
                });
            if named {
                readers.push(format!(
                    "named by {}",
                    gate_support::path::relative(root, script)
                ));
            }
        }
        if !readers.is_empty() {
            found.push(format!("{submodule} ({})", readers.join(", ")));
        }
    }
    found
}

/// `outcome`, unless it passes while a submodule the build reads is not checked out: then the
/// check could not judge (exit 2), and says which and the fix. A failure or a warning stands,
/// and says them too (candle-flash-attn-v1 compiles with `-Icutlass/include` from a submodule
/// a plain clone leaves empty: its failure said nothing of it).
pub fn unless_unread(facts: &Facts, mut outcome: Outcome) -> Outcome {
    if !matches!(outcome.status, Status::Pass | Status::Fail | Status::Warn) {
        return outcome;
    }
    let unread = unread(facts);
    if unread.is_empty() {
        return outcome;
    }
    if outcome.status != Status::Pass {
        outcome.summary.push_str(&format!(
            "; and the git submodule(s) the build reads are not checked out, so what they \
             build is unseen: {} (run `git submodule update --init --recursive`)",
            unread.join("; ")
        ));
        return outcome;
    }
    Outcome::skip(
        SkipKind::Unavailable,
        format!(
            "the git submodule(s) the build reads are not checked out, so what they build is \
             unseen: {} (run `git submodule update --init --recursive`)",
            unread.join("; ")
        ),
    )
    .with_findings(outcome.findings)
}

/// The submodules whose directory is missing or empty: the gitlinks of the index (`git
/// ls-files -s`, mode 160000) and the paths `.gitmodules` declares (a tree exported without
/// its gitlinks still declares them).
fn not_checked_out(root: &Path) -> Vec<String> {
    let mut paths = gitlinks(root);
    let declared = std::fs::read_to_string(root.join(".gitmodules")).unwrap_or_default();
    paths.extend(declared.lines().filter_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "path").then(|| value.trim().to_owned())
    }));
    paths.sort();
    paths.dedup();
    paths
        .retain(|path| std::fs::read_dir(root.join(path)).map_or(true, |mut d| d.next().is_none()));
    paths
}

/// The gitlinks of the index.
fn gitlinks(root: &Path) -> Vec<String> {
    let mut cmd = std::process::Command::new("git");
    cmd.args(["ls-files", "-s", "-z"]).current_dir(root);
    match crate::tools::process::output(cmd) {
        Ok(output) if output.status.success() => output
            .stdout
            .split(|&b| b == 0)
            .filter_map(|entry| std::str::from_utf8(entry).ok())
            .filter_map(|entry| entry.strip_prefix("160000 "))
            .filter_map(|rest| rest.split_once('\t').map(|(_, path)| path.to_owned()))
            .collect(),
        _ => Vec::new(),
    }
}
