//! `run.sh` itself, on this machine, over a bundle of stub programs (shell scripts standing
//! in for the GPU binaries, nvidia-smi and compute-sanitizer) and the real `summarize`: it
//! never reports success without a GPU, even where every other program claims success; it
//! does with every piece of evidence; a hung step is killed and counted.
#![cfg(unix)]

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A bundle directory of stubs, a directory of tools put first on PATH, and an output dir.
struct Bundle {
    _dir: tempfile::TempDir,
    root: PathBuf,
    tools: PathBuf,
    out: PathBuf,
}

fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/bash\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// One gpu_bench line: saxpy's fraction of copy and the call overhead vary by run.
fn bench_line(saxpy: f64, overhead: f64) -> String {
    format!(
        r#"{{"measured":true,"device":"NVIDIA H100 80GB HBM3 (sm_90)","driver":"13.0",
        "copy":{{"gb_per_s":2978.6}},
        "kernels":[{{"kernel":"saxpy","of_copy":{saxpy}}},{{"kernel":"reduce_sum_f32","of_copy":0.72}},
                   {{"kernel":"softmax_rows_f32","of_copy":0.68}},{{"kernel":"histogram_u32","of_copy":0.70}}],
        "sgemm":{{"ours_gflop_per_s":29140.6,"cublas_gflop_per_s":51234.7,"of_cublas":0.569,"cublas_note":null}},
        "launch":{{"overhead_us":{overhead}}},
        "graph":{{"graph_us":18.4,"runtime_plan_us":152.8,"plan_over_graph":1.25}}}}"#
    )
    .replace('\n', " ")
}

