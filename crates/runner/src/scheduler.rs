//! Starting jobs when their dependencies have passed, at most `jobs` at a time.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::exec::{execute, log_path, panic_message};
use crate::graph::{Graph, GraphError};
use crate::groups::Forwarding;
use crate::progress::Reporter;
use crate::{Action, CheckResult, Job, Outcome, Progress, Status};

/// How often the live status line is redrawn while nothing finishes.
const TICK: Duration = Duration::from_secs(1);

pub struct Options {
    /// How many jobs run at once; 0 means one per core.
    pub jobs: usize,
    /// Where each job's `<id>.log` goes; created if missing.
    pub log_dir: PathBuf,
    pub progress: Progress,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("cannot create the log directory {}", path.display())]
    LogDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Runs every job and returns their results in the input order.
///
/// Errors (duplicate ids, unknown dependencies, cycles, no log directory) come before anything
/// runs. A job starts only when all its dependencies passed. When a dependency ends otherwise,
/// the job is `blocked` at once without running, with the reason: "dependency `X` failed", "is
/// blocked", "was skipped" or "is a manual check" (a person's check cannot gate a machine's).
/// [`Action::Fixed`] outcomes stand whatever their dependencies do: a check skipped by a flag
/// stays skipped.
///
/// While it runs, SIGINT, SIGTERM and SIGHUP first end the running shell checks (their process
/// groups get SIGTERM), then the process as usual.
pub fn run(jobs: Vec<Job>, opts: &Options) -> Result<Vec<CheckResult>, RunError> {
    let graph = Graph::new(&jobs)?;
    std::fs::create_dir_all(&opts.log_dir).map_err(|source| RunError::LogDir {
        path: opts.log_dir.clone(),
        source,
    })?;
    let jobs: Vec<Arc<Job>> = jobs.into_iter().map(Arc::new).collect();
    let max_running = match opts.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut run = Run {
        waiting_on: graph.deps.iter().map(Vec::len).collect(),
        results: vec![None; jobs.len()],
        ready: BinaryHeap::new(),
        reporter: Reporter::new(&opts.progress, jobs.len()),
        graph,
        jobs: &jobs,
    };
    for (index, job) in jobs.iter().enumerate() {
        if run.waiting_on[index] == 0 && !matches!(job.action, Action::Fixed(_)) {
            run.ready.push(Reverse(index));
        }
    }
    for (index, job) in jobs.iter().enumerate() {
        if let Action::Fixed(outcome) = &job.action {
            run.settle(index, outcome.clone(), 0, None);
        }
    }

    let _forwarding = Forwarding::start();
    let (sender, receiver) = mpsc::channel();
    let mut running = 0;
    loop {
        while running < max_running {
            let Some(Reverse(index)) = run.ready.pop() else {
                break;
            };
            let job = Arc::clone(&jobs[index]);
            let log = log_path(&opts.log_dir, &job.id);
            let sender = sender.clone();
            run.reporter.started(&job.id);
            running += 1;
            std::thread::spawn(move || {
                let started = Instant::now();
                // A bug in the runner must not leave the scheduler waiting forever.
                let outcome =
                    catch_unwind(AssertUnwindSafe(|| execute(job, &log))).unwrap_or_else(|panic| {
                        Outcome::fail(format!("runner bug: {}", panic_message(&*panic)))
                    });
                let _ = sender.send((index, outcome, started.elapsed().as_millis() as u64, log));
            });
        }
        if running == 0 {
            break; // Nothing runs and nothing is ready: the graph has no cycle, so all settled.
        }
        let (index, outcome, duration_ms, log) = loop {
            match receiver.recv_timeout(TICK) {
                Ok(finished) => break finished,
                Err(RecvTimeoutError::Timeout) => run.reporter.tick(),
                Err(RecvTimeoutError::Disconnected) => unreachable!("the scheduler holds a sender"),
            }
        };
        running -= 1;
        let log = log.exists().then_some(log);
        run.settle(index, outcome, duration_ms, log);
    }
    run.reporter.end();
    Ok(run
        .results
        .into_iter()
        .map(|result| result.expect("every job was settled"))
        .collect())
}

struct Run<'a> {
    jobs: &'a [Arc<Job>],
    graph: Graph,
    /// Dependencies of each job that have not passed yet.
    waiting_on: Vec<usize>,
    results: Vec<Option<CheckResult>>,
    /// Jobs whose dependencies all passed, smallest index first (the input order).
    ready: BinaryHeap<Reverse<usize>>,
    reporter: Reporter<'a>,
}

impl Run<'_> {
    /// Records a job's result, then releases its dependents, or blocks them if it did not pass.
    fn settle(&mut self, index: usize, outcome: Outcome, duration_ms: u64, log: Option<PathBuf>) {
        let mut pending = vec![(index, outcome, duration_ms, log)];
        while let Some((index, outcome, duration_ms, log)) = pending.pop() {
            let job = &self.jobs[index];
            let result = CheckResult {
                id: job.id.clone(),
                section: job.section.clone(),
                title: job.title.clone(),
                status: outcome.status,
                duration_ms,
                command: job.command.clone(),
                log,
                reason: outcome.reason,
                blocked_by: outcome.blocked_by.clone(),
            };
            self.reporter.finished(&result);
            self.results[index] = Some(result);
            for &dependent in &self.graph.dependents[index] {
                // A decided outcome (skipped by a flag, manual) stands: it is settled, and
                // printed, once, as itself.
                if self.results[dependent].is_some()
                    || matches!(self.jobs[dependent].action, Action::Fixed(_))
                {
                    continue;
                }
                if outcome.status == Status::Pass {
                    self.waiting_on[dependent] -= 1;
                    if self.waiting_on[dependent] == 0 {
                        self.ready.push(Reverse(dependent));
                    }
                } else if !pending.iter().any(|(queued, ..)| *queued == dependent) {
                    let reason = blocked_reason(&job.id, outcome.status);
                    // The root cause: what blocked the dependency, else the dependency itself.
                    let cause = match outcome.status {
                        Status::Blocked => outcome.blocked_by.clone(),
                        _ => None,
                    };
                    let cause = cause.unwrap_or_else(|| job.id.clone());
                    pending.push((dependent, Outcome::blocked_by(cause, reason), 0, None));
                }
            }
        }
    }
}

fn blocked_reason(dep: &str, status: Status) -> String {
    let what = match status {
        Status::Fail => "failed",
        Status::Blocked => "is blocked",
        Status::Skipped => "was skipped",
        Status::Manual => "is a manual check",
        Status::Pass => unreachable!("a passed dependency blocks nothing"),
    };
    format!("dependency `{dep}` {what}")
}
