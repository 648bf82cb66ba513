//! What a build really read, beyond the key's components: taken from what cargo and rustc
//! record, so a git-ignored module, an `include_str!` of a file outside the root, a path
//! dependency outside the root, a symlink's target or a variable read with `env!` reaches
//! the cache's decision.
//!
//! - **rustc's dep-info** (`<deps>/<crate>-<hash>.d`, named after each artifact cargo
//!   reports in its JSON messages): every source file the compiler read,
//!   `include_str!`/`include_bytes!` files among them, and `# env-dep:NAME` for each
//!   `env!`/`option_env!`. A registry or git package's own sources are pinned by the
//!   lockfile (they lie in cargo's home, left out below); what it reads beyond them is not:
//!   its variables, and a file outside cargo's and rustup's homes.
//! - **Build scripts' output** (`<out_dir>/../output`): `rerun-if-changed` paths (relative
//!   to the package; a registry or git package's absolute ones only: its relative ones are
//!   its pinned sources) and `rerun-if-env-changed` variables, of every package's build
//!   script (openssl-sys's `OPENSSL_DIR`, pkg-config's variables: the thirty-first
//!   session's trial replayed a pass over a registry crate's `rerun-if-env-changed`).
//! - **Path packages outside the root**: their whole directory (a `.gitignore`-aware walk),
//!   as cargo fingerprints a build script that names no `rerun-if-changed`.
//!
//! Each input is named `file:PATH`, `dir:PATH` or `env:NAME` and stored with its digest in
//! the cache entry; every reuse hashes them again first. Files the tree digest covers and
//! variables the `env` component covers are left out (they are in the key already).

use gate_support::digest::{KeyHasher, sha256_hex};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a gathering was found to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Read {
    /// Files (and directories, for `rerun-if-changed` on one), absolute.
    pub files: BTreeSet<PathBuf>,
    /// Directories read whole (path packages outside the root).
    pub dirs: BTreeSet<PathBuf>,
    /// Variables read at compile time.
    pub vars: BTreeSet<String>,
    /// Whether more was named than [`MAX_INPUTS`]: the rest was not read, and nothing keyed
    /// by this reading is reused (a build script printing a million `rerun-if-changed` lines
    /// held the gate at 1 GB and wrote 58 MB cache entries no run could read back).
    pub overflowed: bool,
}

/// The most inputs one gathering is found to read (real workspaces name a few thousand).
pub const MAX_INPUTS: usize = 100_000;

/// The most of one build script's `output` read for its directives.
const MAX_OUTPUT_BYTES: u64 = 16 << 20;

/// Variables cargo sets for every compilation (`CARGO_*`, `OUT_DIR`): never from the user's
/// environment, so never an input of their own. (`TARGET`, `PROFILE` and the like are set
/// for build scripts only: read with `option_env!` by a crate they are the user's, so they
/// stay inputs.)
fn set_by_cargo(name: &str) -> bool {
    name.starts_with("CARGO_") || name == "OUT_DIR"
}

