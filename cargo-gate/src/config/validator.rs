//! Validation's bookkeeping, below everything else in the configuration: the problems found
//! (`ConfigError`, `ConfigErrors`), where things are written (`Spans`), and the `Validator`
//! the core and every check's section record into. It knows no table.

use gate_formats::report::Location;
use gate_support::date::Date;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;
use toml::Spanned;

/// An invalid configuration: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file, as the user would type it (relative to the workspace root when inside it).
    pub file: String,
    /// 1-based line and column, when known.
    pub position: Option<(u32, u32)>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Every problem of an invalid configuration, in file order; never empty. Validation goes on
/// past the first problem, so one run names them all. Derefs to the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub(super) Vec<ConfigError>);

impl ConfigErrors {
    /// Every problem, in file order.
    pub fn all(&self) -> &[ConfigError] {
        &self.0
    }

    pub(super) fn from_vec(mut errors: Vec<ConfigError>) -> Result<(), ConfigErrors> {
        if errors.is_empty() {
            return Ok(());
        }
        errors.sort_by_key(|e| e.position.unwrap_or((0, 0)));
        errors.dedup();
        Err(ConfigErrors(errors))
    }
}

impl std::ops::Deref for ConfigErrors {
    type Target = ConfigError;

    fn deref(&self) -> &ConfigError {
        &self.0[0]
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> ConfigErrors {
        ConfigErrors(vec![error])
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0[0])?;
        match self.0.len() {
            1 => Ok(()),
            n => write!(f, " (and {} more)", n - 1),
        }
    }
}

impl std::error::Error for ConfigErrors {}

/// Where things are written in the configuration file, kept from parsing so findings about
/// the configuration point at `FILE:LINE:COL` without reading the file again. Keys:
/// `waiver[N]` and `check[N]` (their `[[…]]` headers), `waiver[N].KEY` and `check[N].KEY`
/// (the line of that key), and `TABLE` for each table header (`boundary`, `bench`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spans {
    /// The configuration file, as shown to the user (`gate.toml` for the defaults).
    pub(super) file: String,
    pub(super) at: BTreeMap<String, (u32, u32)>,
}

impl Spans {
    /// The place of `key`, or the file itself when `key` was not written there.
    pub fn location(&self, key: &str) -> Location {
        match self.at.get(key) {
            Some(&(line, column)) => Location::at(self.file.clone(), line, column),
            None => Location::file(self.file.clone()),
        }
    }

    /// Whether `key` was written in the file.
    pub fn has(&self, key: &str) -> bool {
        self.at.contains_key(key)
    }
}

pub(super) fn toml_error(text: &str, file: &str, err: &toml::de::Error) -> ConfigError {
    let message = err.message().trim().to_owned();
    let help = if message.starts_with("unknown field") {
        "remove the key or fix its spelling; the keys are listed in docs/CONFIG.md".to_owned()
    } else if message.starts_with("invalid type") {
        "give the value the type named above (see docs/CONFIG.md)".to_owned()
    } else {
        "fix the TOML syntax at this position".to_owned()
    };
    ConfigError {
        file: file.to_owned(),
        position: err.span().map(|s| line_col(text, s.start)),
        message,
        help,
    }
}

pub use gate_support::text::line_col;

/// Collects every problem of one configuration (it goes on past the first) and the spans of
/// what is written where. Sections ([`Section`](super::section::Section)) record their problems here too.
#[derive(Debug)]
pub struct Validator<'a> {
    pub(super) text: &'a str,
    pub(super) file: &'a str,
    pub(super) errors: Vec<ConfigError>,
    pub(super) spans: Spans,
    /// The day waivers' expiry dates are measured from.
    pub(super) today: Date,
}

/// The longest time limit accepted: a day. Longer is a typo, and an overflow waiting to
/// happen (`"18446744073709551615s"` panicked when added to the clock).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

impl<'a> Validator<'a> {
    pub(super) fn new(text: &'a str, file: &'a str) -> Validator<'a> {
        Validator {
            text,
            file,
            errors: Vec::new(),
            spans: Spans {
                file: file.to_owned(),
                at: BTreeMap::new(),
            },
            today: Date::today_utc(),
        }
    }

    /// Records a TOML error (a wrong type, an unknown key) at its place.
    pub fn toml_error(&mut self, err: &toml::de::Error) {
        self.errors.push(toml_error(self.text, self.file, err));
    }

    /// A time limit: a duration, not zero, at most [`MAX_TIMEOUT`].
    pub(super) fn timeout(&mut self, t: &Spanned<String>) -> Option<Duration> {
        let parsed = humantime::parse_duration(t.get_ref()).ok();
        match parsed {
            Some(d) if !d.is_zero() && d <= MAX_TIMEOUT => Some(d),
            Some(d) if !d.is_zero() => self.error(
                t,
                format!("`{}` is longer than a day", t.get_ref()),
                "a time limit is at most \"24h\"; write a duration like \"90s\" or \"10m\"",
            ),
            _ => self.error(
                t,
                format!("`{}` is not a duration", t.get_ref()),
                "write a duration like \"90s\" or \"10m\"",
            ),
        }
    }

    /// Records a problem at `spanned`; returns `None` so a caller can `return` it.
    pub fn error<T, U>(&mut self, spanned: &Spanned<T>, message: String, help: &str) -> Option<U> {
        self.errors.push(ConfigError {
            file: self.file.to_owned(),
            position: Some(line_col(self.text, spanned.span().start)),
            message,
            help: help.to_owned(),
        });
        None
    }

    /// Remembers where `key` is written: its value's span for a `[[table]]` or `[table]`
    /// (the header), else the start of the line that holds the value (the key).
    pub fn remember<T>(&mut self, key: impl Into<String>, spanned: &Spanned<T>, header: bool) {
        let start = spanned.span().start.min(self.text.len());
        let offset = if header {
            start
        } else {
            let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
            let line = &self.text[line_start..start];
            line_start + (line.len() - line.trim_start().len())
        };
        self.spans
            .at
            .insert(key.into(), line_col(self.text, offset));
    }
}
