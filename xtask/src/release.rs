//! `cargo xtask release [--execute] [-- GATE_ARGS…]`: a release bundle, and (with `--execute`)
//! the release tag.
//!
//! A dry run by default; every step is printed:
//!
//! 1. **The gate.** `cargo run --locked -p cargo-gate -- gate broad --out target/release-gate
//!    --format markdown` on this workspace (anything after `--` is appended, e.g. `-- --only
//!    config.valid`). The markdown report on stdout becomes `READINESS-REPORT.md`; the new run
//!    directory under `target/release-gate/runs/` supplies `report.json` and `decision.json`.
//!    They go beside the bundle whatever the verdict; `--execute` refuses unless it is READY
//!    (exit code 0).
//! 2. **The version.** `[workspace.package] version` of the root Cargo.toml must be greater
//!    than the last release tag (`vX.Y.Z` or `X.Y.Z` in `git tag --list`; pre-releases are no
//!    releases), or there is no tag; `v<version>` must not exist yet; CHANGELOG.md must have a
//!    `## [X.Y.Z]` or `## X.Y.Z` heading; the work tree must be clean. Errors with
//!    `--execute`, warnings in a dry run.
//! 3. **The binary.** `cargo build --release --locked -p cargo-gate`.
//! 4. **The bundle.** `target/bundle/cargo-gate-<version>-<target>/` (target: the host triple of
//!    `rustc -vV`): the binary, README.md, LICENSE-MIT, LICENSE-APACHE, CHANGELOG.md and
//!    MANIFEST.json (version, target, commit, sha256 and size of every other file, sorted);
//!    then `target/bundle/cargo-gate-<version>-<target>.tar.gz`. Everything in it follows from
//!    the commit, so two releases of one commit give the same archive digest. The gate's record
//!    of the release run (READINESS-REPORT.md, report.json, decision.json, and gate.json naming
//!    the archive and its digest) differs run to run and goes **beside** it, in
//!    `target/bundle/cargo-gate-<version>-<target>.gate/`; `target/bundle/SHA256SUMS` covers
//!    both (`sha256sum -c SHA256SUMS` in `target/bundle` checks it), and
//!    `cargo-gate-<version>-<target>.tar.gz.sha256` the archive alone: uploaded beside it, it is
//!    what the workflow `init` writes and the action verify before installing.
//! 5. **Reproducible archive** ([`write_tar_gz`]): entries sorted, mtime from
//!    `SOURCE_DATE_EPOCH` (else the HEAD commit time), uid/gid 0, no owner or group names, mode
//!    0644 (0755 for executables and directories), gzip header mtime 0 and no file name.
//! 6. **The tag.** `--execute` creates the annotated tag `v<version>` ("cargo-gate VERSION");
//!    nothing is ever pushed or published. A dry run says what it would tag.

use crate::{project_root, say, shell};
use anyhow::{Context, Result, bail};
use flate2::{Compression, GzBuilder};
use semver::Version;
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use xshell::{Shell, cmd};

/// The files of the repository that go into the bundle as they are.
const REPO_FILES: &[&str] = &["README.md", "LICENSE-MIT", "LICENSE-APACHE", "CHANGELOG.md"];

/// The name of the bundle's manifest (which lists every other file of the bundle).
const MANIFEST: &str = "MANIFEST.json";

