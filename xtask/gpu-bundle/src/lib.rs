//! The GPU bundle's summary (`cargo xtask gpu-bundle`, docs/gpu/README.md): what `run.sh`
//! collected on a GPU machine under `OUT/raw/`, read back and judged into one JSON object,
//! `OUT/summary.json`, which `cargo xtask bench --gpu-json` renders and the repository keeps
//! as `docs/gpu/<device>-<date>.json`.
//!
//! Evidence or nothing: a step that did not run, failed, timed out or printed no result is a
//! reason, and `complete` is true only where there is none. Unmet goals are figures, not
//! reasons: the run is complete when it measured them.

pub mod read;

use read::{Counts, Step};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// The summary's `format` field.
pub const FORMAT: &str = "cargo-gate-gpu-summary/1";

/// The API error the GPU tests provoke on purpose (`ptx_newer_than_the_driver_…` loads PTX of
/// ISA 99.9), and how many records of it one sanitizer run over the tests may show. Only
/// runs over the tests are allowed them; any other record, or a third, counts.
pub const PROVOKED_ERROR: &str = "CUDA_ERROR_UNSUPPORTED_PTX_VERSION";
pub const PROVOKED_PER_RUN: u64 = 2;

/// run.sh's sanitizer runs, `(tool, target)`, each a step named `TOOL-TARGET`: every tool over
/// smoke and over the GPU tests (the whole run took 42 s on an H200, racecheck included).
pub const SANITIZER_RUNS: &[(&str, &str)] = &[
    ("memcheck", "smoke"),
    ("memcheck", "tests"),
    ("initcheck", "smoke"),
    ("initcheck", "tests"),
    ("synccheck", "smoke"),
    ("synccheck", "tests"),
    ("racecheck", "smoke"),
    ("racecheck", "tests"),
];

/// How many times run.sh runs `gpu_bench` (steps `gpu-bench-1` …); figures are medians.
pub const BENCH_RUNS: usize = 3;

/// The test binaries run.sh runs, by step: the GPU tests (gate-kernel-tests' `kernels`,
/// filtered to `runtime_gpu` and `schemas`) and the example service's `pipeline` tests.
pub const TEST_STEPS: &[(&str, &str)] = &[("tests", "kernels"), ("service-tests", "pipeline")];

/// A goal's side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    AtLeast(f64),
    AtMost(f64),
}

impl Bound {
    pub fn met(self, x: f64) -> bool {
        match self {
            Bound::AtLeast(goal) => x >= goal,
            Bound::AtMost(goal) => x <= goal,
        }
    }
}

/// One figure the issue sets a goal for.
#[derive(Debug)]
pub struct Goal {
    /// The key under `figures`.
    pub key: &'static str,
    /// What it is, for a table row.
    pub what: &'static str,
    pub bound: Bound,
    /// `""` for a fraction (rendered as a percentage), else the unit after the number.
    pub unit: &'static str,
}

/// The goals (issue 45): kernels against the device-to-device copy, SGEMM against cuBLAS,
/// the call overhead and a replayed plan against a raw graph of the same work.
pub const GOALS: &[Goal] = &[
    goal(
        "saxpy_of_copy",
        "saxpy, of copy bandwidth",
        Bound::AtLeast(0.90),
        "",
    ),
    goal(
        "reduce_sum_of_copy",
        "reduce_sum_f32, of copy bandwidth",
        Bound::AtLeast(0.90),
        "",
    ),
    goal(
        "softmax_rows_of_copy",
        "softmax_rows_f32, of copy bandwidth",
        Bound::AtLeast(0.85),
        "",
    ),
    goal(
        "histogram_of_copy",
        "histogram_u32, of copy bandwidth",
        Bound::AtLeast(0.80),
        "",
    ),
    goal(
        "sgemm_of_cublas",
        "sgemm_tiled fp32, of cuBLAS SGEMM",
        Bound::AtLeast(0.70),
        "",
    ),
    goal(
        "call_overhead_us",
        "call overhead through the runtime, above raw cudarc",
        Bound::AtMost(2.0),
        "µs",
    ),
    goal(
        "plan_over_graph",
        "runtime plan over a raw CUDA graph of the same work",
        Bound::AtMost(1.3),
        "×",
    ),
];

