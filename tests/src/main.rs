//! `cargo-gate-dup`: the `cargo-gate` binary built inside the test package, so integration
//! tests can run it through `CARGO_BIN_EXE_cargo-gate-dup` (nextest's integration-tests
//! crate does the same). It must stay a one-liner over the library.

fn main() {
    std::process::exit(cargo_gate::cli::main());
}
