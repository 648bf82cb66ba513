//! Run stats per kernel: call counters and a real latency histogram, exported as JSON or as
//! Prometheus text.
//!
//! Latencies go into an HDR histogram (nanoseconds, 3 significant figures, auto-resizing), so
//! percentiles are accurate to 0.1% over any range without choosing buckets up front. The exact
//! sum and maximum are kept beside it, so means, throughput and `max` are exact.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::status::StatusCode;

/// Where a call actually ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// On the GPU.
    Gpu,
    /// On the CPU reference.
    Cpu,
}

impl Backend {
    /// `"gpu"` or `"cpu"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Gpu => "gpu",
            Backend::Cpu => "cpu",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened in one call, as fed to [`Stats::record_call`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRecord {
    /// Where the call ran.
    pub backend: Backend,
    /// The call ran on the CPU because the GPU was not usable (no driver, rolled back, poisoned,
    /// ...), not because the CPU was requested.
    pub fallback: bool,
    /// The call's status. Every code other than `Ok` and `Fallback` is counted as an error.
    pub status: StatusCode,
    /// Shadow verification found the GPU result differs from the CPU reference.
    pub guard_miss: bool,
    /// Wall-clock latency of the call in nanoseconds.
    pub latency_ns: u64,
    /// Bytes the call processed (inputs plus outputs), for throughput.
    pub bytes: u64,
}

/// Counters and histogram of one kernel.
#[derive(Debug, Clone)]
struct KernelStats {
    calls: u64,
    gpu_calls: u64,
    cpu_calls: u64,
    fallbacks: u64,
    errors: BTreeMap<StatusCode, u64>,
    guard_misses: u64,
    rollbacks: u64,
    returns: u64,
    bytes: u64,
    latency: Histogram<u64>,
    /// Exact, because the histogram only knows values to 3 significant figures.
    latency_sum_ns: u128,
    latency_max_ns: u64,
}

impl KernelStats {
    fn new() -> KernelStats {
        KernelStats {
            calls: 0,
            gpu_calls: 0,
            cpu_calls: 0,
            fallbacks: 0,
            errors: BTreeMap::new(),
            guard_misses: 0,
            rollbacks: 0,
            returns: 0,
            bytes: 0,
            // `new` starts tiny and auto-resizes, so any latency fits without a configured bound.
            latency: Histogram::new(3).expect("3 significant figures is a valid precision"),
            latency_sum_ns: 0,
            latency_max_ns: 0,
        }
    }

    fn record(&mut self, call: &CallRecord) {
        self.calls += 1;
        match call.backend {
            Backend::Gpu => self.gpu_calls += 1,
            Backend::Cpu => self.cpu_calls += 1,
        }
        if call.fallback {
            self.fallbacks += 1;
        }
        // A fallback is a served call, not a failure; it has its own counter.
        if !matches!(call.status, StatusCode::Ok | StatusCode::Fallback) {
            *self.errors.entry(call.status).or_insert(0) += 1;
        }
        if call.guard_miss || call.status == StatusCode::GuardMiss {
            self.guard_misses += 1;
        }
        self.bytes = self.bytes.saturating_add(call.bytes);
        if self.latency.record(call.latency_ns).is_err() {
            // Only possible if growing the histogram fails; clamping keeps the count right.
            self.latency.saturating_record(call.latency_ns);
        }
        self.latency_sum_ns += u128::from(call.latency_ns);
        self.latency_max_ns = self.latency_max_ns.max(call.latency_ns);
    }

    fn latency_sum_seconds(&self) -> f64 {
        self.latency_sum_ns as f64 / 1e9
    }

    fn fallback_rate(&self) -> f64 {
        ratio(self.fallbacks as f64, self.calls as f64)
    }

    /// Bytes per nanosecond is gigabytes (10^9 bytes) per second.
    fn throughput_gb_s(&self) -> f64 {
        ratio(self.bytes as f64, self.latency_sum_ns as f64)
    }

    /// A quantile in nanoseconds, capped at the exact maximum: the histogram reports the top of
    /// the value's bucket, which can lie above anything recorded.
    fn quantile_ns(&self, quantile: f64) -> u64 {
        if self.latency.is_empty() {
            return 0;
        }
        self.latency
            .value_at_quantile(quantile)
            .min(self.latency_max_ns)
    }

    fn snapshot(&self) -> KernelSnapshot {
        let us = |ns: u64| ns as f64 / 1e3;
        KernelSnapshot {
            calls: self.calls,
            gpu_calls: self.gpu_calls,
            cpu_calls: self.cpu_calls,
            fallbacks: self.fallbacks,
            fallback_rate: self.fallback_rate(),
            errors: self
                .errors
                .iter()
                .map(|(code, count)| (code.as_str().to_owned(), *count))
                .collect(),
            guard_misses: self.guard_misses,
            rollbacks: self.rollbacks,
            returns: self.returns,
            bytes: self.bytes,
            throughput_gb_s: self.throughput_gb_s(),
            latency: LatencySnapshot {
                p50_us: us(self.quantile_ns(0.50)),
                p95_us: us(self.quantile_ns(0.95)),
                p99_us: us(self.quantile_ns(0.99)),
                max_us: us(self.latency_max_ns),
                mean_us: ratio(self.latency_sum_ns as f64, self.latency.len() as f64) / 1e3,
                count: self.latency.len(),
            },
        }
    }
}

/// `numerator / denominator`, or 0 when there is nothing to divide by (never NaN, which JSON
/// cannot carry).
fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

/// Run stats of every kernel, keyed by kernel id.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Ordered so every export lists kernels in the same order.
    kernels: BTreeMap<String, KernelStats>,
}

impl Stats {
    /// No kernels recorded yet.
    pub fn new() -> Stats {
        Stats::default()
    }

