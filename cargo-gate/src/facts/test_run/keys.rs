//! What a test binary's result is keyed by beyond its own bytes, by package: the files of its
//! package and of the workspace packages it reaches through path dependencies, the files their
//! build scripts declare, their `OUT_DIR`s and what they told cargo, and the other members
//! whose programs its code names (docs/CACHE.md, "Per test binary").

mod text;

use crate::cache::discover::{self, Read};
use crate::facts::artifacts::Build;
use crate::facts::core::{Core, Package, Role};
use gate_formats::kernel_bom::BinaryKind;
use gate_support::digest::KeyHasher;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::PoisonError;
#[cfg(test)]
use text::holds_word;
use text::{
    MAX_PATHS_FOLLOWED, MAX_PATHS_IN_FILE, Queue, env_entries, env_paths, in_windows, is_document,
    is_word_char, joined, readable_fields, shared_name, shared_paths_in, short_p_value,
};

/// The most files outside the tracked tree one package's build scripts may declare and still
/// be keyed file by file; past it the package's binaries are not reused.
const MAX_DECLARED_OUTSIDE: usize = 4096;

/// The most of one file read for the names of programs a test may run; a larger file may
/// name any.
const MAX_NAMED_FILE: u64 = 64 << 20;

/// The files a test binary reads, by package: digests taken once per package.
pub(super) struct Keys<'a> {
    facts: &'a Core,
    /// The workspace's packages (members and the path dependencies they reach), deepest
    /// directory first: a file belongs to the first whose directory holds it.
    packages: Vec<&'a Package>,
    /// The package at the workspace root, when the root is one: it owns only its code (see
    /// [`Keys::owner`]).
    root_package: Option<&'a Package>,
    /// `OUT_DIR`s by package name.
    out_dirs: &'a [(String, PathBuf)],
    /// What a test may run of another package: assert_cmd's `cargo_bin("NAME")` or
    /// `target/debug/NAME` (an executable the build made), or `cargo run -p NAME` (a package
    /// with a binary target, built or not).
    runnable: Vec<Runnable<'a>>,
    memo: std::sync::Mutex<BTreeMap<PathBuf, Option<(String, String)>>>,
    /// The paths the cargo configuration's `[env]` hands every test (`FIXTURES = { value =
    /// "data", relative = true }`): read through the variable, they are every binary's.
    env_paths: Vec<PathBuf>,
    /// What the cargo configuration's `[env]` values name of [`Keys::runnable`] as words
    /// (`FIXTURE_PKG = "attacker"`, joined to a path by the test): every binary's.
    env_named: Vec<usize>,
    /// The indices into `runnable` by name.
    by_name: BTreeMap<String, Vec<usize>>,
    /// The names of `by_name` no word can be (`b.v2`), found whole ([`holds_name`]).
    dotted: Vec<String>,
    /// What each file read for names names, `None` for a file too large or unreadable to
    /// read (it may name anything).
    names_in: std::sync::Mutex<BTreeMap<PathBuf, Option<std::sync::Arc<Names>>>>,
    /// Who owns each file and link of the index, taken once ([`Keys::owned`]).
    owned: std::sync::OnceLock<Owned<'a>>,
    /// The root manifest's `[workspace.package]` and `[workspace.metadata]`, as text.
    root_manifest: std::sync::OnceLock<String>,
    /// The root, resolved (a link's target is resolved too).
    real_root: Option<PathBuf>,
    /// What each package's manifest names ([`Keys::manifest_names`]), by its directory.
    manifest_names: std::sync::Mutex<BTreeMap<PathBuf, Names>>,
    /// What the build produced, with the dep-info beside each artifact.
    artifacts: &'a [crate::facts::artifacts::BuiltArtifact],
    /// The tracked files each package's artifacts were compiled from, by its name, their
    /// dep-info read once ([`Keys::sources_of`]).
    sources: std::sync::Mutex<BTreeMap<String, std::sync::Arc<Vec<PathBuf>>>>,
    /// Every tracked Rust source a compile of the build read, relative to the root
    /// ([`Keys::compiled`]): no data; and every tracked file a compile read, whatever its
    /// name (`#[path = "tidy.inc"] mod tidy;`, an `include_str!`'d file), as the tree names it.
    compiled: std::sync::OnceLock<(
        std::collections::HashSet<String>,
        std::collections::HashSet<PathBuf>,
    )>,
}

/// The owner ([`Keys::owner`]) of each file and tracked link of the index.
struct Owned<'a> {
    /// By a file's path relative to the root: its owner's directory, `None` for a file every
    /// package shares.
    by_rel: std::collections::HashMap<&'a str, Option<&'a Path>>,
    /// The files each package owns, by its directory.
    files: BTreeMap<&'a Path, Vec<&'a Path>>,
    /// The tracked links each package owns, by its directory.
    links: BTreeMap<&'a Path, Vec<&'a Path>>,
    /// The files no package owns (a root script, a shared fixture; a tracked link; a file the
    /// repository tracks above the workspace) by their file name, manifests aside.
    shared: BTreeMap<String, Vec<PathBuf>>,
    /// The same files by their directory, for a glob (`../data/*.txt`) to find its own.
    shared_by_dir: std::collections::HashMap<PathBuf, Vec<PathBuf>>,
    /// The same files, for a path written whole to be looked up.
    shared_set: std::collections::HashSet<PathBuf>,
    /// The tracked links no package owns (and those above the workspace).
    shared_links: std::collections::BTreeSet<PathBuf>,
}

