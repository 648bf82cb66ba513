//! Every report format on one mixed report: PASS, WARN and FAIL checks, and a waived
//! finding next to unwaived ones.

use crate::support::{Fixture, fixture};
use insta::assert_snapshot;

/// The waiver's expiry: 60 days from today (a waiver runs at most `[policy]
/// max-waiver-days`), shown as `<expires>` in the snapshots.
fn expires() -> String {
    cargo_gate::init::add_days(&cargo_gate::init::today_utc(), 60).unwrap()
}

fn mixed() -> Fixture {
    let fx = fixture("unsafe-outside");
    fx.write(
        "gate.toml",
        &format!(
            r##"[boundary]
allow-unsafe = ["ffi"]

[[waiver]]
check = "boundary.unsafe"
match = "#[no_mangle]"
reason = "the C entry point is reviewed"
owner = "platform-team"
expires = "{}"
"##,
            expires()
        ),
    )
    .commit();
    fx
}

#[test]
fn every_format_of_a_mixed_report() {
    let fx = mixed();
    // The evidence every format shows as reused, whatever the machine's speed: the build's
    // artifacts are keyed by their stamps only once they are older than the cache's racy
    // window (3 s), so a run after that stores their GPU code and every snapshot reuses it.
    // Without the wait, which formats showed it depended on how fast the runs before them
    // were (a format run 3 s after the build stored it; seen under load).
    fx.gate(&["pilot"]);
    std::thread::sleep(std::time::Duration::from_millis(3_500));
    fx.gate(&["pilot"]);
    for format in ["text", "json", "markdown", "sarif", "junit", "html"] {
        let run = fx.gate(&["pilot", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.transcript());
        let expected_stderr = match format {
            "text" | "markdown" => "",
            _ => "record <out>/runs/<run-id> · chain head sha256:<hash>\n",
        };
        assert_eq!(run.stderr, expected_stderr, "{format}");
        assert_snapshot!(
            format!("mixed-{format}"),
            run.stdout.replace(&expires(), "<expires>")
        );
    }
}

#[test]
fn sarif_and_junit_are_well_formed() {
    let fx = mixed();
    let sarif: serde_json::Value =
        serde_json::from_str(&fx.gate(&["pilot", "--format", "sarif"]).stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex points at the rule"
        );
        let fingerprint = result["partialFingerprints"]["cargoGate/v1"]
            .as_str()
            .unwrap();
        assert_eq!(fingerprint.len(), 64, "{result}");
    }
    // One code-scanning analysis per stage and platform.
    assert_eq!(run["automationDetails"]["id"], "cargo-gate/pilot/<os>/");
    // A finding keeps its fingerprint from run to run (code scanning tracks it, not a new
    // alert each time), and distinct findings have distinct ones.
    let again: serde_json::Value =
        serde_json::from_str(&fx.gate(&["pilot", "--format", "sarif"]).stdout).unwrap();
    let prints = |run: &serde_json::Value| -> Vec<String> {
        run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["cargoGate/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(prints(run), prints(&again["runs"][0]));
    let mut unique = prints(run);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), results.len());
    let suppressed = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .count();
    assert_eq!(
        suppressed, 1,
        "the waived finding is suppressed, not dropped"
    );
    let junit = fx.gate(&["pilot", "--format", "junit"]).stdout;
    assert!(junit.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    // One case per check, and one per test of the workspace's own test run.
    let report = fx.gate(&["pilot", "--format", "json"]).json();
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(
        junit.matches("classname=\"cargo-gate.pilot\"").count(),
        checks.len()
    );
    let tests = checks.iter().find(|c| c["id"] == "tests.pass").unwrap();
    let passed: usize = tests["summary"]
        .as_str()
        .unwrap()
        .split(": ")
        .nth(1)
        .and_then(|tally| tally.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{tests}"));
    assert!(passed > 0);
    assert_eq!(
        junit.matches("classname=\"tests.pass\"").count(),
        passed,
        "{junit}"
    );
    assert_eq!(junit.matches("<failure ").count(), 1);
    // A WARN passes the stage, and its warnings are shown, not hidden behind the pass.
    let warned = fx
        .gate(&["controlled", "--only", "failure.paths", "--format", "junit"])
        .stdout;
    assert!(
        warned.contains("<system-out>WARN: no failure paths declared")
            && warned.contains("  warning: gate.toml: declare them"),
        "{warned}"
    );
}

/// `explain` takes what the reports print: every SARIF ruleId, every `CHECK/CODE` and every
/// bare code of the JSON report, and every code `checks --format json` lists.
#[test]
fn explain_takes_every_rule_id_and_code_the_reports_print() {
    let fx = mixed();
    let sarif: serde_json::Value =
        serde_json::from_str(&fx.gate(&["pilot", "--format", "sarif"]).stdout).unwrap();
    let mut asked: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap().to_owned())
        .collect();
    assert!(asked.iter().any(|r| r.contains('/')), "{asked:?}");
    let listed = fx.gate(&["checks", "--format", "json"]);
    assert_eq!(listed.code, 0, "{}", listed.transcript());
    let checks = listed.json();
    let checks = checks.as_array().unwrap();
    assert_eq!(
        checks.len(),
        fx.gate(&["checks"]).stdout.lines().count(),
        "the JSON lists what the text lists"
    );
    for check in checks {
        for code in check["codes"].as_array().unwrap() {
            asked.push(code["rule_id"].as_str().unwrap().to_owned());
        }
    }
    for given in &asked {
        let run = fx.gate(&["explain", given]);
        assert_eq!(run.code, 0, "{given}: {}", run.transcript());
        if let Some((check, code)) = given.split_once('/') {
            assert!(
                run.stdout.starts_with(&format!("{given}: ")) && run.stdout.contains(check),
                "{given}: {}",
                run.stdout
            );
            // The bare code alone works too when one check has it, and otherwise names them.
            let bare = fx.gate(&["explain", code]);
            let owners = checks
                .iter()
                .filter(|c| {
                    c["codes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["name"] == code)
                })
                .count();
            if owners == 1 {
                assert_eq!(bare.code, 0, "{code}: {}", bare.transcript());
                assert!(
                    bare.stdout.starts_with(&format!("{given}: ")),
                    "{}",
                    bare.stdout
                );
            } else {
                assert_eq!(bare.code, 2, "{code}: {}", bare.transcript());
                assert!(bare.stderr.contains(given.as_str()), "{}", bare.stderr);
            }
        }
    }
}

#[test]
fn colour_follows_the_flag_then_cargo_term_color_then_no_color() {
    let fx = fixture("clean");
    let coloured = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = fx.command(&[&["pilot", "--only", "config.valid"], args].concat());
        // Only what each case sets decides (CI exports CARGO_TERM_COLOR=never).
        for inherited in ["NO_COLOR", "CARGO_TERM_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
            cmd.env_remove(inherited);
        }
        for (key, value) in env {
            cmd.env(key, value);
        }
        let run = crate::support::run(cmd);
        run.stdout.contains('\x1b')
    };
    // stdout is a pipe here: `auto` means no colour.
    assert!(!coloured(&[], &[]));
    assert!(coloured(&["--color", "always"], &[]));
    assert!(coloured(&[], &[("CARGO_TERM_COLOR", "always")]));
    assert!(!coloured(
        &["--color", "never"],
        &[("CARGO_TERM_COLOR", "always")]
    ));
    assert!(coloured(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(coloured(&[], &[("CLICOLOR_FORCE", "1")]));
}

/// Progress on stderr: outside a terminal, a line per finished check (every check of the
/// plan, once); `-v` adds a line per start; `-q` prints none. The report on stdout is the same
/// either way.
/// In a pipe a run is never silent for long: a check that runs past the heartbeat's interval
/// is named while it runs.
#[cfg(unix)]
#[test]
fn a_long_check_is_named_by_a_heartbeat_in_a_pipe() {
    let fx = crate::support::fixture("clean");
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[[check]]\nid = \"team.slow\"\nstage = \"pilot\"\n\
         run = [\"sleep\", \"11\"]\n",
    )
    .commit();
    let run = fx.gate(&["pilot", "--only", "team.slow", "-v"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let heartbeats: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("gate: still running after"))
        .collect();
    assert!(
        !heartbeats.is_empty() && heartbeats.iter().all(|l| l.contains("team.slow")),
        "{}",
        run.stderr
    );
    // Quiet is quiet.
    let quiet = fx.gate(&["pilot", "--only", "team.slow"]);
    assert!(!quiet.stderr.contains("still running"), "{}", quiet.stderr);
}

#[test]
fn progress_lines_name_every_check() {
    let fx = mixed();
    let plan: Vec<String> = fx.gate(&["pilot", "--format", "json"]).json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let lines = |run: &crate::support::Run, prefix: &str| -> Vec<String> {
        let mut ids: Vec<String> = run
            .stderr
            .lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(|rest| rest.split(' ').next().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let mut sorted = plan.clone();
    sorted.sort();
    // The default outside a terminal (support adds -q to stage runs unless told otherwise,
    // so run the binary directly).
    let default = crate::support::run({
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-gate-dup"));
        cmd.args(["gate", "pilot"])
            .current_dir(&fx.root)
            .env("CARGO_GATE_REDACT", "1")
            .env("NO_COLOR", "1")
            // As support's commands set it: the same environment, the same cache key.
            .env("CARGO_GATE_ADVISORY_DB", crate::support::advisory_db())
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR");
        for variable in crate::support::SHELL_TEST_VARIABLES {
            cmd.env_remove(variable);
        }
        cmd
    });
    assert_eq!(
        lines(&default, "gate: finished "),
        sorted,
        "{}",
        default.stderr
    );
    assert!(
        default.stderr.contains(" in <duration>"),
        "durations are redacted: {}",
        default.stderr
    );
    let verbose = fx.gate(&["pilot", "-v"]);
    assert_eq!(
        lines(&verbose, "gate: started "),
        sorted,
        "{}",
        verbose.stderr
    );
    assert_eq!(lines(&verbose, "gate: finished "), sorted);
    assert_eq!(report_of(&verbose), report_of(&default));
    let quiet = fx.gate(&["pilot", "-q"]);
    assert!(!quiet.stderr.contains("gate: "), "{}", quiet.stderr);
    assert_eq!(report_of(&quiet), report_of(&default));
}

/// A run's text report without the lines that say what it reused: whether an artifact's GPU
/// code is taken from the cache depends on how long ago the build wrote it (a file changed
/// within the cache's racy window proves nothing and is read again), so two runs in a row
/// may differ there and nowhere else.
fn report_of(run: &crate::support::Run) -> String {
    run.stdout
        .lines()
        .filter(|l| !l.contains(" reused from run "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `--message-format json`: a JSON line per check as it finishes, then the report (the same
/// value as `--format json`) as the last line; every line parses; the exit code is the
/// verdict's.
#[test]
fn message_format_json_streams_a_line_per_check_then_the_report() {
    let fx = mixed();
    let report = fx.gate(&["pilot", "--format", "json"]);
    let streamed = fx.gate(&["pilot", "--message-format", "json"]);
    assert_eq!(streamed.code, report.code, "{}", streamed.transcript());
    let lines: Vec<serde_json::Value> = streamed
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let (last, finished) = lines.split_last().unwrap();
    assert_eq!(last["reason"], "report");
    let mut ids: Vec<&str> = finished
        .iter()
        .map(|l| {
            assert_eq!(l["reason"], "check-finished", "{l}");
            l["id"].as_str().unwrap()
        })
        .collect();
    ids.sort_unstable();
    let expected = report.json();
    let mut planned: Vec<&str> = expected["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    planned.sort_unstable();
    assert_eq!(ids, planned);
    // The report line is the report (the second run reused the first's facts, which it says).
    assert_eq!(last["report"]["verdict"], expected["verdict"]);
    assert_eq!(
        last["report"]["checks"].as_array().unwrap().len(),
        planned.len()
    );
    // It replaces --format: asking for both is a usage error.
    let both = fx.gate(&["pilot", "--message-format", "json", "--format", "text"]);
    assert_eq!(both.code, 2, "{}", both.transcript());
}

/// `cargo gate completions bash`, sourced into a real bash and driven the way bash drives a
/// completion function: `cargo-gate gate <TAB>` offers the commands, a stage completes from
/// its prefix, and `--only`, `--skip` and `explain` offer every check id.
#[cfg(unix)]
#[test]
fn bash_completion_completes_commands_stages_and_check_ids() {
    let fx = crate::support::empty();
    let script = fx.gate(&["completions", "bash"]);
    assert_eq!(script.code, 0, "{}", script.transcript());
    fx.write("cargo-gate.bash", &script.stdout);
    let driver = r#"source ./cargo-gate.bash
complete -p cargo-gate >/dev/null || exit 3
try() {
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
    _cargo__gate cargo-gate "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    echo "${COMPREPLY[*]}"
}
try cargo-gate gate ""
try cargo-gate gate con
try cargo-gate gate pilot --only ""
try cargo-gate gate broad --skip deps.
try cargo-gate gate explain ""
"#;
    fx.write("drive.sh", driver);
    let out = std::process::Command::new("bash")
        .arg("drive.sh")
        .current_dir(&fx.root)
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines.len(), 5, "{text}");
    for command in [
        "pilot",
        "controlled",
        "broad",
        "explain",
        "completions",
        "man",
    ] {
        assert!(
            lines[0].contains(&command),
            "`{command}` not offered: {text}"
        );
    }
    assert_eq!(lines[1], ["controlled"], "{text}");
    let ids: Vec<String> = fx
        .gate(&["checks"])
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    for id in &ids {
        assert!(lines[2].contains(&id.as_str()), "--only: `{id}`: {text}");
        assert!(lines[4].contains(&id.as_str()), "explain: `{id}`: {text}");
    }
    assert!(
        !lines[3].is_empty() && lines[3].iter().all(|c| c.starts_with("deps.")),
        "{text}"
    );
}

/// Every shell has a script, and `cargo gate man DIR` writes one page per command.
#[test]
fn completions_for_every_shell_and_man_pages_install() {
    let fx = crate::support::empty();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = fx.gate(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.transcript());
        assert!(run.stdout.contains("cargo-gate"), "{shell}");
    }
    assert_eq!(fx.gate(&["completions", "tcsh"]).code, 2);
    let run = fx.gate(&["man", "share/man/man1"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let dir = fx.root.join("share/man/man1");
    for page in ["cargo-gate.1", "cargo-gate-pilot.1", "cargo-gate-man.1"] {
        let text =
            std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page} is a man page");
    }
    assert!(run.stdout.contains("cargo-gate-pilot.1"), "{}", run.stdout);
}
