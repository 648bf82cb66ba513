//! `cargo xtask gpu-bundle DIR`: everything a GPU machine without Rust runs in one call
//! (issue 45; docs/gpu/README.md). Built here, x86-64 Linux, release (the GPU test binary:
//! the test suite's own build, see `build`), with the nvcc found
//! on PATH (CI's and our `target/cuda-venv` wheels); a build whose kernel manifests are not
//! native fails instead of shipping CPU fallbacks (the manifests are read, rather than
//! `GATE_CUDA=require` set, so the release builds of `cargo xtask bench` stay fresh):
//! `gpu_bench`, `smoke`, gate-kernel-tests' `kernels` test binary, the example service and
//! its `pipeline` tests, `summarize`, and `run.sh` (xtask/gpu-bundle/run.sh) with the
//! schemas the tests read.
//!
//! The bundle must fit in what the device tool carries (64 MiB): its size is printed and
//! over that it fails. Where this machine has no GPU (CI), the bundle's own `run.sh` is run
//! once here and must refuse to report success.

use crate::{project_root, say};
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What the device tool carries at most, and the issue's limit for the bundle.
const LIMIT: u64 = 64 << 20;

/// The bundle's executables: (name in `bin/`, cargo target name, target kind).
const EXECUTABLES: &[(&str, &str, &str)] = &[
    ("gpu_bench", "gpu_bench", "example"),
    ("smoke", "smoke", "example"),
    ("summarize", "summarize", "bin"),
    ("kernels", "kernels", "test"),
    ("gpu-service", "gpu-service", "bin"),
    ("pipeline", "pipeline", "test"),
];

/// The schemas gate-kernel-tests' `schemas` module validates against (docs/schemas/).
const SCHEMAS: &[&str] = &["gate-manifest", "decision-log-line", "runtime-stats"];

pub(crate) fn run(args: &[String]) -> Result<()> {
    let [dir] = args else {
        bail!("usage: cargo xtask gpu-bundle DIR");
    };
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        bail!("the GPU machine is x86-64 Linux: build the bundle on x86-64 Linux");
    }
    let root = project_root();
    let dir = std::path::absolute(dir)?;
    prepare(&dir)?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let built = build(&root, &target)?;
    assemble(&root, &dir, &built)?;
    let total = report_size(&root, &dir)?;
    if total > LIMIT {
        bail!(
            "the bundle is {:.1} MiB, over the {} MiB the device tool carries",
            mib(total),
            LIMIT >> 20
        );
    }
    refuses_without_a_gpu(&dir, &target)?;
    let carry = dir
        .strip_prefix(&root)
        .unwrap_or(&dir)
        .display()
        .to_string();
    say(&format!(
        "on the GPU machine: `bash {carry}/run.sh OUT` (device tool: run with carry \
         [\"{carry}\"] and command `bash {carry}/run.sh $OUT`, timeout_s 480)"
    ));
    Ok(())
}

