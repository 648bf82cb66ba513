//! `cargo gate init`: what it writes, that it never overwrites, that a dry run writes
//! nothing, and that `--baseline` makes a workspace with findings start green.

use crate::support::{Fixture, fixture};
use insta::assert_snapshot;

/// Every file under the root (but target/ and .git/), with contents, sorted.
fn tree(fx: &Fixture) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name == "target" || name == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), root, out);
            } else {
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .display()
                    .to_string();
                out.push((rel, std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&fx.root, &fx.root, &mut out);
    out.sort();
    out
}

fn today() -> String {
    cargo_gate::init::today_utc()
}

#[test]
fn init_writes_the_three_files_and_they_hold_up() {
    let fx = fixture("clean");
    std::fs::remove_file(fx.root.join("gate.toml")).unwrap();
    fx.commit();
    let run = fx.gate(&["init"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_snapshot!("init-written", run.stdout);
    for file in [
        "gate.toml",
        "docs/READINESS.md",
        ".github/workflows/gate.yml",
    ] {
        let text = std::fs::read_to_string(fx.root.join(file)).unwrap();
        assert_snapshot!(
            format!("init-{}", file.replace('/', "-")),
            text.replace(&today(), "<today>")
        );
    }
    // The written config is valid, and the workflow passes our own ci.locked.
    fx.commit();
    let check = fx.gate(&["controlled", "--only", "config.valid", "ci.locked"]);
    assert!(
        check.stdout.contains("PASS    config.valid"),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("PASS    ci.locked"),
        "{}",
        check.stdout
    );
}

#[test]
fn init_never_overwrites_and_a_dry_run_writes_nothing() {
    let fx = fixture("clean"); // has a gate.toml already
    let before = tree(&fx);
    let refused = fx.gate(&["init"]);
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert!(refused.stderr.contains("gate.toml"), "{}", refused.stderr);
    assert_eq!(
        tree(&fx),
        before,
        "a refused init leaves the tree byte-identical"
    );
    let dry = fx.gate(&["init", "--dry-run", "--force"]);
    assert_eq!(dry.code, 0, "{}", dry.transcript());
    assert_eq!(tree(&fx), before, "a dry run writes nothing");
    let forced = fx.gate(&["init", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.transcript());
    assert_ne!(tree(&fx), before);
}

#[test]
fn a_baseline_makes_pilot_start_green() {
    let fx = fixture("unsafe-outside");
    std::fs::remove_file(fx.root.join("gate.toml")).unwrap();
    fx.commit();
    assert_eq!(
        fx.gate(&["pilot"]).code,
        1,
        "the unsafe code fails pilot before the baseline"
    );
    let run = fx.gate(&["init", "--baseline"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    fx.commit();
    let pilot = fx.gate(&["pilot"]);
    assert_eq!(pilot.code, 0, "{}", pilot.transcript());
    let config = std::fs::read_to_string(fx.root.join("gate.toml")).unwrap();
    assert!(
        config.contains("TODO: owner") || config.contains("allow-unsafe = [\"app\""),
        "{config}"
    );
}
