//! Unit tests of the configuration parser and validator.
use super::*;
use crate::checks::platform_matrix::Platform;

/// The day the tests validate on (waivers' expiry dates are measured from it).
const TODAY: &str = "2026-11-20";

fn today() -> Date {
    Date::parse(TODAY).unwrap()
}

/// Parses and validates `text` as `gate.toml`, with the registry's built-in ids (as `load`),
/// on [`TODAY`].
fn parse(text: &str) -> Result<Config, String> {
    parse_gate_toml_on(text, "gate.toml", &crate::registry::known(), today())
        .map_err(|e| format!("{e} | help: {}", e.help))
}

#[track_caller]
fn check_err(text: &str, expect: &str) {
    match parse(text) {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(e) => assert!(
            e.starts_with(expect),
            "error `{e}` does not start with `{expect}`"
        ),
    }
}

#[test]
fn empty_file_is_defaults_from_that_file() {
    let config = parse("").unwrap();
    assert_eq!(config.source, ConfigSource::File("gate.toml".into()));
    assert!(!config.profile_declared);
    assert_eq!(config.profile, Profile::Portable);
    assert_eq!(
        config
            .section(&crate::checks::history_window::HISTORY)
            .window,
        5
    );
}

#[test]
fn full_spec_example_parses() {
    let config = parse(
        r#"
[policy]
profile = "idiomatic"
strict = true
min-driver = "13.0"

[boundary]
allow-unsafe = ["ffi"]

[tests]
failure-paths = { io = "io_", process = "process_" }

[bench]
baseline = "benches/baseline.json"
max-regression = 0.05

[checklist]
path = "docs/READINESS.md"

[history]
window = 7

[matrix]
platforms = ["linux", "windows"]

[[check]]
id = "team.smoke"
stage = "controlled"
run = ["cargo", "xtask", "smoke"]
timeout = "10m"

[[waiver]]
check = "boundary.unsafe"
match = "ffi/*"
reason = "bindings"
owner = "platform-team"
expires = "2027-06-30"
"#,
    )
    .unwrap();
    assert_eq!(config.profile, Profile::Idiomatic);
    assert!(config.strict && config.profile_declared);
    assert_eq!(
        config.min_driver,
        Some(DriverVersion {
            major: 13,
            minor: 0
        })
    );
    assert_eq!(
        config
            .section(&crate::shared::sections::BOUNDARY)
            .allow_unsafe,
        ["ffi"]
    );
    assert_eq!(config.failure_paths.len(), 2);
    assert_eq!(
        config
            .section(&crate::checks::history_window::HISTORY)
            .window,
        7
    );
    assert_eq!(
        config.section(&crate::shared::sections::MATRIX).platforms,
        [Platform::Linux, Platform::Windows]
    );
    assert_eq!(config.custom_checks[0].timeout, Duration::from_secs(600));
    assert_eq!(config.custom_checks[0].stage, Stage::Controlled);
    assert_eq!(config.waivers[0].pattern.as_deref(), Some("ffi/*"));
}

