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
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "docker-compose.yml", COMPOSE);
    let compose = Compose::load_with(dir.path(), &|_| None).unwrap();
    let refs: Vec<(String, usize)> = compose
        .variables
        .iter()
        .map(|v| (v.name.clone(), v.line))
        .collect();
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
    let (outcome, log) = run(|log| {
        check_env_example(
            project.path(),
            &Compose::load_with(project.path(), &|_| None),
            log,
        )
    });
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
    let (outcome, _) = run(|log| {
        check_env_example(
            project.path(),
            &Compose::load_with(project.path(), &|_| None),
            log,
        )
    });
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
    let (outcome, _) = run(|log| {
        check_env_example(
            project.path(),
            &Compose::load_with(project.path(), &|_| None),
            log,
        )
    });
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
    let (outcome, _) = run(|log| check_env_not_tracked(repo.path(), &[], log));
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
}

#[test]
fn env_not_tracked_fails_naming_the_tracked_env_files() {
    let repo = TempRepo::new();
    repo.write(".env.example", "A=\n");
    repo.write("deploy/.env.local", "A=1\n");
    repo.commit_all("init");
    let (outcome, _) = run(|log| check_env_not_tracked(repo.path(), &[], log));
    assert_eq!(outcome.status, Status::Fail);
    assert!(outcome
        .reason
        .unwrap()
        .starts_with("tracked by git: deploy/.env.local: untrack"));
}

#[test]
fn env_not_tracked_failure_says_how_to_allow_a_file() {
    let repo = TempRepo::new();
    repo.write(".env.ci", "DB_PASSWORD=ci\n");
    repo.commit_all("init");
    let (outcome, _) = run(|log| check_env_not_tracked(repo.path(), &[], log));
    assert_eq!(outcome.status, Status::Fail);
    assert!(
        outcome.reason.as_deref().unwrap().ends_with(
            "or, if it holds no secrets (test values for CI), allow it in release-checks.toml with \
             `[checks.env-not-tracked] allow_env_files = [\"FILE\"]`"
        ),
        "{outcome:?}"
    );
}

#[test]
fn env_not_tracked_passes_an_allowed_env_file_without_secrets() {
    let repo = TempRepo::new();
    repo.write(
        ".env.ci",
        "DB_PASSWORD=ci\nOLLAMA_URL=http://localhost:11434\n",
    );
    repo.write("deploy/.env.ci", "A=1\n");
    repo.commit_all("init");
    let allowed = [
        ".env.ci".to_string(),
        "./deploy/.env.ci".to_string(),
        ".env.gone".to_string(),
    ];
    let (outcome, log) = run(|log| check_env_not_tracked(repo.path(), &allowed, log));
    assert_eq!(
        outcome,
        Outcome {
            status: Status::Pass,
            reason: Some(
                "no .env file among 2 tracked files (templates .env.{example,sample,template} \
                 allowed); allowed in release-checks.toml and free of secrets: .env.ci, deploy/.env.ci"
                    .into()
            ),
            blocked_by: None,
        }
    );
    assert!(
        log.contains("allowed in release-checks.toml, not tracked: .env.gone"),
        "{log}"
    );
}

#[test]
fn env_not_tracked_fails_an_allowed_env_file_that_holds_a_secret() {
    let repo = TempRepo::new();
    let token = github_token();
    repo.write(".env.ci", &format!("A=1\nGITHUB_TOKEN={token}\n"));
    repo.write(".env", "A=1\n");
    repo.commit_all("init");
    let (outcome, log) = run(|log| check_env_not_tracked(repo.path(), &[".env.ci".into()], log));
    assert_eq!(outcome.status, Status::Fail);
    let reason = outcome.reason.unwrap();
    assert!(
        reason.starts_with("tracked by git: .env: untrack"),
        "{reason}"
    );
    assert!(
        reason.ends_with(
            "; allowed in release-checks.toml but the secret scan finds 1 possible secrets in \
             .env.ci: .env.ci:2: github-token ghp_…"
        ),
        "{reason}"
    );
    for text in [&log, &reason] {
        assert!(!text.contains(&token[4..12]), "the secret leaked: {text}");
    }
}

#[test]
fn env_not_tracked_is_blocked_when_an_allowed_file_cannot_be_scanned() {
    let repo = TempRepo::new();
    repo.write(".env.ci", "A=\u{0}1\n");
    repo.commit_all("init");
    let (outcome, _) = run(|log| check_env_not_tracked(repo.path(), &[".env.ci".into()], log));
    assert_eq!(outcome.status, Status::Blocked, "{outcome:?}");
    assert!(outcome
        .reason
        .unwrap()
        .contains("cannot read .env.ci (binary"));
}

