//! A team's first week, walked: from `cargo new` to READY for broad with only the steps
//! docs/GUIDE.md gives ("The first week: from `cargo new` to broad"), through a red day and
//! its fix. Along the way no check locks another: once the work is done, a broad run fails
//! on nothing but `history.window` (the checklist waits on it, blocked, instead of failing
//! beside it), such runs count as green for the window, and a red run leaves the window
//! after `[history] window` green runs.

use crate::support::{Fixture, existing};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// `old` replaced by `new` in the file at `path` (which must hold `old`).
fn edit(fx: &Fixture, path: &str, old: &str, new: &str) {
    let file = fx.root.join(path);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(old), "{path} has no `{old}`:\n{text}");
    std::fs::write(&file, text.replacen(old, new, 1)).unwrap();
}

/// The running rustc's release (`1.95.0`), as `rustc -V` prints it in `dir`.
fn rustc_release(dir: &Path) -> String {
    let out = Command::new("rustc")
        .arg("-V")
        .current_dir(dir)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().to_owned()
}

/// `rust-toolchain.toml` pinning the running rustc's release exactly, as toolchain.pinned
/// asks; returns the `major.minor` to declare as `rust-version`.
fn pin_the_running_toolchain(fx: &Fixture) -> String {
    let release = rustc_release(&fx.root);
    fx.write(
        "rust-toolchain.toml",
        &format!("[toolchain]\nchannel = \"{release}\"\n"),
    );
    release.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// This machine's platform as `[matrix] platforms` names it.
fn platform() -> &'static str {
    if cfg!(windows) {
        "windows"
    } else if cfg!(target_os = "macos") {
        "macos"
    } else {
        "linux"
    }
}

/// One CI day: the controlled job with an output directory of its own (a fresh runner),
/// merged, then `cargo gate broad` in the kept output directory. The broad run's verdict.
fn ci_day(fx: &Fixture, day: &mut u32) -> Value {
    *day += 1;
    let job = format!("target/ci/{day}");
    let controlled = fx.gate(&["controlled", "--out", &job]);
    assert!(controlled.code <= 1, "{}", controlled.transcript());
    let merged = fx.gate(&["merge", &job]);
    assert_eq!(merged.code, 0, "{}", merged.transcript());
    let broad = fx.gate(&["broad", "--format", "json"]);
    assert!(broad.code <= 1, "{}", broad.transcript());
    broad.json()["verdict"].clone()
}

/// The warnings the checklist will cite, closed as their messages say: a license policy
/// (MIT, what the packages declare) and the io failure path (its tests are named `io_…`).
fn license_policy_and_failure_path(fx: &Fixture) {
    edit(
        fx,
        "gate.toml",
        "# [licenses]\n# allow = [\"MIT\", \"Apache-2.0\", \"Unicode-3.0\"]",
        "[licenses]\nallow = [\"MIT\"]",
    );
    edit(
        fx,
        "gate.toml",
        "failure-paths = {}",
        "failure-paths = { io = \"io_\" }",
    );
}

/// Every item of docs/READINESS.md ticked (its evidence passes by now).
fn tick_the_checklist(fx: &Fixture) {
    let checklist = std::fs::read_to_string(fx.root.join("docs/READINESS.md")).unwrap();
    fx.write("docs/READINESS.md", &checklist.replace("- [ ] ", "- [x] "));
}

/// `window` CI days whose broad runs fail on nothing but the window (the checklist waits on
/// it, blocked), then the day that is READY.
fn fill_the_window(fx: &Fixture, day: &mut u32, window: u32) {
    for _ in 0..window {
        let verdict = ci_day(fx, day);
        assert_eq!(
            failing_and_blocked(&verdict),
            (
                vec!["history.window".to_owned()],
                vec!["checklist.closed by history.window".to_owned()]
            ),
            "day {day}: {verdict}"
        );
    }
    let verdict = ci_day(fx, day);
    assert_eq!(verdict["result"], "ready", "day {day}: {verdict}");
}

/// The verdict's failing checks and its blocked ones (`id by blocker`).
fn failing_and_blocked(verdict: &Value) -> (Vec<String>, Vec<String>) {
    let ids = |key: &str| -> Vec<Value> { verdict[key].as_array().cloned().unwrap_or_default() };
    (
        ids("failing")
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
        ids("blocked")
            .iter()
            .map(|b| {
                format!(
                    "{} by {}",
                    b["id"].as_str().unwrap(),
                    b["by"].as_str().unwrap()
                )
            })
            .collect(),
    )
}

