//! The cargo invocations of one logical shell line: which command runs cargo (`cargo`, a path
//! to it, `cross`, or a variable whose name says it holds cargo), its subcommand, whether it
//! passes `--locked`/`--frozen` (or `--offline` with a Cargo.lock), and which parts come from
//! expansions that the `env:` in force does not define, so cannot be judged.

use crate::matrix::Combination;
use crate::shell::{Word, commands, github_expressions_as_words};

/// Subcommands that resolve dependencies and build, so may rewrite or ignore Cargo.lock
/// without `--locked` (with their built-in short aliases).
const JUDGED: &[(&str, &str)] = &[
    ("build", "build"),
    ("b", "build"),
    ("test", "test"),
    ("t", "test"),
    ("run", "run"),
    ("r", "run"),
    ("check", "check"),
    ("c", "check"),
    ("clippy", "clippy"),
    ("bench", "bench"),
    ("install", "install"),
    ("doc", "doc"),
    ("d", "doc"),
];

/// Whether subcommand `sub`, followed by `rest`, builds: a [`JUDGED`] subcommand, or a
/// plugin that runs one with cargo's flags: `nextest run`, `miri test|run|nextest`, `hack`
/// with a building subcommand among its words (`cargo hack --each-feature check`),
/// `llvm-cov` (runs the tests unless it only reports, cleans or shows its environment),
/// `chef cook` (cargo-chef's dependency build), `zigbuild` and `udeps`.
fn builds(sub: &str, rest: &[Word]) -> bool {
    let next = || {
        rest.iter()
            .find(|w| !w.text.starts_with('-'))
            .map(|w| w.text.as_str())
    };
    let judged = |word: &str| JUDGED.iter().any(|(s, _)| *s == word);
    if only_asks(sub, rest) {
        return false;
    }
    match sub {
        _ if judged(sub) => true,
        "nextest" => matches!(next(), Some("run" | "r")),
        "miri" => matches!(next(), Some("test" | "t" | "run" | "r" | "nextest")),
        "hack" => rest.iter().any(|w| judged(&w.text)),
        "llvm-cov" => !matches!(next(), Some("report" | "clean" | "show-env")),
        "chef" => next() == Some("cook"),
        // cargo-zigbuild: `cargo build` linked with zig; cargo-udeps: `cargo check` of the
        // workspace (both take cargo's `--locked`).
        "zigbuild" | "udeps" => true,
        _ => false,
    }
}

/// Whether subcommand `sub`, followed by `rest`, runs tests: `test` (`t`), `nextest run`,
/// `miri test|nextest`.
fn runs_tests(sub: &str, rest: &[Word]) -> bool {
    let next = rest
        .iter()
        .find(|w| !w.text.starts_with('-'))
        .map(|w| w.text.as_str());
    match sub {
        "test" | "t" => true,
        "nextest" => matches!(next, Some("run" | "r")),
        "miri" => matches!(next, Some("test" | "t" | "nextest")),
        _ => false,
    }
}

/// Flags with which a command only prints (its version, its help) and runs nothing.
const ASKS: &[&str] = &["--version", "-V", "--help", "-h"];

/// Whether subcommand `sub` with `rest` only prints: `cargo clippy --version`, `cargo build
/// --help`, `maturin build --help` (flags after a bare `--` are the program's). But `cargo
/// install cargo-wix --version 0.3.3` names the version it builds.
fn only_asks(sub: &str, rest: &[Word]) -> bool {
    let words: Vec<&str> = rest.iter().map(|w| w.text.as_str()).collect();
    let words = &words[..words.iter().position(|w| *w == "--").unwrap_or(words.len())];
    words.iter().enumerate().any(|(i, w)| {
        let valued = sub == "install"
            && *w == "--version"
            && words.get(i + 1).is_some_and(|v| !v.starts_with('-'));
        ASKS.contains(w) && !valued
    })
}

/// Whether maturin's subcommand `sub` with `rest` compiles the crate with cargo.
fn maturin_builds(sub: &str, rest: &[Word]) -> bool {
    matches!(sub, "build" | "develop" | "dev" | "publish") && !only_asks(sub, rest)
}

/// Global options that take a separate value (`cargo --config k=v build`).
const GLOBAL_WITH_VALUE: &[&str] = &["--color", "--config", "-Z", "-C"];

/// Options of cargo's building subcommands that take a value (besides the global ones,
/// [`GLOBAL_WITH_VALUE`]): an expansion in that value (`--target ${{ matrix.target }}`,
/// `-p $CRATE`, `--features=$F`) is the value, whatever it expands to, so it can never supply
/// `--locked` and leaves the invocation judgeable.
const OPTIONS_WITH_VALUE: &[&str] = &[
    "--target",
    "-p",
    "--package",
    "--exclude",
    "-F",
    "--features",
    "--manifest-path",
    "--bin",
    "--example",
    "--test",
    "--bench",
    "--profile",
    "-j",
    "--jobs",
    "--target-dir",
    "--message-format",
    "--lockfile-path",
    "--artifact-dir",
];

