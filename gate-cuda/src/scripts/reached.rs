//! Which of a build script's calls probe the GPU: the probe a call is reached with, read from
//! the script's functions and the calls between them, not from the script as a whole.
//!
//! sizzlecar/ferrum-infer-rs' `build.rs` builds from five functions; one of them
//! (`compile_core_ptx`) runs `nvidia-smi` for its arch, the others read `CUDA_COMPUTE_CAP` or a
//! default. Read per script, every builder was said to probe, and by the first probe in file
//! order (a function only one feature reaches). A call now probes when a probe lies in its
//! function or in a function it calls (directly or not), or in a function that leads to it
//! (`main`'s `let cap = detect(); build(cap);`: in that function's body, or in a helper it
//! calls that builds nothing itself). Where a call or a probe lies outside every function
//! (a `const`, a helper's call read from another file), the script's first probe stands for
//! every call, as before.

use super::lexed::{FnDef, Lexed};
use std::collections::{HashSet, VecDeque};

/// A probe: its line and what it does.
type Probe = (u32, String);

/// Sets each of `calls`' [`super::Call::gpu_probe`] (`rel`: the script's path); returns the
/// script's first probe (its [`super::Script::gpu_probe`]).
pub(super) fn attach(
    lx: &Lexed<'_>,
    fns: &[FnDef<'_>],
    rel: &str,
    calls: &mut [super::Call],
) -> Option<Probe> {
    let sites = super::probes::probe_sites(lx);
    // A call of one of the script's own helpers is reported where it is called, and builds in
    // the helper: that function is the one it is reached in.
    let prefix = format!("{rel}:");
    let places: Vec<Place> = calls
        .iter()
        .map(|c| {
            let helper = (c.via.as_deref())
                .and_then(|via| via.strip_prefix(&prefix)?.parse::<u32>().ok())
                .and_then(|line| fns.iter().position(|f| f.line == line));
            helper.map_or(Place::Line(c.line), Place::Fn)
        })
        .collect();
    for (call, probe) in calls.iter_mut().zip(call_probes(lx, fns, &sites, &places)) {
        // The script's own probe, else the builder's default one (`archs::default_probe`).
        call.gpu_probe = probe.or(call.gpu_probe.take());
    }
    let (_, line, what) = sites.into_iter().next()?;
    Some((line, what))
}

/// Where a call is: in the function holding this line, or in this function.
#[derive(Clone, Copy)]
enum Place {
    Line(u32),
    Fn(usize),
}

/// The probe each call at `places` is reached with (`None`: none), in their order, of the
/// script's probe `sites`.
fn call_probes(
    lx: &Lexed<'_>,
    fns: &[FnDef<'_>],
    sites: &[(usize, u32, String)],
    places: &[Place],
) -> Vec<Option<Probe>> {
    let Some((_, line, what)) = sites.first() else {
        return vec![None; places.len()];
    };
    let whole = Some((*line, what.clone()));
    let site_fns: Option<Vec<usize>> = sites.iter().map(|(t, _, _)| fn_of(fns, *t)).collect();
    let call_fns: Option<Vec<usize>> = places
        .iter()
        .map(|&place| match place {
            Place::Fn(f) => Some(f),
            Place::Line(line) => fn_of(fns, lx.toks.iter().position(|t| t.line == line)?),
        })
        .collect();
    let (Some(site_fns), Some(call_fns)) = (site_fns, call_fns) else {
        return vec![whole; places.len()];
    };
    let graph = Graph::new(lx, fns);
    let probe_in = |set: &HashSet<usize>| {
        (sites.iter().zip(&site_fns))
            .find(|(_, f)| set.contains(f))
            .map(|((_, line, what), _)| (*line, what.clone()))
    };
    let builds = |f: usize| graph.reach(f).iter().any(|g| call_fns.contains(g));
    call_fns
        .iter()
        .map(|&f| {
            if let Some(probe) = probe_in(&graph.reach(f)) {
                return Some(probe);
            }
            let ancestors = graph.ancestors(f);
            ancestors.iter().find_map(|&a| {
                let helpers: HashSet<usize> = (graph.used[a].iter().copied())
                    .filter(|&d| !ancestors.contains(&d) && d != f && !builds(d))
                    .flat_map(|d| graph.reach(d))
                    .chain([a])
                    .collect();
                probe_in(&helpers)
            })
        })
        .collect()
}

/// Whether the call named at token `k` is a statement of its own (`f();`, `self.f()?;`): its
/// value is dropped.
fn bare(lx: &Lexed<'_>, k: usize) -> bool {
    let mut start = k;
    // `self.f(`, `Self::f(`, `module::f(`.
    loop {
        if start >= 2 && lx.punct(start - 1, b'.') {
            start -= 2;
        } else if start >= 3 && lx.path_sep(start - 2) {
            start -= 3;
        } else {
            break;
        }
    }
    let before = start.checked_sub(1);
    let opens = before.is_none_or(|b| lx.punct(b, b';') || lx.punct(b, b'{') || lx.punct(b, b'}'));
    let mut after = lx.matching(k + 1) + 1;
    if lx.punct(after, b'?') {
        after += 1;
    }
    opens && lx.punct(after, b';')
}

/// The innermost function whose body holds token `tok`.
fn fn_of(fns: &[FnDef<'_>], tok: usize) -> Option<usize> {
    (fns.iter().enumerate())
        .filter(|(_, f)| f.open < tok && tok < f.close)
        .min_by_key(|(_, f)| f.close - f.open)
        .map(|(i, _)| i)
}

/// Which of the script's functions each one calls (by name: `f(`, `self.f(`, `Self::f(`),
/// and of those the ones whose value it uses (not a call standing as a statement of its own,
/// `link_fa2_native_operator_artifact();`, whose probe feeds nothing after it).
struct Graph {
    callees: Vec<Vec<usize>>,
    used: Vec<Vec<usize>>,
}

impl Graph {
    fn new(lx: &Lexed<'_>, fns: &[FnDef<'_>]) -> Graph {
        let called = |f: &FnDef<'_>, used_only: bool| {
            let mut called: Vec<usize> = (f.open..f.close)
                .filter(|&k| lx.punct(k + 1, b'(') && !lx.is_ident(k.wrapping_sub(1), "fn"))
                .filter(|&k| !used_only || !bare(lx, k))
                .filter_map(|k| lx.ident(k))
                .flat_map(|name| (0..fns.len()).filter(move |&g| fns[g].name == name))
                .collect();
            called.sort_unstable();
            called.dedup();
            called
        };
        Graph {
            callees: fns.iter().map(|f| called(f, false)).collect(),
            used: fns.iter().map(|f| called(f, true)).collect(),
        }
    }

    /// `f` and every function it calls, directly or not.
    fn reach(&self, f: usize) -> HashSet<usize> {
        let mut seen = HashSet::from([f]);
        let mut todo = VecDeque::from([f]);
        while let Some(g) = todo.pop_front() {
            for &h in &self.callees[g] {
                if seen.insert(h) {
                    todo.push_back(h);
                }
            }
        }
        seen
    }

    /// The functions that call `f`, directly or not, nearest first (not `f`).
    fn ancestors(&self, f: usize) -> Vec<usize> {
        let mut found = Vec::new();
        let mut todo = VecDeque::from([f]);
        while let Some(g) = todo.pop_front() {
            for (caller, called) in self.callees.iter().enumerate() {
                if called.contains(&g) && caller != f && !found.contains(&caller) {
                    found.push(caller);
                    todo.push_back(caller);
                }
            }
        }
        found
    }
}
