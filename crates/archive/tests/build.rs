//! `archive::build` and `archive::verify` on real git repositories in temp dirs.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use archive::{ArchiveError, ExceptionKind, Group, Mismatch, Options};

const TAG: &str = "v1.0.0";
const STEM: &str = "codemate-hub-v1.0.0";
const COMMIT_TIME: u64 = 1_700_000_000;
const LONG_DIR: &str =
    "src/a-directory-name-long-enough-that-the-whole-path-cannot-fit-in-the-hundred-bytes-of-ustar";
const UNICODE: &str = "docs/ünïcødé ✓.md";
const DIGEST: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Tracked paths `export-ignore` drops (by file pattern, `dir/`, bare `dir` and `dir/**`).
const IGNORED: [&str; 4] = [
    "a.secret",
    "tests/test_app.py",
    "bench/run.sh",
    "vendor/lib/x.txt",
];

#[test]
fn two_clones_give_identical_bytes() {
    let repo = project();
    let clone = tempfile::tempdir().unwrap();
    git(
        Path::new("."),
        &["clone", "--quiet", path(repo.path()), path(clone.path())],
    );
    // Settings that change `git archive`'s output must not change ours.
    git(clone.path(), &["config", "core.autocrlf", "true"]);
    git(clone.path(), &["config", "tar.umask", "0"]);

    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    archive::build(
        repo.path(),
        TAG,
        first.path(),
        &Options {
            threads: 1,
            ..options()
        },
    )
    .unwrap();
    archive::build(
        clone.path(),
        TAG,
        second.path(),
        &Options {
            threads: 3,
            ..options()
        },
    )
    .unwrap();
    let first = files(first.path());
    assert_eq!(first.keys().count(), 7, "{:?}", first.keys());
    assert_eq!(first, files(second.path()));
}

#[test]
fn members_are_the_tree_without_export_ignored_paths() {
    let repo = project();
    let out = build(&repo);
    let members: Vec<String> = read_tarball(&out.path().join(format!("{STEM}.tar.gz")))
        .into_keys()
        .collect();
    let tree = git(repo.path(), &["ls-tree", "-r", "--name-only", "-z", TAG]);
    let mut expected: Vec<String> = tree
        .split('\0')
        .filter(|path| !path.is_empty() && !IGNORED.contains(path))
        .map(|path| format!("{STEM}/{path}"))
        .collect();
    expected.sort();
    assert_eq!(members, expected);
    assert!(members.iter().any(|member| member.ends_with(UNICODE)));
    assert!(
        !members.iter().any(|member| member.ends_with(".env")),
        "untracked files never get in"
    );
}

#[test]
fn content_equals_git_archive() {
    let repo = project();
    let out = build(&repo);
    assert_same_files_as_git_archive(repo.path(), out.path());
}

// With no `.gitattributes` in the tree, the tarballs are written while `git check-attr` runs,
// betting that nothing is `export-ignore`d; the next three tests cover the bet won and lost.

#[test]
fn without_gitattributes_every_file_is_exported() {
    let repo = project_without_gitattributes();
    let out = build(&repo);
    assert_same_files_as_git_archive(repo.path(), out.path());
    let members = read_tarball(&out.path().join(format!("{STEM}.tar.gz")));
    assert!(members.contains_key(&format!("{STEM}/a.secret")));
}

#[test]
fn an_export_ignore_from_outside_the_tree_is_honoured() {
    let repo = project_without_gitattributes();
    write(
        repo.path(),
        ".git/info/attributes",
        "*.secret export-ignore\nvendor/ export-ignore\n",
    );
    let out = build(&repo);
    assert_same_files_as_git_archive(repo.path(), out.path());
    let members = read_tarball(&out.path().join(format!("{STEM}.tar.gz")));
    assert!(!members.contains_key(&format!("{STEM}/a.secret")));
    // The lost bet's temporary files are gone: only the seven artifacts remain.
    assert_eq!(files(out.path()).len(), 7, "{:?}", files(out.path()).keys());
}

#[test]
fn a_file_that_fails_the_bet_but_is_export_ignored_is_no_error() {
    let repo = project_without_gitattributes();
    add_symlink_to_non_utf8_target(repo.path(), "zz-bad-link");
    write(
        repo.path(),
        ".git/info/attributes",
        "zz-bad-link export-ignore\n",
    );
    let out = tempfile::tempdir().unwrap();
    archive::build(repo.path(), "HEAD", out.path(), &options()).unwrap();
    let members = read_tarball(&out.path().join(format!("{STEM}.tar.gz")));
    assert!(!members.contains_key(&format!("{STEM}/zz-bad-link")));
    assert_eq!(files(out.path()).len(), 7, "{:?}", files(out.path()).keys());
}

