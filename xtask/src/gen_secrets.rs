//! Plants fake secrets of every kind the `secrets.scan` scanner detects in source files into a
//! tree written by [`crate::gen_tree::generate`], and says where, so a benchmark can measure
//! the scanner's recall (every planted secret found) next to its throughput.
//!
//! Every value is random noise in the shape of a real credential, assembled at run time:
//! this file itself holds nothing a secret scanner should report. Each secret is one line of
//! Rust (a `const` item) inserted before a blank line of an existing `.rs` file; blank lines
//! of the generated code never sit inside a string literal or comment, so the boundary
//! scanner's results on the same tree stay the same.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::gen_tree::Rng;

/// One planted secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Planted {
    /// The file.
    pub(crate) path: PathBuf,
    /// 1-based line the secret is on (the scanner reports this line).
    pub(crate) line: u32,
    /// The scanner's kind id (`github-token`, …).
    pub(crate) kind: &'static str,
}

/// The kinds planted, one after another: every source-scope detector of
/// `cargo_gate::secrets` (PII is only looked for in logs).
pub(crate) const KINDS: &[&str] = &[
    "private-key",
    "aws-access-key-id",
    "aws-secret-access-key",
    "github-token",
    "gitlab-token",
    "slack-token",
    "slack-webhook",
    "stripe-key",
    "google-api-key",
    "jwt",
    "connection-string",
    "generic-secret",
];

