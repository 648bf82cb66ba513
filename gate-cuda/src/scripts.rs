//! What a build script compiles GPU code with, read from its tokens (never from raw text, so
//! comments and strings are never code): the builder calls ([`analyse`]), the functions across
//! the workspace's crates that make or configure a GPU build ([`helpers`]), and the places any
//! Rust file compiles CUDA at run time with NVRTC ([`nvrtc_uses`]), and where Rust code
//! names a GPU file, in code, test code or doc comments ([`mentions`]).
//!
//! A builder is recognised by what the code does, at its constructor:
//!
//! | Builder | Constructor | GPU when |
//! |---|---|---|
//! | [`Cc`](BuilderKind::Cc) | `cc::Build::new()` (`Build::new()` with `use cc::Build`; the old `gcc::Config`; cxx's `cxx_build::bridge(..)`) | `.cuda(x)`, `x` not `false`, on the chain or its variable; or no `.cuda(..)` and a `.compiler(..)` whose literals name nvcc (a file name ending in `nvcc`) |
//! | [`Hip`](BuilderKind::Hip) | `cc::Build::new()` | no `.cuda(..)`, and a `.compiler(..)` whose literals name `hipcc` |
//! | [`Cmake`](BuilderKind::Cmake) | `cmake::Config::new("dir")`, or `cmake::build("dir")` | a `.define` of a name containing `CUDA` (not `OFF`), or a `-D..CUDA..=` literal |
//! | [`BindgenCuda`](BuilderKind::BindgenCuda) | `bindgen_cuda::Builder::default()` | always |
//! | [`Cudaforge`](BuilderKind::Cudaforge) | any `cudaforge::T::new()` / `::default()` | always |
//! | [`CudaBuilder`](BuilderKind::CudaBuilder) | `CudaBuilder::new("crate/dir")` | always |
//! | [`CcWrapper`](BuilderKind::CcWrapper) | `CudaBuilder::new()`, or a `CudaBuilder` of a crate other than `cuda_builder` | always |
//! | [`GateBuild`](BuilderKind::GateBuild) | `gate_build::Kernels::new()` | always |
//! | [`Nvcc`](BuilderKind::Nvcc) | `Command::new(x)`, `x` a `"nvcc"` literal, `NVCC`, a variable (`const`, `static`) bound to either, or a call of a function of the script that names it; `ccache`/`sccache` whose first argument is one | always |
//! | [`Cmake`](BuilderKind::Cmake) | `Command::new("cmake")` configuring `-S dir` | a `-D..CUDA..=` literal, or the project's own files (a `--build` step is none) |
//! | [`Make`](BuilderKind::Make) | `Command::new("make")` in `-C dir` / `.current_dir(dir)` (a directory the script computes from no literal is none); a shell script (`./build.sh`), until the caller reads which build it starts | the Makefiles there run nvcc (the caller reads them) |
//! | [`RustNvptx`](BuilderKind::RustNvptx) | any other `Command::new(x)` (rustc, cargo) | its arguments name `nvptx64-nvidia-cuda` |
//! | [`RustNvptx`](BuilderKind::RustNvptx) | ptx-builder's `Builder::new("kernel/crate")` | always |
//! | a helper | a call of a function [`helpers`] found (`helpers::ccmd()`) | always |
//!
//! What a builder does is read from its *extent*: the statement of the constructor and, when
//! it is bound with `let`, every later statement of the same block that names the variable
//! (until it is bound again to something else than a chain on itself: `let cc = cc.cuda(true);`
//! goes on); a later statement that runs a build (`.build()`, `.compile(..)`)
//! under a guard the constructor is not under is a build of its own, switched by both
//! (`scripts/apart.rs`). Decisions:
//! - A build script that only reads `NVCC` is not raw nvcc: only a `Command::new` of it is.
//! - `-arch=native` and `CMAKE_CUDA_ARCHITECTURES=native` set [`Call::native_arch`];
//!   `all` / `all-major` do not (they depend on the toolkit, not on the build machine's GPU)
//!   and are kept in [`Call::archs`] as written.
//! - `-gencode arch=compute_80,code=[sm_80,compute_80]` yields its `code=` targets (`sm_80`,
//!   `compute_80`): those are what ship.
//! - gate-build has no default source directory (`Kernels::new()` without `dir`/`file` is an
//!   error), so a gate-build call with computed paths has no inputs, and attribution falls back
//!   to the package's directory like any other computed call.
//! - A function of the build script itself that makes a GPU build and is called from it is
//!   reported at its call, `via` its definition; its own constructor is not reported again.
//! - Strings that contain `{` (`format!` templates) are computed, never inputs or archs, unless
//!   each placeholder is a name bound to one literal: the string built is then read for archs.
//! - A computed file handed to nvcc or cc inside a function that walks a literal directory
//!   (`WalkDir::new("dir")`, `read_dir`, `glob("k/*.cu")`) compiles what the walk finds: the
//!   walk's root is its input (`scripts/walks.rs`); so is the root of a walk in a function
//!   of the script that returns what it finds, called there with the root written out. What
//!   a walk's filters leave out by name (`.filter_entry(|e| e.file_name() != "arch")`) is
//!   none of its input (`scripts/walk_filters.rs`).

