//! Facts gathered from small trees written here: packages and their roles, owners, CUDA
//! sources and their builders, and the error lines of failed builds.

use super::*;
use crate::checks::testing::write_files;
use crate::workspace::Workspace;
use std::path::Path;

fn workspace(root: &Path, members: &[&str]) -> Workspace {
    Workspace::for_tests(root, members)
}

fn package(name: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n")
}

#[test]
fn roles_follow_membership_and_path_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    let app = format!(
        "{}[dependencies]\nfast = {{ path = \"../crates/fast\", optional = true }}\nshared.workspace = true\n[dev-dependencies]\npatched = \"0.1\"\n",
        package("app")
    );
    write_files(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"app\"]\nexclude = [\"crates/fast\"]\n\
                 [workspace.dependencies]\nshared = { path = \"crates/shared\" }\n\
                 [workspace.package]\nrust-version = \"1.80\"\n\
                 [patch.crates-io]\npatched = { path = \"crates/patched\" }\n",
            ),
            ("crates/patched/Cargo.toml", &package("patched")),
            ("app/Cargo.toml", &app),
            ("app/src/main.rs", ""),
            ("crates/fast/Cargo.toml", &package("fast")),
            ("crates/fast/kernels/k.cu", ""),
            (
                "crates/shared/Cargo.toml",
                &format!("{}rust-version.workspace = true\n", package("shared")),
            ),
            ("tests/fixtures/f/Cargo.toml", &package("fixture")),
            ("tests/fixtures/f/x.cu", ""),
            ("kernels/loose.cu", ""),
            ("target/debug/junk.cu", ""),
        ],
    );
    let ws = workspace(dir.path(), &["app"]);
    let facts = Facts::gather(&ws, Vec::new());
    let roles: Vec<(&str, Role)> = facts
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("app", Role::Member),
            ("fast", Role::PathDependency),
            ("patched", Role::PathDependency),
            ("shared", Role::PathDependency),
            ("fixture", Role::Other),
        ]
    );
    // A registry dependency the root patches to a path is that path (`[patch.crates-io]`):
    // a test binary of `app` reads its files.
    let app = facts.packages.iter().find(|p| p.name == "app").unwrap();
    assert!(
        app.path_deps.iter().any(|d| d.ends_with("crates/patched")),
        "{:?}",
        app.path_deps
    );
    let shared = facts.packages.iter().find(|p| p.name == "shared").unwrap();
    assert_eq!(shared.rust_version.as_deref(), Some("1.80"));
    let owners: Vec<(&str, Option<&str>)> = facts
        .cuda
        .iter()
        .map(|c| {
            (
                c.rel.as_str(),
                c.owner.map(|o| facts.packages[o].name.as_str()),
            )
        })
        .collect();
    // The target directory is no part of the tree.
    assert_eq!(
        owners,
        [
            ("crates/fast/kernels/k.cu", Some("fast")),
            ("kernels/loose.cu", None),
            ("tests/fixtures/f/x.cu", Some("fixture")),
        ]
    );
    assert!(facts.gate_build_dependents().is_empty());
}

#[test]
fn gate_build_dependents_are_read_from_every_table() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"a\", \"b\", \"c\"]\n[workspace.dependencies]\ngate-build = \"0.1\"\n",
            ),
            (
                "a/Cargo.toml",
                &format!(
                    "{}[build-dependencies]\ngate-build.workspace = true\n",
                    package("a")
                ),
            ),
            (
                "b/Cargo.toml",
                &format!(
                    "{}[target.'cfg(unix)'.build-dependencies]\nkb = {{ package = \"gate-build\", version = \"0.1\" }}\n",
                    package("b")
                ),
            ),
            (
                "c/Cargo.toml",
                &format!("{}[dependencies]\ngate-builder = \"1\"\n", package("c")),
            ),
            (
                "a/build.rs",
                "fn main() { gate_build::Kernels::new().build().ok(); }\n",
            ),
            ("a/src/k.cu", ""),
        ],
    );
    let ws = workspace(dir.path(), &["a", "b", "c"]);
    let facts = Facts::gather(&ws, Vec::new());
    assert_eq!(facts.gate_build_dependents(), ["a", "b"]);
    let cargo = crate::tools::cargo::Cargo::new(dir.path(), true);
    let (sources, builders) = crate::bom::sources(&facts, &cargo);
    let k = sources.iter().find(|s| s.path == "a/src/k.cu").unwrap();
    assert_eq!(
        k.built_by
            .iter()
            .map(|&b| (builders[b].kind, builders[b].at.as_str()))
            .collect::<Vec<_>>(),
        [(KernelBuilder::GateBuild, "a/build.rs:1")]
    );
}

