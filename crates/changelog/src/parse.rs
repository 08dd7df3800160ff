//! Splitting a changelog into its `## ` sections.

use std::ops::Range;
use std::sync::LazyLock;

use regex_lite::Regex;
use semver::Version;

/// A changelog split into preamble, `## ` sections and a footer of link references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changelog<'a> {
    /// The title and introduction before the first section (the whole file when there is none).
    pub preamble: Range<usize>,
    pub sections: Vec<Section<'a>>,
    /// Trailing link reference definitions (`[1.0.0]: https://…`), which belong to no section.
    pub footer: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    pub kind: SectionKind,
    /// The heading text after `## `, trimmed.
    pub heading: &'a str,
    /// From the heading line's start to the next section (or the footer, or the end).
    pub range: Range<usize>,
    /// Everything after the heading line, untrimmed.
    pub body: &'a str,
    pub body_range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionKind {
    /// `## Unreleased` or `## [Unreleased]`.
    Unreleased,
    /// `## Version 1.2.3 - 2024-01-31`, `## [1.2.3] - 2024-01-31`, `## v1.2.3`, …
    Release {
        version: Version,
        date: Option<String>,
    },
    /// Anything else, such as codemate-hub's `## Snapshot 2024-12-01`.
    Other,
}

impl<'a> Changelog<'a> {
    /// Never fails: text that is not a section is preamble or body.
    pub fn parse(text: &'a str) -> Changelog<'a> {
        let headings: Vec<(Range<usize>, &str)> = lines(text)
            .filter(|line| !line.in_fence)
            .filter_map(|line| Some((line.range.clone(), heading_text(line.content)?)))
            .collect();
        let footer_start = footer_start(text, headings.last().map_or(0, |(line, _)| line.end));

        let section_starts = headings.iter().map(|(line, _)| line.start).skip(1);
        let section_ends = section_starts.chain(std::iter::once(footer_start));
        let sections = headings
            .iter()
            .zip(section_ends)
            .map(|((line, heading), end)| Section {
                kind: SectionKind::of_heading(heading),
                heading,
                range: line.start..end,
                body: &text[line.end..end],
                body_range: line.end..end,
            })
            .collect::<Vec<_>>();
        let preamble_end = sections
            .first()
            .map_or(footer_start, |section| section.range.start);
        Changelog {
            preamble: 0..preamble_end,
            sections,
            footer: footer_start..text.len(),
        }
    }

    pub fn unreleased(&self) -> Option<&Section<'a>> {
        self.sections
            .iter()
            .find(|section| section.kind == SectionKind::Unreleased)
    }

    /// The first section for exactly `version` (semver equality: `1.0.1` never matches `1.0.10`).
    pub fn release(&self, version: &Version) -> Option<&Section<'a>> {
        self.sections
            .iter()
            .find(|section| section.version() == Some(version))
    }

    pub fn releases(&self) -> impl Iterator<Item = &Version> + '_ {
        self.sections.iter().filter_map(Section::version)
    }
}

impl Section<'_> {
    pub fn version(&self) -> Option<&Version> {
        match &self.kind {
            SectionKind::Release { version, .. } => Some(version),
            _ => None,
        }
    }
}

impl SectionKind {
    fn of_heading(heading: &str) -> SectionKind {
        static UNRELEASED: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"(?i)^\[?\s*unreleased\s*\]?(?:[^\w].*)?$").unwrap());
        static RELEASE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"(?ix)^
                (?:version|release)?\s*
                \[?\s*v?(?P<version>\d+\.\d+\.\d+(?:-[0-9a-z.-]+)?(?:\+[0-9a-z.-]+)?)\s*
                (?:\](?:\([^)]*\))?)?  # `]`, maybe with a link target: [1.2.3](https://…)
                (?P<rest>[^\w.].*)?$",
            )
            .unwrap()
        });
        static DATE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"\b\d{4}-\d{2}-\d{2}\b").unwrap());

        if UNRELEASED.is_match(heading) {
            return SectionKind::Unreleased;
        }
        let Some(captures) = RELEASE.captures(heading) else {
            return SectionKind::Other;
        };
        let Ok(version) = Version::parse(&captures["version"]) else {
            return SectionKind::Other;
        };
        let rest = captures.name("rest").map_or("", |rest| rest.as_str());
        let date = DATE.find(rest).map(|date| date.as_str().to_owned());
        SectionKind::Release { version, date }
    }
}

/// `## Heading ##` → `Heading`; `None` for any other line (including `###`).
fn heading_text(line: &str) -> Option<&str> {
    let heading = line.strip_prefix("##")?;
    if !(heading.is_empty() || heading.starts_with([' ', '\t'])) {
        return None;
    }
    Some(heading.trim().trim_end_matches('#').trim_end())
}

/// The start of the trailing run of link reference definitions, or `text.len()`.
fn footer_start(text: &str, after: usize) -> usize {
    static LINK_REFERENCE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^ {0,3}\[[^\]]+\]:\s*\S").unwrap());
    let mut start = text.len();
    for line in lines(text).collect::<Vec<_>>().into_iter().rev() {
        if line.range.start < after || line.in_fence {
            break;
        }
        if LINK_REFERENCE.is_match(line.content) {
            start = line.range.start;
        } else if !line.content.trim().is_empty() {
            break;
        }
    }
    start
}

pub(crate) struct Line<'a> {
    /// The line without its terminator (`\n` or `\r\n`).
    pub(crate) content: &'a str,
    /// The line including its terminator.
    pub(crate) range: Range<usize>,
    /// Inside a fenced code block, or one of its fences.
    pub(crate) in_fence: bool,
}

/// The lines of `text` with their byte ranges and whether they belong to a fenced code block.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = Line<'_>> + '_ {
    let mut open_fence: Option<(char, usize)> = None;
    text.split_inclusive('\n').scan(0, move |offset, raw| {
        let range = *offset..*offset + raw.len();
        *offset = range.end;
        let content = raw.strip_suffix('\n').unwrap_or(raw);
        let content = content.strip_suffix('\r').unwrap_or(content);
        let fence = fence_marker(content);
        let in_fence = match (open_fence, fence) {
            (None, Some(marker)) => {
                open_fence = Some(marker);
                true
            }
            (Some((open_char, open_len)), Some((char, len)))
                if char == open_char && len >= open_len && is_bare_fence(content) =>
            {
                open_fence = None;
                true
            }
            (open, _) => open.is_some(),
        };
        Some(Line {
            content,
            range,
            in_fence,
        })
    })
}

/// A fence line: up to three spaces, then at least three backticks or tildes.
fn fence_marker(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let trimmed = &line[indent..];
    let char = trimmed.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = trimmed.len() - trimmed.trim_start_matches(char).len();
    (len >= 3).then_some((char, len))
}

/// Closing fences carry no info string.
fn is_bare_fence(line: &str) -> bool {
    line.trim().chars().all(|c| matches!(c, '`' | '~'))
}
