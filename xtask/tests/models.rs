//! `cargo xtask models` end to end: the binary on a temp copy of the example project (real git
//! with a bare remote), a fake Ollama (HTTP API and `ollama` through the fake docker).

mod common;

use std::collections::BTreeMap;

use common::{Project, Run};
use testkit::ollama::{digest, FakeModel, FakeOllama};

/// The digests the example's docs/MODEL_VERSIONS.md records for v0.4.0.
const QWEN: &str = "8de6119f677e6be0e9c78aa9763a4be1492458f955362604cc1cbf69da76143d";
const MISTRAL: &str = "5b73bed31ecbeafa29f8516a16c967e1e1a838e833ac16b721a5ad73bcb7cfb4";

struct Setup {
    project: Project,
    ollama: FakeOllama,
}

/// The example, pushed to its bare remote, and an Ollama serving its defaults as recorded.
fn setup() -> Setup {
    let project = Project::example();
    project.git(&["push", "--quiet", "origin", "main"]);
    let ollama = FakeOllama::start();
    for model in [
        FakeModel::new("qwen2.5-coder:7b-q4_0", QWEN, 4_683_087_332, "Q4_0"),
        FakeModel::new("mistral:latest", MISTRAL, 4_113_301_824, "Q4_0"),
    ] {
        ollama.install(model.clone());
        ollama.publish(model);
    }
    ollama.publish(FakeModel::new(
        "llama3:8b",
        &digest("365c0bd3c000"),
        4_661_224_676,
        "Q4_0",
    ));
    ollama.publish(FakeModel::new(
        "qwen2.5-coder:14b",
        &digest("9ec8897f747e"),
        8_988_124_069,
        "Q4_K_M",
    ));
    Setup { project, ollama }
}

