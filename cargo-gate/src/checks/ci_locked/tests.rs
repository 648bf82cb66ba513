//! Tests of `ci.locked` as a whole: GitHub and GitLab files judged, counted and located.

use super::*;
use crate::check::Status;
use crate::checks::testing::with_files;
use crate::config::Config;
use gate_ci::invocations::{self, invocations};

/// The check on `files` plus a committed Cargo.lock.
fn run(files: &[(&str, &str)]) -> Outcome {
    let mut all = vec![("Cargo.lock", "version = 4\n")];
    all.extend_from_slice(files);
    run_without_lock(&all)
}

fn run_without_lock(files: &[(&str, &str)]) -> Outcome {
    with_files(files, &["app"], Config::default(), |ctx| CiLocked.run(ctx))
}

/// `LOCATION SEVERITY MESSAGE-START` for each finding, for compact assertions.
fn listed(outcome: &Outcome) -> Vec<String> {
    outcome
        .findings
        .iter()
        .map(|f| {
            let at = f
                .location
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let command = f.message.split(')').next().unwrap_or_default();
            format!("{at} {:?} {command})", f.severity)
        })
        .collect()
}

#[test]
fn offline_counts_only_with_a_lockfile() {
    let offline = |lock| {
        invocations("cargo test --offline", lock, &[], None, &[])[0]
            .kind
            .clone()
    };
    assert_eq!(offline(true), Kind::judged(true));
    assert_eq!(offline(false), Kind::judged(false));
    // Without a Cargo.lock, --offline resolves afresh: not locked, and --locked cannot
    // be added before the lockfile is committed, so the one cause is lockfile.locked.
    let outcome = run_without_lock(&[(
        ".github/workflows/ci.yml",
        "jobs:\n  a:\n    steps:\n      - run: cargo test --offline\n",
    )]);
    assert_eq!(outcome.blocked_by.as_deref(), Some("lockfile.locked"));
    assert!(
        outcome.findings[0]
            .message
            .contains("does not pass --locked; with no Cargo.lock committed"),
        "{}",
        outcome.findings[0].message
    );
}

const GITHUB: &str = "\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      # - run: cargo build
      - name: Build
        run: cargo build --locked
      - run: |
          cargo fmt --check
          cargo test --workspace
          cargo build
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: cargo clippy -- -D warnings
      - run: cargo build
";

#[test]
fn github_steps_are_judged_at_their_lines() {
    let outcome = run(&[(".github/workflows/ci.yml", GITHUB)]);
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert_eq!(outcome.summary, "4 of 5 cargo invocation(s) lack --locked");
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:13:11 Error `cargo test --workspace` (job `test`, step 3)",
            ".github/workflows/ci.yml:14:11 Error `cargo build` (job `test`, step 3)",
            ".github/workflows/ci.yml:18:14 Error `cargo clippy -- -D warnings` (job `lint`, step 1)",
            ".github/workflows/ci.yml:19:14 Error `cargo build` (job `lint`, step 2)",
        ]
    );
    assert!(outcome.findings[0].message.ends_with("(fix: add --locked)"));
}

const GITLAB: &str = "\
stages: [test]
variables:
  CARGO_HOME: .cargo
.setup: &setup
  - cargo build --release
.rust: &rust
  before_script:
    - cargo fetch
    - cargo build --locked
  script:
    - cargo clippy
default:
  before_script:
    - rustup show
test:
  <<: *rust
  before_script: *setup
  script:
    - cargo test
    - |
      cargo xtask ci
      cargo check --frozen
  after_script: cargo doc --no-deps
";

#[test]
fn gitlab_jobs_templates_aliases_and_defaults_are_judged_once_where_written() {
    let outcome = run(&[(GITLAB_FILE, GITLAB), ("Cargo.lock", "")]);
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert_eq!(
        listed(&outcome),
        [
            ".gitlab-ci.yml:11:7 Error `cargo clippy` (job `.rust`, `script`)",
            ".gitlab-ci.yml:5:5 Error `cargo build --release` (job `test`, `before_script`)",
            ".gitlab-ci.yml:19:7 Error `cargo test` (job `test`, `script`)",
            ".gitlab-ci.yml:21:7 Note `cargo xtask ci` (job `test`, `script`)",
            ".gitlab-ci.yml:23:17 Error `cargo doc --no-deps` (job `test`, `after_script`)",
        ]
    );
    // The template merged into `test` is not counted again.
    assert_eq!(outcome.summary, "4 of 6 cargo invocation(s) lack --locked");
    assert!(
        outcome.findings[0]
            .message
            .contains("--frozen or --offline")
    );
}

#[test]
fn everything_locked_passes_with_counts() {
    let outcome = run(&[
        (
            ".github/workflows/ci.yaml",
            "jobs:\n  a:\n    steps:\n      - run: cargo test --locked\n",
        ),
        (
            ".github/workflows/release.yml",
            "jobs:\n  b:\n    steps:\n      - run: cargo build --release --locked\n      - run: cargo xtask dist\n",
        ),
        (".github/workflows/notes.txt", "cargo build\n"),
    ]);
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    assert_eq!(
        outcome.summary,
        "2 cargo invocation(s) in 2 CI file(s) (.github/workflows/ci.yaml, \
             .github/workflows/release.yml) all pass --locked/--frozen"
    );
    assert_eq!(outcome.findings.len(), 1, "the xtask note");
}

#[test]
fn warnings_for_no_config_no_invocations_and_expansions() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[],
            "no CI configuration (.github/workflows/*.yml, .gitlab-ci.yml or .circleci/config.yml)",
        ),
        (
            &[(
                ".github/workflows/ci.yml",
                "jobs:\n  a:\n    steps:\n      - run: make\n",
            )],
            "no cargo build/test/run invocation found in 1 CI file(s)",
        ),
        (
            &[(
                ".github/workflows/ci.yml",
                "jobs:\n  a:\n    steps:\n      - run: cargo test ${{ matrix.flags }}\n",
            )],
            "1 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml): 1 cannot be judged",
        ),
    ];
    for (files, summary) in cases {
        let outcome = run(files);
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        assert!(outcome.summary.starts_with(summary), "{}", outcome.summary);
    }
    let none = run(&[]);
    assert!(
        none.findings[0]
            .message
            .contains("`cargo gate init` writes one")
    );
}

#[test]
fn malformed_yaml_fails_with_the_parser_position() {
    let outcome = run(&[
        (".github/workflows/ci.yml", "jobs:\n  a: [1\n  b: 2\n"),
        (GITLAB_FILE, "test:\n  script: cargo test --locked\n"),
    ]);
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(outcome.summary, "1 CI file(s) are not valid YAML");
    let finding = &outcome.findings[0];
    assert!(
        finding
            .message
            .starts_with(".github/workflows/ci.yml is not valid YAML: ")
    );
    assert!(finding.message.contains("line 3"), "{}", finding.message);
    let location = finding.location.as_ref().unwrap();
    assert_eq!(
        (location.file.as_str(), location.line),
        (".github/workflows/ci.yml", Some(3))
    );
}

const LOCKED_APP: &[(&str, &str)] = &[("Cargo.lock", "version = 4\n")];

fn run_workflow(workflow: &str) -> Outcome {
    let mut files = LOCKED_APP.to_vec();
    files.push((".github/workflows/ci.yml", workflow));
    run(&files)
}

