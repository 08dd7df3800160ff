//! `cargo xtask pre-release` on projects shaped like real ones: the example's compose files
//! (interpolated ports, an override file, a profile-only service, `.env`), Python tools when uv
//! cannot provision, shared causes printed once, and a deliberately red project whose every
//! reason is asserted word for word.

mod common;

use common::Project;
use serde_json::Value;

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn status(report: &Value, id: &str) -> (String, String) {
    let check = check(report, id);
    let text = |key: &str| check[key].as_str().unwrap_or("").to_string();
    (text("status"), text("reason"))
}

#[test]
fn a_red_project_fails_naming_every_cause() {
    let project = Project::fixture(&testkit::red_project());
    let bin = tempfile::tempdir().unwrap();
    let path = project.offline_uv(bin.path());
    let run = project
        .xtask(&[
            "pre-release",
            "--section",
            "code-quality",
            "--section",
            "security",
            "--only",
            "compose-config",
            "--only",
            "embedding-model",
            "--skip",
            "integration-tests",
            "--skip",
            "image-scan",
            "--skip",
            "secrets",
            "--format",
            "json",
        ])
        .env("PATH", path)
        .run();
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    let expected = [
        (
            "python-env",
            "pass",
            "fell back (uv sync --frozen (installs the locked dev tools) failed (exit status: 2): error: Failed to fetch: https://pypi.org/simple/pytest/ (network unreachable); $VIRTUAL_ENV is not set): pytest 9.2.0, black 26.10.1, ruff 0.17.6 from PATH",
        ),
        (
            "unit-tests",
            "fail",
            "1 error: 1 collection error in tests/test_broken.py: SyntaxError: invalid syntax (src/broken.py:4)",
        ),
        (
            "black",
            "fail",
            "1 file cannot be parsed: src/broken.py:4:12 (at `def handler(:`)",
        ),
        (
            "ruff",
            "fail",
            "5 findings (F401 ×2, invalid-syntax ×2, F821 ×1); first: src/broken.py:4: invalid-syntax Expected a parameter or the end of the parameter list; src/broken.py:4: invalid-syntax Expected `)`, found newline; src/lint.py:3: F401 `os` imported but unused",
        ),
        (
            "compose-config",
            "fail",
            "1 problem in docker-compose.yml: docker-compose.yml:13: service `ollama`: cannot read port `11434:11434x`; 1 warning: docker-compose.yml:8: API_TOKEN is not set and has no default (services.web.environment): compose uses an empty string",
        ),
        (
            "embedding-model",
            "fail",
            "embedding model nomic-embed-text (set at src/settings.py:5, used at src/memory_setup.py:8); nomic-embed-text (EMBED_MODEL in the environment of service `web`, docker-compose.yml:2) is not one of the default models of scripts/model-pull.sh: mistral:latest",
        ),
        (
            "env-example",
            "fail",
            "4 variables missing from .env.example: API_TOKEN (docker-compose.yml:8); EMBED_MODEL (docker-compose.yml:9, src/settings.py:6); OLLAMA_PORT (docker-compose.yml:13); WEB_SECRET_KEY (docker-compose.yml:7); not read (does not parse): src/broken.py:4: SyntaxError: invalid syntax",
        ),
        (
            "compose-defaults",
            "fail",
            "1 secret default: `WEB_SECRET_KEY` defaults to a literal in docker-compose.yml:7: anyone who does not set it runs with a known secret",
        ),
    ];
    for (id, want_status, want_reason) in expected {
        assert_eq!(
            status(&report, id),
            (want_status.to_string(), want_reason.to_string()),
            "{id}"
        );
    }
    assert_eq!(status(&report, "pip-check").0, "pass");
}

#[test]
fn the_example_reads_its_compose_files_as_docker_compose_does() {
    let project = Project::example();
    project.publish_ports(21434, 27860, 28080);
    let args = [
        "pre-release",
        "--only",
        "compose-config",
        "--only",
        "checklist-drift",
        "--format",
        "json",
    ];
    let run = project.xtask(&args).run();
    let report = run.json();
    assert_eq!(
        status(&report, "compose-config"),
        (
            "pass".into(),
            "docker-compose.yml + docker-compose.override.yml: project codemate-hub, 4 of 5 services active; 1 warning: docker-compose.yml:58: CODE_SERVER_PASSWORD is not set and has no default (services.code-server.environment): compose uses an empty string".into()
        )
    );
    let log =
        std::fs::read_to_string(check(&report, "compose-config")["log"].as_str().unwrap()).unwrap();
    for line in [
        "env files: .env",
        "project: codemate-hub (from `name:` in docker-compose.yml:4)",
        "ollama (docker-compose.yml:7): container ollama, image ollama/ollama:latest, ports [21434:11434/tcp]",
        "langflow (docker-compose.yml:25): container codemate-hub-langflow-1, image langflowai/langflow:latest, ports [27860:7860/tcp]",
        "code-server (docker-compose.yml:49): container code-server, image codercom/code-server:latest, ports [28080:8080/tcp]",
        "chroma-admin (docker-compose.yml:96): INACTIVE, container codemate-hub-chroma-admin-1",
    ] {
        assert!(log.contains(line), "{line}\n{log}");
    }
    // The checklist's ports (7860, 8080, 11434) are compared with what compose publishes.
    let (drift, why) = status(&report, "checklist-drift");
    assert_eq!(drift, "fail");
    assert!(
        why.contains("the compose file publishes langflow on [27860]"),
        "{why}"
    );

    let run = project
        .xtask(&args)
        .env("COMPOSE_PROFILES", "debug")
        .env("COMPOSE_FILE", "docker-compose.yml")
        .run();
    let (_, why) = status(&run.json(), "compose-config");
    assert!(
        why.starts_with("docker-compose.yml: project codemate-hub, 5 of 5 services active"),
        "{why}"
    );
}

