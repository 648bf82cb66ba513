//! Whether a CMake project compiles CUDA, read from its own files: a build script's
//! `cmake::Config::new("dir")` that sets no CUDA option of its own still builds CUDA when
//! `dir`'s CMake files switch the language on (`project(x LANGUAGES CXX CUDA)`,
//! `enable_language(CUDA)`) or compile with the legacy FindCUDA module (`cuda_add_library`,
//! `cuda_add_executable`, `cuda_compile*`). The archs come from the same files:
//! `CMAKE_CUDA_ARCHITECTURES` (set or defaulted), `CUDA_ARCHITECTURES` target properties,
//! `native` among them, and nvcc's flags in FindCUDA's `OPTIONS` and `CUDA_NVCC_FLAGS`. The
//! sources its targets name by path ([`named_sources`]) may lie beside the project's
//! directory (`add_library(zk ../src/c_wrapper.cu)`).
//!
//! A pure function over the files it is handed (the caller picks the project's tracked
//! `CMakeLists.txt` and `*.cmake` files). CMake is read as tokens: `#` comments (line and
//! bracket) are dropped, command names are case-insensitive, arguments are split on
//! whitespace and `;`, quotes removed.

mod vars;

use vars::Vars;

/// What a CMake project says about CUDA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// Where CUDA is switched on: `dir/CMakeLists.txt:3`.
    pub at: String,
    /// The archs it names (`80`, `86-real`, `90a`, `all-major`), as written.
    pub archs: Vec<String>,
    /// Whether it builds for the build machine's GPU (`native`).
    pub native: bool,
    /// The options of the project's own (`option(FAISS_ENABLE_GPU "…" ON)`) that every place
    /// switching CUDA on lies under (`if(FAISS_ENABLE_GPU) enable_language(CUDA) endif()`),
    /// each with whether it is on by default: CUDA is compiled only with all of them on.
    pub options: Vec<(String, bool)>,
}

/// The CUDA project among `files` (`(path, text)`, the path as it is to be shown), or `None`
/// when none of them switches CUDA on.
pub fn cuda_project(files: &[(String, String)]) -> Option<Project> {
    let mut project: Option<Project> = None;
    let mut archs = Vec::new();
    let mut native = false;
    // The single names every switching place lies under (`if(NAME)`), so far.
    let mut guards: Option<Vec<String>> = None;
    let mut declared: Vec<(String, bool)> = Vec::new();
    for (path, text) in files {
        let mut branches: Vec<Option<String>> = Vec::new();
        for command in commands(text) {
            let name = command.name.to_ascii_lowercase();
            match name.as_str() {
                "if" => branches.push(match &command.args[..] {
                    [single] => Some(
                        single
                            .trim_start_matches("${")
                            .trim_end_matches('}')
                            .to_owned(),
                    ),
                    _ => None,
                }),
                "elseif" | "else" => {
                    if let Some(top) = branches.last_mut() {
                        *top = None;
                    }
                }
                "endif" => {
                    branches.pop();
                }
                "option" => declared.extend(command.args.first().map(|o| {
                    (
                        o.clone(),
                        command.args.len() > 2 && is_on(&command.args[command.args.len() - 1]),
                    )
                })),
                _ => {}
            }
            let enables = match name.as_str() {
                "project" | "enable_language" => command.args.iter().any(|a| a == "CUDA"),
                // CMake's legacy FindCUDA module: `find_package(CUDA)` finds nvcc, these
                // compile with it (grin-miner's plugins).
                legacy if is_find_cuda_compile(legacy) => true,
                _ => false,
            };
            if enables {
                let here: Vec<String> = branches.iter().flatten().cloned().collect();
                guards = Some(match guards.take() {
                    None => here,
                    Some(before) => before.into_iter().filter(|g| here.contains(g)).collect(),
                });
            }
            if enables && project.is_none() {
                project = Some(Project {
                    at: format!("{path}:{}", command.line),
                    ..Project::default()
                });
            }
            arch_values(&command, &mut archs, &mut native);
            if is_find_cuda_compile(&name) || command.args.iter().any(|a| a == "CUDA_NVCC_FLAGS") {
                nvcc_arch_flags(&command.args, &mut archs, &mut native);
            }
        }
    }
    let mut project = project?;
    archs.sort();
    archs.dedup();
    project.archs = archs;
    project.native = native;
    project.options = guards
        .unwrap_or_default()
        .into_iter()
        .filter_map(|g| declared.iter().find(|(o, _)| *o == g).cloned())
        .collect();
    Some(project)
}

