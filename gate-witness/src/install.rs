//! Putting the witness in front of a real nvcc, route by route, so that a build finds the
//! witness exactly where it would have found that compiler and nowhere else.
//!
//! A witness home mirrors the real compiler's toolkit: `<home>/bin/nvcc` is the witness,
//! every other entry of the real `bin/` and of the toolkit root (`include/`, `lib64/`,
//! `nvvm/`, …) is a symbolic link to the real one, so a build that derives paths from where
//! it found nvcc (`<bin>/../include`, ptxas beside nvcc) sees the same files. The home's path
//! depends only on the real compiler's path: repeated gate runs hand the build the same
//! values, so no `rerun-if-env-changed` fires and nothing is rebuilt.

use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

/// The file, in a witness home, that names the real compiler.
pub const CONFIG: &str = "witness.json";

/// nvcc's file name on this platform.
pub const NVCC: &str = if cfg!(windows) { "nvcc.exe" } else { "nvcc" };

/// A `bin/` with more entries than this (`/usr/bin`) is not mirrored: only nvcc is put there.
const MIRROR_LIMIT: usize = 256;

/// What a witness home records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// [`crate::record::SCHEMA_VERSION`].
    pub schema: u32,
    /// The real compiler the witness runs.
    pub compiler: PathBuf,
    /// The executable the witness is (what `bin/nvcc` stands for).
    pub witness: PathBuf,
}

/// An installed witness home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    /// The home directory.
    pub dir: PathBuf,
    /// The real compiler behind it.
    pub compiler: PathBuf,
}

impl Home {
    /// The witness, as a build should call it.
    pub fn nvcc(&self) -> PathBuf {
        self.dir.join("bin").join(NVCC)
    }
}

