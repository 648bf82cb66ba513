//! The cache's vocabulary: the facts it keeps, a key's inputs, the settings of a session,
//! a fact as gathered (`Fresh`) and as obtained (`Obtained`, `Hit`, `Pending`), and what
//! `evidence.json` lists of each (`Used`).

use super::{discover, store};
use crate::report::Reuse;
use gate_support::digest::KeyHasher;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
pub(super) const ENV_OWN: &[&str] = &["GATE_RUN_DIR", KEY_ENV];

/// The variable that holds the key authenticating cache entries (an HMAC secret CI keeps),
/// for a cache restored from storage whose record did not travel with it. Defined beside
/// the cargo runner, which keeps it from every child process.
pub use crate::tools::cargo::CACHE_KEY_ENV as KEY_ENV;

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
    pub(super) fn components(self) -> impl Iterator<Item = &'static str> {
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
    pub(super) fn new(
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
pub(super) type RunEvidence = (String, Vec<Used>);

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
    pub(super) fn gathered(
        self,
        failed_before: Option<String>,
        suspects: Vec<String>,
    ) -> Obtained<T> {
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

/// A fact looked up and not reused ([`Session::lookup`](super::Session::lookup)): what storing it once gathered needs.
#[derive(Debug)]
pub struct Pending {
    /// Its key (`None`: the cache is off, or the inputs could not be read: nothing is stored).
    pub(super) inputs: Option<Inputs>,
    /// The proven entry for the same inputs, when there is one (a hit, or the entry a fresh
    /// run replaces: its failure makes a pass flaky).
    pub(super) earlier: Option<(Box<store::Loaded>, &'static str)>,
    pub(super) why: Option<String>,
    /// Whether the run's notes already said why.
    pub(super) told: bool,
    /// Whether an input the key cannot see changed since the entry was stored.
    pub(super) changed_unseen: bool,
    pub(super) may_read: bool,
    /// Set by [`Session::unmoved`] once the fact was gathered: the tree was proven unmoved
    /// after it, so [`Session::complete`](super::Session::complete) need not list it again.
    pub(super) proven_unmoved: std::sync::atomic::AtomicBool,
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

/// A proven cache entry for a fact's inputs ([`Session::lookup`](super::Session::lookup)), not yet taken: take it with
/// [`Session::confirm`](super::Session::confirm), or gather the fact after all (`Hit::pending`, then
/// [`Session::complete`](super::Session::complete)) when what it describes turns out not to be what runs.
#[derive(Debug)]
pub struct Hit<T> {
    /// The stored fact.
    pub value: T,
    /// Where it came from.
    pub reused: Reuse,
    pub(super) pending: Pending,
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
pub(super) const AMBIENT_NOISE: &[&str] =
    &["_", "OLDPWD", "PWD", "SHLVL", "COLUMNS", "LINES", "TERM"];

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
pub(super) fn set_in_one(a: &[String], b: &[String]) -> Vec<String> {
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
pub(super) struct Used {
    pub(super) fact: String,
    /// What the fact is about, when one run has many of it (a test binary's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) subject: Option<String>,
    pub(super) inputs: String,
    pub(super) components: BTreeMap<String, String>,
    /// The run that gathered it (this run when fresh).
    pub(super) gathered_by: String,
    pub(super) reused: bool,
    pub(super) stored: bool,
    /// The digest of the cache entry stored or reused (`sha256:…`).
    #[serde(default)]
    pub(super) entry: Option<String>,
    /// How a reuse was proven: `record` (the storing run's record lists the entry) or `key`
    /// (its MAC holds under `CARGO_GATE_CACHE_KEY`).
    #[serde(default)]
    pub(super) proof: Option<String>,
    /// Why it was gathered afresh, when it was.
    #[serde(default)]
    pub(super) why: Option<String>,
    /// Whether the fact, judged, was a failure (a failing test run, a failed build).
    #[serde(default)]
    pub(super) failed: Option<bool>,
}