#[test]
fn cargo_behind_variables_and_cross_is_cargo() {
    let workflow = r#"env:
  CARGO: cargo
  FLAGS: --locked
jobs:
  test:
    env:
      TOOL: cross
    steps:
      - run: ${{ env.CARGO }} test --workspace
      - run: $CARGO build
      - run: ${CARGO} check --locked
      - run: $TOOL build --target aarch64-unknown-linux-gnu
      - run: cross test --locked
      - run: cargo test $FLAGS
      - run: cargo test $OTHER
"#;
    let outcome = run_workflow(workflow);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:9:14 Error `${{ env.CARGO }} test --workspace` (job `test`, step 1)",
            ".github/workflows/ci.yml:10:14 Error `$CARGO build` (job `test`, step 2)",
            ".github/workflows/ci.yml:12:14 Error `$TOOL build --target aarch64-unknown-linux-gnu` (job `test`, step 4)",
            ".github/workflows/ci.yml:15:14 Warning `cargo test $OTHER` (job `test`, step 7)",
        ]
    );
    assert_eq!(outcome.summary, "3 of 7 cargo invocation(s) lack --locked");
}

#[test]
fn cargo_action_steps_are_invocations_at_their_command_line() {
    let workflow = r#"jobs:
  build:
    steps:
      - name: cargo build
        uses: actions-rs/cargo@v1
        with:
          command: build
          args: --release --all-features
      - uses: actions-rs/cargo@v1
        with:
          use-cross: true
          command: test
          args: --locked
      - uses: actions/checkout@v4
"#;
    let outcome = run_workflow(workflow);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:7:11 Error `cargo build --release --all-features` (job `build`, step `cargo build` (`actions-rs/cargo`)"
        ]
    );
    assert_eq!(outcome.summary, "1 of 2 cargo invocation(s) lack --locked");
}

#[test]
fn the_command_line_is_located_not_the_step_name_and_repeats_count_twice() {
    let workflow = r#"jobs:
  a:
    steps:
      - name: cargo test
        run: cargo test
      - name: again
        run: |
          cargo test
          cargo test
  b:
    steps:
      - run: cargo test
"#;
    let outcome = run_workflow(workflow);
    let at: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| f.location.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(
        at,
        [
            ".github/workflows/ci.yml:5:14",
            ".github/workflows/ci.yml:8:11",
            ".github/workflows/ci.yml:9:11",
            ".github/workflows/ci.yml:12:14",
        ]
    );
    assert_eq!(outcome.summary, "4 of 4 cargo invocation(s) lack --locked");
}

#[test]
fn without_a_lockfile_only_installs_fail_and_the_rest_is_blocked() {
    let workflow =
        "jobs:\n  a:\n    steps:\n      - run: cargo test\n      - run: cargo build --release\n";
    let outcome = run_without_lock(&[(".github/workflows/ci.yml", workflow)]);
    assert_eq!(
        outcome.skip,
        Some(crate::check::SkipKind::Blocked),
        "{outcome:?}"
    );
    assert_eq!(outcome.blocked_by.as_deref(), Some("lockfile.locked"));
    let with_install = format!("{workflow}      - run: cargo install cargo-deb\n");
    let outcome = run_without_lock(&[(".github/workflows/ci.yml", with_install.as_str())]);
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert_eq!(
        outcome
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count(),
        1
    );
}
/// Runs each workflow (with a Cargo.lock) and compares its findings, as [`listed`], and
/// the start of its summary.
#[track_caller]
fn check_workflows(cases: &[(&str, &[&str], &str)]) {
    for (workflow, findings, summary) in cases {
        let outcome = run_workflow(workflow);
        assert_eq!(listed(&outcome), *findings, "{workflow}");
        assert!(
            outcome.summary.starts_with(summary),
            "{workflow}\n{}",
            outcome.summary
        );
    }
}

#[test]
fn commands_are_located_in_their_run_block_never_in_other_keys() {
    check_workflows(&[
        // A step name that repeats the command with more words, then a step that runs
        // the same command: each finding at its own `run:` line.
        (
            "jobs:\n  a:\n    steps:\n      - name: Run cargo test\n        run: cargo test\n      - run: cargo test\n",
            &[
                ".github/workflows/ci.yml:5:14 Error `cargo test` (job `a`, step `Run cargo test`)",
                ".github/workflows/ci.yml:6:14 Error `cargo test` (job `a`, step 2)",
            ],
            "2 of 2",
        ),
        // A quoted name, and an `if:` quoting the command.
        (
            "jobs:\n  a:\n    steps:\n      - name: \"cargo test\"\n        if: github.event_name == 'cargo test'\n        run: cargo test\n",
            &[".github/workflows/ci.yml:6:14 Error `cargo test` (job `a`, step `cargo test`)"],
            "1 of 1",
        ),
        // `defaults: run:` holds no script; an action's input that reads like a script
        // runs nothing.
        (
            "jobs:\n  a:\n    defaults:\n      run:\n        shell: bash\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: |\n            cargo build\n      - name: build\n        run: |\n          cargo build\n",
            &[".github/workflows/ci.yml:13:11 Error `cargo build` (job `a`, step `build`)"],
            "1 of 1",
        ),
        // Quoted, commented and folded scalars.
        (
            "jobs:\n  a:\n    steps:\n      - run: \"cargo test\"\n      - run: cargo doc # docs\n      - run: >-\n          cargo build\n          --release\n",
            &[
                ".github/workflows/ci.yml:4:15 Error `cargo test` (job `a`, step 1)",
                ".github/workflows/ci.yml:5:14 Error `cargo doc` (job `a`, step 2)",
                ".github/workflows/ci.yml:7:11 Error `cargo build --release` (job `a`, step 3)",
            ],
            "3 of 3",
        ),
        // A blank before the colon; a folded scalar of one word a line, whose first line
        // is a prefix of the step before's command (found in its own block, not there).
        (
            "jobs:\n  a:\n    steps:\n      - run : cargo build -p x\n      - run: >\n          cargo\n          check\n          --target wasm32-unknown-unknown\n",
            &[
                ".github/workflows/ci.yml:4:15 Error `cargo build -p x` (job `a`, step 1)",
                ".github/workflows/ci.yml:6:11 Error `cargo check --target wasm32-unknown-unknown` (job `a`, step 2)",
            ],
            "2 of 2",
        ),
    ]);
}

#[test]
fn counts_are_exact_across_jobs_blocks_and_repeats() {
    let workflow = "\
jobs:
  lint:
    steps:
      - name: cargo clippy and cargo test
        run: |
          cargo clippy
          cargo test
          cargo clippy --locked
          cargo test
  test:
    name: cargo test
    steps:
      - name: Run cargo test
        run: cargo test
      - run: cargo test
";
    check_workflows(&[(
        workflow,
        &[
            ".github/workflows/ci.yml:6:11 Error `cargo clippy` (job `lint`, step `cargo clippy and cargo test`)",
            ".github/workflows/ci.yml:7:11 Error `cargo test` (job `lint`, step `cargo clippy and cargo test`)",
            ".github/workflows/ci.yml:9:11 Error `cargo test` (job `lint`, step `cargo clippy and cargo test`)",
            ".github/workflows/ci.yml:14:14 Error `cargo test` (job `test`, step `Run cargo test`)",
            ".github/workflows/ci.yml:15:14 Error `cargo test` (job `test`, step 2)",
        ],
        "5 of 6 cargo invocation(s) lack --locked",
    )]);
}

