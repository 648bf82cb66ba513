//! The recipes a CI command runs through a task runner: `make [TARGET…]` (a `Makefile`'s
//! rules) and `just [RECIPE…]` (a `justfile`'s recipes). Their lines are shell commands that
//! CI runs as surely as its own, so `ci.locked` judges their cargo calls at the file's own
//! line and column.
//!
//! A file is read into a *masked* copy of the same length: every line that is not a recipe
//! line of a target the command runs (or one of its prerequisites, followed a few levels) is
//! blanked, the recipe prefixes (`@`, `-`, `+`) are blanked, and each `$(NAME)` (make) or
//! `{{NAME}}` (just) becomes `${NAME}` padded to the same length, so the shell reader sees
//! variables it knows and every offset still points into the file as written. An
//! interpolation that is not a plain name stays an expansion the gate cannot expand. The
//! file's own variable assignments (`NAME = value`, `?=`, `:=`; just's `NAME := "value"`),
//! with the command line's `NAME=value` over them, are the variables its recipes see.
//! Each recipe line runs in a shell of its own, as make and just run them.

use crate::shell::unquote;
use std::collections::BTreeSet;

/// Which task runner reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Runner {
    Make,
    Just,
}

impl Runner {
    /// The file names the runner looks for in a directory, in its order.
    pub(crate) fn file_names(self) -> &'static [&'static str] {
        match self {
            Runner::Make => &["GNUmakefile", "makefile", "Makefile"],
            Runner::Just => &["justfile", "Justfile", ".justfile"],
        }
    }
}

/// How deep prerequisites are followed.
const MAX_DEPTH: usize = 8;

/// A recipe file read for the targets a command runs.
#[derive(Debug)]
pub(crate) struct Masked {
    /// The file with everything but the recipe lines that run blanked (same length).
    pub(crate) text: String,
    /// The variables its recipes see: the file's assignments, the command line's over them.
    pub(crate) vars: Vec<(String, String)>,
    /// The targets that run, in the order they were reached.
    pub(crate) ran: Vec<String>,
    /// The recipes that run in a directory of their own (just's `[working-directory: 'D']`,
    /// relative to the file's): the byte range of their lines, and the directory.
    pub(crate) dirs: Vec<(std::ops::Range<usize>, String)>,
}

/// A rule or recipe: its name(s), prerequisites, and the byte ranges of its recipe lines.
#[derive(Debug, Default)]
struct Rule {
    names: Vec<String>,
    prerequisites: Vec<String>,
    lines: Vec<std::ops::Range<usize>>,
    /// A just recipe's parameters: name, default, and whether it is variadic (`*args`,
    /// empty when none are given).
    params: Vec<(String, Option<String>, bool)>,
    /// A just recipe's `[working-directory: 'D']`.
    dir: Option<String>,
}

/// Reads `text` (a file `runner` reads) for `targets` (none: the default target) with the
/// command line's variables `given`.
pub(crate) fn mask(
    runner: Runner,
    text: &str,
    targets: &[String],
    given: &[(String, String)],
) -> Masked {
    let (rules, mut vars) = match runner {
        Runner::Make => make_rules(text),
        Runner::Just => just_rules(text),
    };
    vars.extend(given.iter().cloned());
    let mut wanted: Vec<String> = targets.to_vec();
    // `just RECIPE ARGS…`: the words after a recipe that takes parameters are its arguments.
    let mut args: Vec<String> = Vec::new();
    if let Some(first) = wanted.first()
        && rules
            .iter()
            .any(|r| r.names.contains(first) && !r.params.is_empty())
    {
        args = wanted.split_off(1);
    }
    if wanted.is_empty() {
        let default = match runner {
            Runner::Just => rules
                .iter()
                .find(|r| r.names.iter().any(|n| n == "default")),
            Runner::Make => None,
        }
        // make's default goal is its first rule that is not a pattern.
        .or_else(|| {
            rules
                .iter()
                .find(|r| !r.names.iter().any(|n| n.contains('%')))
        });
        if let Some(rule) = default {
            wanted.push(rule.names[0].clone());
        }
    }
    let mut ran: Vec<String> = Vec::new();
    let mut keep: BTreeSet<usize> = BTreeSet::new();
    let mut queue: Vec<(String, usize)> = wanted.into_iter().map(|t| (t, 0)).collect();
    while let Some((target, depth)) = queue.pop() {
        if ran.contains(&target) || depth > MAX_DEPTH {
            continue;
        }
        let Some((index, stem)) = rule_for(&rules, &target) else {
            continue;
        };
        // Its parameters: the command's arguments for the recipe it names, else their
        // defaults (a variadic one is empty).
        let mut given = if ran.is_empty() {
            std::mem::take(&mut args).into_iter()
        } else {
            Vec::new().into_iter()
        };
        for (name, default, variadic) in &rules[index].params {
            let value = if *variadic {
                Some(given.by_ref().collect::<Vec<_>>().join(" "))
            } else {
                given.next().or_else(|| default.clone())
            };
            if let Some(value) = value {
                vars.push((name.clone(), value));
            }
        }
        ran.push(target);
        keep.insert(index);
        for prerequisite in rules[index].prerequisites.iter().rev() {
            // A pattern rule's `%` stands for the stem its target matched.
            let prerequisite = match &stem {
                Some(stem) => prerequisite.replace('%', stem),
                None => prerequisite.clone(),
            };
            queue.push((prerequisite, depth + 1));
        }
    }
    let mut masked: Vec<u8> = text
        .bytes()
        .map(|b| if b == b'\n' || b == b'\r' { b } else { b' ' })
        .collect();
    for &index in &keep {
        let mut continued = false;
        for range in &rules[index].lines {
            let line = &text[range.clone()];
            let body = line.trim_start();
            let mut start = range.start + (line.len() - body.len());
            // Recipe prefixes, at the start of a command (not of a line that continues one):
            // `@` (silent), `-` (ignore errors), `+` (always run).
            while !continued
                && start < range.end
                && matches!(text.as_bytes()[start], b'@' | b'-' | b'+')
            {
                start += 1;
            }
            masked[start..range.end].copy_from_slice(&text.as_bytes()[start..range.end]);
            continued = line.ends_with('\\');
        }
    }
    let mut text = String::from_utf8(masked).unwrap_or_default();
    interpolations_as_variables(&mut text, runner);
    let dirs = keep
        .iter()
        .filter_map(|&index| {
            let rule = &rules[index];
            let dir = rule.dir.clone()?;
            let start = rule.lines.first()?.start;
            let end = rule.lines.last()?.end;
            Some((start..end, dir))
        })
        .collect();
    Masked {
        text,
        vars,
        ran,
        dirs,
    }
}

