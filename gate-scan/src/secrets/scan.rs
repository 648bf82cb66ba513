//! The scanner: one pass per buffer (an anchor automaton, then the regexes of the detectors
//! whose anchors a line holds), overlaps resolved, excerpts that hold no secret, and the
//! redaction built on it. See `crate::secrets` for the design and the thresholds.

use aho_corasick::{AhoCorasick, MatchKind};
use regex::bytes::Regex;
use serde::Serialize;
use std::ops::Range;
use std::sync::LazyLock;

/// Files larger than this (2 MiB) are not scanned: secrets live in source and configuration,
/// and multi-megabyte files are data or generated; scanning them would dominate the run.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// A NUL byte within this many leading bytes marks a file as binary (git's own heuristic).
pub const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// What is being scanned, which decides whether PII counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Tracked files: secrets only (e-mail addresses in `Cargo.toml` authors are fine).
    Source,
    /// Logs and artifacts the run writes: secrets and PII (e-mail addresses, phone numbers).
    Log,
}

/// One secret (or piece of PII) found. Holds no secret: only a redacted excerpt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretFinding {
    /// The detector's stable id (e.g. `github-token`).
    pub kind: &'static str,
    /// 1-based line of the secret's first character.
    pub line: u32,
    /// 1-based column of the secret's first character, in characters.
    pub column: u32,
    /// At most the first 4 characters of the secret, then `…[kind]`.
    pub excerpt: String,
}

use super::detectors::{DETECTORS, Detector, Hit, entropy, is_name_like, is_placeholder};

/// Every detector, in priority order: where two matches overlap, the earlier one wins.
pub fn detectors() -> &'static [Detector] {
    DETECTORS
}

/// The patterns of the detectors in `scope`, one per line, for `rg -f FILE`. ripgrep runs
/// them without the validation step, so it may count more lines than the scanner finds.
pub fn ripgrep_patterns(scope: Scope) -> String {
    DETECTORS
        .iter()
        .filter(|d| scope == Scope::Log || !d.pii)
        .map(|d| format!("{}\n", d.pattern))
        .collect()
}

/// The compiled regexes, in the order of [`DETECTORS`].
static REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    DETECTORS
        .iter()
        .map(|d| Regex::new(d.pattern).expect("detector patterns are valid"))
        .collect()
});

/// The anchor automaton of one scope, and which detectors each anchor triggers.
#[derive(Debug)]
struct Engine {
    anchors: AhoCorasick,
    /// Per anchor pattern id: a bit per detector index.
    triggers: Vec<u32>,
}

impl Engine {
    fn new(scope: Scope) -> Engine {
        const _: () = assert!(DETECTORS.len() <= 32, "triggers are a u32 bit set");
        let mut literals: Vec<&'static str> = Vec::new();
        let mut triggers: Vec<u32> = Vec::new();
        for (index, detector) in DETECTORS.iter().enumerate() {
            if detector.pii && scope == Scope::Source {
                continue;
            }
            for &anchor in detector.anchors {
                match literals.iter().position(|&l| l == anchor) {
                    Some(i) => triggers[i] |= 1 << index,
                    None => {
                        literals.push(anchor);
                        triggers.push(1 << index);
                    }
                }
            }
        }
        // Leftmost-first lets the automaton use its packed (Teddy) SIMD prefilter; standard
        // semantics or ASCII case folding would not, at a tenth of the speed.
        let anchors = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&literals)
            .expect("anchors build");
        Engine { anchors, triggers }
    }
}

static SOURCE_ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::new(Scope::Source));
static LOG_ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::new(Scope::Log));

fn engine(scope: Scope) -> &'static Engine {
    match scope {
        Scope::Source => &SOURCE_ENGINE,
        Scope::Log => &LOG_ENGINE,
    }
}

/// A validated match: the secret's span in the buffer and its detector's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Candidate {
    start: usize,
    end: usize,
    detector: usize,
}

