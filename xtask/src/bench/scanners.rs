//! The source scanners' throughput, recall and memory: the unsafe/FFI scanner against grep
//! and the secret scanner against ripgrep, over the same generated tree.

use super::*;

/// Benchmark 2: the lexer-accurate scanner against grep over the same generated tree.
pub(super) fn scan(root: &Path, tree_mb: u64) -> Result<Vec<Row>> {
    let tree = tempfile_dir("tree")?;
    say(&format!(
        "scan: generating {tree_mb} MB of Rust source in {}",
        tree.display()
    ));
    let stats = gen_tree::generate(&tree, tree_mb * 1_000_000, 0x5eed)?;
    let scanner = release_example(root, "cargo-gate", "scan_tree")?;
    // Best of three each; the first pass also warms the page cache for both.
    let sh = Shell::new()?;
    let scan_with = |threads: usize| {
        let threads = threads.to_string();
        best_json_run(
            3,
            "scan_tree",
            cmd!(sh, "{scanner} {tree} --threads {threads}"),
        )
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let scan = scan_with(threads)?;
    let scan_one = scan_with(1)?;
    // grep is timed with its output discarded, as `grep … > /dev/null` would be (a std
    // `Command`, see `time`); one more run collects the counts.
    let mut grep_best = Duration::MAX;
    for _ in 0..3 {
        let mut cmd = Command::new("grep");
        cmd.args(["-rcw", "unsafe"]).arg(&tree);
        let (t, _) = time(cmd).context("grep is needed as the baseline")?;
        grep_best = grep_best.min(t);
    }
    // grep exits 1 when a file has no match: the counts are what matters.
    let counts = cmd!(sh, "grep -rcw unsafe {tree}")
        .quiet()
        .ignore_status()
        .output()?;
    let grep_lines: u64 = String::from_utf8_lossy(&counts.stdout)
        .lines()
        .filter_map(|l| l.rsplit(':').next()?.parse::<u64>().ok())
        .sum();
    let _ = std::fs::remove_dir_all(&tree);
    let bytes = stats.bytes as f64;
    let scan_secs = scan["seconds"].as_f64().context("seconds")?;
    let scan_mbs = bytes / 1e6 / scan_secs;
    let scan_one_mbs = bytes / 1e6 / scan_one["seconds"].as_f64().context("seconds")?;
    let grep_mbs = bytes / 1e6 / grep_best.as_secs_f64();
    let rss_kb = scan["peak_rss_kb"].as_u64();
    let hits = scan["unsafe_hits"].as_u64().unwrap_or(0);
    let accurate = hits == stats.unsafe_sites;
    Ok(vec![
        Row {
            what: format!(
                "unsafe/FFI scan, {:.0} MB in {} files, {threads} threads (the check's default)",
                bytes / 1e6,
                stats.files
            ),
            baseline: format!("`grep -rcw unsafe`: {grep_mbs:.0} MB/s"),
            measured: format!("{scan_mbs:.0} MB/s"),
            ratio: format!("{:.2}× grep's throughput", scan_mbs / grep_mbs),
            goal: "≥ 1.00× grep".to_owned(),
            met: Some(scan_mbs >= grep_mbs),
        },
        Row {
            what: "unsafe/FFI scan, same tree, 1 thread".to_owned(),
            baseline: format!("`grep -rcw unsafe` (1 thread): {grep_mbs:.0} MB/s"),
            measured: format!("{scan_one_mbs:.0} MB/s"),
            ratio: format!("{:.2}× grep's throughput", scan_one_mbs / grep_mbs),
            goal: "— (reported)".to_owned(),
            met: None,
        },
        Row {
            what: "unsafe/FFI scan, peak RSS".to_owned(),
            baseline: "—".to_owned(),
            measured: rss_kb.map_or_else(
                || "n/a".to_owned(),
                |kb| format!("{:.1} MB", kb as f64 / 1024.0),
            ),
            ratio: "—".to_owned(),
            goal: "< 100 MB".to_owned(),
            met: Some(rss_kb.is_some_and(|kb| kb < 100 * 1024)),
        },
        Row {
            what: "unsafe/FFI scan, accuracy".to_owned(),
            baseline: format!(
                "grep: {grep_lines} lines with the word (comments, strings, identifiers included)"
            ),
            measured: format!("{hits} unsafe sites found"),
            ratio: "—".to_owned(),
            goal: format!("= {} sites the generator wrote", stats.unsafe_sites),
            met: Some(accurate),
        },
    ])
}

/// ripgrep is the baseline; on a machine without it, install Debian's package.
fn ensure_ripgrep() -> Result<()> {
    let sh = Shell::new()?;
    let present = || {
        cmd!(sh, "rg --version")
            .quiet()
            .ignore_stdout()
            .run()
            .is_ok()
    };
    if present() {
        return Ok(());
    }
    say("secrets: installing ripgrep from Debian's packages (the baseline)");
    let _ = cmd!(sh, "apt-get update -qq").quiet().run();
    let _ = cmd!(sh, "apt-get install -y -qq ripgrep").quiet().run();
    if present() {
        Ok(())
    } else {
        bail!("ripgrep (rg) is needed as the baseline and could not be installed")
    }
}

/// Benchmark 2b: the secret scanner against ripgrep with the same patterns over a generated
/// tree with planted secrets; recall = planted secrets found at their line with their kind.
pub(super) fn secrets(root: &Path, tree_mb: u64) -> Result<Vec<Row>> {
    ensure_ripgrep()?;
    let tree = tempfile_dir("secrets-tree")?;
    say(&format!(
        "secrets: generating {tree_mb} MB in {}",
        tree.display()
    ));
    let stats = gen_tree::generate(&tree, tree_mb * 1_000_000, 0x5eed)?;
    let planted = gen_secrets::plant(&tree, 0x5ec2e7, 600)?;
    let scanner = release_example(root, "cargo-gate", "secrets_tree")?;
    let patterns = tree.with_extension("patterns");
    let found = tree.with_extension("findings.jsonl");
    let sh = Shell::new()?;
    let scan = best_json_run(
        3,
        "secrets_tree",
        cmd!(
            sh,
            "{scanner} {tree} --patterns-out {patterns} --findings-out {found}"
        ),
    )?;
    let mut rg_best = Duration::MAX;
    for _ in 0..3 {
        // Timed: a std `Command` (see `time`).
        let mut cmd = Command::new("rg");
        cmd.args(["-c", "-f"]).arg(&patterns).arg(&tree);
        let (t, _) = time(cmd).context("ripgrep (rg) is needed as the baseline")?;
        rg_best = rg_best.min(t);
    }
    let found_text = std::fs::read_to_string(&found)?;
    let found: std::collections::HashSet<(String, u64, String)> = found_text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| {
            (
                v["path"].as_str().unwrap_or_default().to_owned(),
                v["line"].as_u64().unwrap_or(0),
                v["kind"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let recalled = planted
        .iter()
        .filter(|p| {
            found.contains(&(
                p.path.to_string_lossy().into_owned(),
                u64::from(p.line),
                p.kind.to_owned(),
            ))
        })
        .count();
    let _ = std::fs::remove_dir_all(&tree);
    let _ = std::fs::remove_file(&patterns);
    let _ = std::fs::remove_file(tree.with_extension("findings.jsonl"));
    let bytes = stats.bytes as f64;
    let scan_mbs = bytes / 1e6 / scan["seconds"].as_f64().context("seconds")?;
    let rg_mbs = bytes / 1e6 / rg_best.as_secs_f64();
    let findings = scan["findings"].as_u64().unwrap_or(0);
    Ok(vec![
        Row {
            what: format!(
                "secret scan, {:.0} MB in {} files",
                bytes / 1e6,
                stats.files
            ),
            baseline: format!("`rg -c -f patterns`: {rg_mbs:.0} MB/s"),
            measured: format!("{scan_mbs:.0} MB/s"),
            ratio: format!("{:.2}× ripgrep's throughput", scan_mbs / rg_mbs),
            goal: "≥ 1.00× ripgrep, same patterns".to_owned(),
            met: Some(scan_mbs >= rg_mbs),
        },
        Row {
            what: "secret scan, recall".to_owned(),
            baseline: format!(
                "{} planted, {} kinds",
                planted.len(),
                gen_secrets::KINDS.len()
            ),
            measured: format!("{recalled} found ({findings} findings in all)"),
            ratio: "—".to_owned(),
            goal: "every planted secret found".to_owned(),
            met: Some(recalled == planted.len()),
        },
    ])
}
