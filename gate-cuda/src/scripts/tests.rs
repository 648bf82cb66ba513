//! Tests of the build-script reading: builders, helpers, switches, archs, NVRTC uses.

use super::cfgs::call_and_helper;
use super::{Call, Helpers, RustFile, Script, analyse, helpers, nvrtc_uses};
use crate::includes::{Package, attribute};
use gate_formats::kernel_bom::BuilderKind;

/// Analyses `build.rs` of package `app` with the helpers of `others` and of itself.
fn script_with(others: &[(&str, &str)], text: &str) -> Script {
    let mut files: Vec<RustFile<'_>> = others
        .iter()
        .map(|&(rel, text)| RustFile { rel, text })
        .collect();
    let me = RustFile {
        rel: "app/build.rs",
        text,
    };
    files.push(me);
    analyse(&me, &helpers(&files))
}

/// Analyses `text` as a root package's `build.rs`, with no helpers of other files.
fn alone(text: &str) -> Script {
    analyse(
        &RustFile {
            rel: "build.rs",
            text,
        },
        &helpers(&[]),
    )
}

fn script(text: &str) -> Script {
    script_with(&[], text)
}

/// The only call of `text`.
fn only_call(text: &str) -> Call {
    let s = script(text);
    assert_eq!(s.calls.len(), 1, "{s:#?}");
    s.calls.into_iter().next().unwrap_or_else(|| unreachable!())
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn an_arch_named_to_a_compute_cap_helper_is_no_gpu_probe() {
    let named = "fn main() {\n    let arch = cudaforge::compute_cap_arch(\"90a\");\n    cudaforge::KernelBuilder::new().source_files(vec![\"k.cu\"]).arg(&arch).build_ptx();\n}\n";
    let found = analyse(
        &RustFile {
            rel: "build.rs",
            text: named,
        },
        &helpers(&[]),
    );
    assert_eq!(found.gpu_probe, None, "{found:#?}");
    let asked = "fn main() {\n    let cap = cudaforge::detect_compute_cap();\n}\n";
    let found = analyse(
        &RustFile {
            rel: "build.rs",
            text: asked,
        },
        &helpers(&[]),
    );
    assert_eq!(found.gpu_probe.map(|p| p.0), Some(2));
}

/// openvm's shape: its own `CudaBuilder::new()` wraps `cc`; the files and include
/// directories its methods name (on the variable's later statements too) are what it builds.
/// Rust-CUDA's `CudaBuilder::new("dir")` stays what it is.
#[test]
fn a_cudabuilder_of_another_crate_is_a_cc_wrapper() {
    let script = r#"#[cfg(feature = "cuda")]
use openvm_cuda_builder::{cuda_available, CudaBuilder};

fn main() {
    #[cfg(feature = "cuda")]
    {
        if !cuda_available() {
            return;
        }
        let builder = CudaBuilder::new()
            .include_from_dep("DEP_CUDA_COMMON_INCLUDE")
            .include("cuda/include")
            .watch("cuda");
        builder
            .clone()
            .library_name("tracegen_gpu_system")
            .files_from_glob("cuda/src/system/**/*.cu")
            .build();
    }
}
"#;
    let found = alone(script);
    assert_eq!(found.calls.len(), 1, "{found:#?}");
    let call = &found.calls[0];
    assert_eq!(call.kind, BuilderKind::CcWrapper);
    assert_eq!(call.inputs, ["cuda/src/system/**/*.cu"]);
    assert_eq!(call.include_dirs, ["cuda/include"]);
    assert!(!call.computed_inputs);
    let rust_cuda = "use cuda_builder::CudaBuilder;\nfn main() {\n    CudaBuilder::new(\"../kernels\").copy_to(\"k.ptx\").build().unwrap();\n}\n";
    let found = analyse(
        &RustFile {
            rel: "build.rs",
            text: rust_cuda,
        },
        &helpers(&[]),
    );
    assert_eq!(found.calls[0].kind, BuilderKind::CudaBuilder);
}

/// openvm's `crates/vm/build.rs`: a clone of the builder built under a guard of its own is
/// a build of its own, switched by both features, at its own line.
#[test]
fn a_build_under_a_guard_of_its_own_is_switched_by_it() {
    let script = r#"use openvm_cuda_builder::CudaBuilder;
fn main() {
    #[cfg(feature = "cuda")]
    {
        let builder = CudaBuilder::new().include("cuda/include");
        builder.emit_link_directives();
        builder
            .clone()
            .files_from_glob("cuda/src/system/**/*.cu")
            .build();
        #[cfg(any(test, feature = "test-utils"))]
        {
            builder
                .clone()
                .files_from_glob("cuda/src/testing/**/*.cu")
                .build();
        }
    }
}
"#;
    let found = alone(script);
    let calls: Vec<_> = found
        .calls
        .iter()
        .map(|c| {
            (
                c.line,
                c.inputs.clone(),
                c.switch.clone(),
                c.include_dirs.clone(),
            )
        })
        .collect();
    let switch = |s: &str| Some(s.to_owned());
    assert_eq!(
        calls,
        [
            (
                5,
                vec!["cuda/src/system/**/*.cu".to_owned()],
                switch("feature \"cuda\""),
                vec!["cuda/include".to_owned()]
            ),
            (
                13,
                vec!["cuda/src/testing/**/*.cu".to_owned()],
                switch("feature \"cuda\" and feature \"test-utils\""),
                vec!["cuda/include".to_owned()]
            ),
        ]
    );
}

/// candle-extensions' shape: `nvcc --lib` archives what the first call compiled; it is no
/// second builder of the kernel.
#[test]
fn nvcc_archiving_objects_compiles_nothing() {
    let script = r#"fn main() {
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let obj = out_dir.join("k.o");
    std::process::Command::new("nvcc")
        .args(["-c", "-o", obj.to_str().unwrap()])
        .arg("--gpu-architecture=sm_80")
        .arg("kernels/k.cu")
        .status()
        .unwrap();
    let lib = out_dir.join("libk.a");
    std::process::Command::new("nvcc")
        .arg("--lib")
        .args(["-o", lib.to_str().unwrap()])
        .arg(&obj)
        .status()
        .unwrap();
}
"#;
    let found = alone(script);
    assert_eq!(found.calls.len(), 1, "{found:#?}");
    assert_eq!(found.calls[0].inputs, ["kernels/k.cu"]);
    assert_eq!(found.calls[0].archs, ["sm_80"]);
}

/// indyjonesnl/rs-cuda-bitcrack: one nvcc loop walks a list of `.cpp` files, another a list
/// of `.cu` files. The first compiles host C++ only and claims no kernel; read as computed,
/// it was named the builder of every `.cu` of the package. Told `-x cu`, nvcc reads a
/// `.cpp` as CUDA, and the call is read as computed again.
#[test]
fn nvcc_over_a_list_of_host_sources_compiles_no_kernel() {
    let script = |x: &str| {
        format!(
            r#"fn main() {{
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let cpp_files = vec!["csrc/host.cpp"];
    let cuda_files = vec!["csrc/kernel.cu"];
    for file in &cpp_files {{
        std::process::Command::new("nvcc")
            .args(&["-c"{x}, "-gencode=arch=compute_80,code=sm_80", "-o"])
            .arg(out_dir.join(format!("{{}}.o", file.replace("/", "_"))))
            .arg(file)
            .status()
            .unwrap();
    }}
    for file in &cuda_files {{
        std::process::Command::new("nvcc")
            .args(&["-c", "-gencode=arch=compute_80,code=sm_80", "-o"])
            .arg(out_dir.join(format!("{{}}.o", file.replace("/", "_"))))
            .arg(file)
            .status()
            .unwrap();
    }}
}}
"#
        )
    };
    let found = alone(&script(""));
    let claims: Vec<(u32, &[String], bool)> = (found.calls.iter())
        .map(|c| (c.line, c.inputs.as_slice(), c.computed_inputs))
        .collect();
    assert_eq!(
        claims,
        [(14, &strings(&["csrc/kernel.cu"])[..], false)],
        "{found:#?}"
    );
    let as_cuda = alone(&script(r#", "-x", "cu""#));
    let first = &as_cuda.calls[0];
    assert!(
        first.line == 6 && (first.computed_inputs || first.tabled),
        "{as_cuda:#?}"
    );
}

/// pthomasfournet/pdf-raster: under a feature, nvcc compiles a host C++ shim
/// (`PathBuf::from("shim/shim.cpp")`, `-x c++`) beside the raw nvcc loop over the kernels.
/// Its input read as computed, it was named a second builder of every `.cu` of the package
/// (and the witnessed compile credited to it). A host source bound to the name, or `-x c++`
/// whatever the file, is no GPU code.
#[test]
fn nvcc_compiling_host_cpp_claims_no_kernel() {
    let script = |src: &str, x: &str| {
        format!(
            r#"fn main() {{
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    if std::env::var("CARGO_FEATURE_SHIM").is_ok() {{
        let src = std::path::PathBuf::from("{src}");
        std::process::Command::new("nvcc")
            .args([{x}"-O2", "-c", "-o", out.join("shim.o").to_str().unwrap(), src.to_str().unwrap()])
            .status()
            .unwrap();
    }}
    let st = std::process::Command::new("nvcc")
        .args(["--ptx", "-o", out.join("k.ptx").to_str().unwrap(), "kernels/k.cu"])
        .status()
        .unwrap();
}}
"#
        )
    };
    for (src, x) in [
        ("shim/shim.cpp", ""),
        ("shim/shim.cpp", r#""-x", "c++", "#),
        ("shim/shim.inc", r#""-x", "c++", "#),
        ("shim/shim.inc", r#""--x=c", "#),
    ] {
        let found = alone(&script(src, x));
        let claims: Vec<(u32, &[String], bool)> = (found.calls.iter())
            .map(|c| (c.line, c.inputs.as_slice(), c.computed_inputs))
            .collect();
        assert_eq!(
            claims,
            [(10, &strings(&["kernels/k.cu"])[..], false)],
            "{src} {x}: {found:#?}"
        );
    }
    // Told `-x cu`, nvcc reads the `.cpp` as CUDA; a name it cannot read is computed.
    for (src, x) in [("shim/shim.cpp", r#""-x", "cu", "#), ("shim/shim.inc", "")] {
        let found = alone(&script(src, x));
        assert!(
            (found.calls.iter()).any(|c| c.line == 5 && (c.computed_inputs || c.tabled)),
            "{src} {x}: {found:#?}"
        );
    }
}

/// FearL0rd/pulsar: to choose a host compiler, the build script writes `int main(){}` into
/// OUT_DIR and has nvcc compile it (`-ccbin=…`), throwing the object away. Read as a build
/// of an untracked `.cu`, it was an error of cuda.contracts ("GPU code compiled from no
/// tracked CUDA source"). A file the script writes itself from a literal with no device
/// code is host code; one written with a kernel is still a build of untracked CUDA.
#[test]
fn nvcc_compiling_a_probe_the_script_wrote_claims_no_kernel() {
    let script = |code: &str| {
        format!(
            r#"fn main() {{
    let out = std::env::var("OUT_DIR").unwrap();
    let probe = format!("{{out}}/ccbin_probe.cu");
    std::fs::write(&probe, "{code}").unwrap();
    let ok = std::process::Command::new("nvcc")
        .args(["-ccbin=c++", "-c", &probe, "-o"])
        .arg(format!("{{out}}/ccbin_probe.o"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
}}
"#
        )
    };
    let probe = alone(&script("int main(){return 0;}"));
    assert!(probe.calls.is_empty(), "{probe:#?}");
    for code in ["__global__ void k() {}", r#"#include \"kernels/k.cuh\""#] {
        let kernel = alone(&script(code));
        assert_eq!(kernel.calls.len(), 1, "{code}: {kernel:#?}");
        assert_eq!(
            kernel.calls[0].inputs,
            ["ccbin_probe.cu"],
            "{code}: {kernel:#?}"
        );
    }
}

/// JJJollyjim/entrust-cuda-rs: nvcc is handed `src_dir.join("main.cu")`, the directory a
/// literal bound by `let` (`.parse()`, `PathBuf::from`, `Path::new`). It compiles
/// `kernels/k.cu`; read as the bare literal, it compiled an untracked `k.cu` and the tracked
/// kernel was built by nothing.
#[test]
fn nvcc_handed_a_file_joined_to_a_named_directory_compiles_that_file() {
    for bind in [
        r#"let src_dir: PathBuf = "kernels".parse().unwrap();"#,
        r#"let src_dir = PathBuf::from("kernels");"#,
        r#"let src_dir = std::path::Path::new("kernels");"#,
    ] {
        let text = format!(
            r#"fn main() {{
    {bind}
    let mut ptx: PathBuf = std::env::var("OUT_DIR").unwrap().parse().unwrap();
    ptx.push("k.ptx");
    let status = std::process::Command::new("nvcc")
        .arg(src_dir.join("k.cu"))
        .arg("--ptx")
        .arg("-o")
        .arg(&ptx)
        .status()
        .expect("nvcc");
}}
"#
        );
        let call = only_call(&text);
        assert_eq!(call.inputs, strings(&["kernels/k.cu"]), "{bind}: {call:#?}");
        assert!(!call.computed_inputs, "{bind}: {call:#?}");
    }
}

/// gtrak/infers: a helper hands nvcc `&format!("-arch={}", arch)` and `src.to_str()`; the
/// arch parameter was read as the file compiled (every `.cu` "built by nothing", the builder
/// "compiled from no tracked source"). A parameter inside a macro's arguments is a part of a
/// flag; one converted to a string (`.to_str()`, `.to_string_lossy()`) is the file.
#[test]
fn a_helpers_arch_in_a_format_is_no_input_and_its_converted_path_is() {
    let text = r#"use std::path::Path;
use std::process::Command;

fn main() {
    let arch = std::env::var("ARCH").unwrap_or_else(|_| "sm_80".to_string());
    compile_kernel(Path::new("kernels/a.cu"), &arch);
}

fn compile_kernel(src: &Path, arch: &str) {
    Command::new("nvcc")
        .args(["-cubin", &format!("-arch={}", arch), src.to_str().unwrap()])
        .status()
        .unwrap();
}
"#;
    let found = script(text);
    assert_eq!(found.calls.len(), 1, "{found:#?}");
    assert_eq!(
        found.calls[0].inputs,
        strings(&["kernels/a.cu"]),
        "{found:#?}"
    );
    assert!(!found.calls[0].computed_inputs, "{found:#?}");
}

/// fumishiki/rosetta-moe: nvcc in a loop over a list of stems, each joined to the kernel
/// directory by `format!("{}.cu", kernel)`: it compiles the files the list names, not every
/// `.cu` of the package (a ninth, `decode.cu`, that no entry names was said built by it).
#[test]
fn nvcc_over_a_list_of_stems_compiles_the_files_they_name() {
    let text = r#"fn main() {
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let kernels = ["a", "b"];
    for kernel in &kernels {
        let src = std::path::PathBuf::from("kernels").join(format!("{}.cu", kernel));
        let obj = out_dir.join(format!("{}.o", kernel));
        std::process::Command::new("nvcc")
            .args(["-c", "-arch=sm_80", "-o", obj.to_str().unwrap(), src.to_str().unwrap()])
            .status()
            .unwrap();
    }
}
"#;
    let call = only_call(text);
    assert_eq!(
        call.inputs,
        strings(&["kernels/a.cu", "kernels/b.cu"]),
        "{call:#?}"
    );
    assert!(!call.computed_inputs, "{call:#?}");
}

/// nobuyuki83/del-cudarc's del-cudarc-sys: one `nvcc --lib` handed every `.cu` of a walked
/// directory (`cmd.arg(e.path())` in the loop) compiles them into the archive; it is no
/// link step of objects an earlier call compiled.
#[test]
fn nvcc_lib_over_the_files_of_a_walk_compiles_them() {
    let script = r#"fn main() {
    let mut cmd = std::process::Command::new("nvcc");
    cmd.arg("--lib");
    for e in walkdir::WalkDir::new("cuda") {
        let e = e.unwrap();
        if e.path().extension().map_or(false, |x| x == "cu") { cmd.arg(e.path()); }
    }
    cmd.args(["-o", "libk.a"]);
    assert!(cmd.status().unwrap().success());
}
"#;
    let found = alone(script);
    assert_eq!(found.calls.len(), 1, "{found:#?}");
    assert_eq!(found.calls[0].kind, BuilderKind::Nvcc);
    assert_eq!(found.calls[0].line, 2);
    assert_eq!(found.calls[0].inputs, ["cuda"]);
}

/// nobuyuki83/del-cudarc's del-cudarc-kernels: the program is a function of the build script
/// (`fn nvcc() -> String`, `$CUDA_PATH\\bin\\nvcc.exe` or `"nvcc".to_string()`); a `const NVCC:
/// &str = "nvcc"` names it as well. Each is raw nvcc, as the literal is.
#[test]
fn nvcc_named_through_a_const_or_a_function_of_the_script_is_raw_nvcc() {
    let tail = r#"
fn main() {
    std::process::Command::new(PROGRAM).args(["-fatbin", "cuda/a.cu", "-o"]).arg("a.fatbin").status().unwrap();
}
"#;
    let programs = [
        ("NVCC", "const NVCC: &str = \"nvcc\";"),
        (
            "nvcc()",
            "fn nvcc() -> String {\n    if let Ok(v) = std::env::var(\"CUDA_PATH\") { v + \"\\\\bin\\\\nvcc.exe\" } else { \"nvcc\".to_string() }\n}",
        ),
        ("cc()", "fn cc() -> String {\n    \"c++\".to_string()\n}"),
    ];
    let found: Vec<Vec<String>> = programs
        .iter()
        .map(|(program, def)| {
            let script = format!("{def}{}", tail.replace("PROGRAM", program));
            analyse(
                &RustFile {
                    rel: "build.rs",
                    text: &script,
                },
                &helpers(&[]),
            )
            .calls
            .into_iter()
            .filter(|c| c.kind == BuilderKind::Nvcc)
            .flat_map(|c| c.inputs)
            .collect()
        })
        .collect();
    assert_eq!(found, [vec!["cuda/a.cu"], vec!["cuda/a.cu"], vec![]]);
}

