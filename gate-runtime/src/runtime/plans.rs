//! Plans through the runtime: contracts checked once per plan, maximal runs of GPU steps
//! handed to the backend as segments (captured once, replayed after), CPU steps between them
//! through the one call path, each split a `graph_break` decision.

use super::{
    CallReport, GpuPolicy, PlanReport, Ran, Runtime, RuntimeError, call_record, elapsed_ns,
};
use crate::backend::SegmentRun;
use crate::decision::Event;
use crate::plan::{Buffers, Plan, Step};
use crate::rails::{Outcome, Transition};
use crate::stats::Backend as StatsBackend;
use crate::status::StatusCode;
use std::time::Instant;

impl Runtime {
    /// Executes a plan: checks every step's contract first (nothing runs when one fails),
    /// then runs maximal runs of GPU steps as one segment each (captured once as a CUDA graph
    /// and replayed on later executions), and steps that must run on the CPU between them —
    /// each such split is a `graph_break` decision.
    pub fn execute(&self, plan: &mut Plan) -> Result<PlanReport, RuntimeError> {
        if !plan.memo.validated {
            self.validate_plan(plan)?;
            plan.memo.validated = true;
        }
        self.execute_valid(plan)
    }

    /// Checks every step's contract; a violation is logged and returned.
    fn validate_plan(&self, plan: &mut Plan) -> Result<(), RuntimeError> {
        for step in &plan.steps {
            let kernel = step.kernel();
            plan.buffers
                .with_call(step, |c| c.validate())
                .and_then(|r| r)
                .map_err(|error| {
                    let mut d = self.decide(
                        kernel,
                        Event::ContractViolation,
                        Ran::Cpu,
                        StatusCode::InvalidArgument,
                    );
                    d.contract = Some(error.to_string());
                    self.log.record(d);
                    RuntimeError::InvalidArgument {
                        kernel: kernel.name(),
                        error,
                    }
                })?;
        }
        Ok(())
    }

    /// [`Runtime::execute`] once the plan's contracts hold.
    fn execute_valid(&self, plan: &mut Plan) -> Result<PlanReport, RuntimeError> {
        let mut report = PlanReport {
            steps: Vec::new(),
            segments: Vec::new(),
            graph_breaks: 0,
        };
        let Some(backend) = &self.backend else {
            for step in plan.steps.clone() {
                let r = plan
                    .buffers
                    .with_call(&step, |c| self.call(c))
                    .expect("validated above")?;
                report.steps.push(r);
            }
            report.segments.push("cpu".into());
            return Ok(report);
        };
        let steps = plan.steps.clone();
        let mut i = 0;
        let mut segment_index = 0;
        while i < steps.len() {
            let on_gpu = |s: &Step| {
                let mut state = self.lock();
                let rail = state.rails.rail(s.kernel().name());
                matches!(rail.state(), crate::rails::RailState::Closed)
            };
            if on_gpu(&steps[i]) {
                let start = i;
                while i < steps.len() && on_gpu(&steps[i]) {
                    i += 1;
                }
                // The key names the plan, the position and the steps themselves, so a plan
                // that splits differently never replays another segment's graph.
                let key = format!(
                    "{}#{segment_index}:{start}-{i}:{}",
                    plan.id,
                    plan.memo.digest(&steps, start, i)
                );
                segment_index += 1;
                let started = Instant::now();
                match backend.run_segment(&key, &mut plan.buffers, &steps[start..i]) {
                    Ok(run) => {
                        report.segments.push(
                            match run {
                                SegmentRun::Captured => "gpu:captured",
                                SegmentRun::Replayed => "gpu:replayed",
                                SegmentRun::Launched => "gpu:launched",
                            }
                            .to_owned(),
                        );
                        let per_step = elapsed_ns(started) / (i - start) as u64;
                        let segment = &steps[start..i];
                        let transitions =
                            self.record_gpu_steps(segment, per_step, &mut plan.buffers);
                        for (step, transition) in segment.iter().zip(transitions) {
                            let kernel = step.kernel();
                            self.note_transition(kernel, &transition);
                            self.log.record_with(|| {
                                self.decide(kernel, Event::BackendChoice, Ran::Gpu, StatusCode::Ok)
                            });
                            report.steps.push(CallReport {
                                ran: Ran::Gpu,
                                status: StatusCode::Ok,
                                fallback: None,
                            });
                        }
                    }
                    Err(err) => {
                        // The segment failed as a unit: its steps run one by one through the
                        // normal call path (which falls back per the policy and rails).
                        let kernel = steps[start].kernel();
                        let transition = if err.poisons_context() {
                            self.lock().rails.poison_all();
                            Transition::Poisoned
                        } else {
                            self.lock()
                                .rails
                                .rail(kernel.name())
                                .record(Outcome::Error(err.code))
                        };
                        self.note_transition(kernel, &transition);
                        if self.policy == GpuPolicy::Required {
                            return Err(RuntimeError::GpuRequired {
                                code: err.code,
                                reason: err.to_string(),
                            });
                        }
                        let mut d =
                            self.decide(kernel, Event::GraphBreak, Ran::Cpu, StatusCode::Fallback);
                        d.graph_break = Some(format!("segment {key} failed: {err}"));
                        self.log.record(d);
                        report.graph_breaks += 1;
                        for step in &steps[start..i] {
                            let r = plan
                                .buffers
                                .with_call(step, |c| self.call(c))
                                .expect("validated above")?;
                            report.steps.push(r);
                        }
                        report.segments.push("cpu".into());
                    }
                }
            } else {
                let step = steps[i];
                let mut d = self.decide(
                    step.kernel(),
                    Event::GraphBreak,
                    Ran::Cpu,
                    StatusCode::Fallback,
                );
                d.graph_break = Some(format!(
                    "step {i} ({}) must run on the CPU: its kernel is rolled back",
                    step.kernel().name()
                ));
                self.log.record(d);
                if i > 0 {
                    report.graph_breaks += 1;
                }
                let r = plan
                    .buffers
                    .with_call(&step, |c| self.call(c))
                    .expect("validated above")?;
                report.steps.push(r);
                report.segments.push("cpu".into());
                i += 1;
            }
        }
        Ok(report)
    }

    /// Records the steps of a segment that ran on the GPU, each a success on its rail and a
    /// call in the stats, under one lock; returns each step's rail transition.
    fn record_gpu_steps(
        &self,
        steps: &[Step],
        latency_ns: u64,
        buffers: &mut Buffers,
    ) -> Vec<Transition> {
        let bytes: Vec<u64> = steps
            .iter()
            .map(|step| buffers.with_call(step, |c| c.bytes()).unwrap_or(0))
            .collect();
        let mut state = self.lock();
        steps
            .iter()
            .zip(bytes)
            .map(|(step, bytes)| {
                let name = step.kernel().name();
                let record = call_record(StatsBackend::Gpu, StatusCode::Ok, latency_ns, bytes);
                state.stats.record_call(name, record);
                state.rails.rail(name).record(Outcome::Success)
            })
            .collect()
    }
}