    fn kernel(&mut self, kernel: &str) -> &mut KernelStats {
        // Look up before inserting so the hot path (a known kernel) does not allocate a key.
        if !self.kernels.contains_key(kernel) {
            self.kernels.insert(kernel.to_owned(), KernelStats::new());
        }
        self.kernels
            .get_mut(kernel)
            .expect("the kernel was inserted just above")
    }

    /// Records one call of `kernel`.
    pub fn record_call(&mut self, kernel: &str, call: CallRecord) {
        self.kernel(kernel).record(&call);
    }

    /// Counts an error that is not the status of a recorded call: typically a failed GPU attempt
    /// whose call was then served by the CPU (that call is recorded with status `Fallback`, so
    /// the GPU's error would otherwise be lost). `Ok` and `Fallback` are not errors and are
    /// ignored; only the error counts change, not `calls` or `guard_misses`.
    pub fn record_error(&mut self, kernel: &str, status: StatusCode) {
        let stats = self.kernel(kernel);
        if !matches!(status, StatusCode::Ok | StatusCode::Fallback) {
            *stats.errors.entry(status).or_insert(0) += 1;
        }
    }

    /// Records that `kernel`'s rail rolled back to the CPU.
    pub fn record_rollback(&mut self, kernel: &str) {
        self.kernel(kernel).rollbacks += 1;
    }

    /// Records that a self-test returned `kernel` to the GPU.
    pub fn record_return(&mut self, kernel: &str) {
        self.kernel(kernel).returns += 1;
    }

