//! What a fact's key is made of (`Inputs`): the components every fact has, the working
//! tree, cargo-gate's own identity, what a fact was found to read; and, once the run
//! ended, whether the tree moved under it.

use super::discover;
use super::model::*;
use super::session::Session;
use super::store::Store;
use super::tree::{
    Tree, above_root, digests_of, manifests_digests, repository_prefix, tree_digests, tree_files,
    tree_still, with_above,
};
use gate_support::digest::{KeyHasher, sha256_hex};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

impl Session {
    /// What of `discovered` has another digest now, in words (`None`: nothing).
    pub(super) fn changed_since(&self, discovered: &BTreeMap<String, String>) -> Option<String> {
        let env = &self.settings.as_ref()?.env;
        let changed: Vec<String> = discovered
            .iter()
            .filter(|(input, digest)| discover::digest(input, env) != **digest)
            .map(|(input, _)| discover::describe(input))
            .collect();
        match changed.as_slice() {
            [] => None,
            [one] => Some(format!("{one} changed")),
            [first, rest @ ..] => Some(format!("{first} and {} more changed", rest.len())),
        }
    }

    /// The digests of what a gathering read beyond the key, files the tree digest already
    /// covers left out.
    pub(super) fn discovered(&self, read: &discover::Read) -> BTreeMap<String, String> {
        let Some(settings) = &self.settings else {
            return BTreeMap::new();
        };
        let tree = self.manifests_tree().ok();
        let covered = |path: &Path| tree.as_ref().is_some_and(|t| t.files.contains(path));
        read.inputs(&self.root, &self.exclude, covered, |name| {
            !env_text(
                &settings.extra_env,
                std::iter::once((name.to_owned(), String::new())),
            )
            .is_empty()
        })
        .into_iter()
        .map(|input| {
            let digest = discover::digest(&input, &settings.env);
            (input, digest)
        })
        .collect()
    }

    /// Whether the tree (or Cargo.lock) no longer has the digest `inputs` was keyed by.
    pub(super) fn tree_moved(&self, inputs: &Inputs) -> bool {
        let now = |name: &str| match name {
            // This run's tree, proven unchanged by its files' stamps, or the same listing
            // hashed again.
            "tree" => {
                let rels = tree_files(&self.root, self.git, &self.exclude).ok()?;
                let above = above_root(&self.root, self.prefix()).ok()?;
                match self.tree.get() {
                    Some(Ok(tree))
                        if inputs.components.get("tree") == Some(&tree.all)
                            && tree_still(&self.root, tree, &rels)
                            && tree.above == above =>
                    {
                        Some(tree.all.clone())
                    }
                    _ => Some(with_above(digests_of(&self.root, rels), above).all),
                }
            }
            "lockfile" => Some(file_digest(&self.root.join("Cargo.lock"))),
            _ => None,
        };
        ["tree", "lockfile"].into_iter().any(|name| {
            inputs
                .components
                .get(name)
                .is_some_and(|before| now(name).as_ref() != Some(before))
        })
    }

