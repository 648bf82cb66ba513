//! Checks before a module is loaded, as pure functions over the build's manifest, so they are
//! tested without a GPU: the driver against the PTX's minimum, the device's compute
//! capability against the compiled archs (SASS preferred, PTX JIT otherwise), and the module
//! digest against the manifest.

use crate::status::StatusCode;

/// gate-build's `gate-manifest.json`, the same type its writer serialises.
pub use gate_formats::kernel_manifest::{Manifest, MinDriver};

/// A check that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `Unsupported` or `VerifyFailed`.
    pub code: StatusCode,
    /// A reason code for the decision log (`driver_too_old`, `arch_not_compiled`,
    /// `digest_mismatch`, …).
    pub reason: &'static str,
    /// A sentence.
    pub message: String,
}

/// The driver (as a CUDA version, `(13, 0)`) against what the PTX needs.
pub fn check_driver(driver: (u32, u32), manifest: &Manifest) -> Result<(), Refusal> {
    match &manifest.required_driver {
        None | Some(MinDriver::OlderThanTable) => Ok(()),
        Some(MinDriver::UnknownNewerThanTable { newest_known }) => Err(Refusal {
            code: StatusCode::Unsupported,
            reason: "driver_unknown_requirement",
            message: format!(
                "the kernels' PTX ISA is newer than gate-build's table (newest known {newest_known}); the driver requirement cannot be checked"
            ),
        }),
        Some(MinDriver::Cuda { version }) => {
            if driver >= (version.major, version.minor) {
                Ok(())
            } else {
                Err(Refusal {
                    code: StatusCode::Unsupported,
                    reason: "driver_too_old",
                    message: format!(
                        "the driver supports CUDA {}.{}, the kernels' PTX needs CUDA {version}",
                        driver.0, driver.1
                    ),
                })
            }
        }
    }
}

/// How a device will run the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodePath {
    /// SASS compiled for exactly this arch.
    Sass(String),
    /// PTX for the lowest arch, JIT-compiled by the driver.
    PtxJit(String),
}

impl CodePath {
    /// `sm_90` or `jit:compute_80`.
    pub fn label(&self) -> String {
        match self {
            CodePath::Sass(arch) => arch.clone(),
            CodePath::PtxJit(arch) => format!("jit:{arch}"),
        }
    }
}

/// The device's compute capability against the compiled archs.
pub fn select_code(cc: (u32, u32), archs: &[String]) -> Result<CodePath, Refusal> {
    let device = cc.0 * 10 + cc.1;
    let number = |arch: &String| {
        arch.trim_start_matches("sm_")
            .trim_end_matches(['a', 'f'])
            .parse::<u32>()
            .ok()
    };
    if let Some(arch) = archs.iter().find(|a| number(a) == Some(device)) {
        return Ok(CodePath::Sass(arch.clone()));
    }
    match archs.iter().filter_map(|a| number(a).map(|n| (n, a))).min() {
        Some((lowest, arch)) if device >= lowest => {
            Ok(CodePath::PtxJit(arch.replacen("sm_", "compute_", 1)))
        }
        Some((lowest, _)) => Err(Refusal {
            code: StatusCode::Unsupported,
            reason: "arch_not_compiled",
            message: format!(
                "the device is sm_{device}; the kernels were compiled for {} (PTX from sm_{lowest} up)",
                archs.join(", ")
            ),
        }),
        None => Err(Refusal {
            code: StatusCode::Unsupported,
            reason: "arch_not_compiled",
            message: "the build compiled no arch".into(),
        }),
    }
}

/// SHA-256 of `bytes`, lowercase hex (one implementation for the whole project).
pub use gate_support::digest::sha256_hex;

