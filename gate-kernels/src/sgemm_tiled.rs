//! `sgemm_tiled.cu`: `C = alpha * A * B + beta * C` in single precision, all row-major, with
//! `A` `m x k`, `B` `k x n`, `C` `m x n`: 128 x 128 output tiles per block, 8 x 8 outputs per
//! thread held in registers, `k` in double-buffered shared-memory stages of 16.
//!
//! **Geometry.** Block [`BLOCK`] = `(16, 16, 1)` (required exactly: the kernel traps
//! otherwise), read as 256 threads `t = 16*ty + tx` in 8 warps; `grid(m, n) =
//! (clamp(ceil(n/128), 1, 65535), clamp(ceil(m/128), 1, 65535), 1)`, no dynamic shared memory.
//! Block `(bx, by)` computes output tiles `(by + i*grid.y, bx + j*grid.x)`, so sizes beyond the
//! grid limits are looped, and sizes that are not multiples of the tiles are padded on load
//! and masked on store. Warp `w` owns the 32 x 64 warp tile at tile rows `32*(w%4)`, columns
//! `64*(w/4)`; its lane `(lane/8, lane%8) = (lr, lc)` owns warp-tile rows `4lr + {0..3}` and
//! `16 + 4lr + {0..3}`, columns `4lc + {0..3}` and `32 + 4lc + {0..3}`.
//!
//! **Design.** Each stage's 128 x 16 slice of `A` (transposed) and 16 x 128 slice of `B` sit
//! in shared memory, two stages deep: each thread fetches its part of stage `s+1` into
//! registers before computing stage `s` and stores it after, with one barrier per stage. For
//! each `l` a thread reads its 8 `A` and 8 `B` values as four 16-byte shared loads and does 64
//! FMAs. Global loads and stores are 16 bytes wide when `k % 4 == 0`, `n % 4 == 0` and the
//! three pointers are 16-byte aligned (the runtime's `cuMemAlloc` buffers are 256-byte
//! aligned); otherwise the same kernel moves single elements, each bounds-checked (one choice
//! per launch). 128 registers, no spills (sm_80, sm_90), 33,280 bytes of static shared
//! memory, 2 blocks per SM. The `.cu` header has the figures behind its speed (4096^3 on an
//! H100: 44.5 TFLOP/s, 86 % of cuBLAS SGEMM's fp32; the previous kernel 57 %).
//!
//! **Order.** Register tiling decides which thread computes an element, not the order of its
//! sum. The thread owning `C[i][j]` computes `acc = +0.0`, then
//! `acc = fma(a[i][l], b[l][j], acc)` for `l = 0, 1, ..., k-1` in order (each a correctly
//! rounded `__fmaf_rn`), then `r = alpha * acc` and, only if `beta != 0`,
//! `r = fma(beta, c[i][j], r)`. The last stage is padded beyond `k` with `A = +0.0` and
//! `B = -0.0`: `fma(+0, -0, acc) == acc` for every `acc`, `-0.0` included (an underflowing
//! product makes `acc == -0.0`; zero padding on both sides would turn it into `+0.0`).
//! With `beta == 0`, `C` is not read (BLAS convention: it may hold NaN). `alpha == 0` does not
//! skip reading `A` and `B`: NaN or infinity there propagate.
//!
//! **Tolerance: [`Tolerance::Exact`].** [`cpu`] performs the same operations with
//! [`crate::fma`] in the same order, so GPU and CPU agree bit for bit (subnormals kept: no
//! `-ftz=true`). The fused operations are explicit, so `-fmad` changes nothing.
//!
//! **Error against the exact product.** A chain of `k` FMAs, then one multiply and one FMA:
//! `|C - (alpha*A*B + beta*C0)|_ij <= gamma_{k+2} |alpha| sum_l |a_il||b_lj| + u |beta c_ij|`
//! ([`error_bound`], `u = 2^-24`; without the last term when `beta == 0`), i.e. the error
//! scales with `k`. Checked against `f64` on random data below.

use crate::{ContractError, KernelInfo, LaunchConfig, Tolerance};

/// The `.cu` stem.
pub const MODULE: &str = "sgemm_tiled";
/// The entry point: `sgemm_tiled(unsigned int m, unsigned int n, unsigned int k, float alpha,
/// const float* a, const float* b, float beta, float* c)`.
pub const ENTRY: &str = "sgemm_tiled";
/// Parameters of [`ENTRY`].
pub const PARAMS: usize = 8;
/// The output tile edge, rows and columns, of one block (`SGEMM_TILE` in the `.cu`).
pub const TILE: u32 = 128;
/// `k` per shared-memory stage (`SGEMM_TK`).
pub const TILE_K: u32 = 16;
/// Threads per block, `(16, 16, 1)`: 256 threads, 8 warps, each thread owning 8 x 8 outputs
/// (module docs).
pub const BLOCK: (u32, u32, u32) = (16, 16, 1);
/// The most blocks per grid dimension: a y-dimension every GPU accepts; more tiles are looped.
pub const MAX_GRID: u32 = 65_535;
/// GPU vs [`cpu`]: bit-for-bit (same FMA chain).
pub const TOLERANCE: Tolerance = Tolerance::Exact;

