//! `deps.advisories`: no package in Cargo.lock has a RustSec advisory against its version.
//!
//! Every registry package of Cargo.lock (every platform and kind: a vulnerable
//! dev-dependency runs on developers' and CI machines, as cargo-audit judges it) is matched
//! against the RustSec database on disk (`crate::deps::advisories`; the `rustsec` crate's matching:
//! name, affected versions, source). Nothing is fetched: without a database the check is an
//! unavailable SKIP that says how to get one (`cargo gate fetch-advisories`, or `--fetch`).
//!
//! | found | finding |
//! |---|---|
//! | a vulnerability | error `vulnerability` (a warning saying "in Cargo.lock only" when cargo builds the package for none of `[graph] targets`: a dev-dependency, another platform's, an optional feature nothing enables; the shipped graph is [`crate::deps`]'s) |
//! | an unmaintained / unsound notice | warning `unmaintained` / `unsound` (`[advisories] unmaintained`, `unsound`: fail, warn or note) |
//! | a notice (informational) | note; `[advisories] notice = "warn"` or `"fail"` makes it a warning or error `notice` |
//! | another informational advisory | note |
//! | a yanked version (from cargo's local index cache; never fetched) | warning `yanked` (`[advisories] yanked`) |
//! | an advisory file the parser cannot read, or one never opened (a FIFO, link or device; over 1 MiB) | warning `unreadable-advisory`; the rest are still matched |
//! | a database older than `[advisories] max-age`, or of unknown age | warning `stale-database` |
//!
//! Each finding names the advisory, the package and version, the versions that fix it and the
//! path from a workspace member (the one cargo builds for a package that ships; the Cargo.lock
//! path, with its `[dev-dependency]` steps marked, for one in Cargo.lock only); its subject is the advisory id, so
//! `match = "RUSTSEC-2023-0071"` waives exactly that advisory (with an owner and an expiry,
//! and `waivers.current` reports the waiver once the advisory no longer matches). The
//! evidence is `deps/advisories.json`: the database (path, commit, age) and every match.

use crate::check::{
    Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, Severity, SkipKind,
};
use crate::config::section::Section;
use crate::deps::advisories::{self, Database, Located};
use crate::deps::{DevEdges, Graph};
pub use crate::shared::sections::{AdvisorySettings, DEFAULT_MAX_AGE, Level};
use crate::stage::Stage;
use rustsec::Lockfile;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The `deps.advisories` check.
#[derive(Debug)]
pub struct DepsAdvisories;

static META: CheckMeta = CheckMeta {
    id: "deps.advisories",
    stage: Stage::Controlled,
    summary: "no package in Cargo.lock has a RustSec vulnerability (unmaintained, unsound and yanked versions warn), matched against an advisory database on disk",
    fix: "upgrade the package to a patched version (`cargo update -p <crate> --precise <version>`, \
          or bump the dependency that pulls it in, named in the path); waive an advisory that does \
          not apply with `match = \"RUSTSEC-…\"`, an owner and an expiry",
    codes: FindingCode::ALL,
    config: &[
        ConfigKey {
            key: "[advisories] db-path",
            default: "-",
            meaning: "the RustSec database directory, relative to the workspace root (default: $CARGO_HOME/advisory-db, else cargo-deny's $CARGO_HOME/advisory-dbs/*); never empty or \".\"; `fetch-advisories` writes only a directory of its own, outside the workspace's repository",
        },
        ConfigKey {
            key: "[advisories] db-url",
            default: "\"https://github.com/rustsec/advisory-db\"",
            meaning: "where `cargo gate fetch-advisories` (and --fetch) clones it from: an https://, ssh:// or file:// URL, user@host:path or an absolute path",
        },
        ConfigKey {
            key: "[advisories] max-age",
            default: "\"90days\"",
            meaning: "a database older than this warns",
        },
        ConfigKey {
            key: "[advisories] unmaintained, unsound, yanked",
            default: "\"warn\"",
            meaning: "how each counts: \"fail\", \"warn\" or \"note\"",
        },
    ],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        Vulnerability => Code {
            name: "vulnerability",
            summary: "a package version is affected by a RustSec vulnerability",
        },
        Unmaintained => Code {
            name: "unmaintained",
            summary: "a package is flagged unmaintained by RustSec",
        },
        Unsound => Code {
            name: "unsound",
            summary: "a package version has a RustSec unsoundness advisory",
        },
        Notice => Code {
            name: "notice",
            summary: "a package version has a RustSec informational notice ([advisories] notice = \"warn\" or \"fail\")",
        },
        Yanked => Code {
            name: "yanked",
            summary: "a package version was yanked from its registry (as cargo's local index cache shows)",
        },
        UnreadableAdvisory => Code {
            name: "unreadable-advisory",
            summary: "an advisory in the database could not be parsed, or was never opened (not a regular file, or over 1 MiB); the others were matched",
        },
        StaleDatabase => Code {
            name: "stale-database",
            summary: "the advisory database is older than [advisories] max-age, or its age is unknown",
        },
        UnreadableLockfile => Code {
            name: "unreadable-lockfile",
            summary: "Cargo.lock could not be read",
        },
    }
}

