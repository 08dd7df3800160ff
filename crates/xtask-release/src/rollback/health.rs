//! The end of checklist step 2, "Verify health", and step 3's gate: the old version's services
//! are polled natively, exactly as `pre-release`'s `services-healthy` does (180 s by default).
//! A rollback whose old version is not healthy stops here and says so: nothing is announced.

use runner::Status;

use super::Rollback;
use crate::release::core::{Action, Op, Step};
use xtask::exit::{self, Exit};

pub fn step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    let seconds = r.health_timeout.as_secs();
    let log_path = r.out_file("health.log");
    s.summary(format!(
        "{} must answer within {seconds}s (log: {})",
        r.to.tag,
        log_path.display()
    ));
    let services = ["ollama", "langflow", "code-server"]
        .map(String::from)
        .to_vec();
    let op = Op::WaitHealthy {
        services,
        timeout_secs: seconds,
    };
    s.act(Action::new(op), || {
        let compose = project::compose::Compose::load(&r.release.project)
            .map_err(|err| anyhow::anyhow!("reading the compose file of {}: {err}", r.to.tag))?;
        let mut log = Vec::new();
        let outcome = xtask::pre_release::wait_healthy(&compose, r.health_timeout, &mut log);
        xtask::fs::write_atomic(&log_path, &log)?;
        let text = String::from_utf8_lossy(&log);
        let answered: Vec<String> = text
            .lines()
            .filter(|line| line.contains(" answered "))
            .map(str::to_string)
            .collect();
        r.evidence.borrow_mut().extend(answered);
        match outcome.status {
            Status::Pass => Ok(()),
            _ => Err(Exit {
                code: exit::FAILED,
                cause: format!(
                    "{} is not healthy: {}; nothing was announced (log: {})",
                    r.to.tag,
                    outcome.reason.unwrap_or_default(),
                    log_path.display()
                ),
                fix: Some(format!(
                    "look at `docker compose logs`, then re-run to check again, or roll back further: --to a version below {}",
                    r.to.tag
                )),
            }
            .into()),
        }
    })?;
    Ok(())
}