#[test]
fn from_cargo_new_to_broad_through_a_red_day() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO"))
        .args(["new", "--quiet", "--vcs", "git", "--name", "hello"])
        .arg(dir.path().join("hello"))
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .unwrap();
    assert!(status.success(), "cargo new");
    let fx = existing(&dir.path().join("hello"));
    fx.commit();

    // Monday. `cargo gate init`, commit what it wrote, and pilot is READY.
    let init = fx.gate(&["init"]);
    assert_eq!(init.code, 0, "{}", init.transcript());
    fx.commit();
    let pilot = fx.gate(&["pilot"]);
    assert_eq!(pilot.code, 0, "{}", pilot.transcript());

    // Controlled: what its findings ask for (the advisory database is the tests' own, as
    // `cargo gate fetch-advisories` would leave one). Each fix is the one its message names.
    let controlled = fx.gate(&["controlled"]);
    assert_eq!(controlled.code, 1, "{}", controlled.transcript());
    for asked in [
        "channel = \"", // toolchain.pinned
        "rust-version",
        "panic = \"unwind\"", // profile.cargo
        "overflow-checks = true",
    ] {
        assert!(
            controlled.stdout.contains(asked),
            "no fix names `{asked}`:\n{}",
            controlled.stdout
        );
    }
    let minor = pin_the_running_toolchain(&fx);
    edit(
        &fx,
        "Cargo.toml",
        "edition = \"2024\"\n",
        &format!(
            "edition = \"2024\"\nrust-version = \"{}\"\nlicense = \"MIT\"\n",
            minor
        ),
    );
    let manifest = std::fs::read_to_string(fx.root.join("Cargo.toml")).unwrap();
    fx.write(
        "Cargo.toml",
        &format!(
            "{manifest}\n[profile.release]\npanic = \"unwind\"\noverflow-checks = true\n\
             debug-assertions = false\n"
        ),
    );
    // The warnings the checklist will cite: a license policy, a declared failure path with
    // its test, and a test at all.
    license_policy_and_failure_path(&fx);
    fx.write(
        "src/main.rs",
        "use std::io::Write;\n\n\
         fn greet(out: &mut impl Write) -> std::io::Result<()> {\n    \
             writeln!(out, \"Hello, world!\")\n}\n\n\
         fn main() {\n    greet(&mut std::io::stdout()).expect(\"stdout is writable\");\n}\n\n\
         #[cfg(test)]\nmod tests {\n    #[test]\n    fn io_greeting_reports_write_errors() {\n        \
             let mut full = [0u8; 4];\n        \
             assert!(super::greet(&mut &mut full[..]).is_err());\n    }\n}\n",
    );
    fx.commit();
    let controlled = fx.gate(&["controlled"]);
    assert_eq!(controlled.code, 0, "{}", controlled.transcript());
    assert!(!controlled.stdout.contains("WARN"), "{}", controlled.stdout);

    // Broad: the platforms this service ships to, the decision that it needs no
    // benchmarks, and the checklist ticked, its evidence passing.
    let broad = fx.gate(&["broad"]);
    assert!(
        broad.stdout.contains("no-benchmarks = { owner"),
        "bench.regression names the statement: {}",
        broad.stdout
    );
    edit(
        &fx,
        "gate.toml",
        "platforms = [\"linux\", \"macos\", \"windows\"]",
        &format!("platforms = [\"{}\"]", platform()),
    );
    edit(
        &fx,
        "gate.toml",
        "# no-benchmarks = { owner = \"platform-team\", reason = \"a CLI whose speed is not a rollout risk\" }",
        "no-benchmarks = { owner = \"hello-team\", reason = \"prints a greeting; nothing to measure\" }",
    );
    tick_the_checklist(&fx);
    fx.commit();

    // The rest of the week: one CI run a day. The window fills with runs whose only failure
    // is the window itself, and the run after them is READY.
    let window = 5;
    let mut day = 0;
    fill_the_window(&fx, &mut day, window);

    // A red day: a test fails. Then the fix; the red run stays in the window for `window`
    // runs, each failing only on the window, and the run after them is READY again.
    edit(&fx, "src/main.rs", "is_err()", "is_ok(), \"a regression\"");
    fx.commit();
    let verdict = ci_day(&fx, &mut day);
    let (failing, _) = failing_and_blocked(&verdict);
    assert!(
        failing.contains(&"tests.pass".to_owned()),
        "day {day}: {verdict}"
    );
    edit(&fx, "src/main.rs", "is_ok(), \"a regression\"", "is_err()");
    fx.commit();
    for _ in 0..window {
        let verdict = ci_day(&fx, &mut day);
        assert_eq!(
            failing_and_blocked(&verdict).0,
            ["history.window"],
            "day {day}: {verdict}"
        );
    }
    let verdict = ci_day(&fx, &mut day);
    assert_eq!(verdict["result"], "ready", "day {day}: {verdict}");
    let status = fx.gate(&["status"]);
    assert!(status.stdout.contains("broad"), "{}", status.transcript());
}