#[test]
fn env_not_tracked_is_blocked_outside_a_git_repository() {
    let dir = tempfile::tempdir().unwrap();
    let (outcome, _) = run(|log| check_env_not_tracked(dir.path(), &[], log));
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

/// A fake trivy's report of a clean image.
const TRIVY_CLEAN: &str =
    r#"echo '{"SchemaVersion":2,"Results":[{"Target":"x","Class":"os-pkgs"}]}'; exit 0"#;

#[test]
fn image_scan_is_blocked_without_a_scanner_and_says_how_to_install_one() {
    let fixture = ScanFixture::new(PULLED);
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Blocked);
    let reason = outcome.reason.unwrap();
    assert!(
        reason.starts_with("neither trivy nor grype is installed: install one to scan images (trivy: `brew install trivy`"),
        "{reason}"
    );
    assert!(
        reason.contains("or grype: `brew install grype`"),
        "{reason}"
    );
}

#[test]
fn image_scan_passes_when_trivy_finds_nothing_at_the_threshold() {
    let fixture = ScanFixture::new(PULLED);
    fixture.tool("trivy", TRIVY_CLEAN);
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    assert_eq!(
        outcome.reason.as_deref(),
        Some("trivy: no HIGH,CRITICAL vulnerabilities in ollama/ollama:0.5.1")
    );
    assert_eq!(
        fixture.calls(),
        "trivy image --quiet --no-progress --format json --severity HIGH,CRITICAL --exit-code 5 ollama/ollama:0.5.1\n"
    );
}

#[test]
fn image_scan_fails_naming_each_package_and_its_fixed_version() {
    let fixture = ScanFixture::new(BUILT);
    fixture.tool(
        "docker",
        "case \"$1\" in compose) printf 'ollama/ollama:1\\nhub-app\\n';; esac; exit 0",
    );
    // Only the built image is vulnerable.
    fixture.tool(
        "trivy",
        r#"case "$*" in *hub-app*) ;; *) echo '{"Results":[]}'; exit 0;; esac
echo '{"Results":[{"Target":"hub-app (debian 12)","Vulnerabilities":[
 {"VulnerabilityID":"CVE-2026-0001","PkgName":"openssl","InstalledVersion":"3.0.1","FixedVersion":"3.0.7","Severity":"CRITICAL"},
 {"VulnerabilityID":"CVE-2026-0002","PkgName":"zlib","InstalledVersion":"1.2.13","Severity":"HIGH"}]}]}'
exit 5"#,
    );
    let (outcome, log) = fixture.scan();
    assert_eq!(
        outcome,
        Outcome::fail(
            "trivy found 2 HIGH,CRITICAL vulnerabilities in hub-app: \
             hub-app: openssl 3.0.1 → 3.0.7 (CVE-2026-0001, CRITICAL); \
             hub-app: zlib 1.2.13 (no fixed version yet) (CVE-2026-0002, HIGH)"
        )
    );
    assert!(log.contains("hub-app: openssl 3.0.1 → 3.0.7"), "{log}");
    assert!(
        log.contains("ollama/ollama:1: no HIGH,CRITICAL vulnerability"),
        "{log}"
    );
    let calls = fixture.calls();
    for image in ["ollama/ollama:1", "hub-app"] {
        assert!(
            calls.contains(&format!("--exit-code 5 {image}\n")),
            "{calls}"
        );
    }
}

#[test]
fn image_scan_is_blocked_when_the_report_cannot_be_read() {
    let fixture = ScanFixture::new(PULLED);
    fixture.tool("trivy", "echo 'CVE-2026-0001 CRITICAL openssl'; exit 5");
    let (outcome, log) = fixture.scan();
    assert_eq!(outcome.status, Status::Blocked);
    assert!(
        outcome
            .reason
            .unwrap()
            .contains("reading trivy's JSON report"),
        "{log}"
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
    fixture.tool(
        "grype",
        r#"echo '{"matches":[
 {"vulnerability":{"id":"GHSA-aaaa","severity":"High","fix":{"versions":["2.31.0"]}},"artifact":{"name":"requests","version":"2.25.0"}},
 {"vulnerability":{"id":"CVE-2026-0009","severity":"Medium","fix":{"versions":[]}},"artifact":{"name":"bash","version":"5.1"}}]}'
exit 2"#,
    );
    let (outcome, _) = fixture.scan();
    assert_eq!(
        outcome,
        Outcome::fail(
            "grype found 1 HIGH,CRITICAL vulnerabilities in ollama/ollama:0.5.1: \
             ollama/ollama:0.5.1: requests 2.25.0 → 2.31.0 (GHSA-aaaa, HIGH)"
        )
    );
    assert_eq!(
        fixture.calls(),
        "grype ollama/ollama:0.5.1 --quiet --output json --fail-on high\n"
    );
}

