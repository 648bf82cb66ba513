//! Tests of `cargo gate init`: plans, refusals, all-or-nothing writes, baselines, templates.

use super::baseline::*;
use super::model::*;
use super::plan::*;
use crate::check::{Check, Context, Earlier, Location, Outcome, Status};
use crate::check::{Finding, Severity};
use crate::checks::boundary_unsafe::BoundaryUnsafe;
use crate::checks::checklist_closed::ChecklistClosed;
use crate::checks::ci_locked::CiLocked;
use crate::checks::testing::with_files;
use crate::config::{Config, parse_gate_toml_on};
use crate::policy::Profile;
use crate::workspace::Workspace;
use gate_support::date::Date;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const TODAY: &str = "2026-11-20";
const EXPIRES: &str = "2027-02-18";

fn opts(force: bool, dry_run: bool, baseline: bool) -> InitOptions {
    InitOptions {
        shards: None,
        force,
        dry_run,
        baseline,
    }
}

fn workspace(root: &Path, members: &[&str]) -> Workspace {
    Workspace::for_tests(root, members)
}

/// Every file and directory under `root` with the bytes of the files.
fn tree(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                out.insert(rel, None);
                stack.push(path);
            } else {
                out.insert(rel, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

fn file<'a>(files: &'a [PlannedFile], path: &str) -> &'a PlannedFile {
    files.iter().find(|f| f.path == path).unwrap()
}

/// The gate.toml `text`, validated on [`TODAY`] (the day the plans are made).
fn parse(text: &str) -> Config {
    let today = Date::parse(TODAY).unwrap();
    parse_gate_toml_on(text, GATE_TOML, &crate::registry::known(), today)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn planned(ws: &Workspace, findings: &[(String, Finding)], o: InitOptions) -> Vec<PlannedFile> {
    plan(ws, findings, &o, TODAY).unwrap()
}

#[test]
fn the_plan_has_the_three_files_and_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), &[]);
    let o = opts(false, false, false);
    let files = planned(&ws, &[], o);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, [GATE_TOML, READINESS, WORKFLOW]);
    assert!(
        files
            .iter()
            .all(|f| !f.exists && f.contents.ends_with('\n'))
    );
    write(dir.path(), &files, &o).unwrap();
    for f in &files {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&f.path)).unwrap(),
            f.contents
        );
    }
    // No temporary file is left behind.
    let names: Vec<String> = tree(dir.path()).into_keys().collect();
    assert_eq!(
        names,
        [
            ".github",
            ".github/workflows",
            ".github/workflows/gate.yml",
            "docs",
            "docs/READINESS.md",
            "gate.toml"
        ]
    );
    let summary = describe(&files, &o);
    assert!(summary.starts_with("created gate.toml ("), "{summary}");
    assert!(summary.contains("created .github/workflows/gate.yml"));
}

#[test]
fn unsafe_code_under_a_nested_manifest_is_the_naming_member_s() {
    // crash-handling's shape: `app` builds `tool/src/main.rs`, under a stale manifest of its
    // own that no walk enters; `boundary.unsafe` scans it as `app`'s, and so must init.
    let dir = tempfile::tempdir().unwrap();
    crate::checks::testing::write_files(
        dir.path(),
        &[
            (
                "app/Cargo.toml",
                "[package]\nname = \"app\"\n\n[[bin]]\nname = \"tool\"\npath = \"../tool/src/main.rs\"\n",
            ),
            ("app/src/lib.rs", ""),
            (
                "tool/Cargo.toml",
                "[package]\nname = \"tool\"\n[workspace]\n",
            ),
            (
                "tool/src/main.rs",
                "fn main() { let p = &1u8 as *const u8; unsafe { *p }; }\n",
            ),
        ],
    );
    let ws = workspace(dir.path(), &["app"]);
    let files = planned(&ws, &[], opts(false, false, false));
    let text = &file(&files, GATE_TOML).contents;
    assert!(
        text.contains("# Members with unsafe code or FFI on 2026-11-20: app."),
        "{text}"
    );
}

