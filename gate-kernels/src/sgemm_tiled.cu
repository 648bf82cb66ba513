// sgemm_tiled.cu: C = alpha * A * B + beta * C, single precision, all row-major;
// A is m x k, B is k x n, C is m x n.
//
// Launch geometry (sgemm_tiled.rs: `grid`, `BLOCK`): block = (16, 16, 1) (required);
// grid = (clamp(ceil(n/128), 1, 65535), clamp(ceil(m/128), 1, 65535), 1). Block (bx, by)
// computes the 128 x 128 output tiles (by + i*gridDim.y, bx + j*gridDim.x), so any size fits
// the grid limits. Thread (tx, ty) of a block owns the 8 x 8 outputs at tile rows
// ty + 16*i and tile columns tx + 16*j (i, j < 8): strided, so a warp's shared-memory reads of
// B are consecutive words and its stores to C are coalesced. k advances in stages of 8: the
// block copies a 128 x 8 slice of A (transposed, padded against bank conflicts) and an
// 8 x 128 slice of B to shared memory, then every thread does 8 x 8 x 8 FMAs from registers.
// Sizes that are not multiples of the tiles are handled by loading zeros outside A and B and
// not storing outside C. ptxas 13.0: sm_90 128 registers, sm_80 182, no spills, 8320 bytes of
// shared memory (a minimum of 2 blocks per SM in __launch_bounds__ makes sm_80 spill).
//
// Order and tolerance: the thread owning C[row][col] accumulates, from acc = +0.0,
// acc = fma(A[row][l], B[l][col], acc) for l = 0, 1, ..., k-1 in order (stages of 8, in
// order; within a stage l in order), each a correctly rounded __fmaf_rn. Register tiling
// changes which thread computes an element, never the order of its chain. The zero padding
// adds fma(0, 0, acc) = acc exactly (acc is never -0.0, because it starts at +0.0 and
// round-to-nearest only yields -0.0 from -0.0 + -0.0). The result is r = alpha * acc
// (__fmul_rn), then, only if beta != 0, r = fma(beta, C[row][col], r); with beta == 0, C is
// not read (BLAS convention: it may hold NaN). The Rust reference performs exactly these
// operations (f32::mul_add), so GPU and CPU agree bit for bit (Tolerance::Exact, with
// subnormals kept). Against the exact product the error is at most
// gamma_{k+2} |alpha| sum_l |a_il||b_lj| + u |beta c_ij| (sgemm_tiled.rs).
#include "common.cuh"

#define SGEMM_TILE 128u   // output tile edge, rows and columns
#define SGEMM_TK 8u       // k per shared-memory stage
#define SGEMM_EDGE 16u    // threads per block edge
#define SGEMM_PER 8u      // outputs per thread per dimension: SGEMM_TILE / SGEMM_EDGE
#define SGEMM_A_PAD 4u    // as[l][row] row padding: a warp's transposed stores hit 32 banks

extern "C" __global__ void __launch_bounds__(SGEMM_EDGE * SGEMM_EDGE)
    sgemm_tiled(unsigned int m, unsigned int n, unsigned int k, float alpha, const float* a,
                const float* b, float beta, float* c) {
    __shared__ float as[SGEMM_TK][SGEMM_TILE + SGEMM_A_PAD];  // A slice, transposed
    __shared__ float bs[SGEMM_TK][SGEMM_TILE];                // B slice
    gk_require_block(SGEMM_EDGE, SGEMM_EDGE);
    const unsigned int tx = threadIdx.x;
    const unsigned int ty = threadIdx.y;
    const unsigned int tid = ty * SGEMM_EDGE + tx;
    // ceil(x / T) without computing x + T - 1, which could wrap for x near 2^32.
    const unsigned int tiles_m = m / SGEMM_TILE + (m % SGEMM_TILE != 0u);
    const unsigned int tiles_n = n / SGEMM_TILE + (n % SGEMM_TILE != 0u);
    const unsigned int stages = k / SGEMM_TK + (k % SGEMM_TK != 0u);

    // Loop bounds depend only on block indices, so every thread of a block runs the same
    // iterations and the __syncthreads() below are reached by all of them.
    for (unsigned int tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
        for (unsigned int tn = blockIdx.x; tn < tiles_n; tn += gridDim.x) {
            // size_t: tile origins and indices may exceed 2^32 - 1 for large m, n or k.
            const size_t row0 = (size_t)tm * SGEMM_TILE;
            const size_t col0 = (size_t)tn * SGEMM_TILE;
            float acc[SGEMM_PER][SGEMM_PER];
#pragma unroll
            for (unsigned int i = 0; i < SGEMM_PER; ++i) {
#pragma unroll
                for (unsigned int j = 0; j < SGEMM_PER; ++j) {
                    acc[i][j] = 0.0f;
                }
            }
            for (unsigned int stage = 0; stage < stages; ++stage) {
                const size_t l0 = (size_t)stage * SGEMM_TK;
                // Each slice holds 128 * 8 = 1024 values: 4 per thread.
#pragma unroll
                for (unsigned int r = 0; r < 4u; ++r) {
                    const unsigned int e = tid + r * SGEMM_EDGE * SGEMM_EDGE;
                    // A: e -> (row e / 8, l e % 8): a warp reads 4 rows x 8 consecutive values.
                    const unsigned int ar = e / SGEMM_TK;
                    const unsigned int al = e % SGEMM_TK;
                    const size_t a_row = row0 + ar;
                    const size_t a_col = l0 + al;
                    as[al][ar] = (a_row < m && a_col < k) ? a[a_row * k + a_col] : 0.0f;
                    // B: e -> (l e / 128, column e % 128): a warp reads 32 consecutive values.
                    const unsigned int bl = e / SGEMM_TILE;
                    const unsigned int bc = e % SGEMM_TILE;
                    const size_t b_row = l0 + bl;
                    const size_t b_col = col0 + bc;
                    bs[bl][bc] = (b_row < k && b_col < n) ? b[b_row * n + b_col] : 0.0f;
                }
                __syncthreads();
#pragma unroll
                for (unsigned int l = 0; l < SGEMM_TK; ++l) {
                    float af[SGEMM_PER];
                    float bf[SGEMM_PER];
#pragma unroll
                    for (unsigned int i = 0; i < SGEMM_PER; ++i) {
                        af[i] = as[l][ty + SGEMM_EDGE * i];
                        bf[i] = bs[l][tx + SGEMM_EDGE * i];
                    }
#pragma unroll
                    for (unsigned int i = 0; i < SGEMM_PER; ++i) {
#pragma unroll
                        for (unsigned int j = 0; j < SGEMM_PER; ++j) {
                            acc[i][j] = __fmaf_rn(af[i], bf[j], acc[i][j]);
                        }
                    }
                }
                // The slices are overwritten by the next stage.
                __syncthreads();
            }
#pragma unroll
            for (unsigned int i = 0; i < SGEMM_PER; ++i) {
                const size_t row = row0 + ty + SGEMM_EDGE * i;
#pragma unroll
                for (unsigned int j = 0; j < SGEMM_PER; ++j) {
                    const size_t col = col0 + tx + SGEMM_EDGE * j;
                    if (row < m && col < n) {
                        const size_t idx = row * n + col;
                        float r = __fmul_rn(alpha, acc[i][j]);
                        if (beta != 0.0f) {
                            r = __fmaf_rn(beta, c[idx], r);
                        }
                        c[idx] = r;
                    }
                }
            }
        }
    }
}
