use std::path::Path;

use runner::Status;
use testkit::git::TempRepo;

use super::*;

/// Runs a check with a `Vec<u8>` log; returns the outcome and the log's text.
fn run(check: impl FnOnce(Log) -> Outcome) -> (Outcome, String) {
    let mut log = Vec::new();
    let outcome = check(&mut log);
    (outcome, String::from_utf8(log).unwrap())
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A GitHub token assembled at run time, so this file holds no secret-shaped literal.
fn github_token() -> String {
    let body: String = "Q7wErT9yUiOp3AsDfGhJkL5zXcVbNm1q2W8e"
        .chars()
        .rev()
        .collect();
    format!("{}_{body}", "ghp")
}

// --- secrets -----------------------------------------------------------------------------------

#[test]
fn secrets_pass_on_a_clean_repo_and_say_what_was_scanned() {
    let repo = TempRepo::new();
    repo.write("src/app.py", "print('hello')\n");
    repo.write("logo.png", "\u{0}\u{1}binary");
    repo.commit_all("init");
    let (outcome, log) = run(|log| check_secrets(repo.path(), log));
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    assert_eq!(
        outcome.reason.as_deref(),
        Some("no secrets in 1 tracked files (skipped 1 binary, 0 over 1024 KiB, 0 deleted)")
    );
    assert!(log.contains("skipped logo.png"), "{log}");
}

#[test]
fn secrets_fail_on_a_tracked_secret_with_file_line_and_never_the_secret() {
    let repo = TempRepo::new();
    let token = github_token();
    repo.write(
        "src/settings.py",
        &format!("import os\nGITHUB = \"{token}\"\n"),
    );
    repo.write("untracked.env", &format!("T={token}\n"));
    repo.git(&["add", "src/settings.py"]);
    repo.git(&["commit", "--quiet", "-m", "init"]);
    let (outcome, log) = run(|log| check_secrets(repo.path(), log));
    assert_eq!(
        outcome,
        Outcome::fail("1 possible secrets in tracked files: src/settings.py:2: github-token ghp_…")
    );
    assert!(
        log.contains("src/settings.py:2: github-token ghp_… (sha256:"),
        "{log}"
    );
    for text in [&log, outcome.reason.as_ref().unwrap()] {
        assert!(!text.contains(&token[4..12]), "the secret leaked: {text}");
    }
}

#[test]
fn secrets_allowlist_suppresses_and_a_bad_allowlist_fails() {
    let repo = TempRepo::new();
    repo.write(
        "tests/fixtures/config.py",
        &format!("T = \"{}\"\n", github_token()),
    );
    repo.write(
        ".secrets-allowlist",
        "# test fixtures hold fake tokens\ngithub-token tests/fixtures/**\n",
    );
    repo.commit_all("init");
    let (outcome, _) = run(|log| check_secrets(repo.path(), log));
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");

    repo.write(".secrets-allowlist", "gitbub-token tests/fixtures/**\n");
    let (outcome, _) = run(|log| check_secrets(repo.path(), log));
    assert_eq!(outcome.status, Status::Fail);
    assert!(outcome
        .reason
        .unwrap()
        .starts_with(".secrets-allowlist:1: unknown rule id \"gitbub-token\""));
}

#[test]
fn secrets_are_blocked_outside_a_git_repository() {
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = run(|log| check_secrets(dir.path(), log));
    assert_eq!(outcome.status, Status::Blocked);
    assert!(outcome.reason.unwrap().contains("is not a git repository"));
}

// --- env-example -------------------------------------------------------------------------------

const COMPOSE: &str = r#"name: hub
services:
  app:
    image: "app:${APP_TAG:-latest}"   # ${IN_COMMENT}
    command: ["sh", "-c", "echo $$ESCAPED $HOST_VAR"]
    environment:
      - PASSED_THROUGH
      - "QUOTED_PASSED"
      - SET_HERE=value
      - FROM_HOST=${FROM_HOST_SOURCE}
  db:
    environment:
      MAP_PASSED:
      MAP_SET: "x"
    ports:
      - "5432:5432"
# ${COMMENTED_OUT}
"#;

#[test]
fn compose_refs_cover_interpolation_and_pass_through_environment() {
    let refs = compose_env_refs(COMPOSE);
    let expected = [
        ("APP_TAG", 4),
        ("HOST_VAR", 5),
        ("PASSED_THROUGH", 7),
        ("QUOTED_PASSED", 8),
        ("FROM_HOST_SOURCE", 10),
        ("MAP_PASSED", 13),
    ];
    assert_eq!(refs, expected.map(|(var, line)| (var.to_string(), line)));
}

#[test]
fn python_refs_cover_every_way_of_reading_the_environment() {
    let text = "import os\nfrom os import environ, getenv\n\
        A = os.getenv(\"A_VAR\", \"x\")\nB = os.environ[\"B_VAR\"]\nC = os.environ.get('C_VAR')\n\
        D = environ.get(\"D_VAR\")\nE = getenv(\"E_VAR\")\n# os.getenv(\"COMMENTED\")\nF = os.environ.setdefault(\"F_VAR\", \"1\")\n";
    let vars: Vec<(String, usize)> = python_env_refs(text);
    let expected = [
        ("A_VAR", 3),
        ("B_VAR", 4),
        ("C_VAR", 5),
        ("D_VAR", 6),
        ("E_VAR", 7),
        ("F_VAR", 9),
    ];
    assert_eq!(vars, expected.map(|(var, line)| (var.to_string(), line)));
}

#[test]
fn documented_vars_accept_commented_out_entries() {
    let vars = documented_vars("# comment\nA=1\n# B=\n#C=x\nexport D=2\nnot a var\n");
    assert_eq!(vars.into_iter().collect::<Vec<_>>(), ["A", "B", "C", "D"]);
}

fn env_project(example: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  app:\n    image: app:${TAG:-1}\n",
    );
    write(
        dir.path(),
        "src/pkg/config.py",
        "import os\nURL = os.getenv(\"OLLAMA_URL\")\n",
    );
    if let Some(example) = example {
        write(dir.path(), ".env.example", example);
    }
    dir
}

