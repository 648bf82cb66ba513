//! Tests of the CUDA bill of materials: attribution, helpers beside the workspace, NVRTC
//! sources, the graph without a lockfile.

use super::*;
use crate::workspace::Workspace;
use gate_formats::kernel_bom::BuilderKind;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Where each builder that builds the source at `path` is called.
fn built_by<'b>(
    sources: &[gate_formats::kernel_bom::SourceFile],
    builders: &'b [gate_formats::kernel_bom::Builder],
    path: &str,
) -> Vec<&'b str> {
    let source = sources.iter().find(|s| s.path == path).unwrap();
    source
        .built_by
        .iter()
        .map(|&b| builders[b].at.as_str())
        .collect()
}

/// Real-world false verdicts, each reduced to its shape (docs/REAL-WORLD.md): a header
/// reached only through a C header was "built" by the call (not included); a package that
/// does not ship (an example crate) vanished from the inventory; a graph that could not be
/// read was not said (now: one without a lockfile is resolved aside, and that is said); a
/// `.h` holding the kernels a `.cu` only includes (candle-flash-attn-v1's `fmha_kernel.h`)
/// was not listed, where a `.cuh` it includes was.
#[test]
fn includes_go_through_c_headers_what_does_not_ship_is_kept_and_an_unread_graph_is_said() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"k\"]\n"),
            (
                "k/Cargo.toml",
                "[package]\nname = \"k\"\nversion = \"0.1.0\"\n",
            ),
            ("k/src/lib.rs", ""),
            (
                "k/build.rs",
                "fn main() {\n    cc::Build::new()\n        .cuda(true)\n        .file(\"csrc/a.cu\")\n        .compile(\"a\");\n}\n",
            ),
            (
                "k/csrc/a.cu",
                "#include \"ops.h\"\n#include \"fmha.h\"\n__global__ void a() {}\n",
            ),
            ("k/csrc/ops.h", "#include \"deep/kernel.cuh\"\n"),
            (
                "k/csrc/fmha.h",
                "template <int N>\n__global__ void fmha(float* out) {}\n",
            ),
            (
                "k/csrc/deep/kernel.cuh",
                "__device__ int one() { return 1; }\n",
            ),
            (
                "examples/demo/Cargo.toml",
                "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n",
            ),
            (
                "examples/demo/build.rs",
                "fn main() {\n    std::process::Command::new(\"nvcc\").args([\"-arch=native\", \"d.cu\"]).status().unwrap();\n}\n",
            ),
            ("examples/demo/d.cu", "__global__ void d() {}\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["k"]);
    let facts = Facts::gather(&ws, Vec::new());
    let config = crate::config::defaults(&crate::registry::known());
    let cargo = Cargo::new(dir.path(), true);
    let bom = gather(
        &facts,
        &cargo,
        &config,
        Depth::Static("not built in this test"),
    );
    let source = |path: &str| {
        bom.sources
            .iter()
            .find(|s| s.path == path)
            .unwrap_or_else(|| panic!("{path} not inventoried: {:#?}", bom.sources))
    };
    assert_eq!(source("k/csrc/a.cu").included_by, None);
    assert_eq!(
        source("k/csrc/deep/kernel.cuh").included_by.as_deref(),
        Some("k/csrc/ops.h"),
        "{bom:#?}"
    );
    assert!(source("k/csrc/a.cu").ships);
    let fmha = source("k/csrc/fmha.h");
    assert_eq!(fmha.kind, FileKind::Header);
    assert_eq!(fmha.included_by.as_deref(), Some("k/csrc/a.cu"));
    assert!(!fmha.built_by.is_empty() && fmha.ships, "{fmha:#?}");
    assert!(
        !bom.sources.iter().any(|s| s.path == "k/csrc/ops.h"),
        "a header of host code is no CUDA source: {:#?}",
        bom.sources
    );
    let demo = source("examples/demo/d.cu");
    assert!(!demo.ships, "an example crate does not ship: {demo:#?}");
    let nvcc = bom
        .builders
        .iter()
        .find(|b| b.kind == BuilderKind::Nvcc)
        .expect("the example's nvcc call is inventoried");
    assert!(nvcc.native_arch && !nvcc.ships, "{nvcc:#?}");
    // No Cargo.lock: the graph is resolved in a scratch copy, and said so (where cargo can be
    // started: under Wine it cannot, and the graph is said to be unread); the tree is left
    // without a lockfile either way.
    if crate::checks::testing::runs("cargo") {
        assert_eq!(bom.graph_unread, None);
        assert_eq!(bom.graph_resolved.as_deref(), Some(UNLOCKED));
    } else {
        let unread = bom.graph_unread.as_deref().unwrap_or_default();
        assert!(unread.starts_with("there is no Cargo.lock"), "{unread}");
    }
    assert!(!dir.path().join("Cargo.lock").exists());
}

/// The shape met on a workspace we had not tried: the build script gets its `cc::Build` from a
/// helper in a path dependency outside the workspace root, where `.cuda(true)` and
/// `-arch=native` are set.
#[test]
fn a_helper_in_a_path_dependency_outside_the_root_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    write(
        dir.path(),
        &[
            ("ws/Cargo.toml", "[workspace]\nmembers = [\"k\"]\n"),
            (
                "ws/k/Cargo.toml",
                "[package]\nname = \"k\"\nversion = \"0.1.0\"\n[build-dependencies]\nhelpers = { path = \"../../helpers\" }\n",
            ),
            ("ws/k/src/lib.rs", ""),
            (
                "ws/k/build.rs",
                "fn main() {\n    let mut b: cc::Build = helpers::build::ccmd();\n    b.file(\"cuda/x.cu\").compile(\"x\");\n}\n",
            ),
            (
                "ws/k/cuda/x.cu",
                "#include \"util.cuh\"\n__global__ void x() {}\n",
            ),
            ("common/util.cuh", "#include \"detail/more.cuh\"\n"),
            (
                "common/detail/more.cuh",
                "__device__ int one() { return 1; }\n",
            ),
            ("elsewhere/unrelated.cuh", ""),
            (
                "helpers/Cargo.toml",
                "[package]\nname = \"helpers\"\nversion = \"0.1.0\"\n",
            ),
            ("helpers/src/lib.rs", "pub mod build;\n"),
            (
                "helpers/src/build.rs",
                "pub fn ccmd() -> cc::Build {\n    let mut b = cc::Build::new();\n    b.cuda(true).flag(\"-arch=native\").include(\"../../common\");\n    b\n}\n",
            ),
        ],
    );
    let ws = Workspace::for_tests(&root, &["k"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    let x = sources.iter().find(|s| s.path == "k/cuda/x.cu").unwrap();
    let named: Vec<&Builder> = x.built_by.iter().map(|&b| &builders[b]).collect();
    assert_eq!(named.len(), 1, "{sources:#?} {builders:#?}");
    assert_eq!(
        (named[0].kind, named[0].at.as_str(), named[0].via.as_deref()),
        (
            BuilderKind::Cc,
            "k/build.rs:2",
            Some("../helpers/src/build.rs:1")
        )
    );
    assert!(named[0].native_arch, "{:#?}", named[0]);
    // The headers beside the workspace, in the helper's include directory, are followed.
    let beside: Vec<(&str, Option<&str>, usize)> = sources
        .iter()
        .filter(|s| s.path.starts_with("../"))
        .map(|s| (s.path.as_str(), s.included_by.as_deref(), s.built_by.len()))
        .collect();
    assert_eq!(
        beside,
        [
            ("../common/detail/more.cuh", Some("../common/util.cuh"), 1),
            ("../common/util.cuh", Some("k/cuda/x.cu"), 1),
        ]
    );
}

/// A build script whose `cc::Build` comes from a registry crate's helper: read from cargo's
/// unpacked sources at the version Cargo.lock pins, or without one, at the newest unpacked.
#[test]
#[expect(
    clippy::disallowed_methods,
    reason = "a crate directory moved out of and back into cargo's unpacked sources"
)]
fn a_helper_in_a_registry_crate_is_read_from_cargos_unpacked_sources() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    write(
        dir.path(),
        &[
            ("ws/Cargo.toml", "[workspace]\nmembers = [\"k\"]\n"),
            (
                "ws/k/Cargo.toml",
                "[package]\nname = \"k\"\nversion = \"0.1.0\"\n[build-dependencies]\ngpu-helper = \"0.3\"\n",
            ),
            ("ws/k/src/lib.rs", ""),
            (
                "ws/k/build.rs",
                "fn main() {\n    gpu_helper::build::ccmd().file(\"cuda/x.cu\").compile(\"x\");\n}\n",
            ),
            ("ws/k/cuda/x.cu", "__global__ void x() {}\n"),
            (
                "ws/Cargo.lock",
                "version = 4\n\n[[package]]\nname = \"gpu-helper\"\nversion = \"0.3.1\"\nsource = \"registry+https://example.invalid/index\"\n\n[[package]]\nname = \"k\"\nversion = \"0.1.0\"\n",
            ),
            (
                "registry/src/index-1/gpu-helper-0.3.0/src/build.rs",
                "pub fn ccmd() -> cc::Build {\n    let mut b = cc::Build::new();\n    b.cuda(true).flag(\"-arch=sm_70\");\n    b\n}\n",
            ),
            (
                "registry/src/index-1/gpu-helper-0.3.1/src/build.rs",
                "pub fn ccmd() -> cc::Build {\n    let mut b = cc::Build::new();\n    b.cuda(true).flag(\"-arch=sm_90\");\n    b\n}\n",
            ),
        ],
    );
    let ws = Workspace::for_tests(&root, &["k"]);
    let facts = Facts::gather(&ws, Vec::new());
    let texts = helpers::registry_texts_in(&facts, &root, &dir.path().join("registry/src"), || {});
    let rels: Vec<&str> = texts.iter().map(|(rel, _)| rel.as_str()).collect();
    assert_eq!(
        rels,
        ["gpu-helper@0.3.1/src/build.rs"],
        "the locked version only"
    );
    let files: Vec<scripts::RustFile<'_>> = texts
        .iter()
        .map(|(rel, text)| scripts::RustFile { rel, text })
        .collect();
    let script = std::fs::read_to_string(root.join("k/build.rs")).unwrap();
    let found = scripts::analyse(
        &scripts::RustFile {
            rel: "k/build.rs",
            text: &script,
        },
        &scripts::helpers(&files),
    );
    assert_eq!(found.calls.len(), 1, "{found:#?}");
    assert_eq!(
        (
            found.calls[0].via.as_deref(),
            found.calls[0].archs.as_slice()
        ),
        (
            Some("gpu-helper@0.3.1/src/build.rs:1"),
            &["sm_90".to_owned()][..]
        )
    );
    // Not unpacked yet (a fresh cargo home): the workspace is resolved, which unpacks it,
    // and the helper is read; the builder no longer depends on what an earlier command
    // downloaded (found on lurk-lab/neptune with ec-gpu-gen). Unpacked, nothing is asked.
    // What is read, and how many times the resolve was asked, with `unpacked` moved away
    // until the resolve puts it back.
    let read_after_unpacking = |unpacked: &Path| {
        let away = dir.path().join("not-unpacked");
        std::fs::rename(unpacked, &away).unwrap();
        let asked = std::cell::Cell::new(0);
        let texts =
            helpers::registry_texts_in(&facts, &root, &dir.path().join("registry/src"), || {
                asked.set(asked.get() + 1);
                std::fs::rename(&away, unpacked).unwrap();
            });
        let rels: Vec<String> = texts.into_iter().map(|(rel, _)| rel).collect();
        (rels, asked.get())
    };
    let read = (vec!["gpu-helper@0.3.1/src/build.rs".to_owned()], 1);
    let locked = dir.path().join("registry/src/index-1/gpu-helper-0.3.1");
    assert_eq!(read_after_unpacking(&locked), read);
    helpers::registry_texts_in(&facts, &root, &dir.path().join("registry/src"), || {
        panic!("an unpacked helper needs no resolve")
    });
    // bellperson's shape, without a Cargo.lock: the newest unpacked version is read.
    std::fs::remove_file(root.join("Cargo.lock")).unwrap();
    let texts = helpers::registry_texts_in(&facts, &root, &dir.path().join("registry/src"), || {});
    let rels: Vec<&str> = texts.iter().map(|(rel, _)| rel.as_str()).collect();
    assert_eq!(rels, ["gpu-helper@0.3.1/src/build.rs"]);
    // And with no version unpacked (David-OConnor/ewald's `cuda_setup` in a fresh cargo
    // home): the workspace is resolved as cargo would today, which unpacks it, and it is read.
    assert_eq!(
        read_after_unpacking(&dir.path().join("registry/src/index-1")),
        read
    );
}

