//! The "Verification" subsection: read-only checks that the release is what was released — the
//! GitHub release (published, pre-release flag, "latest", title and notes), the tag on origin,
//! CHANGELOG.md on main, the version at the tag, every asset (downloaded, re-hashed, against
//! SHA256SUMS and GitHub's digest) and the archive rebuilt from the tag byte for byte; docs,
//! images and the models section where the project has them.

use git::short;
use runner::Outcome;
use semver::Version;

use super::facts::Facts;
use super::{How, Item, Section};
use crate::release::core::{self, Step, CHANGELOG, PYPROJECT};

const fn auto(
    id: &'static str,
    title: &'static str,
    check: fn(&Facts, &mut Step) -> anyhow::Result<Outcome>,
) -> Item {
    Item {
        id,
        section: Section::Verification,
        title,
        how: How::Auto(check),
    }
}

pub const ITEMS: &[Item] = &[
    auto("github-release", "GitHub release published", github_release),
    auto(
        "release-latest",
        "\"Latest\" exactly when the highest stable version",
        release_latest,
    ),
    auto(
        "release-notes",
        "Release title and notes equal the CHANGELOG section on main",
        release_notes,
    ),
    auto(
        "tag-pushed",
        "Annotated tag on origin at the release commit",
        tag_pushed,
    ),
    auto(
        "changelog-on-main",
        "CHANGELOG.md on main has the version's section",
        changelog_on_main,
    ),
    auto(
        "version-at-tag",
        "pyproject.toml at the tag has the version",
        version_at_tag,
    ),
    auto(
        "asset-digests",
        "Every asset equals SHA256SUMS and GitHub's digest",
        asset_digests,
    ),
    auto(
        "assets-reproducible",
        "The assets rebuild from the tag byte for byte",
        assets_reproducible,
    ),
    auto(
        "docs-deployed",
        "Documentation deployed",
        super::cleanup::docs_deployed,
    ),
    Item {
        id: "notes-sent",
        section: Section::Verification,
        title: "Release notes sent to stakeholders",
        how: How::Manual(
            "send the release notes (the GitHub release page) to the stakeholders",
            None,
        ),
    },
    auto(
        "docker-images",
        "Docker images pushed for the version",
        super::cleanup::docker_images,
    ),
    auto(
        "models-doc",
        "docs/MODEL_VERSIONS.md at the tag is for the version",
        models_doc,
    ),
];

/// "see `<id>`": the item that carries the root cause.
fn see(id: &str, what: &str) -> Outcome {
    Outcome::blocked(format!("{what} (see `{id}`)"))
}

fn github_release(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let (gh, release) = match f.release() {
        Ok(found) => found,
        Err(cause) => return Ok(Outcome::blocked(cause)),
    };
    let Some(release) = release else {
        return Ok(Outcome::fail(format!(
            "{} has no GitHub release for {}",
            gh.slug(),
            f.r.tag
        )));
    };
    if release.draft {
        return Ok(Outcome::fail(format!(
            "the GitHub release for {} is a draft, not published: run `cargo xtask release {} --execute` to finish it",
            f.r.tag, f.r.version
        )));
    }
    let pre = f.r.is_prerelease();
    if release.prerelease != pre {
        return Ok(Outcome::fail(format!(
            "the GitHub release for {} has prerelease={}, but {} is {}a pre-release",
            f.r.tag,
            release.prerelease,
            f.r.version,
            if pre { "" } else { "not " }
        )));
    }
    Ok(Outcome::pass_because(format!(
        "published: {} ({} asset(s))",
        release.html_url,
        release.assets.len()
    )))
}

fn release_latest(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let Ok((gh, Some(release))) = f.release() else {
        return Ok(see("github-release", "no GitHub release to judge"));
    };
    if release.draft {
        return Ok(see("github-release", "a draft cannot be latest"));
    }
    let higher: Option<&Version> = f
        .origin_versions
        .iter()
        .filter(|v| v.pre.is_empty() && **v > f.r.version)
        .max();
    let should = !f.r.is_prerelease() && higher.is_none();
    let latest = gh.latest_tag.as_deref();
    let is = latest == Some(f.r.tag.as_str());
    let shown = latest.unwrap_or("none");
    Ok(match (should, is) {
        (true, true) => Outcome::pass_because(format!(
            "{} is latest: the highest stable version released",
            f.r.tag
        )),
        (true, false) => Outcome::fail(format!(
            "{} is the highest stable version released, but GitHub's latest release is {shown}",
            f.r.tag
        )),
        (false, is) => {
            let why = match higher {
                Some(higher) => format!("v{higher} is higher"),
                None => format!("{} is a pre-release", f.r.version),
            };
            if is {
                Outcome::fail(format!(
                    "GitHub marks {} as the latest release, but {why}",
                    f.r.tag
                ))
            } else {
                Outcome::pass_because(format!("not latest ({why}); latest is {shown}"))
            }
        }
    })
}

