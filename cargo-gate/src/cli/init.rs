//! `cargo gate init`: writes gate.toml, the checklist and a CI workflow (optionally with a baseline of waivers).

use super::error::CliError;
use super::output::print_stdout;
use crate::engine;
use crate::engine::RunOptions;
use crate::error::GateError;
use crate::redact::Redactor;
use crate::stage::Stage;
use crate::verdict::exit;
use crate::workspace::Workspace;
use std::io::Write;

pub(crate) fn init(
    opts: crate::init::InitOptions,
    manifest: Option<&std::path::Path>,
    offline: bool,
    redactor: &mut Redactor,
) -> Result<i32, CliError> {
    use crate::init;
    let ws = Workspace::discover(manifest, offline)?;
    redactor.add_path(&ws.root, "<workspace>");
    let today = init::today_utc();
    // A refusal is instant: nothing runs before the targets are known to be free.
    init::plan(&ws, &[], &opts, &today)?;
    // A project without a lockfile (every `cargo new`) gets one, tracked, so its first pilot
    // judges the code rather than the missing file.
    let lockfile = lockfile(&ws, offline, opts.dry_run);
    let findings = if opts.baseline {
        // Measured against the defaults init writes, recorded outside the workspace's history.
        let scratch = tempfile::Builder::new()
            .prefix("cargo-gate-init-")
            .tempdir()
            .map_err(|source| GateError::OutDir {
                path: tempfile::env::temp_dir(),
                source,
            })?;
        let empty_config = scratch.path().join("gate.toml");
        // Findings about the configuration point at this scratch file: they are about the
        // gate.toml init writes.
        let scratch_config = empty_config.to_string_lossy().replace('\\', "/");
        std::fs::write(&empty_config, "").map_err(|source| GateError::Write {
            path: empty_config.clone(),
            source,
        })?;
        // A stage's progress on stderr (the live line, or a line per check and a heartbeat
        // in a pipe): the baseline run is a whole controlled run, minutes on a big workspace.
        let display = super::progress::Display::new(
            super::progress::Verbosity::Normal,
            "controlled (init --baseline)",
            redactor.enabled(),
            false,
        );
        let options = RunOptions {
            stage: Stage::Controlled,
            manifest_path: Some(ws.manifest_path.clone()),
            config_path: Some(empty_config),
            mode: None,
            out: Some(scratch.path().join("out")),
            offline,
            only: Vec::new(),
            skip: Vec::new(),
            no_cache: true,
            test_shard: None,
        };
        let run =
            display.around(|| engine::run_observed(&options, &mut Redactor::disabled(), &display));
        drop(scratch);
        let result = run?;
        if result.report.verdict.exit_code == exit::COULD_NOT_EVALUATE {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(
                stderr,
                "error: the baseline run could not evaluate: {}",
                result.report.verdict.unevaluated.join(", ")
            );
            return Ok(exit::COULD_NOT_EVALUATE);
        }
        let mut findings = init::baseline_findings(&result.report);
        for (_, finding) in &mut findings {
            if let Some(location) = &mut finding.location
                && location.file == scratch_config
            {
                location.file = init::GATE_TOML.to_owned();
            }
        }
        findings
    } else {
        Vec::new()
    };
    let files = init::plan(&ws, &findings, &opts, &today)?;
    init::write(&ws.root, &files, &opts)?;
    let mut said = String::new();
    for line in &lockfile {
        said.push_str(line);
        said.push('\n');
    }
    for line in init::not_waived(&findings) {
        said.push_str(&line);
        said.push('\n');
    }
    said.push_str(&init::describe(&files, &opts));
    print_stdout(&redactor.text(&said));
    Ok(exit::READY)
}

/// Creates Cargo.lock when there is none (`cargo generate-lockfile`) and stages it when git
/// does not track it (`git add Cargo.lock`, so `lockfile.locked` sees it tracked before the
/// first commit). Returns what it did (or, in a dry run, would do), a line each; a step that
/// fails is said and the rest of `init` goes on.
fn lockfile(ws: &Workspace, offline: bool, dry_run: bool) -> Vec<String> {
    let lock = ws.root.join("Cargo.lock");
    let mut said = Vec::new();
    if !lock.is_file() {
        if dry_run {
            said.push("would create Cargo.lock (cargo generate-lockfile)".to_owned());
        } else {
            let cmd = crate::tools::cargo::Cargo::new(&ws.root, offline)
                .command("generate-lockfile", &[]);
            match crate::tools::process::output(cmd) {
                Ok(out) if out.status.success() => {
                    said.push("created Cargo.lock (cargo generate-lockfile)".to_owned());
                }
                Ok(out) => {
                    said.push(format!(
                        "could not create Cargo.lock: {} (run `cargo generate-lockfile` and \
                         commit it)",
                        crate::tools::cargo::first_error(&String::from_utf8_lossy(&out.stderr))
                    ));
                    return said;
                }
                Err(e) => {
                    said.push(format!("could not run cargo to create Cargo.lock: {e}"));
                    return said;
                }
            }
        }
    }
    if ws.git.is_none() {
        return said;
    }
    let tracked = crate::facts::git_ls_files(&ws.root)
        .is_ok_and(|files| files.iter().any(|f| f.as_os_str() == "Cargo.lock"));
    if tracked {
        return said;
    }
    if dry_run {
        said.push("would stage Cargo.lock (git add Cargo.lock)".to_owned());
        return said;
    }
    let mut add = std::process::Command::new("git");
    add.args(["add", "--", "Cargo.lock"]).current_dir(&ws.root);
    match crate::tools::process::output(add) {
        Ok(out) if out.status.success() => said.push(
            "staged Cargo.lock (git add Cargo.lock): commit it with the files below".to_owned(),
        ),
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            said.push(if err.contains("ignored") {
                "Cargo.lock is ignored by a .gitignore: remove that line and \
                 `git add Cargo.lock`, so builds use the versions you tested"
                    .to_owned()
            } else {
                format!(
                    "could not stage Cargo.lock: {} (run `git add Cargo.lock`)",
                    err.trim()
                )
            });
        }
        Err(e) => said.push(format!("could not run git to stage Cargo.lock: {e}")),
    }
    said
}