const fn goal(key: &'static str, what: &'static str, bound: Bound, unit: &'static str) -> Goal {
    Goal {
        key,
        what,
        bound,
        unit,
    }
}

/// The median (the mean of the middle two for an even count); `None` for no values.
pub fn median(xs: &[f64]) -> Option<f64> {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(xs[n / 2]),
        _ => Some((xs[n / 2 - 1] + xs[n / 2]) / 2.0),
    }
}

/// `docs/gpu/<device>-<date>.json`: the device's name in lower case, runs of anything but
/// letters and digits as one `-`.
pub fn keep_as(device: &str, date: &str) -> String {
    let mut slug = String::new();
    for c in device.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    format!("docs/gpu/{}-{date}.json", slug.trim_end_matches('-'))
}

/// What the run proved so far: the reasons it is not complete, and notes that are not
/// reasons (cuBLAS absent, a figure not like-for-like).
struct Judge<'a> {
    raw: &'a Path,
    steps: Vec<Step>,
    reasons: Vec<String>,
    notes: Vec<String>,
}

impl Judge<'_> {
    fn read(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.raw.join(name)).ok()
    }

    /// Whether step `name` ran and exited 0; otherwise a reason naming `what`.
    fn ran(&mut self, name: &str, what: &str) -> bool {
        let exit = match self.steps.iter().find(|s| s.name == name) {
            None => {
                self.reasons
                    .push(format!("{what}: step `{name}` is missing from steps.tsv"));
                return false;
            }
            Some(step) => step.exit,
        };
        if exit != Some(0) {
            let why = read::exit_meaning(exit);
            self.reasons.push(format!("{what}: step `{name}` {why}"));
        }
        exit == Some(0)
    }
}

/// Reads `raw` (run.sh's `OUT/raw/`) and returns the summary.
pub fn summarize(raw: &Path) -> Value {
    let mut judge = Judge {
        raw,
        steps: read::steps(&std::fs::read_to_string(raw.join("steps.tsv")).unwrap_or_default()),
        reasons: Vec::new(),
        notes: Vec::new(),
    };
    let env = read::key_values(&judge.read("run.env").unwrap_or_default());
    let bundle: Value = judge
        .read("bundle.json")
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let (device, driver) = gpu(&mut judge);
    let sanitizer_tool = sanitizer_tool(&mut judge, &env);
    let tests = tests(&mut judge);
    let smoke = smoke(&mut judge);
    let service = service(&mut judge);
    let (sanitizer_errors, sanitizer) = sanitizers(&mut judge);
    let cublas = cublas(&mut judge);
    let bench = bench(&mut judge);
    let date = env.get("date").cloned();
    let keep = match (&device, &date) {
        (Some(d), Some(date)) => Value::from(keep_as(d, date)),
        _ => Value::Null,
    };
    let steps: Vec<Value> = judge
        .steps
        .iter()
        .map(|s| json!({"name": s.name, "exit": s.exit, "seconds": s.seconds}))
        .collect();
    let mut summary = json!({
        "format": FORMAT,
        "complete": judge.reasons.is_empty(),
        "reasons": judge.reasons,
        "notes": judge.notes,
        "device": device,
        "driver": driver,
        "date": date,
        "started": env.get("started"),
        "host": env.get("host"),
        "keep_as": keep,
        "bundle": bundle,
        "tests": tests,
        "smoke": smoke,
        "service": service,
        "sanitizer_errors": sanitizer_errors,
        "sanitizer": sanitizer,
        "sanitizer_tool": sanitizer_tool,
        "provoked": format!(
            "{PROVOKED_ERROR}: at most {PROVOKED_PER_RUN} per sanitizer run over the GPU tests \
             (their PTX-newer-than-the-driver test); any other error, or more, counts"
        ),
        "cublas": cublas,
        "steps": steps,
    });
    if let (Value::Object(summary), Value::Object(bench)) = (&mut summary, bench) {
        summary.extend(bench);
    }
    summary
}

