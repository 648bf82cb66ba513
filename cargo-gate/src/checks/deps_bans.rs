//! `deps.bans`: no crate the team has banned ships, except through the wrappers it allows
//! (cargo-deny's `[bans] deny`, with `wrappers`).
//!
//! `[bans] deny` lists crates by name, or as `{ crate = "openssl-sys", wrappers =
//! ["native-tls"], reason = "…" }`: the crate may ship only as a direct dependency of one of its
//! wrappers. Judged on the shipped graph (`crate::deps`: what cargo builds for `[graph]
//! targets`, dev-dependencies left out), like `deps.licenses` and `deps.duplicates`. Each
//! banned crate that ships is one error naming its version, the path that pulls it in and
//! the dependents that are not its wrappers. Without a `[bans]` table the check passes with
//! nothing to judge, saying so. The evidence is `deps/bans.json`.

use crate::check::{Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome};
use crate::config::Validator;
use crate::config::section::{Section, Spanned, Table};
use crate::deps::{self, Graph};
use crate::stage::Stage;

/// The `deps.bans` check.
#[derive(Debug)]
pub struct DepsBans;

/// One banned crate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ban {
    /// The crate name.
    #[serde(rename = "crate")]
    pub krate: String,
    /// The crates it may ship through, as their direct dependency.
    pub wrappers: Vec<String>,
    /// Why it is banned, for the finding.
    pub reason: Option<String>,
}

/// `[bans]`, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bans {
    /// `deny`.
    pub deny: Vec<Ban>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBans {
    deny: Option<Spanned<Vec<RawBan>>>,
}

/// A `deny` entry: a crate name, or a table (spans are those of the whole list: an untagged
/// entry cannot keep its own).
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum RawBan {
    Name(String),
    Table(RawBanTable),
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBanTable {
    #[serde(rename = "crate")]
    krate: String,
    wrappers: Option<Vec<String>>,
    reason: Option<String>,
}

pub static BANS: Table<RawBans, Bans> = Table {
    name: "bans",
    validate: validate_bans,
};

fn validate_bans(raw: Option<RawBans>, v: &mut Validator<'_>) -> Bans {
    let mut bans = Bans::default();
    let Some(deny) = raw.and_then(|r| r.deny) else {
        return bans;
    };
    let span = deny.span();
    let at = Spanned::new(span, ());
    for entry in deny.into_inner() {
        let (krate, wrappers, reason) = match entry {
            RawBan::Name(name) => (name, Vec::new(), None),
            RawBan::Table(t) => (t.krate, t.wrappers.unwrap_or_default(), t.reason),
        };
        if !deps::is_crate_name(&krate) {
            v.error::<_, ()>(
                &at,
                format!("`{krate}` in [bans] deny is not a crate name"),
                "name the crate as Cargo.lock does, e.g. deny = [\"openssl\"] or \
                 deny = [{ crate = \"openssl-sys\", wrappers = [\"native-tls\"] }]",
            );
            continue;
        }
        if bans.deny.iter().any(|b| b.krate == krate) {
            v.error::<_, ()>(
                &at,
                format!("`{krate}` is banned twice in [bans] deny"),
                "list each crate once, with all its wrappers",
            );
            continue;
        }
        if let Some(bad) = wrappers.iter().find(|w| !deps::is_crate_name(w)) {
            v.error::<_, ()>(
                &at,
                format!("wrapper `{bad}` of `{krate}` is not a crate name"),
                "name the crates allowed to depend on the banned one directly",
            );
            continue;
        }
        bans.deny.push(Ban {
            krate,
            wrappers,
            reason,
        });
    }
    bans
}

static META: CheckMeta = CheckMeta {
    id: "deps.bans",
    stage: Stage::Controlled,
    summary: "no crate of `[bans] deny` ships, except as a direct dependency of its wrappers",
    fix: "replace the dependency that pulls the banned crate in (the path in the finding names \
          it), add the crate that wraps it to its `wrappers`, or waive it with \
          `match = \"<crate>\"`",
    codes: FindingCode::ALL,
    config: &[ConfigKey {
        key: "[bans] deny",
        default: "[]",
        meaning: "crates that must not ship: names, or { crate, wrappers, reason } tables (cargo-deny's [bans] deny)",
    }],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        BannedCrate => Code {
            name: "banned-crate",
            summary: "a crate of [bans] deny ships, not only through its wrappers",
        },
    }
}

/// The evidence file.
pub const EVIDENCE: &str = "deps/bans.json";

impl Check for DepsBans {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn reads_graph(&self) -> bool {
        true
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(&BANS)
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let bans = ctx.config.section(&crate::checks::deps_bans::BANS);
        if bans.deny.is_empty() {
            return Outcome::pass("no [bans] deny list: no crate is banned")
                .with_findings(crate::deps::unread_deny_config(&ctx.workspace.root, "bans"));
        }
        let targets = crate::shared::sections::targets(ctx.config);
        let (graph, _) = match deps::shipped_of(ctx, &targets) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let outcome = judge(&graph, &bans, &deps::describe_targets(&targets));
        let outcome = graph.noted(outcome);
        outcome
            .with_reuse(ctx.facts.resolve_reuse())
            .with_reuses(&ctx.facts.graph_reuse())
    }
}

