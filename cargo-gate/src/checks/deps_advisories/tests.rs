//! `deps.advisories` against the hand-written database in tests/fixtures/advisory-db and the
//! lockfile of tests/fixtures/supply-chain (see the database's README for what each
//! advisory exercises).

use super::*;
use crate::check::Status;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn lock_text() -> String {
    std::fs::read_to_string(fixtures().join("supply-chain/Cargo.lock")).unwrap()
}

/// The database, as if fetched `age` ago.
fn database(age: Option<Duration>) -> Database {
    let mut db = advisories::load(&fixtures().join("advisory-db"), None).unwrap();
    db.updated = age.map(|age| SystemTime::now() - age);
    db
}

fn run_with(db: &Database, settings: &AdvisorySettings, index: &IndexCache) -> Outcome {
    let text = lock_text();
    let lockfile: Lockfile = text.parse().unwrap();
    let outcome = judge(Judge {
        lockfile: &lockfile,
        lock_text: &text,
        members: &["app".to_owned()],
        db,
        settings,
        now: SystemTime::now(),
        index,
        shipped: None,
    });
    assert!(
        DepsAdvisories.meta().undeclared_codes(&outcome).is_empty(),
        "{outcome:?}"
    );
    outcome
}

fn run(db: &Database, settings: &AdvisorySettings) -> Outcome {
    run_with(db, settings, &IndexCache::new(None))
}

/// The finding whose subject is advisory `id`.
#[track_caller]
fn about<'o>(outcome: &'o Outcome, id: &str) -> &'o Finding {
    outcome
        .findings
        .iter()
        .find(|f| f.subject.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no finding about {id} in {outcome:?}"))
}

/// (severity, code, subject) of each finding.
fn found(outcome: &Outcome) -> Vec<(Severity, Option<&str>, Option<&str>)> {
    outcome
        .findings
        .iter()
        .map(|f| (f.severity, f.code.as_deref(), f.subject.as_deref()))
        .collect()
}

#[test]
fn vulnerabilities_fail_notices_warn_and_an_unreadable_advisory_stops_nothing() {
    let db = database(Some(Duration::from_secs(3600)));
    assert_eq!(
        db.advisories.len(),
        6,
        "the draft is skipped, one does not parse"
    );
    let outcome = run(&db, &AdvisorySettings::default());
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert_eq!(
        found(&outcome),
        [
            (
                Severity::Error,
                Some("vulnerability"),
                Some("RUSTSEC-2099-0001")
            ),
            (
                Severity::Warning,
                Some("unmaintained"),
                Some("RUSTSEC-2099-0003")
            ),
            (
                Severity::Error,
                Some("vulnerability"),
                Some("RUSTSEC-2099-0004")
            ),
            (
                Severity::Warning,
                Some("unsound"),
                Some("RUSTSEC-2099-0005")
            ),
            (
                Severity::Warning,
                Some("unreadable-advisory"),
                Some("crates/web-thing/RUSTSEC-2099-0006.md")
            ),
        ]
    );
    let leaky = &outcome.findings[0];
    assert_eq!(
        leaky.message,
        "RUSTSEC-2099-0001 (vulnerability, severity high (CVSS 7.5)): `Buf::grow` exposes \
         uninitialized memory — leaky-buf 1.2.0; patched: >=1.2.3; from app → leaky-buf 1.2.0"
    );
    assert_eq!(
        leaky.location.as_ref().map(ToString::to_string).as_deref(),
        Some("Cargo.lock:15:1")
    );
    // The CVSS 4.0 vector is read, scored and shown.
    let shaky = &outcome.findings[2].message;
    assert!(
        shaky.contains("(vulnerability, severity high (CVSS"),
        "{shaky}"
    );
    assert!(
        shaky.ends_with("from app → web-thing 1.0.0 → shaky-cell 0.4.0"),
        "{shaky}"
    );
    assert!(
        outcome.summary.contains("5 registry package(s)"),
        "{}",
        outcome.summary
    );
    assert!(
        outcome
            .summary
            .contains("against the 7 advisories for their crates (7 in the database"),
        "{}",
        outcome.summary
    );
}

#[test]
fn levels_move_notices_between_fail_warn_and_note() {
    let db = database(Some(Duration::from_secs(3600)));
    let settings = AdvisorySettings {
        unmaintained: Level::Fail,
        unsound: Level::Note,
        ..AdvisorySettings::default()
    };
    let outcome = run(&db, &settings);
    let unmaintained = about(&outcome, "RUSTSEC-2099-0003");
    assert_eq!(unmaintained.severity, Severity::Error);
    let unsound = about(&outcome, "RUSTSEC-2099-0005");
    assert_eq!(
        (unsound.severity, unsound.code.as_deref()),
        (Severity::Note, None)
    );
}