impl Read {
    /// From cargo's `--message-format=json` lines: the dep-info of every artifact, the
    /// output of every build script that ran, and the directories of path packages outside
    /// `root`; of a registry or git package, only what lies beyond its pinned sources.
    pub fn from_cargo_messages(stdout: &str, root: &Path) -> Read {
        let mut read = Read::default();
        let homes = homes();
        // Each package's directory, from the manifest cargo names in its artifacts' messages
        // (a build script's own compile comes before its run).
        let mut dirs: std::collections::HashMap<String, PathBuf> = Default::default();
        for line in stdout.lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let Some(id) = message["package_id"].as_str() else {
                continue;
            };
            if let Some(dir) = message["manifest_path"].as_str().map(Path::new) {
                dirs.insert(id.to_owned(), dir.parent().unwrap_or(dir).to_owned());
            }
            let Some(package) = path_package_dir(id) else {
                read.add_pinned_package(&message, &homes, dirs.get(id).map(PathBuf::as_path));
                continue;
            };
            if !package.starts_with(root) {
                read.dirs.insert(package.clone());
            }
            match message["reason"].as_str() {
                Some("compiler-artifact") => {
                    for file in message["filenames"].as_array().into_iter().flatten() {
                        if let Some(depinfo) = file.as_str().and_then(|f| dep_info_of(Path::new(f)))
                        {
                            read.add_dep_info(&depinfo);
                        }
                    }
                }
                Some("build-script-executed") => {
                    if let Some(out_dir) = message["out_dir"].as_str() {
                        let output = Path::new(out_dir).with_file_name("output");
                        read.add_script_output(&output, Some(&package));
                    }
                }
                _ => {}
            }
        }
        read
    }

    /// What one message of a registry or git package's build read beyond its sources, which
    /// the lockfile pins and cargo's home holds: the variables its dep-info names, the files
    /// it names outside `homes`, and its build script's variables and paths (relative ones
    /// from its directory `dir`, where cargo named it: `../../outside.txt` leaves it, the
    /// hostile pass that followed the thirty-first session's trial).
    fn add_pinned_package(
        &mut self,
        message: &serde_json::Value,
        homes: &[PathBuf],
        dir: Option<&Path>,
    ) {
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                for file in message["filenames"].as_array().into_iter().flatten() {
                    if let Some(depinfo) = file.as_str().and_then(|f| dep_info_of(Path::new(f))) {
                        let mut own = Read::default();
                        own.add_dep_info(&depinfo);
                        own.files
                            .retain(|f| !homes.iter().any(|h| f.starts_with(h)));
                        self.files.append(&mut own.files);
                        self.vars.append(&mut own.vars);
                    }
                }
            }
            Some("build-script-executed") => {
                if let Some(out_dir) = message["out_dir"].as_str() {
                    self.add_script_output(&Path::new(out_dir).with_file_name("output"), dir);
                }
            }
            _ => {}
        }
    }

    /// One dep-info file: every path on its first rule, and its `# env-dep:` lines.
    fn add_dep_info(&mut self, path: &Path) {
        let _ = self.add_dep_info_checked(path);
    }

    /// [`Read::add_dep_info`], saying when the file could not be read (it is not one rustc
    /// wrote: a dep-info larger than 64 MiB, or not a regular file).
    pub(crate) fn add_dep_info_checked(&mut self, path: &Path) -> std::io::Result<()> {
        let text = gate_support::read::text_capped(path, 64 << 20)?;
        let mut first_rule = true;
        for line in text.lines() {
            if let Some(dep) = line.strip_prefix("# env-dep:") {
                let name = dep.split('=').next().unwrap_or(dep);
                self.vars.insert(name.to_owned());
                continue;
            }
            if line.starts_with('#') || line.trim().is_empty() || !first_rule {
                continue;
            }
            // `target: dep dep …` (a space in a path is written `\ `). Only the first rule
            // lists dependencies; the others are `dep:` lines.
            let Some((_, deps)) = split_rule(line) else {
                continue;
            };
            first_rule = false;
            for dep in split_escaped(deps) {
                self.files.insert(PathBuf::from(dep));
            }
        }
        Ok(())
    }

    /// What one build script declared it reads, from its `output` beside `out_dir`: the
    /// files of its `rerun-if-changed` lines (relative to `package`; without one, absolute
    /// paths only) and the variables of its `rerun-if-env-changed` ones, bounded as any
    /// reading is.
    pub(crate) fn of_script(out_dir: &Path, package: Option<&Path>) -> Read {
        let mut read = Read::default();
        read.add_script_output(&out_dir.with_file_name("output"), package);
        read
    }

    /// A build script's `output`: `rerun-if-changed` (relative to `package`; without one, a
    /// pinned package's, absolute paths only) and `rerun-if-env-changed`.
    fn add_script_output(&mut self, output: &Path, package: Option<&Path>) {
        let text = match gate_support::read::text_capped(output, MAX_OUTPUT_BYTES) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                self.overflowed = true;
                return;
            }
            Err(_) => return,
        };
        for line in text.lines() {
            if self.files.len() + self.vars.len() >= MAX_INPUTS {
                self.overflowed = true;
                return;
            }
            let directive = line
                .strip_prefix("cargo::")
                .or_else(|| line.strip_prefix("cargo:"));
            let Some((key, value)) = directive.and_then(|d| d.split_once('=')) else {
                continue;
            };
            // Cargo reads a directive's value trimmed (`rerun-if-env-changed=NAME `, the
            // hostile pass: keyed with its blank, the variable was never one set).
            let (key, value) = (key.trim(), value.trim());
            match key {
                "rerun-if-changed" => match package {
                    Some(package) => {
                        self.files.insert(package.join(value));
                    }
                    None if Path::new(value).is_absolute() => {
                        self.files.insert(PathBuf::from(value));
                    }
                    None => {}
                },
                "rerun-if-env-changed" => {
                    self.vars.insert(value.to_owned());
                }
                _ => {}
            }
        }
    }

    /// The inputs to keep: `file:`/`dir:` paths that are not inside `exclude` (the target
    /// and output directories: generated), not cargo's or rustup's own (pinned by the
    /// lockfile and the toolchain), and not `covered` by the tree digest; `env:` names that
    /// cargo does not set and the `env` component does not cover (`env_covered`).
    pub fn inputs(
        &self,
        root: &Path,
        exclude: &[PathBuf],
        covered: impl Fn(&Path) -> bool,
        env_covered: impl Fn(&str) -> bool,
    ) -> BTreeSet<String> {
        let homes = homes();
        let keep = |path: &Path| {
            !exclude.iter().chain(&homes).any(|x| path.starts_with(x)) && !covered(path)
        };
        let mut inputs = BTreeSet::new();
        for file in &self.files {
            let path = if file.is_absolute() {
                file.clone()
            } else {
                root.join(file)
            };
            let path = gate_support::path::normalize(&path);
            if keep(&path) {
                let kind = if path.is_dir() { "dir" } else { "file" };
                inputs.insert(format!("{kind}:{}", path.display()));
            }
        }
        for dir in &self.dirs {
            if keep(dir) {
                inputs.insert(format!("package:{}", dir.display()));
            }
        }
        for var in &self.vars {
            if !set_by_cargo(var) && !env_covered(var) {
                inputs.insert(format!("env:{var}"));
            }
        }
        if self.overflowed {
            // One input in place of what was not read, new every time: nothing keyed by
            // this reading is reused.
            return BTreeSet::from([format!("{OVERFLOWED}{MAX_INPUTS}")]);
        }
        inputs
    }
}

