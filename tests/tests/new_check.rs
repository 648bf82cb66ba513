//! Adding a check is one module and one registry line: this test proves it on a copy of the
//! workspace. It takes the example check of `cargo_gate::check`'s docs (the documented
//! route, word for word), writes it as `checks/files_small.rs` with its `mod` line, adds one
//! line to the registry with the next free attestation bit, and then, touching nothing else:
//!
//! 1. `cargo xtask codegen` writes the check's page and rows; `codegen --check` holds;
//! 2. the tests of every package that can see the change (`cargo-gate` and each package that
//!    depends on it, as `cargo metadata` says) pass with the snapshots regenerated as
//!    `cargo insta accept` would (`INSTA_UPDATE=always INSTA_FORCE_PASS=1`), which also
//!    proves every assertion that is not a snapshot holds with the new check in every pilot
//!    run. The other packages do not depend on `cargo-gate`: the copy builds them exactly as
//!    the workspace does, and `cargo test --workspace` has run them there. One test is left
//!    out, the release dry run, which gates with `--only config.valid` (no new check can
//!    reach it) and costs a release build;
//! 3. the snapshots that changed are all the integration tests' (no other snapshot may move),
//!    and the modules that own them pass again with snapshots compared, never written;
//! 4. in every snapshot that changed, each line that went away came back with only its
//!    numbers changed (counts), and one that gained other lines names the new check: adding
//!    a check only adds lines.
//!
//! It builds those packages again in a target directory of its own (minutes), so a plain
//! `cargo test` runs only its quick part and says so; `.ci/run` runs it whole as its own step
//! (`GATE_NEW_CHECK_PROOF=1`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// The example check of `cargo_gate::check`'s module docs, as a module of the crate.
fn documented_example(check_rs: &str) -> String {
    let docs: Vec<&str> = check_rs
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| {
            l.strip_prefix("//! ")
                .unwrap_or(l.trim_start_matches("//!"))
        })
        .collect();
    let start = docs
        .iter()
        .position(|l| *l == "# Adding a check")
        .expect("check.rs documents adding a check");
    let open = start
        + docs[start..]
            .iter()
            .position(|l| *l == "```")
            .expect("an example");
    let close = open + 1 + docs[open + 1..].iter().position(|l| *l == "```").unwrap();
    let code: Vec<&str> = docs[open + 1..close]
        .iter()
        .copied()
        .filter(|l| !l.starts_with("# "))
        .collect();
    format!(
        "//! `files.small`, added by tests/tests/new_check.rs from check.rs's example.\n\n{}\n",
        code.join("\n").replace("cargo_gate::", "crate::")
    )
}

/// `checks/mod.rs` with the new module's line after the last `pub mod` line.
fn with_mod_line(mod_rs: &str) -> String {
    let mut lines: Vec<&str> = mod_rs.lines().collect();
    let last = lines
        .iter()
        .rposition(|l| l.starts_with("pub mod "))
        .expect("checks/mod.rs declares the checks");
    lines.insert(last + 1, "pub mod files_small;");
    lines.join("\n") + "\n"
}

/// `registry.rs` with one more entry, at the end of the list, taking the next free bit.
fn with_registry_line(registry_rs: &str) -> String {
    let start = registry_rs
        .find("static ENTRIES")
        .expect("the registry's list");
    let end = start + registry_rs[start..].find("\n];").expect("its end");
    let next = registry_rs[start..end]
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix('(')?
                .split(',')
                .next()?
                .parse::<u8>()
                .ok()
        })
        .max()
        .expect("entries with bits")
        + 1;
    format!(
        "{}\n    ({next}, &checks::files_small::FilesSmall),{}",
        &registry_rs[..end],
        &registry_rs[end..]
    )
}

/// Copies the tracked files of the workspace into `to`.
fn copy_tracked(from: &Path, to: &Path) {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(from)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git ls-files failed");
    for rel in out.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let rel = std::str::from_utf8(rel).expect("UTF-8 path");
        let (src, dst) = (from.join(rel), to.join(rel));
        if !src.is_file() {
            continue; // deleted in the working tree
        }
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("{rel}: {e}"));
    }
}

/// Runs `cargo ARGS` in `dir` and fails the test with its output when it fails.
fn cargo(dir: &Path, target: &Path, env: &[(&str, &str)], args: &[&str]) {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("GATE_NEW_CHECK_PROOF")
        .env_remove("INSTA_UPDATE")
        .env_remove("INSTA_FORCE_PASS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("cargo runs");
    if out.status.success() {
        return;
    }
    // Every failure named (a test run goes on past the first), then the end of the output.
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    let mut failures = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.contains("panicked at") || line.contains("FAILED") || line.starts_with("error") {
            failures.extend(lines[i..lines.len().min(i + 4)].iter().copied());
        }
    }
    let tail = &text[text.len().saturating_sub(3000)..];
    panic!(
        "`cargo {}` failed in the copy:\n{}\n…\n{tail}",
        args.join(" "),
        failures.join("\n")
    );
}