    /// A serializable copy of every kernel's stats.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            schema_version: StatsSnapshot::SCHEMA_VERSION,
            kernels: self
                .kernels
                .iter()
                .map(|(kernel, stats)| (kernel.clone(), stats.snapshot()))
                .collect(),
        }
    }

    /// The snapshot as pretty-printed JSON with stable field names (see [`StatsSnapshot`]).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.snapshot())
            .expect("a snapshot has string keys and finite numbers only, so it always serializes")
    }

    /// The stats in the Prometheus text exposition format 0.0.4.
    ///
    /// Every metric family is named `gate_runtime_*`, carries `# HELP` and `# TYPE` lines, and
    /// has a `kernel` label; counters end in `_total` and latency is a `summary` in seconds.
    /// Families are written even when they have no samples, so the layout does not depend on
    /// what happened.
    pub fn to_prometheus(&self) -> String {
        let mut text = Exposition::default();
        let kernels = &self.kernels;

        text.family(
            "gate_runtime_calls_total",
            "counter",
            "Calls per kernel, by the backend that ran them.",
        );
        for (kernel, stats) in kernels {
            text.sample("", kernel, &[("backend", "gpu")], stats.gpu_calls);
            text.sample("", kernel, &[("backend", "cpu")], stats.cpu_calls);
        }
        text.per_kernel(
            kernels,
            "gate_runtime_fallbacks_total",
            "counter",
            "Calls served by the CPU reference because the GPU was not usable.",
            |stats| stats.fallbacks,
        );
        text.per_kernel(
            kernels,
            "gate_runtime_fallback_ratio",
            "gauge",
            "Fallbacks divided by calls.",
            KernelStats::fallback_rate,
        );
        text.family(
            "gate_runtime_errors_total",
            "counter",
            "Calls that ended with an error, by status code.",
        );
        for (kernel, stats) in kernels {
            for (code, count) in &stats.errors {
                text.sample("", kernel, &[("code", code.as_str())], *count);
            }
        }
        text.per_kernel(
            kernels,
            "gate_runtime_guard_misses_total",
            "counter",
            "GPU results that differed from the CPU reference beyond tolerance.",
            |stats| stats.guard_misses,
        );
        text.per_kernel(
            kernels,
            "gate_runtime_rollbacks_total",
            "counter",
            "Times a kernel was rolled back to the CPU by its rail.",
            |stats| stats.rollbacks,
        );
        text.per_kernel(
            kernels,
            "gate_runtime_returns_total",
            "counter",
            "Times a self-test returned a kernel to the GPU.",
            |stats| stats.returns,
        );
        text.per_kernel(
            kernels,
            "gate_runtime_bytes_total",
            "counter",
            "Bytes processed by calls.",
            |stats| stats.bytes,
        );
        text.per_kernel(
            kernels,
            "gate_runtime_throughput_bytes_per_second",
            "gauge",
            "Bytes processed divided by the total latency of the calls.",
            |stats| stats.throughput_gb_s() * 1e9,
        );
        text.family(
            "gate_runtime_latency_seconds",
            "summary",
            "Call latency in seconds.",
        );
        for (kernel, stats) in kernels {
            for (quantile, label) in [(0.5, "0.5"), (0.95, "0.95"), (0.99, "0.99")] {
                let seconds = stats.quantile_ns(quantile) as f64 / 1e9;
                text.sample("", kernel, &[("quantile", label)], seconds);
            }
            text.sample("_sum", kernel, &[], stats.latency_sum_seconds());
            text.sample("_count", kernel, &[], stats.latency.len());
        }
        text.out
    }
}

/// Builds exposition text one family at a time, so a family's samples always follow its header.
#[derive(Debug, Default)]
struct Exposition {
    out: String,
    /// The family whose samples are being written.
    family: &'static str,
}

impl Exposition {
    fn family(&mut self, name: &'static str, kind: &str, help: &str) {
        self.family = name;
        // Writing into a String cannot fail.
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    /// One sample of the current family; `suffix` is `_sum`/`_count` for summaries.
    fn sample(
        &mut self,
        suffix: &str,
        kernel: &str,
        labels: &[(&str, &str)],
        value: impl fmt::Display,
    ) {
        let _ = write!(
            self.out,
            "{}{suffix}{{kernel=\"{}\"",
            self.family,
            escape_label_value(kernel)
        );
        for (name, label_value) in labels {
            let _ = write!(self.out, ",{name}=\"{}\"", escape_label_value(label_value));
        }
        // f64's Display never uses exponents or NaN here (values are finite), which the
        // format's Go-style float parser accepts.
        let _ = writeln!(self.out, "}} {value}");
    }

    /// A family with one sample per kernel.
    fn per_kernel<V: fmt::Display>(
        &mut self,
        kernels: &BTreeMap<String, KernelStats>,
        name: &'static str,
        kind: &str,
        help: &str,
        value: impl Fn(&KernelStats) -> V,
    ) {
        self.family(name, kind, help);
        for (kernel, stats) in kernels {
            self.sample("", kernel, &[], value(stats));
        }
    }
}

/// Escapes a label value as the exposition format requires: backslash, double quote, newline.
fn escape_label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

pub use gate_formats::runtime_stats::{KernelSnapshot, LatencySnapshot, StatsSnapshot};

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    fn call(backend: Backend, status: StatusCode, latency_ns: u64, bytes: u64) -> CallRecord {
        CallRecord {
            backend,
            fallback: false,
            status,
            guard_miss: false,
            latency_ns,
            bytes,
        }
    }

