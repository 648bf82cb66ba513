//! The GPU bundle's summary (`cargo xtask gpu-bundle`, docs/gpu/README.md) in
//! docs/PERFORMANCE.md: rows of the main table, and the GPU section's own block (between
//! [`BEGIN`] and [`END`], under item 5) with the device, driver, date, tests, sanitizer
//! counts and each figure's three runs and median against its goal.

use super::*;
use gpu_bundle::{GOALS, Goal, format_bound, format_figure};

pub(super) const BEGIN: &str = "<!-- xtask-bench-gpu:begin -->";
pub(super) const END: &str = "<!-- xtask-bench-gpu:end -->";

/// Whether `v` is a bundle summary (rather than one `gpu_bench` line).
pub(super) fn is_summary(v: &Value) -> bool {
    v["format"] == gpu_bundle::FORMAT
}

/// `yes`/`**no**`/`—` as the main table writes whether a goal is met.
fn met_text(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "—",
    }
}

/// One goal's median (`None`: not measured) and whether it is met.
fn figure(v: &Value, goal: &Goal) -> (Option<f64>, Option<bool>) {
    let x = v["figures"][goal.key].as_f64();
    (x, x.map(|x| goal.bound.met(x)))
}

/// What a figure is measured against, from the summary's context medians.
fn baseline(v: &Value, goal: &Goal) -> String {
    let c = &v["context"];
    let gb = |k: &str| c[k].as_f64().map_or("?".to_owned(), |x| format!("{x:.0}"));
    match goal.key {
        "sgemm_of_cublas" => match c["cublas_gflop_per_s"].as_f64() {
            Some(x) => format!("cuBLAS SGEMM: {x:.0} GFLOP/s"),
            None => "cuBLAS: not found on the machine".to_owned(),
        },
        "call_overhead_us" => {
            "raw cudarc call on resident buffers (copy in, launch, copy out, sync)".to_owned()
        }
        "plan_over_graph" if v["plan_over_graph_like_for_like"] == Value::Bool(true) => {
            "raw CUDA graph of the same work, its copies in and out included".to_owned()
        }
        "plan_over_graph" => {
            "raw CUDA graph of the kernels alone (not like-for-like: no copies)".to_owned()
        }
        _ => format!("copy: {} GB/s", gb("copy_gb_per_s")),
    }
}

/// The per-run values of one figure, as the table shows them.
fn runs(v: &Value, goal: &Goal) -> String {
    let xs: Vec<String> = v["runs"][goal.key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .map(|x| format_figure(goal, x))
        .collect();
    if xs.is_empty() {
        "—".to_owned()
    } else {
        xs.join(", ")
    }
}

/// The run's headline: where, when, from which commit, and what the evidence says.
fn headline(v: &Value, source: &str) -> String {
    let s = |k: &str| v[k].as_str().unwrap_or("?").to_owned();
    let commit: String = v["bundle"]["commit"]
        .as_str()
        .unwrap_or("?")
        .chars()
        .take(10)
        .collect();
    let verdict = if v["complete"] == Value::Bool(true) {
        "complete".to_owned()
    } else {
        let n = v["reasons"].as_array().map_or(0, Vec::len);
        format!("**INCOMPLETE** ({n} reasons below)")
    };
    format!(
        "{} (driver {}), {}, commit {commit} ({source}): {verdict}; tests {} passed, {} failed; \
         smoke {}/{} on the GPU; sanitizer errors beyond the provoked ones: {} (memcheck, \
         initcheck, synccheck and racecheck over smoke and the GPU tests)",
        s("device"),
        s("driver"),
        s("date"),
        v["tests"]["passed"],
        v["tests"]["failed"],
        v["smoke"]["passed"],
        v["smoke"]["passed"].as_u64().unwrap_or(0) + v["smoke"]["failed"].as_u64().unwrap_or(0),
        v["sanitizer_errors"]
            .as_u64()
            .map_or("unknown".to_owned(), |n| n.to_string()),
    )
}

/// Rows of the main table for a bundle summary.
pub(super) fn rows(v: &Value, source: &str) -> Vec<Row> {
    let measured = v["gpu_bench"]["measured"].as_u64().unwrap_or(0);
    let mut rows = vec![Row {
        what: "GPU bundle run (`cargo xtask gpu-bundle`)".to_owned(),
        baseline: "—".to_owned(),
        measured: headline(v, source),
        ratio: "—".to_owned(),
        goal: "complete, 0 failed, 0 sanitizer errors".to_owned(),
        met: Some(
            v["complete"] == Value::Bool(true)
                && v["tests"]["failed"] == 0
                && v["sanitizer_errors"] == 0,
        ),
    }];
    for goal in GOALS {
        let (x, met) = figure(v, goal);
        rows.push(Row {
            what: format!("GPU {}, median of {measured} `gpu_bench` runs", goal.what),
            baseline: baseline(v, goal),
            measured: x.map_or("not measured".to_owned(), |x| format_figure(goal, x)),
            ratio: format!("runs: {}", runs(v, goal)),
            goal: format_bound(goal),
            met,
        });
    }
    rows
}

/// The GPU section's block: the headline, the figures' table, the reasons and notes. Lines
/// are indented to sit inside item 5 of docs/PERFORMANCE.md's list.
pub(super) fn section(v: &Value, source: &str) -> String {
    let mut out = format!(
        "   Measured by the GPU bundle on {}.\n\n",
        headline(v, source)
    );
    out.push_str("   | figure | baseline | runs | median | goal | met |\n");
    out.push_str("   |---|---|---|---|---|---|\n");
    for goal in GOALS {
        let (x, met) = figure(v, goal);
        out.push_str(&format!(
            "   | {} | {} | {} | {} | {} | {} |\n",
            goal.what,
            baseline(v, goal),
            runs(v, goal),
            x.map_or("not measured".to_owned(), |x| format_figure(goal, x)),
            format_bound(goal),
            met_text(met)
        ));
    }
    for (key, title) in [("reasons", "Not complete"), ("notes", "Note")] {
        for line in v[key].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "\n   {title}: {}\n",
                line.as_str().unwrap_or_default()
            ));
        }
    }
    out
}

