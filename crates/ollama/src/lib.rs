//! A small blocking client of Ollama's HTTP API — `GET /api/tags`, `POST /api/show`,
//! `POST /api/pull` (NDJSON progress, every line checked for `error`), `POST /api/copy`,
//! `DELETE /api/delete` — and a reader of the `ollama list` table, for when only
//! `docker exec <container> ollama ...` reaches the server.
//!
//! The address is read from `OLLAMA_HOST` the way Ollama's own client reads it (see
//! [`authority_from_host`]). Plain HTTP only: Ollama serves plain HTTP on this machine or in the
//! compose network.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// Ollama's own default address.
pub const DEFAULT_AUTHORITY: &str = "127.0.0.1:11434";
const SHORT: Duration = Duration::from_secs(30);
/// A pull downloads gigabytes; the progress lines keep the connection busy, so this is the
/// longest silence accepted between two of them.
const PULL_SILENCE: Duration = Duration::from_secs(600);

/// A model Ollama has, as `/api/tags` (or `ollama list`) reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Model {
    /// `name:tag`, as Ollama spells it (the tag is always there).
    pub name: String,
    /// The manifest's SHA-256: 64 hex from the API, the 12-hex ID from `ollama list`.
    pub digest: String,
    /// Bytes (from `ollama list`: its rounded decimal figure).
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantization: Option<String>,
}

impl Model {
    /// Whether this is a full digest (the API) rather than a 12-hex ID (`ollama list`).
    pub fn has_full_digest(&self) -> bool {
        self.digest.len() == 64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Nothing answered (connection refused, timeout, not HTTP).
    Unreachable,
    /// The model does not exist (404, or a pull of a name the registry does not have).
    NotFound,
    /// Ollama answered with an error.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

fn error(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error {
        kind,
        message: message.into(),
    }
}

/// `host:port` for a value of `OLLAMA_HOST`, as Ollama's client derives it: quotes and spaces
/// trimmed, `0.0.0.0`/`::` mapped to loopback, port 11434 unless given (80 when a scheme is given
/// without one). `https://` is refused: this client speaks plain HTTP.
pub fn authority_from_host(value: &str) -> Result<String, String> {
    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if value.is_empty() {
        return Ok(DEFAULT_AUTHORITY.to_string());
    }
    let (rest, default_port) = match value.split_once("://") {
        Some(("http", rest)) => (rest, "80"),
        Some((scheme, _)) => {
            return Err(format!(
                "OLLAMA_HOST={value}: only plain http is supported, not {scheme}://"
            ))
        }
        None => (value, "11434"),
    };
    let host_port = rest.split('/').next().unwrap_or_default();
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (host, after) = v6.split_once(']').unwrap_or((v6, ""));
        (host.to_string(), after.strip_prefix(':').unwrap_or(""))
    } else if host_port.matches(':').count() > 1 {
        (host_port.to_string(), "")
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host.to_string(), port),
            None => (host_port.to_string(), ""),
        }
    };
    let port = match port.parse::<u16>() {
        Ok(port) => port.to_string(),
        Err(_) => default_port.to_string(),
    };
    let host = match host.as_str() {
        "" | "0.0.0.0" => "127.0.0.1".to_string(),
        "::" => "[::1]".to_string(),
        h if h.contains(':') => format!("[{h}]"),
        h => h.to_string(),
    };
    Ok(format!("{host}:{port}"))
}

/// An Ollama server reached over HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    authority: String,
}

impl Client {
    /// `authority` is `host:port` (see [`authority_from_host`]).
    pub fn new(authority: impl Into<String>) -> Client {
        Client {
            authority: authority.into(),
        }
    }

    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// `GET /api/tags`: every local model with its digest, size and details.
    pub fn tags(&self) -> Result<Vec<Model>, Error> {
        let body = self.call("GET", "/api/tags", None, SHORT)?;
        parse_tags(&body)
    }