/// CUDA C++ embedded with `include_str!` in a crate that compiles with NVRTC is compiled by
/// NVRTC: by the call of the same file, else by every NVRTC call of the package.
#[test]
fn sources_embedded_for_nvrtc_are_built_by_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"jit\"]\n"),
            (
                "jit/Cargo.toml",
                "[package]\nname = \"jit\"\nversion = \"0.1.0\"\n",
            ),
            (
                "jit/src/lib.rs",
                "mod ops;\nuse cudarc::nvrtc;\npub fn jit(code: &str) -> nvrtc::Ptx {\n    nvrtc::compile_ptx(code).unwrap()\n}\npub fn own() -> nvrtc::Ptx {\n    nvrtc::compile_ptx(include_str!(\"own.cu\")).unwrap()\n}\n",
            ),
            ("jit/src/own.cu", "__global__ void own() {}\n"),
            (
                "jit/src/ops.rs",
                "pub fn add() -> cudarc::nvrtc::Ptx {\n    crate::jit(include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/kernels/add.cu\")))\n}\n",
            ),
            ("jit/kernels/add.cu", "#include \"common.cuh\"\n"),
            ("jit/kernels/common.cuh", ""),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["jit"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    let named = |path: &str| built_by(sources, builders, path);
    assert_eq!(named("jit/src/own.cu"), ["jit/src/lib.rs:7"]);
    assert_eq!(
        named("jit/kernels/add.cu"),
        ["jit/src/lib.rs:4", "jit/src/lib.rs:7"]
    );
    let common = sources
        .iter()
        .find(|s| s.path == "jit/kernels/common.cuh")
        .unwrap();
    assert_eq!(common.included_by.as_deref(), Some("jit/kernels/add.cu"));
}

/// YdrMaster/operators-rs: each `.cuh` embedded with `include_str!` is handed to NVRTC by
/// another package's function (`cuda::Ptx::compile`); with that wrapper a workspace member,
/// the source was "built by nothing" and the wrapper's NVRTC call "GPU code compiled from no
/// tracked CUDA source". A package that depends on the wrapper is compiled by its NVRTC; one
/// that takes it as a dev-dependency only, or does not depend on it, is not.
#[test]
fn a_source_embedded_for_a_member_that_wraps_nvrtc_is_built_by_its_nvrtc() {
    let dir = tempfile::tempdir().unwrap();
    let package = |name: &str, deps: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n{deps}")
    };
    let operators = package(
        "operators",
        "[dependencies]\ncuda = { path = \"../cuda\" }\n",
    );
    let tester = package(
        "tester",
        "[dev-dependencies]\ncuda = { path = \"../cuda\" }\n",
    );
    let lone = package("lone", "");
    let wrapper = package("cuda", "");
    let embeds = "const CODE: &str = include_str!(\"add.cuh\");\npub fn code() -> &'static str {\n    CODE\n}\n";
    write(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"operators\", \"cuda\", \"tester\", \"lone\"]\n",
            ),
            ("operators/Cargo.toml", &operators),
            ("operators/src/lib.rs", "pub mod add;\n"),
            (
                "operators/src/add/mod.rs",
                "use cuda::Ptx;\nconst CODE: &str = include_str!(\"add.cuh\");\npub fn compile() -> bool {\n    Ptx::compile(CODE).is_ok()\n}\n",
            ),
            ("operators/src/add/add.cuh", "__device__ void add() {}\n"),
            ("cuda/Cargo.toml", &wrapper),
            (
                "cuda/src/lib.rs",
                "pub struct Ptx;\nimpl Ptx {\n    pub fn compile(code: &str) -> Result<Ptx, i32> {\n        let r = unsafe { nvrtcCompileProgram(code) };\n        if r == 0 { Ok(Ptx) } else { Err(r) }\n    }\n}\n",
            ),
            ("tester/Cargo.toml", &tester),
            ("tester/src/lib.rs", embeds),
            ("tester/src/add.cuh", ""),
            ("lone/Cargo.toml", &lone),
            ("lone/src/lib.rs", embeds),
            ("lone/src/add.cuh", ""),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["operators", "cuda", "tester", "lone"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    let named = |path: &str| built_by(sources, builders, path);
    assert_eq!(named("operators/src/add/add.cuh"), ["cuda/src/lib.rs:4"]);
    assert!(named("tester/src/add.cuh").is_empty());
    assert!(named("lone/src/add.cuh").is_empty());
}

/// Haayhur/warp-md: a kernel crate exports its source (`pub const KERNELS_SRC: &str =
/// concat!(include_str!(..), ..)`) and the crate that depends on it compiles it by that name
/// with NVRTC: its parts were "built by nothing". A dependent whose NVRTC call names another
/// const, or one that takes it as a dev-dependency only, compiles none of them.
#[test]
fn a_source_a_kernel_crate_exports_is_built_by_the_nvrtc_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let package = |name: &str, deps: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n{deps}")
    };
    let gpu = package(
        "gpu",
        "[dependencies]\nkernels = { path = \"../kernels\" }\n",
    );
    let other = package(
        "other",
        "[dependencies]\nkernels = { path = \"../kernels\" }\n",
    );
    let tester = package(
        "tester",
        "[dev-dependencies]\nkernels = { path = \"../kernels\" }\n",
    );
    let compiles = |name: &str| {
        format!(
            "use kernels::{name};\npub fn jit() {{\n    let _ = cudarc::nvrtc::compile_ptx({name});\n}}\n"
        )
    };
    write(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"kernels\", \"gpu\", \"other\", \"tester\"]\n",
            ),
            ("kernels/Cargo.toml", &package("kernels", "")),
            (
                "kernels/src/lib.rs",
                "pub const KERNELS_SRC: &str = concat!(include_str!(\"part1.cu\"), include_str!(\"part2.cu\"));\npub const OTHER: &str = \"\";\n",
            ),
            ("kernels/src/part1.cu", "__global__ void a() {}\n"),
            ("kernels/src/part2.cu", "__global__ void b() {}\n"),
            ("gpu/Cargo.toml", &gpu),
            ("gpu/src/lib.rs", &compiles("KERNELS_SRC")),
            ("other/Cargo.toml", &other),
            ("other/src/lib.rs", &compiles("OTHER")),
            ("tester/Cargo.toml", &tester),
            ("tester/src/lib.rs", &compiles("KERNELS_SRC")),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["kernels", "gpu", "other", "tester"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    for part in ["kernels/src/part1.cu", "kernels/src/part2.cu"] {
        assert_eq!(
            built_by(sources, builders, part),
            ["gpu/src/lib.rs:3"],
            "{part}"
        );
    }
}