/// The GPU's name and driver version as `nvidia-smi` reports them (`raw/nvidia-smi.csv`:
/// `name, driver_version`, first GPU).
fn gpu(judge: &mut Judge<'_>) -> (Option<String>, Option<String>) {
    let ran = judge.ran("nvidia-smi", "no GPU (nvidia-smi)");
    let csv = judge.read("nvidia-smi.csv").unwrap_or_default();
    let first = csv.lines().map(str::trim).find(|l| !l.is_empty());
    match first.and_then(|l| l.rsplit_once(',')) {
        Some((name, driver)) if ran => {
            (Some(name.trim().to_owned()), Some(driver.trim().to_owned()))
        }
        _ => {
            if ran {
                judge
                    .reasons
                    .push("no GPU: nvidia-smi listed no device".to_owned());
            }
            (None, None)
        }
    }
}

/// The test binaries' counts (libtest's result lines), summed and per binary.
fn tests(judge: &mut Judge<'_>) -> Value {
    let mut total = Counts::default();
    let mut binaries = Map::new();
    for (step, binary) in TEST_STEPS {
        let ran = judge.ran(step, &format!("the `{binary}` tests"));
        let log = judge.read(&format!("{step}.log")).unwrap_or_default();
        match read::libtest(&log) {
            Some(c) => {
                total.passed += c.passed;
                total.failed += c.failed;
                if c.passed == 0 && c.failed == 0 {
                    judge.reasons.push(format!(
                        "the `{binary}` tests: none ran (the filter matched nothing)"
                    ));
                }
                binaries.insert(
                    (*binary).to_owned(),
                    json!({"passed": c.passed, "failed": c.failed}),
                );
            }
            None => {
                if ran {
                    judge.reasons.push(format!(
                        "the `{binary}` tests printed no `test result:` line"
                    ));
                }
                binaries.insert((*binary).to_owned(), Value::Null);
            }
        }
    }
    if total.failed > 0 {
        judge
            .reasons
            .push(format!("{} test(s) failed", total.failed));
    }
    json!({"passed": total.passed, "failed": total.failed, "binaries": binaries})
}

/// smoke's comparisons, which must have run on the GPU (run.sh sets `GATE_GPU=required`).
fn smoke(judge: &mut Judge<'_>) -> Value {
    judge.ran("smoke", "smoke");
    let (counts, on_gpu) = read::smoke(&judge.read("smoke.log").unwrap_or_default());
    if !on_gpu {
        judge
            .reasons
            .push("smoke did not say it ran on the GPU".to_owned());
    }
    json!({
        "on_gpu": on_gpu,
        "passed": counts.map(|c| c.passed),
        "failed": counts.map(|c| c.failed),
    })
}

/// The example service's one pipeline run: both steps on the GPU (`ran: Gpu` twice).
fn service(judge: &mut Judge<'_>) -> Value {
    judge.ran("service", "the example service");
    let log = judge.read("service.log").unwrap_or_default();
    let on_gpu = log.matches("ran: Gpu").count() >= 2 && !log.contains("no GPU (");
    if !on_gpu {
        judge
            .reasons
            .push("the example service did not run both steps on the GPU".to_owned());
    }
    json!({"on_gpu": on_gpu})
}

/// The compute-sanitizer run.sh found (`run.env`: `sanitizer=PATH`, empty where none was).
fn sanitizer_tool(judge: &mut Judge<'_>, env: &BTreeMap<String, String>) -> Value {
    let path = env.get("sanitizer").filter(|p| !p.is_empty());
    if path.is_none() {
        judge.reasons.push(
            "compute-sanitizer was not found (PATH, /usr/local/cuda*/bin, /opt/nvidia, the \
             Python CUDA wheels)"
                .to_owned(),
        );
    }
    json!({"path": path, "version": env.get("sanitizer_version")})
}

