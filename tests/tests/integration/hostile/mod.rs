//! The hostile suite (issue 42): tables of bad inputs a hostile or careless user gives the
//! gate — configuration, manifests, lockfiles, special files, names, records, the cache and
//! flags — each run on a fresh copy of the `clean` fixture. Every row asserts the same five
//! things besides its own words: no panic, an end within its bound (the child is killed at
//! the bound, so a gate that blocks on a FIFO fails the row instead of hanging the suite),
//! the documented exit code, the tree outside `target/` unchanged (a digest of every path and
//! its content before and after), and no planted secret in any file under `target/` (fake
//! keys in the gate's environment and in a file of the tree, made at run time so that this
//! source holds nothing secret-looking). docs/SECURITY.md, "The hostile suite (issue 42)",
//! lists what is tried and what each gets.

mod cache;
mod checks;
mod config;
mod config_files;
mod files;
mod flags;
mod lockfiles;
mod manifests;
mod names;
mod records;
mod runner;
mod tree;
mod waivers;

use std::ffi::OsString;
use std::time::Duration;

pub(super) use crate::support::Fixture;

/// A `<dir>` as a file's contents in [`files`] makes a directory.
pub(super) const DIR: &str = "<dir>";
/// `pilot --only config.valid`: the configuration is read and judged, nothing else runs.
pub(super) const CONFIG: &[&str] = &["pilot", "--only", "config.valid"];
/// The bound of a row that runs no build.
const QUICK: Duration = Duration::from_secs(20);
/// The bound of a row that builds and runs the fixture's tests.
pub(super) const BUILDS: Duration = Duration::from_secs(180);

/// What a row puts in the fixture before the run. Text, links and paths may hold the
/// placeholders of [`runner::expand`]: `{AWS}` and `{GHP}` (the planted secrets),
/// `{OUTSIDE}` (a directory outside the repository), `{ROOT}` (the workspace root).
#[derive(Debug, Clone)]
pub(super) enum Plant {
    /// A regular file of this text.
    Text(String),
    /// A regular file of these bytes.
    Bytes(Vec<u8>),
    /// A directory.
    Dir,
    /// A named pipe with no writer: whoever opens it for reading blocking waits forever.
    Fifo,
    /// A Unix socket (nothing listens on it once it is made).
    Socket,
    /// A symbolic link to this target.
    #[cfg_attr(
        not(unix),
        expect(dead_code, reason = "links are planted on Unix only")
    )]
    Link(String),
    /// A sparse file of this many bytes (zeros, no disk).
    Sparse(u64),
    /// Removed (file or directory).
    Remove,
}

/// The exit a row wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Exit {
    /// Exactly this code.
    Code(i32),
    /// Any code but 0 (a contract that says "exits non-zero").
    NonZero,
}

/// What runs before the fixture's tree is digested: a gate run that leaves a record, a
/// tamper of that record.
pub(super) type Prepare = fn(&Fixture);

/// One row.
#[derive(Debug, Clone)]
pub(super) struct Case {
    pub(super) name: String,
    /// Planted in order; a path starting with `{OUTSIDE}/` lies outside the repository.
    pub(super) plants: Vec<(String, Plant)>,
    /// Runs after the plants, before the first digest.
    pub(super) prepare: Option<Prepare>,
    pub(super) args: Vec<OsString>,
    /// Set for the run (placeholders expanded).
    pub(super) env: Vec<(String, String)>,
    pub(super) exit: Exit,
    /// Substrings stdout+stderr must hold; `{RUN}` stands for the id of any recorded run.
    pub(super) mentions: Vec<String>,
    /// Substrings stdout+stderr must not hold (placeholders expanded).
    pub(super) absent: Vec<String>,
    /// The output must name gate.toml (a row of the gate.toml tables).
    pub(super) names_gate_toml: bool,
    /// The row may append to history even when it exits 2.
    pub(super) may_record: bool,
    /// Killed, and failed, past this.
    pub(super) limit: Duration,
}

