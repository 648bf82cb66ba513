// sgemm_tiled.cu: C = alpha * A * B + beta * C, single precision, all row-major;
// A is m x k, B is k x n, C is m x n.
//
// Launch geometry (sgemm_tiled.rs: `grid`, `BLOCK`): block = (16, 16, 1) (required: the
// kernel traps otherwise), read as 256 threads t = 16*ty + tx, 8 warps; grid =
// (clamp(ceil(n/128), 1, 65535), clamp(ceil(m/128), 1, 65535), 1). Block (bx, by) computes
// the 128 x 128 output tiles (by + i*gridDim.y, bx + j*gridDim.x), so any size fits the grid
// limits. No dynamic shared memory.
//
// Design (the "warp tiling" SGEMM), per block:
// - Warp w owns the 32 x 64 warp tile at tile rows 32*(w%4), columns 64*(w/4). Its lane
//   (lr, lc) = (lane/8, lane%8) owns the 8 x 8 outputs at warp-tile rows 4*lr + {0..3} and
//   16 + 4*lr + {0..3}, columns 4*lc + {0..3} and 32 + 4*lc + {0..3}: 64 accumulators.
// - k advances in stages of 16. A stage's 128 x 16 slice of A is kept transposed in shared
//   memory (a[l][row], rows padded to 132 floats) and its 16 x 128 slice of B as is, so for
//   each l a thread reads its 8 A and 8 B values with four LDS.128 and does 64 FFMAs. A
//   quarter-warp (8 lanes) reads one A address (a broadcast) and 128 contiguous bytes of B:
//   no bank conflicts.
// - Double buffering: two stages in shared memory (33,280 bytes). Each thread loads its part
//   of stage s+1 into registers (two 16-byte loads of A: rows t/4 and t/4 + 64, columns
//   4*(t%4)..+3; two of B: rows t/32 and t/32 + 8, columns 4*(t%32)..+3) before computing
//   stage s from the other buffer, and stores it to shared memory after: one __syncthreads
//   per stage, and the global latency hides behind 1,024 FFMAs per thread. (A's transposed
//   scalar stores conflict 2-way: 8 STS per stage, negligible.)
// - Vector path (LDG.128 for A and B, LDG/STG.128 for C) when k % 4 == 0, n % 4 == 0 and a,
//   b, c are 16-byte aligned (the runtime's buffers come from cuMemAlloc: 256-byte aligned):
//   then each 16-byte group of an A, B or C row lies wholly inside or wholly outside the
//   matrix. Otherwise the same kernel loads and stores element by element, each checked. The
//   choice is uniform per launch (a template parameter), so both paths are barrier-safe.
// - __launch_bounds__(256, 2): at most 128 registers, 2 blocks (16 warps) per SM.
// ptxas 13.0 (default -O3): sm_90 128 registers, sm_80 128 registers, no spills (either
// path), 33,280 bytes of static shared memory. The empty asm before the epilogue keeps ptxas
// from computing the C addresses before the k loop, where they spilled.
//
// Why >= 70 % of cuBLAS (4096^3 fp32, cuBLAS ~51 TFLOP/s on an H100/H200): the vector path's
// k loop is 1,186 SASS instructions per stage on sm_90, of which 1,024 FFMA (86 %), 64
// LDS.128, 4 LDG.128, 10 STS, 1 BAR; the old kernel needed 64 scalar LDS per 512 FFMA, two
// barriers per stage and exposed its global latency. Shared-memory reads: 4 LDS.128 per 64
// FFMAs per warp, each touching at most 128 distinct bytes (A's are broadcasts); global
// reads: 16 KB per block per 524,288 flops (32 flop/byte, mostly L2 hits). 16 warps per SM
// with 64 independent accumulators each hide the LDS and FFMA latencies. Measured on an
// H100 80GB HBM3 (CUDA events, best of 4 trials, this launch geometry, cublasSgemm in the
// same process): 44.5 TFLOP/s against cuBLAS's 51.7 (86 %); the previous kernel 29.2 (57 %).
// 2048^3: 87 %; 8192 x 8192 x 2048: 88 %. Bit-identical to an in-order FMA reference kernel
// there.
//
// Order and tolerance: the thread owning C[row][col] accumulates, from acc = +0.0,
// acc = fma(A[row][l], B[l][col], acc) for l = 0, 1, ..., k-1 in order (stages of 16, in
// order; within a stage l in order), each a correctly rounded __fmaf_rn. Register tiling
// changes which thread computes an element, never the order of its chain. The last stage is
// padded beyond k with A = +0.0 and B = -0.0: fma(+0, -0, acc) = -0 + acc = acc exactly for
// every acc, -0.0 included (acc can be -0.0: a product that underflows to zero keeps its
// sign; padding both with +0.0 would turn such a -0.0 into +0.0). The result is
// r = alpha * acc (__fmul_rn), then, only if beta != 0, r = fma(beta, C[row][col], r); with
// beta == 0, C is not read (BLAS convention: it may hold NaN). The Rust reference performs
// exactly these operations (f32::mul_add), so GPU and CPU agree bit for bit
// (Tolerance::Exact, with subnormals kept). Against the exact product the error is at most
// gamma_{k+2} |alpha| sum_l |a_il||b_lj| + u |beta c_ij| (sgemm_tiled.rs).
#include "common.cuh"