/// anderslanglands/optix-rs: an example embeds its device program and compiles it with NVRTC
/// in the same file (`include_str!("devicePrograms.cu")`, `Program::new(src, ..)`): built by
/// that NVRTC, which ships nothing; an example's NVRTC compiles no other file's source.
#[test]
fn an_example_that_compiles_its_own_source_with_nvrtc_builds_it_and_ships_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n"),
            (
                "app/Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
            ),
            (
                "app/src/lib.rs",
                "pub const LIB: &str = include_str!(\"lib.cu\");\n",
            ),
            ("app/src/lib.cu", "__global__ void l() {}\n"),
            (
                "app/examples/render/main.rs",
                "fn main() {\n    let src = include_str!(\"devicePrograms.cu\");\n    \
                 let _ = cudarc::nvrtc::compile_ptx(src);\n}\n",
            ),
            (
                "app/examples/render/devicePrograms.cu",
                "__global__ void k() {}\n",
            ),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["app"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    assert_eq!(
        built_by(sources, builders, "app/examples/render/devicePrograms.cu"),
        ["app/examples/render/main.rs:3"]
    );
    assert!(built_by(sources, builders, "app/src/lib.cu").is_empty());
    let example = builders
        .iter()
        .find(|b| b.at.starts_with("app/examples"))
        .unwrap();
    assert!(!example.ships, "{example:?}");
}

/// The thirteenth session's trials: NVRTC behind a feature (luminal's item, stwo-ml's module)
/// says so, and checked-in PTX that only `#[cfg(test)]` code reads by path (accel's
/// `tests/data/add.ptx`) ships in no crate.
#[test]
fn nvrtc_behind_a_feature_is_switched_and_test_data_ptx_does_not_ship() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"jit\"]\n"),
            (
                "jit/Cargo.toml",
                "[package]\nname = \"jit\"\nversion = \"0.1.0\"\n",
            ),
            (
                "jit/src/lib.rs",
                "#[cfg(feature = \"cuda-runtime\")]\npub mod gpu;\n#[cfg(feature = \"cuda\")]\npub fn item(src: &str) {\n    let _ = cudarc::nvrtc::compile_ptx(src);\n}\n#[cfg(test)]\nmod t {\n    #[test]\n    fn reads() {\n        let _ = std::fs::read_to_string(\"tests/data/add.ptx\");\n    }\n}\n",
            ),
            (
                "jit/src/gpu/mod.rs",
                "pub fn module(src: &str) {\n    let _ = cudarc::nvrtc::compile_ptx(src);\n}\n#[cfg(feature = \"ug\")]\npub fn nested(src: &str) {\n    let _ = cudarc::nvrtc::compile_ptx(src);\n}\n",
            ),
            ("jit/tests/data/add.ptx", ".version 6.5\n.target sm_30\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["jit"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    let switches: Vec<(&str, Option<&str>)> = builders
        .iter()
        .map(|b| (b.at.as_str(), b.switch.as_deref()))
        .collect();
    assert_eq!(
        switches,
        [
            ("jit/src/gpu/mod.rs:2", Some("feature \"cuda-runtime\"")),
            (
                "jit/src/gpu/mod.rs:6",
                Some("feature \"cuda-runtime\" and feature \"ug\"")
            ),
            ("jit/src/lib.rs:5", Some("feature \"cuda\"")),
        ]
    );
    let ptx = sources
        .iter()
        .find(|s| s.path == "jit/tests/data/add.ptx")
        .unwrap();
    assert!(!ptx.ships, "{ptx:?}");
}

/// A build-script helper handed the file to compile (grumpkin-msm's `compile_cuda`, found on
/// a real repository): each call builds the file it passes, and a file no call names is built
/// by nothing (it used to be "built" by every call).
#[test]
fn a_helper_builds_the_file_each_call_passes_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"fx\"]\n"),
            (
                "fx/Cargo.toml",
                "[package]\nname = \"fx\"\nversion = \"0.1.0\"\n",
            ),
            ("fx/src/lib.rs", ""),
            (
                "fx/build.rs",
                "fn main() {\n    compile_cuda(\"cuda/a.cu\", \"a\");\n    compile_cuda(\"cuda/b.cu\", \"b\");\n}\nfn compile_cuda(file_name: &str, out: &str) {\n    let mut nvcc = cc::Build::new();\n    nvcc.cuda(true);\n    nvcc.file(file_name).compile(out);\n}\n",
            ),
            ("fx/cuda/a.cu", "__global__ void a() {}\n"),
            ("fx/cuda/b.cu", "__global__ void b() {}\n"),
            ("fx/cuda/c.cu", "__global__ void c() {}\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["fx"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    let named = |path: &str| built_by(sources, builders, path);
    assert_eq!(named("fx/cuda/a.cu"), ["fx/build.rs:2"]);
    assert_eq!(named("fx/cuda/b.cu"), ["fx/build.rs:3"]);
    assert!(named("fx/cuda/c.cu").is_empty(), "{sources:#?}");
}

/// A kernel no static builder accounts for (a crate the repository does not track compiles
/// it) is accounted for by the compile the witness saw in that crate's build script; a failed
/// compile, or one of a crate that does not carry it, accounts for nothing.
#[test]
fn a_kernel_no_static_builder_accounts_for_is_accounted_for_by_a_witnessed_compile() {
    use gate_formats::kernel_bom::{Compile, Container, Kernel, KernelForm, Witnessed};
    let kernel = Kernel {
        digest: "sha256:00".to_owned(),
        form: KernelForm::Sass,
        arch: "sm_80".to_owned(),
        ptx_isa: None,
        min_driver: None,
        container: Container::FatbinSection,
        compressed: false,
        size: 1,
        crates: vec!["gem".to_owned(), "ulib".to_owned()],
        shipped: true,
        source: None,
    };
    let compile = |package: &str, ok: bool| Compile {
        package: package.to_owned(),
        builder: None,
        mode: "object".to_owned(),
        inputs: vec!["../eda-infra-rs/ulib/csrc/memfill.cu".to_owned()],
        includes: Vec::new(),
        includes_unread: None,
        archs: vec!["sm_80".to_owned()],
        ok,
        generated: false,
        output_outside_out_dir: None,
        earlier_run: false,
        through: Vec::new(),
    };
    let witness = |compiles| Witnessed {
        compiles,
        ..Witnessed::default()
    };
    assert_eq!(
        witnessed_by(
            &kernel,
            Some(&witness(vec![
                compile("ulib", false),
                compile("ulib", true)
            ]))
        )
        .as_deref(),
        Some(
            "nvcc in ulib's build script, witnessed compiling ../eda-infra-rs/ulib/csrc/memfill.cu"
        )
    );
    assert_eq!(
        witnessed_by(&kernel, Some(&witness(vec![compile("ulib", false)]))),
        None
    );
    assert_eq!(
        witnessed_by(&kernel, Some(&witness(vec![compile("other", true)]))),
        None
    );
    assert_eq!(witnessed_by(&kernel, None), None);
}

/// lambdaworks: `gpu`'s build script walks `math`'s shader directory and hands nvcc each
/// `.cu`: those files (and the header they include) are built by that call, not "by
/// nothing", and a `.cu` of `gpu`'s own the walk does not reach is not.
#[test]
fn a_walk_of_another_packages_directory_builds_what_it_finds() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"gpu\", \"math\"]\n"),
            (
                "gpu/Cargo.toml",
                "[package]\nname = \"gpu\"\nversion = \"0.1.0\"\n",
            ),
            ("gpu/src/lib.rs", ""),
            ("gpu/src/own.cu", "__global__ void own() {}\n"),
            (
                "gpu/build.rs",
                "fn main() {\n    compile_cuda_shaders();\n}\nfn compile_cuda_shaders() {\n    let source_dir = \"../math/src/shaders\";\n    for entry in walkdir::WalkDir::new(source_dir) {\n        let entry = entry.unwrap();\n        std::process::Command::new(\"nvcc\").arg(\"-ptx\").arg(entry.path()).status().unwrap();\n    }\n}\n",
            ),
            (
                "math/Cargo.toml",
                "[package]\nname = \"math\"\nversion = \"0.1.0\"\n",
            ),
            ("math/src/lib.rs", ""),
            (
                "math/src/shaders/field/k.cu",
                "#include \"k.cuh\"\n__global__ void k() {}\n",
            ),
            ("math/src/shaders/field/k.cuh", "#pragma once\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["gpu", "math"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    let named = |path: &str| built_by(sources, builders, path);
    assert_eq!(named("math/src/shaders/field/k.cu"), ["gpu/build.rs:2"]);
    assert_eq!(named("math/src/shaders/field/k.cuh"), ["gpu/build.rs:2"]);
    assert!(named("gpu/src/own.cu").is_empty(), "{sources:#?}");
}

/// The GPU files and builders of a package `zk` whose build script configures the CMake
/// project in `zk/cuda` with `define` (`"ZK_CUDA", "ON"`), given the project's
/// `CMakeLists.txt` and `more` files.
fn zk_cmake(
    define: &str,
    cmake_lists: &str,
    more: &[(&str, &str)],
) -> (Vec<SourceFile>, Vec<Builder>) {
    let dir = tempfile::tempdir().unwrap();
    let build_rs = format!(
        "fn main() {{\n    let dst = cmake::Config::new(\"cuda\").define({define}).build();\n}}\n"
    );
    let mut files = vec![
        ("Cargo.toml", "[workspace]\nmembers = [\"zk\"]\n"),
        (
            "zk/Cargo.toml",
            "[package]\nname = \"zk\"\nversion = \"0.1.0\"\n",
        ),
        ("zk/src/lib.rs", ""),
        ("zk/build.rs", &build_rs),
        ("zk/cuda/CMakeLists.txt", cmake_lists),
    ];
    files.extend_from_slice(more);
    write(dir.path(), &files);
    let ws = Workspace::for_tests(dir.path(), &["zk"]);
    let facts = Facts::gather(&ws, Vec::new());
    offline_sources(&facts).clone()
}