    /// A small, fixed set of stats with no clock involved, so exports are byte-stable.
    fn fixed_stats() -> Stats {
        let mut stats = Stats::new();
        for i in 1..=4 {
            stats.record_call(
                "saxpy",
                call(Backend::Gpu, StatusCode::Ok, i * 250_000, 4_000_000),
            );
        }
        stats.record_call(
            "saxpy",
            CallRecord {
                fallback: true,
                ..call(Backend::Cpu, StatusCode::Fallback, 2_000_000, 4_000_000)
            },
        );
        stats.record_call(
            "saxpy",
            CallRecord {
                guard_miss: true,
                ..call(Backend::Gpu, StatusCode::GuardMiss, 500_000, 4_000_000)
            },
        );
        stats.record_call(
            "saxpy",
            call(Backend::Gpu, StatusCode::DriverError, 100_000, 0),
        );
        stats.record_rollback("saxpy");
        stats.record_return("saxpy");
        stats.record_call(
            "sgemm \"tiled\"",
            call(Backend::Cpu, StatusCode::Ok, 3_000, 12_000),
        );
        stats.record_call(
            "sgemm \"tiled\"",
            call(Backend::Cpu, StatusCode::InvalidArgument, 0, 0),
        );
        stats
    }

    #[test]
    fn percentiles_match_a_uniform_distribution() {
        let mut stats = Stats::new();
        for us in 1..=10_000u64 {
            stats.record_call("k", call(Backend::Gpu, StatusCode::Ok, us * 1_000, 0));
        }
        let latency = stats.snapshot().kernels["k"].latency.clone();
        // 3 significant figures: each value is known to within 0.1% of itself.
        let close = |actual: f64, expected: f64| (actual - expected).abs() <= expected * 1e-3;
        assert!(close(latency.p50_us, 5_000.0), "p50 {}", latency.p50_us);
        assert!(close(latency.p95_us, 9_500.0), "p95 {}", latency.p95_us);
        assert!(close(latency.p99_us, 9_900.0), "p99 {}", latency.p99_us);
        assert_eq!(latency.max_us, 10_000.0);
        assert_eq!(latency.mean_us, 5_000.5);
        assert_eq!(latency.count, 10_000);
    }

    #[test]
    fn percentiles_cover_wide_ranges_and_never_exceed_the_max() {
        let mut stats = Stats::new();
        // From 1 ns to ~17 minutes: the histogram resizes instead of clamping.
        for ns in [1, 10, 1_000, 1_000_000, 1_000_000_000, 1_000_000_000_000] {
            stats.record_call("k", call(Backend::Gpu, StatusCode::Ok, ns, 0));
        }
        let latency = stats.snapshot().kernels["k"].latency.clone();
        assert_eq!(latency.max_us, 1e9);
        assert_eq!(
            latency.p99_us, 1e9,
            "the top value is reported exactly, not its bucket"
        );
        assert!(close_rel(latency.p50_us, 1.0), "p50 {}", latency.p50_us);
    }

    fn close_rel(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() <= expected * 1e-3
    }

    #[test]
    fn empty_kernel_reports_zeros_not_nan() {
        let mut stats = Stats::new();
        stats.record_rollback("k");
        let kernel = &stats.snapshot().kernels["k"];
        assert_eq!(kernel.rollbacks, 1);
        assert_eq!(kernel.fallback_rate, 0.0);
        assert_eq!(kernel.throughput_gb_s, 0.0);
        assert_eq!(kernel.latency.p50_us, 0.0);
        assert_eq!(kernel.latency.mean_us, 0.0);
        assert!(!stats.to_json().contains("null"));
    }

