//! Judging shipped GPU code against the fleet (`[cuda] archs`, `min-driver`): which declared
//! GPU each module of GPU code runs on, and how, by NVIDIA's compatibility rules:
//!
//! - SASS for `sm_XY` runs as is on a GPU of the same major version and a minor at or above
//!   `Y` (`sm_80` on `sm_86`, not on `sm_90`); `sm_XYa` (arch-specific) only on `sm_XY`;
//!   `sm_XYf` (family-specific) like plain SASS, within its major version.
//! - PTX for `compute_XY` is JIT-compiled by the driver for any GPU at or above `XY`;
//!   `compute_XYa` only for `sm_XY`; `compute_XYf` within its major version. The driver must
//!   know the PTX's ISA: ISA 9.0 needs a CUDA 13.0 driver (gate-build's table,
//!   [`gate_formats::ptx::min_driver`]).
//!
//! A module is one unit the driver loads: a fatbin container, a PTX text, a cubin. Each module
//! must cover each declared GPU on its own; another module's SASS does not help it.

use gate_formats::kernel_bom::KernelForm;
use gate_formats::kernel_manifest::{MinDriver, Version};

/// One image of a module, as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// SASS or PTX.
    pub form: KernelForm,
    /// `80` for `sm_80`/`compute_80`.
    pub arch: u32,
    /// `a` (arch-specific) or `f` (family-specific), when it is one.
    pub suffix: Option<char>,
    /// The PTX ISA, for PTX whose version is known.
    pub ptx_isa: Option<(u32, u32)>,
}

impl Code {
    /// `sm_80`, `compute_90a`.
    pub fn name(&self) -> String {
        let prefix = match self.form {
            KernelForm::Sass => "sm",
            KernelForm::Ptx => "compute",
        };
        let suffix = self.suffix.map(String::from).unwrap_or_default();
        format!("{prefix}_{}{suffix}", self.arch)
    }

    /// Whether the GPU `sm_<gpu>` runs this image (directly, or by JIT for PTX).
    pub fn runs_on(&self, gpu: u32) -> bool {
        let same_family = gpu / 10 == self.arch / 10 && gpu >= self.arch;
        match (self.form, self.suffix) {
            (_, Some('a')) => gpu == self.arch,
            (KernelForm::Sass, _) | (KernelForm::Ptx, Some(_)) => same_family,
            (KernelForm::Ptx, None) => gpu >= self.arch,
        }
    }
}

/// How a module covers one GPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Covered {
    /// Its SASS for this arch runs as is.
    Sass(String),
    /// The driver JIT-compiles its PTX for this arch.
    Ptx(String),
    /// Nothing in the module runs there.
    None,
}

impl Covered {
    /// `sass`, `ptx` or `none`.
    pub fn by(&self) -> &'static str {
        match self {
            Covered::Sass(_) => "sass",
            Covered::Ptx(_) => "ptx",
            Covered::None => "none",
        }
    }

    /// The image that covers it.
    pub fn from(&self) -> Option<&str> {
        match self {
            Covered::Sass(arch) | Covered::Ptx(arch) => Some(arch),
            Covered::None => None,
        }
    }
}

/// The number of a declared GPU (`sm_80` → 80; the suffix of `sm_90a` does not change the
/// GPU).
pub fn gpu_number(arch: &str) -> Option<u32> {
    arch.strip_prefix("sm_")?
        .trim_end_matches(['a', 'f'])
        .parse()
        .ok()
}

/// How `module` covers the GPU `sm_<gpu>`: SASS first (no JIT at load time), the closest
/// arch first.
pub fn coverage(module: &[Code], gpu: u32) -> Covered {
    let best = |form: KernelForm| {
        module
            .iter()
            .filter(|c| c.form == form && c.runs_on(gpu))
            .max_by_key(|c| c.arch)
    };
    if let Some(sass) = best(KernelForm::Sass) {
        return Covered::Sass(sass.name());
    }
    match best(KernelForm::Ptx) {
        Some(ptx) => Covered::Ptx(ptx.name()),
        None => Covered::None,
    }
}

/// The oldest driver (as a CUDA version) that loads PTX of `isa`, when the table knows it.
pub fn min_driver(isa: (u32, u32)) -> Option<Version> {
    match gate_formats::ptx::min_driver(Version::new(isa.0, isa.1)) {
        MinDriver::Cuda { version } => Some(version),
        MinDriver::OlderThanTable | MinDriver::UnknownNewerThanTable { .. } => None,
    }
}

