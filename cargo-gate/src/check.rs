//! What a check is and what it returns: `Check`, `Outcome`, `Status`, `Finding`, `Location`.
//!
//! A check is a unit with static metadata (`CheckMeta`) and a `run(&Context) -> Outcome`.
//! Checks never print; they return values that the engine collects and renderers show.
//!
//! # Adding a check
//!
//! One module under `checks/` (and its `mod` line) and one line in `registry.rs`'s list,
//! with the next unused attestation bit; `cargo xtask codegen` then writes its page in
//! docs/checks/ and its row in the README, `cargo gate init` cites it in the READINESS
//! checklist it writes, and the report lists it in its stage. A complete check (this example is
//! compiled and run by `cargo test`, and `tests/tests/new_check.rs` adds it to a copy of this
//! workspace and runs the suite):
//!
//! ```
//! use cargo_gate::check::{Check, CheckMeta, Code, Context, Finding, Location, Outcome};
//! use cargo_gate::stage::Stage;
//!
//! /// `files.small`: no tracked file is a large binary (those belong in a release or LFS).
//! #[derive(Debug)]
//! pub struct FilesSmall;
//!
//! /// The largest tracked file it accepts: 10 MiB.
//! const LIMIT: u64 = 10 << 20;
//!
//! static META: CheckMeta = CheckMeta {
//!     id: "files.small",
//!     stage: Stage::Pilot,
//!     summary: "no tracked file is larger than 10 MiB",
//!     fix: "move large files out of the repository (a release asset, Git LFS) and untrack them",
//!     // Every error or warning finding carries one of these codes.
//!     codes: FindingCode::ALL,
//!     // The gate.toml keys it reads, for its docs page (none here).
//!     config: &[],
//! };
//!
//! cargo_gate::finding_codes! {
//!     /// The codes of this check's findings (their names are stable: never renamed); private
//!     /// to the check's module, so no other check can emit them.
//!     enum FindingCode {
//!         FileTooLarge => Code { name: "file-too-large", summary: "a tracked file is over 10 MiB" },
//!     }
//! }
//!
//! impl Check for FilesSmall {
//!     fn meta(&self) -> &'static CheckMeta {
//!         &META
//!     }
//!
//!     fn run(&self, ctx: &Context<'_>) -> Outcome {
//!         // The facts list every tracked file once: a check reads them, never walks the tree.
//!         let files = &ctx.facts.index.files;
//!         let large: Vec<Finding> = files
//!             .iter()
//!             .filter_map(|file| {
//!                 let len = std::fs::symlink_metadata(&file.path).ok()?.len();
//!                 (len > LIMIT).then(|| {
//!                     Finding::error(format!("{} is {len} bytes", file.rel))
//!                         .code(FindingCode::FileTooLarge)
//!                         .at(Location::file(&file.rel))
//!                 })
//!             })
//!             .collect();
//!         if large.is_empty() {
//!             Outcome::pass(format!("{} tracked file(s), none over 10 MiB", files.len()))
//!         } else {
//!             Outcome::fail(format!("{} tracked file(s) over 10 MiB", large.len()))
//!                 .with_findings(large)
//!         }
//!     }
//! }
//! # let failed = Outcome::fail("x").with_finding(Finding::error("y").code(FindingCode::FileTooLarge));
//! # assert!(FilesSmall.meta().undeclared_codes(&failed).is_empty());
//! ```
//!
//! A check that reads other checks' outcomes says so with [`Check::after`]; evidence passes
//! between checks as typed facts ([`Context::facts`]), never through outcomes. A check with a `gate.toml` table of its own
//! returns it from [`Check::section`]: it parses and validates the table in its module
//! (`crate::config::section`; `boundary.unsafe`, `bench.regression`, `platform.matrix`,
//! `history.window` and `checklist.closed` do) and reads the result, as its own type, through
//! the table's handle: `ctx.config.section(&HISTORY)`.

use crate::config::Config;
use crate::stage::Stage;
use crate::tools::cargo::Cargo;
use crate::workspace::Workspace;
pub use gate_formats::report::{DeclaredCode, Finding, Location, Severity, SkipKind, Status};

