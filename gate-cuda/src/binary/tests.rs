//! Tests of the artifact reader: real artifacts built with nvcc (skipped with a reason when
//! there is none, failing under `GATE_TESTS_REQUIRE_NVCC=1`) and cross-checked with cuobjdump,
//! hand-built containers for the edge cases, and proptests that it never panics.

use super::*;
use proptest::prelude::*;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const KERNELS: &str = r#"extern "C" __global__ void add(float *a, const float *b, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) a[i] += b[i];
}
extern "C" __global__ void scale(float *a, float s, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) a[i] *= s;
}
"#;

/// SASS for sm_80 and sm_90, PTX for compute_80.
const TWO_ARCHS: &[&str] = &[
    "-gencode",
    "arch=compute_80,code=[sm_80,compute_80]",
    "-gencode",
    "arch=compute_90,code=sm_90",
];

/// What an image is, without where it sits: (name, PTX ISA, container, compressed).
type Shape = (String, Option<(u32, u32)>, Container, bool);

fn shapes(code: &GpuCode) -> Vec<Shape> {
    code.images
        .iter()
        .map(|i| (i.arch_name(), i.ptx_isa, i.container, i.compressed))
        .collect()
}

fn shape(name: &str, isa: Option<(u32, u32)>, container: Container, compressed: bool) -> Shape {
    (name.to_owned(), isa, container, compressed)
}

/// nvcc and a scratch directory holding the kernels' source.
struct Cuda {
    nvcc: PathBuf,
    dir: tempfile::TempDir,
}

