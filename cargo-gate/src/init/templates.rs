//! The three files, from the templates under `cargo-gate/templates/` with `@@name@@` markers.

use super::baseline::*;
use super::model::*;
use std::fmt::Write as _;

/// The pinned sccache action of the optional compilation cache.
pub(super) const SCCACHE_ACTION: &str = "mozilla-actions/sccache-action@v0.0.9";

pub(super) fn gate_toml(
    today: &str,
    unsafe_today: &UnsafeToday,
    baseline: Option<&Baseline<'_>>,
) -> String {
    let mut t = String::new();
    let members: Vec<&str> = unsafe_today.members.iter().map(String::as_str).collect();
    let list = members
        .iter()
        .map(|m| quote(m))
        .collect::<Vec<_>>()
        .join(", ");
    match (baseline.is_some(), members.is_empty()) {
        (_, true) => {
            t.push_str("# No member contains unsafe code or FFI today.\nallow-unsafe = []\n")
        }
        (true, false) => {
            let _ = write!(
                t,
                "# Filled by `cargo gate init --baseline`: the members with unsafe code or FFI \
                 on {today}.\n# Review each one; move the code or remove the crate when you \
                 can.\nallow-unsafe = [{list}]\n"
            );
        }
        (false, false) => {
            let _ = write!(
                t,
                "# Members with unsafe code or FFI on {today}: {}. boundary.unsafe fails until\n\
                 # each is listed here after review (or the code moves); `cargo gate init \
                 --baseline` lists them.\nallow-unsafe = []\n",
                members.join(", ")
            );
        }
    }
    let boundary = std::mem::take(&mut t);
    if let Some(baseline) = baseline {
        let _ = write!(
            t,
            "\n# Baseline: {} waiver(s) recorded by `cargo gate init --baseline` on {}, so that \
             the gate\n# starts green. Give each an owner, then fix its findings and delete it \
             before it\n# expires on {} (renewing one is a new decision: new reason, owner \
             and date).\n",
            baseline.waivers.len(),
            baseline.today,
            baseline.expires
        );
        if baseline.waivers.is_empty() {
            t.push_str("# (No finding needed one.)\n");
        }
        for w in &baseline.waivers {
            let _ = write!(
                t,
                "\n# {} finding(s), e.g.: {}\n[[waiver]]\ncheck = {}\n",
                w.covers,
                w.example,
                quote(&w.check),
            );
            let id = &w.identity;
            for (key, value) in [
                ("code", &id.code),
                ("subject", &id.subject),
                ("file", &id.file),
            ] {
                if let Some(value) = value {
                    let _ = writeln!(t, "{key} = {}", quote(value));
                }
            }
            if let Some(line) = id.line {
                let _ = writeln!(t, "line = {line}");
            }
            if let Some(text) = &id.text {
                let _ = writeln!(t, "text = {}", quote(text));
            }
            let _ = write!(
                t,
                "reason = {}\nowner = {}\nexpires = {}\n",
                quote(&format!(
                    "baseline: recorded by cargo gate init on {}",
                    baseline.today
                )),
                quote(BASELINE_OWNER),
                quote(baseline.expires)
            );
        }
    }
    fill(
        files::GATE_TOML,
        &[("today", today), ("boundary", &boundary), ("baseline", &t)],
    )
}

/// The checklist template: unchecked items, each citing the checks that evidence it. The
/// template words the items of the checks it knows; every other built-in check (one added
/// since) gets an item of its own, its summary citing it, so the checklist cites every check.
pub(super) fn readiness(today: &str) -> String {
    let worded = files::READINESS;
    let more: String = crate::registry::metas()
        .filter(|m| m.id != "checklist.closed" && !cites(worded, m.id))
        .map(|m| format!("- [ ] {} — evidence: {}\n", upper_first(m.summary), m.id))
        .collect();
    let more = if more.is_empty() {
        more
    } else {
        format!("\n## More checks\n\n{more}")
    };
    fill(worded, &[("today", today), ("more", &more)])
}

/// Whether a checklist item of `text` cites check `id` as its evidence.
pub(super) fn cites(text: &str, id: &str) -> bool {
    text.lines()
        .filter_map(|line| line.split_once(" — evidence: "))
        .any(|(_, evidence)| evidence.split(", ").any(|cited| cited.trim() == id))
}

