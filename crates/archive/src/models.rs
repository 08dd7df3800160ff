//! The models artifact: the project's default models with the digests recorded for them, a
//! function of the commit alone.
//!
//! The model list comes from `scripts/model-pull.sh` at the revision (a `DEFAULT_MODELS=(...)`
//! array, `MODEL_DEFAULT=`, or a `for model in ...` word list), else from the current section of
//! `docs/MODEL_VERSIONS.md`; the digests from that current section's
//! `- qwen2.5-coder:7b-q4_0 (SHA256: <hex>)` lines at the same revision. No live Ollama is asked:
//! a re-run on another machine writes the same bytes.

use project::model_versions;
use serde::{Deserialize, Serialize};

pub const PULL_SCRIPT: &str = "scripts/model-pull.sh";
pub const VERSIONS_DOC: &str = model_versions::MODEL_VERSIONS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Models {
    /// Where the list of models came from.
    pub list_source: String,
    /// The version the registry's current section is for (`None`: no current section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_for: Option<String>,
    pub models: Vec<Model>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// `name:tag` as Ollama spells it.
    pub reference: String,
    pub name: String,
    pub tag: String,
    pub digests: Vec<Digest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// `sha256:<hex>`.
    pub digest: String,
    pub source: String,
}

/// Builds the models artifact from the two files' text at the revision: `Ok(None)` when neither
/// names a model, `Err(why)` when the registry's current section is malformed.
pub fn collect(
    pull_script: Option<&str>,
    versions_doc: Option<&str>,
) -> Result<Option<Models>, String> {
    let current = match versions_doc.map(model_versions::parse) {
        Some(Ok(registry)) => registry.current,
        Some(Err(err)) => return Err(err.to_string()),
        None => None,
    };
    let documented: Vec<(String, String)> = current
        .iter()
        .flat_map(|c| {
            c.entries
                .iter()
                .map(|e| (e.model.clone(), e.digest.clone()))
        })
        .collect();
    let (list_source, references) = match pull_script
        .and_then(project::models::parse_default_models)
        .filter(|list| !list.is_empty())
    {
        Some(list) => (PULL_SCRIPT.to_string(), list),
        None if !documented.is_empty() => (
            VERSIONS_DOC.to_string(),
            documented
                .iter()
                .map(|(reference, _)| reference.clone())
                .collect(),
        ),
        None => return Ok(None),
    };
    let models = references
        .iter()
        .map(|reference| {
            let reference = project::models::full_reference(reference);
            let (name, tag) = reference
                .split_once(':')
                .expect("full references have a tag");
            let digests = documented
                .iter()
                .filter(|(documented, _)| project::models::full_reference(documented) == reference)
                .map(|(_, hex)| Digest {
                    digest: format!("sha256:{hex}"),
                    source: VERSIONS_DOC.to_string(),
                })
                .take(1)
                .collect();
            Model {
                name: name.to_string(),
                tag: tag.to_string(),
                digests,
                reference,
            }
        })
        .collect();
    Ok(Some(Models {
        list_source,
        recorded_for: current.map(|c| format!("v{}", c.version)),
        models,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn digests_come_from_the_current_section_only() {
        let script = "DEFAULT_MODELS=(\"qwen2.5-coder:7b-q4_0\" \"mistral\")";
        let doc = format!(
            "### Current Production Models (v0.5.0)\n- qwen2.5-coder:7b-q4_0 (SHA256: {HEX})\n\
             ### Previous Versions\n- v0.4.0: mistral:latest\n### Older digests\n- mistral:latest (SHA256: {})\n",
            "b".repeat(64)
        );
        let models = collect(Some(script), Some(&doc)).unwrap().unwrap();
        assert_eq!(models.list_source, PULL_SCRIPT);
        assert_eq!(models.recorded_for.as_deref(), Some("v0.5.0"));
        assert_eq!(
            models.models[0].digests,
            [Digest {
                digest: format!("sha256:{HEX}"),
                source: VERSIONS_DOC.into()
            }]
        );
        assert_eq!(models.models[1].reference, "mistral:latest");
        assert!(models.models[1].digests.is_empty());
        assert!(collect(None, None).unwrap().is_none());
        let from_doc = collect(Some("echo"), Some(&doc)).unwrap().unwrap();
        assert_eq!(from_doc.list_source, VERSIONS_DOC);
        let looped = collect(Some("for m in a:1 b:2; do\n"), None)
            .unwrap()
            .unwrap();
        assert_eq!(looped.models.len(), 2);
    }

    #[test]
    fn a_malformed_current_section_is_an_error() {
        let doc = "### Current Production Models (v1.0.0)\n- a:1 (SHA256: abc123...)\n";
        assert!(collect(None, Some(doc))
            .unwrap_err()
            .contains("MODEL_VERSIONS.md:2"));
    }
}
