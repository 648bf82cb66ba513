//! `deps.duplicates`: no crate is compiled into what ships in more than one version.
//!
//! Judged on the shipped graph (`crate::deps`): normal and build dependencies reached from
//! the workspace members for the target platforms — `[graph] targets`, else the platforms of
//! `[matrix] platforms`. A dev-dependency, or a dependency of a platform the workspace does not
//! ship to (`[target.'cfg(windows)'.dependencies]` for a Linux-only service), never counts.
//! Each duplicated crate is one warning naming every version and the path that pulls each
//! in, so the fix (which dependency to bump) is in the report. Waive one crate with
//! `match = "<crate>"`. The evidence is `deps/duplicates.json`.

use crate::check::{Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome};
use crate::config::section::Section;
use crate::deps::{self, Graph};
use crate::shared::sections::targets;
use crate::stage::Stage;

/// The `deps.duplicates` check.
#[derive(Debug)]
pub struct DepsDuplicates;

static META: CheckMeta = CheckMeta {
    id: "deps.duplicates",
    stage: Stage::Controlled,
    summary: "no crate ships in more than one version (normal and build dependencies of the target platforms)",
    fix: "bump the dependency that pulls in the older version (the paths in the finding name it), \
          or waive the crate with `match = \"<crate>\"` while upstream catches up",
    codes: FindingCode::ALL,
    config: &[ConfigKey {
        key: "[graph] targets",
        default: "[]",
        meaning: "target triples whose dependencies ship; empty: those of [matrix] platforms (x86_64-unknown-linux-gnu, aarch64-apple-darwin, x86_64-pc-windows-msvc)",
    }],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        DuplicateVersion => Code {
            name: "duplicate-version",
            summary: "a crate is compiled in more than one version",
        },
    }
}

/// The evidence file.
pub const EVIDENCE: &str = "deps/duplicates.json";

impl Check for DepsDuplicates {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn reads_graph(&self) -> bool {
        true
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(crate::shared::sections::graph_table())
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let targets = targets(ctx.config);
        let (graph, _) = match deps::shipped_of(ctx, &targets) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let outcome = judge(&graph, &deps::describe_targets(&targets));
        let outcome = graph.noted(outcome);
        outcome
            .with_reuse(ctx.facts.resolve_reuse())
            .with_reuses(&ctx.facts.graph_reuse())
    }
}

fn judge(graph: &Graph, targets: &str) -> Outcome {
    let duplicates = graph.duplicates();
    let shipped = graph.reached_nodes().count();
    let mut findings = Vec::new();
    let mut evidence = serde_json::Map::new();
    for (name, versions) in &duplicates {
        let pulled: Vec<(String, String)> = versions
            .iter()
            .map(|&i| {
                let path = graph.path(i).unwrap_or_default();
                (graph.nodes[i].version.clone(), path)
            })
            .collect();
        let list = pulled
            .iter()
            .map(|(v, _)| v.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let paths = pulled
            .iter()
            .map(|(v, path)| format!("{v} via {path}"))
            .collect::<Vec<_>>()
            .join("; ");
        findings.push(
            Finding::warning(format!(
                "`{name}` ships in {} versions ({list}): {paths}",
                versions.len()
            ))
            .code(FindingCode::DuplicateVersion)
            .subject(*name)
            .at(Location::file("Cargo.lock")),
        );
        evidence.insert(
            (*name).to_owned(),
            pulled
                .iter()
                .map(|(v, path)| serde_json::json!({ "version": v, "path": path }))
                .collect(),
        );
    }
    let artifact = serde_json::to_vec_pretty(&serde_json::json!({
        "targets": targets,
        "shipped": shipped,
        "duplicates": evidence,
    }))
    .expect("evidence serialises");
    let outcome = if findings.is_empty() {
        Outcome::pass(format!(
            "{shipped} shipped package(s) for {targets}, each crate in one version"
        ))
    } else {
        Outcome::warn(format!(
            "{} crate(s) ship in more than one version among {shipped} shipped package(s) for \
             {targets}",
            findings.len()
        ))
    };
    outcome
        .with_findings(findings)
        .with_artifact(EVIDENCE, artifact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;

    #[test]
    fn one_warning_per_crate_with_the_path_of_each_version() {
        let lock: rustsec::Lockfile = crate::deps::TWO_B.parse().unwrap();
        let graph = Graph::lockfile(&lock, &["app".to_owned()]);
        let outcome = judge(&graph, "x86_64-unknown-linux-gnu");
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(outcome.findings.len(), 1);
        let finding = &outcome.findings[0];
        assert_eq!(finding.subject.as_deref(), Some("b"));
        assert_eq!(
            finding.message,
            "`b` ships in 2 versions (1.5.0, 2.0.0): 1.5.0 via app → a 1.0.0 → b 1.5.0; 2.0.0 via app → b 2.0.0"
        );
        assert!(DepsDuplicates.meta().undeclared_codes(&outcome).is_empty());
    }

    #[test]
    fn an_unknown_triple_is_a_configuration_error() {
        let known = crate::registry::known();
        let err = crate::config::parse_gate_toml(
            "[graph]\ntargets = [\"x86_64-unknown-linux-gnu\", \"x86_64-linux\"]\n",
            "gate.toml",
            &known,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("gate.toml:2"), "{text}");
        assert!(
            text.contains("`x86_64-linux` is not a target triple"),
            "{text}"
        );
    }
}