/// microsoft/aici's tch-cuda: the function globs `kernels/**`, compiles each file with one
/// nvcc, then archives the objects with `nvcc --lib` handed the list it made: the archive
/// step compiles nothing, so the sources have one builder, not two.
#[test]
fn nvcc_lib_over_the_objects_of_a_walk_compiles_nothing() {
    let script = r#"fn main() {
    let mut cu_files = vec![];
    for entry in glob::glob("kernels/**/*.cu").unwrap() {
        let p = entry.unwrap();
        cu_files.push((p.clone(), p.with_extension("o")));
    }
    for (cu, obj) in &cu_files {
        let mut command = std::process::Command::new("nvcc");
        command.arg("-c").args(["-o", obj.to_str().unwrap()]).arg(cu);
        command.status().unwrap();
    }
    let obj_files = cu_files.iter().map(|c| c.1.clone()).collect::<Vec<_>>();
    let mut command = std::process::Command::new("nvcc");
    command.arg("--lib").args(["-o", "libk.a"]).args(obj_files);
    command.status().unwrap();
}
"#;
    let found = alone(script);
    assert_eq!(found.calls.len(), 1, "{found:#?}");
    assert_eq!(found.calls[0].line, 8);
}

#[test]
fn nvcc_asked_for_its_version_compiles_nothing() {
    let script = "fn main() {\n    let out = match std::process::Command::new(\"nvcc\").arg(\"--version\").output() {\n        Ok(o) => o,\n        Err(e) => panic!(\"`nvcc --version` failed: {e}\"),\n    };\n}\n";
    let found = alone(script);
    assert!(found.calls.is_empty(), "{found:#?}");
    let compiles = "fn main() {\n    std::process::Command::new(\"nvcc\").arg(\"--version\").arg(\"k.cu\").status();\n}\n";
    let found = analyse(
        &RustFile {
            rel: "build.rs",
            text: compiles,
        },
        &helpers(&[]),
    );
    assert_eq!(found.calls.len(), 1, "{found:#?}");
}

/// mahout's shape: a helper that runs nvcc on the flag it is given, used only to list the
/// archs nvcc knows, from a function that adds flags to a `cc` build: nothing but the `cc`
/// build compiles. The same helper given a source does compile.
#[test]
fn a_helper_that_runs_nvcc_on_a_query_it_is_given_compiles_nothing() {
    let script = r#"use std::process::Command;
fn query_nvcc_list(flag: &str) -> Vec<String> {
    let Ok(output) = Command::new("nvcc").arg(flag).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
}
fn apply_default_arch_targets(build: &mut cc::Build) {
    let supported_sm = query_nvcc_list("--list-gpu-code");
    let supported_compute = query_nvcc_list("--list-gpu-arch");
    for arch in supported_sm.iter().chain(&supported_compute) {
        build.flag(format!("-arch=sm_{arch}"));
    }
}
fn main() {
    let mut build = cc::Build::new();
    build.cuda(true);
    apply_default_arch_targets(&mut build);
    build.file("src/amplitude.cu").compile("kernels");
}
"#;
    let found = script_with(&[], script);
    let kinds: Vec<BuilderKind> = found.calls.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [BuilderKind::Cc], "{found:#?}");
    assert_eq!(found.calls[0].inputs, ["src/amplitude.cu"]);
    let compiles = script.replace(
        "query_nvcc_list(\"--list-gpu-arch\")",
        "query_nvcc_list(\"src/k.cu\")",
    );
    let found = script_with(&[], &compiles);
    assert!(
        found.calls.iter().any(|c| c.kind == BuilderKind::Nvcc),
        "{found:#?}"
    );
}

/// The same helper read where the flags are added in an `else` branch and the query is the
/// loop's iterator (apache/mahout's `qdp-kernels/build.rs`, an architecture from the
/// environment or else every one nvcc lists): still only the `cc` build compiles.
#[test]
fn a_query_helper_called_from_an_else_branch_compiles_nothing() {
    let script = r#"use std::process::Command;
fn query_nvcc_list(flag: &str) -> Vec<String> {
    let Ok(out) = Command::new("nvcc").arg(flag).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout).lines().map(|s| s.to_string()).collect()
}
fn add_archs(build: &mut cc::Build) {
    for a in query_nvcc_list("--list-gpu-code") {
        build.flag(format!("-arch={a}"));
    }
}
fn main() {
    let mut build = cc::Build::new();
    build.cuda(true);
    if let Ok(a) = std::env::var("MY_ARCH") {
        build.flag(format!("-arch=sm_{a}"));
    } else {
        add_archs(&mut build);
    }
    build.file("src/k.cu").compile("k");
}
"#;
    let found = script_with(&[], script);
    let kinds: Vec<BuilderKind> = found.calls.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [BuilderKind::Cc], "{found:#?}");
}

/// David-OConnor/ewald: `cuda_setup::build_ptx(arch, &["src/cuda/kernels.cu"], "ewald")`,
/// whose body runs nvcc on `cuda_files[0]` with an output path it computes. The call compiles
/// the file it passes, not every CUDA file of the package (its `cufft.cu`, built by `cc`
/// under a feature, was said to be compiled by this raw nvcc call too).
#[test]
fn a_helper_running_nvcc_on_its_parameter_compiles_what_each_call_passes() {
    let helper = r#"use std::process::Command;
pub fn build_ptx(min_arch: Arch, cuda_files: &[&str], name: &str) {
    for kernel in cuda_files {
        println!("cargo:rerun-if-changed={kernel}");
    }
    let out = std::env::var("OUT_DIR").unwrap();
    let st = Command::new("nvcc")
        .args([cuda_files[0], &min_arch.compute_val(), "-ptx", "-o", &format!("{out}/{name}.ptx")])
        .status()
        .unwrap();
    assert!(st.success());
}
"#;
    let script =
        "fn main() {\n    helper::build_ptx(helper::Arch::Rtx3, &[\"src/a.cu\"], \"a\");\n}\n";
    let found = script_with(&[("helper/src/lib.rs", helper)], script);
    let calls: Vec<(BuilderKind, &[String], bool)> = found
        .calls
        .iter()
        .map(|c| (c.kind, c.inputs.as_slice(), c.computed_inputs))
        .collect();
    assert_eq!(
        calls,
        [(BuilderKind::Nvcc, &["src/a.cu".to_owned()][..], false)],
        "{found:#?}"
    );
}

/// nextstat.io's build script: each nvcc call is handed a name bound to a `format!` of the
/// kernel directory and one file. Each call compiles its file, not every `.cu` of the
/// package: the path's value where the script says all of it (`kernel_dir` a literal), else
/// the file its template ends in, found as a table's entry is (`OUT_DIR` around it).
#[test]
fn nvcc_handed_a_name_bound_to_a_formatted_path_compiles_that_file() {
    let text = r#"fn main() {
    let kernel_dir = "kernels";
    let out_dir = std::env::var("OUT_DIR").unwrap();
    let a_src = format!("{}/a.cu", kernel_dir);
    let a_ptx = format!("{}/a.ptx", out_dir);
    let st = std::process::Command::new("nvcc")
        .args(["--ptx", "-arch=compute_75", "-o", &a_ptx, &a_src])
        .status()
        .unwrap();
    let b_src = format!("{}/kernels/b.cu", std::env::var("SRC").unwrap());
    let st = std::process::Command::new("nvcc").arg("--ptx").arg(&b_src).status();
}
"#;
    let calls = script(text).calls;
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_eq!(calls[0].inputs, strings(&["kernels/a.cu"]));
    assert!(!calls[0].computed_inputs && !calls[0].tabled, "{calls:#?}");
    assert_eq!(calls[1].inputs, strings(&["kernels/b.cu"]));
    assert!(!calls[1].computed_inputs && calls[1].tabled, "{calls:#?}");
}

/// A loop's variable handed to nvcc compiles the files of the list the loop walks, each
/// helper its own (ferrum-infer-rs: `for kernel in CORE_PTX_KERNELS` in one helper, `for src
/// in cu_files` over a local list in another; every call was read as compiling every `.cu` of
/// the script). A loop over a directory's walk compiles that directory, as before.
#[test]
fn nvcc_handed_a_loop_s_variable_compiles_the_files_of_its_list() {
    let text = r#"const CORE: &[&str] = &["kernels/a.cu"];
fn main() {
    core();
    extra();
    more();
    for path in std::fs::read_dir("kernels/ops").unwrap() {
        std::process::Command::new("nvcc").arg("-c").arg(&path).status();
    }
}
fn core() {
    for k in CORE {
        std::process::Command::new("nvcc").arg("--ptx").arg(k).status().unwrap();
    }
}
fn extra() {
    let files: &[&str] = &["extra/b.cu", "extra/c.cu"];
    for src in files {
        std::process::Command::new("nvcc").args(["-c", src, "-o", "b.o"]).status().unwrap();
    }
}
fn more() {
    for src in ["extra/d.cu"] {
        std::process::Command::new("nvcc").args(["-c", src]).status().unwrap();
    }
}
"#;
    let calls = script(text).calls;
    let inputs: Vec<&[String]> = calls.iter().map(|c| c.inputs.as_slice()).collect();
    assert_eq!(
        inputs,
        [
            strings(&["kernels/a.cu"]),
            strings(&["extra/b.cu", "extra/c.cu"]),
            strings(&["extra/d.cu"]),
            strings(&["kernels/ops"]),
        ]
    );
    assert!(
        calls[..3].iter().all(|c| !c.computed_inputs && !c.tabled),
        "{calls:#?}"
    );
}

/// A name followed to its binding only where that is certain: a name nvcc is handed with
/// one that cannot be read beside it (a walk's `&path`), a `match` of several paths: what the
/// call compiles is computed, as before names were followed. A `let` in a block closed before the call binds
/// another variable.
#[test]
fn names_handed_to_nvcc_that_cannot_be_read_leave_the_call_computed() {
    let walk = r#"fn main() {
    let common = format!("{}/common.cu", "kernels");
    for e in std::fs::read_dir("kernels/ops").unwrap() {
        let path = e.unwrap().path();
        std::process::Command::new("nvcc").arg("-c").arg(&common).arg(&path).status();
    }
}
"#;
    // Computed, so the walk's directory is read as what the call compiles.
    let call = only_call(walk);
    assert!(call.inputs.contains(&"kernels/ops".to_owned()), "{call:#?}");
    let matched = r#"fn main() {
    let src = match 1 { 1 => format!("{}/a.cu", out()), _ => format!("{}/b.cu", out()) };
    std::process::Command::new("nvcc").args(["--ptx", &src]).status();
}
"#;
    assert!(only_call(matched).computed_inputs);
    let shadowed = r#"fn main() {
    let src = "kernels/main.cu";
    if true {
        let src = "kernels/extra.cu";
        println!("{src}");
    }
    std::process::Command::new("nvcc").args(["--ptx", &src]).status();
}
"#;
    assert_eq!(only_call(shadowed).inputs, strings(&["kernels/main.cu"]));
}

/// nextstat.io again: `let status = Command::new(..)…status();`, an `if` block, then `let
/// status =` another nvcc call. The first call's extent followed `status` into the statement
/// that runs on past the block (no `;` after it) and took the second call's file as its own.
#[test]
fn a_result_bound_anew_after_a_block_is_another_call() {
    let text = r#"fn main() {
    let dir = "kernels";
    let a_src = format!("{}/a.cu", dir);
    let status = std::process::Command::new("nvcc").args(["--ptx", &a_src]).status();
    assert!(status.is_ok());
    let b_src = format!("{}/b.cu", dir);
    if std::env::var("SKIP").is_ok() {
        return;
    }
    let status = std::process::Command::new("nvcc").args(["--ptx", &b_src]).status();
    assert!(status.is_ok());
}
"#;
    let calls = script(text).calls;
    let inputs: Vec<&[String]> = calls.iter().map(|c| c.inputs.as_slice()).collect();
    assert_eq!(
        inputs,
        [
            &strings(&["kernels/a.cu"])[..],
            &strings(&["kernels/b.cu"])[..]
        ]
    );
}

/// vllm-rust's shape: raw nvcc over a table the script writes out, each entry's source a
/// field; the call compiles the files the table names (three tracked ones it does not name
/// are nobody's), not every file of the package. With a walk in the script, a named file
/// may be one the walk leaves out: the call stays computed.
#[test]
fn raw_nvcc_over_a_written_table_compiles_what_it_names() {
    let script = r#"struct KernelDef { source: &'static str, output: &'static str }
const KERNELS: &[KernelDef] = &[
    KernelDef { source: "kernels/paged_attention.cu", output: "kernels/paged_attention.ptx" },
    KernelDef { source: "kernels/fp8_gemm.cu", output: "kernels/fp8_gemm.ptx" },
];
fn main() {
    println!("cargo:rerun-if-changed=kernels/paged_attention.cu");
    for kernel in KERNELS {
        let status = std::process::Command::new("nvcc")
            .args(["--ptx", "-O3", "-o", kernel.output, kernel.source])
            .status();
        assert!(status.unwrap().success());
    }
}
"#;
    let call = only_call(script);
    assert_eq!(call.kind, BuilderKind::Nvcc);
    assert_eq!(
        call.inputs,
        strings(&[
            "kernels/paged_attention.cu",
            "kernels/paged_attention.ptx",
            "kernels/fp8_gemm.cu",
            "kernels/fp8_gemm.ptx"
        ])
    );
    assert!(!call.computed_inputs);
    let walking =
        format!("{script}fn listed() {{\n    let _ = std::fs::read_dir(\"kernels\");\n}}\n");
    let call = only_call(&walking);
    assert!(call.computed_inputs, "{call:#?}");
}

#[test]
fn cc_method_chain() {
    let call = only_call(
        "fn main() {\n    cc::Build::new()\n        .cuda(true)\n        .file(\"src/kernels.cu\")\n        .flag(\"-arch=sm_80\")\n        .include(\"include\")\n        .compile(\"kernels\");\n}\n",
    );
    assert_eq!(call.kind, BuilderKind::Cc);
    assert_eq!(call.line, 3, "at the .cuda(true)");
    assert_eq!(call.inputs, strings(&["src/kernels.cu"]));
    assert_eq!(call.include_dirs, strings(&["include"]));
    assert_eq!(call.archs, strings(&["sm_80"]));
    assert!(!call.native_arch && !call.computed_inputs && call.via.is_none());
}

#[test]
fn cc_builder_variable_with_use_import() {
    let call = only_call(
        "use cc::Build;\nfn main() {\n    let mut build = Build::new();\n    build.file(\"a.cu\");\n    build.cuda(true);\n    build.files([\"b.cu\", \"c.cu\"]);\n    build.flag(\"-arch=native\");\n    build.compile(\"k\");\n}\n",
    );
    assert_eq!((call.kind, call.line), (BuilderKind::Cc, 5));
    assert_eq!(call.inputs, strings(&["a.cu", "b.cu", "c.cu"]));
    assert!(call.native_arch);
    assert!(call.archs.is_empty());
}

#[test]
fn a_cc_build_that_reads_nvcc_is_cc_not_raw_nvcc() {
    let s = script(
        "fn main() {\n    let nvcc = std::env::var(\"NVCC\").unwrap_or_default();\n    println!(\"cargo:rerun-if-env-changed=NVCC {nvcc}\");\n    let mut b = cc::Build::new();\n    b.cuda(true).file(\"k.cu\");\n    b.compile(\"k\");\n}\n",
    );
    assert_eq!(s.calls.len(), 1, "{s:#?}");
    assert_eq!((s.calls[0].kind, s.calls[0].line), (BuilderKind::Cc, 5));
}

#[test]
fn cc_without_cuda_is_not_a_gpu_build() {
    assert!(
        script("fn main() { cc::Build::new().file(\"a.c\").compile(\"a\"); }")
            .calls
            .is_empty()
    );
    assert!(
        script("fn main() { cc::Build::new().cuda(false).file(\"a.cu\").compile(\"a\"); }")
            .calls
            .is_empty()
    );
    // `Build` from another crate is not cc's.
    assert!(
        script("use other::Build;\nfn main() { Build::new().cuda(true).compile(\"a\"); }")
            .calls
            .is_empty()
    );
}

#[test]
fn comments_and_strings_are_never_code() {
    let s = script(
        "// cc::Build::new().cuda(true).file(\"a.cu\")\n/* Command::new(\"nvcc\") */\nfn main() {\n    let s = \"cc::Build::new().cuda(true) nvidia-smi\";\n    // Command::new(\"nvidia-smi\")\n    println!(\"{s}\");\n}\n",
    );
    assert!(s.calls.is_empty(), "{s:#?}");
    assert_eq!(
        s.gpu_probe, None,
        "a message mentioning nvidia-smi is not a probe"
    );
    let commented = script("// Command::new(\"nvidia-smi\")\nfn main() {}\n");
    assert_eq!(commented.gpu_probe, None);
    let probing = script("fn main() {\n    let smi = \"/usr/bin/nvidia-smi\";\n}\n");
    assert_eq!(probing.gpu_probe.map(|p| p.0), Some(2));
}

#[test]
fn cc_through_a_helper_in_a_sibling_crate() {
    let helper = (
        "helpers/src/lib.rs",
        "//! Helpers.\n\npub fn ccmd() -> cc::Build {\n    let mut b = cc::Build::new();\n    b.cuda(true).flag(\"-arch=native\").include(\"../common\");\n    b\n}\n",
    );
    let s = script_with(
        &[helper],
        "fn main() {\n    let mut b = helpers::ccmd();\n    b.file(\"kernels/a.cu\").compile(\"k\");\n}\n",
    );
    assert_eq!(s.calls.len(), 1, "{s:#?}");
    let call = &s.calls[0];
    assert_eq!((call.kind, call.line), (BuilderKind::Cc, 2));
    assert_eq!(call.via.as_deref(), Some("helpers/src/lib.rs:3"));
    assert_eq!(call.inputs, strings(&["kernels/a.cu"]));
    assert_eq!(call.include_dirs, strings(&["../common"]));
    assert!(call.native_arch);
}

#[test]
fn helpers_that_call_helpers_and_non_helpers() {
    let files = [
        RustFile {
            rel: "h/src/lib.rs",
            text: "pub fn ccmd() -> cc::Build { let mut b = cc::Build::new(); b.cuda(true); b }\npub fn with_flags() -> cc::Build { let mut b = ccmd(); b.flag(\"-O3\"); b }\npub fn plain() -> cc::Build { cc::Build::new() }\n",
        },
        RustFile {
            rel: "other/src/lib.rs",
            text: "pub fn nothing() {}\n",
        },
    ];
    let found = helpers(&files);
    let names: Vec<&str> = found.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["ccmd", "with_flags"]);
    assert_eq!(
        found.get("with_flags", None).map(|h| h.at.as_str()),
        Some("h/src/lib.rs:2")
    );
    assert!(found.get("plain", None).is_none());
    let s = analyse(
        &RustFile {
            rel: "app/build.rs",
            text: "fn main() {\n    h::with_flags().file(\"x.cu\").compile(\"x\");\n    Foo::ccmd();\n    x.ccmd();\n}\n",
        },
        &found,
    );
    assert_eq!(
        s.calls.len(),
        1,
        "a type's or a method's `ccmd` is not the helper: {s:#?}"
    );
    assert_eq!(s.calls[0].inputs, strings(&["x.cu"]));
}

