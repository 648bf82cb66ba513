//! `reduce_sum_f32.cu`: the deterministic sum of `n` floats, in one launch.
//!
//! **Launch protocol** ([`launch_plan`], the single source of truth): one launch of [`ENTRY`],
//! `reduce_sum_f32_partial(x, scratch, out, n)`, grid `P = num_blocks(n) =
//! clamp(ceil(n / 4096), 1, 1024)` blocks of [`BLOCK`] threads (the kernel traps on any other
//! shape). `scratch` holds [`scratch_len`]`(n) = P + 1` four-byte words that must be **zero
//! before the first launch**: block `b` writes its partial sum to `scratch[b]`, and word `P`
//! counts the blocks that are done. The last block to arrive sums the `P` partials into
//! `out[0]` and sets the counter back to zero, so a scratch buffer, once zeroed, serves any
//! number of later launches (or graph replays) with the same `n` without a memset. One scratch
//! must not be shared by two launches that can run at the same time.
//!
//! **Order.** View `x` as `V = ceil(n / 4)` vectors of 4 consecutive floats (the last one short
//! when 4 does not divide `n`). With `T = 256 * P` threads, thread `g = 256 * b + t` keeps four
//! lane sums `a0..a3`, each from `+0.0`, and for its vectors `j = g, g + T, g + 2T, ...` in
//! increasing order adds `x[4j + k]` to `a_k`. Its value is `(a0 + a1) + (a2 + a3)`, and the
//! block's 256 values are combined by a fixed binary tree (stride 128, 64, ..., 1: slot `t`
//! becomes `s[t] + s[t + stride]`) into partial `b` ([`cpu_partials`]). The last block then
//! sums the partials as one block would: thread `t` adds partials `t, t + 256, ...` left to
//! right from `+0.0`, and the same tree combines the 256 results ([`cpu_total`]). `P` depends
//! only on `n`, and the final pass reads the partials in index order whichever block arrives
//! last, so the result depends only on the input: no float atomics, no dependence on
//! scheduling or on the buffer's alignment (an unaligned `x` is read four floats at a time,
//! in the same order).
//!
//! **Tolerance: [`Tolerance::Exact`].** There are only additions, written as `__fadd_rn`
//! (nothing to contract, nothing reordered), and [`cpu`] replays the same order, so GPU and CPU
//! agree bit for bit (subnormals kept: no `-ftz=true`).
//!
//! **Error bound against the exact sum.** Every input passes through at most
//! `h(n) = ceil(V / (256*P)) + 2 + 8 + ceil(P / 256) + 8` roundings (its lane's chain, the two
//! lane additions, the block tree, the final pass's chain and its tree; see [`tree_height`]),
//! so for finite results `|cpu(x) - sum(x)| <= gamma_{h(n)} * sum |x_i|` ([`error_bound`]).
//! `h <= 26` for `n <= 2^22` (each lane adds at most 4 vectors before the grid reaches 1024
//! blocks), `h = 118` for `n = 10^8` (`gamma ~ 7.0e-6`), against `n - 1` for a left-to-right
//! sum. The bound is checked against an `f64` sum on random data below.

use crate::{BLOCK_1D, ContractError, KernelInfo, LaunchConfig, Tolerance};

/// The `.cu` stem.
pub const MODULE: &str = "reduce_sum_f32";
/// The entry point:
/// `reduce_sum_f32_partial(const float* x, float* scratch, float* out, unsigned int n)`.
pub const ENTRY: &str = "reduce_sum_f32_partial";
/// Parameters of [`ENTRY`].
pub const PARAMS: usize = 4;
/// Threads per block: required exactly (the kernel traps otherwise), because the tree order
/// depends on it.
pub const BLOCK: u32 = BLOCK_1D;
/// The most blocks of a launch: one wave of 256-thread blocks on an H100 (8 per SM on 132
/// SMs), and few enough partials for the last block to finish quickly.
pub const MAX_BLOCKS: u32 = 1024;
/// Floats per block before the grid grows: 16 per thread, one full group of four 16-byte loads.
pub const FLOATS_PER_BLOCK: u32 = 4096;
/// Floats per vector: each thread reads 16-byte vectors and keeps one lane sum per float.
pub const LANES: usize = 4;
/// GPU vs [`cpu`]: bit-for-bit (same additions in the same order).
pub const TOLERANCE: Tolerance = Tolerance::Exact;

/// The [`crate::KERNELS`] row.
pub const INFO: KernelInfo = KernelInfo {
    module: MODULE,
    entry: ENTRY,
    params: PARAMS,
    tolerance: TOLERANCE,
    summary: "deterministic sum of n floats: fixed-order block partials, summed by the last block",
};

