//! PTX facts: `.version`, `.target`, `.address_size`, every `.entry` with its parameter count,
//! and the oldest CUDA driver that can load the PTX, from NVIDIA's PTX ISA release history.

pub use crate::kernel_manifest::{Entry, MinDriver, PtxFacts, Version};

/// PTX ISA version → the CUDA release that introduced it (and so the oldest driver, as a CUDA
/// version, that can JIT it). From NVIDIA's "PTX ISA release history".
pub const ISA_TABLE: &[(Version, Version)] = &[
    (Version::new(6, 0), Version::new(9, 0)),
    (Version::new(6, 1), Version::new(9, 1)),
    (Version::new(6, 2), Version::new(9, 2)),
    (Version::new(6, 3), Version::new(10, 0)),
    (Version::new(6, 4), Version::new(10, 1)),
    (Version::new(6, 5), Version::new(10, 2)),
    (Version::new(7, 0), Version::new(11, 0)),
    (Version::new(7, 1), Version::new(11, 1)),
    (Version::new(7, 2), Version::new(11, 2)),
    (Version::new(7, 3), Version::new(11, 3)),
    (Version::new(7, 4), Version::new(11, 4)),
    (Version::new(7, 5), Version::new(11, 5)),
    (Version::new(7, 6), Version::new(11, 6)),
    (Version::new(7, 7), Version::new(11, 7)),
    (Version::new(7, 8), Version::new(11, 8)),
    (Version::new(8, 0), Version::new(12, 0)),
    (Version::new(8, 1), Version::new(12, 1)),
    (Version::new(8, 2), Version::new(12, 2)),
    (Version::new(8, 3), Version::new(12, 3)),
    (Version::new(8, 4), Version::new(12, 4)),
    (Version::new(8, 5), Version::new(12, 5)),
    (Version::new(8, 6), Version::new(12, 7)),
    (Version::new(8, 7), Version::new(12, 8)),
    (Version::new(8, 8), Version::new(12, 9)),
    (Version::new(9, 0), Version::new(13, 0)),
    (Version::new(9, 1), Version::new(13, 1)),
];

/// The minimum driver for a PTX ISA version.
pub fn min_driver(isa: Version) -> MinDriver {
    if let Some((_, cuda)) = ISA_TABLE.iter().find(|(v, _)| *v == isa) {
        return MinDriver::Cuda { version: *cuda };
    }
    let newest = ISA_TABLE.last().expect("table is not empty").0;
    if isa > newest {
        MinDriver::UnknownNewerThanTable {
            newest_known: newest,
        }
    } else if isa < ISA_TABLE[0].0 {
        MinDriver::OlderThanTable
    } else {
        // Inside the table's range but not listed (a minor NVIDIA skipped): the next listed
        // ISA's release is a safe upper bound.
        let (_, cuda) = ISA_TABLE
            .iter()
            .find(|(v, _)| *v > isa)
            .expect("isa is below the newest entry");
        MinDriver::Cuda { version: *cuda }
    }
}

/// Why PTX could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PtxError {
    /// No `.version` directive.
    #[error("no .version directive")]
    NoVersion,
    /// No `.target` directive.
    #[error("no .target directive")]
    NoTarget,
    /// A directive with a malformed value.
    #[error("malformed {directive}: `{value}`")]
    Malformed {
        /// The directive.
        directive: &'static str,
        /// Its value.
        value: String,
    },
}

