//! Layer 3 (orchestrator), everything checked before the first write. Every failed check is reported, each as one
//! cause and its fix; any failure refuses the release (exit 2) with nothing changed.

use git::short;
use semver::Version;

use super::edits::{self, Edit};
use super::gate::{self, Evidence};
use super::github;
use super::record;
use super::vocab::{Check, GateChoice, Options, Problem, Release, CHANGELOG, PYPROJECT};

/// What the steps need, worked out by the preflight.
pub struct Prepared {
    /// The file edits still to make (empty when the release commit exists).
    pub edits: Vec<Edit>,
    /// The CHANGELOG section for this version: the GitHub release body.
    pub body: String,
    pub gate: Evidence,
    /// `None` with `--no-github`.
    pub github: Option<github::Target>,
    /// Things a person should know that do not stop the release.
    pub notes: Vec<String>,
}

/// What the checks found so far: problems refuse, notes are for a person.
#[derive(Default)]
pub struct Checks {
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
}

impl Checks {
    pub fn fail(&mut self, check: Check, cause: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(Problem::new(check, cause, fix));
    }
}

/// `Ok(Err(problems))`: refused. `Err`: git itself could not be run.
pub fn run(r: &Release, args: &Options) -> anyhow::Result<Result<Prepared, Vec<Problem>>> {
    let mut c = Checks::default();
    let Some(head) = check_repo(r, &mut c)? else {
        return Ok(Err(c.problems));
    };
    check_in_progress(r, &mut c)?;
    check_branch(r, &mut c)?;

    let release_commit = r.release_commit()?;
    check_not_behind(r, &mut c, release_commit.as_deref())?;
    check_tag_absent(r, &mut c)?;
    check_version_greater(r, &mut c, release_commit.as_deref())?;
    prepare(r, args, c, &head, release_commit)
}

/// A git work tree with commits: HEAD's commit, or `None` (refused, the problem in `c`).
pub fn check_repo(r: &Release, c: &mut Checks) -> anyhow::Result<Option<String>> {
    if !r.repo.is_repo() {
        c.fail(
            Check::Repo,
            format!("{} is not in a git work tree", r.project.display()),
            "run it in the project's git clone",
        );
        return Ok(None);
    }
    let head = r.repo.head()?;
    if head.is_none() {
        c.fail(
            Check::Repo,
            "the repository has no commits",
            "commit the project first",
        );
    }
    Ok(head)
}

/// No merge, rebase, cherry-pick, revert or bisect left in progress.
pub fn check_in_progress(r: &Release, c: &mut Checks) -> anyhow::Result<()> {
    if let Some(op) = r.repo.in_progress()? {
        c.fail(
            Check::Tree,
            format!("a {} is in progress", op.as_str()),
            format!("finish or abort the {} first", op.as_str()),
        );
    }
    Ok(())
}