#define SGEMM_TILE 128u  // output tile edge, rows and columns
#define SGEMM_TK 16u     // k per shared-memory stage
#define SGEMM_EDGE 16u   // threads per block edge
#define SGEMM_THREADS (SGEMM_EDGE * SGEMM_EDGE)
#define SGEMM_LOADS (SGEMM_TK * SGEMM_TILE / 4u / SGEMM_THREADS)  // 16-byte loads of A, of B
#define SGEMM_A_STEP (SGEMM_THREADS * 4u / SGEMM_TK)    // tile rows between a thread's A loads
#define SGEMM_B_STEP (SGEMM_THREADS * 4u / SGEMM_TILE)  // stage rows between its B loads
#define SGEMM_A_LD (SGEMM_TILE + 4u)  // a[l][row] row stride: 16-byte rows, fewer conflicts
#define SGEMM_ROW_HALF 16u            // a thread's second 4 rows, below its first
#define SGEMM_COL_HALF 32u            // a thread's second 4 columns, right of its first
static_assert(SGEMM_TK % 8u == 0u && SGEMM_TK <= 32u, "loads: whole 16-byte groups per thread");

// 16 bytes, 16-byte aligned: loads and stores of it are single 128-bit instructions.
struct alignas(16) SgemmVec4 {
    float x, y, z, w;
};

// Two stages of the A slice (transposed) and the B slice.
struct alignas(16) SgemmShared {
    float a[2][SGEMM_TK][SGEMM_A_LD];
    float b[2][SGEMM_TK][SGEMM_TILE];
};

// A thread's fixed roles within a tile.
struct SgemmRoles {
    unsigned int a_row, a_col;  // A loads: tile rows a_row + A_STEP*p, stage columns a_col..+3
    unsigned int b_row, b_col;  // B loads: stage rows b_row + B_STEP*p, tile columns b_col..+3
    unsigned int row, col;      // first output row and column in the tile (see the header)
};

__device__ __forceinline__ SgemmRoles sgemm_roles() {
    const unsigned int t = threadIdx.y * SGEMM_EDGE + threadIdx.x;
    const unsigned int warp = t / 32u;
    const unsigned int lane = t % 32u;
    SgemmRoles r;
    r.a_row = t / (SGEMM_TK / 4u);
    r.a_col = (t % (SGEMM_TK / 4u)) * 4u;
    r.b_row = t / (SGEMM_TILE / 4u);
    r.b_col = (t % (SGEMM_TILE / 4u)) * 4u;
    r.row = (warp % 4u) * 32u + (lane / 8u) * 4u;
    r.col = (warp / 4u) * 64u + (lane % 8u) * 4u;
    return r;
}

__device__ __forceinline__ bool sgemm_aligned16(const void* p) {
    return ((size_t)p & 15u) == 0u;
}

__device__ __forceinline__ SgemmVec4 sgemm_fill(float v) {
    SgemmVec4 r;
    r.x = v;
    r.y = v;
    r.z = v;
    r.w = v;
    return r;
}

