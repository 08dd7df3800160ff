//! `cargo xtask rollback`: real git with a bare `origin`, the example project's own scripts
//! against a fake docker that keeps compose state, local HTTP servers for the services' health
//! endpoints and Ollama's `/api/tags`, and the fake GitHub through the real `xtask-github`
//! (build it first: `cargo build -p github --bin xtask-github`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Run;
use fake_github::FakeGithub;
use testkit::docker::FakeDocker;
use testkit::git::TempRepo;

const TOKEN: &str = "ghs_rollback_test_token_9c2e";
const OWNER: &str = "tzervas";
const REPO: &str = "codemate-hub";
/// 2026-01-02T03:04:05Z.
const EPOCH: &str = "1767323045";
/// The digests docs/MODEL_VERSIONS.md records for the example's current models.
const QWEN: &str = "8de6119f677e6be0e9c78aa9763a4be1492458f955362604cc1cbf69da76143d";
const MISTRAL: &str = "5b73bed31ecbeafa29f8516a16c967e1e1a838e833ac16b721a5ad73bcb7cfb4";
const NEWER: &str = "f974a74358d6f974a74358d6f974a74358d6f974a74358d6f974a74358d6aaaa";

struct Setup {
    repo: TempRepo,
    docker: FakeDocker,
    out: PathBuf,
    gh: Option<FakeGithub>,
}

