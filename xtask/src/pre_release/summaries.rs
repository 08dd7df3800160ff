//! Reasons that name the cause: one summarizer per tool turns the output of a command check that
//! did not pass into what a person needs (which file does not import and why, which tests
//! failed, how many findings of which rules), instead of the output's last line. The same text
//! is the JSON `reason`, the table row, the streamed line and the CI annotation.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex_lite::Regex;
use runner::{Outcome, Status, Summarizer};

/// How many items (tests, files, findings) a reason names before counting the rest.
const ITEMS: usize = 3;

/// The summarizer for a check's command, chosen by the tool it runs.
pub fn for_command(command: &str) -> Option<Summarizer> {
    let summarizer: Summarizer = match tool_of(command)? {
        "pytest" => pytest,
        "black" => black,
        "ruff" => ruff,
        "pip check" => pip_check,
        _ => script,
    };
    Some(summarizer)
}

/// The tool a command runs, for its summarizer: `pytest`, `black`, `ruff`, `pip check`, `script`.
fn tool_of(command: &str) -> Option<&'static str> {
    let words: Vec<&str> = command
        .split_whitespace()
        .map(|w| w.trim_matches(['\'', '"']))
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .collect();
    let has = |tool: &str| words.contains(&tool);
    if has("pytest") {
        Some("pytest")
    } else if has("black") {
        Some("black")
    } else if has("ruff") {
        Some("ruff")
    } else if words.iter().any(|w| w.starts_with("pip")) && has("check") {
        Some("pip check")
    } else if words.first().is_some_and(|w| w.ends_with(".sh")) {
        Some("script")
    } else {
        None
    }
}

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap())
}

/// The folder the command ran in (from the log's header), to show paths relative to it.
fn cwd(output: &str) -> Option<&str> {
    output
        .lines()
        .take(4)
        .find_map(|l| l.strip_prefix("# cwd: "))
        .map(str::trim)
}

fn relative<'a>(path: &'a str, cwd: Option<&str>) -> &'a str {
    match cwd {
        Some(cwd) => path
            .strip_prefix(cwd)
            .and_then(|p| p.strip_prefix('/'))
            .unwrap_or(path),
        None => path,
    }
}

