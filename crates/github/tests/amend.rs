//! The amend requests (lookup, edit-release, open-issue) through the real binary against the
//! fake GitHub: each looks before it acts, so a fault at any request — even one that took
//! effect — never opens a second issue nor edits twice.

mod support;

use fake_github::{Fault, Issue, Release};
use serde_json::{json, Value};
use support::{Setup, OWNER, REPO};

fn repository(setup: &Setup) -> Value {
    json!({ "protocol": github::PROTOCOL, "api_url": setup.fake.api_url(), "owner": OWNER, "repo": REPO })
}

/// v1.0.0 and v1.1.0 published (v1.1.0 is the latest).
fn seeded() -> Setup {
    let setup = Setup::new();
    for tag in ["v1.0.0", "v1.1.0"] {
        let mut release = Release::new(tag, false);
        release.name = Some(format!("Version {}", &tag[1..]));
        setup.fake.add_release(release);
    }
    setup
}

fn open_issue(setup: &mut Setup) -> support::Run {
    setup.request = json!({
        "repository": repository(setup),
        "title": "Rollback of v1.1.0 to v1.0.0",
        "body": "the evidence",
    });
    setup.run("open-issue")
}

#[test]
fn lookup_reports_releases_latest_and_an_issue_by_title() {
    let mut setup = seeded();
    setup.fake.add_issue(Issue::new("Something else", "open"));
    setup
        .fake
        .add_issue(Issue::new("Rollback of v1.1.0 to v1.0.0", "closed"));
    setup.request = json!({
        "repository": repository(&setup),
        "tags": ["v1.0.0", "v2.0.0"],
        "issue_title": "Rollback of v1.1.0 to v1.0.0",
    });
    let run = setup.run("lookup");
    assert_eq!(run.code, 0, "{}\n{}", run.json, run.stderr);
    let amend = &run.json["amend"];
    assert_eq!(amend["releases"][0]["release"]["state"], "published");
    assert_eq!(amend["releases"][0]["release"]["name"], "Version 1.0.0");
    assert_eq!(amend["releases"][1]["release"]["state"], "none");
    assert_eq!(amend["latest"], "v1.1.0");
    assert_eq!(amend["issue"]["number"], 2, "closed issues count too");
    assert!(setup.mutations().is_empty());
}

#[test]
fn edit_release_changes_only_what_differs_and_moves_latest() {
    let mut setup = seeded();
    setup.request = json!({
        "repository": repository(&setup),
        "tag": "v1.1.0",
        "name": "ROLLED BACK: Version 1.1.0",
        "body": "> notice\n",
    });
    let first = setup.run("edit-release");
    assert_eq!(first.code, 0, "{}\n{}", first.json, first.stderr);
    assert_eq!(first.json["amend"]["changed"], true);
    let again = setup.run("edit-release");
    assert_eq!(again.json["amend"]["changed"], false, "{}", again.json);
    assert_eq!(setup.mutations().len(), 1, "{:?}", setup.mutations());
    let edited = setup.fake.releases()[1].clone();
    assert_eq!(edited.name.as_deref(), Some("ROLLED BACK: Version 1.1.0"));
    assert_eq!(edited.body.as_deref(), Some("> notice\n"));

    setup.request =
        json!({ "repository": repository(&setup), "tag": "v1.0.0", "make_latest": true });
    let latest = setup.run("edit-release");
    assert_eq!(latest.code, 0, "{}", latest.json);
    assert_eq!(setup.fake.latest().as_deref(), Some("v1.0.0"));

    setup.request = json!({ "repository": repository(&setup), "tag": "v9.0.0", "name": "x" });
    let missing = setup.run("edit-release");
    assert_eq!(missing.code, 2, "{}", missing.json);
    assert!(
        missing.json["error"]
            .as_str()
            .unwrap()
            .contains("release v9.0.0 cannot be edited: GitHub has no release for it"),
        "{}",
        missing.json
    );
}

#[test]
fn an_issue_is_opened_once_whatever_fails() {
    let mut clean = seeded();
    assert_eq!(open_issue(&mut clean).code, 0);
    let requests = clean.fake.requests().len();
    assert_eq!(clean.fake.issues().len(), 1);
    let again = open_issue(&mut clean);
    assert_eq!(again.json["amend"]["changed"], false);
    assert_eq!(clean.fake.issues().len(), 1, "a re-run finds it");

    for fault in [
        Fault::status(500),
        Fault::Drop,
        Fault::AfterEffect(502),
        Fault::DropAfterEffect,
    ] {
        for index in 0..requests {
            let mut setup = seeded();
            setup.fake.fail_request(index, fault.clone());
            let run = open_issue(&mut setup);
            let context = format!("{fault:?} at request {index}");
            assert_eq!(run.code, 0, "{context}: {}\n{}", run.json, run.stderr);
            assert_eq!(setup.fake.issues().len(), 1, "{context}");
        }
    }
}
