//! What a build produced: the artifacts that can carry GPU code, found in cargo's messages
//! and the build scripts' `OUT_DIR`s, each stamped when the build was gathered; the test
//! binaries among them digested at once (their digests key the test results), and the GPU
//! code in all of them read on first use ([`super::Core::built_gpu`]), off the tests' path.

use crate::cache::{Fact, Fresh, Hit, Keep, Pending, Session};
use crate::cuda::binary::GpuCode;
use crate::report::Reuse;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

/// The workspace built: `cargo test --no-run --locked --workspace`.
#[derive(Debug)]
pub struct Build {
    /// Whether cargo succeeded.
    pub ok: bool,
    /// The environment's fault rather than the workspace's, when it failed.
    pub unavailable: Option<crate::tools::cargo::Unavailable>,
    /// The compiler's and cargo's error lines (with the lines that locate or explain them).
    pub errors: Vec<String>,
    /// The whole log: command line, cargo's and the compiler's messages, exit status.
    pub log: String,
    /// Build scripts that ran or were fresh: package name and OUT_DIR.
    pub out_dirs: Vec<(String, PathBuf)>,
    /// What the build produced that can carry GPU code (cargo's `compiler-artifact`
    /// messages: executables, rlibs, static and dynamic libraries), in message order.
    pub artifacts: Vec<BuiltArtifact>,
    /// The GPU code each artifact carries, read on first use (`facts/artifacts.rs`):
    /// as read from the files, and as the run takes it (from the cache, or that read).
    pub(super) gpu_read: GpuReads,
    pub(super) gpu_looked: std::sync::Mutex<Option<Looked>>,
    pub(super) gpu: OnceLock<GpuTaken>,
}

/// One file the build produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BuiltArtifact {
    /// The package whose target it is.
    pub package: String,
    /// What it is.
    pub kind: gate_formats::kernel_bom::BinaryKind,
    /// Where it is.
    pub path: PathBuf,
    /// Whether it is a test build, an example or a bench (a test harness, or a target no
    /// release carries: it does not ship).
    #[serde(default)]
    pub test: bool,
    /// Its size and modification time when the build was gathered (a reused build stands
    /// only while both are unchanged).
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub modified: Option<u128>,
    /// Set for a test binary `cargo test` runs: which it is, and its digest.
    #[serde(default)]
    pub test_binary: Option<TestBinary>,
    /// The features of its package that the build turned on for it, as cargo's message lists
    /// them (`None` for a file a build script wrote, which no message describes): code
    /// compiled only under another feature is not in this build ([`crate::bom`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
}

/// A test binary of the build: what `cargo test` runs (a library's or a binary's unit tests,
/// an integration test, a bench built as a test).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TestBinary {
    /// Its id as nextest writes it: `PACKAGE` (the library's unit tests), `PACKAGE::NAME`
    /// (an integration test), `PACKAGE::bin/NAME`, `PACKAGE::bench/NAME`,
    /// `PACKAGE::example/NAME`.
    pub id: String,
    /// The directory of its package's `Cargo.toml` (where cargo runs it).
    pub package_dir: PathBuf,
    /// The SHA-256 of the executable, taken when the build read it (empty when it could
    /// not be read).
    pub sha256: String,
}

/// The nextest-style id of a test target: `kinds` as cargo's messages give them.
pub fn test_binary_id(package: &str, kinds: &[&str], name: &str) -> String {
    match kinds.first().copied().unwrap_or("lib") {
        "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro" => package.to_owned(),
        "test" => format!("{package}::{name}"),
        kind => format!("{package}::{kind}/{name}"),
    }
}

/// A file's size and modification time (nanoseconds since the epoch) now, `None` when it
/// cannot be read: what says a file read once is still the one that was read.
pub(crate) fn file_stamp(path: &Path) -> Option<(u64, Option<u128>)> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos());
    Some((meta.len(), modified))
}

impl BuiltArtifact {
    /// Whether the file is still the one that was read.
    pub(super) fn unchanged(&self) -> bool {
        file_stamp(&self.path) == Some((self.size, self.modified))
    }
}