/// Every sanitizer run's errors beyond the provoked ones; the total is `None` where a run
/// left no error summary (then nothing is known of it, and a number would understate).
fn sanitizers(judge: &mut Judge<'_>) -> (Option<u64>, Vec<Value>) {
    let mut total = Some(0u64);
    let mut runs = Vec::new();
    for (tool, target) in SANITIZER_RUNS {
        let step = format!("{tool}-{target}");
        let ran = judge.ran(&step, &format!("{tool} over {target}"));
        let log = judge
            .read(&format!("{step}.sanitizer.txt"))
            .unwrap_or_default();
        let s = read::sanitizer(&log, PROVOKED_ERROR);
        let allowed = if *target == "tests" {
            s.provoked.min(PROVOKED_PER_RUN)
        } else {
            0
        };
        let beyond = s.errors.map(|e| e.saturating_sub(allowed));
        match beyond {
            Some(0) => {}
            Some(n) => judge.reasons.push(format!(
                "{tool} over {target}: {n} error(s) beyond the provoked ones"
            )),
            None if ran => judge
                .reasons
                .push(format!("{tool} over {target}: no ERROR SUMMARY in its log")),
            None => {}
        }
        total = total.zip(beyond).map(|(t, b)| t + b);
        runs.push(json!({
            "tool": tool, "target": target, "errors": s.errors,
            "provoked": s.provoked, "beyond_provoked": beyond,
        }));
    }
    (total, runs)
}

/// `raw/cublas.txt`: `found PATH` or `absent`, then where run.sh looked.
fn cublas(judge: &mut Judge<'_>) -> Value {
    let text = judge.read("cublas.txt").unwrap_or_default();
    let mut lines = text.lines();
    let library = lines
        .next()
        .and_then(|l| l.strip_prefix("found "))
        .map(str::to_owned);
    let searched: Vec<&str> = lines.collect();
    if library.is_none() {
        judge.notes.push(
            "cuBLAS (libcublas.so.13) was not found on the machine: sgemm_of_cublas is left out"
                .to_owned(),
        );
    }
    json!({"library": library, "searched": searched})
}

/// Every `gpu_bench` run that measured, and the lines as printed (`null` where none was).
fn bench_runs(judge: &mut Judge<'_>) -> (Vec<read::Bench>, Vec<Value>) {
    let (mut runs, mut lines) = (Vec::new(), Vec::new());
    for i in 1..=BENCH_RUNS {
        let step = format!("gpu-bench-{i}");
        judge.ran(&step, &format!("gpu_bench run {i}"));
        let text = judge.read(&format!("{step}.json")).unwrap_or_default();
        lines.push(serde_json::from_str(text.trim()).unwrap_or(Value::Null));
        match read::bench(&text) {
            Ok(run) => runs.push(run),
            Err(why) => judge.reasons.push(format!("gpu_bench run {i} {why}")),
        }
    }
    (runs, lines)
}

