//! The runtime: policy, backend choice, contracts, shadow verification, rollback rails,
//! plans, stats and the decision log, around one `call` path.
//!
//! Every call goes: contract check (a violation is `InvalidArgument`, nothing runs) → route
//! (rails: GPU, CPU, or a self-test first) → run → on the GPU, shadow-verify a sampled
//! fraction against the CPU reference → record the outcome on the rails, in the stats and in
//! the decision log. A GPU failure in `auto` mode is answered by the CPU reference for that
//! call (the caller still gets a correct result, with status `Fallback`); in `required` mode
//! it is an error.

use crate::backend::{Backend, BackendError};
use crate::decision::{
    Decision, DecisionLog, DecisionSink, Event, FileSink, NullSink, SystemClock,
};
use crate::kernel::{Call, KernelId, Output};
use crate::rails::{Outcome, Rails, RailsConfig, Route, RouteReason, Transition};
use crate::stats::{Backend as StatsBackend, CallRecord, Stats};
use crate::status::StatusCode;
use gate_kernels::ContractError;
use std::sync::Mutex;
use std::time::Instant;

mod plans;
#[cfg(test)]
mod tests;

/// `GATE_GPU`: whether to use the GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuPolicy {
    /// Use the GPU when the probe finds one and the kernels load; otherwise fall back to the
    /// CPU references, with the reason recorded.
    Auto,
    /// Any reason not to use the GPU is an error.
    Required,
    /// Never touch the driver.
    Off,
}

impl GpuPolicy {
    /// Parses `auto`, `required` or `off`.
    pub fn parse(text: &str) -> Option<GpuPolicy> {
        match text.trim() {
            "auto" => Some(GpuPolicy::Auto),
            "required" => Some(GpuPolicy::Required),
            "off" => Some(GpuPolicy::Off),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            GpuPolicy::Auto => "auto",
            GpuPolicy::Required => "required",
            GpuPolicy::Off => "off",
        }
    }
}

/// Why the runtime could not be built or a call could not be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The call's arguments break the kernel's contract; nothing ran.
    #[error("invalid_argument: {kernel}: {error}")]
    InvalidArgument {
        /// The kernel.
        kernel: &'static str,
        /// The violation.
        error: ContractError,
    },
    /// `GATE_GPU=required` and the GPU cannot be used.
    #[error("{code}: GATE_GPU=required but {reason}")]
    GpuRequired {
        /// The stable code.
        code: StatusCode,
        /// Why.
        reason: String,
    },
    /// A bad `GATE_GPU` value.
    #[error("GATE_GPU={0:?} is invalid: use auto, required or off")]
    InvalidPolicy(String),
    /// Bad rails configuration.
    #[error("invalid rails configuration: {0}")]
    InvalidConfig(String),
}

impl RuntimeError {
    /// The stable status code.
    pub fn code(&self) -> StatusCode {
        match self {
            RuntimeError::InvalidArgument { .. } => StatusCode::InvalidArgument,
            RuntimeError::GpuRequired { code, .. } => *code,
            RuntimeError::InvalidPolicy(_) | RuntimeError::InvalidConfig(_) => {
                StatusCode::InvalidArgument
            }
        }
    }
}

/// Where a call ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ran {
    /// On the GPU.
    Gpu,
    /// On the CPU reference.
    Cpu,
}

/// What happened to one call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallReport {
    /// Where it ran (where the result came from).
    pub ran: Ran,
    /// `Ok`, `Fallback` (CPU because the GPU was not usable) or `GuardMiss` (the GPU result
    /// failed shadow verification and the CPU result was returned).
    pub status: StatusCode,
    /// The fallback reason code, when it fell back.
    pub fallback: Option<String>,
}

/// What happened to a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlanReport {
    /// Per step, in order.
    pub steps: Vec<CallReport>,
    /// Segments the plan ran as: `gpu:captured`, `gpu:replayed`, `cpu`.
    pub segments: Vec<String>,
    /// How many times the plan was split by a step that had to run on the CPU.
    pub graph_breaks: usize,
}

/// Builds a [`Runtime`].
pub struct RuntimeBuilder {
    policy: Option<GpuPolicy>,
    rails: RailsConfig,
    shadow_fraction: f64,
    sink: Option<Box<dyn DecisionSink>>,
    clock: Option<Box<dyn crate::decision::Clock>>,
    #[cfg(any(test, feature = "fault-injection"))]
    backend: Option<Box<dyn Backend>>,
}

