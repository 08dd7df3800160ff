//! `git::Repo` against real repositories with a bare `origin` in temp dirs.

use git::{InProgress, Repo};
use testkit::git::{git_in, TempRepo};

fn repo_with_commit() -> (TempRepo, Repo) {
    let t = TempRepo::new();
    t.write("README.md", "hello\n");
    t.commit_all("first");
    t.push();
    let repo = Repo::new(t.path());
    (t, repo)
}

#[test]
fn branch_and_detached_head() {
    let (t, repo) = repo_with_commit();
    assert_eq!(repo.current_branch().unwrap().as_deref(), Some("main"));
    t.git(&["checkout", "--quiet", "--detach"]);
    assert_eq!(repo.current_branch().unwrap(), None);
}

#[test]
fn merge_in_progress_is_seen() {
    let (t, repo) = repo_with_commit();
    assert_eq!(repo.in_progress().unwrap(), None);
    t.git(&["checkout", "--quiet", "-b", "side"]);
    t.write("README.md", "side\n");
    t.commit_all("side");
    t.git(&["checkout", "--quiet", "main"]);
    t.write("README.md", "main\n");
    t.commit_all("main");
    let out = std::process::Command::new("git")
        .current_dir(t.path())
        .args(["merge", "--quiet", "side"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "the merge conflicts");
    assert_eq!(repo.in_progress().unwrap(), Some(InProgress::Merge));
}

#[test]
fn status_paths_lists_untracked_and_modified() {
    let (t, repo) = repo_with_commit();
    assert!(repo.status_paths().unwrap().is_empty());
    t.write("README.md", "changed\n");
    t.write("new/file.txt", "x\n");
    let mut paths = repo.status_paths().unwrap();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            ("??".to_string(), "new/file.txt".to_string()),
            ("M".to_string(), "README.md".to_string())
        ]
    );
}

#[test]
fn fetch_and_behind_origin() {
    let (t, repo) = repo_with_commit();
    let other = t.clone_origin("other");
    std::fs::write(other.join("b.txt"), "b\n").unwrap();
    git_in(&other, &["add", "b.txt"]);
    git_in(&other, &["commit", "--quiet", "-m", "other"]);
    git_in(&other, &["push", "--quiet", "origin", "main"]);

    assert_eq!(
        repo.ahead_behind("HEAD", "origin/main").unwrap(),
        (0, 0),
        "not fetched yet"
    );
    repo.fetch("origin").unwrap();
    assert_eq!(repo.ahead_behind("HEAD", "origin/main").unwrap(), (0, 1));
    t.write("c.txt", "c\n");
    t.commit_all("local");
    assert_eq!(repo.ahead_behind("HEAD", "origin/main").unwrap(), (1, 1));
}

#[test]
fn commit_tag_and_atomic_push() {
    let (t, repo) = repo_with_commit();
    t.write("a.txt", "a\n");
    t.write("unrelated.txt", "not committed\n");
    let commit = repo
        .commit_paths("Release version 1.0.0", &["a.txt"])
        .unwrap();
    assert_eq!(repo.changed_files(&commit).unwrap(), vec!["a.txt"]);
    assert_eq!(repo.subject("HEAD").unwrap(), "Release version 1.0.0");
    assert_eq!(
        repo.status_paths().unwrap(),
        vec![("??".to_string(), "unrelated.txt".to_string())]
    );

    assert_eq!(repo.tag_target("v1.0.0").unwrap(), None);
    repo.annotated_tag("v1.0.0", "Release version 1.0.0", &commit)
        .unwrap();
    assert_eq!(
        repo.tag_target("v1.0.0").unwrap().as_deref(),
        Some(commit.as_str())
    );
    assert!(repo.is_annotated_tag("v1.0.0").unwrap());
    let object = repo.tag_object("v1.0.0").unwrap().unwrap();
    assert_ne!(object, commit);

    assert_eq!(repo.remote_tag("origin", "v1.0.0").unwrap(), None);
    repo.push_atomic(
        "origin",
        &[
            "refs/heads/main:refs/heads/main",
            "refs/tags/v1.0.0:refs/tags/v1.0.0",
        ],
    )
    .unwrap();
    let remote = repo.remote_tag("origin", "v1.0.0").unwrap().unwrap();
    assert_eq!(
        (remote.object.as_str(), remote.commit.as_str()),
        (object.as_str(), commit.as_str())
    );
    assert_eq!(
        repo.remote_branch("origin", "main").unwrap().as_deref(),
        Some(commit.as_str())
    );
}