#[test]
fn gate_toml_without_baseline_parses_to_the_conservative_defaults() {
    let dir = tempfile::tempdir().unwrap();
    crate::checks::testing::write_files(
        dir.path(),
        &[(
            "ffi/src/lib.rs",
            "pub fn f(p: *const u8) -> u8 { unsafe { *p } }\n",
        )],
    );
    let ws = workspace(dir.path(), &["app", "ffi"]);
    // Findings are ignored without --baseline.
    let finding = ("tests.pass".to_owned(), Finding::error("test failed: t"));
    let files = planned(&ws, &[finding], opts(false, false, false));
    let text = &file(&files, GATE_TOML).contents;
    let config = parse(text);
    let defaults = crate::config::defaults(&crate::registry::known());
    assert!(config.profile_declared);
    assert_eq!(config.profile, Profile::Portable);
    assert!(!config.strict);
    assert_eq!(config.min_driver, None);
    assert!(
        config
            .section(&crate::shared::sections::BOUNDARY)
            .allow_unsafe
            .is_empty()
    );
    assert!(config.failure_paths.is_empty());
    assert_eq!(
        config
            .section(&crate::checks::checklist_closed::CHECKLIST)
            .path,
        READINESS
    );
    // Every table a check owns holds its defaults.
    assert_eq!(config.sections, defaults.sections);
    assert!(config.custom_checks.is_empty() && config.waivers.is_empty());
    // The members with unsafe code today are named in a comment, not allowed.
    assert!(
        text.contains("# Members with unsafe code or FFI on 2026-11-20: ffi."),
        "{text}"
    );
    // Every section of the configuration is shown, with a comment before it.
    for section in [
        "[policy]",
        "[boundary]",
        "[tests]",
        "[bench]",
        "[checklist]",
        "[history]",
        "[matrix]",
        "# [[check]]",
        "# [[waiver]]",
    ] {
        let at = text.find(section).unwrap_or_else(|| panic!("{section}"));
        let after = text[at..].lines().nth(1).unwrap_or_default();
        assert!(after.starts_with("# "), "{section}: {after}");
    }
    for key in ["min-driver", "allow-unsafe", "failure-paths", "command ="] {
        assert!(text.contains(key), "{key}");
    }
}

#[test]
fn an_existing_file_refuses_by_name_and_leaves_the_tree_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    crate::checks::testing::write_files(
        dir.path(),
        &[
            ("gate.toml", "[policy]\nprofile = \"rusty\"\n"),
            ("docs/READINESS.md", "- [x] mine — evidence: tests.pass\n"),
            ("src/lib.rs", "\n"),
        ],
    );
    let ws = workspace(dir.path(), &[]);
    let before = tree(dir.path());
    for o in [opts(false, false, false), opts(false, true, true)] {
        let err = plan(&ws, &[], &o, TODAY).unwrap_err();
        match &err {
            InitError::Exists { paths } => assert_eq!(paths, &[GATE_TOML, READINESS]),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("gate.toml, docs/READINESS.md"));
        assert!(err.help().unwrap().contains("--force"));
    }
    // A plan made with --force, written without it: refused by write too.
    let files = planned(&ws, &[], opts(true, false, false));
    let err = write(dir.path(), &files, &opts(false, false, false)).unwrap_err();
    assert!(matches!(err, InitError::Exists { .. }), "{err:?}");
    // Only the workflow missing: still refused, all or nothing.
    std::fs::remove_file(dir.path().join("gate.toml")).unwrap();
    let before_one = tree(dir.path());
    let err = plan(&ws, &[], &opts(false, false, false), TODAY).unwrap_err();
    assert!(matches!(err, InitError::Exists { ref paths } if paths == &[READINESS]));
    assert_eq!(tree(dir.path()), before_one);
    assert_ne!(before, before_one);
}

#[test]
fn force_overwrites_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    crate::checks::testing::write_files(dir.path(), &[("gate.toml", "old\n")]);
    let ws = workspace(dir.path(), &[]);
    let o = opts(true, false, false);
    let files = planned(&ws, &[], o);
    assert!(file(&files, GATE_TOML).exists);
    assert!(!file(&files, WORKFLOW).exists);
    write(dir.path(), &files, &o).unwrap();
    let written = std::fs::read_to_string(dir.path().join("gate.toml")).unwrap();
    assert_eq!(written, file(&files, GATE_TOML).contents);
    assert!(describe(&files, &o).contains("overwrote gate.toml"));
    assert_eq!(tree(dir.path()).len(), 6, "no temporary files");
}

#[test]
fn a_dry_run_writes_nothing_and_shows_everything() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), &[]);
    let o = opts(false, true, false);
    let files = planned(&ws, &[], o);
    assert_eq!(files.len(), 3);
    write(dir.path(), &files, &o).unwrap();
    assert!(tree(dir.path()).is_empty());
    let shown = describe(&files, &o);
    assert!(shown.starts_with("would create gate.toml"));
    assert!(shown.contains("--- .github/workflows/gate.yml ---\n# cargo-gate in CI"));
    assert!(shown.ends_with("dry run: nothing was written\n"));
}

#[test]
fn a_directory_in_the_way_or_a_config_in_cargo_toml_refuses_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("gate.toml")).unwrap();
    let ws = workspace(dir.path(), &[]);
    let err = plan(&ws, &[], &opts(true, false, false), TODAY).unwrap_err();
    assert!(matches!(err, InitError::NotAFile { ref path } if path == GATE_TOML));
    std::fs::remove_dir(dir.path().join("gate.toml")).unwrap();
    crate::checks::testing::write_files(
        dir.path(),
        &[(
            "Cargo.toml",
            "[workspace]\nmembers = []\n[workspace.metadata.gate.policy]\nprofile = \"rusty\"\n",
        )],
    );
    let err = plan(&ws, &[], &opts(true, false, false), TODAY).unwrap_err();
    assert!(
        matches!(err, InitError::ConfigInManifest { ref manifest, .. } if manifest == "Cargo.toml")
    );
    // A manifest without the table is fine.
    crate::checks::testing::write_files(dir.path(), &[("Cargo.toml", "[workspace]\n")]);
    assert!(plan(&ws, &[], &opts(false, false, false), TODAY).is_ok());
    // So is a bad date refused, and a path outside the workspace never written.
    assert!(matches!(
        plan(&ws, &[], &opts(false, false, false), "2026-02-30"),
        Err(InitError::BadDate { .. })
    ));
    let outside = [PlannedFile {
        path: "../x".into(),
        contents: String::new(),
        exists: false,
    }];
    assert!(matches!(
        write(dir.path(), &outside, &opts(true, false, false)),
        Err(InitError::BadPath { .. })
    ));
}

