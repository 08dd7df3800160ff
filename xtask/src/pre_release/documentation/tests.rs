use std::path::{Path, PathBuf};

use runner::{Outcome, Status};
use semver::Version;
use testkit::git::TempRepo;

use super::*;

/// Runs a check with a `Vec<u8>` log; returns the outcome and the log's text.
fn run(check: impl FnOnce(Log) -> Outcome) -> (Outcome, String) {
    let mut log = Vec::new();
    let outcome = check(&mut log);
    (outcome, String::from_utf8(log).unwrap())
}

fn doc_references_in(project: &Path) -> (Outcome, String) {
    run(|log| check_doc_references(project, log))
}

fn migration_guide_in(project: &Path, target: Option<&str>) -> (Outcome, String) {
    let target = target.map(|v| Version::parse(v).unwrap());
    run(|log| check_migration_guide(project, target.as_ref(), log))
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn targets(document: &str, text: &str) -> Vec<(usize, ReferenceKind, String)> {
    references(Path::new(document), text)
        .into_iter()
        .map(|r| (r.line, r.kind, display(&r.target)))
        .collect()
}

#[test]
fn references_resolve_links_from_the_folder_and_commands_from_the_root() {
    use ReferenceKind::{Command, Link};
    let text = "\
Run `./scripts/build.sh` then see [guide](../README.md#setup \"title\").
Code: src/pipeline.py and tests/unit/test_x.py, not src/x.pyc or scripts/a.sh.bak.
[web](https://example.com/scripts/a.sh) [mail](mailto:a@b.c) [top](#top) [root](/src/a.py)
```bash
docker exec app python zephyr/demo.py  # [not a link](nowhere.md)
nano src/your_file.py  # doc-references:ignore
```
[def]: ./sub/page.md
See [a placeholder](src/your_file.py) <!-- doc-references:ignore -->
See ~/scripts/x.sh, $HOME/src/a.py, ../scripts/y.sh and https://host/src/b.py.
";
    assert_eq!(
        targets("docs/guide.md", text),
        [
            (1, Command, "scripts/build.sh".into()),
            (1, Link, "README.md".into()),
            (2, Command, "src/pipeline.py".into()),
            (2, Command, "tests/unit/test_x.py".into()),
            (3, Link, "src/a.py".into()),
            (5, Command, "zephyr/demo.py".into()),
            (8, Link, "docs/sub/page.md".into()),
        ]
    );
}

#[test]
fn in_code_blocks_only_paths_a_command_runs_count() {
    let text = "\
```python
# tests/test_my_feature.py
from src.my_feature import thing  # see src/my_feature.py
def test_thing():
    assert thing()
```
```bash
$ ./scripts/deploy.sh && uv run --frozen pytest -q tests/test_a.py
cd src/app.py; source scripts/env.sh
docker exec coding-assistant python src/pipeline.py | tee out/x.py
VAR=1 python3 tools/gen.py --out build/out.py
cat docs/old.py
docker compose exec -T app bash scripts/in.sh
```
";
    let found: Vec<(usize, String)> = targets("README.md", text)
        .into_iter()
        .map(|(line, _, target)| (line, target))
        .collect();
    assert_eq!(
        found,
        [
            (8, "scripts/deploy.sh".to_string()),
            (8, "tests/test_a.py".to_string()),
            (9, "scripts/env.sh".to_string()),
            (10, "src/pipeline.py".to_string()),
            (11, "tools/gen.py".to_string()),
            (11, "build/out.py".to_string()),
            (13, "scripts/in.sh".to_string()),
        ]
    );
}

#[test]
fn a_link_in_a_code_span_is_not_followed() {
    let text = "Write `[text](path)` or ``[a](`b`)``; [real](real.md) is followed.";
    assert_eq!(
        targets("a.md", text),
        [(1, ReferenceKind::Link, "real.md".to_string())]
    );
    assert_eq!(code_spans("a `b` c ``d`e`` `f"), [3..4, 10..13]);
}

#[test]
fn a_link_target_is_not_read_again_as_a_command_path() {
    // Relative to docs/, `src/a.py` is docs/src/a.py: only the link reading applies.
    assert_eq!(
        targets("docs/a.md", "[code](src/a.py)"),
        [(1, ReferenceKind::Link, "docs/src/a.py".to_string())]
    );
}

fn documented_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "README.md",
        "Run `./scripts/build.sh`.\nSee [models](docs/MODELS.md).\n",
    );
    write(root, "scripts/build.sh", "#!/bin/sh\n");
    write(root, "src/pipeline.py", "");
    write(
        root,
        "docs/MODELS.md",
        "Pipeline: src/pipeline.py. Back to [readme](../README.md).\n",
    );
    dir
}

#[test]
fn doc_references_pass_when_everything_named_exists() {
    let project = documented_project();
    let (outcome, log) = doc_references_in(project.path());
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}\n{log}");
    assert_eq!(
        outcome.reason.as_deref(),
        Some("all 4 script, Python and link references in 2 markdown files exist")
    );
    assert!(
        log.contains("ok      docs/MODELS.md:1: ../README.md"),
        "{log}"
    );
}

#[test]
fn doc_references_fail_listing_each_missing_path_with_file_and_line() {
    let project = documented_project();
    write(
        project.path(),
        "docs/deep/page.md",
        "\n```\n./scripts/gone.sh\n```\n[x](../nope.md)\n",
    );
    let (outcome, log) = doc_references_in(project.path());
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(
        outcome.reason.as_deref(),
        Some("2 of 6 references name nothing: docs/deep/page.md:3: ./scripts/gone.sh; docs/deep/page.md:5: ../nope.md")
    );
    assert!(
        log.contains("MISSING docs/deep/page.md:5: ../nope.md (link from the file's folder)"),
        "{log}"
    );
}

#[test]
fn doc_references_fail_without_a_readme() {
    let project = tempfile::tempdir().unwrap();
    let (outcome, _) = doc_references_in(project.path());
    assert_eq!(outcome, Outcome::fail("README.md is missing"));
}

#[test]
fn doc_references_are_blocked_when_a_document_cannot_be_read() {
    let project = documented_project();
    fs::write(project.path().join("docs/bad.md"), [0xff, 0xfe]).unwrap();
    let (outcome, _) = doc_references_in(project.path());
    assert_eq!(outcome.status, Status::Blocked, "{outcome:?}");
}

fn tagged_repo(pyproject_version: &str, tag: Option<&str>) -> TempRepo {
    let repo = TempRepo::new();
    repo.write(
        "pyproject.toml",
        &format!("[project]\nname = \"app\"\nversion = \"{pyproject_version}\"\n"),
    );
    repo.commit_all("init");
    if let Some(tag) = tag {
        repo.tag(tag);
    }
    repo
}

#[test]
fn migration_guide_passes_a_minor_bump_saying_what_it_compared() {
    let repo = tagged_repo("0.4.0", Some("v0.4.0"));
    let (outcome, _) = migration_guide_in(repo.path(), Some("0.5.0"));
    assert_eq!(outcome.status, Status::Pass);
    assert_eq!(
        outcome.reason.as_deref(),
        Some("not a major bump: 0.4.0 (latest tag v0.4.0) → 0.5.0 (--version)")
    );
}

#[test]
fn migration_guide_without_tag_compares_with_pyproject() {
    let repo = tagged_repo("0.4.0", None);
    let (outcome, _) = migration_guide_in(repo.path(), Some("0.4.1"));
    assert_eq!(
        outcome.reason.as_deref(),
        Some("not a major bump: 0.4.0 (pyproject.toml, no release tag) → 0.4.1 (--version)")
    );
    let (outcome, _) = migration_guide_in(repo.path(), None);
    assert_eq!(outcome.status, Status::Pass);
    assert!(outcome.reason.unwrap().contains("no bump to check"));
}

#[test]
fn migration_guide_fails_a_major_bump_without_a_guide() {
    let repo = tagged_repo("1.0.0", Some("v0.4.0"));
    let (outcome, _) = migration_guide_in(repo.path(), None);
    assert_eq!(
        outcome,
        Outcome::fail(
            "major bump 0.4.0 → 1.0.0 needs a migration guide (MIGRATION.md, docs/MIGRATION*.md or \
             docs/migration*/): none found"
        )
    );
}

#[test]
fn migration_guide_fails_when_the_guide_does_not_mention_the_target() {
    let repo = tagged_repo("0.4.0", Some("v0.4.0"));
    repo.write("docs/MIGRATION.md", "# Upgrading to 11.0.0 or 1.0.0.1\n");
    let (outcome, _) = migration_guide_in(repo.path(), Some("1.0.0"));
    assert_eq!(
        outcome,
        Outcome::fail("major bump 0.4.0 → 1.0.0 needs a migration guide that mentions 1.0.0: docs/MIGRATION.md do not")
    );
}

#[test]
fn migration_guide_passes_a_major_bump_with_a_guide_in_any_accepted_place() {
    for guide in [
        "MIGRATION.md",
        "docs/MIGRATION-1.md",
        "docs/migrations/to-v1.md",
    ] {
        let repo = tagged_repo("0.4.0", Some("v0.4.0"));
        repo.write(guide, "# Migrating to v1.0.0\n");
        let (outcome, _) = migration_guide_in(repo.path(), Some("1.0.0-rc.1"));
        assert_eq!(outcome.status, Status::Pass, "{guide}: {outcome:?}");
        assert_eq!(
            outcome.reason.unwrap(),
            format!("major bump 0.4.0 → 1.0.0-rc.1: {guide} mentions 1.0.0-rc.1")
        );
    }
}

#[test]
fn migration_guide_is_blocked_on_an_unreadable_pyproject_version() {
    let repo = tagged_repo("0.4.0", None);
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\ndynamic = [\"version\"]\n",
    );
    let (outcome, _) = migration_guide_in(repo.path(), Some("1.0.0"));
    assert_eq!(outcome.status, Status::Blocked, "{outcome:?}");
}

#[test]
fn files_under_skips_hidden_folders_and_sorts() {
    let dir = tempfile::tempdir().unwrap();
    for path in [
        "docs/b.md",
        "docs/a/c.md",
        "docs/.hidden/d.md",
        "docs/e.txt",
    ] {
        write(dir.path(), path, "");
    }
    let found: Vec<PathBuf> = files_under(dir.path(), "docs", "md");
    assert_eq!(
        found,
        [PathBuf::from("docs/a/c.md"), PathBuf::from("docs/b.md")]
    );
}
