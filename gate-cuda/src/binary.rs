//! Reading the GPU code inside one built artifact (an executable, an rlib, a static or dynamic
//! library, an object file, or a loose `.ptx`/`.cubin`/`.fatbin`), whatever its host format:
//! every fatbin container, cubin and PTX module in its bytes, and the NVRTC libraries it names.
//! A pure, linear scan that never panics: a bogus match is skipped.
//!
//! # The fatbin container, as nvcc 13.0 writes it
//!
//! Verified by compiling kernels with `nvcc -fatbin` (`-gencode` for `sm_80`+`compute_80`,
//! `sm_90`, `sm_90a`/`compute_90a`, `sm_100a`, `sm_100f`, `sm_120a`/`compute_120a`,
//! `sm_120f`/`compute_120f`), with `--compress-mode=none`, the default, `size`, `speed` and
//! `balance`, with `-Xfatbin -compress-all`, and packing hand-edited PTX (`.version 7.8`) with
//! `fatbinary --image3=kind=ptx,...`, then comparing with `cuobjdump -lelf -lptx`. All numbers
//! are little-endian.
//!
//! The container: `u32` magic `0xBA55ED50`, `u16` version (1, the only one seen and the only
//! one read), `u16` header size (16), `u64` size of the entries that follow the header.
//! Several containers sit back to back in a linked `.nv_fatbin` (one per translation unit).
//!
//! Each entry: a header, then its payload.
//!
//! | offset | type  | meaning |
//! |--------|-------|---------|
//! | 0      | `u16` | kind: 1 PTX, 2 ELF (a cubin, SASS); others are walked over, not reported |
//! | 2      | `u16` | `0x0101` in every entry seen |
//! | 4      | `u32` | header size: 64 (SASS), 80 (PTX), 96 (PTX in `-rdc` objects), 112 (`a`/`f` SASS) |
//! | 8      | `u64` | payload size as stored (padded to 8) |
//! | 16     | `u32` | compressed size (0 when stored uncompressed) |
//! | 24     | `u16` | minor version, then (26) `u16` major: the PTX ISA of a PTX entry, see below |
//! | 28     | `u32` | arch: 80 for `sm_80`/`compute_80`, 90, 100, 120 |
//! | 40     | `u64` | flags (below) |
//! | 56     | `u64` | uncompressed size (0 when stored uncompressed) |
//!
//! Flags seen: `0x1` and `0x10` always (a 64-bit Linux host); `0x2000` an LZ4-compressed
//! payload (`--compress-mode=speed`); `0x8000` a zstd-compressed one (the default, `size`,
//! `balance`: the payload opens with zstd's magic `28 b5 2f fd`); `0x10_0000` arch-specific
//! (`sm_90a`, `compute_120a`); `0x20_0000` family-specific (`sm_120f`, `compute_120f`; cuobjdump
//! names such SASS `sm_120`, without the `f`); `0x100_0000` only with the 112-byte header (its
//! meaning was not established). By default nvcc 13.0 compresses PTX entries and leaves SASS
//! uncompressed, except in `-rdc=true` objects, which compress both, as `-Xfatbin -compress-all`
//! does.
//!
//! The version fields of a PTX entry are the ISA of the PTX it holds, not the toolkit's: 9.0
//! from nvcc 13.0, and 7.8 for PTX edited to `.version 7.8` and packed by `fatbinary`, stored
//! uncompressed, zstd- or LZ4-compressed alike. Cubin entries say 1.8 there (not read).
//!
//! # Cubins
//!
//! An ELF file with `e_machine` 190 (`EM_CUDA`). nvcc 13.0 writes ELF ABI version 8 (byte 8
//! of `e_ident`, OS ABI `0x41`), with the SM number in bits 8–15 of `e_flags` (`0x6005004` for
//! `sm_80`, `0x6005a04` for `sm_90` and `sm_90a` alike, `0x6006402` for `sm_100a`, `0x6007802`
//! for `sm_120`, `sm_120a` and `sm_120f` alike). Older ABIs keep it in bits 0–7 (not reproducible
//! with nvcc 13.0, so read from the older layout without a real sample). Since `e_flags` does
//! not tell `sm_90a` from `sm_90`, the suffix comes from the ptxas command line that the
//! `.note.nv.tkinfo` note records (`-arch sm_90a -m 64`). A cubin's extent is the end of its
//! section or program header table, whichever is last (nvcc puts them at the end).
//!
//! # PTX text and NVRTC names
//!
//! PTX text is found by its `.version X.Y` directive followed within [`PTX_TARGET_WINDOW`]
//! bytes by `.target sm_NN[a|f]`; a module runs over the ASCII text around it (up to a NUL or a
//! control byte, back at most [`PTX_LEAD_IN`] bytes for the comments nvcc writes first, from the
//! first byte PTX can open with), and ends where the next module's header line starts. An rlib
//! carries a `static`'s text twice (in its metadata and in its object code): two images, one
//! digest. NVRTC is named by NUL-terminated strings whose
//! file name is an NVRTC library (`libnvrtc.so.13`, `nvrtc64_130_0.dll`, `libnvrtc.dylib`):
//! ELF `DT_NEEDED` entries (`.dynstr`), Mach-O `LC_LOAD_DYLIB` paths and PE import names are all
//! such strings, and so are the names C code hands to `dlopen`/`LoadLibrary`. Names a program
//! builds at run time (cudarc formats `lib{name}.so`) leave no such string; such a binary is
//! known by the entry point it looks up, `nvrtcCompileProgram`, anywhere in its bytes (Rust
//! string literals carry no NUL, and a release build has no debug strings that would).