/// The same week for a workspace of three members, one of which has a benchmark: the
/// baseline is measured and committed instead of the no-benchmarks decision, and
/// `rust-version` is declared once in `[workspace.package]` and inherited, as the fix says.
/// The benchmark is a `harness = false` bench target that writes the results file the gate
/// reads (`GATE_BENCH_JSON`) with fixed samples: the gate's measuring path runs for real, and
/// the verdict cannot depend on how loaded the machine is.
#[test]
fn a_three_member_workspace_with_a_benchmark_reaches_broad() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("trio");
    let fx = existing(&root);
    fx.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\", \"engine\", \"util\"]\nresolver = \"3\"\n\n\
         [workspace.package]\nversion = \"0.1.0\"\nedition = \"2024\"\nlicense = \"MIT\"\n",
    );
    for (member, body, check) in [
        (
            "util",
            "pub fn double(x: u64) -> u64 {\n    x * 2\n}\n",
            "double(2), 4",
        ),
        (
            "engine",
            "pub fn quadruple(x: u64) -> u64 {\n    util::double(util::double(x))\n}\n",
            "quadruple(1), 4",
        ),
        (
            "app",
            "pub fn run() -> u64 {\n    engine::quadruple(1)\n}\n",
            "run(), 4",
        ),
    ] {
        let deps = match member {
            "engine" => "util = { path = \"../util\" }\n",
            "app" => "engine = { path = \"../engine\" }\n",
            _ => "",
        };
        let bench = if member == "engine" {
            "\n[[bench]]\nname = \"quadruple\"\nharness = false\n"
        } else {
            ""
        };
        fx.write(
            &format!("{member}/Cargo.toml"),
            &format!(
                "[package]\nname = \"{member}\"\nversion.workspace = true\n\
                 edition.workspace = true\nlicense.workspace = true\n\n[dependencies]\n{deps}{bench}"
            ),
        );
        fx.write(
            &format!("{member}/src/lib.rs"),
            &format!(
                "{body}\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn io_{member}_holds() {{\n        \
                 assert_eq!(super::{check});\n    }}\n}}\n"
            ),
        );
    }
    fx.write(
        "engine/benches/quadruple.rs",
        "//! A stand-in harness: fixed samples in the gate's results format.\n\
         fn main() {\n    \
             let Some(path) = std::env::var_os(\"GATE_BENCH_JSON\") else { return };\n    \
             let x = std::hint::black_box(engine::quadruple(3));\n    \
             assert_eq!(x, 12);\n    \
             std::fs::write(path, r#\"{\"schema_version\": 1, \"benchmarks\": [{\"id\": \"quadruple\", \"samples_ns\": [100.0, 101.0, 100.5, 100.2]}]}\"#).unwrap();\n\
         }\n",
    );
    fx.write(".gitignore", "/target\n");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(&root)
            .status()
            .unwrap();
        assert!(ok.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    fx.commit();

    let init = fx.gate(&["init"]);
    assert_eq!(init.code, 0, "{}", init.transcript());
    fx.commit();
    assert_eq!(fx.gate(&["pilot"]).code, 0);

    // Controlled: the pin, rust-version once for the workspace and inherited (the fix says
    // so for a workspace), the release profile, a license policy, the failure path.
    let controlled = fx.gate(&["controlled"]);
    assert!(
        controlled
            .stdout
            .contains("declare rust-version in [workspace.package] and inherit it"),
        "{}",
        controlled.stdout
    );
    let minor = pin_the_running_toolchain(&fx);
    edit(
        &fx,
        "Cargo.toml",
        "license = \"MIT\"\n",
        &format!(
            "license = \"MIT\"\nrust-version = \"{}\"\n\n[profile.release]\npanic = \"unwind\"\n\
             overflow-checks = true\ndebug-assertions = false\n",
            minor
        ),
    );
    for member in ["app", "engine", "util"] {
        edit(
            &fx,
            &format!("{member}/Cargo.toml"),
            "license.workspace = true\n",
            "license.workspace = true\nrust-version.workspace = true\n",
        );
    }
    license_policy_and_failure_path(&fx);
    fx.commit();
    let controlled = fx.gate(&["controlled"]);
    assert_eq!(controlled.code, 0, "{}", controlled.transcript());

    // Broad: the baseline of the one benchmark, measured and committed; the platforms; the
    // checklist.
    let saved = fx.gate(&["bench", "--save-baseline"]);
    assert_eq!(saved.code, 0, "{}", saved.transcript());
    assert!(fx.root.join("benches/baseline.json").is_file());
    edit(
        &fx,
        "gate.toml",
        "platforms = [\"linux\", \"macos\", \"windows\"]",
        &format!("platforms = [\"{}\"]", platform()),
    );
    tick_the_checklist(&fx);
    fx.commit();

    let window = 5;
    let mut day = 0;
    fill_the_window(&fx, &mut day, window);

    // The week as a page: one more broad run, as HTML, with a mark per run and a point per
    // measurement of the benchmark.
    let html = fx.gate(&["broad", "--format", "html"]);
    assert_eq!(html.code, 0, "{}", html.transcript());
    let runs = day as usize + 1;
    assert!(
        html.stdout.contains("<h1>READY for broad</h1>"),
        "{}",
        html.stdout
    );
    let checks = fx.checks_at("broad").len();
    check_in_a_browser(&html.stdout, runs, runs, checks);
}

