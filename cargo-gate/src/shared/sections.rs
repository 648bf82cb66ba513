//! The `gate.toml` tables that more than one check reads. Each is still owned by one check,
//! which returns it from `Check::section` and documents it: `[boundary]` (boundary.unsafe;
//! config.valid and policy.profile report on it), `[matrix]` (platform.matrix; its platforms
//! are the shipped targets when `[graph]` names none) and `[graph]` (deps.duplicates;
//! deps.licenses judges the same graph, through [`targets`]) and `[advisories]`
//! (deps.advisories; `cargo gate fetch-advisories` reads where the database lives) and
//! `[cuda]` (kernels.shipped; `cargo gate kernels` judges the same fleet). Checks
//! and commands sit above this module, so none has to import a check to read a table.

use crate::config::Validator;
use crate::config::section::{Section, Spanned, Table};
use cfg_expr::targets::TargetInfo;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// `[boundary]`, this check's table, validated (also read by `config.valid` and
/// `policy.profile`, which report on it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Boundary {
    /// `allow-unsafe`: the crates (package names) that may contain unsafe code and FFI.
    pub allow_unsafe: Vec<String>,
}

/// `[boundary]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBoundary {
    allow_unsafe: Option<Vec<Spanned<String>>>,
}

/// The `[boundary]` table.
pub static BOUNDARY: Table<RawBoundary, Boundary> = Table {
    name: "boundary",
    validate: validate_boundary,
};

fn validate_boundary(raw: Option<RawBoundary>, v: &mut Validator<'_>) -> Boundary {
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
    boundary
}

/// A platform of the CI matrix.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Matrix {
    /// `platforms`: each needs a READY run of this commit (default: all three).
    pub platforms: Vec<Platform>,
    /// `accept-emulated`: whether a run made under an emulator (a Windows build under Wine)
    /// counts for the platform it emulates (default: no; it is never native evidence).
    pub accept_emulated: bool,
}

impl Default for Matrix {
    fn default() -> Matrix {
        Matrix {
            platforms: vec![Platform::Linux, Platform::Macos, Platform::Windows],
            accept_emulated: false,
        }
    }
}

/// `[matrix]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "kebab-case")]
pub struct RawMatrix {
    platforms: Option<Vec<Spanned<String>>>,
    accept_emulated: Option<bool>,
}

/// The `[matrix]` table.
pub static MATRIX: Table<RawMatrix, Matrix> = Table {
    name: "matrix",
    validate: validate_matrix,
};

fn validate_matrix(raw: Option<RawMatrix>, v: &mut Validator<'_>) -> Matrix {
    let mut matrix = Matrix::default();
    let Some(raw) = raw else {
        return matrix;
    };
    matrix.accept_emulated = raw.accept_emulated.unwrap_or(false);
    if let Some(platforms) = raw.platforms {
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
    matrix
}

/// `[graph]`, validated: the targets of the shipped graph (empty: those of `[matrix]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GraphSettings {
    /// Target triples.
    pub targets: Vec<String>,
}

/// `[graph]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGraph {
    targets: Option<Vec<Spanned<String>>>,
}

pub static GRAPH: Table<RawGraph, GraphSettings> = Table {
    name: "graph",
    validate: validate_graph,
};

fn validate_graph(raw: Option<RawGraph>, v: &mut Validator<'_>) -> GraphSettings {
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
    settings
}

/// The target platforms of the shipped graph: `[graph] targets`, else the platforms of
/// `[matrix] platforms` (Linux x86-64, macOS on Apple silicon, Windows x86-64 MSVC).
pub fn targets(config: &crate::config::Config) -> Vec<&'static TargetInfo> {
    let graph = config.section(&crate::shared::sections::GRAPH);
    let triples: Vec<String> = if graph.targets.is_empty() {
        config
            .section(&crate::shared::sections::MATRIX)
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

// ----- [cuda] ----------------------------------------------------------------------------

/// `[cuda]`, owned by `kernels.shipped` (`cargo gate kernels` reads it too): the fleet the
/// shipped kernels must load on. Empty `archs` and no `min-driver`: no fleet declared, the
/// inventory is reported and nothing is judged against one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Cuda {
    /// `archs`: the GPUs the service runs on, as `sm_NN` (with an `a`/`f` suffix for an
    /// arch-specific target), deduplicated in the order written.
    pub archs: Vec<String>,
    /// `min-driver`: the oldest driver, as the CUDA version it ships with (`[policy]
    /// min-driver` when this is absent).
    pub min_driver: Option<crate::config::DriverVersion>,
    /// Whether the table was written at all.
    pub declared: bool,
}

