//! UTF-16 text read as UTF-8 for the scan: what Windows PowerShell 5's `>` and `Out-File`
//! write is full of NUL bytes, and was skipped as binary with the token in it.

use std::io::Read;

/// The byte order of `bytes` when they look like UTF-16 text: a byte order mark (not
/// UTF-32's), or, within the first `sniff` bytes (at least 16 of them), a NUL at every odd
/// (little-endian) or every even (big-endian) offset and none at the others: ASCII written
/// as UTF-16. `Some(true)` for big-endian.
pub(super) fn byte_order(bytes: &[u8], sniff: usize) -> Option<bool> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => return None,
        [0xFF, 0xFE, ..] => return Some(false),
        [0xFE, 0xFF, ..] => return Some(true),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(sniff) & !1];
    if head.len() < 16 {
        return None;
    }
    let pairs = || head.chunks_exact(2);
    if pairs().all(|p| p[0] != 0 && p[1] == 0) {
        Some(false)
    } else if pairs().all(|p| p[0] == 0 && p[1] != 0) {
        Some(true)
    } else {
        None
    }
}

/// UTF-16 text from `inner` as UTF-8: a leading byte order mark dropped, an unpaired
/// surrogate (or a last odd byte) as U+FFFD. Lines and characters stay where they were, so a
/// finding's line and column are the file's.
pub(super) struct Utf8Of<R> {
    inner: R,
    big_endian: bool,
    /// Decoded and not yet read.
    pending: Vec<u8>,
    at: usize,
    /// An odd byte, and a high surrogate, left from the last read.
    odd: Option<u8>,
    high: Option<u16>,
    started: bool,
    ended: bool,
}

impl<R: Read> Utf8Of<R> {
    pub(super) fn new(inner: R, big_endian: bool) -> Utf8Of<R> {
        Utf8Of {
            inner,
            big_endian,
            pending: Vec::new(),
            at: 0,
            odd: None,
            high: None,
            started: false,
            ended: false,
        }
    }

    /// Decodes the next chunk of `inner` into `pending`; `false` at its end.
    fn fill(&mut self) -> std::io::Result<bool> {
        let mut raw = vec![0u8; 64 * 1024];
        let n = self.inner.read(&mut raw)?;
        self.pending.clear();
        self.at = 0;
        let mut bytes: Vec<u8> = self.odd.take().into_iter().collect();
        bytes.extend_from_slice(&raw[..n]);
        if n == 0 {
            if self.high.take().is_some() || !bytes.is_empty() {
                self.pending.extend_from_slice("\u{FFFD}".as_bytes());
            }
            self.ended = true;
            return Ok(!self.pending.is_empty());
        }
        if bytes.len() % 2 == 1 {
            self.odd = bytes.pop();
        }
        let mut units: Vec<u16> = self.high.take().into_iter().collect();
        units.extend(bytes.chunks_exact(2).map(|p| {
            let pair = [p[0], p[1]];
            if self.big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        }));
        if !self.started && !units.is_empty() {
            self.started = true;
            if units[0] == 0xFEFF {
                units.remove(0);
            }
        }
        if units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
            self.high = units.pop();
        }
        for c in char::decode_utf16(units) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            self.pending
                .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
        Ok(true)
    }
}

impl<R: Read> Read for Utf8Of<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.pending.len() {
            if self.ended || !self.fill()? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.pending.len() - self.at);
        out[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
