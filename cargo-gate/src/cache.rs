//! The evidence cache (docs/CACHE.md): the expensive facts of a run — the resolve, the
//! build with its kernel manifests, the test run with its log and what the tests left in the
//! run directory — stored under `<out>/cache/` by the digest of everything that can change
//! them, and reused when nothing did.
//!
//! What a fact's key covers (each a component of [`Inputs`], each with its own digest):
//!
//! | component   | what                                                      | resolve | build | tests |
//! |-------------|-----------------------------------------------------------|---------|-------|-------|
//! | `tool`      | cargo-gate's version and its executable (release: its SHA-256) | ✓       | ✓     | ✓     |
//! | `toolchain` | `rustc -vV`, `cargo -V`, nvcc, the CUDA driver            | ✓       | ✓     | ✓     |
//! | `env`       | the variables that reach the build ([`ENV_PREFIXES`], [`ENV_NAMES`], `[cache] env`) | ✓ | ✓ | ✓ |
//! | `flags`     | `--offline`                                               | ✓       | ✓     | ✓     |
//! | `lockfile`  | Cargo.lock (tracked or not)                               | ✓       | ✓     | ✓     |
//! | `cargo-config` | `.cargo/config{,.toml}` above the root and in `CARGO_HOME` | ✓    | ✓     | ✓     |
//! | `manifests` | every Cargo.toml, `.cargo/config*` and toolchain file of the tree | ✓ | | |
//!
//! The `graph` fact (`cargo tree` of the shipped graph) has the resolve's components, the
//! graph's target triples and, when CI builds feature sets, the selection of their union.
//! | `tree`      | every file git tracks or would track (untracked, not ignored), by content, symlink target and executable bit | | ✓ | ✓ |
//! | `config`    | the effective configuration that reaches it (`[tests] timeout`) | | ✓ | ✓ |
//! | `runner`    | `cargo test` or `cargo nextest`                           |         |       | ✓     |
//!
//! Judgement is never cached: every check judges the facts afresh with the run's own
//! configuration, so a changed waiver, profile or threshold takes effect at once. A reused
//! fact is named in the report (`reused from run <id>, inputs <digest>`) and written into
//! the record (`evidence.json` lists every fact's inputs and origin; reused logs are the
//! record's artifacts, hashed like any other). A failure is reused as a failure; a pass over
//! inputs that failed before carries that failure with it ([`Obtained::failed_before`]).
//! Facts the environment kept from being gathered (no cargo, no network, a time limit, an
//! interrupt) are never stored.

use crate::report::Reuse;
use crate::workspace::Workspace;
use gate_support::digest::{KeyHasher, sha256_hex};
use serde::{Serialize, de::DeserializeOwned};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

pub mod discover;
pub(crate) mod stamps;
pub mod store;
#[cfg(test)]
mod tests;

pub use store::{Lookup, Store};

/// The variables (by prefix) whose values reach the key: cargo's and rustc's configuration,
/// the CUDA toolkit's, the compilers' of `cc`-style build scripts, and the gate's own.
pub const ENV_PREFIXES: &[&str] = &[
    "CARGO_",
    "RUST",
    "CUDA",
    "NVCC",
    "NVIDIA_",
    "GATE_",
    "CC_",
    "CXX_",
    "CFLAGS_",
    "CXXFLAGS_",
    "AR_",
];

/// The variables (by name) whose values reach the key.
pub const ENV_NAMES: &[&str] = &[
    "PATH",
    "LD_LIBRARY_PATH",
    "DYLD_LIBRARY_PATH",
    "LIBRARY_PATH",
    "CPATH",
    "PKG_CONFIG_PATH",
    "CC",
    "CXX",
    "AR",
    "LD",
    "CFLAGS",
    "CXXFLAGS",
    "CPPFLAGS",
    "LDFLAGS",
    "SDKROOT",
    "MACOSX_DEPLOYMENT_TARGET",
    "SOURCE_DATE_EPOCH",
];

/// Variables the gate itself sets for the build and the tests, fresh in every run, and the
/// cache's own key: not inputs (what the tests leave in the run directory is kept with the
/// fact instead; the key never reaches a digest, a record or a child process).
const ENV_OWN: &[&str] = &["GATE_RUN_DIR", KEY_ENV];

/// The variable that holds the key authenticating cache entries (an HMAC secret CI keeps),
/// for a cache restored from storage whose record did not travel with it. Defined beside
/// the cargo runner, which keeps it from every child process.
pub use crate::cargo::CACHE_KEY_ENV as KEY_ENV;

/// A cached fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fact {
    /// `cargo metadata --locked`.
    Resolve,
    /// `cargo tree` of the shipped graph: what cargo's resolver builds for the graph's
    /// targets with the members' default features, dev-dependencies left out.
    Graph,
    /// `cargo test --no-run --locked --workspace` and the kernel manifests it wrote.
    Build,
    /// The test run: its output and what it left in the run directory.
    Tests,
    /// One test binary's run inside the test run (`facts/test_run/binaries.rs`): keyed by
    /// the binary's digest and what it reads at run time instead of the whole tree.
    TestBinary,
    /// The GPU code in one of the build's artifacts (`facts/artifacts.rs`): keyed by the
    /// artifact's path and stamp (length, inode, device, change time: `cache/stamps.rs`) and
    /// the tool that read it.
    BuiltGpu,
}

