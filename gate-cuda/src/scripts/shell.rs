//! Shell scripts a build script runs (`Command::new("./build-release.sh")`, `Command::new("sh")
//! .arg("scripts/cuda.sh")`): read for the build they start, as a Makefile is. okx/zeknox's
//! `build.rs` runs a script that runs `cmake -B build` on the CUDA project beside it; static
//! reading saw no builder at all, and all three CUDA checks passed.

use super::archs::read_archs;
use super::commands::{names_nvcc, nvcc_args};
use super::{Call, literal_input};
use gate_formats::kernel_bom::BuilderKind;

/// The shell script a `Command::new(` starts, given its program literal and the first
/// argument chained after it: a program ending in `.sh`, or `sh`/`bash` given one.
pub(super) fn script_run<'a>(program: &'a str, first_arg: Option<&'a str>) -> Option<&'a str> {
    let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
    if base.ends_with(".sh") {
        return Some(program);
    }
    matches!(base, "sh" | "bash" | "zsh" | "dash")
        .then_some(first_arg?)
        .filter(|a| a.ends_with(".sh") && literal_input(a))
}

/// Makes `call` (of a build script that runs the script whose text is `text`) the first
/// build the script starts, with inputs relative to the script's directory: nvcc with the
/// sources, include directories and archs it names ([`BuilderKind::Nvcc`]); cmake's configure
/// step on its project (`-S dir`, else the script's directory; [`BuilderKind::Cmake`], read
/// as a project whose own files say whether it compiles CUDA); or make in its directory (`-C
/// dir`, else the script's; [`BuilderKind::Make`]). `false` when it starts none of them.
/// A `cd dir` the script runs first moves where what follows is read from.
#[must_use]
pub fn shell_script_build(text: &str, call: &mut Call) -> bool {
    let joined = text.replace("\\\n", " ");
    // Where the script stands, relative to its own directory.
    let mut cwd = String::new();
    for line in joined.lines() {
        let code = line.trim_start();
        if code.starts_with('#') {
            continue;
        }
        let code = code.split(" #").next().unwrap_or(code);
        let words: Vec<&str> = code
            .split_whitespace()
            .map(|w| w.trim_matches(['"', '\'']))
            .collect();
        for command in words.split(|w| matches!(*w, "&&" | "||" | ";" | "|" | "then" | "do")) {
            if let ["cd", rest @ ..] = command {
                cwd = if let [dir] = rest
                    && literal_input(dir)
                    && !dir.starts_with(['/', '$', '`', '-'])
                {
                    within(&cwd, dir)
                } else {
                    // `cd "$(dirname "$0")"`, or somewhere not read: the script's own.
                    String::new()
                };
            } else if started(command, call) {
                for path in call.inputs.iter_mut().chain(&mut call.include_dirs) {
                    *path = within(&cwd, path);
                }
                return true;
            }
        }
    }
    false
}

/// `path` from `cwd` (both relative to the script's directory), `.` components dropped.
fn within(cwd: &str, path: &str) -> String {
    let joined = gate_support::path::normalize(&std::path::Path::new(cwd).join(path));
    let shown = joined.to_string_lossy().replace('\\', "/");
    if shown.is_empty() {
        ".".to_owned()
    } else {
        shown
    }
}

/// Whether `command` (its words) starts a build: `call` made it.
fn started(command: &[&str], call: &mut Call) -> bool {
    let Some((&program, args)) = command.split_first() else {
        return false;
    };
    let base = program.rsplit('/').next().unwrap_or(program);
    let variable = program.trim_start_matches('$').trim_matches(['{', '}']);
    if names_nvcc(program) || variable.eq_ignore_ascii_case("nvcc") {
        let strs: Vec<(usize, &str)> = args.iter().map(|&a| (0, a)).collect();
        call.kind = BuilderKind::Nvcc;
        nvcc_args(
            &strs,
            super::commands::Named {
                files: Vec::new(),
                unread: false,
                host_only: false,
                joined: Vec::new(),
            },
            call,
            None::<()>,
        );
        read_archs(args, call);
        return true;
    }
    let flag = |name: &str| {
        let at = args.iter().position(|a| *a == name)?;
        args.get(at + 1).copied()
    };
    let dir = |given: Option<&str>| given.filter(|d| literal_input(d)).unwrap_or(".").to_owned();
    match base {
        "cmake" => {
            let steps = ["--build", "--install", "-E", "--version", "-P"];
            if args.iter().any(|a| steps.contains(a)) {
                return false;
            }
            let source = flag("-S").or_else(|| args.iter().find_map(|a| a.strip_prefix("-S")));
            call.kind = BuilderKind::Cmake;
            call.inputs = vec![dir(source.filter(|s| !s.is_empty()))];
            call.cmake_project = true;
            read_archs(args, call);
            true
        }
        "make" | "gmake" => {
            call.kind = BuilderKind::Make;
            call.inputs = vec![dir(flag("-C"))];
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build_of(text: &str) -> Option<Call> {
        let mut call = Call::new(BuilderKind::Make, 10);
        shell_script_build(text, &mut call).then_some(call)
    }

    #[test]
    fn the_script_a_command_runs() {
        assert_eq!(
            script_run("./build-release.sh", None),
            Some("./build-release.sh")
        );
        assert_eq!(
            script_run("bash", Some("scripts/cuda.sh")),
            Some("scripts/cuda.sh")
        );
        assert_eq!(script_run("sh", Some("-c")), None);
        assert_eq!(script_run("nvidia-smi", None), None);
    }

    /// zeknox's `build-release-gl64.sh`; a script running nvcc; one running make; one that
    /// builds no GPU code.
    #[test]
    fn a_script_is_read_for_the_build_it_starts() {
        let cmake = build_of(
            "#!/bin/sh\n# cmake -S other\nCAP=\"86;89;90\"\nrm -rf build\ncmake -B build -DCUDA_ARCH=$CAP\ncmake --build build -j\n",
        )
        .expect("cmake");
        assert_eq!(cmake.kind, BuilderKind::Cmake);
        assert_eq!(cmake.inputs, ["."]);
        assert!(cmake.cmake_project);
        let nvcc = build_of(
            "set -e\nmkdir -p out && ${NVCC} -O3 \\\n  -arch=sm_86 -Iinclude -ptx kernels/hash.cu -o out/hash.ptx\n",
        )
        .expect("nvcc");
        assert_eq!(nvcc.kind, BuilderKind::Nvcc);
        assert_eq!(nvcc.inputs, ["kernels/hash.cu"]);
        assert_eq!(nvcc.include_dirs, ["include"]);
        assert_eq!(nvcc.archs, ["sm_86"]);
        let make = build_of("cd native\nmake -C gpu -j4 all\n").expect("make");
        assert_eq!(make.kind, BuilderKind::Make);
        assert_eq!(make.inputs, ["native/gpu"]);
        let back = build_of("cd native\ncd \"$(dirname \"$0\")\"\nmake\n").expect("make");
        assert_eq!(back.inputs, ["."]);
        assert!(build_of("#!/bin/bash\ncargo build --release\ncp target/x out/\n").is_none());
    }
}
