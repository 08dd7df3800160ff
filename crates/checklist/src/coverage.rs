//! `trackers/checklist-coverage.md`: every item of the seed checklist and what automates it.

use std::fmt::Write;

use crate::{Check, Checklist, Kind};

/// Seed items outside the Pre-Release Checklist: (start of the item's text, what covers it).
/// "manual: ..." marks what only a person can do.
pub const OTHER_STEPS: &[(&str, &str)] = &[
    // Release Process
    ("1. Version Numbering", "`cargo xtask release X.Y.Z` preflight: valid semver, greater than the latest tag, MAJOR bumps flagged"),
    ("2. Update Version", "`cargo xtask release X.Y.Z`: `[project].version` in pyproject.toml and the project's entry in uv.lock"),
    ("3. Update CHANGELOG.md", "`cargo xtask release X.Y.Z`: `## Version X.Y.Z - date` from Unreleased, `--notes FILE` or drafted commits"),
    ("4. Commit Release Changes", "`cargo xtask release X.Y.Z --execute`: one commit, pushed with the tag by `git push --atomic`"),
    ("5. Create Git Tag", "`cargo xtask release X.Y.Z --execute`: annotated tag `vX.Y.Z`"),
    ("6. Create GitHub Release", "`cargo xtask release X.Y.Z --execute`: draft, assets from `cargo xtask archive`, publish last"),
    ("7. Build and Test Release", "`cargo xtask release X.Y.Z --verify-deploy`: teardown, build, deploy, health, integration tests in a worktree of the tag"),
    // Model Versioning: Model Update Procedure
    ("1. **Test new model:**", "manual: choosing a model is a person's call; then `cargo xtask pre-release --section models`"),
    ("2. **Update configuration:**", "manual edit; `embedding-model` and `models-listed` check the files agree"),
    ("3. **Validate embeddings:**", "`memory-setup`, `chroma-db`"),
    ("4. **Test full pipeline:**", "`pipeline`, `integration-tests`"),
    ("5. **Document change:**", "manual: CHANGELOG entry (`changelog` checks there is one); docs/MODEL_VERSIONS.md feeds `cargo xtask archive`'s models.json"),
    ("6. **Tag model configuration:**", "manual: `models-vX.Y.Z` tags are not made by the xtask"),
    // Post-Release Checklist (`cargo xtask post-release X.Y.Z`: the check ids of its report)
    ("GitHub release published successfully", "`cargo xtask post-release`: `github-release` (published, not a draft, pre-release flag), `release-latest` (latest exactly when the highest stable version), `release-notes` (title and body equal the CHANGELOG section on main)"),
    ("Git tag pushed", "`cargo xtask post-release`: `tag-pushed` (annotated, on origin, at the release commit), `version-at-tag` (pyproject.toml at the tag)"),
    ("CHANGELOG.md updated on main branch", "`cargo xtask post-release`: `changelog-on-main` (origin's main contains the release commit and has the section)"),
    ("Documentation deployed", "`cargo xtask post-release`: `docs-deployed` (the versioned page answers 200; skipped without a docs site)"),
    ("Release notes sent to stakeholders", "manual `notes-sent` (`post-release --sign-off notes-sent`)"),
    ("Docker images built", "`cargo xtask post-release`: `docker-images` (each pushed image has the version's tag, digest recorded; skipped without a registry)"),
    ("Monitor GitHub issues", "manual `monitor-issues` (`post-release --sign-off`)"),
    ("Monitor deployment logs", "manual `monitor-logs` (`post-release --sign-off`)"),
    ("Check service health on production", "manual `production-health`: production is not reachable from the xtask"),
    ("Verify metrics in Grafana", "manual `grafana` (`post-release --sign-off`)"),
    ("Review model inference performance", "manual `model-performance` (`post-release --sign-off`)"),
    ("Announce release", "manual `announce` (`post-release --sign-off`)"),
    ("Update project board", "manual `project-board` (`post-release --sign-off`)"),
    ("Close completed issues", "manual `close-issues`; the milestone is `milestone-closed`"),
    ("Thank contributors", "manual `thank-contributors`: the plan lists the commit authors since the previous release"),
    ("Close release milestone", "`cargo xtask post-release --execute`: `milestone-closed` (refused while issues are open, unless `--close-open-milestone`)"),
    ("Archive old documentation versions", "`cargo xtask post-release`: `docs-archived` (the docs tarball is an asset of the release)"),
    ("Update related repositories", "manual `related-repos` (`post-release --sign-off`)"),
    ("Plan next release cycle", "`cargo xtask post-release --next-milestone X.Y.Z --execute`: `next-milestone`"),
    // Hotfix Process
    ("1. Create Hotfix Branch", "manual: `git checkout -b hotfix/vX.Y.Z`; `release --branch hotfix/...` allows releasing from it"),
    ("2. Apply Fix", "manual fix; `cargo xtask pre-release` tests it"),
    ("3. Bump Patch Version", "`cargo xtask release X.Y.Z+1`"),
    ("4. Merge and Release", "manual merge; then `cargo xtask release X.Y.Z --execute`"),
    // Rollback Procedure
    ("1. Identify Previous Stable Version", "manual: `git tag -l`"),
    ("2. Rollback Deployment", "manual: deployment is the operator's"),
    ("3. Communicate Issue", "manual: communication"),
    ("4. Fix and Re-release", "`cargo xtask pre-release` then `cargo xtask release`"),
    // Release Artifacts: What to Archive
    ("1. **Code snapshot:**", "`cargo xtask archive`: `<name>-vX.Y.Z.tar.gz` from git objects"),
    ("2. **Configuration:**", "`cargo xtask archive`: `-config.tar.gz`"),
    ("3. **Documentation:**", "`cargo xtask archive`: `-docs.tar.gz`"),
    ("4. **Model artifacts:**", "`cargo xtask archive`: `-models.json` with digests and their source"),
    ("5. **Langflow flows:**", "`cargo xtask archive`: `-flows.tar.gz`"),
    // Checklist Template
    ("All tests passing", "`unit-tests`, `integration-tests` (the release record lists them)"),
    ("Documentation updated", "`doc-references`; the rest manual"),
    ("CHANGELOG.md updated", "`changelog`; `cargo xtask release` writes the section"),
    ("Version bumped in pyproject.toml", "`version`; `cargo xtask release` bumps it"),
    ("Models validated", "section `models`"),
    ("Security checks passed", "section `security`"),
    ("Changes committed", "`cargo xtask release --execute`"),
    ("Git tag created", "`cargo xtask release --execute`"),
    ("GitHub release published", "`cargo xtask release --execute`"),
    ("Release tested from clean deployment", "`cargo xtask release --verify-deploy`"),
    ("Release verified", "`cargo xtask post-release`: ticked when every verification check passed (`asset-digests`, `assets-reproducible`, …)"),
    ("Stakeholders notified", "manual `notes-sent` and `announce` (`post-release --sign-off`)"),
    ("Issues/milestones closed", "`cargo xtask post-release --execute`: `milestone-closed`"),
    ("Next release planned", "`cargo xtask post-release --next-milestone X.Y.Z --execute`: `next-milestone`"),
    ("Release Manager:", "manual sign-off: `cargo xtask pre-release --sign-off ID` records who and when"),
    ("Tech Lead:", "manual sign-off: `cargo xtask pre-release --sign-off ID` records who and when"),
];

