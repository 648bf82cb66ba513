//! The detectors of the secret scanner: each one's id, regex, anchors and validation (the
//! thresholds of the module docs of `crate::secrets`), and the helpers validation uses
//! (entropy, placeholders, words).

use std::ops::Range;

/// The shortest value the generic assignment rule considers, in characters. Shorter values
/// cannot reach [`GENERIC_MIN_ENTROPY`] reliably and are mostly words.
pub const GENERIC_MIN_LEN: usize = 16;

/// The Shannon entropy (bits per character) a generic value needs. Random alphanumerics of
/// 16+ characters score about 3.7–4.3; English words and identifiers mostly stay below 3.5.
pub const GENERIC_MIN_ENTROPY: f64 = 3.5;

/// A detector: a stable id, what it finds, and its regex.
#[derive(Debug)]
pub struct Detector {
    /// Stable id, used in findings, excerpts and waivers.
    pub kind: &'static str,
    /// What it finds, for documentation and reports.
    pub description: &'static str,
    /// The regex (Rust `regex` syntax, which ripgrep accepts), matched against one line.
    pub pattern: &'static str,
    /// Whether this finds personal data (reported in [`Scope::Log`](super::Scope::Log) only).
    pub pii: bool,
    /// Literal strings one of which every match contains, matched case-sensitively (key words
    /// in their lower, UPPER and Capitalised spellings, minus a first letter that may be
    /// either case): case-insensitive matching would keep the automaton off its SIMD path.
    pub(super) anchors: &'static [&'static str],
    /// Capture groups holding the secret, first participating one wins; none: the whole match.
    pub(super) groups: &'static [usize],
    /// Validation after the regex; returns the secret's span in the buffer.
    pub(super) validate: fn(&Hit<'_>) -> Option<Range<usize>>,
}

/// One regex match on one line, for validation.
#[derive(Debug)]
pub(super) struct Hit<'a> {
    /// The whole buffer.
    pub(super) buf: &'a [u8],
    /// Offset of `line` in `buf`.
    pub(super) line_start: usize,
    /// The line, without its line terminator.
    pub(super) line: &'a [u8],
    /// The whole match, in `line` coordinates.
    pub(super) whole: Range<usize>,
    /// The secret, in `line` coordinates.
    pub(super) secret: Range<usize>,
    /// Which capture group held the secret (0: the whole match).
    pub(super) group: usize,
}

