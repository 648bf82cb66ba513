//! Builder tests that need no nvcc: every mode without a toolkit, and bad input. The native
//! path is tested by building throw-away crates (tests/kernels/tests/kernels/build.rs).

use super::*;

struct Case {
    _dir: tempfile::TempDir,
    kernels: PathBuf,
    out: PathBuf,
    /// A PATH with nothing on it: no nvcc, no python3.
    env: Env,
}

fn case() -> Case {
    let dir = tempfile::tempdir().unwrap();
    let kernels = dir.path().join("kernels");
    std::fs::create_dir_all(&kernels).unwrap();
    std::fs::write(
        kernels.join("saxpy.cu"),
        "extern \"C\" __global__ void saxpy() {}\n",
    )
    .unwrap();
    std::fs::write(kernels.join("reduce-sum.cu"), "").unwrap();
    let empty = dir.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    Case {
        out: dir.path().join("out"),
        kernels,
        env: Env::default().set("PATH", &empty),
        _dir: dir,
    }
}

impl Case {
    fn kernels(&self) -> Kernels {
        Kernels::new()
            .dir(&self.kernels)
            .out_dir(&self.out)
            .env(self.env.clone())
    }
}

#[test]
fn auto_without_nvcc_falls_back_with_one_warning_and_a_manifest() {
    let case = case();
    let manifest = case.kernels().build().unwrap();
    assert_eq!(manifest.outcome, Outcome::Fallback);
    assert_eq!(manifest.requested, Mode::Auto);
    let reason = manifest.fallback_reason.as_deref().unwrap();
    assert!(
        reason.starts_with("nvcc not found (searched NVCC, CUDA_HOME, CUDA_PATH, PATH"),
        "{reason}"
    );
    let warnings: Vec<&String> = manifest
        .directives
        .iter()
        .filter(|d| d.starts_with("cargo:warning="))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let names: Vec<&str> = manifest.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["reduce-sum", "saxpy"]);
    let generated = std::fs::read_to_string(case.out.join("gate_kernels.rs")).unwrap();
    assert!(generated.contains("pub const MODE: &str = \"fallback\";"));
    assert!(generated.contains("pub const REDUCE_SUM: Module"));
    let written: Manifest =
        serde_json::from_slice(&std::fs::read(case.out.join("gate-manifest.json")).unwrap())
            .unwrap();
    assert_eq!(written.fallback_reason, manifest.fallback_reason);
}

#[test]
fn require_without_nvcc_lists_every_place_searched() {
    let case = case();
    let err = case.kernels().mode(Mode::Require).build().unwrap_err();
    let text = err.to_string();
    for place in [
        "NVCC: not set",
        "CUDA_HOME: not set",
        "CUDA_PATH: not set",
        "PATH: no nvcc",
        "python wheel",
    ] {
        assert!(text.contains(place), "`{place}` missing from:\n{text}");
    }
    assert!(text.contains("help: set NVCC="), "{text}");
    // Debug is the same text, so `fn main() -> Result<(), Error>` prints it readably.
    assert_eq!(format!("{err:?}"), text);
}

/// A build for another operating system than the build host's (a Windows or macOS target
/// from Linux) never hands nvcc a cross compiler it cannot use: `auto` builds without
/// kernels and says why, `require` is an error naming both. A nvcc on PATH changes nothing.
#[test]
fn another_operating_systems_target_is_a_fallback_or_an_error() {
    let case = case();
    let nvcc_dir = case.out.join("bin");
    std::fs::create_dir_all(&nvcc_dir).unwrap();
    std::fs::write(nvcc_dir.join("nvcc"), "").unwrap();
    for target in ["x86_64-pc-windows-gnu", "aarch64-apple-darwin"] {
        let env = case
            .env
            .clone()
            .set("PATH", &nvcc_dir)
            .set("TARGET", target)
            .set("HOST", "x86_64-unknown-linux-gnu");
        let manifest = case.kernels().env(env.clone()).build().unwrap();
        assert_eq!(manifest.outcome, Outcome::Fallback);
        let reason = manifest.fallback_reason.unwrap();
        assert!(
            reason.starts_with(&format!(
                "cross-compiling for {target} on x86_64-unknown-linux-gnu"
            )),
            "{reason}"
        );
        let err = case
            .kernels()
            .env(env)
            .mode(Mode::Require)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::CrossOs { .. }), "{err}");
        assert!(
            err.to_string().contains("help: build the kernels on"),
            "{err}"
        );
    }
    // The same operating system on another architecture is not refused here.
    assert_eq!(toolkit::os_of("aarch64-unknown-linux-gnu"), "linux");
    assert_eq!(
        toolkit::os_of("x86_64-unknown-linux-gnu"),
        toolkit::os_of("aarch64-unknown-linux-gnu")
    );
    assert_eq!(toolkit::os_of("x86_64-pc-windows-msvc"), "windows");
}