#[derive(Debug)]
struct Options {
    execute: bool,
    gate_args: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut opts = Options {
        execute: false,
        gate_args: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--execute" => opts.execute = true,
            "--" => {
                opts.gate_args = it.by_ref().cloned().collect();
            }
            other => bail!(
                "unknown option `{other}`; usage: cargo xtask release [--execute] [-- GATE_ARGS…]"
            ),
        }
    }
    Ok(opts)
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let opts = parse(args)?;
    let root = project_root();
    let target = root.join("target");
    let mode = if opts.execute { "execute" } else { "dry run" };
    say(&format!("release ({mode})"));

    // 1. The gate.
    let gate = run_gate(&root, &target.join("release-gate"), &opts.gate_args)?;
    say(&format!(
        "1. gate: {} (exit code {}, run {})",
        gate.line,
        gate.exit_code,
        gate.run_dir.display()
    ));
    if opts.execute && (gate.exit_code != 0 || !gate.ready) {
        bail!(
            "refusing to release: the broad gate is not READY ({}); the report is in {}",
            gate.line,
            gate.run_dir.display()
        );
    }

    // 2. The version.
    let version = workspace_version(&root.join("Cargo.toml"))?;
    let tags = git(&root, &["tag", "--list"])
        .map(|out| out.lines().map(str::to_owned).collect::<Vec<_>>())
        .unwrap_or_default();
    let changelog = fs::read_to_string(root.join("CHANGELOG.md")).unwrap_or_default();
    let mut problems = Vec::new();
    match check_version(&version, &tags) {
        Ok(Some(last)) => say(&format!(
            "2. version {version}: after the last release {last}"
        )),
        Ok(None) => say(&format!("2. version {version}: no release tag yet")),
        Err(problem) => problems.push(problem),
    }
    if !has_changelog_entry(&changelog, &version) {
        problems.push(format!(
            "CHANGELOG.md has no `## [{version}]` (or `## {version}`) entry"
        ));
    }
    match git(&root, &["status", "--porcelain", "--untracked-files=no"]) {
        Some(status) if !status.trim().is_empty() => problems.push(
            "the work tree has uncommitted changes to tracked files: the tag would not \
             describe what is bundled"
                .to_owned(),
        ),
        Some(_) => {}
        None => problems.push("not a git work tree (or git is missing)".to_owned()),
    }
    if !problems.is_empty() {
        if opts.execute {
            bail!("refusing to release {version}: {}", problems.join("; "));
        }
        for problem in &problems {
            say(&format!("warning: {problem}"));
        }
    }

    // 3. The binary.
    say("3. $ cargo build --release --locked -p cargo-gate");
    let binary = build_binary(&root)?;

    // 4. The bundle.
    let host = host_triple()?;
    let name = format!("cargo-gate-{version}-{host}");
    let bundle_root = target.join("bundle");
    let dir = bundle_root.join(&name);
    if dir.exists() {
        fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let exe_name = format!("cargo-gate{}", std::env::consts::EXE_SUFFIX);
    copy(&binary, &dir.join(&exe_name))?;
    for file in REPO_FILES {
        copy(&root.join(file), &dir.join(file))?;
    }
    let files = digest_files(&dir)?;
    // What the archive holds is a function of the commit alone (the binary, the repository's
    // files, their digests), so two releases of one commit give the same archive. The gate's
    // record of this release run differs from run to run (its id, time, seed): it is kept
    // beside the archive, not in it.
    let manifest = serde_json::json!({
        "schema_version": 2,
        "name": "cargo-gate",
        "version": version.to_string(),
        "target": host,
        "commit": git(&root, &["rev-parse", "HEAD"]).map(|c| c.trim().to_owned()),
        "files": files
            .iter()
            .map(|f| serde_json::json!({"path": f.path, "sha256": f.sha256, "size": f.size}))
            .collect::<Vec<_>>(),
    });
    let manifest_bytes = gate_support::json::pretty_bytes(&manifest)?;
    fs::write(dir.join(MANIFEST), &manifest_bytes)?;
    say(&format!(
        "4. bundle {} ({} files + {MANIFEST})",
        dir.display(),
        files.len()
    ));

    // 5. The archive, the gate's record beside it, and the checksums.
    let mtime = source_date_epoch(&root)?;
    let archive_name = format!("{name}.tar.gz");
    let archive = bundle_root.join(&archive_name);
    let archive_sha = write_tar_gz(&dir, &name, mtime, &archive)?;
    // The archive's own checksum file, uploaded beside it: what the workflow `init` writes
    // (and the action) verify before they install the binary (`sha256sum -c`).
    fs::write(
        bundle_root.join(format!("{archive_name}.sha256")),
        sha256sums(&[(archive_name.clone(), archive_sha.clone())]),
    )?;
    let gate_dir_name = format!("{name}.gate");
    let gate_dir = bundle_root.join(&gate_dir_name);
    if gate_dir.exists() {
        fs::remove_dir_all(&gate_dir)
            .with_context(|| format!("removing {}", gate_dir.display()))?;
    }
    fs::create_dir_all(&gate_dir).with_context(|| format!("creating {}", gate_dir.display()))?;
    fs::write(gate_dir.join("READINESS-REPORT.md"), &gate.markdown)?;
    copy(
        &gate.run_dir.join("report.json"),
        &gate_dir.join("report.json"),
    )?;
    copy(
        &gate.run_dir.join("decision.json"),
        &gate_dir.join("decision.json"),
    )?;
    let gate_json = gate_support::json::pretty_bytes(&serde_json::json!({
        "schema_version": 1,
        "stage": "broad",
        "exit_code": gate.exit_code,
        "verdict": gate.line,
        "run_id": gate.run_dir.file_name().map(|n| n.to_string_lossy().into_owned()),
        "archive": archive_name,
        "archive_sha256": archive_sha,
    }))?;
    fs::write(gate_dir.join("gate.json"), &gate_json)?;
    let mut sums = vec![(archive_name.clone(), archive_sha.clone())];
    for file in digest_files(&dir)? {
        sums.push((format!("{name}/{}", file.path), file.sha256));
    }
    for file in digest_files(&gate_dir)? {
        sums.push((format!("{gate_dir_name}/{}", file.path), file.sha256));
    }
    fs::write(bundle_root.join("SHA256SUMS"), sha256sums(&sums))?;
    say(&format!(
        "5. {} (mtime {mtime}), the gate's record in {}, {}",
        archive.display(),
        gate_dir.display(),
        bundle_root.join("SHA256SUMS").display()
    ));

    // 6. The tag.
    let tag = format!("v{version}");
    if opts.execute {
        tag_release(&root, &version)?;
        say(&format!(
            "6. tagged {tag} (not pushed: `git push origin {tag}` publishes it)"
        ));
    } else {
        say(&format!("dry run: would tag {tag}"));
    }

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{archive_sha}  {}", archive.display())?;
    Ok(())
}

