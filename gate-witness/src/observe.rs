//! From records to the bill of materials: what a build's scripts really compiled, joined to the
//! tracked GPU files and to the builders static reading found, with a note wherever the two
//! disagree. A pure function of the records on disk and the inventory it is handed.

use crate::record::{self, Invocation};
use gate_formats::kernel_bom::{
    Bom, Builder, BuilderKind, Compile, FileKind, Unwitnessed, Witnessed,
};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How the witness stood in front of the build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Installed {
    /// The routes it was put on (`PATH`, `NVCC`, …).
    pub routes: Vec<String>,
    /// Why it was not, when it was not.
    pub not_installed: Option<String>,
    /// When the gate's build started: a build script that ran since ran under the witness.
    pub since: Option<SystemTime>,
}

/// One build script of the build: its package, and its `OUT_DIR`.
pub type Script = (String, PathBuf);

/// Adds what the witness saw of the build whose scripts are `scripts` to `bom` (`root`: the
/// workspace root). Build scripts that ran since `installed.since` and compiled nothing are
/// marked as witnessed, so a later, reused build knows it. A failed compile of a tool's
/// probe (cc's `flag_check.cu`, CMake's compiler checks, autoconf's `conftest`) the script
/// went on from is counted in `tolerated_failures`, not listed (`went_on_after`,
/// `tolerate`); every other failed compile is listed: in a build that failed, the one that
/// broke it; in one that succeeded, GPU code the script built on without.
pub fn observe(
    bom: &mut Bom,
    root: &Path,
    scripts: &[Script],
    (installed, succeeded): (&Installed, bool),
) {
    let mut seen = Witnessed {
        routes: installed.routes.clone(),
        not_installed: installed.not_installed.clone(),
        ..Witnessed::default()
    };
    let mut witnessed_packages: Vec<&str> = Vec::new();
    for (package, out_dir) in scripts {
        let script_ran = ran_at(out_dir);
        let read = record::read_out_dir(out_dir);
        let current: Vec<&Invocation> = read
            .invocations
            .iter()
            .filter(|i| script_ran.is_none_or(|ran| i.started_at() >= ran))
            .collect();
        let earlier = script_ran.map_or_else(Vec::new, |ran| still_standing(&read, &current, ran));
        let ran_under_witness = installed.not_installed.is_none()
            && installed
                .since
                .zip(script_ran)
                .is_some_and(|(since, ran)| ran >= since);
        if ran_under_witness && current.is_empty() {
            let _ = record::mark_witnessed(out_dir);
        }
        if !(ran_under_witness || !current.is_empty() || marked_since(out_dir, script_ran)) {
            if installed.not_installed.is_none() && compiles_gpu_code(bom, package) {
                seen.unwitnessed.push(Unwitnessed {
                    package: package.clone(),
                    fix: format!(
                        "its build script last ran without the witness (a plain cargo build): \
                         `cargo clean -p {package}` and gate again"
                    ),
                });
            }
            continue;
        }
        witnessed_packages.push(package);
        let went_on = went_on_after(&current, out_dir);
        for invocation in current {
            if went_on.contains(&invocation.started) {
                seen.tolerated_failures = seen.tolerated_failures.saturating_add(1);
                continue;
            }
            seen.compiles
                .push(compile(invocation, package, out_dir, root));
        }
        for invocation in earlier {
            seen.compiles.push(Compile {
                earlier_run: true,
                ..compile(invocation, package, out_dir, root)
            });
        }
    }
    if succeeded {
        tolerate(&mut seen);
    }
    seen.unwitnessed.sort_by(|a, b| a.package.cmp(&b.package));
    seen.unwitnessed.dedup();
    attribute(bom, &mut seen);
    seen.notes = notes(bom, &seen, &witnessed_packages);
    seen.notes.extend(native_witnessed(bom, &seen));
    bom.witness = Some(seen);
}

/// Builders the witnessed build saw compile for `-arch=native` where static reading found no
/// such flag (a flag in a `macro_rules!` body: LuchnikovI/Differentiable-quantum-circuit-cuda;
/// a value computed at build time) are marked [`Builder::native_arch`], so the inventory says
/// what the build did; each is noted once. Run after [`arch_notes`], which compares the archs
/// static reading found with the build's.
fn native_witnessed(bom: &mut Bom, seen: &Witnessed) -> Vec<String> {
    let mut notes = Vec::new();
    for compile in seen.compiles.iter().filter(|c| c.ok) {
        let Some(builder) = compile.builder.and_then(|b| bom.builders.get_mut(b)) else {
            continue;
        };
        if builder.native_arch || !compile.archs.iter().any(|a| a == "native") {
            continue;
        }
        builder.native_arch = true;
        notes.push(format!(
            "{} at {}: static reading found no -arch=native, the witnessed build asked nvcc for \
             native (the build is the evidence)",
            builder.package, builder.at
        ));
    }
    notes
}