mod apart;
mod archs;
mod cc_chain;
mod cfgs;
mod cmake_calls;
mod commands;
mod extent;
mod guards;
mod lexed;
mod mentions;
mod nvrtc;
mod params;
mod paths;
mod probes;
mod reached;
mod rust_kernels;
mod shell;
mod types;
mod walk_filters;
mod walks;

use extent::{extent, ranges_of};
use std::collections::HashSet;

use archs::read_archs;
use cmake_calls::cmake_options;
use commands::{command_is_nvcc, nvcc_args, tool_started};
use gate_formats::kernel_bom::BuilderKind;
use guards::Guards;
use lexed::Lexed;
pub use lexed::RustFile;
use lexed::contains_any;
use probes::outside_out_dir;
use std::cell::OnceCell;

pub use guards::{feature_around, only};
pub use mentions::{Mention, Reach, mentions};
pub use nvrtc::{
    Embedded, NvrtcUse, embedded_sources, gated_modules, nvrtc_use_sites, nvrtc_uses,
    nvrtc_uses_switched, test_modules,
};
pub use rust_kernels::rust_nvptx_runs;
pub use shell::shell_script_build;

/// One place a build script compiles GPU code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Which builder.
    pub kind: BuilderKind,
    /// 1-based line in the build script of the call (for `cc`, of its `.cuda(true)`; of the
    /// helper's use when it goes through a helper).
    pub line: u32,
    /// `"helper-crate/src/lib.rs:12"` when it goes through a helper function.
    pub via: Option<String>,
    /// String literals it compiles, as written, relative to the package directory: files,
    /// globs, or directories (cmake source dir, cuda_builder crate dir, gate-build `dir`).
    pub inputs: Vec<String>,
    /// Include directories, as written (`.include("dir")`, `-Idir`, `"-I", "dir"`).
    pub include_dirs: Vec<String>,
    /// What switches CUDA on: `GGML_CUDA=ON`, `feature "cuda"`, or both as
    /// `GGML_CUDA=ON if feature "cuda"`.
    pub switch: Option<String>,
    /// Requested archs as written (`sm_80`, `compute_90`, `80;90`, `all-major`).
    pub archs: Vec<String>,
    /// Whether it targets whatever GPU the build machine has (`-arch=native`).
    pub native_arch: bool,
    /// Whether some of what it compiles is computed (a variable, a `format!`, a `glob(..)`
    /// result without a literal pattern): then [`inputs`](Call::inputs) is not everything.
    pub computed_inputs: bool,
    /// What it leaves out of its inputs (cudaforge's `.exclude(["big_*.cu"])`): globs, of the
    /// file name alone when they hold no `/`, else of the path below the package.
    pub excludes: Vec<String>,
    /// A `cmake::Config` that sets no CUDA option: it builds CUDA exactly when its project
    /// (the first of [`inputs`](Call::inputs)) switches the language on, which the caller
    /// reads from the project's files ([`crate::cmake`]).
    pub cmake_project: bool,
    /// What the project it configures compiles only while configuring
    /// ([`crate::cmake::Probe`]): no input of the build, each a probe.
    pub probes: Vec<crate::cmake::Probe>,
    /// Whether [`inputs`](Call::inputs) were read from a table the script writes out (raw
    /// nvcc handed each entry's file): paths relative to the package only if every one is a
    /// file there, else the call is read as computed ([`crate::includes`]).
    pub tabled: bool,
    /// Whether it sets CMake's own `CMAKE_CUDA_*` (the CUDA compiler, its launcher, archs,
    /// flags): CUDA configured for a project that enables it, which switches none on. Where
    /// the project's files cannot be read (a submodule not checked out), read as CUDA.
    pub cuda_configured: bool,
    /// The shell script it runs (`./build-release.sh`), as written: the build it starts,
    /// which the caller reads ([`shell_script_build`]), is this call's.
    pub script: Option<String>,
    /// The GPU probe it is reached with (`scripts/reached.rs`): line and what.
    pub gpu_probe: Option<(u32, String)>,
}

impl Call {
    /// A call of `kind` at `line` that names nothing yet (no inputs, archs or switch).
    #[must_use]
    pub fn new(kind: BuilderKind, line: u32) -> Call {
        Call {
            kind,
            line,
            via: None,
            inputs: Vec::new(),
            include_dirs: Vec::new(),
            switch: None,
            archs: Vec::new(),
            native_arch: false,
            computed_inputs: false,
            excludes: Vec::new(),
            cmake_project: false,
            probes: Vec::new(),
            tabled: false,
            cuda_configured: false,
            script: None,
            gpu_probe: None,
        }
    }

    /// A CUDA source NVRTC compiles at run time, embedded at `line` (`include_str!`), as a
    /// call of the NVRTC builder: `input` relative to the package directory.
    #[must_use]
    pub fn embedded(line: u32, input: String) -> Call {
        Call {
            inputs: vec![input],
            ..Call::new(BuilderKind::Nvrtc, line)
        }
    }
}

/// What one build script does with GPU code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// Every place it compiles GPU code, in source order.
    pub calls: Vec<Call>,
    /// Build-time GPU probing (`nvidia-smi`, NVML, `cudaGetDeviceProperties`): line and what.
    pub gpu_probe: Option<(u32, String)>,
    /// PTX written outside `OUT_DIR`: line and the path as written.
    pub outside_out_dir: Option<(u32, String)>,
}

