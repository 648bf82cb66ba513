//! `environment.json`: what the run ran on — toolchain, host, OS, tool versions, lockfile
//! digest, git state, and allow-listed CI variables (never the whole environment: it holds
//! secrets).

use super::toolchain;
use crate::workspace::Workspace;
use gate_support::digest::sha256_file;
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::Command;

/// CI variables that are recorded when set. Nothing else from the environment is.
pub const CI_VARIABLES: &[&str] = &[
    "CI",
    "GITHUB_ACTIONS",
    "GITHUB_REF",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_SHA",
    "GITHUB_WORKFLOW",
    "GITLAB_CI",
    "CI_COMMIT_SHA",
    "CI_PIPELINE_ID",
    "CI_JOB_ID",
    "RUNNER_OS",
    "RUNNER_ARCH",
];

/// Variables that change how the tests build and behave, recorded when set (anyhow's
/// `test_fmt` fails under `RUST_BACKTRACE=1` and passes without it): a run can be reproduced
/// only with them. They reach every cache key already (`cache::model::ENV_PREFIXES`).
pub const TEST_VARIABLES: &[&str] = &[
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "RUST_TEST_THREADS",
    "RUST_TEST_NOCAPTURE",
    "RUST_MIN_STACK",
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
];

/// The recorded environment.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    /// cargo-gate's version.
    pub cargo_gate: String,
    /// `rustc -vV`, as key/value pairs (`release`, `host`, `commit-hash`, `LLVM version` …).
    pub rustc: BTreeMap<String, String>,
    /// `cargo -V`.
    pub cargo: Option<String>,
    /// The host triple rustc reports.
    pub host: Option<String>,
    /// `std::env::consts::OS` and `ARCH`.
    pub os: String,
    /// Architecture.
    pub arch: String,
    /// How the platform evidence of this run was obtained: [`NATIVE`], or [`WINE`] when this
    /// Windows build ran under Wine ([`platform_evidence`]). `platform.matrix` counts an
    /// emulated run for its platform only where `[matrix] accept-emulated` says so.
    pub platform_evidence: String,
    /// `nvcc --version`, last line, when nvcc is on PATH.
    pub nvcc: Option<String>,
    /// `nvidia-smi`'s driver version, when present.
    pub cuda_driver: Option<String>,
    /// SHA-256 of Cargo.lock.
    pub lockfile_sha256: Option<String>,
    /// Git commit.
    pub git_commit: Option<String>,
    /// Whether the work tree had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// Whether `--offline` was in effect.
    pub offline: bool,
    /// Allow-listed CI variables that were set.
    pub ci: BTreeMap<String, String>,
    /// The [`TEST_VARIABLES`] that were set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub test_variables: BTreeMap<String, String>,
    /// The run's seed: `GATE_SEED` when set, else derived from the run id. The test run
    /// gets it as `GATE_SEED`, so tests that draw random inputs can be replayed.
    pub seed: u64,
    /// `--test-shard K/N`: this run's tests were one shard of a sharded test run (`cargo gate
    /// merge` joins the shards of a commit into one verdict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_shard: Option<TestShard>,
}

/// One shard of a test run sharded across CI jobs (docs/GUIDE.md, "Sharding the tests"):
/// nextest's hash bucket `index` of `count` (`--partition hash:K/N`), run from a nextest
/// archive built once (`--test-archive`) or from this job's own build.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TestShard {
    /// K, from 1.
    pub index: u32,
    /// N.
    pub count: u32,
    /// The SHA-256 of the nextest archive the shard ran from (`--test-archive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_sha256: Option<String>,
    /// Where that archive is on this machine (not recorded: a path says nothing of what ran).
    #[serde(skip)]
    pub archive: Option<std::path::PathBuf>,
}

impl TestShard {
    /// `K/N` as `--test-shard` takes it: `1 ≤ K ≤ N`.
    pub fn parse(text: &str) -> Result<(u32, u32), String> {
        let parsed = text.split_once('/').and_then(|(k, n)| {
            Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?))
        });
        match parsed {
            Some((k, n)) if k >= 1 && k <= n => Ok((k, n)),
            _ => Err(format!(
                "`{text}` is not a shard: write K/N with 1 ≤ K ≤ N, e.g. 2/4 for the second of four"
            )),
        }
    }

    /// `K/N`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

