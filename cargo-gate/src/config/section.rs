//! Tables of `gate.toml` that one check owns (cargo-deny's layout): the check declares the
//! table, parses it with spans (unknown keys refused) and validates it, in its own module.
//! The configuration core knows no check: the registry hands it the sections
//! ([`super::Known`]), the core gives each one its table, and every problem of every table is
//! reported at once. A check reads its validated settings with [`super::Config::section`].
//!
//! What is not one check's stays the core's (`config/mod.rs`): `[policy]` (the whole run's
//! profile and strictness), `[tests]` (its time limit bounds the engine's build too),
//! `[[check]]` and `[[waiver]]`. The owned tables: `[boundary]` (boundary.unsafe), `[bench]`
//! (bench.regression; `cargo gate bench` reads the same settings), `[matrix]`,
//! `[history]`, `[checklist]`.

use super::validator::Validator;
use serde::Serialize;
use serde::de::{DeserializeOwned, IntoDeserializer};
use std::any::Any;
use std::sync::Arc;
pub use toml::Spanned;
pub use toml::de::DeValue;

/// A `gate.toml` table a check owns.
pub trait Section: Send + Sync {
    /// The table's name: `matrix` for `[matrix]`.
    fn table(&self) -> &'static str;

    /// Reads the table (`None` when the file has none): the validated settings, with every
    /// problem recorded in `v` (the settings are then the defaults, and the run stops before
    /// any check).
    fn read(&self, table: Option<&Spanned<DeValue<'_>>>, v: &mut Validator<'_>) -> Settings;
}

/// A section's validated settings: the typed value the check reads, and its JSON for the
/// policy digest.
#[derive(Debug, Clone)]
pub struct Settings {
    pub(super) json: serde_json::Value,
    pub(super) value: Arc<dyn Any + Send + Sync>,
}

impl Settings {
    /// Settings holding `value`.
    pub fn new<T: Serialize + Any + Send + Sync>(value: T) -> Settings {
        Settings {
            json: serde_json::to_value(&value).expect("settings serialise"),
            value: Arc::new(value),
        }
    }
}

impl PartialEq for Settings {
    fn eq(&self, other: &Settings) -> bool {
        self.json == other.json
    }
}

/// The usual section: the table `name` deserialised as `R` (with spans; unknown keys refused
/// by `R`'s `deny_unknown_fields`), then validated by `validate` (`None` when the file has no
/// such table, or it does not deserialise; the problem is already recorded).
pub struct Table<R> {
    /// The table's name.
    pub name: &'static str,
    /// Validates the raw table into settings, recording problems in the validator.
    pub validate: fn(Option<R>, &mut Validator<'_>) -> Settings,
}

impl<R> std::fmt::Debug for Table<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("name", &self.name).finish()
    }
}

impl<R: DeserializeOwned> Section for Table<R> {
    fn table(&self) -> &'static str {
        self.name
    }

    fn read(&self, table: Option<&Spanned<DeValue<'_>>>, v: &mut Validator<'_>) -> Settings {
        let raw = table.and_then(|t| raw::<R>(t, v));
        (self.validate)(raw, v)
    }
}

/// Deserialises a check's raw table (spans kept, unknown keys refused by the raw type's
/// `deny_unknown_fields`); a problem is recorded in `v` and gives `None`.
pub fn raw<T: DeserializeOwned>(table: &Spanned<DeValue<'_>>, v: &mut Validator<'_>) -> Option<T> {
    match T::deserialize(table.clone().into_deserializer()) {
        Ok(raw) => Some(raw),
        Err(e) => {
            v.toml_error(&e);
            None
        }
    }
}
