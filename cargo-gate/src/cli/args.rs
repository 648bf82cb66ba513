//! The command line's arguments (clap derive), apart from what the commands do: each
//! subcommand's behaviour lives in its own module of `cli`.

use crate::engine;
use crate::error::GateError;
use crate::render::Format;
use crate::workspace::Workspace;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// `cargo gate`: is this commit ready for the next rollout stage?
#[derive(Debug, Parser)]
#[command(name = "cargo-gate", bin_name = "cargo", version, styles = clap::builder::Styles::plain())]
pub(crate) enum Cargo {
    /// Production-readiness gate for Rust workspaces.
    #[command(version, about, long_about = None, display_name = "cargo-gate")]
    Gate(GateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct GateArgs {
    #[command(subcommand)]
    pub(crate) command: GateCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum GateCommand {
    /// Stage 1: one service or internal tool.
    Pilot(RunArgs),
    /// Stage 2: controlled production (includes pilot).
    Controlled(RunArgs),
    /// Stage 3: broad production rollout (includes controlled).
    Broad(RunArgs),
    /// Re-hash run records and walk their chain; exit 1 on any edited, missing or extra file.
    Verify(VerifyArgs),
    /// The recorded runs: id, stage, result, commit, time.
    History(OutArgs),
    /// What changed between two runs: check statuses, findings that appeared or vanished.
    Diff {
        /// The earlier run id.
        a: String,
        /// The later run id.
        b: String,
        #[command(flatten)]
        out: OutArgs,
    },
    /// The highest stage this commit is ready for, and the run that shows it.
    Status(OutArgs),
    /// Merge CI jobs' `--out` directories (one per platform) into a merged record for this
    /// commit; each input's chain is verified first, and records of another commit refused.
    Merge {
        /// The CI jobs' output directories.
        #[arg(required = true, value_name = "DIR")]
        inputs: Vec<PathBuf>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Run the workspace's benchmarks (`[bench] command`) and compare them with the baseline;
    /// with `--save-baseline`, write the baseline instead.
    Bench {
        /// Write `[bench] baseline` from this run's results.
        #[arg(long)]
        save_baseline: bool,
        /// Path to the workspace's Cargo.toml.
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// No network for cargo.
        #[arg(long)]
        offline: bool,
    },
    /// Write a commented gate.toml, docs/READINESS.md and a CI workflow for this workspace;
    /// never overwrites (all or nothing) unless --force.
    Init {
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
        /// Print what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Record today's controlled-stage findings as waivers (owner and a 90-day expiry to
        /// fill in; failing tests and secrets are listed, never waived), so
        /// the team starts green and works the list down.
        #[arg(long)]
        baseline: bool,
        /// Path to the workspace's Cargo.toml.
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// Pass --offline to cargo (for the --baseline run).
        #[arg(long)]
        offline: bool,
        /// Run Linux's tests in the workflow as N shards across CI jobs, from one nextest
        /// archive built once (docs/GUIDE.md, "Sharding the tests").
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=64))]
        shards: Option<u32>,
    },
    /// The evidence cache in the output directory: `stats` shows what it holds, `prune`
    /// brings it within its size bound (`--all` empties it).
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// Clone (or update) the RustSec advisory database that `deps.advisories` reads: the only
    /// command that reaches the network on the gate's own account.
    FetchAdvisories {
        /// Path to the workspace's Cargo.toml (for `[advisories] db-path` and `db-url`).
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
    },
    /// The CUDA bill of materials: every tracked GPU file and what builds it, the
    /// dependencies that compile GPU code, and the GPU code the built artifacts carry, judged
    /// against `[cuda]` (archs, min-driver) when declared.
    Kernels {
        /// text, json (docs/schemas/kernel-bom.schema.json) or cyclonedx (CycloneDX 1.6).
        #[arg(long, value_enum, default_value = "text")]
        format: super::kernels::BomFormat,
        /// Read the sources and the dependency graph only: build nothing, read no artifact.
        #[arg(long)]
        no_build: bool,
        /// Path to the workspace's Cargo.toml.
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// No network for cargo.
        #[arg(long)]
        offline: bool,
    },
    /// List every check: id, stage, description.
    Checks {
        /// `text` (one line per check) or `json` (every check with its codes and
        /// configuration keys).
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Explain one check: what it establishes and how to fix a failure. Takes a check id
    /// (`deps.licenses`), a SARIF ruleId (`deps.licenses/missing-license`) or a finding code
    /// (`missing-license`).
    Explain {
        /// The check id, ruleId or finding code, e.g. `boundary.unsafe`.
        #[arg(value_parser = CheckIds, hide_possible_values = true)]
        id: String,
    },
    /// Print the shell completion script for `cargo-gate gate …` (bash:
    /// `cargo gate completions bash > ~/.local/share/bash-completion/completions/cargo-gate`;
    /// docs/GUIDE.md lists each shell's place).
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (cargo-gate.1 and cargo-gate-COMMAND.1) into DIR, e.g.
    /// `cargo gate man ~/.local/share/man/man1`.
    Man {
        /// Where the pages go (created when missing).
        #[arg(value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Path to the workspace's Cargo.toml.
    #[arg(long, value_name = "PATH")]
    pub(crate) manifest_path: Option<PathBuf>,
    /// Read the configuration from this file instead of gate.toml / [workspace.metadata.gate].
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// WARN (and SKIP) fail the verdict.
    #[arg(long, conflicts_with = "permissive")]
    pub(crate) strict: bool,
    /// WARN and SKIP never fail the verdict (FAIL still does).
    #[arg(long)]
    pub(crate) permissive: bool,
    /// Colour in the text report: auto (a terminal, unless NO_COLOR is set), always or
    /// never. Default: CARGO_TERM_COLOR, else auto.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub(crate) color: Option<ColorWhen>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Where run records go (default: <target-dir>/gate).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Pass --offline to every cargo call.
    #[arg(long)]
    pub(crate) offline: bool,
    /// Fetch the RustSec advisory database before the run (as `cargo gate fetch-advisories`);
    /// without it the gate never reaches the network on its own account.
    #[arg(long)]
    pub(crate) fetch: bool,
    /// Run only these checks (ids, or a prefix ending in `*`: `deps.*`).
    #[arg(long, value_name = "ID", num_args = 1.., value_parser = CheckIds, hide_possible_values = true)]
    pub(crate) only: Vec<String>,
    /// Leave these checks out (ids, or a prefix ending in `*`).
    #[arg(long, value_name = "ID", num_args = 1.., value_parser = CheckIds, hide_possible_values = true)]
    pub(crate) skip: Vec<String>,
    /// Gather every fact afresh: build and run the tests even when a cached result for the
    /// same inputs exists (the fresh result is cached for the next run).
    #[arg(long)]
    pub(crate) no_cache: bool,
    /// Run one shard of the tests: nextest's hash bucket K of N (`--partition hash:K/N`).
    /// Each CI job runs one; `cargo gate merge` joins them into one verdict, READY only when
    /// every shard ran and passed (docs/GUIDE.md, "Sharding the tests").
    #[arg(long, value_name = "K/N", value_parser = crate::tools::environment::TestShard::parse)]
    pub(crate) test_shard: Option<(u32, u32)>,
    /// With --test-shard: run the tests from this nextest archive (`cargo nextest archive`,
    /// built once for every shard) instead of building them in this job.
    #[arg(long, value_name = "FILE", requires = "test_shard")]
    pub(crate) test_archive: Option<PathBuf>,
    /// `json`: stream on stdout, as cargo's own `--message-format json` does, one JSON line
    /// per check as it finishes (`{"reason":"check-finished",…}`), then one line with the
    /// whole report (`{"reason":"report","report":{…}}`, the run record's report.json), instead
    /// of the `--format` report.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, conflicts_with = "format")]
    pub(crate) message_format: MessageFormat,
    /// No progress on stderr (notes and errors still go there).
    #[arg(short, long, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Progress on stderr for every check as it starts and finishes, on a terminal too.
    #[arg(short, long)]
    pub(crate) verbose: bool,
}

/// `cargo gate cache …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CacheAction {
    /// Entries per fact, blobs and bytes on disk.
    Stats {
        #[command(flatten)]
        out: OutArgs,
    },
    /// Remove corrupt entries, the least recently used entries above the size bound, and
    /// blobs no entry names.
    Prune {
        /// Remove everything.
        #[arg(long)]
        all: bool,
        /// The bound to prune to, e.g. `500MB` (default: `[cache] max-size`, else 2 GiB).
        #[arg(long, value_name = "SIZE", value_parser = size_arg)]
        max_size: Option<u64>,
        #[command(flatten)]
        out: OutArgs,
    },
}

fn size_arg(text: &str) -> Result<u64, String> {
    crate::config::parse_size(text)
        .ok_or_else(|| format!("`{text}` is not a size; write one like 500MB or 2GiB"))
}

#[derive(Debug, Args)]
pub(crate) struct OutArgs {
    /// The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Path to the workspace's Cargo.toml (to find the default output directory).
    #[arg(long, value_name = "PATH")]
    pub(crate) manifest_path: Option<PathBuf>,
}

impl OutArgs {
    pub(crate) fn resolve(&self) -> Result<PathBuf, GateError> {
        match &self.out {
            Some(out) => Ok(out.clone()),
            None => {
                let ws = Workspace::discover(self.manifest_path.as_deref(), true)?;
                Ok(engine::out_dir(&ws, None))
            }
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// A run directory (`<out>/runs/<run-id>`); default: every run under --out.
    pub(crate) run: Option<PathBuf>,
    /// The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Path to the workspace's Cargo.toml (to find the default output directory).
    #[arg(long, value_name = "PATH")]
    pub(crate) manifest_path: Option<PathBuf>,
    /// A chain head printed by an earlier run (`sha256:…`), kept outside this directory:
    /// fail unless that run is in the chain with everything up to it intact.
    #[arg(long, value_name = "DIGEST", value_parser = ChainHead)]
    pub(crate) expect_head: Option<String>,
}

/// `--message-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum MessageFormat {
    /// The report in `--format` once the run is over.
    Human,
    /// JSON lines on stdout as checks finish, then the report as one line.
    Json,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorWhen {
    /// Colour on a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorWhen {
    /// `--color`, else `CARGO_TERM_COLOR` (as cargo reads it), else auto.
    pub(crate) fn resolve(flag: Option<ColorWhen>) -> anstream::ColorChoice {
        let from_env = || match std::env::var("CARGO_TERM_COLOR").as_deref() {
            Ok("always") => Some(ColorWhen::Always),
            Ok("never") => Some(ColorWhen::Never),
            _ => None,
        };
        match flag.or_else(from_env).unwrap_or(ColorWhen::Auto) {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}

/// The formats of `cargo gate checks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ListFormat {
    /// One line per check: id, stage, description.
    Text,
    /// A JSON array: every check with its stage, summary, fix, finding codes and
    /// configuration keys.
    Json,
}

/// A check id as given on the command line: any text (the plan and `explain` judge it, with
/// messages that name the fix), offering the built-in check ids as its possible values, so
/// that shell completions complete them (hidden from `--help`, which would list 26).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheckIds;

impl clap::builder::TypedValueParser for CheckIds {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            crate::registry::metas().map(|meta| clap::builder::PossibleValue::new(meta.id)),
        ))
    }
}

/// A chain head as a run prints it (`sha256:` and 64 hexadecimal digits; the prefix may be
/// left out). Anything else is a usage error that shows at most the value's first
/// characters: a value is never echoed whole.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChainHead;

impl clap::builder::TypedValueParser for ChainHead {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let text = value.to_string_lossy();
        let digest = text.trim().strip_prefix("sha256:").unwrap_or(text.trim());
        if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(format!("sha256:{}", digest.to_ascii_lowercase()));
        }
        let shown: String = text.chars().take(24).collect();
        let more = if text.chars().count() > 24 { "…" } else { "" };
        let name = arg.map_or_else(|| "--expect-head".to_owned(), ToString::to_string);
        let message = format!(
            "invalid value `{shown}{more}` ({} characters) for {name}: a chain head is \
             `sha256:` and 64 hexadecimal digits, as a run prints it after \"chain head\"\n",
            text.chars().count()
        );
        Err(clap::Error::raw(clap::error::ErrorKind::ValueValidation, message).with_cmd(cmd))
    }
}