/// What the gate run left.
#[derive(Debug)]
struct GateRun {
    /// The run directory (`<out>/runs/<id>`).
    run_dir: PathBuf,
    /// The markdown report (stdout of the gate).
    markdown: Vec<u8>,
    /// The gate's exit code.
    exit_code: i32,
    /// Whether report.json's result is `ready`: exit 0 alone is not enough, since a partial
    /// run (`--only`/`--skip` passed through) exits 0 when its selection passes.
    ready: bool,
    /// The verdict line of report.json, else a description of the exit code.
    line: String,
}

fn run_gate(root: &Path, out: &Path, extra: &[String]) -> Result<GateRun> {
    let mut args: Vec<String> = [
        "run",
        "--locked",
        "-p",
        "cargo-gate",
        "--",
        "gate",
        "broad",
        "--format",
        "markdown",
        "--out",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.push(out.to_string_lossy().into_owned());
    args.extend(extra.iter().cloned());
    say(&format!("1. $ cargo {}", args.join(" ")));
    let before = run_dirs(out);
    // std's Command, not xshell: the gate's stderr goes to the terminal while its stdout
    // (the report) is captured, and a non-zero exit is a verdict to read, not an error.
    let output = Command::new("cargo")
        .args(&args)
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("failed to start cargo")?;
    let Some(exit_code) = output.status.code() else {
        bail!("the gate was killed ({})", output.status);
    };
    let created: Vec<String> = run_dirs(out).difference(&before).cloned().collect();
    let run_id = match created.as_slice() {
        [one] => one.clone(),
        // Another run finished at the same time: the newest is ours only by luck, so ask the
        // history, whose last line is the run that finished last.
        _ => last_history_run(out).with_context(|| {
            format!(
                "the gate (exit code {exit_code}) wrote no run record under {}: it could not \
                 evaluate this workspace (see its messages above)",
                out.display()
            )
        })?,
    };
    let run_dir = out.join("runs").join(&run_id);
    let report: serde_json::Value = serde_json::from_slice(
        &fs::read(run_dir.join("report.json"))
            .with_context(|| format!("reading {}/report.json", run_dir.display()))?,
    )
    .with_context(|| format!("{}/report.json is not JSON", run_dir.display()))?;
    let line = report["verdict"]["line"]
        .as_str()
        .map_or_else(|| format!("exit code {exit_code}"), str::to_owned);
    let ready = report["verdict"]["result"] == "ready";
    Ok(GateRun {
        run_dir,
        markdown: output.stdout,
        exit_code,
        ready,
        line,
    })
}

/// The run ids under `<out>/runs/` (without the `.tmp-` directories of unfinished runs).
fn run_dirs(out: &Path) -> BTreeSet<String> {
    fs::read_dir(out.join("runs"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

fn last_history_run(out: &Path) -> Option<String> {
    let text = fs::read_to_string(out.join("history.jsonl")).ok()?;
    text.lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v["run_id"].as_str().map(str::to_owned))
}

/// `[workspace.package] version` of the root manifest.
fn workspace_version(manifest: &Path) -> Result<Version> {
    let text =
        fs::read_to_string(manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let doc: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", manifest.display()))?;
    let version = doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .with_context(|| format!("{} has no [workspace.package] version", manifest.display()))?;
    Version::parse(version).with_context(|| format!("version `{version}` is not semver"))
}

/// A release tag's version: `vX.Y.Z` or `X.Y.Z`, not a pre-release, no build metadata.
fn tag_version(tag: &str) -> Option<Version> {
    let tag = tag.trim();
    let version = Version::parse(tag.strip_prefix('v').unwrap_or(tag)).ok()?;
    (version.pre.is_empty() && version.build.is_empty()).then_some(version)
}

/// The version-vs-tag rules: `version` must be greater than the highest release tag (other
/// tags are ignored), and must not be tagged already. `Ok(last)`: the last release, if any.
fn check_version(version: &Version, tags: &[String]) -> Result<Option<Version>, String> {
    if let Some(tag) = tags
        .iter()
        .map(|t| t.trim())
        .find(|t| *t == format!("v{version}"))
    {
        return Err(format!("the tag {tag} exists already"));
    }
    let last = tags.iter().filter_map(|t| tag_version(t)).max();
    match last {
        Some(last) if *version <= last => Err(format!(
            "version {version} is not greater than the last release tag {last}: bump \
             [workspace.package] version"
        )),
        last => Ok(last),
    }
}

/// Whether the changelog has a heading for `version`: `## [X.Y.Z]…` or `## X.Y.Z…` (an
/// optional `v`; what follows the version must not continue it, so `## 1.2.3-rc.1` is not an
/// entry for 1.2.3).
fn has_changelog_entry(changelog: &str, version: &Version) -> bool {
    let want = version.to_string();
    changelog.lines().any(|line| {
        let Some(rest) = line.strip_prefix("## ") else {
            return false;
        };
        let rest = rest.trim_start();
        let candidate = match rest.strip_prefix('[') {
            Some(inner) => match inner.split_once(']') {
                Some((candidate, _)) => candidate.trim(),
                None => return false,
            },
            None => {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')))
                    .unwrap_or(rest.len());
                &rest[..end]
            }
        };
        candidate.strip_prefix('v').unwrap_or(candidate) == want
    })
}

/// Creates the annotated tag `v<version>` ("cargo-gate VERSION") on HEAD; refuses when the
/// tag exists. Never pushes.
fn tag_release(root: &Path, version: &Version) -> Result<()> {
    let tag = format!("v{version}");
    if tag_exists(root, &tag) {
        bail!("refusing to tag: {tag} exists already");
    }
    let sh = shell(root)?;
    let message = format!("cargo-gate {version}");
    cmd!(sh, "git tag -a {tag} -m {message}")
        .quiet()
        .run()
        .with_context(|| format!("`git tag -a {tag}` failed"))
}

fn tag_exists(root: &Path, tag: &str) -> bool {
    let reference = format!("refs/tags/{tag}");
    shell(root).is_ok_and(|sh| {
        cmd!(sh, "git rev-parse -q --verify {reference}")
            .quiet()
            .ignore_stdout()
            .ignore_stderr()
            .run()
            .is_ok()
    })
}

/// Runs git, returning stdout when it succeeds.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let sh = shell(root).ok()?;
    // output(), not read(): stdout as it is (lossy, last newline kept), whatever its bytes.
    let output = cmd!(sh, "git {args...}")
        .quiet()
        .ignore_stderr()
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Builds cargo-gate in release mode; the executable's path, as cargo reports it.
fn build_binary(root: &Path) -> Result<PathBuf> {
    let sh = shell(root)?;
    // stdout (cargo's JSON messages) is read; the diagnostics go to the terminal.
    let messages = cmd!(
        sh,
        "cargo build --release --locked -p cargo-gate --message-format=json-render-diagnostics"
    )
    .quiet()
    .read()
    .context("`cargo build --release --locked -p cargo-gate` failed")?;
    messages
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "cargo-gate")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .context("cargo reported no cargo-gate executable")
}

/// The host triple of `rustc -vV`.
fn host_triple() -> Result<String> {
    let sh = Shell::new()?;
    // Its exit status is not checked and its stderr is not shown: the host line decides.
    let output = cmd!(sh, "rustc -vV")
        .quiet()
        .ignore_status()
        .output()
        .context("failed to start rustc")?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_owned())
        .context("`rustc -vV` printed no host line")
}

/// `SOURCE_DATE_EPOCH`, else the commit time of HEAD.
fn source_date_epoch(root: &Path) -> Result<u64> {
    if let Ok(text) = std::env::var("SOURCE_DATE_EPOCH") {
        return text
            .trim()
            .parse()
            .with_context(|| format!("SOURCE_DATE_EPOCH={text:?} is not a number of seconds"));
    }
    let text = git(root, &["log", "-1", "--format=%ct"])
        .context("no SOURCE_DATE_EPOCH and no HEAD commit to take the time from")?;
    text.trim()
        .parse()
        .with_context(|| format!("`git log -1 --format=%ct` printed {text:?}"))
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))
}

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileDigest {
    /// `/`-separated, relative to the bundle directory.
    path: String,
    sha256: String,
    size: u64,
}

