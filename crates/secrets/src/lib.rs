//! Secret scanning: a rule set for tokens and keys, redacted findings with file:line, an allowlist.
//!
//! The core is sans-IO: [`scan`] takes a file's text and returns its findings. [`scan_files`]
//! reads files from disk around it (skipping binary and large files). A [`Finding`] never holds
//! the secret: only its first characters ([`redact`]) and a SHA-256 fingerprint prefix.
//!
//! Formats and rules are documented in docs/secrets.md.

mod allowlist;
mod anchors;
mod decode;
mod files;
mod rules;

use std::fmt;

use sha2::{Digest, Sha256};

pub use allowlist::{Allowlist, AllowlistError, Candidate, FILE_NAME as ALLOWLIST_FILE};
pub use files::{load_allowlist, scan_files, Error, TreeScan, MAX_FILE_SIZE};
pub use rules::{rule, Rule, RULES};

/// A line that contains this marker (in any comment syntax) is never reported.
pub const INLINE_ALLOW: &str = "secrets:allow";

/// Hex digits of the SHA-256 fingerprint a finding shows (enough to allowlist it).
const FINGERPRINT_HEX: usize = 16;

/// One secret found: where, by which rule, and a redacted preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// The secret's first characters then `…`; never the whole secret.
    pub redacted: String,
    /// `sha256:` and the first hex digits of the secret's SHA-256, for `.secrets-allowlist`.
    pub fingerprint: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} {} ({})",
            self.path, self.line, self.rule, self.redacted, self.fingerprint
        )
    }
}

/// The findings in one file's `text`, minus those the allowlist or an inline
/// [`INLINE_ALLOW`] comment allow. `path_for_report` is the path findings and the allowlist use.
pub fn scan(path_for_report: &str, text: &str, allow: &Allowlist) -> Vec<Finding> {
    let compiled = rules::compiled();
    let lower = anchors::lower_case(text);
    let matches = RULES.iter().enumerate().map(|(index, _)| {
        let regions = compiled.finders[index].regions(text, &lower);
        matches_in(&compiled.regexes[index], text, regions)
    });
    findings(path_for_report, text, allow, matches)
}

/// The matches of `regex` that start in one of `regions` (in order, not overlapping), each
/// searched with the text before it in view, so `\b` sees what precedes the region.
fn matches_in<'t>(
    regex: &regex_lite::Regex,
    text: &'t str,
    regions: Vec<std::ops::Range<usize>>,
) -> Vec<regex_lite::Captures<'t>> {
    let mut found = Vec::new();
    let mut from = 0;
    for region in regions {
        let haystack = &text[..region.end];
        let mut at = region.start.max(from);
        while at < region.end {
            let Some(captures) = regex.captures_at(haystack, at) else {
                break;
            };
            let whole = captures.get(0).expect("group 0 is the match");
            // Every rule's match is at least one character: no empty-match stepping needed.
            at = whole.end().max(at + 1);
            from = whole.end();
            found.push(captures);
        }
    }
    found
}

/// Turns each rule's matches (in [`RULES`] order) into findings: a match overlapping an
/// earlier rule's finding is the same secret seen twice; the rule's check, the inline marker
/// and the allowlist drop the rest.
fn findings<'t>(
    path_for_report: &str,
    text: &'t str,
    allow: &Allowlist,
    matches: impl Iterator<Item = Vec<regex_lite::Captures<'t>>>,
) -> Vec<Finding> {
    let mut lines: Option<LineIndex> = None;
    let mut claimed: Vec<std::ops::Range<usize>> = Vec::new();
    let mut findings = Vec::new();
    for (rule, captures_of_rule) in RULES.iter().zip(matches) {
        for captures in captures_of_rule {
            let whole = captures.get(0).unwrap();
            let secret = rules::secret(&captures);
            if claimed
                .iter()
                .any(|span| span.start < secret.end() && secret.start() < span.end)
            {
                continue;
            }
            if !rule.accepts(&captures) {
                continue;
            }
            claimed.push(secret.range());
            let lines = lines.get_or_insert_with(|| LineIndex::new(text));
            let line = lines.line_of(whole.start());
            if lines.any_line_contains(text, whole.start()..secret.end(), INLINE_ALLOW) {
                continue;
            }
            let sha256 = sha256_hex(&rules::canonical(rule, secret.as_str()));
            let candidate = Candidate {
                rule: rule.id,
                path: path_for_report,
                line,
                sha256: &sha256,
            };
            if allow.allows(candidate) {
                continue;
            }
            findings.push(Finding {
                rule: rule.id,
                path: path_for_report.to_string(),
                line,
                redacted: redact(secret.as_str()),
                fingerprint: format!("sha256:{}", &sha256[..FINGERPRINT_HEX]),
            });
        }
    }
    findings.sort_by(|a, b| (a.line, a.rule).cmp(&(b.line, b.rule)));
    findings
}

/// [`scan`] with every rule's regex run over the whole text: the reference the anchored scan
/// must agree with.
#[cfg(test)]
fn scan_whole_text(path_for_report: &str, text: &str, allow: &Allowlist) -> Vec<Finding> {
    let compiled = rules::compiled();
    let matches = compiled
        .regexes
        .iter()
        .map(|regex| regex.captures_iter(text).collect());
    findings(path_for_report, text, allow, matches)
}

/// At most the first 4 characters then `…`, and fewer for short secrets (a third of them at
/// most), so a preview never gives much of the secret away.
pub fn redact(secret: &str) -> String {
    let chars = secret.chars().count();
    let keep = (chars / 3).min(4);
    let prefix: String = secret.chars().take(keep).collect();
    format!("{prefix}…")
}

fn sha256_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Byte offsets of line starts, to turn match offsets into 1-based line numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }

    /// True when one of the lines the byte range touches contains `needle`.
    fn any_line_contains(&self, text: &str, range: std::ops::Range<usize>, needle: &str) -> bool {
        let first = self.line_of(range.start) - 1;
        let last = self.line_of(range.end.saturating_sub(1).max(range.start)) - 1;
        (first..=last).any(|index| {
            let start = self.starts[index];
            let end = self.starts.get(index + 1).copied().unwrap_or(text.len());
            text[start..end].contains(needle)
        })
    }
}

#[cfg(test)]
mod tests;
