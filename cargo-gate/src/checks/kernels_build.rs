//! `kernels.build`: every gate-build manifest in the workspace is native-valid (PTX and
//! fatbins built, ptxas accepted every arch, no recorded violation) or fallback-valid (no
//! device code, with the reason). The manifests come from the build itself: cargo's
//! `build-script-executed` messages carry each package's OUT_DIR.

use crate::cargo;
use crate::check::{Check, CheckMeta, Context, Finding, Location, Outcome, SkipKind};
use crate::stage::Stage;
use serde_json::Value;

/// The `kernels.build` check.
#[derive(Debug)]
pub struct KernelsBuild;

static META: CheckMeta = CheckMeta {
    id: "kernels.build",
    stage: Stage::Pilot,
    summary: "every gate-build manifest in the workspace is native-valid or fallback-valid, with the reason",
    fix: "read the manifest's violations and ptxas messages; rebuild with a consistent CUDA toolkit (GATE_CUDA=require shows errors at build time)",
};

/// Where the manifests found are listed in the record (read by `cuda.contracts`).
pub const MANIFESTS: &str = "kernels/manifests.json";

/// One package's manifest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FoundManifest {
    /// The package.
    pub package: String,
    /// Its manifest, as gate-build wrote it.
    pub manifest: Value,
}

/// Builds the workspace's tests without running them (fresh after `tests.pass`) and
/// collects every `gate-manifest.json` from the build scripts' OUT_DIRs.
fn collect(ctx: &Context<'_>) -> Result<Vec<FoundManifest>, Outcome> {
    let mut cmd = ctx.cargo.command(
        "test",
        &[
            "--no-run",
            "--locked",
            "--workspace",
            "--message-format=json-render-diagnostics",
        ],
    );
    cmd.env("GATE_RUN_DIR", ctx.run_dir);
    let output = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Outcome::skip(SkipKind::Unavailable, format!("could not run cargo: {e}")))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        if let Some(unavailable) = cargo::classify_unavailable(&stderr, ctx.cargo.offline()) {
            return Err(Outcome::skip(
                SkipKind::Unavailable,
                format!("the build was not evaluated: {}", unavailable.reason()),
            ));
        }
        return Err(Outcome::fail(
            "the workspace does not build, so its kernels cannot be checked",
        )
        .with_finding(Finding::error(cargo::first_error(&stderr))));
    }
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "build-script-executed" {
            continue;
        }
        let Some(out_dir) = message["out_dir"].as_str() else {
            continue;
        };
        let path = std::path::Path::new(out_dir).join("gate-manifest.json");
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let package = message["package_id"]
            .as_str()
            .map(package_name)
            .unwrap_or_default();
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(manifest) => found.push(FoundManifest { package, manifest }),
            Err(e) => {
                return Err(
                    Outcome::fail(format!("{package}: gate-manifest.json does not parse"))
                        .with_finding(
                            Finding::error(format!("{}: {e}", path.display())).subject(package),
                        ),
                );
            }
        }
    }
    found.sort_by(|a, b| a.package.cmp(&b.package));
    found.dedup_by(|a, b| a.package == b.package);
    Ok(found)
}

/// The package name out of a cargo package id (`path+file:///w/k#name@0.1.0`, or the older
/// `name 0.1.0 (path+file:///w/k)`).
pub fn package_name(id: &str) -> String {
    if let Some((_, tail)) = id.rsplit_once('#') {
        let tail = tail.split('@').next().unwrap_or(tail);
        // `…/gate-kernels#0.1.0` has the version only: the name is the last path segment.
        if tail.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return id
                .rsplit_once('#')
                .and_then(|(head, _)| head.rsplit('/').next())
                .unwrap_or(tail)
                .to_owned();
        }
        return tail.to_owned();
    }
    id.split_whitespace().next().unwrap_or(id).to_owned()
}