#[test]
fn image_scan_of_built_images_is_blocked_without_docker() {
    let fixture = ScanFixture::new(BUILT);
    fixture.tool("trivy", TRIVY_CLEAN);
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Blocked);
    assert!(outcome.reason.unwrap().starts_with("service app is built locally, so its image is in the Docker engine, but `docker` is not on PATH"));
}

#[test]
fn image_scan_of_built_images_is_blocked_when_the_engine_is_unreachable() {
    let fixture = ScanFixture::new(BUILT);
    fixture.tool("trivy", TRIVY_CLEAN);
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
    fixture.tool("trivy", TRIVY_CLEAN);
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
    fixture.tool("trivy", TRIVY_CLEAN);
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
    fixture.tool("trivy", TRIVY_CLEAN);
    let (outcome, _) = fixture.scan();
    assert_eq!(outcome.status, Status::Pass);
    assert!(outcome.reason.unwrap().contains("no compose file"));
}

// --- compose-defaults --------------------------------------------------------------------------

#[test]
fn secret_named_variables_with_literal_defaults_fail_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  web:\n    environment:\n      - SECRET_KEY=${WEB_SECRET_KEY:-supersecret}\n      - DB_PASSWORD=${DB_PASSWORD:-}\n      - API_TOKEN=${API_TOKEN:?set it}\n      - T=${GH_TOKEN-${OTHER}}\n      - KEEP=${OLLAMA_KEEP_ALIVE:-10m}\n      - PW=${ADMIN_PASS-admin}\n",
    );
    let compose = Compose::load_with(dir.path(), &|_| None);
    let (outcome, log) = run(|log| check_compose_defaults(&compose, log));
    assert_eq!(
        outcome,
        Outcome::fail(
            "2 secret defaults: `WEB_SECRET_KEY` defaults to a literal in docker-compose.yml:4: anyone who does not set it runs with a known secret; `ADMIN_PASS` defaults to a literal in docker-compose.yml:9: anyone who does not set it runs with a known secret"
        )
    );
    assert!(
        log.contains("ok      DB_PASSWORD (docker-compose.yml:5)"),
        "{log}"
    );
    assert!(!log.contains("OLLAMA_KEEP_ALIVE"), "{log}");
}

#[test]
fn compose_defaults_pass_without_literal_secrets() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  web:\n    environment:\n      - PASSWORD=${CODE_SERVER_PASSWORD}\n",
    );
    let compose = Compose::load_with(dir.path(), &|_| None);
    let (outcome, _) = run(|log| check_compose_defaults(&compose, log));
    assert_eq!(
        outcome.reason.as_deref(),
        Some("no literal default among 1 secret-named variables of docker-compose.yml")
    );
    assert_eq!(outcome.status, Status::Pass);
    assert!(is_secret_name("WEB_SECRET_KEY") && is_secret_name("api_key"));
    assert!(!is_secret_name("MONKEY_BUSINESS") && !is_secret_name("OLLAMA_KEEP_ALIVE"));
}

#[test]
fn compose_checks_see_included_files_and_fail_when_one_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "docker-compose.yml",
        "include: [lib/compose.yaml]\nservices:\n  app:\n    image: app\n",
    );
    write(
        dir.path(),
        "lib/compose.yaml",
        "services:\n  db:\n    image: db\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:-hunter2}\n",
    );
    let compose = Compose::load_with(dir.path(), &|_| None);
    let (outcome, _) = run(|log| check_compose_defaults(&compose, log));
    assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    assert!(
        outcome
            .reason
            .as_deref()
            .unwrap()
            .contains("lib/compose.yaml:5"),
        "{outcome:?}"
    );

    fs::remove_file(dir.path().join("lib/compose.yaml")).unwrap();
    let compose = Compose::load_with(dir.path(), &|_| None);
    let (outcome, _) = run(|log| check_compose_defaults(&compose, log));
    assert_eq!(
        outcome,
        Outcome::fail(
            "the compose files cannot be read: lib/compose.yaml: not found (included by docker-compose.yml:1)"
        )
    );
}
