//! The CMake projects build scripts configure: which of them compile CUDA (their own files
//! switch the language on, or use FindCUDA), with the archs they name, the sources their
//! targets name beside the project's directory, and the directories they add only under an
//! option that is off (`crate::cuda::cmake` reads the files).

use crate::cuda::scripts;
use crate::facts::Facts;
use gate_formats::kernel_bom::BuilderKind;
use std::path::Path;

/// Keeps the calls of a bare `cmake::Config` ([`scripts::Call::cmake_project`]) whose project
/// switches CUDA on, with the line that does and the archs it names; drops the others. Every
/// CMake call also compiles the CUDA sources its project's targets name beside the project's
/// directory (`add_library(zk ../src/c_wrapper.cu)`): they become inputs of the call. Where
/// its files name every source it may compile (no glob, no expansion left in a target's
/// sources), they are the only `.cu` files it compiles: the directory reaches no other. The
/// project's tracked `CMakeLists.txt` and `*.cmake` files are read (its top `CMakeLists.txt`
/// when it lies outside the repository). The directories the project adds only under an
/// option that is off, and that the build script (`script`) never names, are left out, and so
/// are the sources it compiles only while it is configured ([`scripts::Call::probes`]).
pub(super) fn confirm_cmake_projects(
    calls: &mut Vec<scripts::Call>,
    dir: &Path,
    facts: &Facts,
    (root, script): (&Path, &str),
) {
    calls.retain_mut(|call| {
        if let Some(run) = call.script.clone()
            && !from_script(call, &run, dir, facts)
        {
            return false;
        }
        if call.kind == BuilderKind::Make {
            return make_runs_nvcc(call, dir, facts);
        }
        if call.kind != BuilderKind::Cmake {
            return true;
        }
        confirm_cmake(call, dir, facts, (root, script))
    });
}

/// [`confirm_cmake_projects`] for one CMake call: `false` where it builds no CUDA.
fn confirm_cmake(
    call: &mut scripts::Call,
    dir: &Path,
    facts: &Facts,
    (root, script): (&Path, &str),
) -> bool {
    let Some(input) = call.inputs.first().cloned() else {
        return !call.cmake_project || call.cuda_configured;
    };
    let project = gate_support::path::normalize(&dir.join(&input));
    let mut files = cmake_files(&project, facts, root);
    // What a directory added only under an option that is off says is not built.
    let switched = |option: &str| script.contains(option);
    let off = crate::cuda::cmake::off_subdirectories(&files, &switched);
    files.retain(|(path, _)| !off.iter().any(|d| is_below(path, d)));
    let found = crate::cuda::cmake::cuda_project(&files);
    if call.cmake_project {
        let Some(found) = found else {
            // A project whose files are not here (a submodule not checked out) that the
            // script configures CUDA for (aici's llama.cpp) may well build it: kept, as a
            // CMake project whose CUDA sources the repository does not track.
            return files.is_empty() && call.cuda_configured;
        };
        if !switched_by_options(call, &found.options, script) {
            return false;
        }
        let enabled = format!("CUDA in {}", found.at);
        call.switch = Some(match call.switch.take() {
            Some(feature) => format!("{enabled} if {feature}"),
            None => enabled,
        });
        // The script's define and the project's own property often name one arch twice
        // (`archs 120 120`, Aidenatgt/NeuralNet): each is said once, in the order first named.
        for arch in found.archs {
            if !call.archs.contains(&arch) {
                call.archs.push(arch);
            }
        }
        call.native_arch |= found.native;
    } else if let Some(found) = found
        && call.archs.is_empty()
        && !call.native_arch
    {
        // The build script switches CUDA on (`.define("CUDA_BACKEND", "local")`) and names
        // no arch: the project's own are what it builds for (icicle's `native`).
        call.archs.extend(found.archs);
        call.native_arch |= found.native;
    }
    // Where the project names every source it may compile, those are the `.cu` files it
    // compiles: its directory reaches no other (its headers stay reached, to be found
    // included).
    let named_only = !crate::cuda::cmake::names_unknown_sources(&files);
    if named_only {
        call.excludes.push("*.cu".to_owned());
    }
    for named in crate::cuda::cmake::named_sources(&files) {
        let path = gate_support::path::normalize(&root.join(&named));
        if named_only || !path.starts_with(&project) {
            call.inputs.push(gate_support::path::shown(dir, &path));
        }
    }
    for include in crate::cuda::cmake::include_dirs(&files) {
        let path = gate_support::path::normalize(&root.join(&include));
        if !path.starts_with(&project) {
            call.include_dirs
                .push(gate_support::path::shown(dir, &path));
        }
    }
    for probe in crate::cuda::cmake::configure_probes(&files) {
        let source = root.join(&probe.source);
        call.excludes.push(gate_support::path::shown(dir, &source));
        call.probes.push(probe);
    }
    for off in off {
        let below = gate_support::path::shown(dir, &root.join(off));
        call.excludes.push(format!("{below}/**"));
    }
    true
}