/// The check ids a run evaluates, for checks that look at other checks.
pub type Earlier = std::collections::BTreeMap<String, Outcome>;

/// Static description of a check: stable id, the stage where it starts to count, one line,
/// and the hint a user needs to fix a failure.
#[derive(Debug)]
pub struct CheckMeta {
    /// Stable id, `area.name` (never renamed once released).
    pub id: &'static str,
    /// The first stage at which this check runs.
    pub stage: Stage,
    /// One-line description of what a PASS establishes.
    pub summary: &'static str,
    /// How to fix a failure, in one or two sentences.
    pub fix: &'static str,
    /// Every code its error and warning findings carry (never renamed once released).
    pub codes: &'static [Code],
    /// The configuration it reads (for its page in docs/checks/ and `cargo gate explain`).
    pub config: &'static [ConfigKey],
}

/// One configuration key a check reads.
#[derive(Debug)]
pub struct ConfigKey {
    /// Where it is written: `[boundary] allow-unsafe`.
    pub key: &'static str,
    /// Its value when not written, as TOML (`[]`), or `-` for none.
    pub default: &'static str,
    /// What it does, in one line.
    pub meaning: &'static str,
}

/// A stable code of one check's findings: what kind of problem, independent of the
/// message's wording. SARIF rule ids (`CHECK/CODE`) and waivers (`match = "CODE"`) use it.
#[derive(Debug)]
pub struct Code {
    /// kebab-case, unique within its check.
    pub name: &'static str,
    /// What a finding with this code means, in one line.
    pub summary: &'static str,
}

/// The code of a Cargo.toml that could not be read, shared by the checks that read manifests.
pub const UNREADABLE_MANIFEST: Code = Code {
    name: "unreadable-manifest",
    summary: "a Cargo.toml could not be read",
};

/// The code of a Cargo.toml that is not TOML, shared by the checks that read manifests.
pub const INVALID_MANIFEST: Code = Code {
    name: "invalid-manifest",
    summary: "a Cargo.toml is not valid TOML",
};

/// Declares a check's finding codes as an enum: each variant is one [`Code`], its stable
/// kebab-case name the serialisation (what reports, SARIF rule ids and waivers' `match`
/// carry). `FindingCode::ALL` is the list for [`CheckMeta::codes`]; a finding takes a
/// variant (`Finding::error(…).code(FindingCode::LockfileMissing)`), so a code that is not
/// declared does not compile.
///
/// ```
/// cargo_gate::finding_codes! {
///     /// The codes of `readme.present`'s findings.
///     enum FindingCode {
///         ReadmeMissing => cargo_gate::check::Code { name: "readme-missing", summary: "no README.md" },
///         Unreadable => cargo_gate::check::UNREADABLE_MANIFEST,
///     }
/// }
/// assert_eq!(FindingCode::ReadmeMissing.name(), "readme-missing");
/// assert_eq!(FindingCode::ALL[1].name, "unreadable-manifest");
/// ```
///
/// A check's enum is private to its module, so another check cannot emit its codes (and a
/// string is no code at all, see [`Finding::code`]):
///
/// ```compile_fail,E0603
/// mod lockfile_locked {
///     cargo_gate::finding_codes! {
///         enum FindingCode {
///             LockfileMissing => cargo_gate::check::Code { name: "lockfile-missing", summary: "no Cargo.lock" },
///         }
///     }
/// }
///
/// mod secrets_scan {
///     fn finding() -> cargo_gate::check::Finding {
///         cargo_gate::check::Finding::error("no Cargo.lock")
///             .code(super::lockfile_locked::FindingCode::LockfileMissing)
///     }
/// }
/// ```
#[macro_export]
macro_rules! finding_codes {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vattr:meta])* $variant:ident => $code:expr ),+ $(,)?
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        // The variants spell the stable kebab-case names (`lockfile-missing`, `lockfile-stale`).
        #[allow(clippy::enum_variant_names)]
        $vis enum $name {
            $( $(#[$vattr])* $variant ),+
        }

        impl $name {
            /// Every code, in declaration order (for `CheckMeta::codes`).
            $vis const ALL: &'static [$crate::check::Code] = &[$($code),+];

        }

        impl $name {
            /// The stable name.
            #[allow(dead_code)]
            $vis const fn name(self) -> &'static str {
                Self::ALL[self as usize].name
            }
        }

        impl $crate::check::DeclaredCode for $name {
            fn name(self) -> &'static str {
                $name::name(self)
            }
        }
    };
}