/// `[cuda]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCuda {
    archs: Option<Vec<Spanned<String>>>,
    min_driver: Option<Spanned<String>>,
}

pub static CUDA: Table<RawCuda, Cuda> = Table {
    name: "cuda",
    validate: validate_cuda,
};

/// Whether `arch` names a GPU as `sm_NN`, `sm_NNa` or `sm_NNf`.
pub fn is_sm_arch(arch: &str) -> bool {
    let Some(rest) = arch.strip_prefix("sm_") else {
        return false;
    };
    let digits = rest.trim_end_matches(['a', 'f']);
    rest.len() - digits.len() <= 1
        && (2..=3).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

fn validate_cuda(raw: Option<RawCuda>, v: &mut Validator<'_>) -> Cuda {
    let mut cuda = Cuda {
        declared: raw.is_some(),
        ..Cuda::default()
    };
    let Some(raw) = raw else {
        return cuda;
    };
    for arch in raw.archs.unwrap_or_default() {
        let name = arch.get_ref();
        if !is_sm_arch(name) {
            v.error::<_, ()>(
                &arch,
                format!("`{name}` is not a GPU arch"),
                "write each GPU as sm_ and its compute capability, e.g. archs = [\"sm_80\", \"sm_90\"]",
            );
        } else if !cuda.archs.contains(name) {
            cuda.archs.push(name.clone());
        }
    }
    if let Some(driver) = raw.min_driver {
        cuda.min_driver = crate::config::parse_driver(driver.get_ref());
        if cuda.min_driver.is_none() {
            v.error::<_, ()>(
                &driver,
                format!("`{}` is not a CUDA version", driver.get_ref()),
                "write the CUDA version as MAJOR.MINOR, e.g. min-driver = \"13.0\"",
            );
        }
    }
    cuda
}

/// `[cuda]`, owned by `kernels.shipped`.
pub fn cuda_table() -> &'static dyn Section {
    &CUDA
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

// ----- [advisories] ---------------------------------------------------------------------

/// How a kind of finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// An error: the check fails.
    Fail,
    /// A warning.
    Warn,
    /// A note: reported, never counted.
    Note,
}

/// `[advisories]`, validated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AdvisorySettings {
    /// `db-path`: the database directory (relative to the workspace root).
    pub db_path: Option<PathBuf>,
    /// `db-url`: where `fetch-advisories` gets it.
    pub db_url: String,
    /// `max-age`: older is a warning.
    #[serde(serialize_with = "duration_text", deserialize_with = "text_duration")]
    pub max_age: Duration,
    /// `unmaintained`.
    pub unmaintained: Level,
    /// `unsound`.
    pub unsound: Level,
    /// `notice`: RustSec's informational notices (cargo-deny's `notice`).
    pub notice: Level,
    /// `yanked`.
    pub yanked: Level,
}

/// The default `max-age`: 90 days, cargo-deny's `maximum-db-staleness`.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(90 * 24 * 60 * 60);

impl Default for AdvisorySettings {
    fn default() -> AdvisorySettings {
        AdvisorySettings {
            db_path: None,
            db_url: crate::deps::advisories::DEFAULT_URL.to_owned(),
            max_age: DEFAULT_MAX_AGE,
            unmaintained: Level::Warn,
            unsound: Level::Warn,
            notice: Level::Note,
            yanked: Level::Warn,
        }
    }
}

