//! GitLab CI (`.gitlab-ci.yml`): every job's `script`, `before_script` and `after_script`
//! (nested lists from anchors flattened; hidden `.template` jobs included, since jobs
//! `extends` them; templates merged in with `<<` followed), and the top-level and `default:`
//! `before_script`/`after_script`, read from the YAML tree. Their lines are found in the raw
//! text by searching onward from each script item.

use crate::model::{Script, key_name};
use crate::yaml::{Kind as YamlKind, Node};

/// Where the GitLab CI configuration lives.
pub const GITLAB_FILE: &str = ".gitlab-ci.yml";

/// GitLab top-level keys that are not jobs.
const GITLAB_KEYWORDS: &[&str] = &[
    "after_script",
    "before_script",
    "cache",
    "default",
    "image",
    "include",
    "services",
    "stages",
    "variables",
    "workflow",
    "spec",
];

pub(crate) fn gitlab_scripts(doc: &Node, out: &mut Vec<Script>) {
    let Some(top) = doc.as_mapping() else {
        return;
    };
    for (key, body) in top {
        let name = key_name(key);
        match name.as_str() {
            "before_script" | "after_script" => {
                script_items(body, &format!("top-level `{name}`"), None, out);
            }
            "default" => {
                for part in ["before_script", "after_script"] {
                    if let Some(items) = body.get(part) {
                        script_items(items, &format!("`default:{part}`"), None, out);
                    }
                }
            }
            _ if GITLAB_KEYWORDS.contains(&name.as_str()) => {}
            _ => job_scripts(body, &name, false, 0, out),
        }
    }
}

/// A GitLab job's scripts in document order, and those
/// of the templates it merges in with `<<`, which are written earlier in the file.
fn job_scripts(body: &Node, name: &str, merged: bool, depth: usize, out: &mut Vec<Script>) {
    let Some(job) = body.as_mapping() else {
        return;
    };
    for (part, items) in job {
        let part = key_name(part);
        match part.as_str() {
            "script" | "before_script" | "after_script" => {
                let context = if merged {
                    format!("job `{name}`, `{part}` merged in with `<<`")
                } else {
                    format!("job `{name}`, `{part}`")
                };
                script_items(items, &context, Some(name), out);
            }
            // The parser has already replaced the alias by a copy; a bound on the depth keeps a
            // pathological document from recursing without end.
            "<<" if depth < 16 => {
                let templates: Vec<&Node> = match &items.kind {
                    YamlKind::Sequence(all) => all.iter().collect(),
                    _ => vec![items],
                };
                for template in templates {
                    job_scripts(template, name, true, depth + 1, out);
                }
            }
            _ => {}
        }
    }
}

/// A script entry: a string, or a list of them (nested lists come from anchors).
/// `!reference [...]` tags are not followed: the script they name is judged where it is
/// written.
fn script_items(value: &Node, context: &str, job: Option<&str>, out: &mut Vec<Script>) {
    match &value.kind {
        YamlKind::String(text) => out.push(Script {
            context: context.to_owned(),
            text: text.clone(),
            at: value.offset,
            job: job.map(str::to_owned),
            ..Script::default()
        }),
        YamlKind::Sequence(items) => {
            for item in items {
                script_items(item, context, job, out);
            }
        }
        _ => {}
    }
}