/// A function that returns or configures a GPU build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    /// Its name.
    pub name: String,
    /// Where it is defined: `file:line` of its `fn`.
    pub at: String,
    /// What it builds; [`Call::line`] is the line of its definition.
    pub call: Call,
    /// The positions of its parameters that it hands `cc` as files to compile
    /// (`fn compile_cuda(file: &str)` … `.file(file)`): each call of the helper compiles what
    /// it passes there, not whatever the package holds.
    pub input_params: Vec<usize>,
    /// The type whose method it is (`KernelBuild`), called through `self.` and started by
    /// that type's constructor in a build script (`scripts/types.rs`).
    pub owner: Option<String>,
    /// The enum variants its `match` sends to no GPU build while another arm builds one
    /// (risc0's `KernelType::Cpp`, `Metal`): a constructor given one of them builds no GPU code.
    pub other_variants: Vec<String>,
}

/// Functions, anywhere in the workspace's crates, that return or configure a GPU build: a fn
/// whose body makes a `cc::Build` with `.cuda(true)`, a `cmake::Config` with CUDA options, a
/// `bindgen_cuda::Builder`, a `cudaforge` builder, a `CudaBuilder`, a gate-build `Kernels`,
/// a `Command::new` of nvcc, or calls another such function — by name, with where they are
/// defined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Helpers {
    list: Vec<Helper>,
    /// The functions of those crates that answer whether nvcc is found (openvm's
    /// `cuda_available()`): a build behind one is switched by it.
    probes: Vec<String>,
}

impl Helpers {
    /// Every helper found, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Helper> {
        self.list.iter()
    }

    /// How many helpers were found.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether none was found.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The helpers code in `rel` can call: all but those defined in another build script (a
    /// build script's functions are its own; two crates' scripts often share a name like
    /// `build_kernels`).
    #[must_use]
    pub fn visible_from(&self, rel: &str) -> Helpers {
        let own = |at: &str| at.rsplit_once(':').is_some_and(|(file, _)| file == rel);
        Helpers {
            list: self
                .list
                .iter()
                .filter(|h| own(&h.at) || !is_build_script(&h.at))
                .cloned()
                .collect(),
            probes: self.probes.clone(),
        }
    }

    /// The helper called `name`; with a path qualifier (`helpers` in `helpers::ccmd()`), one
    /// whose file path contains it (as `helpers` or `helpers` with `-` for `_`) is preferred.
    #[must_use]
    pub fn get(&self, name: &str, qualifier: Option<&str>) -> Option<&Helper> {
        let mut named = self.list.iter().filter(|h| h.name == name);
        let first = named.clone().next()?;
        let Some(q) = qualifier else {
            return Some(first);
        };
        let dashed = q.replace('_', "-");
        Some(
            named
                .find(|h| h.at.contains(q) || h.at.contains(&dashed))
                .unwrap_or(first),
        )
    }
}

/// Whether `at` (`file:line`) lies in a build script (`build.rs` or `build/main.rs` beside a
/// manifest; a `src/build.rs` module is a library's).
fn is_build_script(at: &str) -> bool {
    let file = at.rsplit_once(':').map_or(at, |(file, _)| file);
    let in_src = file.starts_with("src/") || file.contains("/src/");
    (file == "build.rs" || file.ends_with("/build.rs") || file.ends_with("build/main.rs"))
        && !in_src
}

/// Words one of which a file must contain to define a helper; checked with `memmem` before
/// anything is lexed.
const HELPER_WORDS: &[&str] = &[
    "cuda",
    "cmake",
    "nvcc",
    "NVCC",
    "CudaBuilder",
    "gate_build",
    "nvptx",
    "ptx_builder",
];