fn synthetic_findings() -> Vec<(String, Finding)> {
    vec![
        (
            "lockfile.locked".into(),
            Finding::error("Cargo.lock is not tracked by git")
                .code(crate::check::test_codes::TestCode::LockfileUntracked)
                .at(Location::file("Cargo.lock")),
        ),
        (
            "tests.pass".into(),
            Finding::error("test failed: net_timeout").subject("net_timeout"),
        ),
        (
            "tests.pass".into(),
            Finding::error("test failed: io_full").subject("io_full"),
        ),
        (
            "kernels.build".into(),
            Finding::error("gate-kernels: PTX needs CUDA 13.1\nsecond line"),
        ),
        (
            "lockfile.locked".into(),
            Finding::error("Cargo.lock is stale")
                .code(crate::check::test_codes::TestCode::LockfileStale)
                .at(Location::file("Cargo.lock")),
        ),
        (
            "boundary.unsafe".into(),
            Finding::warning("could not read the file: denied")
                .at(Location::file("app/src/[odd]*.rs")),
        ),
        // Two sites of one kind in one file (no line in the identity: lines move).
        (
            "boundary.unsafe".into(),
            Finding::error("inline assembly in crate `app`")
                .code(crate::check::test_codes::TestCode::UnsafeOutsideAllowed)
                .subject("app")
                .at(Location::at("app/src/asm.rs", 3, 5)),
        ),
        (
            "boundary.unsafe".into(),
            Finding::error("inline assembly in crate `app`")
                .code(crate::check::test_codes::TestCode::UnsafeOutsideAllowed)
                .subject("app")
                .at(Location::at("app/src/asm.rs", 9, 5)),
        ),
        // Not waived: notes, what init replaces, ids the new config would not know.
        ("tests.pass".into(), Finding::note("102 passed")),
        (
            "config.valid".into(),
            Finding::warning("[boundary] allow-unsafe names `gone`").subject("gone"),
        ),
        (
            "ci.locked".into(),
            Finding::warning("no CI configuration found").at(Location::file(".github/workflows")),
        ),
        (
            "checklist.closed".into(),
            Finding::error("docs/READINESS.md does not exist").at(Location::file(READINESS)),
        ),
        ("team.smoke".into(), Finding::error("exit status 1")),
    ]
}

#[test]
fn baseline_findings_become_waivers_that_parse_and_cover_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), &[]);
    let findings = synthetic_findings();
    let files = planned(&ws, &findings, opts(false, false, true));
    let text = &file(&files, GATE_TOML).contents;
    let config = parse(text);
    let listed: Vec<(&str, String)> = config
        .waivers
        .iter()
        .map(|w| (w.check.as_str(), w.selection()))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "lockfile.locked",
                "code = \"lockfile-untracked\", file = \"Cargo.lock\"".to_owned()
            ),
            (
                "kernels.build",
                "text = \"gate-kernels: PTX needs CUDA 13.1\"".to_owned()
            ),
            (
                "lockfile.locked",
                "code = \"lockfile-stale\", file = \"Cargo.lock\"".to_owned()
            ),
            (
                "boundary.unsafe",
                "file = \"app/src/[odd]*.rs\", text = \"could not read the file: denied\""
                    .to_owned()
            ),
            (
                "boundary.unsafe",
                "code = \"unsafe-outside-allowed\", subject = \"app\", file = \"app/src/asm.rs\""
                    .to_owned()
            ),
        ]
    );
    assert!(config.waivers.iter().all(|w| w.pattern.is_none()));
    for w in &config.waivers {
        assert_eq!(
            w.reason,
            "baseline: recorded by cargo gate init on 2026-11-20"
        );
        assert_eq!(w.owner, BASELINE_OWNER);
        assert_eq!(w.expires, EXPIRES);
    }
    assert!(text.contains("# 2 finding(s), e.g.: inline assembly in crate `app`\n"));
    // Failing tests are never waived: they are listed with what fixes them.
    assert_eq!(
        not_waived(&findings),
        [
            "not waived: tests.pass: test failed: net_timeout — run `cargo test --locked \
             --workspace` and fix it",
            "not waived: tests.pass: test failed: io_full — run `cargo test --locked \
             --workspace` and fix it",
        ]
    );
    assert!(text.contains("expires on 2027-02-18"));
    // Every finding that was waived is covered by a current waiver the way the engine
    // applies them, so each of those checks comes out WAIVED.
    for check in ["lockfile.locked", "kernels.build", "boundary.unsafe"] {
        let mut outcome = Outcome::fail("x").with_findings(
            findings
                .iter()
                .filter(|(c, _)| c == check)
                .map(|(_, f)| f.clone()),
        );
        let used = crate::verdict::waiver::apply(&config.waivers, check, &mut outcome, TODAY);
        assert_eq!(outcome.status, Status::Waived, "{check}: {outcome:?}");
        assert!(!used.is_empty());
    }
    // And they still hold on the last day, not the day after.
    let mut outcome = Outcome::fail("x").with_findings([findings[0].1.clone()]);
    crate::verdict::waiver::apply(
        &config.waivers,
        "lockfile.locked",
        &mut outcome,
        "2027-02-19",
    );
    assert_eq!(outcome.status, Status::Fail);
}