/// Whether `word`, preceded by `previous`, is an option's value: the word after an option of
/// [`OPTIONS_WITH_VALUE`] or [`GLOBAL_WITH_VALUE`], or the part after `=` of `--option=value`.
fn is_option_value(previous: Option<&Word>, word: &Word) -> bool {
    let takes_value =
        |option: &str| OPTIONS_WITH_VALUE.contains(&option) || GLOBAL_WITH_VALUE.contains(&option);
    previous.is_some_and(|p| takes_value(&p.text))
        || word
            .text
            .split_once('=')
            .is_some_and(|(option, _)| takes_value(option))
}

/// What a cargo invocation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A subcommand that builds: whether it is locked, and the first expansion among its
    /// arguments (which might hold the flag).
    Judged {
        locked: bool,
        expansion: Option<String>,
    },
    /// A subcommand that comes from an expansion the gate cannot expand (`cargo
    /// ${{ matrix.command }}`), without --locked or --frozen: it might build.
    Unknown { expansion: String },
    /// `cargo xtask …`.
    Alias,
    /// `cargo minimal-versions …`: resolves the lowest versions on purpose, so --locked
    /// cannot apply.
    MinimalVersions,
}

impl Kind {
    /// A subcommand that builds, with no expansion among its arguments.
    pub fn judged(locked: bool) -> Kind {
        Kind::Judged {
            locked,
            expansion: None,
        }
    }
}

/// Cargo aliases (`[alias]` of `.cargo/config.toml`): each name with the words it stands for.
pub type Aliases = [(String, Vec<String>)];

/// Built-in subcommands, which an alias of the same name never replaces (cargo ignores it).
const BUILT_IN: &[&str] = &[
    "add",
    "bench",
    "build",
    "check",
    "clean",
    "clippy",
    "config",
    "doc",
    "fetch",
    "fix",
    "fmt",
    "generate-lockfile",
    "help",
    "info",
    "init",
    "install",
    "locate-project",
    "login",
    "logout",
    "metadata",
    "miri",
    "new",
    "owner",
    "package",
    "pkgid",
    "publish",
    "read-manifest",
    "remove",
    "report",
    "run",
    "rustc",
    "rustdoc",
    "search",
    "test",
    "tree",
    "uninstall",
    "update",
    "vendor",
    "verify-project",
    "version",
    "yank",
    "b",
    "c",
    "d",
    "r",
    "t",
];

/// The words `sub` stands for when it is an alias (followed through aliases of aliases, a few
/// levels deep), each with the span of `sub`; `None` for a built-in subcommand or a name that
/// is not an alias.
fn alias_words(sub: &Word, aliases: &Aliases) -> Option<(String, Vec<Word>)> {
    let lookup = |name: &str| {
        if BUILT_IN.contains(&name) {
            return None;
        }
        aliases
            .iter()
            .find(|(alias, _)| alias == name)
            .map(|(_, words)| words)
    };
    let mut words: Vec<String> = lookup(&sub.text)?.clone();
    // The first word may itself be an alias: cargo follows it (and refuses a loop).
    for _ in 0..4 {
        let Some(inner) = words.first().and_then(|first| lookup(first)) else {
            break;
        };
        let mut next = inner.clone();
        next.extend(words.drain(1..));
        words = next;
    }
    if words.is_empty() {
        return None;
    }
    let shown = words.join(" ");
    let words = words
        .into_iter()
        .map(|text| Word {
            text,
            offset: sub.offset,
            end: sub.end,
            names_cargo: false,
        })
        .collect();
    Some((shown, words))
}

/// One cargo invocation of a CI line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Byte offset of `cargo` in the line.
    pub offset: usize,
    /// The command as written, from `cargo` to the end of its shell command.
    pub command: String,
    pub kind: Kind,
    /// `cargo install`: it builds the installed crate's own lockfile, so --locked matters
    /// whether or not this workspace has one.
    pub install: bool,
    /// The `--manifest-path` it passes, as written.
    pub manifest_path: Option<String>,
    /// The alias its subcommand is, with the words it stands for (`xtask` → `run --package
    /// xtask --`): those are what is judged.
    pub alias: Option<(String, String)>,
    /// The features it asks cargo for (its variables expanded).
    pub features: Features,
    /// `maturin build|develop|publish`: cargo run by maturin, which also takes `locked` and
    /// `frozen` from `[tool.maturin]` of the `pyproject.toml` beside the crate.
    pub maturin: bool,
    /// Whether it runs the workspace's tests (`cargo test`, `cargo t`, `cargo nextest run`,
    /// `cargo miri test`), so its features are ones tests run under.
    pub runs_tests: bool,
}

