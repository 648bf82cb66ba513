//! `boundary.unsafe`: every `unsafe` block/fn/impl/trait, extern block, non-Rust ABI,
//! `#[no_mangle]`/`#[export_name]` and inline assembly in the workspace, found by a real Rust
//! lexer ([`crate::scan`]), attributed to the member that owns the file, and judged against
//! `[boundary] allow-unsafe` and the policy profile. A `macro_rules!` matcher is a pattern,
//! not code: nothing in it is a site; a transcriber is code, and its sites sit inside the
//! macro, where they are written.

use crate::check::{Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome};
use crate::config::section::Section;
use crate::policy::Allowance;
use crate::scan::{BoundaryHit, BoundaryKind};
pub use crate::shared::sections::Boundary;
use crate::shared::sources::{WalkProblem, default_threads, files_of, scan_files};
use crate::stage::Stage;
use crate::workspace::Member;
use serde::Serialize;

/// The `boundary.unsafe` check.
#[derive(Debug)]
pub struct BoundaryUnsafe;

static META: CheckMeta = CheckMeta {
    id: "boundary.unsafe",
    stage: Stage::Pilot,
    summary: "unsafe, extern blocks/ABIs, #[no_mangle] and asm! appear only in crates the profile allows",
    fix: "move the code into a crate listed in [boundary] allow-unsafe, add the crate to that list after review, or remove the unsafe code",
    codes: FindingCode::ALL,
    config: &[
        ConfigKey {
            key: "[boundary] allow-unsafe",
            default: "[]",
            meaning: "the crates that may contain unsafe code and FFI",
        },
        ConfigKey {
            key: "[policy] profile",
            default: "\"portable\"",
            meaning: "where inline assembly may appear, and whether allow-unsafe applies at all (rusty)",
        },
    ],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        UnsafeOutsideAllowed => Code {
            name: "unsafe-outside-allowed",
            summary: "unsafe code, FFI or an exported symbol in a crate that [boundary] allow-unsafe does not name",
        },
        UnreadableFile => Code {
            name: "unreadable-file",
            summary: "a Rust file could not be read, so it was not scanned",
        },
        WalkIncomplete => Code {
            name: "walk-incomplete",
            summary: "part of the tree could not be walked, so it was not scanned",
        },
        NonUtf8Path => Code {
            name: "non-utf8-path",
            summary: "a path that is not valid UTF-8 (scanned, but not portable)",
        },
    }
}

/// A walk's problem as this check reports it.
fn walk_finding(problem: WalkProblem) -> Finding {
    match problem {
        WalkProblem::Incomplete(err) => {
            Finding::warning(format!("could not walk part of the tree: {err}"))
                .code(FindingCode::WalkIncomplete)
        }
        WalkProblem::NonUtf8 { rel, krate } => Finding::warning(
            "path is not valid UTF-8 (shown lossily); it was scanned, but rename it: \
             non-UTF-8 names do not survive every platform and tool",
        )
        .code(FindingCode::NonUtf8Path)
        .at(Location::file(rel))
        .subject(krate),
    }
}

const INVENTORY: &str = "boundary/inventory.json";

/// One boundary site, as kept in the inventory.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    /// Owning crate.
    #[serde(rename = "crate")]
    pub krate: String,
    /// Workspace-relative file.
    pub file: String,
    /// The hit.
    #[serde(flatten)]
    pub hit: BoundaryHit,
    /// Whether the profile allows it there.
    pub allowed: bool,
}

#[derive(Debug, Serialize)]
struct Inventory<'a> {
    profile: &'a str,
    allow_unsafe: &'a [String],
    files_scanned: usize,
    bytes_scanned: u64,
    sites: &'a [Site],
}

