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
