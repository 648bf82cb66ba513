//! `summarize OUT`: run.sh's last step. Reads what the run left under `OUT/raw/`, writes
//! `OUT/summary.json` and says in a few lines whether the run is complete; exits 0 only when
//! it is (1 when it is not, 2 when it could not write the summary).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool reports on stdout and stderr"
)]

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: summarize OUT (the directory run.sh wrote, with raw/ in it)");
        return ExitCode::from(2);
    };
    let summary = gpu_bundle::summarize(&out.join("raw"));
    let path = out.join("summary.json");
    let written = gate_support::json::pretty_bytes(&summary)
        .map_err(std::io::Error::other)
        .and_then(|bytes| gate_support::atomic::write(&path, &bytes));
    if let Err(e) = written {
        eprintln!("summarize: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    print!("{}", gpu_bundle::describe(&summary));
    println!("summarize: wrote {}", path.display());
    if summary["complete"] == serde_json::Value::Bool(true) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