/// Makes `call`, which runs the shell script `run`, the build the script starts
/// ([`scripts::shell_script_build`]), with its inputs relative to the package at `dir`. The
/// script is the tracked file where the call runs it (its `current_dir`, else the package's
/// directory), or else the one tracked file of its name (okx/zeknox runs
/// `./build-release-gl64.sh` after `set_current_dir` to a directory it computes), run from
/// where its path as written reaches it. `false` when no such script is tracked or it starts
/// no build.
fn from_script(call: &mut scripts::Call, run: &str, dir: &Path, facts: &Facts) -> bool {
    let runs_in = dir.join(call.inputs.first().map_or(".", String::as_str));
    let here = gate_support::path::normalize(&runs_in.join(run));
    let tracked = || facts.index.files.iter().map(|f| f.path.as_path());
    let named = || {
        let name = Path::new(run).file_name();
        let mut same = tracked().filter(|p| p.file_name() == name);
        let one = same.next()?;
        same.next().is_none().then_some(one)
    };
    // Outside the workspace root nothing is tracked here: the script where the call runs it.
    let beside = || (!here.starts_with(facts.root()) && here.is_file()).then_some(here.as_path());
    let Some(path) = tracked()
        .find(|p| *p == here)
        .or_else(named)
        .or_else(beside)
    else {
        return false;
    };
    let Ok(text) = gate_support::read::text_capped(path, CMAKE_FILE_CAP) else {
        return false;
    };
    call.inputs.clear();
    if !scripts::shell_script_build(&text, call) {
        return false;
    }
    // The script runs where `run` reaches it from: `sh scripts/ptx.sh` in the directory
    // above `scripts/`, `./build.sh` in the script's own.
    let written = Path::new(run).components();
    let cwd = if written
        .clone()
        .any(|c| c == std::path::Component::ParentDir)
    {
        path.parent()
    } else {
        let depth = written
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .count();
        path.ancestors().nth(depth)
    };
    let cwd = cwd.unwrap_or(Path::new(""));
    for input in call.inputs.iter_mut().chain(&mut call.include_dirs) {
        let path = gate_support::path::normalize(&cwd.join(&*input));
        *input = gate_support::path::shown(dir, &path);
    }
    true
}

/// Whether `make`, started by the build script in its call's directory (below the package's
/// `dir`), compiles with nvcc: one of the tracked Makefiles there (`Makefile`, `makefile`,
/// `GNUmakefile`, `*.mk`, below it too) names nvcc. The `.cu` files they name are the call's
/// inputs; where they name none, the directory is (its files reached as a CMake project's
/// are). A directory the script computes otherwise cannot be read: no builder.
fn make_runs_nvcc(call: &mut scripts::Call, dir: &Path, facts: &Facts) -> bool {
    let Some(input) = call.inputs.first().cloned() else {
        return false;
    };
    let make_dir = gate_support::path::normalize(&dir.join(&input));
    let makefiles: Vec<(&Path, String)> = facts
        .index
        .files
        .iter()
        .map(|f| f.path.as_path())
        .filter(|p| p.starts_with(&make_dir))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                matches!(n, "Makefile" | "makefile" | "GNUmakefile") || n.ends_with(".mk")
            })
        })
        .filter_map(|p| Some((p, gate_support::read::text_capped(p, CMAKE_FILE_CAP).ok()?)))
        .collect();
    let runs_nvcc = makefiles.iter().any(|(_, text)| {
        makefile_code(text)
            .flat_map(|line| line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
            .any(|word| word.eq_ignore_ascii_case("nvcc"))
    });
    if !runs_nvcc {
        return false;
    }
    let named: Vec<String> = makefiles
        .iter()
        .flat_map(|(path, text)| {
            let here = path.parent().unwrap_or(Path::new(""));
            makefile_code(text)
                .flat_map(|line| {
                    line.split(|c: char| c.is_whitespace() || matches!(c, ':' | '=' | '\\'))
                })
                .map(|w| w.trim_matches(['\'', '"']))
                .filter(|w| w.ends_with(".cu") && w.len() > ".cu".len() && !w.ends_with("/.cu"))
                .filter(|w| !w.contains(['$', '%', '*']))
                .map(|w| gate_support::path::shown(dir, &here.join(w)))
                .collect::<Vec<_>>()
        })
        .collect();
    if !named.is_empty() {
        call.inputs = named;
    }
    true
}