/// `(target, deps)` of a Makefile rule line: split at the first `: ` (or a trailing `:`),
/// so a Windows drive (`C:\`) stays in the path.
fn split_rule(line: &str) -> Option<(&str, &str)> {
    if let Some(i) = line.find(": ") {
        return Some((&line[..i], &line[i + 2..]));
    }
    line.strip_suffix(':').map(|target| (target, ""))
}

/// Space-separated words where `\ ` is a space inside a word.
fn split_escaped(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                word.push(' ');
                chars.next();
            }
            ' ' => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The directory of a path package from its cargo package id (`path+file:///w/k#name@0.1.0`);
/// `None` for registry and git packages.
pub(crate) fn path_package_dir(id: &str) -> Option<PathBuf> {
    let url = id.strip_prefix("path+file://")?;
    let url = url.split('#').next().unwrap_or(url);
    let decoded = percent_decode(url);
    // `file:///C:/x` on Windows.
    #[cfg(windows)]
    let decoded = decoded
        .strip_prefix('/')
        .map(str::to_owned)
        .unwrap_or(decoded);
    Some(PathBuf::from(decoded))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The dep-info file rustc wrote beside an artifact: `libfoo-1a2b.rlib` → `foo-1a2b.d`,
/// `foo-1a2b` (a test executable) → `foo-1a2b.d`.
pub(crate) fn dep_info_of(artifact: &Path) -> Option<PathBuf> {
    let dir = artifact.parent()?;
    let name = artifact.file_name()?.to_str()?;
    let stem = name.split('.').next().unwrap_or(name);
    [stem.strip_prefix("lib"), Some(stem)]
        .into_iter()
        .flatten()
        .map(|stem| dir.join(format!("{stem}.d")))
        .find(|d| d.is_file())
}

/// Cargo's and rustup's homes: what lies there is pinned by the lockfile and the toolchain.
fn homes() -> Vec<PathBuf> {
    crate::tools::cargo::home()
        .into_iter()
        .chain(rustup_home())
        .collect()
}

pub(crate) fn rustup_home() -> Option<PathBuf> {
    std::env::var_os("RUSTUP_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::home_dir().map(|h| h.join(".rustup")))
}

/// The input that stands for a reading past [`MAX_INPUTS`].
const OVERFLOWED: &str = "more-than:";

/// The digest an input has now: a file's content (streamed), a directory's files (a walk),
/// a variable's value in `env` (`unset` when absent). Never the value itself.
pub fn digest(input: &str, env: &[(String, String)]) -> String {
    if input.starts_with(OVERFLOWED) {
        return format!("new:{}:{}", std::process::id(), now_nanos());
    }
    if let Some(name) = input.strip_prefix("env:") {
        return env.iter().find(|(k, _)| k == name).map_or_else(
            || "unset".to_owned(),
            |(_, v)| format!("set:{}", sha256_hex(v.as_bytes())),
        );
    }
    if let Some(dir) = input.strip_prefix("dir:") {
        return dir_digest(Path::new(dir), false);
    }
    if let Some(dir) = input.strip_prefix("package:") {
        return dir_digest(Path::new(dir), true);
    }
    path_digest(Path::new(input.strip_prefix("file:").unwrap_or(input)))
}

/// A file by content (through symlinks: what a build reads), a directory by its files. A
/// file is read no further than the length it has: one that gives more (a kernel's pseudo-file,
/// `/proc/self/pagemap` says 0 bytes and yields 256 GiB; a file still being written) has no
/// content to key by, and its digest is new every time, so nothing keyed by it is reused.
pub fn path_digest(path: &Path) -> String {
    match std::fs::metadata(path) {
        Err(_) => "absent".to_owned(),
        Ok(meta) if meta.is_dir() => dir_digest(path, false),
        // A FIFO or a device is never opened.
        Ok(meta) if !meta.is_file() => "not-a-file".to_owned(),
        // Opened only if regular (a FIFO swapped in after the look above never blocks), read
        // no further than its length (`sha256_file`).
        Ok(_) => match gate_support::digest::sha256_file(path) {
            Ok((digest, _)) => digest,
            Err(e) => unread_digest(&e),
        },
    }
}

/// The digest of a file that could not be read whole: one that yields more than its length
/// (still being written) is new every time, so nothing keyed by it is reused; another error
/// is keyed as itself.
pub(crate) fn unread_digest(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::InvalidData => {
            format!("volatile:{}:{}", std::process::id(), now_nanos())
        }
        kind => format!("unreadable:{kind}"),
    }
}

/// Every file under `dir`, by path and content; a link inside it by its target, never
/// followed (a link to `.` would loop). A `rerun-if-changed` directory is every file in it,
/// as cargo scans it; a package directory (`package`) is what cargo would package: the walk
/// honours `.gitignore` and leaves `target/` out. Past [`MAX_DIR_FILES`] the digest is new
/// every time, so such an input is never reused stale.
fn dir_digest(dir: &Path, package: bool) -> String {
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    let walk = ignore::WalkBuilder::new(dir)
        .standard_filters(package)
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .filter_entry(move |e| e.file_name() != ".git" && !(package && e.file_name() == "target"))
        .build();
    for entry in walk.filter_map(Result::ok) {
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            continue;
        }
        if files.len() == MAX_DIR_FILES {
            return format!("uncapped:{}:{}", std::process::id(), now_nanos());
        }
        files.push((entry.into_path(), kind.is_symlink()));
    }
    files.sort();
    let mut key = KeyHasher::default();
    for (file, link) in files {
        let rel = file.strip_prefix(dir).unwrap_or(&file);
        let digest = if link {
            std::fs::read_link(&file)
                .map_or_else(|_| "link?".to_owned(), |t| format!("link:{}", t.display()))
        } else {
            path_digest(&file)
        };
        key.part(&rel.to_string_lossy(), digest.as_bytes());
    }
    key.finish()
}