#[test]
fn errors_point_at_line_and_column() {
    check_err(
        "[policy]\nprofil = \"x\"\n",
        "gate.toml:2:1: unknown field `profil`",
    );
    check_err(
        "[policy]\nstrict = \"yes\"\n",
        "gate.toml:2:10: invalid type: string",
    );
    check_err("[polcy]\n", "gate.toml:1:2: unknown field `polcy`");
    check_err("[policy\n", "gate.toml:1:8:");
    check_err(
        "[policy]\nprofile = \"loose\"\n",
        "gate.toml:2:11: unknown profile `loose`",
    );
    check_err(
        "[policy]\nmin-driver = \"13\"\n",
        "gate.toml:2:14: `13` is not a CUDA driver",
    );
    check_err(
        "[bench]\nmax-regression = 3.0\n",
        "gate.toml:2:18: max-regression = 3",
    );
    check_err(
        "[bench]\nno-benchmarks = { owner = \"\", reason = \"a CLI\" }\n",
        "gate.toml:2:17: `[bench] no-benchmarks` needs an owner and a reason",
    );
    check_err(
        "[bench]\nno-benchmarks = { owner = \"me\" }\n",
        "gate.toml:2:17: missing field `reason`",
    );
    check_err(
        "[bench]\ncommand = [\"make\", \"bench\"]\nno-benchmarks = { owner = \"me\", reason = \"none\" }\n",
        "gate.toml:3:17: `[bench] no-benchmarks` beside a `[bench] command`",
    );
    check_err(
        "[history]\nwindow = 0\n",
        "gate.toml:2:10: history window 0",
    );
    check_err(
        "[matrix]\nplatforms = [\"bsd\"]\n",
        "gate.toml:2:14: unknown platform `bsd`",
    );
    check_err(
        "[[check]]\nid = \"Smoke\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
        "gate.toml:2:6: `Smoke` is not a check id",
    );
    check_err(
        "[[check]]\nid = \"tests.pass\"\nstage = \"pilot\"\nrun = [\"true\"]\n",
        "gate.toml:2:6: `tests.pass` is the id of a built-in check",
    );
    check_err(
        "[[check]]\nid = \"team.x\"\nstage = \"canary\"\nrun = [\"true\"]\n",
        "gate.toml:3:9: unknown stage `canary`",
    );
    check_err(
        "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = []\n",
        "gate.toml:4:7: `run` is empty",
    );
    check_err(
        "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"x\"]\ntimeout = \"soon\"\n",
        "gate.toml:5:11: `soon` is not a duration",
    );
    // An overflowing duration panicked when added to the clock.
    check_err(
        "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"x\"]\ntimeout = \"18446744073709551615s\"\n",
        "gate.toml:5:11: `18446744073709551615s` is longer than a day",
    );
    check_err(
        "[tests]\ntimeout = \"0s\"\n",
        "gate.toml:2:11: `0s` is not a duration",
    );
    let team = "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"true\"]\n";
    check_err(
        &format!("{team}\n{team}"),
        "gate.toml:7:6: a second [[check]] with id `team.x`",
    );
    check_err(
        "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"\", \"x\"]\n",
        "gate.toml:4:7: `run` starts with an empty program name",
    );
    let waiver = |check: &str, owner: &str, expires: &str| {
        format!(
            "[[waiver]]\ncheck = \"{check}\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"{owner}\"\nexpires = \"{expires}\"\n"
        )
    };
    check_err(
        &waiver("nope.nope", "me", "2027-01-01"),
        "gate.toml:2:9: waiver names unknown check `nope.nope`",
    );
    check_err(
        &waiver("boundary.unsafe", " ", "2027-01-01"),
        "gate.toml:5:9: waiver for `boundary.unsafe` has an empty owner",
    );
    check_err(
        &waiver("boundary.unsafe", "me", "next year"),
        "gate.toml:6:11: `next year` is not a date",
    );
    // Calendar dates: the 31st of February was accepted and compared as a string.
    check_err(
        &waiver("boundary.unsafe", "me", "2026-02-31"),
        "gate.toml:6:11: `2026-02-31` is not a date",
    );
    check_err(
        &waiver("boundary.unsafe", "me", "2027-02-29"),
        "gate.toml:6:11: `2027-02-29` is not a date",
    );
    assert!(
        parse(&format!(
            "[policy]\nmax-waiver-days = 3650\n{}",
            waiver("boundary.unsafe", "me", "2028-02-29")
        ))
        .is_ok()
    );
    check_err(
        "[[waiver]]\ncheck = \"boundary.unsafe\"\n",
        "gate.toml:1:1: missing field `reason`",
    );
    check_err(
        "[[waiver]]\ncheck = \"boundary.unsafe\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n",
        "gate.toml:1:1: missing field `match`: waiver for `boundary.unsafe` names no finding",
    );
}

