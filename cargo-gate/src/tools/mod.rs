//! Every program the gate starts, and what it learns of the machine: `process`, the one
//! runner (time limits, process groups, the watchdog that outlives a killed gate, capped
//! output); `cargo`, how the gate and its checks run cargo and read what it says; and
//! `environment`, the toolchain probes and `environment.json`; `toolchain`, which `cargo` and
//! `rustc` those are; `priority`, the gate's own work yielding to cargo's beside it.

pub mod cargo;
#[cfg(unix)]
pub mod drain;
pub mod environment;
#[cfg(target_os = "linux")]
pub mod orphans;
pub mod pin;
pub mod priority;
pub mod process;
pub mod toolchain;
