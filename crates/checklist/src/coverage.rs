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
    ("6. Create GitHub Release", "`cargo xtask release X.Y.Z --execute`: draft titled `Version X.Y.Z` (`--title NAME`: `Version X.Y.Z - NAME`), assets from `cargo xtask archive` (`--asset` files listed in SHA256SUMS too), publish last; prints the release URL"),
    ("7. Build and Test Release", "`cargo xtask release X.Y.Z --verify-deploy`: teardown, build, deploy, health, integration tests in a worktree of the tag"),
    // Model Versioning
    ("Default Models", "`cargo xtask models check`: the defaults of scripts/model-pull.sh (`DEFAULT_MODELS=(...)`, `MODEL_DEFAULT=` or a `for` list) agree with memory setup's embedding model, scripts/model-prune.sh, README.md, docs/MODEL_SELECTION.md and docs/MODEL_VERSIONS.md"),
    ("Model Registry", "`cargo xtask models record`: the current section of docs/MODEL_VERSIONS.md from Ollama's digests; `models check` (and `models-listed`) compare them with what runs; `archive` reads them at the archived revision"),
    ("Model Update Procedure", "`cargo xtask models update NEW [--replace OLD] [--embedding]`: the steps below as one resumable command"),
    ("1. **Test new model:**", "`cargo xtask models update NEW`, step `pull`: `./scripts/model-pull.sh NEW`, then NEW must be in Ollama's list"),
    ("2. **Update configuration:**", "`cargo xtask models update NEW`, step `configure`: scripts/model-pull.sh, scripts/model-prune.sh, the embedding model where the resolver finds it (`--embedding`), README.md and docs/MODEL_SELECTION.md, all or nothing; `models check` and `embedding-model` check them"),
    ("3. **Validate embeddings:**", "`cargo xtask models update NEW --embedding`, step `validate`: chroma_db/ moved aside to a timestamped backup (never deleted), then `memory-setup`; pre-release `memory-setup`, `chroma-db`"),
    ("4. **Test full pipeline:**", "`cargo xtask models update NEW`, step `validate`: the checklist's `pipeline` and `integration-tests` commands"),
    ("5. **Document change:**", "`cargo xtask models update NEW`, step `document`: \"Update default model to NEW\" under the changelog's Unreleased, and `models record`"),
    ("6. **Tag model configuration:**", "`cargo xtask models update NEW`, step `tag`, or `cargo xtask models tag X.Y.Z`: one commit, annotated `models-vX.Y.Z`, one atomic push"),
    ("Model Pruning Strategy", "`cargo xtask models prune`: `docker system df`, the unused models with their sizes and the total; `--execute` removes them through Ollama; defaults, protected (model-prune.sh's rule) and pinned models never"),
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
    ("1. Create Hotfix Branch", "`cargo xtask hotfix start X.Y.Z [--from REV] [--worktree DIR] --execute`: steps `branch`, `switch`/`worktree`; X.Y.Z the next patch of its base"),
    ("2. Apply Fix", "manual fix on the branch; `hotfix finish` preflight refuses an empty hotfix and runs the pre-release gate (pytest, integration tests) on its HEAD"),
    ("3. Bump Patch Version", "`cargo xtask hotfix finish --execute`: steps `files`, `commit` (pyproject.toml, uv.lock, CHANGELOG section from the hotfix's commits, Patch row, record)"),
    ("4. Merge and Release", "`cargo xtask hotfix finish --execute`: steps `merge` (--no-ff, main's version kept), `tag` (on what was tested), `push` (atomic), `archive`, `github` (latest only if highest), `switch`, `delete-branch`"),
    // Rollback Procedure
    ("1. Identify Previous Stable Version", "`cargo xtask rollback` preflight (identify): `--from` the latest tag or the deployment's version label, `--to` the highest stable tag below it not marked rolled back; the plan lists the commits between"),
    ("2. Rollback Deployment", "`cargo xtask rollback --execute` steps `teardown`, `checkout`, `build`, `deploy` in the project directory, `health` (services-healthy's polling, 180 s), `models`"),
    ("3. Communicate Issue", "`cargo xtask rollback --execute` steps `notice` (\"ROLLED BACK\" title and notice), `latest`, `incident` (the issue, once); telling users beyond GitHub is manual"),
    ("4. Fix and Re-release", "`cargo xtask rollback` step `next` prints `cargo xtask hotfix start X.Y.(Z+1) --from vX.Y.Z`; then `cargo xtask pre-release` and `cargo xtask hotfix finish`"),
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
    ("Release Manager:", "manual sign-off: `cargo xtask pre-release --sign-off \"release-manager:NAME\"` (or `release --sign-off`, passed to its gate) records who and when; the release record's Sign-off section lists it"),
    ("Tech Lead:", "manual sign-off: `cargo xtask pre-release --sign-off \"tech-lead:NAME\"` (or `release --sign-off`, passed to its gate) records who and when; the release record's Sign-off section lists it"),
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
    let mut in_fence = false;
    for (number, line) in seed.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        // A heading inside a fenced block is an example of a file (the CHANGELOG template, the
        // release checklist template), not a section of the checklist; its items still count.
        if let Some(heading) = line.strip_prefix("## ").filter(|_| !in_fence) {
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
    out.push_str(
        "\n## Facts the checklist states, and where they are read from\n\n\
         `checklist-drift` compares each with the project's files, read the way the real tool \
         reads them (docs/pre-release.md).\n\n| Fact | Read from | Checks |\n|---|---|---|\n",
    );
    for (fact, from, checks) in FACTS {
        writeln!(out, "| {fact} | {from} | {checks} |").unwrap();
    }
    Ok(out)
}

