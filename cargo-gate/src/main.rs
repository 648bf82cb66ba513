//! The `cargo-gate` binary: `cargo gate …` once it is on PATH. All behaviour lives in the
//! library; this only exits with the code it returns. Called as `nvcc` (the witness the gate
//! puts in front of the real compiler while it builds), it is gate-witness's witness.

fn main() {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    if gate_witness::called_as_nvcc(&argv0) {
        std::process::exit(gate_witness::witness::main());
    }
    std::process::exit(cargo_gate::cli::main());
}