#[test]
fn raw_nvcc_commands() {
    let call = only_call(
        "use std::process::Command;\nfn main() {\n    let status = Command::new(\"nvcc\")\n        .arg(\"-arch=sm_90\")\n        .arg(\"-Iinc\")\n        .args([\"-I\", \"more\", \"-c\", \"kernels/x.cu\", \"-o\"])\n        .status();\n}\n",
    );
    assert_eq!((call.kind, call.line), (BuilderKind::Nvcc, 3));
    assert_eq!(call.inputs, strings(&["kernels/x.cu"]));
    assert_eq!(call.include_dirs, strings(&["inc", "more"]));
    assert_eq!(call.archs, strings(&["sm_90"]));
    assert!(!call.computed_inputs);

    let from_env = only_call(
        "fn main() {\n    let nvcc = std::env::var(\"NVCC\").unwrap_or_else(|_| \"nvcc\".into());\n    let mut cmd = std::process::Command::new(&nvcc);\n    cmd.arg(format!(\"src/{}.cu\", name));\n    cmd.status();\n}\n",
    );
    assert_eq!((from_env.kind, from_env.line), (BuilderKind::Nvcc, 3));
    assert!(from_env.inputs.is_empty() && from_env.computed_inputs);

    let gcc = script(
        "fn main() {\n    let cc = \"gcc\";\n    std::process::Command::new(&cc).arg(\"x.c\").status();\n    std::process::Command::new(\"nvidia-smi\").status();\n}\n",
    );
    assert!(gcc.calls.is_empty(), "{gcc:#?}");

    // nvcc through a compiler launcher (aici's tch-cuda: `Command::new("ccache").arg("nvcc")`).
    for launched in [
        ".arg(\"nvcc\")",
        ".args([\"nvcc\", \"-O3\"])",
        ".args(&[\"nvcc\"])",
    ] {
        let call = only_call(&format!(
            "fn main() {{\n    std::process::Command::new(\"ccache\")\n        {launched}\n        .arg(\"--gpu-architecture=sm_80\")\n        .args([\"-c\", \"kernels/add.cu\"])\n        .status();\n}}\n"
        ));
        assert_eq!((call.kind, call.line), (BuilderKind::Nvcc, 2), "{launched}");
        assert_eq!(call.inputs, strings(&["kernels/add.cu"]), "{launched}");
        assert_eq!(call.archs, strings(&["sm_80"]), "{launched}");
    }
    // aici's table: names joined to the directory they lie in where the call takes them.
    let tabled = only_call(
        "const KERNEL_FILES: [&str; 2] = [\"add.cu\", \"kernels/mul.cu\"];\nfn main() {\n    for f in KERNEL_FILES {\n        std::process::Command::new(\"ccache\")\n            .arg(\"nvcc\")\n            .arg(\"-c\")\n            .arg(std::path::PathBuf::from(\"kernels\").join(f))\n            .status();\n    }\n}\n",
    );
    assert_eq!(
        tabled.inputs,
        strings(&["kernels/add.cu", "kernels/mul.cu"])
    );
    assert!(tabled.tabled && !tabled.computed_inputs);
    // aici's own: the launcher bound first, its arguments handed on in the next statement.
    let bound = only_call(
        "fn main() {\n    let mut command = std::process::Command::new(\"ccache\");\n    command\n        .env(\"LANG\", \"en_US.UTF-8\")\n        .arg(\"nvcc\")\n        .arg(\"--gpu-architecture=sm_80\")\n        .arg(\"kernels/k.cu\");\n    command.status();\n}\n",
    );
    assert_eq!((bound.kind, bound.line), (BuilderKind::Nvcc, 2));
    let cached_gcc = script(
        "fn main() {\n    std::process::Command::new(\"sccache\").arg(\"gcc\").arg(\"x.c\").status();\n}\n",
    );
    assert!(cached_gcc.calls.is_empty(), "{cached_gcc:#?}");
}

#[test]
fn cmake_with_and_without_cuda() {
    let call = only_call(
        "fn main() {\n    let mut config = cmake::Config::new(\"llama.cpp\");\n    if cfg!(feature = \"cuda\") {\n        config.define(\"GGML_CUDA\", \"ON\");\n        config.define(\"CMAKE_CUDA_ARCHITECTURES\", \"80;90\");\n    }\n    config.build();\n}\n",
    );
    assert_eq!((call.kind, call.line), (BuilderKind::Cmake, 2));
    assert_eq!(call.inputs, strings(&["llama.cpp"]));
    assert_eq!(call.archs, strings(&["80;90"]));
    assert_eq!(
        call.switch.as_deref(),
        Some("GGML_CUDA=ON if feature \"cuda\"")
    );

    let arg = only_call(
        "use cmake::Config;\nfn main() {\n    Config::new(\"vendor\").configure_arg(\"-DGGML_CUDA=ON\").configure_arg(\"-DCMAKE_CUDA_ARCHITECTURES=native\").build();\n}\n",
    );
    assert_eq!(arg.switch.as_deref(), Some("GGML_CUDA=ON"));
    assert!(arg.native_arch);

    let plain = script(
        "fn main() {\n    cmake::Config::new(\"zlib\").define(\"BUILD_SHARED\", \"OFF\").define(\"GGML_CUDA\", \"OFF\").build();\n}\n",
    );
    assert!(plain.calls.is_empty(), "{plain:#?}");

    // No CUDA option at all: CUDA exactly when the project switches it on (read by the caller).
    let project = only_call(
        "fn main() {\n    let dst = cmake::Config::new(\"cuda\").profile(\"Release\").build();\n}\n",
    );
    assert!(project.cmake_project);
    assert_eq!(project.inputs, strings(&["cuda"]));
    assert_eq!((project.switch, project.line), (None, 2));
}

/// `CMAKE_CUDA_ARCHITECTURES` handed a name bound to the environment's value or a default
/// (`let sm = env::var("CUDA_ARCH").ok().or_else(|| env::var("CMAKE_CUDA_ARCHITECTURES").ok())
/// .unwrap_or_else(|| "120".to_string());`, a public build script) asks for the default; a
/// name bound to no arch list asks for nothing known.
#[test]
fn cmake_archs_through_a_name_with_a_default_are_the_default() {
    let env = "use std::env;\nfn main() {\n    let sm = env::var(\"CUDA_ARCH\")\n        .ok()\n        .or_else(|| env::var(\"CMAKE_CUDA_ARCHITECTURES\").ok())\n        .unwrap_or_else(|| \"120\".to_string());\n    cmake::Config::new(\"cuda\").define(\"CMAKE_CUDA_ARCHITECTURES\", &sm).build();\n}\n";
    assert_eq!(only_call(env).archs, strings(&["120"]));
    let none = "fn main() {\n    let sm = std::env::var(\"SM\").unwrap();\n    cmake::Config::new(\"cuda\").define(\"CMAKE_CUDA_ARCHITECTURES\", sm).build();\n}\n";
    let call = only_call(none);
    assert!(call.archs.is_empty() && !call.native_arch, "{call:#?}");
}

#[test]
fn bindgen_cuda_and_cudaforge() {
    let default = only_call(
        "fn main() {\n    #[cfg(feature = \"cuda\")]\n    {\n        let builder = bindgen_cuda::Builder::default();\n        builder.build_ptx().unwrap();\n    }\n}\n",
    );
    assert_eq!((default.kind, default.line), (BuilderKind::BindgenCuda, 4));
    assert_eq!(default.inputs, strings(&["src/**/*.cu"]));
    assert_eq!(default.switch.as_deref(), Some("feature \"cuda\""));

    let globbed = only_call(
        "use bindgen_cuda::Builder;\nfn main() {\n    Builder::default().kernel_paths_glob(\"kernels/**/*.cu\").include_paths_glob(\"kernels/*.cuh\").arg(\"--gpu-architecture=sm_80\").build_lib(\"libk.a\");\n}\n",
    );
    assert_eq!(globbed.inputs, strings(&["kernels/**/*.cu"]));
    assert_eq!(globbed.include_dirs, strings(&["kernels/*.cuh"]));
    assert_eq!(globbed.archs, strings(&["sm_80"]));

    let forge = only_call(
        "fn main() {\n    cudaforge::KernelBuilder::new().source_glob(\"src/*.cu\").arg(\"-gencode\").arg(\"arch=compute_80,code=[sm_80,compute_80]\").build().unwrap();\n}\n",
    );
    assert_eq!(forge.kind, BuilderKind::Cudaforge);
    assert_eq!(forge.inputs, strings(&["src/*.cu"]));
    assert_eq!(forge.archs, strings(&["sm_80", "compute_80"]));
}

#[test]
fn cuda_builder_and_ptx_outside_out_dir() {
    let s = script(
        "use cuda_builder::{CudaBuilder, NvvmArch};\nfn main() {\n    CudaBuilder::new(\"../kernels\")\n        .copy_to(\"../resources/k.ptx\")\n        .arch(NvvmArch::Compute70)\n        .build()\n        .unwrap();\n}\n",
    );
    assert_eq!(s.calls.len(), 1, "{s:#?}");
    assert_eq!(
        (s.calls[0].kind, s.calls[0].line),
        (BuilderKind::CudaBuilder, 3)
    );
    // What it compiles, and the PTX it writes (a tracked copy of it is its product).
    assert_eq!(
        s.calls[0].inputs,
        strings(&["../kernels", "../resources/k.ptx"])
    );
    assert_eq!(s.calls[0].archs, strings(&["compute_70"]));
    assert_eq!(
        s.outside_out_dir,
        Some((4, "../resources/k.ptx".to_owned()))
    );

    let inside = script(
        "fn main() {\n    let out = std::path::PathBuf::from(std::env::var(\"OUT_DIR\").unwrap());\n    cuda_builder::CudaBuilder::new(\"kernels\").copy_to(out.join(\"k.ptx\")).build().unwrap();\n    std::fs::write(out.join(\"x.ptx\"), ptx).unwrap();\n}\n",
    );
    assert_eq!(inside.outside_out_dir, None);
    let written = script(
        "fn main() {\n    std::fs::copy(&src, \"kernels/x.ptx\").unwrap();\n    std::fs::write(\"notes.txt\", \"\").unwrap();\n}\n",
    );
    assert_eq!(
        written.outside_out_dir,
        Some((2, "kernels/x.ptx".to_owned()))
    );
    // advent-of-cuda: the destination computed from the package's directory.
    let computed = script(
        "fn main() {\n    let res_dir = std::env::current_dir().unwrap().join(\"resources\");\n    CudaBuilder::new(\"gpu\")\n        .copy_to(res_dir.join(\"gpu.ptx\"))\n        .build()\n        .unwrap();\n}\n",
    );
    assert_eq!(
        computed.outside_out_dir,
        Some((4, "./resources/gpu.ptx".to_owned()))
    );
}

#[test]
fn gate_build_calls() {
    let call = only_call(
        "fn main() -> Result<(), gate_build::Error> {\n    gate_build::Kernels::new().dir(\"src\").include(\"inc\").archs([\"sm_80\", \"sm_90\"]).build()?;\n    Ok(())\n}\n",
    );
    assert_eq!((call.kind, call.line), (BuilderKind::GateBuild, 2));
    assert_eq!(call.inputs, strings(&["src"]));
    assert_eq!(call.include_dirs, strings(&["inc"]));
    assert_eq!(call.archs, strings(&["sm_80", "sm_90"]));
    let computed = only_call("fn main() { gate_build::Kernels::new().dir(dir).build().unwrap(); }");
    assert!(computed.inputs.is_empty() && computed.computed_inputs);
}

#[test]
fn feature_guards() {
    let early = only_call(
        "fn main() {\n    if std::env::var(\"CARGO_FEATURE_CUDA\").is_err() {\n        return;\n    }\n    cc::Build::new().cuda(true).file(\"a.cu\").compile(\"a\");\n}\n",
    );
    assert_eq!(early.switch.as_deref(), Some("feature \"cuda\""));
    let var = only_call(
        "fn main() {\n    let gpu = std::env::var_os(\"CARGO_FEATURE_GPU\").is_some();\n    let mut b = cc::Build::new();\n    if gpu {\n        b.cuda(true);\n    }\n    b.file(\"a.cu\").compile(\"a\");\n}\n",
    );
    assert_eq!(
        (var.line, var.switch.as_deref()),
        (5, Some("feature \"gpu\""))
    );
    let negated = only_call(
        "#[cfg(not(feature = \"cuda\"))]\nfn cpu() {}\nfn main() { cc::Build::new().cuda(true).compile(\"a\"); }\n",
    );
    assert_eq!(negated.switch, None);
    // LuchnikovI/Differentiable-quantum-circuit-cuda: one builder without the feature, one
    // with it; a negation beside another test is read with it (heclack/lumi's).
    let without = script(
        "fn main() {\n    #[cfg(not(feature = \"f64\"))]\n    cc::Build::new().cuda(true).file(\"k.cu\").compile(\"k\");\n    #[cfg(feature = \"f64\")]\n    cc::Build::new().cuda(true).flag(\"-DF64\").file(\"k.cu\").compile(\"k\");\n    #[cfg(all(feature = \"a\", not(feature = \"b\")))]\n    cc::Build::new().cuda(true).file(\"m.cu\").compile(\"m\");\n}\n",
    );
    let switches: Vec<_> = without
        .calls
        .iter()
        .map(|c| (c.line, c.switch.as_deref()))
        .collect();
    assert_eq!(
        switches,
        [
            (3, Some("without feature \"f64\"")),
            (5, Some("feature \"f64\"")),
            (7, Some("feature \"a\" and without feature \"b\""))
        ]
    );
    assert_eq!(
        crate::scripts::only("without feature \"f64\""),
        "only without feature \"f64\""
    );
    assert_eq!(
        crate::scripts::only("feature \"f64\""),
        "only with feature \"f64\""
    );
    let unguarded = only_call("fn main() { cc::Build::new().cuda(true).compile(\"a\"); }");
    assert_eq!(unguarded.switch, None);
}

#[test]
fn a_helper_of_the_build_script_itself_is_reported_at_its_call() {
    let s = script(
        "#[cfg(feature = \"kernels\")]\nfn build_kernels() {\n    cuda_builder::CudaBuilder::new(\"../miner\").copy_to(\"kernels/miner.ptx\").build().unwrap();\n}\n\nfn main() {\n    #[cfg(feature = \"kernels\")]\n    build_kernels();\n}\n",
    );
    assert_eq!(s.calls.len(), 1, "{s:#?}");
    let call = &s.calls[0];
    assert_eq!((call.kind, call.line), (BuilderKind::CudaBuilder, 8));
    assert_eq!(call.via.as_deref(), Some("app/build.rs:2"));
    assert_eq!(call.inputs, strings(&["../miner", "kernels/miner.ptx"]));
    assert_eq!(call.switch.as_deref(), Some("feature \"kernels\""));
    assert_eq!(s.outside_out_dir, Some((3, "kernels/miner.ptx".to_owned())));
}

/// coreylowman/dfdx: the call is guarded (`feature "cuda"`) and so is nvcc inside the helper
/// (`not(feature = "ci-check")`, which CI turns on to skip the GPU build): both are needed,
/// where the call's guard alone was reported.
#[test]
fn a_guard_inside_a_helper_adds_to_the_guard_of_its_call() {
    let s = script(
        "fn main() {\n    #[cfg(feature = \"cuda\")]\n    build_ptx();\n}\n\nfn build_ptx() {\n    #[cfg(not(feature = \"ci-check\"))]\n    std::process::Command::new(\"nvcc\").args([\"--ptx\", \"src/k.cu\"]).status().unwrap();\n}\n",
    );
    assert_eq!(s.calls.len(), 1, "{s:#?}");
    assert_eq!(
        s.calls[0].switch.as_deref(),
        Some("feature \"cuda\" and without feature \"ci-check\""),
        "{s:#?}"
    );
    assert_eq!(
        call_and_helper(
            Some("feature \"a\"".into()),
            Some("-DX=ON if feature \"a\" and nvcc found")
        ),
        Some("-DX=ON if feature \"a\" and nvcc found".to_owned())
    );
    let either = Some("feature \"a\" or feature \"b\"".to_owned());
    assert_eq!(
        call_and_helper(either.clone(), Some("feature \"c\"")),
        either
    );
}

#[test]
fn arch_spellings() {
    let call = only_call(
        "fn main() {\n    cc::Build::new().cuda(true)\n        .flag(\"-arch=all-major\")\n        .flag(\"-gencode=arch=compute_90a,code=sm_90a\")\n        .flag(\"-arch\").flag(\"sm_75\")\n        .flag(&format!(\"-arch=sm_{cap}\"))\n        .compile(\"a\");\n}\n",
    );
    assert_eq!(call.archs, strings(&["all-major", "sm_90a", "sm_75"]));
    assert!(
        !call.native_arch,
        "all-major depends on the toolkit, not the build machine"
    );
}

/// ucsdwcsng/rustypfb's offlinepfb-sys: `.flag("-gencode").flag("arch=compute_75, code=sm_80")`,
/// a space after the comma that nvcc accepts, lost its archs (`"archs": []`); spaced inside
/// one literal or inside `code=[..]` it ships the same `code=` targets. A flag after a comma
/// stays a flag of its own.
#[test]
fn a_gencode_value_spaced_after_its_comma_keeps_its_archs() {
    let spaced = "fn main() {\n    cc::Build::new().cpp(true).cuda(true)\n        .file(\"cu/k.cu\")\n        .flag(\"-gencode\")\n        .flag(\"arch=compute_75, code=sm_80\")\n        .compile(\"libgpu.a\");\n}\n";
    assert_eq!(only_call(spaced).archs, strings(&["sm_80"]));
    let one_literal = "fn main() {\n    cc::Build::new().cuda(true).file(\"k.cu\")\n        .flag(\"-O3 -gencode arch=compute_80,  code=[sm_80, compute_80] -lineinfo\")\n        .compile(\"k\");\n}\n";
    assert_eq!(
        only_call(one_literal).archs,
        strings(&["sm_80", "compute_80"])
    );
    let flag_after_comma = "fn main() {\n    cc::Build::new().cuda(true).file(\"k.cu\")\n        .flag(\"-Xcompiler -fPIC, -arch=sm_90\")\n        .compile(\"k\");\n}\n";
    assert_eq!(only_call(flag_after_comma).archs, strings(&["sm_90"]));
}