#[test]
fn variables_naming_cargo_and_env_values_that_are_expressions() {
    check_workflows(&[
        // `CARGO` is cargo whatever the matrix puts in it; a flag variable whose value
        // is itself an expression cannot be judged.
        (
            "env:\n  CARGO: ${{ matrix.cargo }}\n  FLAGS: ${{ matrix.flags }}\njobs:\n  a:\n    steps:\n      - run: ${{ env.CARGO }} build --locked\n      - run: $CARGO test\n      - run: cargo build $FLAGS\n",
            &[
                ".github/workflows/ci.yml:8:14 Error `$CARGO test` (job `a`, step 2)",
                ".github/workflows/ci.yml:9:14 Warning `cargo build $FLAGS` (job `a`, step 3)",
            ],
            "1 of 3",
        ),
        // Names that say cargo; cargo's own settings and a literal non-cargo value do
        // not; a path through a variable is judged by its last part.
        (
            "env:\n  CARGO: echo\njobs:\n  a:\n    steps:\n      - run: ${{ env.CARGO_BIN }} build\n      - run: $MY_CARGO test\n      - run: ${{ matrix.cargo }} check\n      - run: '\"$CARGO_CMD\" build'\n      - run: $CARGO build\n      - run: $CARGO_HOME build\n      - run: $CARGO_HOME/bin/cargo doc\n",
            &[
                ".github/workflows/ci.yml:6:14 Error `${{ env.CARGO_BIN }} build` (job `a`, step 1)",
                ".github/workflows/ci.yml:7:14 Error `$MY_CARGO test` (job `a`, step 2)",
                ".github/workflows/ci.yml:8:14 Error `${{ matrix.cargo }} check` (job `a`, step 3)",
                ".github/workflows/ci.yml:9:15 Error `\"$CARGO_CMD\" build` (job `a`, step 4)",
                ".github/workflows/ci.yml:12:14 Error `$CARGO_HOME/bin/cargo doc` (job `a`, step 7)",
            ],
            "5 of 5",
        ),
        // A variable defined from another, at step level.
        (
            "env:\n  TOOL: cross\njobs:\n  a:\n    steps:\n      - env:\n          CARGO: ${{ env.TOOL }}\n          LOCK: --locked\n        run: $CARGO test ${LOCK}\n",
            &[],
            "1 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml) all pass",
        ),
    ]);
}

/// An expression that is an option's value (`--target ${{ matrix.target }}`, `-p $CRATE`,
/// `--features=…`) can never be `--locked`: the invocation is judged, and counted exactly.
/// Only an expression that could be a flag leaves it unjudgeable.
#[test]
fn an_expression_in_an_options_value_is_judged() {
    check_workflows(&[(
        "jobs:\n  a:\n    steps:\n      - run: cargo test --target ${{ matrix.target }} -p ${{ matrix.crate }}\n      - run: cargo build --locked --features=${{ matrix.features }}\n      - run: cargo test --target x ${{ matrix.flags }}\n",
        &[
            ".github/workflows/ci.yml:4:14 Error `cargo test --target ${{ matrix.target }} -p ${{ matrix.crate }}` (job `a`, step 1)",
            ".github/workflows/ci.yml:6:14 Warning `cargo test --target x ${{ matrix.flags }}` (job `a`, step 3)",
        ],
        "1 of 3 cargo invocation(s) lack --locked",
    )]);
}

#[test]
fn subcommands_and_expressions_from_variables_are_not_dropped() {
    check_workflows(&[
        (
            "jobs:\n  a:\n    steps:\n      - run: cargo ${{ matrix.command }} --release\n      - run: cargo $CMD --locked\n",
            &[
                ".github/workflows/ci.yml:4:14 Warning `cargo ${{ matrix.command }} --release` (job `a`, step 1)",
            ],
            "2 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml): 1 cannot be judged",
        ),
        // One expression is one value, whatever operators it holds.
        (
            "jobs:\n  a:\n    steps:\n      - run: cargo test ${{ matrix.lock && '--locked' || '' }}; cargo doc --locked\n",
            &[
                ".github/workflows/ci.yml:4:14 Warning `cargo test ${{ matrix.lock && '--locked' || '' }}` (job `a`, step 1)",
            ],
            "2 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml): 1 cannot be judged",
        ),
    ]);
    let outcome = run_workflow(
        "jobs:\n  a:\n    steps:\n      - run: cargo ${{ matrix.command }} --release\n",
    );
    assert!(
        outcome.findings[0]
            .message
            .contains("its subcommand comes from `${{ matrix.command }}`"),
        "{}",
        outcome.findings[0].message
    );
}

#[test]
fn action_steps_are_located_at_their_command_input() {
    check_workflows(&[
        // A quoted command; inputs written before `uses:`; the owner in another case.
        (
            "jobs:\n  a:\n    steps:\n      - uses: actions-rs/cargo@v1\n        with:\n          command: \"build\"\n      - with:\n          args: --release\n          command: test\n        name: cargo test\n        uses: Actions-RS/cargo@v1\n",
            &[
                ".github/workflows/ci.yml:6:11 Error `cargo build` (job `a`, step 1 (`actions-rs/cargo`)",
                ".github/workflows/ci.yml:9:11 Error `cargo test --release` (job `a`, step `cargo test` (`Actions-RS/cargo`)",
            ],
            "2 of 2",
        ),
        // The same step twice in two jobs, and a fork with cross.
        (
            "jobs:\n  a:\n    steps:\n      - uses: actions-rs/cargo@v1\n        with: {command: test}\n  b:\n    steps:\n      - uses: actions-rs/cargo@v1\n        with: {command: test}\n      - uses: clechasseur/rs-cargo@v3\n        with:\n          use-cross: true\n          command: build\n",
            &[
                ".github/workflows/ci.yml:4:9 Error `cargo test` (job `a`, step 1 (`actions-rs/cargo`)",
                ".github/workflows/ci.yml:8:9 Error `cargo test` (job `b`, step 1 (`actions-rs/cargo`)",
                ".github/workflows/ci.yml:13:11 Error `cross build` (job `b`, step 2 (`clechasseur/rs-cargo`)",
            ],
            "3 of 3",
        ),
    ]);
}

/// A matrix written out in the workflow is expanded (exclude and include applied): a flag or
/// subcommand that comes from it is judged with every combination, each written invocation
/// counts once, and the one combination that leaves it unlocked is named.
#[test]
fn matrix_values_written_in_the_workflow_are_expanded() {
    check_workflows(&[
        (
            "jobs:\n  a:\n    strategy:\n      matrix:\n        flags: ['--locked', '--frozen']\n        cmd: [test, build]\n    steps:\n      - run: cargo ${{ matrix.cmd }} ${{ matrix.flags }}\n      - run: cargo test --target ${{ matrix.target }} --locked\n",
            &[],
            "2 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml) all pass --locked/--frozen",
        ),
        (
            "jobs:\n  a:\n    strategy:\n      matrix:\n        os: [linux, windows]\n        flags: ['--locked']\n        include:\n          - os: macos\n            flags: ''\n    steps:\n      - run: cargo test ${{ matrix.flags }}\n",
            &[
                ".github/workflows/ci.yml:11:14 Error `cargo test ${{ matrix.flags }}` (job `a`, step 1, matrix os=macos, flags=)",
            ],
            "1 of 1 cargo invocation(s) lack --locked",
        ),
        (
            // The same with the unlocked combination excluded.
            "jobs:\n  a:\n    strategy:\n      matrix:\n        os: [linux, macos]\n        flags: ['--locked', '']\n        exclude:\n          - flags: ''\n    steps:\n      - run: cargo test ${{ matrix.flags }}\n",
            &[],
            "1 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml) all pass --locked/--frozen",
        ),
        (
            // The whole command from the matrix (coreylowman/dfdx): each value judged.
            "jobs:\n  a:\n    strategy:\n      matrix:\n        cmd: ['cargo build', 'cargo test --locked', 'cargo build']\n    steps:\n      - run: ${{ matrix.cmd }}\n",
            &[
                ".github/workflows/ci.yml:7:14 Error `cargo build` (job `a`, step 1, matrix cmd=cargo build)",
            ],
            "1 of 2 cargo invocation(s) lack --locked",
        ),
        (
            // A matrix GitHub computes at run time stays unjudgeable.
            "jobs:\n  a:\n    strategy:\n      matrix: ${{ fromJson(needs.plan.outputs.matrix) }}\n    steps:\n      - run: cargo test ${{ matrix.flags }}\n",
            &[
                ".github/workflows/ci.yml:6:14 Warning `cargo test ${{ matrix.flags }}` (job `a`, step 1)",
            ],
            "1 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml): 1 cannot be judged (parts come from variables), the rest pass --locked/--frozen",
        ),
    ]);
}

