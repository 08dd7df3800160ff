//! Inserting a release section.

use std::sync::LazyLock;

use regex_lite::Regex;
use semver::Version;

use crate::parse::lines;
use crate::{check_date, extract, Changelog, ChangelogError, Notes, SectionKind};

/// The outcome of [`release`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The whole new changelog (the input unchanged when the section already existed).
    pub text: String,
    /// The release section's body: exactly what [`extract`] returns for the new text.
    pub body: String,
    pub source: NotesSource,
}

/// Where the release section's entries came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotesSource {
    /// The `## Unreleased` section, now emptied.
    Unreleased,
    /// The `notes` argument (drafted from commits, or a `--notes` file).
    Given,
    /// The version's section already existed with these notes: nothing was changed.
    Existing,
}

/// The body written for an allowed empty release, so a release body is never blank.
pub const NO_NOTABLE_CHANGES: &str = "_No notable changes._";

/// Adds a section for `version` with its notes: `## Version {version} - {date}` (the seed's
/// heading), or `## [{version}] - {date}` in a Keep a Changelog file (its Unreleased or newest
/// release heading is bracketed), whose `[Unreleased]: …/compare/A...HEAD` link then becomes
/// `…/compare/v{version}...HEAD`, followed by `[{version}]: …/compare/A...v{version}` (`v{version}`
/// is the tag `cargo xtask release` makes).
///
/// Placement: right below the `## Unreleased` section when there is one, else above the
/// first section, else after the preamble (an empty file gets a `# Changelog` title). Every
/// byte outside the new section and the emptied Unreleased body is kept, line endings (LF or
/// CRLF) included; at most a line break is added where the new section meets its neighbours.
///
/// Notes: `notes` when given, else the Unreleased entries. The Unreleased section is emptied
/// either way (its heading stays): what it listed ships in this release. Empty notes are
/// refused with [`ChangelogError::NothingToRelease`] unless `allow_empty`, which writes
/// [`NO_NOTABLE_CHANGES`] as the body.
///
/// Re-runs: when the version already has a section, the call succeeds without a change
/// ([`NotesSource::Existing`]) if the notes are the same entries (or none were given and the
/// Unreleased section is empty), and fails with [`ChangelogError::VersionExists`] otherwise.
/// The date is not compared: resuming a release the next day must not fail.
pub fn release(
    text: &str,
    version: &Version,
    date: &str,
    notes: Option<&Notes>,
    allow_empty: bool,
) -> Result<Release, ChangelogError> {
    check_date(date)?;

    let changelog = Changelog::parse(text);
    let unreleased = changelog.unreleased();
    let (notes, source) = match notes {
        Some(notes) => (notes.clone(), NotesSource::Given),
        None => {
            let body = unreleased.map_or("", |section| section.body);
            (Notes::from_section_body(body), NotesSource::Unreleased)
        }
    };

    let section = match new_section(&changelog, text, version, date, &notes, source, allow_empty)? {
        Ok(section) => section,
        Err(existing) => return Ok(existing),
    };
    let keep_a_changelog = keeps_a_changelog(&changelog);
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };

    let (before, after) = match (unreleased, changelog.sections.first()) {
        (Some(unreleased), _) if unreleased.body.trim().is_empty() => {
            text.split_at(unreleased.range.end)
        }
        // Emptied: the body goes, the heading stays.
        (Some(unreleased), _) => (
            &text[..unreleased.body_range.start],
            &text[unreleased.range.end..],
        ),
        (None, Some(newest)) => text.split_at(newest.range.start),
        (None, None) => text.split_at(changelog.footer.start),
    };
    let mut new_text = String::with_capacity(text.len() + section.len() + 16);
    if before.trim().is_empty() && changelog.sections.is_empty() {
        new_text.push_str(&format!("# Changelog{newline}"));
    } else {
        new_text.push_str(before);
    }
    end_with_blank_line(&mut new_text, newline);
    new_text.push_str(&section);
    if !after.is_empty() {
        new_text.push_str(newline);
        new_text.push_str(after);
    }

    if keep_a_changelog {
        new_text = with_compare_links(&new_text, version, newline);
    }
    let body = extract(&new_text, version).expect("the new section is a release section");
    Ok(Release {
        text: new_text,
        body,
        source,
    })
}

