//! The dependency graphs the supply-chain checks judge, and the paths that explain why a
//! package is in them.
//!
//! - **The lockfile graph** ([`Graph::lockfile`]): every package of Cargo.lock, edges as the
//!   lockfile lists them (every platform, every kind). `deps.advisories` matches all of it, as
//!   cargo-audit does (a vulnerable dev-dependency runs on developers' and CI machines), and
//!   reports what the shipped graph lacks apart, as a warning.
//! - **The shipped graph** ([`Graph::from_tree`]): what cargo's own resolver builds for the
//!   target platforms, read from `cargo tree --workspace -e normal,build --target …`
//!   (features resolved per target with the members' default features, as resolver 2 does;
//!   dev-dependencies and the features only they enable left out), and the same for each
//!   feature set the workspace's CI builds with (`facts/shipped.rs`), mapped onto the
//!   resolve's packages (`cargo metadata --all-features`, so every optional package is
//!   there to be found). `deps.licenses`, `deps.duplicates` and `deps.advisories` judge it, as
//!   cargo-deny's graph with `[graph] targets` does. `cargo metadata` alone cannot give it: its
//!   resolve unifies features across every platform and the dev-dependencies, so a crate only
//!   a wasm-only feature or a test pulls in looks shipped. Where no edge between shipped
//!   packages is optional or for some platforms only ([`conditional_edge`]), no feature set
//!   and no target can change the graph, and the resolve's edges are cargo's own: no `cargo
//!   tree` is asked ([`shipped_graph`]). Where `cargo tree` cannot run, the
//!   resolve's edges filtered by target ([`Graph::shipped`], every feature on) stand in, and the graph says so
//!   ([`Graph::approximate`]).
//!
//! A path is the shortest chain of dependencies from a workspace member
//! (`app → hyper 0.14.28 → h2 0.3.26`), found breadth first, members in workspace order. A
//! finding about a package that ships shows its path in the shipped graph: the lockfile
//! graph's shortest may run through a dev-dependency (`nu-command → mockito → … → h2` where
//! cargo builds `nu → … → hyper → h2`). Only a package in Cargo.lock only shows a lockfile
//! path, its dev-dependency steps marked ([`DevEdges`]).

pub mod advisories;
pub mod license_text;

use cargo_metadata::{DependencyKind, Metadata};
use cfg_expr::targets::TargetInfo;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// One package of a graph.
#[derive(Debug, Clone)]
pub struct Node {
    /// The package id (the resolve's; `name version` in the lockfile graph).
    pub id: String,
    /// The crate name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Where it comes from, as the lockfile writes it (`None`: a path package).
    pub source: Option<String>,
}

impl Node {
    /// `name version`.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

/// A dependency graph, reduced to what is reachable from its roots.
#[derive(Debug, Default)]
pub struct Graph {
    /// The packages.
    pub nodes: Vec<Node>,
    edges: Vec<Vec<usize>>,
    roots: Vec<usize>,
    /// For each node, the node it was first reached from (`None`: a root, or unreached).
    parent: Vec<Option<usize>>,
    reached: Vec<bool>,
    /// Why this graph is the resolve's approximation rather than cargo's own (`cargo tree`
    /// could not run), when it is.
    pub approximate: Option<String>,
    /// The feature sets of CI it holds besides the default features.
    pub ci_features: CiFeatureSets,
}

impl Graph {
    fn new(nodes: Vec<Node>, edges: Vec<Vec<usize>>, roots: Vec<usize>) -> Graph {
        let mut graph = Graph {
            parent: vec![None; nodes.len()],
            reached: vec![false; nodes.len()],
            nodes,
            edges,
            roots,
            approximate: None,
            ci_features: CiFeatureSets::default(),
        };
        let mut queue = VecDeque::new();
        for &root in &graph.roots {
            if !graph.reached[root] {
                graph.reached[root] = true;
                queue.push_back(root);
            }
        }
        while let Some(at) = queue.pop_front() {
            for &next in &graph.edges[at] {
                if !graph.reached[next] {
                    graph.reached[next] = true;
                    graph.parent[next] = Some(at);
                    queue.push_back(next);
                }
            }
        }
        graph
    }

