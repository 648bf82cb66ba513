//! Hostile manifests and toolchain files: a Cargo.toml that does not parse, is empty, huge,
//! not UTF-8 or nested past any parser; a workspace member or a path dependency that does not
//! exist; names and editions cargo refuses; a toolchain that is not installed and a cargo
//! configuration that does not parse. A workspace cargo cannot load cannot be judged: exit 2,
//! the manifest (or member) named, never a NOT READY verdict.

use super::{Case, DIR, Plant, files, runner};

#[test]
fn hostile_manifests() {
    runner::check_all("manifests", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [manifests_and_toolchains(), workspaces(), manifest_files()].concat()
}

/// The fixture's root manifest, up to and with `[workspace]`.
const ROOT: &str = "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n";

/// A row whose root manifest is [`ROOT`] and `tail`, judged by `pilot`.
fn manifest(name: &str, tail: &str, mentions: &[&str]) -> Case {
    Case::new(name, &["pilot"], 2, mentions)
        .text("Cargo.toml", &format!("{ROOT}{tail}"))
        .may_record()
}

/// Manifests and toolchains.
fn manifests_and_toolchains() -> Vec<Case> {
    vec![
        files(
            "Cargo.toml syntax error",
            &[("Cargo.toml", "[package\nname = \"clean\"\n")],
            &["pilot"],
            2,
            &["Cargo.toml"],
        ),
        files(
            "Cargo.toml binary garbage",
            &[("Cargo.toml", "\u{0}\u{1}\u{2}garbage")],
            &["pilot"],
            2,
            &["Cargo.toml"],
        ),
        files(
            "Cargo.toml is a directory",
            &[("sub/Cargo.toml", DIR)],
            &["pilot", "--manifest-path", "sub/Cargo.toml"],
            2,
            &["sub/Cargo.toml"],
        ),
        files(
            "toolchain not installed",
            &[("rust-toolchain.toml", "[toolchain]\nchannel = \"1.20.0\"\n")],
            &["pilot", "--only", "lockfile.locked"],
            2,
            &["1.20.0", "rustup toolchain install"],
        )
        // A missing toolchain is found by running, and that run is recorded (its checks
        // could not be evaluated).
        .may_record(),
    ]
}

/// Workspaces cargo cannot load: exit 2 (could not evaluate), never 1. The gate finds them
/// by running cargo, and that run is recorded, as a missing toolchain's is.
fn workspaces() -> Vec<Case> {
    vec![
        manifest("a workspace member that does not exist", "members = [\"nope\"]\n", &["nope"]),
        manifest("a workspace member without a manifest", "members = [\"hollow\"]\n", &["hollow"])
            .plant("hollow", Plant::Dir),
        manifest(
            "a path dependency to a missing directory",
            "\n[dependencies]\ngone = { path = \"../gone\" }\n",
            &["gone"],
        ),
        manifest("a member with the root package's name", "members = [\"twin\"]\n", &["clean"])
            .text(
                "twin/Cargo.toml",
                "[package]\nname = \"clean\"\nversion = \"0.2.0\"\nedition = \"2021\"\npublish = false\n",
            )
            .text("twin/src/lib.rs", "\n"),
        Case::new("a package name that is a path", &["pilot"], 2, &["Cargo.toml"])
            .text("Cargo.toml", &ROOT.replace("name = \"clean\"", "name = \"../evil\""))
            .may_record(),
        Case::new("an edition from the future", &["pilot"], 2, &["edition"])
            .text("Cargo.toml", &ROOT.replace("2021", "2099"))
            .may_record(),
        Case::new(
            "a cargo configuration that does not parse",
            &["pilot"],
            2,
            &[".cargo/config.toml"],
        )
        .text(".cargo/config.toml", "[build\ntarget-dir = \n")
        .may_record(),
        Case::new(
            "a toolchain file that does not parse",
            &["pilot", "--only", "lockfile.locked"],
            2,
            &["rust-toolchain.toml"],
        )
        .text("rust-toolchain.toml", "[toolchain\nchannel = \n")
        .may_record(),
        // Loads, and does not resolve: the lockfile is judged (NOT READY), as any cargo
        // resolution error is.
        Case::new("a path dependency on the package itself", &["pilot"], 1, &["depends on itself"])
            .text("Cargo.toml", &format!("{ROOT}\n[dependencies]\nclean = {{ path = \".\" }}\n")),
    ]
}

/// Root manifests that are hostile as files.
fn manifest_files() -> Vec<Case> {
    let comments = "# a comment line of a manifest far larger than any real one\n";
    let depth = 100_000;
    vec![
        files(
            "Cargo.toml empty",
            &[("Cargo.toml", "")],
            &["pilot"],
            2,
            &["Cargo.toml"],
        )
        .may_record(),
        Case::new("Cargo.toml of 8 MiB", &["pilot"], 2, &["Cargo.toml", "MiB"]).text(
            "Cargo.toml",
            &format!("{ROOT}{}", comments.repeat((8 << 20) / comments.len())),
        ),
        Case::new("Cargo.toml not UTF-8", &["pilot"], 2, &["Cargo.toml"]).plant(
            "Cargo.toml",
            Plant::Bytes([ROOT.as_bytes(), b"\n# caf\xe9\n"].concat()),
        ),
        Case::new(
            "Cargo.toml nested 100,000 deep",
            &["pilot"],
            2,
            &["Cargo.toml"],
        )
        .text(
            "Cargo.toml",
            &format!(
                "{ROOT}\n[package.metadata]\nx = {}{}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        ),
        files(
            "Cargo.toml with a NUL byte",
            &[(
                "Cargo.toml",
                "[package]\nname = \"cl\u{0}ean\"\nversion = \"0.1.0\"\n",
            )],
            &["pilot"],
            2,
            &["Cargo.toml"],
        ),
        files(
            "--manifest-path names a directory",
            &[("sub", DIR)],
            &["pilot", "--manifest-path", "sub"],
            2,
            &["sub"],
        ),
    ]
}
