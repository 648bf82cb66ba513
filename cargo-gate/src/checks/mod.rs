//! One module per check, each with the same shape: a unit struct, its `CheckMeta`, and `run`.

pub mod boundary_unsafe;
pub mod config_valid;
pub mod cuda_contracts;
pub mod custom;
pub mod failure_paths;
pub mod kernels_build;
pub mod lockfile_locked;
pub mod observability_log;
pub mod policy_profile;
pub mod repro_environment;
pub mod tests_pass;

#[cfg(test)]
pub(crate) mod testing;