/// Seed items that nothing covers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("seed checklist items without coverage: {}", .0.join("; "))]
pub struct CoverageError(pub Vec<String>);

/// The coverage table for `seed` (the text of RELEASE_CHECKLIST.md).
pub fn coverage_markdown(seed: &str, checklist: &Checklist) -> Result<String, CoverageError> {
    let mut out = String::from(
        "# Checklist coverage\n\n\
         Every item of the seed `RELEASE_CHECKLIST.md` and what automates it: a check id of \
         `cargo xtask pre-release`, another xtask command, or `manual` and why.\n\
         Generated by `cargo xtask coverage`; a test fails when it is out of date.\n",
    );
    let mut uncovered = Vec::new();
    let mut sections: Vec<(&str, Vec<String>)> = Vec::new();
    for (number, line) in seed.lines().enumerate() {
        if let Some(heading) = line.strip_prefix("## ") {
            sections.push((heading, Vec::new()));
            continue;
        }
        let (Some(item), Some((heading, rows))) = (seed_item(line), sections.last_mut()) else {
            continue;
        };
        match cover(item, heading, checklist) {
            Some(by) => rows.push(format!("| {} | {} | {} |", number + 1, cell(item), by)),
            None => uncovered.push(format!("line {}: {item}", number + 1)),
        }
    }
    if !uncovered.is_empty() {
        return Err(CoverageError(uncovered));
    }
    for (heading, rows) in sections.iter().filter(|(_, rows)| !rows.is_empty()) {
        write!(
            out,
            "\n## {heading}\n\n| Line | Item | Covered by |\n|---|---|---|\n"
        )
        .unwrap();
        for row in rows {
            writeln!(out, "{row}").unwrap();
        }
    }
    Ok(out)
}

/// A checklist item: `- [ ] text`, a `### N. step` heading, or a `N. **bold**` step.
fn seed_item(line: &str) -> Option<&str> {
    if let Some(item) = line.strip_prefix("- [ ] ") {
        return Some(item.trim());
    }
    let step = line.strip_prefix("### ").unwrap_or(line);
    let (number, rest) = step.split_once(". ")?;
    let numbered = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
    let is_step = line.starts_with("### ") || rest.starts_with("**");
    (numbered && is_step).then_some(step.trim())
}

fn cover(item: &str, heading: &str, checklist: &Checklist) -> Option<String> {
    if heading == "Pre-Release Checklist" {
        let checks: Vec<&Check> = checklist
            .checks()
            .iter()
            .filter(|c| c.seed.iter().any(|s| item.starts_with(s.as_str())))
            .collect();
        return (!checks.is_empty()).then(|| {
            checks
                .iter()
                .map(|c| describe(c))
                .collect::<Vec<_>>()
                .join("; ")
        });
    }
    OTHER_STEPS
        .iter()
        .find(|(start, _)| item.starts_with(start))
        .map(|(_, by)| by.to_string())
}

fn describe(check: &Check) -> String {
    match (check.kind, &check.command) {
        (Kind::Manual, _) => format!(
            "manual `{}`: {}",
            check.id,
            check.reason.as_deref().unwrap_or("")
        ),
        (Kind::Command, Some(command)) => format!("`{}` (`{}`)", check.id, cell(command)),
        (Kind::Native, _) => format!("`{}` (native: {})", check.id, cell(&check.title)),
        (Kind::Command, None) => format!("`{}`", check.id),
    }
}

/// Text safe inside a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}
