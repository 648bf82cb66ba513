//! `cuda.contracts`: for every package that builds kernels with gate-build (the kernel
//! inventory, [`crate::facts::Kernels`], that `kernels.build` collects from the build): ptxas accepted the PTX for every arch; the PTX
//! ISA's driver requirement is within `[policy] min-driver`; every entry point has a CPU
//! reference (its name appears as a string literal in the package's Rust sources — where a
//! registration such as gate-kernels' `KernelInfo { entry: "saxpy", .. }` names it); and
//! GPU-vs-CPU differential results when a GPU is present (else the build is only
//! fallback-valid, and the summary says so). Also: `.cu`/`.cuh` files anywhere in the tree that
//! no manifest covers — kernels built outside gate-build, or in crates excluded from the
//! workspace — when their code can ship: test data, another package's sources, and sources
//! that nothing compiles and only tests and doc examples use (the source or its PTX, cubin or
//! fatbin), or that their package's raw nvcc compiles for its examples only, are notes
//! ([`outside_gate_build`]); and a build of the workspace's own that compiles
//! CUDA files none of which is tracked here (a git submodule's, a generated or computed path),
//! named at its call.

use crate::check::{
    After, Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, Severity,
    SkipKind,
};
use crate::facts::{FoundManifest, Kernels, NotBuilt};
use crate::lexer::{Lexer, TokenKind};
use crate::shared::outcomes::{
    KERNELS_BUILD_FAILED, kernels_unresolved, outside_gate_build, unparsable_summary,
};
use crate::stage::Stage;
use gate_formats::kernel_manifest::{self, MinDriver};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The `cuda.contracts` check.
#[derive(Debug)]
pub struct CudaContracts;

static META: CheckMeta = CheckMeta {
    id: "cuda.contracts",
    stage: Stage::Controlled,
    summary: "PTX validates for every arch, ISA within the minimum driver, every kernel has a CPU reference, no kernel source outside gate-build",
    fix: "register a CPU reference for each entry, raise [policy] min-driver or build with an older toolkit, and build every .cu with gate-build",
    codes: FindingCode::ALL,
    config: &[ConfigKey {
        key: "[policy] min-driver",
        default: "-",
        meaning: "the oldest CUDA driver (as a CUDA version, \"13.0\") the kernels must load on",
    }],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        EntryWithoutCpuReference => Code {
            name: "entry-without-cpu-reference",
            summary: "a kernel entry with no CPU reference registered",
        },
        PtxNeedsNewerDriver => Code {
            name: "ptx-needs-newer-driver",
            summary: "the PTX needs a newer driver than [policy] min-driver",
        },
        PtxIsaUnknown => Code {
            name: "ptx-isa-unknown",
            summary: "the PTX ISA is newer than gate-build's table",
        },
        PtxasRejects => Code {
            name: "ptxas-rejects",
            summary: "ptxas rejects the PTX for an arch",
        },
        SourceNotInManifest => Code {
            name: "source-not-in-manifest",
            summary: "a gate-build package's CUDA source that no manifest covers",
        },
        CudaOutsideGateBuild => Code {
            name: "cuda-outside-gate-build",
            summary: "a CUDA source compiled some other way than gate-build",
        },
    }
}

/// String literals in the Rust files under `dir` (not descending into other packages or
/// `target`).
fn string_literals(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let walker = ignore::WalkBuilder::new(dir)
        .follow_links(false)
        .filter_entry({
            let root = dir.to_owned();
            move |e| {
                let p = e.path();
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && (p.file_name().is_some_and(|n| n == "target")
                        || (p != root && p.join("Cargo.toml").exists())))
            }
        })
        .build();
    for entry in walker.filter_map(Result::ok) {
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let Ok(src) = std::fs::read(entry.path()) else {
            continue;
        };
        for token in Lexer::new(&src) {
            if token.kind == TokenKind::Str {
                let text = token.text(&src);
                if text.len() >= 2 {
                    out.insert(String::from_utf8_lossy(&text[1..text.len() - 1]).into_owned());
                }
            }
        }
    }
    out
}

