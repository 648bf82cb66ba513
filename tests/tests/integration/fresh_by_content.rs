//! Content decides freshness (issue 42, item 1): a test edited to fail whose file gets its old
//! modification time back is judged on what the file says now, not on the binary cargo built
//! from what it said before; and a unit cargo built outside the gate from the same files is
//! not rebuilt for nothing.

use crate::per_binary::latest_run;
use crate::support::{Fixture, fixture};
use std::path::Path;

/// Writes `contents` to `path` and puts its modification time back as it was (`touch -r`).
fn rewrite_keeping_mtime(path: &Path, contents: &str) {
    let before = std::fs::metadata(path).unwrap().modified().unwrap();
    // Past the compile's start, whatever the file system's timestamp granularity.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(path, contents).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(before).unwrap();
    assert_eq!(std::fs::metadata(path).unwrap().modified().unwrap(), before);
}

/// `tests.pass` alone, as JSON: the exit code and the check.
pub(crate) fn tests_pass(f: &Fixture, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["pilot", "--only", "tests.pass", "--format", "json"];
    args.extend_from_slice(extra);
    let run = f.gate(&args);
    let check = run.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tests.pass")
        .cloned()
        .unwrap_or_else(|| panic!("{}", run.transcript()));
    (run.code, check)
}

fn failing(lib: &str) -> String {
    lib.replace(
        "assert_eq!(super::add(2, 2), 4);",
        "assert_eq!(super::add(2, 2), 5);",
    )
}

#[test]
fn a_test_edited_to_fail_behind_an_old_mtime_fails() {
    for extra in [&[][..], &["--no-cache"][..]] {
        let f = fixture("clean");
        let (code, check) = tests_pass(&f, extra);
        assert_eq!(
            (code, check["status"].as_str()),
            (0, Some("PASS")),
            "{check}"
        );
        let lib = f.root.join("src/lib.rs");
        let text = std::fs::read_to_string(&lib).unwrap();
        assert_ne!(failing(&text), text, "the fixture's test changed shape");
        rewrite_keeping_mtime(&lib, &failing(&text));
        f.commit();
        let (code, check) = tests_pass(&f, extra);
        assert_eq!(
            (code, check["status"].as_str()),
            (1, Some("FAIL")),
            "{extra:?}: {check}"
        );
        let log =
            std::fs::read_to_string(latest_run(&f).join("logs/tests.log")).unwrap_or_default();
        assert!(
            log.contains("rebuilt") || check.to_string().contains("rebuilt"),
            "the rebuild is said: {log}"
        );
    }
}

#[test]
fn a_unit_built_outside_the_gate_from_the_same_files_is_not_rebuilt() {
    let f = fixture("clean");
    // An example: cargo names it by its uplifted copy (`examples/demo`, no hash), whose
    // fingerprint is the hashed original's.
    f.write("examples/demo.rs", "fn main() {}\n").commit();
    let built = std::process::Command::new("cargo")
        .args(["test", "--no-run", "--locked", "--workspace"])
        .current_dir(&f.root)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    let (code, check) = tests_pass(&f, &["--no-cache"]);
    assert_eq!(
        (code, check["status"].as_str()),
        (0, Some("PASS")),
        "{check}"
    );
    let log = std::fs::read_to_string(latest_run(&f).join("logs/tests.log")).unwrap_or_default();
    assert!(!log.contains("cargo-gate: rebuilt"), "{log}");
}

/// The same from another directory, the workspace named by `--manifest-path`: rustc's
/// dep-info lists the sources relative to the workspace root, where rustc ran, never to the
/// gate's own directory (read from there, every source was missing, and missing files all
/// digest alike: the stale binary passed).
#[test]
fn from_another_directory_a_test_edited_to_fail_behind_an_old_mtime_fails() {
    let f = fixture("clean");
    let elsewhere = f.root.parent().unwrap().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let manifest = f.root.join("Cargo.toml");
    let status = |extra: &[&str]| {
        let mut args = vec!["pilot", "--only", "tests.pass", "--format", "json"];
        args.extend_from_slice(extra);
        args.extend(["--manifest-path", manifest.to_str().unwrap()]);
        let mut cmd = f.command(&args);
        cmd.current_dir(&elsewhere);
        let run = crate::support::run(cmd);
        let checks = run.json()["checks"].clone();
        let check = checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "tests.pass");
        let status = check.map(|c| c["status"].as_str().unwrap_or("").to_owned());
        (
            run.code,
            status.unwrap_or_else(|| panic!("{}", run.transcript())),
        )
    };
    assert_eq!(status(&["--no-cache"]), (0, "PASS".to_owned()));
    let lib = f.root.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    rewrite_keeping_mtime(&lib, &failing(&text));
    f.commit();
    assert_eq!(status(&["--no-cache"]), (1, "FAIL".to_owned()));
    assert_eq!(
        status(&[]),
        (1, "FAIL".to_owned()),
        "nor reused from the cache"
    );
    // The content back, behind the failing run's mtime: it passes again.
    rewrite_keeping_mtime(&lib, &text);
    f.commit();
    assert_eq!(status(&["--no-cache"]), (0, "PASS".to_owned()));
}