/// The features a cargo invocation asks for, as cargo reads its flags: `--all-features`,
/// `--no-default-features`, `--features`/`-F` (comma- or blank-separated, repeatable) and the
/// packages they apply to (`-p`/`--package`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Features {
    pub all: bool,
    pub no_default: bool,
    /// The features named, as written (`serde`, `app/serde`).
    pub named: Vec<String>,
    /// The packages selected, as written; empty: cargo's default selection.
    pub packages: Vec<String>,
    /// A feature value that still holds an expansion no `env:` or matrix defines
    /// (`--features $FEATURES`): what it turns on is unknown.
    pub unexpanded: Option<String>,
}

impl Features {
    /// Whether the invocation builds with the default features only (what cargo builds
    /// with no feature flag).
    pub fn is_default(&self) -> bool {
        !self.all && !self.no_default && self.named.is_empty() && self.unexpanded.is_none()
    }

    /// The features `words` (an invocation's own words, before a bare `--`) ask for.
    fn of<'w>(words: impl IntoIterator<Item = &'w Word>) -> Features {
        let mut features = Features::default();
        let mut words = words.into_iter();
        while let Some(word) = words.next() {
            let text = word.text.as_str();
            let mut value = |option: &str, short: Option<&str>| -> Option<String> {
                if text == option || short == Some(text) {
                    return words.next().map(|w| w.text.clone());
                }
                text.strip_prefix(option)
                    .and_then(|rest| rest.strip_prefix('='))
                    .or_else(|| {
                        short
                            .and_then(|s| text.strip_prefix(s))
                            .filter(|v| !v.is_empty())
                    })
                    .map(str::to_owned)
            };
            // cargo-hack builds every feature one by one, or every combination: together,
            // every feature is built.
            if matches!(
                text,
                "--all-features" | "--each-feature" | "--feature-powerset"
            ) {
                features.all = true;
            } else if text == "--no-default-features" {
                features.no_default = true;
            } else if let Some(list) = value("--features", Some("-F")) {
                if list.contains('$') {
                    features.unexpanded.get_or_insert(list);
                    continue;
                }
                features.named.extend(
                    list.split([',', ' '])
                        .filter(|f| !f.is_empty())
                        .map(str::to_owned),
                );
            } else if let Some(package) = value("--package", Some("-p")) {
                features.packages.push(package);
            }
        }
        features
    }
}

/// The cargo invocations of one logical line that the check judges or notes. `--offline`
/// counts as locked only when there is a Cargo.lock (`offline_locks`): without one, an
/// offline build resolves afresh from whatever is cached.
pub fn invocations(
    line: &str,
    offline_locks: bool,
    env: &[(String, String)],
    matrix: Option<&Combination>,
    aliases: &Aliases,
) -> Vec<Invocation> {
    let mut out = Vec::new();
    // `${{ env.CARGO }}` is one word to the shell once GitHub has expanded it: make it one
    // word of the same length, so offsets into `line` stay true.
    let words_line = github_expressions_as_words(line);
    for words in commands(&words_line) {
        let words = expand(words, env, matrix);
        let Some(start) = cargo_at(&words) else {
            continue;
        };
        let maturin = is_maturin(&words[start].text);
        let mut args = words[start + 1..].to_vec();
        // `cargo +nightly …`, `cargo $(CARGO_X) …` with `CARGO_X := +$(NIGHTLY)`: a toolchain
        // selector, whatever variables it names, is no flag of the command.
        let toolchain = args.first().is_some_and(|w| w.text.starts_with('+'));
        let mut i = usize::from(toolchain);
        // Global options may precede the subcommand.
        while let Some(word) = args.get(i) {
            if !word.text.starts_with('-') || word.text == "--" {
                break;
            }
            i += if GLOBAL_WITH_VALUE.contains(&word.text.as_str()) {
                2
            } else {
                1
            };
        }
        let Some(written_sub) = args.get(i) else {
            continue;
        };
        // An alias runs the words it stands for, with the rest of the command after them.
        let mut alias = None;
        if let Some((shown, words)) = alias_words(written_sub, aliases) {
            alias = Some((written_sub.text.clone(), shown));
            args.splice(i..=i, words);
        }
        let args = &args[..];
        let Some(sub) = args.get(i) else {
            continue;
        };
        // Everything after a bare `--` goes to the program being run.
        let own = args
            .iter()
            .skip(usize::from(toolchain))
            .take_while(|w| w.text != "--");
        let own: Vec<&Word> = own.collect();
        let features = Features::of(own.iter().copied().skip(i + 1 - usize::from(toolchain)));
        let mut locked = false;
        let mut expansion = None;
        let mut manifest_path = None;
        let mut previous: Option<&Word> = None;
        for word in own {
            match word.text.as_str() {
                "--locked" | "--frozen" => locked = true,
                "--offline" if offline_locks => locked = true,
                _ => {}
            }
            let manifest_flag =
                |p: &Word| p.text == "--manifest-path" || (maturin && p.text == "-m");
            if previous.is_some_and(manifest_flag) {
                manifest_path = Some(word.text.clone());
            } else if let Some(path) = word.text.strip_prefix("--manifest-path=") {
                manifest_path = Some(path.to_owned());
            }
            // Still an expansion after `env:` was applied: the gate cannot see its value.
            // An option's value cannot be a flag, so it leaves the invocation judgeable.
            if expansion.is_none() && word.text.contains('$') && !is_option_value(previous, word) {
                expansion = Some(line[word.offset..word.end].to_owned());
            }
            previous = Some(word);
        }
        let kind = if maturin {
            if !maturin_builds(&sub.text, &args[i + 1..]) {
                continue;
            }
            Kind::Judged { locked, expansion }
        } else if builds(&sub.text, &args[i + 1..]) {
            Kind::Judged { locked, expansion }
        } else if sub.text == "xtask" {
            Kind::Alias
        } else if sub.text == "minimal-versions" {
            Kind::MinimalVersions
        } else if sub.text.contains('$') {
            // `cargo ${{ matrix.command }}` may well build: judged only when it is locked.
            if locked {
                Kind::Judged {
                    locked,
                    expansion: None,
                }
            } else {
                Kind::Unknown {
                    expansion: line[sub.offset..sub.end].to_owned(),
                }
            }
        } else {
            continue;
        };
        let first = &words[start];
        let last = words.last().map_or(first.end, |w| w.end);
        out.push(Invocation {
            offset: first.offset,
            command: line[first.offset..last].trim().to_owned(),
            kind,
            install: sub.text == "install" && !maturin,
            manifest_path,
            alias,
            features,
            maturin,
            runs_tests: !maturin && runs_tests(&sub.text, &args[i + 1..]),
        });
    }
    out
}

