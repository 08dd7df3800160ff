//! `xtask-github` end to end against the fake GitHub: the happy path, re-runs, refusals.

mod support;

use fake_github::{Fault, Release};
use serde_json::json;
use support::{assert_ok, comparable, Setup, ASSETS, OWNER, REPO};

const ARCHIVE: &str = ASSETS[0].0;
const SUMS: &str = ASSETS[1].0;

#[test]
fn clean_publish_creates_a_draft_uploads_then_publishes() {
    let setup = Setup::new();
    let run = setup.run("publish");
    assert_ok(&run);
    let performed = run.performed();
    assert_eq!(performed, ["create_draft", "upload", "upload", "publish"]);
    assert_eq!(run.json["release"]["state"], "published");

    let releases = setup.fake.releases();
    assert_eq!(releases.len(), 1);
    let release = &releases[0];
    assert_eq!(release.tag_name, "v1.2.3");
    assert_eq!(release.name.as_deref(), Some("Version 1.2.3"));
    assert_eq!(release.body.as_deref(), Some("### Added\n- Everything\n"));
    assert_eq!(
        release.target_commitish,
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert!(!release.draft && !release.prerelease);
    assert_eq!(release.make_latest.as_deref(), Some("true"));
    let names: Vec<&str> = release
        .assets
        .iter()
        .map(|asset| asset.name.as_str())
        .collect();
    assert_eq!(names, [ARCHIVE, SUMS], "the `+` must arrive as a `+`");
    for (asset, (_, content)) in release.assets.iter().zip(ASSETS) {
        assert_eq!(asset.content, content.as_bytes());
    }
    // Drafts first, publish last: the release is immutable once published.
    let mutations = setup.mutations();
    assert!(
        mutations[0].starts_with("POST /api/v3/repos/tzervas/codemate-hub/releases"),
        "{mutations:?}"
    );
    assert!(
        mutations[1].starts_with("POST /api/uploads/"),
        "{mutations:?}"
    );
    assert!(
        mutations.last().unwrap().starts_with("PATCH /api/v3/"),
        "{mutations:?}"
    );
}

#[test]
fn rerun_after_success_changes_nothing() {
    let setup = Setup::new();
    assert_ok(&setup.run("publish"));
    let before = (setup.fake.releases(), setup.mutations());
    let again = setup.run("publish");
    assert_ok(&again);
    assert_eq!(again.json["performed"], json!([]));
    assert_eq!((setup.fake.releases(), setup.mutations()), before);

    let plan = setup.run("plan");
    assert_ok(&plan);
    assert_eq!(plan.json["up_to_date"], true);
}

#[test]
fn plan_lists_the_steps_and_changes_nothing() {
    let setup = Setup::new();
    let plan = setup.run("plan");
    assert_ok(&plan);
    assert_eq!(plan.json["release"], json!({ "state": "none" }));
    assert_eq!(plan.json["up_to_date"], false);
    let actions: Vec<String> = plan.json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| format!("{} {}", action["action"], action["name"]))
        .collect();
    assert_eq!(
        actions,
        [
            "\"create_draft\" null".to_string(),
            format!("\"upload\" \"{ARCHIVE}\""),
            format!("\"upload\" \"{SUMS}\""),
            "\"publish\" null".to_string()
        ]
    );
    assert!(setup.mutations().is_empty());
    assert!(setup.fake.releases().is_empty());
}