/// The CUDA sources the project's targets name by path (`add_library(zk STATIC src/core.cu
/// ../src/wrap.cu)`, `add_executable`, `target_sources`, FindCUDA's `cuda_add_library`), each
/// joined to the directory of the file that names it: `/`-separated, `..` resolved, sorted.
/// A name built from a variable (`${SRC}/k.cu`) or a generator expression is no path here,
/// nor one that climbs above the files' root.
pub fn named_sources(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    // `set(C_WRAPPER_SOURCES ../src/c_wrapper.cu)`, then `${C_WRAPPER_SOURCES}` (tfhe-rs).
    each_command(files, |at, vars, name, command| {
        let names_sources = matches!(name, "add_library" | "add_executable" | "target_sources")
            || is_find_cuda_compile(name);
        if names_sources {
            out.extend(cuda_paths(at.dir, vars, &command.args));
        }
    });
    out.sort();
    out.dedup();
    out
}

/// Whether the project may compile sources its files do not name by path, so that its
/// directory may hold what it compiles: a target source that stays an expansion (`${SRCS}`
/// that no `set` of the same file gives, a generator expression), a `file(GLOB …)`, an
/// `aux_source_directory`. Where none is, [`named_sources`] are the only `.cu` files it
/// compiles (text-generation-inference's `cmake/utils/detect_cuda_arch.cu`, under its project
/// but named by none of its files, is not built).
pub fn names_unknown_sources(files: &[(String, String)]) -> bool {
    let mut unknown = false;
    each_command(files, |_, vars, name, command| match name {
        "file" => {
            unknown |= command.args.first().is_some_and(|a| a.starts_with("GLOB"));
        }
        "aux_source_directory" => unknown = true,
        _ if matches!(name, "add_library" | "add_executable" | "target_sources")
            || is_find_cuda_compile(name) =>
        {
            unknown |= command
                .args
                .iter()
                .flat_map(|a| vars.expand(a))
                .any(|a| a.contains('$'));
        }
        _ => {}
    });
    unknown
}

/// The include directories the project's files name (`include_directories(..)`,
/// `target_include_directories(t PUBLIC ..)`), variables the same file sets expanded, each
/// joined to the directory of the file that names it, as [`named_sources`] writes paths: a
/// header included from another project's directory (tfhe-rs' `helper_profile.cuh`, reached
/// through `${TFHE_CUDA_COMMON_INCLUDE_DIR}`) is then found by the sources that include it.
pub fn include_dirs(files: &[(String, String)]) -> Vec<String> {
    const KEYWORDS: &[&str] = &[
        "SYSTEM",
        "BEFORE",
        "AFTER",
        "PUBLIC",
        "PRIVATE",
        "INTERFACE",
    ];
    let mut out = Vec::new();
    each_command(files, |at, vars, name, command| {
        let args = match name {
            "include_directories" => &command.args[..],
            "target_include_directories" => command.args.get(1..).unwrap_or_default(),
            _ => return,
        };
        let dirs = args
            .iter()
            .filter(|a| !KEYWORDS.contains(&a.as_str()))
            .flat_map(|a| vars.expand(a))
            .filter(|a| !a.contains('$'))
            .filter_map(|a| joined(at.dir, &a));
        out.extend(dirs);
    });
    out.sort();
    out.dedup();
    out
}

/// A CUDA source a project compiles while it is configured, never into what it builds: a
/// probe of the build machine (tfhe-rs compiles `check_cuda.cu` with
/// `execute_process(COMMAND ${CMAKE_CUDA_COMPILER} … -o ${OUT})`, runs `${OUT}` and takes the
/// archs from what it prints), `try_run` or `try_compile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The command that compiles it: `dir/CMakeLists.txt:27`.
    pub at: String,
    /// The source, as [`named_sources`] writes paths.
    pub source: String,
    /// Whether the project runs what it compiled (`try_run`, or an `execute_process` of the
    /// compile's `-o`): it asks the build machine, GPU included.
    pub runs: bool,
}

