//! The `gate.toml` tables that more than one check reads. Each is still owned by one check,
//! which returns it from `Check::section` and documents it: `[boundary]` (boundary.unsafe;
//! config.valid and policy.profile report on it), `[matrix]` (platform.matrix; its platforms
//! are the shipped targets when `[graph]` names none) and `[graph]` (deps.duplicates;
//! deps.licenses judges the same graph, through [`targets`]). Checks sit above this module,
//! so none has to import another to read a table.

use crate::config::Validator;
use crate::config::section::{Section, Settings, Spanned, Table};
use cfg_expr::targets::TargetInfo;
use serde::Serialize;

/// `[boundary]`, this check's table, validated (also read by `config.valid` and
/// `policy.profile`, which report on it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Boundary {
    /// `allow-unsafe`: the crates (package names) that may contain unsafe code and FFI.
    pub allow_unsafe: Vec<String>,
}

/// `[boundary]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBoundary {
    allow_unsafe: Option<Vec<Spanned<String>>>,
}

/// The `[boundary]` table.
static BOUNDARY: Table<RawBoundary> = Table {
    name: "boundary",
    validate: validate_boundary,
};

fn validate_boundary(raw: Option<RawBoundary>, v: &mut Validator<'_>) -> Settings {
    let mut boundary = Boundary::default();
    for name in raw.and_then(|r| r.allow_unsafe).unwrap_or_default() {
        if name.get_ref().trim().is_empty() {
            v.error::<_, ()>(
                &name,
                "empty crate name in allow-unsafe".to_owned(),
                "list package names, e.g. allow-unsafe = [\"ffi\"]",
            );
            continue;
        }
        boundary.allow_unsafe.push(name.into_inner());
    }
    Settings::new(boundary)
}

/// A platform of the CI matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Linux.
    Linux,
    /// macOS.
    Macos,
    /// Windows.
    Windows,
}

/// `[matrix]`, this check's table, validated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Matrix {
    /// `platforms`: each needs a READY run of this commit (default: all three).
    pub platforms: Vec<Platform>,
}

impl Default for Matrix {
    fn default() -> Matrix {
        Matrix {
            platforms: vec![Platform::Linux, Platform::Macos, Platform::Windows],
        }
    }
}

/// `[matrix]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    platforms: Option<Vec<Spanned<String>>>,
}

/// The `[matrix]` table.
static MATRIX: Table<RawMatrix> = Table {
    name: "matrix",
    validate: validate_matrix,
};

fn validate_matrix(raw: Option<RawMatrix>, v: &mut Validator<'_>) -> Settings {
    let mut matrix = Matrix::default();
    if let Some(platforms) = raw.and_then(|r| r.platforms) {
        matrix.platforms.clear();
        for p in platforms {
            let platform = match p.get_ref().as_str() {
                "linux" => Platform::Linux,
                "macos" => Platform::Macos,
                "windows" => Platform::Windows,
                other => {
                    v.error::<_, ()>(
                        &p,
                        format!("unknown platform `{other}`"),
                        "use linux, macos or windows",
                    );
                    continue;
                }
            };
            if !matrix.platforms.contains(&platform) {
                matrix.platforms.push(platform);
            }
        }
    }
    Settings::new(matrix)
}

/// `[graph]`, validated: the targets of the shipped graph (empty: those of `[matrix]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GraphSettings {
    /// Target triples.
    pub targets: Vec<String>,
}

/// `[graph]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGraph {
    targets: Option<Vec<Spanned<String>>>,
}

static GRAPH: Table<RawGraph> = Table {
    name: "graph",
    validate: validate_graph,
};

fn validate_graph(raw: Option<RawGraph>, v: &mut Validator<'_>) -> Settings {
    let mut settings = GraphSettings::default();
    for target in raw.and_then(|r| r.targets).unwrap_or_default() {
        let triple = target.get_ref();
        if cfg_expr::targets::get_builtin_target_by_triple(triple).is_none() {
            v.error::<_, ()>(
                &target,
                format!("`{triple}` is not a target triple rustc knows"),
                "write a triple from `rustc --print target-list`, e.g. \"x86_64-unknown-linux-gnu\"",
            );
        } else if !settings.targets.contains(triple) {
            settings.targets.push(triple.clone());
        }
    }
    Settings::new(settings)
}

/// The target platforms of the shipped graph: `[graph] targets`, else the platforms of
/// `[matrix] platforms` (Linux x86-64, macOS on Apple silicon, Windows x86-64 MSVC).
pub fn targets(config: &crate::config::Config) -> Vec<&'static TargetInfo> {
    let graph: GraphSettings = config.section();
    let triples: Vec<String> = if graph.targets.is_empty() {
        config
            .section::<Matrix>()
            .platforms
            .iter()
            .map(|p| {
                match p {
                    Platform::Linux => "x86_64-unknown-linux-gnu",
                    Platform::Macos => "aarch64-apple-darwin",
                    Platform::Windows => "x86_64-pc-windows-msvc",
                }
                .to_owned()
            })
            .collect()
    } else {
        graph.targets
    };
    triples
        .iter()
        .filter_map(|t| cfg_expr::targets::get_builtin_target_by_triple(t))
        .collect()
}

/// `[boundary]`, owned by `boundary.unsafe`.
pub fn boundary_table() -> &'static dyn Section {
    &BOUNDARY
}

/// `[matrix]`, owned by `platform.matrix`.
pub fn matrix_table() -> &'static dyn Section {
    &MATRIX
}

/// `[graph]`, owned by `deps.duplicates`.
pub fn graph_table() -> &'static dyn Section {
    &GRAPH
}
