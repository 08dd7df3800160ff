//! `release`: placement, byte-identity of the untouched parts, refusals, idempotence.

use changelog::{extract, release, ChangelogError, Notes, NotesSource};
use semver::Version;

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

fn notes(added: &[&str], fixed: &[&str]) -> Notes {
    Notes {
        added: added.iter().map(|s| s.to_string()).collect(),
        fixed: fixed.iter().map(|s| s.to_string()).collect(),
        ..Notes::default()
    }
}

const DATE: &str = "2026-11-27";

struct Case {
    name: &'static str,
    before: &'static str,
    given: Option<Notes>,
    after: &'static str,
    source: NotesSource,
}

#[test]
fn inserts_in_the_right_place_and_keeps_every_other_byte() {
    let cases = [
        Case {
            name: "keep a changelog: below Unreleased, which is emptied",
            before: "# Changelog\n\n## [Unreleased]\n\n### Added\n- New thing\n\n## [0.4.0] - 2024-12-20\n\n### Fixed\n- Old fix\n\n[Unreleased]: https://example.com/compare/v0.4.0...HEAD\n[0.4.0]: https://example.com/v0.4.0\n",
            given: None,
            after: "# Changelog\n\n## [Unreleased]\n\n## [0.5.0] - 2026-11-27\n\n### Added\n- New thing\n\n## [0.4.0] - 2024-12-20\n\n### Fixed\n- Old fix\n\n[Unreleased]: https://example.com/compare/v0.5.0...HEAD\n[0.5.0]: https://example.com/compare/v0.4.0...v0.5.0\n[0.4.0]: https://example.com/v0.4.0\n",
            source: NotesSource::Unreleased,
        },
        Case {
            name: "keep a changelog, CRLF, the compare link last with no line ending",
            before: "# Changelog\r\n\r\n## [Unreleased]\r\n\r\n### Added\r\n- New\r\n\r\n## [0.4.0] - 2024-12-20\r\n\r\n- Old\r\n\r\n[unreleased]: https://github.com/o/r/compare/0.4.0...main",
            given: None,
            after: "# Changelog\r\n\r\n## [Unreleased]\r\n\r\n## [0.5.0] - 2026-11-27\r\n\r\n### Added\r\n- New\r\n\r\n## [0.4.0] - 2024-12-20\r\n\r\n- Old\r\n\r\n[unreleased]: https://github.com/o/r/compare/v0.5.0...main\r\n[0.5.0]: https://github.com/o/r/compare/0.4.0...v0.5.0",
            source: NotesSource::Unreleased,
        },
        Case {
            name: "keep a changelog without links, no Unreleased: bracketed like the newest",
            before: "# Changelog\n\n## [0.4.0] - 2024-12-20\n\n- Old\n",
            given: Some(notes(&["Feature"], &[])),
            after: "# Changelog\n\n## [0.5.0] - 2026-11-27\n\n### Added\n- Feature\n\n## [0.4.0] - 2024-12-20\n\n- Old\n",
            source: NotesSource::Given,
        },
        Case {
            name: "seed format, no Unreleased: above the newest section",
            before: "# Changelog\n\nIntro.\n\n## Version 0.4.0 - 2024-12-20\n\n### Added\n- Old\n",
            given: Some(notes(&["Feature"], &["Bug"])),
            after: "# Changelog\n\nIntro.\n\n## Version 0.5.0 - 2026-11-27\n\n### Added\n- Feature\n\n### Fixed\n- Bug\n\n## Version 0.4.0 - 2024-12-20\n\n### Added\n- Old\n",
            source: NotesSource::Given,
        },
        Case {
            name: "codemate-hub snapshots: above the newest snapshot",
            before: "# Changelog\n\n## Snapshot 2024-12-20\n\n- Orchestrator\n\n## Snapshot 2024-12-06\n\n- Memory\n",
            given: Some(notes(&["Feature"], &[])),
            after: "# Changelog\n\n## Version 0.5.0 - 2026-11-27\n\n### Added\n- Feature\n\n## Snapshot 2024-12-20\n\n- Orchestrator\n\n## Snapshot 2024-12-06\n\n- Memory\n",
            source: NotesSource::Given,
        },
        Case {
            name: "no sections: after the preamble",
            before: "# Changelog\n\nAll notable changes.\n",
            given: Some(notes(&["Feature"], &[])),
            after: "# Changelog\n\nAll notable changes.\n\n## Version 0.5.0 - 2026-11-27\n\n### Added\n- Feature\n",
            source: NotesSource::Given,
        },
        Case {
            name: "no sections, link references stay last",
            before: "# Changelog\n\n[keep]: https://keepachangelog.com\n",
            given: Some(notes(&["Feature"], &[])),
            after: "# Changelog\n\n## Version 0.5.0 - 2026-11-27\n\n### Added\n- Feature\n\n[keep]: https://keepachangelog.com\n",
            source: NotesSource::Given,
        },
        Case {
            name: "empty file gets a title",
            before: "",
            given: Some(notes(&["Feature"], &[])),
            after: "# Changelog\n\n## Version 0.5.0 - 2026-11-27\n\n### Added\n- Feature\n",
            source: NotesSource::Given,
        },
        Case {
            name: "no trailing newline",
            before: "# Changelog",
            given: Some(notes(&["Feature"], &[])),
            after: "# Changelog\n\n## Version 0.5.0 - 2026-11-27\n\n### Added\n- Feature\n",
            source: NotesSource::Given,
        },
        Case {
            name: "no trailing newline after the last section is kept",
            before: "# Changelog\n\n## [0.4.0]\n- Old",
            given: Some(notes(&["Feature"], &[])),
            after: "# Changelog\n\n## [0.5.0] - 2026-11-27\n\n### Added\n- Feature\n\n## [0.4.0]\n- Old",
            source: NotesSource::Given,
        },
        Case {
            name: "Unreleased last and without trailing newline",
            before: "# Changelog\n\n## Unreleased\n- Thing",
            given: None,
            after: "# Changelog\n\n## Unreleased\n\n## Version 0.5.0 - 2026-11-27\n\n### Changed\n- Thing\n",
            source: NotesSource::Unreleased,
        },
        Case {
            name: "CRLF line endings",
            before: "# Changelog\r\n\r\n## [Unreleased]\r\n\r\n### Fixed\r\n- Bug\r\n  more\r\n\r\n## [0.4.0] - 2024-12-20\r\n- Old\r\n",
            given: None,
            after: "# Changelog\r\n\r\n## [Unreleased]\r\n\r\n## [0.5.0] - 2026-11-27\r\n\r\n### Fixed\r\n- Bug\r\n  more\r\n\r\n## [0.4.0] - 2024-12-20\r\n- Old\r\n",
            source: NotesSource::Unreleased,
        },
        Case {
            name: "given notes win over Unreleased entries, which still ship",
            before: "## Unreleased\n\n- Thing\n\n## 0.4.0\n",
            given: Some(notes(&["Feature"], &[])),
            after: "## Unreleased\n\n## Version 0.5.0 - 2026-11-27\n\n### Added\n- Feature\n\n## 0.4.0\n",
            source: NotesSource::Given,
        },
        Case {
            name: "an empty Unreleased section is left byte for byte",
            before: "## Unreleased\n\n\n## 0.4.0\n",
            given: Some(notes(&["Feature"], &[])),
            after: "## Unreleased\n\n\n## Version 0.5.0 - 2026-11-27\n\n### Added\n- Feature\n\n## 0.4.0\n",
            source: NotesSource::Given,
        },
        Case {
            name: "headings inside code blocks are not sections",
            before: "# Changelog\n\nFormat:\n\n```markdown\n## Version X.Y.Z - YYYY-MM-DD\n## [Unreleased]\n```\n\n## 0.4.0\n",
            given: Some(notes(&["Feature"], &[])),
            after: "# Changelog\n\nFormat:\n\n```markdown\n## Version X.Y.Z - YYYY-MM-DD\n## [Unreleased]\n```\n\n## Version 0.5.0 - 2026-11-27\n\n### Added\n- Feature\n\n## 0.4.0\n",
            source: NotesSource::Given,
        },
    ];
    for case in cases {
        let released = release(case.before, &v("0.5.0"), DATE, case.given.as_ref(), false)
            .unwrap_or_else(|err| panic!("{}: {err}", case.name));
        assert_eq!(released.text, case.after, "{}", case.name);
        assert_eq!(released.source, case.source, "{}", case.name);
        assert_eq!(
            Some(released.body),
            extract(&released.text, &v("0.5.0")),
            "{}",
            case.name
        );
    }
}

