//! A scriptable backend for tests and drills (feature `fault-injection`): it computes with
//! the CPU references — so results are right unless told otherwise — and fails, corrupts or
//! poisons on command. [`FaultBackend::wrapping`] puts the same script in front of another
//! backend (the CUDA one, for drills on a real GPU): calls without a fault run there. It implements the same [`Backend`] trait as the CUDA backend, so the
//! runtime's rails, shadow verification, plans and logs are exercised exactly as in
//! production. Production builds do not compile this module.

use crate::backend::{Backend, BackendError, SegmentRun};
use crate::kernel::{Call, KernelId};
use crate::plan::{Buffer, Buffers, Step};
use crate::status::StatusCode;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// What to do to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Fail with this code.
    Fail(StatusCode),
    /// Succeed but return a wrong result (caught only by shadow verification).
    Corrupt,
}

/// The script, shared with the test that drives it.
#[derive(Debug, Default)]
pub struct Script {
    /// Faults for every call of a kernel, until cleared.
    pub always: BTreeMap<KernelId, Fault>,
    /// Faults for the n-th device call overall (0-based).
    pub at_call: BTreeMap<u64, Fault>,
    /// Device calls so far.
    pub calls: u64,
    /// Segment keys captured so far.
    pub captured: BTreeSet<String>,
}

/// The test backend.
#[derive(Debug, Clone, Default)]
pub struct FaultBackend {
    script: Arc<Mutex<Script>>,
    /// Where calls without a fault run; the CPU references when `None`.
    inner: Option<Arc<dyn Backend>>,
}

impl FaultBackend {
    /// A backend that behaves until told otherwise, and a handle to its script.
    pub fn new() -> (FaultBackend, Arc<Mutex<Script>>) {
        let backend = FaultBackend::default();
        let script = backend.script.clone();
        (backend, script)
    }

    /// The script in front of `inner`: scripted failures never reach it, everything else
    /// runs there (and `Corrupt` alters what it returned).
    pub fn wrapping(inner: Arc<dyn Backend>) -> (FaultBackend, Arc<Mutex<Script>>) {
        let (mut backend, script) = FaultBackend::new();
        backend.inner = Some(inner);
        (backend, script)
    }

    fn fault_for(&self, kernel: KernelId) -> Option<Fault> {
        let mut script = self.script.lock().unwrap_or_else(|p| p.into_inner());
        let n = script.calls;
        script.calls += 1;
        script
            .at_call
            .get(&n)
            .copied()
            .or_else(|| script.always.get(&kernel).copied())
    }

    /// Runs `call` under `fault`: a scripted failure never runs it; otherwise it runs on the
    /// inner backend (the CPU references without one), and `Corrupt` alters the result.
    fn apply(&self, fault: Option<Fault>, call: &mut Call<'_>) -> Result<(), BackendError> {
        if let Some(Fault::Fail(code)) = fault {
            return Err(BackendError::new(code, "injected fault"));
        }
        match &self.inner {
            Some(inner) => inner.run(call)?,
            None => call
                .run_cpu()
                .map_err(|e| BackendError::new(StatusCode::InvalidArgument, e.to_string()))?,
        }
        if fault == Some(Fault::Corrupt) {
            corrupt(call);
        }
        Ok(())
    }
}

fn corrupt(call: &mut Call<'_>) {
    match call {
        Call::Saxpy { y, .. } | Call::SoftmaxRows { y, .. } | Call::Sgemm { c: y, .. } => {
            if let Some(v) = y.first_mut() {
                *v += 1.0;
            }
        }
        Call::ReduceSum { out, .. } => **out += 1.0,
        Call::Histogram { bins, .. } => {
            if let Some(v) = bins.first_mut() {
                *v += 1;
            }
        }
    }
}

impl Backend for FaultBackend {
    fn name(&self) -> &'static str {
        "test"
    }

    fn fingerprint(&self, kernel: KernelId) -> String {
        match &self.inner {
            Some(inner) => inner.fingerprint(kernel),
            None => format!("test:{}@sm_test/driver-test", kernel.name()),
        }
    }

    fn run(&self, call: &mut Call<'_>) -> Result<(), BackendError> {
        let fault = self.fault_for(call.kernel());
        self.apply(fault, call)
    }

    fn run_segment(
        &self,
        key: &str,
        buffers: &mut Buffers,
        steps: &[Step],
    ) -> Result<SegmentRun, BackendError> {
        if let Some(inner) = &self.inner {
            let faults: Vec<Option<Fault>> =
                steps.iter().map(|s| self.fault_for(s.kernel())).collect();
            if let Some(code) = faults.iter().find_map(|f| match f {
                Some(Fault::Fail(code)) => Some(*code),
                _ => None,
            }) {
                return Err(BackendError::new(code, "injected fault"));
            }
            let run = inner.run_segment(key, buffers, steps)?;
            for (step, fault) in steps.iter().zip(&faults) {
                if *fault == Some(Fault::Corrupt) {
                    let _ = buffers.with_call(step, corrupt);
                }
            }
            return Ok(run);
        }
        // A segment is one unit: on failure, no step's output may be half-written.
        let snapshot: Vec<Buffer> = buffers.0.clone();
        for step in steps {
            let fault = self.fault_for(step.kernel());
            let result = buffers
                .with_call(step, |c| self.apply(fault, c))
                .map_err(|e| BackendError::new(StatusCode::InvalidArgument, e.to_string()))
                .and_then(|r| r);
            if let Err(err) = result {
                buffers.0 = snapshot;
                return Err(err);
            }
        }
        let mut script = self.script.lock().unwrap_or_else(|p| p.into_inner());
        Ok(if script.captured.insert(key.to_owned()) {
            SegmentRun::Captured
        } else {
            SegmentRun::Replayed
        })
    }
}