/// The start times of the failed compiles of a file the script generated in `out_dir` after
/// which it started another compile: probes it went on from (cc's `flag_check.cu`, ahead
/// of the compile that failed the build: jerahmie/massively_parallel). Evidence the failure
/// stopped nothing, in a build that failed too; a source of the package's own is never one.
fn went_on_after(current: &[&Invocation], out_dir: &Path) -> Vec<u64> {
    (current.iter())
        .filter(|i| !i.succeeded() && i.inputs.iter().any(|p| p.starts_with(out_dir)))
        .filter(|i| i.inputs.iter().any(|p| is_probe(p)))
        .filter(|i| current.iter().any(|later| later.started > i.started))
        .map(|i| i.started)
        .collect()
}

/// The failed compiles of a build that succeeded that were tools' probes ([`is_probe`]),
/// counted and left out. Every other failed compile is kept, wherever its source lies (the
/// package's own, a copy the script made in `OUT_DIR`, a sibling directory): the script
/// swallowed it and built on without that GPU code (infers, and the twenty-ninth session's
/// hostile pass), which `kernels.shipped` judges.
fn tolerate(seen: &mut Witnessed) {
    let all = seen.compiles.len();
    let probe = |c: &Compile| c.inputs.iter().any(|i| is_probe(Path::new(i)));
    seen.compiles.retain(|c| c.ok || !probe(c));
    let left_out = u32::try_from(all - seen.compiles.len()).unwrap_or(u32::MAX);
    seen.tolerated_failures = seen.tolerated_failures.saturating_add(left_out);
}

/// Whether a compiled file is a tool's probe of the compiler, whose failure a build is meant
/// to go on from: cc's `flag_check.cu`, CMake's compiler identification and try-compiles
/// (under `CMakeFiles/`, `CMakeScratch`, `CMakeTmp`), autoconf's `conftest.cu`. A compile
/// of anything else is GPU code the build meant to make.
fn is_probe(input: &Path) -> bool {
    let name = input
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.starts_with("flag_check")
        || name.starts_with("conftest")
        || input.components().any(|c| {
            matches!(
                c.as_os_str().to_str(),
                Some("CMakeFiles" | "CMakeScratch" | "CMakeTmp")
            )
        })
}

/// The compiles of earlier runs of a build script whose last run (started at `ran`) compiled
/// nothing in their place: the script found their outputs up to date (make, CMake and
/// bindgen_cuda skip nvcc so), and each output and every file its compile read is unchanged by
/// content ([`Invocation::still_holds`]). The newest record of each output; none whose output
/// a `current` compile wrote again.
fn still_standing<'r>(
    read: &'r record::OutDir,
    current: &[&Invocation],
    ran: SystemTime,
) -> Vec<&'r Invocation> {
    let mut standing: Vec<&Invocation> = Vec::new();
    for invocation in read.invocations.iter().rev() {
        let Some(output) = &invocation.output else {
            continue;
        };
        let taken = |i: &&Invocation| i.output.as_ref() == Some(output);
        if invocation.started_at() >= ran || current.iter().any(taken) || standing.iter().any(taken)
        {
            continue;
        }
        if invocation.still_holds() {
            standing.push(invocation);
        }
    }
    standing.reverse();
    standing
}

/// When the build script last started (Cargo's `invoked.timestamp` beside `OUT_DIR`).
fn ran_at(out_dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(out_dir.parent()?.join("invoked.timestamp"))
        .and_then(|m| m.modified())
        .ok()
}

/// Whether the `OUT_DIR` carries a witnessed marker written since its script last ran.
fn marked_since(out_dir: &Path, script_ran: Option<SystemTime>) -> bool {
    let marker = out_dir.join(record::DIR_NAME).join(record::RAN_MARKER);
    match (
        std::fs::metadata(marker).and_then(|m| m.modified()),
        script_ran,
    ) {
        (Ok(marked), Some(ran)) => marked >= ran,
        (Ok(_), None) => true,
        (Err(_), _) => false,
    }
}

/// Whether static reading says `package` compiles GPU code, or it owns GPU sources.
fn compiles_gpu_code(bom: &Bom, package: &str) -> bool {
    bom.builders
        .iter()
        .any(|b| b.package == package && b.kind != BuilderKind::Nvrtc)
        || bom
            .sources
            .iter()
            .any(|s| s.package.as_deref() == Some(package) && s.kind == FileKind::Source)
}