/// The evidence file.
pub const EVIDENCE: &str = "deps/advisories.json";

impl Check for DepsAdvisories {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn reads_graph(&self) -> bool {
        true
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(crate::shared::sections::advisories_table())
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let settings = ctx.config.section(&crate::shared::sections::ADVISORIES);
        let root = &ctx.workspace.root;
        let lock_path = root.join("Cargo.lock");
        if !lock_path.is_file() {
            return Outcome::blocked(
                "lockfile.locked",
                "there is no Cargo.lock to match advisories against",
                Outcome::skip(
                    SkipKind::Unavailable,
                    "there is no Cargo.lock to match advisories against",
                ),
            );
        }
        // Read once: parsed here, and scanned for each package's line by `judge`.
        let lock_text = std::fs::read_to_string(&lock_path).map_err(|e| e.to_string());
        let lockfile = match lock_text
            .as_deref()
            .map_err(Clone::clone)
            .and_then(|text| text.parse::<Lockfile>().map_err(|e| e.to_string()))
        {
            Ok(lockfile) => lockfile,
            Err(e) => {
                return Outcome::fail("Cargo.lock could not be read").with_finding(
                    Finding::error(format!("Cargo.lock could not be read: {e}"))
                        .code(FindingCode::UnreadableLockfile)
                        .at(Location::file("Cargo.lock")),
                );
            }
        };
        let names: std::collections::HashSet<String> = lockfile
            .packages
            .iter()
            .map(|p| p.name.as_str().to_owned())
            .collect();
        let db = match advisories::locate(settings.db_path.as_deref(), root) {
            Located::Found(path) => match advisories::load(&path, Some(&names)) {
                Ok(db) => db,
                Err(e) => return Outcome::skip(SkipKind::Unavailable, e),
            },
            Located::Missing(tried) => return missing(&tried, &settings, root),
        };
        let members: Vec<String> = ctx
            .workspace
            .members
            .iter()
            .map(|m| m.name.clone())
            .collect();
        let lock_text = lock_text.unwrap_or_default();
        let index = IndexCache::new(crate::tools::cargo::home());
        // What cargo builds for the graph's targets: an advisory of a package only in
        // Cargo.lock (a dev-dependency, another platform's, an optional feature nothing
        // enables) is reported apart, as a warning saying so.
        let targets = crate::shared::sections::targets(ctx.config);
        let mut ci_sets: Vec<String> = Vec::new();
        let (shipped, notes) = match crate::deps::shipped_of(ctx, &targets) {
            Ok((graph, metadata)) => {
                let paths = graph
                    .reached_nodes()
                    .map(|(i, n)| {
                        let path = graph.path(i).unwrap_or_else(|| n.name.clone());
                        ((n.name.clone(), n.version.clone()), path)
                    })
                    .collect();
                let shipped = Shipped {
                    paths,
                    dev: DevEdges::of(metadata),
                    targets: crate::deps::describe_targets(&targets),
                };
                let mut notes: Vec<Finding> = graph.approximation_note().into_iter().collect();
                notes.extend(graph.ci_features.unknown.iter().map(|why| {
                    Finding::note(format!(
                        "{why}: the graph judged leaves that feature set out"
                    ))
                }));
                ci_sets.clone_from(&graph.ci_features.judged);
                (Some(shipped), notes)
            }
            Err(_) => (
                None,
                vec![Finding::note(
                    "the shipped graph is unknown (the lockfile does not resolve here): every \
                     package of Cargo.lock is judged as shipped",
                )],
            ),
        };
        let read_graph = shipped.is_some();
        let outcome = judge(Judge {
            lockfile: &lockfile,
            lock_text: &lock_text,
            members: &members,
            db: &db,
            settings: &settings,
            now: SystemTime::now(),
            index: &index,
            shipped: shipped.as_ref(),
        });
        // The feature set judged, named: errors are for what cargo builds.
        let mut outcome = outcome;
        outcome.summary.push_str(&match &shipped {
            Some(shipped) => format!(
                "; judged on what cargo builds for {} with each member's default features{} \
                 (a package only a dev-dependency, another platform or a feature nothing enables \
                 pulls in warns)",
                shipped.targets,
                if ci_sets.is_empty() {
                    String::new()
                } else {
                    format!(
                        " and the feature sets CI builds (`{}`)",
                        ci_sets.join("`, `")
                    )
                }
            ),
            None => "; judged on all of Cargo.lock (the shipped graph is unknown)".to_owned(),
        });
        let outcome = outcome.with_findings(notes);
        match read_graph {
            true => outcome
                .with_reuse(ctx.facts.resolve_reuse())
                .with_reuses(&ctx.facts.graph_reuse()),
            false => outcome,
        }
    }
}

