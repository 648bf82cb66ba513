// reduce_sum_f32.cu: deterministic sum of n floats in ONE launch.
//
// Launch protocol (reduce_sum_f32.rs: `launch_plan`, `num_blocks`, `scratch_len`, `BLOCK`):
//   reduce_sum_f32_partial<<<P, 256>>>(x, scratch, out, n),  P = num_blocks(n)
//                                                               = clamp(ceil(n / 4096), 1, 1024),
//   scratch: scratch_len(n) = P + 1 four-byte words, ZERO before the first launch: P partial
//   sums, then an arrival counter. Block b writes scratch[b]; the last block to arrive sums
//   scratch[0..P) into out[0] and sets the counter back to zero, so the same scratch serves the
//   next launch (or graph replay) with no memset. One scratch must not serve two launches that
//   run at the same time. The kernel traps on any other grid or block shape: the order below
//   depends on P, and a wrong grid would otherwise return a sum the CPU cannot replay.
//
// Order (the whole determinism story). View x as V = ceil(n / 4) vectors of 4 consecutive
// floats (the last one short when 4 does not divide n). With T = 256 * P threads, thread
// g = 256 * b + t keeps 4 lane sums a0..a3 from +0.0 and, for its vectors j = g, g + T,
// g + 2T, ... in increasing order, adds x[4j + k] to a_k (k < 4, 4j + k < n). Its value is
// (a0 + a1) + (a2 + a3); the block's 256 values meet in the fixed tree of gk_block_tree_sum and
// give partial b. The last block then sums the P partials exactly as a one-block pass would:
// thread t adds partials t, t + 256, ... from +0.0, and the same tree combines them. Every step
// depends on n alone (P is a function of n, and which block comes last does not matter: the
// final pass reads all P partials in index order), so the result depends only on x. All
// additions are __fadd_rn (no contraction, no reassociation); the Rust reference replays the
// order bit for bit (Tolerance::Exact, subnormals kept).
//
// Why it should reach >= 90 % of the device-to-device copy bandwidth (H100: one wave of
// 1024 x 256 threads, 8 blocks of <= 32 registers per SM on 132 SMs, so no tail wave):
// - The old kernel kept one dependent 4-byte load in flight per thread (8 KB per SM, a warp
//   eligible 20 % of cycles: latency-bound at 64 % of DRAM peak). Here each thread issues
//   RS_UNROLL = 4 independent 16-byte loads before it adds any of them: 64 bytes per thread,
//   128 KB per SM in flight, several times what Little's law asks for at ~3 TB/s and ~1 us of
//   loaded DRAM latency (about 25 KB per SM).
// - The unrolled loop has no per-element bounds checks or 64-bit index arithmetic: its
//   condition covers the group's last vector; the remainder vectors and the n % 4 tail floats
//   are handled after it. Indices stay below 2^30 + 2^21 (V <= 2^30, T <= 2^18): no wrap.
// - The second launch over the partials (~4.6 us of ~125 us) is gone: the last block to
//   finish reads 1024 partials from L2 (ld.global.cg) and writes the sum, which costs a few
//   hundred ns at the end of the same launch.
//
// Alignment: x is read as float4 when it is 16-byte aligned, which every buffer the runtime
// allocates is (cuMemAlloc aligns to 256 bytes). An offset pointer takes a scalar path that
// loads the same vectors four floats at a time: same order, same result, only slower.
//
// Memory ordering of the last-block hand-off: thread 0 of each block stores its partial, then
// __threadfence() (release), then atomicAdd on the counter. The block that draws the last ticket
// fences again (acquire) before a barrier publishes that to its threads, which read the
// partials with __ldcg (from L2, never a stale L1 line).
#include "common.cuh"

// Blocks of a launch: ceil(n / RS_FLOATS_PER_BLOCK), at least 1, at most RS_MAX_BLOCKS; the
// Rust `num_blocks` computes the same. 4096 floats per block give each thread at least one
// full unrolled group (16 floats) before another block is added.
#define RS_FLOATS_PER_BLOCK 4096u
#define RS_MAX_BLOCKS 1024u

__device__ __forceinline__ unsigned int rs_num_blocks(unsigned int n) {
    const unsigned int blocks = n / RS_FLOATS_PER_BLOCK + (n % RS_FLOATS_PER_BLOCK != 0u ? 1u : 0u);
    return blocks < 1u ? 1u : (blocks > RS_MAX_BLOCKS ? RS_MAX_BLOCKS : blocks);
}