/// `$(NAME)` (make) or `{{NAME}}` / `{{ NAME }}` (just) rewritten in place as `${NAME}`,
/// padded with blanks to the same length; any other interpolation (`$(shell …)`,
/// `{{ if … }}`) as a `$` followed by `_`, one word the gate cannot expand.
fn interpolations_as_variables(text: &mut String, runner: Runner) {
    let (open, close) = match runner {
        Runner::Make => ("$(", ")"),
        Runner::Just => ("{{", "}}"),
    };
    // Rewritten in place, byte for byte (each replacement has the length of what it
    // replaces, and is ASCII where it replaces ASCII delimiters), in one pass.
    let mut bytes = std::mem::take(text).into_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&bytes[from..], open.as_bytes()).map(|i| from + i) {
        let inner_start = at + open.len();
        let Some(inner_len) = memchr::memmem::find(&bytes[inner_start..], close.as_bytes()) else {
            break;
        };
        let end = inner_start + inner_len + close.len();
        let inner = &bytes[inner_start..inner_start + inner_len];
        if inner.contains(&b'\n') {
            from = inner_start;
            continue;
        }
        let name = inner.trim_ascii();
        let simple =
            !name.is_empty() && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_');
        let replacement = if simple {
            let word = format!("${{{}}}", String::from_utf8_lossy(name));
            format!("{word:<width$}", width = end - at)
        } else {
            format!("${:_<width$}", "", width = end - at - 1)
        };
        bytes[at..end].copy_from_slice(replacement.as_bytes());
        from = end;
    }
    *text = String::from_utf8(bytes).unwrap_or_default();
}

/// A variable assignment line (`NAME = value`, `NAME ?= value`, `NAME := value`, `NAME ::=
/// value`, with an optional `export`): the name and value.
fn assignment(line: &str) -> Option<(String, String)> {
    let line = line.strip_prefix("export ").unwrap_or(line).trim();
    for operator in ["::=", ":=", "?=", "+=", "="] {
        if let Some((name, value)) = line.split_once(operator) {
            let name = name.trim();
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Some((name.to_owned(), unquote(value.trim()).to_owned()));
            }
            return None;
        }
    }
    None
}

/// The lines of `text` with their byte ranges (without the line terminator).
fn lines_with_ranges(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, &str)> {
    let mut pos = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = pos;
        pos += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        (start..start + line.len(), line)
    })
}

/// The rule that makes `target`: the one that names it, else a pattern rule it matches
/// (`$(APP_NAME)-%` for `$(APP_NAME)-universal`, alacritty's `dmg-universal`), with the stem.
fn rule_for(rules: &[Rule], target: &str) -> Option<(usize, Option<String>)> {
    if let Some(index) = rules
        .iter()
        .position(|r| r.names.iter().any(|n| n == target))
    {
        return Some((index, None));
    }
    rules.iter().enumerate().find_map(|(index, rule)| {
        rule.names.iter().find_map(|name| {
            let (before, after) = name.split_once('%')?;
            let stem = target.strip_prefix(before)?.strip_suffix(after)?;
            (!stem.is_empty()).then(|| (index, Some(stem.to_owned())))
        })
    })
}

