//! Model names the project's scripts declare: the defaults of scripts/model-pull.sh (in the
//! shapes such scripts take: a `DEFAULT_MODELS=(...)` array, a `MODEL_DEFAULT=` scalar, the word
//! list of a `for model in ...` loop; else the current section of docs/MODEL_VERSIONS.md) and
//! `PROTECTED_MODELS` in scripts/model-prune.sh, with format-preserving edits of both.

use std::path::Path;

use regex_lite::Regex;

use crate::FactError;

pub const MODEL_PULL: &str = "scripts/model-pull.sh";
pub const MODEL_PRUNE: &str = "scripts/model-prune.sh";

/// The default models of the project: scripts/model-pull.sh, else the current section of
/// docs/MODEL_VERSIONS.md.
pub fn default_models(project: &Path) -> Result<Vec<String>, FactError> {
    Ok(defaults(project)?
        .models
        .into_iter()
        .map(|m| m.name)
        .collect())
}

/// Where the list of default models was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultsSource {
    /// `DEFAULT_MODELS=(...)` in scripts/model-pull.sh.
    Array,
    /// `MODEL_DEFAULT=` in scripts/model-pull.sh (one default).
    Scalar,
    /// The literal word list of a `for model in ...; do` loop in scripts/model-pull.sh.
    Loop,
    /// The current section of docs/MODEL_VERSIONS.md (the script names none).
    Registry,
}

impl DefaultsSource {
    pub fn describe(self) -> &'static str {
        match self {
            DefaultsSource::Array => "DEFAULT_MODELS in scripts/model-pull.sh",
            DefaultsSource::Scalar => "MODEL_DEFAULT in scripts/model-pull.sh",
            DefaultsSource::Loop => "the `for` loop of scripts/model-pull.sh",
            DefaultsSource::Registry => "the current section of docs/MODEL_VERSIONS.md",
        }
    }

    pub fn file(self) -> &'static str {
        match self {
            DefaultsSource::Registry => crate::model_versions::MODEL_VERSIONS,
            _ => MODEL_PULL,
        }
    }
}

/// A model name and the line (1-based) of its file that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    pub source: DefaultsSource,
    pub models: Vec<Named>,
}

/// The default models with where each is named (see [`DefaultsSource`]).
pub fn defaults(project: &Path) -> Result<Defaults, FactError> {
    let script = match crate::read(project, MODEL_PULL) {
        Ok(text) => Some(text),
        Err(FactError::Missing { .. }) => None,
        Err(err) => return Err(err),
    };
    if let Some(found) = script.as_deref().and_then(parse_defaults) {
        if found.models.is_empty() {
            return Err(FactError::invalid(
                MODEL_PULL,
                format!("{} names no model", found.source.describe()),
            ));
        }
        return Ok(found);
    }
    let registry_file = crate::model_versions::MODEL_VERSIONS;
    let registry = match crate::read(project, registry_file) {
        Ok(text) => text,
        Err(_) if script.is_some() => {
            return Err(FactError::invalid(
                MODEL_PULL,
                "no DEFAULT_MODELS=(...) array, MODEL_DEFAULT= or `for model in ...` list, and no docs/MODEL_VERSIONS.md".into(),
            ))
        }
        Err(err) => return Err(err),
    };
    let current = crate::model_versions::parse(&registry)
        .map_err(|err| FactError::invalid(registry_file, err.to_string()))?
        .current
        .filter(|c| !c.entries.is_empty())
        .ok_or_else(|| {
            FactError::invalid(
                MODEL_PULL,
                "no DEFAULT_MODELS=(...) array, MODEL_DEFAULT= or `for model in ...` list, and docs/MODEL_VERSIONS.md has no current section".into(),
            )
        })?;
    Ok(Defaults {
        source: DefaultsSource::Registry,
        models: current
            .entries
            .into_iter()
            .map(|e| Named {
                name: e.model,
                line: e.line,
            })
            .collect(),
    })
}