/// CHANGELOG.md on `<remote>/<branch>`.
fn main_changelog(f: &Facts) -> anyhow::Result<Option<String>> {
    let rev = format!("refs/remotes/{}/{}", f.r.remote, f.r.branch);
    Ok(f.r.repo.show_file(&rev, CHANGELOG)?)
}

fn release_notes(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let Ok((_, Some(release))) = f.release() else {
        return Ok(see("github-release", "no GitHub release to compare"));
    };
    // `release` titles it "Version X.Y.Z", or "Version X.Y.Z - NAME" with `--title NAME`.
    let title = release.name.as_deref().unwrap_or("");
    if core::title_name(&f.r.version, title).is_none() {
        return Ok(Outcome::fail(format!(
            "the release title is {title:?}, `release` makes \"Version {0}\" or \"Version {0} - NAME\" (--title NAME)",
            f.r.version
        )));
    }
    let Some(section) = main_changelog(f)?
        .as_deref()
        .and_then(|text| changelog::extract(text, &f.r.version))
    else {
        return Ok(see(
            "changelog-on-main",
            "no CHANGELOG section on main to compare with",
        ));
    };
    let body = release.body.as_deref().unwrap_or("");
    if body == section {
        return Ok(Outcome::pass_because(format!(
            "\"{title}\", notes equal the CHANGELOG section ({} line(s))",
            section.lines().count()
        )));
    }
    let (number, github, ours) = first_difference(body, &section);
    Ok(Outcome::fail(format!(
        "the release notes differ from the CHANGELOG.md section for {} on {}/{}: line {number} is {github:?} on GitHub, {ours:?} in the CHANGELOG",
        f.r.version, f.r.remote, f.r.branch
    )))
}

/// The first line (1-based) where `a` and `b` differ, with both lines (empty past the end).
fn first_difference<'a>(a: &'a str, b: &'a str) -> (usize, &'a str, &'a str) {
    let (mut left, mut right) = (a.lines(), b.lines());
    for number in 1.. {
        match (left.next(), right.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (None, None) => return (number, "", ""),
            (x, y) => return (number, x.unwrap_or(""), y.unwrap_or("")),
        }
    }
    unreachable!("the loop returns")
}

fn tag_pushed(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let tag = match &f.origin_tag {
        Err(cause) => return Ok(Outcome::blocked(cause.clone())),
        Ok(None) => {
            return Ok(Outcome::fail(format!(
                "{} has no tag {}: push it with `git push {} refs/tags/{}`",
                f.r.remote, f.r.tag, f.r.remote, f.r.tag
            )))
        }
        Ok(Some(tag)) => tag,
    };
    if tag.object == tag.commit {
        return Ok(Outcome::fail(format!(
            "{}'s {} is a lightweight tag, not an annotated one",
            f.r.remote, f.r.tag
        )));
    }
    let release_commit = match &f.release_commit {
        Ok(commit) => commit,
        Err(cause) => return Ok(Outcome::blocked(cause.clone())),
    };
    if &tag.commit != release_commit {
        return Ok(Outcome::fail(format!(
            "{}'s {} points at {}, but the release commit \"{}\" on {}/{} is {}: the tag was moved",
            f.r.remote,
            f.r.tag,
            short(&tag.commit),
            f.r.message,
            f.r.remote,
            f.r.branch,
            short(release_commit)
        )));
    }
    if let Some(local) = f.r.repo.tag_object(&f.r.tag)? {
        if local != tag.object {
            return Ok(Outcome::fail(format!(
                "the local tag {} (object {}) is not {}'s (object {})",
                f.r.tag,
                short(&local),
                f.r.remote,
                short(&tag.object)
            )));
        }
    }
    Ok(Outcome::pass_because(format!(
        "{}'s {}: annotated, at the release commit {}",
        f.r.remote,
        f.r.tag,
        short(release_commit)
    )))
}

