//! Finding the CUDA toolkit: nvcc discovery in a documented order, tool versions (cached by
//! file identity, so an unchanged toolkit is never asked twice), the archs nvcc supports,
//! ptxas beside nvcc, the host compiler, and the mixed-toolkit check.
//!
//! Discovery order (first hit wins; every place is recorded):
//! 1. `NVCC` — the path of an nvcc executable;
//! 2. `CUDA_HOME`, then `CUDA_PATH` — `<dir>/bin/nvcc`;
//! 3. `PATH` — each directory;
//! 4. `/usr/local/cuda/bin/nvcc` (not on Windows);
//! 5. the pip wheel layout of the `python3` on `PATH`:
//!    `<site-packages>/nvidia/cu13/bin/nvcc` (then `cu12`).

use crate::error::{Error, Searched, io};
use crate::ptx::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A snapshot of the environment variables gate-build reads. Build scripts use the process
/// environment; tests build one by hand, so they never mutate the process environment.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, OsString>,
}

/// Every variable gate-build reads (each gets a `rerun-if-env-changed`).
pub const ENV_VARS: &[&str] = &[
    "NVCC",
    "CUDA_HOME",
    "CUDA_PATH",
    "PATH",
    "NVCC_CCBIN",
    "CXX",
    "GATE_CUDA",
    "GATE_CUDA_ARCHS",
    "GATE_MIN_DRIVER",
    "GATE_NVCC_FLAGS",
];

impl Env {
    /// The process environment (the variables of [`ENV_VARS`] plus what the host-compiler
    /// lookup and parallelism need).
    pub fn from_process() -> Env {
        let mut env = Env::default();
        for key in ENV_VARS.iter().copied().chain([
            "OUT_DIR",
            "NUM_JOBS",
            "TARGET",
            "HOST",
            "OPT_LEVEL",
            "PROFILE",
            "DEBUG",
        ]) {
            if let Some(value) = std::env::var_os(key) {
                env.vars.insert(key.to_owned(), value);
            }
        }
        env
    }

    /// Sets a variable (for tests and non-build-script use).
    pub fn set(mut self, key: &str, value: impl Into<OsString>) -> Env {
        self.vars.insert(key.to_owned(), value.into());
        self
    }

    /// A variable's value, when set and non-empty.
    pub fn get(&self, key: &str) -> Option<&OsStr> {
        self.vars
            .get(key)
            .map(OsString::as_os_str)
            .filter(|v| !v.is_empty())
    }

    /// A variable as UTF-8, when set.
    pub fn get_str(&self, key: &str) -> Option<String> {
        self.get(key).map(|v| v.to_string_lossy().into_owned())
    }
}

/// Where nvcc was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvccLocation {
    /// The executable.
    pub path: PathBuf,
    /// The rule that found it (`NVCC`, `CUDA_HOME`, `PATH`, …).
    pub found_via: String,
}

fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// Looks for nvcc in the documented order. Returns the winner (if any) and every place
/// searched.
/// How a searched place that was set explicitly, but holds no nvcc, says so.
pub const EXPLICIT: &str = "set explicitly, so no other place is searched";