/// No database: how to get one.
fn missing(tried: &[PathBuf], settings: &AdvisorySettings, root: &Path) -> Outcome {
    let places = tried
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let target = advisories::target(settings.db_path.as_deref(), root).map_or_else(
        || "$CARGO_HOME/advisory-db".to_owned(),
        |p| p.display().to_string(),
    );
    Outcome::skip(
        SkipKind::Unavailable,
        format!(
            "no RustSec advisory database (looked in {places}); the gate never fetches one \
             unasked: run `cargo gate fetch-advisories` (clones {} into {target}), pass --fetch, \
             or point [advisories] db-path at a copy",
            settings.db_url
        ),
    )
}

/// Everything one judgement reads (the clock and the index cache are passed in, for tests).
struct Judge<'a> {
    lockfile: &'a Lockfile,
    lock_text: &'a str,
    members: &'a [String],
    db: &'a Database,
    settings: &'a AdvisorySettings,
    now: SystemTime,
    index: &'a IndexCache,
    /// What cargo builds for the graph's targets, when known; `None`: every package is
    /// judged as shipped.
    shipped: Option<&'a Shipped>,
}

/// What cargo builds for the graph's targets (the shipped graph, [`crate::deps`]).
struct Shipped {
    /// Each shipped package (name, version), with its shortest path in the shipped graph:
    /// the path a shipped package's finding shows, never one through a dev-dependency.
    paths: HashMap<(String, String), String>,
    /// The resolve's dev-dependency edges, marked on the Cargo.lock path of a package that
    /// is in Cargo.lock only.
    dev: DevEdges,
    /// The targets, comma-separated.
    targets: String,
}

/// One advisory that matched one package, for the evidence.
#[derive(Debug, serde::Serialize)]
struct Matched {
    advisory: String,
    kind: String,
    package: String,
    version: String,
    patched: Vec<String>,
    path: Option<String>,
}

fn judge(j: Judge<'_>) -> Outcome {
    let Judge {
        lockfile,
        lock_text,
        members,
        db,
        settings,
        now,
        index,
        shipped,
    } = j;
    let graph = Graph::lockfile(lockfile, members);
    let lines = package_lines(lock_text);
    let mut by_package: HashMap<&str, Vec<&rustsec::Advisory>> = HashMap::new();
    for advisory in &db.advisories {
        if !advisory.withdrawn() {
            by_package
                .entry(advisory.metadata.package.as_str())
                .or_default()
                .push(advisory);
        }
    }
    let mut seen = Seen::default();
    for (i, package) in lockfile.packages.iter().enumerate() {
        let Some(source) = &package.source else {
            continue;
        };
        if !source.is_registry() {
            continue;
        }
        seen.registry += 1;
        // A shipped package shows its path in the shipped graph (Cargo.lock's shortest may
        // run through a dev-dependency); one in Cargo.lock only shows its Cargo.lock path,
        // its dev-dependency steps marked.
        let key = (
            package.name.as_str().to_owned(),
            package.version.to_string(),
        );
        let (path, only_in_lockfile) = match shipped {
            Some(shipped) => match shipped.paths.get(&key) {
                Some(path) => (Some(path.clone()), None),
                None => (
                    graph.path_marking(i, &shipped.dev),
                    Some(shipped.targets.clone()),
                ),
            },
            None => (graph.path(i), None),
        };
        let place = Place {
            label: format!("{} {}", package.name, package.version),
            path,
            only_in_lockfile,
            location: lines
                .get(&(package.name.as_str(), package.version.to_string()))
                .map_or_else(
                    || Location::file("Cargo.lock"),
                    |&line| Location::at("Cargo.lock", line, 1),
                ),
        };
        let advisories = by_package.get(package.name.as_str());
        seen.advisories(package, advisories.into_iter().flatten(), &place, settings);
        if source.is_default_registry()
            && let Some(yanked) = index.yanked(package.name.as_str(), &package.version.to_string())
        {
            seen.yanked(package, yanked, &place, settings);
        }
    }
    let age = database_findings(db, settings, now, &mut seen.findings);
    conclude(seen, db, age, index)
}