fn changelog_on_main(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let Ok(commit) = &f.release_commit else {
        return Ok(see("tag-pushed", "the release commit is not on main"));
    };
    let Some(text) = main_changelog(f)? else {
        return Ok(Outcome::fail(format!(
            "{}/{} has no CHANGELOG.md",
            f.r.remote, f.r.branch
        )));
    };
    match changelog::extract(&text, &f.r.version) {
        Some(section) => Ok(Outcome::pass_because(format!(
            "{}/{} contains the release commit {}; CHANGELOG.md has the {} section ({} line(s))",
            f.r.remote,
            f.r.branch,
            short(commit),
            f.r.version,
            section.lines().count()
        ))),
        None => Ok(Outcome::fail(format!(
            "CHANGELOG.md on {}/{} has no section for {}",
            f.r.remote, f.r.branch, f.r.version
        ))),
    }
}

fn version_at_tag(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let Some(commit) = f.tag_commit() else {
        return Ok(see("tag-pushed", "origin has no tag to read"));
    };
    let Some(text) = f.r.repo.show_file(commit, PYPROJECT)? else {
        return Ok(Outcome::fail(format!("{} has no {PYPROJECT}", f.r.tag)));
    };
    let found = project::version::Pyproject::parse(&text).and_then(|p| p.version());
    Ok(match found {
        Ok(version) if version == f.r.version => {
            Outcome::pass_because(format!("{PYPROJECT} at {} says {version}", f.r.tag))
        }
        Ok(version) => Outcome::fail(format!(
            "{PYPROJECT} at {} says {version}, not {}",
            f.r.tag, f.r.version
        )),
        Err(err) => Outcome::fail(format!("{PYPROJECT} at {}: {err}", f.r.tag)),
    })
}

fn asset_digests(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let (Ok((_, Some(release))), Ok(assets)) = (f.release(), &f.assets) else {
        return Ok(see("github-release", "no release assets to download"));
    };
    let Some(sums) = &assets.sums else {
        return Ok(Outcome::fail(format!(
            "the release has no {} asset",
            archive::SHA256SUMS
        )));
    };
    let extras = declared_extras(f)?;
    let mut problems = Vec::new();
    let mut no_digest = 0;
    for remote in &release.assets {
        let Some(local) = assets.files.iter().find(|d| d.name == remote.name) else {
            problems.push(format!("{}: not downloaded", remote.name));
            continue;
        };
        match &remote.digest {
            Some(digest) if *digest != local.digest => problems.push(format!(
                "{}: GitHub reports {digest}, the downloaded bytes hash to {}",
                remote.name, local.digest
            )),
            Some(_) => {}
            None => no_digest += 1,
        }
        if remote.name == archive::SHA256SUMS {
            continue;
        }
        let hex = local.digest.trim_start_matches("sha256:");
        match sums.iter().find(|(_, name)| *name == remote.name) {
            Some((listed, _)) if listed != hex => problems.push(format!(
                "{}: SHA256SUMS says {listed}, the downloaded bytes hash to {hex}",
                remote.name
            )),
            Some(_) => {}
            None if extras.iter().any(|(_, name)| *name == remote.name) => {}
            None => problems.push(format!(
                "{}: not listed in SHA256SUMS (and not a --asset file)",
                remote.name
            )),
        }
    }
    for (_, name) in sums {
        if release.asset(name).is_none() {
            problems.push(format!("SHA256SUMS lists {name}, which the release lacks"));
        }
    }
    if !problems.is_empty() {
        return Ok(Outcome::fail(format!(
            "{} problem(s): {}",
            problems.len(),
            problems.join("; ")
        )));
    }
    let mut reason = format!(
        "{} asset(s) downloaded and re-hashed: each equals SHA256SUMS ({} line(s)) and GitHub's digest",
        release.assets.len(),
        sums.len()
    );
    if no_digest > 0 {
        reason.push_str(&format!(
            "; GitHub reports no digest for {no_digest} of them"
        ));
    }
    Ok(Outcome::pass_because(reason))
}

/// The `--asset` files: `(path, file name)` of the tracked files matching the globs.
fn declared_extras(f: &Facts) -> anyhow::Result<Vec<(String, String)>> {
    let globs: Vec<&str> = f.opts.assets.iter().map(String::as_str).collect();
    Ok(f.r
        .repo
        .ls_files_glob(&globs)?
        .into_iter()
        .map(|path| {
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            (path, name)
        })
        .collect())
}

