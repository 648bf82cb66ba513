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
pub(crate) type Combination = Vec<(String, String)>;

/// More combinations than this are not written out (a step would be judged that many times).
const MAX_COMBINATIONS: usize = 256;

/// The combinations of a job's `strategy.matrix`, or `None` when it is absent or not
/// written out literally.
pub(crate) fn combinations(job: &Node) -> Option<Vec<Combination>> {
    let matrix = job.get("strategy")?.get("matrix")?.as_mapping()?;
    let mut axes: Vec<(String, Vec<Combination>)> = Vec::new();
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
                    .map(|v| leaves(&key, v))
                    .collect::<Option<Vec<Combination>>>()?;
                axes.push((key, values));
            }
        }
    }
    let mut product: Vec<Combination> = vec![Vec::new()];
    for (_, values) in &axes {
        if product.len().saturating_mul(values.len()) > MAX_COMBINATIONS {
            return None;
        }
        product = product
            .iter()
            .flat_map(|combo| {
                values.iter().map(move |v| {
                    let mut next = combo.clone();
                    next.extend(v.iter().cloned());
                    next
                })
            })
            .collect();
    }
    if axes.is_empty() {
        product.clear();
    }
    product.retain(|combo| !exclude.iter().any(|entry| matches(combo, entry)));
    // The keys the axes gave (an object's leaves by their dotted names).
    let original: Vec<String> = axes
        .iter()
        .flat_map(|(_, values)| values.iter().flatten().map(|(k, _)| k.clone()))
        .collect();
    let mut added: Vec<Combination> = Vec::new();
    for entry in &include {
        let mut fits_any = false;
        for combo in &mut product {
            let fits = entry
                .iter()
                .filter(|(k, _)| original.contains(k))
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

/// The entries of `include` or `exclude`: each a mapping, objects by their leaves.
fn entries(value: &Node) -> Option<Vec<Combination>> {
    value
        .as_sequence()?
        .iter()
        .map(|entry| {
            let mut combo = Combination::new();
            for (k, v) in entry.as_mapping()? {
                combo.extend(leaves(&k.scalar_text().unwrap_or_default(), v)?);
            }
            Some(combo)
        })
        .collect()
}

/// The value `node` gives `key`, as GitHub substitutes it: a scalar as itself, an object as
/// its leaves by dotted name (`target: {name: Linux}` gives `target.name`, which
/// `${{ matrix.target.name }}` reads), and a list as the word `Array` (the runner's text for
/// a list, as `Object` is for an object). `None` for an expression: such a matrix is not
/// written out.
fn leaves(key: &str, node: &Node) -> Option<Combination> {
    let text = match &node.kind {
        YamlKind::String(s) if s.contains("${{") => return None,
        YamlKind::String(s) | YamlKind::Number(s) => s.clone(),
        YamlKind::Bool(b) => b.to_string(),
        YamlKind::Null => String::new(),
        YamlKind::Sequence(_) => "Array".to_owned(),
        YamlKind::Mapping(_) => {
            let mut out = Combination::new();
            for (k, v) in node.as_mapping()? {
                let name = format!("{key}.{}", k.scalar_text().unwrap_or_default());
                out.extend(leaves(&name, v)?);
            }
            return Some(out);
        }
        _ => return None,
    };
    Some(vec![(key.to_owned(), text)])
}

/// Whether `combo` has every key/value of `entry`.
fn matches(combo: &Combination, entry: &Combination) -> bool {
    entry
        .iter()
        .all(|(k, v)| value(combo, k) == Some(v.as_str()))
}

/// The value of `key` in `combo`.
pub(crate) fn value<'c>(combo: &'c Combination, key: &str) -> Option<&'c str> {
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

/// `line` with each `${{ matrix.KEY }}` replaced by its value in `combo` (empty where the
/// combination lacks the key, as GitHub substitutes it).
pub(crate) fn substituted(line: &str, combo: &Combination) -> String {
    crate::shell::github_expressions_replaced(line, |expr| {
        let key = expr.strip_prefix("matrix.")?;
        Some(value(combo, key).unwrap_or(""))
    })
}

/// A combination as `key=value, …`, for a finding.
pub(crate) fn describe(combo: &Combination) -> String {
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

    /// An axis of objects (nushell's `target: [{name, options, steps: […]}]`) gives each
    /// object's leaves by dotted name, a list as `Array`; include and exclude name them the
    /// same way.
    #[test]
    fn objects_give_their_leaves_by_dotted_name() {
        let yaml = "strategy:\n  matrix:\n    target:\n      - {name: Ubuntu, options: MAIN_OPTIONS, steps: [fmt, test]}\n      \
                    - {name: Windows, options: WIN_OPTIONS}\n    feature-flag: ['', '--features x']\n    \
                    exclude:\n      - target: {name: Windows}\n        feature-flag: ''\n    \
                    include:\n      - target: {name: Ubuntu}\n        runner: linux\n";
        assert_eq!(
            combos(yaml).unwrap(),
            [
                "target.name=Ubuntu, target.options=MAIN_OPTIONS, target.steps=Array, feature-flag=, runner=linux",
                "target.name=Ubuntu, target.options=MAIN_OPTIONS, target.steps=Array, feature-flag=--features x, runner=linux",
                "target.name=Windows, target.options=WIN_OPTIONS, feature-flag=--features x",
            ]
        );
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
            combos("strategy:\n  matrix:\n    cfg: [{a: 1}, {a: '${{ inputs.a }}'}]\n"),
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
