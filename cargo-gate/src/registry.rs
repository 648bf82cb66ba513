//! The list of checks. Adding a check is one new file under `checks/` and one line here.

use crate::check::{After, Check, CheckMeta};
use crate::checks;
use crate::config::Known;
use crate::config::section::Section;
use std::sync::LazyLock;

/// Every built-in check, each with its attestation bit: bit N of `decision.json`'s
/// `failingChecks` bitset is this check, for as long as the check exists. A new check takes
/// the next unused bit, anywhere in the list; a bit is never reused. The report order is
/// derived (see [`all`]), so the position in this list means nothing.
static ENTRIES: &[(u8, &dyn Check)] = &[
    (0, &checks::config_valid::ConfigValid),
    (1, &checks::lockfile_locked::LockfileLocked),
    (2, &checks::policy_profile::PolicyProfile),
    (3, &checks::boundary_unsafe::BoundaryUnsafe),
    (4, &checks::tests_pass::TestsPass),
    (5, &checks::kernels_build::KernelsBuild),
    (6, &checks::toolchain_pinned::ToolchainPinned),
    (7, &checks::ci_locked::CiLocked),
    (8, &checks::deps_pinned::DepsPinned),
    (9, &checks::deps_advisories::DepsAdvisories),
    (10, &checks::deps_licenses::DepsLicenses),
    (11, &checks::deps_duplicates::DepsDuplicates),
    (12, &checks::profile_cargo::ProfileCargo),
    (13, &checks::failure_paths::FailurePaths),
    (14, &checks::secrets_scan::SecretsScan),
    (15, &checks::cuda_contracts::CudaContracts),
    (16, &checks::observability_log::ObservabilityLog),
    (17, &checks::repro_environment::ReproEnvironment),
    (18, &checks::bench_regression::BenchRegression),
    (19, &checks::platform_matrix::PlatformMatrix),
    (20, &checks::semver_compat::SemverCompat),
    (21, &checks::history_window::HistoryWindow),
    (22, &checks::waivers_current::WaiversCurrent),
    (23, &checks::checklist_closed::ChecklistClosed),
    (24, &checks::kernels_shipped::KernelsShipped),
    (25, &checks::deps_bans::DepsBans),
];

/// The checks in report order, derived from what each declares: by stage, the checks that
/// judge the whole run (`After::AllBut`) last within it, and otherwise in list order. So
/// appending a check anywhere in [`ENTRIES`] keeps `waivers.current` and `checklist.closed`
/// last and the pilot checks first.
static ORDER: LazyLock<Vec<&'static dyn Check>> = LazyLock::new(|| {
    let mut order: Vec<&'static dyn Check> = ENTRIES.iter().map(|(_, c)| *c).collect();
    order.sort_by_key(|c| {
        let whole_run = matches!(c.after(), After::AllBut(_));
        (c.meta().stage, whole_run)
    });
    order
});

/// Every built-in check, in report order.
pub fn all() -> &'static [&'static dyn Check] {
    &ORDER
}

/// The check with this id.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    all().iter().copied().find(|c| c.meta().id == id)
}

/// The attestation bit of the built-in check `id` (its position in `decision.json`'s
/// `failingChecks` bitset), stable for as long as the check exists.
pub fn bit(id: &str) -> Option<u8> {
    ENTRIES
        .iter()
        .find(|(_, c)| c.meta().id == id)
        .map(|(bit, _)| *bit)
}

/// The first bit no built-in check holds: team checks take the bits from here on, in
/// configuration order.
pub fn first_free_bit() -> u8 {
    ENTRIES.iter().map(|(bit, _)| bit + 1).max().unwrap_or(0)
}

/// Whether `id` is a built-in check (what the configuration checks ids against).
pub fn is_builtin(id: &str) -> bool {
    find(id).is_some()
}

/// The team's checks (`[[check]]` in `config`), as checks: run, listed and explained like
/// built-in ones.
pub fn team_checks(config: &crate::config::Config) -> Vec<&'static dyn Check> {
    checks::custom::from_config(config)
}

/// The tables of `gate.toml` that checks own, in registry order.
static SECTIONS: LazyLock<Vec<&'static dyn Section>> =
    LazyLock::new(|| all().iter().filter_map(|c| c.section()).collect());

/// What the configuration may name besides its core: the built-in ids and the checks' tables.
pub fn known() -> Known<'static> {
    Known {
        builtin: &is_builtin,
        sections: &SECTIONS,
    }
}