    /// Cargo.lock's graph: roots are the `members` found in it (every path package when none
    /// is).
    pub fn lockfile(lock: &rustsec::Lockfile, members: &[String]) -> Graph {
        let nodes: Vec<Node> = lock
            .packages
            .iter()
            .map(|p| Node {
                id: format!("{} {}", p.name, p.version),
                name: p.name.as_str().to_owned(),
                version: p.version.to_string(),
                source: p.source.as_ref().map(|s| s.to_string()),
            })
            .collect();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            by_name.entry(&node.name).or_default().push(i);
        }
        let edges = lock
            .packages
            .iter()
            .map(|p| {
                p.dependencies
                    .iter()
                    .filter_map(|d| {
                        let candidates = by_name.get(d.name.as_str())?;
                        candidates
                            .iter()
                            .copied()
                            .find(|&i| nodes[i].version == d.version.to_string())
                            .or_else(|| (candidates.len() == 1).then(|| candidates[0]))
                    })
                    .collect()
            })
            .collect();
        let mut roots: Vec<usize> = members
            .iter()
            .filter_map(|m| {
                nodes
                    .iter()
                    .position(|n| &n.name == m && n.source.is_none())
            })
            .collect();
        if roots.is_empty() {
            roots = (0..nodes.len())
                .filter(|&i| nodes[i].source.is_none())
                .collect();
        }
        Graph::new(nodes, edges, roots)
    }

