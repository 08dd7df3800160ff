//! The results of a run and the JSON report built from them.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Status;

/// What happened to one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub section: String,
    pub title: String,
    pub status: Status,
    pub duration_ms: u64,
    /// `null` for native and manual checks.
    pub command: Option<String>,
    /// `null` when nothing ran (blocked by a dependency, manual, skipped).
    #[serde(serialize_with = "serialize_lossy_path")]
    pub log: Option<PathBuf>,
    /// Why it failed, could not run, or was left out; for a pass `null`, or the evidence
    /// (`post-release` says what it looked at).
    pub reason: Option<String>,
    /// For a blocked check, the root cause it shares with others: `docker engine`, or the id
    /// of the check that did not pass (followed through blocked dependencies).
    #[serde(default)]
    pub blocked_by: Option<String>,
}

impl CheckResult {
    /// The reason people read: `blocked by: CAUSE` for a shared cause (its text is printed once
    /// elsewhere), else the reason.
    pub fn shown_reason(&self) -> Option<String> {
        match (&self.blocked_by, &self.reason) {
            // "dependency `deploy` failed" already names its cause.
            (Some(cause), Some(reason)) if reason.contains(&format!("`{cause}`")) => {
                Some(reason.clone())
            }
            (Some(cause), _) if self.status == Status::Blocked => {
                Some(format!("blocked by: {cause}"))
            }
            _ => self.reason.clone(),
        }
    }
}

/// Counts by status; all five keys are always present in the JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub blocked: usize,
    pub skipped: usize,
    pub manual: usize,
}

impl Summary {
    pub fn of(checks: &[CheckResult]) -> Summary {
        let mut summary = Summary::default();
        for check in checks {
            summary.add(check.status);
        }
        summary
    }

    pub fn count(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Blocked => self.blocked,
            Status::Skipped => self.skipped,
            Status::Manual => self.manual,
        }
    }

    pub(crate) fn add(&mut self, status: Status) {
        *match status {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Blocked => &mut self.blocked,
            Status::Skipped => &mut self.skipped,
            Status::Manual => &mut self.manual,
        } += 1;
    }
}

/// A person's sign-off on a (manual) check, or on the release in a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    /// The check signed off, or `role:<role>` (e.g. `role:release-manager`) for a role's.
    pub id: String,
    /// Who, e.g. `Jane Doe <jane@example.com>` from git's user, or the name given for a role.
    pub by: String,
    /// When, RFC 3339 (see [`crate::rfc3339_utc`]).
    pub at: String,
    /// The role signed for (`Release Manager`, `Tech Lead`), when it is a role's sign-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// The version of the report's JSON layout (docs/json.md); a reader refuses newer ones.
pub const SCHEMA: u32 = 1;

fn schema_default() -> u32 {
    SCHEMA
}

/// The JSON report of a run. [`Report::new`] fills `checks` and `summary`; the caller sets the
/// metadata fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The layout version, [`SCHEMA`] (reports written before it existed read as 1).
    #[serde(default = "schema_default")]
    pub schema: u32,
    /// The tool and its version, e.g. `xtask pre-release 0.1.0`.
    pub tool: String,
    /// The project's name (or root) the checks ran on.
    pub project: String,
    /// The commit checked out (`null` outside git); merging requires equal commits.
    pub commit: Option<String>,
    /// The release about to be cut (`--version`), if any.
    pub target_version: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    pub summary: Summary,
    pub checks: Vec<CheckResult>,
    #[serde(default)]
    pub sign_offs: Vec<SignOff>,
    /// The sections the run covered (every section a selected check is in). `null` in reports
    /// written before the field existed: a reader infers it from the checks that did not skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<Vec<String>>,
    /// The checks `--section`/`--only` did not select (reported as skipped): left to another
    /// job. A merge in which every report left a check out has not run it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_selected: Option<Vec<String>>,
    /// Why a merged verdict cannot be trusted (a missing or duplicated section, a check no
    /// report ran); any entry makes the verdict "not ready".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("no reports to merge")]
    Empty,
    #[error("the reports are of different commits: {first} and {other}")]
    DifferentCommits { first: String, other: String },
    #[error("the reports are for different target versions: {first} and {other}")]
    DifferentTargetVersions { first: String, other: String },
}

impl Report {
    pub fn new(checks: Vec<CheckResult>) -> Report {
        Report {
            schema: SCHEMA,
            tool: String::new(),
            project: String::new(),
            commit: None,
            target_version: None,
            started_at: String::new(),
            duration_ms: 0,
            summary: Summary::of(&checks),
            checks,
            sign_offs: Vec::new(),
            sections: None,
            not_selected: None,
            incomplete: Vec::new(),
        }
    }

    /// The sections this report covers: [`Report::sections`], else (older reports) the
    /// sections of its checks that were not skipped.
    pub fn covered_sections(&self) -> Vec<String> {
        if let Some(sections) = &self.sections {
            return sections.clone();
        }
        let mut found: Vec<String> = Vec::new();
        for check in &self.checks {
            if check.status != Status::Skipped && !found.contains(&check.section) {
                found.push(check.section.clone());
            }
        }
        found
    }