/// `dir` empty and ready; an earlier bundle there is replaced, anything else is refused.
fn prepare(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !empty && !dir.join("bundle.json").is_file() {
            bail!(
                "{} exists and holds no bundle (no bundle.json): refusing to replace it",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir.join("bin"))?;
    std::fs::create_dir_all(dir.join("schemas"))?;
    Ok(())
}

/// What the builds produced: executables by (target name, kind), and the kernel manifests
/// of every gate-build build script (gate-kernels, the example service).
#[derive(Default)]
struct Built {
    executables: BTreeMap<(String, String), PathBuf>,
    manifests: Vec<(String, PathBuf)>,
    /// The version line of the nvcc that built the kernels.
    nvcc: String,
}

impl Built {
    /// Keeps a kernel manifest once, however many builds report it.
    fn add_manifest(&mut self, package: String, manifest: PathBuf) {
        if !self.manifests.iter().any(|(_, m)| m == &manifest) {
            self.manifests.push((package, manifest));
        }
    }
}

/// The builds, all in `target`: this workspace's examples and `summarize` (release), the GPU
/// test binary (the test suite's build), and the example service (release, its own workspace
/// and lockfile).
fn build(root: &Path, target: &Path) -> Result<Built> {
    let (found, _) = gate_build::toolkit::discover(&gate_build::Env::from_process());
    let Some(nvcc) = found else {
        bail!(
            "no nvcc found: the bundle needs native kernels (PATH=\"$PWD/target/cuda-venv/bin:$PATH\", \
             or NVCC)"
        );
    };
    let mut built = Built {
        nvcc: tool_version(&nvcc.path.display().to_string(), &["--version"]),
        ..Built::default()
    };
    let release = [
        "--locked",
        "--release",
        "--message-format=json-render-diagnostics",
    ];
    let examples = [
        "build",
        "-p",
        "gate-runtime",
        "--example",
        "gpu_bench",
        "-p",
        "gate-kernels",
        "--example",
        "smoke",
        "-p",
        "gpu-bundle",
        "--bin",
        "summarize",
    ];
    cargo(root, target, &examples, &release, &mut built)?;
    // The GPU test binary is the one the test suite's own command builds (README.md's
    // `cargo test --locked --workspace`, test profile), not a release build: in CI it is
    // already built, so this costs nothing, where a release build of it (which drags in a
    // release cargo-gate through the package's bin) cost six minutes; what it checks is
    // correctness, with debug assertions on, never speed. Stripped of its debug info on copy.
    // Only the `kernels` test binary comes from it: that command also builds every example
    // in the test profile, unoptimised, and those must not stand in for the release ones
    // (a debug gpu_bench timed the runtime's own code unoptimised: +3 µs a call).
    let tests = ["test", "--workspace", "--no-run"];
    let test_profile = ["--locked", "--message-format=json-render-diagnostics"];
    let mut test_build = Built::default();
    cargo(root, target, &tests, &test_profile, &mut test_build)?;
    take_test_binary(&mut built, test_build)?;
    // Every test of the service is built (so none rots); `pipeline` is the one shipped: the
    // failure-path tests need cargo and this build's temporary directory, and no GPU.
    let service = root.join("examples/gpu-service");
    cargo(
        &service,
        target,
        &["test", "--no-run"],
        &release,
        &mut built,
    )?;
    for (package, manifest) in &built.manifests {
        let text = std::fs::read_to_string(manifest)?;
        let m: gate_build::manifest::Manifest = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a kernel manifest", manifest.display()))?;
        if !m.is_native() {
            bail!(
                "{package} was built without native kernels ({}): see {}",
                m.fallback_reason.unwrap_or_default(),
                manifest.display()
            );
        }
    }
    if built.manifests.len() < 2 {
        bail!(
            "expected the kernel manifests of gate-kernels and gpu-service, found {}",
            built.manifests.len()
        );
    }
    Ok(built)
}

/// Takes the `kernels` test binary (and the kernel manifests) from the test-profile build into
/// `built`, and nothing else: that build's examples are unoptimised.
fn take_test_binary(built: &mut Built, mut test_build: Built) -> Result<()> {
    let key = ("kernels".to_owned(), "test".to_owned());
    let kernels = test_build
        .executables
        .remove(&key)
        .context("the test build produced no `kernels` test binary")?;
    built.executables.insert(key, kernels);
    for (package, manifest) in test_build.manifests {
        built.add_manifest(package, manifest);
    }
    Ok(())
}

/// Runs one cargo command in `dir` with its JSON messages read into `built`.
fn cargo(
    dir: &Path,
    target: &Path,
    args: &[&str],
    common: &[&str],
    built: &mut Built,
) -> Result<()> {
    say(&format!("$ cargo {} {}", args.join(" "), common.join(" ")));
    let output = Command::new("cargo")
        .args(args)
        .args(common)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("failed to run cargo")?;
    if !output.status.success() {
        bail!("`cargo {}` failed ({})", args.join(" "), output.status);
    }
    read_messages(&output.stdout, built);
    Ok(())
}

/// Reads cargo's JSON messages: every executable built (by target name and kind), and the
/// kernel manifest of every build script that wrote one.
fn read_messages(stdout: &[u8], built: &mut Built) {
    for line in stdout.split(|&b| b == b'\n') {
        let Ok(message) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        let package = message["package_id"].as_str().unwrap_or_default();
        let name = package_name(package);
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                let (Some(exe), Some(kind)) = (
                    message["executable"].as_str(),
                    message["target"]["kind"][0].as_str(),
                ) else {
                    continue;
                };
                // `cargo test` also builds each bin's and example's own unit-test harness,
                // under the same name: only a `test` target's harness is wanted.
                if message["profile"]["test"] == Value::Bool(true) && kind != "test" {
                    continue;
                }
                let target_name = message["target"]["name"].as_str().unwrap_or_default();
                built.executables.insert(
                    (target_name.to_owned(), kind.to_owned()),
                    PathBuf::from(exe),
                );
            }
            Some("build-script-executed") => {
                let out = Path::new(message["out_dir"].as_str().unwrap_or_default());
                let manifest = out.join(gate_build::manifest::FILE_NAME);
                if manifest.is_file() {
                    built.add_manifest(name, manifest);
                }
            }
            _ => {}
        }
    }
}