/// Like [`release`], for a release that is not the newest of the project (a hotfix of an
/// older line): the notes are given (never the Unreleased entries, which are for the next
/// release: the Unreleased section is left as it is), and the section goes in version order
/// ([`insert_in_order`]). Keep a Changelog compare links are left alone: they chain the newest
/// releases, which a hotfix of an older line is not.
pub fn release_in_order(
    text: &str,
    version: &Version,
    date: &str,
    notes: &Notes,
    allow_empty: bool,
) -> Result<Release, ChangelogError> {
    check_date(date)?;
    let changelog = Changelog::parse(text);
    let given = NotesSource::Given;
    let section = match new_section(&changelog, text, version, date, notes, given, allow_empty)? {
        Ok(section) => section,
        Err(existing) => return Ok(existing),
    };
    let new_text = insert_in_order(text, version, &section);
    let body = extract(&new_text, version).expect("the new section is a release section");
    Ok(Release {
        text: new_text,
        body,
        source: NotesSource::Given,
    })
}

/// `version`'s whole section as written, heading included (up to the next section).
pub fn section_text<'a>(text: &'a str, version: &Version) -> Option<&'a str> {
    let changelog = Changelog::parse(text);
    let range = changelog.release(version)?.range.clone();
    Some(&text[range])
}

/// Inserts a release section (heading and body, e.g. [`section_text`] of another branch's
/// changelog) in version order: above the first release section of a lower version; else below
/// the last release section; else below the Unreleased section, above the first section, or
/// after the preamble. The text unchanged when `version` already has a section.
pub fn insert_in_order(text: &str, version: &Version, section: &str) -> String {
    let changelog = Changelog::parse(text);
    if changelog.release(version).is_some() {
        return text.to_owned();
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let releases: Vec<_> = changelog
        .sections
        .iter()
        .filter(|section| section.version().is_some())
        .collect();
    let lower = releases
        .iter()
        .find(|section| section.version().is_some_and(|v| v < version));
    let at = match (lower, releases.last(), changelog.unreleased()) {
        (Some(lower), _, _) => lower.range.start,
        (None, Some(last), _) => last.range.end,
        (None, None, Some(unreleased)) => unreleased.range.end,
        (None, None, None) => changelog
            .sections
            .first()
            .map_or(changelog.footer.start, |first| first.range.start),
    };
    let (before, after) = text.split_at(at);
    let mut new_text = String::with_capacity(text.len() + section.len() + 16);
    new_text.push_str(before);
    end_with_blank_line(&mut new_text, newline);
    new_text.push_str(section.trim_end_matches(['\r', '\n']));
    new_text.push_str(newline);
    if !after.is_empty() {
        new_text.push_str(newline);
        new_text.push_str(after);
    }
    new_text
}

/// The new section (`## heading`, a blank line, the notes) for `version`; `Err(existing)` when
/// the version already has a section with these notes (a re-run: nothing to change).
fn new_section(
    changelog: &Changelog,
    text: &str,
    version: &Version,
    date: &str,
    notes: &Notes,
    source: NotesSource,
    allow_empty: bool,
) -> Result<Result<String, Release>, ChangelogError> {
    if let Some(existing) = changelog.release(version) {
        let unchanged = *notes == Notes::from_section_body(existing.body)
            || (source == NotesSource::Unreleased && notes.is_empty());
        if !unchanged {
            return Err(ChangelogError::VersionExists {
                version: version.clone(),
                heading: existing.heading.to_owned(),
            });
        }
        return Ok(Err(Release {
            text: text.to_owned(),
            body: existing.body.trim().to_owned(),
            source: NotesSource::Existing,
        }));
    }
    if notes.is_empty() && !allow_empty {
        return Err(ChangelogError::NothingToRelease {
            version: version.clone(),
        });
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let body = if notes.is_empty() {
        format!("{NO_NOTABLE_CHANGES}{newline}")
    } else {
        notes.render_with_newline(newline)
    };
    let heading = if keeps_a_changelog(changelog) {
        format!("[{version}] - {date}")
    } else {
        format!("Version {version} - {date}")
    };
    Ok(Ok(format!("## {heading}{newline}{newline}{body}")))
}

/// Keep a Changelog's style: the topmost Unreleased or release heading is `[…]`.
fn keeps_a_changelog(changelog: &Changelog) -> bool {
    changelog
        .sections
        .iter()
        .find(|section| section.kind != SectionKind::Other)
        .is_some_and(|section| section.heading.starts_with('['))
}

/// Points the `[Unreleased]` compare link at the new tag and adds the new version's link below
/// it; the text as it is when there is no such link.
fn with_compare_links(text: &str, version: &Version, newline: &str) -> String {
    static UNRELEASED_LINK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(?P<label>\[unreleased\]):\s*(?P<base>\S*/compare/)(?P<from>\S+?)\.\.\.(?P<to>\S+)\s*$")
            .unwrap()
    });
    let found = lines(text)
        .filter(|line| !line.in_fence)
        .find_map(|line| Some((line.range, UNRELEASED_LINK.captures(line.content)?)));
    let Some((range, link)) = found else {
        return text.to_owned();
    };
    let (label, base, from, to) = (&link["label"], &link["base"], &link["from"], &link["to"]);
    let tag = format!("v{version}");
    // The line's own ending, none at the very end of a file without one.
    let end = if text[range.clone()].ends_with('\n') {
        newline
    } else {
        ""
    };
    let links =
        format!("{label}: {base}{tag}...{to}{newline}[{version}]: {base}{from}...{tag}{end}");
    format!("{}{links}{}", &text[..range.start], &text[range.end..])
}

