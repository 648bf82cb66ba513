// saxpy.cu: y[i] = a * x[i] + y[i] for i in [0, n), single precision.
//
// Launch geometry: 1-D, GK_BLOCK (256) threads per block, grid = max(1, ceil(n / 256)) blocks
// (see saxpy.rs: `grid`, `BLOCK`). The body is a grid-stride loop, so any grid is correct;
// that one gives each thread one element. Any block size works, up to 256.
//
// Determinism / tolerance: each element is one __fmaf_rn, a correctly rounded fused
// multiply-add, written explicitly so the result does not depend on nvcc's -fmad setting.
// The Rust reference uses f32::mul_add, also correctly rounded, so GPU and CPU agree bit for
// bit (Tolerance::Exact) as long as subnormals are kept (no -ftz=true / --use_fast_math). A
// separate multiply then add (two roundings) can differ from the fused result; saxpy.rs
// documents and tests that bound.
#include "common.cuh"

extern "C" __global__ void __launch_bounds__(GK_BLOCK)
    saxpy(float a, const float* x, float* y, unsigned int n) {
    GK_GRID_STRIDE_LOOP(i, n) {
        y[i] = __fmaf_rn(a, x[i], y[i]);
    }
}
