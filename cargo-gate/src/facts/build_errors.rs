//! The errors of a failed build, read out of cargo's log: the compiler's and cargo's
//! `error` lines with what locates them, a build script's last lines, and a C, C++ or CUDA
//! compiler's own diagnostics ahead of a build helper's echo of its command line.

/// Lines of the build script output that carry the cause (not cargo's `cargo:` directives).
const SCRIPT_LINES: usize = 12;
/// At most this many lines per error.
const MAX_BLOCK_LINES: usize = 16;
/// At most this many lines in all.
const MAX_ERROR_LINES: usize = 60;

/// The `OUT_DIR`s of the build scripts that failed, by package name: cargo says no
/// `build-script-executed` for them, so the witness's record of the compile that broke the
/// script (in its `OUT_DIR`) went unread. From cargo's "failed to run custom build command
/// for `name v…`" and the script it ran (`…/build/name-HASH/build-script-build`): the
/// `name-*/out` beside it whose run cargo started last (`invoked.timestamp`).
pub(super) fn failed_script_out_dirs(log: &str) -> Vec<(String, std::path::PathBuf)> {
    let mut found = Vec::new();
    let mut failing: Option<&str> = None;
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix(crate::tools::cargo::FAILED_SCRIPT) {
            failing = rest.split_once(' ').map(|(name, _)| name);
            continue;
        }
        let Some(name) = failing else { continue };
        let Some(script) = line
            .strip_prefix("  process didn't exit successfully: `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(path, _)| std::path::Path::new(path))
        else {
            continue;
        };
        failing = None;
        let Some(build) = script
            .parent()
            .filter(|dir| {
                dir.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.strip_prefix(name).is_some_and(|h| h.starts_with('-')))
            })
            .and_then(std::path::Path::parent)
        else {
            continue;
        };
        if let Some(out) = last_invoked(build, name) {
            found.push((name.to_owned(), out));
        }
    }
    found
}

/// The `out` directory of the `name-HASH` directory in `build` whose run cargo started last.
fn last_invoked(build: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    let prefix = format!("{name}-");
    std::fs::read_dir(build)
        .ok()?
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .filter_map(|e| {
            let invoked = std::fs::metadata(e.path().join("invoked.timestamp"))
                .and_then(|m| m.modified())
                .ok()?;
            let out = e.path().join("out");
            out.is_dir().then_some((invoked, out))
        })
        .max_by_key(|(invoked, _)| *invoked)
        .map(|(_, out)| out)
}

/// The errors of a failed build, as cargo and the compiler wrote them: each `error` line with
/// the indented lines that follow it (`--> src/lib.rs:3:5`, `foo@0.1 requires rustc 1.96`,
/// `Caused by:`), and for a build script that failed, the last lines of what it printed (the
/// missing libclang is there, after `--- stdout`/`--- stderr`).
pub fn build_errors(log: &str) -> Vec<String> {
    let lines: Vec<&str> = log.lines().collect();
    let mut errors = Vec::new();
    let mut budget = MAX_ERROR_LINES;
    let mut i = 0;
    while i < lines.len() && budget > 0 {
        let line = lines[i];
        if !(line.starts_with("error:") || line.starts_with("error[")) {
            i += 1;
            continue;
        }
        let mut block = vec![line.trim_end().to_owned()];
        i += 1;
        // The section's lines, and whether it is the script's stderr.
        let mut section: Option<(bool, Vec<&str>)> = None;
        while i < lines.len() {
            let next = lines[i];
            let trimmed = next.trim();
            if next.starts_with("error:")
                || next.starts_with("error[")
                || next.starts_with("warning:")
            {
                break;
            }
            if trimmed.starts_with("--- stdout") || trimmed.starts_with("--- stderr") {
                if let Some((stderr, done)) = section.take() {
                    push_script_lines(&mut block, &done, stderr);
                }
                section = Some((trimmed.starts_with("--- stderr"), Vec::new()));
            } else if let Some((_, lines)) = section.as_mut() {
                lines.push(next);
            } else if next.starts_with("note:") {
                // cargo's advice on backtraces and the like: not the cause.
            } else if next.starts_with(' ')
                || next.starts_with("Caused by")
                || next.starts_with("help:")
            {
                let kept = next.trim_end();
                // The compiler's source excerpts (`  |`, `3 |`) add nothing a log does not;
                // nor does a failed link's linker command line (thousands of characters
                // before the one line that says which library is missing).
                let excerpt = trimmed.starts_with('|')
                    || trimmed
                        .split_once(" |")
                        .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()));
                let linker_line = trimmed.starts_with("= note:")
                    && (trimmed.contains("\" \"-") || trimmed.contains("arguments are omitted"));
                if !kept.is_empty() && !excerpt && !linker_line {
                    block.push(shortened(kept));
                }
            } else if trimmed.is_empty() {
                // A blank line inside a diagnostic; the next top-level line decides.
            } else {
                break;
            }
            i += 1;
        }
        if let Some((stderr, done)) = section {
            push_script_lines(&mut block, &done, stderr);
        }
        // cargo repeats a line per target (`app@0.1.0 requires rustc 1.96` once for the lib,
        // the tests, the bins): once is enough.
        let mut seen = std::collections::HashSet::new();
        block.retain(|l| seen.insert(l.clone()));
        if block.len() > MAX_BLOCK_LINES {
            let more = block.len() - MAX_BLOCK_LINES;
            block.truncate(MAX_BLOCK_LINES);
            block.push(format!("  … {more} more line(s) in the log"));
        }
        let take = block.len().min(budget);
        budget -= take;
        block.truncate(take);
        errors.push(block.join("\n"));
    }
    errors
}

