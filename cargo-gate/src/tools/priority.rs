//! Yielding the processor to cargo. A static run of a large workspace waits on one cargo
//! process (`cargo metadata`, the resolve) while its own work — reading the manifests and
//! sources, git, the toolchain probes, the checks that need no resolve — runs beside it in
//! many threads and processes. On two cores the scheduler shares them fairly among every
//! runnable thread, and cargo, one thread among twenty, got a fraction of a core: its 0.11 s
//! took 0.16 s (the thirty-third session's timeline of a 500-member workspace, docs/
//! PERFORMANCE.md). On a machine otherwise idle, [`yield_to_cargo`] lowers the gate's own
//! priority instead, so its work beside cargo takes only what cargo leaves idle.

/// Whether the machine was idle when the gate started ([`note_start`]): the gate's own work
/// may then yield to cargo's ([`yield_to_cargo`]). Where other programs compete for the
/// processors, the least priority would hand them the gate's share as well, for the whole
/// run: beside a CI build a static run on rust-analyzer took 1.7× its time, and beside one
/// loop burning one of two cores a static run on 500 members took 1.18× (the thirty-fourth
/// session, which tried "no more threads ready to run than processors" and went back).
static IDLE_AT_START: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// How many times [`note_start`] looks, and how long it waits between looks.
#[cfg(target_os = "linux")]
const LOOKS: usize = 3;
#[cfg(target_os = "linux")]
const BETWEEN_LOOKS: std::time::Duration = std::time::Duration::from_micros(100);

/// Notes, first thing in the binary and before the gate starts a thread of its own (threads
/// just started are ready to run too), whether the machine is idle: no thread ready to run
/// but the one asking (Linux: `/proc/loadavg`), in one of three looks 0.1 ms apart. One
/// look alone failed in two runs of three on an idle machine (the shell that started the gate,
/// or a kernel worker, ready at that instant; sampled 3,000 times on it, one look in a hundred
/// sees a second thread, three in a row one in four hundred); a program at work is ready in
/// every look. Elsewhere, or where it cannot be read, never idle.
pub fn note_start() {
    #[cfg(target_os = "linux")]
    let idle = idle_in((0..LOOKS).map(|look| {
        if look > 0 {
            std::thread::sleep(BETWEEN_LOOKS);
        }
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|text| runnable(&text))
    }));
    #[cfg(not(target_os = "linux"))]
    let idle = false;
    let _ = IDLE_AT_START.set(idle);
}

/// Whether one of `looks` (each the threads ready to run, the asker's own included; `None`,
/// unread) saw the asker alone. Stops at the first that does.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn idle_in(mut looks: impl Iterator<Item = Option<u32>>) -> bool {
    looks.any(|n| n.is_some_and(|n| n <= 1))
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

    /// One look that sees the asker alone is idle; a second thread in every look is not,
    /// nor are looks that could not be read. The looks stop at the first idle one.
    #[test]
    fn idle_is_the_asker_alone_in_one_look() {
        assert!(super::idle_in([Some(2), Some(1), Some(3)].into_iter()));
        assert!(super::idle_in([Some(1)].into_iter()));
        assert!(!super::idle_in([Some(2), Some(2), Some(3)].into_iter()));
        assert!(!super::idle_in([None, None, None].into_iter()));
        assert!(!super::idle_in(std::iter::empty()));
        let mut asked = 0;
        let looks = [Some(1), Some(1), Some(1)]
            .into_iter()
            .inspect(|_| asked += 1);
        assert!(super::idle_in(looks));
        assert_eq!(asked, 1);
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
