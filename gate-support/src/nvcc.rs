//! The nvcc a test of the tool compiles its fixtures with: `NVCC`, else an `nvcc` on `PATH`,
//! else the CUDA 13 wheel of the `python3` on `PATH` (`<site-packages>/nvidia/cu13/bin/nvcc`,
//! as CI installs it). gate-build's toolkit discovery (`gate_build::toolkit::discover`)
//! searches more places and says where it looked; this is for tests that need one nvcc and
//! must not link gate-build (so that a change to gate-build re-runs none of them).

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The nvcc to compile test fixtures with, or `None` when none of the three places has one.
pub fn for_tests() -> Option<PathBuf> {
    let exe = if cfg!(windows) { "nvcc.exe" } else { "nvcc" };
    let on_path = || {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(exe))
            .find(|p| p.is_file())
    };
    let wheel = || {
        let python = if cfg!(windows) { "python" } else { "python3" };
        let out = Command::new(python)
            .args([
                "-c",
                "import site; print('\\n'.join(site.getsitepackages()))",
            ])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|dir| PathBuf::from(dir).join("nvidia/cu13/bin").join(exe))
            .find(|p| p.is_file())
    };
    std::env::var_os("NVCC")
        .map(PathBuf::from)
        .or_else(on_path)
        .or_else(wheel)
}