/// Every file the build produced that can carry GPU code (cargo's artifacts, and the
/// libraries and GPU files its build scripts left in their `OUT_DIR`s), each stamped, and
/// each test binary's digest taken: it keys the binary's test results
/// (`facts/test_run/binaries.rs`), so it is taken before the tests run. The GPU code is
/// read later, on first use ([`super::Core::built_gpu`]), beside the test run when a check of the run
/// reads it: that read is most of the bytes, and the tests need none of it.
pub(super) fn stamp_artifacts(
    mut list: Vec<BuiltArtifact>,
    out_dirs: &[(String, PathBuf)],
) -> Vec<BuiltArtifact> {
    list.extend(out_dir_files(out_dirs));
    list.sort_by(|a, b| a.path.cmp(&b.path));
    list.dedup_by(|a, b| a.path == b.path);
    // Read in parallel, one reused buffer per thread: memory stays near the largest
    // test binary per thread.
    let paths: Vec<&Path> = list.iter().map(|a| a.path.as_path()).collect();
    let digested: std::collections::HashSet<&Path> = list
        .iter()
        .filter(|a| a.test_binary.is_some())
        .map(|a| a.path.as_path())
        .collect();
    let scans = crate::parallel::map_files(&paths, threads(), 64 << 20, |path, _| {
        // The stamp first: a write after it shows as a change when the binary runs.
        let stamp = file_stamp(path)?;
        if !digested.contains(path) {
            return Some((stamp, None));
        }
        // Streamed (a regular file only, no further than its length): nothing held.
        let (digest, _) = gate_support::digest::sha256_file(path).ok()?;
        Some((stamp, Some(digest)))
    });
    list.into_iter()
        .zip(scans)
        .filter_map(|(mut artifact, scan)| {
            let ((size, modified), digest) = scan?;
            artifact.size = size;
            artifact.modified = modified;
            if let (Some(binary), Some(digest)) = (&mut artifact.test_binary, digest) {
                binary.sha256 = digest;
            }
            Some(artifact)
        })
        .collect()
}

/// The libraries and GPU files build scripts left in their `OUT_DIR`s.
fn out_dir_files(out_dirs: &[(String, PathBuf)]) -> Vec<BuiltArtifact> {
    use gate_formats::kernel_bom::BinaryKind;
    let mut found = Vec::new();
    for (package, out_dir) in out_dirs {
        let mut todo = vec![out_dir.clone()];
        while let Some(at) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&at) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    todo.push(path);
                    continue;
                }
                let name = path.to_string_lossy();
                let kind = if name.ends_with(".a") || name.ends_with(".lib") {
                    BinaryKind::StaticLib
                } else if gate_cuda::includes::is_gpu_artifact(&name) {
                    BinaryKind::GpuFile
                } else {
                    continue;
                };
                found.push(BuiltArtifact {
                    package: package.clone(),
                    kind,
                    path,
                    test: false,
                    size: 0,
                    modified: None,
                    test_binary: None,
                    features: None,
                });
            }
        }
    }
    found
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The most of one artifact the GPU reader holds (per reading thread): above the largest
/// static CUDA libraries a build leaves (hundreds of MiB). A larger file is not read, and is
/// left out of the summary's count of artifacts read.
const ARTIFACT_CAP: u64 = 2 << 30;

/// The whole of the regular file at `path` into `buf`; `None` when it cannot be read, is no
/// regular file (a FIFO, a device, or a link to one: a build script leaves what it likes in
/// its `OUT_DIR`, and a `zero.a` linked to `/dev/zero` was read until the machine ran out of
/// memory) or holds more than [`ARTIFACT_CAP`].
fn read_into(path: &Path, buf: &mut Vec<u8>) -> Option<()> {
    gate_support::read::bytes_capped_into(path, ARTIFACT_CAP, buf).ok()
}

/// The GPU code each of `artifacts` carries, in their order ([`crate::cuda::binary::read`],
/// in parallel, one reused buffer per thread); `None` for a file that cannot be read.
fn read_gpu(artifacts: &[PathBuf]) -> Vec<Option<GpuCode>> {
    let paths: Vec<&Path> = artifacts.iter().map(PathBuf::as_path).collect();
    crate::parallel::map_files(&paths, threads(), 64 << 20, |path, buf| {
        read_into(path, buf)?;
        Some(crate::cuda::binary::read(buf))
    })
}

