//! The models section: pulling and memory setup run as commands; which models Ollama lists, which
//! embedding model the code uses, and the Chroma DB are checked natively against the project's
//! own files (scripts/model-pull.sh, the memory-setup module and its constants).

use runner::{Log, Outcome};
use xshell::{cmd, Shell};

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

/// Every default model of scripts/model-pull.sh is in `ollama list`.
fn models_listed(env: &Env, log: Log) -> Outcome {
    let defaults = match project::models::default_models(&env.project) {
        Ok(models) => models,
        Err(err) => return Outcome::fail(err.to_string()),
    };
    let container = match &env.compose {
        Ok(compose) => compose.service("ollama").map(|s| s.container().to_string()),
        Err(err) => return Outcome::fail(err.to_string()),
    };
    let Some(container) = container else {
        return Outcome::fail("docker-compose.yml has no ollama service");
    };
    let sh = match Shell::new() {
        Ok(sh) => sh,
        Err(err) => return Outcome::blocked(err.to_string()),
    };
    let command = cmd!(sh, "docker exec {container} ollama list");
    writeln!(log, "$ {command}").ok();
    let listed = match command.quiet().ignore_stderr().read() {
        Ok(out) => out,
        Err(err) => {
            return Outcome::fail(format!(
                "`docker exec {container} ollama list` failed: {err}"
            ))
        }
    };
    writeln!(log, "{listed}").ok();
    let listed: Vec<&str> = listed
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let missing: Vec<&String> = defaults
        .iter()
        .filter(|m| !listed.iter().any(|l| same_model(l, m)))
        .collect();
    if missing.is_empty() {
        Outcome::pass()
    } else {
        let missing: Vec<&str> = missing.iter().map(|m| m.as_str()).collect();
        Outcome::fail(format!(
            "not in `ollama list`: {} (run ./scripts/model-pull.sh default)",
            missing.join(", ")
        ))
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
