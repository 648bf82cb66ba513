//! The readiness report: everything the human report shows, as one serialisable value.
//! `report.json` in the run record and `--format json` are this value, byte for byte. The
//! types live in gate-formats, shared with every reader of `report.json`.

pub use gate_formats::report::{
    CheckReport, Counts, Report, SCHEMA_VERSION, Selection, Tool, UsedWaiver,
};