    #[test]
    fn counters_follow_the_records() {
        let snapshot = fixed_stats().snapshot();
        assert_eq!(snapshot.schema_version, 1);
        let saxpy = &snapshot.kernels["saxpy"];
        assert_eq!((saxpy.calls, saxpy.gpu_calls, saxpy.cpu_calls), (7, 6, 1));
        assert_eq!(saxpy.fallbacks, 1);
        assert_eq!(saxpy.fallback_rate, 1.0 / 7.0);
        let errors: BTreeMap<String, u64> =
            [("driver_error".to_owned(), 1), ("guard_miss".to_owned(), 1)].into();
        assert_eq!(saxpy.errors, errors);
        assert_eq!(saxpy.guard_misses, 1);
        assert_eq!((saxpy.rollbacks, saxpy.returns), (1, 1));
        assert_eq!(saxpy.bytes, 24_000_000);
        // 24 MB over 5.1 ms.
        assert_eq!(saxpy.throughput_gb_s, 24_000_000.0 / 5_100_000.0);
        assert_eq!(saxpy.latency.max_us, 2_000.0);
        let sgemm = &snapshot.kernels["sgemm \"tiled\""];
        assert_eq!(sgemm.errors["invalid_argument"], 1);
        assert_eq!(sgemm.fallbacks, 0);
    }

    #[test]
    fn record_error_counts_errors_only() {
        let mut stats = Stats::new();
        stats.record_error("k", StatusCode::DriverError);
        stats.record_error("k", StatusCode::DriverError);
        stats.record_error("k", StatusCode::Ok);
        stats.record_error("k", StatusCode::Fallback);
        stats.record_call(
            "k",
            CallRecord {
                fallback: true,
                ..call(Backend::Cpu, StatusCode::Fallback, 1_000, 0)
            },
        );
        let kernel = &stats.snapshot().kernels["k"];
        assert_eq!(kernel.errors, [("driver_error".to_owned(), 2)].into());
        assert_eq!(
            (kernel.calls, kernel.fallbacks, kernel.guard_misses),
            (1, 1, 0)
        );
    }