/// The commands of `line` that run cargo-make (`cargo make TASK`, `makers TASK`), as
/// written: the tasks of `Makefile.toml` run cargo calls the gate does not read.
pub(crate) fn cargo_make_commands(line: &str, env: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for words in commands(&github_expressions_as_words(line)) {
        let words = expand(words, env, None);
        let runs = match cargo_at(&words) {
            Some(start) => words[start + 1..]
                .iter()
                .find(|w| !w.text.starts_with(['+', '-']))
                .is_some_and(|w| w.text == "make"),
            None => words.first().is_some_and(|w| {
                let base = w.text.rsplit(['/', '\\']).next().unwrap_or(&w.text);
                base == "makers"
            }),
        };
        // `cargo make --version` (or `--help`, `--list-all-steps`) runs no task.
        let asks = words.iter().any(|w| {
            let w = w.text.as_str();
            ASKS.contains(&w) || matches!(w, "--list-all-steps" | "--print-steps")
        });
        if runs
            && !asks
            && let (Some(first), Some(last)) = (words.first(), words.last())
        {
            out.push(line[first.offset..last.end].trim().to_owned());
        }
    }
    out
}

/// The first command of `line` that rewrites Cargo.lock or a manifest on purpose, as its
/// byte offset and text: `cargo update` (but not `--workspace`/`-w`, which only renames the
/// members, nor `--dry-run` or `--locked`), `cargo generate-lockfile`, the cargo-edit
/// commands (`cargo add`, `remove`, `set-version`, `upgrade`), or an editor writing a
/// `Cargo.toml` in place (`sd … Cargo.toml`, `sed -i … Cargo.toml`). A job that runs one
/// tests the newest versions, or bumps a version and rewrites the lockfile to match: what it
/// builds after cannot pass `--locked`.
pub fn rewrites_lockfile(line: &str) -> Option<(usize, String)> {
    let words_line = github_expressions_as_words(line);
    commands(&words_line).into_iter().find_map(|words| {
        let first = words.first()?;
        let shown = || {
            let end = words.last().map_or(first.end, |w| w.end);
            (first.offset, line[first.offset..end].trim().to_owned())
        };
        let edits_manifest = words
            .iter()
            .skip(1)
            .any(|w| w.text == "Cargo.toml" || w.text.ends_with("/Cargo.toml"))
            && match first.text.as_str() {
                "sd" | "toml" => true,
                "sed" | "perl" => words
                    .iter()
                    .any(|w| w.text.starts_with("-i") || w.text.starts_with("-pi")),
                _ => false,
            };
        if edits_manifest {
            return Some(shown());
        }
        let start = cargo_at(&words)?;
        let rest = &words[start + 1..];
        let sub = rest
            .iter()
            .find(|w| !w.text.starts_with('-') && !w.text.starts_with('+'))?;
        let flag = |names: &[&str]| rest.iter().any(|w| names.contains(&w.text.as_str()));
        let rewrites = match sub.text.as_str() {
            "generate-lockfile" | "add" | "remove" | "rm" | "set-version" | "upgrade" => true,
            "update" => !flag(&["--workspace", "-w", "--dry-run", "--locked", "--frozen"]),
            _ => false,
        };
        let end = words.last().map_or(first.end, |w| w.end);
        rewrites.then(|| {
            (
                words[start].offset,
                line[words[start].offset..end].trim().to_owned(),
            )
        })
    })
}

