//! Yielding the processor to cargo. A static run of a large workspace waits on one cargo
//! process (`cargo metadata`, the resolve) while its own work — reading the manifests and
//! sources, git, the toolchain probes, the checks that need no resolve — runs beside it in
//! many threads and processes. On two cores the scheduler shares them fairly among every
//! runnable thread, and cargo, one thread among twenty, got a fraction of a core: its 0.11 s
//! took 0.16 s (the thirty-third session's timeline of a 500-member workspace, docs/
//! PERFORMANCE.md). On a machine idle enough to leave the gate a processor of its own,
//! [`yield_to_cargo`] lowers the gate's own priority instead, so its work beside cargo takes
//! only what cargo leaves idle.

/// Whether the machine was idle enough when the gate started ([`note_start`]) for the gate's
/// own work to yield to cargo's ([`yield_to_cargo`]): a processor left over for that work
/// even at the least priority. Where more programs compete for the processors than there are
/// processors, the least priority would hand them the gate's share as well, for the whole run
/// (a static run on rust-analyzer beside a CI build took 1.7× its time).
static IDLE_AT_START: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Notes, first thing in the binary and before the gate starts a thread of its own (threads
/// just started are ready to run too), whether the machine is idle enough: no more threads
/// ready to run this instant, the one asking included, than processors (Linux:
/// `/proc/loadavg`), so that at most one processor fewer than there are is taken by others
/// and one is left for the gate. A bound of one thread (the gate alone) failed in two runs of
/// three on an otherwise idle machine: a kernel thread woke at that instant. Elsewhere, or
/// where it cannot be read, never idle.
pub fn note_start() {
    #[cfg(target_os = "linux")]
    let idle = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| runnable(&text))
        .is_some_and(|n| idle_with(n, processors()));
    #[cfg(not(target_os = "linux"))]
    let idle = false;
    let _ = IDLE_AT_START.set(idle);
}

/// The processors this process may run on (its affinity and quota), at least one.
#[cfg(target_os = "linux")]
fn processors() -> u32 {
    std::thread::available_parallelism()
        .ok()
        .and_then(|n| u32::try_from(n.get()).ok())
        .unwrap_or(1)
}

/// Whether `runnable` threads ready to run, the gate's own included, leave a processor of
/// `processors` to the gate's work at the least priority.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn idle_with(runnable: u32, processors: u32) -> bool {
    runnable <= processors.max(1)
}

/// Lowers the calling thread's scheduling priority to the least (nice 19) where the machine
/// was idle when the gate started (never where [`note_start`] was not asked: the gate run as
/// a library, by the tests): the threads and processes it starts from now on inherit it;
/// cargo, started before, keeps its own. Only for a run that builds and tests nothing (a
/// test run's programs would inherit it too), and only where the priority is per thread
/// (Linux). It cannot be raised again, and need not be: nice only orders threads that
/// compete, so on an idle machine the run goes as fast once cargo has answered. Best
/// effort: where the system refuses, the run goes on as it was.
pub fn yield_to_cargo() {
    yield_if(IDLE_AT_START.get().copied().unwrap_or(false));
}

#[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
fn yield_if(idle: bool) {
    #[cfg(target_os = "linux")]
    if idle {
        let _ = rustix::process::setpriority_process(None, LEAST);
    }
}

/// The least priority a process can take (`nice` 19).
#[cfg(target_os = "linux")]
const LEAST: i32 = 19;

/// The threads ready to run, from `/proc/loadavg` (`0.52 0.58 0.59 3/1234 5678`: the fourth
/// field, before its slash).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn runnable(loadavg: &str) -> Option<u32> {
    let field = loadavg.split_whitespace().nth(3)?;
    field.split_once('/')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_threads_ready_to_run_are_read_from_loadavg() {
        assert_eq!(super::runnable("0.52 0.58 0.59 3/1234 5678\n"), Some(3));
        assert_eq!(super::runnable("0.00 0.01 0.05 1/95 17803"), Some(1));
        for odd in [
            "",
            "0.52 0.58 0.59",
            "0.52 0.58 0.59 x/12 1",
            "0.1 0.1 0.1 12 1",
        ] {
            assert_eq!(super::runnable(odd), None, "{odd:?}");
        }
    }

    /// The gate's own thread and one other, on two processors, leave one to the gate; a
    /// second other thread, or one other on one processor, does not.
    #[test]
    fn idle_enough_leaves_a_processor_to_the_gate() {
        assert!(super::idle_with(1, 1));
        assert!(super::idle_with(1, 2));
        assert!(super::idle_with(2, 2));
        assert!(!super::idle_with(3, 2));
        assert!(!super::idle_with(2, 1));
        assert!(super::idle_with(4, 4));
        assert!(!super::idle_with(5, 4));
        // No processor known is one.
        assert!(!super::idle_with(2, 0));
        assert!(super::idle_with(1, 0));
    }

    /// The thread that yields runs at the least priority from then on, and so does a thread
    /// it starts; a thread started before keeps its own.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_yielding_thread_and_what_it_starts_run_at_the_least_priority() {
        use rustix::process::getpriority_process;
        std::thread::spawn(|| {
            let before = std::thread::spawn(|| {
                std::thread::park_timeout(std::time::Duration::from_millis(200));
                getpriority_process(None).unwrap()
            });
            let own = getpriority_process(None).unwrap();
            super::yield_if(true);
            assert_eq!(getpriority_process(None).unwrap(), super::LEAST);
            let started = std::thread::spawn(|| getpriority_process(None).unwrap());
            assert_eq!(started.join().unwrap(), super::LEAST);
            assert_eq!(before.join().unwrap(), own);
        })
        .join()
        .unwrap();
        // Where the machine was busy, nothing changes.
        let busy = std::thread::spawn(|| {
            let own = getpriority_process(None).unwrap();
            super::yield_if(false);
            (own, getpriority_process(None).unwrap())
        });
        let (own, after) = busy.join().unwrap();
        assert_eq!(own, after);
    }
}