    /// The shipped graph as cargo builds it: the resolve's packages, with the edges `tree`
    /// (`cargo tree … --prefix depth -f {p}`: `<depth><name> v<version>[ (…)]` per line, a
    /// package seen before marked `(*)`) shows. A line whose package the resolve lacks is
    /// skipped (with the edges below it attached to its parent).
    pub fn from_tree(metadata: &Metadata, tree: &str) -> Graph {
        let Some(resolve) = &metadata.resolve else {
            return Graph::default();
        };
        let packages: HashMap<&cargo_metadata::PackageId, &cargo_metadata::Package> =
            metadata.packages.iter().map(|p| (&p.id, p)).collect();
        let nodes: Vec<Node> = resolve
            .nodes
            .iter()
            .map(|n| node_of(n, &packages))
            .collect();
        let mut by_label: HashMap<(String, String), usize> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            // A path package (a member) wins over a registry one of the same name and version.
            let key = (node.name.clone(), node.version.clone());
            if node.source.is_none() || !by_label.contains_key(&key) {
                by_label.insert(key, i);
            }
        }
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        // The node at each depth of the current branch.
        let mut branch: Vec<usize> = Vec::new();
        for line in tree.lines() {
            let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let Ok(depth) = line[..digits].parse::<usize>() else {
                continue;
            };
            let mut words = line[digits..].split_whitespace();
            let (Some(name), Some(version)) = (words.next(), words.next()) else {
                continue;
            };
            let version = version.strip_prefix('v').unwrap_or(version);
            let Some(&at) = by_label.get(&(name.to_owned(), version.to_owned())) else {
                continue;
            };
            branch.truncate(depth);
            if let Some(&parent) = branch.last()
                && !edges[parent].contains(&at)
            {
                edges[parent].push(at);
            }
            while branch.len() < depth {
                // A skipped line above: attach to the nearest known ancestor.
                let Some(&last) = branch.last() else { break };
                branch.push(last);
            }
            branch.push(at);
        }
        let index = index_of(resolve);
        let roots = roots_of(metadata, &index);
        Graph::new(nodes, edges, roots)
    }

    /// The resolve's approximation of the shipped graph for `targets` (see the module docs):
    /// edges whose `target` applies, dev-dependencies left out, features as `cargo metadata`
    /// unified them.
    pub fn shipped(metadata: &Metadata, targets: &[&TargetInfo]) -> Graph {
        let Some(resolve) = &metadata.resolve else {
            return Graph::default();
        };
        let packages: HashMap<&cargo_metadata::PackageId, &cargo_metadata::Package> =
            metadata.packages.iter().map(|p| (&p.id, p)).collect();
        let index = index_of(resolve);
        let nodes = resolve
            .nodes
            .iter()
            .map(|n| node_of(n, &packages))
            .collect();
        let mut applies = Applies::new(targets);
        let edges = resolve
            .nodes
            .iter()
            .map(|n| {
                n.deps
                    .iter()
                    .filter(|d| {
                        d.dep_kinds.iter().any(|k| {
                            k.kind != DependencyKind::Development
                                && k.target
                                    .as_ref()
                                    .is_none_or(|t| applies.check(&t.to_string()))
                        })
                    })
                    .filter_map(|d| index.get(&d.pkg).copied())
                    .collect()
            })
            .collect();
        let roots = roots_of(metadata, &index);
        Graph::new(nodes, edges, roots)
    }

    /// `outcome` with [`Graph::approximation_note`] added, when there is one.
    pub fn noted(&self, outcome: crate::check::Outcome) -> crate::check::Outcome {
        match self.approximation_note() {
            Some(note) => outcome.with_finding(note),
            None => outcome,
        }
    }

    /// A note saying the graph is the resolve's approximation, when it is.
    pub fn approximation_note(&self) -> Option<crate::check::Finding> {
        self.approximate.as_ref().map(|why| {
            crate::check::Finding::note(format!(
                "the shipped graph is the resolve's approximation ({why}): `cargo metadata` \
                 unifies features across every platform and the dev-dependencies, so it may \
                 hold crates cargo never builds for these targets"
            ))
        })
    }

    /// The reached nodes that depend on node `i` directly.
    pub fn dependents(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(move |&j| self.reached[j] && self.edges[j].contains(&i))
    }

    /// Whether node `i` is reached from a root.
    pub fn reached(&self, i: usize) -> bool {
        self.reached.get(i).copied().unwrap_or(false)
    }

    /// The reached nodes, in graph order.
    pub fn reached_nodes(&self) -> impl Iterator<Item = (usize, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| self.reached[*i])
    }

    /// Whether node `i` is a root (a workspace member).
    pub fn is_root(&self, i: usize) -> bool {
        self.roots.contains(&i)
    }

    /// The shortest chain from a root to node `i`: `app → hyper 0.14.28 → h2 0.3.26` (roots
    /// by name alone); `None` when `i` is not reached.
    pub fn path(&self, i: usize) -> Option<String> {
        self.path_marking(i, &DevEdges::default())
    }

    /// [`Graph::path`], each step that `dev` knows as a dev-dependency marked
    /// `[dev-dependency]` (`app → mockito 1.7.0 [dev-dependency] → h2 0.4.10`): for a path of
    /// the lockfile graph, whose edges carry no kind.
    pub fn path_marking(&self, i: usize, dev: &DevEdges) -> Option<String> {
        let chain = self.chain(i)?;
        let mut steps: Vec<String> = Vec::with_capacity(chain.len());
        for (at, &n) in chain.iter().enumerate() {
            let node = &self.nodes[n];
            let mut step = if self.is_root(n) {
                node.name.clone()
            } else {
                node.label()
            };
            if at > 0 && dev.contains(&self.nodes[chain[at - 1]], node) {
                step.push_str(" [dev-dependency]");
            }
            steps.push(step);
        }
        Some(steps.join(PATH_ARROW))
    }

    /// The shortest chain of node indices from a root to node `i` (the root first); `None`
    /// when `i` is not reached.
    pub fn chain(&self, i: usize) -> Option<Vec<usize>> {
        if !self.reached(i) {
            return None;
        }
        let mut chain = vec![i];
        let mut at = i;
        while let Some(parent) = self.parent[at] {
            chain.push(parent);
            at = parent;
        }
        chain.reverse();
        Some(chain)
    }

    /// The reached packages that come in more than one version, by name: the node indices of
    /// each version, lowest version first.
    pub fn duplicates(&self) -> BTreeMap<&str, Vec<usize>> {
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, node) in self.reached_nodes() {
            by_name.entry(&node.name).or_default().push(i);
        }
        by_name.retain(|_, v| v.len() > 1);
        for versions in by_name.values_mut() {
            versions.sort_by(|&a, &b| {
                let parse = |i: usize| semver::Version::parse(&self.nodes[i].version).ok();
                parse(a)
                    .cmp(&parse(b))
                    .then_with(|| self.nodes[a].source.cmp(&self.nodes[b].source))
            });
        }
        by_name
    }
}

