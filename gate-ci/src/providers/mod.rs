//! Each CI system's reader: from its configuration's YAML tree to the scripts it runs
//! ([`crate::model::Script`]), with their context, environment, directory and matrix (or
//! parameter sets). GitHub Actions, GitLab CI and CircleCI are read; the files of the other
//! systems are only named ([`unread_files`]), so that a check can say their cargo calls
//! went unjudged rather than pass without them.

pub(crate) mod circleci;
pub(crate) mod github;
pub(crate) mod gitlab;

use std::path::Path;

/// The configuration files (or folders) of CI systems the gate does not read, with the
/// system's name.
const UNREAD: &[(&str, &str)] = &[
    (".travis.yml", "Travis CI"),
    ("appveyor.yml", "AppVeyor"),
    (".appveyor.yml", "AppVeyor"),
    ("azure-pipelines.yml", "Azure Pipelines"),
    (".azure-pipelines.yml", "Azure Pipelines"),
    (".cirrus.yml", "Cirrus CI"),
    (".drone.yml", "Drone"),
    (".woodpecker.yml", "Woodpecker"),
    (".woodpecker", "Woodpecker"),
    ("bitbucket-pipelines.yml", "Bitbucket Pipelines"),
    ("Jenkinsfile", "Jenkins"),
    (".buildkite", "Buildkite"),
    (".semaphore", "Semaphore"),
    (".builds", "sourcehut builds"),
    (".github/buildomat", "Buildomat"),
];

/// The files (or folders) under `dir` that configure a CI system the gate does not read,
/// each with the system's name, in [`UNREAD`]'s order.
pub(crate) fn unread_files(dir: &Path) -> Vec<(&'static str, &'static str)> {
    UNREAD
        .iter()
        .copied()
        .filter(|(name, _)| dir.join(name).symlink_metadata().is_ok())
        .collect()
}
