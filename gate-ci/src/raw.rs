//! The raw text of a CI file, read line by line next to the YAML parser: block-style keys on
//! their own lines, the lines of a key's block, and where a script line is written, outside
//! YAML comments and the values of keys that run nothing (`name:`, `if:`). The parser gives
//! values and the node a script hangs from; the findings' `file:line:col` come from here.

use crate::shell::LogicalLine;

/// Where a script line (or an action step) was found in the raw file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spot {
    /// Byte offset of the line's first character (of an action step's `command:` key).
    pub(crate) offset: usize,
    /// 1-based char column of `offset`.
    pub(crate) column: u32,
    /// An action step: all its invocations sit here, none at a column of its own.
    pub(crate) step: bool,
}

/// Finds each line of a script ahead of `cursor` (the line the parser placed the script on),
/// moving it on; a line not found ahead (an alias whose text the anchor wrote earlier) is
/// looked for behind it.
pub(crate) fn search_text(
    text: &str,
    cursor: &mut usize,
    lines: &[LogicalLine<'_>],
) -> Vec<Option<Spot>> {
    lines
        .iter()
        .map(|line| {
            let needle = line.first_physical;
            let found = if let Some(found) = locate(text, *cursor, text.len(), needle) {
                *cursor = found.0 + needle.len();
                Some(found)
            } else {
                locate(text, 0, *cursor, needle)
            };
            found.map(|(offset, column)| Spot {
                offset,
                column,
                step: false,
            })
        })
        .collect()
}

/// A `key:` that opens a block-style mapping entry on its own raw line (after any `- `
/// sequence markers), plain or quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawKey {
    /// Byte offset of the start of its line.
    pub(crate) line_start: usize,
    /// Byte offset of the key (of its opening quote when quoted).
    pub(crate) offset: usize,
    /// Byte offset of its value on the key's line, after `:` and blanks.
    pub(crate) value: usize,
    /// End of the key's line, before any `\r\n`.
    pub(crate) line_end: usize,
    /// The key's column (0-based): the lines of its value are indented deeper.
    pub(crate) column: usize,
    /// A `- ` marker precedes it: it opens a sequence item (a step).
    pub(crate) starts_item: bool,
}

/// The raw lines from the one holding `from` onward, as (start, end) byte offsets, the end
/// before any `\r\n`.
pub(crate) fn raw_lines(text: &str, from: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = text
        .get(..from)
        .map_or(text.len(), |before| before.rfind('\n').map_or(0, |i| i + 1));
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = (start, end - usize::from(text[..end].ends_with('\r')));
        start = end + 1;
        Some(line)
    })
}

/// The key a raw line opens, with its name, if any.
pub(crate) fn key_on_line(
    text: &str,
    line_start: usize,
    line_end: usize,
) -> Option<(&str, RawKey)> {
    let line = &text[line_start..line_end];
    let mut rest = line.trim_start_matches(' ');
    let mut starts_item = false;
    while let Some(after) = rest
        .strip_prefix('-')
        .filter(|after| after.is_empty() || after.starts_with(' '))
    {
        rest = after.trim_start_matches(' ');
        starts_item = true;
    }
    let column = line.len() - rest.len();
    let (name, after) = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let inner = &rest[1..];
            let close = inner.find(quote)?;
            (&inner[..close], inner[close + 1..].strip_prefix(':')?)
        }
        _ => {
            // `run : x` is a key too.
            let (name, after) = rest.split_once(':')?;
            let name = name.trim_end_matches([' ', '\t']);
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            (plain.then_some(name)?, after)
        }
    };
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let value = line_end - after.trim_start_matches([' ', '\t']).len();
    let key = RawKey {
        line_start,
        offset: line_start + column,
        value,
        line_end,
        column,
        starts_item,
    };
    Some((name, key))
}

/// Every `name:` key at or after `from`, in order.
pub(crate) fn raw_keys<'t>(
    text: &'t str,
    from: usize,
    name: &'t str,
) -> impl Iterator<Item = RawKey> + 't {
    raw_lines(text, from)
        .filter_map(move |(start, end)| key_on_line(text, start, end))
        .filter(move |(key_name, key)| *key_name == name && key.offset >= from)
        .map(|(_, key)| key)
}