impl Case {
    /// A row running `args` that must exit `code` and say each of `mentions`.
    pub(super) fn new(name: &str, args: &[&str], code: i32, mentions: &[&str]) -> Case {
        Case {
            name: name.to_owned(),
            plants: Vec::new(),
            prepare: None,
            args: args.iter().map(OsString::from).collect(),
            env: Vec::new(),
            exit: Exit::Code(code),
            mentions: mentions.iter().map(|m| (*m).to_owned()).collect(),
            absent: Vec::new(),
            names_gate_toml: false,
            may_record: false,
            limit: QUICK,
        }
    }

    /// Plants `plant` at `path` before the run.
    pub(super) fn plant(mut self, path: &str, plant: Plant) -> Case {
        self.plants.push((path.to_owned(), plant));
        self
    }

    /// Writes `text` at `path` before the run.
    pub(super) fn text(self, path: &str, text: &str) -> Case {
        self.plant(path, Plant::Text(text.to_owned()))
    }

    /// Runs `prepare` before the run (after the plants).
    pub(super) fn prepare(mut self, prepare: Prepare) -> Case {
        self.prepare = Some(prepare);
        self
    }

    /// Sets `name=value` for the run.
    pub(super) fn env(mut self, name: &str, value: &str) -> Case {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Any non-zero exit will do.
    pub(super) fn nonzero(mut self) -> Case {
        self.exit = Exit::NonZero;
        self
    }

    /// The output must hold `text` too.
    pub(super) fn mention(mut self, text: &str) -> Case {
        self.mentions.push(text.to_owned());
        self
    }

    /// The output must not hold `text`.
    pub(super) fn absent(mut self, text: &str) -> Case {
        self.absent.push(text.to_owned());
        self
    }

    /// An extra argument, given as bytes (a name that is not UTF-8).
    #[cfg(unix)]
    pub(super) fn arg_bytes(mut self, bytes: &[u8]) -> Case {
        use std::os::unix::ffi::OsStrExt;
        self.args
            .push(std::ffi::OsStr::from_bytes(bytes).to_owned());
        self
    }

    /// The row builds and runs tests: a longer bound.
    pub(super) fn builds(mut self) -> Case {
        self.limit = BUILDS;
        self
    }

    /// The row may write a record even when it exits 2.
    pub(super) fn may_record(mut self) -> Case {
        self.may_record = true;
        self
    }
}

/// A gate.toml row: `toml` as gate.toml, `pilot --only config.valid`, exit 2, the message
/// names gate.toml and `mention`.
pub(super) fn c(name: &str, toml: &str, mention: &str) -> Case {
    let mut case = Case::new(name, CONFIG, 2, &[mention]).text("gate.toml", toml);
    case.names_gate_toml = true;
    case
}

/// A row of arguments only.
pub(super) fn args(name: &str, args: &[&str], code: i32, mentions: &[&str]) -> Case {
    Case::new(name, args, code, mentions)
}

/// A row that writes `files` (path, contents; [`DIR`] makes a directory) and runs `args`.
pub(super) fn files(
    name: &str,
    files: &[(&str, &str)],
    args: &[&str],
    code: i32,
    mentions: &[&str],
) -> Case {
    files.iter().fold(
        Case::new(name, args, code, mentions),
        |case, (path, contents)| match *contents {
            DIR => case.plant(path, Plant::Dir),
            text => case.text(path, text),
        },
    )
}

/// Every row of the suite, by category.
fn every_table() -> Vec<(&'static str, Vec<Case>)> {
    vec![
        ("configuration", config::cases()),
        ("team checks", checks::cases()),
        ("waivers", waivers::cases()),
        ("configuration files", config_files::cases()),
        ("manifests", manifests::cases()),
        ("lockfiles", lockfiles::cases()),
        ("special files", files::cases()),
        ("names", names::cases()),
        ("records", records::cases()),
        ("cache", cache::cases()),
        ("flags", flags::cases()),
    ]
}

#[test]
fn the_hostile_suite_holds_at_least_150_distinct_rows() {
    let tables = every_table();
    let mut names: Vec<&str> = tables
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|r| r.name.as_str()))
        .collect();
    let total = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), total, "two rows share a name");
    assert!(total >= 150, "{total} rows");
}