/// The GPU code of the artifacts the cache did not have, as read from the files: by a thread
/// started when the build is gathered ([`read_gpu_beside`]), or by the first check
/// that asks, whichever comes first; the other waits for it.
pub(super) type GpuReads = Arc<OnceLock<Vec<Option<GpuCode>>>>;

/// One artifact's reading in the cache, or what storing it once read needs.
type Found = Result<Hit<GpuCode>, Box<Pending>>;

/// Each artifact looked up in the evidence cache, with the stamp it was looked up by (`None`:
/// changed too recently, or no stamp here: not cached), and when: its GPU code as a run read
/// it before, or what storing it once read needs.
#[derive(Debug)]
pub(super) struct Looked {
    at: SystemTime,
    found: Vec<(Option<String>, Found)>,
}

/// The GPU code of a build's artifacts as the run takes it, and the run it was all reused
/// from, when every artifact's was.
pub(super) type GpuTaken = (Vec<Option<GpuCode>>, Option<Reuse>);

impl Build {
    /// The run every artifact's GPU code was reused from, when it was.
    pub(super) fn gpu_reuse(&self) -> Option<&Reuse> {
        self.gpu.get()?.1.as_ref()
    }

    /// The paths of the artifacts `looked` up did not find.
    fn missed(&self, looked: &Looked) -> Vec<PathBuf> {
        self.artifacts
            .iter()
            .zip(&looked.found)
            .filter(|(_, (_, found))| found.is_err())
            .map(|(a, _)| a.path.clone())
            .collect()
    }
}

/// Each of `build`'s artifacts looked up in the evidence cache by its path and its stamp
/// (length, inode, device, change time: `cache/stamps.rs`, which no rewrite behind a
/// restored modification time keeps).
fn look_up_gpu(cache: &Session, root: &Path, build: &Build) -> Looked {
    let at = SystemTime::now();
    let found = build
        .artifacts
        .iter()
        .map(|a| {
            let Some(stamp) = crate::cache::stamps::settled(&a.path, at) else {
                return (None, Err(Box::new(Pending::uncached())));
            };
            let subject = gate_support::path::relative(root, &a.path);
            let extra = [("artifact", stamp.clone())];
            let found = cache.lookup(Fact::BuiltGpu, Some(&subject), &extra, |_| true);
            (Some(stamp), found)
        })
        .collect();
    Looked { at, found }
}

/// Starts reading the GPU code of the artifacts the cache does not have on a thread of its
/// own (when the build succeeded): the test run goes on meanwhile, and [`built_gpu`] finds
/// it read, or waits for the rest.
pub(super) fn read_gpu_beside(cache: &Session, root: &Path, build: &Build) {
    if !build.ok {
        return;
    }
    let looked = look_up_gpu(cache, root, build);
    let (gpu, paths) = (Arc::clone(&build.gpu_read), build.missed(&looked));
    if let Ok(mut plan) = build.gpu_looked.lock() {
        *plan = Some(looked);
    }
    // Detached: it only reads files, and ends; a run that ends first does not wait.
    std::thread::spawn(move || {
        gpu.get_or_init(|| read_gpu(&paths));
    });
}

/// [`super::Core::built_gpu`]: the GPU code of `build`'s artifacts as the run takes it.
pub(super) fn built_gpu<'b>(
    cache: &Session,
    root: &Path,
    build: &'b Build,
) -> &'b [Option<GpuCode>] {
    &build.gpu.get_or_init(|| take_gpu(cache, root, build)).0
}

