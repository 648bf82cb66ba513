//! The witness in front of a real nvcc (CI's 13.0 wheels): the same outputs byte for byte, the
//! same failure, parallel compiles each recorded whole, and a record that names the package,
//! the archs and the include closure (a header outside the source's directory). Skips, saying
//! so, where no nvcc is found; `GATE_TESTS_REQUIRE_NVCC=1` turns the skip into a failure.

use gate_witness::install::{self, Route};
use gate_witness::record;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn nvcc() -> Option<PathBuf> {
    let found = gate_support::nvcc::for_tests();
    if found.is_none() {
        assert!(
            std::env::var_os("GATE_TESTS_REQUIRE_NVCC").is_none(),
            "GATE_TESTS_REQUIRE_NVCC is set but no nvcc was found (NVCC, PATH, a CUDA wheel)"
        );
        println!("skipped: no nvcc found (NVCC, PATH, a CUDA wheel)");
    }
    found
}

/// A source tree: `k/add.cu` includes `../common/twice.cuh`; `k/bad.cu` does not compile.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("k")).unwrap();
    std::fs::create_dir_all(dir.path().join("common")).unwrap();
    std::fs::write(
        dir.path().join("common/twice.cuh"),
        "__device__ inline float twice(float x) { return 2.0f * x; }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("k/add.cu"),
        "#include \"../common/twice.cuh\"\nextern \"C\" __global__ void add(float* x, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) x[i] = twice(x[i]);\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("k/bad.cu"),
        "__global__ void bad() { undeclared(); }\n",
    )
    .unwrap();
    dir
}

/// A witness home for `real` under `dir/witness`.
fn witness(dir: &Path, real: &Path) -> install::Home {
    install::install(
        &dir.join("witness"),
        real,
        Path::new(env!("CARGO_BIN_EXE_gate-witness")),
    )
    .unwrap()
}

fn run(nvcc: &Path, cwd: &Path, out_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(nvcc)
        .args(args)
        .current_dir(cwd)
        .env("OUT_DIR", out_dir)
        .env("CARGO_PKG_NAME", "kernels-pkg")
        .env("CARGO_MANIFEST_DIR", cwd)
        .output()
        .unwrap()
}

fn digest(path: &Path) -> String {
    gate_support::digest::sha256_file(path).unwrap().0
}

#[test]
fn outputs_are_the_same_byte_for_byte_and_the_record_names_what_was_compiled() {
    let Some(real) = nvcc() else { return };
    let dir = tree();
    let home = witness(dir.path(), &real);
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    for mode in ["ptx", "cubin", "fatbin"] {
        let plain = format!("plain.{mode}");
        let seen = format!("seen.{mode}");
        let a = run(
            &real,
            dir.path(),
            &out,
            &["-arch=sm_80", &format!("-{mode}"), "k/add.cu", "-o", &plain],
        );
        let b = run(
            &home.nvcc(),
            dir.path(),
            &out,
            &["-arch=sm_80", &format!("-{mode}"), "k/add.cu", "-o", &seen],
        );
        assert!(a.status.success() && b.status.success(), "{a:?} {b:?}");
        assert_eq!(a.stdout, b.stdout);
        assert_eq!(
            digest(&dir.path().join(&plain)),
            digest(&dir.path().join(&seen)),
            "{mode}"
        );
    }
    let read = record::read_out_dir(&out);
    assert!(read.witnessed && read.skipped.is_empty(), "{read:?}");
    assert_eq!(
        read.invocations.len(),
        3,
        "one record per witnessed compile"
    );
    let first = &read.invocations[0];
    assert_eq!(first.package.as_deref(), Some("kernels-pkg"));
    assert_eq!(first.archs, ["sm_80"]);
    assert_eq!(
        first.inputs,
        [gate_support::path::normalize(&dir.path().join("k/add.cu"))]
    );
    let header = gate_support::path::normalize(&dir.path().join("common/twice.cuh"));
    assert!(first.includes.contains(&header), "{:?}", first.includes);
    assert_eq!(first.exit_code, Some(0));
    assert_eq!(
        first.args,
        ["-arch=sm_80", "-ptx", "k/add.cu", "-o", "seen.ptx"]
    );
    // The dependency file the compile wrote for the witness is gone; only records remain.
    let left: Vec<_> = std::fs::read_dir(out.join(record::DIR_NAME))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.iter().all(|n| n.to_string_lossy().ends_with(".json")),
        "{left:?}"
    );
}

