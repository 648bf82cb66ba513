//! Runtime tests that need no GPU: the test backend stands in for the device, behind the
//! same trait as the CUDA backend.

use crate::decision::{FixedClock, MemorySink};
use crate::fault::{Fault, FaultBackend, Script};
use crate::rails::RailsConfig;
use crate::*;
use std::sync::{Arc, Mutex};

fn rails() -> RailsConfig {
    RailsConfig {
        window: 8,
        min_calls: 4,
        max_failure_rate: 0.25,
        cooldown_calls: 3,
    }
}

struct Harness {
    rt: Runtime,
    script: Arc<Mutex<Script>>,
    log: Arc<MemorySink>,
}

fn harness(shadow: f64) -> Harness {
    let (backend, script) = FaultBackend::new();
    let log = Arc::new(MemorySink::default());
    let rt = Runtime::builder()
        .policy(GpuPolicy::Auto)
        .rails(rails())
        .shadow_fraction(shadow)
        .decision_sink(Box::new(log.clone()))
        .clock(Box::new(FixedClock("2026-11-20T00:00:00Z".into())))
        .backend(Box::new(backend))
        .build()
        .unwrap();
    Harness { rt, script, log }
}

fn saxpy(rt: &Runtime) -> CallReport {
    let x = [1.0f32, 2.0, 3.0];
    let mut y = [1.0f32; 3];
    let report = rt.saxpy(2.0, &x, &mut y).unwrap();
    assert_eq!(
        y,
        [3.0, 5.0, 7.0],
        "every call's result is right, whatever ran it"
    );
    report
}

#[test]
fn probe_never_panics_and_says_why_there_is_no_gpu() {
    let probe = cuda::probe();
    match probe {
        cuda::Probe::Present { .. } => assert!(probe.fallback_code().is_none()),
        other => {
            assert!(other.fallback_code().is_some());
            assert!(!other.describe().is_empty());
        }
    }
    // Cached: the same value on the next call.
    assert_eq!(cuda::probe(), probe);
}

/// Where the driver library is not installed (this machine and CI; Windows under Wine, which
/// has no `nvcuda.dll`), the probe measures its absence and says which library it looked
/// for: `Absent`, a `no_driver` fallback, never a crash.
#[test]
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn without_the_driver_library_the_probe_says_absent() {
    let library_installed = if cfg!(windows) {
        let system = std::env::var_os("SystemRoot").map(std::path::PathBuf::from);
        system.is_some_and(|s| s.join("System32").join("nvcuda.dll").is_file())
    } else {
        [
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib64",
            "/usr/lib",
            "/usr/local/cuda/lib64",
        ]
        .iter()
        .any(|d| std::path::Path::new(d).join("libcuda.so.1").exists())
    };
    if library_installed {
        println!("skipped: a CUDA driver library is installed here");
        return;
    }
    let probe = cuda::probe();
    assert!(matches!(probe, cuda::Probe::Absent { .. }), "{probe:?}");
    assert_eq!(probe.fallback_code(), Some("no_driver"));
    assert!(probe.describe().contains("nvcuda"), "{}", probe.describe());
}

#[test]
fn policy_off_auto_and_required_without_a_gpu() {
    let off = Runtime::builder().policy(GpuPolicy::Off).build().unwrap();
    assert_eq!(
        saxpy(&off),
        CallReport {
            ran: Ran::Cpu,
            status: StatusCode::Ok,
            fallback: None
        }
    );
    assert_eq!(off.fallback_reason().unwrap().0, "gpu_off");

    if matches!(cuda::probe(), cuda::Probe::Present { .. }) {
        return; // the rest is about machines without a GPU
    }
    let auto = Runtime::builder().policy(GpuPolicy::Auto).build().unwrap();
    let report = saxpy(&auto);
    assert_eq!(report.status, StatusCode::Fallback);
    assert!(report.fallback.is_some());
    let required = Runtime::builder()
        .policy(GpuPolicy::Required)
        .build()
        .unwrap_err();
    assert!(
        required.to_string().contains("GATE_GPU=required but"),
        "{required}"
    );
}