fn take_gpu(cache: &Session, root: &Path, build: &Build) -> GpuTaken {
    let planned = build.gpu_looked.lock().ok().and_then(|mut p| p.take());
    let looked = planned.unwrap_or_else(|| look_up_gpu(cache, root, build));
    let read = build
        .gpu_read
        .get_or_init(|| read_gpu(&build.missed(&looked)));
    let mut read = read.iter();
    let (mut all_reused, mut reuse) = (true, None);
    let Looked { at, found } = looked;
    let taken = found
        .into_iter()
        .zip(&build.artifacts)
        .map(|((stamp, found), artifact)| match found {
            Ok(hit) => {
                let obtained = cache.confirm(hit);
                reuse = reuse.take().or(obtained.reused);
                Some(obtained.value)
            }
            Err(pending) => {
                all_reused = false;
                let code = read.next().cloned().flatten()?;
                // Kept only when the file is still the one stamped: a write during the
                // read would key what was read by a stamp it no longer has.
                let still =
                    stamp.is_some() && crate::cache::stamps::settled(&artifact.path, at) == stamp;
                let keep = if still { Keep::Passed } else { Keep::Not };
                Some(cache.complete(*pending, Fresh::of(code, keep)).value)
            }
        })
        .collect();
    (taken, reuse.filter(|_| all_reused))
}

