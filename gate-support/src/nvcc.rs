//! Where a CUDA pip wheel puts nvcc, and the nvcc a test of the tool compiles its fixtures
//! with. gate-build's toolkit discovery (`gate_build::toolkit::discover`) searches more places
//! and says where it looked; it reads the wheel layout from here ([`site_packages`],
//! [`in_wheels`]), and so does [`for_tests`], for tests that need one nvcc and must not link
//! gate-build (so that a change to gate-build re-runs none of them).

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// nvcc's file name on this platform.
const EXE: &str = if cfg!(windows) { "nvcc.exe" } else { "nvcc" };

/// The site-packages directories of the `python3` (`python` on Windows) found on `path`
/// (this process's `PATH` when `None`), or why they could not be listed.
pub fn site_packages(path: Option<&OsStr>) -> Result<Vec<PathBuf>, String> {
    let python = if cfg!(windows) { "python" } else { "python3" };
    let script = "import site, sysconfig\n\
                  paths = [sysconfig.get_paths()['purelib'], sysconfig.get_paths()['platlib']]\n\
                  paths += getattr(site, 'getsitepackages', lambda: [])()\n\
                  paths.append(site.getusersitepackages())\n\
                  print('\\n'.join(dict.fromkeys(paths)))";
    let mut cmd = Command::new(python);
    cmd.args(["-c", script])
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    let output = cmd
        .output()
        .map_err(|e| format!("{python} not runnable ({e})"))?;
    if !output.status.success() {
        return Err(format!("{python} failed to list its site-packages"));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect())
}

/// The nvcc of a CUDA wheel under one of `dirs`: `nvidia/cu13/bin/nvcc`, then `cu12`.
pub fn in_wheels(dirs: &[PathBuf]) -> Option<PathBuf> {
    dirs.iter()
        .flat_map(|dir| {
            ["cu13", "cu12"].map(|cu| dir.join("nvidia").join(cu).join("bin").join(EXE))
        })
        .find(|p| p.is_file())
}

/// The nvcc to compile test fixtures with: `NVCC`, else an `nvcc` on `PATH`, else a CUDA
/// wheel of the `python3` on `PATH` (as CI installs it); `None` when none of them has one.
pub fn for_tests() -> Option<PathBuf> {
    let on_path = || {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(EXE))
            .find(|p| p.is_file())
    };
    std::env::var_os("NVCC")
        .map(PathBuf::from)
        .or_else(on_path)
        .or_else(|| in_wheels(&site_packages(None).ok()?))
}
