// histogram_u32.cu: integer histogram, bins[values[i] % num_bins] += 1 for i in [0, n).
//
// Every value is counted: bin = value % num_bins (values >= num_bins wrap around, none is
// dropped). The kernel ADDS to bins, so the caller zeroes bins first for a plain histogram;
// counts wrap modulo 2^32 like atomicAdd (one launch counts at most n < 2^32 values).
// num_bins == 0 is a contract violation: the kernel then returns without touching memory.
//
// Launch geometry (histogram_u32.rs: `grid`, `BLOCK`): 1-D, 256 threads per block (any block
// size up to 256 and any grid are correct), grid = clamp(ceil(n / 4096), 1, 1024): at least
// 16 values per thread before the grid grows, and capped because every block adds its private
// histogram to global memory once.
//
// Algorithm: if num_bins <= 4096 (HIST_SHARED_BINS), each block counts into private
// shared-memory histograms with shared atomics and then adds its non-zero counts to bins with
// one global atomicAdd per bin; larger histograms do not fit and use global atomics directly.
// Integer addition is associative and atomics are exact, so the result is exact and independent
// of scheduling, grid and alignment: Tolerance::Exact.
//
// Why it should reach >= 80 % of the device-to-device copy bandwidth (256 bins, 64 Mi values,
// H100: one wave of 1024 blocks, 8 per SM at <= 32 registers and 16 KB of shared memory):
// - Bytes in flight: each thread loads HIST_UNROLL = 4 independent uint4 (16 values, 64 bytes)
//   before it counts any of them, where the old kernel had one dependent 4-byte load in flight
//   (the same latency-bound pattern that held the reduction at 64 % of DRAM peak).
// - Less contention: with num_bins <= 512 every warp of the block has its own copy of the
//   histogram (8 copies x 512 bins = the same 16 KB as before), so warps never collide on a
//   shared counter; a copy for every 2 or 4 warps up to 1024 or 2048 bins.
// - No bank conflicts on regular data: the lanes of a warp hold 128 consecutive values; lanes
//   8k..8k+7 count their 4 values in an order rotated by k, so at each of the 4 steps the 32
//   lanes count 32 values with distinct indices mod 32 (for data like i * odd % 256, as in the
//   benchmark, that is 32 distinct banks instead of 8).
// - Cheap bins: num_bins a power of two (the benchmark's 256) takes bin = v & (num_bins - 1),
//   selected once per launch; other counts use the % operator.
// - No per-element bounds checks in the unrolled loop: its condition covers the group's last
//   vector; the remainder vectors and the n % 4 tail values are handled after it.
//
// Alignment: values is read as uint4 when it is 16-byte aligned, which every buffer the runtime
// allocates is (cuMemAlloc aligns to 256 bytes); an offset pointer takes a scalar loop. The
// counts are the same either way.
#include "common.cuh"

#define HIST_SHARED_BINS 4096u
#define HIST_UNROLL 4u
#define HIST_WARP 32u
#define HIST_MAX_COPIES 8u

// Calls count(v) once for every value, in no particular order: uint4 loads (kUnroll in flight)
// when values is aligned, single loads otherwise. Indices are size_t, so any grid is safe
// (blockDim * gridDim may exceed 2^32).
template <unsigned int kUnroll, class Count>
__device__ __forceinline__ void hist_for_each(const unsigned int* values, unsigned int n,
                                              Count count) {
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    const size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (!gk_aligned16(values)) {
        for (size_t i = first; i < n; i += stride) {
            count(__ldg(values + i));
        }
        return;
    }
    const uint4* v4 = reinterpret_cast<const uint4*>(values);
    const size_t full = n / 4u;
    // Lanes 8k..8k+7 of each warp start at value k of their vector (see the header).
    const unsigned int rot = (threadIdx.x >> 3) & 3u;
    auto count4 = [&](uint4 v) {
        if (rot & 1u) v = make_uint4(v.y, v.z, v.w, v.x);
        if (rot & 2u) v = make_uint4(v.z, v.w, v.x, v.y);
        count(v.x);
        count(v.y);
        count(v.z);
        count(v.w);
    };
    size_t j = first;
    // kUnroll loads in flight, then their counts; the condition covers the last vector.
    for (; j + (kUnroll - 1u) * stride < full; j += kUnroll * stride) {
        uint4 v[kUnroll];
#pragma unroll
        for (unsigned int u = 0u; u < kUnroll; ++u) {
            v[u] = __ldg(v4 + j + u * stride);
        }
#pragma unroll
        for (unsigned int u = 0u; u < kUnroll; ++u) {
            count4(v[u]);
        }
    }
    for (; j < full; j += stride) {
        count4(__ldg(v4 + j));
    }
    // The n % 4 values after the last full vector: one each for the grid's first threads.
    if (first < n % 4u) {
        count(__ldg(values + 4u * full + first));
    }
}

// Copies of the histogram per block: the most of 8, 4, 2, 1 that fit HIST_SHARED_BINS words
// (num_bins <= HIST_SHARED_BINS here, so the product cannot wrap).
__device__ __forceinline__ unsigned int hist_copies(unsigned int num_bins) {
    unsigned int copies = HIST_MAX_COPIES;
    while (copies > 1u && copies * num_bins > HIST_SHARED_BINS) {
        copies >>= 1;
    }
    return copies;
}

// The shared-memory path. Every thread of the block calls it (it has barriers).
__device__ void hist_shared(const unsigned int* values, unsigned int n, unsigned int* bins,
                            unsigned int num_bins, unsigned int* s) {
    const unsigned int copies = hist_copies(num_bins);
    const unsigned int words = copies * num_bins;
    for (unsigned int i = threadIdx.x; i < words; i += blockDim.x) {
        s[i] = 0u;
    }
    __syncthreads();
    // Warp w counts into copy w % copies.
    unsigned int* mine = s + (threadIdx.x / HIST_WARP) % copies * num_bins;
    const unsigned int mask = num_bins - 1u;
    if ((num_bins & mask) == 0u) {
        const auto count = [=](unsigned int v) { atomicAdd(mine + (v & mask), 1u); };
        hist_for_each<HIST_UNROLL>(values, n, count);
    } else {
        const auto count = [=](unsigned int v) { atomicAdd(mine + v % num_bins, 1u); };
        hist_for_each<HIST_UNROLL>(values, n, count);
    }
    __syncthreads();
    for (unsigned int bin = threadIdx.x; bin < num_bins; bin += blockDim.x) {
        unsigned int count = 0u;
        for (unsigned int c = 0u; c < copies; ++c) {
            count += s[c * num_bins + bin];
        }
        if (count != 0u) {
            atomicAdd(bins + bin, count);
        }
    }
}

extern "C" __global__ void __launch_bounds__(GK_BLOCK, 8)
    histogram_u32(const unsigned int* values, unsigned int n, unsigned int* bins,
                  unsigned int num_bins) {
    __shared__ unsigned int s[HIST_SHARED_BINS];
    if (num_bins == 0u) {
        return;
    }
    // num_bins is a kernel argument, so this branch is uniform across the block and the
    // __syncthreads() inside hist_shared are reached by every thread.
    if (num_bins <= HIST_SHARED_BINS) {
        hist_shared(values, n, bins, num_bins, s);
    } else {
        // Not tuned: two loads in flight keep this path within the 32 registers.
        const auto count = [=](unsigned int v) { atomicAdd(bins + v % num_bins, 1u); };
        hist_for_each<2u>(values, n, count);
    }
}
