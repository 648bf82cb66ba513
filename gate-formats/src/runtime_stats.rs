//! gate-runtime's stats snapshot: `gate-runtime/stats-*.json` (and `Runtime::stats_json`).
//! Written by gate-runtime, read by `cargo gate`'s `observability.log` check.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every kernel's stats at one moment; the JSON form of gate-runtime's `Stats::to_json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatsSnapshot {
    /// The layout version of this snapshot; bumped on any incompatible change.
    pub schema_version: u32,
    /// Stats by kernel id.
    pub kernels: BTreeMap<String, KernelSnapshot>,
}

impl StatsSnapshot {
    /// The current `schema_version`.
    pub const SCHEMA_VERSION: u32 = 1;
}

/// One kernel's stats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KernelSnapshot {
    /// All calls, whatever ran them.
    pub calls: u64,
    /// Calls that ran on the GPU.
    pub gpu_calls: u64,
    /// Calls that ran on the CPU, requested or not.
    pub cpu_calls: u64,
    /// CPU calls made because the GPU was not usable.
    pub fallbacks: u64,
    /// `fallbacks / calls` (0 when there were no calls).
    pub fallback_rate: f64,
    /// Error counts by status code string (every code but `ok` and `fallback`).
    pub errors: BTreeMap<String, u64>,
    /// GPU results that differed from the CPU reference.
    pub guard_misses: u64,
    /// Rollbacks to the CPU.
    pub rollbacks: u64,
    /// Returns to the GPU after a passing self-test.
    pub returns: u64,
    /// Bytes processed.
    pub bytes: u64,
    /// `bytes` divided by the total latency of all calls, in 10^9 bytes per second.
    pub throughput_gb_s: f64,
    /// Latency distribution of all calls.
    pub latency: LatencySnapshot,
}

/// A latency distribution in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LatencySnapshot {
    /// Median, to the histogram's 3 significant figures.
    pub p50_us: f64,
    /// 95th percentile, to 3 significant figures.
    pub p95_us: f64,
    /// 99th percentile, to 3 significant figures.
    pub p99_us: f64,
    /// Exact maximum.
    pub max_us: f64,
    /// Exact mean.
    pub mean_us: f64,
    /// Number of latencies recorded.
    pub count: u64,
}

impl KernelSnapshot {
    /// Every field of a kernel's entry, in the order they are written. A test keeps this list
    /// equal to the serialised type.
    pub const FIELDS: &[&str] = &[
        "calls",
        "gpu_calls",
        "cpu_calls",
        "fallbacks",
        "fallback_rate",
        "errors",
        "guard_misses",
        "rollbacks",
        "returns",
        "bytes",
        "throughput_gb_s",
        "latency",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_the_serialised_keys() {
        let latency = LatencySnapshot {
            p50_us: 1.0,
            p95_us: 1.0,
            p99_us: 1.0,
            max_us: 1.0,
            mean_us: 1.0,
            count: 1,
        };
        let kernel = KernelSnapshot {
            calls: 1,
            gpu_calls: 0,
            cpu_calls: 1,
            fallbacks: 0,
            fallback_rate: 0.0,
            errors: BTreeMap::new(),
            guard_misses: 0,
            rollbacks: 0,
            returns: 0,
            bytes: 8,
            throughput_gb_s: 0.0,
            latency,
        };
        let value = serde_json::to_value(&kernel).unwrap();
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut fields = KernelSnapshot::FIELDS.to_vec();
        keys.sort_unstable();
        fields.sort_unstable();
        assert_eq!(keys, fields);
    }
}
