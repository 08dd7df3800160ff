//! The JSON request read from stdin, the token and tuning read from the environment, and the
//! local assets (size and sha256, computed here rather than trusted from the caller).

use std::{fmt, fs::File, io::Read, path::PathBuf, time::Duration};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub const GITHUB_API: &str = "https://api.github.com";

pub use github_protocol::{AssetSpec, ReleaseSpec};

/// A [`ReleaseSpec`] that was parsed, checked for its protocol version and validated.
#[derive(Debug, Clone)]
pub struct Request(ReleaseSpec);

impl std::ops::Deref for Request {
    type Target = ReleaseSpec;
    fn deref(&self) -> &ReleaseSpec {
        &self.0
    }
}

/// A file to upload, hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalAsset {
    pub name: String,
    #[serde(skip)]
    pub path: PathBuf,
    #[serde(skip)]
    pub label: Option<String>,
    pub size: u64,
    /// `sha256:<hex>`, GitHub's digest format.
    pub digest: String,
}

impl Request {
    pub fn parse(json: &str) -> Result<Request> {
        let spec: ReleaseSpec =
            serde_json::from_str(json).map_err(|err| Error::InvalidRequest(err.to_string()))?;
        spec.check_protocol().map_err(Error::Protocol)?;
        let request = Request(spec);
        request.validate()?;
        Ok(request)
    }

    fn validate(&self) -> Result<()> {
        let required = [
            ("owner", &self.owner),
            ("repo", &self.repo),
            ("tag", &self.tag),
            ("name", &self.name),
            ("target_commitish", &self.target_commitish),
        ];
        if let Some((field, _)) = required.iter().find(|(_, value)| value.trim().is_empty()) {
            return Err(Error::InvalidRequest(format!("`{field}` is empty")));
        }
        for (index, asset) in self.assets.iter().enumerate() {
            if asset.name.is_empty() || asset.name.contains('/') {
                return Err(Error::InvalidRequest(format!(
                    "asset name {:?} is not a file name",
                    asset.name
                )));
            }
            if self.assets[..index]
                .iter()
                .any(|earlier| earlier.name == asset.name)
            {
                return Err(Error::InvalidRequest(format!(
                    "asset name {} appears twice",
                    asset.name
                )));
            }
        }
        Ok(())
    }