// Vector j of x (floats 4j .. 4j+3, all below n): one 16-byte load when x is aligned, else four
// scalar loads of the same floats.
template <bool kVec>
__device__ __forceinline__ float4 rs_load(const float* x, unsigned int j) {
    if (kVec) {
        return __ldg(reinterpret_cast<const float4*>(x) + j);
    }
    const float* p = x + 4ull * j;
    return make_float4(__ldg(p), __ldg(p + 1), __ldg(p + 2), __ldg(p + 3));
}

// Lane-wise a += v: lane k only ever adds element k of each vector.
__device__ __forceinline__ void rs_add(float4& a, const float4 v) {
    a.x = __fadd_rn(a.x, v.x);
    a.y = __fadd_rn(a.y, v.y);
    a.z = __fadd_rn(a.z, v.z);
    a.w = __fadd_rn(a.w, v.w);
}

// This thread's value in the documented order: its vectors in increasing index, lane-wise, then
// (a0 + a1) + (a2 + a3).
template <bool kVec>
__device__ __forceinline__ float rs_thread_sum(const float* x, unsigned int n) {
    const unsigned int threads = GK_BLOCK * gridDim.x;  // <= 2^18 (grid checked by the caller)
    const unsigned int full = n / 4u;                   // complete vectors, < 2^30
    unsigned int j = blockIdx.x * GK_BLOCK + threadIdx.x;
    float4 a = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    // Four loads in flight, then the four adds in index order (the loads do not depend on a,
    // so they issue back to back). The condition covers the group's last vector.
    for (; j + 3u * threads < full; j += 4u * threads) {
        const float4 v0 = rs_load<kVec>(x, j);
        const float4 v1 = rs_load<kVec>(x, j + threads);
        const float4 v2 = rs_load<kVec>(x, j + 2u * threads);
        const float4 v3 = rs_load<kVec>(x, j + 3u * threads);
        rs_add(a, v0);
        rs_add(a, v1);
        rs_add(a, v2);
        rs_add(a, v3);
    }
    for (; j < full; j += threads) {
        rs_add(a, rs_load<kVec>(x, j));
    }
    // The short vector `full` (n % 4 floats) belongs to the thread whose next index is `full`;
    // it is that thread's last vector, so adding it here keeps the increasing order.
    if (j == full) {
        const float* tail = x + 4ull * full;
        const unsigned int rest = n - 4u * full;
        if (rest > 0u) a.x = __fadd_rn(a.x, __ldg(tail));
        if (rest > 1u) a.y = __fadd_rn(a.y, __ldg(tail + 1));
        if (rest > 2u) a.z = __fadd_rn(a.z, __ldg(tail + 2));
    }
    return __fadd_rn(__fadd_rn(a.x, a.y), __fadd_rn(a.z, a.w));
}

// The last block's pass: thread t adds partials t, t + 256, ... from +0.0 (read from L2), then
// the block tree. Every thread of the block calls it.
__device__ __forceinline__ float rs_sum_partials(const float* partials, float* s) {
    float acc = 0.0f;
    for (unsigned int i = threadIdx.x; i < gridDim.x; i += GK_BLOCK) {
        acc = __fadd_rn(acc, __ldcg(partials + i));
    }
    s[threadIdx.x] = acc;
    return gk_block_tree_sum(s);
}

// Min 8 blocks per SM caps registers at 32: 8 x 256 threads fill an SM, and 1024 blocks fit
// in one wave on 132 SMs.
extern "C" __global__ void __launch_bounds__(GK_BLOCK, 8)
    reduce_sum_f32_partial(const float* x, float* scratch, float* out, unsigned int n) {
    __shared__ float s[GK_BLOCK];
    __shared__ unsigned int is_last;
    gk_require_block(GK_BLOCK, 1u);
    if (gridDim.x != rs_num_blocks(n) || gridDim.y != 1u || gridDim.z != 1u) {
        __trap();
    }
    s[threadIdx.x] = gk_aligned16(x) ? rs_thread_sum<true>(x, n) : rs_thread_sum<false>(x, n);
    const float block_sum = gk_block_tree_sum(s);
    unsigned int* arrivals = reinterpret_cast<unsigned int*>(scratch + gridDim.x);
    if (threadIdx.x == 0u) {
        scratch[blockIdx.x] = block_sum;
        __threadfence();  // the partial is visible device-wide before the ticket is drawn
        const unsigned int ticket = atomicAdd(arrivals, 1u);
        is_last = ticket == gridDim.x - 1u ? 1u : 0u;
        if (is_last != 0u) {
            __threadfence();  // every other block's partial is visible before we read it
        }
    }
    __syncthreads();
    // is_last is the same for every thread of the block: the barriers inside are uniform.
    if (is_last != 0u) {
        const float total = rs_sum_partials(scratch, s);
        if (threadIdx.x == 0u) {
            out[0] = total;
            *arrivals = 0u;  // ready for the next launch on this scratch
        }
    }
}
