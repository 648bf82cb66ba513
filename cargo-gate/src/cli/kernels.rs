//! `cargo gate kernels`: the CUDA bill of materials of the workspace — every tracked GPU
//! file and what builds it, the dependencies that compile GPU code, and the GPU code the
//! build's artifacts really carry, judged against `[cuda]` when the table is there — as
//! text, JSON (`gate_formats::kernel_bom::Bom`, schema in docs/schemas/) or CycloneDX 1.6.

use super::error::CliError;
use super::output::{print_stderr, print_stdout};
use crate::bom::{Depth, gather};
use crate::facts::Facts;
use crate::redact::Redactor;
use crate::tools::cargo::Cargo;
use crate::verdict::exit;
use crate::workspace::Workspace;
use gate_formats::kernel_bom::{Artifacts, Bom, KernelForm};
use std::path::Path;

/// How `cargo gate kernels` prints the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum BomFormat {
    /// For people.
    Text,
    /// `gate_formats::kernel_bom::Bom`.
    Json,
    /// A CycloneDX 1.6 JSON document.
    Cyclonedx,
}

/// `cargo gate kernels`.
pub(crate) fn kernels(
    manifest_path: Option<&Path>,
    format: BomFormat,
    no_build: bool,
    offline: bool,
    redactor: &mut Redactor,
) -> Result<i32, CliError> {
    let ws = Workspace::discover(manifest_path, offline)?;
    redactor.add_path(&ws.root, "<workspace>");
    let config = crate::config::load(&ws.config_layout(), None, &crate::registry::known())?;
    let cargo = Cargo::new(&ws.root, offline).with_timeout(config.tests_timeout);
    let facts = if no_build {
        Facts::gather(&ws, Vec::new())
    } else {
        let (env, witness) = crate::facts::witness::setup(&ws.target_dir);
        Facts::gather(&ws, env).with_witness(witness)
    };
    let depth = if no_build {
        Depth::Static("nothing was built (--no-build)")
    } else {
        Depth::Built
    };
    let bom = gather(&facts, &cargo, &config, depth);
    let text = match format {
        BomFormat::Text => text(&bom),
        BomFormat::Json => gate_support::json::pretty_string(&bom).expect("the BOM serialises"),
        BomFormat::Cyclonedx => {
            let (name, version) = root_package(&ws);
            let timestamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
            let document =
                crate::cuda::cyclonedx::document(&bom, &name, &version, &timestamp.to_string());
            gate_support::json::pretty_string(&document).expect("the document serialises")
        }
    };
    print_stdout(&redactor.text(&text));
    // A building run that could not build has no artifacts to read: the inventory above is
    // printed (with what the witness saw), and the exit says it is not the whole answer.
    if !no_build && let Artifacts::Unread { reason } = &bom.artifacts {
        print_stderr(&redactor.text(&format!(
            "error: the artifacts were not read: {reason}\n  fix: make `cargo test --no-run --locked --workspace` build, or pass --no-build for the sources and the graph alone\n"
        )));
        return Ok(exit::COULD_NOT_EVALUATE);
    }
    Ok(exit::READY)
}

