//! The witness itself: called as nvcc, it runs the real compiler with the same arguments,
//! standard streams and exit code, then records what was compiled. It starts nothing but
//! that compiler (a second, dependency-only pass of it where the compile wrote no
//! dependency file), writes only its record, and sends nothing anywhere.

use crate::args::{self, Parsed};
use crate::install::{self, Config};
use crate::record::{DIR_NAME, Invocation, SCHEMA_VERSION};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs as nvcc with this process's arguments; returns the exit code to end with.
pub fn main() -> i32 {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let env_flags = |name: &str| std::env::var(name).ok();
    let mut argv = std::env::args_os();
    let argv0 = argv.next().unwrap_or_default();
    let args: Vec<OsString> = argv.collect();
    let Some((home, config)) = find_home(Path::new(&argv0)) else {
        print_error(&format!(
            "called as {} but no witness home ({}) is beside it; run the real nvcc, or re-run \
             the gate so it installs the witness again",
            Path::new(&argv0).display(),
            install::CONFIG
        ));
        return 127;
    };
    // Arguments that are not UTF-8 are compiled all the same; they are not recorded.
    let strings: Option<Vec<String>> = args.iter().map(|a| a.to_str().map(str::to_owned)).collect();
    // nvcc also reads options from NVCC_PREPEND_FLAGS and NVCC_APPEND_FLAGS (an arch added
    // there ships like one on the command line): the record reads what nvcc will see.
    let parsed = strings
        .as_deref()
        .map(|a| args::parse(&args::effective(a, &env_flags)));
    let watched = parsed.as_ref().filter(|p| p.cuda_inputs().next().is_some());
    let records = records_dir(&home);
    // The same command line, nothing added: the outputs are byte for byte the same (the tests
    // check), and the include closure is read afterwards (`scan`), not by the compiler.
    let mut command = Command::new(&config.compiler);
    command.args(&args);
    let code = match command.status() {
        Ok(status) => exit_code(status),
        Err(e) => {
            print_error(&format!(
                "could not run the real nvcc {}: {e}",
                config.compiler.display()
            ));
            return 127;
        }
    };
    if let (Some(strings), Some(parsed)) = (strings, watched) {
        let invocation = invocation(&config.compiler, strings, parsed, code)
            .map(|i| Invocation { started, ..i });
        // A record that cannot be written costs the gate its evidence, never the build its
        // compile: the gate reports the package as not witnessed.
        if let Some(invocation) = invocation {
            let _ = invocation.write_into(&records);
        }
    }
    code.unwrap_or(1)
}

/// The most parents looked through for the build script.
#[cfg(target_os = "linux")]
const MAX_PARENTS: usize = 16;

/// What started this nvcc below the build script ([`Invocation::through`]): the names of
/// the programs its parents ran, read from `/proc` up to the build script
/// (`build-script-build`), outermost first. Empty when the build script is its parent, and
/// when none is found within 16 parents (then nothing is said of the way).
pub fn started_through() -> Vec<String> {
    #[cfg(target_os = "linux")]
    {
        let mut chain = Vec::new();
        let mut pid = std::os::unix::process::parent_id();
        for _ in 0..MAX_PARENTS {
            let Some(name) = program_of(pid).filter(|_| pid > 1) else {
                break;
            };
            if name.starts_with("build-script-") || name.starts_with("build_script_") {
                chain.reverse();
                return chain;
            }
            chain.push(name);
            let Some(parent) = parent_of(pid) else { break };
            pid = parent;
        }
        Vec::new()
    }
    #[cfg(not(target_os = "linux"))]
    Vec::new()
}

/// The file name of the program the process `pid` runs, as its first argument says.
#[cfg(target_os = "linux")]
fn program_of(pid: u32) -> Option<String> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let first = cmdline.split(|&b| b == 0).next()?;
    let first = String::from_utf8_lossy(first);
    let name = first.rsplit('/').next()?.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// The parent of the process `pid` (the field after its state in `/proc/PID/stat`; the
/// program's name before it, in parentheses, may hold anything).
#[cfg(target_os = "linux")]
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// The exit code a caller sees: the compiler's, or 128 + the signal that ended it.
fn exit_code(status: std::process::ExitStatus) -> Option<i32> {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return Some(128 + signal);
    }
    status.code()
}

fn print_error(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "gate-witness: {message}");
}

/// The witness home this process was started from: through its own path when called by one
/// (`NVCC=/…/bin/nvcc`, CMake), else the first nvcc on `PATH` (where the caller's
/// `Command::new("nvcc")` found it).
fn find_home(argv0: &Path) -> Option<(PathBuf, Config)> {
    let nvcc = if argv0.components().count() > 1 {
        std::env::current_dir().ok()?.join(argv0)
    } else {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|d| d.join(install::NVCC))
            .find(|p| p.is_file())?
    };
    let home = nvcc.parent()?.parent()?.to_path_buf();
    let config = install::read_config(&home)?;
    Some((home, config))
}

/// Where this invocation's record goes: the build script's `OUT_DIR`, else the home.
fn records_dir(home: &Path) -> PathBuf {
    match std::env::var_os("OUT_DIR") {
        Some(out) => PathBuf::from(out).join(DIR_NAME),
        None => home.join("loose"),
    }
}

/// The record of a compile of GPU sources.
fn invocation(
    compiler: &Path,
    args: Vec<String>,
    parsed: &Parsed,
    code: Option<i32>,
) -> Option<Invocation> {
    let cwd = std::env::current_dir().ok()?;
    let absolute = |p: &str| gate_support::path::normalize(&cwd.join(p));
    let (includes, includes_unread) = if code != Some(0) {
        (Vec::new(), Some("the compile failed".to_owned()))
    } else {
        let inputs: Vec<PathBuf> = parsed.cuda_inputs().map(absolute).collect();
        match includes(parsed, &cwd, &inputs) {
            Ok(files) => (files, None),
            Err(why) => (Vec::new(), Some(why)),
        }
    };
    let inputs: Vec<PathBuf> = parsed.cuda_inputs().map(absolute).collect();
    let includes = includes
        .into_iter()
        .filter(|f| !inputs.contains(f))
        .collect();
    let invocation = Invocation {
        schema: SCHEMA_VERSION,
        mode: parsed.mode(),
        inputs,
        includes,
        includes_unread,
        archs: parsed.archs.clone(),
        output: parsed.output_file().as_deref().map(absolute),
        exit_code: code,
        compiler: compiler.to_path_buf(),
        cwd: cwd.clone(),
        package: std::env::var("CARGO_PKG_NAME").ok(),
        manifest_dir: std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        args,
        started: 0,
        digests: Vec::new(),
        through: started_through(),
    };
    Some(invocation.digested())
}

/// Every file the compile read beyond its sources: nvcc's own dependency file when the
/// command line asked for one, else the `#include` closure read from the files
/// ([`crate::scan`]).
fn includes(parsed: &Parsed, cwd: &Path, inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if let Some(file) = parsed.own_dependency_file().map(|f| cwd.join(f)) {
        let text = std::fs::read_to_string(&file).map_err(|e| {
            format!(
                "the dependency file {} could not be read: {e}",
                file.display()
            )
        })?;
        return Ok(args::make_prerequisites(&text)
            .iter()
            .map(|f| gate_support::path::normalize(&cwd.join(f)))
            .collect());
    }
    let dirs: Vec<PathBuf> = parsed
        .include_dirs
        .iter()
        .map(|d| gate_support::path::normalize(&cwd.join(d)))
        .collect();
    Ok(crate::scan::closure(inputs, &dirs))
}
