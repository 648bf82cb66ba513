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

use aho_corasick::{AhoCorasick, MatchKind};
use regex::bytes::Regex;
use serde::Serialize;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

/// Files larger than this (2 MiB) are not scanned: secrets live in source and configuration,
/// and multi-megabyte files are data or generated; scanning them would dominate the run.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// A NUL byte within this many leading bytes marks a file as binary (git's own heuristic).
pub const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// The shortest value the generic assignment rule considers, in characters. Shorter values
/// cannot reach [`GENERIC_MIN_ENTROPY`] reliably and are mostly words.
pub const GENERIC_MIN_LEN: usize = 16;

/// The Shannon entropy (bits per character) a generic value needs. Random alphanumerics of
/// 16+ characters score about 3.7–4.3; English words and identifiers mostly stay below 3.5.
pub const GENERIC_MIN_ENTROPY: f64 = 3.5;

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

/// A detector: a stable id, what it finds, and its regex.
#[derive(Debug)]
pub struct Detector {
    /// Stable id, used in findings, excerpts and waivers.
    pub kind: &'static str,
    /// What it finds, for documentation and reports.
    pub description: &'static str,
    /// The regex (Rust `regex` syntax, which ripgrep accepts), matched against one line.
    pub pattern: &'static str,
    /// Whether this finds personal data (reported in [`Scope::Log`] only).
    pub pii: bool,
    /// Literal strings one of which every match contains, matched case-sensitively (key words
    /// in their lower, UPPER and Capitalised spellings, minus a first letter that may be
    /// either case): case-insensitive matching would keep the automaton off its SIMD path.
    anchors: &'static [&'static str],
    /// Capture groups holding the secret, first participating one wins; none: the whole match.
    groups: &'static [usize],
    /// Validation after the regex; returns the secret's span in the buffer.
    validate: fn(&Hit<'_>) -> Option<Range<usize>>,
}

/// One regex match on one line, for validation.
#[derive(Debug)]
struct Hit<'a> {
    /// The whole buffer.
    buf: &'a [u8],
    /// Offset of `line` in `buf`.
    line_start: usize,
    /// The line, without its line terminator.
    line: &'a [u8],
    /// The whole match, in `line` coordinates.
    whole: Range<usize>,
    /// The secret, in `line` coordinates.
    secret: Range<usize>,
    /// Which capture group held the secret (0: the whole match).
    group: usize,
}

impl Hit<'_> {
    fn secret(&self) -> &[u8] {
        &self.line[self.secret.clone()]
    }

    fn in_buf(&self) -> Range<usize> {
        self.line_start + self.secret.start..self.line_start + self.secret.end
    }
}

/// The assignment between a key and its value: optional closing quote of a JSON key, an
/// optional Rust `: &str` / `: &'static str` type, and `=`, `:=`, `=>`, `:` or `?=`.
macro_rules! assign {
    () => {
        r#"["']?\s*(?::\s*&(?:'static\s+)?str\s*)?(?::=|=>|\?=|=|:)\s*"#
    };
}

/// The key words of the generic rule (inside an identifier such as `DB_PASSWORD`).
macro_rules! generic_key {
    () => {
        r"[A-Za-z0-9_.-]*(?:secret|token|passw(?:or)?d|pwd|api[_.-]?key|access[_.-]?key|private[_.-]?key|auth[_.-]?key|credentials?)[A-Za-z0-9_.-]*"
    };
}