/// The [`crate::KERNELS`] row.
pub const INFO: KernelInfo = KernelInfo {
    module: MODULE,
    entry: ENTRY,
    params: PARAMS,
    tolerance: TOLERANCE,
    summary: "C = alpha*A*B + beta*C, row-major, 128x128 tiles, 8x8 per thread, in-order FMA chain",
};

/// Blocks for an `m x n` output: `(clamp(ceil(n/TILE), 1, MAX_GRID), clamp(ceil(m/TILE), 1,
/// MAX_GRID), 1)` (x runs along columns, y along rows).
pub fn grid(m: u32, n: u32) -> (u32, u32, u32) {
    (
        n.div_ceil(TILE).clamp(1, MAX_GRID),
        m.div_ceil(TILE).clamp(1, MAX_GRID),
        1,
    )
}

/// The full launch configuration for an `m x n` output (`k` does not change it).
pub fn launch_config(m: u32, n: u32) -> LaunchConfig {
    LaunchConfig {
        grid: grid(m, n),
        block: BLOCK,
        shared_mem_bytes: 0,
    }
}

/// CPU reference: `c = alpha * a * b + beta * c`, with the kernel's exact operations and order
/// (module docs). Zero-sized dimensions are fine (`k == 0` gives `alpha*0 + beta*c`).
///
/// Errors: [`ContractError::Overflow`] when `m*k`, `k*n` or `m*n` overflows or a dimension
/// exceeds `u32`; [`ContractError::LengthMismatch`] when `a`, `b` or `c` is not `m*k`, `k*n`,
/// `m*n` long.
#[allow(clippy::too_many_arguments)] // mirrors the kernel's BLAS-style signature
pub fn cpu(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: &[f32],
    b: &[f32],
    beta: f32,
    c: &mut [f32],
) -> Result<(), ContractError> {
    crate::expect_len("a", crate::mul("m*k", m, k)?, a.len())?;
    crate::expect_len("b", crate::mul("k*n", k, n)?, b.len())?;
    crate::expect_len("c", crate::mul("m*n", m, n)?, c.len())?;
    crate::to_u32("m", m)?;
    crate::to_u32("n", n)?;
    crate::to_u32("k", k)?;
    if m == 0 || n == 0 {
        return Ok(());
    }
    for (i, c_row) in c.chunks_exact_mut(n).enumerate() {
        let a_row = &a[i * k..(i + 1) * k];
        for (j, cij) in c_row.iter_mut().enumerate() {
            // Column j of B: b[l*n + j] for l = 0..k.
            let b_col = b.iter().skip(j).step_by(n);
            let acc = a_row
                .iter()
                .zip(b_col)
                .fold(0.0f32, |acc, (&ail, &blj)| crate::fma(ail, blj, acc));
            let mut r = alpha * acc;
            if beta != 0.0 {
                r = crate::fma(beta, *cij, r);
            }
            *cij = r;
        }
    }
    Ok(())
}

