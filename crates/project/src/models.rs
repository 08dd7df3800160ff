//! Model names the project's scripts declare: `DEFAULT_MODELS` in scripts/model-pull.sh and
//! `PROTECTED_MODELS` in scripts/model-prune.sh.

use std::path::Path;

use regex::Regex;

use crate::FactError;

pub const MODEL_PULL: &str = "scripts/model-pull.sh";
pub const MODEL_PRUNE: &str = "scripts/model-prune.sh";

/// The default models of the project's scripts/model-pull.sh.
pub fn default_models(project: &Path) -> Result<Vec<String>, FactError> {
    let text = crate::read(project, MODEL_PULL)?;
    let models = parse_default_models(&text).ok_or_else(|| {
        FactError::invalid(
            MODEL_PULL,
            "no DEFAULT_MODELS=(...) array or MODEL_DEFAULT=".into(),
        )
    })?;
    if models.is_empty() {
        return Err(FactError::invalid(
            MODEL_PULL,
            "DEFAULT_MODELS is empty".into(),
        ));
    }
    Ok(models)
}

/// The default models a model-pull script declares: a `DEFAULT_MODELS=(...)` bash array, or the
/// older `MODEL_DEFAULT="..."` scalar the checklist mentions. `None` when it declares neither.
/// Takes text, so it serves a file at any git revision too.
pub fn parse_default_models(script: &str) -> Option<Vec<String>> {
    bash_array(script, "DEFAULT_MODELS")
        .or_else(|| bash_scalar(script, "MODEL_DEFAULT").map(|m| vec![m]))
}

/// A model reference as Ollama understands it: `mistral` means `mistral:latest`.
pub fn full_reference(model: &str) -> String {
    if model.contains(':') {
        model.to_string()
    } else {
        format!("{model}:latest")
    }
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
