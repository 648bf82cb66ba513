//! YAML with positions, for the CI files `ci.locked` reads: saphyr (maintained, YAML 1.2)
//! parses into marked nodes, turned here into a small tree whose every node knows the byte
//! offset where it is written. An alias is a copy of its anchor's node: the copy's root is
//! placed where the alias is written, the nodes inside it where the anchor wrote them (so the
//! script lines of a job merged in with `<<: *template` point into the template). The number
//! of nodes aliases may expand to is bounded by saphyr (no billion laughs).

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// One node and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Byte offset of the node's first character in the text.
    pub offset: usize,
    /// What it is.
    pub kind: Kind,
}

/// The kinds of node the CI files use.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `~`, `null`, or nothing.
    Null,
    /// `true`, `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    String(String),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in document order.
    Mapping(Vec<(Node, Node)>),
    /// A tagged node (GitLab's `!reference [...]`), not followed.
    Tagged(String, Box<Node>),
}

/// A document that does not parse: where, and what the parser said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The parser's message.
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

/// Parses the first document of `text` (an empty text is `Null`). A flow collection closed
/// at its key's own indentation (`tags: [` … `    ]`: RustCrypto's workflows; libyaml, and
/// so GitHub, take it, YAML 1.2 does not) is read as if its closing line were one with
/// the line before it (`rejoined`); any other error is the file's.
pub fn parse(text: &str) -> Result<Node, Error> {
    let first = match parse_strict(text) {
        Ok(node) => return Ok(node),
        Err(e) => e,
    };
    let mut text = text.to_owned();
    let mut error = first.clone();
    // Each try parses the whole file again: a few such lists are real, thousands a file
    // made to hold the gate (then the file's first error stands, as before).
    for _ in 0..MOST_REJOINED {
        let Some(joined) = rejoined(&text, error.line) else {
            return Err(first);
        };
        text = joined;
        match parse_strict(&text) {
            Ok(node) => return Ok(node),
            Err(e) => error = e,
        }
    }
    Err(first)
}

/// The most closing lines [`parse`] reads as one with the line before.
const MOST_REJOINED: usize = 32;

/// `text` with the line break before line `line` (1-based) made a space, where that line
/// holds only a flow collection's closing bracket (`]`, `}`, with a comma or a comment): the
/// same bytes at the same offsets, the bracket now on the line before.
fn rejoined(text: &str, line: usize) -> Option<String> {
    let start = text
        .match_indices('\n')
        .nth(line.checked_sub(2)?)
        .map(|(at, _)| at)?;
    let rest = text[start + 1..].lines().next()?.trim();
    if !(rest.starts_with(']') || rest.starts_with('}')) {
        return None;
    }
    let before = text[..start].rsplit('\n').next().unwrap_or_default();
    if before.contains('#') {
        return None;
    }
    let mut joined = text.to_owned();
    joined.replace_range(start..start + 1, " ");
    Some(joined)
}

fn parse_strict(text: &str) -> Result<Node, Error> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| Error {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_owned(),
    })?;
    let lines = LineStarts::new(text);
    Ok(docs.first().map_or(
        Node {
            offset: 0,
            kind: Kind::Null,
        },
        |doc| convert(doc, text, &lines),
    ))
}

/// Byte offsets of line starts, to turn (line, column in characters) into a byte offset.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts(starts)
    }

    fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let start = self
            .0
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(text.len());
        text[start..]
            .char_indices()
            .nth(column)
            .map_or(text.len(), |(i, _)| start + i)
    }
}

