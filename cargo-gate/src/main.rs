//! The `cargo-gate` binary: `cargo gate …` once it is on PATH. All behaviour lives in the
//! library; this only exits with the code it returns.

fn main() {
    std::process::exit(cargo_gate::cli::main());
}
