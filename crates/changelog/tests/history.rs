//! `history::insert_row` on the checklist's Version History table.

use changelog::history::{insert_row, release_kind};
use changelog::ChangelogError;
use semver::Version;

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

const CHECKLIST: &str = "## Version History

| Version | Date       | Type    | Description                     |
|---------|------------|---------|---------------------------------|
| 0.4.0   | 2024-12-XX | Minor   | Current version (Task 08)       |
| 0.3.0   | 2024-12-XX | Minor   | Task 05-07 completion           |

---

## Checklist Template
";

#[test]
fn inserts_an_aligned_first_row() {
    let new = insert_row(
        CHECKLIST,
        &v("0.5.0"),
        "2026-11-27",
        "Minor",
        "Release automation",
    )
    .unwrap()
    .unwrap();
    let row = "| 0.5.0   | 2026-11-27 | Minor   | Release automation              |\n";
    let at = CHECKLIST.find("| 0.4.0").unwrap();
    assert_eq!(
        new,
        format!("{}{row}{}", &CHECKLIST[..at], &CHECKLIST[at..])
    );
    assert_eq!(row.len(), CHECKLIST[at..].lines().next().unwrap().len() + 1);
}

#[test]
fn table_variants() {
    let cases = [
        (
            "unaligned table: minimal padding",
            "| Version | Date | Type | Description |\n|---|---|---|---|\n| 0.4.0 | 2024-12-01 | Minor | Old |\n",
            "| Version | Date | Type | Description |\n|---|---|---|---|\n| 0.5.0 | 2026-11-27 | Minor | New \\| better |\n| 0.4.0 | 2024-12-01 | Minor | Old |\n",
        ),
        (
            "no data rows yet, CRLF, v prefix absent",
            "| Version | Date | Type | Description |\r\n| --- | --- | --- | --- |\r\n\r\nAfter.\r\n",
            "| Version | Date | Type | Description |\r\n| --- | --- | --- | --- |\r\n| 0.5.0 | 2026-11-27 | Minor | New \\| better |\r\n\r\nAfter.\r\n",
        ),
        (
            "v prefix kept, extra column left empty",
            "| Version | Date | Type | Description | Notes |\n|-|-|-|-|-|\n| v0.4.0 | 2024-12-01 | Minor | Old | x |\n",
            "| Version | Date | Type | Description | Notes |\n|-|-|-|-|-|\n| v0.5.0 | 2026-11-27 | Minor | New \\| better |  |\n| v0.4.0 | 2024-12-01 | Minor | Old | x |\n",
        ),
        (
            "a table inside a code block is an example, not the table",
            "```\n| Version | Date | Type | Description |\n|---|---|---|---|\n```\n| Version | Date | Type | Description |\n|---|---|---|---|\n",
            "```\n| Version | Date | Type | Description |\n|---|---|---|---|\n```\n| Version | Date | Type | Description |\n|---|---|---|---|\n| 0.5.0 | 2026-11-27 | Minor | New \\| better |\n",
        ),
        (
            "delimiter row without trailing newline",
            "| Version | Date | Type | Description |\n|---|---|---|---|",
            "| Version | Date | Type | Description |\n|---|---|---|---|\n| 0.5.0 | 2026-11-27 | Minor | New \\| better |\n",
        ),
    ];
    for (name, before, after) in cases {
        let new = insert_row(before, &v("0.5.0"), "2026-11-27", "Minor", "New | better").unwrap();
        assert_eq!(new.as_deref(), Some(after), "{name}");
    }
}

#[test]
fn no_table() {
    for text in [
        "",
        "# Docs\n\nNo table here.\n",
        "| Version | Date |\n|---|---|\n",
        "| Version | Date | Type | Description |\nnot a delimiter\n",
        "```\n| Version | Date | Type | Description |\n|---|---|---|---|\n```\n",
    ] {
        assert_eq!(
            insert_row(text, &v("1.0.0"), "2026-11-27", "Major", "x").unwrap(),
            None,
            "{text:?}"
        );
    }
}

#[test]
fn existing_row_is_a_no_op() {
    for version in ["0.4.0", "0.3.0"] {
        let new = insert_row(CHECKLIST, &v(version), "2026-11-27", "Minor", "again").unwrap();
        assert_eq!(new.as_deref(), Some(CHECKLIST), "{version}");
    }
    let once = insert_row(CHECKLIST, &v("0.5.0"), "2026-11-27", "Minor", "x")
        .unwrap()
        .unwrap();
    let twice = insert_row(&once, &v("0.5.0"), "2026-11-28", "Minor", "x")
        .unwrap()
        .unwrap();
    assert_eq!(once, twice);
}

#[test]
fn refuses_a_malformed_date() {
    let err = insert_row(CHECKLIST, &v("0.5.0"), "2024-12-XX", "Minor", "x").unwrap_err();
    assert_eq!(
        err,
        ChangelogError::InvalidDate {
            date: "2024-12-XX".into()
        }
    );
}

#[test]
fn release_kinds() {
    let cases = [
        (Some("0.4.0"), "0.4.1", "Patch"),
        (Some("0.4.1"), "0.5.0", "Minor"),
        (Some("0.5.0"), "1.0.0", "Major"),
        (Some("0.5.0"), "1.0.0-rc.1", "Pre-release"),
        (None, "0.1.0", "Minor"),
        (None, "1.0.0", "Major"),
    ];
    for (previous, next, expected) in cases {
        let previous = previous.map(v);
        assert_eq!(
            release_kind(previous.as_ref(), &v(next)),
            expected,
            "{previous:?} -> {next}"
        );
    }
}
