//! Lowercase hex and SHA-256: every digest cargo-gate writes (run records, module digests,
//! content keys, release bundles) is lowercase hex of SHA-256. And the digest a linker
//! writes into an ELF executable, its GNU build ID ([`build_id`]).

pub mod build_id;

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex SHA-256 and size of the regular file at `path`, streamed: a FIFO, a device
/// or a link to one is refused, never opened to block or read without end (a build script
/// made its `gate-manifest.json` a link to `/dev/zero`: the gate hashed zeros past its time
/// limit), and the file is read no further than the length it had when opened.
///
/// # Errors
/// As [`crate::read::open_regular`]; the file yields more than its length (a kernel's
/// pseudo-file, a file still being written).
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let file = crate::read::open_regular(path)?;
    let len = file.metadata()?.len();
    sha256_within(file, len, path, &mut [0u8; 64 * 1024])
}

/// [`sha256_read`] of `file`, which is `len` bytes long, read no further than one byte past
/// its length: a file that yields more (one still being written) is an error, not a read
/// without end.
fn sha256_within(
    file: std::fs::File,
    len: u64,
    path: &Path,
    buf: &mut [u8],
) -> std::io::Result<(String, u64)> {
    let (digest, size) = sha256_read(file.take(len.saturating_add(1)), buf)?;
    if size > len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} yields more than its length of {len} bytes",
                path.display()
            ),
        ));
    }
    Ok((digest, size))
}

/// Lowercase hex SHA-256 and size of everything `reader` yields, streamed through `buf`:
/// memory stays the buffer's, whatever the size.
pub fn sha256_read(mut reader: impl Read, buf: &mut [u8]) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let n = reader.read(buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex(&hasher.finalize()), size))
}

/// The digest of a file's content, reading only what it holds: a sparse file (fewer blocks
/// on disk than its length says: a 2 GB file created with `truncate`) is digested from its
/// data regions and their offsets (`lseek` with `SEEK_DATA`/`SEEK_HOLE`, Linux, through nix), so its holes
/// cost nothing; any other file is the SHA-256 of its bytes, read no further than its length
/// (one that yields more, still being written, is an error). The digest of a sparse file
/// is not the SHA-256 of its bytes (it is tagged `sparse:`): equal content laid out
/// differently on disk may digest differently, never the other way round.
///
/// # Errors
/// The file cannot be opened or read.
pub fn sha256_file_sparse(path: &Path, buf: &mut [u8]) -> std::io::Result<String> {
    let file = crate::read::open_regular(path)?;
    let meta = file.metadata()?;
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.blocks().saturating_mul(512) < meta.len() {
            return sparse_digest(file, meta.len(), buf);
        }
    }
    sha256_within(file, meta.len(), path, buf).map(|(digest, _)| digest)
}

#[cfg(target_os = "linux")]
fn sparse_digest(mut file: std::fs::File, len: u64, buf: &mut [u8]) -> std::io::Result<String> {
    use nix::unistd::{Whence, lseek};
    use std::io::{Seek, SeekFrom};
    let seek = |file: &std::fs::File, at: u64, whence: Whence| -> Option<u64> {
        let at = i64::try_from(at).ok()?;
        u64::try_from(lseek(file, at, whence).ok()?).ok()
    };
    let mut hasher = Sha256::new();
    hasher.update(b"sparse");
    hasher.update(len.to_le_bytes());
    let mut at = 0u64;
    while at < len {
        // No more data (ENXIO) ends the walk: the rest is a hole.
        let Some(start) = seek(&file, at, Whence::SeekData) else {
            break;
        };
        let end = seek(&file, start, Whence::SeekHole).unwrap_or(len).min(len);
        hasher.update(start.to_le_bytes());
        hasher.update((end - start).to_le_bytes());
        file.seek(SeekFrom::Start(start))?;
        let mut left = end - start;
        while left > 0 {
            let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
            let n = file.read(&mut buf[..want])?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            left -= n as u64;
        }
        at = end;
    }
    Ok(format!("sparse:{}", hex(&hasher.finalize())))
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, lowercase hex: what authenticates a
/// cache entry restored from storage the gate does not control (`CARGO_GATE_CACHE_KEY`).
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex(&outer)
}

