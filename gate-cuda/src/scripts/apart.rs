//! A builder whose later statements compile under a guard of their own is more than one
//! build. openvm's `crates/vm/build.rs` binds one `CudaBuilder` under `#[cfg(feature =
//! "cuda")]`, builds `cuda/src/system/**` from a clone of it, and, inside `#[cfg(any(test,
//! feature = "test-utils"))]`, builds `cuda/src/testing/**` from another clone: those files
//! are switched by both features, not by `cuda` alone.

use super::guards::Guards;
use super::lexed::Lexed;
use super::{Anchor, Call, describe_in, ranges_of};

/// Methods that run the build (`.build()`, `.compile("x")`, bindgen_cuda's `.build_lib(..)`).
const RUNS: &[&str] = &["build", "compile", "build_lib", "build_ptx", "try_compile"];

/// The builds of `anchor`: one over its extent, less each later statement that runs a build
/// under a guard the constructor is not under (none when every build runs so); one for each
/// such statement, with the constructor's statement (its includes and flags), switched by
/// both guards and reported at its own line.
pub(super) fn described(lx: &Lexed<'_>, anchor: &Anchor<'_>, guards: &Guards) -> Vec<Call> {
    let ranges = ranges_of(lx, anchor);
    let outer = guards.at(anchor.path);
    // Where a statement runs a build (a guarded block's statement starts at its attribute:
    // the guard is read where the build runs).
    let run_at = |range: &(usize, usize)| {
        (range.0..range.1).find(|&k| {
            lx.punct(k, b'.')
                && lx.punct(k + 2, b'(')
                && lx.ident(k + 1).is_some_and(|m| RUNS.contains(&m))
        })
    };
    let runs = |range: &(usize, usize)| run_at(range).is_some();
    let apart = |range: &(usize, usize)| {
        let inner = guards.at(run_at(range)?)?;
        (Some(inner) != outer).then_some(inner)
    };
    let (first, later) = ranges.split_at(1.min(ranges.len()));
    let own: Vec<(usize, usize)> = first
        .iter()
        .chain(later.iter().filter(|r| apart(r).is_none()))
        .copied()
        .collect();
    // Where every build runs apart, the constructor's statements alone build nothing.
    let any_apart = later.iter().any(|r| apart(r).is_some());
    let mut out: Vec<Call> = if any_apart && !own.iter().any(runs) {
        Vec::new()
    } else {
        describe_in(lx, anchor, guards, &own).into_iter().collect()
    };
    for range in later {
        let Some(inner) = apart(range) else {
            continue;
        };
        let with_constructor: Vec<(usize, usize)> = first.iter().chain([range]).copied().collect();
        if let Some(mut call) = describe_in(lx, anchor, guards, &with_constructor) {
            call.switch = Some(match call.switch.take() {
                Some(outer) => format!("{outer} and {inner}"),
                None => inner.to_owned(),
            });
            // The first word under its own guard: where its statement starts.
            let start =
                (range.0..range.1).find(|&k| lx.ident(k).is_some() && guards.at(k) == Some(inner));
            call.line = start.map_or(call.line, |k| lx.toks[k].line);
            out.push(call);
        }
    }
    out
}
