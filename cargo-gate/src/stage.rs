//! Rollout stages as data: their order, which ones have checks today, and how SKIP counts.

use serde::Serialize;
use std::fmt;

/// A rollout stage. Stages are cumulative: a stage runs its own checks and every earlier stage's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Stage 1: one service or internal tool.
    Pilot,
    /// Stage 2: controlled production.
    Controlled,
    /// Stage 3: broad production rollout.
    Broad,
}

/// What a SKIP (a check that was not evaluated) does to the verdict at a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipCounts {
    /// SKIP is reported and counted like a WARN.
    AsWarn,
    /// SKIP fails the verdict unless waived.
    AsFail,
}

/// The static description of one stage.
#[derive(Debug)]
pub struct StageDef {
    /// The stage itself.
    pub stage: Stage,
    /// One line for `--help` and the docs.
    pub summary: &'static str,
    /// Whether this version of cargo-gate can evaluate the stage. A stage whose checks are not
    /// implemented yet is refused with exit 2: running only part of its checks would report a
    /// verdict that was never established.
    pub available: bool,
    /// How a SKIP counts at this stage (SPEC §3.1).
    pub skip_counts: SkipCounts,
}

/// Every stage, in rollout order.
pub const STAGES: &[StageDef] = &[
    StageDef {
        stage: Stage::Pilot,
        summary: "one service or internal tool",
        available: true,
        skip_counts: SkipCounts::AsWarn,
    },
    StageDef {
        stage: Stage::Controlled,
        summary: "controlled production",
        available: true,
        skip_counts: SkipCounts::AsFail,
    },
    StageDef {
        stage: Stage::Broad,
        summary: "broad production rollout",
        available: true,
        skip_counts: SkipCounts::AsFail,
    },
];

impl Stage {
    /// The stage's name as typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Pilot => "pilot",
            Stage::Controlled => "controlled",
            Stage::Broad => "broad",
        }
    }

    /// Parses a stage name (`pilot`, `controlled`, `broad`).
    pub fn parse(name: &str) -> Option<Stage> {
        STAGES.iter().map(|d| d.stage).find(|s| s.as_str() == name)
    }

    /// This stage's definition.
    pub fn def(self) -> &'static StageDef {
        STAGES
            .iter()
            .find(|d| d.stage == self)
            .expect("every Stage variant has a StageDef")
    }

    /// The names of the stages this build can evaluate, for error messages.
    pub fn available_names() -> Vec<&'static str> {
        STAGES
            .iter()
            .filter(|d| d.available)
            .map(|d| d.stage.as_str())
            .collect()
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_ordered_and_parse_back() {
        let order: Vec<Stage> = STAGES.iter().map(|d| d.stage).collect();
        assert_eq!(order, [Stage::Pilot, Stage::Controlled, Stage::Broad]);
        for d in STAGES {
            assert_eq!(Stage::parse(d.stage.as_str()), Some(d.stage));
        }
        assert_eq!(Stage::parse("canary"), None);
    }

    #[test]
    fn every_stage_can_be_evaluated() {
        assert_eq!(Stage::available_names(), ["pilot", "controlled", "broad"]);
    }
}