// Where a tile starts, how much of C lies at and beyond that start, and where this thread's
// loads start (offsets, not pointers: they may lie outside the matrices, and are used only
// where the bounds checks pass).
struct SgemmTile {
    size_t row0, col0;          // the tile's first row and column of C
    unsigned int rem_m, rem_n;  // m - row0 and n - col0: both > 0
    size_t a_off;               // A[row0 + a_row][a_col]
    size_t b_off;               // B[b_row][col0 + b_col]
};

// Tile (tm, tn): tm < ceil(m/128), so tm * 128 < m fits in 32 bits; likewise tn.
__device__ __forceinline__ SgemmTile sgemm_tile(unsigned int m, unsigned int n, unsigned int k,
                                                const SgemmRoles& r, unsigned int tm,
                                                unsigned int tn) {
    // size_t: indices may exceed 2^32 - 1 for large m, n or k.
    SgemmTile t;
    t.row0 = (size_t)tm * SGEMM_TILE;
    t.col0 = (size_t)tn * SGEMM_TILE;
    t.rem_m = m - tm * SGEMM_TILE;
    t.rem_n = n - tn * SGEMM_TILE;
    t.a_off = (t.row0 + r.a_row) * k + r.a_col;
    t.b_off = (size_t)r.b_row * n + t.col0 + r.b_col;
    return t;
}

// A stage's values in flight from global memory to shared memory: p < SGEMM_LOADS.
struct SgemmStaged {
    SgemmVec4 a[SGEMM_LOADS];  // A[row0 + a_row + A_STEP*p][l0 + a_col + 0..3]
    SgemmVec4 b[SGEMM_LOADS];  // B[l0 + b_row + B_STEP*p][col0 + b_col + 0..3]
};

// Loads this thread's part of the stage at l0 < k. Outside A: +0.0; outside B: -0.0 (see the
// header: beyond k the products are -0.0, which leave every acc unchanged). Bounds are
// checked on 32-bit remainders, which cannot wrap.
template <bool VEC>
__device__ __forceinline__ void sgemm_load(unsigned int n, unsigned int k,
                                           const float* __restrict__ a,
                                           const float* __restrict__ b, const SgemmRoles& r,
                                           const SgemmTile& t, unsigned int l0,
                                           SgemmStaged& st) {
    const unsigned int rem_k = k - l0;
#pragma unroll
    for (unsigned int p = 0; p < SGEMM_LOADS; ++p) {
        const bool a_in = r.a_row + SGEMM_A_STEP * p < t.rem_m;
        const bool b_in = r.b_row + SGEMM_B_STEP * p < rem_k;
        const size_t oa = t.a_off + (size_t)SGEMM_A_STEP * p * k + l0;
        const size_t ob = t.b_off + ((size_t)l0 + SGEMM_B_STEP * p) * n;
        if (VEC) {
            // k % 4 == 0 and a_col % 4 == 0: a_col < rem_k means a_col + 3 < rem_k;
            // likewise for n.
            st.a[p] = (a_in && r.a_col < rem_k) ? *(const SgemmVec4*)(a + oa) : sgemm_fill(0.0f);
            st.b[p] =
                (b_in && r.b_col < t.rem_n) ? *(const SgemmVec4*)(b + ob) : sgemm_fill(-0.0f);
        } else {
            // How many of the 4 values lie inside A, and inside B.
            const unsigned int a_cnt = a_in && r.a_col < rem_k ? rem_k - r.a_col : 0u;
            const unsigned int b_cnt = b_in && r.b_col < t.rem_n ? t.rem_n - r.b_col : 0u;
            float av[4];
            float bv[4];
#pragma unroll
            for (unsigned int q = 0; q < 4u; ++q) {
                av[q] = q < a_cnt ? a[oa + q] : 0.0f;
                bv[q] = q < b_cnt ? b[ob + q] : -0.0f;
            }
            st.a[p].x = av[0];
            st.a[p].y = av[1];
            st.a[p].z = av[2];
            st.a[p].w = av[3];
            st.b[p].x = bv[0];
            st.b[p].y = bv[1];
            st.b[p].z = bv[2];
            st.b[p].w = bv[3];
        }
    }
}