/// `text` with its first letter in upper case (a summary as a checklist item).
pub(super) fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The GitHub Actions workflow: the controlled stage per OS, then merge and broad; with
/// `shards`, Linux's controlled run is that many jobs, each one shard of the tests
/// ([`sharded`]).
pub(super) fn workflow(toolchain_pinned: bool, shards: Option<u32>) -> String {
    let toolchain = if toolchain_pinned {
        "      # Where rustup cannot install the pin, `cargo gate` cannot start (rustup refuses\n      \
         # cargo in this workspace): run `cargo +stable gate …` or the `cargo-gate gate …` binary\n      \
         # instead, and toolchain.pinned names the pin that is missing.\n      \
         - name: Toolchain pinned by rust-toolchain.toml\n        run: rustup toolchain install\n"
    } else {
        "      # No rust-toolchain.toml yet: this installs the runner's default toolchain, and\n      \
         # toolchain.pinned fails until an exact version is pinned there.\n      \
         - name: Toolchain pinned by rust-toolchain.toml\n        run: rustup toolchain install\n"
    };
    let setup = fill(
        files::SETUP_STEPS,
        &[
            ("toolchain", toolchain),
            ("sccache_action", SCCACHE_ACTION),
            ("version", env!("CARGO_PKG_VERSION")),
            ("install", &indented(files::INSTALL, "          ")),
        ],
    );
    let workflow = fill(files::WORKFLOW, &[("setup", &setup)]);
    match shards {
        Some(n) => sharded(&workflow, n),
        None => workflow,
    }
}

/// The nextest installer the sharded workflow uses.
pub(super) const NEXTEST_ACTION: &str = "taiki-e/install-action@v2";

