//! The post-release requests of `xtask-github` against the fake GitHub: the release and
//! "latest", streamed downloads through the 302 to a storage host that refuses the token,
//! milestones and their open issues, closing and creating milestones without duplicates.

mod support;

use fake_github::{Fault, Issue, Release};
use serde_json::json;
use support::{Setup, OWNER, REPO};

/// A setup whose request is `{owner, repo, api_url, request: payload}`.
fn read_setup(payload: serde_json::Value) -> Setup {
    let mut setup = Setup::new();
    setup.request = json!({
        "api_url": setup.fake.api_url(),
        "owner": OWNER,
        "repo": REPO,
        "request": payload,
    });
    setup
}

#[test]
fn release_reports_drafts_and_the_latest_tag() {
    let setup = read_setup(json!({ "tag": "v1.2.3" }));
    let none = setup.run("release");
    assert_eq!(none.code, 0, "{}", none.stderr);
    assert_eq!(none.json["release"], json!({ "state": "none" }));
    assert!(none.json.get("latest_tag").is_none(), "{}", none.json);

    setup.fake.add_release(Release::new("v1.2.2", false));
    setup
        .fake
        .add_release(Release::new("v1.2.3", true).with_asset("a.txt", b"a"));
    let run = setup.run("release");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json["release"]["state"], "draft");
    assert_eq!(run.json["release"]["assets"][0]["name"], "a.txt");
    assert_eq!(run.json["latest_tag"], "v1.2.2");
}

#[test]
fn download_follows_the_redirect_without_the_token_and_streams_to_files() {
    let dir = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let setup = read_setup(json!({}));
    setup.fake.add_release(
        Release::new("v1.2.3", false)
            .with_asset("big.bin", &big)
            .with_asset("SHA256SUMS", b"sums\n"),
    );
    let ids: Vec<(u64, String)> = setup.fake.releases()[0]
        .assets
        .iter()
        .map(|a| (a.id, a.name.clone()))
        .collect();
    let mut setup = setup;
    setup.request["request"] = json!({
        "dir": dir.path(),
        "assets": ids.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
    });
    // The first download's redirect target fails once: the asset is fetched again.
    let storage_hits = |setup: &Setup| {
        setup
            .fake
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/storage/"))
            .count()
    };
    setup.fake.fail_request(2, Fault::status(502));
    let run = setup.run("download");
    assert_eq!(run.code, 0, "{}\n{}", run.json, run.stderr);
    assert_eq!(std::fs::read(dir.path().join("big.bin")).unwrap(), big);
    assert_eq!(
        std::fs::read(dir.path().join("SHA256SUMS")).unwrap(),
        b"sums\n"
    );
    let digests = setup.fake.releases()[0]
        .assets
        .iter()
        .map(|a| a.digest.clone())
        .collect::<Vec<_>>();
    let reported: Vec<String> = run.json["downloaded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["digest"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(reported, digests);
    // The storage host refuses a request with the token (400): it answered all three.
    assert_eq!(
        storage_hits(&setup),
        3,
        "two assets, one retried after the 502"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn milestones_issues_close_and_create_without_duplicates() {
    let setup = read_setup(json!({}));
    let number = setup.fake.add_milestone("v1.2.3", true);
    setup.fake.add_milestone("v1.2.2", false);
    setup
        .fake
        .add_issue(Issue::new("open bug", "open").in_milestone(number));
    setup.fake.add_issue(
        Issue::new("open pr", "open")
            .in_milestone(number)
            .pull_request(),
    );
    setup
        .fake
        .add_issue(Issue::new("done", "closed").in_milestone(number));
    setup.fake.add_issue(Issue::new("elsewhere", "open"));

    let list = setup.run("milestones");
    assert_eq!(list.code, 0, "{}", list.stderr);
    let titles: Vec<&str> = list.json["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["v1.2.3", "v1.2.2"], "closed ones too");
    assert_eq!(list.json["milestones"][0]["open_issues"], 2);

    let mut setup = setup;
    setup.request["request"] = json!({ "number": number });
    let issues = setup.run("milestone-issues");
    assert_eq!(issues.code, 0, "{}", issues.stderr);
    let open: Vec<(&str, bool)> = issues.json["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap(),
                i["pull_request"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(open, [("open bug", false), ("open pr", true)]);

    let closed = setup.run("close-milestone");
    assert_eq!(closed.code, 0, "{}", closed.stderr);
    assert_eq!(closed.json["milestone"]["state"], "closed");
    assert_eq!(setup.fake.milestones()[0].state, "closed");

    // The create is applied but its answer is lost: the re-look finds it, no second one.
    setup.request["request"] = json!({ "title": "v1.3.0" });
    let index = setup.fake.requests().len() + 2;
    setup.fake.fail_request(index, Fault::AfterEffect(502));
    let created = setup.run("create-milestone");
    assert_eq!(created.code, 0, "{}\n{}", created.json, created.stderr);
    assert_eq!(created.json["milestone"]["title"], "v1.3.0");
    let again = setup.run("create-milestone");
    assert_eq!(again.code, 0, "{}", again.stderr);
    let named: Vec<_> = setup
        .fake
        .milestones()
        .into_iter()
        .filter(|m| m.title == "v1.3.0")
        .collect();
    assert_eq!(named.len(), 1, "{named:?}");
}

#[test]
fn a_request_from_another_protocol_version_is_refused() {
    let mut setup = read_setup(json!({ "tag": "v1.2.3" }));
    setup.request["protocol"] = json!(github_protocol::PROTOCOL + 1);
    let run = setup.run("release");
    assert_eq!(run.code, 2, "{}", run.json);
    assert!(setup.fake.requests().is_empty());
}
