//! The evidence of a run that the kernel inventory and the test run are gathered from: the
//! eager facts (manifests, packages, the file index, CUDA sources) and the lazy resolve and
//! build. See [`crate::facts`] for what each is.

use super::artifacts::Build;
use super::manifests::Manifest;
pub use super::packages::{Package, Role};
use super::ran::{
    BuiltForTests, BuiltRaw, Scan, build_from, keep_of, resolve_from, resolve_reads, run_build,
    run_resolve,
};
use crate::cache::{Fact, Fresh, Session};
use crate::report::Reuse;
use crate::tools::cargo::{Cargo, Unavailable};
use crate::workspace::Workspace;
use crate::workspace::discovery::Resolved;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Where the file index came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexSource {
    /// `git ls-files`: the tracked files.
    Git,
    /// A `.gitignore`-aware walk (no git work tree, or git failed).
    Walk,
}

impl IndexSource {
    /// How the source reads in a summary.
    pub fn describe(self) -> &'static str {
        match self {
            IndexSource::Git => "tracked",
            IndexSource::Walk => "walked",
        }
    }
}

/// One file of the index.
#[derive(Debug, Clone)]
pub struct IndexedFile {
    /// Absolute path.
    pub path: PathBuf,
    /// Relative to the workspace root, `/`-separated.
    pub rel: String,
    /// Index into [`Core::packages`] of the package that owns it (the nearest one above).
    pub owner: Option<usize>,
}

