//! The GitHub steps against the local fake GitHub API, through the real `xtask-github` binary
//! (build it first: `cargo build -p github --bin xtask-github`).

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fake_github::{FakeGithub, Fault};

use crate::support::{github_env, github_state, step_statuses, Fixture, Run, OWNER, REPO, TOKEN};

const RUN: [&str; 5] = [
    "0.5.0",
    "--skip-gate",
    "--asset",
    "docs/langflow/examples/*.json",
    "--execute",
];

/// `xtask release ARGS` pointed at the fake GitHub.
fn release_command(f: &Fixture, gh: &FakeGithub, args: &[&str]) -> Command {
    let mut command = f.command();
    command.args(args);
    github_env(&mut command, gh);
    command
}

fn release(f: &Fixture, gh: &FakeGithub, args: &[&str]) -> Run {
    let run = f.run(&mut release_command(f, gh, args));
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the token leaked: {run:?}"
    );
    run
}

/// What an uninterrupted run ends with: GitHub's state, the repository's, and how many requests
/// it made.
fn clean_release() -> (Vec<String>, crate::support::Snapshot, usize) {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let run = release(&f, &gh, &RUN);
    assert_eq!(run.code, 0, "{run:?}");
    (github_state(&gh), f.snapshot(), gh.requests().len())
}

#[test]
fn publishes_one_release_with_every_asset() {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let plan = release(&f, &gh, &RUN[..4]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(gh.releases().is_empty(), "a plan creates nothing");
    for call in [
        "create draft release v0.5.0",
        "upload codemate-hub-v0.5.0.tar.gz",
        "upload SHA256SUMS",
        "upload code-review-flow.json",
        "publish (prerelease=false, make_latest=true)",
    ] {
        assert!(plan.stdout.contains(call), "{call}: {plan:?}");
    }

    let run = release(&f, &gh, &RUN);
    assert_eq!(run.code, 0, "{run:?}");
    let releases = gh.releases();
    assert_eq!(releases.len(), 1);
    let r = &releases[0];
    assert_eq!(
        (r.tag_name.as_str(), r.name.as_deref()),
        ("v0.5.0", Some("Version 0.5.0"))
    );
    assert!(!r.draft && !r.prerelease);
    assert_eq!(r.target_commitish, f.repo.head());
    let changelog = f.repo.read("CHANGELOG.md");
    let start = changelog.find("## Version 0.5.0").unwrap();
    let end = changelog.find("## Version 0.4.0").unwrap();
    let section = changelog[start..end].split_once('\n').unwrap().1.trim();
    assert_eq!(
        r.body.as_deref(),
        Some(section),
        "the body is exactly the CHANGELOG section"
    );
    let mut names: Vec<&str> = r.assets.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    for expected in [
        "SHA256SUMS",
        "manifest.json",
        "code-review-flow.json",
        "docstring-writer-flow.json",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert!(names.iter().any(|n| n.ends_with(".tar.gz")), "{names:?}");
    // Published last: after every upload.
    let requests: Vec<String> = gh.requests().iter().map(|r| r.line()).collect();
    let last_upload = requests
        .iter()
        .rposition(|l| l.starts_with("POST") && l.contains("/assets"))
        .unwrap();
    let publish = requests
        .iter()
        .rposition(|l| l.starts_with("PATCH"))
        .unwrap();
    assert!(last_upload < publish, "{requests:#?}");

    // A re-run changes nothing on GitHub.
    let before = gh.requests().len();
    let again = release(&f, &gh, &RUN);
    assert_eq!(again.code, 0, "{again:?}");
    let writes = gh.requests()[before..]
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(writes, 0, "{again:?}");
    assert!(again.stdout.contains("is published with all"), "{again:?}");
}

#[test]
fn refused_before_anything_when_the_token_is_rejected() {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, "another-token");
    let before = f.snapshot();
    let run = release(&f, &gh, &RUN);
    assert_eq!(run.code, 2, "{run:?}");
    // The cause is the rejected token (not any failure of the check), with its next action.
    assert!(
        run.stderr.contains(
            "error: xtask-github check: reading the repository: GitHub rejected the token (401)"
        ),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("hint: the token is invalid or expired"),
        "{run:?}"
    );
    assert_eq!(f.snapshot(), before);
    assert!(gh.releases().is_empty());
}

#[test]
fn refused_when_a_published_release_exists() {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    gh.add_release(fake_github::Release::new("v0.5.0", false));
    let before = f.snapshot();
    let run = release(&f, &gh, &RUN);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("already has a published release for v0.5.0"),
        "{run:?}"
    );
    assert_eq!(f.snapshot(), before);
}

