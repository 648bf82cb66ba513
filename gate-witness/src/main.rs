//! The witness as a program of its own: link (or copy) it as `nvcc` into a witness home made
//! by `gate_witness::install` and it records every compile it is handed.

fn main() {
    std::process::exit(gate_witness::witness::main());
}
