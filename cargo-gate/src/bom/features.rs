//! Whether a feature of a path dependency can be on in any build of the workspace. A member's
//! features are the workspace's to turn on (CI's feature sets, `--all-features`); a path
//! dependency's are on only where its default features reach them, where another of its
//! features that can be on does, or where a package that depends on it asks for them (its
//! declaration's `features`, a `[workspace.dependencies]` entry it inherits, or one of its
//! own features naming `dep/feature`). uplansible/voicetserver's vendored candle-core compiles
//! generated CUDA with NVRTC under `feature = "ug"`, which nothing enables: that code ships
//! in no build, and was judged as shipped.
//!
//! And whether the run's build turned a builder's features on ([`mark_unbuilt`]): a member's
//! CUDA under a feature its default features leave off (avafloww/plcpick's `cuda`, which CI
//! builds) is in no artifact the run read, and was counted as judged.

use crate::facts::{BuiltArtifact, Facts, Package, Role};
use gate_formats::kernel_bom::Builder;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The first feature of `package` (a path dependency) among the features `switch` requires
/// together (`feature "cuda" and feature "ug"`) that nothing can turn on; `None` when each can
/// be on, when `package` is a member, or when the switch is not a plain conjunction of its
/// own features (an `or`, a `not`, another package's feature, an option of a build system).
pub(super) fn unreachable_feature(
    facts: &Facts,
    package: &Package,
    switch: &str,
) -> Option<String> {
    if package.role != Role::PathDependency {
        return None;
    }
    let features: Option<Vec<&str>> = switch.split(" and ").map(own_feature).collect();
    let mut seen = HashSet::new();
    features?
        .into_iter()
        .find(|f| !can_be_on(facts, package, f, &mut seen))
        .map(str::to_owned)
}

/// Marks each builder of the workspace whose switch needs features of its package that the
/// build did not turn on ([`Builder::unbuilt`]), by the features cargo's messages list for
/// the package's artifacts. Only a switch that is a plain conjunction of the package's own
/// features is judged; a package with no artifact cargo described (not built), a
/// dependency's builder and any other switch are left as they are: no evidence either way.
pub(super) fn mark_unbuilt(builders: &mut [Builder], artifacts: &[BuiltArtifact]) {
    for builder in builders.iter_mut().filter(|b| !b.dependency && b.ships) {
        let Some(switch) = &builder.switch else {
            continue;
        };
        let Some(needed) = switch
            .split(" and ")
            .map(own_feature)
            .collect::<Option<Vec<&str>>>()
        else {
            continue;
        };
        let mut described = artifacts
            .iter()
            .filter(|a| a.package == builder.package)
            .filter_map(|a| a.features.as_ref())
            .peekable();
        if described.peek().is_none() {
            continue;
        }
        let on: HashSet<&str> = described.flatten().map(String::as_str).collect();
        builder.unbuilt = needed
            .into_iter()
            .filter(|f| !on.contains(f))
            .map(str::to_owned)
            .collect();
    }
}

/// `feature "x"` alone: `x`.
fn own_feature(part: &str) -> Option<&str> {
    let name = part.strip_prefix("feature \"")?.strip_suffix('"')?;
    (!name.contains('"')).then_some(name)
}

/// Whether feature `feature` of `package` can be on (`seen`: what is being asked already, a
/// cycle of features answering no on its own).
fn can_be_on(
    facts: &Facts,
    package: &Package,
    feature: &str,
    seen: &mut HashSet<(PathBuf, String)>,
) -> bool {
    if package.role != Role::PathDependency {
        return package.role == Role::Member;
    }
    if !seen.insert((package.dir.clone(), feature.to_owned())) {
        return false;
    }
    let Some(table) = crate::workspace::read_toml(&package.dir.join("Cargo.toml")) else {
        return true;
    };
    let features = table.get("features").and_then(toml::Value::as_table);
    let turning_on = |name: &str| -> Vec<String> {
        features
            .into_iter()
            .flatten()
            .filter(|(_, values)| {
                values
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|v| v.as_str() == Some(name))
            })
            .map(|(k, _)| k.clone())
            .collect()
    };
    // Its default features, and another of its features that turns this one on.
    if feature == "default" && features.is_some_and(|f| f.contains_key("default")) {
        return true;
    }
    if turning_on(feature)
        .iter()
        .any(|other| can_be_on(facts, package, other, seen))
    {
        return true;
    }
    asked_by_dependents(facts, package, feature, seen)
}

