// histogram_u32.cu: integer histogram, bins[values[i] % num_bins] += 1 for i in [0, n).
//
// Every value is counted: bin = value % num_bins (values >= num_bins wrap around, none is
// dropped). The kernel ADDS to bins, so the caller zeroes bins first for a plain histogram;
// counts wrap modulo 2^32 like atomicAdd (one launch counts at most n < 2^32 values).
// num_bins == 0 is a contract violation: the kernel then returns without touching memory.
//
// Launch geometry (histogram_u32.rs: `grid`, `BLOCK`): 1-D, 256 threads per block (any block
// size up to 256 is correct), grid = clamp(ceil(n / 256), 1, 1024): capped because every block
// flushes its private histogram to global memory once.
//
// Algorithm: if num_bins <= 4096 (HIST_SHARED_BINS), each block counts into a private
// shared-memory histogram with shared atomics and then adds its non-zero counts to bins with
// one global atomicAdd per bin; larger histograms do not fit and use global atomics directly.
// Integer addition is associative and atomics are exact, so the result is exact and independent
// of scheduling: Tolerance::Exact.
#include "common.cuh"

#define HIST_SHARED_BINS 4096u

extern "C" __global__ void __launch_bounds__(GK_BLOCK)
    histogram_u32(const unsigned int* values, unsigned int n, unsigned int* bins,
                  unsigned int num_bins) {
    __shared__ unsigned int s[HIST_SHARED_BINS];
    if (num_bins == 0u) {
        return;
    }
    // num_bins is a kernel argument, so this branch is uniform across the block and the
    // __syncthreads() inside it are reached by every thread.
    if (num_bins <= HIST_SHARED_BINS) {
        for (unsigned int bin = threadIdx.x; bin < num_bins; bin += blockDim.x) {
            s[bin] = 0u;
        }
        __syncthreads();
        GK_GRID_STRIDE_LOOP(i, n) {
            atomicAdd(&s[values[i] % num_bins], 1u);
        }
        __syncthreads();
        for (unsigned int bin = threadIdx.x; bin < num_bins; bin += blockDim.x) {
            const unsigned int count = s[bin];
            if (count != 0u) {
                atomicAdd(&bins[bin], count);
            }
        }
    } else {
        GK_GRID_STRIDE_LOOP(i, n) {
            atomicAdd(&bins[values[i] % num_bins], 1u);
        }
    }
}