#[test]
fn real_world_shapes() {
    // cudaforge imported by name, two builders, reassigned variables, a build-time probe.
    let s = script(
        "use cudaforge::{KernelBuilder, Result};\nfn main() -> Result<()> {\n    let mut ptx = KernelBuilder::new()\n        .source_dir(\"src\")\n        .exclude(&[\"big_*.cu\"]);\n    ptx = ptx.arg(\"-O3\");\n    ptx.build_ptx()?;\n    let mut lib = KernelBuilder::default().source_files(vec![\"src/big/a.cu\", \"src/big/b.cu\"]);\n    let cap = cudaforge::detect_compute_cap().unwrap_or(80);\n    if cap < 80 {\n        lib = lib.arg(\"-DNO_BF16\");\n    }\n    lib.build_lib(\"libbig.a\")?;\n    Ok(())\n}\n",
    );
    let got: Vec<(BuilderKind, u32, Vec<String>)> = s
        .calls
        .iter()
        .map(|c| (c.kind, c.line, c.inputs.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (BuilderKind::Cudaforge, 3, strings(&["src"])),
            (
                BuilderKind::Cudaforge,
                8,
                strings(&["src/big/a.cu", "src/big/b.cu"])
            ),
        ]
    );
    assert_eq!(
        s.gpu_probe,
        Some((
            9,
            "detects the compute capability (`detect_compute_cap()`)".to_owned()
        ))
    );
    // cmake on a computed source dir, CUDA switched on by a feature among others.
    let call = only_call(
        "use cmake::Config;\nfn main() {\n    let dst = out_dir.join(\"llama.cpp\");\n    let shared = cfg!(feature = \"cuda\") || cfg!(feature = \"dylib\");\n    let mut config = Config::new(&dst);\n    config.define(\"BUILD_TESTS\", \"OFF\");\n    if cfg!(feature = \"vulkan\") {\n        config.define(\"GGML_VULKAN\", \"ON\");\n    }\n    if cfg!(feature = \"cuda\") {\n        config.define(\"GGML_CUDA\", \"ON\");\n    }\n    config.profile(\"Release\");\n    let built = config.build();\n}\n",
    );
    assert_eq!((call.kind, call.line), (BuilderKind::Cmake, 5));
    assert!(call.inputs.is_empty() && call.computed_inputs);
    assert_eq!(
        call.switch.as_deref(),
        Some("GGML_CUDA=ON if feature \"cuda\"")
    );
}

/// sizzlecar/ferrum-infer-rs' shape: `core()` runs `detect()` (nvidia-smi) for its arch
/// before its nvcc, `extra()` reads `CUDA_COMPUTE_CAP` with a default; only `core()`'s call
/// probes. And `main`'s `let cap = detect(); build(cap);`: `build`'s call probes.
#[test]
fn a_call_probes_only_where_a_probe_reaches_it() {
    let detect = "fn detect() -> String {\n    let out = std::process::Command::new(\"nvidia-smi\").output().unwrap();\n    String::from_utf8_lossy(&out.stdout).into_owned()\n}\n";
    let nvcc = |arch: &str, file: &str| {
        format!(
            "    std::process::Command::new(\"nvcc\").arg({arch}).arg(\"{file}\").status().unwrap();\n"
        )
    };
    // `link()` probes for itself, a step of its own whose value nothing takes.
    let text = format!(
        "{detect}fn core() {{\n    let arch = detect();\n{}}}\nfn extra() {{\n    let arch = std::env::var(\"CUDA_COMPUTE_CAP\").unwrap_or_default();\n{}}}\nfn main() {{\n    link();\n    core();\n    extra();\n}}\nfn link() {{\n    let cap = detect();\n}}\n",
        nvcc("arch", "core.cu"),
        nvcc("arch", "extra.cu"),
    );
    let s = script(&text);
    let probed: Vec<(u32, Option<u32>)> = s
        .calls
        .iter()
        .map(|c| (c.line, c.gpu_probe.as_ref().map(|p| p.0)))
        .collect();
    assert_eq!(probed, [(15, Some(2)), (16, None)], "{s:#?}");
    assert_eq!(s.gpu_probe.map(|p| p.0), Some(2), "the script still probes");
    let text = format!(
        "{detect}fn build(arch: String) {{\n{}}}\nfn main() {{\n    let cap = detect();\n    build(cap);\n}}\n",
        nvcc("arch", "k.cu"),
    );
    let s = script(&text);
    let probed: Vec<Option<u32>> = s
        .calls
        .iter()
        .map(|c| c.gpu_probe.as_ref().map(|p| p.0))
        .collect();
    assert_eq!(probed, [Some(2)], "{s:#?}");
}

#[test]
fn gpu_probing() {
    let smi = script(
        "use std::process::Command;\nfn main() {\n    let out = Command::new(\"nvidia-smi\").args([\"--query-gpu=compute_cap\", \"--format=csv\"]).output();\n}\n",
    );
    assert_eq!(smi.gpu_probe, Some((3, "runs `nvidia-smi`".to_owned())));
    let nvml = script("use nvml_wrapper::Nvml;\nfn main() {\n    let nvml = Nvml::init();\n}\n");
    assert_eq!(nvml.gpu_probe.map(|p| p.0), Some(3), "not at the use line");
}

#[test]
fn cudaforge_inputs_are_what_it_compiles_not_what_it_watches() {
    let text = "const KERNELS: [&str; 2] = [\"src/a.cu\", \"src/b.cu\"];\nfn main() {\n    let b = cudaforge::KernelBuilder::new()\n        .watch(\"src/\")\n        .kernel_paths(KERNELS)\n        .exclude(\"src/c.cu\");\n}\n";
    let found = analyse(
        &RustFile {
            rel: "build.rs",
            text,
        },
        &helpers(&[]),
    );
    assert_eq!(found.calls.len(), 1, "{found:#?}");
    assert_eq!(found.calls[0].inputs, ["src/a.cu", "src/b.cu"]);
    assert_eq!(found.calls[0].excludes, ["src/c.cu"]);
    assert!(!found.calls[0].computed_inputs);
}

/// A workspace that loads NVRTC itself (libloading, AteniaEngine's `NvrtcCompiler`) compiles
/// at run time where it takes `nvrtcCompileProgram`: that is its NVRTC use. A comment, a
/// symbol of another library, or the name written other than to a loader is none.
#[test]
fn nvrtc_loaded_by_the_workspace_itself_is_a_use() {
    let text = "// nvrtcCompileProgram is looked up below\nfn compile(lib: &Library) {\n    let create = lib.get(b\"nvrtcCreateProgram\\0\");\n    let compile: Symbol<F> = lib.get(b\"nvrtcCompileProgram\\0\").unwrap();\n    let other = lib.get(\"cuModuleLoadData\");\n}\n";
    let uses = nvrtc_uses(&RustFile {
        rel: "src/gpu/nvrtc/compiler.rs",
        text,
    });
    assert_eq!(uses, vec![(4, "nvrtcCompileProgram".to_owned())]);
    // The name matched on, or returned, by code that reads such code (this tool's own).
    let reader = "fn is_use(w: &str) -> bool {\n    match w {\n        \"nvrtcCompileProgram\" => true,\n        _ => w.starts_with(\"nvrtcCompileProgram\"),\n    }\n}\n";
    let none = nvrtc_uses(&RustFile {
        rel: "src/scan.rs",
        text: reader,
    });
    assert!(none.is_empty(), "{none:?}");
}

/// A source the program reads at run time and hands NVRTC (KerrTrace: `let src =
/// fs::read_to_string(cuda_dir.join("kernel.cu"))`, `cuda_dir` the working directory's
/// `cuda`) is its embedded source, matched below the package at any depth; a read of a file
/// that is no CUDA source, or of a computed name, is none.
#[test]
fn a_cuda_source_read_at_run_time_is_embedded() {
    let text = "fn main() {\n    let cuda_dir = std::env::current_dir().unwrap().join(\"cuda\");\n    let src = std::fs::read_to_string(cuda_dir.join(\"kernel.cu\")).unwrap();\n    let ptx = cudarc::nvrtc::compile_ptx(src).unwrap();\n    let cfg = std::fs::read_to_string(\"config.toml\").unwrap();\n    let other = std::fs::read_to_string(format!(\"{name}.cu\")).unwrap();\n}\n";
    let found = super::embedded_sources(&RustFile {
        rel: "src/main.rs",
        text,
    });
    let got: Vec<(u32, &str, bool, Option<&str>)> = found
        .iter()
        .map(|e| {
            (
                e.line,
                e.path.as_str(),
                e.from_manifest_dir,
                e.bound.as_deref(),
            )
        })
        .collect();
    assert_eq!(got, [(3, "**/cuda/kernel.cu", true, Some("src"))]);
}

/// Test-only code ships no NVRTC compile and embeds no shipped source, whichever attribute
/// makes it test-only: cellular_raza compiles its `include_str!("kernel.cu")` inside a
/// `#[test] fn` (it was read as a shipped compile, and `cuda.contracts` failed on it).
/// `cfg(any(test, …))` code builds elsewhere too, and counts.
#[test]
fn nvrtc_and_embedded_sources_in_test_functions_do_not_ship() {
    let text = "#[test]\nfn a() {\n    let p = cudarc::nvrtc::compile_ptx(include_str!(\"a.cu\"));\n}\n#[tokio::test(flavor = \"multi_thread\")]\nasync fn b() {\n    let p = cudarc::nvrtc::compile_ptx(include_str!(\"b.cu\"));\n}\n#[cfg(all(feature = \"x\", test))]\nmod c {\n    fn c() { cudarc::nvrtc::compile_ptx(include_str!(\"c.cu\")); }\n}\n#[test_case(1)]\nfn d(n: u32) { cudarc::nvrtc::compile_ptx(include_str!(\"d.cu\")); }\n#[cfg(any(test, feature = \"y\"))]\npub fn shipped() {\n    let p = cudarc::nvrtc::compile_ptx(include_str!(\"e.cu\"));\n}\n";
    let file = RustFile {
        rel: "src/lib.rs",
        text,
    };
    let uses = nvrtc_uses(&file);
    assert_eq!(uses, vec![(17, "cudarc::nvrtc::compile_ptx".to_owned())]);
    let embedded: Vec<String> = super::embedded_sources(&file)
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(embedded, ["e.cu"]);
}

#[test]
fn nvrtc_at_run_time() {
    let text = "use cudarc::nvrtc::compile_ptx;\n// compile_ptx(\"x\") in a comment\nfn f() {\n    let ptx = compile_ptx(SRC).unwrap();\n    let p2 = cudarc::nvrtc::compile_ptx_with_opts(SRC, opts);\n    let p3 = Ptx::from_src(text);\n    let prog: nvrtc::Program = make();\n}\nfn compile_ptx(x: &str) {}\n";
    let uses = nvrtc_uses(&RustFile {
        rel: "src/lib.rs",
        text,
    });
    assert_eq!(
        uses,
        vec![
            (4, "compile_ptx".to_owned()),
            (5, "cudarc::nvrtc::compile_ptx_with_opts".to_owned()),
            // `Ptx::from_src` wraps PTX that is already compiled: no NVRTC (line 6).
            (7, "nvrtc::Program".to_owned()),
        ]
    );
    assert!(
        nvrtc_uses(&RustFile {
            rel: "a.rs",
            text: "fn main() {}"
        })
        .is_empty()
    );
}

#[test]
fn helpers_skip_files_without_builder_words() {
    let found = helpers(&[RustFile {
        rel: "a.rs",
        text: "fn main() { Build::new(); }",
    }]);
    assert_eq!(found, Helpers::default());
}

proptest::proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let files = [RustFile { rel: "x/build.rs", text: &text }];
        let found = helpers(&files);
        let _ = analyse(&files[0], &found);
        let _ = nvrtc_uses(&files[0]);
    }

    #[test]
    fn never_panics_on_builder_shaped_text(
        pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..60)
    ) {
        let text = pieces.concat();
        let files = [
            RustFile { rel: "x/build.rs", text: &text },
            RustFile { rel: "h/src/lib.rs", text: "pub fn ccmd() -> cc::Build { cc::Build::new().cuda(true) }" },
        ];
        let found = helpers(&files);
        let _ = analyse(&files[0], &found);
        let _ = nvrtc_uses(&files[0]);
    }
}

/// Pieces of build scripts: random sequences exercise every path of the analysis.
const PIECES: &[&str] = &[
    "cc::Build::new()",
    "Build::new()",
    "use cc::Build;",
    ".cuda(true)",
    ".cuda(false)",
    ".file(\"a.cu\")",
    ".files([\"b.cu\"])",
    "let mut b = ",
    "let ",
    "b",
    "b.",
    " = ",
    ";",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "#[cfg(feature = \"cuda\")]",
    "if cfg!(feature = \"cuda\")",
    "if !",
    "return",
    "cmake::Config::new(\"d\")",
    ".define(\"GGML_CUDA\", \"ON\")",
    "Command::new(\"nvcc\")",
    "Command::new(&nvcc)",
    "\"-arch=native\"",
    "\"-gencode\"",
    "\"arch=compute_80,code=[sm_80\"",
    "CudaBuilder::new(\"k\")",
    ".copy_to(\"x.ptx\")",
    "bindgen_cuda::Builder::default()",
    "cudaforge::K::new()",
    "gate_build::Kernels::new()",
    "fn ",
    "fn main() ",
    "ccmd()",
    "h::ccmd",
    "nvrtc::Program",
    "compile_ptx(",
    "Ptx::from_src(",
    "fs::copy(a, \"x.ptx\")",
    "\"CARGO_FEATURE_CUDA\"",
    ".is_err()",
    "// c\n",
    "/* b */",
    "\n",
    "r#\"raw\"#",
    "'a'",
    "é",
    "::",
    ":",
    ",",
    "&",
    "=",
    "!",
    ".",
    "#",
    "\"",
];

#[test]
fn nvrtc_through_any_path_into_an_nvrtc_module_or_its_c_api() {
    let text = r#"use cudarc::nvrtc::result;
use cudarc::nvrtc::result::compile_program as build_it;
use cudarc::{driver::CudaContext, nvrtc::sys};
use other::compile;

fn jit(src: &str) {
    let prog = result::create_program(src, None).unwrap();
    unsafe { result::compile_program::<&str>(prog, &opts) }.unwrap();
    let ptx = unsafe { result::get_ptx(prog) }.unwrap();
    unsafe { build_it(prog, &[]) };
    unsafe { cudarc::nvrtc::result::compile_program(prog, &[]) };
    unsafe { sys::lib().nvrtcCompileProgram(prog, 0, ptr) };
    compile(src);
    shader.compile();
    CudaContext::new(0);
}
fn compile_program() {}
"#;
    let uses = nvrtc_uses(&RustFile {
        rel: "src/jit.rs",
        text,
    });
    assert_eq!(
        uses,
        vec![
            (8, "result::compile_program".to_owned()),
            (10, "build_it".to_owned()),
            (11, "cudarc::nvrtc::result::compile_program".to_owned()),
            (12, "nvrtcCompileProgram".to_owned()),
        ],
        "creating a program or reading its PTX is no compile; `other::compile` and a method \
         called compile lead into no NVRTC module"
    );
}

/// A build script's own `fn compile_ptx(src: &str, out: &str)` that runs nvcc, called for
/// each kernel of a literal list (a public build script's shape), was an "NVRTC at run time"
/// builder beside its raw nvcc; cudarc's `compile_ptx`, imported by name, by a glob with no
/// function of the file's own, or called through a path, is still NVRTC.
#[test]
fn a_function_of_the_files_own_named_compile_ptx_is_no_nvrtc() {
    let own = "use std::process::Command;\nfn compile_ptx(src: &str, out: &str) {\n    Command::new(\"nvcc\").args([\"-ptx\", src, \"-o\", out]).status().unwrap();\n}\nfn main() {\n    compile_ptx(\"kernels/a.cu\", \"a.ptx\");\n}\n";
    let rel = "build.rs";
    assert!(nvrtc_uses(&RustFile { rel, text: own }).is_empty());
    let cudarc = "use cudarc::nvrtc::compile_ptx;\nuse cudarc::nvrtc::*;\nfn compile_ptx_all() {}\nfn jit(src: &str) {\n    compile_ptx(src).unwrap();\n    compile_ptx_with_opts(src, opts).unwrap();\n    cudarc::nvrtc::compile_ptx(src).unwrap();\n}\n";
    let lines: Vec<u32> = nvrtc_uses(&RustFile { rel, text: cudarc })
        .into_iter()
        .map(|(line, _)| line)
        .collect();
    assert_eq!(lines, vec![5, 6, 7]);
    let shadowed = "use cudarc::nvrtc::*;\nfn compile_ptx(s: &str) {}\nfn main() {\n    compile_ptx(\"x\");\n    nvrtc::compile_ptx(\"y\").unwrap();\n}\n";
    let lines: Vec<u32> = nvrtc_uses(&RustFile {
        rel,
        text: shadowed,
    })
    .into_iter()
    .map(|(line, _)| line)
    .collect();
    assert_eq!(
        lines,
        vec![5],
        "the file's own function shadows the glob import"
    );
}

/// Another crate's build script defines a function of the same name: that one is not the
/// helper (a build script's functions are its own), and an imported helper is taken from the
/// crate it is imported from.
#[test]
fn a_helper_is_never_taken_from_another_build_script() {
    let others = [
        (
            "ops/build.rs",
            "fn build_kernels() {\n    cc::Build::new().cuda(true).file(\"k.cu\").compile(\"k\");\n}\nfn main() { build_kernels(); }\n",
        ),
        (
            "tools/src/lib.rs",
            "pub fn build_kernels() -> cc::Build {\n    let mut b = cc::Build::new();\n    b.cuda(true);\n    b\n}\n",
        ),
        (
            "helper-crate/src/gpu.rs",
            "pub fn ccmd() -> cc::Build {\n    let mut b = cc::Build::new();\n    b.cuda(true).flag(\"-arch=sm_90\");\n    b\n}\n",
        ),
        (
            "other/src/lib.rs",
            "pub fn ccmd() -> cc::Build {\n    let mut b = cc::Build::new();\n    b.cuda(true).flag(\"-arch=sm_70\");\n    b\n}\n",
        ),
    ];
    let found = script_with(
        &others,
        "use helper_crate::gpu::ccmd;\nfn main() {\n    build_kernels().file(\"a.cu\").compile(\"a\");\n    ccmd().file(\"b.cu\").compile(\"b\");\n}\n",
    );
    let vias: Vec<(Option<&str>, &[String])> = found
        .calls
        .iter()
        .map(|c| (c.via.as_deref(), c.archs.as_slice()))
        .collect();
    assert_eq!(
        vias,
        [
            (Some("tools/src/lib.rs:1"), &[][..]),
            (Some("helper-crate/src/gpu.rs:1"), &strings(&["sm_90"])[..]),
        ]
    );
}