/// Our full tarball holds the same files, contents and symlinks as `git archive` of the tag.
fn assert_same_files_as_git_archive(repo: &Path, out: &Path) {
    let ours = read_tarball(&out.join(format!("{STEM}.tar.gz")));
    let prefix = format!("--prefix={STEM}/");
    let theirs = Command::new("git")
        .args(["-C", path(repo), "archive", &prefix, TAG])
        .output()
        .unwrap();
    let theirs = read_tar(&theirs.stdout[..]);
    let theirs: BTreeMap<_, _> = theirs
        .into_iter()
        .filter(|(_, entry)| entry.kind != tar::EntryType::Directory)
        .collect();
    let strip = |entries: &BTreeMap<String, Entry>| -> Vec<(String, Vec<u8>, Option<String>)> {
        entries
            .iter()
            .map(|(path, entry)| (path.clone(), entry.content.clone(), entry.link.clone()))
            .collect()
    };
    assert_eq!(strip(&ours), strip(&theirs));
}

#[test]
fn headers_are_normalised() {
    let repo = project();
    let out = build(&repo);
    let tarball = out.path().join(format!("{STEM}.tar.gz"));
    let bytes = fs::read(&tarball).unwrap();
    assert_eq!(
        &bytes[3..8],
        &[0, 0, 0, 0, 0],
        "gzip header: no file name flag, no mtime"
    );
    for (path, entry) in read_tarball(&tarball) {
        assert_eq!(entry.mtime, COMMIT_TIME, "{path}");
        assert_eq!((entry.uid, entry.gid), (0, 0), "{path}");
        assert_eq!(
            (entry.user.as_str(), entry.group.as_str()),
            ("", ""),
            "{path}"
        );
        let expected_mode = match path.as_str() {
            _ if entry.kind == tar::EntryType::Symlink => 0o777,
            p if p.ends_with("scripts/model-pull.sh") => 0o755,
            _ => 0o644,
        };
        assert_eq!(entry.mode, expected_mode, "{path}");
    }
    let members = read_tarball(&tarball);
    let link = &members[&format!("{STEM}/src/link")];
    assert_eq!(
        (link.kind, link.link.as_deref()),
        (tar::EntryType::Symlink, Some("../README.md"))
    );
    // Long and non-ASCII paths are pax records, not GNU long names.
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_end(&mut tar)
        .unwrap();
    let raw = String::from_utf8_lossy(&tar);
    assert!(raw.contains(&format!("path={STEM}/{LONG_DIR}/file.txt\n")));
    assert!(raw.contains(&format!("path={STEM}/{UNICODE}\n")));
    assert!(!raw.contains("././@LongLink"));

    // The pax global header carries the commit, as `git archive` writes it.
    let mut reader = Command::new("git")
        .arg("get-tar-commit-id")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // get-tar-commit-id reads only the first block and may exit before taking the rest.
    let _ = std::io::Write::write_all(reader.stdin.as_mut().unwrap(), &tar);
    drop(reader.stdin.take());
    let id = String::from_utf8(reader.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(
        id.trim(),
        git(repo.path(), &["rev-parse", &format!("{TAG}^{{commit}}")]).trim()
    );
}

/// The system's `tar` (GNU tar or bsdtar), a reader independent of the `tar` crate our writer
/// uses, extracts the same files, links, modes and times as the crate reads.
#[test]
fn system_tar_extracts_what_was_written() {
    let repo = project();
    let out = build(&repo);
    let tarball = out.path().join(format!("{STEM}.tar.gz"));
    let into = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(into.path())
        .status()
        .expect("a `tar` command on PATH");
    assert!(status.success());
    let members = read_tarball(&tarball);
    assert!(members.contains_key(&format!("{STEM}/{LONG_DIR}/file.txt")));
    assert!(members.contains_key(&format!("{STEM}/{UNICODE}")));
    for (path, entry) in &members {
        let extracted = into.path().join(path);
        let meta = fs::symlink_metadata(&extracted).unwrap();
        if entry.kind == tar::EntryType::Symlink {
            let target = fs::read_link(&extracted).unwrap();
            assert_eq!(target.to_str(), entry.link.as_deref(), "{path}");
            continue;
        }
        assert_eq!(fs::read(&extracted).unwrap(), entry.content, "{path}");
        let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
        assert_eq!(mode & 0o100, entry.mode & 0o100, "{path}: executable bit");
        let mtime = std::os::unix::fs::MetadataExt::mtime(&meta);
        assert_eq!(mtime as u64, COMMIT_TIME, "{path}");
    }
    let mut extracted = Vec::new();
    let mut dirs = vec![into.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                dirs.push(entry.path());
            } else {
                let path = entry.path();
                let relative = path.strip_prefix(into.path()).unwrap();
                extracted.push(relative.to_str().unwrap().to_string());
            }
        }
    }
    extracted.sort();
    assert_eq!(extracted, members.into_keys().collect::<Vec<_>>());
}

