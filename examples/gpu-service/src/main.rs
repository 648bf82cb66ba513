//! `gpu-service [INPUT]`: runs the pipeline once over INPUT (whitespace-separated numbers) or
//! over 0, 1, …, 1023, and prints where each step ran.

use gpu_service::{Config, Service, read_input};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), gpu_service::Error> {
    let input = match std::env::args_os().nth(1) {
        Some(path) => read_input(Path::new(&path))?,
        None => (0..1024).map(|i| i as f32).collect(),
    };
    let service = Service::new(Config::default())?;
    let summary = service.process(&input)?;
    println!("n = {}, total = {}", summary.n, summary.total);
    println!("saxpy: {:?}", summary.saxpy);
    println!("reduce_sum: {:?}", summary.reduce);
    if let Some((code, reason)) = service.runtime().fallback_reason() {
        println!("no GPU ({code}): {reason}");
    }
    Ok(())
}