/// The CUDA sources the project compiles while it is configured ([`Probe`]), in file order.
pub fn configure_probes(files: &[(String, String)]) -> Vec<Probe> {
    let mut out: Vec<Probe> = Vec::new();
    // What each probe's compile writes (`-o ${OUT}`), expanded, with its file and the probe.
    let mut outputs: Vec<(&str, String, usize)> = Vec::new();
    each_command(files, |at, vars, name, command| {
        if !matches!(name, "execute_process" | "try_run" | "try_compile") {
            return;
        }
        let expanded: Vec<String> = command.args.iter().flat_map(|a| vars.expand(a)).collect();
        if name == "execute_process"
            && let Some(program) = expanded.iter().skip_while(|a| *a != "COMMAND").nth(1)
            && let Some(&(_, _, probe)) =
                (outputs.iter()).find(|(file, o, _)| *file == at.path && o == program)
        {
            out[probe].runs = true;
        }
        for source in cuda_paths(at.dir, vars, &command.args) {
            if let Some(o) = expanded.iter().skip_while(|a| *a != "-o").nth(1) {
                outputs.push((at.path, o.clone(), out.len()));
            }
            out.push(Probe {
                at: format!("{}:{}", at.path, command.line),
                source,
                runs: name == "try_run",
            });
        }
    });
    out
}

/// Where a command is written: its file's path and directory.
#[derive(Clone, Copy)]
struct At<'a> {
    path: &'a str,
    dir: &'a str,
}

/// Hands each command of `files` that sets no variable to `each`, with where it is written,
/// the variables its file set before it (`set(..)` read on the way) and its name lower-cased.
fn each_command<'f>(
    files: &'f [(String, String)],
    mut each: impl FnMut(At<'f>, &Vars, &str, &Command),
) {
    for (path, text) in files {
        let at = At {
            path,
            dir: path.rsplit_once('/').map_or("", |(dir, _)| dir),
        };
        let mut vars = Vars::of(path);
        for command in commands(text) {
            let name = command.name.to_ascii_lowercase();
            if !vars.read(&name, &command.args) {
                each(at, &vars, &name, &command);
            }
        }
    }
}

/// The CUDA source paths among `args`, variables expanded, joined to `dir`: a name that
/// still holds a variable or a generator expression is no path.
fn cuda_paths(dir: &str, vars: &Vars, args: &[String]) -> Vec<String> {
    args.iter()
        .flat_map(|a| vars.expand(a))
        .filter(|a| a.ends_with(".cu") && !a.contains('$'))
        .filter_map(|a| joined(dir, &a))
        .collect()
}

