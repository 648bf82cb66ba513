//! Tests of the evidence cache: every key component invalidates, reuse is named, a failure is
//! reused as a failure and a pass over failed inputs keeps the failure, a corrupt entry is
//! found and gathered afresh, and the size bound holds.

use super::store::{Lookup, NewEntry, Store};
use super::*;
use crate::workspace::Workspace;
use gate_support::digest::sha256_hex;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// A workspace with one member and a lockfile, and settings for a run over it.
fn workspace() -> (tempfile::TempDir, Workspace, Settings) {
    let dir = tempfile::tempdir().unwrap();
    crate::checks::testing::write_files(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
            ),
            ("Cargo.lock", "version = 4\n"),
            ("src/lib.rs", "pub fn f() {}\n"),
            ("README.md", "app\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &[]);
    let settings = Settings {
        out: dir.path().join("target/gate"),
        read: true,
        fresh_tests: false,
        max_size: 1 << 30,
        run_id: "r1".to_owned(),
        extra_env: Vec::new(),
        files: Vec::new(),
        reads: Default::default(),
        // The reuse logic is tested with entries authenticated by a key; reuse proven by
        // the record (no key) has tests of its own below.
        key: Some("test-key".to_owned()),
        redact: crate::secrets::redact_bytes,
        recorded: crate::record::recorded_evidence,
        env: vec![("PATH".to_owned(), "/usr/bin".to_owned())],
        offline: false,
        tests_timeout_secs: 1800,
        toolchain: "rustc release: 1.95.0\n".to_owned(),
    };
    (dir, ws, settings)
}

fn key(ws: &Workspace, settings: &Settings, fact: Fact) -> Inputs {
    Session::new(ws, settings.clone())
        .inputs(fact, &binary_of(ws, fact))
        .unwrap()
}

/// What a test binary's key adds to the common components, modelled here: the binary is
/// built from `src/lib.rs`, so its digest changes when that file does (the whole run's key
/// sees the file through the tree instead).
fn binary_of(ws: &Workspace, fact: Fact) -> Vec<(&'static str, String)> {
    match fact {
        Fact::TestBinary => vec![(
            "binary",
            sha256_hex(&fs::read(ws.root.join("src/lib.rs")).unwrap_or_default()),
        )],
        _ => Vec::new(),
    }
}

/// `path` relative to `base` (both absolute), through `..` where needed.
fn pathdiff(path: &Path, base: &Path) -> Option<PathBuf> {
    let common = path
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in base.components().skip(common) {
        out.push("..");
    }
    for part in path.components().skip(common) {
        out.push(part);
    }
    Some(out)
}

/// The components whose digests differ between two keys of the same fact.
fn changed(a: &Inputs, b: &Inputs) -> Vec<String> {
    a.components
        .iter()
        .filter(|(name, digest)| b.components.get(*name) != Some(digest))
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn every_input_component_invalidates_exactly_the_facts_that_depend_on_it() {
    let (dir, ws, settings) = workspace();
    let before: Vec<Inputs> = [Fact::Resolve, Fact::Build, Fact::Tests]
        .into_iter()
        .map(|f| key(&ws, &settings, f))
        .collect();
    let after = |ws: &Workspace, settings: &Settings| -> Vec<Vec<String>> {
        [Fact::Resolve, Fact::Build, Fact::Tests]
            .into_iter()
            .zip(&before)
            .map(|(f, old)| changed(old, &key(ws, settings, f)))
            .collect()
    };
    let none: Vec<String> = Vec::new();
    let only = |c: &str| vec![c.to_owned()];

    // Nothing changed: the same keys.
    assert_eq!(
        after(&ws, &settings),
        [none.clone(), none.clone(), none.clone()]
    );

    // A source byte: the build and the tests, not the resolve.
    fs::write(dir.path().join("src/lib.rs"), "pub fn f() { }\n").unwrap();
    assert_eq!(
        after(&ws, &settings),
        [none.clone(), only("tree"), only("tree")]
    );
    fs::write(dir.path().join("src/lib.rs"), "pub fn f() {}\n").unwrap();

    // A new file (untracked counts: it may be compiled) and a removed one.
    fs::write(dir.path().join("src/new.rs"), "").unwrap();
    assert_eq!(after(&ws, &settings)[2], only("tree"));
    fs::remove_file(dir.path().join("src/new.rs")).unwrap();
    assert_eq!(after(&ws, &settings)[2], none);

    // The lockfile: every fact.
    fs::write(dir.path().join("Cargo.lock"), "version = 3\n").unwrap();
    let lock = after(&ws, &settings);
    assert!(
        lock.iter().all(|c| c.contains(&"lockfile".to_owned())),
        "{lock:?}"
    );
    fs::write(dir.path().join("Cargo.lock"), "version = 4\n").unwrap();

    // A manifest: the resolve too.
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.1\"\n",
    )
    .unwrap();
    assert_eq!(
        after(&ws, &settings),
        [only("manifests"), only("tree"), only("tree")]
    );
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();

    // The toolchain, a variable that reaches the build, the flags: every fact.
    let mut other = settings.clone();
    other.toolchain = "rustc release: 1.96.0\n".to_owned();
    assert_eq!(
        after(&ws, &other),
        [only("toolchain"), only("toolchain"), only("toolchain")]
    );
    let mut other = settings.clone();
    other
        .env
        .push(("RUSTFLAGS".to_owned(), "-Dwarnings".to_owned()));
    assert_eq!(after(&ws, &other), [only("env"), only("env"), only("env")]);
    let mut other = settings.clone();
    other.offline = true;
    assert_eq!(
        after(&ws, &other),
        [only("flags"), only("flags"), only("flags")]
    );

    // A variable outside the documented list counts only when `[cache] env` names it.
    let mut other = settings.clone();
    other.env.push(("MY_FLAG".to_owned(), "1".to_owned()));
    assert_eq!(
        after(&ws, &other),
        [none.clone(), none.clone(), none.clone()]
    );
    other.extra_env.push("MY_FLAG".to_owned());
    assert_eq!(after(&ws, &other), [only("env"), only("env"), only("env")]);

    // The gate's own per-run variable is not an input.
    let mut other = settings.clone();
    other
        .env
        .push(("GATE_RUN_DIR".to_owned(), "/elsewhere".to_owned()));
    assert_eq!(
        after(&ws, &other),
        [none.clone(), none.clone(), none.clone()]
    );

    // The configuration that reaches the build and the tests.
    let mut other = settings.clone();
    other.tests_timeout_secs = 60;
    assert_eq!(
        after(&ws, &other),
        [none.clone(), only("config"), only("config")]
    );

    // The record's own output (under the target directory) is never an input.
    fs::create_dir_all(dir.path().join("target/gate/runs")).unwrap();
    fs::write(dir.path().join("target/gate/runs/x"), "x").unwrap();
    assert_eq!(
        after(&ws, &settings),
        [none.clone(), none.clone(), none.clone()]
    );
    // Nor is an output directory inside the tree that no .gitignore covers (`--out gate-out`
    // in CI), given as a path relative to where the gate started.
    let mut inside = settings.clone();
    inside.out = dir.path().join("gate-out");
    let before_out: Vec<Inputs> = [Fact::Build, Fact::Tests]
        .into_iter()
        .map(|f| key(&ws, &inside, f))
        .collect();
    fs::create_dir_all(dir.path().join("gate-out/runs")).unwrap();
    fs::write(dir.path().join("gate-out/runs/y"), "y").unwrap();
    for (fact, old) in [Fact::Build, Fact::Tests].into_iter().zip(&before_out) {
        assert!(changed(old, &key(&ws, &inside, fact)).is_empty());
    }
    let cwd = std::env::current_dir().unwrap();
    if let Some(relative) = pathdiff(&dir.path().join("gate-out"), &cwd) {
        inside.out = relative;
        assert!(changed(&before_out[1], &key(&ws, &inside, Fact::Tests)).is_empty());
    }
    assert_eq!(after(&ws, &settings)[0], none);

    // A fact-specific component (the test runner).
    let session = Session::new(&ws, settings.clone());
    let nextest = session
        .inputs(Fact::Tests, &[("runner", "cargo nextest".to_owned())])
        .unwrap();
    let cargo_test = session
        .inputs(Fact::Tests, &[("runner", "cargo test".to_owned())])
        .unwrap();
    assert_eq!(changed(&nextest, &cargo_test), ["runner"]);
}

/// The tree digested ahead, in a thread of its own, is in place before any fact asks for
/// it, and keys every fact as the tree digested on first use does.
#[test]
fn the_tree_digested_ahead_keys_the_facts_as_on_first_use() {
    let (_dir, ws, settings) = workspace();
    let ahead = Session::new(&ws, settings.clone());
    ahead.digest_tree_ahead();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while ahead.tree.get().is_none() && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(ahead.tree.get().is_some(), "digested before anything asked");
    for fact in [Fact::Resolve, Fact::Build, Fact::Tests] {
        assert_eq!(
            ahead.inputs(fact, &[]).unwrap().digest,
            key(&ws, &settings, fact).digest,
            "{fact:?}"
        );
    }
}

/// A static run digests the manifests alone: the resolve's key is the one the whole tree
/// gives, the rest of the tree is left undigested, and a fact keyed by the whole tree still
/// gets the whole tree's key (digested on first use).
#[test]
fn the_manifests_digested_alone_key_the_resolve_as_the_whole_tree_does() {
    let (dir, ws, settings) = workspace();
    let alone = Session::new(&ws, settings.clone());
    alone.digest_manifests_ahead();
    assert_eq!(
        alone.inputs(Fact::Resolve, &[]).unwrap().digest,
        key(&ws, &settings, Fact::Resolve).digest
    );
    let covered = &alone.manifests.get().unwrap().as_ref().unwrap().files;
    assert!(
        covered.contains(&dir.path().join("Cargo.toml")),
        "{covered:?}"
    );
    assert!(
        !covered.contains(&dir.path().join("src/lib.rs")),
        "{covered:?}"
    );
    assert!(alone.tree.get().is_none(), "the whole tree is not digested");
    // A manifest's edit moves the resolve's key, as it moves the whole tree's.
    let before = alone.inputs(Fact::Resolve, &[]).unwrap();
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.2.0\"\n",
    )
    .unwrap();
    let after = Session::new(&ws, settings.clone());
    after.digest_manifests_ahead();
    assert_ne!(
        after.inputs(Fact::Resolve, &[]).unwrap().digest,
        before.digest
    );
    assert_eq!(
        after.inputs(Fact::Build, &[]).unwrap().digest,
        key(&ws, &settings, Fact::Build).digest
    );
}

