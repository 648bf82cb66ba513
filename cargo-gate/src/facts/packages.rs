//! The packages of the tree, read from its manifests: each one's role (a member, a path
//! dependency that ships with the members, or another package), its path dependencies, its
//! build script and targets. A `{ workspace = true }` dependency takes its path from the
//! workspace the package belongs to: the root's for the members, and, for a path dependency
//! into another workspace (a vendored fork of candle, `candle-kernels = { workspace = true }`
//! in `candle-fork/candle-core`), that workspace's own `[workspace.dependencies]`.

use super::manifests::Manifest;
use crate::workspace::Workspace;
use gate_support::path::normalize;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

/// How a package relates to the workspace under evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A workspace member.
    Member,
    /// Not a member, but reached from one through path dependencies (a crate in
    /// `[workspace] exclude` used as an optional path dependency, a vendored crate): its code
    /// ships with the workspace's.
    PathDependency,
    /// Neither: a nested workspace, an example or a test fixture that no member depends on.
    Other,
}

/// One package found in the repository.
#[derive(Debug, Clone)]
pub struct Package {
    /// `[package] name` (the directory name when the manifest has none).
    pub name: String,
    /// The directory holding its `Cargo.toml`.
    pub dir: PathBuf,
    /// How it relates to the workspace.
    pub role: Role,
    /// Whether it declares a dependency on gate-build (any table, any target).
    pub gate_build: bool,
    /// Its build script, when it has one.
    pub build_script: Option<PathBuf>,
    /// The target roots its manifest names by path (`crate::workspace::target_paths`).
    pub targets: Vec<PathBuf>,
    /// `rust-version`, inheritance from `[workspace.package]` resolved.
    pub rust_version: Option<String>,
    /// Directories of its path dependencies (normalised, not canonicalised), dev-dependencies
    /// included.
    pub path_deps: Vec<PathBuf>,
    /// The directories among `path_deps` that only its dev-dependency tables name: they reach
    /// its own tests, never a package that depends on it.
    pub dev_only: Vec<PathBuf>,
    /// The path each `{ workspace = true }` dependency takes from the workspace the package
    /// belongs to, by key (`facts::packages`).
    pub inherited_paths: BTreeMap<String, PathBuf>,
}

/// A workspace manifest's `[workspace.dependencies]` paths and `[workspace.package]
/// rust-version`, and the root's `[patch.*]` paths (cargo applies the root's patches only).
#[derive(Debug, Default, Clone)]
struct Inherited {
    dependency_paths: BTreeMap<String, PathBuf>,
    rust_version: Option<String>,
    /// The root's `[patch.*]` entries that are paths, by package name.
    patched: BTreeMap<String, PathBuf>,
}

fn inherited(root: &Path, doc: Option<&toml::Table>) -> Inherited {
    let ws = doc
        .and_then(|d| d.get("workspace"))
        .and_then(toml::Value::as_table);
    let mut out = Inherited {
        rust_version: ws
            .and_then(|ws| ws.get("package"))
            .and_then(|p| p.get("rust-version"))
            .and_then(toml::Value::as_str)
            .map(str::to_owned),
        ..Inherited::default()
    };
    if let Some(deps) = ws
        .and_then(|ws| ws.get("dependencies"))
        .and_then(toml::Value::as_table)
    {
        for (name, value) in deps {
            if let Some(path) = value.get("path").and_then(toml::Value::as_str) {
                out.dependency_paths
                    .insert(name.clone(), normalize(&root.join(path)));
            }
        }
    }
    // `[patch.crates-io] x = { path = "x" }`: every dependency on `x` is that directory
    // (the hostile trial's `attacker = "0.1"`, patched to a path, read nothing of it before).
    let patches = doc
        .and_then(|d| d.get("patch"))
        .and_then(toml::Value::as_table);
    for source in patches.into_iter().flat_map(|p| p.values()) {
        for (name, value) in source.as_table().into_iter().flatten() {
            let renamed = value.get("package").and_then(toml::Value::as_str);
            if let Some(path) = value.get("path").and_then(toml::Value::as_str) {
                out.patched.insert(
                    renamed.unwrap_or(name).to_owned(),
                    normalize(&root.join(path)),
                );
            }
        }
    }
    out
}

