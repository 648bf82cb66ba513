//! The workspace's own Rust files, read once: each NVRTC use of library code is a builder,
//! switched by the feature around it or by the gated module it lies in
//! ([`scripts::gated_modules`]); the CUDA sources a package embeds for NVRTC; and the texts
//! that may define build helpers.

use super::helpers::{self, BUILD_WORDS};
use super::optional;
use crate::cuda::scripts;
use crate::facts::{Facts, Role};
use gate_formats::kernel_bom::{Builder, BuilderKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads the tracked Rust files once: each NVRTC use of library code becomes a builder (and
/// the CUDA sources its package embeds with `include_str!`, calls of it, in `calls`); the
/// texts that may define build helpers are returned.
pub(super) fn read(
    facts: &Facts,
    builders: &mut Vec<Builder>,
    calls: &mut Vec<(usize, Vec<scripts::Call>, Vec<usize>)>,
) -> Vec<(String, String)> {
    let mut texts: Vec<(String, String)> = Vec::new();
    // Per package: its NVRTC builders (file, index) and the sources it embeds (file, what).
    let mut nvrtc: BTreeMap<usize, Vec<NvrtcAt>> = BTreeMap::new();
    let mut embedded: Vec<Embedding> = Vec::new();
    let mut pending = Switches::default();
    for file in &facts.index.files {
        if !file.rel.ends_with(".rs") {
            continue;
        }
        let in_package = package_relative(facts, file);
        // Tests, examples and benchmarks do not ship (their build scripts' helpers are read
        // all the same: a build script may call one defined anywhere).
        let library_code = !outside_library_code(in_package);
        let Ok(text) = gate_support::read::text_capped(&file.path, helpers::RUST_FILE_CAP) else {
            continue;
        };
        let rust = scripts::RustFile {
            rel: &file.rel,
            text: &text,
        };
        if library_code {
            let owner = file.owner.map(|o| &facts.packages[o]);
            for scripts::NvrtcUse {
                line,
                switch,
                names,
                ..
            } in scripts::nvrtc_use_sites(&rust)
            {
                if switch.is_none() {
                    pending
                        .unswitched
                        .push((builders.len(), file.rel.clone(), file.owner));
                } else {
                    pending.switched.push((builders.len(), file.rel.clone()));
                }
                if let Some(o) = file.owner {
                    pending.owned.push((builders.len(), o));
                    let at = (file.rel.clone(), line, builders.len(), names);
                    nvrtc.entry(o).or_default().push(at);
                }
                let package = owner.map_or("", |p| p.name.as_str());
                let ships = owner.is_none_or(shipped);
                builders.push(nvrtc_builder(package, (&file.rel, line), switch, ships));
            }
            if !is_build_script(file, owner, in_package) {
                rust_nvptx_runs(&rust, owner, builders, &mut pending.unswitched, file.owner);
            }
            if let Some(o) = file.owner {
                let dir = in_package.parent().unwrap_or(Path::new("")).to_path_buf();
                for e in scripts::embedded_sources(&rust) {
                    embedded.push((o, file.rel.clone(), dir.clone(), e));
                }
            }
        } else if let Some(o) = file.owner {
            own_file_nvrtc(facts, (o, in_package), &rust, builders, calls);
        }
        let bytes = text.as_bytes();
        if BUILD_WORDS
            .iter()
            .any(|w| memchr::memmem::find(bytes, w.as_bytes()).is_some())
        {
            texts.push((file.rel.clone(), text));
        }
    }
    embedded_calls(facts, &nvrtc, embedded, calls);
    pending.resolve(facts, builders);
    texts
}

/// The builders whose switch depends on the module they lie in, known once every file is
/// read.
#[derive(Debug, Default)]
struct Switches {
    /// With no switch in their own file: (builder index, file, owner).
    unswitched: Vec<(usize, String, Option<usize>)>,
    /// Switched in their own file, whose module may add a feature: (builder index, file).
    switched: Vec<(usize, String)>,
    /// Every NVRTC builder of a package: (builder index, owner).
    owned: Vec<(usize, usize)>,
}

impl Switches {
    /// Each builder's switch: an unswitched one takes its gated module's, else its package's
    /// optional path dependency's; one switched in its file within a module declared under a
    /// feature needs both (candle-core's `ug` inside its `cuda` module).
    fn resolve(self, facts: &Facts, builders: &mut [Builder]) {
        // The gated modules, read only from the files that can declare the modules those
        // calls lie in (lexing every file that mentions a feature cost every static run).
        let gated = GatedModules::declaring(
            facts,
            (self.unswitched.iter().map(|(_, rel, _)| rel.as_str()))
                .chain(self.switched.iter().map(|(_, rel)| rel.as_str())),
        );
        for (b, rel, package) in self.unswitched {
            builders[b].switch = gated
                .switch_of(&rel)
                .map(str::to_owned)
                .or_else(|| package.and_then(|o| optional::switch_of(facts, &facts.packages[o])));
        }
        for (b, rel) in self.switched {
            if let (Some(module), Some(own)) = (gated.switch_of(&rel), builders[b].switch.as_mut())
                && !own.contains(module)
            {
                *own = format!("{module} and {own}");
            }
        }
        // A path dependency's code under a feature nothing can turn on ships in no build.
        for (b, owner) in self.owned {
            let builder = &mut builders[b];
            if builder.ships
                && let Some(switch) = &builder.switch
                && super::features::unreachable_feature(facts, &facts.packages[owner], switch)
                    .is_some()
            {
                builder.ships = false;
            }
        }
    }
}

/// The Rust builds for nvptx64 that a proc macro's code runs ([`scripts::rust_nvptx_runs`]):
/// it compiles the kernels of the crates that use it while they compile (accel's and
/// rust-cuda's `#[kernel]`), each a builder of the proc macro's package; one with no switch
/// around it waits for the gated modules, as NVRTC does. A library's (ptx-builder's,
/// cuda_builder's own code) builds only what the build scripts that call it name, and those
/// are builders already.
fn rust_nvptx_runs(
    rust: &scripts::RustFile<'_>,
    package: Option<&crate::facts::Package>,
    builders: &mut Vec<Builder>,
    unswitched: &mut Vec<(usize, String, Option<usize>)>,
    owner: Option<usize>,
) {
    let calls = scripts::rust_nvptx_runs(rust);
    if calls.is_empty() || !package.is_some_and(proc_macro) {
        return;
    }
    for call in calls {
        if call.switch.is_none() {
            unswitched.push((builders.len(), rust.rel.to_owned(), owner));
        }
        builders.push(Builder {
            ships: package.is_none_or(shipped),
            switch: call.switch,
            archs: call.archs,
            ..Builder::new(
                package.map_or("", |p| p.name.as_str()),
                BuilderKind::RustNvptx,
                format!("{}:{}", rust.rel, call.line),
            )
        });
    }
}

/// Whether `package` is a proc macro (`[lib] proc-macro = true`).
fn proc_macro(package: &crate::facts::Package) -> bool {
    crate::workspace::read_toml(&package.dir.join("Cargo.toml")).is_some_and(|t| {
        t.get("lib")
            .and_then(|lib| lib.get("proc-macro"))
            .and_then(toml::Value::as_bool)
            == Some(true)
    })
}

/// Whether `file` is its package's build script (read as one, by [`super::script`]).
fn is_build_script(
    file: &crate::facts::IndexedFile,
    package: Option<&crate::facts::Package>,
    in_package: &Path,
) -> bool {
    in_package == Path::new("build.rs")
        || package.is_some_and(|p| p.build_script.as_deref() == Some(file.path.as_path()))
}

/// Whether a package's files ship: a member's, or a path dependency's (a nested workspace,
/// an example or a fixture crate does not ship with this one).
pub(super) fn shipped(package: &crate::facts::Package) -> bool {
    matches!(package.role, Role::Member | Role::PathDependency)
}

/// The modules the workspace's files declare under a feature, by the path stem of the
/// module (`src/gpu_sumcheck` for `#[cfg(feature = "cuda-runtime")] pub mod gpu_sumcheck;` in
/// `src/lib.rs`): its file (`src/gpu_sumcheck.rs`, `src/gpu_sumcheck/mod.rs`) and every file
/// below `src/gpu_sumcheck/` compile only with that feature. (`#[path]` is not followed.)
#[derive(Debug, Default)]
struct GatedModules {
    stems: Vec<(String, String)>,
}

impl GatedModules {
    /// The gated modules declared by the tracked files that can declare a module holding one
    /// of `files`: in each directory above it, `mod.rs`, `lib.rs`, `main.rs`, and the file
    /// named for the directory (`src/gpu.rs` for `src/gpu/`).
    fn declaring<'a>(facts: &Facts, files: impl Iterator<Item = &'a str>) -> GatedModules {
        let mut candidates: Vec<String> = Vec::new();
        for rel in files {
            let mut dir = rel;
            while let Some((parent, _)) = dir.rsplit_once('/') {
                for name in ["mod.rs", "lib.rs", "main.rs"] {
                    candidates.push(format!("{parent}/{name}"));
                }
                candidates.push(format!("{parent}.rs"));
                dir = parent;
            }
            candidates.extend(["lib.rs", "main.rs", "mod.rs"].map(str::to_owned));
        }
        candidates.sort();
        candidates.dedup();
        let mut gated = GatedModules::default();
        for file in facts
            .index
            .files
            .iter()
            .filter(|f| candidates.binary_search(&f.rel).is_ok())
        {
            if let Ok(text) = gate_support::read::text_capped(&file.path, helpers::RUST_FILE_CAP) {
                gated.read(&file.rel, &text);
            }
        }
        gated
    }

    /// Records the modules the file `rel` declares under a feature.
    fn read(&mut self, rel: &str, text: &str) {
        let declared = scripts::gated_modules(&scripts::RustFile { rel, text });
        if declared.is_empty() {
            return;
        }
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        // A crate root's or `mod.rs`'s modules lie beside it; another file's below its stem.
        let base = match name {
            "lib.rs" | "main.rs" | "mod.rs" => dir.to_owned(),
            _ => rel.trim_end_matches(".rs").to_owned(),
        };
        for (module, switch) in declared {
            let stem = if base.is_empty() {
                module
            } else {
                format!("{base}/{module}")
            };
            self.stems.push((stem, switch));
        }
    }

    /// The switch of the file `rel`: that of the innermost gated module it is or lies in.
    fn switch_of(&self, rel: &str) -> Option<&str> {
        let stem = rel
            .strip_suffix("/mod.rs")
            .or_else(|| rel.strip_suffix(".rs"))?;
        self.stems
            .iter()
            .filter(|(s, _)| {
                stem == s
                    || stem
                        .strip_prefix(s.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
            .max_by_key(|(s, _)| s.len())
            .map(|(_, f)| f.as_str())
    }
}

/// A tracked file's path below the package that owns it (its absolute path when none does).
pub(super) fn package_relative<'f>(facts: &Facts, file: &'f crate::facts::IndexedFile) -> &'f Path {
    file.owner.map_or(file.path.as_path(), |o| {
        file.path
            .strip_prefix(&facts.packages[o].dir)
            .unwrap_or(&file.path)
    })
}

/// Whether a path below its package lies in the package's tests, examples or benchmarks,
/// which do not ship.
pub(super) fn outside_library_code(in_package: &Path) -> bool {
    matches!(
        in_package
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str()),
        Some("tests" | "examples" | "benches")
    )
}

/// A CUDA source embedded in Rust code: the package (index), the embedding file, its
/// directory below the package, and what it embeds.
type Embedding = (usize, String, PathBuf, scripts::Embedded);

/// The CUDA sources a package embeds (`include_str!("k.cu")`), each a call of the package's
/// NVRTC builders (the one on the same line, else those of the same file, else all of them):
/// NVRTC compiles them at run time. A package with no NVRTC call of its own hands them to the
/// NVRTC of the workspace's packages it depends on ([`wrapping`]), or exports it to the
/// packages that depend on it and compile it by its name ([`exporting`]). Embedding in a
/// package that reaches no run-time compile names no builder.
fn embedded_calls(
    facts: &Facts,
    nvrtc: &BTreeMap<usize, Vec<NvrtcAt>>,
    embedded: Vec<Embedding>,
    calls: &mut Vec<(usize, Vec<scripts::Call>, Vec<usize>)>,
) {
    for (package, file, dir, e) in embedded {
        let chosen = match nvrtc.get(&package) {
            Some(builders) => compiling(builders, &file, &e),
            None => {
                let wrapped = wrapping(facts, nvrtc, package);
                if wrapped.is_empty() {
                    exporting(facts, nvrtc, package, &e)
                } else {
                    wrapped
                }
            }
        };
        compiled_by(package, (&dir, &e), chosen, calls);
    }
}

/// The source embedded at `e` in a file of `package` (in `dir` below it), a call of each
/// NVRTC builder `chosen` (none: nothing is said).
fn compiled_by(
    package: usize,
    (dir, e): (&Path, &scripts::Embedded),
    chosen: Vec<usize>,
    calls: &mut Vec<(usize, Vec<scripts::Call>, Vec<usize>)>,
) {
    if chosen.is_empty() {
        return;
    }
    let input = if e.from_manifest_dir {
        e.path.clone()
    } else {
        dir.join(&e.path).to_string_lossy().replace('\\', "/")
    };
    let call = scripts::Call::embedded(e.line, input);
    calls.push((package, vec![call; chosen.len()], chosen));
}

/// The NVRTC calls of the workspace's packages that `package` depends on (a path dependency
/// its dev-dependency tables alone do not name): a package that embeds CUDA source and
/// compiles nothing at run time itself hands the text to the crate that wraps NVRTC for it
/// (operators-rs' `.cuh` files, compiled through the `cuda` crate's `Ptx::compile`, reached
/// through its own helpers in other files, so no file-level naming is asked for).
fn wrapping(facts: &Facts, nvrtc: &BTreeMap<usize, Vec<NvrtcAt>>, package: usize) -> Vec<usize> {
    let p = &facts.packages[package];
    nvrtc
        .iter()
        .filter(|&(&q, _)| {
            let dir = &facts.packages[q].dir;
            q != package && p.path_deps.contains(dir) && !p.dev_only.contains(dir)
        })
        .flat_map(|(_, builders)| builders.iter().map(|b| b.2))
        .collect()
}

/// The NVRTC calls of the workspace's packages that depend on `package` (not as a
/// dev-dependency alone) whose arguments name the const the source is bound to: a kernel
/// crate that exports its source (`pub const KERNELS_SRC: &str = concat!(include_str!(..),
/// ..)`) for another to compile (warp-md's traj-gpu, `compile_ptx(KERNELS_SRC)`: its six
/// `.cu` parts were "built by nothing"). An unbound source names no such call.
fn exporting(
    facts: &Facts,
    nvrtc: &BTreeMap<usize, Vec<NvrtcAt>>,
    package: usize,
    e: &scripts::Embedded,
) -> Vec<usize> {
    // A `let` is seen in its own block only: no other package names it.
    let (Some(name), None) = (&e.bound, e.seen) else {
        return Vec::new();
    };
    let dir = &facts.packages[package].dir;
    nvrtc
        .iter()
        .filter(|&(&q, _)| {
            let q = &facts.packages[q];
            q.dir != *dir && q.path_deps.contains(dir) && !q.dev_only.contains(dir)
        })
        .flat_map(|(_, builders)| builders.iter())
        .filter(|(_, _, _, names)| names.contains(name))
        .map(|b| b.2)
        .collect()
}

/// The NVRTC builder of `package` at `rel:line`.
fn nvrtc_builder(
    package: &str,
    (rel, line): (&str, u32),
    switch: Option<String>,
    ships: bool,
) -> Builder {
    Builder {
        ships,
        switch,
        ..Builder::new(package, BuilderKind::Nvrtc, format!("{rel}:{line}"))
    }
}

/// An example, test or benchmark that compiles with NVRTC the CUDA it embeds in the same
/// file (optix-rs' examples: `include_str!("devicePrograms.cu")` handed to `Program::new`;
/// the nine sources were "built by nothing"): NVRTC builders that ship nothing, each
/// compiling the sources of its own file only (a test's NVRTC reaches no library's source).
fn own_file_nvrtc(
    facts: &Facts,
    (package, in_package): (usize, &Path),
    rust: &scripts::RustFile<'_>,
    builders: &mut Vec<Builder>,
    calls: &mut Vec<(usize, Vec<scripts::Call>, Vec<usize>)>,
) {
    let embeds = scripts::embedded_sources(rust);
    if embeds.is_empty() {
        return;
    }
    let mut own: Vec<NvrtcAt> = Vec::new();
    for scripts::NvrtcUse {
        line,
        switch,
        names,
        ..
    } in scripts::nvrtc_use_sites(rust)
    {
        own.push((rust.rel.to_owned(), line, builders.len(), names));
        let name = facts.packages[package].name.as_str();
        builders.push(nvrtc_builder(name, (rust.rel, line), switch, false));
    }
    let dir = in_package.parent().unwrap_or(Path::new("")).to_path_buf();
    for e in embeds {
        let chosen = compiling(&own, rust.rel, &e);
        compiled_by(package, (&dir, &e), chosen, calls);
    }
}

/// The NVRTC calls of a package (`builders`) that compile the source embedded at `e` in
/// `file`: the one on the embedding line; else, where it is bound to a name, those whose
/// arguments name it (stwo-ml's `let kernel_src = include_str!(..)` and
/// `compile_ptx(kernel_src)`); else those of the embedding file, else every call of the
/// package (which of them compiles it, only the code's calls say) — leaving out, for a bound
/// source, the calls that compile other consts (the five `compile_ptx(SUMCHECK_KERNEL)`-like
/// calls beside stwo-ml's `const POSEIDON_CUDA_KERNEL`; a const holds no other's text).
fn compiling(builders: &[NvrtcAt], file: &str, e: &scripts::Embedded) -> Vec<usize> {
    let pick = |keep: &dyn Fn(&NvrtcAt) -> bool| -> Vec<usize> {
        builders.iter().filter(|b| keep(b)).map(|b| b.2).collect()
    };
    let on_line = pick(&|(rel, line, _, _)| rel == file && *line == e.line);
    if !on_line.is_empty() {
        return on_line;
    }
    if let Some(name) = &e.bound {
        // A `let` is named only where it is seen: the same name in another function is
        // another binding (two `let src = include_str!(..)`, each compiled beside it).
        let sees = |rel: &str, line: u32| {
            e.seen
                .is_none_or(|(from, to)| rel == file && (from..=to).contains(&line))
        };
        let naming = pick(&|(rel, line, _, names)| names.contains(name) && sees(rel, *line));
        if !naming.is_empty() {
            return naming;
        }
    }
    let other_const = |names: &[String]| {
        e.bound.is_some() && !names.is_empty() && names.iter().all(|n| is_const_name(n))
    };
    if builders.iter().any(|(rel, _, _, _)| rel == file) {
        return pick(&|(rel, _, _, names)| rel == file && !other_const(names));
    }
    pick(&|(_, _, _, names)| !other_const(names))
}

/// Whether `name` is written as a const is (`SUMCHECK_CUDA_KERNEL`).
fn is_const_name(name: &str) -> bool {
    name.bytes().any(|b| b.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// An NVRTC call of a package: its file, line, builder index and the names its arguments
/// hold.
type NvrtcAt = (String, u32, usize, Vec<String>);

#[cfg(test)]
mod tests {
    use super::GatedModules;

    /// stwo-ml's `#[cfg(feature = "cuda-runtime")] pub mod gpu_sumcheck;` switches the module's
    /// file and what lies below it; a module inside a gated one keeps the innermost switch.
    #[test]
    fn a_module_declared_under_a_feature_switches_its_files() {
        let mut gated = GatedModules::default();
        gated.read(
            "engine/src/lib.rs",
            "#[cfg(feature = \"cuda-runtime\")]\npub mod gpu_sumcheck;\npub mod crypto;\n",
        );
        gated.read(
            "engine/src/crypto/mod.rs",
            "#[cfg(feature = \"gpu\")]\nmod gpu_poseidon;\n",
        );
        let switch = |rel: &str| gated.switch_of(rel);
        assert_eq!(
            switch("engine/src/gpu_sumcheck.rs"),
            Some("feature \"cuda-runtime\"")
        );
        assert_eq!(
            switch("engine/src/gpu_sumcheck/kernels.rs"),
            Some("feature \"cuda-runtime\"")
        );
        assert_eq!(
            switch("engine/src/crypto/gpu_poseidon.rs"),
            Some("feature \"gpu\"")
        );
        assert_eq!(switch("engine/src/crypto/mod.rs"), None);
        assert_eq!(switch("engine/src/gpu_sumcheck_cpu.rs"), None);
    }
}
