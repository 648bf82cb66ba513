//! Tests of the secret scanner: detectors, thresholds, redaction, files.

use super::detectors::*;
use super::scan::excerpt;
use super::*;
use regex::bytes::Regex;

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
    let gh = format!("ghp_{}", noise(36, 11, ALNUM));
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
        // A class name (text-generation-inference) and a token placeholder (ceno's
        // `runner.env.example`).
        "    tokenizer_class = \"LlamaTokenizerFast\"".to_owned(),
        "  \"tokenizer_class\": \"BloomTokenizerFast\",".to_owned(),
        format!("GITHUB_PAT=ghp_{}", "x".repeat(36)),
        "secret_label: \"PaymentGateway.Primary.2024\"".to_owned(),
        "token_path = \"config/secrets/token_2024.json\"".to_owned(),
        "auth_token_url = \"https://auth.internal/oauth2/token\"".to_owned(),
        "postgres://user:password@localhost/db".to_owned(),
        "postgres://postgres:postgres@localhost:5432/app".to_owned(),
        "https://x-access-token:${GITHUB_TOKEN}@github.com/o/r".to_owned(),
        "http://localhost:8080/path@anchor".to_owned(),
        // Hosts reserved for documentation (RFC 2606, RFC 6761): an example whatever the
        // password reads like (nushell's `url parse` example).
        "> 'http://user123:pass567@www.example.com:8081/foo/bar' | url parse".to_owned(),
        "mysql://app:Tr0ub4dor3Zx@db.example.org/app".to_owned(),
        "amqp://svc:q8Vw2LpXz7@broker.test/vhost".to_owned(),
        "redis://:k3yK3yK3yZ9@cache.invalid:6379".to_owned(),
        "postgres://app:Zq81mLw0Xv@LOCALHOST.:5432/app".to_owned(),
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
        // A Lezer parser's tables in a minified bundle (tabby's `ui/`).
        r#"var p=LRParser.deserialize({version:14,tokenData:"*V~RrOX#]X^#t^p#]pq#tqr#]rs%gsu#]uv%lv!Q#]",tokenPrec:0});"#.to_owned(),
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
fn only_reserved_hosts_make_a_connection_string_an_example() {
    for host in [
        "example.com",
        "www.example.com",
        "example.net",
        "a.b.example.org",
        "db.example",
        "svc.test",
        "x.invalid",
        "localhost",
        "api.localhost",
    ] {
        assert!(is_reserved_host(host.as_bytes()), "{host}");
    }
    // Look-alikes are real hosts.
    for host in [
        "example.com.evil.io",
        "myexample.com",
        "notexample.org",
        "test.io",
        "contest",
        "localhost.corp.net",
        "db.internal",
    ] {
        assert!(!is_reserved_host(host.as_bytes()), "{host}");
        let pw = noise(14, 62, ALNUM);
        let url = format!("postgres://app:{pw}@{host}/x");
        assert_eq!(scan_bytes(url.as_bytes(), Scope::Log).len(), 1, "{url}");
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
    for text in [
        &include_bytes!("mod.rs")[..],
        include_bytes!("detectors.rs"),
        include_bytes!("files.rs"),
        include_bytes!("scan.rs"),
        include_bytes!("tests.rs"),
    ] {
        assert!(scan_bytes(text, Scope::Source).is_empty());
    }
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

/// A CamelCase class name is a name only where the key names a class or type: a passphrase
/// of capitalised words under a password key is still found.
#[test]
fn a_camel_case_passphrase_is_still_a_secret() {
    // Assembled at run time, so this file holds none.
    let line = format!("password = \"{}{}\"\n", "CorrectHorse", "BatteryStaple");
    let found = scan_bytes(line.as_bytes(), Scope::Source);
    assert_eq!(found.len(), 1, "{found:?}");
}

/// UTF-16 text (what Windows PowerShell 5's `>` writes: a byte order mark, CRLF) is scanned
/// as text, not skipped as binary for its NUL bytes (the twenty-ninth session's trial: a
/// GitHub token in such a file passed `secrets.scan`); a finding is at the file's line and
/// column. Without a mark, ASCII written as UTF-16 is found too; UTF-32 is still binary.
#[test]
fn files_in_utf16_are_scanned_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let token = format!("ghp_{}", noise(36, 91, ALNUM));
    let text = format!("notes\r\ndeploy with GITHUB_TOKEN={token}\r\n");
    let utf16 = |big: bool, mark: bool, text: &str| -> Vec<u8> {
        let units = mark
            .then_some(0xFEFF)
            .into_iter()
            .chain(text.encode_utf16());
        (units.flat_map(|u| {
            if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        }))
        .collect()
    };
    let files = [
        ("le.txt", utf16(false, true, &text)),
        ("be.txt", utf16(true, true, &text)),
        ("bare.txt", utf16(false, false, &text)),
        // Larger than the window (100 bytes here): decoded and streamed.
        (
            "long.txt",
            utf16(false, true, &format!("{}\n{text}", "x".repeat(300))),
        ),
    ];
    let mut paths = Vec::new();
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        paths.push(dir.path().join(name));
    }
    let utf32 = dir.path().join("utf32.txt");
    let wide = [0xFEFFu32].into_iter().chain(text.chars().map(u32::from));
    let wide: Vec<u8> = wide.flat_map(u32::to_le_bytes).collect();
    std::fs::write(&utf32, wide).unwrap();
    paths.push(utf32);
    let paths: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    let results = scan_files(&paths, Scope::Source, 100, 2);
    for (at, (name, bytes)) in files.iter().enumerate() {
        let line = if *name == "long.txt" { 3 } else { 2 };
        match &results[at] {
            Ok(FileScan::Scanned {
                bytes: size,
                findings,
            }) => {
                assert_eq!(*size, bytes.len() as u64, "{name}");
                let found: Vec<(u32, u32)> = findings.iter().map(|f| (f.line, f.column)).collect();
                assert_eq!(found, [(line, 26)], "{name}: {findings:?}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(
        matches!(results[4], Ok(FileScan::Binary { .. })),
        "{:?}",
        results[4]
    );
}
