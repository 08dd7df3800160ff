//! `--dry-run`: what would run, in order, without running anything.

use crate::graph::{Graph, GraphError};
use crate::{Action, Job};

/// One line per job, each after its dependencies: `id: command`, or what happens instead of a
/// command (a native check, or the outcome decided up front and why).
pub fn dry_run_lines(jobs: &[Job]) -> Result<Vec<String>, GraphError> {
    let graph = Graph::new(jobs)?;
    Ok(graph
        .order
        .iter()
        .map(|&index| dry_run_line(&jobs[index]))
        .collect())
}

/// The jobs' indices in the order they would run (each after its dependencies).
pub fn dry_run_order(jobs: &[Job]) -> Result<Vec<usize>, GraphError> {
    Ok(Graph::new(jobs)?.order)
}

fn dry_run_line(job: &Job) -> String {
    let what = match (&job.action, &job.command) {
        (Action::Fixed(outcome), _) => match &outcome.reason {
            Some(reason) => format!("({}: {reason})", outcome.status),
            None => format!("({})", outcome.status),
        },
        (Action::Shell { script, .. } | Action::ShellSummarized { script, .. }, None) => {
            script.clone()
        }
        (_, Some(command)) => command.clone(),
        (Action::Native(_), None) => format!("(native: {})", job.title),
    };
    format!("{}: {what}", job.id)
}