#[test]
fn a_stale_database_or_one_of_unknown_age_warns() {
    let stale = run(
        &database(Some(DEFAULT_MAX_AGE + Duration::from_secs(86_400))),
        &AdvisorySettings::default(),
    );
    let last = stale.findings.last().unwrap();
    assert_eq!(last.code.as_deref(), Some("stale-database"));
    assert!(
        last.message
            .contains("is 91 days old, older than [advisories] max-age (90 days)"),
        "{}",
        last.message
    );
    let unknown = run(&database(None), &AdvisorySettings::default());
    let last = unknown.findings.last().unwrap();
    assert_eq!(last.code.as_deref(), Some("stale-database"));
    assert!(last.message.contains("cannot be told"), "{}", last.message);
    assert!(unknown.summary.contains("age unknown"));
}

#[test]
fn nothing_matches_when_every_pinned_version_is_patched() {
    let text = lock_text()
        .replace("version = \"1.2.0\"", "version = \"1.2.3\"")
        .replace("version = \"0.4.0\"", "version = \"0.5.0\"")
        .replace("name = \"old-sync\"", "name = \"new-sync\"")
        .replace(" \"old-sync\",", " \"new-sync\",");
    let lockfile: Lockfile = text.parse().unwrap();
    let mut db = database(Some(Duration::from_secs(60)));
    db.unreadable.clear();
    let outcome = judge(Judge {
        lockfile: &lockfile,
        lock_text: &text,
        members: &["app".to_owned()],
        db: &db,
        settings: &AdvisorySettings::default(),
        now: SystemTime::now(),
        index: &IndexCache::new(None),
        shipped: None,
    });
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    assert!(
        outcome
            .summary
            .starts_with("no advisory matches: 5 registry package(s)")
    );
    assert!(
        outcome
            .summary
            .contains("yanked versions not checked (no local index cache)")
    );
}

/// cargo's index cache file for `versions` (version, yanked).
fn cache_file(versions: &[(&str, bool)]) -> Vec<u8> {
    let mut bytes = vec![3, 2, 0, 0, 0];
    bytes.extend_from_slice(b"Unknown\0");
    for (version, yanked) in versions {
        bytes.extend_from_slice(version.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(
            format!("{{\"name\":\"safe-crate\",\"vers\":\"{version}\",\"deps\":[],\"cksum\":\"00\",\"features\":{{}},\"yanked\":{yanked}}}")
                .as_bytes(),
        );
        bytes.push(0);
    }
    bytes
}

/// A cargo home whose local index cache holds `safe-crate` with `versions`, and its reader.
fn safe_crate_cached(versions: &[(&str, bool)]) -> (tempfile::TempDir, IndexCache) {
    let home = tempfile::tempdir().unwrap();
    let file = home
        .path()
        .join("registry/index/some-index-0123/.cache/sa/fe/safe-crate");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, cache_file(versions)).unwrap();
    let index = IndexCache::new(Some(home.path().to_owned()));
    (home, index)
}

#[test]
fn a_yanked_version_is_read_from_cargos_local_index_cache() {
    let (_home, index) = safe_crate_cached(&[("2.0.0", false), ("2.1.0", true)]);
    assert_eq!(index.yanked("safe-crate", "2.0.0"), Some(false));
    assert_eq!(index.yanked("safe-crate", "9.9.9"), None);
    assert_eq!(index.yanked("leaky-buf", "1.2.0"), None, "not cached");
    let db = database(Some(Duration::from_secs(60)));
    let outcome = run_with(&db, &AdvisorySettings::default(), &index);
    let yanked = outcome
        .findings
        .iter()
        .find(|f| f.code.as_deref() == Some("yanked"))
        .expect("safe-crate 2.1.0 is yanked");
    assert_eq!(yanked.subject.as_deref(), Some("safe-crate"));
    assert!(
        yanked.message.starts_with("safe-crate 2.1.0 was yanked"),
        "{}",
        yanked.message
    );
    assert!(
        outcome
            .summary
            .contains("yanked: 1 of 1 looked up in cargo's local index cache"),
        "{}",
        outcome.summary
    );
}

