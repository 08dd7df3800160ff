//! `cargo xtask pre-release` end to end: the real binary on copies of the example project in temp
//! git repos, with a fake docker on PATH and local HTTP endpoints for the services.

mod common;

use common::{xtask, Project};
use serde_json::Value;
use testkit::docker::path_without;
use testkit::http;

/// A check's status and reason in a JSON report.
fn status(report: &Value, id: &str) -> (String, String) {
    let checks = report["checks"].as_array().unwrap();
    let check = checks
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"));
    let text = |key: &str| check[key].as_str().unwrap_or("").to_string();
    (text("status"), text("reason"))
}

#[test]
fn a_folder_without_pyproject_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = xtask(dir.path(), &["pre-release"]).run();
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("has no pyproject.toml"), "{run}");
    assert!(run.stderr.contains("hint: pass --project DIR"), "{run}");
}

#[test]
fn bad_override_file_is_refused_with_file_line_and_fix() {
    let project = Project::example();
    project.write("release-checks.toml", "[checks.unit-tests]\ntimout = 5\n");
    let run = project.xtask(&["pre-release"]).run();
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("error: release-checks.toml:2: unknown key `timout`"),
        "{run}"
    );
    assert!(run.stderr.contains("hint: "), "{run}");
}

#[test]
fn unknown_sections_and_ids_are_usage_errors() {
    let project = Project::example();
    for args in [
        &["pre-release", "--section", "qa"][..],
        &["pre-release", "--only", "nope"],
        &["pre-release", "--sign-off", "unit-tests"],
    ] {
        let run = project.xtask(args).run();
        assert_eq!(run.code, 2, "{args:?}: {run}");
        assert!(run.stderr.starts_with("error: "), "{run}");
    }
}

#[test]
fn dry_run_prints_commands_in_dependency_order_and_runs_nothing() {
    let project = Project::example();
    let run = project
        .xtask(&["pre-release", "--dry-run", "--python", "path"])
        .run();
    assert_eq!(run.code, 0, "{run}");
    let position = |id: &str| {
        run.stdout
            .lines()
            .position(|l| l.starts_with(&format!("{id}: ")))
            .unwrap_or_else(|| panic!("{id} missing: {run}"))
    };
    assert!(position("build") < position("deploy"));
    assert!(position("deploy") < position("services-healthy"));
    assert!(position("services-healthy") < position("pipeline"));
    assert!(
        run.stdout
            .contains("pipeline: docker exec coding-assistant python src/pipeline.py"),
        "{run}"
    );
    assert!(run.stdout.contains("access-controls: (manual: "), "{run}");
    assert!(
        project.docker.calls().is_empty(),
        "a dry run calls nothing: {:?}",
        project.docker.calls()
    );
    assert!(
        !project.out.path().join("pre-release").exists(),
        "a dry run writes no report"
    );
}

#[test]
fn docker_checks_are_blocked_with_the_reason_when_the_engine_is_down() {
    let project = Project::example();
    let run = project
        .xtask(&["pre-release", "--section", "functional", "--format", "json"])
        .env("FAKE_DOCKER_ENGINE", "down")
        .run();
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    let (build, why) = status(&report, "build");
    assert_eq!(build, "blocked");
    assert!(
        why.contains("Docker engine not reachable") && why.contains("Cannot connect"),
        "{why}"
    );
    assert_eq!(
        status(&report, "services-healthy"),
        ("blocked".into(), "dependency `deploy` is blocked".into())
    );
    assert_eq!(status(&report, "langflow-functional").0, "manual");
    assert_eq!(status(&report, "unit-tests").0, "skipped");
    assert!(report["summary"]["blocked"].as_u64().unwrap() >= 5);
    for check in report["checks"].as_array().unwrap() {
        for key in [
            "id",
            "section",
            "title",
            "status",
            "duration_ms",
            "command",
            "log",
            "reason",
        ] {
            assert!(check.get(key).is_some(), "{key} missing in {check}");
        }
    }
}

#[test]
fn docker_checks_are_blocked_when_docker_is_not_installed() {
    let project = Project::example();
    let run = project
        .xtask(&["pre-release", "--only", "build", "--format", "json"])
        .env("PATH", path_without("docker"))
        .run();
    assert_eq!(run.code, 1, "{run}");
    let (status, why) = status(&run.json(), "build");
    assert_eq!(status, "blocked");
    assert!(why.contains("`docker` not found on PATH"), "{why}");
}

