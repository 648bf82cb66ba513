//! What an nvcc command line asks for, read the way nvcc reads it: the input files, what it
//! produces (the mode), the archs, and the dependency file it already writes. Nothing here
//! runs anything.

/// What an nvcc invocation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// `-c`, `-dc`, `-dw`: compile to an object.
    Object,
    /// `-ptx`.
    Ptx,
    /// `-cubin`.
    Cubin,
    /// `-fatbin`.
    Fatbin,
    /// `-optix-ir`, `-ltoir` and other device-only outputs.
    Device,
    /// No mode flag: compile and link an executable.
    Executable,
    /// `-lib`: compile (where inputs are sources) and archive.
    Library,
    /// `-dlink`, `-link`: link objects, compile nothing.
    Link,
    /// `-E`, `-M`, `-MM`: preprocess only.
    Preprocess,
    /// `--version`, `--list-gpu-code`, `--help`, `--dryrun` and the like: no compile.
    Query,
}

impl Mode {
    /// Whether sources given in this mode are compiled.
    pub fn compiles(self) -> bool {
        !matches!(self, Mode::Link | Mode::Preprocess | Mode::Query)
    }
}

/// An nvcc command line, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The input files, as written.
    pub inputs: Vec<String>,
    /// The archs asked for, as written (`sm_80`, `compute_90`, `native`, `all-major`), in order,
    /// each once.
    pub archs: Vec<String>,
    /// The output file (`-o`), when named.
    pub output: Option<String>,
    /// The output directory (`-odir`, `--output-directory`), when named.
    pub output_dir: Option<String>,
    /// The dependency file nvcc writes itself (`-MD`/`-MMD` with `-MF`), when it does.
    pub dependency_file: Option<String>,
    /// `-x cu`: every source is CUDA, whatever its extension.
    pub language_cu: bool,
    /// The include directories, as written, in order (`-I`, `--include-path`, `-isystem`).
    pub include_dirs: Vec<String>,
    /// Mode flags seen, in order (the last decides).
    modes: Vec<Mode>,
    /// `-MD`/`-MMD` seen.
    writes_dependencies: bool,
}

impl Parsed {
    /// The mode the command line selects.
    pub fn mode(&self) -> Mode {
        if self.modes.contains(&Mode::Query) {
            return Mode::Query;
        }
        if self.modes.contains(&Mode::Preprocess) {
            return Mode::Preprocess;
        }
        self.modes.last().copied().unwrap_or(Mode::Executable)
    }

    /// The inputs that are GPU sources nvcc compiles in this mode (`.cu`, or any C/C++ source
    /// under `-x cu`).
    pub fn cuda_inputs(&self) -> impl Iterator<Item = &str> {
        let compiles = self.mode().compiles();
        self.inputs
            .iter()
            .map(String::as_str)
            .filter(move |i| compiles && (is_cu(i) || (self.language_cu && is_c_family(i))))
    }

    /// The file the compile writes, as written: `-o`, else, for one source compiled to PTX,
    /// a cubin, a fatbin or an object under `--output-directory` (bindgen_cuda's way), the
    /// source's stem with the mode's extension in that directory, as nvcc names it; else the
    /// output directory itself, else nothing.
    pub fn output_file(&self) -> Option<String> {
        if let Some(output) = &self.output {
            return Some(output.clone());
        }
        let dir = self.output_dir.as_ref()?;
        let extension = match self.mode() {
            Mode::Ptx => "ptx",
            Mode::Cubin => "cubin",
            Mode::Fatbin => "fatbin",
            Mode::Object if cfg!(windows) => "obj",
            Mode::Object => "o",
            _ => return Some(dir.clone()),
        };
        let mut inputs = self.cuda_inputs();
        let (Some(only), None) = (inputs.next(), inputs.next()) else {
            return Some(dir.clone());
        };
        let stem = std::path::Path::new(only).file_stem()?.to_string_lossy();
        Some(format!(
            "{}/{stem}.{extension}",
            dir.trim_end_matches(['/', '\\'])
        ))
    }
}

