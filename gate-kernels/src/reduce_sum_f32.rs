//! `reduce_sum_f32.cu`: the deterministic sum of `n` floats.
//!
//! **Launch protocol** ([`launch_plan`]): one entry, [`ENTRY`], launched twice with [`BLOCK`]
//! threads per block.
//!
//! 1. grid `P = num_blocks(n) = clamp(ceil(n / 256), 1, 1024)` over the input: writes
//!    `partials[0..P)`, one value per block;
//! 2. grid 1 over the `P` partials: writes the sum to `out[0]`.
//!
//! The runtime allocates `P` floats of partials (see [`num_blocks`]) and 1 float of output.
//! Both launches always happen, also when `P == 1`, so the order below has one shape.
//!
//! **Order.** In a launch with `G` blocks over `n` values, thread `t` of block `b` adds, left
//! to right from `+0.0`, the elements `b*256 + t + j*G*256` for `j = 0, 1, ...`; the block's 256
//! thread sums are then combined by a fixed binary tree (stride 128, 64, ..., 1: slot `t`
//! becomes `s[t] + s[t + stride]`). `G` depends only on `n`, so the result depends only on the
//! input: no float atomics, no dependence on scheduling.
//!
//! **Tolerance: [`Tolerance::Exact`].** There are only additions, written as `__fadd_rn`
//! (nothing to contract, nothing reordered), and [`cpu`] replays the same order, so GPU and CPU
//! agree bit for bit (subnormals kept: no `-ftz=true`).
//!
//! **Error bound against the exact sum.** Every input passes through at most
//! `h(n) = ceil(n / (256*P)) + 8 + ceil(P / 256) + 8` roundings (per-thread chain and tree of
//! each launch; see [`tree_height`]), so for finite results
//! `|cpu(x) - sum(x)| <= gamma_{h(n)} * sum |x_i|` ([`error_bound`]). `h <= 21` for
//! `n <= 2^18`, `h = 24` for `n = 10^6` (about `ceil(log2 n) + 4`, the depth of a pairwise
//! sum), `h = 402` for `n = 10^8` (`gamma ~ 2.4e-5`), against `n - 1` for a left-to-right sum.
//! The bound is checked against an `f64` sum on random data below.

use crate::{BLOCK_1D, ContractError, KernelInfo, LaunchConfig, Tolerance};

/// The `.cu` stem.
pub const MODULE: &str = "reduce_sum_f32";
/// The entry point: `reduce_sum_f32_partial(const float* x, float* partials, unsigned int n)`.
pub const ENTRY: &str = "reduce_sum_f32_partial";
/// Parameters of [`ENTRY`].
pub const PARAMS: usize = 3;
/// Threads per block: required exactly (the kernel traps otherwise), because the tree order
/// depends on it.
pub const BLOCK: u32 = BLOCK_1D;
/// The most blocks of the first launch: about one full wave of 256-thread blocks on a large
/// GPU, and few enough partials for one block to finish.
pub const MAX_BLOCKS: u32 = 1024;
/// GPU vs [`cpu`]: bit-for-bit (same additions in the same order).
pub const TOLERANCE: Tolerance = Tolerance::Exact;

/// The [`crate::KERNELS`] row.
pub const INFO: KernelInfo = KernelInfo {
    module: MODULE,
    entry: ENTRY,
    params: PARAMS,
    tolerance: TOLERANCE,
    summary: "deterministic sum of n floats: fixed-order partial sums per block (launched twice)",
};

/// Blocks of the first launch, which is also the number of partials:
/// `clamp(ceil(n / 256), 1, MAX_BLOCKS)`. It depends only on `n`, which is what makes the sum
/// deterministic.
pub fn num_blocks(n: u32) -> u32 {
    n.div_ceil(BLOCK).clamp(1, MAX_BLOCKS)
}

/// A buffer of the reduction, as named in [`Launch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buffer {
    /// The caller's `n` input floats.
    Input,
    /// The `num_blocks(n)` floats of partial sums (scratch).
    Partials,
    /// The 1-float result.
    Output,
}

/// One launch of [`ENTRY`]: `reduce_sum_f32_partial<<<config>>>(input, output, n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Launch {
    /// Grid and block.
    pub config: LaunchConfig,
    /// The `x` argument.
    pub input: Buffer,
    /// The `partials` argument; block `b` writes element `b`.
    pub output: Buffer,
    /// The `n` argument: how many floats `input` holds.
    pub n: u32,
}