/// Every file of the repository below the workspace root, with its owner.
#[derive(Debug, Clone)]
pub struct FileIndex {
    /// How the files were listed.
    pub source: IndexSource,
    /// The files, sorted by path.
    pub files: Vec<IndexedFile>,
    /// Why git could not list them, when it could not and a walk was used instead.
    pub git_error: Option<String>,
    /// Tracked paths that are no regular file in the working tree (a FIFO, a socket, a
    /// device), with what they are: never opened, so a scan cannot hang on one; the scans
    /// name them instead of passing over them.
    pub special: Vec<(PathBuf, &'static str)>,
    /// Tracked symbolic links (no files of the tree: what they point at may be a package's
    /// file a test reads through them), sorted.
    pub links: Vec<PathBuf>,
}

/// What a package's build script compiles its CUDA sources with (the bill of materials'
/// builder kinds, [`crate::cuda::scripts`] reads them).
pub use gate_formats::kernel_bom::BuilderKind as KernelBuilder;

/// A tracked CUDA file.
#[derive(Debug, Clone)]
pub struct CudaSource {
    /// Index into [`FileIndex::files`].
    pub file: usize,
    /// Relative path.
    pub rel: String,
    /// The owning package, by index into [`Core::packages`]. (What builds it is the
    /// inventory's: `crate::bom::sources`.)
    pub owner: Option<usize>,
}

impl CudaSource {
    /// Whether it is a kernel source or header (`.cu`, `.cuh`), not PTX.
    pub fn is_source(&self) -> bool {
        self.rel.ends_with(".cu") || self.rel.ends_with(".cuh")
    }
}

/// Why the build was not attempted.
#[derive(Debug)]
pub enum NotBuilt<'a> {
    /// The lockfile does not resolve (`lockfile.locked` reports it).
    Unresolved(&'a Resolve),
    /// cargo could not be started.
    NoCargo(String),
}

/// The evidence of a run below the kernel inventory and the test run: everything those two
/// are gathered from. [`Facts`](super::Facts) holds it and derefs to it.
#[derive(Debug)]
pub struct Core {
    /// Every package in the repository below the root, members first, then by directory.
    pub packages: Vec<Package>,
    /// Every manifest read (the tracked ones, the members' and the root's), by path.
    pub manifests: Vec<Manifest>,
    /// Every file, with its owner.
    pub index: FileIndex,
    /// The tracked CUDA files.
    pub cuda: Vec<CudaSource>,
    /// Why `cargo metadata --no-deps` could not load the workspace, when it could not (the
    /// workspace was then read from the manifests).
    pub metadata_error: Option<String>,
    /// The workspace root.
    pub(super) root: PathBuf,
    /// cargo's build directory (the target directory unless `[build] build-dir` says).
    build_dir: PathBuf,
    /// Environment for the build and the test run (the run directory, the seed), so both
    /// see the same and the second compiles nothing.
    build_env: Vec<(String, String)>,
    /// `<root>/Cargo.lock` (it may not exist).
    pub(super) lockfile: PathBuf,
    /// Cargo.lock lists every package of the graph: gate-build is in it exactly when some
    /// package (a registry crate with kernels, say) depends on it. Read once, as text, so no
    /// resolve (and no network) is needed to decide that nothing needs building.
    gate_build_in_lockfile: bool,
    /// The resolve and the build, each with the run it was reused from, if it was.
    resolve: OnceLock<(Result<Resolve, String>, Option<Reuse>)>,
    /// The resolve's output when workspace discovery ran it (or is running it), taken by its
    /// first use.
    resolve_output: std::sync::Mutex<Option<Resolved>>,
    /// The shipped graph as `cargo tree` prints it, by the target triples and the
    /// selection asked for (`facts/shipped.rs`).
    pub(super) shipped_trees: std::sync::Mutex<HashMap<String, ShippedTree>>,
    /// The shipped graph's `cargo tree` started beside workspace discovery, until taken.
    pub(super) tree_ahead: std::sync::Mutex<Option<super::ahead::TreeAhead>>,
    /// The repository's top directory, when the workspace is in a git repository (its CI
    /// files may sit there).
    pub(super) top: Option<PathBuf>,
    /// The feature sets CI builds with, read on first use (`facts/shipped.rs`).
    pub(super) ci_features: OnceLock<CiFeatures>,
    build: OnceLock<(Result<Build, String>, Option<Reuse>)>,
    /// Whether the tests were compiled for their run (`build_for_tests`), once for every
    /// command that runs them (the doc tests' lanes at once among them).
    tests_built: OnceLock<Result<BuiltForTests, String>>,
    /// Whether a check of the run reads the build's GPU code: then its read starts as soon
    /// as the build is gathered, beside the test run ([`Core::read_gpu_when_built`]).
    gpu_when_built: std::sync::atomic::AtomicBool,
    /// The evidence cache of the run (disabled unless the run sets one).
    pub(super) cache: Session,
    /// How the nvcc witness stands in front of this run's builds.
    pub(super) witness: gate_witness::observe::Installed,
    /// Why the toolchain cargo runs is not the one the workspace pins, when it is not
    /// ([`crate::facts::other_toolchain`]): nothing builds the workspace for a check's
    /// evidence then, as the tests do not run.
    pub(super) other_toolchain: Option<String>,
}

impl Core {
    /// Gathers the eager facts of `ws`. `build_env` is passed to the build and to the tests.
    pub fn gather(ws: &Workspace, build_env: Vec<(String, String)>) -> Core {
        let index_files = list_files(ws);
        let (source, paths, git_error, special, links) = index_files;
        let manifests = super::packages::read_cargo_tomls(ws, &paths);
        let packages = super::packages::read_packages(ws, &manifests);
        let mut by_dir: HashMap<&Path, usize> = HashMap::new();
        for (i, p) in packages.iter().enumerate() {
            by_dir.insert(p.dir.as_path(), i);
        }
        let files: Vec<IndexedFile> = paths
            .into_iter()
            .map(|path| {
                let owner = path
                    .ancestors()
                    .skip(1)
                    .take_while(|d| d.starts_with(&ws.root))
                    .find_map(|d| by_dir.get(d).copied());
                IndexedFile {
                    rel: ws.relative(&path),
                    path,
                    owner,
                }
            })
            .collect();
        let mut cuda = Vec::new();
        for (i, f) in files.iter().enumerate() {
            let is_cuda = [".cu", ".cuh", ".ptx"].iter().any(|e| f.rel.ends_with(e));
            if !is_cuda {
                continue;
            }
            cuda.push(CudaSource {
                file: i,
                rel: f.rel.clone(),
                owner: f.owner,
            });
        }
        Core {
            packages,
            manifests,
            index: FileIndex {
                special,
                links,
                source,
                files,
                git_error,
            },
            cuda,
            metadata_error: ws.metadata_error.clone(),
            build_env,
            root: ws.root.clone(),
            build_dir: ws.build_dir.clone(),
            lockfile: ws.root.join("Cargo.lock"),
            gate_build_in_lockfile: gate_support::read::text_capped(
                &ws.root.join("Cargo.lock"),
                crate::workspace::LOCKFILE_CAP,
            )
            .is_ok_and(|text| text.lines().any(|l| l.trim() == "name = \"gate-build\"")),
            resolve: OnceLock::new(),
            resolve_output: std::sync::Mutex::default(),
            shipped_trees: std::sync::Mutex::default(),
            tree_ahead: std::sync::Mutex::default(),
            top: ws.git.as_ref().map(|git| git.toplevel.clone()),
            ci_features: OnceLock::new(),
            build: OnceLock::new(),
            tests_built: OnceLock::new(),
            gpu_when_built: std::sync::atomic::AtomicBool::new(false),
            cache: Session::disabled(),
            witness: gate_witness::observe::Installed {
                not_installed: Some("this run builds nothing".to_owned()),
                ..Default::default()
            },
            other_toolchain: None,
        }
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// These facts, with the resolve, the build and the test run taken from (and stored in)
    /// `cache` when their inputs are unchanged.
    pub fn with_cache(mut self, cache: Session) -> Core {
        self.cache = cache;
        self
    }

    /// These facts, with the resolve discovery ran (see [`crate::facts::Facts::with_resolve_output`]).
    pub fn with_resolve_output(self, output: Option<Resolved>) -> Core {
        if let Ok(mut slot) = self.resolve_output.lock() {
            *slot = output;
        }
        self
    }

    /// The run's evidence cache (the resolve, the build and the test run are kept in it).
    pub fn cache(&self) -> &Session {
        &self.cache
    }

    /// The run that gathered the resolve, when it was reused (after [`Core::resolve`]).
    pub fn resolve_reuse(&self) -> Option<&Reuse> {
        self.resolve.get().and_then(|(_, reuse)| reuse.as_ref())
    }

    /// Whether a check of this run has gathered the build (built, reused, or failed): a
    /// check that reads the build only when the run builds anyway asks this first.
    pub fn build_gathered(&self) -> bool {
        self.build.get().is_some()
    }

    /// Has the build's GPU code ([`Core::built_gpu`]) read as soon as the build is gathered, on
    /// a thread of its own: the test run does not wait for it, and a check that reads it
    /// after the tests finds it read. Called before the checks start, when one reads it.
    pub fn read_gpu_when_built(&self) {
        self.gpu_when_built
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The GPU code each of `build`'s artifacts carries, in their order (`None`: the file
    /// could not be read): an artifact's from the evidence cache while it has the stamp it
    /// had when it was read, else read (beside the test run when
    /// [`Core::read_gpu_when_built`] asked for it) and kept for the next run
    /// (`facts/artifacts.rs`).
    pub fn built_gpu<'b>(&self, build: &'b Build) -> &'b [Option<crate::cuda::binary::GpuCode>] {
        super::artifacts::built_gpu(&self.cache, &self.root, build)
    }