/// The root's CI files judged for a workspace in `crates/engine` of the repository.
fn run_below(files: &[(&str, &str)]) -> Outcome {
    let scope = std::path::Path::new("crates/engine");
    let setup = gate_ci::Setup {
        lock_exists: true,
        below: Some((
            std::path::PathBuf::from("/nonexistent"),
            scope.to_path_buf(),
        )),
        ..gate_ci::Setup::default()
    };
    let files: Vec<gate_ci::CiFile> = files
        .iter()
        .map(|(rel, text)| gate_ci::CiFile {
            rel: format!("../../{rel}"),
            text: (*text).to_owned(),
            scoped: true,
        })
        .collect();
    let mut judge = Judge {
        lock_exists: true,
        ..Judge::default()
    };
    let tally = gate_ci::walk(&setup, &files, &mut judge);
    let names: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    judge.outcome(&names, Some(scope), &tally)
}

/// A workspace below the repository's root is judged by the root's CI invocations that
/// reach it: through `working-directory` (the step's, the job's defaults), `cd` (carried
/// across lines) and `--manifest-path`; the others run elsewhere and are counted apart, and
/// one whose directory is an expansion is a note.
#[test]
fn a_workspace_below_the_root_is_judged_by_the_invocations_that_reach_it() {
    let workflow = "jobs:\n  a:\n    defaults:\n      run:\n        working-directory: crates/engine\n    steps:\n      - run: cargo test\n      - run: cargo build --locked\n        working-directory: crates/cli\n  b:\n    steps:\n      - run: |\n          cd crates/engine/sub\n          cargo doc\n          cd ../../cli && cargo test\n      - run: cargo clippy --manifest-path crates/engine/Cargo.toml\n      - run: cargo test --manifest-path=crates/cli/Cargo.toml\n      - run: cd $DIR && cargo test\n      - run: cargo build\n";
    let outcome = run_below(&[(".github/workflows/ci.yml", workflow)]);
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert_eq!(
        listed(&outcome),
        [
            "../../.github/workflows/ci.yml:7:14 Error `cargo test` (job `a`, step 1)",
            "../../.github/workflows/ci.yml:14:11 Error `cargo doc` (job `b`, step 1)",
            "../../.github/workflows/ci.yml:16:14 Error `cargo clippy --manifest-path crates/engine/Cargo.toml` (job `b`, step 2)",
            "../../.github/workflows/ci.yml:18:25 Note `cargo test` (job `b`, step 4)",
        ]
    );
    assert_eq!(outcome.summary, "3 of 3 cargo invocation(s) lack --locked");
    // Nothing reaches it: a warning that says where the repository's CI runs instead.
    let elsewhere = run_below(&[(
        ".github/workflows/ci.yml",
        "jobs:\n  a:\n    steps:\n      - run: cargo test --locked\n",
    )]);
    assert_eq!(elsewhere.status, Status::Warn, "{elsewhere:?}");
    assert_eq!(
        elsewhere.summary,
        "no cargo build/test/run invocation found reaching crates/engine (1 other(s) of the \
         repository's CI run elsewhere) in 1 CI file(s) (../../.github/workflows/ci.yml): \
         nothing to judge"
    );
}

/// A job that runs every cargo call after `cargo update` (sppark's CI, found on a real
/// repository) has nothing to judge, and says what it did not count: "none found" was false.
#[test]
fn invocations_after_cargo_update_are_said_when_nothing_else_is_judged() {
    let outcome = run(&[(
        ".github/workflows/ci.yml",
        "jobs:\n  a:\n    steps:\n      - run: |\n          cargo update\n          cargo test --release\n",
    )]);
    assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
    assert_eq!(
        outcome.summary,
        "no cargo build/test/run invocation found in 1 CI file(s) (.github/workflows/ci.yml); \
         not counted: 1 after their job rewrote Cargo.lock or a manifest: nothing to judge"
    );
}

/// The Dockerfiles CI builds and the scripts it runs are read, and their cargo calls judged
/// at their own file:line like CI's: `docker build -f`, `docker/build-push-action`'s
/// Dockerfile, a script run as `./bin/package` (and the script that one runs).
#[test]
fn dockerfiles_and_scripts_that_ci_runs_are_judged_where_written() {
    let workflow = "jobs:\n  image:\n    steps:\n      - run: docker build -t app -f docker/Dockerfile .\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          push: true\n      - run: ./bin/package --release\n";
    let outcome = run(&[
        (".github/workflows/ci.yml", workflow),
        (
            "docker/Dockerfile",
            "FROM rust:1.95 AS build\nRUN cargo chef cook --release --recipe-path recipe.json\nCOPY . .\nRUN --mount=type=cache,target=/root/.cargo \\\n    cargo build --release --locked\n",
        ),
        (
            "Dockerfile",
            "FROM rust:1.95\nRUN [\"cargo\", \"install\", \"--path\", \".\"]\n",
        ),
        (
            "bin/package",
            "#!/bin/sh\nset -e\ncargo build --release\nsh scripts/sign.sh\n",
        ),
        ("scripts/sign.sh", "cargo run --locked -p signer\n"),
    ]);
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert_eq!(
        listed(&outcome),
        [
            "docker/Dockerfile:2:5 Error `cargo chef cook --release --recipe-path recipe.json` (Dockerfile built by job `image`, step 1)",
            "Dockerfile:2:5 Error `cargo install --path .` (Dockerfile built by job `image`, step 2 (`docker/build-push-action`)",
            "bin/package:3:1 Error `cargo build --release` (script run by job `image`, step 3)",
        ]
    );
    assert_eq!(outcome.summary, "3 of 5 cargo invocation(s) lack --locked");
}

/// nushell's `cargo build ${{ env[matrix.target.options] }}`: the matrix's objects give
/// `target.options`, whose value names a top-level `env:` entry, so every combination is
/// judged with that entry's flags (truthful round 3, false verdict 3).
#[test]
fn env_entries_named_by_matrix_objects_are_expanded() {
    let workflow = "env:\n  MAIN_OPTIONS: --workspace --all-targets\n  LOCKED_OPTIONS: --workspace --locked\njobs:\n  cargo:\n    strategy:\n      matrix:\n        target:\n          - {name: Ubuntu, options: MAIN_OPTIONS, steps: [fmt, build]}\n          - {name: Windows, options: LOCKED_OPTIONS}\n        feature-flag: ['', '--features x']\n    steps:\n      - run: cargo build ${{ env[matrix.target.options] }} ${{ matrix.feature-flag }}\n      - run: cargo test ${{ env[matrix.target.options] }} --locked\n      - run: cargo doc ${{ env['LOCKED_OPTIONS'] }}\n      - run: cargo check ${{ env[matrix.target.missing] }}\n";
    let outcome = run(&[(".github/workflows/ci.yml", workflow)]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:13:14 Error `cargo build ${{ env[matrix.target.options] }} ${{ matrix.feature-flag }}` (job `cargo`, step 1, matrix target.name=Ubuntu, target.options=MAIN_OPTIONS, target.steps=Array, feature-flag=)",
            ".github/workflows/ci.yml:16:14 Warning `cargo check ${{ env[matrix.target.missing] }}` (job `cargo`, step 4)",
        ]
    );
    assert_eq!(outcome.summary, "1 of 4 cargo invocation(s) lack --locked");
}