/// Ollama's `/api/tags`: qwen as recorded; mistral's tag moved on, with or without a pinned
/// copy of the recorded digest.
fn ollama_tags(pinned: bool) -> String {
    let model = |name: &str, hex: &str| format!(r#"{{"name":"{name}","digest":"{hex}"}}"#);
    let mut models = vec![
        model("qwen2.5-coder:7b-q4_0", QWEN),
        model("mistral:latest", NEWER),
    ];
    if pinned {
        models.push(model("mistral:pin-5b73bed31eca", MISTRAL));
    }
    format!(r#"{{"models":[{}]}}"#, models.join(","))
}

impl Setup {
    /// v0.4.0 (healthy unless `healthy_old` is false), v0.5.0-rc.1, v0.5.0 — pushed; the
    /// v0.5.0 deployment is up; `chroma_db/` holds data; GitHub has releases for v0.4.0 and v0.5.0.
    fn new(healthy_old: bool, github: bool, pinned: bool) -> Setup {
        Setup::with(healthy_old, github, &ollama_tags(pinned), true)
    }

    /// [`Setup::new`] with Ollama answering `tags`; without `old_release`, GitHub has no
    /// release for v0.4.0.
    fn with(healthy_old: bool, github: bool, tags: &str, old_release: bool) -> Setup {
        let repo = TempRepo::new();
        repo.copy_fixture(&testkit::example_project());
        let ollama = testkit::http::serve(200, tags);
        let up = testkit::http::serve_status(200);
        let old_code_server = if healthy_old {
            up
        } else {
            testkit::http::closed_port()
        };
        let compose = repo.read("docker-compose.yml");
        // The example publishes `${OLLAMA_HOST_PORT:-11434}:11434` and the like.
        let ports = |code_server: u16| {
            let published = [
                ("${OLLAMA_HOST_PORT:-11434}", ollama),
                ("${LANGFLOW_HOST_PORT:-7860}", up),
                ("${CODE_SERVER_HOST_PORT:-8080}", code_server),
            ];
            published
                .iter()
                .fold(compose.clone(), |text, (default, port)| {
                    assert!(
                        text.contains(default),
                        "the example's compose file publishes {default}"
                    );
                    text.replace(default, &port.to_string())
                })
        };
        repo.write("docker-compose.yml", &ports(old_code_server));
        repo.commit_all("Initial import");
        repo.tag("v0.4.0");
        repo.write("docker-compose.yml", &ports(up));
        repo.write(
            "src/broken.py",
            "\"\"\"The change that broke production.\"\"\"\n",
        );
        repo.commit_all("feat: the change that broke production");
        repo.tag("v0.5.0-rc.1");
        repo.tag("v0.5.0");
        repo.push();
        repo.write("chroma_db/chroma.sqlite3", "the user's vectors");
        let out = repo.root().join("out");
        let gh = github.then(|| {
            let gh = FakeGithub::start(OWNER, REPO, TOKEN);
            if old_release {
                let mut old = fake_github::Release::new("v0.4.0", false);
                old.name = Some("Version 0.4.0".into());
                gh.add_release(old);
            }
            let mut new = fake_github::Release::new("v0.5.0", false);
            new.name = Some("Version 0.5.0".into());
            new.body = Some("### Added\n- the change\n".into());
            gh.add_release(new);
            gh
        });
        let setup = Setup {
            repo,
            docker: FakeDocker::new(),
            out,
            gh,
        };
        // The release being rolled back is running.
        let up = Command::new(setup.docker.bin_dir().join("docker"))
            .args(["compose", "up", "-d"])
            .current_dir(setup.path())
            .env("FAKE_DOCKER_LOG", setup.docker.log())
            .output()
            .unwrap();
        assert!(up.status.success());
        std::fs::remove_file(setup.docker.log()).unwrap();
        setup
    }

    fn path(&self) -> &Path {
        self.repo.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .env("XTASK_RELEASE_BIN", testkit::release_bin())
            .arg("--project")
            .arg(self.path())
            .arg("rollback")
            .args(args);
        for var in [
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "GITHUB_REPOSITORY",
            "GITHUB_API_URL",
            "GITHUB_UPLOADS_URL",
            "XTASK_RELEASE_ABORT_AFTER",
            "XTASK_PROJECT",
            "OLLAMA_HOST",
        ] {
            command.env_remove(var);
        }
        command
            .env("XTASK_OUT", &self.out)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .env("PATH", self.docker.path_env())
            .env("FAKE_DOCKER_LOG", self.docker.log())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        if let Some(gh) = &self.gh {
            command
                .env("GITHUB_TOKEN", TOKEN)
                .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
                .env("GITHUB_API_URL", gh.api_url())
                .env("XTASK_GITHUB_BIN", testkit::github_bin())
                .env("XTASK_GITHUB_RETRY_MS", "1")
                .env("XTASK_GITHUB_DEADLINE_S", "20");
        }
        command
    }

    fn rollback(&self, args: &[&str]) -> Run {
        self.run(&mut self.command(args))
    }

    fn run(&self, command: &mut Command) -> Run {
        let run = Run::of(command);
        assert!(
            !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
            "the token leaked: {run:?}"
        );
        run
    }

    fn head(&self) -> String {
        self.repo.head()
    }

    fn commit_of(&self, tag: &str) -> String {
        self.repo.git(&["rev-parse", &format!("{tag}^{{commit}}")])
    }

    /// Git (refs, HEAD, status), the fake docker's compose state, and GitHub's state.
    fn state(&self) -> String {
        let (refs, origin) = self.repo.refs();
        let refs: Vec<&str> = refs
            .lines()
            .filter(|line| !line.starts_with("refs/remotes/"))
            .collect();
        let mut state = format!(
            "refs:\n{}\norigin:\n{origin}\nHEAD {}\nstatus {:?}\nrunning {:?}\nvolumes removed {:?}\n",
            refs.join("\n"),
            self.head(),
            self.repo.git(&["status", "--porcelain"]),
            self.docker.running(),
            self.docker.volumes_removed(),
        );
        if let Some(gh) = &self.gh {
            for release in gh.releases() {
                state.push_str(&format!(
                    "release {} {:?} {:?}\n",
                    release.tag_name, release.name, release.body
                ));
            }
            state.push_str(&format!("latest {:?}\n", gh.latest()));
            for issue in gh.issues() {
                state.push_str(&format!("issue #{} {:?}\n", issue.number, issue.title));
            }
        }
        state
    }

    /// What a rollback ends with, comparable across setups (whose commit ids differ): where
    /// HEAD is, the compose state, GitHub's releases, latest and issue titles.
    fn outcome(&self) -> String {
        let head = self.head();
        let at = ["v0.4.0", "v0.5.0"]
            .into_iter()
            .find(|tag| self.commit_of(tag) == head);
        let state = self.state();
        let rest = state.split_once("\nstatus ").map_or("", |(_, rest)| rest);
        format!("HEAD at {at:?}\nstatus {rest}")
            .replace(&self.path().display().to_string(), "<project>")
    }

    /// The fake docker calls that change the deployment.
    fn deploy_calls(&self) -> Vec<String> {
        self.docker
            .calls()
            .into_iter()
            .filter(|call| {
                [" up ", " down ", " build", " pull ", " cp "]
                    .iter()
                    .any(|word| format!("{call} ").contains(word))
            })
            .collect()
    }

    fn changing_requests(&self) -> Vec<String> {
        let gh = self.gh.as_ref().expect("a fake GitHub");
        gh.requests()
            .iter()
            .filter(|request| request.method != "GET")
            .map(|request| request.line())
            .collect()
    }
}

const EXECUTE: [&str; 3] = ["--execute", "--reason", "answers are wrong"];

#[test]
fn plans_then_rolls_back_redeploys_in_place_and_communicates_once() {
    let s = Setup::new(true, true, true);
    let before = s.state();
    let plan = s.rollback(&["--reason", "answers are wrong"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    for line in [
        "rolling back v0.5.0 (",
        "to v0.4.0 (",
        "1 commit(s) from v0.4.0 to v0.5.0",
        "feat: the change that broke production",
        "returns to branch main later: git switch main",
        "without --force",
        "./scripts/teardown.sh",
        "git checkout --detach v0.4.0",
        "./scripts/build.sh",
        "./scripts/deploy.sh",
        "title \"Version 0.5.0\" -> \"ROLLED BACK: Version 0.5.0\"",
        "make v0.4.0 the latest release (now v0.5.0)",
        "open issue \"Rollback of v0.5.0 to v0.4.0\"",
        "cargo xtask hotfix start 0.5.1 --from v0.5.0",
    ] {
        assert!(plan.stdout.contains(line), "{line:?} missing: {plan:?}");
    }
    assert_eq!(s.state(), before, "a plan changes nothing");
    let json = s.rollback(&["--format", "json"]);
    assert_eq!(json.code, 0, "{json:?}");
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("one JSON document");
    assert_eq!(doc["mode"], "plan");
    assert_eq!(doc["tag"], "v0.5.0 -> v0.4.0");
    let steps: Vec<(&str, &str)> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("teardown", "planned"),
            ("checkout", "planned"),
            ("build", "planned"),
            ("deploy", "planned"),
            ("health", "planned"),
            ("models", "planned"),
            ("notice", "planned"),
            ("latest", "planned"),
            ("incident", "planned"),
            ("next", "done"),
        ]
    );
    // The actions are typed (docs/json.md): the git command, the scripts, the GitHub calls.
    let action = |step: usize, n: usize| &doc["steps"][step]["actions"][n];
    assert_eq!(
        action(1, 0)["args"],
        serde_json::json!(["checkout", "--detach", "v0.4.0"])
    );
    assert_eq!(
        (&action(2, 0)["op"], &action(2, 0)["program"]),
        (&"run".into(), &"./scripts/build.sh".into())
    );
    assert_eq!(action(4, 0)["op"], "wait_healthy");
    assert_eq!(action(4, 0)["services"][0], "ollama");
    let repo = format!("{OWNER}/{REPO}");
    assert_eq!(
        (
            &action(7, 0)["call"],
            &action(7, 0)["tag"],
            &action(7, 0)["repo"]
        ),
        (
            &"make_latest".into(),
            &"v0.4.0".into(),
            &repo.as_str().into()
        )
    );
    assert_eq!(
        action(7, 0)["what"],
        "make v0.4.0 the latest release (now v0.5.0)"
    );
    assert_eq!(
        (&action(8, 0)["call"], &action(8, 0)["title"]),
        (&"open_issue".into(), &"Rollback of v0.5.0 to v0.4.0".into())
    );
    assert_eq!(s.state(), before, "a JSON plan changes nothing either");
    assert!(s.deploy_calls().is_empty(), "{:?}", s.docker.calls());
    assert!(s.changing_requests().is_empty());

    let run = s.rollback(&EXECUTE);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(s.head(), s.commit_of("v0.4.0"), "the project is at v0.4.0");
    assert_eq!(s.docker.running(), vec![s.path().to_path_buf()]);
    assert!(s.docker.volumes_removed().is_empty(), "volumes are kept");
    assert_eq!(
        s.repo.read("chroma_db/chroma.sqlite3"),
        "the user's vectors",
        "the deployment keeps the project's data"
    );
    let calls = s.deploy_calls();
    assert!(
        calls[0].starts_with("docker compose down --remove-orphans"),
        "{calls:?}"
    );
    assert!(calls.iter().any(|c| c.starts_with("docker compose build")));
    assert!(calls.iter().any(|c| c.starts_with("docker compose up -d")));
    assert!(
        calls
            .iter()
            .any(|c| c == "docker exec ollama ollama cp mistral:pin-5b73bed31eca mistral:latest"),
        "the pinned model is restored: {calls:?}"
    );

    let gh = s.gh.as_ref().unwrap();
    let releases = gh.releases();
    let rolled = releases.iter().find(|r| r.tag_name == "v0.5.0").unwrap();
    assert_eq!(rolled.name.as_deref(), Some("ROLLED BACK: Version 0.5.0"));
    let body = rolled.body.as_deref().unwrap();
    assert!(
        body.starts_with(
            "> [!WARNING]\n> **ROLLED BACK** on 2026-01-02 to v0.4.0: answers are wrong."
        ),
        "{body}"
    );
    assert!(body.ends_with("### Added\n- the change\n"), "{body}");
    assert_eq!(gh.latest().as_deref(), Some("v0.4.0"));
    let issues = gh.issues();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].title, "Rollback of v0.5.0 to v0.4.0");
    for evidence in [
        "Reason: answers are wrong",
        "/api/tags answered 200",
        "code-server: http://localhost:",
        "mistral:latest: restored from the pinned copy mistral:pin-5b73bed31eca",
        "feat: the change that broke production",
        "cargo xtask hotfix start 0.5.1 --from v0.5.0",
    ] {
        assert!(
            issues[0].body.contains(evidence),
            "{evidence}: {}",
            issues[0].body
        );
    }
    assert!(
        run.stdout.contains("rolled back v0.5.0 to v0.4.0"),
        "{run:?}"
    );

    // Again: everything is in place; nothing is doubled or redeployed.
    let after = s.state();
    let calls_before = s.deploy_calls().len();
    let again = s.rollback(&EXECUTE);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(s.state(), after);
    assert_eq!(
        s.deploy_calls().len(),
        calls_before + 1,
        "only the pin is checked again"
    );
    assert!(
        again.stdout.contains("marked ROLLED BACK already"),
        "{again:?}"
    );
}

