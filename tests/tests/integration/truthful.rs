//! False verdicts found by running the gate on real public workspaces, each reduced to a
//! hand-written fixture named after what it reproduces (docs/REAL-WORLD.md lists where each
//! came from): checks that apply only where they apply, every kernel seen, one cause
//! reported once, and the exit code of the worst known fact.

use crate::support::fixture;
use insta::assert_snapshot;
use serde_json::Value;

/// The report's entry for `id`.
#[track_caller]
fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report:#}"))
}

/// The statuses of a report, `id=STATUS` in report order.
fn statuses(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}={}",
                c["id"].as_str().unwrap(),
                c["status"].as_str().unwrap()
            )
        })
        .collect()
}

/// Every finding message of a check, joined.
fn messages(check: &Value) -> String {
    check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn files(check: &Value) -> Vec<&str> {
    check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["location"]["file"].as_str())
        .collect()
}

#[test]
fn kernels_outside_gate_build_are_each_seen_whether_or_not_anything_builds() {
    let fx = fixture("cuda-outside-gate-build");
    let run = fx.gate(&["controlled", "--format", "json"]);
    let report = run.json();
    assert_eq!(run.code, 1, "{}", run.transcript());
    let kernels = check(&report, "kernels.build");
    assert_eq!(kernels["status"], "WARN", "{kernels:#}");
    let expected = [
        "crates/fast-kernels/kernels/attention/common.cuh",
        "crates/fast-kernels/kernels/attention/paged.cu",
        "crates/fast-kernels/kernels/rms_norm.cu",
    ];
    assert_eq!(files(kernels), expected);
    assert!(
        messages(kernels).contains(
            "compiled by raw nvcc (crates/fast-kernels/build.rs:6, only with feature \"cuda\" of app)"
        ),
        "{kernels:#}"
    );
    let contracts = check(&report, "cuda.contracts");
    assert_eq!(contracts["status"], "FAIL", "{contracts:#}");
    assert_eq!(files(contracts), expected);
    // The crate in `[workspace] exclude` ships as a path dependency: its unsafe is judged.
    let unsafe_check = check(&report, "boundary.unsafe");
    assert_eq!(unsafe_check["status"], "FAIL", "{unsafe_check:#}");
    assert_eq!(files(unsafe_check), ["crates/fast-kernels/src/lib.rs"]);
    // The broken member is reported once, by tests.pass, with the compiler's own error.
    let tests = check(&report, "tests.pass");
    assert_eq!(tests["status"], "FAIL");
    assert!(messages(tests).contains("expected expression"), "{tests:#}");

    let text = fx.gate(&["controlled", "--only", "kernels.build"]);
    assert_snapshot!("cuda-outside-gate-build-kernels-text", text.transcript());
}

#[test]
fn a_static_run_compiles_nothing_where_no_package_uses_gate_build() {
    let fx = fixture("cuda-outside-gate-build");
    let run = fx.gate(&["controlled", "--skip", "tests.pass", "--format", "json"]);
    let report = run.json();
    assert_eq!(check(&report, "kernels.build")["status"], "WARN");
    assert!(
        !fx.root.join("target/debug").exists(),
        "a static run compiled the workspace"
    );
    let fx = fixture("clean");
    let run = fx.gate(&["controlled", "--skip", "tests.pass", "--format", "json"]);
    let report = run.json();
    for id in ["kernels.build", "cuda.contracts"] {
        let c = check(&report, id);
        assert_eq!(c["status"], "PASS", "{c:#}");
        assert!(
            c["summary"]
                .as_str()
                .unwrap()
                .contains("no CUDA sources among 5 tracked file(s), no gate-build dependents"),
            "{c:#}"
        );
    }
    assert!(!fx.root.join("target/debug").exists());
}