/// Finds nvcc: `NVCC`, `CUDA_HOME`/`CUDA_PATH`, `PATH`, `/usr/local/cuda`, the Python wheel.
/// `NVCC`, `CUDA_HOME` or `CUDA_PATH` set to a place without nvcc ends the search there: the
/// caller errors (`require`) or falls back naming it (`auto`).
pub fn discover(env: &Env) -> (Option<NvccLocation>, Vec<Searched>) {
    let mut searched = Vec::new();
    let mut note = |place: &str, detail: String| {
        searched.push(Searched {
            place: place.to_owned(),
            detail,
        });
    };
    let nvcc = exe("nvcc");
    let found = |place: &str, path: PathBuf| NvccLocation {
        path,
        found_via: place.to_owned(),
    };
    match env.get("NVCC") {
        Some(path) if Path::new(path).is_file() => {
            note("NVCC", format!("{} (found)", Path::new(path).display()));
            return (Some(found("NVCC", path.into())), searched);
        }
        // An explicit choice that does not exist is a mistake to report, never a reason to
        // quietly use some other nvcc.
        Some(path) => {
            note(
                "NVCC",
                format!("{} (no such file; {EXPLICIT})", Path::new(path).display()),
            );
            return (None, searched);
        }
        None => note("NVCC", "not set".into()),
    }
    for var in ["CUDA_HOME", "CUDA_PATH"] {
        match env.get(var) {
            Some(dir) => {
                let path = Path::new(dir).join("bin").join(&nvcc);
                if path.is_file() {
                    note(var, format!("{} (found)", path.display()));
                    return (Some(found(var, path)), searched);
                }
                note(
                    var,
                    format!("{} (no such file; {EXPLICIT})", path.display()),
                );
                return (None, searched);
            }
            None => note(var, "not set".into()),
        }
    }
    match env.get("PATH") {
        Some(path) => {
            for dir in std::env::split_paths(path) {
                let candidate = dir.join(&nvcc);
                if candidate.is_file() {
                    note("PATH", format!("{} (found)", candidate.display()));
                    return (Some(found("PATH", candidate)), searched);
                }
            }
            note("PATH", "no nvcc in any directory".into());
        }
        None => note("PATH", "not set".into()),
    }
    if !cfg!(windows) {
        let path = PathBuf::from("/usr/local/cuda/bin/nvcc");
        if path.is_file() {
            note("/usr/local/cuda", format!("{} (found)", path.display()));
            return (Some(found("/usr/local/cuda", path)), searched);
        }
        note(
            "/usr/local/cuda",
            format!("{} (no such file)", path.display()),
        );
    }
    match gate_support::nvcc::site_packages(env.get("PATH")) {
        Ok(dirs) => {
            if let Some(path) = gate_support::nvcc::in_wheels(&dirs) {
                note("python wheel", format!("{} (found)", path.display()));
                return (Some(found("python wheel", path)), searched);
            }
            let shown: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            note(
                "python wheel",
                format!("no nvidia/cu13/bin/nvcc under {}", shown.join(", ")),
            );
        }
        Err(why) => note("python wheel", why),
    }
    (None, searched)
}

/// What the toolkit says about itself; cached per nvcc file identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolFacts {
    /// `nvcc --version`'s release (`13.0`).
    pub release: Version,
    /// The full version (`13.0.88`).
    pub version: String,
    /// `nvcc --list-gpu-code`.
    pub gpu_codes: Vec<String>,
    /// ptxas beside nvcc, with its release, when present.
    pub ptxas: Option<(PathBuf, Version)>,
    /// Other parts of the toolkit and the release each reports (headers, wheels).
    pub parts: Vec<(String, Version)>,
}

/// Runs a tool and returns its stdout+stderr, or an error naming it.
pub(crate) fn run_tool(program: &Path, args: &[&str]) -> Result<(bool, String), Error> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            program: program.to_owned(),
            source,
        })?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Ok((output.status.success(), text))
}

/// Parses `release 13.0, V13.0.88` out of `--version` output.
pub fn parse_release(text: &str) -> Option<(Version, String)> {
    let rest = &text[text.find("release ")? + "release ".len()..];
    let (release, rest) = rest.split_once(',')?;
    let release = Version::parse(release)?;
    let full = rest
        .trim()
        .strip_prefix('V')
        .map(|v| v.split_whitespace().next().unwrap_or(v).to_owned())
        .unwrap_or_else(|| release.to_string());
    Some((release, full))
}

/// Facts about the toolkit of `nvcc`, from `cache_dir` when the file is unchanged.
pub fn facts(nvcc: &Path, cache_dir: &Path) -> Result<ToolFacts, Error> {
    // Keyed by every part of the toolkit, not nvcc alone: installing the matching nvvm wheel
    // (or a mismatched one), or CCCL's headers, must be noticed.
    let mut identity: String = toolkit_files(nvcc)
        .iter()
        .map(|f| file_identity(f))
        .collect::<Vec<_>>()
        .join("\n");
    let root = nvcc.parent().and_then(Path::parent);
    let cccl = root.is_some_and(|r| r.join("include/nv/target").exists());
    identity.push_str(&format!("\ncccl={cccl}"));
    let cache = cache_dir.join(format!(
        "toolkit-{}.json",
        &gate_support::digest::sha256_hex(identity.as_bytes())[..16]
    ));
    if let Ok(bytes) = std::fs::read(&cache)
        && let Ok(facts) = serde_json::from_slice::<ToolFacts>(&bytes)
    {
        return Ok(facts);
    }
    let (_, text) = run_tool(nvcc, &["--version"])?;
    let (release, version) = parse_release(&text).ok_or_else(|| Error::ToolOutput {
        what: format!("{} --version", nvcc.display()),
        output: text.lines().take(5).collect::<Vec<_>>().join(" / "),
    })?;
    let (ok, codes) = run_tool(nvcc, &["--list-gpu-code"])?;
    let gpu_codes: Vec<String> = if ok {
        codes
            .split_whitespace()
            .filter(|c| c.starts_with("sm_"))
            .map(str::to_owned)
            .collect()
    } else {
        Vec::new()
    };
    let bin = nvcc.parent().unwrap_or(Path::new("."));
    let ptxas_path = bin.join(exe("ptxas"));
    let ptxas = if ptxas_path.is_file() {
        let (_, text) = run_tool(&ptxas_path, &["--version"])?;
        parse_release(&text).map(|(v, _)| (ptxas_path, v))
    } else {
        None
    };
    let facts = ToolFacts {
        release,
        version,
        gpu_codes,
        ptxas,
        parts: other_parts(nvcc),
    };
    std::fs::create_dir_all(cache_dir).map_err(io(cache_dir))?;
    let json = serde_json::to_vec_pretty(&facts).expect("facts serialise");
    gate_support::atomic::write(&cache, &json).map_err(io(&cache))?;
    Ok(facts)
}

