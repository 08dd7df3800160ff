//! The fake behaves like GitHub where a release tool depends on it. Spoken to over raw HTTP/1.1
//! so that these tests need no HTTP client.

use std::{
    io::{Read, Write},
    net::TcpStream,
};

use fake_github::{FakeGithub, Fault, Release};
use serde_json::Value;

const TOKEN: &str = "test-token";

struct Answer {
    status: u16,
    head: String,
    body: Value,
}

fn send(url: &str, method: &str, token: &str, body: &[u8]) -> Option<Answer> {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    Some(Answer {
        status,
        head: head.to_ascii_lowercase(),
        body,
    })
}

fn get(url: &str) -> Answer {
    send(url, "GET", TOKEN, b"").expect("an HTTP answer")
}

fn post(url: &str, body: &str) -> Answer {
    send(url, "POST", TOKEN, body.as_bytes()).expect("an HTTP answer")
}

fn start() -> FakeGithub {
    FakeGithub::start("octo", "hub", TOKEN)
}

#[test]
fn bad_token_is_401_and_other_repos_are_404() {
    let fake = start();
    let repo = format!("{}/repos/octo/hub", fake.api_url());
    assert_eq!(send(&repo, "GET", "wrong", b"").unwrap().status, 401);
    assert_eq!(get(&repo).status, 200);
    assert_eq!(
        get(&format!("{}/repos/octo/other", fake.api_url())).status,
        404
    );
}

#[test]
fn drafts_are_listed_but_not_found_by_tag() {
    let fake = start();
    fake.add_release(Release::new("v1.0.0", true));
    let api = format!("{}/repos/octo/hub/releases", fake.api_url());
    assert_eq!(get(&format!("{api}/tags/v1.0.0")).status, 404);
    let list = get(&api);
    assert_eq!(list.body[0]["tag_name"], "v1.0.0");
    assert_eq!(list.body[0]["draft"], true);
}

#[test]
fn release_list_is_paginated_newest_first_with_link_header() {
    let fake = start();
    for minor in 0..3 {
        fake.add_release(Release::new(&format!("v1.{minor}.0"), false));
    }
    let api = format!("{}/repos/octo/hub/releases", fake.api_url());
    let first = get(&format!("{api}?per_page=2&page=1"));
    assert_eq!(first.body.as_array().unwrap().len(), 2);
    assert_eq!(first.body[0]["tag_name"], "v1.2.0");
    assert!(first.head.contains("rel=\"next\""), "{}", first.head);
    let second = get(&format!("{api}?per_page=2&page=2"));
    assert_eq!(second.body[0]["tag_name"], "v1.0.0");
    assert!(!second.head.contains("rel=\"next\""), "{}", second.head);
}

#[test]
fn second_published_release_of_a_tag_is_already_exists_but_drafts_may_repeat() {
    let fake = start();
    let api = format!("{}/repos/octo/hub/releases", fake.api_url());
    assert_eq!(
        post(&api, r#"{"tag_name":"v1.0.0","draft":true}"#).status,
        201
    );
    assert_eq!(
        post(&api, r#"{"tag_name":"v1.0.0","draft":true}"#).status,
        201
    );
    assert_eq!(post(&api, r#"{"tag_name":"v1.0.0"}"#).status, 201);
    let duplicate = post(&api, r#"{"tag_name":"v1.0.0"}"#);
    assert_eq!(duplicate.status, 422);
    assert_eq!(duplicate.body["errors"][0]["code"], "already_exists");
    assert_eq!(fake.releases().len(), 3);
}

#[test]
fn uploads_decode_names_reject_duplicates_and_immutable_releases() {
    let fake = start();
    let id = fake.add_release(Release::new("v1.0.0", true));
    let uploads = format!("{}/repos/octo/hub/releases/{id}/assets", fake.uploads_url());
    let created = post(&format!("{uploads}?name=a%2Bb+c.txt"), "hello");
    assert_eq!(created.status, 201);
    // Decoded (`%2B` is `+`, `+` is a space), then renamed as GitHub does: the space is a dot.
    assert_eq!(created.body["name"], "a+b.c.txt");
    assert_eq!(
        created.body["digest"],
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(
        post(&format!("{uploads}?name=a%2Bb%20c.txt"), "x").status,
        422
    );

    let release = format!("{}/repos/octo/hub/releases/{id}", fake.api_url());
    assert_eq!(
        send(&release, "PATCH", TOKEN, br#"{"draft":false}"#)
            .unwrap()
            .status,
        200
    );
    assert_eq!(post(&format!("{uploads}?name=late.txt"), "x").status, 422);
    assert!(fake.releases()[0].immutable);
}

#[test]
fn faults_fire_on_the_nth_request_and_after_effect_applies_it() {
    let fake = start();
    let api = format!("{}/repos/octo/hub/releases", fake.api_url());
    fake.fail_request(0, Fault::Drop);
    fake.fail_request(1, Fault::AfterEffect(502));
    fake.fail_request(2, Fault::rate_limited());
    let dropped = send(&api, "POST", TOKEN, br#"{"tag_name":"v1","draft":true}"#);
    assert!(dropped.is_none(), "a dropped connection has no HTTP status");
    assert!(fake.releases().is_empty());
    assert_eq!(post(&api, r#"{"tag_name":"v1","draft":true}"#).status, 502);
    assert_eq!(fake.releases().len(), 1);
    let limited = get(&api);
    assert_eq!(limited.status, 403);
    assert!(
        limited.head.contains("x-ratelimit-remaining: 0"),
        "{}",
        limited.head
    );
    assert_eq!(get(&api).status, 200);
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].line(), "POST /api/v3/repos/octo/hub/releases");
    assert!(requests[0].fault.is_some() && requests[3].fault.is_none());
}

#[test]
fn deleting_an_asset_of_a_draft() {
    let fake = start();
    fake.add_release(Release::new("v1.0.0", true).with_asset("a.txt", b"a"));
    let asset_id = fake.releases()[0].assets[0].id;
    let asset = format!(
        "{}/repos/octo/hub/releases/assets/{asset_id}",
        fake.api_url()
    );
    assert_eq!(send(&asset, "DELETE", TOKEN, b"").unwrap().status, 204);
    assert!(fake.releases()[0].assets.is_empty());
    assert_eq!(get(&asset).status, 404);
}