/// Options whose value is the next argument when not joined with `=`.
const WITH_VALUE: &[&str] = &[
    "-o",
    "--output-file",
    "-x",
    "--x",
    "-I",
    "--include-path",
    "-D",
    "--define-macro",
    "-U",
    "--undefine-macro",
    "-L",
    "--library-path",
    "-l",
    "--library",
    "-include",
    "--pre-include",
    "-isystem",
    "--system-include",
    "-ccbin",
    "--compiler-bindir",
    "-Xcompiler",
    "--compiler-options",
    "-Xptxas",
    "--ptxas-options",
    "-Xnvlink",
    "--nvlink-options",
    "-Xlinker",
    "--linker-options",
    "-Xarchive",
    "--archive-options",
    "-Xfatbin",
    "--fatbin-options",
    "-Xcudafe",
    "-gencode",
    "--generate-code",
    "-arch",
    "--gpu-architecture",
    "-code",
    "--gpu-code",
    "-odir",
    "--output-directory",
    "-MF",
    "--dependency-output",
    "-MT",
    "--dependency-target-name",
    "-std",
    "--std",
    "-maxrregcount",
    "--maxrregcount",
    "-t",
    "--threads",
    "-rdc",
    "--relocatable-device-code",
    "-default-stream",
    "--default-stream",
    "-ftz",
    "--ftz",
    "-prec-div",
    "--prec-div",
    "-prec-sqrt",
    "--prec-sqrt",
    "-fmad",
    "--fmad",
    "-m",
    "--machine",
    "-ldir",
    "--libdevice-directory",
    "-optf",
    "--options-file",
    "-keep-dir",
    "--keep-dir",
    "-run-args",
    "--run-args",
    "-diag-suppress",
    "--diag-suppress",
    "-diag-error",
    "--diag-error",
    "-diag-warn",
    "--diag-warn",
    "-split-compile",
    "--split-compile",
    "-time",
    "--time",
    "-Werror",
    "--Werror",
    "-cudart",
    "--cudart",
    "-cudadevrt",
    "--cudadevrt",
    "-ext-lambda-captures",
];

/// The command line nvcc acts on: `NVCC_PREPEND_FLAGS`, the arguments, `NVCC_APPEND_FLAGS`
/// (each split on whitespace, as nvcc splits them), read through `var`.
pub fn effective(args: &[String], var: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let split = |name: &str| -> Vec<String> {
        var(name)
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let mut all = split("NVCC_PREPEND_FLAGS");
    all.extend(args.iter().cloned());
    all.extend(split("NVCC_APPEND_FLAGS"));
    all
}

/// Reads an nvcc command line (without the program name).
pub fn parse(args: &[String]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        if !arg.starts_with('-') || arg == "-" {
            parsed.inputs.push(arg.to_owned());
            continue;
        }
        // `-Idir` and `-isystemdir`, joined without `=`.
        if let Some(dir) = arg
            .strip_prefix("-isystem")
            .or_else(|| arg.strip_prefix("-I"))
            .filter(|d| !d.is_empty() && !d.starts_with('='))
        {
            parsed.include_dirs.push(dir.to_owned());
            continue;
        }
        let (name, joined) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg, None),
        };
        let value = if joined.is_some() {
            joined.map(str::to_owned)
        } else if WITH_VALUE.contains(&name) {
            let v = args.get(i).cloned();
            i += 1;
            v
        } else {
            None
        };
        option(&mut parsed, name, value.as_deref());
    }
    parsed
}

/// One option with its value.
fn option(parsed: &mut Parsed, name: &str, value: Option<&str>) {
    let mode = match name {
        "-c" | "--compile" | "-dc" | "--device-c" | "-dw" | "--device-w" => Some(Mode::Object),
        "-ptx" | "--ptx" => Some(Mode::Ptx),
        "-cubin" | "--cubin" => Some(Mode::Cubin),
        "-fatbin" | "--fatbin" => Some(Mode::Fatbin),
        "-optix-ir" | "--optix-ir" | "-ltoir" | "--ltoir" => Some(Mode::Device),
        "-lib" | "--lib" => Some(Mode::Library),
        "-dlink" | "--device-link" | "-link" | "--link" => Some(Mode::Link),
        "-E"
        | "--preprocess"
        | "-M"
        | "--generate-dependencies"
        | "-MM"
        | "--generate-nonsystem-dependencies" => Some(Mode::Preprocess),
        "-V" | "--version" | "--list-gpu-code" | "-list-gpu-code" | "--list-gpu-arch"
        | "-list-gpu-arch" | "-h" | "--help" | "-dryrun" | "--dryrun" => Some(Mode::Query),
        _ => None,
    };
    if let Some(mode) = mode {
        parsed.modes.push(mode);
        return;
    }
    let Some(value) = value else {
        if matches!(
            name,
            "-MD"
                | "--generate-dependencies-with-compile"
                | "-MMD"
                | "--generate-nonsystem-dependencies-with-compile"
        ) {
            parsed.writes_dependencies = true;
        }
        return;
    };
    match name {
        "-o" | "--output-file" => parsed.output = Some(value.to_owned()),
        "-odir" | "--output-directory" => parsed.output_dir = Some(value.to_owned()),
        "-MF" | "--dependency-output" => parsed.dependency_file = Some(value.to_owned()),
        "-x" | "--x" => parsed.language_cu = value == "cu",
        "-I" | "--include-path" | "-isystem" | "--system-include" => {
            parsed.include_dirs.push(value.to_owned());
        }
        "-arch" | "--gpu-architecture" | "-code" | "--gpu-code" => {
            for v in value.split(',') {
                push_arch(&mut parsed.archs, v);
            }
        }
        "-gencode" | "--generate-code" => gencode(&mut parsed.archs, value),
        _ => {}
    }
}

