//! The GNU build ID of an ELF executable (`NT_GNU_BUILD_ID` in a `PT_NOTE` segment): the
//! linker's digest of what it linked, so two builds of other code never share one. cargo-gate
//! names its own release build by it for the evidence cache's key where it can, instead of
//! hashing its 26 MB executable on a fresh install's first run (20–50 ms on two cores).
//!
//! Only what the header points at is read, each part bounded: a 64-bit little-endian ELF file
//! (x86_64, aarch64), its program headers, its note segments. Anything else (another format,
//! a 32-bit or big-endian file, a truncated or odd one, no build ID) is `None`, and the caller
//! goes on as it did without one.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// At most this many bytes of program headers, and of each note segment, are read.
const MOST: u64 = 64 * 1024;

/// `PT_NOTE`, `NT_GNU_BUILD_ID`.
const PT_NOTE: u32 = 4;
const NT_GNU_BUILD_ID: u32 = 3;

/// The build ID of the ELF file at `path`, in lowercase hex; `None` where it has none or is
/// no 64-bit little-endian ELF file.
pub fn of(path: &Path) -> Option<String> {
    let mut file = crate::read::open_regular(path).ok()?;
    let mut header = [0u8; 64];
    file.read_exact(&mut header).ok()?;
    if header[..4] != *b"\x7fELF" || header[4] != 2 || header[5] != 1 {
        return None;
    }
    let phoff = u64_at(&header, 0x20)?;
    let phentsize = u64::from(u16_at(&header, 0x36)?);
    let phnum = u64::from(u16_at(&header, 0x38)?);
    if phentsize < 56 || phentsize * phnum > MOST {
        return None;
    }
    let headers = read_at(&mut file, phoff, phentsize * phnum)?;
    let step = usize::try_from(phentsize).ok()?;
    headers.chunks_exact(step).find_map(|ph| {
        if u32_at(ph, 0)? != PT_NOTE {
            return None;
        }
        let (offset, size) = (u64_at(ph, 8)?, u64_at(ph, 32)?);
        if size > MOST {
            return None;
        }
        build_id_in(&read_at(&mut file, offset, size)?)
    })
}

/// The `GNU` build-ID note among the notes in `segment`, in hex.
fn build_id_in(segment: &[u8]) -> Option<String> {
    let mut at = 0usize;
    while at + 12 <= segment.len() {
        let namesz = usize::try_from(u32_at(segment, at)?).ok()?;
        let descsz = usize::try_from(u32_at(segment, at + 4)?).ok()?;
        let kind = u32_at(segment, at + 8)?;
        let name_at = at + 12;
        let desc_at = name_at.checked_add(namesz.checked_add(3)? & !3)?;
        let end = desc_at.checked_add(descsz.checked_add(3)? & !3)?;
        let name = segment.get(name_at..name_at + namesz)?;
        let desc = segment.get(desc_at..desc_at.checked_add(descsz)?)?;
        if kind == NT_GNU_BUILD_ID && name == b"GNU\0" && !desc.is_empty() {
            return Some(crate::digest::hex(desc));
        }
        at = end;
    }
    None
}

fn read_at(file: &mut std::fs::File, offset: u64, len: u64) -> Option<Vec<u8>> {
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut bytes = vec![0u8; usize::try_from(len).ok()?];
    file.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-bit little-endian ELF file: its header, one program header of `kind` at 64, and
    /// `notes` as that segment's contents at 120.
    fn elf(kind: u32, notes: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0u8; 120];
        bytes[..6].copy_from_slice(b"\x7fELF\x02\x01");
        bytes[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        bytes[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        bytes[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        bytes[64..68].copy_from_slice(&kind.to_le_bytes());
        bytes[72..80].copy_from_slice(&120u64.to_le_bytes());
        bytes[96..104].copy_from_slice(&(notes.len() as u64).to_le_bytes());
        bytes.extend_from_slice(notes);
        bytes
    }

    fn note(name: &[u8], kind: u32, desc: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(desc.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&kind.to_le_bytes());
        for part in [name, desc] {
            bytes.extend_from_slice(part);
            bytes.resize(bytes.len().next_multiple_of(4), 0);
        }
        bytes
    }

    fn id_of(bytes: &[u8]) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exe");
        std::fs::write(&path, bytes).unwrap();
        of(&path)
    }

    #[test]
    fn the_gnu_build_id_note_is_read_after_other_notes() {
        let mut notes = note(b"GNU\0", 1, &[0; 16]);
        notes.extend(note(b"Go\0", NT_GNU_BUILD_ID, b"not this one"));
        notes.extend(note(
            b"GNU\0",
            NT_GNU_BUILD_ID,
            &[0xde, 0xad, 0xbe, 0xef, 0x01],
        ));
        assert_eq!(id_of(&elf(PT_NOTE, &notes)).as_deref(), Some("deadbeef01"));
    }

    /// No build ID, another segment, another format or class, a cut file, a segment past the
    /// bound or past the end: none, never a panic.
    #[test]
    fn anything_but_a_build_id_is_none() {
        let id = note(b"GNU\0", NT_GNU_BUILD_ID, &[1, 2, 3, 4]);
        assert_eq!(id_of(&elf(PT_NOTE, &note(b"GNU\0", 1, &[1]))), None);
        assert_eq!(id_of(&elf(1, &id)), None);
        let mut class32 = elf(PT_NOTE, &id);
        class32[4] = 1;
        assert_eq!(id_of(&class32), None);
        assert_eq!(id_of(b"MZ\x90\x00 not an ELF file"), None);
        assert_eq!(id_of(&elf(PT_NOTE, &id)[..100]), None);
        let mut huge = elf(PT_NOTE, &id);
        huge[96..104].copy_from_slice(&(MOST + 1).to_le_bytes());
        assert_eq!(id_of(&huge), None);
        let mut past = elf(PT_NOTE, &id);
        past[72..80].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(id_of(&past), None);
        let mut odd_size = note(b"GNU\0", NT_GNU_BUILD_ID, &[1]);
        odd_size[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(id_of(&elf(PT_NOTE, &odd_size)), None);
    }
}
