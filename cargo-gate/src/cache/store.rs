//! The cache on disk, `<out>/cache/`: content-addressed blobs and one small entry per fact
//! and inputs digest.
//!
//! ```text
//! cache/CACHEDIR.TAG
//! cache/blobs/ab/ab12…          bytes, named by their SHA-256
//! cache/entries/tests/9f3c….json  one entry: the inputs, the run, the blobs it needs
//! ```
//!
//! Every file is written atomically (a temporary file renamed into place), blobs before the
//! entry that names them, so a reader sees a whole entry or none. Nothing read is trusted: an
//! entry carries the digest of its own text and each blob is re-hashed against its name, so
//! a corrupted entry is found, removed and gathered afresh — never used. Concurrent runs may
//! write the same entry; the last rename wins and both are whole. `prune` removes only blobs
//! no entry names that are older than a minute, so it never takes a blob from under a run
//! that is writing its entry (and if it did, that entry would read as missing: gathered
//! afresh, never wrong).

use gate_support::atomic;
use gate_support::digest::sha256_hex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The entry format's version: entries of another version are not read (gathered afresh).
const ENTRY_SCHEMA: u32 = 4;

/// Unreferenced blobs younger than this are left to the run that is writing them.
const BLOB_GRACE: Duration = Duration::from_secs(60);

/// One cached fact as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The entry format's version (entries of another version are gathered afresh).
    pub schema: u32,
    /// The fact's name.
    pub fact: String,
    /// The inputs digest (hex): the entry's name.
    pub inputs: String,
    /// Each input component's digest, so a reader (and the record) can say what it covered.
    pub components: BTreeMap<String, String>,
    /// Each variable of the `env` component by name, as the digest of its value (never the
    /// value), so a later miss can say which variable changed.
    pub vars: BTreeMap<String, String>,
    /// What gathering the fact found it read beyond its key (rustc's dep-info, build
    /// scripts' `rerun-if-*`): `file:PATH` and `env:NAME`, each with the digest it had.
    /// Re-checked before every reuse.
    pub discovered: BTreeMap<String, String>,
    /// The run that gathered it.
    pub run_id: String,
    /// When it was stored (seconds since the epoch).
    pub created: u64,
    /// Whether the fact, judged, was a failure (a failing test run, a failed build).
    pub failed: bool,
    /// A run that gathered the same inputs and failed, when this one passed: the same inputs
    /// both ways (a flaky test), kept so reuse never hides it.
    pub failed_before: Option<String>,
    /// The names (never the values) of the environment variables that were set when it was
    /// gathered and are not part of its key: what a later flaky verdict compares.
    pub ambient: Vec<String>,
    /// With `failed_before`: the variables set in one of the two runs and not in the other,
    /// the undeclared inputs most likely to explain the different outcome.
    pub suspects: Vec<String>,
    /// The blob holding the fact's value (JSON).
    pub value: String,
    /// Files that belong to the fact (what the tests left in the run directory): path inside
    /// the run directory and blob.
    pub files: Vec<(String, String)>,
    /// SHA-256 of this entry's JSON with this field and `mac` empty.
    pub digest: String,
    /// HMAC-SHA256 of `digest` under the key in `CARGO_GATE_CACHE_KEY`, when the run that
    /// stored it had one: what authenticates an entry whose run's record is not here.
    pub mac: Option<String>,
}

impl Entry {
    pub(super) fn sealed(mut self) -> Entry {
        self.digest = String::new();
        self.mac = None;
        let text = serde_json::to_vec(&self).expect("entry serialises");
        self.digest = sha256_hex(&text);
        self
    }

    fn seal_holds(&self) -> bool {
        self.clone().sealed().digest == self.digest
    }

    /// Whether `mac` is this entry's under `key`. The seal is only a checksum (anyone can
    /// recompute it); the MAC needs the key.
    pub fn mac_holds(&self, key: &[u8]) -> bool {
        self.mac.as_deref().is_some_and(|mac| {
            gate_support::digest::same_digest(
                mac,
                &gate_support::digest::hmac_sha256_hex(key, self.digest.as_bytes()),
            )
        })
    }
}

