//! Layer 2, the release record `trackers/releases/vX.Y.Z.md`: the seed's Checklist Template filled from evidence. An item
//! is ticked only when something checked it; the rest is left for a person. The record is part
//! of the release commit, so what happens after that commit (tag, push, GitHub) is listed with
//! the way to verify it, not ticked.

use runner::Status;

use super::edits::Bump;
use super::gate::Evidence;
use super::github::Target;
use super::vocab::{Release, CHANGELOG, PYPROJECT, UV_LOCK};

pub fn render(r: &Release, gate: &Evidence, bump: &Bump, github: Option<&Target>) -> String {
    let kind = r.kind();
    let manager = r
        .repo
        .user()
        .ok()
        .flatten()
        .unwrap_or_else(|| "[Name]".to_string());
    let now = runner::rfc3339_utc(r.now);
    let edited = |path: &str| bump.edits.iter().any(|edit| edit.path == path);

    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("## Release {} Checklist", r.tag));
    line(String::new());
    line(format!("**Release Manager:** {manager}"));
    line(format!("**Target Date:** {}", r.date));
    line(format!("**Type:** {kind}"));
    line(format!(
        "**Recorded:** {now} by `cargo xtask {}`",
        match r.command {
            "release" => format!("release {} --execute", r.version),
            other => format!("{other} --execute"),
        }
    ));
    line(String::new());

    line("### Pre-Release".into());
    let [tests, docs, models, security] =
        GATE_ITEMS.map(|(title, covers)| gate_item(gate, title, covers));
    line(tests);
    line(docs);
    let changelog_done = edited(CHANGELOG) || !bump.body.is_empty();
    line(format!(
        "- [{}] CHANGELOG.md updated — section `Version {} - {}`, notes from {}",
        tick(changelog_done),
        r.version,
        r.date,
        bump.notes_source
    ));
    let lock = if edited(UV_LOCK) {
        ", uv.lock updated"
    } else {
        ""
    };
    let by_hand = if edited(PYPROJECT) {
        ""
    } else {
        " (already bumped by hand)"
    };
    line(format!(
        "- [x] Version bumped in pyproject.toml — {} -> {}{by_hand}{lock}",
        bump.previous, r.version
    ));
    line(models);
    line(security);
    line(String::new());

    line("### Models".into());
    for model_line in model_lines(r) {
        line(model_line);
    }
    line(String::new());

    line("### Release".into());
    line(format!(
        "- [x] Changes committed — \"{}\", {now}",
        r.message
    ));
    line(format!("- [ ] Git tag created — annotated `{}` at that commit, pushed atomically with `{}`; verify: `git show {}`", r.tag, r.branch, r.tag));
    match github {
        Some(target) => line(format!(
            "- [ ] GitHub release published — `{}` \"{}\" on {}/{} (assets and SHA256SUMS); verify: `gh release view {}`",
            r.tag, target.title, target.owner, target.repo, r.tag
        )),
        None => line("- [ ] GitHub release published — not done by this run (--no-github)".into()),
    }
    line("- [ ] Release tested from clean deployment — `cargo xtask release X.Y.Z --execute --verify-deploy`, or by hand (checklist step 7)".into());
    line(String::new());

    line("### Post-Release".into());
    for item in [
        "Release verified",
        "Stakeholders notified",
        "Issues/milestones closed",
        "Next release planned",
    ] {
        line(format!("- [ ] {item}"));
    }
    line(String::new());
    line("### Sign-off".into());
    for sign_off in sign_off_lines(gate) {
        line(sign_off);
    }
    line(String::new());

    line("### Pre-release gate".into());
    line(String::new());
    match gate {
        Evidence::Passed { report, .. } => {
            line(format!(
                "`{}` on commit `{}`, started {}, target {}:",
                report.tool,
                report.commit.as_deref().unwrap_or("?"),
                report.started_at,
                report.target_version.as_deref().unwrap_or("?")
            ));
            line(String::new());
            line("| check | section | status | reason |".into());
            line("|-------|---------|--------|--------|".into());
            for check in &report.checks {
                let reason = check.reason.as_deref().unwrap_or("").replace('|', "\\|").replace('\n', " ");
                line(format!("| {} | {} | {} | {} |", check.id, check.section, check.status, reason));
            }
        }
        Evidence::Skipped => line("**Skipped** with `--skip-gate`: the Pre-Release Checklist was not run for this release.".into()),
        Evidence::Recorded { commit } => line(format!("Passed before commit `{commit}`.")),
    }
    out
}