/// Finds the [`Helpers`] among `files` (called on every tracked `.rs` file: files without any
/// of the builder words are skipped after a `memmem` pass). Helpers that only call other
/// helpers are found too (a few rounds, until nothing new appears). `main` is never a helper.
pub fn helpers(files: &[RustFile<'_>]) -> Helpers {
    let guards: Vec<OnceCell<Guards>> = files.iter().map(|_| OnceCell::new()).collect();
    let mut lexed: Vec<Option<Lexed<'_>>> = files
        .iter()
        .map(|f| contains_any(f.text, HELPER_WORDS).then(|| Lexed::new(f.text)))
        .collect();
    let mut found = Helpers {
        probes: files
            .iter()
            .filter(|f| !is_build_script(f.rel) && f.text.contains("nvcc"))
            .flat_map(|f| guards::nvcc_probes(&Lexed::new(f.text)))
            .collect(),
        ..Helpers::default()
    };
    let mut known: HashSet<(usize, usize)> = HashSet::new();
    for _round in 0..4 {
        let before = found.len();
        for (index, file) in files.iter().enumerate() {
            if lexed[index].is_none() {
                let names: Vec<&str> = found.iter().map(|h| h.name.as_str()).collect();
                if !names.is_empty() && contains_any(file.text, &names) {
                    lexed[index] = Some(Lexed::new(file.text));
                }
            }
            let Some(lx) = &lexed[index] else { continue };
            let visible = found.visible_from(file.rel);
            for def in lx.fns() {
                if def.name == "main" || known.contains(&(index, def.open)) {
                    continue;
                }
                let mut calls =
                    calls_in(lx, (def.open + 1, def.close), &visible, &[], &guards[index]);
                // A `cc::Build` it is handed and turns CUDA on in (llama_cpp-rs).
                let file_guards = guards[index].get_or_init(|| Guards::new(lx));
                calls.extend(
                    params::builder_params(lx, &def)
                        .iter()
                        .filter_map(|anchor| describe(lx, anchor, file_guards)),
                );
                // A bare `cmake::Config` is no GPU build until its project is read: no helper.
                // Builds in branches of one helper (llm's nvcc for Windows and for the rest)
                // are one call of it: their inputs and archs together.
                let mut builds = calls.into_iter().filter(|c| !c.cmake_project);
                if let Some(mut call) = builds.next().map(|first| builds.fold(first, merged)) {
                    call.line = def.line;
                    let input_params = params::input_params(lx, &def, &mut call);
                    let owner = types::impl_type(lx, &def).map(str::to_owned);
                    // Only a method's `match` can send its type's constructor elsewhere.
                    let other_variants = match owner {
                        Some(_) => types::other_variants(lx, &def, &|range| {
                            !calls_in(lx, range, &visible, &[], &guards[index]).is_empty()
                        }),
                        None => Vec::new(),
                    };
                    known.insert((index, def.open));
                    found.list.push(Helper {
                        name: def.name.to_owned(),
                        at: format!("{}:{}", file.rel, def.line),
                        call,
                        input_params,
                        owner,
                        other_variants,
                    });
                }
            }
        }
        if found.len() == before {
            break;
        }
    }
    found
}

/// What the build script `script` does with GPU code, following `helpers`.
pub fn analyse(script: &RustFile<'_>, helpers: &Helpers) -> Script {
    analyse_lexed(script, &Lexed::new(script.text), helpers)
}

/// [`analyse`] of a script already lexed (`lx` is `script.text`'s tokens).
fn analyse_lexed(script: &RustFile<'_>, lx: &Lexed<'_>, helpers: &Helpers) -> Script {
    let visible = helpers.visible_from(script.rel);
    let helpers = &visible;
    let fns = lx.fns();
    // The script's own helpers that it calls are reported at their calls, not inside.
    let prefix = format!("{}:", script.rel);
    let local: Vec<&str> = helpers
        .iter()
        .filter(|h| h.at.starts_with(&prefix))
        .map(|h| h.name.as_str())
        .collect();
    let used_local: HashSet<&str> = (0..lx.toks.len())
        .filter_map(|i| types::helper_use(lx, i, helpers).map(|(h, _)| h.name.as_str()))
        .filter(|name| local.contains(name))
        .collect();
    let skip: Vec<(usize, usize)> = fns
        .iter()
        .filter(|f| used_local.contains(f.name))
        .map(|f| (f.open, f.close))
        .collect();
    let mut calls = calls_in(lx, (0, lx.toks.len()), helpers, &skip, &OnceCell::new());
    let gpu_probe = reached::attach(lx, &fns, script.rel, &mut calls);
    Script {
        calls,
        gpu_probe,
        outside_out_dir: outside_out_dir(lx),
    }
}

/// What starts a builder: its kind, or a helper's call.
#[derive(Debug, Clone, Copy)]
enum Start<'h> {
    Builder(BuilderKind),
    Helper(&'h Helper),
}

/// A builder's start at token `i`: what it is, the first token of its path, and the index
/// of the `(` opening its arguments. A builder handed in as a parameter
/// ([`params::builder_params`]) has no constructor: its extent is the statements that name
/// the parameter (`param`, its token), from `path` on.
#[derive(Debug, Clone, Copy)]
struct Anchor<'h> {
    start: Start<'h>,
    path: usize,
    open: usize,
    param: Option<usize>,
}