/// Whether two digests (hex text) are equal, in time that does not depend on where they
/// first differ.
pub fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// An incremental SHA-256 over labelled parts, so `("a", "bc")` and `("ab", "c")` differ:
/// the content keys of gate-build's cache.
#[derive(Debug, Default, Clone)]
pub struct KeyHasher(Sha256);

impl KeyHasher {
    /// Adds one labelled part.
    pub fn part(&mut self, label: &str, bytes: &[u8]) {
        self.0.update((label.len() as u64).to_le_bytes());
        self.0.update(label.as_bytes());
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// The key, lowercase hex.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device, or a link to one, is refused at once, never read without end (a build
    /// script's `gate-manifest.json` linked to `/dev/zero` held the gate past its limit); a
    /// regular file is digested whole.
    #[cfg(unix)]
    #[test]
    fn a_file_that_never_ends_is_refused_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("gate-manifest.json");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let refused = sha256_file(&link).unwrap_err();
        assert_eq!(
            refused.kind(),
            std::io::ErrorKind::InvalidInput,
            "{refused}"
        );
        assert!(sha256_file_sparse(&link, &mut [0u8; 1024]).is_err());
        let file = dir.path().join("f");
        std::fs::write(&file, b"abc").unwrap();
        assert_eq!(sha256_file(&file).unwrap(), (sha256_hex(b"abc"), 3));
        assert_eq!(
            sha256_file_sparse(&file, &mut [0u8; 1024]).unwrap(),
            sha256_hex(b"abc")
        );
    }

    /// A regular file that yields more than its length (a kernel's pseudo-file says 0 bytes
    /// and yields its text; a file still being written grows): both digests refuse it.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_that_yields_more_than_its_length_is_refused() {
        let proc_file = Path::new("/proc/self/status");
        for refused in [
            sha256_file(proc_file).unwrap_err(),
            sha256_file_sparse(proc_file, &mut [0u8; 1024]).unwrap_err(),
        ] {
            assert_eq!(refused.kind(), std::io::ErrorKind::InvalidData, "{refused}");
            assert!(
                refused.to_string().contains("more than its length"),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_sparse_file_is_digested_from_its_data_and_a_dense_one_by_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let dense = dir.path().join("dense");
        std::fs::write(&dense, b"hello").unwrap();
        let mut buf = vec![0u8; 4096];
        assert_eq!(
            sha256_file_sparse(&dense, &mut buf).unwrap(),
            sha256_hex(b"hello")
        );
        let sparse = dir.path().join("sparse");
        let file = std::fs::File::create(&sparse).unwrap();
        file.set_len(1 << 30).unwrap();
        let first = sha256_file_sparse(&sparse, &mut buf).unwrap();
        if cfg!(target_os = "linux") {
            assert!(first.starts_with("sparse:"), "{first}");
        }
        // Data written into it changes the digest.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&sparse)
            .and_then(|mut f| {
                use std::io::{Seek, Write};
                f.seek(std::io::SeekFrom::Start(1 << 20))?;
                f.write_all(b"x")
            })
            .unwrap();
        assert_ne!(sha256_file_sparse(&sparse, &mut buf).unwrap(), first);
    }

    #[test]
    fn known_answers() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn file_digest_matches_the_bytes_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes = vec![7u8; 200_000];
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), (sha256_hex(&bytes), 200_000));
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 1 and 2 of RFC 4231, and case 6 (a key longer than the block).
        assert_eq!(
            hmac_sha256_hex(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hmac_sha256_hex(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert!(same_digest("ab12", "ab12"));
        assert!(!same_digest("ab12", "ab13"));
        assert!(!same_digest("ab12", "ab1"));
    }

    #[test]
    fn labelled_parts_do_not_run_together() {
        let key = |parts: &[(&str, &[u8])]| {
            let mut h = KeyHasher::default();
            for (label, bytes) in parts {
                h.part(label, bytes);
            }
            h.finish()
        };
        assert_ne!(key(&[("a", b"bc")]), key(&[("ab", b"c")]));
        assert_eq!(key(&[("a", b"bc")]), key(&[("a", b"bc")]));
    }
}
