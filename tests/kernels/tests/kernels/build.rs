//! gate-build from the outside: throw-away crates whose build scripts compile kernels with
//! it, built by cargo. Tests that need nvcc skip, saying so, when none is found (CI installs
//! one: see .ci/run).

use gate_build::toolkit::{self, Env};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const SAXPY: &str = r#"#include "common.cuh"

extern "C" __global__ void saxpy(float a, const float* x, float* y, unsigned int n) {
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = scale(a, x[i]) + y[i];
}
"#;

const COMMON: &str = "__device__ inline float scale(float a, float x) { return a * x; }\n";

const SCALE2: &str = r#"extern "C" __global__ void scale2(float* y, unsigned int n) {
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] *= 2.0f;
}
"#;

/// The nvcc tests run against, or `None` (and a printed reason) when there is none. CI sets
/// `GATE_TESTS_REQUIRE_NVCC=1`, which turns a missing nvcc into a failure rather than a skip.
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
pub(crate) fn nvcc() -> Option<PathBuf> {
    let (found, searched) = toolkit::discover(&Env::from_process());
    if found.is_none() {
        let places: Vec<String> = searched
            .iter()
            .map(|s| format!("{}: {}", s.place, s.detail))
            .collect();
        let why = format!(
            "no nvcc found ({}); set NVCC to run the native-path tests",
            places.join("; ")
        );
        assert!(
            std::env::var_os("GATE_TESTS_REQUIRE_NVCC").is_none(),
            "{why}"
        );
        println!("skipped: {why}");
    }
    found.map(|f| f.path)
}

