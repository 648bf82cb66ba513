//! Which `cargo` and `rustc` the gate starts: the programs of the toolchain rustup has
//! already fixed for this process, where starting them through rustup's proxy would only
//! find them again.
//!
//! Run as `cargo gate …` through rustup, the gate inherits `RUSTUP_TOOLCHAIN` (the proxy sets
//! it to the toolchain it picked, so that every proxy below it picks the same one, whatever
//! the directory or its toolchain file says). Every `cargo` the gate then starts from PATH is
//! that proxy again, which reads rustup's settings and starts
//! `$RUSTUP_HOME/toolchains/$RUSTUP_TOOLCHAIN/bin/cargo`: about 10 ms per call on the machine
//! this was measured on (`cargo -V`: 17 ms through the proxy, 7 ms without), three times in
//! a row on the way to a test run. The gate starts that program itself when (and only when)
//! the proxy would: the first `NAME` on PATH is rustup's own program (a link to it, or
//! the same file), `RUSTUP_TOOLCHAIN` names an installed toolchain by its full name or path,
//! and that toolchain has the program. A wrapper named `cargo` earlier on PATH (a team's
//! own, or a test's logging one), a cargo not from rustup, or a toolchain rustup would
//! still have to resolve (`stable`, without its host) keeps the plain name: PATH decides,
//! as before.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The program to start for `cargo`: the toolchain's own, or `cargo` from PATH.
pub fn cargo() -> &'static OsStr {
    static CARGO: OnceLock<OsString> = OnceLock::new();
    CARGO.get_or_init(|| program("cargo"))
}

/// The program to start for `rustc`, as [`cargo`].
pub fn rustc() -> &'static OsStr {
    static RUSTC: OnceLock<OsString> = OnceLock::new();
    RUSTC.get_or_init(|| program("rustc"))
}

/// How a program the gate starts is shown in logs and command lines (and so in the evidence
/// cache's keys): by the name it was asked for, whichever of the two ways it was started.
pub fn shown(program: &OsStr) -> &OsStr {
    for (name, resolved) in [("cargo", cargo()), ("rustc", rustc())] {
        if program == resolved {
            return OsStr::new(name);
        }
    }
    program
}

fn program(name: &str) -> OsString {
    let var = |key: &str| std::env::var_os(key).filter(|v| !v.is_empty());
    let found = resolve(
        name,
        var("PATH").as_deref(),
        var("RUSTUP_TOOLCHAIN").as_deref(),
        var("RUSTUP_HOME").as_deref(),
    );
    found.map_or_else(|| OsString::from(name), PathBuf::into_os_string)
}

/// The toolchain's `name` that rustup's proxy, found first on `path`, would start with
/// `toolchain` set; `None` wherever the proxy would have anything left to decide.
fn resolve(
    name: &str,
    path: Option<&OsStr>,
    toolchain: Option<&OsStr>,
    rustup_home: Option<&OsStr>,
) -> Option<PathBuf> {
    let (toolchain, home) = (Path::new(toolchain?), Path::new(rustup_home?));
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let first = std::env::split_paths(path?)
        .map(|dir| dir.join(&file))
        .find(|candidate| candidate.is_file())?;
    let rustup = first.with_file_name(format!("rustup{}", std::env::consts::EXE_SUFFIX));
    if !same_file(&first, &rustup) {
        return None;
    }
    // A full name (`stable-x86_64-unknown-linux-gnu`, `1.95.0-…`) is a directory of
    // `toolchains`; a path is the toolchain itself. A short one (`stable`) rustup completes
    // with the host: left to it.
    let dir = match toolchain.is_absolute() {
        true => toolchain.to_owned(),
        false if toolchain.components().count() == 1 => home.join("toolchains").join(toolchain),
        false => return None,
    };
    let program = dir.join("bin").join(&file);
    program.is_file().then_some(program)
}

/// Whether `a` and `b` are one file (links followed).
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    gate_support::path::same_file(a, b)
}

/// Elsewhere rustup's proxies are copies: the proxy is started, as before.
#[cfg(not(unix))]
fn same_file(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(all(test, unix))]
mod tests {
    use super::resolve;
    use std::ffi::OsStr;
    use std::path::Path;

    const TC: &str = "stable-x86_64-unknown-linux-gnu";

    /// `home/bin` with rustup and `cargo` linked to it, `home/rustup/toolchains/TC/bin/cargo`.
    fn layout(home: &Path) {
        let bin = home.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("rustup"), "rustup").unwrap();
        std::os::unix::fs::symlink("rustup", bin.join("cargo")).unwrap();
        let tc = home.join("rustup/toolchains").join(TC).join("bin");
        std::fs::create_dir_all(&tc).unwrap();
        std::fs::write(tc.join("cargo"), "cargo").unwrap();
    }

    fn ask(home: &Path, path: &[&Path], toolchain: Option<&str>) -> Option<std::path::PathBuf> {
        let path = std::env::join_paths(path).unwrap();
        let rustup_home = home.join("rustup");
        resolve(
            "cargo",
            Some(&path),
            toolchain.map(OsStr::new),
            Some(rustup_home.as_os_str()),
        )
    }

    #[test]
    fn the_proxy_with_its_toolchain_fixed_is_skipped() {
        let home = tempfile::tempdir().unwrap();
        layout(home.path());
        let expected = home
            .path()
            .join("rustup/toolchains")
            .join(TC)
            .join("bin/cargo");
        let bin = home.path().join("bin");
        assert_eq!(ask(home.path(), &[&bin], Some(TC)), Some(expected.clone()));
        // A hard link is the proxy too; a toolchain named by its path is itself.
        std::fs::remove_file(bin.join("cargo")).unwrap();
        std::fs::hard_link(bin.join("rustup"), bin.join("cargo")).unwrap();
        let by_path = home.path().join("rustup/toolchains").join(TC);
        let by_path = by_path.to_str().unwrap();
        assert_eq!(ask(home.path(), &[&bin], Some(by_path)), Some(expected));
    }

    #[test]
    fn anything_the_proxy_would_still_decide_keeps_the_name() {
        let home = tempfile::tempdir().unwrap();
        layout(home.path());
        let bin = home.path().join("bin");
        // No toolchain fixed, a short name, one not installed.
        assert_eq!(ask(home.path(), &[&bin], None), None);
        assert_eq!(ask(home.path(), &[&bin], Some("stable")), None);
        assert_eq!(
            ask(
                home.path(),
                &[&bin],
                Some("nightly-x86_64-unknown-linux-gnu")
            ),
            None
        );
        // A wrapper named cargo earlier on PATH.
        let wrapper = home.path().join("wrapper");
        std::fs::create_dir_all(&wrapper).unwrap();
        std::fs::write(wrapper.join("cargo"), "#!/bin/sh\n").unwrap();
        assert_eq!(ask(home.path(), &[&wrapper, &bin], Some(TC)), None);
        // A cargo that is not rustup's.
        std::fs::remove_file(bin.join("cargo")).unwrap();
        std::fs::write(bin.join("cargo"), "cargo").unwrap();
        assert_eq!(ask(home.path(), &[&bin], Some(TC)), None);
        // Nothing on PATH.
        assert_eq!(ask(home.path(), &[], Some(TC)), None);
    }
}
