//! The Post-Release section of the release record `trackers/releases/vX.Y.Z.md`: the template's
//! four items ticked from evidence, each with its time, and a table of every post-release
//! check. With `--execute` it is written atomically and committed alone as "Record
//! post-release of vX.Y.Z", then pushed to the release branch.
//!
//! A re-run changes nothing when nothing changed: an item whose words are the same keeps its
//! old time, and a sign-off once recorded is kept (a person confirmed it; a later run without
//! `--sign-off` does not undo that).

use anyhow::Context;
use runner::{CheckResult, Status};

use super::facts::Facts;
use super::Section;
use crate::release::core::{
    check_branch, check_clean_tree, check_not_behind, edits, Action, Checks, Edit, Step,
};
use xtask::exit::Exit;

const HEADING: &str = "### Post-Release";
const TABLE: &str = "### Post-release checks";

/// `(template item, ticked, evidence)` for the four Post-Release items of the template.
fn template_items(results: &[CheckResult]) -> Vec<(&'static str, bool, String)> {
    let find = |id: &str| results.iter().find(|r| r.id == id);
    let verification: Vec<&CheckResult> = results
        .iter()
        .filter(|r| r.section == Section::Verification.name() && r.status != Status::Manual)
        .collect();
    let bad: Vec<String> = verification
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Blocked))
        .map(|r| format!("{} {}", r.id, r.status))
        .collect();
    let passed = verification
        .iter()
        .filter(|r| r.status == Status::Pass)
        .count();
    let skipped: Vec<&str> = verification
        .iter()
        .filter(|r| r.status == Status::Skipped)
        .map(|r| r.id.as_str())
        .collect();
    let mut verified = format!("`cargo xtask post-release`: {passed} check(s) passed");
    if !skipped.is_empty() {
        verified.push_str(&format!("; not applicable: {}", skipped.join(", ")));
    }
    if !bad.is_empty() {
        verified = format!("not verified: {}", bad.join(", "));
    }
    let signed = |ids: &[&str]| {
        ids.iter().all(|id| {
            find(id).is_some_and(|r| {
                r.reason
                    .as_deref()
                    .is_some_and(|reason| reason.starts_with("signed off by"))
            })
        })
    };
    let evidence = |id: &str| {
        find(id)
            .map(|r| format!("{}: {}", r.id, r.reason.as_deref().unwrap_or("")))
            .unwrap_or_default()
    };
    let passed_id = |id: &str| find(id).is_some_and(|r| r.status == Status::Pass);
    vec![
        ("Release verified", bad.is_empty() && passed > 0, verified),
        (
            "Stakeholders notified",
            signed(&["notes-sent", "announce"]),
            "manual: `--sign-off notes-sent --sign-off announce`".to_string(),
        ),
        (
            "Issues/milestones closed",
            passed_id("milestone-closed"),
            evidence("milestone-closed"),
        ),
        (
            "Next release planned",
            passed_id("next-milestone"),
            evidence("next-milestone"),
        ),
    ]
}

/// The record with its Post-Release section and checks table rendered from `results`; `old`
/// is the record as it is (its times and sign-offs are kept where nothing changed).
pub fn render(f: &Facts, results: &[CheckResult], old: Option<&str>) -> String {
    let now = runner::rfc3339_utc(f.r.now);
    let old = old.unwrap_or("");
    let old_lines: Vec<&str> = section_lines(old, HEADING);
    let keep = |new: String, title: &str, ticked: bool| -> String {
        let previous = old_lines
            .iter()
            .find(|line| line.starts_with(&format!("- [x] {title} —")))
            .or_else(|| {
                old_lines
                    .iter()
                    .find(|line| line.starts_with(&format!("- [ ] {title}")))
            });
        match previous {
            Some(line) if without_time(line) == without_time(&new) => line.to_string(),
            // Once signed, a person's confirmation stays.
            Some(line)
                if !ticked && line.starts_with("- [x]") && title == "Stakeholders notified" =>
            {
                line.to_string()
            }
            _ => new,
        }
    };
    let mut section = vec![HEADING.to_string()];
    for (title, ticked, evidence) in template_items(results) {
        let new = if ticked {
            format!("- [x] {title} — {evidence} (at {now})")
        } else {
            format!("- [ ] {title} — {evidence}")
        };
        section.push(keep(new, title, ticked));
    }

    let old_rows: Vec<&str> = section_lines(old, TABLE);
    let mut table = vec![
        TABLE.to_string(),
        String::new(),
        "| check | section | status | evidence |".to_string(),
        "|-------|---------|--------|----------|".to_string(),
    ];
    for result in results {
        let reason = result
            .reason
            .as_deref()
            .unwrap_or("")
            .replace('|', "\\|")
            .replace('\n', " ");
        let row = format!(
            "| {} | {} | {} | {reason} |",
            result.id, result.section, result.status
        );
        let prefix = format!("| {} |", result.id);
        let signed_before = old_rows
            .iter()
            .find(|line| line.starts_with(&prefix) && line.contains("| signed off by"));
        let row = match signed_before {
            Some(line) if !reason.starts_with("signed off by") => line.to_string(),
            _ => row,
        };
        table.push(row);
    }
    replace_section(
        &replace_section(old, HEADING, &section, &f.r.tag),
        TABLE,
        &table,
        &f.r.tag,
    )
}

