//! Policy profiles: what each profile allows, as data.
//!
//! | profile | unsafe / FFI | inline assembly | intent |
//! |---|---|---|---|
//! | portable (default) | only in `[boundary] allow-unsafe` crates | nowhere | code that must build and behave the same on Linux, macOS and Windows |
//! | idiomatic | only in `[boundary] allow-unsafe` crates | only in allowed crates | ordinary Rust services with a few audited FFI crates |
//! | rusty | anywhere, inventoried | anywhere, inventoried | systems code where unsafe is routine; every site is still listed |

use serde::Serialize;

/// A policy profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The conservative default.
    Portable,
    /// Unsafe confined to allowed crates, assembly allowed there too.
    Idiomatic,
    /// Unsafe allowed everywhere but inventoried.
    Rusty,
}

/// Where a kind of boundary code may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allowance {
    /// In any crate.
    Anywhere,
    /// Only in crates listed in `[boundary] allow-unsafe`.
    AllowedCrates,
    /// In no crate.
    Nowhere,
}

impl Allowance {
    /// Whether a site in a crate is allowed, given whether the crate is on the allow list.
    pub fn permits(self, crate_allowed: bool) -> bool {
        match self {
            Allowance::Anywhere => true,
            Allowance::AllowedCrates => crate_allowed,
            Allowance::Nowhere => false,
        }
    }

    /// Human description.
    pub fn describe(self) -> &'static str {
        match self {
            Allowance::Anywhere => "anywhere",
            Allowance::AllowedCrates => "only in [boundary] allow-unsafe crates",
            Allowance::Nowhere => "nowhere",
        }
    }
}

/// What a profile allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rules {
    /// `unsafe` blocks, fns, impls, traits; extern blocks; non-Rust ABIs; `#[no_mangle]`,
    /// `#[export_name]`.
    pub unsafe_code: Allowance,
    /// `asm!`, `global_asm!`, `naked_asm!`.
    pub inline_asm: Allowance,
}

impl Profile {
    /// Parses a profile name.
    pub fn parse(name: &str) -> Option<Profile> {
        match name {
            "portable" => Some(Profile::Portable),
            "idiomatic" => Some(Profile::Idiomatic),
            "rusty" => Some(Profile::Rusty),
            _ => None,
        }
    }

    /// The profile's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Portable => "portable",
            Profile::Idiomatic => "idiomatic",
            Profile::Rusty => "rusty",
        }
    }

    /// What the profile allows.
    pub fn rules(self) -> Rules {
        match self {
            Profile::Portable => Rules {
                unsafe_code: Allowance::AllowedCrates,
                inline_asm: Allowance::Nowhere,
            },
            Profile::Idiomatic => Rules {
                unsafe_code: Allowance::AllowedCrates,
                inline_asm: Allowance::AllowedCrates,
            },
            Profile::Rusty => Rules {
                unsafe_code: Allowance::Anywhere,
                inline_asm: Allowance::Anywhere,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in [Profile::Portable, Profile::Idiomatic, Profile::Rusty] {
            assert_eq!(Profile::parse(p.as_str()), Some(p));
        }
        assert_eq!(Profile::parse("strict"), None);
    }

    #[test]
    fn portable_is_the_most_restrictive() {
        let portable = Profile::Portable.rules();
        assert!(!portable.inline_asm.permits(true));
        assert!(portable.unsafe_code.permits(true));
        assert!(!portable.unsafe_code.permits(false));
        assert!(Profile::Idiomatic.rules().inline_asm.permits(true));
        assert!(Profile::Rusty.rules().unsafe_code.permits(false));
    }
}