/// The resolve's dev-dependency edges, by `name version` of each end: an edge every kind of
/// which is `dev` (a dependency that is also a normal or build one is not).
#[derive(Debug, Default)]
pub struct DevEdges(std::collections::HashSet<(String, String)>);

impl DevEdges {
    /// The dev-dependency edges of `metadata`'s resolve.
    pub fn of(metadata: &Metadata) -> DevEdges {
        let Some(resolve) = &metadata.resolve else {
            return DevEdges::default();
        };
        let packages: HashMap<&cargo_metadata::PackageId, &cargo_metadata::Package> =
            metadata.packages.iter().map(|p| (&p.id, p)).collect();
        let label = |id: &cargo_metadata::PackageId| {
            packages
                .get(id)
                .map(|p| format!("{} {}", p.name, p.version))
        };
        let mut edges = std::collections::HashSet::new();
        for node in &resolve.nodes {
            for dep in &node.deps {
                let dev_only = !dep.dep_kinds.is_empty()
                    && dep
                        .dep_kinds
                        .iter()
                        .all(|k| k.kind == DependencyKind::Development);
                if let (true, Some(from), Some(to)) = (dev_only, label(&node.id), label(&dep.pkg)) {
                    edges.insert((from, to));
                }
            }
        }
        DevEdges(edges)
    }

    /// Whether `from` depends on `to` as a dev-dependency only.
    fn contains(&self, from: &Node, to: &Node) -> bool {
        !self.0.is_empty() && self.0.contains(&(from.label(), to.label()))
    }
}

/// Whether a dependency's `target` (a triple or a `cfg(…)`) applies to one of the targets,
/// each expression parsed once.
struct Applies<'t> {
    targets: &'t [&'t TargetInfo],
    seen: HashMap<String, bool>,
}

impl<'t> Applies<'t> {
    fn new(targets: &'t [&'t TargetInfo]) -> Applies<'t> {
        Applies {
            targets,
            seen: HashMap::new(),
        }
    }

    fn check(&mut self, target: &str) -> bool {
        if let Some(&known) = self.seen.get(target) {
            return known;
        }
        let applies = applies(target, self.targets);
        self.seen.insert(target.to_owned(), applies);
        applies
    }
}

/// Whether `target` (a triple or a `cfg(…)` expression) applies to one of `targets`. An
/// expression that does not parse applies (a dependency is never dropped on a guess).
pub fn applies(target: &str, targets: &[&TargetInfo]) -> bool {
    if !target.starts_with("cfg(") {
        return targets.iter().any(|t| t.triple.as_str() == target);
    }
    let Ok(expr) = cfg_expr::Expression::parse(target) else {
        return true;
    };
    targets.iter().any(|info| {
        expr.eval(|predicate| match predicate {
            cfg_expr::Predicate::Target(p) => p.matches(*info),
            // Not known from the target alone: `test`, `debug_assertions`, features, flags.
            _ => false,
        })
    })
}

/// Each resolve node's index, by package id.
fn index_of(resolve: &cargo_metadata::Resolve) -> HashMap<&cargo_metadata::PackageId, usize> {
    resolve
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (&n.id, i))
        .collect()
}

/// The workspace members' indices: a graph's roots.
fn roots_of(metadata: &Metadata, index: &HashMap<&cargo_metadata::PackageId, usize>) -> Vec<usize> {
    metadata
        .workspace_members
        .iter()
        .filter_map(|id| index.get(id).copied())
        .collect()
}

/// The arrow that joins the steps of a dependency path in every message that carries one
/// (waivers cut such paths out of what they match: `waiver::own_text`).
pub const PATH_ARROW: &str = " → ";

/// Whether `name` can be a crate name (as `[bans] deny` and `[[licenses.exceptions]]` name
/// crates).
pub fn is_crate_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The graph node of a resolve node.
fn node_of(
    n: &cargo_metadata::Node,
    packages: &HashMap<&cargo_metadata::PackageId, &cargo_metadata::Package>,
) -> Node {
    match packages.get(&n.id) {
        Some(p) => Node {
            id: n.id.repr.clone(),
            name: p.name.to_string(),
            version: p.version.to_string(),
            source: p.source.as_ref().map(|s| s.repr.clone()),
        },
        None => Node {
            id: n.id.repr.clone(),
            name: crate::facts::package_name(&n.id.repr),
            version: String::new(),
            source: None,
        },
    }
}