/// A whole entry read back: the entry and the bytes of its blobs, every digest checked.
#[derive(Debug)]
pub struct Loaded {
    /// The entry.
    pub entry: Entry,
    /// The value's bytes.
    pub value: Vec<u8>,
    /// The files, with their bytes.
    pub files: Vec<(String, Vec<u8>)>,
}

/// What looking an entry up found.
#[derive(Debug)]
pub enum Lookup {
    /// A whole entry whose digests hold.
    Hit(Box<Loaded>),
    /// No entry for these inputs.
    Miss,
    /// An entry that does not hold (removed); the reason, for the run's notes.
    Corrupt(String),
}

/// What a fact being stored carries.
#[derive(Debug)]
pub struct NewEntry<'a> {
    /// Fact name.
    pub fact: &'a str,
    /// Inputs digest (hex).
    pub inputs: &'a str,
    /// Component digests.
    pub components: &'a BTreeMap<String, String>,
    /// See [`Entry::vars`].
    pub vars: &'a BTreeMap<String, String>,
    /// See [`Entry::discovered`].
    pub discovered: &'a BTreeMap<String, String>,
    /// The key that authenticates it (`CARGO_GATE_CACHE_KEY`), when set.
    pub key: Option<&'a [u8]>,
    /// The run storing it.
    pub run_id: &'a str,
    /// Judged a failure.
    pub failed: bool,
    /// See [`Entry::failed_before`].
    pub failed_before: Option<String>,
    /// See [`Entry::ambient`].
    pub ambient: &'a [String],
    /// See [`Entry::suspects`].
    pub suspects: &'a [String],
    /// The value.
    pub value: &'a [u8],
    /// The files.
    pub files: &'a [(String, Vec<u8>)],
}

/// `<out>/cache`.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// Sizes, for `cargo gate cache stats`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Entries per fact.
    pub facts: BTreeMap<String, usize>,
    /// Entries in all.
    pub entries: usize,
    /// Blobs in all.
    pub blobs: usize,
    /// Bytes on disk (entries and blobs).
    pub bytes: u64,
    /// Entries that do not read back whole (removed by `prune`).
    pub corrupt: usize,
}

/// What `prune` removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// Entries removed (over the bound, corrupt, or all).
    pub entries: usize,
    /// Blobs removed.
    pub blobs: usize,
    /// Bytes freed.
    pub bytes: u64,
    /// Bytes left.
    pub left: u64,
}

/// What [`Store::save`] wrote: the entry, and its bytes with its blobs' (a blob already
/// there counted again).
#[derive(Debug)]
pub struct Saved {
    pub entry: Entry,
    pub written: u64,
}

impl Store {
    /// The cache in `out` (created on the first write).
    pub fn new(out: &Path) -> Store {
        Store {
            dir: out.join("cache"),
        }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry_path(&self, fact: &str, inputs: &str) -> PathBuf {
        self.dir
            .join("entries")
            .join(fact)
            .join(format!("{inputs}.json"))
    }

    /// Where the blob named `digest` lives. Only a SHA-256 in lowercase hex is a blob name:
    /// anything else (an absolute path, `..`) read from an entry would point outside the
    /// cache, so it names no place (`None`).
    fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        is_digest(digest).then(|| self.dir.join("blobs").join(&digest[..2]).join(digest))
    }