/// Codes other checks declare, for the tests of modules that judge findings without
/// emitting them (waivers, `init`): findings as those checks would write them.
#[cfg(test)]
pub(crate) mod test_codes {
    use super::Code;

    const fn code(name: &'static str) -> Code {
        Code {
            name,
            summary: "a code another check declares",
        }
    }

    crate::finding_codes! {
        /// `deps.advisories`', `boundary.unsafe`'s and `lockfile.locked`'s codes.
        pub(crate) enum TestCode {
            Vulnerability => code("vulnerability"),
            Unsound => code("unsound"),
            Yanked => code("yanked"),
            UnsafeOutsideAllowed => code("unsafe-outside-allowed"),
            NonUtf8Path => code("non-utf8-path"),
            LockfileUntracked => code("lockfile-untracked"),
            LockfileStale => code("lockfile-stale"),
        }
    }
}

impl CheckMeta {
    /// The error and warning findings of `outcome` whose code is missing or not one of
    /// this check's (a bug in the check: the engine refuses such an outcome in debug builds).
    pub fn undeclared_codes<'o>(&self, outcome: &'o Outcome) -> Vec<&'o Finding> {
        outcome
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
            .filter(|f| {
                f.code
                    .as_deref()
                    .is_none_or(|code| !self.codes.iter().any(|c| c.name == code))
            })
            .collect()
    }
}

/// A check of the gate.
pub trait Check: Send + Sync {
    /// Static metadata.
    fn meta(&self) -> &'static CheckMeta;
    /// Evaluates the check. Must not print, must not panic on bad input (the engine turns a
    /// panic into a could-not-evaluate outcome, but that is a bug).
    fn run(&self, ctx: &Context<'_>) -> Outcome;

    /// Checks whose outcomes this one reads (through [`Context::earlier`]); it runs after
    /// them. Most checks need none and run in the first, parallel phase.
    fn after(&self) -> After {
        After::Checks(&[])
    }

    /// Whether it reads the shipped graph ([`crate::facts::Core::built_tree`]): when a check
    /// of the run does, the engine starts that one `cargo tree` at once, beside the test
    /// build, so a check that runs after the tests finds it answered.
    fn reads_graph(&self) -> bool {
        false
    }

    /// Whether it reads the GPU code of the build's artifacts ([`crate::facts::Core::built_gpu`]):
    /// when a check of the run does, that read starts as soon as the build is gathered,
    /// beside the test run, so a check that runs after the tests finds it read.
    fn reads_built_gpu(&self) -> bool {
        false
    }

    /// The `gate.toml` table this check owns, if any: it parses and validates the table
    /// itself, and reads its settings with [`Config::section`] (see `config::section`).
    fn section(&self) -> Option<&'static dyn crate::config::section::Section> {
        None
    }
}

/// What a check runs after: named checks, or every other check of the run (for the checks
/// that judge the whole run, so no list of every id has to be kept by hand).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// These checks, by id: `--only` brings them along, since the check reads them.
    Checks(&'static [&'static str]),
    /// These checks when the run has them (the check reuses what they do, and needs none of
    /// them): `--only` does not bring them along.
    WhenRun(&'static [&'static str]),
    /// Every other check, except these.
    AllBut(&'static [&'static str]),
}

impl After {
    /// Whether check `me`, running after `self`, must wait for check `other`.
    pub fn waits_for(self, me: &str, other: &str) -> bool {
        match self {
            After::Checks(ids) | After::WhenRun(ids) => ids.contains(&other),
            After::AllBut(except) => other != me && !except.contains(&other),
        }
    }

