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
        let order = topological_order(&deps, &dependents).ok_or_else(|| {
            let cycle = find_cycle(&deps).unwrap_or_default();
            GraphError::Cycle(cycle.into_iter().map(|i| jobs[i].id.clone()).collect())
        })?;
        Ok(Graph {
            deps,
            dependents,
            order,
        })
    }
}

/// Kahn's algorithm with a min-heap, so the order is stable: the input order among ready jobs.
/// `None` on a cycle.
fn topological_order(deps: &[Vec<usize>], dependents: &[Vec<usize>]) -> Option<Vec<usize>> {
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
    (order.len() == deps.len()).then_some(order)
}

/// The one cycle finder of the workspace (the checklist uses it too): a dependency cycle as
/// indices, the first repeated at the end, in the direction of the edges (`deps[a]` holds `b`:
/// `a -> b`, "a depends on b"); `None` when there is no cycle. Depth-first, in index order.
pub fn find_cycle(deps: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit(
        at: usize,
        deps: &[Vec<usize>],
        marks: &mut [Mark],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        marks[at] = Mark::OnPath;
        path.push(at);
        for &next in &deps[at] {
            match marks[next] {
                Mark::OnPath => {
                    let start = path.iter().position(|&i| i == next)?;
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next);
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(cycle) = visit(next, deps, marks, path) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[at] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; deps.len()];
    (0..deps.len()).find_map(|i| {
        (marks[i] == Mark::New).then(|| visit(i, deps, &mut marks, &mut Vec::new()))?
    })
}