#[test]
fn builders_are_read_from_build_scripts() {
    let cases: &[(&str, Option<(KernelBuilder, usize)>)] = &[
        (
            "use std::process::Command;\n// nvcc in a comment\nfn main() {\n    Command::new(\"nvcc\").arg(\"-ptx\");\n}\n",
            Some((KernelBuilder::Nvcc, 4)),
        ),
        // Reading `$NVCC` compiles nothing (the old line-based reading called this raw nvcc).
        (
            "fn main() {\n    let nvcc = std::env::var(\"NVCC\").unwrap_or(\"nvcc\".into());\n}\n",
            None,
        ),
        (
            "fn main() {\n    let b = bindgen_cuda::Builder::default();\n    // runs nvcc\n}\n",
            Some((KernelBuilder::BindgenCuda, 2)),
        ),
        // Importing a builder is not building.
        ("use cudaforge::KernelBuilder;\nfn main() {}\n", None),
        (
            "fn main() {\n    cc::Build::new()\n        .cuda(true)\n        .file(\"k.cu\");\n}\n",
            // At the line that makes it a CUDA build.
            Some((KernelBuilder::Cc, 3)),
        ),
        // cc without .cuda(true) compiles C, not CUDA.
        (
            "fn main() {\n    cc::Build::new().file(\"k.c\").compile(\"k\");\n}\n",
            None,
        ),
        (
            "fn main() { println!(\"cargo:rerun-if-changed=nvcc_wrapper\"); }\n",
            None,
        ),
        ("fn main() {}\n", None),
    ];
    for (script, expected) in cases {
        assert_eq!(detect_builder(script), *expected, "{script}");
    }
}

/// A failed link names the missing library, not the linker's command line before it; a
/// missing system library found by pkg-config in a build script keeps its sentence.
#[test]
fn build_errors_name_the_missing_library() {
    let command = format!(
        "  = note:  \"cc\" \"-m64\" \"/w/target/debug/deps/rustcYD/symbols.o\" {}",
        "\"-Wl,--as-needed\" ".repeat(400)
    );
    let log = format!(
        "   Compiling app v0.1.0 (/w/app)\n\
         error: linking with `cc` failed: exit status: 1\n  |\n{command}\n\
         \x20 = note: some arguments are omitted. use `--verbose` to show all linker arguments\n\
         \x20 = note: rust-lld: error: unable to find library -lnosuchlib\n\
         \x20         collect2: error: ld returned 1 exit status\n\n\
         error: could not compile `app` (bin \"app\") due to 1 previous error\n"
    );
    assert_eq!(
        build_errors(&log),
        [
            "error: linking with `cc` failed: exit status: 1\n  \
             = note: rust-lld: error: unable to find library -lnosuchlib\n          \
             collect2: error: ld returned 1 exit status",
            "error: could not compile `app` (bin \"app\") due to 1 previous error",
        ]
    );
    let pkg_config = "error: failed to run custom build command for `foo-sys v0.1.0`\n\
\n\
Caused by:\n  \
process didn't exit successfully: `/w/target/debug/build/foo-sys-1/build-script-build` (exit status: 101)\n  \
--- stderr\n\n  \
thread 'main' panicked at build.rs:2:52:\n  \
called `Result::unwrap()` on an `Err` value: pkg-config exited with status code 1\n  \
> PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 pkg-config --libs --cflags foo\n\n  \
The system library `foo` required by crate `foo-sys` was not found.\n  \
The file `foo.pc` needs to be installed and the PKG_CONFIG_PATH environment variable must contain its parent directory.\n";
    let errors = build_errors(pkg_config);
    assert!(
        errors[0].contains("The system library `foo` required by crate `foo-sys` was not found."),
        "{errors:?}"
    );
    assert!(
        errors[0].contains("panicked at build.rs:2:52"),
        "{errors:?}"
    );
}