/// The checks every release shares once the command's own ones (branch, remote, tag, version)
/// are in `c`: the edits (before the release commit) and the release body, a clean tree, the
/// gate for `head`, GitHub; then the release record. `release_commit`: [`Release::release_commit`].
pub fn prepare(
    r: &Release,
    args: &Options,
    mut c: Checks,
    head: &str,
    release_commit: Option<String>,
) -> anyhow::Result<Result<Prepared, Vec<Problem>>> {
    let repo = &r.repo;
    let head = head.to_string();
    if let Some(Err(cause)) = args.title.as_deref().map(super::vocab::check_title_name) {
        c.fail(
            Check::Github,
            cause,
            format!(
                "pass --title \"Release Name\": one line of at most {} characters (the release is titled \"Version X.Y.Z - Release Name\")",
                super::vocab::MAX_TITLE_NAME
            ),
        );
    }

    // The edits (only before the release commit) and the release body.
    let mut bump = None;
    let mut body = String::new();
    match &release_commit {
        Some(commit) => {
            if commit != &head && !repo.is_ancestor(commit, &head)? {
                c.fail(
                    Check::Tag,
                    format!("the release commit {} is not on this branch", short(commit)),
                    "switch to the branch that has it",
                );
            }
            let text = repo.show_file(commit, CHANGELOG)?.unwrap_or_default();
            match changelog::extract(&text, &r.version) {
                Some(found) => body = found,
                None => c.fail(
                    Check::Changelog,
                    format!(
                        "the release commit {} has no CHANGELOG.md section for {}",
                        short(commit),
                        r.version
                    ),
                    "release another version",
                ),
            }
        }
        None => match edits::bump(r, args.notes.as_deref(), args.allow_empty) {
            Ok(found) => {
                c.notes
                    .push(format!("release notes from {}", found.notes_source));
                body = found.body.clone();
                bump = Some(found);
            }
            Err(problems) => c.problems.extend(problems),
        },
    }

    check_clean_tree(r, &mut c, bump.as_ref().map_or(&[][..], |b| &b.edits))?;

    // The gate: only before the release commit (it passed before that commit was made).
    let report = match &args.gate {
        GateChoice::Report(path) => Some(path.as_path()),
        _ => None,
    };
    let gate = match (&release_commit, &args.gate) {
        (Some(commit), _) => {
            if !args.sign_offs.is_empty() {
                c.notes.push(format!(
                    "--sign-off is not recorded: the release record is already committed in {}, with the sign-offs of the gate run before it",
                    short(commit)
                ));
            }
            Some(Evidence::Recorded {
                commit: commit.clone(),
            })
        }
        (None, GateChoice::Skip) => Some(Evidence::Skipped),
        (None, GateChoice::Run) if !c.problems.is_empty() => {
            c.notes
                .push("the pre-release gate was not run: fix the problems above first".into());
            None
        }
        (None, _) => match gate::check(r, report, &head, args) {
            Ok(Evidence::Passed {
                report: found,
                path,
            }) => {
                if report.is_none() && !args.execute {
                    c.notes.push(format!(
                        "to reuse this gate run: --execute --gate-report {}",
                        path.display()
                    ));
                }
                Some(Evidence::Passed {
                    report: found,
                    path,
                })
            }
            Ok(evidence) => Some(evidence),
            Err(problem) => {
                c.problems.push(problem);
                None
            }
        },
    };

    if args.github {
        if let Err(problems) = github::extra_assets(r, &args.assets) {
            c.problems.extend(problems);
        }
    }
    let github = if !args.github {
        None
    } else {
        match github::target(r, args.make_latest).map(|mut target| {
            target.title = super::vocab::release_title(&r.version, args.title.as_deref());
            target
        }) {
            // Another check failed: no network round trip (and its retries) before they are fixed.
            Ok(target) if !c.problems.is_empty() => {
                c.notes.push(
                    "GitHub was not asked (xtask-github check): fix the problems above first"
                        .into(),
                );
                Some(target)
            }
            Ok(target) => match github::check(r, &target, release_commit.is_none()) {
                Ok(()) => Some(target),
                Err(problem) => {
                    c.problems.push(problem);
                    None
                }
            },
            Err(problems) => {
                c.problems.extend(problems);
                None
            }
        }
    };

    if !c.problems.is_empty() {
        return Ok(Err(c.problems));
    }
    let gate = gate.expect("no problem means gate evidence");
    let mut edits = Vec::new();
    if let Some(bump) = bump {
        let record = record::render(r, &gate, &bump, github.as_ref());
        let path = r.record_path();
        let before = repo.show_file("HEAD", &path)?;
        edits = bump.edits;
        edits.push(Edit {
            path,
            before,
            after: record,
        });
    }
    Ok(Ok(Prepared {
        edits,
        body,
        gate,
        github,
        notes: c.notes,
    }))
}

/// On the release branch, not detached.
pub fn check_branch(r: &Release, c: &mut Checks) -> anyhow::Result<()> {
    match r.repo.current_branch()? {
        None => c.fail(
            Check::Branch,
            "HEAD is detached",
            format!("check out the release branch: git switch {}", r.branch),
        ),
        Some(branch) if branch != r.branch => c.fail(
            Check::Branch,
            format!("on branch {branch}, releases are cut from {}", r.branch),
            format!("git switch {} (or pass --branch {branch})", r.branch),
        ),
        Some(_) => {}
    }
    Ok(())
}

/// The release branch is not behind its remote. Read with `git ls-remote`, not a fetch: a
/// refused or planned run must not move `<remote>/<branch>` (nothing is written to the repo).
pub fn check_not_behind(
    r: &Release,
    c: &mut Checks,
    release_commit: Option<&str>,
) -> anyhow::Result<()> {
    let repo = &r.repo;
    if repo.remote_url(&r.remote)?.is_none() {
        c.fail(
            Check::Remote,
            format!("there is no remote {:?}", r.remote),
            format!("git remote add {} URL (or pass --remote NAME)", r.remote),
        );
        return Ok(());
    }
    let upstream = match repo.remote_branch(&r.remote, &r.branch) {
        Ok(Some(upstream)) => upstream,
        Ok(None) => return Ok(()), // a first push creates the branch
        Err(err) => {
            c.fail(
                Check::Remote,
                format!("cannot read {}: {err}", r.remote),
                "check the remote URL, the network and your credentials",
            );
            return Ok(());
        }
    };
    // The local branch (HEAD when on it, as check_branch requires of a release).
    let branch = format!("refs/heads/{}", r.branch);
    let local = release_commit.unwrap_or(&branch);
    let pull = format!("git pull --rebase {} {}, then re-run", r.remote, r.branch);
    if repo.resolve(&upstream)?.is_none() {
        c.fail(
            Check::Remote,
            format!(
                "{} is behind {}/{}: {} is at {}, a commit this clone does not have",
                r.branch,
                r.remote,
                r.branch,
                r.remote,
                short(&upstream)
            ),
            pull,
        );
        return Ok(());
    }
    let (_, behind) = repo.ahead_behind(local, &upstream)?;
    if behind > 0
        && !release_commit
            .is_some_and(|commit| repo.is_ancestor(commit, &upstream).unwrap_or(false))
    {
        c.fail(
            Check::Remote,
            format!(
                "{} is {behind} commit(s) behind {}/{}",
                r.branch, r.remote, r.branch
            ),
            pull,
        );
    }
    Ok(())
}

