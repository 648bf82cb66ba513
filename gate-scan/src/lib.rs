//! The source scanners of cargo-gate, usable alone: no stages, no verdicts, no configuration.
//!
//! - [`boundary`]: every unsafe/FFI boundary of a Rust source file (`unsafe` blocks, fns,
//!   impls and traits, extern blocks and ABIs, `#[no_mangle]`, `#[export_name]`, inline and
//!   global assembly), found on the token stream of a real lexer, so comments, strings and
//!   identifiers that merely contain the words never count; behind `boundary.unsafe`.
//! - [`secrets`]: secrets (cloud keys, tokens, private keys, high-entropy assignments) and,
//!   in logs, PII, found in one Aho-Corasick pass with validation; every finding holds only a
//!   redacted excerpt, and [`secrets::redact`] rewrites text in place; behind `secrets.scan`
//!   and the redaction of every log cargo-gate keeps.
//! - [`parallel`]: the one way both read many files, with memory bounded by the largest file
//!   per thread.
//!
//! ```
//! use gate_scan::boundary::{BoundaryKind, scan_source};
//! use gate_scan::secrets::{Scope, redact, scan_bytes};
//!
//! let src = b"// unsafe in a comment is not a boundary\nfn f() { unsafe { g() } }\n";
//! let hits = scan_source(src);
//! assert_eq!(hits.len(), 1);
//! assert_eq!((hits[0].kind, hits[0].line, hits[0].column), (BoundaryKind::UnsafeBlock, 2, 10));
//!
//! let token = ["ghp_", "0123456789abcdefghijABCDEFGHIJ012345"].concat();
//! let log = format!("push with {token}\n");
//! let found = scan_bytes(log.as_bytes(), Scope::Log);
//! assert_eq!(found[0].kind, "github-token");
//! assert!(!found[0].excerpt.contains(&token));
//! assert!(!redact(&log).contains(&token));
//! ```

pub mod boundary;
pub mod parallel;
pub mod secrets;