/// The HTML report of the walk's last run, opened in a real browser (Debian's chromium,
/// headless) at a phone's width: it renders, its charts carry one mark per run and per
/// benchmark point, nothing reaches past 400 px (the page is laid out 400 px wide: headless
/// windows have a larger minimum), and the console stays empty. A probe script is appended
/// to a copy of the page (the report itself has no script) and writes what it measured into
/// the DOM that `--dump-dom` prints. Skips, saying why, without chromium,
/// unless GATE_TESTS_REQUIRE_BROWSER=1 (CI installs it).
fn check_in_a_browser(html: &str, runs: usize, bench_points: usize, checks: usize) {
    let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        assert!(
            std::env::var_os("GATE_TESTS_REQUIRE_BROWSER").is_none(),
            "GATE_TESTS_REQUIRE_BROWSER is set but no chromium is on PATH"
        );
        #[expect(clippy::print_stdout, reason = "a skipped check says why")]
        {
            println!("skipped the browser check of the HTML report: no chromium on PATH");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let probe = "<script>window.addEventListener('load',()=>{const b=document.body;\
        const n=s=>document.querySelectorAll(s).length;\
        b.dataset.history=n('#history .point');b.dataset.bench=n('#benchmarks .point.p50');\
        b.dataset.bars=n('#durations .bar');b.dataset.checks=n('#checks tr.check');\
        document.documentElement.style.width='400px';\
        const right=Math.max(...[...document.querySelectorAll('body *')].map(e=>e.getBoundingClientRect().right));\
        b.dataset.overflow=right>401;\
        b.dataset.chart=Math.round(document.querySelector('#history svg').getBoundingClientRect().width);\
        b.dataset.probed='yes';});</script>";
    let page = dir.path().join("report.html");
    std::fs::write(&page, html.replace("</body>", &format!("{probe}</body>"))).unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=400,900",
            "--virtual-time-budget=3000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    let data = |key: &str| -> String {
        let marker = format!("data-{key}=\"");
        let at = dom
            .find(&marker)
            .unwrap_or_else(|| panic!("no data-{key}: {dom}\n{log}"));
        dom[at + marker.len()..]
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(data("probed"), "yes");
    assert_eq!(data("history"), runs.to_string(), "marks of the runs chart");
    assert_eq!(
        data("bench"),
        bench_points.to_string(),
        "p50 points of the benchmark chart"
    );
    assert_eq!(data("bars"), checks.to_string(), "duration bars");
    assert_eq!(
        data("checks"),
        checks.to_string(),
        "rows of the checks table"
    );
    assert_eq!(data("overflow"), "false", "nothing overflows at 400 px");
    let chart: u32 = data("chart").parse().unwrap();
    assert!(
        (300..=400).contains(&chart),
        "the chart fits the width: {chart} px"
    );
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Failed to load resource"))
        .collect();
    assert!(console.is_empty(), "console: {console:?}");
}