impl Parsed {
    /// The dependency file nvcc writes during this compile, when it writes one (`-MD` or
    /// `-MMD` and `-MF FILE`).
    pub fn own_dependency_file(&self) -> Option<&str> {
        self.dependency_file
            .as_deref()
            .filter(|_| self.writes_dependencies)
    }
}

/// `arch=compute_80,code=[sm_80,compute_80]` (or `code=sm_80`, `code="sm_80,compute_80"`):
/// the codes, else the virtual arch.
fn gencode(archs: &mut Vec<String>, value: &str) {
    let value = value.trim_matches(['"', '\'']);
    let (arch_part, code_part) = match value.find("code=") {
        Some(at) => (&value[..at], &value[at + "code=".len()..]),
        None => (value, ""),
    };
    let codes: Vec<&str> = code_part
        .trim_matches(|c| matches!(c, '[' | ']' | '"' | '\''))
        .split(',')
        .map(|c| c.trim_matches(|c| matches!(c, '[' | ']' | '"' | '\'' | ' ')))
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        let arch = arch_part
            .trim_start_matches("arch=")
            .trim_end_matches(',')
            .trim();
        push_arch(archs, arch);
    }
    for code in codes {
        push_arch(archs, code);
    }
}

fn push_arch(archs: &mut Vec<String>, arch: &str) {
    let arch = arch.trim();
    if !arch.is_empty() && !archs.iter().any(|a| a == arch) {
        archs.push(arch.to_owned());
    }
}

/// A CUDA source by its extension.
pub fn is_cu(path: &str) -> bool {
    path.ends_with(".cu")
}

/// A C or C++ source by its extension.
fn is_c_family(path: &str) -> bool {
    [".c", ".cc", ".cpp", ".cxx", ".c++", ".C"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// The files named by make-format dependency rules (what `nvcc -M` prints and `-MF` writes):
/// every prerequisite of every rule, each once, in order; `\ ` is a space in a name.
pub fn make_prerequisites(text: &str) -> Vec<String> {
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    let mut files: Vec<String> = Vec::new();
    for line in joined.lines() {
        // The rule's colon: the first ": " or a colon at the end, so `C:\x` on Windows and a
        // target with a drive letter stay whole.
        let Some(colon) = line
            .find(": ")
            .or_else(|| line.ends_with(':').then(|| line.len() - 1))
        else {
            continue;
        };
        let mut word = String::new();
        let mut chars = line[colon + 1..].chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&' ') => {
                    word.push(' ');
                    chars.next();
                }
                ' ' | '\t' => flush(&mut word, &mut files),
                _ => word.push(c),
            }
        }
        flush(&mut word, &mut files);
    }
    files
}