/// Parses the facts out of PTX text. Comments (`//`, `/* */`) are ignored.
pub fn parse(ptx: &str) -> Result<PtxFacts, PtxError> {
    let text = gate_support::text::without_c_comments(ptx, gate_support::text::Literals::Kept);
    let mut version = None;
    let mut target = None;
    let mut address_size = None;
    let mut entries = Vec::new();
    let mut tokens = text.split_whitespace().peekable();
    while let Some(token) = tokens.next() {
        match token {
            ".version" => {
                let value = tokens.next().unwrap_or_default();
                version = Some(Version::parse(value).ok_or_else(|| PtxError::Malformed {
                    directive: ".version",
                    value: value.to_owned(),
                })?);
            }
            ".target" => {
                let value = tokens.next().unwrap_or_default();
                // `.target sm_80, texmode_independent` lists options after a comma.
                target = Some(value.trim_end_matches(',').to_owned());
            }
            ".address_size" => {
                let value = tokens.next().unwrap_or_default();
                address_size = Some(value.parse().map_err(|_| PtxError::Malformed {
                    directive: ".address_size",
                    value: value.to_owned(),
                })?);
            }
            ".entry" => {
                let Some(raw) = tokens.next() else { break };
                let (name, rest) = raw.split_once('(').unwrap_or((raw, ""));
                // Count `.param` up to the closing parenthesis of the parameter list.
                let mut params = 0;
                let mut closed = rest.contains(')');
                params += rest.matches(".param").count();
                while !closed {
                    let Some(t) = tokens.next() else { break };
                    if t.starts_with(".param") {
                        params += 1;
                    }
                    closed = t.contains(')');
                }
                entries.push(Entry {
                    name: name.to_owned(),
                    params,
                });
            }
            _ => {}
        }
    }
    let version = version.ok_or(PtxError::NoVersion)?;
    Ok(PtxFacts {
        version,
        target: target.ok_or(PtxError::NoTarget)?,
        address_size,
        entries,
        min_driver: min_driver(version),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAXPY: &str = r#"//
// Generated by NVIDIA NVVM Compiler
// Cuda compilation tools, release 13.0, V13.0.88
//

.version 9.0
.target sm_80
.address_size 64

	// .globl	saxpy

.visible .entry saxpy(
	.param .f32 saxpy_param_0,
	.param .u64 saxpy_param_1,
	.param .u64 saxpy_param_2,
	.param .u32 saxpy_param_3
)
{
	ret;
}
/* .entry commented_out( .param .u32 x ) */
.visible .entry no_params()
{
	ret;
}
"#;

    #[test]
    fn parses_version_target_and_entries() {
        let facts = parse(SAXPY).unwrap();
        assert_eq!(facts.version, Version::new(9, 0));
        assert_eq!(facts.target, "sm_80");
        assert_eq!(facts.address_size, Some(64));
        assert_eq!(
            facts.entries,
            [
                Entry {
                    name: "saxpy".into(),
                    params: 4
                },
                Entry {
                    name: "no_params".into(),
                    params: 0
                },
            ]
        );
        assert_eq!(
            facts.min_driver,
            MinDriver::Cuda {
                version: Version::new(13, 0)
            }
        );
    }

    #[test]
    fn missing_directives_are_errors() {
        assert_eq!(parse(".target sm_80"), Err(PtxError::NoVersion));
        assert_eq!(parse(".version 8.0"), Err(PtxError::NoTarget));
        assert!(matches!(
            parse(".version x\n.target sm_80"),
            Err(PtxError::Malformed { .. })
        ));
    }

    #[test]
    fn isa_table_maps_known_versions_and_refuses_to_guess_newer_ones() {
        let cases = [
            (
                (8, 0),
                MinDriver::Cuda {
                    version: Version::new(12, 0),
                },
            ),
            (
                (8, 8),
                MinDriver::Cuda {
                    version: Version::new(12, 9),
                },
            ),
            (
                (9, 0),
                MinDriver::Cuda {
                    version: Version::new(13, 0),
                },
            ),
            (
                (9, 1),
                MinDriver::Cuda {
                    version: Version::new(13, 1),
                },
            ),
            (
                (7, 8),
                MinDriver::Cuda {
                    version: Version::new(11, 8),
                },
            ),
            (
                (9, 9),
                MinDriver::UnknownNewerThanTable {
                    newest_known: Version::new(9, 1),
                },
            ),
            ((5, 0), MinDriver::OlderThanTable),
        ];
        for ((major, minor), want) in cases {
            assert_eq!(
                min_driver(Version::new(major, minor)),
                want,
                "{major}.{minor}"
            );
        }
        assert_eq!(
            MinDriver::UnknownNewerThanTable {
                newest_known: Version::new(9, 1)
            }
            .to_string(),
            "unknown, newer than table (newest known PTX ISA 9.1)"
        );
    }

    #[test]
    fn table_is_sorted_both_ways() {
        for pair in ISA_TABLE.windows(2) {
            assert!(pair[0].0 < pair[1].0 && pair[0].1 < pair[1].1, "{pair:?}");
        }
    }

    #[test]
    fn many_comments_and_no_block_comment_parse() {
        // The shape that made the old stripper quadratic: a `//` on every line and no `/*`
        // anywhere, so each `//` searched the rest of the file for one.
        let mut ptx = String::from(".version 9.0\n.target sm_80\n.address_size 64\n");
        for i in 0..20_000 {
            ptx.push_str(&format!("\tadd.s32 %r{i}, %r{i}, 1; // line {i}\n"));
        }
        ptx.push_str(".visible .entry last(\n\t.param .u32 p\n)\n{\n\tret;\n}\n");
        let facts = parse(&ptx).unwrap();
        assert_eq!(facts.entries.len(), 1);
        assert_eq!(facts.entries[0].name, "last");
    }
}
