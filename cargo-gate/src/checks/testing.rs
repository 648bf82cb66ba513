//! Test helpers for checks: a workspace on disk made from a list of files.

use crate::check::Context;
use crate::config::Config;
use crate::stage::Stage;
use crate::tools::cargo::Cargo;
use crate::workspace::Workspace;
use std::path::Path;

/// Runs `f` with a context over a workspace whose members are `members` (each in a directory
/// of its own name) in a fresh temporary directory that holds no files.
pub(crate) fn with_context<T>(
    members: &[&str],
    config: Config,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    with_files(&[], members, config, f)
}

/// Like [`with_context`] with no members, a given environment and stage.
pub(crate) fn with_environment<T>(
    environment: crate::tools::environment::Environment,
    stage: Stage,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    build_full(
        &[],
        &[],
        Config::default(),
        crate::check::Earlier::new(),
        environment,
        stage,
        f,
    )
}

/// Like [`with_files`]; the closure may build its own context from the one given (to set
/// `earlier` from paths inside the workspace).
pub(crate) fn with_files_and_earlier<T>(
    files: &[(&str, &str)],
    members: &[&str],
    config: Config,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    build(files, members, config, crate::check::Earlier::new(), f)
}

/// Like [`with_context`], with `files` (path, contents) written first.
pub(crate) fn with_files<T>(
    files: &[(&str, &str)],
    members: &[&str],
    config: Config,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    build(files, members, config, crate::check::Earlier::new(), f)
}

fn build<T>(
    files: &[(&str, &str)],
    members: &[&str],
    config: Config,
    earlier: crate::check::Earlier,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    let environment = crate::tools::environment::Environment::for_tests();
    build_full(
        files,
        members,
        config,
        earlier,
        environment,
        Stage::Controlled,
        f,
    )
}

/// Like [`with_files`] with no members, and a given environment.
pub(crate) fn with_files_and_environment<T>(
    files: &[(&str, &str)],
    environment: crate::tools::environment::Environment,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    build_full(
        files,
        &[],
        Config::default(),
        crate::check::Earlier::new(),
        environment,
        Stage::Pilot,
        f,
    )
}

fn build_full<T>(
    files: &[(&str, &str)],
    members: &[&str],
    config: Config,
    earlier: crate::check::Earlier,
    environment: crate::tools::environment::Environment,
    stage: Stage,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), files);
    for name in members {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
    }
    let workspace = Workspace::for_tests(dir.path(), members);
    let facts = crate::facts::Facts::gather(&workspace, Vec::new());
    let cargo = Cargo::new(dir.path(), true);
    let run_dir = dir.path().join("run");
    let waivers = crate::check::WaiverUse::default();
    let checks = crate::check::CheckIds::new(
        crate::registry::all()
            .iter()
            .map(|c| c.meta().id.to_owned())
            .chain(config.custom_checks.iter().map(|c| c.id.clone())),
    );
    let ctx = Context {
        facts: &facts,
        workspace: &workspace,
        config: &config,
        cargo: &cargo,
        stage,
        environment: &environment,
        earlier: &earlier,
        waivers: &waivers,
        checks: &checks,
        out_dir: &dir.path().join("out"),
        run_dir: &run_dir,
        scratch: dir.path(),
    };
    f(&ctx)
}

/// `earlier` as the engine hands it to the checks that judge the whole run: with the
/// waivers of `config` applied on `today` (`YYYY-MM-DD`), and which waiver covered what.
pub(crate) fn waived(
    config: &Config,
    mut earlier: crate::check::Earlier,
    today: &str,
) -> (crate::check::Earlier, crate::check::WaiverUse) {
    let today = gate_support::date::Date::parse(today).expect("a YYYY-MM-DD day");
    let mut usage = crate::check::WaiverUse::default();
    for (id, outcome) in &mut earlier {
        crate::verdict::waiver::waive(&config.waivers, id, outcome, today, &mut usage);
    }
    (earlier, usage)
}

pub(crate) fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// A complete `gate-manifest.json` (a fallback build with no modules) with `patch`'s
/// top-level fields over it, for checks that read manifests. Modules in the patch are
/// completed by [`manifest_module`].
pub(crate) fn manifest_json(patch: serde_json::Value) -> serde_json::Value {
    let mut manifest = serde_json::json!({
        "schema_version": 1, "gate_build": "0.1.0", "requested": "auto",
        "outcome": "fallback", "fallback_reason": null, "nvcc": null, "searched": [],
        "host_compiler": null, "archs": [], "archs_from": "default", "ptx_arch": null,
        "flags": [], "includes": [], "toolkit": [], "min_driver": null,
        "required_driver": null, "violations": [], "modules": []
    });
    for (key, value) in patch.as_object().expect("a JSON object") {
        manifest[key] = if key == "modules" {
            value
                .as_array()
                .expect("modules is an array")
                .iter()
                .map(|m| manifest_module(m.clone()))
                .collect()
        } else {
            value.clone()
        };
    }
    manifest
}

