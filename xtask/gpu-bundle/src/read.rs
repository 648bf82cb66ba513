//! Readers of what `run.sh` leaves under `OUT/raw/`: its step table, libtest's and smoke's
//! result lines, compute-sanitizer's logs and `gpu_bench`'s JSON line. Each returns `None`
//! (or an error) where the text holds no result, so a crashed or hung program is never read
//! as a passing one.

use serde_json::Value;
use std::collections::BTreeMap;

/// One line of `raw/steps.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    /// The exit code; `None` where the step did not run (the run's deadline had passed).
    pub exit: Option<i32>,
    pub seconds: u64,
}

/// `raw/steps.tsv`: `NAME<TAB>EXIT<TAB>SECONDS` per line, `EXIT` `skipped` for a step that
/// did not run.
pub fn steps(text: &str) -> Vec<Step> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (name, exit, seconds) = (fields.next()?, fields.next()?, fields.next()?);
            Some(Step {
                name: name.to_owned(),
                exit: exit.parse().ok(),
                seconds: seconds.parse().unwrap_or(0),
            })
        })
        .collect()
}

/// What an exit code from `timeout CMD` means, for a reason line.
pub fn exit_meaning(exit: Option<i32>) -> String {
    match exit {
        None => "did not run: the run's deadline had passed".to_owned(),
        Some(124) => "timed out (exit 124)".to_owned(),
        Some(137) => "timed out and was killed (exit 137)".to_owned(),
        Some(126) => "could not be executed (exit 126)".to_owned(),
        Some(127) => "was not found (exit 127)".to_owned(),
        Some(code) => format!("exited with {code}"),
    }
}

/// Tests passed and failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

/// The sums over libtest's `test result: ok. 6 passed; 0 failed; …` lines; `None` where
/// there is none (the binary crashed, hung or never started).
pub fn libtest(log: &str) -> Option<Counts> {
    let mut total: Option<Counts> = None;
    for line in log.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        let counts = total.get_or_insert_with(Counts::default);
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            match words[..] {
                [.., n, "passed"] => counts.passed += n.parse::<u64>().unwrap_or(0),
                [.., n, "failed"] => counts.failed += n.parse::<u64>().unwrap_or(0),
                _ => {}
            }
        }
    }
    total
}

/// smoke's last line, `smoke: 30 passed, 0 failed; wrote …`, and whether it said it ran on
/// the GPU (`smoke: running on the GPU`).
pub fn smoke(log: &str) -> (Option<Counts>, bool) {
    let on_gpu = log
        .lines()
        .any(|l| l.starts_with("smoke: running on the GPU"));
    let counts = log.lines().rev().find_map(|line| {
        let rest = line.strip_prefix("smoke: ")?;
        let (passed, rest) = rest.split_once(" passed, ")?;
        let (failed, _) = rest.split_once(" failed")?;
        Some(Counts {
            passed: passed.parse().ok()?,
            failed: failed.parse().ok()?,
        })
    });
    (counts, on_gpu)
}

/// One compute-sanitizer log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sanitizer {
    /// `========= ERROR SUMMARY: N errors`; `None` where the tool never got that far.
    pub errors: Option<u64>,
    /// API-error records of the provoked kind (`Program hit CUDA_ERROR_…`).
    pub provoked: u64,
}

/// Reads a compute-sanitizer log for its error summary and the records of the `provoked`
/// API error (counted by record: the line that opens one names it after `Program hit`).
/// Racecheck ends with its own line instead, `RACECHECK SUMMARY: H hazards displayed
/// (E errors, W warnings)`: its errors and warnings both count (a hazard of either severity
/// is a race).
pub fn sanitizer(log: &str, provoked: &str) -> Sanitizer {
    let errors = log.lines().rev().find_map(|line| {
        if let Some((_, rest)) = line.split_once("ERROR SUMMARY:") {
            return rest.split_whitespace().next()?.parse().ok();
        }
        let rest = line.split_once("RACECHECK SUMMARY:")?.1;
        let counts = rest.split_once('(')?.1;
        let mut numbers = counts
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| !w.is_empty())
            .map(str::parse::<u64>);
        let (Some(Ok(errors)), Some(Ok(warnings))) = (numbers.next(), numbers.next()) else {
            return None;
        };
        Some(errors + warnings)
    });
    let provoked = log
        .lines()
        .filter(|l| l.contains("Program hit ") && l.contains(provoked))
        .count() as u64;
    Sanitizer { errors, provoked }
}

