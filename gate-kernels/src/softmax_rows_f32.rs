//! `softmax_rows_f32.cu`: numerically stable softmax of every row of a row-major
//! `rows x cols` matrix: `y[r][j] = exp(x[r][j] - max_r) / sum_j' exp(x[r][j'] - max_r)`.
//!
//! **Geometry.** 1-D, [`BLOCK`] threads per block (required exactly: the kernel traps
//! otherwise), `grid(rows) = (clamp(rows, 1, 65535), 1, 1)`: one block per row, block `b`
//! taking rows `b, b + grid, ...` when there are more rows than blocks. Rows are independent,
//! so the grid does not change the result. The kernel also works in place (`y == x`).
//!
//! **Order.** A row is `V = ceil(cols / 4)` vectors of 4 columns (the last one short when 4
//! does not divide `cols`); thread `t` owns vectors `t, t + 256, t + 512, ...`. It takes the
//! max of its columns (from `-inf`) and a fixed tree of `fmaxf` gives the row max `m`. It then
//! keeps four lane sums from `+0.0` and, over its vectors in increasing order, adds
//! `e_j = exp(x_j - m)` of the vector's column `4v + k` to lane `k`; its value is
//! `(l0 + l1) + (l2 + l3)`, and a fixed tree of additions gives the row sum `S`. Finally
//! `y_j = e_j / S`. [`cpu`] replays exactly these steps. A row of up to [`CACHED_COLS`] (4096)
//! columns is read once and kept in registers, so each element is read once and written once;
//! wider rows are read three times in the same order. Neither the path nor the buffers'
//! alignment (16-byte vectors or single floats) changes the result.
//!
//! **Why it is stable.** Every exponent `x_j - m` is `<= 0`, so no `exp` overflows, and the
//! max element contributes `exp(0) = 1`, so `1 <= S <= cols`: finite inputs, however large
//! (`+-1e30`, `+-f32::MAX`), give finite outputs in `[0, 1]`. Non-finite inputs follow IEEE:
//! a `+inf` (`inf - inf`) or a row of only `-inf` gives NaN, and a NaN makes its row NaN.
//!
//! **Tolerance.** The only operation that differs between GPU and CPU is `exp`: CUDA's `expf`
//! is within 2 ulp, the host's `f32::exp` (libm) within 1 ulp; `x_j - m`, the additions (same
//! order) and the division (`__fdiv_rn`) are IEEE on both sides. With `u = 2^-24`,
//! `eps = 2u = f32::EPSILON` and `h = ceil(V / 256) + 2 + 8` roundings in the sum (the lane
//! chain, the two lane additions, the tree: [`sum_height`]), each output differs by at most
//! (first order) 6u in its numerator, 6u + 2*gamma_h in its denominator and 2u in the two
//! divisions: relative `(7 + h) * eps`; we allow `(8 + h) * eps` for the higher-order terms
//! ([`tolerance`]). Values in the subnormal range lose relative precision, so an absolute
//! `f32::MIN_POSITIVE` (`2^-126`) is added; it also covers a build that flushes subnormals to
//! zero. [`TOLERANCE`] (`rel = 1e-5`) is `tolerance(cols)` rounded up for every
//! `cols <= DECLARED_MAX_COLS` (16384, where `h = 26`), and in fact for every
//! `cols <= 66560` (`h <= 75`); wider rows should use `tolerance(cols)`. `--use_fast_math`
//! (`__expf`) voids the bound.
//!
//! Against exact arithmetic there is one more error, shared by GPU and CPU and so absent from
//! the tolerance: `x_j - m` is rounded to `f32`, an absolute error up to `u * |x_j - m|` in the
//! exponent, i.e. a relative error up to `u * |x_j - m|` in `e_j` (`exp`'s condition number).
//! It grows with `|x_j - m|`, so it matters only for outputs much smaller than the largest.

use crate::{BLOCK_1D, ContractError, KernelInfo, LaunchConfig, Tolerance};