/// meilisearch's image: `docker/build-push-action` passes `EXTRA_ARGS=${{
/// matrix.feature-flag }}` as a build argument, and the Dockerfile's `RUN cargo build …
/// ${EXTRA_ARGS}` reads it through `ARG EXTRA_ARGS`: judged with each combination's value
/// (truthful round 3, false verdict 4); `docker build --build-arg`, `ARG` defaults, global
/// `ARG`s and `ENV` likewise.
#[test]
fn dockerfile_args_take_the_build_args_ci_passes() {
    let workflow = "jobs:\n  build:\n    strategy:\n      matrix:\n        edition: [community, enterprise]\n        include:\n          - edition: community\n            feature-flag: ''\n          - edition: enterprise\n            feature-flag: '--features enterprise --locked'\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          build-args: |\n            COMMIT_SHA=${{ github.sha }}\n            EXTRA_ARGS=${{ matrix.feature-flag }}\n      - run: docker build --build-arg MODE=--locked -f docker/Dockerfile .\n";
    let outcome = run(&[
        (".github/workflows/ci.yml", workflow),
        (
            "Dockerfile",
            "FROM rust:1.95\nARG COMMIT_SHA\nARG EXTRA_ARGS\nRUN set -eux; \\\n    cargo build --release -p app ${EXTRA_ARGS}\n",
        ),
        (
            "docker/Dockerfile",
            "ARG TOOL=cargo\nFROM rust:1.95\nARG TOOL\nARG MODE=\nENV FLAGS=--frozen\nRUN $TOOL build $MODE\nRUN cargo test $FLAGS\nRUN cargo doc $UNDECLARED\n",
        ),
    ]);
    assert_eq!(
        listed(&outcome),
        [
            "Dockerfile:5:5 Error `cargo build --release -p app ${EXTRA_ARGS}` (Dockerfile built by job `build`, step 1 (`docker/build-push-action`)",
            "docker/Dockerfile:8:5 Warning `cargo doc $UNDECLARED` (Dockerfile built by job `build`, step 2)",
        ]
    );
    assert!(
        outcome.findings[0]
            .message
            .contains("(`docker/build-push-action`), matrix edition=community, feature-flag=)"),
        "{}",
        outcome.findings[0].message
    );
    assert_eq!(outcome.summary, "1 of 4 cargo invocation(s) lack --locked");
}

/// meilisearch's SDK jobs check out *another* repository (`actions/checkout` with
/// `repository:`) and run `cargo test` there: that builds the other repository's lockfile,
/// so it is a note, not counted (truthful round 3, false verdict 2). A checkout into a
/// `path:` covers only commands that run there; checking out this repository again at the
/// root ends it, and a checkout naming this repository (its origin) is its own.
#[test]
fn commands_in_a_checkout_of_another_repository_are_not_judged() {
    let workflow = "jobs:\n  sdk:\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          repository: acme/sdk-rust\n      - run: cargo build --verbose\n      - uses: actions/checkout@v4\n      - run: cargo test\n  side:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/checkout@v4\n        with:\n          repository: acme/tools\n          path: tools\n      - run: cd tools && cargo build --release && cd .. && cargo build\n      - run: cargo run --manifest-path tools/Cargo.toml\n      - uses: actions/checkout@v4\n        with:\n          repository: ${{ github.repository }}\n          path: again\n      - run: cd again && cargo check\n";
    let outcome = run(&[(".github/workflows/ci.yml", workflow)]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:7:14 Note `cargo build --verbose` (job `sdk`, step 2)",
            ".github/workflows/ci.yml:9:14 Error `cargo test` (job `sdk`, step 4)",
            ".github/workflows/ci.yml:17:26 Note `cargo build --release` (job `side`, step 3)",
            ".github/workflows/ci.yml:17:60 Error `cargo build` (job `side`, step 3)",
            ".github/workflows/ci.yml:18:14 Note `cargo run --manifest-path tools/Cargo.toml` (job `side`, step 4)",
            ".github/workflows/ci.yml:23:26 Error `cargo check` (job `side`, step 6)",
        ]
    );
    assert_eq!(outcome.summary, "3 of 3 cargo invocation(s) lack --locked");
    assert!(
        outcome.findings[0]
            .message
            .contains("runs in a checkout of acme/sdk-rust (actions/checkout"),
        "{}",
        outcome.findings[0].message
    );
    assert!(
        outcome.findings[2]
            .message
            .contains("acme/tools in `tools`")
    );
}

/// meilisearch's `cargo xtask bench …`: `.cargo/config.toml` makes `xtask` an alias for
/// `run --release --package xtask --`, a build without --locked, so it is judged as the
/// words it stands for (aliases of aliases followed, the command's own words after them);
/// an alias of a built-in subcommand is ignored, as cargo ignores it, and `cargo xtask`
/// with no alias defined stays a note.
#[test]
fn cargo_aliases_are_judged_as_what_they_run() {
    let config = "[alias]\nxtask = \"run --release --package xtask --\"\nci = [\"xtask\", \"ci\"]\nsafe = \"run --locked -p tool --\"\nbuild = \"build --locked\"\n";
    let workflow = "jobs:\n  a:\n    steps:\n      - run: cargo xtask bench --locked\n      - run: cargo ci\n      - run: cargo safe -- go\n      - run: cargo build\n      - run: cargo --locked xtask test\n";
    let outcome = run(&[
        (".cargo/config.toml", config),
        (".github/workflows/ci.yml", workflow),
    ]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:4:14 Error `cargo xtask bench --locked` (job `a`, step 1; the cargo alias `xtask` runs `cargo run --release --package xtask --`)",
            ".github/workflows/ci.yml:5:14 Error `cargo ci` (job `a`, step 2; the cargo alias `ci` runs `cargo run --release --package xtask -- ci`)",
            ".github/workflows/ci.yml:7:14 Error `cargo build` (job `a`, step 4)",
        ]
    );
    assert_eq!(outcome.summary, "3 of 5 cargo invocation(s) lack --locked");
    let without = run(&[(
        ".github/workflows/ci.yml",
        "jobs:\n  a:\n    steps:\n      - run: cargo xtask ci\n",
    )]);
    assert_eq!(
        listed(&without),
        [".github/workflows/ci.yml:4:14 Note `cargo xtask ci` (job `a`, step 1)"]
    );
}