use gate_formats::kernel_bom::{Container, KernelForm};
use memchr::memmem;
use object::read::archive::ArchiveFile;
use object::read::macho::{FatArch, MachOFatFile32, MachOFatFile64};
use object::{Object, ObjectSection};
use std::ops::Range;
use std::path::Path;

/// Everything GPU-related one artifact carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GpuCode {
    /// Every GPU code image found, in file order (one per payload offset).
    pub images: Vec<Image>,
    /// The NVRTC libraries the artifact names (`libnvrtc.so.13`, `nvrtc64_130_0.dll`), as file
    /// names without directories, and [`NVRTC_LOOKUP`] when it looks NVRTC's entry points up
    /// by name: deduplicated, sorted.
    pub nvrtc: Vec<String>,
}

/// One GPU code image: a cubin (SASS for one arch) or a PTX module.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Image {
    /// SASS or PTX.
    pub form: KernelForm,
    /// The SM number: 80 for `sm_80`/`compute_80`, 90 for `sm_90a`, 120 for `sm_120f`.
    pub arch: u32,
    /// `'a'` (arch-specific) or `'f'` (family-specific) when the image says so; `None` when it
    /// is portable or does not say.
    pub arch_suffix: Option<char>,
    /// The PTX ISA `(major, minor)` of a PTX image (from its `.version`, or from the fatbin
    /// entry header when stored compressed); `None` for SASS.
    pub ptx_isa: Option<(u32, u32)>,
    /// Where the image sits.
    pub container: Container,
    /// Whether the payload is stored compressed (a fatbin entry's flags).
    pub compressed: bool,
    /// Offset of the payload in the input (archive members: in the whole archive).
    pub offset: u64,
    /// Payload size as stored.
    pub size: u64,
    /// `sha256:<hex>` of the payload as stored; for PTX text, of the module from its
    /// `.version` directive to its last closing brace (the same PTX has the same digest in
    /// every artifact, whatever text the linker put before it).
    pub digest: String,
    /// The unit the driver loads it in, by its offset in the input: the fatbin container's
    /// for an image in one, the image's own for a PTX text or a cubin.
    pub module: u64,
}