/// The package name in a cargo package id (`path+file:///…/gate-kernels#0.1.0`, or
/// `registry+…#name@1.0`).
fn package_name(id: &str) -> String {
    let tail = id.rsplit('/').next().unwrap_or(id);
    let (before, after) = tail.split_once('#').unwrap_or((tail, ""));
    match after.split_once('@') {
        Some((name, _)) => name.to_owned(),
        None => before.to_owned(),
    }
}

/// Copies an executable without its debug info (`strip --strip-debug`: symbols stay, so a
/// backtrace on the GPU machine still names functions); a plain copy where `strip` is
/// missing (the size check then judges).
fn copy_stripped(from: &Path, to: &Path) -> Result<()> {
    let stripped = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(to)
        .arg(from)
        .stdin(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !stripped {
        std::fs::copy(from, to).with_context(|| format!("failed to copy {}", from.display()))?;
    }
    Ok(())
}

/// Copies the executables, run.sh and the schemas into `dir`, checks the test filters
/// run.sh uses still select tests, and writes `bundle.json`.
fn assemble(root: &Path, dir: &Path, built: &Built) -> Result<()> {
    let mut files = serde_json::Map::new();
    for (name, target, kind) in EXECUTABLES {
        let key = ((*target).to_owned(), (*kind).to_owned());
        let from = built
            .executables
            .get(&key)
            .with_context(|| format!("the builds produced no {kind} `{target}`"))?;
        let to = dir.join("bin").join(name);
        copy_stripped(from, &to)?;
        files.insert(format!("bin/{name}"), std::fs::metadata(&to)?.len().into());
    }
    let run_sh = dir.join("run.sh");
    std::fs::copy(root.join("xtask/gpu-bundle/run.sh"), &run_sh)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run_sh, std::fs::Permissions::from_mode(0o755))?;
    }
    for schema in SCHEMAS {
        let name = format!("{schema}.schema.json");
        std::fs::copy(
            root.join("docs/schemas").join(&name),
            dir.join("schemas").join(&name),
        )?;
    }
    // run.sh's filters (`runtime_gpu::`, `schemas::`) must still name tests: a rename would
    // otherwise leave the GPU run with nothing to run.
    let kernels = dir.join("bin/kernels");
    let listed = list_tests(&kernels, &["runtime_gpu::", "schemas::"])?;
    if !listed.iter().any(|t| t.starts_with("runtime_gpu::"))
        || !listed.iter().any(|t| t.starts_with("schemas::"))
    {
        bail!(
            "`kernels runtime_gpu:: schemas::` lists {listed:?}: run.sh's filters select no GPU or schema test"
        );
    }
    let git = |args: &[&str]| -> String {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let dirty = !git(&["status", "--porcelain", "--untracked-files=no"]).is_empty();
    let bundle = serde_json::json!({
        "format": "cargo-gate-gpu-bundle/1",
        "commit": git(&["rev-parse", "HEAD"]),
        "dirty": dirty,
        "rustc": tool_version("rustc", &["-V"]),
        "nvcc": built.nvcc,
        "gpu_tests": listed,
        "files": files,
    });
    let text = gate_support::json::pretty_string(&bundle)?;
    std::fs::write(dir.join("bundle.json"), text)?;
    Ok(())
}

