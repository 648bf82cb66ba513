//! `boundary.unsafe`: every `unsafe` block/fn/impl/trait, extern block, non-Rust ABI,
//! `#[no_mangle]`/`#[export_name]` and inline assembly in the workspace, found by a real Rust
//! lexer ([`crate::scan`]), attributed to the member that owns the file, and judged against
//! `[boundary] allow-unsafe` and the policy profile. A `macro_rules!` matcher is a pattern,
//! not code: nothing in it is a site; a transcriber is code, and its sites sit inside the
//! macro, where they are written. Sites whose code runs elsewhere (inside a proc macro's
//! `quote!`, emitted into the crates that use it; in a template with a `.rs` name, which no
//! crate compiles) are inventoried apart and said in a note, never judged as the crate's.
//! The files are every Rust file of the members and the crates they ship (their trees, the
//! target roots their manifests name, the tracked files a walk skips) and, where the run
//! builds for its tests, the Rust files their build scripts wrote into `OUT_DIR`.

use crate::check::Severity;
use crate::check::{Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome};
use crate::config::section::Section;
use crate::facts::Build;
use crate::policy::{Allowance, Rules};
use crate::scan::{BoundaryHit, BoundaryKind, Elsewhere};
pub use crate::shared::sections::Boundary;
use crate::shared::sources::{
    OwnedFile, WalkProblem, default_threads, files_with_targets, scan_files, with_tracked,
};
use crate::stage::Stage;
use crate::workspace::Member;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

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
    /// Sites in the files whose code runs elsewhere (a proc macro's `quote!`, a template),
    /// not judged as their crate's.
    #[serde(skip_serializing_if = "<[Site]>::is_empty")]
    not_judged: &'a [Site],
}

/// What the scan found, file by file.
#[derive(Default)]
struct Tally {
    sites: Vec<Site>,
    not_judged: Vec<Site>,
    bytes: u64,
    findings: Vec<Finding>,
}

impl Tally {
    /// Judges the `hits` of `file` (at `rel`) against the profile's `rules` and `[boundary]`.
    fn judge(
        &mut self,
        file: &OwnedFile,
        rel: &str,
        hits: Vec<BoundaryHit>,
        (boundary, rules): (&Boundary, Rules),
    ) {
        let crate_allowed = boundary.allow_unsafe.iter().any(|a| a == &file.krate);
        let mut elsewhere: Vec<(Elsewhere, usize)> = Vec::new();
        for hit in hits {
            let allowance = match hit.kind {
                BoundaryKind::Asm | BoundaryKind::GlobalAsm | BoundaryKind::NakedAsm => {
                    rules.inline_asm
                }
                _ => rules.unsafe_code,
            };
            let allowed = allowance.permits(crate_allowed);
            let site = |hit| Site {
                krate: file.krate.clone(),
                file: rel.to_owned(),
                hit,
                allowed,
            };
            if let Some(runs) = hit.elsewhere {
                match elsewhere.iter_mut().find(|(e, _)| *e == runs) {
                    Some((_, n)) => *n += 1,
                    None => elsewhere.push((runs, 1)),
                }
                self.not_judged.push(site(hit));
                continue;
            }
            if !allowed {
                self.findings
                    .push(violation(&hit, &file.krate, rel, allowance));
            }
            self.sites.push(site(hit));
        }
        for (runs, n) in elsewhere {
            self.findings.push(
                Finding::note(format!(
                    "{n} unsafe/FFI site(s) {}: not judged as code of crate `{}`",
                    runs.describe(),
                    file.krate
                ))
                .at(Location::file(rel))
                .subject(file.krate.clone()),
            );
        }
    }