/// Every file under `dir` except [`MANIFEST`], sorted by path.
fn digest_files(dir: &Path) -> Result<Vec<FileDigest>> {
    let mut out = Vec::new();
    for entry in walk(dir)? {
        if entry.kind != Kind::Dir && entry.rel != MANIFEST {
            let (sha256, size) = sha256_file(&entry.path)?;
            out.push(FileDigest {
                path: entry.rel,
                sha256,
                size,
            });
        }
    }
    Ok(out)
}

/// `SHA256SUMS`: `<sha256>  <path>` per line, sorted by path — the format `sha256sum -c`
/// reads (two spaces: text mode, which is binary mode everywhere that matters).
fn sha256sums(entries: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(path, sha)| format!("{sha}  {path}\n"))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Executable,
}

#[derive(Debug)]
struct Entry {
    /// `/`-separated, relative to the walked directory.
    rel: String,
    path: PathBuf,
    kind: Kind,
}

/// Every directory and file under `dir` (not `dir` itself), sorted by relative path.
/// Symbolic links and other special files are an error: a bundle holds plain files.
fn walk(dir: &Path) -> Result<Vec<Entry>> {
    fn visit(dir: &Path, prefix: &str, out: &mut Vec<Entry>) -> Result<()> {
        for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name
                .to_str()
                .with_context(|| format!("{}: file name is not UTF-8", entry.path().display()))?;
            let rel = if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}/{name}")
            };
            let meta = fs::symlink_metadata(entry.path())?;
            let kind = if meta.is_dir() {
                Kind::Dir
            } else if meta.is_file() {
                if is_executable(&entry.path(), &meta) {
                    Kind::Executable
                } else {
                    Kind::File
                }
            } else {
                bail!("{}: not a plain file or directory", entry.path().display());
            };
            out.push(Entry {
                rel: rel.clone(),
                path: entry.path(),
                kind,
            });
            if kind == Kind::Dir {
                visit(&entry.path(), &rel, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    visit(dir, "", &mut out)?;
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

#[cfg(unix)]
fn is_executable(_path: &Path, meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(path: &Path, _meta: &fs::Metadata) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(std::env::consts::EXE_EXTENSION))
}

/// Writes `dir` as a gzip-compressed tar to `out`, every entry under `prefix/`, and returns
/// the archive's sha256. The same directory contents give the same bytes: entries sorted by
/// path, every mtime `mtime`, uid/gid 0, no owner or group names, mode 0755 for directories
/// and executables and 0644 for other files (nothing else of the file system is read), and a
/// gzip header with mtime 0, no file name and the "unknown" OS byte.
pub(crate) fn write_tar_gz(dir: &Path, prefix: &str, mtime: u64, out: &Path) -> Result<String> {
    let entries = walk(dir)?;
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let gz = GzBuilder::new()
        .mtime(0)
        .write(BufWriter::new(file), Compression::best());
    let mut tar = tar::Builder::new(gz);
    let header = |kind: Kind, size: u64| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(if kind == Kind::Dir {
            tar::EntryType::Directory
        } else {
            tar::EntryType::Regular
        });
        h.set_size(size);
        h.set_mode(if kind == Kind::File { 0o644 } else { 0o755 });
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        h
    };
    let prefix = prefix.trim_end_matches('/');
    tar.append_data(
        &mut header(Kind::Dir, 0),
        format!("{prefix}/"),
        std::io::empty(),
    )?;
    for entry in &entries {
        let name = format!("{prefix}/{}", entry.rel);
        if entry.kind == Kind::Dir {
            tar.append_data(
                &mut header(Kind::Dir, 0),
                format!("{name}/"),
                std::io::empty(),
            )?;
        } else {
            let bytes = fs::read(&entry.path)
                .with_context(|| format!("reading {}", entry.path.display()))?;
            tar.append_data(
                &mut header(entry.kind, bytes.len() as u64),
                &name,
                bytes.as_slice(),
            )?;
        }
    }
    let gz = tar.into_inner()?;
    let mut writer = gz.finish()?;
    writer.flush()?;
    writer
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    Ok(sha256_file(out)?.0)
}

