//! `kernels/scale.cu`: `y[i] = alpha * x[i] + beta` — this service's own kernel, and its CPU
//! reference.
//!
//! The kernel is compiled at build time by gate-build (PTX and a fatbin in [`crate::kernels`],
//! validated by ptxas for every arch, checked against the minimum driver). [`INFO`] registers
//! the entry point with its CPU reference [`cpu`]; `cargo gate`'s `cuda.contracts` check looks
//! for the entry's name in this package's sources and fails when a kernel has no reference.
//!
//! **Tolerance: exact.** The kernel computes each element with `__fmaf_rn` (one correctly
//! rounded fused multiply-add) and [`cpu`] uses [`f32::mul_add`], also correctly rounded: both
//! round the exact `alpha*x + beta` once, to the same float.

use gate_kernels::{ContractError, KernelInfo, LaunchConfig, Tolerance};

/// The `.cu` stem (the module name in the build manifest).
pub const MODULE: &str = "scale";
/// The entry point: `scale_add(float alpha, const float* x, float beta, float* y, unsigned int n)`.
pub const ENTRY: &str = "scale_add";
/// Parameters of [`ENTRY`].
pub const PARAMS: usize = 5;
/// Threads per block (`__launch_bounds__(256)` in the kernel).
pub const BLOCK: u32 = 256;

/// The kernel's registration: entry point, parameter count, and how closely the GPU result
/// must match [`cpu`].
pub const INFO: KernelInfo = KernelInfo {
    module: MODULE,
    entry: "scale_add",
    params: PARAMS,
    tolerance: Tolerance::Exact,
    summary: "y = alpha*x + beta (single precision, fused multiply-add)",
};

/// Blocks for `n` elements: `(max(1, ceil(n / BLOCK)), 1, 1)`.
pub fn grid(n: u32) -> (u32, u32, u32) {
    (n.div_ceil(BLOCK).max(1), 1, 1)
}

/// The launch configuration for `n` elements.
pub fn launch_config(n: u32) -> LaunchConfig {
    LaunchConfig {
        grid: grid(n),
        block: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// CPU reference: `y[i] = alpha.mul_add(x[i], beta)`, exactly what the kernel computes.
///
/// Errors: [`ContractError::LengthMismatch`] when `y` is not as long as `x`,
/// [`ContractError::Overflow`] when the length exceeds the kernel's `unsigned int`.
pub fn cpu(alpha: f32, x: &[f32], beta: f32, y: &mut [f32]) -> Result<(), ContractError> {
    if y.len() != x.len() {
        return Err(ContractError::LengthMismatch {
            what: "y",
            expected: x.len(),
            got: y.len(),
        });
    }
    if u32::try_from(x.len()).is_err() {
        return Err(ContractError::Overflow { what: "n" });
    }
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = alpha.mul_add(xi, beta);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        let x = [1.0, -2.0, 0.5, 0.0];
        let mut y = [0.0; 4];
        cpu(3.0, &x, 1.0, &mut y).unwrap();
        assert_eq!(y, [4.0, -5.0, 2.5, 1.0]);
    }

    #[test]
    fn one_rounding_like_the_kernel() {
        // (1 + 2^-12)^2 - 1 = 2^-11 + 2^-24: a fused multiply-add keeps the last term, a
        // separate multiply loses it.
        let e = 1.0 / 4096.0;
        let mut y = [0.0f32];
        cpu(1.0 + e, &[1.0 + e], -1.0, &mut y).unwrap();
        assert_eq!(y[0], 2.0 * e + e * e);
    }

    #[test]
    fn contract_is_checked_before_computing() {
        let mut y = [7.0; 3];
        assert_eq!(
            cpu(1.0, &[1.0, 2.0], 0.0, &mut y),
            Err(ContractError::LengthMismatch {
                what: "y",
                expected: 2,
                got: 3
            })
        );
        assert_eq!(y, [7.0; 3], "nothing was written");
        assert_eq!(cpu(1.0, &[], 0.0, &mut []), Ok(()));
    }

    #[test]
    fn geometry_covers_every_element() {
        for (n, blocks) in [(0, 1), (1, 1), (256, 1), (257, 2), (u32::MAX, 1 << 24)] {
            assert_eq!(grid(n), (blocks, 1, 1), "n = {n}");
            let cfg = launch_config(n);
            assert!(u64::from(cfg.grid.0) * u64::from(cfg.block.0) >= u64::from(n));
        }
    }

    #[test]
    fn registration_matches_the_compiled_module() {
        let module = crate::kernels::MODULES
            .iter()
            .find(|m| m.name == INFO.module)
            .expect("kernels/scale.cu was compiled (or recorded as fallback)");
        assert_eq!(module.source, "scale.cu");
        assert_eq!(INFO.entry, ENTRY);
        if crate::kernels::MODE == "native" {
            let entry = module
                .entries
                .iter()
                .find(|e| e.name == INFO.entry)
                .expect("the PTX has the scale_add entry");
            assert_eq!(entry.params, INFO.params);
            assert!(!module.fatbin.is_empty() && !module.digest.is_empty());
        } else {
            assert!(crate::kernels::FALLBACK_REASON.is_some());
        }
    }
}
