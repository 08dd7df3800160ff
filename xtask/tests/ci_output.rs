//! Under GitHub Actions: stdout keeps only the chosen format, annotations (with file/line),
//! groups, the step summary and GITHUB_OUTPUT; JUnit; JSON with a schema everywhere; and a
//! `merge-reports` that a missing, duplicated, foreign or unreadable report cannot fool.

mod common;

use std::path::{Path, PathBuf};

use common::{Invocation, Project};

/// The invocation as a GitHub Actions step sees it, with its summary and output files.
fn on_actions(invocation: Invocation, dir: &Path) -> Invocation {
    invocation
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"))
        .env("GITHUB_OUTPUT", dir.join("output.txt"))
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn json_stays_parseable_and_annotations_carry_file_and_line() {
    let project = Project::example();
    let dir = project.out.path();
    let junit = dir.join("junit.xml");
    let run = on_actions(
        project.xtask(&[
            "pre-release",
            "--section",
            "documentation",
            "--format",
            "json",
            "--junit",
            junit.to_str().unwrap(),
        ]),
        dir,
    )
    .run();
    assert_eq!(run.code, 1, "{run}");
    let report = run.json();
    assert_eq!(report["schema"], 1);
    assert_eq!(report["sections"], serde_json::json!(["documentation"]));
    assert!(
        !run.stdout.contains("::"),
        "workflow commands on stdout: {run}"
    );

    // checklist-drift: one annotation per stale line, at that line of the checklist.
    assert!(
        run.stderr.contains(
            "::error file=docs/RELEASE_CHECKLIST.md,line=45,title=checklist-drift::says the embedding model"
        ),
        "{run}"
    );
    assert!(
        run.stderr.contains("::group::checklist-drift (fail)"),
        "{run}"
    );
    assert!(run.stderr.contains("::endgroup::"), "{run}");

    let summary = read(dir.join("summary.md"));
    assert!(
        summary.starts_with("## Pre-release: not ready\n"),
        "{summary}"
    );
    assert!(summary.contains(&project.repo.head()[..12]), "{summary}");
    assert!(summary.contains("0 blocked"), "{summary}");
    assert!(
        summary.contains("| `checklist-drift` | fail |"),
        "{summary}"
    );

    let output = read(dir.join("output.txt"));
    assert!(output.contains("verdict<<"), "{output}");
    assert!(output.contains("\nnot ready\n"), "{output}");
    assert!(output.contains("report<<"), "{output}");

    let xml = read(junit);
    assert!(
        xml.contains("<testcase name=\"checklist-drift\" classname=\"documentation\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"docs/RELEASE_CHECKLIST.md is stale"),
        "{xml}"
    );
    assert!(xml.contains("<system-out>"), "{xml}");
}

#[test]
fn list_dry_run_and_archive_print_json_documents_with_a_schema() {
    let project = Project::example();
    let dir = project.out.path();
    let list = on_actions(
        project.xtask(&["pre-release", "--list", "--format", "json"]),
        dir,
    )
    .run();
    assert_eq!(list.code, 0, "{list}");
    let list = list.json();
    assert_eq!(list["schema"], 1);
    let drift = list["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "checklist-drift")
        .unwrap();
    assert_eq!(drift["kind"], "native");
    assert_eq!(drift["section"], "documentation");

    let plan = on_actions(
        project.xtask(&["pre-release", "--dry-run", "--format", "json"]),
        dir,
    )
    .run();
    assert_eq!(plan.code, 0, "{plan}");
    let plan = plan.json();
    assert_eq!(plan["schema"], 1);
    let steps = plan["steps"].as_array().unwrap();
    let position = |id: &str| steps.iter().position(|s| s["id"] == id).unwrap();
    assert!(position("python-env") < position("unit-tests"));
    assert_eq!(steps[position("unit-tests")]["action"], "command");

    project.git(&["tag", "v0.4.0"]);
    let archive = on_actions(project.xtask(&["archive", "--format", "json"]), dir).run();
    assert_eq!(archive.code, 0, "{archive}");
    let doc = archive.json();
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["rev"], "v0.4.0");
    let artifacts = doc["artifacts"].as_array().unwrap();
    assert!(artifacts
        .iter()
        .any(|a| a["name"] == "codemate-hub-v0.4.0.tar.gz"
            && a["sha256"].as_str().unwrap().len() == 64));
    let output = read(dir.join("output.txt"));
    assert!(output.contains("dir<<"), "{output}");
    assert!(
        output.contains(&format!("{}\n", doc["sha256sums"].as_str().unwrap())),
        "{output}"
    );
}

#[test]
fn merge_reports_fails_on_a_missing_duplicated_or_foreign_report() {
    let project = Project::example();
    let out = project.out.path();
    let report = |name: &str, args: &[&str]| {
        let path = out.join(name);
        let mut all = vec!["pre-release"];
        all.extend_from_slice(args);
        all.extend(["--report", path.to_str().unwrap()]);
        let run = project.xtask(&all).run();
        assert!(run.code <= 1, "{run}");
        path.to_str().unwrap().to_string()
    };
    let docs = report("docs.json", &["--section", "documentation"]);
    let security = report(
        "security.json",
        &["--section", "security", "--skip", "image-scan"],
    );
    let expect = "--expect=documentation,security";

    let both = project
        .xtask(&["merge-reports", expect, &docs, &security])
        .run();
    assert!(!both.stderr.contains("section `"), "{both}");
    assert!(!both.stderr.contains("ran in no report"), "{both}");

    let missing = on_actions(project.xtask(&["merge-reports", expect, &docs]), out).run();
    assert_eq!(missing.code, 1, "{missing}");
    assert!(
        missing
            .stderr
            .contains("error: section `security` is in no report"),
        "{missing}"
    );
    assert!(
        missing
            .stderr
            .contains("::error title=merge-reports::section `security` is in no report"),
        "{missing}"
    );
    // The sections annotated their own checks: the merge does not repeat them.
    assert!(
        !missing.stderr.contains("title=checklist-drift"),
        "{missing}"
    );

    let twice = project
        .xtask(&["merge-reports", expect, &docs, &docs, &security])
        .run();
    assert_eq!(twice.code, 1, "{twice}");
    assert!(
        twice
            .stderr
            .contains("section `documentation` is in 2 reports"),
        "{twice}"
    );

    let json = project
        .xtask(&["merge-reports", expect, "--format", "json", &docs])
        .run();
    assert_eq!(json.code, 1);
    let merged = json.json();
    assert!(
        merged["incomplete"][0]
            .as_str()
            .unwrap()
            .contains("security"),
        "{json}"
    );

    project.write("src/extra.py", "\"\"\"More.\"\"\"\n");
    project.commit("another commit");
    let later = report(
        "later.json",
        &["--section", "security", "--skip", "image-scan"],
    );
    let foreign = project
        .xtask(&["merge-reports", expect, &docs, &later])
        .run();
    assert_eq!(foreign.code, 1, "{foreign}");
    assert!(
        foreign.stderr.contains("later.json is of commit"),
        "{foreign}"
    );

    let gone = out.join("gone.json");
    let unreadable = project
        .xtask(&["merge-reports", &docs, gone.to_str().unwrap()])
        .run();
    assert_eq!(unreadable.code, 1, "{unreadable}");
    assert!(
        unreadable.stderr.contains("cannot read the report"),
        "{unreadable}"
    );

    let unknown = project
        .xtask(&["merge-reports", "--expect", "docs", &docs])
        .run();
    assert_eq!(unknown.code, 2, "{unknown}");
}

#[test]
fn a_planned_release_prints_parseable_json_under_github_actions() {
    let project = Project::example();
    project.write(".gitignore", "__pycache__/\n.venv/\n");
    project.commit("ignore");
    project.repo.push();
    let dir = project.out.path();
    let run = on_actions(
        project.xtask(&[
            "release",
            "0.5.0",
            "--skip-gate",
            "--no-github",
            "--format",
            "json",
        ]),
        dir,
    )
    .env("SOURCE_DATE_EPOCH", "1767323045")
    .run();
    assert_eq!(run.code, 0, "{run}");
    let doc = run.json();
    assert!(doc.is_object(), "{run}");
}