#[test]
fn the_body_is_the_rendered_notes() {
    let text = "# Changelog\n\n## [Unreleased]\n### Added\n- A\n* B\n### Security\n- S\n";
    let released = release(text, &v("1.0.0"), DATE, None, false).unwrap();
    assert_eq!(released.body, "### Added\n- A\n- B\n\n### Security\n- S");
}

#[test]
fn applying_twice_equals_applying_once() {
    let inputs: [(&str, Option<Notes>); 4] = [
        ("# Changelog\n\n## [Unreleased]\n\n### Added\n- New\n\n## [0.4.0] - 2024-12-20\n- Old\n", None),
        ("# Changelog\n\n## Version 0.4.0 - 2024-12-20\n- Old\n", Some(notes(&["A"], &["F"]))),
        ("", Some(notes(&["A"], &[]))),
        ("# C\r\n\r\n## Unreleased\r\n- x\r\n  y\r\n", None),
    ];
    for (text, given) in inputs {
        let once = release(text, &v("0.5.0"), DATE, given.as_ref(), false).unwrap();
        // The re-run may happen another day; it must still be a no-op.
        let twice = release(&once.text, &v("0.5.0"), "2026-11-28", given.as_ref(), false).unwrap();
        assert_eq!(twice.text, once.text, "{text:?}");
        assert_eq!(twice.body, once.body, "{text:?}");
        assert_eq!(twice.source, NotesSource::Existing, "{text:?}");
    }
}