/// `a, b, c and 4 more`.
fn some(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(ITEMS)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > ITEMS {
        text.push_str(&format!(" and {} more", items.len() - ITEMS));
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Only failures get a summary: a blocked command (not found) keeps the runner's reason.
fn failed(outcome: &Outcome) -> bool {
    outcome.status == Status::Fail
}

/// pytest: collection errors with the module and the exception line (and where it was raised),
/// failed test ids, and the counts of the final line (without the time and warnings).
pub fn pytest(output: &str, outcome: &Outcome) -> Option<String> {
    if !failed(outcome) {
        return None;
    }
    static COUNTS: OnceLock<Regex> = OnceLock::new();
    static SECTION: OnceLock<Regex> = OnceLock::new();
    static EXCEPTION: OnceLock<Regex> = OnceLock::new();
    static FILE: OnceLock<Regex> = OnceLock::new();
    static FAILED: OnceLock<Regex> = OnceLock::new();
    let counts_re = regex(
        &COUNTS,
        r"^=*\s*((?:\d+ (?:failed|passed|errors?|skipped|xfailed|xpassed|warnings?|deselected)(?:, )?)+) in [\d.]+s",
    );
    let section = regex(&SECTION, r"^_+ ERROR collecting (\S+) _+$");
    let exception = regex(
        &EXCEPTION,
        r"^E\s+((?:[\w.]+(?:Error|Exception|Exit|Warning)|[\w.]*Error)\b.*)$",
    );
    let file = regex(&FILE, r#"^E\s+File "([^"]+)", line (\d+)"#);
    let failed_re = regex(&FAILED, r"^FAILED (\S+)(?: - (.*))?$");
    let cwd = cwd(output);

    let counts = output.lines().rev().find_map(|line| {
        counts_re.captures(line.trim()).map(|c| {
            c[1].split(", ")
                .filter(|part| !part.contains("warning"))
                .collect::<Vec<_>>()
                .join(", ")
        })
    });
    let mut collection = Vec::new();
    let mut current: Option<(String, Option<String>, Option<String>)> = None;
    let mut close = |current: &mut Option<(String, Option<String>, Option<String>)>| {
        if let Some((module, exception, place)) = current.take() {
            let why = exception.unwrap_or_else(|| "see the log".into());
            let at = place.map(|p| format!(" ({p})")).unwrap_or_default();
            collection.push(format!("{module}: {why}{at}"));
        }
    };
    for line in output.lines() {
        if let Some(c) = section.captures(line) {
            close(&mut current);
            current = Some((c[1].to_string(), None, None));
            continue;
        }
        if line.starts_with("===") {
            close(&mut current);
            continue;
        }
        if let Some((_, exception_line, place)) = current.as_mut() {
            if let Some(c) = file.captures(line) {
                *place = Some(format!("{}:{}", relative(&c[1], cwd), &c[2]));
            } else if let Some(c) = exception.captures(line) {
                *exception_line = Some(c[1].trim().to_string());
            }
        }
    }
    close(&mut current);
    let failures: Vec<String> = output
        .lines()
        .filter_map(|line| failed_re.captures(line))
        .map(|c| match c.get(2) {
            Some(why) => format!("{} ({})", &c[1], why.as_str()),
            None => c[1].to_string(),
        })
        .collect();
    let mut parts = Vec::new();
    if !collection.is_empty() {
        parts.push(format!(
            "{} in {}",
            plural(collection.len(), "collection error", "collection errors"),
            collection.join("; ")
        ));
    }
    if !failures.is_empty() {
        parts.push(format!("failed: {}", some(&failures)));
    }
    match (counts, parts.is_empty()) {
        (None, true) => None,
        (Some(counts), true) => Some(counts),
        (None, false) => Some(parts.join("; ")),
        (Some(counts), false) => Some(format!("{counts}: {}", parts.join("; "))),
    }
}

/// black: the files that cannot be parsed with the parse error, and how many would change.
pub fn black(output: &str, outcome: &Outcome) -> Option<String> {
    if !failed(outcome) {
        return None;
    }
    let cwd = cwd(output);
    let lines: Vec<&str> = output.lines().collect();
    let mut unparsable = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        // `error: cannot format PATH: MESSAGE`, `error: cannot parse: PATH:LINE:COL` and
        // `error: cannot parse for target version Python 3.15: PATH:LINE:COL`.
        let (path, message) = if let Some(rest) = line.strip_prefix("error: cannot format ") {
            match rest.split_once(": ") {
                Some((path, message)) => (path, Some(message.trim())),
                None => (rest.trim(), None),
            }
        } else if let Some(rest) = line.strip_prefix("error: cannot parse") {
            match rest.rsplit_once(": ") {
                Some((_, path)) => (path.trim(), None),
                None => continue,
            }
        } else {
            continue;
        };
        let place = relative(path, cwd).to_string();
        let why = message
            .map(str::to_string)
            .or_else(|| {
                // black 24+ prints the parser's error, or the line it stopped at, next.
                let next = lines.get(index + 1)?;
                if next.contains("Error") {
                    Some(next.trim().to_string())
                } else if next.starts_with(' ') && !next.trim().is_empty() {
                    Some(format!("at `{}`", next.trim()))
                } else {
                    None
                }
            })
            .unwrap_or_default();
        unparsable.push(if why.is_empty() {
            place
        } else {
            format!("{place} ({why})")
        });
    }
    let reformat: Vec<String> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("would reformat "))
        .map(|p| relative(p.trim(), cwd).to_string())
        .collect();
    let mut parts = Vec::new();
    if !unparsable.is_empty() {
        parts.push(format!(
            "{} cannot be parsed: {}",
            plural(unparsable.len(), "file", "files"),
            some(&unparsable)
        ));
    }
    if !reformat.is_empty() {
        parts.push(format!(
            "{} would be reformatted: {} (the diff is in the log)",
            plural(reformat.len(), "file", "files"),
            some(&reformat)
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// ruff: the number of findings, the most frequent rule codes, the first findings as file:line.
pub fn ruff(output: &str, outcome: &Outcome) -> Option<String> {
    if !failed(outcome) {
        return None;
    }
    static CONCISE: OnceLock<Regex> = OnceLock::new();
    static HEAD: OnceLock<Regex> = OnceLock::new();
    static ARROW: OnceLock<Regex> = OnceLock::new();
    static FOUND: OnceLock<Regex> = OnceLock::new();
    const CODE: &str = r"[A-Z]+[0-9]+|invalid-syntax|SyntaxError";
    let concise = regex(
        &CONCISE,
        &format!(r"^(\S+?):(\d+):(\d+): ({CODE}):?(?: \[\*\])? (.*)$"),
    );
    let head = regex(&HEAD, &format!(r"^({CODE}):?(?: \[\*\])? (.*)$"));
    let arrow = regex(&ARROW, r"^\s*--> (\S+?):(\d+):(\d+)");
    let found = regex(&FOUND, r"^Found (\d+) errors?");
    let cwd = cwd(output);
    // (code, file:line, message)
    let mut findings: Vec<(String, String, String)> = Vec::new();
    let mut pending: Option<(String, String)> = None;
    for line in output.lines() {
        if let Some(c) = concise.captures(line) {
            let place = format!("{}:{}", relative(&c[1], cwd), &c[2]);
            findings.push((c[4].to_string(), place, c[5].to_string()));
        } else if let Some(c) = head.captures(line) {
            pending = Some((c[1].to_string(), c[2].to_string()));
        } else if let (Some(c), Some((code, message))) = (arrow.captures(line), pending.take()) {
            let place = format!("{}:{}", relative(&c[1], cwd), &c[2]);
            findings.push((code, place, message));
        }
    }
    let total = output
        .lines()
        .find_map(|l| found.captures(l).and_then(|c| c[1].parse::<usize>().ok()))
        .unwrap_or(findings.len());
    if total == 0 {
        return None;
    }
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for (code, _, _) in &findings {
        *by_code.entry(code.as_str()).or_default() += 1;
    }
    let mut codes: Vec<(&str, usize)> = by_code.into_iter().collect();
    codes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = codes
        .iter()
        .take(ITEMS)
        .map(|(code, n)| format!("{code} ×{n}"))
        .collect();
    let first: Vec<String> = findings
        .iter()
        .take(ITEMS)
        .map(|(code, place, message)| format!("{place}: {code} {message}"))
        .collect();
    let mut reason = plural(total, "finding", "findings");
    if !top.is_empty() {
        reason.push_str(&format!(" ({})", top.join(", ")));
    }
    if !first.is_empty() {
        reason.push_str(&format!("; first: {}", first.join("; ")));
    }
    Some(reason)
}

/// pip check / uv pip check: each conflict.
pub fn pip_check(output: &str, outcome: &Outcome) -> Option<String> {
    if !failed(outcome) {
        return None;
    }
    let conflicts: Vec<String> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('$'))
        .filter(|l| {
            l.contains(" requires ")
                || l.contains("has requirement")
                || l.contains("is not installed")
                || l.contains(", but ")
        })
        .map(|l| l.trim_end_matches('.').to_string())
        .collect();
    (!conflicts.is_empty()).then(|| {
        format!(
            "{}: {}",
            plural(conflicts.len(), "conflict", "conflicts"),
            conflicts.join("; ")
        )
    })
}

/// A script: pytest's summary if it ran pytest, else its last error-looking line (not a banner,
/// not the runner's footer).
pub fn script(output: &str, outcome: &Outcome) -> Option<String> {
    if !failed(outcome) {
        return None;
    }
    if output.contains("short test summary info") || output.contains(" ERROR collecting ") {
        if let Some(reason) = pytest(output, outcome) {
            return Some(reason);
        }
    }
    static ERROR: OnceLock<Regex> = OnceLock::new();
    let error = regex(
        &ERROR,
        r"(?i)\b(error|errors|failed|failure|fatal|cannot|can't|could not|not found|no such|denied|refused|unable|exception|traceback|timed out|unhealthy|missing)\b",
    );
    let body = output.lines().skip_while(|l| !l.is_empty()).skip(1);
    let last = body
        .map(str::trim)
        .filter(|l| !l.starts_with("# ") && !l.is_empty())
        .filter(|l| l.chars().any(char::is_alphanumeric))
        .filter(|l| error.is_match(l))
        .last()?;
    let status = outcome
        .reason
        .as_deref()
        .and_then(|r| r.split(':').next())
        .unwrap_or("failed");
    Some(format!("{status}: {last}"))
}

#[cfg(test)]
mod tests;