/// At most this many characters of one line of a build error.
const MAX_LINE_CHARS: usize = 400;

/// `line`, cut to [`MAX_LINE_CHARS`] characters with `…` where it was cut.
fn shortened(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

/// The last [`SCRIPT_LINES`] lines of a build script's output section, but never a backtrace
/// in place of its cause: a panic's `stack backtrace:` (an error's `Stack backtrace:`) and
/// everything after it is cut, and the lines kept start no later than the last `panicked at`
/// line, so its message stays; so does, on stderr, the `Error: ` that `main` returning an
/// error prints last, with its causes (`Caused by:`, `0: …`) and nothing else after it.
fn push_script_lines(block: &mut Vec<String>, section: &[&str], stderr: bool) {
    let mut wanted: Vec<&str> = section
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with("cargo:") && !echoed_variable(l))
        .collect();
    // std's panic (`stack backtrace:`) and anyhow's error from `main` (`Stack backtrace:`).
    if let Some(trace) = wanted
        .iter()
        .position(|l| l.eq_ignore_ascii_case("stack backtrace:"))
    {
        wanted.truncate(trace);
    }
    wanted.retain(|l| {
        !l.starts_with("note: run with `RUST_BACKTRACE=")
            && !l.starts_with("note: Some details are omitted")
    });
    // A compiler's own diagnostics (nvcc's `k.cu(3): error: …`, gcc's `k.c:3:1: error: …`)
    // come first: they are the cause, and a build helper's echo of a long command line
    // must not push them out of the lines kept.
    // cc hands the compiler's output on as `cargo:warning=` lines.
    let diagnostics: Vec<&str> = section
        .iter()
        .map(|l| l.trim())
        .map(|l| l.strip_prefix("cargo:warning=").unwrap_or(l).trim())
        .filter(|l| is_compiler_diagnostic(l))
        .take(SCRIPT_LINES)
        .collect();
    block.extend(diagnostics.iter().map(|l| shortened(&format!("  {l}"))));
    let mut skip = wanted.len().saturating_sub(SCRIPT_LINES);
    if let Some(panic) = wanted.iter().rposition(|l| l.contains("' panicked at ")) {
        skip = skip.min(panic);
    }
    // `main` that returns an error prints it as `Error: …` (torch-sys' failed download).
    let cause = |l: &&str| {
        *l == "Caused by:"
            || l.split_once(": ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if let Some(error) = wanted.iter().rposition(|l| l.starts_with("Error: "))
        && stderr
        && wanted[error + 1..].iter().all(cause)
    {
        skip = skip.min(error);
    }
    block.extend(
        wanted[skip..]
            .iter()
            .filter(|l| !diagnostics.contains(l))
            .map(|l| shortened(&format!("  {l}"))),
    );
}

/// cc's echo of each variable it reads (`CXXFLAGS_x86_64-unknown-linux-gnu = None`,
/// `CC = Some(gcc)`): a dozen lines ahead of its error that would push the cause out of the
/// lines kept.
fn echoed_variable(line: &str) -> bool {
    line.split_once(" = ").is_some_and(|(name, value)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && (value == "None" || (value.starts_with("Some(") && value.ends_with(')')))
    })
}

/// Whether a line is a C, C++ or CUDA compiler's error about a source line: `file(12): error`
/// (nvcc, MSVC) or `file:12:3: error` / `file:12: fatal error` (gcc, clang); or a CUDA
/// tool's own error about its command line (`nvcc fatal   : Unsupported gpu architecture
/// 'compute_60'`, jerahmie/massively_parallel under CUDA 13).
pub(crate) fn is_compiler_diagnostic(line: &str) -> bool {
    let tool_says = |tool: &str| {
        line.strip_prefix(tool).is_some_and(|rest| {
            let rest = rest.trim_start();
            ["fatal", "error"].iter().any(|word| {
                rest.strip_prefix(word)
                    .is_some_and(|r| r.trim_start().starts_with(':'))
            })
        })
    };
    if ["nvcc", "ptxas", "nvlink", "fatbinary"]
        .into_iter()
        .any(tool_says)
    {
        return true;
    }
    let Some(at) = line.find(" error").or_else(|| line.find(" fatal error")) else {
        return false;
    };
    let head = line[..at].trim_end_matches(':');
    let located = |h: &str| {
        h.rsplit_once(['(', ':']).is_some_and(|(file, rest)| {
            !file.is_empty()
                && rest
                    .trim_end_matches(')')
                    .split(':')
                    .next()
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        })
    };
    located(head) || located(head.rsplit_once(':').map_or(head, |(h, _)| h))
}
