//! `cargo xtask init DIR`: adopting the xtask into a copy of the example that has no Rust in
//! it, then running `pre-release`, `archive` and a planned `release` there, as its own binary
//! (found from its location, not from a path compiled in), with the tree staying clean.

mod common;

use std::path::Path;
use std::process::Command;

use common::Run;
use testkit::git::TempRepo;

fn run(command: &mut Command) -> Run {
    for var in [
        "CARGO_TARGET_DIR",
        "XTASK_OUT",
        "XTASK_PROJECT",
        "XTASK_PYTHON",
        "GITHUB_ACTIONS",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GITHUB_REPOSITORY",
        "OLLAMA_HOST",
    ] {
        command.env_remove(var);
    }
    command
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    Run::of(command)
}

/// `init` through this workspace's binary (as `cargo xtask init DIR` runs it).
fn init(dir: &Path, execute: bool) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.arg("init").arg(dir);
    if execute {
        command.arg("--execute");
    }
    // The binary finds this workspace from CARGO_MANIFEST_DIR, as under `cargo run`.
    let manifest = env!("CARGO_MANIFEST_DIR");
    run(command.env("CARGO_MANIFEST_DIR", manifest))
}

fn status(repo: &TempRepo) -> String {
    repo.git(&["status", "--porcelain", "--untracked-files=all"])
}

/// The example without a line of Rust, committed and pushed.
fn python_project() -> TempRepo {
    let repo = TempRepo::new();
    repo.copy_fixture(&testkit::example_project());
    repo.commit_all("Initial import");
    repo.push();
    let tracked = repo.git(&["ls-files"]);
    assert!(
        !tracked
            .lines()
            .any(|f| f.ends_with(".rs") || f.starts_with("Cargo")),
        "the fixture has Rust in it: {tracked}"
    );
    repo
}

