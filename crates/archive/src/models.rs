//! The models artifact: the project's default models with the digests its docs and a running
//! Ollama give, each digest with its source.
//!
//! The model list comes from `scripts/model-pull.sh` (`DEFAULT_MODELS=(...)` or `MODEL_DEFAULT=`);
//! digests from `docs/MODEL_VERSIONS.md` lines like `- qwen2.5-coder:7b-q4_0 (SHA256: <hex>)` and
//! from Ollama's `GET /api/tags`.

use serde::{Deserialize, Serialize};

use crate::ArchiveError;

pub const PULL_SCRIPT: &str = "scripts/model-pull.sh";
pub const VERSIONS_DOC: &str = "docs/MODEL_VERSIONS.md";
pub const OLLAMA_SOURCE: &str = "ollama /api/tags";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Models {
    /// Where the list of models came from.
    pub list_source: String,
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

/// A model as a running Ollama reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OllamaModel {
    pub reference: String,
    /// `sha256:<hex>`.
    pub digest: String,
}

/// Builds the models artifact from the two files' text at the revision; `None` when neither
/// names a model.
pub fn collect(
    pull_script: Option<&str>,
    versions_doc: Option<&str>,
    ollama: &[OllamaModel],
) -> Option<Models> {
    let documented = versions_doc.map(documented_digests).unwrap_or_default();
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
        None => return None,
    };
    let models = references
        .iter()
        .map(|reference| {
            let reference = project::models::full_reference(reference);
            let (name, tag) = reference
                .split_once(':')
                .expect("full references have a tag");
            let from_docs = documented
                .iter()
                .filter(|(documented, _)| project::models::full_reference(documented) == reference)
                .map(|(_, hex)| Digest {
                    digest: format!("sha256:{hex}"),
                    source: VERSIONS_DOC.to_string(),
                });
            let from_ollama = ollama
                .iter()
                .filter(|model| project::models::full_reference(&model.reference) == reference)
                .map(|model| Digest {
                    digest: model.digest.clone(),
                    source: OLLAMA_SOURCE.to_string(),
                });
            Model {
                name: name.to_string(),
                tag: tag.to_string(),
                digests: from_docs.take(1).chain(from_ollama.take(1)).collect(),
                reference,
            }
        })
        .collect();
    Some(Models {
        list_source,
        models,
    })
}

/// `(reference, hex)` for each `- <reference> (SHA256: <64 hex>)` line, first mention first.
/// Placeholders such as `abc123...` are not digests and are skipped.
pub fn documented_digests(doc: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for line in doc.lines() {
        let Some(item) = line
            .trim_start()
            .strip_prefix("- ")
            .or_else(|| line.trim_start().strip_prefix("* "))
        else {
            continue;
        };
        let Some((reference, rest)) = item.trim().split_once(" (SHA256:") else {
            continue;
        };
        let hex = rest
            .trim_start()
            .split(')')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let is_digest = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        let reference = reference.trim().trim_matches('`').to_string();
        if is_digest && !found.iter().any(|(known, _)| *known == reference) {
            found.push((reference, hex));
        }
    }
    found
}

/// Asks a plain-HTTP Ollama for its models (`GET /api/tags`), with short timeouts.
/// `url` is `http://host:port`, `host:port` or `host` (port 11434), as `OLLAMA_HOST` allows.
pub fn ollama_tags(url: &str) -> Result<Vec<OllamaModel>, ArchiveError> {
    let fail = |message: String| ArchiveError::Ollama {
        url: url.to_string(),
        message,
    };
    let authority = url
        .strip_prefix("http://")
        .unwrap_or(url)
        .trim_end_matches('/');
    if authority.contains("://") {
        return Err(fail("only plain http:// is supported".into()));
    }
    let authority = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:11434")
    };
    // `OLLAMA_HOST=0.0.0.0` is how a server listens; a client reaches it on loopback.
    let authority = authority.replace("0.0.0.0", "127.0.0.1");
    let response = localhttp::get(&authority, "/api/tags").map_err(fail)?;
    if response.status != 200 {
        return Err(fail(format!("answered HTTP {}", response.status)));
    }
    parse_tags(&response.body).map_err(fail)
}

fn parse_tags(body: &[u8]) -> Result<Vec<OllamaModel>, String> {
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| format!("reading the JSON: {err}"))?;
    let models = json["models"]
        .as_array()
        .ok_or("no `models` list in the answer")?;
    Ok(models
        .iter()
        .filter_map(|model| {
            let reference = model["name"].as_str()?;
            let digest = model["digest"].as_str()?;
            let digest = if digest.contains(':') {
                digest.to_string()
            } else {
                format!("sha256:{digest}")
            };
            Some(OllamaModel {
                reference: reference.to_string(),
                digest,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn documented_digests_skip_placeholders_and_keep_the_first() {
        let doc = format!(
            "### Current\n- qwen2.5-coder:7b-q4_0 (SHA256: {HEX})\n- mistral:latest (SHA256: def456...)\n\
             ### Previous\n- qwen2.5-coder:7b-q4_0 (SHA256: {})\n- v0.4.0: qwen2.5-coder:7b, mistral:latest\n",
            "b".repeat(64)
        );
        assert_eq!(
            documented_digests(&doc),
            [("qwen2.5-coder:7b-q4_0".to_string(), HEX.to_string())]
        );
    }

    #[test]
    fn collect_merges_sources() {
        let script = "DEFAULT_MODELS=(\"qwen2.5-coder:7b-q4_0\" \"mistral\")";
        let doc = format!("- qwen2.5-coder:7b-q4_0 (SHA256: {HEX})");
        let ollama = [OllamaModel {
            reference: "mistral:latest".into(),
            digest: "sha256:cafe".into(),
        }];
        let models = collect(Some(script), Some(&doc), &ollama).unwrap();
        assert_eq!(models.list_source, PULL_SCRIPT);
        assert_eq!(
            models.models[0].digests,
            [Digest {
                digest: format!("sha256:{HEX}"),
                source: VERSIONS_DOC.into()
            }]
        );
        assert_eq!(models.models[1].reference, "mistral:latest");
        assert_eq!(models.models[1].tag, "latest");
        assert_eq!(models.models[1].digests[0].source, OLLAMA_SOURCE);
        assert!(collect(None, None, &ollama).is_none());
    }

    #[test]
    fn tags_response() {
        let body = b"{\"models\":[{\"name\":\"mistral:latest\",\"digest\":\"f974\",\"size\":1}]}";
        assert_eq!(
            parse_tags(body).unwrap(),
            [OllamaModel {
                reference: "mistral:latest".into(),
                digest: "sha256:f974".into()
            }]
        );
        assert!(parse_tags(b"{}").is_err());
    }

    #[test]
    fn ollama_over_a_local_socket() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let read = socket.read(&mut request).unwrap();
            assert!(request[..read].starts_with(b"GET /api/tags HTTP/1.0\r\n"));
            socket.write_all(b"HTTP/1.0 200 OK\r\n\r\n{\"models\":[{\"name\":\"a:b\",\"digest\":\"sha256:01\"}]}").unwrap();
        });
        assert_eq!(ollama_tags(&url).unwrap()[0].reference, "a:b");
        server.join().unwrap();
    }
}