/// The models this release was validated with: the current section of docs/MODEL_VERSIONS.md
/// at HEAD (the release commit's parent), each with its digest, or why there are none.
fn model_lines(r: &Release) -> Vec<String> {
    use project::model_versions::{self, MODEL_VERSIONS};
    let text = match r.repo.show_file("HEAD", MODEL_VERSIONS) {
        Ok(Some(text)) => text,
        Ok(None) => return vec![format!("No {MODEL_VERSIONS}: the models are not recorded.")],
        Err(err) => return vec![format!("{MODEL_VERSIONS} cannot be read: {err:#}")],
    };
    match model_versions::parse(&text) {
        Err(err) => vec![format!("Not recorded: {err}.")],
        Ok(registry) => match registry.current {
            None => vec![format!(
                "Not recorded: {MODEL_VERSIONS} has no current section."
            )],
            Some(current) => {
                let mut lines = Vec::new();
                if current.version != r.version {
                    lines.push(format!(
                        "{MODEL_VERSIONS}'s current section is for v{}, not {} (`cargo xtask models record` was not run for it):",
                        current.version, r.tag
                    ));
                }
                lines.extend(
                    current
                        .entries
                        .iter()
                        .map(|entry| format!("- {} (SHA256: {})", entry.model, entry.digest)),
                );
                lines
            }
        },
    }
}

/// The checklist's closing sign-offs: who signed in each role and when, from the gate's report
/// (`--sign-off release-manager:NAME`); a role no one signed for is left for a person. Then
/// the manual checks signed off in the gate.
fn sign_off_lines(gate: &Evidence) -> Vec<String> {
    let signed: &[runner::SignOff] = match gate {
        Evidence::Passed { report, .. } => &report.sign_offs,
        _ => &[],
    };
    let mut lines = Vec::new();
    for role in ["Release Manager", "Tech Lead"] {
        let by_role: Vec<_> = signed
            .iter()
            .filter(|s| s.role.as_deref() == Some(role))
            .collect();
        if by_role.is_empty() {
            lines.push(format!("- [ ] {role}: __________ Date: __________"));
        }
        for s in by_role {
            lines.push(format!(
                "- [x] {role}: {} Date: {} (signed off in the pre-release gate)",
                s.by, s.at
            ));
        }
    }
    for s in signed.iter().filter(|s| s.role.is_none()) {
        lines.push(format!(
            "- [x] `{}` (manual check): signed off by {} at {}",
            s.id, s.by, s.at
        ));
    }
    lines
}

fn tick(done: bool) -> char {
    if done {
        'x'
    } else {
        ' '
    }
}

type Covers = fn(&str, &str) -> bool;

/// The template's Pre-Release items the gate answers, with the checks (section, id) that do.
const GATE_ITEMS: [(&str, Covers); 4] = [
    ("All tests passing", |section, id| {
        section == "functional" || section == "code-quality" && id.contains("test")
    }),
    ("Documentation updated", |section, _| {
        section == "documentation"
    }),
    ("Models validated", |section, _| section == "models"),
    ("Security checks passed", |section, _| section == "security"),
];

/// Ticked when at least one covering check passed and none failed, was blocked or skipped;
/// manual checks are named as left for a person.
fn gate_item(gate: &Evidence, title: &str, covers: Covers) -> String {
    let Evidence::Passed { report, .. } = gate else {
        return format!("- [ ] {title} — the pre-release gate was skipped (--skip-gate)");
    };
    let checks: Vec<_> = report
        .checks
        .iter()
        .filter(|check| covers(&check.section, &check.id))
        .collect();
    let with = |status: Status| -> Vec<&str> {
        checks
            .iter()
            .filter(|check| check.status == status)
            .map(|check| check.id.as_str())
            .collect()
    };
    let (passed, manual, skipped) = (
        with(Status::Pass),
        with(Status::Manual),
        with(Status::Skipped),
    );
    let done = !passed.is_empty() && passed.len() + manual.len() == checks.len();
    let mut line = format!("- [{}] {title} — gate: {} passed", tick(done), passed.len());
    if !skipped.is_empty() {
        line.push_str(&format!("; skipped: {}", skipped.join(", ")));
    }
    if !manual.is_empty() {
        line.push_str(&format!("; manual, for a person: {}", manual.join(", ")));
    }
    line
}