/// Who builds each GPU file of a package `zk` whose build script configures the CMake project
/// in `zk/cuda` with CUDA on, given the project's `CMakeLists.txt` and `more` files.
fn built_by_zk_cmake(cmake_lists: &str, more: &[(&str, &str)]) -> Vec<(String, Vec<String>)> {
    let (sources, builders) = &zk_cmake("\"ZK_CUDA\", \"ON\"", cmake_lists, more);
    let mut built: Vec<(String, Vec<String>)> = sources
        .iter()
        .map(|s| {
            let by = built_by(sources, builders, &s.path);
            (s.path.clone(), by.into_iter().map(str::to_owned).collect())
        })
        .collect();
    built.sort();
    built
}

/// tfhe's zk-cuda-backend: the CMake project in `cuda/` names `../src/wrap.cu` in its
/// `add_library`: the cmake call builds it, not "nothing".
#[test]
fn a_source_a_cmake_target_names_beside_its_project_is_built_by_the_call() {
    let built = built_by_zk_cmake(
        "project(zk LANGUAGES CXX CUDA)\nadd_library(zk STATIC src/core.cu ../src/wrap.cu)\n",
        &[
            ("zk/src/wrap.cu", "__global__ void w() {}\n"),
            ("zk/src/unused.cu", "__global__ void u() {}\n"),
            ("zk/cuda/src/core.cu", "__global__ void c() {}\n"),
        ],
    );
    let call = vec!["zk/build.rs:2".to_owned()];
    assert_eq!(
        built,
        [
            ("zk/cuda/src/core.cu".to_owned(), call.clone()),
            ("zk/src/unused.cu".to_owned(), Vec::new()),
            ("zk/src/wrap.cu".to_owned(), call),
        ]
    );
}

/// icicle: the build script switches CUDA on with a define and names no arch; the project's
/// own `CMAKE_CUDA_ARCHITECTURES native` is what it builds for.
#[test]
fn a_cmake_call_that_names_no_arch_builds_for_the_projects() {
    let (_, builders) = zk_cmake(
        "\"ZK_CUDA\", \"ON\"",
        "project(zk LANGUAGES CXX CUDA)\nset(CMAKE_CUDA_ARCHITECTURES native)\nadd_library(zk STATIC src/core.cu)\n",
        &[("zk/cuda/src/core.cu", "__global__ void c() {}\n")],
    );
    assert!(builders[0].native_arch, "{builders:?}");
    assert_eq!(builders[0].switch.as_deref(), Some("ZK_CUDA=ON"));
}

/// Aidenatgt/NeuralNet: the build script's define and the project's target property name
/// one arch; the builder says it once (it said `archs 120 120`).
#[test]
fn an_arch_the_script_and_its_cmake_project_both_name_is_said_once() {
    let (_, builders) = zk_cmake(
        "\"CMAKE_CUDA_ARCHITECTURES\", \"120\"",
        "project(zk LANGUAGES CUDA CXX)\nadd_library(zk SHARED src/core.cu)\nset_target_properties(zk PROPERTIES CUDA_ARCHITECTURES 120)\n",
        &[("zk/cuda/src/core.cu", "__global__ void c() {}\n")],
    );
    assert_eq!(builders.len(), 1, "{builders:?}");
    assert_eq!(builders[0].archs, ["120"], "{builders:?}");
}

/// text-generation-inference: a `.cu` under the project that none of its files names
/// (`cmake/utils/detect_cuda_arch.cu`) is not built by the cmake call, where the project names
/// every source it may compile; a `file(GLOB …)` keeps the directory's reach.
#[test]
fn a_cu_under_a_cmake_project_that_it_never_names_is_not_built() {
    let more = [
        ("zk/cuda/src/core.cu", "#include \"core.cuh\"\n"),
        ("zk/cuda/src/core.cuh", "#pragma once\n"),
        (
            "zk/cuda/cmake/utils/detect_cuda_arch.cu",
            "int main() { return 0; }\n",
        ),
    ];
    let call = vec!["zk/build.rs:2".to_owned()];
    let built = built_by_zk_cmake(
        "project(zk LANGUAGES CXX CUDA)\nadd_library(zk STATIC src/core.cu)\n",
        &more,
    );
    assert_eq!(
        built,
        [
            (
                "zk/cuda/cmake/utils/detect_cuda_arch.cu".to_owned(),
                Vec::new()
            ),
            ("zk/cuda/src/core.cu".to_owned(), call.clone()),
            ("zk/cuda/src/core.cuh".to_owned(), call.clone()),
        ]
    );
    let built = built_by_zk_cmake(
        "project(zk LANGUAGES CXX CUDA)\nfile(GLOB_RECURSE SRC *.cu)\nadd_library(zk STATIC ${SRC})\n",
        &more,
    );
    assert!(built.iter().all(|(_, by)| *by == call), "{built:?}");
}

/// tfhe-rs: the tests a CMake project adds only under an option that is off (and that the
/// build script never switches on) are not built by the cmake call.
#[test]
fn what_a_cmake_project_adds_under_an_option_that_is_off_is_not_built() {
    let built = built_by_zk_cmake(
        "project(zk LANGUAGES CXX CUDA)\nadd_library(zk STATIC src/core.cu)\noption(ZK_BUILD_TESTS \"Build the tests\" OFF)\nif(ZK_BUILD_TESTS)\n  add_subdirectory(tests)\nendif()\n",
        &[
            ("zk/cuda/src/core.cu", "__global__ void c() {}\n"),
            (
                "zk/cuda/tests/CMakeLists.txt",
                "add_executable(t test_core.cu)\n",
            ),
            ("zk/cuda/tests/test_core.cu", "__global__ void t() {}\n"),
        ],
    );
    assert_eq!(
        built,
        [
            (
                "zk/cuda/src/core.cu".to_owned(),
                vec!["zk/build.rs:2".to_owned()]
            ),
            ("zk/cuda/tests/test_core.cu".to_owned(), Vec::new()),
        ]
    );
}

/// tfhe-rs: a CMake project's configure-time probe (`check_cuda.cu`, compiled and run to pick
/// the archs) is its call's, marked a probe, and the builder probes the GPU; a source a second
/// project compiles through a directory variable lists both builders; what a directory added
/// under an option that is off names is not built.
#[test]
fn a_configure_time_probe_is_marked_and_a_shared_source_lists_both_projects() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![(
        "Cargo.toml",
        "[workspace]\nmembers = [\"common\", \"backend\"]\n",
    )];
    files.extend(crate::checks::testing::CMAKE_PROBE_AND_SHARED_SOURCE);
    write(dir.path(), &files);
    let ws = Workspace::for_tests(dir.path(), &["common", "backend"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    assert_eq!(
        built_by(sources, builders, "common/cuda/src/device.cu"),
        ["backend/build.rs:2", "common/build.rs:2"]
    );
    assert_eq!(
        built_by(sources, builders, "common/cuda/check_cuda.cu"),
        ["common/build.rs:2"]
    );
    assert!(
        built_by(sources, builders, "backend/src/test_only.cu").is_empty(),
        "named only by a directory added under an option that is off"
    );
    let probe = |path: &str| {
        let source = sources.iter().find(|s| s.path == path).unwrap();
        source.probe.clone()
    };
    assert_eq!(
        probe("common/cuda/check_cuda.cu").as_deref(),
        Some("common/cuda/CMakeLists.txt:4")
    );
    assert_eq!(probe("common/cuda/src/device.cu"), None);
    let common = builders.iter().find(|b| b.package == "common").unwrap();
    assert_eq!(
        common.gpu_probe.as_deref(),
        Some("common/cuda/CMakeLists.txt:4 (compiles and runs check_cuda.cu while configuring)")
    );
}

/// tfhe-rs' `helper_profile.cuh`: a header in another project's include directory, which this
/// project names through a variable in `target_include_directories`, is included by this
/// project's sources too, so both projects build it.
#[test]
fn a_header_in_an_include_directory_a_project_names_is_built_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let cmake = |name: &str, more: &str| {
        format!(
            "project({name} LANGUAGES CXX CUDA)\nadd_library({name} STATIC src/{name}.cu)\n{more}"
        )
    };
    let backend = cmake(
        "backend",
        "set(INC ${CMAKE_CURRENT_SOURCE_DIR}/../../common/cuda/include)\n\
         target_include_directories(backend PUBLIC ${INC})\n",
    );
    let script = "fn main() {\n    let _ = cmake::Config::new(\"cuda\").build();\n}\n";
    let package = |name: &str| format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n");
    let (common_toml, backend_toml) = (package("common"), package("backend"));
    let common = cmake("common", "include_directories(include)\n");
    write(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"common\", \"backend\"]\n",
            ),
            ("common/Cargo.toml", &common_toml),
            ("common/src/lib.rs", ""),
            ("common/build.rs", script),
            ("common/cuda/CMakeLists.txt", &common),
            ("common/cuda/include/helper.cuh", "#pragma once\n"),
            ("common/cuda/src/common.cu", "#include \"helper.cuh\"\n"),
            ("backend/Cargo.toml", &backend_toml),
            ("backend/src/lib.rs", ""),
            ("backend/build.rs", script),
            ("backend/cuda/CMakeLists.txt", &backend),
            ("backend/cuda/src/backend.cu", "#include \"helper.cuh\"\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["common", "backend"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    assert_eq!(
        built_by(sources, builders, "common/cuda/include/helper.cuh"),
        ["backend/build.rs:2", "common/build.rs:2"]
    );
}