/// A complete module record with `patch`'s fields over it (a `ptx` patch is completed too).
pub(crate) fn manifest_module(patch: serde_json::Value) -> serde_json::Value {
    let mut module = serde_json::json!({
        "name": "m", "source": "k/m.cu", "ptx_file": null, "fatbin_file": null,
        "digest": null, "ptx_sha256": null, "content_key": null, "headers": [], "ptx": null,
        "ptxas": [], "cached": false
    });
    for (key, value) in patch.as_object().expect("a JSON object") {
        module[key] = value.clone();
    }
    if let Some(ptx) = module["ptx"].as_object().cloned() {
        let mut full = serde_json::json!({
            "version": "9.0", "target": "sm_80", "address_size": 64, "entries": [],
            "min_driver": {"kind": "cuda", "version": "13.0"}
        });
        for (key, value) in ptx {
            full[key] = value;
        }
        module["ptx"] = full;
    }
    for verdict in module["ptxas"].as_array_mut().into_iter().flatten() {
        if verdict.get("message").is_none() {
            verdict["message"] = "".into();
        }
    }
    module
}

/// Whether `program` (git, cargo, rustc) can be started, for a test that needs it
/// ([`gate_support::program::runs`]).
pub(crate) fn runs(program: &str) -> bool {
    gate_support::program::runs(program)
}

/// The task a [`child_test`] was started with, when this process is one
/// ([`gate_support::program::child_task`]).
pub(crate) fn child_task() -> Option<String> {
    gate_support::program::child_task()
}

/// This test binary, started to run its one ignored test `test` with `task`
/// ([`gate_support::program::child_test`]).
pub(crate) fn child_test(test: &str, task: &str) -> std::process::Command {
    gate_support::program::child_test(test, task)
}

/// `sub`, whose build script compiles `vendor/ggml-cuda.cu` (a git submodule's: not among the
/// files) when its `cublas` feature is on, as llm's ggml-sys compiles llama.cpp's.
pub(crate) const UNTRACKED_BUILD: [(&str, &str); 3] = [
    (
        "sub/Cargo.toml",
        "[package]\nname = \"sub\"\nversion = \"0.1.0\"\n[features]\ncublas = []\n",
    ),
    (
        "sub/build.rs",
        "use std::process::Command;\nfn main() {\n    if cfg!(feature = \"cublas\") {\n        \
         Command::new(\"nvcc\").arg(\"-c\").arg(\"vendor/ggml-cuda.cu\").status().unwrap();\n    }\n}\n",
    ),
    ("sub/src/lib.rs", ""),
];

/// tfhe-rs' shape: `common`'s CMake project compiles `check_cuda.cu` while it is configured
/// and runs it to pick the archs (a probe), and builds `src/device.cu`; `backend`'s project
/// compiles that `device.cu` again through a directory it defaults beside its own, and names
/// `src/test_only.cu` only in a directory it adds under an option that is off.
pub(crate) const CMAKE_PROBE_AND_SHARED_SOURCE: [(&str, &str); 12] = [
    (
        "common/Cargo.toml",
        "[package]\nname = \"common\"\nversion = \"0.1.0\"\n",
    ),
    ("common/src/lib.rs", ""),
    (
        "common/build.rs",
        "fn main() {\n    let _ = cmake::Config::new(\"cuda\").build();\n}\n",
    ),
    (
        "common/cuda/CMakeLists.txt",
        "project(common LANGUAGES CXX CUDA)\nset(OUT ${CMAKE_CURRENT_SOURCE_DIR}/probe)\n\
         set(CUDAFILE ${CMAKE_CURRENT_SOURCE_DIR}/check_cuda.cu)\n\
         execute_process(COMMAND ${CMAKE_CUDA_COMPILER} ${CUDAFILE} -o ${OUT})\n\
         execute_process(COMMAND ${OUT} OUTPUT_VARIABLE ARCH)\n\
         add_library(common STATIC src/device.cu)\n",
    ),
    ("common/cuda/check_cuda.cu", "int main() { return 0; }\n"),
    ("common/cuda/src/device.cu", "__global__ void d() {}\n"),
    (
        "backend/Cargo.toml",
        "[package]\nname = \"backend\"\nversion = \"0.1.0\"\n",
    ),
    ("backend/src/lib.rs", ""),
    (
        "backend/build.rs",
        "fn main() {\n    let _ = cmake::Config::new(\"cuda\").build();\n}\n",
    ),
    (
        "backend/cuda/CMakeLists.txt",
        "project(backend LANGUAGES CXX CUDA)\nif(NOT COMMON_DIR)\n  \
         set(COMMON_DIR ${CMAKE_CURRENT_SOURCE_DIR}/../../common/cuda)\nendif()\n\
         add_library(shared STATIC ${COMMON_DIR}/src/device.cu)\n\
         option(BACKEND_TESTS \"tests\" OFF)\nif(BACKEND_TESTS)\n  add_subdirectory(tests)\nendif()\n",
    ),
    (
        "backend/cuda/tests/CMakeLists.txt",
        "add_executable(t ../../src/test_only.cu)\n",
    ),
    ("backend/src/test_only.cu", "__global__ void t() {}\n"),
];