#[test]
fn manifest_section_is_found_and_spans_point_into_cargo_toml() {
    let text =
        "[workspace]\nmembers = []\n\n[workspace.metadata.gate.policy]\nprofile = \"rusty\"\n";
    let config = parse_manifest_section(text, "Cargo.toml", &crate::registry::known())
        .unwrap()
        .unwrap();
    assert_eq!(config.profile, Profile::Rusty);
    assert_eq!(
        config.source,
        ConfigSource::CargoMetadata("Cargo.toml".into())
    );

    let bad = "[workspace]\n\n[workspace.metadata.gate]\nwat = 1\n";
    let err = parse_manifest_section(bad, "Cargo.toml", &crate::registry::known()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cargo.toml:4:1: unknown field `wat`, expected one of `policy`, `tests`, `cache`, `check`, `waiver`, `boundary`, `cuda`, `sources`, `advisories`, `licenses`, `graph`, `bans`, `bench`, `matrix`, `history`, `checklist`"
    );

    assert_eq!(
        parse_manifest_section("[workspace]\n", "Cargo.toml", &crate::registry::known()).unwrap(),
        None
    );
    // Other metadata tables belong to other tools.
    let other = "[workspace.metadata.release]\nwhatever = 1\n";
    assert_eq!(
        parse_manifest_section(other, "Cargo.toml", &crate::registry::known()).unwrap(),
        None
    );
}

#[test]
fn a_single_crate_project_keeps_its_configuration_in_package_metadata() {
    let known = crate::registry::known();
    let text = "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[package.metadata.gate.policy]\nprofile = \"idiomatic\"\n";
    let config = parse_manifest_section(text, "Cargo.toml", &known)
        .unwrap()
        .unwrap();
    assert_eq!(config.profile, Profile::Idiomatic);
    assert_eq!(manifest_config_table(text), Some("[package.metadata.gate]"));
    // Its problems point into Cargo.toml as a workspace's do.
    let bad = "[package]\nname = \"x\"\n\n[package.metadata.gate]\nwat = 1\n";
    let err = parse_manifest_section(bad, "Cargo.toml", &known).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Cargo.toml:5:1: unknown field `wat`"),
        "{err}"
    );
    // Both tables: which one holds the configuration is ambiguous, so it is refused.
    let both = "[package]\nname = \"x\"\n[package.metadata.gate.policy]\nstrict = true\n[workspace]\n[workspace.metadata.gate.policy]\nstrict = false\n";
    let err = parse_manifest_section(both, "Cargo.toml", &known).unwrap_err();
    assert!(
        err.to_string().contains(
            "configuration found in both [workspace.metadata.gate] and [package.metadata.gate]"
        ),
        "{err}"
    );
    let not_a_table = "[package]\nname = \"x\"\n[package.metadata]\ngate = 1\n";
    let err = parse_manifest_section(not_a_table, "Cargo.toml", &known).unwrap_err();
    assert!(
        err.to_string()
            .contains("[package.metadata.gate] is not a table"),
        "{err}"
    );
}

#[test]
fn load_rejects_both_places_and_defaults_when_neither() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("Cargo.toml");
    std::fs::write(&manifest, "[workspace]\n").unwrap();
    assert_eq!(
        load_from(dir.path(), &manifest, None, &crate::registry::known()).unwrap(),
        defaults(&crate::registry::known())
    );

    std::fs::write(&manifest, "[workspace]\n[workspace.metadata.gate]\n").unwrap();
    std::fs::write(dir.path().join("gate.toml"), "").unwrap();
    let err = load_from(dir.path(), &manifest, None, &crate::registry::known()).unwrap_err();
    assert!(
        err.message
            .contains("both gate.toml and [workspace.metadata.gate]"),
        "{err}"
    );
    assert_eq!(err.file, "gate.toml");
}

#[test]
fn line_col_counts_characters() {
    assert_eq!(line_col("abc", 0), (1, 1));
    assert_eq!(line_col("a\nbc", 3), (2, 2));
    assert_eq!(line_col("é = 1", 3), (1, 3));
}

#[test]
fn a_directory_where_the_configuration_should_be_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    std::fs::create_dir(root.join("gate.toml")).unwrap();
    let err = load_from(
        root,
        &root.join("Cargo.toml"),
        None,
        &crate::registry::known(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "gate.toml: is a directory, not a configuration file"
    );
    let err = load_from(
        root,
        &root.join("Cargo.toml"),
        Some(&root.join("gate.toml")),
        &crate::registry::known(),
    )
    .unwrap_err();
    assert_eq!(err.file, "gate.toml");
}

