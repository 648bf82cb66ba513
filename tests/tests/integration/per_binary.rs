//! The test run kept per test binary (issue 28, docs/CACHE.md "Per test binary"): after a
//! change, exactly the binaries it affects run, every other binary's result is reused and
//! named, and a reused failure is still a failure. Real builds of a four-package workspace
//! (tests/fixtures/per-binary): `a` a leaf with a feature, `b` on `a` and a vendored `dep`
//! with a doc test, `c` with an integration test that reads a fixture file, `d` with a build
//! script. Every library's doc tests are kept per crate beside the binaries
//! (`PACKAGE (doc tests)`).

use crate::support::{Fixture, Run, fixture};

/// `cargo gate pilot --only tests.pass` as JSON.
fn gate(fx: &Fixture) -> Run {
    fx.gate(&["pilot", "--only", "tests.pass", "--format", "json"])
}

/// The binaries that ran and those reused, by id, from the run's `tests/binaries.json`.
pub(crate) fn ran_and_reused(fx: &Fixture, run: &Run) -> (Vec<String>, Vec<String>) {
    assert_eq!(run.code, 0, "{}", run.transcript());
    let listing = binaries(fx);
    let mut ran = Vec::new();
    let mut reused = Vec::new();
    for binary in listing["binaries"].as_array().unwrap() {
        let id = binary["id"].as_str().unwrap().to_owned();
        match binary["status"].as_str().unwrap() {
            "reused" => reused.push(id),
            _ => ran.push(id),
        }
    }
    (ran, reused)
}

