//! Secret and PII detection over bytes, and redaction of text: the scanner behind
//! `secrets.scan` and behind the redaction of every log the run record keeps.
//!
//! # Design
//!
//! One pass per buffer. An Aho-Corasick automaton looks for the literal *anchors* of every
//! detector at once (`AKIA`, `ghp_`, `glpat-`, `xox`, `cio`, `npm_`, `pypi-…`, `k_live_`,
//! `-----BEGIN`, `eyJ`, `://`,
//! the key words of the generic rule in their usual spellings, and for logs `@` and `+`).
//! Only the lines holding an anchor are handed to the regexes, and only to the regexes of the
//! detectors that anchor belongs to, each at most once per line. Every detector is
//! line-local except the private-key block, whose body is followed from its header line over
//! the whole buffer. `=` and `:` are deliberately *not* anchors: nearly every line of source
//! has one, so they would send every line to the generic regex; its key words are rarer
//! and just as necessary.
//!
//! Candidates are validated (lengths, entropy, placeholders, JWT header), overlaps are
//! resolved in favour of the earlier (more specific) detector in [`detectors`], and each
//! survivor becomes a [`SecretFinding`] with a 1-based line and column and a redacted
//! excerpt. **No returned value ever holds a secret**: the excerpt keeps at most the first 4
//! characters (fewer for short secrets: at most a quarter of it) followed by `…[kind]`.
//!
//! # Thresholds
//!
//! - Generic assignments (`secret|token|password|api_key|… = "value"`): value at least
//!   [`GENERIC_MIN_LEN`] characters with a Shannon entropy of at least
//!   [`GENERIC_MIN_ENTROPY`] bits per character. Not secrets: placeholders (`changeme`,
//!   `xxx`, `${VAR}`, `<redacted>`, `{{ vault }}`, anything with `example`/`dummy`), paths
//!   and URLs, text with escape sequences, and names made of words and numbers
//!   (`GITHUB_TOKEN_NAME`, `Service-Account-2024`). An unquoted value (`.env`, YAML) counts
//!   only at the start of a line and must mix letters and digits, so `password: String` in
//!   a struct is no finding. Key words are found in their lower, UPPER and Capitalised
//!   spellings (`password`, `DB_PASSWORD`, `dbPassword`), not in random case.
//! - AWS secret access keys: exactly 40 characters, entropy at least 3.0. AWS access key ids
//!   ending in `EXAMPLE` (AWS's documentation keys) are not findings.
//! - JWTs: the first segment must decode to JSON naming an `alg` or a `typ`.
//! - Private keys: the header must be followed by a body of at least 20 base64 characters
//!   (up to the `-----END` line, or a run of base64), so a PEM parser's header constant is no
//!   finding; the whole block is the secret, so redaction removes the key, not just its
//!   header.
//! - Connection strings: the password must not be a placeholder, the user name or all
//!   digits.
//! - Rust registry tokens (`cio` and 32 letters or digits) and npm tokens (`npm_` and 36):
//!   whole words, and the part after the prefix must not be a word or a placeholder, so
//!   `npm_config_cache` and an identifier that happens to start with `cio` are no findings.
//! - Files: binary files (a NUL byte in the first [`BINARY_SNIFF_BYTES`]) are skipped by
//!   [`scan_files`] and reported as such; files larger than [`MAX_FILE_BYTES`] are scanned
//!   streamed, in windows of that size that overlap by up to 256 KiB (whole lines), so memory
//!   stays bounded and a secret across a window's edge is found once.
//!
//! [`redact`] replaces every finding of [`Scope::Log`] (secrets and PII) with its excerpt.
//! An excerpt is never found again, so redaction is idempotent and a redacted log scans
//! clean. Callers that walk a workspace should not descend into directories holding a
//! `Cargo.toml` of their own that are not workspace members (`tests/fixtures/*` are separate
//! workspaces, with planted fake secrets): `secrets.scan` does exactly that, on purpose.

mod detectors;
mod files;
mod scan;
mod utf16;

pub use detectors::{Detector, GENERIC_MIN_ENTROPY, GENERIC_MIN_LEN};
pub use files::{FileScan, is_binary, scan_files};
pub use scan::{
    BARE_MIN_ENTROPY, BINARY_SNIFF_BYTES, MAX_FILE_BYTES, Scope, SecretFinding, bare_secrets,
    detectors, redact, redact_bytes, redactions, ripgrep_patterns, scan_bytes,
};

#[cfg(test)]
mod tests;
