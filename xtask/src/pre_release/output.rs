//! What `pre-release` prints for a person: the `--list` table and the end-of-run summary.

use checklist::{Checklist, Kind, Section};
use runner::Report;

/// `--list`: the checklist as a table.
pub fn list(checklist: &Checklist) -> String {
    let mut out = String::new();
    for section in Section::ALL {
        out.push_str(&format!("{} ({})\n", section.heading(), section.name()));
        for check in checklist.checks().iter().filter(|c| c.section == section) {
            let deps = if check.deps.is_empty() {
                String::new()
            } else {
                format!(" after {}", check.deps.join(", "))
            };
            let off = if check.enabled { "" } else { " [disabled]" };
            let what = match check.kind {
                Kind::Manual => format!("manual: {}", check.reason.as_deref().unwrap_or_default()),
                _ => check.command.clone().unwrap_or_else(|| "(native)".into()),
            };
            out.push_str(&format!(
                "  {:<24} {:<7} {}{deps}{off}\n      {}\n",
                check.id,
                check.kind.name(),
                check.title,
                what
            ));
        }
    }
    out
}

/// The table (without the checks a narrowed run left out), the counts and the verdict.
pub fn human_summary(report: &Report, run_dir: &std::path::Path, narrowed: bool) -> String {
    let s = &report.summary;
    let shown: Vec<runner::CheckResult> = report
        .checks
        .iter()
        .filter(|c| !(narrowed && c.status == runner::Status::Skipped))
        .cloned()
        .collect();
    let verdict = if report.exit_code() == 0 {
        "ready"
    } else {
        "not ready"
    };
    format!(
        "\n{}{}\n{} passed, {} failed, {} blocked, {} skipped, {} manual: {verdict} ({})\nreport: {}\n",
        runner::render_table(&shown),
        match causes(&report.checks) {
            causes if causes.is_empty() => causes,
            causes => format!("\n{causes}"),
        },
        s.pass,
        s.fail,
        s.blocked,
        s.skipped,
        s.manual,
        runner::format_duration(report.duration_ms),
        run_dir.join("report.json").display(),
    )
}

/// One line per shared root cause, with its reason and the checks it blocks:
/// `blocked by docker engine (build, deploy, ...): Docker engine not reachable (...)`.
pub fn causes(checks: &[runner::CheckResult]) -> String {
    let mut order: Vec<&str> = Vec::new();
    for check in checks {
        if let Some(cause) = check.blocked_by.as_deref() {
            if check.status == runner::Status::Blocked && !order.contains(&cause) {
                order.push(cause);
            }
        }
    }
    let mut out = String::new();
    for cause in order {
        let blocked: Vec<&str> = checks
            .iter()
            .filter(|c| c.blocked_by.as_deref() == Some(cause) && c.id != cause)
            .map(|c| c.id.as_str())
            .collect();
        // A check's own result, else the reason of a check the cause blocked directly.
        let why = match checks.iter().find(|c| c.id == cause) {
            Some(root) => format!(
                "`{cause}` {}: {}",
                root.status,
                root.reason.as_deref().unwrap_or("no reason given")
            ),
            None => checks
                .iter()
                .filter(|c| c.blocked_by.as_deref() == Some(cause))
                .filter_map(|c| c.reason.as_deref())
                .find(|r| !r.starts_with("dependency `"))
                .unwrap_or("no reason given")
                .to_string(),
        };
        out.push_str(&format!(
            "blocked by {cause} ({} check{}: {}): {why}\n",
            blocked.len(),
            if blocked.len() == 1 { "" } else { "s" },
            blocked.join(", ")
        ));
    }
    out
}