impl Check for BoundaryUnsafe {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(crate::shared::sections::boundary_table())
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let boundary = ctx.config.section(&crate::shared::sections::BOUNDARY);
        let ws = ctx.workspace;
        // Crates reached from members through path dependencies (listed in `[workspace]
        // exclude`, say) ship with the workspace: their code is judged like the members'.
        let shipped: Vec<Member> = ctx
            .facts
            .packages_of(crate::facts::Role::PathDependency)
            .map(|p| Member {
                name: p.name.clone(),
                dir: p.dir.clone(),
            })
            .collect();
        let (files, problems) = files_of(ws, ws.members.iter().chain(&shipped));
        let mut findings: Vec<Finding> = problems.into_iter().map(walk_finding).collect();
        let scanned = scan_files(&files, default_threads());
        let rules = ctx.config.profile.rules();
        let mut sites = Vec::new();
        let mut bytes = 0u64;
        for (file, result) in files.iter().zip(scanned) {
            let rel = ws.relative(&file.path);
            let hits = match result {
                Ok((len, hits)) => {
                    bytes += len;
                    hits
                }
                Err(err) => {
                    findings.push(
                        Finding::warning(format!("could not read the file: {err}"))
                            .code(FindingCode::UnreadableFile)
                            .at(Location::file(rel)),
                    );
                    continue;
                }
            };
            let crate_allowed = boundary.allow_unsafe.iter().any(|a| a == &file.krate);
            for hit in hits {
                let allowance = match hit.kind {
                    BoundaryKind::Asm | BoundaryKind::GlobalAsm | BoundaryKind::NakedAsm => {
                        rules.inline_asm
                    }
                    _ => rules.unsafe_code,
                };
                let allowed = allowance.permits(crate_allowed);
                if !allowed {
                    findings.push(violation(&hit, &file.krate, &rel, allowance));
                }
                sites.push(Site {
                    krate: file.krate.clone(),
                    file: rel.clone(),
                    hit,
                    allowed,
                });
            }
        }
        let inventory = Inventory {
            profile: ctx.config.profile.as_str(),
            allow_unsafe: &boundary.allow_unsafe,
            files_scanned: files.len(),
            bytes_scanned: bytes,
            sites: &sites,
        };
        let inventory = serde_json::to_string_pretty(&inventory).expect("inventory serialises");
        let violations = sites.iter().filter(|s| !s.allowed).count();
        let allowed = sites.len() - violations;
        let outcome = if violations > 0 {
            Outcome::fail(format!(
                "{violations} unsafe/FFI site(s) outside the crates the profile allows ({} scanned)",
                files_scanned(files.len())
            ))
        } else {
            let warnings = findings.len();
            let summary = format!(
                "no unsafe/FFI outside allowed crates ({} scanned, {allowed} allowed site(s) inventoried)",
                files_scanned(files.len())
            );
            if warnings > 0 {
                Outcome::warn(format!("{summary}; {warnings} file(s) need attention"))
            } else {
                Outcome::pass(summary)
            }
        };
        outcome
            .with_findings(findings)
            .with_artifact(INVENTORY, inventory)
    }
}

fn files_scanned(n: usize) -> String {
    if n == 1 {
        "1 file".to_owned()
    } else {
        format!("{n} files")
    }
}