#[test]
fn atomic_push_rejected_updates_nothing() {
    let (t, repo) = repo_with_commit();
    let other = t.clone_origin("other");
    std::fs::write(other.join("b.txt"), "b\n").unwrap();
    git_in(&other, &["add", "b.txt"]);
    git_in(&other, &["commit", "--quiet", "-m", "other"]);
    git_in(&other, &["push", "--quiet", "origin", "main"]);

    t.write("a.txt", "a\n");
    let commit = repo
        .commit_paths("Release version 1.0.0", &["a.txt"])
        .unwrap();
    repo.annotated_tag("v1.0.0", "Release version 1.0.0", &commit)
        .unwrap();
    let err = repo
        .push_atomic(
            "origin",
            &[
                "refs/heads/main:refs/heads/main",
                "refs/tags/v1.0.0:refs/tags/v1.0.0",
            ],
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("rejected"),
        "git's stderr is in the error: {err}"
    );
    assert_eq!(
        repo.remote_tag("origin", "v1.0.0").unwrap(),
        None,
        "the tag did not go alone"
    );
}

#[test]
fn show_file_is_byte_exact() {
    let (t, repo) = repo_with_commit();
    t.write("dir/f.txt", "line\n\n");
    t.commit_all("f");
    let sub = Repo::new(t.path().join("dir"));
    assert_eq!(
        sub.show_file("HEAD", "f.txt").unwrap().as_deref(),
        Some("line\n\n")
    );
    assert_eq!(sub.show_file("HEAD", "missing.txt").unwrap(), None);
    assert_eq!(sub.prefix().unwrap(), "dir/");
    assert_eq!(
        repo.show_file("HEAD", "dir/f.txt").unwrap().as_deref(),
        Some("line\n\n")
    );
}

#[test]
fn worktree_leaves_the_checkout_alone() {
    let (t, repo) = repo_with_commit();
    t.tag("v0.1.0");
    let before = repo.head().unwrap();
    let wt = t.root().join("wt");
    repo.worktree_add(&wt, "v0.1.0").unwrap();
    assert_eq!(
        std::fs::read_to_string(wt.join("README.md")).unwrap(),
        "hello\n"
    );
    assert_eq!(Repo::new(&wt).current_branch().unwrap(), None);
    repo.worktree_remove(&wt).unwrap();
    assert!(!wt.exists());
    assert_eq!(repo.head().unwrap(), before);
    assert_eq!(repo.current_branch().unwrap().as_deref(), Some("main"));
}

#[test]
fn errors_carry_stderr() {
    let (_t, repo) = repo_with_commit();
    let err = repo
        .git(&["rev-parse", "--verify", "no-such-ref"])
        .unwrap_err();
    assert!(err.to_string().contains("fatal"), "{err}");
}

#[test]
fn remote_url_and_config() {
    let (t, repo) = repo_with_commit();
    assert_eq!(
        repo.remote_url("origin").unwrap().as_deref(),
        Some(t.origin().to_str().unwrap())
    );
    assert_eq!(repo.remote_url("nope").unwrap(), None);
    assert_eq!(
        repo.config("user.name").unwrap().as_deref(),
        Some("Release Tester")
    );
}

#[test]
fn messages_since_and_globs() {
    let (t, repo) = repo_with_commit();
    t.tag("v0.1.0");
    t.write("docs/flows/a.json", "{}\n");
    t.write("docs/flows/b.txt", "b\n");
    t.commit_all("feat: flows\n\nwith a body");
    t.commit_all("fix: nothing");
    assert_eq!(
        repo.commit_messages_since(Some("v0.1.0")).unwrap(),
        vec![
            "feat: flows\n\nwith a body".to_string(),
            "fix: nothing".to_string()
        ]
    );
    assert_eq!(repo.commit_messages_since(None).unwrap().len(), 3);
    assert_eq!(
        repo.ls_files_glob(&["docs/flows/*.json"]).unwrap(),
        vec!["docs/flows/a.json"]
    );
    assert_eq!(
        repo.ls_files_glob(&["**/*.txt"]).unwrap(),
        vec!["docs/flows/b.txt"]
    );
}

#[test]
fn status_lines_keep_their_codes() {
    let (t, repo) = repo_with_commit();
    assert!(repo.status_lines().unwrap().is_empty());
    t.write("README.md", "changed\n");
    assert_eq!(
        repo.status_lines().unwrap(),
        vec![" M README.md".to_string()]
    );
}