/// Reads every manifest among `files`, the members' (tracked or not) and the root's, sorted
/// by path.
pub(super) fn read_cargo_tomls(ws: &Workspace, files: &[PathBuf]) -> Vec<Manifest> {
    let mut paths: Vec<PathBuf> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "Cargo.toml"))
        .cloned()
        .collect();
    paths.extend(ws.members.iter().map(|m| m.dir.join("Cargo.toml")));
    paths.push(ws.manifest_path.clone());
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|path| {
            let rel = ws.relative(&path);
            Manifest::read(&path, rel)
        })
        .collect()
}

/// What a package inherits from, by the directory of each workspace manifest among the
/// parsed manifests: the root's, and every other one's (its patches the root's).
struct Workspaces {
    root: PathBuf,
    by_dir: HashMap<PathBuf, Inherited>,
}

impl Workspaces {
    fn read(ws: &Workspace, docs: &[(&Manifest, &toml::Table)]) -> Workspaces {
        let root_doc = docs.iter().find(|(m, _)| m.path == ws.manifest_path);
        let root = inherited(&ws.root, root_doc.map(|(_, doc)| *doc));
        let mut by_dir: HashMap<PathBuf, Inherited> = docs
            .iter()
            .filter(|(m, doc)| m.path != ws.manifest_path && doc.contains_key("workspace"))
            .filter_map(|(m, doc)| {
                let dir = m.path.parent()?.to_owned();
                let own = Inherited {
                    patched: root.patched.clone(),
                    ..inherited(&dir, Some(doc))
                };
                Some((dir, own))
            })
            .collect();
        by_dir.insert(ws.root.clone(), root);
        Workspaces {
            root: ws.root.clone(),
            by_dir,
        }
    }

    /// What the package in `dir` (its manifest's `[package]` table `package`) inherits
    /// from: a member from the root; another package from the workspace its manifest names
    /// (`package.workspace`) or the nearest one at or above it, as cargo finds it; the
    /// root's where none is known.
    fn of(&self, dir: &Path, package: &toml::Table, member: bool) -> &Inherited {
        let root = &self.by_dir[&self.root];
        if member {
            return root;
        }
        if let Some(named) = package.get("workspace").and_then(toml::Value::as_str) {
            return self
                .by_dir
                .get(&normalize(&dir.join(named)))
                .unwrap_or(root);
        }
        dir.ancestors()
            .find_map(|above| self.by_dir.get(above))
            .unwrap_or(root)
    }
}

/// The packages among `manifests`, with the path dependencies of the members (and of what
/// they reach) marked as shipping with them. Each manifest is parsed once.
pub(super) fn read_packages(ws: &Workspace, manifests: &[Manifest]) -> Vec<Package> {
    let empty = toml::Table::new();
    let docs: Vec<(&Manifest, &toml::Table)> = manifests
        .iter()
        .filter(|m| m.path.is_file())
        .map(|m| (m, m.table().unwrap_or(&empty)))
        .collect();
    let workspaces = Workspaces::read(ws, &docs);
    let member_dirs: HashSet<&Path> = ws.members.iter().map(|m| m.dir.as_path()).collect();
    let mut packages: Vec<Package> = docs
        .iter()
        .filter_map(|(m, doc)| package_of(ws, (&m.path, doc), &workspaces, &member_dirs))
        .collect();
    reach(&mut packages);
    packages
        .sort_by(|a, b| (a.role != Role::Member, &a.dir).cmp(&(b.role != Role::Member, &b.dir)));
    packages
}