impl std::fmt::Debug for RuntimeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeBuilder")
            .field("policy", &self.policy)
            .field("rails", &self.rails)
            .field("shadow_fraction", &self.shadow_fraction)
            .finish_non_exhaustive()
    }
}

impl RuntimeBuilder {
    /// Sets the GPU policy, overriding `GATE_GPU`.
    pub fn policy(mut self, policy: GpuPolicy) -> RuntimeBuilder {
        self.policy = Some(policy);
        self
    }

    /// Sets the rollback rails.
    pub fn rails(mut self, rails: RailsConfig) -> RuntimeBuilder {
        self.rails = rails;
        self
    }

    /// Shadow-verifies this fraction of GPU calls (0 = off, the default; 1 = every call).
    /// Sampling is deterministic: call number `i` of a kernel is verified when
    /// `floor((i + 1) · f) > floor(i · f)`.
    pub fn shadow_fraction(mut self, fraction: f64) -> RuntimeBuilder {
        self.shadow_fraction = fraction.clamp(0.0, 1.0);
        self
    }

    /// Where decisions go (default: nowhere).
    pub fn decision_sink(mut self, sink: Box<dyn DecisionSink>) -> RuntimeBuilder {
        self.sink = Some(sink);
        self
    }

    /// The clock for decision timestamps.
    pub fn clock(mut self, clock: Box<dyn crate::decision::Clock>) -> RuntimeBuilder {
        self.clock = Some(clock);
        self
    }

    /// Drives this backend instead of probing for CUDA (tests and drills only).
    #[cfg(any(test, feature = "fault-injection"))]
    pub fn backend(mut self, backend: Box<dyn Backend>) -> RuntimeBuilder {
        self.backend = Some(backend);
        self
    }

    /// Builds: resolves the policy, probes (unless `off`), loads the kernels.
    pub fn build(self) -> Result<Runtime, RuntimeError> {
        let policy = match self.policy {
            Some(p) => p,
            None => match std::env::var("GATE_GPU") {
                Err(_) => GpuPolicy::Auto,
                Ok(text) if text.is_empty() => GpuPolicy::Auto,
                Ok(text) => GpuPolicy::parse(&text).ok_or(RuntimeError::InvalidPolicy(text))?,
            },
        };
        self.rails
            .validate()
            .map_err(|e| RuntimeError::InvalidConfig(e.to_string()))?;
        // Without an explicit sink, a runtime inside a gated test run (`GATE_RUN_DIR` set by
        // `cargo gate`) logs its decisions and stats there, where `observability.log` reads
        // them; otherwise decisions go nowhere.
        let run_dir = std::env::var_os("GATE_RUN_DIR")
            .filter(|_| self.sink.is_none())
            .map(|dir| std::path::PathBuf::from(dir).join("gate-runtime"));
        let instance = format!(
            "{}-{}",
            std::process::id(),
            INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let sink = match (self.sink, &run_dir) {
            (Some(sink), _) => sink,
            (None, Some(dir)) => std::fs::create_dir_all(dir)
                .and_then(|()| {
                    FileSink::new(dir.join(format!("decisions-{instance}.jsonl")), 64 << 20)
                })
                .map_or_else(
                    |_| Box::new(NullSink) as Box<dyn DecisionSink>,
                    |s| Box::new(s),
                ),
            (None, None) => Box::new(NullSink),
        };
        let stats_path = run_dir.map(|dir| dir.join(format!("stats-{instance}.json")));
        let log = DecisionLog::new(sink, self.clock.unwrap_or_else(|| Box::new(SystemClock)));
        #[cfg(any(test, feature = "fault-injection"))]
        let injected = self.backend;
        #[cfg(not(any(test, feature = "fault-injection")))]
        let injected: Option<Box<dyn Backend>> = None;
        let (backend, fallback) = match (policy, injected) {
            (GpuPolicy::Off, _) => (
                None,
                Some(("gpu_off".to_owned(), "GATE_GPU=off".to_owned())),
            ),
            (_, Some(backend)) => (Some(backend), None),
            (_, None) => match open_cuda() {
                Ok(backend) => (Some(backend), None),
                Err((code, reason_code, reason)) => {
                    if policy == GpuPolicy::Required {
                        return Err(RuntimeError::GpuRequired { code, reason });
                    }
                    (None, Some((reason_code, reason)))
                }
            },
        };
        Ok(Runtime {
            policy,
            backend,
            fallback,
            stats_path,
            shadow_fraction: self.shadow_fraction,
            state: Mutex::new(State {
                rails: Rails::new(self.rails),
                stats: Stats::new(),
                calls: Default::default(),
            }),
            log,
        })
    }
}

/// Probes and opens the CUDA backend, or says why not: (code, reason code, sentence).
fn open_cuda() -> Result<Box<dyn Backend>, (StatusCode, String, String)> {
    let probe = crate::cuda::probe();
    let crate::cuda::Probe::Present { driver, devices } = probe else {
        let code = match probe {
            crate::cuda::Probe::Failed { .. } => StatusCode::DriverError,
            _ => StatusCode::Unsupported,
        };
        return Err((
            code,
            probe.fallback_code().unwrap_or("driver_error").to_owned(),
            probe.describe(),
        ));
    };
    let device = &devices[0];
    crate::cuda::CudaBackend::open(device.ordinal, *driver, device.compute_capability)
        .map(|b| Box::new(b) as Box<dyn Backend>)
        .map_err(|e| {
            let reason_code = e
                .message
                .split(':')
                .next()
                .unwrap_or("load_failed")
                .to_owned();
            let mut sentence = e.to_string();
            if let Some(log) = &e.jit_log {
                sentence.push_str(&format!("; JIT log: {log}"));
            }
            (e.code, reason_code, sentence)
        })
}

/// Runtimes created in this process, to name their files apart.
static INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(path) = &self.stats_path {
            // Best effort: a stats file that cannot be written must not fail the program.
            let _ = gate_support::atomic::write(path, self.stats_json().as_bytes());
        }
    }
}

