//! The models the old version was validated with: the digests docs/MODEL_VERSIONS.md records
//! at `--to`, against what the running Ollama serves. Ollama cannot pull a model by digest, so a
//! model whose tag has moved on comes back only from a pinned copy (another tag with the
//! recorded digest, as `models update` keeps one): restored with `ollama cp`. Without one the
//! step says so, and the incident issue lists it.

use git::short;
use project::model_versions::{self, MODEL_VERSIONS as VERSIONS_DOC};
use project::models::full_reference;
use xshell::{cmd, Shell};

use super::Rollback;
use crate::release::core::{Action, OllamaCall, Op, Step};

pub fn step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    let doc = r.release.repo.show_file(&r.to.commit, VERSIONS_DOC)?;
    // The `- name:tag (SHA256: hex)` lines of the current section; older versions' are not
    // what `--to` was validated with.
    let current = match model_versions::parse(doc.as_deref().unwrap_or("")) {
        Ok(registry) => registry.current,
        Err(err) => {
            // Said here and in the incident issue; not a reason to leave the rollback unannounced.
            let line = format!("the models were not compared: at {}, {err}", r.to.tag);
            s.done(line.clone());
            r.evidence.borrow_mut().push(line);
            return Ok(());
        }
    };
    let recorded: Vec<(String, String)> = current
        .iter()
        .flat_map(|current| &current.entries)
        .map(|entry| (entry.model.clone(), entry.digest.clone()))
        .collect();
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
    let models = recorded.iter().map(|(name, _)| name.clone()).collect();
    let op = Op::Ollama {
        call: OllamaCall::Verify { models },
    };
    let found = s.act(Action::new(op).shown(shown), || {
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
    let client = ollama::Client::new(format!("localhost:{port}"));
    let served = client
        .tags()
        .map_err(|err| anyhow::anyhow!("asking Ollama at {}: {err}", client.authority()))?;
    let container = ollama.container().to_string();
    let mut lines = Vec::new();
    for (reference, hex) in recorded {
        let name = full_reference(reference);
        let now = served
            .iter()
            .find(|model| full_reference(&model.name) == name);
        if now.is_some_and(|model| model.digest == *hex) {
            lines.push(format!(
                "{name}: served as {} recorded ({})",
                r.to.tag,
                short(hex)
            ));
            continue;
        }
        let serving = now.map_or("nothing".to_string(), |model| {
            short(&model.digest).to_string()
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
