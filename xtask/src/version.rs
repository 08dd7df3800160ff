//! The version of a release as a person types it (`0.5.0`, `v0.5.0`, `1.0.0-rc.1`), and the one
//! reading of the project name at a revision.

use semver::Version;

use crate::exit::Exit;

/// Parses a release version (a leading `v` accepted); refuses non-semver text and build
/// metadata, which does not make a distinct release.
pub fn parse_release_version(text: &str) -> anyhow::Result<Version> {
    let bare = text.trim().strip_prefix('v').unwrap_or(text.trim());
    let version = Version::parse(bare).map_err(|err| {
        Exit::refused(
            format!("{text:?} is not a semver version: {err}"),
            "give the version as X.Y.Z or X.Y.Z-PRE, e.g. 0.5.0",
        )
    })?;
    if !version.build.is_empty() {
        return Err(Exit::refused(
            format!(
                "{text:?} has build metadata (+{}), which does not make a distinct release",
                version.build
            ),
            "drop the `+...` part",
        )
        .into());
    }
    Ok(version)
}

/// `[project].name` from pyproject.toml as committed at the revision, not as in the working tree.
pub fn project_name(repo: &git::Repo, rev: &str, commit: &str) -> anyhow::Result<String> {
    let Some(text) = repo.git_opt(&["show", &format!("{commit}:./pyproject.toml")])? else {
        return Err(Exit::refused(
            format!("{rev} has no pyproject.toml in {}", repo.dir().display()),
            "archive a revision of the Python project (pass --rev)",
        )
        .into());
    };
    parse_project_name(rev, &text)
}

/// `[project].name` from the text of pyproject.toml.
pub fn parse_project_name(rev: &str, text: &str) -> anyhow::Result<String> {
    let pyproject = project::version::Pyproject::parse(text).map_err(|err| {
        Exit::refused(
            format!("pyproject.toml at {rev}: {err}"),
            "fix [project].name at that revision",
        )
    })?;
    Ok(pyproject.name().to_string())
}