/// The workflow with Linux's controlled job split into `n` jobs, each running one shard of
/// the tests (`--test-shard K/N`) from one `cargo nextest archive` built first; macOS and
/// Windows run whole as before. Each shard's record is uploaded like a platform's, `cargo gate
/// merge` joins them (READY only when all `n` ran and were ready), and each shard keeps an
/// evidence cache of its own. Edits the unsharded workflow line by line: every line it
/// replaces is in the template (a test makes sure).
pub(super) fn sharded(workflow: &str, n: u32) -> String {
    let mut include = String::from("        include:\n");
    for k in 1..=n {
        include.push_str(&format!(
            "          - {{ os: ubuntu-latest, shard: {k} }}\n"
        ));
    }
    include.push_str(
        "          # shard 0: the whole test run, on the platforms whose tests are not sharded.\n          \
         - { os: macos-latest, shard: 0 }\n          - { os: windows-latest, shard: 0 }\n",
    );
    let archive_job = format!(
        "  # The tests built once, on Linux, for every shard: `cargo nextest archive` (docs/GUIDE.md,\n  \
         # \"Sharding the tests\"). Each shard job runs its bucket from this archive.\n  \
         tests-archive:\n    name: tests archive (for {n} shards)\n    runs-on: ubuntu-latest\n    \
         timeout-minutes: 60\n    permissions:\n      contents: read\n    steps:\n      \
         - uses: actions/checkout@v4\n      - name: Toolchain pinned by rust-toolchain.toml\n        \
         run: rustup toolchain install\n      - name: cargo-nextest\n        uses: {NEXTEST_ACTION}\n        \
         with:\n          tool: cargo-nextest\n      - name: cargo nextest archive\n        \
         run: cargo nextest archive --locked --workspace --archive-file gate-tests.tar.zst\n      \
         - name: Upload the archive\n        uses: actions/upload-artifact@v4\n        with:\n          \
         name: gate-tests-archive\n          path: gate-tests.tar.zst\n          \
         if-no-files-found: error\n          retention-days: 1\n\n"
    );
    let run_step = format!(
        "      - name: The tests archive\n        if: ${{{{ matrix.shard != 0 }}}}\n        \
         uses: actions/download-artifact@v4\n        with:\n          name: gate-tests-archive\n      \
         - name: cargo-nextest\n        if: ${{{{ matrix.shard != 0 }}}}\n        uses: {NEXTEST_ACTION}\n        \
         with:\n          tool: cargo-nextest\n      \
         - name: cargo gate controlled\n        env:\n          \
         CARGO_GATE_CACHE_KEY: ${{{{ secrets.CARGO_GATE_CACHE_KEY }}}}\n          \
         SHARD: ${{{{ matrix.shard }}}}\n        run: |\n          shard=()\n          \
         if [ \"$SHARD\" != 0 ]; then shard=(--test-shard \"$SHARD/{n}\" --test-archive gate-tests.tar.zst); fi\n          \
         cargo gate controlled \"${{shard[@]}}\" --fetch --format sarif --out gate-out > gate-controlled.sarif\n"
    );
    let edits: [(&str, String); 8] = [
        (
            "        os: [ubuntu-latest, macos-latest, windows-latest]\n",
            include,
        ),
        (
            "jobs:\n  controlled:\n",
            format!("jobs:\n{archive_job}  controlled:\n"),
        ),
        (
            "    name: controlled (${{ matrix.os }})\n",
            format!(
                "    name: controlled (${{{{ matrix.os }}}}${{{{ matrix.shard != 0 && format(', tests {{0}}/{n}', \
                 matrix.shard) || '' }}}})\n    needs: tests-archive\n"
            ),
        ),
        (
            "          key: gate-evidence-${{ runner.os }}-${{ github.sha }}\n          \
             restore-keys: gate-evidence-${{ runner.os }}-\n",
            "          key: gate-evidence-${{ runner.os }}-${{ matrix.shard }}-${{ github.sha }}\n          \
             restore-keys: gate-evidence-${{ runner.os }}-${{ matrix.shard }}-\n"
                .to_owned(),
        ),
        (
            "      - name: cargo gate controlled\n        env:\n          \
             CARGO_GATE_CACHE_KEY: ${{ secrets.CARGO_GATE_CACHE_KEY }}\n        \
             run: cargo gate controlled --fetch --format sarif --out gate-out > gate-controlled.sarif\n",
            run_step,
        ),
        (
            "        if: ${{ !cancelled() && hashFiles('gate-controlled.sarif') != '' }}\n",
            // One analysis per OS: the first shard's.
            "        if: ${{ !cancelled() && hashFiles('gate-controlled.sarif') != '' && matrix.shard <= 1 }}\n"
                .to_owned(),
        ),
        (
            "          name: gate-out-${{ matrix.os }}\n",
            "          name: gate-out-${{ matrix.os }}-${{ matrix.shard }}\n".to_owned(),
        ),
        (
            "# Windows, each job's run record uploaded;",
            format!("# Windows (Linux's tests in {n} shards), each job's run record uploaded;"),
        ),
    ];
    let mut text = workflow.to_owned();
    for (line, with) in edits {
        debug_assert!(text.contains(line), "the workflow template lacks {line:?}");
        text = text.replacen(line, &with, 1);
    }
    text
}

/// The files `init` writes, as templates (cargo-gate/templates/): `@@name@@` marks what
/// [`fill`] puts in.
pub(super) mod files {
    /// gate.toml, commented.
    pub(super) const GATE_TOML: &str = include_str!("../../templates/gate.toml");
    /// docs/READINESS.md.
    pub(super) const READINESS: &str = include_str!("../../templates/READINESS.md");
    /// .github/workflows/gate.yml.
    pub(super) const WORKFLOW: &str = include_str!("../../templates/gate.yml");
    /// The steps every job of the workflow starts with.
    pub(super) const SETUP_STEPS: &str = include_str!("../../templates/setup-steps.yml");
    /// The script that installs cargo-gate (the workflow inlines it; action.yml runs the file).
    pub(crate) const INSTALL: &str = include_str!("../../templates/install.sh");
}

/// `text` with every non-empty line indented by `indent`, without its trailing newline (the
/// template's line has one).
fn indented(text: &str, indent: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{indent}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `template` with every `@@name@@` replaced by its value. Every marker must have a value
/// and every value a marker (checked in debug builds, so every test of `init` checks it).
pub(super) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        let marker = format!("@@{name}@@");
        debug_assert!(out.contains(&marker), "no {marker} in the template");
        out = out.replace(&marker, value);
    }
    debug_assert!(!out.contains("@@"), "a template marker left unfilled");
    out
}