/// The directories a project adds only under an option that is off by default
/// (`option(TESTS "…" OFF)`, then `if(TESTS) add_subdirectory(tests) endif()`: tfhe-rs' tests
/// and benchmarks), joined to the directory of the file that adds them, `..` resolved. An
/// option `switched(name)` says the build script may switch on is not off; an `else` or
/// `elseif` branch is taken to be on.
pub fn off_subdirectories(
    files: &[(String, String)],
    switched: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let parsed: Vec<(&str, Vec<Command>)> = files
        .iter()
        .map(|(path, text)| {
            (
                path.rsplit_once('/').map_or("", |(dir, _)| dir),
                commands(text),
            )
        })
        .collect();
    let off: std::collections::HashSet<&str> = parsed
        .iter()
        .flat_map(|(_, commands)| commands)
        .filter(|c| c.name.eq_ignore_ascii_case("option"))
        // `option(NAME "doc" [ON])`: the doc is split into words here, so the value is the
        // last argument after the doc, when it is one; without one, the option is off.
        .filter(|c| c.args.len() <= 2 || !is_on(&c.args[c.args.len() - 1]))
        .filter_map(|c| c.args.first().map(String::as_str))
        .filter(|name| !switched(name))
        .collect();
    let mut out = Vec::new();
    for (dir, commands) in &parsed {
        let mut branches: Vec<bool> = Vec::new();
        for command in commands {
            match command.name.to_ascii_lowercase().as_str() {
                "if" => branches
                    .push(matches!(&command.args[..], [name] if off.contains(name.as_str()))),
                "elseif" | "else" => {
                    if let Some(top) = branches.last_mut() {
                        *top = false;
                    }
                }
                "endif" => {
                    branches.pop();
                }
                "add_subdirectory" if branches.contains(&true) => {
                    out.extend(command.args.first().and_then(|d| joined(dir, d)));
                }
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether a CMake value is true (`ON`, `TRUE`, `1`, `YES`, `Y`).
fn is_on(value: &str) -> bool {
    matches!(
        value.to_ascii_uppercase().as_str(),
        "ON" | "TRUE" | "1" | "YES" | "Y"
    )
}

/// `rel` joined to `dir`, `..` resolved; `None` when absolute or above the root.
fn joined(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.get(1..2) == Some(":") {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// The archs a command sets: `set(CMAKE_CUDA_ARCHITECTURES 80 86)`,
/// `set_target_properties(t PROPERTIES CUDA_ARCHITECTURES "80;90")`, `-DCMAKE_CUDA_…=`.
fn arch_values(command: &Command, archs: &mut Vec<String>, native: &mut bool) {
    let Some(at) = command
        .args
        .iter()
        .position(|a| a == "CMAKE_CUDA_ARCHITECTURES" || a == "CUDA_ARCHITECTURES")
    else {
        return;
    };
    for value in &command.args[at + 1..] {
        if value == "native" {
            *native = true;
        } else if is_arch(value) {
            archs.push(value.clone());
        } else {
            // The first word that is no arch ends the list (`CACHE STRING "…"`, `PARENT_SCOPE`).
            break;
        }
    }
}

/// Whether a command (lower-cased) is one of FindCUDA's that compile `.cu` files with nvcc:
/// `cuda_add_library`, `cuda_add_executable`, `cuda_compile`, `cuda_compile_ptx`, ….
fn is_find_cuda_compile(name: &str) -> bool {
    matches!(name, "cuda_add_library" | "cuda_add_executable") || name.starts_with("cuda_compile")
}

/// The archs of nvcc flags among a FindCUDA command's arguments (`OPTIONS -arch=sm_61`) or
/// `CUDA_NVCC_FLAGS` (`-gencode arch=compute_70,code=sm_70`, `-arch sm_80`).
fn nvcc_arch_flags(args: &[String], archs: &mut Vec<String>, native: &mut bool) {
    let mut values = Vec::new();
    let mut next_is_value = false;
    for arg in args {
        if next_is_value {
            values.push(arg.as_str());
            next_is_value = false;
            continue;
        }
        let flag = ["-arch", "--gpu-architecture", "-gencode", "--generate-code"]
            .iter()
            .find(|f| arg.starts_with(*f));
        match flag.map(|f| &arg[f.len()..]) {
            Some("") => next_is_value = true,
            Some(value) if value.starts_with('=') => values.push(&value[1..]),
            _ if arg.starts_with("arch=") => values.push(arg),
            _ => {}
        }
    }
    for value in values {
        let targets = match value.find("code=") {
            Some(at) => &value[at + 5..],
            None => value,
        };
        for target in targets.split(',').map(|t| t.trim_matches(['[', ']', '"'])) {
            if target == "native" {
                *native = true;
            } else if is_nvcc_arch(target) {
                archs.push(target.to_owned());
            }
        }
    }
}

/// `sm_61`, `compute_90a`, `sm_100f`.
fn is_nvcc_arch(name: &str) -> bool {
    let Some((prefix, n)) = name.split_once('_') else {
        return false;
    };
    let n = n.trim_end_matches(['a', 'f']);
    matches!(prefix, "sm" | "compute") && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `value` is a CMake CUDA arch: `80`, `86-real`, `90a-virtual`, `all`, `all-major`.
fn is_arch(value: &str) -> bool {
    if matches!(value, "all" | "all-major") {
        return true;
    }
    let base = value
        .strip_suffix("-real")
        .or_else(|| value.strip_suffix("-virtual"))
        .unwrap_or(value);
    let digits = base.trim_end_matches(|c: char| c.is_ascii_lowercase());
    !digits.is_empty() && digits.len() <= 3 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// One CMake command: its name, its arguments, the line of its name.
#[derive(Debug)]
struct Command {
    name: String,
    args: Vec<String>,
    line: usize,
}

/// The commands of a CMake file.
fn commands(text: &str) -> Vec<Command> {
    let text = strip_comments(text);
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let (mut line, mut counted) = (1, 0);
    let mut i = 0;
    while i < bytes.len() {
        if !(bytes[i].is_ascii_alphabetic() || bytes[i] == b'_') {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        let name = &text[start..i];
        let mut k = i;
        while k < bytes.len() && (bytes[k] == b' ' || bytes[k] == b'\t') {
            k += 1;
        }
        if bytes.get(k) != Some(&b'(') {
            continue;
        }
        let Some(close) = closing(bytes, k) else {
            break;
        };
        line += memchr::memchr_iter(b'\n', &bytes[counted..start]).count();
        counted = start;
        out.push(Command {
            name: name.to_owned(),
            args: split_args(&text[k + 1..close]),
            line,
        });
        i = close + 1;
    }
    out
}

/// The index of the `)` closing the `(` at `open` (nested parentheses and quotes counted).
fn closing(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    for (k, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'"' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// Arguments split on whitespace and `;`, quotes removed.
fn split_args(args: &str) -> Vec<String> {
    args.split(|c: char| c.is_whitespace() || c == ';')
        .map(|a| a.trim_matches('"'))
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `text` without `#` comments (to the end of the line, or a `#[[ … ]]` bracket comment);
/// newlines are kept so lines still count. A `#` inside quotes is no comment.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut quoted = false;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == '#' && !quoted {
            if let Some(body) = rest.strip_prefix("#[[") {
                let end = body.find("]]").map_or(body.len(), |e| e + 2);
                out.extend(body[..end].chars().filter(|&c| c == '\n'));
                rest = &body[end..];
            } else {
                let end = rest.find('\n').unwrap_or(rest.len());
                rest = &rest[end..];
            }
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Project, cuda_project};

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect()
    }

    #[test]
    fn cuda_switched_on_by_the_project_with_its_archs() {
        let found = cuda_project(&files(&[
            (
                "cuda/CMakeLists.txt",
                "cmake_minimum_required(VERSION 3.18)\n# project(old LANGUAGES C)\nPROJECT(kern\n  LANGUAGES CXX CUDA)\nif(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)\n  set(CMAKE_CUDA_ARCHITECTURES \"80;86-real\" CACHE STRING \"archs\")\nendif()\nadd_subdirectory(ops)\n",
            ),
            (
                "cuda/ops/CMakeLists.txt",
                "add_library(ops ops.cu)\nset_target_properties(ops PROPERTIES CUDA_ARCHITECTURES native)\n",
            ),
        ]));
        assert_eq!(
            found,
            Some(Project {
                at: "cuda/CMakeLists.txt:3".to_owned(),
                archs: vec!["80".to_owned(), "86-real".to_owned()],
                native: true,
                options: Vec::new(),
            })
        );
    }

    #[test]
    fn enable_language_switches_cuda_on_and_other_languages_do_not() {
        let on = cuda_project(&files(&[(
            "c/CMakeLists.txt",
            "project(p CXX)\n#[[ enable_language(CUDA) ]]\nif(USE_GPU)\n  enable_language(CUDA)\nendif()\n",
        )]));
        assert_eq!(on.map(|p| p.at), Some("c/CMakeLists.txt:4".to_owned()));
        let off = cuda_project(&files(&[(
            "c/CMakeLists.txt",
            "project(p LANGUAGES C CXX)\nmessage(STATUS \"no CUDA # here\")\nset(CMAKE_CUDA_ARCHITECTURES 80)\n",
        )]));
        assert_eq!(
            off, None,
            "archs set without the language switched on build nothing"
        );
    }

    /// faiss: CUDA is switched on only under an option of its own (`FAISS_ENABLE_GPU`, on by
    /// default), in two places; a build script that sets it off builds no CUDA. An option
    /// that guards only one of the places switches nothing alone.
    #[test]
    fn the_options_every_cuda_switch_lies_under_are_named_with_their_defaults() {
        let faiss = "set(FAISS_LANGUAGES CXX)\nif(FAISS_ENABLE_GPU)\n  list(APPEND FAISS_LANGUAGES CUDA)\nendif()\nproject(faiss LANGUAGES ${FAISS_LANGUAGES})\noption(FAISS_ENABLE_GPU \"Enable support for GPU indexes.\" ON)\noption(FAISS_ENABLE_RAFT \"Enable RAFT.\" OFF)\nif(FAISS_ENABLE_GPU)\n  if(FAISS_ENABLE_RAFT)\n    enable_language(CUDA)\n  endif()\n  enable_language(CUDA)\nendif()\n";
        let found = cuda_project(&files(&[("faiss/CMakeLists.txt", faiss)])).unwrap();
        assert_eq!(
            (found.at.as_str(), found.options),
            (
                "faiss/CMakeLists.txt:10",
                vec![("FAISS_ENABLE_GPU".to_owned(), true)]
            )
        );
        let unguarded = "option(GPU \"x\" OFF)\nif(GPU)\n  enable_language(CUDA)\nelse()\n  enable_language(CUDA)\nendif()\n";
        let found = cuda_project(&files(&[("p/CMakeLists.txt", unguarded)])).unwrap();
        assert_eq!(found.options, Vec::new());
        let off = "option(WITH_CUDA \"x\")\nif(${WITH_CUDA})\n  enable_language(CUDA)\nendif()\n";
        let found = cuda_project(&files(&[("p/CMakeLists.txt", off)])).unwrap();
        assert_eq!(found.options, vec![("WITH_CUDA".to_owned(), false)]);
    }

    /// grin-miner's plugins: CMake's legacy FindCUDA, `cuda_add_library` compiling with the
    /// archs of its `OPTIONS` and of `CUDA_NVCC_FLAGS`; `find_package(CUDA)` alone (or
    /// `CUDAToolkit`, to link cudart) compiles nothing.
    #[test]
    fn legacy_find_cuda_compiles_with_the_archs_of_its_flags() {
        let found = cuda_project(&files(&[(
            "plugins/CMakeLists.txt",
            "project(Plugins)\nif (BUILD_CUDA_PLUGINS)\n  find_package(CUDA 4)\n  \
             list(APPEND CUDA_NVCC_FLAGS \"-gencode arch=compute_70,code=sm_70\")\n  \
             if (CUDA_FOUND)\n    CUDA_ADD_LIBRARY(lean_cuda SHARED lean.cu OPTIONS \"-arch=sm_61\")\n  \
             endif()\nendif()\n",
        )]));
        assert_eq!(
            found,
            Some(Project {
                at: "plugins/CMakeLists.txt:6".to_owned(),
                archs: vec!["sm_61".to_owned(), "sm_70".to_owned()],
                native: false,
                options: Vec::new(),
            })
        );
        let finds_only = cuda_project(&files(&[(
            "c/CMakeLists.txt",
            "project(p CXX)\nfind_package(CUDA 10)\nfind_package(CUDAToolkit)\n\
             target_link_libraries(p CUDA::cudart)\n",
        )]));
        assert_eq!(finds_only, None);
    }

    /// tfhe's zk-cuda-backend: a target names a source beside the project
    /// (`../src/c_wrapper.cu`) through a variable set to it; names built from other
    /// variables are no paths.
    #[test]
    fn the_sources_targets_name_are_joined_to_their_files_directory() {
        let named = super::named_sources(&files(&[
            (
                "backends/zk/cuda/CMakeLists.txt",
                "project(zk LANGUAGES CXX CUDA)\nset(WRAP ../src/c_wrapper.cu)\nadd_library(zk STATIC src/core.cu ${WRAP} ${GEN}/g.cu)\n",
            ),
            (
                "backends/zk/cuda/bench/CMakeLists.txt",
                "add_executable(b ./b.cu)\ntarget_sources(b PRIVATE ../../../../../../up.cu x.cpp)\n",
            ),
        ]));
        assert_eq!(
            named,
            [
                "backends/zk/cuda/bench/b.cu",
                "backends/zk/cuda/src/core.cu",
                "backends/zk/src/c_wrapper.cu",
            ]
        );
    }

    /// tfhe-cuda-backend compiles tfhe-cuda-common's sources again, through a directory it
    /// defaults beside its own (`${CMAKE_CURRENT_SOURCE_DIR}/../../common/cuda`).
    #[test]
    fn a_source_named_through_a_directory_variable_is_the_projects() {
        let named = super::named_sources(&files(&[(
            "backends/backend/cuda/CMakeLists.txt",
            "if(NOT COMMON_DIR)
  set(COMMON_DIR ${CMAKE_CURRENT_SOURCE_DIR}/../../common/cuda)
endif()
             add_library(common STATIC ${COMMON_DIR}/src/device.cu
  ${COMMON_DIR}/src/profile.cu)
",
        )]));
        assert_eq!(
            named,
            [
                "backends/common/cuda/src/device.cu",
                "backends/common/cuda/src/profile.cu"
            ]
        );
    }

    #[test]
    fn include_directories_are_joined_with_their_variables() {
        let dirs = super::include_dirs(&files(&[(
            "backend/cuda/CMakeLists.txt",
            "set(COMMON_INC ${CMAKE_CURRENT_SOURCE_DIR}/../../common/cuda/include)
             include_directories(include)
             target_include_directories(backend PUBLIC ${COMMON_INC} PRIVATE src ${ELSEWHERE})
",
        )]));
        assert_eq!(
            dirs,
            [
                "backend/cuda/include",
                "backend/cuda/src",
                "common/cuda/include"
            ]
        );
    }

    /// tfhe-cuda-common compiles `check_cuda.cu` while it is configured and runs it to pick
    /// the archs: a probe of the build machine, not a kernel the build ships. A compile whose
    /// output is never run probes nothing, and `try_run` runs what it compiles.
    #[test]
    fn a_source_compiled_while_configuring_is_a_probe() {
        let probes = super::configure_probes(&files(&[
            (
                "common/cuda/CMakeLists.txt",
                "project(c LANGUAGES CXX CUDA)
set(OUTPUTFILE ${CMAKE_CURRENT_SOURCE_DIR}/cuda_script)
                 set(CUDAFILE ${CMAKE_CURRENT_SOURCE_DIR}/check_cuda.cu)
                 execute_process(COMMAND ${CMAKE_CUDA_COMPILER} -lcuda ${CUDAFILE} -o ${OUTPUTFILE})
                 execute_process(
  COMMAND ${OUTPUTFILE}
  OUTPUT_VARIABLE ARCH)
                 execute_process(COMMAND nvcc -c only_built.cu -o built.o)
                 add_library(c STATIC src/device.cu)
",
            ),
            (
                "common/cuda/cmake/probe.cmake",
                "try_run(RUN COMPILED ${CMAKE_BINARY_DIR} ${CMAKE_CURRENT_LIST_DIR}/cap.cu)
",
            ),
        ]));
        let probe = |at: &str, source: &str, runs| super::Probe {
            at: at.to_owned(),
            source: source.to_owned(),
            runs,
        };
        assert_eq!(
            probes,
            [
                probe(
                    "common/cuda/CMakeLists.txt:4",
                    "common/cuda/check_cuda.cu",
                    true
                ),
                probe(
                    "common/cuda/CMakeLists.txt:8",
                    "common/cuda/only_built.cu",
                    false
                ),
                probe(
                    "common/cuda/cmake/probe.cmake:1",
                    "common/cuda/cmake/cap.cu",
                    true
                ),
            ]
        );
    }

    /// tfhe-rs: tests and benchmarks added only under options that are off; one the build
    /// script names may be switched on, and an `else` branch is on.
    #[test]
    fn subdirectories_added_under_an_option_that_is_off_are_off() {
        let files = files(&[(
            "cuda/tests_and_benchmarks/CMakeLists.txt",
            "option(BUILD_TESTS \"Build the test tool\" OFF)\noption(BUILD_BENCH \"b\" OFF)\n\
             option(BUILD_MAIN \"m\" ON)\nif(BUILD_TESTS)\n  add_subdirectory(tests)\nendif()\n\
             if(BUILD_BENCH)\n  add_subdirectory(benchmarks)\nelse()\n  add_subdirectory(lite)\nendif()\n\
             if(BUILD_MAIN)\n  add_subdirectory(main)\nendif()\n",
        )]);
        assert_eq!(
            super::off_subdirectories(&files, &|_| false),
            [
                "cuda/tests_and_benchmarks/benchmarks",
                "cuda/tests_and_benchmarks/tests"
            ]
        );
        assert_eq!(
            super::off_subdirectories(&files, &|name| name == "BUILD_TESTS"),
            ["cuda/tests_and_benchmarks/benchmarks"]
        );
    }

    #[test]
    fn unbalanced_or_odd_text_is_read_without_panicking() {
        for text in [
            "project(",
            "project(\"a)",
            ")(",
            "#[[",
            "é(CUDA)",
            "x(\"#\")",
        ] {
            let _ = cuda_project(&files(&[("CMakeLists.txt", text)]));
        }
    }
}