#[test]
fn a_failing_compile_fails_the_same_way() {
    let Some(real) = nvcc() else { return };
    let dir = tree();
    let home = witness(dir.path(), &real);
    let out = dir.path().join("out");
    let a = run(&real, dir.path(), &out, &["-c", "k/bad.cu", "-o", "bad.o"]);
    let b = run(
        &home.nvcc(),
        dir.path(),
        &out,
        &["-c", "k/bad.cu", "-o", "bad.o"],
    );
    assert!(!a.status.success());
    assert_eq!(a.status.code(), b.status.code());
    assert_eq!(
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    assert!(
        String::from_utf8_lossy(&b.stderr).contains("k/bad.cu(1): error"),
        "{b:?}"
    );
    let read = record::read_out_dir(&out);
    assert_eq!(read.invocations.len(), 1);
    assert_ne!(read.invocations[0].exit_code, Some(0));
}

#[test]
fn parallel_compiles_are_each_recorded_whole() {
    let Some(real) = nvcc() else { return };
    let dir = tree();
    let home = witness(dir.path(), &real);
    let out = dir.path().join("out");
    let children: Vec<_> = (0..6)
        .map(|i| {
            Command::new(home.nvcc())
                .args([
                    "-arch=sm_80",
                    "-ptx",
                    "k/add.cu",
                    "-o",
                    &format!("p{i}.ptx"),
                ])
                .current_dir(dir.path())
                .env("OUT_DIR", &out)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let read = record::read_out_dir(&out);
    assert!(read.skipped.is_empty(), "{:?}", read.skipped);
    let mut outputs: Vec<_> = read
        .invocations
        .iter()
        .filter_map(|i| i.output.clone())
        .collect();
    outputs.sort();
    outputs.dedup();
    assert_eq!(outputs.len(), 6, "{outputs:?}");
}

#[test]
fn only_the_routes_a_build_already_has_lead_to_the_witness() {
    let Some(real) = nvcc() else { return };
    let dir = tree();
    let base = dir.path().join("witness");
    let exe = Path::new(env!("CARGO_BIN_EXE_gate-witness"));
    let bin = real.parent().unwrap().to_path_buf();
    let env_of = |pairs: Vec<(&'static str, OsString)>| {
        move |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.clone())
        }
    };
    // No route: nothing is rewritten (a build that falls back without nvcc still does).
    let none =
        install::environment(&base, exe, &env_of(vec![("PATH", "/nonexistent".into())])).unwrap();
    assert!(none.is_empty(), "{none:?}");
    // nvcc on PATH: PATH leads to the witness first; NVCC, unset, stays unset.
    let path = std::env::join_paths([bin.clone(), PathBuf::from("/usr/bin")]).unwrap();
    let env = install::environment(&base, exe, &env_of(vec![("PATH", path)])).unwrap();
    assert_eq!(
        env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["PATH"]
    );
    let get = |k: &str| env.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let witness = install::resolve(Route::Path, &get).unwrap();
    assert_eq!(
        install::behind(&witness),
        std::fs::canonicalize(&real).unwrap()
    );
    // The mirror: ptxas beside the witness is the real one.
    assert!(witness.parent().unwrap().join("ptxas").exists() || !bin.join("ptxas").exists());
    // Installed again: the same path, nothing rewritten (no fingerprint changes).
    let config_written = || {
        let home = base.read_dir().unwrap().next().unwrap().unwrap().path();
        std::fs::symlink_metadata(home.join(install::CONFIG))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = config_written();
    let again = install::environment(
        &base,
        exe,
        &env_of(vec![("PATH", std::env::join_paths([bin.clone()]).unwrap())]),
    )
    .unwrap();
    assert_eq!(
        install::resolve(Route::Path, &|k: &str| again
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())),
        Some(witness)
    );
    let after = config_written();
    assert_eq!(before, after);
    // NVCC set: rewritten to the witness of the compiler it names.
    let env =
        install::environment(&base, exe, &env_of(vec![("NVCC", real.clone().into())])).unwrap();
    assert_eq!(env.len(), 1);
    assert_eq!(
        install::behind(Path::new(&env[0].1)),
        std::fs::canonicalize(&real).unwrap()
    );
}

#[test]
fn every_toolkit_root_variable_a_build_has_leads_to_the_witness() {
    // find_cuda_helper (cust, Sunscreen) looks at CUDA_PATH, CUDA_ROOT, CUDA_TOOLKIT_ROOT_DIR
    // and runs `<root>/bin/nvcc`: each one set is a route, and only the ones set are.
    let Some(real) = nvcc() else { return };
    let dir = tree();
    let base = dir.path().join("witness");
    let exe = Path::new(env!("CARGO_BIN_EXE_gate-witness"));
    let root: OsString = real.parent().unwrap().parent().unwrap().into();
    for var in ["CUDA_ROOT", "CUDA_TOOLKIT_ROOT_DIR"] {
        let get = |k: &str| (k == var).then(|| root.clone());
        let env = install::environment(&base, exe, &get).unwrap();
        assert_eq!(
            env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            [var],
            "{env:?}"
        );
        let rewritten = |k: &str| env.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let witness = install::resolve(Route::Root(var), &rewritten).unwrap();
        assert_eq!(
            install::behind(&witness),
            std::fs::canonicalize(&real).unwrap(),
            "{var}"
        );
        // The mirrored root still has what find_cuda_helper checks for (`include/`).
        let home = PathBuf::from(&env[0].1);
        assert_eq!(
            home.join("include").exists(),
            Path::new(&root).join("include").exists()
        );
    }
}

/// What ran nvcc below the build script, from the parents the witness finds up to it (a
/// program named `build-script-build`, as cargo names each): nothing where the script ran
/// nvcc itself, `sh` where a shell line did (a Makefile's recipe, `sh -c`). Linux only:
/// elsewhere nothing is said of the way.
#[cfg(target_os = "linux")]
#[test]
fn the_programs_between_the_build_script_and_nvcc_are_recorded() {
    let Some(real) = nvcc() else { return };
    let dir = tree();
    let home = witness(dir.path(), &real);
    let script = dir.path().join("build-script-build");
    std::fs::copy("/bin/sh", &script).unwrap();
    let through = |line: String| {
        let out = dir.path().join(format!("out-{}", line.len()));
        std::fs::create_dir_all(&out).unwrap();
        let ran = Command::new(&script)
            .args(["-c", &line])
            .current_dir(dir.path())
            .env("OUT_DIR", &out)
            .env("CARGO_PKG_NAME", "kernels-pkg")
            .status()
            .unwrap();
        assert!(ran.success(), "{line}");
        let read = record::read_out_dir(&out);
        assert_eq!(read.invocations.len(), 1, "{read:?}");
        read.invocations[0].through.clone()
    };
    let nvcc = home.nvcc().display().to_string();
    let compile = format!("'{nvcc}' -ptx k/add.cu -o add.ptx");
    assert!(through(format!("{compile}; true")).is_empty());
    assert_eq!(through(format!("sh -c \"{compile}; true\"; true")), ["sh"]);
}
