//! `models check`: the model configuration is consistent (the files), and matches what runs
//! (Ollama). The pre-release Model Validation checks call the same functions.

use std::path::Path;

use project::model_versions::{self, Registry};
use project::models::{self as names, Defaults};
use serde::Serialize;

use super::server::{self, Server};
use crate::exit;
use crate::flags::Format;

/// The memory-setup module the checklist names.
pub const MEMORY_SETUP: &str = "src/memory_setup.py";
/// Files that must name every current default.
const DOCS: &[&str] = &["README.md", "docs/MODEL_SELECTION.md"];

/// One drift: where (`file:line`, or `file`) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

fn finding(at: impl Into<String>, message: impl Into<String>) -> Finding {
    Finding {
        at: at.into(),
        message: message.into(),
    }
}

/// The defaults, or the finding that says why they cannot be read.
pub fn defaults(project: &Path) -> Result<Defaults, Finding> {
    names::defaults(project).map_err(|err| match &err {
        project::FactError::Missing { file, .. } | project::FactError::Invalid { file, .. } => {
            finding(
                file.clone(),
                err.to_string()
                    .trim_start_matches(&format!("{file}: "))
                    .to_string(),
            )
        }
    })
}

/// The registry (docs/MODEL_VERSIONS.md), `None` when the file does not exist.
pub fn registry(project: &Path) -> Result<Option<Registry>, Finding> {
    match std::fs::read_to_string(project.join(model_versions::MODEL_VERSIONS)) {
        Ok(text) => model_versions::parse(&text).map(Some).map_err(|err| {
            finding(
                format!("{}:{}", model_versions::MODEL_VERSIONS, err.line),
                err.why,
            )
        }),
        Err(_) => Ok(None),
    }
}

fn is_default(defaults: &Defaults, model: &str) -> bool {
    defaults
        .models
        .iter()
        .any(|d| ollama::same_name(&d.name, model))
}

/// The embedding model memory setup uses is a default: `Ok(trail)` (how it was resolved), or
/// the finding at the line that sets it.
pub fn embedding(project: &Path, defaults: &Defaults) -> Result<Vec<String>, Finding> {
    let resolved = project::python::embedding_model(project, MEMORY_SETUP)
        .map_err(|err| finding(MEMORY_SETUP, err.to_string()))?;
    if is_default(defaults, &resolved.value) {
        return Ok(resolved.trail.iter().map(ToString::to_string).collect());
    }
    let at = resolved.trail.last().map_or_else(
        || MEMORY_SETUP.to_string(),
        |step| format!("{}:{}", step.file, step.line),
    );
    Err(finding(
        at,
        format!(
            "the embedding model {} is not one of the default models ({}: {})",
            resolved.value,
            defaults.source.describe(),
            list(defaults)
        ),
    ))
}

/// The defaults' names, comma-separated.
pub fn list(defaults: &Defaults) -> String {
    defaults
        .models
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every drift between the project's model files.
pub fn files(project: &Path) -> Vec<Finding> {
    let defaults = match defaults(project) {
        Ok(defaults) => defaults,
        Err(finding) => return vec![finding],
    };
    let mut findings = Vec::new();
    if let Err(f) = embedding(project, &defaults) {
        findings.push(f);
    }
    match std::fs::read_to_string(project.join(names::MODEL_PRUNE)) {
        Ok(text) => match names::bash_array(&text, "PROTECTED_MODELS") {
            Some(patterns) => {
                let line = text
                    .lines()
                    .position(|l| l.contains("PROTECTED_MODELS="))
                    .map_or(1, |i| i + 1);
                for model in &defaults.models {
                    if !patterns.iter().any(|p| names::protects(p, &model.name)) {
                        findings.push(finding(
                            format!("{}:{line}", names::MODEL_PRUNE),
                            format!(
                                "PROTECTED_MODELS ({}) does not cover the default {}: pruning would delete it",
                                patterns.join(" "),
                                model.name
                            ),
                        ));
                    }
                }
            }
            None => findings.push(finding(
                names::MODEL_PRUNE,
                "no PROTECTED_MODELS=(...) array: pruning protects nothing",
            )),
        },
        Err(_) => findings.push(finding(
            names::MODEL_PRUNE,
            "not found: nothing says which models pruning keeps",
        )),
    }
    for doc in DOCS {
        findings.extend(doc_findings(project, doc, &defaults));
    }
    match registry(project) {
        Err(f) => findings.push(f),
        Ok(None) => findings.push(finding(
            model_versions::MODEL_VERSIONS,
            "not found: no recorded digests (run `cargo xtask models record --execute`)",
        )),
        Ok(Some(registry)) => match registry.current {
            None => findings.push(finding(
                model_versions::MODEL_VERSIONS,
                "no \"Current Production Models (vX.Y.Z)\" section (run `cargo xtask models record --execute`)",
            )),
            Some(current) => {
                for entry in &current.entries {
                    if !is_default(&defaults, &entry.model) {
                        findings.push(finding(
                            format!("{}:{}", model_versions::MODEL_VERSIONS, entry.line),
                            format!("the current section (v{}) lists {}, which is not a default", current.version, entry.model),
                        ));
                    }
                }
                for model in &defaults.models {
                    if !current.entries.iter().any(|e| ollama::same_name(&e.model, &model.name)) {
                        findings.push(finding(
                            format!("{}:{}", model_versions::MODEL_VERSIONS, current.line),
                            format!("the current section (v{}) does not list the default {}", current.version, model.name),
                        ));
                    }
                }
            }
        },
    }
    findings
}

/// A doc names every default, and names no other tag of a default's model.
fn doc_findings(project: &Path, doc: &str, defaults: &Defaults) -> Vec<Finding> {
    let Ok(text) = std::fs::read_to_string(project.join(doc)) else {
        return vec![finding(doc, "not found: it should name the default models")];
    };
    let mut findings = Vec::new();
    let mentions = model_mentions(&text);
    for model in &defaults.models {
        let full = ollama::full_name(&model.name);
        if !mentions.iter().any(|(_, m)| ollama::same_name(m, &full)) {
            findings.push(finding(
                doc,
                format!("does not name the default model {}", model.name),
            ));
        }
    }
    for (line, mention) in &mentions {
        let Some((name, _)) = mention.split_once(':') else {
            continue;
        };
        let family = defaults.models.iter().any(|d| {
            ollama::full_name(&d.name)
                .split_once(':')
                .is_some_and(|(n, _)| n == name)
        });
        if family && !is_default(defaults, mention) {
            findings.push(finding(
                format!("{doc}:{line}"),
                format!(
                    "names {mention}, which is not a default ({})",
                    list(defaults)
                ),
            ));
        }
    }
    findings
}

/// `(line, name:tag)` for every model reference with a tag in `text`.
pub fn model_mentions(text: &str) -> Vec<(usize, String)> {
    let re =
        regex_lite::Regex::new(r"[A-Za-z0-9][A-Za-z0-9._/-]*:[A-Za-z0-9][A-Za-z0-9._-]*").unwrap();
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for m in re.find_iter(line) {
            let before = line[..m.start()].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || "._/:-".contains(c)) {
                continue;
            }
            let word = m.as_str().trim_end_matches(['.', '-']);
            if word.contains("//") || word.starts_with("http") {
                continue;
            }
            out.push((index + 1, word.to_string()));
        }
    }
    out
}