/// The figures of one `gpu_bench` run.
#[derive(Debug, Clone, PartialEq)]
pub struct Bench {
    /// By goal key ([`crate::GOALS`]); a key is absent where the run did not measure it.
    pub figures: BTreeMap<&'static str, f64>,
    /// Reported beside the goals: copy bandwidth, our SGEMM and cuBLAS's.
    pub context: BTreeMap<&'static str, f64>,
    /// Whether `plan_over_graph` came from gpu_bench's own like-for-like field, or was
    /// derived from `runtime_plan_us / graph_us` (graphs of different work).
    pub plan_like_for_like: bool,
    /// gpu_bench's own words where cuBLAS was not measured.
    pub cublas_note: Option<String>,
    /// The device and CUDA driver API version as gpu_bench saw them.
    pub device: String,
    pub cuda: String,
}

/// The kernel figures' goal keys and `gpu_bench`'s kernel names.
const KERNELS: &[(&str, &str)] = &[
    ("saxpy_of_copy", "saxpy"),
    ("reduce_sum_of_copy", "reduce_sum_f32"),
    ("softmax_rows_of_copy", "softmax_rows_f32"),
    ("histogram_of_copy", "histogram_u32"),
];

/// Reads one `gpu_bench` JSON line. `Err` says why it holds no figures (`measured: false`
/// with gpu_bench's reason, or not its JSON at all).
pub fn bench(text: &str) -> Result<Bench, String> {
    let v: Value =
        serde_json::from_str(text.trim()).map_err(|e| format!("printed no JSON line ({e})"))?;
    if v["measured"] != Value::Bool(true) {
        let reason = v["reason"].as_str().unwrap_or("no reason given");
        return Err(format!("measured nothing: {reason}"));
    }
    let mut figures = BTreeMap::new();
    for (key, kernel) in KERNELS {
        let of_copy = v["kernels"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| k["kernel"] == *kernel)
            .and_then(|k| k["of_copy"].as_f64());
        if let Some(x) = of_copy {
            figures.insert(*key, x);
        }
    }
    let sgemm = &v["sgemm"];
    if let Some(x) = sgemm["of_cublas"].as_f64() {
        figures.insert("sgemm_of_cublas", x);
    }
    if let Some(x) = v["launch"]["overhead_us"].as_f64() {
        figures.insert("call_overhead_us", x);
    }
    let graph = &v["graph"];
    let fair = graph["plan_over_graph"].as_f64();
    let derived = match (
        graph["runtime_plan_us"].as_f64(),
        graph["graph_us"].as_f64(),
    ) {
        (Some(plan), Some(raw)) if raw > 0.0 => Some(plan / raw),
        _ => None,
    };
    if let Some(x) = fair.or(derived) {
        figures.insert("plan_over_graph", x);
    }
    let mut context = BTreeMap::new();
    for (key, x) in [
        ("copy_gb_per_s", v["copy"]["gb_per_s"].as_f64()),
        ("sgemm_gflop_per_s", sgemm["ours_gflop_per_s"].as_f64()),
        ("cublas_gflop_per_s", sgemm["cublas_gflop_per_s"].as_f64()),
    ] {
        if let Some(x) = x {
            context.insert(key, x);
        }
    }
    Ok(Bench {
        figures,
        context,
        plan_like_for_like: fair.is_some(),
        cublas_note: sgemm["cublas_note"].as_str().map(str::to_owned),
        device: v["device"].as_str().unwrap_or_default().to_owned(),
        cuda: v["driver"].as_str().unwrap_or_default().to_owned(),
    })
}