    /// Whether this report left `id` to another job: [`Report::not_selected`], else (older
    /// reports) whether it was skipped.
    pub fn left_out(&self, id: &str) -> bool {
        match &self.not_selected {
            Some(ids) => ids.iter().any(|i| i == id),
            None => self
                .checks
                .iter()
                .any(|c| c.id == id && c.status == Status::Skipped),
        }
    }

    /// "ready" when the exit code is 0, else "not ready".
    pub fn verdict(&self) -> &'static str {
        if self.exit_code() == 0 {
            "ready"
        } else {
            "not ready"
        }
    }

    /// 0 when no check failed or is blocked and nothing made the report
    /// [`incomplete`](Report::incomplete), else 1. (2, for usage errors, is the caller's.)
    pub fn exit_code(&self) -> u8 {
        let summary = Summary::of(&self.checks);
        if summary.fail == 0 && summary.blocked == 0 && self.incomplete.is_empty() {
            0
        } else {
            1
        }
    }

    /// Pretty-printed JSON, ending without a newline.
    pub fn to_json(&self) -> String {
        // Every field is a string, a number, a list or a struct, and paths are written lossily:
        // serialising cannot fail.
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    pub fn from_json(json: &str) -> Result<Report, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Combines the reports of CI jobs that each ran part of the checklist on the same commit
    /// into one verdict.
    ///
    /// A check in several reports keeps its worst result, in the order
    /// fail > blocked > pass > manual > skipped: a failure anywhere is never hidden, and a check
    /// skipped in one job (left to another) takes the result of the job that ran it. Checks
    /// keep the order of their first appearance; the summary is recomputed. The metadata comes
    /// from the first report, except `started_at` (the earliest) and `duration_ms` (the
    /// longest: the jobs ran side by side). Sign-offs are combined, one per (check, person).
    /// `sections` is the union of the reports' sections, `not_selected` the checks every report
    /// left out (see [`Report::left_out`]).
    pub fn merge(reports: Vec<Report>) -> Result<Report, MergeError> {
        let mut reports = reports.into_iter();
        let mut merged = reports.next().ok_or(MergeError::Empty)?;
        let mut position: HashMap<String, usize> = merged
            .checks
            .iter()
            .enumerate()
            .map(|(i, check)| (check.id.clone(), i))
            .collect();
        let mut sections = merged.covered_sections();
        let mut not_selected: Vec<String> = (merged.checks.iter())
            .filter(|c| merged.left_out(&c.id))
            .map(|c| c.id.clone())
            .collect();
        for report in reports {
            require_equal(&merged.commit, &report.commit, |first, other| {
                MergeError::DifferentCommits { first, other }
            })?;
            require_equal(
                &merged.target_version,
                &report.target_version,
                |first, other| MergeError::DifferentTargetVersions { first, other },
            )?;
            if merged.started_at.is_empty()
                || (!report.started_at.is_empty() && report.started_at < merged.started_at)
            {
                merged.started_at = report.started_at.clone();
            }
            merged.duration_ms = merged.duration_ms.max(report.duration_ms);
            for section in report.covered_sections() {
                if !sections.contains(&section) {
                    sections.push(section);
                }
            }
            not_selected
                .retain(|id| report.left_out(id) || !report.checks.iter().any(|c| &c.id == id));
            for check in report.checks {
                match position.get(&check.id) {
                    Some(&i) if merge_rank(check.status) > merge_rank(merged.checks[i].status) => {
                        merged.checks[i] = check;
                    }
                    Some(_) => {}
                    None => {
                        position.insert(check.id.clone(), merged.checks.len());
                        merged.checks.push(check);
                    }
                }
            }
            for sign_off in report.sign_offs {
                let known = merged
                    .sign_offs
                    .iter()
                    .any(|s| s.id == sign_off.id && s.by == sign_off.by);
                if !known {
                    merged.sign_offs.push(sign_off);
                }
            }
        }
        merged.summary = Summary::of(&merged.checks);
        merged.sections = Some(sections);
        merged.not_selected = Some(not_selected);
        Ok(merged)
    }
}

/// Higher wins when the same check appears in several merged reports.
fn merge_rank(status: Status) -> u8 {
    match status {
        Status::Skipped => 0,
        Status::Manual => 1,
        Status::Pass => 2,
        Status::Blocked => 3,
        Status::Fail => 4,
    }
}

fn require_equal(
    first: &Option<String>,
    other: &Option<String>,
    error: impl FnOnce(String, String) -> MergeError,
) -> Result<(), MergeError> {
    if first == other {
        return Ok(());
    }
    let show = |value: &Option<String>| value.clone().unwrap_or_else(|| "none".to_owned());
    Err(error(show(first), show(other)))
}

// A non-UTF-8 log path must not make the whole report unwritable.
fn serialize_lossy_path<S: serde::Serializer>(
    path: &Option<PathBuf>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(path) => serializer.serialize_str(&path.to_string_lossy()),
        None => serializer.serialize_none(),
    }
}