/// A path passed through a `const` is read like a literal (`.files(&[KERNELS])`), so the
/// files it includes are included, not "compiled by location".
#[test]
fn cc_inputs_named_through_a_const_are_read() {
    let call = only_call(
        "const KERNELS: &str = \"./kernels/include.cu\";\nconst INC: &str = \"kernels/common\";\nfn main() {\n    cc::Build::new().cuda(true).files(&[KERNELS]).include(INC).compile(\"k\");\n}\n",
    );
    assert_eq!(call.inputs, strings(&["./kernels/include.cu"]));
    assert_eq!(call.include_dirs, strings(&["kernels/common"]));
    assert!(!call.computed_inputs, "{call:#?}");
    let computed = only_call(
        "fn main() {\n    let dir = std::env::var(\"K\").unwrap();\n    cc::Build::new().cuda(true).file(format!(\"{dir}/a.cu\")).file(\"b.cu\").compile(\"k\");\n}\n",
    );
    assert_eq!(computed.inputs, strings(&["b.cu"]));
    assert!(computed.computed_inputs, "{computed:#?}");
}

/// A helper handed the file to compile (grumpkin-msm's `compile_cuda(file_name, …)`): each
/// call compiles what it passes, so a file no call names is compiled by nothing.
#[test]
fn a_helper_compiles_the_file_each_call_passes_it() {
    let s = script(
        "fn main() {\n    compile_cuda(\"cuda/a.cu\", \"a\");\n    compile_cuda(KERNEL_B, \"b\");\n}\nconst KERNEL_B: &str = \"cuda/b.cu\";\nfn compile_cuda(file_name: &str, out: &str) {\n    let mut nvcc = cc::Build::new();\n    nvcc.cuda(true);\n    nvcc.flag(\"-arch=sm_80\");\n    nvcc.file(file_name).compile(out);\n}\n",
    );
    assert_eq!(s.calls.len(), 2, "{s:#?}");
    for (call, (line, input)) in s.calls.iter().zip([(2, "cuda/a.cu"), (3, "cuda/b.cu")]) {
        assert_eq!(call.line, line);
        assert_eq!(call.via.as_deref(), Some("app/build.rs:6"));
        assert_eq!(call.inputs, strings(&[input]), "{call:#?}");
        assert!(!call.computed_inputs, "{call:#?}");
        assert_eq!(call.archs, strings(&["sm_80"]));
    }
}

/// What a helper's call passes that is not a literal, or a helper that also computes a path
/// of its own, keeps the call's inputs computed: nothing is guessed.
#[test]
fn a_helper_given_a_computed_path_stays_computed() {
    let passed = script(
        "fn main() {\n    for k in [\"a\", \"b\"] {\n        compile_cuda(&format!(\"cuda/{k}.cu\"));\n    }\n}\nfn compile_cuda(file: &str) {\n    cc::Build::new().cuda(true).file(file).compile(\"k\");\n}\n",
    );
    assert_eq!(passed.calls.len(), 1, "{passed:#?}");
    assert!(passed.calls[0].computed_inputs && passed.calls[0].inputs.is_empty());
    let own = script(
        "fn main() {\n    compile_cuda(\"a\");\n}\nfn compile_cuda(stem: &str) {\n    cc::Build::new().cuda(true).file(stem).file(format!(\"cuda/{stem}.cu\")).compile(\"k\");\n}\n",
    );
    assert_eq!(own.calls.len(), 1, "{own:#?}");
    assert!(own.calls[0].computed_inputs, "{own:#?}");
}

/// sppark's archs: a `code=` list in escaped quotes is read, and the arch a probe asks the
/// toolkit about (`supported(&nvcc, "-arch=sm_100")`) is no target; what the probe's branch
/// adds is.
#[test]
fn escaped_code_lists_are_read_and_a_probes_question_is_no_arch() {
    let call = only_call(
        "fn supported(nvcc: &cc::Build, flag: &str) -> bool {\n    nvcc.get_compiler().to_command().arg(flag).status().unwrap().success()\n}\nfn main() {\n    let mut nvcc = cc::Build::new();\n    nvcc.cuda(true);\n    nvcc.flag(\"-gencode\").flag(\"arch=compute_80,code=\\\"compute_80,sm_80\\\"\");\n    if supported(&nvcc, \"-arch=sm_100\") {\n        nvcc.flag(\"-gencode\").flag(\"arch=compute_100,code=compute_100\");\n    }\n    nvcc.file(\"cuda/a.cu\").compile(\"a\");\n}\n",
    );
    assert_eq!(
        call.archs,
        strings(&["compute_80", "sm_80", "compute_100"]),
        "{call:#?}"
    );
}

/// lambdaworks: nvcc handed each `.cu` a walk of another package's directory finds; the
/// walk's root (a literal, or a `let` bound to one) is the call's input. A walk of a
/// computed directory leaves the call computed.
#[test]
fn a_file_handed_over_from_a_directory_walk_is_what_the_walk_finds() {
    let walk = only_call(
        "fn main() {\n    compile_cuda_shaders();\n}\nfn compile_cuda_shaders() {\n    let source_dir = \"../math/src/shaders\";\n    for entry in WalkDir::new(source_dir).into_iter().map(Result::unwrap) {\n        Command::new(\"nvcc\").arg(\"-ptx\").arg(entry.path()).status().unwrap();\n    }\n}\n",
    );
    assert_eq!(walk.inputs, strings(&["../math/src/shaders"]), "{walk:#?}");
    assert!(!walk.computed_inputs);
    let globbed = only_call(
        "fn main() {\n    for path in glob::glob(\"kernels/*.cu\").unwrap() {\n        cc::Build::new().cuda(true).file(path.unwrap()).compile(\"k\");\n    }\n}\n",
    );
    assert_eq!(globbed.inputs, strings(&["kernels/*.cu"]), "{globbed:#?}");
    let computed = only_call(
        "fn main() {\n    let dir = std::env::var(\"KERNELS\").unwrap();\n    for e in std::fs::read_dir(&dir).unwrap() {\n        Command::new(\"nvcc\").arg(e.unwrap().path()).status().unwrap();\n    }\n}\n",
    );
    assert!(
        computed.computed_inputs && computed.inputs.is_empty(),
        "{computed:#?}"
    );
}

/// llm's ggml-sys: the build is switched on through a predicate function
/// (`if cfg_cublas() { .. }`), which tests the feature; one that negates it, or ors it with
/// something else, switches nothing.
#[test]
fn a_feature_tested_through_a_predicate_function_switches_the_build() {
    let build = |predicate: &str| {
        only_call(&format!(
            "fn main() {{\n    if cfg_cublas() {{\n        enable_cublas();\n    }}\n}}\nfn cfg_cublas() -> bool {{\n    {predicate}\n}}\nfn enable_cublas() {{\n    std::process::Command::new(\"nvcc\").arg(\"-c\").arg(\"cuda/k.cu\").status().unwrap();\n}}\n"
        ))
        .switch
    };
    assert_eq!(
        build("!cfg!(target_os = \"macos\") && cfg!(feature = \"cublas\")").as_deref(),
        Some("feature \"cublas\"")
    );
    // llm's own call site: the predicate beside a negated test of something else.
    let call_site = only_call(
        "fn main() {\n    if cfg_cublas() && !cfg!(target_os = \"macos\") {\n        enable_cublas();\n    }\n}\nfn cfg_cublas() -> bool {\n    cfg!(feature = \"cublas\")\n}\nfn enable_cublas() {\n    std::process::Command::new(\"nvcc\").arg(\"-c\").arg(\"cuda/k.cu\").status().unwrap();\n}\n",
    );
    assert_eq!(call_site.switch.as_deref(), Some("feature \"cublas\""));
    let negated = only_call(
        "fn main() {\n    if !cfg_cublas() {\n        return;\n    }\n    std::process::Command::new(\"nvcc\").arg(\"-c\").arg(\"cuda/k.cu\").status().unwrap();\n}\nfn cfg_cublas() -> bool {\n    cfg!(feature = \"cublas\")\n}\n",
    );
    assert_eq!(negated.switch.as_deref(), Some("feature \"cublas\""));
    assert_eq!(build("!cfg!(feature = \"cublas\")"), None);
    assert_eq!(
        build("cfg!(feature = \"cublas\") || cfg!(feature = \"hipblas\")"),
        None
    );
}

/// lambdaworks: nvcc's own `-o` writes each shader's PTX beside its source (another
/// package's source tree), which that package embeds; a literal `-o` path outside `OUT_DIR`
/// is said too, and one under `OUT_DIR` is not.
#[test]
fn nvccs_own_output_outside_out_dir_is_said() {
    let beside = script(
        "fn main() {\n    for entry in WalkDir::new(\"../math/src/shaders\") {\n        let entry = entry.unwrap();\n        let mut out_path = entry.path().to_owned();\n        out_path.set_extension(\"ptx\");\n        Command::new(\"nvcc\").arg(\"-ptx\").arg(entry.path()).arg(\"-o\").arg(&out_path).status().unwrap();\n    }\n}\n",
    );
    assert_eq!(
        beside.outside_out_dir,
        Some((6, "out_path: the source's path with .ptx".to_owned()))
    );
    let literal = script(
        "fn main() {\n    Command::new(\"nvcc\").args([\"-ptx\", \"k.cu\", \"-o\", \"../math/k.ptx\"]).status().unwrap();\n}\n",
    );
    assert_eq!(
        literal.outside_out_dir,
        Some((2, "../math/k.ptx".to_owned()))
    );
    let inside = script(
        "fn main() {\n    let out_dir = std::env::var(\"OUT_DIR\").unwrap();\n    let mut out = std::path::PathBuf::from(&out_dir).join(\"k\");\n    out.set_extension(\"ptx\");\n    Command::new(\"nvcc\").arg(\"-ptx\").arg(\"k.cu\").arg(\"-o\").arg(&out).status().unwrap();\n}\n",
    );
    assert_eq!(inside.outside_out_dir, None);
}

/// llm's `enable_cublas`: one nvcc for Windows, one for the rest, in branches of one helper;
/// a call of the helper compiles what either names.
#[test]
fn builds_in_branches_of_one_helper_are_one_call_of_it() {
    let call = only_call(
        "fn main() {\n    enable_cublas();\n}\nfn enable_cublas() {\n    if cfg!(target_os = \"windows\") {\n        std::process::Command::new(\"nvcc\").arg(\"-arch=sm_61\").arg(r\"cpp\\k.cu\").status().unwrap();\n    } else {\n        std::process::Command::new(\"nvcc\").arg(\"-arch=sm_75\").arg(\"cpp/k.cu\").status().unwrap();\n    }\n}\n",
    );
    assert_eq!(
        call.inputs,
        strings(&["cpp\\k.cu", "cpp/k.cu"]),
        "{call:#?}"
    );
    assert_eq!(call.archs, strings(&["sm_61", "sm_75"]));
}

/// pasta-msm: the host build bound to a variable named like the crate; the later
/// `cc::Build::new()` is a path, not a use of that variable, so the CUDA block is one call.
#[test]
fn a_variable_named_like_the_crate_does_not_take_the_crates_paths() {
    let text = "fn main() {\n    let mut cc = cc::Build::new();\n    cc.cpp(true);\n    \
                cc.file(\"src/host.cpp\").compile(\"host\");\n    if nvcc_found() {\n        \
                let mut nvcc = cc::Build::new();\n        nvcc.cuda(true);\n        \
                nvcc.flag(\"-arch=sm_80\");\n        nvcc.file(\"cuda/a.cu\").compile(\"a\");\n    }\n}\n";
    let call = only_call(text);
    assert_eq!((call.line, call.inputs), (7, strings(&["cuda/a.cu"])));
    assert_eq!(call.archs, strings(&["sm_80"]));
}

/// llama_cpp-rs: the C++ build is handed to a function that turns CUDA on in it, by value or
/// as `&mut`; each use of the function is a CUDA build, switched where it is called.
#[test]
fn a_cc_build_handed_to_a_function_that_turns_cuda_on_is_a_cuda_build() {
    for (param, body) in [
        (
            "featless: Build",
            "let mut nvcc = featless;\n    nvcc.cuda(true).flag(\"-arch=sm_80\");\n    \
             nvcc.file(\"vendor/ggml-cuda.cu\").compile(\"ggml-cuda\");",
        ),
        (
            "nvcc: &mut cc::Build",
            "nvcc.cuda(true);\n    nvcc.flag(\"-arch=sm_80\");\n    \
             nvcc.file(\"vendor/ggml-cuda.cu\").compile(\"ggml-cuda\");",
        ),
    ] {
        let text = format!(
            "use cc::Build;\n\nfn compile_cuda({param}) {{\n    {body}\n}}\n\nfn main() {{\n    \
             let mut cxx = Build::new();\n    cxx.cpp(true);\n    if cfg!(feature = \"cuda\") {{\n        \
             compile_cuda(cxx.clone());\n    }}\n    cxx.file(\"src/host.cpp\").compile(\"host\");\n}}\n"
        );
        let call = only_call(&text);
        assert_eq!(
            (call.kind, call.line, call.via.as_deref()),
            (BuilderKind::Cc, 13, Some("app/build.rs:3")),
            "{param}"
        );
        assert_eq!(call.inputs, strings(&["vendor/ggml-cuda.cu"]), "{param}");
        assert_eq!(call.archs, strings(&["sm_80"]), "{param}");
        assert_eq!(call.switch.as_deref(), Some("feature \"cuda\""), "{param}");
    }
    // A `cc::Build` parameter the function never turns CUDA on in is no CUDA build.
    let host = "fn host(b: &mut cc::Build) {\n    b.cpp(true).file(\"a.cpp\");\n}\n\
                fn main() {\n    let mut b = cc::Build::new();\n    host(&mut b);\n    b.compile(\"a\");\n}\n";
    assert!(script(host).calls.is_empty(), "{:#?}", script(host));
}

/// risc0: a builder type of the workspace's own, whose `compile` runs `cc` with `.cuda(true)`
/// through `self.compile_cuda(..)`; a build script's `KernelBuild::new(KernelType::Cuda)`
/// chain is a call through it, with the chain's files; the same type's C++ build (literal
/// `.cpp` files) and Metal build (a variant the `match` sends to no GPU build) are none.
#[test]
fn a_builder_type_of_the_workspace_builds_what_its_chain_names() {
    let lib = "pub struct KernelBuild { kind: KernelType, files: Vec<String> }\n\
               impl KernelBuild {\n    pub fn new(kind: KernelType) -> Self { todo() }\n    \
               pub fn files(&mut self, f: &[&str]) -> &mut Self { self }\n    \
               pub fn compile(&mut self, out: &str) {\n        match self.kind {\n            \
               KernelType::Cpp => cc::Build::new().cpp(true).files(&self.files).compile(out),\n            \
               KernelType::Cuda => self.compile_cuda(out),\n            \
               KernelType::Metal => { self.compile_metal(out) }\n        }\n    }\n    \
               fn compile_metal(&mut self, out: &str) { metal(&self.files, out) }\n    \
               fn compile_cuda(&mut self, out: &str) {\n        let mut build = cc::Build::new();\n        \
               build.files(&self.files).flag(\"-arch=native\");\n        build.cuda(true).compile(out);\n    }\n}\n";
    let script = "use build_kernel::{KernelBuild, KernelType};\nfn main() {\n    \
                  KernelBuild::new(KernelType::Cpp).files(&[\"cxx/a.cpp\"]).compile(\"a\");\n    \
                  if std::env::var(\"CARGO_FEATURE_CUDA\").is_ok() {\n        \
                  KernelBuild::new(KernelType::Cuda)\n            .files(&[\"kernels/a.cu\", \"kernels/b.cu\"])\n            \
                  .compile(\"k\");\n    }\n    \
                  let paths = METAL.iter().map(|m| format!(\"metal/{m}\"));\n    \
                  KernelBuild::new(KernelType::Metal).files(paths).compile(\"m\");\n}\n";
    let found = script_with(&[("build_kernel/src/lib.rs", lib)], script);
    let [call] = found.calls.as_slice() else {
        panic!("one call: {found:#?}")
    };
    assert_eq!(
        (call.kind, call.line, call.via.as_deref()),
        (BuilderKind::Cc, 5, Some("build_kernel/src/lib.rs:5"))
    );
    assert_eq!(call.inputs, strings(&["kernels/a.cu", "kernels/b.cu"]));
    assert!(call.native_arch && !call.computed_inputs, "{call:#?}");
    assert_eq!(call.switch.as_deref(), Some("feature \"cuda\""));
}

/// ciresnave/baracuda: a build helper crate of the workspace (baracuda-forge, a fork of
/// cudaforge under its own name) whose `KernelBuilder` runs nvcc as
/// `Command::new(&toolkit.nvcc_path)`, the toolkit detected at build time: a field named for
/// nvcc is nvcc, and the build script's chain is a call through the builder type, with the
/// files it names.
#[test]
fn nvcc_held_by_a_field_named_for_it_is_nvcc() {
    let lib = "pub struct Toolkit { pub nvcc_path: PathBuf }\n\
               pub struct KernelBuilder { files: Vec<PathBuf> }\n\
               impl KernelBuilder {\n    pub fn new() -> Self { todo!() }\n    \
               pub fn source_files(mut self, f: &[&str]) -> Self { self }\n    \
               pub fn build_lib(&self, out: &str) {\n        \
               let toolkit = match &self.toolkit { Some(t) => t.clone(), None => detect() };\n        \
               for f in &self.files {\n            \
               Command::new(&toolkit.nvcc_path).arg(\"-c\").arg(f).status();\n        }\n    }\n}\n";
    let build = "fn main() {\n    use forge::KernelBuilder;\n    \
                  KernelBuilder::new().source_files([\"kernels/add.cu\"]).build_lib(\"k\");\n}\n";
    let found = script_with(&[("forge/src/lib.rs", lib)], build);
    let [call] = found.calls.as_slice() else {
        panic!("one call: {found:#?}")
    };
    assert_eq!(
        (call.kind, call.via.as_deref()),
        (BuilderKind::Nvcc, Some("forge/src/lib.rs:6"))
    );
    assert_eq!(call.inputs, strings(&["kernels/add.cu"]));
    let named = "fn main() {\n    let nvcc_path = find();\n    \
                 std::process::Command::new(nvcc_path).arg(\"k.cu\").status();\n}\n";
    assert_eq!(only_call(named).kind, BuilderKind::Nvcc);
    // A variable named for something else is no nvcc.
    let other = "fn main() {\n    let compiler = find();\n    \
                 std::process::Command::new(&compiler).arg(\"k.cu\").status();\n}\n";
    assert!(script(other).calls.is_empty(), "{:#?}", script(other));
}

