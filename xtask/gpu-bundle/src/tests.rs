//! The summarizer on hand-made `raw/` directories: medians, goals, the provoked errors'
//! allowance and the reasons that keep a summary from being complete.

use super::*;
use std::path::PathBuf;

#[test]
fn median_of_odd_even_and_no_values() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&[]), None);
}

#[test]
fn keep_as_names_the_device_and_date() {
    assert_eq!(
        keep_as("NVIDIA H100 80GB HBM3", "2026-11-24"),
        "docs/gpu/nvidia-h100-80gb-hbm3-2026-11-24.json"
    );
    assert_eq!(keep_as("  A--B (x) ", "d"), "docs/gpu/a-b-x-d.json");
}

#[test]
fn figures_render_with_their_goals() {
    let by = |key: &str| GOALS.iter().find(|g| g.key == key).unwrap();
    assert_eq!(format_figure(by("saxpy_of_copy"), 0.9166), "91.7 %");
    assert_eq!(format_bound(by("saxpy_of_copy")), "≥ 90 %");
    assert_eq!(format_figure(by("call_overhead_us"), 4.375), "4.38 µs");
    assert_eq!(format_bound(by("call_overhead_us")), "≤ 2 µs");
    assert_eq!(format_bound(by("plan_over_graph")), "≤ 1.3×");
}

/// One gpu_bench line with the given kernel fractions (saxpy, reduce, softmax, histogram),
/// SGEMM fraction (`None`: no cuBLAS), overhead and plan/graph times.
fn bench_line(of_copy: [f64; 4], sgemm: Option<f64>, overhead: f64) -> String {
    let names = [
        "saxpy",
        "reduce_sum_f32",
        "softmax_rows_f32",
        "histogram_u32",
    ];
    let kernels: Vec<Value> = names
        .iter()
        .zip(of_copy)
        .map(|(k, x)| json!({"kernel": k, "of_copy": x}))
        .collect();
    json!({
        "measured": true, "device": "NVIDIA H100 80GB HBM3 (sm_90)", "driver": "13.0",
        "copy": {"gb_per_s": 3000.0},
        "kernels": kernels,
        "sgemm": {"ours_gflop_per_s": 29000.0, "of_cublas": sgemm,
                  "cublas_gflop_per_s": sgemm.map(|s| 29000.0 / s),
                  "cublas_note": if sgemm.is_none() { Some("cuBLAS could not be loaded") } else { None }},
        "launch": {"overhead_us": overhead},
        "graph": {"graph_us": 18.0, "runtime_plan_us": 27.0},
    })
    .to_string()
}

/// A `raw/` directory of a run where everything passed on a GPU.
fn passing_raw() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    let mut steps = String::new();
    let write = |name: &str, text: &str| std::fs::write(raw.join(name), text).unwrap();
    write(
        "run.env",
        "date=2026-11-24\nstarted=2026-11-24T10:00:00Z\nsanitizer=/cuda/bin/compute-sanitizer\n",
    );
    write("nvidia-smi.csv", "NVIDIA H100 80GB HBM3, 580.159.04\n");
    write(
        "cublas.txt",
        "found /opt/x/libcublas.so.13\nLD_LIBRARY_PATH\n",
    );
    write(
        "tests.log",
        "test result: ok. 6 passed; 0 failed; 0 ignored; 0 measured; 30 filtered out\n",
    );
    write("service-tests.log", "test result: ok. 3 passed; 0 failed\n");
    write(
        "smoke.log",
        "smoke: running on the GPU (policy Required)\nsmoke: 30 passed, 0 failed; wrote x\n",
    );
    write(
        "service.log",
        "saxpy: CallReport { ran: Gpu }\nreduce_sum: CallReport { ran: Gpu }\n",
    );
    for (tool, target) in SANITIZER_RUNS {
        write(
            &format!("{tool}-{target}.sanitizer.txt"),
            "========= ERROR SUMMARY: 0 errors\n",
        );
    }
    let lines = [
        bench_line([0.92, 0.70, 0.68, 0.71], Some(0.57), 4.5),
        bench_line([0.91, 0.72, 0.69, 0.70], Some(0.58), 4.2),
        bench_line([0.93, 0.71, 0.66, 0.72], Some(0.55), 4.4),
    ];
    for (i, line) in lines.iter().enumerate() {
        write(&format!("gpu-bench-{}.json", i + 1), line);
    }
    let names = ["nvidia-smi", "tests", "smoke", "service", "service-tests"];
    let bench = (1..=BENCH_RUNS).map(|i| format!("gpu-bench-{i}"));
    let sanitizers = SANITIZER_RUNS.iter().map(|(t, g)| format!("{t}-{g}"));
    for name in names
        .iter()
        .map(|s| s.to_string())
        .chain(bench)
        .chain(sanitizers)
    {
        steps.push_str(&format!("{name}\t0\t3\n"));
    }
    write("steps.tsv", &steps);
    (dir, raw)
}