/// The parts of a Makefile's lines that can name what it compiles: its comments left out, and
/// of a recipe line the commands that only print (`@echo the .cu files`, `printf`; the words
/// said are no files: rust-cpp-link's `cpp/.cu`).
fn makefile_code(text: &str) -> impl Iterator<Item = &str> {
    text.lines().flat_map(|line| {
        let code = line.split('#').next().unwrap_or("");
        let commands: Vec<&str> = if line.starts_with('\t') {
            code.split([';', '&', '|'])
                .filter(|command| {
                    let word = command.trim_start().trim_start_matches(['@', '-', '+']);
                    let word = word.split_whitespace().next().unwrap_or("");
                    !matches!(word, "echo" | "printf" | "$(info" | "$(warning")
                })
                .collect()
        } else {
            vec![code]
        };
        commands
    })
}

/// Adds to `call`'s switch the project's own options that CUDA lies under, as the build
/// script `script` sets them (a feature, or `OPTION on` where it computes the value);
/// `false` where one is off (set `OFF`, or unset and off by default): no CUDA is built.
fn switched_by_options(call: &mut scripts::Call, options: &[(String, bool)], script: &str) -> bool {
    let mut conditions: Vec<String> = call.switch.take().into_iter().collect();
    for (option, on_by_default) in options {
        match option_value(script, option) {
            Some(OptionValue::Off) => return false,
            None if !on_by_default => return false,
            Some(OptionValue::Feature(feature)) => {
                conditions.push(format!("feature \"{feature}\""));
            }
            Some(OptionValue::Computed) => conditions.push(format!("{option} on")),
            Some(OptionValue::Guarded(guards)) if !conditions.contains(&guards) => {
                conditions.push(guards);
            }
            Some(OptionValue::On | OptionValue::Guarded(_)) | None => {}
        }
    }
    if !conditions.is_empty() {
        call.switch = Some(conditions.join(" and "));
    }
    true
}

/// How a build script sets a CMake option (`.define("FAISS_ENABLE_GPU", …)`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum OptionValue {
    On,
    Off,
    /// On with a feature: `if cfg!(feature = "gpu") { "ON" } else { "OFF" }`.
    Feature(String),
    /// A value computed otherwise (an environment variable, a function).
    Computed,
    /// On, where the code that sets it runs under these guards (`feature "cuda"`).
    Guarded(String),
}

/// How the build script `script` sets the CMake option `name`: `.define("NAME", value)`, read
/// from the value that follows up to the end of the call, or `-DNAME=VALUE` (`-DNAME:BOOL=ON`)
/// handed to `configure_arg`; `None` where it names the option nowhere. An `ON` set inside an
/// `if` on a feature is that feature's (aici's `if cuda == "1" { cmake.configure_arg(
/// "-DLLAMA_CUBLAS=ON") }`, `cuda` bound to `CARGO_FEATURE_CUDA`).
fn option_value(script: &str, name: &str) -> Option<OptionValue> {
    let value = match defined_at(script, name) {
        Some((at, literal)) => {
            let on =
                |v: &str| matches!(v.to_ascii_uppercase().as_str(), "ON" | "TRUE" | "1" | "YES");
            return Some(
                match (
                    on(literal),
                    crate::cuda::scripts::feature_around(script, at),
                ) {
                    (true, Some(guards)) => OptionValue::Guarded(guards),
                    (true, None) => OptionValue::On,
                    (false, _) => OptionValue::Off,
                },
            );
        }
        None => defined_by_call(script, name)?,
    };
    let (at, value) = value;
    let literals: Vec<&str> = value.split('"').skip(1).step_by(2).collect();
    let on = |v: &str| matches!(v.to_ascii_uppercase().as_str(), "ON" | "TRUE" | "1" | "YES");
    let feature = value.split_once("cfg!(feature").and_then(|(_, rest)| {
        let rest = rest
            .trim_start()
            .strip_prefix('=')?
            .trim_start()
            .strip_prefix('"')?;
        Some(rest.split_once('"')?.0.to_owned())
    });
    Some(match (feature, literals.as_slice()) {
        // The feature's own name is the first literal after `cfg!(feature = `.
        (Some(f), [_, first, ..]) if on(first) => OptionValue::Feature(f),
        (Some(_), _) => OptionValue::Computed,
        (None, [only]) if on(only) => match crate::cuda::scripts::feature_around(script, at) {
            Some(guards) => OptionValue::Guarded(guards),
            None => OptionValue::On,
        },
        (None, [_]) => OptionValue::Off,
        (None, _) => OptionValue::Computed,
    })
}