/// ciresnave/baracuda: cudaforge's `.compute_cap(80)` is the arch it compiles for (`sm_80`;
/// 90 is `sm_90a`, cudaforge's auto-suffix), `.compute_cap_arch("100a")` too, and
/// bindgen_cuda's `.compute_cap(75)` is `sm_75`; a number handed to it asks nothing of the
/// build machine's GPU.
#[test]
fn a_compute_cap_handed_to_the_builder_is_its_arch_and_no_probe() {
    let forge = "fn main() {\n    let mut b = cudaforge::KernelBuilder::new().source_files(vec![\"src/k.cu\"]);\n    \
                 if cfg!(feature = \"hopper\") {\n        b = b.compute_cap(90);\n    } else {\n        \
                 b = b.compute_cap(80).compute_cap_arch(\"100a\");\n    }\n    b.build_ptx().unwrap();\n}\n";
    let found = script(forge);
    let [call] = found.calls.as_slice() else {
        panic!("one call: {found:#?}")
    };
    assert_eq!(call.archs, strings(&["sm_90a", "sm_80", "sm_100a"]));
    assert!(found.gpu_probe.is_none(), "{found:#?}");
    let bindgen = "fn main() {\n    bindgen_cuda::Builder::default().kernel_paths(vec![\"src/k.cu\"])\n        \
                   .compute_cap(75).build_ptx().unwrap();\n}\n";
    assert_eq!(only_call(bindgen).archs, strings(&["sm_75"]));
    assert!(script(bindgen).gpu_probe.is_none());
}

/// uplansible/voicetserver: cudaforge (and bindgen_cuda) given no compute capability build
/// for the one `CUDA_COMPUTE_CAP` names, else the one `nvidia-smi` reports: the call probes
/// the build machine's GPU where it is made; one given a capability, or an arch flag, does
/// not.
#[test]
fn a_crate_builder_given_no_compute_cap_probes_the_gpu_by_default() {
    let forge = "fn main() {\n    cudaforge::KernelBuilder::new().source_dir(\"src\").build_ptx().unwrap();\n}\n";
    let probe = only_call(forge)
        .gpu_probe
        .map(|(line, what)| (line, what.contains("nvidia-smi")));
    assert_eq!(probe, Some((2, true)));
    let bindgen = "fn main() {\n    let b = bindgen_cuda::Builder::default();\n    b.build_ptx().unwrap();\n}\n";
    assert!(only_call(bindgen).gpu_probe.is_some());
    let given = forge.replace(".source_dir", ".compute_cap(80).source_dir");
    assert_eq!(only_call(&given).gpu_probe, None);
    let flagged = bindgen.replace(
        "Builder::default();",
        "Builder::default().arg(\"--gpu-architecture=sm_80\");",
    );
    assert_eq!(only_call(&flagged).gpu_probe, None);
}

/// ciresnave/baracuda's baracuda-cutlass-kernels-sys: the chain of a builder type of the
/// workspace names its sources in cudaforge's words, computed
/// (`.source_files(kernels.iter().map(|k| format!("kernels/{k}")))`), and is built in the head
/// of a `match`: a call through the type whose inputs are computed, with its include path.
#[test]
fn a_builder_types_computed_source_files_are_a_computed_call() {
    let lib = "pub struct KernelBuilder { files: Vec<PathBuf> }\n\
               impl KernelBuilder {\n    pub fn new() -> Self { todo!() }\n    \
               pub fn build_lib(&self, out: &str) -> Result<()> {\n        \
               let toolkit = CudaToolkit::detect()?;\n        \
               Command::new(&toolkit.nvcc_path).arg(\"-c\").args(&self.files).status();\n        Ok(())\n    }\n}\n";
    let build = "fn main() {\n    let kernels = collect_kernel_files();\n    \
                 use forge::KernelBuilder;\n    let builder = KernelBuilder::new()\n        \
                 .source_files(kernels.iter().map(|k| format!(\"kernels/{k}\")))\n        \
                 .include_path(\"kernels/include\");\n    \
                 match builder.build_lib(\"k\") {\n        Ok(()) => {}\n        Err(e) => panic!(\"{e}\"),\n    }\n}\n";
    let found = script_with(&[("forge/src/lib.rs", lib)], build);
    let [call] = found.calls.as_slice() else {
        panic!("one call: {found:#?}")
    };
    assert_eq!(call.kind, BuilderKind::Nvcc);
    assert!(call.computed_inputs && call.inputs.is_empty(), "{call:#?}");
    assert_eq!(call.include_dirs, strings(&["kernels/include"]));
}

/// llama_cpp-rs: the files a directory walk keeps by their extension are computed; the
/// extension itself (`ends_with(".cu")`) is no file of the build.
#[test]
fn a_walks_extension_filter_is_no_input() {
    let text = "fn main() {\n    let sources = std::fs::read_dir(dir()).unwrap()\n        \
                .map(|f| f.unwrap().path())\n        \
                .filter(|p| p.to_string_lossy().ends_with(\".cu\"));\n    \
                let mut b = cc::Build::new();\n    b.cuda(true).files(sources).file(\"k/main.cu\").compile(\"k\");\n}\n";
    let call = only_call(text);
    assert_eq!(call.inputs, strings(&["k/main.cu"]));
    assert!(call.computed_inputs, "{call:#?}");
}

/// RustInfer's generic kernels: cc is handed what `find_generic_kernel_files("src/kernels",
/// "cu")` returns, a walk whose `filter_entry` skips the `arch` and `third_party`
/// directories (a raw nvcc compiles those); cc was said to compile every `.cu` of the package.
/// The walk's root is cc's input and what the filter skips is none of it. A filter that
/// cannot be read (an `||`) leaves the whole tree to cc, and a `.filter` by name drops the
/// entry of that name alone (a directory's, not its files).
#[test]
fn a_walk_a_function_returns_leaves_out_what_its_filter_skips() {
    let files = [
        "app/src/kernels/add/add.cu",
        "app/src/kernels/arch/sm90a/fp8.cu",
        "app/src/kernels/third_party/fa3/fwd.cu",
        "app/src/kernels/archive.cu",
    ];
    let reached = |chain: &str| -> Vec<&str> {
        let text = format!(
            "fn main() {{\n    let mut build = cc::Build::new();\n    build.cuda(true);\n    \
             for path in kernel_files(\"src/kernels\", \"cu\") {{\n        build.file(path);\n    }}\n    \
             build.compile(\"k\");\n}}\n\
             fn kernel_files(dir: &str, extension: &str) -> Vec<PathBuf> {{\n    \
             walkdir::WalkDir::new(dir)\n        .into_iter()\n        {chain}\n        \
             .map(|e| e.path().to_path_buf())\n        \
             .filter(|p| p.extension().is_some_and(|x| x == extension))\n        .collect()\n}}\n"
        );
        let calls = [only_call(&text)];
        let packages = [Package {
            name: "app",
            dir: "app",
            calls: &calls,
        }];
        let out = attribute(&packages, &files, &|_: &str| Some(String::new()));
        files
            .iter()
            .zip(&out)
            .filter(|(_, by)| !by.is_empty())
            .map(|(f, _)| *f)
            .collect()
    };
    let generic = [files[0], files[3]];
    for skipping in [
        ".filter_entry(|e| !matches!(e.file_name().to_str(), Some(\"arch\" | \"third_party\")))\n        .filter_map(Result::ok)",
        ".filter_entry(|e| {\n            let name = e.file_name().to_string_lossy();\n            \
         name != \"arch\" && name != \"third_party\"\n        })\n        .filter_map(Result::ok)",
    ] {
        assert_eq!(reached(skipping), generic, "{skipping}");
    }
    assert_eq!(
        reached(".filter_map(Result::ok)\n        .filter(|e| e.file_name() != \"archive.cu\")"),
        files[..3]
    );
    for whole in [
        ".filter_entry(|e| e.depth() == 0 || e.file_name() != \"arch\")\n        .filter_map(Result::ok)",
        ".filter_map(Result::ok)\n        .filter(|e| e.file_name() != \"arch\")",
    ] {
        assert_eq!(reached(whole), files, "{whole}");
    }
}

/// A helper that fills a list with its parameter and hands nvcc the list compiles what each
/// call passes: AteniaEngine's `compile_cuda_kernel(&nvcc, "src/cuda/a.cu", &out)`, whose body
/// is `let mut args = vec![]; args.extend(&["-c", cu_file, "-o", output_obj]);
/// Command::new(nvcc_path).args(&args)`, was read as computed: every call compiled every
/// `.cu` of the package. The output after `-o` is no input.
#[test]
fn a_helper_handing_nvcc_a_list_of_its_parameter_compiles_what_each_call_passes() {
    let text = "use std::process::Command;\nfn main() {\n    let nvcc = \"nvcc\";\n    compile_cuda_kernel(nvcc, \"src/cuda/a.cu\", \"a.o\");\n    compile_cuda_kernel(nvcc, \"src/cuda/b.cu\", \"b.o\");\n}\nfn compile_cuda_kernel(nvcc_path: &str, cu_file: &str, output_obj: &str) {\n    let mut args = vec![];\n    args.extend(&[\"-c\", cu_file, \"-o\", output_obj]);\n    Command::new(nvcc_path).args(&args).status().unwrap();\n}\n";
    let s = script(text);
    let inputs: Vec<(Vec<String>, bool)> = s
        .calls
        .iter()
        .map(|c| (c.inputs.clone(), c.computed_inputs))
        .collect();
    assert_eq!(
        inputs,
        [
            (strings(&["src/cuda/a.cu"]), false),
            (strings(&["src/cuda/b.cu"]), false)
        ],
        "{s:#?}"
    );
}

/// A build that returns early unless an environment variable is set compiles its kernels only
/// where it is (a trial's `if std::env::var("USE_CUDA").is_err() { return; }` said no switch);
/// a variable cargo sets, docs.rs's, and one read for its value switch nothing.
#[test]
fn a_build_switched_by_an_environment_variable_says_so() {
    let build = "cc::Build::new().cuda(true).file(\"src/k.cu\").compile(\"k\");";
    let switched = |head: &str, tail: &str| {
        only_call(&format!(
            "fn main() {{\n    {head}\n    {build}\n    {tail}\n}}\n"
        ))
        .switch
    };
    let set = Some("USE_CUDA set at build time".to_owned());
    assert_eq!(
        switched(
            "if std::env::var(\"USE_CUDA\").is_err() {\n        return;\n    }",
            ""
        ),
        set
    );
    assert_eq!(
        switched("if !env::var_os(\"USE_CUDA\").is_some() { return; }", ""),
        set
    );
    assert_eq!(
        switched("if let Ok(_) = env::var(\"USE_CUDA\") {", "}"),
        set
    );
    assert_eq!(
        switched(
            "let gpu = env::var(\"USE_CUDA\").is_ok();\n    if gpu {",
            "}"
        ),
        set
    );
    for unswitched in [
        "if env::var(\"DOCS_RS\").is_ok() { return; }\n    if env::var(\"DOCS_RS\").is_err() {",
        "if env::var(\"CARGO_CFG_TARGET_OS\").is_ok() {",
        "let home = env::var(\"CUDA_HOME\").unwrap_or_default();\n    if !home.is_empty() {",
    ] {
        assert_eq!(switched(unswitched, "}"), None, "{unswitched}");
    }
}

/// A build that returns early where an environment variable is set compiles its kernels only
/// where it is not (RustInfer's `if env::var("SKIP_BUILD_KERNELS").is_ok() { return; }` said
/// no switch); a build in the block before its `return` still runs only where it is set. A
/// test joined to another (`&&`), or a `return` only in a block within, switches nothing.
#[test]
fn a_build_skipped_by_an_environment_variable_says_so() {
    let build = "cc::Build::new().cuda(true).file(\"src/k.cu\").compile(\"k\");";
    let switched = |head: &str, tail: &str| {
        only_call(&format!(
            "fn main() {{\n    {head}\n    {build}\n    {tail}\n}}\n"
        ))
        .switch
    };
    let unset = "without SKIP_BUILD_KERNELS set at build time";
    assert_eq!(
        switched(
            "if env::var(\"SKIP_BUILD_KERNELS\").is_ok() {\n        return;\n    }",
            ""
        )
        .as_deref(),
        Some(unset)
    );
    assert_eq!(
        switched(
            "if std::env::var_os(\"SKIP_BUILD_KERNELS\").is_some() { println!(\"skipped\"); return; }",
            ""
        )
        .as_deref(),
        Some(unset)
    );
    assert_eq!(
        super::only(unset),
        "only without SKIP_BUILD_KERNELS set at build time"
    );
    assert_eq!(
        switched("if env::var(\"USE_CUDA\").is_ok() {", "return;\n    }").as_deref(),
        Some("USE_CUDA set at build time")
    );
    for unswitched in [
        "if env::var(\"SKIP_BUILD_KERNELS\").is_ok() && quick() { return; }",
        "if env::var(\"SKIP_BUILD_KERNELS\").is_ok() { if quick() { return; } }",
    ] {
        assert_eq!(switched(unswitched, ""), None, "{unswitched}");
    }
}

/// pasta-msm builds its CUDA only where `which` finds nvcc when the build script runs: that is
/// the build's switch (a machine without nvcc ships the CPU build, silently).
#[test]
fn a_build_that_runs_only_where_nvcc_is_found_says_so() {
    let text = "fn main() {\n    let nvcc = match std::env::var(\"NVCC\") {\n        \
                Ok(var) => which::which(var),\n        Err(_) => which::which(\"nvcc\"),\n    };\n    \
                if nvcc.is_ok() {\n        let mut b = cc::Build::new();\n        \
                b.cuda(true).file(\"cuda/k.cu\").compile(\"k\");\n    }\n}\n";
    let call = only_call(text);
    assert_eq!(call.switch.as_deref(), Some("nvcc found at build time"));
    let early = "fn main() {\n    if which::which(\"nvcc\").is_err() {\n        return;\n    }\n    \
                 cc::Build::new().cuda(true).file(\"cuda/k.cu\").compile(\"k\");\n}\n";
    assert_eq!(
        only_call(early).switch.as_deref(),
        Some("nvcc found at build time")
    );
    // The probe in a function of the build script (powdr's `if !cuda_available() { return; }`).
    let in_fn = "fn nvcc_works() -> bool {\n    std::process::Command::new(\"nvcc\").arg(\"--version\").status().is_ok_and(|s| s.success())\n}\nfn main() {\n    if !nvcc_works() {\n        return;\n    }\n    cc::Build::new().cuda(true).file(\"cuda/k.cu\").compile(\"k\");\n}\n";
    assert_eq!(
        only_call(in_fn).switch.as_deref(),
        Some("nvcc found at build time")
    );
    // In a helper crate (openvm's `cuda_available()`, powdr's build script), behind a feature.
    let helper = (
        "helper/src/lib.rs",
        "pub fn cuda_available() -> bool {\n    std::process::Command::new(\"nvcc\").arg(\"--version\").output().is_ok()\n}\n",
    );
    let behind = script_with(
        &[helper],
        "fn main() {\n    #[cfg(feature = \"cuda\")]\n    {\n        if !gpu_helper::cuda_available() {\n            return;\n        }\n        cc::Build::new().cuda(true).file(\"cuda/k.cu\").compile(\"k\");\n    }\n}\n",
    );
    assert_eq!(behind.calls.len(), 1, "{behind:#?}");
    assert_eq!(
        behind.calls[0].switch.as_deref(),
        Some("feature \"cuda\" and nvcc found at build time")
    );
}

/// rs-cuda-bitcrack: the probe returns the nvcc it found (`fn find_nvcc() -> Option<String>`),
/// tested through another function (`check_cuda_available() -> bool { find_nvcc().is_some()
/// }`) or by itself (`find_nvcc().is_none()`): the build runs only where nvcc is found. A
/// function that answers the opposite (`cuda_missing`) is no such probe.
#[test]
fn a_probe_that_returns_the_nvcc_it_found_switches_the_build() {
    let find = "fn find_nvcc() -> Option<String> {\n    for p in vec![\"/usr/local/cuda/bin/nvcc\", \"nvcc\"] {\n        if let Ok(o) = std::process::Command::new(p).arg(\"--version\").output() {\n            if o.status.success() {\n                return Some(p.to_string());\n            }\n        }\n    }\n    None\n}\n";
    let build = "    std::process::Command::new(\"nvcc\").args([\"-c\", \"-arch=sm_80\"]).arg(\"kernels/k.cu\").status().unwrap();\n";
    for test in [
        "fn check_cuda_available() -> bool {\n    find_nvcc().is_some()\n}\nfn main() {\n    if !check_cuda_available() {\n        return;\n    }\n",
        "fn main() {\n    if find_nvcc().is_none() {\n        return;\n    }\n",
    ] {
        let call = only_call(&format!("{find}{test}{build}}}\n"));
        assert_eq!(
            call.switch.as_deref(),
            Some("nvcc found at build time"),
            "{test}"
        );
    }
    let opposite = "fn cuda_missing() -> bool {\n    find_nvcc().is_none()\n}\nfn main() {\n    if cuda_missing() {\n        return;\n    }\n";
    let call = only_call(&format!("{find}{opposite}{build}}}\n"));
    assert_ne!(
        call.switch.as_deref(),
        Some("nvcc found at build time"),
        "{call:#?}"
    );
}

