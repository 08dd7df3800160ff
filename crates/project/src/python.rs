//! Python constants followed through assignments and imports, so a fact like "the embedding
//! model" is resolved from the code rather than from a line number in the checklist.

use std::path::Path;

use regex::Regex;

use crate::FactError;

/// A value and how it was found, step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub value: String,
    /// An environment variable that overrides the value at run time, if any.
    pub env_override: Option<String>,
    pub trail: Vec<Step>,
}

/// One line followed: shown as `file:line: source line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub file: String,
    /// 1-based.
    pub line: usize,
    pub source: String,
}

impl Step {
    fn new(file: &str, line: usize, source: &str) -> Step {
        Step {
            file: file.to_string(),
            line,
            source: source.trim().to_string(),
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.source)
    }
}

impl Resolved {
    /// Where the value was finally written (`file:line: source line`).
    pub fn origin(&self) -> String {
        self.trail.last().map(Step::to_string).unwrap_or_default()
    }
}

const MAX_HOPS: usize = 8;

/// The embedding model the memory-setup module uses: the first assignment or keyword argument in
/// `module` whose target mentions "embed" (e.g. `embedding_model = EMBEDDING_MODEL`,
/// `OllamaEmbeddings(model=EMBED_MODEL)`), followed to a string literal.
pub fn embedding_model(project: &Path, module: &str) -> Result<Resolved, FactError> {
    let text = crate::read(project, module)?;
    let assignment =
        Regex::new(r#"(?i)^\s*(\w*embed\w*)\s*(?::\s*[\w\[\]., ]+)?=\s*(.+?)\s*(?:#.*)?$"#)
            .unwrap();
    let keyword = Regex::new(r#"(?i)embed\w*\s*\(.*\bmodel\s*=\s*([^,)]+)"#).unwrap();
    for (number, line) in text.lines().enumerate() {
        let expr = assignment
            .captures(line)
            .map(|c| c[2].to_string())
            .or_else(|| keyword.captures(line).map(|c| c[1].trim().to_string()));
        let Some(expr) = expr else { continue };
        let step = Step::new(module, number + 1, line);
        if let Some(resolved) = resolve_expr(project, module, &expr, vec![step], 0)? {
            return Ok(resolved);
        }
    }
    Err(FactError::invalid(
        module,
        "no assignment of an embedding model (a name containing `embed`)".into(),
    ))
}

/// Follows `expr` (a literal, a name, `os.getenv("X", default)`) to a string literal.
fn resolve_expr(
    project: &Path,
    module: &str,
    expr: &str,
    trail: Vec<Step>,
    hops: usize,
) -> Result<Option<Resolved>, FactError> {
    if hops > MAX_HOPS {
        return Ok(None);
    }
    let expr = expr.trim().trim_end_matches(',');
    if let Some(value) = string_literal(expr) {
        return Ok(Some(Resolved {
            value,
            env_override: None,
            trail,
        }));
    }
    let getenv =
        Regex::new(r#"^os\.(?:getenv|environ\.get)\(\s*["'](\w+)["']\s*,\s*(.+)\)$"#).unwrap();
    if let Some(c) = getenv.captures(expr) {
        let resolved = resolve_expr(project, module, &c[2], trail, hops + 1)?;
        return Ok(resolved.map(|r| Resolved {
            env_override: Some(c[1].to_string()),
            ..r
        }));
    }
    let name = expr.rsplit('.').next().unwrap_or(expr);
    if !name.chars().all(|c| c.is_alphanumeric() || c == '_') || name.is_empty() {
        return Ok(None);
    }
    resolve_name(project, module, name, trail, hops + 1)
}

/// Finds `name = ...` in `module`, else follows `from X import name` to module X.
fn resolve_name(
    project: &Path,
    module: &str,
    name: &str,
    mut trail: Vec<Step>,
    hops: usize,
) -> Result<Option<Resolved>, FactError> {
    let text = crate::read(project, module)?;
    let assign = Regex::new(&format!(
        r"^{name}\s*(?::\s*[\w\[\]., ]+)?=\s*(.+?)\s*(?:#.*)?$"
    ))
    .unwrap();
    let import = Regex::new(&format!(r"^from\s+([\w.]+)\s+import\s+.*\b{name}\b")).unwrap();
    for (number, line) in logical_lines(&text) {
        let step = Step::new(module, number, &line);
        if let Some(c) = assign.captures(&line) {
            trail.push(step);
            return resolve_expr(project, module, &c[1], trail, hops);
        }
        if let Some(c) = import.captures(&line) {
            let Some(target) = module_path(project, module, &c[1]) else {
                continue;
            };
            trail.push(step);
            return resolve_name(project, &target, name, trail, hops + 1);
        }
    }
    Ok(None)
}

/// The file of a Python module imported from `from`: `.constants`, `src.constants`, `constants`.
fn module_path(project: &Path, from: &str, import: &str) -> Option<String> {
    let dir = Path::new(from).parent().unwrap_or(Path::new(""));
    let relative = import.trim_start_matches('.').replace('.', "/");
    let candidates = if import.starts_with('.') {
        vec![dir.join(format!("{relative}.py"))]
    } else {
        vec![
            Path::new(&format!("{relative}.py")).to_path_buf(),
            dir.join(format!("{relative}.py")),
        ]
    };
    candidates
        .into_iter()
        .find(|p| project.join(p).is_file())
        .map(|p| p.to_string_lossy().into_owned())
}

/// Lines numbered from 1, with a parenthesised `from x import (...)` spread over several lines
/// (as black writes long imports) joined into one.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        if let Some((start, mut joined)) = open.take() {
            joined.push(' ');
            joined.push_str(line.trim());
            if line.contains(')') {
                lines.push((start, joined.replace(['(', ')'], " ")));
            } else {
                open = Some((start, joined));
            }
        } else if line.starts_with("from ") && line.contains("import (") && !line.contains(')') {
            open = Some((index + 1, line.to_string()));
        } else {
            lines.push((index + 1, line.to_string()));
        }
    }
    lines.extend(open);
    lines
}