/// nvcc, or `None` (with the reason printed) when there is none; under
/// `GATE_TESTS_REQUIRE_NVCC` a missing nvcc fails the test.
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn cuda() -> Option<Cuda> {
    let Some(nvcc) = gate_support::nvcc::for_tests() else {
        let why = "no nvcc found (NVCC, PATH, or a CUDA 13 wheel of python3)";
        assert!(
            std::env::var_os("GATE_TESTS_REQUIRE_NVCC").is_none(),
            "GATE_TESTS_REQUIRE_NVCC is set and {why}"
        );
        println!("skipped: {why}");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.cu"), KERNELS).unwrap();
    Some(Cuda { nvcc, dir })
}

impl Cuda {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `program` in the scratch directory; panics with its output when it fails.
    fn run(&self, program: &Path, args: &[&str]) {
        let out = Command::new(program)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} {args:?}: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `nvcc <mode> <args> -o <output> k.cu`, returning the output's path.
    fn nvcc(&self, mode: &str, args: &[&str], output: &str) -> PathBuf {
        let mut all = vec![mode];
        all.extend_from_slice(args);
        all.extend(["-o", output, "k.cu"]);
        self.run(&self.nvcc, &all);
        self.path(output)
    }

    /// cuobjdump's list of the images in `file`, as arch names (`sm_80`, `compute_80`), when
    /// cuobjdump is installed (on PATH or beside nvcc).
    fn cuobjdump(&self, file: &Path) -> Option<Vec<String>> {
        let beside = self.nvcc.with_file_name("cuobjdump");
        let program = if beside.is_file() {
            beside
        } else {
            PathBuf::from("cuobjdump")
        };
        let out = Command::new(program)
            .args(["-lelf", "-lptx"])
            .arg(file)
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut names: Vec<String> = text
            .lines()
            .filter_map(|line| {
                // `ELF file    1: k.1.sm_80.cubin`, `PTX file    1: k.1.sm_80.ptx`
                let (kind, file) = line.split_once(':')?;
                let arch = file.trim().split('.').rev().nth(1)?;
                match kind.split_whitespace().next()? {
                    "ELF" => Some(arch.to_owned()),
                    "PTX" => Some(arch.replacen("sm_", "compute_", 1)),
                    _ => None,
                }
            })
            .collect();
        names.sort();
        Some(names)
    }

    /// Asserts that cuobjdump, when installed, lists the archs `code` holds.
    fn cross_check(&self, file: &Path, code: &GpuCode) {
        let Some(listed) = self.cuobjdump(file) else {
            return;
        };
        let mut ours: Vec<String> = code.images.iter().map(Image::arch_name).collect();
        // cuobjdump names family-specific SASS without its `f` (`sm_120` for `sm_120f`).
        for (name, image) in ours.iter_mut().zip(&code.images) {
            if image.form == KernelForm::Sass && image.arch_suffix == Some('f') {
                name.pop();
            }
        }
        ours.sort();
        assert_eq!(ours, listed, "cuobjdump disagrees on {}", file.display());
    }
}

/// Reads `file`, checks it against cuobjdump, and returns what was read.
fn read_checked(cuda: &Cuda, file: &Path) -> GpuCode {
    let code = read_file(file).unwrap();
    cuda.cross_check(file, &code);
    for image in &code.images {
        let bytes = std::fs::read(file).unwrap();
        let start = usize::try_from(image.offset).unwrap();
        let payload = &bytes[start..start + usize::try_from(image.size).unwrap()];
        let digest = format!("sha256:{}", gate_support::digest::sha256_hex(payload));
        assert_eq!(image.digest, digest);
    }
    code
}

#[test]
fn fatbin_files_in_every_compression_mode() {
    let Some(cuda) = cuda() else { return };
    let data = Container::FatbinData;
    let cases: &[(&[&str], [bool; 3])] = &[
        // The default compresses PTX only.
        (&[], [false, true, false]),
        (&["--compress-mode=none"], [false; 3]),
        (&["-Xfatbin", "-compress-all"], [true; 3]),
        // LZ4 (`speed`) is flagged apart from zstd.
        (
            &["-Xfatbin", "-compress-all", "--compress-mode=speed"],
            [true; 3],
        ),
    ];
    for (i, (flags, compressed)) in cases.iter().enumerate() {
        let mut args = TWO_ARCHS.to_vec();
        args.extend_from_slice(flags);
        let file = cuda.nvcc("-fatbin", &args, &format!("k{i}.fatbin"));
        let code = read_checked(&cuda, &file);
        assert_eq!(
            shapes(&code),
            [
                shape("sm_80", None, data, compressed[0]),
                shape("compute_80", Some((9, 0)), data, compressed[1]),
                shape("sm_90", None, data, compressed[2]),
            ],
            "{flags:?}"
        );
        assert_eq!(
            code.images[1].min_driver().unwrap().to_string(),
            "CUDA 13.0"
        );
        assert!(code.nvrtc.is_empty());
    }
}

#[test]
fn arch_and_family_specific_code_keeps_its_suffix() {
    let Some(cuda) = cuda() else { return };
    let args = [
        "--compress-mode=none",
        "-gencode",
        "arch=compute_90a,code=[sm_90a,compute_90a]",
        "-gencode",
        "arch=compute_120f,code=[sm_120f,compute_120f]",
    ];
    let file = cuda.nvcc("-fatbin", &args, "specific.fatbin");
    let names: Vec<String> = read_checked(&cuda, &file)
        .images
        .iter()
        .map(Image::arch_name)
        .collect();
    assert_eq!(names, ["sm_90a", "compute_90a", "sm_120f", "compute_120f"]);
}

#[test]
fn objects_static_libraries_and_executables_hold_a_fatbin_section() {
    let Some(cuda) = cuda() else { return };
    let object = cuda.nvcc("-c", TWO_ARCHS, "k.o");
    let expected = [
        shape("sm_80", None, Container::FatbinSection, false),
        shape("compute_80", Some((9, 0)), Container::FatbinSection, true),
        shape("sm_90", None, Container::FatbinSection, false),
    ];
    let from_object = read_checked(&cuda, &object);
    assert_eq!(shapes(&from_object), expected);

    cuda.run(Path::new("ar"), &["rcs", "libk.a", "k.o"]);
    let from_archive = read_checked(&cuda, &cuda.path("libk.a"));
    assert_eq!(shapes(&from_archive), expected);
    // Offsets are in the whole archive, past its headers; the payloads are the object's.
    assert!(from_archive.images[0].offset > from_object.images[0].offset);
    let digests = |code: &GpuCode| {
        code.images
            .iter()
            .map(|i| i.digest.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(digests(&from_archive), digests(&from_object));

    // Linked without the CUDA runtime: the section is what matters, not that it runs.
    std::fs::write(cuda.path("main.c"), "int main(void) { return 0; }\n").unwrap();
    let link = [
        "main.c",
        "k.o",
        "-o",
        "k",
        "-Wl,--unresolved-symbols=ignore-all",
    ];
    cuda.run(Path::new("gcc"), &link);
    assert_eq!(shapes(&read_checked(&cuda, &cuda.path("k"))), expected);
}

#[test]
fn relocatable_device_code_sits_in_the_relfatbin_section() {
    let Some(cuda) = cuda() else { return };
    let object = cuda.nvcc("-c", &["-rdc=true", "-arch=sm_80"], "rdc.o");
    let code = read_checked(&cuda, &object);
    // nvcc compresses relocatable SASS too.
    assert_eq!(
        shapes(&code),
        [
            shape("sm_80", None, Container::FatbinSection, true),
            shape("compute_80", Some((9, 0)), Container::FatbinSection, true),
        ]
    );
}

#[test]
fn ptx_text_is_found_in_files_and_in_byte_blobs() {
    let Some(cuda) = cuda() else { return };
    let file = cuda.nvcc("-ptx", &["-arch=sm_90a"], "k.ptx");
    let text = std::fs::read(&file).unwrap();
    let code = read_file(&file).unwrap();
    let whole = module_digest(&text);
    assert_eq!(
        shapes(&code),
        [shape(
            "compute_90a",
            Some((9, 0)),
            Container::PtxText,
            false
        )]
    );
    assert_eq!((code.images[0].offset, &code.images[0].digest), (0, &whole));

    // As `include_str!` leaves it: between other data, not NUL-terminated at either end.
    let mut blob = vec![0x01, 0xff, 0x00, 0x13];
    blob.extend_from_slice(&text);
    blob.extend_from_slice(&[0x02, 0x00, 0x7f, 0x80]);
    let code = read(&blob);
    assert_eq!(code.images.len(), 1);
    assert_eq!((code.images[0].offset, &code.images[0].digest), (4, &whole));
}

#[test]
fn cubins_as_files_and_as_data() {
    let Some(cuda) = cuda() else { return };
    for (arch, name) in [
        ("sm_80", "sm_80"),
        ("sm_90a", "sm_90a"),
        ("sm_120", "sm_120"),
    ] {
        let file = cuda.nvcc(
            "-cubin",
            &[&format!("-arch={arch}")],
            &format!("{arch}.cubin"),
        );
        let code = read_checked(&cuda, &file);
        assert_eq!(shapes(&code), [shape(name, None, Container::Cubin, false)]);
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(
            code.images[0].size,
            bytes.len() as u64,
            "the whole file is the cubin"
        );

        let mut blob = b"padding\0".to_vec();
        blob.extend_from_slice(&bytes);
        blob.extend_from_slice(b"\0trailer");
        let embedded = read(&blob);
        assert_eq!(embedded.images.len(), 1);
        assert_eq!(embedded.images[0].offset, 8);
        assert_eq!(embedded.images[0].digest, code.images[0].digest);
    }
}

#[test]
fn nvrtc_is_named_by_needed_entries_and_dlopen_strings() {
    let Some(cuda) = cuda() else { return };
    std::fs::write(cuda.path("fake.c"), "void nvrtc_stub(void) {}\n").unwrap();
    let soname = [
        "-shared",
        "-fPIC",
        "-Wl,-soname,libnvrtc.so.13",
        "-o",
        "libnvrtc.so.13",
    ];
    cuda.run(Path::new("gcc"), &[&soname[..], &["fake.c"]].concat());
    let user = "void nvrtc_stub(void);\n\
                const char *lib = \"libnvrtc.so\";\n\
                int main(void) { nvrtc_stub(); return lib[0] == 0; }\n";
    std::fs::write(cuda.path("user.c"), user).unwrap();
    cuda.run(
        Path::new("gcc"),
        &["user.c", "-o", "user", "-L.", "-l:libnvrtc.so.13"],
    );
    let code = read_file(&cuda.path("user")).unwrap();
    assert_eq!(code.nvrtc, ["libnvrtc.so", "libnvrtc.so.13"]);
    assert!(code.images.is_empty());
}

// Hand-built containers.

/// A fatbin entry with a 64-byte header.
fn entry(kind: u16, arch: u32, isa: (u16, u16), flags: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&0x0101_u16.to_le_bytes());
    out.extend_from_slice(&64_u32.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&isa.1.to_le_bytes());
    out.extend_from_slice(&isa.0.to_le_bytes());
    out.extend_from_slice(&arch.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&flags.to_le_bytes());
    out.resize(64, 0);
    out.extend_from_slice(payload);
    out
}

/// A fatbin container around `entries`.
fn container(entries: &[Vec<u8>]) -> Vec<u8> {
    let body = entries.concat();
    let mut out = FATBIN_MAGIC.to_vec();
    out.extend_from_slice(&1_u16.to_le_bytes());
    out.extend_from_slice(&16_u16.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

const PTX_80: &[u8] = b"//\n// Generated\n//\n\n.version 8.4\n.target sm_80\n.address_size 64\n\n.visible .entry k()\n{\n\tret;\n}\n";

/// A container like nvcc's default: SASS for 80 and 90, zstd-compressed PTX for 80.
fn hand_container() -> Vec<u8> {
    container(&[
        entry(2, 80, (1, 8), 0x11, b"\x7fELF sass for 80"),
        entry(1, 80, (8, 4), 0x8011, b"(\xb5/\xfd compressed ptx"),
        entry(2, 90, (1, 8), 0x11, b"\x7fELF sass for 90"),
    ])
}

fn names(code: &GpuCode) -> Vec<String> {
    code.images.iter().map(Image::arch_name).collect()
}

#[test]
fn a_hand_built_container_reads_like_a_real_one() {
    let code = read(&hand_container());
    assert_eq!(
        shapes(&code),
        [
            shape("sm_80", None, Container::FatbinData, false),
            shape("compute_80", Some((8, 4)), Container::FatbinData, true),
            shape("sm_90", None, Container::FatbinData, false),
        ]
    );
    let first = &code.images[0];
    assert_eq!((first.offset, first.size), (16 + 64, 16));
    assert_eq!(
        first.digest,
        format!(
            "sha256:{}",
            gate_support::digest::sha256_hex(b"\x7fELF sass for 80")
        )
    );
}

/// Runs rustc (`RUSTC`, else the one on PATH) in `dir`; panics with its output when it fails.
fn rustc(dir: &Path, args: &[&str]) {
    let program = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rustc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn include_str_and_include_bytes_in_an_rlib_and_an_executable() {
    if !gate_support::program::runs("rustc") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.ptx"), PTX_80).unwrap();
    std::fs::write(dir.path().join("k.fatbin"), hand_container()).unwrap();
    let source = "pub static PTX: &str = include_str!(\"k.ptx\");\n\
                  pub static FAT: &[u8] = include_bytes!(\"k.fatbin\");\n\
                  pub fn main() { println!(\"{:p} {:p}\", std::hint::black_box(PTX), std::hint::black_box(FAT)); }\n";
    std::fs::write(dir.path().join("k.rs"), source).unwrap();
    rustc(
        dir.path(),
        &["--crate-type=rlib", "-O", "k.rs", "-o", "libk.rlib"],
    );
    rustc(dir.path(), &["--crate-type=bin", "-O", "k.rs", "-o", "k"]);
    let ptx_digest = module_digest(PTX_80);
    let fatbin = read(&hand_container());
    for artifact in ["libk.rlib", "k"] {
        let code = read_file(&dir.path().join(artifact)).unwrap();
        let mut found: Vec<(String, Container, String)> = code
            .images
            .iter()
            .map(|i| (i.arch_name(), i.container, i.digest.clone()))
            .collect();
        found.sort();
        // An rlib carries the static in its metadata and in its object code: one digest.
        found.dedup();
        let mut expected: Vec<(String, Container, String)> = fatbin
            .images
            .iter()
            .map(|i| (i.arch_name(), i.container, i.digest.clone()))
            .chain([(
                "compute_80".to_owned(),
                Container::PtxText,
                ptx_digest.clone(),
            )])
            .collect();
        expected.sort();
        assert_eq!(found, expected, "{artifact}");
    }
}

#[test]
fn container_edge_cases() {
    let good = hand_container();
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "zero entries, then a container",
            [container(&[]), good.clone()].concat(),
            vec!["sm_80", "compute_80", "sm_90"],
        ),
        (
            "entry size past the end",
            {
                let mut bytes = container(&[entry(2, 80, (1, 8), 0x11, b"abcdefgh")]);
                bytes[16 + 8..16 + 16].copy_from_slice(&1000_u64.to_le_bytes());
                bytes
            },
            vec![],
        ),
        (
            "container size past the end keeps whole entries",
            {
                let mut bytes = good.clone();
                bytes[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
                bytes
            },
            vec!["sm_80", "compute_80", "sm_90"],
        ),
        (
            "truncated in the last entry",
            good[..good.len() - 3].to_vec(),
            vec!["sm_80", "compute_80"],
        ),
        (
            "nested magic inside a payload",
            container(&[entry(2, 86, (1, 8), 0x11, &good)]),
            vec!["sm_86"],
        ),
        (
            "unknown kind walked over",
            container(&[
                entry(8, 80, (1, 8), 0x11, b"ir"),
                entry(2, 75, (1, 8), 0x11, b"sass"),
            ]),
            vec!["sm_75"],
        ),
        (
            "unknown version",
            {
                let mut bytes = good.clone();
                bytes[4] = 2;
                bytes
            },
            vec![],
        ),
        (
            "header shorter than the fields",
            {
                let mut bytes = good.clone();
                bytes[16 + 4..16 + 8].copy_from_slice(&8_u32.to_le_bytes());
                bytes
            },
            vec![],
        ),
        (
            "arch zero",
            container(&[entry(2, 0, (1, 8), 0x11, b"sass")]),
            vec![],
        ),
        (
            "arch-specific and family-specific flags",
            container(&[
                entry(2, 90, (1, 8), 0x10_0011, b"sass"),
                entry(1, 120, (9, 0), 0x20_8011, b"ptx"),
            ]),
            vec!["sm_90a", "compute_120f"],
        ),
        ("magic at the very end", FATBIN_MAGIC.to_vec(), vec![]),
    ];
    for (what, bytes, expected) in cases {
        assert_eq!(names(&read(&bytes)), expected, "{what}");
    }
}

/// A minimal little-endian ELF64 relocatable object with the named sections (no symbols).
fn elf_with_sections(sections: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = vec![0; 64];
    let mut names = b"\0.shstrtab\0".to_vec();
    // (name offset, type, offset, size) of each section after the null one.
    let mut headers = Vec::new();
    for (name, data) in sections {
        out.resize(out.len().next_multiple_of(8), 0);
        headers.push((names.len(), 1_u32, out.len(), data.len()));
        names.extend_from_slice(name.as_bytes());
        names.push(0);
        out.extend_from_slice(data);
    }
    headers.push((1, 3, out.len(), names.len()));
    out.extend_from_slice(&names);
    out.resize(out.len().next_multiple_of(8), 0);
    let shoff = out.len();
    out.extend_from_slice(&[0; 64]);
    for (name, kind, offset, size) in &headers {
        let mut header = Vec::new();
        header.extend_from_slice(&u32::try_from(*name).unwrap().to_le_bytes());
        header.extend_from_slice(&kind.to_le_bytes());
        header.extend_from_slice(&2_u64.to_le_bytes());
        header.extend_from_slice(&0_u64.to_le_bytes());
        header.extend_from_slice(&(*offset as u64).to_le_bytes());
        header.extend_from_slice(&(*size as u64).to_le_bytes());
        header.extend_from_slice(&[0; 8]);
        header.extend_from_slice(&8_u64.to_le_bytes());
        header.extend_from_slice(&0_u64.to_le_bytes());
        out.extend_from_slice(&header);
    }
    out[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\0");
    out[16..18].copy_from_slice(&1_u16.to_le_bytes());
    out[18..20].copy_from_slice(&62_u16.to_le_bytes());
    out[20..24].copy_from_slice(&1_u32.to_le_bytes());
    out[40..48].copy_from_slice(&(shoff as u64).to_le_bytes());
    out[52..54].copy_from_slice(&64_u16.to_le_bytes());
    out[58..60].copy_from_slice(&64_u16.to_le_bytes());
    out[60..62].copy_from_slice(&u16::try_from(headers.len() + 1).unwrap().to_le_bytes());
    out[62..64].copy_from_slice(&u16::try_from(headers.len()).unwrap().to_le_bytes());
    out
}

#[test]
fn fatbins_in_a_named_section_are_told_from_data() {
    let payload = hand_container();
    for name in [".nv_fatbin", "__nv_relfatbin"] {
        let bytes = elf_with_sections(&[(name, &payload), (".rodata", &payload)]);
        let containers: Vec<Container> = read(&bytes).images.iter().map(|i| i.container).collect();
        assert_eq!(
            containers,
            [[Container::FatbinSection; 3], [Container::FatbinData; 3]].concat(),
            "{name}"
        );
    }
}

#[test]
fn hand_built_cubins() {
    // An ELF header, then the note ptxas leaves; the section header table (empty) ends the
    // cubin after the note, or right after the header when `note_inside` is false.
    let cubin = |abi: u8, flags: u32, note_inside: bool| {
        let mut bytes = vec![0; 64];
        bytes[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x41");
        bytes[8] = abi;
        bytes[18..20].copy_from_slice(&EM_CUDA.to_le_bytes());
        bytes[48..52].copy_from_slice(&flags.to_le_bytes());
        bytes[52..54].copy_from_slice(&64_u16.to_le_bytes());
        bytes.extend_from_slice(b"\0-arch sm_90a -m 64 \0");
        let end = if note_inside { bytes.len() } else { 64 };
        bytes[40..48].copy_from_slice(&(end as u64).to_le_bytes());
        bytes
    };
    // nvcc 13.0's layout (ABI 8), and the older one (ABI 7: the SM in the low byte).
    let cases = [
        (cubin(8, 0x0600_5a04, true), vec!["sm_90a"]),
        (cubin(8, 0x0600_5a04, false), vec!["sm_90"]),
        (cubin(8, 0x0600_5004, true), vec!["sm_80"]),
        (cubin(7, 0x0050_0550, true), vec!["sm_80"]),
        (cubin(8, 0x0600_0004, true), vec![]),
    ];
    for (bytes, expected) in cases {
        assert_eq!(names(&read(&bytes)), expected);
    }
    // A cubin whose tables end past the input is not read.
    let whole = cubin(8, 0x0600_5a04, true);
    assert!(read(&whole[..whole.len() - 1]).images.is_empty());
    // A host ELF is not a cubin.
    let mut host = whole;
    host[18] = 62;
    assert!(read(&host).images.is_empty());
}

#[test]
fn ptx_edge_cases() {
    let ptx_90a = b".version 9.0\n.target sm_90a\n.address_size 64\n";
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        ("one module", PTX_80.to_vec(), vec!["compute_80"]),
        (
            "two modules back to back",
            [PTX_80, &ptx_90a[..]].concat(),
            vec!["compute_80", "compute_90a"],
        ),
        (
            "no target",
            b".version 9.0\n.address_size 64\n".to_vec(),
            vec![],
        ),
        (
            "target too far",
            {
                let mut text = b".version 9.0\n".to_vec();
                text.extend(std::iter::repeat_n(b' ', PTX_TARGET_WINDOW));
                text.extend_from_slice(b"\n.target sm_80\n");
                text
            },
            vec![],
        ),
        (
            "binary between version and target",
            b".version 9.0\n\0.target sm_80\n".to_vec(),
            vec![],
        ),
        (
            "malformed version",
            b".version 9\n.target sm_80\n".to_vec(),
            vec![],
        ),
        (
            "target options",
            b".version 1.4\n.target sm_20, texmode_independent\n".to_vec(),
            vec!["compute_20"],
        ),
        (
            "not a suffix",
            b".version 9.0\n.target sm_90ab\n".to_vec(),
            vec!["compute_90"],
        ),
    ];
    for (what, bytes, expected) in cases {
        assert_eq!(names(&read(&bytes)), expected, "{what}");
    }
    // Back to back, each module is its own payload; the second starts at its header line.
    let both = [PTX_80, &ptx_90a[..]].concat();
    let code = read(&both);
    assert_eq!(code.images[0].size, module_text(PTX_80).len() as u64);
    assert_eq!(code.images[1].offset, PTX_80.len() as u64);
    assert_eq!(code.images[0].ptx_isa, Some((8, 4)));
    // A printable byte right before the text (rlib metadata's length byte) is left out.
    let code = read(&[b"\x00a", PTX_80].concat());
    let image = &code.images[0];
    assert_eq!(
        (image.offset, image.size),
        (2, module_text(PTX_80).len() as u64)
    );
}

#[test]
fn nvrtc_names_in_strings() {
    let cases: &[(&[u8], &[&str])] = &[
        (b"\0libnvrtc.so.13\0", &["libnvrtc.so.13"]),
        (b"libnvrtc.so\0", &["libnvrtc.so"]),
        (
            b"x\0nvrtc64_130_0.dll\0y\0nvrtc64_120_0.dll\0",
            &["nvrtc64_120_0.dll", "nvrtc64_130_0.dll"],
        ),
        (
            b"\0/usr/local/cuda/lib/libnvrtc.13.dylib\0",
            &["libnvrtc.13.dylib"],
        ),
        (
            b"\0C:\\Program Files\\CUDA\\bin\\nvrtc64_130_0.dll\0",
            &["nvrtc64_130_0.dll"],
        ),
        (b"\0libnvrtc.so.13\0libnvrtc.so.13\0", &["libnvrtc.so.13"]),
        (
            b"\0libnvrtc-builtins.so.13.0\0",
            &["libnvrtc-builtins.so.13.0"],
        ),
        // An entry point looked up by name: the binary loads NVRTC it names no library of.
        (b"\0nvrtcCompileProgram\0", &[NVRTC_LOOKUP]),
        // As a Rust binary without debug info carries it: literals back to back, no NUL (the
        // bom-nvrtc test executable went unnamed once CI built with line tables only).
        (
            b"nvrtcGetPTXSizenvrtcCompileProgramnvrtcDestroyProgram",
            &[NVRTC_LOOKUP],
        ),
        // Not library names, or not NUL-terminated.
        (b"\0failed to load nvrtc\0", &[]),
        (b"\0libnvrtc.so.13", &[]),
        (b"\0mylibnvrtc.so\0", &[]),
        (b"\0libnvrtc.so.13 \xff\0", &[]),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            read(bytes).nvrtc,
            *expected,
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn arch_names() {
    let image = |form, arch, suffix| Image {
        arch_suffix: suffix,
        ..blank(form, arch, Container::Cubin)
    };
    assert_eq!(image(KernelForm::Sass, 80, None).arch_name(), "sm_80");
    assert_eq!(
        image(KernelForm::Ptx, 90, Some('a')).arch_name(),
        "compute_90a"
    );
    assert_eq!(
        image(KernelForm::Sass, 120, Some('f')).arch_name(),
        "sm_120f"
    );
    assert_eq!(image(KernelForm::Sass, 80, None).min_driver(), None);
}

// Properties.

/// A container nvcc built (once per test run), or the hand-built one without nvcc.
fn sample_container() -> &'static [u8] {
    static SAMPLE: OnceLock<Vec<u8>> = OnceLock::new();
    SAMPLE.get_or_init(|| match cuda() {
        Some(cuda) => {
            let mut args = TWO_ARCHS.to_vec();
            args.push("--compress-mode=none");
            std::fs::read(cuda.nvcc("-fatbin", &args, "sample.fatbin")).unwrap()
        }
        None => hand_container(),
    })
}

/// Bytes that reach past the first checks: a container, cubin or PTX header, then noise.
fn seeded_bytes() -> impl Strategy<Value = Vec<u8>> {
    let mut cubin = b"\x7fELF\x02\x01\x01\x41\x08".to_vec();
    cubin.resize(18, 0);
    cubin.extend_from_slice(&EM_CUDA.to_le_bytes());
    let seeds = vec![
        Vec::new(),
        [&FATBIN_MAGIC[..], &[1, 0, 16, 0]].concat(),
        cubin,
        b".version 9.0\n.target sm_".to_vec(),
        b"\0libnvrtc".to_vec(),
    ];
    (
        proptest::sample::select(seeds),
        proptest::collection::vec(any::<u8>(), 0..600),
    )
        .prop_map(|(seed, noise)| [seed, noise].concat())
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in seeded_bytes()) {
        let _ = read(&bytes);
    }

    #[test]
    fn never_panics_on_a_damaged_container(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = sample_container().to_vec();
        for (at, value) in flips {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        let _ = read(&bytes);
        let _ = read(&bytes[..cut.index(bytes.len() + 1)]);
    }

    #[test]
    fn padding_does_not_change_what_is_found(
        before in proptest::collection::vec(any::<u8>(), 0..300),
        after in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let sample = sample_container();
        let alone = read(sample);
        let padded = read(&[&before[..], sample, &after[..]].concat());
        let shifted: Vec<Image> = alone
            .images
            .iter()
            .map(|i| Image {
                offset: i.offset + before.len() as u64,
                module: i.module + before.len() as u64,
                ..i.clone()
            })
            .collect();
        prop_assert_eq!(padded.images, shifted);
    }
}

/// A PTX module's text as an image holds it: up to its last closing brace.
fn module_text(text: &[u8]) -> &[u8] {
    text.iter()
        .rposition(|&b| b == b'}')
        .map_or(text, |n| &text[..=n])
}

/// A PTX module's digest: its text from `.version` to its last closing brace.
fn module_digest(text: &[u8]) -> String {
    let module = module_text(text);
    let from = memmem::find(module, b".version").unwrap_or(0);
    format!(
        "sha256:{}",
        gate_support::digest::sha256_hex(&module[from..])
    )
}