#[test]
fn env_example_passes_when_every_variable_is_listed() {
    let project = env_project(Some("TAG=1\n# OLLAMA_URL=http://ollama:11434\n"));
    let (outcome, log) = run(|log| check_env_example(project.path(), log));
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    assert_eq!(
        outcome.reason.as_deref(),
        Some("all 2 variables read by docker-compose.yml and 1 Python files in src/ are in .env.example")
    );
    assert!(
        log.contains("ok      OLLAMA_URL (src/pkg/config.py:2)"),
        "{log}"
    );
}

#[test]
fn env_example_fails_listing_each_missing_variable_where_it_is_read() {
    let project = env_project(Some("OTHER=1\n"));
    let (outcome, _) = run(|log| check_env_example(project.path(), log));
    assert_eq!(
        outcome,
        Outcome::fail(
            "2 variables missing from .env.example: OLLAMA_URL (src/pkg/config.py:2); TAG (docker-compose.yml:3)"
        )
    );
}

#[test]
fn env_example_fails_when_the_file_is_missing() {
    let project = env_project(None);
    let (outcome, _) = run(|log| check_env_example(project.path(), log));
    assert_eq!(outcome.status, Status::Fail);
    assert!(outcome
        .reason
        .unwrap()
        .starts_with(".env.example is missing"));
}

// --- env-not-tracked ---------------------------------------------------------------------------

#[test]
fn env_files_and_templates() {
    for (path, expected) in [
        (".env", true),
        ("config/.env", true),
        (".env.local", true),
        (".env.production", true),
        (".env.example", false),
        (".env.sample", false),
        (".env.template", false),
        (".envrc", false),
        ("env.py", false),
    ] {
        assert_eq!(is_env_file(Path::new(path)), expected, "{path}");
    }
}