/// Inserts `count` fake secrets, kinds in turn, into the `.rs` files under `dir` (chosen
/// pseudo-randomly from `seed`), and returns where each one went, sorted by path and line.
/// The same tree and seed always give the same result.
pub(crate) fn plant(dir: &Path, seed: u64, count: usize) -> std::io::Result<Vec<Planted>> {
    let mut files = Vec::new();
    rust_files(dir, &mut files)?;
    files.sort();
    if files.is_empty() && count > 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("no .rs files under {} to plant secrets in", dir.display()),
        ));
    }
    let mut rng = Rng::new(seed);
    let mut by_file: BTreeMap<usize, Vec<(&'static str, String)>> = BTreeMap::new();
    for i in 0..count {
        let kind = KINDS[i % KINDS.len()];
        let file = rng.below(files.len() as u64) as usize;
        let line = secret_line(kind, i, &mut rng);
        by_file.entry(file).or_default().push((kind, line));
    }
    let mut planted = Vec::with_capacity(count);
    for (file, secrets) in by_file {
        let path = &files[file];
        let text = std::fs::read_to_string(path)?;
        let lines: Vec<&str> = text.lines().collect();
        let mut blanks: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].is_empty()).collect();
        // Where each secret goes: before a blank line, or at the end when none is left.
        let mut placed: Vec<(usize, &'static str, String)> = secrets
            .into_iter()
            .map(|(kind, line)| {
                let at = if blanks.is_empty() {
                    lines.len()
                } else {
                    blanks.remove(rng.below(blanks.len() as u64) as usize)
                };
                (at, kind, line)
            })
            .collect();
        placed.sort_by_key(|(at, ..)| *at);
        let mut out = String::with_capacity(text.len() + placed.len() * 160);
        let mut next = placed.into_iter().peekable();
        let mut line_no = 0u32;
        for index in 0..=lines.len() {
            while let Some((_, kind, line)) = next.next_if(|(at, ..)| *at == index) {
                line_no += 1;
                out.push_str(&line);
                out.push('\n');
                planted.push(Planted {
                    path: path.clone(),
                    line: line_no,
                    kind,
                });
            }
            if let Some(existing) = lines.get(index) {
                line_no += 1;
                out.push_str(existing);
                out.push('\n');
            }
        }
        std::fs::write(path, out)?;
    }
    planted.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    Ok(planted)
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            rust_files(&path, out)?;
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const DIGITS: &[u8] = b"0123456789";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// One line of Rust holding a fake secret of `kind`; `i` keeps the item names unique.
fn secret_line(kind: &str, i: usize, rng: &mut Rng) -> String {
    let value = match kind {
        "private-key" => {
            // The markers are assembled so that this file holds no key header.
            let label = ["RSA", "PRIVATE"].join(" ");
            let body: Vec<String> = [64, 64, 40]
                .iter()
                .map(|&n| noise(rng, n, BASE64))
                .collect();
            format!(
                "-----BEGIN {label} KEY-----\\n{}\\n-----END {label} KEY-----",
                body.join("\\n")
            )
        }
        "aws-access-key-id" => format!("{}{}", "AKIA", noise(rng, 16, UPPER)),
        "aws-secret-access-key" => {
            return format!(
                "const AWS_SECRET_ACCESS_KEY_{i}: &str = \"{}\";",
                noise(rng, 40, BASE64)
            );
        }
        "github-token" => format!("{}{}", "ghp_", noise(rng, 36, ALNUM)),
        "gitlab-token" => format!("{}{}", "glpat-", noise(rng, 20, ALNUM)),
        "slack-token" => format!(
            "{}{}-{}-{}",
            "xoxb-",
            noise(rng, 12, DIGITS),
            noise(rng, 13, DIGITS),
            noise(rng, 24, ALNUM)
        ),
        "slack-webhook" => format!(
            "https://hooks.slack.com/services/T{}/B{}/{}",
            noise(rng, 9, UPPER),
            noise(rng, 9, UPPER),
            noise(rng, 24, ALNUM)
        ),
        "stripe-key" => format!("{}{}", "sk_live_", noise(rng, 24, ALNUM)),
        "google-api-key" => format!("{}{}", "AIza", noise(rng, 35, ALNUM)),
        "jwt" => {
            let payload = format!(r#"{{"sub":"{}","iat":1700000000}}"#, noise(rng, 12, ALNUM));
            format!(
                "{}.{}.{}",
                base64url(br#"{"alg":"HS256","typ":"JWT"}"#),
                base64url(payload.as_bytes()),
                noise(rng, 43, BASE64URL)
            )
        }
        "connection-string" => format!(
            "postgres://svc_{i}:{}@db-{i}.internal:5432/app",
            noise(rng, 16, ALNUM)
        ),
        "generic-secret" => {
            return format!(
                "const SERVICE_TOKEN_{i}: &str = \"{}\";",
                noise(rng, 24, ALNUM)
            );
        }
        other => unreachable!("no planter for kind {other}"),
    };
    format!("const PLANTED_{i}: &str = \"{value}\";")
}

/// Unpadded base64url.
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64URL[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Random text of `len` characters from `alphabet`.
fn noise(rng: &mut Rng, len: usize, alphabet: &[u8]) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.below(alphabet.len() as u64) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{KINDS, plant};
    use crate::gen_tree::generate;
    use std::path::PathBuf;

    #[test]
    fn plants_every_kind_where_it_says_deterministically() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        generate(a.path(), 300_000, 3).unwrap();
        generate(b.path(), 300_000, 3).unwrap();
        let count = KINDS.len() * 3 + 5;
        let planted = plant(a.path(), 11, count).unwrap();
        assert_eq!(planted.len(), count);
        for kind in KINDS {
            assert!(
                planted.iter().any(|p| p.kind == *kind),
                "{kind} not planted"
            );
        }
        for p in &planted {
            let text = std::fs::read_to_string(&p.path).unwrap();
            let line = text.lines().nth(p.line as usize - 1).unwrap();
            assert!(line.starts_with("const "), "{p:?}: {line}");
        }
        let again = plant(b.path(), 11, count).unwrap();
        let rel = |ps: &[super::Planted], root: &std::path::Path| -> Vec<(PathBuf, u32, &str)> {
            ps.iter()
                .map(|p| {
                    (
                        p.path.strip_prefix(root).unwrap().to_owned(),
                        p.line,
                        p.kind,
                    )
                })
                .collect()
        };
        assert_eq!(rel(&planted, a.path()), rel(&again, b.path()));
    }
}
