//! `histogram_u32.cu`: integer histogram, `bins[values[i] % num_bins] += 1`.
//!
//! **Binning.** Every value is counted: `bin = value % num_bins`, so values `>= num_bins` wrap
//! around rather than being dropped (nothing is silently lost, and no bin index can be out of
//! range). The kernel *adds* to `bins`: zero it first for a plain histogram. Counts wrap modulo
//! `2^32`, as `atomicAdd` does; a single launch counts fewer than `2^32` values, so a zeroed
//! histogram never wraps. `num_bins == 0` is a contract violation ([`cpu`] returns
//! [`ContractError::Empty`]; the kernel returns without touching memory).
//!
//! **Geometry.** 1-D, [`BLOCK`] threads per block (any block size up to 256 and any grid are
//! correct), `grid(n) = (clamp(ceil(n / 4096), 1, MAX_BLOCKS), 1, 1)`: at least 16 values
//! (four 16-byte loads) per thread before the grid grows, and capped because every block adds
//! its private histograms to global memory once; the threads loop over the rest.
//!
//! **Algorithm.** With `num_bins <= SHARED_BINS` (4096), each block counts into shared-memory
//! histograms with shared atomics: one copy per warp when `num_bins <= 512`, one per 2 or 4
//! warps up to 1024 or 2048 bins, a single one above (16 KiB in every case), so warps rarely
//! contend for a counter. It then adds each bin's non-zero total to `bins` with one global
//! `atomicAdd`; larger histograms use global atomics directly. Values are read as 16-byte
//! vectors, four in flight per thread (single values when the buffer is not 16-byte aligned),
//! and a power-of-two `num_bins` takes `v & (num_bins - 1)` instead of `%`: neither changes a
//! count.
//!
//! **Tolerance: [`Tolerance::Exact`].** Integer addition is associative and atomics are exact,
//! so the counts do not depend on scheduling and equal [`cpu`]'s (compare with
//! [`crate::check_exact_u32`]).

use crate::{BLOCK_1D, ContractError, KernelInfo, LaunchConfig, Tolerance};

/// The `.cu` stem.
pub const MODULE: &str = "histogram_u32";
/// The entry point: `histogram_u32(const unsigned int* values, unsigned int n,
/// unsigned int* bins, unsigned int num_bins)`.
pub const ENTRY: &str = "histogram_u32";
/// Parameters of [`ENTRY`].
pub const PARAMS: usize = 4;
/// Threads per block.
pub const BLOCK: u32 = BLOCK_1D;
/// The most blocks of a launch (each flushes up to `num_bins` global atomics once): one wave on
/// an H100 (8 blocks per SM on 132 SMs).
pub const MAX_BLOCKS: u32 = 1024;
/// Values per block before the grid grows: 16 per thread, four 16-byte loads.
pub const VALUES_PER_BLOCK: u32 = 4096;
/// The largest histogram counted in shared memory (`HIST_SHARED_BINS`, 16 KiB per block, which
/// also holds the per-warp copies of smaller histograms).
pub const SHARED_BINS: u32 = 4096;
/// GPU vs [`cpu`]: identical counts.
pub const TOLERANCE: Tolerance = Tolerance::Exact;

/// The [`crate::KERNELS`] row.
pub const INFO: KernelInfo = KernelInfo {
    module: MODULE,
    entry: ENTRY,
    params: PARAMS,
    tolerance: TOLERANCE,
    summary: "u32 histogram, bin = value % num_bins, per-warp shared-memory counts + atomics",
};

/// Blocks for `n` values: `(clamp(ceil(n / VALUES_PER_BLOCK), 1, MAX_BLOCKS), 1, 1)`.
pub fn grid(n: u32) -> (u32, u32, u32) {
    (n.div_ceil(VALUES_PER_BLOCK).clamp(1, MAX_BLOCKS), 1, 1)
}

/// The full launch configuration for `n` values (the bin count does not change it).
pub fn launch_config(n: u32) -> LaunchConfig {
    LaunchConfig {
        grid: grid(n),
        block: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// CPU reference: `bins[v % bins.len()] += 1` (wrapping) for every `v` in `values`, adding to
/// what `bins` holds, like the kernel.
///
/// Errors: [`ContractError::Empty`] when `bins` is empty (no bin to count into);
/// [`ContractError::Overflow`] when `values.len()` or `bins.len()` exceeds `u32`.
pub fn cpu(values: &[u32], bins: &mut [u32]) -> Result<(), ContractError> {
    crate::to_u32("n", values.len())?;
    if bins.is_empty() {
        return Err(ContractError::Empty { what: "bins" });
    }
    let num_bins = crate::to_u32("num_bins", bins.len())?;
    for &v in values {
        let bin = &mut bins[(v % num_bins) as usize];
        *bin = bin.wrapping_add(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_exact_u32;
    use crate::test_support::Rng;

    fn histogram(values: &[u32], num_bins: usize) -> Vec<u32> {
        let mut bins = vec![0; num_bins];
        cpu(values, &mut bins).unwrap();
        bins
    }

    #[test]
    fn known_answers() {
        assert_eq!(histogram(&[0, 1, 1, 3, 3, 3], 4), [1, 2, 0, 3]);
        // Values >= num_bins wrap: 4 -> 0, 7 -> 3, u32::MAX = 4*(2^30 - 1) + 3 -> 3.
        assert_eq!(histogram(&[4, 7, u32::MAX], 4), [1, 0, 0, 2]);
        assert_eq!(histogram(&[5, 6, 7], 1), [3]);
        assert_eq!(histogram(&[], 3), [0, 0, 0]);
    }

    #[test]
    fn adds_to_existing_counts_and_wraps() {
        let mut bins = [10, u32::MAX];
        cpu(&[0, 1, 3], &mut bins).unwrap();
        assert_eq!(bins, [11, 1]);
    }

    #[test]
    fn contract() {
        assert_eq!(
            cpu(&[1, 2], &mut []),
            Err(ContractError::Empty { what: "bins" })
        );
    }

    #[test]
    fn geometry() {
        // (n, blocks)
        for (n, blocks) in [
            (0, 1),
            (1, 1),
            (4096, 1),
            (4097, 2),
            (4096 * 1024, 1024),
            (4096 * 1024 + 1, 1024),
            (u32::MAX, 1024),
        ] {
            assert_eq!(grid(n), (blocks, 1, 1), "n = {n}");
            assert_eq!(launch_config(n).block, (256, 1, 1));
        }
    }

    #[test]
    fn random_counts_match_an_independent_count() {
        let mut rng = Rng::new(9);
        // (values, num_bins): shared-memory path, its edge, and the global-atomics path.
        let cases = [
            (1000, 1),
            (5000, 7),
            (20_000, 256),
            (20_000, 4096),
            (20_000, 4097),
            (3000, 100_000),
        ];
        for (n, num_bins) in cases {
            let values: Vec<u32> = (0..n).map(|_| rng.next_u32()).collect();
            let bins = histogram(&values, num_bins);
            assert_eq!(bins.iter().map(|&c| u64::from(c)).sum::<u64>(), n as u64);
            // Independent count: sort the bin indices and count runs.
            let mut idx: Vec<usize> = values.iter().map(|&v| v as usize % num_bins).collect();
            idx.sort_unstable();
            let mut want = vec![0u32; num_bins];
            for run in idx.chunk_by(|a, b| a == b) {
                want[run[0]] = run.len() as u32;
            }
            check_exact_u32(&bins, &want).unwrap();
        }
    }
}
