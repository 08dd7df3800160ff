//! `cargo xtask merge-reports`: CI scale-out. Separate jobs each run some sections and write a
//! JSON report; this combines them into one report and one verdict that cannot be fooled: a
//! report that is missing, unreadable, of another commit or version, a section missing or in two
//! reports, a check that no report ran, each makes the verdict "not ready" (exit 1) with its cause.

use std::path::{Path, PathBuf};

use checklist::Section;
use runner::Report;

use crate::exit;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  cargo xtask merge-reports report-*.json
  cargo xtask merge-reports --expect code-quality,functional,models,documentation,security reports/*.json
  cargo xtask merge-reports --format json --report merged.json a.json b.json")]
pub struct Args {
    /// The JSON reports written by `pre-release --report PATH`.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// The sections the reports must cover, each exactly once (comma-separated).
    #[arg(long, value_name = "SECTIONS", value_delimiter = ',')]
    pub expect: Vec<String>,
    /// Write the merged report to PATH.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Write JUnit XML (one testcase per check) to PATH, for test-report UIs.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: crate::flags::Format,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    for name in &args.expect {
        if Section::from_name(name).is_none() {
            return Err(crate::pre_release::unknown_section(name));
        }
    }
    let mut problems = Vec::new();
    let mut reports: Vec<(&Path, Report)> = Vec::new();
    for path in &args.reports {
        match read(path) {
            Ok(report) => reports.push((path, report)),
            Err(cause) => problems.push(cause),
        }
    }
    let mismatched = mismatches(&reports);
    if reports.is_empty() || !mismatched.is_empty() {
        // Without reports of one commit and version there is no verdict: only the causes.
        problems.extend(mismatched);
        if reports.is_empty() {
            problems.push("no readable report to merge".into());
        }
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        crate::ci::annotate_problems(&problems);
        crate::ci::set_outputs(&[("verdict", "not ready".into())]);
        return Ok(exit::FAILED);
    }
    finish(&args, reports, problems)
}

fn finish(
    args: &Args,
    reports: Vec<(&Path, Report)>,
    mut problems: Vec<String>,
) -> anyhow::Result<u8> {
    problems.extend(section_problems(&reports, &args.expect));
    let mut merged = Report::merge(reports.into_iter().map(|(_, r)| r).collect())
        .map_err(|err| anyhow::anyhow!("merging: {err}"))?;
    // With --expect, the expected sections are the run's scope; without, the whole checklist.
    let in_scope = |id: &str| {
        args.expect.is_empty()
            || (merged.checks.iter()).any(|c| c.id == id && args.expect.contains(&c.section))
    };
    let never_run: Vec<&str> = (merged.not_selected.iter().flatten())
        .map(String::as_str)
        .filter(|id| in_scope(id))
        .collect();
    if !never_run.is_empty() {
        problems.push(format!(
            "{} check(s) ran in no report (every report left them to another job): {}",
            never_run.len(),
            never_run.join(", ")
        ));
    }
    merged.incomplete = problems;
    let json = merged.to_json();
    if let Some(path) = &args.report {
        crate::fs::write_atomic(path, json.as_bytes())?;
    }
    if let Some(path) = &args.junit {
        crate::fs::write_atomic(path, crate::ci::junit(&merged).as_bytes())?;
    }
    match args.format {
        crate::flags::Format::Json => println!("{json}"),
        crate::flags::Format::Human => {
            let s = &merged.summary;
            print!("{}", runner::render_table(&merged.checks));
            println!(
                "{} passed, {} failed, {} blocked, {} skipped, {} manual: {}",
                s.pass,
                s.fail,
                s.blocked,
                s.skipped,
                s.manual,
                merged.verdict()
            );
        }
    }
    for problem in &merged.incomplete {
        eprintln!("error: {problem}");
    }
    // The sections' jobs annotated their own checks: only the merge's own causes here.
    crate::ci::annotate_problems(&merged.incomplete);
    crate::ci::summarize(&merged);
    crate::ci::set_outputs(&[
        ("verdict", merged.verdict().into()),
        (
            "report",
            args.report
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        ),
    ]);
    Ok(merged.exit_code())
}

/// Reports of another commit or target version than the first one.
fn mismatches(reports: &[(&Path, Report)]) -> Vec<String> {
    let Some((first_path, first)) = reports.first() else {
        return Vec::new();
    };
    let show = |value: &Option<String>| value.clone().unwrap_or_else(|| "none".into());
    let mut problems = Vec::new();
    for (path, report) in &reports[1..] {
        if report.commit != first.commit {
            problems.push(format!(
                "{} is of commit {}, {} of {}: reports of one run only",
                path.display(),
                show(&report.commit),
                first_path.display(),
                show(&first.commit)
            ));
        }
        if report.target_version != first.target_version {
            problems.push(format!(
                "{} is for version {}, {} for {}: reports of one run only",
                path.display(),
                show(&report.target_version),
                first_path.display(),
                show(&first.target_version)
            ));
        }
    }
    problems
}

/// With `--expect`: each expected section in exactly one report.
fn section_problems(reports: &[(&Path, Report)], expect: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for section in expect {
        let holders: Vec<String> = reports
            .iter()
            .filter(|(_, r)| r.covered_sections().contains(section))
            .map(|(path, _)| path.display().to_string())
            .collect();
        match holders.len() {
            0 => problems.push(format!(
                "section `{section}` is in no report: its job wrote none or it was not downloaded"
            )),
            1 => {}
            _ => problems.push(format!(
                "section `{section}` is in {} reports ({}): each section runs in one job",
                holders.len(),
                holders.join(", ")
            )),
        }
    }
    problems
}

fn read(path: &Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read the report {}: {err}", path.display()))?;
    let report = Report::from_json(&text)
        .map_err(|err| format!("{} is not a pre-release report: {err}", path.display()))?;
    if report.schema > runner::SCHEMA {
        return Err(format!(
            "{} has report schema {}, newer than this xtask reads ({})",
            path.display(),
            report.schema,
            runner::SCHEMA
        ));
    }
    Ok(report)
}
