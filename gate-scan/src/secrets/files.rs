//! Scanning files for secrets: binary files skipped, large files streamed in overlapping
//! windows, many files on a few threads.

use super::scan::{BINARY_SNIFF_BYTES, Scope, SecretFinding, scan_bytes};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// What scanning one file came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileScan {
    /// Scanned: its size and its findings.
    Scanned {
        /// Size in bytes.
        bytes: u64,
        /// Findings, in file order.
        findings: Vec<SecretFinding>,
    },
    /// Not scanned: a NUL byte within the first [`BINARY_SNIFF_BYTES`] (UTF-16 text aside:
    /// it is decoded and scanned).
    Binary {
        /// Size in bytes.
        bytes: u64,
    },
}

/// Whether `bytes` look binary: a NUL byte within the first [`BINARY_SNIFF_BYTES`].
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF_BYTES)]).is_some()
}

/// Reads and scans `paths` on `threads` threads (each file read once, into a buffer reused
/// per thread); results in the order of `paths`. Files over `max_bytes` are not read.
pub fn scan_files(
    paths: &[&Path],
    scope: Scope,
    max_bytes: u64,
    threads: usize,
) -> Vec<std::io::Result<FileScan>> {
    crate::parallel::map_files(paths, threads, 4 << 20, |path, buf| {
        scan_file(path, scope, max_bytes, buf)
    })
}

fn scan_file(
    path: &Path,
    scope: Scope,
    max_bytes: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<FileScan> {
    let mut file = File::open(path)?;
    buf.clear();
    // `take` guards against a file that grows between a size check and the read.
    (&mut file)
        .take(max_bytes.saturating_add(1))
        .read_to_end(buf)?;
    if let Some(big_endian) = super::utf16::byte_order(buf, BINARY_SNIFF_BYTES) {
        return scan_utf16(file, scope, max_bytes, buf, big_endian);
    }
    if buf.len() as u64 > max_bytes {
        if is_binary(buf) {
            return Ok(FileScan::Binary {
                bytes: file.metadata()?.len(),
            });
        }
        return scan_streamed(file, scope, max_bytes, buf);
    }
    let bytes = buf.len() as u64;
    if is_binary(buf) {
        return Ok(FileScan::Binary { bytes });
    }
    Ok(FileScan::Scanned {
        bytes,
        findings: scan_bytes(buf, scope),
    })
}

/// Scans UTF-16 text as UTF-8 ([`super::utf16::Utf8Of`]): `buf` holds the file's first
/// bytes, `file` is positioned after them. Its size is the file's.
fn scan_utf16(
    file: File,
    scope: Scope,
    max_bytes: u64,
    buf: &mut Vec<u8>,
    big_endian: bool,
) -> std::io::Result<FileScan> {
    let bytes = file.metadata()?.len();
    let head = std::io::Cursor::new(std::mem::take(buf));
    let mut text = super::utf16::Utf8Of::new(head.chain(file), big_endian);
    (&mut text)
        .take(max_bytes.saturating_add(1))
        .read_to_end(buf)?;
    let findings = if buf.len() as u64 > max_bytes {
        match scan_streamed(text, scope, max_bytes, buf)? {
            FileScan::Scanned { findings, .. } => findings,
            FileScan::Binary { .. } => Vec::new(),
        }
    } else {
        scan_bytes(buf, scope)
    };
    Ok(FileScan::Scanned { bytes, findings })
}

/// Scans a file larger than one window: `buf` holds its first `window + 1` bytes, `file` is
/// positioned after them. Each pass scans the buffer up to its last whole line, reports the
/// findings that start before the overlap kept for the next pass, and keeps from there on:
/// every line is reported by exactly one pass, and a secret starting in the overlap is
/// scanned whole in the next.
fn scan_streamed(
    mut file: impl Read,
    scope: Scope,
    window: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<FileScan> {
    let window = usize::try_from(window.max(64)).unwrap_or(usize::MAX);
    let overlap = (window / 2).min(256 * 1024);
    let mut findings = Vec::new();
    let mut total = buf.len() as u64;
    // Lines before the buffer's first byte.
    let mut lines_before: u32 = 0;
    let count_lines =
        |bytes: &[u8]| u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX);
    loop {
        if buf.len() < window {
            let missing = (window - buf.len()) as u64;
            total += (&mut file).take(missing).read_to_end(buf)? as u64;
        }
        if buf.len() < window {
            // The end of the file: the rest is all this pass's.
            for mut finding in scan_bytes(buf, scope) {
                finding.line = finding.line.saturating_add(lines_before);
                findings.push(finding);
            }
            break;
        }
        let last_line_end = memchr::memrchr(b'\n', buf).map_or(buf.len(), |nl| nl + 1);
        // This pass owns up to the start of the line holding `len - overlap`; a line longer
        // than that is owned whole.
        let owned =
            memchr::memrchr(b'\n', &buf[..buf.len() - overlap]).map_or(last_line_end, |nl| nl + 1);
        let owned_lines = count_lines(&buf[..owned]);
        let owns_all = owned == buf.len();
        for mut finding in scan_bytes(&buf[..last_line_end], scope) {
            if owns_all || finding.line <= owned_lines {
                finding.line = finding.line.saturating_add(lines_before);
                findings.push(finding);
            }
        }
        lines_before = lines_before.saturating_add(owned_lines);
        buf.drain(..owned);
    }
    Ok(FileScan::Scanned {
        bytes: total,
        findings,
    })
}
