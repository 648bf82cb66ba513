//! `kernels.shipped` and `cargo gate kernels` on fixtures whose builds really compile CUDA
//! (`cc` through a helper crate, a CMake project, PTX embedded with `include_str!`, a stale
//! checked-in PTX, NVRTC at run time): each judgement, and the bill of materials read back
//! from what the build ships. They need nvcc (and cmake for one): without them they skip,
//! saying so, unless `GATE_TESTS_REQUIRE_NVCC` is set (CI installs both: see .ci/run).

use crate::support::{Fixture, Run, fixture, fixture_in, run};
use gate_formats::kernel_bom::{
    Artifacts, Binary, BinaryKind, Bom, Builder, BuilderKind, Container, FileKind, Kernel,
    KernelForm, SourceFile,
};
use serde_json::Value;
use std::path::PathBuf;

/// Whether a missing tool fails the test rather than skipping it.
fn required() -> bool {
    std::env::var_os("GATE_TESTS_REQUIRE_NVCC").is_some()
}

/// The nvcc the fixtures' builds compile with ([`gate_support::nvcc::for_tests`]), or `None`
/// (and a printed reason) when there is none.
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn nvcc() -> Option<PathBuf> {
    let found = gate_support::nvcc::for_tests();
    if found.is_none() {
        let why = "no nvcc found (NVCC, PATH, or a CUDA 13 wheel of python3); set NVCC to run it";
        assert!(!required(), "GATE_TESTS_REQUIRE_NVCC is set and {why}");
        println!("skipped: {why}");
    }
    found
}

/// Whether `cmake` runs; when it does not, the test skips (or fails, in CI).
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn cmake() -> bool {
    let runs = std::process::Command::new("cmake")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        assert!(
            !required(),
            "GATE_TESTS_REQUIRE_NVCC is set and no cmake runs"
        );
        println!("skipped: no cmake on PATH");
    }
    runs
}

/// `cargo gate ARGS…` on the fixture, its builds compiling with `nvcc`.
fn gate(fx: &Fixture, nvcc: &PathBuf, args: &[&str]) -> Run {
    let mut cmd = fx.command(args);
    cmd.env("NVCC", nvcc);
    run(cmd)
}

/// `pilot --only kernels.shipped --format json`: the exit code and the check's JSON.
fn shipped(fx: &Fixture, nvcc: &PathBuf) -> (i32, Value) {
    let run = gate(
        fx,
        nvcc,
        &["pilot", "--only", "kernels.shipped", "--format", "json"],
    );
    let report = run.json();
    let check = check_in(&report, "kernels.shipped").clone();
    (run.code, check)
}

/// The check `id` of a JSON report.
fn check_in<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report:#}"))
}

/// A building `controlled` run of `tests.pass`, `cuda.contracts` and `kernels.build` that
/// fails (exit 1): its JSON report.
fn built_contracts(fx: &Fixture, nvcc: &PathBuf) -> Value {
    let run = gate(
        fx,
        nvcc,
        &[
            "controlled",
            "--only",
            "tests.pass",
            "--only",
            "cuda.contracts",
            "--only",
            "kernels.build",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    serde_json::from_str(&run.stdout).unwrap()
}

/// `cargo gate kernels --format json`, as the format's type.
fn bom_of(fx: &Fixture, nvcc: &PathBuf) -> Bom {
    let run = gate(fx, nvcc, &["kernels", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let value: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    crate::validate::validate("kernel-bom", "cargo gate kernels --format json", &value);
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// The check's findings with `code`.
fn with_code<'a>(check: &'a Value, code: &str) -> Vec<&'a Value> {
    check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// The one finding with `code`, of `severity`.
fn the_finding<'a>(check: &'a Value, code: &str, severity: &str) -> &'a Value {
    let found: Vec<&Value> = with_code(check, code)
        .into_iter()
        .filter(|f| f["severity"] == severity)
        .collect();
    assert_eq!(found.len(), 1, "one {code} finding in {check:#}");
    assert_eq!(found[0]["severity"], severity, "{check:#}");
    found[0]
}

/// The codes of the check's findings of `severity`, sorted, each once.
fn codes(check: &Value, severity: &str) -> Vec<String> {
    let mut codes: Vec<String> = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == severity)
        .map(|f| f["code"].as_str().unwrap_or("(none)").to_owned())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// `file:LINE` of the first line of the fixture's `file` that contains `text`.
fn at(fx: &Fixture, file: &str, text: &str) -> String {
    let contents = std::fs::read_to_string(fx.root.join(file)).unwrap();
    let line = contents
        .lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{file} has no `{text}`"));
    format!("{file}:{}", line + 1)
}

fn source<'a>(bom: &'a Bom, path: &str) -> &'a SourceFile {
    bom.sources
        .iter()
        .find(|s| s.path == path)
        .unwrap_or_else(|| panic!("{path} is not among the sources: {:#?}", bom.sources))
}

/// The builders of a source.
fn built_by<'a>(bom: &'a Bom, source: &SourceFile) -> Vec<&'a Builder> {
    source.built_by.iter().map(|&i| &bom.builders[i]).collect()
}

/// The binaries read and the distinct kernels found.
fn artifacts(bom: &Bom) -> (&[Binary], &[Kernel]) {
    match &bom.artifacts {
        Artifacts::Read {
            binaries, kernels, ..
        } => (binaries, kernels),
        other => panic!("the artifacts were not read: {other:?}"),
    }
}

/// The binaries of `package` of `kind`.
fn binaries<'a>(bom: &'a Bom, package: &str, kind: BinaryKind) -> Vec<&'a Binary> {
    artifacts(bom)
        .0
        .iter()
        .filter(|b| b.package == package && b.kind == kind)
        .collect()
}

/// The kernels a binary carries.
fn kernels<'a>(bom: &'a Bom, binary: &Binary) -> Vec<&'a Kernel> {
    let all = artifacts(bom).1;
    binary
        .modules
        .iter()
        .flat_map(|m| &m.kernels)
        .map(|&i| &all[i])
        .collect()
}

/// `(form, arch, PTX ISA, min driver)` of each kernel, sorted, each once.
fn shapes(kernels: &[&Kernel]) -> Vec<(KernelForm, String, Option<String>, Option<String>)> {
    let mut shapes: Vec<_> = kernels
        .iter()
        .map(|k| {
            (
                k.form,
                k.arch.clone(),
                k.ptx_isa.clone(),
                k.min_driver.clone(),
            )
        })
        .collect();
    shapes.sort();
    shapes.dedup();
    shapes
}