    /// The run every artifact's GPU code was reused from, when it was (after
    /// [`Core::built_gpu`]).
    pub fn built_gpu_reuse(&self) -> Option<&Reuse> {
        let (Ok(build), _) = self.build.get()? else {
            return None;
        };
        build.gpu_reuse()
    }

    /// The runs that gathered the shipped graphs this run read, where they were reused (after
    /// [`Core::built_tree`]): what a check that judged a graph names as its evidence.
    pub fn graph_reuse(&self) -> Vec<Reuse> {
        let Ok(trees) = self.shipped_trees.lock() else {
            return Vec::new();
        };
        let mut reused: Vec<Reuse> = trees
            .values()
            .filter_map(|tree| tree.get().and_then(|(_, reuse)| reuse.clone()))
            .collect();
        reused.sort_by(|a, b| a.inputs.cmp(&b.inputs));
        reused.dedup();
        reused
    }

    /// The run that gathered the build, when it was reused (after [`Core::build`]).
    pub fn build_reuse(&self) -> Option<&Reuse> {
        self.build.get().and_then(|(_, reuse)| reuse.as_ref())
    }

    /// The manifest at `path` (a member's `Cargo.toml`, the root manifest: every one the
    /// workspace names was read), as read when the facts were gathered.
    pub fn manifest(&self, path: &Path) -> Option<&Manifest> {
        self.manifests
            .binary_search_by(|m| m.path.as_path().cmp(path))
            .ok()
            .map(|i| &self.manifests[i])
    }

    /// The packages of `role`.
    pub fn packages_of(&self, role: Role) -> impl Iterator<Item = &Package> {
        self.packages.iter().filter(move |p| p.role == role)
    }

    /// The package that owns a file, by index.
    pub fn owner(&self, file: &IndexedFile) -> Option<&Package> {
        file.owner.map(|o| &self.packages[o])
    }

