// main.cpp: runs one gate-kernels kernel under cuda_emu.hpp, as tests/emulated.rs asks.
//
//   emu KERNEL GRID_X GRID_Y BLOCK_X BLOCK_Y ARGS...   (inputs on stdin, outputs on stdout,
//                                                      raw little-endian 32-bit values)
//   saxpy     gx 1 bx 1 n a_bits off        stdin x[n] y[n]      stdout y[n]
//   reduce    gx 1 bx 1 n off               stdin x[n]           stdout sum, sum, counter
//             (the one-launch protocol run twice on one scratch of gx + 1 zeroed words: both
//             sums, then the counter word the kernel must leave at zero)
//   softmax   gx 1 bx 1 rows cols off inplace
//                                           stdin x[rows*cols]   stdout y[rows*cols]
//             (inplace 1: y is x)
//   sgemm     gx gy bx by m n k alpha_bits beta_bits
//                                           stdin a[m*k] b[k*n] c[m*n]   stdout c[m*n]
//   histogram gx 1 bx 1 n num_bins off      stdin values[n] bins[num_bins]  stdout bins
// `off` places the input (and softmax's output) that many 4-byte words after a 64-byte
// boundary: 0 is the runtime's case (cuMemAlloc), anything else the kernels' unaligned paths.
// The geometry comes from the Rust side's launch_config, so the test covers both.
#include "cuda_emu.hpp"

#include "histogram_u32.cu"
#include "reduce_sum_f32.cu"
#include "saxpy.cu"
#include "sgemm_tiled.cu"
#include "softmax_rows_f32.cu"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

// A buffer of n elements starting `offset` elements after a 64-byte boundary.
template <class T>
struct Buffer {
    std::vector<T> raw;
    T* data;
    Buffer(size_t n, unsigned offset) : raw(n + offset + 64 / sizeof(T)) {
        const auto address = reinterpret_cast<std::uintptr_t>(raw.data());
        data = raw.data() + (64 - address % 64) % 64 / sizeof(T) + offset;
    }
    // A move keeps raw's storage, so data stays valid; a copy would not.
    Buffer(const Buffer&) = delete;
    Buffer(Buffer&&) = default;
};

template <class T>
static Buffer<T> read(size_t n, unsigned offset = 0) {
    Buffer<T> v(n, offset);
    if (n != 0 && std::fread(v.data, sizeof(T), n, stdin) != n) {
        std::fprintf(stderr, "emu: short input\n");
        std::exit(2);
    }
    return v;
}

template <class T>
static void write(const T* v, size_t n) {
    std::fwrite(v, sizeof(T), n, stdout);
}

// A NaN payload no kernel produces: the reduction's output before its last block writes it.
constexpr unsigned kUnwritten = 0x7fc0dead;

// The reduction's hand-off, checked after each of its blocks: until the last block has run,
// the arrival counter (scratch word gridDim.x) counts the finished blocks and the output is
// untouched; the last block writes the output and leaves the counter at zero. A kernel that let
// another block finish the sum, or several, would pass the final check only by luck of the
// emulator's one-block-at-a-time schedule, and fails here.
static void check_reduce_handoff(const Buffer<float>& scratch, float sum,
                                 unsigned long long done) {
    const bool last = done == gridDim.x;
    const unsigned counter = std::bit_cast<unsigned>(scratch.data[gridDim.x]);
    const bool written = std::bit_cast<unsigned>(sum) != kUnwritten;
    if (counter != (last ? 0u : done) || written != last) {
        std::fprintf(stderr,
                     "emu: reduce hand-off broken after %llu of %u blocks: counter %u, "
                     "output %s\n",
                     done, gridDim.x, counter, written ? "written" : "unwritten");
        std::exit(3);
    }
}

static unsigned arg(char** argv, int i) { return static_cast<unsigned>(std::stoul(argv[i])); }
static float farg(char** argv, int i) { return std::bit_cast<float>(arg(argv, i)); }

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: emu KERNEL GRID_X GRID_Y BLOCK_X BLOCK_Y ARGS...\n");
        return 2;
    }
    const std::string kernel = argv[1];
    const dim3 grid{arg(argv, 2), arg(argv, 3), 1};
    const dim3 block{arg(argv, 4), arg(argv, 5), 1};
    if (kernel == "saxpy" && argc == 9) {
        const unsigned n = arg(argv, 6);
        const float a = farg(argv, 7);
        auto x = read<float>(n, arg(argv, 8));
        auto y = read<float>(n, arg(argv, 8));
        gk_launch(grid, block, [&] { saxpy(a, x.data, y.data, n); });
        write(y.data, n);
    } else if (kernel == "reduce" && argc == 8) {
        const unsigned n = arg(argv, 6);
        auto x = read<float>(n, arg(argv, 7));
        Buffer<float> scratch(grid.x + 1, 0), out(2, 0);
        std::fill(scratch.raw.begin(), scratch.raw.end(), 0.0f);
        for (int launch = 0; launch < 2; ++launch) {
            float* sum = out.data + launch;
            *sum = std::bit_cast<float>(kUnwritten);
            gk_launch(
                grid, block, [&] { reduce_sum_f32_partial(x.data, scratch.data, sum, n); },
                [&](unsigned long long done) { check_reduce_handoff(scratch, *sum, done); });
        }
        write(out.data, 2);
        write(scratch.data + grid.x, 1);
    } else if (kernel == "softmax" && argc == 10) {
        const unsigned rows = arg(argv, 6), cols = arg(argv, 7), offset = arg(argv, 8);
        const bool in_place = arg(argv, 9) != 0;
        const size_t len = size_t(rows) * cols;
        auto x = read<float>(len, offset);
        Buffer<float> y(len, offset);
        float* out = in_place ? x.data : y.data;
        gk_launch(grid, block, [&] { softmax_rows_f32(x.data, out, rows, cols); });
        write(out, len);
    } else if (kernel == "sgemm" && argc == 11) {
        const unsigned m = arg(argv, 6), n = arg(argv, 7), k = arg(argv, 8);
        const float alpha = farg(argv, 9), beta = farg(argv, 10);
        auto a = read<float>(size_t(m) * k);
        auto b = read<float>(size_t(k) * n);
        auto c = read<float>(size_t(m) * n);
        gk_launch(grid, block,
                  [&] { sgemm_tiled(m, n, k, alpha, a.data, b.data, beta, c.data); });
        write(c.data, size_t(m) * n);
    } else if (kernel == "histogram" && argc == 9) {
        const unsigned n = arg(argv, 6), num_bins = arg(argv, 7);
        auto values = read<unsigned>(n, arg(argv, 8));
        auto bins = read<unsigned>(num_bins);
        gk_launch(grid, block,
                  [&] { histogram_u32(values.data, n, bins.data, num_bins); });
        write(bins.data, num_bins);
    } else {
        std::fprintf(stderr, "emu: unknown kernel or wrong arguments: %s\n", kernel.c_str());
        return 2;
    }
    return 0;
}