    #[test]
    fn json_round_trips_through_serde() {
        let stats = fixed_stats();
        let json = stats.to_json();
        let back: StatsSnapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, stats.snapshot());
        assert_eq!(serde_json::to_string_pretty(&back).unwrap(), json);
    }

    #[test]
    fn json_field_names_are_stable() {
        let mut stats = Stats::new();
        stats.record_call("saxpy", call(Backend::Gpu, StatusCode::Ok, 2_000, 8_000));
        stats.record_call(
            "saxpy",
            CallRecord {
                fallback: true,
                ..call(Backend::Cpu, StatusCode::Fallback, 6_000, 8_000)
            },
        );
        stats.record_call("saxpy", call(Backend::Gpu, StatusCode::DriverError, 0, 0));
        insta::assert_snapshot!(stats.to_json(), @r#"
            {
              "schema_version": 1,
              "kernels": {
                "saxpy": {
                  "calls": 3,
                  "gpu_calls": 2,
                  "cpu_calls": 1,
                  "fallbacks": 1,
                  "fallback_rate": 0.3333333333333333,
                  "errors": {
                    "driver_error": 1
                  },
                  "guard_misses": 0,
                  "rollbacks": 0,
                  "returns": 0,
                  "bytes": 16000,
                  "throughput_gb_s": 2.0,
                  "latency": {
                    "p50_us": 2.0,
                    "p95_us": 6.0,
                    "p99_us": 6.0,
                    "max_us": 6.0,
                    "mean_us": 2.6666666666666665,
                    "count": 3
                  }
                }
              }
            }
            "#);
    }

    #[test]
    fn prometheus_text_is_stable() {
        insta::assert_snapshot!(fixed_stats().to_prometheus(), @r#"
            # HELP gate_runtime_calls_total Calls per kernel, by the backend that ran them.
            # TYPE gate_runtime_calls_total counter
            gate_runtime_calls_total{kernel="saxpy",backend="gpu"} 6
            gate_runtime_calls_total{kernel="saxpy",backend="cpu"} 1
            gate_runtime_calls_total{kernel="sgemm \"tiled\"",backend="gpu"} 0
            gate_runtime_calls_total{kernel="sgemm \"tiled\"",backend="cpu"} 2
            # HELP gate_runtime_fallbacks_total Calls served by the CPU reference because the GPU was not usable.
            # TYPE gate_runtime_fallbacks_total counter
            gate_runtime_fallbacks_total{kernel="saxpy"} 1
            gate_runtime_fallbacks_total{kernel="sgemm \"tiled\""} 0
            # HELP gate_runtime_fallback_ratio Fallbacks divided by calls.
            # TYPE gate_runtime_fallback_ratio gauge
            gate_runtime_fallback_ratio{kernel="saxpy"} 0.14285714285714285
            gate_runtime_fallback_ratio{kernel="sgemm \"tiled\""} 0
            # HELP gate_runtime_errors_total Calls that ended with an error, by status code.
            # TYPE gate_runtime_errors_total counter
            gate_runtime_errors_total{kernel="saxpy",code="driver_error"} 1
            gate_runtime_errors_total{kernel="saxpy",code="guard_miss"} 1
            gate_runtime_errors_total{kernel="sgemm \"tiled\"",code="invalid_argument"} 1
            # HELP gate_runtime_guard_misses_total GPU results that differed from the CPU reference beyond tolerance.
            # TYPE gate_runtime_guard_misses_total counter
            gate_runtime_guard_misses_total{kernel="saxpy"} 1
            gate_runtime_guard_misses_total{kernel="sgemm \"tiled\""} 0
            # HELP gate_runtime_rollbacks_total Times a kernel was rolled back to the CPU by its rail.
            # TYPE gate_runtime_rollbacks_total counter
            gate_runtime_rollbacks_total{kernel="saxpy"} 1
            gate_runtime_rollbacks_total{kernel="sgemm \"tiled\""} 0
            # HELP gate_runtime_returns_total Times a self-test returned a kernel to the GPU.
            # TYPE gate_runtime_returns_total counter
            gate_runtime_returns_total{kernel="saxpy"} 1
            gate_runtime_returns_total{kernel="sgemm \"tiled\""} 0
            # HELP gate_runtime_bytes_total Bytes processed by calls.
            # TYPE gate_runtime_bytes_total counter
            gate_runtime_bytes_total{kernel="saxpy"} 24000000
            gate_runtime_bytes_total{kernel="sgemm \"tiled\""} 12000
            # HELP gate_runtime_throughput_bytes_per_second Bytes processed divided by the total latency of the calls.
            # TYPE gate_runtime_throughput_bytes_per_second gauge
            gate_runtime_throughput_bytes_per_second{kernel="saxpy"} 4705882352.941176
            gate_runtime_throughput_bytes_per_second{kernel="sgemm \"tiled\""} 4000000000
            # HELP gate_runtime_latency_seconds Call latency in seconds.
            # TYPE gate_runtime_latency_seconds summary
            gate_runtime_latency_seconds{kernel="saxpy",quantile="0.5"} 0.000500223
            gate_runtime_latency_seconds{kernel="saxpy",quantile="0.95"} 0.002
            gate_runtime_latency_seconds{kernel="saxpy",quantile="0.99"} 0.002
            gate_runtime_latency_seconds_sum{kernel="saxpy"} 0.0051
            gate_runtime_latency_seconds_count{kernel="saxpy"} 7
            gate_runtime_latency_seconds{kernel="sgemm \"tiled\"",quantile="0.5"} 0
            gate_runtime_latency_seconds{kernel="sgemm \"tiled\"",quantile="0.95"} 0.000003
            gate_runtime_latency_seconds{kernel="sgemm \"tiled\"",quantile="0.99"} 0.000003
            gate_runtime_latency_seconds_sum{kernel="sgemm \"tiled\""} 0.000003
            gate_runtime_latency_seconds_count{kernel="sgemm \"tiled\""} 2
            "#);
    }

    /// One parsed sample line.
    #[derive(Debug)]
    struct Sample {
        name: String,
        labels: BTreeMap<String, String>,
        value: f64,
    }

    fn valid_metric_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }

    fn valid_label_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    /// Parses `{a="x",b="y"}` (without the braces), unescaping values.
    fn parse_labels(text: &str) -> Result<BTreeMap<String, String>, String> {
        let mut labels = BTreeMap::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (name, after) = rest
                .split_once("=\"")
                .ok_or(format!("no `=\"` in {rest:?}"))?;
            if !valid_label_name(name) {
                return Err(format!("bad label name {name:?}"));
            }
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => return Err(format!("bad escape {other:?}")),
                    },
                    Some((i, '"')) => break i,
                    Some((_, '\n')) => return Err("raw newline in a label value".to_owned()),
                    Some((_, c)) => value.push(c),
                    None => return Err("unterminated label value".to_owned()),
                }
            };
            if labels.insert(name.to_owned(), value).is_some() {
                return Err(format!("duplicate label {name}"));
            }
            rest = &after[end + 1..];
            if let Some(next) = rest.strip_prefix(',') {
                rest = next;
            } else if !rest.is_empty() {
                return Err(format!("junk after a label: {rest:?}"));
            }
        }
        Ok(labels)
    }

    /// A strict-enough parser of the text exposition format: returns every sample, checking
    /// that each belongs to a family declared (HELP then TYPE) before it and that families are
    /// contiguous.
    fn parse_prometheus(text: &str) -> Result<Vec<Sample>, String> {
        let mut helped = BTreeSet::new();
        let mut types: BTreeMap<String, String> = BTreeMap::new();
        let mut finished: BTreeSet<String> = BTreeSet::new();
        let mut current: Option<String> = None;
        let mut samples = Vec::new();
        if !text.ends_with('\n') {
            return Err("text must end with a newline".to_owned());
        }
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').ok_or("HELP without text")?;
                if !valid_metric_name(name) || help.is_empty() || !helped.insert(name.to_owned()) {
                    return Err(format!("bad or repeated HELP: {line}"));
                }
                if let Some(previous) = current.replace(name.to_owned()) {
                    finished.insert(previous);
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').ok_or("TYPE without a type")?;
                if current.as_deref() != Some(name) || types.contains_key(name) {
                    return Err(format!("TYPE not right after its HELP: {line}"));
                }
                if !["counter", "gauge", "summary", "histogram", "untyped"].contains(&kind) {
                    return Err(format!("unknown type: {line}"));
                }
                types.insert(name.to_owned(), kind.to_owned());
                continue;
            }
            if line.starts_with('#') || line.is_empty() {
                return Err(format!("unexpected line {line:?}"));
            }
            let (series, value) = line.rsplit_once(' ').ok_or(format!("no value: {line}"))?;
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => {
                    let labels = labels
                        .strip_suffix('}')
                        .ok_or(format!("unclosed labels: {line}"))?;
                    (name, parse_labels(labels)?)
                }
                None => (series, BTreeMap::new()),
            };
            if !valid_metric_name(name) {
                return Err(format!("bad metric name {name:?}"));
            }
            let family = current
                .clone()
                .ok_or(format!("sample before any HELP: {line}"))?;
            let kind = types
                .get(&family)
                .ok_or(format!("sample before TYPE: {line}"))?;
            let belongs = name == family
                || (kind == "summary"
                    && (name == format!("{family}_sum") || name == format!("{family}_count")));
            if !belongs || finished.contains(name) {
                return Err(format!("sample {name} outside its family block {family}"));
            }
            if kind == "summary" && (name == family) != labels.contains_key("quantile") {
                return Err(format!("summary quantile label misplaced: {line}"));
            }
            let value: f64 = value
                .parse()
                .map_err(|e| format!("bad value in {line}: {e}"))?;
            samples.push(Sample {
                name: name.to_owned(),
                labels,
                value,
            });
        }
        for (name, kind) in &types {
            if !name.starts_with("gate_runtime_") {
                return Err(format!("{name} lacks the gate_runtime_ prefix"));
            }
            if kind == "counter" && !name.ends_with("_total") {
                return Err(format!("counter {name} does not end in _total"));
            }
        }
        if helped.len() != types.len() {
            return Err("a HELP without a TYPE".to_owned());
        }
        Ok(samples)
    }

    #[test]
    fn prometheus_output_parses_back() {
        let weird = "we\"ird\\ker\nnel";
        let mut stats = fixed_stats();
        stats.record_call(weird, call(Backend::Gpu, StatusCode::Ok, 1_500, 64));
        let text = stats.to_prometheus();
        let samples = parse_prometheus(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));

        let find = |name: &str, kernel: &str, extra: &[(&str, &str)]| -> f64 {
            let matching: Vec<&Sample> = samples
                .iter()
                .filter(|s| {
                    s.name == name
                        && s.labels.get("kernel").map(String::as_str) == Some(kernel)
                        && extra
                            .iter()
                            .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
                })
                .collect();
            assert_eq!(matching.len(), 1, "{name} {kernel} {extra:?}");
            matching[0].value
        };
        assert_eq!(
            find("gate_runtime_calls_total", "saxpy", &[("backend", "gpu")]),
            6.0
        );
        assert_eq!(
            find("gate_runtime_calls_total", "saxpy", &[("backend", "cpu")]),
            1.0
        );
        assert_eq!(
            find(
                "gate_runtime_errors_total",
                "saxpy",
                &[("code", "driver_error")]
            ),
            1.0
        );
        assert_eq!(find("gate_runtime_fallbacks_total", "saxpy", &[]), 1.0);
        assert_eq!(find("gate_runtime_rollbacks_total", "saxpy", &[]), 1.0);
        assert_eq!(
            find("gate_runtime_latency_seconds_count", "saxpy", &[]),
            7.0
        );
        assert_eq!(
            find("gate_runtime_latency_seconds_sum", "saxpy", &[]),
            0.0051
        );
        assert_eq!(
            find(
                "gate_runtime_latency_seconds",
                "saxpy",
                &[("quantile", "0.99")]
            ),
            0.002
        );
        // The escaped label value unescapes to the original kernel id.
        assert_eq!(
            find("gate_runtime_calls_total", weird, &[("backend", "gpu")]),
            1.0
        );
        assert_eq!(
            find("gate_runtime_latency_seconds_sum", weird, &[]),
            0.0000015
        );
        assert!(samples.iter().all(|s| s.value.is_finite()));
    }

    #[test]
    fn the_test_parser_rejects_malformed_text() {
        let ok = "# HELP gate_runtime_x_total x\n# TYPE gate_runtime_x_total counter\ngate_runtime_x_total{kernel=\"a\"} 1\n";
        assert!(parse_prometheus(ok).is_ok());
        let bad = [
            "gate_runtime_x_total{kernel=\"a\"} 1\n",
            "# TYPE gate_runtime_x_total counter\n# HELP gate_runtime_x_total x\n",
            "# HELP gate_runtime_x x\n# TYPE gate_runtime_x counter\n",
            "# HELP gate_runtime_x_total x\n# TYPE gate_runtime_x_total counter\ngate_runtime_x_total{kernel=\"a\\q\"} 1\n",
            "# HELP gate_runtime_x_total x\n# TYPE gate_runtime_x_total counter\ngate_runtime_x_total{kernel=\"a\"} one\n",
            "# HELP 9x x\n# TYPE 9x gauge\n",
        ];
        for text in bad {
            assert!(parse_prometheus(text).is_err(), "{text}");
        }
    }

    #[test]
    fn empty_stats_still_declare_every_family() {
        let text = Stats::new().to_prometheus();
        assert!(parse_prometheus(&text).unwrap().is_empty());
        assert_eq!(text.lines().filter(|l| l.starts_with("# TYPE")).count(), 10);
    }
}
