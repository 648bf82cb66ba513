// softmax_rows_f32.cu: row-wise softmax of a rows x cols row-major matrix,
// y[r][j] = exp(x[r][j] - max_r) / sum_j' exp(x[r][j'] - max_r).
//
// Launch geometry (softmax_rows_f32.rs: `grid`, `BLOCK`): 1-D, GK_BLOCK (256) threads per
// block (required: the reductions are written for it), grid = clamp(rows, 1, 65535) blocks.
// One block handles one row at a time; block b handles rows b, b + gridDim.x, ... so any row
// count fits the grid limits. Rows are independent, so the grid never changes the result.
// y may alias x (in place): each element is read and written by one thread only, and that
// thread reads it (and the whole row has been read for the max) before writing it.
//
// Order. A row is V = ceil(cols / 4) vectors of 4 columns (the last one short when 4 does not
// divide cols); thread t owns vectors t, t + 256, t + 512, ... and, per vector, its 4 lanes.
// Max: fmaxf over the thread's elements, then the fixed tree gk_block_tree_max. Sum: the thread
// keeps 4 lane sums from +0.0 and, over its vectors in increasing order, adds e = exp(x - max)
// of column 4j + k to lane k; its value is (l0 + l1) + (l2 + l3), and gk_block_tree_sum
// combines the 256 values. Then y = e / sum. The Rust reference replays exactly this; the only
// difference between GPU and CPU is expf itself (CUDA: <= 2 ulp; host libm: <= 1 ulp),
// propagated through the sum and the division: softmax_rows_f32.rs derives the tolerance
// (`tolerance(cols)`). Assumes precise expf and IEEE division (no --use_fast_math); the
// division is __fdiv_rn so -prec-div cannot change it.
//
// Numerics: subtracting the row max makes every exponent <= 0, so exp never overflows and the
// row sum is in [1, cols]: finite inputs (even +-1e30 or +-FLT_MAX) give finite outputs.
//
// Why it should reach >= 85 % of the device-to-device copy bandwidth (16384 x 4096 on H100):
// - One read and one write per element. A row of up to SM_TILE_COLS = 4096 columns is held in
//   registers (4 float4 per thread): it is loaded once, and max, exp, sum and the division all
//   work on the registers. The old kernel read x twice and wrote, re-read and rewrote y.
// - The loads are 16-byte and independent: each thread has its 4 float4 in flight at once, a
//   block its whole 16 KB row. At 48 registers 5 blocks (40 warps) fit per SM; while some of
//   them compute, the others' rows keep far more bytes in flight than Little's law needs
//   (~25 KB per SM at ~3 TB/s and ~1 us), where the old kernel had one dependent 4-byte load
//   per thread. The exps and IEEE divisions (~25 instructions per element) take about a third
//   of the issue slots at the copy bandwidth, so they overlap with the memory traffic.
// - The stores are 16-byte, coalesced (consecutive threads, consecutive 16 bytes).
// - The tile loop has no per-element bounds checks on full vectors; only the one short vector
//   of a row (cols % 4 != 0) and vectors past the row's end are handled separately.
// Rows wider than SM_TILE_COLS stream the row in tiles of 4096 columns three times (max, sum,
// write; the exps are recomputed, bit-identical), in the same order: correct, not tuned.
//
// Alignment: x and y are accessed as float4 when both are 16-byte aligned and cols % 4 == 0
// (so every row starts aligned); cuMemAlloc buffers (the runtime's) are 256-byte aligned.
// Otherwise a scalar path loads and stores the same vectors a float at a time: same order,
// same result.
#include "common.cuh"

// Vectors per thread per tile, and the columns of a tile: the row width held in registers.
#define SM_TILE_VECS 4u
#define SM_TILE_COLS (GK_BLOCK * 4u * SM_TILE_VECS)

// Where vector j of a row lies: complete (j < full), the short one (j == full, rest < 4
// columns) or past the row's end.
struct SmRow {
    unsigned int full;  // complete vectors: cols / 4
    unsigned int rest;  // columns of the short vector: cols % 4
};

// Vector j of row xr. Columns past the row read as -inf, the identity of the running max (which
// starts at -inf and so is never NaN); exp and the stores mask them out.
template <bool kVec>
__device__ __forceinline__ float4 sm_load(const float* xr, unsigned int j, SmRow row) {
    const float* p = xr + 4ull * j;
    if (j < row.full) {
        if (kVec) {
            return *reinterpret_cast<const float4*>(p);
        }
        return make_float4(p[0], p[1], p[2], p[3]);
    }
    const float ninf = __int_as_float(0xff800000);
    float4 v = make_float4(ninf, ninf, ninf, ninf);
    // With kVec, cols % 4 == 0: there is no short vector.
    if (!kVec && j == row.full) {
        if (row.rest > 0u) v.x = p[0];
        if (row.rest > 1u) v.y = p[1];
        if (row.rest > 2u) v.z = p[2];
    }
    return v;
}

