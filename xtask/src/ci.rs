//! GitHub Actions output: `::error` annotations and a step summary, when running there.

use std::io::Write;

use runner::{Report, Status};

/// Annotates failed and blocked checks and appends the table to the step summary.
pub fn annotate(report: &Report) {
    if std::env::var_os("GITHUB_ACTIONS").is_none() {
        return;
    }
    for check in &report.checks {
        let level = match check.status {
            Status::Fail => "error",
            Status::Blocked => "warning",
            _ => continue,
        };
        let reason = check
            .reason
            .as_deref()
            .unwrap_or_default()
            .replace('%', "%25")
            .replace('\n', "%0A");
        println!("::{level} title={} ({})::{reason}", check.id, check.status);
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
        {
            let _ = writeln!(file, "{}", summary_markdown(report));
        }
    }
}

fn summary_markdown(report: &Report) -> String {
    let mut out = String::from("| Check | Status | Reason |\n|---|---|---|\n");
    for check in &report.checks {
        let reason = check
            .reason
            .as_deref()
            .unwrap_or_default()
            .replace('|', "\\|");
        out.push_str(&format!(
            "| `{}` | {} | {reason} |\n",
            check.id, check.status
        ));
    }
    out
}