/// The most files one directory input may hold (see [`dir_digest`]).
const MAX_DIR_FILES: usize = 100_000;

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The `files` component: each path of `[cache] files` (relative to `root`) by content.
pub fn declared_digest(root: &Path, declared: &[String]) -> String {
    let mut key = KeyHasher::default();
    for path in declared {
        key.part(path, path_digest(&root.join(path)).as_bytes());
    }
    key.finish()
}

/// An input in words, for "… changed".
pub fn describe(input: &str) -> String {
    match input.split_once(':') {
        Some(("env", name)) => format!("the variable {name}"),
        Some(("dir", path)) => format!("the directory {path}"),
        Some(("package", path)) => format!("the package directory {path}"),
        Some(("more-than", count)) => format!("more than {count} inputs named by the build"),
        Some((_, path)) => format!("the file {path}"),
        None => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `unix` (`/w/x`) as an absolute path of this platform: itself on Unix, `C:\w\x` on
    /// Windows, where cargo writes drive-letter paths with backslashes.
    fn abs(unix: &str) -> PathBuf {
        if cfg!(windows) {
            PathBuf::from(format!("C:{}", unix.replace('/', "\\")))
        } else {
            PathBuf::from(unix)
        }
    }

    /// The id cargo gives the path package at `unix` on this platform (`file:///C:/w` on
    /// Windows), spaces percent-encoded.
    fn path_id(unix: &str, name: &str) -> String {
        let drive = if cfg!(windows) { "/C:" } else { "" };
        format!(
            "path+file://{drive}{}#{name}@0.1.0",
            unix.replace(' ', "%20")
        )
    }

    /// A path as a dep-info file writes it: a space escaped as `\ `.
    fn in_dep_info(unix: &str) -> String {
        abs(unix).display().to_string().replace(' ', "\\ ")
    }

    fn shown(paths: &[&str]) -> Vec<String> {
        paths.iter().map(|p| abs(p).display().to_string()).collect()
    }

    /// A build script that names more inputs than any workspace does (a million
    /// `rerun-if-changed` lines held the gate at 1 GB, and wrote cache entries too large to
    /// read back): read up to the bound, and what it keys is never reused.
    #[test]
    fn a_build_naming_more_inputs_than_the_bound_keys_nothing_reusable() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("output");
        let lines: String = (0..MAX_INPUTS + 5)
            .map(|i| format!("cargo:rerun-if-changed=f{i}\n"))
            .collect();
        std::fs::write(&output, lines).unwrap();
        let mut read = Read::default();
        read.add_script_output(&output, Some(dir.path()));
        assert!(read.overflowed);
        assert_eq!(read.files.len(), MAX_INPUTS);
        let inputs = read.inputs(dir.path(), &[], |_| false, |_| false);
        assert_eq!(inputs.len(), 1, "{inputs:?}");
        let only = inputs.first().unwrap();
        assert_ne!(digest(only, &[]), digest(only, &[]));
        assert_eq!(
            describe(only),
            format!("more than {MAX_INPUTS} inputs named by the build")
        );
    }

    /// A kernel pseudo-file says it is empty and gives without end (`/proc/self/pagemap`:
    /// 256 GiB, which a build script named in `rerun-if-changed` to hold the gate for minutes):
    /// read no further than its length, it keys nothing, at once; a file keys by content.
    #[test]
    fn a_file_is_read_no_further_than_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(path_digest(&file), path_digest(&file));
        assert!(!path_digest(&file).starts_with("volatile:"));
        let status = Path::new("/proc/self/status");
        if status.is_file() {
            assert!(path_digest(status).starts_with("volatile:"));
            // pagemap refuses reads shorter than 8 bytes: unreadable, and at once.
            let started = std::time::Instant::now();
            let pagemap = path_digest(Path::new("/proc/self/pagemap"));
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{pagemap}"
            );
            assert!(pagemap.starts_with("unreadable:"), "{pagemap}");
        }
    }

    #[test]
    fn dep_info_lists_every_file_and_env_dep() {
        let dir = tempfile::tempdir().unwrap();
        let deps = dir.path().join("deps");
        std::fs::create_dir_all(&deps).unwrap();
        std::fs::write(deps.join("libapp-1a2b.rlib"), "").unwrap();
        let [rlib, lib, generated, outside] = [
            "/w/target/debug/deps/libapp-1a2b.rlib",
            "/w/src/lib.rs",
            "/w/src/gen erated.rs",
            "/outside/data.txt",
        ]
        .map(in_dep_info);
        std::fs::write(
            deps.join("app-1a2b.d"),
            format!(
                "{rlib}: {lib} {generated} {outside}\n\n{lib}:\n{generated}:\n{outside}:\n\
                 \n# env-dep:MY_FEATURE=on\n# env-dep:CARGO_PKG_NAME=app\n# env-dep:UNSET_ONE\n"
            ),
        )
        .unwrap();
        let messages = format!(
            "{}\n{}\n",
            serde_json::json!({
                "reason": "compiler-artifact",
                "package_id": path_id("/w", "app"),
                "filenames": [deps.join("libapp-1a2b.rlib")],
            }),
            serde_json::json!({
                "reason": "compiler-artifact",
                "package_id": "registry+https://example.invalid/index#serde@1.0.0",
                "filenames": [deps.join("libapp-1a2b.rlib")],
            })
        );
        let read = Read::from_cargo_messages(&messages, &abs("/w"));
        let files: Vec<String> = read.files.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            files,
            shown(&["/outside/data.txt", "/w/src/gen erated.rs", "/w/src/lib.rs"])
        );
        let vars: Vec<&str> = read.vars.iter().map(String::as_str).collect();
        assert_eq!(vars, ["CARGO_PKG_NAME", "MY_FEATURE", "UNSET_ONE"]);
        // Covered files and variables, and those cargo sets, are not inputs of their own.
        let inputs = read.inputs(
            &abs("/w"),
            &[abs("/w/target")],
            |p| p == abs("/w/src/lib.rs"),
            |v| v == "UNSET_ONE",
        );
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let [outside, generated] = shown(&["/outside/data.txt", "/w/src/gen erated.rs"])
            .try_into()
            .unwrap();
        assert_eq!(
            inputs,
            [
                "env:MY_FEATURE".to_owned(),
                format!("file:{outside}"),
                format!("file:{generated}")
            ]
        );
    }

    #[test]
    fn build_script_directives_and_outside_packages_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let build = dir.path().join("build/app-9f/out");
        std::fs::create_dir_all(&build).unwrap();
        std::fs::write(
            dir.path().join("build/app-9f/output"),
            "cargo:rerun-if-changed=schema.json\ncargo::rerun-if-env-changed=PROTOC\ncargo:rustc-cfg=x\n",
        )
        .unwrap();
        let messages = serde_json::json!({
            "reason": "build-script-executed",
            "package_id": path_id("/elsewhere/my dep", "dep"),
            "out_dir": build,
        })
        .to_string();
        let read = Read::from_cargo_messages(&messages, &abs("/w"));
        assert_eq!(
            read.files.iter().collect::<Vec<_>>(),
            [&abs("/elsewhere/my dep").join("schema.json")]
        );
        assert_eq!(read.vars.iter().collect::<Vec<_>>(), ["PROTOC"]);
        assert_eq!(
            read.dirs.iter().collect::<Vec<_>>(),
            [&abs("/elsewhere/my dep")]
        );
    }

    /// A registry package's sources are pinned, what it reads beyond them is not: its
    /// build script's variables and absolute paths, and the variables its dep-info names
    /// (the thirty-first session's trial replayed a pass over `ENVDEP_MODE=slow`).
    #[test]
    fn a_registry_packages_variables_and_outside_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let build = dir.path().join("build/envdep-9f/out");
        std::fs::create_dir_all(&build).unwrap();
        let outside = dir.path().join("mode.txt");
        std::fs::write(
            dir.path().join("build/envdep-9f/output"),
            format!(
                "cargo:rerun-if-changed=src/lib.rs\ncargo:rerun-if-changed={}\n\
                 cargo:rerun-if-env-changed=ENVDEP_MODE\n",
                outside.display()
            ),
        )
        .unwrap();
        let deps = dir.path().join("deps");
        std::fs::create_dir_all(&deps).unwrap();
        let depinfo = format!(
            "{}: {}\n\n# env-dep:ENVDEP_OPT\n",
            deps.join("libenvdep-1a.rmeta").display(),
            outside.display()
        );
        std::fs::write(deps.join("envdep-1a.d"), depinfo).unwrap();
        let id = "registry+https://registry.example/index#envdep@0.1.0";
        let messages = [
            serde_json::json!({
                "reason": "build-script-executed",
                "package_id": id,
                "out_dir": build,
            }),
            serde_json::json!({
                "reason": "compiler-artifact",
                "package_id": id,
                "filenames": [deps.join("libenvdep-1a.rmeta")],
            }),
        ]
        .map(|m| m.to_string())
        .join("\n");
        let read = Read::from_cargo_messages(&messages, &abs("/w"));
        assert_eq!(read.files.iter().collect::<Vec<_>>(), [&outside]);
        assert_eq!(
            read.vars.iter().collect::<Vec<_>>(),
            ["ENVDEP_MODE", "ENVDEP_OPT"]
        );
        assert!(read.dirs.is_empty(), "{:?}", read.dirs);
        // Its directory known (its build script's compile names its manifest), a relative
        // path is read from there, leaving it too; a value is read as cargo reads it, trimmed.
        std::fs::write(
            dir.path().join("build/envdep-9f/output"),
            "cargo:rerun-if-changed=../../mode.txt\ncargo:rerun-if-env-changed=ENVDEP_MODE \n",
        )
        .unwrap();
        let vendored = dir.path().join("vendor/envdep");
        let compiled = serde_json::json!({
            "reason": "compiler-artifact",
            "package_id": id,
            "manifest_path": vendored.join("Cargo.toml"),
            "filenames": [],
        });
        let messages = format!("{compiled}\n{messages}");
        let read = Read::from_cargo_messages(&messages, &abs("/w"));
        assert_eq!(
            read.files.iter().collect::<Vec<_>>(),
            [&outside, &vendored.join("../../mode.txt")]
        );
        assert_eq!(
            read.vars.iter().collect::<Vec<_>>(),
            ["ENVDEP_MODE", "ENVDEP_OPT"]
        );
    }

    #[test]
    fn digests_follow_content_values_and_never_open_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "one").unwrap();
        let input = format!("file:{}", file.display());
        let before = digest(&input, &[]);
        std::fs::write(&file, "two").unwrap();
        assert_ne!(digest(&input, &[]), before);
        let env = [("MY_FEATURE".to_owned(), "on".to_owned())];
        assert_ne!(
            digest("env:MY_FEATURE", &env),
            digest("env:MY_FEATURE", &[])
        );
        assert_eq!(digest("env:MY_FEATURE", &[]), "unset");
        assert!(!digest("env:MY_FEATURE", &env).contains("on"));
        #[cfg(unix)]
        {
            let fifo = dir.path().join("pipe");
            assert!(
                std::process::Command::new("mkfifo")
                    .arg(&fifo)
                    .status()
                    .unwrap()
                    .success()
            );
            assert_eq!(
                digest(&format!("file:{}", fifo.display()), &[]),
                "not-a-file"
            );
        }
    }
}