impl Check for CudaContracts {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// After `kernels.build`, though it reads no outcome: the kernel inventory it judges is a
    /// fact that `kernels.build` gathers (this check reads it only when gathered, see
    /// [`Facts::kernels_collected`](crate::facts::Facts::kernels_collected)), so the
    /// ordering makes it run once the inventory is there, `--only cuda.contracts` pulls
    /// `kernels.build` in, and the reports (and their snapshots) show that order.
    fn after(&self) -> After {
        After::Checks(&["kernels.build"])
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        crate::shared::submodules::unless_unread(ctx.facts, judge_contracts(ctx))
    }
}

/// The verdict over what the checkout holds ([`CudaContracts::run`] holds a pass back where a
/// submodule the build reads is not checked out).
fn judge_contracts(ctx: &Context<'_>) -> Outcome {
    let facts = ctx.facts;
    // Every CUDA source outside gate-build, whether or not anything builds.
    let outside = outside_gate_build(
        facts,
        ctx.cargo,
        Severity::Error,
        FindingCode::CudaOutsideGateBuild,
    );
    if facts.gate_build_dependents().is_empty() && facts.cuda.is_empty() && outside.is_empty() {
        return Outcome::pass(format!(
            "no CUDA sources among {} {} file(s), no gate-build dependents",
            facts.index.files.len(),
            facts.index.source.describe()
        ));
    }
    let found = match collected(ctx) {
        Ok(found) => found,
        Err(outcome) => return outcome.with_findings(outside),
    };
    let mut contracts = Contracts::default();
    for manifest in found {
        contracts.judge(ctx, manifest);
    }
    contracts.uncovered_sources(facts);
    contracts.conclude(found.len(), outside)
}

/// The kernel manifests `kernels.build` collected, or what this check reports without them.
fn collected<'c>(ctx: &Context<'c>) -> Result<&'c [FoundManifest], Outcome> {
    let Some(kernels) = ctx.facts.kernels_collected(ctx.cargo) else {
        return Err(Outcome::skip(
            SkipKind::NotApplicable,
            "kernels.build did not run (--skip?): no manifests to read",
        ));
    };
    let not_collected = |why: &str| format!("the kernel manifests were not collected ({why})");
    let blocked = |by: &str, why: &str| {
        let alone = Outcome::skip(SkipKind::Unavailable, not_collected(why));
        Outcome::blocked(by, "the kernel manifests were not collected", alone)
    };
    match kernels {
        Kernels::NothingToBuild => Ok(&[]),
        Kernels::Found(found) => Ok(found),
        Kernels::NotBuilt(NotBuilt::Unresolved(resolve)) => {
            Err(blocked("lockfile.locked", &kernels_unresolved(resolve)))
        }
        Kernels::BuildFailed(_) => Err(blocked("tests.pass", KERNELS_BUILD_FAILED)),
        Kernels::NotBuilt(NotBuilt::NoCargo(e)) => {
            Err(Outcome::skip(SkipKind::Unavailable, not_collected(&e)))
        }
        Kernels::Unparsable(u) => Err(Outcome::skip(
            SkipKind::Unavailable,
            not_collected(&unparsable_summary(u)),
        )),
    }
}

/// What the manifests of one build show, manifest by manifest.
#[derive(Default)]
struct Contracts {
    findings: Vec<Finding>,
    /// The sources and headers some manifest covers.
    covered: BTreeSet<PathBuf>,
    /// Headers are covered when nvcc reported them (native builds) or when they sit in a
    /// directory gate-build compiled with `-I` (fallback builds know no header list).
    include_dirs: Vec<PathBuf>,
    notes: Vec<String>,
    any_native: bool,
    /// CUDA sources no manifest covers (gate-build packages' and outside gate-build).
    uncovered: usize,
}

impl Contracts {
    /// One package's manifest: ptxas per arch, the driver it needs against
    /// `[policy] min-driver`, a CPU reference for every entry.
    fn judge(&mut self, ctx: &Context<'_>, FoundManifest { package, manifest }: &FoundManifest) {
        let native = manifest.is_native();
        self.any_native |= native;
        self.include_dirs.extend(manifest.includes.iter().cloned());
        for module in &manifest.modules {
            self.covered.insert(module.source.clone());
            self.covered.extend(module.headers.iter().cloned());
        }
        if !native {
            self.notes.push(format!(
                "{package}: fallback-valid only ({})",
                manifest.fallback_reason.as_deref().unwrap_or("no reason")
            ));
            return;
        }
        // ptxas per arch.
        for module in &manifest.modules {
            let source = ctx.workspace.relative(&module.source);
            for verdict in module.ptxas.iter().filter(|v| !v.ok) {
                self.findings.push(
                    Finding::error(format!(
                        "{package}/{}: ptxas rejects the PTX for {}",
                        module.name, verdict.arch
                    ))
                    .code(FindingCode::PtxasRejects)
                    .at(Location::file(source.clone()))
                    .subject(package.clone()),
                );
            }
        }
        self.driver(ctx, package, manifest);
        self.cpu_references(ctx, package, manifest);
    }

