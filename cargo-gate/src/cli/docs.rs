//! `cargo gate completions SHELL` and `cargo gate man DIR`: the shell completion scripts and
//! the man pages, made from the command line's own definition. `cargo xtask codegen` writes
//! the same text under docs/completions/ and docs/man/ (and checks it stays current).

use super::error::CliError;
use super::output::print_stdout;
use crate::error::GateError;
use crate::verdict::exit;
use std::path::Path;

/// The completion script for `shell`: it completes `cargo-gate gate …` (cargo's own
/// completion completes `cargo gate` only as far as the subcommand name), with the stages,
/// every command's options, and the check ids after `--only`, `--skip` and `explain`.
pub fn completion(shell: clap_complete::Shell) -> String {
    let mut cmd = <super::args::Cargo as clap::CommandFactory>::command()
        .name("cargo-gate")
        .bin_name("cargo-gate");
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut cmd, "cargo-gate", &mut bytes);
    let text = String::from_utf8(bytes).expect("completions are UTF-8");
    match shell {
        clap_complete::Shell::Bash => bash_names_agree(&text),
        _ => text,
    }
}

/// clap_complete's bash script names a command's `case` arm after its bin name with `-` as a
/// separator (`cargo-gate gate` → `cargo__subcmd__gate__subcmd__gate`) but walks the words
/// to the root's own name (`cargo__gate__subcmd__gate`): with a `-` in the binary's name no
/// arm ever matched below the root, and `cargo-gate gate <TAB>` offered nothing. The arms
/// are renamed to what the walk produces; a test drives bash through the result.
fn bash_names_agree(script: &str) -> String {
    let (wrong, right) = ("        cargo__subcmd__gate", "        cargo__gate");
    assert!(
        script.contains(wrong),
        "clap_complete's bash output changed: recheck bash_names_agree"
    );
    script.replace(wrong, right)
}

/// The man pages, as (file name, roff): `cargo-gate.1` for `cargo gate`, and
/// `cargo-gate-<command>.1` for each of its commands (the names the first page's
/// SUBCOMMANDS section refers to).
pub fn man_pages() -> Vec<(String, String)> {
    fn render(cmd: clap::Command, name: &str) -> (String, String) {
        let mut bytes = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut bytes)
            .expect("rendering to memory cannot fail");
        (
            format!("{name}.1"),
            String::from_utf8(bytes).expect("a man page is UTF-8"),
        )
    }
    let gate = <super::args::Cargo as clap::CommandFactory>::command()
        .find_subcommand("gate")
        .expect("the gate subcommand exists")
        .clone()
        .name("cargo-gate")
        .bin_name("cargo gate");
    let mut pages = vec![render(gate.clone(), "cargo-gate")];
    for sub in gate.get_subcommands() {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        let page = format!("cargo-gate-{name}");
        let cmd = sub
            .clone()
            .name(page.clone())
            .bin_name(format!("cargo gate {name}"));
        pages.push(render(cmd, &page));
    }
    pages
}

/// `cargo gate completions SHELL`: the script on stdout.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<i32, CliError> {
    print_stdout(&completion(shell));
    Ok(exit::READY)
}

/// `cargo gate man DIR`: every page written into `DIR` (created when missing), each file
/// replaced whole (written beside it, then renamed), and their names on stdout.
pub(crate) fn man(dir: &Path) -> Result<i32, CliError> {
    std::fs::create_dir_all(dir).map_err(|source| GateError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let mut written = String::new();
    for (name, text) in man_pages() {
        let path = dir.join(&name);
        gate_support::atomic::write(&path, text.as_bytes())
            .map_err(|source| GateError::Write { path, source })?;
        written.push_str(&format!("wrote {}\n", dir.join(&name).display()));
    }
    print_stdout(&written);
    Ok(exit::READY)
}
