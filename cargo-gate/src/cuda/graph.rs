//! The crates of the resolved graph that compile GPU code: each reached package that is not
//! the workspace's own is read from where cargo unpacked it (the resolve's `manifest_path`):
//! its build script for GPU builders, and — when it can reach NVRTC (it or a direct
//! dependency has an `nvrtc` feature switched on, or depends on a crate named for NVRTC) —
//! its Rust sources for code that compiles CUDA at run time. Nothing here is a list of known
//! crates: what a crate does is read from its own files.
//!
//! Each is named with the chain that pulls it in, every step that switches an optional
//! dependency on written `crate/feature` (`app/cuda → candle-core/cuda → candle-kernels`).

use crate::deps::Graph;
use cargo_metadata::{Metadata, Package, PackageId};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// A crate of the graph that compiles GPU code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuCrate {
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Its build script's GPU builders (what [`Readers::script`] found).
    pub builders: Vec<gate_formats::kernel_bom::Builder>,
    /// Where its code compiles CUDA at run time: `name@version/file:line` and the text.
    pub nvrtc: Vec<(String, String)>,
    /// What it provides when it is NVRTC's bindings ([`provided_nvrtc`]).
    pub provides_nvrtc: Option<String>,
    /// The chain from a workspace member, features written where they switch a dependency on.
    pub path: Vec<String>,
}

/// The run-time compilations (line, text) in a Rust file: `(label, text)`.
pub type NvrtcUses = dyn Fn(&str, &str) -> Vec<(u32, String)>;

/// How the graph's files are read (the caller's file access, so this module stays pure).
pub struct Readers<'a> {
    /// A file's text.
    pub read: &'a dyn Fn(&Path) -> Option<String>,
    /// The GPU builders of a build script: `(label for file:line, text, package directory)`.
    pub script: &'a dyn Fn(&str, &str, &Path) -> Vec<gate_formats::kernel_bom::Builder>,
    /// The run-time compilations (line, text) in a Rust file.
    pub nvrtc: &'a NvrtcUses,
    /// The Rust files below a directory (bounded by the caller).
    pub rust_files: &'a dyn Fn(&Path) -> Vec<std::path::PathBuf>,
    /// Whether a path package's directory is the repository's, read as sources
    /// (`crate::bom`: its packages, and the crates git does not track below its root, a
    /// submodule's); one beside the repository is read here, as a dependency.
    pub own: &'a dyn Fn(&Path) -> bool,
}

impl std::fmt::Debug for Readers<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").finish_non_exhaustive()
    }
}