fn sass(arch: &str) -> (KernelForm, String, Option<String>, Option<String>) {
    (KernelForm::Sass, arch.to_owned(), None, None)
}

fn ptx(
    arch: &str,
    isa: &str,
    driver: &str,
) -> (KernelForm, String, Option<String>, Option<String>) {
    (
        KernelForm::Ptx,
        arch.to_owned(),
        Some(isa.to_owned()),
        Some(driver.to_owned()),
    )
}

/// How the fleet's `arch` is covered for `package`: `(by, from)`.
fn coverage(bom: &Bom, package: &str, arch: &str) -> (String, Option<String>) {
    let fleet = bom.fleet.as_ref().expect("a fleet is declared");
    let c = fleet
        .coverage
        .iter()
        .find(|c| c.package == package && c.arch == arch)
        .unwrap_or_else(|| panic!("no coverage of {arch} for {package}: {fleet:#?}"));
    (c.by.clone(), c.from.clone())
}

/// The witnessed compile of `input` (a workspace-relative source).
fn compiled<'a>(bom: &'a Bom, input: &str) -> &'a gate_formats::kernel_bom::Compile {
    let witness = bom
        .witness
        .as_ref()
        .expect("a run that builds has a witness section");
    assert!(witness.not_installed.is_none(), "{witness:#?}");
    assert!(witness.unwitnessed.is_empty(), "{witness:#?}");
    assert!(
        witness.notes.is_empty(),
        "static reading and the build agree: {witness:#?}"
    );
    witness
        .compiles
        .iter()
        .find(|c| c.inputs.iter().any(|i| i == input))
        .unwrap_or_else(|| panic!("no witnessed compile of {input}: {witness:#?}"))
}

/// The record files the witness left in the fixture's target directory.
fn records(fx: &Fixture) -> usize {
    let mut count = 0;
    let mut todo = vec![fx.root.join("target")];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push(path);
            } else if path.parent().is_some_and(|p| p.ends_with(".gate-witness"))
                && path.extension().is_some_and(|e| e == "json")
            {
                count += 1;
            }
        }
    }
    count
}

