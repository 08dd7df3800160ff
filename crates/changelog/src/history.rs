//! The checklist's Version History table: `| Version | Date | Type | Description |`.

use std::sync::LazyLock;

use regex_lite::Regex;
use semver::Version;

use crate::parse::{lines, Line};
use crate::{check_date, ChangelogError};

/// Adds `version`'s row as the first data row of the first Version History table outside code
/// blocks, padded like the existing rows when the table is aligned.
///
/// `Ok(None)`: there is no such table. `Ok(Some(text))`: the new document, or `markdown`
/// unchanged when the table already has a row for `version` (re-runs are no-ops). Pipes in the
/// cells are escaped and line breaks become spaces, so the row stays one table row.
pub fn insert_row(
    markdown: &str,
    version: &Version,
    date: &str,
    kind: &str,
    description: &str,
) -> Result<Option<String>, ChangelogError> {
    check_date(date)?;
    let Some(table) = find_table(markdown) else {
        return Ok(None);
    };
    if table
        .rows
        .iter()
        .any(|row| row_version(row.content).as_ref() == Some(version))
    {
        return Ok(Some(markdown.to_owned()));
    }

    let uses_v_prefix = table
        .rows
        .first()
        .is_some_and(|row| cells(row.content)[0].trim().starts_with('v'));
    let version_cell = if uses_v_prefix {
        format!("v{version}")
    } else {
        version.to_string()
    };
    let contents = [version_cell.as_str(), date, kind, description];
    let mut row: String = table
        .header
        .content
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    row.push('|');
    for (index, width) in table.widths.iter().enumerate() {
        let content = contents
            .get(index)
            .map_or(String::new(), |content| escape_cell(content));
        let padding = width.map_or(0, |width| width.saturating_sub(2));
        row.push_str(&format!(" {content:<padding$} |"));
    }

    let newline = if markdown[table.header.range.clone()].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let (before, after) = markdown.split_at(table.delimiter.range.end);
    let mut new_text = String::with_capacity(markdown.len() + row.len() + 2);
    new_text.push_str(before);
    if !before.ends_with('\n') {
        new_text.push_str(newline);
    }
    new_text.push_str(&row);
    new_text.push_str(newline);
    new_text.push_str(after);
    Ok(Some(new_text))
}

/// `version`'s row of the first Version History table, as written (without its line break).
pub fn row(markdown: &str, version: &Version) -> Option<String> {
    let table = find_table(markdown)?;
    let row = table
        .rows
        .iter()
        .find(|row| row_version(row.content).as_ref() == Some(version))?;
    Some(row.content.trim_end_matches(['\r', '\n']).to_owned())
}

/// Adds a row made elsewhere (another branch's [`row`]) for `version` in version order: above
/// the first row of a lower version, else below the last row. A hotfix of an older line merged
/// into a table that already lists newer releases lands between them. `None`: there is no
/// table; `markdown` unchanged when the table already has a row for `version`.
pub fn insert_row_in_order(markdown: &str, version: &Version, row: &str) -> Option<String> {
    let table = find_table(markdown)?;
    if table
        .rows
        .iter()
        .any(|line| row_version(line.content).as_ref() == Some(version))
    {
        return Some(markdown.to_owned());
    }
    let at = table
        .rows
        .iter()
        .find(|line| row_version(line.content).is_some_and(|v| v < *version))
        .map(|line| line.range.start)
        .unwrap_or_else(|| table.rows.last().unwrap_or(&table.delimiter).range.end);
    let newline = if markdown[table.header.range.clone()].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let (before, after) = markdown.split_at(at);
    let mut text = String::with_capacity(markdown.len() + row.len() + 2);
    text.push_str(before);
    if !before.ends_with('\n') {
        text.push_str(newline);
    }
    text.push_str(row);
    text.push_str(newline);
    text.push_str(after);
    Some(text)
}

/// The kind of a release, measured from the latest release before it (the Type column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseKind {
    Major,
    Minor,
    Patch,
    PreRelease,
}

impl ReleaseKind {
    /// `Major`, `Minor`, `Patch` or `Pre-release`: the words of the Version History table.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseKind::Major => "Major",
            ReleaseKind::Minor => "Minor",
            ReleaseKind::Patch => "Patch",
            ReleaseKind::PreRelease => "Pre-release",
        }
    }
}