/// The tests a libtest binary lists for `filters` (`--list`, which needs no GPU).
fn list_tests(binary: &Path, filters: &[&str]) -> Result<Vec<String>> {
    let output = Command::new(binary)
        .args(filters)
        .arg("--list")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("failed to run {} --list", binary.display()))?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect())
}

/// The last line of `program ARGS` (its version), or `unknown`.
fn tool_version(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 20)
}

/// Prints every file's size and the total, and what would travel with this checkout's
/// tracked files (the device tool carries the working tree too); returns the total.
fn report_size(root: &Path, dir: &Path) -> Result<u64> {
    let mut total = 0;
    let mut stack = vec![dir.to_owned()];
    let mut lines = Vec::new();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let len = std::fs::metadata(&path)?.len();
                total += len;
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                lines.push(format!("  {:>8.2} MiB  {rel}", mib(len)));
            }
        }
    }
    lines.sort();
    for line in &lines {
        say(line);
    }
    let tracked = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .map(|o| {
            o.stdout
                .split(|&b| b == 0)
                .filter_map(|p| {
                    std::fs::metadata(root.join(String::from_utf8_lossy(p).as_ref())).ok()
                })
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len())
                .sum::<u64>()
        })
        .unwrap_or(0);
    say(&format!(
        "bundle {}: {:.1} MiB (limit {} MiB); with this checkout's tracked files ({:.1} MiB) \
         {:.1} MiB would travel to the device",
        dir.display(),
        mib(total),
        LIMIT >> 20,
        mib(tracked),
        mib(total + tracked)
    ));
    Ok(total)
}