/// A constructor (`T::new(` / `T::default(`) at `i` that starts a builder.
fn constructor_at<'h>(lx: &Lexed<'_>, i: usize) -> Option<Anchor<'h>> {
    // Functions that return a builder: the cmake crate's `build(dir)`, cxx's `bridge(..)`.
    let function = (cmake_calls::build_fn_at(lx, i).map(|open| (BuilderKind::Cmake, open)))
        .or_else(|| cc_chain::cxx_bridge_at(lx, i).map(|open| (BuilderKind::Cc, open)));
    if let Some((kind, open)) = function {
        let (start, path) = (Start::Builder(kind), lx.path_start(i));
        return Some(Anchor {
            start,
            path,
            open,
            param: None,
        });
    }
    let ty = lx.ident(i)?;
    if !lx.path_sep(i + 1)
        || !matches!(lx.ident(i + 3), Some("new" | "default"))
        || !lx.punct(i + 4, b'(')
    {
        return None;
    }
    let path = lx.path_start(i);
    let krate = if path < i {
        lx.ident(path)
    } else {
        lx.imports.get(ty).copied()
    };
    let kind = match (krate, ty) {
        // Rust-CUDA's `cuda_builder::CudaBuilder::new("crate/dir")` takes the crate to compile;
        // a `CudaBuilder` of another crate, or one made with no argument, is a wrapper of `cc`
        // (openvm's `openvm_cuda_builder::CudaBuilder::new().file(..)`).
        (Some(k), "CudaBuilder") if k != "cuda_builder" && k != "crate" => BuilderKind::CcWrapper,
        (_, "CudaBuilder") if lx.punct(i + 5, b')') => BuilderKind::CcWrapper,
        (_, "CudaBuilder") => BuilderKind::CudaBuilder,
        // The `gcc` crate, `cc` before its rename (`gcc::Config`, later `gcc::Build`).
        (Some("cc"), "Build") | (Some("gcc"), "Config" | "Build") => BuilderKind::Cc,
        (Some("cmake"), "Config") => BuilderKind::Cmake,
        (Some("bindgen_cuda"), "Builder") => BuilderKind::BindgenCuda,
        (Some("cudaforge"), _) => BuilderKind::Cudaforge,
        (Some("gate_build"), "Kernels") => BuilderKind::GateBuild,
        (_, "Command") if lx.is_ident(i + 3, "new") && command_is_nvcc(lx, i + 4) => {
            BuilderKind::Nvcc
        }
        // make or cmake started by hand: a build of what their files say (the caller reads them).
        (_, "Command") if lx.is_ident(i + 3, "new") && tool_started(lx, i + 4).is_some() => {
            tool_started(lx, i + 4)?
        }
        // Any other command builds GPU code only when it compiles Rust for nvptx64: its
        // extent names that target ([`describe_in`] drops it otherwise).
        (_, "Command") if lx.is_ident(i + 3, "new") => BuilderKind::RustNvptx,
        // cargo's own process builder (rust-cuda's `#[kernel]` runs cargo through it).
        (Some("cargo_util") | None, "ProcessBuilder") if lx.is_ident(i + 3, "new") => {
            BuilderKind::RustNvptx
        }
        (Some("ptx_builder"), "Builder") => BuilderKind::RustNvptx,
        (None, "Builder") if lx.imports.values().any(|&root| root == "ptx_builder") => {
            BuilderKind::RustNvptx
        }
        _ => return None,
    };
    Some(Anchor {
        start: Start::Builder(kind),
        path,
        open: i + 4,
        param: None,
    })
}

/// nvcc arguments that ask the toolkit something and compile nothing.
const NVCC_QUERIES: &[&str] = &[
    "--version",
    "-V",
    "--help",
    "-h",
    "--list-gpu-arch",
    "--list-gpu-code",
    "-arch-ls",
    "-code-ls",
];

/// nvcc's modes that archive or link objects rather than compile sources.
const NVCC_LINK_STEPS: &[&str] = &[
    "--lib",
    "-lib",
    "--link",
    "-link",
    "--device-link",
    "-dlink",
];

/// Every GPU build started in `range` (token indices), skipping the `skip` ranges.
fn calls_in(
    lx: &Lexed<'_>,
    range: (usize, usize),
    helpers: &Helpers,
    skip: &[(usize, usize)],
    guards: &OnceCell<Guards>,
) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut i = range.0;
    while i < range.1.min(lx.toks.len()) {
        if let Some(&(_, end)) = skip.iter().find(|&&(a, b)| a <= i && i <= b) {
            i = end + 1;
            continue;
        }
        // A builder type's constructor is looked for only where no known builder starts.
        let (anchor, typed) = match constructor_at(lx, i) {
            Some(anchor) => (Some(anchor), false),
            None => match types::type_builder_at(lx, i, helpers) {
                Some(anchor) => (Some(anchor), true),
                None => (helper_anchor(lx, i, helpers), false),
            },
        };
        if let Some(anchor) = anchor {
            let guards = guards.get_or_init(|| Guards::with_probes(lx, &helpers.probes));
            if typed {
                if let Some(call) = describe(lx, &anchor, guards) {
                    calls.extend(types::through_type(lx, &anchor, call));
                }
            } else {
                calls.extend(apart::described(lx, &anchor, guards));
            }
        }
        i += 1;
    }
    calls
}

/// The anchor of a helper's use at `i`, when one is.
fn helper_anchor<'h>(lx: &Lexed<'_>, i: usize, helpers: &'h Helpers) -> Option<Anchor<'h>> {
    types::helper_use(lx, i, helpers).map(|(h, open)| Anchor {
        start: Start::Helper(h),
        path: lx.path_start(i),
        open,
        param: None,
    })
}

/// One `.method(args)` in an extent: name, index of the name, arguments' token range.
#[derive(Debug, Clone, Copy)]
struct Method<'a> {
    name: &'a str,
    at: usize,
    args: (usize, usize),
}

fn methods<'a>(lx: &Lexed<'a>, ranges: &[(usize, usize)]) -> Vec<Method<'a>> {
    let mut out = Vec::new();
    for &(a, b) in ranges {
        for k in a..b {
            if lx.punct(k, b'.')
                && lx.punct(k + 2, b'(')
                && let Some(name) = lx.ident(k + 1)
            {
                out.push(Method {
                    name,
                    at: k + 1,
                    args: (k + 3, lx.matching(k + 2)),
                });
            }
        }
    }
    out
}

