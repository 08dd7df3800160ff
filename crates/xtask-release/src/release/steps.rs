//! Layer 5 (orchestrator), the release as an ordered list of steps, run once to plan and once
//! to execute. The list is data ([`RELEASE`]); a command that needs fewer steps (a re-publish,
//! a hotfix without verify-deploy) passes its own list to [`run`].

use std::path::{Path, PathBuf};

use anyhow::Context;
use git::short;

use super::effect::{Action, Mode, Op, Step};
use super::preflight::Prepared;
use super::report::Output;
use super::vocab::{Options, Release};
use super::{git_steps, github, verify};

/// One release step; [`StepId::name`] is its name in the plan and the JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepId {
    /// Write the edits (all or nothing).
    Files,
    /// Commit exactly the release's files.
    Commit,
    /// The annotated tag at the release commit.
    Tag,
    /// One atomic push of branch and tag.
    Push,
    /// Build the reproducible release assets of the tag.
    Archive,
    /// Checklist step 7 on the tag, in a separate worktree.
    VerifyDeploy,
    /// Draft, upload, publish (last).
    Github,
}

impl StepId {
    pub fn name(self) -> &'static str {
        match self {
            StepId::Files => "files",
            StepId::Commit => "commit",
            StepId::Tag => "tag",
            StepId::Push => "push",
            StepId::Archive => "archive",
            StepId::VerifyDeploy => "verify-deploy",
            StepId::Github => "github",
        }
    }
}

/// `cargo xtask release`: files → commit → tag → push → archive → verify-deploy → github.
pub const RELEASE: [StepId; 7] = [
    StepId::Files,
    StepId::Commit,
    StepId::Tag,
    StepId::Push,
    StepId::Archive,
    StepId::VerifyDeploy,
    StepId::Github,
];

/// Runs `list` in order in `mode`, each step shown as it finishes; stops at the first failure.
pub fn run(
    list: &[StepId],
    mode: Mode,
    r: &Release,
    opts: &Options,
    p: &Prepared,
    out: &mut Output,
) -> anyhow::Result<()> {
    let mut assets = Vec::new();
    let mut url = None;
    for &id in list {
        out.step(id.name(), mode, |s| match id {
            StepId::Files => git_steps::files(r, &p.edits, s),
            StepId::Commit => git_steps::commit(r, &p.edits, s),
            StepId::Tag => git_steps::tag(r, s),
            StepId::Push => git_steps::push(r, s),
            StepId::Archive => match &p.github {
                Some(_) => {
                    assets = archive(r, &opts.assets, s)?;
                    Ok(())
                }
                None => s.skipped("--no-github: nothing to upload"),
            },
            StepId::VerifyDeploy => match opts.verify_deploy {
                Some(health_timeout) => verify::step(r, health_timeout, s),
                None => s.skipped("not asked for (--verify-deploy)"),
            },
            StepId::Github => match &p.github {
                Some(target) => {
                    url = github::step(r, target, &p.body, &assets, s)?;
                    Ok(())
                }
                None => s.skipped("--no-github"),
            },
        })?;
    }
    out.published(url, assets.iter().map(|(_, name)| name.clone()).collect());
    Ok(())
}

/// Builds the release assets of the tag into `<out>/release/vX.Y.Z/` (reproducible: a rebuild
/// gives the same bytes, so resuming never uploads something different), the tracked files
/// matching `--asset` globs among them: copied from the tag's tree and listed in SHA256SUMS
/// and the manifest like the archive's own files (`archive::verify` rebuilds them too).
fn archive(r: &Release, globs: &[String], s: &mut Step) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let extras: Vec<archive::ExtraFile> = github::extra_assets(r, globs)
        .map_err(|problems| {
            let causes: Vec<String> = problems.into_iter().map(|p| p.cause).collect();
            anyhow::anyhow!("{}", causes.join("; "))
        })?
        .into_iter()
        .map(|(path, name)| archive::ExtraFile {
            path: path
                .strip_prefix(&r.project)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/"),
            name,
        })
        .collect();
    let dir = r.assets_dir();
    let tagged = r.repo.tag_target(&r.tag)?;
    let build = |rev: &str, dir: &Path| -> anyhow::Result<Vec<(PathBuf, String)>> {
        let name = xtask::version::project_name(&r.repo, rev, rev)?;
        let mut options = archive::Options::new(name, r.tag.clone());
        options.force = true;
        options.extras = extras.clone();
        let manifest = archive::build(&r.project, rev, dir, &options)
            .with_context(|| format!("building the release archive of {rev}"))?;
        Ok(github::archive_assets(dir, &manifest))
    };
    let archive = || {
        Action::new(Op::Archive {
            tag: r.tag.clone(),
            dir: dir.display().to_string(),
        })
    };
    let built = match (&tagged, s.mode()) {
        // The tag exists: build now, even when planning (into the ignored out dir), so the
        // GitHub plan compares the real files.
        (Some(commit), Mode::Plan) => Some(build(commit, &dir)?),
        // No tag yet: a build of HEAD, aside, tells the plan the asset names.
        (None, Mode::Plan) => {
            let names = build("HEAD", &r.out_file("plan"))?;
            s.act(archive(), || Ok(()))?;
            Some(names)
        }
        (_, Mode::Execute) => s.act(archive(), || {
            let commit = r
                .repo
                .tag_target(&r.tag)?
                .context("the tag does not exist")?;
            build(&commit, &dir)
        })?,
    };
    let all = built.unwrap_or_default();
    match (&tagged, s.mode()) {
        (Some(commit), Mode::Plan) => s.done(format!(
            "{} asset(s) of {} in {}",
            all.len(),
            short(commit),
            dir.display()
        )),
        (None, Mode::Plan) => s.summary(format!(
            "{} asset(s) (names from a build of HEAD; --execute builds the tag)",
            all.len()
        )),
        (_, Mode::Execute) => s.summary(format!("{} asset(s) into {}", all.len(), dir.display())),
    }
    Ok(all)
}
