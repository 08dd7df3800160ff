//! `.secrets-allowlist`: findings a maintainer has judged harmless (the format is in
//! docs/secrets.md).
//!
//! One entry per line; `#` at the start of a line or after a blank starts a comment:
//! - `path` or `glob`: the matching files, and everything in matching folders (`tests/fixtures`);
//! - `path:line`: one line of one file;
//! - `rule-id glob`: one rule in the matching files (`private-key tests/fixtures/*.pem`);
//! - `sha256:HEX`: the secret whose SHA-256 starts with HEX (at least 8 hex digits; every
//!   finding prints its fingerprint), wherever it appears.

use crate::rules;

/// The file name, at the project root.
pub const FILE_NAME: &str = ".secrets-allowlist";

const FINGERPRINT_PREFIX: &str = "sha256:";
const MIN_FINGERPRINT_HEX: usize = 8;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{FILE_NAME}:{line}: {message}")]
pub struct AllowlistError {
    pub line: usize,
    pub message: String,
}

/// Parsed allowlist entries; the default allows nothing.
#[derive(Debug, Default, Clone)]
pub struct Allowlist {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Path(String),
    PathLine { path: String, line: usize },
    RuleInPath { rule: &'static str, path: String },
    Fingerprint(String),
}

/// What the allowlist is asked about: one finding, before it is redacted.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub rule: &'a str,
    pub path: &'a str,
    pub line: usize,
    /// Full lowercase hex SHA-256 of the secret.
    pub sha256: &'a str,
}

impl Allowlist {
    pub fn parse(text: &str) -> Result<Allowlist, AllowlistError> {
        let entries = text
            .lines()
            .enumerate()
            .map(|(index, line)| (index + 1, strip_comment(line).trim()))
            .filter(|(_, line)| !line.is_empty())
            .map(|(number, line)| {
                parse_entry(line).map_err(|message| AllowlistError {
                    line: number,
                    message,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Allowlist { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn allows(&self, candidate: Candidate<'_>) -> bool {
        self.entries.iter().any(|entry| entry.allows(candidate))
    }
}

impl Entry {
    fn allows(&self, candidate: Candidate<'_>) -> bool {
        match self {
            Entry::Path(pattern) => matches_file_or_folder(pattern, candidate.path),
            Entry::PathLine { path, line } => path == candidate.path && *line == candidate.line,
            Entry::RuleInPath { rule, path } => {
                *rule == candidate.rule && matches_file_or_folder(path, candidate.path)
            }
            Entry::Fingerprint(prefix) => candidate.sha256.starts_with(prefix.as_str()),
        }
    }
}

/// The line without its comment: `#` at the start or after a blank.
fn strip_comment(line: &str) -> &str {
    let starts_comment = |(index, c): &(usize, char)| {
        *c == '#' && (*index == 0 || line[..*index].ends_with(char::is_whitespace))
    };
    match line.char_indices().find(starts_comment) {
        Some((index, _)) => &line[..index],
        None => line,
    }
}

/// `pattern` names the file or one of the folders it is in (`tests/fixtures` covers
/// `tests/fixtures/a/key.pem`).
fn matches_file_or_folder(pattern: &str, path: &str) -> bool {
    let folders = path.match_indices('/').map(|(end, _)| &path[..end]);
    std::iter::once(path)
        .chain(folders)
        .any(|candidate| pathglob::matches(pattern, candidate))
}

fn parse_entry(line: &str) -> Result<Entry, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [single] => parse_single(single),
        [rule_id, path] => match rules::rule(rule_id) {
            Some(rule) => Ok(Entry::RuleInPath { rule: rule.id, path: path_pattern(path) }),
            None => Err(format!(
                "unknown rule id {rule_id:?} in `rule-id path-glob` (rule ids: {})",
                rules::RULES.iter().map(|rule| rule.id).collect::<Vec<_>>().join(", ")
            )),
        },
        _ => Err(format!(
            "cannot read {line:?}: expected `path`, `path:line`, `rule-id path-glob` or `sha256:HEX`"
        )),
    }
}

fn parse_single(word: &str) -> Result<Entry, String> {
    if let Some(hex) = word.strip_prefix(FINGERPRINT_PREFIX) {
        let hex = hex.to_ascii_lowercase();
        if hex.len() < MIN_FINGERPRINT_HEX
            || hex.len() > 64
            || !hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(format!(
                "fingerprint {word:?} must be `sha256:` and {MIN_FINGERPRINT_HEX} to 64 hex digits"
            ));
        }
        return Ok(Entry::Fingerprint(hex));
    }
    if let Some((path, line)) = word.rsplit_once(':') {
        if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) {
            let line = line
                .parse()
                .map_err(|_| format!("line number {line:?} is too large"))?;
            return Ok(Entry::PathLine {
                path: normalize(path),
                line,
            });
        }
    }
    Ok(Entry::Path(path_pattern(word)))
}

/// `dir/` is the folder `dir`.
fn path_pattern(path: &str) -> String {
    normalize(path).trim_end_matches('/').to_string()
}

fn normalize(path: &str) -> String {
    path.trim_start_matches("./").replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "3f2a9c10d4e5b6a7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5";

    fn candidate<'a>(rule: &'a str, path: &'a str, line: usize) -> Candidate<'a> {
        Candidate {
            rule,
            path,
            line,
            sha256: HASH,
        }
    }

    #[test]
    fn each_entry_kind_allows_what_it_names_and_nothing_else() {
        let allow = Allowlist::parse(
            "# comment\n\ntests/fixtures/  # fakes\nsrc/config.py:12\nprivate-key docs/**/*.md\nsha256:3F2A9C10\n",
        )
        .unwrap();
        assert_eq!(allow.len(), 4);
        assert!(allow.allows(candidate("github-token", "tests/fixtures/a/b.txt", 1)));
        assert!(allow.allows(candidate("github-token", "src/config.py", 12)));
        assert!(allow.allows(candidate("private-key", "docs/x/y.md", 3)));
        let folder = Allowlist::parse("tests/fixtures").unwrap();
        assert!(folder.allows(candidate("github-token", "tests/fixtures/a/b.txt", 1)));
        assert!(!folder.allows(candidate("github-token", "tests/fixtures-old/b.txt", 1)));
        let other_hash = Candidate {
            sha256: "00",
            ..candidate("github-token", "src/config.py", 13)
        };
        assert!(!allow.allows(other_hash));
        assert!(!allow.allows(Candidate {
            sha256: "00",
            ..candidate("github-token", "docs/x/y.md", 3)
        }));
        assert!(
            allow.allows(candidate("github-token", "anywhere.txt", 99)),
            "fingerprint"
        );
    }

    #[test]
    fn bad_entries_are_rejected_with_their_line() {
        let err = Allowlist::parse("ok.txt\nno-such-rule src/*.py\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.to_string()
                .starts_with(".secrets-allowlist:2: unknown rule id \"no-such-rule\""),
            "{err}"
        );
        assert_eq!(Allowlist::parse("sha256:abc").unwrap_err().line, 1);
        assert_eq!(Allowlist::parse("a b c").unwrap_err().line, 1);
    }

    #[test]
    fn empty_allowlist_allows_nothing() {
        assert!(!Allowlist::default().allows(candidate("github-token", "a", 1)));
    }
}
