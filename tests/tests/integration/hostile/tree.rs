//! What the hostile suite checks around a run: the digest of the tree outside the gate's
//! output (every path under the root but `target/` and `.git/`, with its kind and content;
//! special files by kind only, never opened), and the planted secrets — made here at run
//! time, so no source file holds a literal that looks like one — searched for in every file
//! the gate may have written.

use std::collections::BTreeMap;
use std::path::Path;

/// An AWS access key id: `AKIA` and 16 upper-case letters or digits.
pub(super) fn aws_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..16)
        .map(|i| char::from(ALPHABET[(i * 11 + 5) % ALPHABET.len()]))
        .collect();
    format!("{}{tail}", ["AK", "IA"].concat())
}

/// A GitHub personal access token: `ghp_` and 36 letters and digits.
pub(super) fn github_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let tail: String = (0..36)
        .map(|i| char::from(ALPHABET[(i * 17 + 3) % ALPHABET.len()]))
        .collect();
    format!("{}_{tail}", ["gh", "p"].concat())
}

/// The secrets planted in the gate's environment and in `.env`.
pub(super) fn secrets() -> [String; 2] {
    [aws_key(), github_token()]
}

/// Variables set for every run: the secrets under the names a CI gives them, and in two of
/// the CI variables the record keeps (`GITHUB_WORKFLOW`, `GITHUB_REF`), where a raw value
/// once reached `environment.json`.
pub(super) fn planted_env() -> Vec<(&'static str, String)> {
    let [aws, gh] = secrets();
    vec![
        ("AWS_ACCESS_KEY_ID", aws.clone()),
        ("GITHUB_TOKEN", gh.clone()),
        ("GITHUB_WORKFLOW", format!("deploy {gh}")),
        ("GITHUB_REF", format!("refs/heads/{aws}")),
        ("GATE_HOSTILE_NOTE", format!("key {aws} token {gh}")),
    ]
}

/// The `.env` planted at the root.
pub(super) fn secret_file() -> String {
    let [aws, gh] = secrets();
    format!("AWS_ACCESS_KEY_ID={aws}\nGITHUB_TOKEN={gh}\n")
}

/// Path → kind and content digest, for everything under `root` but `target/` and `.git/`
/// at the top. Links are read, never followed; FIFOs, sockets and devices never opened.
pub(super) fn digest(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        out.insert(rel(root, dir), "unreadable directory".to_owned());
        return;
    };
    for entry in entries {
        let entry = entry.expect("a directory entry");
        if dir == root && (entry.file_name() == "target" || entry.file_name() == ".git") {
            continue;
        }
        let path = entry.path();
        let name = rel(root, &path);
        out.insert(name, describe(&path));
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            walk(root, &path, out);
        }
    }
}

fn rel(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    format!("{rel:?}")
}

/// A path's kind and, for a file or a link, what it holds.
fn describe(path: &Path) -> String {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return "gone".to_owned();
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        return format!("link to {:?}", std::fs::read_link(path).ok());
    }
    if kind.is_dir() {
        return "directory".to_owned();
    }
    if !kind.is_file() {
        return format!("special file {kind:?}");
    }
    match gate_support::digest::sha256_file(path) {
        Ok((digest, size)) => format!("file of {size} bytes, sha256:{digest}"),
        Err(e) => format!("unreadable file: {e}"),
    }
}

/// What changed between two digests, one line per path.
pub(super) fn changes(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut changed = Vec::new();
    for (path, was) in before {
        match after.get(path) {
            None => changed.push(format!("{path} removed")),
            Some(now) if now != was => changed.push(format!("{path} changed: {was} → {now}")),
            Some(_) => {}
        }
    }
    for path in after.keys().filter(|p| !before.contains_key(*p)) {
        changed.push(format!("{path} created"));
    }
    changed
}

/// The files under `root/target` (cargo's own `debug/` and `release/` left out: the gate
/// writes its record, its cache and whatever `--out` names there) that hold a planted
/// secret. Special files are never opened; files over 64 MiB (sparse files a row planted)
/// are not read.
pub(super) fn files_with_secrets(root: &Path) -> Vec<String> {
    let secrets = secrets();
    let mut found = Vec::new();
    let mut stack = vec![root.join("target")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let top = dir == root.join("target");
            if meta.is_dir()
                && !(top && ["debug", "release"].contains(&&*entry.file_name().to_string_lossy()))
            {
                stack.push(path);
            } else if meta.is_file() && meta.len() <= 64 << 20 {
                let bytes = std::fs::read(&path).unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes);
                if secrets.iter().any(|s| text.contains(s.as_str())) {
                    found.push(
                        path.strip_prefix(root)
                            .unwrap_or(&path)
                            .display()
                            .to_string(),
                    );
                }
            }
        }
    }
    found.sort();
    found
}