#[test]
fn build_errors_keep_the_cause() {
    let log = "   Compiling app v0.1.0 (/w/app)\n\
error[E0425]: cannot find value `x` in this scope\n \
 --> src/lib.rs:3:5\n  \
|\n\
3 |     x\n  \
|     ^ not found in this scope\n\
\n\
error: could not compile `app` (lib) due to 1 previous error\n";
    assert_eq!(
        build_errors(log),
        [
            "error[E0425]: cannot find value `x` in this scope\n --> src/lib.rs:3:5",
            "error: could not compile `app` (lib) due to 1 previous error",
        ]
    );
    let msrv = "error: rustc 1.95.0 is not supported by the following package:\n  app@0.1.0 requires rustc 1.96\n  app@0.1.0 requires rustc 1.96\n\n";
    assert_eq!(
        build_errors(msrv),
        [
            "error: rustc 1.95.0 is not supported by the following package:\n  app@0.1.0 requires rustc 1.96"
        ]
    );
    let script = "error: failed to run custom build command for `sys v0.1.0 (/w/sys)`\n\n\
Caused by:\n  process didn't exit successfully: `/w/target/debug/build/sys-1/build-script-build` (exit status: 101)\n  \
--- stdout\n  cargo:rerun-if-changed=wrapper.h\n\n  \
--- stderr\n\n  thread 'main' panicked at build.rs:4:10:\n  \
Unable to find libclang: \"couldn't find any valid shared libraries matching: ['libclang.so']\"\n  \
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
    let errors = build_errors(script);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("Unable to find libclang"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("exit status: 101"), "{}", errors[0]);
    assert!(
        !errors[0].contains("cargo:rerun-if-changed"),
        "{}",
        errors[0]
    );

    // With RUST_BACKTRACE set where the gate runs (it passes the variable on, and keys the run
    // by it), the panic's message, not frames 8–17.
    let frames: String = (0..18)
        .map(|n| {
            format!("  {n:>3}: bindgen::frame_{n}\n             at /r/bindgen/src/lib.rs:{n}:1\n")
        })
        .collect();
    let with_trace = format!(
        "error: failed to run custom build command for `sys v0.1.0 (/w/sys)`\n\n\
Caused by:\n  process didn't exit successfully: `/w/target/debug/build/sys-1/build-script-build` (exit status: 101)\n  \
--- stderr\n\n  thread 'main' panicked at build.rs:4:10:\n  \
Unable to find libclang\n  stack backtrace:\n{frames}  \
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n"
    );
    let errors = build_errors(&with_trace);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("panicked at build.rs:4:10"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("Unable to find libclang"),
        "{}",
        errors[0]
    );
    assert!(!errors[0].contains("frame_"), "{}", errors[0]);

    // `main` returning an error through anyhow, with a backtrace (M4tthewDE/rustygrad's
    // torch-sys: the download that failed, not frames 19–24).
    let anyhow = format!(
        "error: failed to run custom build command for `torch-sys v0.14.0`\n\n\
Caused by:\n  process didn't exit successfully: `/w/target/debug/build/torch-sys-1/build-script-build` (exit status: 1)\n  \
--- stderr\n  Error: https://example.invalid/libtorch.zip: Dns Failed: resolve dns name\n\n  \
Stack backtrace:\n{frames}"
    );
    let errors = build_errors(&anyhow);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("Error: https://example.invalid/libtorch.zip: Dns Failed"),
        "{}",
        errors[0]
    );
    assert!(!errors[0].contains("frame_"), "{}", errors[0]);

    // A tool's early `Error: ` line on stdout, then its work and the script's panic: the
    // lines kept are still the last ones, and the panic's.
    let work: String = (0..40).map(|n| format!("  step {n}\n")).collect();
    let early = format!(
        "error: failed to run custom build command for `sys v0.1.0 (/w/sys)`\n\n\
Caused by:\n  process didn't exit successfully: `/w/build-script-build` (exit status: 101)\n  \
--- stdout\n  Error: optional foo not found, skipping\n{work}  step last\n  \
--- stderr\n  thread 'main' panicked at build.rs:9:5:\n  make failed\n"
    );
    let errors = build_errors(&early);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(!errors[0].contains("optional foo"), "{}", errors[0]);
    assert!(
        errors[0].contains("step last") && errors[0].contains("panicked at build.rs:9:5"),
        "{}",
        errors[0]
    );
}