/// Every secret in `bytes`, in buffer order, overlaps resolved.
fn candidates(bytes: &[u8], scope: Scope) -> Vec<Candidate> {
    let engine = engine(scope);
    let regexes = &*REGEXES;
    let mut found = Vec::new();
    // The line each detector last ran on: anchors come in buffer order, so a detector never
    // needs to run twice on one line.
    let mut last_line = [usize::MAX; 32];
    let mut line = 0..0;
    for m in engine.anchors.find_iter(bytes) {
        if !(line.start <= m.start() && m.start() < line.end) {
            let start = memchr::memrchr(b'\n', &bytes[..m.start()]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &bytes[m.end()..]).map_or(bytes.len(), |i| m.end() + i);
            line = start..end;
        }
        let mut text = &bytes[line.clone()];
        if let [rest @ .., b'\r'] = text {
            text = rest;
        }
        let mut triggered = engine.triggers[m.pattern().as_usize()];
        while triggered != 0 {
            let index = triggered.trailing_zeros() as usize;
            triggered &= triggered - 1;
            if last_line[index] == line.start {
                continue;
            }
            last_line[index] = line.start;
            let detector = &DETECTORS[index];
            for caps in regexes[index].captures_iter(text) {
                let whole = caps.get(0).expect("group 0 always participates");
                let (group, secret) = if detector.groups.is_empty() {
                    (0, whole)
                } else {
                    match detector
                        .groups
                        .iter()
                        .find_map(|&g| caps.get(g).map(|c| (g, c)))
                    {
                        Some(found) => found,
                        None => continue,
                    }
                };
                let hit = Hit {
                    buf: bytes,
                    line_start: line.start,
                    line: text,
                    whole: whole.range(),
                    secret: secret.range(),
                    group,
                };
                if already_redacted(&hit) {
                    continue;
                }
                if let Some(span) = (detector.validate)(&hit) {
                    found.push(Candidate {
                        start: span.start,
                        end: span.end,
                        detector: index,
                    });
                }
            }
        }
    }
    resolve_overlaps(found)
}

/// Keeps, of overlapping candidates, the one of the earliest detector (then the earliest
/// start), and returns the survivors in buffer order. The kept spans never overlap, so the
/// neighbours by start are the only ones to compare with: O(n log n) even for a log with
/// thousands of e-mail addresses.
fn resolve_overlaps(mut found: Vec<Candidate>) -> Vec<Candidate> {
    found.sort_by_key(|c| (c.detector, c.start, c.end));
    let mut kept: std::collections::BTreeMap<usize, Candidate> = std::collections::BTreeMap::new();
    for c in found {
        let before = kept
            .range(..=c.start)
            .next_back()
            .is_some_and(|(_, k)| k.end > c.start);
        let after = kept
            .range(c.start..)
            .next()
            .is_some_and(|(&start, _)| start < c.end);
        if !before && !after {
            kept.insert(c.start, c);
        }
    }
    kept.into_values().collect()
}

/// The marker every excerpt carries after its kept characters.
const ELLIPSIS_BRACKET: &[u8] = "…[".as_bytes();

/// Whether this match is (part of) an excerpt this module wrote, e.g. a connection string
/// whose password is already `p4ss…[connection-string]`: such text is never a secret.
fn already_redacted(hit: &Hit<'_>) -> bool {
    memchr::memmem::find(hit.secret(), ELLIPSIS_BRACKET).is_some()
        || hit.line[hit.secret.end..].starts_with(ELLIPSIS_BRACKET)
}

/// The redacted excerpt of `secret`: at most its first 4 characters (at most a quarter of
/// them for short secrets), `…`, and the kind in brackets.
pub(super) fn excerpt(secret: &[u8], kind: &str) -> String {
    let text = String::from_utf8_lossy(secret);
    let chars = text.chars().count();
    let keep = (chars / 4).min(4);
    let mut out: String = text.chars().take(keep).collect();
    out.push('…');
    out.push('[');
    out.push_str(kind);
    out.push(']');
    out
}

/// Scans `bytes` for secrets (and, in [`Scope::Log`], PII). The caller decides what to skip
/// (binary files, size caps); this function scans whatever it is given.
pub fn scan_bytes(bytes: &[u8], scope: Scope) -> Vec<SecretFinding> {
    let found = candidates(bytes, scope);
    let mut findings = Vec::with_capacity(found.len());
    // Line numbers are counted incrementally: candidates come in buffer order.
    let mut pos = 0;
    let mut line = 1u32;
    for c in found {
        let newlines = memchr::memchr_iter(b'\n', &bytes[pos..c.start]).count();
        line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        pos = c.start;
        let line_start = memchr::memrchr(b'\n', &bytes[..c.start]).map_or(0, |i| i + 1);
        let column = bytes[line_start..c.start]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        let kind = DETECTORS[c.detector].kind;
        findings.push(SecretFinding {
            kind,
            line,
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
            excerpt: excerpt(&bytes[c.start..c.end], kind),
        });
    }
    findings
}