/// fumishiki/rosetta-moe looks for `CUDA_HOME/bin/nvcc` on disk (`Path::new(&nvcc).exists()`),
/// gtrak/infers asks `which nvcc` in a function returning the path it found (`String`, empty
/// when none): each builds its kernels only where nvcc is found.
#[test]
fn a_probe_for_nvcc_on_disk_or_by_an_empty_path_switches_the_build() {
    let build = "    std::process::Command::new(&nvcc).args([\"-c\", \"-arch=sm_80\", \"kernels/a.cu\"]).status().unwrap();\n}\n";
    let exists = "fn main() {\n    let cuda = std::env::var(\"CUDA_HOME\").unwrap_or_else(|_| \"/usr/local/cuda\".to_string());\n    let nvcc = format!(\"{}/bin/nvcc\", cuda);\n    let has_cuda = std::path::Path::new(&nvcc).exists();\n    if !has_cuda {\n        return;\n    }\n";
    let which = "fn find_nvcc() -> String {\n    if let Ok(o) = std::process::Command::new(\"which\").arg(\"nvcc\").output() {\n        return String::from_utf8_lossy(&o.stdout).trim().to_string();\n    }\n    String::new()\n}\nfn main() {\n    let nvcc = find_nvcc();\n    if nvcc.is_empty() {\n        return;\n    }\n";
    for head in [exists, which] {
        let call = only_call(&format!("{head}{build}"));
        assert_eq!(
            call.switch.as_deref(),
            Some("nvcc found at build time"),
            "{head}"
        );
    }
}

/// rust-kzg's arkworks3-sppark-wlc: the probe for nvcc has an `else` that panics ("nvcc must
/// be in the path"), so a machine without nvcc fails the build rather than building the crate
/// without its kernels: no switch. An `else` that only warns, or a `panic!` inside a closure
/// of the `else`, still leaves the switch.
#[test]
fn a_build_that_fails_without_nvcc_is_not_switched_by_it() {
    let script = |otherwise: &str| {
        format!(
            "fn main() {{\n    let nvcc = match std::env::var(\"NVCC\") {{\n        \
             Ok(var) => which::which(var),\n        Err(_) => which::which(\"nvcc\"),\n    }};\n    \
             if nvcc.is_ok() {{\n        let mut b = cc::Build::new();\n        \
             b.cuda(true).file(\"cuda/k.cu\").compile(\"k\");\n    }} else {{\n        \
             {otherwise}\n    }}\n}}\n"
        )
    };
    for fails in [
        "panic!(\"nvcc must be in the path. Consider adding /usr/local/cuda/bin.\")",
        "println!(\"cargo:warning=no nvcc\");\n        std::process::exit(1);",
        "unreachable!()",
    ] {
        assert_eq!(only_call(&script(fails)).switch, None, "{fails}");
    }
    for builds_without in [
        "println!(\"cargo:warning=nvcc not found, building without CUDA\");",
        "let _ = || panic!(\"later\");",
    ] {
        assert_eq!(
            only_call(&script(builds_without)).switch.as_deref(),
            Some("nvcc found at build time"),
            "{builds_without}"
        );
    }
}

/// rust-llama.cpp: `-arch=native` reaches nvcc through a `let` split into words and a loop;
/// a `const` handed to `.flag` is read too.
#[test]
fn archs_handed_over_through_a_name_are_read() {
    let split = "fn main() {\n    let mut nvcc = cc::Build::new();\n    \
                 let nvcc_flags = \"--forward-unknown-to-host-compiler -arch=native \";\n    \
                 for nvcc_flag in nvcc_flags.split_whitespace() {\n        nvcc.flag(nvcc_flag);\n    }\n    \
                 nvcc.cuda(true).file(\"k.cu\").compile(\"k\");\n}\n";
    assert!(only_call(split).native_arch, "{:#?}", only_call(split));
    let named = "const ARCH: &str = \"-arch=sm_80\";\nfn main() {\n    let mut nvcc = cc::Build::new();\n    \
                 nvcc.flag(ARCH);\n    nvcc.cuda(true).file(\"k.cu\").compile(\"k\");\n}\n";
    assert_eq!(only_call(named).archs, strings(&["sm_80"]));
}

/// subspace's `rocm` feature: `cc` handed ROCm's HIP compiler compiles the same `.cu` for AMD
/// GPUs; it was said to be built by nothing where it was the only build.
#[test]
fn cc_handed_hipcc_is_a_gpu_build() {
    let script = r#"fn main() {
    if cfg!(feature = "rocm") {
        let mut hipcc = cc::Build::new();
        hipcc.compiler(std::env::var("HIPCC").unwrap_or("hipcc".to_string()));
        hipcc.cpp(true);
        hipcc.file("src/api.cu").compile("api_rocm");
    }
    let mut plain = cc::Build::new();
    plain.compiler("clang");
    plain.file("src/host.c").compile("host");
}
"#;
    let call = only_call(script);
    assert_eq!(
        (call.kind, call.line, call.inputs.as_slice()),
        (BuilderKind::Hip, 4, &["src/api.cu".to_owned()][..])
    );
    assert_eq!(call.switch.as_deref(), Some("feature \"rocm\""));
}

/// heclack/lumi's HIP build: the compiler is a name bound to `HIPCC` or, by default,
/// `"hipcc"`; it was "built by nothing", "builders (0)". A name bound to another compiler
/// builds no GPU code.
#[test]
fn cc_handed_a_name_bound_to_hipcc_is_a_gpu_build() {
    let script = r#"fn main() {
    let hipcc = std::env::var("HIPCC").unwrap_or_else(|_| "hipcc".to_string());
    let mut build = cc::Build::new();
    build.compiler(&hipcc).cpp(true);
    build.file("csrc_hip/ops.cu").compile("k_hip");
}
"#;
    let call = only_call(script);
    assert_eq!(
        (call.kind, call.line, call.inputs.as_slice()),
        (BuilderKind::Hip, 4, &["csrc_hip/ops.cu".to_owned()][..])
    );
    let clang = alone(
        &script
            .replace("\"hipcc\"", "\"clang\"")
            .replace("HIPCC", "CC"),
    );
    assert!(clang.calls.is_empty(), "{clang:#?}");
}

/// peterhj/rembrandt_kernels: `gcc::Config` (cc before its rename) handed nvcc as its
/// compiler, without `.cuda(true)`, compiles every `.file` with nvcc; it was "built by
/// nothing", "builders (0)". So does `cc::Build` with `.compiler("nvcc")`; a compiler that is
/// not nvcc (`nvcc-wrapper.sh` does not end in it, clang) builds no GPU code.
#[test]
fn cc_or_gcc_handed_nvcc_as_its_compiler_is_a_cuda_build() {
    let gcc = r#"extern crate gcc;
fn main() {
    gcc::Config::new().compiler("/usr/local/cuda/bin/nvcc").opt_level(3).flag("-arch=sm_37")
        .pic(true).include("src/cu")
        .file("src/cu/batch_map_kernels.cu")
        .file("src/cu/image_kernels.cu")
        .compile("librembrandt_kernels_cuda.a");
}
"#;
    let call = only_call(gcc);
    assert_eq!((call.kind, call.line), (BuilderKind::Cc, 3));
    assert_eq!(
        (call.inputs, call.include_dirs, call.archs),
        (
            strings(&["src/cu/batch_map_kernels.cu", "src/cu/image_kernels.cu"]),
            strings(&["src/cu"]),
            strings(&["sm_37"])
        )
    );
    let cc = "fn main() {\n    let mut b = cc::Build::new();\n    b.compiler(\"nvcc\").no_default_flags(true);\n    b.flag(\"-arch=sm_80\").file(\"cu/k.cu\").compile(\"libk.a\");\n}\n";
    let call = only_call(cc);
    assert_eq!(
        (call.kind, call.line, call.inputs, call.archs),
        (
            BuilderKind::Cc,
            3,
            strings(&["cu/k.cu"]),
            strings(&["sm_80"])
        )
    );
    for other in ["nvcc-wrapper.sh", "clang"] {
        let text = format!(
            "fn main() {{ cc::Build::new().compiler(\"{other}\").file(\"k.c\").compile(\"k\"); }}"
        );
        assert!(
            script(&text).calls.is_empty(),
            "{other}: {:#?}",
            script(&text)
        );
    }
}

/// A Rust kernel compiled for nvptx64 from the build script (the thirteenth session's trial:
/// rust-cuda, accel, ptx-builder; kernels.build and cuda.contracts passed "nothing to build"):
/// rustc or cargo with the target, literal or bound to a name, and ptx-builder's `Builder`.
/// A command with another target, or none, builds no GPU code.
#[test]
fn rust_compiled_for_nvptx_is_a_gpu_build() {
    let rustc = "use std::process::Command;\nfn main() {\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    Command::new(\"rustc\")\n        .args([\"--target\", \"nvptx64-nvidia-cuda\", \"-C\", \"target-cpu=sm_70\", \"kernel/k.rs\"])\n        .arg(format!(\"-o{out}/k.ptx\"))\n        .status()\n        .unwrap();\n}\n";
    let call = only_call(rustc);
    assert_eq!((call.kind, call.line), (BuilderKind::RustNvptx, 4));
    assert_eq!(
        (call.inputs, call.archs),
        (strings(&["kernel/k.rs"]), strings(&["sm_70"]))
    );
    let cargo = "const TARGET: &str = \"nvptx64-nvidia-cuda\";\nfn main() {\n    let status = std::process::Command::new(env!(\"CARGO\"))\n        .args([\"build\", \"--manifest-path\", \"kernels/Cargo.toml\", \"--target\"])\n        .arg(TARGET)\n        .status();\n}\n";
    let call = only_call(cargo);
    assert_eq!(
        (call.kind, call.inputs),
        (BuilderKind::RustNvptx, strings(&["kernels"]))
    );
    let ptx_builder = "use ptx_builder::prelude::*;\nfn main() -> ptx_builder::error::Result<()> {\n    let builder = Builder::new(\"../kernel\")?;\n    CargoAdapter::with_env_var(\"KERNEL_PTX_PATH\").build(builder);\n}\n";
    let call = only_call(ptx_builder);
    assert_eq!(
        (call.kind, call.line, call.inputs),
        (BuilderKind::RustNvptx, 3, strings(&["../kernel"]))
    );
    let host = "fn main() {\n    std::process::Command::new(\"rustc\").args([\"--target\", \"wasm32-unknown-unknown\", \"x.rs\"]).status().unwrap();\n    std::process::Command::new(\"git\").arg(\"describe\").status().unwrap();\n}\n";
    assert!(script(host).calls.is_empty(), "{:#?}", script(host));
}

/// A Rust kernel's arch handed to cargo through the environment, from a `const` of
/// `concat!`-joined flags (a public build script the code index found: `.env("RUSTFLAGS",
/// RUSTFLAGS)` with `-Ctarget-cpu=sm_52`, under `CARGO_FEATURE_CUDA`): the arch is the one
/// the literal names, as when it is handed inline; an environment variable naming no arch
/// flag adds none.
#[test]
fn a_rust_kernels_arch_handed_through_the_environment_is_read() {
    let text = "use std::env::var_os;\nuse std::process::Command;\nconst RUSTFLAGS: &str = concat!(\"-Ccodegen-units=1 \", \"-Ctarget-cpu=sm_52 \", \"-Ctarget-feature=+ptx60 \");\nfn main() {\n    if var_os(\"CARGO_FEATURE_CUDA\").is_some() {\n        let cargo = var_os(\"CARGO\").unwrap();\n        Command::new(cargo)\n            .arg(\"rustc\")\n            .arg(\"--target\")\n            .arg(\"nvptx64-nvidia-cuda\")\n            .env(\"RUSTFLAGS\", RUSTFLAGS)\n            .status()\n            .unwrap();\n    }\n}\n";
    let call = only_call(text);
    assert_eq!(
        (call.kind, call.archs.clone(), call.switch.as_deref()),
        (
            BuilderKind::RustNvptx,
            strings(&["sm_52"]),
            Some("feature \"cuda\"")
        )
    );
    let quiet = text.replace("-Ctarget-cpu=sm_52 ", "");
    assert_eq!(only_call(&quiet).archs, Vec::<String>::new());
}

/// NVRTC calls behind a feature say so (luminal's `#[cfg(feature = "cuda")] fn
/// compile_kernels`), and so do the modules a crate declares under one (stwo-ml's
/// `#[cfg(feature = "cuda-runtime")] pub mod gpu_sumcheck;`): "NVRTC at run time" with no
/// switch said the default build compiled CUDA.
#[test]
fn nvrtc_behind_a_feature_names_it() {
    let code = "#[cfg(feature = \"cuda\")]\nfn compile_kernels(src: &str) {\n    let _ = cudarc::nvrtc::compile_ptx(src);\n}\nfn always(src: &str) {\n    let _ = cudarc::nvrtc::compile_ptx(src);\n}\n";
    let uses = super::nvrtc_uses_switched(&RustFile {
        rel: "src/run.rs",
        text: code,
    });
    let switches: Vec<(u32, Option<&str>)> = uses
        .iter()
        .map(|(line, _, switch)| (*line, switch.as_deref()))
        .collect();
    assert_eq!(switches, [(3, Some("feature \"cuda\"")), (6, None)]);
    let lib = "pub mod always;\n#[cfg(feature = \"cuda-runtime\")]\npub mod gpu_sumcheck;\n#[cfg(test)]\nmod tests;\n";
    let gated = super::gated_modules(&RustFile {
        rel: "src/lib.rs",
        text: lib,
    });
    assert_eq!(
        gated,
        [(
            "gpu_sumcheck".to_owned(),
            "feature \"cuda-runtime\"".to_owned()
        )]
    );
}

/// A proc macro that compiles the code it expands for nvptx64 while the crates using it
/// compile runs a Rust build for the GPU from library code, not a build script: accel's
/// `Command::new("cargo")` with the target as a literal, rust-cuda's cargo_util
/// `ProcessBuilder` with the target in a `const` (the thirteenth session's trial left both
/// "no CUDA sources"). A command for another target, and one under `#[cfg(test)]`, build no
/// GPU code that ships.
#[test]
fn a_proc_macro_compiling_rust_for_nvptx_is_a_gpu_build() {
    let runs = |text: &str| {
        super::rust_nvptx_runs(&RustFile {
            rel: "derive/src/builder.rs",
            text,
        })
    };
    let accel = "use std::process::Command;\npub fn compile(dir: &Path) {\n    Command::new(\"cargo\")\n        .args(&[\"+nightly\", \"build\", \"--release\", \"--target\", \"nvptx64-nvidia-cuda\"])\n        .current_dir(&dir)\n        .status()\n        .unwrap();\n}\n";
    let found: Vec<(BuilderKind, u32)> = runs(accel).iter().map(|c| (c.kind, c.line)).collect();
    assert_eq!(found, [(BuilderKind::RustNvptx, 3)]);
    let rust_cuda = "use cargo_util::ProcessBuilder;\nconst TARGET_NAME: &str = \"nvptx64-nvidia-cuda\";\n#[cfg(feature = \"kernel\")]\nfn build(path: &Path) {\n    let mut cargo = ProcessBuilder::new(env!(\"CARGO\"));\n    cargo.arg(\"build\");\n    cargo.arg(\"--target\");\n    cargo.arg(TARGET_NAME);\n    cargo.exec().unwrap();\n}\n";
    let found: Vec<(BuilderKind, u32, Option<String>)> = runs(rust_cuda)
        .into_iter()
        .map(|c| (c.kind, c.line, c.switch))
        .collect();
    assert_eq!(
        found,
        [(
            BuilderKind::RustNvptx,
            5,
            Some("feature \"kernel\"".to_owned())
        )]
    );
    let host = "const T: &str = \"nvptx64-nvidia-cuda\";\npub fn run() {\n    std::process::Command::new(\"cargo\").args([\"build\", \"--target\", \"wasm32-unknown-unknown\"]).status().unwrap();\n}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn builds() {\n        std::process::Command::new(\"cargo\").args([\"build\", \"--target\", \"nvptx64-nvidia-cuda\"]).status().unwrap();\n    }\n}\n";
    assert_eq!(runs(host), Vec::<Call>::new());
}

/// Build tools a build script starts by hand (pil2-proofman's `make`, arrayfire-rust's raw
/// `cmake`; the fourteenth session's trial passed both "no CUDA sources"): make in the
/// directory it is handed is a call the caller confirms from the Makefiles there; cmake's
/// configure step is the builder, with its `-S` directory and its `-D` options (the type of
/// `-DNAME:BOOL=ON` is no part of the name), and its `--build` step is none.
#[test]
fn make_and_cmake_started_by_hand_are_builds() {
    let make = "use std::process::Command;\nuse std::path::Path;\nfn main() {\n    let native = Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"../native\");\n    Command::new(\"make\").arg(\"-C\").arg(&native).arg(\"libkern.a\").status().unwrap();\n}\n";
    let call = only_call(make);
    assert_eq!(
        (call.kind, call.line, call.inputs),
        (BuilderKind::Make, 5, strings(&["./../native"]))
    );
    let here = "fn main() {\n    std::process::Command::new(\"make\").args([\"-j\", \"starks_lib_gpu\"]).status().unwrap();\n}\n";
    assert_eq!(only_call(here).inputs, strings(&["."]));
    let cmake = "use std::process::Command;\nfn main() {\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    Command::new(\"cmake\").arg(\"-S\").arg(\"vendor\").arg(\"-B\").arg(&out).arg(\"-DVENDOR_BUILD_CUDA:BOOL=ON\").status().unwrap();\n    Command::new(\"cmake\").arg(\"--build\").arg(&out).status().unwrap();\n}\n";
    let call = only_call(cmake);
    assert_eq!(
        (call.kind, call.line, call.inputs, call.switch),
        (
            BuilderKind::Cmake,
            4,
            strings(&["vendor"]),
            Some("VENDOR_BUILD_CUDA=ON".to_owned())
        )
    );
    assert!(!call.cmake_project);
    let bare = "fn main() {\n    std::process::Command::new(\"cmake\").args([\"-S\", \"cpp\", \"-B\", \"build\"]).status().unwrap();\n}\n";
    let call = only_call(bare);
    assert!(
        call.cmake_project && call.inputs == strings(&["cpp"]),
        "{call:?}"
    );
    let off = "fn main() {\n    std::process::Command::new(\"cmake\").args([\"-S\", \"cpp\", \"-DUSE_CUDA=OFF\"]).status().unwrap();\n}\n";
    assert!(script(off).calls.is_empty(), "{:#?}", script(off));
}