// Stores a stage to shared-memory buffer `buf`: A transposed, B as is.
__device__ __forceinline__ void sgemm_stash(SgemmShared& sm, unsigned int buf,
                                            const SgemmRoles& r, const SgemmStaged& st) {
#pragma unroll
    for (unsigned int p = 0; p < SGEMM_LOADS; ++p) {
        const unsigned int row = r.a_row + SGEMM_A_STEP * p;
        sm.a[buf][r.a_col + 0u][row] = st.a[p].x;
        sm.a[buf][r.a_col + 1u][row] = st.a[p].y;
        sm.a[buf][r.a_col + 2u][row] = st.a[p].z;
        sm.a[buf][r.a_col + 3u][row] = st.a[p].w;
        *(SgemmVec4*)&sm.b[buf][r.b_row + SGEMM_B_STEP * p][r.b_col] = st.b[p];
    }
}

// acc[i][j] = fma(A[row i][l], B[l][col j], acc[i][j]) for the SGEMM_TK l of buffer `buf`, in
// order of l.
__device__ __forceinline__ void sgemm_stage(const SgemmShared& sm, unsigned int buf,
                                            const SgemmRoles& r, float (&acc)[8][8]) {
#pragma unroll
    for (unsigned int l = 0; l < SGEMM_TK; ++l) {
        const SgemmVec4 a0 = *(const SgemmVec4*)&sm.a[buf][l][r.row];
        const SgemmVec4 a1 = *(const SgemmVec4*)&sm.a[buf][l][r.row + SGEMM_ROW_HALF];
        const SgemmVec4 b0 = *(const SgemmVec4*)&sm.b[buf][l][r.col];
        const SgemmVec4 b1 = *(const SgemmVec4*)&sm.b[buf][l][r.col + SGEMM_COL_HALF];
        const float af[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
        const float bf[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
        for (unsigned int i = 0; i < 8u; ++i) {
#pragma unroll
            for (unsigned int j = 0; j < 8u; ++j) {
                acc[i][j] = __fmaf_rn(af[i], bf[j], acc[i][j]);
            }
        }
    }
}

// C = alpha * acc (+ beta * C when beta != 0) for this thread's outputs inside C.
template <bool VEC>
__device__ __forceinline__ void sgemm_store(unsigned int n, float alpha, float beta,
                                            float* __restrict__ c, const SgemmRoles& r,
                                            const SgemmTile& t, const float (&acc)[8][8]) {
    // Rows and columns of C from this thread's first output on (0 when it lies outside): the
    // checks below compare them with constants, which keeps few values live.
    const unsigned int rows_left = r.row < t.rem_m ? t.rem_m - r.row : 0u;
    const unsigned int cols_left = r.col < t.rem_n ? t.rem_n - r.col : 0u;
    const size_t top = t.row0 + r.row;
    const size_t left = t.col0 + r.col;
#pragma unroll
    for (unsigned int i = 0; i < 8u; ++i) {
        const unsigned int dr = (i % 4u) + SGEMM_ROW_HALF * (i / 4u);
        if (dr >= rows_left) {
            continue;
        }
        const size_t out = (top + dr) * n + left;
#pragma unroll
        for (unsigned int h = 0; h < 2u; ++h) {
            const unsigned int dc = SGEMM_COL_HALF * h;
            float v[4];
#pragma unroll
            for (unsigned int q = 0; q < 4u; ++q) {
                v[q] = __fmul_rn(alpha, acc[i][4u * h + q]);
            }
            if (VEC) {
                // n % 4 == 0 and left % 4 == 0: dc < cols_left means dc + 3 < cols_left.
                if (dc < cols_left) {
                    SgemmVec4* const p = (SgemmVec4*)(c + out + dc);
                    if (beta != 0.0f) {
                        const SgemmVec4 old = *p;
                        v[0] = __fmaf_rn(beta, old.x, v[0]);
                        v[1] = __fmaf_rn(beta, old.y, v[1]);
                        v[2] = __fmaf_rn(beta, old.z, v[2]);
                        v[3] = __fmaf_rn(beta, old.w, v[3]);
                    }
                    SgemmVec4 w;
                    w.x = v[0];
                    w.y = v[1];
                    w.z = v[2];
                    w.w = v[3];
                    *p = w;
                }
            } else {
#pragma unroll
                for (unsigned int q = 0; q < 4u; ++q) {
                    if (dc + q < cols_left) {
                        float* const p = c + out + dc + q;
                        *p = beta != 0.0f ? __fmaf_rn(beta, *p, v[q]) : v[q];
                    }
                }
            }
        }
    }
}

// Every tile of this block, with the loads and stores of path VEC.
template <bool VEC>
__device__ __forceinline__ void sgemm_tiles(unsigned int m, unsigned int n, unsigned int k,
                                            float alpha, const float* __restrict__ a,
                                            const float* __restrict__ b, float beta,
                                            float* __restrict__ c, SgemmShared& sm) {
    const SgemmRoles r = sgemm_roles();
    // ceil(x / T) without computing x + T - 1, which could wrap for x near 2^32.
    const unsigned int tiles_m = m / SGEMM_TILE + (m % SGEMM_TILE != 0u);
    const unsigned int tiles_n = n / SGEMM_TILE + (n % SGEMM_TILE != 0u);
    const unsigned int stages = k / SGEMM_TK + (k % SGEMM_TK != 0u);

    // Loop bounds depend only on block indices and k, so every thread of a block runs the
    // same iterations and reaches the same __syncthreads().
    for (unsigned int tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
        for (unsigned int tn = blockIdx.x; tn < tiles_n; tn += gridDim.x) {
            const SgemmTile t = sgemm_tile(m, n, k, r, tm, tn);
            float acc[8][8];
#pragma unroll
            for (unsigned int i = 0; i < 8u; ++i) {
#pragma unroll
                for (unsigned int j = 0; j < 8u; ++j) {
                    acc[i][j] = 0.0f;
                }
            }
            SgemmStaged st;
            if (stages != 0u) {
                sgemm_load<VEC>(n, k, a, b, r, t, 0u, st);
                sgemm_stash(sm, 0u, r, st);
                __syncthreads();
            }
            for (unsigned int s = 0; s < stages; ++s) {
                const unsigned int buf = s % 2u;
                const bool more = s + 1u < stages;
                // Stage s+1 travels from global memory while stage s is computed.
                if (more) {
                    sgemm_load<VEC>(n, k, a, b, r, t, (s + 1u) * SGEMM_TK, st);
                }
                sgemm_stage(sm, buf, r, acc);
                // Buffer buf ^ 1 was last read in stage s - 1, before the barrier that ended
                // it; this stage's reads of buf end at the barrier below, before stage s + 2
                // (or the next tile's first stage) overwrites it.
                if (more) {
                    sgemm_stash(sm, buf ^ 1u, r, st);
                }
                __syncthreads();
            }
            // The store addresses are computed afresh after the k loop: computed before it
            // (ptxas would, being loop-invariant) they would not fit in registers and spill.
            unsigned int em = tm;
            unsigned int en = tn;
#ifdef __CUDA_ARCH__
            asm volatile("" : "+r"(em), "+r"(en));
#endif
            sgemm_store<VEC>(n, alpha, beta, c, r, sgemm_tile(m, n, k, r, em, en), acc);
        }
    }
}

extern "C" __global__ void __launch_bounds__(SGEMM_EDGE * SGEMM_EDGE, 2)
    sgemm_tiled(unsigned int m, unsigned int n, unsigned int k, float alpha,
                const float* __restrict__ a, const float* __restrict__ b, float beta,
                float* __restrict__ c) {
    __shared__ SgemmShared sm;
    gk_require_block(SGEMM_EDGE, SGEMM_EDGE);  // SGEMM_THREADS threads
    // Uniform per launch, so both paths' barriers are reached by the whole block.
    const bool vec = k % 4u == 0u && n % 4u == 0u && sgemm_aligned16(a) &&
                     sgemm_aligned16(b) && sgemm_aligned16(c);
    if (vec) {
        sgemm_tiles<true>(m, n, k, alpha, a, b, beta, c, sm);
    } else {
        sgemm_tiles<false>(m, n, k, alpha, a, b, beta, c, sm);
    }
}