/// What an earlier run left in `target/` is no evidence (the eighteenth session's hostile
/// pass): a build script that stops writing the `gen.rs` its crate `include!`s fails to
/// compile, as on a fresh clone, though the clean commit's `gen.rs` is still in `OUT_DIR`
/// (cargo never empties it); and a fixture a test caches in `CARGO_TARGET_TMPDIR` is made
/// again by this tree's code. With the cache and without.
#[test]
fn what_an_earlier_run_left_in_the_target_directory_is_no_evidence() {
    let expect = |f: &Fixture, extra: &[&str], (code, status): (i32, &str), names: &str| {
        let (got, check) = tests_pass(f, extra);
        assert_eq!(
            (got, check["status"].as_str()),
            (code, Some(status)),
            "{check}"
        );
        assert!(check.to_string().contains(names), "{extra:?}: {check}");
    };
    let writes = "fn main() {\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    \
                  std::fs::write(format!(\"{out}/gen.rs\"), \"pub fn generated() -> u32 { 1 }\").unwrap();\n    \
                  println!(\"cargo:rerun-if-changed=build.rs\");\n}\n";
    let cached = "#[test]\nfn fixture_is_good() {\n    \
                  let p = std::path::Path::new(env!(\"CARGO_TARGET_TMPDIR\")).join(\"fixture.bin\");\n    \
                  if !p.exists() { std::fs::write(&p, clean::fixture()).unwrap(); }\n    \
                  assert_eq!(std::fs::read(&p).unwrap(), b\"good\");\n}\n";
    for extra in [&[][..], &["--no-cache"][..]] {
        let f = fixture("clean");
        let lib = std::fs::read_to_string(f.root.join("src/lib.rs")).unwrap();
        f.write("build.rs", writes)
            .write(
                "src/lib.rs",
                &format!(
                    "{lib}\ninclude!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));\n\
                     pub fn fixture() -> Vec<u8> {{ b\"good\".to_vec() }}\n"
                ),
            )
            .write("tests/cached.rs", cached)
            .commit();
        expect(&f, extra, (0, "PASS"), "");
        // The generator moved away; only the build script changes.
        f.write(
            "build.rs",
            "fn main() { println!(\"cargo:rerun-if-changed=build.rs\"); }\n",
        )
        .commit();
        expect(&f, extra, (1, "FAIL"), "gen.rs");
        // The generator back, and the fixture's maker broken.
        let lib = std::fs::read_to_string(f.root.join("src/lib.rs")).unwrap();
        f.write("build.rs", writes)
            .write(
                "src/lib.rs",
                &lib.replace("b\"good\".to_vec()", "b\"bad\".to_vec()"),
            )
            .commit();
        expect(&f, extra, (1, "FAIL"), "fixture_is_good");
    }
}

/// A file whose name is not UTF-8 cannot be keyed by it: the run is READY as plain `cargo
/// test` is, and nothing is reused (the eighteenth session's hostile pass reused a whole run
/// over a changed `fixtures/\xff.txt`; the first fix then failed the clean commit).
#[cfg(target_os = "linux")]
#[test]
fn a_file_name_that_is_not_utf8_turns_reuse_off_not_the_verdict() {
    use std::os::unix::ffi::OsStrExt;
    let f = fixture("clean");
    std::fs::create_dir_all(f.root.join("fixtures")).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"fixtures/\xff.txt");
    std::fs::write(f.root.join(name), "good\n").unwrap();
    f.commit();
    for _ in 0..2 {
        let (code, check) = tests_pass(&f, &[]);
        assert_eq!(
            (code, check["status"].as_str()),
            (0, Some("PASS")),
            "{check}"
        );
        assert!(!check.to_string().contains("reused"), "{check}");
    }
}