/// A CUDA compile that fails under cc: nvcc's own error line (cc hands it on as a
/// `cargo:warning=`) is kept first, ahead of cc's echo of the long nvcc command line.
#[test]
fn build_errors_name_nvccs_own_error_line() {
    let echo = format!(
        "  error occurred in cc-rs: command did not execute successfully (status code exit status: 2): \"/cuda/bin/nvcc\" {}\"-c\" \"../csrc/ops.cu\"\n",
        "\"-Xcompiler\" \"-march=x86-64\" ".repeat(40)
    );
    let log = format!(
        "error: failed to run custom build command for `kernels-sys v0.1.0 (/w/kernels-sys)`\n\n\
Caused by:\n  \
process didn't exit successfully: `/w/target/debug/build/kernels-sys-1/build-script-build` (exit status: 1)\n  \
--- stdout\n  \
cargo:rerun-if-env-changed=NVCC\n  \
cargo:warning=../csrc/ops.cu(14): error: identifier \"undeclared_fn\" is undefined\n  \
cargo:warning=  __attribute__((global)) void broken() {{ undeclared_fn(); }}\n  \
cargo:warning=1 error detected in the compilation of \"../csrc/ops.cu\".\n\n  \
--- stderr\n\n\n{echo}\n"
    );
    let errors = build_errors(&log);
    let block: Vec<&str> = errors[0].lines().collect();
    let nvcc = block.iter().position(|l| {
        *l == "  ../csrc/ops.cu(14): error: identifier \"undeclared_fn\" is undefined"
    });
    let echo = block
        .iter()
        .position(|l| l.contains("error occurred in cc-rs"));
    assert!(nvcc.is_some() && nvcc < echo, "{errors:?}");
    assert!(!is_compiler_diagnostic(
        "error: failed to run custom build command"
    ));
    assert!(is_compiler_diagnostic("src/k.c:3:1: error: expected ';'"));
    assert!(is_compiler_diagnostic(
        "k.cu(3): fatal error: x.cuh: No such file"
    ));
}

