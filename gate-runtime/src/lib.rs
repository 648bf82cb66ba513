//! gate-runtime: run gate-kernels on the GPU or on their deterministic CPU references, and
//! say what was decided.
//!
//! - A probe that cannot panic ([`cuda::probe`]) and a policy (`GATE_GPU=auto|required|off`,
//!   or [`RuntimeBuilder::policy`]).
//! - Checks before loading ([`preflight`]): driver vs the PTX's minimum, device vs compiled
//!   archs, module digests vs the build manifest.
//! - Typed calls with argument contracts checked before anything runs ([`kernel`]).
//! - Shadow verification, rollback rails ([`rails`]), plans captured as CUDA graphs
//!   ([`plan`]), run stats with latency percentiles ([`stats`]), and a JSON-lines decision
//!   log ([`decision`]). The library never prints.
//!
//! ```
//! let rt = gate_runtime::Runtime::builder()
//!     .policy(gate_runtime::GpuPolicy::Off)
//!     .build()
//!     .unwrap();
//! let mut y = vec![1.0f32; 4];
//! rt.saxpy(2.0, &[1.0, 2.0, 3.0, 4.0], &mut y).unwrap();
//! assert_eq!(y, [3.0, 5.0, 7.0, 9.0]);
//! ```

pub mod backend;
pub mod cuda;
pub mod decision;
#[cfg(any(test, feature = "fault-injection"))]
pub mod fault;
pub mod kernel;
pub mod plan;
pub mod preflight;
pub mod rails;
pub mod runtime;
pub mod stats;
pub mod status;

pub use kernel::{Call, KernelId};
pub use plan::{BufId, Plan, Step};
pub use runtime::{CallReport, GpuPolicy, PlanReport, Ran, Runtime, RuntimeBuilder, RuntimeError};
pub use status::StatusCode;
