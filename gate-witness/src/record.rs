//! One witnessed compile, as written beside the build's outputs and read back: a JSON file
//! per invocation in `<OUT_DIR>/.gate-witness/`, written whole (a temporary file renamed into
//! place), so parallel compiles never interleave and a killed compile leaves no half record.

use serde::{Deserialize, Serialize};

use std::path::{Path, PathBuf};

/// Current schema of a record.
pub const SCHEMA_VERSION: u32 = 1;

/// The directory, inside a build script's `OUT_DIR`, that holds its records.
pub const DIR_NAME: &str = ".gate-witness";

/// The marker a witnessing tool leaves in an `OUT_DIR` whose build script ran under the
/// witness (so a reused build that compiled nothing is told apart from one never witnessed).
pub const RAN_MARKER: &str = "witnessed";

/// A record larger than this is not one of ours: it is skipped, never read whole.
pub const MAX_RECORD_BYTES: u64 = 4 << 20;

/// One nvcc invocation that compiled GPU code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The arguments, as given (without the program name).
    pub args: Vec<String>,
    /// The directory it ran in.
    pub cwd: PathBuf,
    /// The package whose build script ran it (`CARGO_PKG_NAME`), when one did.
    pub package: Option<String>,
    /// That package's directory (`CARGO_MANIFEST_DIR`).
    pub manifest_dir: Option<PathBuf>,
    /// What it produced (`object`, `ptx`, `library`, …).
    pub mode: crate::args::Mode,
    /// The GPU sources it compiled, absolute.
    pub inputs: Vec<PathBuf>,
    /// Every file those sources read (nvcc's own dependency output), absolute, the inputs
    /// left out.
    pub includes: Vec<PathBuf>,
    /// Why `includes` is empty for want of evidence, when it is.
    pub includes_unread: Option<String>,
    /// The archs asked for, as written.
    pub archs: Vec<String>,
    /// The output file or directory, absolute, when named.
    pub output: Option<PathBuf>,
    /// The real compiler's exit code (`None`: ended by a signal).
    pub exit_code: Option<i32>,
    /// The real compiler that ran.
    pub compiler: PathBuf,
    /// When the witness started, in nanoseconds since the Unix epoch (a record older than its
    /// build script's last run is left over from an earlier run of it).
    pub started: u64,
    /// The SHA-256 of every file the compile read (`inputs`, then `includes`) and of the
    /// output file it wrote, taken when it succeeded: a later run of the build script that
    /// finds the output up to date and compiles nothing is shown this compile again while every
    /// one of them still holds ([`Invocation::still_holds`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub digests: Vec<(PathBuf, String)>,
    /// The programs between the build script and this nvcc, outermost first (`make`, `sh`:
    /// a Makefile's recipe; `cmake`, `gmake`; `python3`), each by its name: empty where the
    /// build script started nvcc itself (`cc`, a `Command`), and where no build script was
    /// found among its parents (off Linux, or nvcc run by hand) —
    /// [`crate::witness::started_through`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub through: Vec<String>,
}

impl Invocation {
    /// When the witness started.
    pub fn started_at(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + std::time::Duration::from_nanos(self.started)
    }

    /// Whether the compile succeeded.
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// Whether what this compile wrote is still what it wrote, from the same files: it
    /// succeeded, its output file and every file it read have the digests it recorded. Content,
    /// not times: a source edited back and forth holds, one edited since does not.
    pub fn still_holds(&self) -> bool {
        let output_digested = self
            .output
            .as_ref()
            .is_some_and(|out| self.digests.iter().any(|(p, _)| p == out));
        self.succeeded()
            && output_digested
            && self.digests.iter().all(|(path, digest)| {
                gate_support::digest::sha256_file(path).is_ok_and(|(now, _)| now == *digest)
            })
    }

    /// This record with the [`Invocation::digests`] of a compile that succeeded (none of one
    /// that failed, or whose output is not a file: nothing of it is shown again).
    pub(crate) fn digested(mut self) -> Invocation {
        let Some(output) = self.output.clone().filter(|o| o.is_file()) else {
            return self;
        };
        if !self.succeeded() {
            return self;
        }
        let read = self.inputs.iter().chain(&self.includes).chain([&output]);
        let digests: Option<Vec<(PathBuf, String)>> = read
            .map(|p| Some((p.clone(), gate_support::digest::sha256_file(p).ok()?.0)))
            .collect();
        self.digests = digests.unwrap_or_default();
        self
    }

    /// Writes the record into `dir` (created when missing) under a name no other invocation
    /// takes (time, process id).
    pub fn write_into(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = dir.join(format!("{nanos}-{}.json", std::process::id()));
        let bytes = gate_support::json::pretty_bytes(self).map_err(std::io::Error::other)?;
        gate_support::atomic::write(&path, &bytes)?;
        Ok(path)
    }
}

/// What was read from one `OUT_DIR`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutDir {
    /// The records, oldest first.
    pub invocations: Vec<Invocation>,
    /// Whether the directory says its build script ran under the witness (records, or the
    /// [`RAN_MARKER`]).
    pub witnessed: bool,
    /// Files of the records directory that were not read, with why (not a regular file, too
    /// large, not a record).
    pub skipped: Vec<(PathBuf, String)>,
}

/// Reads the records of one build script's `OUT_DIR`. A missing directory is an empty read;
/// symlinks, special files and oversized files are skipped with a reason, never followed or
/// read whole.
pub fn read_out_dir(out_dir: &Path) -> OutDir {
    let dir = out_dir.join(DIR_NAME);
    let mut read = OutDir::default();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return read;
    };
    let mut names: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    names.sort();
    for path in names {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.as_deref() == Some(RAN_MARKER) {
            read.witnessed = true;
            continue;
        }
        if !name.as_deref().is_some_and(|n| n.ends_with(".json")) {
            continue;
        }
        match read_one(&path) {
            Ok(invocation) => read.invocations.push(invocation),
            Err(why) => read.skipped.push((path, why)),
        }
    }
    read.witnessed |= !read.invocations.is_empty();
    read
}

fn read_one(path: &Path) -> Result<Invocation, String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    if meta.len() > MAX_RECORD_BYTES {
        return Err(format!(
            "{} bytes, over the {MAX_RECORD_BYTES}-byte limit",
            meta.len()
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| {
            std::io::Read::read_to_string(&mut std::io::Read::take(f, MAX_RECORD_BYTES), &mut text)
        })
        .map_err(|e| e.to_string())?;
    let invocation: Invocation =
        serde_json::from_str(&text).map_err(|e| format!("not a witness record ({e})"))?;
    if invocation.schema != SCHEMA_VERSION {
        return Err(format!(
            "schema {} (this reader knows {SCHEMA_VERSION})",
            invocation.schema
        ));
    }
    Ok(invocation)
}

/// Marks `out_dir` as one whose build script ran under the witness (see [`RAN_MARKER`]).
pub fn mark_witnessed(out_dir: &Path) -> std::io::Result<()> {
    let dir = out_dir.join(DIR_NAME);
    std::fs::create_dir_all(&dir)?;
    let marker = dir.join(RAN_MARKER);
    if marker.is_file() {
        return Ok(());
    }
    gate_support::atomic::write(&marker, b"")
}
