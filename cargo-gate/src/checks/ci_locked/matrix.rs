//! A GitHub job's `strategy.matrix`, written out: the combinations GitHub runs, so that
//! `${{ matrix.NAME }}` in a step can be judged for each value it takes.
//!
//! GitHub's rules, as its documentation states them: the axes (every key but `include` and
//! `exclude`, each a list of values) give their cartesian product; each `exclude` entry
//! removes the combinations that match every key it names; then each `include` entry is added
//! to every combination whose original values it does not overwrite (it may overwrite values
//! an earlier include added), and becomes a combination of its own where it fits none. A
//! matrix that is not written out literally (an expression such as `${{ fromJson(…) }}`, an
//! axis of objects) has no combinations here: its expressions stay unexpandable, as before.

use crate::yaml::{Kind as YamlKind, Node};

/// One combination: each matrix key with its value, as text.
pub(super) type Combination = Vec<(String, String)>;

/// More combinations than this are not written out (a step would be judged that many times).
const MAX_COMBINATIONS: usize = 256;

/// The combinations of a job's `strategy.matrix`, or `None` when it is absent or not
/// written out literally.
pub(super) fn combinations(job: &Node) -> Option<Vec<Combination>> {
    let matrix = job.get("strategy")?.get("matrix")?.as_mapping()?;
    let mut axes: Vec<(String, Vec<String>)> = Vec::new();
    let (mut include, mut exclude) = (Vec::new(), Vec::new());
    for (key, value) in matrix {
        let key = key.scalar_text().unwrap_or_default();
        match key.as_str() {
            "include" => include = entries(value)?,
            "exclude" => exclude = entries(value)?,
            _ => {
                let values = value
                    .as_sequence()?
                    .iter()
                    .map(scalar)
                    .collect::<Option<Vec<String>>>()?;
                axes.push((key, values));
            }
        }
    }
    let mut product: Vec<Combination> = vec![Vec::new()];
    for (key, values) in &axes {
        if product.len().saturating_mul(values.len()) > MAX_COMBINATIONS {
            return None;
        }
        product = product
            .iter()
            .flat_map(|combo| {
                values.iter().map(move |v| {
                    let mut next = combo.clone();
                    next.push((key.clone(), v.clone()));
                    next
                })
            })
            .collect();
    }
    if axes.is_empty() {
        product.clear();
    }
    product.retain(|combo| !exclude.iter().any(|entry| matches(combo, entry)));
    let original: Vec<&str> = axes.iter().map(|(k, _)| k.as_str()).collect();
    let mut added: Vec<Combination> = Vec::new();
    for entry in &include {
        let mut fits_any = false;
        for combo in &mut product {
            let fits = entry
                .iter()
                .filter(|(k, _)| original.contains(&k.as_str()))
                .all(|(k, v)| value(combo, k) == Some(v.as_str()));
            if fits {
                fits_any = true;
                for (k, v) in entry {
                    set(combo, k, v);
                }
            }
        }
        if !fits_any {
            added.push(entry.clone());
        }
    }
    product.extend(added);
    (!product.is_empty() && product.len() <= MAX_COMBINATIONS).then_some(product)
}

/// The entries of `include` or `exclude`: each a mapping of scalars.
fn entries(value: &Node) -> Option<Vec<Combination>> {
    value
        .as_sequence()?
        .iter()
        .map(|entry| {
            entry
                .as_mapping()?
                .iter()
                .map(|(k, v)| Some((k.scalar_text().unwrap_or_default(), scalar(v)?)))
                .collect()
        })
        .collect()
}

/// A scalar value as GitHub substitutes it; `None` for a list, an object or an expression.
fn scalar(node: &Node) -> Option<String> {
    match &node.kind {
        YamlKind::String(s) if s.contains("${{") => None,
        YamlKind::String(s) | YamlKind::Number(s) => Some(s.clone()),
        YamlKind::Bool(b) => Some(b.to_string()),
        YamlKind::Null => Some(String::new()),
        _ => None,
    }
}

/// Whether `combo` has every key/value of `entry`.
fn matches(combo: &Combination, entry: &Combination) -> bool {
    entry
        .iter()
        .all(|(k, v)| value(combo, k) == Some(v.as_str()))
}

/// The value of `key` in `combo`.
pub(super) fn value<'c>(combo: &'c Combination, key: &str) -> Option<&'c str> {
    combo
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn set(combo: &mut Combination, key: &str, to: &str) {
    match combo.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => to.clone_into(v),
        None => combo.push((key.to_owned(), to.to_owned())),
    }
}

/// A combination as `key=value, …`, for a finding.
pub(super) fn describe(combo: &Combination) -> String {
    combo
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn combos(yaml: &str) -> Option<Vec<String>> {
        let doc = crate::yaml::parse(yaml).unwrap();
        combinations(&doc).map(|c| c.iter().map(describe).collect())
    }

    /// GitHub's documented example: include extends the combinations it fits and adds the
    /// ones it fits nowhere; exclude removes before include adds.
    #[test]
    fn include_and_exclude_follow_githubs_rules() {
        let yaml = "strategy:\n  matrix:\n    fruit: [apple, pear]\n    animal: [cat, dog]\n    \
                    include:\n      - color: green\n      - color: pink\n        animal: cat\n      \
                    - fruit: apple\n        shape: circle\n      - fruit: banana\n      \
                    - fruit: banana\n        animal: cat\n";
        assert_eq!(
            combos(yaml).unwrap(),
            [
                "fruit=apple, animal=cat, color=pink, shape=circle",
                "fruit=apple, animal=dog, color=green, shape=circle",
                "fruit=pear, animal=cat, color=pink",
                "fruit=pear, animal=dog, color=green",
                "fruit=banana",
                "fruit=banana, animal=cat",
            ]
        );
        let yaml = "strategy:\n  matrix:\n    os: [linux, windows]\n    flags: ['--locked', '']\n    \
                    exclude:\n      - os: windows\n        flags: ''\n";
        assert_eq!(
            combos(yaml).unwrap(),
            [
                "os=linux, flags=--locked",
                "os=linux, flags=",
                "os=windows, flags=--locked"
            ]
        );
        // Only include: each entry is a combination.
        let yaml = "strategy:\n  matrix:\n    include:\n      - target: a\n      - target: b\n";
        assert_eq!(combos(yaml).unwrap(), ["target=a", "target=b"]);
    }

    /// What is not written out literally has no combinations: its expressions stay unknown.
    #[test]
    fn a_matrix_not_written_out_is_not_expanded() {
        assert_eq!(
            combos("strategy:\n  matrix: ${{ fromJson(needs.plan.outputs.m) }}\n"),
            None
        );
        assert_eq!(
            combos("strategy:\n  matrix:\n    target: ${{ fromJson(inputs.t) }}\n"),
            None
        );
        assert_eq!(
            combos("strategy:\n  matrix:\n    cfg: [{a: 1}, {a: 2}]\n"),
            None
        );
        assert_eq!(combos("runs-on: x\n"), None);
        let wide = format!(
            "strategy:\n  matrix:\n    a: [{}]\n    b: [{}]\n",
            (0..20)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            (0..20)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_eq!(combos(&wide), None);
    }
}
