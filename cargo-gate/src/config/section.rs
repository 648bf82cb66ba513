//! Tables of `gate.toml` that one check owns (cargo-deny's layout): the check declares the
//! table, parses it with spans (unknown keys refused) and validates it, in its own module.
//! The configuration core knows no check: the registry hands it the sections
//! ([`super::Known`]), the core gives each one its table, and every problem of every table is
//! reported at once. A check reads its validated settings as its own type, through its
//! table's handle: `ctx.config.section(&BOUNDARY)` is a `Boundary` (a [`Table`] names the
//! type it validates into, so asking for another type does not compile). The settings are
//! kept in one form, the JSON the policy digest covers, and read back from it: what a check
//! judges by is what the digest commits to. A table the configuration does not hold (a
//! `Config` built by hand for a test) reads as the table's own defaults, the settings a
//! `gate.toml` without it gets.
//!
//! What is not one check's stays the core's (`config/mod.rs`): `[policy]` (the whole run's
//! profile and strictness), `[tests]` (its time limit bounds the engine's build too),
//! `[[check]]` and `[[waiver]]`. The owned tables: `[boundary]` (boundary.unsafe), `[bench]`
//! (bench.regression; `cargo gate bench` reads the same settings), `[matrix]`,
//! `[history]`, `[checklist]`.

use super::validator::Validator;
use serde::Serialize;
use serde::de::{DeserializeOwned, IntoDeserializer};
pub use toml::Spanned;
pub use toml::de::DeValue;

/// A `gate.toml` table a check owns.
pub trait Section: Send + Sync {
    /// The table's name: `matrix` for `[matrix]`.
    fn table(&self) -> &'static str;

    /// Reads the table (`None` when the file has none): the validated settings, with every
    /// problem recorded in `v` (the settings are then the defaults, and the run stops before
    /// any check).
    fn validated(&self, table: Option<&Spanned<DeValue<'_>>>, v: &mut Validator<'_>) -> Settings;
}

/// A section's validated settings, as the JSON the policy digest covers (read back as their
/// type through the section's [`Table`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub(super) json: serde_json::Value,
}

impl Settings {
    /// Settings holding `value`. Its type must read back from its JSON as it was (checked in
    /// debug builds, so every configuration a test parses proves it for its tables).
    pub fn new<T: Serialize + DeserializeOwned>(value: &T) -> Settings {
        let json = serde_json::to_value(value).expect("settings serialise");
        debug_assert_eq!(
            serde_json::from_value::<T>(json.clone())
                .ok()
                .map(|back| serde_json::to_value(back).expect("settings serialise")),
            Some(json.clone()),
            "{} does not read back from its JSON",
            std::any::type_name::<T>()
        );
        Settings { json }
    }
}

/// A section and the handle its settings are read with: the table `name` deserialised as `R`
/// (with spans; unknown keys refused by `R`'s `deny_unknown_fields`), then validated by
/// `validate` into the settings `T` (`None` when the file has no such table, or it does not
/// deserialise; the problem is already recorded).
pub struct Table<R, T> {
    /// The table's name.
    pub name: &'static str,
    /// Validates the raw table into settings, recording problems in the validator.
    pub validate: fn(Option<R>, &mut Validator<'_>) -> T,
}

impl<R, T: DeserializeOwned> Table<R, T> {
    /// The settings `kept` holds as `T`, or, when there are none, this table's defaults.
    pub(super) fn settings(&self, kept: Option<&Settings>) -> T {
        match kept {
            Some(kept) => serde_json::from_value(kept.json.clone()).unwrap_or_else(|e| {
                panic!(
                    "[{}]'s settings do not read back from their JSON: {e}",
                    self.name
                )
            }),
            None => (self.validate)(None, &mut Validator::new("", "gate.toml")),
        }
    }
}

impl<R, T> std::fmt::Debug for Table<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("name", &self.name).finish()
    }
}

impl<R: DeserializeOwned, T: Serialize + DeserializeOwned> Section for Table<R, T> {
    fn table(&self) -> &'static str {
        self.name
    }

    fn validated(&self, table: Option<&Spanned<DeValue<'_>>>, v: &mut Validator<'_>) -> Settings {
        let raw = table.and_then(|t| raw::<R>(t, v));
        Settings::new(&(self.validate)(raw, v))
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