fn flush(word: &mut String, files: &mut Vec<String>) {
    if !word.is_empty() && !files.iter().any(|f| f == word) {
        files.push(std::mem::take(word));
    }
    word.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    /// bindgen_cuda hands nvcc `--output-directory OUT_DIR` and one source: the PTX is the
    /// source's stem there, as nvcc writes it; `-o` wins; two sources name no one file.
    #[test]
    fn an_output_directory_names_the_file_nvcc_writes_there() {
        let file = |args: &[&str]| parse(&strings(args)).output_file();
        assert_eq!(
            file(&[
                "--ptx",
                "--output-directory",
                "/out/",
                "k/a.cu",
                "-arch=sm_80"
            ])
            .as_deref(),
            Some("/out/a.ptx")
        );
        assert_eq!(
            file(&["-c", "-odir", "o", "a.cu"]).as_deref(),
            Some(if cfg!(windows) { "o/a.obj" } else { "o/a.o" })
        );
        assert_eq!(
            file(&["-ptx", "-odir", "o", "a.cu", "-o", "x.ptx"]).as_deref(),
            Some("x.ptx")
        );
        assert_eq!(
            file(&["-ptx", "-odir", "o", "a.cu", "b.cu"]).as_deref(),
            Some("o")
        );
        assert_eq!(file(&["-ptx", "a.cu"]), None);
    }

    #[test]
    fn reads_inputs_mode_archs_and_output_the_way_cc_and_cmake_write_them() {
        // cc-rs's CUDA object compile.
        let p = parse(&strings(&[
            "-ccbin=c++",
            "-Xcompiler",
            "-O0",
            "-Xcompiler",
            "-ffunction-sections",
            "-G",
            "-Xcompiler",
            "-gdwarf-4",
            "-Xcompiler",
            "-fno-omit-frame-pointer",
            "-m64",
            "-arch=sm_80",
            "-I",
            "cuda/include",
            "-Wall",
            "-o",
            "/o/x.o",
            "-c",
            "cuda/x.cu",
        ]));
        assert_eq!(p.inputs, ["cuda/x.cu"]);
        assert_eq!(p.mode(), Mode::Object);
        assert_eq!(p.archs, ["sm_80"]);
        assert_eq!(p.output.as_deref(), Some("/o/x.o"));
        assert_eq!(p.cuda_inputs().collect::<Vec<_>>(), ["cuda/x.cu"]);
        // CMake's: -x cu, gencode lists, its own -MD -MF.
        let p = parse(&strings(&[
            "-forward-unknown-to-host-compiler",
            "-O3",
            "--generate-code=arch=compute_80,code=[compute_80,sm_80]",
            "-gencode",
            "arch=compute_90,code=sm_90",
            "-MD",
            "-MT",
            "a.o",
            "-MF",
            "a.o.d",
            "-x",
            "cu",
            "-c",
            "/s/k.cpp",
            "-o",
            "a.o",
        ]));
        assert_eq!(p.archs, ["compute_80", "sm_80", "sm_90"]);
        assert_eq!(p.own_dependency_file(), Some("a.o.d"));
        assert_eq!(p.cuda_inputs().collect::<Vec<_>>(), ["/s/k.cpp"]);
    }

    #[test]
    fn probes_and_links_compile_nothing() {
        for line in [
            &["--version"][..],
            &["--list-gpu-code"],
            &["-dlink", "a.o", "-o", "b.o"],
            &["-M", "k.cu"],
        ] {
            let p = parse(&strings(line));
            assert_eq!(p.cuda_inputs().count(), 0, "{line:?}");
        }
        assert_eq!(
            parse(&strings(&["k.cu", "-o", "k"])).mode(),
            Mode::Executable
        );
        assert_eq!(
            parse(&strings(&["--lib", "k.cu", "-o", "libk.a"]))
                .cuda_inputs()
                .count(),
            1
        );
    }

    #[test]
    fn native_all_and_virtual_archs_are_kept_as_written() {
        assert_eq!(
            parse(&strings(&["-arch", "native", "-ptx", "k.cu"])).archs,
            ["native"]
        );
        assert_eq!(
            parse(&strings(&["--gpu-architecture=all-major", "-c", "k.cu"])).archs,
            ["all-major"]
        );
        assert_eq!(
            parse(&strings(&[
                "-arch=compute_75",
                "-code=sm_75,compute_75",
                "k.cu"
            ]))
            .archs,
            ["compute_75", "sm_75"]
        );
        assert_eq!(
            parse(&strings(&[
                "-gencode=arch=compute_90a,code=\"sm_90a,compute_90a\"",
                "k.cu"
            ]))
            .archs,
            ["sm_90a", "compute_90a"]
        );
    }

    #[test]
    fn flags_from_the_environment_count_as_nvcc_reads_them() {
        let var = |name: &str| match name {
            "NVCC_APPEND_FLAGS" => Some(" -gencode  arch=compute_90,code=sm_90 ".to_owned()),
            "NVCC_PREPEND_FLAGS" => Some("-std=c++17".to_owned()),
            _ => None,
        };
        let all = effective(&strings(&["-arch=sm_80", "-c", "k.cu"]), &var);
        assert_eq!(
            all,
            strings(&[
                "-std=c++17",
                "-arch=sm_80",
                "-c",
                "k.cu",
                "-gencode",
                "arch=compute_90,code=sm_90"
            ])
        );
        assert_eq!(parse(&all).archs, strings(&["sm_80", "sm_90"]));
    }

    #[test]
    fn include_directories_in_every_spelling() {
        let parsed = parse(&strings(&[
            "-I",
            "a",
            "-Ib",
            "--include-path=c",
            "-isystem",
            "d",
            "-isysteme",
            "-Xcompiler",
            "-Ino",
            "k.cu",
        ]));
        assert_eq!(parsed.include_dirs, strings(&["a", "b", "c", "d", "e"]));
        assert_eq!(parsed.inputs, strings(&["k.cu"]));
    }

    #[test]
    fn make_rules_are_read_with_continuations_and_escaped_spaces() {
        let text = "k.o : k.cu /usr/include/stdio.h \\\n  ../common/my\\ file.cuh \\\n  inc/a.cuh\ninc/a.cuh:\n";
        assert_eq!(
            make_prerequisites(text),
            [
                "k.cu",
                "/usr/include/stdio.h",
                "../common/my file.cuh",
                "inc/a.cuh"
            ]
        );
    }
}