    /// The outcome: FAIL with the violations, else PASS (WARN when files need attention).
    fn outcome(self, ctx: &Context<'_>, boundary: &Boundary, files: usize) -> Outcome {
        let inventory = Inventory {
            profile: ctx.config.profile.as_str(),
            allow_unsafe: &boundary.allow_unsafe,
            files_scanned: files,
            bytes_scanned: self.bytes,
            sites: &self.sites,
            not_judged: &self.not_judged,
        };
        let inventory = serde_json::to_string_pretty(&inventory).expect("inventory serialises");
        let violations = self.sites.iter().filter(|s| !s.allowed).count();
        let allowed = self.sites.len() - violations;
        let elsewhere = match self.not_judged.len() {
            0 => String::new(),
            n => format!("; {n} site(s) whose code runs elsewhere not judged"),
        };
        let attention = self
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
            .count();
        let outcome = if violations > 0 {
            Outcome::fail(format!(
                "{violations} unsafe/FFI site(s) outside the crates the profile allows ({} scanned){elsewhere}",
                files_scanned(files)
            ))
        } else {
            let summary = format!(
                "no unsafe/FFI outside allowed crates ({} scanned, {allowed} allowed site(s) inventoried){elsewhere}",
                files_scanned(files)
            );
            if attention > 0 {
                Outcome::warn(format!("{summary}; {attention} file(s) need attention"))
            } else {
                Outcome::pass(summary)
            }
        };
        outcome
            .with_findings(self.findings)
            .with_artifact(INVENTORY, inventory)
    }
}

impl Check for BoundaryUnsafe {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn after(&self) -> crate::check::After {
        // The code build scripts write into `OUT_DIR` is read from the build the tests
        // make; a run without them reads the tree alone.
        crate::check::After::WhenRun(&["tests.pass"])
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
        // The target roots each manifest names by path are scanned wherever they lie.
        // By directory, so a workspace of many members is one pass, not one per member.
        let mut targets: HashMap<&std::path::Path, &[std::path::PathBuf]> = HashMap::new();
        for role in [
            crate::facts::Role::Member,
            crate::facts::Role::PathDependency,
        ] {
            for p in ctx.facts.packages_of(role) {
                targets.entry(&p.dir).or_insert(&p.targets);
            }
        }
        let packages: Vec<(&Member, &[std::path::PathBuf])> = (ws.members.iter().chain(&shipped))
            .map(|m| (m, targets.get(m.dir.as_path()).copied().unwrap_or_default()))
            .collect();
        let (mut files, problems) = files_with_targets(ws, &packages);
        tracked_too(ctx, &mut files);
        // What the run's build made and compiled, where it made one (none: the tree alone).
        if ctx.facts.build_gathered()
            && let Ok(build) = ctx.facts.build(ctx.cargo)
        {
            let names: std::collections::HashSet<&str> =
                packages.iter().map(|(m, _)| m.name.as_str()).collect();
            files.extend(generated(build, &names));
            compiled_too(ctx, build, &names, &mut files);
        }
        let mut tally = Tally {
            findings: problems.into_iter().map(walk_finding).collect(),
            ..Tally::default()
        };
        let scanned = scan_files(&files, default_threads());
        let rules = ctx.config.profile.rules();
        for (file, result) in files.iter().zip(scanned) {
            let rel = ws.relative(&file.path);
            match result {
                Ok((len, hits)) => {
                    tally.bytes += len;
                    tally.judge(file, &rel, hits, (&boundary, rules));
                }
                Err(err) => tally.findings.push(
                    Finding::warning(format!("could not read the file: {err}"))
                        .code(FindingCode::UnreadableFile)
                        .at(Location::file(rel)),
                ),
            }
        }
        tally.outcome(ctx, &boundary, files.len())
    }
}

/// The tracked Rust files of the members and the crates they ship that the walks passed
/// over (`.gitignore`d yet committed, in a hidden directory: a `mod` compiles them all the
/// same), added to `files` ([`with_tracked`]). Outside the target directory; where git
/// listed nothing, the walks are all there is.
fn tracked_too(ctx: &Context<'_>, files: &mut Vec<OwnedFile>) {
    use crate::facts::Role;
    let index = &ctx.facts.index;
    if index.source != crate::facts::IndexSource::Git {
        return;
    }
    let target = &ctx.workspace.target_dir;
    let tracked = index.files.iter().filter_map(|file| {
        let owner = ctx.facts.owner(file)?;
        let ships = matches!(owner.role, Role::Member | Role::PathDependency);
        (ships && !file.path.starts_with(target)).then_some((file.path.as_path(), &*owner.name))
    });
    with_tracked(files, tracked);
}

