//! The line reader: Python constants followed through assignments and imports by matching
//! lines, for a machine without a Python interpreter.

use std::path::Path;

use regex_lite::Regex;

use super::{Reader, Resolved, Step};
use crate::FactError;

const MAX_HOPS: usize = 8;

/// The embedding model the memory-setup module uses: the first assignment or keyword argument in
/// `module` whose target mentions "embed" (e.g. `embedding_model = EMBEDDING_MODEL`,
/// `OllamaEmbeddings(model=EMBED_MODEL)`), followed to a string literal.
pub(super) fn embedding_model(project: &Path, module: &str) -> Result<Resolved, FactError> {
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
            uses: Vec::new(),
            reader: Reader::Lines { why: String::new() },
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
