//! The release as an ordered list of steps, run once to plan and once to execute:
//! files → commit → tag → push → archive → verify-deploy → github (publish last).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::gate::short;
use super::preflight::Prepared;
use super::report::{Action, Kind, Mode, Output, Step};
use super::{git_steps, github, verify, Args, Release};

pub fn run(
    mode: Mode,
    r: &Release,
    args: &Args,
    p: &Prepared,
    out: &mut Output,
) -> anyhow::Result<()> {
    out.step("files", mode, |s| git_steps::files(r, &p.edits, s))?;
    out.step("commit", mode, |s| git_steps::commit(r, &p.edits, s))?;
    out.step("tag", mode, |s| git_steps::tag(r, s))?;
    out.step("push", mode, |s| git_steps::push(r, s))?;
    let mut assets = Vec::new();
    out.step("archive", mode, |s| match &p.github {
        Some(_) => {
            assets = archive(r, &args.assets, s)?;
            Ok(())
        }
        None => s.skipped("--no-github: nothing to upload"),
    })?;
    out.step("verify-deploy", mode, |s| match args.verify_deploy {
        true => verify::step(r, args.health_timeout, s),
        false => s.skipped("not asked for (--verify-deploy)"),
    })?;
    out.step("github", mode, |s| match &p.github {
        Some(target) => github::step(r, target, &p.body, &assets, s),
        None => s.skipped("--no-github"),
    })
}

/// Builds the release assets of the tag into `<out>/release/vX.Y.Z/` (reproducible: a rebuild
/// gives the same bytes, so resuming never uploads something different), plus the tracked
/// files matching `--asset` globs.
fn archive(r: &Release, globs: &[String], s: &mut Step) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let globs: Vec<&str> = globs.iter().map(String::as_str).collect();
    let mut assets: Vec<(PathBuf, String)> = Vec::new();
    for path in r.repo.ls_files_glob(&globs)? {
        let name = path.rsplit('/').next().unwrap_or(&path).to_string();
        assets.push((r.project.join(&path), name));
    }
    let dir = r.assets_dir();
    let tagged = r.repo.tag_target(&r.tag)?;
    let build = |rev: &str, dir: &Path| -> anyhow::Result<Vec<(PathBuf, String)>> {
        let text = r
            .repo
            .show_file(rev, super::edits::PYPROJECT)?
            .unwrap_or_default();
        let name = project::version::Pyproject::parse(&text).map(|p| p.name().to_string())?;
        let mut options = archive::Options::new(name, r.tag.clone());
        options.force = true;
        let manifest = archive::build(&r.project, rev, dir, &options)
            .with_context(|| format!("building the release archive of {rev}"))?;
        Ok(github::archive_assets(dir, &manifest))
    };
    let shown = format!("archive {} into {}", r.tag, dir.display());
    let built = match (&tagged, s.mode()) {
        // The tag exists: build now, even when planning (into the ignored out dir), so the
        // GitHub plan compares the real files.
        (Some(commit), Mode::Plan) => Some(build(commit, &dir)?),
        // No tag yet: a build of HEAD, aside, tells the plan the asset names.
        (None, Mode::Plan) => {
            let names = build("HEAD", &r.out_file("plan"))?;
            s.act(Action::new(Kind::Run, shown), || Ok(()))?;
            Some(names)
        }
        (_, Mode::Execute) => s.act(Action::new(Kind::Run, shown), || {
            let commit = r
                .repo
                .tag_target(&r.tag)?
                .context("the tag does not exist")?;
            build(&commit, &dir)
        })?,
    };
    let mut all = built.unwrap_or_default();
    for (path, name) in assets {
        anyhow::ensure!(
            !all.iter().any(|(_, existing)| *existing == name),
            "two release assets are named {name}: rename one or narrow --asset"
        );
        all.push((path, name));
    }
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