static DETECTORS: &[Detector] = &[
    Detector {
        kind: "private-key",
        description: "private key block: -----BEGIN … PRIVATE KEY----- followed by a key body (PEM, OpenSSH, PGP)",
        pattern: r"(?-u)-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----",
        pii: false,
        anchors: &["-----BEGIN"],
        groups: &[],
        validate: private_key_block,
    },
    Detector {
        kind: "aws-access-key-id",
        description: "AWS access key id: AKIA or ASIA and 16 upper-case letters or digits",
        pattern: r"(?-u)\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
        pii: false,
        anchors: &["AKIA", "ASIA"],
        groups: &[],
        validate: aws_access_key_id,
    },
    Detector {
        kind: "aws-secret-access-key",
        description: "AWS secret access key (40 base64 characters) assigned to an aws…secret/sk or secret_access_key key",
        pattern: concat!(
            r"(?i-u)(?:aws[A-Za-z0-9_.-]{0,20}?(?:secret|sk)|secret[_.-]?access[_.-]?key)[A-Za-z0-9_.-]{0,20}",
            assign!(),
            r#"["'`]?([A-Za-z0-9/+]{40,})"#
        ),
        pii: false,
        anchors: &["aws", "AWS", "Aws", "ecret", "ECRET"],
        groups: &[1],
        validate: aws_secret,
    },
    Detector {
        kind: "github-token",
        description: "GitHub token: ghp_, gho_, ghu_, ghs_, ghr_ and 36+ characters, or github_pat_ and 60+",
        pattern: r"(?-u)\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b",
        pii: false,
        anchors: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        groups: &[],
        validate: as_is,
    },
    Detector {
        kind: "gitlab-token",
        description: "GitLab personal access token: glpat- and 20+ characters",
        pattern: r"(?-u)\bglpat-[A-Za-z0-9_-]{20,255}",
        pii: false,
        anchors: &["glpat-"],
        groups: &[],
        validate: as_is,
    },
    Detector {
        kind: "cargo-registry-token",
        description: "Rust registry API token (cargo login): cio and exactly 32 letters or digits",
        pattern: r"(?-u)\bcio[A-Za-z0-9]{32}\b",
        pii: false,
        anchors: &["cio"],
        groups: &[],
        validate: cargo_registry_token,
    },
    Detector {
        kind: "npm-token",
        description: "npm access token: npm_ and exactly 36 letters or digits",
        pattern: r"(?-u)\bnpm_[A-Za-z0-9]{36}\b",
        pii: false,
        anchors: &["npm_"],
        groups: &[],
        validate: npm_token,
    },
    Detector {
        kind: "pypi-token",
        description: "PyPI API token: pypi-AgEIcHlwaS5vcmc (its fixed macaroon header) and 50+ base64url characters",
        pattern: r"(?-u)\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}",
        pii: false,
        anchors: &["pypi-AgEIcHlwaS5vcmc"],
        groups: &[],
        validate: as_is,
    },
    Detector {
        kind: "slack-token",
        description: "Slack token: xoxa-, xoxb-, xoxp-, xoxr- or xoxs-, a numeric part and more",
        pattern: r"(?-u)\bxox[abprs]-[0-9]+-[A-Za-z0-9-]{10,250}",
        pii: false,
        anchors: &["xox"],
        groups: &[],
        validate: as_is,
    },
    Detector {
        kind: "slack-webhook",
        description: "Slack incoming webhook URL: hooks.slack.com/services/T…/B…/…",
        pattern: r"(?-u)hooks\.slack\.com/services/(T[A-Z0-9]{8,}/B[A-Z0-9]{8,}/[A-Za-z0-9]{20,})",
        pii: false,
        anchors: &["hooks.slack.com"],
        groups: &[1],
        validate: as_is,
    },
    Detector {
        kind: "stripe-key",
        description: "Stripe live secret or restricted key: sk_live_ or rk_live_ and 20+ characters",
        pattern: r"(?-u)\b[rs]k_live_[A-Za-z0-9]{20,247}\b",
        pii: false,
        anchors: &["k_live_"],
        groups: &[],
        validate: as_is,
    },
    Detector {
        kind: "google-api-key",
        description: "Google API key: AIza and exactly 35 more characters",
        pattern: r"(?-u)\bAIza[0-9A-Za-z_-]{35,}",
        pii: false,
        anchors: &["AIza"],
        groups: &[],
        validate: google_api_key,
    },
    Detector {
        kind: "jwt",
        description: "JSON Web Token: three base64url segments, the header starting eyJ and naming an alg or typ",
        pattern: r"(?-u)\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        pii: false,
        anchors: &["eyJ"],
        groups: &[],
        validate: jwt,
    },
    Detector {
        kind: "connection-string",
        description: "URL with a password: scheme://user:password@host for postgres, mysql, mongodb, redis, amqp, http(s) and more",
        pattern: r#"(?i-u)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse|nats|kafka|ftps?|sftp|smtps?|ldaps?|https?)://[^\s:@/"'`<>]*:([^\s@/"'`<>]+)@[A-Za-z0-9.\[\]_-]+"#,
        pii: false,
        anchors: &["://"],
        groups: &[1],
        validate: connection_password,
    },
    Detector {
        kind: "generic-secret",
        description: "high-entropy value assigned to a secret|token|password|api_key|access_key|private_key|credentials key (quoted, or unquoted at the start of a line as in .env files)",
        pattern: concat!(
            r"(?i-u)(?:",
            generic_key!(),
            assign!(),
            r#"(?:r#*)?["'`]([^"'`\s]{16,256})["'`]|^\s*(?:export\s+)?"#,
            generic_key!(),
            r"\s*[=:]\s*([A-Za-z0-9+/=_.~!@%^*-]{16,256})[ \t]*(?:#.*)?$)"
        ),
        pii: false,
        // `key` stands for api_key, access-key, privateKey, AUTHKEY and the rest.
        anchors: &[
            "ecret",
            "ECRET",
            "oken",
            "OKEN",
            "assw",
            "ASSW",
            "pwd",
            "Pwd",
            "PWD",
            "key",
            "Key",
            "KEY",
            "redential",
            "REDENTIAL",
        ],
        groups: &[1, 2],
        validate: generic,
    },
    Detector {
        kind: "email",
        description: "e-mail address (personal data; logs only)",
        pattern: r"(?-u)\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b",
        pii: true,
        anchors: &["@"],
        groups: &[],
        validate: email,
    },
    Detector {
        kind: "phone",
        description: "phone number in E.164 form: + and 8 to 15 digits, single spaces, dots or dashes allowed between (personal data; logs only)",
        pattern: r"(?-u)(?:^|[^0-9A-Za-z_+])(\+[1-9](?:[ .-]?[0-9]){7,14})\b",
        pii: true,
        anchors: &["+"],
        groups: &[1],
        validate: as_is,
    },
];

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
fn excerpt(secret: &[u8], kind: &str) -> String {
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

// ----- validation ------------------------------------------------------------------------

fn as_is(hit: &Hit<'_>) -> Option<Range<usize>> {
    Some(hit.in_buf())
}

fn aws_access_key_id(hit: &Hit<'_>) -> Option<Range<usize>> {
    // AWS documents its examples with keys ending in EXAMPLE; they are everywhere in docs.
    (!hit.secret().ends_with(b"EXAMPLE")).then(|| hit.in_buf())
}

fn aws_secret(hit: &Hit<'_>) -> Option<Range<usize>> {
    let secret = hit.secret();
    (secret.len() == 40 && !is_placeholder(secret) && entropy(secret) >= 3.0).then(|| hit.in_buf())
}

/// A token whose body (after its `prefix_len`-byte prefix) is random, not a word or a
/// placeholder: `cio` followed by an identifier is a name in code, not a token.
fn random_body(hit: &Hit<'_>, prefix_len: usize) -> Option<Range<usize>> {
    let body = hit.secret().get(prefix_len..)?;
    (!is_word(body) && !is_placeholder(body)).then(|| hit.in_buf())
}

fn cargo_registry_token(hit: &Hit<'_>) -> Option<Range<usize>> {
    random_body(hit, "cio".len())
}

fn npm_token(hit: &Hit<'_>) -> Option<Range<usize>> {
    random_body(hit, "npm_".len())
}

fn google_api_key(hit: &Hit<'_>) -> Option<Range<usize>> {
    (hit.secret().len() == 39).then(|| hit.in_buf())
}

fn jwt(hit: &Hit<'_>) -> Option<Range<usize>> {
    let secret = hit.secret();
    let header_len = memchr::memchr(b'.', secret)?;
    let header = base64url_decode(&secret[..header_len])?;
    let named = memchr::memmem::find(&header, b"\"alg\"").is_some()
        || memchr::memmem::find(&header, b"\"typ\"").is_some();
    named.then(|| hit.in_buf())
}

fn connection_password(hit: &Hit<'_>) -> Option<Range<usize>> {
    let password = hit.secret();
    let matched = &hit.line[hit.whole.clone()];
    let user_start = memchr::memmem::find(matched, b"://")? + 3;
    let user = &hit.line[hit.whole.start + user_start..hit.secret.start - 1];
    let plausible = password.len() >= 3
        && password != user
        && !password.iter().all(u8::is_ascii_digit)
        && !is_placeholder(password);
    plausible.then(|| hit.in_buf())
}

fn generic(hit: &Hit<'_>) -> Option<Range<usize>> {
    let value = hit.secret();
    let chars = String::from_utf8_lossy(value).chars().count();
    if chars < GENERIC_MIN_LEN || is_placeholder(value) || entropy(value) < GENERIC_MIN_ENTROPY {
        return None;
    }
    // Paths and URLs (a `/` and a `.`), absolute or home paths, text with escape sequences,
    // and names made of words (`snake_case`, `ENV_NAMES`, `dotted.keys`, `Title-Case-2`) are
    // configuration or messages, not secrets.
    let has = |b: u8| value.contains(&b);
    let path_like = (has(b'/') && has(b'.'))
        || value.starts_with(b"/")
        || value.starts_with(b"~/")
        || value.starts_with(b"./");
    if path_like || has(b'\\') || is_name_like(value) {
        return None;
    }
    // Unquoted values (group 2) also match ordinary YAML and INI values; a mix of letters and
    // digits is what sets a credential apart from prose there.
    if hit.group == 2
        && !(value.iter().any(u8::is_ascii_digit) && value.iter().any(u8::is_ascii_alphabetic))
    {
        return None;
    }
    Some(hit.in_buf())
}

fn email(hit: &Hit<'_>) -> Option<Range<usize>> {
    // `git@github.com:owner/repo` is an SSH remote, not a person.
    (!hit.secret().starts_with(b"git@")).then(|| hit.in_buf())
}

/// The header line of a private key counts when a key body follows: up to the matching
/// `-----END` line (within 64 KiB), or a run of base64 directly after the header. Code that
/// only names the header (a PEM parser's constant) has no body and is no finding. The span
/// covers the whole block, so redaction removes the key, not just its header.
fn private_key_block(hit: &Hit<'_>) -> Option<Range<usize>> {
    const WINDOW: usize = 64 * 1024;
    const MIN_BODY: usize = 20;
    let start = hit.line_start + hit.secret.start;
    let after = hit.line_start + hit.secret.end;
    let rest = &hit.buf[after..hit.buf.len().min(after + WINDOW)];
    // Body text: base64, whitespace, `\n`-style escapes of keys inside string literals, and
    // the `Proc-Type: 4,ENCRYPTED` / `DEK-Info:` headers of encrypted PEM.
    let body_byte = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'+' | b'/' | b'=' | b'\\' | b':' | b',' | b'.' | b'-')
            || b.is_ascii_whitespace()
    };
    let base64_count = |body: &[u8]| {
        let mut count = 0;
        let mut escaped = false;
        for &b in body {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/') {
                count += 1;
            }
        }
        count
    };
    if let Some(end_at) = memchr::memmem::find(rest, b"-----END") {
        let body = &rest[..end_at];
        if body.iter().all(|&b| body_byte(b)) && base64_count(body) >= MIN_BODY {
            let tail = &rest[end_at + 8..];
            let close = memchr::memmem::find(tail, b"-----")
                .filter(|&i| i <= 40)
                .map_or(end_at + 8, |i| end_at + 8 + i + 5);
            return Some(start..after + close);
        }
    }
    // No END line (a truncated key): the body is the run of body bytes after the header,
    // without the `-` of a possible next marker.
    let run = rest
        .iter()
        .position(|&b| !body_byte(b) || b == b'-')
        .unwrap_or(rest.len());
    let body = &rest[..run];
    let trimmed = body.len()
        - body
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    (base64_count(body) >= MIN_BODY).then_some(start..after + trimmed)
}