    /// Adds discovered inputs to those every later fact of the run carries.
    pub(super) fn learn(&self, discovered: &BTreeMap<String, String>) {
        if let Ok(mut read) = self.read.lock() {
            read.extend(discovered.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }

    /// The key of `fact` in this run.
    pub fn inputs(&self, fact: Fact, extra: &[(&str, String)]) -> Result<Inputs, String> {
        self.inputs_digested(fact, extra, &[])
    }

    /// [`Session::inputs`] with the components of `digested` given as digests.
    pub(super) fn inputs_digested(
        &self,
        fact: Fact,
        extra: &[(&str, String)],
        digested: &[(&str, String)],
    ) -> Result<Inputs, String> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| "the cache is off".to_owned())?;
        let mut components = BTreeMap::new();
        let env = env_text(&settings.extra_env, settings.env.iter().cloned());
        let vars = env
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(name, value)| (name.to_owned(), sha256_hex(value.as_bytes())))
            .collect();
        for name in fact.components() {
            let digest = match name {
                "tool" => self.tool(&settings.out),
                "toolchain" => sha256_hex(settings.toolchain.as_bytes()),
                "env" => sha256_hex(env.as_bytes()),
                "files" => discover::declared_digest(&self.root, &settings.files),
                "flags" => sha256_hex(format!("offline={}", settings.offline).as_bytes()),
                "lockfile" => file_digest(&self.root.join("Cargo.lock")),
                "cargo-config" => cargo_config_digest(&self.root),
                "manifests" => self.manifests_tree()?.manifests.clone(),
                "tree" => self.tree()?.all.clone(),
                "config" => {
                    sha256_hex(format!("tests.timeout={}", settings.tests_timeout_secs).as_bytes())
                }
                _ => continue,
            };
            components.insert(name.to_owned(), digest);
        }
        for (name, value) in extra {
            components.insert((*name).to_owned(), sha256_hex(value.as_bytes()));
        }
        for (name, digest) in digested {
            components.insert((*name).to_owned(), digest.clone());
        }
        Ok(Inputs::new(fact, components, vars))
    }

    /// The digest of what `[cache] reads` declares test binary `id` reads, by content.
    pub fn declared_reads(&self, id: &str) -> String {
        let declared = self
            .settings
            .as_ref()
            .and_then(|s| s.reads.get(id))
            .map_or(&[][..], Vec::as_slice);
        discover::declared_digest(&self.root, declared)
    }

    /// The test binary ids `[cache] reads` names.
    pub fn declared_readers(&self) -> Vec<String> {
        self.settings
            .as_ref()
            .map(|s| s.reads.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// For each of `ids`, the digest of key component `name` in the most recently used entry
    /// of `fact` for it (its `id` component), sealed but not proven: a guess at a key to look
    /// up ([`Session::lookup_keyed`]), which the lookup then proves or misses (the doc tests'
    /// invocation, known only once cargo runs them). One pass over the fact's entries, newest
    /// first, ending when every id is found.
    pub fn latest_components(
        &self,
        fact: Fact,
        ids: &[String],
        name: &str,
    ) -> BTreeMap<String, String> {
        let mut found = BTreeMap::new();
        let Some(settings) = self.settings.as_ref() else {
            return found;
        };
        let mut wanted: BTreeMap<String, &String> = ids
            .iter()
            .map(|id| (sha256_hex(id.as_bytes()), id))
            .collect();
        for entry in Store::new(&settings.out).newest_first(fact.name()) {
            if wanted.is_empty() {
                break;
            }
            let Some(id) = entry.components.get("id").and_then(|d| wanted.remove(d)) else {
                continue;
            };
            if let Some(digest) = entry.components.get(name) {
                found.insert(id.clone(), digest.clone());
            }
        }
        found
    }

    /// Whether the cache is on for this run (off: `Session::disabled`, or a target directory
    /// that holds the root).
    pub fn enabled(&self) -> bool {
        self.settings.is_some()
    }

    /// Why the tree cannot be keyed (a file name that is not UTF-8, git failing), when it
    /// cannot: nothing keyed by it can be stored or reused.
    pub fn tree_unkeyable(&self) -> Option<String> {
        self.tree().err()
    }

    /// The files the repository tracks outside the workspace (`../fixtures/data.txt`,
    /// relative to the root), where the workspace is a directory of it; none without the
    /// cache's tree.
    pub fn above_root(&self) -> Vec<&str> {
        self.tree()
            .map(|tree| tree.above.iter().map(|(rel, _)| rel.as_str()).collect())
            .unwrap_or_default()
    }

    /// The digest of the tree's files that `keep` accepts (relative, `/`-separated paths),
    /// by path and content as the tree digest takes them: the files a test binary reads.
    pub fn files_digest(&self, keep: impl Fn(&str) -> bool) -> Result<String, String> {
        let mut key = KeyHasher::default();
        for (rel, digest) in &self.tree()?.entries {
            if keep(rel) {
                key.part(rel, digest.as_bytes());
            }
        }
        Ok(key.finish())
    }

    /// Whether the tree and Cargo.lock still have the digests `pending` was keyed by (a
    /// fact gathered over an edit is not stored; see [`Session::complete`]). Asked once the
    /// fact has been gathered: a yes holds for its [`Session::complete`] too, which then
    /// lists the tree no second time (what changes after the gathering ended cannot have
    /// changed what was gathered).
    pub fn unmoved(&self, pending: &Pending) -> bool {
        let unmoved = pending.inputs.as_ref().is_some_and(|i| !self.tree_moved(i));
        if unmoved {
            pending
                .proven_unmoved
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        unmoved
    }

    pub(super) fn tool(&self, out: &Path) -> String {
        self.tool
            .get_or_init(|| sha256_hex(tool_identity(&out.join("cache")).as_bytes()))
            .clone()
    }

    /// Starts digesting the tree (the cache's key of the working tree, two or three git
    /// calls and every file read) in a thread of its own, for a run whose checks will key a
    /// fact by it: the first of them finds it digested, or under way, where it would start
    /// it on the checks' critical path. Not waited for: a run that keys nothing by it ends
    /// without it. Nothing without the cache's settings (a cache that is off keys nothing).
    pub fn digest_tree_ahead(&self) {
        if self.settings.is_none() || self.tree.get().is_some() {
            return;
        }
        let (tree, prefix) = (Arc::clone(&self.tree), Arc::clone(&self.prefix));
        let (root, git, exclude) = (self.root.clone(), self.git, self.exclude.clone());
        // A thread that cannot start leaves the digest to its first use.
        let _ = std::thread::Builder::new()
            .name("gate-tree-digest".to_owned())
            .spawn(move || {
                let prefix = prefix.get_or_init(|| repository_prefix(&root, git));
                tree.get_or_init(|| tree_digests(&root, (git, prefix), &exclude));
            });
    }

    /// Starts digesting the tree's manifests alone (`is_manifest` in `cache/tree.rs`: what the
    /// resolve and the shipped graph are keyed by) in a thread of its own, for a run that
    /// keys nothing by the rest of the tree: a static one (`--skip tests.pass`) builds and
    /// tests nothing. The manifests' digest is the one the whole tree's would give (the same
    /// listing, the same files); a fact keyed by the whole tree still digests it on first use.
    pub fn digest_manifests_ahead(&self) {
        if self.settings.is_none() || self.tree.get().is_some() {
            return;
        }
        self.manifests_only
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let manifests = Arc::clone(&self.manifests);
        let (root, git, exclude) = (self.root.clone(), self.git, self.exclude.clone());
        // A thread that cannot start leaves the digest to its first use.
        let _ = std::thread::Builder::new()
            .name("gate-manifests-digest".to_owned())
            .spawn(move || {
                manifests.get_or_init(|| manifests_digests(&root, git, &exclude));
            });
    }

    /// The digests of the tree's manifests (and the files they cover): the whole tree's
    /// where it was digested or the manifests' alone were never asked for
    /// ([`Session::digest_manifests_ahead`]), else those (waiting for the thread that
    /// digests them).
    pub(super) fn manifests_tree(&self) -> Result<&Tree, String> {
        let alone = self
            .manifests_only
            .load(std::sync::atomic::Ordering::Relaxed);
        match self.tree.get() {
            Some(tree) => tree.as_ref().map_err(Clone::clone),
            None if alone => self
                .manifests
                .get_or_init(|| manifests_digests(&self.root, self.git, &self.exclude))
                .as_ref()
                .map_err(Clone::clone),
            None => self.tree(),
        }
    }

    /// [`repository_prefix`], asked once.
    fn prefix(&self) -> &str {
        self.prefix
            .get_or_init(|| repository_prefix(&self.root, self.git))
    }

    pub(super) fn tree(&self) -> Result<&Tree, String> {
        self.tree
            .get_or_init(|| tree_digests(&self.root, (self.git, self.prefix()), &self.exclude))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// cargo-gate's own identity: its version and its executable. A release build is known by
/// the linker's build ID where it has one (an ELF executable: `gate_support::digest::build_id`), else
/// by the SHA-256 of its bytes, so a reinstall of the same binary (a CI job that installs it
/// afresh) keeps its cache while any other build does not. The digest is remembered in
/// `cache/tool.json` by the executable's path, size and modification time, so it is taken
/// once per install; the build ID needs no memory: reading it is a few hundred bytes, where
/// hashing the 26 MB executable took 20–50 ms on a fresh install's first run, the one run of
/// most CI jobs. A debug build (a developer's, the tests') is known by its size and
/// modification time: it is rebuilt, never reinstalled, and hashing 90 MB each run would cost
/// more than the cache saves.
pub(super) fn tool_identity(cache_dir: &Path) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let Some((exe, meta)) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(&p).ok().map(|m| (p, m)))
    else {
        return format!("cargo-gate {version} (executable unknown)");
    };
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let stamp = format!("{}:{}:{mtime}", exe.display(), meta.len());
    if cfg!(debug_assertions) {
        return format!("cargo-gate {version} debug {stamp}");
    }
    if let Some(id) = gate_support::digest::build_id::of(&exe) {
        return format!("cargo-gate {version} build-id:{id}");
    }
    let memo = cache_dir.join("tool.json");
    let remembered: Option<(String, String)> = std::fs::read(&memo)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if let Some((seen, digest)) = remembered
        && seen == stamp
    {
        return format!("cargo-gate {version} sha256:{digest}");
    }
    match gate_support::digest::sha256_file(&exe) {
        Ok((digest, _)) => {
            if let Ok(text) = serde_json::to_vec(&(&stamp, &digest)) {
                let _ = gate_support::atomic::write(&memo, &text);
            }
            format!("cargo-gate {version} sha256:{digest}")
        }
        Err(_) => format!("cargo-gate {version} {stamp}"),
    }
}

/// The variables that reach the key, `NAME=value` lines in name order.
pub fn env_text(extra: &[String], vars: impl Iterator<Item = (String, String)>) -> String {
    let mut picked: Vec<(String, String)> = vars
        .filter(|(name, _)| {
            !ENV_OWN.contains(&name.as_str())
                && (ENV_NAMES.contains(&name.as_str())
                    || ENV_PREFIXES.iter().any(|p| name.starts_with(p))
                    || extra.contains(name))
        })
        .collect();
    picked.sort();
    picked.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

pub(super) fn file_digest(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => sha256_hex(&bytes),
        Err(_) => "absent".to_owned(),
    }
}

/// cargo's configuration wherever cargo reads it: `.cargo/config{,.toml}` in the root and
/// every directory above it (the root's own whether git tracks or ignores it), in
/// `CARGO_HOME` (or `~/.cargo`), and every file one of them `include`s (a git-ignored
/// `local.toml` replayed a stale pass when it changed).
pub(super) fn cargo_config_digest(root: &Path) -> String {
    let mut key = KeyHasher::default();
    for path in crate::tools::cargo::config_files_included(root) {
        match gate_support::read::bytes_capped(&path, crate::workspace::MANIFEST_CAP) {
            Ok(bytes) => key.part(&path.to_string_lossy(), &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // Unreadable, not a regular file or too large: keyed as such, never read.
            Err(e) => key.part(&path.to_string_lossy(), e.to_string().as_bytes()),
        }
    }
    key.finish()
}

#[cfg(test)]
mod tests {
    /// A tracked `.cargo/config.toml` that `include`s a git-ignored `local.toml`: changing
    /// only the included file (an `[env]` a test reads) changes the key (the hostile trial
    /// replayed a stale pass on tealdeer when it did not).
    #[test]
    fn an_included_cargo_configuration_is_part_of_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(root.join(".cargo")).unwrap();
        std::fs::write(
            root.join(".cargo/config.toml"),
            "include = [\"local.toml\"]\n",
        )
        .unwrap();
        let local = root.join(".cargo/local.toml");
        std::fs::write(&local, "[env]\nANSWER = \"42\"\n").unwrap();
        let before = super::cargo_config_digest(&root);
        std::fs::write(&local, "[env]\nANSWER = \"41\"\n").unwrap();
        assert_ne!(super::cargo_config_digest(&root), before);
        std::fs::remove_file(&local).unwrap();
        assert_ne!(super::cargo_config_digest(&root), before);
    }
}