/// attention.rs: `kernels` ships only through `attention-rs`'s optional path dependency, which
/// its feature `cuda` turns on: the CUDA build's switch is that feature, not always on.
#[test]
fn a_build_reached_only_through_an_optional_dependency_is_switched_by_its_feature() {
    // Declared in the member, and inherited from `[workspace.dependencies]` (candle's
    // `candle-kernels = { workspace = true, optional = true }`: it had no switch).
    let direct = "kernels = { path = \"../kernels\", optional = true }";
    let inherited = "kernels = { workspace = true, optional = true }";
    for declaration in [direct, inherited] {
        assert_eq!(
            switches_of_an_optional_path_dependency(declaration),
            [Some("feature \"cuda\" of app".to_owned())],
            "{declaration}"
        );
    }
}

/// uplansible/voicetserver: a vendored fork of candle is another workspace, and its
/// `candle-core` inherits `candle-kernels = { workspace = true, optional = true }` from the
/// fork's own `[workspace.dependencies]`: the kernels were said to ship nothing, so
/// cuda.contracts passed over fourteen CUDA files that ship with feature `cuda`.
#[test]
fn a_dependency_inherited_from_another_workspace_ships_with_its_feature() {
    let dir = tempfile::tempdir().unwrap();
    let kernels: Vec<(String, &str)> = CC_KERNELS
        .iter()
        .map(|(path, text)| (format!("fork/{path}"), *text))
        .collect();
    let mut files = vec![
        (
            "Cargo.toml".to_owned(),
            "[workspace]\nmembers = [\"app\"]\n",
        ),
        (
            "app/Cargo.toml".to_owned(),
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\n\
             a = { path = \"../fork/a\" }\n[features]\ngpu = [\"a/gpu\"]\n",
        ),
        ("app/src/lib.rs".to_owned(), ""),
        (
            "fork/Cargo.toml".to_owned(),
            "[workspace]\nmembers = [\"a\"]\n[workspace.dependencies]\n\
             kernels = { path = \"./kernels\" }\n",
        ),
        (
            "fork/a/Cargo.toml".to_owned(),
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\n\
             kernels = { workspace = true, optional = true }\n[features]\ngpu = [\"dep:kernels\"]\n",
        ),
        ("fork/a/src/lib.rs".to_owned(), ""),
    ];
    files.extend(kernels);
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    write(dir.path(), &files);
    assert_eq!(
        ships_and_switches(dir.path(), &["app"]),
        [(true, Some("feature \"gpu\" of a".to_owned()))]
    );
}

/// uplansible/voicetserver: the vendored candle-core compiles generated CUDA with NVRTC under
/// its feature `ug`, which no package asks of it: that code ships in no build. Asked for in a
/// dependent's declaration, by a dependent's feature, or by its own default features, it does.
#[test]
fn nvrtc_under_a_feature_nothing_enables_ships_in_no_build() {
    let ships = |app_dependency: &str, app_features: &str, core_features: &str| {
        let dir = tempfile::tempdir().unwrap();
        let app = format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\n{app_dependency}\n\
             [features]\n{app_features}\n"
        );
        let core = format!(
            "[package]\nname = \"core\"\nversion = \"0.1.0\"\n[features]\ncuda = []\nug = []\n{core_features}\n"
        );
        write(
            dir.path(),
            &[
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"app\"]\nexclude = [\"core\"]\n",
                ),
                ("app/Cargo.toml", &app),
                ("app/src/lib.rs", ""),
                ("core/Cargo.toml", &core),
                (
                    "core/src/lib.rs",
                    "#[cfg(feature = \"ug\")]\npub fn jit(src: &str) {\n    let _ = cudarc::nvrtc::compile_ptx(src);\n}\n",
                ),
            ],
        );
        let found = ships_and_switches(dir.path(), &["app"]);
        let [(ships, switch)] = found.as_slice() else {
            panic!("one NVRTC builder: {found:?}");
        };
        assert_eq!(switch.as_deref(), Some("feature \"ug\""));
        *ships
    };
    let cuda_only = "core = { path = \"../core\", features = [\"cuda\"] }";
    assert!(!ships(cuda_only, "", ""));
    assert!(!ships(
        cuda_only,
        "gpu = [\"core/cuda\"]",
        "full = [\"ug\"]"
    ));
    assert!(ships(
        "core = { path = \"../core\", features = [\"ug\"] }",
        "",
        ""
    ));
    assert!(ships(cuda_only, "jit = [\"core/ug\"]", ""));
    assert!(ships(cuda_only, "jit = [\"core/full\"]", "full = [\"ug\"]"));
    assert!(ships(cuda_only, "", "default = [\"ug\"]"));
}

/// Whether each builder of the workspace at `root` (with `members`) ships, and its switch.
fn ships_and_switches(root: &Path, members: &[&str]) -> Vec<(bool, Option<String>)> {
    let ws = Workspace::for_tests(root, members);
    let facts = Facts::gather(&ws, Vec::new());
    let (_, builders) = offline_sources(&facts);
    builders
        .iter()
        .map(|b| (b.ships, b.switch.clone()))
        .collect()
}

/// The switches of the builders of a workspace whose `app` declares its dependency on
/// `kernels` (a `cc` CUDA build) as `declaration`.
fn switches_of_an_optional_path_dependency(declaration: &str) -> Vec<Option<String>> {
    let dir = tempfile::tempdir().unwrap();
    let app = format!(
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\n{declaration}\n\
         [features]\ncuda = [\"dep:kernels\"]\n"
    );
    write(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"app\"]\n[workspace.dependencies]\n\
                 kernels = { path = \"kernels\" }\n",
            ),
            ("app/Cargo.toml", &app),
            ("app/src/lib.rs", ""),
        ]
        .iter()
        .chain(&CC_KERNELS)
        .copied()
        .collect::<Vec<_>>(),
    );
    let ws = Workspace::for_tests(dir.path(), &["app"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (_, builders) = offline_sources(&facts);
    builders.iter().map(|b| b.switch.clone()).collect()
}

/// A package `kernels` whose build script compiles `src/k.cu` with cc's `.cuda(true)`.
const CC_KERNELS: [(&str, &str); 4] = [
    (
        "kernels/Cargo.toml",
        "[package]\nname = \"kernels\"\nversion = \"0.1.0\"\n",
    ),
    ("kernels/src/lib.rs", ""),
    (
        "kernels/build.rs",
        "fn main() {\n    cc::Build::new().cuda(true).file(\"src/k.cu\").compile(\"k\");\n}\n",
    ),
    ("kernels/src/k.cu", "__global__ void k() {}\n"),
];

/// luminal: `luminal_cuda` is an optional path dependency of members and of packages the root
/// manifest excludes (`examples/yolo_v8`, `crates/luminal_2`). No build of the workspace
/// turns on an excluded package's feature, nor builds its unconditional dependencies: the
/// switch names the member's feature alone.
#[test]
fn a_package_excluded_from_the_workspace_switches_no_feature() {
    let dir = tempfile::tempdir().unwrap();
    let dependent = |name: &str, optional: bool| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n[dependencies]\n\
             kernels = {{ path = \"../../kernels\", optional = {optional} }}\n\
             [features]\ncuda = [{}]\n",
            if optional { "\"dep:kernels\"" } else { "" }
        )
    };
    let (app, yolo, always) = (
        dependent("app", true),
        dependent("yolo", true),
        dependent("always", false),
    );
    write(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"examples/*\"]\n\
                 exclude = [\"examples/yolo\", \"examples/always\", \"kernels\"]\n",
            ),
            ("examples/app/Cargo.toml", &app),
            ("examples/app/src/lib.rs", ""),
            ("examples/yolo/Cargo.toml", &yolo),
            ("examples/yolo/src/lib.rs", ""),
            ("examples/always/Cargo.toml", &always),
            ("examples/always/src/lib.rs", ""),
        ]
        .iter()
        .chain(&CC_KERNELS)
        .copied()
        .collect::<Vec<_>>(),
    );
    let ws = Workspace::for_tests(dir.path(), &["examples/app"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (_, builders) = offline_sources(&facts);
    let switches: Vec<Option<&str>> = builders.iter().map(|b| b.switch.as_deref()).collect();
    assert_eq!(switches, [Some("feature \"cuda\" of app")]);
}

/// vllm-rust's `CARGO_FEATURE_CUDA_KERNELS` is the feature `cuda-kernels` its manifest
/// declares: a switch names features as the package declares them.
#[test]
fn a_feature_read_from_its_variable_is_named_as_declared() {
    let table: toml::Table = "[features]\ncuda-kernels = []\nplain = []\n\
                              [dependencies]\nflash-attn = { version = \"1\", optional = true }\n"
        .parse()
        .unwrap();
    let switch = "feature \"cuda_kernels\" and feature \"plain\" or feature \"flash_attn\"";
    assert_eq!(
        super::optional::declared_features(switch, &table),
        "feature \"cuda-kernels\" and feature \"plain\" or feature \"flash-attn\""
    );
    // A name the manifest declares as written is kept; one it does not declare too.
    let table: toml::Table = "[features]\ncuda_kernels = []\ncuda-kernels = []\n"
        .parse()
        .unwrap();
    assert_eq!(
        super::optional::declared_features("feature \"cuda_kernels\" and feature \"x_y\"", &table),
        "feature \"cuda_kernels\" and feature \"x_y\""
    );
}

/// vllm-rust's shape, whole: raw nvcc over a `const` table; the files it names are built by
/// it (their tracked PTX too, which makes the build write into the source tree), the one it
/// does not name by nothing.
#[test]
fn raw_nvcc_over_a_table_builds_what_it_names_and_writes_its_tracked_ptx() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"const KERNELS: &[(&str, &str)] = &[("kernels/a.cu", "kernels/a.ptx")];
fn main() {
    for (source, output) in KERNELS {
        std::process::Command::new("nvcc").args(["--ptx", "-o", output, source]).status().unwrap();
    }
}
"#;
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"core\"]\n"),
            (
                "core/Cargo.toml",
                "[package]\nname = \"core\"\nversion = \"0.1.0\"\n",
            ),
            ("core/src/lib.rs", ""),
            ("core/build.rs", script),
            ("core/kernels/a.cu", "__global__ void a() {}\n"),
            ("core/kernels/a.ptx", "// PTX\n"),
            ("core/kernels/unlisted.cu", "__global__ void u() {}\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["core"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    let named = |path: &str| built_by(sources, builders, path);
    assert_eq!(named("core/kernels/a.cu"), ["core/build.rs:4"]);
    assert_eq!(named("core/kernels/a.ptx"), ["core/build.rs:4"]);
    assert!(named("core/kernels/unlisted.cu").is_empty(), "{sources:#?}");
    assert_eq!(
        builders[0].outside_out_dir.as_deref(),
        Some("core/build.rs:4 (kernels/a.ptx, a tracked file its table names beside the sources)")
    );
}

