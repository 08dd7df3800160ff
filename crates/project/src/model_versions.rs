//! docs/MODEL_VERSIONS.md, the model registry of the checklist: its "Current Production Models
//! (vX.Y.Z)" section (one `- <model> (SHA256: <64 hex>)` line per default, extra facts after
//! it) and its "Previous Versions" list, read and rewritten leaving every other byte as it was.
//! Text in, text out: it serves the file at any git revision.

use std::ops::Range;

use regex_lite::Regex;
use semver::Version;

pub const MODEL_VERSIONS: &str = "docs/MODEL_VERSIONS.md";
const CURRENT: &str = "### Current Production Models";
const PREVIOUS: &str = "### Previous Versions";
const HISTORY: &str = "## Model Version History";
const PINNED: &str = "### Pinned Models";

/// A line of the file that cannot be read as the checklist's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{MODEL_VERSIONS}:{line}: {why}")]
pub struct RegistryError {
    pub line: usize,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub current: Option<Current>,
    pub previous: Option<Previous>,
}

/// The "Current Production Models (vX.Y.Z)" section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub version: Version,
    /// 1-based line of the heading.
    pub line: usize,
    /// From the heading to the end of its last non-blank line (with its newline).
    pub range: Range<usize>,
    pub entries: Vec<Entry>,
}

/// `- <model> (SHA256: <hex>)<extra>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub model: String,
    /// 64 lowercase hex.
    pub digest: String,
    pub line: usize,
    /// `recorded YYYY-MM-DD` among the extra facts, if any.
    pub recorded: Option<String>,
    /// The whole line, without its newline.
    pub text: String,
}

/// The "Previous Versions" list: where a new first line goes, and the versions it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous {
    pub insert_at: usize,
    pub versions: Vec<String>,
}

/// A model to record: what Ollama says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub model: String,
    pub digest: String,
    /// Extra facts shown after the digest (size, quantization).
    pub facts: Vec<String>,
}

struct Line<'a> {
    number: usize,
    range: Range<usize>,
    text: &'a str,
    in_fence: bool,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let (mut start, mut fence) = (0, false);
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let content = raw.trim_end_matches(['\n', '\r']);
        let toggles = content.trim_start().starts_with("```");
        out.push(Line {
            number: index + 1,
            range: start..start + raw.len(),
            text: content,
            in_fence: fence || toggles,
        });
        if toggles {
            fence = !fence;
        }
        start += raw.len();
    }
    out
}

fn is_heading(line: &Line) -> bool {
    !line.in_fence && line.text.starts_with('#')
}

/// Reads the registry. A current heading without a version, or a list line in the current
/// section that is not `- <model> (SHA256: <64 hex>)`, is an error naming the line.
pub fn parse(text: &str) -> Result<Registry, RegistryError> {
    let all = lines(text);
    let entry =
        Regex::new(r"^\s*[-*]\s+`?([A-Za-z0-9][\w./:-]*)`?\s+\(SHA256:\s*([^)\s]*)\s*\)(.*)$")
            .unwrap();
    let recorded = Regex::new(r"recorded (\d{4}-\d{2}-\d{2})").unwrap();
    let mut registry = Registry {
        current: None,
        previous: None,
    };
    for (index, line) in all.iter().enumerate() {
        if !is_heading(line) {
            continue;
        }
        let body: Vec<&Line> = all[index + 1..]
            .iter()
            .take_while(|l| !is_heading(l))
            .collect();
        if line.text.starts_with(CURRENT) && registry.current.is_none() {
            let version = line
                .text
                .rsplit_once('(')
                .and_then(|(_, v)| v.strip_suffix(')'))
                .map(|v| v.trim().trim_start_matches('v'))
                .and_then(|v| Version::parse(v).ok())
                .ok_or_else(|| RegistryError {
                    line: line.number,
                    why: format!(
                        "`{}` names no version: write `{CURRENT} (vX.Y.Z)` with a real version",
                        line.text
                    ),
                })?;
            let mut entries = Vec::new();
            for l in &body {
                let trimmed = l.text.trim_start();
                if !(trimmed.starts_with("- ") || trimmed.starts_with("* ")) {
                    continue;
                }
                let bad = |why: &str| RegistryError {
                    line: l.number,
                    why: format!("`{}` {why}", l.text.trim()),
                };
                let c = entry
                    .captures(l.text)
                    .ok_or_else(|| bad("is not `- <model> (SHA256: <64 hex>)`"))?;
                let digest = c[2].to_ascii_lowercase();
                if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad("has no 64-hex SHA-256 digest (a placeholder?)"));
                }
                entries.push(Entry {
                    model: c[1].to_string(),
                    digest,
                    line: l.number,
                    recorded: recorded.captures(&c[3]).map(|d| d[1].to_string()),
                    text: l.text.to_string(),
                });
            }
            let end = body
                .iter()
                .rev()
                .find(|l| !l.text.trim().is_empty())
                .map_or(line.range.end, |l| l.range.end);
            registry.current = Some(Current {
                version,
                line: line.number,
                range: line.range.start..end,
                entries,
            });
        } else if line.text.starts_with(PREVIOUS) && registry.previous.is_none() {
            let first_item = body.iter().find(|l| l.text.trim_start().starts_with("- "));
            let insert_at = match first_item {
                Some(l) => l.range.start,
                None => line.range.end,
            };
            let versions = body
                .iter()
                .filter_map(|l| l.text.trim_start().strip_prefix("- "))
                .filter_map(|item| item.split(':').next())
                .map(|v| v.trim().to_string())
                .collect();
            registry.previous = Some(Previous {
                insert_at,
                versions,
            });
        }
    }
    Ok(registry)
}