/// The files that make up the toolkit `nvcc` belongs to, those that exist: nvcc, the tools
/// it runs (cudafe++, cicc, ptxas, fatbinary, nvlink), the runtime header, and for the pip
/// layout each CUDA wheel's metadata. A change to any of them changes the toolkit facts, and
/// the build script is rerun when one changes (with the include directory, where a new
/// package such as CCCL lands).
pub fn toolkit_files(nvcc: &Path) -> Vec<PathBuf> {
    let mut files = vec![nvcc.to_owned()];
    let Some(bin) = nvcc.parent() else {
        return files;
    };
    for tool in ["cudafe++", "ptxas", "fatbinary", "nvlink"] {
        files.push(bin.join(exe(tool)));
    }
    if let Some(root) = bin.parent() {
        files.push(root.join("nvvm").join("bin").join(exe("cicc")));
        files.push(root.join("include").join("cuda_runtime_api.h"));
        if root.parent().and_then(Path::file_name) == Some(OsStr::new("nvidia"))
            && let Some(site) = root.parent().and_then(Path::parent)
            && let Ok(entries) = std::fs::read_dir(site)
        {
            let mut wheels: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.starts_with("nvidia_") && name.ends_with(".dist-info")
                })
                .map(|e| e.path().join("METADATA"))
                .collect();
            wheels.sort();
            files.extend(wheels);
        }
    }
    files.retain(|f| f.is_file());
    files
}

fn file_identity(path: &Path) -> String {
    let meta = std::fs::metadata(path).ok();
    let modified = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}|{}|{}|{}",
        path.display(),
        meta.map_or(0, |m| m.len()),
        modified,
        env!("CARGO_PKG_VERSION")
    )
}

/// Releases reported by the toolkit's other parts: the runtime header next to nvcc and,
/// for a pip wheel layout, each wheel's metadata.
fn other_parts(nvcc: &Path) -> Vec<(String, Version)> {
    let mut parts = Vec::new();
    let Some(root) = nvcc.parent().and_then(Path::parent) else {
        return parts;
    };
    let header = root.join("include").join("cuda_runtime_api.h");
    if let Ok(text) = std::fs::read_to_string(&header)
        && let Some(v) = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("#define CUDART_VERSION"))
            .and_then(|v| v.trim().parse::<u32>().ok())
    {
        parts.push((
            "include/cuda_runtime_api.h".to_owned(),
            Version::new(v / 1000, (v % 1000) / 10),
        ));
    }
    // <site-packages>/nvidia/cu13/bin/nvcc: the wheels' metadata sits in <site-packages>.
    if root.parent().and_then(Path::file_name) == Some(OsStr::new("nvidia"))
        && let Some(site) = root.parent().and_then(Path::parent)
        && let Ok(entries) = std::fs::read_dir(site)
    {
        let mut wheels: Vec<(String, Version)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let wheel = name
                    .strip_suffix(".dist-info")?
                    .split('-')
                    .next()?
                    .to_owned();
                let relevant = [
                    "nvidia_cuda_nvcc",
                    "nvidia_nvvm",
                    "nvidia_cuda_crt",
                    "nvidia_cuda_runtime",
                ];
                if !relevant.contains(&wheel.as_str()) {
                    return None;
                }
                let meta = std::fs::read_to_string(e.path().join("METADATA")).ok()?;
                let version = meta.lines().find_map(|l| l.strip_prefix("Version: "))?;
                Some((format!("wheel {wheel}"), Version::parse(version)?))
            })
            .collect();
        wheels.sort();
        parts.extend(wheels);
    }
    parts
}

