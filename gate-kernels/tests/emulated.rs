//! gate-kernels' CUDA sources run on the host under `tests/emu/cuda_emu.hpp` (blocks in turn,
//! the threads of a block as fibers that meet at every `__syncthreads`), with the launch
//! geometry from each module's `launch_config`, against the CPU references.
//!
//! This is what a machine without a GPU can say about the kernels themselves: the indexing,
//! bounds, tails and vector paths, barrier discipline, the reduction's one-launch protocol
//! (last block, counter reset) and the summation orders the `Exact` tolerances rest on. Every
//! case runs twice, the second time with each barrier phase's threads and the blocks in
//! reverse order: a result that depends on the order is a race, and the reduction meets a
//! different last block. Inputs also come at an offset from 16-byte alignment, which must take
//! the scalar paths and give the same bits. What it cannot say: anything about the GPU's own
//! arithmetic (CUDA's `expf`), memory model or speed (gate-runtime's GPU tests and `gpu_bench`
//! cover those where a GPU is present).
//!
//! Needs a C++20 compiler (`CXX`, default `g++`). Without one the tests print why they
//! skipped, unless `GATE_TESTS_REQUIRE_NVCC` is set (CI), where a missing compiler fails.

use gate_kernels::{histogram_u32, reduce_sum_f32, saxpy, sgemm_tiled, softmax_rows_f32};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The emulator binary, compiled once per test run, or why there is none.
fn emulator() -> Result<&'static Path, String> {
    static EMU: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    EMU.get_or_init(|| {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gate-kernels-emu");
        let cxx = std::env::var("CXX").unwrap_or_else(|_| "g++".to_owned());
        let output = Command::new(&cxx)
            .args([
                "-std=c++20",
                "-O2",
                "-ffp-contract=off",
                "-fno-strict-aliasing",
                "-Wall",
                "-Wno-unknown-pragmas",
            ])
            .arg("-I")
            .arg(here.join("src"))
            .arg(here.join("tests/emu/main.cpp"))
            .arg("-o")
            .arg(&exe)
            .output()
            .map_err(|e| format!("no C++ compiler `{cxx}` ({e}); set CXX"))?;
        if output.status.success() {
            Ok(exe)
        } else {
            Err(format!(
                "`{cxx}` could not build the emulator:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    })
    .as_deref()
    .map_err(Clone::clone)
}

/// The emulator, or `None` after printing why the test is skipped.
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn emu() -> Option<&'static Path> {
    match emulator() {
        Ok(path) => Some(path),
        Err(why) if std::env::var_os("GATE_TESTS_REQUIRE_NVCC").is_none() => {
            println!("skipped: {why}");
            None
        }
        Err(why) => panic!("GATE_TESTS_REQUIRE_NVCC is set and {why}"),
    }
}

/// Runs one kernel; returns its stdout. Fails the test on a non-zero exit (a trap, a
/// divergent barrier) or after two minutes (a deadlock).
fn run(emu: &Path, args: &[String], input: &[u8], reverse: bool) -> Vec<u8> {
    match run_status(emu, args, input, reverse) {
        Ok(out) => out,
        Err(err) => panic!("emulator failed on {args:?}: {err}"),
    }
}

/// Runs one kernel: its stdout, or its stderr when it exits non-zero.
fn run_status(emu: &Path, args: &[String], input: &[u8], reverse: bool) -> Result<Vec<u8>, String> {
    let dir = tempfile::tempdir().unwrap();
    let (stdin, stdout) = (dir.path().join("in"), dir.path().join("out"));
    std::fs::write(&stdin, input).unwrap();
    let mut cmd = Command::new(emu);
    cmd.args(args)
        .stdin(std::fs::File::open(&stdin).unwrap())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(Stdio::piped());
    if reverse {
        cmd.env("GK_EMU_REVERSE", "1");
    } else {
        cmd.env_remove("GK_EMU_REVERSE");
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("emulator timed out (a deadlock?): {args:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    if !status.success() {
        return Err(err);
    }
    Ok(std::fs::read(&stdout).unwrap())
}

fn bytes<T: Copy>(values: &[T], to: impl Fn(T) -> [u8; 4]) -> Vec<u8> {
    values.iter().flat_map(|&v| to(v)).collect()
}

fn floats(raw: &[u8]) -> Vec<f32> {
    raw.chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn words(raw: &[u8]) -> Vec<u32> {
    raw.chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Deterministic floats with random sign and mantissa, magnitudes 2^-8 .. 2^8, and a
/// subnormal every 97th value (the exact tolerances assume subnormals are kept).
fn values(n: usize, seed: u64) -> Vec<f32> {
    (0..n as u64)
        .map(|i| {
            let mut h = (i ^ (seed << 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            h ^= h >> 29;
            h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            h ^= h >> 32;
            let sign = ((h >> 63) as u32) << 31;
            let mantissa = (h as u32) & 0x007F_FFFF;
            let exponent = if i % 97 == 13 {
                0
            } else {
                119 + ((h >> 40) % 16) as u32
            };
            f32::from_bits(sign | (exponent << 23) | mantissa)
        })
        .collect()
}

/// Launch geometry arguments.
fn geometry(c: gate_kernels::LaunchConfig) -> Vec<String> {
    [c.grid.0, c.grid.1, c.block.0, c.block.1]
        .iter()
        .map(u32::to_string)
        .collect()
}

fn same_bits(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits(),
            "{what}: element {i}: emulated kernel {g:e} ({:#010x}), CPU reference {w:e} ({:#010x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}

#[test]
fn saxpy_matches_its_reference_bit_for_bit() {
    let Some(emu) = emu() else { return };
    // Whole groups, the vector remainder loop, n % 4 tails, several blocks; off 0 is the
    // runtime's aligned case (float4 path), 1 and 3 the scalar path.
    let cases = [0usize, 1, 3, 4, 255, 257, 1000, 4096, 4099, 70_001];
    for (n, off) in cases.into_iter().flat_map(|n| [(n, 0u32), (n, 1), (n, 3)]) {
        for a in [0.75f32, -1.3e-3] {
            let x = values(n, 1);
            let y = values(n, 2);
            let mut want = y.clone();
            saxpy::cpu(a, &x, &mut want).unwrap();
            let mut args = vec!["saxpy".to_owned()];
            args.extend(geometry(saxpy::launch_config(n as u32)));
            args.extend([n.to_string(), a.to_bits().to_string(), off.to_string()]);
            let input = [bytes(&x, f32::to_le_bytes), bytes(&y, f32::to_le_bytes)].concat();
            for reverse in [false, true] {
                let got = floats(&run(emu, &args, &input, reverse));
                same_bits(&got, &want, &format!("saxpy n={n} a={a} off={off}"));
            }
        }
    }
}

/// Runs the reduction's launch plan twice on one zeroed scratch at input offset `offset`
/// (floats past a 64-byte boundary) and checks both sums and the counter left at zero.
fn check_reduce(emu: &Path, n: usize, offset: u32) {
    let x = values(n, 3);
    let want = reduce_sum_f32::cpu(&x).unwrap();
    let [launch] = reduce_sum_f32::launch_plan(n as u32);
    assert_eq!(
        reduce_sum_f32::scratch_len(n as u32),
        launch.config.grid.0 as usize + 1,
        "the emulator allocates grid + 1 words of scratch"
    );
    let mut args = vec!["reduce".to_owned()];
    args.extend(geometry(launch.config));
    args.extend([n.to_string(), offset.to_string()]);
    let input = bytes(&x, f32::to_le_bytes);
    for reverse in [false, true] {
        let out = run(emu, &args, &input, reverse);
        let what = format!("reduce_sum n={n} offset={offset} reverse={reverse}");
        same_bits(&floats(&out[..8]), &[want, want], &what);
        assert_eq!(words(&out[8..]), [0], "{what}: the counter is reset");
    }
}

#[test]
fn reduce_sum_follows_its_launch_plan_and_matches_bit_for_bit() {
    let Some(emu) = emu() else { return };
    // One block: empty, tails of 1..3 floats, one vector per thread, exactly one unrolled
    // group per thread (4096). Several blocks: 1..4 vectors per thread (4099, 20_483). The
    // clamped grid of 1024 blocks: one sweep (263_144), exactly one unrolled group per thread
    // plus a 3-float tail (4_194_307), a group, two single vectors and a tail (6_291_459).
    for n in [
        0usize, 1, 3, 4, 5, 255, 1023, 4096, 4099, 20_483, 263_144, 4_194_307, 6_291_459,
    ] {
        check_reduce(emu, n, 0);
    }
    // Unaligned inputs take the scalar path, in the same order.
    for (n, offset) in [(5usize, 1u32), (4099, 1), (20_483, 2), (263_144, 3)] {
        check_reduce(emu, n, offset);
    }
}

#[test]
fn reduce_sum_traps_on_a_grid_other_than_its_plan() {
    let Some(emu) = emu() else { return };
    // The order depends on the grid: another one must fail loudly, not return another sum.
    for (n, blocks) in [(5000usize, 1u32), (4096, 2), (6_291_459, 1023)] {
        assert_ne!(reduce_sum_f32::num_blocks(n as u32), blocks);
        let args: Vec<String> = ["reduce", &blocks.to_string(), "1", "256", "1"]
            .iter()
            .map(|s| (*s).to_owned())
            .chain([n.to_string(), "0".to_owned()])
            .collect();
        let x = values(n, 3);
        let err = run_status(emu, &args, &bytes(&x, f32::to_le_bytes), false).unwrap_err();
        assert!(err.contains("__trap()"), "n={n} grid={blocks}: {err}");
    }
}

/// Softmax of `rows x cols` under `config`, input and output at `offset` floats past a
/// 64-byte boundary, optionally in place, against the CPU reference.
fn check_softmax(
    emu: &Path,
    (rows, cols): (usize, usize),
    config: gate_kernels::LaunchConfig,
    offset: u32,
    in_place: bool,
) {
    // Scaled to |x| < 8, so that every exp counts (e >= e^-16) and a wrong or missing column
    // shows; every third row keeps the full 2^-8 .. 2^8 range, where most exps underflow.
    let x: Vec<f32> = values(rows * cols, 4)
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if (i / cols.max(1)) % 3 == 2 {
                v
            } else {
                v / 32.0
            }
        })
        .collect();
    let mut want = vec![0.0; rows * cols];
    softmax_rows_f32::cpu(rows, cols, &x, &mut want).unwrap();
    let mut args = vec!["softmax".to_owned()];
    args.extend(geometry(config));
    args.extend([
        rows.to_string(),
        cols.to_string(),
        offset.to_string(),
        u32::from(in_place).to_string(),
    ]);
    let input = bytes(&x, f32::to_le_bytes);
    for reverse in [false, true] {
        let got = floats(&run(emu, &args, &input, reverse));
        let what = format!("softmax {rows}x{cols} offset={offset} in_place={in_place}");
        softmax_rows_f32::tolerance(cols as u32)
            .check(&got, &want)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        // The tolerance is for CUDA's expf. Here the kernel calls the host libm's expf, the
        // one Rust's f32::exp calls too, so every other step (the lanes, the trees, the
        // division) must match the reference bit for bit: a changed order shows.
        same_bits(&got, &want, &format!("{what} (host expf)"));
    }
}

#[test]
fn softmax_rows_matches_within_its_tolerance() {
    let Some(emu) = emu() else { return };
    // Cached rows (<= 4096 columns): float4 path when cols % 4 == 0 (8, 1000, 1024, 4096),
    // scalar path with a short last vector otherwise; streamed rows above 4096 columns, both
    // paths (8192, 9000 / 4097, 10_001).
    for (rows, cols) in [
        (0usize, 5usize),
        (3, 0),
        (1, 1),
        (2, 8),
        (3, 255),
        (2, 257),
        (5, 1000),
        (3, 1024),
        (2, 4095),
        (2, 4096),
        (2, 4097),
        (1, 8192),
        (1, 9000),
        (1, 10_001),
    ] {
        let config = softmax_rows_f32::launch_config(rows as u32);
        check_softmax(emu, (rows, cols), config, 0, false);
    }
    // In place, unaligned buffers (the scalar path for aligned widths), and more rows than
    // blocks (block b takes rows b, b + 3, ...).
    for (shape, offset, in_place) in [
        ((3usize, 255usize), 0u32, true),
        ((2, 4096), 0, true),
        ((1, 9000), 0, true),
        ((2, 4096), 1, false),
        ((1, 9000), 2, true),
    ] {
        let config = softmax_rows_f32::launch_config(shape.0 as u32);
        check_softmax(emu, shape, config, offset, in_place);
    }
    let mut config = softmax_rows_f32::launch_config(7);
    config.grid.0 = 3;
    check_softmax(emu, (7, 1000), config, 0, false);
}

#[test]
fn sgemm_tiled_matches_its_reference_bit_for_bit() {
    let Some(emu) = emu() else { return };
    for (m, n, k) in [
        (1usize, 1usize, 1usize),
        (16, 16, 16),
        (17, 33, 5),
        (40, 3, 70),
        (2, 50, 0),
        // The 16-byte path (k % 4 == 0, n % 4 == 0): one full tile and stage; k < the stage
        // of 16; tails in m, n and k over a 3 x 2 grid; k == 0.
        (128, 128, 16),
        (33, 8, 4),
        (130, 260, 40),
        (200, 44, 20),
        (4, 8, 0),
        // The element path with tails everywhere: n % 4 != 0, k % 4 != 0, or both.
        (131, 259, 37),
        (64, 36, 33),
        (257, 129, 16),
        (9, 12, 3),
    ] {
        for (alpha, beta) in [(1.25f32, -0.5f32), (1.0, 0.0)] {
            let a = values(m * k, 5);
            let b = values(k * n, 6);
            // With beta == 0, C must not be read (BLAS convention): start it as NaN.
            let c = if beta == 0.0 {
                vec![f32::NAN; m * n]
            } else {
                values(m * n, 7)
            };
            sgemm_case(emu, (m, n, k), alpha, beta, &a, &b, &c, None);
        }
    }
}

/// Histogram of `v` into `num_bins` bins (starting from non-zero counts) under `config`, the
/// values at `offset` words past a 64-byte boundary, against the CPU reference.
fn check_histogram(
    emu: &Path,
    v: &[u32],
    num_bins: usize,
    config: gate_kernels::LaunchConfig,
    offset: u32,
) {
    let n = v.len();
    let bins: Vec<u32> = (0..num_bins as u32).map(|b| b % 3).collect();
    let mut want = bins.clone();
    histogram_u32::cpu(v, &mut want).unwrap();
    let mut args = vec!["histogram".to_owned()];
    args.extend(geometry(config));
    args.extend([n.to_string(), num_bins.to_string(), offset.to_string()]);
    let input = [bytes(v, u32::to_le_bytes), bytes(&bins, u32::to_le_bytes)].concat();
    for reverse in [false, true] {
        let got = words(&run(emu, &args, &input, reverse));
        assert_eq!(
            got, want,
            "histogram n={n} bins={num_bins} offset={offset} {config:?}"
        );
    }
}

#[test]
fn histogram_counts_exactly_in_shared_and_global_paths() {
    let Some(emu) = emu() else { return };
    // Bins: one, a non-power of two, 256 (mask), 8 / 4 / 2 / 1 shared copies (<= 512, 1000,
    // 2000, 4096) and the global-atomics path (5000). Sizes: empty, tails of 1 and 3 values,
    // 1000, and 70_001 (18 blocks: some threads run a full unrolled group, others do not).
    for n in [0usize, 1, 3, 1000, 70_001] {
        for num_bins in [1usize, 61, 256, 1000, 2000, 4096, 5000] {
            let v: Vec<u32> = values(n, 8).iter().map(|f| f.to_bits()).collect();
            check_histogram(emu, &v, num_bins, histogram_u32::launch_config(n as u32), 0);
        }
    }
    // Regular data (the benchmark's i * 2654435761) and one repeated value (every atomic on
    // one counter), unaligned values (the scalar loop), and a small grid of 96-thread blocks
    // (3 warps: uneven copies; many unrolled groups per thread).
    let n = 70_001u32;
    let linear: Vec<u32> = (0..n).map(|i| i.wrapping_mul(2_654_435_761)).collect();
    let constant = vec![12_345u32; n as usize];
    let mut small = histogram_u32::launch_config(n);
    (small.grid.0, small.block.0) = (2, 96);
    for v in [&linear, &constant] {
        for num_bins in [61usize, 256, 1000, 5000] {
            check_histogram(emu, v, num_bins, histogram_u32::launch_config(n), 0);
            check_histogram(emu, v, num_bins, histogram_u32::launch_config(n), 1);
            check_histogram(emu, v, num_bins, small, 3);
            check_histogram(emu, v, num_bins, small, 0);
        }
    }
}

/// Runs sgemm on the emulator with `grid` (or `launch_config`'s) and compares with the CPU
/// reference bit for bit, in both barrier orders.
#[expect(
    clippy::too_many_arguments,
    reason = "the kernel's BLAS-style operands"
)]
fn sgemm_case(
    emu: &Path,
    (m, n, k): (usize, usize, usize),
    alpha: f32,
    beta: f32,
    a: &[f32],
    b: &[f32],
    c: &[f32],
    grid: Option<(u32, u32)>,
) {
    let mut want = c.to_vec();
    sgemm_tiled::cpu(m, n, k, alpha, a, b, beta, &mut want).unwrap();
    let mut config = sgemm_tiled::launch_config(m as u32, n as u32);
    if let Some((x, y)) = grid {
        config.grid = (x, y, 1);
    }
    let mut args = vec!["sgemm".to_owned()];
    args.extend(geometry(config));
    args.extend([
        m.to_string(),
        n.to_string(),
        k.to_string(),
        alpha.to_bits().to_string(),
        beta.to_bits().to_string(),
    ]);
    let input = [a, b, c]
        .iter()
        .flat_map(|v| bytes(v, f32::to_le_bytes))
        .collect::<Vec<u8>>();
    for reverse in [false, true] {
        let got = floats(&run(emu, &args, &input, reverse));
        same_bits(
            &got,
            &want,
            &format!("sgemm {m}x{n}x{k} beta={beta} grid={grid:?} reverse={reverse}"),
        );
    }
}

#[test]
fn sgemm_tiled_loops_over_tiles_when_the_grid_is_smaller() {
    let Some(emu) = emu() else { return };
    // Blocks that compute several tiles in turn (as beyond the 65535-block grid limit), so
    // the next tile's first stage reuses the shared buffers of the last: both paths.
    for (m, n, k) in [(300usize, 260usize, 40usize), (259, 131, 37)] {
        let a = values(m * k, 9);
        let b = values(k * n, 10);
        let c = values(m * n, 11);
        for grid in [(1, 1), (2, 1), (1, 2), (2, 3)] {
            sgemm_case(emu, (m, n, k), 0.75, 1.5, &a, &b, &c, Some(grid));
        }
    }
}

#[test]
fn sgemm_tiled_keeps_negative_zero_sums_through_the_k_padding() {
    let Some(emu) = emu() else { return };
    // Even rows of A hold -2^-80 .. and B holds 2^-80 ..: every product underflows to -0.0,
    // so those rows' sums are -0.0, which padding k up to the stage must not turn into +0.0.
    // Odd rows are ordinary values. k < the stage, k with a tail, on both paths.
    for (m, n, k) in [
        (6usize, 8usize, 3usize),
        (6, 8, 4),
        (6, 8, 20),
        (5, 7, 21),
        (3, 4, 16),
    ] {
        let ordinary = values(m * k, 12);
        let a: Vec<f32> = (0..m * k)
            .map(|i| {
                if (i / k) % 2 == 0 {
                    -f32::from_bits(0x1780_0000 + (i as u32 % 7))
                } else {
                    ordinary[i]
                }
            })
            .collect();
        let b: Vec<f32> = (0..k * n)
            .map(|i| f32::from_bits(0x1780_0000 + (i as u32 % 5)))
            .collect();
        let zeros = vec![-0.0f32; m * n];
        sgemm_case(emu, (m, n, k), 1.0, 0.0, &a, &b, &zeros, None);
        sgemm_case(emu, (m, n, k), 2.0, 1.0, &a, &b, &zeros, None);
    }
}