impl Fact {
    /// Its name in the cache, the report and the record.
    pub fn name(self) -> &'static str {
        match self {
            Fact::Resolve => "resolve",
            Fact::Graph => "graph",
            Fact::Build => "build",
            Fact::Tests => "tests",
            Fact::TestBinary => "test-binary",
            Fact::BuiltGpu => "built-gpu",
        }
    }

    /// The components of its key: those every fact has, then its own (the test run is
    /// built from the build's inputs; its runner is a component `tests.pass` adds).
    fn components(self) -> impl Iterator<Item = &'static str> {
        const COMMON: [&str; 6] = [
            "tool",
            "toolchain",
            "env",
            "flags",
            "lockfile",
            "cargo-config",
        ];
        let own: &[&str] = match self {
            Fact::Resolve | Fact::Graph => &["manifests"],
            Fact::Build | Fact::Tests => &["tree", "files", "config"],
            // Not the tree, not Cargo.lock: the binary's own digest and the files it reads
            // (its package and its dependencies in the workspace) come as extra components.
            Fact::TestBinary => &["files", "config"],
            // The artifact's stamp comes as an extra component.
            Fact::BuiltGpu => &[],
        };
        // A dependency's version reaches a test binary through its digest: the lockfile is
        // no input of its own there (a bump re-runs exactly the binaries that link it).
        // What an artifact carries is its bytes' (keyed by its stamp) read by this tool:
        // nothing else is an input.
        COMMON
            .iter()
            .filter(move |c| !(self == Fact::TestBinary && **c == "lockfile"))
            .filter(move |c| self != Fact::BuiltGpu || **c == "tool")
            .chain(own)
            .copied()
    }
}

/// A fact's key: each component's digest, and the digest over all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    /// The fact.
    pub fact: Fact,
    /// Component name → digest (hex).
    pub components: BTreeMap<String, String>,
    /// The `env` component's variables, each as the digest of its value.
    pub vars: BTreeMap<String, String>,
    /// The key (hex).
    pub digest: String,
    /// What the fact is about when a fact has many entries in one run (a test binary's id):
    /// named in the record, not part of the key.
    pub subject: Option<String>,
}

impl Inputs {
    fn new(
        fact: Fact,
        components: BTreeMap<String, String>,
        vars: BTreeMap<String, String>,
    ) -> Inputs {
        let mut key = KeyHasher::default();
        key.part("fact", fact.name().as_bytes());
        for (name, digest) in &components {
            key.part(name, digest.as_bytes());
        }
        Inputs {
            fact,
            components,
            vars,
            digest: key.finish(),
            subject: None,
        }
    }
}

/// What a run gives the cache to work with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The output directory (the cache is its `cache/`).
    pub out: PathBuf,
    /// Whether cached facts may be read (`--no-cache`: no; fresh facts are still stored).
    pub read: bool,
    /// Whether the test run must be fresh (`broad`, unless `[cache] broad = true`).
    pub fresh_tests: bool,
    /// The size bound.
    pub max_size: u64,
    /// The run gathering facts.
    pub run_id: String,
    /// `[cache] env`.
    pub extra_env: Vec<String>,
    /// `[cache] files`.
    pub files: Vec<String>,
    /// `[cache] reads`: by test binary id, what it reads outside its packages.
    pub reads: BTreeMap<String, Vec<String>>,
    /// The key that authenticates entries (`CARGO_GATE_CACHE_KEY`), when set.
    pub key: Option<String>,
    /// The redaction the record applies (the cache stores nothing it would not).
    pub redact: fn(&[u8]) -> Option<Vec<u8>>,
    /// The `evidence.json` of every run of the record under `out` whose line is bound to its
    /// manifest, by run id, in history order (`record::recorded_evidence`): what proves a
    /// reuse, and what remembers a failure the cache may have lost.
    pub recorded: fn(&Path) -> Result<Vec<RecordedRun>, String>,
    /// The environment of the run (`std::env::vars()`); the key takes the variables that
    /// reach the build from it.
    pub env: Vec<(String, String)>,
    /// `--offline`.
    pub offline: bool,
    /// `[tests] timeout`, in seconds.
    pub tests_timeout_secs: u64,
    /// The toolchain actually running, as the environment recorded it.
    pub toolchain: String,
}

/// One run of the record and the bytes of its `evidence.json`.
pub type RecordedRun = (String, Vec<u8>);

/// One run of the record and the facts its `evidence.json` lists.
type RunEvidence = (String, Vec<Used>);

/// What a gathered fact carries to the cache.
#[derive(Debug)]
pub struct Fresh<T> {
    /// The fact.
    pub value: T,
    /// Files that belong to it (path inside the run directory, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// Whether to keep it, and how it was judged.
    pub keep: Keep,
    /// What gathering it found it read beyond the key (see [`discover`]).
    pub read: discover::Read,
}

impl<T> Fresh<T> {
    /// A fact with no files of its own.
    pub fn of(value: T, keep: Keep) -> Fresh<T> {
        Fresh {
            value,
            files: Vec::new(),
            keep,
            read: discover::Read::default(),
        }
    }

    /// As a check gets it when nothing came from the cache.
    fn gathered(self, failed_before: Option<String>, suspects: Vec<String>) -> Obtained<T> {
        Obtained {
            value: self.value,
            reused: None,
            files: self.files,
            failed_before,
            suspects,
        }
    }
}

/// Whether a gathered fact is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Evidence about the workspace that passed.
    Passed,
    /// Evidence about the workspace that failed (a failing test, a failed build).
    Failed,
    /// Not evidence about the workspace: the environment's fault, a time limit, an interrupt.
    Not,
}

/// A fact as a check gets it.
#[derive(Debug)]
pub struct Obtained<T> {
    /// The fact.
    pub value: T,
    /// Set when it came from the cache.
    pub reused: Option<Reuse>,
    /// Its files.
    pub files: Vec<(String, Vec<u8>)>,
    /// A run in which the same inputs failed, when this fact passed (flaky).
    pub failed_before: Option<String>,
    /// With `failed_before`: the environment variables, outside the key, that were set in one
    /// of the two runs and not in the other (names only, never values).
    pub suspects: Vec<String>,
}

