//! What switches on the build of a package that ships only through other packages' optional
//! path dependencies: attention.rs' `kernels` (`kernels = { path = "./src/kernels", optional =
//! true }`, `cuda = [.., "dep:kernels"]`) is compiled only with `attention-rs`'s feature
//! `cuda`, so its CUDA build is switched by that feature, not always on. Read from the
//! dependents' manifests (dev-dependencies aside: they never ship it), of the dependents
//! cargo builds with the workspace only (an excluded package switches nothing).

use crate::facts::{Facts, Package, Role};
use std::path::Path;

/// The features of the packages that depend on `package` that turn it on, as `feature "cuda"
/// of attention-rs` (several joined by ` or `); `None` when a dependent depends on it
/// unconditionally (it is built by default), or when it is no path dependency.
pub(super) fn switch_of(facts: &Facts, package: &Package) -> Option<String> {
    if package.role != Role::PathDependency {
        return None;
    }
    let dir = gate_support::path::normalize(&package.dir);
    let mut switches = Vec::new();
    // Only packages cargo builds with the workspace (members and what they reach) turn a
    // dependency on: one the root manifest excludes, or any other package that is neither
    // (luminal's `examples/yolo_v8`), is never built with it.
    let dependents = facts
        .packages
        .iter()
        .filter(|p| p.role != Role::Other && p.path_deps.contains(&dir));
    for dependent in dependents {
        if dependent.dev_only.contains(&dir) {
            continue;
        }
        let table = crate::workspace::read_toml(&dependent.dir.join("Cargo.toml"))?;
        let (key, optional) = declared(&table, dependent, &dir)?;
        if !optional {
            return None;
        }
        let features = turning_on(&table, &key);
        let named = if features.is_empty() {
            vec![key]
        } else {
            features
        };
        switches.extend(
            named
                .into_iter()
                .map(|f| format!("feature \"{f}\" of {}", dependent.name)),
        );
    }
    (!switches.is_empty()).then(|| switches.join(" or "))
}

/// The key under which `table` (the manifest of `dependent`) declares the path dependency on
/// `target`, and whether every such declaration is optional (normal and build tables, target
/// tables included). A declaration `{ workspace = true }` has the path the workspace
/// `dependent` belongs to gives it (the root's, or, for a package of another workspace,
/// that one's: [`Package::inherited_paths`]).
fn declared(table: &toml::Table, dependent: &Package, target: &Path) -> Option<(String, bool)> {
    let mut found: Option<(String, bool)> = None;
    for (key, spec) in declarations(table, dependent, target) {
        let optional = spec.get("optional").and_then(toml::Value::as_bool) == Some(true);
        let all_optional = found.as_ref().is_none_or(|(_, o)| *o) && optional;
        found = Some((key.clone(), all_optional));
    }
    found
}

/// The declarations (key and spec) in `table`, the manifest of `dependent`, of the path
/// dependency in `target`: normal and build tables, target tables included. A `{ workspace
/// = true }` one has the path the workspace `dependent` belongs to gives it
/// ([`Package::inherited_paths`]).
pub(super) fn declarations<'t>(
    table: &'t toml::Table,
    dependent: &Package,
    target: &Path,
) -> Vec<(&'t String, &'t toml::Value)> {
    crate::workspace::dependency_tables(table)
        .into_iter()
        .filter(|(dev, _)| !dev)
        .flat_map(|(_, t)| t)
        .filter(|(key, spec)| {
            let path = match spec.get("path").and_then(toml::Value::as_str) {
                Some(path) => dependent.dir.join(path),
                None => match dependent.inherited_paths.get(*key) {
                    Some(path) => path.clone(),
                    None => return false,
                },
            };
            gate_support::path::normalize(&path) == target
        })
        .collect()
}

/// The features of `table` that turn on the optional dependency `key` (`dep:key`, `key`,
/// `key/feature`, `key?/feature` among their values).
fn turning_on(table: &toml::Table, key: &str) -> Vec<String> {
    let Some(features) = table.get("features").and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    features
        .iter()
        .filter(|(_, values)| {
            values.as_array().into_iter().flatten().any(|v| {
                v.as_str().is_some_and(|v| {
                    v == format!("dep:{key}")
                        || v == key
                        || v.strip_prefix(key)
                            .is_some_and(|rest| rest.starts_with('/'))
                })
            })
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// `switch` with every `feature "x"` read from a `CARGO_FEATURE_X` variable named as the
/// package declares it: cargo upper-cases a feature's name and turns `-` into `_` for the
/// variable, so `cuda_kernels` is the feature `cuda-kernels` where the manifest (`table`)
/// declares that one (in `[features]`, or as an optional dependency) and no `cuda_kernels`.
pub(super) fn declared_features(switch: &str, table: &toml::Table) -> String {
    let mut declared: Vec<&str> = table
        .get("features")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flat_map(|features| features.keys().map(String::as_str))
        .collect();
    for (_, deps) in crate::workspace::dependency_tables(table) {
        declared.extend(deps.iter().filter_map(|(key, spec)| {
            let optional = spec.get("optional").and_then(toml::Value::as_bool) == Some(true);
            optional.then_some(key.as_str())
        }));
    }
    let mut out = String::new();
    let mut rest = switch;
    while let Some(at) = rest.find("feature \"") {
        let (before, after) = rest.split_at(at + "feature \"".len());
        out.push_str(before);
        let Some(end) = after.find('"') else {
            rest = after;
            break;
        };
        let name = &after[..end];
        let as_declared = declared
            .iter()
            .find(|d| **d == name)
            .or_else(|| declared.iter().find(|d| d.replace('-', "_") == name));
        out.push_str(as_declared.copied().unwrap_or(name));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}
