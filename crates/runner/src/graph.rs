//! The dependency graph between jobs: validated before anything runs.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::Job;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("two checks have the id `{0}`")]
    DuplicateId(String),
    #[error("check `{job}` depends on `{dep}`, which is not a check of this run")]
    UnknownDependency { job: String, dep: String },
    #[error("the dependencies form a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
}

/// Dependencies by job index, both ways.
pub(crate) struct Graph {
    pub(crate) deps: Vec<Vec<usize>>,
    pub(crate) dependents: Vec<Vec<usize>>,
    /// Every job, each after its dependencies; among ready jobs the input order wins.
    pub(crate) order: Vec<usize>,
}

impl Graph {
    pub(crate) fn new(jobs: &[Job]) -> Result<Graph, GraphError> {
        let mut index_of = HashMap::with_capacity(jobs.len());
        for (index, job) in jobs.iter().enumerate() {
            if index_of.insert(job.id.as_str(), index).is_some() {
                return Err(GraphError::DuplicateId(job.id.clone()));
            }
        }
        let mut deps = vec![Vec::new(); jobs.len()];
        let mut dependents = vec![Vec::new(); jobs.len()];
        for (index, job) in jobs.iter().enumerate() {
            for dep in &job.deps {
                let Some(&dep_index) = index_of.get(dep.as_str()) else {
                    return Err(GraphError::UnknownDependency {
                        job: job.id.clone(),
                        dep: dep.clone(),
                    });
                };
                // A dependency listed twice is still one edge.
                if !deps[index].contains(&dep_index) {
                    deps[index].push(dep_index);
                    dependents[dep_index].push(index);
                }
            }
        }
        let order = topological_order(&deps, &dependents)
            .map_err(|stuck| GraphError::Cycle(find_cycle(&deps, &stuck, jobs)))?;
        Ok(Graph {
            deps,
            dependents,
            order,
        })
    }
}

/// Kahn's algorithm with a min-heap, so the order is stable: the input order among ready jobs.
/// On a cycle, returns the jobs that could not be ordered.
fn topological_order(
    deps: &[Vec<usize>],
    dependents: &[Vec<usize>],
) -> Result<Vec<usize>, Vec<bool>> {
    let mut waiting_on: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..deps.len())
        .filter(|&i| waiting_on[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(Reverse(index)) = ready.pop() {
        order.push(index);
        for &dependent in &dependents[index] {
            waiting_on[dependent] -= 1;
            if waiting_on[dependent] == 0 {
                ready.push(Reverse(dependent));
            }
        }
    }
    if order.len() == deps.len() {
        Ok(order)
    } else {
        Err(waiting_on.iter().map(|&n| n > 0).collect())
    }
}

/// Every stuck job waits on another stuck job, so walking stuck dependencies must revisit one.
fn find_cycle(deps: &[Vec<usize>], stuck: &[bool], jobs: &[Job]) -> Vec<String> {
    let start = stuck
        .iter()
        .position(|&s| s)
        .expect("a cycle leaves a stuck job");
    let mut path = vec![start];
    loop {
        let current = *path.last().unwrap();
        let next = *deps[current]
            .iter()
            .find(|&&d| stuck[d])
            .expect("a stuck job waits on a stuck job");
        if let Some(pos) = path.iter().position(|&p| p == next) {
            // Shown in the direction of the edges as written: `a -> b` means `a` depends on `b`.
            let mut cycle: Vec<String> = path[pos..].iter().map(|&i| jobs[i].id.clone()).collect();
            cycle.push(jobs[next].id.clone());
            return cycle;
        }
        path.push(next);
    }
}