/// A fact looked up and not reused ([`Session::lookup`]): what storing it once gathered needs.
#[derive(Debug)]
pub struct Pending {
    /// Its key (`None`: the cache is off, or the inputs could not be read: nothing is stored).
    inputs: Option<Inputs>,
    /// The proven entry for the same inputs, when there is one (a hit, or the entry a fresh
    /// run replaces: its failure makes a pass flaky).
    earlier: Option<(Box<store::Loaded>, &'static str)>,
    why: Option<String>,
    /// Whether the run's notes already said why.
    told: bool,
    /// Whether an input the key cannot see changed since the entry was stored.
    changed_unseen: bool,
    may_read: bool,
    /// Set by [`Session::unmoved`] once the fact was gathered: the tree was proven unmoved
    /// after it, so [`Session::complete`] need not list it again.
    proven_unmoved: std::sync::atomic::AtomicBool,
}

impl Pending {
    /// A fact that is not cached: gathered, never stored.
    pub(crate) fn uncached() -> Pending {
        Pending {
            inputs: None,
            earlier: None,
            why: None,
            told: false,
            changed_unseen: false,
            may_read: false,
            proven_unmoved: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Why the fact is gathered afresh (`None` when the cache is off).
    pub fn why(&self) -> Option<&str> {
        self.why.as_deref()
    }

    /// The key's digest (`sha256:…`), when there is a key.
    pub fn inputs(&self) -> Option<String> {
        self.inputs.as_ref().map(|i| format!("sha256:{}", i.digest))
    }
}

/// A proven cache entry for a fact's inputs ([`Session::lookup`]), not yet taken: take it with
/// [`Session::confirm`], or gather the fact after all (`Hit::pending`, then
/// [`Session::complete`]) when what it describes turns out not to be what runs.
#[derive(Debug)]
pub struct Hit<T> {
    /// The stored fact.
    pub value: T,
    /// Where it came from.
    pub reused: Reuse,
    pending: Pending,
}

impl<T> Hit<T> {
    /// The files stored with it.
    pub fn files(&self) -> &[(String, Vec<u8>)] {
        self.pending
            .earlier
            .as_ref()
            .map_or(&[], |(loaded, _)| loaded.files.as_slice())
    }

    /// Not taken after all: gathered afresh, with this reason.
    pub fn pending(self, why: String) -> Pending {
        Pending {
            why: Some(why),
            ..self.pending
        }
    }
}

/// Variables whose presence says nothing about a build or a test: the shell's own.
const AMBIENT_NOISE: &[&str] = &["_", "OLDPWD", "PWD", "SHLVL", "COLUMNS", "LINES", "TERM"];

/// Of the environment's variable `names`, those the key does not cover (`keyed`), sorted:
/// what an entry keeps so that a later flaky verdict can name what differed. Names only, never
/// values (a value may be a secret); the shell's and the gate's own variables are left out.
pub(crate) fn ambient_names(
    keyed: &BTreeMap<String, String>,
    names: impl Iterator<Item = String>,
) -> Vec<String> {
    let mut names: Vec<String> = names
        .filter(|name| {
            !keyed.contains_key(name)
                && !AMBIENT_NOISE.contains(&name.as_str())
                && !name.starts_with("CARGO_GATE_")
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The names in exactly one of two sorted lists.
fn set_in_one(a: &[String], b: &[String]) -> Vec<String> {
    let mut out: Vec<String> = a
        .iter()
        .filter(|n| !b.contains(n))
        .chain(b.iter().filter(|n| !a.contains(n)))
        .cloned()
        .collect();
    out.sort();
    out
}

/// One fact of the run as `evidence.json` lists it. A later run reuses a stored fact only
/// when the record of the run that stored it lists it here, with the same entry digest.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct Used {
    fact: String,
    /// What the fact is about, when one run has many of it (a test binary's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    inputs: String,
    components: BTreeMap<String, String>,
    /// The run that gathered it (this run when fresh).
    gathered_by: String,
    reused: bool,
    stored: bool,
    /// The digest of the cache entry stored or reused (`sha256:…`).
    #[serde(default)]
    entry: Option<String>,
    /// How a reuse was proven: `record` (the storing run's record lists the entry) or `key`
    /// (its MAC holds under `CARGO_GATE_CACHE_KEY`).
    #[serde(default)]
    proof: Option<String>,
    /// Why it was gathered afresh, when it was.
    #[serde(default)]
    why: Option<String>,
    /// Whether the fact, judged, was a failure (a failing test run, a failed build).
    #[serde(default)]
    failed: Option<bool>,
}

/// The cache as one run uses it.
#[derive(Debug)]
pub struct Session {
    settings: Option<Settings>,
    root: PathBuf,
    git: bool,
    exclude: Vec<PathBuf>,
    tree: OnceLock<Result<Tree, String>>,
    tool: OnceLock<String>,
    used: Mutex<Vec<Used>>,
    notes: Mutex<Vec<String>>,
    /// The record's runs and their evidence, read once, for proving reuse.
    records: OnceLock<Result<Vec<RunEvidence>, String>>,
    /// What the facts gathered or reused so far were found to read (the build's dep-info):
    /// every later fact built on them (the test run) carries it too.
    read: Mutex<BTreeMap<String, String>>,
    /// The store's size as this run knows it: walked once, at the first store, then counted
    /// up by what each store writes, exact again after each prune (a walk per store cost
    /// a pass over every blob per fact).
    size: Mutex<Option<u64>>,
}

/// Key components as `(name, value)` pairs: values, or digests where a caller says so.
pub type Components<'a> = &'a [(&'a str, String)];

/// The digests of the working tree.
#[derive(Debug, Clone)]
struct Tree {
    all: String,
    manifests: String,
    /// Every file the tree digest covers (absolute), so discovered inputs skip them.
    files: std::collections::HashSet<PathBuf>,
    /// Each file of the tree (relative, `/`-separated) and its digest, in path order: what
    /// a test binary's key takes the files it reads from.
    entries: Vec<(String, String)>,
    /// The files' stamps, taken just before their digests: a later check that nothing moved
    /// reads them instead of every file (`cache/stamps.rs`).
    stamped: stamps::Stamped,
}

impl Session {
    /// No cache: every fact is gathered, nothing stored (unit tests, `Facts` built by hand).
    pub fn disabled() -> Session {
        Session {
            settings: None,
            root: PathBuf::new(),
            git: false,
            exclude: Vec::new(),
            tree: OnceLock::new(),
            tool: OnceLock::new(),
            used: Mutex::new(Vec::new()),
            notes: Mutex::new(Vec::new()),
            read: Mutex::new(BTreeMap::new()),
            records: OnceLock::new(),
            size: Mutex::new(None),
        }
    }

    /// The cache of a run over `ws`.
    pub fn new(ws: &Workspace, settings: Settings) -> Session {
        // `--out gate-out` is relative to where the gate was started; the tree's paths are
        // absolute. A record inside the tree (and not ignored) is never an input.
        let out = std::path::absolute(&settings.out)
            .map(|p| gate_support::path::normalize(&p))
            .unwrap_or_else(|_| settings.out.clone());
        // A target or output directory that holds the whole workspace (`target-dir = "."`)
        // would leave nothing of the tree to key by: no cache then, and the run says so.
        let holds_root = [&ws.target_dir, &out]
            .iter()
            .find(|dir| ws.root.starts_with(dir))
            .map(|dir| dir.display().to_string());
        let notes = holds_root
            .iter()
            .map(|dir| {
                format!(
                    "the evidence cache is off: {dir} (the target or output directory) holds the \
                     workspace root, so the working tree cannot be told from the build's outputs"
                )
            })
            .collect();
        Session {
            exclude: vec![ws.target_dir.clone(), out],
            settings: if holds_root.is_some() {
                None
            } else {
                Some(settings)
            },
            root: ws.root.clone(),
            git: ws.git.is_some(),
            tree: OnceLock::new(),
            tool: OnceLock::new(),
            used: Mutex::new(Vec::new()),
            notes: Mutex::new(notes),
            read: Mutex::new(BTreeMap::new()),
            records: OnceLock::new(),
            size: Mutex::new(None),
        }
    }

    /// What happened that the user should know (a corrupt entry recomputed, a store that
    /// failed), one sentence each.
    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// Adds a sentence to the run's notes.
    pub fn note(&self, text: String) {
        if let Ok(mut notes) = self.notes.lock() {
            notes.push(text);
        }
    }

    /// `evidence.json`: every cached fact of the run, its inputs and where it came from.
    pub fn evidence_json(&self) -> Option<String> {
        let used = self.used.lock().ok()?;
        if used.is_empty() {
            return None;
        }
        let mut used = used.clone();
        let rank = |fact: &str| {
            [
                Fact::Resolve,
                Fact::Graph,
                Fact::Build,
                Fact::Tests,
                Fact::TestBinary,
                Fact::BuiltGpu,
            ]
            .map(Fact::name)
            .iter()
            .position(|f| *f == fact)
        };
        used.sort_by_key(|u| rank(&u.fact));
        Some(gate_support::json::pretty_string(&*used).expect("evidence serialises"))
    }

    /// The fact, from the cache when its inputs are unchanged (and `valid` accepts it),
    /// else from `gather`, stored for the next run. `extra` adds fact-specific components.
    ///
    /// A stored entry is reused only when it is proven (`Session::proof`: the record of the
    /// run that stored it lists it, or its MAC holds under the key) and every input its
    /// gathering discovered still has the digest it had. Anything else is gathered afresh,
    /// and the run says why.
    pub fn obtain<T: Serialize + DeserializeOwned>(
        &self,
        fact: Fact,
        extra: &[(&str, String)],
        valid: impl Fn(&T) -> bool,
        gather: impl FnOnce() -> Fresh<T>,
    ) -> Obtained<T> {
        match self.lookup(fact, None, extra, valid) {
            Ok(hit) => self.confirm(hit),
            Err(pending) => self.complete(*pending, gather()),
        }
    }

    /// The first half of [`Session::obtain`], for facts gathered together after all of them
    /// were looked up (the test binaries of one `cargo test`): the proven entry for these
    /// inputs, or what [`Session::complete`] needs to store the fact once it is gathered.
    /// Nothing is recorded until one of the two is called.
    pub fn lookup<T: DeserializeOwned>(
        &self,
        fact: Fact,
        subject: Option<&str>,
        extra: &[(&str, String)],
        valid: impl Fn(&T) -> bool,
    ) -> Result<Hit<T>, Box<Pending>> {
        self.lookup_keyed(fact, subject, (extra, &[]), valid)
    }

    /// [`Session::lookup`] with some components given as their digests (`digested`: as
    /// [`Session::latest_components`] read them) rather than their values.
    pub fn lookup_keyed<T: DeserializeOwned>(
        &self,
        fact: Fact,
        subject: Option<&str>,
        (extra, digested): (Components<'_>, Components<'_>),
        valid: impl Fn(&T) -> bool,
    ) -> Result<Hit<T>, Box<Pending>> {
        let Some(settings) = &self.settings else {
            return Err(Box::new(Pending::uncached()));
        };
        let inputs = match self.inputs_digested(fact, extra, digested) {
            Ok(inputs) => Inputs {
                subject: subject.map(str::to_owned),
                ..inputs
            },
            Err(why) => {
                self.note(format!(
                    "the {} fact was not cached: its inputs could not be read ({why})",
                    fact.name()
                ));
                return Err(Box::new(Pending::uncached()));
            }
        };
        let store = Store::new(&settings.out);
        let fresh_tests = matches!(fact, Fact::Tests | Fact::TestBinary) && settings.fresh_tests;
        let may_read = settings.read && !fresh_tests;
        let shown = format!(
            "the cached {} fact (inputs sha256:{})",
            fact.name(),
            inputs.digest
        );
        // The earlier entry for these inputs, when it is proven and what it read is unchanged
        // (a forged one is removed; one whose discovered inputs changed is replaced below).
        let mut pending = Pending {
            inputs: None,
            earlier: None,
            why: None,
            told: false,
            changed_unseen: false,
            may_read,
            proven_unmoved: std::sync::atomic::AtomicBool::new(false),
        };
        match store.load(fact.name(), &inputs.digest) {
            Lookup::Hit(loaded) => match self.proof(fact, &loaded.entry) {
                Err(refusal) => {
                    store.remove(fact.name(), &inputs.digest);
                    self.note(format!(
                        "{shown} {refusal}: refused, removed and gathered afresh"
                    ));
                    pending.told = true;
                    pending.why = Some(format!("the cached entry was refused: it {refusal}"));
                }
                Ok(proof) => match self.changed_since(&loaded.entry.discovered) {
                    Some(changed) => {
                        pending.changed_unseen = true;
                        pending.why = Some(format!("{changed} since run {}", loaded.entry.run_id));
                    }
                    None => pending.earlier = Some((loaded, proof)),
                },
            },
            Lookup::Miss => {}
            Lookup::Corrupt(reason) => {
                self.note(format!("{shown} {reason}: removed and gathered afresh"));
                pending.told = true;
                pending.why = Some(format!("the cached entry {reason}"));
            }
        }
        if may_read
            && let Some((loaded, _)) = &pending.earlier
            && let Ok(value) = serde_json::from_slice::<T>(&loaded.value)
            && valid(&value)
        {
            let reused = Reuse {
                fact: fact.name().to_owned(),
                run_id: loaded.entry.run_id.clone(),
                inputs: format!("sha256:{}", inputs.digest),
            };
            pending.inputs = Some(inputs);
            return Ok(Hit {
                value,
                reused,
                pending,
            });
        }
        pending.why = Some(match (&pending.why, may_read, &pending.earlier) {
            (Some(why), ..) => why.clone(),
            (None, false, _) => "fresh evidence was asked for".to_owned(),
            (None, true, Some(_)) => "the check found the cached fact stale".to_owned(),
            (None, true, None) => self.missed(&store, &inputs),
        });
        pending.inputs = Some(inputs);
        Err(Box::new(pending))
    }

    /// Takes a [`Hit`]: the reuse is recorded (`evidence.json`) and the fact handed over.
    pub fn confirm<T>(&self, hit: Hit<T>) -> Obtained<T> {
        let Hit {
            value,
            reused,
            pending,
        } = hit;
        let (Some(inputs), Some((loaded, proof))) = (&pending.inputs, pending.earlier) else {
            unreachable!("a hit has its inputs and its entry");
        };
        self.learn(&loaded.entry.discovered);
        self.record(Used {
            gathered_by: loaded.entry.run_id.clone(),
            reused: true,
            entry: Some(format!("sha256:{}", loaded.entry.digest)),
            proof: Some(proof.to_owned()),
            failed: Some(loaded.entry.failed),
            ..self.used(inputs)
        });
        Obtained {
            value,
            reused: Some(reused),
            files: loaded.files,
            failed_before: loaded.entry.failed_before,
            suspects: loaded.entry.suspects,
        }
    }

    /// The second half of [`Session::obtain`]: the fact gathered for a [`Pending`] lookup,
    /// stored for the next run and recorded, with a failure on the same inputs carried.
    pub fn complete<T: Serialize + DeserializeOwned>(
        &self,
        pending: Pending,
        fresh: Fresh<T>,
    ) -> Obtained<T> {
        let (Some(settings), Some(inputs)) = (&self.settings, &pending.inputs) else {
            return fresh.gathered(None, Vec::new());
        };
        let fact = inputs.fact;
        let why = pending.why.clone().unwrap_or_default();
        // A refused or corrupt entry was told above, with what was done about it; a first
        // run has nothing to compare with; one of many entries of a fact (a test binary) has
        // its reason in its own listing.
        if pending.may_read && !pending.told && why != NOTHING_CACHED && inputs.subject.is_none() {
            self.note(format!("{} gathered afresh: {why}", fact.name()));
        }
        let store = Store::new(&settings.out);
        self.learn(&self.discovered(&fresh.read));
        // A pass over inputs that failed before keeps that failure on record, with the
        // variables outside the key that were set in one run and not the other.
        let ambient = ambient_names(
            &inputs.vars,
            std::env::vars_os().filter_map(|(name, _)| name.into_string().ok()),
        );
        let (failed_before, suspects) = match (&pending.earlier, fresh.keep) {
            (Some((e, _)), Keep::Passed) if e.entry.failed => (
                Some(e.entry.run_id.clone()),
                set_in_one(&e.entry.ambient, &ambient),
            ),
            (Some((e, _)), Keep::Passed) => {
                (e.entry.failed_before.clone(), e.entry.suspects.clone())
            }
            // No entry (deleted, evicted, refused): the record still remembers a failure on
            // the same inputs, unless an input the key cannot see changed.
            (None, Keep::Passed) if !pending.changed_unseen => {
                (self.failed_in_record(inputs), Vec::new())
            }
            _ => (None, Vec::new()),
        };
        let mut entry = None;
        // What was gathered is stored under the key taken before it ran: only when the tree
        // is still what the key says (an edit during a long test run would otherwise file
        // one content's result under another's key).
        let proven = pending
            .proven_unmoved
            .load(std::sync::atomic::Ordering::Relaxed);
        let moved = fresh.keep != Keep::Not && !proven && self.tree_moved(inputs);
        if moved {
            self.note(format!(
                "the {} fact was not cached: the working tree changed while it was gathered",
                fact.name()
            ));
        }
        if fresh.keep != Keep::Not && !moved {
            let stored = self.store(
                &store,
                inputs,
                &fresh,
                (failed_before.clone(), &ambient, &suspects),
            );
            if let Some((_, written)) = &stored {
                self.count_stored(&store, settings.max_size, *written);
            }
            entry = stored.map(|(digest, _)| digest);
        }
        self.record(Used {
            failed: Some(fresh.keep == Keep::Failed),
            stored: entry.is_some(),
            entry: entry.map(|digest| format!("sha256:{digest}")),
            why: Some(why),
            ..self.used(inputs)
        });
        fresh.gathered(failed_before, suspects)
    }

    /// Counts `written` bytes stored and brings the store within `max_size` when the count
    /// passes it ("Bounded", docs/CACHE.md): the first store of the run walks the store, the
    /// rest add what they wrote (blobs already there counted again: the count errs high, and
    /// a prune makes it exact).
    fn count_stored(&self, store: &Store, max_size: u64, written: u64) {
        let Ok(mut known) = self.size.lock() else {
            return;
        };
        let mut size = match *known {
            Some(size) => size.saturating_add(written),
            None => store.size(),
        };
        if size > max_size {
            size = store.prune(max_size, false).left;
        }
        *known = Some(size);
    }

    /// Stores a gathered fact, its value and files redacted exactly as the record is (a
    /// token a test printed never rests in the cache); returns the entry's digest and the
    /// bytes written for it (its blobs and its entry file).
    fn store<T: Serialize + DeserializeOwned>(
        &self,
        store: &Store,
        inputs: &Inputs,
        fresh: &Fresh<T>,
        (failed_before, ambient, suspects): (Option<String>, &[String], &[String]),
    ) -> Option<(String, u64)> {
        let settings = self.settings.as_ref()?;
        let plain = serde_json::to_vec(&fresh.value).expect("fact serialises");
        let value = match (settings.redact)(&plain) {
            // Redaction replaces text inside JSON strings; a value that no longer reads back
            // is not stored rather than stored unredacted.
            Some(redacted) if serde_json::from_slice::<T>(&redacted).is_err() => {
                self.note(format!(
                    "the {} fact was not cached: it holds a secret that cannot be redacted in place",
                    inputs.fact.name()
                ));
                return None;
            }
            Some(redacted) => redacted,
            None => plain,
        };
        let files: Vec<(String, Vec<u8>)> = fresh
            .files
            .iter()
            .map(|(path, bytes)| {
                let redacted = (settings.redact)(bytes);
                (path.clone(), redacted.unwrap_or_else(|| bytes.clone()))
            })
            .collect();
        let discovered = self.read.lock().map(|r| r.clone()).unwrap_or_default();
        let saved = store.save(&store::NewEntry {
            fact: inputs.fact.name(),
            inputs: &inputs.digest,
            components: &inputs.components,
            vars: &inputs.vars,
            discovered: &discovered,
            key: settings.key.as_deref().map(str::as_bytes),
            run_id: &settings.run_id,
            failed: fresh.keep == Keep::Failed,
            failed_before,
            ambient,
            suspects,
            value: &value,
            files: &files,
        });
        match saved {
            Ok(saved) => Some((saved.entry.digest, saved.written)),
            Err(e) => {
                self.note(format!(
                    "the {} fact could not be cached in {}: {e}",
                    inputs.fact.name(),
                    store.dir().display()
                ));
                None
            }
        }
    }

    /// How a stored entry is proven, or why it is refused. With `CARGO_GATE_CACHE_KEY` set,
    /// an entry whose MAC holds is proven by the key. Otherwise (and for an entry without a
    /// MAC) the run it names must be in this output directory's record, its line bound to
    /// its manifest and chain, and the `evidence.json` that manifest hashes must list this
    /// fact as stored by that run with this entry's digest: an entry copied from another
    /// commit, re-pointed at other inputs, or re-sealed after an edit is refused.
    fn proof(&self, fact: Fact, entry: &store::Entry) -> Result<&'static str, String> {
        let settings = self.settings.as_ref().ok_or("the cache is off")?;
        let run = &entry.run_id;
        let inputs = format!("sha256:{}", entry.inputs);
        let digest = format!("sha256:{}", entry.digest);
        let same = |u: &Used| u.fact == fact.name() && u.inputs == inputs && u.stored && !u.reused;
        let records = self.records();
        // Whatever proves it, a result the record shows was replaced since is not brought
        // back: a later run that stored another result for the same inputs (a failing run
        // after a pass, say) wins over an older entry put back in the cache.
        if let Ok(records) = records {
            let after = records
                .iter()
                .position(|(id, _)| id == run)
                .map_or(records.len(), |i| i + 1);
            if let Some((later, _)) = records[after..].iter().rev().find(|(_, listed)| {
                listed
                    .iter()
                    .any(|u| same(u) && u.entry.as_deref() != Some(digest.as_str()))
            }) {
                return Err(format!(
                    "names run {run}, but run {later} stored another result for the same inputs \
                     since"
                ));
            }
        }
        if let Some(key) = &settings.key
            && entry.mac_holds(key.as_bytes())
        {
            return Ok("key");
        }
        let hint = if settings.key.is_some() {
            " (and its MAC does not hold under CARGO_GATE_CACHE_KEY)"
        } else {
            " (a cache restored without its record needs CARGO_GATE_CACHE_KEY)"
        };
        let records = records.map_err(|why| format!("names run {run}, {why}{hint}"))?;
        let Some((_, listed)) = records.iter().find(|(id, _)| id == run) else {
            return Err(format!(
                "names run {run}, which is not in this output directory's record{hint}"
            ));
        };
        let recorded = listed.iter().any(|u| {
            same(u) && &u.gathered_by == run && u.entry.as_deref() == Some(digest.as_str())
        });
        if recorded {
            Ok("record")
        } else {
            Err(format!(
                "names run {run}, whose record lists no such entry (copied from another \
                 run, re-pointed at other inputs, or edited and re-sealed)"
            ))
        }
    }

    /// Every run of this output directory's record whose line is bound to its manifest, in
    /// history order, with the facts its `evidence.json` lists: read once per run.
    fn records(&self) -> Result<&[RunEvidence], String> {
        let settings = self.settings.as_ref().ok_or("the cache is off")?;
        self.records
            .get_or_init(|| {
                (settings.recorded)(&settings.out).map(|runs| {
                    runs.into_iter()
                        .map(|(id, bytes)| (id, serde_json::from_slice(&bytes).unwrap_or_default()))
                        .collect()
                })
            })
            .as_deref()
            .map_err(|why| format!("but this output directory's record cannot be read: {why}"))
    }

    /// The last run of the record that stored a failure for `inputs` of `fact`: a pass over
    /// the same inputs is then flaky, even when the cache lost (or was made to lose) the
    /// entry that remembered it.
    fn failed_in_record(&self, inputs: &Inputs) -> Option<String> {
        let digest = format!("sha256:{}", inputs.digest);
        self.records().ok()?.iter().rev().find_map(|(id, listed)| {
            listed
                .iter()
                .any(|u| {
                    u.fact == inputs.fact.name() && u.inputs == digest && u.failed == Some(true)
                })
                .then(|| id.clone())
        })
    }

    /// What of `discovered` has another digest now, in words (`None`: nothing).
    fn changed_since(&self, discovered: &BTreeMap<String, String>) -> Option<String> {
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

    /// Why there was no entry for `inputs`: the components (and variables) that differ from
    /// the most recently used entry of the fact.
    fn missed(&self, store: &Store, inputs: &Inputs) -> String {
        // Many entries of one fact in a run (test binaries) are told apart by their id.
        let same_subject =
            |entry: &store::Entry| entry.components.get("id") == inputs.components.get("id");
        let Some(latest) = store.latest(inputs.fact.name(), same_subject) else {
            return NOTHING_CACHED.to_owned();
        };
        let mut changed: Vec<String> = Vec::new();
        let names: std::collections::BTreeSet<&String> = inputs
            .components
            .keys()
            .chain(latest.components.keys())
            .collect();
        for name in names {
            if inputs.components.get(name) == latest.components.get(name) {
                continue;
            }
            if name == "env" {
                let vars: Vec<&str> = inputs
                    .vars
                    .keys()
                    .chain(latest.vars.keys())
                    .filter(|v| inputs.vars.get(*v) != latest.vars.get(*v))
                    .map(String::as_str)
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                changed.push(format!("env ({})", vars.join(", ")));
            } else {
                changed.push(component_words(name).to_owned());
            }
        }
        if changed.is_empty() {
            return "nothing cached for these inputs".to_owned();
        }
        format!("{} changed since run {}", changed.join(", "), latest.run_id)
    }

    /// The digests of what a gathering read beyond the key, files the tree digest already
    /// covers left out.
    fn discovered(&self, read: &discover::Read) -> BTreeMap<String, String> {
        let Some(settings) = &self.settings else {
            return BTreeMap::new();
        };
        let tree = self.tree().ok();
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
    fn tree_moved(&self, inputs: &Inputs) -> bool {
        let now = |name: &str| match name {
            // This run's tree, proven unchanged by its files' stamps, or the same listing
            // hashed again.
            "tree" => {
                let rels = tree_files(&self.root, self.git, &self.exclude).ok()?;
                match self.tree.get() {
                    Some(Ok(tree))
                        if inputs.components.get("tree") == Some(&tree.all)
                            && tree_still(&self.root, tree, &rels) =>
                    {
                        Some(tree.all.clone())
                    }
                    _ => Some(digests_of(&self.root, rels).all),
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
    fn learn(&self, discovered: &BTreeMap<String, String>) {
        if let Ok(mut read) = self.read.lock() {
            read.extend(discovered.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }

    /// The evidence line of `inputs`, gathered by this run, to be completed by the caller.
    fn used(&self, inputs: &Inputs) -> Used {
        Used {
            fact: inputs.fact.name().to_owned(),
            subject: inputs.subject.clone(),
            inputs: format!("sha256:{}", inputs.digest),
            components: inputs.components.clone(),
            gathered_by: self
                .settings
                .as_ref()
                .map(|s| s.run_id.clone())
                .unwrap_or_default(),
            reused: false,
            stored: false,
            entry: None,
            proof: None,
            why: None,
            failed: None,
        }
    }

    fn record(&self, used: Used) {
        if let Ok(mut all) = self.used.lock() {
            all.push(used);
        }
    }

    /// The key of `fact` in this run.
    pub fn inputs(&self, fact: Fact, extra: &[(&str, String)]) -> Result<Inputs, String> {
        self.inputs_digested(fact, extra, &[])
    }

    /// [`Session::inputs`] with the components of `digested` given as digests.
    fn inputs_digested(
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
                "manifests" => self.tree()?.manifests.clone(),
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

    fn tool(&self, out: &Path) -> String {
        self.tool
            .get_or_init(|| sha256_hex(tool_identity(&out.join("cache")).as_bytes()))
            .clone()
    }

    fn tree(&self) -> Result<&Tree, String> {
        self.tree
            .get_or_init(|| tree_digests(&self.root, self.git, &self.exclude))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Why a fact was gathered when the cache never held it (said in the record, not on stderr).
const NOTHING_CACHED: &str = "nothing cached for it yet";

/// A key component in words, for "… changed since run R".
fn component_words(name: &str) -> &str {
    match name {
        "tool" => "cargo-gate's own build",
        "toolchain" => "the toolchain",
        "flags" => "--offline",
        "lockfile" => "Cargo.lock",
        "cargo-config" => "cargo's configuration",
        "manifests" => "a manifest",
        "tree" => "the working tree",
        "files" => "a [cache] files input",
        "config" => "[tests] timeout",
        "runner" => "the test runner",
        other => other,
    }
}

/// cargo-gate's own identity: its version and its executable. A release build is known by
/// the SHA-256 of its bytes, so a reinstall of the same binary (a CI job that installs it
/// afresh) keeps its cache while any other build does not; the digest is remembered in
/// `cache/tool.json` by the executable's path, size and modification time, so it is taken
/// once per install. A debug build (a developer's, the tests') is known by its size and
/// modification time: it is rebuilt, never reinstalled, and hashing 90 MB each run would cost
/// more than the cache saves.
fn tool_identity(cache_dir: &Path) -> String {
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

fn file_digest(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => sha256_hex(&bytes),
        Err(_) => "absent".to_owned(),
    }
}

/// cargo's configuration wherever cargo reads it: `.cargo/config{,.toml}` in the root and
/// every directory above it (the root's own whether git tracks or ignores it), and in
/// `CARGO_HOME` (or `~/.cargo`).
fn cargo_config_digest(root: &Path) -> String {
    let mut key = KeyHasher::default();
    for path in crate::cargo::config_files(root) {
        if let Ok(bytes) = std::fs::read(&path) {
            key.part(&path.to_string_lossy(), &bytes);
        }
    }
    key.finish()
}

/// Whether a file of the tree reaches the resolve as well as the build.
fn is_manifest(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "Cargo.toml"
        || name == "Cargo.lock"
        || name == "rust-toolchain"
        || name == "rust-toolchain.toml"
        || rel.contains(".cargo/config")
}

/// The digests of every file git tracks or would track (a `.gitignore`-aware walk without
/// git), by content (a symlink by its target) and executable bit.
/// Whether the tree listed now as `rels` is provably the one `tree` was taken of, from the
/// listing and its files' stamps alone (`cache/stamps.rs`); `false`: not proven, hash it again.
fn tree_still(root: &Path, tree: &Tree, rels: &[String]) -> bool {
    let same_list = rels.len() == tree.entries.len()
        && rels
            .iter()
            .zip(&tree.entries)
            .all(|(now, (then, _))| now == then);
    let paths: Vec<PathBuf> = rels.iter().map(|r| root.join(r)).collect();
    let borrowed: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    same_list && tree.stamped.still(&borrowed)
}

/// The tree's files, relative and sorted: what git tracks or would track (untracked, not
/// ignored), or every file under the root without git; the target and output directories
/// are left out of what git does not track (the gate's own record, the build's outputs); a
/// tracked file is always an input, wherever a configured target dir points.
fn tree_files(root: &Path, git: bool, exclude: &[PathBuf]) -> Result<Vec<String>, String> {
    let outside = |rel: &String| {
        let path = root.join(rel);
        !exclude.iter().any(|x| path.starts_with(x))
    };
    let mut rels = if git {
        // Two process starts, asked at once.
        let (tracked, untracked) = std::thread::scope(|scope| {
            let untracked =
                scope.spawn(|| git_list(root, &["ls-files", "-z", "-o", "--exclude-standard"]));
            let tracked = git_list(root, &["ls-files", "-z", "-c", "--recurse-submodules"]);
            let untracked = untracked
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (tracked, untracked)
        });
        let mut rels = tracked?;
        let mut untracked = untracked?;
        untracked.retain(outside);
        rels.extend(untracked);
        rels
    } else {
        let mut rels = walk(root, exclude);
        rels.retain(outside);
        rels
    };
    rels.sort();
    rels.dedup();
    Ok(rels)
}

fn tree_digests(root: &Path, git: bool, exclude: &[PathBuf]) -> Result<Tree, String> {
    Ok(digests_of(root, tree_files(root, git, exclude)?))
}

/// The tree of `rels` (a [`tree_files`] listing) under `root`: stamped, then digested.
fn digests_of(root: &Path, rels: Vec<String>) -> Tree {
    let paths: Vec<PathBuf> = rels.iter().map(|r| root.join(r)).collect();
    let borrowed: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let stamped = stamps::Stamped::take(&borrowed);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let digests = crate::parallel::map_files(&borrowed, threads, 8 << 20, |path, buf| {
        file_entry(path, buf)
    });
    let mut all = KeyHasher::default();
    let mut manifests = KeyHasher::default();
    for (rel, digest) in rels.iter().zip(&digests) {
        all.part(rel, digest.as_bytes());
        if is_manifest(rel) {
            manifests.part(rel, digest.as_bytes());
        }
    }
    let entries = rels.iter().cloned().zip(digests).collect();
    // A symlink is covered by its target's path, not its content: not listed as covered, so
    // a build that reads through it hashes what it reads.
    let files = paths
        .into_iter()
        .filter(|p| !std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
        .collect();
    Tree {
        all: all.finish(),
        manifests: manifests.finish(),
        files,
        entries,
        stamped,
    }
}

/// One file's digest: `x` or `-` (executable), then the content's SHA-256; a symlink is its
/// target; a file that is gone (deleted but still tracked) or not a file says so.
fn file_entry(path: &Path, buf: &mut Vec<u8>) -> String {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return "absent".to_owned();
    };
    if meta.file_type().is_symlink() {
        return std::fs::read_link(path).map_or_else(
            |_| "link?".to_owned(),
            |t| format!("link:{}", t.to_string_lossy()),
        );
    }
    if !meta.is_file() {
        return "not-a-file".to_owned();
    }
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 != 0 {
            "x"
        } else {
            "-"
        }
    };
    #[cfg(not(unix))]
    let mode = "-";
    // Streamed through the thread's buffer: a 1 GB file costs the buffer, not a gigabyte.
    buf.resize(1 << 20, 0);
    // A sparse file (an untracked 2 GB `truncate`d file) costs its data, not its length.
    match gate_support::digest::sha256_file_sparse(path, buf.as_mut_slice()) {
        Ok(digest) => format!("{mode}{digest}"),
        Err(e) => format!("unreadable:{}", e.kind()),
    }
}

fn git_list(root: &Path, args: &[&str]) -> Result<Vec<String>, String> {
    let mut cmd = std::process::Command::new("git");
    cmd.args(args).current_dir(root);
    let output = crate::process::output(cmd).map_err(|e| format!("could not run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect())
}

fn walk(root: &Path, exclude: &[PathBuf]) -> Vec<String> {
    let exclude = exclude.to_vec();
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .filter_entry(move |e| {
            e.file_name() != ".git" && !exclude.iter().any(|x| e.path().starts_with(x))
        })
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| !t.is_dir()))
        .filter_map(|e| {
            e.path()
                .strip_prefix(root)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}
