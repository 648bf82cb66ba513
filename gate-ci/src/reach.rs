//! Which CI invocations reach a workspace that sits below its repository's root.
//!
//! GitHub and GitLab read their CI files at the repository root only, so a workspace in a
//! subdirectory (`crates/engine/` of a monorepo) is built by the invocations of the root's
//! files that run in it. Where a command runs is followed as the runner follows it: the
//! workflow's and job's `defaults.run.working-directory`, a step's `working-directory`, the
//! `cd`/`pushd` commands of its script (carried from line to line), and the invocation's own
//! `--manifest-path`. An invocation reaches the workspace when that directory is the
//! workspace's root or below it (cargo finds the workspace from any member). One whose
//! directory comes from an expansion the gate cannot follow (`cd $DIR`) cannot be placed.

use crate::shell::{Word, commands, github_expressions_as_words};
use std::path::{Component, Path, PathBuf};

/// Where a command runs, relative to the repository root; `None` when an expansion the gate
/// cannot follow decides it.
pub(crate) type Dir = Option<PathBuf>;

/// `base` joined with `to` (relative to it, or from the repository root when absolute in
/// the runner's `$GITHUB_WORKSPACE`), `..` and `.` resolved; `None` for an expansion, a home
/// directory or a path that leaves the repository.
pub(crate) fn join(base: &Path, to: &str) -> Dir {
    let to = ["${{ github.workspace }}", "${{github.workspace}}"]
        .iter()
        .find_map(|w| to.strip_prefix(w))
        .map_or(to, |rest| rest.trim_start_matches('/'));
    if to.contains('$') || to.starts_with('~') {
        return None;
    }
    let to = to.trim_start_matches("./");
    let mut out = if Path::new(to).is_absolute() {
        return None;
    } else {
        base.to_path_buf()
    };
    for component in Path::new(to).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// `text` with each `${{ env.NAME }}` replaced by the value `env` gives it (a workflow's
/// `RISC0_ETHEREUM_PATH: ${{ github.workspace }}/risc0-ethereum`, then
/// `working-directory: ${{ env.RISC0_ETHEREUM_PATH }}`); a name `env` lacks stays as written.
pub(crate) fn with_env(text: &str, env: &[(String, String)]) -> String {
    crate::shell::github_expressions_replaced(text, |expr| {
        let name = expr.strip_prefix("env.")?;
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    })
}

/// Whether a `--manifest-path` lies outside the repository: under the runner's temporary or
/// tool directories (`${{ runner.temp }}`, `$RUNNER_TEMP`), the home directory, or at an
/// absolute path that is not the workspace's (`${{ github.workspace }}`, `$GITHUB_WORKSPACE`).
pub(crate) fn outside_repository(manifest: &str) -> bool {
    // An expression as the shell splitting saw it: its blanks made `_`
    // ([`crate::shell::github_expressions_as_words`]).
    let squeezed = match manifest
        .strip_prefix("${{")
        .and_then(|r| r.split_once("}}"))
    {
        Some((expr, rest)) => {
            let expr = expr.trim_matches(|c: char| c.is_whitespace() || c == '_');
            format!("${{{{{expr}}}}}{rest}")
        }
        None => manifest.to_owned(),
    };
    let runner = [
        "${{runner.temp}}",
        "${{runner.tool_cache}}",
        "$RUNNER_TEMP",
        "${RUNNER_TEMP}",
    ];
    let workspace = [
        "${{github.workspace}}",
        "$GITHUB_WORKSPACE",
        "${GITHUB_WORKSPACE}",
    ];
    // Absolute on the runner, whatever the host reading it: `/…`, `\…`, `C:…`.
    let absolute = manifest.starts_with(['/', '\\']) || manifest.get(1..2) == Some(":");
    runner.iter().any(|r| squeezed.starts_with(r))
        || squeezed.starts_with('~')
        || squeezed.starts_with("$HOME")
        || (absolute && !workspace.iter().any(|w| squeezed.starts_with(w)))
}

/// The directory each command of `line` starts in, from `start` (the directory the line
/// starts in), as `(byte offset of the command's first word, directory)`, and the directory
/// the next line starts in. `cd DIR` and `pushd DIR` move it; `cd` alone, `cd -` and
/// `popd` lose track of it (`None`).
pub(crate) fn walk(line: &str, start: &Dir) -> (Vec<(usize, Dir)>, Dir) {
    let mut dir = start.clone();
    let mut out = Vec::new();
    for words in commands(&github_expressions_as_words(line)) {
        let Some(first) = words.first() else {
            continue;
        };
        out.push((first.offset, dir.clone()));
        match first.text.as_str() {
            "cd" | "pushd" => {
                let target = words.iter().skip(1).find(|w| !w.text.starts_with('-'));
                dir = match (target, &dir) {
                    (Some(Word { text, .. }), Some(base)) => {
                        // The original text: an expression was made one word.
                        join(base, text)
                    }
                    _ => None,
                };
            }
            "popd" => dir = None,
            _ => {}
        }
    }
    (out, dir)
}

/// The directory the command at `offset` of a line runs in, from [`walk`]'s list.
pub(crate) fn at(starts: &[(usize, Dir)], offset: usize, line_start: &Dir) -> Dir {
    starts
        .iter()
        .rev()
        .find(|(start, _)| *start <= offset)
        .map_or_else(|| line_start.clone(), |(_, dir)| dir.clone())
}

/// The directory cargo looks for its workspace from: the manifest's when the invocation
/// names one (`--manifest-path sub/Cargo.toml`), else the one the command runs in.
pub(crate) fn effective(dir: &Dir, manifest_path: Option<&str>) -> Dir {
    match manifest_path {
        None => dir.clone(),
        Some(manifest) => {
            let parent = Path::new(manifest)
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            if parent.is_empty() {
                dir.clone()
            } else {
                join(dir.as_ref()?, &parent)
            }
        }
    }
}

/// Whether `dir` is `workspace` or below it.
pub(crate) fn inside(dir: &Path, workspace: &Path) -> bool {
    dir.starts_with(workspace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Dir {
        Some(PathBuf::from(s))
    }

    #[test]
    fn cd_and_manifest_paths_are_followed_from_the_repository_root() {
        let root = p("");
        assert_eq!(join(Path::new(""), "crates/a"), p("crates/a"));
        assert_eq!(join(Path::new("crates/a"), "../b"), p("crates/b"));
        assert_eq!(join(Path::new(""), "../elsewhere"), None);
        assert_eq!(join(Path::new(""), "$DIR"), None);
        assert_eq!(join(Path::new(""), "/abs"), None);
        assert_eq!(join(Path::new(""), "./x/./y"), p("x/y"));

        let (starts, next) = walk("cd crates/a && cargo test; cd .. && cargo build", &root);
        assert_eq!(next, p("crates"));
        assert_eq!(at(&starts, 15, &root), p("crates/a"));
        assert_eq!(at(&starts, 41, &root), p("crates"));
        let (_, lost) = walk("cd $WS", &root);
        assert_eq!(lost, None);
        let (_, after_popd) = walk("pushd a; popd", &root);
        assert_eq!(after_popd, None);

        assert_eq!(effective(&root, Some("crates/b/Cargo.toml")), p("crates/b"));
        assert_eq!(effective(&p("crates"), Some("Cargo.toml")), p("crates"));
        assert_eq!(effective(&None, Some("b/Cargo.toml")), None);
        assert!(inside(Path::new("crates/a/src"), Path::new("crates/a")));
        assert!(!inside(Path::new("crates/ab"), Path::new("crates/a")));
        assert!(!inside(Path::new(""), Path::new("crates/a")));
    }

    #[test]
    fn env_expressions_and_paths_outside_the_repository() {
        let env = [(
            "OTHER".to_owned(),
            "${{ github.workspace }}/other".to_owned(),
        )];
        assert_eq!(
            with_env("${{ env.OTHER }}/sub", &env),
            "${{ github.workspace }}/other/sub"
        );
        assert_eq!(
            join(Path::new(""), &with_env("${{env.OTHER}}", &env)),
            p("other")
        );
        assert_eq!(with_env("${{ env.NONE }}", &env), "${{ env.NONE }}");
        assert_eq!(with_env("${{ unclosed", &env), "${{ unclosed");
        for outside in [
            "${{ runner.temp }}/t/Cargo.toml",
            "${{_runner.temp_}}/t/Cargo.toml",
            "$RUNNER_TEMP/t/Cargo.toml",
            "/tmp/t/Cargo.toml",
            "~/t/Cargo.toml",
            "D:\\a\\_temp\\t\\Cargo.toml",
        ] {
            assert!(outside_repository(outside), "{outside}");
        }
        for inside in [
            "crates/a/Cargo.toml",
            "${{ github.workspace }}/a/Cargo.toml",
            "$GITHUB_WORKSPACE/Cargo.toml",
        ] {
            assert!(!outside_repository(inside), "{inside}");
        }
    }
}
