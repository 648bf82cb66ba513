//! The list of checks. Adding a check is one new file under `checks/` and one line here.

use crate::check::{Check, CheckMeta};
use crate::checks;
use crate::stage::Stage;

static CHECKS: &[&dyn Check] = &[
    &checks::config_valid::ConfigValid,
    &checks::lockfile_locked::LockfileLocked,
    &checks::policy_profile::PolicyProfile,
    &checks::boundary_unsafe::BoundaryUnsafe,
    &checks::tests_pass::TestsPass,
    &checks::kernels_build::KernelsBuild,
    &checks::toolchain_pinned::ToolchainPinned,
    &checks::ci_locked::CiLocked,
    &checks::deps_pinned::DepsPinned,
    &checks::profile_cargo::ProfileCargo,
    &checks::failure_paths::FailurePaths,
    &checks::secrets_scan::SecretsScan,
    &checks::cuda_contracts::CudaContracts,
    &checks::observability_log::ObservabilityLog,
    &checks::repro_environment::ReproEnvironment,
    &checks::bench_regression::BenchRegression,
    &checks::platform_matrix::PlatformMatrix,
    &checks::semver_compat::SemverCompat,
    &checks::history_window::HistoryWindow,
    &checks::waivers_current::WaiversCurrent,
    &checks::checklist_closed::ChecklistClosed,
];

/// Every built-in check, in report order.
pub fn all() -> &'static [&'static dyn Check] {
    CHECKS
}

/// The check with this id.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    CHECKS.iter().copied().find(|c| c.meta().id == id)
}

/// Whether `id` is a built-in check (what the configuration checks ids against).
pub fn is_builtin(id: &str) -> bool {
    find(id).is_some()
}

/// The checks that count at `stage` (its own and every earlier stage's).
pub fn for_stage(stage: Stage) -> Vec<&'static dyn Check> {
    CHECKS
        .iter()
        .copied()
        .filter(|c| c.meta().stage <= stage)
        .collect()
}

/// Metadata of every check, for `cargo gate checks` and the docs.
pub fn metas() -> impl Iterator<Item = &'static CheckMeta> {
    CHECKS.iter().map(|c| c.meta())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = metas().map(|m| m.id).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate check id");
        for id in ids {
            let (area, name) = id.split_once('.').expect("area.name");
            assert!(!area.is_empty() && !name.is_empty());
            assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b == b'.'));
        }
    }

    #[test]
    fn codes_are_kebab_case_unique_per_check_and_explained() {
        for meta in metas() {
            let mut names: Vec<&str> = meta.codes.iter().map(|c| c.name).collect();
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "{}: duplicate code", meta.id);
            for code in meta.codes {
                assert!(
                    !code.name.is_empty()
                        && code
                            .name
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                        && !code.name.starts_with('-')
                        && !code.name.ends_with('-'),
                    "{}/{}",
                    meta.id,
                    code.name
                );
                assert!(!code.summary.is_empty(), "{}/{}", meta.id, code.name);
            }
        }
        // A check that reports problems has codes for them.
        assert!(
            metas()
                .filter(|m| m.id != "policy.profile")
                .all(|m| !m.codes.is_empty())
        );
    }

    /// The check of docs/ARCHITECTURE.md's "Adding a check" (and `crate::check`'s docs): its
    /// module alone is enough for it to run, report a coded finding and pass.
    #[test]
    fn a_new_check_needs_only_its_module() {
        use crate::check::{Check, CheckMeta, Code, Context, Finding, Location, Outcome, Status};
        #[derive(Debug)]
        struct ReadmePresent;
        static META: CheckMeta = CheckMeta {
            id: "readme.present",
            stage: Stage::Pilot,
            summary: "the workspace root has a README.md",
            fix: "write a README.md at the workspace root",
            codes: &[Code {
                name: "readme-missing",
                summary: "no README.md at the root",
            }],
            config: &[],
        };
        impl Check for ReadmePresent {
            fn meta(&self) -> &'static CheckMeta {
                &META
            }
            fn run(&self, ctx: &Context<'_>) -> Outcome {
                if ctx.workspace.root.join("README.md").is_file() {
                    Outcome::pass("README.md exists at the workspace root")
                } else {
                    Outcome::fail("no README.md at the workspace root").with_finding(
                        Finding::error("README.md is missing")
                            .code("readme-missing")
                            .at(Location::file("README.md")),
                    )
                }
            }
        }
        let run = |files: &[(&str, &str)]| {
            crate::checks::testing::with_files(
                files,
                &[],
                crate::config::Config::default(),
                |ctx| ReadmePresent.run(ctx),
            )
        };
        let missing = run(&[]);
        assert_eq!(missing.status, Status::Fail);
        assert!(META.undeclared_codes(&missing).is_empty());
        assert_eq!(run(&[("README.md", "# hi\n")]).status, Status::Pass);
    }

    #[test]
    fn the_checks_that_judge_the_whole_run_come_last() {
        // Report order is registry order: the waiver and checklist checks read every other
        // outcome, so they are listed (and reported) after them.
        let ids: Vec<&str> = metas().map(|m| m.id).collect();
        assert_eq!(
            ids[ids.len() - 2..],
            ["waivers.current", "checklist.closed"]
        );
    }

    #[test]
    fn pilot_runs_the_pilot_checks() {
        let ids: Vec<&str> = for_stage(Stage::Pilot)
            .iter()
            .map(|c| c.meta().id)
            .collect();
        assert_eq!(
            ids,
            [
                "config.valid",
                "lockfile.locked",
                "policy.profile",
                "boundary.unsafe",
                "tests.pass",
                "kernels.build"
            ]
        );
        for m in metas() {
            assert!(!m.summary.is_empty() && !m.fix.is_empty(), "{}", m.id);
        }
    }
}