/// A literal that may be compiled: not a `format!` template, and not a bare extension (a
/// directory walk's `ends_with(".cu")`, bound with the files it keeps: llama_cpp-rs).
fn literal_input(s: &str) -> bool {
    let bare_extension = s
        .strip_prefix('.')
        .is_some_and(|ext| !ext.is_empty() && !ext.contains(['.', '/', '\\']));
    !s.contains('{') && !s.is_empty() && !bare_extension
}

/// The builder started at `anchor`, when it compiles GPU code.
fn describe(lx: &Lexed<'_>, anchor: &Anchor<'_>, guards: &Guards) -> Option<Call> {
    describe_in(lx, anchor, guards, &ranges_of(lx, anchor))
}

/// [`describe`] over the token `ranges` given.
fn describe_in(
    lx: &Lexed<'_>,
    anchor: &Anchor<'_>,
    guards: &Guards,
    ranges: &[(usize, usize)],
) -> Option<Call> {
    let ranges = ranges.to_vec();
    let methods = methods(lx, &ranges);
    let strs: Vec<(usize, &str)> = ranges.iter().flat_map(|&(a, b)| lx.strs(a, b)).collect();
    let (kind, helper) = match anchor.start {
        Start::Builder(kind) => (kind, None),
        Start::Helper(h) => (h.call.kind, Some(h)),
    };
    let mut call = Call {
        via: helper.map(|h| h.at.clone()),
        cmake_project: helper.is_some_and(|h| h.call.cmake_project),
        ..Call::new(kind, lx.toks[anchor.path].line)
    };
    let anchor_args = lx.strs(anchor.open + 1, lx.matching(anchor.open));
    // The token that switches CUDA on, when it is not the constructor itself.
    let mut enabling = None;
    let mut define_switch = None;
    match kind {
        BuilderKind::Cc => {
            let cuda = methods.iter().find(|m| {
                m.name == "cuda" && !(lx.is_ident(m.args.0, "false") && m.args.1 == m.args.0 + 1)
            });
            match (cuda, helper) {
                (Some(m), None) => {
                    call.line = lx.toks[m.at].line;
                    enabling = Some(m.at);
                }
                // nvcc handed to cc as its compiler compiles `.cu` as `.cuda(true)` would; the
                // HIP compiler compiles them for AMD GPUs: GPU builds too.
                (None, None) => {
                    let (at, hip) = cc_chain::gpu_compiler(lx, &methods)?;
                    if hip {
                        call.kind = BuilderKind::Hip;
                    }
                    call.line = lx.toks[at].line;
                    enabling = Some(at);
                }
                _ => {}
            }
            cc_chain::cc_methods(lx, &methods, &mut call);
        }
        BuilderKind::Cmake if commands::started(lx, anchor.path, anchor.open) => {
            (enabling, define_switch) = commands::cmake(lx, &methods, &strs, &mut call)?;
        }
        BuilderKind::Make => {
            commands::make(lx, anchor.open, &methods, &mut call, helper.is_none())?
        }
        BuilderKind::Cmake => {
            // A directory computed from the package's own (`current_dir()` joined with a
            // literal) is read as the literal would be.
            let computed = paths::evaluated(lx, anchor.open + 1, lx.matching(anchor.open));
            if let Some(dir) = computed {
                call.inputs.push(dir);
            } else if let Some(first) = anchor_args.first() {
                call.inputs.push(first.1.to_owned());
            } else if helper.is_none() {
                call.computed_inputs = true;
            }
            let (at, switch, off) = cmake_options(lx, &methods, &strs, &mut call);
            if at.is_none() && helper.is_none() {
                // No CUDA option: CUDA only if the project itself switches it on (and the
                // script does not switch a CUDA option off); with its directory computed, only
                // if the script configures CUDA for it.
                if (call.inputs.is_empty() && !call.cuda_configured) || off {
                    return None;
                }
                call.cmake_project = true;
            }
            enabling = at;
            define_switch = switch;
        }
        BuilderKind::Nvcc => {
            // `nvcc --version` (a toolkit probe) compiles nothing.
            let args: Vec<&str> = methods
                .iter()
                .filter(|m| matches!(m.name, "arg" | "args"))
                .flat_map(|m| lx.strs(m.args.0, m.args.1))
                .map(|(_, s)| s)
                .collect();
            if !args.is_empty() && args.iter().all(|a| NVCC_QUERIES.contains(a)) {
                return None;
            }
            // A helper that runs nvcc on what it is given, given only a query here
            // (mahout's `query_nvcc_list("--list-gpu-code")`), compiles nothing either.
            let given: Vec<&str> = anchor_args.iter().map(|&(_, s)| s).collect();
            if helper.is_some_and(|h| h.call.inputs.is_empty())
                && !given.is_empty()
                && given.iter().all(|a| NVCC_QUERIES.contains(a))
            {
                return None;
            }
            // `nvcc --lib -o libk.a k.o` (candle-extensions, aici) archives the objects an
            // earlier call compiled: with no `.cu` named, nor files handed to it in a loop of
            // a function that walks a directory (del-cudarc-sys), it compiles nothing.
            let links = args.iter().any(|a| NVCC_LINK_STEPS.contains(a));
            let walked = walks::walks_for(lx, anchor.path) && walks::fed_in_a_loop(lx, anchor.path);
            if links && !strs.iter().any(|(_, s)| s.ends_with(".cu")) && !walked {
                return None;
            }
            let named = commands::named_sources(lx, &methods);
            if nvcc_args(&strs, named, &mut call, helper) {
                return None;
            }
        }
        BuilderKind::BindgenCuda | BuilderKind::Cudaforge => {
            crate_builder_methods(lx, &methods, helper.is_none(), &mut call);
            archs::compute_caps(lx, &methods, kind == BuilderKind::Cudaforge, &mut call);
        }
        // A wrapper of `cc` compiles what its methods name and nothing by default.
        BuilderKind::CcWrapper => crate_builder_methods(lx, &methods, false, &mut call),
        BuilderKind::CudaBuilder => {
            match anchor_args.first() {
                Some(first) => call.inputs.push(first.1.to_owned()),
                None if helper.is_none() => call.computed_inputs = true,
                None => {}
            }
            // The PTX it writes where the build script says (`.copy_to("../resources/k.ptx")`)
            // is its product: a tracked copy of it is built by this call.
            for m in methods.iter().filter(|m| m.name == "copy_to") {
                let (dest, _) = input_literals(lx, m.args.0, m.args.1);
                call.inputs.extend(dest.into_iter().map(str::to_owned));
            }
            for &(a, b) in &ranges {
                for k in a..b {
                    if let Some(n) = lx.ident(k).and_then(|w| w.strip_prefix("Compute"))
                        && !n.is_empty()
                        && n.bytes().all(|b| b.is_ascii_digit())
                    {
                        call.archs.push(format!("compute_{n}"));
                    }
                }
            }
        }
        BuilderKind::GateBuild => gate_build_methods(lx, &methods, helper.is_none(), &mut call),
        BuilderKind::RustNvptx => {
            if helper.is_none()
                && !rust_kernels::rust_nvptx(lx, (anchor, &methods), &strs, &mut call)
            {
                return None;
            }
        }
        // Found as a `cc` chain (above); never an anchor of its own.
        BuilderKind::Nvrtc | BuilderKind::Hip => {}
    }
    walks::walked_inputs(lx, anchor.path, &mut call);
    let texts = archs::with_formats(lx, &strs);
    let mut flags: Vec<&str> = texts
        .iter()
        .filter(|&&(k, _)| !probes::probe_argument(lx, &ranges, k))
        .map(|(_, s)| s.as_str())
        .collect();
    flags.extend(archs::bound_flags(lx, &methods));
    let flags: Vec<&str> = flags.iter().flat_map(|f| archs::flag_words(f)).collect();
    read_archs(&flags, &mut call);
    // Every guard around the constructor, and those around what switches CUDA on besides.
    let mut features = guards.all_at(anchor.path);
    for f in enabling.map(|e| guards.all_at(e)).unwrap_or_default() {
        if !features.contains(&f) {
            features.push(f);
        }
    }
    let feature = (!features.is_empty()).then(|| features.join(" and "));
    call.switch = match (define_switch, feature) {
        (Some(d), Some(f)) => Some(format!("{d} if {f}")),
        (Some(d), None) => Some(d),
        (None, Some(f)) => Some(f),
        (None, None) => None,
    };
    if let Some(h) = helper {
        params::bind(lx, anchor.open, h, &mut call);
        merge_helper(&h.call, &mut call);
    }
    archs::default_probe(&mut call);
    dedupe(&mut call.inputs);
    dedupe(&mut call.include_dirs);
    dedupe(&mut call.archs);
    Some(call)
}