/// The triples of `targets`, comma-separated (for summaries).
pub fn describe_targets(targets: &[&TargetInfo]) -> String {
    targets
        .iter()
        .map(|t| t.triple.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A note that cargo-deny's configuration beside the workspace (`deny.toml`, `.deny.toml`,
/// `.cargo/deny.toml`) is not read, for a supply-chain check whose `[table]` gate.toml lacks:
/// with cargo-deny's `[bans]` beside it, "no crate is banned" read as that file's verdict
/// (EmbarkStudios/crash-handling).
pub fn unread_deny_config(root: &std::path::Path, table: &str) -> Option<crate::check::Finding> {
    let file = ["deny.toml", ".deny.toml", ".cargo/deny.toml"]
        .into_iter()
        .find(|f| root.join(f).is_file())?;
    Some(crate::check::Finding::note(format!(
        "{file} is cargo-deny's configuration, which cargo-gate does not read: its [{table}] \
         applies once copied into gate.toml (docs/GUIDE.md, \"Switching from cargo-deny\")"
    )))
}

/// The shipped graph of this run's resolve for `targets`, with the resolve's packages; the
/// outcome to report instead when the lockfile does not resolve (blocked by
/// `lockfile.locked`, which says why).
pub fn shipped_of<'c>(
    ctx: &'c crate::check::Context<'_>,
    targets: &[&TargetInfo],
) -> Result<(Graph, &'c Metadata), crate::check::Outcome> {
    use crate::check::{Outcome, SkipKind};
    use crate::facts::Resolve;
    let resolve = ctx
        .facts
        .resolve(ctx.cargo)
        .map_err(|e| Outcome::skip(SkipKind::Unavailable, e.to_owned()))?;
    let metadata = match resolve {
        Resolve::Resolved { metadata, .. } => metadata,
        Resolve::Failed {
            unavailable: Some(unavailable),
            ..
        } => {
            return Err(Outcome::skip(
                SkipKind::Unavailable,
                format!(
                    "the dependency graph was not resolved: {}",
                    unavailable.reason()
                ),
            ));
        }
        failed @ Resolve::Failed { error, .. } => {
            let alone = Outcome::fail(format!(
                "the dependency graph was not resolved: `cargo metadata --locked` fails: {error}"
            ));
            return Err(Outcome::blocked(
                "lockfile.locked",
                format!(
                    "the dependency graph was not resolved: {}",
                    failed.why_unresolved()
                ),
                alone,
            ));
        }
    };
    Ok((
        shipped_graph(ctx.facts, ctx.cargo, metadata, targets),
        metadata,
    ))
}

/// The shipped graph for `targets` with CI's feature sets added: read from the resolve where
/// no feature and no platform can change it ([`conditional_edge`]), else from the one
/// `cargo tree` of their union; where that cannot run, the resolve's approximation, which
/// says so.
pub fn shipped_graph(
    facts: &crate::facts::Facts,
    cargo: &crate::tools::cargo::Cargo,
    metadata: &Metadata,
    targets: &[&TargetInfo],
) -> Graph {
    let from_resolve = Graph::shipped(metadata, targets);
    if conditional_edge(metadata, &from_resolve).is_none() {
        let mut graph = from_resolve;
        let (judged, unknown) = facts.ci_feature_sets();
        graph.ci_features = CiFeatureSets { judged, unknown };
        return graph;
    }
    let triples: Vec<&str> = targets.iter().map(|t| t.triple.as_str()).collect();
    // What CI builds with its feature sets, added (one `cargo tree` of their union).
    let (tree, judged, unknown) = facts.built_tree(cargo, &triples);
    match tree {
        Ok(tree) => {
            let mut graph = Graph::from_tree(metadata, &tree);
            graph.ci_features = CiFeatureSets { judged, unknown };
            graph
        }
        Err(why) => {
            let mut graph = from_resolve;
            graph.approximate = Some(why);
            graph
        }
    }
}

/// The first edge of `graph` (the resolve's, [`Graph::shipped`]) between shipped packages that
/// a feature set or a platform could take away, said as `a → b (why)`: one for some
/// platforms only, one of an optional dependency (`cargo metadata --all-features` turns on
/// every optional dependency a member's features reach), or one cargo gave no kinds for.
/// `None`: every such edge is unconditional, so `cargo tree` would print this very graph for
/// any target and any feature set (features only turn optional dependencies on), and it is
/// not asked. Only reached packages count: a dev-dependency's own edges never ship.
pub fn conditional_edge(metadata: &Metadata, graph: &Graph) -> Option<String> {
    let resolve = metadata.resolve.as_ref()?;
    let packages: HashMap<&cargo_metadata::PackageId, &cargo_metadata::Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    for (i, node) in resolve.nodes.iter().enumerate() {
        if !graph.reached(i) {
            continue;
        }
        let Some(package) = packages.get(&node.id) else {
            return Some(format!("{} is not among the packages", node.id.repr));
        };
        for dep in &node.deps {
            let shipped = dep
                .dep_kinds
                .iter()
                .filter(|k| k.kind != DependencyKind::Development);
            if dep.dep_kinds.is_empty() || shipped.clone().any(|k| k.target.is_some()) {
                return Some(format!(
                    "{} → {} (for some platforms)",
                    package.name, dep.name
                ));
            }
            if shipped.count() == 0 {
                continue;
            }
            let name = packages.get(&dep.pkg).map(|p| p.name.as_str());
            let optional = package.dependencies.iter().any(|d| {
                Some(d.name.as_str()) == name
                    && d.kind != DependencyKind::Development
                    && (d.optional || d.target.is_some())
            });
            if name.is_none() || optional {
                return Some(format!("{} → {} (optional)", package.name, dep.name));
            }
        }
    }
    None
}

/// The feature sets of CI a shipped graph holds besides the members' default features, and
/// those it could not add (each named, with why).
#[derive(Debug, Clone, Default)]
pub struct CiFeatureSets {
    /// Each added set, as its `cargo tree` arguments (`--workspace --all-features`).
    pub judged: Vec<String>,
    pub unknown: Vec<String>,
}

/// A lockfile for tests: `app` depends on `a` and on `b` 2.0.0, `a` on `b` 1.5.0; `lost` is
/// in the lockfile but reached from nothing.
#[cfg(test)]
pub(crate) const TWO_B: &str = "version = 4\n\n\
    [[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"a\", \"b 2.0.0\"]\n\n\
    [[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://example.invalid/index\"\ndependencies = [\"b 1.5.0\"]\n\n\
    [[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"registry+https://example.invalid/index\"\n\n\
    [[package]]\nname = \"b\"\nversion = \"1.5.0\"\nsource = \"registry+https://example.invalid/index\"\n\n\
    [[package]]\nname = \"lost\"\nversion = \"1.0.0\"\nsource = \"registry+https://example.invalid/index\"\n";

#[cfg(test)]
mod tests {
    use super::*;

    /// crash-handling's deny.toml bans crates and allows licenses that gate.toml does not:
    /// the checks say the file is not read, where it is, and say nothing where none is.
    #[test]
    fn a_deny_toml_beside_the_workspace_is_named_as_unread() {
        let dir = tempfile::tempdir().unwrap();
        assert!(unread_deny_config(dir.path(), "bans").is_none());
        std::fs::create_dir(dir.path().join(".cargo")).unwrap();
        std::fs::write(dir.path().join(".cargo/deny.toml"), "[bans]\n").unwrap();
        let note = unread_deny_config(dir.path(), "bans").expect("named");
        assert_eq!(note.severity, crate::check::Severity::Note);
        assert!(
            note.message
                .starts_with(".cargo/deny.toml is cargo-deny's configuration, which cargo-gate does not read: its [bans]"),
            "{}",
            note.message
        );
    }

    fn target(triple: &str) -> &'static TargetInfo {
        cfg_expr::targets::get_builtin_target_by_triple(triple).unwrap()
    }

    #[test]
    fn cfg_expressions_and_triples_are_judged_for_each_target() {
        let linux = [target("x86_64-unknown-linux-gnu")];
        let windows = [target("x86_64-pc-windows-msvc")];
        assert!(applies("cfg(unix)", &linux));
        assert!(!applies("cfg(unix)", &windows));
        assert!(applies("cfg(windows)", &windows));
        assert!(applies(
            "cfg(all(target_os = \"linux\", target_arch = \"x86_64\"))",
            &linux
        ));
        assert!(!applies("cfg(target_os = \"wasi\")", &linux));
        assert!(applies("x86_64-pc-windows-msvc", &windows));
        assert!(!applies("x86_64-pc-windows-msvc", &linux));
        assert!(!applies("cfg(test)", &linux), "cfg(test) is never a target");
        assert!(applies("cfg(not(test))", &linux));
        assert!(applies("cfg(((", &linux), "unparsed: kept");
    }

    #[test]
    fn paths_start_at_a_member_and_duplicates_sort_by_version() {
        let lock: rustsec::Lockfile = TWO_B.parse().unwrap();
        let graph = Graph::lockfile(&lock, &["app".to_owned()]);
        let b15 = graph
            .nodes
            .iter()
            .position(|n| n.label() == "b 1.5.0")
            .unwrap();
        assert_eq!(graph.path(b15).unwrap(), "app → a 1.0.0 → b 1.5.0");
        let lost = graph.nodes.iter().position(|n| n.name == "lost").unwrap();
        assert_eq!(graph.path(lost), None);
        let dups = graph.duplicates();
        assert_eq!(dups.keys().copied().collect::<Vec<_>>(), ["b"]);
        let versions: Vec<&str> = dups["b"]
            .iter()
            .map(|&i| graph.nodes[i].version.as_str())
            .collect();
        assert_eq!(versions, ["1.5.0", "2.0.0"]);
    }

    /// A package only an optional feature pulls in ships exactly when something builds that
    /// feature: a CI call that names it adds it to the graph, and the graph says which sets
    /// it holds (issue 42: the graph judged is the one cargo builds for the features the
    /// workspace and its CI build).
    #[test]
    fn the_feature_sets_ci_builds_are_in_the_shipped_graph() {
        let manifest = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
            [dependencies]\nextra = { path = \"../extra\", optional = true }\n\n\
            [features]\nx = [\"dep:extra\"]\n";
        let files = |ci: &'static str| {
            vec![
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"app\"]\nexclude = [\"extra\"]\nresolver = \"2\"\n",
                ),
                ("app/Cargo.toml", manifest),
                ("app/src/lib.rs", ""),
                (
                    "extra/Cargo.toml",
                    "[package]\nname = \"extra\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                ),
                ("extra/src/lib.rs", ""),
                (".github/workflows/ci.yml", ci),
            ]
        };
        let shipped = |ci: &'static str| {
            crate::checks::testing::with_files(&files(ci), &["app"], Default::default(), |ctx| {
                let made = std::process::Command::new("cargo")
                    .args(["generate-lockfile", "--offline"])
                    .current_dir(&ctx.workspace.root)
                    .status();
                if !made.is_ok_and(|s| s.success()) {
                    return None;
                }
                let targets =
                    [
                        cfg_expr::targets::get_builtin_target_by_triple("x86_64-unknown-linux-gnu")
                            .unwrap(),
                    ];
                let (graph, _) = shipped_of(ctx, &targets).ok()?;
                let names: Vec<String> =
                    graph.reached_nodes().map(|(_, n)| n.name.clone()).collect();
                Some((names, graph.ci_features.judged))
            })
        };
        let Some((plain, sets)) =
            shipped("jobs:\n  a:\n    steps:\n      - run: cargo test --locked\n")
        else {
            assert!(
                !gate_support::program::runs("cargo"),
                "cargo runs here, yet the test workspace could not be resolved"
            );
            return;
        };
        assert!(!plain.contains(&"extra".to_owned()), "{plain:?}");
        assert!(sets.is_empty());
        let (with_x, sets) = shipped(
            "jobs:\n  a:\n    steps:\n      - run: cargo test --locked -p app --features x\n",
        )
        .unwrap();
        assert!(with_x.contains(&"extra".to_owned()), "{with_x:?}");
        assert_eq!(sets, ["-p app --features x"]);
    }
}