/// What one file names: programs and packages of the build, and files no package owns.
#[derive(Clone, Default)]
struct Names {
    /// Indices into [`Keys::runnable`].
    runnable: Vec<usize>,
    /// Whether it names every package ([`text::names_every_package`]).
    every: bool,
    /// Files of [`Owned::shared`].
    shared: Vec<PathBuf>,
}

/// A program of the build a test may run, by the name a test would use.
struct Runnable<'a> {
    /// Its package.
    package: &'a str,
    /// The name: a binary target's, or the package's.
    name: String,
    /// The executable the build made for it, when it made one.
    executable: Option<&'a Path>,
}

impl<'a> Keys<'a> {
    pub(super) fn new(facts: &'a Core, build: &'a Build) -> Keys<'a> {
        let mut packages: Vec<&Package> = facts
            .packages
            .iter()
            .filter(|p| p.role != Role::Other)
            .collect();
        packages.sort_by_key(|p| std::cmp::Reverse(p.dir.components().count()));
        let root = facts.root();
        let root_package = packages
            .iter()
            .copied()
            .find(|p| p.dir == root || std::fs::canonicalize(&p.dir).is_ok_and(|dir| dir == root));
        let runnable = runnable(build, &packages);
        let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, run) in runnable.iter().enumerate() {
            by_name.entry(run.name.clone()).or_default().push(i);
        }
        let dotted = (by_name.keys())
            .filter(|n| !n.chars().all(is_word_char))
            .cloned()
            .collect();
        let env = env_entries(root);
        let mut keys = Keys {
            env_paths: env_paths(root, &packages, &env),
            env_named: Vec::new(),
            facts,
            runnable,
            by_name,
            dotted,
            packages,
            root_package,
            out_dirs: &build.out_dirs,
            memo: std::sync::Mutex::default(),
            names_in: std::sync::Mutex::default(),
            owned: std::sync::OnceLock::new(),
            root_manifest: std::sync::OnceLock::new(),
            real_root: std::fs::canonicalize(root).ok(),
            manifest_names: std::sync::Mutex::default(),
            artifacts: &build.artifacts,
            sources: std::sync::Mutex::default(),
            compiled: std::sync::OnceLock::new(),
        };
        let mut env_named = Vec::new();
        let values: Vec<&str> = env.iter().map(|(_, text, _)| text.as_str()).collect();
        keys.words_named(&values.join("\n"), &mut env_named);
        keys.env_named = env_named;
        keys
    }

    /// [`Keys::owner`] of every file and link of the index, computed on first use: a key asks
    /// it for every file of the tree, and a package after package.
    fn owned(&self) -> &Owned<'a> {
        self.owned.get_or_init(|| {
            let index = &self.facts.index;
            let mut owned = Owned {
                by_rel: std::collections::HashMap::with_capacity(index.files.len()),
                files: BTreeMap::new(),
                links: BTreeMap::new(),
                shared: BTreeMap::new(),
                shared_by_dir: std::collections::HashMap::new(),
                shared_set: std::collections::HashSet::new(),
                shared_links: std::collections::BTreeSet::new(),
            };
            let mut share = |path: &Path| {
                if let Some(name) = shared_name(path) {
                    owned
                        .shared
                        .entry(name.to_owned())
                        .or_default()
                        .push(path.to_owned());
                    let dir = path.parent().unwrap_or(path).to_owned();
                    owned
                        .shared_by_dir
                        .entry(dir)
                        .or_default()
                        .push(path.to_owned());
                    owned.shared_set.insert(path.to_owned());
                }
            };
            for file in &index.files {
                let owner = self.owner(&file.path).map(|o| o.dir.as_path());
                owned.by_rel.insert(file.rel.as_str(), owner);
                match owner {
                    Some(dir) => owned.files.entry(dir).or_default().push(&file.path),
                    None => share(&file.path),
                }
            }
            // A link of no package leads somewhere as a file of no package does (the second
            // hostile pass's `fixtures/data.txt -> ../attacker/data.txt`), and so does what
            // the repository tracks above the workspace (its scripts, its links).
            let mut links = Vec::new();
            for link in &index.links {
                match self.owner(link) {
                    Some(owner) => owned.links.entry(&owner.dir).or_default().push(link),
                    None => links.push(link.clone()),
                }
            }
            let root = self.facts.root();
            for rel in self.facts.cache().above_root() {
                let path = joined(root, rel);
                match std::fs::symlink_metadata(&path) {
                    Ok(meta) if meta.file_type().is_symlink() => links.push(path),
                    _ => share(&path),
                }
            }
            for link in links {
                share(&link);
                owned.shared_links.insert(link);
            }
            owned
        })
    }

    /// The package a file belongs to: the deepest whose directory holds it (a nested
    /// package's files are its own, not its parent directory's package's). The root's
    /// package owns only its code (its manifest, its build script, the Rust files under
    /// `src/`, `tests/`, `benches/`, `examples/`): the rest of the root (fixtures, data,
    /// `tests/data/`, docs) is every member's, as it is in a virtual workspace (the sixteenth
    /// session's hostile trials replayed another member's PASS over a root fixture it read).
    fn owner(&self, path: &Path) -> Option<&'a Package> {
        let owner = self
            .packages
            .iter()
            .copied()
            .find(|p| path.starts_with(&p.dir))?;
        let root = self.root_package.filter(|r| r.dir == owner.dir);
        match root {
            Some(root) if !is_code(root, path) => None,
            _ => Some(owner),
        }
    }

    /// The package whose directory is `dir` (as cargo wrote it).
    fn package(&self, dir: &Path) -> Option<&'a Package> {
        let canonical = std::fs::canonicalize(dir).ok();
        self.packages.iter().copied().find(|p| {
            p.dir == dir || canonical.is_some() && std::fs::canonicalize(&p.dir).ok() == canonical
        })
    }

    /// The digests of what a binary of the package at `dir` reads: its files (with its
    /// workspace dependencies', the other members' whose programs it names, and the shared
    /// ones), the files their build scripts declare, and their `OUT_DIR`s. `None` when the
    /// package is not one of the workspace's, or its scripts declare too much to key.
    pub(super) fn reads(&self, dir: &Path) -> Option<(String, String)> {
        if let Some(known) = self
            .memo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(dir)
        {
            return known.clone();
        }
        let found = self.package(dir).and_then(|package| self.key(package));
        self.memo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(dir.to_owned(), found.clone());
        found
    }

    /// [`Keys::reads`] for one package: the files digest, and the rest.
    fn key(&self, package: &'a Package) -> Option<(String, String)> {
        let mut closure = self.closure(package);
        // What a named package names is reached too (a program that runs another).
        let named = loop {
            let named = self.named(&closure);
            let before = closure.len();
            for run in &named {
                let Some(other) = self.packages.iter().find(|p| p.name == run.package) else {
                    continue;
                };
                for reached in self.closure(other) {
                    if !closure.iter().any(|p| p.dir == reached.dir) {
                        closure.push(reached);
                    }
                }
            }
            if closure.len() == before {
                break named;
            }
        };
        let by_scripts: std::collections::BTreeSet<PathBuf> =
            self.declared(&closure)?.into_iter().collect();
        let mut declared = by_scripts.clone();
        declared.extend(self.env_paths.iter().cloned());
        let root = self.facts.root();
        let owned = self.owned();
        let compiled = self.compiled();
        let files = self
            .facts
            .cache()
            .files_digest(|rel| {
                // Versions reach a binary through its digest: the lockfile is no read.
                if rel == "Cargo.lock" {
                    return false;
                }
                // A file that is no Rust source the build compiled is data a test may read
                // at run time, wherever it lies and whoever embeds it (a workspace lint that
                // walks `..` for every crate's NOTICE: the twenty-ninth session's trial
                // replayed its PASS over another package's changed file; its hostile pass,
                // over one an `include_str!` compiled). Another package's Rust sources reach
                // a binary through its digest (one a test reads is declared: docs/CACHE.md).
                if !compiled.contains(rel) {
                    return true;
                }
                let path = root.join(rel);
                let owner = match owned.by_rel.get(rel) {
                    Some(owner) => *owner,
                    None => self.owner(&path).map(|o| o.dir.as_path()),
                };
                path.ancestors().any(|a| declared.contains(a))
                    || owner.is_none_or(|dir| closure.iter().any(|p| p.dir == dir))
            })
            .ok()?;
        let mut out = KeyHasher::default();
        self.out_dirs_into(&closure, &mut out);
        // An `[env]` directory that holds packages (`FIXTURES = ".."`) is keyed by its
        // tracked files above, not walked whole (the root's would be `target/` too); what a
        // build script declares is walked as cargo scans it, git-ignored files included.
        let holds_package = |d: &PathBuf| self.packages.iter().any(|p| p.dir.starts_with(d));
        let walked = |d: &&PathBuf| by_scripts.contains(*d) || !holds_package(d);
        for path in declared.iter().filter(|d| !self.tracked(d)).filter(walked) {
            out.part(
                &format!("declared {}", path.display()),
                discover::path_digest(path).as_bytes(),
            );
        }
        for run in named {
            if let Some(path) = run.executable {
                out.part(
                    &format!("executable {}", run.name),
                    discover::path_digest(path).as_bytes(),
                );
            }
        }
        Some((files, out.finish()))
    }

    /// What the build scripts of `closure` left in their `OUT_DIR`s and told cargo (their
    /// `output`: a `cargo:rustc-env` value cargo also sets when it runs the test, read with
    /// `std::env::var`, changes while the binary's bytes stay the same; `rustc-cfg`, link
    /// flags).
    fn out_dirs_into(&self, closure: &[&Package], out: &mut KeyHasher) {
        for (name, out_dir) in self.out_dirs {
            if closure.iter().any(|p| &p.name == name) {
                out.part(name, discover::path_digest(out_dir).as_bytes());
                let told = out_dir.with_file_name("output");
                out.part(
                    &format!("{name} output"),
                    discover::path_digest(&told).as_bytes(),
                );
            }
        }
    }

    /// The paths the build scripts of `closure` declare with `rerun-if-changed`: cargo reruns
    /// a script when one changes, and what it derives may reach a test by a way no key sees
    /// (a git-ignored file it writes beside the sources: the sixteenth session's hostile
    /// trial replayed a PASS over another package's changed file so). `None` when there are
    /// more than can be keyed one by one.
    fn declared(&self, closure: &[&Package]) -> Option<Vec<PathBuf>> {
        let mut declared = Vec::new();
        for (name, out_dir) in self.out_dirs {
            let Some(package) = closure.iter().find(|p| &p.name == name) else {
                continue;
            };
            let read = Read::of_script(out_dir, Some(&package.dir));
            if read.overflowed {
                return None;
            }
            declared.extend(
                read.files
                    .iter()
                    .map(|f| gate_support::path::normalize(&package.dir.join(f))),
            );
        }
        let outside = declared.iter().filter(|d| !self.tracked(d)).count();
        (outside <= MAX_DECLARED_OUTSIDE).then_some(declared)
    }

    /// Whether `path` is a file of the index (so the files digest holds its content).
    fn tracked(&self, path: &Path) -> bool {
        let files = &self.facts.index.files;
        files
            .binary_search_by(|f| f.path.as_path().cmp(path))
            .is_ok()
    }

    /// The programs and packages outside `closure` whose name a file of `closure` holds as a
    /// word (`Command::new("target/debug/attacker")`, `cargo_bin("attacker")`, `cargo run -p
    /// attacker`, `cargo build -p plugin` before loading its library; in a test, a script it
    /// runs, or a test-support crate it depends on): a test that runs or builds one reads it
    /// and what it is built from (the hostile trials replayed a PASS over each). A file too
    /// large to read for names may name any. A name that also means something else costs a
    /// run, never a false reuse.
    fn named(&self, closure: &[&Package]) -> Vec<&Runnable<'a>> {
        let others: Vec<usize> = (0..self.runnable.len())
            .filter(|&i| !closure.iter().any(|p| p.name == self.runnable[i].package))
            .collect();
        if others.is_empty() {
            return Vec::new();
        }
        let (mut named, mut shared) = (std::collections::BTreeSet::new(), Queue::default());
        for (at, member) in closure.iter().enumerate() {
            // A dependency's own dev-dependencies are what its tests use, by name: they build
            // nothing of this package's tests (the closure leaves them out for that reason).
            let own_tests = |i: &usize| {
                at > 0
                    && member.dev_only.iter().any(|dir| {
                        self.packages
                            .iter()
                            .any(|p| &p.dir == dir && p.name == self.runnable[*i].package)
                    })
            };
            let reach: Vec<usize> = others.iter().copied().filter(|i| !own_tests(i)).collect();
            // The package's manifest runs nothing: the names in it are its dependencies and
            // features. A project nested in it is one a test builds (`cargo run
            // --manifest-path tests/fixture/Cargo.toml`): what its manifest names, by path or
            // by name, is built with it (the thirtieth session's trial).
            let owned = self.owned();
            let files = owned.files.get(member.dir.as_path()).into_iter().flatten();
            let own = [member.dir.join("Cargo.toml"), member.dir.join("Cargo.lock")];
            let files = files.filter(|f| !own.iter().any(|o| o.as_path() == **f));
            for file in files {
                self.name_from(file, &reach, &mut named, &mut shared);
            }
            let in_manifest = self.manifest_names(&member.dir);
            named.extend(
                in_manifest
                    .runnable
                    .into_iter()
                    .filter(|i| reach.contains(i)),
            );
            in_manifest.shared.into_iter().for_each(|f| shared.push(f));
            for link in owned.links.get(member.dir.as_path()).into_iter().flatten() {
                self.link_names(link, &reach, &mut named, &mut shared);
            }
            // A target whose source lies outside the package (`[[test]] path =
            // "../checks/t.rs"`, the eighteenth session's hostile pass) is read as its own.
            for file in self.compiled_elsewhere(member).iter() {
                self.name_from(file, &reach, &mut named, &mut shared);
            }
        }
        // A name the configuration hands every test (the eighteenth session's hostile pass
        // joined `[env] FIXTURE_PKG = "attacker"` to a path).
        named.extend(self.env_named.iter().filter(|i| others.contains(i)));
        // A file no package owns that one of these names (a root script a test runs) is
        // read for names too, and so is what it names in turn: the sixteenth session's
        // repro ran `cargo run -p attacker` from `scripts/tool.sh`, keyed by its text alone.
        let mut at = 0;
        while let Some(file) = shared.order.get(at).cloned() {
            if self.owned().shared_links.contains(&file) {
                self.link_names(&file, &others, &mut named, &mut shared);
            }
            self.name_from(&file, &others, &mut named, &mut shared);
            at += 1;
        }
        named.into_iter().map(|i| &self.runnable[i]).collect()
    }

    /// What a tracked link names: the package it points into (its file is what the test reads
    /// through it, and the link's own text never changes when it does), or, pointing at a file
    /// of no package, that file, to read in turn (a package's `run.sh -> ../scripts/tool.sh`).
    fn link_names(
        &self,
        link: &Path,
        reach: &[usize],
        named: &mut std::collections::BTreeSet<usize>,
        shared: &mut Queue,
    ) {
        let Ok(target) = std::fs::canonicalize(link) else {
            return;
        };
        // The target as the tree names it (the root may be reached through a link), so the
        // root package's rule holds: it owns its code, not a script beside it.
        let root = self.facts.root();
        let target = match self
            .real_root
            .as_deref()
            .map(|real| target.strip_prefix(real))
        {
            Some(Ok(rel)) => root.join(rel),
            _ => target,
        };
        match self.owner(&target) {
            Some(owner) => named.extend(
                reach
                    .iter()
                    .copied()
                    .filter(|&i| self.runnable[i].package == owner.name),
            ),
            None => shared.push(target),
        }
    }

    /// Adds what `file` names of `reach` to `named` (all of it when the file cannot be read
    /// for names), and the files no package owns it names to `shared`.
    fn name_from(
        &self,
        file: &Path,
        reach: &[usize],
        named: &mut std::collections::BTreeSet<usize>,
        shared: &mut Queue,
    ) {
        let Some(found) = self.names_in(file) else {
            named.extend(reach.iter().copied());
            return;
        };
        if found.every {
            named.extend(reach.iter().copied());
        }
        named.extend(found.runnable.iter().filter(|i| reach.contains(i)));
        found.shared.iter().for_each(|f| shared.push(f.clone()));
    }

    /// What the file at `path` names of [`Keys::runnable`], and the files of no package its
    /// paths lead to, read once per run in windows of 1 MiB that overlap by the longest name
    /// and 4 KiB (a path); `None` when it holds more than [`MAX_NAMED_FILE`] bytes or cannot
    /// be read.
    fn names_in(&self, path: &Path) -> Option<std::sync::Arc<Names>> {
        let memo = || self.names_in.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = memo().get(path) {
            return known.clone();
        }
        let found = self.read_names(path).map(std::sync::Arc::new);
        memo().insert(path.to_owned(), found.clone());
        found
    }

    /// [`Keys::names_in`], read.
    fn read_names(&self, path: &Path) -> Option<Names> {
        let file = gate_support::read::open_regular(path).ok()?;
        let shared = &self.owned().shared;
        // A path is cut at a window's end no shorter than this.
        let overlap = self.runnable.iter().map(|r| r.name.len()).max()? + 4096;
        let mut named = Names::default();
        let mut paths: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        // Rust code is read whole: a library function a test calls may walk or run cargo
        // for it (the thirty-first session's trial: a tidy check shared from a `lint` or
        // `testkit` crate); other text is read from where test code starts.
        // So is any file a compile read, whatever its name (`#[path = "tidy.inc"] mod tidy;`,
        // the hostile pass that followed).
        let whole = path.components().any(|c| c.as_os_str() == "tests")
            || path.extension().is_some_and(|e| e == "rs")
            || self.compiled_all().1.contains(path);
        in_windows(file, 1 << 20, overlap, MAX_NAMED_FILE, |text| {
            self.words_named(text, &mut named.runnable);
            named.every |= text::names_every_package(text::test_part(text, whole));
            if !shared.is_empty() && !is_document(path) {
                shared_paths_in(text, shared, &mut paths);
            }
        })?;
        named.shared = self.resolve_shared(path, &paths);
        Some(named)
    }

    /// The files no package owns that `paths`, written in the file at `path`, lead to: from
    /// the root, from the file's own directory (a script's neighbour), and from the
    /// directory of the package that owns it (a test's, a build script's working
    /// directory), or, for a file no package owns, from every package's (it is run from
    /// anywhere). A test names a root script so (`../scripts/tool.sh`); a root README that
    /// names every package is read only when a path leads to it.
    fn resolve_shared(
        &self,
        path: &Path,
        paths: &std::collections::BTreeSet<String>,
    ) -> Vec<PathBuf> {
        let owned = self.owned();
        let shared = &owned.shared;
        let root = self.facts.root();
        // From the directory a test or build script runs in, the file's own, and the root
        // (a member's test that runs `scripts/tool.sh` from there); a file of no package is
        // run from anywhere: from every package's directory too (a root script sourcing
        // `../scripts/lib.sh` as the test's working directory sees it).
        let mut bases = vec![root, path.parent().unwrap_or(path)];
        match self.owner(path) {
            Some(owner) => bases.push(owner.dir.as_path()),
            None => bases.extend(self.packages.iter().map(|p| p.dir.as_path())),
        }
        let mut found = Queue::default();
        // More paths than can be followed one by one (each from every base): the file may
        // lead to any.
        if paths.len() > MAX_PATHS_IN_FILE
            || paths.len().saturating_mul(bases.len()) > MAX_PATHS_FOLLOWED
        {
            shared
                .values()
                .flatten()
                .filter(|f| *f != path)
                .for_each(|f| found.push(f.clone()));
            return found.order;
        }
        // Each directory a glob leads to, once, however many globs lead there.
        let mut globbed = std::collections::HashSet::new();
        for written in paths {
            let rel = written.trim_start_matches('/');
            let name = rel.rsplit('/').next().unwrap_or(rel);
            if name.contains('*') {
                let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
                for base in &bases {
                    let at = joined(base, dir);
                    if let Some(under) = owned.shared_by_dir.get(&at)
                        && globbed.insert(at)
                    {
                        under
                            .iter()
                            .filter(|f| *f != path)
                            .for_each(|f| found.push(f.clone()));
                    }
                }
                continue;
            }
            for base in &bases {
                let at = joined(base, rel);
                if at != path && owned.shared_set.contains(&at) {
                    found.push(at);
                }
            }
        }
        found.order
    }

    /// Adds to `named` each of [`Keys::runnable`] that `text` holds as a word (or as the value
    /// of cargo's short flag, `-pNAME`).
    fn words_named(&self, text: &str, named: &mut Vec<usize>) {
        let words = text.split(|c: char| !is_word_char(c));
        let words = words.flat_map(|w| std::iter::once(w).chain(short_p_value(w)));
        for word in words {
            for &i in self.by_name.get(word).into_iter().flatten() {
                if !named.contains(&i) {
                    named.push(i);
                }
            }
        }
        // A name no word can be (a directory `b.v2`, a binary `tool.v1`): where it stands
        // with no word's character, nor a dot, on either side (the thirty-second session's
        // hostile pass: `"../b.v2/src/lib.rs"` named no package).
        for name in self.dotted.iter().filter(|name| holds_name(text, name)) {
            for &i in self.by_name.get(name).into_iter().flatten() {
                if !named.contains(&i) {
                    named.push(i);
                }
            }
        }
    }

    /// The tracked files the dep-info of `package`'s artifacts lists outside its directory:
    /// the sources of a target whose `path` leads out of the package, and the modules and
    /// `include!`s they reach.
    fn compiled_elsewhere(&self, package: &Package) -> Vec<PathBuf> {
        (self.sources_of(&package.name).iter())
            .filter(|f| !f.starts_with(&package.dir))
            .cloned()
            .collect()
    }

    /// The tracked files the dep-info of the artifacts of the package called `name` lists,
    /// read once per package (for [`Keys::compiled_elsewhere`] and [`Keys::compiled`]).
    fn sources_of(&self, name: &str) -> std::sync::Arc<Vec<PathBuf>> {
        let memo = || self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = memo().get(name) {
            return known.clone();
        }
        let artifacts = self.artifacts.iter().filter(|a| a.package == name);
        let found: Vec<PathBuf> = (self.dep_info_sources(artifacts).into_iter())
            .filter(|f| self.tracked(f))
            .collect();
        let found = std::sync::Arc::new(found);
        memo().insert(name.to_owned(), found.clone());
        found
    }

    /// The files the dep-info of `artifacts` lists, as the tree names them.
    fn dep_info_sources<'b>(
        &self,
        artifacts: impl Iterator<Item = &'b crate::facts::artifacts::BuiltArtifact>,
    ) -> Vec<PathBuf> {
        let mut read = Read::default();
        for depinfo in artifacts.filter_map(|a| discover::dep_info_of(&a.path)) {
            // One rustc did not write reads as nothing: for a package's own sources, the
            // key is then its own; for [`Keys::compiled`], its files are data to every key.
            let _ = read.add_dep_info_checked(&depinfo);
        }
        let root = self.facts.root();
        let as_tree = |path: PathBuf| match self
            .real_root
            .as_deref()
            .and_then(|real| path.strip_prefix(real).ok())
        {
            Some(rel) => root.join(rel),
            None => path,
        };
        // rustc ran at the root: a source is written from there, `..` and all
        // (`victim/../checks/t.rs`).
        (read.files.into_iter())
            .map(|f| gate_support::path::normalize(&root.join(f)))
            .map(as_tree)
            .collect()
    }

    /// Every tracked Rust source a compile of the build read, relative to the root, taken
    /// once: the rest of the tree (an `include_str!`'d NOTICE too) is data, in every key.
    fn compiled(&self) -> &std::collections::HashSet<String> {
        &self.compiled_all().0
    }

    /// [`Keys::compiled`], and every tracked file a compile of the build read.
    fn compiled_all(
        &self,
    ) -> &(
        std::collections::HashSet<String>,
        std::collections::HashSet<PathBuf>,
    ) {
        self.compiled.get_or_init(|| {
            let files = &self.facts.index.files;
            let names: std::collections::BTreeSet<&str> =
                self.artifacts.iter().map(|a| a.package.as_str()).collect();
            let read: Vec<PathBuf> = names
                .into_iter()
                .flat_map(|name| self.sources_of(name).iter().cloned().collect::<Vec<_>>())
                .collect();
            // A build script is compiled too (cargo lists no dep-info for it; a module it
            // declares reads as data, which costs a run, never a reuse).
            let scripts = (self.packages.iter()).filter_map(|p| p.build_script.clone());
            let all: std::collections::HashSet<PathBuf> = (read.into_iter())
                .chain(scripts.map(|s| gate_support::path::normalize(&s)))
                .collect();
            let rust = (all.iter())
                .filter(|f| f.extension().is_some_and(|e| e == "rs"))
                .filter_map(|f| files.binary_search_by(|e| e.path.as_path().cmp(f)).ok())
                .map(|at| files[at].rel.clone())
                .collect();
            (rust, all)
        })
    }

    /// What the `[package]` table of the manifest in `dir` names: a path in its metadata or
    /// its `readme` (`CARGO_PKG_README`) that a test reads (`[package.metadata.fixtures] data
    /// = "../attacker/data.txt"`, the seventeenth session's hostile trial). The rest of a
    /// manifest names its dependencies and features, which run nothing.
    fn manifest_names(&self, dir: &Path) -> Names {
        let memo = || {
            self.manifest_names
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some(known) = memo().get(dir) {
            return known.clone();
        }
        let found = self.read_manifest_names(dir);
        memo().insert(dir.to_owned(), found.clone());
        found
    }

    /// [`Keys::manifest_names`], read.
    fn read_manifest_names(&self, dir: &Path) -> Names {
        let path = dir.join("Cargo.toml");
        let manifest = crate::workspace::read_toml(&path);
        let package = manifest.as_ref().and_then(|m| m.get("package"));
        let mut named = Names::default();
        if let Some(text) = package.and_then(readable_fields) {
            self.words_named(&text, &mut named.runnable);
            // A path there to a file of no package leads to it (`[package.metadata] tool =
            // "../scripts/tool.sh"`), as in any file of the package.
            let mut paths = std::collections::BTreeSet::new();
            shared_paths_in(&text, &self.owned().shared, &mut paths);
            named.shared = self.resolve_shared(&path, &paths);
        }
        // What a member inherits (`readme.workspace = true`) or reads from the root's
        // manifest: its `[workspace.package]` and `[workspace.metadata]`, not its members.
        let root = self.root_manifest.get_or_init(|| {
            let doc = crate::workspace::read_toml(&self.facts.root().join("Cargo.toml"));
            let workspace = doc.as_ref().and_then(|d| d.get("workspace"));
            ["package", "metadata"]
                .iter()
                .filter_map(|t| readable_fields(workspace?.get(*t)?))
                .collect()
        });
        self.words_named(root, &mut named.runnable);
        named
    }

    /// The package and every workspace package it reaches through path dependencies: its own
    /// of every kind, and from there normal and build dependencies only (a dependency's
    /// dev-dependencies build none of its dependents, and no test of theirs reads them).
    fn closure(&self, package: &'a Package) -> Vec<&'a Package> {
        let mut found = vec![package];
        let mut at = 0;
        while at < found.len() {
            let from = found[at];
            let deps = from
                .path_deps
                .iter()
                .filter(|dep| at == 0 || !from.dev_only.contains(dep));
            for dep in deps {
                if let Some(p) = self.packages.iter().find(|p| &p.dir == dep)
                    && !found.iter().any(|f| f.dir == p.dir)
                {
                    found.push(p);
                }
            }
            at += 1;
        }
        found
    }
}

/// The programs and packages of the build a test may run or build: each executable the build
/// made that ships (no test's), each binary or example target by its unit tests' id
/// (`PACKAGE::bin/NAME`, `PACKAGE::example/NAME`), its manifest's `[[bin]]` or `[[example]]`
/// name or its file under `examples/` (built or not: `test = false` makes neither), and each
/// workspace package by its own name and its directory's (`cargo run -p NAME`, `cargo build
/// -p NAME` of a library a test then loads, `--manifest-path ../DIR/Cargo.toml`, a file read
/// as `../DIR/data.txt`).
fn runnable<'a>(build: &'a Build, packages: &[&'a Package]) -> Vec<Runnable<'a>> {
    let mut found: Vec<Runnable<'a>> = Vec::new();
    let mut add = |package: &'a str, name: &str, executable: Option<&'a Path>| match found
        .iter_mut()
        .find(|r| r.package == package && r.name == name)
    {
        Some(known) => known.executable = known.executable.or(executable),
        None => found.push(Runnable {
            package,
            name: name.to_owned(),
            executable,
        }),
    };
    for package in packages {
        add(&package.name, &package.name, None);
        // Its library by its crate name (`foo_core::greet()` in a project a test builds).
        add(&package.name, &package.name.replace('-', "_"), None);
        // `--manifest-path ../tool/Cargo.toml`, `../tool/data.txt`: the directory's name.
        if let Some(dir) = package.dir.file_name().and_then(|d| d.to_str()) {
            add(&package.name, dir, None);
        }
        let manifest = crate::workspace::read_toml(&package.dir.join("Cargo.toml"));
        for table in ["bin", "example"] {
            let targets = manifest
                .as_ref()
                .and_then(|m| m.get(table)?.as_array().cloned());
            for target in targets.into_iter().flatten() {
                if let Some(name) = target.get("name").and_then(toml::Value::as_str) {
                    add(&package.name, name, None);
                }
            }
        }
        // `cargo run --example NAME` of an example found by its file (`examples/NAME.rs`).
        let examples = std::fs::read_dir(package.dir.join("examples"))
            .into_iter()
            .flatten();
        for entry in examples.flatten() {
            let name = entry.path();
            if let Some(stem) = name.file_stem().and_then(|s| s.to_str()) {
                add(&package.name, stem, None);
            }
        }
    }
    for artifact in &build.artifacts {
        if artifact.kind != BinaryKind::Executable {
            continue;
        }
        let package = artifact.package.as_str();
        if artifact.test {
            let bin = artifact.test_binary.as_ref().and_then(|t| {
                let (_, name) =
                    t.id.split_once("::bin/")
                        .or(t.id.split_once("::example/"))?;
                Some(name)
            });
            if let Some(bin) = bin {
                add(package, bin, None);
            }
        } else if let Some(stem) = artifact.path.file_stem().and_then(|s| s.to_str()) {
            add(package, stem, Some(artifact.path.as_path()));
        }
    }
    found
}

/// Whether `text` holds `name` with neither a word's character nor a dot beside it.
fn holds_name(text: &str, name: &str) -> bool {
    let apart = |c: Option<char>| c.is_none_or(|c| !is_word_char(c) && c != '.');
    text.match_indices(name).any(|(at, _)| {
        apart(text[..at].chars().next_back()) && apart(text[at + name.len()..].chars().next())
    })
}

/// Whether `path` is the code of the root's `package`: its manifest, its build script, or a
/// Rust file under `src/`, `tests/`, `benches/` or `examples/`.
fn is_code(package: &Package, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(&package.dir) else {
        return false;
    };
    let first = rel.components().next().and_then(|c| c.as_os_str().to_str());
    let rust = path.extension().is_some_and(|e| e == "rs");
    rel == Path::new("Cargo.toml")
        || package.build_script.as_deref() == Some(path)
        || rust && matches!(first, Some("src" | "tests" | "benches" | "examples"))
}

#[cfg(test)]
mod tests {
    use super::{holds_word, shared_paths_in, short_p_value};

    /// cargo's `-p` with its value attached, alone or after other short flags.
    #[test]
    fn a_package_after_short_flags_run_together_is_read() {
        assert_eq!(short_p_value("-pattacker"), Some("attacker"));
        assert_eq!(short_p_value("-qpattacker"), Some("attacker"));
        assert_eq!(short_p_value("-vvpattacker"), Some("attacker"));
        assert_eq!(short_p_value("--package"), None);
        assert_eq!(short_p_value("-p"), None);
        assert_eq!(short_p_value("attacker"), None);
    }
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    /// A path is found by its file name, whole: `../scripts/tool.sh` in a string, with the
    /// manifest directory's `/` before it; not `tool.sh.bak` nor `mytool.sh`.
    #[test]
    fn a_path_written_is_found_by_its_file_name() {
        let shared = BTreeMap::from([
            (
                "tool.sh".to_owned(),
                vec![PathBuf::from("/w/scripts/tool.sh")],
            ),
            (
                "run+tool.sh".to_owned(),
                vec![PathBuf::from("/w/scripts/run+tool.sh")],
            ),
        ]);
        let mut paths = std::collections::BTreeSet::new();
        let text = "concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../scripts/tool.sh\");\n\
                    sh tool.sh; cp tool.sh.bak mytool.sh; sh ../scripts/tool.sh; \
                    sh scripts/run+tool.sh; for f in ../hooks/*.sh; do sh $f; done \
                    /* a comment */ /** a doc */";
        shared_paths_in(text, &shared, &mut paths);
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "../hooks/*.sh",
                "../scripts/tool.sh",
                "/../scripts/tool.sh",
                "scripts/run+tool.sh",
                "tool.sh"
            ]
        );
    }

    /// A path the cargo configuration's `[env]` hands a test as it is (no `relative = true`)
    /// is read from the test's package directory: `../b/data.txt` from `a` is `b`'s file, and
    /// joins the keys (the seventeenth session's hostile trial replayed a PASS over it), and so
    /// does a directory (`../b`, the second pass's). A word (`debug`) is no path.
    #[test]
    fn a_path_the_configuration_hands_over_as_it_is_is_read_from_each_package() {
        use crate::facts::core::{Package, Role};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for sub in ["a", "b", ".cargo", "debug"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        std::fs::write(root.join("b/data.txt"), "1\n").unwrap();
        std::fs::write(
            root.join(".cargo/config.toml"),
            "[env]\nFIXTURE = \"../b/data.txt\"\nLEVEL = \"debug\"\nDIR = \"../b\"\n",
        )
        .unwrap();
        let package = |name: &str| Package {
            name: name.to_owned(),
            dir: root.join(name),
            role: Role::Member,
            gate_build: false,
            build_script: None,
            targets: Vec::new(),
            rust_version: None,
            path_deps: Vec::new(),
            dev_only: Vec::new(),
            inherited_paths: Default::default(),
        };
        let (a, b) = (package("a"), package("b"));
        let paths = super::env_paths(&root, &[&a, &b], &super::env_entries(&root));
        assert!(paths.contains(&root.join("b/data.txt")), "{paths:?}");
        assert!(paths.contains(&root.join("b")), "{paths:?}");
        for not in [root.clone(), root.join("a"), root.join("debug")] {
            assert!(!paths.contains(&not), "{not:?} in {paths:?}");
        }
    }

    /// A file is read in overlapping windows: a name cut at a window's end is whole in the
    /// next, a file that fits one window is read once, and one over the bound not at all.
    #[test]
    fn a_file_is_read_in_windows_that_overlap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.rs");
        let mut text = "x".repeat(60);
        text.push_str(" attacker ");
        text.push_str(&"y".repeat(50));
        std::fs::write(&path, &text).unwrap();
        let open = || std::fs::File::open(&path).unwrap();
        let mut windows = Vec::new();
        let seen = super::in_windows(open(), 64, 16, 1 << 20, |w| windows.push(w.to_owned()));
        assert_eq!(seen, Some(()));
        assert_eq!(windows.len(), 2, "{windows:?}");
        assert!(!holds_word(&windows[0], "attacker"), "{:?}", windows[0]);
        assert!(holds_word(&windows[1], "attacker"), "{:?}", windows[1]);
        let mut once = 0;
        super::in_windows(open(), 1 << 10, 16, 1 << 20, |_| once += 1).unwrap();
        assert_eq!(once, 1);
        assert_eq!(super::in_windows(open(), 64, 16, 100, |_| ()), None);
    }

    /// An executable is named as a word: `target/debug/attacker`, `cargo_bin("attacker")`;
    /// not inside another name (`attacker_two`, `my-attacker`).
    #[test]
    fn an_executable_is_named_as_a_word() {
        assert!(holds_word(
            "Command::new(\"../target/debug/attacker\")",
            "attacker"
        ));
        assert!(holds_word("cargo_bin(\"attacker\")", "attacker"));
        assert!(!holds_word("let attacker_two = 1;", "attacker"));
        assert!(!holds_word("\"my-attacker\"", "attacker"));
        assert!(holds_word("\"my-cli\"", "my-cli"));
    }
}