/// A failure at each GitHub request of the execute phase (after the preflight and plan have
/// made theirs), then a re-run: GitHub and git end as after a clean run.
#[test]
fn fault_at_every_github_request_then_resume() {
    // The requests of a clean run: the preflight's check, then the execute phase's plan and
    // publish (create the draft, each upload, publish).
    let (clean_github, clean_git, total) = clean_release();
    assert!(total > 8, "{total} requests");

    // One fault per request, the kinds taking turns: a refusal (401), an ambiguous failure
    // (the effect happened, then a 500), a dropped connection.
    let faults = [Fault::status(401), Fault::AfterEffect(500), Fault::Drop];
    let failed_part_way = AtomicUsize::new(0);
    testkit::each_case_in_parallel(total, |index| {
        let fault = faults[index % faults.len()].clone();
        let f = Fixture::new();
        let gh = FakeGithub::start(OWNER, REPO, TOKEN);
        gh.fail_request(index, fault.clone());
        let first = release(&f, &gh, &RUN);
        // 2: refused in the preflight; 3: failed part-way; 0: the retries coped.
        assert!(
            matches!(first.code, 0 | 2 | 3),
            "request {index} {fault:?}: {first:?}"
        );
        assert!(
            gh.requests()[index].fault.is_some(),
            "the fault was injected"
        );
        failed_part_way.fetch_add(usize::from(first.code == 3), Ordering::Relaxed);
        let second = release(&f, &gh, &RUN);
        assert_eq!(
            second.code, 0,
            "resume after request {index} {fault:?}: {second:?}"
        );
        assert_eq!(github_state(&gh), clean_github, "request {index} {fault:?}");
        assert_eq!(f.snapshot(), clean_git, "request {index} {fault:?}");
    });
    assert!(
        failed_part_way.into_inner() > 0,
        "some fault stopped a run part-way"
    );
}

/// A real kill in the middle of each GitHub request: the fake applies the request, then never
/// answers, and the test kills `xtask` and `xtask-github` (SIGKILL to their process group) while
/// they wait. The re-run must find what the killed request did and end as a clean run: never a
/// second release or asset.
#[test]
fn killed_mid_request_at_every_github_request_then_resumed() {
    let (clean_github, clean_git, total) = clean_release();
    testkit::each_case_in_parallel(total, |index| {
        let f = Fixture::new();
        let gh = FakeGithub::start(OWNER, REPO, TOKEN);
        gh.fail_request(index, Fault::HoldAfterEffect);
        let mut child = release_command(&f, &gh, &RUN)
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting xtask");
        let deadline = Instant::now() + Duration::from_secs(60);
        while gh.requests().len() <= index {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("request {index}: xtask ended ({status}) before sending it");
            }
            assert!(Instant::now() < deadline, "request {index} never came");
            std::thread::sleep(Duration::from_millis(5));
        }
        let group = format!("-{}", child.id());
        let killed = Command::new("kill")
            .args(["-KILL", "--", &group])
            .status()
            .unwrap();
        assert!(killed.success(), "kill {group}");
        child.wait().unwrap();
        let request = gh.requests()[index].line();

        let resumed = release(&f, &gh, &RUN);
        assert_eq!(resumed.code, 0, "killed during {request}: {resumed:?}");
        assert_eq!(github_state(&gh), clean_github, "killed during {request}");
        assert_eq!(f.snapshot(), clean_git, "killed during {request}");
    });
}

