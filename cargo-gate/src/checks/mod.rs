//! One module per check, each with the same shape: a unit struct, its `CheckMeta`, and `run`.

pub mod bench_regression;
pub mod boundary_unsafe;
pub mod checklist_closed;
pub mod ci_locked;
pub mod config_valid;
pub mod cuda_contracts;
pub mod custom;
pub mod deps_advisories;
pub mod deps_duplicates;
pub mod deps_licenses;
pub mod deps_pinned;
pub mod failure_paths;
pub mod history_window;
pub mod kernels_build;
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

use crate::check::Location;

use std::path::Path;

/// The location of byte `offset` in `text`, a file shown as `file`.
pub(crate) fn at(file: &str, text: &str, offset: usize) -> Location {
    let (line, column) = crate::config::line_col(text, offset);
    Location::at(file, line, column)
}

/// `path` relative to `root`, `/`-separated (the path itself when outside).
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    gate_support::path::relative(root, path)
}