impl Image {
    /// The arch as nvcc names it: `sm_80` for SASS, `compute_80` for PTX, with the suffix
    /// (`sm_90a`, `compute_120f`).
    pub fn arch_name(&self) -> String {
        let prefix = match self.form {
            KernelForm::Sass => "sm",
            KernelForm::Ptx => "compute",
        };
        let suffix = self.arch_suffix.map(String::from).unwrap_or_default();
        format!("{prefix}_{}{suffix}", self.arch)
    }

    /// The oldest driver that can JIT this PTX (from gate-build's PTX ISA table); `None` for
    /// SASS or PTX whose ISA is unknown.
    pub fn min_driver(&self) -> Option<gate_formats::ptx::MinDriver> {
        let (major, minor) = self.ptx_isa?;
        Some(gate_formats::ptx::min_driver(
            gate_formats::ptx::Version::new(major, minor),
        ))
    }
}

/// The fatbin container's magic, as it appears in the bytes.
const FATBIN_MAGIC: [u8; 4] = 0xBA55_ED50_u32.to_le_bytes();
/// The only container version read.
const FATBIN_VERSION: u16 = 1;
/// The smallest fatbin entry header: the fields read end at 64.
const ENTRY_HEADER_MIN: usize = 64;
/// The largest fatbin entry header believed (112 is the largest seen).
const ENTRY_HEADER_MAX: usize = 4096;
/// Entry kinds.
const ENTRY_PTX: u16 = 1;
const ENTRY_ELF: u16 = 2;
/// Entry flags: compressed payloads (LZ4, zstd), arch- and family-specific code.
const FLAG_COMPRESSED_LZ4: u64 = 0x2000;
const FLAG_COMPRESSED_ZSTD: u64 = 0x8000;
const FLAG_ARCH_SPECIFIC: u64 = 0x10_0000;
const FLAG_FAMILY_SPECIFIC: u64 = 0x20_0000;
/// Arch numbers above this are not believed (the newest today is 121).
const ARCH_MAX: u32 = 999;
/// `EM_CUDA`.
const EM_CUDA: u16 = 190;
/// How far after `.version` the `.target` directive may sit.
pub const PTX_TARGET_WINDOW: usize = 512;
/// How far before `.version` a PTX module's leading comments may start.
pub const PTX_LEAD_IN: usize = 4096;
/// How far either side of `nvrtc` a library name may reach.
const NAME_REACH: usize = 256;
/// The sections the CUDA toolchain links fatbins into: ELF (`-rdc` objects use
/// `__nv_relfatbin`), Mach-O, and PE (names cut to 8 bytes).
const FATBIN_SECTIONS: &[&str] = &[".nv_fatbin", "__nv_relfatbin", "__nv_fatbin", ".nv_fatb"];

/// Reads the GPU code in `bytes`. Never panics; linear in the input.
pub fn read(bytes: &[u8]) -> GpuCode {
    let sections = fatbin_sections(bytes);
    let mut images = Vec::new();
    let mut covered = scan_fatbins(bytes, &sections, &mut images);
    covered.extend(scan_cubins(bytes, &covered, &mut images));
    covered.sort_unstable_by_key(|range| range.start);
    scan_ptx(bytes, &covered, &mut images);
    images.sort_by_key(|image| image.offset);
    images.dedup_by_key(|image| image.offset);
    // An rlib's metadata (`lib.rmeta`) holds a copy of every `static`'s bytes for the
    // compiler: the code that ships is the copy in the object files.
    let metadata = rust_metadata(bytes);
    images.retain(|image| {
        !metadata
            .iter()
            .any(|range| range.contains(&(image.offset as usize)))
    });
    GpuCode {
        images,
        nvrtc: nvrtc_names(bytes),
    }
}