/// The file with its current section for `version` holding `records`: a line that already says
/// the same model and digest is kept as it is (with the date it was first recorded); an older
/// current section becomes the first line of "Previous Versions" (`- v0.4.0: a:1, b:2`); every
/// other byte stays. A file without a current section gets one (under "Model Version History").
pub fn with_current(
    text: &str,
    version: &Version,
    records: &[Record],
    date: &str,
) -> Result<String, RegistryError> {
    let registry = parse(text)?;
    let kept = |record: &Record| {
        registry.current.as_ref().and_then(|c| {
            c.entries
                .iter()
                .find(|e| e.model == record.model && e.digest == record.digest)
                .map(|e| e.text.clone())
        })
    };
    let mut section = format!("{CURRENT} (v{version})\n");
    for record in records {
        let line = kept(record).unwrap_or_else(|| {
            let mut facts = record.facts.clone();
            facts.push(format!("recorded {date}"));
            format!(
                "- {} (SHA256: {}), {}",
                record.model,
                record.digest,
                facts.join(", ")
            )
        });
        section.push_str(&line);
        section.push('\n');
    }
    let Some(current) = &registry.current else {
        return Ok(match text.find(&format!("{HISTORY}\n")) {
            Some(at) => {
                let after = at + HISTORY.len() + 1;
                let mut out = text.to_string();
                out.insert_str(after, &format!("\n{section}"));
                out
            }
            None => {
                let sep = if text.is_empty() || text.ends_with("\n\n") {
                    ""
                } else if text.ends_with('\n') {
                    "\n"
                } else {
                    "\n\n"
                };
                format!("{text}{sep}{HISTORY}\n\n{section}")
            }
        });
    };
    let mut out = String::with_capacity(text.len() + section.len());
    out.push_str(&text[..current.range.start]);
    out.push_str(&section);
    let rest = &text[current.range.end..];
    let moved = current.version != *version
        && !registry.previous.as_ref().is_some_and(|p| {
            p.versions
                .iter()
                .any(|v| v.trim_start_matches('v') == current.version.to_string())
        });
    let previous_line = format!(
        "- v{}: {}\n",
        current.version,
        current
            .entries
            .iter()
            .map(|e| e.model.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    match (&registry.previous, moved) {
        (Some(previous), true) if previous.insert_at >= current.range.end => {
            let at = previous.insert_at - current.range.end;
            out.push_str(&rest[..at]);
            out.push_str(&previous_line);
            out.push_str(&rest[at..]);
        }
        (None, true) => {
            out.push_str(&format!("\n{PREVIOUS}\n{previous_line}"));
            out.push_str(rest);
        }
        _ => out.push_str(rest),
    }
    Ok(out)
}

/// The names of the pins listed under "Pinned Models" (`- <pin> keeps <model> ...`): local
/// copies of replaced models that keep their blobs, so a release can be rolled back to them.
pub fn pins(text: &str) -> Vec<String> {
    let all = lines(text);
    let Some(start) = all
        .iter()
        .position(|l| is_heading(l) && l.text.starts_with(PINNED))
    else {
        return Vec::new();
    };
    all[start + 1..]
        .iter()
        .take_while(|l| !is_heading(l))
        .filter_map(|l| l.text.trim_start().strip_prefix("- "))
        .filter_map(|item| item.split_whitespace().next())
        .map(|pin| pin.trim_matches('`').to_string())
        .collect()
}

/// The file with `line` (`- <pin> keeps ...`) under "Pinned Models" (the section is added at the
/// end when missing); unchanged when the pin is listed already.
pub fn with_pin(text: &str, pin: &str, line: &str) -> String {
    if pins(text).iter().any(|p| p == pin) {
        return text.to_string();
    }
    let all = lines(text);
    match all
        .iter()
        .position(|l| is_heading(l) && l.text.starts_with(PINNED))
    {
        Some(start) => {
            let last = all[start + 1..]
                .iter()
                .take_while(|l| !is_heading(l))
                .filter(|l| !l.text.trim().is_empty())
                .last()
                .map_or(all[start].range.end, |l| l.range.end);
            let mut out = text.to_string();
            out.insert_str(last, &format!("{line}\n"));
            out
        }
        None => {
            let sep = if text.ends_with("\n\n") || text.is_empty() {
                ""
            } else if text.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{text}{sep}{PINNED}\n{line}\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(c: char) -> String {
        c.to_string().repeat(64)
    }

    fn doc() -> String {
        format!(
            "# Model Versions\n\n## Model Version History\n\n### Current Production Models (v0.4.0)\n\
             - qwen2.5-coder:7b-q4_0 (SHA256: {})\n- mistral:latest (SHA256: {})\n\n\
             ### Previous Versions\n- v0.3.0: qwen2.5-coder:7b, mistral:latest\n\n### Notes\nkept\n",
            hex('a'),
            hex('b')
        )
    }

    #[test]
    fn pins_are_listed_once() {
        let once = with_pin(
            &doc(),
            "mistral-pin:bbbbbbbbbbbb",
            "- mistral-pin:bbbbbbbbbbbb keeps mistral:latest",
        );
        assert!(
            once.ends_with(
                "kept\n\n### Pinned Models\n- mistral-pin:bbbbbbbbbbbb keeps mistral:latest\n"
            ),
            "{once}"
        );
        assert_eq!(with_pin(&once, "mistral-pin:bbbbbbbbbbbb", "- other"), once);
        let twice = with_pin(&once, "a-pin:1", "- a-pin:1 keeps a");
        assert_eq!(pins(&twice), ["mistral-pin:bbbbbbbbbbbb", "a-pin:1"]);
    }

    #[test]
    fn reads_the_current_section() {
        let registry = parse(&doc()).unwrap();
        let current = registry.current.unwrap();
        assert_eq!(current.version, Version::new(0, 4, 0));
        assert_eq!(current.entries[1].model, "mistral:latest");
        assert_eq!(current.entries[1].line, 7);
        assert_eq!(registry.previous.unwrap().versions, ["v0.3.0"]);
    }

    #[test]
    fn malformed_sections_name_the_line() {
        let placeholder = "### Current Production Models (v1.0.0)\n- a:1 (SHA256: abc123...)\n";
        let err = parse(placeholder).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("placeholder"), "{err}");
        let no_version = "### Current Production Models (vX.Y.Z)\n";
        assert_eq!(parse(no_version).unwrap_err().line, 1);
        let not_an_entry = "### Current Production Models (v1.0.0)\n- a:1 sha abc\n";
        assert!(parse(not_an_entry).is_err());
        // The checklist's own example, inside a code fence, is not the registry.
        assert_eq!(
            parse("```markdown\n### Current Production Models (vX.Y.Z)\n```\n")
                .unwrap()
                .current,
            None
        );
    }

    #[test]
    fn records_a_new_version_and_keeps_every_other_byte() {
        let records = [
            Record {
                model: "qwen2.5-coder:7b-q4_0".into(),
                digest: hex('a'),
                facts: vec!["4.7 GB".into()],
            },
            Record {
                model: "mistral:latest".into(),
                digest: hex('c'),
                facts: vec!["4.1 GB".into(), "Q4_0".into()],
            },
        ];
        let out = with_current(&doc(), &Version::new(0, 5, 0), &records, "2026-12-01").unwrap();
        let want = format!(
            "# Model Versions\n\n## Model Version History\n\n### Current Production Models (v0.5.0)\n\
             - qwen2.5-coder:7b-q4_0 (SHA256: {})\n- mistral:latest (SHA256: {}), 4.1 GB, Q4_0, recorded 2026-12-01\n\n\
             ### Previous Versions\n- v0.4.0: qwen2.5-coder:7b-q4_0, mistral:latest\n- v0.3.0: qwen2.5-coder:7b, mistral:latest\n\n### Notes\nkept\n",
            hex('a'),
            hex('c')
        );
        assert_eq!(out, want);
        // Again: nothing changes.
        assert_eq!(
            with_current(&out, &Version::new(0, 5, 0), &records, "2027-01-01").unwrap(),
            out
        );
        let fresh = with_current("# Models\n", &Version::new(1, 0, 0), &records[..1], "d").unwrap();
        assert!(fresh.starts_with("# Models\n\n## Model Version History\n\n### Current Production Models (v1.0.0)\n- qwen"));
    }
}
