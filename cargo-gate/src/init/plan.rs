//! Planning (every refusal before anything is touched), writing, and describing a plan.

use super::baseline::*;
use super::model::*;
use super::staging::*;
use super::templates::*;
use crate::check::Finding;
use crate::workspace::Workspace;
use std::fmt::Write as _;
use std::path::{Component, Path};

/// Plans the three files. Refuses, before anything is written, when a target exists and
/// `force` is off (naming every such file), when a target is not a file, and when the root
/// manifest holds `[workspace.metadata.gate]`. With `baseline`, `baseline_findings` (check
/// id, finding) become waivers dated `today` (`YYYY-MM-DD`); without, they are ignored.
pub fn plan(
    ws: &Workspace,
    baseline_findings: &[(String, Finding)],
    opts: &InitOptions,
    today: &str,
) -> Result<Vec<PlannedFile>, InitError> {
    let expires = add_days(today, BASELINE_DAYS).ok_or_else(|| InitError::BadDate {
        today: today.to_owned(),
    })?;
    if let Some(table) = manifest_holds_config(&ws.manifest_path) {
        return Err(InitError::ConfigInManifest {
            manifest: ws.relative(&ws.manifest_path),
            table,
        });
    }
    let (existing, not_files) = obstacles(&ws.root, &[GATE_TOML, READINESS, WORKFLOW]);
    if let Some(path) = not_files.into_iter().next() {
        return Err(InitError::NotAFile { path });
    }
    if !existing.is_empty() && !opts.force {
        return Err(InitError::Exists { paths: existing });
    }
    let unsafe_today = unsafe_members(ws);
    let baseline = opts.baseline.then(|| Baseline {
        today,
        expires: &expires,
        waivers: waivers(baseline_findings, &unsafe_today),
    });
    let toolchain_pinned = ["rust-toolchain.toml", "rust-toolchain"]
        .iter()
        .any(|f| ws.root.join(f).is_file());
    let files = [
        (
            GATE_TOML,
            gate_toml(today, &unsafe_today, baseline.as_ref()),
        ),
        (READINESS, readiness(today)),
        (WORKFLOW, workflow(toolchain_pinned, opts.shards)),
    ];
    Ok(files
        .into_iter()
        .map(|(path, contents)| PlannedFile {
            path: path.to_owned(),
            contents,
            exists: existing.iter().any(|e| e == path),
        })
        .collect())
}

/// Writes the planned files under `ws_root`: nothing with `dry_run`; otherwise all or none
/// (see the module documentation). Without `force`, a file that appeared since [`plan`] is
/// refused, and nothing is written.
pub fn write(ws_root: &Path, files: &[PlannedFile], opts: &InitOptions) -> Result<(), InitError> {
    if opts.dry_run {
        return Ok(());
    }
    for file in files {
        let plain = !file.path.is_empty()
            && Path::new(&file.path)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            return Err(InitError::BadPath {
                path: file.path.clone(),
            });
        }
    }
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let (existing, not_files) = obstacles(ws_root, &paths);
    if let Some(path) = not_files.into_iter().next() {
        return Err(InitError::NotAFile { path });
    }
    if !existing.is_empty() && !opts.force {
        return Err(InitError::Exists { paths: existing });
    }
    let mut staging = Staging::default();
    for file in files {
        let target = ws_root.join(&file.path);
        if let Err(e) = staging.stage(ws_root, &target, &file.contents) {
            staging.abort();
            return Err(e);
        }
    }
    staging.commit()
}

/// A human summary of the plan (dry run: with every file's contents) or of what was written.
pub fn describe(files: &[PlannedFile], opts: &InitOptions) -> String {
    let mut out = String::new();
    for file in files {
        let verb = match (opts.dry_run, file.exists) {
            (true, false) => "would create",
            (true, true) => "would overwrite",
            (false, false) => "created",
            (false, true) => "overwrote",
        };
        let _ = writeln!(
            out,
            "{verb} {} ({} lines)",
            file.path,
            file.contents.lines().count()
        );
    }
    if opts.dry_run {
        for file in files {
            let _ = write!(out, "\n--- {} ---\n{}", file.path, file.contents);
        }
        out.push_str("\ndry run: nothing was written\n");
    } else {
        out.push_str(
            "\nnext: review gate.toml (the owners and reasons of any waivers first), commit the \
             files, and run `cargo gate pilot`; before `cargo gate controlled`, get the RustSec \
             advisory database once with `cargo gate fetch-advisories`\n",
        );
    }
    out
}

/// Targets that exist (sorted as given), and targets that exist but are not files.
pub(super) fn obstacles(root: &Path, paths: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut existing = Vec::new();
    let mut not_files = Vec::new();
    for path in paths {
        if let Ok(meta) = std::fs::symlink_metadata(root.join(path)) {
            existing.push((*path).to_owned());
            let file_like =
                meta.is_file() || (meta.file_type().is_symlink() && !root.join(path).is_dir());
            if !file_like {
                not_files.push((*path).to_owned());
            }
        }
    }
    (existing, not_files)
}

/// Which configuration table the root manifest holds, if any (`[workspace.metadata.gate]` or
/// `[package.metadata.gate]`).
pub(super) fn manifest_holds_config(manifest: &Path) -> Option<&'static str> {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| crate::config::manifest_config_table(&text))
}