/// Every reached package outside the workspace that compiles GPU code, in graph order.
pub fn gpu_crates(metadata: &Metadata, graph: &Graph, readers: &Readers<'_>) -> Vec<GpuCrate> {
    let packages: HashMap<&str, &Package> = metadata
        .packages
        .iter()
        .map(|p| (p.id.repr.as_str(), p))
        .collect();
    let features: HashMap<&str, &[cargo_metadata::FeatureName]> = metadata
        .resolve
        .iter()
        .flat_map(|r| &r.nodes)
        .map(|n| (n.id.repr.as_str(), n.features.as_slice()))
        .collect();
    let members: BTreeSet<&PackageId> = metadata.workspace_members.iter().collect();
    // What the shipped graph reaches: a crate's NVRTC calls compile only where the crate
    // that provides NVRTC is built with it (candle-core's are behind its `cuda` feature,
    // which pulls cudarc in).
    let reached: BTreeSet<&str> = graph
        .reached_nodes()
        .map(|(_, n)| n.name.as_str())
        .collect();
    let mut found = Vec::new();
    for (i, node) in graph.reached_nodes() {
        let Some(package) = packages.get(node.id.as_str()) else {
            continue;
        };
        // The workspace's own packages and the path dependencies in the repository (tracked
        // or a submodule's) are read as sources (`crate::bom`): the graph adds what comes
        // from a registry or git, and path dependencies beside the repository.
        let dir = package.manifest_path.parent().map(|d| d.as_std_path());
        let own = package.source.is_none() && dir.is_some_and(|d| (readers.own)(d));
        if members.contains(&package.id) || own {
            continue;
        }
        let label = format!("{}@{}", package.name, package.version);
        let on = features.get(node.id.as_str()).copied().unwrap_or_default();
        let mut builders = script_builders(package, &label, readers);
        // A builder behind a feature the resolve leaves off compiles nothing (neptune takes
        // neptune-triton with `opencl` only: its `cuda` build never runs).
        builders.retain(|b| b.switch.as_deref().is_none_or(|s| switched_on(s, on)));
        let nvrtc = if reaches_nvrtc(package, (&packages, &reached), &features) {
            nvrtc_uses(package, &label, readers)
        } else {
            Vec::new()
        };
        let provides_nvrtc = features
            .get(node.id.as_str())
            .and_then(|f| provided_nvrtc(f));
        if builders.is_empty() && nvrtc.is_empty() && provides_nvrtc.is_none() {
            continue;
        }
        let path = graph
            .chain(i)
            .map(|chain| feature_path(&chain, graph, &packages, &features))
            .unwrap_or_default();
        found.push(GpuCrate {
            name: package.name.to_string(),
            version: package.version.to_string(),
            builders,
            nvrtc,
            provides_nvrtc,
            path,
        });
    }
    found
}

/// Whether a build script's switch (`feature "cuda"`, `GGML_CUDA=ON if feature "cuda"`,
/// `feature "a" or feature "b"`, `without feature "f64"`) can be on with the features `on`: a
/// switch that names no feature is (it depends on the build machine, which the graph cannot
/// say).
fn switched_on(switch: &str, on: &[cargo_metadata::FeatureName]) -> bool {
    let mut pieces = switch.split("feature \"");
    let mut without = pieces.next().is_some_and(|s| s.ends_with("without "));
    let mut named: Vec<(&str, bool)> = Vec::new();
    for rest in pieces {
        let (name, after) = rest.split_once('"').unwrap_or((rest, ""));
        named.push((name, without));
        without = after.ends_with("without ");
    }
    // `CARGO_FEATURE_CUDA_KERNELS` is read as `cuda_kernels`: `-` and `_` are one.
    let same = |a: &str, b: &str| a.replace('-', "_") == b.replace('-', "_");
    let holds = |&(f, without): &(&str, bool)| on.iter().any(|o| same(o.as_str(), f)) != without;
    if named.is_empty() {
        true
    } else if switch.contains(" or ") {
        named.iter().any(holds)
    } else {
        named.iter().all(holds)
    }
}

/// The GPU builders of `package`'s build script, located as `name@version/build.rs:LINE`.
fn script_builders(
    package: &Package,
    label: &str,
    readers: &Readers<'_>,
) -> Vec<gate_formats::kernel_bom::Builder> {
    let Some(script) = package
        .targets
        .iter()
        .find(|t| t.is_kind(cargo_metadata::TargetKind::CustomBuild))
    else {
        return Vec::new();
    };
    let Some(text) = (readers.read)(script.src_path.as_std_path()) else {
        return Vec::new();
    };
    let rel = package
        .manifest_path
        .parent()
        .and_then(|dir| script.src_path.strip_prefix(dir).ok())
        .map_or_else(|| "build.rs".to_owned(), |p| p.as_str().replace('\\', "/"));
    let dir = package
        .manifest_path
        .parent()
        .map_or_else(|| Path::new(""), |d| d.as_std_path());
    let mut builders = (readers.script)(&format!("{label}/{rel}"), &text, dir);
    for b in &mut builders {
        b.package = package.name.to_string();
    }
    builders
}