/// tokenizers' CI runs `make test`, which runs `cargo test`: the recipes a `make` or `just`
/// command runs (with their prerequisites, the file's variables and the command line's) are
/// judged at the Makefile's or justfile's own line, each recipe line in a shell of its own;
/// qdrant's `xx-cargo` is cargo.
#[test]
fn make_and_just_recipes_that_ci_runs_are_judged_where_written() {
    let workflow = "jobs:\n  a:\n    steps:\n      - run: make test\n      - run: make -C tools FLAGS=--locked\n      - run: just ci --frozen\n      - run: just\n";
    let outcome = run(&[
        (".github/workflows/ci.yml", workflow),
        (
            "Makefile",
            "CARGO ?= cargo\n.PHONY: test\ntest: build\n\t@$(CARGO) test --all\n\nbuild:\n\tcd sub\n\tcargo build --locked\n\nlint:\n\tcargo clippy\n",
        ),
        (
            "tools/GNUmakefile",
            "all:\n\tcargo build $(FLAGS)\n\t$(MAKE) -C .. build\n",
        ),
        (
            "justfile",
            "default: lint\n\nci *args:\n    cargo test {{args}}\n\nlint:\n    xx-cargo clippy\n",
        ),
    ]);
    assert_eq!(
        listed(&outcome),
        [
            "Makefile:4:3 Error `$(CARGO)",
            "justfile:7:5 Error `xx-cargo clippy` (`just default lint` run by job `a`, step 4)",
        ]
    );
    assert!(
        outcome.findings[0]
            .message
            .starts_with("`$(CARGO) test --all` (`make test build` run by job `a`, step 1)"),
        "{}",
        outcome.findings[0].message
    );
    assert_eq!(outcome.summary, "2 of 5 cargo invocation(s) lack --locked");
    let pass = run(&[
        (".github/workflows/ci.yml", workflow),
        (
            "Makefile",
            "test:
	cargo test --locked
",
        ),
    ]);
    assert_eq!(pass.status, Status::Pass, "{pass:?}");
    assert!(
        pass.summary
            .contains("and 1 file(s) they build or run (Makefile)"),
        "{}",
        pass.summary
    );
}

/// A job whose purpose is to rewrite Cargo.lock (`cargo update`, then the tests against the
/// newest versions) cannot pass --locked after it: its later invocations are notes, not
/// counted; `cargo update --workspace` or `--dry-run` rewrites nothing, and other jobs are
/// judged as ever.
#[test]
fn a_job_that_updates_the_lockfile_on_purpose_is_not_asked_for_locked() {
    let workflow = "jobs:\n  latest:\n    steps:\n      - run: cargo build\n      - run: cargo update && cargo test\n      - run: cargo test --release; cargo install cargo-nextest\n  check:\n    steps:\n      - run: cargo update --dry-run\n      - run: cargo test\n  gitlab-like:\n    steps:\n      - run: |\n          cargo generate-lockfile\n          cargo test -p core\n";
    let outcome = run(&[(".github/workflows/ci.yml", workflow)]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:4:14 Error `cargo build` (job `latest`, step 1)",
            ".github/workflows/ci.yml:5:30 Note `cargo test` (job `latest`, step 2)",
            ".github/workflows/ci.yml:6:14 Note `cargo test --release` (job `latest`, step 3)",
            ".github/workflows/ci.yml:6:36 Error `cargo install cargo-nextest` (job `latest`, step 3)",
            ".github/workflows/ci.yml:10:14 Error `cargo test` (job `check`, step 2)",
            ".github/workflows/ci.yml:15:11 Note `cargo test -p core` (job `gitlab-like`, step 1)",
        ]
    );
    assert_eq!(outcome.summary, "3 of 3 cargo invocation(s) lack --locked");
    assert!(
        outcome.findings[1]
            .message
            .contains("runs after `cargo update` in its job"),
        "{}",
        outcome.findings[1].message
    );
    let at = |line: &str| invocations::rewrites_lockfile(line).map(|(at, _)| at);
    assert_eq!(at("cargo update -p serde --precise 1.0.200"), Some(0));
    assert_eq!(at("cargo update -w"), None);
    assert_eq!(at("echo cargo update"), None);
    // meilisearch's version bump: the manifest is edited, then `cargo build` rewrites the
    // lockfile to match, and the job commits both.
    assert_eq!(
        invocations::rewrites_lockfile("sd '^version = \"1\"$' \"$new\" Cargo.toml"),
        Some((0, "sd '^version = \"1\"$' \"$new\" Cargo.toml".to_owned()))
    );
    assert_eq!(at("sed -i 's/a/b/' crates/x/Cargo.toml"), Some(0));
    assert_eq!(at("sed 's/a/b/' Cargo.toml"), None);
    assert_eq!(at("cargo set-version --bump patch"), Some(0));
    assert_eq!(at("grep version Cargo.toml"), None);
}

/// A directory below the workspace with a `[workspace]` of its own (a `fuzz/` workspace,
/// qdrant's `lib/edge/publish`, where its justfile's `[working-directory: 'publish']`
/// recipes run) builds that workspace's lockfile: its invocations are counted apart.
#[test]
fn invocations_in_a_workspace_of_their_own_are_counted_apart() {
    let workflow = "jobs:\n  a:\n    steps:\n      - run: cd fuzz && cargo build\n      - run: cargo test --manifest-path fuzz/Cargo.toml\n      - run: cargo test\n      - run: cd crates/member && cargo build\n      - run: just -f lib/edge/Justfile build\n";
    let outcome = run(&[
        (".github/workflows/ci.yml", workflow),
        (
            "fuzz/Cargo.toml",
            "[package]\nname = \"fuzz\"\n\n[workspace]\nmembers = [\".\"]\n",
        ),
        ("crates/member/Cargo.toml", "[package]\nname = \"member\"\n"),
        (
            "lib/edge/Justfile",
            "[working-directory: 'publish']\nbuild:\n  ./cargo build -p examples\n",
        ),
        (
            "lib/edge/publish/Cargo.toml",
            "[workspace]\nmembers = [\"examples\"]\n",
        ),
    ]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:4:25 Note `cargo build` (job `a`, step 1)",
            ".github/workflows/ci.yml:5:14 Note `cargo test --manifest-path fuzz/Cargo.toml` (job `a`, step 2)",
            ".github/workflows/ci.yml:6:14 Error `cargo test` (job `a`, step 3)",
            ".github/workflows/ci.yml:7:34 Error `cargo build` (job `a`, step 4)",
            "lib/edge/Justfile:3:3 Note `./cargo build -p examples` (`just build` run by job `a`, step 5)",
        ]
    );
    assert_eq!(outcome.summary, "2 of 2 cargo invocation(s) lack --locked");
    let pass = run(&[
        (
            ".github/workflows/ci.yml",
            "jobs:\n  a:\n    steps:\n      - run: cd fuzz && cargo build\n      - run: cargo test --locked\n",
        ),
        (
            "fuzz/Cargo.toml",
            "[package]\nname = \"fuzz\"\n\n[workspace]\n",
        ),
    ]);
    assert!(
        pass.summary
            .ends_with("; not counted: 1 in other workspaces of the repository (1 in fuzz) all pass --locked/--frozen"),
        "{}",
        pass.summary
    );
}