/// The Rust files the build scripts of the members and the crates they ship wrote into their
/// `OUT_DIR`, from the build this run made for its tests (none where it made none): code
/// `include!(concat!(env!("OUT_DIR"), …))` compiles in (a -sys crate's bindgen bindings,
/// rust-openssl's `systest`), which no walk of the tree sees. A build reused from an earlier
/// run reads its `OUT_DIR`s as they stand.
fn generated(build: &Build, names: &HashSet<&str>) -> Vec<OwnedFile> {
    let mut found = Vec::new();
    for (package, out_dir) in build
        .out_dirs
        .iter()
        .filter(|(p, _)| names.contains(p.as_str()))
    {
        let mut rust = Vec::new();
        rust_files_in(out_dir, 0, &mut rust);
        found.extend(rust.into_iter().map(|path| OwnedFile {
            path,
            krate: package.clone(),
        }));
    }
    found
}

/// The Rust files the run's build compiled into the members and the crates they ship that
/// nothing above found, added to `files`: rustc's dep-info of each of their artifacts names
/// every file it read, among them a module a build script writes into the tree that is
/// neither committed nor walked (nbody's git-ignored `src/ffi/bindings.rs`, written by
/// bindgen). Only files in the repository or the target directory.
fn compiled_too(
    ctx: &Context<'_>,
    build: &Build,
    names: &HashSet<&str>,
    files: &mut Vec<OwnedFile>,
) {
    let root = ctx.facts.root();
    let target = &ctx.workspace.target_dir;
    let mut seen: HashSet<std::path::PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    for artifact in build
        .artifacts
        .iter()
        .filter(|a| names.contains(a.package.as_str()))
    {
        let Some(dep_info) = crate::cache::discover::dep_info_of(&artifact.path) else {
            continue;
        };
        let mut read = crate::cache::discover::Read::default();
        if read.add_dep_info_checked(&dep_info).is_err() {
            continue;
        }
        for file in read.files {
            let path = gate_support::path::normalize(&root.join(file));
            let ours = path.starts_with(root) || path.starts_with(target);
            if ours && path.extension().is_some_and(|e| e == "rs") && seen.insert(path.clone()) {
                files.push(OwnedFile {
                    path,
                    krate: artifact.package.clone(),
                });
            }
        }
    }
}