/// The default models a model-pull script declares: a `DEFAULT_MODELS=(...)` bash array, the
/// older `MODEL_DEFAULT="..."` scalar the checklist mentions, or the literal words of a
/// `for model in a b; do` loop. `None` when it declares none of them. Takes text, so it serves
/// a file at any git revision too.
pub fn parse_default_models(script: &str) -> Option<Vec<String>> {
    parse_defaults(script).map(|d| d.models.into_iter().map(|m| m.name).collect())
}

/// [`parse_default_models`] with the shape and the line of each model.
pub fn parse_defaults(script: &str) -> Option<Defaults> {
    let (source, words) = if let Some(words) = array_words(script, "DEFAULT_MODELS") {
        (DefaultsSource::Array, words)
    } else if let Some(value) = scalar_value(script, "MODEL_DEFAULT") {
        (DefaultsSource::Scalar, vec![value])
    } else {
        (DefaultsSource::Loop, loop_words(script)?)
    };
    let models = words
        .into_iter()
        .map(|w| Named {
            line: script[..w.start].matches('\n').count() + 1,
            name: w.text,
        })
        .collect();
    Some(Defaults { source, models })
}

/// A word of a script: its text without quotes, and the byte span of the word with its quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    text: String,
    start: usize,
    end: usize,
}

impl Word {
    /// The quote the word is written with (`"`, `'`), or nothing.
    fn quote(&self, script: &str) -> &'static str {
        match script[self.start..].chars().next() {
            Some('"') => "\"",
            Some('\'') => "'",
            _ => "",
        }
    }
}

/// The words of `NAME=( ... )` with their spans (comments skipped).
fn array_words(text: &str, name: &str) -> Option<Vec<Word>> {
    let re = Regex::new(&format!(
        r"(?m)^[ \t]*(?:readonly\s+|declare\s+-a\s+|local\s+)?{name}=\(([^)]*)\)"
    ))
    .unwrap();
    let body = re.captures(text)?.get(1)?;
    Some(words_in(text, body.start(), body.end()))
}

/// The quoted or bare words of `text[start..end]`, `#` comments skipped.
fn words_in(text: &str, start: usize, end: usize) -> Vec<Word> {
    let word = Regex::new(r#"#[^\n]*|"([^"]*)"|'([^']*)'|([^\s"'#]+)"#).unwrap();
    word.captures_iter(&text[start..end])
        .filter_map(|c| {
            let whole = c.get(0)?;
            let inner = c.get(1).or(c.get(2)).or(c.get(3))?;
            let text = inner.as_str().to_string();
            (!text.is_empty()).then_some(Word {
                text,
                start: start + whole.start(),
                end: start + whole.end(),
            })
        })
        .collect()
}

/// The value of `NAME=...` (its default when written `${NAME:-default}`), with the value's span.
fn scalar_value(text: &str, name: &str) -> Option<Word> {
    let re = Regex::new(&format!(
        r#"(?m)^[ \t]*(?:export\s+|readonly\s+)?{name}=["']?([^"'\s]+)"#
    ))
    .unwrap();
    let value = re.captures(text)?.get(1)?;
    let raw = value.as_str();
    let (text, offset) = match raw.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
        Some(expr) => match expr.split_once(":-") {
            Some((var, default)) => (default, 2 + var.len() + 2),
            None => (expr, 2),
        },
        None => (raw, 0),
    };
    Some(Word {
        text: text.to_string(),
        start: value.start() + offset,
        end: value.start() + offset + text.len(),
    })
}

/// The literal words of the first `for VAR in WORDS; do` (or `do` on the next line) whose words
/// are all literal model names (no `$` expansion, no glob).
fn loop_words(text: &str) -> Option<Vec<Word>> {
    let re = Regex::new(r"(?m)^[ \t]*for\s+\w+\s+in\s+([^;\n]*)").unwrap();
    let found = re.captures_iter(text).find_map(|c| {
        let list = c.get(1)?;
        let words = words_in(text, list.start(), list.end());
        let literal = !words.is_empty()
            && words
                .iter()
                .all(|w| !w.text.contains(['$', '*', '?', '`', '(']) && w.text != "do");
        literal.then_some(words)
    });
    found
}