/// A Makefile's rules (a `targets: prerequisites` line at column 0, then its tab-indented
/// recipe lines, a `\` continuing one) and variable assignments. Special targets (`.PHONY`)
/// are not targets a command names; a pattern rule (`%.o: %.c`) makes what it matches.
fn make_rules(text: &str) -> (Vec<Rule>, Vec<(String, String)>) {
    let mut rules: Vec<Rule> = Vec::new();
    let mut vars = Vec::new();
    let mut current: Option<usize> = None;
    let mut continued = false;
    for (range, line) in lines_with_ranges(text) {
        if continued || line.starts_with('\t') {
            if let Some(index) = current {
                rules[index].lines.push(range);
            }
            continued = line.ends_with('\\');
            continue;
        }
        continued = false;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(var) = assignment(trimmed) {
            vars.push(var);
            current = None;
            continue;
        }
        let Some((names, rest)) = trimmed.split_once(':') else {
            current = None;
            continue;
        };
        let names: Vec<String> = names
            .split_whitespace()
            .filter(|n| !n.starts_with('.'))
            .map(str::to_owned)
            .collect();
        if names.is_empty() {
            current = None;
            continue;
        }
        let prerequisites = rest
            .split(['|', ';'])
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        rules.push(Rule {
            names,
            prerequisites,
            lines: Vec::new(),
            params: Vec::new(),
            dir: None,
        });
        current = Some(rules.len() - 1);
    }
    (rules, vars)
}