/// A word (lower, UPPER, Capitalised or CamelCase, each capital followed by at least two
/// lower-case letters, which random mixed case rarely manages), possibly followed by digits
/// (`v8`, `prod2024`), or a number.
fn is_word(part: &[u8]) -> bool {
    let letters = part.len() - part.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let part = &part[..letters];
    if part.iter().all(u8::is_ascii_uppercase) {
        return true;
    }
    let mut lower_run = 2;
    for (i, b) in part.iter().enumerate() {
        if b.is_ascii_lowercase() {
            lower_run += 1;
        } else if b.is_ascii_uppercase() && (i == 0 || lower_run >= 2) {
            lower_run = 0;
        } else {
            return false;
        }
    }
    lower_run >= 2 || part.len() == 1
}

/// Whether `value` is words and numbers joined by separators: single-case words
/// (`database_password_prod`, `GITHUB_TOKEN`), or two or more parts each of which is a word
/// possibly followed by digits, or a number (`TOKEN_COUNT_186`, `Service-Account-Token-2024`,
/// `PaymentGateway.Primary.v2`). Random credentials mix cases and digits within a part.
fn is_name_like(value: &[u8]) -> bool {
    let separator = |b: &u8| matches!(b, b'_' | b'-' | b'.' | b'/' | b' ' | b'(' | b')' | b':');
    let parts: Vec<&[u8]> = value.split(separator).filter(|p| !p.is_empty()).collect();
    let single_case = value.iter().all(|b| b.is_ascii_lowercase() || separator(b))
        || value.iter().all(|b| b.is_ascii_uppercase() || separator(b));
    single_case || (parts.len() >= 2 && parts.iter().all(|p| is_word(p)))
}

/// Shannon entropy of `bytes`, in bits per byte.
fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Values that stand for a secret without being one: documentation placeholders, template
/// variables, redaction markers, repeated characters.
fn is_placeholder(value: &[u8]) -> bool {
    const EXACT: &[&str] = &[
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "changeme",
        "changeit",
        "test",
        "testing",
        "example",
        "sample",
        "dummy",
        "placeholder",
        "redacted",
        "none",
        "null",
        "nil",
        "undefined",
        "empty",
        "root",
        "admin",
        "user",
        "username",
        "guest",
        "default",
        "postgres",
        "mysql",
        "foo",
        "bar",
        "baz",
        "todo",
        "fixme",
        "hunter2",
        "xxx",
    ];
    const CONTAINS: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "placeholder",
        "redacted",
        "example",
        "dummy",
        "your_",
        "your-",
        "xxxx",
        "****",
        "${",
        "{{",
        "%(",
        "<",
        ">",
        "{",
        "}",
    ];
    let lower = String::from_utf8_lossy(value).to_ascii_lowercase();
    EXACT.contains(&lower.as_str())
        || CONTAINS.iter().any(|c| lower.contains(c))
        || lower.starts_with('$')
        || value.windows(2).all(|w| w[0] == w[1])
}