    /// The driver the PTX needs, against `[policy] min-driver`.
    fn driver(&mut self, ctx: &Context<'_>, package: &str, manifest: &kernel_manifest::Manifest) {
        let needs = describe_driver(manifest.required_driver.as_ref());
        match (&ctx.config.min_driver, &manifest.required_driver) {
            (None, _) => self.notes.push(format!(
                "{package}: no [policy] min-driver declared; PTX needs {needs}"
            )),
            (Some(declared), Some(MinDriver::Cuda { version }))
                if (version.major, version.minor) > (declared.major, declared.minor) =>
            {
                self.findings.push(
                    Finding::error(format!(
                        "{package}: the PTX needs {needs}, newer than [policy] min-driver {declared}"
                    )).code(FindingCode::PtxNeedsNewerDriver)
                    .subject(package.to_owned()),
                );
            }
            (Some(declared), Some(MinDriver::UnknownNewerThanTable { .. })) => self.findings.push(
                Finding::error(format!("{package}: the PTX ISA is newer than gate-build's table; cannot show it loads on CUDA {declared}")).code(FindingCode::PtxIsaUnknown)
                    .subject(package.to_owned()),
            ),
            _ => {}
        }
    }

    /// Every entry has a CPU reference. A dependency's kernels (gate-kernels used by a
    /// service) register their CPU references in the dependency's own sources: its package
    /// directory is found from the module sources the manifest names.
    fn cpu_references(
        &mut self,
        ctx: &Context<'_>,
        package: &str,
        manifest: &kernel_manifest::Manifest,
    ) {
        let member = ctx.workspace.members.iter().find(|m| m.name == package);
        let package_dir = member.map(|m| m.dir.clone()).or_else(|| {
            manifest.modules.first().and_then(|module| {
                module
                    .source
                    .ancestors()
                    .skip(1)
                    .find(|d| d.join("Cargo.toml").is_file())
                    .map(Path::to_owned)
            })
        });
        let literals = package_dir.map(|d| string_literals(&d)).unwrap_or_default();
        let entries = manifest
            .modules
            .iter()
            .filter_map(|m| m.ptx.as_ref())
            .flat_map(|ptx| &ptx.entries);
        for entry in entries {
            if !literals.contains(entry.name.as_str()) {
                self.findings.push(
                    Finding::error(format!(
                        "{package}: kernel entry `{}` has no CPU reference registered (no Rust source of the package names it)",
                        entry.name
                    )).code(FindingCode::EntryWithoutCpuReference)
                    .subject(package.to_owned()),
                );
            }
        }
    }

    /// Kernel sources of gate-build packages that no manifest covers (a file the build does
    /// not list); sources of other packages are `outside_gate_build`'s.
    fn uncovered_sources(&mut self, facts: &crate::facts::Facts) {
        for source in facts.cuda.iter().filter(|c| c.is_source()) {
            let Some(owner) = source.owner.map(|o| &facts.packages[o]) else {
                continue;
            };
            if !owner.gate_build || owner.role == crate::facts::Role::Other {
                continue;
            }
            let path = &facts.index.files[source.file].path;
            let header_in_include_dir = path.extension().is_some_and(|e| e == "cuh")
                && self
                    .include_dirs
                    .iter()
                    .any(|d| path.parent() == Some(d.as_path()));
            if !self.covered.contains(path) && !header_in_include_dir {
                self.uncovered += 1;
                self.findings.push(
                    Finding::error(format!(
                        "CUDA source in {}, a gate-build package, that no manifest of this build covers",
                        owner.name
                    )).code(FindingCode::SourceNotInManifest)
                    .at(Location::file(source.rel.clone()))
                    .subject(owner.name.clone()),
                );
            }
        }
    }