#[test]
fn killed_before_github_then_resumed() {
    let (clean_github, clean_git, _) = clean_release();
    for step in ["push", "archive"] {
        let f = Fixture::new();
        let gh = FakeGithub::start(OWNER, REPO, TOKEN);
        let mut command = release_command(&f, &gh, &RUN);
        command.env("XTASK_RELEASE_ABORT_AFTER", step);
        assert_ne!(f.run(&mut command).code, 0);
        let resumed = release(&f, &gh, &RUN);
        assert_eq!(resumed.code, 0, "{resumed:?}");
        assert_eq!(github_state(&gh), clean_github, "killed after {step}");
        assert_eq!(f.snapshot(), clean_git, "killed after {step}");
    }
}

#[test]
fn a_pre_release_is_marked_and_not_latest() {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let run = release(&f, &gh, &["0.5.0-rc.1", "--skip-gate", "--execute"]);
    assert_eq!(run.code, 0, "{run:?}");
    let releases = gh.releases();
    assert_eq!(releases.len(), 1);
    assert!(releases[0].prerelease && !releases[0].draft);
    assert_eq!(releases[0].make_latest.as_deref(), Some("false"));
    assert_eq!(f.repo.git(&["tag", "-l", "v0.5.0-rc.1"]), "v0.5.0-rc.1");
}