/// The facts the seed checklist states, where pre-release reads the truth, and which checks use it.
const FACTS: &[(&str, &str, &str)] = &[
    (
        "Published ports (Langflow 7860, code-server 8080, Ollama 11434)",
        "the compose files as `docker compose` reads them: `COMPOSE_FILE` or docker-compose.yml + its override, interpolated from the shell then `.env`, short and long `ports:` syntax",
        "`services-healthy`, `checklist-drift`, `compose-config`",
    ),
    (
        "Container names (`coding-assistant`, `ollama`)",
        "`container_name:`, else compose's `<project>-<service>-1` (project: `COMPOSE_PROJECT_NAME`, `name:`, the folder); services outside the enabled profiles (`COMPOSE_PROFILES`) are inactive",
        "`pipeline`, `enclave-demo`, `orchestrator-examples`, `models-listed`, `memory-setup`, `checklist-drift`",
    ),
    (
        "Default models (`qwen2.5-coder:7b-q4_0`, `mistral:latest`)",
        "`DEFAULT_MODELS=(...)` of scripts/model-pull.sh",
        "`models-listed`, `embedding-model`, `checklist-drift`",
    ),
    (
        "Embedding model (`src/memory_setup.py` line 60)",
        "src/memory_setup.py through the project's Python `ast`: the `model` argument of the embeddings constructor, followed through imports and constants; `os.getenv` defaults and their compose `environment:`/`.env` overrides",
        "`embedding-model`, `checklist-drift`",
    ),
    (
        "Version (`pyproject.toml` line 7)",
        "`[project].version` of pyproject.toml and uv.lock's entry",
        "`version`, `checklist-drift`",
    ),
    (
        "Variables of `.env.example`",
        "every variable the compose files interpolate or pass through, and every `os.getenv`/`os.environ` of src/ (Python `ast`)",
        "`env-example`, `compose-defaults`",
    ),
];

/// A checklist item: `- [ ] text`, a `### N. step` heading, a `N. **bold**` step, or a
/// `#### Topic` heading (Model Versioning's "Default Models", "Model Pruning Strategy", ...).
fn seed_item(line: &str) -> Option<&str> {
    if let Some(item) = line.strip_prefix("- [ ] ") {
        return Some(item.trim());
    }
    if let Some(topic) = line.strip_prefix("#### ") {
        return Some(topic.trim());
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