    /// The outcome over `packages` manifests, with the sources compiled outside gate-build.
    fn conclude(mut self, packages: usize, outside: Vec<Finding>) -> Outcome {
        let counted: Vec<&Finding> = outside
            .iter()
            .filter(|f| f.severity != Severity::Note)
            .collect();
        let counted_outside = counted.len();
        // Of those, the sources nothing compiles lie outside gate-build without being
        // compiled there (sppark's msm-cuda: `pippenger.cu` beside the one it builds).
        let unbuilt = counted
            .iter()
            .filter(|f| crate::shared::outcomes::is_compiled_by_nothing(f))
            .count();
        // And the builds of GPU code from no tracked source (a submodule's, a Rust kernel).
        let builds = counted
            .iter()
            .filter(|f| crate::shared::outcomes::is_untracked_build(f))
            .count();
        self.uncovered += counted_outside;
        self.findings.extend(outside);
        let gpu = if self.any_native {
            "no GPU-vs-CPU differential results in this run (run gate-kernels' smoke example on a GPU machine)"
        } else {
            "no native kernels"
        };
        if packages == 0 && self.uncovered == 0 {
            let summary = if self.findings.is_empty() {
                "no kernels: no gate-build manifest in the build, no CUDA source outside gate-build"
                    .to_owned()
            } else {
                format!(
                    "no kernels: no gate-build manifest in the build, and no CUDA source outside \
                     gate-build that ships; noted: {}",
                    crate::shared::outcomes::noted_sources(&self.findings)
                )
            };
            return Outcome::pass(summary).with_findings(self.findings);
        }
        if self.findings.iter().all(|f| f.severity == Severity::Note) {
            let mut summary = format!("{packages} kernel package(s) meet their contracts");
            for note in &self.notes {
                summary.push_str(&format!("; {note}"));
            }
            summary.push_str(&format!("; {gpu}"));
            Outcome::pass(summary).with_findings(self.findings)
        } else {
            let errors = self
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            let summary = if counted_outside > 0 && unbuilt > 0 {
                format!(
                    "{errors} kernel contract violation(s), {counted_outside} of them CUDA sources \
                     outside gate-build ({unbuilt} of those compiled by nothing a build script \
                     shows)"
                )
            } else if builds > 0 {
                format!(
                    "{errors} kernel contract violation(s), {counted_outside} of them GPU code \
                     compiled outside gate-build ({builds} from no tracked CUDA source)"
                )
            } else if counted_outside > 0 {
                format!(
                    "{errors} kernel contract violation(s), {counted_outside} of them CUDA sources compiled outside gate-build"
                )
            } else {
                format!("{errors} kernel contract violation(s)")
            };
            let outcome = Outcome::fail(summary).with_findings(self.findings);
            // Every violation a kernel outside gate-build: the check's general fix (CPU
            // references, the driver) is about none of them.
            match counted_outside == errors {
                true => outcome.with_fix(OUTSIDE_FIX),
                false => outcome,
            }
        }
    }
}

/// The fix when every violation is GPU code compiled outside gate-build.
const OUTSIDE_FIX: &str = "compile these kernels with gate-build from the build script (its \
     manifest gives each kernel's entries, archs and CPU reference, which this check reads), \
     or waive them in gate.toml: a [[waiver]] with check = \"cuda.contracts\", code = \
     \"cuda-outside-gate-build\" and the reason they are checked another way";