/// Blocks of the launch, which is also the number of partials:
/// `clamp(ceil(n / FLOATS_PER_BLOCK), 1, MAX_BLOCKS)`. It depends only on `n`, which is what
/// makes the sum deterministic (the kernel computes the same and traps on another grid).
pub fn num_blocks(n: u32) -> u32 {
    n.div_ceil(FLOATS_PER_BLOCK).clamp(1, MAX_BLOCKS)
}

/// Four-byte words of scratch the launch needs, zeroed before its first use:
/// `num_blocks(n)` partial sums, then the arrival counter (which the kernel leaves at zero).
pub fn scratch_len(n: u32) -> usize {
    num_blocks(n) as usize + 1
}

/// A buffer of the reduction, as named in [`Launch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buffer {
    /// The caller's `n` input floats.
    Input,
    /// The [`scratch_len`]`(n)` words of scratch: the partial sums and the arrival counter,
    /// zeroed once before the first launch.
    Partials,
    /// The 1-float result.
    Output,
}

/// The launch of [`ENTRY`]:
/// `reduce_sum_f32_partial<<<config>>>(input, scratch, output, n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Launch {
    /// Grid and block.
    pub config: LaunchConfig,
    /// The `x` argument.
    pub input: Buffer,
    /// The `scratch` argument: [`scratch_len`]`(n)` words, zero before the first launch.
    pub scratch: Buffer,
    /// The `out` argument: the last block writes the sum to its element 0.
    pub output: Buffer,
    /// The `n` argument: how many floats `input` holds.
    pub n: u32,
}

/// The launches that sum `n` floats, in order: exactly one (see the module docs).
pub fn launch_plan(n: u32) -> [Launch; 1] {
    [Launch {
        config: LaunchConfig {
            grid: (num_blocks(n), 1, 1),
            block: (BLOCK, 1, 1),
            shared_mem_bytes: 0,
        },
        input: Buffer::Input,
        scratch: Buffer::Partials,
        output: Buffer::Output,
        n,
    }]
}

/// CPU replay of the blocks' phase with `partials.len()` blocks over `x`: block `b` writes
/// `partials[b]`, in exactly the kernel's order (lane sums over the thread's vectors, the two
/// lane additions, the block tree).
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
    let threads = crate::mul("blocks*BLOCK", partials.len(), block)?;
    let sweep = crate::mul("blocks*BLOCK*LANES", threads, LANES)?;
    // One sweep of the grid covers T vectors: vector g of a sweep goes to thread g, so walking
    // the sweeps in order replays every thread's increasing order.
    let mut lanes = vec![[0.0f32; LANES]; threads];
    for chunk in x.chunks(sweep) {
        let mut vectors = chunk.chunks_exact(LANES);
        for (acc, v) in lanes.iter_mut().zip(&mut vectors) {
            for (a, &value) in acc.iter_mut().zip(v) {
                *a += value;
            }
        }
        // The short last vector, if any: its owner is the thread after the complete ones.
        let rest = vectors.remainder();
        if !rest.is_empty() {
            for (a, &value) in lanes[chunk.len() / LANES].iter_mut().zip(rest) {
                *a += value;
            }
        }
    }
    let mut s = [0.0f32; BLOCK_1D as usize];
    for (partial, block_lanes) in partials.iter_mut().zip(lanes.chunks_exact(block)) {
        for (slot, a) in s.iter_mut().zip(block_lanes) {
            *slot = (a[0] + a[1]) + (a[2] + a[3]);
        }
        *partial = crate::block_tree_sum(&mut s);
    }
    Ok(())
}

/// CPU replay of the last block's pass: thread `t` adds `partials[t]`, `partials[t + 256]`,
/// ... left to right from `+0.0`, then the block tree.
pub fn cpu_total(partials: &[f32]) -> f32 {
    let mut s = [0.0f32; BLOCK_1D as usize];
    for (i, &p) in partials.iter().enumerate() {
        s[i % s.len()] += p;
    }
    crate::block_tree_sum(&mut s)
}

/// CPU reference: the sum of `x` in exactly the GPU's order ([`launch_plan`] replayed with
/// [`cpu_partials`] and [`cpu_total`]). The empty sum is `+0.0`.
///
/// Errors: [`ContractError::Overflow`] when `x.len()` exceeds `u32`.
pub fn cpu(x: &[f32]) -> Result<f32, ContractError> {
    let n = crate::to_u32("n", x.len())?;
    let mut partials = vec![0.0f32; num_blocks(n) as usize];
    cpu_partials(x, &mut partials)?;
    Ok(cpu_total(&partials))
}