/// nvcc refusing an arch under cc (jerahmie/massively_parallel, CUDA 13 and `compute_60`):
/// its `nvcc fatal` line is the cause and is kept, first; cc's echo of the variables it read
/// is not kept in its place.
#[test]
fn build_errors_keep_nvccs_fatal_line_over_ccs_variables() {
    let variables: String = (0..20)
        .map(|i| format!("  CXXFLAGS_{i} = None\n  cargo:rerun-if-env-changed=CXXFLAGS_{i}\n"))
        .collect();
    let log = format!(
        "warning: gpu_query@0.1.0: nvcc fatal   : Unsupported gpu architecture 'compute_60'\n\
error: failed to run custom build command for `gpu_query v0.1.0 (/w)`\n\n\
Caused by:\n  \
process didn't exit successfully: `/w/target/debug/build/gpu_query-1/build-script-build` (exit status: 1)\n  \
--- stdout\n{variables}  CC = Some(gcc)\n  \
cargo:warning=nvcc fatal   : Unsupported gpu architecture 'compute_60'\n\n  \
--- stderr\n\n\n  error occurred in cc-rs: command did not execute successfully\n"
    );
    let errors = build_errors(&log);
    let block: Vec<&str> = errors[0].lines().collect();
    assert!(
        block.contains(&"  nvcc fatal   : Unsupported gpu architecture 'compute_60'"),
        "{block:#?}"
    );
    assert!(
        !block
            .iter()
            .any(|l| l.contains(" = None") || l.contains("Some(gcc)")),
        "{block:#?}"
    );
    assert!(is_compiler_diagnostic(
        "ptxas fatal   : Unresolved extern function 'f'"
    ));
    assert!(!is_compiler_diagnostic("nvcc is at /usr/bin: fatal not"));
}

/// CI's feature selection is blamed, and the default features' graph asked instead, only
/// where a selection could have had a graph: with no Cargo.lock (or a lockfile whose sources
/// are out of reach) every selection fails alike, and asking again costs cargo's retries.
#[test]
fn ci_features_are_blamed_only_where_a_graph_was_possible() {
    // No cargo to run where the Windows unit tests run under Wine: nothing to show there.
    if !crate::checks::testing::runs("cargo") {
        return;
    }
    let graph = |lockfile: bool| {
        let dir = tempfile::tempdir().unwrap();
        let mut files = vec![
            (
                "Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("src/lib.rs", ""),
            (
                ".github/workflows/ci.yml",
                "jobs:\n  a:\n    steps:\n      - run: cargo test --locked --features nope\n",
            ),
        ];
        if lockfile {
            files.push((
                "Cargo.lock",
                "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n",
            ));
        }
        write_files(dir.path(), &files);
        let ws = workspace(dir.path(), &["app"]);
        let facts = Facts::gather(&ws, Vec::new());
        let cargo = crate::tools::cargo::Cargo::new(dir.path(), true);
        let host = ["x86_64-unknown-linux-gnu"];
        let (tree, _, unknown) = facts.built_tree(&cargo, &host);
        (tree, unknown)
    };
    let (tree, unknown) = graph(true);
    assert!(tree.is_ok(), "{tree:?}");
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(
        unknown[0].starts_with(
            "CI builds with `--workspace --features nope`, which cargo cannot resolve here"
        ),
        "{unknown:?}"
    );
    let (tree, unknown) = graph(false);
    // Cargo is not asked: its `--locked` would refuse to write a lockfile only after resolving.
    assert_eq!(tree, Err(super::ran::NO_LOCKFILE.to_owned()));
    assert!(unknown.is_empty(), "{unknown:?}");
}

/// tfhe-rs pins a toolchain this machine lacks: what kept the kernels and the tests from
/// being built is that, not the lockfile (which resolves wherever the toolchain is there).
#[test]
fn an_unresolved_lockfile_says_what_the_environment_lacks() {
    use crate::tools::cargo::Unavailable;
    let failed = |unavailable: Option<Unavailable>, error: &str| Resolve::Failed {
        unavailable,
        error: error.to_owned(),
        log: String::new(),
    };
    let missing = failed(
        Some(Unavailable::ToolchainNotInstalled("1.91.1".to_owned())),
        "toolchain '1.91.1' is not installed",
    );
    assert_eq!(
        missing.why_unresolved(),
        "the pinned toolchain `1.91.1` is not installed (run `rustup toolchain install 1.91.1`)"
    );
    let stale = failed(None, "the lock file needs to be updated");
    assert_eq!(stale.why_unresolved(), "Cargo.lock does not resolve");
    let none = failed(None, super::ran::NO_LOCKFILE);
    assert_eq!(none.why_unresolved(), "there is no Cargo.lock");
}