/// Indentation of a raw line, or `None` for a blank or comment-only line, which ends no
/// block.
pub(crate) fn indent_of(line: &str) -> Option<usize> {
    let content = line.trim_start_matches(' ');
    let blank = content.trim().is_empty() || content.starts_with('#');
    (!blank).then_some(line.len() - content.len())
}

/// A scalar as written on its key's line, without quotes or a trailing comment.
pub(crate) fn yaml_scalar(raw: &str) -> &str {
    let raw = raw.trim();
    for quote in ['"', '\''] {
        if let Some(inner) = raw.strip_prefix(quote)
            && let Some(close) = inner.find(quote)
        {
            return &inner[..close];
        }
    }
    raw.split(" #").next().unwrap_or(raw).trim_end()
}

/// Finds `needle` starting in `text[from..to]`, outside YAML comment lines: the byte offset
/// of the match and its 1-based column. A match that ends its raw line (up to a closing
/// quote or comment) is preferred over one that is only a prefix of a longer line.
pub(crate) fn locate(text: &str, from: usize, to: usize, needle: &str) -> Option<(usize, u32)> {
    if needle.is_empty() || from >= to || to > text.len() {
        return None;
    }
    let mut first = None;
    let mut search = from;
    while let Some(found) = text.get(search..).and_then(|rest| rest.find(needle)) {
        if search + found >= to {
            break;
        }
        let offset = search + found;
        search = offset + needle.len().max(1);
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let prefix = text[line_start..offset].trim();
        if prefix.starts_with('#') || is_other_key(prefix) {
            continue;
        }
        let column = count_chars(&text[line_start..offset]) + 1;
        let rest = text[offset + needle.len()..line_end].trim();
        // A closing quote ends the line only when the match opens right after its partner:
        // `run: "cargo test"` is the command, `echo "about to cargo test"` is not.
        let quoted = rest
            .chars()
            .next()
            .filter(|&q| q == '"' || q == '\'')
            .is_some_and(|q| rest.chars().all(|c| c == q) && text[..offset].ends_with(q));
        let ends_line = rest.is_empty() || rest.starts_with('#') || quoted;
        if ends_line {
            return Some((offset, column));
        }
        first.get_or_insert((offset, column));
    }
    first
}

/// Whether the text before a match on its line opens a YAML key whose value is not a
/// script: a step's `name: cargo test`, `name: "Run cargo test"` or `if: …` names or guards
/// the step, it runs nothing.
fn is_other_key(prefix: &str) -> bool {
    let mut rest = prefix.trim();
    while let Some(after) = rest.strip_prefix("- ") {
        rest = after.trim_start();
    }
    let key = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => rest[1..].split_once(quote).and_then(|(key, after)| {
            let after = after.strip_prefix(':')?;
            (after.is_empty() || after.starts_with([' ', '\t'])).then_some(key)
        }),
        _ => rest.split_once(':').and_then(|(key, after)| {
            let plain = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            (plain && (after.is_empty() || after.starts_with([' ', '\t']))).then_some(key)
        }),
    };
    key.is_some_and(|key| {
        !matches!(
            key,
            "run" | "script" | "before_script" | "after_script" | "command"
        )
    })
}

pub(crate) fn count_chars(text: &str) -> u32 {
    to_u32(text.chars().count())
}

pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_prefers_whole_lines_and_skips_comments() {
        let text = "# cargo build\nrun: cargo build --release\nrun: cargo build\n";
        let end = text.len();
        let (offset, column) = locate(text, 0, end, "cargo build").unwrap();
        assert_eq!(gate_support::text::line_col(text, offset), (3, 6));
        assert_eq!(column, 6);
        assert_eq!(locate(text, offset + 1, end, "cargo build"), None);
        assert_eq!(locate(text, 0, end, "cargo nothing"), None);
        // Only the prefix match on line 2 lies before line 3.
        let (before, _) = locate(text, 0, offset, "cargo build").unwrap();
        assert_eq!(gate_support::text::line_col(text, before), (2, 6));
    }
    #[test]
    fn locate_passes_over_quoted_mentions_and_other_keys() {
        let text = "- name: \"Run cargo test\"\n  if: x == 'cargo test'\n  echo \"about to cargo test\"\n  run: \"cargo test\"\n";
        let (offset, column) = locate(text, 0, text.len(), "cargo test").unwrap();
        assert_eq!(gate_support::text::line_col(text, offset), (4, 9));
        assert_eq!(column, 9);
    }
}
