//! The decision log: one JSON line for every decision the runtime makes (which backend ran, why
//! it fell back, which contract was violated, when a rail rolled back or returned, ...).
//!
//! The log answers "why did this call run where it ran" after the fact, so every line carries
//! every field (null when it does not apply) and a sequence number. Logging must never hurt the
//! call being logged: a failing (or even panicking) sink is counted in
//! [`DecisionLog::write_errors`] and otherwise ignored.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

pub use gate_formats::decision_log::{Decision, Event};

/// Where decisions go. Shared between threads, so it takes `&self`.
pub trait DecisionSink: Send + Sync {
    /// Writes one decision. Errors are counted by [`DecisionLog`], never shown to the caller.
    fn write(&self, decision: &Decision) -> io::Result<()>;

    /// Whether the sink keeps anything. A sink that discards every decision says `false`,
    /// so the log skips building, timestamping and formatting decisions nobody reads: on the
    /// GPU path that is most of the runtime's own cost per call.
    fn keeps(&self) -> bool {
        true
    }
}

/// Lets a caller keep a handle on the sink it gives the log (e.g. to `take()` a [`MemorySink`]).
impl<S: DecisionSink + ?Sized> DecisionSink for Arc<S> {
    fn write(&self, decision: &Decision) -> io::Result<()> {
        (**self).write(decision)
    }

    fn keeps(&self) -> bool {
        (**self).keeps()
    }
}

/// Locks a mutex, recovering it if a previous holder panicked: the protected data (a file handle
/// and its length, or a list of decisions) is still consistent, and a log must keep working.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Appends decisions as JSON lines to a file of bounded size.
///
/// Each line is written with a single `write_all` on a file opened with `O_APPEND`, under a lock,
/// so lines from concurrent threads never interleave. When a line would take the file past
/// `max_bytes`, the file is **rotated**: renamed to `<name>.1` (replacing an older `.1`) and a
/// fresh file is started. So at most about `2 × max_bytes` is kept on disk, the newest decisions
/// are never the ones dropped, and a line that alone is longer than `max_bytes` is refused with
/// an error (the bound is strict). Rotation assumes this sink is the only one rotating the file.
/// Lines reach the OS on every write but are not fsynced.
#[derive(Debug)]
pub struct FileSink {
    path: PathBuf,
    rotated_path: PathBuf,
    max_bytes: u64,
    file: Mutex<OpenFile>,
    rotations: AtomicU64,
}

/// The file being appended to and its length, tracked to decide rotation without a `stat` per
/// line.
#[derive(Debug)]
struct OpenFile {
    file: File,
    len: u64,
}

impl OpenFile {
    fn open(path: &Path) -> io::Result<OpenFile> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let len = file.metadata()?.len();
        Ok(OpenFile { file, len })
    }
}

impl FileSink {
    /// Opens (creating if needed, appending if it exists) the log at `path`, rotating at
    /// `max_bytes`. The parent directory must exist.
    pub fn new(path: impl Into<PathBuf>, max_bytes: u64) -> io::Result<FileSink> {
        let path = path.into();
        let mut rotated = OsString::from(path.as_os_str());
        rotated.push(".1");
        let file = OpenFile::open(&path)?;
        Ok(FileSink {
            rotated_path: PathBuf::from(rotated),
            path,
            max_bytes,
            file: Mutex::new(file),
            rotations: AtomicU64::new(0),
        })
    }

    /// The file being appended to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the previous file goes on rotation: the path with `.1` appended.
    pub fn rotated_path(&self) -> &Path {
        &self.rotated_path
    }

    /// The size the file never exceeds.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// How many times the file has been rotated by this sink.
    pub fn rotations(&self) -> u64 {
        self.rotations.load(Ordering::Relaxed)
    }