/// Where this machine has no GPU (CI): the bundle's own run.sh, run here over the real
/// binaries, must exit non-zero with a summary that is not complete.
fn refuses_without_a_gpu(dir: &Path, target: &Path) -> Result<()> {
    let has_gpu = Command::new("nvidia-smi")
        .arg("-L")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if has_gpu {
        say("this machine has a GPU: run.sh's no-GPU check is left to its tests");
        return Ok(());
    }
    std::fs::create_dir_all(target)?;
    let out = tempfile::tempdir_in(target)?;
    say("no GPU here: running the bundle's run.sh, which must not report success");
    let output = Command::new("bash")
        .arg(dir.join("run.sh"))
        .arg(out.path())
        .env("GPU_BUNDLE_DEADLINE_S", "180")
        .stdin(Stdio::null())
        .output()
        .context("failed to run bash run.sh")?;
    let summary: Value = serde_json::from_slice(&std::fs::read(out.path().join("summary.json"))?)
        .context("run.sh left no summary.json")?;
    let reasons = summary["reasons"].as_array().map_or(0, Vec::len);
    if output.status.success() || summary["complete"] != Value::Bool(false) || reasons == 0 {
        bail!(
            "run.sh reported success without a GPU (exit {}, complete {}):\n{}",
            output.status,
            summary["complete"],
            String::from_utf8_lossy(&output.stdout)
        );
    }
    say(&format!(
        "run.sh without a GPU: {}, {reasons} reasons, first: {}",
        output.status,
        summary["reasons"][0].as_str().unwrap_or_default()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_from_cargo_ids() {
        assert_eq!(
            package_name("path+file:///work/main/gate-kernels#0.1.0"),
            "gate-kernels"
        );
        assert_eq!(
            package_name("path+file:///work/main/examples/gpu-service#gpu-service@0.1.0"),
            "gpu-service"
        );
        assert_eq!(
            package_name("registry+https://example.invalid/index#serde@1.0.219"),
            "serde"
        );
    }

    #[test]
    fn the_executables_are_the_targets_themselves_never_a_bins_test_harness() {
        let lines = [
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/examples/gpu-service#0.1.0","target":{"kind":["bin"],"name":"gpu-service"},"profile":{"test":false},"executable":"/t/release/gpu-service"}"#,
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/examples/gpu-service#0.1.0","target":{"kind":["bin"],"name":"gpu-service"},"profile":{"test":true},"executable":"/t/release/deps/gpu_service-1"}"#,
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/examples/gpu-service#0.1.0","target":{"kind":["test"],"name":"pipeline"},"profile":{"test":true},"executable":"/t/release/deps/pipeline-2"}"#,
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/gate-support#0.1.0","target":{"kind":["lib"],"name":"gate_support"},"profile":{"test":false},"executable":null}"#,
            "not json",
        ];
        let mut built = Built::default();
        read_messages(lines.join("\n").as_bytes(), &mut built);
        let get =
            |name: &str, kind: &str| built.executables[&(name.to_owned(), kind.to_owned())].clone();
        assert_eq!(
            get("gpu-service", "bin"),
            PathBuf::from("/t/release/gpu-service")
        );
        assert_eq!(
            get("pipeline", "test"),
            PathBuf::from("/t/release/deps/pipeline-2")
        );
        assert_eq!(built.executables.len(), 2);
    }

    #[test]
    fn the_bundle_ships_run_sh_and_every_schema_the_gpu_tests_read() {
        let root = project_root();
        assert!(root.join("xtask/gpu-bundle/run.sh").is_file());
        for schema in SCHEMAS {
            assert!(
                root.join(format!("docs/schemas/{schema}.schema.json"))
                    .is_file(),
                "{schema}"
            );
        }
        // Every schema the `schemas` module validates against (`validate("NAME", …)`).
        let sources =
            std::fs::read_to_string(root.join("tests/kernels/tests/kernels/schemas.rs")).unwrap();
        let named: Vec<&str> = sources
            .split("validate(")
            .skip(1)
            .filter_map(|call| call.split('"').nth(1))
            .collect();
        assert!(named.len() >= 3, "{named:?}");
        for name in named {
            assert!(
                SCHEMAS.contains(&name),
                "the bundle does not ship the schema {name}"
            );
        }
    }

    #[test]
    fn only_the_test_binary_comes_from_the_test_profile_build() {
        let message = |kind: &str, name: &str, dir: &str| {
            format!(
                r#"{{"reason":"compiler-artifact","package_id":"path+file:///w/gate-runtime#0.1.0","target":{{"kind":["{kind}"],"name":"{name}"}},"profile":{{"test":{}}},"executable":"/t/{dir}/{name}"}}"#,
                kind == "test"
            )
        };
        let mut built = Built::default();
        read_messages(
            message("example", "gpu_bench", "release").as_bytes(),
            &mut built,
        );
        let mut test_build = Built::default();
        let lines = [
            message("example", "gpu_bench", "debug"),
            message("test", "kernels", "debug"),
        ];
        read_messages(lines.join("\n").as_bytes(), &mut test_build);
        take_test_binary(&mut built, test_build).unwrap();
        let exe =
            |name: &str, kind: &str| built.executables[&(name.to_owned(), kind.to_owned())].clone();
        assert_eq!(
            exe("gpu_bench", "example"),
            PathBuf::from("/t/release/gpu_bench")
        );
        assert_eq!(exe("kernels", "test"), PathBuf::from("/t/debug/kernels"));
        assert!(take_test_binary(&mut built, Built::default()).is_err());
    }
}
