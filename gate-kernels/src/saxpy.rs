//! `saxpy.cu`: `y[i] = a * x[i] + y[i]`.
//!
//! **Geometry.** 1-D, [`BLOCK`] threads per block, `grid(n) = (max(1, ceil(n / 4096)), 1, 1)`:
//! [`ELEMENTS_PER_THREAD`] elements per thread, read as four 16-byte vectors of `x` and of `y`
//! in flight at once (scalar where a buffer is not 16-byte aligned; the arithmetic is the
//! same). The kernel strides over the grid, so a smaller grid is also correct.
//!
//! **Tolerance: [`Tolerance::Exact`].** The kernel computes every element with `__fmaf_rn`, a
//! correctly rounded fused multiply-add, written out so that nvcc's `-fmad` setting cannot
//! change it; [`cpu`] uses [`crate::fma`], which is also correctly rounded (on every platform,
//! unlike [`f32::mul_add`], which is as good as the platform's `fmaf`). Both therefore
//! round the exact `a*x + y` once, to the same float (subnormals kept: no `-ftz=true`).
//!
//! **Fused vs separate.** A separate multiply then add, `fl(fl(a*x) + y)`, rounds twice. It
//! can differ from the fused result by about one ulp of the larger of `|a*x|` and `|y|` —
//! *not* one ulp of the result, which under cancellation (`a*x ~ -y`) can be tiny. The bound,
//! with `u = 2^-24`, is [`unfused_difference_bound`]:
//! `|fused - unfused| <= (3u + u^2)|a*x| + 2u|y|`, tested below. A fallback that used `a*x + y`
//! would have to be compared with that bound instead of `Exact`.

use crate::{BLOCK_1D, ContractError, KernelInfo, LaunchConfig, Tolerance};

/// The `.cu` stem.
pub const MODULE: &str = "saxpy";
/// The entry point: `saxpy(float a, const float* x, float* y, unsigned int n)`.
pub const ENTRY: &str = "saxpy";
/// Parameters of [`ENTRY`].
pub const PARAMS: usize = 4;
/// Threads per block (any block size up to this one is correct).
pub const BLOCK: u32 = BLOCK_1D;
/// Elements each thread handles at the grid [`grid`] gives: one group of four `float4`.
pub const ELEMENTS_PER_THREAD: u32 = 16;
/// GPU vs [`cpu`]: bit-for-bit (see the module docs).
pub const TOLERANCE: Tolerance = Tolerance::Exact;

/// The [`crate::KERNELS`] row.
pub const INFO: KernelInfo = KernelInfo {
    module: MODULE,
    entry: ENTRY,
    params: PARAMS,
    tolerance: TOLERANCE,
    summary: "y = a*x + y (single precision, fused multiply-add)",
};

/// Blocks for `n` elements: `(max(1, ceil(n / (BLOCK * ELEMENTS_PER_THREAD))), 1, 1)`, at most
/// `2^20` blocks.
pub fn grid(n: u32) -> (u32, u32, u32) {
    (n.div_ceil(BLOCK * ELEMENTS_PER_THREAD).max(1), 1, 1)
}

