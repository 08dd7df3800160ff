//! The table printed at the end of a run.

use crate::CheckResult;

/// One row per check: id, status, duration, log path, then the reason when there is one.
/// Columns are padded to the widest cell; the reason comes last so it may be long.
pub fn render_table(results: &[CheckResult]) -> String {
    let header = ["CHECK", "STATUS", "TIME", "LOG"].map(str::to_owned);
    let rows: Vec<[String; 4]> = results
        .iter()
        .map(|result| {
            [
                result.id.clone(),
                result.status.to_string(),
                format_duration(result.duration_ms),
                result
                    .log
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |log| log.display().to_string()),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|cell| cell.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let reasons = std::iter::once(None).chain(results.iter().map(CheckResult::shown_reason));
    let mut table = String::new();
    for (row, reason) in std::iter::once(&header).chain(&rows).zip(reasons) {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        if let Some(reason) = reason {
            line.push_str(&reason);
        }
        table.push_str(line.trim_end());
        table.push('\n');
    }
    table
}

/// `0.4s`, `12.0s`, `2m05s`.
pub fn format_duration(ms: u64) -> String {
    if ms < 60_000 {
        format!("{}.{}s", ms / 1000, ms % 1000 / 100)
    } else {
        let secs = ms / 1000;
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;
    use std::path::PathBuf;

    fn result(
        id: &str,
        status: Status,
        duration_ms: u64,
        log: Option<&str>,
        reason: Option<&str>,
    ) -> CheckResult {
        CheckResult {
            id: id.to_owned(),
            section: "code-quality".to_owned(),
            title: id.to_owned(),
            status,
            duration_ms,
            command: None,
            log: log.map(PathBuf::from),
            reason: reason.map(str::to_owned),
            blocked_by: None,
        }
    }

    #[test]
    fn aligns_columns_and_shows_reasons() {
        let table = render_table(&[
            result(
                "unit-tests",
                Status::Pass,
                1234,
                Some("logs/unit-tests.log"),
                None,
            ),
            result(
                "ruff",
                Status::Fail,
                65_000,
                Some("logs/ruff.log"),
                Some("exit status 1: E501"),
            ),
            result(
                "health",
                Status::Blocked,
                0,
                None,
                Some("dependency `deploy` failed"),
            ),
        ]);
        let expected = "\
CHECK       STATUS   TIME   LOG
unit-tests  pass     1.2s   logs/unit-tests.log
ruff        fail     1m05s  logs/ruff.log        exit status 1: E501
health      blocked  0.0s   -                    dependency `deploy` failed
";
        assert_eq!(table, expected);
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(0), "0.0s");
        assert_eq!(format_duration(59_999), "59.9s");
        assert_eq!(format_duration(60_000), "1m00s");
        assert_eq!(format_duration(3_725_000), "62m05s");
    }
}