template <bool kVec>
__device__ __forceinline__ void sm_store(float* yr, unsigned int j, SmRow row, float4 v) {
    float* p = yr + 4ull * j;
    if (j < row.full) {
        if (kVec) {
            *reinterpret_cast<float4*>(p) = v;
        } else {
            p[0] = v.x;
            p[1] = v.y;
            p[2] = v.z;
            p[3] = v.w;
        }
    } else if (!kVec && j == row.full) {
        if (row.rest > 0u) p[0] = v.x;
        if (row.rest > 1u) p[1] = v.y;
        if (row.rest > 2u) p[2] = v.z;
    }
}

// Columns of vector j that are in the row: 4, rest or 0 (with kVec, rest is 0).
template <bool kVec>
__device__ __forceinline__ unsigned int sm_width(unsigned int j, SmRow row) {
    return j < row.full ? 4u : (!kVec && j == row.full ? row.rest : 0u);
}

// The thread's vectors of tile q: t + 256 * (4q + k), k = 0..3, in increasing order.
__device__ __forceinline__ unsigned int sm_vec(unsigned int q, unsigned int k) {
    return threadIdx.x + GK_BLOCK * (SM_TILE_VECS * q + k);
}

template <bool kVec>
__device__ __forceinline__ void sm_load_tile(const float* xr, unsigned int q, SmRow row,
                                             float4 (&v)[SM_TILE_VECS]) {
#pragma unroll
    for (unsigned int k = 0; k < SM_TILE_VECS; ++k) {
        v[k] = sm_load<kVec>(xr, sm_vec(q, k), row);
    }
}

__device__ __forceinline__ float sm_tile_max(const float4 (&v)[SM_TILE_VECS], float m) {
#pragma unroll
    for (unsigned int k = 0; k < SM_TILE_VECS; ++k) {
        m = fmaxf(fmaxf(fmaxf(fmaxf(m, v[k].x), v[k].y), v[k].z), v[k].w);
    }
    return m;
}

// e = exp(x - m) for the columns in the row, +0.0 for the others. The exp is computed for
// every column and then selected (expf of -inf or NaN is harmless), so full vectors run
// without branches.
__device__ __forceinline__ float sm_exp(float x, float m, bool in_row) {
    const float e = expf(__fsub_rn(x, m));
    return in_row ? e : 0.0f;
}

template <bool kVec>
__device__ __forceinline__ void sm_tile_exp(float4 (&v)[SM_TILE_VECS], unsigned int q, SmRow row,
                                            float m) {
#pragma unroll
    for (unsigned int k = 0; k < SM_TILE_VECS; ++k) {
        const unsigned int w = sm_width<kVec>(sm_vec(q, k), row);
        v[k].x = sm_exp(v[k].x, m, w > 0u);
        v[k].y = sm_exp(v[k].y, m, w > 1u);
        v[k].z = sm_exp(v[k].z, m, w > 2u);
        v[k].w = sm_exp(v[k].w, m, w > 3u);
    }
}

// Lane k adds element k of each vector, in the thread's vector order. Columns past the row add
// +0.0: a lane sum starts at +0.0 and only grows by exps (>= +0.0, or NaN), so that changes no
// bit, which is why the CPU reference may simply skip them.
__device__ __forceinline__ void sm_tile_add(const float4 (&e)[SM_TILE_VECS], float4& lanes) {
#pragma unroll
    for (unsigned int k = 0; k < SM_TILE_VECS; ++k) {
        lanes.x = __fadd_rn(lanes.x, e[k].x);
        lanes.y = __fadd_rn(lanes.y, e[k].y);
        lanes.z = __fadd_rn(lanes.z, e[k].z);
        lanes.w = __fadd_rn(lanes.w, e[k].w);
    }
}

template <bool kVec>
__device__ __forceinline__ void sm_store_tile(float* yr, unsigned int q, SmRow row,
                                              const float4 (&e)[SM_TILE_VECS], float sum) {
#pragma unroll
    for (unsigned int k = 0; k < SM_TILE_VECS; ++k) {
        const float4 y = make_float4(__fdiv_rn(e[k].x, sum), __fdiv_rn(e[k].y, sum),
                                     __fdiv_rn(e[k].z, sum), __fdiv_rn(e[k].w, sum));
        sm_store<kVec>(yr, sm_vec(q, k), row, y);
    }
}