/// The two launches that sum `n` floats, in order (see the module docs).
pub fn launch_plan(n: u32) -> [Launch; 2] {
    let partials = num_blocks(n);
    let config = |blocks| LaunchConfig {
        grid: (blocks, 1, 1),
        block: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    };
    [
        Launch {
            config: config(partials),
            input: Buffer::Input,
            output: Buffer::Partials,
            n,
        },
        Launch {
            config: config(1),
            input: Buffer::Partials,
            output: Buffer::Output,
            n: partials,
        },
    ]
}

/// CPU replay of one launch with `partials.len()` blocks over `x`: block `b` writes
/// `partials[b]`, in exactly the kernel's order.
///
/// Errors: [`ContractError::Empty`] for no partials (a launch needs a block),
/// [`ContractError::Overflow`] when `x.len()` or the block count exceeds `u32`.
pub fn cpu_partials(x: &[f32], partials: &mut [f32]) -> Result<(), ContractError> {
    crate::to_u32("n", x.len())?;
    if partials.is_empty() {
        return Err(ContractError::Empty { what: "partials" });
    }
    crate::to_u32("blocks", partials.len())?;
    let block = BLOCK as usize;
    let stride = crate::mul("blocks*BLOCK", partials.len(), block)?;
    let mut s = [0.0f32; BLOCK_1D as usize];
    for (b, partial) in partials.iter_mut().enumerate() {
        for (t, slot) in s.iter_mut().enumerate() {
            // Thread t of block b: elements b*256 + t, then every `stride` further.
            *slot = x
                .iter()
                .skip(b * block + t)
                .step_by(stride)
                .fold(0.0f32, |acc, &v| acc + v);
        }
        *partial = crate::block_tree_sum(&mut s);
    }
    Ok(())
}

/// CPU reference: the sum of `x` in exactly the GPU's order ([`launch_plan`] replayed with
/// [`cpu_partials`]). The empty sum is `+0.0`.
///
/// Errors: [`ContractError::Overflow`] when `x.len()` exceeds `u32`.
pub fn cpu(x: &[f32]) -> Result<f32, ContractError> {
    let n = crate::to_u32("n", x.len())?;
    let mut partials = vec![0.0f32; num_blocks(n) as usize];
    cpu_partials(x, &mut partials)?;
    let mut out = [0.0f32];
    cpu_partials(&partials, &mut out)?;
    Ok(out[0])
}

/// The most roundings any input passes through on its way to the sum:
/// `ceil(n / (256*P)) + 8 + ceil(P / 256) + 8` with `P = num_blocks(n)` (the longest
/// per-thread chain and the 8 tree levels of each launch).
pub fn tree_height(n: u32) -> usize {
    let p = num_blocks(n);
    let levels = BLOCK.trailing_zeros() as usize;
    let first = u64::from(n).div_ceil(u64::from(p) * u64::from(BLOCK)) as usize;
    let second = p.div_ceil(BLOCK) as usize;
    first + levels + second + levels
}