/// The `gpu_bench` runs: each figure's median and per-run values, the goals and whether
/// each is met, and the raw lines.
fn bench(judge: &mut Judge<'_>) -> Value {
    let (runs, lines) = bench_runs(judge);
    let (mut figures, mut per_run, mut met, mut goals) =
        (Map::new(), Map::new(), Map::new(), Map::new());
    for goal in GOALS {
        let xs: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.figures.get(goal.key).copied())
            .collect();
        let m = median(&xs);
        if !runs.is_empty() && xs.len() < runs.len() && goal.key != "sgemm_of_cublas" {
            judge.reasons.push(format!(
                "gpu_bench printed no `{}` in {} of {} measured runs",
                goal.key,
                runs.len() - xs.len(),
                runs.len()
            ));
        }
        figures.insert(goal.key.to_owned(), m.into());
        per_run.insert(goal.key.to_owned(), xs.into());
        met.insert(goal.key.to_owned(), m.map(|x| goal.bound.met(x)).into());
        goals.insert(
            goal.key.to_owned(),
            match goal.bound {
                Bound::AtLeast(x) => json!({"at_least": x}),
                Bound::AtMost(x) => json!({"at_most": x}),
            },
        );
    }
    let like_for_like = runs.iter().all(|r| r.plan_like_for_like);
    if !runs.is_empty() && !like_for_like {
        judge.notes.push(
            "plan_over_graph is runtime_plan_us / graph_us: gpu_bench printed no like-for-like \
             graph.plan_over_graph, so the raw graph did not do the plan's copies"
                .to_owned(),
        );
    }
    if let Some(note) = runs.iter().find_map(|r| r.cublas_note.clone()) {
        judge.notes.push(format!("gpu_bench: {note}"));
    }
    let mut context = Map::new();
    for key in ["copy_gb_per_s", "sgemm_gflop_per_s", "cublas_gflop_per_s"] {
        let xs: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.context.get(key).copied())
            .collect();
        context.insert(key.to_owned(), median(&xs).into());
    }
    let seen: BTreeMap<&str, &str> = runs
        .iter()
        .map(|r| (r.device.as_str(), r.cuda.as_str()))
        .collect();
    json!({
        "figures": figures,
        "runs": per_run,
        "goals": goals,
        "met": met,
        "plan_over_graph_like_for_like": !runs.is_empty() && like_for_like,
        "context": context,
        "gpu_bench": {
            "runs": BENCH_RUNS,
            "measured": runs.len(),
            "device": seen.keys().next(),
            "cuda": seen.values().next(),
        },
        "bench_lines": lines,
    })
}

/// A few lines for a person: complete or why not, and each figure against its goal.
pub fn describe(summary: &Value) -> String {
    let mut out = String::new();
    let complete = summary["complete"] == Value::Bool(true);
    out.push_str(&format!(
        "gpu summary: {} on {} (driver {}), tests {} passed / {} failed, sanitizer errors beyond the provoked: {}\n",
        if complete { "COMPLETE" } else { "INCOMPLETE" },
        summary["device"].as_str().unwrap_or("no GPU"),
        summary["driver"].as_str().unwrap_or("?"),
        summary["tests"]["passed"],
        summary["tests"]["failed"],
        summary["sanitizer_errors"],
    ));
    for reason in summary["reasons"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  reason: {}\n",
            reason.as_str().unwrap_or_default()
        ));
    }
    for note in summary["notes"].as_array().into_iter().flatten() {
        out.push_str(&format!("  note: {}\n", note.as_str().unwrap_or_default()));
    }
    for goal in GOALS {
        let figure = summary["figures"][goal.key].as_f64();
        out.push_str(&format!(
            "  {}: {} (goal {}) {}\n",
            goal.key,
            figure.map_or("not measured".to_owned(), |x| format_figure(goal, x)),
            format_bound(goal),
            match figure.map(|x| goal.bound.met(x)) {
                Some(true) => "met",
                Some(false) => "NOT met",
                None => "",
            }
        ));
    }
    if let Some(keep) = summary["keep_as"].as_str() {
        out.push_str(&format!("  keep it as {keep}\n"));
    }
    out
}

/// A figure as a table shows it: fractions as percentages, the rest with their unit.
pub fn format_figure(goal: &Goal, x: f64) -> String {
    match goal.unit {
        "" => format!("{:.1} %", 100.0 * x),
        "×" => format!("{x:.2}×"),
        unit => format!("{x:.2} {unit}"),
    }
}

/// A goal as a table shows it (`≥ 90 %`, `≤ 2 µs`).
pub fn format_bound(goal: &Goal) -> String {
    let (sign, x) = match goal.bound {
        Bound::AtLeast(x) => ("≥", x),
        Bound::AtMost(x) => ("≤", x),
    };
    match goal.unit {
        "" => format!("{sign} {:.0} %", 100.0 * x),
        "×" => format!("{sign} {x}×"),
        unit => format!("{sign} {x} {unit}"),
    }
}

#[cfg(test)]
mod tests;
