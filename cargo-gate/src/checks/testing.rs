//! Test helpers for checks: a workspace on disk made from a list of files.

use crate::cargo::Cargo;
use crate::check::Context;
use crate::config::Config;
use crate::stage::Stage;
use crate::workspace::Workspace;
use std::path::Path;

/// Runs `f` with a context over a workspace whose members are `members` (each in a directory
/// of its own name) in a fresh temporary directory that holds no files.
pub(crate) fn with_context<T>(
    members: &[&str],
    config: Config,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    with_files(&[], members, config, f)
}

/// Like [`with_context`] with no members, a given environment and stage.
pub(crate) fn with_environment<T>(
    environment: crate::environment::Environment,
    stage: Stage,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    build_full(
        &[],
        &[],
        Config::default(),
        crate::check::Earlier::new(),
        environment,
        stage,
        f,
    )
}

/// Like [`with_files`]; the closure may build its own context from the one given (to set
/// `earlier` from paths inside the workspace).
pub(crate) fn with_files_and_earlier<T>(
    files: &[(&str, &str)],
    members: &[&str],
    config: Config,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    build(files, members, config, crate::check::Earlier::new(), f)
}

/// Like [`with_context`] with no members, and with the outcomes of earlier checks.
pub(crate) fn with_context_and_earlier<T>(
    config: Config,
    earlier: crate::check::Earlier,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    build(&[], &[], config, earlier, f)
}

/// Like [`with_context`], with `files` (path, contents) written first.
pub(crate) fn with_files<T>(
    files: &[(&str, &str)],
    members: &[&str],
    config: Config,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    build(files, members, config, crate::check::Earlier::new(), f)
}

fn build<T>(
    files: &[(&str, &str)],
    members: &[&str],
    config: Config,
    earlier: crate::check::Earlier,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    let environment = crate::environment::Environment::for_tests();
    build_full(
        files,
        members,
        config,
        earlier,
        environment,
        Stage::Controlled,
        f,
    )
}

fn build_full<T>(
    files: &[(&str, &str)],
    members: &[&str],
    config: Config,
    earlier: crate::check::Earlier,
    environment: crate::environment::Environment,
    stage: Stage,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), files);
    for name in members {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
    }
    let workspace = Workspace::for_tests(dir.path(), members);
    let facts = crate::facts::Facts::gather(&workspace, Vec::new());
    let cargo = Cargo::new(dir.path(), true);
    let run_dir = dir.path().join("run");
    let ctx = Context {
        facts: &facts,
        workspace: &workspace,
        config: &config,
        cargo: &cargo,
        stage,
        environment: &environment,
        earlier: &earlier,
        out_dir: &dir.path().join("out"),
        run_dir: &run_dir,
    };
    f(&ctx)
}

pub(crate) fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}