/// Whether `package` can reach NVRTC: a direct (non-dev) dependency has a feature named
/// `nvrtc` switched on, or is named for NVRTC. The crate that provides the bindings (cudarc
/// with its own `nvrtc` feature) is not itself a user: its own calls are its API and tests.
fn reaches_nvrtc(
    package: &Package,
    (packages, reached): (&HashMap<&str, &Package>, &BTreeSet<&str>),
    features: &HashMap<&str, &[cargo_metadata::FeatureName]>,
) -> bool {
    let has_nvrtc_feature = |id: &str| {
        features
            .get(id)
            .is_some_and(|f| f.iter().any(|f| f.as_str() == "nvrtc"))
    };
    let shipped_deps: Vec<&cargo_metadata::Dependency> = package
        .dependencies
        .iter()
        .filter(|d| d.kind != cargo_metadata::DependencyKind::Development)
        .filter(|d| reached.contains(d.name.as_str()))
        .collect();
    shipped_deps.iter().any(|d| d.name.contains("nvrtc"))
        || packages.values().any(|p| {
            shipped_deps.iter().any(|d| d.name == p.name.as_str()) && has_nvrtc_feature(&p.id.repr)
        })
}

/// What a crate whose enabled features are `features` provides of NVRTC: `None` unless its
/// `nvrtc` feature is on; the CUDA release its features select (`cuda-13000` → 13.0) when
/// one does.
pub fn provided_nvrtc(features: &[cargo_metadata::FeatureName]) -> Option<String> {
    if !features.iter().any(|f| f.as_str() == "nvrtc") {
        return None;
    }
    let mut releases: Vec<(u32, u32)> = features
        .iter()
        .filter_map(|f| {
            let digits = f.as_str().strip_prefix("cuda-")?;
            let number: u32 = digits.parse().ok()?;
            (digits.len() == 5).then_some((number / 1000, number % 1000 / 10))
        })
        .collect();
    releases.sort_unstable();
    releases.dedup();
    Some(match releases[..] {
        [] => "NVRTC, loaded at run time".to_owned(),
        [(major, minor)] => format!(
            "the CUDA {major}.{minor} NVRTC (libnvrtc.so.{major} on Linux), loaded by name at run time"
        ),
        // The resolve has every feature of the workspace on (tract: a non-default feature
        // asks for `cuda-12000` beside the default `cuda-13000`): which one a build binds
        // depends on the features it is built with, so none is named as the one.
        _ => {
            let said: Vec<String> = releases
                .iter()
                .map(|(major, minor)| format!("{major}.{minor}"))
                .collect();
            format!(
                "NVRTC of CUDA {} (one version feature each, as the workspace's features turn \
                 them on), loaded by name at run time",
                said.join(" or ")
            )
        }
    })
}

/// The run-time compilations in `package`'s Rust sources, as `name@version/file:line`.
fn nvrtc_uses(package: &Package, label: &str, readers: &Readers<'_>) -> Vec<(String, String)> {
    let Some(dir) = package.manifest_path.parent() else {
        return Vec::new();
    };
    let mut uses = Vec::new();
    for file in (readers.rust_files)(dir.join("src").as_std_path()) {
        let Some(text) = (readers.read)(&file) else {
            continue;
        };
        let rel = file
            .strip_prefix(dir.as_std_path())
            .map_or_else(|_| file.display().to_string(), |p| p.display().to_string())
            .replace('\\', "/");
        for (line, what) in (readers.nvrtc)(&rel, &text) {
            uses.push((format!("{label}/{rel}:{line}"), what));
        }
    }
    uses
}

/// The chain `root → … → package`, each step that switches on an optional dependency
/// written `crate/feature` with the enabled feature that does it.
fn feature_path(
    chain: &[usize],
    graph: &Graph,
    packages: &HashMap<&str, &Package>,
    features: &HashMap<&str, &[cargo_metadata::FeatureName]>,
) -> Vec<String> {
    let mut path = Vec::new();
    for (k, &at) in chain.iter().enumerate() {
        let node = &graph.nodes[at];
        let next = chain.get(k + 1).map(|&n| &graph.nodes[n]);
        let switch = match (packages.get(node.id.as_str()), next) {
            (Some(package), Some(next)) => {
                let enabled = features.get(node.id.as_str()).copied().unwrap_or(&[]);
                switching_feature(package, enabled, &next.name)
            }
            _ => None,
        };
        path.push(match switch {
            Some(feature) => format!("{}/{feature}", node.name),
            None => node.name.clone(),
        });
    }
    path
}

