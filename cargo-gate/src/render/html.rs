//! `--format html`: the report as one self-contained page, a file a CI job keeps as an
//! artifact and anyone opens offline: no script, no font, no image, nothing fetched; the
//! charts are inline SVG and CSS. It shows the verdict; every check, linked to its findings;
//! every finding at its `file:line`, linked to the repository's file at the run's commit when
//! the run knows where the repository lives ([`Links`]); and charts of what the record holds:
//! the latest runs of the stage (one mark per run, coloured by result), each benchmark's p50
//! and p95 across those runs against its baseline, and how long each check took. The layout
//! reflows down to a phone's width (400 px): tables wrap, charts scale.

use super::step::{Beside, Step};
use super::text::visible;
use crate::check::{Severity, Status};
use crate::report::{Report, RunResult, Timeline};
use std::fmt::Write as _;

/// Where a finding's `file:line` links to: `{base}/{file}#L{line}`, `base` being the
/// repository's browse URL at the run's commit (GitHub's or GitLab's); `None`: no links.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// The browse URL of the commit, without a trailing `/`.
    pub base: Option<String>,
}

impl Links {
    /// From the CI's environment (GitHub Actions: `GITHUB_SERVER_URL` and
    /// `GITHUB_REPOSITORY`; GitLab: `CI_PROJECT_URL`) and the run's commit.
    pub fn from_ci(env: impl Fn(&str) -> Option<String>, commit: Option<&str>) -> Links {
        let commit = commit.filter(|c| c.bytes().all(|b| b.is_ascii_hexdigit()));
        let base = commit.and_then(|commit| {
            if let (Some(server), Some(repo)) = (env("GITHUB_SERVER_URL"), env("GITHUB_REPOSITORY"))
            {
                Some(format!(
                    "{}/{repo}/blob/{commit}",
                    server.trim_end_matches('/')
                ))
            } else {
                env("CI_PROJECT_URL")
                    .map(|project| format!("{}/-/blob/{commit}", project.trim_end_matches('/')))
            }
        });
        Links {
            base: base.filter(|b| b.starts_with("https://") || b.starts_with("http://")),
        }
    }

    fn href(&self, file: &str, line: Option<u32>) -> Option<String> {
        let base = self.base.as_ref()?;
        let anchor = line.map(|l| format!("#L{l}")).unwrap_or_default();
        Some(format!("{base}/{}{anchor}", file.trim_start_matches("./")))
    }
}

/// Text for HTML: escaped, control characters shown as escapes (as in the text report).
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The CSS class of a status.
fn class(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Warn | Status::Inconclusive => "warn",
        Status::Fail => "fail",
        Status::Skip => "skip",
        Status::Waived => "waived",
    }
}

fn result_class(result: RunResult) -> &'static str {
    match result {
        RunResult::Ready => "ready",
        RunResult::NotReady => "not-ready",
        RunResult::CouldNotEvaluate => "could-not-evaluate",
        RunResult::Partial => "partial",
    }
}

