//! gate-runtime's decision log: `gate-runtime/decisions-*.jsonl`, one [`Decision`] per line.
//! Written by gate-runtime's `FileSink`, read by `cargo gate`'s `observability.log` check.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::status::StatusCode;

/// What kind of decision a [`Decision`] records.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The backend for a call was chosen as requested.
    BackendChoice,
    /// A call ran on the CPU because the GPU was not usable.
    Fallback,
    /// A call's arguments violated its contract; nothing ran.
    ContractViolation,
    /// A kernel's rail rolled it back to the CPU.
    Rollback,
    /// A self-test returned a kernel to the GPU.
    Return,
    /// A self-test ran (GPU and CPU compared).
    SelfTest,
    /// A plan was split into separate launches.
    GraphBreak,
    /// Shadow verification found the GPU result differs from the CPU reference.
    GuardMiss,
    /// The CUDA context became unusable; everything now runs on the CPU.
    Poisoned,
}

impl Event {
    /// Every event, in declaration order.
    pub const ALL: &[Event] = &[
        Event::BackendChoice,
        Event::Fallback,
        Event::ContractViolation,
        Event::Rollback,
        Event::Return,
        Event::SelfTest,
        Event::GraphBreak,
        Event::GuardMiss,
        Event::Poisoned,
    ];

    /// The stable snake-case name used in the log, e.g. `"backend_choice"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::BackendChoice => "backend_choice",
            Event::Fallback => "fallback",
            Event::ContractViolation => "contract_violation",
            Event::Rollback => "rollback",
            Event::Return => "return",
            Event::SelfTest => "self_test",
            Event::GraphBreak => "graph_break",
            Event::GuardMiss => "guard_miss",
            Event::Poisoned => "poisoned",
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One logged decision: one JSON object per line, fields in this order, `null` when empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Decision {
    /// Position in this log, starting at 1. Assigned before writing, so under concurrency lines
    /// may land slightly out of order; sort by `seq` to restore it.
    pub seq: u64,
    /// When the decision was made, RFC 3339 in UTC (from the log's clock).
    pub timestamp: String,
    /// The kernel id.
    pub kernel: String,
    /// What kind of decision this is.
    pub event: Event,
    /// The runtime policy mode in force, e.g. `"gpu"`, `"cpu"`, `"off"`.
    pub mode: String,
    /// The backend that ran (or would have run) the call: `"gpu"` or `"cpu"`.
    pub backend: String,
    /// Why the call fell back to the CPU, as a reason code such as `"no_driver"`,
    /// `"rolled_back"`, `"driver_too_old"`.
    pub fallback: Option<String>,
    /// The violated contract, e.g. `"length_mismatch: y expected 10 got 9"`.
    pub contract: Option<String>,
    /// Why a plan was split.
    pub graph_break: Option<String>,
    /// Module digest, architecture and driver version, e.g. `"sha256:ab12…@sm_90/cuda13.0"`;
    /// `None` when no GPU module was involved.
    pub fingerprint: Option<String>,
    /// The status of the call the decision belongs to.
    pub status: StatusCode,
    /// Free-form detail for humans.
    pub detail: Option<String>,
}

impl Decision {
    /// A decision with the required fields: every optional field empty, status `Ok`, and no
    /// `seq` or `timestamp` yet (0 and empty: the log that records it assigns both).
    ///
    /// Chain the setters for the rest:
    /// `Decision::new("saxpy", Event::Fallback, "auto", "cpu").fallback("no_driver")`.
    pub fn new(
        kernel: impl Into<String>,
        event: Event,
        mode: impl Into<String>,
        backend: impl Into<String>,
    ) -> Decision {
        Decision {
            seq: 0,
            timestamp: String::new(),
            kernel: kernel.into(),
            event,
            mode: mode.into(),
            backend: backend.into(),
            fallback: None,
            contract: None,
            graph_break: None,
            fingerprint: None,
            status: StatusCode::Ok,
            detail: None,
        }
    }

    /// Sets the fallback reason code.
    pub fn fallback(mut self, reason: impl Into<String>) -> Decision {
        self.fallback = Some(reason.into());
        self
    }

    /// Sets the violated contract.
    pub fn contract(mut self, contract: impl Into<String>) -> Decision {
        self.contract = Some(contract.into());
        self
    }

    /// Sets why a plan split.
    pub fn graph_break(mut self, reason: impl Into<String>) -> Decision {
        self.graph_break = Some(reason.into());
        self
    }

    /// Sets the module fingerprint.
    pub fn fingerprint(mut self, fingerprint: impl Into<String>) -> Decision {
        self.fingerprint = Some(fingerprint.into());
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: StatusCode) -> Decision {
        self.status = status;
        self
    }

    /// Sets the free-form detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Decision {
        self.detail = Some(detail.into());
        self
    }

    /// The decision as one JSON line, newline included: exactly what gate-runtime's `FileSink` appends.
    pub fn to_json_line(&self) -> String {
        let mut line = serde_json::to_string(self)
            .expect("a decision has only strings, numbers and unit enums, so it always serializes");
        line.push('\n');
        line
    }
}

impl Decision {
    /// Every field of a decision line, in the order the line writes them. A line that lacks
    /// one was not written by gate-runtime (`null` stands for an empty optional field; a
    /// missing key is something else). A test keeps this list equal to the serialised type.
    pub const FIELDS: &[&str] = &[
        "seq",
        "timestamp",
        "kernel",
        "event",
        "mode",
        "backend",
        "fallback",
        "contract",
        "graph_break",
        "fingerprint",
        "status",
        "detail",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_the_serialised_keys_in_order() {
        let decision = Decision {
            seq: 1,
            timestamp: "2026-11-22T00:00:00.000000Z".into(),
            kernel: "saxpy".into(),
            event: Event::Fallback,
            mode: "auto".into(),
            backend: "cpu".into(),
            fallback: None,
            contract: None,
            graph_break: None,
            fingerprint: None,
            status: StatusCode::Fallback,
            detail: None,
        };
        let line = decision.to_json_line();
        let positions: Vec<usize> = Decision::FIELDS
            .iter()
            .map(|f| line.find(&format!("\"{f}\":")).unwrap_or(usize::MAX))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value.as_object().unwrap().len(), Decision::FIELDS.len());
    }
}