fn violation(hit: &BoundaryHit, krate: &str, rel: &str, allowance: Allowance) -> Finding {
    let what = match &hit.abi {
        Some(abi)
            if matches!(
                hit.kind,
                BoundaryKind::ExternBlock | BoundaryKind::ExternAbiFn
            ) =>
        {
            format!("{} (ABI \"{abi}\")", hit.kind.describe())
        }
        _ => hit.kind.describe().to_owned(),
    };
    let why = match allowance {
        Allowance::Nowhere => "the profile allows it nowhere".to_owned(),
        _ => format!("`{krate}` is not in [boundary] allow-unsafe"),
    };
    Finding::error(format!("{what} in crate `{krate}`: {why}"))
        .code(FindingCode::UnsafeOutsideAllowed)
        .at(Location::at(rel, hit.line, hit.column))
        .subject(krate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_files;
    use crate::config::Config;
    use crate::policy::Profile;

    const DECOYS: &str = r###"
//! Mentions unsafe { } in a doc comment.
#![forbid(unsafe_code)]
/* unsafe fn nested /* unsafe */ still a comment */
pub fn decoys() -> &'static str {
    let unsafe_code = 1;
    let _ = r#unsafe;
    let _ = "unsafe { extern \"C\" }";
    let _ = r##"unsafe "# asm!() "##;
    let _ = 'u';
    extern crate core;
    "#[no_mangle]"
}
"###;

    fn run(files: &[(&str, &str)], config: Config) -> Outcome {
        with_files(files, &["app", "ffi"], config, |ctx| {
            BoundaryUnsafe.run(ctx)
        })
    }

    fn allow_ffi() -> Config {
        Config::default().with_section(
            &crate::shared::sections::BOUNDARY,
            Boundary {
                allow_unsafe: vec!["ffi".into()],
            },
        )
    }

    #[test]
    fn decoys_in_comments_strings_and_identifiers_never_count() {
        let outcome = run(&[("app/src/lib.rs", DECOYS)], Config::default());
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.findings);
        assert!(outcome.summary.contains("0 allowed site(s)"));
    }

    #[test]
    fn macro_rules_matchers_are_not_sites_but_transcribers_are() {
        // Matchers (also of a macro a transcriber defines) are patterns; the last rule's
        // transcriber is code pasted wherever the macro is used.
        let lib = "macro_rules! wrap {\n    (unsafe { $e:expr }) => {\n        macro_rules! inner { (unsafe fn $n:ident) => {} }\n    };\n    ($e:expr) => { unsafe { $e } };\n}\n";
        let outcome = run(&[("app/src/lib.rs", lib)], Config::default());
        assert_eq!(outcome.status, Status::Fail, "{:?}", outcome.findings);
        let at: Vec<_> = outcome
            .findings
            .iter()
            .map(|f| f.location.clone())
            .collect();
        assert_eq!(at, [Some(Location::at("app/src/lib.rs", 5, 20))]);
    }

    #[test]
    fn unsafe_outside_the_allowed_crate_fails_with_file_line_column() {
        let files = [
            (
                "app/src/lib.rs",
                "pub fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n",
            ),
            (
                "ffi/src/lib.rs",
                "unsafe extern \"C\" { fn abs(x: i32) -> i32; }\n",
            ),
        ];
        let outcome = run(&files, allow_ffi());
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.findings.len(), 1);
        let finding = &outcome.findings[0];
        assert_eq!(finding.location, Some(Location::at("app/src/lib.rs", 2, 5)));
        assert_eq!(
            finding.message,
            "unsafe block in crate `app`: `app` is not in [boundary] allow-unsafe"
        );
        assert_eq!(outcome.evidence(), [INVENTORY]);
    }

    #[test]
    fn portable_forbids_asm_even_in_allowed_crates_idiomatic_does_not() {
        let files = [(
            "ffi/src/lib.rs",
            "pub fn f() { unsafe { core::arch::asm!(\"nop\") } }\n",
        )];
        let outcome = run(&files, allow_ffi());
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.findings[0]
                .message
                .contains("the profile allows it nowhere")
        );
        let idiomatic = Config {
            profile: Profile::Idiomatic,
            ..allow_ffi()
        };
        assert_eq!(run(&files, idiomatic).status, Status::Pass);
    }

    #[test]
    fn rusty_allows_everything_but_still_inventories_it() {
        let files = [(
            "app/src/lib.rs",
            "#[unsafe(no_mangle)]\npub extern \"C\" fn f() {}\n",
        )];
        let config = Config {
            profile: Profile::Rusty,
            ..Config::default()
        };
        let outcome = run(&files, config);
        assert_eq!(outcome.status, Status::Pass);
        let inventory: serde_json::Value =
            serde_json::from_slice(&outcome.artifacts[0].bytes).unwrap();
        assert_eq!(inventory["sites"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn nested_packages_and_ignored_dirs_are_not_attributed_to_the_parent() {
        let files = [
            ("app/src/lib.rs", ""),
            (
                "app/fixtures/other/Cargo.toml",
                "[package]\nname = \"other\"\n",
            ),
            ("app/fixtures/other/src/lib.rs", "unsafe fn f() {}\n"),
            ("app/.hidden/x.rs", "unsafe fn f() {}\n"),
        ];
        let outcome = run(&files, Config::default());
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.findings);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_do_not_hang_and_non_utf8_names_are_reported() {
        use std::os::unix::ffi::OsStrExt;
        with_files(
            &[("app/src/lib.rs", "")],
            &["app"],
            Config::default(),
            |ctx| {
                let src = ctx.workspace.root.join("app/src");
                std::os::unix::fs::symlink(&src, src.join("loop")).unwrap();
                let odd = src.join(std::ffi::OsStr::from_bytes(b"bad\xff.rs"));
                std::fs::write(odd, "unsafe fn f() {}\n").unwrap();
                let outcome = BoundaryUnsafe.run(ctx);
                assert_eq!(outcome.status, Status::Fail);
                assert!(
                    outcome
                        .findings
                        .iter()
                        .any(|f| f.message.contains("not valid UTF-8")),
                    "{:?}",
                    outcome.findings
                );
            },
        );
    }
}