/// ` (at <time>)` removed: the words of an item line without when it was recorded.
fn without_time(line: &str) -> &str {
    match line.rfind(" (at ") {
        Some(at) if line.ends_with(')') => &line[..at],
        _ => line,
    }
}

/// The lines of the `### heading` section (up to the next `### ` or `## ` heading).
fn section_lines<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|line| line.trim_end() != heading)
        .skip(1)
        .take_while(|line| !line.starts_with("### ") && !line.starts_with("## "))
        .collect()
}

/// `text` with the `### heading` section replaced by `lines` (or appended, with a blank line
/// before it); an empty `text` becomes a record with just that section.
fn replace_section(text: &str, heading: &str, lines: &[String], tag: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut source = text.lines().peekable();
    let mut replaced = false;
    while let Some(line) = source.next() {
        if line.trim_end() == heading && !replaced {
            out.extend(lines.iter().cloned());
            out.push(String::new());
            while source
                .peek()
                .is_some_and(|next| !next.starts_with("### ") && !next.starts_with("## "))
            {
                source.next();
            }
            replaced = true;
            continue;
        }
        out.push(line.to_string());
    }
    if !replaced {
        if out.is_empty() {
            out.push(format!("## Release {tag} Checklist"));
        }
        while out.last().is_some_and(|line| line.is_empty()) {
            out.pop();
        }
        out.push(String::new());
        out.extend(lines.iter().cloned());
        out.push(String::new());
    }
    while out.last().is_some_and(|line| line.is_empty()) {
        out.pop();
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Writes, commits and pushes the record when it changed; a commit made by a killed run is
/// pushed. Before any change: on the release branch, a clean tree (the record aside), not
/// behind the remote — else refused (when executing) or noted (when planning).
pub fn step(f: &Facts, results: &[CheckResult], s: &mut Step) -> anyhow::Result<()> {
    let r = &f.r;
    let path = r.record_path();
    let before = std::fs::read_to_string(r.project.join(&path)).ok();
    let after = render(f, results, before.as_deref());
    let head = r.repo.show_file("HEAD", &path)?;
    let message = format!("Record post-release of {}", r.tag);
    let write = before.as_deref() != Some(after.as_str());
    let commit = write || head.as_deref() != Some(after.as_str());
    let upstream = format!("refs/remotes/{}/{}", r.remote, r.branch);
    let pushed = |commit: &str| -> anyhow::Result<bool> {
        Ok(r.repo.resolve(&upstream)?.is_some() && r.repo.is_ancestor(commit, &upstream)?)
    };
    let head_commit = r.repo.head()?.context("the repository has no commits")?;
    let push = commit || !pushed(&head_commit)?;
    if !push {
        s.done(format!("{path} is up to date on {}/{}", r.remote, r.branch));
        return Ok(());
    }

    let mut c = Checks::default();
    check_branch(r, &mut c)?;
    check_clean_tree(r, &mut c, &[])?;
    check_not_behind(r, &mut c, None)?;
    if let Some(problem) = c.problems.first() {
        let causes: Vec<&str> = c.problems.iter().map(|p| p.cause.as_str()).collect();
        let cause = format!("the record cannot be committed: {}", causes.join("; "));
        if f.opts.execute {
            return Err(Exit::refused(cause, problem.fix.clone()).into());
        }
        s.summary(format!("{cause} (--execute would refuse)"));
    } else {
        s.summary(format!("{path}: the Post-Release section"));
    }
    let edit = Edit {
        path: path.clone(),
        before: head,
        after,
    };
    if write {
        // `create` when the work tree has no record yet (the diff is against HEAD's).
        let action = Action::file(path.clone(), before.is_none(), edit.diff());
        s.act(action, || edits::write_all(&r.project, &[&edit]))?;
    }
    if commit {
        s.act(
            Action::git(&["commit", "-m", &message, "--", &path]),
            || {
                r.repo
                    .commit_paths(&message, &[path.as_str()])
                    .map(drop)
                    .map_err(|err| {
                        let _ = r.repo.unstage(&[path.as_str()]);
                        anyhow::Error::new(err).context("committing the release record")
                    })
            },
        )?;
    }
    let refspec = format!("refs/heads/{0}:refs/heads/{0}", r.branch);
    s.act(
        Action::git(&["push", "--atomic", &r.remote, &refspec]),
        || {
            r.repo
                .push_atomic(&r.remote, &[refspec.as_str()])
                .context("pushing the release record")
        },
    )?;
    Ok(())
}
