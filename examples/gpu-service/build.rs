//! Compiles `kernels/*.cu` with gate-build. Without nvcc the build still succeeds: the
//! manifest says `fallback` and why, and the CPU reference in `src/scale.rs` is the only
//! implementation.

fn main() -> Result<(), gate_build::Error> {
    gate_build::Kernels::new().dir("kernels").build()?;
    Ok(())
}