impl Bundle {
    /// Stubs that behave as the real programs do on a working GPU machine.
    fn on_a_gpu() -> Bundle {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bundle");
        let (bin, tools) = (root.join("bin"), dir.path().join("tools"));
        for d in [&bin, &tools, &root.join("schemas")] {
            std::fs::create_dir_all(d).unwrap();
        }
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(manifest.join("run.sh"), root.join("run.sh")).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_summarize"), bin.join("summarize")).unwrap();
        std::fs::write(root.join("bundle.json"), r#"{"commit": "abc1234"}"#).unwrap();
        // The GPU tests insist on what run.sh must give them: the GPU required, the schemas.
        script(
            &bin.join("kernels"),
            r#"[ "$GATE_TESTS_REQUIRE_GPU" = 1 ] && [ "$1" = runtime_gpu:: ] || exit 101
[ -d "$GATE_TESTS_SCHEMA_DIR" ] || { echo "no schemas"; exit 101; }
echo "test result: ok. 6 passed; 0 failed; 0 ignored; 0 measured; 30 filtered out""#,
        );
        script(
            &bin.join("smoke"),
            r#"[ "$GATE_GPU" = required ] || exit 2
echo "smoke: running on the GPU (policy Required)"; echo "smoke: 30 passed, 0 failed; wrote x""#,
        );
        script(
            &bin.join("gpu-service"),
            "echo 'saxpy: CallReport { ran: Gpu }'; echo 'reduce_sum: CallReport { ran: Gpu }'",
        );
        script(
            &bin.join("pipeline"),
            "echo 'test result: ok. 3 passed; 0 failed'",
        );
        // Three different runs, one per call.
        for (i, (saxpy, overhead)) in [(0.91, 4.5), (0.93, 4.2), (0.92, 4.4)].iter().enumerate() {
            std::fs::write(
                dir.path().join(format!("bench-{}.json", i + 1)),
                bench_line(*saxpy, *overhead),
            )
            .unwrap();
        }
        script(
            &bin.join("gpu_bench"),
            &format!(
                "d='{}'; n=$(( $(cat \"$d/count\" 2>/dev/null || echo 0) + 1 )); echo $n > \"$d/count\"; cat \"$d/bench-$n.json\"",
                dir.path().display()
            ),
        );
        script(
            &tools.join("nvidia-smi"),
            "echo 'NVIDIA H100 80GB HBM3, 580.159.04'",
        );
        // Runs the application; over the GPU tests, the two API errors they provoke.
        script(
            &tools.join("compute-sanitizer"),
            r#"while [ $# -gt 0 ]; do case $1 in --tool) shift 2;; --log-file) log=$2; shift 2;; *) break;; esac; done
"$@"; rc=$?
n=0
if [ "$1" != "${1%kernels}" ]; then
  n=2
  for i in 1 2; do echo '========= Program hit CUDA_ERROR_UNSUPPORTED_PTX_VERSION (error 222) due to "x" on CUDA API call to cuModuleLoadData.'; done > "$log"
fi
echo "========= ERROR SUMMARY: $n errors" >> "$log"
exit $rc"#,
        );
        let lib = dir.path().join("cublas");
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::write(lib.join("libcublas.so.13"), "").unwrap();
        let out = dir.path().join("out");
        Bundle {
            _dir: dir,
            root,
            tools,
            out,
        }
    }

    /// Runs `bash run.sh OUT` with the tools first on PATH: its exit code, the summary and
    /// the log.
    fn run(&self, env: &[(&str, &str)]) -> (i32, Value, String) {
        let path = format!(
            "{}:{}",
            self.tools.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let lib = self.tools.parent().unwrap().join("cublas");
        let output = Command::new("bash")
            .arg(self.root.join("run.sh"))
            .arg(&self.out)
            .env("PATH", path)
            .env("LD_LIBRARY_PATH", lib)
            .env_remove("GPU_BUNDLE_DEADLINE_S")
            .env_remove("GPU_BUNDLE_STEP_LIMIT_S")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let summary = std::fs::read_to_string(self.out.join("summary.json")).unwrap();
        let log = std::fs::read_to_string(self.out.join("run.log")).unwrap();
        (
            output.status.code().unwrap_or(-1),
            serde_json::from_str(&summary).unwrap(),
            log,
        )
    }
}

#[test]
fn with_every_piece_of_evidence_run_sh_reports_a_complete_summary() {
    let bundle = Bundle::on_a_gpu();
    let (code, s, log) = bundle.run(&[]);
    assert_eq!(s["reasons"], serde_json::json!([]), "{log}");
    assert_eq!(code, 0, "{log}");
    assert_eq!(s["complete"], true);
    assert_eq!(s["device"], "NVIDIA H100 80GB HBM3");
    assert_eq!(s["bundle"]["commit"], "abc1234");
    assert_eq!(s["tests"]["passed"], 9);
    assert_eq!(s["sanitizer_errors"], 0);
    assert_eq!(s["sanitizer"][1]["provoked"], 2);
    assert_eq!(s["figures"]["saxpy_of_copy"], 0.92);
    assert_eq!(s["figures"]["call_overhead_us"], 4.4);
    assert_eq!(s["figures"]["plan_over_graph"], 1.25);
    assert_eq!(s["plan_over_graph_like_for_like"], true);
    assert!(
        s["cublas"]["library"]
            .as_str()
            .unwrap()
            .ends_with("cublas/libcublas.so.13")
    );
    // The raw outputs travel packed; run.log and the summary beside them.
    assert!(bundle.out.join("raw.tar.gz").is_file());
    assert!(!bundle.out.join("raw").exists());
    assert!(log.contains("run.sh: complete:"), "{log}");
}

#[test]
fn without_a_gpu_run_sh_never_reports_success() {
    // Every program but two claims success: nvidia-smi cannot reach a driver and gpu_bench
    // measures nothing, as on this machine.
    let bundle = Bundle::on_a_gpu();
    script(
        &bundle.tools.join("nvidia-smi"),
        "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"; exit 9",
    );
    script(
        &bundle.root.join("bin/gpu_bench"),
        r#"echo '{"measured":false,"reason":"no CUDA driver"}'"#,
    );
    let (code, s, log) = bundle.run(&[]);
    assert_ne!(code, 0, "{log}");
    assert_eq!(s["complete"], false);
    assert_eq!(s["device"], Value::Null);
    let reasons = s["reasons"].to_string();
    assert!(
        reasons.contains("no GPU (nvidia-smi): step `nvidia-smi` exited with 9"),
        "{reasons}"
    );
    assert!(
        reasons.contains("gpu_bench run 1 measured nothing: no CUDA driver"),
        "{reasons}"
    );
    assert!(log.contains("NOT complete"), "{log}");
}

#[test]
fn a_hung_step_is_killed_and_the_others_still_run() {
    let bundle = Bundle::on_a_gpu();
    script(&bundle.root.join("bin/gpu-service"), "exec sleep 60");
    let start = std::time::Instant::now();
    let (code, s, log) = bundle.run(&[("GPU_BUNDLE_STEP_LIMIT_S", "5")]);
    assert!(start.elapsed().as_secs() < 40, "{log}");
    assert_ne!(code, 0);
    let reasons = s["reasons"].to_string();
    assert!(
        reasons.contains("the example service: step `service` timed out (exit 124)"),
        "{reasons}"
    );
    // The steps after it ran.
    assert_eq!(s["gpu_bench"]["measured"], 3, "{log}");
    assert_eq!(s["sanitizer_errors"], 0);
}

#[test]
fn a_missing_summarizer_is_no_success_either() {
    let bundle = Bundle::on_a_gpu();
    std::fs::remove_file(bundle.root.join("bin/summarize")).unwrap();
    let (code, s, _) = bundle.run(&[]);
    assert_eq!(code, 1);
    assert_eq!(s["complete"], false);
    assert!(
        s["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("summarize failed")
    );
}