#[test]
fn every_problem_is_reported_at_once_in_file_order() {
    let text = "[policy]\nprofile = \"fast\"\n\n[history]\nwindow = 0\n\n[[waiver]]\ncheck = \"no.such\"\nmatch = \"x\"\nreason = \"\"\nowner = \"o\"\nexpires = \"soon\"\n";
    let errors = parse_gate_toml(text, "gate.toml", &crate::registry::known()).unwrap_err();
    let shown: Vec<String> = errors.all().iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "gate.toml:2:11: unknown profile `fast`",
            "gate.toml:5:10: history window 0 is outside 1..=1000",
            "gate.toml:8:9: waiver names unknown check `no.such`",
            "gate.toml:10:10: waiver for `no.such` has an empty reason",
            "gate.toml:12:11: `soon` is not a date",
        ]
    );
    assert_eq!(
        errors.to_string(),
        "gate.toml:2:11: unknown profile `fast` (and 4 more)"
    );
    // Each problem is rendered with its own fix.
    let rendered = crate::error::GateError::Config(errors).render();
    assert_eq!(
        rendered.matches("error: invalid configuration: ").count(),
        5
    );
    assert_eq!(rendered.matches("  help: ").count(), 5);
}

#[test]
fn spans_are_kept_for_findings_about_the_configuration() {
    let text = "[boundary]\nallow-unsafe = [\"ffi\"]\n\n[[waiver]] # why\ncheck = \"boundary.unsafe\"\nmatch = \"ffi/**\"\nreason = \"r\"\nowner = \"o\"\n  expires = \"2027-01-01\"\n";
    let config = parse(text).unwrap();
    let at = |key: &str| config.spans.location(key).to_string();
    assert_eq!(at("boundary"), "gate.toml:1:1");
    assert_eq!(at("waiver[0]"), "gate.toml:4:1");
    assert_eq!(at("waiver[0].check"), "gate.toml:5:1");
    assert_eq!(at("waiver[0].expires"), "gate.toml:9:3");
    assert_eq!(at("waiver[1]"), "gate.toml");
    // Spans are where things are written, not what the policy is: the digest ignores them.
    let moved = parse(&text.replace("[boundary]", "\n\n[boundary]")).unwrap();
    assert_eq!(moved.effective_json(), config.effective_json());
    assert_ne!(moved.spans, config.spans);
}

/// A `[[waiver]]` with `body` (its selectors) for `check`, expiring on `expires`.
fn waiver_with(check: &str, body: &str, expires: &str) -> String {
    format!(
        "[[waiver]]\ncheck = \"{check}\"\n{body}\nreason = \"r\"\nowner = \"o\"\nexpires = \"{expires}\"\n"
    )
}