impl std::fmt::Display for ReleaseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ReleaseKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The kind of release `next` is after `previous` (none: the first release).
pub fn release_kind(previous: Option<&Version>, next: &Version) -> ReleaseKind {
    let zero = Version::new(0, 0, 0);
    let previous = previous.unwrap_or(&zero);
    if !next.pre.is_empty() {
        ReleaseKind::PreRelease
    } else if next.major != previous.major {
        ReleaseKind::Major
    } else if next.minor != previous.minor {
        ReleaseKind::Minor
    } else {
        ReleaseKind::Patch
    }
}

struct Table<'a> {
    header: Line<'a>,
    delimiter: Line<'a>,
    rows: Vec<Line<'a>>,
    /// Each column's width between pipes, when the header is aligned with the delimiter row.
    widths: Vec<Option<usize>>,
}

fn find_table(markdown: &str) -> Option<Table<'_>> {
    static HEADER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\s*\|\s*version\s*\|\s*date\s*\|\s*type\s*\|\s*description\s*\|").unwrap()
    });
    static DELIMITER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*\|(?:\s*:?-+:?\s*\|)+\s*$").unwrap());

    let all: Vec<Line<'_>> = lines(markdown).collect();
    let start = all.windows(2).position(|pair| {
        !pair[0].in_fence && HEADER.is_match(pair[0].content) && DELIMITER.is_match(pair[1].content)
    })?;
    let mut table_lines = all.into_iter().skip(start);
    let header = table_lines.next()?;
    let delimiter = table_lines.next()?;
    let rows: Vec<Line<'_>> = table_lines
        .take_while(|line| line.content.trim_start().starts_with('|'))
        .collect();

    let header_cells = cells(header.content);
    let delimiter_cells = cells(delimiter.content);
    let aligned = header_cells.len() == delimiter_cells.len()
        && header_cells
            .iter()
            .zip(&delimiter_cells)
            .all(|(h, d)| h.chars().count() == d.len());
    let widths = delimiter_cells
        .iter()
        .map(|cell| aligned.then_some(cell.len()))
        .collect();
    Some(Table {
        header,
        delimiter,
        rows,
        widths,
    })
}

/// The cells between the outer pipes, untrimmed (`\|` does not split).
fn cells(row: &str) -> Vec<&str> {
    let row = row.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = row.strip_suffix('|').unwrap_or(row);
    let mut cells = Vec::new();
    let mut start = 0;
    let bytes = row.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'|' && (index == 0 || bytes[index - 1] != b'\\') {
            cells.push(&row[start..index]);
            start = index + 1;
        }
    }
    cells.push(&row[start..]);
    cells
}

fn row_version(row: &str) -> Option<Version> {
    let cell = cells(row)[0].trim().trim_matches(['[', ']', '`', '*']);
    Version::parse(cell.strip_prefix('v').unwrap_or(cell)).ok()
}

fn escape_cell(content: &str) -> String {
    content
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod in_order_tests {
    use super::*;

    #[test]
    fn a_row_from_another_table_goes_in_version_order() {
        let table = "| Version | Date | Type | Description |\n|---|---|---|---|\n| 0.5.0 | 2026-01-01 | Minor | Five |\n| 0.4.0 | 2025-12-01 | Minor | Four |\n";
        let v = Version::new(0, 4, 1);
        let row = "| 0.4.1 | 2026-01-02 | Patch | The crash |";
        let done = insert_row_in_order(table, &v, row).unwrap();
        assert_eq!(
            done,
            table.replace(
                "| 0.4.0 |",
                "| 0.4.1 | 2026-01-02 | Patch | The crash |\n| 0.4.0 |"
            )
        );
        assert_eq!(super::row(&done, &v).as_deref(), Some(row));
        assert_eq!(insert_row_in_order(&done, &v, row).unwrap(), done);
        let newest = Version::new(0, 3, 9);
        assert!(insert_row_in_order(table, &newest, "| 0.3.9 | x | y | z |")
            .unwrap()
            .ends_with("| 0.4.0 | 2025-12-01 | Minor | Four |\n| 0.3.9 | x | y | z |\n"));
    }
}
