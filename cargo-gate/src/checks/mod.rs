//! One module per check, each with the same shape: a unit struct, its `CheckMeta`, and `run`.

pub mod bench_regression;
pub mod boundary_unsafe;
pub mod checklist_closed;
pub mod ci_locked;
pub mod config_valid;
pub mod cuda_contracts;
pub mod custom;
pub mod deps_advisories;
pub mod deps_bans;
pub mod deps_duplicates;
pub mod deps_licenses;
pub mod deps_pinned;
pub mod failure_paths;
pub mod history_window;
pub mod kernels_build;
pub mod kernels_shipped;
pub mod lockfile_locked;
pub mod observability_log;
pub mod platform_matrix;
pub mod policy_profile;
pub mod profile_cargo;
pub mod repro_environment;
pub mod secrets_scan;
pub mod semver_compat;
pub mod tests_pass;
pub mod toolchain_pinned;
pub mod waivers_current;

#[cfg(test)]
pub(crate) mod testing;