/// The enabled feature of `package` that switches on its optional dependency on `child` (a
/// package name), through other features of the same package if need be; `None` when the
/// dependency is not optional (or no enabled feature names it).
pub fn switching_feature(
    package: &Package,
    enabled: &[cargo_metadata::FeatureName],
    child: &str,
) -> Option<String> {
    let keys: Vec<String> = package
        .dependencies
        .iter()
        .filter(|d| d.name == child && d.optional)
        .map(|d| d.rename.clone().unwrap_or_else(|| d.name.clone()))
        .collect();
    if keys.is_empty() {
        return None;
    }
    let names = |value: &str, key: &str| {
        value == key
            || value.strip_prefix("dep:") == Some(key)
            || value
                .split_once('/')
                .is_some_and(|(dep, _)| dep.trim_end_matches('?') == key)
    };
    // How many features deep `feature` switches it on (0: it names the dependency itself).
    let depth = |feature: &str| {
        let mut seen = BTreeSet::new();
        let mut level = vec![feature.to_owned()];
        for depth in 0..16usize {
            let mut next = Vec::new();
            for f in level {
                if !seen.insert(f.clone()) {
                    continue;
                }
                for value in package.features.get(&f).into_iter().flatten() {
                    if keys.iter().any(|k| names(value, k)) {
                        return Some(depth);
                    }
                    if package.features.contains_key(value.as_str()) {
                        next.push(value.clone());
                    }
                }
            }
            level = next;
        }
        None
    };
    // The feature a person would name: the one that names the dependency itself, not
    // `default`, the shortest.
    let best = enabled
        .iter()
        .map(|f| f.as_str())
        .filter_map(|f| depth(f).map(|d| ((d, f == "default", f.len()), f)))
        .min();
    best.map(|(_, f)| f.to_owned()).or_else(|| {
        keys.iter()
            .find(|k| enabled.iter().any(|f| f.as_str() == k.as_str()))
            .cloned()
    })
}

#[cfg(test)]
mod tests {
    /// Found on neptune (its `cuda` feature of neptune-triton never on) and tract (two CUDA
    /// versions of cudarc on in the resolve with every feature).
    #[test]
    fn what_the_resolve_leaves_off_is_not_said_to_compile_or_load() {
        let on = |fs: &[&str]| -> Vec<cargo_metadata::FeatureName> {
            fs.iter()
                .map(|f| cargo_metadata::FeatureName::new((*f).to_owned()))
                .collect()
        };
        assert!(!super::switched_on("feature \"cuda\"", &on(&["opencl"])));
        assert!(super::switched_on("feature \"cuda\"", &on(&["cuda"])));
        assert!(super::switched_on("nvcc found at build time", &on(&[])));
        assert!(super::switched_on(
            "without feature \"f64\"",
            &on(&["cuda"])
        ));
        assert!(!super::switched_on(
            "without feature \"f64\"",
            &on(&["f64"])
        ));
        assert!(super::switched_on(
            "feature \"cuda\" and without feature \"f64\"",
            &on(&["cuda"])
        ));
        assert!(!super::switched_on(
            "feature \"cuda\" and without feature \"f64\"",
            &on(&["cuda", "f64"])
        ));
        assert!(super::switched_on(
            "feature \"cuda_kernels\"",
            &on(&["cuda-kernels"])
        ));
        assert!(!super::switched_on(
            "GGML_CUDA=ON if feature \"cuda\"",
            &on(&[])
        ));
        assert!(super::switched_on(
            "feature \"a\" or feature \"b\"",
            &on(&["b"])
        ));
        assert!(!super::switched_on(
            "feature \"a\" and feature \"b\"",
            &on(&["b"])
        ));
        let one = super::provided_nvrtc(&on(&["nvrtc", "cuda-13000"])).unwrap();
        assert!(
            one.starts_with("the CUDA 13.0 NVRTC (libnvrtc.so.13"),
            "{one}"
        );
        let two = super::provided_nvrtc(&on(&["nvrtc", "cuda-13000", "cuda-12000"])).unwrap();
        assert!(two.starts_with("NVRTC of CUDA 12.0 or 13.0"), "{two}");
    }