    /// The entry for `fact` and `inputs`, every digest checked; a corrupt one is removed.
    pub fn load(&self, fact: &str, inputs: &str) -> Lookup {
        let path = self.entry_path(fact, inputs);
        let text = match read_regular(&path, MAX_ENTRY) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Lookup::Miss,
            Err(e) => return Lookup::Corrupt(format!("cannot be read: {e}")),
        };
        match self.check(&text, fact, inputs) {
            Ok(loaded) => {
                // Last use, for pruning the least recently used first.
                if let Ok(file) = fs::File::options().append(true).open(&path) {
                    let _ = file.set_modified(SystemTime::now());
                }
                Lookup::Hit(Box::new(loaded))
            }
            Err(why) => {
                let _ = fs::remove_file(&path);
                Lookup::Corrupt(why)
            }
        }
    }

    fn check(&self, text: &[u8], fact: &str, inputs: &str) -> Result<Loaded, String> {
        let entry: Entry =
            serde_json::from_slice(text).map_err(|e| format!("does not parse: {e}"))?;
        if entry.schema != ENTRY_SCHEMA {
            return Err(format!("has schema {} (not {ENTRY_SCHEMA})", entry.schema));
        }
        if !entry.seal_holds() {
            return Err("does not match its own digest".to_owned());
        }
        if entry.fact != fact || entry.inputs != inputs {
            return Err("is filed under another fact or inputs digest".to_owned());
        }
        let value = self.blob(&entry.value)?;
        let mut files = Vec::new();
        for (path, digest) in &entry.files {
            files.push((path.clone(), self.blob(digest)?));
        }
        Ok(Loaded {
            entry,
            value,
            files,
        })
    }

    fn blob(&self, digest: &str) -> Result<Vec<u8>, String> {
        let shown: String = digest.escape_debug().take(80).collect();
        let path = self
            .blob_path(digest)
            .ok_or_else(|| format!("names `{shown}`, which is not a blob name"))?;
        let bytes = read_regular(&path, MAX_BLOB)
            .map_err(|e| format!("names blob {digest}, which cannot be read: {e}"))?;
        if sha256_hex(&bytes) != digest {
            let _ = fs::remove_file(&path);
            return Err(format!("names blob {digest}, whose bytes do not match it"));
        }
        Ok(bytes)
    }

    fn put_blob(&self, bytes: &[u8]) -> io::Result<String> {
        let digest = sha256_hex(bytes);
        let path = self.blob_path(&digest).expect("a SHA-256 is a blob name");
        // An existing blob is only reused when it holds the bytes its name promises.
        if read_regular(&path, MAX_BLOB).is_ok_and(|old| old == bytes) {
            return Ok(digest);
        }
        // Not flushed to disk (nor is the entry): after a machine crash either may be empty,
        // and then fails its check and is gathered afresh. The record, flushed, proves reuse.
        atomic::write_unsynced(&path, bytes)?;
        Ok(digest)
    }

    /// Stores an entry: blobs first, then the entry naming them. Returns the entry and the
    /// bytes written for it.
    pub fn save(&self, new: &NewEntry<'_>) -> io::Result<Saved> {
        self.ensure_tagged()?;
        let value = self.put_blob(new.value)?;
        let mut files = Vec::new();
        for (path, bytes) in new.files {
            files.push((path.clone(), self.put_blob(bytes)?));
        }
        let entry = Entry {
            schema: ENTRY_SCHEMA,
            fact: new.fact.to_owned(),
            inputs: new.inputs.to_owned(),
            components: new.components.clone(),
            vars: new.vars.clone(),
            discovered: new.discovered.clone(),
            run_id: new.run_id.to_owned(),
            created: SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            failed: new.failed,
            failed_before: new.failed_before.clone(),
            ambient: new.ambient.to_vec(),
            suspects: new.suspects.to_vec(),
            value,
            files,
            digest: String::new(),
            mac: None,
        }
        .sealed();
        let entry = Entry {
            mac: new
                .key
                .map(|key| gate_support::digest::hmac_sha256_hex(key, entry.digest.as_bytes())),
            ..entry
        };
        let text = gate_support::json::pretty_bytes(&entry).expect("entry serialises");
        atomic::write_unsynced(&self.entry_path(new.fact, new.inputs), &text)?;
        Ok(Saved {
            entry,
            written: (new.value.len()
                + new.files.iter().map(|(_, b)| b.len()).sum::<usize>()
                + text.len()) as u64,
        })
    }

    /// Removes the entry for `fact` and `inputs` (one that was refused).
    pub fn remove(&self, fact: &str, inputs: &str) {
        let _ = fs::remove_file(self.entry_path(fact, inputs));
    }

    /// The most recently used whole entry of `fact` that `like` accepts (of the same test
    /// binary, say), to say what changed since.
    pub fn latest(&self, fact: &str, like: impl Fn(&Entry) -> bool) -> Option<Entry> {
        self.newest_first(fact).find(like)
    }

    /// The whole entries of `fact`, most recently used first, each read when it is reached.
    pub fn newest_first(&self, fact: &str) -> impl Iterator<Item = Entry> {
        let mut files = self.entry_files_of(Some(fact));
        files.sort_by_key(|(.., used)| std::cmp::Reverse(*used));
        files
            .into_iter()
            .filter_map(|(_, path, ..)| Store::read_entry(&path))
    }

    /// Marks the directory as a cache for backup tools (<https://bford.info/cachedir/>).
    fn ensure_tagged(&self) -> io::Result<()> {
        let tag = self.dir.join("CACHEDIR.TAG");
        if !tag.is_file() {
            atomic::write(
                &tag,
                b"Signature: 8a477f597d28d172789f06886806bc55\n\
                  # This is cargo-gate's evidence cache; `cargo gate cache prune --all` empties it.\n",
            )?;
        }
        Ok(())
    }

    /// Every entry file: fact, path, size, last use.
    fn entry_files(&self) -> Vec<(String, PathBuf, u64, SystemTime)> {
        self.entry_files_of(None)
    }

    /// The entry files of `only` (every fact's when `None`): fact, path, size, last use.
    fn entry_files_of(&self, only: Option<&str>) -> Vec<(String, PathBuf, u64, SystemTime)> {
        let mut found = Vec::new();
        let Ok(facts) = fs::read_dir(self.dir.join("entries")) else {
            return found;
        };
        for fact in facts.flatten() {
            // A link in the cache is never followed: prune must not reach outside it.
            if !fact.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let name = fact.file_name().to_string_lossy().into_owned();
            if only.is_some_and(|only| only != name) {
                continue;
            }
            let Ok(entries) = fs::read_dir(fact.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let Ok(meta) = entry.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                found.push((name.clone(), path, meta.len(), used));
            }
        }
        found
    }

    /// Every blob: digest, path, size, modification time.
    fn blob_files(&self) -> Vec<(String, PathBuf, u64, SystemTime)> {
        let mut found = Vec::new();
        let Ok(shards) = fs::read_dir(self.dir.join("blobs")) else {
            return found;
        };
        for shard in shards.flatten() {
            if !shard.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let Ok(blobs) = fs::read_dir(shard.path()) else {
                continue;
            };
            for blob in blobs.flatten() {
                let Ok(meta) = blob.metadata() else { continue };
                let name = blob.file_name().to_string_lossy().into_owned();
                // Only what a store writes there: blobs and their temporary files.
                let ours =
                    is_digest(&name) || (name.starts_with(".gate-") && name.ends_with(".tmp"));
                if !meta.is_file() || !ours {
                    continue;
                }
                let time = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                found.push((name, blob.path(), meta.len(), time));
            }
        }
        found
    }

    /// The entry at `path`, when it parses and its seal holds (blobs not read).
    fn read_entry(path: &Path) -> Option<Entry> {
        let entry: Entry = serde_json::from_slice(&read_regular(path, MAX_ENTRY).ok()?).ok()?;
        (entry.schema == ENTRY_SCHEMA && entry.seal_holds()).then_some(entry)
    }

    /// Sizes of what is stored.
    pub fn stats(&self) -> Stats {
        let mut stats = Stats::default();
        for (fact, path, len, _) in self.entry_files() {
            stats.bytes += len;
            if Store::read_entry(&path).is_some() {
                stats.entries += 1;
                *stats.facts.entry(fact).or_default() += 1;
            } else {
                stats.corrupt += 1;
            }
        }
        for (_, _, len, _) in self.blob_files() {
            stats.blobs += 1;
            stats.bytes += len;
        }
        stats
    }

    /// Brings the cache within `max_size` bytes: corrupt entries go, then the least recently
    /// used entries until the rest fits, then blobs no entry names (`all`: everything).
    pub fn prune(&self, max_size: u64, all: bool) -> Pruned {
        let mut pruned = Pruned::default();
        let mut entries: Vec<(PathBuf, u64, SystemTime, Option<Entry>)> = self
            .entry_files()
            .into_iter()
            .map(|(_, path, len, used)| {
                let entry = Store::read_entry(&path);
                (path, len, used, entry)
            })
            .collect();
        let blobs = self.blob_files();
        let blob_size: BTreeMap<&str, u64> = blobs
            .iter()
            .map(|(d, _, len, _)| (d.as_str(), *len))
            .collect();
        // What each entry costs: its own file and its blobs (shared blobs counted in each).
        let cost = |len: u64, entry: &Option<Entry>| {
            len + entry.as_ref().map_or(0, |e| {
                std::iter::once(&e.value)
                    .chain(e.files.iter().map(|(_, d)| d))
                    .filter_map(|d| blob_size.get(d.as_str()))
                    .sum::<u64>()
            })
        };
        entries.sort_by_key(|(_, _, used, _)| std::cmp::Reverse(*used));
        let mut kept_bytes = 0u64;
        let mut referenced: BTreeSet<String> = BTreeSet::new();
        for (path, len, _, entry) in entries {
            let size = cost(len, &entry);
            let keep = !all && entry.is_some() && kept_bytes + size <= max_size;
            if keep {
                kept_bytes += size;
                if let Some(e) = entry {
                    referenced.insert(e.value.clone());
                    referenced.extend(e.files.iter().map(|(_, d)| d.clone()));
                }
            } else if fs::remove_file(&path).is_ok() {
                pruned.entries += 1;
                pruned.bytes += len;
            }
        }
        let now = SystemTime::now();
        for (digest, path, len, time) in blobs {
            let young = now.duration_since(time).unwrap_or_default() < BLOB_GRACE;
            if referenced.contains(&digest) || (young && !all) {
                continue;
            }
            if fs::remove_file(&path).is_ok() {
                pruned.blobs += 1;
                pruned.bytes += len;
            }
        }
        // Temporary files a killed writer left (`.gate-*.tmp`, anywhere in the cache): an
        // atomic write renames its temporary file within moments, so one older than the
        // grace period is abandoned.
        for path in temporary_files(&self.dir) {
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let old = now
                .duration_since(meta.modified().unwrap_or(now))
                .unwrap_or_default()
                >= BLOB_GRACE;
            if (old || all) && fs::remove_file(&path).is_ok() {
                pruned.bytes += meta.len();
            }
        }
        pruned.left = self.stats().bytes;
        pruned
    }

    /// Bytes on disk, without reading any entry (the check after each store).
    pub fn size(&self) -> u64 {
        let entries: u64 = self.entry_files().iter().map(|e| e.2).sum();
        let blobs: u64 = self.blob_files().iter().map(|b| b.2).sum();
        entries + blobs
    }
}

/// Every `.gate-*.tmp` file in `dir` and its subdirectories (the cache is three levels deep).
fn temporary_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if kind.is_dir() {
                dirs.push(entry.path());
            } else if kind.is_file() && name.starts_with(".gate-") && name.ends_with(".tmp") {
                found.push(entry.path());
            }
        }
    }
    found
}

/// The largest entry read back (entries are small: names and digests).
const MAX_ENTRY: u64 = 16 << 20;

/// The largest blob read back (a test log is capped at 32 MiB; files the tests left add to
/// it).
const MAX_BLOB: u64 = 1 << 30;

/// Whether `name` is a SHA-256 in lowercase hex: a blob's name.
fn is_digest(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The bytes of `path` when it is a regular file (a link, a FIFO or a device is refused,
/// never opened) of at most `max` bytes.
fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = fs::symlink_metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file: refused, not read"));
    }
    if meta.len() > max {
        return Err(io::Error::other(format!(
            "{} bytes, more than the {max} a cache file may hold",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}