/// The full launch configuration for `n` elements.
pub fn launch_config(n: u32) -> LaunchConfig {
    LaunchConfig {
        grid: grid(n),
        block: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// CPU reference: `y[i] = fma(a, x[i], y[i])`, exactly what the kernel computes.
///
/// Errors: [`ContractError::LengthMismatch`] when `y` is not as long as `x`,
/// [`ContractError::Overflow`] when the length exceeds the kernel's `u32`. Empty vectors are
/// fine (nothing to do).
pub fn cpu(a: f32, x: &[f32], y: &mut [f32]) -> Result<(), ContractError> {
    crate::expect_len("y", x.len(), y.len())?;
    crate::to_u32("n", x.len())?;
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = crate::fma(a, xi, *yi);
    }
    Ok(())
}

/// How far a separately rounded `fl(fl(a*x) + y)` may be from the fused `fl(a*x + y)`:
/// `(3u + u^2)|a*x| + 2u|y|` with `u` = [`crate::UNIT_ROUNDOFF`] (finite, non-overflowing
/// values; `a*x` is computed exactly in `f64`).
///
/// Derivation: `fused = (a*x + y)(1 + d0)`, `unfused = (a*x(1 + d1) + y)(1 + d2)`, `|di| <= u`,
/// so `unfused - fused = a*x*d1*(1 + d2) + (a*x + y)(d2 - d0)`.
pub fn unfused_difference_bound(a: f32, x: f32, y: f32) -> f64 {
    let u = crate::UNIT_ROUNDOFF;
    let ax = (f64::from(a) * f64::from(x)).abs();
    (3.0 * u + u * u) * ax + 2.0 * u * f64::from(y).abs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Rng, vec_f32_wide};

    #[test]
    fn known_answer() {
        let x = [1.0, 2.0, -3.0, 0.5];
        let mut y = [10.0, 20.0, 30.0, 40.0];
        cpu(2.0, &x, &mut y).unwrap();
        assert_eq!(y, [12.0, 24.0, 24.0, 41.0]);
    }

    #[test]
    fn fused_rounding_is_single() {
        // With e = 2^-12, a*x = (1 + e)^2 = 1 + 2^-11 + 2^-24 exactly; y = -1. Fused keeps the
        // 2^-24 term (2^-11 + 2^-24 needs only 14 bits); rounding a*x first loses it (a tie,
        // rounded to even).
        let e = 1.0 / 4096.0;
        let a = 1.0 + e;
        let x = [1.0 + e];
        let mut y = [-1.0f32];
        cpu(a, &x, &mut y).unwrap();
        assert_eq!(y[0], 2.0 * e + e * e);
        assert_eq!(a * x[0] + -1.0, 2.0 * e);
    }

    #[test]
    fn contract() {
        let mut y = [0.0; 3];
        assert_eq!(
            cpu(1.0, &[1.0, 2.0], &mut y),
            Err(ContractError::LengthMismatch {
                what: "y",
                expected: 2,
                got: 3
            })
        );
        assert_eq!(cpu(1.0, &[], &mut []), Ok(()));
    }

    #[test]
    fn geometry() {
        // (n, blocks)
        let cases = [(0, 1), (1, 1), (4096, 1), (4097, 2), (1 << 26, 1 << 14)];
        for (n, blocks) in cases.into_iter().chain([(u32::MAX, 1 << 20)]) {
            assert_eq!(grid(n), (blocks, 1, 1), "n = {n}");
            let cfg = launch_config(n);
            assert_eq!(cfg.block, (256, 1, 1));
            // Every element falls in some thread's one group.
            let threads = u64::from(cfg.grid.0) * u64::from(BLOCK);
            assert!(threads * u64::from(ELEMENTS_PER_THREAD) >= u64::from(n));
        }
    }

    #[test]
    fn cpu_matches_correctly_rounded_result_and_unfused_stays_in_bound() {
        let mut rng = Rng::new(1);
        let u = crate::UNIT_ROUNDOFF;
        for _ in 0..20 {
            let a = rng.f32_in(-4.0, 4.0);
            let x = vec_f32_wide(&mut rng, 1000, 20);
            // Half the y cancel a*x almost exactly: the case where the unfused error is
            // large relative to the result.
            let y0: Vec<f32> = x
                .iter()
                .enumerate()
                .map(|(i, &xi)| {
                    if i % 2 == 0 {
                        -(a * xi) * (1.0 + rng.f32_in(-1e-6, 1e-6))
                    } else {
                        rng.f32_in(-1e3, 1e3)
                    }
                })
                .collect();
            let mut y = y0.clone();
            cpu(a, &x, &mut y).unwrap();
            for ((&xi, &yi), &got) in x.iter().zip(&y0).zip(&y) {
                // a*x is exact in f64 (24 + 24 bits); the f64 sum is off by at most 2^-53
                // relative, far below the f32 half-ulp we check.
                let exact = f64::from(a) * f64::from(xi) + f64::from(yi);
                assert!(
                    (f64::from(got) - exact).abs() <= u * exact.abs() * (1.0 + 1e-6),
                    "fused result not correctly rounded: a={a} x={xi} y={yi}"
                );
                let unfused = a * xi + yi;
                assert!(
                    (f64::from(unfused) - f64::from(got)).abs()
                        <= unfused_difference_bound(a, xi, yi),
                    "unfused bound violated: a={a} x={xi} y={yi}"
                );
            }
        }
    }
}