    use super::*;

    fn package(json: serde_json::Value) -> Package {
        serde_json::from_value(json).expect("package json")
    }

    fn app() -> Package {
        package(serde_json::json!({
            "name": "app", "version": "0.1.0", "id": "path+file:///w/app#0.1.0",
            "license": null, "license_file": null, "description": null, "source": null,
            "dependencies": [
                {"name": "candle-core", "source": null, "req": "*", "kind": null,
                 "optional": false, "uses_default_features": true, "features": [],
                 "target": null, "rename": null, "registry": null},
                {"name": "flash-attn", "source": null, "req": "*", "kind": null,
                 "optional": true, "uses_default_features": true, "features": [],
                 "target": null, "rename": "fa", "registry": null}
            ],
            "targets": [], "features": {
                "default": ["gpu"], "gpu": ["cuda"], "cuda": ["candle-core/cuda", "dep:fa"],
                "other": []
            },
            "manifest_path": "/w/app/Cargo.toml", "metadata": null, "publish": null,
            "authors": [], "categories": [], "keywords": [], "readme": null,
            "repository": null, "homepage": null, "documentation": null,
            "edition": "2021", "links": null, "default_run": null, "rust_version": null
        }))
    }

    /// A package of a metadata document: `source` `None` for a path package.
    fn listed(name: &str, source: Option<&str>, deps: &[&str]) -> serde_json::Value {
        let dependencies: Vec<serde_json::Value> = deps
            .iter()
            .map(|d| {
                serde_json::json!({"name": d, "source": null, "req": "*", "kind": null,
                    "optional": false, "uses_default_features": true, "features": [],
                    "target": null, "rename": null, "registry": null})
            })
            .collect();
        serde_json::json!({
            "name": name, "version": "0.1.0", "id": format!("{name} 0.1.0"),
            "license": null, "license_file": null, "description": null, "source": source,
            "dependencies": dependencies,
            "targets": [{"kind": ["custom-build"], "crate_types": ["bin"], "name": "build-script-build",
                "src_path": format!("/src/{name}/build.rs"), "edition": "2021", "doctest": false,
                "test": false, "doc": false}],
            "features": {}, "manifest_path": format!("/src/{name}/Cargo.toml"), "metadata": null,
            "publish": null, "authors": [], "categories": [], "keywords": [], "readme": null,
            "repository": null, "homepage": null, "documentation": null, "edition": "2021",
            "links": null, "default_run": null, "rust_version": null
        })
    }

    /// candle-core's NVRTC calls are behind its `cuda` feature, which also pulls cudarc in:
    /// in a graph that does not reach cudarc they compile nothing (moshi's default build).
    #[test]
    fn nvrtc_is_reached_only_through_a_provider_the_graph_reaches() {
        let user = package(listed("user", Some("registry+x"), &["cudarc"]));
        let cudarc = package(listed("cudarc", Some("registry+x"), &[]));
        let packages: HashMap<&str, &Package> = [
            (user.id.repr.as_str(), &user),
            (cudarc.id.repr.as_str(), &cudarc),
        ]
        .into();
        let nvrtc: Vec<cargo_metadata::FeatureName> =
            serde_json::from_value(serde_json::json!(["nvrtc"])).expect("features");
        let features: HashMap<&str, &[cargo_metadata::FeatureName]> =
            [(cudarc.id.repr.as_str(), nvrtc.as_slice())].into();
        let without: BTreeSet<&str> = ["user"].into();
        let with: BTreeSet<&str> = ["user", "cudarc"].into();
        assert!(!reaches_nvrtc(&user, (&packages, &without), &features));
        assert!(reaches_nvrtc(&user, (&packages, &with), &features));
    }

