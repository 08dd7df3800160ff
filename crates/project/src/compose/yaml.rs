//! A YAML tree that remembers the line of every node, so a fact that cannot be read is reported
//! at its `file:line`. Anchors, aliases and `<<` merge keys are resolved as YAML defines them;
//! tags (`!reset`, `!override`) are kept for compose's merge.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line in its file.
    pub line: usize,
    /// The tag's suffix, e.g. `reset` for `!reset`.
    pub tag: Option<String>,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// A scalar's text; `plain` when it was not quoted (so `80` may be a number, `~` null).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys in file order.
    Map(Vec<(String, Node)>),
    /// A value that could not be read (set by compose's interpolation): why.
    Invalid(String),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar (numbers and booleans included), `None` for null and collections.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
}

/// Parses one YAML document. An error names the line: `line 3: did not find expected key`.
pub fn parse(text: &str) -> Result<Node, String> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut builder, false)
        .map_err(|err| format!("line {}: {} (not YAML)", err.marker().line(), err.info()))?;
    if let Some(err) = builder.error {
        return Err(err);
    }
    Ok(builder.root.unwrap_or(Node {
        line: 1,
        tag: None,
        value: Value::Null,
    }))
}

#[derive(Default)]
struct Builder {
    stack: Vec<(Node, usize)>,
    /// A mapping's pending key, per open mapping.
    keys: Vec<Option<(String, usize)>>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    error: Option<String>,
}

impl Builder {
    fn insert(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let Some((parent, _)) = self.stack.last_mut() else {
            self.root.get_or_insert(node);
            return;
        };
        match &mut parent.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => {
                let key = self.keys.last_mut().expect("a key slot per mapping");
                match key.take() {
                    None => match node.value {
                        Value::Scalar { text, .. } => *key = Some((text, node.line)),
                        Value::Null => *key = Some((String::new(), node.line)),
                        _ => {
                            self.error.get_or_insert(format!(
                                "line {}: a mapping key must be a scalar",
                                node.line
                            ));
                            *key = Some((String::new(), node.line));
                        }
                    },
                    Some((k, _)) if k == "<<" => merge_key(entries, node),
                    Some((k, key_line)) => {
                        let mut node = node;
                        // A collection (or an empty value) is reported where its key is.
                        if matches!(node.value, Value::Map(_) | Value::Seq(_) | Value::Null) {
                            node.line = key_line;
                        }
                        entries.retain(|(existing, _)| *existing != k);
                        entries.push((k, node));
                    }
                }
            }
            _ => {}
        }
    }
}

/// `<<: *anchor` (or a list of them): the anchored mapping's keys, unless the mapping has them.
fn merge_key(entries: &mut Vec<(String, Node)>, node: Node) {
    let sources = match node.value {
        Value::Seq(items) => items,
        _ => vec![node],
    };
    for source in sources {
        if let Value::Map(inherited) = source.value {
            for (key, value) in inherited {
                if !entries.iter().any(|(k, _)| *k == key) {
                    entries.push((key, value));
                }
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line().max(1);
        match event {
            Event::SequenceStart(anchor, tag) => {
                let tag = tag.map(|t| t.suffix);
                self.stack.push((
                    Node {
                        line,
                        tag,
                        value: Value::Seq(Vec::new()),
                    },
                    anchor,
                ));
            }
            Event::MappingStart(anchor, tag) => {
                let tag = tag.map(|t| t.suffix);
                self.stack.push((
                    Node {
                        line,
                        tag,
                        value: Value::Map(Vec::new()),
                    },
                    anchor,
                ));
                self.keys.push(None);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if matches!(event, Event::MappingEnd) {
                    self.keys.pop();
                }
                if let Some((node, anchor)) = self.stack.pop() {
                    self.insert(node, anchor);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == TScalarStyle::Plain;
                let value = if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Value::Null
                } else {
                    Value::Scalar { text, plain }
                };
                let tag = tag.map(|t| t.suffix);
                self.insert(Node { line, tag, value }, anchor);
            }
            Event::Alias(anchor) => match self.anchors.get(&anchor).cloned() {
                Some(node) => self.insert(node, 0),
                None => {
                    self.error
                        .get_or_insert(format!("line {line}: unknown alias"));
                }
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_keep_their_lines_and_anchors_merge() {
        let root = parse(
            "x-common: &common\n  restart: always\n  image: a\nservices:\n  web:\n    <<: *common\n    image: b\n    ports:\n      - \"80\"\n",
        )
        .unwrap();
        let web = root.get("services").unwrap().get("web").unwrap();
        assert_eq!(web.line, 5);
        assert_eq!(web.get("image").unwrap().as_str(), Some("b"));
        assert_eq!(web.get("restart").unwrap().as_str(), Some("always"));
        let ports = web.get("ports").unwrap();
        let Value::Seq(items) = &ports.value else {
            panic!()
        };
        assert_eq!(items[0].line, 9);
        assert!(parse("services: [").unwrap_err().starts_with("line "));
    }

    #[test]
    fn tags_are_kept() {
        let root = parse("ports: !reset []\n").unwrap();
        assert_eq!(root.get("ports").unwrap().tag.as_deref(), Some("reset"));
    }
}
