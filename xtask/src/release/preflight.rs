//! Everything checked before the first write. Every failed check is reported, each as one
//! cause and its fix; any failure refuses the release (exit 2) with nothing changed.

use semver::Version;
use serde::Serialize;

use super::edits::{self, Edit};
use super::gate::{self, short, Evidence};
use super::github;
use super::record;
use super::{Args, Release};

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Which check: `repo`, `branch`, `tree`, `remote`, `tag`, `version`, `files`, `changelog`,
    /// `gate`, `github`.
    pub check: &'static str,
    pub cause: String,
    pub fix: String,
}

impl Problem {
    pub fn new(check: &'static str, cause: impl Into<String>, fix: impl Into<String>) -> Problem {
        Problem {
            check,
            cause: cause.into(),
            fix: fix.into(),
        }
    }
}

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

#[derive(Default)]
struct Checks {
    problems: Vec<Problem>,
    notes: Vec<String>,
}

impl Checks {
    fn fail(&mut self, check: &'static str, cause: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(Problem::new(check, cause, fix));
    }
}

/// `Ok(Err(problems))`: refused. `Err`: git itself could not be run.
pub fn run(r: &Release, args: &Args) -> anyhow::Result<Result<Prepared, Vec<Problem>>> {
    let mut c = Checks::default();
    let repo = &r.repo;
    if !repo.is_repo() {
        c.fail(
            "repo",
            format!("{} is not in a git work tree", r.project.display()),
            "run it in the project's git clone",
        );
        return Ok(Err(c.problems));
    }
    let Some(head) = repo.head()? else {
        c.fail(
            "repo",
            "the repository has no commits",
            "commit the project first",
        );
        return Ok(Err(c.problems));
    };

    if let Some(op) = repo.in_progress()? {
        c.fail(
            "tree",
            format!("a {} is in progress", op.as_str()),
            format!("finish or abort the {} first", op.as_str()),
        );
    }
    match repo.current_branch()? {
        None => c.fail(
            "branch",
            "HEAD is detached",
            format!("check out the release branch: git switch {}", r.branch),
        ),
        Some(branch) if branch != r.branch => c.fail(
            "branch",
            format!("on branch {branch}, releases are cut from {}", r.branch),
            format!("git switch {} (or pass --branch {branch})", r.branch),
        ),
        Some(_) => {}
    }

    let release_commit = r.release_commit()?;
    check_remote(r, &mut c, release_commit.as_deref())?;
    check_tag(r, &mut c)?;
    check_versions(r, &mut c, release_commit.as_deref())?;

    // The edits (only before the release commit) and the release body.
    let mut bump = None;
    let mut body = String::new();
    match &release_commit {
        Some(commit) => {
            if commit != &head && !repo.is_ancestor(commit, &head)? {
                c.fail(
                    "tag",
                    format!("the release commit {} is not on this branch", short(commit)),
                    "switch to the branch that has it",
                );
            }
            let text = repo
                .show_file(commit, edits::CHANGELOG)?
                .unwrap_or_default();
            match changelog::extract(&text, &r.version) {
                Some(found) => body = found,
                None => c.fail(
                    "changelog",
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

    check_tree(r, &mut c, bump.as_ref().map_or(&[][..], |b| &b.edits))?;

    // The gate: only before the release commit (it passed before that commit was made).
    let gate = match (&release_commit, args.skip_gate) {
        (Some(commit), _) => Some(Evidence::Recorded {
            commit: commit.clone(),
        }),
        (None, true) => Some(Evidence::Skipped),
        (None, false) if args.gate_report.is_none() && !c.problems.is_empty() => {
            c.notes
                .push("the pre-release gate was not run: fix the problems above first".into());
            None
        }
        (None, false) => match gate::check(r, args.gate_report.as_deref(), &head) {
            Ok(Evidence::Passed { report, path }) => {
                if args.gate_report.is_none() && !args.execute {
                    c.notes.push(format!(
                        "to reuse this gate run: --execute --gate-report {}",
                        path.display()
                    ));
                }
                Some(Evidence::Passed { report, path })
            }
            Ok(evidence) => Some(evidence),
            Err(problem) => {
                c.problems.push(problem);
                None
            }
        },
    };

    let github = if args.no_github {
        None
    } else {
        match github::preflight(r, release_commit.is_none()) {
            Ok(target) => Some(target),
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
        let path = record::path(r);
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

/// After a fetch, the release branch is not behind its remote.
fn check_remote(r: &Release, c: &mut Checks, release_commit: Option<&str>) -> anyhow::Result<()> {
    let repo = &r.repo;
    if repo.remote_url(&r.remote)?.is_none() {
        c.fail(
            "remote",
            format!("there is no remote {:?}", r.remote),
            format!("git remote add {} URL (or pass --remote NAME)", r.remote),
        );
        return Ok(());
    }
    if let Err(err) = repo.fetch(&r.remote) {
        c.fail(
            "remote",
            format!("cannot fetch {}: {err}", r.remote),
            "check the remote URL, the network and your credentials",
        );
        return Ok(());
    }
    let upstream = format!("refs/remotes/{}/{}", r.remote, r.branch);
    if repo.resolve(&upstream)?.is_none() {
        return Ok(()); // a first push creates the branch
    }
    let local = release_commit.unwrap_or("HEAD");
    let (_, behind) = repo.ahead_behind(local, &upstream)?;
    if behind > 0
        && !release_commit
            .is_some_and(|commit| repo.is_ancestor(commit, &upstream).unwrap_or(false))
    {
        c.fail(
            "remote",
            format!(
                "{} is {behind} commit(s) behind {}/{}",
                r.branch, r.remote, r.branch
            ),
            format!("git pull --rebase {} {}, then re-run", r.remote, r.branch),
        );
    }
    Ok(())
}

/// The tag is absent locally and on the remote, unless it is this command's, at the release
/// commit (resume).
fn check_tag(r: &Release, c: &mut Checks) -> anyhow::Result<()> {
    let repo = &r.repo;
    let local = repo.tag_target(&r.tag)?;
    if let Some(commit) = &local {
        if repo.subject(commit)? != r.message || !repo.is_annotated_tag(&r.tag)? {
            c.fail(
                "tag",
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
                "remote",
                format!("cannot list the tags of {}: {err}", r.remote),
                "check the remote and your credentials",
            );
            return Ok(());
        }
    };
    match (remote, repo.tag_object(&r.tag)?) {
        (None, _) => {}
        (Some(remote), None) => c.fail(
            "tag",
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
            "tag",
            format!("tag {} on {} differs from the local one", r.tag, r.remote),
            "release another version; the tag on the remote is someone else's",
        ),
        (Some(_), Some(_)) => {}
    }
    Ok(())
}

/// Greater than the latest release tag, not below pyproject.toml's version; MAJOR flagged.
fn check_versions(r: &Release, c: &mut Checks, release_commit: Option<&str>) -> anyhow::Result<()> {
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
                "version",
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
    let text = r
        .repo
        .show_file("HEAD", edits::PYPROJECT)?
        .unwrap_or_default();
    // Parse errors are reported by the edits.
    if let Ok(current) = project::version::Pyproject::parse(&text).and_then(|p| p.version()) {
        if r.version < current {
            c.fail(
                "version",
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
fn check_tree(r: &Release, c: &mut Checks, edits: &[Edit]) -> anyhow::Result<()> {
    let prefix = r.repo.prefix()?;
    let record = record::path(r);
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
            "tree",
            format!("the work tree is not clean: {}{more}", shown.join(", ")),
            "commit, stash or remove these changes (untracked files too), then re-run",
        );
    }
    Ok(())
}
