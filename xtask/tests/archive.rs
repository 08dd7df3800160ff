//! `cargo xtask archive` end to end: the binary on temp git repositories, its output and exit codes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const STEM: &str = "codemate-hub-v0.5.0";

#[test]
fn archives_the_latest_release_tag_under_the_committed_name() {
    let repo = project();
    // The working tree's name and an untracked .env must not matter: files come from the tag.
    write(
        repo.path(),
        "pyproject.toml",
        "[project]\nname = \"renamed\"\nversion = \"9.9.9\"\n",
    );
    write(repo.path(), ".env", "SECRET=1\n");
    let target = tempfile::tempdir().unwrap();
    let out = xtask(repo.path(), target.path(), &["archive"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let dir = target.path().join("archive").join(STEM);
    assert!(
        dir.join(format!("{STEM}.tar.gz")).is_file(),
        "{}",
        text(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{STEM}.tar.gz")));
    let sums = Command::new("sha256sum")
        .args(["--check", "SHA256SUMS"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(sums.success());

    assert_verifies(repo.path(), target.path(), &dir);
}

#[test]
fn same_bytes_whatever_the_umask_locale_and_time_zone() {
    let repo = project();
    let target = tempfile::tempdir().unwrap();
    let build = |dir: &str, env: &str| {
        let out = target.path().join(dir);
        let script = format!("{env} exec \"$0\" --project \"$1\" archive --out \"$2\"",);
        let run = Command::new("sh")
            .args([
                "-c",
                &script,
                env!("CARGO_BIN_EXE_xtask"),
                path(repo.path()),
                path(&out),
            ])
            .env_remove("OLLAMA_HOST")
            .output()
            .unwrap();
        assert!(run.status.success(), "{env}: {}", text(&run));
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&out)
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                (
                    entry.file_name().to_string_lossy().into_owned(),
                    fs::read(entry.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let first = build("a", "umask 077; LC_ALL=C TZ=UTC");
    let second = build(
        "b",
        "umask 000; LANG=tr_TR.UTF-8 LC_ALL=tr_TR.UTF-8 TZ=Pacific/Kiritimati",
    );
    assert_eq!(first.len(), 6);
    assert!(first == second, "the artifacts differ");
}

#[test]
fn verify_exits_1_naming_each_mismatch() {
    let repo = project();
    let target = tempfile::tempdir().unwrap();
    let dir = archive_into(repo.path(), target.path());
    fs::remove_file(dir.join(format!("{STEM}-config.tar.gz"))).unwrap();
    fs::write(dir.join("stray.txt"), "x").unwrap();
    let out = xtask(
        repo.path(),
        target.path(),
        &["archive", "--verify", path(&dir)],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{STEM}-config.tar.gz: missing")),
        "{stdout}"
    );
    assert!(stdout.contains("stray.txt"), "{stdout}");
}

#[test]
fn refusals_exit_2_with_a_cause_and_a_fix() {
    let repo = project();
    let target = tempfile::tempdir().unwrap();
    let dir = archive_into(repo.path(), target.path());

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["archive", "--out", path(&dir)],
            "already holds artifacts",
        ),
        (
            vec!["archive", "--rev", "v7.7.7", "--out", path(&dir)],
            "names no commit",
        ),
        (
            vec!["archive", "--out", "/proc/no/such/dir"],
            "not writable",
        ),
        (
            vec!["archive", "--verify", path(target.path())],
            "no readable manifest.json",
        ),
        (
            vec!["archive", "--group", "bad name=*.md", "--out", path(&dir)],
            "bad --group",
        ),
    ];
    for (args, cause) in cases {
        let out = xtask(repo.path(), target.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 2, "{args:?}: {}", text(&out));
        assert!(
            stderr.contains(cause) && stderr.contains("hint: "),
            "{args:?}: {stderr}"
        );
    }

    let inside = repo.path().join("dist");
    let out = xtask(
        repo.path(),
        target.path(),
        &["archive", "--out", path(&inside)],
    );
    assert_eq!(
        code(&out),
        2,
        "an output dir that would dirty the tree: {}",
        text(&out)
    );
    assert!(!inside.exists());

    let plain = tempfile::tempdir().unwrap();
    write(
        plain.path(),
        "pyproject.toml",
        "[project]\nname = \"x\"\nversion = \"1.0.0\"\n",
    );
    let out = xtask(plain.path(), target.path(), &["archive", "--rev", "HEAD"]);
    assert_eq!(code(&out), 2, "not a git repository: {}", text(&out));
}

#[test]
fn force_replaces_and_groups_are_configurable() {
    let repo = project();
    let target = tempfile::tempdir().unwrap();
    let dir = archive_into(repo.path(), target.path());
    let args = [
        "archive",
        "--out",
        path(&dir),
        "--force",
        "--group",
        "scripts=scripts/*.sh",
    ];
    let out = xtask(repo.path(), target.path(), &args);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(dir.join(format!("{STEM}-scripts.tar.gz")).is_file());
    assert!(
        !dir.join(format!("{STEM}-config.tar.gz")).exists(),
        "replaced groups are removed"
    );
    assert_verifies(repo.path(), target.path(), &dir);
}

#[test]
fn model_digests_come_from_the_registry_at_the_revision_never_from_ollama() {
    let repo = project();
    let recorded = "a".repeat(64);
    write(
        repo.path(),
        "docs/MODEL_VERSIONS.md",
        &format!(
            "# Model Versions\n\n### Current Production Models (v0.6.0)\n\
             - qwen2.5-coder:7b-q4_0 (SHA256: {recorded})\n\n### Previous Versions\n- v0.5.0: qwen2.5-coder:7b\n"
        ),
    );
    git(repo.path(), &["add", "--all"]);
    git(repo.path(), &["commit", "--quiet", "--message", "0.6.0"]);
    git(repo.path(), &["tag", "v0.6.0"]);
    // The working tree and a running Ollama say something else; neither counts.
    write(
        repo.path(),
        "docs/MODEL_VERSIONS.md",
        &format!(
            "### Current Production Models (v0.7.0)\n- qwen2.5-coder:7b-q4_0 (SHA256: {})\n",
            "b".repeat(64)
        ),
    );
    let ollama = testkit::ollama::FakeOllama::start();
    ollama.install(testkit::ollama::FakeModel::new(
        "mistral:latest",
        &"c".repeat(64),
        1,
        "Q4_0",
    ));
    let target = tempfile::tempdir().unwrap();
    let build = |dir: &str| {
        let dir = target.path().join(dir);
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("--project")
            .arg(repo.path())
            .args(["archive", "--rev", "v0.6.0", "--out", path(&dir)])
            .env("XTASK_OUT", target.path())
            .env("OLLAMA_HOST", ollama.host())
            .output()
            .unwrap();
        assert_eq!(code(&out), 0, "{}", text(&out));
        fs::read_to_string(dir.join("codemate-hub-v0.6.0-models.json")).unwrap()
    };
    let models = build("a");
    assert!(models.contains(&format!("sha256:{recorded}")), "{models}");
    assert!(models.contains("\"recorded_for\": \"v0.6.0\""), "{models}");
    assert!(
        !models.contains("bbbb") && !models.contains("cccc"),
        "{models}"
    );
    // mistral:latest is a default with no recorded digest: none is made up.
    assert!(models.contains("\"digests\": []"), "{models}");
    assert_eq!(ollama.requests(), 0, "Ollama was asked");
    // Another day, another machine's Ollama: the same bytes.
    ollama.install(testkit::ollama::FakeModel::new(
        "qwen2.5-coder:7b-q4_0",
        &"d".repeat(64),
        1,
        "Q4_0",
    ));
    assert_eq!(build("b"), models);
}

// ---- fixtures -------------------------------------------------------------------------------

fn xtask(project: &Path, target: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--project")
        .arg(project)
        .args(args)
        .env("XTASK_OUT", target)
        .env_remove("OLLAMA_HOST")
        .output()
        .unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A tiny codemate-hub with two release tags; the latest is v0.5.0.
fn project() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "--quiet"]);
    write(
        dir,
        "pyproject.toml",
        "[project]\nname = \"codemate-hub\"\nversion = \"0.4.0\"\n",
    );
    write(dir, "README.md", "# codemate-hub\n");
    write(dir, ".gitignore", ".env\n");
    write(dir, "docker-compose.yml", "services: {}\n");
    write(
        dir,
        "scripts/model-pull.sh",
        "DEFAULT_MODELS=(\"qwen2.5-coder:7b-q4_0\" \"mistral:latest\")\n",
    );
    git(dir, &["add", "--all"]);
    git(dir, &["commit", "--quiet", "--message", "0.4.0"]);
    git(dir, &["tag", "v0.4.0"]);
    write(
        dir,
        "pyproject.toml",
        "[project]\nname = \"codemate-hub\"\nversion = \"0.5.0\"\n",
    );
    git(dir, &["commit", "--quiet", "--all", "--message", "0.5.0"]);
    git(dir, &["tag", "v0.5.0"]);
    repo
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Release Bot",
            "-c",
            "user.email=bot@example.com",
        ])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn write(dir: &Path, file: &str, content: &str) {
    let file: PathBuf = dir.join(file);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(file, content).unwrap();
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

/// `archive --verify DIR` accepts what `archive` wrote.
fn assert_verifies(repo: &Path, target: &Path, dir: &Path) {
    let out = xtask(repo, target, &["archive", "--verify", path(dir)]);
    assert_eq!(code(&out), 0, "{}", text(&out));
}

/// `archive --out <target>/artifacts`, which must succeed; the folder.
fn archive_into(repo: &Path, target: &Path) -> PathBuf {
    let dir = target.join("artifacts");
    let out = xtask(repo, target, &["archive", "--out", path(&dir)]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    dir
}
