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

// Runs `kernel` over `grid` x `block` as described at the top of this file.
inline void gk_launch(dim3 grid, dim3 block, const std::function<void()>& kernel) {
    const unsigned threads = block.x * block.y * block.z;
    const bool reverse = std::getenv("GK_EMU_REVERSE") != nullptr;
    gridDim = grid;
    blockDim = block;
    gk_emu::body = &kernel;
    gk_emu::fibers.assign(threads, ucontext_t{});
    gk_emu::stacks.resize(threads);
    for (auto& s : gk_emu::stacks) s.resize(256 * 1024);
    for (unsigned bz = 0; bz < grid.z; ++bz)
        for (unsigned by = 0; by < grid.y; ++by)
            for (unsigned bx = 0; bx < grid.x; ++bx) {
                blockIdx = dim3{bx, by, bz};
                gk_emu::barriers.assign(threads, 0);
                gk_emu::done.assign(threads, 0);
                for (unsigned t = 0; t < threads; ++t) {
                    ucontext_t& f = gk_emu::fibers[t];
                    getcontext(&f);
                    f.uc_stack.ss_sp = gk_emu::stacks[t].data();
                    f.uc_stack.ss_size = gk_emu::stacks[t].size();
                    f.uc_link = &gk_emu::scheduler;
                    makecontext(&f, gk_emu::trampoline, 0);
                }
                for (;;) {
                    unsigned running = 0;
                    for (unsigned i = 0; i < threads; ++i) {
                        const unsigned t = reverse ? threads - 1 - i : i;
                        if (gk_emu::done[t]) continue;
                        ++running;
                        gk_emu::current = t;
                        threadIdx = dim3{t % block.x, (t / block.x) % block.y,
                                         t / (block.x * block.y)};
                        swapcontext(&gk_emu::scheduler, &gk_emu::fibers[t]);
                    }
                    if (running == 0) break;
                    // Every thread has now either returned or waits at a barrier; they must
                    // all have reached the same number of barriers.
                    unsigned waiting = 0, finished = 0;
                    for (unsigned t = 0; t < threads; ++t) {
                        if (gk_emu::done[t]) {
                            ++finished;
                        } else {
                            ++waiting;
                        }
                        if (gk_emu::barriers[t] != gk_emu::barriers[0]) {
                            std::fprintf(stderr,
                                         "cuda_emu: divergent __syncthreads in block (%u,%u): "
                                         "thread %u reached %u barriers, thread 0 %u\n",
                                         bx, by, t, gk_emu::barriers[t], gk_emu::barriers[0]);
                            std::abort();
                        }
                    }
                    if (waiting != 0 && finished != 0) {
                        std::fprintf(stderr,
                                     "cuda_emu: in block (%u,%u) %u threads returned while %u "
                                     "wait at a __syncthreads\n",
                                     bx, by, finished, waiting);
                        std::abort();
                    }
                }
            }
}

#endif  // GK_CUDA_EMU_HPP