fn string_literal(expr: &str) -> Option<String> {
    let quote = expr.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = expr.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote)).then(|| inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn follows_imports_and_assignments_to_the_literal() {
        let dir = project(&[
            ("src/constants.py", "import os\nDEFAULT_MODEL = \"qwen2.5-coder:7b-q4_0\"\nEMBEDDING_MODEL = os.getenv(\"EMBEDDING_MODEL\", DEFAULT_MODEL)\n"),
            ("src/memory_setup.py", "\"\"\"Memory.\"\"\"\nfrom src.constants import EMBEDDING_MODEL, OTHER\n\n\ndef setup():\n    embedding_model = EMBEDDING_MODEL\n"),
        ]);
        let resolved = embedding_model(dir.path(), "src/memory_setup.py").unwrap();
        assert_eq!(resolved.value, "qwen2.5-coder:7b-q4_0");
        assert_eq!(resolved.env_override.as_deref(), Some("EMBEDDING_MODEL"));
        assert_eq!(
            resolved.trail[0].to_string(),
            "src/memory_setup.py:6: embedding_model = EMBEDDING_MODEL"
        );
        assert_eq!(
            resolved.origin(),
            "src/constants.py:2: DEFAULT_MODEL = \"qwen2.5-coder:7b-q4_0\""
        );
    }

    #[test]
    fn reads_keyword_arguments_and_relative_imports() {
        let dir = project(&[
            ("src/consts.py", "EMBED = 'nomic-embed-text'\n"),
            (
                "src/memory_setup.py",
                "from .consts import EMBED\nemb = OllamaEmbeddings(base_url=URL, model=EMBED)\n",
            ),
        ]);
        let resolved = embedding_model(dir.path(), "src/memory_setup.py").unwrap();
        assert_eq!(resolved.value, "nomic-embed-text");
        assert_eq!(resolved.env_override, None);
    }

    #[test]
    fn follows_imports_black_wrapped_over_several_lines() {
        let dir = project(&[
            ("src/constants.py", "EMBEDDING_MODEL = \"mistral:latest\"\n"),
            ("src/memory_setup.py", "from src.constants import (\n    DEFAULT_MODEL,\n    EMBEDDING_MODEL,\n)\n\nembedding_model = EMBEDDING_MODEL\n"),
        ]);
        let resolved = embedding_model(dir.path(), "src/memory_setup.py").unwrap();
        assert_eq!(resolved.value, "mistral:latest");
        assert!(
            resolved.trail[1]
                .to_string()
                .starts_with("src/memory_setup.py:1: from src.constants import"),
            "{:?}",
            resolved.trail
        );
    }

    #[test]
    fn a_module_without_an_embedding_model_is_an_error() {
        let dir = project(&[("src/memory_setup.py", "x = 1\n")]);
        let err = embedding_model(dir.path(), "src/memory_setup.py").unwrap_err();
        assert!(
            err.to_string()
                .contains("no assignment of an embedding model"),
            "{err}"
        );
    }
}
