//! CircleCI read as its runner runs it: commands' steps with their parameters, workflows'
//! arguments and matrices, orbs and other systems' files said to be unread.

use crate::{Call, Calls, Kind, Unread, cargo_calls};

/// A repository with `.circleci/config.yml` holding `config` (and a Cargo.lock).
fn calls(config: &str) -> Calls {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".circleci")).unwrap();
    std::fs::write(dir.path().join(".circleci/config.yml"), config).unwrap();
    std::fs::write(dir.path().join("Cargo.lock"), "").unwrap();
    cargo_calls(dir.path(), None).unwrap()
}

fn summary(call: &Call) -> (String, (u32, u32), bool, String) {
    let locked = matches!(call.invocation.kind, Kind::Judged { locked: true, .. });
    (
        call.invocation.command.clone(),
        call.site.at.unwrap(),
        locked,
        call.context.clone(),
    )
}

/// snarkVM's shape: a reusable command whose `run` step reads its parameters, invoked by
/// jobs with different arguments. The written command counts once, as the worst of the
/// jobs' parameter sets, and names the set that leaves it unlocked. A job no workflow names
/// never runs.
#[test]
fn a_commands_step_is_judged_with_every_jobs_arguments() {
    let config = "\
version: 2.1
commands:
  run_serial:
    parameters:
      workspace_member:
        type: string
      flags:
        type: string
        default: \"--locked\"
    steps:
      - checkout
      - run:
          name: Test
          command: |
            cd << parameters.workspace_member >>
            cargo test << parameters.flags >>
jobs:
  algorithms:
    docker:
      - image: cimg/rust:1.81.0
    steps:
      - run_serial:
          workspace_member: algorithms
  circuit:
    docker:
      - image: cimg/rust:1.81.0
    steps:
      - run_serial:
          workspace_member: circuit
          flags: --no-default-features
  fmt:
    steps:
      - run: cargo fmt --all -- --check
      - run:
          command: cargo clippy --workspace --locked
  dead:
    steps:
      - run: cargo build
workflows:
  main:
    jobs:
      - algorithms
      - circuit
      - fmt
";
    let found = calls(config);
    let all: Vec<_> = found.calls.iter().map(summary).collect();
    assert_eq!(
        all,
        [
            (
                "cargo clippy --workspace --locked".to_owned(),
                (35, 20),
                true,
                "job `fmt`, step 2".to_owned()
            ),
            (
                "cargo test << parameters.flags >>".to_owned(),
                (16, 13),
                false,
                "command `run_serial`, step `Test`, used by jobs `algorithms` and `circuit`, \
                 parameters flags=--no-default-features"
                    .to_owned()
            ),
        ]
    );
    assert_eq!(found.calls[1].each.len(), 2, "one per job's parameter set");
    assert!(found.unread.is_empty());
}

/// A workflow's `matrix.parameters` (with `exclude`) and a pipeline parameter's default are
/// the values a job's step runs with; an argument read in the invoking job's parameters.
#[test]
fn workflow_matrices_and_pipeline_parameters_give_the_values() {
    let config = "\
version: 2.1
parameters:
  lock:
    type: string
    default: --locked
commands:
  check:
    parameters:
      member:
        type: string
    steps:
      - run: cargo check -p << parameters.member >> << pipeline.parameters.lock >>
jobs:
  verify:
    parameters:
      member:
        type: string
      extra:
        type: string
        default: \"\"
    steps:
      - check:
          member: << parameters.member >>
      - run: cargo test --workspace << parameters.extra >>
workflows:
  windows:
    jobs:
      - verify:
          matrix:
            parameters:
              member: [algorithms, circuit]
              extra: [\"--locked\", \"--release\"]
            exclude:
              - member: circuit
                extra: --release
";
    let found = calls(config);
    let all: Vec<_> = found.calls.iter().map(summary).collect();
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[0].0, "cargo test --workspace << parameters.extra >>");
    assert!(!all[0].2, "--release leaves it unlocked");
    assert_eq!(all[0].3, "job `verify`, step 2, parameters extra=--release");
    assert_eq!(
        found.calls[0].each.len(),
        3,
        "the excluded combination is not run"
    );
    assert_eq!(
        all[1].0,
        "cargo check -p << parameters.member >> << pipeline.parameters.lock >>"
    );
    assert!(all[1].2, "the pipeline parameter's default is --locked");
    let members: Vec<_> = found.calls[1]
        .each
        .iter()
        .map(|i| i.features.packages.clone())
        .collect();
    assert_eq!(members, [["algorithms"], ["circuit"]]);
}