/// The files of one `compiler-artifact` message that can carry GPU code (build scripts'
/// own executables run on the build machine and ship nothing: skipped).
pub(super) fn artifacts_of(message: &serde_json::Value) -> Vec<BuiltArtifact> {
    use gate_formats::kernel_bom::BinaryKind;
    let kinds = message["target"]["kind"].as_array();
    if kinds.is_some_and(|k| k.iter().any(|k| k == "custom-build")) {
        return Vec::new();
    }
    let package = message["package_id"]
        .as_str()
        .map(crate::tools::cargo::package_name)
        .unwrap_or_default();
    let executable = message["executable"].as_str();
    let test = message["profile"]["test"].as_bool().unwrap_or(false);
    let kinds: Vec<&str> = kinds
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect();
    // What `cargo test` runs: a test-profile executable (an example built as a plain
    // executable is compiled, not run).
    let test_binary = match (test, message["manifest_path"].as_str()) {
        (true, Some(manifest)) if executable.is_some() => Some(TestBinary {
            id: test_binary_id(
                &package,
                &kinds,
                message["target"]["name"].as_str().unwrap_or_default(),
            ),
            package_dir: Path::new(manifest)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            sha256: String::new(),
        }),
        _ => None,
    };
    // An example ships no more than a test does (`cargo install` and `cargo publish` carry
    // none): rust-gpu-tools' example embeds a fatbin its library never loads.
    let test = test || kinds.iter().any(|k| matches!(*k, "example" | "bench"));
    let features: Vec<String> = message["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    let mut found = Vec::new();
    for file in message["filenames"].as_array().into_iter().flatten() {
        let Some(file) = file.as_str() else { continue };
        let kind = if Some(file) == executable {
            BinaryKind::Executable
        } else if file.ends_with(".rlib") {
            BinaryKind::Rlib
        } else if file.ends_with(".a") || file.ends_with(".lib") {
            BinaryKind::StaticLib
        } else if [".so", ".dylib", ".dll"].iter().any(|e| file.ends_with(e)) {
            BinaryKind::DynamicLib
        } else {
            continue;
        };
        found.push(BuiltArtifact {
            package: package.clone(),
            kind,
            path: PathBuf::from(file),
            test,
            size: 0,
            modified: None,
            test_binary: test_binary
                .clone()
                .filter(|_| kind == BinaryKind::Executable),
            features: Some(features.clone()),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use gate_formats::kernel_bom::BinaryKind;

    const PTX: &str =
        ".version 9.0\n.target sm_80\n.address_size 64\n\n.visible .entry k()\n{\n\tret;\n}\n";

    fn artifact(path: PathBuf, kind: BinaryKind, test: bool) -> BuiltArtifact {
        BuiltArtifact {
            package: "p".to_owned(),
            kind,
            test_binary: test.then(|| TestBinary {
                id: "p".to_owned(),
                package_dir: PathBuf::new(),
                sha256: String::new(),
            }),
            path,
            test,
            size: 0,
            modified: None,
            features: None,
        }
    }

    /// An example's executable, built as a plain one by `cargo test --no-run`, ships no more
    /// than a test does (rust-gpu-tools: kernels.shipped judged its fatbin against the fleet);
    /// the binary's own executable ships.
    #[test]
    fn an_example_does_not_ship_and_is_no_test_binary() {
        let message = |kind: &str| {
            serde_json::json!({
                "package_id": "path+file:///w#gputools@0.1.0",
                "manifest_path": "/w/Cargo.toml",
                "target": {"name": "add", "kind": [kind]},
                "profile": {"test": false},
                "features": ["default", "gpu"],
                "filenames": ["/w/target/debug/examples/add"],
                "executable": "/w/target/debug/examples/add",
            })
        };
        let example = artifacts_of(&message("example"));
        assert_eq!(example.len(), 1);
        assert!(
            example[0].test && example[0].test_binary.is_none(),
            "{example:?}"
        );
        let bin = artifacts_of(&message("bin"));
        assert!(!bin[0].test && bin[0].test_binary.is_none(), "{bin:?}");
        // The features cargo built it with, which say what code it can carry.
        assert_eq!(
            bin[0].features.as_deref(),
            Some(&["default".to_owned(), "gpu".to_owned()][..])
        );
    }

    /// The build digests its test binaries and only stamps the rest; the GPU code is read
    /// when asked for, from every artifact (an `OUT_DIR`'s PTX included), after the build.
    #[test]
    fn the_build_digests_test_binaries_and_reads_gpu_code_on_first_use() {
        let dir = tempfile::tempdir().unwrap();
        let out_dir = dir.path().join("out");
        std::fs::create_dir_all(out_dir.join("nested")).unwrap();
        std::fs::write(out_dir.join("nested/k.ptx"), PTX).unwrap();
        let test_binary = dir.path().join("p-0123");
        std::fs::write(&test_binary, b"a test binary").unwrap();
        // Not a file: a build that read every artifact would drop it; stamping keeps it.
        let rlib = dir.path().join("libdep.rlib");
        std::fs::create_dir(&rlib).unwrap();
        let listed = vec![
            artifact(test_binary.clone(), BinaryKind::Executable, true),
            artifact(rlib.clone(), BinaryKind::Rlib, false),
        ];
        let stamped = stamp_artifacts(listed, &[("p".to_owned(), out_dir.clone())]);
        let paths: Vec<&Path> = stamped.iter().map(|a| a.path.as_path()).collect();
        let ptx = out_dir.join("nested/k.ptx");
        assert_eq!(paths, [&rlib, &ptx, &test_binary]);
        let digest = stamped[2].test_binary.as_ref().map(|b| b.sha256.as_str());
        assert_eq!(
            digest,
            Some(gate_support::digest::sha256_hex(b"a test binary").as_str())
        );
        assert_eq!(stamped[2].size, 13);
        assert_eq!(stamped[1].kind, BinaryKind::GpuFile);

        // Written after the build was gathered: the read on first use sees it.
        std::fs::write(&test_binary, format!("binary\0{PTX}")).unwrap();
        let paths: Vec<PathBuf> = stamped.iter().map(|a| a.path.clone()).collect();
        let gpu = read_gpu(&paths);
        let images = |i: usize| gpu[i].as_ref().map(|code| code.images.len());
        assert_eq!((images(0), images(1), images(2)), (None, Some(1), Some(1)));
    }

    /// What a build script leaves in its `OUT_DIR` is read only as a regular file, and only
    /// up to the cap: a FIFO named like a library is not waited on (a thread stands guard,
    /// so a regression fails rather than hangs), a file over the cap is not read (a sparse
    /// one: nothing is written to make it), a library beside them is.
    #[cfg(unix)]
    #[test]
    fn an_out_dir_s_fifo_or_outsized_file_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.a");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
        let huge = dir.path().join("huge.a");
        let file = std::fs::File::create(&huge).unwrap();
        file.set_len(ARTIFACT_CAP + 1).unwrap();
        let lib = dir.path().join("libk.a");
        std::fs::write(&lib, format!("!<arch>\n{PTX}")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(read_gpu(&[fifo, huge, lib]));
        });
        let gpu = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the read ended");
        let read: Vec<bool> = gpu.iter().map(Option::is_some).collect();
        assert_eq!(read, [false, false, true]);
    }
}