    /// Packages in the repository that declare a gate-build dependency, by name (from the
    /// manifests: works when nothing resolves).
    pub fn gate_build_dependents(&self) -> Vec<&str> {
        self.packages
            .iter()
            .filter(|p| p.gate_build && p.role != Role::Other)
            .map(|p| p.name.as_str())
            .collect()
    }

    /// Whether building the workspace can produce gate-build kernel manifests: a shipped
    /// package declares gate-build, or the lockfile's graph holds it.
    pub fn kernels_in_build(&self) -> bool {
        if !self.gate_build_dependents().is_empty() {
            return true;
        }
        self.gate_build_in_lockfile
    }

    /// The resolve, run on first use (`Err` when cargo could not be started). Without a
    /// Cargo.lock there is nothing to hold the resolve to: cargo is not run (it could need
    /// the network to find that out).
    pub fn resolve(&self, cargo: &Cargo) -> Result<&Resolve, &str> {
        self.resolve
            .get_or_init(|| {
                if self.lockfile.is_file() {
                    let obtained = self.cache.obtain(
                        Fact::Resolve,
                        &[],
                        |_: &Result<RawOutput, String>| true,
                        || {
                            let ran = self.resolve_output.lock().ok().and_then(|mut o| o.take());
                            let ran = ran.and_then(Resolved::output).map(RawOutput::from);
                            let raw = ran.map_or_else(|| run_resolve(cargo), Ok);
                            let keep = keep_of(raw.as_ref().ok(), cargo.offline());
                            let read = raw.as_ref().map(resolve_reads).unwrap_or_default();
                            Fresh {
                                read,
                                ..Fresh::of(raw, keep)
                            }
                        },
                    );
                    let resolve = obtained.value.map(|raw| resolve_from(raw, cargo.offline()));
                    (resolve, obtained.reused)
                } else {
                    let resolve = Ok(Resolve::Failed {
                        unavailable: None,
                        error: super::ran::NO_LOCKFILE.to_owned(),
                        log: "(cargo metadata --locked not run: there is no Cargo.lock)\n"
                            .to_owned(),
                    });
                    (resolve, None)
                }
            })
            .0
            .as_ref()
            .map_err(String::as_str)
    }

    /// The build, run on first use; `Err` says why it was not attempted or cannot be
    /// judged on its own. It does not wait for the resolve (which `lockfile.locked` runs
    /// meanwhile): only a build that fails asks whether the lockfile resolved, so the cause
    /// is reported once, by `lockfile.locked`, when it is the lockfile.
    pub fn build(&self, cargo: &Cargo) -> Result<&Build, NotBuilt<'_>> {
        if !self.lockfile.is_file() {
            return match self.resolve(cargo) {
                Ok(r) => Err(NotBuilt::Unresolved(r)),
                Err(e) => Err(NotBuilt::NoCargo(e.to_owned())),
            };
        }
        let build = self
            .build
            .get_or_init(|| {
                let obtained = self.cache.obtain(
                    Fact::Build,
                    &[],
                    |built: &Result<BuiltRaw, String>| {
                        built.as_ref().is_ok_and(BuiltRaw::manifests_unchanged)
                    },
                    || {
                        let raw =
                            run_build(cargo, (&self.build_env, &self.build_dir), Scan::Artifacts);
                        let keep = keep_of(raw.as_ref().ok().map(|b| &b.output), cargo.offline());
                        let read = raw.as_ref().map(|b| b.read.clone()).unwrap_or_default();
                        Fresh {
                            read,
                            ..Fresh::of(raw, keep)
                        }
                    },
                );
                let build = obtained.value.map(|raw| build_from(raw, cargo.offline()));
                // Built afresh (a reused build's artifacts are unchanged: their GPU code is
                // most likely in the cache too).
                if let Ok(build) = &build
                    && obtained.reused.is_none()
                    && self
                        .gpu_when_built
                        .load(std::sync::atomic::Ordering::Relaxed)
                {
                    super::artifacts::read_gpu_beside(&self.cache, &self.root, build);
                }
                (build, obtained.reused)
            })
            .0
            .as_ref()
            .map_err(|e| NotBuilt::NoCargo(e.clone()))?;
        if !build.ok {
            match self.resolve(cargo) {
                Err(e) => return Err(NotBuilt::NoCargo(e.to_owned())),
                Ok(r @ Resolve::Failed { .. }) => return Err(NotBuilt::Unresolved(r)),
                Ok(Resolve::Resolved { .. }) => {}
            }
        }
        Ok(build)
    }

