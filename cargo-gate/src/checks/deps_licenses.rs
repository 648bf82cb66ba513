//! `deps.licenses`: every package that ships is under a license the team allows.
//!
//! Judged on the shipped graph (`crate::deps`; members with `publish = false` are the team's
//! own and left out). Each package's `license` is read from the resolve and parsed as an SPDX
//! expression (leniently, as cargo-deny does: `MIT/Apache-2.0` reads as `MIT OR Apache-2.0`),
//! then evaluated against `[licenses] allow` and the crate's own `[[licenses.exceptions]]`:
//! `MIT OR GPL-3.0` passes when MIT is allowed, `MIT AND GPL-3.0` needs both.
//!
//! | found | with a `[licenses]` table | without one |
//! |---|---|---|
//! | an expression the policy allows | — | counted in the mix |
//! | an expression it does not | error `license-not-allowed` | counted |
//! | an expression that does not parse | error `invalid-license-expression` | warning |
//! | no `license`, but license files identified (`crate::deps::license_text`) | judged as the AND of what they read as, with each file's confidence | counted |
//! | only `license-file`, not identified | warning `license-file-only` (read it; waive or except the crate) | warning |
//! | neither, no license file identified | error `missing-license` | warning |
//! | an allow entry or exception no shipped package needs | warning `unused-allow` | — |
//!
//! Without a `[licenses]` table the check WARNs with the mix it found (`no-license-policy`),
//! so a team sees what it ships under before it writes a policy. The evidence, every package
//! with its license and verdict, is `deps/licenses.json`.

use crate::check::{Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome};
use crate::config::Validator;
use crate::config::section::{Section, Spanned, Table};
use crate::deps::{self, Graph};
use crate::stage::Stage;
use cargo_metadata::Metadata;
use std::collections::{BTreeMap, HashMap};

/// The `deps.licenses` check.
#[derive(Debug)]
pub struct DepsLicenses;

/// `[licenses]`, validated (`policy` is `None` when the file has no such table).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Licenses {
    /// The policy, when one is written.
    pub policy: Option<Policy>,
}

/// A license policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    /// `allow`: SPDX licensees (`MIT`, `Apache-2.0 WITH LLVM-exception`).
    pub allow: Vec<String>,
    /// `[[licenses.exceptions]]`: further licensees allowed for one crate.
    pub exceptions: Vec<Exception>,
}

/// Licenses allowed for one crate only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Exception {
    /// The crate.
    #[serde(rename = "crate")]
    pub krate: String,
    /// Its further licensees.
    pub allow: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLicenses {
    allow: Option<Vec<Spanned<String>>>,
    exceptions: Option<Vec<RawException>>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    #[serde(rename = "crate")]
    krate: Spanned<String>,
    allow: Spanned<Vec<Spanned<String>>>,
}

pub static LICENSES: Table<RawLicenses, Licenses> = Table {
    name: "licenses",
    validate: validate_licenses,
};

fn validate_licenses(raw: Option<RawLicenses>, v: &mut Validator<'_>) -> Licenses {
    let Some(raw) = raw else {
        return Licenses::default();
    };
    let licensees = |list: Vec<Spanned<String>>, v: &mut Validator<'_>| -> Vec<String> {
        let mut out = Vec::new();
        for item in list {
            match spdx::Licensee::parse(item.get_ref()) {
                Ok(licensee) => {
                    let text = licensee.to_string();
                    if !out.contains(&text) {
                        out.push(text);
                    }
                }
                Err(e) => {
                    v.error::<_, ()>(
                        &item,
                        format!("`{}` is not an SPDX license: {}", item.get_ref(), e.reason),
                        "write SPDX identifiers, e.g. \"MIT\", \"Apache-2.0\", \
                         \"Apache-2.0 WITH LLVM-exception\" (the list: spdx.org/licenses)",
                    );
                }
            }
        }
        out
    };
    let allow = licensees(raw.allow.unwrap_or_default(), v);
    let mut exceptions: Vec<Exception> = Vec::new();
    for e in raw.exceptions.unwrap_or_default() {
        let krate = e.krate.get_ref();
        let valid_name = deps::is_crate_name(krate);
        if !valid_name {
            v.error::<_, ()>(
                &e.krate,
                format!("exception for `{krate}`: not a crate name"),
                "name the crate the exception is for, as in Cargo.lock, e.g. \
                 { crate = \"ring\", allow = [\"OpenSSL\"] }",
            );
        } else if exceptions.iter().any(|x| &x.krate == krate) {
            v.error::<_, ()>(
                &e.krate,
                format!("a second exception for `{krate}`"),
                "list every license the crate may use in one exception",
            );
        }
        if e.allow.get_ref().is_empty() {
            v.error::<_, ()>(
                &e.allow,
                format!("the exception for `{krate}` allows no license"),
                "list the licenses allowed for this crate, e.g. allow = [\"OpenSSL\"], or \
                 delete the exception",
            );
        }
        let allow = licensees(e.allow.into_inner(), v);
        exceptions.push(Exception {
            krate: e.krate.into_inner(),
            allow,
        });
    }
    Licenses {
        policy: Some(Policy { allow, exceptions }),
    }
}