/// The first command of `line` that takes the toolchain pin away, so that what is built after
/// it runs on whatever toolchain the runner has (helix's release job: `rm rust-toolchain.toml`
/// before `cargo build --release`): `rm`, `unlink`, `git rm` of `rust-toolchain.toml` or
/// `rust-toolchain`, `mv` of one elsewhere, or `rustup override set`. Its byte offset and text.
pub fn removes_toolchain_pin(line: &str) -> Option<(usize, String)> {
    let words_line = github_expressions_as_words(line);
    commands(&words_line).into_iter().find_map(|words| {
        let start = usize::from(words.first().is_some_and(|w| w.text == "sudo"));
        let texts: Vec<&str> = words[start..].iter().map(|w| w.text.as_str()).collect();
        let pin = |w: &&str| {
            let base = w.rsplit(['/', '\\']).next().unwrap_or(w);
            matches!(base, "rust-toolchain.toml" | "rust-toolchain")
        };
        fn operands<'w>(rest: &[&'w str]) -> Vec<&'w str> {
            rest.iter()
                .copied()
                .filter(|w| !w.starts_with('-'))
                .collect()
        }
        let removes = match texts.as_slice() {
            ["rm" | "unlink", rest @ ..] | ["git", "rm", rest @ ..] => {
                operands(rest).iter().any(pin)
            }
            ["mv", rest @ ..] => operands(rest).first().is_some_and(pin),
            ["rustup", "override", "set", ..] => true,
            _ => false,
        };
        let first = words.get(start)?;
        let end = words.last().map_or(first.end, |w| w.end);
        removes.then(|| (first.offset, line[first.offset..end].trim().to_owned()))
    })
}

/// The words of one command with every variable that `env:` defines replaced by the words
/// of its value, as the shell splits an unquoted expansion (values naming further variables
/// are followed a few levels deep), and each `${{ matrix.NAME }}` by its value in `matrix`,
/// the combination being judged (empty where the combination lacks the key, as GitHub
/// substitutes it). Each replacement keeps the span of the word it replaces, so the command
/// is still shown as written.
fn expand(
    mut words: Vec<Word>,
    env: &[(String, String)],
    matrix: Option<&Combination>,
) -> Vec<Word> {
    for _ in 0..4 {
        let mut changed = false;
        let mut out = Vec::with_capacity(words.len());
        for word in words {
            let resolved = conditional(&word.text, env)
                .map(|value| (false, value))
                .or_else(|| {
                    variable(&word.text).and_then(|v| {
                        let value = match v.source {
                            Source::Env => lookup(env, v.name)?,
                            Source::Matrix => crate::matrix::value(matrix?, v.name).unwrap_or(""),
                            // `env[matrix.NAME]`: the `env:` entry the combination's value names.
                            Source::EnvNamedByMatrix => {
                                lookup(env, crate::matrix::value(matrix?, v.name)?)?
                            }
                            Source::Parameter => crate::matrix::value(matrix?, v.name)?,
                            Source::Other => return None,
                        };
                        Some((names_cargo(v.name), value))
                    })
                });
            let Some((named_cargo, value)) = resolved else {
                out.push(word);
                continue;
            };
            changed = true;
            for part in github_expressions_as_words(value).split_whitespace() {
                out.push(Word {
                    text: part.to_owned(),
                    offset: word.offset,
                    end: word.end,
                    names_cargo: word.names_cargo || named_cargo,
                });
            }
        }
        words = out;
        if !changed {
            break;
        }
    }
    words
}

/// Where cargo is in a command's words (`rustup run stable cargo b` runs it too), unless the
/// command only prints words (`echo cargo build`).
fn cargo_at(words: &[Word]) -> Option<usize> {
    let prints = words
        .first()
        .is_some_and(|w| matches!(w.text.as_str(), "echo" | "printf"));
    (!prints).then(|| words.iter().position(is_cargo)).flatten()
}

