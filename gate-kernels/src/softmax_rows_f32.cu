// softmax_rows_f32.cu: row-wise softmax of a rows x cols row-major matrix,
// y[r][j] = exp(x[r][j] - max_r) / sum_j' exp(x[r][j'] - max_r).
//
// Launch geometry (softmax_rows_f32.rs: `grid`, `BLOCK`): 1-D, GK_BLOCK (256) threads per
// block (required: the reductions are written for it), grid = clamp(rows, 1, 65535) blocks.
// One block handles one row at a time; block b handles rows b, b + gridDim.x, ... so any row
// count fits the grid limits. Rows are independent, so the grid never changes the result.
// y may alias x (in-place): every element is read and written by the same thread, and the
// whole row is read for the max before anything is written.
//
// Numerics: subtracting the row max makes every exponent <= 0, so exp never overflows and the
// row sum is in [1, cols]: finite inputs (even +-1e30 or +-FLT_MAX) give finite outputs.
// Within a row, thread t owns columns t, t + 256, t + 512, ...; it accumulates its exps left
// to right from +0.0, then gk_block_tree_sum combines the 256 partial sums in a fixed tree.
// The sum order is therefore fixed and the Rust reference replays it; the only difference
// between GPU and CPU is expf itself (CUDA: <= 2 ulp; host libm: <= 1 ulp), propagated
// through the sum and the division. softmax_rows_f32.rs derives the resulting relative +
// absolute tolerance (`tolerance(cols)`). Assumes precise expf and IEEE division, i.e. no
// --use_fast_math; the division is __fdiv_rn so -prec-div cannot change it.
#include "common.cuh"

extern "C" __global__ void __launch_bounds__(GK_BLOCK)
    softmax_rows_f32(const float* x, float* y, unsigned int rows, unsigned int cols) {
    __shared__ float s[GK_BLOCK];
    gk_require_block(GK_BLOCK, 1u);
    const unsigned int t = threadIdx.x;
    // size_t: row + gridDim.x must not wrap around 2^32.
    for (size_t row = blockIdx.x; row < rows; row += gridDim.x) {
        const float* xr = x + row * cols;
        float* yr = y + row * cols;

        // Pass 1: row max. -inf is the identity of fmaxf.
        float m = __int_as_float(0xff800000);
        for (size_t j = t; j < cols; j += GK_BLOCK) {
            m = fmaxf(m, xr[j]);
        }
        s[t] = m;
        m = gk_block_tree_max(s);

        // Pass 2: e_j = exp(x_j - max), kept in y, and the row sum in the fixed order.
        float acc = 0.0f;
        for (size_t j = t; j < cols; j += GK_BLOCK) {
            const float e = expf(__fsub_rn(xr[j], m));
            yr[j] = e;
            acc = __fadd_rn(acc, e);
        }
        s[t] = acc;
        const float sum = gk_block_tree_sum(s);

        // Pass 3: normalise the values this thread wrote in pass 2.
        for (size_t j = t; j < cols; j += GK_BLOCK) {
            yr[j] = __fdiv_rn(yr[j], sum);
        }
    }
}