fn describe_driver(required: Option<&MinDriver>) -> String {
    match required {
        Some(MinDriver::Cuda { version }) => format!("CUDA {version}"),
        Some(MinDriver::UnknownNewerThanTable { .. }) => {
            "an ISA newer than gate-build's table".into()
        }
        _ => "any driver".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::{manifest_json, with_files_and_earlier};
    use crate::config::{Config, DriverVersion};
    use crate::facts::Facts;
    use serde_json::json;

    /// The facts of `ctx` with `manifests` as the kernel inventory `kernels.build` collected.
    fn collected(ctx: &crate::check::Context<'_>, manifests: serde_json::Value) -> Facts {
        let found = serde_json::from_value::<Vec<FoundManifest>>(manifests).unwrap();
        Facts::gather(ctx.workspace, Vec::new()).with_kernels(found)
    }

    fn native(root_marker: &str) -> serde_json::Value {
        json!([{ "package": "k", "manifest": manifest_json(json!({
            "outcome": "native",
            "required_driver": { "kind": "cuda", "version": "13.0" },
            "modules": [{ "name": "saxpy", "source": root_marker, "headers": [],
                "ptx": { "entries": [{ "name": "saxpy", "params": 4 }, { "name": "orphan", "params": 1 }] },
                "ptxas": [{ "arch": "sm_80", "ok": true }] }]
        }))}])
    }

    const K_MANIFEST: &str = "[package]\nname = \"k\"\nversion = \"0.1.0\"\n[build-dependencies]\ngate-build = \"0.1\"\n";

    #[test]
    fn entries_need_cpu_references_and_ptx_must_fit_the_driver() {
        let files = [
            ("k/Cargo.toml", K_MANIFEST),
            ("k/src/lib.rs", "pub const ENTRY: &str = \"saxpy\";\n"),
            ("k/src/saxpy.cu", ""),
            ("stray/kernel.cu", ""),
        ];
        let config = Config {
            min_driver: Some(DriverVersion {
                major: 12,
                minor: 8,
            }),
            ..Config::default()
        };
        let outcome = with_files_and_earlier(&files, &["k"], config, |ctx| {
            let source = ctx.workspace.root.join("k/src/saxpy.cu");
            let facts = collected(ctx, native(&source.to_string_lossy()));
            CudaContracts.run(&crate::check::Context {
                facts: &facts,
                ..*ctx
            })
        });
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.fix, None,
            "the check's own fix: CPU references, the driver"
        );
        let messages: Vec<String> = outcome.findings.iter().map(|f| f.message.clone()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("newer than [policy] min-driver 12.8")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`orphan` has no CPU reference")),
            "{messages:?}"
        );
        assert!(
            !messages
                .iter()
                .any(|m| m.contains("`saxpy` has no CPU reference")),
            "{messages:?}"
        );
        let stray: Vec<_> = outcome
            .findings
            .iter()
            .filter_map(|f| f.location.as_ref())
            .map(|l| l.file.as_str())
            .collect();
        assert_eq!(stray, ["stray/kernel.cu"]);
    }

    /// A crate (no gate-build) with `resources/add.cu` and its checked-in `add.ptx`, whose
    /// `src/lib.rs` is `lib` and `examples/launch.rs` `example`: `cuda.contracts`' status and
    /// its finding on the `.cu`.
    fn ptx_read_by(lib: &str, example: &str) -> (Status, Severity, String) {
        let files = [
            (
                "k/Cargo.toml",
                "[package]\nname = \"k\"\nversion = \"0.1.0\"\n",
            ),
            (
                "k/resources/add.cu",
                "extern \"C\" __global__ void add() {}\n",
            ),
            ("k/resources/add.ptx", ".version 9.0\n"),
            ("k/src/lib.rs", lib),
            ("k/examples/launch.rs", example),
        ];
        one_finding_on(&files, "k/resources/add.cu")
    }

    /// `cuda.contracts` over `files` (the package `k`): its status and its one finding, which
    /// lies on `file`.
    fn one_finding_on(files: &[(&str, &str)], file: &str) -> (Status, Severity, String) {
        let outcome = with_files_and_earlier(files, &["k"], Config::default(), |ctx| {
            CudaContracts.run(&crate::check::Context {
                facts: &collected(ctx, json!([])),
                ..*ctx
            })
        });
        let [finding] = outcome.findings.as_slice() else {
            panic!("one finding: {outcome:?}");
        };
        assert_eq!(finding.location.as_ref().unwrap().file, file);
        (outcome.status, finding.severity, finding.message.clone())
    }

    #[test]
    fn a_source_only_tests_and_doc_examples_use_is_no_kernel_of_the_build() {
        let doc_and_test = "/// ```\n/// let ptx = include_str!(\"../resources/add.ptx\");\n/// ```\n\
                            pub fn load() {}\n#[cfg(test)]\nmod tests {\n    \
                            const PTX: &str = include_str!(\"../resources/add.ptx\");\n}\n";
        let example = "fn main() { let _ = include_str!(\"../resources/add.ptx\"); }\n";
        let (status, severity, message) = ptx_read_by(doc_and_test, example);
        assert_eq!(
            (status, severity),
            (Status::Pass, Severity::Note),
            "{message}"
        );
        assert!(
            message.contains(
                "named only by doc examples (k/src/lib.rs:2) and test code \
                 (k/examples/launch.rs:1 and 1 more): its code does not ship"
            ),
            "{message}"
        );
        // The same PTX embedded by the library itself ships: a kernel outside gate-build.
        let shipped = format!(
            "pub static PTX: &str = include_str!(\"../resources/add.ptx\");\n{doc_and_test}"
        );
        let (status, severity, message) = ptx_read_by(&shipped, example);
        assert_eq!(
            (status, severity),
            (Status::Fail, Severity::Error),
            "{message}"
        );
        assert!(message.contains("(with no build script)"), "{message}");
        // Named by nothing: nothing shows where its code goes, so it is judged as a kernel.
        let (status, _, message) = ptx_read_by("pub fn nothing() {}\n", "fn main() {}\n");
        assert_eq!(status, Status::Fail, "{message}");
    }

    /// infernum-rs/infernum's `infernum-examples`: a crate (no gate-build) whose build script
    /// compiles `kernels/relu.cu` with raw nvcc into `OUT_DIR`, `build` followed by `script`
    /// in its `main`, with `manifest` after its `[package]`, whose `src/lib.rs` is `lib` and
    /// `examples/custom_cuda_op.rs` embeds the PTX (its doc comment names the source):
    /// `cuda.contracts`' status and its finding on the `.cu`.
    fn ptx_embedded_by_an_example(
        manifest: &str,
        script: &str,
        lib: &str,
    ) -> (Status, Severity, String) {
        let manifest = format!("[package]\nname = \"k\"\nversion = \"0.1.0\"\n{manifest}");
        let build = format!(
            "use std::process::Command;\nfn main() {{\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    \
             Command::new(\"nvcc\").args([\"--ptx\", \"kernels/relu.cu\", \"-o\"])\
             .arg(format!(\"{{out}}/relu.ptx\")).status().unwrap();\n{script}}}\n"
        );
        let files = [
            ("k/Cargo.toml", manifest.as_str()),
            ("k/build.rs", build.as_str()),
            (
                "k/kernels/relu.cu",
                "extern \"C\" __global__ void relu() {}\n",
            ),
            ("k/src/lib.rs", lib),
            (
                "k/examples/custom_cuda_op.rs",
                "//! Write the kernel in `kernels/relu.cu`; build.rs compiles it.\n\
                 const PTX: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/relu.ptx\"));\n\
                 fn main() { println!(\"{}\", PTX.len()); }\n",
            ),
        ];
        one_finding_on(&files, "k/kernels/relu.cu")
    }

    #[test]
    fn a_source_raw_nvcc_compiles_for_examples_only_is_no_kernel_of_the_build() {
        let doc = "//! Example binaries only; the library embeds no GPU code.\n";
        let (status, severity, message) = ptx_embedded_by_an_example("", "", doc);
        assert_eq!(
            (status, severity),
            (Status::Pass, Severity::Note),
            "{message}"
        );
        assert!(
            message.contains(
                "(compiled by raw nvcc (k/build.rs:4) for examples only: \
                 k/examples/custom_cuda_op.rs:2 embeds its output; no library or binary of the \
                 package ships it)"
            ),
            "{message}"
        );
        // Whatever else shows the output may reach the library or a binary keeps the source
        // a kernel outside gate-build: the library embedding it, saying OUT_DIR at all or
        // naming the output even in a doc comment,
        let embeds =
            "pub static PTX: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/relu.ptx\"));\n";
        let generated = "include!(concat!(env!(\"OUT_DIR\"), \"/kernels.rs\"));\n";
        let bin = "[[bin]]\nname = \"run\"\npath = \"examples/run.rs\"\n";
        let link = "    println!(\"cargo:rustc-link-lib=static=relu\");\n";
        let names = "//! The example embeds `relu.ptx`.\n";
        for (manifest, script, lib) in [
            ("", "", embeds),
            ("", "", generated),
            ("", "", names),
            // a binary kept among the examples, a build script that links what it builds.
            (bin, "", doc),
            ("", link, doc),
        ] {
            let (status, severity, message) = ptx_embedded_by_an_example(manifest, script, lib);
            assert_eq!(
                (status, severity),
                (Status::Fail, Severity::Error),
                "{manifest}{script}{lib}: {message}"
            );
            assert!(message.contains("compiled by raw nvcc"), "{message}");
        }
    }

    #[test]
    fn a_build_of_a_cuda_file_not_tracked_here_fails_the_contracts() {
        let files = crate::checks::testing::UNTRACKED_BUILD;
        let outcome = with_files_and_earlier(&files, &["sub"], Config::default(), |ctx| {
            CudaContracts.run(&crate::check::Context {
                facts: &collected(ctx, json!([])),
                ..*ctx
            })
        });
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "1 kernel contract violation(s), 1 of them GPU code compiled outside gate-build (1 \
             from no tracked CUDA source)"
        );
        assert_eq!(
            outcome.findings[0].location.as_ref().unwrap().to_string(),
            "sub/build.rs:4"
        );
        // Its only violation is outside gate-build: the fix says what to do about that.
        assert_eq!(outcome.fix.as_deref(), Some(OUTSIDE_FIX));
    }

    /// samyak-jain/image-transitions: cuda_builder compiles the Rust kernel crate `gpu` and
    /// copies its PTX into the source tree (`copy_to("ptx/k.ptx")`, a tracked file the library
    /// embeds). That PTX is what the call writes, not what it compiles from: the build is GPU
    /// code from no tracked CUDA source as surely as the same call writing into `OUT_DIR`.
    #[test]
    fn a_rust_kernel_crate_whose_ptx_is_copied_into_the_tree_fails_the_contracts_as_into_out_dir() {
        let files = [
            (
                "app/Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[build-dependencies]\ncuda_builder = \"0.3\"\n",
            ),
            (
                "app/build.rs",
                "fn main() {\n    cuda_builder::CudaBuilder::new(\"../gpu\").copy_to(\"ptx/k.ptx\").build().unwrap();\n}\n",
            ),
            (
                "app/src/lib.rs",
                "pub static PTX: &str = include_str!(\"../ptx/k.ptx\");\n",
            ),
            ("app/ptx/k.ptx", ".version 7.0\n.target sm_80\n"),
            (
                "gpu/Cargo.toml",
                "[package]\nname = \"gpu\"\nversion = \"0.1.0\"\n",
            ),
            ("gpu/src/lib.rs", ""),
        ];
        let outcome = with_files_and_earlier(&files, &["app", "gpu"], Config::default(), |ctx| {
            CudaContracts.run(&crate::check::Context {
                facts: &collected(ctx, json!([])),
                ..*ctx
            })
        });
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(
            outcome.summary.contains("(1 from no tracked CUDA source)"),
            "{outcome:?}"
        );
        assert_eq!(
            outcome.findings[0].location.as_ref().unwrap().to_string(),
            "app/build.rs:2"
        );
    }

    /// tract's `common.cuh`, handed to the compiler beside the sources that include it, is
    /// part of them: a note, not a twelfth violation. A package of headers alone keeps them
    /// judged.
    #[test]
    fn a_header_beside_the_sources_that_include_it_is_no_kernel_of_its_own() {
        let files = [
            (
                "k/Cargo.toml",
                "[package]\nname = \"k\"\nversion = \"0.1.0\"\n[build-dependencies]\ncc = \"1\"\n",
            ),
            (
                "k/build.rs",
                "fn main() {\n    cc::Build::new().cuda(true).file(\"src/a.cu\").compile(\"a\");\n}\n",
            ),
            ("k/src/lib.rs", ""),
            (
                "k/src/a.cu",
                "#include \"common.cuh\"\n__global__ void a() {}\n",
            ),
            ("k/src/common.cuh", "#pragma once\n"),
            (
                "h/Cargo.toml",
                "[package]\nname = \"h\"\nversion = \"0.1.0\"\n",
            ),
            ("h/src/lib.rs", ""),
            ("h/include/only.cuh", "__global__ void only() {}\n"),
        ];
        let outcome = with_files_and_earlier(&files, &["k", "h"], Config::default(), |ctx| {
            CudaContracts.run(&crate::check::Context {
                facts: &collected(ctx, json!([])),
                ..*ctx
            })
        });
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(
            outcome
                .summary
                .starts_with("2 kernel contract violation(s), 2 of them"),
            "{outcome:?}"
        );
        let severity_at = |file: &str| {
            outcome
                .findings
                .iter()
                .find(|f| f.location.as_ref().is_some_and(|l| l.file == file))
                .map(|f| f.severity)
        };
        assert_eq!(
            (
                severity_at("k/src/common.cuh"),
                severity_at("h/include/only.cuh")
            ),
            (Some(Severity::Note), Some(Severity::Error)),
            "{outcome:?}"
        );
    }

    /// tfhe-rs' `check_cuda.cu`, compiled only while its CMake project is configured, is a
    /// note; the kernel the project builds is the violation.
    #[test]
    fn a_configure_time_probe_is_no_kernel_of_the_build() {
        let files = crate::checks::testing::CMAKE_PROBE_AND_SHARED_SOURCE;
        let outcome =
            with_files_and_earlier(&files, &["common", "backend"], Config::default(), |ctx| {
                CudaContracts.run(&crate::check::Context {
                    facts: &collected(ctx, json!([])),
                    ..*ctx
                })
            });
        let judged: Vec<(&str, Severity)> = outcome
            .findings
            .iter()
            .map(|f| (f.location.as_ref().unwrap().file.as_str(), f.severity))
            .collect();
        assert_eq!(
            judged,
            [
                // Named only where an option that is off adds it: a tracked `.cu` of a
                // package that ships, compiled by nothing the build shows.
                ("backend/src/test_only.cu", Severity::Error),
                ("common/cuda/check_cuda.cu", Severity::Note),
                ("common/cuda/src/device.cu", Severity::Error)
            ],
            "{outcome:?}"
        );
        assert!(
            outcome.findings[1]
                .message
                .contains("compiled only while configuring, at common/cuda/CMakeLists.txt:4"),
            "{}",
            outcome.findings[1].message
        );
    }

    /// risc0's `tools/cuda-smoke/cuda_smoke.cu`: in no package, compiled only by a CI script.
    /// No crate ships it, unless code that ships names it (embedded from `../../tools`).
    #[test]
    fn a_source_in_no_package_that_no_shipped_code_names_is_no_kernel() {
        let judged = |lib: &str| {
            let files = [
                (
                    "app/Cargo.toml",
                    "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
                ),
                ("app/src/lib.rs", lib),
                ("tools/smoke/smoke.cu", "__global__ void s() {}\n"),
            ];
            let outcome = with_files_and_earlier(&files, &["app"], Config::default(), |ctx| {
                CudaContracts.run(&crate::check::Context {
                    facts: &collected(ctx, json!([])),
                    ..*ctx
                })
            });
            let [finding] = outcome.findings.as_slice() else {
                panic!("one finding: {outcome:?}");
            };
            (outcome.status, finding.severity, finding.message.clone())
        };
        let (status, severity, message) = judged("");
        assert_eq!(
            (status, severity),
            (Status::Pass, Severity::Note),
            "{message}"
        );
        assert!(message.contains("in no package"), "{message}");
        let embedded = "pub static K: &str = include_str!(\"../../tools/smoke/smoke.cu\");\n";
        let (status, severity, message) = judged(embedded);
        assert_eq!(
            (status, severity),
            (Status::Fail, Severity::Error),
            "{message}"
        );
    }

    #[test]
    fn no_kernels_passes_and_fallback_is_only_fallback_valid() {
        let none = with_files_and_earlier(&[], &["k"], Config::default(), |ctx| {
            CudaContracts.run(&crate::check::Context {
                facts: &collected(ctx, json!([])),
                ..*ctx
            })
        });
        assert_eq!(
            (none.status, none.summary.as_str()),
            (
                Status::Pass,
                "no CUDA sources among 0 walked file(s), no gate-build dependents"
            )
        );
        let fallback = json!([{ "package": "k", "manifest": manifest_json(json!({ "outcome": "fallback", "fallback_reason": "nvcc not found" })) }]);
        let files = [("k/Cargo.toml", K_MANIFEST)];
        let outcome = with_files_and_earlier(&files, &["k"], Config::default(), |ctx| {
            CudaContracts.run(&crate::check::Context {
                facts: &collected(ctx, fallback.clone()),
                ..*ctx
            })
        });
        assert_eq!(outcome.status, Status::Pass);
        assert!(
            outcome
                .summary
                .contains("fallback-valid only (nvcc not found)"),
            "{}",
            outcome.summary
        );
    }
}
