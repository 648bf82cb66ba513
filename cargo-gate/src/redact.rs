//! Redaction at the source, for stable snapshots: with `CARGO_GATE_REDACT=1` in the
//! environment, times, durations, run ids, hashes and absolute paths print as fixed
//! placeholders (the same idea as nextest's `__NEXTEST_REDACT`).

use std::path::Path;

/// The environment variable that turns redaction on.
pub const ENV: &str = "CARGO_GATE_REDACT";

/// Replaces volatile values with placeholders when enabled.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    enabled: bool,
    /// (absolute prefix, placeholder), longest first.
    paths: Vec<(String, &'static str)>,
}

impl Redactor {
    /// From the environment (`CARGO_GATE_REDACT=1`).
    pub fn from_env() -> Redactor {
        let enabled = std::env::var_os(ENV).is_some_and(|v| v == "1");
        let mut redactor = Redactor {
            enabled,
            paths: Vec::new(),
        };
        if let Ok(cwd) = std::env::current_dir() {
            redactor.add_path(&cwd, "<cwd>");
        }
        redactor.add_path(&tempfile::env::temp_dir(), "<tmp>");
        // The advisory database a CI image (or the tests) names: its place varies by machine.
        if let Some(db) = std::env::var_os(crate::deps::advisories::ENV).filter(|v| !v.is_empty()) {
            redactor.add_path(Path::new(&db), "<advisory-db>");
        }
        redactor
    }

    /// A redactor that changes nothing.
    pub fn disabled() -> Redactor {
        Redactor::default()
    }

    /// Whether redaction is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Registers an absolute path (and its canonical form) to print as `placeholder`.
    pub fn add_path(&mut self, path: &Path, placeholder: &'static str) {
        let mut forms = vec![path.to_string_lossy().into_owned()];
        if let Ok(canonical) = path.canonicalize() {
            forms.push(canonical.to_string_lossy().into_owned());
        }
        for form in forms {
            let form = form.trim_end_matches(['/', '\\']).to_owned();
            // A later, more specific name for the same directory wins (the workspace root
            // is usually also the current directory).
            self.paths.retain(|(p, _)| p != &form);
            if form.len() > 1 {
                self.paths.push((form, placeholder));
            }
        }
        self.paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    }

    /// Replaces registered absolute paths, run ids and RFC 3339 times in free text (run ids
    /// and times reach messages through checks that read earlier runs).
    pub fn text(&self, text: &str) -> String {
        static RUN_ID: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"\b\d{8}T\d{6}Z-\d{6}-[0-9a-f]{6}\b").expect("valid regex")
        });
        static TIME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
                .expect("valid regex")
        });
        if !self.enabled {
            return text.to_owned();
        }
        let mut out = text.to_owned();
        for (prefix, placeholder) in &self.paths {
            out = out.replace(prefix.as_str(), placeholder);
        }
        let out = RUN_ID.replace_all(&out, "<run-id>");
        TIME.replace_all(&out, "<time>").into_owned()
    }

    /// A timestamp.
    pub fn time(&self, time: String) -> String {
        if self.enabled { "<time>".into() } else { time }
    }

    /// A duration in milliseconds.
    pub fn millis(&self, ms: u64) -> u64 {
        if self.enabled { 0 } else { ms }
    }

    /// A duration for humans.
    pub fn duration(&self, d: std::time::Duration) -> String {
        if self.enabled {
            "<duration>".into()
        } else {
            format!("{:.1}s", d.as_secs_f64())
        }
    }

    /// A run id.
    pub fn run_id(&self, id: &str) -> String {
        if self.enabled {
            "<run-id>".into()
        } else {
            id.to_owned()
        }
    }

    /// The platform a run is on (`linux`, `macos`, `windows`).
    pub fn platform(&self, os: &str) -> String {
        if self.enabled {
            "<os>".into()
        } else {
            os.to_owned()
        }
    }

    /// A digest or commit hash.
    pub fn hash(&self, hash: &str) -> String {
        if self.enabled {
            "<hash>".into()
        } else {
            hash.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_changes_nothing_enabled_replaces_longest_prefix_first() {
        let mut r = Redactor::disabled();
        r.add_path(Path::new("/w"), "<cwd>");
        assert_eq!(r.text("/w/a"), "/w/a");
        r.enabled = true;
        r.add_path(Path::new("/w/ws"), "<workspace>");
        assert_eq!(
            r.text("at /w/ws/src and /w/x"),
            "at <workspace>/src and <cwd>/x"
        );
        assert_eq!(r.millis(5), 0);
        assert_eq!(r.run_id("x"), "<run-id>");
    }
}