/// The switches of the builders static reading finds in a workspace of `files` whose one
/// member is `member` (none where a builder has none: an empty string).
fn switches_in(files: &[(&str, &str)], member: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let ws = Workspace::for_tests(dir.path(), &[member]);
    let facts = Facts::gather(&ws, Vec::new());
    let (_, builders) = offline_sources(&facts);
    builders
        .iter()
        .map(|b| b.switch.clone().unwrap_or_default())
        .collect()
}

/// [`sources`] with an offline cargo (the fixtures pin no registry crate cargo could unpack).
fn offline_sources(facts: &Facts) -> &crate::facts::GpuSources {
    sources(facts, &crate::tools::cargo::Cargo::new(facts.root(), true))
}

/// A dependency's build script that configures a CMake project with no CUDA option builds CUDA
/// only if the project's own CMake files switch it on (sentencepiece-sys, on moshi, was said to
/// build "cmake with CUDA").
#[test]
fn a_dependency_s_cmake_project_is_cuda_only_if_its_files_say_so() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "plain/source/CMakeLists.txt",
                "project(spm LANGUAGES CXX)\n",
            ),
            (
                "gpu/source/CMakeLists.txt",
                "project(k LANGUAGES CXX CUDA)\nadd_library(k k.cu)\n",
            ),
        ],
    );
    let text = "fn main() {\n    let _ = cmake::Config::new(\"source\").build();\n}\n";
    let analysed = scripts::analyse(
        &scripts::RustFile {
            rel: "build.rs",
            text,
        },
        &scripts::helpers(&[]),
    );
    let [call] = &analysed.calls[..] else {
        panic!("{analysed:#?}")
    };
    assert!(call.cmake_project, "{call:#?}");
    assert!(!super::cmake::project_enables_cuda(
        call,
        &dir.path().join("plain")
    ));
    assert!(super::cmake::project_enables_cuda(
        call,
        &dir.path().join("gpu")
    ));
}

/// Checked-in PTX compiled from an older source, committed with it (karlsen-miner's sm20 and
/// sm30 PTX: `heavy_hash` with 6 parameters where the source's has 8), is stale by its entry's
/// signature, whatever the commit order says; one whose entries match is not, nor is a kernel
/// of another package's source with the same name, nor a PTX LLVM's back end wrote.
#[test]
fn checked_in_ptx_whose_entry_takes_other_parameters_than_its_kernel_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let ptx = |params: &str| {
        format!(
            ".version 6.5\n.target sm_30\n.address_size 64\n.visible .entry heavy_hash(\n{params}\n)\n{{\n\tret;\n}}\n"
        )
    };
    let two = ".param .u64 heavy_hash_param_0,\n.param .u64 heavy_hash_param_1";
    let three = format!("{two},\n.param .u64 heavy_hash_param_2");
    write(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"miner\", \"other\"]\n",
            ),
            (
                "miner/Cargo.toml",
                "[package]\nname = \"miner\"\nversion = \"0.1.0\"\n",
            ),
            (
                "miner/src/lib.rs",
                "pub const OLD: &str = include_str!(\"../resources/old.ptx\");\npub const NEW: &str = include_str!(\"../resources/new.ptx\");\n",
            ),
            (
                "miner/native/kernel.cu",
                "extern \"C\" __global__ void heavy_hash(const uint64_t a, const uint64_t b,\n    uint64_t* out) {}\n",
            ),
            ("miner/resources/old.ptx", &ptx(two)),
            ("miner/resources/new.ptx", &ptx(&three)),
            (
                "miner/resources/triton.ptx",
                &format!(
                    "//\n// Generated by LLVM NVPTX Back-End\n//\n\n{}",
                    ptx(two)
                ),
            ),
            (
                "other/Cargo.toml",
                "[package]\nname = \"other\"\nversion = \"0.1.0\"\n",
            ),
            ("other/src/lib.rs", ""),
            (
                "other/k.cu",
                "__global__ void heavy_hash(int a, int b) {}\n",
            ),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["miner", "other"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, _) = offline_sources(&facts);
    let stale = |path: &str| {
        let source = sources.iter().find(|s| s.path == path).unwrap();
        source.stale_against.clone()
    };
    assert_eq!(
        stale("miner/resources/old.ptx").as_deref(),
        Some(
            "miner/native/kernel.cu (its kernel `heavy_hash` takes 3 parameter(s); this file's \
             entry 2, compiled from an older version of it)"
        )
    );
    assert_eq!(stale("miner/resources/new.ptx"), None);
    // Written by LLVM's back end (Triton, rustc, clang), not from kernel.cu by nvcc.
    assert_eq!(stale("miner/resources/triton.ptx"), None);
}

/// faiss-sys: its CMake project switches CUDA on only under `option(FAISS_ENABLE_GPU … ON)`,
/// and the build script sets the option from the `gpu` feature: the builder is switched by
/// that feature too (it said `feature "static"` alone); set `"OFF"` literally, the project
/// builds no CUDA at all, and its `.cu` is built by nothing.
#[test]
fn a_cmake_option_that_guards_cuda_is_read_from_the_build_script() {
    let builders_with = |value: &str| {
        let script = format!(
            "fn main() {{\n    #[cfg(feature = \"static\")]\n    cmake::Config::new(\"faiss\").define(\"FAISS_ENABLE_GPU\", {value}).build();\n}}\n"
        );
        switches_in(
            &[
                ("Cargo.toml", "[workspace]\nmembers = [\"sys\"]\n"),
                (
                    "sys/Cargo.toml",
                    "[package]\nname = \"sys\"\nversion = \"0.1.0\"\n[features]\nstatic = []\ngpu = []\n",
                ),
                ("sys/src/lib.rs", ""),
                ("sys/build.rs", &script),
                (
                    "sys/faiss/CMakeLists.txt",
                    "project(faiss LANGUAGES CXX)\noption(FAISS_ENABLE_GPU \"GPU indexes\" ON)\nif(FAISS_ENABLE_GPU)\n  enable_language(CUDA)\n  add_subdirectory(gpu)\nendif()\n",
                ),
                ("sys/faiss/gpu/CMakeLists.txt", "add_library(g k.cu)\n"),
                ("sys/faiss/gpu/k.cu", "__global__ void k() {}\n"),
            ],
            "sys",
        )
    };
    assert_eq!(
        builders_with("if cfg!(feature = \"gpu\") { \"ON\" } else { \"OFF\" }"),
        ["CUDA in sys/faiss/CMakeLists.txt:4 if feature \"static\" and feature \"gpu\""]
    );
    assert_eq!(builders_with("\"OFF\""), Vec::<String>::new());
    assert_eq!(
        builders_with("\"ON\""),
        ["CUDA in sys/faiss/CMakeLists.txt:4 if feature \"static\""]
    );
}