    #[expect(
        clippy::disallowed_methods,
        reason = "log rotation moves the full log aside; nothing is written through the rename"
    )]
    fn rotate(&self, open: &mut OpenFile) -> io::Result<()> {
        match fs::rename(&self.path, &self.rotated_path) {
            Ok(()) => {}
            // Someone removed the file; starting a new one is all rotation has to do.
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        *open = OpenFile::open(&self.path)?;
        self.rotations.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl DecisionSink for FileSink {
    fn write(&self, decision: &Decision) -> io::Result<()> {
        let line = decision.to_json_line();
        let len = line.len() as u64;
        if len > self.max_bytes {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a decision line of {len} bytes exceeds the log's max_bytes of {}",
                    self.max_bytes
                ),
            ));
        }
        let mut open = lock(&self.file);
        if open.len + len > self.max_bytes {
            self.rotate(&mut open)?;
        }
        match open.file.write_all(line.as_bytes()) {
            Ok(()) => {
                open.len += len;
                Ok(())
            }
            Err(error) => {
                // Part of the line may have been written; re-read the length so rotation stays
                // accurate.
                if let Ok(metadata) = open.file.metadata() {
                    open.len = metadata.len();
                }
                Err(error)
            }
        }
    }
}

/// Keeps decisions in memory, for tests and examples.
#[derive(Debug, Default)]
pub struct MemorySink {
    decisions: Mutex<Vec<Decision>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// Removes and returns every decision written so far, in write order.
    pub fn take(&self) -> Vec<Decision> {
        std::mem::take(&mut *lock(&self.decisions))
    }

    /// How many decisions are held.
    pub fn len(&self) -> usize {
        lock(&self.decisions).len()
    }

    /// Whether no decisions are held.
    pub fn is_empty(&self) -> bool {
        lock(&self.decisions).is_empty()
    }
}

impl DecisionSink for MemorySink {
    fn write(&self, decision: &Decision) -> io::Result<()> {
        lock(&self.decisions).push(decision.clone());
        Ok(())
    }
}

/// Discards every decision.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl DecisionSink for NullSink {
    fn write(&self, _decision: &Decision) -> io::Result<()> {
        Ok(())
    }

    fn keeps(&self) -> bool {
        false
    }
}

/// Supplies timestamps, so tests can fix them.
pub trait Clock: Send + Sync {
    /// The current time as RFC 3339 in UTC, e.g. `"2026-11-20T13:45:07.123456Z"`.
    fn now_rfc3339(&self) -> String;
}

/// The system's real-time clock, formatted with microsecond precision.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_rfc3339(&self) -> String {
        let (secs, nanos) = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => (
                i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
                since.subsec_nanos(),
            ),
            // A clock set before 1970: still produce a correct (negative-offset) time.
            Err(error) => {
                let before = error.duration();
                let secs = -i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
                match before.subsec_nanos() {
                    0 => (secs, 0),
                    nanos => (secs - 1, 1_000_000_000 - nanos),
                }
            }
        };
        gate_support::date::rfc3339_micros(secs, nanos)
    }
}

/// Always returns the same timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedClock(pub String);

impl Clock for FixedClock {
    fn now_rfc3339(&self) -> String {
        self.0.clone()
    }
}

/// Numbers decisions, timestamps them, and hands them to a sink.
///
/// `Sync`: one log is shared by every thread of a runtime.
pub struct DecisionLog {
    sink: Box<dyn DecisionSink>,
    clock: Box<dyn Clock>,
    /// The last `seq` handed out.
    seq: AtomicU64,
    write_errors: AtomicU64,
}

impl fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The sink and clock are trait objects without `Debug`; the counters are what matters.
        f.debug_struct("DecisionLog")
            .field("recorded", &self.recorded())
            .field("write_errors", &self.write_errors())
            .finish_non_exhaustive()
    }
}

impl DecisionLog {
    /// A log writing to `sink` with timestamps from `clock`.
    pub fn new(sink: Box<dyn DecisionSink>, clock: Box<dyn Clock>) -> DecisionLog {
        DecisionLog {
            sink,
            clock,
            seq: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
        }
    }

    /// A log writing to `sink` with timestamps from the [`SystemClock`].
    pub fn with_system_clock(sink: Box<dyn DecisionSink>) -> DecisionLog {
        DecisionLog::new(sink, Box::new(SystemClock))
    }

    /// A log that discards everything (still numbering decisions).
    pub fn null() -> DecisionLog {
        DecisionLog::with_system_clock(Box::new(NullSink))
    }

    /// Numbers, timestamps and writes a decision, and returns it.
    ///
    /// The decision's `seq` and `timestamp` are replaced: only the log hands those out, so
    /// they stay unique and ordered.
    ///
    /// Never fails and never panics because of the sink: a write error, or a panic inside the
    /// sink, is counted in [`DecisionLog::write_errors`] and the decision is dropped from the
    /// sink (it is still returned).
    pub fn record(&self, mut decision: Decision) -> Decision {
        decision.seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        decision.timestamp = self.clock.now_rfc3339();
        // A sink panic must not unwind into the kernel call being logged.
        let written = catch_unwind(AssertUnwindSafe(|| self.sink.write(&decision)));
        if !matches!(written, Ok(Ok(()))) {
            self.write_errors.fetch_add(1, Ordering::Relaxed);
        }
        decision
    }

