//! Property tests of everything that reads untrusted text: the configuration parser, the CI
//! walk (behind `ci.locked`), the Rust lexer (behind `boundary.unsafe`), the PTX parser
//! (gate-build and `cuda.contracts`) and the record readers (`history.jsonl` and run
//! directories). Whatever the input: no panic, and
//! the invariants below.
//!
//! `cargo test -p gate-tests --test properties` runs 256 cases per property (proptest's
//! default); `PROPTEST_CASES=100000 cargo test --release -p gate-tests --test properties`
//! searches longer. A failure prints the smallest input proptest found and keeps it under
//! `tests/tests/properties.proptest-regressions` so it is tried first next time.

use proptest::prelude::*;

/// Text shaped like the input, so the parsers get past their first line: fragments of the
/// real grammar mixed with arbitrary characters.
fn shaped(fragments: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(fragments).prop_map(str::to_owned),
            1 => any::<String>(),
            1 => "[ -~\n]{0,12}",
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

const TOML_BITS: &[&str] = &[
    "[policy]\n",
    "profile = \"rusty\"\n",
    "strict = true\n",
    "min-driver = \"12.4\"\n",
    "[tests]\n",
    "timeout = \"",
    "18446744073709551615s",
    "\"\n",
    "[[check]]\n",
    "id = \"team.x\"\n",
    "stage = \"pilot\"\n",
    "run = [\"true\"]\n",
    "[[waiver]]\n",
    "check = \"tests.pass\"\n",
    "expires = \"2026-02-31\"\n",
    "[history]\nwindow = ",
    "99999999999999999999",
    "[bench]\nmax-regression = ",
    "nan",
    "{ a = ",
    "\"\"\"",
    "'''",
    "\\u{0}",
];

const RUST_BITS: &[&str] = &[
    "unsafe { ",
    "}",
    "extern \"C\" {",
    "r#\"",
    "\"#",
    "r##\"",
    "b\"",
    "'a",
    "'\\''",
    "/* ",
    "*/",
    "// ",
    "\n",
    "#[no_mangle]",
    "asm!(",
    "macro_rules! m { ($x:tt) => { unsafe { $x } } }",
    "\\",
    "\"",
    "0x1f",
    "1e-3",
];

/// Pieces of the files the CI walk reads (workflows, Dockerfiles, Makefiles, justfiles,
/// scripts), the ones that once made it panic among them: a multi-byte character where a
/// byte slice was taken (`# ┌─┐` at a Dockerfile line's start, `${Aé}`).
const CI_BITS: &[&str] = &[
    "jobs:\n  a:\n    steps:\n      - run: ",
    "cargo build",
    " --locked",
    "docker build -f Dockerfile .",
    "make all",
    "just ci",
    "./ci/t.sh",
    "FULL=1 ",
    "${A:+x}",
    "${Aé}",
    "${{ matrix.x }}",
    "<< parameters.p >>",
    "RUN ",
    "# ┌─┐",
    "é",
    "\\\n",
    "\n",
    "\t",
    "all:\n\t",
    "$(CARGO) ",
    "ci *args:\n    ",
    "{{args}}",
    "&& ",
    "; ",
    "'",
    "\"",
];

const PTX_BITS: &[&str] = &[
    ".version ",
    "9.0",
    "99999999999.9",
    ".target ",
    "sm_80",
    "sm_",
    ", texmode_independent",
    ".address_size 64\n",
    ".visible .entry ",
    "k(",
    ")",
    "{ ret; }",
    "/*",
    "*/",
    "//",
    "\n",
    ".func ",
    ".param .u64 a",
];

proptest! {
    #[test]
    fn the_ci_walk_never_panics(
        workflow in shaped(CI_BITS),
        dockerfile in shaped(CI_BITS),
        recipes in shaped(CI_BITS),
        script in shaped(CI_BITS),
    ) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path();
        // Every file is reached: the workflow starts each, then runs the generated line.
        let workflow = format!(
            "jobs:\n  a:\n    steps:\n      - run: docker build -f Dockerfile .\n      - run: \
             make all\n      - run: just ci\n      - run: ./ci/t.sh\n      - run: {workflow}"
        );
        for (rel, text) in [
            (".github/workflows/ci.yml", &workflow),
            (".gitlab-ci.yml", &workflow),
            ("Dockerfile", &dockerfile),
            ("Makefile", &recipes),
            ("justfile", &recipes),
            ("ci/t.sh", &script),
        ] {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
            std::fs::write(path, text).expect("written");
        }
        let _ = gate_ci::cargo_calls(root, None);
    }

    #[test]
    fn the_config_parser_never_panics(text in shaped(TOML_BITS)) {
        let _ = cargo_gate::config::parse_gate_toml(&text, "gate.toml", &cargo_gate::registry::known());
        let manifest = format!("[package]\nname = \"x\"\n[workspace.metadata.gate]\n{text}");
        let _ = cargo_gate::config::parse_manifest_section(&manifest, "Cargo.toml", &cargo_gate::registry::known());
    }

    #[test]
    fn an_accepted_config_has_sane_values(text in shaped(TOML_BITS)) {
        if let Ok(config) = cargo_gate::config::parse_gate_toml(&text, "gate.toml", &cargo_gate::registry::known()) {
            let history = config.section(&cargo_gate::checks::history_window::HISTORY);
            prop_assert!((1..=1000).contains(&history.window));
            let bench = config.section(&cargo_gate::shared::sections::BENCH);
            prop_assert!(bench.max_regression > 0.0 && bench.max_regression <= 1.0);
            prop_assert!(config.tests_timeout <= cargo_gate::config::MAX_TIMEOUT);
            for check in &config.custom_checks {
                prop_assert!(!check.run.is_empty() && !check.run[0].trim().is_empty());
                prop_assert!(!check.timeout.is_zero() && check.timeout <= cargo_gate::config::MAX_TIMEOUT);
            }
            // What was accepted serialises.
            prop_assert!(!config.effective_json().is_empty());
        }
    }

    #[test]
    fn the_lexer_never_panics_and_tokens_are_ordered_and_in_bounds(
        text in prop_oneof![shaped(RUST_BITS).prop_map(String::into_bytes), any::<Vec<u8>>()]
    ) {
        let mut last_end = 0;
        let mut steps = 0usize;
        for token in cargo_gate::lexer::Lexer::new(&text) {
            prop_assert!(token.start >= last_end, "{token:?} starts before {last_end}");
            prop_assert!(token.start < token.end && token.end <= text.len(), "{token:?}");
            last_end = token.end;
            steps += 1;
            prop_assert!(steps <= text.len(), "more tokens than bytes");
        }
    }

    #[test]
    fn the_ptx_parser_never_panics(text in shaped(PTX_BITS)) {
        if let Ok(facts) = gate_formats::ptx::parse(&text) {
            // Whatever it reports was in the text.
            for entry in &facts.entries {
                prop_assert!(text.contains(entry.name.as_str()), "{entry:?}");
            }
        }
    }

    #[test]
    fn the_record_readers_never_panic_on_any_history(
        history in prop_oneof![any::<Vec<u8>>(), shaped(&[
            "{\"run_id\":\"",
            "r1",
            "../x",
            "\",\"stage\":\"pilot\",\"result\":\"ready\",\"exit_code\":0,\"commit\":null,\"dirty\":false,\"time\":\"t\",\"manifest_sha256\":\"",
            "00",
            "\"}",
            "\n",
            "{",
        ]).prop_map(String::into_bytes)]
    ) {
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(out.path().join("runs/r1")).unwrap();
        std::fs::write(out.path().join("runs/r1/manifest.json"), b"{}").unwrap();
        std::fs::write(out.path().join("history.jsonl"), &history).unwrap();
        let _ = cargo_gate::record::read_history(&out.path().join("history.jsonl"));
        if let Ok(chain) = cargo_gate::record::read_chain(out.path()) {
            // Nothing made up: no run with a fake manifest is trusted.
            prop_assert!(chain.trusted().next().is_none());
        }
        let _ = cargo_gate::record::verify(out.path(), None, None);
    }
}