/// aici's llama-cpp-low: the project enables CUDA only under its own option, which the build
/// script sets with `configure_arg("-DVEND_CUBLAS=ON")` inside an `if` on the `cuda` feature
/// (as `CARGO_FEATURE_CUDA`, or `cfg!`), and passes `-DCMAKE_CUDA_COMPILER_LAUNCHER=ccache`
/// to every build. The launcher switches nothing on (it read as CUDA always on); the option's
/// guard is the builder's switch (there was none, or no builder at all).
#[test]
fn a_cmake_option_set_under_a_feature_switches_cuda_with_it() {
    let switches_with = |body: &str| {
        let script = format!(
            "fn main() {{\n    let cuda = std::env::var(\"CARGO_FEATURE_CUDA\").unwrap_or_default();\n    let mut cmake = cmake::Config::new(\"vendor\");\n    cmake.configure_arg(\"-DCMAKE_CUDA_COMPILER_LAUNCHER=ccache\");\n{body}\n    cmake.build();\n}}\n"
        );
        switches_in(
            &[
                ("Cargo.toml", "[workspace]\nmembers = [\"low\"]\n"),
                (
                    "low/Cargo.toml",
                    "[package]\nname = \"low\"\nversion = \"0.1.0\"\n[features]\ncuda = []\n",
                ),
                ("low/src/lib.rs", ""),
                ("low/build.rs", &script),
                (
                    "low/vendor/CMakeLists.txt",
                    "project(vend C)\noption(VEND_CUBLAS \"use CUDA\" OFF)\nadd_library(vend STATIC vend.c)\nif (VEND_CUBLAS)\n  enable_language(CUDA)\n  target_sources(vend PRIVATE vend.cu)\nendif()\n",
                ),
                ("low/vendor/vend.c", ""),
                ("low/vendor/vend.cu", "__global__ void k() {}\n"),
            ],
            "low",
        )
    };
    let switched = ["CUDA in low/vendor/CMakeLists.txt:5 if feature \"cuda\""];
    for body in [
        "    if cuda == \"1\" {\n        cmake.configure_arg(\"-DVEND_CUBLAS=ON\");\n    }",
        "    if cfg!(feature = \"cuda\") {\n        cmake.define(\"VEND_CUBLAS\", \"ON\");\n    }",
        "    if cfg!(feature = \"cuda\") {\n        cmake.configure_arg(\"-DVEND_CUBLAS:BOOL=ON\");\n    }",
    ] {
        assert_eq!(switches_with(body), switched, "{body}");
    }
    // The launcher alone builds no CUDA: the option stays off.
    assert_eq!(switches_with(""), Vec::<String>::new());
    assert_eq!(
        switches_with("    cmake.configure_arg(\"-DVEND_CUBLAS=ON\");"),
        ["CUDA in low/vendor/CMakeLists.txt:5"]
    );
    // A project that is not here (aici's llama.cpp submodule, not checked out) that the script
    // configures CUDA for may build it: still a CMake build of CUDA, as before.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"low\"]\n"),
            (
                "low/Cargo.toml",
                "[package]\nname = \"low\"\nversion = \"0.1.0\"\n",
            ),
            ("low/src/lib.rs", ""),
            (
                "low/build.rs",
                "const SUB: &str = concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/llama.cpp\");\nfn main() {\n    let mut cmake = cmake::Config::new(SUB);\n    cmake.configure_arg(\"-DCMAKE_CUDA_COMPILER_LAUNCHER=ccache\");\n    cmake.build();\n}\n",
            ),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["low"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (_, builders) = offline_sources(&facts);
    assert_eq!(builders.len(), 1, "{builders:#?}");
    assert_eq!(builders[0].kind, BuilderKind::Cmake);
}

/// `make` started by a build script in a directory whose Makefile runs nvcc (pil2-proofman's
/// `make -C ../../pil2-stark starks_lib_gpu`) compiles the `.cu` files the Makefile names;
/// one whose Makefiles never run nvcc builds no GPU code.
#[test]
fn make_run_by_a_build_script_builds_what_its_makefile_compiles_with_nvcc() {
    let built_with = |makefile: &str| {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("Cargo.toml", "[workspace]\nmembers = [\"sys\"]\n"),
                (
                    "sys/Cargo.toml",
                    "[package]\nname = \"sys\"\nversion = \"0.1.0\"\n",
                ),
                ("sys/src/lib.rs", ""),
                (
                    "sys/build.rs",
                    "use std::path::Path;\nfn main() {\n    let native = Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"../native\");\n    std::process::Command::new(\"make\").arg(\"-C\").arg(&native).status().unwrap();\n}\n",
                ),
                ("native/Makefile", makefile),
                ("native/kernel.cu", "__global__ void k() {}\n"),
                ("native/unused.cu", "__global__ void u() {}\n"),
            ],
        );
        let ws = Workspace::for_tests(dir.path(), &["sys"]);
        let facts = Facts::gather(&ws, Vec::new());
        let (sources, builders) = offline_sources(&facts);
        let kinds: Vec<(BuilderKind, String)> =
            builders.iter().map(|b| (b.kind, b.at.clone())).collect();
        let built: Vec<(String, usize)> = sources
            .iter()
            .map(|s| (s.path.clone(), s.built_by.len()))
            .collect();
        (kinds, built)
    };
    let (kinds, built) =
        built_with("libkern.a: kernel.cu\n\tnvcc -arch=sm_80 -c kernel.cu -o kernel.o\n");
    assert_eq!(kinds, [(BuilderKind::Make, "sys/build.rs:4".to_owned())]);
    assert_eq!(
        built,
        [
            ("native/kernel.cu".to_owned(), 1),
            ("native/unused.cu".to_owned(), 0)
        ]
    );
    let (kinds, _) = built_with("all:\n\tcc -c host.c\n");
    assert_eq!(kinds, []);
    // nvcc said in a comment or an echo is not run.
    let (kinds, _) =
        built_with("# no nvcc here\nall:\n\t@echo nvcc is not needed\n\tcc -c host.c\n");
    assert_eq!(kinds, []);
}

/// unegare/rust-cpp-link's ex_003: the pattern rule that compiles `src/a.cu` (`%.o: %.cu`)
/// says `@echo the .cu files` before its nvcc line. An echo's words are no file: there is no
/// `cpp/.cu`, and `src/a.cu` is built by make.
#[test]
fn the_words_an_echo_of_a_makefile_says_are_no_sources() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"k\"]\n"),
            (
                "k/Cargo.toml",
                "[package]\nname = \"k\"\nversion = \"0.1.0\"\n",
            ),
            ("k/src/lib.rs", ""),
            (
                "k/build.rs",
                "fn main() {\n    std::process::Command::new(\"make\").current_dir(\"./cpp\").status().unwrap();\n}\n",
            ),
            (
                "k/cpp/Makefile",
                "# the .cu files are compiled separately\nlibk.so: src/a.o\n\tnvcc -shared $^ -o libk.so\n%.o: %.cu\n\t@echo the .cu files\n\t@printf 'x.cu\\n' && nvcc -c $< -o $@\n",
            ),
            ("k/cpp/src/a.cu", "__global__ void a() {}\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["k"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    assert_eq!(builders.len(), 1, "{builders:#?}");
    assert_eq!(builders[0].kind, BuilderKind::Make);
    assert_eq!(builders[0].untracked, Vec::<String>::new());
    let built: Vec<(String, usize)> = sources
        .iter()
        .map(|s| (s.path.clone(), s.built_by.len()))
        .collect();
    assert_eq!(built, [("k/cpp/src/a.cu".to_owned(), 1)]);
}

/// Checked-in PTX that only an out-of-line test module reads (ZLUDA's `#[cfg(test)] mod
/// test;` with `src/test/mod.rs` embedding its inputs: 227 files "shipped", each warned) ships
/// in no crate, as it does when the module is written inline; one that shipped code reads
/// still ships.
#[test]
fn ptx_only_an_out_of_line_test_module_reads_does_not_ship() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"tr\"]\n"),
            (
                "tr/Cargo.toml",
                "[package]\nname = \"tr\"\nversion = \"0.1.0\"\n",
            ),
            (
                "tr/src/lib.rs",
                "pub const K: &str = include_str!(\"kernels/used.ptx\");\n#[cfg(test)]\nmod test;\n",
            ),
            (
                "tr/src/test/mod.rs",
                "#[test]\nfn add() {\n    let _ = include_str!(\"vectorAdd.ptx\");\n}\n",
            ),
            ("tr/src/test/vectorAdd.ptx", ".version 6.5\n.target sm_30\n"),
            ("tr/src/kernels/used.ptx", ".version 6.5\n.target sm_30\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["tr"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, _) = offline_sources(&facts);
    let ships: Vec<(&str, bool)> = sources.iter().map(|s| (s.path.as_str(), s.ships)).collect();
    assert_eq!(
        ships,
        [
            ("tr/src/kernels/used.ptx", true),
            ("tr/src/test/vectorAdd.ptx", false)
        ]
    );
}

/// stwo-ml: a source embedded in a `const` beside five NVRTC calls that compile other consts
/// is compiled by none of them, and one bound to a `let` is compiled by the call that names
/// it (it was "built by" all six: the same-file fallback).
#[test]
fn an_embedded_source_is_compiled_by_the_calls_that_name_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"eng\"]\n"),
            (
                "eng/Cargo.toml",
                "[package]\nname = \"eng\"\nversion = \"0.1.0\"\n",
            ),
            ("eng/src/lib.rs", "pub mod sum;\npub mod hash;\n"),
            (
                "eng/src/sum.rs",
                "const POSEIDON: &str = include_str!(\"cuda/poseidon.cu\");\nconst SUM: &str = \"extern \\\"C\\\" __global__ void s() {}\";\npub fn a() {\n    let _ = cudarc::nvrtc::compile_ptx(SUM);\n}\n",
            ),
            (
                "eng/src/hash.rs",
                "pub fn h() {\n    let kernel_src = include_str!(\"cuda/poseidon.cu\");\n    let other = \"x\";\n    let _ = cudarc::nvrtc::compile_ptx(other);\n    let _ = cudarc::nvrtc::compile_ptx(kernel_src);\n}\n",
            ),
            (
                "eng/src/cuda/poseidon.cu",
                "extern \"C\" __global__ void p() {}\n",
            ),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["eng"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    assert_eq!(
        built_by(sources, builders, "eng/src/cuda/poseidon.cu"),
        ["eng/src/hash.rs:5"]
    );
}