fn judge(graph: &Graph, bans: &Bans, targets: &str) -> Outcome {
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    for (i, node) in graph.reached_nodes() {
        let Some(ban) = bans.deny.iter().find(|b| b.krate == node.name) else {
            continue;
        };
        let dependents: Vec<&str> = graph
            .dependents(i)
            .map(|j| graph.nodes[j].name.as_str())
            .collect();
        let unwrapped: Vec<&str> = dependents
            .iter()
            .copied()
            .filter(|d| !ban.wrappers.iter().any(|w| w == d))
            .collect();
        let allowed = !ban.wrappers.is_empty() && unwrapped.is_empty() && !graph.is_root(i);
        evidence.push(serde_json::json!({
            "crate": node.name, "version": node.version, "dependents": dependents,
            "wrappers": ban.wrappers, "allowed": allowed,
        }));
        if allowed {
            continue;
        }
        let path = graph.path(i).unwrap_or_else(|| node.label());
        let why = ban
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let through = if ban.wrappers.is_empty() {
            String::new()
        } else {
            format!(
                "; only {} may depend on it, and {} do{}",
                ban.wrappers.join(", "),
                unwrapped.join(", "),
                if unwrapped.len() == 1 { "es" } else { "" }
            )
        };
        findings.push(
            Finding::error(format!(
                "`{}` is banned by [bans] deny{why} and ships for {targets}{through} (from {path})",
                node.label()
            ))
            .code(FindingCode::BannedCrate)
            .subject(node.name.clone())
            .at(Location::file("Cargo.lock")),
        );
    }
    let artifact = serde_json::to_vec_pretty(&serde_json::json!({
        "targets": targets,
        "deny": bans.deny,
        "found": evidence,
    }))
    .expect("evidence serialises");
    let outcome = if findings.is_empty() {
        Outcome::pass(format!(
            "none of the {} banned crate(s) ships for {targets} but through its wrappers",
            bans.deny.len()
        ))
    } else {
        Outcome::fail(format!(
            "{} banned crate(s) ship for {targets}",
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

    fn ban(krate: &str, wrappers: &[&str]) -> Ban {
        Ban {
            krate: krate.to_owned(),
            wrappers: wrappers.iter().map(|w| (*w).to_owned()).collect(),
            reason: None,
        }
    }

    /// `app → a → b 1.5.0` and `app → b 2.0.0`: `b` banned ships (both versions); allowed
    /// through `a` alone it still ships directly from `app`; `a` banned with wrapper `app`
    /// ships only through its wrapper... but `app` is a member, which is allowed.
    #[test]
    fn banned_crates_fail_unless_only_their_wrappers_pull_them_in() {
        let lock: rustsec::Lockfile = crate::deps::TWO_B.parse().unwrap();
        let graph = Graph::lockfile(&lock, &["app".to_owned()]);
        let bans = Bans {
            deny: vec![ban("b", &[])],
        };
        let outcome = judge(&graph, &bans, "x86_64-unknown-linux-gnu");
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.findings.len(), 2, "{outcome:?}");
        assert_eq!(
            outcome.findings[0].message,
            "`b 2.0.0` is banned by [bans] deny and ships for x86_64-unknown-linux-gnu (from app → b 2.0.0)"
        );
        assert!(DepsBans.meta().undeclared_codes(&outcome).is_empty());

        let wrapped = Bans {
            deny: vec![ban("b", &["a"])],
        };
        let outcome = judge(&graph, &wrapped, "x86_64-unknown-linux-gnu");
        assert_eq!(outcome.findings.len(), 1, "{outcome:?}");
        assert_eq!(
            outcome.findings[0].message,
            "`b 2.0.0` is banned by [bans] deny and ships for x86_64-unknown-linux-gnu; only a \
             may depend on it, and app does (from app → b 2.0.0)"
        );

        let through_wrapper = Bans {
            deny: vec![ban("a", &["app"])],
        };
        let outcome = judge(&graph, &through_wrapper, "x86_64-unknown-linux-gnu");
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    #[test]
    fn the_table_is_validated() {
        let known = crate::registry::known();
        let ok = crate::config::parse_gate_toml(
            "[bans]\ndeny = [\"openssl\", { crate = \"openssl-sys\", wrappers = [\"native-tls\"], reason = \"we use rustls\" }]\n",
            "gate.toml",
            &known,
        )
        .unwrap();
        let bans = ok.section(&crate::checks::deps_bans::BANS);
        assert_eq!(bans.deny.len(), 2);
        assert_eq!(bans.deny[1].wrappers, ["native-tls"]);
        let err = crate::config::parse_gate_toml(
            "[bans]\ndeny = [\"not a crate\"]\n",
            "gate.toml",
            &known,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("gate.toml:2"), "{err}");
        assert!(err.contains("is not a crate name"), "{err}");
    }
}
