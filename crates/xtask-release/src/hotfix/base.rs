//! The release a hotfix patches (its base) and the one rule about its version: X.Y.Z is the
//! next patch of the base. `start` finds the base from `--from` or the tag `vX.Y.(Z-1)`;
//! `finish` finds it again from the branch's history — nothing is kept between the two.

use git::short;
use semver::Version;

use crate::release::core::{Check, Checks};

/// Where a hotfix starts.
#[derive(Debug, Clone)]
pub struct Base {
    /// The release it patches.
    pub version: Version,
    /// That release's tag.
    pub tag: String,
    /// The commit the hotfix branch starts from (the tag's commit, or the tip of `--from BRANCH`).
    pub commit: String,
}

pub fn next_patch(version: &Version) -> Version {
    Version::new(version.major, version.minor, version.patch + 1)
}

/// The highest stable release tag other than `except` whose commit is in `rev`'s history.
pub fn latest_in_history(
    repo: &git::Repo,
    rev: &str,
    except: &str,
) -> anyhow::Result<Option<(Version, String)>> {
    for (version, tag) in repo.release_tags()? {
        if tag == except || !version.pre.is_empty() {
            continue;
        }
        let Some(commit) = repo.tag_target(&tag)? else {
            continue;
        };
        if repo.is_ancestor(&commit, rev)? {
            return Ok(Some((version, tag)));
        }
    }
    Ok(None)
}

/// The base of a hotfix to `version`: `from` (a release tag, or a branch such as `main`:
/// its tip, patching the latest release in its history), else the tag `vX.Y.(Z-1)`.
/// A problem in `c` when there is none, or when `version` is not its next patch.
pub fn find(
    repo: &git::Repo,
    version: &Version,
    from: Option<&str>,
    c: &mut Checks,
) -> anyhow::Result<Option<Base>> {
    let own = format!("v{version}");
    let base = match from {
        Some(rev) => from_rev(repo, rev, &own, c)?,
        None if version.patch == 0 => {
            c.fail(
                Check::Version,
                format!("{version} is not a patch release (its Z is 0)"),
                suggestion(repo, version)?,
            );
            None
        }
        None => {
            let tag = format!("v{}.{}.{}", version.major, version.minor, version.patch - 1);
            match repo.tag_target(&tag)? {
                Some(commit) => Some(Base {
                    version: Version::new(version.major, version.minor, version.patch - 1),
                    tag,
                    commit,
                }),
                None => {
                    c.fail(
                        Check::Version,
                        format!("there is no release tag {tag} for {version} to patch"),
                        suggestion(repo, version)?,
                    );
                    None
                }
            }
        }
    };
    if let Some(base) = &base {
        check_next_patch(version, base, c);
    }
    Ok(base)
}

fn from_rev(
    repo: &git::Repo,
    rev: &str,
    own: &str,
    c: &mut Checks,
) -> anyhow::Result<Option<Base>> {
    let tagged = repo.tag_target(rev)?;
    let tag_version = rev
        .strip_prefix('v')
        .and_then(|v| Version::parse(v).ok())
        .filter(|v| v.pre.is_empty());
    if let (Some(commit), Some(version)) = (&tagged, tag_version) {
        return Ok(Some(Base {
            version,
            tag: rev.to_string(),
            commit: commit.clone(),
        }));
    }
    let Some(commit) = repo.resolve(&format!("refs/heads/{rev}"))? else {
        c.fail(
            Check::Version,
            format!("--from {rev}: there is no release tag or local branch {rev}"),
            "pass a release tag (vX.Y.Z, see `git tag -l`) or a branch such as main",
        );
        return Ok(None);
    };
    match latest_in_history(repo, &commit, own)? {
        Some((version, tag)) => Ok(Some(Base {
            version,
            tag,
            commit,
        })),
        None => {
            c.fail(
                Check::Version,
                format!(
                    "--from {rev}: no release tag is in its history ({}), so there is no release to patch",
                    short(&commit)
                ),
                "release it first (`cargo xtask release X.Y.Z`); a hotfix patches a release",
            );
            Ok(None)
        }
    }
}

/// The version wanted: the next patch of the base.
pub fn check_next_patch(version: &Version, base: &Base, c: &mut Checks) {
    let next = next_patch(&base.version);
    if *version != next {
        c.fail(
            Check::Version,
            format!(
                "{version} is not the next patch of {} (that is {next})",
                base.tag
            ),
            format!(
                "use {next}: cargo xtask hotfix start {next} --from {}",
                base.tag
            ),
        );
    }
}

/// What to run instead: the next patch of the latest release of `version`'s line, or of the
/// latest release.
fn suggestion(repo: &git::Repo, version: &Version) -> anyhow::Result<String> {
    let tags = repo.release_tags()?;
    let stable = |v: &Version| v.pre.is_empty();
    let line = tags
        .iter()
        .find(|(v, _)| stable(v) && v.major == version.major && v.minor == version.minor);
    let (what, found) = match line {
        Some(found) => (
            format!(" of {}.{}", version.major, version.minor),
            Some(found),
        ),
        None => (String::new(), tags.iter().find(|(v, _)| stable(v))),
    };
    Ok(match found {
        Some((latest, tag)) => format!(
            "the latest release{what} is {tag}: cargo xtask hotfix start {}",
            next_patch(latest)
        ),
        None => "there is no release tag yet: a hotfix patches a release".into(),
    })
}