/// `KEY=VALUE` lines (run.sh's `raw/run.env`).
pub fn key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_sums_every_result_line_and_sees_none_without_one() {
        let log = "running 6 tests\ntest a ... ok\n\
                   test result: ok. 6 passed; 0 failed; 0 ignored; 0 measured; 30 filtered out; finished in 1.2s\n\
                   test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            libtest(log),
            Some(Counts {
                passed: 8,
                failed: 1
            })
        );
        assert_eq!(libtest("thread 'main' panicked\n"), None);
    }

    #[test]
    fn smoke_reads_its_counts_and_where_it_ran() {
        let log = "smoke: running on the GPU (policy Required)\nFAIL saxpy n=1: x\n\
                   smoke: 29 passed, 1 failed; wrote out/{stats.json}\n";
        let (counts, on_gpu) = smoke(log);
        assert_eq!(
            counts,
            Some(Counts {
                passed: 29,
                failed: 1
            })
        );
        assert!(on_gpu);
        let (counts, on_gpu) = smoke("smoke: running on the CPU references (x: y)\n");
        assert_eq!((counts, on_gpu), (None, false));
    }

    #[test]
    fn sanitizer_counts_the_summary_and_the_provoked_records() {
        let log = "========= COMPUTE-SANITIZER\n\
            ========= Program hit CUDA_ERROR_UNSUPPORTED_PTX_VERSION (error 222) due to \"x\" on CUDA API call to cuModuleLoadData.\n\
            =========     Host Frame: CUDA_ERROR_UNSUPPORTED_PTX_VERSION in a frame\n\
            ========= Program hit CUDA_ERROR_INVALID_VALUE (error 1) on CUDA API call to cuMemcpy.\n\
            ========= ERROR SUMMARY: 3 errors\n";
        let s = sanitizer(log, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION");
        assert_eq!(
            s,
            Sanitizer {
                errors: Some(3),
                provoked: 1
            }
        );
        assert_eq!(sanitizer("", "X").errors, None);
        // Racecheck's own summary line (as an H200 printed it), clean and not.
        let race = |line: &str| sanitizer(&format!("========= COMPUTE-SANITIZER\n{line}\n"), "X");
        let clean = "========= RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)";
        assert_eq!(race(clean).errors, Some(0));
        let racy = "========= RACECHECK SUMMARY: 3 hazards displayed (2 errors, 1 warnings)";
        assert_eq!(race(racy).errors, Some(3));
        assert_eq!(race("========= RACECHECK SUMMARY: garbled").errors, None);
    }

    #[test]
    fn bench_reads_the_figures_and_derives_plan_over_graph_only_as_a_fallback() {
        let line = r#"{"measured":true,"device":"G (sm_90)","driver":"13.0",
            "copy":{"gb_per_s":3000.0},
            "kernels":[{"kernel":"saxpy","of_copy":0.9},{"kernel":"histogram_u32","of_copy":0.5}],
            "sgemm":{"ours_gflop_per_s":30.0,"cublas_gflop_per_s":null,"of_cublas":null,
                     "cublas_note":"libcublas not found"},
            "launch":{"overhead_us":1.5},
            "graph":{"graph_us":20.0,"runtime_plan_us":30.0}}"#;
        let b = bench(line).unwrap();
        assert_eq!(b.figures["saxpy_of_copy"], 0.9);
        assert_eq!(b.figures["plan_over_graph"], 1.5);
        assert!(!b.plan_like_for_like);
        assert!(!b.figures.contains_key("sgemm_of_cublas"));
        assert!(!b.figures.contains_key("reduce_sum_of_copy"));
        assert_eq!(b.cublas_note.as_deref(), Some("libcublas not found"));
        let fair = line.replace(r#""graph":{"#, r#""graph":{"plan_over_graph":1.1,"#);
        let b = bench(&fair).unwrap();
        assert_eq!(b.figures["plan_over_graph"], 1.1);
        assert!(b.plan_like_for_like);
        let none = bench(r#"{"measured":false,"reason":"no CUDA driver"}"#).unwrap_err();
        assert_eq!(none, "measured nothing: no CUDA driver");
        assert!(bench("").is_err());
    }
}
