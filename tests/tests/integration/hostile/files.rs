//! Special files where the gate expects a file: FIFOs (whoever opens one for reading blocking
//! waits for a writer that never comes), sockets, devices (`/dev/zero` never ends,
//! `/dev/urandom` never ends either), symbolic links out of the repository, dangling and
//! looping links, directories. The contract: every file the gate reads is opened without
//! blocking, and a FIFO, socket or device is refused with exit 2 and a message naming the
//! file; a link from the repository to a file outside it is refused the same way (a
//! `--config` given on the command line is the user's own choice and may live anywhere).
//! Special files among the sources are skipped, not waited on. Every row is killed at its
//! bound, so a gate that blocks fails the row instead of hanging the suite.

use super::{CONFIG, Case, Fixture, Plant, runner};

#[test]
fn hostile_special_files() {
    runner::check_all("special files", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [
        gate_toml_rows(),
        config_flag_rows(),
        manifests(),
        records(),
        sources(),
    ]
    .concat()
}

fn link(to: &str) -> Plant {
    Plant::Link(to.to_owned())
}

const VALID: &str = "[policy]\nprofile = \"portable\"\n";

/// A gate.toml row: `plant` as gate.toml, exit `code`, gate.toml named.
fn gate_toml(name: &str, plant: Plant, code: i32) -> Case {
    let mut case = Case::new(name, CONFIG, code, &["gate.toml"]).plant("gate.toml", plant);
    case.names_gate_toml = code == 2;
    case
}

/// Commits the tree (a link is committed as a link).
fn commit(fx: &Fixture) {
    fx.commit();
}

fn gate_toml_rows() -> Vec<Case> {
    vec![
        gate_toml("gate.toml a FIFO", Plant::Fifo, 2),
        gate_toml("gate.toml a socket", Plant::Socket, 2),
        gate_toml(
            "gate.toml a committed link to /dev/zero",
            link("/dev/zero"),
            2,
        )
        .prepare(commit),
        gate_toml("gate.toml a link to /dev/urandom", link("/dev/urandom"), 2),
        gate_toml(
            "gate.toml a link to /etc/hostname",
            link("/etc/hostname"),
            2,
        ),
        gate_toml(
            "gate.toml a link to a valid file outside the repository",
            link("{OUTSIDE}/gate.toml"),
            2,
        )
        .text("{OUTSIDE}/gate.toml", VALID),
        gate_toml("gate.toml a dangling link", link("nowhere/gate.toml"), 2),
        gate_toml("gate.toml a link to itself", link("gate.toml"), 2),
        gate_toml(
            "gate.toml a link to a FIFO in the repository",
            link("conf/pipe"),
            2,
        )
        .plant("conf/pipe", Plant::Fifo),
        gate_toml("gate.toml a link to a directory", link("src"), 2),
        gate_toml(
            "gate.toml a link to a valid file in the repository",
            link("conf/gate.toml"),
            0,
        )
        .text("conf/gate.toml", VALID),
    ]
}

/// `--config FILE` for `file`, exit `code`, `file` named.
fn config_flag(name: &str, file: &str, code: i32) -> Case {
    let mention = if code == 0 {
        "PASS    config.valid"
    } else {
        file
    };
    Case::new(
        name,
        &["pilot", "--only", "config.valid", "--config", file],
        code,
        &[mention],
    )
}

fn config_flag_rows() -> Vec<Case> {
    vec![
        config_flag("--config /dev/zero", "/dev/zero", 2),
        config_flag("--config /dev/urandom", "/dev/urandom", 2),
        config_flag("--config /dev/null", "/dev/null", 2),
        config_flag("--config a FIFO", "pipe.toml", 2).plant("pipe.toml", Plant::Fifo),
        config_flag("--config a socket", "socket.toml", 2).plant("socket.toml", Plant::Socket),
        config_flag("--config a link to /dev/zero", "zero.toml", 2)
            .plant("zero.toml", link("/dev/zero")),
        config_flag(
            "--config a valid file outside the repository",
            "../outside/gate.toml",
            0,
        )
        .text("{OUTSIDE}/gate.toml", VALID),
    ]
}

/// The fixture's root manifest.
const MANIFEST: &str = "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n";

/// `pilot --only lockfile.locked`, with `file` as `plant`: exit `code`, `file` named. The
/// file is found inside a run, so the run is recorded (its check not evaluated).
fn locked(name: &str, file: &str, plant: Plant, code: i32) -> Case {
    Case::new(name, &["pilot", "--only", "lockfile.locked"], code, &[file])
        .plant(file, plant)
        .may_record()
}

/// Manifests, lockfiles and toolchain files that are not files.
fn manifests() -> Vec<Case> {
    let pilot = |name: &str, plant: Plant| {
        Case::new(name, &["pilot"], 2, &["Cargo.toml"]).plant("Cargo.toml", plant)
    };
    let manifest_path =
        |name: &str, path: &str| Case::new(name, &["pilot", "--manifest-path", path], 2, &[path]);
    vec![
        pilot("Cargo.toml a FIFO", Plant::Fifo),
        pilot("Cargo.toml a socket", Plant::Socket),
        pilot("Cargo.toml a link to /dev/zero", link("/dev/zero")),
        pilot(
            "Cargo.toml a link to a manifest outside the repository",
            link("{OUTSIDE}/Cargo.toml"),
        )
        .text("{OUTSIDE}/Cargo.toml", MANIFEST),
        manifest_path("--manifest-path a FIFO named Cargo.toml", "sub/Cargo.toml")
            .plant("sub/Cargo.toml", Plant::Fifo),
        manifest_path("--manifest-path /dev/zero", "/dev/zero"),
        // Past the root's own: cargo reads the members' manifests and every path
        // dependency's, and the commands beside it (the resolve, the build begun ahead) too.
        Case::new(
            "a member's Cargo.toml a FIFO",
            &["pilot"],
            2,
            &["m/Cargo.toml"],
        )
        .text("Cargo.toml", &format!("{MANIFEST}members = [\"m\"]\n"))
        .plant("m/Cargo.toml", Plant::Fifo),
        Case::new(
            "a member's Cargo.toml a link to /dev/zero",
            &["pilot", "--no-cache"],
            2,
            &["m/Cargo.toml"],
        )
        .text("Cargo.toml", &format!("{MANIFEST}members = [\"m\"]\n"))
        .plant("m/Cargo.toml", link("/dev/zero")),
        Case::new(
            "a path dependency's Cargo.toml outside the root a FIFO",
            &["controlled"],
            2,
            &["outside/x/Cargo.toml"],
        )
        .text(
            "Cargo.toml",
            &MANIFEST.replace(
                "\n\n[workspace]",
                "\n\n[dependencies]\nx = { path = \"../outside/x\" }\n\n[workspace]",
            ),
        )
        .plant("{OUTSIDE}/x/Cargo.toml", Plant::Fifo),
        locked("Cargo.lock a FIFO", "Cargo.lock", Plant::Fifo, 2),
        locked(
            "Cargo.lock a link to /dev/zero",
            "Cargo.lock",
            link("/dev/zero"),
            2,
        ),
        locked(
            "Cargo.lock sparse, 128 MiB",
            "Cargo.lock",
            Plant::Sparse(128 << 20),
            2,
        )
        .mention("MiB")
        .absent("TOML parse error"),
        locked("Cargo.lock a directory", "Cargo.lock", Plant::Dir, 1),
        locked(
            "rust-toolchain.toml a FIFO",
            "rust-toolchain.toml",
            Plant::Fifo,
            2,
        ),
        locked(
            ".cargo/config.toml a FIFO",
            ".cargo/config.toml",
            Plant::Fifo,
            2,
        ),
    ]
}

/// The record's own files, not files.
fn records() -> Vec<Case> {
    let history = |name: &str, args: &[&str], plant: Plant| {
        Case::new(name, args, 2, &["history.jsonl"]).plant("target/gate/history.jsonl", plant)
    };
    vec![
        history("history.jsonl a FIFO, then a run", CONFIG, Plant::Fifo),
        history(
            "history.jsonl a FIFO, then history",
            &["history"],
            Plant::Fifo,
        ),
        history(
            "history.jsonl a FIFO, then verify",
            &["verify"],
            Plant::Fifo,
        ),
        history(
            "history.jsonl a FIFO, then status",
            &["status"],
            Plant::Fifo,
        ),
        history(
            "history.jsonl a socket, then verify",
            &["verify"],
            Plant::Socket,
        ),
        history(
            "history.jsonl a link to /dev/zero, then verify",
            &["verify"],
            link("/dev/zero"),
        ),
        history("history.jsonl a directory, then a run", CONFIG, Plant::Dir),
        Case::new("the output lock a FIFO, then a run", CONFIG, 2, &[".lock"])
            .plant("target/gate/.lock", Plant::Fifo),
        Case::new(
            "runs/ a file, then a run",
            CONFIG,
            2,
            &["cannot write the run record"],
        )
        .plant("target/gate/runs", Plant::Text(String::new())),
        Case::new(
            "the output directory a link to /dev/null",
            CONFIG,
            2,
            &["cannot write the run record"],
        )
        .plant("target/gate", link("/dev/null")),
        Case::new(
            "CARGO_TARGET_DIR a file",
            CONFIG,
            2,
            &["cannot write the run record"],
        )
        .env("CARGO_TARGET_DIR", "{ROOT}/Cargo.lock"),
        Case::new(
            "CARGO_TARGET_DIR /dev/null",
            CONFIG,
            2,
            &["cannot write the run record"],
        )
        .env("CARGO_TARGET_DIR", "/dev/null"),
    ]
}

/// Special files among the sources: skipped (or reported), never waited on.
fn sources() -> Vec<Case> {
    let unsafe_scan = |name: &str, path: &str, plant: Plant| {
        Case::new(
            name,
            &["pilot", "--only", "boundary.unsafe"],
            0,
            &["boundary.unsafe"],
        )
        .plant(path, plant)
    };
    vec![
        unsafe_scan("a FIFO among the sources", "src/pipe.rs", Plant::Fifo),
        unsafe_scan("a socket among the sources", "src/socket.rs", Plant::Socket),
        unsafe_scan(
            "a link to /dev/zero among the sources",
            "src/zero.rs",
            link("/dev/zero"),
        ),
        unsafe_scan("a link loop among the sources", "src/loop", link(".")),
        unsafe_scan("a link to / among the sources", "src/root", link("/")),
    ]
}