/// Why `module`'s PTX cannot load on a driver of CUDA `driver`: the newest ISA it needs and
/// the driver that ISA needs, when that is newer than `driver`. An ISA newer than the table
/// is named too (no driver is known to load it).
pub fn driver_shortfall(module: &[Code], driver: Version) -> Option<((u32, u32), String)> {
    let newest = module
        .iter()
        .filter(|c| c.form == KernelForm::Ptx)
        .filter_map(|c| c.ptx_isa)
        .max()?;
    match gate_formats::ptx::min_driver(Version::new(newest.0, newest.1)) {
        MinDriver::Cuda { version } if version > driver => Some((newest, version.to_string())),
        MinDriver::UnknownNewerThanTable { newest_known } => Some((
            newest,
            format!("a driver newer than any this gate knows (newest known ISA {newest_known})"),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sass(arch: u32) -> Code {
        Code {
            form: KernelForm::Sass,
            arch,
            suffix: None,
            ptx_isa: None,
        }
    }

    fn ptx(arch: u32, isa: (u32, u32)) -> Code {
        Code {
            form: KernelForm::Ptx,
            arch,
            suffix: None,
            ptx_isa: Some(isa),
        }
    }

    #[test]
    fn sass_runs_within_its_major_version_and_ptx_on_anything_newer() {
        let module = [sass(80), ptx(80, (9, 0))];
        assert_eq!(coverage(&module, 80), Covered::Sass("sm_80".into()));
        assert_eq!(coverage(&module, 86), Covered::Sass("sm_80".into()));
        assert_eq!(coverage(&module, 90), Covered::Ptx("compute_80".into()));
        assert_eq!(coverage(&module, 75), Covered::None);
        assert_eq!(coverage(&[sass(80)], 90), Covered::None);
    }

    #[test]
    fn arch_specific_code_runs_only_on_its_own_gpu() {
        let a = Code {
            suffix: Some('a'),
            ..sass(90)
        };
        assert!(a.runs_on(90));
        assert!(!a.runs_on(100));
        let pa = Code {
            suffix: Some('a'),
            ..ptx(90, (9, 0))
        };
        assert_eq!(pa.name(), "compute_90a");
        assert!(!pa.runs_on(100));
        let f = Code {
            suffix: Some('f'),
            ..ptx(100, (9, 0))
        };
        assert!(f.runs_on(103));
        assert!(!f.runs_on(120));
    }

    #[test]
    fn ptx_newer_than_the_declared_driver_is_named_with_the_driver_it_needs() {
        let module = [sass(80), ptx(80, (9, 0))];
        assert_eq!(
            driver_shortfall(&module, Version::new(12, 4)),
            Some(((9, 0), "13.0".to_owned()))
        );
        assert_eq!(driver_shortfall(&module, Version::new(13, 0)), None);
        assert_eq!(driver_shortfall(&[sass(80)], Version::new(11, 0)), None);
        assert!(
            driver_shortfall(&[ptx(80, (99, 0))], Version::new(13, 0))
                .is_some_and(|(_, why)| why.contains("newer than any"))
        );
    }

    #[test]
    fn declared_gpus_are_read_without_their_suffix() {
        assert_eq!(gpu_number("sm_90a"), Some(90));
        assert_eq!(gpu_number("sm_120"), Some(120));
        assert_eq!(gpu_number("compute_80"), None);
    }

    proptest! {
        /// Adding an image to a module never takes a GPU's coverage away.
        #[test]
        fn more_images_never_cover_less(
            archs in proptest::collection::vec((50u32..130, any::<bool>()), 0..6),
            extra in (50u32..130, any::<bool>()),
            gpu in 50u32..130,
        ) {
            let code = |(arch, is_ptx): (u32, bool)| if is_ptx { ptx(arch, (9, 0)) } else { sass(arch) };
            let module: Vec<Code> = archs.into_iter().map(code).collect();
            let mut more = module.clone();
            more.push(code(extra));
            if coverage(&module, gpu) != Covered::None {
                prop_assert_ne!(coverage(&more, gpu), Covered::None);
            }
        }

        /// PTX covers every GPU that SASS of the same arch covers.
        #[test]
        fn ptx_reaches_at_least_as_far_as_sass(arch in 50u32..130, gpu in 50u32..130) {
            if sass(arch).runs_on(gpu) {
                prop_assert!(ptx(arch, (9, 0)).runs_on(gpu));
            }
        }
    }
}