/// `text` with every secret and piece of PII ([`Scope::Log`]) replaced by its redacted
/// excerpt. Idempotent; text without secrets comes back unchanged.
pub fn redact(text: &str) -> String {
    match redact_bytes(text.as_bytes()) {
        Some(bytes) => String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        None => text.to_owned(),
    }
}

/// [`redact`] over bytes that need not be UTF-8 (a log as captured). `None` when nothing
/// needed redacting, so callers can keep the original buffer.
pub fn redact_bytes(bytes: &[u8]) -> Option<Vec<u8>> {
    let found = redactions(bytes);
    if found.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0;
    for (range, kind) in found {
        out.extend_from_slice(&bytes[pos..range.start]);
        out.extend_from_slice(excerpt(&bytes[range.clone()], kind).as_bytes());
        pos = range.end;
    }
    out.extend_from_slice(&bytes[pos..]);
    Some(out)
}

/// What [`redact_bytes`] replaces, in order: each span and the kind of secret it is. The
/// detectors of [`Scope::Log`], then bare secrets ([`bare_secrets`]) where no detector hit.
pub fn redactions(bytes: &[u8]) -> Vec<(Range<usize>, &'static str)> {
    let mut found: Vec<(Range<usize>, &'static str)> = candidates(bytes, Scope::Log)
        .into_iter()
        .map(|c| (c.start..c.end, DETECTORS[c.detector].kind))
        .collect();
    // Bare cloud secrets: printed by a test or a tool with no keyword near them.
    for range in bare_secrets(bytes) {
        if !found
            .iter()
            .any(|(r, _)| r.start < range.end && range.start < r.end)
        {
            found.push((range, "aws-secret-access-key"));
        }
    }
    found.sort_by_key(|(r, _)| r.start);
    found
}

/// The least entropy (bits per character) of a bare secret. 40 random base64 characters
/// measure about 4.9; the 40-character tokens of the gate's own test log that are not
/// secrets (paths, identifiers) stay below 4.3 (see docs/SECURITY.md for the measurement).
pub const BARE_MIN_ENTROPY: f64 = 4.3;

/// Secrets with no keyword near them, as they appear in logs: an AWS secret access key is 40
/// characters of base64 (`A-Z a-z 0-9 + /`). A token counts when it is exactly that long,
/// bounded by characters that cannot be part of it, mixes upper case, lower case and digits,
/// is not hexadecimal (git commit ids and sha256 digests are hex and never redacted), is not
/// made of words or a path, and is as random as a key ([`BARE_MIN_ENTROPY`]).
pub fn bare_secrets(bytes: &[u8]) -> Vec<Range<usize>> {
    let in_token = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !in_token(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && in_token(bytes[i]) {
            i += 1;
        }
        let token = &bytes[start..i];
        // A run glued to `_`, `-`, `.` or `=`-padding-then-more is part of a longer name.
        let glued = |b: Option<&u8>| b.is_some_and(|&b| matches!(b, b'_' | b'-' | b'.' | b'\\'));
        if token.len() != 40
            || glued(bytes.get(i))
            || glued(start.checked_sub(1).map(|s| &bytes[s]))
        {
            continue;
        }
        let upper = token.iter().any(u8::is_ascii_uppercase);
        let lower = token.iter().any(u8::is_ascii_lowercase);
        let digit = token.iter().any(u8::is_ascii_digit);
        let hex = token.iter().all(u8::is_ascii_hexdigit);
        let pathish = token.iter().filter(|&&b| b == b'/').count() > 4;
        if upper
            && lower
            && digit
            && !hex
            && !pathish
            && !is_name_like(token)
            && !is_placeholder(token)
            && entropy(token) >= BARE_MIN_ENTROPY
        {
            out.push(start..i);
        }
    }
    out
}
