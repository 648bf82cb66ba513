//! What a waiver may say, as the configuration validates it and `waiver` applies it: the
//! checks no waiver may name, the checks whose waivers must name files, and what counts as
//! a glob. Kept with the configuration (below the checks in the layers), so validating a
//! waiver never reaches up to the module that applies it.

/// Checks no waiver may name, with what to do instead (a configuration error says it).
pub const NEVER_WAIVED: &[(&str, &str)] = &[(
    "tests.pass",
    "a failing test is not a policy to accept: fix it, or mark the test #[ignore = \"why\"] \
     in the code, where review sees it",
)];

/// Checks whose waivers must name files: `file` or `subject` (a path, exactly), or a `match`
/// glob whose directories are written out (`tests/fixtures/keys/*.pem`). A waiver that
/// could cover every secret in the tree would be a switch that turns the check off.
pub const PATH_SCOPED: &[&str] = &["secrets.scan"];

/// The characters that make a `match` a glob.
const GLOB_META: &[char] = &['*', '?', '[', ']', '{', '}'];

/// Whether `pattern` is written as a glob (it holds a glob metacharacter).
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains(GLOB_META)
}

/// The matcher of a `match` written as a glob: `*` crosses `/` (so `ffi/*` covers the whole
/// directory), as it always has. The error when it is not a valid glob.
pub fn glob(pattern: &str) -> Result<globset::GlobMatcher, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .build()
        .map(|g| g.compile_matcher())
}

/// Whether a glob matches every path: nothing but wildcards, `/` and `.` (`*`, `**/*`,
/// `*.*`).
pub fn matches_every_file(pattern: &str) -> bool {
    is_glob(pattern) && pattern.chars().all(|c| matches!(c, '*' | '?' | '/' | '.'))
}

/// Whether a `match` names files for a [`PATH_SCOPED`] check: a path with at least one
/// directory, written out (no wildcard before the last `/`), and a file name that is not
/// wildcards alone (`keys/*.pem`, not `keys/*`).
pub fn is_path_scoped(pattern: &str) -> bool {
    match pattern.rsplit_once('/') {
        Some((dir, name)) => {
            !dir.trim().is_empty()
                && !is_glob(dir)
                && !dir.split('/').any(|part| part.is_empty() || part == "..")
                && !name.is_empty()
                && !matches_every_file(name)
                && glob(pattern).is_ok()
        }
        None => false,
    }
}

/// A `[[waiver]]` as the configuration validated it: the declaration (what reports show,
/// and what the policy digest covers) with its expiry date and its `match` as a glob parsed
/// once, so that applying it to findings parses nothing. Reads as the declaration
/// (`Deref`); compares and serialises as it.
#[derive(Debug, Clone)]
pub struct ParsedWaiver {
    declared: gate_formats::report::Waiver,
    expires: Option<gate_support::date::Date>,
    glob: Option<globset::GlobMatcher>,
}

impl ParsedWaiver {
    /// The declaration, as written.
    pub fn declared(&self) -> &gate_formats::report::Waiver {
        &self.declared
    }

    /// The last day it holds; `None` when `expires` is not a `YYYY-MM-DD` day (validation
    /// refuses that; such a waiver holds on no day).
    pub fn expires_on(&self) -> Option<gate_support::date::Date> {
        self.expires
    }

    /// Its `match` as a glob over a finding's file; `None` without a `match`, or when the
    /// `match` is not a valid glob.
    pub fn glob(&self) -> Option<&globset::GlobMatcher> {
        self.glob.as_ref()
    }
}

impl From<gate_formats::report::Waiver> for ParsedWaiver {
    fn from(declared: gate_formats::report::Waiver) -> ParsedWaiver {
        ParsedWaiver {
            expires: gate_support::date::Date::parse(&declared.expires),
            glob: declared.pattern.as_deref().and_then(|p| glob(p).ok()),
            declared,
        }
    }
}

impl std::ops::Deref for ParsedWaiver {
    type Target = gate_formats::report::Waiver;

    fn deref(&self) -> &gate_formats::report::Waiver {
        &self.declared
    }
}

impl PartialEq for ParsedWaiver {
    /// The parsed parts follow from the declaration.
    fn eq(&self, other: &ParsedWaiver) -> bool {
        self.declared == other.declared
    }
}

impl serde::Serialize for ParsedWaiver {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.declared.serialize(s)
    }
}