#[test]
fn waivers_that_could_hide_what_they_never_saw_are_refused() {
    let soon = "2027-01-31";
    for (check, body, expect) in [
        // A substring of every message.
        (
            "boundary.unsafe",
            "match = \"\"",
            "gate.toml:3:9: waiver for `boundary.unsafe` has an empty `match`; as a substring of every message",
        ),
        (
            "boundary.unsafe",
            "match = \"  \"",
            "gate.toml:3:9: waiver for `boundary.unsafe` has an empty `match`",
        ),
        (
            "boundary.unsafe",
            "text = \"\"",
            "gate.toml:3:8: waiver for `boundary.unsafe` has an empty `text`",
        ),
        (
            "boundary.unsafe",
            "code = \" \"",
            "gate.toml:3:8: waiver for `boundary.unsafe` has an empty `code`",
        ),
        // An invalid glob covered nothing, silently.
        (
            "boundary.unsafe",
            "match = \"src/[abc.rs\"",
            "gate.toml:3:9: match `src/[abc.rs` is not a valid glob: unclosed character class",
        ),
        (
            "boundary.unsafe",
            "match = \"{src,tests/**\"",
            "gate.toml:3:9: match `{src,tests/**` is not a valid glob",
        ),
        // A glob of every file is every finding with a place.
        (
            "boundary.unsafe",
            "match = \"**/*\"",
            "gate.toml:3:9: match `**/*` matches every file",
        ),
        (
            "deps.duplicates",
            "match = \"*\"",
            "gate.toml:3:9: match `*` matches every file",
        ),
        // Failing tests are fixed, never waived.
        (
            "tests.pass",
            "match = \"flaky_network\"",
            "gate.toml:2:9: `tests.pass` cannot be waived",
        ),
        // Secrets: by path only.
        (
            "secrets.scan",
            "match = \"github-token\"",
            "gate.toml:3:9: a waiver for `secrets.scan` must name the files it covers",
        ),
        (
            "secrets.scan",
            "match = \"**/*.pem\"",
            "gate.toml:3:9: a waiver for `secrets.scan` must name the files it covers",
        ),
        (
            "secrets.scan",
            "code = \"secret-in-tree\"",
            "gate.toml:2:9: a waiver for `secrets.scan` must name the files it covers",
        ),
        (
            "secrets.scan",
            "match = \"tests/*\"",
            "gate.toml:3:9: a waiver for `secrets.scan` must name the files it covers",
        ),
        // Selectors that select nothing, or nothing sensible.
        (
            "boundary.unsafe",
            "code = \"Unsafe Outside\"",
            "gate.toml:3:8: `Unsafe Outside` is not a finding code",
        ),
        (
            "ci.locked",
            "code = \"cargo-without-locked\"\nline = 7",
            "gate.toml:4:8: waiver gives `line` without `file`",
        ),
        (
            "ci.locked",
            "file = \"ci.yml\"\nline = 0",
            "gate.toml:4:8: line 0 is not a line number",
        ),
    ] {
        check_err(&waiver_with(check, body, soon), expect);
    }
    // What a careful user writes is accepted: a path-scoped secrets waiver, an exact
    // finding, a code.
    for (check, body) in [
        ("secrets.scan", "match = \"tests/fixtures/keys/*.pem\""),
        ("secrets.scan", "file = \"fixture.pem\""),
        (
            "secrets.scan",
            "file = \"tests/keys/a.pem\"\ncode = \"secret-in-tree\"",
        ),
        (
            "ci.locked",
            "code = \"cargo-without-locked\"\nfile = \".github/workflows/ci.yml\"\nline = 7\ntext = \"`cargo build`\"",
        ),
        ("deps.duplicates", "match = \"duplicate-version\""),
        ("boundary.unsafe", "match = \"ffi/**\""),
        // Square brackets in message text are a valid glob class: still a match.
        ("config.valid", "match = \"[boundary] allow-unsafe\""),
    ] {
        let config = parse(&waiver_with(check, body, soon))
            .unwrap_or_else(|e| panic!("{check} {body}: {e}"));
        assert_eq!(config.waivers.len(), 1);
    }
}

#[test]
fn a_waiver_expires_within_max_waiver_days_of_today() {
    // TODAY is 2026-11-20: the default allows up to 2027-11-20.
    assert!(
        parse(&waiver_with(
            "boundary.unsafe",
            "match = \"ffi/**\"",
            "2027-11-20"
        ))
        .is_ok()
    );
    check_err(
        &waiver_with("boundary.unsafe", "match = \"ffi/**\"", "9999-12-31"),
        "gate.toml:6:11: waiver for `boundary.unsafe` expires on 9999-12-31, more than 365 days \
         from today (2026-11-20): the longest a waiver may run is 365 days ([policy] \
         max-waiver-days) | help: expire it on 2027-11-20 or earlier",
    );
    check_err(
        &waiver_with("boundary.unsafe", "match = \"ffi/**\"", "2027-11-21"),
        "gate.toml:6:11: waiver for `boundary.unsafe` expires on 2027-11-21, more than 365 days",
    );
    // Configurable, within bounds; an expired waiver is not a configuration error (it is
    // waivers.current's finding).
    let short = format!(
        "[policy]\nmax-waiver-days = 30\n{}",
        waiver_with("boundary.unsafe", "match = \"ffi/**\"", "2027-01-31")
    );
    check_err(
        &short,
        "gate.toml:8:11: waiver for `boundary.unsafe` expires on 2027-01-31, more than 30 days",
    );
    let long = format!(
        "[policy]\nmax-waiver-days = 3650\n{}",
        waiver_with("boundary.unsafe", "match = \"ffi/**\"", "2036-01-01")
    );
    assert_eq!(parse(&long).unwrap().max_waiver_days, 3650);
    assert!(
        parse(&waiver_with(
            "boundary.unsafe",
            "match = \"ffi/**\"",
            "2020-01-01"
        ))
        .is_ok()
    );
    for days in ["0", "-1", "3651", "99999999999"] {
        check_err(
            &format!("[policy]\nmax-waiver-days = {days}\n"),
            &format!("gate.toml:2:19: max-waiver-days {days} is outside 1..=3650"),
        );
    }
    assert_eq!(parse("").unwrap().max_waiver_days, DEFAULT_MAX_WAIVER_DAYS);
}