    /// `POST /api/show`: the model's details (Ollama does not return the digest here).
    pub fn show(&self, model: &str) -> Result<serde_json::Value, Error> {
        let request = serde_json::json!({ "model": model });
        let body = self.call("POST", "/api/show", Some(&request), SHORT)?;
        serde_json::from_slice(&body).map_err(|err| {
            error(
                ErrorKind::Failed,
                format!("/api/show: reading the JSON: {err}"),
            )
        })
    }

    /// `POST /api/pull` streamed: succeeds only on a final `{"status":"success"}`; an `error`
    /// line (sent after the 200 once streaming started) is the failure.
    pub fn pull(&self, model: &str) -> Result<(), Error> {
        let request = serde_json::json!({ "model": model, "stream": true });
        let body = self.call("POST", "/api/pull", Some(&request), PULL_SILENCE)?;
        pull_outcome(model, &body)
    }

    /// `POST /api/copy`: another name for the same manifest (an existing one is overwritten).
    pub fn copy(&self, source: &str, destination: &str) -> Result<(), Error> {
        let request = serde_json::json!({ "source": source, "destination": destination });
        self.call("POST", "/api/copy", Some(&request), SHORT)
            .map(drop)
    }

    /// `DELETE /api/delete`: the name goes; blobs no other name uses go with it.
    pub fn delete(&self, model: &str) -> Result<(), Error> {
        let request = serde_json::json!({ "model": model });
        self.call("DELETE", "/api/delete", Some(&request), SHORT)
            .map(drop)
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
        wait: Duration,
    ) -> Result<Vec<u8>, Error> {
        let bytes = body.map(|b| b.to_string().into_bytes());
        let response = localhttp::request(&self.authority, method, path, bytes.as_deref(), wait)
            .map_err(|err| {
                error(
                    ErrorKind::Unreachable,
                    format!("Ollama at {} ({method} {path}): {err}", self.authority),
                )
            })?;
        if response.status == 200 {
            return Ok(response.body);
        }
        let said = serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&response.body).trim().to_string());
        let kind = if response.status == 404 {
            ErrorKind::NotFound
        } else {
            ErrorKind::Failed
        };
        Err(error(
            kind,
            format!("Ollama {method} {path}: HTTP {}: {said}", response.status),
        ))
    }
}

/// The models of a `/api/tags` answer.
pub fn parse_tags(body: &[u8]) -> Result<Vec<Model>, Error> {
    let bad = |why: String| error(ErrorKind::Failed, format!("/api/tags: {why}"));
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| bad(format!("reading the JSON: {err}")))?;
    let models = json["models"]
        .as_array()
        .ok_or_else(|| bad("no `models` list in the answer".into()))?;
    let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    Ok(models
        .iter()
        .filter_map(|model| {
            let name = model["name"].as_str()?;
            let digest = model["digest"].as_str()?;
            let digest = digest.strip_prefix("sha256:").unwrap_or(digest);
            Some(Model {
                name: name.to_string(),
                digest: digest.to_ascii_lowercase(),
                size: model["size"].as_u64().unwrap_or(0),
                family: text(&model["details"]["family"]),
                parameter_size: text(&model["details"]["parameter_size"]),
                quantization: text(&model["details"]["quantization_level"]),
            })
        })
        .collect())
}

fn pull_outcome(model: &str, body: &[u8]) -> Result<(), Error> {
    let mut last = String::new();
    for line in body.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(err) = json["error"].as_str() {
            let kind = if err.contains("file does not exist") || err.contains("not found") {
                ErrorKind::NotFound
            } else {
                ErrorKind::Failed
            };
            return Err(error(kind, format!("pulling {model}: {err}")));
        }
        if let Some(status) = json["status"].as_str() {
            last = status.to_string();
        }
    }
    if last == "success" {
        Ok(())
    } else {
        Err(error(
            ErrorKind::Failed,
            format!("pulling {model}: the stream ended without success (last status: {last:?})"),
        ))
    }
}