#[test]
fn index_paths_follow_cargos_layout() {
    assert_eq!(index_path("a"), Some(PathBuf::from("1/a")));
    assert_eq!(index_path("ab"), Some(PathBuf::from("2/ab")));
    assert_eq!(index_path("abc"), Some(PathBuf::from("3/a/abc")));
    assert_eq!(index_path("serde"), Some(PathBuf::from("se/rd/serde")));
    assert_eq!(
        cached_yanked(b"\x03", "1.0.0"),
        None,
        "truncated: not a cache file"
    );
}

#[test]
fn settings_are_validated_with_their_place() {
    let known = crate::registry::known();
    let err = crate::config::parse_gate_toml(
        "[advisories]\nmax-age = \"soon\"\nunsound = \"ignore\"\n",
        "gate.toml",
        &known,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("gate.toml:2"), "{text}");
    assert!(text.contains("`soon` is not a duration"), "{text}");
    let all: Vec<String> = err.all().iter().map(ToString::to_string).collect();
    assert!(
        all.iter().any(|e| e.contains("`ignore` is not a level")),
        "{all:?}"
    );
}

#[test]
fn hostile_db_paths_and_urls_are_config_errors_with_their_place() {
    let known = crate::registry::known();
    for (value, message) in [
        (
            r#"db-path = """#,
            r#"gate.toml:2:11: db-path "" is refused: it is empty"#,
        ),
        (
            r#"db-path = ".""#,
            r#"gate.toml:2:11: db-path "." is refused: it is `.`, the workspace root"#,
        ),
        (
            r#"db-path = "./""#,
            r#"gate.toml:2:11: db-path "./" is refused: it is `.`"#,
        ),
        (
            r#"db-path = "db\u0000x""#,
            r#"gate.toml:2:11: db-path "db\0x" is refused: it holds a NUL byte"#,
        ),
        (
            r#"db-url = """#,
            r#"gate.toml:2:10: db-url "" is refused: it is empty"#,
        ),
        (
            r#"db-url = "--upload-pack=touch pwned""#,
            r#"gate.toml:2:10: db-url "--upload-pack=touch pwned" is refused: it starts with `-`"#,
        ),
        (
            r#"db-url = "ext::sh -c touch% pwned""#,
            "is refused: it is not an https://, ssh:// or file:// URL",
        ),
        (
            r#"db-url = "https://example.com/db\u0000""#,
            "is refused: it holds a control character",
        ),
    ] {
        let err = crate::config::parse_gate_toml(
            &format!("[advisories]\n{value}\n"),
            "gate.toml",
            &known,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(message), "{value}: {text}");
        let help = &err.all()[0].help;
        assert!(
            help.contains("db-path") || help.contains("https://"),
            "{value}: {help}"
        );
    }
    for value in [
        r#"db-path = "../advisory-db""#,
        r#"db-url = "git@github.com:rustsec/advisory-db.git""#,
        r#"db-url = "file:///srv/advisory-db""#,
    ] {
        let parsed = crate::config::parse_gate_toml(
            &format!("[advisories]\n{value}\n"),
            "gate.toml",
            &known,
        );
        assert!(parsed.is_ok(), "{value}: {:?}", parsed.err());
    }
}

/// Every package of `lockfile` but `left_out` shipped for x86_64 Linux, each by its
/// Cargo.lock path.
fn shipped_but(lockfile: &Lockfile, left_out: &str) -> Shipped {
    let graph = Graph::lockfile(lockfile, &["app".to_owned()]);
    Shipped {
        paths: graph
            .reached_nodes()
            .filter(|(_, n)| n.name != left_out)
            .map(|(i, n)| ((n.name.clone(), n.version.clone()), graph.path(i).unwrap()))
            .collect(),
        dev: DevEdges::default(),
        targets: "x86_64-unknown-linux-gnu".to_owned(),
    }
}

/// The check on the tests' lockfile, its shipped graph made by `shipped` from it.
fn run_shipped(
    shipped: impl FnOnce(&Lockfile) -> Shipped,
    settings: &AdvisorySettings,
    index: &IndexCache,
) -> Outcome {
    let text = lock_text();
    let lockfile: Lockfile = text.parse().unwrap();
    let db = database(Some(Duration::from_secs(3600)));
    let shipped = shipped(&lockfile);
    judge(Judge {
        lockfile: &lockfile,
        lock_text: &text,
        members: &["app".to_owned()],
        db: &db,
        settings,
        now: SystemTime::now(),
        index,
        shipped: Some(&shipped),
    })
}