/// The `.rs` files under `dir`, a few levels deep, no link followed, at most
/// [`MAX_GENERATED`] (a script that writes more is read no further).
fn rust_files_in(dir: &std::path::Path, depth: usize, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if out.len() >= MAX_GENERATED {
            return;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() && depth < 3 && entry.file_name() != gate_witness::record::DIR_NAME {
            rust_files_in(&path, depth + 1, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The most generated Rust files read from one `OUT_DIR`.
const MAX_GENERATED: usize = 10_000;

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

    /// Where each finding of `outcome` is.
    fn located(outcome: &Outcome) -> Vec<Option<Location>> {
        outcome
            .findings
            .iter()
            .map(|f| f.location.clone())
            .collect()
    }

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
        assert_eq!(
            located(&outcome),
            [Some(Location::at("app/src/lib.rs", 5, 20))]
        );
    }

    /// uniffi: a proc macro's `quote!` emits its `unsafe` into the crates that use it, and
    /// askama templates with a `.rs` name are no Rust: neither is judged as the crate's, each
    /// is said once per file, and the crate's own unsafe beside them still fails.
    #[test]
    fn quoted_and_templated_sites_are_not_the_crates() {
        let macros = "pub fn g(t: u8) -> u8 {\n    let _ = quote! { unsafe impl Send for #t {} };\n    t\n}\n";
        let template =
            "{%- let n = name %}\n#[no_mangle]\npub unsafe extern \"C\" fn {{ n }}() {}\n";
        let outcome = run(
            &[
                ("app/src/lib.rs", macros),
                ("app/src/templates/f.rs", template),
            ],
            Config::default(),
        );
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.findings);
        assert!(
            outcome
                .summary
                .ends_with("; 3 site(s) whose code runs elsewhere not judged"),
            "{}",
            outcome.summary
        );
        let notes: Vec<String> = outcome.findings.iter().map(|f| f.message.clone()).collect();
        assert_eq!(
            notes,
            [
                "1 unsafe/FFI site(s) inside `quote!`: code the proc macro emits into the crates \
                 that use it: not judged as code of crate `app`",
                "2 unsafe/FFI site(s) in a template (`{% .. %}` tags): text a generator fills \
                 in, not Rust of its own: not judged as code of crate `app`",
            ]
        );
        let own = format!("{macros}pub fn h() {{ unsafe {{}} }}\n");
        let outcome = run(&[("app/src/lib.rs", own.as_str())], Config::default());
        assert_eq!(outcome.status, Status::Fail, "{:?}", outcome.findings);
    }

    /// A hostile crate defines its own `quote!` that pastes its body in as code, in another
    /// file than the one that hides `unsafe` in it: the crate's `quote!` is not taken to run
    /// elsewhere, and the unsafe fails as the crate's own.
    #[test]
    fn a_forged_quote_macro_hides_no_unsafe() {
        let defs = "#[macro_export]\nmacro_rules! quote { ($($t:tt)*) => { $($t)* } }\n";
        let lib = "#[macro_use]\nmod defs;\npub fn f(p: *const u8) -> u8 {\n    quote! { unsafe { *p } }\n}\n";
        let outcome = run(
            &[("app/src/defs.rs", defs), ("app/src/lib.rs", lib)],
            Config::default(),
        );
        assert_eq!(outcome.status, Status::Fail, "{:?}", outcome.findings);
        assert_eq!(
            located(&outcome),
            [Some(Location::at("app/src/lib.rs", 4, 14))]
        );
        // The same `quote!` with the real macro is emitted code, not the crate's.
        let real = lib.replace("#[macro_use]\nmod defs;", "use quote::quote;");
        let outcome = run(&[("app/src/lib.rs", real.as_str())], Config::default());
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.findings);
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

    /// EmbarkStudios/crash-handling's `[[bin]] path = "crash-client/src/main.rs"` lies under
    /// a stale `crash-client/Cargo.toml` with a `[workspace]` of its own: the walk never
    /// entered it, and its unsafe code passed. A root the manifest names is scanned, with
    /// its directory's modules, as the naming package's code.
    #[test]
    fn a_target_root_under_a_nested_manifest_is_scanned_as_its_package() {
        let files = [
            (
                "app/Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"client\"\npath = \"client/src/main.rs\"\n",
            ),
            ("app/src/lib.rs", ""),
            (
                "app/client/Cargo.toml",
                "[package]\nname = \"client\"\n\n[workspace]\n",
            ),
            ("app/client/src/main.rs", "mod util;\nfn main() {}\n"),
            ("app/client/src/util.rs", "pub fn f() { unsafe {} }\n"),
            (
                "app/fixtures/other/Cargo.toml",
                "[package]\nname = \"other\"\n",
            ),
            ("app/fixtures/other/src/lib.rs", "unsafe fn f() {}\n"),
        ];
        let outcome = run(&files, Config::default());
        assert_eq!(outcome.status, Status::Fail, "{:?}", outcome.findings);
        let at: Vec<String> = located(&outcome)
            .into_iter()
            .flatten()
            .map(|l| l.file)
            .collect();
        assert_eq!(at, ["app/client/src/util.rs"], "{:?}", outcome.findings);
        assert!(outcome.findings[0].message.contains("in crate `app`"));
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