#[test]
fn contract_violations_never_reach_the_device() {
    let h = harness(0.0);
    let mut y = [0.0f32; 2];
    let err = h.rt.saxpy(1.0, &[1.0, 2.0, 3.0], &mut y).unwrap_err();
    assert_eq!(err.code(), StatusCode::InvalidArgument);
    assert!(
        err.to_string().starts_with("invalid_argument: saxpy:"),
        "{err}"
    );
    let mut c = [0.0f32; 4];
    assert!(
        h.rt.sgemm(usize::MAX, 2, 2, 1.0, &[], &[], 0.0, &mut c)
            .is_err()
    );
    assert!(h.rt.histogram(&[1, 2], &mut []).is_err());
    let mut y = [0.0f32; 3];
    assert!(h.rt.softmax_rows(2, 2, &[0.0; 4], &mut y).is_err());
    assert_eq!(h.script.lock().unwrap().calls, 0, "nothing was launched");
    let decisions = h.log.take();
    assert_eq!(decisions.len(), 4);
    assert!(
        decisions
            .iter()
            .all(|d| d.contract.is_some() && d.status == StatusCode::InvalidArgument)
    );
}

#[test]
fn rails_trip_cool_down_self_test_and_return() {
    let h = harness(0.0);
    // Healthy GPU calls.
    for _ in 0..4 {
        assert_eq!(saxpy(&h.rt).ran, Ran::Gpu);
    }
    // The device starts failing: each failed call is answered by the CPU.
    h.script
        .lock()
        .unwrap()
        .always
        .insert(KernelId::Saxpy, Fault::Fail(StatusCode::DriverError));
    let mut reports = Vec::new();
    for _ in 0..2 {
        reports.push(saxpy(&h.rt));
    }
    assert!(
        reports
            .iter()
            .all(|r| r.status == StatusCode::Fallback && r.ran == Ran::Cpu)
    );
    // 2 failures in a window of 6 > 25%: rolled back; the cool-down serves 3 calls on the CPU
    // without touching the device.
    let device_calls = h.script.lock().unwrap().calls;
    for _ in 0..3 {
        assert_eq!(saxpy(&h.rt).fallback.as_deref(), Some("cooling_down"));
    }
    assert_eq!(
        h.script.lock().unwrap().calls,
        device_calls,
        "no device call while cooling down"
    );
    // The self-test runs on the still-broken device, fails, and re-opens the cool-down.
    assert_eq!(saxpy(&h.rt).ran, Ran::Cpu);
    for _ in 0..3 {
        saxpy(&h.rt);
    }
    // The device heals; the next self-test passes and the kernel is back on the GPU.
    h.script.lock().unwrap().always.clear();
    assert_eq!(saxpy(&h.rt).ran, Ran::Gpu);
    assert_eq!(saxpy(&h.rt).ran, Ran::Gpu);
    let events: Vec<String> = h
        .log
        .take()
        .iter()
        .filter(|d| {
            !matches!(
                d.event,
                decision::Event::BackendChoice | decision::Event::Fallback
            )
        })
        .map(|d| format!("{:?}", d.event))
        .collect();
    assert_eq!(events, ["Rollback", "SelfTest", "SelfTest", "Return"]);
    // Other kernels were never affected.
    let x = [1.0f32; 10];
    assert_eq!(h.rt.reduce_sum(&x).unwrap().1.ran, Ran::Gpu);
    let stats: serde_json::Value = serde_json::from_str(&h.rt.stats_json()).unwrap();
    assert_eq!(stats["kernels"]["saxpy"]["rollbacks"], 1);
    assert_eq!(stats["kernels"]["saxpy"]["returns"], 1);
}

