//! Configuration files that are hostile as files: configuration where the gate does not read
//! it (a member's manifest), gate.toml as a directory, not UTF-8, binary, huge (over the
//! cap, which the error names), nested past any parser's depth, a key of a megabyte; and
//! `--config` files that are missing or broken. Exit 2, the file named, nothing recorded.

use super::{CONFIG, Case, DIR, Plant, args, files, runner};

/// The fixture's root manifest.
const ROOT_MANIFEST: &str = "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n";

#[test]
fn hostile_configuration_files() {
    runner::check_all("configuration files", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [not_read_there(), not_files(), huge_and_binary(), deep()].concat()
}

/// configuration where the gate does not read it.
fn not_read_there() -> Vec<Case> {
    vec![
        files(
            "gate config in a member's Cargo.toml",
            &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\nmembers = [\"member\"]\n",
                ),
                (
                    "member/Cargo.toml",
                    "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[package.metadata.gate.policy]\nprofile = \"rusty\"\n",
                ),
                ("member/src/lib.rs", "\n"),
            ],
            CONFIG,
            2,
            &[
                "member/Cargo.toml:7:",
                "[package.metadata.gate] in the manifest of member `member` is never read",
                "move these settings into gate.toml at the workspace root",
            ],
        ),
        files(
            "workspace config table in a member's Cargo.toml",
            &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\nmembers = [\"member\"]\n",
                ),
                (
                    "member/Cargo.toml",
                    "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace.metadata.gate]\nstrict = true\n",
                ),
                ("member/src/lib.rs", "\n"),
            ],
            CONFIG,
            2,
            &["member/Cargo.toml"],
        ),
        // The word never written: a member's manifest is looked into only where the word or
        // an escape is, and this one is found all the same.
        files(
            "gate config under an escaped key in a member's Cargo.toml",
            &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\nmembers = [\"member\"]\n",
                ),
                (
                    "member/Cargo.toml",
                    "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[package.metadata.\"\\u0067ate\".policy]\nprofile = \"rusty\"\n",
                ),
                ("member/src/lib.rs", "\n"),
            ],
            CONFIG,
            2,
            &["[package.metadata.gate] in the manifest of member `member` is never read"],
        ),
    ]
}

/// configuration files that are not files.
fn not_files() -> Vec<Case> {
    vec![
        files(
            "gate.toml is a directory",
            &[("gate.toml", DIR)],
            CONFIG,
            2,
            &["gate.toml", "is a directory"],
        ),
        files(
            "gate.toml is not UTF-8",
            &[("gate.toml", "\u{0}[policy]\nprofile = \"\u{FFFD}")],
            CONFIG,
            2,
            &["gate.toml"],
        ),
        files(
            "--config is a directory",
            &[("conf", DIR)],
            &["pilot", "--only", "config.valid", "--config", "conf"],
            2,
            &["conf", "is a directory"],
        ),
        args(
            "--config is missing",
            &["pilot", "--only", "config.valid", "--config", "nope.toml"],
            2,
            &["nope.toml", "cannot be read"],
        ),
        files(
            "--config syntax error",
            &[("other.toml", "[tests\n")],
            &["pilot", "--only", "config.valid", "--config", "other.toml"],
            2,
            &["other.toml:1"],
        ),
        files(
            "config in both places",
            &[
                ("gate.toml", "[policy]\nprofile = \"rusty\"\n"),
                (
                    "Cargo.toml",
                    "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[workspace.metadata.gate.policy]\nprofile = \"rusty\"\n",
                ),
            ],
            CONFIG,
            2,
            &["both gate.toml and [workspace.metadata.gate]"],
        ),
        files(
            "metadata table unknown key",
            &[(
                "Cargo.toml",
                "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[workspace.metadata.gate]\nstirct = true\n",
            )],
            CONFIG,
            2,
            &["Cargo.toml", "unknown field `stirct`"],
        ),
    ]
}

/// A gate.toml row whose file is `plant`: exit 2, gate.toml and `mentions` named.
fn config_file(name: &str, plant: Plant, mentions: &[&str]) -> Case {
    let mut case = Case::new(name, CONFIG, 2, mentions).plant("gate.toml", plant);
    case.names_gate_toml = true;
    case
}

/// Larger than any configuration, or not text.
fn huge_and_binary() -> Vec<Case> {
    let comments = "# a comment line of a configuration far larger than any real one\n";
    let huge = comments.repeat((8 << 20) / comments.len());
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 151 % 256) as u8).collect();
    let long_key = format!("[policy]\n{} = 1\n", "k".repeat(1 << 20));
    vec![
        config_file("gate.toml of 8 MiB", Plant::Text(huge.clone()), &["MiB"]),
        config_file(
            "gate.toml sparse, 64 MiB",
            Plant::Sparse(64 << 20),
            &["MiB"],
        ),
        config_file("gate.toml binary", Plant::Bytes(binary), &[]),
        config_file("gate.toml all NUL bytes", Plant::Bytes(vec![0; 4096]), &[]),
        config_file(
            "gate.toml UTF-16 with a BOM",
            Plant::Bytes(
                "\u{feff}[policy]\nprofile = \"portable\"\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect(),
            ),
            &[],
        ),
        config_file(
            "gate.toml a key of 1 MiB",
            Plant::Text(long_key),
            &["unknown field"],
        ),
        Case::new(
            "--config of 8 MiB",
            &["pilot", "--only", "config.valid", "--config", "big.toml"],
            2,
            &["big.toml", "MiB"],
        )
        .plant("big.toml", Plant::Text(huge)),
        Case::new(
            "--config that is empty text",
            &["pilot", "--only", "config.valid", "--config", ""],
            2,
            &["--config"],
        ),
    ]
}

/// Nesting past any recursive parser's stack.
fn deep() -> Vec<Case> {
    let depth = 100_000;
    let arrays = format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let tables = format!("x = {}1{}\n", "{a = ".repeat(depth), "}".repeat(depth));
    let dotted = format!("{} = 1\n", vec!["a"; depth].join("."));
    let headers = format!("[{}]\n", vec!["a"; depth].join("."));
    vec![
        config_file(
            "gate.toml arrays nested 100,000 deep",
            Plant::Text(arrays.clone()),
            &[],
        ),
        config_file(
            "gate.toml inline tables nested 100,000 deep",
            Plant::Text(tables),
            &[],
        ),
        config_file(
            "gate.toml a dotted key 100,000 parts long",
            Plant::Text(dotted),
            &[],
        ),
        config_file(
            "gate.toml a table header 100,000 parts long",
            Plant::Text(headers),
            &[],
        ),
        Case::new(
            "[workspace.metadata.gate] nested 100,000 deep",
            CONFIG,
            2,
            &["Cargo.toml"],
        )
        .plant("gate.toml", Plant::Remove)
        .plant(
            "Cargo.toml",
            Plant::Text(format!(
                "{ROOT_MANIFEST}\n[workspace.metadata.gate]\n{arrays}"
            )),
        ),
        args(
            "--config that is a URL",
            &[
                "pilot",
                "--only",
                "config.valid",
                "--config",
                "https://example.invalid/gate.toml",
            ],
            2,
            &["example.invalid"],
        ),
        files(
            "--config a directory named gate.toml",
            &[("sub/gate.toml", DIR)],
            &[
                "pilot",
                "--only",
                "config.valid",
                "--config",
                "sub/gate.toml",
            ],
            2,
            &["sub/gate.toml"],
        ),
    ]
}