/// Ends `text` with a line break and then a blank line, adding only what is missing.
fn end_with_blank_line(text: &mut String, newline: &str) {
    if text.is_empty() {
        return;
    }
    if !text.ends_with('\n') {
        text.push_str(newline);
    }
    let last_line_start = text[..text.len() - 1].rfind('\n').map_or(0, |i| i + 1);
    if !text[last_line_start..].trim().is_empty() {
        text.push_str(newline);
    }
}

#[cfg(test)]
mod in_order_tests {
    use super::*;

    const MAIN: &str = "# Changelog\n\n## Unreleased\n\n### Added\n- Next.\n\n## Version 0.5.0 - 2026-01-01\n\n### Added\n- Five.\n\n## Version 0.4.0 - 2025-12-01\n\n### Added\n- Four.\n";

    #[test]
    fn a_hotfix_section_goes_between_the_newer_and_the_older_release() {
        let v = Version::new(0, 4, 1);
        let notes = Notes::from_section_body("### Fixed\n- The crash.\n");
        let done = release_in_order(MAIN, &v, "2026-01-02", &notes, false).unwrap();
        let expected = MAIN.replace(
            "## Version 0.4.0",
            "## Version 0.4.1 - 2026-01-02\n\n### Fixed\n- The crash.\n\n## Version 0.4.0",
        );
        assert_eq!(done.text, expected, "Unreleased kept, the section in order");
        assert_eq!(done.body, "### Fixed\n- The crash.");
        let again = release_in_order(&done.text, &v, "2026-01-03", &notes, false).unwrap();
        assert_eq!(again.text, done.text);
        assert_eq!(again.source, NotesSource::Existing);
        // The same section moved into another changelog lands in order too.
        let section = section_text(&done.text, &v).unwrap();
        let only_old = "# Changelog\n\n## Version 0.4.0 - 2025-12-01\n\n- Four.\n";
        assert_eq!(
            insert_in_order(only_old, &v, section),
            "# Changelog\n\n## Version 0.4.1 - 2026-01-02\n\n### Fixed\n- The crash.\n\n## Version 0.4.0 - 2025-12-01\n\n- Four.\n"
        );
        let only_new = "# Changelog\n\n## Version 0.5.0 - 2026-01-01\n\n- Five.\n";
        assert_eq!(
            insert_in_order(only_new, &v, section),
            "# Changelog\n\n## Version 0.5.0 - 2026-01-01\n\n- Five.\n\n## Version 0.4.1 - 2026-01-02\n\n### Fixed\n- The crash.\n"
        );
    }
}