#[test]
fn cc_through_a_helper_crate_ships_sm_80_and_ptx_the_fleet_driver_cannot_load() {
    let Some(nvcc) = nvcc() else { return };
    // The workspace is `ws/`; the helper crate, with the include directory, lies beside it.
    let fx = fixture_in("bom-cc-helper", "ws");

    // sm_80 runs the SASS, sm_90 JITs the compute_80 PTX: covered. But the PTX is ISA 9.0
    // (nvcc 13.0), which needs a 13.0 driver, and the fleet's oldest is 12.4.
    let (code, check) = shipped(&fx, &nvcc);
    assert_eq!(code, 1, "{check:#}");
    assert_eq!(check["status"], "FAIL", "{check:#}");
    assert_eq!(
        codes(&check, "error"),
        ["ptx-needs-newer-driver"],
        "{check:#}"
    );
    let driver = the_finding(&check, "ptx-needs-newer-driver", "error");
    let message = driver["message"].as_str().unwrap();
    assert!(message.contains("13.0"), "{driver:#}");
    assert!(message.contains("12.4"), "{driver:#}");
    assert_eq!(codes(&check, "warning"), Vec::<String>::new(), "{check:#}");

    let bom = bom_of(&fx, &nvcc);
    // The .cu outside the crate, built by the cc call in kernels-sys's build script through
    // the helper build-helpers (outside the workspace root) defines; the header it includes,
    // from an include directory outside the root, attributed to it.
    let ops = source(&bom, "csrc/ops.cu");
    assert_eq!(ops.kind, FileKind::Source);
    assert_eq!(ops.package, None, "csrc/ lies in no package");
    assert_eq!(ops.included_by, None);
    let builders = built_by(&bom, ops);
    assert_eq!(builders.len(), 1, "{builders:#?}");
    let cc = builders[0];
    assert_eq!(cc.kind, BuilderKind::Cc, "{cc:#?}");
    assert_eq!(cc.package, "kernels-sys");
    // What the build really compiled, seen by the witness: the package whose build script ran
    // nvcc, the archs, the header read from outside the workspace, and the static builder.
    let header = "../build-helpers/include/common/util.cuh";
    let compile = compiled(&bom, "csrc/ops.cu");
    assert_eq!(compile.package, "kernels-sys");
    assert!(compile.ok && !compile.generated, "{compile:#?}");
    assert!(compile.archs.iter().any(|a| a == "sm_80"), "{compile:#?}");
    assert!(compile.includes.iter().any(|i| i == header), "{compile:#?}");
    assert_eq!(compile.builder.map(|b| &bom.builders[b]), Some(cc));
    assert!(!ops.compiled_in.is_empty());
    assert!(!source(&bom, header).compiled_in.is_empty());
    assert_eq!(
        cc.at,
        at(&fx, "kernels-sys/build.rs", "build_helpers::ccmd()")
    );
    assert_eq!(
        cc.via.as_deref(),
        Some(at(&fx, "../build-helpers/src/lib.rs", "pub fn ccmd()").as_str())
    );
    assert!(cc.archs.iter().any(|a| a.contains("sm_80")), "{cc:#?}");
    assert!(
        !cc.native_arch && !cc.dependency && cc.gpu_probe.is_none(),
        "{cc:#?}"
    );
    let util = source(&bom, header);
    assert_eq!(util.kind, FileKind::Header);
    assert_eq!(util.included_by.as_deref(), Some("csrc/ops.cu"));
    assert_eq!(built_by(&bom, util), [cc], "{util:#?}");

    // What the build ships (read back with cuobjdump when the fixture was made): the test
    // binary, the rlib and libops.a each carry sm_80 SASS and compute_80 PTX, ISA 9.0.
    let want = [sass("sm_80"), ptx("compute_80", "9.0", "13.0")];
    let exes = binaries(&bom, "kernels-sys", BinaryKind::Executable);
    assert_eq!(exes.len(), 1, "the lib's test binary: {exes:#?}");
    assert_eq!(shapes(&kernels(&bom, exes[0])), want);
    for kernel in kernels(&bom, exes[0]) {
        assert_eq!(kernel.container, Container::FatbinSection, "{kernel:#?}");
        assert!(kernel.digest.starts_with("sha256:"), "{kernel:#?}");
        assert_eq!(kernel.crates, ["kernels-sys"], "{kernel:#?}");
    }
    let rlibs = binaries(&bom, "kernels-sys", BinaryKind::Rlib);
    assert_eq!(rlibs.len(), 1, "{rlibs:#?}");
    // The rlib also carries libops.a's device-link object (sm_80 SASS of its own).
    assert_eq!(shapes(&kernels(&bom, rlibs[0])), want);
    let archives = binaries(&bom, "kernels-sys", BinaryKind::StaticLib);
    assert!(
        archives.iter().any(|a| a.path.ends_with("/out/libops.a")),
        "{archives:#?}"
    );

    let fleet = bom.fleet.as_ref().unwrap();
    assert_eq!(fleet.archs, ["sm_80", "sm_90"]);
    assert_eq!(fleet.min_driver.as_deref(), Some("12.4"));
    assert_eq!(
        coverage(&bom, "kernels-sys", "sm_80"),
        ("sass".to_owned(), Some("sm_80".to_owned()))
    );
    assert_eq!(
        coverage(&bom, "kernels-sys", "sm_90"),
        ("ptx".to_owned(), Some("compute_80".to_owned()))
    );

    // The same inventory as CycloneDX 1.6: each shipped image a component with its digest,
    // arch and PTX ISA.
    let export = gate(&fx, &nvcc, &["kernels", "--format", "cyclonedx"]);
    assert_eq!(export.code, 0, "{}", export.transcript());
    let doc: Value = serde_json::from_str(&export.stdout).unwrap();
    assert_eq!(
        (doc["bomFormat"].as_str(), doc["specVersion"].as_str()),
        (Some("CycloneDX"), Some("1.6"))
    );
    let Artifacts::Read { kernels, .. } = &bom.artifacts else {
        panic!("{:#?}", bom.artifacts)
    };
    let components = doc["components"].as_array().unwrap();
    for kernel in kernels {
        let hex = kernel.digest.trim_start_matches("sha256:");
        let component = components
            .iter()
            .find(|c| c["hashes"][0]["content"] == hex)
            .unwrap_or_else(|| panic!("{hex} not exported: {doc:#}"));
        let property = |name: &str| {
            component["properties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == format!("cargo-gate:cuda:{name}"))
                .map(|p| p["value"].as_str().unwrap().to_owned())
        };
        assert_eq!(property("arch").as_deref(), Some(kernel.arch.as_str()));
        assert_eq!(property("ptx-isa"), kernel.ptx_isa);
    }
}

#[test]
fn a_cmake_cuda_project_built_from_build_rs_covers_the_fleet() {
    let Some(nvcc) = nvcc() else { return };
    if !cmake() {
        return;
    }
    let fx = fixture("bom-cmake");

    // A partial run whose one check passes exits 0 (its result is still PARTIAL).
    let (code, check) = shipped(&fx, &nvcc);
    assert_eq!(check["status"], "PASS", "{check:#}");
    assert_eq!(code, 0, "{check:#}");
    assert_eq!(codes(&check, "error"), Vec::<String>::new(), "{check:#}");
    assert_eq!(codes(&check, "warning"), Vec::<String>::new(), "{check:#}");

    let bom = bom_of(&fx, &nvcc);
    let scale = source(&bom, "mini-sys/native/mini/scale.cu");
    assert_eq!(scale.kind, FileKind::Source);
    assert_eq!(scale.package.as_deref(), Some("mini-sys"));
    let builders = built_by(&bom, scale);
    assert_eq!(builders.len(), 1, "{builders:#?}");
    let cmake = builders[0];
    assert_eq!(cmake.kind, BuilderKind::Cmake, "{cmake:#?}");
    assert_eq!(cmake.package, "mini-sys");
    assert_eq!(
        cmake.at,
        at(
            &fx,
            "mini-sys/build.rs",
            "cmake::Config::new(\"native/mini\")"
        )
    );
    // The build script passes no CUDA option: the project switches CUDA on, with its archs.
    assert_eq!(
        cmake.switch.as_deref(),
        Some(
            format!(
                "CUDA in {}",
                at(
                    &fx,
                    "mini-sys/native/mini/CMakeLists.txt",
                    "project(mini LANGUAGES C CUDA)"
                )
            )
            .as_str()
        ),
        "{cmake:#?}"
    );
    assert_eq!(cmake.archs, ["80"], "{cmake:#?}");
    assert!(!cmake.native_arch && !cmake.dependency, "{cmake:#?}");
    // CMake ran nvcc through its own CUDA language support (CMAKE_CUDA_COMPILER from NVCC):
    // the witness names the package and the archs CMake asked for.
    let compile = compiled(&bom, "mini-sys/native/mini/scale.cu");
    assert_eq!(compile.package, "mini-sys");
    assert_eq!(compile.builder.map(|b| &bom.builders[b]), Some(cmake));
    assert!(
        compile.archs.iter().any(|a| a.ends_with("_80")),
        "{compile:#?}"
    );
    // Again: Cargo reuses the build (the witness's path and environment are the same), nothing
    // is compiled again, and the records are read back.
    let before = records(&fx);
    let again = bom_of(&fx, &nvcc);
    assert_eq!(again.witness, bom.witness);
    assert_eq!(records(&fx), before, "a second gate run compiled again");
    assert!(
        bom.sources.iter().all(|s| !s.path.ends_with(".c")),
        "scale_cpu.c is no GPU file: {:#?}",
        bom.sources
    );

    // CMAKE_CUDA_ARCHITECTURES=80: sm_80 SASS and compute_80 PTX (ISA 9.0), in the test
    // binary, the rlib and libmini.a (installed into OUT_DIR/lib, and its copy in
    // OUT_DIR/build).
    let want = [sass("sm_80"), ptx("compute_80", "9.0", "13.0")];
    let exes = binaries(&bom, "mini-sys", BinaryKind::Executable);
    assert_eq!(exes.len(), 1, "{exes:#?}");
    assert_eq!(shapes(&kernels(&bom, exes[0])), want);
    let rlibs = binaries(&bom, "mini-sys", BinaryKind::Rlib);
    assert_eq!(rlibs.len(), 1, "{rlibs:#?}");
    assert_eq!(shapes(&kernels(&bom, rlibs[0])), want);
    let archives = binaries(&bom, "mini-sys", BinaryKind::StaticLib);
    assert!(
        archives
            .iter()
            .any(|a| a.path.ends_with("/out/lib/libmini.a")),
        "{archives:#?}"
    );
    assert_eq!(
        coverage(&bom, "mini-sys", "sm_80"),
        ("sass".to_owned(), Some("sm_80".to_owned()))
    );
}

#[test]
fn ptx_embedded_with_include_str_is_built_by_nothing_and_judged_against_no_fleet() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture("bom-include-ptx");

    let (code, check) = shipped(&fx, &nvcc);
    assert_eq!(check["status"], "WARN", "{check:#}");
    assert_eq!(code, 0, "{check:#}");
    assert_eq!(codes(&check, "error"), Vec::<String>::new(), "{check:#}");
    assert_eq!(codes(&check, "warning"), ["built-by-nothing"], "{check:#}");
    let nothing = the_finding(&check, "built-by-nothing", "warning");
    assert_eq!(
        nothing["location"]["file"], "ptx-user/kernels/saxpy.ptx",
        "the PTX, not its .cu: {nothing:#}"
    );
    the_finding(&check, "no-fleet", "note");
    // Selected alone, it brought no other check and made the build it reads itself.
    assert!(
        check["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] == "note"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("so kernels.shipped built it")),
        "{check:#}"
    );

    let bom = bom_of(&fx, &nvcc);
    assert!(bom.builders.is_empty(), "{:#?}", bom.builders);
    assert_eq!(bom.fleet, None);
    let saxpy = source(&bom, "ptx-user/kernels/saxpy.ptx");
    assert_eq!(saxpy.kind, FileKind::Ptx);
    assert_eq!(saxpy.package.as_deref(), Some("ptx-user"));
    assert!(saxpy.built_by.is_empty());
    let cu = source(&bom, "ptx-user/kernels/saxpy.cu");
    assert!(cu.built_by.is_empty());

    // The PTX text (nvcc 13.0, -arch=compute_80) as data in the test binary and the rlib:
    // one image, whatever carries it.
    let exes = binaries(&bom, "ptx-user", BinaryKind::Executable);
    assert_eq!(exes.len(), 1, "{exes:#?}");
    let shipped = kernels(&bom, exes[0]);
    assert_eq!(shipped.len(), 1, "{shipped:#?}");
    assert_eq!(shapes(&shipped), [ptx("compute_80", "9.0", "13.0")]);
    assert_eq!(shipped[0].container, Container::PtxText);
    assert!(!shipped[0].compressed);
    let rlibs = binaries(&bom, "ptx-user", BinaryKind::Rlib);
    assert_eq!(rlibs.len(), 1, "{rlibs:#?}");
    let in_rlib = kernels(&bom, rlibs[0]);
    assert!(
        in_rlib.iter().all(|k| k.digest == shipped[0].digest),
        "{in_rlib:#?}"
    );
    assert_eq!(artifacts(&bom).1.len(), 1, "{:#?}", artifacts(&bom).1);
}

#[test]
fn a_checked_in_ptx_older_than_its_source_is_stale() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture("bom-stale-ptx");
    let ptx_file = "legacy-kernels/kernels/scale.ptx";

    // Committed together: not stale. The sm_20 PTX (ISA 4.3) JITs for sm_80 on any driver
    // the fleet has.
    let (code, check) = shipped(&fx, &nvcc);
    assert_eq!(check["status"], "WARN", "{check:#}");
    assert_eq!(code, 0, "{check:#}");
    assert_eq!(codes(&check, "error"), Vec::<String>::new(), "{check:#}");
    let nothing = the_finding(&check, "built-by-nothing", "warning");
    assert_eq!(nothing["location"]["file"], ptx_file, "{nothing:#}");

    // The source changes in a later commit than the PTX: stale.
    let cu = "legacy-kernels/kernels/scale.cu";
    let changed = std::fs::read_to_string(fx.root.join(cu))
        .unwrap()
        .replace("float* y", "float* __restrict__ y");
    fx.write(cu, &changed).commit();
    let (code, check) = shipped(&fx, &nvcc);
    assert_eq!(check["status"], "FAIL", "{check:#}");
    assert_eq!(code, 1, "{check:#}");
    assert_eq!(codes(&check, "error"), ["stale-gpu-binary"], "{check:#}");
    let stale = the_finding(&check, "stale-gpu-binary", "error");
    assert_eq!(stale["location"]["file"], ptx_file, "{stale:#}");
    assert!(
        stale["message"].as_str().unwrap().contains("scale.cu"),
        "names its source: {stale:#}"
    );

    let bom = bom_of(&fx, &nvcc);
    let exes = binaries(&bom, "legacy-kernels", BinaryKind::Executable);
    assert_eq!(exes.len(), 1, "{exes:#?}");
    let shipped = kernels(&bom, exes[0]);
    assert_eq!(shipped.len(), 1, "{shipped:#?}");
    assert_eq!(shipped[0].form, KernelForm::Ptx);
    assert_eq!(shipped[0].arch, "compute_20");
    assert_eq!(shipped[0].ptx_isa.as_deref(), Some("4.3"));
    assert_eq!(shipped[0].container, Container::PtxText);
    assert_eq!(
        coverage(&bom, "legacy-kernels", "sm_80"),
        ("ptx".to_owned(), Some("compute_20".to_owned()))
    );
}