impl Setup {
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut invocation = self
            .project
            .xtask(args)
            .env("OLLAMA_HOST", self.ollama.host())
            .env("FAKE_OLLAMA_STATE", self.ollama.state_dir())
            .env("SOURCE_DATE_EPOCH", "1764633600")
            .env("PYTEST", "true");
        for (key, value) in env {
            invocation = invocation.env(key, value);
        }
        invocation.run()
    }

    /// Everything a command may change: the work tree's files (tracked and not), git refs
    /// here and on the remote, and Ollama's models.
    fn state(&self) -> BTreeMap<String, String> {
        let mut state = BTreeMap::new();
        let files = self
            .project
            .git(&["ls-files", "--cached", "--others", "--exclude-standard"]);
        for file in files.lines() {
            let bytes = std::fs::read(self.project.path().join(file)).unwrap_or_default();
            state.insert(
                format!("file {file}"),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
        }
        for dir in std::fs::read_dir(self.project.path()).unwrap() {
            let name = dir.unwrap().file_name().to_string_lossy().into_owned();
            if name.starts_with("chroma_db") {
                state.insert(format!("dir {name}"), String::new());
            }
        }
        state.insert("refs".into(), self.refs(&["show-ref", "--tags", "--heads"]));
        state.insert(
            "origin".into(),
            self.project
                .repo
                .git_origin(&["for-each-ref", "--format=%(refname) %(objecttype)"]),
        );
        state.insert(
            "head tree".into(),
            self.project.git(&["rev-parse", "HEAD^{tree}"]),
        );
        state.insert(
            "head subject".into(),
            self.project.git(&["log", "-1", "--format=%s"]),
        );
        let models: Vec<String> = self
            .ollama
            .installed()
            .into_iter()
            .map(|m| format!("{} {}", m.name, m.digest))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        state.insert("ollama".into(), models.join("\n"));
        state
    }

    /// Ref names (not ids: commits made at another second differ).
    fn refs(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(self.project.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(_, name)| name.to_string()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn assert_same(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>, what: &str) {
    for (key, value) in before {
        assert_eq!(after.get(key), Some(value), "{what}: {key} differs");
    }
    assert_eq!(
        before.len(),
        after.len(),
        "{what}: {:?} vs {:?}",
        before.keys(),
        after.keys()
    );
}

#[test]
fn check_passes_then_a_changed_digest_fails_with_both_digests_and_when_it_was_recorded() {
    let s = setup();
    let run = s.run(&["models", "check"]);
    assert_eq!(run.code, 0, "{run}");
    // The tag moved in the registry, and this machine pulled it.
    let moved = FakeModel::new(
        "mistral:latest",
        &digest("f974a74358d6"),
        4_113_301_824,
        "Q4_0",
    );
    s.ollama.install(moved.clone());
    s.ollama.publish(moved);
    let run = s.run(&["models", "check"]);
    assert_eq!(run.code, 1, "{run}");
    let date = s
        .project
        .git(&["log", "-1", "--format=%cs", "--", "docs/MODEL_VERSIONS.md"]);
    assert!(
        run.stdout.contains(&format!(
            "docs/MODEL_VERSIONS.md:12: mistral:latest changed since v0.4.0: recorded 5b73bed31ecb on {date}, serving f974a74358d6"
        )),
        "{run}"
    );
    // The pre-release check is the same code.
    let ollama_port: u16 = s.ollama.host().rsplit(':').next().unwrap().parse().unwrap();
    s.project.publish_ports(
        ollama_port,
        testkit::http::serve_status(200),
        testkit::http::serve_status(200),
    );
    let run = s.run(&["pre-release", "--only", "models-listed", "--format", "json"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout.contains("mistral:latest changed since v0.4.0"),
        "{run}"
    );
}

#[test]
fn check_through_docker_exec_compares_the_ids() {
    let s = setup();
    let run = s.run_with(&["models", "check"], &[("OLLAMA_HOST", "")]);
    assert_eq!(run.code, 0, "{run}");
    assert!(s
        .project
        .docker
        .calls()
        .iter()
        .any(|c| c == "docker exec ollama ollama list"));
    s.ollama.install(FakeModel::new(
        "qwen2.5-coder:7b-q4_0",
        &digest("0badc0ffee00"),
        1,
        "Q4_0",
    ));
    let run = s.run_with(&["models", "check"], &[("OLLAMA_HOST", "")]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stdout.contains("serving 0badc0ffee00"), "{run}");
}

#[test]
fn check_without_ollama_is_blocked_and_says_why() {
    let s = setup();
    let closed = format!("127.0.0.1:{}", testkit::http::closed_port());
    let run = s.run_with(
        &["models", "check", "--format", "json"],
        &[("OLLAMA_HOST", &closed)],
    );
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    assert_eq!(report["status"], "blocked");
    assert!(
        report["blocked"]
            .as_str()
            .unwrap()
            .contains("connection failed"),
        "{run}"
    );
}

#[test]
fn check_names_every_file_drift_with_its_line() {
    let s = setup();
    let prune = s.project.read("scripts/model-prune.sh").replace(
        "PROTECTED_MODELS=(\"qwen2.5-coder\" \"mistral:latest\")",
        "PROTECTED_MODELS=(\"qwen2.5-coder\")",
    );
    s.project.write("scripts/model-prune.sh", &prune);
    let readme = s.project.read("README.md").replace(
        "# qwen2.5-coder:7b-q4_0 and mistral:latest",
        "# qwen2.5-coder:7b and mistral:latest",
    );
    s.project.write("README.md", &readme);
    let run = s.run(&["models", "check", "--format", "json"]);
    assert_eq!(run.code, 1, "{run}");
    let files: Vec<String> = run.json()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["at"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(files.iter().any(|f| f.starts_with("scripts/model-prune.sh:9: PROTECTED_MODELS (qwen2.5-coder) does not cover the default mistral:latest")), "{files:?}");
    assert!(
        files
            .iter()
            .any(|f| f == "README.md: does not name the default model qwen2.5-coder:7b-q4_0"),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("README.md:20: names qwen2.5-coder:7b, which is not a default")),
        "{files:?}"
    );
    assert_eq!(files.len(), 3, "{files:?}");
}

#[test]
fn a_script_that_loops_over_a_literal_list_yields_its_models() {
    let s = setup();
    let script = "#!/usr/bin/env bash\nset -e\nfor model in qwen2.5-coder:7b-q4_0 mistral:latest; do\n  docker exec ollama ollama pull \"$model\"\ndone\n";
    s.project.write("scripts/model-pull.sh", script);
    let run = s.run(&["models", "check"]);
    assert_eq!(run.code, 0, "{run}");
    s.ollama.install(FakeModel::new(
        "mistral:latest",
        &digest("f974a74358d6"),
        1,
        "Q4_0",
    ));
    let run = s.run(&["models", "check"]);
    assert!(
        run.stdout.contains("mistral:latest changed since v0.4.0"),
        "{run}"
    );
}

#[test]
fn record_plans_a_diff_changes_nothing_then_writes_the_section() {
    let s = setup();
    s.ollama.install(FakeModel::new(
        "mistral:latest",
        &digest("f974a74358d6"),
        4_113_301_824,
        "Q4_0",
    ));
    let before = s.state();
    let run = s.run(&["models", "record", "--version", "0.5.0"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout
            .contains("+### Current Production Models (v0.5.0)"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("+- v0.4.0: qwen2.5-coder:7b-q4_0, mistral:latest"),
        "{run}"
    );
    assert_same(&before, &s.state(), "plan");

    let original = s.project.read("docs/MODEL_VERSIONS.md");
    let run = s.run(&["models", "record", "--version", "0.5.0", "--execute"]);
    assert_eq!(run.code, 0, "{run}");
    let want = original
        .replace(
            "### Current Production Models (v0.4.0)",
            "### Current Production Models (v0.5.0)",
        )
        .replace(
            &format!("- mistral:latest (SHA256: {MISTRAL})"),
            &format!(
                "- mistral:latest (SHA256: {}), 4.1 GB, Q4_0, 7.2B parameters, recorded 2025-12-02",
                digest("f974a74358d6")
            ),
        )
        .replace(
            "### Previous Versions\n",
            "### Previous Versions\n- v0.4.0: qwen2.5-coder:7b-q4_0, mistral:latest\n",
        );
    assert_eq!(s.project.read("docs/MODEL_VERSIONS.md"), want);
    let after = s.state();
    let run = s.run(&["models", "record", "--version", "0.5.0", "--execute"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("done"), "{run}");
    assert_same(&after, &s.state(), "re-run");
    assert_eq!(s.run(&["models", "check"]).code, 0);
}

#[test]
fn record_refuses_bad_input_and_changes_nothing() {
    let s = setup();
    let before = s.state();
    // A default Ollama does not have.
    s.ollama.installed();
    let gone = FakeOllama::start();
    gone.install(FakeModel::new("mistral:latest", MISTRAL, 1, "Q4_0"));
    let run = s.run_with(
        &["models", "record", "--execute"],
        &[("OLLAMA_HOST", &gone.host())],
    );
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("error: qwen2.5-coder:7b-q4_0 (a default) is not in Ollama"),
        "{run}"
    );
    assert!(run.stderr.contains("hint: pull it first"), "{run}");
    // No Ollama.
    let closed = format!("127.0.0.1:{}", testkit::http::closed_port());
    let run = s.run_with(
        &["models", "record", "--execute"],
        &[("OLLAMA_HOST", &closed)],
    );
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.starts_with("error: no Ollama:"), "{run}");
    // A bad version.
    let run = s.run(&["models", "record", "--version", "five", "--execute"]);
    assert_eq!(run.code, 2, "{run}");
    assert_same(&before, &s.state(), "refusals");
    // A malformed section.
    let doc = s
        .project
        .read("docs/MODEL_VERSIONS.md")
        .replace(MISTRAL, "def456...");
    s.project.write("docs/MODEL_VERSIONS.md", &doc);
    let before = s.state();
    let run = s.run(&["models", "record", "--execute"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("error: malformed section: docs/MODEL_VERSIONS.md:12: `- mistral:latest (SHA256: def456...)` has no 64-hex SHA-256 digest"),
        "{run}"
    );
    assert!(run.stderr.contains("hint: fix that line"), "{run}");
    assert_same(&before, &s.state(), "malformed");
}

#[test]
fn prune_removes_only_what_is_unused_and_never_a_protected_model() {
    let s = setup();
    s.ollama.install(FakeModel::new(
        "llama3:8b",
        &digest("365c0bd3c000"),
        4_661_224_676,
        "Q4_0",
    ));
    s.ollama.install(FakeModel::new(
        "codellama:7b",
        &digest("8fdf8f752f6e"),
        3_825_910_662,
        "Q4_0",
    ));
    // Protected by "qwen2.5-coder (all variants)", not a default.
    s.ollama.install(FakeModel::new(
        "qwen2.5-coder:14b",
        &digest("9ec8897f747e"),
        8_988_124_069,
        "Q4_K_M",
    ));
    let before = s.state();
    let run = s.run(&["models", "prune"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout.contains("2 unused model(s), 8.5 GB freed"),
        "{run}"
    );
    assert!(run.stdout.contains("DELETE /api/delete llama3:8b"), "{run}");
    assert!(
        run.stdout.contains("DELETE /api/delete codellama:7b"),
        "{run}"
    );
    assert!(!run.stdout.contains("delete qwen"), "{run}");
    assert!(run.stdout.contains("docker system df: Images"), "{run}");
    assert_same(&before, &s.state(), "plan");
    // The same plan as JSON: one document, each delete a typed Ollama call (docs/json.md).
    let run = s.run(&["models", "prune", "--format", "json"]);
    assert_eq!(run.code, 0, "{run}");
    let doc = run.json();
    assert_eq!(
        (&doc["schema"], &doc["command"], &doc["mode"]),
        (&1.into(), &"models prune".into(), &"plan".into())
    );
    assert!(doc["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("docker system df"));
    let mut deletes: Vec<(&str, u64)> = doc["steps"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|a| assert_eq!((&a["op"], &a["call"]), (&"ollama".into(), &"delete".into())))
        .map(|a| (a["model"].as_str().unwrap(), a["size"].as_u64().unwrap()))
        .collect();
    deletes.sort();
    assert_eq!(
        deletes,
        [
            ("codellama:7b", 3_825_910_662),
            ("llama3:8b", 4_661_224_676)
        ]
    );
    assert_same(&before, &s.state(), "JSON plan");

    // The second delete fails: exit 3, and a re-run finishes the job.
    s.ollama.fail_request(3);
    let run = s.run(&["models", "prune", "--execute"]);
    assert_eq!(run.code, 3, "{run}");
    let run = s.run(&["models", "prune", "--execute"]);
    assert_eq!(run.code, 0, "{run}");
    let mut left = s.ollama.installed_names();
    left.sort();
    assert_eq!(
        left,
        [
            "mistral:latest",
            "qwen2.5-coder:14b",
            "qwen2.5-coder:7b-q4_0"
        ]
    );
    let run = s.run(&["models", "prune", "--execute"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("no unused model"), "{run}");
}

#[test]
fn prune_keeps_a_default_even_when_the_protected_list_misses_it() {
    let s = setup();
    s.project.write(
        "scripts/model-prune.sh",
        "PROTECTED_MODELS=(\"codellama\")\n",
    );
    s.ollama.install(FakeModel::new(
        "codellama:7b",
        &digest("8fdf8f752f6e"),
        1,
        "Q4_0",
    ));
    let run = s.run(&["models", "prune", "--execute"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("no unused model"), "{run}");
    assert_eq!(s.ollama.installed().len(), 3);
    s.project.write("scripts/model-prune.sh", "echo no list\n");
    let run = s.run(&["models", "prune", "--execute"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("nothing is pruned without the protected list"),
        "{run}"
    );
}

#[test]
fn tag_commits_tags_and_pushes_once() {
    let s = setup();
    let before = s.state();
    let run = s.run(&["models", "tag", "0.4.0"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout
            .contains("git push --atomic origin HEAD:refs/heads/main refs/tags/models-v0.4.0"),
        "{run}"
    );
    assert_same(&before, &s.state(), "plan");
    let run = s.run(&["models", "tag", "0.4.0", "--execute"]);
    assert_eq!(run.code, 0, "{run}");
    let tag = s
        .project
        .repo
        .git_origin(&["cat-file", "-p", "models-v0.4.0"]);
    assert!(
        tag.contains("type commit") && tag.ends_with("Model configuration for v0.4.0"),
        "{tag}"
    );
    let run = s.run(&["models", "tag", "0.4.0", "--execute"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("done"), "{run}");

    // A tag that exists elsewhere is never moved.
    s.project.write("notes.txt", "x\n");
    s.project.commit("more");
    let before = s.state();
    let run = s.run(&["models", "tag", "0.4.0", "--execute"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("error: tag models-v0.4.0 exists locally"),
        "{run}"
    );
    // The registry is for v0.4.0, not v0.5.0.
    let run = s.run(&["models", "tag", "0.5.0", "--execute"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("current section is for v0.4.0, not v0.5.0"),
        "{run}"
    );
    assert_same(&before, &s.state(), "refusals");
}

const UPDATE: &[&str] = &[
    "models",
    "update",
    "llama3:8b",
    "--replace",
    "mistral:latest",
    "--version",
    "0.5.0",
];

fn execute<'a>(args: &[&'a str]) -> Vec<&'a str> {
    args.iter().copied().chain(["--execute"]).collect()
}

#[test]
fn update_plans_without_changing_anything_then_carries_out_every_step() {
    let s = setup();
    let before = s.state();
    let run = s.run(UPDATE);
    assert_eq!(run.code, 0, "{run}");
    for planned in [
        "POST /api/copy mistral:latest -> mistral-pin:5b73bed31ecb",
        "./scripts/model-pull.sh llama3:8b",
        "-DEFAULT_MODELS=(\"qwen2.5-coder:7b-q4_0\" \"mistral:latest\")",
        "+DEFAULT_MODELS=(\"qwen2.5-coder:7b-q4_0\" \"llama3:8b\")",
        "docker exec coding-assistant python src/memory_setup.py  (memory-setup)",
        "+- Update default model to llama3:8b",
        "git tag --annotate -m \"Model configuration for v0.5.0\" models-v0.5.0 HEAD",
    ] {
        assert!(run.stdout.contains(planned), "{planned}: {run}");
    }
    assert_same(&before, &s.state(), "plan");

    let run = s.run(&execute(UPDATE));
    assert_eq!(run.code, 0, "{run}");
    let script = s.project.read("scripts/model-pull.sh");
    assert!(
        script.contains("DEFAULT_MODELS=(\"qwen2.5-coder:7b-q4_0\" \"llama3:8b\")"),
        "{script}"
    );
    assert!(s
        .project
        .read("scripts/model-prune.sh")
        .contains("PROTECTED_MODELS=(\"qwen2.5-coder\" \"mistral:latest\" \"llama3:8b\")"));
    assert!(s
        .project
        .read("docs/MODEL_SELECTION.md")
        .contains("`llama3:8b`"));
    assert!(s
        .project
        .read("CHANGELOG.md")
        .contains("### Changed\n- Update default model to llama3:8b\n"));
    let registry = s.project.read("docs/MODEL_VERSIONS.md");
    assert!(registry.contains(&format!("### Current Production Models (v0.5.0)\n- qwen2.5-coder:7b-q4_0 (SHA256: {QWEN})\n- llama3:8b (SHA256: {}), 4.7 GB", digest("365c0bd3c000"))), "{registry}");
    assert!(registry.contains(&format!("### Pinned Models\n- mistral-pin:5b73bed31ecb keeps mistral:latest as served before v0.5.0 (SHA256: {MISTRAL})")), "{registry}");
    assert!(s
        .ollama
        .installed_names()
        .contains(&"mistral-pin:5b73bed31ecb".to_string()));
    assert_eq!(
        s.project.git(&["log", "-1", "--format=%s"]),
        "Update default model to llama3:8b"
    );
    assert_eq!(s.project.git(&["status", "--porcelain"]), "");
    let head = s.project.git(&["rev-parse", "HEAD"]);
    assert_eq!(s.project.repo.git_origin(&["rev-parse", "main"]), head);
    assert_eq!(
        s.project
            .repo
            .git_origin(&["rev-parse", "models-v0.5.0^{commit}"]),
        head
    );
    // The result is consistent, a re-run finds everything done, and prune keeps the pin.
    assert_eq!(s.run(&["models", "check"]).code, 0);
    let after = s.state();
    let run = s.run(&execute(UPDATE));
    assert_eq!(run.code, 0, "{run}");
    assert!(
        !run.stdout.contains(" ran "),
        "a re-run does nothing again: {run}"
    );
    assert_same(&after, &s.state(), "re-run");
    let run = s.run(&["models", "prune", "--execute"]);
    assert!(run.stdout.contains("no unused model"), "{run}");
}

#[test]
fn update_resumes_after_a_kill_at_every_step() {
    let clean = setup();
    assert_eq!(clean.run(&execute(UPDATE)).code, 0);
    let want = clean.state();
    for step in ["pin", "pull", "configure", "validate", "document", "tag"] {
        let s = setup();
        let run = s.run_with(&execute(UPDATE), &[("XTASK_MODELS_ABORT_AFTER", step)]);
        assert_ne!(run.code, 0, "{step}: {run}");
        let run = s.run(&execute(UPDATE));
        assert_eq!(run.code, 0, "{step}: {run}");
        assert_same(&want, &s.state(), step);
    }
}

#[test]
fn update_resumes_after_ollama_fails_part_way() {
    let clean = setup();
    assert_eq!(clean.run(&execute(UPDATE)).code, 0);
    let want = clean.state();
    // Fail each request of an execute run in turn (preflight, plan, execute), until a run
    // makes fewer requests than that and succeeds.
    for nth in 1.. {
        let s = setup();
        s.ollama.fail_request(nth);
        let first = s.run(&execute(UPDATE));
        if first.code == 0 {
            assert!(nth > 8, "only {} requests: {first}", nth - 1);
            break;
        }
        assert!([1, 2, 3].contains(&first.code), "request {nth}: {first}");
        s.ollama.fail_request(1_000_000);
        let run = s.run(&execute(UPDATE));
        assert_eq!(
            run.code, 0,
            "request {nth} failed first ({first}); then: {run}"
        );
        assert_same(&want, &s.state(), &format!("request {nth}"));
    }
}

#[test]
fn update_with_embedding_moves_chroma_db_aside_and_edits_the_constant() {
    let s = setup();
    s.project.write("chroma_db/chroma.sqlite3", "vectors");
    let args = [
        "models",
        "update",
        "qwen2.5-coder:14b",
        "--replace",
        "qwen2.5-coder:7b-q4_0",
        "--version",
        "0.5.0",
        "--execute",
    ];
    let before = s.state();
    let run = s.run(&args[..args.len() - 1]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("is the embedding model (src/constants.py:"),
        "{run}"
    );
    assert!(run.stderr.contains("hint: pass --embedding"), "{run}");
    assert_same(&before, &s.state(), "refused");

    let with_embedding: Vec<&str> = args.iter().copied().chain(["--embedding"]).collect();
    let run = s.run(&with_embedding);
    assert_eq!(run.code, 0, "{run}");
    assert!(s
        .project
        .read("src/constants.py")
        .contains("DEFAULT_MODEL = \"qwen2.5-coder:14b\"\n"));
    let backup = s.project.path().join("chroma_db.backup-20251202T000000Z");
    assert_eq!(
        std::fs::read_to_string(backup.join("chroma.sqlite3")).unwrap(),
        "vectors"
    );
    assert!(s
        .project
        .git(&["show", "--stat", "HEAD"])
        .contains("src/constants.py"));
    assert_eq!(s.run(&["models", "check"]).code, 0);
}

#[test]
fn update_refuses_bad_input_and_changes_nothing() {
    let s = setup();
    let before = s.state();
    let cases: &[(&[&str], &str)] = &[
        (
            &["models", "update", "Not A Model", "--execute"],
            "error: NEW \"Not A Model\" is not an Ollama model name",
        ),
        (
            &[
                "models",
                "update",
                "llama3:8b",
                "--replace",
                "codellama:7b",
                "--execute",
            ],
            "error: codellama:7b is not a default model",
        ),
        (
            &[
                "models",
                "update",
                "nope:1",
                "--version",
                "0.5.0",
                "--execute",
            ],
            "error: pulling nope:1 failed",
        ),
    ];
    for (args, want) in cases {
        let run = s.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run}");
        assert!(run.stderr.contains(want), "{args:?}: {run}");
        assert!(run.stderr.contains("hint: "), "{args:?}: {run}");
    }
    let closed = format!("127.0.0.1:{}", testkit::http::closed_port());
    let run = s.run_with(&execute(UPDATE), &[("OLLAMA_HOST", &closed)]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("error: no Ollama"), "{run}");
    assert_same(&before, &s.state(), "refusals");

    s.project
        .git(&["tag", "-a", "-m", "x", "models-v0.5.0", "HEAD"]);
    s.project.write("notes.txt", "x\n");
    s.project.commit("more");
    let before = s.state();
    let run = s.run(&execute(UPDATE));
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("error: tag models-v0.5.0 exists locally"),
        "{run}"
    );
    assert_same(&before, &s.state(), "tag exists");
}

#[test]
fn release_plan_warns_when_the_models_are_not_recorded_for_the_version() {
    let s = setup();
    let run = s.run(&["release", "0.5.0", "--skip-gate", "--no-github"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout.contains("note: models: docs/MODEL_VERSIONS.md's current section is for v0.4.0, not v0.5.0; run `cargo xtask models record --version 0.5.0 --execute` first"),
        "{run}"
    );
    assert_eq!(
        s.run(&["models", "record", "--version", "0.5.0", "--execute"])
            .code,
        0
    );
    s.project.commit("Record the models for v0.5.0");
    s.project.git(&["push", "--quiet", "origin", "main"]);
    let run = s.run(&["release", "0.5.0", "--skip-gate", "--no-github"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(!run.stdout.contains("note: models:"), "{run}");
}

#[test]
fn update_without_replace_adds_a_default_and_says_what_to_describe() {
    let s = setup();
    let run = s.run(&[
        "models",
        "update",
        "llama3:8b",
        "--version",
        "0.5.0",
        "--execute",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout
            .contains("[1] pin        skipped  nothing is replaced"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("describe llama3:8b in README.md and docs/MODEL_SELECTION.md yourself"),
        "{run}"
    );
    assert!(s
        .project
        .read("scripts/model-pull.sh")
        .contains("DEFAULT_MODELS=(\"qwen2.5-coder:7b-q4_0\" \"mistral:latest\" \"llama3:8b\")"));
    let registry = s.project.read("docs/MODEL_VERSIONS.md");
    assert!(
        registry.contains("- mistral:latest (SHA256: 5b73bed3"),
        "{registry}"
    );
    assert!(
        registry.contains("- llama3:8b (SHA256: 365c0bd3c000"),
        "{registry}"
    );
    // The prose is a person's to write: check says where it is missing.
    let run = s.run(&["models", "check"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout
            .contains("README.md: does not name the default model llama3:8b"),
        "{run}"
    );
}