/// The models of an `ollama list` table (`NAME  ID  SIZE  MODIFIED`): names, 12-hex IDs and
/// sizes in bytes from the rounded decimal figure (`4.7 GB`).
pub fn parse_list(text: &str) -> Vec<Model> {
    text.lines()
        .skip_while(|line| !line.trim_start().starts_with("NAME"))
        .skip(1)
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            let id = words.next()?;
            let number = words.next()?;
            let unit = words.next().unwrap_or("B");
            Some(Model {
                name: name.to_string(),
                digest: id.to_ascii_lowercase(),
                size: size_bytes(number, unit),
                family: None,
                parameter_size: None,
                quantization: None,
            })
        })
        .collect()
}

fn size_bytes(number: &str, unit: &str) -> u64 {
    let factor: f64 = match unit {
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        _ => 1.0,
    };
    number
        .parse::<f64>()
        .map_or(0, |n| (n * factor).round() as u64)
}

/// Bytes in Ollama's decimal units: `4.7 GB`, `19 GB`, `850 MB`.
pub fn human_size(bytes: u64) -> String {
    let units = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")];
    for (factor, unit) in units {
        let value = bytes as f64 / factor;
        if value >= 1.0 {
            return if value >= 10.0 {
                format!("{} {unit}", value as u64)
            } else {
                format!("{:.1} {unit}", value)
            };
        }
    }
    format!("{bytes} B")
}

/// `mistral` means `mistral:latest`, as in Ollama.
pub fn full_name(model: &str) -> String {
    if model
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':'))
    {
        model.to_string()
    } else {
        format!("{model}:latest")
    }
}

/// Same model name, as Ollama matches them (case-insensitive, `:latest` implied).
pub fn same_name(a: &str, b: &str) -> bool {
    full_name(a).eq_ignore_ascii_case(&full_name(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ollama_host_as_ollama_reads_it() {
        for (value, want) in [
            ("", "127.0.0.1:11434"),
            ("1.2.3.4", "1.2.3.4:11434"),
            ("1.2.3.4:1234", "1.2.3.4:1234"),
            (":1234", "127.0.0.1:1234"),
            ("0.0.0.0", "127.0.0.1:11434"),
            ("http://1.2.3.4", "1.2.3.4:80"),
            ("\"example.com:99\"", "example.com:99"),
            ("[::1]:5", "[::1]:5"),
            ("::1", "[::1]:11434"),
        ] {
            assert_eq!(authority_from_host(value).unwrap(), want, "{value}");
        }
        assert!(authority_from_host("https://x").is_err());
    }

    #[test]
    fn tags_and_list() {
        let body = br#"{"models":[{"name":"mistral:latest","digest":"F974A74358D6aaaa","size":4100000000,"details":{"family":"llama","parameter_size":"7.2B","quantization_level":"Q4_0"}}]}"#;
        let models = parse_tags(body).unwrap();
        assert_eq!(models[0].digest, "f974a74358d6aaaa");
        assert_eq!(models[0].quantization.as_deref(), Some("Q4_0"));
        assert!(parse_tags(b"{}").is_err());
        let list = "NAME    ID    SIZE    MODIFIED\nmistral:latest    f974a74358d6    4.1 GB    2 days ago\n";
        let listed = parse_list(list);
        assert_eq!(listed[0].name, "mistral:latest");
        assert_eq!(listed[0].digest, "f974a74358d6");
        assert_eq!(listed[0].size, 4_100_000_000);
        assert_eq!(human_size(4_700_000_000), "4.7 GB");
        assert_eq!(human_size(19_000_000_000), "19 GB");
    }

    #[test]
    fn pull_stream_errors_after_200() {
        assert!(pull_outcome(
            "a",
            b"{\"status\":\"pulling manifest\"}\n{\"status\":\"success\"}\n"
        )
        .is_ok());
        let err = pull_outcome("a", b"{\"status\":\"pulling manifest\"}\n{\"error\":\"pull model manifest: file does not exist\"}\n").unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound);
        assert!(pull_outcome("a", b"{\"status\":\"pulling manifest\"}\n").is_err());
        assert!(same_name("Mistral", "mistral:latest"));
        assert!(!same_name("mistral:7b", "mistral"));
    }
}
