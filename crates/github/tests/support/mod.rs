//! Runs the real `xtask-github` binary against a fake GitHub, and checks after every run that
//! the token appeared nowhere: not on stdout or stderr, not in any request path, query or body.

#![allow(dead_code)] // Each test file uses a different part.

use std::{
    io::Write,
    path::PathBuf,
    process::{Command, Stdio},
};

use fake_github::{FakeGithub, Release};
use serde_json::{json, Value};

// Distinctive, so the tests can prove it never leaks; not shaped like a real token, so the
// repository's own secret scan stays clean.
pub const TOKEN: &str = "xtask-test-token-Distinctive0123456789abcdef";
pub const OWNER: &str = "tzervas";
pub const REPO: &str = "codemate-hub";

pub struct Run {
    pub code: i32,
    pub json: Value,
    pub stderr: String,
}

impl Run {
    /// The actions `publish` carried out, in order.
    pub fn performed(&self) -> Vec<&str> {
        self.json["performed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap())
            .collect()
    }
}

pub struct Setup {
    pub fake: FakeGithub,
    pub dir: tempfile::TempDir,
    pub request: Value,
    /// Extra environment for the binary, e.g. `XTASK_GITHUB_DEADLINE_S`.
    pub env: Vec<(String, String)>,
}

/// The release-card assets: an archive whose name needs percent-encoding, and its checksums.
pub const ASSETS: [(&str, &str); 2] = [
    (
        "codemate-hub-1.2.3+build.tar.gz",
        "not really a tarball, but bytes all the same\n",
    ),
    ("SHA256SUMS", "0123abcd  codemate-hub-1.2.3+build.tar.gz\n"),
];

impl Setup {
    pub fn new() -> Setup {
        Setup::for_tag("v1.2.3", false)
    }

    pub fn for_tag(tag: &str, prerelease: bool) -> Setup {
        let fake = FakeGithub::start(OWNER, REPO, TOKEN);
        let dir = tempfile::tempdir().unwrap();
        let mut assets = Vec::new();
        for (name, content) in ASSETS {
            let path = dir.path().join(name);
            std::fs::write(&path, content).unwrap();
            assets.push(json!({ "path": path, "name": name }));
        }
        let version = tag.trim_start_matches('v');
        // No `uploads_url`: it is derived from `.../api/v3`, as for GitHub Enterprise.
        let request = json!({
            "api_url": fake.api_url(),
            "owner": OWNER,
            "repo": REPO,
            "tag": tag,
            "name": format!("Version {version}"),
            "body": "### Added\n- Everything\n",
            "target_commitish": "0123456789abcdef0123456789abcdef01234567",
            "prerelease": prerelease,
            "make_latest": !prerelease,
            "assets": assets,
        });
        let env = vec![
            ("XTASK_GITHUB_RETRY_MS".to_string(), "1".to_string()),
            ("XTASK_GITHUB_DEADLINE_S".to_string(), "30".to_string()),
        ];
        Setup {
            fake,
            dir,
            request,
            env,
        }
    }

    pub fn asset_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.retain(|(key, _)| key != name);
        self.env.push((name.to_string(), value.to_string()));
    }

    pub fn run(&self, command: &str) -> Run {
        self.run_with_token(command, Some(TOKEN))
    }

    pub fn run_with_token(&self, command: &str, token: Option<&str>) -> Run {
        let mut binary = Command::new(env!("CARGO_BIN_EXE_xtask-github"));
        binary
            .arg(command)
            .env_remove("GITHUB_TOKEN")
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_API_URL")
            .env_remove("XTASK_GITHUB_PAGE_SIZE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(token) = token {
            binary.env("GITHUB_TOKEN", token);
        }
        for (name, value) in &self.env {
            binary.env(name, value);
        }
        let mut child = binary.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(self.request.to_string().as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        for secret in [TOKEN, token.unwrap_or(TOKEN)] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "token leaked:\n{stdout}\n{stderr}"
            );
        }
        self.assert_token_not_in_requests();
        let json = serde_json::from_str(stdout.trim()).unwrap_or_else(|err| {
            panic!("stdout is not one JSON value ({err}):\n{stdout}\n{stderr}")
        });
        Run {
            code: output.status.code().unwrap(),
            json,
            stderr,
        }
    }

    fn assert_token_not_in_requests(&self) {
        for request in self.fake.requests() {
            let body = String::from_utf8_lossy(&request.body);
            for part in [&request.path, &request.query, &body.into_owned()] {
                assert!(
                    !part.contains(TOKEN),
                    "token sent outside the auth header: {}",
                    request.line()
                );
            }
        }
    }

    /// The method and path of every request that changed something.
    pub fn mutations(&self) -> Vec<String> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| r.line())
            .collect()
    }
}

/// A release without ids (which depend on the order of events), assets sorted by name.
pub fn comparable(releases: &[Release]) -> Vec<Value> {
    releases
        .iter()
        .map(|release| {
            let mut assets: Vec<_> = release
                .assets
                .iter()
                .map(|asset| {
                    json!([
                        asset.name,
                        asset.size,
                        asset.digest,
                        asset.state,
                        asset.content
                    ])
                })
                .collect();
            assets.sort_by_key(|asset| asset[0].as_str().unwrap().to_string());
            json!({
                "tag": release.tag_name, "name": release.name, "body": release.body,
                "draft": release.draft, "prerelease": release.prerelease,
                "target": release.target_commitish, "make_latest": release.make_latest,
                "immutable": release.immutable, "assets": assets,
            })
        })
        .collect()
}

pub fn assert_ok(run: &Run) {
    assert_eq!(run.code, 0, "{}\n{}", run.json, run.stderr);
    assert_eq!(run.json["ok"], true);
}