    /// Whether selecting check `me` with `--only` brings check `other` into the run.
    pub fn brings(self, me: &str, other: &str) -> bool {
        !matches!(self, After::WhenRun(_)) && self.waits_for(me, other)
    }
}

/// Everything a check may look at.
#[derive(Debug)]
pub struct Context<'a> {
    /// The workspace under evaluation.
    pub workspace: &'a Workspace,
    /// The validated configuration.
    pub config: &'a Config,
    /// How to run cargo (offline flag, environment).
    pub cargo: &'a Cargo,
    /// The stage being evaluated.
    pub stage: Stage,
    /// The environment of the run (collected before any check runs).
    pub environment: &'a crate::tools::environment::Environment,
    /// The evidence gathered once for the whole run (manifests, tracked files, git, and —
    /// only when a check asks — the resolve, the build and its kernel manifests).
    pub facts: &'a crate::facts::Facts,
    /// Outcomes of the checks named by [`Check::after`], by id.
    pub earlier: &'a std::collections::BTreeMap<String, Outcome>,
    /// Which waiver covered which finding of the outcomes in [`Context::earlier`]: the engine
    /// applies the waivers to every finished outcome once, before the checks that judge the
    /// whole run ([`After::AllBut`]) start, so those read waived outcomes and this.
    pub waivers: &'a WaiverUse,
    /// Every check id this run knows (the built-in checks and the team's `[[check]]`s), for
    /// checks that judge a reference to a check without reading the registry.
    pub checks: &'a CheckIds,
    /// The output directory (`runs/`, `history.jsonl`, `merged/`), for checks that read
    /// earlier runs.
    pub out_dir: &'a std::path::Path,
    /// A directory inside the run record being written where tools the checks start may
    /// leave evidence (passed to test runs as `GATE_RUN_DIR`); what lands there is hashed
    /// into the record with everything else.
    pub run_dir: &'a std::path::Path,
    /// A directory inside the run record being written where checks keep what they write
    /// for themselves while they run (removed before they return): a gate killed mid-run
    /// leaves it inside the unfinished record, which the next run removes.
    pub scratch: &'a std::path::Path,
}

/// Which `[[waiver]]` covered which finding, as the engine applied the waivers: one entry
/// per covered finding (an error or warning; notes are never waived).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaiverUse {
    /// The covered findings, in the order the engine applied the waivers.
    pub covered: Vec<Covered>,
}

/// One finding covered by one waiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covered {
    /// The check whose finding it is.
    pub check: String,
    /// The finding's position in its outcome's findings.
    pub finding: usize,
    /// The waiver's position in the configuration's `[[waiver]]` list.
    pub waiver: usize,
}

impl WaiverUse {
    /// Whether waiver `index` covered any finding.
    pub fn is_used(&self, index: usize) -> bool {
        self.covered.iter().any(|c| c.waiver == index)
    }
}

/// The ids of the checks a run knows: built-in and the team's `[[check]]`s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckIds(std::collections::BTreeSet<String>);

impl CheckIds {
    /// The catalogue of `ids`.
    pub fn new(ids: impl IntoIterator<Item = impl Into<String>>) -> CheckIds {
        CheckIds(ids.into_iter().map(Into::into).collect())
    }

    /// Whether `id` names a check this run knows.
    pub fn contains(&self, id: &str) -> bool {
        self.0.contains(id)
    }
}

/// A file a check wants kept in the run record (a log, an inventory).
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Path inside the run directory, `/`-separated (e.g. `logs/tests.log`).
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// What a check returns.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The status.
    pub status: Status,
    /// One line: what was established (or why not).
    pub summary: String,
    /// Set when `status` is SKIP.
    pub skip: Option<SkipKind>,
    /// Everything found, in a stable order.
    pub findings: Vec<Finding>,
    /// Files to keep in the run record; their paths become the outcome's evidence.
    pub artifacts: Vec<Artifact>,
    /// For a [`SkipKind::Blocked`] outcome: the check whose failure blocks this one.
    pub blocked_by: Option<Box<str>>,
    /// For an outcome that would be blocked: what this check reports on its own when the
    /// blocking check is not part of the run or did not fail (the engine decides, see
    /// [`Outcome::blocked`]).
    pub unblocked: Option<Box<Outcome>>,
    /// The cached facts this outcome was judged from (see `crate::cache`): every format of
    /// the report says so, naming the run that gathered each.
    pub reused: Vec<crate::report::Reuse>,
    /// What to do about this outcome, where the check's own [`CheckMeta::fix`] does not fit
    /// it (a test run stopped at its time limit has no failing test to fix).
    pub fix: Option<String>,
}