#[test]
fn check_reports_the_release_state() {
    let mut setup = Setup::new();
    // An explicit uploads_url is accepted as well as a derived one.
    setup.request["uploads_url"] = json!(setup.fake.uploads_url());
    let none = setup.run("check");
    assert_ok(&none);
    assert_eq!(none.json["repository"], format!("{OWNER}/{REPO}"));
    assert_eq!(none.json["release"]["state"], "none");

    setup
        .fake
        .add_release(Release::new("v1.2.3", true).with_asset(SUMS, b"sums"));
    let draft = setup.run("check");
    assert_eq!(draft.json["release"]["state"], "draft");
    assert_eq!(draft.json["release"]["assets"][0]["name"], SUMS);
    assert_eq!(draft.json["release"]["assets"][0]["size"], 4);
    assert!(draft.json["release"]["assets"][0]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert!(setup.mutations().is_empty());
}

#[test]
fn a_rejected_token_is_refused_with_exit_2_and_nothing_changes() {
    let setup = Setup::new();
    for command in ["check", "plan", "publish"] {
        let run = setup.run_with_token(command, Some("ghp_WrongTokenThatMustNotLeak000000000"));
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(run.stderr.contains("rejected the token"), "{}", run.stderr);
        // One `error:` line and one `hint:` line, as `cargo xtask` prints them.
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{}", run.stderr);
        assert!(lines[0].starts_with("error: "), "{}", run.stderr);
        assert!(lines[1].starts_with("hint: "), "{}", run.stderr);
    }
    assert!(setup.mutations().is_empty());
    assert!(setup.fake.releases().is_empty());
}

#[test]
fn a_missing_token_or_an_unknown_repository_is_refused() {
    let mut setup = Setup::new();
    let run = setup.run_with_token("publish", None);
    assert_eq!(run.code, 2);
    assert!(
        run.json["error"].as_str().unwrap().contains("GITHUB_TOKEN"),
        "{}",
        run.json
    );
    assert!(
        setup.fake.requests().is_empty(),
        "nothing is sent without a token"
    );

    setup.request["repo"] = json!("no-such-repo");
    let run = setup.run("publish");
    assert_eq!(run.code, 2);
    assert!(
        run.json["error"].as_str().unwrap().contains("not found"),
        "{}",
        run.json
    );
    assert!(setup.mutations().is_empty());
}

#[test]
fn a_missing_asset_file_is_refused_before_any_request() {
    let setup = Setup::new();
    std::fs::remove_file(setup.asset_path(SUMS)).unwrap();
    let run = setup.run("publish");
    assert_eq!(run.code, 2);
    assert!(
        run.json["fix"].as_str().unwrap().contains("archive"),
        "{}",
        run.json
    );
    assert!(setup.fake.requests().is_empty());
}

fn publish_seeded(setup: &Setup, archive: &str) -> u64 {
    let release = Release::new("v1.2.3", false)
        .with_asset(ARCHIVE, archive.as_bytes())
        .with_asset(SUMS, ASSETS[1].1.as_bytes());
    let mut release = Release {
        name: Some("Version 1.2.3".into()),
        ..release
    };
    release.immutable = true;
    setup.fake.add_release(release)
}

#[test]
fn an_already_published_release_with_identical_assets_is_nothing_to_do() {
    let setup = Setup::new();
    publish_seeded(&setup, ASSETS[0].1);
    let before = setup.fake.releases();
    let plan = setup.run("plan");
    assert_eq!(plan.json["up_to_date"], true, "{}", plan.json);
    let run = setup.run("publish");
    assert_ok(&run);
    assert_eq!(run.json["performed"], json!([]));
    assert_eq!(setup.fake.releases(), before);
    assert!(setup.mutations().is_empty());
}

#[test]
fn a_published_release_with_a_differing_asset_is_refused_and_left_alone() {
    let setup = Setup::new();
    publish_seeded(&setup, "different bytes");
    let before = setup.fake.releases();
    for command in ["plan", "publish"] {
        let run = setup.run(command);
        assert_eq!(run.code, 2, "{command}: {}", run.json);
        assert!(
            run.json["error"].as_str().unwrap().contains(ARCHIVE),
            "{}",
            run.json
        );
    }
    assert_eq!(setup.fake.releases(), before);
    assert!(setup.mutations().is_empty());
}

#[test]
fn a_draft_is_resumed_its_differing_asset_replaced_and_its_fields_updated() {
    let setup = Setup::new();
    let draft = Release::new("v1.2.3", true)
        .with_asset(ARCHIVE, b"a stale archive from an earlier attempt")
        .with_asset(SUMS, ASSETS[1].1.as_bytes());
    setup.fake.add_release(Release {
        body: Some("old notes".into()),
        ..draft
    });
    let run = setup.run("publish");
    assert_ok(&run);
    let performed = run.performed();
    assert_eq!(performed, ["update_draft", "replace", "upload", "publish"]);

    let releases = setup.fake.releases();
    assert_eq!(releases.len(), 1);
    assert!(!releases[0].draft);
    assert_eq!(
        releases[0].body.as_deref(),
        Some("### Added\n- Everything\n")
    );
    let archives: Vec<_> = releases[0]
        .assets
        .iter()
        .filter(|asset| asset.name == ARCHIVE)
        .collect();
    assert_eq!(archives.len(), 1);
    assert_eq!(archives[0].content, ASSETS[0].1.as_bytes());
}

#[test]
fn a_prerelease_is_marked_and_not_made_latest() {
    let setup = Setup::for_tag("v1.0.0-rc.1", true);
    assert_ok(&setup.run("publish"));
    let releases = setup.fake.releases();
    assert_eq!(releases.len(), 1);
    assert!(releases[0].prerelease && !releases[0].draft);
    assert_eq!(releases[0].make_latest.as_deref(), Some("false"));
    assert_eq!(releases[0].name.as_deref(), Some("Version 1.0.0-rc.1"));
}

#[test]
fn a_draft_on_a_later_page_is_found_not_duplicated() {
    let mut setup = Setup::new();
    setup.fake.add_release(Release::new("v1.2.3", true));
    for minor in 0..3 {
        setup
            .fake
            .add_release(Release::new(&format!("v1.1.{minor}"), false));
    }
    setup.set_env("XTASK_GITHUB_PAGE_SIZE", "2");
    assert_ok(&setup.run("publish"));
    let ours: Vec<_> = setup
        .fake
        .releases()
        .into_iter()
        .filter(|r| r.tag_name == "v1.2.3")
        .collect();
    assert_eq!(ours.len(), 1);
    assert!(!ours[0].draft);
    assert!(setup
        .fake
        .requests()
        .iter()
        .any(|r| r.query.contains("page=2")));
}

#[test]
fn already_exists_means_look_it_up_not_fail() {
    let clean = Setup::new();
    assert_ok(&clean.run("publish"));

    // The create of the draft is request 3 (repository, releases page, ... see the clean run).
    let setup = Setup::new();
    let create = clean
        .fake
        .requests()
        .iter()
        .position(|r| r.method == "POST")
        .unwrap();
    setup
        .fake
        .fail_request(create, Fault::already_exists("Release", "tag_name"));
    let run = setup.run("publish");
    assert_ok(&run);
    assert_eq!(
        comparable(&setup.fake.releases()),
        comparable(&clean.fake.releases())
    );
}

#[test]
fn an_unknown_command_or_bad_request_is_refused_with_json() {
    let mut setup = Setup::new();
    let run = setup.run("deploy");
    assert_eq!(run.code, 2);
    assert_eq!(run.json["ok"], false);
    setup.request["tag_nmae"] = json!("typo");
    let run = setup.run("plan");
    assert_eq!(run.code, 2);
    assert!(
        run.json["error"].as_str().unwrap().contains("tag_nmae"),
        "{}",
        run.json
    );
    assert!(setup.fake.requests().is_empty());
}

#[test]
fn a_request_of_another_protocol_version_is_refused_with_a_hint_to_rebuild() {
    let mut setup = Setup::new();
    setup.request["protocol"] = json!(github::PROTOCOL + 1);
    for command in ["check", "plan", "publish"] {
        let run = setup.run(command);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert!(run.stderr.contains("protocol mismatch"), "{}", run.stderr);
        assert!(run.stderr.contains("hint: rebuild"), "{}", run.stderr);
        assert_eq!(run.json["protocol"], github::PROTOCOL);
    }
    assert!(setup.mutations().is_empty());
}
