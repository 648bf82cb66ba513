//! The plan of a run: which checks it runs (the stage's, filtered by `--only`/`--skip`, with
//! what a selected check runs after) and the mode it judges in.

use super::options::RunOptions;
use crate::check::Check;
use crate::error::GateError;
use crate::registry;
use crate::stage::Stage;
use crate::verdict::Mode;

/// The mode a run judges in: `--strict` or `--permissive` when given, else `[policy] strict`.
pub fn mode(opts: &RunOptions, config: &crate::config::Config) -> Mode {
    opts.mode.unwrap_or(if config.strict {
        Mode::Strict
    } else {
        Mode::Standard
    })
}

/// Whether the run is static: `--skip` names `tests.pass`, so nothing is built (the build is
/// skipped, the witness not installed, the manifests alone digested).
pub(super) fn is_static(opts: &RunOptions) -> bool {
    opts.skip.iter().any(|s| names(s, "tests.pass"))
}

/// Whether `planned` holds a check that builds the workspace: its tests or its kernels.
pub(super) fn builds(planned: &[&'static dyn Check]) -> bool {
    (planned.iter()).any(|c| matches!(c.meta().id, "tests.pass" | "kernels.build"))
}

/// Whether `pattern` (an id given to `--only`/`--skip`) names the check `id`: the id itself,
/// or a prefix ending in `*` (`deps.*` is every supply-chain check, as `cargo deny check`).
pub(super) fn names(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

/// The checks to run at `stage` (built-in and the team's `[[check]]`s), filtered by `--only`
/// and `--skip` (ids, or prefixes ending in `*`). A pattern that names no check is an error,
/// as is an `--only` that names only checks of a later stage.
pub fn plan(
    stage: Stage,
    only: &[String],
    skip: &[String],
    custom: &[&'static dyn Check],
) -> Result<Vec<&'static dyn Check>, GateError> {
    let every: Vec<&'static dyn Check> = registry::all()
        .iter()
        .copied()
        .chain(custom.iter().copied())
        .collect();
    for pattern in only.iter().chain(skip) {
        let named: Vec<&'static dyn Check> = every
            .iter()
            .copied()
            .filter(|c| names(pattern, c.meta().id))
            .collect();
        let Some(first) = named.iter().min_by_key(|c| c.meta().stage) else {
            return Err(GateError::UnknownCheck {
                id: pattern.clone(),
            });
        };
        if only.contains(pattern) && first.meta().stage > stage {
            return Err(GateError::CheckNotInStage {
                id: pattern.clone(),
                starts: first.meta().stage.to_string(),
                stage: stage.to_string(),
            });
        }
    }
    let skipped = |id: &str| skip.iter().any(|s| names(s, id));
    // The stage's checks and every earlier stage's, built-in first.
    let mut selected: Vec<&'static dyn Check> = every
        .iter()
        .copied()
        .filter(|c| c.meta().stage <= stage)
        .filter(|c| only.is_empty() || only.iter().any(|p| names(p, c.meta().id)))
        .filter(|c| !skipped(c.meta().id))
        .collect();
    // A check selected with --only brings the checks it reads (and theirs), unless they
    // were skipped explicitly: otherwise it could not be evaluated at all.
    let mut i = 0;
    while i < selected.len() {
        let (me, after) = (selected[i].meta().id, selected[i].after());
        let deps: Vec<&'static dyn Check> = registry::all()
            .iter()
            .copied()
            .filter(|c| after.brings(me, c.meta().id))
            .collect();
        for dep in deps {
            let id = dep.meta().id;
            let wanted = !skipped(id) && !selected.iter().any(|c| c.meta().id == id);
            if wanted {
                selected.push(dep);
            }
        }
        i += 1;
    }
    let order = |c: &&'static dyn Check| {
        registry::all()
            .iter()
            .position(|r| r.meta().id == c.meta().id)
            .unwrap_or(usize::MAX)
    };
    selected.sort_by_key(order);
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_filters_and_rejects_unknown_or_later_checks() {
        let ids = |p: Vec<&'static dyn Check>| p.iter().map(|c| c.meta().id).collect::<Vec<_>>();
        assert_eq!(
            ids(plan(Stage::Pilot, &["tests.pass".into()], &[], &[]).unwrap()),
            ["tests.pass"]
        );
        assert_eq!(
            ids(plan(Stage::Pilot, &[], &["tests.pass".into()], &[]).unwrap()).len(),
            registry::for_stage(Stage::Pilot).len() - 1
        );
        // kernels.shipped reuses the run's build and needs no other check: alone, it is alone.
        assert_eq!(
            ids(plan(Stage::Pilot, &["kernels.shipped".into()], &[], &[]).unwrap()),
            ["kernels.shipped"]
        );
        assert!(matches!(
            plan(Stage::Pilot, &["nope.nope".into()], &[], &[]),
            Err(GateError::UnknownCheck { .. })
        ));
        assert!(matches!(
            plan(Stage::Pilot, &["nope.*".into()], &[], &[]),
            Err(GateError::UnknownCheck { .. })
        ));
    }

    /// `deps.*` selects the supply-chain checks of the stage, in registry order, and
    /// nothing they do not read; a later stage's only checks are refused by their stage.
    #[test]
    fn a_prefix_pattern_selects_and_skips_a_family() {
        let ids = |p: Vec<&'static dyn Check>| p.iter().map(|c| c.meta().id).collect::<Vec<_>>();
        let deps = ids(plan(Stage::Controlled, &["deps.*".into()], &[], &[]).unwrap());
        let expected: Vec<&str> = registry::for_stage(Stage::Controlled)
            .iter()
            .map(|c| c.meta().id)
            .filter(|id| id.starts_with("deps."))
            .collect();
        assert!(expected.len() >= 4, "{expected:?}");
        for id in &expected {
            assert!(deps.contains(id), "{id} not in {deps:?}");
        }
        // What the deps checks read (the lockfile check) comes along, nothing else.
        for id in &deps {
            assert!(
                id.starts_with("deps.") || *id == "lockfile.locked" || *id == "config.valid",
                "{id} came along with deps.*: {deps:?}"
            );
        }
        let rest = ids(plan(Stage::Controlled, &[], &["deps.*".into()], &[]).unwrap());
        assert!(rest.iter().all(|id| !id.starts_with("deps.")), "{rest:?}");
        assert_eq!(
            rest.len() + expected.len(),
            registry::for_stage(Stage::Controlled).len()
        );
        assert!(matches!(
            plan(Stage::Pilot, &["history.*".into()], &[], &[]),
            Err(GateError::CheckNotInStage { .. })
        ));
    }
}