#[test]
fn functional_and_model_checks_pass_against_running_services() {
    let project = Project::example();
    project.publish_ports(
        http::serve_status(200),
        http::serve_status(200),
        http::serve_status(302),
    );
    project.write("chroma_db/chroma.sqlite3", "x");
    let run = project
        .xtask(&[
            "pre-release",
            "--section",
            "functional",
            "--section",
            "models",
            "--format",
            "json",
        ])
        .env(
            "FAKE_OLLAMA_MODELS",
            "qwen2.5-coder:7b-q4_0=8de6119f677e mistral:latest=5b73bed31ecb nomic-embed-text:latest",
        )
        .run();
    let report = run.json();
    for id in [
        "build",
        "deploy",
        "health-script",
        "services-healthy",
        "pipeline",
        "enclave-demo",
        "orchestrator-examples",
        "model-pull",
        "models-listed",
        "embedding-model",
        "memory-setup",
        "chroma-db",
    ] {
        assert_eq!(status(&report, id).0, "pass", "{id}: {run}");
    }
    assert_eq!(run.code, 0, "{run}");
    let calls = project.docker.calls();
    for expected in [
        "docker compose build",
        "docker exec coding-assistant python src/pipeline.py",
        "docker exec ollama ollama list",
    ] {
        assert!(
            calls.iter().any(|c| c.starts_with(expected)),
            "{expected} not in {calls:?}"
        );
    }
}

