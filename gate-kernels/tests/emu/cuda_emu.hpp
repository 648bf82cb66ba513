// cuda_emu.hpp: just enough of CUDA's execution model to run gate-kernels' .cu sources on the
// host, for tests on machines without a GPU (tests/emulated.rs).
//
// A launch runs its blocks one after another. The threads of a block are fibers (ucontext):
// each runs until it reaches __syncthreads() or returns, then the next one runs; a barrier
// phase ends when every thread of the block has reached it. So the emulation is one legal
// CUDA schedule, and:
// - `__shared__` arrays are function-local statics: one copy, shared by the block's threads
//   (blocks never overlap);
// - a block whose threads do not all reach the same number of barriers (a __syncthreads in
//   divergent code: undefined behaviour on a GPU) is reported and aborts;
// - `GK_EMU_REVERSE=1` runs each phase's threads in reverse order. A kernel whose results
//   differ between the two orders has a race between threads of one phase.
// - `GK_EMU_REVERSE=1` also runs the blocks in reverse order, so a kernel whose blocks hand
//   work to each other (the reduction's last block) meets a different last block.
// Memory: one launch's blocks run one after another, so a block sees every store of the blocks
// before it: __threadfence() has nothing left to order, and atomics are plain read-modify-write
// (fibers switch only at __syncthreads). The vector types are 16-byte aligned structs, and
// __ldg/__ldcg are plain loads; build with -fno-strict-aliasing, since kernels read float
// buffers through float4 pointers and the reduction's counter lives in a float buffer.
// Arithmetic is the host's IEEE single precision with contraction off (-ffp-contract=off), so
// the __f*_rn intrinsics are the plain operators and __fmaf_rn is fmaf. expf is the host
// libm's, not CUDA's (CUDA's is within 2 ulp; the softmax tolerance covers both).
#ifndef GK_CUDA_EMU_HPP
#define GK_CUDA_EMU_HPP

#include <ucontext.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

struct dim3 {
    unsigned int x = 1, y = 1, z = 1;
};

inline dim3 gridDim, blockDim, blockIdx, threadIdx;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)

namespace gk_emu {
inline ucontext_t scheduler;
inline std::vector<ucontext_t> fibers;
inline std::vector<std::vector<char>> stacks;
inline std::vector<unsigned> barriers;  // barriers reached, per thread of the block
inline std::vector<char> done;
inline unsigned current = 0;
inline const std::function<void()>* body = nullptr;

inline void trampoline() {
    (*body)();
    done[current] = 1;
    // Returning resumes uc_link, the scheduler.
}
}  // namespace gk_emu

inline void __syncthreads() {
    gk_emu::barriers[gk_emu::current] += 1;
    swapcontext(&gk_emu::fibers[gk_emu::current], &gk_emu::scheduler);
}

[[noreturn]] inline void __trap() {
    std::fprintf(stderr, "cuda_emu: __trap() in block (%u,%u) thread (%u,%u)\n", blockIdx.x,
                 blockIdx.y, threadIdx.x, threadIdx.y);
    std::abort();
}

inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return std::fmaf(a, b, c); }
inline float __int_as_float(int i) { return std::bit_cast<float>(i); }
inline unsigned int atomicAdd(unsigned int* p, unsigned int v) {
    const unsigned int old = *p;
    *p = old + v;
    return old;
}
inline void __threadfence() {}

struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(16) uint4 {
    unsigned int x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
inline uint4 make_uint4(unsigned int x, unsigned int y, unsigned int z, unsigned int w) {
    return uint4{x, y, z, w};
}
// The read-only (nc) and L2-only (cg) loads: plain loads here. A misaligned vector load faults
// on a GPU; here it would not, so the emulator checks the alignment the GPU would need.
template <class T>
inline T gk_emu_load(const T* p) {
    if (reinterpret_cast<unsigned long long>(p) % alignof(T) != 0) {
        std::fprintf(stderr, "cuda_emu: misaligned %zu-byte load at %p\n", sizeof(T),
                     static_cast<const void*>(p));
        std::abort();
    }
    return *p;
}
template <class T>
inline T __ldg(const T* p) {
    return gk_emu_load(p);
}
template <class T>
inline T __ldcg(const T* p) {
    return gk_emu_load(p);
}

namespace gk_emu {
// Runs the block blockIdx to completion: its threads as fibers, phase by phase.
inline void run_block(dim3 block, bool reverse) {
    const unsigned threads = block.x * block.y * block.z;
    barriers.assign(threads, 0);
    done.assign(threads, 0);
    for (unsigned t = 0; t < threads; ++t) {
        ucontext_t& f = fibers[t];
        getcontext(&f);
        f.uc_stack.ss_sp = stacks[t].data();
        f.uc_stack.ss_size = stacks[t].size();
        f.uc_link = &scheduler;
        makecontext(&f, trampoline, 0);
    }
    for (;;) {
        unsigned running = 0;
        for (unsigned i = 0; i < threads; ++i) {
            const unsigned t = reverse ? threads - 1 - i : i;
            if (done[t]) continue;
            ++running;
            current = t;
            threadIdx = dim3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
            swapcontext(&scheduler, &fibers[t]);
        }
        if (running == 0) break;
        // Every thread has now either returned or waits at a barrier; they must all have
        // reached the same number of barriers.
        unsigned waiting = 0, finished = 0;
        for (unsigned t = 0; t < threads; ++t) {
            if (done[t]) {
                ++finished;
            } else {
                ++waiting;
            }
            if (barriers[t] != barriers[0]) {
                std::fprintf(stderr,
                             "cuda_emu: divergent __syncthreads in block (%u,%u): "
                             "thread %u reached %u barriers, thread 0 %u\n",
                             blockIdx.x, blockIdx.y, t, barriers[t], barriers[0]);
                std::abort();
            }
        }
        if (waiting != 0 && finished != 0) {
            std::fprintf(stderr,
                         "cuda_emu: in block (%u,%u) %u threads returned while %u "
                         "wait at a __syncthreads\n",
                         blockIdx.x, blockIdx.y, finished, waiting);
            std::abort();
        }
    }
}
}  // namespace gk_emu

// Runs `kernel` over `grid` x `block` as described at the top of this file. `after_block`, if
// given, is called after each block with how many blocks have finished: a test can check what
// a kernel's blocks may leave behind for each other (the reduction's hand-off protocol).
inline void gk_launch(dim3 grid, dim3 block, const std::function<void()>& kernel,
                      const std::function<void(unsigned long long)>& after_block = {}) {
    const unsigned threads = block.x * block.y * block.z;
    const bool reverse = std::getenv("GK_EMU_REVERSE") != nullptr;
    gridDim = grid;
    blockDim = block;
    gk_emu::body = &kernel;
    gk_emu::fibers.assign(threads, ucontext_t{});
    gk_emu::stacks.resize(threads);
    for (auto& s : gk_emu::stacks) s.resize(256 * 1024);
    const unsigned long long blocks = 1ull * grid.x * grid.y * grid.z;
    for (unsigned long long b = 0; b < blocks; ++b) {
        const unsigned long long linear = reverse ? blocks - 1 - b : b;
        blockIdx = dim3{static_cast<unsigned>(linear % grid.x),
                        static_cast<unsigned>(linear / grid.x % grid.y),
                        static_cast<unsigned>(linear / (1ull * grid.x * grid.y))};
        gk_emu::run_block(block, reverse);
        if (after_block) after_block(b + 1);
    }
}

#endif  // GK_CUDA_EMU_HPP