/// The name and version the document describes: the root package, else the workspace
/// directory's name.
fn root_package(ws: &Workspace) -> (String, String) {
    let dir = ws.root.file_name().map_or_else(
        || "workspace".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let manifest = std::fs::read_to_string(ws.root.join("Cargo.toml")).unwrap_or_default();
    let parsed: Option<toml::Table> = toml::from_str(&manifest).ok();
    let package = parsed.as_ref().and_then(|t| t.get("package"));
    let field = |key: &str| package.and_then(|p| p.get(key)).and_then(|v| v.as_str());
    (
        field("name").map_or(dir, str::to_owned),
        field("version").unwrap_or("0.0.0").to_owned(),
    )
}

/// The inventory for people.
pub(crate) fn text(bom: &Bom) -> String {
    let mut out = String::new();
    put(
        &mut out,
        &format!("GPU files ({} tracked)", bom.sources.len()),
    );
    for source in &bom.sources {
        let how = crate::bom::how_built(source, &bom.builders);
        let witnessed = witnessed_text(bom, source);
        // What the build compiled names its builder where static reading names none: the
        // evidence first, and "built by nothing" only where there is none.
        let line = match witnessed {
            Some(by) if source.built_by.is_empty() && source.included_by.is_none() => {
                format!("witnessed: {by}; static reading names no builder")
            }
            Some(by) => format!("{how}; witnessed: {by}"),
            None => how,
        };
        put(&mut out, &format!("  {}  {line}", source.path));
        if let Some(stale) = &source.stale_against {
            put(&mut out, &format!("    stale: its source {stale}"));
        }
    }
    put(&mut out, &format!("builders ({})", bom.builders.len()));
    for b in &bom.builders {
        put(&mut out, &builder_line(b));
    }
    if !bom.dependencies.is_empty() {
        put(
            &mut out,
            &format!("dependencies ({})", bom.dependencies.len()),
        );
        for dep in &bom.dependencies {
            let mut how: Vec<String> = dep
                .builders
                .iter()
                .filter_map(|&b| bom.builders.get(b))
                .map(|b| format!("{} at {}", b.kind.describe(), b.at))
                .collect();
            how.extend(dep.provides_nvrtc.iter().map(|n| format!("provides {n}")));
            put(
                &mut out,
                &format!(
                    "  {} {}  {}  via {}",
                    dep.name,
                    dep.version,
                    how.join(", "),
                    dep.path.join(" → ")
                ),
            );
        }
    }
    if let Some(why) = &bom.graph_unread {
        // cargo's error and its `Caused by:` chain, each line under the first.
        let why = crate::render::text::continued(why, "");
        out.push_str(&format!("dependencies not read: {why}\n"));
    }
    if let Some(how) = &bom.graph_resolved {
        put(&mut out, &format!("dependency graph {how}"));
    }
    witness_text(bom, &mut out);
    artifacts_text(bom, &mut out);
    out
}

/// `text` and a newline onto `out`, what the repository put in it (a file's name, a crate's,
/// a note) shown as [`crate::render::text::visible`] shows it: a file named `k\nREADY for
/// pilot.cu` cannot start a line of its own.
fn put(out: &mut String, text: &str) {
    out.push_str(&crate::render::text::visible(text));
    out.push('\n');
}

/// One builder of the inventory, for people.
fn builder_line(b: &gate_formats::kernel_bom::Builder) -> String {
    let mut line = format!("  {}  {}  {}", b.package, b.kind.describe(), b.at);
    if let Some(via) = &b.via {
        line.push_str(&format!(" via {via}"));
    }
    if !b.archs.is_empty() {
        line.push_str(&format!("  archs {}", b.archs.join(" ")));
    }
    // Built only when something switches it on (vanity's `gpu` feature): a default build
    // compiles none of it.
    if let Some(switch) = &b.switch {
        line.push_str(&format!("  {}", gate_cuda::scripts::only(switch)));
    }
    if !b.untracked.is_empty() {
        line.push_str(&format!(
            "  compiles {} (not tracked)",
            b.untracked.join(" ")
        ));
    }
    for (flag, on) in [
        ("-arch=native", b.native_arch),
        ("probes the GPU", b.gpu_probe.is_some()),
        ("writes outside OUT_DIR", b.outside_out_dir.is_some()),
        ("ships nothing", !b.ships && !b.dependency),
        (
            "not in this build: its features are off",
            !b.unbuilt.is_empty(),
        ),
    ] {
        if on {
            line.push_str(&format!("  [{flag}]"));
        }
    }
    line
}

/// `compiled by kernels-sys (sm_80)` for a file the witnessed build read.
fn witnessed_text(bom: &Bom, source: &gate_formats::kernel_bom::SourceFile) -> Option<String> {
    let witness = bom.witness.as_ref()?;
    let mut by: Vec<String> = source
        .compiled_in
        .iter()
        .filter_map(|&i| witness.compiles.get(i))
        .map(|c| {
            let how = if c.inputs.contains(&source.path) {
                "compiled"
            } else {
                "included"
            };
            // A compile nvcc refused is witnessed too: said, not taken for a kernel built.
            let failed = if c.ok { "" } else { ", and it failed" };
            let archs = archs_or_default(&c.archs);
            // What ran nvcc below the build script, as the witness saw it (`make → sh`).
            let through = if c.through.is_empty() {
                String::new()
            } else {
                format!(" through {}", c.through.join(" → "))
            };
            format!("{how} by {}{through} ({archs}{failed})", c.package)
        })
        .collect();
    by.dedup();
    (!by.is_empty()).then(|| by.join(", "))
}

fn archs_or_default(archs: &[String]) -> String {
    if archs.is_empty() {
        "nvcc's default arch".to_owned()
    } else {
        archs.join(" ")
    }
}

/// What the nvcc witness saw of the build.
fn witness_text(bom: &Bom, out: &mut String) {
    let Some(witness) = &bom.witness else {
        put(out, "witnessed compiles: none, nothing was built");
        return;
    };
    if let Some(why) = &witness.not_installed {
        put(out, &format!("witnessed compiles: no witness ({why})"));
    } else {
        let tolerated = match witness.tolerated_failures {
            0 => String::new(),
            n => format!("; {n} failed probe(s) the build tolerated, not listed"),
        };
        put(
            out,
            &format!(
                "witnessed compiles ({}; witness on {}{tolerated})",
                witness.compiles.len(),
                witness.routes.join(", ")
            ),
        );
    }
    for c in &witness.compiles {
        let builder = c
            .builder
            .and_then(|b| bom.builders.get(b))
            .map(|b| format!("  [{} at {}]", b.kind.describe(), b.at))
            .unwrap_or_default();
        let mut line = format!(
            "  {}  {}  {}  {}{builder}",
            c.package,
            c.mode,
            c.inputs.join(" "),
            archs_or_default(&c.archs)
        );
        if !c.through.is_empty() {
            line.push_str(&format!("  [run through {}]", c.through.join(" → ")));
        }
        if c.generated {
            line.push_str("  [generated by the build script]");
        }
        if !c.ok {
            line.push_str("  [failed]");
        }
        if c.earlier_run {
            line.push_str("  [in an earlier run of the build script; unchanged since]");
        }
        put(out, &line);
        if !c.includes.is_empty() {
            put(out, &format!("    includes {}", c.includes.join(" ")));
        }
    }
    for u in &witness.unwitnessed {
        put(out, &format!("  not witnessed: {}: {}", u.package, u.fix));
    }
    for note in &witness.notes {
        put(out, &format!("  note: {note}"));
    }
}

fn artifacts_text(bom: &Bom, out: &mut String) {
    match &bom.artifacts {
        Artifacts::Read {
            binaries,
            kernels,
            files,
            bytes,
        } => {
            // A binary listed for the NVRTC or loader it names alone carries no GPU code
            // (cudarc's artifacts: `kernels.shipped` counts no image in them either).
            let carrying = binaries.iter().filter(|b| !b.modules.is_empty()).count();
            let loading = binaries.len() - carrying;
            let at_run_time = match loading {
                0 => String::new(),
                n => format!(", {n} can only load GPU code at run time"),
            };
            put(
                out,
                &format!(
                    "artifacts ({files} read, {bytes} bytes; {carrying} carry GPU code{at_run_time})"
                ),
            );
            for binary in binaries {
                let images: Vec<String> = binary
                    .modules
                    .iter()
                    .flat_map(|m| &m.kernels)
                    .filter_map(|&k| kernels.get(k))
                    .map(|k| match (k.form, &k.ptx_isa) {
                        (KernelForm::Ptx, Some(isa)) => format!("{} (PTX {isa})", k.arch),
                        _ => k.arch.clone(),
                    })
                    .collect();
                let test = if binary.test { ", test build" } else { "" };
                let mut line = format!(
                    "  {} ({}{test}): {}",
                    binary.path,
                    binary.package,
                    images.join(", ")
                );
                // Named in the binary: whether a run ever calls NVRTC the binary cannot show
                // (dynamics links cudarc's loader and only loads prebuilt PTX).
                if !binary.nvrtc.is_empty() {
                    line.push_str(&format!(
                        "  [can load at run time: {}]",
                        binary.nvrtc.join(", ")
                    ));
                }
                put(out, &line);
            }
        }
        Artifacts::Unread { reason } => put(out, &format!("artifacts not read: {reason}")),
        Artifacts::NotRead => put(out, "artifacts not read"),
    }
    fleet_text(bom, out);
}

/// The fleet `[cuda]` declares and what covers it.
fn fleet_text(bom: &Bom, out: &mut String) {
    match &bom.fleet {
        None => put(
            out,
            "fleet: no [cuda] table, nothing judged against a fleet",
        ),
        Some(fleet) => {
            put(
                out,
                &format!(
                    "fleet {} (min driver {})",
                    fleet.archs.join(", "),
                    fleet.min_driver.as_deref().unwrap_or("not declared")
                ),
            );
            for c in &fleet.coverage {
                put(
                    out,
                    &format!(
                        "  {} on {}: {}{}",
                        c.package,
                        c.arch,
                        c.by,
                        c.from
                            .as_deref()
                            .map(|f| format!(" ({f})"))
                            .unwrap_or_default()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gate_formats::kernel_bom::{Binary, BinaryKind, Container, FileKind, Module, SourceFile};

    /// A file named to forge a line (`k\nREADY for pilot.cu`) is shown with its newline as
    /// an escape: no line of the inventory starts with text the repository chose.
    #[test]
    fn a_file_name_cannot_start_a_line_of_the_inventory() {
        let bom = Bom {
            sources: vec![SourceFile {
                path: "src/k\nREADY for pilot\u{1b}[2K.cu".into(),
                kind: FileKind::Source,
                package: Some("k".into()),
                built_by: Vec::new(),
                included_by: None,
                ships: false,
                stale_against: Some("x\nREADY".into()),
                compiled_in: Vec::new(),
                probe: None,
            }],
            ..Bom::default()
        };
        let out = text(&bom);
        assert!(
            out.contains("src/k\\nREADY for pilot\\u{1b}[2K.cu"),
            "{out}"
        );
        assert!(!out.contains('\u{1b}'), "{out}");
        assert!(
            !out.lines().any(|l| l.trim_start().starts_with("READY")),
            "{out}"
        );
    }

    /// cudarc's artifacts name NVRTC and carry no GPU code: "0 carry GPU code", as
    /// `kernels.shipped` counts no image in them, not "14 carry GPU code".
    #[test]
    fn an_artifact_that_only_names_nvrtc_carries_no_gpu_code() {
        let binary = |path: &str, modules: Vec<Module>, nvrtc: &[&str]| Binary {
            path: path.into(),
            package: "k".into(),
            kind: BinaryKind::Rlib,
            test: false,
            size: 1,
            modules,
            nvrtc: nvrtc.iter().map(|n| (*n).to_owned()).collect(),
        };
        let module = Module {
            container: Container::PtxText,
            kernels: Vec::new(),
        };
        let bom = Bom {
            artifacts: Artifacts::Read {
                binaries: vec![
                    binary("a.rlib", vec![module], &[]),
                    binary("b.rlib", Vec::new(), &["libnvrtc.so"]),
                    binary("c.rlib", Vec::new(), &["libnvrtc.so"]),
                ],
                kernels: Vec::new(),
                files: 17,
                bytes: 10,
            },
            ..Bom::default()
        };
        let mut out = String::new();
        artifacts_text(&bom, &mut out);
        assert_eq!(
            out.lines().next(),
            Some(
                "artifacts (17 read, 10 bytes; 1 carry GPU code, 2 can only load GPU code at \
                 run time)"
            )
        );
    }
}