/// A shipped package's finding shows its path in the shipped graph, not Cargo.lock's
/// shortest (which may run through a dev-dependency that never ships).
#[test]
fn a_shipped_package_shows_its_shipped_path() {
    let outcome = run_shipped(
        |lockfile| {
            let mut shipped = shipped_but(lockfile, "");
            // Cargo.lock's shortest is `app → leaky-buf 1.2.0`; say cargo builds it through
            // web-thing.
            shipped.paths.insert(
                ("leaky-buf".to_owned(), "1.2.0".to_owned()),
                "app → web-thing 1.0.0 → leaky-buf 1.2.0".to_owned(),
            );
            shipped
        },
        &AdvisorySettings::default(),
        &IndexCache::new(None),
    );
    let leaky = about(&outcome, "RUSTSEC-2099-0001");
    assert_eq!(leaky.severity, Severity::Error);
    assert!(
        leaky
            .message
            .ends_with("; from app → web-thing 1.0.0 → leaky-buf 1.2.0"),
        "{}",
        leaky.message
    );
}

/// An advisory of a package cargo does not build for the graph's targets (in Cargo.lock
/// only) is reported apart: a warning that says so, never a failure; the shipped one fails.
#[test]
fn an_advisory_of_a_package_only_in_the_lockfile_is_reported_apart() {
    // Everything ships but leaky-buf (say, a dev-dependency).
    let outcome = run_shipped(
        |lockfile| shipped_but(lockfile, "leaky-buf"),
        &AdvisorySettings::default(),
        &IndexCache::new(None),
    );
    let leaky = about(&outcome, "RUSTSEC-2099-0001");
    assert_eq!(leaky.severity, Severity::Warning);
    assert_eq!(leaky.code.as_deref(), Some("vulnerability"));
    assert!(
        leaky.message.contains(
            "; not built for x86_64-unknown-linux-gnu (in Cargo.lock only: a dev-dependency, \
             another platform's, or an optional feature nothing enables); from app → leaky-buf"
        ),
        "{}",
        leaky.message
    );
    // The shipped vulnerability still fails the check.
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    let shaky = about(&outcome, "RUSTSEC-2099-0004");
    assert_eq!(shaky.severity, Severity::Error);
}

/// A RustSec notice is a note unless `[advisories] notice` says otherwise (cargo-deny's
/// `notice`), then a warning or error with its own code.
#[test]
fn notices_are_notes_unless_configured() {
    let mut db = database(Some(Duration::from_secs(3600)));
    for advisory in &mut db.advisories {
        if advisory.id().as_str() == "RUSTSEC-2099-0005" {
            advisory.metadata.informational = Some(rustsec::advisory::Informational::Notice);
        }
    }
    let notice = |outcome: &Outcome| {
        outcome
            .findings
            .iter()
            .find(|f| f.subject.as_deref() == Some("RUSTSEC-2099-0005"))
            .map(|f| (f.severity, f.code.as_deref().map(str::to_owned)))
    };
    let default = run(&db, &AdvisorySettings::default());
    assert_eq!(notice(&default), Some((Severity::Note, None)));
    let failing = run(
        &db,
        &AdvisorySettings {
            notice: Level::Fail,
            ..AdvisorySettings::default()
        },
    );
    assert_eq!(
        notice(&failing),
        Some((Severity::Error, Some("notice".to_owned())))
    );
}

/// clap's yanked `alphanumeric-sort` is in Cargo.lock only (behind a feature nothing
/// enables): its yanked warning says so, as its advisories do, and with `[advisories] yanked
/// = "fail"` it still warns, never failing the verdict.
#[test]
fn a_yanked_package_only_in_the_lockfile_is_reported_apart() {
    let (_home, index) = safe_crate_cached(&[("2.1.0", true)]);
    let settings = AdvisorySettings {
        yanked: Level::Fail,
        ..AdvisorySettings::default()
    };
    let outcome = run_shipped(
        |lockfile| shipped_but(lockfile, "safe-crate"),
        &settings,
        &index,
    );
    let yanked = outcome
        .findings
        .iter()
        .find(|f| f.code.as_deref() == Some("yanked"))
        .expect("safe-crate 2.1.0 is yanked");
    assert_eq!(yanked.severity, Severity::Warning, "{yanked:?}");
    assert!(
        yanked
            .message
            .contains("moves off it; not built for x86_64-unknown-linux-gnu (in Cargo.lock only"),
        "{}",
        yanked.message
    );
}