fn compile(invocation: &Invocation, package: &str, out_dir: &Path, root: &Path) -> Compile {
    let toolkit = invocation.compiler.parent().and_then(Path::parent);
    let shown = |p: &PathBuf| gate_support::path::shown(root, p);
    // A header of the toolkit read through the witness's mirror of it (the build was handed
    // `CUDA_PATH` or `CUDA_HOME` pointing there) is the toolkit's: the mirror's entries are
    // links to the real one.
    let in_toolkit = |p: &PathBuf| {
        toolkit.is_some_and(|t| {
            p.starts_with(t) || std::fs::canonicalize(p).is_ok_and(|real| real.starts_with(t))
        })
    };
    let system = |p: &PathBuf| {
        in_toolkit(p)
            || ["/usr/", "/Library/", "/System/"]
                .iter()
                .any(|d| p.starts_with(d))
            || p.components().any(|c| c.as_os_str() == "site-packages")
    };
    Compile {
        package: invocation
            .package
            .clone()
            .unwrap_or_else(|| package.to_owned()),
        builder: None,
        mode: serde_json::to_value(invocation.mode)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        inputs: invocation.inputs.iter().map(shown).collect(),
        includes: invocation
            .includes
            .iter()
            .filter(|p| !system(p))
            .map(shown)
            .collect(),
        includes_unread: invocation.includes_unread.clone(),
        archs: invocation.archs.clone(),
        ok: invocation.succeeded(),
        generated: invocation.inputs.iter().any(|p| p.starts_with(out_dir)),
        output_outside_out_dir: invocation
            .output
            .as_ref()
            .filter(|_| writes_gpu_code(invocation.mode))
            .filter(|output| !output.starts_with(out_dir))
            .map(shown),
        earlier_run: false,
        through: invocation.through.clone(),
    }
}

/// Whether a compile in `mode` writes GPU code a crate then embeds or loads (a PTX, cubin or
/// fatbin), rather than an object or a library the build links from `OUT_DIR`.
fn writes_gpu_code(mode: crate::args::Mode) -> bool {
    use crate::args::Mode;
    matches!(mode, Mode::Ptx | Mode::Cubin | Mode::Fatbin | Mode::Device)
}

/// Links each compile to the tracked files it read and to its package's static builder.
fn attribute(bom: &mut Bom, seen: &mut Witnessed) {
    for (i, compile) in seen.compiles.iter_mut().enumerate() {
        for source in bom.sources.iter_mut() {
            let read = compile
                .inputs
                .iter()
                .chain(&compile.includes)
                .any(|f| *f == source.path);
            if read && !source.compiled_in.contains(&i) {
                source.compiled_in.push(i);
            }
        }
        let of_package: Vec<usize> = (0..bom.builders.len())
            .filter(|&b| {
                bom.builders[b].package == compile.package
                    && bom.builders[b].kind != BuilderKind::Nvrtc
            })
            .collect();
        let claiming: Vec<usize> = (of_package.iter().copied())
            .filter(|&b| {
                bom.sources
                    .iter()
                    .any(|s| compile.inputs.contains(&s.path) && s.built_by.contains(&b))
            })
            .collect();
        // Of the calls that claim the source, the one asking the archs the compile asked
        // (nordocr's `--ptx -arch=sm_80` and `--fatbin -arch=sm_90` of one `.cu`: each
        // compile is its own call's, the thirty-first session's trial); the first where
        // none says more.
        let by_source = (claiming.iter().copied())
            .max_by_key(|&b| (arch_match(&bom.builders[b], &compile.archs), usize::MAX - b));
        compile.builder = by_source.or_else(|| of_package.first().copied());
        // What the build did, where reading the script could not say it (a helper handing
        // nvcc an `-o` relative to the build script's working directory: cuda_setup).
        if let (Some(b), Some(output), true) =
            (compile.builder, &compile.output_outside_out_dir, compile.ok)
            && let Some(builder) = bom.builders.get_mut(b)
            && builder.outside_out_dir.is_none()
        {
            builder.outside_out_dir = Some(format!("{output} (witnessed)"));
        }
    }
    headers_included(bom, seen);
}

/// How well a builder's archs, as static reading found them, match those a compile asked,
/// compared as [`arch_notes`] compares them: 2 where every arch the compile asked is among
/// the builder's (`native` where it targets the build machine's GPU), 1 where either side
/// names none, 0 where they differ.
fn arch_match(builder: &gate_formats::kernel_bom::Builder, asked: &[String]) -> u8 {
    let mut read = builder.archs.clone();
    if builder.native_arch {
        read.push("native".to_owned());
    }
    if read.is_empty() || asked.is_empty() {
        return 1;
    }
    let read = arch_numbers(&read);
    2 * u8::from(arch_numbers(asked).iter().all(|a| read.contains(a)))
}

