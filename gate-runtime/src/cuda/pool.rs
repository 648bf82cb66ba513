//! Device buffers of finished calls, kept for the next call of the same length.
//!
//! A call allocates its device buffers, copies in, launches, copies out and synchronises.
//! Allocating (and the zero-fill `alloc_zeros` enqueues) and freeing cost more than the
//! launch itself for small calls, and services call the same shapes over and over, so a call's
//! buffers go back here after it succeeded and the next call of the same length and element
//! type takes them instead of allocating. Contents are never relied on: every pooled buffer
//! is `max(len, 1)` long and the upload overwrites its first `len` elements (a zero-length
//! input is never read: the kernels bound-check on `n`).
//!
//! Bounded: buffers over [`MAX_BUFFER_BYTES`] are freed, not kept, and the oldest go first
//! once the pool holds more than [`MAX_BYTES`] or [`MAX_BUFFERS`]. Buffers of a failed call
//! are dropped (freed), never pooled: after a device error their state is unknown.

use super::DeviceBuffer;
use std::collections::VecDeque;

/// The most bytes the pool keeps in all.
pub(super) const MAX_BYTES: usize = 64 << 20;
/// The largest buffer worth keeping: above it the copies dwarf the allocation.
pub(super) const MAX_BUFFER_BYTES: usize = 16 << 20;
/// The most buffers the pool keeps.
pub(super) const MAX_BUFFERS: usize = 64;

/// An element type a pooled buffer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    F32,
    U32,
}

/// What the pool needs to know of a buffer (generic so the bookkeeping is tested without a
/// GPU).
pub(super) trait Pooled {
    fn kind(&self) -> Kind;
    /// Elements (all kinds are 4 bytes wide).
    fn len(&self) -> usize;
    fn bytes(&self) -> usize {
        self.len() * 4
    }
}

/// Free device buffers, oldest first.
pub(super) struct Pool<B = DeviceBuffer> {
    free: VecDeque<B>,
    bytes: usize,
    /// Takes that found a buffer, and takes that did not (the caller allocated).
    pub(super) hits: u64,
    pub(super) misses: u64,
}

impl<B> Default for Pool<B> {
    fn default() -> Pool<B> {
        Pool {
            free: VecDeque::new(),
            bytes: 0,
            hits: 0,
            misses: 0,
        }
    }
}

impl<B: Pooled> Pool<B> {
    /// A free buffer of exactly `len` elements of `kind`, if one is kept.
    pub(super) fn take(&mut self, kind: Kind, len: usize) -> Option<B> {
        let found = self
            .free
            .iter()
            .rposition(|b| b.kind() == kind && b.len() == len)
            .and_then(|at| self.free.remove(at));
        match &found {
            Some(buffer) => {
                self.bytes -= buffer.bytes();
                self.hits += 1;
            }
            None => self.misses += 1,
        }
        found
    }

    /// Keeps `buffer` for a later call, within the bounds.
    pub(super) fn put(&mut self, buffer: B) {
        let bytes = buffer.bytes();
        if bytes > MAX_BUFFER_BYTES {
            return;
        }
        self.bytes += bytes;
        self.free.push_back(buffer);
        while self.bytes > MAX_BYTES || self.free.len() > MAX_BUFFERS {
            match self.free.pop_front() {
                Some(oldest) => self.bytes -= oldest.bytes(),
                None => break,
            }
        }
    }
}

impl Pooled for DeviceBuffer {
    fn kind(&self) -> Kind {
        match self {
            DeviceBuffer::F32(_) => Kind::F32,
            DeviceBuffer::U32(_) => Kind::U32,
        }
    }

    fn len(&self) -> usize {
        match self {
            DeviceBuffer::F32(s) => s.len(),
            DeviceBuffer::U32(s) => s.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in buffer: kind, length and a name to tell copies apart.
    #[derive(Debug, PartialEq)]
    struct Fake(Kind, usize, &'static str);

    impl Pooled for Fake {
        fn kind(&self) -> Kind {
            self.0
        }
        fn len(&self) -> usize {
            self.1
        }
    }

    #[test]
    fn a_call_gets_back_a_buffer_of_its_own_length_and_kind_only() {
        let mut pool = Pool::default();
        pool.put(Fake(Kind::F32, 16, "a"));
        pool.put(Fake(Kind::U32, 16, "b"));
        assert_eq!(pool.take(Kind::F32, 17), None);
        assert_eq!(pool.take(Kind::U32, 16), Some(Fake(Kind::U32, 16, "b")));
        assert_eq!(pool.take(Kind::U32, 16), None, "taken, not copied");
        assert_eq!(pool.take(Kind::F32, 16), Some(Fake(Kind::F32, 16, "a")));
        assert_eq!(pool.bytes, 0);
        assert_eq!((pool.hits, pool.misses), (2, 2));
    }

    #[test]
    fn the_pool_stays_within_its_bounds_dropping_the_oldest() {
        let mut pool = Pool::default();
        pool.put(Fake(Kind::F32, MAX_BUFFER_BYTES / 4 + 1, "too big"));
        assert_eq!(pool.free.len(), 0);
        for _ in 0..MAX_BUFFERS + 3 {
            pool.put(Fake(Kind::F32, 1, "small"));
        }
        assert_eq!(pool.free.len(), MAX_BUFFERS);
        let big = MAX_BUFFER_BYTES / 4;
        for name in ["1", "2", "3", "4", "5"] {
            pool.put(Fake(Kind::U32, big, name));
        }
        assert!(pool.bytes <= MAX_BYTES, "{} bytes kept", pool.bytes);
        assert_eq!(
            pool.bytes,
            pool.free.iter().map(Pooled::bytes).sum::<usize>()
        );
        // The newest big buffer is kept; the first one went to make room.
        assert_eq!(pool.take(Kind::U32, big), Some(Fake(Kind::U32, big, "5")));
        assert!(!pool.free.iter().any(|b| b.2 == "1"));
    }
}
