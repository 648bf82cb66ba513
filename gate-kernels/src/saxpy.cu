// saxpy.cu: y[i] = a * x[i] + y[i] for i in [0, n), single precision.
//
// Launch geometry (saxpy.rs: `grid`, `BLOCK`): 1-D, GK_BLOCK (256) threads per block,
// grid = max(1, ceil(n / 4096)) blocks: 16 elements per thread, one unrolled group of four
// 16-byte vectors. The body strides over the grid, so any grid and any block size up to 256
// are correct; that one gives each thread exactly one group.
//
// Why it reaches the copy bandwidth: the old kernel had each thread load one x and one y
// element and store one (8 bytes in flight per thread): at 64 Mi elements it held 91.7 % of
// the device-to-device copy on an H100 but only 80.8 % on an H200, whose higher bandwidth
// needs more bytes in flight to cover the same latency. Now each thread issues SAXPY_UNROLL
// = 4 independent 16-byte loads of x and 4 of y (128 bytes) before it computes and stores,
// the same pattern that took the reduction from 72 % to 96-99 %; the unrolled loop has no
// per-element bounds checks (its condition covers the group's last vector), and the n % 4
// tail elements are done after it.
//
// Alignment: x and y are read and written as float4 when both are 16-byte aligned, which every
// buffer the runtime allocates is (cuMemAlloc aligns to 256 bytes); otherwise a scalar
// grid-stride loop does the same arithmetic. Each element is computed by one thread with one
// operation, so the path changes the speed, never the result.
//
// Determinism / tolerance: each element is one __fmaf_rn, a correctly rounded fused
// multiply-add, written explicitly so the result does not depend on nvcc's -fmad setting.
// The Rust reference uses a correctly rounded fma too, so GPU and CPU agree bit for bit
// (Tolerance::Exact) as long as subnormals are kept (no -ftz=true / --use_fast_math). A
// separate multiply then add (two roundings) can differ from the fused result; saxpy.rs
// documents and tests that bound.
//
// x may equal y (every element is read and then written by the same thread, once).
#include "common.cuh"

#define SAXPY_UNROLL 4u

__device__ __forceinline__ float4 saxpy4(float a, float4 x, float4 y) {
    return make_float4(__fmaf_rn(a, x.x, y.x), __fmaf_rn(a, x.y, y.y), __fmaf_rn(a, x.z, y.z),
                       __fmaf_rn(a, x.w, y.w));
}

extern "C" __global__ void __launch_bounds__(GK_BLOCK)
    saxpy(float a, const float* x, float* y, unsigned int n) {
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    const size_t first = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (!gk_aligned16(x) || !gk_aligned16(y)) {
        for (size_t i = first; i < n; i += stride) {
            y[i] = __fmaf_rn(a, x[i], y[i]);
        }
        return;
    }
    const float4* x4 = reinterpret_cast<const float4*>(x);
    float4* y4 = reinterpret_cast<float4*>(y);
    const size_t full = n / 4u;
    size_t j = first;
    // SAXPY_UNROLL loads of each in flight, then the arithmetic and the stores.
    for (; j + (SAXPY_UNROLL - 1u) * stride < full; j += SAXPY_UNROLL * stride) {
        float4 xv[SAXPY_UNROLL];
        float4 yv[SAXPY_UNROLL];
#pragma unroll
        for (unsigned int u = 0u; u < SAXPY_UNROLL; ++u) {
            xv[u] = x4[j + u * stride];
            yv[u] = y4[j + u * stride];
        }
#pragma unroll
        for (unsigned int u = 0u; u < SAXPY_UNROLL; ++u) {
            y4[j + u * stride] = saxpy4(a, xv[u], yv[u]);
        }
    }
    for (; j < full; j += stride) {
        y4[j] = saxpy4(a, x4[j], y4[j]);
    }
    // The n % 4 elements after the last full vector: one each for the grid's first threads.
    if (first < n % 4u) {
        const size_t i = 4u * full + first;
        y[i] = __fmaf_rn(a, x[i], y[i]);
    }
}