/// Judges one manifest: `Ok(description)` when valid, `Err(findings)` otherwise.
pub fn judge(found: &FoundManifest) -> Result<String, Vec<Finding>> {
    let m = &found.manifest;
    let package = &found.package;
    match m["outcome"].as_str() {
        Some("fallback") => match m["fallback_reason"].as_str() {
            Some(reason) if !reason.is_empty() => Ok(format!("{package}: fallback ({reason})")),
            _ => Err(vec![
                Finding::error(format!(
                    "{package}: fallback build without a recorded reason"
                ))
                .subject(package.clone()),
            ]),
        },
        Some("native") => {
            let mut findings = Vec::new();
            for v in m["violations"].as_array().into_iter().flatten() {
                findings.push(
                    Finding::error(format!("{package}: {}", v.as_str().unwrap_or_default()))
                        .subject(package.clone()),
                );
            }
            let modules = m["modules"].as_array().cloned().unwrap_or_default();
            for module in &modules {
                for verdict in module["ptxas"].as_array().into_iter().flatten() {
                    if verdict["ok"] != true {
                        findings.push(
                            Finding::error(format!(
                                "{package}: ptxas rejected module `{}` for {}: {}",
                                module["name"].as_str().unwrap_or("?"),
                                verdict["arch"].as_str().unwrap_or("?"),
                                verdict["message"].as_str().unwrap_or("")
                            ))
                            .at(Location::file(
                                module["source"].as_str().unwrap_or_default(),
                            ))
                            .subject(package.clone()),
                        );
                    }
                }
            }
            if findings.is_empty() {
                let archs: Vec<&str> = m["archs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                Ok(format!(
                    "{package}: native, {} module(s) for {}",
                    modules.len(),
                    archs.join(", ")
                ))
            } else {
                Err(findings)
            }
        }
        other => Err(vec![
            Finding::error(format!(
                "{package}: manifest outcome {other:?} is neither native nor fallback"
            ))
            .subject(package.clone()),
        ]),
    }
}

impl Check for KernelsBuild {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn after(&self) -> &'static [&'static str] {
        // The build tests.pass just made is reused: no second compile, no lock contention.
        &["tests.pass"]
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let found = match collect(ctx) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let listing = serde_json::to_vec_pretty(&found).expect("json");
        if found.is_empty() {
            return Outcome::pass(
                "no kernels: no workspace package builds kernels with gate-build",
            )
            .with_artifact(MANIFESTS, listing);
        }
        let mut valid = Vec::new();
        let mut findings = Vec::new();
        for manifest in &found {
            match judge(manifest) {
                Ok(description) => valid.push(description),
                Err(f) => findings.extend(f),
            }
        }
        let outcome = if findings.is_empty() {
            Outcome::pass(valid.join("; "))
        } else {
            Outcome::fail(format!(
                "{} problem(s) in the kernel manifests",
                findings.len()
            ))
            .with_findings(findings)
        };
        outcome.with_artifact(MANIFESTS, listing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn found(manifest: Value) -> FoundManifest {
        FoundManifest {
            package: "k".into(),
            manifest,
        }
    }

    #[test]
    fn package_names_from_both_id_formats() {
        assert_eq!(
            package_name("path+file:///w/gate-kernels#0.1.0"),
            "gate-kernels"
        );
        assert_eq!(
            package_name("path+file:///w/k#my-kernels@0.1.0"),
            "my-kernels"
        );
        assert_eq!(
            package_name("my-kernels 0.1.0 (path+file:///w/k)"),
            "my-kernels"
        );
    }

    #[test]
    fn fallback_needs_a_reason_and_native_needs_clean_ptxas() {
        assert!(
            judge(&found(
                json!({"outcome": "fallback", "fallback_reason": "nvcc not found"})
            ))
            .is_ok()
        );
        assert!(
            judge(&found(
                json!({"outcome": "fallback", "fallback_reason": null})
            ))
            .is_err()
        );
        let native = json!({"outcome": "native", "archs": ["sm_80"], "violations": [],
            "modules": [{"name": "saxpy", "source": "k/saxpy.cu", "ptxas": [{"arch": "sm_80", "ok": true, "message": ""}]}]});
        assert_eq!(
            judge(&found(native)).unwrap(),
            "k: native, 1 module(s) for sm_80"
        );
        let rejected = json!({"outcome": "native", "archs": ["sm_80"], "violations": ["saxpy: PTX ISA 9.0 needs CUDA 13.0"],
            "modules": [{"name": "saxpy", "source": "k/saxpy.cu", "ptxas": [{"arch": "sm_80", "ok": false, "message": "Unsupported .version 9.0"}]}]});
        assert_eq!(judge(&found(rejected)).unwrap_err().len(), 2);
        assert!(judge(&found(json!({"outcome": "maybe"}))).is_err());
    }
}
