//! gate-kernels' CUDA sources run on the host under `tests/emu/cuda_emu.hpp` (blocks in turn,
//! the threads of a block as fibers that meet at every `__syncthreads`), with the launch
//! geometry from each module's `launch_config`, against the CPU references.
//!
//! This is what a machine without a GPU can say about the kernels themselves: the indexing,
//! bounds, barrier discipline, the two-launch reduction protocol and the summation orders the
//! `Exact` tolerances rest on. Every case runs twice, the second time with each barrier
//! phase's threads in reverse order: a result that depends on the order is a race. What it
//! cannot say: anything about the GPU's own arithmetic (CUDA's `expf`), memory model or speed
//! (gate-runtime's GPU tests and `gpu_bench` cover those where a GPU is present).
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
    assert!(status.success(), "emulator failed on {args:?}: {err}");
    std::fs::read(&stdout).unwrap()
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
    for n in [0usize, 1, 255, 256, 257, 1000, 70_001] {
        for a in [0.75f32, -1.3e-3] {
            let x = values(n, 1);
            let y = values(n, 2);
            let mut want = y.clone();
            saxpy::cpu(a, &x, &mut want).unwrap();
            let mut args = vec!["saxpy".to_owned()];
            args.extend(geometry(saxpy::launch_config(n as u32)));
            args.extend([n.to_string(), a.to_bits().to_string()]);
            let input = [bytes(&x, f32::to_le_bytes), bytes(&y, f32::to_le_bytes)].concat();
            for reverse in [false, true] {
                let got = floats(&run(emu, &args, &input, reverse));
                same_bits(&got, &want, &format!("saxpy n={n} a={a}"));
            }
        }
    }
}

#[test]
fn reduce_sum_follows_its_launch_plan_and_matches_bit_for_bit() {
    let Some(emu) = emu() else { return };
    // 263_144 > 1024 blocks × 256 threads: the clamped grid's stride loop is exercised.
    for n in [0usize, 1, 255, 257, 4097, 263_144] {
        let x = values(n, 3);
        let want = reduce_sum_f32::cpu(&x).unwrap();
        let [first, second] = reduce_sum_f32::launch_plan(n as u32);
        assert_eq!(
            second.config.grid,
            (1, 1, 1),
            "the emulator's pass 2 is one block"
        );
        assert_eq!(first.config.block, second.config.block);
        let mut args = vec!["reduce".to_owned()];
        args.extend(geometry(first.config));
        args.push(n.to_string());
        let input = bytes(&x, f32::to_le_bytes);
        for reverse in [false, true] {
            let got = floats(&run(emu, &args, &input, reverse));
            same_bits(&got, &[want], &format!("reduce_sum n={n}"));
        }
    }
}

#[test]
fn softmax_rows_matches_within_its_tolerance() {
    let Some(emu) = emu() else { return };
    for (rows, cols) in [
        (0usize, 5usize),
        (1, 1),
        (3, 255),
        (2, 257),
        (5, 1000),
        (2, 4097),
    ] {
        let x = values(rows * cols, 4);
        let mut want = vec![0.0; rows * cols];
        softmax_rows_f32::cpu(rows, cols, &x, &mut want).unwrap();
        let mut args = vec!["softmax".to_owned()];
        args.extend(geometry(softmax_rows_f32::launch_config(rows as u32)));
        args.extend([rows.to_string(), cols.to_string()]);
        let input = bytes(&x, f32::to_le_bytes);
        for reverse in [false, true] {
            let got = floats(&run(emu, &args, &input, reverse));
            softmax_rows_f32::tolerance(cols as u32)
                .check(&got, &want)
                .unwrap_or_else(|e| panic!("softmax {rows}x{cols}: {e}"));
        }
    }
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
            let mut want = c.clone();
            sgemm_tiled::cpu(m, n, k, alpha, &a, &b, beta, &mut want).unwrap();
            let mut args = vec!["sgemm".to_owned()];
            args.extend(geometry(sgemm_tiled::launch_config(m as u32, n as u32)));
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
                same_bits(&got, &want, &format!("sgemm {m}x{n}x{k} beta={beta}"));
            }
        }
    }
}

#[test]
fn histogram_counts_exactly_in_shared_and_global_paths() {
    let Some(emu) = emu() else { return };
    // 4096 bins fit in shared memory; 5000 take the global-atomics path.
    for n in [0usize, 1, 1000, 70_001] {
        for num_bins in [1usize, 61, 4096, 5000] {
            let v: Vec<u32> = values(n, 8).iter().map(|f| f.to_bits()).collect();
            let bins: Vec<u32> = (0..num_bins as u32).map(|b| b % 3).collect();
            let mut want = bins.clone();
            histogram_u32::cpu(&v, &mut want).unwrap();
            let mut args = vec!["histogram".to_owned()];
            args.extend(geometry(histogram_u32::launch_config(n as u32)));
            args.extend([n.to_string(), num_bins.to_string()]);
            let input = [bytes(&v, u32::to_le_bytes), bytes(&bins, u32::to_le_bytes)].concat();
            for reverse in [false, true] {
                let got = words(&run(emu, &args, &input, reverse));
                assert_eq!(got, want, "histogram n={n} bins={num_bins}");
            }
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
