//! Tests of the walk's own readers: the `origin` remote, cargo's aliases, the files read
//! beside the CI files.

use super::*;

/// A checkout naming this repository by its `origin` remote is its own.
#[test]
fn the_origin_remote_names_this_repository() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    for (url, expected) in [
        ("https://github.com/Acme/App.git", Some("Acme/App")),
        ("git@github.com:acme/app.git", Some("acme/app")),
        ("ssh://git@gitlab.example/group/app", Some("group/app")),
    ] {
        std::fs::write(
            dir.path().join(".git/config"),
            format!("[core]\n\tbare = false\n[remote \"origin\"]\n\turl = {url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"),
        )
        .unwrap();
        assert_eq!(origin_repository(dir.path()).as_deref(), expected, "{url}");
    }
    std::fs::write(
        dir.path().join(".git/config"),
        "[remote \"upstream\"]\n\turl = https://h/o/n\n",
    )
    .unwrap();
    assert_eq!(origin_repository(dir.path()), None);
    let workflow = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          repository: ACME/app\n      - run: cargo test\n";
    let (scripts, _) = parse(".github/workflows/ci.yml", workflow, Some("acme/app")).unwrap();
    assert!(scripts[0].checkouts.is_empty());
    let (scripts, _) = parse(".github/workflows/ci.yml", workflow, None).unwrap();
    assert_eq!(scripts[0].checkouts[0].repository, "ACME/app");
}

/// What the walk reads beside the CI files (cargo's config, a nested manifest, git's
/// config) is never opened when it is a FIFO: the walk cannot hang on one.
#[cfg(unix)]
#[test]
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn a_fifo_in_place_of_a_config_is_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".cargo")).unwrap();
    let fifo = dir.path().join(".cargo/config.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        println!("skipped: mkfifo could not make a FIFO here");
        return;
    }
    assert_eq!(read_small(&fifo), None);
    assert!(cargo_aliases(dir.path(), None).is_empty());
    let big = dir.path().join("big");
    std::fs::write(&big, vec![b'a'; (1 << 20) + 1]).unwrap();
    assert_eq!(read_small(&big), None);
}