/// The day the registry line of `model` was recorded: its `recorded YYYY-MM-DD`, else the day
/// docs/MODEL_VERSIONS.md was last committed.
fn recorded_on(project: &Path, entry: &model_versions::Entry) -> Option<String> {
    entry.recorded.clone().or_else(|| {
        git::Repo::new(project)
            .git(&[
                "log",
                "-1",
                "--format=%cs",
                "--",
                model_versions::MODEL_VERSIONS,
            ])
            .ok()
            .filter(|d| !d.is_empty())
    })
}

/// Every default is served, with the digest recorded for the current version. `Err` when no
/// Ollama answers (the check is then blocked).
pub fn served(project: &Path, server: &Server) -> Result<Vec<Finding>, String> {
    let defaults = match defaults(project) {
        Ok(defaults) => defaults,
        Err(f) => return Ok(vec![f]),
    };
    let models = server
        .list()
        .map_err(|err| format!("{} cannot be asked: {err}", server.describe()))?;
    let current = match registry(project) {
        Ok(registry) => registry.and_then(|r| r.current),
        Err(f) => return Ok(vec![f]),
    };
    let mut findings = Vec::new();
    for model in &defaults.models {
        let at = format!("{}:{}", defaults.source.file(), model.line);
        let Some(served) = server::find(&models, &model.name) else {
            findings.push(finding(
                at,
                format!(
                    "{} is not in Ollama ({}): run ./scripts/model-pull.sh default",
                    model.name,
                    server.describe()
                ),
            ));
            continue;
        };
        let entry = current.as_ref().and_then(|c| {
            c.entries
                .iter()
                .find(|e| ollama::same_name(&e.model, &model.name))
        });
        let Some(entry) = entry else {
            findings.push(finding(
                model_versions::MODEL_VERSIONS,
                format!(
                    "{} has no recorded digest (run `cargo xtask models record --execute`)",
                    model.name
                ),
            ));
            continue;
        };
        if served.digest.len() < 12 || !served.digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            findings.push(finding(
                at,
                format!(
                    "{} is served with an unreadable digest {:?} ({})",
                    served.name,
                    served.digest,
                    server.describe()
                ),
            ));
            continue;
        }
        if !entry.digest.starts_with(&served.digest) {
            let version = current
                .as_ref()
                .map(|c| c.version.to_string())
                .unwrap_or_default();
            let date = recorded_on(project, entry)
                .map(|d| format!(" on {d}"))
                .unwrap_or_default();
            findings.push(finding(
                format!("{}:{}", model_versions::MODEL_VERSIONS, entry.line),
                format!(
                    "{} changed since v{version}: recorded {}{date}, serving {}",
                    served.name,
                    &entry.digest[..12],
                    &served.digest[..served.digest.len().min(12)]
                ),
            ));
        }
    }
    Ok(findings)
}

#[derive(Serialize)]
struct Report<'a> {
    status: &'a str,
    files: &'a [Finding],
    ollama: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked: Option<&'a str>,
}

pub fn run(project: &Path, format: Format) -> anyhow::Result<u8> {
    let files = files(project);
    let (ollama, blocked) = match Server::locate(project) {
        Ok(server) => match served(project, &server) {
            Ok(findings) => (findings, None),
            Err(why) => (Vec::new(), Some(why)),
        },
        Err(why) => (Vec::new(), Some(why.0)),
    };
    let status = if !files.is_empty() || !ollama.is_empty() {
        "fail"
    } else if blocked.is_some() {
        "blocked"
    } else {
        "pass"
    };
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&Report {
                status,
                files: &files,
                ollama: &ollama,
                blocked: blocked.as_deref(),
            })?
        ),
        Format::Human => {
            for f in files.iter().chain(&ollama) {
                println!("{f}");
            }
            if let Some(why) = &blocked {
                println!("blocked: {why} (set OLLAMA_HOST to the port compose publishes, or start the stack)");
            }
            println!(
                "models check: {status} ({} file finding(s), {} Ollama finding(s))",
                files.len(),
                ollama.len()
            );
        }
    }
    Ok(if status == "pass" {
        exit::OK
    } else {
        exit::FAILED
    })
}