#[test]
fn json_result_of_an_executed_release() {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let run = release(
        &f,
        &gh,
        &["0.5.0", "--skip-gate", "--execute", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(doc["mode"], "execute");
    let statuses = step_statuses(&doc);
    assert_eq!(
        statuses,
        [
            ("files", "ran"),
            ("commit", "ran"),
            ("tag", "ran"),
            ("push", "ran"),
            ("archive", "ran"),
            ("verify-deploy", "skipped"),
            ("github", "ran")
        ]
    );
}

/// An `xtask-github` from another checkout (its reply names no protocol version) is refused
/// before anything changes, with the way to rebuild it.
#[test]
fn a_stale_xtask_github_is_refused_with_a_hint_to_rebuild() {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let stale = f.out.with_file_name("stale-xtask-github");
    std::fs::write(
        &stale,
        "#!/bin/sh\ncat >/dev/null\necho '{\"ok\":true,\"command\":\"check\",\"release\":{\"state\":\"none\"}}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o755)).unwrap();
    let before = f.snapshot();
    let run = f.run(release_command(&f, &gh, &RUN).env("XTASK_GITHUB_BIN", &stale));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("protocol mismatch"), "{run:?}");
    assert!(
        run.stderr
            .contains("hint: rebuild xtask-github from this checkout: cargo build -p github --bin xtask-github"),
        "{run:?}"
    );
    assert_eq!(f.snapshot(), before);
    assert!(
        gh.requests().is_empty(),
        "the stale binary was the only one asked"
    );
}

#[test]
fn prints_the_release_url_and_writes_github_output() {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let outputs = f.path().join("../github-output.txt");
    let url_tail = format!("/{OWNER}/{REPO}/releases/tag/v0.5.0");

    // A plan of a release not yet there: no URL, and nothing but the gate's lines written.
    let mut plan = release_command(&f, &gh, &["0.5.0", "--skip-gate", "--format", "json"]);
    let plan = f.run(plan.env("GITHUB_OUTPUT", &outputs));
    assert_eq!(plan.code, 0, "{plan:?}");
    let doc: serde_json::Value = serde_json::from_str(&plan.stdout).expect("one JSON document");
    assert!(doc["release_url"].is_null(), "{doc}");
    assert!(
        doc["assets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "SHA256SUMS"),
        "{doc}"
    );
    assert_eq!(
        crate::support::github_outputs(&outputs),
        [
            ("verdict".to_string(), "skipped".to_string()),
            ("report".to_string(), String::new())
        ]
    );
    std::fs::remove_file(&outputs).unwrap();

    let mut run = release_command(&f, &gh, &RUN);
    let run = f.run(run.env("GITHUB_OUTPUT", &outputs));
    assert_eq!(run.code, 0, "{run:?}");
    let url = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("release: "))
        .unwrap_or_else(|| panic!("no release URL printed: {run:?}"));
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with(&url_tail),
        "{url}"
    );
    let written = crate::support::github_outputs(&outputs);
    let get = |key: &str| {
        written
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {key} in {written:?}"))
    };
    assert_eq!(get("tag"), "v0.5.0");
    assert_eq!(
        get("commit"),
        f.repo.git(&["rev-parse", "v0.5.0^{commit}"]).trim()
    );
    assert_eq!(get("release_url"), url);
    assert_eq!(get("verdict"), "skipped");
    let assets: Vec<String> = serde_json::from_str(get("assets")).expect("a JSON array");
    let mut on_github: Vec<String> = gh.releases()[0]
        .assets
        .iter()
        .map(|a| a.name.clone())
        .collect();
    let mut sorted = assets.clone();
    sorted.sort();
    on_github.sort();
    assert_eq!(sorted, on_github, "every uploaded asset, and only those");
    // Published already: the plan's JSON carries the URL too.
    let again = release(&f, &gh, &[&RUN[..4], &["--format", "json"]].concat());
    assert_eq!(again.code, 0, "{again:?}");
    let doc: serde_json::Value = serde_json::from_str(&again.stdout).expect("one JSON document");
    assert_eq!(doc["release_url"], url, "{doc}");
    // What the generated release.yml reads from this step is what the release writes.
    let ci = f.run(f.xtask(&["ci", "--execute", "--dir"]).arg(f.path()));
    assert_eq!(ci.code, 0, "{ci:?}");
    let workflow = f.repo.read(".github/workflows/release.yml");
    let read: Vec<&str> = workflow
        .split("steps.release.outputs.")
        .skip(1)
        .map(|rest| {
            rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap()
        })
        .collect();
    assert!(read.len() >= 4, "{workflow}");
    for key in read {
        assert!(
            written.iter().any(|(k, _)| k == key),
            "{key} is not written: {written:?}"
        );
    }
}

/// Without `XTASK_RELEASE_BIN` and `XTASK_GITHUB_BIN`, `cargo xtask release` builds
/// xtask-release with cargo and hands it the command line, which builds xtask-github, each once
/// per run and saying so first (a first build takes minutes). Here `CARGO` is a stand-in that
/// logs its arguments, and the target dir holds the prebuilt binaries.
#[test]
fn says_once_that_it_builds_xtask_release_and_xtask_github() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let tools = tempfile::tempdir().unwrap();
    let calls = tools.path().join("cargo-calls.txt");
    let cargo = tools.path().join("cargo");
    std::fs::write(
        &cargo,
        format!("#!/bin/sh\necho \"$*\" >> '{}'\n", calls.display()),
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let target = tools.path().join("target");
    std::fs::create_dir_all(target.join("debug")).unwrap();
    std::fs::copy(
        crate::support::github_bin(),
        target.join("debug/xtask-github"),
    )
    .unwrap();
    std::fs::copy(testkit::release_bin(), target.join("debug/xtask-release")).unwrap();

    let mut command = release_command(&f, &gh, &RUN);
    command
        .env_remove("XTASK_GITHUB_BIN")
        .env_remove("XTASK_RELEASE_BIN")
        .env("CARGO", &cargo)
        .env("CARGO_TARGET_DIR", &target);
    let run = f.run(&mut command);
    assert_eq!(run.code, 0, "{run:?}");
    for said in [
        "building xtask-release (the release commands: release, hotfix, rollback, post-release, models)",
        "building xtask-github (the GitHub client, only the commands that talk to GitHub need it)",
    ] {
        assert_eq!(run.stderr.matches(said).count(), 1, "{said}: {run:?}");
        assert!(!run.stdout.contains(said), "stdout holds the steps only");
    }
    assert_eq!(
        gh.releases().len(),
        1,
        "published through the binary it built"
    );
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "build -q -p xtask-release --bin xtask-release\nbuild -q -p github --bin xtask-github\n",
        "one build of each: xtask-github's for the check, the plan and the publish"
    );
}