/// `first` with what `other`, a build in another branch of the same helper, adds.
fn merged(mut first: Call, other: Call) -> Call {
    first.inputs.extend(other.inputs);
    first.include_dirs.extend(other.include_dirs);
    first.archs.extend(other.archs);
    first.native_arch |= other.native_arch;
    first.computed_inputs |= other.computed_inputs;
    dedupe(&mut first.inputs);
    dedupe(&mut first.include_dirs);
    dedupe(&mut first.archs);
    first
}

/// Adds what the helper itself sets up to a call that goes through it.
fn merge_helper(helper: &Call, call: &mut Call) {
    let mut inputs = helper.inputs.clone();
    inputs.append(&mut call.inputs);
    call.inputs = inputs;
    call.include_dirs
        .extend(helper.include_dirs.iter().cloned());
    call.archs.extend(helper.archs.iter().cloned());
    call.native_arch |= helper.native_arch;
    call.computed_inputs |= helper.computed_inputs;
    call.switch = cfgs::call_and_helper(call.switch.take(), helper.switch.as_deref());
}

fn dedupe(list: &mut Vec<String>) {
    let mut seen = HashSet::new();
    list.retain(|s| seen.insert(s.clone()));
}

/// The literal paths among the arguments `open..close` of a method, with the `const`,
/// `static` or `let` literals of the names passed (`.files(&[KERNELS])`), and whether
/// anything else is passed (a computed path: a `format!`, a call, a name bound to no literal).
fn input_literals<'a>(lx: &Lexed<'a>, open: usize, close: usize) -> (Vec<&'a str>, bool) {
    let mut found = Vec::new();
    let mut computed = false;
    let keep = |s: &'a str, found: &mut Vec<&'a str>, computed: &mut bool| {
        if literal_input(s) {
            found.push(s);
        } else {
            *computed = true;
        }
    };
    for k in open..close.min(lx.toks.len()) {
        if let Some(s) = lx.str_value(k) {
            keep(s, &mut found, &mut computed);
            continue;
        }
        let Some(name) = lx.ident(k) else { continue };
        if !used_as_value(lx, k) || matches!(name, "true" | "false" | "mut") {
            continue;
        }
        let bound = literals_bound_to(lx, name);
        if bound.is_empty() {
            computed = true;
        }
        for (_, s) in bound {
            keep(s, &mut found, &mut computed);
        }
    }
    (found, computed)
}

