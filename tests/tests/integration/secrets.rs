//! `secrets.scan` from the outside, and the promise behind it: no secret from the fixture
//! appears anywhere in the run record, on stdout or on stderr — not even when a team check
//! prints them into its log.

use crate::support::fixture;
use insta::assert_snapshot;

/// Every long token of the fixture's secret-bearing files: the fake secrets are among them.
/// Read at run time, so this test's source holds nothing that looks like a secret.
fn secret_tokens(root: &std::path::Path) -> Vec<String> {
    let mut tokens = Vec::new();
    for file in [
        ".env",
        "config/settings.toml",
        "config/deploy.pem",
        "src/lib.rs",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for token in text.split(|c: char| c.is_whitespace() || "\"'=,;()".contains(c)) {
            let token = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            if token.len() >= 20 && token.chars().any(|c| c.is_ascii_digit()) {
                tokens.push(token.to_owned());
            }
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

fn all_files(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            all_files(&entry.path(), out);
        } else {
            out.push((
                entry.path().display().to_string(),
                std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
}

#[test]
fn leaks_fail_with_locations_and_no_secret_reaches_any_output() {
    let fx = fixture("secrets-leak");
    // A team check that prints the secrets into the record's logs.
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[[check]]\nid = \"team.dump\"\nstage = \"controlled\"\nrun = [\"sh\", \"-c\", \"cat .env config/settings.toml\"]\n",
    )
    .commit();
    let tokens = secret_tokens(&fx.root);
    assert!(
        tokens.len() >= 4,
        "the fixture should hold several secrets: {tokens:?}"
    );
    let run = fx.gate(&["controlled", "--only", "secrets.scan", "team.dump"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let report: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("secrets.scan") || l.contains("error:"))
        .collect();
    assert_snapshot!("secrets-leak", report.join("\n"));
    let mut files = Vec::new();
    all_files(&fx.out(), &mut files);
    files.push(("stdout".into(), run.stdout.into_bytes()));
    files.push(("stderr".into(), run.stderr.into_bytes()));
    let dump_log = files
        .iter()
        .find(|(p, _)| p.ends_with("logs/check-team.dump.log"))
        .expect("the team check's log is kept");
    assert!(
        String::from_utf8_lossy(&dump_log.1).contains("…["),
        "the log was redacted, not dropped"
    );
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for token in &tokens {
            assert!(!text.contains(token.as_str()), "a secret reached {path}");
        }
    }
}

#[test]
fn a_clean_tree_passes() {
    let fx = fixture("secrets-clean");
    let run = fx.gate(&["controlled", "--only", "secrets.scan"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("PASS    secrets.scan"),
        "{}",
        run.stdout
    );
}

/// A file git tracks under the target directory (force-added, despite `/target` in
/// .gitignore) is published with the repository: it is scanned like any other tracked file
/// (Orolol/speedoza tracks eleven there, and the scan passed over them).
#[test]
fn a_tracked_file_under_the_target_directory_is_scanned() {
    let fx = fixture("secrets-clean");
    let token = format!(
        "ghp_{}",
        bare_aws_secret().replace(['+', '/'], "x")[..36].to_owned()
    );
    fx.write("target/notes.txt", &format!("token = \"{token}\"\n"));
    crate::support::git(&fx.root, &["add", "-f", "target/notes.txt"]);
    fx.commit();
    let run = fx.gate(&["controlled", "--only", "secrets.scan"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains("target/notes.txt:1"),
        "the tracked file is named: {}",
        run.stdout
    );
    assert!(!run.stdout.contains(&token), "{}", run.stdout);
}

/// 40 characters of base64, made at run time (this file must hold nothing secret-looking).
fn bare_aws_secret() -> String {
    const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    (0..40)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(BASE64[(state % 64) as usize])
        })
        .collect()
}

/// Planted where the hostile-user campaign found leaks: a GitHub token in `GITHUB_WORKFLOW`
/// (written raw into environment.json), a bare AWS secret printed with no keyword (raw in a
/// log), a secret past 2 MiB of a tracked file (never scanned). None may appear raw in any
/// output format or any file of the record, and the large file's secret is found.
#[test]
fn planted_secrets_reach_no_format_and_no_file() {
    let fx = fixture("secrets-leak");
    let tokens = secret_tokens(&fx.root);
    let github = tokens
        .iter()
        .find(|t| t.starts_with("ghp_"))
        .expect("the fixture holds a GitHub token")
        .clone();
    let bare = bare_aws_secret();
    let mut large = "-- filler\n".repeat(300_000);
    large.push_str(&format!("INSERT INTO keys VALUES ('{github}');\n"));
    fx.write("data/dump.sql", &large);
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[[check]]\nid = \"team.dump\"\nstage = \"controlled\"\nrun = [\"sh\", \"-c\", \"echo \\\"creds $BARE_SECRET\\\"\"]\n",
    )
    .commit();
    let mut outputs = Vec::new();
    for format in ["text", "json", "markdown", "sarif", "junit"] {
        let mut cmd = fx.command(&[
            "controlled",
            "--only",
            "secrets.scan",
            "team.dump",
            "--format",
            format,
        ]);
        cmd.env("GITHUB_WORKFLOW", format!("deploy {github}"))
            .env("BARE_SECRET", &bare);
        let run = crate::support::run(cmd);
        assert_eq!(run.code, 1, "{format}: {}", run.transcript());
        if format == "text" {
            assert!(
                run.stdout.contains("data/dump.sql:300001"),
                "the secret past 2 MiB is found: {}",
                run.stdout
            );
        }
        outputs.push((format!("stdout of {format}"), run.stdout.into_bytes()));
        outputs.push((format!("stderr of {format}"), run.stderr.into_bytes()));
    }
    all_files(&fx.out(), &mut outputs);
    let mut planted = tokens.clone();
    planted.push(bare);
    for (path, bytes) in &outputs {
        let text = String::from_utf8_lossy(bytes);
        for secret in &planted {
            assert!(!text.contains(secret.as_str()), "a secret reached {path}");
        }
    }
    // The redacted forms are there: the environment and the log were redacted, not dropped.
    let environment = outputs
        .iter()
        .find(|(p, _)| p.ends_with("environment.json"))
        .expect("environment.json is kept");
    assert!(String::from_utf8_lossy(&environment.1).contains("…[github-token]"));
    let log = outputs
        .iter()
        .find(|(p, _)| p.ends_with("logs/check-team.dump.log"))
        .expect("the team check's log is kept");
    assert!(String::from_utf8_lossy(&log.1).contains("…[aws-secret-access-key]"));
}

/// The token formats of the ecosystems we meet — Rust registry, GitHub fine-grained, npm,
/// PyPI, Slack — planted in the environment a failing test prints, in a team check's output,
/// in a tracked file and in gate.toml: secrets.scan names them in the tree, and none reaches
/// the output or any file the gate writes (the run record and the evidence cache alike).
/// The tokens are made here, at run time: no such string stands in this repository.
#[test]
fn ecosystem_tokens_reach_no_file_the_gate_writes() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = |len: usize, alphabet: &[u8]| -> String {
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                char::from(alphabet[(state >> 33) as usize % alphabet.len()])
            })
            .collect()
    };
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const DIGITS: &[u8] = b"0123456789";
    const URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let tokens = [
        (
            "PLANTED_CARGO",
            format!("{}{}", "ci", "o") + &noise(32, ALNUM),
        ),
        (
            "PLANTED_GITHUB",
            ["github", "_pat_"].concat() + &noise(82, ALNUM),
        ),
        ("PLANTED_NPM", ["np", "m_"].concat() + &noise(36, ALNUM)),
        (
            "PLANTED_PYPI",
            ["pypi-", "AgEIcHlwaS5vcmc"].concat() + &noise(80, URL),
        ),
        (
            "PLANTED_SLACK",
            format!(
                "{}-{}-{}-{}",
                ["xo", "xb"].concat(),
                noise(11, DIGITS),
                noise(12, DIGITS),
                noise(24, ALNUM)
            ),
        ),
    ];
    let fx = fixture("clean");
    let names: Vec<&str> = tokens.iter().map(|(name, _)| *name).collect();
    fx.write(
        "tests/planted.rs",
        &format!(
            "#[test]\nfn prints_what_it_was_given() {{\n    let given: Vec<String> = {names:?}\n        .iter()\n        .map(|n| format!(\"{{n}}={{}}\", std::env::var(n).unwrap_or_default()))\n        .collect();\n    panic!(\"given: {{given:?}}\");\n}}\n"
        ),
    );
    let listed: String = tokens.iter().map(|(_, t)| format!("{t}\n")).collect();
    fx.write("data/tokens.txt", &listed);
    fx.write(
        "gate.toml",
        &format!(
            "[policy]\nprofile = \"portable\"\n\n# the deploy token, pasted by mistake: {}\n\n[[check]]\nid = \"team.echo\"\nstage = \"controlled\"\nrun = [\"sh\", \"-c\", \"echo $PLANTED_NPM $PLANTED_SLACK\"]\n",
            tokens[0].1
        ),
    )
    .commit();
    let mut outputs = Vec::new();
    for format in ["text", "json"] {
        let mut cmd = fx.command(&[
            "controlled",
            "--only",
            "secrets.scan",
            "tests.pass",
            "team.echo",
            "--format",
            format,
        ]);
        for (name, token) in &tokens {
            cmd.env(name, token);
        }
        let run = crate::support::run(cmd);
        assert_eq!(run.code, 1, "{format}: {}", run.transcript());
        if format == "text" {
            for kind in [
                "cargo-registry-token",
                "github-token",
                "npm-token",
                "pypi-token",
                "slack-token",
            ] {
                assert!(
                    run.stdout.contains(kind),
                    "{kind} not found: {}",
                    run.stdout
                );
            }
        }
        outputs.push((format!("stdout of {format}"), run.stdout.into_bytes()));
        outputs.push((format!("stderr of {format}"), run.stderr.into_bytes()));
    }
    all_files(&fx.out(), &mut outputs);
    assert!(
        outputs.iter().any(|(p, _)| p.contains("cache/blobs")),
        "the test run was cached: {:?}",
        outputs.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, bytes) in &outputs {
        let text = String::from_utf8_lossy(bytes);
        for (name, token) in &tokens {
            assert!(!text.contains(token.as_str()), "{name} reached {path}");
        }
    }
    // Redacted, not dropped: the cached test output holds what the failing test printed.
    assert!(
        outputs.iter().any(|(p, b)| p.contains("cache/blobs")
            && String::from_utf8_lossy(b).contains("PLANTED_PYPI=pypi…[pypi-token]")),
        "the cached test output is kept, redacted"
    );
}