/// Where a package of Cargo.lock is, for its findings.
struct Place {
    /// `name version`.
    label: String,
    /// The shortest path from a workspace member to it: in the shipped graph when it ships,
    /// else in Cargo.lock.
    path: Option<String>,
    /// The graph's targets, when cargo builds it for none of them (it is in Cargo.lock
    /// only: a dev-dependency, another platform's, an optional feature nothing enables).
    only_in_lockfile: Option<String>,
    /// Its `name = ` line in Cargo.lock.
    location: Location,
}

impl Place {
    /// A finding's level and the words that set it apart when the package is in Cargo.lock
    /// only: reported, never failing the verdict (a failure becomes a warning).
    fn apart(&self, level: Level) -> (Level, String) {
        match &self.only_in_lockfile {
            Some(targets) => (
                if level == Level::Fail {
                    Level::Warn
                } else {
                    level
                },
                format!(
                    "; not built for {targets} (in Cargo.lock only: a dev-dependency, another \
                     platform's, or an optional feature nothing enables)"
                ),
            ),
            None => (level, String::new()),
        }
    }

    /// `; from PATH`, or nothing for a package no member reaches.
    fn from(&self) -> String {
        self.path
            .as_deref()
            .map_or_else(String::new, |p| format!("; from {p}"))
    }
}

/// What the walk over Cargo.lock found and counted.
#[derive(Default)]
struct Seen {
    findings: Vec<Finding>,
    matched: Vec<Matched>,
    /// Registry packages of Cargo.lock.
    registry: usize,
    /// Of those, looked up in cargo's local index cache.
    looked_up: usize,
    /// Of those, yanked.
    yanked_seen: usize,
}

impl Seen {
    /// The advisories that match `package`.
    fn advisories<'a>(
        &mut self,
        package: &rustsec::package::Package,
        candidates: impl Iterator<Item = &'a &'a rustsec::Advisory>,
        place: &Place,
        settings: &AdvisorySettings,
    ) {
        let query = rustsec::database::Query::new().package(package);
        for advisory in candidates.filter(|a| query.matches(a)) {
            let id = advisory.id().as_str();
            let patched = advisory
                .versions
                .patched()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>();
            let fixed = if patched.is_empty() {
                "no patched version".to_owned()
            } else {
                format!("patched: {}", patched.join(" or "))
            };
            // Other informational advisories are notes, which carry no code.
            let informational = advisory.metadata.informational.as_ref();
            let (code, level) = match informational {
                None => (Some(FindingCode::Vulnerability), Level::Fail),
                Some(i) if i.is_unmaintained() => {
                    (Some(FindingCode::Unmaintained), settings.unmaintained)
                }
                Some(i) if i.is_unsound() => (Some(FindingCode::Unsound), settings.unsound),
                Some(i) if i.is_notice() => (Some(FindingCode::Notice), settings.notice),
                Some(_) => (None, Level::Note),
            };
            let kind = code
                .map(FindingCode::name)
                .or(informational.map(|i| i.as_str()))
                .unwrap_or_default();
            let severity = advisory
                .metadata
                .cvss
                .as_ref()
                .map(|c| format!(", severity {} (CVSS {:.1})", c.severity(), c.score()))
                .unwrap_or_default();
            let (level, apart) = place.apart(level);
            let message = format!(
                "{id} ({kind}{severity}): {} — {}; {fixed}{apart}{}",
                advisory.title(),
                place.label,
                place.from()
            );
            self.findings.push(
                finding(level, message, code)
                    .subject(id)
                    .at(place.location.clone()),
            );
            self.matched.push(Matched {
                advisory: id.to_owned(),
                kind: kind.to_owned(),
                package: package.name.as_str().to_owned(),
                version: package.version.to_string(),
                patched,
                path: place.path.clone(),
            });
        }
    }

    /// What cargo's local index cache says of `package`'s version.
    fn yanked(
        &mut self,
        package: &rustsec::package::Package,
        yanked: bool,
        place: &Place,
        settings: &AdvisorySettings,
    ) {
        self.looked_up += 1;
        if yanked {
            self.yanked_seen += 1;
            let (level, apart) = place.apart(settings.yanked);
            self.findings.push(
                finding(
                    level,
                    format!(
                        "{} was yanked from its registry (as cargo's local index cache \
                         shows); `cargo update -p {} --precise <version>` moves off it{apart}{}",
                        place.label,
                        package.name,
                        place.from()
                    ),
                    Some(FindingCode::Yanked),
                )
                .subject(package.name.as_str())
                .at(place.location.clone()),
            );
        }
    }
}

