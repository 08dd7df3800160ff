//! The two shapes of a hotfix: `main` unchanged since the base (the checklist's flow: the tag on
//! the merge commit), and `main` ahead (a hotfix of an older line: `main`'s version kept, the
//! changelog in version order, the tag on the tested release commit).

use crate::setup::{
    branch, commit_of, hotfix, moved, origin_has, started_with_fix, unmoved, FINISH, FINISH_BRANCH,
    GIT_STEPS,
};
use crate::support::{step_statuses, DATE};

#[test]
fn start_plans_then_creates_and_switches() {
    let f = unmoved();
    let before = f.snapshot();
    let plan = hotfix(&f, &["start", "0.4.1"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert_eq!(f.snapshot(), before, "a plan changes nothing");
    assert!(plan.stdout.contains("git branch hotfix/v0.4.1"), "{plan:?}");
    assert!(plan.stdout.contains("git switch hotfix/v0.4.1"), "{plan:?}");

    let run = hotfix(&f, &["start", "0.4.1", "--execute"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(branch(&f), "hotfix/v0.4.1");
    assert_eq!(f.repo.head(), commit_of(&f, "v0.4.0"));
    assert!(
        run.stdout.contains("cargo xtask hotfix finish"),
        "next steps: {run:?}"
    );
    // A re-run finds it done.
    let again = hotfix(&f, &["start", "0.4.1", "--execute", "--format", "json"]);
    assert_eq!(again.code, 0, "{again:?}");
    let doc: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(
        step_statuses(&doc),
        [("branch", "done"), ("switch", "done")]
    );
}

#[test]
fn start_in_a_worktree_leaves_the_checkout_alone_and_finish_works_from_it() {
    let f = unmoved();
    let dir = f.repo.root().join("hotfix-tree");
    let dir_arg = dir.to_str().unwrap();
    let run = hotfix(&f, &["start", "0.4.1", "--worktree", dir_arg, "--execute"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(branch(&f), "main", "the checkout is left alone");
    let tree = testkit::git::git_in(&dir, &["branch", "--show-current"]);
    assert_eq!(tree, "hotfix/v0.4.1");
    std::fs::write(dir.join("src/health_fix.py"), "\"\"\"The fix.\"\"\"\n").unwrap();
    testkit::git::git_in(&dir, &["add", "-A"]);
    testkit::git::git_in(
        &dir,
        &["commit", "--quiet", "-m", "fix: made in the worktree"],
    );

    // From the main checkout: the release commit is made in the worktree, main moves along.
    let run = hotfix(&f, &FINISH_BRANCH);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        f.repo.git(&["log", "-1", "--format=%s"]),
        "Merge hotfix v0.4.1"
    );
    assert_eq!(
        f.repo.git(&["status", "--porcelain"]),
        "",
        "main's checkout moved along"
    );
    assert!(f
        .repo
        .read("pyproject.toml")
        .contains("version = \"0.4.1\""));
    assert_eq!(f.repo.git(&["branch", "--list", "hotfix/*"]), "");
}

#[test]
fn main_unchanged_the_merge_is_tagged_and_holds_exactly_the_hotfix() {
    let f = unmoved();
    let base = commit_of(&f, "v0.4.0");
    started_with_fix(&f);
    let fixed = f.repo.head();

    let before = f.snapshot();
    let plan = hotfix(&f, &FINISH[..3]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert_eq!(f.snapshot(), before, "a plan changes nothing");
    assert!(
        plan.stdout.contains("main has not moved since v0.4.0"),
        "{plan:?}"
    );
    for step in GIT_STEPS {
        assert!(
            plan.stdout.contains(&format!("] {step} ")),
            "{step}: {plan:?}"
        );
    }

    let run = hotfix(&f, &FINISH);
    assert_eq!(run.code, 0, "{run:?}");
    // The checkout is on main, the branch is gone.
    assert_eq!(branch(&f), "main");
    assert_eq!(f.repo.git(&["branch", "--list", "hotfix/*"]), "");
    // main: "Merge hotfix v0.4.1" of the old main and the release commit on the fix.
    let merge = f.repo.head();
    assert_eq!(
        f.repo.git(&["log", "-1", "--format=%s"]),
        "Merge hotfix v0.4.1"
    );
    let parents = f.repo.git(&["log", "-1", "--format=%P"]);
    let release = parents.split_whitespace().nth(1).unwrap().to_string();
    assert_eq!(parents.split_whitespace().next(), Some(base.as_str()));
    assert_eq!(
        f.repo.git(&["log", "-1", "--format=%s", &release]),
        "Release version 0.4.1"
    );
    assert_eq!(commit_of(&f, &format!("{release}^")), fixed);
    // The tag is on the merge, which holds exactly the tested tree.
    assert_eq!(commit_of(&f, "v0.4.1"), merge);
    assert_eq!(
        f.repo.git(&["rev-parse", "HEAD^{tree}"]),
        f.repo.git(&["rev-parse", &format!("{release}^{{tree}}")])
    );
    assert_eq!(
        f.repo.git(&["cat-file", "-t", "v0.4.1"]),
        "tag",
        "annotated"
    );
    // Pushed together.
    assert_eq!(f.repo.git_origin(&["rev-parse", "main"]), merge);
    assert!(origin_has(&f, "refs/tags/v0.4.1"));
    // The edits: version, changelog (notes from the fix, Unreleased kept), history, record.
    assert!(f
        .repo
        .read("pyproject.toml")
        .contains("version = \"0.4.1\""));
    let changelog = f.repo.read("CHANGELOG.md");
    let section = changelog
        .find(&format!("## Version 0.4.1 - {DATE}"))
        .expect("the section");
    assert!(
        changelog[section..].starts_with(&format!(
            "## Version 0.4.1 - {DATE}\n\n### Fixed\n- the health check no longer exits early"
        )),
        "{changelog}"
    );
    let unreleased = changelog.find("## Unreleased").unwrap();
    let entry = changelog
        .find("`zephyr/demo_enclave.py` runs snippets")
        .unwrap();
    assert!(
        unreleased < entry && entry < section,
        "the Unreleased entries stay: {changelog}"
    );
    let history = f.repo.read("docs/RELEASE_CHECKLIST.md");
    assert!(
        history.contains(&format!("| 0.4.1   | {DATE} | Patch   |")),
        "{history}"
    );
    assert!(f
        .repo
        .read("trackers/releases/v0.4.1.md")
        .contains("**Type:** Patch"));

    // Run again (the branch is gone): every step is done.
    let again = f.run(
        f.xtask(&["hotfix"])
            .args(FINISH_BRANCH)
            .args(["--format", "json"]),
    );
    assert_eq!(again.code, 0, "{again:?}");
    let doc: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    for (name, status) in step_statuses(&doc) {
        assert!(
            matches!(status, "done" | "skipped"),
            "{name} {status}: {}",
            again.stdout
        );
    }
}

#[test]
fn main_ahead_keeps_its_version_orders_the_changelog_and_tags_the_tested_commit() {
    let f = moved();
    let main_before = f.repo.head();
    started_with_fix(&f);
    assert_eq!(
        commit_of(&f, "HEAD^"),
        commit_of(&f, "v0.4.0"),
        "started from v0.4.0"
    );

    let plan = hotfix(&f, &FINISH[..3]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout.contains("main has moved on since v0.4.0")
            && plan
                .stdout
                .contains("v0.4.1 names the hotfix's release commit, not the merge"),
        "the plan says where the tag goes: {plan:?}"
    );
    // The plan shows main's files as the merge leaves them: the section in order, the version kept.
    assert!(
        plan.stdout.contains("main's CHANGELOG.md after the merge")
            && plan
                .stdout
                .contains("main's docs/RELEASE_CHECKLIST.md after the merge")
            && !plan
                .stdout
                .contains("main's pyproject.toml after the merge"),
        "{plan:?}"
    );

    let run = hotfix(&f, &FINISH);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(branch(&f), "main");
    let parents = f.repo.git(&["log", "-1", "--format=%P"]);
    let mut parents = parents.split_whitespace();
    assert_eq!(parents.next(), Some(main_before.as_str()));
    let release = parents.next().unwrap().to_string();
    // The tag names the release commit: the tree that was tested.
    assert_eq!(commit_of(&f, "v0.4.1"), release);
    assert_eq!(
        f.repo.git(&["log", "-1", "--format=%s", "v0.4.1"]),
        "Release version 0.4.1"
    );
    let tagged = f.repo.git(&["show", "v0.4.1:pyproject.toml"]);
    assert!(tagged.contains("version = \"0.4.1\""));
    assert_eq!(
        f.repo.git(&["ls-tree", "v0.4.1", "src/extra.py"]),
        "",
        "main's work is not in the tag"
    );
    // main keeps its version, has the fix, and lists 0.4.1 between 0.5.0 and 0.4.0.
    assert!(f
        .repo
        .read("pyproject.toml")
        .contains("version = \"0.5.0\""));
    assert!(f.repo.read("uv.lock").contains("version = \"0.5.0\""));
    assert!(f.path().join("src/health_fix.py").is_file());
    assert!(f.path().join("src/extra.py").is_file());
    let changelog = f.repo.read("CHANGELOG.md");
    let at = |heading: &str| {
        changelog
            .find(heading)
            .unwrap_or_else(|| panic!("{heading}: {changelog}"))
    };
    assert!(
        at("## Version 0.5.0") < at("## Version 0.4.1")
            && at("## Version 0.4.1") < at("## Version 0.4.0")
    );
    assert_eq!(changelog.matches("## Version 0.4.1").count(), 1);
    let history = f.repo.read("docs/RELEASE_CHECKLIST.md");
    let row = |v: &str| {
        history
            .find(&format!("| {v}   |"))
            .unwrap_or_else(|| panic!("{v}: {history}"))
    };
    assert!(row("0.5.0") < row("0.4.1") && row("0.4.1") < row("0.4.0"));
    assert!(f.path().join("trackers/releases/v0.4.1.md").is_file());
    assert!(f.path().join("trackers/releases/v0.5.0.md").is_file());
    assert_eq!(f.repo.git(&["status", "--porcelain"]), "");
    assert_eq!(f.repo.git_origin(&["rev-parse", "main"]), f.repo.head());
}

#[test]
fn a_pushed_hotfix_branch_is_deleted_on_origin_too() {
    let f = unmoved();
    started_with_fix(&f);
    f.repo.git(&["push", "--quiet", "origin", "hotfix/v0.4.1"]);
    let run = hotfix(&f, &FINISH);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("git push origin --delete refs/heads/hotfix/v0.4.1"),
        "{run:?}"
    );
    assert!(!origin_has(&f, "refs/heads/hotfix/v0.4.1"));
    assert_eq!(f.repo.git(&["branch", "--list", "hotfix/*"]), "");
}

#[test]
fn a_conflicting_hotfix_stops_before_anything_changes() {
    // main added src/extra.py after v0.4.0; the hotfix adds a different one.
    let f = crate::support::Fixture::new();
    let run = hotfix(&f, &["start", "0.4.1", "--execute"]);
    assert_eq!(run.code, 0, "{run:?}");
    f.repo.write(
        "src/extra.py",
        "\"\"\"The hotfix's own extra module.\"\"\"\n",
    );
    f.repo.commit_all("fix: an extra module of its own");
    let before = f.snapshot();
    let run = hotfix(&f, &FINISH);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("merging hotfix/v0.4.1 into main conflicts in 1 file(s): src/extra.py"),
        "{run:?}"
    );
    assert!(run.stderr.contains("hint: nothing was changed"), "{run:?}");
    assert_eq!(
        f.snapshot(),
        before,
        "the branches and files are as they were"
    );
}

#[test]
fn start_as_json_has_typed_git_actions() {
    let f = unmoved();
    let plan = hotfix(&f, &["start", "0.4.1", "--format", "json"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let doc: serde_json::Value = serde_json::from_str(&plan.stdout).expect("one JSON document");
    assert_eq!(
        (&doc["schema"], &doc["command"]),
        (&1.into(), &"hotfix start".into())
    );
    let branch = &doc["steps"][0]["actions"][0];
    assert_eq!(branch["op"], "git");
    assert_eq!(
        branch["args"],
        serde_json::json!(["branch", "hotfix/v0.4.1", commit_of(&f, "v0.4.0")])
    );
    assert!(
        branch["what"]
            .as_str()
            .unwrap()
            .starts_with("git branch hotfix/v0.4.1 "),
        "{branch}"
    );
    let switch = &doc["steps"][1]["actions"][0];
    assert_eq!(
        switch["args"],
        serde_json::json!(["switch", "hotfix/v0.4.1"])
    );
}
