//! Layer 1, the file edits of a release: computed in memory from HEAD, checked, shown as diffs, then
//! written all-or-nothing (temp file + rename in the same folder; restored on failure).

use std::fs;
use std::path::Path;

use anyhow::Context;
use changelog::Notes;
use semver::Version;

use super::effect::Action;
use super::vocab::{Check, Problem, Release, CHANGELOG, HISTORY_FILES, PYPROJECT, UV_LOCK};

/// One file's new contents; `before` is its contents at HEAD (`None`: a new file).
#[derive(Debug, Clone)]
pub struct Edit {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub before: Option<String>,
    pub after: String,
}

impl Edit {
    pub fn diff(&self) -> String {
        super::diff::unified(&self.path, self.before.as_deref(), &self.after)
    }

    /// The write of this edit as an action: `edit PATH` (or `create PATH`) with its diff.
    pub fn action(&self) -> Action {
        Action::file(self.path.clone(), self.before.is_none(), self.diff())
    }
}

/// What the edits of the version files found, for the plan and the release record.
pub struct Bump {
    pub edits: Vec<Edit>,
    /// The CHANGELOG section's body: the GitHub release body.
    pub body: String,
    /// The version in pyproject.toml before the bump.
    pub previous: Version,
    /// Where the notes came from, for a person.
    pub notes_source: String,
}

/// Computes the pyproject.toml, uv.lock, CHANGELOG.md and Version History edits from HEAD.
/// Every problem is returned, not just the first.
pub fn bump(
    r: &Release,
    notes_file: Option<&Path>,
    allow_empty: bool,
) -> Result<Bump, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut edits = Vec::new();
    let at_head = |path: &str| r.repo.show_file("HEAD", path).ok().flatten();

    // pyproject.toml and uv.lock
    let mut previous = None;
    match at_head(PYPROJECT).map(|text| (project::version::Pyproject::parse(&text), text)) {
        None => problems.push(Problem::new(
            Check::Files,
            "pyproject.toml is not committed at HEAD",
            "commit it first",
        )),
        Some((Err(err), _)) => problems.push(Problem::new(
            Check::Files,
            err.to_string(),
            "fix pyproject.toml",
        )),
        Some((Ok(pyproject), text)) => {
            match (pyproject.version(), pyproject.with_version(&r.version)) {
                (Ok(version), Ok(after)) => {
                    previous = Some(version);
                    push_edit(&mut edits, PYPROJECT, text, after);
                    if let Some(lock) = at_head(UV_LOCK) {
                        match project::version::uv_lock_with_version(
                            &lock,
                            pyproject.name(),
                            &r.version,
                        ) {
                            Ok(after) => push_edit(&mut edits, UV_LOCK, lock, after),
                            Err(err) => problems.push(Problem::new(
                                Check::Files,
                                err.to_string(),
                                "run `uv lock` and commit uv.lock",
                            )),
                        }
                    }
                }
                (Err(err), _) | (_, Err(err)) => problems.push(Problem::new(
                    Check::Files,
                    err.to_string(),
                    "set a static semver [project].version",
                )),
            }
        }
    }

    // CHANGELOG.md
    let changelog_text = at_head(CHANGELOG).unwrap_or_default();
    let (notes, mut notes_source) = match notes_for(r, notes_file, &changelog_text) {
        Ok(found) => found,
        Err(problem) => {
            problems.push(problem);
            (None, String::new())
        }
    };
    let mut body = String::new();
    let released = match (&r.previous, &notes) {
        (Some(_), Some(notes)) => {
            changelog::release_in_order(&changelog_text, &r.version, &r.date, notes, allow_empty)
        }
        _ => changelog::release(
            &changelog_text,
            &r.version,
            &r.date,
            notes.as_ref(),
            allow_empty,
        ),
    };
    match released {
        Ok(release) => {
            if release.source == changelog::NotesSource::Existing {
                notes_source = "the existing CHANGELOG.md section".into();
            }
            body = release.body.clone();
            push_edit_opt(&mut edits, CHANGELOG, at_head(CHANGELOG), release.text);
        }
        Err(err) => {
            use changelog::ChangelogError::*;
            let fix = match err {
                NothingToRelease { .. } => {
                    "add entries under `## Unreleased`, pass --notes FILE, or --allow-empty"
                }
                VersionExists { .. } => {
                    "choose another version, or make the existing section match the notes"
                }
                InvalidDate { .. } => "pass --date YYYY-MM-DD",
            };
            problems.push(Problem::new(Check::Changelog, err.to_string(), fix));
        }
    }

    // The Version History table.
    let kind = r.kind();
    let description = history_description(&body);
    for path in HISTORY_FILES {
        let Some(text) = at_head(path) else { continue };
        match changelog::history::insert_row(
            &text,
            &r.version,
            &r.date,
            kind.as_str(),
            &description,
        ) {
            Ok(Some(after)) => {
                push_edit(&mut edits, path, text, after);
                break;
            }
            Ok(None) => {}
            Err(err) => problems.push(Problem::new(
                Check::Files,
                format!("{path}: {err}"),
                "pass --date YYYY-MM-DD",
            )),
        }
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Bump {
        edits,
        body,
        previous: previous.expect("no problem means a version"),
        notes_source,
    })
}