/// The database's own findings (unreadable advisories, its age); returns its age.
fn database_findings(
    db: &Database,
    settings: &AdvisorySettings,
    now: SystemTime,
    findings: &mut Vec<Finding>,
) -> Option<Duration> {
    for unreadable in &db.unreadable {
        findings.push(
            Finding::warning(format!(
                "advisory {} could not be read and was not matched: {}",
                unreadable.file, unreadable.error
            ))
            .code(FindingCode::UnreadableAdvisory)
            .subject(unreadable.file.clone()),
        );
    }
    let age = db
        .updated
        .map(|t| now.duration_since(t).unwrap_or_default());
    match age {
        Some(age) if age > settings.max_age => findings.push(
            Finding::warning(format!(
                "the advisory database at {} is {} old, older than [advisories] max-age ({}): run \
                 `cargo gate fetch-advisories`",
                db.path.display(),
                days(age),
                days(settings.max_age)
            ))
            .code(FindingCode::StaleDatabase),
        ),
        Some(_) => {}
        None => findings.push(
            Finding::warning(match &db.age_note {
                Some(note) => format!(
                    "the age of the advisory database at {} cannot be told: {note}; fetch a \
                     fresh copy (`cargo gate fetch-advisories`) so staleness is seen",
                    db.path.display()
                ),
                None => format!(
                    "the age of the advisory database at {} cannot be told (not a git \
                     checkout): keep it as a git checkout (`cargo gate fetch-advisories`) so \
                     staleness is seen",
                    db.path.display()
                ),
            })
            .code(FindingCode::StaleDatabase),
        ),
    }
    age
}

/// The outcome: its status from the findings, a summary of what was looked at, and the
/// evidence file.
fn conclude(seen: Seen, db: &Database, age: Option<Duration>, index: &IndexCache) -> Outcome {
    let Seen {
        findings,
        matched,
        registry,
        looked_up,
        yanked_seen,
    } = seen;
    let age_text = match age {
        Some(age) => format!("{} old", days(age)),
        None => "age unknown".to_owned(),
    };
    let count = |severity: Severity| findings.iter().filter(|f| f.severity == severity).count();
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let commit = db
        .commit
        .as_deref()
        .map(|c| format!(", commit {}", &c[..c.len().min(12)]))
        .unwrap_or_default();
    let yanked_text = if index.available() {
        format!("; yanked: {yanked_seen} of {looked_up} looked up in cargo's local index cache")
    } else {
        "; yanked versions not checked (no local index cache)".to_owned()
    };
    let scope = format!(
        "{registry} registry package(s) of Cargo.lock against the {} advisories for their crates \
         ({} in the database at {}{commit}, {age_text}){yanked_text}",
        db.advisories.len() + db.unreadable.len(),
        db.in_database,
        db.path.display(),
    );
    let artifact = serde_json::to_vec_pretty(&serde_json::json!({
        "database": {
            "path": db.path,
            "commit": db.commit,
            "advisories": db.in_database,
            "read": db.advisories.len() + db.unreadable.len(),
            "unreadable": db.unreadable.iter().map(|u| serde_json::json!({"file": u.file, "error": u.error})).collect::<Vec<_>>(),
            "age_days": age.map(|a| a.as_secs() / 86_400),
        },
        "registry_packages": registry,
        "yanked_looked_up": looked_up,
        "matched": matched,
    }))
    .expect("evidence serialises");
    let outcome = if errors > 0 {
        Outcome::fail(format!("{errors} error(s), {warnings} warning(s): {scope}"))
    } else if warnings > 0 {
        Outcome::warn(format!("{warnings} warning(s): {scope}"))
    } else {
        Outcome::pass(format!("no advisory matches: {scope}"))
    };
    outcome
        .with_findings(findings)
        .with_artifact(EVIDENCE, artifact)
}