/// The byte ranges of an archive's Rust metadata members (`lib.rmeta` in an rlib).
fn rust_metadata(bytes: &[u8]) -> Vec<Range<usize>> {
    let Ok(archive) = ArchiveFile::parse(bytes) else {
        return Vec::new();
    };
    archive
        .members()
        .flatten()
        .filter(|member| member.name().ends_with(b".rmeta"))
        .filter_map(|member| {
            let (start, size) = member.file_range();
            let start = usize::try_from(start).ok()?;
            Some(start..start.checked_add(usize::try_from(size).ok()?)?)
        })
        .collect()
}

/// Reads the file at `path`, then [`read`]s it.
pub fn read_file(path: &Path) -> std::io::Result<GpuCode> {
    Ok(read(&std::fs::read(path)?))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let raw = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(raw.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(raw.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let raw = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(raw.try_into().ok()?))
}

/// `at + len` as a bound, when it fits in the input.
fn end_within(bytes: &[u8], at: usize, len: u64) -> Option<usize> {
    let end = at.checked_add(usize::try_from(len).ok()?)?;
    (end <= bytes.len()).then_some(end)
}

fn image(bytes: &[u8], payload: Range<usize>, fill: Image) -> Image {
    let stored = &bytes[payload.clone()];
    Image {
        offset: payload.start as u64,
        module: payload.start as u64,
        size: stored.len() as u64,
        digest: format!("sha256:{}", gate_support::digest::sha256_hex(stored)),
        ..fill
    }
}

/// A blank image for [`image`] to fill in.
fn blank(form: KernelForm, arch: u32, container: Container) -> Image {
    Image {
        form,
        arch,
        arch_suffix: None,
        ptx_isa: None,
        container,
        compressed: false,
        offset: 0,
        size: 0,
        digest: String::new(),
        module: 0,
    }
}

/// Whether `at` lies in one of `ranges` (sorted by start, not overlapping).
fn inside(ranges: &[Range<usize>], at: usize) -> Option<&Range<usize>> {
    let after = ranges.partition_point(|range| range.start <= at);
    after
        .checked_sub(1)
        .map(|i| &ranges[i])
        .filter(|range| at < range.end)
}

/// The file ranges of the fatbin sections of the input, or of each archive member or Mach-O
/// universal slice, sorted.
fn fatbin_sections(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut parts: Vec<(u64, &[u8])> = Vec::new();
    if let Ok(archive) = ArchiveFile::parse(bytes) {
        for member in archive.members().flatten() {
            if let Ok(data) = member.data(bytes) {
                parts.push((member.file_range().0, data));
            }
        }
    } else if let Ok(fat) = MachOFatFile32::parse(bytes) {
        parts.extend(universal_slices(bytes, fat.arches()));
    } else if let Ok(fat) = MachOFatFile64::parse(bytes) {
        parts.extend(universal_slices(bytes, fat.arches()));
    } else {
        parts.push((0, bytes));
    }
    let mut ranges = Vec::new();
    for (base, data) in parts {
        let Ok(file) = object::File::parse(data) else {
            continue;
        };
        for section in file.sections() {
            let named = section
                .name()
                .is_ok_and(|name| FATBIN_SECTIONS.contains(&name));
            let Some((offset, size)) = section.file_range().filter(|_| named) else {
                continue;
            };
            let start = base.saturating_add(offset);
            let clamp = |n: u64| usize::try_from(n).map_or(bytes.len(), |n| n.min(bytes.len()));
            ranges.push(clamp(start)..clamp(start.saturating_add(size)));
        }
    }
    ranges.sort_unstable_by_key(|range| range.start);
    ranges
}

/// The slices of a Mach-O universal binary, with their offsets.
fn universal_slices<'data, A: FatArch>(
    bytes: &'data [u8],
    arches: &[A],
) -> Vec<(u64, &'data [u8])> {
    arches
        .iter()
        .filter_map(|arch| Some((arch.file_range().0, arch.data(bytes).ok()?)))
        .collect()
}