#[test]
fn old_waivers_with_a_match_keep_their_meaning() {
    let config = parse(&waiver_with(
        "boundary.unsafe",
        "match = \"ffi/**\"",
        "2027-01-31",
    ))
    .unwrap();
    let w = &config.waivers[0];
    assert_eq!(w.pattern.as_deref(), Some("ffi/**"));
    assert_eq!(
        (w.code.as_ref(), w.file.as_ref(), w.line),
        (None, None, None)
    );
    // report.json keeps its shape for them: no new keys.
    let json = serde_json::to_value(w).unwrap();
    assert_eq!(
        json.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["check", "expires", "match", "owner", "reason"]
    );
}

#[test]
fn matrix_accepts_emulated_evidence_only_when_told() {
    assert!(
        !parse("")
            .unwrap()
            .section(&crate::shared::sections::MATRIX)
            .accept_emulated
    );
    let config = parse("[matrix]\nplatforms = [\"windows\"]\naccept-emulated = true\n").unwrap();
    assert!(
        config
            .section(&crate::shared::sections::MATRIX)
            .accept_emulated
    );
    assert!(parse("[matrix]\naccept-emulated = \"yes\"\n").is_err());
}

/// A waiver written with Windows separators names the file findings name `/`-separated.
#[test]
fn a_waivers_file_may_be_written_with_backslashes() {
    let config = parse(&waiver_with(
        "secrets.scan",
        "file = 'tests\\fixtures\\keys\\test.pem'",
        "2027-01-31",
    ))
    .unwrap();
    assert_eq!(
        config.waivers[0].file.as_deref(),
        Some("tests/fixtures/keys/test.pem")
    );
}

#[test]
fn gate_configuration_in_a_members_manifest_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("Cargo.toml", "[workspace]\nmembers = [\"app\", \"lib\"]\n");
    write(
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[package.metadata.gate.policy]\nprofile = \"rusty\"\n",
    );
    write(
        "lib/Cargo.toml",
        "[package]\nname = \"lib\"\nversion = \"0.1.0\"\n",
    );
    let ws = crate::workspace::Workspace::for_tests(root, &["app", "lib"]);
    let known = crate::registry::known();
    let err = load(&ws.config_layout(), None, &known).unwrap_err();
    assert_eq!(err.all().len(), 1, "{:?}", err.all());
    assert_eq!(
        err.to_string(),
        "app/Cargo.toml:5:19: [package.metadata.gate] in the manifest of member `app` is never \
         read: the gate reads its configuration from gate.toml or [workspace.metadata.gate] in \
         the root Cargo.toml"
    );
    assert!(
        err.help.starts_with("move these settings into gate.toml"),
        "{}",
        err.help
    );
    // With --config too: the member's table is still never read.
    write("gate.toml", "");
    assert!(load(&ws.config_layout(), Some(&root.join("gate.toml")), &known).is_err());
    // Both problems at once: the member's table and a bad gate.toml.
    write("gate.toml", "[policy]\nprofile = \"wild\"\n");
    assert_eq!(
        load(&ws.config_layout(), None, &known)
            .unwrap_err()
            .all()
            .len(),
        2
    );
    // Moved to the root: fine.
    write(
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
    );
    write("gate.toml", "[policy]\nprofile = \"rusty\"\n");
    assert_eq!(
        load(&ws.config_layout(), None, &known).unwrap().profile,
        Profile::Rusty
    );
    // A single-crate project keeps [package.metadata.gate] in its own (root) manifest.
    let single = tempfile::tempdir().unwrap();
    std::fs::write(
        single.path().join("Cargo.toml"),
        "[package]\nname = \"one\"\nversion = \"0.1.0\"\n\n[package.metadata.gate.policy]\nprofile = \"rusty\"\n",
    )
    .unwrap();
    let mut ws = crate::workspace::Workspace::for_tests(single.path(), &[]);
    ws.members.push(crate::workspace::Member {
        name: "one".into(),
        dir: single.path().to_owned(),
    });
    assert_eq!(
        load(&ws.config_layout(), None, &known).unwrap().profile,
        Profile::Rusty
    );
}