#[test]
fn env_not_tracked_passes_with_only_templates_tracked() {
    let repo = TempRepo::new();
    repo.write(".env.example", "A=\n");
    repo.write(".env", "A=1\n");
    repo.write(".gitignore", ".env\n");
    repo.commit_all("init");
    let (outcome, _) = run(|log| check_env_not_tracked(repo.path(), log));
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
}

#[test]
fn env_not_tracked_fails_naming_the_tracked_env_files() {
    let repo = TempRepo::new();
    repo.write(".env.example", "A=\n");
    repo.write("deploy/.env.local", "A=1\n");
    repo.commit_all("init");
    let (outcome, _) = run(|log| check_env_not_tracked(repo.path(), log));
    assert_eq!(outcome.status, Status::Fail);
    assert!(outcome
        .reason
        .unwrap()
        .starts_with("tracked by git: deploy/.env.local: untrack"));
}

#[test]
fn env_not_tracked_is_blocked_outside_a_git_repository() {
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = run(|log| check_env_not_tracked(dir.path(), log));
    assert_eq!(outcome.status, Status::Blocked);
}

// --- image-scan --------------------------------------------------------------------------------

/// A temp project and a temp `bin/` of fake tools; the machine's PATH is that `bin/` then the
/// system folders (for `sh`).
struct ScanFixture {
    dir: tempfile::TempDir,
}

impl ScanFixture {
    fn new(compose: &str) -> ScanFixture {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("bin")).unwrap();
        write(&dir.path().join("project"), "docker-compose.yml", compose);
        ScanFixture { dir }
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    /// A fake tool that appends its arguments to `calls.txt` and runs `body`.
    fn tool(&self, name: &str, body: &str) {
        use std::os::unix::fs::PermissionsExt;
        let calls = self.dir.path().join("calls.txt");
        let path = self.dir.path().join("bin").join(name);
        let script = format!(
            "#!/bin/sh\necho \"{name} $*\" >> '{}'\n{body}\n",
            calls.display()
        );
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn calls(&self) -> String {
        fs::read_to_string(self.dir.path().join("calls.txt")).unwrap_or_default()
    }

    fn scan(&self) -> (Outcome, String) {
        let mut path = OsString::from(self.dir.path().join("bin"));
        path.push(":/usr/bin:/bin");
        let machine = Machine { path };
        run(|log| {
            let project = self.project();
            check_image_scan(&project, &Compose::load(&project), &machine, log)
        })
    }
}

const PULLED: &str =
    "services:\n  ollama:\n    image: ollama/ollama:${XTASK_TEST_UNSET_TAG:-0.5.1}\n";
const BUILT: &str =
    "name: Hub\nservices:\n  ollama:\n    image: ollama/ollama:1\n  app:\n    build: .\n";

#[test]
fn image_scan_is_blocked_without_a_scanner() {
    let fixture = ScanFixture::new(PULLED);
    let (outcome, _) = fixture.scan();
    assert_eq!(
        outcome,
        Outcome::blocked("neither trivy nor grype is installed: install one to scan images")
    );
}

#[test]
fn image_scan_passes_when_trivy_finds_nothing_at_the_threshold() {
    let fixture = ScanFixture::new(PULLED);
    fixture.tool("trivy", "exit 0");
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    assert_eq!(
        outcome.reason.as_deref(),
        Some("trivy: no HIGH,CRITICAL vulnerabilities in ollama/ollama:0.5.1")
    );
    assert_eq!(
        fixture.calls(),
        "trivy image --quiet --no-progress --severity HIGH,CRITICAL --exit-code 5 ollama/ollama:0.5.1\n"
    );
}

#[test]
fn image_scan_fails_on_vulnerabilities_and_keeps_the_report_in_the_log() {
    let fixture = ScanFixture::new(PULLED);
    fixture.tool("trivy", "echo 'CVE-2026-0001 CRITICAL openssl'; exit 5");
    let (outcome, log) = fixture.scan();
    assert_eq!(
        outcome,
        Outcome::fail(
            "trivy found HIGH,CRITICAL vulnerabilities in ollama/ollama:0.5.1 (details in the log)"
        )
    );
    assert!(log.contains("CVE-2026-0001 CRITICAL openssl"), "{log}");
}

#[test]
fn image_scan_is_blocked_when_the_scanner_errors() {
    let fixture = ScanFixture::new(PULLED);
    fixture.tool("trivy", "echo 'FATAL db download failed' >&2; exit 1");
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Blocked);
    assert!(outcome.reason.unwrap().contains("FATAL db download failed"));
}