#[cfg(unix)]
#[test]
fn the_executable_bit_and_a_symlinks_target_are_inputs() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, ws, settings) = workspace();
    let before = key(&ws, &settings, Fact::Tests);
    let script = dir.path().join("README.md");
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(
        changed(&before, &key(&ws, &settings, Fact::Tests)),
        ["tree"]
    );
    fs::set_permissions(&script, fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::symlink("src/lib.rs", dir.path().join("link")).unwrap();
    let linked = key(&ws, &settings, Fact::Tests);
    fs::remove_file(dir.path().join("link")).unwrap();
    std::os::unix::fs::symlink("README.md", dir.path().join("link")).unwrap();
    assert_eq!(
        changed(&linked, &key(&ws, &settings, Fact::Tests)),
        ["tree"]
    );
}

/// The test run obtained through `session`, gathered as `fresh` when nothing is reused.
fn obtain_tests(session: &Session, fresh: Fresh<String>) -> Obtained<String> {
    obtain_fact(Fact::Tests, session, fresh)
}

/// `fact` obtained through `session`, gathered as `fresh` when nothing is reused.
fn obtain_fact(fact: Fact, session: &Session, fresh: Fresh<String>) -> Obtained<String> {
    let extra = binary_of(&Workspace::for_tests(&session.root, &[]), fact);
    session.obtain(fact, &extra, |_: &String| true, || fresh)
}

/// A fresh fact for [`Session::obtain`]: `value`, judged `keep`.
fn fresh(value: &str, keep: Keep) -> Fresh<String> {
    Fresh {
        files: vec![("decisions/a.jsonl".to_owned(), value.as_bytes().to_vec())],
        ..Fresh::of(value.to_owned(), keep)
    }
}