#[test]
fn identical_call_sequences_give_identical_decisions() {
    let run = || {
        let h = harness(0.5);
        h.script.lock().unwrap().at_call.extend([
            (2, Fault::Fail(StatusCode::DriverError)),
            (5, Fault::Corrupt),
        ]);
        (0..20).map(|_| saxpy(&h.rt)).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_poisoned_context_rolls_back_every_kernel_at_once() {
    let h = harness(0.0);
    h.script
        .lock()
        .unwrap()
        .at_call
        .insert(0, Fault::Fail(StatusCode::ContextPoisoned));
    assert_eq!(saxpy(&h.rt).status, StatusCode::Fallback);
    let x = [1.0f32; 4];
    let (sum, report) = h.rt.reduce_sum(&x).unwrap();
    assert_eq!((sum, report.ran), (4.0, Ran::Cpu));
    assert_eq!(report.fallback.as_deref(), Some("poisoned"));
    assert_eq!(
        h.script.lock().unwrap().calls,
        1,
        "nothing touched the device after poisoning"
    );
    assert!(
        h.log
            .take()
            .iter()
            .any(|d| d.event == decision::Event::Poisoned)
    );
}

#[test]
fn shadow_verification_catches_a_wrong_gpu_result() {
    let h = harness(1.0);
    h.script
        .lock()
        .unwrap()
        .always
        .insert(KernelId::Saxpy, Fault::Corrupt);
    let report = saxpy(&h.rt); // the helper asserts the caller got the right answer
    assert_eq!(report.status, StatusCode::GuardMiss);
    let misses: Vec<_> = h
        .log
        .take()
        .into_iter()
        .filter(|d| d.event == decision::Event::GuardMiss)
        .collect();
    assert_eq!(misses.len(), 1);
    assert!(
        misses[0]
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("element 0"),
        "{:?}",
        misses[0]
    );
}

#[test]
fn shadow_sampling_is_deterministic_and_off_by_default() {
    let h = harness(0.0);
    h.script
        .lock()
        .unwrap()
        .always
        .insert(KernelId::Saxpy, Fault::Corrupt);
    let x = [1.0f32];
    let mut y = [0.0f32];
    // Without shadow verification a wrong GPU result goes unnoticed: that is what it is for.
    assert_eq!(h.rt.saxpy(1.0, &x, &mut y).unwrap().status, StatusCode::Ok);
    assert_eq!(y, [2.0]);
}

fn pipeline() -> (Plan, BufId) {
    let mut plan = Plan::new("pipeline");
    let x = plan.f32(vec![1.0; 8]);
    let y = plan.f32(vec![0.0; 8]);
    let z = plan.f32(vec![0.0; 8]);
    let sum = plan.f32(vec![0.0]);
    plan.push(Step::Saxpy { a: 2.0, x, y });
    plan.push(Step::ReduceSum { x: y, out: sum });
    plan.push(Step::Saxpy { a: 1.0, x: y, y: z });
    (plan, sum)
}

#[test]
fn plans_capture_once_replay_after_and_split_around_cpu_steps() {
    let h = harness(0.0);
    let (mut plan, sum) = pipeline();
    let first = h.rt.execute(&mut plan).unwrap();
    assert_eq!(first.segments, ["gpu:captured"]);
    assert_eq!(plan.buffers().f32(sum), Some(&[16.0][..]));
    let second = h.rt.execute(&mut plan).unwrap();
    assert_eq!(second.segments, ["gpu:replayed"]);
    assert_eq!(second.graph_breaks, 0);

    // Roll reduce_sum back: the plan splits around it.
    h.script
        .lock()
        .unwrap()
        .always
        .insert(KernelId::ReduceSum, Fault::Fail(StatusCode::DriverError));
    for _ in 0..4 {
        let _ = h.rt.reduce_sum(&[1.0; 4]).unwrap();
    }
    let (mut plan, sum) = pipeline();
    let split = h.rt.execute(&mut plan).unwrap();
    assert_eq!(split.segments, ["gpu:captured", "cpu", "gpu:captured"]);
    assert_eq!(split.graph_breaks, 1);
    assert_eq!(plan.buffers().f32(sum), Some(&[16.0][..]));
    assert!(h.log.take().iter().any(|d| d.graph_break.is_some()));
}

#[test]
fn a_plan_with_a_bad_step_runs_nothing() {
    let h = harness(0.0);
    let mut plan = Plan::new("bad");
    let x = plan.f32(vec![1.0; 3]);
    let y = plan.f32(vec![0.0; 2]);
    plan.push(Step::Saxpy { a: 1.0, x, y });
    assert_eq!(
        h.rt.execute(&mut plan).unwrap_err().code(),
        StatusCode::InvalidArgument
    );
    assert_eq!(h.script.lock().unwrap().calls, 0);
}

#[test]
fn required_mode_turns_device_failures_into_errors() {
    let (backend, script) = FaultBackend::new();
    let rt = Runtime::builder()
        .policy(GpuPolicy::Required)
        .backend(Box::new(backend))
        .build()
        .unwrap();
    script
        .lock()
        .unwrap()
        .always
        .insert(KernelId::Saxpy, Fault::Fail(StatusCode::DriverError));
    let mut y = [0.0f32; 1];
    let err = rt.saxpy(1.0, &[1.0], &mut y).unwrap_err();
    assert_eq!(err.code(), StatusCode::DriverError);
}

#[test]
fn decision_log_schema() {
    let h = harness(1.0);
    saxpy(&h.rt);
    h.script
        .lock()
        .unwrap()
        .always
        .insert(KernelId::Saxpy, Fault::Fail(StatusCode::DriverError));
    saxpy(&h.rt);
    let mut y = [0.0f32; 1];
    let _ = h.rt.saxpy(1.0, &[1.0, 2.0], &mut y);
    let lines: Vec<String> = h
        .log
        .take()
        .iter()
        .map(|d| serde_json::to_string(d).unwrap())
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn prometheus_and_stats_from_a_run() {
    let h = harness(0.0);
    for _ in 0..5 {
        saxpy(&h.rt);
    }
    let prom = h.rt.prometheus();
    assert!(
        prom.contains("# TYPE gate_runtime_calls_total counter"),
        "{prom}"
    );
    assert!(
        prom.contains("gate_runtime_calls_total{kernel=\"saxpy\",backend=\"gpu\"} 5"),
        "{prom}"
    );
    let stats: serde_json::Value = serde_json::from_str(&h.rt.stats_json()).unwrap();
    assert_eq!(stats["kernels"]["saxpy"]["calls"], 5);
    assert_eq!(stats["kernels"]["saxpy"]["gpu_calls"], 5);
}

#[test]
fn a_wrapping_fault_backend_keeps_scripted_failures_from_the_inner_backend() {
    // The inner backend stands in for CUDA; its own script only counts what reached it.
    let (inner, inner_script) = FaultBackend::new();
    let (outer, script) = FaultBackend::wrapping(Arc::new(inner));
    script.lock().unwrap().at_call.extend([
        (0, Fault::Fail(StatusCode::DriverError)),
        (2, Fault::Corrupt),
    ]);
    let rt = Runtime::builder()
        .policy(GpuPolicy::Auto)
        .rails(rails())
        .shadow_fraction(1.0)
        .backend(Box::new(outer))
        .build()
        .unwrap();
    // Call 0 fails before the inner backend; the CPU answers.
    let first = saxpy(&rt);
    assert_eq!((first.ran, first.status), (Ran::Cpu, StatusCode::Fallback));
    assert_eq!(inner_script.lock().unwrap().calls, 0);
    // Call 1 runs on the inner backend.
    assert_eq!(saxpy(&rt).ran, Ran::Gpu);
    assert_eq!(inner_script.lock().unwrap().calls, 1);
    // Call 2 runs there too, and its result is altered afterwards: shadow verification
    // catches it and the caller still gets the CPU reference's answer.
    assert_eq!(saxpy(&rt).status, StatusCode::GuardMiss);
    assert_eq!(inner_script.lock().unwrap().calls, 2);
    // A plan segment with a scripted failure never reaches the inner backend either.
    let (mut plan, sum) = pipeline();
    script
        .lock()
        .unwrap()
        .always
        .insert(KernelId::ReduceSum, Fault::Fail(StatusCode::DriverError));
    let report = rt.execute(&mut plan).unwrap();
    assert_eq!(report.graph_breaks, 1);
    assert_eq!(plan.buffers().f32(sum), Some(&[16.0][..]));
    assert_eq!(inner_script.lock().unwrap().calls, 2);
    assert!(inner_script.lock().unwrap().captured.is_empty());
    // Without faults a segment is captured by the inner backend (a reduce-only plan: the
    // saxpy rail has tripped on calls 0 and 2).
    script.lock().unwrap().always.clear();
    let mut plan = Plan::new("reduce");
    let x = plan.f32(vec![1.0; 8]);
    let sum = plan.f32(vec![0.0]);
    plan.push(Step::ReduceSum { x, out: sum });
    assert_eq!(rt.execute(&mut plan).unwrap().segments, ["gpu:captured"]);
    assert_eq!(plan.buffers().f32(sum), Some(&[8.0][..]));
    assert_eq!(inner_script.lock().unwrap().captured.len(), 1);
}