#[test]
fn image_scan_uses_grype_when_trivy_is_absent() {
    let fixture = ScanFixture::new(PULLED);
    fixture.tool("grype", "exit 2");
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert_eq!(
        fixture.calls(),
        "grype ollama/ollama:0.5.1 --quiet --fail-on high\n"
    );
}

#[test]
fn image_scan_of_built_images_is_blocked_without_docker() {
    let fixture = ScanFixture::new(BUILT);
    fixture.tool("trivy", "exit 0");
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Blocked);
    assert!(outcome.reason.unwrap().starts_with("service app is built locally, so its image is in the Docker engine, but `docker` is not on PATH"));
}

#[test]
fn image_scan_of_built_images_is_blocked_when_the_engine_is_unreachable() {
    let fixture = ScanFixture::new(BUILT);
    fixture.tool("trivy", "exit 0");
    fixture.tool(
        "docker",
        "echo 'Cannot connect to the Docker daemon' >&2; exit 1",
    );
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Blocked);
    assert!(outcome.reason.unwrap().contains(
        "Docker engine not reachable (`docker info`: Cannot connect to the Docker daemon)"
    ));
}

#[test]
fn image_scan_takes_images_from_docker_compose_config_when_docker_is_here() {
    let fixture = ScanFixture::new(BUILT);
    fixture.tool("trivy", "exit 0");
    fixture.tool(
        "docker",
        "case \"$1\" in compose) printf 'ollama/ollama:1\\nhub-app\\n';; esac; exit 0",
    );
    let (outcome, _) = fixture.scan();
    assert_eq!(
        outcome.reason.as_deref(),
        Some("trivy: no HIGH,CRITICAL vulnerabilities in ollama/ollama:1, hub-app")
    );
    assert!(
        fixture.calls().contains("docker compose config --images\n"),
        "{}",
        fixture.calls()
    );
}

#[test]
fn image_scan_names_built_images_after_the_compose_project_without_compose_config() {
    let fixture = ScanFixture::new(BUILT);
    fixture.tool("trivy", "exit 0");
    fixture.tool("docker", "case \"$1\" in compose) exit 1;; esac; exit 0");
    let (outcome, log) = fixture.scan();
    assert_eq!(
        outcome.reason.as_deref(),
        Some("trivy: no HIGH,CRITICAL vulnerabilities in ollama/ollama:1, hub-app")
    );
    assert!(log.contains("reading docker-compose.yml instead"), "{log}");
}

#[test]
fn image_scan_passes_a_project_without_compose_file_saying_so() {
    let fixture = ScanFixture::new("");
    fs::remove_file(fixture.project().join("docker-compose.yml")).unwrap();
    fixture.tool("trivy", "exit 0");
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Pass);
    assert!(outcome.reason.unwrap().contains("no compose file"));
}

#[test]
fn interpolation_follows_compose() {
    let vars = |name: &str| match name {
        "SET" => Some("v".to_string()),
        "EMPTY" => Some(String::new()),
        _ => None,
    };
    let cases = [
        ("a:${SET}", "a:v"),
        ("a:${UNSET}", "a:"),
        ("a:${UNSET:-d}", "a:d"),
        ("a:${EMPTY:-d}", "a:d"),
        ("a:${EMPTY-d}", "a:"),
        ("a:$SET", "a:v"),
    ];
    for (text, expected) in cases {
        assert_eq!(interpolate(text, &vars), expected, "{text}");
    }
}
