//! Stable status codes: the one vocabulary shared by results, stats, the decision log and
//! metrics. The type lives in gate-formats (it is part of the decision log's and the stats'
//! formats) and is re-exported here.

pub use gate_formats::status::StatusCode;