fn convert(node: &MarkedYaml<'_>, text: &str, lines: &LineStarts) -> Node {
    let offset = lines.offset(text, node.span.start.line(), node.span.start.col());
    let kind = match &node.data {
        YamlData::Value(Scalar::Null) => Kind::Null,
        YamlData::Value(Scalar::Boolean(b)) => Kind::Bool(*b),
        YamlData::Value(Scalar::Integer(i)) => Kind::Number(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Kind::Number(f.to_string()),
        YamlData::Value(Scalar::String(s)) => Kind::String(s.to_string()),
        YamlData::Representation(s, _, _) => Kind::String(s.to_string()),
        YamlData::Sequence(items) => {
            Kind::Sequence(items.iter().map(|i| convert(i, text, lines)).collect())
        }
        YamlData::Mapping(map) => Kind::Mapping(
            map.iter()
                .map(|(k, v)| (convert(k, text, lines), convert(v, text, lines)))
                .collect(),
        ),
        YamlData::Tagged(tag, inner) => Kind::Tagged(
            format!("{}{}", tag.handle, tag.suffix),
            Box::new(convert(inner, text, lines)),
        ),
        // An alias the loader could not resolve, or a bad value: nothing to read.
        _ => Kind::Null,
    };
    Node { offset, kind }
}

/// What a missing key indexes to.
static NULL: Node = Node {
    offset: 0,
    kind: Kind::Null,
};

/// `node["key"]`: the value of `key`, or a null node when there is none (as serde_yaml's
/// `Value` indexes), so lookups chain.
impl std::ops::Index<&str> for Node {
    type Output = Node;

    fn index(&self, key: &str) -> &Node {
        self.get(key).unwrap_or(&NULL)
    }
}

impl Node {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The entry of `key` in a mapping: the key's node (where the key is written) and the
    /// value's.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_mapping()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, when this is a sequence.
    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, when this is a mapping.
    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// A scalar as text (a key, an input, an `env:` value): strings as they are, numbers and
    /// booleans as written; `None` for the rest.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::String(s) | Kind::Number(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Null => Some("null".to_owned()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flow sequence closed at its key's indentation is read, as libyaml (and GitHub)
    /// read it, every node where the file writes it (RustCrypto/block-ciphers' publish
    /// workflow, the thirty-fifth session's trial: `ci.locked` failed it as "not valid
    /// YAML"); another indentation error stays the file's.
    #[test]
    fn a_flow_collection_closed_at_its_keys_indentation_is_read() {
        let text = "on:\n  push:\n    tags: [\n      'v*',\n    ]\njobs:\n  t:\n    steps:\n      - run: cargo test --locked\n";
        let doc = parse(text).unwrap();
        let tags = doc
            .get("on")
            .and_then(|o| o.get("push"))
            .and_then(|p| p.get("tags"));
        let tags = tags.and_then(Node::as_sequence).unwrap();
        assert_eq!(tags[0].as_str(), Some("v*"));
        let run = doc
            .get("jobs")
            .and_then(|j| j.get("t"))
            .and_then(|t| t.get("steps"));
        let run = run.and_then(Node::as_sequence).unwrap()[0]
            .get("run")
            .unwrap();
        assert!(text[run.offset..].starts_with("cargo test --locked"));
        let wrong = "a:\n  b: 1\n c: 2\n";
        assert!(parse(wrong).is_err());
        let commented = "a: [\n  1, # one\n]\n";
        assert_eq!(parse(commented).is_ok(), parse_strict(commented).is_ok());
    }

    #[test]
    fn nodes_know_where_they_are_written() {
        let text = "jobs:\n  build:\n    steps:\n      - run: cargo test\n      - run: |\n          cargo build\n";
        let doc = parse(text).unwrap();
        let steps = doc
            .get("jobs")
            .and_then(|j| j.get("build"))
            .and_then(|b| b.get("steps"))
            .and_then(Node::as_sequence)
            .unwrap();
        let first = steps[0].get("run").unwrap();
        assert_eq!(first.as_str(), Some("cargo test"));
        assert_eq!(&text[first.offset..first.offset + 10], "cargo test");
        let second = steps[1].get("run").unwrap();
        assert_eq!(second.as_str(), Some("cargo build\n"));
        // A block scalar starts where its content does, the line after its key.
        assert!(text[second.offset..].starts_with("cargo build"));
        let (key, _) = steps[1].entry("run").unwrap();
        assert!(text[key.offset..].starts_with("run: |"));
    }

    #[test]
    fn an_aliased_nodes_insides_point_at_the_anchor() {
        let text = ".t: &t\n  script:\n    - é cargo test\njob:\n  <<: *t\n";
        let doc = parse(text).unwrap();
        let merged = doc.get("job").and_then(|j| j.get("<<")).unwrap();
        // The alias itself is where it is written…
        assert!(text[merged.offset..].starts_with("*t"));
        // …the script inside it where the anchor wrote it (offsets in bytes: `é` is two).
        let item = &merged.get("script").and_then(Node::as_sequence).unwrap()[0];
        assert_eq!(item.as_str(), Some("é cargo test"));
        assert!(text[item.offset..].starts_with("é cargo test"));
    }

    #[test]
    fn scalars_and_errors() {
        let doc = parse("t: true\nn: 3\nz: ~\ns: 'true'\n").unwrap();
        assert_eq!(doc.get("t").unwrap().kind, Kind::Bool(true));
        assert_eq!(doc.get("n").unwrap().scalar_text().as_deref(), Some("3"));
        assert_eq!(doc.get("z").unwrap().kind, Kind::Null);
        assert_eq!(doc.get("s").unwrap().as_str(), Some("true"));
        assert_eq!(parse("").unwrap().kind, Kind::Null);
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.line >= 1 && !err.message.is_empty(), "{err}");
    }
}