#[test]
fn a_baseline_of_nothing_still_parses() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), &[]);
    let files = planned(&ws, &[], opts(false, false, true));
    let text = &file(&files, GATE_TOML).contents;
    let config = parse(text);
    assert!(config.waivers.is_empty());
    assert!(text.contains("# (No finding needed one.)"));
}

const APP: &str = "pub fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n";
const FFI: &str = "unsafe extern \"C\" { fn abs(x: i32) -> i32; }\n\
                   pub fn g() { unsafe { core::arch::asm!(\"nop\") } }\n";

#[test]
fn a_baseline_allows_todays_unsafe_crates_and_the_gate_starts_green() {
    with_files(
        &[
            ("app/src/lib.rs", APP),
            ("ffi/src/lib.rs", FFI),
            ("clean/src/lib.rs", "\n"),
        ],
        &["app", "clean", "ffi"],
        Config::default(),
        |ctx| {
            let before = BoundaryUnsafe.run(ctx);
            assert_eq!(before.status, Status::Fail);
            let findings: Vec<(String, Finding)> = before
                .findings
                .iter()
                .map(|f| ("boundary.unsafe".to_owned(), f.clone()))
                .collect();
            let ws = ctx.workspace;
            let o = opts(false, false, true);
            let files = planned(ws, &findings, o);
            write(&ws.root, &files, &o).unwrap();
            let text = std::fs::read_to_string(ws.root.join(GATE_TOML)).unwrap();
            let config = parse(&text);
            assert_eq!(
                config
                    .section(&crate::shared::sections::BOUNDARY)
                    .allow_unsafe,
                ["app", "ffi"]
            );
            // Only the inline assembly, which portable allows nowhere, needs a waiver.
            assert_eq!(config.waivers.len(), 1, "{text}");
            let w = &config.waivers[0];
            assert_eq!(w.file.as_deref(), Some("ffi/src/lib.rs"));
            assert_eq!(w.code.as_deref(), Some("unsafe-outside-allowed"));
            let after = BoundaryUnsafe.run(&Context {
                config: &config,
                ..*ctx
            });
            let mut after = after;
            let used = crate::verdict::waiver::apply(
                &config.waivers,
                "boundary.unsafe",
                &mut after,
                TODAY,
            );
            assert_eq!(after.status, Status::Waived, "{after:?}");
            assert_eq!(used, [0], "every waiver is used");
        },
    );
}

/// The hostile finding: a baseline waiver covered its whole file, so a finding added to
/// that file later was waived unseen. Now each waiver names one finding.
#[test]
fn a_finding_added_after_the_baseline_in_the_same_file_fails() {
    const CI: &str = ".github/workflows/ci.yml";
    let before = "name: ci\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      \
                  - run: cargo build --release\n";
    // The same command on another line, and a new one.
    let after = format!("{before}      - run: cargo test\n      - run: cargo build --release\n");
    with_files(
        &[("Cargo.lock", "version = 4\n"), (CI, before)],
        &[],
        Config::default(),
        |ctx| {
            let outcome = CiLocked.run(ctx);
            assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
            let findings: Vec<(String, Finding)> = outcome
                .findings
                .iter()
                .map(|f| ("ci.locked".to_owned(), f.clone()))
                .collect();
            let files = planned(ctx.workspace, &findings, opts(false, true, true));
            let text = &file(&files, GATE_TOML).contents;
            assert!(
                text.contains(
                    "check = \"ci.locked\"\ncode = \"cargo-without-locked\"\nfile = \
                     \".github/workflows/ci.yml\"\ntext = \"`cargo build --release` (job `t`, \
                     step 1)\"\n"
                ),
                "{text}"
            );
            let config = parse(text);
            let mut today = CiLocked.run(ctx);
            crate::verdict::waiver::apply(&config.waivers, "ci.locked", &mut today, TODAY);
            assert_eq!(today.status, Status::Waived, "{today:?}");

            crate::checks::testing::write_files(&ctx.workspace.root, &[(CI, &after)]);
            let mut later = CiLocked.run(ctx);
            crate::verdict::waiver::apply(&config.waivers, "ci.locked", &mut later, TODAY);
            assert_eq!(later.status, Status::Fail, "{later:?}");
            let unwaived: Vec<String> = later
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error && f.waived_by.is_none())
                .map(|f| f.location.as_ref().unwrap().to_string())
                .collect();
            assert_eq!(unwaived, [format!("{CI}:8:14"), format!("{CI}:9:14")]);

            // A named step keeps its waiver when lines above it move (ripgrep's CI gained
            // a step above every other one, and the whole baseline failed again).
            let named = "name: ci\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    \
                         steps:\n      - name: Build\n        run: cargo build --release\n";
            crate::checks::testing::write_files(&ctx.workspace.root, &[(CI, named)]);
            let findings: Vec<(String, Finding)> = CiLocked
                .run(ctx)
                .findings
                .into_iter()
                .map(|f| ("ci.locked".to_owned(), f))
                .collect();
            let files = planned(ctx.workspace, &findings, opts(false, true, true));
            let config = parse(&file(&files, GATE_TOML).contents);
            let moved = named.replace(
                "    steps:\n",
                "    steps:\n      - uses: actions/checkout@v4\n\n",
            );
            crate::checks::testing::write_files(&ctx.workspace.root, &[(CI, &moved)]);
            let mut later = CiLocked.run(ctx);
            crate::verdict::waiver::apply(&config.waivers, "ci.locked", &mut later, TODAY);
            assert_eq!(later.status, Status::Waived, "{later:?}");
        },
    );
}

