//! The cache as one run uses it (`Session`): facts looked up, proven, confirmed or gathered
//! and stored, each one's use recorded for `evidence.json`, the store kept within its bound.

use super::model::*;
use super::store::{self, Lookup, Store};
use super::tree::Tree;
use crate::report::Reuse;
use crate::workspace::Workspace;
use serde::{Serialize, de::DeserializeOwned};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// The cache as one run uses it.
#[derive(Debug)]
pub struct Session {
    pub(super) settings: Option<Settings>,
    pub(super) root: PathBuf,
    pub(super) git: bool,
    pub(super) exclude: Vec<PathBuf>,
    /// Shared with the thread that digests it ahead ([`Session::digest_tree_ahead`]).
    pub(super) tree: Arc<OnceLock<Result<Tree, String>>>,
    /// The manifests of the tree alone, for a run that keys nothing by the rest (a static
    /// one: [`Session::digest_manifests_ahead`]), shared with the thread that digests them.
    pub(super) manifests: Arc<OnceLock<Result<Tree, String>>>,
    /// Whether the manifests alone were asked for ([`Session::digest_manifests_ahead`]).
    pub(super) manifests_only: std::sync::atomic::AtomicBool,
    /// The workspace root's path inside its git repository (`rust/`; empty at the top, and
    /// without git), asked once ([`super::tree::above_root`]).
    pub(super) prefix: Arc<OnceLock<String>>,
    pub(super) tool: OnceLock<String>,
    pub(super) used: Mutex<Vec<Used>>,
    pub(super) notes: Mutex<Vec<String>>,
    /// The record's runs and their evidence, read once, for proving reuse (shared with the
    /// thread that reads them ahead: [`Session::read_records_ahead`]).
    pub(super) records: Arc<OnceLock<Result<Vec<RunEvidence>, String>>>,
    /// What the facts gathered or reused so far were found to read (the build's dep-info):
    /// every later fact built on them (the test run) carries it too.
    pub(super) read: Mutex<BTreeMap<String, String>>,
    /// The store's size as this run knows it: walked once, at the first store, then counted
    /// up by what each store writes, exact again after each prune (a walk per store cost
    /// a pass over every blob per fact).
    pub(super) size: Mutex<Option<u64>>,
}