const STYLE: &str = "\
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--mute:#6e7781;--line:#d0d7de}\
*{box-sizing:border-box}\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1000px;padding:12px;color:#1f2328;overflow-wrap:anywhere}\
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 .4em;border-bottom:1px solid var(--line)}\
header{border-left:6px solid var(--mute);padding:4px 12px;background:#f6f8fa}\
header.ready{border-color:var(--ok)}header.not-ready{border-color:var(--bad)}header.could-not-evaluate,header.partial{border-color:var(--warn)}\
table{width:100%;border-collapse:collapse;table-layout:fixed}td,th{padding:4px 6px;border-bottom:1px solid var(--line);vertical-align:top;text-align:left}\
th.s,td.s{width:6.5em}th.id,td.id{width:11em}\
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}\
.badge{font:bold 12px ui-monospace,monospace;padding:1px 5px;border-radius:4px;color:#fff;background:var(--mute)}\
.badge.pass{background:var(--ok)}.badge.fail{background:var(--bad)}.badge.warn{background:var(--warn)}.badge.waived{background:#8250df}\
svg{width:100%;height:auto;display:block}\
svg .ready{fill:var(--ok)}svg .not-ready{fill:var(--bad)}svg .could-not-evaluate,svg .partial{fill:var(--warn)}\
svg .p50{stroke:#0969da;fill:#0969da}svg .p95{stroke:#bf3989;fill:#bf3989}svg polyline{fill:none;stroke-width:2}\
svg .baseline{stroke-dasharray:6 4;stroke-width:1.5;fill:none}svg text{font:11px ui-monospace,monospace;fill:var(--mute)}\
.legend{color:var(--mute);font-size:13px}.k.ready{color:var(--ok)}.k.not-ready{color:var(--bad)}.k.could-not-evaluate{color:var(--warn)}.legend span{white-space:nowrap;margin-right:1em}\
.dur{display:flex;align-items:center;gap:6px}.dur .bar{height:10px;background:#0969da;border-radius:2px;min-width:1px}\
details{margin:.4em 0}summary{cursor:pointer}li.error{color:#1f2328}li .sev{font-weight:bold}li.error .sev{color:var(--bad)}li.warning .sev{color:var(--warn)}\
.fix{color:var(--mute)}footer{margin-top:2em;color:var(--mute);font-size:13px}\
@media (max-width:600px){#checks tr{display:block;border-bottom:1px solid var(--line);padding:4px 0}\
#checks th{display:none}#checks td{display:inline;border:0;padding:2px 4px}\
#checks td:last-child{display:block}th.id,td.id{width:9em}}";

/// The HTML report's render step.
#[derive(Debug)]
pub struct Html;

impl Step for Html {
    fn show(&self, report: &Report, beside: &Beside<'_>) -> String {
        let links = Links::from_ci(beside.env, report.commit.as_deref());
        let none = Timeline::default();
        render(report, beside.timeline.as_ref().unwrap_or(&none), &links)
    }
}

/// Renders the report as one HTML page.
pub fn render(report: &Report, timeline: &Timeline, links: &Links) -> String {
    let mut out = String::new();
    let verdict = &report.verdict;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>cargo-gate {}: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(report.stage.as_str()),
        esc(&verdict.line)
    );
    let c = &report.counts;
    let commit = report
        .commit
        .as_deref()
        .map(|commit| format!(" · commit <code>{}</code>", esc(commit)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<header class=\"{}\" id=\"verdict\">\n<h1>{}</h1>\n<p>Stage <b>{}</b>, {} mode · {} \
         passed, {} warned, {} failed, {} skipped, {} waived{commit} · record <code>{}</code></p>\n\
         </header>\n",
        result_class(verdict.result),
        esc(&verdict.line),
        esc(report.stage.as_str()),
        esc(report.mode.as_str()),
        c.pass,
        c.warn,
        c.fail,
        c.skip,
        c.waived,
        esc(&report.record)
    );
    history_chart(&mut out, report, timeline);
    checks_table(&mut out, report);
    findings(&mut out, report, links);
    durations(&mut out, report);
    bench_charts(&mut out, timeline);
    let _ = write!(
        out,
        "<footer>cargo-gate {} · {} · every figure here is in the run record \
         (report.json, history.jsonl, bench/results.json)</footer>\n</body>\n</html>\n",
        esc(&report.tool.version),
        esc(&report.started_at)
    );
    out
}

fn history_chart(out: &mut String, report: &Report, timeline: &Timeline) {
    let n = timeline.runs.len();
    let _ = write!(
        out,
        "<section id=\"history\">\n<h2>The last {n} {} run(s)</h2>\n",
        esc(report.stage.as_str())
    );
    if n == 0 {
        out.push_str("<p class=\"legend\">No run of this stage is recorded yet.</p>\n</section>\n");
        return;
    }
    let slot = 600.0 / n as f64;
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 600 44\" role=\"img\" aria-label=\"the result of each of the last \
         {n} runs, oldest first\">"
    );
    for (i, run) in timeline.runs.iter().enumerate() {
        let _ = writeln!(
            out,
            "<rect class=\"point {cls}\" x=\"{:.1}\" y=\"4\" width=\"{:.1}\" height=\"36\" \
             rx=\"2\"><title>run {} of {n}: {}</title></rect>",
            i as f64 * slot + 1.0,
            (slot - 2.0).max(1.0),
            i + 1,
            esc(run.result.as_str()),
            cls = result_class(run.result)
        );
    }
    out.push_str(
        "</svg>\n<p class=\"legend\">Oldest first, this run last: <span><b class=\"k ready\">■</b> \
         ready</span><span><b class=\"k not-ready\">■</b> not ready</span><span><b class=\"k \
         could-not-evaluate\">■</b> could not evaluate</span> (history.window judges the runs \
         before this one)</p>\n</section>\n",
    );
}

