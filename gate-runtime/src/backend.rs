//! The device side behind one trait: the CUDA backend (`cuda.rs`) implements it, and so does
//! the scriptable test backend (`fault.rs`, feature `fault-injection`). The runtime never
//! knows which one it drives.

use crate::kernel::{Call, KernelId};
use crate::plan::{Buffers, Step};
use crate::status::StatusCode;

/// A failure on the device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct BackendError {
    /// The stable code (`DriverError`, `Unsupported`, `VerifyFailed`, `ContextPoisoned`).
    pub code: StatusCode,
    /// What failed.
    pub message: String,
    /// The driver's JIT error log, when a module failed to load.
    pub jit_log: Option<String>,
}

impl BackendError {
    /// An error with a code and message.
    pub fn new(code: StatusCode, message: impl Into<String>) -> BackendError {
        BackendError {
            code,
            message: message.into(),
            jit_log: None,
        }
    }

    /// Whether the error leaves the device context unusable (sticky errors such as an illegal
    /// address): the whole runtime must roll back at once.
    pub fn poisons_context(&self) -> bool {
        self.code == StatusCode::ContextPoisoned
    }
}

/// How a plan segment ran on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentRun {
    /// Captured as a CUDA graph on this run, then launched.
    Captured,
    /// Replayed from the graph captured earlier.
    Replayed,
    /// Launched step by step (a backend without graphs).
    Launched,
}

/// A device backend.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// Short name for logs (`cuda`, `test`).
    fn name(&self) -> &'static str;

    /// Module digest + arch + driver version, for the decision log.
    fn fingerprint(&self, kernel: KernelId) -> String;

    /// Runs one call: reads its inputs from, and writes its outputs to, the call's host
    /// slices. The call's contract has already been checked.
    fn run(&self, call: &mut Call<'_>) -> Result<(), BackendError>;

    /// Runs consecutive plan steps as one unit. `key` identifies the segment (plan id and
    /// position) so a backend can capture it once and replay it; the buffers' shapes are
    /// part of the key the backend keeps. The steps' contracts have been checked.
    fn run_segment(
        &self,
        key: &str,
        buffers: &mut Buffers,
        steps: &[Step],
    ) -> Result<SegmentRun, BackendError>;
}