impl Environment {
    /// A complete environment with fixed values, for unit tests of checks.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Environment {
        Environment {
            cargo_gate: "0.0.0".into(),
            rustc: BTreeMap::from([
                ("release".to_owned(), "1.95.0".to_owned()),
                ("host".to_owned(), "x86_64-unknown-linux-gnu".to_owned()),
            ]),
            cargo: Some("cargo 1.95.0".into()),
            host: Some("x86_64-unknown-linux-gnu".into()),
            os: "linux".into(),
            arch: "x86_64".into(),
            platform_evidence: NATIVE.into(),
            nvcc: None,
            cuda_driver: None,
            lockfile_sha256: Some("0".repeat(64)),
            git_commit: Some("0".repeat(40)),
            git_dirty: Some(false),
            offline: true,
            ci: BTreeMap::new(),
            test_variables: BTreeMap::new(),
            seed: 42,
            test_shard: None,
        }
    }
}

/// `platform_evidence` of a run on the machine it names.
pub const NATIVE: &str = "native";
/// `platform_evidence` of a Windows build run under Wine on another system.
pub const WINE: &str = "emulated-wine";

/// How this run's platform is obtained, from whether the environment variables `set` names
/// exist. Wine sets `WINECONFIGDIR`, `WINEDATADIR` and `WINELOADER` in every process it starts
/// (they point into the Unix system beneath it); Windows never does. A user can hide them, as
/// they can edit `environment.json`: this tells an honest emulated run from a native one, it
/// does not prove where a run was made (docs/SECURITY.md).
pub fn platform_evidence(set: impl Fn(&str) -> bool) -> &'static str {
    let wine = ["WINECONFIGDIR", "WINEDATADIR", "WINELOADER"]
        .iter()
        .any(|name| set(name));
    if cfg!(windows) && wine { WINE } else { NATIVE }
}

fn output(
    dir: &std::path::Path,
    program: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
) -> Option<String> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .env("RUSTUP_AUTO_INSTALL", "0");
    let out = crate::tools::process::output(cmd).ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The run's seed: `GATE_SEED` when it is a number, else one derived from `run_id`.
pub fn seed(run_id: &str) -> u64 {
    std::env::var("GATE_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            let digest = gate_support::digest::sha256_hex(run_id.as_bytes());
            u64::from_str_radix(&digest[..16], 16).unwrap_or(0)
        })
}

impl Environment {
    /// The toolchain actually running, as one text (an input of the evidence cache's keys):
    /// `rustc -vV`, `cargo -V`, nvcc and the CUDA driver.
    pub fn toolchain_text(&self) -> String {
        let mut text = String::new();
        for (key, value) in &self.rustc {
            text.push_str(&format!("rustc {key}: {value}\n"));
        }
        for (what, value) in [
            ("cargo", &self.cargo),
            ("nvcc", &self.nvcc),
            ("driver", &self.cuda_driver),
        ] {
            text.push_str(&format!("{what}: {}\n", value.as_deref().unwrap_or("-")));
        }
        text
    }
}

/// The toolchain as the run's directory sees it: `rustc -vV`, `cargo -V`, nvcc and the CUDA
/// driver, asked at once (each is a process start; `rustc` and `cargo` through rustup unless
/// it fixed the toolchain for this process already: `tools/toolchain.rs`).
#[derive(Debug, Clone)]
pub struct Probes {
    /// Where they were asked (rustup picks the toolchain by directory).
    pub dir: std::path::PathBuf,
    rustc: Option<String>,
    cargo: Option<String>,
    nvcc: Option<String>,
    driver: Option<String>,
}

impl Probes {
    /// Asks the four probes in `dir`.
    pub fn ask(dir: &std::path::Path) -> Probes {
        let (rustc, cargo, nvcc, driver) = std::thread::scope(|scope| {
            let cargo = scope.spawn(|| output(dir, toolchain::cargo(), &["-V"]));
            let nvcc = scope.spawn(|| output(dir, "nvcc", &["--version"]));
            let driver = scope.spawn(|| {
                output(
                    dir,
                    "nvidia-smi",
                    &["--query-gpu=driver_version", "--format=csv,noheader"],
                )
            });
            let rustc = output(dir, toolchain::rustc(), &["-vV"]);
            (
                rustc,
                cargo.join().ok().flatten(),
                nvcc.join().ok().flatten(),
                driver.join().ok().flatten(),
            )
        });
        Probes {
            dir: dir.to_owned(),
            rustc,
            cargo,
            nvcc,
            driver,
        }
    }

    /// These probes when they were asked at `root`, else new ones asked there.
    pub fn at(self, root: &std::path::Path) -> Probes {
        if self.dir == root {
            self
        } else {
            Probes::ask(root)
        }
    }
}

/// The toolchain probes, asked in a thread of their own while the run goes on ([`Probing::
/// start`]), or already answered: only the environment waits for them ([`Probing::answer`]).
#[derive(Debug)]
pub struct Probing(Result<Probes, std::thread::JoinHandle<Probes>>);

