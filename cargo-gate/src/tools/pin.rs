//! The toolchain a workspace pins and whether the rustc cargo runs can be it: tests run by
//! another toolchain are no evidence for the pinned one (`tests.pass`, `kernels.shipped`).
//! Judged from what rustc says of itself (environment.json's `rustc -vV`) and, for a pin that
//! names one toolchain without a version to compare (`nightly-2021-12-04`, a linked
//! toolchain's name), from `RUSTUP_TOOLCHAIN`, which rustup sets for every process it starts
//! to the toolchain it chose (`nightly-2021-12-04-x86_64-unknown-linux-gnu`) and which `cargo
//! +stable` or the variable itself set to another.

use std::path::Path;

/// The channel the workspace pins: `channel` of `rust-toolchain.toml`'s `[toolchain]`, or the
/// legacy `rust-toolchain` file (one line, or the same TOML; it wins when both exist, as with
/// rustup). Returns the file and the channel as written (`1.95.0`, `nightly-2021-12-04`).
/// `toolchain.pinned` judges the pin itself.
pub fn pinned_channel(root: &Path) -> Option<(&'static str, String)> {
    let (file, text) = ["rust-toolchain", "rust-toolchain.toml"]
        .into_iter()
        .find_map(|file| {
            let path = root.join(file);
            std::fs::symlink_metadata(&path)
                .is_ok_and(|m| m.is_file() && m.len() < 64 * 1024)
                .then(|| std::fs::read_to_string(&path).ok())
                .flatten()
                .map(|text| (file, text))
        })?;
    let channel = match text.parse::<toml::Table>() {
        Ok(doc) => doc
            .get("toolchain")?
            .get("channel")?
            .as_str()?
            .trim()
            .to_owned(),
        Err(_) => text.trim().to_owned(),
    };
    (!channel.is_empty()).then_some((file, channel))
}

/// Whether a toolchain file rustup reads (`rust-toolchain`, `rust-toolchain.toml`) is in
/// `root` or a directory above it, as anything at all (a file, a directory, a broken link):
/// where none is, what rustup starts in `root` is no pin's toolchain.
pub fn toolchain_file_above(root: &Path) -> bool {
    root.ancestors().any(|dir| {
        ["rust-toolchain", "rust-toolchain.toml"]
            .iter()
            .any(|file| std::fs::symlink_metadata(dir.join(file)).is_ok())
    })
}

