//! What a `#[cfg(..)]` attribute of a build script says about cargo features, as a builder's
//! switch: `feature "cuda"`, `without feature "f64"`, `feature "cuda" and without feature
//! "hip"`, `feature "gpu" or feature "cuda"` (the forms `cuda::graph` weighs against a
//! resolve's features). The predicate is read whole, `all`, `any` and `not` at any depth; what
//! the switch language cannot say exactly it weakens to a condition the build still needs,
//! never to one it does not.

use super::guards::WITHOUT;
use super::lexed::Lexed;

/// A cfg predicate.
#[derive(Debug)]
enum Pred {
    /// `feature = "x"`.
    Feature(String),
    /// Any other option (`unix`, `target_os = "linux"`): the build machine's, not a feature.
    Other,
    /// `test`, never set where a build script or shipped code compiles.
    Never,
    /// `all(..)` (`true`) or `any(..)` (`false`).
    Group(bool, Vec<Pred>),
    /// `not(..)`.
    Not(Box<Pred>),
}

/// What a predicate needs of the features.
#[derive(Debug)]
enum Flat {
    /// Features each on (`false`) or off (`true`), all needed (`true`) or any one enough.
    Lits(bool, Vec<(String, bool)>),
    /// No feature in particular: it can hold with any (or it is the build machine's).
    Free,
    /// It never holds.
    Never,
}

/// The switch of the attribute whose `cfg` is token `cfg` and whose `]` is token `close`:
/// `None` when its predicate needs no feature (`unix`, `any(feature = "a", unix)`).
pub(super) fn switch_of(lx: &Lexed<'_>, cfg: usize, close: usize) -> Option<String> {
    if !lx.punct(cfg + 1, b'(') || lx.matching(cfg + 1) >= close {
        return None;
    }
    let (pred, _) = parse(lx, cfg + 2, 0)?;
    let Flat::Lits(all, found) = flatten(&pred, false) else {
        return None;
    };
    let mut lits: Vec<String> = Vec::new();
    for (feature, off) in found {
        let lit = format!("{}feature \"{feature}\"", if off { WITHOUT } else { "" });
        if !lits.contains(&lit) {
            lits.push(lit);
        }
    }
    Some(lits.join(if all { " and " } else { " or " }))
}

/// The predicate starting at token `i` and the token after it (`None`: not a predicate, or
/// nested deeper than anyone writes).
fn parse(lx: &Lexed<'_>, i: usize, depth: usize) -> Option<(Pred, usize)> {
    let word = lx.ident(i)?;
    if depth > 16 {
        return None;
    }
    if matches!(word, "all" | "any" | "not") && lx.punct(i + 1, b'(') {
        let close = lx.matching(i + 1);
        let mut items = Vec::new();
        let mut k = i + 2;
        while k < close {
            let (item, next) = parse(lx, k, depth + 1)?;
            items.push(item);
            k = if lx.punct(next, b',') { next + 1 } else { next };
        }
        let pred = match word {
            "not" => Pred::Not(Box::new(items.into_iter().next()?)),
            _ => Pred::Group(word == "all", items),
        };
        return Some((pred, close + 1));
    }
    if lx.punct(i + 1, b'=') {
        let value = lx.str_value(i + 2)?;
        let pred = if word == "feature" {
            Pred::Feature(value.to_owned())
        } else {
            Pred::Other
        };
        return Some((pred, i + 3));
    }
    Some((
        if word == "test" {
            Pred::Never
        } else {
            Pred::Other
        },
        i + 1,
    ))
}

/// `pred` (negated where `off`) as a switch. A group the flat switch cannot nest is
/// weakened: a part of an `all` it cannot say is left out, and of an `all` inside an `any` its
/// first feature kept (each is still needed).
fn flatten(pred: &Pred, off: bool) -> Flat {
    match pred {
        Pred::Feature(f) => Flat::Lits(true, vec![(f.clone(), off)]),
        Pred::Other => Flat::Free,
        Pred::Never if off => Flat::Free,
        Pred::Never => Flat::Never,
        Pred::Not(inner) => flatten(inner, !off),
        Pred::Group(all, items) => {
            let kids: Vec<Flat> = items.iter().map(|p| flatten(p, off)).collect();
            if *all != off {
                both(kids)
            } else {
                either(kids)
            }
        }
    }
}

