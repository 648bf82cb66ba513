//! Bounded memory: the gate's peak RSS on a crate that tracks a 1 GiB file (issue 23).

use super::*;

/// Benchmark 7: bounded memory (the release build, as installed). A crate whose tree tracks
/// one 1 GiB file: `cargo gate pilot
/// --no-cache` (the tree digest of the evidence cache reads every tracked file) and `cargo
/// gate controlled --only secrets.scan` (the secret scanner does too), each measured for peak
/// RSS with GNU time's `%M`, against the same commands on the same crate without that file
/// (goal: ≤ 100 MB).
pub(super) fn memory(root: &Path) -> Result<Vec<Row>> {
    const BIG: u64 = 1 << 30;
    let gate = release_gate_binary(root)?;
    let dir = tempfile_dir("memory-ws")?;
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"big\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )?;
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! Generated.\n\n#[test]\nfn adds() {\n    assert_eq!(1 + 1, 2);\n}\n",
    )?;
    std::fs::write(dir.join(".gitignore"), "/target\n/gate-out\n")?;
    let sh = shell(&dir)?;
    checked(
        cmd!(sh, "cargo generate-lockfile --offline"),
        "cargo generate-lockfile",
    )?;
    let commit = |message: &str| -> Result<()> {
        checked(cmd!(sh, "git add -A"), "git add")?;
        checked(
            cmd!(
                sh,
                "git -c user.name=bench -c user.email=bench@example.invalid commit -qm {message}"
            ),
            "git commit",
        )
    };
    checked(cmd!(sh, "git init -q"), "git init")?;
    commit("generated")?;
    let out = dir.join("gate-out");
    let out = out.to_string_lossy().into_owned();
    let commands: [(&str, Vec<&str>); 2] = [
        (
            "`cargo gate pilot --no-cache`",
            vec!["gate", "pilot", "--no-cache", "--out", &out],
        ),
        (
            "`cargo gate controlled --only secrets.scan`",
            vec![
                "gate",
                "controlled",
                "--only",
                "secrets.scan",
                "--out",
                &out,
            ],
        ),
    ];
    let peak_kb = |args: &[&str]| -> Result<u64> {
        let output = Command::new("/usr/bin/time")
            .arg("-f")
            .arg("%M")
            .arg(&gate)
            .args(args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .context("failed to run /usr/bin/time (GNU time; Debian package `time`)")?;
        let text = String::from_utf8_lossy(&output.stderr);
        text.lines()
            .last()
            .and_then(|line| line.trim().parse().ok())
            .context("GNU time printed no peak RSS")
    };
    say("memory: the crate without the large file (after one run that builds it)");
    for (_, args) in &commands {
        peak_kb(args)?;
    }
    let small: Vec<u64> = commands
        .iter()
        .map(|(_, args)| peak_kb(args))
        .collect::<Result<_>>()?;
    say("memory: writing and committing a 1 GiB file");
    {
        use std::io::Write;
        let line = b"0123456789 a tracked data file that is large, not secret, and read whole\n";
        let chunk: Vec<u8> = line.iter().copied().cycle().take(1 << 20).collect();
        let mut file = std::io::BufWriter::new(std::fs::File::create(dir.join("data.bin"))?);
        for _ in 0..BIG / (1 << 20) {
            file.write_all(&chunk)?;
        }
        file.flush()?;
    }
    commit("a large file")?;
    let large: Vec<u64> = commands
        .iter()
        .map(|(_, args)| peak_kb(args))
        .collect::<Result<_>>()?;
    let _ = std::fs::remove_dir_all(&dir);
    let mb = |kb: u64| kb as f64 / 1024.0;
    Ok(commands
        .iter()
        .zip(small.iter().zip(&large))
        .map(|((what, _), (&small, &large))| Row {
            what: format!("peak RSS of {what} on a crate tracking a 1 GiB file"),
            baseline: format!("the same without the file: {:.1} MB", mb(small)),
            measured: format!("{:.1} MB", mb(large)),
            ratio: format!("{:.2}×", large as f64 / small.max(1) as f64),
            goal: "≤ 100 MB".to_owned(),
            met: Some(mb(large) <= 100.0),
        })
        .collect())
}