/// Installs (or finds already installed) the witness home for `compiler` under `base`:
/// `<base>/<digest of the compiler's path>/`. `witness` is the executable that acts as nvcc
/// when called by that name (cargo-gate, or the `gate-witness` binary). Nothing is rewritten
/// when the home is already as it should be.
pub fn install(base: &Path, compiler: &Path, witness: &Path) -> io::Result<Home> {
    let compiler = std::fs::canonicalize(behind(compiler))?;
    let witness = std::fs::canonicalize(witness)?;
    let key = gate_support::digest::sha256_hex(compiler.to_string_lossy().as_bytes());
    let dir = base.join(&key[..16]);
    let config = Config {
        schema: crate::record::SCHEMA_VERSION,
        compiler: compiler.clone(),
        witness: witness.clone(),
    };
    let home = Home {
        dir: dir.clone(),
        compiler: compiler.clone(),
    };
    if read_config(&dir).as_ref() == Some(&config) && home.nvcc().exists() {
        return Ok(home);
    }
    let staging = base.join(format!(".tmp-{}-{}", &key[..16], std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(staging.join("bin"))?;
    mirror(&compiler, &staging)?;
    place_witness(&witness, &staging.join("bin").join(NVCC))?;
    let bytes = gate_support::json::pretty_bytes(&config).map_err(io::Error::other)?;
    std::fs::write(staging.join(CONFIG), bytes)?;
    let _ = std::fs::remove_dir_all(&dir);
    gate_support::atomic::move_dir(&staging, &dir)?;
    Ok(home)
}

/// The real compiler behind `nvcc`: itself, or when it is a witness (a gate run inside a
/// gate run's build), the compiler that witness runs.
pub fn behind(nvcc: &Path) -> PathBuf {
    nvcc.parent()
        .and_then(Path::parent)
        .and_then(read_config)
        .map_or_else(|| nvcc.to_path_buf(), |c| c.compiler)
}

/// The home's configuration, when it has a readable one.
pub fn read_config(dir: &Path) -> Option<Config> {
    let text = std::fs::read_to_string(dir.join(CONFIG)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Links every entry of the compiler's `bin/` (but nvcc) and of its toolkit root (but `bin/`)
/// into `staging`.
fn mirror(compiler: &Path, staging: &Path) -> io::Result<()> {
    let Some(bin) = compiler.parent() else {
        return Ok(());
    };
    let entries = |dir: &Path| -> Vec<std::fs::DirEntry> {
        std::fs::read_dir(dir)
            .map(|r| r.filter_map(Result::ok).collect())
            .unwrap_or_default()
    };
    let in_bin = entries(bin);
    if in_bin.len() <= MIRROR_LIMIT {
        for entry in in_bin.iter().filter(|e| e.file_name() != NVCC) {
            link(&entry.path(), &staging.join("bin").join(entry.file_name()))?;
        }
    }
    if let Some(root) = bin.parent() {
        let in_root = entries(root);
        if in_root.len() <= MIRROR_LIMIT && in_bin.len() <= MIRROR_LIMIT {
            for entry in in_root.iter().filter(|e| e.path() != bin) {
                if entry.file_name() == CONFIG {
                    continue;
                }
                link(&entry.path(), &staging.join(entry.file_name()))?;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn link(target: &Path, at: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(unix)]
fn place_witness(witness: &Path, at: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(witness, at)
}

#[cfg(not(unix))]
fn link(_target: &Path, _at: &Path) -> io::Result<()> {
    // Directory symlinks need a privilege Windows users rarely have: no mirror there; a
    // build that derives the toolkit from nvcc's place finds the witness's own directory.
    Ok(())
}

#[cfg(not(unix))]
fn place_witness(witness: &Path, at: &Path) -> io::Result<()> {
    std::fs::hard_link(witness, at).or_else(|_| std::fs::copy(witness, at).map(|_| ()))
}

/// How a build can find an nvcc: the routes of cc, CMake, bindgen_cuda, cudaforge,
/// gate-build, find_cuda_helper (cust, `CUDA_PATH`, `CUDA_ROOT`, `CUDA_TOOLKIT_ROOT_DIR`) and
/// `Command::new("nvcc")`. A fixed toolkit path a build script tries on its own
/// (`/usr/local/cuda`, `/opt/cuda`) is no route: nothing the gate hands the build rewrites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A variable naming the compiler (`NVCC`: cc, cudaforge, gate-build; `CUDACXX` and
    /// `CMAKE_CUDA_COMPILER`: CMake and scripts that hand it on).
    Var(&'static str),
    /// A variable naming the toolkit root (`CUDA_HOME`, `CUDA_PATH`, `CUDA_ROOT`,
    /// `CUDA_TOOLKIT_ROOT_DIR`): `<root>/bin/nvcc`.
    Root(&'static str),
    /// The first `nvcc` on `PATH` (cc's and bindgen_cuda's default, CMake's search,
    /// `Command::new("nvcc")`).
    Path,
}

impl Route {
    /// The variable the route reads (`PATH` for the search of `PATH`).
    pub fn name(self) -> &'static str {
        match self {
            Route::Var(var) | Route::Root(var) => var,
            Route::Path => "PATH",
        }
    }
}

/// Every route, in the order the environment is rewritten.
pub const ROUTES: &[Route] = &[
    Route::Var("NVCC"),
    Route::Var("CUDACXX"),
    Route::Var("CMAKE_CUDA_COMPILER"),
    Route::Root("CUDA_HOME"),
    Route::Root("CUDA_PATH"),
    Route::Root("CUDA_ROOT"),
    Route::Root("CUDA_TOOLKIT_ROOT_DIR"),
    Route::Path,
];

/// The compiler a route leads to in an environment (`get` reads a variable), when it leads to
/// an executable file.
pub fn resolve(route: Route, get: &dyn Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let path = match route {
        Route::Var(var) => PathBuf::from(get(var)?),
        Route::Root(var) => PathBuf::from(get(var)?).join("bin").join(NVCC),
        Route::Path => std::env::split_paths(&get("PATH")?)
            .map(|d| d.join(NVCC))
            .find(|p| p.is_file())?,
    };
    path.is_file().then_some(path)
}

/// The environment a build gets so that every route it would take to an nvcc leads to that
/// compiler's witness instead (installed under `base`), and no route it would not take leads
/// anywhere new: a variable is rewritten only where it is set and names a compiler, `PATH`
/// only where it has an nvcc. Empty where no route leads to a compiler (then the build runs
/// as it would have, falling back where it falls back).
pub fn environment(
    base: &Path,
    witness: &Path,
    get: &dyn Fn(&str) -> Option<OsString>,
) -> io::Result<Vec<(String, OsString)>> {
    let mut env = Vec::new();
    for &route in ROUTES {
        let Some(real) = resolve(route, get) else {
            continue;
        };
        let home = install(base, &real, witness)?;
        match route {
            Route::Var(var) => env.push((var.to_owned(), home.nvcc().into_os_string())),
            Route::Root(var) => env.push((var.to_owned(), home.dir.clone().into_os_string())),
            Route::Path => {
                let old = get("PATH").unwrap_or_default();
                let dirs = std::iter::once(home.dir.join("bin")).chain(std::env::split_paths(&old));
                let joined = std::env::join_paths(dirs).map_err(io::Error::other)?;
                env.push(("PATH".to_owned(), joined));
            }
        }
    }
    Ok(env)
}