/// A parameter no set gives is an expansion the gate cannot see; `when` branches are read;
/// an orb that runs Rust is said to be unread, another orb's step is not.
#[test]
fn unknown_parameters_warn_and_rust_orbs_are_unread() {
    let config = "\
version: 2.1
orbs:
  rust: circleci/rust@1.6.1
  node: circleci/node@5.0
jobs:
  test:
    parameters:
      flags:
        type: string
    environment:
      CARGO: cargo
    steps:
      - node/install
      - rust/test
      - when:
          condition: true
          steps:
            - run: $CARGO build << parameters.flags >>
";
    let found = calls(config);
    assert_eq!(found.calls.len(), 1);
    let call = &found.calls[0];
    assert_eq!(
        call.invocation.kind,
        Kind::Judged {
            locked: false,
            expansion: Some("<< parameters.flags >>".to_owned())
        }
    );
    assert_eq!(call.site.at, Some((18, 20)));
    assert_eq!(found.unread.len(), 1);
    let (site, unread) = &found.unread[0];
    assert_eq!(site.at, Some((14, 9)));
    assert_eq!(
        unread,
        &Unread::OrbStep {
            context: "job `test`".to_owned(),
            written: "rust/test".to_owned()
        }
    );
}

/// Another CI system's file is named, unread, beside the files that are read.
#[test]
fn other_systems_files_are_named_unread() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".travis.yml"), "script: cargo test\n").unwrap();
    std::fs::create_dir_all(dir.path().join(".buildkite")).unwrap();
    // nextest's Oxide jobs: scripts under `.github/buildomat/`, not GitHub workflows.
    std::fs::create_dir_all(dir.path().join(".github/buildomat/jobs")).unwrap();
    let found = cargo_calls(dir.path(), None).unwrap();
    let unread: Vec<_> = found
        .unread
        .iter()
        .map(|(site, unread)| (site.rel.as_str(), unread.clone()))
        .collect();
    assert_eq!(
        unread,
        [
            (
                ".travis.yml",
                Unread::System {
                    system: "Travis CI"
                }
            ),
            (
                ".buildkite",
                Unread::System {
                    system: "Buildkite"
                }
            ),
            (
                ".github/buildomat",
                Unread::System {
                    system: "Buildomat"
                }
            ),
        ]
    );
}

/// The masking the shell splitting sees, and the names it gives back.
#[test]
fn parameter_expressions_are_one_word_of_the_same_length() {
    let line = "cd << parameters.dir >> && cargo test <<parameters.f>> && cat <<EOF >> x";
    let masked = crate::shell::github_expressions_as_words(line);
    assert_eq!(masked.len(), line.len());
    assert_eq!(
        masked,
        "cd $<_parameters.dir_>> && cargo test $<parameters.f>> && cat <<EOF >> x"
    );
    assert_eq!(
        super::masked_parameter_name("$<_parameters.dir_>>"),
        Some("dir")
    );
    assert_eq!(
        super::parameter_name("<< pipeline.parameters.lock >>"),
        Some("pipeline.parameters.lock")
    );
    assert_eq!(super::parameter_name("<< pipeline.id >>"), None);
}

/// influxdb: `cargo clippy --version` prints, it builds nothing; a command on a continued
/// line is placed where `cargo` is written, not at the start of the first line.
#[test]
fn a_version_query_is_no_build_and_a_continued_line_is_placed_at_cargo() {
    let config = "\
version: 2.1
jobs:
  lint:
    steps:
      - run: cargo clippy --version
      - run: |
          rustup component add clippy && \\
            cargo clippy --workspace
workflows:
  main:
    jobs:
      - lint
";
    let found = calls(config);
    let all: Vec<_> = found
        .calls
        .iter()
        .map(|c| (c.invocation.command.as_str(), c.site.at))
        .collect();
    assert_eq!(all, [("cargo clippy --workspace", Some((8, 13)))]);
}

/// influxdb: a `when` branch runs only with the parameter sets its condition holds for, and
/// `condition: false` never runs.
#[test]
fn when_branches_run_with_the_sets_their_condition_holds_for() {
    let config = "\
version: 2.1
jobs:
  build-dev:
    parameters:
      target:
        type: string
    steps:
      - checkout
      - when:
          condition:
            equal: [ << parameters.target >>, x86_64-pc-windows-gnu ]
          steps:
            - run: cargo check --target=<< parameters.target >>
      - unless:
          condition:
            not:
              equal: [ << parameters.target >>, aarch64-apple-darwin ]
          steps:
            - run: cargo test --locked --target << parameters.target >>
      - when:
          condition: false
          steps:
            - run: cargo build
workflows:
  ci:
    jobs:
      - build-dev:
          matrix:
            parameters:
              target: [aarch64-apple-darwin, x86_64-pc-windows-gnu]
";
    let found = calls(config);
    let all: Vec<_> = found
        .calls
        .iter()
        .map(|c| {
            (
                c.invocation.command.as_str(),
                c.context.as_str(),
                c.each.len(),
            )
        })
        .collect();
    assert_eq!(
        all,
        [
            (
                "cargo check --target=<< parameters.target >>",
                "job `build-dev`, step 1, parameters target=x86_64-pc-windows-gnu",
                1
            ),
            (
                "cargo test --locked --target << parameters.target >>",
                "job `build-dev`, step 1",
                1
            ),
        ]
    );
}

