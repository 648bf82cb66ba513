// reduce_sum_f32.cu: deterministic sum of n floats, in two launches of one kernel.
//
// Launch protocol (reduce_sum_f32.rs: `launch_plan`, `num_blocks`, `BLOCK`, `MAX_BLOCKS`):
//   pass 1: reduce_sum_f32_partial<<<P, 256>>>(x, partials, n),
//           P = num_blocks(n) = clamp(ceil(n / 256), 1, 1024); writes partials[0..P).
//   pass 2: reduce_sum_f32_partial<<<1, 256>>>(partials, out, P); writes out[0], the sum.
// Each block b writes exactly one value, partials[b].
//
// Order (the whole determinism story): thread t of block b first sums, left to right,
// x[b*256 + t], x[b*256 + t + G*256], x[b*256 + t + 2*G*256], ... (G = gridDim.x) starting
// from +0.0; the 256 per-thread sums are then combined by the fixed shared-memory tree of
// gk_block_tree_sum. Since G depends only on n, the result depends only on x: no float
// atomics, no dependence on scheduling. All additions are __fadd_rn (no contraction), so the
// Rust reference, which replays the same order, matches bit for bit (Tolerance::Exact, with
// subnormals kept). The error bound against the exact sum is documented in reduce_sum_f32.rs.
#include "common.cuh"

extern "C" __global__ void __launch_bounds__(GK_BLOCK)
    reduce_sum_f32_partial(const float* x, float* partials, unsigned int n) {
    __shared__ float s[GK_BLOCK];
    gk_require_block(GK_BLOCK, 1u);
    float acc = 0.0f;
    GK_GRID_STRIDE_LOOP(i, n) {
        acc = __fadd_rn(acc, x[i]);
    }
    s[threadIdx.x] = acc;
    const float total = gk_block_tree_sum(s);
    if (threadIdx.x == 0u) {
        partials[blockIdx.x] = total;
    }
}
