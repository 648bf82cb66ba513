// sgemm_tiled.cu: C = alpha * A * B + beta * C, single precision, all row-major;
// A is m x k, B is k x n, C is m x n.
//
// Launch geometry (sgemm_tiled.rs: `grid`, `BLOCK`): block = (16, 16, 1) (TILE x TILE,
// required); grid = (clamp(ceil(n/16), 1, 65535), clamp(ceil(m/16), 1, 65535), 1). Block
// (bx, by) computes the 16 x 16 output tiles (by + i*gridDim.y, bx + j*gridDim.x), so any size
// fits the grid limits. Sizes that are not multiples of 16 are handled by loading zeros
// outside A and B and not storing outside C.
//
// Order and tolerance: thread (tx, ty) owns C[row][col] and accumulates, from acc = +0.0,
// acc = fma(A[row][l], B[l][col], acc) for l = 0, 1, ..., k-1 in order (tiles of 16, in
// order), each a correctly rounded __fmaf_rn. The zero padding adds fma(0, 0, acc) = acc
// exactly (acc is never -0.0, because it starts at +0.0 and round-to-nearest only yields -0.0
// from -0.0 + -0.0). The result is r = alpha * acc (__fmul_rn), then, only if beta != 0,
// r = fma(beta, C[row][col], r); with beta == 0, C is not read (BLAS convention: it may hold
// NaN). The Rust reference performs exactly these operations (f32::mul_add), so GPU and CPU
// agree bit for bit (Tolerance::Exact, with subnormals kept). Against the exact product the
// error is at most gamma_{k+2} |alpha| sum_l |a_il||b_lj| + u |beta c_ij| (sgemm_tiled.rs).
#include "common.cuh"

#define SGEMM_TILE 16u

extern "C" __global__ void __launch_bounds__(SGEMM_TILE * SGEMM_TILE)
    sgemm_tiled(unsigned int m, unsigned int n, unsigned int k, float alpha, const float* a,
                const float* b, float beta, float* c) {
    __shared__ float as[SGEMM_TILE][SGEMM_TILE];
    __shared__ float bs[SGEMM_TILE][SGEMM_TILE];
    gk_require_block(SGEMM_TILE, SGEMM_TILE);
    const unsigned int tx = threadIdx.x;
    const unsigned int ty = threadIdx.y;
    // ceil(x / TILE) without computing x + TILE - 1, which could wrap for x near 2^32.
    const unsigned int tiles_m = m / SGEMM_TILE + (m % SGEMM_TILE != 0u);
    const unsigned int tiles_n = n / SGEMM_TILE + (n % SGEMM_TILE != 0u);
    const unsigned int tiles_k = k / SGEMM_TILE + (k % SGEMM_TILE != 0u);

    // Loop bounds depend only on block indices, so every thread of a block runs the same
    // iterations and the __syncthreads() below are reached by all of them.
    for (unsigned int tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
        for (unsigned int tn = blockIdx.x; tn < tiles_n; tn += gridDim.x) {
            // size_t: tm * 16 + ty may exceed 2^32 - 1 in the last tile when m is near 2^32.
            const size_t row = (size_t)tm * SGEMM_TILE + ty;
            const size_t col = (size_t)tn * SGEMM_TILE + tx;
            float acc = 0.0f;
            for (unsigned int tk = 0; tk < tiles_k; ++tk) {
                const size_t a_col = (size_t)tk * SGEMM_TILE + tx;
                const size_t b_row = (size_t)tk * SGEMM_TILE + ty;
                as[ty][tx] = (row < m && a_col < k) ? a[row * k + a_col] : 0.0f;
                bs[ty][tx] = (b_row < k && col < n) ? b[b_row * n + col] : 0.0f;
                __syncthreads();
#pragma unroll
                for (unsigned int kk = 0; kk < SGEMM_TILE; ++kk) {
                    acc = __fmaf_rn(as[ty][kk], bs[kk][tx], acc);
                }
                // The tiles are overwritten by the next iteration.
                __syncthreads();
            }
            if (row < m && col < n) {
                const size_t idx = row * n + col;
                float r = __fmul_rn(alpha, acc);
                if (beta != 0.0f) {
                    r = __fmaf_rn(beta, c[idx], r);
                }
                c[idx] = r;
            }
        }
    }
}