/// Steps handed to a command through a `steps`-typed parameter (or to an orb's command) are
/// run where it is invoked, and judged there.
#[test]
fn steps_handed_over_as_an_argument_are_read() {
    let config = "\
version: 2.1
orbs:
  cache: acme/cache@1.0
commands:
  with_cache:
    parameters:
      steps:
        type: steps
    steps:
      - restore_cache:
          key: v1
      - steps: << parameters.steps >>
jobs:
  build:
    steps:
      - checkout
      - with_cache:
          steps:
            - run: cargo build --release
      - cache/around:
          steps:
            - run: cargo test --locked
workflows:
  ci:
    jobs:
      - build
";
    let found = calls(config);
    let all: Vec<_> = found
        .calls
        .iter()
        .map(|c| (c.invocation.command.as_str(), c.site.at, c.context.as_str()))
        .collect();
    assert_eq!(
        all,
        [
            (
                "cargo build --release",
                Some((19, 20)),
                "job `build`, step 1"
            ),
            ("cargo test --locked", Some((22, 20)), "job `build`, step 1"),
        ]
    );
}

/// A workflow's `pre-steps` and `post-steps` run in the job, with that use's parameters
/// (not the job's other uses'): an unlocked build there is found, as one in the job's own
/// steps would be (`cargo fetch` builds nothing).
#[test]
fn a_workflows_pre_and_post_steps_are_the_jobs() {
    let config = "\
version: 2.1
jobs:
  test:
    parameters:
      flags:
        type: string
        default: --locked
    steps:
      - run: cargo test << parameters.flags >>
workflows:
  main:
    jobs:
      - test:
          flags: --locked
          pre-steps:
            - run: cargo fetch
            - run: cargo build << parameters.flags >>
          post-steps:
            - run:
                name: Docs
                command: cargo doc --no-deps
      - test:
          name: test-loose
          flags: \"\"
";
    let found = calls(config);
    let all: Vec<_> = found.calls.iter().map(summary).collect();
    let contexts: Vec<_> = all
        .iter()
        .map(|c| (c.0.as_str(), c.2, c.3.as_str()))
        .collect();
    assert_eq!(
        contexts,
        [
            (
                "cargo test << parameters.flags >>",
                false,
                "job `test`, step 1, parameters flags="
            ),
            (
                "cargo build << parameters.flags >>",
                true,
                "job `test`, its pre-steps, step 2"
            ),
            (
                "cargo doc --no-deps",
                false,
                "job `test`, its post-steps, step `Docs`"
            ),
        ],
        "{all:#?}"
    );
}

/// A setup configuration hands the pipeline to a continuation file beside it: its jobs run,
/// and are read; without `setup: true` the other files of `.circleci/` are not CircleCI's.
#[test]
fn a_setup_configurations_continuation_files_are_read() {
    let setup = "\
version: 2.1
setup: true
orbs:
  path-filtering: circleci/path-filtering@1.0.0
workflows:
  generate:
    jobs:
      - path-filtering/filter:
          config-path: .circleci/continue_config.yml
";
    let continuation = "\
version: 2.1
jobs:
  build:
    steps:
      - run: cargo build --release
workflows:
  main:
    jobs: [build]
";
    for (setup_line, read) in [(true, true), (false, false)] {
        let dir = tempfile::tempdir().unwrap();
        let circleci = dir.path().join(".circleci");
        std::fs::create_dir_all(&circleci).unwrap();
        let config = if setup_line {
            setup.to_owned()
        } else {
            setup.replace("setup: true\n", "")
        };
        std::fs::write(circleci.join("config.yml"), config).unwrap();
        std::fs::write(circleci.join("continue_config.yml"), continuation).unwrap();
        std::fs::write(circleci.join("notes.txt"), "cargo build").unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), "").unwrap();
        let found = cargo_calls(dir.path(), None).unwrap();
        let all: Vec<_> = found
            .calls
            .iter()
            .map(|c| (c.site.rel.clone(), summary(c)))
            .collect();
        if read {
            assert_eq!(all.len(), 1, "{all:#?}");
            assert_eq!(all[0].0, ".circleci/continue_config.yml");
            assert_eq!(all[0].1.0, "cargo build --release");
            assert_eq!(all[0].1.1, (5, 14));
            assert!(!all[0].1.2);
        } else {
            assert!(all.is_empty(), "{all:#?}");
        }
    }
}