__device__ __forceinline__ float sm_lane_total(float4 lanes) {
    return __fadd_rn(__fadd_rn(lanes.x, lanes.y), __fadd_rn(lanes.z, lanes.w));
}

// One row of at most SM_TILE_COLS columns: a single tile, read once, kept in registers.
template <bool kVec>
__device__ __forceinline__ void sm_row_cached(const float* xr, float* yr, SmRow row, float* s) {
    float4 v[SM_TILE_VECS];
    sm_load_tile<kVec>(xr, 0u, row, v);
    s[threadIdx.x] = sm_tile_max(v, __int_as_float(0xff800000));
    const float m = gk_block_tree_max(s);
    float4 lanes = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    sm_tile_exp<kVec>(v, 0u, row, m);
    sm_tile_add(v, lanes);
    s[threadIdx.x] = sm_lane_total(lanes);
    const float sum = gk_block_tree_sum(s);
    sm_store_tile<kVec>(yr, 0u, row, v, sum);
}

// A wider row: the same order over `tiles` tiles, read three times. The exps of the last pass
// are recomputed from x: expf is a function, so they equal the summed ones bit for bit.
template <bool kVec>
__device__ void sm_row_streamed(const float* xr, float* yr, SmRow row, unsigned int tiles,
                                float* s) {
    float4 v[SM_TILE_VECS];
    float m = __int_as_float(0xff800000);
    for (unsigned int q = 0; q < tiles; ++q) {
        sm_load_tile<kVec>(xr, q, row, v);
        m = sm_tile_max(v, m);
    }
    s[threadIdx.x] = m;
    m = gk_block_tree_max(s);
    float4 lanes = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    for (unsigned int q = 0; q < tiles; ++q) {
        sm_load_tile<kVec>(xr, q, row, v);
        sm_tile_exp<kVec>(v, q, row, m);
        sm_tile_add(v, lanes);
    }
    s[threadIdx.x] = sm_lane_total(lanes);
    const float sum = gk_block_tree_sum(s);
    // The writing pass goes a vector at a time: a whole tile of exps and quotients here would
    // cost the kernel 60 registers (4 blocks per SM instead of 5) for the cached path's sake.
    const unsigned int vectors = row.full + (row.rest != 0u ? 1u : 0u);
    for (unsigned int j = threadIdx.x; j < vectors; j += GK_BLOCK) {
        float4 e = sm_load<kVec>(xr, j, row);
        const unsigned int w = sm_width<kVec>(j, row);
        e.x = __fdiv_rn(sm_exp(e.x, m, w > 0u), sum);
        e.y = __fdiv_rn(sm_exp(e.y, m, w > 1u), sum);
        e.z = __fdiv_rn(sm_exp(e.z, m, w > 2u), sum);
        e.w = __fdiv_rn(sm_exp(e.w, m, w > 3u), sum);
        sm_store<kVec>(yr, j, row, e);
    }
}

template <bool kVec>
__device__ __forceinline__ void sm_rows(const float* x, float* y, unsigned int rows,
                                        unsigned int cols, float* s) {
    const SmRow row = {cols / 4u, cols % 4u};
    // Tiles per row: ceil(V / 1024) with V = ceil(cols / 4), in 64 bits (cols may be 2^32 - 1).
    const unsigned int tiles =
        (unsigned int)(((unsigned long long)cols + SM_TILE_COLS - 1ull) / SM_TILE_COLS);
    // size_t: row + gridDim.x must not wrap around 2^32, nor row * cols.
    for (size_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        if (tiles <= 1u) {
            sm_row_cached<kVec>(xr, yr, row, s);
        } else {
            sm_row_streamed<kVec>(xr, yr, row, tiles, s);
        }
    }
}

// At least 5 blocks per SM (<= 48 registers, no spills for sm_80 and sm_90): 5 rows of 16 KB
// in flight per SM at most, and enough warps to overlap one block's exps with another's loads.
extern "C" __global__ void __launch_bounds__(GK_BLOCK, 5)
    softmax_rows_f32(const float* x, float* y, unsigned int rows, unsigned int cols) {
    __shared__ float s[GK_BLOCK];
    gk_require_block(GK_BLOCK, 1u);
    // Uniform for the whole launch: every row starts 16-byte aligned iff both bases do and
    // cols % 4 == 0.
    if (gk_aligned16(x) && gk_aligned16(y) && cols % 4u == 0u) {
        sm_rows<true>(x, y, rows, cols, s);
    } else {
        sm_rows<false>(x, y, rows, cols, s);
    }
}