static META: CheckMeta = CheckMeta {
    id: "deps.licenses",
    stage: Stage::Controlled,
    summary: "every shipped package has a valid SPDX license expression that `[licenses] allow` (or the crate's exception) satisfies",
    fix: "add the license to `[licenses] allow` if the team accepts it, allow it for one crate \
          with `[[licenses.exceptions]] crate = \"…\" allow = [\"…\"]`, or replace the dependency; \
          write a `[licenses]` table to turn the mix this check reports into a policy",
    codes: FindingCode::ALL,
    config: &[
        ConfigKey {
            key: "[licenses] allow",
            default: "-",
            meaning: "SPDX licenses the team accepts; without a [licenses] table the check only reports the mix (WARN)",
        },
        ConfigKey {
            key: "[[licenses.exceptions]] crate, allow",
            default: "[]",
            meaning: "licenses accepted for one crate only",
        },
    ],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        LicenseNotAllowed => Code {
            name: "license-not-allowed",
            summary: "a package's license expression is not satisfied by the allowed licenses",
        },
        InvalidLicenseExpression => Code {
            name: "invalid-license-expression",
            summary: "a package's `license` is not a valid SPDX expression",
        },
        MissingLicense => Code {
            name: "missing-license",
            summary: "a package declares neither `license` nor `license-file`",
        },
        LicenseFileOnly => Code {
            name: "license-file-only",
            summary: "a package declares only `license-file`, which cannot be evaluated",
        },
        UnusedAllow => Code {
            name: "unused-allow",
            summary: "a [licenses] allow entry or exception that no shipped package needs",
        },
        NoLicensePolicy => Code {
            name: "no-license-policy",
            summary: "there is no [licenses] table: the mix found is reported, nothing is judged",
        },
    }
}

/// The evidence file.
pub const EVIDENCE: &str = "deps/licenses.json";

impl Check for DepsLicenses {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn reads_graph(&self) -> bool {
        true
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(&LICENSES)
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let targets = crate::shared::sections::targets(ctx.config);
        let (graph, metadata) = match deps::shipped_of(ctx, &targets) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let settings = ctx.config.section(&crate::checks::deps_licenses::LICENSES);
        let outcome = judge(
            &graph,
            metadata,
            settings.policy.as_ref(),
            &deps::describe_targets(&targets),
            &ctx.workspace.root,
        );
        let outcome = at_config_file(graph.noted(outcome), ctx.config.source.file());
        outcome
            .with_reuse(ctx.facts.resolve_reuse())
            .with_reuses(&ctx.facts.graph_reuse())
    }
}

/// Where [`judge`] places the findings about the configuration itself (a policy to write, an
/// allow entry to drop) until [`at_config_file`] knows the real file.
const CONFIG_FILE: &str = "gate.toml";

/// The findings about the configuration, placed at the file it came from: gate.toml, or the
/// root Cargo.toml when it lives in `[workspace.metadata.gate]`. With no configuration file
/// at all, at no file: a report (SARIF above all) never points at a file that does not exist.
fn at_config_file(mut outcome: Outcome, file: Option<&str>) -> Outcome {
    for finding in &mut outcome.findings {
        if finding
            .location
            .as_ref()
            .is_some_and(|l| l.file == CONFIG_FILE && l.line.is_none())
        {
            finding.location = file.map(Location::file);
        }
    }
    outcome
}