#[test]
fn files_come_from_the_commit_not_the_work_tree() {
    let repo = project();
    write(repo.path(), "README.md", "edited, not committed\n");
    write(repo.path(), ".gitattributes", "");
    let out = build(&repo);
    let members = read_tarball(&out.path().join(format!("{STEM}.tar.gz")));
    assert_eq!(
        members[&format!("{STEM}/README.md")].content,
        b"# codemate-hub\n"
    );
    assert!(
        !members.contains_key(&format!("{STEM}/a.secret")),
        "export-ignore is read at the commit"
    );
}

#[test]
fn groups_hold_their_files_and_empty_groups_are_left_out() {
    let repo = project();
    let out = build(&repo);
    let names = |group: &str| -> Vec<String> {
        let tarball = out.path().join(format!("{STEM}-{group}.tar.gz"));
        read_tarball(&tarball)
            .into_keys()
            .map(|path| path.trim_start_matches(&format!("{STEM}/")).to_string())
            .collect()
    };
    assert_eq!(
        names("config"),
        [
            ".env.example",
            "docker-compose.gpu.yml",
            "docker-compose.yml",
            "pyproject.toml"
        ]
    );
    assert_eq!(names("flows"), ["docs/langflow/examples/chat.json"]);
    let docs = names("docs");
    assert!(docs.contains(&"README.md".to_string()) && docs.contains(&"CHANGELOG.md".to_string()));
    assert!(
        docs.contains(&UNICODE.to_string())
            && docs.contains(&"docs/langflow/examples/chat.json".to_string())
    );
    assert!(!docs.contains(&"pyproject.toml".to_string()));

    let out = tempfile::tempdir().unwrap();
    let mut opts = options();
    opts.groups.push(Group {
        name: "helm".into(),
        globs: vec!["charts/".into()],
    });
    let manifest = archive::build(repo.path(), TAG, out.path(), &opts).unwrap();
    assert_eq!(manifest.left_out.len(), 1);
    assert_eq!(manifest.left_out[0].artifact, format!("{STEM}-helm.tar.gz"));
    assert!(!out.path().join(format!("{STEM}-helm.tar.gz")).exists());
}

#[test]
fn sha256sum_accepts_the_sums_and_the_manifest_lists_everything() {
    let repo = project();
    let out = build(&repo);
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(out.path())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let names = sums_names(out.path());
    assert_eq!(names.len(), 6, "5 artifacts and manifest.json");

    let manifest: archive::Manifest =
        serde_json::from_slice(&fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest.files(),
        files(out.path()).into_keys().collect::<Vec<_>>()
    );
    assert_eq!(manifest.rev, TAG);
    assert_eq!(
        manifest.commit,
        git(repo.path(), &["rev-parse", &format!("{TAG}^{{commit}}")]).trim()
    );
    assert_eq!(manifest.commit_time, COMMIT_TIME);
    let main = &manifest.artifacts[0];
    assert_eq!(main.name, format!("{STEM}.tar.gz"));
    assert_eq!(
        main.size,
        fs::metadata(out.path().join(&main.name)).unwrap().len()
    );
    let listed: Vec<&str> = main
        .members
        .iter()
        .map(|member| member.path.as_str())
        .collect();
    let read: Vec<String> = read_tarball(&out.path().join(&main.name))
        .into_keys()
        .collect();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(listed_sorted, read);
}