/// A justfile's recipes (a `name params…: dependencies` line at column 0, an optional `@`
/// before the name, then its indented lines) and assignments (`name := value`). Attribute
/// lines (`[linux]`), settings (`set …`) and aliases are not recipes.
fn just_rules(text: &str) -> (Vec<Rule>, Vec<(String, String)>) {
    let mut rules: Vec<Rule> = Vec::new();
    let mut vars = Vec::new();
    let mut current: Option<usize> = None;
    // The `[working-directory: 'D']` attribute of the next recipe.
    let mut dir: Option<String> = None;
    for (range, line) in lines_with_ranges(text) {
        let trimmed = line.trim();
        if let Some(attributes) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            for attribute in attributes.split(',') {
                if let Some((name, value)) = attribute.split_once(':')
                    && name.trim() == "working-directory"
                {
                    dir = Some(unquote(value.trim()).to_owned());
                }
            }
            current = None;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(index) = current
                && !trimmed.is_empty()
                && !trimmed.starts_with('#')
            {
                rules[index].lines.push(range);
            }
            continue;
        }
        current = None;
        if trimmed.is_empty()
            || trimmed.starts_with('#')
            || trimmed.starts_with('[')
            || trimmed.starts_with("set ")
            || trimmed.starts_with("alias ")
            || trimmed.starts_with("import ")
            || trimmed.starts_with("mod ")
        {
            continue;
        }
        if trimmed.contains(":=") {
            if let Some(var) = assignment(trimmed) {
                vars.push(var);
            }
            continue;
        }
        let Some((head, rest)) = trimmed.split_once(':') else {
            continue;
        };
        let mut words = head.split_whitespace();
        let Some(name) = words.next().map(|n| n.trim_start_matches('@')) else {
            continue;
        };
        let params = words
            .map(|param| {
                let variadic = param.starts_with(['*', '+']);
                let param = param.trim_start_matches(['*', '+', '$']);
                match param.split_once('=') {
                    Some((name, default)) => {
                        (name.to_owned(), Some(unquote(default).to_owned()), variadic)
                    }
                    None => (param.to_owned(), None, variadic),
                }
            })
            .collect();
        let prerequisites = rest
            .split("&&")
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .map(|d| d.trim_start_matches('(').to_owned())
            .filter(|d| !d.is_empty() && !d.ends_with(')') && !d.starts_with('"'))
            .collect();
        rules.push(Rule {
            names: vec![name.to_owned()],
            prerequisites,
            lines: Vec::new(),
            params,
            dir: dir.take(),
        });
        current = Some(rules.len() - 1);
    }
    (rules, vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(masked: &Masked) -> Vec<&str> {
        masked
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn make_targets_and_their_prerequisites_run_with_the_files_variables() {
        let text = "CARGO ?= cargo\nFLAGS := --locked\n.PHONY: test lint\n\nall: build\n\ntest: build\n\t@$(CARGO) test $(FLAGS)\n\t-cargo doc \\\n\t  --no-deps\n\nbuild:\n\tcargo build $(shell echo x)\n\nlint:\n\tcargo clippy\n";
        let masked = mask(Runner::Make, text, &["test".to_owned()], &[]);
        assert_eq!(masked.text.len(), text.len());
        assert_eq!(masked.ran, ["test", "build"]);
        assert_eq!(
            kept(&masked),
            [
                "${CARGO} test ${FLAGS}",
                "cargo doc \\",
                "--no-deps",
                "cargo build $______________"
            ]
        );
        assert_eq!(
            masked.vars,
            [
                ("CARGO".to_owned(), "cargo".to_owned()),
                ("FLAGS".to_owned(), "--locked".to_owned())
            ]
        );
        // No target: the first rule; a command-line variable wins.
        let masked = mask(
            Runner::Make,
            text,
            &[],
            &[("FLAGS".to_owned(), String::new())],
        );
        assert_eq!(masked.ran, ["all", "build"]);
        assert_eq!(masked.vars.last().unwrap().1, "");
    }

    /// alacritty: `dmg-universal` needs `$(APP_NAME)-universal`, which a pattern rule makes
    /// from `$(TARGET)-universal`, whose recipe builds; a pattern rule is no default goal.
    #[test]
    fn pattern_rules_make_what_they_match() {
        let text = "TARGET = app\nAPP_NAME = App.app\n\n%.o: %.c\n\tcc -c $<\ndmg-universal: $(APP_NAME)-universal\n$(APP_NAME)-%: $(TARGET)-%\n\t@echo packing\n$(TARGET)-universal:\n\tcargo build --release\n";
        let masked = mask(Runner::Make, text, &["dmg-universal".to_owned()], &[]);
        assert_eq!(
            masked.ran,
            [
                "dmg-universal",
                "$(APP_NAME)-universal",
                "$(TARGET)-universal"
            ]
        );
        assert_eq!(kept(&masked), ["echo packing", "cargo build --release"]);
        let masked = mask(Runner::Make, text, &[], &[]);
        assert_eq!(masked.ran[0], "dmg-universal");
    }

    /// A hostile Makefile (the 1 MiB a CI file may be, every byte an interpolation or a
    /// prerequisite) is read in one pass.
    #[test]
    fn a_hostile_makefile_is_read_in_one_pass() {
        let mut text = String::from("all: a0\n\tcargo build");
        while text.len() < 1 << 20 {
            text.push_str(" $(X) $(shell y) é");
        }
        text.push('\n');
        for i in 0..5_000 {
            text.push_str(&format!("a{i}: a{} a0\n\tcargo test\n", i + 1));
        }
        let masked = mask(Runner::Make, &text, &[], &[]);
        assert_eq!(masked.text.len(), text.len());
        assert_eq!(masked.ran.len(), 1 + MAX_DEPTH);
        assert!(masked.text.contains("${X} $_________ é"));
    }

    #[test]
    fn just_recipes_their_dependencies_and_interpolations() {
        let text = "set shell := [\"bash\", \"-c\"]\nflags := \"--locked\"\n\n# the default\ndefault: test\n\n[linux]\ntest *args: build\n    cargo test {{flags}} {{args}}\n    @cargo doc {{ if os() == \"linux\" { \"--locked\" } else { \"\" } }}\n\nbuild:\n\tcargo build\n";
        let masked = mask(Runner::Just, text, &[], &[]);
        assert_eq!(masked.text.len(), text.len());
        assert_eq!(masked.ran, ["default", "test", "build"]);
        let lines = kept(&masked);
        assert_eq!(lines[0], "cargo test ${flags}  ${args}");
        // Reached as a dependency, `*args` is empty.
        assert!(masked.vars.contains(&("args".to_owned(), String::new())));
        assert!(lines[1].starts_with("cargo doc $___"), "{}", lines[1]);
        assert_eq!(lines[2], "cargo build");
        assert_eq!(masked.vars[0], ("flags".to_owned(), "--locked".to_owned()));
        let text_dirs = "[working-directory: 'publish']\nbuild:\n  cargo build\n";
        let masked = mask(Runner::Just, text_dirs, &[], &[]);
        assert_eq!(masked.dirs.len(), 1);
        assert_eq!(masked.dirs[0].1, "publish");
        assert_eq!(&text_dirs[masked.dirs[0].0.clone()], "  cargo build");
        // Named with arguments: they are its parameters'.
        let masked = mask(
            Runner::Just,
            text,
            &["test".to_owned(), "--frozen".to_owned(), "-q".to_owned()],
            &[],
        );
        assert_eq!(masked.ran, ["test", "build"]);
        assert!(
            masked
                .vars
                .contains(&("args".to_owned(), "--frozen -q".to_owned()))
        );
    }
}
