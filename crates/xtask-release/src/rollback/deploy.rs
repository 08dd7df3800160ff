//! Checklist step 2, "Rollback Deployment": teardown, `git checkout` of `--to`, build, deploy —
//! the project's own scripts, run in the project directory itself. Compose resolves bind
//! mounts such as `./chroma_db` against that directory, so the old version keeps the project's
//! data; a temporary worktree would give it a new, empty `./chroma_db`.
//!
//! Each step looks first: HEAD at `--to` and the project's containers up (`docker compose ps`)
//! means the old version is deployed already.

use std::io::Write;

use anyhow::Context;
use semver::Version;
use xshell::{cmd, Shell};

use super::Rollback;
use crate::release::core::{run_script, Action, Step};
use xtask::Ctx;

/// The OCI label a project's image can carry to say which version runs.
const VERSION_LABEL: &str = "org.opencontainers.image.version";

/// The version the running app container reports through its image's
/// `org.opencontainers.image.version` label, when docker can tell.
pub fn deployed_version(ctx: &Ctx) -> Option<Version> {
    let compose = project::compose::Compose::load(&ctx.project).ok()?;
    let container = compose.app()?.container().to_string();
    let sh = Shell::new().ok()?;
    let format = format!("{{{{index .Config.Labels \"{VERSION_LABEL}\"}}}}");
    let label = cmd!(sh, "docker inspect --format {format} {container}")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()?;
    xtask::version::parse_release_version(label.trim()).ok()
}

/// Whether any container of the project's compose file is running (`docker compose ps -q`).
fn running(r: &Rollback) -> anyhow::Result<bool> {
    let sh = Shell::new()?;
    sh.change_dir(&r.release.project);
    let ids = cmd!(sh, "docker compose ps --quiet")
        .quiet()
        .ignore_stderr()
        .read()
        .context("asking docker which of the project's containers run (docker compose ps)")?;
    Ok(ids.lines().any(|line| !line.trim().is_empty()))
}

fn at_to(r: &Rollback) -> anyhow::Result<bool> {
    Ok(r.release.repo.head()?.as_deref() == Some(r.to.commit.as_str()))
}

/// The old version is deployed already: checked out and up.
fn deployed(r: &Rollback) -> anyhow::Result<bool> {
    Ok(at_to(r)? && running(r).unwrap_or(false))
}

/// The arguments for `scripts/teardown.sh`, and why they differ from the checklist's
/// `--force`: when the project's script makes `--force` remove the compose volumes (Ollama's
/// models, pinned copies included, and Langflow's database), that is user data, so the rollback
/// stops the services and keeps the volumes.
pub fn teardown(project: &std::path::Path) -> (Vec<&'static str>, Option<String>) {
    let script = std::fs::read_to_string(project.join("scripts/teardown.sh")).unwrap_or_default();
    let removes_volumes = script.lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.contains(&"down") && (words.contains(&"--volumes") || words.contains(&"-v"))
    });
    match removes_volumes {
        true => (
            Vec::new(),
            Some(
                "scripts/teardown.sh --force would remove the compose volumes (models, Langflow's \
                 data): the rollback runs ./scripts/teardown.sh without --force and keeps them"
                    .into(),
            ),
        ),
        false => (vec!["--force"], None),
    }
}

pub fn teardown_step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    match running(r) {
        Ok(false) => {
            s.done("no container of the project is running");
            return Ok(());
        }
        Ok(true) if at_to(r)? => {
            s.done(format!("the deployment runs {} already", r.to.tag));
            return Ok(());
        }
        _ => {}
    }
    let (args, _) = teardown(&r.release.project);
    script(r, s, "teardown.sh", &args)
}

/// `git checkout --detach vA.B.C` in the project, after recording the branch to return to.
pub fn checkout_step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    if at_to(r)? {
        s.done(format!("HEAD is at {}", r.to.shown()));
        return Ok(());
    }
    let record = r.out_file("branch");
    let branch = r.branch.clone().unwrap_or_default();
    s.summary(format!(
        "{} (from branch {branch}, recorded in {})",
        r.to.shown(),
        record.display()
    ));
    s.act(Action::git(&["checkout", "--detach", &r.to.tag]), || {
        xtask::fs::write_atomic(&record, format!("{branch}\n").as_bytes())?;
        r.release
            .repo
            .git(&["checkout", "--quiet", "--detach", &r.to.tag])
            .context("checking out the old version")?;
        Ok(())
    })?;
    Ok(())
}

/// The branch the checkout step recorded (a resumed run starts detached at `--to`).
pub fn recorded_branch(r: &Rollback) -> Option<String> {
    let text = std::fs::read_to_string(r.out_file("branch")).ok()?;
    Some(text.trim().to_string()).filter(|branch| !branch.is_empty())
}

pub fn build_step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    if deployed(r)? {
        s.done(format!("{} is deployed already", r.to.tag));
        return Ok(());
    }
    script(r, s, "build.sh", &[])
}

pub fn deploy_step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    if deployed(r)? {
        s.done(format!("{} is deployed already", r.to.tag));
        return Ok(());
    }
    script(r, s, "deploy.sh", &[])
}

/// One of the project's scripts in the project directory, logged to `<out>/rollback/<from>.log`.
fn script(r: &Rollback, s: &mut Step, name: &str, args: &[&str]) -> anyhow::Result<()> {
    let log = r.out_file("log");
    s.summary(format!(
        "in {} (log: {})",
        r.release.project.display(),
        log.display()
    ));
    s.act(Action::run(format!("./scripts/{name}"), args), || {
        std::fs::create_dir_all(&r.release.out)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("opening {}", log.display()))?;
        writeln!(
            file,
            "# {}",
            runner::rfc3339_utc(std::time::SystemTime::now())
        )?;
        match run_script(&r.release.project, name, args, &mut file)? {
            Ok(()) => Ok(()),
            Err(status) => anyhow::bail!(
                "./scripts/{name} failed ({status}) deploying {}; nothing was announced; log: {}",
                r.to.tag,
                log.display()
            ),
        }
    })?;
    Ok(())
}
