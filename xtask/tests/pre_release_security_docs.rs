//! The documentation and security checks through the `pre-release` binary: registered under
//! their ids, their reasons in the JSON report, and no secret in the report or the logs.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use testkit::git::TempRepo;

const CHECKS: [&str; 5] = [
    "secrets",
    "env-example",
    "env-not-tracked",
    "doc-references",
    "migration-guide",
];

/// A token assembled at run time, so this file holds no secret-shaped literal.
fn slack_token() -> String {
    format!("{}-{}-{}", "xoxb", "20260127", "k3Jq9ZrT7vXw2mNp5LsB8dHf")
}

/// Runs `pre-release --only` the five checks on `project`; returns the exit code, the JSON
/// report and the text of every log.
fn pre_release(project: &Path, out: &Path, extra: &[&str]) -> (i32, Value, String) {
    let report = out.join("report.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .arg("--project")
        .arg(project)
        .arg("pre-release")
        .arg("--report")
        .arg(&report);
    for id in CHECKS {
        command.args(["--only", id]);
    }
    let output = command.args(extra).env("XTASK_OUT", out).output().unwrap();
    let text = std::fs::read_to_string(&report).unwrap_or_else(|err| {
        panic!(
            "no report ({err}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let report: Value = serde_json::from_str(&text).unwrap();
    let logs = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|check| check["log"].as_str())
        .map(|log| std::fs::read_to_string(log).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    (
        output.status.code().unwrap(),
        report,
        format!("{text}\n{logs}"),
    )
}

fn check<'a>(report: &'a Value, id: &str) -> (&'a str, &'a str) {
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["id"] == id)
        .unwrap();
    (
        check["status"].as_str().unwrap(),
        check["reason"].as_str().unwrap_or(""),
    )
}

#[test]
fn a_leaky_project_fails_each_check_with_its_reason_and_never_shows_the_secret() {
    let repo = TempRepo::new();
    let token = slack_token();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0.4.0\"\n",
    );
    repo.write("README.md", "Run `./scripts/deploy.sh`.\n");
    repo.write(".env", &format!("SLACK_TOKEN={token}\n"));
    repo.write(
        "src/app.py",
        "import os\nTOKEN = os.environ[\"SLACK_TOKEN\"]\n",
    );
    repo.commit_all("init");
    repo.tag("v0.4.0");
    let out = tempfile::tempdir().unwrap();

    let (code, report, everything) = pre_release(repo.path(), out.path(), &["--version", "1.0.0"]);
    assert_eq!(code, 1);
    assert_eq!(
        check(&report, "secrets"),
        (
            "fail",
            "1 possible secrets in tracked files: .env:1: slack-token xoxb…"
        )
    );
    assert_eq!(check(&report, "env-not-tracked").0, "fail");
    assert!(check(&report, "env-example")
        .1
        .starts_with(".env.example is missing"));
    assert_eq!(
        check(&report, "doc-references"),
        (
            "fail",
            "1 of 1 references name nothing: README.md:1: ./scripts/deploy.sh"
        )
    );
    assert!(check(&report, "migration-guide")
        .1
        .starts_with("major bump 0.4.0 → 1.0.0 needs a migration guide"));
    assert!(
        !everything.contains(&token[4..]),
        "the token leaked into the report or a log"
    );
}

#[test]
fn a_tidy_project_passes_each_check_saying_what_it_checked() {
    let repo = TempRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0.4.0\"\n",
    );
    repo.write(
        "README.md",
        "Run `./scripts/deploy.sh`; see [the docs](docs/USAGE.md).\n",
    );
    repo.write("docs/USAGE.md", "Back to the [readme](../README.md).\n");
    repo.write("scripts/deploy.sh", "#!/bin/sh\n");
    repo.write(".env.example", "# SLACK_TOKEN=\n");
    repo.write(".gitignore", ".env\n");
    repo.write(".env", &format!("SLACK_TOKEN={}\n", slack_token()));
    repo.write(
        "src/app.py",
        "import os\nTOKEN = os.environ[\"SLACK_TOKEN\"]\n",
    );
    repo.commit_all("init");
    let out = tempfile::tempdir().unwrap();

    let (code, report, _) = pre_release(repo.path(), out.path(), &[]);
    for id in CHECKS {
        let (status, reason) = check(&report, id);
        assert_eq!(status, "pass", "{id}: {reason}");
        assert!(
            !reason.is_empty(),
            "{id} passed without saying what it checked"
        );
    }
    assert_eq!(code, 0);
}

#[test]
fn release_checks_toml_allows_an_env_file_that_holds_no_secret() {
    let repo = TempRepo::new();
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0.4.0\"\n",
    );
    repo.write(".env.ci", "DB_PASSWORD=ci\n");
    repo.commit_all("init");
    let out = tempfile::tempdir().unwrap();
    let (_, report, _) = pre_release(repo.path(), out.path(), &[]);
    assert_eq!(check(&report, "env-not-tracked").0, "fail");

    repo.write(
        "release-checks.toml",
        "[checks.env-not-tracked]\nallow_env_files = [\".env.ci\"]\n",
    );
    repo.commit_all("allow .env.ci");
    let (_, report, _) = pre_release(repo.path(), out.path(), &[]);
    let (status, reason) = check(&report, "env-not-tracked");
    assert_eq!(status, "pass", "{reason}");
    assert!(reason.ends_with("free of secrets: .env.ci"), "{reason}");
}