fn assets_reproducible(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let Ok(assets) = &f.assets else {
        return Ok(see("github-release", "no release assets to rebuild"));
    };
    if assets.sums.is_none() {
        return Ok(see(
            "asset-digests",
            "without SHA256SUMS nothing says which assets are the archive's",
        ));
    }
    let Ok(release_commit) = &f.release_commit else {
        return Ok(see("tag-pushed", "the release commit is unknown"));
    };
    let manifest_path = assets.archive_dir.join(archive::MANIFEST);
    let Ok(text) = std::fs::read(&manifest_path) else {
        return Ok(Outcome::fail(format!(
            "the release has no {} listed in SHA256SUMS",
            archive::MANIFEST
        )));
    };
    let manifest: archive::Manifest = match serde_json::from_slice(&text) {
        Ok(manifest) => manifest,
        Err(err) => {
            return Ok(Outcome::fail(format!(
                "{} is not an archive manifest: {err}",
                archive::MANIFEST
            )))
        }
    };
    // `release` builds the tag's commit under the tag's label.
    if manifest.commit != *release_commit || manifest.label != f.r.tag {
        return Ok(Outcome::fail(format!(
            "{} was built as {} from {}, the release is {} at {}",
            archive::MANIFEST,
            manifest.label,
            short(&manifest.commit),
            f.r.tag,
            short(release_commit)
        )));
    }
    let mut problems: Vec<String> = archive::verify(&f.r.project, &assets.archive_dir)
        .map_err(|err| anyhow::anyhow!("rebuilding the archive of {}: {err}", f.r.tag))?
        .iter()
        .map(ToString::to_string)
        .collect();
    let extras = declared_extras(f)?;
    let mut checked = 0;
    for entry in std::fs::read_dir(&assets.extra_dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Not a --asset file either: `asset-digests` reports it (not listed in SHA256SUMS).
        let Some((tracked, _)) = extras.iter().find(|(_, extra)| *extra == name) else {
            continue;
        };
        let downloaded =
            f.r.repo
                .git(&["hash-object", "--no-filters", &path.to_string_lossy()])?;
        let at_tag =
            f.r.repo
                .git_opt(&["rev-parse", &format!("{release_commit}:./{tracked}")])?;
        if at_tag.as_deref() != Some(downloaded.as_str()) {
            problems.push(format!("{name}: differs from {tracked} at {}", f.r.tag));
        }
        checked += 1;
    }
    if !problems.is_empty() {
        return Ok(Outcome::fail(format!(
            "{} mismatch(es) with a rebuild from {}: {}",
            problems.len(),
            f.r.tag,
            problems.join("; ")
        )));
    }
    // `--asset` files in the manifest were rebuilt from the tag's blobs by `archive::verify`;
    // those of a release made before that are compared above.
    let checked = checked + manifest.extras.len();
    Ok(Outcome::pass_because(format!(
        "{} archive file(s) rebuilt from {} ({}) byte for byte; {checked} --asset file(s) equal their files at the tag",
        manifest.files().len(),
        f.r.tag,
        short(release_commit)
    )))
}

fn models_doc(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    const FILE: &str = "docs/MODEL_VERSIONS.md";
    let Some(commit) = f.tag_commit() else {
        return Ok(see("tag-pushed", "origin has no tag to read"));
    };
    let Some(text) = f.r.repo.show_file(commit, FILE)? else {
        return Ok(Outcome::skipped(format!(
            "the project has no {FILE} at {}",
            f.r.tag
        )));
    };
    let current = text.lines().find_map(|line| {
        let rest = line
            .trim()
            .strip_prefix('#')?
            .trim_start_matches('#')
            .trim();
        let rest = rest.strip_prefix("Current Production Models")?;
        Some(
            rest.trim()
                .trim_matches(|c| c == '(' || c == ')')
                .to_string(),
        )
    });
    Ok(match current {
        Some(version) if version == f.r.tag || version == f.r.version.to_string() => {
            Outcome::pass_because(format!("{FILE} at {} is for {version}", f.r.tag))
        }
        // Nothing writes the section yet: `cargo xtask models` will, and then this fails.
        Some(version) => Outcome::skipped(format!(
            "not checked until `cargo xtask models` writes it: {FILE} at {} is for {version}",
            f.r.tag
        )),
        None => Outcome::skipped(format!(
            "{FILE} at {} has no \"Current Production Models (vX.Y.Z)\" heading",
            f.r.tag
        )),
    })
}
