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
        "\n{}\n{} passed, {} failed, {} blocked, {} skipped, {} manual: {verdict} ({})\nreport: {}\n",
        runner::render_table(&shown),
        s.pass,
        s.fail,
        s.blocked,
        s.skipped,
        s.manual,
        runner::format_duration(report.duration_ms),
        run_dir.join("report.json").display(),
    )
}