    pub fn repo_path(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    pub fn api_url(&self, env_api_url: Option<&str>) -> String {
        let url = self
            .api_url
            .as_deref()
            .or(env_api_url)
            .unwrap_or(GITHUB_API);
        url.trim_end_matches('/').to_string()
    }

    /// `uploads_url` of the request (`GITHUB_UPLOADS_URL`): an override of the `upload_url`
    /// each release object carries.
    pub fn uploads_override(&self) -> Option<String> {
        self.uploads_url
            .as_deref()
            .map(|url| url.trim_end_matches('/').to_string())
    }

    /// Hashes every asset; a missing file is a refusal, before anything is sent.
    pub fn local_assets(&self) -> Result<Vec<LocalAsset>> {
        self.assets.iter().map(hash_asset).collect()
    }
}

/// `https://api.github.com` → `https://uploads.github.com`; `https://api.X` → `https://uploads.X`
/// (GHE.com); `https://HOST/api/v3` → `https://HOST/api/uploads` (GitHub Enterprise Server).
/// Only a fallback for a release object without `upload_url`.
pub fn uploads_url_for(api_url: &str) -> Option<String> {
    let api_url = api_url.trim_end_matches('/');
    if let Some(host) = api_url.strip_prefix("https://api.") {
        return Some(format!("https://uploads.{host}"));
    }
    api_url
        .strip_suffix("/api/v3")
        .map(|server| format!("{server}/api/uploads"))
}

fn hash_asset(spec: &AssetSpec) -> Result<LocalAsset> {
    let read_error = |source| Error::ReadAsset {
        path: spec.path.clone(),
        source,
    };
    let mut file = File::open(&spec.path).map_err(read_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    let mut size = 0;
    loop {
        let read = file.read(&mut buffer).map_err(read_error)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok(LocalAsset {
        name: spec.name.clone(),
        path: spec.path.clone(),
        label: spec.label.clone(),
        size,
        digest: digest_hex(&hasher.finalize()),
    })
}

pub fn sha256_digest(bytes: &[u8]) -> String {
    digest_hex(&Sha256::digest(bytes))
}

pub(crate) fn digest_hex(hash: &[u8]) -> String {
    let hex: String = hash.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

impl LocalAsset {
    pub fn read(&self) -> Result<Vec<u8>> {
        std::fs::read(&self.path).map_err(|source| Error::ReadAsset {
            path: self.path.clone(),
            source,
        })
    }
}

/// A token that cannot be printed by accident: no `Display`, and `Debug` hides it.
#[derive(Clone)]
pub struct Token {
    value: String,
    /// The variable it came from, for messages.
    var: &'static str,
}

impl Token {
    pub(crate) fn expose(&self) -> &str {
        &self.value
    }

    /// Refused unless it can be sent as a header (a newline would make the HTTP stack panic).
    pub fn check(&self) -> Result<(), crate::Error> {
        github_protocol::rules::check_token(self.var, &self.value).map_err(|cause| {
            crate::Error::Setting {
                cause,
                fix: github_protocol::rules::TOKEN_HINT.into(),
            }
        })
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

/// What the environment provides; built once by the binary so the library reads no globals.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token: Option<Token>,
    pub env_api_url: Option<String>,
    /// For `publish`: the long, resumable deadline (`XTASK_GITHUB_DEADLINE_S`, 600 s).
    pub retry: RetryPolicy,
    /// For `check` and `plan`, which change nothing: give up soon and say why
    /// (`XTASK_GITHUB_READ_DEADLINE_S`, 45 s, never more than the publish deadline).
    pub read_deadline: Duration,
    /// Releases and assets per page when listing (GitHub's maximum is 100).
    pub page_size: u32,
}

/// The default deadline of the read-only commands (`check`, `plan`).
pub const READ_DEADLINE: Duration = Duration::from_secs(45);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait; each further consecutive failure doubles it, up to `max_wait`.
    pub base: Duration,
    pub max_wait: Duration,
    /// No new attempt starts after this much time since the command began.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
            deadline: Duration::from_secs(600),
        }
    }
}

impl Settings {
    /// `var` looks up an environment variable (`std::env::var(..).ok()` in the binary).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Settings {
        let non_empty = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let number =
            |name: &str| non_empty(name).and_then(|value| value.trim().parse::<u64>().ok());
        let defaults = RetryPolicy::default();
        let base = number("XTASK_GITHUB_RETRY_MS").map_or(defaults.base, Duration::from_millis);
        let deadline =
            number("XTASK_GITHUB_DEADLINE_S").map_or(defaults.deadline, Duration::from_secs);
        let read_deadline = number("XTASK_GITHUB_READ_DEADLINE_S")
            .map_or(READ_DEADLINE.min(deadline), Duration::from_secs);
        Settings {
            token: ["GITHUB_TOKEN", "GH_TOKEN"]
                .into_iter()
                .find_map(|var| non_empty(var).map(|value| Token { value, var })),
            env_api_url: non_empty("GITHUB_API_URL"),
            retry: RetryPolicy {
                base,
                max_wait: defaults.max_wait.max(base),
                deadline,
            },
            read_deadline,
            page_size: number("XTASK_GITHUB_PAGE_SIZE")
                .map_or(100, |size| size.clamp(1, 100) as u32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment of these pairs, for [`Settings::from_env`].
    fn env(pairs: &'static [(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn uploads_url_derivation() {
        let derive = |api: &str| uploads_url_for(api);
        assert_eq!(
            derive("https://api.github.com").as_deref(),
            Some("https://uploads.github.com")
        );
        assert_eq!(
            derive("https://api.acme.ghe.com/").as_deref(),
            Some("https://uploads.acme.ghe.com")
        );
        assert_eq!(
            derive("https://git.acme.com/api/v3").as_deref(),
            Some("https://git.acme.com/api/uploads")
        );
        assert_eq!(derive("https://git.acme.com/rest"), None);
    }

    #[test]
    fn token_from_github_token_then_gh_token_and_never_debug_printed() {
        let both = Settings::from_env(env(&[("GITHUB_TOKEN", "first"), ("GH_TOKEN", "second")]));
        assert_eq!(both.token.as_ref().unwrap().expose(), "first");
        assert!(!format!("{both:?}").contains("first"));
        let fallback = Settings::from_env(env(&[("GITHUB_TOKEN", " "), ("GH_TOKEN", "second")]));
        assert_eq!(fallback.token.unwrap().expose(), "second");
        assert!(Settings::from_env(env(&[])).token.is_none());
    }

    #[test]
    fn reads_give_up_sooner_than_publishing() {
        let defaults = Settings::from_env(env(&[]));
        assert_eq!(defaults.read_deadline, READ_DEADLINE);
        assert_eq!(defaults.retry.deadline, Duration::from_secs(600));
        let short = Settings::from_env(env(&[("XTASK_GITHUB_DEADLINE_S", "30")]));
        assert_eq!(short.read_deadline, Duration::from_secs(30));
        let set = Settings::from_env(env(&[("XTASK_GITHUB_READ_DEADLINE_S", "5")]));
        assert_eq!(set.read_deadline, Duration::from_secs(5));
        assert_eq!(set.retry.deadline, Duration::from_secs(600));
    }

    #[test]
    fn requests_with_empty_fields_or_duplicate_assets_are_refused() {
        let request = |assets: &str| {
            Request::parse(&format!(
                r#"{{"owner":"o","repo":"r","tag":"v1","name":"V1","target_commitish":"abc","make_latest":true,"assets":{assets}}}"#
            ))
        };
        assert!(request("[]").is_ok());
        let twice = r#"[{"path":"/a","name":"x"},{"path":"/b","name":"x"}]"#;
        assert!(
            matches!(request(twice), Err(Error::InvalidRequest(message)) if message.contains("twice"))
        );
        assert!(request(r#"[{"path":"/a","name":"d/x"}]"#).is_err());
        assert!(Request::parse(
            r#"{"owner":"","repo":"r","tag":"v1","name":"n","target_commitish":"a","make_latest":true}"#
        )
        .is_err());
    }
}