impl Outcome {
    fn new(status: Status, summary: impl Into<String>) -> Outcome {
        Outcome {
            status,
            summary: summary.into(),
            skip: None,
            findings: Vec::new(),
            artifacts: Vec::new(),
            blocked_by: None,
            unblocked: None,
            reused: Vec::new(),
            fix: None,
        }
    }

    /// A pass, with what the evidence showed.
    pub fn pass(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::Pass, summary)
    }

    /// A warning.
    pub fn warn(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::Warn, summary)
    }

    /// Evaluated but undecided (counts as WARN).
    pub fn inconclusive(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::Inconclusive, summary)
    }

    /// A failure.
    pub fn fail(summary: impl Into<String>) -> Outcome {
        Outcome::new(Status::Fail, summary)
    }

    /// Not evaluated, with the reason.
    pub fn skip(kind: SkipKind, reason: impl Into<String>) -> Outcome {
        let mut outcome = Outcome::new(Status::Skip, reason);
        outcome.skip = Some(kind);
        outcome
    }

    /// Blocked by the check `by`, whose failure keeps this one from judging (`reason` says
    /// what could not be established). `alone` is what this check reports when `by` is not
    /// part of the run or did not fail or go unevaluated: the engine keeps the blocked outcome
    /// only when the blocking check really stands in the report as the cause.
    pub fn blocked(by: &str, reason: impl Into<String>, alone: Outcome) -> Outcome {
        let mut outcome = Outcome::new(Status::Skip, reason);
        outcome.skip = Some(SkipKind::Blocked);
        outcome.blocked_by = Some(by.into());
        outcome.unblocked = Some(Box::new(alone));
        outcome
    }

    /// Says what to do about this outcome in place of the check's own fix.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Outcome {
        self.fix = Some(fix.into());
        self
    }

    /// Adds findings.
    pub fn with_findings(mut self, findings: impl IntoIterator<Item = Finding>) -> Outcome {
        self.findings.extend(findings);
        self
    }

    /// Adds one finding.
    pub fn with_finding(mut self, finding: Finding) -> Outcome {
        self.findings.push(finding);
        self
    }

    /// Keeps a file in the run record.
    pub fn with_artifact(mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Outcome {
        self.artifacts.push(Artifact {
            path: path.into(),
            bytes: bytes.into(),
        });
        self
    }

    /// Says that `reuse` (a fact from the evidence cache) is part of this outcome's evidence.
    pub fn with_reuse(mut self, reuse: Option<&crate::report::Reuse>) -> Outcome {
        if let Some(reuse) = reuse
            && !self.reused.contains(reuse)
        {
            self.reused.push(reuse.clone());
        }
        self
    }

    /// Says that each of `reused` is part of this outcome's evidence ([`Outcome::with_reuse`]).
    pub fn with_reuses(self, reused: &[crate::report::Reuse]) -> Outcome {
        reused.iter().fold(self, |o, r| o.with_reuse(Some(r)))
    }

    /// Paths into the run record that back this outcome.
    pub fn evidence(&self) -> Vec<String> {
        self.artifacts.iter().map(|a| a.path.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_display() {
        assert_eq!(Location::file("Cargo.lock").to_string(), "Cargo.lock");
        assert_eq!(
            Location::at("src/lib.rs", 3, 9).to_string(),
            "src/lib.rs:3:9"
        );
    }

    #[test]
    fn artifacts_become_evidence() {
        let outcome = Outcome::pass("ok").with_artifact("logs/a.log", b"x".to_vec());
        assert_eq!(outcome.evidence(), ["logs/a.log"]);
    }
}