/// A header static reading left built by nothing (an `#include <msm/pippenger.cuh>` through
/// an include directory a build script computes: rust-kzg's `DEP_SPPARK_BAL_ROOT`) that a
/// witnessed compile read as an include is built by that compile's builder, included by the
/// first source it compiled, as static reading says of the includes it can follow.
fn headers_included(bom: &mut Bom, seen: &Witnessed) {
    let unbuilt = bom
        .sources
        .iter_mut()
        .filter(|s| s.kind == FileKind::Header && s.built_by.is_empty());
    for source in unbuilt {
        for compile in source
            .compiled_in
            .iter()
            .filter_map(|&i| seen.compiles.get(i))
        {
            let Some(builder) = compile.builder else {
                continue;
            };
            if !compile.includes.contains(&source.path) {
                continue;
            }
            if !source.built_by.contains(&builder) {
                source.built_by.push(builder);
            }
            if source.included_by.is_none() {
                source.included_by = compile.inputs.first().cloned();
            }
        }
        source.built_by.sort_unstable();
    }
}

/// Where static reading and the witnessed build disagree.
fn notes(bom: &Bom, seen: &Witnessed, witnessed: &[&str]) -> Vec<String> {
    let mut notes = Vec::new();
    for source in bom.sources.iter().filter(|s| s.kind == FileKind::Source) {
        let as_input: Vec<&Compile> = source
            .compiled_in
            .iter()
            .filter_map(|&i| seen.compiles.get(i))
            .filter(|c| c.inputs.contains(&source.path))
            .collect();
        if let Some(first) = as_input.first()
            && source.built_by.is_empty()
        {
            let through = first.through.iter().map(|p| format!(" → {p}"));
            notes.push(format!(
                "{}: compiled by {}'s build script{} → nvcc ({}) but static reading names no \
                 builder for it",
                source.path,
                first.package,
                through.collect::<String>(),
                archs_text(&first.archs)
            ));
        }
        let package_witnessed = source
            .package
            .as_deref()
            .is_some_and(|p| witnessed.contains(&p));
        if as_input.is_empty()
            && source.compiled_in.is_empty()
            && source.ships
            && package_witnessed
            && let Some((b, builder)) = source
                .built_by
                .iter()
                .filter_map(|&b| bom.builders.get(b).map(|builder| (b, builder)))
                // hipcc is no nvcc: the witness never sees it compile.
                .find(|(_, builder)| builder.kind != BuilderKind::Hip)
        {
            let why = why_not_compiled(seen, b, builder);
            notes.push(format!(
                "{}: static reading says {} at {} compiles it, but the witnessed build of {} \
                 did not ({why})",
                source.path,
                builder.kind.describe(),
                builder.at,
                builder.package
            ));
        }
    }
    notes.extend(arch_notes(bom, seen));
    notes
}

/// Why a source its builder names was not compiled in the witnessed build: a compile of the
/// same builder that failed stopped it there (tinrab/rust-cuda-demo: cc compiles
/// `cuda/lib.cu`, `lib_math.cu`, `lib_cublas.cu` in turn and nvcc failed on the first, so
/// the other two were never reached), else the switch static reading found, else a feature
/// or platform the build did not enable, or a misreading. A failed compile of a file the build
/// script generated (cc's flag probe) stops nothing.
fn why_not_compiled(seen: &Witnessed, b: usize, builder: &Builder) -> String {
    // Not cc's flag probe (`flag_check.cu` in `OUT_DIR`): it fails in builds that go on.
    let failed = seen
        .compiles
        .iter()
        .find(|c| c.builder == Some(b) && !c.ok && !c.generated);
    if let Some(failed) = failed {
        let what = failed
            .inputs
            .first()
            .map_or_else(|| "a source".to_owned(), |input| input.clone());
        return format!("its compile of {what} failed first and the build stopped there");
    }
    match &builder.switch {
        Some(switch) => format!("it builds only with {switch}"),
        None => "a feature or platform this build did not enable, or a misreading".to_owned(),
    }
}