/// `script` with model `old` replaced by `new` among its defaults (every shape keeps its quotes
/// and layout), or `new` added when `old` is `None` (an array or loop only: a `MODEL_DEFAULT=`
/// scalar has one slot, so `new` replaces it). Unchanged text when `new` is already a default
/// and `old` is not.
pub fn with_default(script: &str, old: Option<&str>, new: &str) -> Result<String, String> {
    let found = parse_defaults(script).ok_or_else(|| {
        "no DEFAULT_MODELS=(...) array, MODEL_DEFAULT= or `for model in ...` list to edit"
            .to_string()
    })?;
    let words = match found.source {
        DefaultsSource::Array => array_words(script, "DEFAULT_MODELS").unwrap_or_default(),
        DefaultsSource::Scalar => scalar_value(script, "MODEL_DEFAULT").into_iter().collect(),
        DefaultsSource::Loop | DefaultsSource::Registry => loop_words(script).unwrap_or_default(),
    };
    let same = |w: &Word, name: &str| full_reference(&w.text) == full_reference(name);
    let has_new = words.iter().any(|w| same(w, new));
    let target = match old {
        Some(old) => match words.iter().find(|w| same(w, old)) {
            Some(word) => Some(word.clone()),
            None if has_new => return Ok(script.to_string()),
            None => {
                return Err(format!(
                    "{old} is not one of the defaults ({})",
                    found.source.describe()
                ))
            }
        },
        None if found.source == DefaultsSource::Scalar => words.first().cloned(),
        None => None,
    };
    if let Some(word) = target {
        let quote = word.quote(script);
        let replaced = if found.source == DefaultsSource::Scalar {
            new.to_string()
        } else {
            format!("{quote}{new}{quote}")
        };
        let mut out = script.to_string();
        out.replace_range(word.start..word.end, &replaced);
        if has_new && !same(&word, new) {
            // `new` is a default already: replacing `old` would list it twice, so drop `old`.
            let (mut start, mut end) = (word.start, word.end);
            while start > 0 && matches!(script.as_bytes()[start - 1], b' ' | b'\t') {
                start -= 1;
            }
            if start == word.start {
                while end < script.len() && matches!(script.as_bytes()[end], b' ' | b'\t') {
                    end += 1;
                }
            }
            out = script.to_string();
            out.replace_range(start..end, "");
        }
        return Ok(out);
    }
    if has_new {
        return Ok(script.to_string());
    }
    let last = words.last().ok_or("the default list is empty")?;
    Ok(insert_after(script, last, new))
}

/// `new` as one more word after `last` (same quotes; its own line when the list is one per line).
fn insert_after(script: &str, last: &Word, new: &str) -> String {
    let quote = last.quote(script);
    let line_start = script[..last.start].rfind('\n').map_or(0, |i| i + 1);
    let before = &script[line_start..last.start];
    let one_per_line = before.trim().is_empty();
    let mut out = script.to_string();
    if one_per_line {
        let line_end = script[last.end..]
            .find('\n')
            .map_or(script.len(), |i| last.end + i + 1);
        out.insert_str(line_end, &format!("{before}{quote}{new}{quote}\n"));
    } else {
        out.insert_str(last.end, &format!(" {quote}{new}{quote}"));
    }
    out
}

/// Whether a `PROTECTED_MODELS` pattern keeps `model`, with model-prune.sh's rule: a name
/// without a tag protects every tag of it ("qwen2.5-coder (all variants)"), a name with a tag
/// only that tag.
pub fn protects(pattern: &str, model: &str) -> bool {
    let model = full_reference(model);
    if pattern.contains(':') {
        pattern == model
    } else {
        model
            .split_once(':')
            .is_some_and(|(name, _)| name == pattern)
    }
}