/// Whether the name at token `k` is used as a value: not called (`f(`, `m!`), not a method
/// or field (`x.f`, `.f`), not a path segment (`a::b`).
fn used_as_value(lx: &Lexed<'_>, k: usize) -> bool {
    !(lx.punct(k + 1, b'(')
        || lx.punct(k + 1, b'!')
        || lx.punct(k + 1, b'.')
        || lx.path_sep(k + 1)
        || lx.punct(k.wrapping_sub(1), b'.')
        || (k >= 2 && lx.path_sep(k - 2)))
}

/// bindgen_cuda, cudaforge and a wrapper of `cc`: methods naming kernels, sources or files
/// give the inputs (default `src/**/*.cu` where `own`), methods naming includes the include
/// directories.
fn crate_builder_methods(lx: &Lexed<'_>, methods: &[Method<'_>], own: bool, call: &mut Call) {
    let mut any = false;
    for m in methods {
        let lits = lx.strs(m.args.0, m.args.1);
        if m.name.contains("exclude") {
            call.excludes
                .extend(lits.iter().map(|&(_, s)| s.to_owned()));
        } else if m.name.contains("include") && !m.name.contains("dep") && !m.name.contains("env") {
            // `.include_from_dep("DEP_X_INCLUDE")` names a variable, not a directory.
            call.include_dirs
                .extend(lits.iter().map(|&(_, s)| s.to_owned()));
        } else if ["kernel", "source", "file", "glob"]
            .iter()
            .any(|w| m.name.contains(w))
            && !m.name.contains("watch")
            && !m.name.contains("exclude")
        {
            // `.watch(..)` names what reruns the build script, `.exclude(..)` what it leaves
            // out: neither is compiled.
            any = true;
            let mut lits = lits;
            if lits.is_empty() {
                lits = bound_literals(lx, m.args.0, m.args.1);
            }
            let inputs: Vec<&str> = lits
                .iter()
                .map(|&(_, s)| s)
                .filter(|s| literal_input(s))
                .collect();
            if inputs.is_empty() {
                call.computed_inputs = true;
            }
            call.inputs.extend(inputs.into_iter().map(str::to_owned));
        }
    }
    if !any && own {
        call.inputs.push("src/**/*.cu".to_owned());
    }
}

/// The string literals of the `const`, `static` or `let` this file binds to the single name
/// passed in `open..close` (`.kernel_paths(KERNELS)` with `const KERNELS: [&str; 4] = [..]`).
fn bound_literals<'a>(lx: &Lexed<'a>, open: usize, close: usize) -> Vec<(usize, &'a str)> {
    let mut k = open;
    while lx.punct(k, b'&') {
        k += 1;
    }
    let Some(name) = lx.ident(k) else {
        return Vec::new();
    };
    if k + 1 != close {
        return Vec::new();
    }
    literals_bound_to(lx, name)
}

/// The string literals of the first `const`, `static` or `let` of this file that binds `name`.
fn literals_bound_to<'a>(lx: &Lexed<'a>, name: &str) -> Vec<(usize, &'a str)> {
    binding(lx, name)
        .map(|i| lx.strs(i, lx.stmt_end(i)))
        .unwrap_or_default()
}

/// The first `const`, `static` or `let` of this file that binds `name` (its keyword's token).
fn binding(lx: &Lexed<'_>, name: &str) -> Option<usize> {
    (0..lx.toks.len()).find(|&i| {
        matches!(lx.ident(i), Some("const" | "static" | "let"))
            && (lx.is_ident(i + 1, name) || (lx.is_ident(i + 1, "mut") && lx.is_ident(i + 2, name)))
    })
}

/// gate-build: `.dir`, `.file`, `.include`, `.archs`.
fn gate_build_methods(lx: &Lexed<'_>, methods: &[Method<'_>], own: bool, call: &mut Call) {
    for m in methods {
        let lits = lx.strs(m.args.0, m.args.1);
        match m.name {
            "dir" | "file" => match lits.as_slice() {
                [(_, s)] if literal_input(s) => call.inputs.push((*s).to_owned()),
                _ => call.computed_inputs = true,
            },
            "include" => call
                .include_dirs
                .extend(lits.iter().map(|&(_, s)| s.to_owned())),
            "archs" => call.archs.extend(
                lits.iter()
                    .map(|&(_, s)| s)
                    .filter(|s| literal_input(s))
                    .map(str::to_owned),
            ),
            _ => {}
        }
    }
    if call.inputs.is_empty() && own {
        call.computed_inputs = true;
    }
}

#[cfg(test)]
mod tests;