impl Probing {
    /// Probes already answered.
    pub fn answered(probes: Probes) -> Probing {
        Probing(Ok(probes))
    }

    /// Starts asking the probes in `dir` (asks them here, at once, where no thread starts).
    pub fn start(dir: &std::path::Path) -> Probing {
        let owned = dir.to_owned();
        let spawned = std::thread::Builder::new()
            .name("gate-probes".to_owned())
            .spawn(move || Probes::ask(&owned));
        match spawned {
            Ok(handle) => Probing(Err(handle)),
            Err(_) => Probing(Ok(Probes::ask(dir))),
        }
    }

    /// The probes, waited for (a panic there is the gate's own bug, and is raised here).
    pub fn answer(self) -> Probes {
        match self.0 {
            Ok(probes) => probes,
            Err(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        }
    }
}

/// The environment of a run on `ws`, observed, its toolchain as `probes` saw it (asked at
/// the root: [`Probes::at`]).
pub fn observe(ws: &Workspace, offline: bool, seed: u64, probes: Probes) -> Environment {
    let root = &ws.root;
    let Probes {
        rustc,
        cargo,
        nvcc,
        driver,
        ..
    } = probes.at(root);
    let rustc: BTreeMap<String, String> = rustc
        .map(|text| {
            text.lines()
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let host = rustc.get("host").cloned();
    Environment {
        cargo_gate: env!("CARGO_PKG_VERSION").to_owned(),
        cargo,
        host,
        rustc,
        os: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
        platform_evidence: platform_evidence(|name| std::env::var_os(name).is_some()).to_owned(),
        nvcc: nvcc.and_then(|t| t.lines().last().map(str::to_owned)),
        cuda_driver: driver.and_then(|t| t.lines().next().map(str::to_owned)),
        lockfile_sha256: sha256_file(&root.join("Cargo.lock")).ok().map(|(d, _)| d),
        git_commit: ws.git.as_ref().and_then(|g| g.commit.clone()),
        git_dirty: ws.git.as_ref().map(|g| g.dirty),
        offline,
        ci: set_of(CI_VARIABLES, |k| std::env::var(k).ok()),
        test_variables: set_of(TEST_VARIABLES, |k| std::env::var(k).ok()),
        seed,
        test_shard: None,
    }
}

/// The variables of `names` that `value` finds set, by name.
fn set_of(names: &[&str], value: impl Fn(&str) -> Option<String>) -> BTreeMap<String, String> {
    (names.iter())
        .filter_map(|k| value(k).map(|v| ((*k).to_owned(), v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `RUST_BACKTRACE=1` changes what a test prints (anyhow's `test_fmt` fails under it):
    /// recorded when set, with the variables that change how tests build; nothing else is.
    #[test]
    fn the_variables_that_change_a_test_run_are_recorded() {
        let env = |name: &str| match name {
            "RUST_BACKTRACE" => Some("1".to_owned()),
            "RUSTFLAGS" => Some("-D warnings".to_owned()),
            "GITHUB_TOKEN" | "RUST_LOG" => Some("secret".to_owned()),
            _ => None,
        };
        let recorded = set_of(TEST_VARIABLES, env);
        assert_eq!(
            recorded,
            BTreeMap::from([
                ("RUSTFLAGS".to_owned(), "-D warnings".to_owned()),
                ("RUST_BACKTRACE".to_owned(), "1".to_owned()),
            ])
        );
        let mut environment = Environment::for_tests();
        let json = serde_json::to_value(&environment).unwrap();
        assert!(json.get("test_variables").is_none(), "none set: left out");
        environment.test_variables = recorded;
        let json = serde_json::to_value(&environment).unwrap();
        assert_eq!(json["test_variables"]["RUST_BACKTRACE"], "1");
    }

    #[test]
    fn only_a_windows_build_under_wine_is_emulated() {
        let wine_vars = |name: &str| name == "WINEDATADIR";
        let expected = if cfg!(windows) { WINE } else { NATIVE };
        assert_eq!(platform_evidence(wine_vars), expected);
        assert_eq!(platform_evidence(|_| false), NATIVE);
    }

    /// The real environment: `cargo xtask wine` says the tests run under Wine
    /// (`GATE_TESTS_UNDER_WINE`), and the variables Wine itself sets must be seen.
    #[test]
    fn this_process_is_seen_as_it_runs() {
        let under_wine = std::env::var_os("GATE_TESTS_UNDER_WINE").is_some();
        let seen = platform_evidence(|name| std::env::var_os(name).is_some());
        assert_eq!(seen, if under_wine { WINE } else { NATIVE });
    }
}