#[test]
fn a_shared_cause_is_printed_once_with_the_checks_it_blocks() {
    let project = Project::example();
    let run = project
        .xtask(&["pre-release", "--section", "functional"])
        .env("FAKE_DOCKER_ENGINE", "down")
        .run();
    assert_eq!(run.code, 1, "{run}");
    let causes: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("blocked by "))
        .collect();
    assert_eq!(causes.len(), 1, "{run}");
    assert!(
        causes[0].starts_with("blocked by docker engine (7 checks: build, deploy, health-script, services-healthy, pipeline, enclave-demo, orchestrator-examples): Docker engine not reachable ("),
        "{}",
        causes[0]
    );
    let rows = run
        .stdout
        .lines()
        .filter(|l| l.contains("Docker engine not reachable"))
        .count();
    assert_eq!(rows, 1, "the cause's text appears once: {run}");
    // Streamed lines and table rows agree.
    assert!(
        run.stderr
            .contains("[blocked] services-healthy (0.0s): blocked by: docker engine"),
        "{run}"
    );
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("services-healthy "))
        .unwrap();
    assert!(row.ends_with("blocked by: docker engine"), "{row}");

    let run = project
        .xtask(&["pre-release", "--section", "functional", "--format", "json"])
        .env("FAKE_DOCKER_ENGINE", "down")
        .run();
    let report = run.json();
    for id in ["build", "services-healthy", "pipeline"] {
        assert_eq!(check(&report, id)["blocked_by"], "docker engine", "{id}");
    }
    assert_eq!(check(&report, "compose-config")["blocked_by"], Value::Null);
}

#[test]
fn python_tools_fall_back_when_uv_cannot_provision() {
    let project = Project::example();
    let bin = tempfile::tempdir().unwrap();
    let path = project.offline_uv(bin.path());
    let run = project
        .xtask(&[
            "pre-release",
            "--only",
            "unit-tests",
            "--only",
            "ruff",
            "--format",
            "json",
        ])
        .env("PATH", path)
        .run();
    let report = run.json();
    let (env, why) = status(&report, "python-env");
    assert_eq!(env, "pass", "{run}");
    assert!(why.starts_with("fell back (uv sync --frozen (installs the locked dev tools) failed (exit status: 2): error: Failed to fetch"), "{why}");
    assert!(
        why.ends_with("pytest 9.2.0, black 26.10.1, ruff 0.17.6 from PATH"),
        "{why}"
    );
    assert_eq!(status(&report, "unit-tests").0, "pass", "{run}");
    assert_eq!(status(&report, "ruff").0, "pass", "{run}");
    assert_eq!(run.code, 0, "{run}");
}

#[test]
fn a_compose_file_that_is_not_yaml_defeats_only_the_facts_it_holds() {
    let project = Project::example();
    project.write(
        "docker-compose.override.yml",
        "services:\n  app:\n    environment: [\n",
    );
    project.commit("break the override file");
    let run = project
        .xtask(&[
            "pre-release",
            "--only",
            "compose-config",
            "--only",
            "checklist-drift",
            "--only",
            "doc-references",
            "--format",
            "json",
        ])
        .run();
    let report = run.json();
    let (config, why) = status(&report, "compose-config");
    assert_eq!(config, "fail");
    assert!(
        why.starts_with("docker-compose.override.yml: line 4: ") && why.ends_with("(not YAML)"),
        "{why}"
    );
    // The facts from compose cannot be compared: said once, with the lines; the others are.
    let (drift, why) = status(&report, "checklist-drift");
    assert_eq!(drift, "fail", "{why}");
    assert!(
        why.starts_with(
            "docs/RELEASE_CHECKLIST.md is stale: 2 of 17 facts differ from the files: "
        ),
        "{why}"
    );
    assert_eq!(why.matches("(not YAML)").count(), 1, "{why}");
    assert!(
        why.ends_with("; 11 could not be compared: docker-compose.override.yml: line 4: while parsing a node, did not find expected node content (not YAML) (lines 34, 35, 36, 37, 38, 39, 44, 47, 227, 239, 244)"),
        "{why}"
    );
    assert_eq!(status(&report, "doc-references").0, "pass");
}
