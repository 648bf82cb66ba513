//! The stages of a Dockerfile a build runs. BuildKit (Docker's builder since 23.0, and
//! buildx's and `docker/build-push-action`'s always) builds the target stage (`--target`, else
//! the last) and the stages it needs: the one it is `FROM`, those it copies from (`COPY
//! --from=`) and mounts from (`RUN --mount=…,from=`), in turn. A `RUN` in any other stage never
//! runs (TEI's `grpc-builder`, built only for the `grpc` image). Docker's legacy builder
//! (`DOCKER_BUILDKIT=0`) would build every stage before the target; CI's builds are read as
//! BuildKit's.

use std::ops::Range;

/// One stage: where it is written, its name, and the stages it needs (names or indices, as
/// written, lower-cased).
#[derive(Debug)]
struct Stage {
    span: Range<usize>,
    name: Option<String>,
    needs: Vec<String>,
}

/// The byte ranges of `text` (a Dockerfile) that a build of `target` (else the last stage)
/// runs, or `None` when every stage may run: no `FROM`, or a target no stage is named.
pub(crate) fn built(text: &str, target: Option<&str>) -> Option<Vec<Range<usize>>> {
    let stages = stages(text);
    let find = |key: &str| {
        let key = key.to_ascii_lowercase();
        (stages
            .iter()
            .position(|s| s.name.as_deref() == Some(key.as_str())))
        .or_else(|| key.parse::<usize>().ok().filter(|i| *i < stages.len()))
    };
    let last = stages.len().checked_sub(1)?;
    let start = match target {
        Some(t) => find(t)?,
        None => last,
    };
    let mut reached = vec![false; stages.len()];
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        todo.extend(stages[i].needs.iter().filter_map(|n| find(n)));
    }
    let mut out: Vec<Range<usize>> = Vec::new();
    if let Some(first) = stages.first() {
        // What comes before the first `FROM` (global `ARG`s) is read by every build.
        out.push(0..first.span.start);
    }
    out.extend(
        stages
            .iter()
            .zip(&reached)
            .filter(|(_, r)| **r)
            .map(|(s, _)| s.span.clone()),
    );
    Some(out)
}

/// The stages of a Dockerfile, each from its `FROM` line to the next.
fn stages(text: &str) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(instruction) = words.first() else {
            continue;
        };
        if instruction.eq_ignore_ascii_case("FROM") {
            if let Some(last) = out.last_mut() {
                last.span.end = start;
            }
            let operands: Vec<&str> = words[1..]
                .iter()
                .copied()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let name = match operands.as_slice() {
                [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => {
                    Some(name.to_ascii_lowercase())
                }
                _ => None,
            };
            out.push(Stage {
                span: start..text.len(),
                name,
                needs: operands
                    .first()
                    .map(|base| base.to_ascii_lowercase())
                    .into_iter()
                    .collect(),
            });
        } else if let Some(stage) = out.last_mut() {
            stage
                .needs
                .extend(words.iter().filter_map(|w| from_option(w)));
        }
    }
    out
}

/// The stage a `COPY --from=X` or a `RUN --mount=…,from=X` option names, lower-cased.
fn from_option(word: &str) -> Option<String> {
    if let Some(stage) = word.strip_prefix("--from=") {
        return Some(stage.to_ascii_lowercase());
    }
    let mount = word.strip_prefix("--mount=")?;
    mount
        .split(',')
        .find_map(|part| part.strip_prefix("from="))
        .map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::built;

    const TEXT: &str = "ARG BASE=rust\nFROM ${BASE} AS chef\nRUN cargo install chef\n\
                        FROM chef AS builder\nRUN cargo build --locked\n\
                        FROM chef AS grpc-builder\nRUN cargo build --release\n\
                        FROM debian AS base\nCOPY --from=builder /a /a\n\
                        FROM base AS grpc\nCOPY --from=grpc-builder /b /b\n\
                        FROM base\nRUN --mount=type=cache,from=chef,target=/c true\n";

    /// What each target's build runs, as the stages' first lines.
    fn runs(target: Option<&str>) -> Vec<&'static str> {
        built(TEXT, target)
            .unwrap()
            .into_iter()
            .filter(|r| !r.is_empty())
            .map(|r| TEXT[r].lines().next().unwrap())
            .collect()
    }

    /// TEI's `Dockerfile-intel`: the last stage needs `base` (`FROM`), `builder` (`COPY
    /// --from`, through `base`) and `chef` (a mount, and `builder`'s `FROM`); `grpc-builder`
    /// is built only for the `grpc` target.
    #[test]
    fn a_build_runs_the_stages_its_target_needs() {
        assert_eq!(
            runs(None),
            [
                "ARG BASE=rust",
                "FROM ${BASE} AS chef",
                "FROM chef AS builder",
                "FROM debian AS base",
                "FROM base"
            ]
        );
        assert!(runs(Some("GRPC")).contains(&"FROM chef AS grpc-builder"));
        assert!(runs(Some("1")).contains(&"FROM chef AS builder"));
        assert_eq!(built(TEXT, Some("nowhere")), None);
        assert_eq!(built("RUN cargo build\n", None), None);
    }
}