/// Every fatbin container in `bytes`: its images go to `images`; returns the ranges the
/// containers' headers and entries cover.
fn scan_fatbins(
    bytes: &[u8],
    sections: &[Range<usize>],
    images: &mut Vec<Image>,
) -> Vec<Range<usize>> {
    let finder = memmem::Finder::new(&FATBIN_MAGIC);
    let mut covered = Vec::new();
    let mut from = 0;
    while let Some(found) = bytes.get(from..).and_then(|rest| finder.find(rest)) {
        let at = from + found;
        let container = match inside(sections, at) {
            Some(_) => Container::FatbinSection,
            None => Container::FatbinData,
        };
        match container_at(bytes, at, container, images) {
            Some(end) => {
                covered.push(at..end);
                from = end;
            }
            None => from = at + 1,
        }
    }
    covered
}

/// Reads the container at `at`: its images go to `images`; returns where its last readable
/// entry ends, or `None` when the header or the first entry is not believable.
fn container_at(
    bytes: &[u8],
    at: usize,
    container: Container,
    images: &mut Vec<Image>,
) -> Option<usize> {
    if u16_at(bytes, at.checked_add(4)?)? != FATBIN_VERSION {
        return None;
    }
    let header = usize::from(u16_at(bytes, at + 6)?);
    let declared = u64_at(bytes, at + 8)?;
    let start = at.checked_add(header.max(16))?;
    if start > bytes.len() {
        return None;
    }
    // A truncated container keeps the entries that are whole.
    let end = end_within(bytes, start, declared).unwrap_or(bytes.len());
    let mut found = Vec::new();
    let mut entry = start;
    while entry < end {
        let Some((image, next)) = entry_at(bytes, entry, end, container) else {
            break;
        };
        found.extend(image);
        entry = next;
    }
    if entry == start && declared != 0 {
        return None;
    }
    for image in &mut found {
        image.module = at as u64;
    }
    images.append(&mut found);
    Some(entry)
}

/// Reads the entry at `at` (ending by `end`): its image, if it is PTX or SASS, and where the
/// next entry starts; `None` when a field is out of bounds.
fn entry_at(
    bytes: &[u8],
    at: usize,
    end: usize,
    container: Container,
) -> Option<(Option<Image>, usize)> {
    let kind = u16_at(bytes, at)?;
    let header = usize::try_from(u32_at(bytes, at + 4)?).ok()?;
    if !(ENTRY_HEADER_MIN..=ENTRY_HEADER_MAX).contains(&header) {
        return None;
    }
    let payload = at.checked_add(header)?;
    let next = end_within(bytes, payload, u64_at(bytes, at + 8)?).filter(|&n| n <= end)?;
    let minor = u32::from(u16_at(bytes, at + 24)?);
    let major = u32::from(u16_at(bytes, at + 26)?);
    let arch = u32_at(bytes, at + 28)?;
    let flags = u64_at(bytes, at + 40)?;
    let form = match kind {
        ENTRY_PTX => KernelForm::Ptx,
        ENTRY_ELF => KernelForm::Sass,
        _ => return Some((None, next)),
    };
    if arch == 0 || arch > ARCH_MAX {
        return None;
    }
    let arch_suffix = if flags & FLAG_ARCH_SPECIFIC != 0 {
        Some('a')
    } else if flags & FLAG_FAMILY_SPECIFIC != 0 {
        Some('f')
    } else {
        None
    };
    let fill = Image {
        arch_suffix,
        ptx_isa: (form == KernelForm::Ptx).then_some((major, minor)),
        compressed: flags & (FLAG_COMPRESSED_LZ4 | FLAG_COMPRESSED_ZSTD) != 0,
        ..blank(form, arch, container)
    };
    Some((Some(image(bytes, payload..next, fill)), next))
}