/// bheisler/RustaCUDA's shape: `resources/add.cu` beside the `add.ptx` that only a doc
/// example and a `#[cfg(test)]` module read (`include_str!`). The crate ships no GPU code, so
/// the source is no kernel contract: a note that says so, in both kernel checks.
#[test]
fn a_kernel_only_tests_and_doc_examples_read_is_no_kernel_contract() {
    let fx = fixture("cuda-test-and-doc-only");
    let run = fx.gate(&["controlled", "--skip", "tests.pass", "--format", "json"]);
    let report = run.json();
    for id in ["kernels.build", "cuda.contracts"] {
        let c = check(&report, id);
        assert_eq!(c["status"], "PASS", "{c:#}");
        assert_eq!(files(c), ["resources/add.cu"]);
        assert_eq!(c["findings"][0]["severity"], "note", "{c:#}");
        assert!(
            messages(c).contains(
                "named only by doc examples (src/lib.rs:7) and test code (src/lib.rs:18): \
                 its code does not ship"
            ),
            "{c:#}"
        );
    }
    assert!(
        !report["verdict"]["failing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|id| id == "cuda.contracts"),
        "{report:#}"
    );
    let text = fx.gate(&[
        "controlled",
        "--skip",
        "tests.pass",
        "--only",
        "cuda.contracts",
    ]);
    assert_snapshot!("cuda-test-and-doc-only-contracts-text", text.transcript());
}

/// The shipping case beside it: PTX that library code embeds, its `.cu` built outside
/// gate-build, is a kernel nothing checks, and `cuda.contracts` fails on it as before.
#[test]
fn a_kernel_the_library_embeds_still_fails_outside_gate_build() {
    let shipped_at = |fx: &crate::support::Fixture, source: &str| {
        let run = fx.gate(&["controlled", "--skip", "tests.pass", "--format", "json"]);
        let report = run.json();
        assert_eq!(run.code, 1, "{}", run.transcript());
        let contracts = check(&report, "cuda.contracts");
        assert_eq!(contracts["status"], "FAIL", "{contracts:#}");
        assert_eq!(files(contracts), [source]);
        assert_eq!(
            contracts["findings"][0]["severity"], "error",
            "{contracts:#}"
        );
        assert_eq!(check(&report, "kernels.build")["status"], "WARN");
    };
    shipped_at(&fixture("bom-include-ptx"), "ptx-user/kernels/saxpy.cu");
    // The fixture above, once its library embeds the PTX its doc example and tests read.
    let fx = fixture("cuda-test-and-doc-only");
    let lib = std::fs::read_to_string(fx.root.join("src/lib.rs")).unwrap();
    let embedded = "/// The test kernel, for callers.\n\
                    pub static ADD_PTX: &str = include_str!(\"../resources/add.ptx\");\n";
    fx.write("src/lib.rs", &format!("{lib}\n{embedded}"))
        .commit();
    shipped_at(&fx, "resources/add.cu");
}

#[test]
fn a_workspace_cargo_cannot_load_is_judged_from_its_manifests() {
    let fx = fixture("path-dep-outside-missing");
    let run = fx.gate(&["controlled", "--format", "json"]);
    let report = run.json();
    // Failures are known (the lockfile, the unsafe block, the path dependency): exit 1.
    assert_eq!(run.code, 1, "{}", run.transcript());
    // Cargo.lock cannot be judged before cargo loads the workspace: not evaluated, with
    // cargo's own cause (the missing path dependency), never a network or lockfile fix.
    let lock = check(&report, "lockfile.locked");
    assert_eq!(
        (&lock["status"], &lock["skip"]),
        (&Value::from("SKIP"), &Value::from("unavailable")),
        "{lock:#}"
    );
    let summary = lock["summary"].as_str().unwrap();
    assert!(summary.contains("cannot load the workspace"), "{summary}");
    assert!(summary.contains("sibling"), "{summary}");
    assert!(!summary.contains("network") && !summary.contains("generate-lockfile"));
    let tests = check(&report, "tests.pass");
    assert_eq!(
        (&tests["status"], &tests["skip"], &tests["blocked_by"]),
        (
            &Value::from("SKIP"),
            &Value::from("blocked"),
            &Value::from("lockfile.locked")
        ),
        "{tests:#}"
    );
    assert_eq!(tests["counts_as_failure"], false);
    assert_eq!(check(&report, "boundary.unsafe")["status"], "FAIL");
    assert_eq!(check(&report, "deps.pinned")["status"], "FAIL");
    let line = report["verdict"]["line"].as_str().unwrap();
    assert!(line.starts_with("NOT READY for controlled: "), "{line}");
    assert!(line.contains("boundary.unsafe"), "{line}");
    assert!(line.contains("tests.pass by lockfile.locked"), "{line}");
}

#[test]
fn a_workspace_member_that_does_not_exist_could_not_be_evaluated() {
    let fx = fixture("clean");
    let manifest = std::fs::read_to_string(fx.root.join("Cargo.toml")).unwrap();
    fx.write(
        "Cargo.toml",
        &manifest.replace("[workspace]", "[workspace]\nmembers = [\".\", \"nope\"]"),
    )
    .commit();
    let run = fx.gate(&["pilot", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let report = run.json();
    let lock = check(&report, "lockfile.locked");
    assert_eq!(lock["status"], "SKIP", "{lock:#}");
    let summary = lock["summary"].as_str().unwrap();
    assert!(summary.contains("nope"), "{summary}");
    assert!(!summary.contains("generate-lockfile"), "{summary}");
    assert_eq!(report["verdict"]["failing"], Value::Array(Vec::new()));
}

#[test]
fn one_missing_lockfile_is_one_failure() {
    let fx = fixture("no-lockfile");
    let run = fx.gate(&["pilot", "--format", "json"]);
    let report = run.json();
    assert_eq!(run.code, 1, "{}", run.transcript());
    // Every pilot check ran: the lockfile's fails, the test run and the shipped kernels
    // (the dependencies' GPU code is unknown without the graph) are blocked by it, and every
    // other passes.
    let expected: Vec<String> = fx
        .checks_at("pilot")
        .into_iter()
        .map(|id| {
            let status = match id.as_str() {
                "lockfile.locked" => "FAIL",
                "tests.pass" | "kernels.shipped" => "SKIP",
                _ => "PASS",
            };
            format!("{id}={status}")
        })
        .collect();
    assert_eq!(statuses(&report), expected);
    assert_eq!(
        check(&report, "tests.pass")["blocked_by"],
        "lockfile.locked"
    );
    assert_eq!(
        report["verdict"]["failing"],
        serde_json::json!(["lockfile.locked"])
    );
}

#[test]
fn a_failed_build_script_shows_its_cause_and_keeps_the_log() {
    let fx = fixture("build-script-fails");
    let run = fx.gate(&["pilot", "--format", "json"]);
    let report = run.json();
    assert_eq!(run.code, 1, "{}", run.transcript());
    let tests = check(&report, "tests.pass");
    assert_eq!(tests["status"], "FAIL");
    let found = messages(tests);
    assert!(
        found.contains("failed to run custom build command"),
        "{found}"
    );
    assert!(found.contains("Unable to find libclang"), "{found}");
    // The whole log is kept in the record, as the outcome's evidence.
    let logs: Vec<String> = tests["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .filter(|e| e.starts_with("logs/"))
        .collect();
    assert_eq!(logs.len(), 1, "{tests:#}");
    let runs: Vec<_> = std::fs::read_dir(fx.out().join("runs"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path().join(&logs[0]))
        .filter(|p| p.is_file())
        .collect();
    assert_eq!(runs.len(), 1);
    assert!(
        std::fs::read_to_string(&runs[0])
            .unwrap()
            .contains("libclang")
    );
    // Nothing here uses gate-build, so kernels.build did not need the build at all.
    assert_eq!(check(&report, "kernels.build")["status"], "PASS");
}

#[test]
fn a_rust_version_newer_than_the_running_rustc_names_both() {
    let fx = fixture("rust-version-too-new");
    let run = fx.gate(&["pilot", "--format", "json"]);
    let report = run.json();
    assert_eq!(run.code, 1, "{}", run.transcript());
    let tests = check(&report, "tests.pass");
    let found = messages(tests);
    assert!(found.contains("requires rustc 1.999"), "{found}");
    assert!(found.contains("is not supported"), "{found}");
}

/// The clean fixture pinned to a toolchain that is not installed (1.80.0), or `None`, said,
/// where there is no rustup to refuse it.
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn pinned_to_a_toolchain_not_installed() -> Option<crate::support::Fixture> {
    let rustup = std::process::Command::new("rustup")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !rustup {
        println!("skipped: no rustup, so no pin can be refused");
        return None;
    }
    let fx = fixture("clean");
    fx.write("rust-toolchain.toml", "[toolchain]\nchannel = \"1.80.0\"\n");
    Some(fx)
}

/// A pinned toolchain that is not installed (rustup refuses to start cargo and rustc in the
/// workspace): toolchain.pinned fails naming the pin and that nothing runs, what needs rustc
/// says it is blocked by that, and no check blames PATH.
#[test]
fn a_pinned_toolchain_that_is_not_installed_fails_toolchain_pinned_alone() {
    let Some(fx) = pinned_to_a_toolchain_not_installed() else {
        return;
    };
    // A CUDA source no build script names: kernels.build would read what the build compiles
    // (nextstat.io: 587 s of build under the override, then a kernels.shipped FAIL on it).
    fx.write("src/k.cu", "__global__ void k() {}\n").commit();
    let mut cmd = fx.command(&["controlled", "--format", "json"]);
    // As run directly, not through `cargo +toolchain`: rustup reads the pin.
    cmd.env_remove("RUSTUP_TOOLCHAIN");
    let run = crate::support::run(cmd);
    let report = run.json();
    assert_eq!(run.code, 1, "{}", run.transcript());
    let pinned = check(&report, "toolchain.pinned");
    assert_eq!(pinned["status"], "FAIL", "{pinned:#}");
    let found = messages(pinned);
    assert!(
        found.contains("the pinned toolchain 1.80.0 is not installed on this machine (run `rustup toolchain install 1.80.0`); no toolchain runs here"),
        "{found}"
    );
    let env = check(&report, "repro.environment");
    assert_eq!(env["skip"], "blocked", "{env:#}");
    assert_eq!(env["blocked_by"], "toolchain.pinned", "{env:#}");
    assert!(
        env["summary"]
            .as_str()
            .unwrap()
            .starts_with("blocked by toolchain.pinned"),
        "{env:#}"
    );
    let text = report.to_string();
    assert!(!text.contains("on PATH"), "a check blames PATH: {text}");
    // Started through an installed toolchain (`cargo +1.95.0 gate`, which sets
    // RUSTUP_TOOLCHAIN), the same answer: the versions of another toolchain say nothing
    // about the pin.
    let release = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .unwrap();
    let release = String::from_utf8_lossy(&release.stdout);
    let release = release.split_whitespace().nth(1).unwrap().to_owned();
    let mut cmd = fx.command(&["controlled", "--format", "json"]);
    cmd.env("RUSTUP_TOOLCHAIN", &release);
    let through = crate::support::run(cmd);
    assert_eq!(through.code, 1, "{}", through.transcript());
    // What tests.pass refuses to build on another toolchain, kernels.shipped and kernels.build
    // do not build either (eza: 292 s of a 293 s run).
    assert!(
        !fx.root.join("target/debug/deps").exists(),
        "something built on the override"
    );
    let through = through.json();
    let env_through = check(&through, "repro.environment");
    assert_eq!(
        (&env_through["blocked_by"], &env_through["summary"]),
        (&env["blocked_by"], &env["summary"]),
        "{env_through:#}"
    );
}

/// `--manifest-path Cargo.toml` (relative, in the current directory) where cargo cannot load
/// the workspace (a pin that is not installed): the workspace read from the manifests had the
/// empty path as its root, under which nothing was listed, and kernels.build, cuda.contracts
/// and secrets.scan passed over 0 files (found on filecoin-project/neptune).
#[test]
fn a_relative_manifest_path_where_cargo_cannot_load_judges_every_file() {
    let Some(fx) = pinned_to_a_toolchain_not_installed() else {
        return;
    };
    fx.write("src/k.cu", "__global__ void k() {}\n").commit();
    let mut cmd = fx.command(&[
        "controlled",
        "--offline",
        "--skip",
        "tests.pass",
        "--format",
        "json",
        "--manifest-path",
        "Cargo.toml",
    ]);
    cmd.env_remove("RUSTUP_TOOLCHAIN");
    let run = crate::support::run(cmd);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let report = run.json();
    let contracts = check(&report, "cuda.contracts");
    assert_eq!(contracts["status"], "FAIL", "{contracts:#}");
    let secrets = check(&report, "secrets.scan");
    let summary = secrets["summary"].as_str().unwrap();
    assert!(!summary.contains(" 0 file(s)"), "{secrets:#}");
    let env = check(&report, "repro.environment");
    assert!(!env.to_string().contains("not a git work tree"), "{env:#}");
}

/// A workspace in a subdirectory of its repository is judged by the repository root's CI
/// (which is what GitHub runs), by the invocations that reach it; before, it was told there
/// was no CI configuration at all.
#[test]
fn a_workspace_in_a_subdirectory_is_judged_by_the_root_ci_that_reaches_it() {
    let fx = fixture("clean");
    std::fs::create_dir_all(fx.root.join("crates/engine")).unwrap();
    let moved = std::process::Command::new("git")
        .args([
            "mv",
            "Cargo.toml",
            "Cargo.lock",
            "src",
            "gate.toml",
            "crates/engine/",
        ])
        .current_dir(&fx.root)
        .status()
        .unwrap();
    assert!(moved.success());
    fx.write(
        ".github/workflows/ci.yml",
        "jobs:\n  engine:\n    steps:\n      - run: cargo test\n        working-directory: crates/engine\n      - run: cargo build --locked --manifest-path crates/engine/Cargo.toml\n  web:\n    steps:\n      - run: cd web && cargo build\n",
    )
    .commit();
    let run = fx.gate(&[
        "controlled",
        "--manifest-path",
        "crates/engine/Cargo.toml",
        "--only",
        "ci.locked",
        "--format",
        "json",
    ]);
    let report = run.json();
    assert_eq!(run.code, 1, "{}", run.transcript());
    let ci = check(&report, "ci.locked");
    assert_eq!(
        ci["summary"], "1 of 2 cargo invocation(s) lack --locked",
        "{ci:#}"
    );
    let findings = ci["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{ci:#}");
    assert_eq!(
        findings[0]["location"]["file"],
        "../../.github/workflows/ci.yml"
    );
    assert_eq!(findings[0]["location"]["line"], 4);
}

/// A feature only a wasm32 build turns on pulls in a crate under a license the team does
/// not allow: `cargo metadata` unifies features across platforms, so it looked shipped and
/// deps.licenses failed; cargo's own resolver for the native targets never builds it.
#[test]
fn a_crate_only_a_wasm_feature_pulls_in_is_not_shipped() {
    let fx = fixture("wasm-only-feature");
    let run = fx.gate(&[
        "controlled",
        "--only",
        "deps.licenses",
        "deps.duplicates",
        "--format",
        "json",
    ]);
    let report = run.json();
    let licenses = check(&report, "deps.licenses");
    assert_eq!(licenses["status"], "PASS", "{licenses:#}");
    assert!(!messages(licenses).contains("extra"), "{licenses:#}");
    assert_eq!(run.code, 0, "{}", run.transcript());
    // Built for wasm32 it ships, and then it is judged.
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[licenses]\nallow = [\"MIT\"]\n\n[graph]\ntargets = [\"wasm32-unknown-unknown\"]\n",
    )
    .commit();
    let wasm = fx.gate(&["controlled", "--only", "deps.licenses", "--format", "json"]);
    let licenses = check(&wasm.json(), "deps.licenses").clone();
    assert_eq!(licenses["status"], "FAIL", "{licenses:#}");
    assert!(
        messages(&licenses).contains("`extra 0.1.0`"),
        "{licenses:#}"
    );
}

/// Where the resolve decides the shipped graph (no optional and no platform's edge: no
/// `cargo tree` is asked, issue 43), a crate only a member's own optional feature pulls in
/// still does not ship: `cargo metadata --all-features` turns that feature on, and its edge
/// (optional) sends the graph to cargo's resolver after all; with the feature on by
/// default it ships.
#[test]
fn a_crate_only_a_non_default_feature_pulls_in_is_not_shipped() {
    let fx = fixture("wasm-only-feature");
    let manifest = |default: &str| {
        format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\npublish = false\n\n[features]\ndefault = [{default}]\nx = [\"shared/extra\"]\n\n[dependencies]\nshared = {{ path = \"../shared\" }}\n"
        )
    };
    fx.write("app/Cargo.toml", &manifest("")).commit();
    let args = ["controlled", "--only", "deps.licenses", "--format", "json"];
    let run = fx.gate(&args);
    let licenses = check(&run.json(), "deps.licenses").clone();
    assert_eq!(licenses["status"], "PASS", "{licenses:#}");
    assert!(!messages(&licenses).contains("extra"), "{licenses:#}");
    fx.write("app/Cargo.toml", &manifest("\"x\"")).commit();
    let on = fx.gate(&args);
    let licenses = check(&on.json(), "deps.licenses").clone();
    assert_eq!(licenses["status"], "FAIL", "{licenses:#}");
    assert!(
        messages(&licenses).contains("`extra 0.1.0`"),
        "{licenses:#}"
    );
}

/// A crate with no `license` field but a LICENSE file was `missing-license`; the file is
/// read (as cargo-deny reads it) and judged like the field, its confidence shown.
#[test]
fn a_license_in_a_file_is_read_and_judged() {
    let fx = fixture("license-in-file");
    let run = fx.gate(&["controlled", "--only", "deps.licenses", "--format", "json"]);
    let licenses = check(&run.json(), "deps.licenses").clone();
    assert_eq!(licenses["status"], "PASS", "{licenses:#}");
    assert_eq!(run.code, 0, "{}", run.transcript());
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[licenses]\nallow = [\"MIT\"]\n",
    )
    .commit();
    let run = fx.gate(&["controlled", "--only", "deps.licenses", "--format", "json"]);
    let licenses = check(&run.json(), "deps.licenses").clone();
    assert_eq!(licenses["status"], "FAIL", "{licenses:#}");
    assert!(
        messages(&licenses).contains(
            "`vendored 0.1.0` declares no `license`; its license file(s) read as `Apache-2.0` \
             (LICENSE: Apache-2.0 (confidence 1.00)), and Apache-2.0 is not allowed"
        ),
        "{licenses:#}"
    );
}

/// `--only kernels.shipped` on nushell brought `tests.pass` along without saying so and
/// built the whole workspace (840 s) though it has no GPU code: alone, it is alone, and with
/// no GPU code in the sources or the graph it builds nothing.
#[test]
fn kernels_shipped_alone_builds_nothing_without_gpu_code() {
    let fx = fixture("clean");
    let run = fx.gate(&["pilot", "--only", "kernels.shipped", "--format", "json"]);
    let report = run.json();
    assert_eq!(
        statuses(&report),
        ["kernels.shipped=PASS"],
        "{}",
        run.transcript()
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let shipped = check(&report, "kernels.shipped");
    assert!(
        shipped["summary"]
            .as_str()
            .unwrap()
            .contains("this run built nothing"),
        "{shipped:#}"
    );
    assert!(
        !fx.root.join("target").join("debug").exists(),
        "nothing was built: {}",
        run.transcript()
    );
}

/// Truthful round 3, end to end on a hand-written workspace: what CI hands its builds to is
/// judged at its own file:line (a cargo alias, a Makefile target, the Dockerfile a matrix
/// feeds through `build-args`, `env[matrix.…]`), and what builds another lockfile is counted
/// apart (a checkout of another repository, a job that bumps a version first, a workspace
/// of its own below this one).
#[test]
fn what_ci_hands_its_builds_to_is_judged_where_written() {
    let fx = fixture("ci-hands-off");
    let run = fx.gate(&["controlled", "--only", "ci.locked", "--format", "json"]);
    let report = run.json();
    let ci = check(&report, "ci.locked");
    assert_eq!(ci["status"], "FAIL", "{ci:#}");
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_eq!(ci["summary"], "4 of 5 cargo invocation(s) lack --locked");
    let located: Vec<String> = ci["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}",
                f["severity"].as_str().unwrap(),
                f["location"]["file"].as_str().unwrap_or_default(),
                f["location"]["line"]
            )
        })
        .collect();
    assert_eq!(
        located,
        [
            "error .github/workflows/ci.yml:14",
            "error Makefile:4",
            "error .github/workflows/ci.yml:16",
            "note .github/workflows/ci.yml:17",
            "error Dockerfile:4",
            "note .github/workflows/ci.yml:40",
            "note .github/workflows/ci.yml:46",
        ],
        "{ci:#}"
    );
    let text = messages(ci);
    for expected in [
        "`cargo test ${{ env[matrix.target.options] }}` (job `test`, step 2, matrix target.name=linux, target.options=MAIN_OPTIONS)",
        "`cargo clippy` (`make check` run by job `test`, step 3)",
        "the cargo alias `xtask` runs `cargo run --release --package ci-hands-off --`",
        "(`docker/build-push-action`), matrix flavour=plain, extra=)",
        "runs in a checkout of someone-else/sdk",
        "runs after `sed -i 's/^version = .*/version = \"0.2.0\"/' Cargo.toml` in its job",
        "runs in `fuzz`, a workspace of its own",
    ] {
        assert!(text.contains(expected), "{expected}\n{ci:#}");
    }
}

/// A test that prints cargo's own words for a fetch that failed, then exits 1 before its
/// summary (the hostile trial of the twelfth session): a failing test, not a network that
/// could not be reached. Before, the run "could not be evaluated" (exit 2), for a false reason.
#[test]
fn a_test_that_prints_a_fetch_failure_is_a_failing_test() {
    // A binary crate with one test binary, so that no summary was printed at all.
    let fx = fixture("clean");
    std::fs::remove_file(fx.root.join("src/lib.rs")).unwrap();
    fx.write(
        "src/main.rs",
        "fn main() {}\n\n#[test]\nfn fails_saying_the_network_is_down() {\n    \
         use std::io::Write;\n    \
         // Past libtest's capture, which `exit` would drop.\n    \
         let mut out = std::io::stdout().lock();\n    \
         out.write_all(b\"error: failed to download `serde v1.0.0`\\n\").unwrap();\n    \
         out.flush().unwrap();\n    \
         std::process::exit(1);\n}\n",
    )
    .commit();
    let (exit, check) = crate::fresh_by_content::tests_pass(&fx, &[]);
    assert_eq!((exit, &check["status"]), (1, &"FAIL".into()), "{check:#}");
    assert!(
        !messages(&check).contains("could not be fetched"),
        "{check:#}"
    );
}

/// olliekm/scout (the twentieth session's trial): its build script downloads CUTLASS with curl
/// and panics with "curl failed to download CUTLASS" where there is no network. Cargo fetched
/// every dependency; the build failed. Before, tests.pass read the script's words as cargo's
/// and could not evaluate (exit 2, "dependencies could not be fetched").
#[test]
fn a_build_script_that_fails_to_download_is_a_failed_build() {
    let fx = fixture("clean");
    fx.write(
        "build.rs",
        "fn main() {\n    panic!(\"curl failed to download CUTLASS\");\n}\n",
    )
    .commit();
    let (exit, check) = crate::fresh_by_content::tests_pass(&fx, &[]);
    assert_eq!((exit, &check["status"]), (1, &"FAIL".into()), "{check:#}");
    let said = messages(&check);
    assert!(said.contains("failed to download CUTLASS"), "{check:#}");
    assert!(!said.contains("could not be fetched"), "{check:#}");
}

/// faiss-rs on a plain clone (the thirteenth session's trial): its build script runs CMake on
/// `faiss`, a git submodule that is not checked out, and `kernels.build` and `cuda.contracts`
/// passed over what it builds ("no CUDA sources"), where the checked-out tree fails them. Now
/// they could not judge (exit 2) and say which submodule and the fix; checked out, they judge.
#[test]
fn a_submodule_the_build_reads_that_is_not_checked_out_is_no_pass() {
    let fx = fixture("clean");
    fx.write(
        ".gitmodules",
        "[submodule \"vendor/lib\"]\n\tpath = vendor/lib\n\turl = https://example.invalid/lib.git\n",
    )
    .write(
        "build.rs",
        "fn main() {\n    let _ = cmake::Config::new(\"vendor/lib\").build();\n}\n",
    )
    .commit();
    let run = fx.gate(&[
        "controlled",
        "--only",
        "kernels.build",
        "--only",
        "cuda.contracts",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let report = run.json();
    for id in ["kernels.build", "cuda.contracts"] {
        let check = check(&report, id);
        assert_eq!(check["status"], "SKIP", "{check:#}");
        let summary = check["summary"].as_str().unwrap_or_default();
        assert!(
            summary.contains("vendor/lib (named by build.rs)")
                && summary.contains("git submodule update --init"),
            "{check:#}"
        );
    }
    // Checked out (here: a CMake project without CUDA), the checks judge what it holds.
    fx.write("vendor/lib/CMakeLists.txt", "project(lib LANGUAGES CXX)\n");
    let run = fx.gate(&["controlled", "--only", "kernels.build", "--format", "json"]);
    assert_eq!(check(&run.json(), "kernels.build")["status"], "PASS");
}

/// candle-extensions on a plain clone (the twenty-sixth session's trial): flash-attn-v1's build
/// script compiles its kernels with `-Icutlass/include` from a submodule that is not checked
/// out, and `cuda.contracts` failed (kernels outside gate-build) without a word of it. A
/// failure stands, and now names the submodule and the fix too.
#[test]
fn a_failure_names_the_submodule_the_build_reads_that_is_not_checked_out() {
    let fx = fixture("clean");
    fx.write(
        ".gitmodules",
        "[submodule \"cutlass\"]\n\tpath = cutlass\n\turl = https://example.invalid/cutlass.git\n",
    )
    .write(
        "build.rs",
        "fn main() {\n    let include = \"cutlass\";\n    cc::Build::new().cuda(true).include(include).file(\"kernels/k.cu\").compile(\"k\");\n}\n",
    )
    .write("kernels/k.cu", "__global__ void k() {}\n")
    .commit();
    let run = fx.gate(&["controlled", "--only", "cuda.contracts", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let report = run.json();
    let check = check(&report, "cuda.contracts");
    assert_eq!(check["status"], "FAIL", "{check:#}");
    let summary = check["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("outside gate-build")
            && summary.contains("cutlass (named by build.rs)")
            && summary.contains("git submodule update --init"),
        "{check:#}"
    );
}

/// A file `.gitignore` names but that is committed all the same (`git add -f`), and one in a
/// hidden directory, each compiled through `mod`: the walks pass over both, the commit holds
/// them, and their unsafe code is judged (a false PASS before: "1 file scanned").
#[test]
fn unsafe_code_in_a_committed_ignored_or_hidden_file_is_scanned() {
    let fx = fixture("clean");
    fx.write(
        "src/lib.rs",
        "mod bindings;\n#[path = \".hidden/more.rs\"]\nmod more;\npub fn call() { bindings::safe(); more::f() }\n",
    )
    .write("src/bindings.rs", "pub fn safe() { unsafe { core::hint::unreachable_unchecked() } }\n")
    .write("src/.hidden/more.rs", "pub fn f() { let p = &1u8 as *const u8; let _ = unsafe { *p }; }\n")
    .write(".gitignore", "/target\nsrc/bindings.rs\n");
    crate::support::git(
        &fx.root,
        &["add", "-f", "src/bindings.rs", "src/.hidden/more.rs"],
    );
    fx.commit();
    let run = fx.gate(&["pilot", "--only", "boundary.unsafe", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let report = run.json();
    let unsafe_check = check(&report, "boundary.unsafe");
    assert_eq!(unsafe_check["status"], "FAIL", "{unsafe_check:#}");
    assert_eq!(
        files(unsafe_check),
        ["src/.hidden/more.rs", "src/bindings.rs"],
        "{unsafe_check:#}"
    );
}

/// Unsafe code and FFI a build script writes into `OUT_DIR`, compiled in through
/// `include!(concat!(env!("OUT_DIR"), …))` (rust-openssl's `systest`, a -sys crate's bindgen
/// bindings): READY before, exit 0; read from the build the tests make, it is judged. A run
/// without the tests builds nothing and reads the tree alone.
#[test]
fn unsafe_code_a_build_script_writes_into_out_dir_is_scanned() {
    let fx = fixture("clean");
    fx.write(
        "build.rs",
        "fn main() {\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    let code = [\"extern \\\"C\\\" { fn abs(x: i32) -> i32; }\", \"pub fn call() -> i32 { unsafe { abs(-1) } }\"];\n    std::fs::write(format!(\"{out}/gen.rs\"), code.join(\"\\n\")).unwrap();\n}\n",
    )
    .write(
        "src/lib.rs",
        "include!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));\n\n#[test]\nfn calls() {\n    assert_eq!(call(), 1);\n}\n",
    )
    .commit();
    let unsafe_check = failed_beside_passing_tests(&fx);
    let at = files(&unsafe_check);
    assert!(
        !at.is_empty()
            && at
                .iter()
                .all(|f| f.starts_with("target/") && f.ends_with("/out/gen.rs")),
        "{unsafe_check:#}"
    );
    let alone = fx.gate(&["pilot", "--only", "boundary.unsafe"]);
    assert_eq!(alone.code, 0, "{}", alone.transcript());
}

/// nbody's `cudart-sys`: its build script writes bindgen's FFI into `src/`, a file git
/// ignores, and a `mod` compiles it in. No walk saw it and it is in no commit: PASS, exit 0.
/// rustc's dep-info of the build names it.
#[test]
fn unsafe_code_a_build_script_writes_into_an_ignored_source_file_is_scanned() {
    let fx = fixture("clean");
    fx.write(
        "build.rs",
        "fn main() {\n    let code = [\"extern \\\"C\\\" { fn abs(x: i32) -> i32; }\", \"pub fn call() -> i32 { unsafe { abs(-1) } }\"];\n    std::fs::write(\"src/gen.rs\", code.join(\"\\n\")).unwrap();\n    println!(\"cargo:rerun-if-changed=build.rs\");\n}\n",
    )
    .write(".gitignore", "/target\nsrc/gen.rs\n")
    .write(
        "src/lib.rs",
        "mod gen;\npub use gen::call;\n\n#[test]\nfn calls() {\n    assert_eq!(call(), 1);\n}\n",
    )
    .commit();
    let unsafe_check = failed_beside_passing_tests(&fx);
    assert_eq!(
        files(&unsafe_check),
        ["src/gen.rs", "src/gen.rs"],
        "{unsafe_check:#}"
    );
}

/// `boundary.unsafe` of a run with the tests (which pass), where it fails.
fn failed_beside_passing_tests(fx: &crate::support::Fixture) -> Value {
    let run = fx.gate(&[
        "pilot",
        "--only",
        "tests.pass",
        "boundary.unsafe",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let report = run.json();
    assert_eq!(check(&report, "tests.pass")["status"], "PASS", "{report:#}");
    let unsafe_check = check(&report, "boundary.unsafe").clone();
    assert_eq!(unsafe_check["status"], "FAIL", "{unsafe_check:#}");
    unsafe_check
}

/// CI tests with a feature the gate's run leaves off (the twenty-ninth session's trial: a
/// `cargo test --features strict` job whose tests fail left the gate READY, nothing said):
/// `tests.pass` warns, naming the command where CI runs it. CI testing the defaults only is
/// what the gate ran: a pass.
#[test]
fn tests_ci_runs_under_other_features_are_said_not_run() {
    let fx = fixture("per-binary");
    let ci = "jobs:\n  test:\n    steps:\n      - run: cargo test --locked --workspace\n";
    let featured = format!("{ci}      - run: cargo test --locked -p a --features extra\n");
    fx.write(".github/workflows/ci.yml", &featured).commit();
    let args = ["pilot", "--only", "tests.pass", "--format", "json"];
    let run = fx.gate(&args);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let report = run.json();
    let tests = check(&report, "tests.pass");
    assert_eq!(tests["status"], "WARN", "{tests:#}");
    let findings = tests["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{tests:#}");
    assert_eq!(findings[0]["code"], "ci-features-not-tested");
    assert_eq!(findings[0]["location"]["file"], ".github/workflows/ci.yml");
    assert_eq!(findings[0]["location"]["line"], 5);
    assert!(
        (findings[0]["message"].as_str().unwrap())
            .contains("`cargo test --locked -p a --features extra`"),
        "{tests:#}"
    );
    fx.write(".github/workflows/ci.yml", ci).commit();
    let run = fx.gate(&args);
    assert_eq!(check(&run.json(), "tests.pass")["status"], "PASS");
}

/// A path dependency in a git-ignored directory of the root (the thirtieth session's hostile
/// pass): the code it builds is not part of the commit, which `deps.pinned` says; and a change
/// to its manifest (its license, MIT → GPL-3.0-only) reaches `deps.licenses` through the
/// cache, which kept the resolve keyed by the tracked tree alone and passed.
#[test]
fn a_path_dependency_git_ignores_is_unpinned_and_its_manifest_is_read() {
    let fx = fixture("clean");
    let outer = |license: &str| {
        format!(
            "[package]\nname = \"outer\"\nversion = \"1.0.0\"\nedition = \"2021\"\nlicense = \"{license}\"\n"
        )
    };
    fx.write("third_party/outer/Cargo.toml", &outer("MIT"));
    fx.write("third_party/outer/src/lib.rs", "pub fn o() {}\n");
    fx.write(".gitignore", "/target\n/third_party\n");
    let manifest = std::fs::read_to_string(fx.root.join("Cargo.toml")).unwrap();
    fx.write(
        "Cargo.toml",
        &manifest.replace(
            "[workspace]",
            "[dependencies]\nouter = { path = \"third_party/outer\" }\n\n[workspace]",
        ),
    );
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[licenses]\nallow = [\"MIT\"]\n",
    );
    let locked = std::process::Command::new("cargo")
        .args(["generate-lockfile", "--offline", "--quiet"])
        .current_dir(&fx.root)
        .status()
        .unwrap();
    assert!(locked.success());
    fx.commit();
    let args = [
        "controlled",
        "--only",
        "deps.licenses",
        "deps.pinned",
        "--format",
        "json",
    ];
    let report = fx.gate(&args).json();
    let pinned = check(&report, "deps.pinned");
    assert_eq!(pinned["status"], "FAIL", "{pinned:#}");
    assert!(
        messages(pinned).contains("git tracks no manifest there"),
        "{pinned:#}"
    );
    assert_eq!(check(&report, "deps.licenses")["status"], "PASS");
    fx.write("third_party/outer/Cargo.toml", &outer("GPL-3.0-only"));
    let second = fx.gate(&args).json();
    let licenses = check(&second, "deps.licenses");
    assert_eq!(licenses["status"], "FAIL", "{licenses:#}");
    assert!(messages(licenses).contains("GPL-3.0-only"), "{licenses:#}");
}