/// Checks that every part of the toolkit reports nvcc's release. Returns the mismatch as a
/// sentence, or `None` when consistent.
pub fn mixed_toolkit(facts: &ToolFacts) -> Option<String> {
    let mut all = vec![("nvcc".to_owned(), facts.release)];
    if let Some((_, v)) = &facts.ptxas {
        all.push(("ptxas".to_owned(), *v));
    }
    all.extend(facts.parts.iter().cloned());
    let mismatched = all.iter().any(|(_, v)| *v != facts.release);
    mismatched.then(|| {
        all.iter()
            .map(|(part, v)| format!("{part} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

pub use gate_formats::kernel_manifest::HostCompiler;

/// The operating system a target triple names, as far as nvcc cares: `windows`, `macos`, or
/// the triple's system part (`linux`, …). nvcc builds device code for the host compiler it
/// runs with, so it can only build for its own operating system.
pub fn os_of(triple: &str) -> &str {
    if triple.contains("-windows") {
        "windows"
    } else if triple.contains("-apple-") {
        "macos"
    } else {
        triple.split('-').nth(2).unwrap_or(triple)
    }
}

/// Chooses `-ccbin`: `NVCC_CCBIN`, else the C++ compiler the `cc` crate finds for the target
/// (it honours `CXX`), else nvcc's own default.
pub fn host_compiler(env: &Env) -> HostCompiler {
    if let Some(ccbin) = env.get("NVCC_CCBIN") {
        return HostCompiler {
            path: Some(PathBuf::from(ccbin)),
            chosen_by: "NVCC_CCBIN".into(),
        };
    }
    if let (Some(target), Some(host)) = (env.get_str("TARGET"), env.get_str("HOST")) {
        let mut build = cc::Build::new();
        build
            .cpp(true)
            .cargo_metadata(false)
            .cargo_warnings(false)
            .target(&target)
            .host(&host)
            .opt_level(0);
        if let Ok(compiler) = build.try_get_compiler() {
            return HostCompiler {
                path: Some(compiler.path().to_owned()),
                chosen_by: "cc crate".into(),
            };
        }
    }
    HostCompiler {
        path: None,
        chosen_by: "nvcc default".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_is_parsed_from_nvcc_and_ptxas_banners() {
        let nvcc = "nvcc: NVIDIA (R) Cuda compiler driver\nCuda compilation tools, release 13.0, V13.0.88\nBuild cuda_13.0.r13.0/compiler.36424714_0\n";
        assert_eq!(
            parse_release(nvcc),
            Some((Version::new(13, 0), "13.0.88".into()))
        );
        assert_eq!(parse_release("garbage"), None);
    }

    #[test]
    fn mixed_toolkit_names_every_part() {
        let mut facts = ToolFacts {
            release: Version::new(13, 0),
            version: "13.0.88".into(),
            gpu_codes: vec![],
            ptxas: Some((PathBuf::from("ptxas"), Version::new(13, 0))),
            parts: vec![("wheel nvidia_nvvm".into(), Version::new(13, 0))],
        };
        assert_eq!(mixed_toolkit(&facts), None);
        facts
            .parts
            .push(("include/cuda_runtime_api.h".into(), Version::new(12, 9)));
        assert_eq!(
            mixed_toolkit(&facts).unwrap(),
            "nvcc 13.0, ptxas 13.0, wheel nvidia_nvvm 13.0, include/cuda_runtime_api.h 12.9"
        );
    }

    #[test]
    fn discovery_records_every_place_and_honours_nvcc_first() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join(exe("nvcc"));
        std::fs::write(&fake, "").unwrap();
        let env = Env::default().set("NVCC", &fake).set("PATH", "");
        let (found, searched) = discover(&env);
        assert_eq!(found.unwrap().found_via, "NVCC");
        assert_eq!(searched.len(), 1);

        let env = Env::default().set("PATH", dir.path());
        let (found, searched) = discover(&env);
        assert_eq!(found.unwrap().found_via, "PATH");
        let places: Vec<&str> = searched.iter().map(|s| s.place.as_str()).collect();
        assert_eq!(places, ["NVCC", "CUDA_HOME", "CUDA_PATH", "PATH"]);
    }

    #[test]
    fn an_explicit_place_without_nvcc_is_never_replaced_by_another() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(exe("nvcc")), "").unwrap();
        for (var, value) in [
            ("NVCC", dir.path().join("typo").join(exe("nvcc"))),
            ("CUDA_HOME", dir.path().join("none")),
            ("CUDA_PATH", dir.path().join("none")),
        ] {
            let env = Env::default().set(var, &value).set("PATH", dir.path());
            let (found, searched) = discover(&env);
            assert!(
                found.is_none(),
                "{var}: an nvcc on PATH replaced the explicit one"
            );
            let last = searched.last().unwrap();
            assert_eq!(last.place, var);
            assert!(last.detail.contains(EXPLICIT), "{}", last.detail);
        }
    }

    /// The fake nvcc example (`examples/fake_nvcc.rs`), which `cargo test` builds beside
    /// this test binary.
    fn fake_nvcc() -> PathBuf {
        let exe_dir = std::env::current_exe().unwrap();
        let profile = exe_dir.parent().and_then(Path::parent).unwrap();
        let fake = profile.join("examples").join(exe("fake_nvcc"));
        assert!(
            fake.is_file(),
            "{} is missing: `cargo test -p gate-build` builds it (with --lib, build it first: \
             `cargo build -p gate-build --example fake_nvcc`)",
            fake.display()
        );
        fake
    }

    /// A toolkit laid out as the CUDA installer lays it out (`CUDA_PATH\bin\nvcc.exe` on
    /// Windows), with a fake nvcc and ptxas: found through `CUDA_PATH`, asked for its release
    /// and archs, the answer cached until a file of it changes.
    #[test]
    fn a_toolkit_under_cuda_path_is_found_and_asked_for_its_facts() {
        let toolkit = tempfile::tempdir().unwrap();
        let bin = toolkit.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(toolkit.path().join("include")).unwrap();
        for tool in ["nvcc", "ptxas"] {
            std::fs::copy(fake_nvcc(), bin.join(exe(tool))).unwrap();
        }
        std::fs::write(
            toolkit.path().join("include").join("cuda_runtime_api.h"),
            "#define CUDART_VERSION 13000\n",
        )
        .unwrap();
        let env = Env::default()
            .set("CUDA_PATH", toolkit.path())
            .set("PATH", "");
        let (found, _) = discover(&env);
        let found = found.unwrap();
        assert_eq!(found.found_via, "CUDA_PATH");
        assert_eq!(found.path, bin.join(exe("nvcc")));

        let cache = tempfile::tempdir().unwrap();
        let facts = facts(&found.path, cache.path()).unwrap();
        assert_eq!(facts.release, Version::new(13, 0));
        assert_eq!(facts.version, "13.0.88");
        assert!(facts.gpu_codes.iter().any(|c| c == "sm_90"), "{facts:?}");
        let (ptxas, ptxas_release) = facts.ptxas.clone().unwrap();
        assert_eq!(ptxas, bin.join(exe("ptxas")));
        assert_eq!(ptxas_release, Version::new(13, 0));
        assert_eq!(mixed_toolkit(&facts), None);
        // Cached by the identity of the toolkit's files, and the same when asked again.
        let cached = std::fs::read_dir(cache.path()).unwrap().count();
        assert_eq!(cached, 1);
        assert_eq!(facts_again(&found.path, cache.path()), facts);
        // A changed part of it is noticed: a 12.9 runtime header beside a 13.0 nvcc.
        std::fs::write(
            toolkit.path().join("include").join("cuda_runtime_api.h"),
            "#define CUDART_VERSION 12090\n",
        )
        .unwrap();
        let mixed = facts_again(&found.path, cache.path());
        assert!(mixed_toolkit(&mixed).unwrap().contains("12.9"), "{mixed:?}");
    }

    fn facts_again(nvcc: &Path, cache: &Path) -> ToolFacts {
        facts(nvcc, cache).unwrap()
    }

    #[test]
    fn cuda_home_wins_over_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        std::fs::write(dir.path().join("bin").join(exe("nvcc")), "").unwrap();
        let env = Env::default()
            .set("CUDA_HOME", dir.path())
            .set("PATH", dir.path().join("bin"));
        assert_eq!(discover(&env).0.unwrap().found_via, "CUDA_HOME");
    }
}