/// A whole word that is a shell conditional expansion of a variable `env:` (or a
/// Dockerfile's `ARG`) defines: `${NAME:+WORD}` (WORD when NAME is set and not empty),
/// `${NAME+WORD}` (when set), `${NAME:-WORD}` (NAME's value, or WORD when it is empty),
/// `${NAME-WORD}`; its value, or `None` when NAME is not defined there or the word is none.
fn conditional<'e>(word: &'e str, env: &'e [(String, String)]) -> Option<&'e str> {
    let inner = word.strip_prefix("${")?.strip_suffix('}')?;
    let split = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let (name, rest) = inner.split_at(split);
    let value = lookup(env, name)?;
    let (colon, rest) = match rest.strip_prefix(':') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let set = !colon || !value.is_empty();
    // By characters: what follows the name may be any UTF-8 (`${NAMEé}`).
    let mut chars = rest.chars();
    match (chars.next()?, chars.as_str()) {
        ('+', alternative) => Some(if set { alternative } else { "" }),
        ('-', default) => Some(if set { value } else { default }),
        _ => None,
    }
}

/// Whether a command word runs cargo: `cargo` (a path to it, `cargo.exe`), `cross` (which
/// takes cargo's subcommands and flags), or an expansion whose value the workflow does not
/// give but whose variable's name says it holds cargo ([`names_cargo`]). A variable that
/// `env:` defines has already been replaced by its value ([`expand`]), so `CARGO: cross`
/// is `cross`, and `CARGO: echo` is not cargo.
fn is_cargo(word: &Word) -> bool {
    if word.names_cargo && word.text.contains('$') {
        return true;
    }
    if let Some(variable) = variable(&word.text) {
        return names_cargo(variable.name);
    }
    let base = word.text.rsplit(['/', '\\']).next().unwrap_or(&word.text);
    // `xx-cargo` (docker's cross-compilation helper) runs cargo with the target's flags.
    matches!(
        base,
        "cargo" | "cargo.exe" | "cross" | "cross.exe" | "xx-cargo"
    ) || is_maturin(&word.text)
}

/// Whether a command word is maturin (a path to it; `python -m maturin`, `uvx maturin` find
/// it as a later word), which builds a Python extension's crate with cargo and passes its
/// `--locked`/`--frozen` on.
fn is_maturin(word: &str) -> bool {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    matches!(base, "maturin" | "maturin.exe")
}

/// Whether a variable's name says it holds the cargo program (any case): `CARGO`, a name
/// ending in `_CARGO` (`MY_CARGO`), or `CARGO_BIN`, `CARGO_CMD`, `CARGO_COMMAND`,
/// `CARGO_EXE`. Cargo's own settings (`CARGO_HOME`, `CARGO_TARGET_DIR`, …) hold no program.
fn names_cargo(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    name == "CARGO"
        || name.ends_with("_CARGO")
        || matches!(
            name.strip_prefix("CARGO_"),
            Some("BIN" | "CMD" | "COMMAND" | "EXE")
        )
}

/// A variable that a whole word expands.
#[derive(Debug, PartialEq, Eq)]
struct Variable<'w> {
    name: &'w str,
    /// Where its value comes from.
    source: Source,
}

/// Where a variable's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// `env:` (a shell variable `$NAME`, `${NAME}`, or `${{ env.NAME }}`).
    Env,
    /// The job's matrix (`${{ matrix.NAME }}`, `NAME` dotted into an object's leaves):
    /// resolved when it is written out literally.
    Matrix,
    /// `${{ env[matrix.NAME] }}`: the `env:` entry whose name the matrix value gives.
    EnvNamedByMatrix,
    /// `${{ vars.NAME }}`, `${{ inputs.NAME }}`: named, never resolved.
    Other,
    /// CircleCI's `<< parameters.NAME >>`: resolved from the parameter set the line is read
    /// with (carried as its matrix), left as written where the set lacks it.
    Parameter,
}

/// The variable a word expands, when the whole word is one: `$NAME`, `${NAME}`, or a GitHub
/// expression `${{ env.NAME }}` (after [`github_expressions_as_words`]).
fn variable(word: &str) -> Option<Variable<'_>> {
    let (name, source) = if let Some(rest) = word.strip_prefix("${{") {
        // The expression's blanks (and quotes) were turned into `_`.
        let rest = rest.strip_suffix("}}")?.trim_matches('_');
        if let Some(index) = rest.strip_prefix("env[").and_then(|r| r.strip_suffix(']')) {
            let index = index.trim_matches('_');
            return match index.strip_prefix("matrix.") {
                Some(key) if is_matrix_key(key) => Some(Variable {
                    name: key,
                    source: Source::EnvNamedByMatrix,
                }),
                Some(_) => None,
                None => is_name(index).then_some(Variable {
                    name: index,
                    source: Source::Env,
                }),
            };
        }
        match rest.split_once('.')? {
            ("env", name) => (name, Source::Env),
            ("matrix", key) => {
                return is_matrix_key(key).then_some(Variable {
                    name: key,
                    source: Source::Matrix,
                });
            }
            ("vars" | "inputs", name) => (name, Source::Other),
            _ => return None,
        }
    } else if word.starts_with("$<") {
        // CircleCI's `<< parameters.NAME >>`, as the shell splitting made it one word.
        let name = crate::providers::circleci::masked_parameter_name(word)?;
        return Some(Variable {
            name,
            source: Source::Parameter,
        });
    } else if let Some(rest) = word.strip_prefix("${") {
        (rest.strip_suffix('}')?, Source::Env)
    } else {
        (word.strip_prefix('$')?, Source::Env)
    };
    is_name(name).then_some(Variable { name, source })
}