/// The most roundings any input passes through on its way to the sum:
/// `ceil(V / (256*P)) + 2 + 8 + ceil(P / 256) + 8` with `V = ceil(n / 4)` vectors and
/// `P = num_blocks(n)` (the longest lane chain, the two lane additions, the block tree, the
/// final pass's chain and its tree).
pub fn tree_height(n: u32) -> usize {
    let p = num_blocks(n);
    let levels = BLOCK.trailing_zeros() as usize;
    let vectors = u64::from(n).div_ceil(LANES as u64);
    let chain = vectors.div_ceil(u64::from(p) * u64::from(BLOCK)) as usize;
    let lanes = LANES.trailing_zeros() as usize;
    let last = p.div_ceil(BLOCK) as usize;
    chain + lanes + levels + last + levels
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

    const TWO_24: f32 = 16_777_216.0;

    /// The documented order written out thread by thread, as the kernel runs it (independent
    /// of [`cpu_partials`]' sweep-by-sweep loop).
    fn replay(x: &[f32]) -> f32 {
        let n = x.len();
        let blocks = num_blocks(n as u32) as usize;
        let threads = blocks * 256;
        let vectors = n.div_ceil(4);
        let mut partials = vec![0.0f32; blocks];
        for (b, partial) in partials.iter_mut().enumerate() {
            let mut s = [0.0f32; 256];
            for (t, slot) in s.iter_mut().enumerate() {
                let mut a = [0.0f32; 4];
                let mut j = b * 256 + t;
                while j < vectors {
                    for (k, lane) in a.iter_mut().enumerate() {
                        if let Some(&v) = x.get(4 * j + k) {
                            *lane += v;
                        }
                    }
                    j += threads;
                }
                *slot = (a[0] + a[1]) + (a[2] + a[3]);
            }
            *partial = crate::block_tree_sum(&mut s);
        }
        let mut s = [0.0f32; 256];
        for (t, slot) in s.iter_mut().enumerate() {
            *slot = partials
                .iter()
                .skip(t)
                .step_by(256)
                .fold(0.0, |acc, &p| acc + p);
        }
        crate::block_tree_sum(&mut s)
    }

    fn left_to_right(x: &[f32]) -> f32 {
        x.iter().fold(0.0f32, |acc, &v| acc + v)
    }

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
    fn a_vector_is_split_over_four_lanes() {
        // Left to right, 2^24 + 1 rounds back to 2^24 (ties to even) and all three ones are
        // lost. In one vector, lane 0 holds 2^24 and lanes 1..3 a one each:
        // (2^24 + 1) + (1 + 1) loses only the first.
        let x = [TWO_24, 1.0, 1.0, 1.0];
        assert_eq!(left_to_right(&x), TWO_24);
        assert_eq!(cpu(&x), Ok(TWO_24 + 2.0));
        // A fifth value is the next thread's vector, which meets thread 0 in the tree.
        assert_eq!(cpu(&[TWO_24, 1.0, 1.0, 1.0, 2.0]), Ok(TWO_24 + 4.0));
    }

    #[test]
    fn a_lane_chains_the_vectors_one_grid_apart() {
        // n = 4096: one block, T = 256 threads. Floats 0, 1024, 2048, 3072 are lane 0 of
        // vectors 0, 256, 512, 768, all thread 0's: one chain, where every one is absorbed.
        let mut x = vec![0.0f32; 4096];
        x[0] = TWO_24;
        for i in [1024, 2048, 3072] {
            x[i] = 1.0;
        }
        assert_eq!(cpu(&x), Ok(TWO_24));
        // The same ones as lane 0 of threads 1, 2, 3 meet 2^24 in the tree instead:
        // stride 2 gives 2^24 + 1 -> 2^24 and 1 + 1, stride 1 adds the 2 exactly.
        let mut y = vec![0.0f32; 4096];
        y[0] = TWO_24;
        for i in [4, 8, 12] {
            y[i] = 1.0;
        }
        assert_eq!(cpu(&y), Ok(TWO_24 + 2.0));
        assert_eq!(left_to_right(&y), TWO_24);
    }

    #[test]
    fn order_is_the_tree_not_left_to_right() {
        // 256 values: 2^24 then 255 ones. Left to right every one is lost. Here thread 0 holds
        // (2^24 + 1) + (1 + 1) = 2^24 + 2 and threads 1..63 hold 4 each; the tree adds those
        // multiples of 4 exactly.
        let mut x = vec![1.0f32; 256];
        x[0] = TWO_24;
        assert_eq!(left_to_right(&x), TWO_24);
        assert_eq!(cpu(&x), Ok(TWO_24 + 254.0));
    }

    #[test]
    fn the_last_block_sums_the_partials_as_one_block() {
        // Partials 0..3 meet in the tree, partials 0 and 256 in thread 0's chain.
        let mut p = vec![0.0f32; 1024];
        p[0] = TWO_24;
        p[1..4].fill(1.0);
        assert_eq!(cpu_total(&p), TWO_24 + 2.0);
        let mut q = vec![0.0f32; 1024];
        q[0] = TWO_24;
        for i in [256, 512, 768] {
            q[i] = 1.0;
        }
        assert_eq!(cpu_total(&q), TWO_24);
        assert_eq!(cpu_total(&[]).to_bits(), 0.0f32.to_bits());
    }

    #[test]
    fn cpu_replays_the_documented_order_bit_for_bit() {
        let mut rng = Rng::new(7);
        // One block, remainders of 1..3 floats, several blocks with 1..4 vectors per lane and
        // a clamped grid with several sweeps and a short last vector.
        for n in [
            1usize, 2, 3, 4, 5, 7, 255, 1023, 4096, 4097, 4099, 20_483, 70_001, 4_194_305,
            5_242_883,
        ] {
            let x = vec_f32_wide(&mut rng, n, 30);
            let got = cpu(&x).unwrap();
            assert_eq!(got.to_bits(), replay(&x).to_bits(), "n = {n}");
            let mut partials = vec![0.0; launch_plan(n as u32)[0].config.grid.0 as usize];
            cpu_partials(&x, &mut partials).unwrap();
            assert_eq!(got.to_bits(), cpu_total(&partials).to_bits(), "n = {n}");
        }
    }

    #[test]
    fn geometry() {
        // (n, blocks)
        let cases = [
            (0, 1),
            (1, 1),
            (4096, 1),
            (4097, 2),
            (4096 * 1024, 1024),
            (4096 * 1024 + 1, 1024),
            (u32::MAX, 1024),
        ];
        for (n, blocks) in cases {
            assert_eq!(num_blocks(n), blocks, "n = {n}");
            assert_eq!(scratch_len(n), blocks as usize + 1, "n = {n}");
            let [launch] = launch_plan(n);
            assert_eq!(
                (launch.input, launch.scratch, launch.output, launch.n),
                (Buffer::Input, Buffer::Partials, Buffer::Output, n)
            );
            assert_eq!(launch.config.grid, (blocks, 1, 1));
            assert_eq!(launch.config.block, (256, 1, 1));
            assert_eq!(launch.config.shared_mem_bytes, 0);
        }
    }

    #[test]
    fn tree_heights() {
        // (n, height): lane chain + 2 + 8 + final chain + 8.
        let cases = [
            (0, 2 + 8 + 1 + 8),
            (1, 1 + 2 + 8 + 1 + 8),
            (4096, 4 + 2 + 8 + 1 + 8),
            (4097, 3 + 2 + 8 + 1 + 8),
            (1_000_000, 4 + 2 + 8 + 1 + 8),
            (4096 * 1024, 4 + 2 + 8 + 4 + 8),
            (4096 * 1024 + 1, 5 + 2 + 8 + 4 + 8),
            (100_000_000, 96 + 2 + 8 + 4 + 8),
            (u32::MAX, 4096 + 2 + 8 + 4 + 8),
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
        // More blocks than needed is a valid replay: the idle blocks write +0.0.
        let mut partials = [f32::NAN; 3];
        cpu_partials(&[1.0, 2.0], &mut partials).unwrap();
        assert_eq!(partials, [3.0, 0.0, 0.0]);
    }

    #[test]
    fn error_bound_holds_against_f64_sum() {
        let mut rng = Rng::new(42);
        let sizes = [
            1usize, 2, 3, 255, 256, 257, 1000, 4095, 4097, 65_536, 65_537, 262_145, 1_000_003,
            4_194_305, 6_291_459,
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
        // The documented bound for a hundred million values is far below the left-to-right
        // gamma_{n-1}: the lanes and trees are what keep the error small.
        let n = 100_000_000u32;
        assert!(error_bound(n, 1.0) < crate::gamma(128));
        assert!(error_bound(n, 1.0) * 1e5 < crate::gamma(n as usize - 1));
    }
}
