//! The shell-word parser of `ci.locked`: a script's logical lines (a trailing `\` continues a
//! line; blank and comment lines dropped), each line split into shell commands and their words,
//! with the byte span of every word in the line, so a finding can point at `cargo`'s column.
//!
//! Quotes group words and hide separators (`;`, `&&`, `||`, `|`, `&`, parentheses, backticks;
//! `2>&1` and `&>` are redirections, not separators); a backslash escapes the next character.
//! A GitHub expression `${{ … }}` is one word whatever it holds
//! (`github_expressions_as_words`): GitHub substitutes it before the shell runs.
//!
//! # Why not the `shell-words` crate
//!
//! `shell-words` (1.1.1) was considered and not adopted: its `split` returns the words of one
//! command as owned strings, and the check needs more than that. It does not split a line into
//! commands (`cargo fmt --check && cargo doc` is one list holding `&&`, `a; b` keeps `a;`), it
//! gives no position for a word (findings are reported at `file:line:col` and show the command
//! as written, from `cargo` to the end of its command), it knows nothing of `${{ … }}` (whose
//! blanks and operators would split it), and it rejects an unclosed quote where this parser
//! reads on. Wrapping it would mean keeping this parser anyway for commands and positions.

/// One shell line, continuations joined, and the first physical line to find it by.
#[derive(Debug)]
pub(crate) struct LogicalLine<'a> {
    pub(crate) text: String,
    pub(crate) first_physical: &'a str,
    /// Length of the first physical line's part in `text`.
    pub(crate) first_physical_len: usize,
    /// The physical lines a continued line joins after the first (`\` at the end): where each
    /// starts in `text`, and the line as written (trimmed), to place a command written on it.
    pub(crate) continued: Vec<(usize, &'a str)>,
}

impl LogicalLine<'_> {
    /// The physical line a byte of `text` was written on, after the first: its start in
    /// `text` and the line as written; `None` on the first line.
    pub(crate) fn continued_at(&self, offset: usize) -> Option<(usize, &str)> {
        self.continued
            .iter()
            .rev()
            .find(|(start, _)| *start <= offset)
            .copied()
    }
}

pub(crate) fn logical_lines(script: &str) -> Vec<LogicalLine<'_>> {
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(first) = lines.next() {
        let first = first.trim();
        if first.is_empty() || first.starts_with('#') {
            continue;
        }
        let mut text = String::new();
        let mut current = first;
        let mut first_physical_len = None;
        let mut continued = Vec::new();
        loop {
            match current.strip_suffix('\\') {
                Some(head) => {
                    text.push_str(head);
                    text.push(' ');
                    first_physical_len.get_or_insert(text.len());
                    match lines.next() {
                        Some(next) => {
                            current = next.trim();
                            continued.push((text.len(), current));
                        }
                        None => break,
                    }
                }
                None => {
                    text.push_str(current);
                    first_physical_len.get_or_insert(text.len());
                    break;
                }
            }
        }
        out.push(LogicalLine {
            text,
            first_physical: first,
            first_physical_len: first_physical_len.unwrap_or(0),
            continued,
        });
    }
    out
}

/// A word of a shell line: its text with quotes removed, and its byte offset.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    pub(crate) text: String,
    pub(crate) offset: usize,
    pub(crate) end: usize,
    /// Comes from expanding a variable whose name says it holds cargo (`CARGO: ${{ … }}`).
    pub(crate) names_cargo: bool,
}

/// Splits a line into shell commands, each a list of words. Quotes group words and hide
/// separators; a backslash escapes the next character. A command string handed to another
/// shell (`bash -c "cargo test"`, `sh -ec '…'`, `nix-shell --run '…'`, `… --command '…'`) is
/// split too, its commands after the one that carries it, their spans inside the quotes.
pub(crate) fn commands(line: &str) -> Vec<Vec<Word>> {
    let mut out = Vec::new();
    for command in split_commands(line) {
        let inner: Vec<Vec<Word>> = command
            .windows(2)
            .filter(|pair| runs_string(&pair[0].text) && pair[1].text.contains(' '))
            .flat_map(|pair| {
                let string = &pair[1];
                // The text starts after the opening quote (exact where it holds no escape).
                let start = string.offset + 1;
                split_commands(&string.text).into_iter().map(move |words| {
                    words
                        .into_iter()
                        .map(|w| Word {
                            offset: (start + w.offset).min(string.end),
                            end: (start + w.end).min(string.end),
                            ..w
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        out.push(command);
        out.extend(inner);
    }
    out
}

/// Whether the word before a command string hands it to a shell: `-c` and combined short
/// options ending in it (`-ec`, `-lc`), nix-shell's `--run` and `--command`.
fn runs_string(option: &str) -> bool {
    match option {
        "--run" | "--command" => true,
        _ => option.strip_prefix('-').is_some_and(|flags| {
            !flags.starts_with('-')
                && flags.ends_with('c')
                && flags.bytes().all(|b| b.is_ascii_alphabetic())
        }),
    }
}

fn split_commands(line: &str) -> Vec<Vec<Word>> {
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut current: Option<Word> = None;
    let mut quote: Option<char> = None;
    let mut previous = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let before = previous.replace(c);
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if let Some(w) = current.as_mut() {
                w.text.push(c);
            }
            if let Some(w) = current.as_mut() {
                w.end = i + c.len_utf8();
            }
            continue;
        }
        // `2>&1` and `&>` are redirections, not `&` separators.
        let redirection =
            c == '&' && (before == Some('>') || chars.peek().is_some_and(|(_, next)| *next == '>'));
        let separator = matches!(c, ';' | '|' | '&' | '(' | ')' | '`') && !redirection;
        if c.is_whitespace() || separator {
            if let Some(w) = current.take() {
                words.push(w);
            }
            if separator && !words.is_empty() {
                out.push(std::mem::take(&mut words));
            }
            continue;
        }
        let word = current.get_or_insert_with(|| Word {
            text: String::new(),
            offset: i,
            end: i,
            names_cargo: false,
        });
        match c {
            '\'' | '"' => quote = Some(c),
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    word.text.push(next);
                }
            }
            _ => word.text.push(c),
        }
        word.end = chars.peek().map_or(line.len(), |(j, _)| *j);
    }
    if let Some(w) = current.take() {
        words.push(w);
    }
    if !words.is_empty() {
        out.push(words);
    }
    out
}

/// `text` with each `${{ expr }}` that `value` knows (given `expr` trimmed) replaced by its
/// value; the others stay as written.
pub(crate) fn github_expressions_replaced<'v>(
    text: &str,
    value: impl Fn(&str) -> Option<&'v str>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${{") {
        let Some(end) = rest[at..].find("}}") else {
            break;
        };
        out.push_str(&rest[..at]);
        let whole = &rest[at..at + end + 2];
        out.push_str(value(whole[3..whole.len() - 2].trim()).unwrap_or(whole));
        rest = &rest[at + end + 2..];
    }
    out.push_str(rest);
    out
}