/// A variable's name: letters, digits and `_`.
fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A matrix key as an expression reads it: names (which may hold `-`, as `feature-flag`)
/// joined by `.` into an object's leaves (`target.options`).
fn is_matrix_key(key: &str) -> bool {
    key.split('.').all(|part| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}

fn lookup<'e>(env: &'e [(String, String)], name: &str) -> Option<&'e str> {
    // Later (inner) definitions override earlier ones.
    env.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The commands of CI that run tests, whatever the toolchain or the runner.
    #[test]
    fn test_commands_are_told_from_builds() {
        let runs_tests = |line: &str| invocations(line, true, &[], None, &[])[0].runs_tests;
        for command in [
            "cargo test --features strict",
            "cargo +nightly test --all-features",
            "cargo t -F x",
            "cargo nextest run --features x",
        ] {
            assert!(runs_tests(command), "{command}");
        }
        for command in ["cargo build --features x", "cargo check"] {
            assert!(!runs_tests(command), "{command}");
        }
        // Neither is a cargo invocation that builds.
        for command in ["cargo tree", "cargo", "cargo testing"] {
            assert!(
                invocations(command, true, &[], None, &[]).is_empty(),
                "{command}"
            );
        }
    }

    fn kinds(line: &str) -> Vec<(String, Kind)> {
        invocations(line, true, &[], None, &[])
            .into_iter()
            .map(|i| (i.command, i.kind))
            .collect()
    }

    #[test]
    fn a_toolchain_selector_from_a_variable_is_no_flag() {
        let env = [
            ("NIGHTLY".to_owned(), "nightly-2024-05-01".to_owned()),
            ("CARGO_X".to_owned(), "+$(NIGHTLY)".to_owned()),
        ];
        let found = invocations("cargo ${CARGO_X} test --workspace", true, &env, None, &[]);
        assert_eq!(
            found.iter().map(|i| &i.kind).collect::<Vec<_>>(),
            [&Kind::Judged {
                locked: false,
                expansion: None
            }]
        );
        let found = invocations("cargo ${CARGO_X} build --locked", true, &env, None, &[]);
        assert!(matches!(found[0].kind, Kind::Judged { locked: true, .. }));
    }

    /// A hostile workflow's `${Aé}`, with `A` defined: no panic, and no expansion.
    #[test]
    fn a_conditional_expansion_may_hold_any_utf8() {
        let env = [("A".to_owned(), "x".to_owned())];
        assert_eq!(conditional("${Aé}", &env), None);
        assert_eq!(conditional("${A:+é}", &env), Some("é"));
        assert!(invocations("cargo build ${Aé}", true, &env, None, &[]).len() == 1);
    }

    #[test]
    fn commands_that_take_the_toolchain_pin_away() {
        let removes = |line: &str| removes_toolchain_pin(line).map(|(_, w)| w);
        for (line, found) in [
            ("rm rust-toolchain.toml", Some("rm rust-toolchain.toml")),
            (
                "cd x && sudo rm -f ./rust-toolchain",
                Some("rm -f ./rust-toolchain"),
            ),
            (
                "git rm -q rust-toolchain.toml",
                Some("git rm -q rust-toolchain.toml"),
            ),
            (
                "mv rust-toolchain.toml /tmp/",
                Some("mv rust-toolchain.toml /tmp/"),
            ),
            (
                "rustup override set stable",
                Some("rustup override set stable"),
            ),
            ("mv pin.toml rust-toolchain.toml", None),
            ("cat rust-toolchain.toml", None),
            ("rm -rf target", None),
        ] {
            assert_eq!(removes(line).as_deref(), found, "{line}");
        }
    }

    #[test]
    fn invocations_in_shell_lines() {
        let cases: &[(&str, &[(&str, Kind)])] = &[
            // Plugins that build with cargo's flags.
            (
                "cargo miri test; cargo miri setup",
                &[("cargo miri test", Kind::judged(false))],
            ),
            (
                "cargo hack --each-feature --depth 2 check --locked",
                &[(
                    "cargo hack --each-feature --depth 2 check --locked",
                    Kind::judged(true),
                )],
            ),
            ("cargo hack --help", &[]),
            (
                "cargo chef cook --release --recipe-path recipe.json && cargo chef prepare",
                &[(
                    "cargo chef cook --release --recipe-path recipe.json",
                    Kind::judged(false),
                )],
            ),
            (
                "cargo llvm-cov --lcov --output-path lcov.info; cargo llvm-cov report",
                &[(
                    "cargo llvm-cov --lcov --output-path lcov.info",
                    Kind::judged(false),
                )],
            ),
            (
                "cargo minimal-versions check --workspace",
                &[(
                    "cargo minimal-versions check --workspace",
                    Kind::MinimalVersions,
                )],
            ),
            (
                "cargo build --release",
                &[("cargo build --release", Kind::judged(false))],
            ),
            (
                "cargo build --locked",
                &[("cargo build --locked", Kind::judged(true))],
            ),
            (
                "cargo +nightly test --frozen",
                &[("cargo +nightly test --frozen", Kind::judged(true))],
            ),
            (
                "cargo --locked -v check",
                &[("cargo --locked -v check", Kind::judged(true))],
            ),
            (
                "cargo --color always clippy",
                &[("cargo --color always clippy", Kind::judged(false))],
            ),
            (
                "cargo t --offline",
                &[("cargo t --offline", Kind::judged(true))],
            ),
            (
                "cargo run -- --locked",
                &[("cargo run -- --locked", Kind::judged(false))],
            ),
            (
                "cargo nextest run --locked",
                &[("cargo nextest run --locked", Kind::judged(true))],
            ),
            (
                "cargo nextest r --profile ci",
                &[("cargo nextest r --profile ci", Kind::judged(false))],
            ),
            (
                "cargo build 2>&1 | tee build.log",
                &[("cargo build 2>&1", Kind::judged(false))],
            ),
            ("cargo nextest list", &[]),
            (
                "cargo install cargo-deny",
                &[("cargo install cargo-deny", Kind::judged(false))],
            ),
            (
                "cargo fmt --check && cargo doc",
                &[("cargo doc", Kind::judged(false))],
            ),
            (
                "cargo build --locked; cargo test | tee log",
                &[
                    ("cargo build --locked", Kind::judged(true)),
                    ("cargo test", Kind::judged(false)),
                ],
            ),
            (
                "RUSTFLAGS=-Dwarnings ~/.cargo/bin/cargo bench",
                &[("~/.cargo/bin/cargo bench", Kind::judged(false))],
            ),
            (
                "rustup run stable cargo b",
                &[("cargo b", Kind::judged(false))],
            ),
            ("cargo xtask ci", &[("cargo xtask ci", Kind::Alias)]),
            (
                "xx-cargo build --release --target-dir ./build && xx-cargo chef cook --locked",
                &[
                    (
                        "xx-cargo build --release --target-dir ./build",
                        Kind::judged(false),
                    ),
                    ("xx-cargo chef cook --locked", Kind::judged(true)),
                ],
            ),
            (
                "cargo zigbuild --target aarch64-unknown-linux-gnu",
                &[(
                    "cargo zigbuild --target aarch64-unknown-linux-gnu",
                    Kind::judged(false),
                )],
            ),
            (
                "cargo +nightly udeps --all-targets",
                &[("cargo +nightly udeps --all-targets", Kind::judged(false))],
            ),
            ("echo \"cargo build\"", &[]),
            ("echo cargo build; printf '%s' cargo test", &[]),
            ("cargo --version", &[]),
            ("which cargo", &[]),
            (
                "cargo test --features 'a b' $EXTRA",
                &[(
                    "cargo test --features 'a b' $EXTRA",
                    Kind::Judged {
                        locked: false,
                        expansion: Some("$EXTRA".to_owned()),
                    },
                )],
            ),
            (
                "(cd sub && cargo check)",
                &[("cargo check", Kind::judged(false))],
            ),
        ];
        // qdrant's image: `${FEATURES:+--features}` of an empty `ARG FEATURES` is nothing,
        // and `${GPU:+--features=gpu}` the feature flag when GPU is given.
        let env = [
            ("FEATURES".to_owned(), String::new()),
            ("GPU".to_owned(), "nvidia".to_owned()),
            ("LOCK".to_owned(), String::new()),
        ];
        let found = invocations(
            "xx-cargo build ${FEATURES:+--features} $FEATURES ${GPU:+--features=gpu} ${LOCK:---locked} ${UNSET:+--x}",
            true,
            &env,
            None,
            &[],
        );
        assert_eq!(
            found[0].kind,
            Kind::Judged {
                locked: true,
                expansion: Some("${UNSET:+--x}".to_owned())
            }
        );
        let found = invocations(
            "cargo build ${GPU:-x} ${FEATURES:+--locked}",
            true,
            &env,
            None,
            &[],
        );
        assert_eq!(found[0].kind, Kind::judged(false));
        for (line, expected) in cases {
            let expected: Vec<(String, Kind)> = expected
                .iter()
                .map(|(c, k)| ((*c).to_owned(), k.clone()))
                .collect();
            assert_eq!(kinds(line), expected, "{line}");
        }
    }
}
