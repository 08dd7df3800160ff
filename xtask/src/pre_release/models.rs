//! The models section: pulling and memory setup run as commands; which models Ollama lists, which
//! embedding model the code uses, and the Chroma DB are checked natively against the project's
//! own files (scripts/model-pull.sh, the memory-setup module and its constants).

use runner::{Log, Outcome};

use super::{Env, Native};

use crate::models::check::MEMORY_SETUP;

/// The line the checklist names for the embedding model ("line 60"; resolved here).
const CHECKLIST_LINE: usize = 60;

pub fn native(id: &str) -> Option<Native> {
    match id {
        "models-listed" => Some(models_listed),
        "embedding-model" => Some(embedding_model),
        "chroma-db" => Some(chroma_db),
        _ => None,
    }
}

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

/// The embedding model memory setup uses, followed through its constants, is a default model
/// (the same code as `cargo xtask models check`).
fn embedding_model(env: &Env, log: Log) -> Outcome {
    let defaults = match crate::models::check::defaults(&env.project) {
        Ok(defaults) => defaults,
        Err(finding) => return Outcome::fail(finding.to_string()),
    };
    let trail = match crate::models::check::embedding(&env.project, &defaults) {
        Ok(trail) => trail,
        Err(finding) => return Outcome::fail(finding.to_string()),
    };
    for step in &trail {
        writeln!(log, "{step}").ok();
    }
    let used_at = trail
        .first()
        .and_then(|s| s.split(':').nth(1))
        .and_then(|l| l.parse::<usize>().ok());
    if used_at != Some(CHECKLIST_LINE) {
        writeln!(
            log,
            "drift: the checklist points at {MEMORY_SETUP} line {CHECKLIST_LINE}; the model is set at {}",
            trail.first().map(String::as_str).unwrap_or("?")
        )
        .ok();
    }
    Outcome::pass()
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
