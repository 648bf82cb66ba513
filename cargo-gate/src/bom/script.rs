//! A builder of the BOM from one call of a build script: the call's kind, place, switch and
//! archs, and what its script does once (probe the GPU, write PTX outside `OUT_DIR`).

use super::cmake;
use crate::cuda::scripts;
use gate_formats::kernel_bom::Builder;

/// A builder of the BOM from one call of a build script (`rel` names the script, or a
/// dependency's `name@version/build.rs`).
pub fn script_builder(
    package: &str,
    rel: &str,
    call: &scripts::Call,
    script: &scripts::Script,
    dependency: bool,
) -> Builder {
    Builder {
        via: call.via.clone(),
        switch: call.switch.clone(),
        archs: call.archs.clone(),
        native_arch: call.native_arch,
        gpu_probe: script
            .gpu_probe
            .as_ref()
            .map(|(line, what)| format!("{rel}:{line} ({what})"))
            .or_else(|| cmake::configure_probe(call)),
        outside_out_dir: script
            .outside_out_dir
            .as_ref()
            .map(|(line, what)| format!("{rel}:{line} ({what})")),
        dependency,
        ..Builder::new(package, call.kind, format!("{rel}:{}", call.line))
    }
}
