//! Team checks declared with `[[check]]` in gate.toml: a command whose exit status decides
//! PASS or FAIL, run in the workspace root with a timeout, its output kept in the record. They
//! are listed, explained, waived and rendered like built-in checks.

use crate::check::{Check, CheckMeta, Code, Context, Finding, Outcome, SkipKind};
use crate::config::{Config, CustomCheck};
use crate::tools::cargo::run_captured_for;
use std::process::Command;

/// A `[[check]]` entry as a [`Check`].
#[derive(Debug)]
pub struct TeamCheck {
    meta: &'static CheckMeta,
    spec: CustomCheck,
}

crate::finding_codes! {
    /// The codes of a team check's findings (their names are stable: never renamed).
    enum FindingCode {
        CommandFailed => Code {
            name: "command-failed",
            summary: "the team check's command exited non-zero",
        },
    }
}

fn leak(text: String) -> &'static str {
    // A handful of short strings per process, read for the whole run: leaking them gives
    // team checks the same `'static` metadata as built-in ones.
    Box::leak(text.into_boxed_str())
}

/// The team checks of `config`, as checks.
pub fn from_config(config: &Config) -> Vec<&'static dyn Check> {
    config
        .custom_checks
        .iter()
        .map(|spec| {
            let check: &'static TeamCheck = Box::leak(Box::new(TeamCheck {
                meta: Box::leak(Box::new(CheckMeta {
                    id: leak(spec.id.clone()),
                    stage: spec.stage,
                    summary: leak(format!("team check: `{}` exits 0", spec.run.join(" "))),
                    fix: leak(format!(
                        "run `{}` locally, fix what it reports, or waive it in gate.toml",
                        spec.run.join(" ")
                    )),
                    codes: FindingCode::ALL,
                    config: &[],
                })),
                spec: spec.clone(),
            }));
            check as &'static dyn Check
        })
        .collect()
}

impl Check for TeamCheck {
    fn meta(&self) -> &'static CheckMeta {
        self.meta
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let log_path = format!("logs/check-{}.log", self.meta.id);
        let mut cmd = Command::new(&self.spec.run[0]);
        cmd.args(&self.spec.run[1..])
            .current_dir(&ctx.workspace.root)
            .env("GATE_RUN_DIR", ctx.run_dir)
            .env("GATE_SEED", ctx.environment.seed.to_string());
        match run_captured_for(cmd, self.spec.timeout) {
            Err(e) => Outcome::skip(
                SkipKind::Unavailable,
                format!("`{}` could not be started: {e}", self.spec.run[0]),
            ),
            Ok(captured) => {
                let log = captured.log_file();
                let outcome = if let Some(why) = &captured.stopped {
                    Outcome::fail(format!("`{}` {why}", self.spec.run.join(" ")))
                } else if captured.success() {
                    Outcome::pass(format!("`{}` exited 0", self.spec.run.join(" ")))
                } else {
                    let tail: Vec<&str> = captured.log.lines().rev().take(5).collect();
                    let tail: Vec<&str> = tail.into_iter().rev().collect();
                    Outcome::fail(format!(
                        "`{}` exited with status {}",
                        self.spec.run.join(" "),
                        captured
                            .code
                            .map_or_else(|| "signal".into(), |c| c.to_string())
                    ))
                    .with_finding(
                        Finding::error(format!("last lines: {}", tail.join(" | ")))
                            .code(FindingCode::CommandFailed),
                    )
                };
                outcome.with_artifact(log_path, log)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_context;
    use crate::stage::Stage;
    use std::time::Duration;
    #[cfg(unix)]
    use std::time::Instant;

    fn team(run: &[&str], timeout_ms: u64) -> &'static dyn Check {
        let config = Config {
            custom_checks: vec![CustomCheck {
                id: "team.smoke".into(),
                stage: Stage::Controlled,
                run: run.iter().map(|s| (*s).to_owned()).collect(),
                timeout: Duration::from_millis(timeout_ms),
            }],
            ..Config::default()
        };
        from_config(&config)[0]
    }

    /// `script` run by the platform's shell.
    fn shell(script: &str) -> Vec<&str> {
        if cfg!(windows) {
            vec!["cmd", "/C", script]
        } else {
            vec!["sh", "-c", script]
        }
    }

    #[test]
    fn exit_status_decides_and_output_is_kept() {
        let pass = with_context(&[], Config::default(), |ctx| {
            team(&shell("echo fine"), 10_000).run(ctx)
        });
        assert_eq!(pass.status, Status::Pass);
        assert_eq!(pass.evidence(), ["logs/check-team.smoke.log"]);
        assert!(String::from_utf8_lossy(&pass.artifacts[0].bytes).contains("fine"));
        let fail = with_context(&[], Config::default(), |ctx| {
            let script = if cfg!(windows) {
                "echo broken>&2& exit 3"
            } else {
                "echo broken >&2; exit 3"
            };
            team(&shell(script), 10_000).run(ctx)
        });
        assert_eq!(fail.status, Status::Fail);
        assert!(
            fail.summary.ends_with("exited with status 3"),
            "{}",
            fail.summary
        );
        assert!(fail.findings[0].message.contains("broken"));
    }

    #[cfg(unix)]
    #[test]
    fn a_hung_command_is_stopped_at_its_timeout() {
        let started = Instant::now();
        let outcome = with_context(&[], Config::default(), |ctx| {
            team(&["sleep", "30"], 300).run(ctx)
        });
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("ran past its time limit of 300ms"),
            "{}",
            outcome.summary
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_command_that_cannot_start_is_a_skip_with_the_reason() {
        let outcome = with_context(&[], Config::default(), |ctx| {
            team(&["definitely-not-a-command-xyz"], 1000).run(ctx)
        });
        assert_eq!(outcome.status, Status::Skip);
        assert!(outcome.summary.contains("could not be started"));
    }

    #[test]
    fn team_checks_carry_their_id_and_stage() {
        let check = team(&["true"], 1000);
        assert_eq!(check.meta().id, "team.smoke");
        assert_eq!(check.meta().stage, Stage::Controlled);
    }
}