/// The prune script with `model` added to `PROTECTED_MODELS` (unchanged when already covered).
pub fn with_protected(prune_script: &str, model: &str) -> Result<String, String> {
    let words = array_words(prune_script, "PROTECTED_MODELS")
        .ok_or("no PROTECTED_MODELS=(...) array to edit")?;
    if words.iter().any(|w| protects(&w.text, model)) {
        return Ok(prune_script.to_string());
    }
    match words.last() {
        Some(last) => Ok(insert_after(prune_script, last, model)),
        None => Err("PROTECTED_MODELS is empty".into()),
    }
}

/// A model reference as Ollama understands it: `mistral` means `mistral:latest`.
pub fn full_reference(model: &str) -> String {
    if model.contains(':') {
        model.to_string()
    } else {
        format!("{model}:latest")
    }
}

/// The `PROTECTED_MODELS=(...)` of scripts/model-prune.sh: models pruning never removes.
pub fn protected_models(project: &Path) -> Result<Vec<String>, FactError> {
    let text = crate::read(project, MODEL_PRUNE)?;
    bash_array(&text, "PROTECTED_MODELS")
        .ok_or_else(|| FactError::invalid(MODEL_PRUNE, "no PROTECTED_MODELS=(...) array".into()))
}

/// The words of `NAME=( ... )` (possibly over several lines, quoted or not, `#` comments ignored).
pub fn bash_array(text: &str, name: &str) -> Option<Vec<String>> {
    let re = Regex::new(&format!(
        r"(?m)^\s*(?:readonly\s+|declare\s+-a\s+)?{name}=\(([^)]*)\)"
    ))
    .unwrap();
    let body = re.captures(text)?.get(1)?.as_str();
    let words = body
        .lines()
        .map(|line| line.split(" #").next().unwrap_or_default())
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
        .map(|word| word.trim_matches(|c| c == '"' || c == '\'').to_string())
        .filter(|word| !word.is_empty())
        .collect();
    Some(words)
}