/// Every cubin outside the `covered` ranges: their images go to `images`; returns their ranges.
fn scan_cubins(
    bytes: &[u8],
    covered: &[Range<usize>],
    images: &mut Vec<Image>,
) -> Vec<Range<usize>> {
    let finder = memmem::Finder::new(b"\x7fELF");
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(hit) = bytes.get(from..).and_then(|rest| finder.find(rest)) {
        let at = from + hit;
        if let Some(range) = inside(covered, at) {
            from = range.end;
            continue;
        }
        match cubin_at(bytes, at) {
            Some((end, fill)) => {
                images.push(image(bytes, at..end, fill));
                found.push(at..end);
                from = end;
            }
            None => from = at + 1,
        }
    }
    found
}

/// The cubin at `at`: where it ends and what it is, or `None` when it is no whole cubin.
fn cubin_at(bytes: &[u8], at: usize) -> Option<(usize, Image)> {
    let ident = bytes.get(at..at.checked_add(16)?)?;
    if ident[5] != 1 || u16_at(bytes, at + 18)? != EM_CUDA {
        return None;
    }
    let word = |offset: usize, wide: bool| -> Option<u64> {
        if wide {
            u64_at(bytes, at + offset)
        } else {
            u32_at(bytes, at + offset).map(u64::from)
        }
    };
    // (phoff, shoff, flags, ehsize) offsets for ELFCLASS32 and ELFCLASS64.
    let (wide, phoff, shoff, flags_at, sizes_at) = match ident[4] {
        1 => (false, 28, 32, 36, 40),
        2 => (true, 32, 40, 48, 52),
        _ => return None,
    };
    let table_end = |offset: u64, entry_size: u16, count: u16| {
        offset.checked_add(u64::from(entry_size) * u64::from(count))
    };
    let ehsize = u16_at(bytes, at + sizes_at)?;
    let programs = table_end(
        word(phoff, wide)?,
        u16_at(bytes, at + sizes_at + 2)?,
        u16_at(bytes, at + sizes_at + 4)?,
    )?;
    let sections = table_end(
        word(shoff, wide)?,
        u16_at(bytes, at + sizes_at + 6)?,
        u16_at(bytes, at + sizes_at + 8)?,
    )?;
    let end = end_within(bytes, at, programs.max(sections).max(u64::from(ehsize)))?;
    let flags = u32_at(bytes, at + flags_at)?;
    let arch = if ident[8] >= 8 {
        (flags >> 8) & 0xff
    } else {
        flags & 0xff
    };
    if arch == 0 {
        return None;
    }
    let fill = Image {
        arch_suffix: ptxas_suffix(&bytes[at..end], arch),
        ..blank(KernelForm::Sass, arch, Container::Cubin)
    };
    Some((end, fill))
}

/// The `a`/`f` suffix of the `-arch sm_NN…` that ptxas recorded in a cubin, when it names `arch`.
fn ptxas_suffix(cubin: &[u8], arch: u32) -> Option<char> {
    let at = memmem::find(cubin, b"-arch sm_")? + b"-arch sm_".len();
    let (number, rest) = leading_number(&cubin[at..])?;
    let suffix = arch_suffix(rest);
    (number == arch).then_some(suffix).flatten()
}

/// A decimal number at the start of `text` (at most 9 digits) and what follows it.
fn leading_number(text: &[u8]) -> Option<(u32, &[u8])> {
    let digits = text
        .iter()
        .take(10)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let number = std::str::from_utf8(&text[..digits]).ok()?.parse().ok()?;
    Some((number, &text[digits..]))
}

/// The `a`/`f` right after an arch number, when nothing alphanumeric follows it.
fn arch_suffix(rest: &[u8]) -> Option<char> {
    match rest {
        [suffix @ (b'a' | b'f'), after, ..] if !after.is_ascii_alphanumeric() => {
            Some(char::from(*suffix))
        }
        [suffix @ (b'a' | b'f')] => Some(char::from(*suffix)),
        _ => None,
    }
}