#[test]
fn a_fact_is_gathered_once_then_reused_naming_the_run_and_its_inputs() {
    let (_dir, ws, settings) = workspace();
    let gathered = Cell::new(0);
    let obtain = |run: &str, keep: Keep| {
        let mut s = settings.clone();
        s.run_id = run.to_owned();
        let session = Session::new(&ws, s);
        let got = session.obtain(
            Fact::Tests,
            &[],
            |_: &String| true,
            || {
                gathered.set(gathered.get() + 1);
                fresh(run, keep)
            },
        );
        (got, session.evidence_json().unwrap())
    };
    let (first, evidence) = obtain("r1", Keep::Passed);
    assert_eq!((first.value.as_str(), first.reused.is_none()), ("r1", true));
    assert!(evidence.contains("\"reused\": false") && evidence.contains("\"stored\": true"));
    let (second, evidence) = obtain("r2", Keep::Passed);
    assert_eq!(gathered.get(), 1);
    assert_eq!(second.value, "r1");
    assert_eq!(second.files, first.files);
    let reuse = second.reused.unwrap();
    let inputs = key(&ws, &settings, Fact::Tests);
    assert_eq!(reuse.run_id, "r1");
    assert_eq!(reuse.inputs, format!("sha256:{}", inputs.digest));
    assert_eq!(
        reuse.to_string(),
        format!("tests reused from run r1, inputs sha256:{}", inputs.digest)
    );
    assert!(evidence.contains("\"reused\": true") && evidence.contains("\"gathered_by\": \"r1\""));
}

#[test]
fn no_cache_and_broad_gather_afresh_and_still_store() {
    let (_dir, ws, settings) = workspace();
    let run = |s: Settings, fact: Fact, value: &str| {
        Session::new(&ws, s)
            .obtain(fact, &[], |_: &String| true, || fresh(value, Keep::Passed))
            .value
    };
    assert_eq!(run(settings.clone(), Fact::Tests, "a"), "a");
    let mut no_cache = settings.clone();
    no_cache.read = false;
    assert_eq!(run(no_cache, Fact::Tests, "b"), "b");
    // The fresh fact replaced the old one.
    assert_eq!(run(settings.clone(), Fact::Tests, "c"), "b");
    // broad: the test run is fresh, other facts may be reused.
    let mut broad = settings.clone();
    broad.fresh_tests = true;
    assert_eq!(run(broad.clone(), Fact::Tests, "d"), "d");
    assert_eq!(run(settings.clone(), Fact::Build, "e"), "e");
    assert_eq!(run(broad, Fact::Build, "f"), "e");
}

#[test]
fn what_the_environment_kept_from_being_gathered_is_never_stored() {
    let (_dir, ws, settings) = workspace();
    let session = Session::new(&ws, settings.clone());
    let got = obtain_tests(&session, fresh("timed out", Keep::Not));
    assert_eq!(got.value, "timed out");
    let again = obtain_tests(&Session::new(&ws, settings), fresh("ran", Keep::Passed));
    assert_eq!((again.value.as_str(), again.reused), ("ran", None));
}

fn a_failure_is_reused_as_a_failure_and_a_later_pass_on_the_same_inputs_keeps_it(fact: Fact) {
    let (_dir, ws, settings) = workspace();
    let with = |run: &str, read: bool| {
        let mut s = settings.clone();
        s.run_id = run.to_owned();
        s.read = read;
        s
    };
    let failed = Session::new(&ws, with("r1", true)).obtain(
        fact,
        &[],
        |_: &String| true,
        || fresh("FAILED", Keep::Failed),
    );
    assert_eq!(failed.value, "FAILED");
    // Reused: still the failure, never re-run into a pass.
    let reused = Session::new(&ws, with("r2", true)).obtain(
        fact,
        &[],
        |_: &String| true,
        || fresh("ok", Keep::Passed),
    );
    assert_eq!(reused.value, "FAILED");
    assert_eq!(reused.reused.unwrap().run_id, "r1");
    // Run afresh (--no-cache) and passing: the pass carries the earlier failure...
    let passed = Session::new(&ws, with("r3", false)).obtain(
        fact,
        &[],
        |_: &String| true,
        || fresh("ok", Keep::Passed),
    );
    assert_eq!(passed.value, "ok");
    assert_eq!(passed.failed_before.as_deref(), Some("r1"));
    // ...and so does every reuse of that pass.
    let later = Session::new(&ws, with("r4", true)).obtain(
        fact,
        &[],
        |_: &String| true,
        || fresh("again", Keep::Passed),
    );
    assert_eq!(later.value, "ok");
    assert_eq!(later.failed_before.as_deref(), Some("r1"));
}

#[test]
fn a_fact_its_check_finds_stale_is_gathered_again() {
    let (_dir, ws, settings) = workspace();
    let run = |value: &str, valid: bool| {
        Session::new(&ws, settings.clone())
            .obtain(
                Fact::Build,
                &[],
                |_: &String| valid,
                || fresh(value, Keep::Passed),
            )
            .value
    };
    assert_eq!(run("a", true), "a");
    assert_eq!(run("b", false), "b");
    assert_eq!(run("c", true), "b");
}

/// Stores one entry directly, for the store's own tests.
fn stored(store: &Store, fact: &str, inputs: &str, value: &[u8]) {
    store
        .save(&NewEntry {
            fact,
            inputs,
            components: &BTreeMap::new(),
            vars: &BTreeMap::new(),
            discovered: &BTreeMap::new(),
            key: None,
            run_id: "r1",
            failed: false,
            failed_before: None,
            ambient: &[],
            suspects: &[],
            value,
            files: &[("logs/x".to_owned(), b"file".to_vec())],
        })
        .unwrap();
}

fn entry_path(dir: &Path, fact: &str, inputs: &str) -> PathBuf {
    dir.join("cache/entries")
        .join(fact)
        .join(format!("{inputs}.json"))
}

fn blob_path(dir: &Path, bytes: &[u8]) -> PathBuf {
    let digest = sha256_hex(bytes);
    dir.join("cache/blobs").join(&digest[..2]).join(digest)
}

#[test]
fn a_corrupted_entry_or_blob_is_found_by_its_digest_and_never_used() {
    let out = tempfile::tempdir().unwrap();
    let store = Store::new(out.path());
    let hit = |store: &Store| matches!(store.load("tests", "k1"), Lookup::Hit(_));

    // An edited entry (a verdict flipped by hand).
    stored(&store, "tests", "k1", b"\"FAILED\"");
    assert!(hit(&store));
    let path = entry_path(out.path(), "tests", "k1");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("\"failed\": false", "\"failed\": true")).unwrap();
    let Lookup::Corrupt(why) = store.load("tests", "k1") else {
        panic!("an edited entry was read")
    };
    assert!(why.contains("own digest"), "{why}");
    assert!(!path.exists(), "a corrupt entry is removed");
    assert!(matches!(store.load("tests", "k1"), Lookup::Miss));

    // A truncated entry, an entry filed under other inputs.
    stored(&store, "tests", "k1", b"\"FAILED\"");
    let text = fs::read(&path).unwrap();
    fs::write(&path, &text[..text.len() / 2]).unwrap();
    assert!(matches!(store.load("tests", "k1"), Lookup::Corrupt(_)));
    stored(&store, "tests", "k1", b"\"FAILED\"");
    fs::copy(&path, entry_path(out.path(), "tests", "k2")).unwrap();
    assert!(matches!(store.load("tests", "k2"), Lookup::Corrupt(_)));

    // A blob whose bytes changed, and one that is gone.
    let blob = blob_path(out.path(), b"\"FAILED\"");
    fs::write(&blob, b"\"PASSED\"").unwrap();
    let Lookup::Corrupt(why) = store.load("tests", "k1") else {
        panic!("a changed blob was read")
    };
    assert!(why.contains("do not match"), "{why}");
    stored(&store, "tests", "k1", b"\"FAILED\"");
    fs::remove_file(blob_path(out.path(), b"file")).unwrap();
    assert!(matches!(store.load("tests", "k1"), Lookup::Corrupt(_)));
}