/// The checks that count at `stage` (its own and every earlier stage's): what the tests hold
/// the engine's plan against (the plan filters built-in and team checks alike).
#[cfg(test)]
pub fn for_stage(stage: crate::stage::Stage) -> Vec<&'static dyn Check> {
    all()
        .iter()
        .copied()
        .filter(|c| c.meta().stage <= stage)
        .collect()
}

/// Metadata of every check, for `cargo gate checks` and the docs.
pub fn metas() -> impl Iterator<Item = &'static CheckMeta> {
    all().iter().map(|c| c.meta())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::Stage;

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

    /// A new check's own `gate.toml` table is parsed and validated by code in its module:
    /// the configuration core learns of it through `known()`, nothing else changes.
    #[test]
    fn a_new_checks_table_needs_only_its_module() {
        use crate::config::section::{Section, Spanned, Table};
        use crate::config::{Known, Validator, parse_gate_toml};
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Readme {
            path: String,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawReadme {
            path: Spanned<String>,
        }
        fn validate(raw: Option<RawReadme>, v: &mut Validator<'_>) -> Readme {
            let mut readme = Readme {
                path: "README.md".into(),
            };
            if let Some(raw) = raw {
                if raw.path.get_ref().is_empty() {
                    v.error::<_, ()>(&raw.path, "empty path".into(), "name the file");
                } else {
                    readme.path = raw.path.into_inner();
                }
            }
            readme
        }
        static README: Table<RawReadme, Readme> = Table {
            name: "readme",
            validate,
        };
        let sections: [&dyn Section; 1] = [&README];
        let known = Known {
            builtin: &is_builtin,
            sections: &sections,
        };
        let config =
            parse_gate_toml("[readme]\npath = \"DOCS.md\"\n", "gate.toml", &known).unwrap();
        assert_eq!(config.section(&README).path, "DOCS.md");
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
            compared, 22,
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
    fn each_stage_runs_its_own_and_every_earlier_stages_checks_in_report_order() {
        for stage in [Stage::Pilot, Stage::Controlled, Stage::Broad] {
            let ids: Vec<&str> = for_stage(stage).iter().map(|c| c.meta().id).collect();
            let expected: Vec<&str> = metas().filter(|m| m.stage <= stage).map(|m| m.id).collect();
            assert_eq!(ids, expected, "{stage}");
        }
        // Report order goes stage by stage: no check is listed after a later stage's.
        let stages: Vec<Stage> = metas().map(|m| m.stage).collect();
        assert!(stages.is_sorted(), "{stages:?}");
        assert!(
            for_stage(Stage::Pilot)
                .iter()
                .any(|c| c.meta().id == "tests.pass")
        );
        for m in metas() {
            assert!(!m.summary.is_empty() && !m.fix.is_empty(), "{}", m.id);
        }
    }

    #[test]
    fn attestation_bits_are_unique_and_fit_the_bitset() {
        let mut bits: Vec<u8> = ENTRIES.iter().map(|(bit, _)| *bit).collect();
        let n = bits.len();
        bits.sort_unstable();
        bits.dedup();
        assert_eq!(bits.len(), n, "two checks share an attestation bit");
        assert!(
            usize::from(first_free_bit()) <= 128 - 8,
            "room for team checks"
        );
        assert_eq!(ENTRIES.len(), all().len());
    }

    /// The bits of released checks never move: decision.json's bitset is read by policies
    /// outside this repository. (A new check takes a new bit and needs no line here.)
    #[test]
    fn released_checks_keep_their_attestation_bits() {
        const RELEASED: [&str; 24] = [
            "config.valid",
            "lockfile.locked",
            "policy.profile",
            "boundary.unsafe",
            "tests.pass",
            "kernels.build",
            "toolchain.pinned",
            "ci.locked",
            "deps.pinned",
            "deps.advisories",
            "deps.licenses",
            "deps.duplicates",
            "profile.cargo",
            "failure.paths",
            "secrets.scan",
            "cuda.contracts",
            "observability.log",
            "repro.environment",
            "bench.regression",
            "platform.matrix",
            "semver.compat",
            "history.window",
            "waivers.current",
            "checklist.closed",
        ];
        for (n, id) in RELEASED.iter().enumerate() {
            assert_eq!(bit(id), Some(n as u8), "{id}");
        }
    }
}