/// Bytes PTX text is made of: printable ASCII and whitespace.
fn is_text(byte: u8) -> bool {
    matches!(byte, b' '..=b'~' | b'\t' | b'\n' | b'\r')
}

/// A PTX header: where `.version` sits, the ISA and the target.
struct PtxHeader {
    at: usize,
    isa: (u32, u32),
    arch: u32,
    suffix: Option<char>,
}

/// The PTX header whose `.version` directive is at `at`, if a `.target sm_NN` follows it.
fn ptx_header_at(bytes: &[u8], at: usize) -> Option<PtxHeader> {
    let after = at + b".version".len();
    let spaces = bytes
        .get(after..)?
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let (major, rest) = leading_number(bytes.get(after + spaces..)?)?;
    let (minor, _) = leading_number(rest.strip_prefix(b".")?)?;
    let window_end = after.saturating_add(PTX_TARGET_WINDOW).min(bytes.len());
    let window = &bytes[after..window_end];
    let target = memmem::find_iter(window, b".target").find(|&t| {
        t > 0 && window[t - 1].is_ascii_whitespace() && window[..t].iter().all(|&b| is_text(b))
    })?;
    let rest = &window[target + b".target".len()..];
    let spaces = rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let (arch, rest) = leading_number(rest[spaces..].strip_prefix(b"sm_")?)?;
    if arch == 0 || arch > ARCH_MAX {
        return None;
    }
    Some(PtxHeader {
        at,
        isa: (major, minor),
        arch,
        suffix: arch_suffix(rest),
    })
}

/// Every PTX module outside the `covered` ranges (sorted), into `images`.
fn scan_ptx(bytes: &[u8], covered: &[Range<usize>], images: &mut Vec<Image>) {
    let finder = memmem::Finder::new(b".version");
    let mut headers: Vec<PtxHeader> = Vec::new();
    let mut from = 0;
    while let Some(hit) = bytes.get(from..).and_then(|rest| finder.find(rest)) {
        let at = from + hit;
        if let Some(range) = inside(covered, at) {
            from = range.end;
            continue;
        }
        headers.extend(ptx_header_at(bytes, at));
        from = at + 1;
    }
    let mut floor = 0;
    let mut run_end = 0;
    for (i, header) in headers.iter().enumerate() {
        if header.at >= run_end {
            run_end = text_end(bytes, header.at, covered);
        }
        let covered_before = inside_or_before(covered, header.at);
        let lowest = floor
            .max(covered_before)
            .max(header.at.saturating_sub(PTX_LEAD_IN));
        let start = text_start(bytes, header.at, lowest);
        let end = match headers.get(i + 1) {
            Some(next) if next.at < run_end => line_start(bytes, start, next.at),
            _ => run_end,
        };
        // A module ends at its last closing brace: what follows is whatever text the linker
        // placed next to it, which differs from artifact to artifact (an rlib, the executable),
        // and would make the same PTX two images.
        let module_end = bytes[header.at..end]
            .iter()
            .rposition(|&b| b == b'}')
            .map_or(end, |n| header.at + n + 1);
        let fill = Image {
            arch_suffix: header.suffix,
            ptx_isa: Some(header.isa),
            ..blank(KernelForm::Ptx, header.arch, Container::PtxText)
        };
        let mut found = image(bytes, start..module_end, fill);
        // Its identity: the module from its `.version` to its last brace. The comments
        // before it run into whatever text precedes it in each artifact.
        found.digest = format!(
            "sha256:{}",
            gate_support::digest::sha256_hex(&bytes[header.at..module_end])
        );
        images.push(found);
        floor = end;
    }
}

/// The end of the last covered range that starts at or before `at` (0 when none).
fn inside_or_before(covered: &[Range<usize>], at: usize) -> usize {
    let after = covered.partition_point(|range| range.start <= at);
    after.checked_sub(1).map_or(0, |i| covered[i].end.min(at))
}