/// The lines of `new` that are not in `old` and the lines of `old` not in `new`, in order.
fn changed_lines<'a>(old: &'a str, new: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut removed: Vec<&str> = old.lines().collect();
    let mut added = Vec::new();
    for line in new.lines() {
        match removed.iter().position(|l| *l == line) {
            Some(i) => {
                removed.remove(i);
            }
            None => added.push(line),
        }
    }
    (added, removed)
}

#[test]
fn a_new_check_is_one_module_and_one_registry_line() {
    assert_eq!(
        with_registry_line(
            "static ENTRIES: &[(u8, &dyn Check)] = &[\n    (0, &a::A),\n    (7, &b::B),\n];\n"
        ),
        "static ENTRIES: &[(u8, &dyn Check)] = &[\n    (0, &a::A),\n    (7, &b::B),\n    (8, &checks::files_small::FilesSmall),\n];\n"
    );
    assert_eq!(numbers_out("12 checks: 11 passed"), "# checks: # passed");
    assert_eq!(
        body("---\nsource: a.rs\nexpression: x\n---\nreport\n"),
        "report\n"
    );
    let members = [
        ("a".to_owned(), vec![]),
        ("b".to_owned(), vec!["a".to_owned()]),
        ("c".to_owned(), vec!["b".to_owned()]),
        ("d".to_owned(), vec!["e".to_owned()]),
    ];
    assert_eq!(dependents(&members, "a"), ["a", "b", "c"]);
    assert_eq!(
        snapshot_module("integration__hostile__names__x.snap"),
        Some("hostile")
    );
    assert_eq!(snapshot_module("runtime__x.snap"), None);
    let root = workspace_root();
    let src = root.join("cargo-gate/src");
    let example = documented_example(&std::fs::read_to_string(src.join("check.rs")).unwrap());
    assert!(example.contains("impl Check for FilesSmall"), "{example}");
    if std::env::var_os("GATE_NEW_CHECK_PROOF").is_none() {
        #[expect(clippy::print_stdout, reason = "a skipped test says why")]
        {
            println!(
                "skipped: set GATE_NEW_CHECK_PROOF=1 (as .ci/run does) to build a copy of the \
             workspace with the example check added and run the tests that can see it"
            );
        }
        return;
    }
    let copy = tempfile::Builder::new()
        .prefix("new-check-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let ws = copy.path();
    copy_with_the_new_check(&root, ws, &example);

    // One target directory of its own, kept between runs (the copy's paths differ, so it
    // cannot share the workspace's).
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-check-target");
    cargo(ws, &target, &[], &["xtask", "codegen"]);
    cargo(ws, &target, &[], &["xtask", "codegen", "--check"]);
    let packages = seeing(ws, "cargo-gate");
    assert!(
        ["cargo-gate", "gate-tests", "gate-kernel-tests", "xtask"]
            .iter()
            .all(|p| packages.iter().any(|q| q == p)),
        "the packages that depend on cargo-gate: {packages:?}"
    );
    // Both runs name the same packages, so cargo unifies the same features and the second
    // builds nothing again (`-p gate-tests` alone rebuilt cargo-gate and jsonschema: minutes).
    let selected: Vec<&str> = packages.iter().flat_map(|p| ["-p", p.as_str()]).collect();
    let mut accept = vec!["test", "--locked", "--no-fail-fast"];
    accept.extend(&selected);
    accept.extend(["--", "--skip", RELEASE_DRY_RUN]);
    let update = [("INSTA_UPDATE", "always"), ("INSTA_FORCE_PASS", "1")];
    cargo(ws, &target, &update, &accept);

    let modules = changed_snapshot_modules(ws);
    assert!(!modules.is_empty(), "no snapshot changed with a new check");
    let mut compare = vec!["test", "--locked"];
    compare.extend(&selected);
    compare.extend(["--test", "integration", "--"]);
    let filters: Vec<String> = modules.iter().map(|m| format!("{m}::")).collect();
    compare.extend(filters.iter().map(String::as_str));
    cargo(ws, &target, &[("INSTA_UPDATE", "no")], &compare);
    only_lines_added(&root, ws);
}

/// The test of `tests/kernels` that gates with `--only config.valid` and builds a release.
const RELEASE_DRY_RUN: &str =
    "example::the_release_dry_run_builds_a_verifiable_bundle_and_tags_nothing";

/// Copies the tracked files of `root` into `ws` as a committed repository of its own (as a
/// fresh clone is), then adds `example` as `checks/files_small.rs` with its two lines.
fn copy_with_the_new_check(root: &Path, ws: &Path, example: &str) {
    copy_tracked(root, ws);
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=gate",
            "-c",
            "user.email=gate@example.invalid",
            "commit",
            "-qm",
            "copy",
        ],
    ] {
        let ok = Command::new("git")
            .args(args)
            .current_dir(ws)
            .status()
            .unwrap();
        assert!(ok.success(), "git {args:?} in the copy");
    }
    let checks = ws.join("cargo-gate/src/checks");
    std::fs::write(checks.join("files_small.rs"), example).unwrap();
    let mod_rs = std::fs::read_to_string(checks.join("mod.rs")).unwrap();
    std::fs::write(checks.join("mod.rs"), with_mod_line(&mod_rs)).unwrap();
    let registry = ws.join("cargo-gate/src/registry.rs");
    let text = std::fs::read_to_string(&registry).unwrap();
    std::fs::write(&registry, with_registry_line(&text)).unwrap();
}