#[test]
fn nvrtc_at_run_time_is_a_warning_naming_the_library_loaded() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture("bom-nvrtc");

    // No GPU code ships: the arch is decided on the user's machine.
    let (code, check) = shipped(&fx, &nvcc);
    assert_eq!(check["status"], "WARN", "{check:#}");
    assert_eq!(code, 0, "{check:#}");
    assert_eq!(codes(&check, "error"), Vec::<String>::new(), "{check:#}");
    assert_eq!(codes(&check, "warning"), ["nvrtc"], "{check:#}");
    let nvrtc = the_finding(&check, "nvrtc", "warning");
    assert!(
        nvrtc["message"].as_str().unwrap().contains("libnvrtc"),
        "names the library: {nvrtc:#}"
    );
    let cudarc = with_code(&check, "dependency-gpu-code");
    assert!(
        cudarc
            .iter()
            .any(|f| f["severity"] == "note" && f["message"].as_str().unwrap().contains("cudarc")),
        "{check:#}"
    );

    let bom = bom_of(&fx, &nvcc);
    let jit = bom
        .builders
        .iter()
        .find(|b| b.package == "jit")
        .unwrap_or_else(|| panic!("{:#?}", bom.builders));
    assert_eq!(jit.kind, BuilderKind::Nvrtc);
    assert_eq!(
        jit.at,
        at(&fx, "jit/src/lib.rs", "compile_ptx(scale_source(factor))")
    );
    assert!(!jit.dependency);
    let dep = bom
        .dependencies
        .iter()
        .find(|d| d.name == "cudarc")
        .unwrap_or_else(|| panic!("{:#?}", bom.dependencies));
    assert_eq!(dep.version, "0.19.10");
    assert_eq!(
        dep.path.first().map(String::as_str),
        Some("jit"),
        "{dep:#?}"
    );
    assert!(
        dep.builders
            .iter()
            .all(|&i| bom.builders[i].kind == BuilderKind::Nvrtc && bom.builders[i].dependency),
        "{dep:#?}"
    );

    let exes = binaries(&bom, "jit", BinaryKind::Executable);
    assert_eq!(exes.len(), 1, "{exes:#?}");
    assert!(exes[0].modules.is_empty(), "{exes:#?}");
    assert!(!exes[0].nvrtc.is_empty(), "{exes:#?}");
    assert!(
        exes[0].nvrtc.iter().all(|l| l.contains("nvrtc")),
        "{exes:#?}"
    );
    assert!(artifacts(&bom).1.is_empty(), "{:#?}", artifacts(&bom).1);
}

