//! GitHub Actions output, when running there (`GITHUB_ACTIONS=true`), by the book: stdout keeps
//! only the chosen format, so workflow commands go to stderr (the runner reads both).
//!
//! - annotations: one per root cause. A finding a check logged as `path:line[:col]: message`
//!   (ruff, checklist-drift, the secret scan) becomes an annotation with `file=`/`line=`; a
//!   check with none gets one for its reason, and checks blocked for the same reason share one.
//! - `::group::` around each failed or blocked check's log;
//! - the step summary: the verdict, commit, version and counts, then the table;
//! - `GITHUB_OUTPUT`: the values later steps use (`verdict`, `report`; `archive`: `dir`,
//!   `sha256sums`);
//! - [`junit`]: JUnit XML for test-report UIs (written wherever `--junit PATH` says).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use regex_lite::Regex;
use runner::{CheckResult, Report, Status};

/// Findings per check at most: past that, the check's own annotation says how many more.
const MAX_FINDINGS: usize = 20;
/// Log bytes shown in a group at most (the end of the log, where the failure usually is).
const MAX_GROUP_BYTES: usize = 64 * 1024;

pub fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Annotations, log groups and the step summary for a pre-release run.
pub fn annotate(report: &Report) {
    if !active() {
        return;
    }
    let mut err = std::io::stderr().lock();
    for line in annotations(report) {
        let _ = writeln!(err, "{line}");
    }
    for check in report.checks.iter().filter(|c| failed(c)) {
        let Some(log) = check.log.as_deref() else {
            continue;
        };
        let Ok(bytes) = std::fs::read(log) else {
            continue;
        };
        let start = bytes.len().saturating_sub(MAX_GROUP_BYTES);
        let _ = writeln!(
            err,
            "::group::{} ({}): {}",
            check.id,
            check.status,
            log.display()
        );
        let _ = err.write_all(&bytes[start..]);
        if !bytes.ends_with(b"\n") {
            let _ = writeln!(err);
        }
        let _ = writeln!(err, "::endgroup::");
    }
    drop(err);
    summarize(report);
}

fn failed(check: &CheckResult) -> bool {
    matches!(check.status, Status::Fail | Status::Blocked)
}

/// The annotation lines for a report's failed and blocked checks, one per root cause.
pub fn annotations(report: &Report) -> Vec<String> {
    let project = Path::new(&report.project);
    let mut lines = Vec::new();
    // Same level and reason (e.g. "Docker engine not reachable"): one annotation for them all.
    let mut by_reason: BTreeMap<(&str, String), Vec<&str>> = BTreeMap::new();
    for check in report.checks.iter().filter(|c| failed(c)) {
        let level = if check.status == Status::Fail {
            "error"
        } else {
            "warning"
        };
        let findings = check
            .log
            .as_deref()
            .map(|log| findings(project, log))
            .unwrap_or_default();
        if findings.is_empty() {
            let reason = check.reason.clone().unwrap_or_default();
            by_reason
                .entry((level, reason))
                .or_default()
                .push(&check.id);
            continue;
        }
        for finding in findings.iter().take(MAX_FINDINGS) {
            let col = finding.col.map(|c| format!(",col={c}")).unwrap_or_default();
            lines.push(format!(
                "::{level} file={},line={}{col},title={}::{}",
                property(&finding.file),
                finding.line,
                property(&check.id),
                data(&finding.message)
            ));
        }
        if findings.len() > MAX_FINDINGS {
            lines.push(format!(
                "::{level} title={}::{} more finding(s) in {}",
                property(&check.id),
                findings.len() - MAX_FINDINGS,
                check
                    .log
                    .as_deref()
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ));
        }
    }
    for ((level, reason), ids) in by_reason {
        lines.push(format!(
            "::{level} title={}::{}",
            property(&ids.join(", ")),
            data(&reason)
        ));
    }
    lines
}

/// Error annotations for causes that are no check's (a merge's missing section, say).
pub fn annotate_problems(problems: &[String]) {
    if !active() {
        return;
    }
    for problem in problems {
        eprintln!("::error title=merge-reports::{}", data(problem));
    }
}

/// A location a check logged.
#[derive(Debug, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: u32,
    pub col: Option<u32>,
    pub message: String,
}

/// Lines `path:line[:col]: message` of a log whose path is a file of the project.
pub fn findings(project: &Path, log: &Path) -> Vec<Finding> {
    static PATTERN: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        Regex::new(r"^\s*([A-Za-z0-9_.][^\s:]*):(\d+):(?:(\d+):)?\s*(.+)$").expect("valid regex")
    });
    let Ok(text) = std::fs::read_to_string(log) else {
        return Vec::new();
    };
    let mut found: Vec<Finding> = Vec::new();
    for line in text.lines() {
        let Some(caps) = pattern.captures(line) else {
            continue;
        };
        let file = caps[1].trim_start_matches("./").to_string();
        if !project.join(&file).is_file() {
            continue;
        }
        let finding = Finding {
            file,
            line: caps[2].parse().unwrap_or(1),
            col: caps.get(3).and_then(|c| c.as_str().parse().ok()),
            message: caps[4].to_string(),
        };
        if !found.contains(&finding) {
            found.push(finding);
        }
    }
    found
}