/// The `.cu` stem.
pub const MODULE: &str = "softmax_rows_f32";
/// The entry point:
/// `softmax_rows_f32(const float* x, float* y, unsigned int rows, unsigned int cols)`.
pub const ENTRY: &str = "softmax_rows_f32";
/// Parameters of [`ENTRY`].
pub const PARAMS: usize = 4;
/// Threads per block: required exactly (the kernel traps otherwise).
pub const BLOCK: u32 = BLOCK_1D;
/// The most blocks of a launch: a grid x-dimension every GPU accepts; more rows are looped.
pub const MAX_GRID: u32 = 65_535;
/// The widest rows for which [`TOLERANCE`] is declared: `tolerance(16384)` has
/// `rel = 34 * eps ~ 4.1e-6 <= 1e-5` (it stays at or below `1e-5` up to 66560 columns).
pub const DECLARED_MAX_COLS: u32 = 16_384;
/// The widest rows the kernel keeps in registers (4 vectors of 4 floats per thread): read
/// once, written once. Wider rows are read three times.
pub const CACHED_COLS: u32 = 4096;
/// Columns per vector, and lane sums per thread.
pub const LANES: usize = 4;
/// GPU vs [`cpu`] for rows of at most [`DECLARED_MAX_COLS`] columns (see the module docs).
pub const TOLERANCE: Tolerance = Tolerance::Rel {
    rel: 1e-5,
    abs: f32::MIN_POSITIVE,
};

/// The [`crate::KERNELS`] row.
pub const INFO: KernelInfo = KernelInfo {
    module: MODULE,
    entry: ENTRY,
    params: PARAMS,
    tolerance: TOLERANCE,
    summary: "numerically stable row-wise softmax, one block per row, fixed-order sums",
};

/// Blocks for `rows` rows: `(clamp(rows, 1, MAX_GRID), 1, 1)`.
pub fn grid(rows: u32) -> (u32, u32, u32) {
    (rows.clamp(1, MAX_GRID), 1, 1)
}