/// The value of `NAME="..."` or `NAME=${NAME:-...}` (the default).
pub fn bash_scalar(text: &str, name: &str) -> Option<String> {
    let re = Regex::new(&format!(
        r#"(?m)^\s*(?:export\s+|readonly\s+)?{name}=["']?([^"'\s]+)"#
    ))
    .unwrap();
    let value = re.captures(text)?.get(1)?.as_str();
    let value = match value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
        Some(expr) => expr.split_once(":-").map_or(expr, |(_, default)| default),
        None => value,
    };
    Some(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bash_arrays_in_their_usual_shapes() {
        let text = "#!/bin/bash\nDEFAULT_MODELS=(\n  \"qwen2.5-coder:7b-q4_0\"  # primary\n  # \"old:1\"\n  'mistral:latest'\n)\n";
        assert_eq!(
            bash_array(text, "DEFAULT_MODELS").unwrap(),
            ["qwen2.5-coder:7b-q4_0", "mistral:latest"]
        );
        assert_eq!(
            bash_array(
                "readonly PROTECTED_MODELS=(qwen2.5-coder mistral)",
                "PROTECTED_MODELS"
            )
            .unwrap(),
            ["qwen2.5-coder", "mistral"]
        );
        assert_eq!(bash_array("OTHER=(a)", "DEFAULT_MODELS"), None);
    }

    #[test]
    fn default_models_come_from_the_array_else_the_scalar() {
        let one_line = "set -e\nDEFAULT_MODELS=(\"qwen2.5-coder:7b-q4_0\" \"mistral:latest\")\n";
        assert_eq!(
            parse_default_models(one_line).unwrap(),
            ["qwen2.5-coder:7b-q4_0", "mistral:latest"]
        );
        let commented = "# DEFAULT_MODELS=(\"old:1\")\nexport MODEL_DEFAULT=\"new:2\"\n";
        assert_eq!(parse_default_models(commented).unwrap(), ["new:2"]);
        assert_eq!(
            parse_default_models("  declare -a DEFAULT_MODELS=(a b)\n").unwrap(),
            ["a", "b"]
        );
        assert_eq!(parse_default_models("echo nothing\n"), None);
        assert_eq!(full_reference("mistral"), "mistral:latest");
        assert_eq!(full_reference("qwen2.5-coder:7b"), "qwen2.5-coder:7b");
    }

    #[test]
    fn reads_a_literal_for_loop_but_not_a_variable_one() {
        let literal = "set -e\nfor model in qwen2.5-coder:7b \"mistral:latest\"; do\n  ollama pull \"$model\"\ndone\n";
        let found = parse_defaults(literal).unwrap();
        assert_eq!(found.source, DefaultsSource::Loop);
        assert_eq!(found.models[1].name, "mistral:latest");
        assert_eq!(found.models[1].line, 2);
        let variable = "for model in \"${models[@]}\"; do\n  echo\ndone\n";
        assert_eq!(parse_defaults(variable), None);
    }

    #[test]
    fn edits_defaults_in_every_shape() {
        let array = "DEFAULT_MODELS=(\"a:1\" \"mistral:latest\")\n";
        assert_eq!(
            with_default(array, Some("mistral"), "llama3:8b").unwrap(),
            "DEFAULT_MODELS=(\"a:1\" \"llama3:8b\")\n"
        );
        assert_eq!(
            with_default(array, None, "llama3:8b").unwrap(),
            "DEFAULT_MODELS=(\"a:1\" \"mistral:latest\" \"llama3:8b\")\n"
        );
        assert_eq!(with_default(array, None, "a:1").unwrap(), array);
        let lines = "DEFAULT_MODELS=(\n  \"a:1\"  # primary\n  \"b:2\"\n)\n";
        assert_eq!(
            with_default(lines, None, "c:3").unwrap(),
            "DEFAULT_MODELS=(\n  \"a:1\"  # primary\n  \"b:2\"\n  \"c:3\"\n)\n"
        );
        let scalar = "MODEL_DEFAULT=${MODEL_DEFAULT:-a:1}\n";
        assert_eq!(
            with_default(scalar, None, "b:2").unwrap(),
            "MODEL_DEFAULT=${MODEL_DEFAULT:-b:2}\n"
        );
        let looped = "for m in a:1 b:2; do\n";
        assert_eq!(
            with_default(looped, Some("b:2"), "c:3").unwrap(),
            "for m in a:1 c:3; do\n"
        );
        assert!(with_default(array, Some("zz:1"), "c:3").is_err());
        assert_eq!(
            with_default(array, Some("a:1"), "mistral").unwrap(),
            "DEFAULT_MODELS=(\"mistral:latest\")\n"
        );
    }

    #[test]
    fn protection_follows_the_prune_script_rule() {
        assert!(protects("qwen2.5-coder", "qwen2.5-coder:14b"));
        assert!(protects("mistral:latest", "mistral"));
        assert!(!protects("mistral:latest", "mistral:7b"));
        assert!(!protects("qwen2.5", "qwen2.5-coder:7b"));
        let script = "PROTECTED_MODELS=(\"qwen2.5-coder\" \"mistral:latest\")\n";
        assert_eq!(with_protected(script, "qwen2.5-coder:14b").unwrap(), script);
        assert_eq!(
            with_protected(script, "llama3:8b").unwrap(),
            "PROTECTED_MODELS=(\"qwen2.5-coder\" \"mistral:latest\" \"llama3:8b\")\n"
        );
    }

    #[test]
    fn reads_scalars_and_their_defaults() {
        assert_eq!(
            bash_scalar("MODEL_DEFAULT=\"qwen2.5-coder:7b\"", "MODEL_DEFAULT").unwrap(),
            "qwen2.5-coder:7b"
        );
        assert_eq!(
            bash_scalar(
                "MODEL_DEFAULT=${MODEL_DEFAULT:-mistral:latest}",
                "MODEL_DEFAULT"
            )
            .unwrap(),
            "mistral:latest"
        );
    }
}