    /// Records the decision `make` builds, building it only when the sink keeps decisions.
    /// Either way the decision takes its number, so [`DecisionLog::recorded`] counts it.
    pub fn record_with(&self, make: impl FnOnce() -> Decision) {
        if self.sink.keeps() {
            self.record(make());
        } else {
            self.seq.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// How many decisions could not be written.
    pub fn write_errors(&self) -> u64 {
        self.write_errors.load(Ordering::Relaxed)
    }

    /// How many decisions have been recorded (the last `seq` handed out).
    pub fn recorded(&self) -> u64 {
        self.seq.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;
    use crate::status::StatusCode;

    const FIXED: &str = "2026-11-20T13:45:07.123456Z";

    fn fixed_log(sink: Box<dyn DecisionSink>) -> DecisionLog {
        DecisionLog::new(sink, Box::new(FixedClock(FIXED.to_owned())))
    }

    fn sample_decisions() -> Vec<Decision> {
        vec![
            Decision::new("saxpy", Event::BackendChoice, "auto", "gpu")
                .fingerprint("sha256:ab12cd34@sm_90/cuda13.0"),
            Decision::new("saxpy", Event::Fallback, "auto", "cpu")
                .fallback("no_driver")
                .status(StatusCode::Fallback),
            Decision::new("saxpy", Event::ContractViolation, "gpu", "gpu")
                .contract("length_mismatch: y expected 10 got 9")
                .status(StatusCode::InvalidArgument),
            Decision::new("softmax_rows_f32", Event::Rollback, "auto", "cpu")
                .fallback("rolled_back")
                .status(StatusCode::GuardMiss)
                .detail("4 failures in the last 64 GPU calls (6.25% > 5%)"),
            Decision::new("plan:saxpy+reduce", Event::GraphBreak, "auto", "gpu")
                .graph_break("host read of an intermediate between saxpy and reduce_sum_f32"),
            Decision::new("sgemm_tiled", Event::Poisoned, "auto", "cpu")
                .fallback("poisoned")
                .status(StatusCode::ContextPoisoned)
                .detail("CUDA_ERROR_ILLEGAL_ADDRESS \"sticky\"\nline two"),
        ]
    }

    #[test]
    fn json_lines_schema_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let log = fixed_log(Box::new(FileSink::new(&path, 1 << 20).unwrap()));
        for decision in sample_decisions() {
            log.record(decision);
        }
        assert_eq!(log.write_errors(), 0);
        insta::assert_snapshot!(fs::read_to_string(&path).unwrap(), @r#"
            {"seq":1,"timestamp":"2026-11-20T13:45:07.123456Z","kernel":"saxpy","event":"backend_choice","mode":"auto","backend":"gpu","fallback":null,"contract":null,"graph_break":null,"fingerprint":"sha256:ab12cd34@sm_90/cuda13.0","status":"ok","detail":null}
            {"seq":2,"timestamp":"2026-11-20T13:45:07.123456Z","kernel":"saxpy","event":"fallback","mode":"auto","backend":"cpu","fallback":"no_driver","contract":null,"graph_break":null,"fingerprint":null,"status":"fallback","detail":null}
            {"seq":3,"timestamp":"2026-11-20T13:45:07.123456Z","kernel":"saxpy","event":"contract_violation","mode":"gpu","backend":"gpu","fallback":null,"contract":"length_mismatch: y expected 10 got 9","graph_break":null,"fingerprint":null,"status":"invalid_argument","detail":null}
            {"seq":4,"timestamp":"2026-11-20T13:45:07.123456Z","kernel":"softmax_rows_f32","event":"rollback","mode":"auto","backend":"cpu","fallback":"rolled_back","contract":null,"graph_break":null,"fingerprint":null,"status":"guard_miss","detail":"4 failures in the last 64 GPU calls (6.25% > 5%)"}
            {"seq":5,"timestamp":"2026-11-20T13:45:07.123456Z","kernel":"plan:saxpy+reduce","event":"graph_break","mode":"auto","backend":"gpu","fallback":null,"contract":null,"graph_break":"host read of an intermediate between saxpy and reduce_sum_f32","fingerprint":null,"status":"ok","detail":null}
            {"seq":6,"timestamp":"2026-11-20T13:45:07.123456Z","kernel":"sgemm_tiled","event":"poisoned","mode":"auto","backend":"cpu","fallback":"poisoned","contract":null,"graph_break":null,"fingerprint":null,"status":"context_poisoned","detail":"CUDA_ERROR_ILLEGAL_ADDRESS \"sticky\"\nline two"}
            "#);
    }

    #[test]
    fn every_field_is_present_and_null_when_empty() {
        let sink = Arc::new(MemorySink::new());
        let log = fixed_log(Box::new(Arc::clone(&sink)));
        for decision in sample_decisions() {
            log.record(decision);
        }
        // The one list of the line's fields, kept equal to the type in gate-formats.
        let fields = Decision::FIELDS;
        let decisions = sink.take();
        assert_eq!(decisions.len(), 6);
        assert!(sink.is_empty());
        for decision in &decisions {
            let line = decision.to_json_line();
            assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'));
            let Value::Object(object) = serde_json::from_str::<Value>(&line).unwrap() else {
                panic!("not an object: {line}");
            };
            let keys: Vec<&str> = object.keys().map(String::as_str).collect();
            let mut expected = fields.to_vec();
            expected.sort_unstable();
            assert_eq!(
                keys, expected,
                "serde_json sorts keys; the set must match exactly"
            );
            for optional in [
                "fallback",
                "contract",
                "graph_break",
                "fingerprint",
                "detail",
            ] {
                let value = &object[optional];
                assert!(value.is_null() || value.is_string(), "{optional}: {value}");
            }
            assert_eq!(serde_json::from_str::<Decision>(&line).unwrap(), *decision);
        }
        // Field order on the line follows the struct.
        let line = decisions[0].to_json_line();
        let positions: Vec<usize> = fields
            .iter()
            .map(|field| line.find(&format!("\"{field}\":")).unwrap())
            .collect();
        assert!(positions.is_sorted(), "{line}");
        assert_eq!(decisions[0].fallback, None);
        assert!(line.contains(r#""fallback":null"#));
    }

    #[test]
    fn events_use_their_stable_names() {
        let names: BTreeSet<&str> = Event::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(names.len(), Event::ALL.len());
        for &event in Event::ALL {
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(json, format!("\"{event}\""));
            assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
        }
    }

    #[test]
    fn seq_counts_from_one() {
        let log = fixed_log(Box::new(NullSink));
        let first = log.record(Decision::new("k", Event::BackendChoice, "auto", "gpu"));
        let second = log.record(Decision::new("k", Event::BackendChoice, "auto", "gpu"));
        assert_eq!((first.seq, second.seq, log.recorded()), (1, 2, 2));
        assert_eq!(first.timestamp, FIXED);
    }

    #[test]
    fn recording_a_whole_decision_replaces_its_seq_and_timestamp() {
        let sink = Arc::new(MemorySink::new());
        let log = fixed_log(Box::new(Arc::clone(&sink)));
        log.record(Decision::new("k", Event::BackendChoice, "auto", "gpu"));
        let given = Decision::new("k", Event::Fallback, "auto", "cpu")
            .fallback("no_driver")
            .status(StatusCode::Fallback);
        let recorded = log.record(given.clone());
        assert_eq!((recorded.seq, recorded.timestamp.as_str()), (2, FIXED));
        assert_eq!(
            Decision {
                seq: 2,
                timestamp: FIXED.to_owned(),
                ..given
            },
            recorded
        );
        assert_eq!(sink.take().last(), Some(&recorded));
    }

    fn parse_lines(text: &str) -> Vec<Decision> {
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "a partial line at the end"
        );
        text.lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("torn line {line:?}: {e}"))
            })
            .collect()
    }

    #[test]
    fn file_sink_appends_whole_lines_from_many_threads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let log = fixed_log(Box::new(FileSink::new(&path, u64::MAX).unwrap()));
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let log = &log;
                scope.spawn(move || {
                    for i in 0..200 {
                        // Long enough that a torn write would show.
                        log.record(
                            Decision::new(
                                format!("kernel_{thread}"),
                                Event::BackendChoice,
                                "auto",
                                "gpu",
                            )
                            .detail(format!("{i}:{}", "x".repeat(300 + i))),
                        );
                    }
                });
            }
        });
        assert_eq!(log.write_errors(), 0);
        let decisions = parse_lines(&fs::read_to_string(&path).unwrap());
        assert_eq!(decisions.len(), 1600);
        let seqs: BTreeSet<u64> = decisions.iter().map(|d| d.seq).collect();
        assert_eq!(seqs, (1..=1600).collect());
    }

    #[test]
    fn file_sink_rotates_at_the_size_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let sink = Arc::new(FileSink::new(&path, 1_000).unwrap());
        let log = fixed_log(Box::new(Arc::clone(&sink)));
        for i in 0..40 {
            let decision = log.record(
                Decision::new("saxpy", Event::BackendChoice, "auto", "gpu").detail(i.to_string()),
            );
            let current = fs::read_to_string(&path).unwrap();
            assert!(current.len() <= 1_000, "{} bytes", current.len());
            assert_eq!(
                parse_lines(&current).last(),
                Some(&decision),
                "the newest line is kept"
            );
            if let Ok(rotated) = fs::read_to_string(sink.rotated_path()) {
                assert!(rotated.len() <= 1_000);
                // Nothing is lost between the two files: their seqs are contiguous.
                let seqs: Vec<u64> = parse_lines(&rotated)
                    .iter()
                    .chain(parse_lines(&current).iter())
                    .map(|d| d.seq)
                    .collect();
                assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
            }
        }
        assert_eq!(log.write_errors(), 0);
        assert!(sink.rotations() >= 3, "{} rotations", sink.rotations());
        assert!(sink.rotated_path().ends_with("decisions.jsonl.1"));
        assert_eq!(sink.max_bytes(), 1_000);
        assert_eq!(sink.path(), path);
    }

    #[test]
    fn file_sink_rotation_keeps_lines_whole_under_concurrency() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let sink = Arc::new(FileSink::new(&path, 16 * 1024).unwrap());
        let log = fixed_log(Box::new(Arc::clone(&sink)));
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..200 {
                        log.record(Decision::new("k", Event::SelfTest, "auto", "gpu"));
                    }
                });
            }
        });
        assert_eq!(log.write_errors(), 0);
        assert!(sink.rotations() > 0);
        for file in [sink.path(), sink.rotated_path()] {
            let text = fs::read_to_string(file).unwrap();
            assert!(text.len() <= 16 * 1024);
            assert!(!parse_lines(&text).is_empty());
        }
    }

    #[test]
    fn file_sink_appends_to_an_existing_file_and_counts_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        fs::write(&path, "x".repeat(900)).unwrap();
        let sink = FileSink::new(&path, 1_000).unwrap();
        let decision = Decision {
            seq: 1,
            timestamp: FIXED.to_owned(),
            ..Decision::new("k", Event::Return, "auto", "gpu")
        };
        sink.write(&decision).unwrap();
        assert_eq!(
            sink.rotations(),
            1,
            "900 bytes plus a line exceed the bound"
        );
        assert_eq!(
            fs::read_to_string(sink.rotated_path()).unwrap(),
            "x".repeat(900)
        );
        assert_eq!(
            parse_lines(&fs::read_to_string(&path).unwrap()),
            vec![decision]
        );
    }

    #[test]
    fn oversized_lines_are_refused_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let log = fixed_log(Box::new(FileSink::new(&path, 100).unwrap()));
        let decision = log.record(Decision::new("k", Event::BackendChoice, "auto", "gpu"));
        assert_eq!(decision.seq, 1);
        assert_eq!(log.write_errors(), 1);
        assert_eq!(fs::read_to_string(&path).unwrap(), "");
    }

    #[test]
    fn a_sink_that_keeps_nothing_is_never_handed_a_decision_but_each_is_numbered() {
        let built = std::cell::Cell::new(0);
        let make = || {
            built.set(built.get() + 1);
            Decision::new("saxpy", Event::BackendChoice, "auto", "gpu")
        };
        let null = fixed_log(Box::new(NullSink));
        null.record_with(make);
        null.record_with(make);
        assert_eq!((built.get(), null.recorded()), (0, 2));
        let sink = Arc::new(MemorySink::new());
        let kept = fixed_log(Box::new(sink.clone()));
        kept.record_with(make);
        assert_eq!((built.get(), kept.recorded()), (1, 1));
        assert_eq!(sink.take().len(), 1);
    }

    #[derive(Debug)]
    struct FailingSink;

    impl DecisionSink for FailingSink {
        fn write(&self, _decision: &Decision) -> io::Result<()> {
            Err(io::Error::other("disk on fire"))
        }
    }

    #[derive(Debug)]
    struct PanickingSink;

    impl DecisionSink for PanickingSink {
        fn write(&self, _decision: &Decision) -> io::Result<()> {
            panic!("sink bug")
        }
    }

    #[test]
    fn sink_errors_and_panics_are_counted_not_propagated() {
        let failing = fixed_log(Box::new(FailingSink));
        failing.record(Decision::new("k", Event::Fallback, "auto", "cpu"));
        failing.record(Decision::new("k", Event::Fallback, "auto", "cpu"));
        assert_eq!((failing.write_errors(), failing.recorded()), (2, 2));

        let panicking = fixed_log(Box::new(PanickingSink));
        let decision = panicking.record(Decision::new("k", Event::Fallback, "auto", "cpu"));
        assert_eq!(decision.seq, 1);
        assert_eq!(panicking.write_errors(), 1);
        assert!(format!("{panicking:?}").contains("write_errors: 1"));
    }

    #[test]
    fn file_sink_needs_an_existing_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(FileSink::new(dir.path().join("missing/decisions.jsonl"), 1_000).is_err());
    }

    /// Checks `YYYY-MM-DDTHH:MM:SS[.frac]Z` with real field ranges (RFC 3339 `date-time` in UTC).
    fn parse_rfc3339_utc(text: &str) -> Option<(i64, u32, u32, u32, u32, u32)> {
        let (date, time) = text.split_once('T')?;
        let time = time.strip_suffix('Z')?;
        let (year, rest) = date.split_once('-')?;
        let (month, day) = rest.split_once('-')?;
        let (hms, fraction) = match time.split_once('.') {
            Some((hms, fraction)) => (hms, Some(fraction)),
            None => (time, None),
        };
        let mut hms = hms.split(':');
        let (hour, minute, second) = (hms.next()?, hms.next()?, hms.next()?);
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let all_digits = [
            (year, 4),
            (month, 2),
            (day, 2),
            (hour, 2),
            (minute, 2),
            (second, 2),
        ]
        .iter()
        .all(|(field, width)| digits(field, *width));
        if !all_digits
            || hms.next().is_some()
            || fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let (year, month, day): (i64, u32, u32) =
            (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
        let (hour, minute, second): (u32, u32, u32) = (
            hour.parse().ok()?,
            minute.parse().ok()?,
            second.parse().ok()?,
        );
        let valid = gate_support::date::Date::from_ymd(year, month, day).is_some()
            && hour < 24
            && minute < 60
            && second < 61;
        valid.then_some((year, month, day, hour, minute, second))
    }

    #[test]
    fn system_clock_output_is_rfc3339_utc() {
        let now = SystemClock.now_rfc3339();
        let (year, ..) = parse_rfc3339_utc(&now).unwrap_or_else(|| panic!("not RFC 3339: {now}"));
        assert!(year >= 2025, "{now}");
        assert_eq!(now.len(), "2026-11-20T13:45:07.123456Z".len());
        assert!(parse_rfc3339_utc(FIXED).is_some());
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-11-20 13:45:07Z",
            "2026-11-20T13:45:07",
            "2026-11-20T24:00:00Z",
        ] {
            assert!(parse_rfc3339_utc(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn rfc3339_formatting_of_known_instants() {
        assert_eq!(
            gate_support::date::rfc3339_micros(0, 0),
            "1970-01-01T00:00:00.000000Z"
        );
        assert_eq!(
            gate_support::date::rfc3339_micros(951_782_400, 0),
            "2000-02-29T00:00:00.000000Z"
        );
        assert_eq!(
            gate_support::date::rfc3339_micros(1_795_182_307, 123_456_789),
            "2026-11-20T13:45:07.123456Z"
        );
        assert_eq!(
            gate_support::date::rfc3339_micros(-1, 500_000_000),
            "1969-12-31T23:59:59.500000Z"
        );
        assert_eq!(
            gate_support::date::rfc3339_micros(86_399, 999_999_999),
            "1970-01-01T23:59:59.999999Z"
        );
    }
}
