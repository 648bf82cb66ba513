//! The list of checks. Adding a check is one new file under `checks/` and one line here.

use crate::check::{Check, CheckMeta};
use crate::checks;
use crate::config::Known;
use crate::config::section::Section;
use crate::stage::Stage;
use std::sync::LazyLock;

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
    &checks::deps_advisories::DepsAdvisories,
    &checks::deps_licenses::DepsLicenses,
    &checks::deps_duplicates::DepsDuplicates,
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

/// The tables of `gate.toml` that checks own, in registry order.
static SECTIONS: LazyLock<Vec<&'static dyn Section>> =
    LazyLock::new(|| CHECKS.iter().filter_map(|c| c.section()).collect());

/// What the configuration may name besides its core: the built-in ids and the checks' tables.
pub fn known() -> Known<'static> {
    Known {
        builtin: &is_builtin,
        sections: &SECTIONS,
    }
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

    /// A new check's own `gate.toml` table is parsed and validated by code in its module:
    /// the configuration core learns of it through `known()`, nothing else changes.
    #[test]
    fn a_new_checks_table_needs_only_its_module() {
        use crate::config::section::{self, DeValue, Section, Settings, Spanned};
        use crate::config::{Known, Validator, parse_gate_toml};
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
        struct Readme {
            path: String,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawReadme {
            path: Spanned<String>,
        }
        struct ReadmeSection;
        impl Section for ReadmeSection {
            fn table(&self) -> &'static str {
                "readme"
            }
            fn read(
                &self,
                table: Option<&Spanned<DeValue<'_>>>,
                v: &mut Validator<'_>,
            ) -> Settings {
                let mut readme = Readme {
                    path: "README.md".into(),
                };
                if let Some(raw) = table.and_then(|t| section::raw::<RawReadme>(t, v)) {
                    if raw.path.get_ref().is_empty() {
                        v.error::<_, ()>(&raw.path, "empty path".into(), "name the file");
                    } else {
                        readme.path = raw.path.into_inner();
                    }
                }
                Settings::new(readme)
            }
        }
        let sections: [&dyn Section; 1] = [&ReadmeSection];
        let known = Known {
            builtin: &is_builtin,
            sections: &sections,
        };
        let config =
            parse_gate_toml("[readme]\npath = \"DOCS.md\"\n", "gate.toml", &known).unwrap();
        assert_eq!(config.section::<Readme>().path, "DOCS.md");
        let errors = parse_gate_toml("[readme]\npath = \"\"\ncolour = 1\n", "gate.toml", &known)
            .unwrap_err();
        let shown: Vec<String> = errors.all().iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["gate.toml:3:1: unknown field `colour`, expected `path`"]
        );
        // Without the section the table is unknown to the configuration.
        let err =
            parse_gate_toml("[readme]\n", "gate.toml", &known_without_sections()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("gate.toml:1:2: unknown field `readme`"),
            "{err}"
        );
    }

    /// The defaults a check's page documents (`CheckMeta::config`) are the defaults its
    /// table's settings really have.
    #[test]
    fn documented_defaults_of_owned_tables_are_the_real_ones() {
        let effective: serde_json::Value =
            serde_json::from_str(&crate::config::defaults(&known()).effective_json()).unwrap();
        let mut compared = 0;
        for check in all() {
            let Some(section) = check.section() else {
                continue;
            };
            let prefix = format!("[{}] ", section.table());
            for key in check.meta().config {
                let Some(fields) = key.key.strip_prefix(&prefix) else {
                    continue;
                };
                // `-`: no default value (the setting is absent unless written).
                let documented = if key.default == "-" {
                    serde_json::Value::Null
                } else {
                    let table: toml::Table =
                        toml::from_str(&format!("v = {}", key.default)).unwrap();
                    serde_json::to_value(&table["v"]).unwrap()
                };
                // `a, b, c`: keys documented together, with one default.
                for field in fields.split(", ") {
                    let real = &effective["sections"][section.table()][field.replace('-', "_")];
                    assert_eq!(&documented, real, "{} {}", check.meta().id, key.key);
                    compared += 1;
                }
            }
        }
        assert_eq!(
            compared, 15,
            "every owned table's keys are documented and compared"
        );
    }

    fn known_without_sections() -> Known<'static> {
        Known {
            builtin: &is_builtin,
            sections: &[],
        }
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