/// What was found for one package.
#[derive(Debug, serde::Serialize)]
struct Judged {
    name: String,
    version: String,
    license: Option<String>,
    license_file: Option<String>,
    verdict: &'static str,
}

fn judge(
    graph: &Graph,
    metadata: &Metadata,
    policy: Option<&Policy>,
    targets: &str,
    root: &std::path::Path,
) -> Outcome {
    let packages: HashMap<&str, &cargo_metadata::Package> = metadata
        .packages
        .iter()
        .map(|p| (p.id.repr.as_str(), p))
        .collect();
    let rules = Rules::new(policy);
    let mut findings = Vec::new();
    let mut judged = Vec::new();
    let mut mix: BTreeMap<String, usize> = BTreeMap::new();
    let mut private = 0;
    for (i, node) in graph.reached_nodes() {
        let Some(package) = packages.get(node.id.as_str()) else {
            continue;
        };
        if graph.is_root(i) && package.publish.as_ref().is_some_and(Vec::is_empty) {
            private += 1;
            continue;
        }
        let location = if graph.is_root(i) {
            Location::file(crate::shared::locate::relative(
                root,
                package.manifest_path.as_std_path(),
            ))
        } else {
            Location::file("Cargo.lock")
        };
        let license_file = package.license_file.as_ref().map(|f| f.to_string());
        let about = About {
            name: &node.name,
            label: &node.label(),
            path: &graph.path(i).unwrap_or_else(|| node.name.clone()),
            member: graph.is_root(i),
        };
        // No `license` field: what its license files say (its `license-file`, else its
        // LICENSE*/COPYING* files), as cargo-deny reads them.
        let files = if package.license.is_none() {
            package
                .manifest_path
                .parent()
                .map(|dir| {
                    let declared = license_file
                        .as_deref()
                        .map(|f| f.strip_prefix(dir.as_str()).unwrap_or(f))
                        .map(|f| f.trim_start_matches(['/', '\\']));
                    crate::deps::license_text::read(dir.as_std_path(), declared)
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let (verdict, finding) =
            rules.judge(&about, package, license_file.as_ref(), &files, &mut mix);
        if let Some(finding) = finding {
            findings.push(finding.subject(node.name.clone()).at(location));
        }
        judged.push(Judged {
            name: node.name.clone(),
            version: node.version.clone(),
            license: package.license.clone(),
            license_file,
            verdict,
        });
    }
    findings.extend(rules.unused(targets));
    if policy.is_none() {
        findings.extend(crate::deps::unread_deny_config(root, "licenses"));
    }
    conclude(findings, &judged, &mix, private, policy, targets)
}

/// A package of the shipped graph, as its findings name it.
struct About<'a> {
    /// Its crate name.
    name: &'a str,
    /// `name version`.
    label: &'a str,
    /// The shortest path from a workspace member to it.
    path: &'a str,
    /// Whether it is a workspace member (the team's own package, not a dependency).
    member: bool,
}

/// `[licenses]`, parsed once: the licensees `allow` and each exception accept.
struct Rules<'a> {
    policy: Option<&'a Policy>,
    allow: Vec<spdx::Licensee>,
    exceptions: HashMap<&'a str, Vec<spdx::Licensee>>,
    /// For each `allow` licensee, whether a shipped package needed it (cargo-deny's
    /// `unused-allowed-license`); the crates whose exception was consulted.
    used: std::cell::RefCell<(Vec<bool>, std::collections::HashSet<String>)>,
}

impl<'a> Rules<'a> {
    fn new(policy: Option<&'a Policy>) -> Rules<'a> {
        let allowed = |list: &[String]| -> Vec<spdx::Licensee> {
            list.iter()
                .filter_map(|l| spdx::Licensee::parse(l).ok())
                .collect()
        };
        let allow = policy.map(|p| allowed(&p.allow)).unwrap_or_default();
        Rules {
            policy,
            used: std::cell::RefCell::new((vec![false; allow.len()], Default::default())),
            allow,
            exceptions: policy
                .map(|p| {
                    p.exceptions
                        .iter()
                        .map(|e| (e.krate.as_str(), allowed(&e.allow)))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The allow entries and exceptions no shipped package needed: each a warning, so a list
    /// that outlived its dependencies is trimmed before a crate under a license nobody
    /// reviewed arrives through it.
    fn unused(&self, targets: &str) -> Vec<Finding> {
        let Some(policy) = self.policy else {
            return Vec::new();
        };
        let used = self.used.borrow();
        let parsed: Vec<&String> = policy
            .allow
            .iter()
            .filter(|l| spdx::Licensee::parse(l).is_ok())
            .collect();
        let mut out: Vec<Finding> = parsed
            .iter()
            .zip(&used.0)
            .filter(|(_, used)| !**used)
            .map(|(license, _)| {
                Finding::warning(format!(
                    "`{license}` in [licenses] allow is needed by no shipped package for \
                     {targets} (fix: remove it, so a dependency under it is reviewed when it \
                     arrives)"
                ))
                .code(FindingCode::UnusedAllow)
                .subject((*license).clone())
                .at(Location::file(CONFIG_FILE))
            })
            .collect();
        for exception in &policy.exceptions {
            if !used.1.contains(&exception.krate) {
                out.push(
                    Finding::warning(format!(
                        "the [[licenses.exceptions]] entry for `{}` is needed by no shipped \
                         package for {targets} (fix: remove it)",
                        exception.krate
                    ))
                    .code(FindingCode::UnusedAllow)
                    .subject(exception.krate.clone())
                    .at(Location::file(CONFIG_FILE)),
                );
            }
        }
        out
    }

    /// A problem: an error under a policy; without one everything is a warning.
    fn problem(&self, message: String) -> Finding {
        match self.policy {
            Some(_) => Finding::error(message),
            None => Finding::warning(message),
        }
    }

    /// The verdict on one package's license, and the finding it gives; its license is
    /// counted in `mix`.
    fn judge(
        &self,
        about: &About<'_>,
        package: &cargo_metadata::Package,
        license_file: Option<&String>,
        files: &[crate::deps::license_text::FileRead],
        mix: &mut BTreeMap<String, usize>,
    ) -> (&'static str, Option<Finding>) {
        let About {
            label,
            path,
            member,
            ..
        } = *about;
        let problem = |message: String| self.problem(message);
        let mut verdict = "allowed";
        let read = files
            .iter()
            .map(crate::deps::license_text::FileRead::describe)
            .collect::<Vec<_>>()
            .join(", ");
        // Without a `license` field, the license files decide when every one is identified.
        let from_files = crate::deps::license_text::expression(files);
        let (license, declared) = match (&package.license, &from_files) {
            (Some(text), _) => (Some(text), format!("is licensed `{text}`")),
            (None, Some(text)) => (
                Some(text),
                format!("declares no `license`; its license file(s) read as `{text}` ({read})"),
            ),
            (None, None) => (None, String::new()),
        };
        let unidentified = if files.is_empty() {
            String::new()
        } else {
            format!("; its license file(s) could not be identified with confidence ({read})")
        };
        let finding = match (license, license_file) {
            (None, Some(file)) => {
                verdict = "license-file only";
                mix.entry(format!("license-file {}", file_name(file)))
                    .and_modify(|n| *n += 1)
                    .or_insert(1);
                Some(
                    Finding::warning(format!(
                        "`{label}` declares only `license-file = \"{file}\"`, which cannot be \
                         evaluated{unidentified}: read it, then allow the crate with an exception \
                         or waive it (from {path})"
                    ))
                    .code(FindingCode::LicenseFileOnly),
                )
            }
            (None, None) => {
                verdict = "missing";
                *mix.entry("no license declared".to_owned()).or_default() += 1;
                // The team's own package is fixed in its manifest, not by an allow entry.
                let message = if member {
                    format!(
                        "`{label}`, a workspace member, declares no license (neither `license` \
                         nor `license-file`{unidentified}; fix: write `license = \"…\"` in its \
                         [package], or `publish = false` if it is never published: unpublished \
                         members are not judged)"
                    )
                } else {
                    format!(
                        "`{label}` declares no license (neither `license` nor \
                         `license-file`{unidentified}; from {path})"
                    )
                };
                Some(problem(message).code(FindingCode::MissingLicense))
            }
            (Some(text), _) => {
                if from_files.is_some() {
                    verdict = "read from license file";
                }
                *mix.entry(text.clone()).or_default() += 1;
                self.judge_expression(about, text, &declared, &mut verdict)
            }
        };
        (verdict, finding)
    }

    /// The verdict on a license expression (`text`, as `declared` says where it came from):
    /// not SPDX, or not allowed by the policy (the allow list, then the crate's exceptions,
    /// each use marked), as a finding; `verdict` says which.
    fn judge_expression(
        &self,
        about: &About<'_>,
        text: &str,
        declared: &str,
        verdict: &mut &'static str,
    ) -> Option<Finding> {
        let About {
            name, label, path, ..
        } = *about;
        let (allow, exceptions) = (&self.allow, &self.exceptions);
        match spdx::Expression::parse_mode(text, spdx::ParseMode::LAX) {
            Err(e) => {
                *verdict = "invalid";
                Some(
                    self.problem(format!(
                        "`{label}` {declared}, which is not a valid SPDX expression ({}; \
                         from {path})",
                        e.reason
                    ))
                    .code(FindingCode::InvalidLicenseExpression),
                )
            }
            Ok(expr) if self.policy.is_some() => {
                let extra = exceptions.get(name);
                let ok = |req: &spdx::LicenseReq| {
                    let mut used = self.used.borrow_mut();
                    if let Some(i) = allow.iter().position(|l| l.satisfies(req)) {
                        used.0[i] = true;
                        return true;
                    }
                    let by_exception = extra.is_some_and(|e| e.iter().any(|l| l.satisfies(req)));
                    if by_exception {
                        used.1.insert(name.to_owned());
                    }
                    by_exception
                };
                match expr.evaluate_with_failures(ok) {
                    Ok(()) => None,
                    Err(failed) => {
                        *verdict = "not allowed";
                        let failed: Vec<String> =
                            failed.iter().map(|r| r.req.to_string()).collect();
                        Some(
                            Finding::error(format!(
                                "`{label}` {declared}, and {} not allowed by \
                                 [licenses] allow (from {path})",
                                match failed.as_slice() {
                                    [one] => format!("{one} is"),
                                    many => format!("{} are", many.join(", ")),
                                }
                            ))
                            .code(FindingCode::LicenseNotAllowed),
                        )
                    }
                }
            }
            Ok(_) => {
                *verdict = "no policy";
                None
            }
        }
    }
}

/// The outcome over the `judged` packages, with the evidence file.
fn conclude(
    mut findings: Vec<Finding>,
    judged: &[Judged],
    mix: &BTreeMap<String, usize>,
    private: usize,
    policy: Option<&Policy>,
    targets: &str,
) -> Outcome {
    let count = judged.len();
    let mut by_count: Vec<(&String, &usize)> = mix.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mix_text = by_count
        .iter()
        .map(|(license, n)| format!("{license} ({n})"))
        .collect::<Vec<_>>()
        .join(", ");
    let artifact = serde_json::to_vec_pretty(&serde_json::json!({
        "targets": targets,
        "policy": policy,
        "private_members_left_out": private,
        "mix": mix,
        "packages": judged,
    }))
    .expect("evidence serialises");
    let scope = format!("{count} shipped package(s) for {targets}");
    let outcome = match policy {
        None => {
            // The expressions themselves are not `allow` entries (`MIT OR Apache-2.0` is a
            // config error there): the licenses they name are, ready to copy after review.
            let mut named: Vec<String> = mix
                .keys()
                .filter_map(|e| spdx::Expression::parse_mode(e, spdx::ParseMode::LAX).ok())
                .flat_map(|e| {
                    e.requirements()
                        .map(|r| r.req.to_string())
                        .collect::<Vec<_>>()
                })
                .collect();
            named.sort();
            named.dedup();
            let paste = if named.is_empty() {
                String::new()
            } else {
                format!(
                    "; the licenses they name, to copy into `allow` once reviewed: [{}]",
                    named
                        .iter()
                        .map(|l| format!("\"{l}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            findings.insert(
                0,
                Finding::warning(format!(
                    "no [licenses] table, so nothing is judged; the {scope} are under: \
                     {mix_text}{paste}"
                ))
                .code(FindingCode::NoLicensePolicy)
                .at(Location::file(CONFIG_FILE)),
            );
            Outcome::warn(format!(
                "no [licenses] policy: {scope} under {} distinct license(s); write \
                 `[licenses] allow = [...]` to judge them",
                mix.len()
            ))
        }
        Some(_) if findings.is_empty() => {
            Outcome::pass(format!("{scope}, each under a license [licenses] allows"))
        }
        Some(_) => {
            let errors = findings
                .iter()
                .filter(|f| f.severity == crate::check::Severity::Error)
                .count();
            // Counted by verdict, not by severity: a `license-file` that cannot be evaluated
            // is a warning, and still a package that was not evaluated.
            let with = |verdicts: &[&str]| {
                judged
                    .iter()
                    .filter(|j| verdicts.contains(&j.verdict))
                    .count()
            };
            let summary = format!(
                "{} of {scope} not allowed and {} not evaluable, {} warning(s)",
                with(&["not allowed"]),
                with(&["invalid", "missing", "license-file only"]),
                findings.len() - errors
            );
            if errors > 0 {
                Outcome::fail(summary)
            } else {
                Outcome::warn(summary)
            }
        }
    };
    outcome
        .with_findings(findings)
        .with_artifact(EVIDENCE, artifact)
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;

    /// A resolve of `app` (a member) depending on each of `deps` (name, license).
    fn metadata(deps: &[(&str, Option<&str>, Option<&str>)]) -> Metadata {
        let mut packages = vec![package("app", Some("MIT"), None, true)];
        let mut nodes = vec![serde_json::json!({
            "id": "path+file:///w/app#0.1.0",
            "dependencies": [],
            "deps": deps.iter().map(|(name, _, _)| serde_json::json!({
                "name": name, "pkg": format!("registry+https://example.invalid/index#{name}@1.0.0"),
                "dep_kinds": [{"kind": null, "target": null}]
            })).collect::<Vec<_>>(),
            "features": []
        })];
        for (name, license, file) in deps {
            packages.push(package(name, *license, *file, false));
            nodes.push(serde_json::json!({
                "id": format!("registry+https://example.invalid/index#{name}@1.0.0"),
                "dependencies": [], "deps": [], "features": []
            }));
        }
        serde_json::from_value(serde_json::json!({
            "packages": packages,
            "workspace_members": ["path+file:///w/app#0.1.0"],
            "workspace_default_members": ["path+file:///w/app#0.1.0"],
            "resolve": { "nodes": nodes, "root": null },
            "target_directory": "/w/target",
            "build_directory": "/w/target",
            "version": 1,
            "workspace_root": "/w",
            "metadata": null
        }))
        .unwrap()
    }

    fn package(
        name: &str,
        license: Option<&str>,
        file: Option<&str>,
        member: bool,
    ) -> serde_json::Value {
        let mut value = serde_json::json!({
            "name": name, "version": "0.1.0", "authors": [], "id": "", "source": null,
            "description": null, "dependencies": [], "license": license,
            "license_file": file, "targets": [], "features": {},
            "manifest_path": format!("/w/{name}/Cargo.toml"), "categories": [],
            "keywords": [], "readme": null, "repository": null, "homepage": null,
            "documentation": null, "edition": "2021", "links": null, "publish": null,
            "metadata": null, "default_run": null, "rust_version": null
        });
        if member {
            value["id"] = "path+file:///w/app#0.1.0".into();
            value["manifest_path"] = "/w/app/Cargo.toml".into();
        } else {
            value["id"] = format!("registry+https://example.invalid/index#{name}@1.0.0").into();
            value["version"] = "1.0.0".into();
            value["source"] = "registry+https://example.invalid/index".into();
        }
        value
    }

    fn run(deps: &[(&str, Option<&str>, Option<&str>)], policy: Option<Policy>) -> Outcome {
        let metadata = metadata(deps);
        let graph = Graph::shipped(&metadata, &[]);
        let outcome = judge(
            &graph,
            &metadata,
            policy.as_ref(),
            "x86_64-unknown-linux-gnu",
            std::path::Path::new("/w"),
        );
        assert!(DepsLicenses.meta().undeclared_codes(&outcome).is_empty());
        outcome
    }

    fn allow(list: &[&str]) -> Option<Policy> {
        Some(Policy {
            allow: list.iter().map(|s| (*s).to_owned()).collect(),
            exceptions: Vec::new(),
        })
    }

    #[test]
    fn or_needs_one_allowed_and_and_needs_both() {
        let deps = [
            ("either", Some("MIT OR GPL-3.0"), None),
            ("both", Some("MIT AND ISC"), None),
            ("slash", Some("MIT/Apache-2.0"), None),
        ];
        let outcome = run(&deps, allow(&["MIT"]));
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        let messages: Vec<&str> = outcome
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "`both 1.0.0` is licensed `MIT AND ISC`, and ISC is not allowed by [licenses] allow (from app → both 1.0.0)"
            ]
        );
        assert_eq!(outcome.findings[0].subject.as_deref(), Some("both"));
        assert_eq!(run(&deps, allow(&["MIT", "ISC"])).status, Status::Pass);
    }

    /// An allow entry or exception no shipped package needs warns (cargo-deny's
    /// `unused-allowed-license`), naming it; one in use does not.
    #[test]
    fn unused_allow_entries_and_exceptions_warn() {
        let deps = [("a", Some("MIT"), None), ("b", Some("MIT OR ISC"), None)];
        let mut policy = allow(&["MIT", "Zlib"]).unwrap();
        policy.exceptions.push(Exception {
            krate: "gone".into(),
            allow: vec!["ISC".into()],
        });
        let outcome = run(&deps, Some(policy));
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        let unused: Vec<(Option<&str>, Option<&str>)> = outcome
            .findings
            .iter()
            .map(|f| (f.code.as_deref(), f.subject.as_deref()))
            .collect();
        assert_eq!(
            unused,
            [
                (Some("unused-allow"), Some("Zlib")),
                (Some("unused-allow"), Some("gone"))
            ]
        );
        assert!(outcome.findings[0].message.starts_with(
            "`Zlib` in [licenses] allow is needed by no shipped package for x86_64-unknown-linux-gnu"
        ));
    }

    #[test]
    fn an_exception_allows_a_license_for_its_crate_only() {
        let deps = [("ring", Some("ISC"), None), ("other", Some("ISC"), None)];
        let mut policy = allow(&["MIT"]).unwrap();
        policy.exceptions.push(Exception {
            krate: "ring".into(),
            allow: vec!["ISC".into()],
        });
        let outcome = run(&deps, Some(policy));
        let subjects: Vec<_> = outcome
            .findings
            .iter()
            .map(|f| f.subject.as_deref())
            .collect();
        assert_eq!(subjects, [Some("other")]);
    }

    #[test]
    fn invalid_missing_and_file_only_are_named() {
        let deps = [
            ("bad", Some("MIT ORR Apache"), None),
            ("none", None, None),
            ("file", None, Some("LICENSE.txt")),
        ];
        let outcome = run(&deps, allow(&["MIT"]));
        let codes: Vec<_> = outcome
            .findings
            .iter()
            .map(|f| (f.code.as_deref().unwrap(), f.severity))
            .collect();
        use crate::check::Severity::{Error, Warning};
        assert_eq!(
            codes,
            [
                ("invalid-license-expression", Error),
                ("missing-license", Error),
                ("license-file-only", Warning)
            ]
        );
        // The summary counts what the findings say: a `license-file` that "cannot be
        // evaluated" is a warning, and one of the packages not evaluated.
        assert_eq!(
            outcome.summary,
            "0 of 4 shipped package(s) for x86_64-unknown-linux-gnu not allowed and 3 not \
             evaluable, 1 warning(s)"
        );
        let only_file = run(&[("file", None, Some("LICENSE.txt"))], allow(&["MIT"]));
        assert_eq!(only_file.status, Status::Warn, "{only_file:?}");
        assert_eq!(
            only_file.summary,
            "0 of 2 shipped package(s) for x86_64-unknown-linux-gnu not allowed and 1 not \
             evaluable, 1 warning(s)"
        );
    }

    #[test]
    fn without_a_policy_the_mix_is_reported_and_the_check_warns() {
        let deps = [
            ("a", Some("MIT OR Apache-2.0"), None),
            ("b", Some("MIT OR Apache-2.0"), None),
            ("c", Some("Zlib"), None),
        ];
        let outcome = run(&deps, None);
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(
            outcome.findings[0].message,
            "no [licenses] table, so nothing is judged; the 4 shipped package(s) for \
             x86_64-unknown-linux-gnu are under: MIT OR Apache-2.0 (2), MIT (1), Zlib (1); \
             the licenses they name, to copy into `allow` once reviewed: [\"Apache-2.0\", \
             \"MIT\", \"Zlib\"]"
        );
        // What it offers to copy is a valid `allow`, and with it the check passes.
        let message = &outcome.findings[0].message;
        let list = &message[message.rfind('[').unwrap()..];
        let text = format!("[licenses]\nallow = {list}\n");
        let config = crate::config::parse_gate_toml(&text, "gate.toml", &crate::registry::known())
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let policy = config
            .section(&crate::checks::deps_licenses::LICENSES)
            .policy;
        assert_eq!(run(&deps, policy).status, Status::Pass);
    }

    #[test]
    fn configuration_findings_point_at_the_configuration_file_or_at_none() {
        let deps = [("a", Some("MIT"), None)];
        let at = |file: Option<&str>| {
            at_config_file(run(&deps, None), file).findings[0]
                .location
                .as_ref()
                .map(ToString::to_string)
        };
        assert_eq!(at(Some("gate.toml")).as_deref(), Some("gate.toml"));
        // [workspace.metadata.gate]: the root manifest.
        assert_eq!(at(Some("Cargo.toml")).as_deref(), Some("Cargo.toml"));
        // No configuration file at all: no location, never a file that does not exist.
        assert_eq!(at(None), None);
    }

    #[test]
    fn a_member_without_a_license_is_told_to_declare_one_in_its_manifest() {
        let mut metadata = metadata(&[("dep", Some("MIT"), None)]);
        metadata.packages[0].license = None;
        let graph = Graph::shipped(&metadata, &[]);
        let outcome = judge(
            &graph,
            &metadata,
            allow(&["MIT"]).as_ref(),
            "x86_64-unknown-linux-gnu",
            std::path::Path::new("/w"),
        );
        assert_eq!(outcome.status, Status::Fail);
        let finding = &outcome.findings[0];
        assert_eq!(finding.code.as_deref(), Some("missing-license"));
        assert_eq!(
            finding.message,
            "`app 0.1.0`, a workspace member, declares no license (neither `license` nor \
             `license-file`; fix: write `license = \"…\"` in its [package], or `publish = \
             false` if it is never published: unpublished members are not judged)"
        );
        assert_eq!(
            finding.location.as_ref().unwrap().to_string(),
            "app/Cargo.toml"
        );
    }

    #[test]
    fn exceptions_name_a_crate_and_a_license() {
        let known = crate::registry::known();
        for (exceptions, expect) in [
            (
                "[{ crate = \"\", allow = [\"MIT\"] }]",
                "gate.toml:2:25: exception for ``: not a crate name",
            ),
            (
                "[{ crate = \" \", allow = [\"MIT\"] }]",
                "gate.toml:2:25: exception for ` `: not a crate name",
            ),
            (
                "[{ crate = \"ring\", allow = [] }]",
                "gate.toml:2:41: the exception for `ring` allows no license",
            ),
            (
                "[{ crate = \"ring\", allow = [\"ISC\"] }, { crate = \"ring\", allow = [\"MIT\"] }]",
                "gate.toml:2:62: a second exception for `ring`",
            ),
            (
                "[{ crate = \"\" }]",
                "gate.toml:2:15: missing field `allow`",
            ),
        ] {
            let text = format!("[licenses]\nexceptions = {exceptions}\n");
            let err = crate::config::parse_gate_toml(&text, "gate.toml", &known).unwrap_err();
            assert!(err.to_string().starts_with(expect), "{err}\n{text}");
        }
        let ok = crate::config::parse_gate_toml(
            "[licenses]\nexceptions = [{ crate = \"ring\", allow = [\"ISC\"] }]\n",
            "gate.toml",
            &known,
        );
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn allow_entries_must_be_spdx() {
        let known = crate::registry::known();
        let err = crate::config::parse_gate_toml(
            "[licenses]\nallow = [\"MIT\", \"Apache2\"]\n",
            "gate.toml",
            &known,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`Apache2` is not an SPDX license"), "{text}");
    }
}