#[test]
fn an_unhealthy_old_version_stops_before_anything_is_announced() {
    let s = Setup::new(false, true, true);
    let run = s.rollback(&["--execute", "--health-timeout", "1"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("v0.4.0 is not healthy: code-server"),
        "{run:?}"
    );
    assert!(run.stderr.contains("nothing was announced"), "{run:?}");
    assert!(
        s.changing_requests().is_empty(),
        "{:?}",
        s.changing_requests()
    );
    assert!(s.gh.as_ref().unwrap().issues().is_empty());
    assert_eq!(s.gh.as_ref().unwrap().latest().as_deref(), Some("v0.5.0"));
}

#[test]
fn without_github_it_redeploys_and_says_what_the_models_lack() {
    let s = Setup::new(true, false, false);
    let run = s.rollback(&["--execute", "--no-github"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(s.head(), s.commit_of("v0.4.0"));
    assert!(
        run.stdout.contains(
            "mistral:latest: Ollama serves f974a74358d6, v0.4.0 recorded 5b73bed31ecb, and no pinned copy is kept: Ollama cannot pull an old digest"
        ),
        "{run:?}"
    );
    assert!(run
        .stdout
        .contains("qwen2.5-coder:7b-q4_0: served as v0.4.0 recorded"));
    assert!(run.stdout.contains("skipped  --no-github"), "{run:?}");
}

#[test]
fn models_that_cannot_be_compared_are_said_and_the_rollback_is_still_announced() {
    let s = Setup::with(true, true, "{}", true);
    let run = s.rollback(&EXECUTE);
    assert_eq!(run.code, 0, "{run:?}");
    let said = "the models were not compared: asking Ollama at localhost:";
    assert!(run.stdout.contains(said), "{run:?}");
    let issues = s.gh.as_ref().unwrap().issues();
    assert!(issues[0].body.contains(said), "{}", issues[0].body);
}

#[test]
fn from_defaults_to_the_version_the_deployment_reports() {
    let s = Setup::new(true, false, true);
    s.repo
        .write("src/next.py", "\"\"\"Tagged, not deployed yet.\"\"\"\n");
    s.repo.commit_all("feat: next");
    s.repo.tag("v0.6.0");
    let plan = s.run(
        s.command(&["--no-github"])
            .env("FAKE_DOCKER_IMAGE_VERSION", "0.5.0"),
    );
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout.contains("rolling back v0.5.0 (2026-01-02, ")
            && plan
                .stdout
                .contains("(the running deployment's version label) to v0.4.0"),
        "{plan:?}"
    );
    let unlabelled = s.rollback(&["--no-github"]);
    assert!(
        unlabelled
            .stdout
            .contains("(the latest release tag) to v0.5.0"),
        "{unlabelled:?}"
    );
}

#[test]
fn latest_is_left_alone_when_the_old_version_has_no_release() {
    let s = Setup::with(true, true, &ollama_tags(true), false);
    let run = s.rollback(&EXECUTE);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("v0.4.0 has no GitHub release: \"latest\" is left as it is (v0.5.0)"),
        "{run:?}"
    );
    let gh = s.gh.as_ref().unwrap();
    assert_eq!(gh.latest().as_deref(), Some("v0.5.0"));
    assert_eq!(gh.issues().len(), 1, "the incident is still reported");
    let rolled = gh.releases()[0].id;
    let edits: Vec<String> = s
        .changing_requests()
        .into_iter()
        .filter(|line| line.contains("/releases"))
        .collect();
    assert_eq!(
        edits,
        [format!(
            "PATCH /api/v3/repos/{OWNER}/{REPO}/releases/{rolled}"
        )],
        "only v0.5.0's release is edited, once"
    );
}

#[test]
fn resumes_after_a_kill_at_every_step() {
    let clean = Setup::new(true, true, true);
    assert_eq!(clean.rollback(&EXECUTE).code, 0);
    let expected = clean.outcome();
    assert!(
        expected.starts_with("HEAD at Some(\"v0.4.0\")"),
        "{expected}"
    );
    for step in [
        "teardown", "checkout", "build", "deploy", "health", "models", "notice", "latest",
        "incident",
    ] {
        let s = Setup::new(true, true, true);
        let killed = s.run(s.command(&EXECUTE).env("XTASK_RELEASE_ABORT_AFTER", step));
        assert_ne!(killed.code, 0, "{step}: {killed:?}");
        let resumed = s.rollback(&EXECUTE);
        assert_eq!(resumed.code, 0, "{step}: {resumed:?}");
        assert_eq!(s.outcome(), expected, "after a kill after {step}");
    }
}

#[test]
fn no_previous_stable_tag_is_refused() {
    let s = Setup::new(true, false, true);
    s.repo.git(&["tag", "-d", "v0.4.0"]);
    let before = s.state();
    let run = s.rollback(&["--execute", "--no-github"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("error: no stable release tag below v0.5.0 that was not rolled back"),
        "{run:?}"
    );
    assert!(run.stderr.contains("hint: pass --to vA.B.C"), "{run:?}");
    assert_eq!(s.state(), before);
    assert!(s.deploy_calls().is_empty());
}

#[test]
fn bad_input_is_refused_with_nothing_changed() {
    let s = Setup::new(true, true, true);
    let before = s.state();
    let cases: [(&[&str], &str); 5] = [
        (&["--to", "v0.3.9"], "--to v0.3.9: there is no tag v0.3.9"),
        (&["--to", "v0.5.0"], "--to v0.5.0 is not below v0.5.0"),
        (
            &["--to", "v0.5.0", "--from", "v0.4.0"],
            "--to v0.5.0 is not below v0.4.0",
        ),
        (
            &["--from", "v2.0.0"],
            "--from v2.0.0: there is no tag v2.0.0",
        ),
        (&["--to", "latest"], "--to \"latest\" is not a version"),
    ];
    for (args, cause) in cases {
        let mut args = args.to_vec();
        args.push("--execute");
        let run = s.rollback(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(&format!("error: {cause}")),
            "{args:?}: {run:?}"
        );
        assert!(run.stderr.contains("hint: "), "{run:?}");
    }
    s.repo.write("src/edited.py", "x = 1\n");
    let dirty = s.rollback(&["--execute"]);
    assert_eq!(dirty.code, 2, "{dirty:?}");
    assert!(
        dirty
            .stderr
            .contains("error: the work tree is not clean: ?? src/edited.py"),
        "{dirty:?}"
    );
    std::fs::remove_file(s.path().join("src/edited.py")).unwrap();
    assert_eq!(s.state(), before);
    assert!(s.deploy_calls().is_empty());
    assert!(s.changing_requests().is_empty());
}
