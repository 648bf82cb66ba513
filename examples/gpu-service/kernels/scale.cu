// scale.cu: y[i] = alpha * x[i] + beta for i in [0, n), single precision.
//
// Launch geometry: 1-D, 256 threads per block, grid = max(1, ceil(n / 256)) blocks (see
// src/scale.rs: `BLOCK`, `grid`). The body is a grid-stride loop with a 64-bit index, so any
// grid is correct and n close to 2^32 cannot wrap the index.
//
// Tolerance: each element is one __fmaf_rn, a correctly rounded fused multiply-add written
// out so nvcc's -fmad setting cannot change it. The CPU reference uses f32::mul_add, which is
// also correctly rounded: GPU and CPU agree bit for bit (as long as subnormals are kept: no
// -ftz=true / --use_fast_math).

extern "C" __global__ void __launch_bounds__(256)
    scale_add(float alpha, const float* x, float beta, float* y, unsigned int n) {
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (size_t)n;
         i += (size_t)blockDim.x * gridDim.x) {
        y[i] = __fmaf_rn(alpha, x[i], beta);
    }
}
