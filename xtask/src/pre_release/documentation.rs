//! The documentation section of the Pre-Release Checklist.
//!
//! - `doc-references`: every script, Python file and relative link that README.md and docs/
//!   name exists.
//! - `migration-guide`: a MAJOR bump comes with a migration guide that mentions the new version.

use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use regex_lite::Regex;
use runner::{Log, Outcome, Status};
use semver::Version;

use super::{Env, Native};

/// The checks of this section implemented here, by id (see `super::NATIVE`).
pub const NATIVE: &[(&str, Native)] = &[
    ("doc-references", doc_references),
    ("migration-guide", migration_guide),
];

/// A pass that says what was checked: the runner's `Outcome::pass()` carries no reason.
pub(super) fn pass_because(reason: impl Into<String>) -> Outcome {
    Outcome {
        status: Status::Pass,
        reason: Some(reason.into()),
        blocked_by: None,
    }
}

/// Files below `project/dir` (recursively, hidden folders and caches left out) whose name ends
/// with `.extension`, relative to `project`, sorted.
pub(super) fn files_under(project: &Path, dir: &str, extension: &str) -> Vec<PathBuf> {
    fn walk(project: &Path, dir: &Path, extension: &str, found: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(project.join(dir)) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "__pycache__" || name == "node_modules" {
                continue;
            }
            let relative = dir.join(&*name);
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => walk(project, &relative, extension, found),
                Ok(_)
                    if Path::new(&*name)
                        .extension()
                        .is_some_and(|ext| ext == extension) =>
                {
                    found.push(relative)
                }
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    walk(project, Path::new(dir), extension, &mut found);
    found.sort();
    found
}

/// A path as the reports show it: relative, with `/`.
pub(super) fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

// ---------------------------------------------------------------------------------------------
// doc-references

fn doc_references(env: &Env, log: Log) -> Outcome {
    check_doc_references(&env.project, log)
}

fn check_doc_references(project: &Path, log: Log) -> Outcome {
    if !project.join("README.md").is_file() {
        return Outcome::fail("README.md is missing");
    }
    let mut documents = vec![PathBuf::from("README.md")];
    documents.extend(files_under(project, "docs", "md"));

    let mut checked = 0;
    let mut missing = Vec::new();
    for document in &documents {
        let text = match fs::read_to_string(project.join(document)) {
            Ok(text) => text,
            Err(err) => return Outcome::blocked(format!("reading {}: {err}", display(document))),
        };
        for reference in references(document, &text) {
            checked += 1;
            let exists = project.join(&reference.target).exists();
            let line = format!(
                "{}:{}: {}",
                display(document),
                reference.line,
                reference.written
            );
            writeln!(
                log,
                "{} {line} ({})",
                if exists { "ok     " } else { "MISSING" },
                reference.kind
            )
            .ok();
            if !exists {
                missing.push(line);
            }
        }
    }
    let files = documents.len();
    if missing.is_empty() {
        pass_because(format!(
            "all {checked} script, Python and link references in {files} markdown files exist"
        ))
    } else {
        Outcome::fail(format!(
            "{} of {checked} references name nothing: {}",
            missing.len(),
            missing.join("; ")
        ))
    }
}

/// Something a markdown file names that must exist.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    line: usize,
    /// Byte offset in the line, to report a line's references in reading order.
    column: usize,
    kind: ReferenceKind,
    /// As written in the document.
    written: String,
    /// Relative to the project root, `..` and `.` resolved.
    target: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReferenceKind {
    /// `./scripts/x.sh`, `src/x.py`: relative to the project root, like the commands that run them.
    Command,
    /// `[text](path)`: relative to the document's folder.
    Link,
}

impl std::fmt::Display for ReferenceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ReferenceKind::Command => "path from the project root",
            ReferenceKind::Link => "link from the file's folder",
        })
    }
}

/// A line holding this (`# doc-references:ignore` in a code block, `<!-- doc-references:ignore -->`
/// in prose) names nothing to check: for placeholders such as `nano src/affected_file.py`.
const IGNORE_MARKER: &str = "doc-references:ignore";