#[test]
fn extra_files_are_artifacts_from_the_commit_listed_and_verified() {
    let repo = project();
    write(repo.path(), "README.md", "edited, not committed\n");
    let out = tempfile::tempdir().unwrap();
    let mut opts = options();
    opts.extras = vec![archive::ExtraFile {
        path: "README.md".into(),
        name: "README.md".into(),
    }];
    let manifest = archive::build(repo.path(), TAG, out.path(), &opts).unwrap();
    assert_eq!(
        fs::read(out.path().join("README.md")).unwrap(),
        b"# codemate-hub\n",
        "the blob at the commit, not the work tree"
    );
    let names = sums_names(out.path());
    assert!(names.iter().any(|name| name == "README.md"), "{names:?}");
    assert_eq!(manifest.extras, opts.extras);
    assert_eq!(
        manifest.files(),
        files(out.path()).into_keys().collect::<Vec<_>>()
    );
    // verify rebuilds it from the manifest, and names it when it changed.
    assert_eq!(archive::verify(repo.path(), out.path()).unwrap(), []);
    fs::write(out.path().join("README.md"), "changed\n").unwrap();
    let mismatches = archive::verify(repo.path(), out.path()).unwrap();
    assert!(
        matches!(&mismatches[..], [Mismatch::Changed { name, .. }] if name == "README.md"),
        "{mismatches:?}"
    );

    // Refused before writing: a path that is no file at the commit, a name already taken.
    for (extra, expected) in [
        ("docs", "\"docs\" is not a regular file at"),
        ("nope.txt", "\"nope.txt\" is not a regular file at"),
    ] {
        let mut opts = options();
        opts.extras = vec![archive::ExtraFile {
            path: extra.into(),
            name: "x".into(),
        }];
        let out = tempfile::tempdir().unwrap();
        let err = archive::build(repo.path(), TAG, out.path(), &opts).unwrap_err();
        assert!(
            err.is_refusal() && err.to_string().contains(expected),
            "{err}"
        );
        assert!(files(out.path()).is_empty());
    }
    let mut opts = options();
    opts.extras = vec![archive::ExtraFile {
        path: "README.md".into(),
        name: "SHA256SUMS".into(),
    }];
    let err = archive::build(repo.path(), TAG, out.path(), &opts).unwrap_err();
    assert_eq!(err.to_string(), "two artifacts would be named SHA256SUMS");
}

#[test]
fn models_artifact_lists_defaults_with_their_sources() {
    let repo = project();
    let out = tempfile::tempdir().unwrap();
    let opts = options();
    archive::build(repo.path(), TAG, out.path(), &opts).unwrap();
    let models: serde_json::Value =
        serde_json::from_slice(&fs::read(out.path().join(format!("{STEM}-models.json"))).unwrap())
            .unwrap();
    assert_eq!(models["list_source"], "scripts/model-pull.sh");
    assert_eq!(models["models"][0]["reference"], "qwen2.5-coder:7b-q4_0");
    assert_eq!(
        models["models"][0]["digests"][0]["digest"],
        format!("sha256:{DIGEST}")
    );
    assert_eq!(
        models["models"][0]["digests"][0]["source"],
        "docs/MODEL_VERSIONS.md"
    );
    // No digest recorded for it, and no live Ollama asked: none is made up.
    assert_eq!(models["models"][1]["digests"], serde_json::json!([]));
    // The artifact is a function of the commit, so verify rebuilds the same bytes.
    assert_eq!(archive::verify(repo.path(), out.path()).unwrap(), []);
}

