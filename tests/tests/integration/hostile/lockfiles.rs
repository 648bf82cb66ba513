//! Hostile lockfiles: garbage, binary, a merge conflict left in, a format version from the
//! future, a lockfile that lists what the manifest does not (or twice), one git does not
//! track. `lockfile.locked` judges them: NOT READY (exit 1) with Cargo.lock named, the
//! checks that need the graph blocked, never a panic or a run that waits.

use super::{Case, Plant, runner};

#[test]
fn hostile_lockfiles() {
    runner::check_all("lockfiles", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [broken(), inconsistent()].concat()
}

/// `pilot --only lockfile.locked` on `lock` as Cargo.lock: NOT READY, Cargo.lock named.
fn lockfile(name: &str, lock: Plant) -> Case {
    Case::new(
        name,
        &["pilot", "--only", "lockfile.locked"],
        1,
        &["FAIL    lockfile.locked", "Cargo.lock"],
    )
    .plant("Cargo.lock", lock)
}

fn text(text: &str) -> Plant {
    Plant::Text(text.to_owned())
}

/// Lockfiles that do not parse.
fn broken() -> Vec<Case> {
    vec![
        lockfile("Cargo.lock garbage", text("garbage garbage\n")),
        lockfile(
            "Cargo.lock binary",
            Plant::Bytes((0..2048u32).map(|i| (i * 97 % 256) as u8).collect()),
        ),
        lockfile(
            "Cargo.lock with merge conflict markers",
            text(
                "version = 3\n\n<<<<<<< HEAD\n[[package]]\nname = \"clean\"\nversion = \"0.1.0\"\n=======\n[[package]]\nname = \"clean\"\nversion = \"0.2.0\"\n>>>>>>> other\n",
            ),
        ),
        lockfile(
            "Cargo.lock of a format version from the future",
            text("version = 99\n\n[[package]]\nname = \"clean\"\nversion = \"0.1.0\"\n"),
        ),
        lockfile(
            "Cargo.lock with a package without a name",
            text("version = 3\n\n[[package]]\nversion = \"0.1.0\"\n"),
        ),
        lockfile(
            "Cargo.lock nested 10,000 deep",
            Plant::Text(format!(
                "version = 3\nx = {}{}\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            )),
        ),
    ]
}

/// Lockfiles that parse and do not fit the workspace.
fn inconsistent() -> Vec<Case> {
    vec![
        lockfile(
            "Cargo.lock the same package twice, two versions",
            text(
                "version = 3\n\n[[package]]\nname = \"clean\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"clean\"\nversion = \"0.1.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"0000000000000000000000000000000000000000000000000000000000000000\"\n",
            ),
        ),
        lockfile(
            "Cargo.lock without the workspace's package",
            text("version = 3\n\n[[package]]\nname = \"other\"\nversion = \"9.9.9\"\n"),
        ),
        lockfile(
            "Cargo.lock holding an older version of the package",
            text("version = 3\n\n[[package]]\nname = \"clean\"\nversion = \"0.0.9\"\n"),
        ),
        Case::new(
            "Cargo.lock not tracked by git",
            &["pilot", "--only", "lockfile.locked"],
            1,
            &["FAIL    lockfile.locked", "Cargo.lock"],
        )
        .prepare(untrack_lockfile),
    ]
}

/// `git rm --cached Cargo.lock` and a commit: the file stays, git no longer tracks it.
fn untrack_lockfile(fx: &super::Fixture) {
    runner::git(fx, &["rm", "-q", "--cached", "Cargo.lock"]);
    runner::git(fx, &["commit", "-q", "-m", "untrack the lockfile"]);
}