/// Decodes unpadded base64url; `None` on a character outside the alphabet.
fn base64url_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// ----- files -----------------------------------------------------------------------------

/// What scanning one file came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileScan {
    /// Scanned: its size and its findings.
    Scanned {
        /// Size in bytes.
        bytes: u64,
        /// Findings, in file order.
        findings: Vec<SecretFinding>,
    },
    /// Not scanned: a NUL byte within the first [`BINARY_SNIFF_BYTES`].
    Binary {
        /// Size in bytes.
        bytes: u64,
    },
}

/// Whether `bytes` look binary: a NUL byte within the first [`BINARY_SNIFF_BYTES`].
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF_BYTES)]).is_some()
}

/// Reads and scans `paths` on `threads` threads (each file read once, into a buffer reused
/// per thread); results in the order of `paths`. Files over `max_bytes` are not read.
pub fn scan_files(
    paths: &[&Path],
    scope: Scope,
    max_bytes: u64,
    threads: usize,
) -> Vec<std::io::Result<FileScan>> {
    crate::parallel::map_files(paths, threads, 4 << 20, |path, buf| {
        scan_file(path, scope, max_bytes, buf)
    })
}

fn scan_file(
    path: &Path,
    scope: Scope,
    max_bytes: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<FileScan> {
    let mut file = File::open(path)?;
    buf.clear();
    // `take` guards against a file that grows between a size check and the read.
    (&mut file)
        .take(max_bytes.saturating_add(1))
        .read_to_end(buf)?;
    if buf.len() as u64 > max_bytes {
        if is_binary(buf) {
            return Ok(FileScan::Binary {
                bytes: file.metadata()?.len(),
            });
        }
        return scan_streamed(file, scope, max_bytes, buf);
    }
    let bytes = buf.len() as u64;
    if is_binary(buf) {
        return Ok(FileScan::Binary { bytes });
    }
    Ok(FileScan::Scanned {
        bytes,
        findings: scan_bytes(buf, scope),
    })
}

/// Scans a file larger than one window: `buf` holds its first `window + 1` bytes, `file` is
/// positioned after them. Each pass scans the buffer up to its last whole line, reports the
/// findings that start before the overlap kept for the next pass, and keeps from there on:
/// every line is reported by exactly one pass, and a secret starting in the overlap is
/// scanned whole in the next.
fn scan_streamed(
    mut file: File,
    scope: Scope,
    window: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<FileScan> {
    let window = usize::try_from(window.max(64)).unwrap_or(usize::MAX);
    let overlap = (window / 2).min(256 * 1024);
    let mut findings = Vec::new();
    let mut total = buf.len() as u64;
    // Lines before the buffer's first byte.
    let mut lines_before: u32 = 0;
    let count_lines =
        |bytes: &[u8]| u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX);
    loop {
        if buf.len() < window {
            let missing = (window - buf.len()) as u64;
            total += (&mut file).take(missing).read_to_end(buf)? as u64;
        }
        if buf.len() < window {
            // The end of the file: the rest is all this pass's.
            for mut finding in scan_bytes(buf, scope) {
                finding.line = finding.line.saturating_add(lines_before);
                findings.push(finding);
            }
            break;
        }
        let last_line_end = memchr::memrchr(b'\n', buf).map_or(buf.len(), |nl| nl + 1);
        // This pass owns up to the start of the line holding `len - overlap`; a line longer
        // than that is owned whole.
        let owned =
            memchr::memrchr(b'\n', &buf[..buf.len() - overlap]).map_or(last_line_end, |nl| nl + 1);
        let owned_lines = count_lines(&buf[..owned]);
        let owns_all = owned == buf.len();
        for mut finding in scan_bytes(&buf[..last_line_end], scope) {
            if owns_all || finding.line <= owned_lines {
                finding.line = finding.line.saturating_add(lines_before);
                findings.push(finding);
            }
        }
        lines_before = lines_before.saturating_add(owned_lines);
        buf.drain(..owned);
    }
    Ok(FileScan::Scanned {
        bytes: total,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic noise from `alphabet`: pattern-valid, obviously fake, and never spelled
    /// out in this file.
    fn noise(len: usize, seed: u64, alphabet: &[u8]) -> String {
        let mut rng = gate_support::rng::SplitMix64::new(seed);
        (0..len).map(|_| char::from(*rng.pick(alphabet))).collect()
    }

    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const DIGITS: &[u8] = b"0123456789";
    const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    fn b64url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out
    }

    /// A PEM block with a fake body; the header is assembled so this file never holds one.
    fn pem(label: &str, seed: u64, newline: &str) -> String {
        let header = format!("-----BEGIN {label} KEY-----");
        let footer = format!("-----END {label} KEY-----");
        let body: Vec<String> = (0..3).map(|i| noise(64, seed + i, BASE64)).collect();
        format!("{header}{newline}{}{newline}{footer}", body.join(newline))
    }

    fn jwt_token(seed: u64) -> String {
        format!(
            "{}.{}.{}",
            b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
            b64url(format!(r#"{{"sub":"{}","iat":1700000000}}"#, noise(8, seed, ALNUM)).as_bytes()),
            noise(43, seed + 1, ALNUM)
        )
    }

    /// (kind, the line or text holding it, the secret, scope).
    fn positives() -> Vec<(&'static str, String, String, Scope)> {
        let mut cases = Vec::new();
        let mut add = |kind, text: String, secret: String, scope| {
            cases.push((kind, text, secret, scope));
        };
        let rsa = pem("RSA PRIVATE", 1, "\n");
        add(
            "private-key",
            format!("{rsa}\n"),
            rsa.clone(),
            Scope::Source,
        );
        let ssh = pem("OPENSSH PRIVATE", 2, "\\n");
        add(
            "private-key",
            format!("const KEY: &str = \"{ssh}\";\n"),
            ssh,
            Scope::Source,
        );
        let pgp = format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n",
            noise(64, 3, BASE64)
        );
        add(
            "private-key",
            pgp.clone(),
            pgp.trim_end().to_owned(),
            Scope::Source,
        );
        let id = format!("AKIA{}", noise(16, 4, UPPER));
        add(
            "aws-access-key-id",
            format!("aws_access_key_id = {id}\n"),
            id,
            Scope::Source,
        );
        let id = format!("ASIA{}", noise(16, 5, UPPER));
        add(
            "aws-access-key-id",
            format!("key: \"{id}\"\n"),
            id,
            Scope::Source,
        );
        let aws = noise(40, 6, BASE64);
        add(
            "aws-secret-access-key",
            format!("aws_secret_access_key = {aws}\n"),
            aws,
            Scope::Source,
        );
        let aws = noise(40, 7, BASE64);
        add(
            "aws-secret-access-key",
            format!("const AWS_SECRET_KEY: &str = \"{aws}\";\n"),
            aws,
            Scope::Source,
        );
        let gh = format!("ghp_{}", "a".repeat(36));
        add(
            "github-token",
            format!("GITHUB_TOKEN={gh}\n"),
            gh,
            Scope::Source,
        );
        for prefix in ["gho_", "ghu_", "ghs_", "ghr_"] {
            let gh = format!("{prefix}{}", noise(36, 8, ALNUM));
            add(
                "github-token",
                format!("auth {gh} end\n"),
                gh,
                Scope::Source,
            );
        }
        let pat = format!(
            "github_pat_{}_{}",
            noise(22, 9, ALNUM),
            noise(59, 10, ALNUM)
        );
        add(
            "github-token",
            format!("let t = \"{pat}\";\n"),
            pat,
            Scope::Source,
        );
        let gl = format!("glpat-{}", noise(20, 11, ALNUM));
        add(
            "gitlab-token",
            format!("CI_TOKEN: {gl}\n"),
            gl,
            Scope::Source,
        );
        let slack = format!(
            "xoxb-{}-{}-{}",
            noise(12, 12, DIGITS),
            noise(13, 13, DIGITS),
            noise(24, 14, ALNUM)
        );
        add(
            "slack-token",
            format!("slack = '{slack}'\n"),
            slack,
            Scope::Source,
        );
        // Every Slack token prefix, with the shapes they come in.
        let slack = format!(
            "xoxp-{}-{}-{}-{}",
            noise(11, 90, DIGITS),
            noise(11, 91, DIGITS),
            noise(13, 92, DIGITS),
            noise(32, 93, b"0123456789abcdef")
        );
        add(
            "slack-token",
            format!("SLACK_USER_TOKEN={slack}\n"),
            slack,
            Scope::Source,
        );
        for (prefix, seed) in [("xoxa", 94), ("xoxr", 95), ("xoxs", 96)] {
            let slack = format!(
                "{prefix}-{}-{}",
                noise(1, seed, b"123456789"),
                noise(40, seed + 10, ALNUM)
            );
            add(
                "slack-token",
                format!("token: {slack}\n"),
                slack,
                Scope::Source,
            );
        }
        let cargo = format!("cio{}", noise(32, 97, ALNUM));
        add(
            "cargo-registry-token",
            format!("CARGO_REGISTRY_TOKEN={cargo}\n"),
            cargo,
            Scope::Source,
        );
        let cargo = format!("cio{}", noise(32, 98, ALNUM));
        add(
            "cargo-registry-token",
            format!("[registry]\ntoken = \"{cargo}\"\n")
                .trim_start_matches("[registry]\n")
                .to_owned(),
            cargo,
            Scope::Source,
        );
        let npm = format!("npm_{}", noise(36, 99, ALNUM));
        add(
            "npm-token",
            format!("//registry.example/:_authToken={npm}\n"),
            npm,
            Scope::Source,
        );
        let pypi = format!(
            "{}{}",
            ["pypi-", "AgEIcHlwaS5vcmc"].concat(),
            noise(
                160,
                100,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            )
        );
        add(
            "pypi-token",
            format!("password = {pypi}\n"),
            pypi,
            Scope::Source,
        );
        let hook = format!(
            "T{}/B{}/{}",
            noise(8, 15, UPPER),
            noise(8, 16, UPPER),
            noise(24, 17, ALNUM)
        );
        add(
            "slack-webhook",
            format!("url = \"https://hooks.slack.com/services/{hook}\"\n"),
            hook,
            Scope::Source,
        );
        let stripe = format!("sk_live_{}", noise(24, 18, ALNUM));
        add(
            "stripe-key",
            format!("Stripe::new({stripe:?})\n"),
            stripe,
            Scope::Source,
        );
        let stripe = format!("rk_live_{}", noise(24, 19, ALNUM));
        add("stripe-key", format!("{stripe}\n"), stripe, Scope::Source);
        let google = format!("AIza{}", noise(35, 20, ALNUM));
        add(
            "google-api-key",
            format!("?key={google}&q=1\n"),
            google,
            Scope::Source,
        );
        let jwt = jwt_token(21);
        add(
            "jwt",
            format!("Authorization: Bearer {jwt}\n"),
            jwt,
            Scope::Source,
        );
        let pw = noise(14, 22, ALNUM);
        add(
            "connection-string",
            format!("DATABASE_URL=postgres://app:{pw}@db.internal:5432/app\n"),
            pw,
            Scope::Source,
        );
        let pw = noise(12, 23, ALNUM);
        add(
            "connection-string",
            format!("uri: mongodb+srv://svc:{pw}@cluster0.mongodb.net/db\n"),
            pw,
            Scope::Source,
        );
        let pw = noise(10, 24, ALNUM);
        add(
            "connection-string",
            format!("\"redis://:{pw}@cache:6379/0\"\n"),
            pw,
            Scope::Source,
        );
        let pw = noise(16, 25, ALNUM);
        add(
            "connection-string",
            format!("amqp://guest:{pw}@rabbit/vhost\n"),
            pw,
            Scope::Source,
        );
        let value = noise(24, 26, ALNUM);
        add(
            "generic-secret",
            format!("api_key = \"{value}\"\n"),
            value,
            Scope::Source,
        );
        let value = noise(20, 27, ALNUM);
        add(
            "generic-secret",
            format!("export DB_PASSWORD={value}\n"),
            value,
            Scope::Source,
        );
        let value = noise(32, 28, ALNUM);
        add(
            "generic-secret",
            format!("{{\"client_secret\": \"{value}\"}}\n"),
            value,
            Scope::Source,
        );
        let value = noise(18, 29, ALNUM);
        add(
            "generic-secret",
            format!("    const SERVICE_TOKEN: &str = \"{value}\";\n"),
            value,
            Scope::Source,
        );
        let value = noise(24, 30, ALNUM);
        add(
            "generic-secret",
            format!("  password: {value}  # prod\n"),
            value,
            Scope::Source,
        );
        let email = format!("{}@{}.org", "jane.doe", "corp-mail");
        add(
            "email",
            format!("notify {email} on failure\n"),
            email,
            Scope::Log,
        );
        let phone = format!("+1 415 {} {}", noise(3, 31, DIGITS), noise(4, 32, DIGITS));
        add("phone", format!("call {phone}.\n"), phone, Scope::Log);
        let phone = format!("+49{}", noise(11, 33, DIGITS));
        add("phone", format!("tel:{phone}\n"), phone, Scope::Log);
        cases
    }

    fn assert_no_secret(findings: &[SecretFinding], secret: &str) {
        let json = serde_json::to_string(findings).unwrap();
        assert!(!json.contains(secret), "{json}");
        for f in findings {
            assert!(!f.excerpt.contains(secret) && !f.kind.contains(secret));
        }
    }

    #[test]
    fn every_detector_finds_its_kind_with_position_and_redacted_excerpt() {
        let cases = positives();
        for detector in detectors() {
            assert!(
                cases.iter().any(|(kind, ..)| *kind == detector.kind),
                "no positive case for {}",
                detector.kind
            );
        }
        for (kind, text, secret, scope) in &cases {
            let prefix = "first line\n";
            let input = format!("{prefix}{text}");
            let findings = scan_bytes(input.as_bytes(), *scope);
            assert_eq!(findings.len(), 1, "{kind}: {text:?} → {findings:?}");
            let f = &findings[0];
            assert_eq!(f.kind, *kind, "{text:?}");
            assert_eq!(f.line, 2, "{kind}");
            let at = text.find(secret.as_str()).expect("secret in text");
            assert_eq!(f.column as usize, text[..at].chars().count() + 1, "{kind}");
            let keep = (secret.chars().count() / 4).min(4);
            let expected: String = secret.chars().take(keep).collect();
            assert_eq!(f.excerpt, format!("{expected}…[{kind}]"));
            assert_no_secret(&findings, secret);
            if *scope == Scope::Source {
                assert_eq!(scan_bytes(input.as_bytes(), Scope::Log), findings, "{kind}");
            }
        }
    }

    /// The token formats of the ecosystems a Rust workspace meets: each one planted (built
    /// from parts at run time, so this file holds none), found with its kind, and redacted
    /// by `redact_bytes` wherever it stands — an environment dump, a config line, a log.
    #[test]
    fn ecosystem_tokens_are_found_and_redacted() {
        let tokens = [
            (
                "cargo-registry-token",
                format!("cio{}", noise(32, 200, ALNUM)),
            ),
            (
                "github-token",
                format!(
                    "github_pat_{}_{}",
                    noise(22, 201, ALNUM),
                    noise(59, 202, ALNUM)
                ),
            ),
            ("npm-token", format!("npm_{}", noise(36, 203, ALNUM))),
            (
                "pypi-token",
                format!(
                    "{}{}",
                    ["pypi-", "AgEIcHlwaS5vcmc"].concat(),
                    noise(
                        180,
                        204,
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                    )
                ),
            ),
            (
                "slack-token",
                format!(
                    "xoxb-{}-{}-{}",
                    noise(12, 205, DIGITS),
                    noise(13, 206, DIGITS),
                    noise(24, 207, ALNUM)
                ),
            ),
        ];
        assert_eq!(tokens[1].1.len(), "github_pat_".len() + 82);
        for (kind, token) in &tokens {
            for line in [
                format!("TOKEN={token}\n"),
                format!("env: {{\"X\": \"{token}\"}}\n"),
                format!("test output: using {token} for upload\n"),
                token.clone(),
            ] {
                let found = scan_bytes(line.as_bytes(), Scope::Source);
                assert_eq!(found.len(), 1, "{kind}: {line:?} → {found:?}");
                assert_eq!(found[0].kind, *kind, "{line:?}");
                assert_no_secret(&found, token);
                let redacted = redact_bytes(line.as_bytes()).expect("something to redact");
                let redacted = String::from_utf8(redacted).unwrap();
                assert!(!redacted.contains(token.as_str()), "{redacted}");
                assert!(redacted.contains(&format!("…[{kind}]")), "{redacted}");
                // Redacted text scans clean.
                assert!(
                    scan_bytes(redacted.as_bytes(), Scope::Log).is_empty(),
                    "{redacted}"
                );
            }
        }
    }

    #[test]
    fn pii_counts_in_logs_only() {
        for (kind, text, ..) in positives() {
            if kind == "email" || kind == "phone" {
                assert!(
                    scan_bytes(text.as_bytes(), Scope::Source).is_empty(),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn decoys_never_match() {
        let hex64 = noise(64, 40, b"0123456789abcdef");
        let png = format!("iVBORw0KGgoAAAANSUhEUgAA{}", noise(400, 41, BASE64));
        let header = format!("-----BEGIN {} KEY-----", "PRIVATE");
        let decoys = [
            "The AKIA prefix marks long-term keys; ASIA marks temporary ones.".to_owned(),
            format!("aws_access_key_id = AKIA{}", "IOSFODNN7EXAMPLE"),
            "tokens look like ghp_abc or glpat-short or sk_live_123".to_owned(),
            "password = \"changeme\"".to_owned(),
            "password = \"${DB_PASSWORD}\"".to_owned(),
            "DB_PASSWORD=${DB_PASSWORD}".to_owned(),
            "api_key = \"<redacted>\"".to_owned(),
            "token = \"xxxxxxxxxxxxxxxxxxxxxxxx\"".to_owned(),
            // Long enough, but too little entropy to be random.
            "api_key = \"1234567890123456\"".to_owned(),
            "password = \"Password1Password1\"".to_owned(),
            "DB_PASS_TOKEN=abc123abc123abc123".to_owned(),
            "secret_key = \"your-secret-key-goes-here\"".to_owned(),
            "request_id = \"550e8400-e29b-41d4-a716-446655440000\"".to_owned(),
            "let id = uuid::Uuid::parse_str(\"550e8400-e29b-41d4-a716-446655440000\");".to_owned(),
            format!("checksum = \"{hex64}\""),
            format!("sha256:{hex64}"),
            format!("const ICON: &str = \"{png}\";"),
            format!("<img src=\"data:image/png;base64,{png}\">"),
            "let token = next_token(&mut lexer);".to_owned(),
            "    password: String,".to_owned(),
            "    pub api_key: Option<String>,".to_owned(),
            "    password: self.password_hash".to_owned(),
            "token_count = 5".to_owned(),
            "secret_name = \"database_password_prod\"".to_owned(),
            "TOKEN_VAR = \"GITHUB_TOKEN_FOR_RELEASES\"".to_owned(),
            r#"static TOKEN_COUNT_186_NAME: &str = "TOKEN_COUNT_186\t(v8)";"#.to_owned(),
            "api_token_name = \"Service-Account-Token-2024\"".to_owned(),
            "secret_label: \"PaymentGateway.Primary.2024\"".to_owned(),
            "token_path = \"config/secrets/token_2024.json\"".to_owned(),
            "auth_token_url = \"https://auth.internal/oauth2/token\"".to_owned(),
            "postgres://user:password@localhost/db".to_owned(),
            "postgres://postgres:postgres@localhost:5432/app".to_owned(),
            "https://x-access-token:${GITHUB_TOKEN}@github.com/o/r".to_owned(),
            "http://localhost:8080/path@anchor".to_owned(),
            format!("const BEGIN: &str = \"{header}\";\nconst END: &str = \"-----END\";"),
            "the header is eyJ followed by base64: eyJhbGciOi".to_owned(),
            "slack tokens start with xoxb-not-a-token".to_owned(),
            "xoxo, and hugs: xoxo-123456-abcdefghijkl".to_owned(),
            "npm_config_cache=/tmp/npm npm_package_version=1.0.0".to_owned(),
            format!("npm_{}", "lifecycle_event_name_for_the_install_step"),
            format!(
                "let {} = 1;",
                ["npm_", &"abcdefghij".repeat(3), "abcdef"].concat()
            ),
            "a precious, delicious, specious sociopath".to_owned(),
            format!(
                "fn {}() {{}}",
                ["cio", "someverylongidentifiernamehere12"].concat()
            ),
            // A 32-letter CamelCase name after `cio` is an identifier, not a token.
            format!(
                "let {} = 0;",
                ["cio", "SomeVeryLongIdentifierNameValues"].concat()
            ),
            format!("{}{}", ["pypi-", "AgEIcHlwaS5vcmc"].concat(), "short"),
            format!(
                "jwt = \"eyJ{}.{}.{}\"",
                "notjsonatall", "abcdefghij", "abcdefghij"
            ),
            "git@github.com:owner/repo.git".to_owned(),
            "serde@1.0.219 and tokio@1.x".to_owned(),
            "2026-04-14T10:00:00+00:00 [unoptimized + debuginfo] 1 + 2 = 3".to_owned(),
            "@@ -1,7 +1,12 @@".to_owned(),
        ];
        for decoy in &decoys {
            let findings = scan_bytes(decoy.as_bytes(), Scope::Log);
            assert!(findings.is_empty(), "{decoy:?} → {findings:?}");
        }
    }

    #[test]
    fn author_emails_in_sources_are_not_findings() {
        let manifest = format!("authors = [\"Jane Doe <{}@{}.org>\"]\n", "jane", "corp");
        assert!(scan_bytes(manifest.as_bytes(), Scope::Source).is_empty());
        assert_eq!(scan_bytes(manifest.as_bytes(), Scope::Log).len(), 1);
    }

    #[test]
    fn findings_are_in_order_with_lines_columns_and_multibyte_columns() {
        let gh = format!("ghp_{}", noise(36, 50, ALNUM));
        let gl = format!("glpat-{}", noise(24, 51, ALNUM));
        let text = format!("a\nä = \"{gh}\" ; {gl}\n\n\r\nx {gh}\n");
        let findings = scan_bytes(text.as_bytes(), Scope::Source);
        let at: Vec<(u32, u32, &str)> = findings
            .iter()
            .map(|f| (f.line, f.column, f.kind))
            .collect();
        assert_eq!(
            at,
            [
                (2, 6, "github-token"),
                (2, 50, "gitlab-token"),
                (5, 3, "github-token")
            ]
        );
    }

    #[test]
    fn the_most_specific_detector_wins_an_overlap() {
        let gh = format!("ghp_{}", noise(36, 60, ALNUM));
        let findings = scan_bytes(format!("GITHUB_TOKEN = \"{gh}\"").as_bytes(), Scope::Source);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, "github-token");
        let pw = noise(16, 61, ALNUM);
        let url = format!("postgres://app:{pw}@db.corp.org/x");
        let findings = scan_bytes(url.as_bytes(), Scope::Log);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].kind, "connection-string");
    }

    #[test]
    fn short_secrets_keep_at_most_a_quarter() {
        assert_eq!(excerpt(b"abcdefgh", "x"), "ab…[x]");
        assert_eq!(excerpt(b"abc", "x"), "…[x]");
        assert_eq!(excerpt("äöüßäöüßäöüßäöüßäöüß".as_bytes(), "x"), "äöüß…[x]");
    }

    /// A cargo test log as the record keeps it: nothing in it is a secret.
    fn cargo_log() -> String {
        [
            "    Updating crates.io index",
            "   Compiling serde v1.0.219",
            "   Compiling app v0.1.0 (/home/ci/work/app)",
            "warning: unused variable: `token`",
            "  --> src/auth.rs:12:9",
            "   |",
            "12 |     let token = parse_token(&header)?;",
            "   |         ^^^^^ help: if this is intentional, prefix it with an underscore: `_token`",
            "    Finished `test` profile [unoptimized + debuginfo] target(s) in 4.21s",
            "     Running unittests src/lib.rs (target/debug/deps/app-3f2a1b4c5d6e7f80)",
            "",
            "running 4 tests",
            "test auth::tests::token_roundtrip ... ok",
            "test auth::tests::password_hash_is_argon2 ... ok",
            "test db::tests::connects_with_url ... ignored, needs postgres://localhost",
            "test parse::tests::parses ... FAILED",
            "",
            "failures:",
            "",
            "---- parse::tests::parses stdout ----",
            "thread 'parse::tests::parses' panicked at src/parse.rs:40:5:",
            "assertion `left == right` failed",
            "  left: \"secret_key_name\"",
            " right: 2",
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
            "",
            "test result: FAILED. 2 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "",
            "error: test failed, to rerun pass `--lib`",
            "   Doc-tests app",
            "checksum 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 at 2026-04-14T10:00:00+00:00",
            "remote: git@github.com:owner/app.git (1 + 1 = 2)",
        ]
        .join("\n")
    }

    #[test]
    fn redact_leaves_ordinary_cargo_output_alone() {
        let log = cargo_log();
        assert_eq!(redact(&log), log);
        assert!(scan_bytes(log.as_bytes(), Scope::Log).is_empty());
        assert!(redact_bytes(log.as_bytes()).is_none());
    }

    #[test]
    fn redact_removes_every_secret_and_is_idempotent() {
        let cases = positives();
        let mut log = cargo_log();
        for (_, text, ..) in &cases {
            log.push('\n');
            log.push_str(text);
        }
        let once = redact(&log);
        for (kind, _, secret, _) in &cases {
            assert!(!once.contains(secret.as_str()), "{kind} survived: {once}");
            assert!(once.contains(&format!("…[{kind}]")), "{kind}");
        }
        assert!(once.starts_with(&cargo_log()), "ordinary lines untouched");
        assert_eq!(redact(&once), once, "idempotent");
        assert!(scan_bytes(once.as_bytes(), Scope::Log).is_empty());
        assert!(scan_bytes(once.as_bytes(), Scope::Source).is_empty());
    }

    #[test]
    fn redaction_scales_to_many_findings() {
        let line = format!("user {}@{}.org logged in\n", "someone", "corp");
        let log = line.repeat(20_000);
        let started = std::time::Instant::now();
        let redacted = redact(&log);
        assert_eq!(redacted.matches("…[email]").count(), 20_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn redacted_key_blocks_lose_their_body() {
        let block = pem("EC PRIVATE", 70, "\n");
        let redacted = redact(&format!("before\n{block}\nafter"));
        assert_eq!(redacted, "before\n----…[private-key]\nafter");
    }

    #[test]
    fn a_truncated_key_block_is_still_found() {
        let header = format!("-----BEGIN {} KEY-----", "RSA PRIVATE");
        let text = format!("{header}\n{}\n", noise(64, 71, BASE64));
        let redacted = redact(&text);
        assert_eq!(redacted, "----…[private-key]\n");
    }

    #[test]
    fn entropy_and_placeholders() {
        assert!(entropy(b"aaaaaaaaaaaaaaaa") < 0.01);
        assert!((entropy(b"0123456789abcdef") - 4.0).abs() < 1e-9);
        assert!(entropy(noise(24, 80, ALNUM).as_bytes()) >= GENERIC_MIN_ENTROPY);
        for p in [
            "changeme",
            "XXX",
            "${TOKEN}",
            "<redacted>",
            "{{ vault }}",
            "$SECRET",
            "********",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        assert!(!is_placeholder(noise(20, 81, ALNUM).as_bytes()));
    }

    #[test]
    fn ripgrep_patterns_compile_one_per_line() {
        let source = ripgrep_patterns(Scope::Source);
        let log = ripgrep_patterns(Scope::Log);
        assert_eq!(
            source.lines().count(),
            detectors().iter().filter(|d| !d.pii).count()
        );
        assert_eq!(log.lines().count(), detectors().len());
        for line in log.lines() {
            Regex::new(line).unwrap();
        }
    }

    #[test]
    fn detectors_have_unique_kebab_case_kinds_and_anchors() {
        let mut kinds: Vec<&str> = detectors().iter().map(|d| d.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), detectors().len());
        for d in detectors() {
            assert!(
                d.kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                d.kind
            );
            assert!(
                !d.anchors.is_empty() && !d.description.is_empty(),
                "{}",
                d.kind
            );
        }
    }

    #[test]
    fn bare_aws_secrets_in_logs_are_redacted_and_digests_are_not() {
        for seed in 0..50 {
            let secret = noise(40, 7000 + seed, BASE64);
            let id = format!("AKIA{}", noise(16, seed, UPPER));
            let log = format!("test creds ... ok\nkey id {id} secret {secret}\n");
            let redacted = redact(&log);
            assert!(!redacted.contains(&secret), "seed {seed}: {redacted}");
        }
        let keep = [
            // A git commit id and a sha256 digest: hex, never secrets.
            "commit 3f7a9c0e5b1d4e2f8a6c9b0d1e3f5a7c9b2d4e6f done",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            // Paths and words.
            "Running tests/integration/main.rs (target/debug/deps/integration-2593b6bf4f53bc92)",
            "/work/main/target/debug/build/Cargo2Lock/out/Kernels123/abc.ptx",
            "FooBarBazQuxQuuxCorgeGraultGarplyWaldo12",
        ];
        for text in keep {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn this_module_holds_no_secret() {
        assert!(scan_bytes(include_bytes!("secrets.rs"), Scope::Source).is_empty());
        assert!(scan_bytes(include_bytes!("checks/secrets_scan.rs"), Scope::Source).is_empty());
    }

    #[test]
    fn files_binary_are_skipped_and_oversized_are_streamed() {
        let dir = tempfile::tempdir().unwrap();
        let leak = dir.path().join("leak.env");
        let token = format!("glpat-{}", noise(24, 90, ALNUM));
        std::fs::write(&leak, format!("X=1\nTOKEN={token}\n")).unwrap();
        let binary = dir.path().join("blob.bin");
        std::fs::write(&binary, [b"\0\x01".as_slice(), token.as_bytes()].concat()).unwrap();
        let large = dir.path().join("large.txt");
        std::fs::write(&large, format!("{token}\n{}", "x".repeat(200))).unwrap();
        let missing = dir.path().join("missing");
        let paths = [
            leak.as_path(),
            binary.as_path(),
            large.as_path(),
            missing.as_path(),
        ];
        let results = scan_files(&paths, Scope::Source, 100, 3);
        match &results[0] {
            Ok(FileScan::Scanned { bytes, findings }) => {
                assert_eq!(*bytes, 4 + 6 + token.len() as u64 + 1);
                assert_eq!(findings.len(), 1);
                assert_eq!((findings[0].line, findings[0].column), (2, 7));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(results[1], Ok(FileScan::Binary { .. })));
        // Larger than the window (100 bytes here): scanned streamed, the token found.
        match &results[2] {
            Ok(FileScan::Scanned { bytes, findings }) => {
                assert_eq!(*bytes, token.len() as u64 + 1 + 200);
                assert_eq!(findings.len(), 1, "{findings:?}");
                assert_eq!(findings[0].line, 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(results[3].is_err());
        assert_eq!(MAX_FILE_BYTES, 2 * 1024 * 1024);
    }
}