#[test]
fn verify_passes_then_names_each_mismatch() {
    let repo = project();
    let out = build(&repo);
    assert_eq!(archive::verify(repo.path(), out.path()).unwrap(), []);

    let docs = format!("{STEM}-docs.tar.gz");
    let mut bytes = fs::read(out.path().join(&docs)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(out.path().join(&docs), bytes).unwrap();
    fs::remove_file(out.path().join(format!("{STEM}-flows.tar.gz"))).unwrap();
    fs::write(out.path().join("notes.txt"), "extra").unwrap();
    let mismatches = archive::verify(repo.path(), out.path()).unwrap();
    assert_eq!(mismatches.len(), 3, "{mismatches:?}");
    assert!(matches!(&mismatches[0], Mismatch::Changed { name, .. } if *name == docs));
    assert_eq!(
        mismatches[1],
        Mismatch::Missing {
            name: format!("{STEM}-flows.tar.gz")
        }
    );
    assert_eq!(
        mismatches[2],
        Mismatch::Extra {
            name: "notes.txt".into()
        }
    );
}

#[test]
fn verify_reports_a_moved_tag() {
    let repo = project();
    let out = build(&repo);
    write(repo.path(), "new.txt", "new\n");
    git(repo.path(), &["add", "new.txt"]);
    commit(repo.path(), "another");
    git(repo.path(), &["tag", "--force", TAG]);
    let mismatches = archive::verify(repo.path(), out.path()).unwrap();
    assert!(
        matches!(mismatches.as_slice(), [Mismatch::RevMoved { .. }]),
        "{mismatches:?}"
    );
}

#[test]
fn force_replaces_and_removes_stale_artifacts() {
    let repo = project();
    let out = build(&repo);
    let err = archive::build(repo.path(), TAG, out.path(), &options()).unwrap_err();
    assert!(
        matches!(err, ArchiveError::ArtifactsPresent { .. }) && err.is_refusal(),
        "{err}"
    );

    git(repo.path(), &["rm", "--quiet", "-r", "docs/langflow"]);
    commit(repo.path(), "no flows");
    let opts = Options {
        force: true,
        ..options()
    };
    archive::build(repo.path(), "HEAD", out.path(), &opts).unwrap();
    assert!(
        !out.path().join(format!("{STEM}-flows.tar.gz")).exists(),
        "stale flows tarball removed"
    );
    assert_eq!(archive::verify(repo.path(), out.path()).unwrap(), []);
    let leftovers: Vec<_> = files(out.path())
        .into_keys()
        .filter(|name| name.starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn submodules_lfs_pointers_and_export_subst_are_reported() {
    let repo = project();
    let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n";
    write(repo.path(), "model.bin", pointer);
    write(repo.path(), "VERSION", "$Format:%H$\n");
    let attributes = fs::read_to_string(repo.path().join(".gitattributes")).unwrap();
    write(
        repo.path(),
        ".gitattributes",
        &format!("{attributes}VERSION export-subst\n"),
    );
    git(
        repo.path(),
        &["add", "model.bin", "VERSION", ".gitattributes"],
    );
    let commit_id = git(repo.path(), &["rev-parse", "HEAD"]);
    let gitlink = format!("160000,{},vendor-sub", commit_id.trim());
    git(
        repo.path(),
        &["update-index", "--add", "--cacheinfo", &gitlink],
    );
    commit(repo.path(), "submodule and lfs");
    let out = tempfile::tempdir().unwrap();
    let manifest = archive::build(repo.path(), "HEAD", out.path(), &options()).unwrap();
    let kinds: Vec<(&str, ExceptionKind)> = manifest
        .exceptions
        .iter()
        .map(|e| (e.path.as_str(), e.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("VERSION", ExceptionKind::ExportSubst),
            ("model.bin", ExceptionKind::LfsPointer),
            ("vendor-sub", ExceptionKind::Submodule)
        ]
    );
    let members = read_tarball(&out.path().join(format!("{STEM}.tar.gz")));
    assert!(!members.keys().any(|path| path.contains("vendor-sub")));
    assert_eq!(
        members[&format!("{STEM}/model.bin")].content,
        pointer.as_bytes()
    );
}

#[test]
fn a_failure_part_way_leaves_no_file_behind() {
    // With and without `.gitattributes`: after `git check-attr`, or while it runs.
    for repo in [project(), project_without_gitattributes()] {
        // A symlink whose target is not UTF-8 is found only while streaming, after the
        // temporary files exist.
        add_symlink_to_non_utf8_target(repo.path(), "zz-bad-link");
        let out = tempfile::tempdir().unwrap();
        let err = archive::build(repo.path(), "HEAD", out.path(), &options()).unwrap_err();
        assert!(
            matches!(&err, ArchiveError::UnrepresentablePath { path, .. } if path == "zz-bad-link"),
            "{err}"
        );
        let left: Vec<String> = files(out.path()).into_keys().collect();
        assert!(
            left.is_empty(),
            "no artifact and no temporary file: {left:?}"
        );
    }
}

/// Commits a symlink at `link` whose target is not UTF-8 (which no tarball can hold).
fn add_symlink_to_non_utf8_target(repo: &Path, link: &str) {
    let mut hash = Command::new("git")
        .args(["-C", path(repo), "hash-object", "-w", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(hash.stdin.as_mut().unwrap(), b"target-\xff").unwrap();
    drop(hash.stdin.take());
    let blob = String::from_utf8(hash.wait_with_output().unwrap().stdout).unwrap();
    let entry = format!("120000,{},{link}", blob.trim());
    git(repo, &["update-index", "--add", "--cacheinfo", &entry]);
    commit(repo, "bad link");
}

#[test]
fn a_project_in_a_subdirectory_archives_that_subdirectory() {
    let repo = project();
    write(
        repo.path(),
        "app/pyproject.toml",
        "[project]\nname = \"app\"\n",
    );
    write(repo.path(), "app/docs/guide.md", "guide\n");
    write(repo.path(), "app/secret.txt", "not exported\n");
    let attributes = fs::read_to_string(repo.path().join(".gitattributes")).unwrap();
    write(
        repo.path(),
        ".gitattributes",
        &format!("{attributes}app/secret.txt export-ignore\n"),
    );
    git(repo.path(), &["add", "--all"]);
    commit(repo.path(), "an app below the root");
    let out = tempfile::tempdir().unwrap();
    let manifest = archive::build(
        &repo.path().join("app"),
        "HEAD",
        out.path(),
        &Options::new("app", "x"),
    )
    .unwrap();
    let members: Vec<&str> = manifest.artifacts[0]
        .members
        .iter()
        .map(|m| m.path.as_str())
        .collect();
    assert_eq!(members, ["app-x/docs/guide.md", "app-x/pyproject.toml"]);
}

#[test]
fn refusals() {
    let repo = project();
    let not_a_repo = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let err = archive::build(not_a_repo.path(), TAG, out.path(), &options()).unwrap_err();
    assert!(matches!(err, ArchiveError::NotARepo { .. }), "{err}");
    let err = archive::build(repo.path(), "v9.9.9", out.path(), &options()).unwrap_err();
    assert!(matches!(err, ArchiveError::UnknownRev { .. }), "{err}");
    let file = out.path().join("a-file");
    fs::write(&file, "").unwrap();
    let err = archive::build(repo.path(), TAG, &file.join("sub"), &options()).unwrap_err();
    assert!(
        matches!(err, ArchiveError::OutDirUnwritable { .. }) && err.is_refusal(),
        "{err}"
    );
    let err = archive::verify(repo.path(), out.path()).unwrap_err();
    assert!(matches!(err, ArchiveError::NoManifest { .. }), "{err}");
    let err = archive::build(
        repo.path(),
        TAG,
        out.path(),
        &Options::new("codemate-hub", "release/1"),
    )
    .unwrap_err();
    assert!(
        matches!(err, ArchiveError::BadName { .. }) && err.is_refusal(),
        "{err}"
    );
    assert_eq!(
        fs::read_dir(out.path()).unwrap().count(),
        1,
        "nothing written"
    );
}

#[test]
fn a_path_that_is_not_utf8_is_refused() {
    use std::os::unix::ffi::OsStrExt;
    let repo = project();
    let blob = git(repo.path(), &["hash-object", "-w", "README.md"]);
    let name = std::ffi::OsStr::from_bytes(b"bad-\xff.txt");
    // `--index-info` takes the path as raw bytes.
    let mut line = format!("100644 {}\t", blob.trim()).into_bytes();
    line.extend_from_slice(name.as_bytes());
    line.push(b'\n');
    let mut child = Command::new("git")
        .args(["-C", path(repo.path()), "update-index", "--index-info"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &line).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    commit(repo.path(), "bad name");
    let out = tempfile::tempdir().unwrap();
    let err = archive::build(repo.path(), "HEAD", out.path(), &options()).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::UnrepresentablePath { path, .. } if path.starts_with("bad-")),
        "{err}"
    );
    assert_eq!(
        fs::read_dir(out.path()).unwrap().count(),
        0,
        "refused before writing"
    );
}

// ---- fixtures -------------------------------------------------------------------------------

fn options() -> Options {
    Options::new("codemate-hub", TAG)
}

fn build(repo: &tempfile::TempDir) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    archive::build(repo.path(), TAG, out.path(), &options()).unwrap();
    out
}

/// A small codemate-hub-like project, committed at a fixed time and tagged v1.0.0.
fn project() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "--quiet", "--initial-branch=main"]);
    let big: String = (0..20_000)
        .map(|i| format!("line {i} of a file larger than one compression block\n"))
        .collect();
    let files: &[(&str, &str)] = &[
        ("pyproject.toml", "[project]\nname = \"codemate-hub\"\nversion = \"1.0.0\"\n"),
        ("README.md", "# codemate-hub\n"),
        ("CHANGELOG.md", "## Version 1.0.0\n"),
        ("docker-compose.yml", "services: {}\n"),
        ("docker-compose.gpu.yml", "services: {}\n"),
        (".env.example", "OLLAMA_HOST=\n"),
        (".gitignore", ".env\n"),
        (".gitattributes", "*.secret export-ignore\ntests/ export-ignore\nbench export-ignore\nvendor/** export-ignore\n"),
        ("a.secret", "ignored\n"),
        ("tests/test_app.py", "ignored\n"),
        ("bench/run.sh", "ignored\n"),
        ("vendor/lib/x.txt", "ignored\n"),
        ("docs/guide.md", "guide\n"),
        ("docs/langflow/examples/chat.json", "{}\n"),
        ("scripts/model-pull.sh", "#!/bin/sh\nDEFAULT_MODELS=(\"qwen2.5-coder:7b-q4_0\" \"mistral:latest\")\n"),
        ("src/app.py", "print('hi')\n"),
        ("src/big.txt", &big),
        (UNICODE, "unicode\n"),
    ];
    for (path, content) in files {
        write(dir, path, content);
    }
    write(
        dir,
        "docs/MODEL_VERSIONS.md",
        &format!(
            "### Current Production Models (v0.5.0)\n- qwen2.5-coder:7b-q4_0 (SHA256: {DIGEST})\n"
        ),
    );
    write(dir, &format!("{LONG_DIR}/file.txt"), "deep\n");
    std::os::unix::fs::symlink("../README.md", dir.join("src/link")).unwrap();
    let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    fs::set_permissions(dir.join("scripts/model-pull.sh"), executable).unwrap();
    write(dir, ".env", "OLLAMA_TOKEN=real-secret\n");
    git(dir, &["add", "--all"]);
    commit(dir, "release");
    git(dir, &["tag", "--annotate", "--message", "v1.0.0", TAG]);
    repo
}

