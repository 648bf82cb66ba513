//! Yielding the processor to cargo. A static run of a large workspace waits on one cargo
//! process (`cargo metadata`, the resolve) while its own work — reading the manifests and
//! sources, git, the toolchain probes, the checks that need no resolve — runs beside it in
//! many threads and processes. On two cores the scheduler shares them fairly among every
//! runnable thread, and cargo, one thread among twenty, got a fraction of a core: its 0.11 s
//! took 0.16 s (the thirty-third session's timeline of a 500-member workspace, docs/
//! PERFORMANCE.md). [`yield_to_cargo`] lowers the gate's own priority instead, so its work
//! beside cargo takes only what cargo leaves idle.

/// Lowers the calling thread's scheduling priority to the least (nice 19): the threads and
/// processes it starts from now on inherit it; cargo, started before, keeps its own. Only
/// for a run that builds and tests nothing (a test run's programs would inherit it too), and
/// only where the priority is per thread (Linux; elsewhere nothing changes). It cannot be
/// raised again, and need not be: nice only orders processes that compete, so on a machine
/// otherwise idle the run goes as fast once cargo has answered. Best effort: where the
/// system refuses, the run goes on as it was.
pub fn yield_to_cargo() {
    #[cfg(target_os = "linux")]
    let _ = rustix::process::setpriority_process(None, LEAST);
}

/// The least priority a process can take (`nice` 19).
#[cfg(target_os = "linux")]
const LEAST: i32 = 19;

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The thread that yields runs at the least priority from then on, and so does a thread
    /// it starts; a thread started before keeps its own.
    #[test]
    fn the_yielding_thread_and_what_it_starts_run_at_the_least_priority() {
        std::thread::spawn(|| {
            let before = std::thread::spawn(|| {
                std::thread::park_timeout(std::time::Duration::from_millis(200));
                rustix::process::getpriority_process(None).unwrap()
            });
            let own = rustix::process::getpriority_process(None).unwrap();
            super::yield_to_cargo();
            assert_eq!(
                rustix::process::getpriority_process(None).unwrap(),
                super::LEAST
            );
            let started =
                std::thread::spawn(|| rustix::process::getpriority_process(None).unwrap());
            assert_eq!(started.join().unwrap(), super::LEAST);
            assert_eq!(before.join().unwrap(), own);
        })
        .join()
        .unwrap();
    }
}
