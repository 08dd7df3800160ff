//! The plan, the file edits and the git steps of a release.

use crate::support::{args, step_statuses, Fixture, DATE};

#[test]
fn plan_changes_nothing_and_shows_the_real_diffs() {
    let f = Fixture::new();
    let before = f.snapshot();
    let run = f.release(&args("0.5.0", &[]));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(f.snapshot(), before, "a plan changes nothing");
    for expected in [
        "-version = \"0.4.0\"\n        +version = \"0.5.0\"",
        &format!("+## Version 0.5.0 - {DATE}"),
        "--- /dev/null\n        +++ b/trackers/releases/v0.5.0.md",
        "git commit -m \"Release version 0.5.0\" -- pyproject.toml uv.lock CHANGELOG.md docs/RELEASE_CHECKLIST.md trackers/releases/v0.5.0.md",
        "git tag --annotate --message \"Release version 0.5.0\" v0.5.0",
        "git push --atomic origin refs/heads/main:refs/heads/main refs/tags/v0.5.0:refs/tags/v0.5.0",
        "plan only: nothing was changed",
    ] {
        assert!(run.stdout.contains(expected), "missing {expected:?} in\n{}", run.stdout);
    }
}

#[test]
fn plan_as_json() {
    let f = Fixture::new();
    let run = f.release(&args("v0.5.0", &["--format", "json"]));
    assert_eq!(run.code, 0, "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(doc["version"], "0.5.0");
    assert_eq!(doc["mode"], "plan");
    assert_eq!(doc["exit_code"], 0);
    let steps = step_statuses(&doc);
    assert_eq!(
        steps,
        [
            ("files", "planned"),
            ("commit", "planned"),
            ("tag", "planned"),
            ("push", "planned"),
            ("archive", "skipped"),
            ("verify-deploy", "skipped"),
            ("github", "skipped")
        ]
    );
    let files = &doc["steps"][0]["actions"];
    assert_eq!(files[0]["what"], "edit pyproject.toml");
    assert!(files[0]["diff"]
        .as_str()
        .unwrap()
        .contains("+version = \"0.5.0\""));
}

#[test]
fn execute_makes_one_commit_one_annotated_tag_one_push() {
    let f = Fixture::new();
    let before_head = f.repo.head();
    let run = f.release(&args("0.5.0", &["--execute"]));
    assert_eq!(run.code, 0, "{run:?}");

    let r = &f.repo;
    assert_eq!(
        r.git(&["log", "-1", "--format=%s"]),
        "Release version 0.5.0"
    );
    assert_eq!(
        r.git(&["rev-parse", "HEAD^"]),
        before_head,
        "exactly one new commit"
    );
    assert_eq!(
        r.git(&["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"]),
        "CHANGELOG.md\ndocs/RELEASE_CHECKLIST.md\npyproject.toml\ntrackers/releases/v0.5.0.md\nuv.lock"
    );
    assert_eq!(r.git(&["cat-file", "-t", "v0.5.0"]), "tag");
    assert_eq!(
        r.git(&["tag", "-l", "--format=%(contents:subject)", "v0.5.0"]),
        "Release version 0.5.0"
    );
    assert_eq!(r.git(&["rev-parse", "v0.5.0^{commit}"]), r.head());
    assert_eq!(
        r.git_origin(&["rev-parse", "main"]),
        r.head(),
        "branch pushed"
    );
    assert_eq!(
        r.git_origin(&["rev-parse", "v0.5.0"]),
        r.git(&["rev-parse", "v0.5.0"]),
        "the annotated tag pushed"
    );
    assert_eq!(r.git(&["status", "--porcelain"]), "", "nothing left over");

    // pyproject.toml and uv.lock: only the version changed.
    let diff = r.git(&[
        "diff",
        "HEAD^",
        "HEAD",
        "--unified=0",
        "--",
        "pyproject.toml",
        "uv.lock",
    ]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with(['+', '-']) && !l.starts_with("+++") && !l.starts_with("---"))
        .collect();
    assert_eq!(
        changed,
        [
            "-version = \"0.4.0\"",
            "+version = \"0.5.0\"",
            "-version = \"0.4.0\"",
            "+version = \"0.5.0\""
        ]
    );

    // CHANGELOG.md: the Unreleased entries moved into the new section, above 0.4.0.
    let changelog = r.read("CHANGELOG.md");
    let new = changelog
        .find(&format!("## Version 0.5.0 - {DATE}"))
        .expect("the new section");
    let unreleased = changelog
        .find("## Unreleased")
        .expect("Unreleased heading kept");
    let old = changelog.find("## Version 0.4.0").unwrap();
    assert!(unreleased < new && new < old, "{changelog}");
    assert!(
        changelog[new..old].contains("model-prune.sh list-unused"),
        "{changelog}"
    );
    assert!(
        !changelog[unreleased..new].contains("- "),
        "Unreleased emptied: {changelog}"
    );

    // The Version History row and the release record.
    assert!(r
        .read("docs/RELEASE_CHECKLIST.md")
        .contains(&format!("| 0.5.0   | {DATE} | Minor ")));
    let record = r.read("trackers/releases/v0.5.0.md");
    assert!(
        record.starts_with("## Release v0.5.0 Checklist\n"),
        "{record}"
    );
    assert!(record.contains("- [x] Changes committed"), "{record}");
    // The models it was validated with, digests included (docs/MODEL_VERSIONS.md).
    assert!(
        record.contains(
            "### Models\ndocs/MODEL_VERSIONS.md's current section is for v0.4.0, not v0.5.0 \
             (`cargo xtask models record` was not run for it):\n\
             - qwen2.5-coder:7b-q4_0 (SHA256: 8de6119f677e6be0e9c78aa9763a4be1492458f955362604cc1cbf69da76143d)\n"
        ),
        "{record}"
    );
    assert!(
        record.contains("**Skipped** with `--skip-gate`"),
        "{record}"
    );
}

#[test]
fn a_second_run_finds_everything_done() {
    let f = Fixture::new();
    assert_eq!(f.release(&args("0.5.0", &["--execute"])).code, 0);
    let after = f.snapshot();
    let run = f.release(&args("0.5.0", &["--execute"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(f.snapshot(), after);
    for step in ["files", "commit", "tag", "push"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.contains(step) && l.contains(" done ")),
            "{step} done:\n{}",
            run.stdout
        );
    }
}

#[test]
fn drafts_notes_from_commits_without_an_unreleased_section() {
    let f = Fixture::new();
    let changelog = f.repo.read("CHANGELOG.md");
    let start = changelog.find("## Unreleased").unwrap();
    let end = changelog.find("## Version 0.4.0").unwrap();
    f.repo.write(
        "CHANGELOG.md",
        &format!("{}{}", &changelog[..start], &changelog[end..]),
    );
    f.repo.commit_all("docs: drop the unreleased section");
    f.repo
        .commit_all("fix(memory): refuse a mismatched chroma_db");
    f.repo.push();
    let run = f.release(&args("0.4.1", &["--execute"]));
    assert_eq!(run.code, 0, "{run:?}");
    let body = f.repo.read("CHANGELOG.md");
    let section =
        &body[body.find("## Version 0.4.1").unwrap()..body.find("## Version 0.4.0").unwrap()];
    assert_eq!(
        section,
        format!("## Version 0.4.1 - {DATE}\n\n### Added\n- an extra module\n\n### Fixed\n- memory: refuse a mismatched chroma_db\n\n")
    );
    assert!(
        run.stdout.contains("3 commit(s) since v0.4.0 (drafted)"),
        "{run:?}"
    );
}

#[test]
fn notes_file_and_allow_empty() {
    let f = Fixture::new();
    let notes = f.repo.root().join("notes.md");
    std::fs::write(&notes, "### Security\n- pinned the base image\n").unwrap();
    let run = f.release(&args(
        "0.5.0",
        &["--notes", notes.to_str().unwrap(), "--execute"],
    ));
    assert_eq!(run.code, 0, "{run:?}");
    let changelog = f.repo.read("CHANGELOG.md");
    assert!(
        changelog.contains(&format!(
            "## Version 0.5.0 - {DATE}\n\n### Security\n- pinned the base image\n"
        )),
        "{changelog}"
    );

    // Nothing new since v0.5.0: refused, unless --allow-empty.
    let empty = f.release(&args("0.5.1", &[]));
    assert_eq!(empty.code, 2, "{empty:?}");
    assert!(empty.stderr.contains("nothing to release"), "{empty:?}");
    let allowed = f.release(&args("0.5.1", &["--allow-empty", "--execute"]));
    assert_eq!(allowed.code, 0, "{allowed:?}");
    assert!(f
        .repo
        .read("CHANGELOG.md")
        .contains("## Version 0.5.1 - 2026-01-02\n\n_No notable changes._\n"));
}

#[test]
fn a_version_bumped_by_hand_is_a_no_op_edit() {
    let f = Fixture::new();
    for file in ["pyproject.toml", "uv.lock"] {
        let text = f
            .repo
            .read(file)
            .replacen("version = \"0.4.0\"", "version = \"0.5.0\"", 1);
        f.repo.write(file, &text);
    }
    f.repo.commit_all("chore: bump to 0.5.0");
    f.repo.push();
    let run = f.release(&args("0.5.0", &["--execute"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("pyproject.toml already says 0.5.0"),
        "{run:?}"
    );
    assert_eq!(
        f.repo
            .git(&["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"]),
        "CHANGELOG.md\ndocs/RELEASE_CHECKLIST.md\ntrackers/releases/v0.5.0.md"
    );
}

/// On a terminal `--execute` asks first (`script` gives the command a pseudo-terminal).
#[test]
fn a_terminal_is_asked_before_anything_changes() {
    let script = std::path::Path::new("/usr/bin/script");
    assert!(
        script.exists(),
        "util-linux `script` is needed to give the command a terminal"
    );
    let f = Fixture::new();
    let command = |answer: &str| {
        let line = format!(
            "{} --project {} release 0.5.0 --skip-gate --no-github --execute",
            env!("CARGO_BIN_EXE_xtask"),
            f.path().display()
        );
        let mut wrapped = std::process::Command::new(script);
        wrapped.args(["-qec", &line, "/dev/null"]);
        f.env(&mut wrapped);
        let mut child = wrapped
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let before = f.snapshot();
    let refused = command("n\n");
    assert!(refused.contains("carry out this plan? [y/N]"), "{refused}");
    assert!(
        refused.contains("not confirmed: nothing was changed"),
        "{refused}"
    );
    assert_eq!(f.snapshot(), before);

    let confirmed = command("y\n");
    assert!(confirmed.contains("released v0.5.0"), "{confirmed}");
    assert_eq!(
        f.repo.git(&["log", "-1", "--format=%s"]),
        "Release version 0.5.0"
    );
}

/// The project may sit in a folder of the repository (as the example does in this workspace).
#[test]
fn a_project_in_a_subfolder() {
    let repo = testkit::git::TempRepo::new();
    repo.write("README.md", "the repository\n");
    repo.write("app/.keep", "");
    repo.commit_all("Initial commit");
    let f = Fixture::new();
    testkit::git::copy_tree(f.path(), &repo.path().join("app"));
    repo.commit_all("feat: the app");
    repo.push();
    let run = f.run(
        f.command()
            .args(["--project", repo.path().join("app").to_str().unwrap()])
            .args(args("0.5.0", &["--execute"])),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        repo.git(&["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"]),
        "app/CHANGELOG.md\napp/docs/RELEASE_CHECKLIST.md\napp/pyproject.toml\napp/trackers/releases/v0.5.0.md\napp/uv.lock"
    );
    assert_eq!(
        repo.git_origin(&["rev-parse", "v0.5.0^{commit}"]),
        repo.head()
    );
}