#[test]
fn a_run_with_every_piece_of_evidence_is_complete_with_medians() {
    let (_dir, raw) = passing_raw();
    let s = summarize(&raw);
    assert_eq!(s["reasons"], json!([]), "{s:#}");
    assert_eq!(s["complete"], true);
    assert_eq!(s["device"], "NVIDIA H100 80GB HBM3");
    assert_eq!(s["driver"], "580.159.04");
    assert_eq!(
        s["keep_as"],
        "docs/gpu/nvidia-h100-80gb-hbm3-2026-11-24.json"
    );
    assert_eq!(s["tests"]["passed"], 9);
    assert_eq!(s["tests"]["failed"], 0);
    assert_eq!(s["sanitizer_errors"], 0);
    assert_eq!(s["figures"]["saxpy_of_copy"], 0.92);
    assert_eq!(s["figures"]["reduce_sum_of_copy"], 0.71);
    assert_eq!(s["figures"]["sgemm_of_cublas"], 0.57);
    assert_eq!(s["figures"]["call_overhead_us"], 4.4);
    assert_eq!(s["figures"]["plan_over_graph"], 1.5);
    assert_eq!(s["runs"]["saxpy_of_copy"], json!([0.92, 0.91, 0.93]));
    assert_eq!(s["met"]["saxpy_of_copy"], true);
    assert_eq!(s["met"]["reduce_sum_of_copy"], false);
    assert_eq!(s["met"]["call_overhead_us"], false);
    assert_eq!(s["goals"]["plan_over_graph"], json!({"at_most": 1.3}));
    assert_eq!(s["plan_over_graph_like_for_like"], false);
    assert_eq!(s["gpu_bench"]["measured"], 3);
    assert_eq!(s["bench_lines"].as_array().unwrap().len(), 3);
    let notes = s["notes"].to_string();
    assert!(notes.contains("no like-for-like"), "{notes}");
    let text = describe(&s);
    assert!(
        text.starts_with("gpu summary: COMPLETE on NVIDIA H100"),
        "{text}"
    );
    assert!(
        text.contains("saxpy_of_copy: 92.0 % (goal ≥ 90 %) met"),
        "{text}"
    );
}

#[test]
fn the_provoked_errors_are_allowed_by_name_and_count_over_the_tests_alone() {
    let (_dir, raw) = passing_raw();
    let hit = "========= Program hit CUDA_ERROR_UNSUPPORTED_PTX_VERSION (error 222) on CUDA API call to cuModuleLoadData.\n";
    let other = "========= Invalid __global__ write of size 4 bytes\n";
    let log = |lines: &[&str], n: usize| {
        format!("{}========= ERROR SUMMARY: {n} errors\n", lines.concat())
    };
    std::fs::write(
        raw.join("memcheck-tests.sanitizer.txt"),
        log(&[hit, hit], 2),
    )
    .unwrap();
    let s = summarize(&raw);
    assert_eq!(s["complete"], true, "{s:#}");
    assert_eq!(s["sanitizer"][1]["provoked"], 2);
    // A third provoked record, one of another kind, or a provoked one over smoke counts.
    for (file, text) in [
        ("memcheck-tests.sanitizer.txt", log(&[hit, hit, hit], 3)),
        ("initcheck-tests.sanitizer.txt", log(&[hit, other], 2)),
        ("memcheck-smoke.sanitizer.txt", log(&[hit], 1)),
    ] {
        let (_dir, raw) = passing_raw();
        std::fs::write(raw.join(file), text).unwrap();
        let s = summarize(&raw);
        assert_eq!(s["sanitizer_errors"], 1, "{file}");
        assert_eq!(s["complete"], false, "{file}");
    }
}

#[test]
fn missing_evidence_is_a_reason_never_a_pass() {
    // No GPU: nvidia-smi failed, gpu_bench measured nothing; and a sanitizer log without a
    // summary, a test binary without a result line, cuBLAS absent.
    let (_dir, raw) = passing_raw();
    let steps = std::fs::read_to_string(raw.join("steps.tsv")).unwrap();
    let steps = steps
        .replace("nvidia-smi\t0", "nvidia-smi\t9")
        .replace("racecheck-smoke\t0", "racecheck-smoke\tskipped");
    std::fs::write(raw.join("steps.tsv"), steps).unwrap();
    std::fs::write(
        raw.join("gpu-bench-2.json"),
        r#"{"measured":false,"reason":"no CUDA driver"}"#,
    )
    .unwrap();
    std::fs::write(raw.join("synccheck-smoke.sanitizer.txt"), "").unwrap();
    std::fs::write(raw.join("service-tests.log"), "thread 'main' panicked\n").unwrap();
    std::fs::write(raw.join("cublas.txt"), "absent\n/usr/lib\n").unwrap();
    std::fs::write(raw.join("run.env"), "date=2026-11-24\nsanitizer=\n").unwrap();
    let s = summarize(&raw);
    assert_eq!(s["complete"], false);
    assert_eq!(s["device"], Value::Null);
    assert_eq!(s["sanitizer_errors"], Value::Null);
    assert_eq!(s["gpu_bench"]["measured"], 2);
    let reasons = s["reasons"].to_string();
    for expected in [
        "no GPU (nvidia-smi): step `nvidia-smi` exited with 9",
        "racecheck over smoke: step `racecheck-smoke` did not run",
        "gpu_bench run 2 measured nothing: no CUDA driver",
        "synccheck over smoke: no ERROR SUMMARY",
        "the `pipeline` tests printed no `test result:` line",
        "compute-sanitizer was not found",
    ] {
        assert!(reasons.contains(expected), "{expected} not in {reasons}");
    }
    assert!(s["notes"].to_string().contains("cuBLAS"));
}