/// Where the text run holding `at` ends: the first non-text byte, or the next covered range.
fn text_end(bytes: &[u8], at: usize, covered: &[Range<usize>]) -> usize {
    let limit = covered
        .get(covered.partition_point(|range| range.start <= at))
        .map_or(bytes.len(), |range| range.start);
    bytes[at..limit]
        .iter()
        .position(|&b| !is_text(b))
        .map_or(limit, |n| at + n)
}

/// Where the PTX module whose `.version` is at `at` starts: where its text run starts (not
/// before `floor`), past any leading bytes PTX cannot open with (whitespace, a comment, a
/// directive or a preprocessor line) — such as a length byte that happens to be printable,
/// which rlib metadata writes right before a string.
fn text_start(bytes: &[u8], at: usize, floor: usize) -> usize {
    let run = bytes[floor..at]
        .iter()
        .rposition(|&b| !is_text(b))
        .map_or(floor, |n| floor + n + 1);
    bytes[run..at]
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b"/.#".contains(&b))
        .map_or(at, |n| run + n)
}

/// The start of the line holding `at`, not before `floor`.
fn line_start(bytes: &[u8], floor: usize, at: usize) -> usize {
    bytes[floor..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(at, |n| floor + n + 1)
}

/// The NVRTC library names in NUL-terminated strings of `bytes`, deduplicated and sorted.
fn nvrtc_names(bytes: &[u8]) -> Vec<String> {
    let finder = memmem::Finder::new(b"nvrtc");
    let mut names = std::collections::BTreeSet::new();
    let mut from = 0;
    while let Some(hit) = bytes.get(from..).and_then(|rest| finder.find(rest)) {
        let at = from + hit;
        let Some(nul) = bytes[at..bytes.len().min(at + NAME_REACH)]
            .iter()
            .position(|&b| b == 0)
            .map(|n| at + n)
        else {
            from = at + 1;
            continue;
        };
        let floor = from.max(at.saturating_sub(NAME_REACH));
        // The string must start within reach: after a NUL, or at the start of the input.
        let start = match bytes[floor..at].iter().rposition(|&b| b == 0) {
            Some(n) => Some(floor + n + 1),
            None => (floor == 0).then_some(0),
        };
        if let Some(name) = start.and_then(|start| library_name(&bytes[start..nul])) {
            names.insert(name.to_owned());
        }
        from = nul;
    }
    // A binary that resolves NVRTC by name at run time (cudarc's dynamic loading builds the
    // library name then) names no library, but it names the entry points it looks up. Not as
    // C strings: Rust packs its string literals back to back with no NUL (libloading adds one
    // when it looks a name up), so only a build with full debug info carries the name
    // NUL-terminated (in .debug_str) — and a release binary, the one that ships, has none.
    if memmem::find(bytes, b"nvrtcCompileProgram").is_some() {
        names.insert(NVRTC_LOOKUP.to_owned());
    }
    names.into_iter().collect()
}

/// What [`GpuCode::nvrtc`] says of a binary that looks NVRTC's entry points up at run time.
pub const NVRTC_LOOKUP: &str = "nvrtcCompileProgram (looked up at run time)";

/// The file name of `path` when it names an NVRTC library.
fn library_name(path: &[u8]) -> Option<&str> {
    let path = std::str::from_utf8(path).ok()?;
    if !path.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return None;
    }
    let name = path.rsplit(['/', '\\']).next()?;
    let stem = name.strip_prefix("lib").unwrap_or(name);
    let library = stem.starts_with("nvrtc")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
        && (name.ends_with(".dll")
            || name.ends_with(".dylib")
            || name.ends_with(".so")
            || name.contains(".so."));
    library.then_some(name)
}

#[cfg(test)]
mod tests;