/// The references in one markdown `document` (a path relative to the project root).
/// In fenced code blocks only paths a command runs count ([`run_paths`]): a link there is not a
/// link, and a name in a comment or a file template is not a reference.
fn references(document: &Path, text: &str) -> Vec<Reference> {
    let folder = document.parent().unwrap_or(Path::new(""));
    let mut found: Vec<Reference> = Vec::new();
    let mut fence: Option<&str> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let marker = line.trim_start();
        if let Some(open) = fence {
            if marker.starts_with(open) {
                fence = None;
            } else if !line.contains(IGNORE_MARKER) {
                found.extend(run_paths(number, line));
            }
            continue;
        }
        if let Some(open) = ["```", "~~~"]
            .into_iter()
            .find(|open| marker.starts_with(open))
        {
            fence = Some(open);
            continue;
        }
        if line.contains(IGNORE_MARKER) {
            continue;
        }
        let (mut on_line, rest) = links(number, folder, line);
        on_line.extend(command_paths(number, &rest));
        on_line.sort_by_key(|reference| reference.column);
        found.extend(on_line);
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|reference| seen.insert((reference.line, reference.target.clone())));
    found
}

/// Links on `line`, and the line with their targets blanked so command paths inside a link
/// target are not read a second time relative to the project root.
fn links(number: usize, folder: &Path, line: &str) -> (Vec<Reference>, String) {
    static INLINE: OnceLock<Regex> = OnceLock::new();
    static DEFINITION: OnceLock<Regex> = OnceLock::new();
    let inline = INLINE.get_or_init(|| {
        Regex::new(r#"\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)"#).unwrap()
    });
    let definition =
        DEFINITION.get_or_init(|| Regex::new(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)").unwrap());

    let code = code_spans(line);
    let mut rest = line.to_string();
    let mut found = Vec::new();
    for captures in inline
        .captures_iter(line)
        .chain(definition.captures_iter(line))
    {
        let target = captures.get(1).unwrap();
        if code.iter().any(|span| span.contains(&target.start())) {
            continue;
        }
        rest.replace_range(target.range(), &" ".repeat(target.len()));
        let written = target
            .as_str()
            .trim_start_matches('<')
            .trim_end_matches('>');
        if let Some(path) = local_link_path(written) {
            let base = if path.starts_with('/') {
                Path::new("")
            } else {
                folder
            };
            found.push(Reference {
                line: number,
                column: target.start(),
                kind: ReferenceKind::Link,
                written: written.to_string(),
                target: normalize(&base.join(path.trim_start_matches('/'))),
            });
        }
    }
    (found, rest)
}

/// Byte ranges of the inline code spans of `line` (`` `code` ``, ``` ``co`de`` ```): a link
/// written there is shown, not followed.
fn code_spans(line: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = line.as_bytes();
    let run_at = |start: usize| bytes[start..].iter().take_while(|&&b| b == b'`').count();
    let mut spans = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'`' {
            index += 1;
            continue;
        }
        let opening = run_at(index);
        let content = index + opening;
        // The span closes at the next run of exactly as many backticks.
        let mut probe = content;
        let mut close = None;
        while probe < bytes.len() {
            let run = if bytes[probe] == b'`' {
                run_at(probe)
            } else {
                0
            };
            if run == opening {
                close = Some(probe);
                break;
            }
            probe += run.max(1);
        }
        match close {
            Some(close) => {
                spans.push(content..close);
                index = close + opening;
            }
            None => index = content,
        }
    }
    spans
}

/// The file part of a link that points into the project; `None` for URLs (any scheme,
/// `mailto:` included), protocol-relative `//host`, and `#anchor`s within the page.
fn local_link_path(target: &str) -> Option<String> {
    static SCHEME: OnceLock<Regex> = OnceLock::new();
    let scheme = SCHEME.get_or_init(|| Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:").unwrap());
    if target.starts_with("//") || scheme.is_match(target) {
        return None;
    }
    let path = target.split(['#', '?']).next().unwrap_or_default();
    (!path.is_empty()).then(|| path.replace("%20", " "))
}

/// `./scripts/x.sh`, `scripts/x.sh`, `src/x.py`, `tests/unit/test_x.py` — paths a command in
/// the docs would run, so relative to the project root.
fn command_paths(number: usize, line: &str) -> Vec<Reference> {
    static PATH: OnceLock<Regex> = OnceLock::new();
    let path = PATH.get_or_init(|| {
        // The left context excludes URLs (`/`), `../x`, `~/x` and `$VAR/x`: those are not
        // project paths, or not ones we can resolve.
        Regex::new(r"(?:^|[^\w/.\-~$])((?:\./)?(?:scripts/[\w.\-/]*\.sh|(?:[\w\-]+/)+[\w\-]+\.py))")
            .unwrap()
    });
    path.captures_iter(line)
        .map(|captures| captures.get(1).unwrap())
        .filter(|m| !continues_as_longer_name(&line[m.end()..]))
        .map(|m| Reference {
            line: number,
            column: m.start(),
            kind: ReferenceKind::Command,
            written: m.as_str().to_string(),
            target: normalize(Path::new(m.as_str())),
        })
        .collect()
}

/// The paths a shell line of a code block runs: a script invoked (`./scripts/x.sh`), the
/// arguments of `python`, `pytest`, `bash`/`sh`, `source`/`.` (also behind `uv run`,
/// `poetry run`, `docker exec CONTAINER`, `docker compose exec|run SERVICE`, `sudo`, `VAR=x`).
/// Comments (`# tests/test_x.py` heading a template) and other lines (code) name nothing.
fn run_paths(number: usize, line: &str) -> Vec<Reference> {
    let code = line.split(" #").next().unwrap_or_default();
    let trimmed = code.trim_start();
    if trimmed.starts_with('#') {
        return Vec::new();
    }
    let prompt = trimmed.strip_prefix("$ ").map_or(0, |_| 2);
    let mut found = Vec::new();
    let mut start = code.len() - trimmed.len() + prompt;
    for (at, separator) in code
        .match_indices(['&', '|', ';'])
        .chain(std::iter::once((code.len(), "")))
    {
        if at < start {
            continue;
        }
        let segment = &code[start..at];
        if runs_paths(segment) {
            found.extend(
                command_paths(number, segment)
                    .into_iter()
                    .map(|r| Reference {
                        column: r.column + start,
                        ..r
                    }),
            );
        }
        start = at + separator.len();
    }
    found
}

/// True when a shell command's program runs the paths it names.
fn runs_paths(segment: &str) -> bool {
    let words: Vec<&str> = segment.split_whitespace().collect();
    let mut i = 0;
    let skip_options = |i: &mut usize| {
        while words.get(*i).is_some_and(|w| w.starts_with('-')) {
            *i += 1;
        }
    };
    loop {
        match words.get(i).copied() {
            Some(w) if w.contains('=') && !w.starts_with('-') && !w.contains('/') => i += 1,
            Some("sudo" | "time" | "exec" | "env" | "nohup" | "command") => i += 1,
            Some("uv" | "poetry" | "pipenv" | "hatch" | "pdm")
                if words.get(i + 1) == Some(&"run") =>
            {
                i += 2;
                skip_options(&mut i);
            }
            Some("docker") => {
                i += 1;
                if words.get(i) == Some(&"compose") {
                    i += 1;
                }
                if !matches!(words.get(i).copied(), Some("exec" | "run")) {
                    return false;
                }
                i += 1;
                skip_options(&mut i);
                i += 1; // the container or service
            }
            _ => break,
        }
    }
    match words.get(i).copied() {
        Some(program) => {
            let name = program.rsplit('/').next().unwrap_or(program);
            matches!(name, "pytest" | "bash" | "sh" | "zsh" | "source" | ".")
                || name.starts_with("python")
                || (program.contains('/') && program.ends_with(".sh"))
                || (program.contains('/') && program.ends_with(".py"))
        }
        None => false,
    }
}

/// `x.pyc`, `x.sh.bak` are longer names than `x.py`, `x.sh`; a sentence's full stop is not.
fn continues_as_longer_name(after: &str) -> bool {
    let is_name_char = |c: char| c.is_alphanumeric() || c == '_';
    after.starts_with(is_name_char)
        || after
            .strip_prefix('.')
            .is_some_and(|rest| rest.starts_with(is_name_char))
}

/// Resolves `.` and `..` without touching the file system (the file may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// migration-guide

fn migration_guide(env: &Env, log: Log) -> Outcome {
    check_migration_guide(&env.project, env.target.as_ref(), log)
}

fn check_migration_guide(project: &Path, target: Option<&Version>, log: Log) -> Outcome {
    let versions = match release_versions(project, target) {
        Ok(versions) => versions,
        Err(outcome) => return outcome,
    };
    let Some(Bump {
        from,
        from_source,
        to,
        to_source,
    }) = versions
    else {
        return pass_because(
            "not a major bump: no --version given and no release tag, so no bump to check",
        );
    };
    writeln!(log, "from {from} ({from_source}) to {to} ({to_source})").ok();
    if to.major <= from.major {
        return pass_because(format!(
            "not a major bump: {from} ({from_source}) → {to} ({to_source})"
        ));
    }

    let guides = migration_guides(project);
    writeln!(
        log,
        "migration guides found: {}",
        if guides.is_empty() {
            "none".into()
        } else {
            join(&guides)
        }
    )
    .ok();
    let mentioning = guides.iter().find(|guide| {
        fs::read_to_string(project.join(guide)).is_ok_and(|text| mentions_version(&text, &to))
    });
    match mentioning {
        Some(guide) => pass_because(format!(
            "major bump {from} → {to}: {} mentions {to}",
            display(guide)
        )),
        None if guides.is_empty() => Outcome::fail(format!(
            "major bump {from} → {to} needs a migration guide (MIGRATION.md, docs/MIGRATION*.md or \
             docs/migration*/): none found"
        )),
        None => Outcome::fail(format!(
            "major bump {from} → {to} needs a migration guide that mentions {to}: {} do not",
            join(&guides)
        )),
    }
}

struct Bump {
    from: Version,
    from_source: String,
    to: Version,
    to_source: String,
}

/// The version released last and the one about to be: the latest `vX.Y.Z` tag (else the
/// pyproject version) and `--version` (else the pyproject version, when a tag exists).
/// `Ok(None)` when there is nothing to compare.
fn release_versions(project: &Path, target: Option<&Version>) -> Result<Option<Bump>, Outcome> {
    let repo = git::Repo::new(project);
    let tag = if repo.is_repo() {
        repo.latest_release_tag()
            .map_err(|err| Outcome::blocked(format!("reading release tags: {err}")))?
    } else {
        None
    };
    let pyproject = || -> Result<Version, Outcome> {
        let text = project::read(project, "pyproject.toml")
            .map_err(|err| Outcome::blocked(err.to_string()))?;
        project::version::Pyproject::parse(&text)
            .and_then(|pyproject| pyproject.version())
            .map_err(|err| Outcome::blocked(err.to_string()))
    };
    let bump = match (tag, target) {
        (Some((from, tag)), Some(to)) => Some(Bump {
            from,
            from_source: format!("latest tag {tag}"),
            to: to.clone(),
            to_source: "--version".into(),
        }),
        (Some((from, tag)), None) => Some(Bump {
            from,
            from_source: format!("latest tag {tag}"),
            to: pyproject()?,
            to_source: "pyproject.toml".into(),
        }),
        (None, Some(to)) => Some(Bump {
            from: pyproject()?,
            from_source: "pyproject.toml, no release tag".into(),
            to: to.clone(),
            to_source: "--version".into(),
        }),
        (None, None) => None,
    };
    Ok(bump)
}

/// `MIGRATION.md`, `docs/MIGRATION*.md` and every markdown file in `docs/migration*/` (names
/// compared case-insensitively), sorted.
fn migration_guides(project: &Path) -> Vec<PathBuf> {
    let is_migration = |name: &str| name.to_ascii_lowercase().starts_with("migration");
    let mut guides: Vec<PathBuf> = Vec::new();
    if project.join("MIGRATION.md").is_file() {
        guides.push("MIGRATION.md".into());
    }
    for entry in fs::read_dir(project.join("docs"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !is_migration(&name) {
            continue;
        }
        if path.is_dir() {
            guides.extend(files_under(project, &format!("docs/{name}"), "md"));
        } else if name.to_ascii_lowercase().ends_with(".md") {
            guides.push(Path::new("docs").join(name));
        }
    }
    guides.sort();
    guides
}

/// True when `text` names `version` (or its `X.Y.Z` part, for a pre-release) as a whole
/// version: `2.0.0` is not mentioned by `12.0.0` or `2.0.0.1`.
fn mentions_version(text: &str, version: &Version) -> bool {
    let full = version.to_string();
    let core = format!("{}.{}.{}", version.major, version.minor, version.patch);
    [full, core].iter().any(|needle| {
        text.match_indices(needle.as_str()).any(|(start, _)| {
            let before = text[..start].chars().next_back();
            let after = &text[start + needle.len()..];
            let continues = after.starts_with(|c: char| c.is_ascii_digit())
                || (after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit()));
            !before.is_some_and(|c| c.is_ascii_digit() || c == '.') && !continues
        })
    })
}

fn join(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|path| display(path))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