/// Builders whose archs, as static reading found them, are not what the witnessed build asked
/// nvcc for (sppark's helper: the archs of the `else` of a `cfg!(feature = ..)` test its
/// callers turn on; the build asked for `native` only), once per builder.
fn arch_notes(bom: &Bom, seen: &Witnessed) -> Vec<String> {
    let mut notes = Vec::new();
    for (b, builder) in bom.builders.iter().enumerate() {
        let mut read: Vec<String> = builder.archs.clone();
        if builder.native_arch {
            read.push("native".to_owned());
        }
        let asked: Vec<String> = seen
            .compiles
            .iter()
            .filter(|c| c.builder == Some(b) && c.ok)
            .flat_map(|c| c.archs.iter().cloned())
            .collect();
        if read.is_empty() || asked.is_empty() || arch_numbers(&read) == arch_numbers(&asked) {
            continue;
        }
        notes.push(format!(
            "{} at {}: static reading found the archs {}, the witnessed build asked nvcc for {} \
             (the build is the evidence)",
            builder.package,
            builder.at,
            archs_written(read),
            archs_written(asked)
        ));
    }
    notes
}

/// Archs as written, each once, in order.
fn archs_written(mut archs: Vec<String>) -> String {
    archs.sort();
    archs.dedup();
    archs.join(" ")
}