#[test]
fn require_from_the_environment_too() {
    let case = case();
    let env = case.env.clone().set("GATE_CUDA", "require");
    assert!(matches!(
        case.kernels().env(env).build(),
        Err(Error::NvccNotFound { .. })
    ));
}

#[test]
fn off_falls_back_without_looking() {
    let case = case();
    let env = case
        .env
        .clone()
        .set("GATE_CUDA", "off")
        .set("NVCC", "/nonexistent/nvcc");
    let manifest = case.kernels().env(env).build().unwrap();
    assert_eq!(manifest.outcome, Outcome::Fallback);
    assert_eq!(manifest.fallback_reason.as_deref(), Some("GATE_CUDA=off"));
    assert!(manifest.searched.is_empty());
}

#[test]
fn builder_mode_overrides_the_environment() {
    let case = case();
    let env = case.env.clone().set("GATE_CUDA", "require");
    let manifest = case.kernels().env(env).mode(Mode::Off).build().unwrap();
    assert_eq!(manifest.requested, Mode::Off);
}

#[test]
fn bad_input_is_an_error_never_a_panic() {
    let case = case();
    let bad = |env: Env| case.kernels().env(env).build().unwrap_err().to_string();
    assert_eq!(
        bad(case.env.clone().set("GATE_CUDA", "sometimes")),
        "GATE_CUDA=\"sometimes\" is invalid: auto, require or off"
    );
    assert!(
        bad(case.env.clone().set("GATE_CUDA_ARCHS", "ampere"))
            .contains("`ampere` is not an arch like sm_80")
    );
    assert!(
        bad(case.env.clone().set("GATE_MIN_DRIVER", "new")).contains("a CUDA version like 13.0")
    );
    let no_sources = Kernels::new()
        .dir(case.kernels.join("missing"))
        .out_dir(&case.out)
        .env(case.env.clone())
        .build()
        .unwrap_err();
    assert!(matches!(no_sources, Error::Io { .. }), "{no_sources}");
    let nothing = Kernels::new()
        .out_dir(&case.out)
        .env(case.env.clone())
        .build()
        .unwrap_err();
    assert!(matches!(nothing, Error::NoSources(_)));
    let no_out = Kernels::new()
        .dir(&case.kernels)
        .env(case.env.clone())
        .build()
        .unwrap_err();
    assert!(matches!(no_out, Error::NoOutDir));
}

#[test]
fn dir_walks_subdirectories_and_compiles_only_cu_files() {
    let case = case();
    for (path, text) in [
        ("attention/paged.cu", ""),
        ("attention/common.cuh", ""),
        ("quant/gemm/q4.cu", ""),
        ("quant/gemm/q4.h", ""),
        (".cache/stale.cu", ""),
    ] {
        let path = case.kernels.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let manifest = case.kernels().build().unwrap();
    let names: Vec<&str> = manifest.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["paged", "q4", "reduce-sum", "saxpy"]);
}

#[test]
fn duplicate_module_names_across_subdirectories_are_refused() {
    let case = case();
    std::fs::create_dir_all(case.kernels.join("sub")).unwrap();
    std::fs::write(case.kernels.join("sub/saxpy.cu"), "").unwrap();
    let err = case.kernels().build().unwrap_err();
    assert!(matches!(err, Error::DuplicateModule { .. }), "{err}");
}

#[test]
fn duplicate_module_names_are_refused() {
    let case = case();
    std::fs::write(case.kernels.join("reduce_sum.cu"), "").unwrap();
    let err = case.kernels().build().unwrap_err();
    assert!(matches!(err, Error::DuplicateModule { .. }), "{err}");
}

#[test]
fn every_variable_read_gets_a_rerun_directive() {
    let case = case();
    let manifest = case.kernels().build().unwrap();
    for var in toolkit::ENV_VARS {
        let line = format!("cargo:rerun-if-env-changed={var}");
        assert!(manifest.directives.contains(&line), "{line}");
    }
    assert!(
        manifest
            .directives
            .iter()
            .any(|d| d == &format!("cargo:rerun-if-changed={}", case.kernels.display()))
    );
}

#[test]
fn archs_are_sorted_deduplicated_and_recorded_with_their_origin() {
    let case = case();
    let env = case
        .env
        .clone()
        .set("GATE_CUDA_ARCHS", "sm_90, sm_80,sm_90");
    let manifest = case.kernels().env(env.clone()).build().unwrap();
    assert_eq!(manifest.archs, ["sm_80", "sm_90"]);
    assert_eq!(manifest.archs_from, "GATE_CUDA_ARCHS");
    let manifest = case.kernels().env(env).archs(["sm_86"]).build().unwrap();
    assert_eq!(
        (manifest.archs, manifest.archs_from.as_str()),
        (vec!["sm_86".to_owned()], "builder")
    );
    let manifest = case.kernels().build().unwrap();
    assert_eq!(manifest.archs_from, "default");
}