/// Advisories are named by id, crate and version: the same advisory on another version,
/// or another advisory of the same crate, is a new finding.
#[test]
fn an_advisory_waiver_names_its_id_crate_and_version() {
    let message = |id: &str, label: &str| {
        format!(
            "{id} (vulnerability, severity high (CVSS 7.5)): `Buf::grow` exposes memory — \
             {label}; patched: >=1.2.3; from app → {label}"
        )
    };
    let advisory = |id: &str, label: &str, line: u32| {
        Finding::error(message(id, label))
            .code(crate::check::test_codes::TestCode::Vulnerability)
            .subject(id)
            .at(Location::at("Cargo.lock", line, 1))
    };
    let yanked = |label: &str| {
        Finding::warning(format!(
            "{label} was yanked from its registry (as cargo's local index cache shows); \
             `cargo update -p x --precise <version>` moves off it"
        ))
        .code(crate::check::test_codes::TestCode::Yanked)
        .subject(label.split(' ').next().unwrap())
        .at(Location::at("Cargo.lock", 40, 1))
    };
    let baseline = [
        advisory("RUSTSEC-2099-0001", "leaky-buf 1.2.0", 15),
        yanked("old-sync 0.3.0"),
    ];
    let id = identity("deps.advisories", &baseline[0]);
    assert_eq!(id.text.as_deref(), Some("leaky-buf 1.2.0;"));
    assert_eq!(id.subject.as_deref(), Some("RUSTSEC-2099-0001"));
    assert_eq!(
        identity("deps.advisories", &baseline[1]).text.as_deref(),
        Some("old-sync 0.3.0 was yanked")
    );
    let findings: Vec<(String, Finding)> = baseline
        .iter()
        .map(|f| ("deps.advisories".to_owned(), f.clone()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let files = planned(
        &workspace(dir.path(), &[]),
        &findings,
        opts(false, true, true),
    );
    let config = parse(&file(&files, GATE_TOML).contents);
    let judge = |found: Vec<Finding>| {
        let mut outcome = Outcome::fail("x").with_findings(found);
        crate::verdict::waiver::apply(&config.waivers, "deps.advisories", &mut outcome, TODAY);
        outcome.status
    };
    // Lines in Cargo.lock move: still covered.
    assert_eq!(
        judge(vec![
            advisory("RUSTSEC-2099-0001", "leaky-buf 1.2.0", 30),
            yanked("old-sync 0.3.0")
        ]),
        Status::Waived
    );
    for new in [
        advisory("RUSTSEC-2099-0001", "leaky-buf 1.2.1", 15),
        advisory("RUSTSEC-2099-0009", "leaky-buf 1.2.0", 15),
        advisory("RUSTSEC-2099-0001", "leaky-buf 11.2.0", 15),
        yanked("old-sync 0.3.1"),
    ] {
        assert_eq!(judge(vec![new.clone()]), Status::Fail, "{}", new.message);
    }
}

#[test]
fn the_workflow_parses_and_every_building_cargo_call_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), &[]);
    let files = planned(&ws, &[], opts(false, false, false));
    let text = &file(&files, WORKFLOW).contents;
    let doc = gate_ci::yaml::parse(text).unwrap();
    let jobs = doc["jobs"].as_mapping().unwrap();
    assert_eq!(jobs.len(), 2);
    let oses: Vec<&str> = doc["jobs"]["controlled"]["strategy"]["matrix"]["os"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(oses, ["ubuntu-latest", "macos-latest", "windows-latest"]);
    assert_eq!(doc["jobs"]["broad"]["needs"].as_str(), Some("controlled"));
    let runs = |job: &str| -> Vec<String> {
        doc["jobs"][job]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str().map(str::to_owned))
            .collect()
    };
    let controlled = runs("controlled").join("\n");
    let broad = runs("broad").join("\n");
    assert!(controlled.contains(
        "cargo gate controlled --fetch --format sarif --out gate-out > gate-controlled.sarif"
    ));
    let step_using = |uses: &str| {
        doc["jobs"]["controlled"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| s["uses"].as_str() == Some(uses))
            .unwrap()
    };
    let upload_sarif = step_using("github/codeql-action/upload-sarif@v3");
    assert_eq!(
        upload_sarif["with"]["sarif_file"].as_str(),
        Some("gate-controlled.sarif")
    );
    assert_eq!(
        doc["jobs"]["controlled"]["permissions"]["security-events"].as_str(),
        Some("write")
    );
    assert!(broad.contains("cargo gate merge gate-records/gate-out-*"));
    assert!(
        broad.contains("cargo gate broad --fetch --format markdown >> \"$GITHUB_STEP_SUMMARY\"")
    );
    // The broad job keeps its history between hosted runs: restored from the last
    // completed run's artifact before, uploaded after, with the right to read runs.
    let broad_steps = doc["jobs"]["broad"]["steps"].as_sequence().unwrap();
    let restore = broad_steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Restore the broad history the last run kept"))
        .unwrap();
    let script = restore["run"].as_str().unwrap();
    assert!(
        script.contains(
            "gh run list --workflow gate.yml --branch \"$BRANCH\" --status completed --limit 1"
        ),
        "{script}"
    );
    assert!(
        script.contains("gh run download \"$last\" --name gate-broad-history --dir target/gate"),
        "{script}"
    );
    let keep = broad_steps
        .iter()
        .find(|s| s["with"]["name"].as_str() == Some("gate-broad-history"))
        .unwrap();
    assert_eq!(
        keep["with"]["path"].as_str(),
        Some("target/gate\n!target/gate/cache\n")
    );
    assert_eq!(
        doc["jobs"]["broad"]["permissions"]["actions"].as_str(),
        Some("read")
    );
    let upload = step_using("actions/upload-artifact@v4");
    assert_eq!(
        upload["with"]["name"].as_str(),
        Some("gate-out-${{ matrix.os }}")
    );
    // The record, without the evidence cache (kept by actions/cache instead).
    assert_eq!(
        upload["with"]["path"].as_str(),
        Some("gate-out\n!gate-out/cache\n")
    );
    let caches: Vec<Option<&str>> = doc["jobs"]["controlled"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|s| s["uses"].as_str() == Some("actions/cache@v4"))
        .map(|s| s["with"]["path"].as_str())
        .collect();
    // cargo-gate's own binary, then the evidence cache.
    assert_eq!(caches, [Some("~/.cargo-gate/bin"), Some("gate-out/cache")]);
    // Every cargo call but `cargo gate` (which has no --locked; it locks what it runs)
    // passes --locked.
    let mut calls = 0;
    for line in controlled.lines().chain(broad.lines()) {
        for command in line.split("&&").map(str::trim) {
            let mut words = command.split_whitespace();
            if words.next() != Some("cargo") {
                continue;
            }
            let sub = words.find(|w| !w.starts_with('+'));
            if sub == Some("gate") {
                continue;
            }
            calls += 1;
            assert!(
                command.split_whitespace().any(|w| w == "--locked"),
                "{command}"
            );
        }
    }
    assert_eq!(
        calls, 4,
        "the install's two fallbacks (a path, the tag) in each job"
    );
    // The install is pinned to the release that wrote the workflow.
    for job in ["controlled", "broad"] {
        let install = doc["jobs"][job]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| s["env"]["GATE_VERSION"].as_str().is_some())
            .unwrap();
        assert_eq!(
            install["env"]["GATE_VERSION"].as_str(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(
            install["run"].as_str().unwrap(),
            super::templates::files::INSTALL
        );
    }
    // Every `cargo gate …` the workflow runs is a command line this version accepts: no flag
    // newer than the release it installs.
    let mut gate_lines = 0;
    for line in controlled.lines().chain(broad.lines()) {
        let Some(at) = line.find("cargo gate ") else {
            continue;
        };
        let words: Vec<&str> = line[at..]
            .split(['>', '|'])
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let words: Vec<&str> = words
            .into_iter()
            .take_while(|w| !w.starts_with('#'))
            .collect();
        let parsed = crate::cli::command().try_get_matches_from(&words);
        assert!(parsed.is_ok(), "`{}`: {:?}", words.join(" "), parsed.err());
        gate_lines += 1;
    }
    assert!(gate_lines >= 3, "{controlled}\n{broad}");
    // The sccache cache is wired but off unless the repository variable turns it on.
    assert_eq!(
        doc["env"]["RUSTC_WRAPPER"].as_str(),
        Some("${{ vars.GATE_SCCACHE == 'true' && 'sccache' || '' }}")
    );
    let sccache: Vec<&gate_ci::yaml::Node> = ["controlled", "broad"]
        .iter()
        .flat_map(|job| doc["jobs"][*job]["steps"].as_sequence().unwrap())
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("mozilla-actions/sccache-action@"))
        })
        .collect();
    assert_eq!(sccache.len(), 2);
    assert!(
        sccache
            .iter()
            .all(|s| s["if"].as_str() == Some("${{ vars.GATE_SCCACHE == 'true' }}"))
    );
    // And our own ci.locked check passes it.
    let outcome = with_files(&[(WORKFLOW, text)], &[], Config::default(), |ctx| {
        CiLocked.run(ctx)
    });
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    assert!(
        outcome
            .summary
            .starts_with("4 cargo invocation(s) in 1 CI file(s)"),
        "{}",
        outcome.summary
    );
}