#[test]
fn an_existing_section_written_by_hand_is_released_as_is() {
    let text = "# Changelog\n\n## [1.0.0] - 2026-11-01\n\n### Added\n- Hand written\n";
    let released = release(text, &v("1.0.0"), DATE, None, false).unwrap();
    assert_eq!(released.text, text);
    assert_eq!(released.body, "### Added\n- Hand written");
    assert_eq!(released.source, NotesSource::Existing);
}

#[test]
fn refusals() {
    let existing =
        "## [Unreleased]\n- New entry\n\n## Version 1.0.0 - 2026-11-01\n\n### Added\n- Old\n";
    let cases: [(&str, &str, Option<Notes>, ChangelogError); 6] = [
        (
            "",
            DATE,
            None,
            ChangelogError::NothingToRelease {
                version: v("1.0.0"),
            },
        ),
        (
            "# C\n\n## [Unreleased]\n\n## 0.9.0\n- x\n",
            DATE,
            None,
            ChangelogError::NothingToRelease {
                version: v("1.0.0"),
            },
        ),
        (
            "# C\n",
            DATE,
            Some(Notes::default()),
            ChangelogError::NothingToRelease {
                version: v("1.0.0"),
            },
        ),
        (
            existing,
            DATE,
            None,
            ChangelogError::VersionExists {
                version: v("1.0.0"),
                heading: "Version 1.0.0 - 2026-11-01".into(),
            },
        ),
        (
            existing,
            DATE,
            Some(notes(&["Different"], &[])),
            ChangelogError::VersionExists {
                version: v("1.0.0"),
                heading: "Version 1.0.0 - 2026-11-01".into(),
            },
        ),
        (
            "# C\n",
            "27/11/2026",
            Some(notes(&["A"], &[])),
            ChangelogError::InvalidDate {
                date: "27/11/2026".into(),
            },
        ),
    ];
    for (text, date, given, expected) in cases {
        let err = release(text, &v("1.0.0"), date, given.as_ref(), false).unwrap_err();
        assert_eq!(err, expected, "{text:?}");
    }
}

#[test]
fn allow_empty_writes_a_placeholder_body() {
    let text = "# Changelog\n\n## [Unreleased]\n\n## [0.9.0]\n- x\n";
    let released = release(text, &v("1.0.0"), DATE, None, true).unwrap();
    assert_eq!(
        released.text,
        "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2026-11-27\n\n_No notable changes._\n\n## [0.9.0]\n- x\n"
    );
    assert_eq!(released.body, changelog::NO_NOTABLE_CHANGES);
    let again = release(&released.text, &v("1.0.0"), DATE, None, true).unwrap();
    assert_eq!(again.text, released.text);
}

#[test]
fn prerelease_versions() {
    let released = release(
        "# C\n",
        &v("1.0.0-rc.1"),
        DATE,
        Some(&notes(&["A"], &[])),
        false,
    )
    .unwrap();
    assert!(
        released
            .text
            .contains("## Version 1.0.0-rc.1 - 2026-11-27\n"),
        "{}",
        released.text
    );
    assert_eq!(extract(&released.text, &v("1.0.0")), None);
    assert_eq!(
        extract(&released.text, &v("1.0.0-rc.1")).as_deref(),
        Some("### Added\n- A")
    );
}