/// A consumer crate in a temporary directory.
struct Consumer {
    dir: tempfile::TempDir,
    name: String,
    /// Extra environment for cargo.
    env: Vec<(String, String)>,
    removed: Vec<String>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn workspace_root() -> PathBuf {
    Path::new(crate::REPO_ROOT).to_owned()
}

fn consumer(build_rs: &str) -> Consumer {
    let dir = tempfile::tempdir().unwrap();
    let name = format!(
        "kernels-consumer-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let root = dir.path();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [build-dependencies]\ngate-build = {{ path = {:?} }}\n\n[workspace]\n",
            workspace_root().join("gate-build")
        ),
    )
    .unwrap();
    // The workspace's lockfile pins gate-build's dependencies to versions already built.
    std::fs::copy(workspace_root().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    std::fs::write(root.join("build.rs"), build_rs).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/lib.rs"),
        "pub mod kernels {\n    include!(concat!(env!(\"OUT_DIR\"), \"/gate_kernels.rs\"));\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("kernels")).unwrap();
    Consumer {
        dir,
        name,
        env: Vec::new(),
        removed: Vec::new(),
    }
}

const BUILD_RS: &str = "fn main() -> Result<(), gate_build::Error> {\n    gate_build::Kernels::new().dir(\"kernels\").build()?;\n    Ok(())\n}\n";

/// What one `cargo build` did.
struct Built {
    ok: bool,
    stderr: String,
    out_dir: Option<PathBuf>,
}

impl Built {
    fn manifest(&self) -> serde_json::Value {
        let path = self
            .out_dir
            .as_ref()
            .expect("build script ran")
            .join("gate-manifest.json");
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }
}

impl Consumer {
    fn write(&self, path: &str, text: &str) {
        let path = self.dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Consumer {
        self.env.push((
            key.to_owned(),
            value.as_ref().to_string_lossy().into_owned(),
        ));
        self
    }

    /// Removes every way of finding nvcc: a PATH with only cargo, the C compiler and python
    /// (which has no CUDA wheel), and no NVCC/CUDA_HOME/CUDA_PATH.
    fn without_nvcc(mut self) -> Consumer {
        let dirs: Vec<PathBuf> = ["cargo", "cc", "python3"]
            .iter()
            .filter_map(|tool| which(tool))
            .filter_map(|p| p.parent().map(Path::to_owned))
            .filter(|d| !d.join("nvcc").exists())
            .collect();
        let path = std::env::join_paths(dirs).unwrap();
        self.removed = ["NVCC", "CUDA_HOME", "CUDA_PATH"]
            .map(String::from)
            .to_vec();
        self.env("PATH", path)
    }

    fn build(&self) -> Built {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kernel-consumers");
        let mut cmd = Command::new("cargo");
        cmd.args([
            "build",
            "--offline",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(self.dir.path())
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("GATE_CUDA")
        .env_remove("GATE_CUDA_ARCHS")
        .env_remove("GATE_MIN_DRIVER")
        .env_remove("GATE_NVCC_FLAGS")
        .stdin(Stdio::null());
        for key in &self.removed {
            cmd.env_remove(key);
        }
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        let output = cmd.output().expect("cargo runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let out_dir = stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["reason"] == "build-script-executed")
            .filter(|m| {
                m["package_id"]
                    .as_str()
                    .is_some_and(|id| id.contains(&self.name))
            })
            .find_map(|m| m["out_dir"].as_str().map(PathBuf::from));
        Built {
            ok: output.status.success(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            out_dir,
        }
    }
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// An nvcc wrapper that logs each invocation and runs the real one; ptxas sits beside it.
fn logging_nvcc(real: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let bin = dir.join("wrapped-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("nvcc.log");
    let wrapper = bin.join("nvcc");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let ptxas = real.parent().unwrap().join("ptxas");
        if ptxas.exists() {
            std::os::unix::fs::symlink(ptxas, bin.join("ptxas")).unwrap();
        }
    }
    (wrapper, log)
}

/// Compile invocations logged (version queries and arch listings excluded).
fn compiles(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(".cu"))
        .count()
}

#[test]
fn native_build_records_entries_ptx_version_driver_and_archs() {
    let Some(nvcc) = nvcc() else { return };
    let c = consumer(BUILD_RS).env("NVCC", &nvcc);
    c.write("kernels/saxpy.cu", SAXPY);
    c.write("kernels/common.cuh", COMMON);
    c.write("kernels/scale2.cu", SCALE2);
    let built = c.build();
    assert!(built.ok, "{}", built.stderr);
    let m = built.manifest();
    assert_eq!(m["outcome"], "native");
    assert_eq!(m["nvcc"]["found_via"], "NVCC");
    assert_eq!(m["archs"], serde_json::json!(["sm_80", "sm_90"]));
    assert_eq!(m["ptx_arch"], "compute_80");
    let saxpy = &m["modules"][0];
    assert_eq!(saxpy["name"], "saxpy");
    assert_eq!(
        saxpy["ptx"]["entries"],
        serde_json::json!([{ "name": "saxpy", "params": 4 }])
    );
    assert_eq!(saxpy["ptx"]["target"], "sm_80");
    let isa = saxpy["ptx"]["version"].as_str().unwrap();
    let release = m["nvcc"]["release"].as_str().unwrap();
    // CUDA 13.0 writes PTX ISA 9.0, which needs a CUDA 13.0 (r580) driver.
    if release == "13.0" {
        assert_eq!(isa, "9.0");
        assert_eq!(
            saxpy["ptx"]["min_driver"],
            serde_json::json!({ "kind": "cuda", "version": "13.0" })
        );
    }
    assert!(
        saxpy["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h.as_str().unwrap().ends_with("common.cuh"))
    );
    for verdict in saxpy["ptxas"].as_array().unwrap() {
        assert_eq!(verdict["ok"], true, "{verdict}");
    }
    assert_eq!(m["modules"][1]["ptx"]["entries"][0]["params"], 2);
    let generated =
        std::fs::read_to_string(built.out_dir.unwrap().join("gate_kernels.rs")).unwrap();
    assert!(generated.contains("pub const SCALE2: Module"));
}

#[test]
fn caching_rebuilds_on_header_flag_and_arch_changes_and_never_otherwise() {
    let Some(real) = nvcc() else { return };
    let work = tempfile::tempdir().unwrap();
    let (wrapper, log) = logging_nvcc(&real, work.path());
    let c = consumer(BUILD_RS).env("NVCC", &wrapper);
    c.write("kernels/saxpy.cu", SAXPY);
    c.write("kernels/common.cuh", COMMON);
    let first = c.build();
    assert!(first.ok, "{}", first.stderr);
    let after_first = compiles(&log);
    assert_eq!(after_first, 1, "one nvcc run per source");

    // Nothing changed: cargo does not even rerun the build script.
    assert!(c.build().ok);
    assert_eq!(
        compiles(&log),
        after_first,
        "no-change rebuild invoked nvcc"
    );

    // The build script reruns (a watched variable changed) but nothing that decides the
    // output did: the content key matches, nvcc is not run, not even for --version.
    let total_before = std::fs::read_to_string(&log).unwrap().lines().count();
    let c = c.env("GATE_NVCC_FLAGS", "");
    let rerun = c.build();
    assert!(rerun.ok, "{}", rerun.stderr);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().lines().count(),
        total_before
    );
    assert_eq!(rerun.manifest()["modules"][0]["cached"], true);

    // A header edit recompiles.
    let key_before = rerun.manifest()["modules"][0]["content_key"].clone();
    c.write("kernels/common.cuh", &COMMON.replace("a * x", "x * a"));
    let edited = c.build();
    assert!(edited.ok, "{}", edited.stderr);
    assert_eq!(
        compiles(&log),
        after_first + 1,
        "header edit did not recompile"
    );
    assert_ne!(edited.manifest()["modules"][0]["content_key"], key_before);

    // A flag change recompiles.
    let c = c.env("GATE_NVCC_FLAGS", "-lineinfo");
    assert!(c.build().ok);
    assert_eq!(
        compiles(&log),
        after_first + 2,
        "flag change did not recompile"
    );

    // An arch change recompiles and leaves nothing of the old archs behind.
    let c = c.env("GATE_CUDA_ARCHS", "sm_90");
    let narrowed = c.build();
    assert!(narrowed.ok, "{}", narrowed.stderr);
    assert_eq!(
        compiles(&log),
        after_first + 3,
        "arch change did not recompile"
    );
    let m = narrowed.manifest();
    assert_eq!(m["archs"], serde_json::json!(["sm_90"]));
    assert_eq!(m["modules"][0]["ptx"]["target"], "sm_90");
    let verdicts: Vec<&str> = m["modules"][0]["ptxas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["arch"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["sm_90"]);
    let ptx = std::fs::read_to_string(narrowed.out_dir.unwrap().join("kernels/saxpy.ptx")).unwrap();
    assert!(ptx.contains(".target sm_90"), "stale PTX left behind");
}

#[test]
fn auto_without_nvcc_builds_with_one_warning() {
    let c = consumer(BUILD_RS).without_nvcc();
    c.write("kernels/saxpy.cu", SAXPY);
    c.write("kernels/common.cuh", COMMON);
    let built = c.build();
    assert!(built.ok, "{}", built.stderr);
    let warnings = built
        .stderr
        .matches("gate-build: no CUDA kernels in this build (fallback)")
        .count();
    assert_eq!(warnings, 1, "{}", built.stderr);
    let m = built.manifest();
    assert_eq!(m["outcome"], "fallback");
    assert!(
        m["fallback_reason"]
            .as_str()
            .unwrap()
            .starts_with("nvcc not found"),
        "{m}"
    );
}

#[test]
fn require_without_nvcc_fails_listing_the_places_searched() {
    let c = consumer(BUILD_RS)
        .without_nvcc()
        .env("GATE_CUDA", "require");
    c.write("kernels/saxpy.cu", SAXPY);
    let built = c.build();
    assert!(!built.ok);
    for place in [
        "nvcc not found (GATE_CUDA=require)",
        "NVCC: not set",
        "CUDA_HOME: not set",
        "PATH: no nvcc",
        "python wheel:",
        "help: set NVCC=",
    ] {
        assert!(
            built.stderr.contains(place),
            "`{place}` missing:\n{}",
            built.stderr
        );
    }
    assert!(!built.stderr.contains("panicked"), "{}", built.stderr);
}

#[test]
fn nvcc_warnings_reach_the_user_as_cargo_warnings_and_kernels_in_subdirectories_build() {
    let Some(nvcc) = nvcc() else { return };
    let c = consumer(BUILD_RS).env("NVCC", &nvcc);
    c.write(
        "kernels/sub/warned.cu",
        "extern \"C\" __global__ void warned(float *x) {\n    int unused = 0;\n    x[threadIdx.x] *= 2.0f;\n}\n",
    );
    let built = c.build();
    assert!(built.ok, "{}", built.stderr);
    assert!(
        built
            .stderr
            .lines()
            .any(|l| l.contains("gate-build: warned:") && l.contains("unused")),
        "{}",
        built.stderr
    );
    let m = built.manifest();
    assert_eq!(m["modules"][0]["name"], "warned");
    let verdicts = m["modules"][0]["ptxas"].as_array().unwrap();
    assert_eq!(verdicts.len(), 2);
    for verdict in verdicts {
        assert_eq!(verdict["ok"], true, "{verdict}");
        assert!(
            verdict["message"]
                .as_str()
                .unwrap()
                .contains("as shipped in the fatbin"),
            "{verdict}"
        );
    }
}

#[test]
fn every_failing_source_is_reported() {
    let Some(nvcc) = nvcc() else { return };
    let c = consumer(BUILD_RS).env("NVCC", &nvcc);
    c.write(
        "kernels/one.cu",
        "extern \"C\" __global__ void one() { undefined_one; }\n",
    );
    c.write(
        "kernels/two.cu",
        "extern \"C\" __global__ void two() { undefined_two; }\n",
    );
    let built = c.build();
    assert!(!built.ok);
    assert!(
        built.stderr.contains("2 sources failed to compile"),
        "{}",
        built.stderr
    );
    assert!(built.stderr.contains("one.cu:1: error"), "{}", built.stderr);
    assert!(built.stderr.contains("two.cu:1: error"), "{}", built.stderr);
}

/// Whether the toolkit beside `nvcc` has CCCL (`include/nv/target`).
fn has_cccl(nvcc: &Path) -> bool {
    nvcc.parent()
        .and_then(Path::parent)
        .is_some_and(|t| t.join("include/nv/target").exists())
}

#[test]
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn a_missing_cccl_is_a_toolkit_fact_named_with_its_package() {
    let Some(nvcc) = nvcc() else { return };
    if has_cccl(&nvcc) {
        println!("skipped: this toolkit has CCCL, so nothing is missing");
        return;
    }
    let half = "#include <cuda_fp16.h>\nextern \"C\" __global__ void half_copy(__half *x) { x[1] = x[0]; }\n";
    let c = consumer(BUILD_RS).env("NVCC", &nvcc);
    c.write("kernels/half_copy.cu", half);
    c.write(
        "kernels/bf16/half_too.cu",
        &half.replace("half_copy", "half_too"),
    );
    // auto: one warning naming the package, a fallback build that still succeeds.
    let built = c.build();
    assert!(built.ok, "{}", built.stderr);
    let m = built.manifest();
    assert_eq!(m["outcome"], "fallback");
    let reason = m["fallback_reason"].as_str().unwrap();
    assert!(reason.contains("`nv/target` is missing"), "{reason}");
    assert!(
        reason.contains("nvidia-cuda-cccl") || reason.contains("cuda-cccl"),
        "{reason}"
    );
    assert!(
        reason.contains("half_copy.cu") && reason.contains("half_too.cu"),
        "{reason}"
    );
    // require: the same as an error.
    let c = c.env("GATE_CUDA", "require");
    let built = c.build();
    assert!(!built.ok);
    assert!(
        built.stderr.contains("the CUDA toolkit is incomplete"),
        "{}",
        built.stderr
    );
    assert!(!built.stderr.contains("panicked"), "{}", built.stderr);
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let Some(nvcc) = nvcc() else { return };
    let c = consumer(BUILD_RS).env("NVCC", &nvcc);
    c.write("kernels/broken.cu", "extern \"C\" __global__ void broken(float* y) {\n    y[0] = 1.0f\n    y[1] = undefined_thing;\n}\n");
    let built = c.build();
    assert!(!built.ok);
    assert!(built.stderr.contains("nvcc failed on "), "{}", built.stderr);
    assert!(
        built.stderr.contains("broken.cu:3: error"),
        "{}",
        built.stderr
    );
    assert!(!built.stderr.contains("panicked"), "{}", built.stderr);
}

#[test]
fn ptx_newer_than_the_declared_minimum_driver() {
    let Some(nvcc) = nvcc() else { return };
    // Recorded as a violation (with a warning) in auto mode…
    let c = consumer(BUILD_RS)
        .env("NVCC", &nvcc)
        .env("GATE_MIN_DRIVER", "11.8");
    c.write("kernels/scale2.cu", SCALE2);
    let built = c.build();
    assert!(built.ok, "{}", built.stderr);
    let violations = built.manifest()["violations"].clone();
    assert!(
        violations[0]
            .as_str()
            .unwrap()
            .contains("newer than the declared minimum driver CUDA 11.8"),
        "{violations}"
    );
    assert!(
        built
            .stderr
            .contains("newer than the declared minimum driver"),
        "{}",
        built.stderr
    );
    // …and an error in require mode.
    let c = c.env("GATE_CUDA", "require");
    let built = c.build();
    assert!(!built.ok);
    assert!(
        built
            .stderr
            .contains("newer than the declared minimum driver CUDA 11.8"),
        "{}",
        built.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_mixed_toolkit_is_caught() {
    let Some(nvcc) = nvcc() else { return };
    // A CUDA_HOME whose nvcc is 13.0 but whose runtime header says 12.9.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("bin")).unwrap();
    std::fs::create_dir_all(home.path().join("include")).unwrap();
    std::os::unix::fs::symlink(&nvcc, home.path().join("bin/nvcc")).unwrap();
    std::fs::write(
        home.path().join("include/cuda_runtime_api.h"),
        "#define CUDART_VERSION 12090\n",
    )
    .unwrap();
    let c = consumer(BUILD_RS)
        .without_nvcc()
        .env("CUDA_HOME", home.path())
        .env("GATE_CUDA", "require");
    c.write("kernels/scale2.cu", SCALE2);
    let built = c.build();
    assert!(!built.ok);
    assert!(
        built.stderr.contains("mixed CUDA toolkit: nvcc 13.0"),
        "{}",
        built.stderr
    );
    assert!(
        built.stderr.contains("include/cuda_runtime_api.h 12.9"),
        "{}",
        built.stderr
    );
    // Fixing the toolkit is noticed: the header is a tracked input of the build script and
    // of the toolkit facts, so the next build reruns and the mix is gone.
    std::fs::write(
        home.path().join("include/cuda_runtime_api.h"),
        "#define CUDART_VERSION 13000\n",
    )
    .unwrap();
    let fixed = c.build();
    assert!(
        !fixed.stderr.contains("mixed CUDA toolkit"),
        "a fixed toolkit was not noticed: {}",
        fixed.stderr
    );
    // And breaking it again is noticed too.
    std::fs::write(
        home.path().join("include/cuda_runtime_api.h"),
        "#define CUDART_VERSION 12080\n",
    )
    .unwrap();
    let broken = c.build();
    assert!(!broken.ok);
    assert!(
        broken.stderr.contains("include/cuda_runtime_api.h 12.8"),
        "a broken toolkit was not noticed: {}",
        broken.stderr
    );
}
