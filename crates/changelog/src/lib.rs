//! Sans-IO CHANGELOG.md handling: parse sections, insert a release section, extract a release
//! body, draft notes from commits, add a row to a Version History table.
//!
//! Changelogs in the wild differ: the seed checklist writes `## Version X.Y.Z - YYYY-MM-DD`,
//! Keep a Changelog writes `## [X.Y.Z] - YYYY-MM-DD` under an `## [Unreleased]` section, and
//! codemate-hub's own has dated `## Snapshot …` sections. All are read; new sections are written
//! in the seed's format, or in Keep a Changelog's (with its compare links) in a file written in
//! that style. Text in, text out: no file access, and the date is always an input.

mod commits;
pub mod history;
mod notes;
mod parse;
mod release;

use std::sync::LazyLock;

use regex_lite::Regex;
use semver::Version;

pub use notes::{Category, Notes};
pub use parse::{Changelog, Section, SectionKind};
pub use release::{
    insert_in_order, release, release_in_order, section_text, NotesSource, Release,
    NO_NOTABLE_CHANGES,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangelogError {
    #[error(
        "nothing to release for {version}: no notes were given and the changelog has no \
         Unreleased entries"
    )]
    NothingToRelease { version: Version },
    #[error(
        "the changelog already has a section for {version} (`## {heading}`) with different notes"
    )]
    VersionExists { version: Version, heading: String },
    #[error("release date {date:?} is not YYYY-MM-DD")]
    InvalidDate { date: String },
}

/// The body of exactly `version`'s section, trimmed; `None` when there is no such section.
/// Never falls back to another section (`1.0.1` does not match `## 1.0.10`).
pub fn extract(text: &str, version: &Version) -> Option<String> {
    let changelog = Changelog::parse(text);
    changelog
        .release(version)
        .map(|section| section.body.trim().to_owned())
}

/// The entries of the Unreleased section (possibly empty); `None` when there is no such section.
pub fn unreleased_notes(text: &str) -> Option<Notes> {
    Changelog::parse(text)
        .unreleased()
        .map(|section| Notes::from_section_body(section.body))
}

pub fn has_release(text: &str, version: &Version) -> bool {
    Changelog::parse(text).release(version).is_some()
}

/// The highest version that has a section (by semver order, not position in the file).
pub fn latest_release(text: &str) -> Option<Version> {
    Changelog::parse(text).releases().max().cloned()
}

/// Dates are written, never read from the clock: insist on the one format both tables use.
fn check_date(date: &str) -> Result<(), ChangelogError> {
    static DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}$").unwrap());
    if DATE.is_match(date) {
        Ok(())
    } else {
        Err(ChangelogError::InvalidDate {
            date: date.to_owned(),
        })
    }
}