    #[test]
    fn registry_crates_and_untracked_path_ones_are_found_and_the_repositorys_left_to_the_sources() {
        let node = |name: &str, deps: &[&str]| {
            let deps: Vec<serde_json::Value> = deps
                .iter()
                .map(|d| {
                    serde_json::json!({"name": d, "pkg": format!("{d} 0.1.0"),
                    "dep_kinds": [{"kind": null, "target": null}]})
                })
                .collect();
            serde_json::json!({"id": format!("{name} 0.1.0"), "deps": deps,
                "dependencies": [], "features": []})
        };
        let registry = "registry+https://example.invalid/index";
        let metadata: Metadata = serde_json::from_value(serde_json::json!({
            "packages": [
                listed("app", None, &["local", "remote", "beside"]),
                listed("local", None, &[]),
                listed("remote", Some(registry), &[]),
                listed("beside", None, &[]),
            ],
            "workspace_members": ["app 0.1.0"],
            "workspace_default_members": ["app 0.1.0"],
            "resolve": {"nodes": [node("app", &["local", "remote", "beside"]), node("local", &[]), node("remote", &[]), node("beside", &[])], "root": null},
            "target_directory": "/t", "version": 1, "workspace_root": "/w", "metadata": null
        }))
        .expect("metadata json");
        let graph = Graph::shipped(&metadata, &[]);
        let read = |_: &Path| Some("fn main() {}".to_owned());
        let script = |label: &str, _: &str, _: &Path| {
            vec![gate_formats::kernel_bom::Builder {
                dependency: true,
                ..gate_formats::kernel_bom::Builder::new(
                    "",
                    gate_formats::kernel_bom::BuilderKind::Cc,
                    format!("{label}:1"),
                )
            }]
        };
        let nvrtc = |_: &str, _: &str| Vec::new();
        let rust_files = |_: &Path| Vec::new();
        // `beside` is a path package the repository does not hold (a sibling directory, a
        // submodule's crate): read here, like a registry crate.
        let own = |dir: &Path| dir == Path::new("/src/local");
        let found = gpu_crates(
            &metadata,
            &graph,
            &Readers {
                read: &read,
                script: &script,
                nvrtc: &nvrtc,
                rust_files: &rust_files,
                own: &own,
            },
        );
        let mut names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["beside", "remote"], "{found:#?}");
        let remote = found.iter().find(|c| c.name == "remote").unwrap();
        assert_eq!(remote.builders[0].at, "remote@0.1.0/build.rs:1");
        assert!(remote.builders[0].dependency);
        assert_eq!(remote.path, ["app", "remote"]);
    }

    #[test]
    fn the_feature_that_switches_an_optional_dependency_on_is_named() {
        let app = app();
        let enabled: Vec<cargo_metadata::FeatureName> =
            serde_json::from_value(serde_json::json!(["default", "gpu", "cuda", "other"]))
                .expect("features");
        // Through a renamed key; the feature that names it wins over those that reach it
        // through other features (`gpu`, `default`).
        assert_eq!(
            switching_feature(&app, &enabled, "flash-attn").as_deref(),
            Some("cuda")
        );
        // A dependency that is not optional is not switched on by anything.
        assert_eq!(switching_feature(&app, &enabled, "candle-core"), None);
        // Not enabled: nothing switches it on.
        let none: Vec<cargo_metadata::FeatureName> =
            serde_json::from_value(serde_json::json!(["other"])).expect("features");
        assert_eq!(switching_feature(&app, &none, "flash-attn"), None);
    }
}