/// Every one of `kids` needed: those that are a conjunction of their own are kept.
fn both(kids: Vec<Flat>) -> Flat {
    let mut lits = Vec::new();
    for kid in kids {
        match kid {
            Flat::Never => return Flat::Never,
            Flat::Lits(all, found) if all || found.len() == 1 => lits.extend(found),
            Flat::Lits(..) | Flat::Free => {}
        }
    }
    if lits.is_empty() {
        Flat::Free
    } else {
        Flat::Lits(true, lits)
    }
}

/// Any one of `kids` enough: each that can hold must name a feature.
fn either(kids: Vec<Flat>) -> Flat {
    let mut lits = Vec::new();
    for kid in kids {
        match kid {
            Flat::Free => return Flat::Free,
            Flat::Never => {}
            Flat::Lits(true, found) => lits.extend(found.into_iter().take(1)),
            Flat::Lits(false, found) => lits.extend(found),
        }
    }
    if lits.is_empty() {
        Flat::Never
    } else {
        Flat::Lits(false, lits)
    }
}

/// What switches on a build inside a helper: the guards of the call (`outer`) and those
/// inside the helper (`inner`), each needed (coreylowman/dfdx: `#[cfg(feature = "cuda")]`
/// at the call, `#[cfg(not(feature = "ci-check"))]` around nvcc inside). A `-D` define the
/// helper switches on stays first: `D if OUTER and INNER`. Where either says `or`, the
/// switch language cannot join them (its `or` reads the whole switch): the call's alone,
/// still a condition the build needs.
pub(super) fn call_and_helper(outer: Option<String>, inner: Option<&str>) -> Option<String> {
    let (Some(outer), Some(inner)) = (outer.as_deref(), inner) else {
        return outer.or_else(|| inner.map(str::to_owned));
    };
    if outer.contains(" or ") || inner.contains(" or ") {
        return Some(outer.to_owned());
    }
    let (define, inner) = match inner.split_once(" if ") {
        Some((define, guards)) => (Some(define), guards),
        None => (None, inner),
    };
    let mut parts: Vec<&str> = outer.split(" and ").collect();
    for part in inner.split(" and ") {
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    let guards = parts.join(" and ");
    Some(match define {
        Some(define) => format!("{define} if {guards}"),
        None => guards,
    })
}

#[cfg(test)]
mod tests {
    use super::switch_of;
    use crate::scripts::lexed::Lexed;

    /// The switch of `#[cfg(PRED)]`.
    fn of(pred: &str) -> Option<String> {
        let text = format!("#[cfg({pred})]\nfn f() {{}}\n");
        let lx = Lexed::new(&text);
        let cfg = (0..lx.toks.len()).find(|&i| lx.is_ident(i, "cfg")).unwrap();
        switch_of(&lx, cfg, lx.matching(cfg - 1))
    }

    #[test]
    fn a_cfg_reads_whole() {
        let cases = [
            (r#"feature = "cuda""#, Some(r#"feature "cuda""#)),
            (r#"not(feature = "f64")"#, Some(r#"without feature "f64""#)),
            // heclack/lumi: the CUDA build where HIP is off; it was unconditional.
            (
                r#"all(feature = "cuda", not(feature = "hip"))"#,
                Some(r#"feature "cuda" and without feature "hip""#),
            ),
            // Only the first feature was kept: `cuda` alone builds it too.
            (
                r#"any(feature = "gpu", feature = "cuda")"#,
                Some(r#"feature "gpu" or feature "cuda""#),
            ),
            (
                r#"all(feature = "cuda", target_os = "linux")"#,
                Some(r#"feature "cuda""#),
            ),
            (r#"any(feature = "cuda", unix)"#, None),
            (r#"target_os = "linux""#, None),
            (
                r#"not(any(feature = "a", feature = "b"))"#,
                Some(r#"without feature "a" and without feature "b""#),
            ),
            (
                r#"not(all(feature = "a", feature = "b"))"#,
                Some(r#"without feature "a" or without feature "b""#),
            ),
            (
                r#"all(feature = "a", any(feature = "b", feature = "c"))"#,
                Some(r#"feature "a""#),
            ),
            (
                r#"any(all(feature = "a", feature = "b"), feature = "c")"#,
                Some(r#"feature "a" or feature "c""#),
            ),
            (r#"not(not(feature = "a"))"#, Some(r#"feature "a""#)),
            // openvm: a build script is never compiled for its tests.
            (
                r#"any(test, feature = "test-utils")"#,
                Some(r#"feature "test-utils""#),
            ),
            (r#"all(test, feature = "a")"#, None),
            (r#"not(test)"#, None),
        ];
        for (pred, want) in cases {
            assert_eq!(of(pred).as_deref(), want, "{pred}");
        }
    }
}