struct State {
    rails: Rails,
    stats: Stats,
    /// Calls per kernel so far (for deterministic shadow sampling).
    calls: std::collections::BTreeMap<KernelId, u64>,
}

/// The runtime. Cheap to share (`&Runtime` is `Sync`); per-kernel state is behind a mutex.
pub struct Runtime {
    policy: GpuPolicy,
    /// Where the stats are written when the runtime is dropped (under `GATE_RUN_DIR`).
    stats_path: Option<std::path::PathBuf>,
    backend: Option<Box<dyn Backend>>,
    /// Why there is no backend: (reason code, sentence).
    fallback: Option<(String, String)>,
    shadow_fraction: f64,
    state: Mutex<State>,
    log: DecisionLog,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("policy", &self.policy)
            .field("backend", &self.backend)
            .field("fallback", &self.fallback)
            .finish_non_exhaustive()
    }
}

/// Small inputs with known answers, for the self-test that decides whether a rolled-back
/// kernel may return to the GPU.
fn self_test_call(kernel: KernelId, run: &mut dyn FnMut(&mut Call<'_>) -> bool) -> bool {
    let x: Vec<f32> = (0..300).map(|i| (i % 7) as f32 - 3.0).collect();
    match kernel {
        KernelId::Saxpy => {
            let mut y = vec![1.0f32; 300];
            run(&mut Call::Saxpy {
                a: 2.0,
                x: &x,
                y: &mut y,
            })
        }
        KernelId::ReduceSum => {
            let mut out = 0.0f32;
            run(&mut Call::ReduceSum {
                x: &x,
                out: &mut out,
            })
        }
        KernelId::SoftmaxRows => {
            let mut y = vec![0.0f32; 300];
            run(&mut Call::SoftmaxRows {
                rows: 3,
                cols: 100,
                x: &x,
                y: &mut y,
            })
        }
        KernelId::Sgemm => {
            let mut c = vec![1.0f32; 20 * 10];
            run(&mut Call::Sgemm {
                m: 20,
                n: 10,
                k: 15,
                alpha: 1.0,
                a: &x[..300],
                b: &x[..150],
                beta: 0.5,
                c: &mut c,
            })
        }
        KernelId::Histogram => {
            let values: Vec<u32> = (0..300).collect();
            let mut bins = vec![0u32; 7];
            run(&mut Call::Histogram {
                values: &values,
                bins: &mut bins,
            })
        }
    }
}

impl Runtime {
    /// A builder with the defaults: policy from `GATE_GPU` (else auto), default rails, no
    /// shadow verification, no decision sink.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder {
            policy: None,
            rails: RailsConfig::default(),
            shadow_fraction: 0.0,
            sink: None,
            clock: None,
            #[cfg(any(test, feature = "fault-injection"))]
            backend: None,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> GpuPolicy {
        self.policy
    }

    /// Whether a GPU backend is in use.
    pub fn has_gpu(&self) -> bool {
        self.backend.is_some()
    }

    /// Why there is no GPU backend (reason code, sentence), if there is none.
    pub fn fallback_reason(&self) -> Option<(&str, &str)> {
        self.fallback
            .as_ref()
            .map(|(c, s)| (c.as_str(), s.as_str()))
    }

    /// Run stats as JSON.
    pub fn stats_json(&self) -> String {
        self.lock().stats.to_json()
    }

    /// Run stats in Prometheus text exposition format.
    pub fn prometheus(&self) -> String {
        self.lock().stats.to_prometheus()
    }

    /// Decision-log sink write errors so far (a failing sink never fails a call).
    pub fn decision_write_errors(&self) -> u64 {
        self.log.write_errors()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn mode(&self) -> &'static str {
        self.policy.as_str()
    }

    fn decide(&self, kernel: KernelId, event: Event, ran: Ran, status: StatusCode) -> Decision {
        Decision {
            seq: 0,
            timestamp: String::new(),
            kernel: kernel.name().to_owned(),
            event,
            mode: self.mode().to_owned(),
            backend: match ran {
                Ran::Gpu => "gpu",
                Ran::Cpu => "cpu",
            }
            .to_owned(),
            fallback: None,
            contract: None,
            graph_break: None,
            fingerprint: self.backend.as_ref().map(|b| b.fingerprint(kernel)),
            status,
            detail: None,
        }
    }

    /// `y = a·x + y`.
    pub fn saxpy(&self, a: f32, x: &[f32], y: &mut [f32]) -> Result<CallReport, RuntimeError> {
        self.call(&mut Call::Saxpy { a, x, y })
    }

    /// The deterministic sum of `x`.
    pub fn reduce_sum(&self, x: &[f32]) -> Result<(f32, CallReport), RuntimeError> {
        let mut out = 0.0;
        let report = self.call(&mut Call::ReduceSum { x, out: &mut out })?;
        Ok((out, report))
    }

    /// Row-wise softmax.
    pub fn softmax_rows(
        &self,
        rows: usize,
        cols: usize,
        x: &[f32],
        y: &mut [f32],
    ) -> Result<CallReport, RuntimeError> {
        self.call(&mut Call::SoftmaxRows { rows, cols, x, y })
    }

    /// `C = alpha·A·B + beta·C`.
    #[expect(
        clippy::too_many_arguments,
        reason = "the BLAS signature, in its usual order"
    )]
    pub fn sgemm(
        &self,
        m: usize,
        n: usize,
        k: usize,
        alpha: f32,
        a: &[f32],
        b: &[f32],
        beta: f32,
        c: &mut [f32],
    ) -> Result<CallReport, RuntimeError> {
        self.call(&mut Call::Sgemm {
            m,
            n,
            k,
            alpha,
            a,
            b,
            beta,
            c,
        })
    }

    /// Adds a histogram of `values` (bin = value % bins.len()) into `bins`.
    pub fn histogram(&self, values: &[u32], bins: &mut [u32]) -> Result<CallReport, RuntimeError> {
        self.call(&mut Call::Histogram { values, bins })
    }

    /// Runs one call. See the module docs for the path it takes.
    pub fn call(&self, call: &mut Call<'_>) -> Result<CallReport, RuntimeError> {
        let kernel = call.kernel();
        let start = Instant::now();
        if let Err(error) = call.validate() {
            let mut d = self.decide(
                kernel,
                Event::ContractViolation,
                Ran::Cpu,
                StatusCode::InvalidArgument,
            );
            d.contract = Some(error.to_string());
            self.log.record(d);
            self.record_stats(
                kernel,
                StatsBackend::Cpu,
                StatusCode::InvalidArgument,
                elapsed_ns(start),
                0,
            );
            return Err(RuntimeError::InvalidArgument {
                kernel: kernel.name(),
                error,
            });
        }
        let report = self.dispatch(kernel, call)?;
        let latency = elapsed_ns(start);
        self.record_stats(
            kernel,
            match report.ran {
                Ran::Gpu => StatsBackend::Gpu,
                Ran::Cpu => StatsBackend::Cpu,
            },
            report.status,
            latency,
            call.bytes(),
        );
        Ok(report)
    }

    /// Records one call in the stats; the status decides the fallback and guard-miss flags.
    fn record_stats(
        &self,
        kernel: KernelId,
        backend: StatsBackend,
        status: StatusCode,
        latency_ns: u64,
        bytes: u64,
    ) {
        self.lock().stats.record_call(
            kernel.name(),
            call_record(backend, status, latency_ns, bytes),
        );
    }

    fn cpu(
        &self,
        kernel: KernelId,
        call: &mut Call<'_>,
        status: StatusCode,
        fallback: Option<String>,
    ) -> Result<CallReport, RuntimeError> {
        call.run_cpu()
            .map_err(|error| RuntimeError::InvalidArgument {
                kernel: kernel.name(),
                error,
            })?;
        Ok(CallReport {
            ran: Ran::Cpu,
            status,
            fallback,
        })
    }

    fn dispatch(&self, kernel: KernelId, call: &mut Call<'_>) -> Result<CallReport, RuntimeError> {
        let Some(backend) = &self.backend else {
            // No GPU: by policy (off) or because there is none (auto).
            let (code, _) = self.fallback.clone().unwrap_or_default();
            let status = if self.policy == GpuPolicy::Off {
                StatusCode::Ok
            } else {
                StatusCode::Fallback
            };
            let fallback = (self.policy != GpuPolicy::Off).then_some(code.clone());
            self.log.record_with(|| {
                let event = if fallback.is_some() {
                    Event::Fallback
                } else {
                    Event::BackendChoice
                };
                let mut d = self.decide(kernel, event, Ran::Cpu, status);
                d.fallback = fallback.clone();
                d
            });
            return self.cpu(kernel, call, status, fallback);
        };
        let route = self.lock().rails.rail(kernel.name()).route();
        match route {
            Route::Cpu { reason } => {
                let code = reason.as_str().to_owned();
                if self.policy == GpuPolicy::Required {
                    return Err(RuntimeError::GpuRequired {
                        code: StatusCode::Fallback,
                        reason: format!("{} is on the CPU ({code})", kernel.name()),
                    });
                }
                let mut d = self.decide(kernel, Event::Fallback, Ran::Cpu, StatusCode::Fallback);
                d.fallback = Some(code.clone());
                self.log.record(d);
                if let RouteReason::CoolingDown { .. } = reason {
                    // Nothing more to record: the rail counts the call down itself.
                }
                self.cpu(kernel, call, StatusCode::Fallback, Some(code))
            }
            Route::SelfTest => {
                let passed = self_test_call(kernel, &mut |probe_call| {
                    self.gpu_matches_cpu(backend.as_ref(), probe_call)
                });
                let transition = self
                    .lock()
                    .rails
                    .rail(kernel.name())
                    .record_self_test(passed);
                let mut d = self.decide(
                    kernel,
                    Event::SelfTest,
                    Ran::Gpu,
                    if passed {
                        StatusCode::Ok
                    } else {
                        StatusCode::GuardMiss
                    },
                );
                d.detail = Some(format!(
                    "known-answer self-test {}",
                    if passed { "passed" } else { "failed" }
                ));
                self.log.record(d);
                self.note_transition(kernel, &transition);
                if passed {
                    self.gpu(kernel, backend.as_ref(), call)
                } else {
                    let mut d =
                        self.decide(kernel, Event::Fallback, Ran::Cpu, StatusCode::Fallback);
                    d.fallback = Some("rolled_back".into());
                    self.log.record(d);
                    self.cpu(
                        kernel,
                        call,
                        StatusCode::Fallback,
                        Some("rolled_back".into()),
                    )
                }
            }
            Route::Gpu => self.gpu(kernel, backend.as_ref(), call),
        }
    }

    /// Runs `call` on the backend and on the CPU and compares (self-tests).
    fn gpu_matches_cpu(&self, backend: &dyn Backend, call: &mut Call<'_>) -> bool {
        let before = call.output();
        if backend.run(call).is_err() {
            return false;
        }
        let got = call.output();
        match call.expected(&before) {
            Ok(want) => got.matches(&want, call.kernel().tolerance()).is_ok(),
            Err(_) => false,
        }
    }

    fn shadow_sampled(&self, kernel: KernelId) -> bool {
        let mut state = self.lock();
        let i = state.calls.entry(kernel).or_insert(0);
        let n = *i;
        *i += 1;
        let f = self.shadow_fraction;
        f > 0.0 && ((n + 1) as f64 * f).floor() > (n as f64 * f).floor()
    }

    fn gpu(
        &self,
        kernel: KernelId,
        backend: &dyn Backend,
        call: &mut Call<'_>,
    ) -> Result<CallReport, RuntimeError> {
        let shadow = self.shadow_sampled(kernel);
        let before = call.output();
        match backend.run(call) {
            Ok(()) => {
                if shadow {
                    let got = call.output();
                    let want =
                        call.expected(&before)
                            .map_err(|error| RuntimeError::InvalidArgument {
                                kernel: kernel.name(),
                                error,
                            })?;
                    if let Err(mismatch) = got.matches(&want, kernel.tolerance()) {
                        call.set_output(&want);
                        let transition = self
                            .lock()
                            .rails
                            .rail(kernel.name())
                            .record(Outcome::GuardMiss);
                        let mut d =
                            self.decide(kernel, Event::GuardMiss, Ran::Cpu, StatusCode::GuardMiss);
                        d.detail = Some(mismatch);
                        self.log.record(d);
                        self.note_transition(kernel, &transition);
                        return Ok(CallReport {
                            ran: Ran::Cpu,
                            status: StatusCode::GuardMiss,
                            fallback: Some("guard_miss".into()),
                        });
                    }
                }
                let transition = self
                    .lock()
                    .rails
                    .rail(kernel.name())
                    .record(Outcome::Success);
                self.log.record_with(|| {
                    self.decide(kernel, Event::BackendChoice, Ran::Gpu, StatusCode::Ok)
                });
                self.note_transition(kernel, &transition);
                Ok(CallReport {
                    ran: Ran::Gpu,
                    status: StatusCode::Ok,
                    fallback: None,
                })
            }
            Err(err) => self.gpu_failed(kernel, call, &before, err),
        }
    }

    fn gpu_failed(
        &self,
        kernel: KernelId,
        call: &mut Call<'_>,
        before: &Output,
        err: BackendError,
    ) -> Result<CallReport, RuntimeError> {
        let transition = if err.poisons_context() {
            let poisoned = self.lock().rails.poison_all();
            let mut d = self.decide(
                kernel,
                Event::Poisoned,
                Ran::Cpu,
                StatusCode::ContextPoisoned,
            );
            d.detail = Some(format!(
                "{err}; every kernel rolled back: {}",
                poisoned.join(", ")
            ));
            self.log.record(d);
            Transition::Poisoned
        } else {
            self.lock()
                .rails
                .rail(kernel.name())
                .record(Outcome::Error(err.code))
        };
        self.lock().stats.record_error(kernel.name(), err.code);
        self.note_transition(kernel, &transition);
        if self.policy == GpuPolicy::Required {
            return Err(RuntimeError::GpuRequired {
                code: err.code,
                reason: err.to_string(),
            });
        }
        // The backend may have written part of the output: start the CPU run from the
        // buffer as the caller passed it.
        call.set_output(before);
        let code = err.code.as_str().to_owned();
        let mut d = self.decide(kernel, Event::Fallback, Ran::Cpu, StatusCode::Fallback);
        d.fallback = Some(code.clone());
        d.detail = Some(err.to_string());
        self.log.record(d);
        self.cpu(kernel, call, StatusCode::Fallback, Some(code))
    }

    fn note_transition(&self, kernel: KernelId, transition: &Transition) {
        let (event, detail) = match transition {
            Transition::RolledBack {
                failures,
                window,
                rate,
            } => {
                self.lock().stats.record_rollback(kernel.name());
                (
                    Event::Rollback,
                    format!(
                        "{failures} failures in the last {window} GPU calls (rate {rate:.3}): rolled back to the CPU"
                    ),
                )
            }
            Transition::Returned => {
                self.lock().stats.record_return(kernel.name());
                (
                    Event::Return,
                    "self-test passed: back on the GPU".to_owned(),
                )
            }
            Transition::Poisoned => {
                self.lock().stats.record_rollback(kernel.name());
                return;
            }
            _ => return,
        };
        let mut d = self.decide(kernel, event, Ran::Cpu, StatusCode::Ok);
        d.detail = Some(detail);
        self.log.record(d);
    }
}

/// One call for the stats; the status decides the fallback and guard-miss flags.
fn call_record(
    backend: StatsBackend,
    status: StatusCode,
    latency_ns: u64,
    bytes: u64,
) -> CallRecord {
    CallRecord {
        backend,
        fallback: status == StatusCode::Fallback,
        status,
        guard_miss: status == StatusCode::GuardMiss,
        latency_ns,
        bytes,
    }
}

fn elapsed_ns(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}