/// [`duration_text`] read back.
fn text_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    let number = |n: &str| n.parse::<u64>().ok();
    let parsed = if let Some(days) = text.strip_suffix("days") {
        number(days).map(|d| Duration::from_secs(d * 86_400))
    } else if let Some(nanos) = text.strip_suffix("ns") {
        number(nanos).map(Duration::from_nanos)
    } else {
        text.strip_suffix('s')
            .and_then(number)
            .map(Duration::from_secs)
    };
    parsed.ok_or_else(|| serde::de::Error::custom(format!("not a duration: {text}")))
}

/// A duration as `gate.toml` writes it (`"90days"`, else seconds), for the policy digest.
fn duration_text<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    let secs = d.as_secs();
    if d.subsec_nanos() != 0 {
        // `max-age = "1500ms"` is kept whole: the check reads back what the digest holds.
        s.serialize_str(&format!("{}ns", d.as_nanos()))
    } else if secs.is_multiple_of(86_400) {
        s.serialize_str(&format!("{}days", secs / 86_400))
    } else {
        s.serialize_str(&format!("{secs}s"))
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAdvisories {
    db_path: Option<Spanned<String>>,
    db_url: Option<Spanned<String>>,
    max_age: Option<Spanned<String>>,
    unmaintained: Option<Spanned<String>>,
    unsound: Option<Spanned<String>>,
    notice: Option<Spanned<String>>,
    yanked: Option<Spanned<String>>,
}

/// The `[advisories]` table.
pub static ADVISORIES: Table<RawAdvisories, AdvisorySettings> = Table {
    name: "advisories",
    validate: validate_advisories,
};

fn validate_advisories(raw: Option<RawAdvisories>, v: &mut Validator<'_>) -> AdvisorySettings {
    let mut settings = AdvisorySettings::default();
    let Some(raw) = raw else {
        return settings;
    };
    if let Some(path) = raw.db_path {
        match crate::deps::advisories::path_problem(path.get_ref()) {
            None => settings.db_path = Some(PathBuf::from(path.into_inner())),
            Some(problem) => {
                v.error::<_, ()>(
                    &path,
                    format!("db-path {:?} is refused: {problem}", path.get_ref()),
                    "name a directory of the database's own, outside the workspace's \
                     repository (e.g. db-path = \"/var/cache/advisory-db\"), or leave db-path \
                     out for $CARGO_HOME/advisory-db",
                );
            }
        }
    }
    if let Some(url) = raw.db_url {
        match crate::deps::advisories::url_problem(url.get_ref()) {
            None => settings.db_url = url.into_inner(),
            Some(problem) => {
                v.error::<_, ()>(
                    &url,
                    format!("db-url {:?} is refused: {problem}", url.get_ref()),
                    "write an https://, ssh:// or file:// URL, user@host:path or an absolute \
                     path, e.g. db-url = \"https://github.com/rustsec/advisory-db\"",
                );
            }
        }
    }
    if let Some(age) = raw.max_age {
        match humantime::parse_duration(age.get_ref()) {
            Ok(d) if !d.is_zero() => settings.max_age = d,
            _ => {
                v.error::<_, ()>(
                    &age,
                    format!("`{}` is not a duration", age.get_ref()),
                    "write a duration like \"90days\" or \"2weeks\"",
                );
            }
        }
    }
    let mut level = |value: Option<Spanned<String>>, into: &mut Level| {
        let Some(value) = value else { return };
        *into = match value.get_ref().as_str() {
            "fail" => Level::Fail,
            "warn" => Level::Warn,
            "note" => Level::Note,
            other => {
                v.error::<_, ()>(
                    &value,
                    format!("`{other}` is not a level"),
                    "write \"fail\", \"warn\" or \"note\"",
                );
                return;
            }
        };
    };
    level(raw.unmaintained, &mut settings.unmaintained);
    level(raw.unsound, &mut settings.unsound);
    level(raw.notice, &mut settings.notice);
    level(raw.yanked, &mut settings.yanked);
    settings
}

/// The `[advisories]` table (deps.advisories owns it; `cargo gate fetch-advisories` reads it).
pub fn advisories_table() -> &'static dyn Section {
    &ADVISORIES
}