/// A finding at `level`; errors and warnings carry `code` (notes carry none).
fn finding(level: Level, message: String, code: Option<FindingCode>) -> Finding {
    let finding = match level {
        Level::Fail => Finding::error(message),
        Level::Warn => Finding::warning(message),
        Level::Note => return Finding::note(message),
    };
    match code {
        Some(code) => finding.code(code),
        None => finding,
    }
}

fn days(d: Duration) -> String {
    let days = d.as_secs() / 86_400;
    if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    }
}

/// The line of each package's `name = ` in Cargo.lock, by name and version (one pass).
fn package_lines(text: &str) -> HashMap<(&str, String), u32> {
    let mut lines = HashMap::new();
    let mut name: Option<(&str, u32)> = None;
    for (number, line) in (1u32..).zip(text.lines()) {
        let quoted = |key: &str| {
            line.strip_prefix(key)
                .and_then(|rest| rest.trim_end().strip_suffix('"'))
        };
        if let Some(n) = quoted("name = \"") {
            name = Some((n, number));
        } else if let (Some(v), Some((n, at))) = (quoted("version = \""), name.take()) {
            lines.insert((n, v.to_owned()), at);
        }
    }
    lines
}

/// cargo's local cache of the registry index (`$CARGO_HOME/registry/index/*/.cache`), read
/// for yanked versions. Only what a previous cargo command left there; never fetched.
#[derive(Debug)]
pub struct IndexCache {
    dirs: Vec<PathBuf>,
}

impl IndexCache {
    /// The caches under `cargo_home` (none when it is `None` or has none).
    pub fn new(cargo_home: Option<PathBuf>) -> IndexCache {
        let dirs = cargo_home
            .map(|home| home.join("registry").join("index"))
            .and_then(|index| std::fs::read_dir(index).ok())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join(".cache"))
            .filter(|p| p.is_dir())
            .collect();
        IndexCache { dirs }
    }

    /// Whether any cache exists.
    pub fn available(&self) -> bool {
        !self.dirs.is_empty()
    }

    /// Whether `name` `version` is yanked, from the newest cache file of `name` across the
    /// caches; `None` when no cache holds that version.
    pub fn yanked(&self, name: &str, version: &str) -> Option<bool> {
        let rel = index_path(&name.to_ascii_lowercase())?;
        let newest = self
            .dirs
            .iter()
            .map(|d| d.join(&rel))
            .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
            .max_by_key(|(t, _)| *t)?;
        cached_yanked(&std::fs::read(newest.1).ok()?, version)
    }
}

/// Where cargo keeps `name` inside an index: `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`.
fn index_path(name: &str) -> Option<PathBuf> {
    Some(match name.len() {
        0 => return None,
        1 => Path::new("1").join(name),
        2 => Path::new("2").join(name),
        3 => Path::new("3").join(&name[..1]).join(name),
        _ => Path::new(&name[..2]).join(&name[2..4]).join(name),
    })
}

/// Whether `version` is yanked in cargo's index cache file `bytes`: a version byte, a u32
/// index version, the revision, then NUL-separated pairs of version and JSON line (only the
/// line of `version` is parsed). `None` when the file does not hold it or is not that format.
fn cached_yanked(bytes: &[u8], version: &str) -> Option<bool> {
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        yanked: bool,
    }
    let mut parts = bytes.get(5..)?.split(|&b| b == 0);
    parts.next()?; // the revision
    while let (Some(v), Some(json)) = (parts.next(), parts.next()) {
        if v == version.as_bytes() {
            return serde_json::from_slice::<Entry>(json).ok().map(|e| e.yanked);
        }
    }
    None
}

#[cfg(test)]
mod tests;