#[test]
fn the_workflow_says_when_no_toolchain_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), &[]);
    let unpinned = planned(&ws, &[], opts(false, true, false));
    assert!(
        file(&unpinned, WORKFLOW)
            .contents
            .contains("No rust-toolchain.toml yet")
    );
    crate::checks::testing::write_files(dir.path(), &[("rust-toolchain.toml", "")]);
    let pinned = planned(&ws, &[], opts(false, true, false));
    let text = &file(&pinned, WORKFLOW).contents;
    assert!(!text.contains("No rust-toolchain.toml yet"));
    gate_ci::yaml::parse(text).unwrap();
}

#[test]
fn the_checklist_items_cite_real_checks_and_parse_as_checklist_closed_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), &[]);
    let files = planned(&ws, &[], opts(false, false, false));
    let text = file(&files, READINESS).contents.clone();
    let mut cited = BTreeSet::new();
    let mut items = 0;
    let mut in_fence = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || !line.starts_with("- [") {
            continue;
        }
        items += 1;
        let rest = line
            .strip_prefix("- [ ] ")
            .unwrap_or_else(|| panic!("{line}"));
        let (_, evidence) = rest.split_once(" — evidence: ").unwrap();
        for id in evidence.split(", ") {
            assert!(crate::registry::find(id).is_some(), "{id}");
            assert_ne!(id, "checklist.closed");
            cited.insert(id.to_owned());
        }
    }
    assert!(items >= 15);
    // Every other built-in check is cited somewhere.
    let every: BTreeSet<String> = crate::registry::metas()
        .map(|m| m.id.to_owned())
        .filter(|id| id != "checklist.closed")
        .collect();
    assert_eq!(cited, every);

    // As written: checklist.closed fails only because the items are unchecked.
    let passed: Earlier = every
        .iter()
        .map(|id| (id.clone(), Outcome::pass("ok")))
        .collect();
    let run = |text: &str| {
        with_files(&[(READINESS, text)], &[], Config::default(), |ctx| {
            ChecklistClosed.run(&Context {
                earlier: &passed,
                ..*ctx
            })
        })
    };
    let outcome = run(&text);
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(outcome.findings.len(), items);
    assert!(
        outcome
            .findings
            .iter()
            .all(|f| f.message.ends_with("is not checked")),
        "{outcome:?}"
    );
    // Ticked, with every cited check passing: closed.
    let ticked = text.replace("- [ ] ", "- [x] ");
    let outcome = run(&ticked);
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
}