/// [`project`] with `.gitattributes` removed and the tag moved to that commit.
fn project_without_gitattributes() -> tempfile::TempDir {
    let repo = project();
    git(repo.path(), &["rm", "--quiet", ".gitattributes"]);
    commit(repo.path(), "no attributes");
    git(
        repo.path(),
        &["tag", "--force", "--annotate", "--message", TAG, TAG],
    );
    repo
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["commit", "--quiet", "--message", message]);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let date = format!("@{COMMIT_TIME} +0000");
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Release Bot",
            "-c",
            "user.email=bot@example.com",
            "-c",
            "core.quotepath=false",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write(dir: &Path, path: &str, content: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

/// The names `dir/SHA256SUMS` lists, asserted sorted by name.
fn sums_names(dir: &Path) -> Vec<String> {
    let sums = fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let names: Vec<String> = sums
        .lines()
        .map(|line| line.split_once("  ").unwrap().1.to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "{sums}");
    names
}

/// Every file directly in `dir`, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

struct Entry {
    kind: tar::EntryType,
    mode: u32,
    mtime: u64,
    uid: u64,
    gid: u64,
    user: String,
    group: String,
    link: Option<String>,
    content: Vec<u8>,
}

fn read_tarball(path: &PathBuf) -> BTreeMap<String, Entry> {
    read_tar(flate2::read::GzDecoder::new(fs::File::open(path).unwrap()))
}

/// The entries of a tar stream read with the `tar` crate's reader (our writer uses the crate's
/// `Header` and `Builder`; `system_tar_extracts_what_was_written` checks with another reader).
fn read_tar(reader: impl Read) -> BTreeMap<String, Entry> {
    let mut archive = tar::Archive::new(reader);
    let mut entries = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let header = entry.header().clone();
        if header.entry_type() == tar::EntryType::XGlobalHeader {
            continue;
        }
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let link = entry
            .link_name()
            .unwrap()
            .map(|link| link.to_string_lossy().into_owned());
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        let name = |field: Option<&str>| field.unwrap_or("").to_string();
        entries.insert(
            path,
            Entry {
                kind: header.entry_type(),
                mode: header.mode().unwrap(),
                mtime: header.mtime().unwrap(),
                uid: header.uid().unwrap(),
                gid: header.gid().unwrap(),
                user: name(header.username().unwrap()),
                group: name(header.groupname().unwrap()),
                link,
                content,
            },
        );
    }
    entries
}