/// Whether a package that ships with the workspace and depends on `package` asks for its
/// `feature`: in its declaration, in the `[workspace.dependencies]` entry it inherits, or in
/// one of its own features that can be on (`key/feature`, `key?/feature`).
fn asked_by_dependents(
    facts: &Facts,
    package: &Package,
    feature: &str,
    seen: &mut HashSet<(PathBuf, String)>,
) -> bool {
    let dir = gate_support::path::normalize(&package.dir);
    if inherited_entries_ask(facts, &dir, feature) {
        return true;
    }
    let dependents: Vec<&Package> = facts
        .packages
        .iter()
        .filter(|p| {
            p.role != Role::Other && p.path_deps.contains(&dir) && !p.dev_only.contains(&dir)
        })
        .collect();
    for dependent in dependents {
        let Some(table) = crate::workspace::read_toml(&dependent.dir.join("Cargo.toml")) else {
            return true;
        };
        let declarations = super::optional::declarations(&table, dependent, &dir);
        if declarations
            .iter()
            .any(|(_, spec)| lists(spec.get("features"), feature))
        {
            return true;
        }
        let keys: Vec<&String> = declarations.iter().map(|(key, _)| *key).collect();
        let features = table.get("features").and_then(toml::Value::as_table);
        for (own, values) in features.into_iter().flatten() {
            let asks = values.as_array().into_iter().flatten().any(|v| {
                v.as_str().is_some_and(|v| {
                    keys.iter().any(|key| {
                        v == format!("{key}/{feature}") || v == format!("{key}?/{feature}")
                    })
                })
            });
            if asks && can_be_on(facts, dependent, own, seen) {
                return true;
            }
        }
    }
    false
}

/// Whether a `[workspace.dependencies]` entry of a manifest the run read, whose path is
/// `dir`, lists `feature` (a member that inherits it asks for the feature).
fn inherited_entries_ask(facts: &Facts, dir: &Path, feature: &str) -> bool {
    facts.manifests.iter().any(|m| {
        let Some(doc) = m
            .text()
            .filter(|t| t.contains("workspace"))
            .and_then(|_| m.table())
        else {
            return false;
        };
        let Some(base) = m.path.parent() else {
            return false;
        };
        let entries = doc
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(toml::Value::as_table);
        entries.into_iter().flatten().any(|(_, spec)| {
            spec.get("path")
                .and_then(toml::Value::as_str)
                .is_some_and(|p| gate_support::path::normalize(&base.join(p)) == dir)
                && lists(spec.get("features"), feature)
        })
    })
}

/// Whether `value` is an array that holds `feature`.
fn lists(value: Option<&toml::Value>, feature: &str) -> bool {
    value
        .and_then(toml::Value::as_array)
        .is_some_and(|list| list.iter().any(|v| v.as_str() == Some(feature)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gate_formats::kernel_bom::{BinaryKind, BuilderKind};

    fn built(package: &str, features: Option<&[&str]>) -> BuiltArtifact {
        BuiltArtifact {
            package: package.to_owned(),
            kind: BinaryKind::Rlib,
            path: PathBuf::from(format!("target/debug/lib{package}.rlib")),
            test: false,
            size: 0,
            modified: None,
            test_binary: None,
            features: features.map(|f| f.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    fn switched(package: &str, switch: &str) -> Builder {
        Builder {
            switch: Some(switch.to_owned()),
            ..Builder::new(package, BuilderKind::Nvcc, "build.rs:5")
        }
    }

    /// The features a builder's switch needs are judged against those cargo listed for its
    /// package's artifacts, and only where cargo described one: a file a build script wrote
    /// says nothing of features, another package's artifacts say nothing of this one's, and
    /// a switch that is not a plain conjunction of the package's features is not judged.
    #[test]
    fn a_builder_is_unbuilt_by_the_features_its_package_was_built_without() {
        let mut builders = vec![
            switched("app", "feature \"gpu\""),
            switched("app", "feature \"gpu\" and feature \"fast\""),
            switched("app", "-DGGML_CUDA=ON"),
            switched("other", "feature \"gpu\""),
            Builder {
                dependency: true,
                ..switched("app", "feature \"gpu\"")
            },
        ];
        let artifacts = [
            built("app", Some(&["default", "fast"])),
            built("app", None),
            built("other", None),
        ];
        mark_unbuilt(&mut builders, &artifacts);
        let unbuilt: Vec<&[String]> = builders.iter().map(|b| &b.unbuilt[..]).collect();
        assert_eq!(
            unbuilt,
            [&["gpu".to_owned()][..], &["gpu".to_owned()], &[], &[], &[]]
        );
        let mut builders = vec![switched("app", "feature \"gpu\" and feature \"fast\"")];
        mark_unbuilt(&mut builders, &[built("app", Some(&["gpu", "fast"]))]);
        assert!(builders[0].unbuilt.is_empty(), "{builders:?}");
    }
}
