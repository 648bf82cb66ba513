//! Stable status codes: the one vocabulary shared by results, stats, the decision log and metrics.
//!
//! The strings returned by [`StatusCode::as_str`] are a public contract: they appear in JSON
//! decision logs, stats snapshots and Prometheus labels that outlive any one build, so a code's
//! string never changes once released and new codes are only ever added.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The outcome of one runtime call, as a stable, machine-readable code.
///
/// Serialized (serde) and displayed as the snake-case string of [`StatusCode::as_str`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusCode {
    /// The call ran as requested, on the backend that was asked for.
    Ok,
    /// The call violated its argument contract (lengths, alignment, shapes); nothing was launched.
    InvalidArgument,
    /// A module's digest or the build manifest did not match what the runtime expected.
    VerifyFailed,
    /// A CUDA driver call failed (the context is still usable).
    DriverError,
    /// The driver is too old or the device's architecture is not covered by the built modules.
    Unsupported,
    /// The call ran on the CPU reference instead of the GPU.
    Fallback,
    /// Shadow verification found the GPU result differs from the CPU reference beyond tolerance.
    GuardMiss,
    /// A sticky error (such as an illegal address) left the CUDA context unusable.
    ContextPoisoned,
}

impl StatusCode {
    /// Every status code, in declaration order.
    pub const ALL: &[StatusCode] = &[
        StatusCode::Ok,
        StatusCode::InvalidArgument,
        StatusCode::VerifyFailed,
        StatusCode::DriverError,
        StatusCode::Unsupported,
        StatusCode::Fallback,
        StatusCode::GuardMiss,
        StatusCode::ContextPoisoned,
    ];

    /// The stable snake-case code, e.g. `"invalid_argument"`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCode::Ok => "ok",
            StatusCode::InvalidArgument => "invalid_argument",
            StatusCode::VerifyFailed => "verify_failed",
            StatusCode::DriverError => "driver_error",
            StatusCode::Unsupported => "unsupported",
            StatusCode::Fallback => "fallback",
            StatusCode::GuardMiss => "guard_miss",
            StatusCode::ContextPoisoned => "context_poisoned",
        }
    }

    /// Parses a code produced by [`StatusCode::as_str`]; `None` for anything else.
    ///
    /// Matching is exact (case-sensitive) because the codes are machine-to-machine identifiers.
    pub fn parse(code: &str) -> Option<StatusCode> {
        StatusCode::ALL
            .iter()
            .copied()
            .find(|status| status.as_str() == code)
    }

    /// Whether this is [`StatusCode::Ok`].
    pub fn is_ok(self) -> bool {
        self == StatusCode::Ok
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_code_round_trips_through_as_str_and_parse() {
        for &code in StatusCode::ALL {
            assert_eq!(StatusCode::parse(code.as_str()), Some(code), "{code:?}");
            assert_eq!(code.to_string(), code.as_str());
        }
    }

    #[test]
    fn every_code_round_trips_through_serde_as_its_string() {
        for &code in StatusCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: StatusCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, code);
        }
    }

    #[test]
    fn codes_are_unique_and_all_is_complete() {
        let strings: BTreeSet<&str> = StatusCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(strings.len(), StatusCode::ALL.len());
        let variants: BTreeSet<StatusCode> = StatusCode::ALL.iter().copied().collect();
        assert_eq!(variants.len(), StatusCode::ALL.len());
        // No wildcard: a new variant breaks this match, a reminder to add it to ALL too.
        for &code in StatusCode::ALL {
            match code {
                StatusCode::Ok
                | StatusCode::InvalidArgument
                | StatusCode::VerifyFailed
                | StatusCode::DriverError
                | StatusCode::Unsupported
                | StatusCode::Fallback
                | StatusCode::GuardMiss
                | StatusCode::ContextPoisoned => {}
            }
        }
        assert_eq!(StatusCode::ALL.len(), 8);
    }

    #[test]
    fn codes_are_snake_case_ascii() {
        for &code in StatusCode::ALL {
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{code}"
            );
        }
    }

    #[test]
    fn unknown_strings_do_not_parse() {
        for bad in ["", "OK", "Ok", "invalid-argument", "error", " ok", "ok "] {
            assert_eq!(StatusCode::parse(bad), None, "{bad:?}");
            assert!(serde_json::from_str::<StatusCode>(&format!("\"{bad}\"")).is_err());
        }
    }
}