/// make run in a directory the build script computes from no literal (openblas-src, a
/// dependency of ndarray-linalg: `make all`, then `make install`, in the OpenBLAS source it
/// downloads into `OUT_DIR`) has no Makefile anyone can read for nvcc: no build of GPU code.
/// The eighteenth session's trial of ndarray-cuda-matmul listed openblas-src twice as "make running
/// nvcc" among its dependencies. A shell script run in such a directory is still the
/// caller's to read, and make in the package's own directory joined with a literal is a call.
#[test]
fn make_in_a_directory_the_script_computes_builds_no_gpu_code() {
    let openblas = "use std::process::Command;\nfn main() {\n    let output = PathBuf::from(env::var(\"OUT_DIR\").unwrap());\n    let source = output.join(format!(\"source_{}\", target));\n    let mut make = Command::new(\"make\");\n    make.args(&[\"all\"]).arg(format!(\"BINARY={}\", binary()));\n    run(&mut make.current_dir(&source));\n    run(Command::new(\"make\")\n        .arg(\"install\")\n        .arg(format!(\"DESTDIR={}\", output.display()))\n        .current_dir(&source));\n}\n";
    assert!(script(openblas).calls.is_empty(), "{:#?}", script(openblas));
    let dir_flag = "fn main() {\n    let src = std::env::var(\"OUT_DIR\").unwrap();\n    std::process::Command::new(\"make\").arg(\"-C\").arg(&src).status().unwrap();\n}\n";
    assert!(script(dir_flag).calls.is_empty(), "{:#?}", script(dir_flag));
    let script_run = "fn main() {\n    let dir = std::env::var(\"OUT_DIR\").unwrap();\n    std::process::Command::new(\"sh\").arg(\"./build.sh\").current_dir(&dir).status().unwrap();\n}\n";
    let call = only_call(script_run);
    assert_eq!(
        (call.kind, call.script.as_deref()),
        (BuilderKind::Make, Some("./build.sh"))
    );
    let joined = "use std::path::Path;\nfn main() {\n    let dir = Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"gpu\");\n    std::process::Command::new(\"make\").current_dir(&dir).status().unwrap();\n}\n";
    assert_eq!(only_call(joined).inputs, strings(&["./gpu"]));
}

/// A module declared out of line under `#[cfg(test)]` (ZLUDA's `#[cfg(test)] mod test;`) is
/// test code; one under another attribute, or none, is not.
#[test]
fn modules_declared_under_cfg_test_are_named() {
    let lib = "#[cfg(test)]\nmod test;\n#[cfg(test)]\n#[allow(dead_code)]\npub(crate) mod helpers;\n#[test]\nfn t() {}\nmod real;\n#[cfg(feature = \"x\")]\nmod gated;\n#[cfg(test)]\nmod inline {}\n";
    let found = super::test_modules(&RustFile {
        rel: "src/lib.rs",
        text: lib,
    });
    assert_eq!(found, strings(&["test", "helpers"]));
}

/// Every guard counts: tabby's build script returns early without `binary` and defines
/// `GGML_CUDA` only with `cuda` (it said `if feature "binary"` alone).
#[test]
fn a_define_under_a_guard_of_its_own_is_switched_by_every_guard() {
    let tabby = "use cmake::Config;\nfn main() {\n    if !cfg!(feature = \"binary\") {\n        return;\n    }\n    let mut config = Config::new(\"./proj\");\n    config.define(\"BUILD_SHARED_LIBS\", \"OFF\");\n    if cfg!(feature = \"cuda\") {\n        config.define(\"GGML_CUDA\", \"ON\");\n    }\n    config.build();\n}\n";
    assert_eq!(
        only_call(tabby).switch.as_deref(),
        Some("GGML_CUDA=ON if feature \"binary\" and feature \"cuda\"")
    );
}

/// A builder in a `match`'s scrutinee ends at the `{` of its arms: HVM's
/// `match cc::Build::new().file("src/run.c").try_compile("hvm-c") { … }` then a
/// `cc::Build::new().cuda(true)` under `if` was read as a second `.cuda(true)` builder at the
/// later one's line (the C build's statement ran to the end of `main`).
#[test]
fn a_builder_in_a_match_scrutinee_ends_at_its_arms() {
    let hvm = "fn main() {\n    match cc::Build::new().file(\"src/run.c\").try_compile(\"c\") {\n        Ok(_) => println!(\"c\"),\n        Err(e) => println!(\"{e}\"),\n    }\n    if nvcc_found() {\n        cc::Build::new()\n            .cuda(true)\n            .file(\"src/run.cu\")\n            .compile(\"cu\");\n    }\n}\n";
    let found = alone(hvm);
    assert_eq!(found.calls.len(), 1, "{found:#?}");
    assert_eq!(
        (found.calls[0].line, found.calls[0].inputs.clone()),
        (8, strings(&["src/run.cu"]))
    );
    let gpu_first = "fn main() {\n    if cc::Build::new().cuda(true).file(\"k.cu\").try_compile(\"k\").is_ok() {\n        cc::Build::new().file(\"a.c\").compile(\"a\");\n    }\n}\n";
    let call = only_call(gpu_first);
    assert_eq!(call.inputs, strings(&["k.cu"]), "{call:?}");
}

/// The cmake crate's `cmake::build("dir")` is `Config::new("dir").build()` (stwo-gpu's
/// `cmake::build("../cuda/")`): a CMake build of its project, read like the `Config`.
#[test]
fn the_cmake_crates_build_function_is_a_cmake_builder() {
    let stwo = "fn main() {\n    println!(\"cargo:rerun-if-changed=../cuda/src\");\n    let destination = cmake::build(\"../cuda/\");\n    println!(\"cargo:rustc-link-search={}/lib/\", destination.display());\n}\n";
    let call = only_call(stwo);
    assert_eq!(
        (
            call.kind,
            call.line,
            call.inputs.clone(),
            call.cmake_project
        ),
        (BuilderKind::Cmake, 3, strings(&["../cuda/"]), true)
    );
    let imported = "use cmake::build;\nfn main() {\n    build(\"cuda\");\n}\n";
    assert_eq!(only_call(imported).inputs, strings(&["cuda"]));
    let other = "fn main() {\n    builder::build(\"cuda\");\n    let b = Build::new();\n    b.build(\"x\");\n}\n";
    assert!(script(other).calls.is_empty(), "{:#?}", script(other));
}

/// cxx's `cxx_build::bridge("src/main.rs")` returns the `cc::Build` that compiles the bridge:
/// with `.cuda(true)` and `.file("src/k.cu")` on it (a shape of several public build scripts)
/// it is cc compiling the `.cu`, not "built by nothing".
#[test]
fn a_cxx_bridge_with_cuda_is_a_cc_builder() {
    let chained = "fn main() {\n    cxx_build::bridge(\"src/main.rs\")\n        .cuda(true)\n        .file(\"src/cuda_rt.cu\")\n        .compile(\"cuda_rt\");\n}\n";
    let call = only_call(chained);
    assert_eq!(
        (call.kind, call.line, call.inputs.clone()),
        (BuilderKind::Cc, 3, strings(&["src/cuda_rt.cu"]))
    );
    let bound = "fn main() {\n    let mut cc = cxx_build::bridges([\"src/a.rs\"]);\n    cc.cuda(true).file(\"src/k.cu\");\n    cc.compile(\"k\");\n}\n";
    assert_eq!(only_call(bound).inputs, strings(&["src/k.cu"]));
    let host = "fn main() {\n    cxx_build::bridge(\"src/main.rs\").file(\"src/a.cc\").compile(\"a\");\n}\n";
    assert!(script(host).calls.is_empty(), "{:#?}", script(host));
}

/// A builder bound anew to a chain on itself stays the builder: `let cc = cc.cuda(true)…;`
/// then `cc.file("src/kernels.cu").compile(..)` (a public build script around
/// `cxx_build::bridge(..)`, its archs in a `format!` of consts) was "built by nothing"; a
/// binding of the name to something else still ends the builder.
#[test]
fn a_builder_bound_anew_to_a_chain_on_itself_goes_on() {
    let cxx = "fn main() {\n    let mut cc = cxx_build::bridge(\"src/main.rs\");\n    let cc = cc.cuda(true).std(\"c++17\").flag(\"-arch=sm_86\");\n    cc.file(\"src/kernels.cu\").compile(\"k\");\n}\n";
    let call = only_call(cxx);
    assert_eq!(
        (
            call.kind,
            call.line,
            call.inputs.clone(),
            call.archs.clone()
        ),
        (
            BuilderKind::Cc,
            3,
            strings(&["src/kernels.cu"]),
            strings(&["sm_86"])
        )
    );
    let moved = "fn main() {\n    let mut b = cc::Build::new();\n    b.cuda(true);\n    let mut b = b;\n    b.file(\"k.cu\").compile(\"k\");\n}\n";
    assert_eq!(only_call(moved).inputs, strings(&["k.cu"]));
    let other = "fn main() {\n    let mut b = cc::Build::new();\n    b.cuda(true).file(\"a.cu\");\n    let b = vec![1];\n    b.file(\"host.c\");\n    let mut c = cc::Build::new();\n    c.cuda(true).compile(\"a\");\n}\n";
    let calls = script(other).calls;
    assert!(
        calls
            .iter()
            .all(|c| !c.inputs.iter().any(|i| i == "host.c")),
        "{calls:#?}"
    );
}

/// Archs a `format!` builds from names bound to one literal each: `const ARCH`/`const CODE`
/// handed to `format!("arch={},code={}", ..)` after `-gencode` (a cxx bridge's build script),
/// and raw nvcc's `format!("arch=compute_{},code=sm_{}", sm_ver, sm_ver)` with `let sm_ver =
/// "61"` had no archs; a placeholder of a loop variable or of the environment is still unknown.
#[test]
fn archs_a_format_builds_from_literal_bound_names_are_read() {
    let consts = "const ARCH: &str = \"compute_86\";\nconst CODE: &str = \"sm_86\";\nfn main() {\n    let mut b = cc::Build::new();\n    b.cuda(true).flag(\"-gencode\").flag(format!(\"arch={},code={}\", ARCH, CODE));\n    b.file(\"k.cu\").compile(\"k\");\n}\n";
    assert_eq!(only_call(consts).archs, strings(&["sm_86"]));
    let nvcc = "fn main() {\n    let sm_ver = \"61\";\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    std::process::Command::new(\"nvcc\")\n        .arg(\"-fatbin\")\n        .arg(\"-gencode\")\n        .arg(format!(\"arch=compute_{},code=sm_{}\", sm_ver, sm_ver))\n        .arg(\"kernels/k.cu\")\n        .arg(format!(\"{out}/k.fatbin\"))\n        .status()\n        .unwrap();\n}\n";
    assert_eq!(only_call(nvcc).archs, strings(&["sm_61"]));
    let inline = "fn main() {\n    let cap = \"90\";\n    cc::Build::new().cuda(true).flag(format!(\"-arch=sm_{cap}\")).file(\"k.cu\").compile(\"k\");\n}\n";
    assert_eq!(only_call(inline).archs, strings(&["sm_90"]));
    let unknown = "fn main() {\n    let mut b = cc::Build::new();\n    b.cuda(true).file(\"k.cu\");\n    for arch in [\"70\", \"80\"] {\n        b.flag(format!(\"-gencode=arch=compute_{arch},code=sm_{arch}\"));\n    }\n    let cap = std::env::var(\"CAP\").unwrap_or(\"75\".into());\n    b.flag(format!(\"-arch=sm_{}\", cap));\n    b.compile(\"k\");\n}\n";
    assert!(only_call(unknown).archs.is_empty());
}

/// A cmake option naming CUDA whose value is a place (optix-rs' optix-sys: `.define("INC_CUDA",
/// &format!("{}/include", cuda_root))` for a project of one C file) switches nothing on: the
/// project is CUDA only if its own files say so, as with `CMAKE_CUDA_*` settings. It was
/// "cmake with CUDA, only with INC_CUDA={}/include".
#[test]
fn a_cmake_option_that_says_where_cuda_is_switches_nothing_on() {
    let optix = "fn main() {\n    let root = std::env::var(\"CUDA_ROOT\").unwrap();\n    cmake::Config::new(\"optix_stubs-capi\")\n        .define(\"INC_CUDA\", &format!(\"{}/include\", root))\n        .build();\n}\n";
    let call = only_call(optix);
    assert_eq!(
        (
            call.switch.clone(),
            call.cmake_project,
            call.cuda_configured
        ),
        (None, true, true),
        "{call:#?}"
    );
    let toolkit = "fn main() {\n    cmake::Config::new(\"cpp\").define(\"CUDA_TOOLKIT_ROOT_DIR\", \"/usr/local/cuda\").build();\n}\n";
    assert_eq!(only_call(toolkit).switch, None);
    let on = "fn main() {\n    cmake::Config::new(\"cpp\").define(\"INC_CUDA\", \"/opt/cuda/include\").define(\"USE_CUDA\", \"ON\").build();\n}\n";
    assert_eq!(only_call(on).switch.as_deref(), Some("USE_CUDA=ON"));
}

/// `use cuda::nvrtc::Program;` inside a function, then `Program::new(src, ..)` and
/// `prg.compile_program(&options)` (optix-rs' examples, each compiling its `include_str!`-ed
/// `devicePrograms.cu`): an NVRTC use, as `nvrtc::Program` written out is. A `Program` of no
/// NVRTC module is none.
#[test]
fn a_program_type_brought_in_from_an_nvrtc_module_is_nvrtc() {
    let optix = "fn compile_to_ptx(src: &str) -> String {\n    use cuda::nvrtc::Program;\n    let mut prg = Program::new(src, \"devicePrograms\", &Vec::new()).unwrap();\n    prg.compile_program(&options).unwrap();\n    prg.get_ptx().unwrap()\n}\n";
    let uses = nvrtc_uses(&RustFile {
        rel: "examples/02/sample_renderer.rs",
        text: optix,
    });
    assert_eq!(
        uses.iter().map(|u| u.0).collect::<Vec<_>>(),
        vec![3],
        "{uses:?}"
    );
    let other = "use glsl::Program;\nfn f() {\n    let p = Program::new(\"x\");\n}\n";
    let none = nvrtc_uses(&RustFile {
        rel: "src/lib.rs",
        text: other,
    });
    assert!(none.is_empty(), "{none:?}");
}

/// warp-types builds its Rust kernels for nvptx64 through a builder type of the workspace
/// (`WarpBuilder::new("sat-kernels").build()`), whose command names the target through a
/// method (`.arg(self.target.triple())`, `fn triple(&self) -> &str { match self { .. =>
/// "nvptx64-nvidia-cuda" } }`): no builder was seen, for either reason alone.
#[test]
fn a_rust_kernel_built_through_a_builder_type_or_a_target_method_is_seen() {
    let target = "pub enum Target { Nvidia }\nimpl Target {\n    fn triple(&self) -> &str {\n        match self { Target::Nvidia => \"nvptx64-nvidia-cuda\" }\n    }\n}\n";
    let method = format!(
        "{target}fn main() {{\n    let t = Target::Nvidia;\n    std::process::Command::new(\"cargo\").args([\"rustc\", \"--target\"]).arg(t.triple()).status().unwrap();\n}}\n"
    );
    assert_eq!(only_call(&method).kind, BuilderKind::RustNvptx);
    let builder = "pub struct Builder { dir: String }\nimpl Builder {\n    pub fn new(dir: &str) -> Self { Builder { dir: dir.to_owned() } }\n    pub fn build(self) {\n        std::process::Command::new(\"cargo\").args([\"rustc\", \"--target\", \"nvptx64-nvidia-cuda\"]).current_dir(&self.dir).status().unwrap();\n    }\n}\n";
    let build =
        "fn main() {\n    #[cfg(feature = \"gpu\")]\n    kb::Builder::new(\"kern\").build();\n}\n";
    let found = script_with(&[("kb/src/lib.rs", builder)], build);
    let [call] = found.calls.as_slice() else {
        panic!("one call: {found:#?}")
    };
    assert_eq!(
        (call.kind, call.line, call.via.as_deref()),
        (BuilderKind::RustNvptx, 3, Some("kb/src/lib.rs:4"))
    );
    assert_eq!(call.switch.as_deref(), Some("feature \"gpu\""));
}

/// FearL0rd/pulsar: `fn nvcc()` returns `$PULSAR_NVCC` when it is set (`if let Ok(env) =
/// env::var(..) { return env; }`). Read as the variable `Ok` bound to that test, every later
/// `if let Ok(..)` tested it, and a build behind another early return was said to run only
/// without PULSAR_NVCC; so was one behind a test of `std::env::var` where a variable named
/// `env` was bound to a test (a module of a path is no variable).
#[test]
fn a_pattern_or_a_paths_module_is_no_switch_variable() {
    let script = |head: &str| {
        format!(
            r#"fn nvcc() -> String {{
    if let Ok(env) = std::env::var("MY_NVCC") {{
        return env;
    }}
    "nvcc".into()
}}

fn main() {{
    {head}
    if let Ok(v) = std::env::var("SKIP_KERNELS") {{
        return;
    }}
    std::process::Command::new(nvcc())
        .args(["--ptx", "kernels/k.cu", "-o", "k.ptx"])
        .status()
        .unwrap();
}}
"#
        )
    };
    for head in ["", r#"let env = std::env::var("USE_CUDA").is_ok();"#] {
        let found = alone(&script(head));
        let switches: Vec<Option<&str>> =
            (found.calls.iter()).map(|c| c.switch.as_deref()).collect();
        assert_eq!(
            switches,
            [Some("without SKIP_KERNELS set at build time")],
            "{head}: {found:#?}"
        );
    }
}

/// Two raw nvcc calls of one script, each with its own literal source and an output path
/// made with `format!`, each build only it (igor53627/morphogenesis' four calls, the
/// thirty-fifth session's trial: the name inside `format!` read as a file handed over made
/// the inputs computed, and every call took every `.cu` the script names).
#[test]
fn each_raw_nvcc_call_builds_only_what_it_names() {
    let call = |n: &str, arch: &str| {
        format!(
            "    let status = std::process::Command::new(\"nvcc\")\n        .arg(\"-ptx\")\n        \
             .arg(\"-arch={arch}\")\n        .arg(\"cuda/{n}.cu\")\n        .arg(\"-o\")\n        \
             .arg(format!(\"{{}}/{n}.ptx\", out_dir))\n        .status()\n        .unwrap();\n    \
             assert!(status.success());\n"
        )
    };
    let text = format!(
        "fn main() {{\n    let out_dir = std::env::var(\"OUT_DIR\").unwrap();\n{}{}}}\n",
        call("a", "sm_80"),
        call("b", "sm_90")
    );
    // A check of the first call's status in an `if` block ends its extent there.
    let checked = text.replacen(
        "    assert!(status.success());\n",
        "    if !status.success() {\n        panic!(\"a failed\");\n    }\n",
        1,
    );
    for text in [text, checked] {
        let s = script(&text);
        let inputs: Vec<&[String]> = s.calls.iter().map(|c| c.inputs.as_slice()).collect();
        let each = [strings(&["cuda/a.cu"]), strings(&["cuda/b.cu"])];
        assert_eq!(inputs, each, "{s:#?}");
        assert!(s.calls.iter().all(|c| !c.computed_inputs && !c.tabled));
    }
}
