//! Compiles `src/*.cu` with gate-build. Without nvcc (and `GATE_CUDA` unset or `auto`) the
//! build still succeeds: the manifest says `fallback` and the CPU references are the only
//! implementation.

fn main() -> Result<(), gate_build::Error> {
    gate_build::Kernels::new().dir("src").build()?;
    Ok(())
}