/// The actions of `release --format json` are typed: a reader finds the git command's
/// arguments and the GitHub call with its target, not only a line for a person.
#[test]
fn plan_as_json_has_typed_actions() {
    let f = Fixture::new();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let plan = release(&f, &gh, &[&RUN[..4], &["--format", "json"]].concat());
    assert_eq!(plan.code, 0, "{plan:?}");
    let doc: serde_json::Value = serde_json::from_str(&plan.stdout).expect("one JSON document");
    assert_eq!(
        (&doc["schema"], &doc["command"]),
        (&1.into(), &"release".into())
    );
    let actions = |step: &str| -> Vec<serde_json::Value> {
        let steps = doc["steps"].as_array().unwrap();
        let step = steps.iter().find(|s| s["name"] == step).unwrap();
        step["actions"].as_array().unwrap().clone()
    };
    let files = actions("files");
    assert_eq!(
        (&files[0]["op"], &files[0]["path"], &files[0]["create"]),
        (
            &"write_file".into(),
            &"pyproject.toml".into(),
            &false.into()
        )
    );
    assert!(files[0]["diff"]
        .as_str()
        .unwrap()
        .contains("+version = \"0.5.0\""));
    let last = files.last().unwrap();
    assert_eq!(last["op"], "write_files");
    assert_eq!(last["paths"].as_array().unwrap().len(), files.len() - 1);

    let tag = &actions("tag")[0];
    assert_eq!((&tag["kind"], &tag["op"]), (&"git".into(), &"git".into()));
    assert_eq!(
        tag["args"],
        serde_json::json!([
            "tag",
            "--annotate",
            "--message",
            "Release version 0.5.0",
            "v0.5.0",
            "HEAD"
        ])
    );
    assert_eq!(
        tag["what"], "git tag --annotate --message \"Release version 0.5.0\" v0.5.0 HEAD",
        "the line for a person is derived from the args"
    );
    let push = &actions("push")[0];
    let push: Vec<&str> = push["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(push[..3], ["push", "--atomic", "origin"]);
    assert_eq!(actions("archive")[0]["op"], "archive");
    assert_eq!(actions("archive")[0]["tag"], "v0.5.0");

    let github = actions("github");
    let repo = format!("{OWNER}/{REPO}");
    let create = github
        .iter()
        .find(|a| a["call"] == "create_release")
        .expect("a create_release call");
    assert_eq!(
        (
            &create["op"],
            &create["repo"],
            &create["tag"],
            &create["name"],
            &create["draft"]
        ),
        (
            &"github".into(),
            &repo.as_str().into(),
            &"v0.5.0".into(),
            &"Version 0.5.0".into(),
            &true.into()
        )
    );
    let uploads: Vec<&str> = github
        .iter()
        .filter(|a| a["call"] == "upload_asset")
        .map(|a| a["asset"].as_str().unwrap())
        .collect();
    assert!(uploads.contains(&"SHA256SUMS"), "{uploads:?}");
    assert!(uploads.contains(&"code-review-flow.json"), "{uploads:?}");
    let publish = github.last().unwrap();
    assert_eq!(
        (
            &publish["call"],
            &publish["make_latest"],
            &publish["prerelease"]
        ),
        (&"publish_release".into(), &true.into(), &false.into())
    );
}