/// Bound on `|cpu(..)[i][j] - exact|` for one element: `gamma(k + 2) * |alpha| * abs_dot +
/// u * |beta * c_old|`, where `abs_dot = sum_l |a_il| * |b_lj|` and `c_old` is the element
/// before the call (the second term is 0 when `beta == 0`, as `C` is then not read).
///
/// Derivation: `acc = sum_l a_il b_lj + e`, `|e| <= gamma_k * abs_dot` (k roundings on the
/// longest path of the FMA chain); `alpha * acc` and the final FMA add one rounding each.
pub fn error_bound(k: usize, alpha: f32, abs_dot: f64, beta: f32, c_old: f32) -> f64 {
    let scaled = crate::gamma(k + 2) * f64::from(alpha).abs() * abs_dot;
    if beta == 0.0 {
        scaled
    } else {
        scaled + crate::UNIT_ROUNDOFF * (f64::from(beta) * f64::from(c_old)).abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Rng, vec_f32_wide};

    #[test]
    fn known_answer() {
        // [1 2 3; 4 5 6] * [7 8; 9 10; 11 12] = [58 64; 139 154]
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [7.0, 8.0, 9.0, 10.0, 11.0, 12.0];
        let mut c = [1.0, 1.0, 1.0, 1.0];
        cpu(2, 2, 3, 2.0, &a, &b, 0.5, &mut c).unwrap();
        assert_eq!(c, [116.5, 128.5, 278.5, 308.5]);
    }

    #[test]
    fn beta_zero_does_not_read_c_and_k_zero_scales_c() {
        let mut c = [f32::NAN, f32::INFINITY];
        cpu(1, 2, 1, 1.0, &[2.0], &[3.0, 4.0], 0.0, &mut c).unwrap();
        assert_eq!(c, [6.0, 8.0]);
        let mut c = [1.0, -2.0];
        cpu(2, 1, 0, 5.0, &[], &[], 3.0, &mut c).unwrap();
        assert_eq!(c, [3.0, -6.0]);
        // Empty outputs are fine.
        cpu(0, 3, 2, 1.0, &[], &[0.0; 6], 1.0, &mut []).unwrap();
    }

    #[test]
    fn contract() {
        // (m, n, k, a len, b len, c len, error)
        let cases = [
            (
                2,
                3,
                4,
                7,
                12,
                6,
                ContractError::LengthMismatch {
                    what: "a",
                    expected: 8,
                    got: 7,
                },
            ),
            (
                2,
                3,
                4,
                8,
                11,
                6,
                ContractError::LengthMismatch {
                    what: "b",
                    expected: 12,
                    got: 11,
                },
            ),
            (
                2,
                3,
                4,
                8,
                12,
                5,
                ContractError::LengthMismatch {
                    what: "c",
                    expected: 6,
                    got: 5,
                },
            ),
            (
                usize::MAX / 2,
                1,
                3,
                0,
                0,
                0,
                ContractError::Overflow { what: "m*k" },
            ),
            (
                0,
                usize::MAX / 2,
                3,
                0,
                0,
                0,
                ContractError::Overflow { what: "k*n" },
            ),
            (
                usize::MAX,
                2,
                0,
                0,
                0,
                0,
                ContractError::Overflow { what: "m*n" },
            ),
            (
                1 << 32,
                0,
                0,
                0,
                0,
                0,
                ContractError::Overflow { what: "m" },
            ),
            (
                0,
                0,
                1 << 32,
                0,
                0,
                0,
                ContractError::Overflow { what: "k" },
            ),
        ];
        let data = [0.0f32; 16];
        let mut c = [0.0f32; 16];
        for (m, n, k, al, bl, cl, err) in cases {
            assert_eq!(
                cpu(m, n, k, 1.0, &data[..al], &data[..bl], 1.0, &mut c[..cl]),
                Err(err),
                "{m}x{n}x{k}"
            );
        }
    }

    #[test]
    fn geometry() {
        // (m, n, grid)
        let cases = [
            (0, 0, (1, 1, 1)),
            (1, 1, (1, 1, 1)),
            (16, 16, (1, 1, 1)),
            (128, 128, (1, 1, 1)),
            (129, 257, (3, 2, 1)),
            (u32::MAX, 100, (1, 65_535, 1)),
        ];
        for (m, n, g) in cases {
            assert_eq!(grid(m, n), g, "{m}x{n}");
            assert_eq!(launch_config(m, n).block, (16, 16, 1));
        }
    }

    #[test]
    fn error_bound_holds_against_f64() {
        let mut rng = Rng::new(5);
        // (m, n, k, alpha, beta): tile-aligned, ragged, degenerate, and a long k.
        let cases = [
            (1, 1, 1, 1.0, 0.0),
            (16, 16, 16, 1.0, 0.0),
            (17, 33, 5, -1.5, 0.25),
            (31, 16, 47, 0.5, -2.0),
            (3, 5, 1000, 1.0, 1.0),
            (40, 24, 300, 2.0, 0.0),
        ];
        for (m, n, k, alpha, beta) in cases {
            let a = vec_f32_wide(&mut rng, m * k, 6);
            let b = rng.vec_f32(k * n, -2.0, 2.0);
            let c0 = rng.vec_f32(m * n, -10.0, 10.0);
            let mut c = c0.clone();
            cpu(m, n, k, alpha, &a, &b, beta, &mut c).unwrap();
            for i in 0..m {
                for j in 0..n {
                    let (mut dot, mut abs_dot) = (0.0f64, 0.0f64);
                    for l in 0..k {
                        let p = f64::from(a[i * k + l]) * f64::from(b[l * n + j]);
                        dot += p;
                        abs_dot += p.abs();
                    }
                    let old = c0[i * n + j];
                    let exact = f64::from(alpha) * dot + f64::from(beta) * f64::from(old);
                    // The f64 reference is off by at most about k * 2^-53 * abs_dot.
                    let slack = (k + 2) as f64 * f64::EPSILON * (abs_dot + f64::from(old).abs());
                    let bound = error_bound(k, alpha, abs_dot, beta, old) + slack;
                    let err = (f64::from(c[i * n + j]) - exact).abs();
                    assert!(err <= bound, "{m}x{n}x{k} [{i}][{j}]: {err:e} > {bound:e}");
                }
            }
        }
    }

    #[test]
    fn accumulation_is_one_fma_chain_in_k_order() {
        // 1x1 output, k = 3: ((0 + 2^24 * 1) + 1 * 1) + 1 * 1 in FMAs. Each partial sum
        // 2^24 + 1 is a tie that rounds to even (2^24), so both ones are lost in k order.
        let a = [16_777_216.0, 1.0, 1.0];
        let b = [1.0, 1.0, 1.0];
        let mut c = [0.0];
        cpu(1, 1, 3, 1.0, &a, &b, 0.0, &mut c).unwrap();
        assert_eq!(c, [16_777_216.0]);
        // Reversed, the ones add first and survive.
        let a = [1.0, 1.0, 16_777_216.0];
        cpu(1, 1, 3, 1.0, &a, &b, 0.0, &mut c).unwrap();
        assert_eq!(c, [16_777_218.0]);
    }
}