/// The tag is absent locally and on the remote, unless it is this command's, at the release
/// commit (resume).
pub fn check_tag_absent(r: &Release, c: &mut Checks) -> anyhow::Result<()> {
    let repo = &r.repo;
    let local = repo.tag_target(&r.tag)?;
    if let Some(commit) = &local {
        // At the release commit, or a merge holding exactly it (see `Release::tag_commit`).
        if r.release_commit()?.is_none() || !repo.is_annotated_tag(&r.tag)? {
            c.fail(
                Check::Tag,
                format!("tag {} already exists at {}, which is not a release commit made by this command", r.tag, short(commit)),
                format!("release another version (or, if the tag is wrong and unpublished: git tag -d {})", r.tag),
            );
            return Ok(());
        }
    }
    let remote = match repo.remote_tag(&r.remote, &r.tag) {
        Ok(remote) => remote,
        Err(err) => {
            c.fail(
                Check::Remote,
                format!("cannot list the tags of {}: {err}", r.remote),
                "check the remote and your credentials",
            );
            return Ok(());
        }
    };
    match (remote, repo.tag_object(&r.tag)?) {
        (None, _) => {}
        (Some(remote), None) => c.fail(
            Check::Tag,
            format!(
                "tag {} already exists on {} (at {})",
                r.tag,
                r.remote,
                short(&remote.commit)
            ),
            format!(
                "release another version, or fetch it to resume: git fetch {} tag {}",
                r.remote, r.tag
            ),
        ),
        (Some(remote), Some(object)) if remote.object != object => c.fail(
            Check::Tag,
            format!("tag {} on {} differs from the local one", r.tag, r.remote),
            "release another version; the tag on the remote is someone else's",
        ),
        (Some(_), Some(_)) => {}
    }
    Ok(())
}

/// Greater than the latest release tag, not below pyproject.toml's version; MAJOR flagged.
pub fn check_version_greater(
    r: &Release,
    c: &mut Checks,
    release_commit: Option<&str>,
) -> anyhow::Result<()> {
    // Local and remote release tags: a release someone else pushed counts too.
    let mut tags = r.repo.release_tags()?;
    let remote = r.repo.remote_tags(&r.remote).unwrap_or_default(); // errors: see check_tag
    tags.extend(remote.into_iter().filter_map(|tag| {
        let version = Version::parse(tag.name.strip_prefix('v')?).ok()?;
        Some((version, tag.name))
    }));
    let latest = tags
        .into_iter()
        .filter(|(_, tag)| *tag != r.tag)
        .max_by(|a, b| a.0.cmp(&b.0));
    if let Some((latest, tag)) = &latest {
        if r.version <= *latest {
            c.fail(
                Check::Version,
                format!("{} is not greater than the latest release {tag}", r.version),
                format!("choose a version above {latest}"),
            );
        }
        if r.version.major > latest.major && r.version.pre.is_empty() {
            c.notes.push(format!(
                "MAJOR bump {latest} -> {}: the pre-release gate requires a migration guide",
                r.version
            ));
        }
    }
    if release_commit.is_some() {
        return Ok(());
    }
    let text = r.repo.show_file("HEAD", PYPROJECT)?.unwrap_or_default();
    // Parse errors are reported by the edits.
    if let Ok(current) = project::version::Pyproject::parse(&text).and_then(|p| p.version()) {
        if r.version < current {
            c.fail(
                Check::Version,
                format!(
                    "{} is below the version in pyproject.toml ({current})",
                    r.version
                ),
                format!("release {current} or higher"),
            );
        } else if r.version == current {
            c.notes.push(format!(
                "pyproject.toml already says {current}: the version edit is a no-op"
            ));
        }
    }
    Ok(())
}

/// A clean work tree (untracked files count). The one exception is a run that was stopped
/// while writing this release's files: a file that already has exactly its new contents (or,
/// for the release record, any contents) is this command's own work and is resumed.
pub fn check_clean_tree(r: &Release, c: &mut Checks, edits: &[Edit]) -> anyhow::Result<()> {
    let prefix = r.repo.prefix()?;
    let record = r.record_path();
    let dirty: Vec<String> = r
        .repo
        .status_paths()?
        .into_iter()
        .filter(|(_, path)| {
            let Some(relative) = path.strip_prefix(prefix.as_str()) else {
                return true;
            };
            let ours = edits.iter().find(|edit| edit.path == relative);
            !(relative == record || ours.is_some_and(|edit| edits::in_place(&r.project, edit)))
        })
        .map(|(code, path)| format!("{code} {path}"))
        .collect();
    if !dirty.is_empty() {
        let shown: Vec<&str> = dirty.iter().take(5).map(String::as_str).collect();
        let more = if dirty.len() > 5 {
            format!(" and {} more", dirty.len() - 5)
        } else {
            String::new()
        };
        c.fail(
            Check::Tree,
            format!("the work tree is not clean: {}{more}", shown.join(", ")),
            "commit, stash or remove these changes (untracked files too), then re-run",
        );
    }
    Ok(())
}
