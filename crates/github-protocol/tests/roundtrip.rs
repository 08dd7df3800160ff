//! Every message survives JSON both ways, and other protocol versions are refused.

use github_protocol::*;
use serde::{de::DeserializeOwned, Serialize};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, value, "{json}");
}

fn spec() -> ReleaseSpec {
    ReleaseSpec {
        protocol: Some(PROTOCOL),
        api_url: Some("http://127.0.0.1:1/api/v3".into()),
        uploads_url: None,
        owner: "o".into(),
        repo: "r".into(),
        tag: "v1.2.3".into(),
        name: "Version 1.2.3".into(),
        body: "### Added\n- x\n".into(),
        target_commitish: "abc".into(),
        prerelease: false,
        make_latest: false,
        assets: vec![AssetSpec {
            path: "/tmp/a b.tar.gz".into(),
            name: "a b.tar.gz".into(),
            label: Some("the archive".into()),
        }],
    }
}

fn release(draft: bool) -> RemoteRelease {
    RemoteRelease {
        id: 7,
        tag: "v1.2.3".into(),
        name: Some("Version 1.2.3".into()),
        body: None,
        draft,
        prerelease: false,
        target_commitish: "abc".into(),
        immutable: !draft,
        html_url: "http://x/r".into(),
        upload_url: "http://x/uploads/releases/7/assets".into(),
        assets: vec![RemoteAsset {
            id: 1,
            name: "a".into(),
            size: 3,
            digest: None,
        }],
    }
}

fn every_action() -> Vec<Action> {
    vec![
        Action::CreateDraft {
            tag: "v1.2.3".into(),
        },
        Action::UpdateDraft {
            fields: vec![
                DraftField::Name,
                DraftField::Body,
                DraftField::Prerelease,
                DraftField::TargetCommitish,
            ],
        },
        Action::Upload {
            name: "a".into(),
            size: 3,
            digest: "sha256:00".into(),
        },
        Action::Skip {
            name: "a".into(),
            reason: SkipReason::SameDigest,
        },
        Action::Skip {
            name: "b".into(),
            reason: SkipReason::SameSizeNoDigest,
        },
        Action::Replace {
            name: "a".into(),
            size: 3,
            digest: "sha256:00".into(),
        },
        Action::Publish { make_latest: false },
    ]
}

#[test]
fn every_message_round_trips() {
    round_trip(&spec());
    for state in [
        ReleaseState::None,
        ReleaseState::Draft(release(true)),
        ReleaseState::Published(release(false)),
    ] {
        round_trip(&state);
        round_trip(&Reply {
            protocol: Some(PROTOCOL),
            ok: true,
            command: Some("plan".into()),
            repository: Some("o/r".into()),
            can_push: Some(true),
            release: Some(state),
            up_to_date: Some(false),
            actions: Some(every_action()),
            performed: Some(every_action()),
            ..Reply::default()
        });
    }
    round_trip(&Reply {
        protocol: Some(PROTOCOL),
        ok: false,
        exit_code: Some(EXIT_FAILED),
        error: Some("cause".into()),
        fix: Some("fix".into()),
        performed: Some(vec![]),
        ..Reply::default()
    });
    for action in every_action() {
        round_trip(&action);
    }
    for command in Command::ALL {
        assert_eq!(Command::parse(command.name()), Some(command));
        let request = Request::new(command, spec());
        assert_eq!(request.command(), command);
        assert_eq!(request.spec(), &spec());
    }
}

#[test]
fn make_latest_is_required() {
    let mut json = serde_json::to_value(spec()).unwrap();
    json.as_object_mut().unwrap().remove("make_latest");
    let err = serde_json::from_value::<ReleaseSpec>(json).unwrap_err();
    assert!(err.to_string().contains("make_latest"), "{err}");
}

#[test]
fn another_protocol_version_is_refused_both_ways() {
    let mut other = spec();
    other.protocol = Some(PROTOCOL + 1);
    let err = other.check_protocol().unwrap_err();
    assert!(err.to_string().contains("mismatch"), "{err}");
    assert!(spec().check_protocol().is_ok());
    // A reply from a binary built before protocol versions names none: refused.
    let old: Reply = serde_json::from_str(r#"{"ok":true,"command":"check"}"#).unwrap();
    assert_eq!(old.check_protocol(), Err(Mismatch { theirs: None }));
    let current = Reply {
        protocol: Some(PROTOCOL),
        ..Reply::default()
    };
    assert!(current.check_protocol().is_ok());
}

#[test]
fn actions_are_shown_one_way() {
    let lines: Vec<String> = every_action().iter().map(Action::to_string).collect();
    assert_eq!(
        lines,
        [
            "create draft release v1.2.3",
            "update draft (name, body, prerelease, target_commitish)",
            "upload a (3 bytes)",
            "skip a (same size and sha256 digest)",
            "skip b (same size; GitHub reports no digest)",
            "replace a (delete the differing asset)",
            "publish (make_latest=false)",
        ]
    );
}

#[test]
fn amend_messages_round_trip_and_commands_parse() {
    let repository = Repository {
        protocol: Some(PROTOCOL),
        api_url: None,
        owner: "o".into(),
        repo: "r".into(),
    };
    round_trip(&LookupSpec {
        repository: repository.clone(),
        tags: vec!["v1.0.0".into()],
        issue_title: Some("Rollback of v1.1.0 to v1.0.0".into()),
    });
    round_trip(&EditSpec {
        repository: repository.clone(),
        tag: "v1.1.0".into(),
        name: Some("ROLLED BACK: Version 1.1.0".into()),
        body: None,
        make_latest: true,
    });
    round_trip(&IssueSpec {
        repository,
        title: "t".into(),
        body: "b".into(),
        labels: vec![],
    });
    round_trip(&Reply {
        protocol: Some(PROTOCOL),
        ok: true,
        amend: Some(AmendReply {
            releases: vec![TagRelease {
                tag: "v1.2.3".into(),
                release: ReleaseState::Published(release(false)),
            }],
            latest: Some("v1.2.3".into()),
            issue: Some(IssueRef {
                number: 3,
                title: "t".into(),
                state: "open".into(),
                html_url: "http://x/issues/3".into(),
            }),
            changed: true,
        }),
        ..Reply::default()
    });
    for command in AmendCommand::ALL {
        assert_eq!(AmendCommand::parse(command.name()), Some(command));
        assert_eq!(
            Command::parse(command.name()),
            None,
            "distinct from the release steps"
        );
    }
    assert!(!AmendCommand::Lookup.changes_github());
    // An unknown field is refused, not half-understood.
    assert!(serde_json::from_str::<EditSpec>(
        r#"{"repository":{"owner":"o","repo":"r"},"tag":"v1","title":"x"}"#
    )
    .is_err());
}
