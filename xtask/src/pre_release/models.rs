//! The models section: pulling and memory setup run as commands; which models Ollama lists, which
//! embedding model the code uses, and the Chroma DB are checked natively against the project's
//! own files (scripts/model-pull.sh, the memory-setup module and its constants).

use runner::{Log, Outcome};

use super::{Env, Native};

/// The module the checklist names for the embedding model ("line 60" there; resolved here).
use project::python::MEMORY_SETUP;
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

/// The embedding model memory setup uses, followed through its constants, is a default model;
/// when an environment variable can override it (`os.getenv("VAR", default)`), the values the
/// app's compose `environment:` and the project's `.env` give it must be default models too.
fn embedding_model(env: &Env, log: Log) -> Outcome {
    let defaults = match project::models::default_models(&env.project) {
        Ok(models) => models,
        Err(err) => return Outcome::fail(err.to_string()),
    };
    let resolved = match project::python::embedding_model(&env.project, MEMORY_SETUP) {
        Ok(resolved) => resolved,
        Err(err) => return Outcome::fail(err.to_string()),
    };
    writeln!(log, "read with {}", resolved.reader).ok();
    for step in &resolved.trail {
        writeln!(log, "  {step}").ok();
    }
    for call in &resolved.uses {
        writeln!(log, "used by {call}").ok();
    }
    let place = |step: Option<&project::python::Step>| {
        step.map_or_else(|| "?".to_string(), project::python::Step::place)
    };
    let (set_at, used_at) = (place(resolved.trail.last()), place(resolved.trail.first()));
    if resolved.trail.first().map(|step| step.line) != Some(CHECKLIST_LINE) {
        writeln!(
            log,
            "drift: the checklist points at {MEMORY_SETUP} line {CHECKLIST_LINE}; the model is used at {used_at}"
        )
        .ok();
    }
    // Each value the model can take: the code's default, then what overrides it.
    let mut values = vec![(
        resolved.value.clone(),
        format!("set at {set_at}, used at {used_at}"),
    )];
    if let Some(var) = &resolved.env_override {
        writeln!(
            log,
            "{var} overrides it at run time: looking at compose and .env"
        )
        .ok();
        values.extend(overrides(env, var, log));
    }
    let wrong: Vec<String> = values
        .iter()
        .filter(|(model, _)| !defaults.iter().any(|m| same_model(model, m)))
        .map(|(model, whence)| format!("{model} ({whence})"))
        .collect();
    let reader = match &resolved.reader {
        project::python::Reader::Lines { why } => format!("; read by lines: {why}"),
        project::python::Reader::Ast { .. } => String::new(),
    };
    if wrong.is_empty() {
        let all: Vec<String> = values
            .iter()
            .map(|(model, whence)| format!("{model} ({whence})"))
            .collect();
        return super::documentation::pass_because(format!(
            "embedding model {} is a default model of scripts/model-pull.sh{reader}",
            all.join("; overridden to ")
        ));
    }
    Outcome::fail(format!(
        "embedding model {} is not one of the default models of scripts/model-pull.sh: {}{reader}",
        wrong.join("; "),
        defaults.join(", ")
    ))
}

/// The values `var` takes from the app service's compose `environment:` and the project's .env.
fn overrides(env: &Env, var: &str, log: Log) -> Vec<(String, String)> {
    let mut found = Vec::new();
    if let Ok(compose) = &env.compose {
        for service in compose.services.iter().filter(|s| s.active) {
            match service.environment.iter().find(|(k, _)| k == var) {
                Some((_, Some(value))) if !value.is_empty() => found.push((
                    value.clone(),
                    format!(
                        "{var} in the environment of service `{}`, {}:{}",
                        service.name, service.file, service.line
                    ),
                )),
                Some((_, _)) => {
                    writeln!(
                        log,
                        "service `{}` passes {var} through from the shell",
                        service.name
                    )
                    .ok();
                }
                None => {}
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string(env.project.join(".env")) {
        let (entries, _) = project::compose::dotenv::parse(&text, &|_| None);
        if let Some(entry) = entries.iter().find(|e| e.key == var && !e.value.is_empty()) {
            found.push((entry.value.clone(), format!("{var} in .env:{}", entry.line)));
        }
    }
    if found.is_empty() {
        writeln!(log, "neither compose nor .env sets {var}").ok();
    }
    found
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