/// The full launch configuration for `rows` rows (the column count does not change it).
pub fn launch_config(rows: u32) -> LaunchConfig {
    LaunchConfig {
        grid: grid(rows),
        block: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// The most roundings any term passes through in a row sum: `ceil(V / 256)` in the longest
/// lane chain (`V = ceil(cols / 4)` vectors), the 2 lane additions and the 8 tree levels.
pub fn sum_height(cols: u32) -> usize {
    let vectors = cols.div_ceil(LANES as u32);
    vectors.div_ceil(BLOCK) as usize
        + LANES.trailing_zeros() as usize
        + BLOCK.trailing_zeros() as usize
}

/// GPU vs [`cpu`] tolerance for rows of `cols` columns:
/// `Rel { rel: (8 + sum_height(cols)) * f32::EPSILON, abs: f32::MIN_POSITIVE }` (module docs).
pub fn tolerance(cols: u32) -> Tolerance {
    Tolerance::Rel {
        rel: (8 + sum_height(cols)) as f32 * f32::EPSILON,
        abs: f32::MIN_POSITIVE,
    }
}

/// CPU reference: softmax of each of the `rows` rows of `x` (row-major, `cols` wide) into
/// `y`, in the kernel's order (module docs). `rows == 0` or `cols == 0` is an empty matrix:
/// nothing to do.
///
/// Errors: [`ContractError::Overflow`] when `rows * cols` overflows or a dimension exceeds
/// `u32`; [`ContractError::LengthMismatch`] when `x` or `y` is not `rows * cols` long.
pub fn cpu(rows: usize, cols: usize, x: &[f32], y: &mut [f32]) -> Result<(), ContractError> {
    let len = crate::mul("rows*cols", rows, cols)?;
    crate::expect_len("x", len, x.len())?;
    crate::expect_len("y", len, y.len())?;
    crate::to_u32("rows", rows)?;
    crate::to_u32("cols", cols)?;
    if len == 0 {
        return Ok(());
    }
    for (xr, yr) in x.chunks_exact(cols).zip(y.chunks_exact_mut(cols)) {
        softmax_row(xr, yr);
    }
    Ok(())
}

/// One row in the kernel's order: vector `v` (columns `4v..4v+4`) belongs to thread
/// `v % 256`, whose vectors therefore come in increasing order.
fn softmax_row(xr: &[f32], yr: &mut [f32]) {
    let block = BLOCK as usize;
    let mut s = [f32::NEG_INFINITY; BLOCK_1D as usize];
    for (v, vector) in xr.chunks(LANES).enumerate() {
        let slot = &mut s[v % block];
        *slot = vector.iter().fold(*slot, |m, &x| m.max(x));
    }
    let max = crate::block_tree_max(&mut s);
    let mut lanes = [[0.0f32; LANES]; BLOCK_1D as usize];
    for (v, (yv, xv)) in yr.chunks_mut(LANES).zip(xr.chunks(LANES)).enumerate() {
        for ((lane, yj), &xj) in lanes[v % block].iter_mut().zip(yv).zip(xv) {
            let e = (xj - max).exp();
            *yj = e;
            *lane += e;
        }
    }
    for (slot, l) in s.iter_mut().zip(&lanes) {
        *slot = (l[0] + l[1]) + (l[2] + l[3]);
    }
    let sum = crate::block_tree_sum(&mut s);
    for yj in yr.iter_mut() {
        *yj /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Rng;

    fn softmax(rows: usize, cols: usize, x: &[f32]) -> Vec<f32> {
        let mut y = vec![f32::NAN; x.len()];
        cpu(rows, cols, x, &mut y).unwrap();
        y
    }

    /// Softmax in f64 after the f32 subtraction `x - max`, which GPU and CPU share: what
    /// remains is what `tolerance` bounds (exp, sum, division).
    fn softmax_f64(cols: usize, x: &[f32]) -> Vec<f32> {
        x.chunks_exact(cols)
            .flat_map(|row| {
                let m = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                let e: Vec<f64> = row.iter().map(|&v| f64::from(v - m).exp()).collect();
                let s: f64 = e.iter().sum();
                e.into_iter().map(move |v| (v / s) as f32)
            })
            .collect()
    }

    #[test]
    fn known_answers() {
        assert_eq!(softmax(1, 4, &[3.0; 4]), [0.25; 4]);
        assert_eq!(softmax(2, 2, &[0.0, 0.0, 5.0, 5.0]), [0.5; 4]);
        // softmax([0, ln 3]) = [1/4, 3/4].
        let y = softmax(1, 2, &[0.0, 3f32.ln()]);
        tolerance(2).check(&y, &[0.25, 0.75]).unwrap();
        assert_eq!(softmax(1, 1, &[-7.0]), [1.0]);
        assert_eq!(softmax(0, 5, &[]), Vec::<f32>::new());
        assert_eq!(softmax(3, 0, &[]), Vec::<f32>::new());
    }

    #[test]
    fn huge_inputs_stay_finite() {
        let cases: &[&[f32]] = &[
            &[1e30, -1e30, 0.0, 1e30],
            &[-1e30, -1e30, -1e30],
            &[f32::MAX, -f32::MAX, f32::MAX],
            &[-f32::MAX, -f32::MAX],
            &[1e-45, -1e-45, 0.0, -0.0],
        ];
        for &x in cases {
            let y = softmax(1, x.len(), x);
            assert!(
                y.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
                "{x:?} -> {y:?}"
            );
            let total: f32 = y.iter().sum();
            assert!((total - 1.0).abs() <= 4.0 * f32::EPSILON, "{x:?} -> {y:?}");
        }
        assert_eq!(
            softmax(1, 4, &[1e30, -1e30, 0.0, 1e30]),
            [0.5, 0.0, 0.0, 0.5]
        );
    }

    #[test]
    fn non_finite_inputs_follow_ieee() {
        assert!(
            softmax(1, 2, &[f32::INFINITY, 0.0])
                .iter()
                .any(|v| v.is_nan())
        );
        assert!(
            softmax(1, 2, &[f32::NEG_INFINITY; 2])
                .iter()
                .all(|v| v.is_nan())
        );
        // A NaN does not win the max (fmaxf semantics) but poisons the sum.
        assert!(softmax(1, 2, &[f32::NAN, 0.0]).iter().all(|v| v.is_nan()));
        // Rows are independent: a bad row leaves the others alone.
        let y = softmax(2, 2, &[f32::NAN, 0.0, 1.0, 1.0]);
        assert_eq!(y[2..], [0.5, 0.5]);
    }

    #[test]
    fn rows_sum_to_one_and_match_f64_within_tolerance() {
        let mut rng = Rng::new(3);
        // (rows, cols, input range)
        let cases = [
            (1, 1, 1.0),
            (3, 7, 1.0),
            (5, 255, 10.0),
            (4, 256, 10.0),
            (4, 257, 50.0),
            (2, 1000, 100.0),
            (2, 4097, 20.0),
            (1, 16_384, 5.0),
            (1, 40_000, 5.0),
        ];
        for (rows, cols, range) in cases {
            let x = rng.vec_f32(rows * cols, -range, range);
            let y = softmax(rows, cols, &x);
            let h = sum_height(cols as u32);
            for row in y.chunks_exact(cols) {
                // sum y = (sum e / S)(1 + d): |sum - 1| <= gamma_h + u to first order.
                let total: f64 = row.iter().map(|&v| f64::from(v)).sum();
                let bound = crate::gamma(h + 2);
                assert!((total - 1.0).abs() <= bound, "{rows}x{cols}: sum {total}");
            }
            // Apart from the shared rounding of x - max, the CPU reference is within the
            // GPU-vs-CPU tolerance of the exact softmax.
            let exact = softmax_f64(cols, &x);
            tolerance(cols as u32).check(&y, &exact).unwrap();
        }
    }

    #[test]
    fn shift_invariance_is_exact() {
        // Integers: x + c is exact, so (x + c) - (m + c) == x - m bit for bit.
        let mut rng = Rng::new(11);
        let x: Vec<f32> = (0..600)
            .map(|_| (rng.next_u32() % 41) as f32 - 20.0)
            .collect();
        let shifted: Vec<f32> = x.iter().map(|v| v + 1000.0).collect();
        assert_eq!(softmax(2, 300, &x), softmax(2, 300, &shifted));
    }

    /// The documented order written out thread by thread, as the kernel runs it (independent
    /// of [`softmax_row`]'s vector-by-vector loop).
    fn replay(cols: usize, x: &[f32]) -> Vec<f32> {
        let vectors = cols.div_ceil(4);
        let mut y = vec![0.0f32; x.len()];
        for (xr, yr) in x.chunks_exact(cols).zip(y.chunks_exact_mut(cols)) {
            let mut s = [0.0f32; 256];
            for (t, slot) in s.iter_mut().enumerate() {
                let columns = (t..vectors)
                    .step_by(256)
                    .flat_map(|v| 4 * v..(4 * v + 4).min(cols));
                *slot = columns.fold(f32::NEG_INFINITY, |m, j| m.max(xr[j]));
            }
            let m = crate::block_tree_max(&mut s);
            for (t, slot) in s.iter_mut().enumerate() {
                let mut lanes = [0.0f32; 4];
                for v in (t..vectors).step_by(256) {
                    for (k, lane) in lanes.iter_mut().enumerate() {
                        if let Some(&xj) = xr.get(4 * v + k) {
                            *lane += (xj - m).exp();
                        }
                    }
                }
                *slot = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
            }
            let sum = crate::block_tree_sum(&mut s);
            for (yj, &xj) in yr.iter_mut().zip(xr) {
                *yj = (xj - m).exp() / sum;
            }
        }
        y
    }

    #[test]
    fn the_row_sum_uses_four_lanes_per_vector() {
        // e = exp(-17) ~ 4.1e-8 is below half an ulp of 1 (2^-24 ~ 6.0e-8), two of them are
        // above it. Left to right, 1 + e + e + e rounds back to 1 at every step; in one
        // vector the lanes give (1 + e) + (e + e) = 1 + 2^-23.
        let x = [0.0f32, -17.0, -17.0, -17.0];
        let e = (-17.0f32).exp();
        assert_eq!(((1.0 + e) + e) + e, 1.0);
        let y = softmax(1, 4, &x);
        assert_eq!(y[0], 1.0 / (1.0 + f32::EPSILON));
        assert!(y[0] < 1.0);
        // The same exps one grid apart (vectors 0, 256, 512, 768: all lane 0 of thread 0)
        // form one chain, where each is lost again.
        let mut wide = vec![f32::NEG_INFINITY; 4096];
        for j in [0, 1024, 2048, 3072] {
            wide[j] = if j == 0 { 0.0 } else { -17.0 };
        }
        assert_eq!(softmax(1, 4096, &wide)[0], 1.0);
    }

    #[test]
    fn cpu_replays_the_documented_order_bit_for_bit() {
        let mut rng = Rng::new(5);
        for (rows, cols) in [
            (2, 1),
            (3, 5),
            (2, 255),
            (2, 1023),
            (1, 1024),
            (1, 1029),
            (2, 4096),
            (1, 4097),
            (1, 10_001),
        ] {
            let x = rng.vec_f32(rows * cols, -30.0, 30.0);
            let got = softmax(rows, cols, &x);
            let want = replay(cols, &x);
            let same = got
                .iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{rows}x{cols}");
        }
    }

    #[test]
    fn contract() {
        let mut y = [0.0; 6];
        // (rows, cols, x len, y len, error)
        let cases = [
            (
                2,
                3,
                5,
                6,
                ContractError::LengthMismatch {
                    what: "x",
                    expected: 6,
                    got: 5,
                },
            ),
            (
                2,
                3,
                6,
                4,
                ContractError::LengthMismatch {
                    what: "y",
                    expected: 6,
                    got: 4,
                },
            ),
            (
                usize::MAX,
                2,
                0,
                0,
                ContractError::Overflow { what: "rows*cols" },
            ),
            (1 << 32, 0, 0, 0, ContractError::Overflow { what: "rows" }),
        ];
        let x = [0.0; 6];
        for (rows, cols, xl, yl, err) in cases {
            assert_eq!(cpu(rows, cols, &x[..xl], &mut y[..yl]), Err(err));
        }
    }

    #[test]
    fn geometry_and_tolerance() {
        for (rows, blocks) in [
            (0, 1),
            (1, 1),
            (1000, 1000),
            (65_535, 65_535),
            (u32::MAX, 65_535),
        ] {
            assert_eq!(grid(rows), (blocks, 1, 1));
            assert_eq!(launch_config(rows).block, (256, 1, 1));
        }
        // ceil(ceil(cols / 4) / 256) + 2 + 8.
        assert_eq!(sum_height(1), 11);
        assert_eq!(sum_height(1024), 11);
        assert_eq!(sum_height(1025), 12);
        assert_eq!(sum_height(CACHED_COLS), 14);
        assert_eq!(sum_height(DECLARED_MAX_COLS), 26);
        // The declared tolerance covers every width up to DECLARED_MAX_COLS, and in fact up
        // to 66560 columns, not all widths.
        let rel = |t: Tolerance| match t {
            Tolerance::Rel { rel, abs } => {
                assert_eq!(abs, f32::MIN_POSITIVE);
                rel
            }
            other => panic!("unexpected {other:?}"),
        };
        let declared = rel(TOLERANCE);
        assert!(rel(tolerance(DECLARED_MAX_COLS)) <= declared);
        assert!(rel(tolerance(66_560)) <= declared);
        assert!(rel(tolerance(66_561)) > declared);
    }
}