/// risc0: a step that runs in another repository's checkout through `working-directory: ${{
/// env.X }}` (the workflow's `env:` names the checkout's path), and one that builds a project
/// CI generates under `${{ runner.temp }}`, build no lockfile of this workspace: notes. A
/// `working-directory` that names this workspace through the same kind of variable is judged.
#[test]
fn a_directory_named_through_env_and_a_manifest_outside_the_repository() {
    let workflow = "env:\n  OTHER_PATH: ${{ github.workspace }}/other\n  HERE: ${{ github.workspace }}\n\
                    jobs:\n  test:\n    steps:\n      - uses: actions/checkout@v4\n      \
                    - uses: actions/checkout@v4\n        with:\n          repository: example-org/downstream\n          \
                    path: other\n      - run: cargo test --workspace\n        working-directory: ${{ env.OTHER_PATH }}\n      \
                    - run: cargo build\n        working-directory: ${{ env.HERE }}\n      \
                    - run: cargo run --release --manifest-path ${{ runner.temp }}/template-test/Cargo.toml\n";
    let outcome = run(&[(".github/workflows/ci.yml", workflow)]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:12:14 Note `cargo test --workspace` (job `test`, step 3)",
            ".github/workflows/ci.yml:14:14 Error `cargo build` (job `test`, step 4)",
            ".github/workflows/ci.yml:16:14 Note `cargo run --release --manifest-path ${{ runner.temp }}/template-test/Cargo.toml` (job `test`, step 5)",
        ]
    );
    assert!(
        outcome.findings[2]
            .message
            .contains("outside the repository"),
        "{}",
        outcome.findings[2].message
    );
    let passing = "jobs:\n  a:\n    steps:\n      - run: cargo build --locked\n      \
                   - run: cargo run --manifest-path $RUNNER_TEMP/t/Cargo.toml\n";
    let outcome = run(&[(".github/workflows/ci.yml", passing)]);
    assert!(
        outcome
            .summary
            .contains("; not counted: 1 building a manifest outside the repository"),
        "{}",
        outcome.summary
    );
}

/// TEI: `docker/build-push-action` builds `file: ${{ matrix.dockerfile }}`. With the matrix
/// written out, each Dockerfile it names is read and judged; computed at run time
/// (`fromJson(..)`), the Dockerfile cannot be named: a warning, never a silent pass.
#[test]
fn a_dockerfile_named_by_the_matrix_is_read_or_said() {
    let job = |matrix: &str| {
        format!(
            "jobs:\n  image:\n    strategy:\n      matrix: {matrix}\n    steps:\n      \
             - uses: actions/checkout@v4\n      - uses: docker/build-push-action@v6\n        \
             with:\n          file: ${{{{ matrix.dockerfile }}}}\n  test:\n    steps:\n      \
             - run: cargo test --locked\n"
        )
    };
    let dockerfile = ("Dockerfile-cuda", "FROM rust\nRUN cargo build --release\n");
    let written = job("{ dockerfile: [Dockerfile-cuda] }");
    let outcome = run(&[(".github/workflows/ci.yml", &written), dockerfile]);
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert!(
        listed(&outcome)[0].starts_with("Dockerfile-cuda:2:5 Error `cargo build --release`"),
        "{:?}",
        listed(&outcome)
    );
    let computed = job("${{ fromJson(needs.matrix.outputs.matrix) }}");
    let outcome = run(&[(".github/workflows/ci.yml", &computed), dockerfile]);
    assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
    assert!(
        outcome
            .summary
            .contains("1 Dockerfile(s) CI builds cannot be named"),
        "{}",
        outcome.summary
    );
    assert!(
        listed(&outcome)[0]
            .starts_with(".github/workflows/ci.yml:7:9 Warning `${{ matrix.dockerfile }}`"),
        "{:?}",
        listed(&outcome)
    );
}

/// TEI's `Dockerfile-intel`: a `RUN cargo …` in a stage the built target never needs
/// (`grpc-builder`, built only for `--target grpc`) never runs, so it is not judged; built
/// for that target, it is.
#[test]
fn a_dockerfile_stage_the_build_never_reaches_is_not_judged() {
    let dockerfile = "FROM rust AS builder\nRUN cargo build --locked\n\
                      FROM rust AS grpc-builder\nRUN cargo build --release\n\
                      FROM debian AS grpc\nCOPY --from=grpc-builder /b /b\n\
                      FROM debian\nCOPY --from=builder /a /a\n";
    let workflow = |with: &str| {
        format!(
            "jobs:\n  image:\n    steps:\n      - uses: docker/build-push-action@v6\n        \
             with:\n          file: Dockerfile\n{with}"
        )
    };
    let last = workflow("");
    let outcome = run(&[
        (".github/workflows/ci.yml", &last),
        ("Dockerfile", dockerfile),
    ]);
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    let grpc = workflow("          target: grpc\n");
    let outcome = run(&[
        (".github/workflows/ci.yml", &grpc),
        ("Dockerfile", dockerfile),
    ]);
    assert_eq!(
        listed(&outcome),
        [
            "Dockerfile:4:5 Error `cargo build --release` (Dockerfile built by job `image`, step 1 (`docker/build-push-action`)"
        ]
    );
}

/// CircleCI is read: a GitHub workflow that passes --locked no longer hides a CircleCI job
/// that does not (snarkVM runs its tests there). Another CI system's file, or cargo-make's
/// tasks, are said to be unread, a warning, never a pass; alone, another system's file is
/// not "no CI configuration".
#[test]
fn circleci_is_judged_and_other_systems_are_said_unread() {
    let github = (
        ".github/workflows/ci.yml",
        "jobs:\n  a:\n    steps:\n      - run: cargo test --locked\n",
    );
    let circleci = (
        ".circleci/config.yml",
        "version: 2.1\njobs:\n  test:\n    steps:\n      - checkout\n      - run: cargo test --workspace\n",
    );
    let outcome = run(&[github, circleci]);
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert_eq!(
        listed(&outcome),
        [".circleci/config.yml:6:14 Error `cargo test --workspace` (job `test`, step 2)"]
    );
    let travis = (".travis.yml", "script: cargo test\n");
    let outcome = run(&[github, travis]);
    assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
    assert!(
        outcome.summary.contains(
            "1 CI file(s) or command(s) the gate does not read, whose cargo calls are not judged"
        ),
        "{}",
        outcome.summary
    );
    assert_eq!(outcome.findings[0].code.as_deref(), Some("not-read"));
    assert!(
        outcome.findings[0]
            .message
            .starts_with(".travis.yml configures Travis CI, which the gate does not read"),
        "{}",
        outcome.findings[0].message
    );
    // ceno's shape: `cargo make TASK` runs Makefile.toml's tasks, unread: a warning.
    let make = (
        ".github/workflows/ci.yml",
        "jobs:\n  a:\n    steps:\n      - run: cargo test --locked\n      - run: cargo make tests\n      - run: cargo make --version\n",
    );
    let outcome = run(&[make]);
    assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
    assert_eq!(
        listed(&outcome),
        [".github/workflows/ci.yml:5:14 Warning `cargo make tests` (job `a`, step 2)"]
    );
    let outcome = run(&[travis]);
    assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
    assert!(
        outcome
            .summary
            .starts_with("no CI configuration the gate reads"),
        "{}",
        outcome.summary
    );
}

/// iris-mpc: a step runs a script inside a service's container, by its path there
/// (`/src/app/scripts/…`); the repository's file with the longest such tail is read.
#[test]
fn a_script_run_in_a_container_is_read_by_its_path_there() {
    let workflow = "jobs:\n  e2e:\n    steps:\n      - run: cargo build --locked\n      - run: docker compose -f compose.yaml exec -T tests /src/app/scripts/e2e.sh\n";
    let outcome = run(&[
        (".github/workflows/ci.yml", workflow),
        (
            "scripts/e2e.sh",
            "#!/bin/bash\nset -e\ncargo test --release\n",
        ),
    ]);
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert_eq!(
        listed(&outcome),
        [
            "scripts/e2e.sh:3:1 Error `cargo test --release` (script run in a container by job `e2e`, step 2)"
        ]
    );
}

