//! Step 6 of the Model Update Procedure: one commit of the model files, the annotated tag
//! `models-vX.Y.Z` "Model configuration for vX.Y.Z", one atomic push of branch and tag — and
//! `models tag X.Y.Z`, the same step alone for a configuration changed by hand.

use std::path::Path;

use semver::Version;

use crate::release::core::{Action, Mode, Output, Step};
use crate::release::plan_then_execute;
pub use xtask::cli::models::tag::{Args, GitArgs};
use xtask::exit::Exit;
use xtask::Ctx;

/// The files a model configuration lives in (those that exist are committed).
pub const MODEL_FILES: &[&str] = &[
    project::models::MODEL_PULL,
    project::models::MODEL_PRUNE,
    "README.md",
    "docs/MODEL_SELECTION.md",
    project::model_versions::MODEL_VERSIONS,
    "CHANGELOG.md",
];

/// One commit, one tag, one push.
pub struct Tagging {
    pub repo: git::Repo,
    pub tag: String,
    pub tag_message: String,
    pub commit_message: String,
    /// Project-relative paths to commit.
    pub paths: Vec<String>,
    pub remote: String,
    pub branch: String,
}

impl Tagging {
    pub fn new(
        project: &Path,
        version: &Version,
        commit_message: String,
        paths: Vec<String>,
        git: &GitArgs,
    ) -> Tagging {
        Tagging {
            repo: git::Repo::new(project),
            tag: format!("models-v{version}"),
            tag_message: format!("Model configuration for v{version}"),
            commit_message,
            paths,
            remote: git.remote.name.clone(),
            branch: git.branch.name.clone(),
        }
    }

    /// Refuses (nothing changed) when the tag exists at another commit than HEAD, locally or on
    /// the remote: a published models tag is never moved.
    pub fn preflight(&self) -> anyhow::Result<()> {
        if !self.repo.is_repo() {
            return Err(Exit::refused(
                "the project is not in a git repository",
                "run it in a git checkout",
            )
            .into());
        }
        let head = self.repo.head()?;
        let refuse = |at: &str, place: &str| -> anyhow::Error {
            Exit::refused(
                format!(
                    "tag {} exists {place} at {} (HEAD is elsewhere)",
                    self.tag,
                    &at[..at.len().min(12)]
                ),
                "models tags are never moved: pass another version (--version X.Y.Z)",
            )
            .into()
        };
        if let Some(local) = self.repo.tag_target(&self.tag)? {
            if Some(&local) != head.as_ref() {
                return Err(refuse(&local, "locally"));
            }
        }
        if self.repo.remote_url(&self.remote)?.is_none() {
            return Err(Exit::refused(
                format!("no git remote `{}`", self.remote),
                "pass --remote NAME, or add the remote",
            )
            .into());
        }
        if let Some(remote) = self.repo.remote_tag(&self.remote, &self.tag)? {
            let local = self.repo.tag_target(&self.tag)?;
            if local.as_ref() != Some(&remote.commit) {
                return Err(refuse(&remote.commit, &format!("on {}", self.remote)));
            }
        }
        Ok(())
    }

    /// The model files with uncommitted changes.
    fn changed(&self) -> anyhow::Result<Vec<String>> {
        let prefix = self.repo.prefix()?;
        let status = self.repo.status_paths()?;
        Ok(self
            .paths
            .iter()
            .filter(|p| status.iter().any(|(_, s)| s == &format!("{prefix}{p}")))
            .cloned()
            .collect())
    }

    /// Commit (when the files changed, or `pending`: earlier planned steps will change them),
    /// tag, push; each part looks at git first.
    pub fn step(&self, step: &mut Step, pending: bool) -> anyhow::Result<()> {
        let mut changed = self.changed()?;
        if changed.is_empty() && pending && step.mode() == Mode::Plan {
            changed = self.paths.clone();
        }
        if !changed.is_empty() {
            let paths: Vec<&str> = changed.iter().map(String::as_str).collect();
            let mut args = vec!["commit", "-m", &self.commit_message, "--"];
            args.extend(&paths);
            step.act(Action::git(&args), || {
                Ok(self.repo.commit_paths(&self.commit_message, &paths)?)
            })?;
        }
        if self.repo.tag_target(&self.tag)?.is_none() {
            let args = [
                "tag",
                "--annotate",
                "-m",
                &self.tag_message,
                &self.tag,
                "HEAD",
            ];
            step.act(Action::git(&args), || {
                Ok(self
                    .repo
                    .annotated_tag(&self.tag, &self.tag_message, "HEAD")?)
            })?;
        }
        let head = self.repo.head()?.unwrap_or_default();
        let pushed_tag = self
            .repo
            .remote_tag(&self.remote, &self.tag)?
            .map(|t| t.commit);
        let pushed_branch = self.repo.remote_branch(&self.remote, &self.branch)?;
        let tag_ref = format!("refs/tags/{}", self.tag);
        let branch_ref = format!("HEAD:refs/heads/{}", self.branch);
        if !step.actions.is_empty()
            || pushed_tag.as_deref() != Some(head.as_str())
            || pushed_branch.as_deref() != Some(head.as_str())
        {
            let args = ["push", "--atomic", &self.remote, &branch_ref, &tag_ref];
            step.act(Action::git(&args), || {
                Ok(self
                    .repo
                    .push_atomic(&self.remote, &[&branch_ref, &tag_ref])?)
            })?;
        }
        if step.actions.is_empty() {
            step.done(format!(
                "{} is on {} with {}",
                self.tag, self.remote, self.branch
            ));
        } else {
            step.summary(format!("{} for the model configuration", self.tag));
        }
        Ok(())
    }
}

pub fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<u8> {
    let version = xtask::version::parse_release_version(&args.version)?;
    // The registry must say what the files say.
    let drift: Vec<String> = super::check::files(&ctx.project)
        .into_iter()
        .filter(|f| f.at.starts_with(project::model_versions::MODEL_VERSIONS))
        .map(|f| f.to_string())
        .collect();
    if !drift.is_empty() {
        return Err(Exit::refused(
            format!(
                "docs/MODEL_VERSIONS.md is not current for the models in the files: {}",
                drift.join("; ")
            ),
            format!("run `cargo xtask models record --version {version} --execute` first"),
        )
        .into());
    }
    if let Some(warning) = super::release_warning(&ctx.project, &version) {
        return Err(Exit::refused(
            warning,
            format!("record the models for v{version} before tagging them"),
        )
        .into());
    }
    let paths = MODEL_FILES
        .iter()
        .filter(|f| ctx.project.join(f).is_file())
        .map(|f| f.to_string())
        .collect();
    let tagging = Tagging::new(
        &ctx.project,
        &version,
        format!("Update model configuration for v{version}"),
        paths,
        &args.git,
    );
    tagging.preflight()?;
    let mut out = Output::command(
        args.common.format,
        format!("models tag {}", tagging.tag),
        format!("tagged {}", tagging.tag),
    );
    plan_then_execute(&args.common, &mut out, |mode, out| {
        out.step("tag", mode, |step| tagging.step(step, false))
    })
}