/// The module's bytes against the digest compiled into the crate and the manifest's.
pub fn verify_digest(
    name: &str,
    fatbin: &[u8],
    compiled_digest: &str,
    manifest: &Manifest,
) -> Result<(), Refusal> {
    let actual = sha256_hex(fatbin);
    let listed = manifest
        .modules
        .iter()
        .find(|m| m.name == name)
        .and_then(|m| m.digest.clone());
    let refuse = |message: String| Refusal {
        code: StatusCode::VerifyFailed,
        reason: "digest_mismatch",
        message,
    };
    match listed {
        None => Err(refuse(format!("module `{name}` is not in the manifest"))),
        Some(listed) if listed != compiled_digest => Err(refuse(format!(
            "module `{name}`: the manifest says {listed}, the crate was built with {compiled_digest}"
        ))),
        Some(_) if actual != compiled_digest => Err(refuse(format!(
            "module `{name}`: its bytes hash to {actual}, not {compiled_digest}"
        ))),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(driver: &str) -> Manifest {
        Manifest::parse(&format!(
            r#"{{"schema_version":1,"gate_build":"0.1.0","requested":"auto","outcome":"native",
                "fallback_reason":null,"nvcc":null,"searched":[],"host_compiler":null,
                "archs":["sm_80","sm_90"],"archs_from":"default","ptx_arch":"compute_80",
                "flags":[],"includes":[],"toolkit":[],"min_driver":null,
                "required_driver":{driver},"violations":[],
                "modules":[{{"name":"saxpy","source":"kernels/saxpy.cu","ptx_file":null,
                    "fatbin_file":null,"digest":"{}","ptx_sha256":null,"content_key":null,
                    "headers":[],"ptx":null,"ptxas":[],"cached":false}}]}}"#,
            sha256_hex(b"fatbin")
        ))
        .unwrap()
    }

    #[test]
    fn driver_checks() {
        let m = manifest(r#"{"kind":"cuda","version":"13.0"}"#);
        assert_eq!(check_driver((13, 0), &m), Ok(()));
        assert_eq!(check_driver((13, 1), &m), Ok(()));
        let old = check_driver((12, 9), &m).unwrap_err();
        assert_eq!(
            (old.code, old.reason),
            (StatusCode::Unsupported, "driver_too_old")
        );
        assert_eq!(
            old.message,
            "the driver supports CUDA 12.9, the kernels' PTX needs CUDA 13.0"
        );
        let unknown = manifest(r#"{"kind":"unknown-newer-than-table","newest_known":"9.1"}"#);
        assert_eq!(
            check_driver((99, 0), &unknown).unwrap_err().reason,
            "driver_unknown_requirement"
        );
    }

    #[test]
    fn sass_preferred_then_ptx_jit_then_refusal() {
        let archs = vec!["sm_80".to_owned(), "sm_90".to_owned()];
        assert_eq!(
            select_code((9, 0), &archs),
            Ok(CodePath::Sass("sm_90".into()))
        );
        assert_eq!(
            select_code((8, 9), &archs),
            Ok(CodePath::PtxJit("compute_80".into()))
        );
        assert_eq!(
            select_code((12, 0), &archs).unwrap().label(),
            "jit:compute_80"
        );
        let old = select_code((7, 5), &archs).unwrap_err();
        assert_eq!(
            (old.code, old.reason),
            (StatusCode::Unsupported, "arch_not_compiled")
        );
    }

    #[test]
    fn digests_must_agree_three_ways() {
        let m = manifest("null");
        let good = sha256_hex(b"fatbin");
        assert_eq!(verify_digest("saxpy", b"fatbin", &good, &m), Ok(()));
        let tampered = verify_digest("saxpy", b"fatbiN", &good, &m).unwrap_err();
        assert_eq!(
            (tampered.code, tampered.reason),
            (StatusCode::VerifyFailed, "digest_mismatch")
        );
        assert!(verify_digest("saxpy", b"fatbin", "other", &m).is_err());
        assert!(verify_digest("nope", b"fatbin", &good, &m).is_err());
    }
}
