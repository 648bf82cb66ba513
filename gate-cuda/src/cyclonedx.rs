//! The CUDA bill of materials as a CycloneDX 1.6 JSON document (the format `cargo
//! cyclonedx` writes): each distinct GPU code image is a component of type `file`, with its
//! SHA-256 and properties for its arch, form, PTX ISA, minimum driver, container and the
//! crates that ship it; each dependency that compiles GPU code is a `library` component with
//! its package URL, and the workspace's packages that ship kernels depend on them. Property
//! names live in the `cargo-gate:cuda:` namespace (CycloneDX reserves `cdx:`).
//!
//! The serial number is derived from the document's content (an RFC 9562 version-8 UUID over
//! its SHA-256), so the same inventory always exports the same document but for `timestamp`.

use gate_formats::kernel_bom::{Artifacts, Bom, KernelForm};
use serde_json::{Value, json};

/// The document for `bom` of the workspace `name` at `version`, stamped `timestamp`
/// (RFC 3339).
pub fn document(bom: &Bom, name: &str, version: &str, timestamp: &str) -> Value {
    let root_ref = format!("pkg:cargo/{name}@{version}");
    let mut components = Vec::new();
    let mut kernel_refs = Vec::new();
    if let Artifacts::Read { kernels, .. } = &bom.artifacts {
        for kernel in kernels {
            let hex = kernel.digest.trim_start_matches("sha256:");
            let reference = format!("gpu-kernel:{hex}");
            kernel_refs.push(reference.clone());
            let mut properties = vec![
                property("arch", &kernel.arch),
                property(
                    "form",
                    match kernel.form {
                        KernelForm::Sass => "sass",
                        KernelForm::Ptx => "ptx",
                    },
                ),
                property("container", &serde_plain(&kernel.container)),
                property("compressed", &kernel.compressed.to_string()),
                property("size", &kernel.size.to_string()),
                property("shipped", &kernel.shipped.to_string()),
            ];
            if let Some(isa) = &kernel.ptx_isa {
                properties.push(property("ptx-isa", isa));
            }
            if let Some(driver) = &kernel.min_driver {
                properties.push(property("min-driver", driver));
            }
            for krate in &kernel.crates {
                properties.push(property("crate", krate));
            }
            if let Some(source) = &kernel.source {
                properties.push(property("source", source));
            }
            components.push(json!({
                "type": "file",
                "bom-ref": reference,
                "name": format!("{} {}", kernel.crates.join("+"), kernel.arch),
                "hashes": [{ "alg": "SHA-256", "content": hex }],
                "properties": properties,
            }));
        }
    }
    let mut dependency_refs = Vec::new();
    for dep in &bom.dependencies {
        let purl = format!("pkg:cargo/{}@{}", dep.name, dep.version);
        dependency_refs.push(purl.clone());
        let how: Vec<Value> = dep
            .builders
            .iter()
            .filter_map(|&i| bom.builders.get(i))
            .map(|b| property("builder", &format!("{} at {}", b.kind.describe(), b.at)))
            .chain(std::iter::once(property("path", &dep.path.join(" → "))))
            .collect();
        components.push(json!({
            "type": "library",
            "bom-ref": purl,
            "purl": purl,
            "name": dep.name,
            "version": dep.version,
            "properties": how,
        }));
    }
    let mut depends_on = kernel_refs;
    depends_on.extend(dependency_refs);
    let mut document = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [{
                "type": "application",
                "name": "cargo-gate",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
            "component": {
                "type": "application",
                "bom-ref": root_ref,
                "name": name,
                "version": version,
            },
        },
        "components": components,
        "dependencies": [{ "ref": root_ref, "dependsOn": depends_on }],
    });
    let digest = gate_support::digest::sha256_hex(document.to_string().as_bytes());
    document["serialNumber"] = Value::String(format!("urn:uuid:{}", uuid_v8(&digest)));
    document
}

fn property(name: &str, value: &str) -> Value {
    json!({ "name": format!("cargo-gate:cuda:{name}"), "value": value })
}

/// A unit enum's serde name (`fatbin-section`).
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An RFC 9562 version-8 UUID from the first 128 bits of a hex digest.
fn uuid_v8(hex: &str) -> String {
    let mut digits: Vec<char> = hex.chars().take(32).collect();
    digits.resize(32, '0');
    digits[12] = '8';
    // The variant: the two top bits of the 17th digit are 10.
    let variant = digits[16].to_digit(16).unwrap_or(0) & 0x3 | 0x8;
    digits[16] = char::from_digit(variant, 16).unwrap_or('8');
    let s: String = digits.into_iter().collect();
    format!(
        "{}-{}-{}-{}-{}",
        &s[..8],
        &s[8..12],
        &s[12..16],
        &s[16..20],
        &s[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gate_formats::kernel_bom::{Container, Kernel};

    fn bom() -> Bom {
        Bom {
            artifacts: Artifacts::Read {
                binaries: Vec::new(),
                kernels: vec![Kernel {
                    digest: format!("sha256:{}", "ab".repeat(32)),
                    form: KernelForm::Ptx,
                    arch: "compute_80".into(),
                    ptx_isa: Some("9.0".into()),
                    min_driver: Some("13.0".into()),
                    container: Container::FatbinSection,
                    compressed: false,
                    size: 10,
                    crates: vec!["kernels-sys".into()],
                    shipped: true,
                    source: Some("cc with .cuda(true) in kernels-sys".into()),
                }],
                files: 1,
                bytes: 10,
            },
            ..Bom::default()
        }
    }

    #[test]
    fn each_kernel_is_a_file_component_with_its_arch_isa_and_digest() {
        let doc = document(&bom(), "app", "0.1.0", "2026-01-01T00:00:00Z");
        assert_eq!(doc["bomFormat"], "CycloneDX");
        assert_eq!(doc["specVersion"], "1.6");
        let component = &doc["components"][0];
        assert_eq!(component["type"], "file");
        assert_eq!(component["hashes"][0]["content"], "ab".repeat(32));
        let properties = component["properties"].as_array().expect("properties");
        let has = |name: &str, value: &str| {
            properties
                .iter()
                .any(|p| p["name"] == format!("cargo-gate:cuda:{name}") && p["value"] == value)
        };
        assert!(has("arch", "compute_80") && has("ptx-isa", "9.0") && has("min-driver", "13.0"));
        assert!(has("container", "fatbin-section"), "{component:#}");
        let serial = doc["serialNumber"].as_str().expect("serial");
        let uuid = serial.strip_prefix("urn:uuid:").expect("urn");
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "8", "version 8: {uuid}");
        assert!("89ab".contains(&uuid[19..20]), "variant: {uuid}");
        // The same inventory exports the same serial number; another does not.
        let again = document(&bom(), "app", "0.1.0", "2026-01-01T00:00:00Z");
        assert_eq!(again["serialNumber"], doc["serialNumber"]);
        let other = document(&Bom::default(), "app", "0.1.0", "2026-01-01T00:00:00Z");
        assert_ne!(other["serialNumber"], doc["serialNumber"]);
    }
}
