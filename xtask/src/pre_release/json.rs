//! `pre-release --list` and `--dry-run` with `--format json`: one document on stdout, with
//! `"schema": 1` like every JSON this xtask prints (docs/json.md).

use checklist::{Checklist, Kind};
use runner::{Action, Job};
use serde_json::{json, Value};

/// `--list --format json`: every check as the checklist (defaults plus overrides) has it.
pub fn list(checklist: &Checklist) -> Value {
    let checks: Vec<Value> = checklist
        .checks()
        .iter()
        .map(|check| {
            json!({
                "id": check.id,
                "section": check.section.name(),
                "title": check.title,
                "kind": check.kind.name(),
                "command": check.command,
                "deps": check.deps,
                "needs": check.needs,
                "timeout_secs": check.timeout.as_secs(),
                "enabled": check.enabled,
                "reason": if check.kind == Kind::Manual { check.reason.clone() } else { None },
            })
        })
        .collect();
    json!({ "schema": runner::SCHEMA, "checks": checks })
}

/// `--dry-run --format json`: the jobs in the order they would run, each with what would
/// happen: `command` (and the command), `native`, or an outcome decided up front.
pub fn dry_run(jobs: &[Job]) -> Result<Value, runner::GraphError> {
    let order = runner::dry_run_order(jobs)?;
    let steps: Vec<Value> = order
        .iter()
        .map(|&index| {
            let job = &jobs[index];
            let (action, status, reason) = match &job.action {
                Action::Shell { .. } | Action::ShellSummarized { .. } => ("command", None, None),
                Action::Native(_) => ("native", None, None),
                Action::Fixed(outcome) => (
                    "decided",
                    Some(outcome.status.as_str()),
                    outcome.reason.clone(),
                ),
            };
            json!({
                "id": job.id,
                "section": job.section,
                "title": job.title,
                "deps": job.deps,
                "action": action,
                "command": job.command,
                "status": status,
                "reason": reason,
            })
        })
        .collect();
    Ok(json!({ "schema": runner::SCHEMA, "steps": steps }))
}
