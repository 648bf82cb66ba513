// main.cpp: runs one gate-kernels kernel under cuda_emu.hpp, as tests/emulated.rs asks.
//
//   emu KERNEL GRID_X GRID_Y BLOCK_X BLOCK_Y ARGS...   (inputs on stdin, outputs on stdout,
//                                                      raw little-endian 32-bit values)
//   saxpy     gx 1 bx 1 n a_bits            stdin x[n] y[n]      stdout y[n]
//   reduce    gx 1 bx 1 n                   stdin x[n]           stdout sum (two launches:
//                                                                gx partials, then 1 block)
//   softmax   gx 1 bx 1 rows cols           stdin x[rows*cols]   stdout y[rows*cols]
//   sgemm     gx gy bx by m n k alpha_bits beta_bits
//                                           stdin a[m*k] b[k*n] c[m*n]   stdout c[m*n]
//   histogram gx 1 bx 1 n num_bins          stdin values[n] bins[num_bins]  stdout bins
// The geometry comes from the Rust side's launch_config, so the test covers both.
#include "cuda_emu.hpp"

#include "histogram_u32.cu"
#include "reduce_sum_f32.cu"
#include "saxpy.cu"
#include "sgemm_tiled.cu"
#include "softmax_rows_f32.cu"

#include <cstdint>
#include <cstring>
#include <string>

template <class T>
static std::vector<T> read(size_t n) {
    std::vector<T> v(n == 0 ? 1 : n);
    if (n != 0 && std::fread(v.data(), sizeof(T), n, stdin) != n) {
        std::fprintf(stderr, "emu: short input\n");
        std::exit(2);
    }
    return v;
}

template <class T>
static void write(const std::vector<T>& v, size_t n) {
    std::fwrite(v.data(), sizeof(T), n, stdout);
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
    if (kernel == "saxpy" && argc == 8) {
        const unsigned n = arg(argv, 6);
        const float a = farg(argv, 7);
        auto x = read<float>(n);
        auto y = read<float>(n);
        gk_launch(grid, block, [&] { saxpy(a, x.data(), y.data(), n); });
        write(y, n);
    } else if (kernel == "reduce" && argc == 7) {
        const unsigned n = arg(argv, 6);
        auto x = read<float>(n);
        std::vector<float> partials(grid.x), out(1);
        gk_launch(grid, block, [&] { reduce_sum_f32_partial(x.data(), partials.data(), n); });
        gk_launch(dim3{1, 1, 1}, block,
                  [&] { reduce_sum_f32_partial(partials.data(), out.data(), grid.x); });
        write(out, 1);
    } else if (kernel == "softmax" && argc == 8) {
        const unsigned rows = arg(argv, 6), cols = arg(argv, 7);
        const size_t len = size_t(rows) * cols;
        auto x = read<float>(len);
        std::vector<float> y(len == 0 ? 1 : len);
        gk_launch(grid, block, [&] { softmax_rows_f32(x.data(), y.data(), rows, cols); });
        write(y, len);
    } else if (kernel == "sgemm" && argc == 11) {
        const unsigned m = arg(argv, 6), n = arg(argv, 7), k = arg(argv, 8);
        const float alpha = farg(argv, 9), beta = farg(argv, 10);
        auto a = read<float>(size_t(m) * k);
        auto b = read<float>(size_t(k) * n);
        auto c = read<float>(size_t(m) * n);
        gk_launch(grid, block,
                  [&] { sgemm_tiled(m, n, k, alpha, a.data(), b.data(), beta, c.data()); });
        write(c, size_t(m) * n);
    } else if (kernel == "histogram" && argc == 8) {
        const unsigned n = arg(argv, 6), num_bins = arg(argv, 7);
        auto values = read<unsigned>(n);
        auto bins = read<unsigned>(num_bins);
        gk_launch(grid, block, [&] { histogram_u32(values.data(), n, bins.data(), num_bins); });
        write(bins, num_bins);
    } else {
        std::fprintf(stderr, "emu: unknown kernel or wrong arguments: %s\n", kernel.c_str());
        return 2;
    }
    return 0;
}
