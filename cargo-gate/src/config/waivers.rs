//! The `[[waiver]]` tables validated: each names a check that exists, a finding it can
//! match (a code, a glob, a line, a path scope), who is accountable and until when, and
//! every problem is recorded with its place in the file.

use super::model::{Config, Known, MAX_WAIVER_DAYS_LIMIT};
use super::raw;
use super::section::Spanned;
use super::validator::{ConfigError, Validator, line_col};
use gate_formats::report::Waiver;
use gate_support::date::Date;

/// One `[[waiver]]`, validated: every problem is recorded in `v`. The waiver is returned even
/// when invalid (the errors stop the run anyway), so waiver indices stay the positions of
/// the `[[waiver]]` tables in the file.
pub(super) fn waiver_entry(
    v: &mut Validator<'_>,
    config: &Config,
    known: &Known<'_>,
    index: usize,
    header: std::ops::Range<usize>,
    waiver: raw::RawWaiver,
) -> Waiver {
    remember_waiver(v, index, &waiver);
    let check = waiver.check.get_ref();
    waiver_target(v, config, known, &waiver);
    waiver_selectors(v, &header, &waiver);
    let line = waiver_line(v, &waiver);
    waiver_path_scope(v, &waiver);
    waiver_accountable(v, config, &waiver);
    let text = |s: Option<Spanned<String>>| s.map(Spanned::into_inner);
    Waiver {
        check: check.clone(),
        pattern: text(waiver.pattern),
        code: text(waiver.code),
        subject: text(waiver.subject),
        // Findings name files `/`-separated on every platform (gate_support::path::relative);
        // a waiver written with Windows separators names the same file.
        file: text(waiver.file).map(|f| f.replace('\\', "/")),
        line,
        text: text(waiver.text),
        reason: waiver.reason.into_inner(),
        owner: waiver.owner.into_inner(),
        expires: waiver.expires.into_inner(),
    }
}

/// Remembers where each key of `[[waiver]]` number `index` is written.
fn remember_waiver(v: &mut Validator<'_>, index: usize, waiver: &raw::RawWaiver) {
    for (key, spanned) in [
        ("check", Some(&waiver.check)),
        ("match", waiver.pattern.as_ref()),
        ("code", waiver.code.as_ref()),
        ("subject", waiver.subject.as_ref()),
        ("file", waiver.file.as_ref()),
        ("text", waiver.text.as_ref()),
        ("reason", Some(&waiver.reason)),
        ("owner", Some(&waiver.owner)),
        ("expires", Some(&waiver.expires)),
    ] {
        if let Some(spanned) = spanned {
            v.remember(format!("waiver[{index}].{key}"), spanned, false);
        }
    }
    if let Some(line) = &waiver.line {
        v.remember(format!("waiver[{index}].line"), line, false);
    }
}

/// The check a waiver names: a known one, and one that may be waived.
fn waiver_target(
    v: &mut Validator<'_>,
    config: &Config,
    known: &Known<'_>,
    waiver: &raw::RawWaiver,
) {
    use super::rules as waiver_rules;
    let check = waiver.check.get_ref();
    let is_known = (known.builtin)(check) || config.custom_checks.iter().any(|c| &c.id == check);
    if !is_known {
        v.error::<_, ()>(
            &waiver.check,
            format!("waiver names unknown check `{check}`"),
            "use an id from `cargo gate checks`",
        );
    }
    if let Some((_, instead)) = waiver_rules::NEVER_WAIVED
        .iter()
        .find(|(id, _)| id == check)
    {
        v.error::<_, ()>(
            &waiver.check,
            format!("`{check}` cannot be waived"),
            &format!("delete this waiver; {instead}"),
        );
    }
}

/// What a waiver selects: each selector written selects something, at least one is written,
/// a `match` glob is valid and names files, a `code` is a code.
fn waiver_selectors(
    v: &mut Validator<'_>,
    header: &std::ops::Range<usize>,
    waiver: &raw::RawWaiver,
) {
    let check = waiver.check.get_ref();
    // Each selector, when written, must select something.
    for (key, value) in [
        ("match", &waiver.pattern),
        ("code", &waiver.code),
        ("subject", &waiver.subject),
        ("file", &waiver.file),
        ("text", &waiver.text),
    ] {
        if let Some(value) = value
            && value.get_ref().trim().is_empty()
        {
            let what = if key == "match" || key == "text" {
                "; as a substring of every message it would cover every finding of the check"
            } else {
                ""
            };
            v.error::<_, ()>(
                value,
                format!("waiver for `{check}` has an empty `{key}`{what}"),
                "name the finding: its code, a path glob, a crate, or text of its message \
                 (docs/CONFIG.md, [[waiver]])",
            );
        }
    }
    let selectors = [
        &waiver.pattern,
        &waiver.code,
        &waiver.subject,
        &waiver.file,
        &waiver.text,
    ];
    if selectors.iter().all(|s| s.is_none()) {
        // No `match` and nothing instead: the error serde gave when `match` was required.
        v.errors.push(ConfigError {
            file: v.file.to_owned(),
            position: Some(line_col(v.text, header.start)),
            message: format!(
                "missing field `match`: waiver for `{check}` names no finding (give `match`, or \
                 `code`, `subject`, `file` or `text`)"
            ),
            help: "name the finding it accepts, e.g. match = \"ffi/**\" or code = \"CODE\" \
                   (docs/CONFIG.md, [[waiver]])"
                .to_owned(),
        });
    }
    if let Some(pattern) = &waiver.pattern {
        waiver_glob(v, check, pattern);
    }
    if let Some(code) = &waiver.code
        && !code.get_ref().trim().is_empty()
        && !is_code(code.get_ref())
    {
        v.error::<_, ()>(
            code,
            format!("`{}` is not a finding code", code.get_ref()),
            "codes are kebab-case, e.g. code = \"unsafe-outside-allowed\" (`cargo gate explain \
             CHECK` lists a check's codes)",
        );
    }
}