/// `${{ expr }}` with its blanks, quotes and shell operators turned into `_`, so the shell
/// splitting sees one word at the same offsets: GitHub substitutes the whole expression
/// before the shell runs (`${{ a && '--locked' || '' }}` is one value, not three commands).
pub(crate) fn github_expressions_as_words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("${{") {
        let Some(len) = rest[start..].find("}}").map(|end| end + 2) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.extend(rest[start..start + len].chars().map(|c| {
            if c.is_ascii_whitespace() || "'\"`;|&()<>\\".contains(c) {
                '_'
            } else {
                c
            }
        }));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    circleci_parameters_as_words(out)
}

/// CircleCI's `<< parameters.NAME >>` (and `<< pipeline.parameters.NAME >>`) made one word of
/// the same length, as CircleCI substitutes it before the shell runs: `$<_parameters.NAME_>>`
/// (an expansion, which `cd` cannot follow and a flag check sees as one).
fn circleci_parameters_as_words(line: String) -> String {
    if !line.contains("<<") {
        return line;
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line.as_str();
    while let Some(start) = rest.find("<<") {
        let Some(len) = rest[start..].find(">>").map(|end| end + 2) else {
            break;
        };
        let whole = &rest[start..start + len];
        out.push_str(&rest[..start]);
        if crate::providers::circleci::parameter_name(whole).is_some() {
            out.push('$');
            out.extend(
                whole[1..]
                    .chars()
                    .map(|c| if c.is_ascii_whitespace() { '_' } else { c }),
            );
        } else {
            out.push_str(whole);
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// A value without the quotes around it (`"v"` or `'v'`), as a Dockerfile's `ARG` default
/// or a Makefile's or justfile's assignment writes it.
pub(crate) fn unquote(value: &str) -> &str {
    ['"', '\'']
        .iter()
        .find_map(|&q| value.strip_prefix(q).and_then(|v| v.strip_suffix(q)))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_string_handed_to_a_shell_is_split_in_place() {
        let line = r#"nix-shell --pure --run 'cargo test --workspace && cargo doc'; bash -ec "cargo build --locked""#;
        let found: Vec<(String, &str)> = commands(line)
            .iter()
            .map(|words| {
                let text: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
                (text.join(" "), &line[words[0].offset..words[0].end])
            })
            .collect();
        let shown: Vec<(&str, &str)> = found.iter().map(|(t, at)| (t.as_str(), *at)).collect();
        assert_eq!(
            shown,
            [
                (
                    "nix-shell --pure --run cargo test --workspace && cargo doc",
                    "nix-shell"
                ),
                ("cargo test --workspace", "cargo"),
                ("cargo doc", "cargo"),
                ("bash -ec cargo build --locked", "bash"),
                ("cargo build --locked", "cargo"),
            ]
        );
        // An option that takes no command string leaves its value alone.
        assert_eq!(commands("git commit -m 'cargo build'").len(), 1);
    }

    #[test]
    fn continuation_lines_join_and_comments_drop() {
        let lines = logical_lines("# setup\ncargo build \\\n  --locked\n\necho done\n");
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["cargo build  --locked", "echo done"]);
        assert_eq!(lines[0].first_physical, "cargo build \\");
    }

    #[test]
    fn commands_split_at_operators_and_keep_each_words_span() {
        let line = "cd 'a b' && cargo test 2>&1 | tee \"log\"";
        let split = commands(line);
        let words: Vec<Vec<(&str, &str)>> = split
            .iter()
            .map(|command| {
                command
                    .iter()
                    .map(|w| (w.text.as_str(), &line[w.offset..w.end]))
                    .collect()
            })
            .collect();
        assert_eq!(
            words,
            [
                vec![("cd", "cd"), ("a b", "'a b'")],
                vec![("cargo", "cargo"), ("test", "test"), ("2>&1", "2>&1")],
                vec![("tee", "tee"), ("log", "\"log\"")],
            ]
        );
        // A GitHub expression is one word at the same offsets, whatever it holds.
        let expression = "cargo ${{ a && 'b' }}";
        let as_words = github_expressions_as_words(expression);
        assert_eq!(as_words.len(), expression.len());
        assert_eq!(commands(&as_words)[0].len(), 2);
    }
}