/// ion's GitLab CI runs `FULL=1 make tests` and gitui's `cargo install cargo-wix --version
/// 0.3.3`: a variable set for a command does not hide the recipes or the script it runs,
/// and `cargo install`'s `--version` names what it builds (it asks for nothing).
#[test]
fn variables_before_a_command_and_an_installs_version_hide_no_build() {
    let gitlab = "test:\n  script:\n    - cargo build --locked\n    - FULL=1 make tests\n    - CI=1 A_B=x ./ci/t.sh\n    - cargo install cargo-wix --version 0.3.3\n    - cargo install --version\n";
    let outcome = run(&[
        (".gitlab-ci.yml", gitlab),
        ("Makefile", "tests:\n\tcargo test\n"),
        ("ci/t.sh", "cargo build --release\n"),
    ]);
    assert_eq!(
        listed(&outcome),
        [
            "Makefile:2:2 Error `cargo test` (`make tests` run by job `test`, `script`)",
            "ci/t.sh:1:1 Error `cargo build --release` (script run by job `test`, `script`)",
            ".gitlab-ci.yml:6:7 Error `cargo install cargo-wix --version 0.3.3` (job `test`, \
             `script`)",
        ]
    );
    assert_eq!(outcome.summary, "3 of 4 cargo invocation(s) lack --locked");
}

/// mahout publishes wheels built by maturin, which runs cargo: `maturin build` (and
/// `develop`, `publish`, `python -m maturin …`, `PyO3/maturin-action`) is judged like a
/// cargo build, locked by `--locked`/`--frozen` or by `locked`/`frozen` in `[tool.maturin]`
/// of the `pyproject.toml` beside the crate it builds (`-m`'s directory); installing maturin
/// builds nothing of ours.
#[test]
fn maturin_builds_are_judged_with_their_pyproject() {
    let workflow = "\
jobs:
  wheels:
    steps:
      - run: pip install maturin
      - run: maturin build --release
      - run: python -m maturin develop --locked
      - run: maturin build -m py/Cargo.toml
      - run: maturin --version
      - uses: PyO3/maturin-action@v1
        with:
          args: --release --out dist
      - uses: PyO3/maturin-action@v1
        with:
          command: build
          args: --release --locked
      - uses: PyO3/maturin-action@v1
        with:
          working-directory: py
          args: --release
";
    let outcome = run(&[
        (".github/workflows/ci.yml", workflow),
        ("py/pyproject.toml", "[tool.maturin]\nlocked = true\n"),
    ]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:5:14 Error `maturin build --release` (job `wheels`, step 2)",
            ".github/workflows/ci.yml:9:9 Error `maturin build --release --out dist` (job \
             `wheels`, step 6 (`PyO3/maturin-action`)",
        ]
    );
    assert_eq!(outcome.summary, "2 of 6 cargo invocation(s) lack --locked");
}

/// ion's Makefile: a recipe's shell loop continued with `\`; the cargo call is placed on its
/// own physical line, as on a continued line of a CI script, and shown as written there
/// (`$(ARG)`, not the masked copy's `${ARG}`).
#[test]
fn a_continued_recipe_line_is_placed_at_cargo() {
    let outcome = run(&[
        (".gitlab-ci.yml", "test:\n  script:\n    - make tests\n"),
        (
            "Makefile",
            "ARG ?= +stable\ntests:\n\tfor crate in members/*; do \\\n\t\tcargo $(ARG) test --manifest-path $$crate/Cargo.toml; \\\n\tdone\n",
        ),
    ]);
    assert_eq!(listed(&outcome), ["Makefile:4:3 Error `cargo $(ARG)"]);
    assert!(
        outcome.findings[0].message.starts_with(
            "`cargo $(ARG) test --manifest-path $$crate/Cargo.toml` (`make tests` run by job"
        ),
        "shown as written: {}",
        outcome.findings[0].message
    );
}

/// nextest's release uploads binaries built by `taiki-e/upload-rust-binary-action`: a
/// `cargo build --release` of its own, locked only with `locked: true`.
#[test]
fn an_upload_rust_binary_step_is_a_release_build() {
    let workflow = "\
jobs:
  upload:
    steps:
      - uses: taiki-e/upload-rust-binary-action@v1
        with:
          bin: app
      - uses: taiki-e/upload-rust-binary-action@v1
        with:
          bin: app
          locked: true
";
    let outcome = run(&[(".github/workflows/release.yml", workflow)]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/release.yml:4:9 Error `cargo build --release` (job `upload`, step 1 (`taiki-e/upload-rust-binary-action`)"
        ]
    );
    assert_eq!(outcome.summary, "1 of 2 cargo invocation(s) lack --locked");
}

/// zksync-airbender's Dockerfile opens with box-drawing characters (`# ┌───`): the reader
/// sliced the line's first three bytes as a `str` and panicked (and the run hung). Any UTF-8
/// at a line's start is read, and the `RUN` after it judged.
#[test]
fn a_dockerfile_line_may_open_with_any_utf8() {
    let outcome = run(&[
        (
            ".github/workflows/d.yml",
            "jobs:\n  d:\n    steps:\n      - run: docker build -f Dockerfile .\n",
        ),
        (
            "Dockerfile",
            "# ┌─┐ image\nFROM rust\nRUN cargo build --release\né\n",
        ),
    ]);
    assert_eq!(
        listed(&outcome),
        ["Dockerfile:3:5 Error `cargo build --release` (Dockerfile built by job `d`, step 1)"]
    );
}

/// zksync-airbender runs `cargo install cargo-binutils` with `working-directory:` a nested
/// workspace: it builds cargo-binutils' own lockfile wherever it runs, so it is judged (a
/// `cargo build` there builds the nested workspace's, and is not counted).
#[test]
fn an_install_in_a_nested_workspace_is_judged() {
    let workflow = "\
jobs:
  tools:
    steps:
      - run: cargo build --locked
      - run: cargo install cargo-binutils
        working-directory: tools/sub
      - run: cargo build
        working-directory: tools/sub
";
    let outcome = run(&[
        (".github/workflows/ci.yml", workflow),
        (
            "tools/sub/Cargo.toml",
            "[workspace]\n[package]\nname = \"sub\"\n",
        ),
    ]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/workflows/ci.yml:5:14 Error `cargo install cargo-binutils` (job `tools`, step 2)",
            ".github/workflows/ci.yml:7:14 Note `cargo build` (job `tools`, step 3)",
        ]
    );
    assert_eq!(outcome.status, crate::check::Status::Fail);
}

/// pydantic-core builds its PGO wheels in a local composite action (`uses:
/// ./.github/actions/build-pgo-wheel`): its steps are read as a job's, named by the action;
/// an action no workflow uses is not.
#[test]
fn a_local_composite_actions_steps_are_read() {
    let workflow = "jobs:\n  a:\n    steps:\n      - run: cargo build --locked\n      - uses: ./.github/actions/wheel\n        with:\n          args: --release\n";
    let action = "\
name: wheel
runs:
  using: composite
  steps:
    - uses: PyO3/maturin-action@v1
      with:
        args: --release --out dist
    - run: cargo build --release
      shell: bash
";
    let outcome = run(&[
        (".github/workflows/ci.yml", workflow),
        (".github/actions/wheel/action.yml", action),
        (".github/actions/unused/action.yml", action),
    ]);
    assert_eq!(
        listed(&outcome),
        [
            ".github/actions/wheel/action.yml:5:7 Error `maturin build --release --out dist` (action `.github/actions/wheel`, step 1 (`PyO3/maturin-action`)",
            ".github/actions/wheel/action.yml:8:12 Error `cargo build --release` (action `.github/actions/wheel`, step 2)",
        ]
    );
    assert_eq!(outcome.summary, "2 of 3 cargo invocation(s) lack --locked");
}