/// Hostile values of every kind a table holds read back as validated, never a panic at the
/// check: the extremes of a duration, of a float, strings with quotes and newlines.
#[test]
fn hostile_settings_read_back_as_validated() {
    let mut parsed = 0;
    for age in [
        "1ns",
        "18446744073709551615s",
        "213503982334days 23h",
        "90days 1ns",
    ] {
        let text = format!("[advisories]\nmax-age = \"{age}\"\n");
        let Ok(config) = parse(&text) else { continue };
        parsed += 1;
        let kept = config.section(&crate::shared::sections::ADVISORIES).max_age;
        assert_eq!(Some(kept), humantime::parse_duration(age).ok(), "{age}");
    }
    assert!(parsed >= 3, "only {parsed} of the durations parsed");
    let config = parse(
        "[bench]\nmax-regression = 1e-300\ncommand = [\"a\\\"b\", \"c\\nd\"]\n\
         [checklist]\npath = \"R\\u0000E.md\"\n",
    );
    let bench = config.unwrap().section(&crate::shared::sections::BENCH);
    assert_eq!(bench.max_regression, 1e-300);
    assert_eq!(bench.command, ["a\"b", "c\nd"]);
}

#[test]
fn a_section_is_read_through_its_table_and_a_hand_built_config_has_the_tables_defaults() {
    use crate::checks::history_window::HISTORY;
    let config = parse("[history]\nwindow = 9\n").unwrap();
    assert_eq!(config.section(&HISTORY).window, 9);
    // No sections at all (a configuration built by hand for one check's tests): the table's
    // own defaults, the settings a gate.toml without the table gets.
    assert_eq!(
        Config::default().section(&HISTORY),
        parse("").unwrap().section(&HISTORY)
    );
}

/// The settings are kept as the JSON the policy digest covers and read back from it: every
/// table, written with values that are not its defaults, reads back as validated (the
/// round trip `Settings::new` asserts in debug builds), so a check judges by exactly what the
/// digest commits to.
#[test]
fn every_tables_settings_read_back_from_the_json_the_digest_covers() {
    let config = parse(
        "[advisories]\nmax-age = \"3600s\"\nunsound = \"warn\"\n\
         [bans]\ndeny = [\"openssl\"]\n\
         [sources]\nallow-git = [\"https://example.org/x\"]\n\
         [licenses]\nallow = [\"MIT\"]\n\
         [graph]\ntargets = [\"x86_64-unknown-linux-gnu\"]\n\
         [history]\nwindow = 3\n[checklist]\npath = \"READY.md\"\n",
    )
    .unwrap();
    let advisories = config.section(&crate::shared::sections::ADVISORIES);
    assert_eq!(advisories.max_age, std::time::Duration::from_secs(3600));
    assert_eq!(
        config
            .section(&crate::checks::checklist_closed::CHECKLIST)
            .path,
        "READY.md"
    );
    assert_eq!(
        config.section(&crate::checks::deps_bans::BANS).deny.len(),
        1
    );
    // A duration below a second is kept whole (it was cut to whole seconds in the digest).
    let fine = parse("[advisories]\nmax-age = \"1500ms\"\n").unwrap();
    assert_eq!(
        fine.section(&crate::shared::sections::ADVISORIES).max_age,
        std::time::Duration::from_millis(1500)
    );
    let defaults = parse("").unwrap();
    assert_eq!(
        defaults
            .section(&crate::shared::sections::ADVISORIES)
            .max_age,
        std::time::Duration::from_secs(90 * 86_400)
    );
}