impl Hit<'_> {
    pub(super) fn secret(&self) -> &[u8] {
        &self.line[self.secret.clone()]
    }

    pub(super) fn in_buf(&self) -> Range<usize> {
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

pub(super) static DETECTORS: &[Detector] = &[
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
        validate: github_token,
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

pub(super) fn as_is(hit: &Hit<'_>) -> Option<Range<usize>> {
    Some(hit.in_buf())
}

pub(super) fn github_token(hit: &Hit<'_>) -> Option<Range<usize>> {
    // A placeholder (`ghp_` and 36 `x`, in a `.env.example`) has the shape but not the
    // randomness of a token.
    let secret = hit.secret();
    let body = secret
        .iter()
        .position(|&b| b == b'_')
        .map_or(secret, |i| &secret[i + 1..]);
    (!is_placeholder(body) && entropy(body) >= 3.0).then(|| hit.in_buf())
}

pub(super) fn aws_access_key_id(hit: &Hit<'_>) -> Option<Range<usize>> {
    // AWS documents its examples with keys ending in EXAMPLE; they are everywhere in docs.
    (!hit.secret().ends_with(b"EXAMPLE")).then(|| hit.in_buf())
}

pub(super) fn aws_secret(hit: &Hit<'_>) -> Option<Range<usize>> {
    let secret = hit.secret();
    (secret.len() == 40 && !is_placeholder(secret) && entropy(secret) >= 3.0).then(|| hit.in_buf())
}

/// A token whose body (after its `prefix_len`-byte prefix) is random, not a word or a
/// placeholder: `cio` followed by an identifier is a name in code, not a token.
pub(super) fn random_body(hit: &Hit<'_>, prefix_len: usize) -> Option<Range<usize>> {
    let body = hit.secret().get(prefix_len..)?;
    (!is_word(body) && !is_placeholder(body)).then(|| hit.in_buf())
}

pub(super) fn cargo_registry_token(hit: &Hit<'_>) -> Option<Range<usize>> {
    random_body(hit, "cio".len())
}

pub(super) fn npm_token(hit: &Hit<'_>) -> Option<Range<usize>> {
    random_body(hit, "npm_".len())
}

pub(super) fn google_api_key(hit: &Hit<'_>) -> Option<Range<usize>> {
    (hit.secret().len() == 39).then(|| hit.in_buf())
}

pub(super) fn jwt(hit: &Hit<'_>) -> Option<Range<usize>> {
    let secret = hit.secret();
    let header_len = memchr::memchr(b'.', secret)?;
    let header = base64url_decode(&secret[..header_len])?;
    let named = memchr::memmem::find(&header, b"\"alg\"").is_some()
        || memchr::memmem::find(&header, b"\"typ\"").is_some();
    named.then(|| hit.in_buf())
}

pub(super) fn connection_password(hit: &Hit<'_>) -> Option<Range<usize>> {
    let password = hit.secret();
    let matched = &hit.line[hit.whole.clone()];
    let user_start = memchr::memmem::find(matched, b"://")? + 3;
    let user = &hit.line[hit.whole.start + user_start..hit.secret.start - 1];
    let host = &hit.line[hit.secret.end + 1..hit.whole.end];
    let plausible = password.len() >= 3
        && password != user
        && !password.iter().all(u8::is_ascii_digit)
        && !is_placeholder(password)
        && !is_reserved_host(host);
    plausible.then(|| hit.in_buf())
}

/// Host names reserved for documentation and tests (RFC 2606, RFC 6761): `example.com`,
/// `example.net`, `example.org` and the `.example`, `.test`, `.invalid` and `.localhost`
/// names, with their subdomains, and `localhost` itself. No credential for them reaches a
/// real service, so a URL naming one is an example whatever its password reads like.
pub(super) fn is_reserved_host(host: &[u8]) -> bool {
    let host = String::from_utf8_lossy(host).to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    const DOMAINS: &[&str] = &["example.com", "example.net", "example.org", "localhost"];
    const TLDS: &[&str] = &["example", "test", "invalid", "localhost"];
    let under = |domain: &str| {
        host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.'))
    };
    DOMAINS.iter().any(|d| under(d)) || TLDS.iter().any(|tld| under(tld))
}

pub(super) fn generic(hit: &Hit<'_>) -> Option<Range<usize>> {
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
    if path_like || has(b'\\') || is_name_like(value) || is_type_name(hit) || is_lexer_table(hit) {
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

pub(super) fn email(hit: &Hit<'_>) -> Option<Range<usize>> {
    // `git@github.com:owner/repo` is an SSH remote, not a person; nobody has an address at a
    // domain reserved for examples.
    let secret = hit.secret();
    let domain = memchr::memrchr(b'@', secret).map_or(&b""[..], |at| &secret[at + 1..]);
    (!secret.starts_with(b"git@") && !is_reserved_host(domain)).then(|| hit.in_buf())
}

/// The header line of a private key counts when a key body follows: up to the matching
/// `-----END` line (within 64 KiB), or a run of base64 directly after the header. Code that
/// only names the header (a PEM parser's constant) has no body and is no finding. The span
/// covers the whole block, so redaction removes the key, not just its header.
pub(super) fn private_key_block(hit: &Hit<'_>) -> Option<Range<usize>> {
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
pub(super) fn is_word(part: &[u8]) -> bool {
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
pub(super) fn is_name_like(value: &[u8]) -> bool {
    let separator = |b: &u8| matches!(b, b'_' | b'-' | b'.' | b'/' | b' ' | b'(' | b')' | b':');
    let parts: Vec<&[u8]> = value.split(separator).filter(|p| !p.is_empty()).collect();
    let single_case = value.iter().all(|b| b.is_ascii_lowercase() || separator(b))
        || value.iter().all(|b| b.is_ascii_uppercase() || separator(b));
    single_case || (parts.len() >= 2 && parts.iter().all(|p| is_word(p)))
}

/// One CamelCase name of two or more words, letters only (`LlamaTokenizerFast`), assigned to
/// a key that names a class, type or kind (`tokenizer_class`). Only there: a passphrase of
/// capitalised words under a password key is still a secret.
fn is_type_name(hit: &Hit<'_>) -> bool {
    let value = hit.secret();
    let key = hit.line[hit.whole.start..hit.secret.start].to_ascii_lowercase();
    ["class", "type", "kind"]
        .iter()
        .any(|k| memchr::memmem::find(&key, k.as_bytes()).is_some())
        && value.iter().all(u8::is_ascii_alphabetic)
        && value.first().is_some_and(u8::is_ascii_uppercase)
        && value.iter().filter(|b| b.is_ascii_uppercase()).count() >= 2
        && is_word(value)
}

/// A parser generator's encoded tables under a key that names tokens, not a token (Lezer's
/// `tokenData:"*V~RrOX#]…"` and `tokenPrec` in minified JavaScript: tabby's bundled
/// CodeMirror parsers, seven false findings).
fn is_lexer_table(hit: &Hit<'_>) -> bool {
    let key = hit.line[hit.whole.start..hit.secret.start].to_ascii_lowercase();
    const TABLES: &[&[u8]] = &[
        b"tokendata",
        b"tokenprec",
        b"tokentable",
        b"tokentypes",
        b"tokenizer",
        b"token_data",
        b"token_table",
    ];
    TABLES
        .iter()
        .any(|t| memchr::memmem::find(&key, t).is_some())
}

/// Shannon entropy of `bytes`, in bits per byte.
pub(super) fn entropy(bytes: &[u8]) -> f64 {
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
pub(super) fn is_placeholder(value: &[u8]) -> bool {
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
pub(super) fn base64url_decode(text: &[u8]) -> Option<Vec<u8>> {
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