/// Where `-DNAME=VALUE` (or `-DNAME:TYPE=VALUE`) is written in `script`, and its value.
fn defined_at<'s>(script: &'s str, name: &str) -> Option<(usize, &'s str)> {
    let flag = format!("\"-D{name}");
    let mut from = 0;
    while let Some(found) = script[from..].find(&flag) {
        let at = from + found;
        let rest = &script[at + flag.len()..];
        let rest = match rest.strip_prefix(':') {
            Some(typed) => &typed[typed.find('=').unwrap_or(typed.len())..],
            None => rest,
        };
        if let Some(value) = rest.strip_prefix('=')
            && let Some(end) = value.find('"')
        {
            return Some((at, &value[..end]));
        }
        from = at + flag.len();
    }
    None
}

/// The value `.define("NAME", …)` gives, as text up to the end of the call, and where.
fn defined_by_call<'s>(script: &'s str, name: &str) -> Option<(usize, &'s str)> {
    let quoted = format!("\"{name}\"");
    let at = script.find(&quoted)? + quoted.len();
    let mut depth = 1usize;
    let end = script[at..]
        .char_indices()
        .find(|&(_, c)| {
            match c {
                '(' | '{' | '[' => depth += 1,
                ')' | '}' | ']' => depth -= 1,
                _ => {}
            }
            depth == 0
        })
        .map_or(script.len(), |(i, _)| at + i);
    Some((at, &script[at..end]))
}

/// Whether the `/`-separated `path` lies below the directory `dir`.
fn is_below(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// The CMake files of the project in `project` (`(workspace-relative path, text)`): its
/// tracked `CMakeLists.txt` and `*.cmake` files, or its top `CMakeLists.txt` when none is
/// tracked.
fn cmake_files(project: &Path, facts: &Facts, root: &Path) -> Vec<(String, String)> {
    let mut paths: Vec<&Path> = facts
        .index
        .files
        .iter()
        .map(|f| f.path.as_path())
        .filter(|p| p.starts_with(project))
        .filter(|p| {
            p.file_name().is_some_and(|n| n == "CMakeLists.txt")
                || p.extension().is_some_and(|e| e == "cmake")
        })
        .collect();
    let top = project.join("CMakeLists.txt");
    if paths.is_empty() {
        paths.push(&top);
    }
    paths
        .iter()
        .filter_map(|p| {
            let text = gate_support::read::text_capped(p, CMAKE_FILE_CAP).ok()?;
            // Beside the root (zeknox's `native/` above `wrappers/rust`), with its `..`: the
            // sources named from it join to the same paths as the workspace's own.
            Some((gate_support::path::shown(root, p), text))
        })
        .collect()
}

/// Whether the CMake project a dependency's build script configures (`call`'s first input,
/// below the dependency's directory `dir`, read from disk: a registry crate has no tracked
/// files) switches CUDA on itself.
pub(super) fn project_enables_cuda(call: &scripts::Call, dir: &Path) -> bool {
    let Some(input) = call.inputs.first() else {
        return true;
    };
    let project = gate_support::path::normalize(&dir.join(input));
    let files: Vec<(String, String)> = super::helpers::files_below(
        &project,
        |name| !name.starts_with('.'),
        |name| name == "CMakeLists.txt" || name.ends_with(".cmake"),
    )
    .iter()
    .filter_map(|p| {
        let text = gate_support::read::text_capped(p, CMAKE_FILE_CAP).ok()?;
        Some((gate_support::path::relative(dir, p), text))
    })
    .collect();
    crate::cuda::cmake::cuda_project(&files).is_some()
}

/// The most of one CMake file read (a generated one can be large; none that matters is).
const CMAKE_FILE_CAP: u64 = 1 << 20;

/// Where `call`'s project probes the build machine while it is configured: the first of its
/// probes that runs what it compiled.
pub(super) fn configure_probe(call: &scripts::Call) -> Option<String> {
    call.probes.iter().find(|p| p.runs).map(|p| {
        let name = p.source.rsplit('/').next().unwrap_or(&p.source);
        format!("{} (compiles and runs {name} while configuring)", p.at)
    })
}

/// The builders (indices into the BOM's builders) whose projects compile `rel` only while
/// they are configured, and where the first does: `calls` as `attribute` reads them
/// (package, its calls, each call's builder). `None`: no project's probe.
pub(super) fn probe_of(
    rel: &str,
    calls: &[(usize, Vec<scripts::Call>, Vec<usize>)],
) -> Option<(Vec<usize>, String)> {
    let probing: Vec<(usize, &str)> = calls
        .iter()
        .flat_map(|(_, calls, builders)| calls.iter().zip(builders))
        .filter_map(|(call, &builder)| {
            let probe = call.probes.iter().find(|p| p.source == rel)?;
            Some((builder, probe.at.as_str()))
        })
        .collect();
    let at = probing.first()?.1.to_owned();
    Some((probing.into_iter().map(|(b, _)| b).collect(), at))
}
