//! The models the old version was validated with: the digests docs/MODEL_VERSIONS.md records
//! at `--to`, against what the running Ollama serves. Ollama cannot pull a model by digest, so a
//! model whose tag has moved on comes back only from a pinned copy (another tag with the
//! recorded digest, as `models update` keeps one): restored with `ollama cp`. Without one the
//! step says so, and the incident issue lists it.

use git::short;
use ollama::full_name;
use project::model_versions::{self, MODEL_VERSIONS as VERSIONS_DOC};
use xshell::{cmd, Shell};

use super::Rollback;
use crate::release::core::{Action, ActionKind, Step};

pub fn step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    let doc = r.release.repo.show_file(&r.to.commit, VERSIONS_DOC)?;
    // The current section's `- name:tag (SHA256: hex)` lines, read as `models` reads them.
    let registry = model_versions::parse(doc.as_deref().unwrap_or(""))
        .map_err(|err| anyhow::anyhow!("{VERSIONS_DOC} at {}: {err}", r.to.tag))?;
    let recorded: Vec<(String, String)> = registry
        .current
        .map(|current| {
            current
                .entries
                .into_iter()
                .map(|entry| (entry.model, entry.digest))
                .collect()
        })
        .unwrap_or_default();
    if recorded.is_empty() {
        s.done(format!(
            "{} records no model digests in {VERSIONS_DOC}",
            r.to.tag
        ));
        return Ok(());
    }
    s.summary(format!(
        "{} model(s) recorded by {} in {VERSIONS_DOC}",
        recorded.len(),
        r.to.tag
    ));
    let shown = "compare with the digests Ollama serves (GET /api/tags); restore a pinned copy with `ollama cp` where the tag has moved";
    // The old version is healthy by now: a comparison that cannot be made is said (here and
    // in the incident issue), not a reason to leave the rollback unannounced.
    let found = s.act(Action::new(ActionKind::Run, shown), || {
        Ok(compare(r, &recorded)
            .unwrap_or_else(|err| vec![format!("the models were not compared: {err:#}")]))
    })?;
    if let Some(lines) = found {
        s.summary(lines.join("; "));
        r.evidence.borrow_mut().extend(lines);
    }
    Ok(())
}

/// One line per model: served as recorded, restored from a pin, or not restorable.
fn compare(r: &Rollback, recorded: &[(String, String)]) -> anyhow::Result<Vec<String>> {
    let compose = project::compose::Compose::load(&r.release.project)
        .map_err(|err| anyhow::anyhow!("reading the compose file: {err}"))?;
    let ollama = compose
        .service("ollama")
        .ok_or_else(|| anyhow::anyhow!("{} has no ollama service", compose.file))?;
    let port = ollama
        .host_port(11434)
        .ok_or_else(|| anyhow::anyhow!("{} publishes no port for ollama", compose.file))?;
    let authority = format!("localhost:{port}");
    let served = ollama::Client::new(authority.clone())
        .tags()
        .map_err(|err| match err.kind {
            // The client's message already names the server it could not reach.
            ollama::ErrorKind::Unreachable => anyhow::anyhow!("{err}"),
            _ => anyhow::anyhow!("Ollama at {authority}: {err}"),
        })?;
    let container = ollama.container().to_string();
    let mut lines = Vec::new();
    for (reference, hex) in recorded {
        let name = full_name(reference);
        let now = served.iter().find(|model| full_name(&model.name) == name);
        if now.is_some_and(|model| model.digest == *hex) {
            lines.push(format!(
                "{name}: served as {} recorded ({})",
                r.to.tag,
                short(hex)
            ));
            continue;
        }
        let serving = now.map_or("nothing".to_string(), |model| {
            short12(&model.digest).to_string()
        });
        match served.iter().find(|model| model.digest == *hex) {
            Some(pin) => {
                let sh = Shell::new()?;
                let pinned = &pin.name;
                cmd!(sh, "docker exec {container} ollama cp {pinned} {name}")
                    .quiet()
                    .run()
                    .map_err(|err| anyhow::anyhow!("restoring {name} from {pinned}: {err}"))?;
                lines.push(format!(
                    "{name}: restored from the pinned copy {pinned} ({}; it served {serving})",
                    short(hex)
                ));
            }
            None => lines.push(format!(
                "{name}: Ollama serves {serving}, {} recorded {}, and no pinned copy is kept: Ollama cannot pull an old digest",
                r.to.tag,
                short(hex)
            )),
        }
    }
    Ok(lines)
}

/// The 12 hex digits `ollama list` shows as ID.
fn short12(digest: &str) -> &str {
    short(digest.strip_prefix("sha256:").unwrap_or(digest))
}