/// The package the manifest at `path` (parsed: `doc`) declares; a nested virtual workspace
/// (or a manifest that does not parse) is still the boundary of something that is not this
/// workspace's, an [`Role::Other`] package named for its directory (the root's own virtual
/// manifest excepted: `None`).
fn package_of(
    ws: &Workspace,
    (path, doc): (&Path, &toml::Table),
    workspaces: &Workspaces,
    member_dirs: &HashSet<&Path>,
) -> Option<Package> {
    let dir = path.parent().unwrap_or(&ws.root).to_owned();
    let Some(package) = doc.get("package").and_then(toml::Value::as_table) else {
        return (dir != ws.root).then(|| Package {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            dir,
            role: Role::Other,
            gate_build: false,
            build_script: None,
            targets: Vec::new(),
            rust_version: None,
            path_deps: Vec::new(),
            dev_only: Vec::new(),
            inherited_paths: BTreeMap::new(),
        });
    };
    let name = package
        .get("name")
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let member = member_dirs.contains(dir.as_path());
    let inherit = workspaces.of(&dir, package, member);
    let Dependencies {
        gate_build,
        path_deps,
        dev_only,
        inherited_paths,
    } = dependencies(doc, &dir, inherit);
    let build_script = match package.get("build") {
        Some(toml::Value::String(path)) => Some(dir.join(path)),
        Some(toml::Value::Boolean(false)) => None,
        _ => Some(dir.join("build.rs")).filter(|p| p.is_file()),
    };
    let rust_version = match package.get("rust-version") {
        Some(toml::Value::String(v)) => Some(v.clone()),
        Some(toml::Value::Table(t))
            if t.get("workspace").and_then(toml::Value::as_bool) == Some(true) =>
        {
            inherit.rust_version.clone()
        }
        _ => None,
    };
    Some(Package {
        name,
        targets: crate::workspace::target_paths(doc, &dir),
        dir,
        role: if member { Role::Member } else { Role::Other },
        gate_build,
        build_script,
        rust_version,
        path_deps,
        dev_only,
        inherited_paths,
    })
}

/// What a manifest's dependency tables say ([`dependencies`]).
struct Dependencies {
    gate_build: bool,
    path_deps: Vec<PathBuf>,
    dev_only: Vec<PathBuf>,
    inherited_paths: BTreeMap<String, PathBuf>,
}

/// Whether the manifest `doc` (in `dir`) depends on gate-build, its path dependencies, those
/// of them it depends on for development only, and the paths its `{ workspace = true }`
/// dependencies take from `inherit`.
fn dependencies(doc: &toml::Table, dir: &Path, inherit: &Inherited) -> Dependencies {
    let mut gate_build = false;
    let mut path_deps = Vec::new();
    let mut not_dev = Vec::new();
    let mut inherited_paths = BTreeMap::new();
    for (dev, table) in crate::workspace::dependency_tables(doc) {
        for (key, value) in table {
            let renamed = value.get("package").and_then(toml::Value::as_str);
            let inherits = value.get("workspace").and_then(toml::Value::as_bool) == Some(true);
            // `gate-build = { workspace = true }` keeps its key; a rename names the package.
            if renamed.unwrap_or(key) == "gate-build" {
                gate_build = true;
            }
            let path = match value.get("path").and_then(toml::Value::as_str) {
                Some(path) => Some(normalize(&dir.join(path))),
                None if inherits => inherit.dependency_paths.get(key).cloned(),
                None => None,
            };
            if let (true, Some(path)) = (inherits, &path) {
                inherited_paths.insert(key.clone(), path.clone());
            }
            let path = path.or_else(|| inherit.patched.get(renamed.unwrap_or(key)).cloned());
            if let Some(path) = path {
                if !dev {
                    not_dev.push(path.clone());
                }
                path_deps.push(path);
            }
        }
    }
    let dev_only = path_deps
        .iter()
        .filter(|p| !not_dev.contains(p))
        .cloned()
        .collect();
    Dependencies {
        gate_build,
        path_deps,
        dev_only,
        inherited_paths,
    }
}

/// Crates reached from members through path dependencies ship with them.
fn reach(packages: &mut [Package]) {
    let index: HashMap<PathBuf, usize> = packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.dir.clone(), i))
        .collect();
    let mut queue: VecDeque<usize> = (0..packages.len())
        .filter(|&i| packages[i].role == Role::Member)
        .collect();
    while let Some(i) = queue.pop_front() {
        for dep in packages[i].path_deps.clone() {
            if let Some(&j) = index.get(&dep)
                && packages[j].role == Role::Other
            {
                packages[j].role = Role::PathDependency;
                queue.push_back(j);
            }
        }
    }
}