#[test]
fn dates_add_across_months_years_and_leap_days() {
    for (date, days, want) in [
        (TODAY, BASELINE_DAYS, Some(EXPIRES)),
        ("2028-01-01", 90, Some("2028-03-31")),
        ("2027-01-01", 90, Some("2027-04-01")),
        ("2027-12-31", 1, Some("2028-01-01")),
        ("2028-02-28", 1, Some("2028-02-29")),
        ("2026-02-29", 1, None),
        ("2026-13-01", 1, None),
        ("2026-1-01", 1, None),
        ("9999-12-31", 1, None),
    ] {
        assert_eq!(add_days(date, days).as_deref(), want, "{date} + {days}");
    }
    assert_eq!(today_utc().len(), 10);
    assert!(add_days(&today_utc(), 0).is_some());
}

#[test]
fn odd_paths_are_named_exactly_and_strings_quote() {
    for path in ["app/src/[odd]*.rs", "a/{b,c}/?.rs", "plain/lib.rs"] {
        let finding = Finding::warning("could not read the file").at(Location::file(path));
        let id = identity("boundary.unsafe", &finding);
        let w = crate::config::Waiver {
            check: "boundary.unsafe".into(),
            file: id.file,
            text: id.text,
            ..crate::config::Waiver::default()
        };
        assert!(crate::verdict::waiver::covers(&w, &finding), "{path}");
        let elsewhere = finding.clone().at(Location::file("app/src/x.rs"));
        assert!(!crate::verdict::waiver::covers(&w, &elsewhere), "{path}");
    }
    let text = "a \"quoted\" \\ line\nand\ttab\u{7}";
    let parsed: toml::Table = format!("k = {}", quote(text)).parse().unwrap();
    assert_eq!(parsed["k"].as_str(), Some(text));
    assert_eq!(comment_text("one\ntwo"), "one");
    assert_eq!(comment_text(&"x".repeat(150)).chars().count(), 100);
}