    /// The workspace's tests compiled before they run, every unit cargo kept proven built
    /// from the tree (`built_from`), and what compiling them read beyond the cache key
    /// (rustc's dep-info, build scripts' `rerun-if-*`). Nothing to do when this run gathered
    /// the build fact afresh: it proved its units, and the cache learned what it read. A
    /// build that fails is left to the test run, which reports the compiler's errors. `Err`:
    /// cargo could not be run, or would not rebuild a unit whose sources changed.
    pub(super) fn build_for_tests(&self, cargo: &Cargo) -> Result<BuiltForTests, String> {
        // The first command builds (the others wait); the later ones find it done, and get
        // what it read (the line saying what was rebuilt opens the first one's log only).
        let mut built_here = false;
        let built = self.tests_built.get_or_init(|| {
            built_here = true;
            // Emptied once, after the build and before any test runs.
            self.build_tests_once(cargo).map(|mut built| {
                let not_emptied = super::target_tmp::empty(
                    &self.build_dir,
                    &self.root,
                    self.top.as_deref().unwrap_or(&self.root),
                );
                built.rebuilt.push_str(&not_emptied.unwrap_or_default());
                built
            })
        });
        built.clone().map(|built| BuiltForTests {
            rebuilt: if built_here {
                built.rebuilt
            } else {
                String::new()
            },
            ..built
        })
    }

    fn build_tests_once(&self, cargo: &Cargo) -> Result<BuiltForTests, String> {
        if let Some((Ok(build), None)) = self.build.get() {
            let rebuilt = build
                .log
                .lines()
                .filter(|l| l.starts_with(super::built_from::SAID));
            return Ok(BuiltForTests {
                rebuilt: rebuilt.map(|line| format!("{line}\n")).collect(),
                ..BuiltForTests::default()
            });
        }
        let built = run_build(
            cargo,
            (&self.build_env, &self.build_dir),
            Scan::MessagesOnly,
        )?;
        // Stopped at the time limit: the tests would be too, with no better cause to give.
        if let Some(limit) = built.timed_out {
            return Err(Unavailable::TimedOut(limit).reason());
        }
        Ok(BuiltForTests {
            rebuilt: built.rebuilt,
            read: if built.output.code == Some(0) {
                built.read
            } else {
                crate::cache::discover::Read::default()
            },
        })
    }

    /// How the nvcc witness stands in front of this run's builds.
    pub fn witness(&self) -> &gate_witness::observe::Installed {
        &self.witness
    }

    /// The environment the build ran with (for the test run, so it compiles nothing).
    pub(super) fn build_env(&self) -> &[(String, String)] {
        &self.build_env
    }
}

/// Lists the files below the root: tracked ones in a git work tree, else a walk. The target
/// directory and `.git` never count; symlinks and submodules are no files of this tree.
type Listed = (
    IndexSource,
    Vec<PathBuf>,
    Option<String>,
    Vec<(PathBuf, &'static str)>,
    Vec<PathBuf>,
);

fn list_files(ws: &Workspace) -> Listed {
    let mut git_error = None;
    if ws.git.is_some() {
        match git_ls_files(&ws.root) {
            Ok(tracked) => {
                let mut files = Vec::new();
                let mut special = Vec::new();
                let mut links = Vec::new();
                // A tracked file is the repository's wherever it lies, under the target
                // directory too (a force-added `target/notes.txt` is published with the rest:
                // Orolol/speedoza tracks eleven there); only what git does not track there is
                // the build's.
                for path in tracked.into_iter().map(|rel| ws.root.join(rel)) {
                    match std::fs::symlink_metadata(&path) {
                        Ok(meta) if meta.is_file() => files.push(path),
                        Ok(meta) if meta.is_symlink() => links.push(path),
                        Ok(meta) => {
                            if let Some(kind) = special_kind(&meta.file_type()) {
                                special.push((path, kind));
                            }
                        }
                        Err(_) => {}
                    }
                }
                files.sort();
                special.sort();
                links.sort();
                return (IndexSource::Git, files, None, special, links);
            }
            Err(e) => git_error = Some(e),
        }
    }
    let target = ws.target_dir.clone();
    let walker = ignore::WalkBuilder::new(&ws.root)
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && (entry.file_name() == ".git" || entry.path().starts_with(&target)))
        })
        .build();
    let (mut files, mut links) = (Vec::new(), Vec::new());
    for entry in walker.filter_map(Result::ok) {
        match entry.file_type() {
            Some(t) if t.is_file() => files.push(entry.into_path()),
            Some(t) if t.is_symlink() => links.push(entry.into_path()),
            _ => {}
        }
    }
    files.sort();
    links.sort();
    (IndexSource::Walk, files, git_error, Vec::new(), links)
}