/// Scarjit/ts3-sec-cuda-rs (nineteenth session): two functions each bind `let src =
/// include_str!(..)` and compile it; each source was "built by" both calls, and one behind a
/// feature read as compiled in default builds too. A `let` is named only in its own block.
#[test]
fn a_let_bound_source_is_compiled_by_the_call_in_its_own_block_only() {
    let dir = tempfile::tempdir().unwrap();
    let compiles = |name: &str| {
        format!(
            "pub fn {name}() -> cudarc::nvrtc::Ptx {{\n    let src = include_str!(\"{name}.cu\");\n    cudarc::nvrtc::compile_ptx(src).unwrap()\n}}\n"
        )
    };
    let lib = format!(
        "#[cfg(feature = \"extra\")]\n{}\n{}",
        compiles("a"),
        compiles("b")
    );
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"k\"]\n"),
            (
                "k/Cargo.toml",
                "[package]\nname = \"k\"\nversion = \"0.1.0\"\n\n[features]\nextra = []\n",
            ),
            ("k/src/lib.rs", &lib),
            ("k/src/a.cu", "extern \"C\" __global__ void a() {}\n"),
            ("k/src/b.cu", "extern \"C\" __global__ void b() {}\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["k"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    assert_eq!(
        built_by(sources, builders, "k/src/a.cu"),
        ["k/src/lib.rs:4"]
    );
    assert_eq!(
        built_by(sources, builders, "k/src/b.cu"),
        ["k/src/lib.rs:9"]
    );
    let switch = |at: &str| builders.iter().find(|b| b.at == at).unwrap().switch.clone();
    assert_eq!(
        switch("k/src/lib.rs:4").as_deref(),
        Some("feature \"extra\"")
    );
    assert_eq!(switch("k/src/lib.rs:9"), None);
}

/// A checked-in PTX named after no source (pyrin-miner's `pyrin-cuda-sm86.ptx`, one per arch,
/// from `pyrin-cuda.cu` by a script run by hand) is paired with the source of its package that
/// declares its entry: the source changed after it, same signature, so it is stale; the PTX
/// regenerated in that commit is not.
#[test]
fn a_ptx_named_after_no_source_is_stale_against_the_source_declaring_its_entry() {
    if !crate::checks::testing::runs("git") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ptx = |body: &str| {
        format!(
            ".version 8.0\n.target sm_86\n.address_size 64\n.visible .entry heavy_hash(\n.param .u64 heavy_hash_param_0\n)\n{{\n\t{body}\n\tret;\n}}\n"
        )
    };
    let cu = |body: &str| {
        format!("extern \"C\" __global__ void heavy_hash(uint64_t* out) {{ {body} }}\n")
    };
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"miner\"]\n"),
            (
                "miner/Cargo.toml",
                "[package]\nname = \"miner\"\nversion = \"0.1.0\"\n",
            ),
            (
                "miner/src/lib.rs",
                "pub const SM86: &str = include_str!(\"../resources/hash-sm86.ptx\");\npub const SM75: &str = include_str!(\"../resources/hash-sm75.ptx\");\n",
            ),
            ("miner/native/hash.cu", &cu("out[0] >>= 6;")),
            (
                "miner/resources/hash-sm86.ptx",
                &ptx("shr.u64 %rd1, %rd1, 6;"),
            ),
            (
                "miner/resources/hash-sm75.ptx",
                &ptx("shr.u64 %rd1, %rd1, 6;"),
            ),
        ],
    );
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "v1"]);
    write(
        dir.path(),
        &[
            ("miner/native/hash.cu", &cu("out[0] >>= 3;")),
            (
                "miner/resources/hash-sm75.ptx",
                &ptx("shr.u64 %rd1, %rd1, 3;"),
            ),
        ],
    );
    git(&["commit", "-qam", "the new hash, one PTX regenerated"]);
    let ws = Workspace::for_tests(dir.path(), &["miner"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, _) = offline_sources(&facts);
    let stale = |path: &str| {
        let source = sources.iter().find(|s| s.path == path).unwrap();
        source.stale_against.clone()
    };
    let said = stale("miner/resources/hash-sm86.ptx").expect("stale");
    assert!(
        said.starts_with("miner/native/hash.cu (changed in ")
            && said.contains(", after miner/resources/hash-sm86.ptx last changed in "),
        "{said}"
    );
    assert_eq!(stale("miner/resources/hash-sm75.ptx"), None);
}

/// A shell script a build script runs is read for the build it starts (okx/zeknox: `build.rs`
/// runs `./build-release.sh` after `set_current_dir`, and the script runs `cmake -B build` on
/// the CUDA project beside it; another script runs nvcc on one kernel, from the package's
/// directory): each builds what its build names, and nothing else of the package.
#[test]
fn a_shell_script_the_build_script_runs_builds_what_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let build = "fn main() {\n    let src = std::path::PathBuf::from(std::env::var(\"CARGO_MANIFEST_DIR\").unwrap()).join(\"native\");\n    std::env::set_current_dir(&src).unwrap();\n    std::process::Command::new(\"./build-release.sh\").status().unwrap();\n    std::process::Command::new(\"sh\").arg(\"scripts/ptx.sh\").status().unwrap();\n}\n";
    write(
        dir.path(),
        &[
            ("Cargo.toml", "[workspace]\nmembers = [\"zk\"]\n"),
            (
                "zk/Cargo.toml",
                "[package]\nname = \"zk\"\nversion = \"0.1.0\"\n",
            ),
            ("zk/src/lib.rs", ""),
            ("zk/build.rs", build),
            (
                "zk/native/build-release.sh",
                "#!/bin/sh\nrm -rf build\ncmake -B build -DCUDA_ARCH=\"86;89\"\ncmake --build build -j\n",
            ),
            (
                "zk/native/CMakeLists.txt",
                "cmake_minimum_required(VERSION 3.18)\nproject(zk LANGUAGES CUDA CXX)\nadd_library(zk STATIC lib.cu)\n",
            ),
            ("zk/native/lib.cu", "__global__ void k() {}\n"),
            ("zk/native/msm.cu", "__global__ void m() {}\n"),
            (
                "zk/native/scripts/ptx.sh",
                "set -e\nnvcc -ptx -arch=sm_80 kernels/a.cu -o kernels/a.ptx\n",
            ),
            ("zk/native/kernels/a.cu", "__global__ void a() {}\n"),
            ("zk/native/kernels/b.cu", "__global__ void b() {}\n"),
        ],
    );
    let ws = Workspace::for_tests(dir.path(), &["zk"]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    let named = |path: &str| built_by(sources, builders, path);
    assert_eq!(
        named("zk/native/lib.cu"),
        ["zk/build.rs:4"],
        "{builders:#?}"
    );
    assert!(named("zk/native/msm.cu").is_empty(), "{sources:#?}");
    assert_eq!(
        named("zk/native/kernels/a.cu"),
        ["zk/build.rs:5"],
        "{builders:#?}"
    );
    assert!(named("zk/native/kernels/b.cu").is_empty(), "{sources:#?}");
    let kinds: Vec<BuilderKind> = builders.iter().map(|b| b.kind).collect();
    assert_eq!(kinds, [BuilderKind::Cmake, BuilderKind::Nvcc]);
    assert_eq!(builders[1].archs, ["sm_80"]);
}

/// okx/zeknox's layout: the workspace is `wrappers/rust`, its build script runs a script two
/// directories up that configures the CUDA project there. The project's sources are listed
/// beside the root (with their `..`), built by the call, never called untracked (only the
/// workspace's files are listed here), and each is CUDA outside gate-build like a source of
/// the workspace's own: `kernels.build` and `cuda.contracts` passed "no CUDA sources".
#[test]
fn cuda_beside_the_root_that_the_build_compiles_is_outside_gate_build() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "wrappers/rust/Cargo.toml",
                "[package]\nname = \"zk\"\nversion = \"0.1.0\"\n",
            ),
            ("wrappers/rust/src/lib.rs", ""),
            (
                "wrappers/rust/build.rs",
                "fn main() {\n    std::process::Command::new(\"sh\").arg(\"../../native/build.sh\").status().unwrap();\n}\n",
            ),
            (
                "native/build.sh",
                "cd \"$(dirname \"$0\")\"\ncmake -B build\n",
            ),
            (
                "native/CMakeLists.txt",
                "project(zk LANGUAGES CUDA)\nadd_library(zk STATIC lib.cu)\n",
            ),
            ("native/lib.cu", "__global__ void k() {}\n"),
        ],
    );
    let root = dir.path().join("wrappers/rust");
    let ws = Workspace::for_tests(&root, &[""]);
    let facts = Facts::gather(&ws, Vec::new());
    let (sources, builders) = offline_sources(&facts);
    assert_eq!(
        built_by(sources, builders, "../../native/lib.cu"),
        ["build.rs:2"]
    );
    assert!(builders[0].untracked.is_empty(), "{builders:#?}");
    let cargo = crate::tools::cargo::Cargo::new(facts.root(), true);
    let outside = crate::shared::outcomes::outside_gate_build(
        &facts,
        &cargo,
        crate::check::Severity::Warning,
        crate::check::test_codes::TestCode::Unsound,
    );
    assert_eq!(outside.len(), 1, "{outside:#?}");
    let at = outside[0].location.as_ref().map(|l| l.file.as_str());
    assert_eq!(at, Some("../../native/lib.cu"), "{outside:#?}");
    assert!(
        outside[0]
            .message
            .contains("compiled by cmake with CUDA (build.rs:2"),
        "{}",
        outside[0].message
    );
}

/// Why no artifact was read, in one line: cargo's block of a failed build script read as one
/// line of `\n`s in `cargo gate kernels` (fumishiki/rosetta-moe); its first line, and nvcc's
/// own where one follows.
#[test]
fn a_failed_build_is_said_in_one_line_with_nvccs_own() {
    let block = "error: failed to run custom build command for `nn-cuda v0.1.0 (/w/crates/cuda)`\n\
                 Caused by:\n  process didn't exit successfully: `build-script-build` (exit status: 101)\n  \
                 nvcc fatal   : Unsupported gpu architecture 'compute_70'\n  thread 'main' panicked";
    assert_eq!(
        first_lines(block),
        "error: failed to run custom build command for `nn-cuda v0.1.0 (/w/crates/cuda)`; nvcc \
         fatal   : Unsupported gpu architecture 'compute_70'"
    );
    assert_eq!(
        first_lines("error[E0425]: cannot find value `x`\n --> src/lib.rs:1:1"),
        "error[E0425]: cannot find value `x`"
    );
}
