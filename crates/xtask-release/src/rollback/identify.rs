//! Checklist step 1, "Identify Previous Stable Version": which release is rolled back
//! (`--from`) and which one it goes back to (`--to`), from the repository's `vX.Y.Z` tags.

use git::{short, Repo};
use semver::Version;

use crate::release::core::{Check, Problem};

/// A release tag with what the plan shows about it.
#[derive(Debug, Clone)]
pub struct Point {
    pub tag: String,
    pub version: Version,
    pub commit: String,
    /// The tag's date (an annotated tag's own, else its commit's), `YYYY-MM-DD`.
    pub date: String,
}

impl Point {
    fn of(repo: &Repo, version: Version, tag: String) -> anyhow::Result<Point> {
        let commit = repo
            .tag_target(&tag)?
            .ok_or_else(|| anyhow::anyhow!("tag {tag} names no commit"))?;
        let date = repo.git(&[
            "for-each-ref",
            "--format=%(creatordate:short)",
            &format!("refs/tags/{tag}"),
        ])?;
        Ok(Point {
            tag,
            version,
            commit,
            date,
        })
    }

    /// `v0.4.0 (2026-01-02, abc1234)`.
    pub fn shown(&self) -> String {
        format!("{} ({}, {})", self.tag, self.date, short(&self.commit))
    }
}

/// `--from`: the flag, else what the running deployment reports, else the latest release tag.
/// `Ok(Err(problem))`: refused.
pub fn from(
    repo: &Repo,
    flag: Option<&str>,
    deployed: Option<Version>,
) -> anyhow::Result<Result<(Point, &'static str), Problem>> {
    let tags = repo.release_tags()?;
    let found = |version: &Version| tags.iter().find(|(v, _)| v == version).cloned();
    let (chosen, source) =
        match flag {
            Some(text) => {
                let version = match parse("--from", text, "the release being rolled back") {
                    Ok(version) => version,
                    Err(problem) => return Ok(Err(problem)),
                };
                match found(&version) {
                    Some(tag) => (tag, "--from"),
                    None => return Ok(Err(unknown("--from", &version, &tags))),
                }
            }
            None => match deployed.as_ref().and_then(found) {
                Some(tag) => (tag, "the running deployment's version label"),
                None => match tags.first() {
                    Some(tag) => (tag.clone(), "the latest release tag"),
                    None => return Ok(Err(Problem::new(
                        Check::Tag,
                        "the repository has no release tag (vX.Y.Z): there is nothing to roll back",
                        "roll back only what was released with a vX.Y.Z tag",
                    ))),
                },
            },
        };
    Ok(Ok((Point::of(repo, chosen.0, chosen.1)?, source)))
}

/// `--to`: the flag (an existing tag below `from`), else the highest stable tag below `from`
/// whose release is not marked rolled back (`rolled_back` says which are).
pub fn to(
    repo: &Repo,
    flag: Option<&str>,
    from: &Point,
    rolled_back: &dyn Fn(&str) -> bool,
) -> anyhow::Result<Result<Point, Problem>> {
    let tags = repo.release_tags()?;
    let chosen = match flag {
        Some(text) => {
            let version = match parse("--to", text, "an earlier release tag") {
                Ok(version) => version,
                Err(problem) => return Ok(Err(problem)),
            };
            let Some(tag) = tags.iter().find(|(v, _)| *v == version).cloned() else {
                return Ok(Err(unknown("--to", &version, &tags)));
            };
            if version >= from.version {
                return Ok(Err(Problem::new(
                    Check::Version,
                    format!(
                        "--to {} is not below {}, the release being rolled back",
                        tag.1, from.tag
                    ),
                    format!(
                        "pass a --to below {} (or --from the newer release)",
                        from.tag
                    ),
                )));
            }
            tag
        }
        None => {
            let Some(tag) = tags.iter().find(|(version, tag)| {
                *version < from.version && version.pre.is_empty() && !rolled_back(tag)
            }) else {
                return Ok(Err(Problem::new(
                    Check::Tag,
                    format!(
                        "no stable release tag below {} that was not rolled back",
                        from.tag
                    ),
                    "pass --to vA.B.C to name the version to go back to",
                )));
            };
            tag.clone()
        }
    };
    Ok(Ok(Point::of(repo, chosen.0, chosen.1)?))
}

/// `abc1234 subject` for each commit in `to..from`, newest first.
pub fn between(repo: &Repo, to: &Point, from: &Point) -> anyhow::Result<Vec<String>> {
    let range = format!("{}..{}", to.commit, from.commit);
    let out = repo.git(&["log", "--format=%h %s", &range])?;
    Ok(out.lines().map(str::to_string).collect())
}

/// A version flag's value (`v` prefix accepted), or the problem naming the flag.
fn parse(flag: &str, text: &str, what: &str) -> Result<Version, Problem> {
    xtask::version::parse_release_version(text).map_err(|_| {
        Problem::new(
            Check::Version,
            format!("{flag} {text:?} is not a version (vX.Y.Z)"),
            format!("pass {flag} vX.Y.Z, {what}"),
        )
    })
}

fn unknown(flag: &str, version: &Version, tags: &[(Version, String)]) -> Problem {
    let known: Vec<&str> = tags.iter().take(5).map(|(_, tag)| tag.as_str()).collect();
    Problem::new(
        Check::Tag,
        format!("{flag} v{version}: there is no tag v{version}"),
        match known.as_slice() {
            [] => "the repository has no release tags".to_string(),
            known => format!("pass one of the release tags: {}", known.join(", ")),
        },
    )
}