/// The newest run's `tests/binaries.json`.
fn binaries(fx: &Fixture) -> serde_json::Value {
    let text = std::fs::read_to_string(latest_run(fx).join("tests/binaries.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The newest run directory of the fixture's record.
pub(crate) fn latest_run(fx: &Fixture) -> std::path::PathBuf {
    let mut runs: Vec<_> = std::fs::read_dir(fx.out().join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    runs.sort();
    runs.pop().unwrap()
}

pub(crate) fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The ids of `list` with the doc tests of each package named in it (a library's own test
/// binary has the package's name), in the record's order.
pub(crate) fn with_docs(list: &[&str]) -> Vec<String> {
    let mut all = ids(list);
    for id in list.iter().filter(|id| !id.contains("::")) {
        all.push(format!("{id} (doc tests)"));
    }
    all.sort();
    all
}

/// `vendor/dep` lies inside the workspace's directory: a path dependency there is a member.
pub(crate) const ALL: [&str; 6] = ["a", "b", "c", "c::fixture", "d", "dep"];

/// Each kind of change re-runs exactly the binaries it affects, and the others are reused
/// (named in the report with the run they came from).
#[test]
fn each_change_reruns_exactly_the_binaries_it_affects() {
    let fx = fixture("per-binary");
    let first = gate(&fx);
    assert_eq!(ran_and_reused(&fx, &first), (with_docs(&ALL), ids(&[])));

    // Only a test's fixture file: no compile read it, and a test of any package may read
    // it at run time (a workspace lint walking `..`): every binary runs.
    fx.write("c/tests/data/greeting.txt", "hello \n");
    assert_eq!(ran_and_reused(&fx, &gate(&fx)), (with_docs(&ALL), ids(&[])));

    // Only a build script: its package, and `dep`, whose tests use `d` (a dev-dependency);
    // not `b`, which depends on `dep` but is never built with `dep`'s dev-dependencies.
    fx.write(
        "d/build.rs",
        "fn main() {\n    println!(\"cargo:rerun-if-changed=build.rs\");\n    \
         println!(\"cargo:rustc-env=GREETING=yo\");\n}\n",
    );
    assert_eq!(
        ran_and_reused(&fx, &gate(&fx)),
        (
            with_docs(&["d", "dep"]),
            with_docs(&["a", "b", "c", "c::fixture"])
        )
    );

    // Only a feature set: `b` turns on `a`'s feature. A manifest is data to every binary
    // (a test may read another package's, to check versions agree): every binary runs.
    fx.write(
        "b/Cargo.toml",
        &std::fs::read_to_string(fx.root.join("b/Cargo.toml"))
            .unwrap()
            .replace(
                "a = { path = \"../a\" }",
                "a = { path = \"../a\", features = [\"extra\"] }",
            ),
    );
    assert_eq!(ran_and_reused(&fx, &gate(&fx)), (with_docs(&ALL), ids(&[])));

    // Only a dependency's version, in its manifest and the lockfile: every binary, as above.
    for file in ["vendor/dep/Cargo.toml", "Cargo.lock"] {
        let text = std::fs::read_to_string(fx.root.join(file)).unwrap();
        let bumped = text.replacen(
            "name = \"dep\"\nversion = \"0.1.0\"",
            "name = \"dep\"\nversion = \"0.1.1\"",
            1,
        );
        assert_ne!(text, bumped, "{file}");
        fx.write(file, &bumped);
    }
    assert_eq!(ran_and_reused(&fx, &gate(&fx)), (with_docs(&ALL), ids(&[])));

    // Only a leaf's source: the leaf, and what is built on it.
    fx.write(
        "a/src/lib.rs",
        &std::fs::read_to_string(fx.root.join("a/src/lib.rs"))
            .unwrap()
            .replace("    1\n", "    2 - 1\n"),
    );
    let run = gate(&fx);
    assert_eq!(
        ran_and_reused(&fx, &run),
        (
            with_docs(&["a", "b"]),
            with_docs(&["c", "c::fixture", "d", "dep"])
        )
    );
    let reused: Vec<String> = run.json()["checks"][0]["reused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fact"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        reused,
        [
            "test binary c",
            "doc tests of c",
            "test binary c::fixture",
            "test binary d",
            "doc tests of d",
            "test binary dep",
            "doc tests of dep"
        ]
    );
    assert!(
        run.json()["checks"][0]["summary"]
            .as_str()
            .unwrap()
            .ends_with(
                "4 of 6 test binaries and 3 of 5 crates' doc tests reused unchanged \
                 (tests/binaries.json)"
            ),
        "{}",
        run.stdout
    );

    // Nothing changed: the whole run is reused, as before.
    let same = gate(&fx);
    let reused = &same.json()["checks"][0]["reused"][0]["fact"];
    assert_eq!(reused, "tests", "{}", same.stdout);
}

/// A workspace lint in `c` walks `..` and reads every package's NOTICE, naming none of them
/// (the twenty-ninth session's trial): another package's NOTICE changed, its PASS was
/// replayed and the run READY, where a fresh run fails. A file that is no Rust source the
/// build compiled is data to every binary, even where a package embeds it (`include_str!`,
/// the hostile pass that followed): the lint runs again and fails.
#[test]
fn a_test_reading_another_packages_data_runs_when_it_changes() {
    let fx = fixture("per-binary");
    let leaf = std::fs::read_to_string(fx.root.join("a/src/lib.rs")).unwrap();
    fx.write(
        "a/src/lib.rs",
        &format!("{leaf}\npub const NOTICE: &str = include_str!(\"../NOTICE\");\n"),
    );
    fx.write(
        "c/tests/lint.rs",
        "#[test]\nfn every_notice_names_the_license() {\n    \
         let up = std::path::Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"..\");\n    \
         for entry in std::fs::read_dir(up).unwrap() {\n        \
         let notice = entry.unwrap().path().join(\"NOTICE\");\n        \
         if let Ok(text) = std::fs::read_to_string(&notice) {\n            \
         assert!(text.contains(\"Apache-2.0\"), \"{}\", notice.display());\n        \
         }\n    }\n}\n",
    );
    fx.write("a/NOTICE", "Apache-2.0\n");
    fx.commit();
    assert_eq!(gate(&fx).code, 0);
    fx.write("a/NOTICE", "MIT only\n");
    fx.commit();
    let run = gate(&fx);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let binaries = binaries(&fx);
    let lint = (binaries["binaries"].as_array().unwrap().iter())
        .find(|b| b["id"] == "c::lint")
        .unwrap();
    assert_ne!(lint["status"], "reused", "{binaries}");
}

/// Tests that reach another package's Rust sources by no dependency (the thirtieth
/// session's trials replayed a PASS over each, READY where `cargo test` fails): one builds a
/// project nested in its package whose manifest depends on `greeting-core` by path, one
/// lints every `.rs` file of the repository, under `tests/`, as a unit test, or through a
/// walk its library shares. A change to
/// `greeting-core` runs each again, each alone in its package (a package's binaries share
/// what it names).
#[test]
fn a_test_reading_another_packages_sources_runs_when_they_change() {
    let project = ["runner/tests/builds_project.rs", "runner/tests/project"];
    let all = ["runner/tests/lint.rs", project[0], project[1]];
    for (id, others, shared) in [
        ("runner::builds_project", &["runner/tests/lint.rs"][..], ""),
        ("runner::lint", &project[..], ""),
        // The lint as a unit test of the library (the hostile pass that followed).
        ("runner", &all[..], ""),
        // The walk as a library function the test calls (the thirty-first session's trial),
        // and in a module of another name (`#[path]`, the hostile pass that followed).
        ("runner::lint", &project[..], "src/lib.rs"),
        ("runner::lint", &project[..], "src/walk.inc"),
    ] {
        let fx = fixture("reads-other-sources");
        let lint = std::fs::read_to_string(fx.root.join("runner/tests/lint.rs")).unwrap();
        if id == "runner" {
            fx.write(
                "runner/src/lib.rs",
                &format!(
                    "//! Depends on no other package.\n\n#[cfg(test)]\nmod lint {{\n{lint}}}\n"
                ),
            );
        }
        if !shared.is_empty() {
            let (walk, test) = lint.split_once("#[test]").unwrap();
            let walk = walk.replace("fn walk(", "/// Every Rust file under `dir`.\npub fn walk(");
            fx.write(&format!("runner/{shared}"), &walk);
            if shared != "src/lib.rs" {
                let module =
                    "//! The walk.\n\n#[path = \"walk.inc\"]\nmod walk;\npub use walk::walk;\n";
                fx.write("runner/src/lib.rs", module);
            }
            fx.write(
                "runner/tests/lint.rs",
                &format!("use runner::walk;\n\n#[test]{test}"),
            );
        }
        for other in others {
            let path = fx.root.join(other);
            match path.is_dir() {
                true => std::fs::remove_dir_all(path).unwrap(),
                false => std::fs::remove_file(path).unwrap(),
            }
        }
        fx.commit();
        let first = gate(&fx);
        assert_eq!(first.code, 0, "{}", first.transcript());
        fx.write(
            "greeting-core/src/lib.rs",
            "//! NOTSHIPPABLE\n\npub fn greet() -> &'static str {\n    \"goodbye\"\n}\n",
        )
        .commit();
        let run = gate(&fx);
        assert_eq!(run.code, 1, "{id}: {}", run.transcript());
        let binaries = binaries(&fx);
        let binary = (binaries["binaries"].as_array().unwrap().iter())
            .find(|b| b["id"] == id)
            .unwrap_or_else(|| panic!("{id}: {binaries}"));
        assert_eq!(binary["status"], "ran", "{id}: {binaries}");
        assert_eq!(binary["failed"], true, "{id}: {binaries}");
    }
}

/// A failing binary's result is reused as the failure it was; what is wrong is still named.
/// Fixed, it runs again and passes; a later pass of the other binaries is not blamed on it.
#[test]
fn a_reused_failure_still_fails_and_names_its_test() {
    let fx = fixture("per-binary");
    fx.write("c/tests/data/greeting.txt", "goodbye\n");
    let first = gate(&fx);
    assert_eq!(first.code, 1, "{}", first.transcript());
    // Another package changes; c's binaries are reused, failure and all.
    fx.write(
        "d/src/lib.rs",
        "//! Changed.\n\npub const GREETING: &str = env!(\"GREETING\");\n",
    );
    let second = gate(&fx);
    assert_eq!(second.code, 1, "{}", second.transcript());
    let check = &second.json()["checks"][0];
    assert_eq!(check["status"], "FAIL");
    let findings = check["findings"].to_string();
    assert!(findings.contains("the_fixture_greets"), "{findings}");
    let reused = check["reused"].to_string();
    assert!(reused.contains("test binary c::fixture"), "{reused}");
    let log = std::fs::read_to_string(latest_run(&fx).join("logs/tests.log")).unwrap();
    assert!(
        log.contains("    Replaying c::fixture: its inputs are unchanged since run"),
        "{log}"
    );
    // The fixture fixed, a file no compile reads: every binary runs, and passes.
    fx.write("c/tests/data/greeting.txt", "hello\n");
    let fixed = gate(&fx);
    assert_eq!(fixed.code, 0, "{}", fixed.transcript());
    assert_eq!(ran_and_reused(&fx, &fixed), (with_docs(&ALL), ids(&[])));
}

/// A test that reads outside its package declares it (`[cache] reads`): then a change there
/// re-runs it; a declaration naming no binary of the build is told.
#[test]
fn declared_reads_join_the_binarys_key() {
    let fx = fixture("per-binary");
    fx.write(
        "c/tests/fixture.rs",
        "#[test]\nfn the_fixture_greets() {\n    let text = \
         std::fs::read_to_string(\"../a/src/lib.rs\").unwrap();\n    \
         assert!(text.contains(\"one\"));\n}\n",
    );
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[cache.reads]\n\"c::fixture\" = [\"a/src\"]\n\
         \"c::nothing\" = [\"docs\"]\n",
    );
    fx.commit();
    let first = gate(&fx);
    assert!(
        first.stderr.contains(
            "[cache] reads names test binary `c::nothing`, which the build does not have"
        ),
        "{}",
        first.stderr
    );
    fx.write(
        "a/src/lib.rs",
        "//! Changed.\n\npub fn one() -> u32 {\n    1\n}\n",
    );
    // The test names `a` in the path it reads, so all of `c` is keyed by `a`'s files too
    // (the name rule, at the package's grain); the declaration alone keys `c::fixture`.
    let (ran, _) = ran_and_reused(&fx, &gate(&fx));
    assert_eq!(ran, with_docs(&["a", "b", "c", "c::fixture"]));
}

/// A flaky binary is still labelled flaky when only its own result is kept: it failed on
/// inputs it later passes on (`--no-cache`, after a change elsewhere), and the pass carries
/// the failure, named with the binary.
#[test]
fn a_binary_that_passes_where_it_failed_is_flaky() {
    let fx = fixture("per-binary");
    fx.write(
        "c/tests/fixture.rs",
        "#[test]\nfn the_fixture_greets() {\n    \
         assert!(std::env::var_os(\"FLAKE_PROBE\").is_none(), \"the probe is set\");\n}\n",
    )
    .commit();
    let mut cmd = fx.command(&["pilot", "--only", "tests.pass", "--format", "json"]);
    cmd.env("FLAKE_PROBE", "1");
    let failed = crate::support::run(cmd);
    assert_eq!(failed.code, 1, "{}", failed.transcript());
    fx.write(
        "d/src/lib.rs",
        "//! Changed.\n\npub const GREETING: &str = env!(\"GREETING\");\n",
    );
    let fresh = fx.gate(&TESTS_NO_CACHE);
    let check = &fresh.json()["checks"][0];
    assert_eq!(check["status"], "INCONCLUSIVE", "{check:#}");
    let message = check["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("set in one of the two runs only: FLAKE_PROBE"),
        "{message}"
    );
    let listing = binaries(&fx);
    let flaky: Vec<&str> = listing["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b.get("failed_before").is_some())
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(flaky, ["c::fixture"]);
}

/// A test that edits the tree while the run goes on (here, writing a file into its own
/// package): nothing of that run is kept — whole or per binary — since no key taken before
/// the run describes what ran. The next run, on the edited tree, keeps its results.
#[test]
fn a_tree_edited_while_the_tests_ran_keeps_no_binary_result() {
    let fx = fixture("per-binary");
    fx.write(
        "c/tests/fixture.rs",
        "#[test]\nfn writes_into_its_package() {\n    \
         std::fs::write(\"tests/data/written.txt\", \"written\\n\").unwrap();\n}\n",
    )
    .commit();
    let first = gate(&fx);
    assert!(
        first.stderr.contains(
            "the tests fact was not cached: the working tree changed while it was gathered"
        ),
        "{}",
        first.stderr
    );
    assert_eq!(ran_and_reused(&fx, &gate(&fx)), (with_docs(&ALL), ids(&[])));
    // The file is written with the content it already has: the tree holds still now.
    fx.write(
        "d/src/lib.rs",
        "//! Changed.\n\npub const GREETING: &str = env!(\"GREETING\");\n",
    );
    assert_eq!(
        ran_and_reused(&fx, &gate(&fx)),
        (
            with_docs(&["d", "dep"]),
            with_docs(&["a", "b", "c", "c::fixture"])
        )
    );
}

/// A workspace that sets a target runner of its own keeps it in charge: the run is kept
/// whole, and the record says why.
#[cfg(unix)]
#[test]
fn a_runner_of_the_workspaces_own_keeps_the_run_whole() {
    let fx = fixture("per-binary");
    fx.write(
        ".cargo/config.toml",
        "[target.'cfg(all())']\nrunner = [\"env\"]\n",
    )
    .commit();
    let run = gate(&fx);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let listing = binaries(&fx);
    let why = listing["kept-whole"].as_str().unwrap();
    assert!(
        why.ends_with(".cargo/config.toml sets a target runner"),
        "{why}"
    );
    assert_eq!(listing["binaries"], serde_json::json!([]));
}

/// A workspace that names its own rustdoc keeps it in charge of the doc tests: they run
/// every time (the run's notes say why), and the binaries are still kept per binary.
#[test]
fn a_rustdoc_of_the_workspaces_own_runs_the_doc_tests_every_time() {
    let fx = fixture("per-binary");
    fx.write(".cargo/config.toml", "[build]\nrustdoc = \"rustdoc\"\n")
        .commit();
    let run = gate(&fx);
    assert!(
        run.stderr.contains("doc tests run every time: ")
            && run.stderr.contains("sets build.rustdoc"),
        "{}",
        run.stderr
    );
    assert_eq!(ran_and_reused(&fx, &run), (ids(&ALL), ids(&[])));
    let log = std::fs::read_to_string(latest_run(&fx).join("logs/tests.log")).unwrap();
    assert!(
        log.contains("assert_eq!(b::two(), 2)") || log.contains("b/src/lib.rs - two"),
        "{log}"
    );
}

/// A rustdoc named in the environment (`CARGO_BUILD_RUSTDOC`) is the workspace's own too:
/// cargo reads `RUSTDOC` over it, and the gate's stand-in replaced it silently (the
/// thirty-second session's hostile pass).
#[cfg(unix)]
#[test]
fn a_rustdoc_named_in_the_environment_runs_the_doc_tests_every_time() {
    let env = fixture("per-binary");
    let (run, _) = env.cargo_calls_with(&TESTS_NO_CACHE, &[("CARGO_BUILD_RUSTDOC", "rustdoc")]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("doc tests run every time: CARGO_BUILD_RUSTDOC names a rustdoc"),
        "{}",
        run.stderr
    );
}

/// A failing doc test fails the run, reused or not, and names itself; the doc tests of the
/// other crates are reused beside it.
#[test]
fn a_failing_doc_test_is_reused_as_the_failure_it_was() {
    let fx = fixture("per-binary");
    fx.write(
        "b/src/lib.rs",
        &std::fs::read_to_string(fx.root.join("b/src/lib.rs"))
            .unwrap()
            .replace("assert_eq!(b::two(), 2);", "assert_eq!(b::two(), 3);"),
    )
    .commit();
    let first = gate(&fx);
    assert_eq!(first.code, 1, "{}", first.transcript());
    fx.write(
        "c/src/lib.rs",
        "//! Changed.\n\npub fn three() -> u32 {\n    3\n}\n",
    );
    let second = gate(&fx);
    assert_eq!(second.code, 1, "{}", second.transcript());
    let check = &second.json()["checks"][0];
    assert!(
        check["reused"].to_string().contains("doc tests of b"),
        "{check:#}"
    );
    assert!(check["findings"].to_string().contains("two"), "{check:#}");
    let log = std::fs::read_to_string(latest_run(&fx).join("logs/tests.log")).unwrap();
    assert!(
        log.contains("    Replaying the doc tests of b: their inputs are unchanged since run"),
        "{log}"
    );
}

/// A workspace of binaries has no doc tests: the gate never starts the `cargo test --doc`
/// that could only fail saying "no library targets found" (issue 43: no cargo call that is
/// known to fail), while a workspace with a library runs its doc tests, in one cargo pass.
#[cfg(unix)]
#[test]
fn a_workspace_of_binaries_starts_no_doc_test_run() {
    let args = ["pilot", "--only", "tests.pass", "--format", "json"];
    // A binary with a library dependency outside the workspace: the build has an rlib,
    // but no member's.
    let bins = fixture("clean");
    std::fs::remove_file(bins.root.join("src/lib.rs")).unwrap();
    bins.write(
        "Cargo.toml",
        "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nhelper = { path = \"helper\" }\n\n[workspace]\nexclude = [\"helper\"]\n",
    )
    .write(
        "helper/Cargo.toml",
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .write(
        "helper/src/lib.rs",
        "/// ```\n/// assert!(true);\n/// ```\npub fn help() {}\n",
    )
    .write(
        "src/main.rs",
        "fn main() {\n    helper::help();\n}\n\n#[test]\nfn runs() {}\n",
    );
    bins.relock();
    bins.commit();
    let (run, log) = bins.cargo_calls(&args);
    assert_eq!(run.code, 0, "{}", run.transcript());
    // The binaries' call selects what the build did: no `--tests`, and no doc tests.
    assert!(
        log.lines()
            .any(|l| l.contains("--no-fail-fast") && !l.contains("--tests")),
        "{log}"
    );
    assert!(!log.contains("--doc"), "{log}");
    let library = fixture("clean");
    let (run, log) = library.cargo_calls(&args);
    assert_eq!(run.code, 0, "{}", run.transcript());
    // One cargo pass runs the doc tests; none lists them first (issue 43).
    assert_eq!(
        log.lines().filter(|l| l.contains("--doc")).count(),
        1,
        "{log}"
    );
}

/// The per-binary fixture with a fifth member: package `name` in `dir`, its library `lib`.
fn with_member(dir: &str, name: &str, lib: &str) -> Fixture {
    let fx = fixture("per-binary");
    fx.write(
        "Cargo.toml",
        &format!(
            "[workspace]\nmembers = [\"a\", \"b\", \"c\", \"d\", \"{dir}\"]\nresolver = \"2\"\n"
        ),
    )
    .write(
        &format!("{dir}/Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n"
        ),
    )
    .write(&format!("{dir}/src/lib.rs"), lib);
    fx
}

/// `pilot --only tests.pass` as JSON, the cache not read.
pub(crate) const TESTS_NO_CACHE: [&str; 6] = [
    "pilot",
    "--only",
    "tests.pass",
    "--format",
    "json",
    "--no-cache",
];

/// The doc tests of the crates that run are spread over lanes, one `cargo test --doc` each,
/// all at once (issue 43; as many as cargo would run jobs): every crate's doc tests run
/// once, in their lane, and count once; a doc test failing in any lane fails the run and is
/// named; with one job there is one command.
#[cfg(unix)]
#[test]
fn the_doc_tests_run_in_lanes_each_crate_once() {
    let fx = fixture("per-binary");
    let args = TESTS_NO_CACHE;
    let docs = |calls: &str| calls.lines().filter(|l| l.contains("--doc")).count();
    let (one, calls) = fx.cargo_calls_with(&args, &[("CARGO_BUILD_JOBS", "1")]);
    assert_eq!(one.code, 0, "{}", one.transcript());
    assert_eq!(docs(&calls), 1, "{calls}");
    let (two, calls) = fx.cargo_calls_with(&args, &[("CARGO_BUILD_JOBS", "2")]);
    assert_eq!(two.code, 0, "{}", two.transcript());
    assert_eq!(docs(&calls), 2, "{calls}");
    let summary = |run: &crate::support::Run| {
        run.json()["checks"][0]["summary"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(summary(&one), summary(&two), "the same tests, counted once");
    let log = std::fs::read_to_string(latest_run(&fx).join("logs/tests.log")).unwrap();
    // Five crates' doc tests: each started in both lanes, run in one.
    assert_eq!(
        log.matches("(run beside this command, in doc-test lane")
            .count(),
        5,
        "{log}"
    );

    fx.write(
        "d/src/lib.rs",
        &(std::fs::read_to_string(fx.root.join("d/src/lib.rs")).unwrap()
            + "\n/// ```\n/// assert_eq!(d::GREETING, \"no\");\n/// ```\npub fn greet() {}\n"),
    );
    fx.commit();
    let (failed, _) = fx.cargo_calls_with(&args, &[("CARGO_BUILD_JOBS", "2")]);
    assert_eq!(failed.code, 1, "{}", failed.transcript());
    let check = &failed.json()["checks"][0];
    assert!(check["findings"].to_string().contains("greet"), "{check:#}");
}

/// A build script that runs on every build (its `rerun-if-changed` file is missing) has
/// each cargo call of the test run rebuild the libraries: a lane's doc tests linked `a`
/// while another call rebuilt it and failed ("extern location for a does not exist", the
/// thirty-first session's hostile pass; stop 79's CI with other words; plain `cargo test`
/// passes). Such a script is seen after the build, and the doc tests run after the
/// binaries, in one lane, as `cargo test` runs them: no race, nothing run twice. A doc test
/// that really fails still fails the run.
#[cfg(unix)]
#[test]
fn doc_tests_that_failed_beside_a_rebuild_run_again_alone() {
    let fx = fixture("per-binary");
    let a = std::fs::read_to_string(fx.root.join("a/src/lib.rs")).unwrap();
    fx.write(
        "a/build.rs",
        "fn main() {\n    println!(\"cargo:rerun-if-changed=missing.txt\");\n}\n",
    )
    .write(
        "a/src/lib.rs",
        &(a + "\n/// ```\n/// assert_eq!(a::one(), 1);\n/// ```\npub fn also() {}\n"),
    );
    fx.commit();
    let jobs = [("CARGO_BUILD_JOBS", "2")];
    for _ in 0..2 {
        let (run, calls) = fx.cargo_calls_with(&TESTS_NO_CACHE, &jobs);
        assert_eq!(run.code, 0, "{}", run.transcript());
        let log = std::fs::read_to_string(latest_run(&fx).join("logs/tests.log")).unwrap();
        assert!(!log.contains("[first attempt]"), "{log}");
        let docs = calls.lines().filter(|l| l.contains("--doc")).count();
        assert_eq!(docs, 1, "one lane: {calls}");
    }
    let b = std::fs::read_to_string(fx.root.join("b/src/lib.rs")).unwrap();
    fx.write("b/src/lib.rs", &b.replace("b::two(), 2", "b::two(), 3"));
    fx.commit();
    let (failed, _) = fx.cargo_calls_with(&TESTS_NO_CACHE, &jobs);
    assert_eq!(failed.code, 1, "{}", failed.transcript());
    // Failing on its own, or hidden by a link error and run again: it fails the run.
    let check = &failed.json()["checks"][0];
    assert!(
        check["findings"].to_string().contains("b/src/lib.rs - two"),
        "{check:#}"
    );
}

/// A member that is also another member's build-dependency is built once with the dev
/// profile where cargo's selection holds its library, else with the build-override profile
/// (no debug info; `gen` here, with no integration test and no other dependent): a test
/// run that selected `--tests` started test binaries of `d` that
/// the build (`cargo test --no-run`, every target) never digested, and a green run was
/// said tampered with, replayed so on every run (rust-phf, the thirty-second session's
/// trial). The binaries' call selects what the build did; `d` runs and is kept.
#[test]
fn a_member_that_is_a_build_dependency_runs_the_binaries_the_build_digested() {
    let fx = with_member("gen", "gen", "pub fn letter() -> char {\n    'h'\n}\n");
    let manifest = std::fs::read_to_string(fx.root.join("d/Cargo.toml")).unwrap();
    fx.write(
        "d/Cargo.toml",
        &(manifest + "\n[build-dependencies]\ngen = { path = \"../gen\" }\n"),
    )
    .write(
        "d/build.rs",
        "fn main() {\n    println!(\"cargo:rerun-if-changed=build.rs\");\n    \
         println!(\"cargo:rustc-env=GREETING={}i\", gen::letter());\n}\n",
    )
    .relock()
    .commit();
    let run = gate(&fx);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let (ran, _) = ran_and_reused(&fx, &run);
    assert!(ran.iter().any(|id| id == "d"), "{ran:?}");
    // After a change elsewhere, `d` is reused: it was kept under the binary that ran.
    let a = std::fs::read_to_string(fx.root.join("a/src/lib.rs")).unwrap();
    fx.write("a/src/lib.rs", &(a + "// changed\n")).commit();
    let again = gate(&fx);
    let (_, reused) = ran_and_reused(&fx, &again);
    assert!(reused.contains(&"d".to_owned()), "{reused:?}");
}

/// What the gate sets for its stand-ins never reaches a test: the binaries' call hands cargo
/// `RUSTDOC` (the stand-in) and `CARGO_GATE_RUSTDOC_SKIP`, which cargo passes on to every
/// test it runs, and a test running `cargo test` on a project of its own skipped that
/// project's failing doc test (READY; the thirty-second session's hostile pass). Nor do the
/// doc tests see them.
#[cfg(unix)]
#[test]
fn the_stand_ins_variables_reach_no_test() {
    let fx = fixture("per-binary");
    let clean = "    for var in [\"RUSTDOC\", \"CARGO_GATE_RUSTDOC_SKIP\", \"CARGO_GATE_RUSTDOC_PLAN\", \
                 \"CARGO_GATE_RUSTDOC_LANE\"] {\n        assert!(std::env::var_os(var).is_none(), \"{var}\");\n    }\n";
    let a = std::fs::read_to_string(fx.root.join("a/src/lib.rs")).unwrap();
    fx.write("a/tests/env.rs", &format!("#[test]\nfn clean() {{\n{clean}}}\n"))
        .write(
            "a/src/lib.rs",
            &format!("{a}\n/// ```\n/// for var in [\"RUSTDOC\", \"CARGO_GATE_RUSTDOC_SKIP\"] {{\n///     assert!(std::env::var_os(var).is_none(), \"{{var}}\");\n/// }}\n/// ```\npub fn clean() {{}}\n"),
        )
        .commit();
    let (run, _) = fx.cargo_calls_with(&TESTS_NO_CACHE, &[("CARGO_BUILD_JOBS", "2")]);
    assert_eq!(run.code, 0, "{}", run.transcript());
}

/// A member whose directory's name holds a dot (`v.2/`) is named where a test reads there
/// (`"../v.2/src/lib.rs"`): split into words it named nothing, and a change to it replayed
/// the test's old PASS (READY; the thirty-second session's hostile pass).
#[cfg(unix)]
#[test]
fn a_directory_with_a_dot_in_its_name_is_named() {
    let fx = with_member("v.2", "vee", "pub fn two() -> u32 {\n    2\n}\n");
    fx.write(
        "a/tests/lint.rs",
        "#[test]\nfn clean() {\n    let text = std::fs::read_to_string(\"../v.2/src/lib.rs\").unwrap();\n    \
         assert!(!text.contains(\"FORBIDDEN\"));\n}\n",
    )
    .relock()
    .commit();
    let run = gate(&fx);
    assert_eq!(run.code, 0, "{}", run.transcript());
    fx.write(
        "v.2/src/lib.rs",
        "pub fn two() -> u32 {\n    2\n}\n// FORBIDDEN\n",
    )
    .commit();
    let run = gate(&fx);
    assert_eq!(run.code, 1, "{}", run.transcript());
}

/// A library whose manifest says `doctest = false` has no doc test run, as plain `cargo test`
/// runs none: `cargo test --doc` starts rustdoc for it all the same, and its sketch of a
/// doc test failed the run (the thirty-second session's hostile pass).
#[cfg(unix)]
#[test]
fn a_library_whose_doc_tests_are_off_runs_none() {
    let fx = fixture("per-binary");
    let manifest = std::fs::read_to_string(fx.root.join("d/Cargo.toml")).unwrap();
    let d = std::fs::read_to_string(fx.root.join("d/src/lib.rs")).unwrap();
    fx.write("d/Cargo.toml", &(manifest + "\n[lib]\ndoctest = false\n"))
        .write(
            "d/src/lib.rs",
            &(d + "\n/// ```\n/// assert!(false, \"a sketch\");\n/// ```\npub fn sketch() {}\n"),
        )
        .commit();
    for jobs in ["1", "2"] {
        let (run, _) = fx.cargo_calls_with(&TESTS_NO_CACHE, &[("CARGO_BUILD_JOBS", jobs)]);
        assert_eq!(run.code, 0, "{jobs} lane(s): {}", run.transcript());
    }
}

/// A build script that runs `cargo test` on a project of its own (a template it checks, on
/// every build) sees that project's doc tests run: the stand-in's skip reaches what cargo
/// starts for the binaries' call, and it skips the gate's members alone (the project's
/// failing doc test was baked in as a pass, READY; the thirty-second session's second
/// hostile pass).
#[cfg(unix)]
#[test]
fn a_nested_projects_doc_tests_run() {
    let fx = fixture("per-binary");
    fx.write(
        "project/Cargo.toml",
        "[package]\nname = \"project\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .write(
        "project/src/lib.rs",
        "/// ```\n/// assert_eq!(project::two(), 3);\n/// ```\npub fn two() -> u32 {\n    2\n}\n",
    )
    .write(
        "a/build.rs",
        "fn main() {\n    println!(\"cargo:rerun-if-changed=missing.txt\");\n    \
         let out = std::path::PathBuf::from(std::env::var(\"OUT_DIR\").unwrap()).join(\"project\");\n    \
         let ok = std::process::Command::new(std::env::var(\"CARGO\").unwrap())\n        \
         .args([\"test\", \"--offline\", \"--manifest-path\", \"../project/Cargo.toml\", \"--target-dir\"])\n        \
         .arg(&out)\n        .output()\n        .unwrap()\n        .status\n        .success();\n    \
         println!(\"cargo:rustc-env=PROJECT_OK={ok}\");\n}\n",
    )
    .write(
        "a/tests/project.rs",
        "#[test]\nfn the_project_passes() {\n    assert_eq!(env!(\"PROJECT_OK\"), \"true\");\n}\n",
    )
    .commit();
    let (run, _) = fx.cargo_calls_with(&TESTS_NO_CACHE, &[("CARGO_BUILD_JOBS", "2")]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.transcript().contains("the_project_passes"),
        "{}",
        run.transcript()
    );
}

/// A workspace that sets the doc-test stand-in's variables in cargo's `[env]` (`force`:
/// over the gate's own values) never chooses what the doc tests replay or skip: they run
/// every time, and a failing one fails the run.
#[cfg(unix)]
#[test]
fn the_gates_variables_in_cargos_env_run_the_doc_tests_every_time() {
    let env = "[env]\nCARGO_GATE_RUSTDOC_LANE = { value = \"1\", force = true }\n";
    // Written in the configuration, or in a file it includes.
    for (config, included) in [(env, None), ("include = [\"more.toml\"]\n", Some(env))] {
        let fx = fixture("per-binary");
        fx.write(
            "a/src/lib.rs",
            &(std::fs::read_to_string(fx.root.join("a/src/lib.rs")).unwrap()
                + "\n/// ```\n/// assert_eq!(a::one(), 2);\n/// ```\npub fn two() {}\n"),
        )
        .write(".cargo/config.toml", config);
        if let Some(text) = included {
            fx.write(".cargo/more.toml", text);
        }
        fx.commit();
        runs_the_doc_tests_every_time(&fx);
    }
}

#[cfg(unix)]
fn runs_the_doc_tests_every_time(fx: &crate::support::Fixture) {
    let args = TESTS_NO_CACHE;
    let (run, calls) = fx.cargo_calls_with(&args, &[("CARGO_BUILD_JOBS", "2")]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let check = &run.json()["checks"][0];
    assert!(check["findings"].to_string().contains("two"), "{check:#}");
    assert_eq!(
        calls.lines().filter(|l| l.contains("--doc")).count(),
        1,
        "{calls}"
    );
    assert!(
        run.transcript()
            .contains("sets a variable of the gate's (CARGO_GATE_…) in [env]"),
        "{}",
        run.transcript()
    );
}

/// A build script reaches the rustdoc cargo starts for its crate (`cargo:rustc-env`), over
/// the gate's own variables: one that names a lane no command runs, or the skip only the
/// binaries' call is given (`CARGO_GATE_RUSTDOC_SKIP`), has its crate's doc tests said to
/// run elsewhere by every lane. The gate finds the crate cargo started and no lane ran, and
/// fails the run, with one lane or two; the failing doc test is never passed.
#[cfg(unix)]
#[test]
fn a_build_script_that_moves_its_crate_out_of_every_lane_fails_the_run() {
    // A lane no command runs, or the skip the binaries' call is given (`BESIDE`).
    for (var, said) in [
        (
            "CARGO_GATE_RUSTDOC_LANE=9",
            "cargo-gate: CARGO_GATE_RUSTDOC_LANE is 9 for the doc tests of",
        ),
        (
            "CARGO_GATE_RUSTDOC_SKIP=1",
            "cargo-gate: CARGO_GATE_RUSTDOC_SKIP is set for the doc tests of",
        ),
    ] {
        let fx = fixture("per-binary");
        fx.write(
            "d/build.rs",
            &format!(
                "fn main() {{\n    println!(\"cargo:rerun-if-changed=build.rs\");\n    \
                 println!(\"cargo:rustc-env=GREETING=hi\");\n    \
                 println!(\"cargo:rustc-env={var}\");\n}}\n"
            ),
        )
        .write(
            "d/src/lib.rs",
            &(std::fs::read_to_string(fx.root.join("d/src/lib.rs")).unwrap()
                + "\n/// ```\n/// assert_eq!(d::GREETING, \"no\");\n/// ```\npub fn greet() {}\n"),
        );
        fx.commit();
        for jobs in ["1", "2"] {
            let (run, _) = fx.cargo_calls_with(&TESTS_NO_CACHE, &[("CARGO_BUILD_JOBS", jobs)]);
            assert_eq!(run.code, 1, "{var}, {jobs} lane(s): {}", run.transcript());
            let log = std::fs::read_to_string(latest_run(&fx).join("logs/tests.log")).unwrap();
            assert!(log.contains(said), "{var}, {jobs} lane(s): {log}");
        }
    }
}

/// What a build script tells cargo is part of its package's binaries' key: a
/// `cargo:rustc-env` value read from another package's file (declared with
/// `rerun-if-changed`), which cargo also sets when it runs the test, read there with
/// `std::env::var` — the test binary's bytes stay the same while the value changes (the
/// hostile trial replayed a PASS over it).
#[test]
fn what_a_build_script_tells_cargo_joins_the_binarys_key() {
    let fx = fixture("per-binary");
    fx.write(
        "d/build.rs",
        "fn main() {\n    println!(\"cargo:rerun-if-changed=build.rs\");\n    \
         println!(\"cargo:rerun-if-changed=../a/mode.txt\");\n    \
         let mode = std::fs::read_to_string(\"../a/mode.txt\").unwrap();\n    \
         println!(\"cargo:rustc-env=GREETING=hi\");\n    \
         println!(\"cargo:rustc-env=MODE={}\", mode.trim());\n}\n",
    );
    fx.write("a/mode.txt", "ok\n");
    fx.write(
        "d/tests/mode.rs",
        "#[test]\nfn mode_is_ok() {\n    assert_eq!(std::env::var(\"MODE\").unwrap(), \"ok\");\n}\n",
    );
    fx.commit();
    let first = gate(&fx);
    assert_eq!(first.code, 0, "{}", first.transcript());
    fx.write("a/mode.txt", "bad\n");
    fx.commit();
    let second = gate(&fx);
    assert_eq!(second.code, 1, "{}", second.transcript());
    let listing = binaries(&fx);
    let mode = listing["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "d::mode")
        .unwrap_or_else(|| panic!("{listing:#}"));
    assert_ne!(mode["status"], "reused", "{listing:#}");
}

/// What a test reaches beyond its package and its dependencies joins its binary's key (the
/// sixteenth session's hostile trials replayed a PASS over each): a package whose name a
/// dependency of the test holds in a file that is no Rust (the test runs `cargo run -p` on
/// it, whose one binary says `test = false`, so the build never made it), a fixture under the
/// `tests/data/` of a workspace whose root is a package (the root's package owns only its
/// Rust code), and another package's file that a build script declares and derives a
/// git-ignored file from; another package's file reached through a tracked symbolic link;
/// and a program run by a script at the root that no package owns (`scripts/wave.sh`, named
/// by the test that runs it). Each change fails exactly the test it breaks; the others
/// replay.
#[cfg(unix)]
#[test]
fn what_a_test_reaches_beyond_its_package_joins_its_key() {
    let fx = fixture("per-binary");
    reaching_beyond(&fx);
    let first = gate(&fx);
    let (ran, _) = ran_and_reused(&fx, &first);
    for id in ["b::tool", "c::shared", "d::derived", "root::wave"] {
        assert!(ran.contains(&id.to_owned()), "{id}: {ran:?}");
    }
    let bye = "fn main() {\n    println!(\"bye\");\n}\n";
    // Each edit is undone in the next one's commit: the first is the one whose test the
    // others' undoing could not run again by chance.
    let edits = [
        ("d/examples/waver.rs", WAVER, bye, "the_root_script_waves"),
        ("d/src/bin/greeter.rs", GREETER, bye, "the_tool_greets"),
        (
            "tests/data/expected.txt",
            "hello\n",
            "bye\n",
            "the_shared_fixture_greets",
        ),
        ("a/mode.txt", "hello\n", "bye\n", "the_derived_file_greets"),
        ("a/linked.txt", "hello\n", "bye\n", "the_linked_file_greets"),
    ];
    for (path, before, after, breaks) in edits {
        fx.write(path, after);
        fx.commit();
        let broken = gate(&fx);
        assert_eq!(broken.code, 1, "{path}: {}", broken.transcript());
        let findings = broken.json()["checks"][0]["findings"].to_string();
        for (_, _, _, test) in edits {
            assert_eq!(
                findings.contains(test),
                test == breaks,
                "{path}: {findings}"
            );
        }
        fx.write(path, before);
    }
}

/// A path in a package's manifest that its test reads (`[package.metadata]`, or `readme`
/// through `CARGO_PKG_README`) names the package it leads into: the seventeenth session's
/// hostile trial replayed a PASS over another package's fixture named only there.
#[test]
fn a_path_in_the_manifest_names_the_package_it_leads_into() {
    let fx = fixture("per-binary");
    fx.write(
        "c/Cargo.toml",
        &(std::fs::read_to_string(fx.root.join("c/Cargo.toml")).unwrap()
            + "\n[package.metadata.fixtures]\ndata = \"../d/meta.txt\"\n"),
    )
    .write("d/meta.txt", "hello\n")
    .write(
        "c/tests/meta.rs",
        "#[test]\nfn the_manifests_fixture_greets() {\n    \
         let manifest = include_str!(\"../Cargo.toml\");\n    \
         let line = manifest.lines().find(|l| l.starts_with(\"data = \")).unwrap();\n    \
         let path = line.split('\"').nth(1).unwrap();\n    \
         assert_eq!(std::fs::read_to_string(path).unwrap().trim(), \"hello\");\n}\n",
    );
    fx.commit();
    let first = gate(&fx);
    assert_eq!(first.code, 0, "{}", first.transcript());
    fx.write("d/meta.txt", "bye\n");
    fx.commit();
    let second = gate(&fx);
    assert_eq!(second.code, 1, "{}", second.transcript());
    let findings = second.json()["checks"][0]["findings"].to_string();
    assert!(
        findings.contains("the_manifests_fixture_greets"),
        "{findings}"
    );
}

/// A tracked link that no package owns, at the root, into another package's file
/// (`fixtures/greeting.txt -> ../d/greeting.txt`), read by a test through its path: it
/// names the package it points into (the second hostile pass replayed a PASS over it).
#[cfg(unix)]
#[test]
fn a_link_of_no_package_names_the_package_it_points_into() {
    let fx = fixture("per-binary");
    fx.write("d/greeting.txt", "hello\n").write(
        "c/tests/linked_root.rs",
        "#[test]\nfn the_root_link_greets() {\n    \
         let text = std::fs::read_to_string(\"../fixtures/greeting.txt\").unwrap();\n    \
         assert_eq!(text.trim(), \"hello\");\n}\n",
    );
    std::fs::create_dir_all(fx.root.join("fixtures")).unwrap();
    std::os::unix::fs::symlink("../d/greeting.txt", fx.root.join("fixtures/greeting.txt")).unwrap();
    fx.commit();
    let first = gate(&fx);
    assert_eq!(first.code, 0, "{}", first.transcript());
    fx.write("d/greeting.txt", "bye\n");
    fx.commit();
    let second = gate(&fx);
    assert_eq!(second.code, 1, "{}", second.transcript());
    let findings = second.json()["checks"][0]["findings"].to_string();
    assert!(findings.contains("the_root_link_greets"), "{findings}");
}

#[cfg(unix)]
const GREETER: &str = "fn main() {\n    println!(\"hello\");\n}\n";

#[cfg(unix)]
const WAVER: &str = "fn main() {\n    println!(\"wave\");\n}\n";

/// The per-binary fixture with a package at its root and the five reaches of
/// [`what_a_test_reaches_beyond_its_package_joins_its_key`], committed.
#[cfg(unix)]
fn reaching_beyond(fx: &Fixture) {
    // c's test reads a's file through a tracked link.
    fx.write("a/linked.txt", "hello\n").write(
        "c/tests/linked.rs",
        "#[test]\nfn the_linked_file_greets() {\n    \
         let text = std::fs::read_to_string(\"tests/linked.txt\").unwrap();\n    \
         assert_eq!(text.trim(), \"hello\");\n}\n",
    );
    std::os::unix::fs::symlink("../../a/linked.txt", fx.root.join("c/tests/linked.txt")).unwrap();
    let lock = std::fs::read_to_string(fx.root.join("Cargo.lock")).unwrap();
    fx.write(
        "Cargo.toml",
        "[package]\nname = \"root\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\nmembers = [\"a\", \"b\", \"c\", \"d\"]\nresolver = \"2\"\n",
    )
    .write("src/lib.rs", "//! The root's own package.\n")
    .write(
        "Cargo.lock",
        &format!("{lock}\n[[package]]\nname = \"root\"\nversion = \"0.1.0\"\n"),
    )
    .write(".gitignore", "/target\n/d/derived/\n")
    // b's test runs d's program by the package name its dependency `a` holds in a text file.
    .write("d/src/bin/greeter.rs", GREETER)
    .write("d/examples/waver.rs", WAVER)
    .write(
        "d/Cargo.toml",
        &(std::fs::read_to_string(fx.root.join("d/Cargo.toml")).unwrap()
            + "\n[[bin]]\nname = \"greeter\"\npath = \"src/bin/greeter.rs\"\ntest = false\n"),
    )
    // The root package's test (which reaches nothing of d otherwise) runs a script of no
    // package, which runs d's example.
    .write(
        "scripts/wave.sh",
        "#!/bin/sh\ncd \"$(dirname \"$0\")/..\" && \\\n  \
         exec \"$CARGO\" run -q --offline -p d --example waver --target-dir \"$1\"\n",
    )
    .write(
        "tests/wave.rs",
        "#[test]\nfn the_root_script_waves() {\n    \
         let target = std::env::temp_dir().join(format!(\"wave-{}\", std::process::id()));\n    \
         let out = std::process::Command::new(\"sh\")\n        \
         .arg(\"scripts/wave.sh\")\n        .arg(&target)\n        \
         .env(\"CARGO\", env!(\"CARGO\"))\n        .output()\n        .unwrap();\n    \
         let _ = std::fs::remove_dir_all(&target);\n    \
         assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), \"wave\");\n}\n",
    )
    .write("a/tool.txt", "d\n")
    .write(
        "b/tests/tool.rs",
        "#[test]\nfn the_tool_greets() {\n    \
         let package = std::fs::read_to_string(\"../a/tool.txt\").unwrap();\n    \
         let target = std::env::temp_dir().join(format!(\"reach-{}\", std::process::id()));\n    \
         let out = std::process::Command::new(env!(\"CARGO\"))\n        \
         .args([\"run\", \"-q\", \"--offline\", \"-p\", package.trim(), \"--target-dir\"])\n        \
         .arg(&target)\n        .current_dir(\"..\")\n        .output()\n        .unwrap();\n    \
         let _ = std::fs::remove_dir_all(&target);\n    \
         assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), \"hello\");\n}\n",
    )
    // c's test reads a fixture under the root's tests/data/.
    .write("tests/data/expected.txt", "hello\n")
    .write(
        "c/tests/shared.rs",
        "#[test]\nfn the_shared_fixture_greets() {\n    \
         let text = std::fs::read_to_string(\"../tests/data/expected.txt\").unwrap();\n    \
         assert_eq!(text.trim(), \"hello\");\n}\n",
    )
    // d's build script derives a git-ignored file from a's.
    .write("a/mode.txt", "hello\n")
    .write(
        "d/build.rs",
        "fn main() {\n    println!(\"cargo:rerun-if-changed=build.rs\");\n    \
         println!(\"cargo:rerun-if-changed=../a/mode.txt\");\n    \
         println!(\"cargo:rustc-env=GREETING=hi\");\n    \
         let mode = std::fs::read_to_string(\"../a/mode.txt\").unwrap();\n    \
         std::fs::create_dir_all(\"derived\").unwrap();\n    \
         std::fs::write(\"derived/mode.txt\", mode).unwrap();\n}\n",
    )
    .write(
        "d/tests/derived.rs",
        "#[test]\nfn the_derived_file_greets() {\n    \
         let text = std::fs::read_to_string(\"derived/mode.txt\").unwrap();\n    \
         assert_eq!(text.trim(), \"hello\");\n}\n",
    );
    fx.commit();
}