/// Writes [`section`] between the GPU markers of docs/PERFORMANCE.md.
pub(super) fn write_section(root: &Path, v: &Value, source: &str) -> Result<()> {
    let path = root.join("docs/PERFORMANCE.md");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("failed to read {}", path.display()))?;
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        bail!("{} lacks the {BEGIN} … {END} markers", path.display());
    };
    let block = section(v, source);
    let updated = format!("{}{BEGIN}\n{block}   {}", &text[..b], &text[e..]);
    std::fs::write(&path, updated)?;
    say(&format!("wrote the GPU section of {}", path.display()));
    Ok(())
}

/// `--only gpu --gpu-json FILE`: the GPU rows printed, and where FILE is a bundle summary,
/// the GPU section written; the main table is left alone.
pub(super) fn only(opts: &Options) -> Result<()> {
    let Some(file) = opts.gpu_json.as_deref() else {
        bail!(
            "--only gpu renders a file: give --gpu-json FILE (a bundle summary or a gpu_bench line)"
        );
    };
    let root = project_root();
    let rows = super::gpu(&root, Some(file))?;
    let table = render(&rows, opts);
    std::io::Write::write_all(&mut std::io::stdout().lock(), table.as_bytes())?;
    let v: Value = serde_json::from_slice(&std::fs::read(file)?)?;
    if !is_summary(&v) {
        say(
            "a gpu_bench line, not a bundle summary: the GPU section is written from summaries only",
        );
    } else if opts.write {
        write_section(&root, &v, &file.display().to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Value {
        serde_json::json!({
            "format": gpu_bundle::FORMAT, "complete": true, "reasons": [],
            "notes": ["plan_over_graph is runtime_plan_us / graph_us"],
            "device": "NVIDIA H100 80GB HBM3", "driver": "580.159.04", "date": "2026-11-24",
            "bundle": {"commit": "0123456789abcdef"},
            "tests": {"passed": 9, "failed": 0}, "smoke": {"passed": 30, "failed": 0},
            "sanitizer_errors": 0, "gpu_bench": {"measured": 3},
            "context": {"copy_gb_per_s": 2978.6, "cublas_gflop_per_s": null},
            "plan_over_graph_like_for_like": false,
            "figures": {"saxpy_of_copy": 0.92, "call_overhead_us": 4.4, "sgemm_of_cublas": null},
            "runs": {"saxpy_of_copy": [0.91, 0.93, 0.92], "call_overhead_us": [4.5, 4.2, 4.4]},
        })
    }

    #[test]
    fn a_summary_renders_its_headline_and_each_goal() {
        let v = summary();
        assert!(is_summary(&v));
        let rows = rows(&v, "docs/gpu/x.json");
        assert_eq!(rows.len(), 1 + GOALS.len());
        assert_eq!(rows[0].met, Some(true));
        assert!(rows[0].measured.starts_with(
            "NVIDIA H100 80GB HBM3 (driver 580.159.04), 2026-11-24, commit 0123456789 \
             (docs/gpu/x.json): complete; tests 9 passed, 0 failed; smoke 30/30 on the GPU; \
             sanitizer errors beyond the provoked ones: 0"
        ));
        let saxpy = &rows[1];
        assert_eq!(saxpy.measured, "92.0 %");
        assert_eq!(saxpy.ratio, "runs: 91.0 %, 93.0 %, 92.0 %");
        assert_eq!(saxpy.baseline, "copy: 2979 GB/s");
        assert_eq!((saxpy.goal.as_str(), saxpy.met), ("≥ 90 %", Some(true)));
        let sgemm = rows.iter().find(|r| r.what.contains("sgemm")).unwrap();
        assert_eq!((sgemm.measured.as_str(), sgemm.met), ("not measured", None));
        assert_eq!(sgemm.baseline, "cuBLAS: not found on the machine");
        let overhead = rows.iter().find(|r| r.what.contains("overhead")).unwrap();
        assert_eq!(
            (overhead.measured.as_str(), overhead.met),
            ("4.40 µs", Some(false))
        );
    }

    #[test]
    fn the_section_shows_the_table_and_why_a_run_is_incomplete() {
        let mut v = summary();
        v["complete"] = false.into();
        v["reasons"] = serde_json::json!(["no GPU (nvidia-smi): step `nvidia-smi` exited with 9"]);
        v["sanitizer_errors"] = Value::Null;
        let text = section(&v, "s.json");
        assert!(text.contains("**INCOMPLETE** (1 reasons below)"), "{text}");
        assert!(
            text.contains("sanitizer errors beyond the provoked ones: unknown"),
            "{text}"
        );
        assert!(text.contains(
            "   | saxpy, of copy bandwidth | copy: 2979 GB/s | 91.0 %, 93.0 %, 92.0 % | 92.0 % | ≥ 90 % | yes |\n"
        ), "{text}");
        assert!(text.contains("   | runtime plan over a raw CUDA graph of the same work | raw CUDA graph of the kernels alone (not like-for-like: no copies) | — | not measured | ≤ 1.3× | — |"), "{text}");
        assert!(
            text.contains("\n   Not complete: no GPU (nvidia-smi)"),
            "{text}"
        );
        assert!(text.contains("\n   Note: plan_over_graph is"), "{text}");
        assert_eq!(rows(&v, "s.json")[0].met, Some(false));
    }

    #[test]
    fn docs_performance_md_has_the_gpu_markers_in_order() {
        let text = std::fs::read_to_string(project_root().join("docs/PERFORMANCE.md")).unwrap();
        let (b, e) = (text.find(BEGIN).unwrap(), text.find(END).unwrap());
        assert!(b < e && e < text.find(super::super::BEGIN).unwrap());
    }

    /// The GPU block of docs/PERFORMANCE.md is what `--only gpu --gpu-json` renders of the
    /// newest summary kept in docs/gpu/ (file names end in the date): a figure in the docs is
    /// one a kept run measured, and a new run's summary cannot be kept without its figures.
    #[test]
    fn the_gpu_block_in_the_docs_renders_the_newest_kept_summary() {
        let root = project_root();
        let mut kept: Vec<String> = std::fs::read_dir(root.join("docs/gpu"))
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".json"))
            .collect();
        // `<device>-YYYY-MM-DD.json`: by the date, year first.
        let date = |name: &String| {
            let mut parts: Vec<&str> = name.trim_end_matches(".json").rsplit('-').take(3).collect();
            parts.reverse();
            parts.concat()
        };
        kept.sort_by_key(date);
        let Some(newest) = kept.last() else {
            panic!("docs/gpu/ keeps no summary");
        };
        let source = format!("docs/gpu/{newest}");
        let v: Value = serde_json::from_slice(&std::fs::read(root.join(&source)).unwrap()).unwrap();
        assert!(is_summary(&v), "{source}: not a bundle summary");
        let text = std::fs::read_to_string(root.join("docs/PERFORMANCE.md")).unwrap();
        let (b, e) = (text.find(BEGIN).unwrap(), text.find(END).unwrap());
        let block = &text[b + BEGIN.len() + 1..e];
        assert_eq!(
            block,
            format!("{}   ", section(&v, &source)),
            "rerun: cargo xtask bench --only gpu --gpu-json {source}"
        );
    }
}