/// `package` and every workspace member that depends on it, directly or not, by any kind
/// of dependency: the packages whose build or tests a change to `package` can reach.
fn seeing(ws: &Path, package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .current_dir(ws)
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata failed in the copy");
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let members: Vec<(String, Vec<String>)> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"].as_array().unwrap().iter();
            let names = deps.map(|d| d["name"].as_str().unwrap().to_owned());
            (p["name"].as_str().unwrap().to_owned(), names.collect())
        })
        .collect();
    dependents(&members, package)
}

/// `root` and every member of `members` (name, dependency names) that reaches it.
fn dependents(members: &[(String, Vec<String>)], root: &str) -> Vec<String> {
    let mut found = vec![root.to_owned()];
    loop {
        let more: Vec<String> = members
            .iter()
            .filter(|(name, deps)| !found.contains(name) && deps.iter().any(|d| found.contains(d)))
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            return found;
        }
        found.extend(more);
    }
}

/// The integration test modules whose snapshots the accepting run rewrote (from git's view
/// of the copy). A snapshot anywhere else that moved fails the proof: adding a check
/// reaches the reports, not the other crates' snapshots.
fn changed_snapshot_modules(ws: &Path) -> std::collections::BTreeSet<String> {
    let out = Command::new("git")
        .args(["status", "--porcelain", "-z", "--untracked-files=all"])
        .current_dir(ws)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git status in the copy");
    let mut modules = std::collections::BTreeSet::new();
    for entry in out.stdout.split(|b| *b == 0).filter(|e| e.len() > 3) {
        let path = String::from_utf8_lossy(&entry[3..]).into_owned();
        if !path.contains(".snap") {
            continue;
        }
        let module = path
            .strip_prefix("tests/tests/integration/")
            .and_then(|rest| snapshot_module(rest.rsplit('/').next()?));
        match module {
            Some(module) => modules.insert(module.to_owned()),
            None => panic!("a snapshot outside the integration tests changed: {path}"),
        };
    }
    modules
}

/// The test module of an integration snapshot's file name (`integration__pilot__x.snap`).
fn snapshot_module(file: &str) -> Option<&str> {
    let rest = file.strip_prefix("integration__")?;
    rest.split("__").next().filter(|m| !m.is_empty())
}

/// Every changed integration snapshot only gained the new check's lines and recounted.
fn only_lines_added(root: &Path, ws: &Path) {
    // What changed in the snapshots is the new check and nothing else: every line that went
    // away came back with only its numbers changed (a count of checks or passes), and a
    // snapshot that gained other lines names the new check. Adding a check only adds lines.
    let snapshots = "tests/tests/integration/snapshots";
    let mut changed = 0;
    for entry in std::fs::read_dir(root.join(snapshots)).unwrap() {
        let name = entry.unwrap().file_name();
        let old = std::fs::read_to_string(root.join(snapshots).join(&name)).unwrap();
        let new = std::fs::read_to_string(ws.join(snapshots).join(&name)).unwrap();
        if old == new {
            continue;
        }
        changed += 1;
        // insta's metadata header (between the leading `---` lines) is rewritten on accept.
        let (added, removed) = changed_lines(body(&old), body(&new));
        let mut recounted: Vec<(String, &str)> =
            added.iter().map(|l| (numbers_out(l), *l)).collect();
        let mut foreign = Vec::new();
        for line in removed {
            match recounted.iter().position(|(a, _)| *a == numbers_out(line)) {
                Some(i) => {
                    recounted.remove(i);
                }
                None => foreign.push(line),
            }
        }
        // A snapshot that does not name the new check may only have changed its counts (the
        // READINESS checklist `init` writes is longer by the new check's item).
        if !new.contains("files.small") {
            foreign.extend(recounted.iter().map(|(_, line)| *line));
        }
        assert!(
            foreign.is_empty(),
            "{name:?}: lines changed that are neither the new check's nor counts:\n  {}",
            foreign.join("\n  ")
        );
    }
    assert!(changed > 0, "no pilot report snapshot lists the new check");
}

/// A snapshot without insta's metadata header.
fn body(snapshot: &str) -> &str {
    let Some(rest) = snapshot.strip_prefix("---\n") else {
        return snapshot;
    };
    rest.find("\n---\n").map_or(rest, |end| &rest[end + 5..])
}

/// `line` with every run of digits replaced by `#`.
fn numbers_out(line: &str) -> String {
    let mut out = String::new();
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}
