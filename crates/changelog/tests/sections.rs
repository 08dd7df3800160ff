//! Parsing sections and reading them back: `Changelog::parse`, `extract`, `has_release`,
//! `latest_release`, `unreleased_notes`.

use changelog::{
    extract, has_release, latest_release, unreleased_notes, Changelog, Notes, SectionKind,
};
use semver::Version;

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

fn release(version: &str, date: Option<&str>) -> SectionKind {
    SectionKind::Release {
        version: v(version),
        date: date.map(str::to_owned),
    }
}

#[test]
fn heading_kinds() {
    let cases = [
        (
            "## Version 1.2.3 - 2024-01-31",
            release("1.2.3", Some("2024-01-31")),
        ),
        ("## Version 1.2.3", release("1.2.3", None)),
        (
            "## [1.2.3] - 2024-01-31",
            release("1.2.3", Some("2024-01-31")),
        ),
        (
            "## [1.2.3](https://github.com/o/r/compare/v1.2.2...v1.2.3) (2024-01-31)",
            release("1.2.3", Some("2024-01-31")),
        ),
        (
            "## 1.2.3 (2024-01-31)",
            release("1.2.3", Some("2024-01-31")),
        ),
        ("## v1.2.3", release("1.2.3", None)),
        (
            "## [v1.2.3] – 2024-01-31",
            release("1.2.3", Some("2024-01-31")),
        ),
        ("## Release 1.2.3", release("1.2.3", None)),
        (
            "## [1.0.0-rc.1] - 2024-01-31",
            release("1.0.0-rc.1", Some("2024-01-31")),
        ),
        ("## Version 1.2.3 - 2024-12-XX", release("1.2.3", None)),
        ("## 1.2.3 ##", release("1.2.3", None)),
        ("## [Unreleased]", SectionKind::Unreleased),
        ("## Unreleased", SectionKind::Unreleased),
        ("## [unreleased] - ReleaseDate", SectionKind::Unreleased),
        ("## Snapshot 2024-12-20", SectionKind::Other),
        ("## Snapshot 2024-12-20 (v0.4.0)", SectionKind::Other),
        ("## 1.2.3.4", SectionKind::Other),
        ("## 1.2", SectionKind::Other),
        ("## Unreleasedness", SectionKind::Other),
        ("## 1.0.0rc1", SectionKind::Other),
    ];
    for (heading, expected) in cases {
        let text = format!("# T\n\n{heading}\n\nbody\n");
        let changelog = Changelog::parse(&text);
        assert_eq!(changelog.sections.len(), 1, "{heading}");
        assert_eq!(changelog.sections[0].kind, expected, "{heading}");
    }
}

#[test]
fn not_headings() {
    for text in [
        "### Added\n",
        "##NoSpace\n",
        " ## indented? not by us\n",
        "```\n## Version 1.0.0\n```\n",
        "~~~~md\n## [1.0.0]\n~~~\n## [2.0.0] still fenced\n~~~~\n",
    ] {
        assert_eq!(Changelog::parse(text).sections, vec![], "{text:?}");
    }
}

#[test]
fn ranges_and_bodies() {
    let text = "# T\n\nIntro\n\n## [Unreleased]\n- a\n\n## [1.0.0] - 2024-01-01\n- b\n\n[1.0.0]: https://x\n";
    let changelog = Changelog::parse(text);
    assert_eq!(&text[changelog.preamble.clone()], "# T\n\nIntro\n\n");
    assert_eq!(&text[changelog.footer.clone()], "[1.0.0]: https://x\n");
    let [unreleased, one] = &changelog.sections[..] else {
        panic!("two sections")
    };
    assert_eq!(&text[unreleased.range.clone()], "## [Unreleased]\n- a\n\n");
    assert_eq!(unreleased.body, "- a\n\n");
    assert_eq!(&text[unreleased.body_range.clone()], unreleased.body);
    assert_eq!(one.heading, "[1.0.0] - 2024-01-01");
    assert_eq!(&text[one.range.clone()], "## [1.0.0] - 2024-01-01\n- b\n\n");
    assert_eq!(one.range.end, changelog.footer.start);
}

const MANY: &str = "# Changelog

## [Unreleased]

- Coming

## Version 1.0.10 - 2024-03-01

- Ten

## Version 1.0.2 - 2024-02-01

- Two

## [1.0.1] - 2024-01-15

- One

```
## Version 1.0.0 - not a heading
```

## Snapshot 2023-12-01

- Before versions

## 1.0.0

- Zero

[1.0.1]: https://example.com/1.0.1
";

#[test]
fn extract_picks_exactly_that_version() {
    let cases = [
        ("1.0.10", Some("- Ten")),
        (
            "1.0.1",
            Some("- One\n\n```\n## Version 1.0.0 - not a heading\n```"),
        ),
        ("1.0.2", Some("- Two")),
        ("1.0.0", Some("- Zero")),
        ("1.0.3", None),
        ("1.0.1-rc.1", None),
        ("0.1.0", None),
    ];
    for (version, expected) in cases {
        assert_eq!(extract(MANY, &v(version)).as_deref(), expected, "{version}");
        assert_eq!(
            has_release(MANY, &v(version)),
            expected.is_some(),
            "{version}"
        );
    }
}

#[test]
fn extract_crlf_and_empty_sections() {
    assert_eq!(
        extract("## 1.0.0\r\n\r\n- a\r\n- b\r\n\r\n", &v("1.0.0")).as_deref(),
        Some("- a\r\n- b")
    );
    assert_eq!(
        extract("## 1.0.0\n\n## 0.9.0\n- x\n", &v("1.0.0")).as_deref(),
        Some("")
    );
    assert_eq!(extract("", &v("1.0.0")), None);
}

#[test]
fn latest_release_is_the_highest_version() {
    let cases = [
        (MANY, Some("1.0.10")),
        ("## 0.9.0\n## 1.0.0-rc.1\n## 0.10.0\n", Some("1.0.0-rc.1")),
        ("## Snapshot 2024-12-20\n## [Unreleased]\n", None),
        ("", None),
    ];
    for (text, expected) in cases {
        assert_eq!(latest_release(text), expected.map(v), "{text:?}");
    }
}

#[test]
fn unreleased_entries() {
    assert_eq!(unreleased_notes("## 1.0.0\n- a\n"), None);
    assert_eq!(
        unreleased_notes("## [Unreleased]\n\n## 1.0.0\n- a\n"),
        Some(Notes::default())
    );
    let notes = unreleased_notes(MANY).unwrap();
    assert_eq!(notes.changed, vec!["Coming".to_owned()]);
    assert!(!notes.is_empty());
}