fn checks_table(out: &mut String, report: &Report) {
    out.push_str(
        "<section id=\"checks\">\n<h2>Checks</h2>\n<table>\n\
         <tr><th class=\"s\">status</th><th class=\"id\">check</th><th>what it established</th></tr>\n",
    );
    for check in &report.checks {
        let shown =
            check.findings.iter().any(|f| f.severity != Severity::Note) || check.fix.is_some();
        let id = if shown && check.status != Status::Pass {
            format!(
                "<a href=\"#check-{0}\"><code>{0}</code></a>",
                esc(&check.id)
            )
        } else {
            format!("<code>{}</code>", esc(&check.id))
        };
        let _ = writeln!(
            out,
            "<tr class=\"check\"><td class=\"s\"><span class=\"badge {}\">{}</span></td>\
             <td class=\"id\">{id}</td><td>{}</td></tr>",
            class(check.status),
            check.status,
            esc(&check.summary)
        );
    }
    out.push_str("</table>\n</section>\n");
}

fn findings(out: &mut String, report: &Report, links: &Links) {
    let with: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status != Status::Pass)
        .filter(|c| c.findings.iter().any(|f| f.severity != Severity::Note) || c.fix.is_some())
        .collect();
    if with.is_empty() {
        return;
    }
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    for check in with {
        let shown: Vec<_> = check
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
            .collect();
        let _ = write!(
            out,
            "<details open id=\"check-{0}\">\n<summary><span class=\"badge {1}\">{2}</span> \
             <code>{0}</code>: {3} finding(s)</summary>\n<ul>\n",
            esc(&check.id),
            class(check.status),
            check.status,
            shown.len()
        );
        for finding in shown {
            let (sev, word) = match finding.severity {
                Severity::Error => ("error", "error"),
                Severity::Warning => ("warning", "warning"),
                Severity::Note => ("note", "note"),
            };
            let place = finding.location.as_ref().map(|l| {
                let text = format!("<code>{}</code>", esc(&l.to_string()));
                match links.href(&l.file, l.line) {
                    Some(href) => format!("<a class=\"loc\" href=\"{}\">{text}</a> ", esc(&href)),
                    None => format!("{text} "),
                }
            });
            let waived = if finding.waived_by.is_some() {
                " <i>(waived)</i>"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<li class=\"{sev}\"><span class=\"sev\">{word}</span>: {}{}{waived}</li>",
                place.unwrap_or_default(),
                esc(&finding.message)
            );
        }
        out.push_str("</ul>\n");
        if let Some(fix) = &check.fix {
            let _ = writeln!(out, "<p class=\"fix\">Fix: {}</p>", esc(fix));
        }
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

fn durations(out: &mut String, report: &Report) {
    let longest = super::step::longest_check_ms(report);
    out.push_str("<section id=\"durations\">\n<h2>How long each check took</h2>\n<table>\n");
    for check in &report.checks {
        let _ = writeln!(
            out,
            "<tr><td class=\"id\"><code>{}</code></td><td><div class=\"dur\"><div class=\"bar\" \
             style=\"width:{:.1}%\"></div><span>{:.1} s</span></div></td></tr>",
            esc(&check.id),
            check.duration_ms as f64 * 85.0 / longest as f64,
            check.duration_ms as f64 / 1000.0
        );
    }
    out.push_str("</table>\n</section>\n");
}

fn bench_charts(out: &mut String, timeline: &Timeline) {
    if timeline.benchmarks.is_empty() {
        return;
    }
    let n = timeline.runs.len().max(1);
    out.push_str("<section id=\"benchmarks\">\n<h2>Benchmarks across the runs</h2>\n");
    for series in &timeline.benchmarks {
        let mut values: Vec<f64> = series.points.iter().flat_map(|p| [p.1, p.2]).collect();
        if let Some((b50, b95)) = series.baseline {
            values.extend([b50, b95]);
        }
        let (lo, hi) = values
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.01).max(1e-9);
        let (lo, hi) = (lo - pad, hi + pad);
        let x = |i: usize| 50.0 + 540.0 * (i as f64 + 0.5) / n as f64;
        let y = |v: f64| 10.0 + 160.0 * (hi - v) / (hi - lo);
        let _ = write!(
            out,
            "<figure class=\"bench\" data-id=\"{0}\">\n<figcaption><code>{0}</code>: ns per \
             iteration</figcaption>\n<svg viewBox=\"0 0 600 190\" role=\"img\" aria-label=\"p50 \
             and p95 of {0} across the runs, with its baseline\">\n\
             <text x=\"4\" y=\"14\">{1:.0}</text><text x=\"4\" y=\"170\">{2:.0}</text>\n",
            esc(&series.id),
            hi,
            lo
        );
        if let Some((b50, b95)) = series.baseline {
            for (value, cls) in [(b50, "p50"), (b95, "p95")] {
                let _ = writeln!(
                    out,
                    "<line class=\"baseline {cls}\" x1=\"50\" x2=\"590\" y1=\"{0:.1}\" \
                     y2=\"{0:.1}\"><title>baseline {cls}: {value:.1} ns</title></line>",
                    y(value)
                );
            }
        }
        for (cls, pick) in [("p50", 1), ("p95", 2)] {
            let value = |p: &(usize, f64, f64)| if pick == 1 { p.1 } else { p.2 };
            let points: Vec<String> = series
                .points
                .iter()
                .map(|p| format!("{:.1},{:.1}", x(p.0), y(value(p))))
                .collect();
            let _ = writeln!(
                out,
                "<polyline class=\"{cls}\" points=\"{}\"/>",
                points.join(" ")
            );
            for p in &series.points {
                let _ = writeln!(
                    out,
                    "<circle class=\"point {cls}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\">\
                     <title>run {} of {n}: {cls} {:.1} ns</title></circle>",
                    x(p.0),
                    y(value(p)),
                    p.0 + 1,
                    value(p)
                );
            }
        }
        out.push_str(
            "</svg>\n<figcaption class=\"legend\"><span>● p50</span><span>● p95</span>\
             <span>- - baseline</span></figcaption>\n</figure>\n",
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_link_to_the_commit_on_the_ci_that_ran_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let github = Links::from_ci(
            env(&[
                ("GITHUB_SERVER_URL", "https://github.com"),
                ("GITHUB_REPOSITORY", "acme/svc"),
            ]),
            Some("0a1b2c"),
        );
        assert_eq!(
            github.href("src/lib.rs", Some(3)).as_deref(),
            Some("https://github.com/acme/svc/blob/0a1b2c/src/lib.rs#L3")
        );
        let gitlab = Links::from_ci(
            env(&[("CI_PROJECT_URL", "https://gitlab.example/acme/svc/")]),
            Some("0a1b2c"),
        );
        assert_eq!(
            gitlab.href("Cargo.toml", None).as_deref(),
            Some("https://gitlab.example/acme/svc/-/blob/0a1b2c/Cargo.toml")
        );
        // No CI, no commit, a commit that is not one, a URL that is not http(s): no links.
        assert_eq!(Links::from_ci(env(&[]), Some("0a1b2c")).base, None);
        assert_eq!(
            Links::from_ci(env(&[("CI_PROJECT_URL", "https://x")]), None).base,
            None
        );
        assert_eq!(
            Links::from_ci(env(&[("CI_PROJECT_URL", "https://x")]), Some("<hash>")).base,
            None
        );
        assert_eq!(
            Links::from_ci(
                env(&[("CI_PROJECT_URL", "javascript:alert(1)")]),
                Some("ab")
            )
            .base,
            None
        );
    }

    #[test]
    fn text_from_the_repository_is_escaped() {
        assert_eq!(
            esc("<img src=x onerror=\"a('1')\"> & \u{1b}[0m"),
            "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt; &amp; \\u{1b}[0m"
        );
    }
}