/// The install script the workflow inlines (and action.yml runs), run for real: a verified
/// release archive is installed; a tampered one is not, and the build from the tag runs
/// instead (cargo and rustup are recording stand-ins here).
#[cfg(unix)]
#[test]
fn the_install_script_installs_a_verified_archive_and_else_builds_the_tag() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (version, target) = ("9.8.7", "x86_64-unknown-linux-gnu");
    let name = format!("cargo-gate-{version}-{target}");
    let release = root.join("releases").join(format!("v{version}"));
    std::fs::create_dir_all(root.join("pkg").join(&name)).unwrap();
    std::fs::create_dir_all(&release).unwrap();
    std::fs::write(
        root.join("pkg").join(&name).join("cargo-gate"),
        "#!/bin/sh\necho gate\n",
    )
    .unwrap();
    let sh = |script: &str, dir: &std::path::Path| {
        let out = std::process::Command::new("bash")
            .args(["-c", script])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}: {out:?}");
    };
    sh(
        &format!("tar -czf {}/{name}.tar.gz {name}", release.display()),
        &root.join("pkg"),
    );
    sh(
        &format!("sha256sum {name}.tar.gz > {name}.tar.gz.sha256"),
        &release,
    );
    // Stand-ins for rustup and cargo that record how they were called.
    let bin = root.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["cargo", "rustup"] {
        let path = bin.join(tool);
        std::fs::write(
            &path,
            format!("#!/bin/sh\necho \"{tool} $*\" >> \"$HOME/calls\"\n"),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let install = |home: &str| {
        let home = root.join(home);
        std::fs::create_dir_all(&home).unwrap();
        let out = std::process::Command::new("bash")
            .args(["-c", super::templates::files::INSTALL])
            .env("HOME", &home)
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .env("GATE_VERSION", version)
            .env(
                "GATE_RELEASES",
                format!("file://{}", root.join("releases").display()),
            )
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        (home, String::from_utf8(out.stdout).unwrap())
    };
    let (home, said) = install("verified");
    assert!(said.contains("sha256 verified"), "{said}");
    assert!(home.join(".cargo-gate/bin/cargo-gate").is_file());
    assert!(!home.join("calls").exists(), "nothing was built");
    // The archive no longer matches its checksum: not installed; the tag is built instead.
    std::fs::write(
        release.join(format!("{name}.tar.gz.sha256")),
        format!("{}  {name}.tar.gz\n", "0".repeat(64)),
    )
    .unwrap();
    let (home, said) = install("tampered");
    assert!(said.contains("no verified release archive"), "{said}");
    assert!(!home.join(".cargo-gate/bin/cargo-gate").exists());
    let calls = std::fs::read_to_string(home.join("calls")).unwrap();
    assert!(
        calls.contains(&format!(
            "cargo +stable install --locked --root {}/.cargo-gate --git https://github.com/cargo-gate/cargo-gate --tag v{version} cargo-gate",
            home.display()
        )),
        "{calls}"
    );
}

/// `init --shards N`: Linux's controlled job becomes N jobs, each one shard of the tests from
/// one archive built first, uploaded and cached apart; macOS and Windows run whole; every
/// cargo call that builds still passes --locked. Without it the workflow names no shard.
#[test]
fn a_sharded_workflow_runs_linux_tests_in_n_shards_from_one_archive() {
    use super::templates::workflow;
    let whole = workflow(true, None);
    assert!(!whole.contains("shard"), "{whole}");
    let sharded = workflow(true, Some(3));
    for wanted in [
        "  tests-archive:\n",
        "run: cargo nextest archive --locked --workspace --archive-file gate-tests.tar.zst\n",
        "    needs: tests-archive\n",
        "          - { os: ubuntu-latest, shard: 1 }\n",
        "          - { os: ubuntu-latest, shard: 3 }\n",
        "          - { os: macos-latest, shard: 0 }\n",
        "shard=(--test-shard \"$SHARD/3\" --test-archive gate-tests.tar.zst)",
        "          name: gate-out-${{ matrix.os }}-${{ matrix.shard }}\n",
        "          key: gate-evidence-${{ runner.os }}-${{ matrix.shard }}-${{ github.sha }}\n",
        "CARGO_GATE_CACHE_KEY: ${{ secrets.CARGO_GATE_CACHE_KEY }}",
    ] {
        assert!(sharded.contains(wanted), "{wanted:?} in:\n{sharded}");
    }
    assert!(!sharded.contains("shard: 4"), "{sharded}");
    assert!(!sharded.contains("os: [ubuntu-latest, macos-latest, windows-latest]"));
    with_files(
        &[(".github/workflows/gate.yml", sharded.as_str())],
        &[],
        Config::default(),
        |ctx| {
            let outcome = CiLocked.run(ctx);
            assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        },
    );
}
