// common.cuh: helpers shared by the gate-kernels CUDA sources.
//
// Every kernel in this crate is plain CUDA C++ (no CUB, no cuda_fp16/bf16, no CCCL headers)
// so that it compiles with nothing but nvcc. This header holds the few pieces more than one
// kernel needs: the fixed block size, a 64-bit-safe grid-stride loop, a launch-geometry guard
// and the fixed-order block reductions.
//
// Determinism: the block reductions below always pair the same elements in the same order
// (a binary tree over GK_BLOCK shared-memory slots, halving the stride each level), and the
// additions use __fadd_rn, which the compiler may neither contract into an FMA nor reorder.
// The Rust references in the same directory replay exactly this order.
#ifndef GATE_KERNELS_COMMON_CUH
#define GATE_KERNELS_COMMON_CUH

// Threads per block of every 1-D kernel. The reductions are written for exactly this many
// threads; the Rust side exports the same number (`BLOCK`).
#define GK_BLOCK 256u

// Grid-stride loop over [0, n). The index is a size_t: with n close to 2^32 a 32-bit
// `i += blockDim.x * gridDim.x` could wrap and loop forever.
#define GK_GRID_STRIDE_LOOP(i, n)                                                    \
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (size_t)(n); \
         i += (size_t)blockDim.x * gridDim.x)

// Kernels whose arithmetic depends on the block shape (tree reductions, tiles) call this
// first. A wrong launch is a bug in the launcher; trapping makes it fail loudly instead of
// returning numbers computed with a different (and unchecked) summation order.
__device__ __forceinline__ void gk_require_block(unsigned int x, unsigned int y) {
    if (blockDim.x != x || blockDim.y != y || blockDim.z != 1u) {
        __trap();
    }
}

// Sums s[0..GK_BLOCK) in a fixed binary tree: for stride = GK_BLOCK/2, ..., 1, slot t < stride
// becomes s[t] + s[t + stride]. Every thread of the block must call it after storing its own
// slot s[threadIdx.x]. Returns the total to every thread; on return s may be reused.
__device__ __forceinline__ float gk_block_tree_sum(float* s) {
    __syncthreads();
    for (unsigned int stride = GK_BLOCK / 2u; stride > 0u; stride >>= 1) {
        if (threadIdx.x < stride) {
            s[threadIdx.x] = __fadd_rn(s[threadIdx.x], s[threadIdx.x + stride]);
        }
        __syncthreads();
    }
    const float total = s[0];
    // Everyone has read s[0] before anyone overwrites it.
    __syncthreads();
    return total;
}

// The same tree with fmaxf (IEEE maxNum: a NaN operand yields the other operand), matching
// Rust's f32::max.
__device__ __forceinline__ float gk_block_tree_max(float* s) {
    __syncthreads();
    for (unsigned int stride = GK_BLOCK / 2u; stride > 0u; stride >>= 1) {
        if (threadIdx.x < stride) {
            s[threadIdx.x] = fmaxf(s[threadIdx.x], s[threadIdx.x + stride]);
        }
        __syncthreads();
    }
    const float best = s[0];
    __syncthreads();
    return best;
}

// Whether p may be read or written as 16-byte vectors (float4 / uint4). The runtime's buffers
// come from cuMemAlloc, which aligns every allocation to 256 bytes, so this holds for each
// buffer it passes; the vectorised kernels still test it once per launch (a uniform branch on a
// kernel argument) and otherwise take a scalar path that performs the same arithmetic in the
// same order, so an offset pointer changes the speed, never the result.
__device__ __forceinline__ bool gk_aligned16(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0ull;
}

#endif  // GATE_KERNELS_COMMON_CUH
