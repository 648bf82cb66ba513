//! A stand-in for nvcc and ptxas, for gate-build's own tests of toolkit discovery: copied into
//! a fake toolkit as `bin/nvcc(.exe)` and `bin/ptxas(.exe)`, it answers `--version` and
//! `--list-gpu-code` as the CUDA 13.0 tools do, and refuses everything else. It lets those
//! tests run where no toolkit can be installed (Windows under Wine: there is no `nvcc.exe`).
//! `cargo test` builds it, as it builds every example; it is not part of the published crate.

use std::process::ExitCode;

#[expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a stand-in command line tool: printing is what it does"
)]
fn main() -> ExitCode {
    let program = std::env::args()
        .next()
        .map(|p| {
            std::path::Path::new(&p)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--version"] if program == "ptxas" => {
            println!("ptxas: NVIDIA (R) Ptx optimizing assembler");
            println!("Cuda compilation tools, release 13.0, V13.0.88");
            ExitCode::SUCCESS
        }
        ["--version"] => {
            println!("nvcc: NVIDIA (R) Cuda compiler driver");
            println!("Cuda compilation tools, release 13.0, V13.0.88");
            ExitCode::SUCCESS
        }
        ["--list-gpu-code"] => {
            for arch in [
                "sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "sm_100", "sm_120",
            ] {
                println!("{arch}");
            }
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("fake {program}: not a real toolkit; cannot do {other:?}");
            ExitCode::from(1)
        }
    }
}
