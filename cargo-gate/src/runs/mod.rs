//! What the gate does with recorded runs besides writing them: `decision.json`, the
//! attestation each run carries (`decision`); reading runs back for `history`, `diff`,
//! `status` and the reports' charts (`history`); and joining the runs of one commit's CI
//! jobs into one verdict (`merge`); a finished run's report in the format asked for, with what
//! each format shows from the record (`shown`). The record itself is gate-record (`crate::record`).

pub mod decision;
pub mod history;
pub mod merge;
pub mod shown;
