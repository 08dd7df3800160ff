//! Every preflight failure: exit 2, the cause and its fix, nothing changed; all failures of a
//! run are reported together.

use std::process::Command;

use crate::support::{Fixture, GIT_ONLY};

fn gate_report(f: &Fixture, commit: &str, version: &str, status: &str) -> String {
    gate_report_signed(f, commit, version, status, serde_json::json!([]))
}

/// A gate report with these `sign_offs`.
fn gate_report_signed(
    f: &Fixture,
    commit: &str,
    version: &str,
    status: &str,
    sign_offs: serde_json::Value,
) -> String {
    let path = f.repo.root().join("gate.json");
    let report = serde_json::json!({
        "tool": "xtask pre-release 0.1.0",
        "project": "codemate-hub",
        "commit": commit,
        "target_version": version,
        "started_at": "2026-01-02T03:00:00Z",
        "duration_ms": 1000,
        "summary": {"pass": 1, "fail": 0, "blocked": 0, "skipped": 0, "manual": 1},
        "checks": [
            {"id": "unit-tests", "section": "code-quality", "title": "unit tests", "status": status,
             "duration_ms": 900, "command": "pytest", "log": null, "reason": null},
            {"id": "access-controls", "section": "security", "title": "access controls reviewed", "status": "manual",
             "duration_ms": 0, "command": null, "log": null, "reason": "a person decides"}
        ],
        "sign_offs": sign_offs
    });
    std::fs::write(&path, report.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

/// Sets the fixture up, runs `release <args>`, expects exit 2 naming `cause`, nothing changed.
fn refused(setup: impl FnOnce(&Fixture) -> Vec<String>, cause: &str) {
    let f = Fixture::new();
    let args = setup(&f);
    let before = f.snapshot();
    let run = f.release(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 2, "expected a refusal naming {cause:?}: {run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.starts_with("error: ") && line.contains(cause))
        .unwrap_or_else(|| panic!("no `error: ...{cause}...` line: {run:?}"));
    assert!(
        lines
            .get(at + 1)
            .is_some_and(|line| line.starts_with("hint: ")),
        "a fix follows the cause: {run:?}"
    );
    assert_eq!(f.snapshot(), before, "nothing changed: {run:?}");
}

fn with(version: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![version.to_string()];
    args.extend(GIT_ONLY.iter().chain(extra).map(|s| s.to_string()));
    args.push("--execute".into());
    args
}

#[test]
fn invalid_version() {
    refused(|_| with("0.5", &[]), "\"0.5\" is not a semver version");
}

#[test]
fn untracked_file() {
    refused(
        |f| {
            f.repo.write("scratch.txt", "x\n");
            with("0.5.0", &[])
        },
        "the work tree is not clean: ?? scratch.txt",
    );
}

#[test]
fn modified_file() {
    refused(
        |f| {
            f.repo.write("README.md", "changed\n");
            with("0.5.0", &[])
        },
        "the work tree is not clean: M README.md",
    );
}

#[test]
fn merge_in_progress() {
    refused(
        |f| {
            let r = &f.repo;
            r.git(&["checkout", "--quiet", "-b", "side"]);
            r.write("README.md", "side\n");
            r.commit_all("side");
            r.git(&["checkout", "--quiet", "main"]);
            r.write("README.md", "main\n");
            r.commit_all("main");
            r.push();
            let merged = Command::new("git")
                .current_dir(r.path())
                .args(["merge", "--quiet", "side"])
                .output()
                .unwrap();
            assert!(!merged.status.success());
            with("0.5.0", &[])
        },
        "a merge is in progress",
    );
}

#[test]
fn detached_head() {
    refused(
        |f| {
            f.repo.git(&["checkout", "--quiet", "--detach"]);
            with("0.5.0", &[])
        },
        "HEAD is detached",
    );
}

#[test]
fn wrong_branch() {
    refused(
        |f| {
            f.repo.git(&["checkout", "--quiet", "-b", "feature"]);
            with("0.5.0", &[])
        },
        "on branch feature, releases are cut from main",
    );
}

#[test]
fn behind_origin() {
    refused(
        |f| {
            let other = f.repo.clone_origin("other");
            std::fs::write(other.join("NEW.md"), "new\n").unwrap();
            testkit::git::git_in(&other, &["add", "NEW.md"]);
            testkit::git::git_in(&other, &["commit", "--quiet", "-m", "fix: from elsewhere"]);
            testkit::git::git_in(&other, &["push", "--quiet", "origin", "main"]);
            with("0.5.0", &[])
        },
        "main is behind origin/main: origin is at",
    );
}

#[test]
fn tag_exists_locally() {
    refused(
        |f| {
            f.repo.git(&["tag", "v0.5.0"]);
            with("0.5.0", &[])
        },
        "tag v0.5.0 already exists at",
    );
}

#[test]
fn tag_exists_on_origin() {
    refused(
        |f| {
            f.repo.git(&["tag", "-a", "v0.5.0", "-m", "someone else's"]);
            f.repo.git(&["push", "--quiet", "origin", "v0.5.0"]);
            f.repo.git(&["tag", "-d", "v0.5.0"]);
            with("0.5.0", &[])
        },
        "tag v0.5.0 already exists on origin",
    );
}

#[test]
fn version_not_above_the_latest_tag() {
    refused(
        |_| with("0.3.9", &[]),
        "0.3.9 is not greater than the latest release v0.4.0",
    );
}

#[test]
fn version_below_pyproject() {
    refused(
        |f| {
            let text = f.repo.read("pyproject.toml").replacen(
                "version = \"0.4.0\"",
                "version = \"0.6.0\"",
                1,
            );
            f.repo.write("pyproject.toml", &text);
            f.repo.commit_all("chore: bump");
            f.repo.push();
            with("0.5.0", &[])
        },
        "0.5.0 is below the version in pyproject.toml (0.6.0)",
    );
}

#[test]
fn dynamic_version() {
    refused(
        |f| {
            let text = f.repo.read("pyproject.toml").replacen(
                "version = \"0.4.0\"",
                "dynamic = [\"version\"]",
                1,
            );
            f.repo.write("pyproject.toml", &text);
            f.repo.commit_all("chore: dynamic");
            f.repo.push();
            with("0.5.0", &[])
        },
        "dynamic",
    );
}

#[test]
fn changelog_section_exists_with_other_notes() {
    refused(
        |f| {
            let text = f.repo.read("CHANGELOG.md").replacen(
                "## Version 0.4.0",
                "## Version 0.5.0 - 2025-01-01\n\n### Fixed\n- something else\n\n## Version 0.4.0",
                1,
            );
            f.repo.write("CHANGELOG.md", &text);
            f.repo.commit_all("docs: premature section");
            f.repo.push();
            with("0.5.0", &[])
        },
        "already has a section for 0.5.0",
    );
}

#[test]
fn missing_notes_file() {
    refused(
        |_| with("0.5.0", &["--notes", "/nonexistent/notes.md"]),
        "cannot read --notes /nonexistent/notes.md",
    );
}

#[test]
fn notes_file_with_an_unknown_heading() {
    refused(
        |f| {
            // Outside the work tree: a notes file is not part of the release.
            let notes = f.repo.root().parent().unwrap().join("bogus-notes.md");
            std::fs::write(&notes, "### Added\n- a feature\n\n### Bogus\n- lost\n").unwrap();
            with("0.5.0", &["--notes", notes.to_str().unwrap()])
        },
        "bogus-notes.md:4: `### Bogus` is not a changelog category",
    );
}

#[test]
fn no_remote() {
    refused(
        |f| {
            f.repo.git(&["remote", "remove", "origin"]);
            with("0.5.0", &[])
        },
        "there is no remote \"origin\"",
    );
}

#[test]
fn gate_report_of_another_commit() {
    refused(
        |f| {
            let report = gate_report(f, &f.repo.git(&["rev-parse", "HEAD^"]), "0.5.0", "pass");
            vec![
                "0.5.0".into(),
                "--no-github".into(),
                "--gate-report".into(),
                report,
            ]
        },
        "is for commit",
    );
}

#[test]
fn gate_report_of_another_version() {
    refused(
        |f| {
            let report = gate_report(f, &f.repo.head(), "0.6.0", "pass");
            vec![
                "0.5.0".into(),
                "--no-github".into(),
                "--gate-report".into(),
                report,
            ]
        },
        "is for version 0.6.0, not 0.5.0",
    );
}

#[test]
fn failing_gate() {
    refused(
        |f| {
            let report = gate_report(f, &f.repo.head(), "0.5.0", "fail");
            vec![
                "0.5.0".into(),
                "--no-github".into(),
                "--gate-report".into(),
                report,
            ]
        },
        "the pre-release gate did not pass: unit-tests fail",
    );
}

#[test]
fn no_github_token() {
    refused(
        |_| vec!["0.5.0".into(), "--skip-gate".into()],
        "no GitHub token",
    );
}

#[test]
fn every_failure_is_reported_at_once() {
    let f = Fixture::new();
    f.repo.git(&["checkout", "--quiet", "-b", "feature"]);
    f.repo.write("scratch.txt", "x\n");
    let before = f.snapshot();
    let run = f.release(&["0.3.0", "--skip-gate", "--execute"]);
    assert_eq!(run.code, 2, "{run:?}");
    for cause in [
        "on branch feature",
        "not clean",
        "not greater than the latest release",
        "no GitHub token",
    ] {
        assert!(run.stderr.contains(cause), "{cause}: {run:?}");
    }
    assert_eq!(
        run.stderr.matches("error: ").count(),
        run.stderr.matches("hint: ").count()
    );
    assert_eq!(f.snapshot(), before);

    let json = f.release(&["0.3.0", "--skip-gate", "--format", "json"]);
    assert_eq!(json.code, 2);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["preflight"]["ok"], false);
    assert_eq!(doc["exit_code"], 2);
    let checks: Vec<&str> = doc["preflight"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["check"].as_str().unwrap())
        .collect();
    for check in ["branch", "version", "tree", "github"] {
        assert!(checks.contains(&check), "{check} in {checks:?}");
    }
}

#[test]
fn a_passing_gate_report_is_recorded() {
    let f = Fixture::new();
    let signed = serde_json::json!([
        {"id": "role:release-manager", "by": "Jane Doe", "at": "2026-01-02T02:00:00Z", "role": "Release Manager"},
        {"id": "access-controls", "by": "Sam Roe <sam@example.com>", "at": "2026-01-02T02:30:00Z"}
    ]);
    let report = gate_report_signed(&f, &f.repo.head(), "0.5.0", "pass", signed);
    let run = f.release(&[
        "0.5.0",
        "--no-github",
        "--gate-report",
        &report,
        "--execute",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let record = f.repo.read("trackers/releases/v0.5.0.md");
    assert!(
        record.contains("- [x] All tests passing — gate: 1 passed"),
        "{record}"
    );
    assert!(
        record.contains(
            "- [ ] Security checks passed — gate: 0 passed; manual, for a person: access-controls"
        ),
        "{record}"
    );
    assert!(
        record.contains("| unit-tests | code-quality | pass |  |"),
        "{record}"
    );
    // The gate's sign-offs, with who and when.
    let sign_off = record
        .split("### Sign-off\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_else(|| panic!("no Sign-off section: {record}"));
    assert_eq!(
        sign_off.lines().collect::<Vec<_>>(),
        [
            "- [x] Release Manager: Jane Doe Date: 2026-01-02T02:00:00Z (signed off in the pre-release gate)",
            "- [ ] Tech Lead: __________ Date: __________",
            "- [x] `access-controls` (manual check): signed off by Sam Roe <sam@example.com> at 2026-01-02T02:30:00Z",
        ],
        "{record}"
    );
}

#[test]
fn a_sign_off_after_the_release_commit_is_said_not_recorded() {
    let f = Fixture::new();
    let run = f.release(&crate::support::args("0.5.0", &["--execute"]));
    assert_eq!(run.code, 0, "{run:?}");
    let again = f.release(&["0.5.0", "--no-github", "--sign-off", "tech-lead:Sam Roe"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains(
            "note: --sign-off is not recorded: the release record is already committed in"
        ),
        "{again:?}"
    );
}

#[test]
fn sign_offs_go_to_the_gate_it_runs_and_need_a_gate() {
    refused(
        |_| {
            vec![
                "0.5.0".into(),
                "--skip-gate".into(),
                "--sign-off".into(),
                "tech-lead:Sam Roe".into(),
            ]
        },
        "--sign-off",
    );
}

#[test]
fn a_bad_title_is_refused() {
    for (title, cause) in [
        ("  ", "--title is empty"),
        ("two\nlines", "is not one line of text"),
        (
            &"x".repeat(101),
            "--title is 101 characters long, more than 100",
        ),
    ] {
        refused(|_| with("0.5.0", &["--title", title]), cause);
    }
}

/// Without --gate-report or --skip-gate the gate runs as a child (`pre-release --version`);
/// here nothing can deploy (no Docker engine), so it does not pass and the release is refused.
#[test]
fn the_gate_runs_as_a_child_process() {
    let f = Fixture::new();
    let before = f.snapshot();
    let run = f.release(&[
        "0.5.0",
        "--no-github",
        "--execute",
        "--sign-off",
        "release-manager:Jane Doe",
        "--sign-off",
        "Tech Lead:Sam Roe",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("error: the pre-release gate did not pass: "),
        "{run:?}"
    );
    let report = std::fs::read_to_string(f.out.join("release/v0.5.0.gate.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["commit"].as_str(), Some(f.repo.head().as_str()));
    assert_eq!(report["target_version"], "0.5.0");
    // The sign-offs went to the gate, which recorded them with the time.
    let signed: Vec<(&str, &str)> = report["sign_offs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["role"].as_str().unwrap(), s["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        signed,
        [("Release Manager", "Jane Doe"), ("Tech Lead", "Sam Roe")]
    );
    assert!(report["sign_offs"][0]["at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    // Its progress, a line per finished check, on stderr as it runs; its cause printed once.
    assert!(
        run.stderr
            .contains("running the pre-release gate for 0.5.0"),
        "{run:?}"
    );
    let checks = report["checks"].as_array().unwrap();
    let shown: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("  gate ["))
        .collect();
    assert_eq!(shown.len(), checks.len(), "{run:?}");
    for check in checks {
        let line = format!(
            "  gate [{}] {} (",
            check["status"].as_str().unwrap(),
            check["id"].as_str().unwrap()
        );
        assert!(
            shown.iter().any(|shown| shown.starts_with(&line)),
            "{line}: {run:?}"
        );
    }
    assert_eq!(
        run.stderr
            .matches("the pre-release gate did not pass")
            .count(),
        1,
        "{run:?}"
    );
    assert!(
        !run.stdout.contains("[pass]") && !run.stderr.contains("gate error:"),
        "{run:?}"
    );
    assert_eq!(f.snapshot(), before);

    // In JSON: one document on stdout, no progress.
    let run = f.release(&["0.5.0", "--no-github", "--format", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(doc["preflight"]["problems"][0]["check"], "gate", "{doc}");
    assert!(!run.stderr.contains("  gate ["), "{run:?}");
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_higher_release_tag_only_on_origin_counts() {
    refused(
        |f| {
            f.repo
                .git(&["tag", "-a", "v0.6.0", "-m", "pushed by someone else"]);
            f.repo.git(&["push", "--quiet", "origin", "v0.6.0"]);
            f.repo.git(&["tag", "-d", "v0.6.0"]);
            with("0.5.0", &[])
        },
        "0.5.0 is not greater than the latest release v0.6.0",
    );
}

#[test]
fn invalid_date() {
    refused(
        |_| with("0.5.0", &["--date", "2026-1-2"]),
        "--date \"2026-1-2\" is not YYYY-MM-DD",
    );
}
