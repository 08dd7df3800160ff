//! Layer 1, checklist step 7, "Build and Test Release", with `--verify-deploy`: the scripts run on the
//! tag in a separate git worktree (the user's checkout is never switched), before the GitHub
//! release is published, so a release that does not deploy is not published.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use xshell::{cmd, Shell};

use super::effect::{Action, Step};
use super::vocab::Release;

pub fn step(r: &Release, health_timeout: u64, s: &mut Step) -> anyhow::Result<()> {
    let worktree = r.out_file("worktree");
    let log = r.out_file("verify-deploy.log");
    let timeout = health_timeout.to_string();
    let scripts: [(&str, Vec<&str>); 5] = [
        ("teardown.sh", vec!["--force"]),
        ("build.sh", vec![]),
        ("deploy.sh", vec![]),
        ("check-health.sh", vec![timeout.as_str()]),
        ("test-integration.sh", vec!["full"]),
    ];
    s.summary(format!(
        "on {} in {} (log: {})",
        r.tag,
        worktree.display(),
        log.display()
    ));
    let dir = worktree.display().to_string();
    let add = ["worktree", "add", "--detach", &dir, &r.tag];
    s.act(Action::git(&add), || Ok(()))?;
    for (script, args) in &scripts {
        let run = Action::run(format!("./scripts/{script}"), args).in_dir(&dir);
        s.act(run, || Ok(()))?;
    }
    s.act(
        Action::git(&["worktree", "remove", "--force", &dir]),
        || run_all(r, &worktree, &log, &scripts),
    )?;
    Ok(())
}

fn run_all(
    r: &Release,
    worktree: &Path,
    log: &Path,
    scripts: &[(&str, Vec<&str>)],
) -> anyhow::Result<()> {
    if worktree.exists() {
        // Left by a run that was stopped: start over.
        let _ = r.repo.worktree_remove(worktree);
        let _ = std::fs::remove_dir_all(worktree);
        let _ = r.repo.git(&["worktree", "prune"]);
    }
    std::fs::create_dir_all(&r.out)?;
    r.repo
        .worktree_add(worktree, &r.tag)
        .context("creating the verify worktree")?;
    let result = run_scripts(r, worktree, log, scripts);
    let removed = r.repo.worktree_remove(worktree);
    result?;
    removed.context("removing the verify worktree")?;
    Ok(())
}

fn run_scripts(
    r: &Release,
    worktree: &Path,
    log: &Path,
    scripts: &[(&str, Vec<&str>)],
) -> anyhow::Result<()> {
    let mut log_file =
        std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let project = worktree.join(r.repo.prefix()?);
    for (script, args) in scripts {
        if let Err(status) = run_script(&project, script, args, &mut log_file)? {
            anyhow::bail!(
                "verify-deploy: ./scripts/{script} failed ({status}) on {}; the GitHub release was not published; log: {}",
                r.tag,
                log.display()
            );
        }
    }
    Ok(())
}

/// Runs `./scripts/<script> <args>` in `dir` (a project's own deploy scripts, as the checklist
/// runs them), its command line and output appended to `log`. `Ok(Err(status))`: it ran and
/// failed with that exit status.
pub fn run_script(
    dir: &Path,
    script: &str,
    args: &[&str],
    log: &mut std::fs::File,
) -> anyhow::Result<Result<(), String>> {
    let sh = Shell::new()?;
    sh.change_dir(dir);
    let path = format!("./scripts/{script}");
    writeln!(log, "$ {path} {}", args.join(" "))?;
    let out = cmd!(sh, "{path} {args...}")
        .quiet()
        .ignore_status()
        .output()
        .with_context(|| format!("running {path} in {}", dir.display()))?;
    log.write_all(&out.stdout)?;
    log.write_all(&out.stderr)?;
    Ok(match out.status.success() {
        true => Ok(()),
        false => Err(out.status.to_string()),
    })
}