/// The GPU generations archs name, whatever their spelling: CMake's `80`, nvcc's `sm_80` and
/// `compute_80` are one (`sm_90a` is `90a`); `native` and `all-major` stay words.
fn arch_numbers(archs: &[String]) -> Vec<String> {
    let mut numbers: Vec<String> = archs
        .iter()
        .map(|a| {
            let a = a.trim();
            let bare = ["sm_", "compute_", "lto_"]
                .iter()
                .find_map(|p| a.strip_prefix(p))
                .unwrap_or(a);
            bare.strip_suffix("-real")
                .or_else(|| bare.strip_suffix("-virtual"))
                .unwrap_or(bare)
                .to_owned()
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    numbers
}

fn archs_text(archs: &[String]) -> String {
    if archs.is_empty() {
        "nvcc's default arch".to_owned()
    } else {
        archs.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gate_formats::kernel_bom::{Builder, SourceFile};
    use std::time::UNIX_EPOCH;

    fn ptx_to(output: &Path, root: &Path) -> Invocation {
        Invocation {
            schema: record::SCHEMA_VERSION,
            args: Vec::new(),
            cwd: root.to_owned(),
            package: Some("dynamics".into()),
            manifest_dir: Some(root.to_owned()),
            mode: crate::args::Mode::Ptx,
            inputs: vec![root.join("src/cuda/cuda.cu")],
            includes: Vec::new(),
            includes_unread: None,
            archs: vec!["compute_86".into()],
            output: Some(output.to_owned()),
            exit_code: Some(0),
            compiler: PathBuf::from("/opt/cuda/bin/nvcc"),
            started: 0,
            digests: Vec::new(),
            through: Vec::new(),
        }
    }

    /// cuda_setup hands nvcc `-o dynamics.ptx` in the build script's working directory, the
    /// package root: static reading of the helper cannot place it, the witnessed compile does
    /// A build script that finds its PTX up to date compiles nothing (bindgen_cuda, make,
    /// CMake): the compile of its earlier run is shown again while the PTX and the source are
    /// unchanged by content, and not once either changed or the last run wrote the PTX itself
    /// (fish-speech.rs' candle-gqa-kernels: a comment in lib.rs made kernels.shipped FAIL).
    #[test]
    fn a_compile_an_up_to_date_rerun_skipped_stands_while_its_files_do() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let out_dir = root.join("target/debug/build/k-1/out");
        std::fs::create_dir_all(root.join("src/cuda")).unwrap();
        std::fs::create_dir_all(&out_dir).unwrap();
        std::fs::write(root.join("src/cuda/cuda.cu"), "__global__ void k() {}\n").unwrap();
        let ptx = out_dir.join("k.ptx");
        std::fs::write(&ptx, ".version 9.0\n").unwrap();
        let earlier = ptx_to(&ptx, root).digested();
        assert_eq!(earlier.digests.len(), 2, "{:?}", earlier.digests);
        let read = record::OutDir {
            invocations: vec![earlier.clone()],
            witnessed: true,
            skipped: Vec::new(),
        };
        let ran = UNIX_EPOCH + std::time::Duration::from_secs(1);
        assert_eq!(still_standing(&read, &[], ran), [&earlier]);
        // The last run compiled the same output again: that compile stands, not this one.
        let again = Invocation {
            started: 2_000_000_000,
            ..earlier.clone()
        };
        assert!(still_standing(&read, &[&again], ran).is_empty());
        // A source edited since, or an output rewritten by something else: no longer.
        std::fs::write(root.join("src/cuda/cuda.cu"), "__global__ void k(int) {}\n").unwrap();
        assert!(still_standing(&read, &[], ran).is_empty());
        std::fs::write(root.join("src/cuda/cuda.cu"), "__global__ void k() {}\n").unwrap();
        assert_eq!(still_standing(&read, &[], ran).len(), 1);
        std::fs::write(&ptx, ".version 9.1\n").unwrap();
        assert!(still_standing(&read, &[], ran).is_empty());
        // A record without digests (an older witness's, a failed compile's) never stands.
        std::fs::write(&ptx, ".version 9.0\n").unwrap();
        let undigested = record::OutDir {
            invocations: vec![ptx_to(&ptx, root)],
            ..read
        };
        assert!(still_standing(&undigested, &[], ran).is_empty());
    }

    /// (found on David-OConnor/dynamics).
    #[test]
    fn the_witnessed_build_places_outputs_and_archs_that_reading_could_not() {
        let root = Path::new("/w");
        let out_dir = Path::new("/w/target/debug/build/dynamics-1/out");
        let mut bom = Bom {
            builders: vec![Builder::new("dynamics", BuilderKind::Nvcc, "build.rs:8")],
            sources: vec![SourceFile::source("src/cuda/cuda.cu", "dynamics", vec![0])],
            ..Bom::default()
        };
        let inside = compile(
            &ptx_to(&out_dir.join("k.ptx"), root),
            "dynamics",
            out_dir,
            root,
        );
        assert_eq!(inside.output_outside_out_dir, None);
        let outside = compile(
            &ptx_to(&root.join("dynamics.ptx"), root),
            "dynamics",
            out_dir,
            root,
        );
        assert_eq!(
            outside.output_outside_out_dir.as_deref(),
            Some("dynamics.ptx")
        );
        let flag_check = Invocation {
            inputs: vec![out_dir.join("flag_check.cu")],
            ..ptx_to(&out_dir.join("f.ptx"), root)
        };
        let mut probe = compile(&flag_check, "dynamics", out_dir, root);
        probe.ok = false;
        let mut swallowed = compile(
            &ptx_to(&out_dir.join("k.ptx"), root),
            "dynamics",
            out_dir,
            root,
        );
        swallowed.ok = false;
        // A kernel the script copied into `OUT_DIR` and compiled there (the hostile pass).
        let copy = Invocation {
            inputs: vec![out_dir.join("b.cu")],
            ..ptx_to(&out_dir.join("b.ptx"), root)
        };
        let mut copied = compile(&copy, "dynamics", out_dir, root);
        copied.ok = false;
        let mut seen = Witnessed {
            compiles: vec![probe, outside.clone(), swallowed.clone(), copied.clone()],
            ..Witnessed::default()
        };
        // cc's flag probe failed in a build that succeeded: counted, not listed. Any other
        // failed compile is kept: the script went on without its GPU code
        // (kernels.shipped's kernel-compile-swallowed).
        tolerate(&mut seen);
        assert_eq!(seen.compiles, [outside, swallowed, copied]);
        assert_eq!(seen.tolerated_failures, 1);
        seen.compiles.truncate(1);
        attribute(&mut bom, &mut seen);
        assert_eq!(
            bom.builders[0].outside_out_dir.as_deref(),
            Some("dynamics.ptx (witnessed)")
        );
        // The archs read agree with the build: no note; read others: said. CMake's `80` is
        // nvcc's `compute_80` and `sm_80`.
        assert!(arch_notes(&bom, &seen).is_empty());
        bom.builders[0].archs = vec!["86".into()];
        assert!(arch_notes(&bom, &seen).is_empty());
        bom.builders[0].archs = vec!["sm_80".into(), "compute_80".into()];
        bom.builders[0].native_arch = true;
        assert_eq!(
            arch_notes(&bom, &seen),
            [
                "dynamics at build.rs:8: static reading found the archs compute_80 native sm_80, \
              the witnessed build asked nvcc for compute_86 (the build is the evidence)"
            ]
        );
    }

    /// cc's flag probe failed and the script went on to the compile that failed the build:
    /// the probe is counted, not listed; the last failure, and a source of the package's own
    /// that failed before another started, are not probes.
    #[test]
    fn a_generated_probe_the_script_went_on_from_is_no_failure_of_the_build() {
        let root = Path::new("/w");
        let out_dir = Path::new("/w/target/debug/build/k-1/out");
        let at = |input: &Path, started: u64, code: i32| Invocation {
            inputs: vec![input.to_owned()],
            started,
            exit_code: Some(code),
            ..ptx_to(&out_dir.join("k.ptx"), root)
        };
        let probe = at(&out_dir.join("flag_check.cu"), 1, 1);
        let own = at(&root.join("src/a.cu"), 2, 1);
        let last = at(&root.join("src/b.cu"), 3, 1);
        let late_probe = at(&out_dir.join("flag_check.cu"), 4, 1);
        assert_eq!(went_on_after(&[&probe, &own, &last], out_dir), [1]);
        assert!(went_on_after(&[&own, &late_probe], out_dir).is_empty());
    }

    /// `-arch=native` in a `macro_rules!` body static reading does not expand: the witnessed
    /// compile marks its builder, once however many compiles asked for it; a failed compile,
    /// or one of no builder, marks nothing.
    #[test]
    fn a_native_arch_the_build_asked_for_marks_its_builder() {
        let root = Path::new("/w");
        let out_dir = Path::new("/w/target/debug/build/dynamics-1/out");
        let mut bom = Bom {
            builders: vec![
                Builder::new("dynamics", BuilderKind::Cc, "build.rs:8"),
                Builder::new("other", BuilderKind::Cc, "other/build.rs:3"),
            ],
            ..Bom::default()
        };
        let native = |builder: Option<usize>, ok: bool| Compile {
            archs: vec!["native".into()],
            builder,
            ok,
            ..compile(
                &ptx_to(&out_dir.join("k.ptx"), root),
                "dynamics",
                out_dir,
                root,
            )
        };
        let seen = Witnessed {
            compiles: vec![native(None, true), native(Some(1), false)],
            ..Witnessed::default()
        };
        assert!(native_witnessed(&mut bom, &seen).is_empty());
        assert!(!bom.builders[0].native_arch && !bom.builders[1].native_arch);
        let seen = Witnessed {
            compiles: vec![native(Some(0), true), native(Some(0), true)],
            ..Witnessed::default()
        };
        assert_eq!(
            native_witnessed(&mut bom, &seen),
            [
                "dynamics at build.rs:8: static reading found no -arch=native, the witnessed \
                 build asked nvcc for native (the build is the evidence)"
            ]
        );
        assert!(bom.builders[0].native_arch && !bom.builders[1].native_arch);
        assert!(native_witnessed(&mut bom, &seen).is_empty(), "said once");
    }

    fn file(path: &str, kind: FileKind, built_by: Vec<usize>) -> SourceFile {
        SourceFile {
            kind,
            ..SourceFile::source(path, "k", built_by)
        }
    }

    /// rust-kzg's arkworks3-sppark-wlc: `pippenger_inf.cu` includes `<msm/pippenger.cuh>`
    /// through `DEP_SPPARK_BAL_ROOT`, which static reading cannot follow; the witnessed
    /// compile read the header, so it is built by that compile's builder, not by nothing. A
    /// header the build did not read stays built by nothing.
    #[test]
    fn a_header_the_witness_saw_included_is_built_by_its_compile() {
        let root = Path::new("/w");
        let out_dir = Path::new("/w/target/debug/build/k-1/out");
        let mut bom = Bom {
            builders: vec![Builder::new("k", BuilderKind::Cc, "k/build.rs:5")],
            sources: vec![
                file("k/cuda/pippenger_inf.cu", FileKind::Source, vec![0]),
                file("k/sppark/msm/pippenger.cuh", FileKind::Header, Vec::new()),
                file("k/sppark/msm/unused.cuh", FileKind::Header, Vec::new()),
            ],
            ..Bom::default()
        };
        let invocation = Invocation {
            package: Some("k".into()),
            inputs: vec![root.join("k/cuda/pippenger_inf.cu")],
            includes: vec![root.join("k/sppark/msm/pippenger.cuh")],
            ..ptx_to(&out_dir.join("pippenger_inf.o"), root)
        };
        let mut seen = Witnessed {
            compiles: vec![compile(&invocation, "k", out_dir, root)],
            ..Witnessed::default()
        };
        attribute(&mut bom, &mut seen);
        let header = &bom.sources[1];
        assert_eq!(header.built_by, [0]);
        assert_eq!(
            header.included_by.as_deref(),
            Some("k/cuda/pippenger_inf.cu")
        );
        assert_eq!(header.compiled_in, [0]);
        assert!(bom.sources[2].built_by.is_empty());
        assert_eq!(bom.sources[2].included_by, None);
        // The source keeps what static reading said of it.
        assert_eq!(bom.sources[0].built_by, [0]);
        assert_eq!(bom.sources[0].included_by, None);
    }
    /// panterlo/nordocr (the thirty-first session's trial): two raw nvcc calls compile one
    /// `.cu`, `--ptx -arch=sm_80` and `--fatbin -arch=sm_90` (or `-arch=native`); each
    /// witnessed compile is the call asking its archs, not the first call claiming the file.
    #[test]
    fn two_calls_compiling_one_source_each_have_their_own_compile() {
        let root = Path::new("/w");
        let out_dir = Path::new("/w/target/debug/build/k-1/out");
        let mut ptx_call = Builder::new("k", BuilderKind::Nvcc, "build.rs:7");
        ptx_call.archs = vec!["sm_80".into()];
        let mut fatbin_call = Builder::new("k", BuilderKind::Nvcc, "build.rs:13");
        fatbin_call.archs = vec!["sm_90".into()];
        let mut bom = Bom {
            builders: vec![ptx_call, fatbin_call],
            sources: vec![file("kernels/k.cu", FileKind::Source, vec![0, 1])],
            ..Bom::default()
        };
        let at = |archs: &[&str], output: &str| Invocation {
            package: Some("k".into()),
            inputs: vec![root.join("kernels/k.cu")],
            archs: archs.iter().map(|a| (*a).to_owned()).collect(),
            ..ptx_to(&out_dir.join(output), root)
        };
        let mut seen = Witnessed {
            compiles: vec![
                compile(&at(&["sm_80"], "k.ptx"), "k", out_dir, root),
                compile(&at(&["sm_90"], "k.fatbin"), "k", out_dir, root),
            ],
            ..Witnessed::default()
        };
        attribute(&mut bom, &mut seen);
        let builders: Vec<_> = seen.compiles.iter().map(|c| c.builder).collect();
        assert_eq!(builders, [Some(0), Some(1)]);
        assert!(
            arch_notes(&bom, &seen).is_empty(),
            "{:?}",
            arch_notes(&bom, &seen)
        );
        // `-arch=native` on the second call: only that call targets the build machine's GPU.
        bom.builders[1].archs.clear();
        bom.builders[1].native_arch = true;
        seen.compiles[1] = compile(&at(&["native"], "k.fatbin"), "k", out_dir, root);
        attribute(&mut bom, &mut seen);
        assert_eq!(seen.compiles[1].builder, Some(1));
        assert!(native_witnessed(&mut bom, &seen).is_empty());
        assert!(!bom.builders[0].native_arch);
    }

    /// tinrab/rust-cuda-demo: cc compiles `cuda/lib.cu`, `lib_math.cu` and `lib_cublas.cu` in
    /// turn; nvcc failed on the first (a host compiler the machine lacks), so the build never
    /// reached the other two. The note on those says so, not "a feature or platform this
    /// build did not enable, or a misreading".
    #[test]
    fn a_source_after_a_failed_compile_of_its_builder_was_not_reached() {
        let root = Path::new("/w");
        let out_dir = Path::new("/w/target/debug/build/demo-1/out");
        let mut bom = Bom {
            builders: vec![Builder::new("k", BuilderKind::Cc, "build.rs:8")],
            sources: vec![
                file("cuda/lib.cu", FileKind::Source, vec![0]),
                file("cuda/lib_math.cu", FileKind::Source, vec![0]),
            ],
            ..Bom::default()
        };
        let invocation = Invocation {
            package: Some("k".into()),
            inputs: vec![root.join("cuda/lib.cu")],
            exit_code: Some(1),
            ..ptx_to(&out_dir.join("lib.o"), root)
        };
        // cc's flag probe, failed before it: not what stopped the build.
        let probe = Invocation {
            package: Some("k".into()),
            inputs: vec![out_dir.join("flag_check.cu")],
            exit_code: Some(1),
            ..ptx_to(&out_dir.join("flag_check.o"), root)
        };
        let mut seen = Witnessed {
            compiles: vec![
                compile(&probe, "k", out_dir, root),
                compile(&invocation, "k", out_dir, root),
            ],
            ..Witnessed::default()
        };
        attribute(&mut bom, &mut seen);
        assert_eq!(
            notes(&bom, &seen, &["k"]),
            [
                "cuda/lib_math.cu: static reading says cc with .cuda(true) at build.rs:8 compiles \
                 it, but the witnessed build of k did not (its compile of cuda/lib.cu failed first \
                 and the build stopped there)"
            ]
        );
        // With no failed compile of its builder, the reasons static reading can give.
        seen.compiles[1].ok = true;
        assert_eq!(
            notes(&bom, &seen, &["k"]),
            [
                "cuda/lib_math.cu: static reading says cc with .cuda(true) at build.rs:8 compiles \
                 it, but the witnessed build of k did not (a feature or platform this build did \
                 not enable, or a misreading)"
            ]
        );
    }
}
