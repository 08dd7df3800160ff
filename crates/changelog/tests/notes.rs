//! `Notes`: reading a section body, drafting from commits, rendering.

use changelog::{Category, Notes};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn from_section_body() {
    let body = "
Some prose that is not an entry.

- Loose bullet
### Added
- Feature one
- Feature two
  continued on an indented line
    - nested detail
* Star bullet

Prose between lists.
### Bug Fixes
+ Plus bullet
### 🚀 Features
- Emoji heading
### Performance
- Unknown heading
### Deprecated
- Old API
### Removed
- Gone
### Security
- CVE fixed
```
- not an entry: code outside any bullet
```
";
    let notes = Notes::from_section_body(body);
    assert_eq!(
        notes.added,
        strings(&[
            "Feature one",
            "Feature two\n  continued on an indented line\n    - nested detail",
            "Star bullet",
            "Emoji heading"
        ])
    );
    assert_eq!(notes.changed, strings(&["Loose bullet", "Unknown heading"]));
    assert_eq!(notes.fixed, strings(&["Plus bullet"]));
    assert_eq!(notes.deprecated, strings(&["Old API"]));
    assert_eq!(notes.removed, strings(&["Gone"]));
    assert_eq!(notes.security, strings(&["CVE fixed"]));
}

#[test]
fn crlf_bodies_read_like_lf() {
    let lf = Notes::from_section_body("### Fixed\n- a\n  b\n");
    let crlf = Notes::from_section_body("### Fixed\r\n- a\r\n  b\r\n");
    assert_eq!(lf, crlf);
    assert_eq!(lf.fixed, strings(&["a\n  b"]));
}

#[test]
fn render_uses_the_seed_order_and_omits_empty_categories() {
    let notes = Notes {
        security: strings(&["S"]),
        added: strings(&["A1", "A2"]),
        removed: strings(&["R"]),
        ..Notes::default()
    };
    assert_eq!(
        notes.render(),
        "### Added\n- A1\n- A2\n\n### Removed\n- R\n\n### Security\n- S\n"
    );
    assert_eq!(Notes::default().render(), "");
    assert!(Notes::default().is_empty());
    assert!(!notes.is_empty());
}

#[test]
fn render_then_read_round_trips() {
    let notes = Notes {
        added: strings(&["A", "multi\n  line"]),
        changed: strings(&["C"]),
        fixed: strings(&["F"]),
        deprecated: strings(&["D"]),
        removed: strings(&["R"]),
        security: strings(&["S"]),
    };
    assert_eq!(Notes::from_section_body(&notes.render()), notes);
    for category in Category::ALL {
        assert_eq!(
            notes.items(category).len(),
            if category == Category::Added { 2 } else { 1 }
        );
    }
}

#[test]
fn from_commits_maps_conventional_types() {
    let cases: &[(&str, Option<(Category, &str)>)] = &[
        (
            "feat: add orchestrator",
            Some((Category::Added, "add orchestrator")),
        ),
        (
            "feat(api): add endpoint",
            Some((Category::Added, "api: add endpoint")),
        ),
        (
            "fix: crash on start",
            Some((Category::Fixed, "crash on start")),
        ),
        (
            "Fix: Critical bug description",
            Some((Category::Fixed, "Critical bug description")),
        ),
        ("perf: faster", Some((Category::Changed, "faster"))),
        ("refactor: tidy", Some((Category::Changed, "tidy"))),
        ("build: bump", Some((Category::Changed, "bump"))),
        (
            "deps: update requests",
            Some((Category::Changed, "update requests")),
        ),
        (
            "deprecate: old flag",
            Some((Category::Deprecated, "old flag")),
        ),
        ("remove: old flag", Some((Category::Removed, "old flag"))),
        ("revert: feat: x", Some((Category::Removed, "feat: x"))),
        (
            "security: patch CVE",
            Some((Category::Security, "patch CVE")),
        ),
        ("sec: patch CVE", Some((Category::Security, "patch CVE"))),
        (
            "feat!: drop python 3.10",
            Some((Category::Added, "**Breaking:** drop python 3.10")),
        ),
        (
            "refactor(core)!: new API",
            Some((Category::Changed, "**Breaking:** core: new API")),
        ),
        (
            "fix: x\n\nBREAKING CHANGE: y",
            Some((Category::Fixed, "**Breaking:** x")),
        ),
        (
            "chore!: drop docker v1",
            Some((Category::Changed, "**Breaking:** drop docker v1")),
        ),
        ("chore: tidy", None),
        ("ci: cache", None),
        ("test: more", None),
        ("style: fmt", None),
        ("docs: typo", None),
        ("Merge pull request #12 from o/branch", None),
        ("Merge branch 'main' into dev", None),
        ("Release version 0.4.0", None),
        ("", None),
        (
            "Update default model to qwen",
            Some((Category::Changed, "Update default model to qwen")),
        ),
        (
            "Note: something odd",
            Some((Category::Changed, "Note: something odd")),
        ),
        ("fix:", Some((Category::Changed, "fix:"))),
    ];
    for &(message, expected) in cases {
        let notes = Notes::from_commits(&[message.to_owned()]);
        let actual = Category::ALL
            .into_iter()
            .flat_map(|category| {
                notes
                    .items(category)
                    .iter()
                    .map(move |item| (category, item.as_str()))
            })
            .collect::<Vec<_>>();
        assert_eq!(
            actual,
            expected.into_iter().collect::<Vec<_>>(),
            "{message:?}"
        );
    }
}

#[test]
fn from_commits_keeps_order_and_drops_duplicates() {
    let messages = strings(&[
        "feat: b",
        "feat: a",
        "chore: x",
        "feat: b",
        "fix: c\n\nbody line",
    ]);
    let notes = Notes::from_commits(&messages);
    assert_eq!(notes.added, strings(&["b", "a"]));
    assert_eq!(notes.fixed, strings(&["c"]));
    assert!(Notes::from_commits(&strings(&["chore: only", "Release version 1.0.0"])).is_empty());
}

#[test]
fn indented_code_belongs_to_its_entry() {
    let body = "### Added\n- Run it:\n  ```sh\n  ### not a heading\n  ```\n- Next\n```\n- not an entry\n```\n";
    let notes = Notes::from_section_body(body);
    assert_eq!(
        notes.added,
        strings(&["Run it:\n  ```sh\n  ### not a heading\n  ```", "Next"])
    );
    assert!(notes.changed.is_empty());
}

#[test]
fn unknown_headings_are_named_with_their_line() {
    let body = "### Added\n- one\n### Bogus\n- two\n```\n### In a fence\n```\n#### Features\n### Bug Fixes\n";
    assert_eq!(Notes::unknown_headings(body), [(3, "Bogus".to_string())]);
    assert!(Notes::unknown_headings("### Changed\n- x\n").is_empty());
}
