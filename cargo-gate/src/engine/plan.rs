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

/// The checks to run at `stage` (built-in and the team's `[[check]]`s), filtered by `--only`
/// and `--skip`.
pub fn plan(
    stage: Stage,
    only: &[String],
    skip: &[String],
    custom: &[&'static dyn Check],
) -> Result<Vec<&'static dyn Check>, GateError> {
    let find = |id: &str| {
        registry::find(id).or_else(|| custom.iter().copied().find(|c| c.meta().id == id))
    };
    for id in only.iter().chain(skip) {
        let check = find(id).ok_or_else(|| GateError::UnknownCheck { id: id.clone() })?;
        if only.contains(id) && check.meta().stage > stage {
            return Err(GateError::CheckNotInStage {
                id: id.clone(),
                starts: check.meta().stage.to_string(),
                stage: stage.to_string(),
            });
        }
    }
    let mut selected: Vec<&'static dyn Check> = registry::for_stage(stage)
        .into_iter()
        .chain(custom.iter().copied().filter(|c| c.meta().stage <= stage))
        .filter(|c| only.is_empty() || only.iter().any(|id| id == c.meta().id))
        .filter(|c| !skip.iter().any(|id| id == c.meta().id))
        .collect();
    // A check selected with --only brings the checks it reads (and theirs), unless they
    // were skipped explicitly: otherwise it could not be evaluated at all.
    let mut i = 0;
    while i < selected.len() {
        let (me, after) = (selected[i].meta().id, selected[i].after());
        let deps: Vec<&'static dyn Check> = registry::all()
            .iter()
            .copied()
            .filter(|c| after.waits_for(me, c.meta().id))
            .collect();
        for dep in deps {
            let id = dep.meta().id;
            let wanted =
                !skip.iter().any(|s| s == id) && !selected.iter().any(|c| c.meta().id == id);
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
        assert!(matches!(
            plan(Stage::Pilot, &["nope.nope".into()], &[], &[]),
            Err(GateError::UnknownCheck { .. })
        ));
    }
}