#[test]
fn adopted_project_runs_pre_release_archive_and_a_planned_release_with_a_clean_tree() {
    let repo = python_project();
    let dir = repo.path();

    // The plan writes nothing.
    let plan = init(dir, false);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(plan.stdout.contains("would create Cargo.toml"), "{plan:?}");
    assert!(plan.stdout.contains("would update .gitignore"), "{plan:?}");
    assert!(plan.stdout.contains("+/target/"), "{plan:?}");
    assert!(
        plan.stdout
            .contains("release checklist: docs/RELEASE_CHECKLIST.md"),
        "{plan:?}"
    );
    assert_eq!(status(&repo), "", "the plan changed the tree");

    let done = init(dir, true);
    assert_eq!(done.code, 0, "{done:?}");
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        "xtask/src/main.rs",
        "crates/runner/src/lib.rs",
        "crates/github/src/main.rs",
        "release-checks.toml",
        ".github/workflows/pre-release.yml",
        ".github/workflows/release.yml",
    ] {
        assert!(dir.join(file).is_file(), "{file} not installed: {done:?}");
    }
    // Test doubles, tests and examples stay behind; no manifest names them.
    for left in [
        "crates/testkit",
        "crates/fake-github",
        "xtask/tests",
        "crates/runner/tests",
        "crates/runner/examples",
        "examples",
    ] {
        assert!(!dir.join(left).exists(), "{left} was installed");
    }
    for manifest in ["Cargo.toml", "xtask/Cargo.toml", "crates/git/Cargo.toml"] {
        let text = repo.read(manifest);
        let names_one = text.lines().any(|line| {
            let line = line.trim_start();
            line.starts_with("testkit") || line.starts_with("fake-github")
        });
        assert!(!names_one, "{manifest} names a test double:\n{text}");
    }
    assert!(repo.read(".cargo/config.toml").contains("xtask = \"run"));
    assert!(repo
        .read(".gitattributes")
        .contains("/crates export-ignore"));

    // Idempotent: a second run changes nothing.
    let before = status(&repo);
    let again = init(dir, true);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("nothing to do"), "{again:?}");
    assert_eq!(status(&repo), before);

    // The lock file is what cargo resolves for the installed workspace: the first
    // `cargo xtask` will not rewrite a tracked file.
    let locked = Command::new(env!("CARGO"))
        .args(["update", "--workspace", "--offline", "--locked"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        locked.status.success(),
        "Cargo.lock is stale: {}",
        String::from_utf8_lossy(&locked.stderr)
    );

    repo.commit_all("Adopt the release xtask");
    repo.push();
    // The project's release tarball (git archive) holds the project, not its tooling.
    let listing = Command::new("sh")
        .args(["-c", "git archive HEAD | tar -t"])
        .current_dir(dir)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("pyproject.toml"), "{listing}");
    for tooling in ["xtask/", "crates/", "Cargo.toml", "Cargo.lock", ".cargo/"] {
        assert!(
            !listing.lines().any(|l| l.starts_with(tooling)),
            "{tooling} is in the tarball"
        );
    }

    // The project's own binary, as `cargo build` there leaves it: it finds its workspace (and
    // so target/xtask for its output) from where it sits.
    let bin = dir.join("target/debug/xtask");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_xtask"), &bin).unwrap();
    let xtask = |args: &[&str]| {
        let mut command = Command::new(&bin);
        command
            .args(args)
            .current_dir(dir)
            .env("CI", "true")
            .env("XTASK_RELEASE_BIN", testkit::release_bin())
            .env_remove("CARGO_MANIFEST_DIR");
        run(&mut command)
    };

    let checks = xtask(&["pre-release", "--section", "documentation"]);
    // checklist-drift fails on purpose (the example's checklist is stale): a verdict, not a refusal.
    assert_eq!(checks.code, 1, "{checks:?}");
    assert!(
        checks.stdout.contains("doc-references") && checks.stdout.contains("pass"),
        "{checks:?}"
    );
    assert!(
        dir.join("target/xtask/pre-release").is_dir(),
        "the logs are not under the project's target/: {checks:?}"
    );
    assert_eq!(status(&repo), "", "pre-release dirtied the tree");

    let archived = xtask(&["archive", "--rev", "HEAD"]);
    assert_eq!(archived.code, 0, "{archived:?}");
    let head = repo.head();
    let code = dir.join(format!(
        "target/xtask/archive/codemate-hub-{0}/codemate-hub-{0}.tar.gz",
        &head[..12]
    ));
    let files = Command::new("tar").arg("-tzf").arg(&code).output().unwrap();
    let files = String::from_utf8_lossy(&files.stdout);
    assert!(files.contains("pyproject.toml"), "{archived:?}\n{files}");
    assert!(
        !files.contains("/xtask/") && !files.contains("/crates/") && !files.contains("Cargo."),
        "the code archive holds the tooling:\n{files}"
    );
    assert_eq!(status(&repo), "", "archive dirtied the tree");

    let plan = xtask(&["release", "0.5.0", "--skip-gate", "--no-github"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(plan.stdout.contains("nothing was changed"), "{plan:?}");
    assert_eq!(status(&repo), "", "the release plan dirtied the tree");
}

#[test]
fn init_refuses_a_folder_that_is_not_a_python_project() {
    let dir = tempfile::tempdir().unwrap();
    let refused = init(dir.path(), true);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("no pyproject.toml"), "{refused:?}");
    assert!(refused.stderr.contains("hint:"), "{refused:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn init_refuses_a_project_with_a_cargo_project_of_its_own() {
    let repo = python_project();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"theirs\"\nversion = \"0.1.0\"\n",
    );
    let refused = init(repo.path(), true);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("has a Cargo.toml of its own"),
        "{refused:?}"
    );
    assert_eq!(
        repo.read("Cargo.toml"),
        "[package]\nname = \"theirs\"\nversion = \"0.1.0\"\n"
    );
    assert!(!repo.path().join("xtask").exists());
}

#[test]
fn coverage_reads_a_checklist_kept_at_the_project_root() {
    let repo = python_project();
    repo.git(&["mv", "docs/RELEASE_CHECKLIST.md", "RELEASE_CHECKLIST.md"]);
    let out = tempfile::tempdir().unwrap();
    let table = out.path().join("coverage.md");
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .arg("--project")
        .arg(repo.path())
        .args(["coverage", "--out"])
        .arg(&table);
    let done = run(&mut command);
    assert_eq!(done.code, 0, "{done:?}");
    assert!(std::fs::read_to_string(&table)
        .unwrap()
        .contains("| `unit-tests` ("));
}