/// `[bench]` as written (the settings are `bench::BenchSettings`: `bench.regression` judges
/// by them and `cargo gate bench` runs by them).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBench {
    baseline: Option<String>,
    command: Option<Spanned<Vec<String>>>,
    max_regression: Option<Spanned<f64>>,
    no_benchmarks: Option<Spanned<RawDecision>>,
}

/// `{ owner = "…", reason = "…" }` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecision {
    owner: String,
    reason: String,
}

/// The `[bench]` table.
pub static BENCH: Table<RawBench, BenchSettings> = Table {
    name: "bench",
    validate: validate_bench,
};

fn validate_bench(raw: Option<RawBench>, v: &mut Validator<'_>) -> BenchSettings {
    let mut settings = BenchSettings::default();
    let Some(raw) = raw else {
        return settings;
    };
    if let Some(baseline) = raw.baseline {
        settings.baseline = baseline;
    }
    let command_given = raw.command.is_some();
    if let Some(command) = raw.command {
        if command.get_ref().is_empty() {
            v.error::<_, ()>(
                &command,
                "`[bench] command` is empty".to_owned(),
                "give the command as a list, e.g. command = [\"cargo\", \"bench\", \"--locked\"]",
            );
        } else {
            settings.command = command.into_inner();
        }
    }
    if let Some(decision) = raw.no_benchmarks {
        let RawDecision { owner, reason } = decision.get_ref();
        if owner.trim().is_empty() || reason.trim().is_empty() {
            v.error::<_, ()>(
                &decision,
                "`[bench] no-benchmarks` needs an owner and a reason".to_owned(),
                "say who decided and why, e.g. no-benchmarks = { owner = \"platform-team\", \
                 reason = \"a CLI whose speed is not a rollout risk\" }",
            );
        } else if command_given {
            v.error::<_, ()>(
                &decision,
                "`[bench] no-benchmarks` beside a `[bench] command`".to_owned(),
                "a workspace with no benchmarks has no command to run them: remove one of the \
                 two",
            );
        } else {
            settings.no_benchmarks = Some(Decision {
                owner: owner.trim().to_owned(),
                reason: reason.trim().to_owned(),
            });
        }
    }
    if let Some(max) = raw.max_regression {
        let value = *max.get_ref();
        if value > 0.0 && value <= 1.0 {
            settings.max_regression = value;
        } else {
            v.error::<_, ()>(
                &max,
                format!("max-regression = {value} is outside (0, 1]"),
                "give a fraction: 0.05 allows a 5 % slowdown",
            );
        }
    }
    settings
}

/// `[bench]`: how the benchmarks run and what they are held to. `bench.regression` owns the
/// table (it parses and validates it); `cargo gate bench` reads the same settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchSettings {
    /// `baseline`: the baseline file, relative to the workspace root.
    pub baseline: String,
    /// `command`: how to run the benchmarks (default `cargo bench --locked --workspace`);
    /// criterion's estimates under the target dir, or the JSON file the command writes, are
    /// read afterwards.
    pub command: Vec<String>,
    /// `max-regression`: the slowdown allowed, a fraction (0.05 = 5 %).
    pub max_regression: f64,
    /// `no-benchmarks`: the team's recorded decision that the workspace has no benchmarks,
    /// with who decided and why. `bench.regression` passes on it while it is true (no bench
    /// target, no baseline), and fails once benchmarks appear.
    pub no_benchmarks: Option<Decision>,
}

/// A decision recorded in gate.toml: who made it, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    /// Who decided (a person or a team).
    pub owner: String,
    /// Why.
    pub reason: String,
}

impl Default for BenchSettings {
    fn default() -> BenchSettings {
        BenchSettings {
            baseline: "benches/baseline.json".to_owned(),
            command: ["cargo", "bench", "--locked", "--workspace"]
                .map(String::from)
                .to_vec(),
            max_regression: 0.05,
            no_benchmarks: None,
        }
    }
}