/// Whether `channel` is a version (`1.95.0`, `1.95`).
fn numbered(channel: &str) -> bool {
    let parts: Vec<&str> = channel.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether rustc `release` (`1.95.0`, `1.96.0-beta.1`) is the numbered `pin` (`1.95.0`, or
/// any `1.95.x` for `1.95`).
fn release_is_pin(release: &str, pin: &str) -> bool {
    let release = release.split(['-', ' ']).next().unwrap_or(release);
    release == pin
        || release
            .strip_prefix(pin)
            .is_some_and(|rest| rest.starts_with('.') && pin.matches('.').count() == 1)
}

/// Whether the rustc that says `rustc` (`rustc -vV`'s lines: `release`, `commit-date`) and
/// runs with `rustup_toolchain` (`RUSTUP_TOOLCHAIN`, when set) cannot be the toolchain
/// `channel` pins. Only what is certain: a numbered pin and another release; a `nightly…`
/// pin and a release that is no nightly (`beta…`, `stable…` alike); a dated nightly and a
/// commit more than ten days before its date or after it (the nightly of a date is built from
/// the day before's commits); a dated or linked toolchain and `RUSTUP_TOOLCHAIN` naming
/// another. A floating channel (`stable`, `nightly`) is whatever release it is today.
pub fn other_than_pinned(
    channel: &str,
    rustc: &std::collections::BTreeMap<String, String>,
    rustup_toolchain: Option<&str>,
) -> bool {
    let Some(release) = rustc.get("release") else {
        return false;
    };
    // A host triple written in the file (`1.95.0-x86_64-unknown-linux-gnu`) names the same
    // toolchain on that host.
    let channel = without_host(channel);
    if numbered(channel) {
        return !release_is_pin(release, channel);
    }
    let (kind, date) = match channel.split_once('-') {
        Some((kind, date)) if days(date).is_some() => (kind, Some(date)),
        _ => (channel, None),
    };
    let release_kind = match release.split_once('-') {
        Some((_, pre)) if pre.starts_with("nightly") || pre.starts_with("dev") => "nightly",
        Some((_, pre)) if pre.starts_with("beta") => "beta",
        _ => "stable",
    };
    if matches!(kind, "nightly" | "beta" | "stable") && kind != release_kind {
        return true;
    }
    let commit = rustc.get("commit-date").and_then(|d| days(d));
    if kind == "nightly"
        && let (Some(pinned), Some(commit)) = (date.and_then(days), commit)
        && !(pinned - 10..=pinned).contains(&commit)
    {
        return true;
    }
    let floating = date.is_none() && matches!(kind, "nightly" | "beta" | "stable");
    !floating && rustup_toolchain.is_some_and(|t| !names(t, channel))
}

/// `name` without the host triple rustup may write after a channel (`1.95.0`, `nightly`,
/// `beta-2026-01-02`, …), as `nightly-2021-12-04-x86_64-unknown-linux-gnu`; a toolchain of
/// another name (a linked one) as it is.
fn without_host(name: &str) -> &str {
    let segments: Vec<&str> = name.split('-').collect();
    let first = segments[0];
    if !(numbered(first) || matches!(first, "nightly" | "beta" | "stable")) {
        return name;
    }
    let dated = segments.len() >= 4 && days(&segments[1..4].join("-")).is_some();
    let kept = if dated { 4 } else { 1 };
    let len = segments[..kept.min(segments.len())]
        .iter()
        .map(|s| s.len() + 1)
        .sum::<usize>()
        - 1;
    &name[..len]
}

/// Whether `RUSTUP_TOOLCHAIN`'s `value` names `channel`: the channel itself, the channel and
/// a host triple (`nightly-2021-12-04-x86_64-unknown-linux-gnu`), as rustup sets it, or the
/// same channel with or without a host on either side.
fn names(value: &str, channel: &str) -> bool {
    value == channel
        || without_host(value) == without_host(channel)
        || value
            .strip_prefix(channel)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|triple| triple.split('-').next())
            .is_some_and(|arch| !arch.is_empty() && !arch.bytes().all(|b| b.is_ascii_digit()))
}

/// The days since 1970-01-01 of a `YYYY-MM-DD` date.
fn days(date: &str) -> Option<i64> {
    gate_support::date::Date::parse(date).map(gate_support::date::Date::days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rustc(release: &str, commit_date: &str) -> std::collections::BTreeMap<String, String> {
        [("release", release), ("commit-date", commit_date)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn dates_count_days_from_1970() {
        assert_eq!(days("1970-01-01"), Some(0));
        assert_eq!(days("2000-03-01"), Some(11_017));
        assert_eq!(days("2021-12-04"), Some(18_965));
        assert_eq!(days("x86_64-unknown"), None);
        assert_eq!(days("2021-13-01"), None);
    }

    /// The trial's false READY: a workspace pinned to `nightly-2021-12-04`, the gate run with
    /// `RUSTUP_TOOLCHAIN=stable` (or `cargo +nightly`, today's nightly).
    #[test]
    fn another_toolchain_than_a_named_pin_is_told() {
        let stable = rustc("1.95.0", "2026-04-14");
        let today = rustc("1.97.0-nightly", "2026-11-27");
        let then = rustc("1.59.0-nightly", "2021-12-03");
        let dated = "nightly-2021-12-04";
        let host = Some("nightly-2021-12-04-x86_64-unknown-linux-gnu");
        assert!(other_than_pinned(dated, &stable, Some("stable")));
        assert!(other_than_pinned(dated, &today, Some("nightly")));
        assert!(
            other_than_pinned(dated, &today, host),
            "a commit years after"
        );
        assert!(other_than_pinned(
            dated,
            &then,
            Some("nightly-x86_64-unknown-linux-gnu")
        ));
        assert!(!other_than_pinned(dated, &then, host));
        assert!(!other_than_pinned(dated, &then, None));
        assert!(other_than_pinned("nightly", &stable, Some("stable")));
        assert!(!other_than_pinned(
            "nightly",
            &today,
            Some("nightly-2026-11-28")
        ));
        assert!(other_than_pinned("beta", &today, None));
        assert!(!other_than_pinned("stable", &stable, Some("1.95.0")));
        assert!(other_than_pinned("my-toolchain", &stable, Some("stable")));
        assert!(!other_than_pinned(
            "my-toolchain",
            &stable,
            Some("my-toolchain")
        ));
        assert!(!other_than_pinned("my-toolchain", &stable, None));
    }

    /// A host triple on either side names the same toolchain on that host.
    #[test]
    fn a_host_triple_names_the_same_toolchain() {
        assert_eq!(without_host("1.95.0-x86_64-unknown-linux-gnu"), "1.95.0");
        assert_eq!(
            without_host("nightly-2021-12-04-aarch64-apple-darwin"),
            "nightly-2021-12-04"
        );
        assert_eq!(without_host("nightly-x86_64-pc-windows-msvc"), "nightly");
        assert_eq!(without_host("nightly-2021-12-04"), "nightly-2021-12-04");
        assert_eq!(without_host("my-toolchain"), "my-toolchain");
        let then = rustc("1.59.0-nightly", "2021-12-03");
        let pinned = "nightly-2021-12-04-x86_64-unknown-linux-gnu";
        assert!(!other_than_pinned(
            pinned,
            &then,
            Some("nightly-2021-12-04")
        ));
        assert!(other_than_pinned(
            pinned,
            &rustc("1.95.0", "2026-04-14"),
            None
        ));
        let stable = rustc("1.97.0", "2026-11-01");
        assert!(other_than_pinned(
            "1.95.0-x86_64-unknown-linux-gnu",
            &stable,
            None
        ));
    }

    #[test]
    fn a_numbered_pin_is_compared_with_the_release() {
        let stable = rustc("1.95.0", "2026-04-14");
        assert!(!other_than_pinned("1.95.0", &stable, Some("stable")));
        assert!(!other_than_pinned("1.95", &stable, None));
        assert!(other_than_pinned("1.93.0", &stable, None));
        assert!(other_than_pinned("1.9", &stable, None));
    }

    /// rustup reads a toolchain file in the directory it starts in or any above it, and
    /// anything by that name is worth asking it about; elsewhere nothing is pinned.
    #[test]
    fn a_toolchain_file_is_found_in_the_root_or_above() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path().join("ws/member");
        std::fs::create_dir_all(&root).expect("the root");
        assert!(!toolchain_file_above(&root));
        std::fs::write(dir.path().join("rust-toolchain.toml"), "").expect("above");
        assert!(toolchain_file_above(&root));
        std::fs::remove_file(dir.path().join("rust-toolchain.toml")).expect("gone");
        std::fs::create_dir(root.join("rust-toolchain")).expect("a directory by the name");
        assert!(toolchain_file_above(&root));
        assert!(!toolchain_file_above(dir.path()));
    }
}