/// Without a Cargo.lock, a path dependency outside the workspace (sppark's `poc/msm-cuda` on
/// `../../rust`) is copied beside the scratch copy the graph is resolved in: cargo failed
/// there, and the gate said "`cargo metadata` fails" of a workspace that resolves.
#[test]
fn a_path_dependency_outside_the_workspace_resolves_in_the_scratch_copy() {
    let fx = fixture("bom-unlocked");
    fx.write(
        "helper/Cargo.toml",
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .write("helper/src/lib.rs", "")
    .write(
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nhelper = { path = \"../helper\" }\n\n[workspace]\n",
    )
    .write("app/src/lib.rs", "")
    .commit();
    let manifest = fx.root.join("app/Cargo.toml");
    let run = run(fx.command(&[
        "kernels",
        "--no-build",
        "--offline",
        "--format",
        "json",
        "--manifest-path",
        manifest.to_str().unwrap(),
    ]));
    assert_eq!(run.code, 0, "{}", run.transcript());
    let bom: Bom =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    assert_eq!(bom.graph_unread, None, "{bom:#?}");
    assert!(bom.graph_resolved.is_some(), "{bom:#?}");
    assert!(
        !fx.root.join("app/Cargo.lock").exists(),
        "a lockfile was left"
    );
}

/// A path dependency inside the workspace that git does not track (a checked-out submodule's
/// crate: GEM's `eda-infra-rs/ulib`), whose build script compiles CUDA: the scratch copy
/// carries it (before, cargo "failed to read" its manifest, which exists), and its build is
/// read once (`cuda::graph::tests` has the submodule's shape, which the graph reads).
#[test]
fn an_untracked_path_dependency_with_a_cuda_build_is_resolved_and_read() {
    let fx = fixture("bom-unlocked");
    fx.write(
        "vendor/gpulib/Cargo.toml",
        "[package]\nname = \"gpulib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .write("vendor/gpulib/src/lib.rs", "")
    .write(
        "vendor/gpulib/build.rs",
        "fn main() {\n    cc::Build::new().cuda(true).file(\"csrc/fill.cu\").compile(\"fill\");\n}\n",
    )
    .write(".gitignore", "/target\n/vendor\n")
    .write(
        "jit/Cargo.toml",
        "[package]\nname = \"jit\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\ngpulib = { path = \"../vendor/gpulib\" }\n",
    )
    .commit();
    let run = run(fx.command(&["kernels", "--no-build", "--offline", "--format", "json"]));
    assert_eq!(run.code, 0, "{}", run.transcript());
    let bom: Bom =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    assert_eq!(bom.graph_unread, None, "{bom:#?}");
    // Read once: as the workspace's path dependency where its manifest is found, else (a
    // submodule's gitlink) by the graph.
    let builders: Vec<&str> = bom
        .builders
        .iter()
        .filter(|b| b.package == "gpulib")
        .map(|b| b.at.as_str())
        .collect();
    assert_eq!(builders, ["vendor/gpulib/build.rs:2"], "{bom:#?}");
}

/// A library workspace without Cargo.lock, compiling CUDA at run time through cudarc's
/// lower-level NVRTC API (`result::compile_program`): the graph is resolved in a scratch copy
/// (and said so), cudarc is named as the NVRTC provider, the call is an NVRTC use, and the
/// user's tree is left without a lockfile.
#[test]
fn a_workspace_without_a_lockfile_has_its_graph_resolved_aside_and_its_nvrtc_named() {
    let fx = fixture("bom-unlocked");
    let run = run(fx.command(&["kernels", "--no-build", "--format", "json"]));
    assert_eq!(run.code, 0, "{}", run.transcript());
    let bom: Bom =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    assert_eq!(bom.graph_unread, None, "{bom:#?}");
    assert!(
        bom.graph_resolved
            .as_deref()
            .is_some_and(|g| g.contains("without a lockfile")),
        "{bom:#?}"
    );
    let cudarc = bom.dependencies.iter().find(|d| d.name == "cudarc");
    assert!(
        cudarc.is_some_and(|d| d.provides_nvrtc.is_some()),
        "{bom:#?}"
    );
    let nvrtc: Vec<(&str, &str)> = bom
        .builders
        .iter()
        .filter(|b| b.kind == BuilderKind::Nvrtc && !b.dependency)
        .map(|b| (b.package.as_str(), b.at.as_str()))
        .collect();
    let compile = at(&fx, "jit/src/lib.rs", "result::compile_program");
    assert_eq!(nvrtc, [("jit", compile.as_str())], "{bom:#?}");
    assert!(
        !fx.root.join("Cargo.lock").exists(),
        "the user's tree gained a lockfile"
    );
}

/// A building run whose build fails says so: the inventory is printed with what the build got
/// to, the build's own first error names why, and the exit is 2 (not evaluated), never 0.
#[test]
fn a_building_run_that_cannot_build_says_why_and_exits_2() {
    let fx = fixture("build-script-fails");
    let run = run(fx.command(&["kernels", "--format", "json"]));
    assert_eq!(run.code, 2, "{}", run.transcript());
    let bom: Bom =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let Artifacts::Unread { reason } = &bom.artifacts else {
        panic!("{:#?}", bom.artifacts)
    };
    assert!(
        reason.starts_with("the workspace does not build: ") && reason.len() > 40,
        "{reason}"
    );
    assert!(
        run.stderr
            .contains("error: the artifacts were not read: the workspace does not build"),
        "{}",
        run.transcript()
    );
    assert!(run.stderr.contains("--no-build"), "{}", run.transcript());
}

/// A static run compiles nothing, so it installs no witness in the workspace's target
/// directory; a run that builds does (`NVCC` names a compiler: any executable file will do,
/// since nothing here compiles CUDA).
#[cfg(unix)]
#[test]
fn a_static_run_installs_no_witness_and_a_build_does() {
    use std::os::unix::fs::PermissionsExt;
    let fx = fixture("clean");
    let nvcc = fx.root.join("../fake-nvcc");
    std::fs::write(&nvcc, "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(&nvcc, std::fs::Permissions::from_mode(0o755)).unwrap();
    let witness = fx.root.join("target/gate/witness");
    let gate = |args: &[&str]| {
        let mut cmd = fx.command(args);
        cmd.env("NVCC", &nvcc);
        run(cmd)
    };
    let static_run = gate(&["controlled", "--skip", "tests.pass"]);
    assert!(static_run.code != 2, "{}", static_run.transcript());
    assert!(!witness.exists(), "{}", static_run.transcript());
    let build = gate(&["pilot", "--only", "tests.pass"]);
    assert_eq!(build.code, 0, "{}", build.transcript());
    assert!(witness.is_dir(), "{}", build.transcript());
}

/// A crate inside the repository that git does not track (a checked-out submodule's: GEM's
/// `eda-infra-rs/ulib`), a path dependency of a package outside any workspace (so no member),
/// whose build script compiles CUDA through a helper crate beside it: the workspace's own GPU
/// code outside gate-build, named at its call in the repository. Before, the static layer
/// skipped it, the graph took it for another's crate, and `cuda.contracts` passed.
#[test]
fn a_vendored_crate_s_cuda_build_is_the_workspace_s_own() {
    let fx = fixture("clean");
    let manifest = std::fs::read_to_string(fx.root.join("Cargo.toml")).unwrap();
    fx.write(
        "Cargo.toml",
        &manifest.replace(
            "[workspace]\n",
            "[dependencies]\ngpulib = { path = \"vendor/gpulib\" }\n",
        ),
    )
    .write(".gitignore", "/target\n/vendor\n")
    .write(
        "vendor/gpulib/Cargo.toml",
        "[package]\nname = \"gpulib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [build-dependencies]\ncudahelp = { path = \"../cudahelp\" }\n",
    )
    .write("vendor/gpulib/src/lib.rs", "")
    .write(
        "vendor/gpulib/build.rs",
        "fn main() {\n    let mut b = cudahelp::cl_cuda();\n    b.file(\"csrc/fill.cu\");\n    b.compile(\"fill\");\n}\n",
    )
    .write(
        "vendor/cudahelp/Cargo.toml",
        "[package]\nname = \"cudahelp\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .write(
        "vendor/cudahelp/src/lib.rs",
        "pub fn cl_cuda() -> cc::Build {\n    let mut b = cc::Build::new();\n    b.cuda(true);\n    b\n}\n",
    );
    fx.relock();
    fx.commit();
    let run = run(fx.command(&["kernels", "--no-build", "--offline", "--format", "json"]));
    assert_eq!(run.code, 0, "{}", run.transcript());
    let bom: Bom =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let gpulib: Vec<(&str, bool, Option<&str>)> = bom
        .builders
        .iter()
        .filter(|b| b.package == "gpulib")
        .map(|b| (b.at.as_str(), b.dependency, b.via.as_deref()))
        .collect();
    assert_eq!(
        gpulib,
        [(
            "vendor/gpulib/build.rs:2",
            false,
            Some("vendor/cudahelp/src/lib.rs:1")
        )],
        "{bom:#?}"
    );
    let contracts = fx.gate(&["controlled", "--only", "cuda.contracts", "--offline"]);
    assert_eq!(contracts.code, 1, "{}", contracts.transcript());
    assert!(
        contracts.stdout.contains("vendor/gpulib/build.rs:2"),
        "{}",
        contracts.transcript()
    );
}

/// A build script that fails because nvcc failed: cargo says no `build-script-executed` for
/// it, so the witness's record of the compile that broke it went unread ("witnessed
/// compiles" was empty on GEM's failed build, and on this). Now the failed script's
/// `OUT_DIR` is found from cargo's error, and the failed compile is listed with its source;
/// the script's panic message, which ends in `.cu`, is no untracked input.
#[test]
fn a_failed_build_script_s_failed_compile_is_witnessed() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture("clean");
    fx.write(
        "kernels/broken.cu",
        "__global__ void k(float* x) { x[0] = 1.0f }\n",
    )
    .write(
        "build.rs",
        "fn main() {\n    let nvcc = std::env::var(\"NVCC\").unwrap_or_else(|_| \"nvcc\".to_owned());\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    let ok = std::process::Command::new(nvcc)\n        .args([\"-ptx\", \"kernels/broken.cu\", \"-o\"])\n        .arg(format!(\"{out}/broken.ptx\"))\n        .status()\n        .unwrap()\n        .success();\n    assert!(ok, \"nvcc failed on kernels/broken.cu\");\n}\n",
    );
    fx.commit();
    let run = gate(&fx, &nvcc, &["kernels", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let bom: Bom =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let witness = bom.witness.as_ref().expect("a building run has a witness");
    let compiles: Vec<(&[String], bool)> = witness
        .compiles
        .iter()
        .map(|c| (c.inputs.as_slice(), c.ok))
        .collect();
    assert_eq!(
        compiles,
        [(&["kernels/broken.cu".to_owned()][..], false)],
        "{witness:#?}"
    );
    let untracked: Vec<&String> = bom.builders.iter().flat_map(|b| &b.untracked).collect();
    assert!(untracked.is_empty(), "{:#?}", bom.builders);
    // The inventory says the compile failed, not that it compiled.
    let text = gate(&fx, &nvcc, &["kernels"]);
    assert!(
        text.stdout
            .contains("witnessed: compiled by clean (nvcc's default arch, and it failed)"),
        "{}",
        text.transcript()
    );
    // The pilot's record keeps it too: kernels.shipped, blocked by the failed build, records
    // the inventory with what the witness saw (it recorded static reading alone, trial of
    // the twentieth session).
    let pilot = gate(&fx, &nvcc, &["pilot"]);
    assert_eq!(pilot.code, 1, "{}", pilot.transcript());
    let recorded: Vec<Bom> = std::fs::read_dir(fx.out().join("runs"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path().join("kernels/bom.json"))
        .filter(|p| p.is_file())
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect();
    assert_eq!(recorded.len(), 1, "{}", pilot.transcript());
    let witnessed: Option<Vec<bool>> =
        (recorded[0].witness.as_ref()).map(|w| w.compiles.iter().map(|c| c.ok).collect());
    assert_eq!(witnessed, Some(vec![false]), "{:#?}", recorded[0]);
}

/// A build script that compiles CUDA in a way static reading does not follow (a shell line
/// running `$NVCC`, as a Makefile run through `sh -c` would): the building run's witness saw
/// the compile, so the source is compiled outside gate-build, by that package's build script.
/// `kernels.build` and `cuda.contracts` said "compiled by no build script" and passed, while
/// `cargo gate kernels` of the same build listed the compile (and called the source "built by
/// nothing" before it).
#[cfg(unix)]
#[test]
fn a_compile_only_the_witness_saw_is_cuda_outside_gate_build() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture("clean");
    fx.write("native/k.cu", "__global__ void k(float* x) { x[0] = 1.0f; }\n")
        .write(
            "build.rs",
            "fn main() {\n    let status = std::process::Command::new(\"sh\")\n        .arg(\"-c\")\n        .arg(\"exec $0 -ptx native/k.cu -o $OUT_DIR/k.ptx\")\n        .arg(std::env::var(\"NVCC\").unwrap())\n        .status()\n        .unwrap();\n    assert!(status.success());\n}\n",
        );
    fx.commit();
    let report = built_contracts(&fx, &nvcc);
    let contracts = check_in(&report, "cuda.contracts");
    assert_eq!(contracts["status"], "FAIL", "{contracts:#}");
    let finding = the_finding(contracts, "cuda-outside-gate-build", "error");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("compiled by clean's build script, as the build's witness saw"),
        "{finding:#}"
    );
    // The inventory names the compile the evidence shows first, not "built by nothing".
    let kernels = gate(&fx, &nvcc, &["kernels"]);
    assert!(
        kernels.stdout.contains(
            "  native/k.cu  witnessed: compiled by clean (nvcc's default arch); static reading \
             names no builder\n"
        ),
        "{}",
        kernels.transcript()
    );
}

/// pyxis: the workspace is `rust-cuda/`, its build script runs raw nvcc on the `.cu` files of
/// `../cuda/src`, a directory it computes (`canonicalize(".").parent()`), tracked in the same
/// repository. Static reading finds the call but not the source; the witness saw the compile.
/// The inventory lists the source beside the root, built by that call, and the checks judge it
/// as CUDA outside gate-build, not as "GPU code compiled from no tracked CUDA source" with
/// "GPU files (0 tracked)".
#[cfg(unix)]
#[test]
fn tracked_cuda_beside_the_root_that_the_witness_saw_compiled_is_inventoried() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture_in("bom-cuda-beside-root", "rust-cuda");
    // The build script runs `nvcc` from PATH, as pyxis' does.
    let path = std::env::join_paths(
        std::iter::once(nvcc.parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let with_nvcc = |args: &[&str]| {
        let mut cmd = fx.command(args);
        cmd.env("NVCC", &nvcc).env("PATH", &path);
        run(cmd)
    };
    let kernels = with_nvcc(&["kernels", "--format", "json"]);
    assert_eq!(kernels.code, 0, "{}", kernels.transcript());
    let bom: Bom = serde_json::from_str(&kernels.stdout).unwrap();
    let source = bom
        .sources
        .iter()
        .find(|s| s.path == "../cuda/src/k.cu")
        .unwrap_or_else(|| panic!("{:#?}", bom.sources));
    let at: Vec<&str> = source
        .built_by
        .iter()
        .map(|&b| bom.builders[b].at.as_str())
        .collect();
    assert_eq!(at, ["build.rs:17"], "{bom:#?}");
    assert_eq!(source.compiled_in.len(), 1, "{bom:#?}");
    let run = with_nvcc(&[
        "controlled",
        "--only",
        "tests.pass",
        "--only",
        "cuda.contracts",
        "--format",
        "json",
    ]);
    let report = run.json();
    let contracts = check_in(&report, "cuda.contracts");
    assert_eq!(contracts["status"], "FAIL", "{contracts:#}");
    // One finding, for the source: none saying the build compiles from no tracked source.
    let finding = the_finding(contracts, "cuda-outside-gate-build", "error");
    assert_eq!(
        finding["location"]["file"], "../cuda/src/k.cu",
        "{finding:#}"
    );
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("compiled by beside's build script, as the build's witness saw"),
        "{finding:#}"
    );
}

/// A build script that runs nvcc only when its PTX is missing (make, CMake and bindgen_cuda
/// decide so): after an edit that touches no GPU code, cargo runs it again in the `OUT_DIR`
/// its earlier run filled, where it would compile nothing (fish-speech.rs: kernels.shipped
/// failed on a comment in lib.rs) and a source changed under an up-to-date PTX would never be
/// compiled. The gate runs it again in an empty `OUT_DIR` (facts/script_runs.rs), as a fresh
/// clone would: each compile is witnessed afresh, from the source as it is.
#[cfg(unix)]
#[test]
fn a_script_that_skips_an_up_to_date_compile_compiles_again_in_an_empty_out_dir() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture("clean");
    fx.write("native/k.cu", "__global__ void k(float* x) { x[0] = 1.0f; }\n")
        .write(
            "build.rs",
            "fn main() {\n    let status = std::process::Command::new(\"sh\")\n        .arg(\"-c\")\n        .arg(\"test -f $OUT_DIR/k.ptx || exec $0 -ptx native/k.cu -o $OUT_DIR/k.ptx\")\n        .arg(std::env::var(\"NVCC\").unwrap())\n        .status()\n        .unwrap();\n    assert!(status.success());\n}\n",
        );
    fx.commit();
    let first = bom_of(&fx, &nvcc).witness.expect("witnessed");
    assert_eq!(first.compiles.len(), 1, "{first:#?}");
    assert!(!first.compiles[0].earlier_run);
    fx.write("src/extra.rs", "// no GPU code\n");
    fx.commit();
    let again = bom_of(&fx, &nvcc).witness.expect("witnessed");
    assert_eq!(again.compiles.len(), 1, "{again:#?}");
    assert!(!again.compiles[0].earlier_run, "{again:#?}");
    assert_eq!(again.compiles[0].inputs, ["native/k.cu"]);
    fx.write(
        "native/k.cu",
        "__global__ void k(float* x) { x[0] = 2.0f; }\n",
    );
    fx.commit();
    let changed = bom_of(&fx, &nvcc).witness.expect("witnessed");
    assert_eq!(changed.compiles.len(), 1, "{changed:#?}");
    assert!(!changed.compiles[0].earlier_run, "{changed:#?}");
}

/// CUDA compiled only under a feature the crate's defaults leave off (avafloww/plcpick: CI
/// builds `--features cuda`): the gate's build compiles none of it, so the declared fleet is
/// not judged on it, and the check fails at the builder rather than passing on the artifacts
/// it read, which carry no GPU code. The features come from cargo's own build messages.
#[test]
fn gpu_code_under_a_feature_the_build_left_off_fails_a_declared_fleet() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture("bom-feature-unbuilt");

    let (code, check) = shipped(&fx, &nvcc);
    assert_eq!(check["status"], "FAIL", "{check:#}");
    assert_eq!(code, 1, "{check:#}");
    assert_eq!(codes(&check, "error"), ["feature-not-built"], "{check:#}");
    let finding = the_finding(&check, "feature-not-built", "error");
    assert_eq!(
        finding["location"]["file"], "gpu-opt/build.rs",
        "{finding:#}"
    );
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("only with feature \"gpu\"") && message.contains("fleet"),
        "{message}"
    );

    let bom = bom_of(&fx, &nvcc);
    assert_eq!(bom.builders.len(), 1, "{:#?}", bom.builders);
    assert_eq!(bom.builders[0].unbuilt, ["gpu"], "{:#?}", bom.builders);
    let text = gate(&fx, &nvcc, &["kernels"]);
    assert!(
        text.stdout
            .contains("only with feature \"gpu\"  [not in this build: its features are off]"),
        "{}",
        text.transcript()
    );
}

/// A build script that only warns when nvcc fails on its kernel and builds on without it
/// (gtrak/infers; the twenty-ninth session's false READY): the build succeeds, no artifact
/// carries GPU code, and the failed compile was dropped as a tolerated probe, so the fleet
/// passed on nothing read. The witness keeps a failed compile of the package's own source,
/// and kernels.shipped fails at the builder.
#[test]
fn a_kernel_compile_the_build_script_swallowed_fails_a_declared_fleet() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture("kernel-compile-swallowed");
    // The script runs the `nvcc` on PATH.
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs =
        std::iter::once(nvcc.parent().unwrap().to_owned()).chain(std::env::split_paths(&inherited));
    let path = std::env::join_paths(dirs).unwrap();
    let on_path = |args: &[&str]| {
        let mut cmd = fx.command(args);
        cmd.env("PATH", &path);
        run(cmd)
    };
    let json = on_path(&["pilot", "--only", "kernels.shipped", "--format", "json"]);
    let (code, check) = (json.code, check_in(&json.json(), "kernels.shipped").clone());
    assert_eq!(
        (code, &check["status"]),
        (1, &Value::from("FAIL")),
        "{check:#}"
    );
    assert_eq!(
        codes(&check, "error"),
        ["kernel-compile-swallowed"],
        "{check:#}"
    );
    let finding = the_finding(&check, "kernel-compile-swallowed", "error");
    assert_eq!(finding["location"]["file"], "kern/build.rs", "{finding:#}");
    assert!(
        (finding["message"].as_str().unwrap()).contains("compile of kern/kernels/a.cu failed"),
        "{finding:#}"
    );
    // No nvcc on PATH (NVCC set, which the script does not read), in a fresh copy: the
    // script builds on without trying; nothing was compiled, and the fleet was judged
    // against nothing.
    let fresh = fixture("kernel-compile-swallowed");
    let bare = std::env::split_paths(&inherited).filter(|d| !d.join("nvcc").exists());
    let mut cmd = fresh.command(&["pilot", "--only", "kernels.shipped", "--format", "json"]);
    cmd.env("PATH", std::env::join_paths(bare).unwrap())
        .env("NVCC", &nvcc);
    let unbuilt = run(cmd);
    let check = check_in(&unbuilt.json(), "kernels.shipped").clone();
    assert_eq!(unbuilt.code, 1, "{check:#}");
    assert_eq!(codes(&check, "error"), ["gpu-code-not-built"], "{check:#}");
    let text = on_path(&["kernels"]);
    assert!(
        text.stdout.contains("kern/kernels/a.cu  sm_80"),
        "{}",
        text.transcript()
    );
    assert!(text.stdout.contains("[failed]"), "{}", text.transcript());
}

/// Raw nvcc over a table joined onto a directory the build script computes (1jmdev/lmrs):
/// static reading places the source in no builder, and the builder in a package with no
/// tracked source of its own. The build's witness sees the compile of the tracked source, so
/// the builder compiles from it: one kernel is one violation, not also "GPU code compiled
/// from no tracked CUDA source" at the call.
#[test]
fn a_builder_the_witness_saw_compile_a_tracked_source_compiles_from_it() {
    let Some(nvcc) = nvcc() else { return };
    let fx = fixture("cuda-table-beside-crate");
    let report = built_contracts(&fx, &nvcc);
    let contracts = check_in(&report, "cuda.contracts");
    assert_eq!(contracts["status"], "FAIL", "{contracts:#}");
    let finding = the_finding(contracts, "cuda-outside-gate-build", "error");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("compiled by k's build script, as the build's witness saw"),
        "{finding:#}"
    );
}
