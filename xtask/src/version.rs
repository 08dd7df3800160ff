//! The version of a release as a person types it: `0.5.0`, `v0.5.0`, `1.0.0-rc.1`.

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
