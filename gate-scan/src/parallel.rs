//! The one way the scanners read many files: scoped threads claim files by index, each
//! thread reading into one buffer it reuses, so memory stays near (largest file × threads)
//! however big the tree is. Used by the secret scanner ([`crate::secrets`]) and by
//! cargo-gate's Rust file walker, artifact reader and cache digests.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f(path, buffer)` for every path, on `threads` threads (at least one, at most one per
/// path); results in the order of `paths`. A thread's buffer is handed to `f` as it was left
/// by the previous file (`f` clears or overwrites it) and dropped after a file grew it past
/// `keep_bytes`, so one outsized file does not pin its memory for the rest of the run.
pub fn map_files<R: Send>(
    paths: &[&Path],
    threads: usize,
    keep_bytes: usize,
    f: impl Fn(&Path, &mut Vec<u8>) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut buf = Vec::new();
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = paths.get(i) else {
                return done;
            };
            done.push((i, f(path, &mut buf)));
            if buf.capacity() > keep_bytes {
                buf = Vec::new();
            }
        }
    };
    let mut results: Vec<Option<R>> = (0..paths.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.clamp(1, paths.len().max(1)))
            .map(|_| scope.spawn(worker))
            .collect();
        for handle in handles {
            let done = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (i, result) in done {
                results[i] = Some(result);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every index was claimed by a worker"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_paths_whatever_the_thread_count() {
        let names: Vec<String> = (0..50).map(|i| format!("file-{i}")).collect();
        let paths: Vec<&Path> = names.iter().map(Path::new).collect();
        for threads in [0, 1, 3, 64] {
            let got = map_files(&paths, threads, 1024, |p, _| p.display().to_string());
            assert_eq!(got, names, "{threads} threads");
        }
        assert!(map_files(&[], 4, 1024, |_, _| ()).is_empty());
    }
}