/// `--notes FILE`; else `None` (the Unreleased section) when it has entries; else notes
/// drafted from the commits since the latest release tag. A release that follows another
/// ([`Release::previous`]) drafts from its own commits, never the Unreleased section.
fn notes_for(
    r: &Release,
    notes_file: Option<&Path>,
    changelog_text: &str,
) -> Result<(Option<Notes>, String), Problem> {
    if let Some(path) = notes_file {
        let text = fs::read_to_string(path).map_err(|err| {
            Problem::new(
                Check::Changelog,
                format!("cannot read --notes {}: {err}", path.display()),
                "pass a readable file",
            )
        })?;
        if let Some((line, heading)) = Notes::unknown_headings(&text).into_iter().next() {
            return Err(Problem::new(
                Check::Changelog,
                format!(
                    "--notes {}:{line}: `### {heading}` is not a changelog category",
                    path.display()
                ),
                "use ### Added, Changed, Deprecated, Removed, Fixed or Security",
            ));
        }
        return Ok((
            Some(Notes::from_section_body(&text)),
            format!("--notes {}", path.display()),
        ));
    }
    if r.previous.is_none()
        && changelog::unreleased_notes(changelog_text).is_some_and(|notes| !notes.is_empty())
    {
        return Ok((None, "the Unreleased section".into()));
    }
    let since = match &r.previous {
        Some(previous) => Some(previous.rev.clone()),
        None => r.latest_release().map(|(_, tag)| tag),
    };
    let messages = r
        .repo
        .commit_messages_since(since.as_deref())
        .map_err(|err| {
            Problem::new(
                Check::Changelog,
                format!("reading the commits to draft notes from: {err}"),
                "check the repository",
            )
        })?;
    let since = match &r.previous {
        Some(previous) => format!("v{} ({})", previous.version, git::short(&previous.rev)),
        None => since.map_or_else(|| "the first commit".to_string(), |tag| tag.to_string()),
    };
    Ok((
        Some(Notes::from_commits(&messages)),
        format!("{} commit(s) since {since} (drafted)", messages.len()),
    ))
}

fn push_edit(edits: &mut Vec<Edit>, path: &str, before: String, after: String) {
    push_edit_opt(edits, path, Some(before), after);
}

fn push_edit_opt(edits: &mut Vec<Edit>, path: &str, before: Option<String>, after: String) {
    if before.as_deref() != Some(after.as_str()) {
        edits.push(Edit {
            path: path.to_string(),
            before,
            after,
        });
    }
}

/// Writes every edit whose file does not have its new contents yet; on a failure, puts back
/// what was written (all or nothing).
pub fn write_all(project: &Path, edits: &[&Edit]) -> anyhow::Result<()> {
    let mut written: Vec<&Edit> = Vec::new();
    for &edit in edits {
        if let Err(err) = write_atomic(&project.join(&edit.path), &edit.after) {
            let restored = restore(project, &written);
            let err = err.context(format!("writing {}", edit.path));
            return Err(match restored {
                Ok(()) => err.context("the files written before it were restored"),
                Err(restore_err) => err.context(format!(
                    "restoring the files written before it also failed: {restore_err:#}"
                )),
            });
        }
        written.push(edit);
    }
    Ok(())
}

/// Puts the HEAD contents back (removes files that are new in the release).
pub fn restore(project: &Path, edits: &[&Edit]) -> anyhow::Result<()> {
    for edit in edits {
        let path = project.join(&edit.path);
        match &edit.before {
            Some(before) => write_atomic(&path, before)?,
            None if path.exists() => {
                fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?
            }
            None => {}
        }
    }
    Ok(())
}

/// The one atomic writer, with a fixed temp name per file (`.NAME.release-tmp`): a re-run
/// overwrites what a killed run left, and the fault tests can block exactly one write.
fn write_atomic(path: &Path, contents: &str) -> anyhow::Result<()> {
    xtask::fs::write_atomic_with(path, contents.as_bytes(), TEMP_NAME)
}

const TEMP_NAME: xtask::fs::TempName = xtask::fs::TempName::Fixed("release-tmp");

/// True when the file in the work tree already has the edit's new contents.
pub fn in_place(project: &Path, edit: &Edit) -> bool {
    fs::read_to_string(project.join(&edit.path)).is_ok_and(|text| text == edit.after)
}

/// A Version History description: the release's first note (a wrapped bullet joined), cut at a
/// word boundary, with how many more there are.
fn history_description(body: &str) -> String {
    const WIDTH: usize = 60;
    let notes = changelog::Notes::from_section_body(body);
    let items: Vec<&String> = changelog::Category::ALL
        .iter()
        .flat_map(|c| notes.items(*c))
        .collect();
    let Some(first) = items.first() else {
        return "Release".into();
    };
    let mut text = first.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > WIDTH {
        let cut: String = text.chars().take(WIDTH).collect();
        text = format!(
            "{}…",
            cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head)
        );
    }
    match items.len() - 1 {
        0 => text,
        more => format!("{text} (+{more} more)"),
    }
}

#[cfg(test)]
mod history_tests {
    #[test]
    fn description_is_the_first_note_cut_at_a_word_with_a_count() {
        let body = "### Added\n- `zephyr/demo_enclave.py` runs snippets with a scrubbed environment and a\n  wall-clock limit.\n- Second.\n### Fixed\n- Third.\n";
        assert_eq!(
            super::history_description(body),
            "`zephyr/demo_enclave.py` runs snippets with a scrubbed… (+2 more)"
        );
        assert_eq!(
            super::history_description("### Fixed\n- Short fix.\n"),
            "Short fix."
        );
        assert_eq!(
            super::history_description("_No notable changes._"),
            "Release"
        );
    }
}