/// Key components as `(name, value)` pairs: values, or digests where a caller says so.
pub type Components<'a> = &'a [(&'a str, String)];

impl Session {
    /// No cache: every fact is gathered, nothing stored (unit tests, `Facts` built by hand).
    pub fn disabled() -> Session {
        Session {
            settings: None,
            root: PathBuf::new(),
            git: false,
            exclude: Vec::new(),
            tree: Arc::default(),
            manifests: Arc::default(),
            manifests_only: std::sync::atomic::AtomicBool::new(false),
            prefix: Arc::default(),
            tool: OnceLock::new(),
            used: Mutex::new(Vec::new()),
            notes: Mutex::new(Vec::new()),
            read: Mutex::new(BTreeMap::new()),
            records: Arc::default(),
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
            tree: Arc::default(),
            manifests: Arc::default(),
            manifests_only: std::sync::atomic::AtomicBool::new(false),
            // The root's place in the repository, where git was asked it with the top.
            prefix: Arc::new(
                ws.git
                    .as_ref()
                    .and_then(|git| git.prefix.clone())
                    .filter(|(asked, _)| *asked == ws.root)
                    .map(|(_, prefix)| OnceLock::from(prefix))
                    .unwrap_or_default(),
            ),
            tool: OnceLock::new(),
            used: Mutex::new(Vec::new()),
            notes: Mutex::new(notes),
            read: Mutex::new(BTreeMap::new()),
            records: Arc::default(),
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
        self.find_earlier(&store, fact, &inputs, &mut pending);
        if may_read
            && pending.why.is_none()
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

    /// The entry `store` holds for `inputs`, into `pending.earlier` when it is proven and
    /// what it read is unchanged; else why not, into `pending` (a forged or corrupt entry is
    /// removed and the run's notes say so).
    fn find_earlier(&self, store: &Store, fact: Fact, inputs: &Inputs, pending: &mut Pending) {
        let shown = format!(
            "the cached {} fact (inputs sha256:{})",
            fact.name(),
            inputs.digest
        );
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
                    None => {
                        pending.why = ran_elsewhere(fact, &loaded.entry, &inputs.vars);
                        pending.earlier = Some((loaded, proof));
                    }
                },
            },
            Lookup::Miss => {}
            Lookup::Corrupt(reason) => {
                self.note(format!("{shown} {reason}: removed and gathered afresh"));
                pending.told = true;
                pending.why = Some(format!("the cached entry {reason}"));
            }
        }
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
        let ambient = ambient_now(&inputs.vars);
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
            .get_or_init(|| read_records(settings.recorded, &settings.out))
            .as_deref()
            .map_err(|why| format!("but this output directory's record cannot be read: {why}"))
    }

    /// Starts reading the record's runs (`Session::records`) in a thread of its own, for a
    /// run whose facts will prove or remember by it: every run of the chain is read and
    /// checked (its manifest, its `evidence.json`), which grows with the history and sat on
    /// the first lookup's path, before the build. A thread that cannot start leaves the
    /// reading to its first use.
    pub fn read_records_ahead(&self) {
        let Some(settings) = &self.settings else {
            return;
        };
        if self.records.get().is_some() {
            return;
        }
        let (records, recorded, out) = (
            Arc::clone(&self.records),
            settings.recorded,
            settings.out.clone(),
        );
        let _ = std::thread::Builder::new()
            .name("gate-records".to_owned())
            .spawn(move || {
                records.get_or_init(|| read_records(recorded, &out));
            });
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

    /// Why there was no entry for `inputs`: the components (and variables) that differ from
    /// the most recently used entry of the fact that an earlier run stored (one this run
    /// stored for other inputs, such as another feature selection of the graph, is no
    /// "change since" anything).
    fn missed(&self, store: &Store, inputs: &Inputs) -> String {
        let this_run = self.settings.as_ref().map(|s| s.run_id.as_str());
        // Many entries of one fact in a run (test binaries) are told apart by their id.
        let same_subject = |entry: &store::Entry| {
            entry.components.get("id") == inputs.components.get("id")
                && Some(entry.run_id.as_str()) != this_run
        };
        let Some(latest) = store.latest(inputs.fact.name(), same_subject) else {
            return NOTHING_CACHED.to_owned();
        };
        let mut changed: Vec<String> = Vec::new();
        let names: std::collections::BTreeSet<&String> = inputs
            .components
            .keys()
            .chain(latest.components.keys())
            .collect();
        let differ: Vec<&String> = names
            .into_iter()
            .filter(|name| inputs.components.get(*name) != latest.components.get(*name))
            .collect();
        for name in differ.iter().copied() {
            // The manifests' words name cargo's configuration and Cargo.lock already.
            let said = ["cargo-config", "lockfile"].contains(&name.as_str())
                && differ.iter().any(|d| *d == "manifests");
            if said {
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
}

/// Why a fact was gathered when the cache never held it (said in the record, not on stderr).
const NOTHING_CACHED: &str = "nothing cached for it yet";

/// The names of the variables set now that the key does not cover ([`ambient_names`]).
fn ambient_now(keyed: &BTreeMap<String, String>) -> Vec<String> {
    ambient_names(
        keyed,
        std::env::vars_os().filter_map(|(name, _)| name.into_string().ok()),
    )
}

/// Why a test run's `entry` is not reused though its inputs are the same: a variable outside
/// the key was set when it ran and is not now, or the reverse (`RUN_SLOW=1`, `FORCE_OK=1`:
/// a test reading one passed with it, and its pass replayed without it, READY where `cargo
/// test` fails; the thirty-fifth session's trial). Names only: a value that differs is seen
/// only where `[cache] env` keys it. Facts that run no code of the workspace's at run time
/// (the resolve, the build, whose scripts cargo reruns by `rerun-if-env-changed`) are reused
/// whatever the names.
fn ran_elsewhere(
    fact: Fact,
    entry: &store::Entry,
    keyed: &BTreeMap<String, String>,
) -> Option<String> {
    if !matches!(fact, Fact::Tests | Fact::TestBinary) {
        return None;
    }
    let now = ambient_now(keyed);
    let differ = set_in_one(&entry.ambient, &now);
    let (then_only, now_only): (Vec<&String>, Vec<&String>) =
        differ.iter().partition(|name| entry.ambient.contains(name));
    let list = |names: &[&String]| {
        (names.iter())
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let run = &entry.run_id;
    let said = match (then_only.is_empty(), now_only.is_empty()) {
        (true, true) => return None,
        (false, true) => format!(
            "{} set when run {run} ran them and not now",
            list(&then_only)
        ),
        (true, false) => format!(
            "{} set now and not when run {run} ran them",
            list(&now_only)
        ),
        (false, false) => format!(
            "{} set when run {run} ran them and not now, {} set now and not then",
            list(&then_only),
            list(&now_only)
        ),
    };
    Some(format!(
        "{said} (a variable outside the key: `[cache] env` in gate.toml keys its value)"
    ))
}

/// A key component in words, for "… changed since run R".
fn component_words(name: &str) -> &str {
    match name {
        "tool" => "cargo-gate's own build",
        "toolchain" => "the toolchain",
        "flags" => "--offline",
        "lockfile" => "Cargo.lock",
        "cargo-config" => "cargo's configuration",
        "manifests" => "a manifest, Cargo.lock, a toolchain file or cargo's configuration",
        "tree" => "the working tree",
        "files" => "a [cache] files input",
        "config" => "[tests] timeout",
        "runner" => "the test runner",
        other => other,
    }
}

/// Every run of the record under `out` with the facts its `evidence.json` lists, through
/// `recorded` (`record::recorded_evidence`).
fn read_records(
    recorded: fn(&std::path::Path) -> Result<Vec<super::model::RecordedRun>, String>,
    out: &std::path::Path,
) -> Result<Vec<RunEvidence>, String> {
    recorded(out).map(|runs| {
        runs.into_iter()
            .map(|(id, bytes)| (id, serde_json::from_slice(&bytes).unwrap_or_default()))
            .collect()
    })
}