/// Bound on `|cpu(x) - exact sum|` for `n` inputs whose absolute values sum to `abs_sum`:
/// `gamma(tree_height(n)) * abs_sum` (valid while no partial sum overflows).
pub fn error_bound(n: u32, abs_sum: f64) -> f64 {
    crate::gamma(tree_height(n)) * abs_sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Rng, vec_f32_wide};

    #[test]
    fn known_answers() {
        // Integers below 2^24 add exactly in any order.
        let x: Vec<f32> = (1..=1000).map(|i| i as f32).collect();
        assert_eq!(cpu(&x), Ok(500_500.0));
        assert_eq!(cpu(&[]), Ok(0.0));
        assert_eq!(cpu(&[-2.5]), Ok(-2.5));
        // -0.0 + +0.0 = +0.0: the accumulators start at +0.0, as on the GPU.
        assert_eq!(cpu(&[-0.0]).map(f32::to_bits), Ok(0.0f32.to_bits()));
    }

    #[test]
    fn order_is_the_tree_not_left_to_right() {
        // 256 values, one per thread of one block. Left to right, 2^24 + 1 rounds back to 2^24
        // every time and all ones are lost. The tree absorbs only the single 1 paired with
        // 2^24 at the first level; the others meet pairwise and survive.
        let mut x = vec![1.0f32; 256];
        x[0] = 16_777_216.0;
        assert_eq!(x.iter().fold(0.0f32, |acc, &v| acc + v), 16_777_216.0);
        assert_eq!(cpu(&x), Ok(16_777_216.0 + 254.0));
    }

    #[test]
    fn cpu_is_the_two_launches() {
        let mut rng = Rng::new(7);
        for n in [1usize, 300, 70_000] {
            let x = vec_f32_wide(&mut rng, n, 30);
            let plan = launch_plan(n as u32);
            let mut partials = vec![0.0; plan[0].config.grid.0 as usize];
            cpu_partials(&x, &mut partials).unwrap();
            assert_eq!(plan[1].n as usize, partials.len());
            let mut out = [0.0];
            cpu_partials(&partials, &mut out).unwrap();
            assert_eq!(cpu(&x).map(f32::to_bits), Ok(out[0].to_bits()));
        }
    }

    #[test]
    fn geometry() {
        // (n, blocks of the first launch)
        let cases = [
            (0, 1),
            (1, 1),
            (256, 1),
            (257, 2),
            (256 * 1024, 1024),
            (256 * 1024 + 1, 1024),
            (u32::MAX, 1024),
        ];
        for (n, blocks) in cases {
            assert_eq!(num_blocks(n), blocks, "n = {n}");
            let [first, second] = launch_plan(n);
            assert_eq!(
                (first.input, first.output, first.n),
                (Buffer::Input, Buffer::Partials, n)
            );
            assert_eq!(first.config.grid, (blocks, 1, 1));
            assert_eq!(
                (second.input, second.output, second.n),
                (Buffer::Partials, Buffer::Output, blocks)
            );
            assert_eq!(second.config.grid, (1, 1, 1));
            for launch in [first, second] {
                assert_eq!(launch.config.block, (256, 1, 1));
                assert_eq!(launch.config.shared_mem_bytes, 0);
            }
        }
    }

    #[test]
    fn tree_heights() {
        // (n, height): per-thread chain + 8 + pass-2 chain + 8.
        let cases = [
            (0, 8 + 1 + 8),
            (1, 1 + 8 + 1 + 8),
            (256 * 1024, 1 + 8 + 4 + 8),
            (256 * 1024 + 1, 2 + 8 + 4 + 8),
            (100_000_000, 382 + 8 + 4 + 8),
        ];
        for (n, h) in cases {
            assert_eq!(tree_height(n), h, "n = {n}");
        }
    }

    #[test]
    fn contract() {
        assert_eq!(
            cpu_partials(&[1.0], &mut []),
            Err(ContractError::Empty { what: "partials" })
        );
        // More blocks than needed is a valid launch: the idle blocks write +0.0.
        let mut partials = [f32::NAN; 3];
        cpu_partials(&[1.0, 2.0], &mut partials).unwrap();
        assert_eq!(partials, [3.0, 0.0, 0.0]);
    }

    #[test]
    fn error_bound_holds_against_f64_sum() {
        let mut rng = Rng::new(42);
        let sizes = [
            1usize, 2, 3, 255, 256, 257, 1000, 65_536, 65_537, 262_144, 262_145, 1_000_003,
        ];
        for (case, &n) in sizes.iter().enumerate() {
            // Alternate well-scaled data and data spanning 2^-20..2^20 with cancellation.
            let x = if case % 2 == 0 {
                rng.vec_f32(n, -1.0, 1.0)
            } else {
                vec_f32_wide(&mut rng, n, 20)
            };
            let got = f64::from(cpu(&x).unwrap());
            let exact: f64 = x.iter().map(|&v| f64::from(v)).sum();
            let abs_sum: f64 = x.iter().map(|&v| f64::from(v).abs()).sum();
            // The f64 reference itself is off by at most n * 2^-53 * abs_sum.
            let reference_slack = n as f64 * f64::EPSILON * abs_sum;
            let bound = error_bound(n as u32, abs_sum) + reference_slack;
            let err = (got - exact).abs();
            assert!(err <= bound, "n = {n}: |error| {err:e} > bound {bound:e}");
        }
    }

    #[test]
    fn error_bound_is_tighter_than_sequential() {
        // The documented bound for a million values is far below the left-to-right
        // gamma_{n-1}: the tree is what keeps the error small.
        let n = 1_000_000u32;
        assert!(error_bound(n, 1.0) < crate::gamma(32));
        assert!(error_bound(n, 1.0) * 1000.0 < crate::gamma(n as usize - 1));
    }
}
