//! Rollout stages as data: their order, which ones have checks today, and how SKIP counts.

pub use gate_formats::report::Stage;

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

/// This stage's definition.
pub fn def(stage: Stage) -> &'static StageDef {
    STAGES
        .iter()
        .find(|d| d.stage == stage)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_ordered_and_parse_back() {
        let order: Vec<Stage> = STAGES.iter().map(|d| d.stage).collect();
        assert_eq!(order, [Stage::Pilot, Stage::Controlled, Stage::Broad]);
        for d in STAGES {
            assert_eq!(Stage::parse(d.stage.as_str()), Some(d.stage));
            assert_eq!(def(d.stage).stage, d.stage);
        }
        assert_eq!(Stage::ALL.to_vec(), order);
        assert_eq!(Stage::parse("canary"), None);
    }

    #[test]
    fn every_stage_can_be_evaluated() {
        assert_eq!(available_names(), ["pilot", "controlled", "broad"]);
    }
}