/// A waiver's `match` written as a glob: one that parses, and not one that matches every file
/// (it would waive every finding of the check).
fn waiver_glob(v: &mut Validator<'_>, check: &str, pattern: &toml::Spanned<String>) {
    use super::rules as waiver_rules;
    let text = pattern.get_ref();
    if !text.trim().is_empty() && waiver_rules::is_glob(text) {
        if let Err(e) = waiver_rules::glob(text) {
            v.error::<_, ()>(
                pattern,
                format!("match `{text}` is not a valid glob: {}", glob_reason(&e)),
                "fix the glob (e.g. \"src/gen/*.rs\"); to match text of the finding's \
                 message that holds glob characters, write it as text = \"…\" instead",
            );
        } else if waiver_rules::matches_every_file(text) {
            v.error::<_, ()>(
                pattern,
                format!(
                    "match `{text}` matches every file: it would waive every finding of `{check}`"
                ),
                "name the files (e.g. \"ffi/**\"), or, to accept every finding of one kind, \
                 its code: code = \"CODE\" (`cargo gate explain CHECK` lists them)",
            );
        }
    }
}

/// A waiver's `line`: a line number, of a named `file`.
fn waiver_line(v: &mut Validator<'_>, waiver: &raw::RawWaiver) -> Option<u32> {
    let mut line = None;
    if let Some(l) = &waiver.line {
        match u32::try_from(*l.get_ref()) {
            Ok(n) if n >= 1 && waiver.file.is_some() => line = Some(n),
            Ok(n) if n >= 1 => {
                v.error::<_, ()>(
                    l,
                    "waiver gives `line` without `file`".to_owned(),
                    "a line is a line of one file: add file = \"PATH\"",
                );
            }
            _ => {
                v.error::<_, ()>(
                    l,
                    format!("line {} is not a line number", l.get_ref()),
                    "lines count from 1",
                );
            }
        }
    }
    line
}

/// A waiver of a check whose waivers must name files names them.
fn waiver_path_scope(v: &mut Validator<'_>, waiver: &raw::RawWaiver) {
    use super::rules as waiver_rules;
    let check = waiver.check.get_ref();
    if waiver_rules::PATH_SCOPED.contains(&check.as_str()) {
        let scoped = waiver.file.is_some()
            || waiver.subject.is_some()
            || waiver
                .pattern
                .as_ref()
                .is_some_and(|p| waiver_rules::is_path_scoped(p.get_ref()));
        if !scoped {
            let at = waiver.pattern.as_ref().unwrap_or(&waiver.check);
            v.error::<_, ()>(
                at,
                format!(
                    "a waiver for `{check}` must name the files it covers; this one could \
                     cover secrets anywhere in the tree"
                ),
                "waive test fixtures by path: file = \"tests/fixtures/keys/test.pem\", or \
                 match = \"tests/fixtures/keys/*.pem\" (directories written out, a \
                 wildcard only in the file name); a real secret is removed and rotated, \
                 never waived",
            );
        }
    }
}

/// A waiver has a reason, an owner and an expiry day within `[policy] max-waiver-days`.
fn waiver_accountable(v: &mut Validator<'_>, config: &Config, waiver: &raw::RawWaiver) {
    let check = waiver.check.get_ref();
    for (field, value) in [("reason", &waiver.reason), ("owner", &waiver.owner)] {
        if value.get_ref().trim().is_empty() {
            v.error::<_, ()>(
                value,
                format!("waiver for `{check}` has an empty {field}"),
                "every waiver needs a reason, an owner and an expiry date",
            );
        }
    }
    match Date::parse(waiver.expires.get_ref()) {
        None => {
            v.error::<_, ()>(
                &waiver.expires,
                format!("`{}` is not a date", waiver.expires.get_ref()),
                "write the expiry as YYYY-MM-DD, e.g. expires = \"2027-06-30\"",
            );
        }
        Some(expires) => {
            let max = config.max_waiver_days;
            let latest = v.today.add_days(i64::from(max));
            if latest.is_some_and(|latest| expires > latest) {
                let latest = latest.map(|d| d.to_string()).unwrap_or_default();
                v.error::<_, ()>(
                    &waiver.expires,
                    format!(
                        "waiver for `{check}` expires on {}, more than {max} days from today \
                         ({}): the longest a waiver may run is {max} days ([policy] \
                         max-waiver-days)",
                        waiver.expires.get_ref(),
                        v.today
                    ),
                    &format!(
                        "expire it on {latest} or earlier, and renew it then as a new decision; \
                         to allow longer waivers, raise [policy] max-waiver-days (at most \
                         {MAX_WAIVER_DAYS_LIMIT})"
                    ),
                );
            }
        }
    }
}

/// A glob error's reason, without the pattern globset repeats.
fn glob_reason(e: &globset::Error) -> String {
    e.kind().to_string()
}

/// Whether `text` is a finding code: kebab-case.
fn is_code(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && !text.ends_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