#[test]
fn a_corrupt_entry_is_gathered_afresh_and_the_run_says_so() {
    let (_dir, ws, settings) = workspace();
    let run = |value: &str| {
        let session = Session::new(&ws, settings.clone());
        let got = session
            .obtain(
                Fact::Tests,
                &[],
                |_: &String| true,
                || fresh(value, Keep::Passed),
            )
            .value;
        (got, session.notes())
    };
    assert_eq!(run("a").0, "a");
    let inputs = key(&ws, &settings, Fact::Tests);
    let path = entry_path(&settings.out, "tests", &inputs.digest);
    fs::write(&path, "{ not json").unwrap();
    let (value, notes) = run("b");
    assert_eq!(value, "b");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("removed and gathered afresh"),
        "{notes:?}"
    );
    assert_eq!(run("c"), ("b".to_owned(), Vec::new()));
}

#[test]
fn concurrent_runs_each_see_a_whole_entry_or_none() {
    let (_dir, ws, settings) = workspace();
    let values: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (ws, settings) = (&ws, &settings);
                scope.spawn(move || {
                    let mut s = settings.clone();
                    s.run_id = format!("r{i}");
                    let value = format!("v{i}");
                    Session::new(ws, s)
                        .obtain(
                            Fact::Tests,
                            &[],
                            |_: &String| true,
                            || fresh(&value, Keep::Passed),
                        )
                        .value
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(values.iter().all(|v| v.starts_with('v')), "{values:?}");
    let last = obtain_tests(
        &Session::new(&ws, settings.clone()),
        fresh("new", Keep::Passed),
    );
    assert!(last.reused.is_some() && last.value.starts_with('v'));
    assert_eq!(Store::new(&settings.out).stats().corrupt, 0);
}

#[test]
fn prune_keeps_the_most_recently_used_within_the_bound_and_stats_count_what_is_there() {
    let out = tempfile::tempdir().unwrap();
    let store = Store::new(out.path());
    let big = vec![b'x'; 100_000];
    for (i, key) in ["old", "mid", "new"].iter().enumerate() {
        let mut value = big.clone();
        value.push(b'0' + i as u8);
        stored(&store, "build", key, &value);
        let when =
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000 + i as u64);
        fs::File::options()
            .append(true)
            .open(entry_path(out.path(), "build", key))
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    let stats = store.stats();
    assert_eq!((stats.entries, stats.corrupt), (3, 0));
    assert_eq!(stats.facts.get("build"), Some(&3));
    // Room for two: the least recently used goes, with its blob once it is old enough.
    let pruned = store.prune(250_000, false);
    assert_eq!(pruned.entries, 1);
    assert!(matches!(store.load("build", "old"), Lookup::Miss));
    assert!(matches!(store.load("build", "new"), Lookup::Hit(_)));
    assert!(pruned.left <= 250_000 + 100_100, "{pruned:?}");
    // `--all` empties it.
    let pruned = store.prune(u64::MAX, true);
    assert_eq!(pruned.entries, 2);
    assert_eq!(store.stats().entries, 0);
    assert_eq!(store.stats().blobs, 0);
}

#[test]
fn a_store_beyond_the_bound_prunes_itself() {
    let (_dir, ws, mut settings) = workspace();
    // Each entry holds its value and a file of the same size: 2 MB; two do not fit in 3 MiB.
    settings.max_size = 3 << 20;
    let big = "y".repeat(1_000_000);
    for run in ["r1", "r2"] {
        let mut s = settings.clone();
        s.run_id = run.to_owned();
        s.tests_timeout_secs = if run == "r1" { 1 } else { 2 };
        let value = format!("{run}{big}");
        Session::new(&ws, s).obtain(
            Fact::Tests,
            &[],
            |_: &String| true,
            || fresh(&value, Keep::Passed),
        );
    }
    let store = Store::new(&settings.out);
    assert_eq!(store.stats().entries, 1);
}

#[test]
fn sizes_parse_with_and_without_units() {
    use crate::config::parse_size;
    assert_eq!(parse_size("2GiB"), Some(2 << 30));
    assert_eq!(parse_size("500MB"), Some(500_000_000));
    assert_eq!(parse_size("64 MiB"), Some(64 << 20));
    assert_eq!(parse_size("1048576"), Some(1 << 20));
    assert_eq!(parse_size("lots"), None);
    assert_eq!(parse_size("2 parsecs"), None);
}

/// One run as the engine does it: a session over `ws`, `obtain` per fact, then the record
/// with the session's `evidence.json`. Returns each fact's value and the run's notes.
fn gate_run(
    ws: &Workspace,
    settings: &Settings,
    run: &str,
    facts: &[(Fact, Fresh<String>)],
) -> (Vec<(String, Option<String>)>, Vec<String>) {
    let mut settings = settings.clone();
    settings.run_id = run.to_owned();
    let session = Session::new(ws, settings.clone());
    let mut got = Vec::new();
    for (fact, fresh) in facts {
        let fresh = Fresh {
            value: fresh.value.clone(),
            files: fresh.files.clone(),
            keep: fresh.keep,
            read: fresh.read.clone(),
        };
        let obtained = session.obtain(*fact, &binary_of(ws, *fact), |_: &String| true, || fresh);
        got.push((obtained.value, obtained.reused.map(|r| r.run_id)));
    }
    let writer = crate::record::RecordWriter::begin(&settings.out, run).unwrap();
    if let Some(evidence) = session.evidence_json() {
        writer.write("evidence.json", evidence.as_bytes()).unwrap();
    }
    let entry = crate::record::HistoryEntry {
        run_id: run.to_owned(),
        stage: crate::stage::Stage::Pilot,
        result: crate::verdict::Result::Ready,
        exit_code: 0,
        commit: None,
        dirty: None,
        time: "2026-11-23T00:00:00Z".into(),
        manifest_sha256: String::new(),
    };
    let decision = crate::record::test_decision(&entry);
    writer.finish("p", entry, |_| decision).unwrap();
    (got, session.notes())
}

fn facts_of(fact: Fact, value: &str, keep: Keep) -> Vec<(Fact, Fresh<String>)> {
    vec![(fact, fresh(value, keep))]
}

/// A test binary's key is its digest and what it reads (the tool, the toolchain, the
/// variables, cargo's configuration, declared files): not the whole tree, and not Cargo.lock,
/// whose versions reach it through its digest.
#[test]
fn a_test_binarys_key_is_its_digest_and_what_it_reads_not_the_tree_or_the_lockfile() {
    let (dir, ws, settings) = workspace();
    let k = |settings: &Settings, binary: &str| {
        let extra = [("binary", binary.to_owned()), ("reads", "r1".to_owned())];
        Session::new(&ws, settings.clone())
            .inputs(Fact::TestBinary, &extra)
            .unwrap()
    };
    let before = k(&settings, "b1");
    fs::write(dir.path().join("README.md"), "another package's file\n").unwrap();
    fs::write(dir.path().join("Cargo.lock"), "version = 4\n# bumped\n").unwrap();
    assert!(changed(&before, &k(&settings, "b1")).is_empty());
    assert_eq!(changed(&before, &k(&settings, "b2")), ["binary"]);
    let mut toolchain = settings.clone();
    toolchain.toolchain = "rustc release: 1.96.0\n".to_owned();
    assert_eq!(changed(&before, &k(&toolchain, "b1")), ["toolchain"]);
    let mut env = settings.clone();
    env.env
        .push(("RUSTFLAGS".to_owned(), "-Cdebuginfo=0".to_owned()));
    assert_eq!(changed(&before, &k(&env, "b1")), ["env"]);
}

/// The stale-PASS probes of the trust issue, each run against the whole test run and
/// against one test binary's result (`facts/test_run/binaries.rs`): the per-binary entries
/// are stored, proven and refused by the same rules.
macro_rules! whole_and_per_binary {
    ($($probe:ident),* $(,)?) => {
        $(
            mod $probe {
                use super::Fact;

                #[test]
                fn whole_run() {
                    super::$probe(Fact::Tests);
                }

                #[test]
                fn per_binary() {
                    super::$probe(Fact::TestBinary);
                }
            }
        )*
    };
}

whole_and_per_binary!(
    a_failure_is_reused_as_a_failure_and_a_later_pass_on_the_same_inputs_keeps_it,
    without_a_key_reuse_needs_the_record_of_the_run_that_stored_it,
    a_swapped_or_resealed_entry_is_refused_and_named,
    with_a_key_an_entry_travels_without_its_record_and_a_resealed_one_does_not,
    an_older_genuine_entry_put_back_is_refused,
    a_failure_the_cache_lost_is_remembered_by_the_record,
);

/// Rewrites the stored entry of `fact` for `from` as the entry for `to` (its inputs and
/// components), edited by `edit`, and re-seals it with the plain digest anyone can compute:
/// the forgeries a hostile user tried.
fn forge(out: &Path, fact: Fact, from: &Inputs, to: &Inputs, edit: impl Fn(&mut store::Entry)) {
    let text = fs::read(entry_path(out, fact.name(), &from.digest)).unwrap();
    let mut entry: store::Entry = serde_json::from_slice(&text).unwrap();
    entry.inputs = to.digest.clone();
    entry.components = to.components.clone();
    edit(&mut entry);
    let entry = entry.sealed();
    fs::write(
        entry_path(out, fact.name(), &to.digest),
        serde_json::to_vec_pretty(&entry).unwrap(),
    )
    .unwrap();
}

fn without_a_key_reuse_needs_the_record_of_the_run_that_stored_it(fact: Fact) {
    let (_dir, ws, mut settings) = workspace();
    settings.key = None;
    // Stored, but its run never wrote a record (killed before the end, or a cache copied in
    // from elsewhere): refused and named, gathered afresh.
    let mut lone = settings.clone();
    lone.run_id = "r0".into();
    obtain_fact(
        fact,
        &Session::new(&ws, lone),
        fresh("from r0", Keep::Passed),
    );
    let (got, notes) = gate_run(
        &ws,
        &settings,
        "r1",
        &facts_of(fact, "from r1", Keep::Passed),
    );
    assert_eq!(got, [("from r1".to_owned(), None)]);
    assert!(
        notes[0].contains("names run r0, which is not in this output directory's record")
            && notes[0].contains("CARGO_GATE_CACHE_KEY")
            && notes[0].ends_with("refused, removed and gathered afresh"),
        "{notes:?}"
    );
    // r1's record lists what it stored: reused, proven by the record.
    let (got, notes) = gate_run(
        &ws,
        &settings,
        "r2",
        &facts_of(fact, "from r2", Keep::Passed),
    );
    assert_eq!(got, [("from r1".to_owned(), Some("r1".to_owned()))]);
    assert!(notes.is_empty(), "{notes:?}");
    let evidence = fs::read_to_string(settings.out.join("runs/r2/evidence.json")).unwrap();
    assert!(evidence.contains("\"proof\": \"record\""), "{evidence}");
}

fn a_swapped_or_resealed_entry_is_refused_and_named(fact: Fact) {
    let (dir, ws, mut settings) = workspace();
    settings.key = None;
    let passing = key(&ws, &settings, fact);
    gate_run(
        &ws,
        &settings,
        "r1",
        &facts_of(fact, "passed", Keep::Passed),
    );
    // The next commit's tests fail.
    fs::write(dir.path().join("src/lib.rs"), "pub fn f() { panic!() }\n").unwrap();
    let failing = key(&ws, &settings, fact);
    gate_run(
        &ws,
        &settings,
        "r2",
        &facts_of(fact, "FAILED", Keep::Failed),
    );

    // The passing commit's entry copied over the failing commit's, re-pointed and re-sealed.
    forge(&settings.out, fact, &passing, &failing, |_| {});
    let (got, notes) = gate_run(
        &ws,
        &settings,
        "r3",
        &facts_of(fact, "FAILED", Keep::Failed),
    );
    assert_eq!(got, [("FAILED".to_owned(), None)]);
    assert!(
        notes[0].contains("names run r1, but run r2 stored another result for the same inputs"),
        "{notes:?}"
    );

    // The failing entry's value blob rewritten to a pass, the entry re-sealed.
    let blob = {
        let store = Store::new(&settings.out);
        let text = fs::read(entry_path(&settings.out, fact.name(), &failing.digest)).unwrap();
        let entry: store::Entry = serde_json::from_slice(&text).unwrap();
        drop(store);
        entry.value
    };
    let passed = b"\"passed\"";
    let digest = sha256_hex(passed);
    fs::create_dir_all(settings.out.join("cache/blobs").join(&digest[..2])).unwrap();
    fs::write(blob_path(&settings.out, passed), passed).unwrap();
    assert_ne!(blob, digest);
    forge(&settings.out, fact, &failing, &failing, |e| {
        e.value = digest.clone();
        e.failed = false;
    });
    let (got, notes) = gate_run(
        &ws,
        &settings,
        "r4",
        &facts_of(fact, "FAILED", Keep::Failed),
    );
    assert_eq!(got, [("FAILED".to_owned(), None)]);
    assert!(
        notes[0].contains("whose record lists no such entry"),
        "{notes:?}"
    );
}

fn with_a_key_an_entry_travels_without_its_record_and_a_resealed_one_does_not(fact: Fact) {
    let (_dir, ws, settings) = workspace();
    let inputs = key(&ws, &settings, fact);
    let mut first = settings.clone();
    first.run_id = "r1".into();
    obtain_fact(
        fact,
        &Session::new(&ws, first),
        fresh("FAILED", Keep::Failed),
    );
    // No record of r1 here (a cache restored from CI storage): the MAC proves it.
    let mut second = settings.clone();
    second.run_id = "r2".into();
    let session = Session::new(&ws, second.clone());
    let got = obtain_fact(fact, &session, fresh("ok", Keep::Passed));
    assert_eq!(got.value, "FAILED");
    assert!(
        session
            .evidence_json()
            .unwrap()
            .contains("\"proof\": \"key\"")
    );
    // Flipped and re-sealed without the key: the MAC no longer holds.
    forge(&settings.out, fact, &inputs, &inputs, |e| e.failed = false);
    let session = Session::new(&ws, second.clone());
    let got = obtain_fact(fact, &session, fresh("ok", Keep::Passed));
    assert_eq!((got.value.as_str(), got.reused), ("ok", None));
    assert!(
        session.notes()[0].contains("its MAC does not hold under CARGO_GATE_CACHE_KEY"),
        "{:?}",
        session.notes()
    );
    // Another key proves nothing either.
    let mut other = second;
    other.key = Some("another-key".into());
    let got = obtain_fact(
        fact,
        &Session::new(&ws, other),
        fresh("again", Keep::Passed),
    );
    assert_eq!(got.reused, None);
}

#[test]
fn an_input_only_the_build_read_invalidates_the_build_and_the_tests_and_is_named() {
    let (dir, ws, settings) = workspace();
    // A module git ignores (or a file outside the root) that rustc's dep-info lists.
    let outside = tempfile::tempdir().unwrap();
    let generated = outside.path().join("generated.rs");
    fs::write(&generated, "pub const X: u32 = 1;\n").unwrap();
    let read = discover::Read {
        files: [generated.clone()].into(),
        vars: ["MY_FEATURE".to_owned()].into(),
        ..discover::Read::default()
    };
    let build = || Fresh {
        read: read.clone(),
        ..Fresh::of("built".to_owned(), Keep::Passed)
    };
    let facts =
        |tests: &str, keep: Keep| vec![(Fact::Build, build()), (Fact::Tests, fresh(tests, keep))];
    let (got, _) = gate_run(&ws, &settings, "r1", &facts("FAILED", Keep::Failed));
    assert_eq!(got[1], ("FAILED".to_owned(), None));
    let (got, notes) = gate_run(&ws, &settings, "r2", &facts("ok", Keep::Passed));
    assert_eq!(got[1], ("FAILED".to_owned(), Some("r1".to_owned())));
    assert!(notes.is_empty(), "{notes:?}");

    fs::write(&generated, "pub const X: u32 = 2;\n").unwrap();
    let (got, notes) = gate_run(&ws, &settings, "r3", &facts("ok", Keep::Passed));
    assert_eq!(got, [("built".to_owned(), None), ("ok".to_owned(), None)]);
    let changed = format!("the file {} changed since run r1", generated.display());
    assert_eq!(
        notes,
        [
            format!("build gathered afresh: {changed}"),
            format!("tests gathered afresh: {changed}")
        ]
    );
    // An input changed: not the same inputs both ways, so never called flaky.
    let mut again = settings.clone();
    again.run_id = "r4".into();
    let got = obtain_tests(&Session::new(&ws, again), fresh("x", Keep::Passed));
    assert_eq!(got.failed_before, None);

    // A variable read with env! (not one the key covers): named too.
    let mut with_var = settings.clone();
    with_var.env.push(("MY_FEATURE".into(), "on".into()));
    let (_, notes) = gate_run(&ws, &with_var, "r5", &facts("ok", Keep::Passed));
    assert!(
        notes[0].contains("the variable MY_FEATURE changed since run"),
        "{notes:?}"
    );
    drop(dir);
}

#[test]
fn every_miss_says_which_input_changed() {
    let (_dir, ws, settings) = workspace();
    gate_run(
        &ws,
        &settings,
        "r1",
        &facts_of(Fact::Tests, "a", Keep::Passed),
    );
    let mut path = settings.clone();
    path.env = vec![("PATH".to_owned(), "/opt/other/bin:/usr/bin".to_owned())];
    let (_, notes) = gate_run(&ws, &path, "r2", &facts_of(Fact::Tests, "b", Keep::Passed));
    assert_eq!(
        notes,
        ["tests gathered afresh: env (PATH) changed since run r1"]
    );
    let mut toolchain = path.clone();
    toolchain.toolchain = "rustc release: 1.96.0\n".into();
    let (_, notes) = gate_run(
        &ws,
        &toolchain,
        "r3",
        &facts_of(Fact::Tests, "c", Keep::Passed),
    );
    assert_eq!(
        notes,
        ["tests gathered afresh: the toolchain changed since run r2"]
    );
    let mut fresh_run = toolchain.clone();
    fresh_run.read = false;
    let (_, notes) = gate_run(
        &ws,
        &fresh_run,
        "r4",
        &facts_of(Fact::Tests, "d", Keep::Passed),
    );
    assert!(notes.is_empty(), "--no-cache says nothing: {notes:?}");
}

/// A toolchain file is among the resolve's "manifests" input; the note names what that
/// input holds, not "a manifest" alone (guillaume-michel/nbody: only rust-toolchain.toml was
/// edited).
#[test]
fn a_toolchain_file_edit_is_said_as_what_it_is_among() {
    let (dir, ws, settings) = workspace();
    gate_run(
        &ws,
        &settings,
        "r1",
        &facts_of(Fact::Resolve, "a", Keep::Passed),
    );
    fs::write(
        dir.path().join("rust-toolchain.toml"),
        "[toolchain]\nchannel = \"1.95.0\"\n",
    )
    .unwrap();
    let (_, notes) = gate_run(
        &ws,
        &settings,
        "r2",
        &facts_of(Fact::Resolve, "b", Keep::Passed),
    );
    assert_eq!(
        notes,
        [
            "resolve gathered afresh: a manifest, Cargo.lock, a toolchain file or cargo's \
             configuration changed since run r1"
        ]
    );
    // Cargo's configuration is a component of its own too: said once (the thirty-first
    // session's trial read "cargo's configuration, a manifest, … or cargo's configuration").
    fs::create_dir_all(dir.path().join(".cargo")).unwrap();
    fs::write(
        dir.path().join(".cargo/config.toml"),
        "[env]\nNO_COLOR = \"1\"\n",
    )
    .unwrap();
    let (_, notes) = gate_run(
        &ws,
        &settings,
        "r3",
        &facts_of(Fact::Resolve, "c", Keep::Passed),
    );
    assert_eq!(
        notes,
        [
            "resolve gathered afresh: a manifest, Cargo.lock, a toolchain file or cargo's \
             configuration changed since run r2"
        ]
    );
}

#[test]
fn a_root_cargo_config_git_ignores_is_an_input_and_declared_files_are_too() {
    let (dir, ws, mut settings) = workspace();
    fs::write(dir.path().join(".gitignore"), ".cargo/\n").unwrap();
    let before = key(&ws, &settings, Fact::Build);
    crate::checks::testing::write_files(
        dir.path(),
        &[(
            ".cargo/config.toml",
            "[build]\nrustflags = [\"--cfg\", \"x\"]\n",
        )],
    );
    let after = key(&ws, &settings, Fact::Build);
    assert!(changed(&before, &after).contains(&"cargo-config".to_owned()));

    let data = tempfile::tempdir().unwrap();
    fs::write(data.path().join("fixture.json"), "{}").unwrap();
    settings.files = vec![data.path().display().to_string()];
    let before = key(&ws, &settings, Fact::Tests);
    fs::write(data.path().join("fixture.json"), "{\"x\":1}").unwrap();
    assert_eq!(
        changed(&before, &key(&ws, &settings, Fact::Tests)),
        ["files"]
    );
}

#[test]
fn nothing_secret_rests_in_the_cache() {
    let (_dir, ws, settings) = workspace();
    let token = format!("ghp_{}{}", "Zq7Pw3Nd8Ks1Rv6Ht2", "Lm9Fb4Gc5Xj0Ya7Ue2");
    let printed = format!("test log: using token {token}\n");
    let session = Session::new(&ws, settings.clone());
    let got = session.obtain(
        Fact::Tests,
        &[],
        |_: &String| true,
        || Fresh {
            files: vec![("decisions/a.jsonl".to_owned(), printed.clone().into_bytes())],
            ..Fresh::of(printed.clone(), Keep::Passed)
        },
    );
    assert_eq!(got.value, printed, "this run still judges what it saw");
    let mut found = Vec::new();
    for entry in ignore::WalkBuilder::new(settings.out.join("cache"))
        .hidden(false)
        .build()
        .flatten()
    {
        if entry.file_type().is_some_and(|t| t.is_file())
            && fs::read_to_string(entry.path()).is_ok_and(|t| t.contains(&token))
        {
            found.push(entry.path().to_owned());
        }
    }
    assert!(found.is_empty(), "raw token in {found:?}");
    // Reused, it is the redacted text.
    let again = obtain_tests(&Session::new(&ws, settings), fresh("x", Keep::Passed));
    assert!(
        again.reused.is_some() && !again.value.contains(&token),
        "{}",
        again.value
    );
}

#[test]
fn prune_sweeps_what_a_killed_writer_left() {
    let out = tempfile::tempdir().unwrap();
    let store = Store::new(out.path());
    stored(&store, "tests", "k1", b"\"ok\"");
    let stray = out.path().join("cache/entries/tests/.gate-abc123.tmp");
    let fresh_one = out.path().join("cache/entries/tests/.gate-def456.tmp");
    fs::write(&stray, "half an entry").unwrap();
    fs::write(&fresh_one, "being written").unwrap();
    fs::File::options()
        .write(true)
        .open(&stray)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    store.prune(1 << 30, false);
    assert!(!stray.exists(), "an abandoned temporary file is swept");
    assert!(fresh_one.exists(), "one a live writer may own is left");
    assert!(matches!(store.load("tests", "k1"), Lookup::Hit(_)));
}

/// A result the record shows was replaced is not brought back: a pass stored by r1, then a
/// failure on the same inputs stored by r2 (`--no-cache`), then r1's entry put back in the
/// cache — it is genuine and r1's record lists it, but r2's came after.
fn an_older_genuine_entry_put_back_is_refused(fact: Fact) {
    let (_dir, ws, mut settings) = workspace();
    settings.key = None;
    let inputs = key(&ws, &settings, fact);
    gate_run(
        &ws,
        &settings,
        "r1",
        &facts_of(fact, "passed", Keep::Passed),
    );
    let path = entry_path(&settings.out, fact.name(), &inputs.digest);
    let passing = fs::read(&path).unwrap();
    let mut fresh_run = settings.clone();
    fresh_run.read = false;
    gate_run(
        &ws,
        &fresh_run,
        "r2",
        &facts_of(fact, "FAILED", Keep::Failed),
    );
    fs::write(&path, passing).unwrap();
    let (got, notes) = gate_run(
        &ws,
        &settings,
        "r3",
        &facts_of(fact, "FAILED", Keep::Failed),
    );
    assert_eq!(got, [("FAILED".to_owned(), None)]);
    assert!(
        notes[0]
            .contains("names run r1, but run r2 stored another result for the same inputs since"),
        "{notes:?}"
    );
}

/// A failure stays on record when the cache loses the entry that remembered it: a pass
/// gathered afresh on inputs a recorded run failed on is still flaky.
fn a_failure_the_cache_lost_is_remembered_by_the_record(fact: Fact) {
    let (_dir, ws, mut settings) = workspace();
    settings.key = None;
    let inputs = key(&ws, &settings, fact);
    gate_run(
        &ws,
        &settings,
        "r1",
        &facts_of(fact, "FAILED", Keep::Failed),
    );
    fs::remove_file(entry_path(&settings.out, fact.name(), &inputs.digest)).unwrap();
    let mut again = settings.clone();
    again.run_id = "r2".into();
    let got = obtain_fact(fact, &Session::new(&ws, again), fresh("ok", Keep::Passed));
    assert_eq!(
        (got.value.as_str(), got.failed_before.as_deref()),
        ("ok", Some("r1"))
    );
}

/// A blob name in an entry is a SHA-256 or nothing: an entry pointing its value at a path
/// outside the cache (to read it, hang on a FIFO, or have it removed as a corrupt blob)
/// touches no such file.
#[test]
fn a_blob_name_that_is_a_path_reaches_nothing() {
    let (dir, ws, settings) = workspace();
    let inputs = key(&ws, &settings, Fact::Tests);
    gate_run(
        &ws,
        &settings,
        "r1",
        &facts_of(Fact::Tests, "ok", Keep::Passed),
    );
    let victim = dir.path().join("precious.txt");
    fs::write(&victim, "keep me").unwrap();
    forge(&settings.out, Fact::Tests, &inputs, &inputs, |e| {
        e.value = victim.display().to_string();
    });
    let store = Store::new(&settings.out);
    let Lookup::Corrupt(why) = store.load("tests", &inputs.digest) else {
        panic!("a path as a blob name was read")
    };
    assert!(why.contains("is not a blob name"), "{why}");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me");
}

/// prune never follows a link out of the cache: a shard that is a link to a directory of
/// the user's loses nothing.
#[cfg(unix)]
#[test]
fn prune_never_follows_a_link_out_of_the_cache() {
    let (_dir, ws, settings) = workspace();
    gate_run(
        &ws,
        &settings,
        "r1",
        &facts_of(Fact::Tests, "ok", Keep::Passed),
    );
    let home = tempfile::tempdir().unwrap();
    let old = home.path().join("notes.txt");
    fs::write(&old, "mine").unwrap();
    fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    std::os::unix::fs::symlink(home.path(), settings.out.join("cache/blobs/zz")).unwrap();
    std::os::unix::fs::symlink(home.path(), settings.out.join("cache/entries/x")).unwrap();
    Store::new(&settings.out).prune(1, true);
    assert_eq!(fs::read_to_string(&old).unwrap(), "mine");
}

/// A target directory that holds the workspace (`[build] target-dir = "."` in a
/// repository's `.cargo/config.toml`) would leave no file of the tree to key by: the cache
/// is off for that run, and it says so; a tracked file is an input wherever the target is.
#[test]
fn a_target_dir_that_holds_the_root_turns_the_cache_off() {
    let (dir, mut ws, settings) = workspace();
    ws.target_dir = dir.path().to_owned();
    let session = Session::new(&ws, settings.clone());
    assert!(
        session.notes()[0].starts_with("the evidence cache is off:"),
        "{:?}",
        session.notes()
    );
    let got = obtain_tests(&session, fresh("ran", Keep::Passed));
    assert_eq!((got.value.as_str(), got.reused), ("ran", None));
    assert!(!settings.out.join("cache/entries").exists());
}

/// A file edited while the tests ran: the result belongs to neither content, so it is not
/// stored under the key taken before (a revert would otherwise reuse it).
#[test]
fn a_tree_edited_while_gathering_is_not_cached() {
    let (dir, ws, settings) = workspace();
    let session = Session::new(&ws, settings.clone());
    let got = session.obtain(
        Fact::Tests,
        &[],
        |_: &String| true,
        || {
            fs::write(
                dir.path().join("src/lib.rs"),
                "pub fn f() { /* edited */ }\n",
            )
            .unwrap();
            fresh("ran", Keep::Passed)
        },
    );
    assert_eq!(got.value, "ran");
    assert!(
        session
            .notes()
            .iter()
            .any(|n| n.contains("the working tree changed while it was gathered")),
        "{:?}",
        session.notes()
    );
    assert!(!settings.out.join("cache/entries/tests").exists());
}

#[test]
fn ambient_names_are_the_unkeyed_ones_and_suspects_differ_between_runs() {
    let keyed = BTreeMap::from([("RUSTFLAGS".to_owned(), "d".to_owned())]);
    let names = |list: &[&str]| list.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let then = super::ambient_names(
        &keyed,
        names(&[
            "RUSTFLAGS",
            "DATABASE_URL",
            "HOME",
            "PWD",
            "CARGO_GATE_REDACT",
            "_",
        ])
        .into_iter(),
    );
    assert_eq!(then, ["DATABASE_URL", "HOME"]);
    let now = super::ambient_names(&keyed, names(&["HOME", "RUN_SLOW", "SHLVL"]).into_iter());
    assert_eq!(super::set_in_one(&then, &now), ["DATABASE_URL", "RUN_SLOW"]);
    assert!(super::set_in_one(&now, &now).is_empty());
}

/// A fact this run gathers twice with other inputs (the graph for CI's feature selection,
/// then for the default features) is not "changed since" this run: the second miss is told
/// against what an earlier run stored, or as nothing cached.
#[test]
fn a_second_selection_in_one_run_is_not_a_change_since_that_run() {
    let (_dir, ws, settings) = workspace();
    let graph = |session: &Session, select: &str| {
        let params = [
            ("targets", "x86_64".to_owned()),
            ("select", select.to_owned()),
        ];
        session.obtain(
            Fact::Graph,
            &params,
            |_: &String| true,
            || fresh(select, Keep::Passed),
        )
    };
    let mut first = settings.clone();
    first.run_id = "r1".into();
    let session = Session::new(&ws, first);
    graph(&session, "--all-features");
    graph(&session, "--workspace");
    let notes = session.notes();
    assert!(
        notes.iter().all(|n| !n.contains("since run r1")),
        "{notes:?}"
    );
    drop(session);
    let mut second = settings.clone();
    second.run_id = "r2".into();
    let session = Session::new(&ws, second);
    assert_eq!(
        graph(&session, "--workspace").reused.map(|r| r.run_id),
        Some("r1".into())
    );
    graph(&session, "--features a");
    graph(&session, "--features b");
    let notes = session.notes();
    assert_eq!(
        notes,
        [
            "graph gathered afresh: select changed since run r1",
            "graph gathered afresh: select changed since run r1"
        ]
    );
}