/// What a path that is neither a file, a directory nor a symlink is (`None` for those).
fn special_kind(kind: &std::fs::FileType) -> Option<&'static str> {
    if kind.is_file() || kind.is_dir() || kind.is_symlink() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("FIFO");
        }
        if kind.is_socket() {
            return Some("socket");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("device");
        }
    }
    Some("special file")
}

/// `git ls-files -z --cached` in `root`: the tracked paths under it, relative to it.
pub fn git_ls_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut cmd = Command::new("git");
    cmd.args(["ls-files", "-z", "--cached"]).current_dir(root);
    let output =
        crate::tools::process::output(cmd).map_err(|e| format!("could not run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`git ls-files` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(path_from_bytes)
        .collect())
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

pub use gate_support::path::normalize;

/// The first GPU build call of a build script, with its line ([`crate::cuda::scripts`]:
/// from the token stream, so a comment, a message or reading `$NVCC` is no call).
pub fn detect_builder(build_rs: &str) -> Option<(KernelBuilder, usize)> {
    use crate::cuda::scripts::{self, RustFile};
    let file = RustFile {
        rel: "build.rs",
        text: build_rs,
    };
    let found = scripts::analyse(&file, &scripts::helpers(&[]));
    found
        .calls
        .first()
        .map(|call| (call.kind, call.line as usize))
}

/// One `cargo tree` of the run, shared: the first check to ask runs it, the others wait for
/// its answer (two checks asking at once never start two).
pub(super) type ShippedTree = std::sync::Arc<OnceLock<(Result<String, String>, Option<Reuse>)>>;

/// One feature set CI builds with, beyond the default features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureSet {
    /// The set as CI selects it, in `cargo tree`'s words (`--workspace --all-features`,
    /// `-p app --features tls`).
    pub args: Vec<String>,
    /// Its features, each qualified by the package CI selected (`app/tls`; as written when
    /// CI selects no package); empty for `--all-features`.
    pub features: Vec<String>,
    /// Where CI asks for it first (`.github/workflows/ci.yml:12`).
    pub site: String,
}

impl FeatureSet {
    /// The set as the report shows it: its arguments.
    pub fn shown(&self) -> String {
        self.args.join(" ")
    }
}

/// The feature sets CI builds the workspace with, and the CI calls whose features the gate
/// cannot add (named, for a note); read in the same walk of CI, where CI takes the toolchain
/// pin away.
#[derive(Debug, Clone, Default)]
pub struct CiFeatures {
    pub sets: Vec<FeatureSet>,
    pub unknown: Vec<String>,
    /// Each command that removes the toolchain pin (`rm rust-toolchain.toml`): where it is
    /// written, and the command as written.
    pub unpinned: Vec<(gate_ci::Site, String)>,
    /// Each test command of CI (`cargo test`, `cargo nextest run`) that asks for other
    /// features than the members' defaults, as written, with where: the gate's test run
    /// uses the defaults, so what only those features build is not tested by it.
    pub tested_with: Vec<(gate_ci::Site, String)>,
}

impl CiFeatures {
    /// The one selection whose graph holds every set's and the members' default features
    /// (features only add): `--workspace --all-features` when a set has every feature on,
    /// else `--workspace --features` with every set's features; empty when CI builds with
    /// the default features only.
    pub fn select(&self) -> Vec<String> {
        if self.sets.is_empty() {
            return Vec::new();
        }
        let mut select = vec!["--workspace".to_owned()];
        if self.sets.iter().any(|set| set.features.is_empty()) {
            select.push("--all-features".to_owned());
            return select;
        }
        let mut features: Vec<&str> = self
            .sets
            .iter()
            .flat_map(|set| set.features.iter().map(String::as_str))
            .collect();
        features.sort_unstable();
        features.dedup();
        select.extend(["--features".to_owned(), features.join(",")]);
        select
    }
}

pub use super::ran::{RawOutput, Resolve};
pub use crate::tools::cargo::package_name;

pub use super::build_errors::build_errors;
#[cfg(test)]
pub(crate) use super::build_errors::is_compiler_diagnostic;