#[test]
fn unhealthy_services_fail_naming_each_one() {
    let project = Project::example();
    project.publish_ports(
        http::serve_status(200),
        http::closed_port(),
        http::serve_status(503),
    );
    project.write(
        "release-checks.toml",
        "[checks.services-healthy]\ntimeout = 3\n",
    );
    let run = project
        .xtask(&[
            "pre-release",
            "--only",
            "services-healthy",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(run.code, 1, "{run}");
    let (health, why) = status(&run.json(), "services-healthy");
    assert_eq!(health, "fail");
    assert!(
        why.contains("langflow") && why.contains("Connection refused"),
        "{why}"
    );
    assert!(
        why.contains("code-server") && why.contains("HTTP 503"),
        "{why}"
    );
    assert!(!why.contains("ollama ("), "ollama answered: {why}");
}

#[test]
fn services_healthy_polls_the_endpoints_the_environment_names_and_says_which() {
    let project = Project::example();
    // The published ports answer nothing: only the overrides can make the check pass.
    project.publish_ports(
        http::closed_port(),
        http::closed_port(),
        http::closed_port(),
    );
    project.write(
        "release-checks.toml",
        "[checks.services-healthy]\ntimeout = 3\n",
    );
    let ollama = http::serve_status(200);
    let langflow = http::serve_status(200);
    let code_server = http::serve_status(200);
    let run = project
        .xtask(&[
            "pre-release",
            "--only",
            "services-healthy",
            "--format",
            "json",
        ])
        .env("OLLAMA_URL", format!("http://127.0.0.1:{ollama}"))
        .env("LANGFLOW_URL", format!("http://127.0.0.1:{langflow}/"))
        .env(
            "CODE_SERVER_URL",
            format!("http://127.0.0.1:{code_server}/ready"),
        )
        .run();
    let (health, why) = status(&run.json(), "services-healthy");
    assert_eq!(health, "pass", "{run}");
    assert!(
        why.contains(&format!("http://127.0.0.1:{ollama}/api/tags")),
        "{why}"
    );
    assert!(
        why.contains(&format!("http://127.0.0.1:{langflow}/health")),
        "{why}"
    );
    assert!(
        why.contains(&format!("http://127.0.0.1:{code_server}/ready")),
        "{why}"
    );

    let bad = project
        .xtask(&[
            "pre-release",
            "--only",
            "services-healthy",
            "--format",
            "json",
        ])
        .env("OLLAMA_URL", "https://example.invalid")
        .run();
    let (health, why) = status(&bad.json(), "services-healthy");
    assert_eq!(health, "fail");
    assert!(
        why.contains("OLLAMA_URL=\"https://example.invalid\": only http://"),
        "{why}"
    );
}

#[test]
fn models_missing_from_ollama_fail_naming_them() {
    let project = Project::example();
    project.publish_ports(
        http::serve_status(200),
        http::serve_status(200),
        http::serve_status(200),
    );
    let run = project
        .xtask(&["pre-release", "--only", "models-listed", "--format", "json"])
        .env("FAKE_OLLAMA_MODELS", "mistral:latest=5b73bed31ecb")
        .run();
    assert_eq!(run.code, 1, "{run}");
    let (models, why) = status(&run.json(), "models-listed");
    assert_eq!(models, "fail");
    assert!(
        why.contains("qwen2.5-coder:7b-q4_0") && !why.contains("mistral"),
        "{why}"
    );
}

#[test]
fn code_quality_gate_passes_clean_code_and_fails_unformatted_code_without_rewriting_it() {
    let project = Project::example();
    let args = [
        "pre-release",
        "--section",
        "code-quality",
        "--skip",
        "integration-tests",
        "--python",
        "path",
        "--format",
        "json",
    ];
    let run = project.xtask(&args).run();
    let report = run.json();
    for id in [
        "python-env",
        "unit-tests",
        "black",
        "ruff",
        "pip-check",
        "changelog",
        "version",
    ] {
        assert_eq!(status(&report, id).0, "pass", "{id}: {run}");
    }
    assert_eq!(status(&report, "docs-updated").0, "manual");
    assert_eq!(run.code, 0, "{run}");

    let ugly = "x = {  'a':1 }\n";
    project.write("src/ugly.py", ugly);
    project.commit("add unformatted code");
    let run = project.xtask(&args).run();
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    let (black, why) = status(&report, "black");
    assert_eq!(black, "fail");
    assert_eq!(
        why,
        "1 file would be reformatted: src/ugly.py (the diff is in the log)"
    );
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "black")
        .unwrap();
    let log = std::fs::read_to_string(check["log"].as_str().unwrap()).unwrap();
    assert!(
        log.contains("would reformat") && log.contains("+x = {\"a\": 1}"),
        "{log}"
    );
    assert_eq!(
        project.read("src/ugly.py"),
        ugly,
        "a gate never rewrites files"
    );
}

#[test]
fn version_must_be_semver_above_the_latest_tag_and_agree_with_uv_lock() {
    let project = Project::example();
    let only = ["pre-release", "--only", "version", "--format", "json"];
    project.git(&["tag", "-a", "v0.5.0", "-m", "v0.5.0"]);
    let (status_, why) = status(&project.xtask(&only).run().json(), "version");
    assert_eq!(status_, "fail");
    assert!(
        why.contains("0.4.0 is below the latest release tag v0.5.0"),
        "{why}"
    );

    let run = project
        .xtask(&[
            "pre-release",
            "--only",
            "version",
            "--version",
            "0.5.0",
            "--format",
            "json",
        ])
        .run();
    assert!(status(&run.json(), "version")
        .1
        .contains("--version 0.5.0 is not greater than the latest release tag v0.5.0"));

    project.git(&["tag", "-d", "v0.5.0"]);
    let lock = project.read("uv.lock").replacen(
        "name = \"codemate-hub\"\nversion = \"0.4.0\"",
        "name = \"codemate-hub\"\nversion = \"0.3.9\"",
        1,
    );
    project.write("uv.lock", &lock);
    let (status_, why) = status(&project.xtask(&only).run().json(), "version");
    assert_eq!(status_, "fail");
    assert!(why.contains("uv.lock records codemate-hub 0.3.9"), "{why}");

    let run = project.xtask(&["pre-release", "--version", "banana"]).run();
    assert_eq!(run.code, 2, "{run}");
}

#[test]
fn changelog_fails_when_there_is_nothing_to_release() {
    let project = Project::example();
    let only = ["pre-release", "--only", "changelog", "--format", "json"];
    assert_eq!(
        status(&project.xtask(&only).run().json(), "changelog").0,
        "pass"
    );

    let changelog = project.read("CHANGELOG.md");
    let start = changelog.find("## Unreleased").unwrap();
    let end = start + changelog[start..].find("\n## Version").unwrap();
    project.write(
        "CHANGELOG.md",
        &format!(
            "{}## Unreleased\n{}",
            &changelog[..start],
            &changelog[end..]
        ),
    );
    project.commit("empty Unreleased");
    project.git(&["tag", "-a", "v0.4.0", "-m", "v0.4.0"]);
    let (status_, why) = status(&project.xtask(&only).run().json(), "changelog");
    assert_eq!(status_, "fail");
    assert!(why.starts_with("nothing to release since v0.4.0"), "{why}");

    project.write("src/new.py", "\"\"\"New.\"\"\"\n");
    project.commit("feat: add a new module");
    assert_eq!(
        status(&project.xtask(&only).run().json(), "changelog").0,
        "pass",
        "commits to draft notes from"
    );
}

#[test]
fn sign_offs_are_recorded_and_manual_checks_stay_manual() {
    let project = Project::example();
    let run = project
        .xtask(&[
            "pre-release",
            "--only",
            "access-controls",
            "--sign-off",
            "access-controls",
            "--sign-off",
            "release-manager:Jane Doe",
            "--sign-off",
            "Tech Lead: Sam Roe",
            "--format",
            "json",
        ])
        .run();
    assert_eq!(run.code, 0, "{run}");
    let report = run.json();
    assert_eq!(status(&report, "access-controls").0, "manual");
    // The roles of the checklist's closing sign-off, by the names given.
    let signed = report["sign_offs"].as_array().unwrap();
    assert_eq!(signed.len(), 3, "{run}");
    assert_eq!(signed[0]["id"], "role:release-manager");
    assert_eq!(signed[0]["role"], "Release Manager");
    assert_eq!(signed[0]["by"], "Jane Doe");
    assert_eq!(signed[1]["role"], "Tech Lead");
    assert_eq!(signed[1]["by"], "Sam Roe");
    let sign_off = &signed[2];
    assert_eq!(sign_off["id"], "access-controls");
    assert_eq!(sign_off["by"], "Release Tester <tester@example.com>");
    assert!(sign_off["at"].as_str().unwrap().ends_with('Z'));
    assert!(sign_off.get("role").is_none());

    for (value, cause) in [("tech-lead:", "names no one"), ("ceo:Pat", "unknown role")] {
        let refused = project
            .xtask(&["pre-release", "--sign-off", value, "--dry-run"])
            .run();
        assert_eq!(refused.code, 2, "{refused}");
        assert!(refused.stderr.contains(cause), "{refused}");
    }
}

#[test]
fn separate_jobs_reports_merge_into_one_verdict() {
    let project = Project::example();
    let a = project.out.path().join("a.json");
    let b = project.out.path().join("b.json");
    let docs = project
        .xtask(&[
            "pre-release",
            "--section",
            "security",
            "--skip",
            "image-scan",
            "--report",
            a.to_str().unwrap(),
        ])
        .run();
    assert_eq!(docs.code, 0, "{docs}");
    let functional = project
        .xtask(&[
            "pre-release",
            "--only",
            "build",
            "--report",
            b.to_str().unwrap(),
        ])
        .env("FAKE_DOCKER_FAIL", "compose build")
        .run();
    assert_eq!(functional.code, 1, "{functional}");

    let run = project
        .xtask(&[
            "merge-reports",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--format",
            "json",
        ])
        .run();
    assert_eq!(run.code, 1, "{run}");
    let merged = run.json();
    assert_eq!(
        status(&merged, "secrets").0,
        "pass",
        "the job that ran it decides"
    );
    assert_eq!(status(&merged, "build").0, "fail");
    assert_eq!(merged["summary"]["fail"], 1);

    // One job's report alone is not a verdict: the checks it left to others ran nowhere.
    let only_a = project.xtask(&["merge-reports", a.to_str().unwrap()]).run();
    assert_eq!(only_a.code, 1, "{only_a}");
    assert!(only_a.stderr.contains("ran in no report"), "{only_a}");
    let garbage = project.out.path().join("garbage.json");
    std::fs::write(&garbage, "{}").unwrap();
    let unreadable = project
        .xtask(&["merge-reports", garbage.to_str().unwrap()])
        .run();
    assert_eq!(unreadable.code, 1, "{unreadable}");
    assert!(
        unreadable
            .stderr
            .contains("garbage.json is not a pre-release report"),
        "{unreadable}"
    );
}

#[test]
fn a_run_leaves_the_project_tree_clean() {
    let project = Project::example();
    let run = project
        .xtask(&[
            "pre-release",
            "--section",
            "documentation",
            "--section",
            "security",
            "--format",
            "json",
        ])
        .run();
    // The run really ran its checks (a refusal, exit 2, would leave the tree clean too).
    assert!(matches!(run.code, 0 | 1), "{run}");
    let report = run.json();
    let checks = report["checks"].as_array().expect("a report with checks");
    assert!(
        checks
            .iter()
            .any(|check| check["section"] == "documentation")
            && checks.iter().any(|check| check["section"] == "security"),
        "{run}"
    );
    assert_eq!(
        project.git(&["status", "--porcelain", "--ignored"]),
        "",
        "logs and reports go outside the tree"
    );
}

#[test]
fn the_committed_coverage_table_is_up_to_date() {
    let run = xtask(&testkit::example_project(), &["coverage", "--check"]).run();
    assert_eq!(run.code, 0, "{run}");
}