/// Lowercase hex sha256 and size of a file, streamed.
fn sha256_file(path: &Path) -> Result<(String, u64)> {
    gate_support::digest::sha256_file(path).with_context(|| format!("reading {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::time::{Duration, SystemTime};

    fn bundle_dir(root: &Path) -> PathBuf {
        let dir = root.join("bundle");
        fs::create_dir_all(dir.join("docs")).unwrap();
        // Created out of order, so that directory order cannot make the archive sorted.
        fs::write(dir.join("README.md"), "read me\n").unwrap();
        fs::write(dir.join("docs/guide.md"), "guide\n").unwrap();
        fs::write(dir.join("CHANGELOG.md"), "## [1.0.0]\n").unwrap();
        fs::write(dir.join("cargo-gate"), b"\x7fELF pretend").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir.join("cargo-gate"), fs::Permissions::from_mode(0o700)).unwrap();
            fs::set_permissions(dir.join("README.md"), fs::Permissions::from_mode(0o600)).unwrap();
        }
        dir
    }

    fn touch_all(dir: &Path, when: SystemTime) {
        for entry in walk(dir).unwrap() {
            if entry.kind != Kind::Dir {
                File::options()
                    .append(true)
                    .open(&entry.path)
                    .unwrap()
                    .set_modified(when)
                    .unwrap();
            }
        }
    }

    #[test]
    fn tar_gz_is_reproducible_and_sorted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = bundle_dir(tmp.path());
        let first = write_tar_gz(
            &dir,
            "pkg-1.0.0",
            1_700_000_000,
            &tmp.path().join("a.tar.gz"),
        )
        .unwrap();
        touch_all(&dir, SystemTime::UNIX_EPOCH + Duration::from_secs(12_345));
        let second = write_tar_gz(
            &dir,
            "pkg-1.0.0",
            1_700_000_000,
            &tmp.path().join("b.tar.gz"),
        )
        .unwrap();
        assert_eq!(first, second, "touching mtimes changed the archive");
        assert_eq!(
            fs::read(tmp.path().join("a.tar.gz")).unwrap(),
            fs::read(tmp.path().join("b.tar.gz")).unwrap()
        );
        assert_eq!(first, sha256_file(&tmp.path().join("a.tar.gz")).unwrap().0);
        // A different epoch is a different archive; so is different content.
        let other = write_tar_gz(
            &dir,
            "pkg-1.0.0",
            1_700_000_001,
            &tmp.path().join("c.tar.gz"),
        )
        .unwrap();
        assert_ne!(first, other);
        fs::write(dir.join("README.md"), "read me!\n").unwrap();
        let changed = write_tar_gz(
            &dir,
            "pkg-1.0.0",
            1_700_000_000,
            &tmp.path().join("d.tar.gz"),
        )
        .unwrap();
        assert_ne!(first, changed);

        // The gzip header: mtime 0, no FNAME flag, OS "unknown".
        let bytes = fs::read(tmp.path().join("a.tar.gz")).unwrap();
        assert_eq!(&bytes[..3], &[0x1f, 0x8b, 8]);
        assert_eq!(bytes[3] & 0x08, 0, "gzip header carries a file name");
        assert_eq!(&bytes[4..8], &[0, 0, 0, 0], "gzip header mtime");
        assert_eq!(bytes[9], 255);

        // The entries: sorted, under the prefix, normalised metadata.
        let mut archive = tar::Archive::new(GzDecoder::new(bytes.as_slice()));
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let h = entry.header();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            assert_eq!(h.mtime().unwrap(), 1_700_000_000, "{path}");
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0), "{path}");
            assert_eq!(h.username().unwrap(), Some(""), "{path}");
            assert_eq!(h.groupname().unwrap(), Some(""), "{path}");
            seen.push((path, h.mode().unwrap()));
        }
        let executable = if cfg!(unix) { 0o755 } else { 0o644 };
        assert_eq!(
            seen,
            [
                ("pkg-1.0.0/".to_owned(), 0o755),
                ("pkg-1.0.0/CHANGELOG.md".to_owned(), 0o644),
                ("pkg-1.0.0/README.md".to_owned(), 0o644),
                ("pkg-1.0.0/cargo-gate".to_owned(), executable),
                ("pkg-1.0.0/docs/".to_owned(), 0o755),
                ("pkg-1.0.0/docs/guide.md".to_owned(), 0o644),
            ]
        );
    }

    #[test]
    fn sha256sums_lines_are_sorted_and_in_sha256sum_format() {
        let sums = sha256sums(&[
            ("pkg/README.md".into(), "b".repeat(64)),
            ("pkg.tar.gz".into(), "a".repeat(64)),
            ("pkg/MANIFEST.json".into(), "c".repeat(64)),
        ]);
        assert_eq!(
            sums,
            format!(
                "{}  pkg.tar.gz\n{}  pkg/MANIFEST.json\n{}  pkg/README.md\n",
                "a".repeat(64),
                "c".repeat(64),
                "b".repeat(64)
            )
        );
        for line in sums.lines() {
            let (sha, path) = line.split_once("  ").unwrap();
            assert_eq!(sha.len(), 64);
            assert!(sha.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(!path.starts_with(' ') && !path.contains('\\'));
        }
    }

    #[test]
    fn sha256sums_of_a_bundle_check_with_sha256sum() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = bundle_dir(tmp.path());
        let mut sums = Vec::new();
        for f in digest_files(&dir).unwrap() {
            sums.push((format!("bundle/{}", f.path), f.sha256));
        }
        assert_eq!(sums.len(), 4);
        fs::write(tmp.path().join("SHA256SUMS"), sha256sums(&sums)).unwrap();
        // sha256sum (coreutils) where there is one; the format is the point, not the tool.
        if let Ok(out) = Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(tmp.path())
            .output()
        {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        // Known answer for the digest itself.
        let abc = tmp.path().join("abc");
        fs::write(&abc, "abc").unwrap();
        assert_eq!(
            sha256_file(&abc).unwrap(),
            (
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_owned(),
                3
            )
        );
    }

    #[test]
    fn manifest_lists_every_other_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = bundle_dir(tmp.path());
        fs::write(dir.join(MANIFEST), "{}").unwrap();
        let paths: Vec<String> = digest_files(&dir)
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(
            paths,
            ["CHANGELOG.md", "README.md", "cargo-gate", "docs/guide.md"]
        );
    }

    #[test]
    fn changelog_entries() {
        let v = Version::new(1, 2, 3);
        for (text, found) in [
            ("## [1.2.3] - 2026-11-20\n", true),
            ("# Changelog\n\n## [Unreleased]\n\n## [1.2.3]\n", true),
            ("## 1.2.3\n", true),
            ("## 1.2.3 — 2026-11-20\n", true),
            ("## [v1.2.3]\n", true),
            ("##  [1.2.3]\n", true),
            ("## [1.2.4]\n", false),
            ("## 1.2.30\n", false),
            ("## [1.2.3-rc.1]\n", false),
            ("## 1.2.3-rc.1\n", false),
            ("### [1.2.3]\n", false),
            ("# [1.2.3]\n", false),
            ("- fixed 1.2.3 regression\n", false),
            ("", false),
        ] {
            assert_eq!(has_changelog_entry(text, &v), found, "{text:?}");
        }
    }

    #[test]
    fn version_must_be_greater_than_the_last_release_tag() {
        let tags = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let v = |s: &str| Version::parse(s).unwrap();
        // No tags, or no release tags: the first release.
        assert_eq!(check_version(&v("0.1.0"), &[]), Ok(None));
        assert_eq!(
            check_version(&v("0.1.0"), &tags(&["nightly", "v2.0.0-rc.1", "docs-v9"])),
            Ok(None)
        );
        // Greater than the highest release tag (with or without `v`; versions, not strings).
        assert_eq!(
            check_version(&v("0.10.0"), &tags(&["v0.9.0", "0.2.0", "v0.1.0"])),
            Ok(Some(v("0.9.0")))
        );
        // Not greater: equal or lower.
        let err = check_version(&v("0.9.0"), &tags(&["v0.10.0"])).unwrap_err();
        assert!(
            err.contains("not greater than the last release tag 0.10.0"),
            "{err}"
        );
        let err = check_version(&v("1.0.0"), &tags(&["1.0.0"])).unwrap_err();
        assert!(err.contains("not greater"), "{err}");
        // The tag for this version exists (even as the only tag).
        let err = check_version(&v("1.0.0"), &tags(&["v1.0.0"])).unwrap_err();
        assert!(err.contains("v1.0.0 exists already"), "{err}");
        // A pre-release after its release's predecessor is fine; the release tags count.
        assert_eq!(
            check_version(&v("1.0.1"), &tags(&["v1.0.0", "v1.0.1-rc.1"])),
            Ok(Some(v("1.0.0")))
        );
    }

    #[test]
    fn tag_is_annotated_and_never_made_twice() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = &tmp.path();
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(repo)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        };
        if git(&["init", "-q"]).is_none() {
            return; // no git here: nothing to tag with
        }
        git(&["config", "user.name", "Release Test"]).unwrap();
        git(&["config", "user.email", "release-test@example.invalid"]).unwrap();
        git(&["config", "tag.gpgSign", "false"]).unwrap();
        git(&[
            "commit",
            "-q",
            "--allow-empty",
            "--no-gpg-sign",
            "-m",
            "first",
        ])
        .unwrap();
        let version = Version::new(1, 2, 0);
        tag_release(repo, &version).unwrap();
        assert_eq!(git(&["cat-file", "-t", "v1.2.0"]).unwrap().trim(), "tag");
        assert_eq!(
            git(&["tag", "-l", "--format=%(contents:subject)", "v1.2.0"])
                .unwrap()
                .trim(),
            "cargo-gate 1.2.0"
        );
        let err = tag_release(repo, &version).unwrap_err();
        assert!(err.to_string().contains("v1.2.0 exists already"), "{err}");
        // And the rules see it: the same version cannot be released again.
        let tags: Vec<String> = git(&["tag", "--list"])
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        assert!(check_version(&version, &tags).is_err());
        // The release's own git runner: stdout as git printed it, None when git fails.
        assert_eq!(
            super::git(repo, &["tag", "--list"]).as_deref(),
            Some("v1.2.0\n")
        );
        assert_eq!(
            super::git(repo, &["rev-parse", "-q", "--verify", "v9.9.9"]),
            None
        );
    }

    #[test]
    fn host_triple_is_rustc_s_host() {
        let host = host_triple().unwrap();
        assert!(
            !host.is_empty() && !host.contains(char::is_whitespace),
            "{host:?}"
        );
    }

    #[test]
    fn options() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let o = parse(&[]).unwrap();
        assert!(!o.execute && o.gate_args.is_empty());
        let o = parse(&args(&["--execute", "--", "--only", "config.valid"])).unwrap();
        assert!(o.execute);
        assert_eq!(o.gate_args, ["--only", "config.valid"]);
        assert!(parse(&args(&["--push"])).is_err());
    }

    #[test]
    fn workspace_version_is_read_from_workspace_package() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = tmp.path().join("Cargo.toml");
        fs::write(
            &manifest,
            "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"1.4.0\"\n",
        )
        .unwrap();
        assert_eq!(workspace_version(&manifest).unwrap(), Version::new(1, 4, 0));
        fs::write(&manifest, "[package]\nname = \"x\"\nversion = \"1.0.0\"\n").unwrap();
        assert!(workspace_version(&manifest).is_err());
        // And this repository's own manifest has one.
        workspace_version(&project_root().join("Cargo.toml")).unwrap();
    }
}