/// Appends the verdict, commit, version, counts and the table to the step summary.
pub fn summarize(report: &Report) {
    if !active() {
        return;
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

pub fn summary_markdown(report: &Report) -> String {
    let s = &report.summary;
    let mut out = format!(
        "## Pre-release: {}\n\ncommit `{}` · version {} · {} passed, {} failed, {} blocked, {} skipped, {} manual\n\n",
        report.verdict(),
        report.commit.as_deref().map_or("none", |c| &c[..c.len().min(12)]),
        report.target_version.as_deref().unwrap_or("(no --version)"),
        s.pass,
        s.fail,
        s.blocked,
        s.skipped,
        s.manual
    );
    for problem in &report.incomplete {
        out.push_str(&format!("- **incomplete:** {problem}\n"));
    }
    if !report.incomplete.is_empty() {
        out.push('\n');
    }
    out.push_str("| Check | Status | Reason |\n|---|---|---|\n");
    for check in &report.checks {
        let reason = check
            .reason
            .as_deref()
            .unwrap_or_default()
            .replace('|', "\\|")
            .replace('\n', " ");
        out.push_str(&format!(
            "| `{}` | {} | {reason} |\n",
            check.id, check.status
        ));
    }
    out
}

/// Appends `key=value` pairs to `GITHUB_OUTPUT` (multi-line safe), when it is set.
pub fn set_outputs(pairs: &[(&str, String)]) {
    let Some(path) = std::env::var_os("GITHUB_OUTPUT") else {
        return;
    };
    let Ok(mut file) = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
    else {
        eprintln!("warning: cannot append to GITHUB_OUTPUT");
        return;
    };
    for (key, value) in pairs {
        let delimiter = format!("XTASK_EOF_{}", std::process::id());
        let _ = writeln!(file, "{key}<<{delimiter}\n{value}\n{delimiter}");
    }
}

/// JUnit XML: one testsuite per section, one testcase per check; `failure` for fail, `error`
/// for blocked, `skipped` for skipped and manual; the log as `system-out`.
pub fn junit(report: &Report) -> String {
    let mut sections: Vec<&str> = Vec::new();
    for check in &report.checks {
        if !sections.contains(&check.section.as_str()) {
            sections.push(&check.section);
        }
    }
    let s = &report.summary;
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pre-release\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
        report.checks.len(),
        s.fail,
        s.blocked,
        s.skipped + s.manual,
        seconds(report.duration_ms)
    );
    for section in sections {
        let checks: Vec<&CheckResult> = report
            .checks
            .iter()
            .filter(|c| c.section == section)
            .collect();
        let count = |status| checks.iter().filter(|c| c.status == status).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
            xml(section),
            checks.len(),
            count(Status::Fail),
            count(Status::Blocked),
            count(Status::Skipped) + count(Status::Manual)
        ));
        for check in checks {
            let reason = xml(check.reason.as_deref().unwrap_or_default());
            out.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">\n",
                xml(&check.id),
                xml(section),
                seconds(check.duration_ms)
            ));
            match check.status {
                Status::Fail => out.push_str(&format!("      <failure message=\"{reason}\"/>\n")),
                Status::Blocked => out.push_str(&format!("      <error message=\"{reason}\"/>\n")),
                Status::Skipped | Status::Manual => out.push_str(&format!(
                    "      <skipped message=\"{}: {reason}\"/>\n",
                    check.status
                )),
                Status::Pass => {}
            }
            if let Some(text) = check.log.as_deref().and_then(|l| std::fs::read(l).ok()) {
                out.push_str(&format!(
                    "      <system-out>{}</system-out>\n",
                    xml(&String::from_utf8_lossy(&text))
                ));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// XML text and attribute escaping; characters XML 1.0 cannot hold are dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// The escaping of a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The escaping of a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_locations_of_project_files_are_findings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/app.py"), "import os\n").unwrap();
        let log = dir.path().join("ruff.log");
        std::fs::write(
            &log,
            "$ ruff check src\nsrc/app.py:1:8: F401 [*] `os` imported but unused\nnot/a/file.py:3: nope\nFound 1 error.\n",
        )
        .unwrap();
        assert_eq!(
            findings(dir.path(), &log),
            [Finding {
                file: "src/app.py".into(),
                line: 1,
                col: Some(8),
                message: "F401 [*] `os` imported but unused".into()
            }]
        );
    }

    #[test]
    fn junit_escapes_and_marks_each_status() {
        let check = |id: &str, status, reason: Option<&str>| CheckResult {
            id: id.into(),
            section: "security".into(),
            title: id.into(),
            status,
            duration_ms: 1500,
            command: None,
            log: None,
            reason: reason.map(Into::into),
            blocked_by: None,
        };
        let report = Report::new(vec![
            check("a", Status::Pass, None),
            check("b", Status::Fail, Some("1 finding in <x> & \"y\"")),
            check("c", Status::Blocked, Some("docker")),
            check("d", Status::Skipped, Some("not in --section x")),
        ]);
        let xml = junit(&report);
        assert!(
            xml.contains("<failure message=\"1 finding in &lt;x&gt; &amp; &quot;y&quot;\"/>"),
            "{xml}"
        );
        assert!(xml.contains("<error message=\"docker\"/>"));
        assert!(xml.contains("<skipped message=\"skipped: not in --section x\"/>"));
        assert!(
            xml.contains("tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\""),
            "{xml}"
        );
        assert!(xml.contains("time=\"1.500\""));
    }
}
