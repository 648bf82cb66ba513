//! `cargo gate init`: the three files a workspace needs to adopt the gate — `gate.toml`,
//! `docs/READINESS.md` and `.github/workflows/gate.yml` — planned as values, then written.
//!
//! [`plan`] decides what to write and refuses before anything is touched: a target that
//! exists (unless `force`), a target that is a directory, or a configuration already kept in
//! `[workspace.metadata.gate]` (a `gate.toml` beside it would make every run fail). [`write()`](fn@write)
//! writes all files or none: every file is first written to a temporary file beside its
//! target, and only when all of them are on disk are they renamed into place (one rename per
//! file, so each file is atomic); a failure removes what was staged. A dry run writes nothing.
//!
//! With `baseline`, the findings of today's controlled run (pilot's checks included) become
//! `[[waiver]]`s (failing tests and found secrets excepted: they are printed instead), each with a
//! `TODO: owner` and an expiry [`BASELINE_DAYS`] days out, so a team starts green and works
//! the list down (as `cargo vet init` does); `[boundary] allow-unsafe` lists the members that
//! contain unsafe code or FFI today, and the findings that list covers get no waiver.
//! Findings about what `init` replaces (the configuration, its waivers, the checklist, the
//! absent CI workflow) get none either.
//!
//! A baseline waiver names one finding's identity with exact selectors (`identity`), never
//! a whole file: its code, subject and file, plus the advisory's crate and version for
//! `deps.advisories` and the command with its job and step for `ci.locked`. A finding that appears after
//! the baseline — a new advisory in the same Cargo.lock, a new unlocked command in the same
//! workflow — is not covered, and fails.

mod baseline;
mod model;
mod plan;
mod staging;
mod templates;
#[cfg(test)]
mod tests;

pub use baseline::{baseline_findings, not_waived};
pub use model::{
    BASELINE_DAYS, BASELINE_OWNER, GATE_TOML, InitError, InitOptions, PlannedFile, READINESS,
    WORKFLOW, add_days, today_utc,
};
pub use plan::{describe, plan, write};
