//! The models section: pulling and memory setup run as commands; which models Ollama lists, which
//! embedding model the code uses, and the Chroma DB are checked natively against the project's
//! own files (scripts/model-pull.sh, the memory-setup module and its constants).

use runner::{Log, Outcome};

use super::{Env, Native};

/// The module the checklist names for the embedding model ("line 60" there; resolved here).
const MEMORY_SETUP: &str = "src/memory_setup.py";
const CHECKLIST_LINE: usize = 60;

/// The checks of this section implemented here, by id (see `super::NATIVE`).
pub const NATIVE: &[(&str, Native)] = &[
    ("models-listed", models_listed),
    ("embedding-model", embedding_model),
    ("chroma-db", chroma_db),
];

/// Every default model is served by Ollama with the digest recorded for the current version:
/// the same code as `cargo xtask models check`.
fn models_listed(env: &Env, log: Log) -> Outcome {
    let server = match crate::models::Server::locate(&env.project) {
        Ok(server) => server,
        Err(why) => return Outcome::blocked(why.to_string()),
    };
    writeln!(log, "asking {}", server.describe()).ok();
    match crate::models::check::served(&env.project, &server) {
        Err(why) => Outcome::blocked(why),
        Ok(findings) if findings.is_empty() => Outcome::pass(),
        Ok(findings) => {
            for finding in &findings {
                writeln!(log, "{finding}").ok();
            }
            Outcome::fail(
                findings
                    .iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }
    }
}

/// The embedding model memory setup uses, followed through its constants, is a default model.
fn embedding_model(env: &Env, log: Log) -> Outcome {
    let defaults = match project::models::default_models(&env.project) {
        Ok(models) => models,
        Err(err) => return Outcome::fail(err.to_string()),
    };
    let resolved = match project::python::embedding_model(&env.project, MEMORY_SETUP) {
        Ok(resolved) => resolved,
        Err(err) => return Outcome::fail(err.to_string()),
    };
    for step in &resolved.trail {
        writeln!(log, "{step}").ok();
    }
    if let Some(var) = &resolved.env_override {
        writeln!(
            log,
            "note: the environment variable {var} overrides it at run time"
        )
        .ok();
    }
    let used_at = resolved.trail.first().map(|step| step.line);
    if used_at != Some(CHECKLIST_LINE) {
        writeln!(
            log,
            "drift: the checklist points at {MEMORY_SETUP} line {CHECKLIST_LINE}; the model is set at {}",
            resolved
                .trail
                .first()
                .map_or_else(|| "?".to_string(), ToString::to_string)
        )
        .ok();
    }
    if defaults.iter().any(|m| same_model(&resolved.value, m)) {
        Outcome::pass()
    } else {
        Outcome::fail(format!(
            "embedding model {} ({}) is not one of the default models of scripts/model-pull.sh: {}",
            resolved.value,
            resolved.origin(),
            defaults.join(", ")
        ))
    }
}

/// `chroma_db/` exists and holds something.
fn chroma_db(env: &Env, log: Log) -> Outcome {
    let dir = env.project.join("chroma_db");
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            let names: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            writeln!(log, "{}: {}", dir.display(), names.join(" ")).ok();
            if names.is_empty() {
                Outcome::fail("chroma_db/ is empty: memory setup has not initialised it")
            } else {
                Outcome::pass()
            }
        }
        Err(err) => Outcome::fail(format!(
            "chroma_db/ cannot be read ({err}): run memory setup first"
        )),
    }
}

/// Ollama names without a tag mean `:latest`.
fn same_model(a: &str, b: &str) -> bool {
    project::models::full_reference(a) == project::models::full_reference(b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn untagged_model_names_mean_latest() {
        assert!(super::same_model("mistral", "mistral:latest"));
        assert!(!super::same_model("mistral:7b", "mistral:latest"));
    }
}
