//! `models update NEW [--replace OLD] [--embedding]`: the Model Update Procedure as steps, each
//! looking at the state before it acts, so a re-run after a failure does only what is missing:
//!
//! 1. `pin`: keep the model being replaced restorable: `ollama cp OLD <name>-pin:<id12>` and a
//!    line under "Pinned Models" in docs/MODEL_VERSIONS.md. It runs before the pull: pulling a
//!    moved tag of the same name deletes the old blobs.
//! 2. `pull`: `./scripts/model-pull.sh NEW` (Ollama's pull without the script), then NEW must be
//!    in Ollama's list;
//! 3. `configure`: the defaults of scripts/model-pull.sh, the protected list of
//!    scripts/model-prune.sh, the embedding model where the resolver says it is set
//!    (`--embedding`), the references in README.md and docs/MODEL_SELECTION.md; computed in
//!    memory, all written or none;
//! 4. `validate`: `chroma_db/` moved aside to a timestamped backup (never deleted), then the
//!    checklist's `memory-setup`, `pipeline` and `integration-tests` commands;
//! 5. `document`: "Update default model to NEW" under the changelog's Unreleased, and the
//!    current section of docs/MODEL_VERSIONS.md recorded from Ollama;
//! 6. `tag`: one commit, the annotated tag `models-vX.Y.Z`, one atomic push.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use project::model_versions;
use project::models as names;
use semver::Version;
use xshell::{cmd, Shell};

use super::server::{self, Server};
use super::tag::Tagging;
use crate::release::core::{Action, Edit, Mode, OllamaCall, Op, Output, Step};
use crate::release::plan_then_execute;
pub use xtask::cli::models::update::Args;
use xtask::exit::Exit;
use xtask::Ctx;

const CHANGELOG: &str = "CHANGELOG.md";
const CHROMA_DB: &str = "chroma_db";
/// The checklist's checks that validate the embeddings and the pipeline, in order.
const VALIDATION: &[&str] = &["memory-setup", "pipeline", "integration-tests"];

struct Update {
    project: PathBuf,
    new: String,
    old: Option<String>,
    embedding: bool,
    version: Version,
    server: Server,
    /// Where the resumable state of `validate` is kept (the backup made, the configuration
    /// validated).
    state: PathBuf,
    /// The embedding model's file and line, when `--embedding`.
    embedding_at: Option<(String, usize, String)>,
    tagging: Tagging,
    validation: Vec<(String, String)>,
}

fn valid_name(name: &str) -> bool {
    let re = regex_lite::Regex::new(
        r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*(:[A-Za-z0-9][A-Za-z0-9._-]*)?$",
    )
    .unwrap();
    re.is_match(name) && name.len() <= 200
}

pub fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<u8> {
    let update = preflight(ctx, args)?;
    let mut out = Output::command(
        args.common.format,
        format!("models update {} ({})", update.new, update.tagging.tag),
        format!("updated to {}", update.new),
    );
    plan_then_execute(&args.common, &mut out, |mode, out| {
        let mut pending = false;
        out.step("pin", mode, |step| pin(step, &update))?;
        out.step("pull", mode, |step| pull(step, &update))?;
        out.step("configure", mode, |step| {
            configure(step, &update)?;
            pending |= !step.actions.is_empty();
            Ok(())
        })?;
        out.step("validate", mode, |step| validate(step, &update))?;
        out.step("document", mode, |step| {
            document(step, &update)?;
            pending |= !step.actions.is_empty();
            Ok(())
        })?;
        out.step("tag", mode, |step| update.tagging.step(step, pending))
    })
}

/// Everything that can be refused before changing anything.
fn preflight(ctx: &Ctx, args: &Args) -> anyhow::Result<Update> {
    let project = ctx.project.clone();
    for (flag, name) in [
        ("NEW", Some(&args.new)),
        ("--replace", args.replace.as_ref()),
    ] {
        if let Some(name) = name {
            if !valid_name(name) {
                return Err(Exit::refused(
                    format!("{flag} {name:?} is not an Ollama model name"),
                    "write it as name:tag, e.g. qwen2.5-coder:7b-q4_0 (see ollama.com/library)",
                )
                .into());
            }
        }
    }
    let new = ollama::full_name(&args.new);
    let old = args.replace.as_deref().map(ollama::full_name);
    let defaults = super::check::defaults(&project)
        .map_err(|f| Exit::refused(f.to_string(), "fix the model list of scripts/model-pull.sh"))?;
    let is_default = |m: &str| {
        defaults
            .models
            .iter()
            .any(|d| ollama::same_name(&d.name, m))
    };
    if let Some(old) = &old {
        // A re-run after `configure` finds NEW in OLD's place: that is the resumed state.
        if !is_default(old) && !is_default(&new) {
            return Err(Exit::refused(
                format!(
                    "{old} is not a default model ({}: {})",
                    defaults.source.describe(),
                    super::check::list(&defaults)
                ),
                "pass --replace with one of the defaults, or leave it out to add NEW",
            )
            .into());
        }
    }
    if defaults.source == names::DefaultsSource::Registry {
        return Err(Exit::refused(
            "scripts/model-pull.sh declares no default models to edit (they come from docs/MODEL_VERSIONS.md)",
            "declare them in scripts/model-pull.sh: DEFAULT_MODELS=(\"name:tag\" ...)",
        )
        .into());
    }
    let embedding_model = project::python::embedding_model(&project, super::check::MEMORY_SETUP);
    let embedding_at = if args.embedding {
        let resolved = embedding_model.map_err(|err| {
            Exit::refused(
                format!("--embedding: the embedding model cannot be found: {err}"),
                "set it in one place memory setup reads (e.g. EMBEDDING_MODEL in src/constants.py)",
            )
        })?;
        Some(origin(&resolved)?)
    } else {
        if let (Some(old), Ok(resolved)) = (&old, &embedding_model) {
            if ollama::same_name(&resolved.value, old) && !ollama::same_name(old, &new) {
                return Err(Exit::refused(
                    format!("{old} is the embedding model ({}): replacing it changes the embeddings", resolved.origin()),
                    "pass --embedding (memory setup then rebuilds chroma_db/, the old one is kept aside)",
                )
                .into());
            }
        }
        None
    };
    let (server, _models) = super::server_or_refuse(&project)?;
    if !matches!(server, Server::Api(_)) {
        return Err(Exit::refused(
            "`ollama list` shows only 12-hex IDs: the update records full digests",
            "set OLLAMA_HOST to the port compose publishes for ollama, so its API gives the digests",
        )
        .into());
    }
    let version = super::version_or_next(&project, args.version.as_deref())?;
    let paths = super::tag::MODEL_FILES
        .iter()
        .map(|f| f.to_string())
        .chain(embedding_at.as_ref().map(|(file, _, _)| file.clone()))
        .filter(|f| project.join(f).is_file())
        .collect();
    let tagging = Tagging::new(
        &project,
        &version,
        format!("Update default model to {new}"),
        paths,
        &args.git,
    );
    tagging.preflight()?;
    let validation = validation_commands(&project)?;
    let state = ctx
        .out
        .join("models")
        .join(format!("update-{}.state", new.replace(['/', ':'], "_")));
    Ok(Update {
        project,
        new,
        old,
        embedding: args.embedding,
        version,
        server,
        state,
        embedding_at,
        tagging,
        validation,
    })
}

/// `(file, line, literal)` where the resolver says the embedding model is written.
fn origin(resolved: &project::python::Resolved) -> anyhow::Result<(String, usize, String)> {
    let origin = resolved.origin();
    let mut parts = origin.splitn(3, ':');
    let (file, line) = (
        parts.next().unwrap_or_default(),
        parts.next().and_then(|l| l.trim().parse().ok()),
    );
    match line {
        Some(line) if !file.is_empty() => Ok((file.to_string(), line, resolved.value.clone())),
        _ => Err(Exit::refused(
            format!("--embedding: cannot tell where the embedding model is written ({origin:?})"),
            "edit it by hand, then run `cargo xtask models tag`",
        )
        .into()),
    }
}

/// The checklist's validation commands with `{app_container}` filled in.
fn validation_commands(project: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut checklist = checklist::Checklist::defaults();
    if let Ok(text) = std::fs::read_to_string(project.join(checklist::OVERRIDE_FILE)) {
        checklist = checklist
            .apply_overrides(&text, checklist::OVERRIDE_FILE)
            .map_err(|err| Exit::refused(err.to_string(), err.hint.clone()))?;
    }
    let app = project::compose::Compose::load(project)
        .map_err(|err| err.to_string())
        .and_then(|c| {
            c.app()
                .map(|s| s.container().to_string())
                .ok_or_else(|| format!("{} has no application service", c.file))
        });
    let vars = BTreeMap::from([("app_container", app)]);
    let mut commands = Vec::new();
    for id in VALIDATION {
        let Some(command) = checklist.get(id).and_then(|c| c.command.clone()) else {
            continue;
        };
        let command = checklist::expand(&command, &vars).map_err(|err| {
            Exit::refused(
                format!("`{id}` cannot run: {}", err.why),
                "name the application's container in docker-compose.yml",
            )
        })?;
        commands.push((id.to_string(), command));
    }
    Ok(commands)
}

fn list(update: &Update) -> anyhow::Result<Vec<server::Model>> {
    update
        .server
        .list()
        .map_err(|err| anyhow::anyhow!("{}: {err}", update.server.describe()))
}

fn pin_name(model: &str, digest: &str) -> String {
    let full = ollama::full_name(model);
    let name = full.rsplit_once(':').map_or(full.as_str(), |(n, _)| n);
    format!(
        "{}-pin:{}",
        name.replace('/', "-"),
        &digest[..digest.len().min(12)]
    )
}

fn pin(step: &mut Step, update: &Update) -> anyhow::Result<()> {
    let Some(old) = &update.old else {
        return step.skipped("nothing is replaced (NEW is added to the defaults)");
    };
    let models = list(update)?;
    let registry_path = update.project.join(model_versions::MODEL_VERSIONS);
    let registry_text = std::fs::read_to_string(&registry_path).unwrap_or_default();
    let recorded = model_versions::parse(&registry_text)
        .ok()
        .and_then(|r| r.current)
        .and_then(|c| {
            c.entries
                .into_iter()
                .find(|e| ollama::same_name(&e.model, old))
        })
        .map(|e| e.digest);
    let served = server::find(&models, old).map(|m| m.digest.clone());
    let already =
        |digest: &str| server::find(&models, &pin_name(old, digest)).map(|m| m.name.clone());
    let existing = recorded
        .as_deref()
        .and_then(already)
        .or_else(|| served.as_deref().and_then(already));
    let pin = match (existing, &served) {
        (Some(pin), _) => pin,
        (None, Some(digest)) => {
            let pin = pin_name(old, digest);
            if recorded.as_ref().is_some_and(|r| r != digest) {
                step.summary(format!(
                    "note: {old} no longer has its recorded digest; pinning the one served"
                ));
            }
            let call = update.server.show_call(
                &format!("POST /api/copy {old} -> {pin}"),
                &["cp", old, &pin],
            );
            let op = Op::Ollama {
                call: OllamaCall::Copy {
                    model: old.clone(),
                    to: pin.clone(),
                },
            };
            step.act(Action::new(op).shown(call), || {
                update.server.copy(old, &pin)
            })?;
            pin
        }
        (None, None) => {
            return step.skipped(format!("{old} is not in Ollama: nothing to keep"));
        }
    };
    let digest = served.clone().unwrap_or_default();
    let line = format!(
        "- {pin} keeps {old} as served before v{} (SHA256: {digest}); restore: ollama cp {pin} {old}",
        update.version
    );
    let after = model_versions::with_pin(&registry_text, &pin, &line);
    if after != registry_text {
        let edit = Edit {
            path: model_versions::MODEL_VERSIONS.to_string(),
            before: Some(registry_text.clone()),
            after,
        };
        step.act(edit.action(), || {
            xtask::fs::write_atomic(&registry_path, edit.after.as_bytes())
        })?;
    }
    if step.actions.is_empty() {
        step.done(format!("{old} is pinned as {pin}"));
    } else if step.summary.is_empty() {
        step.summary(format!("{old} stays restorable as {pin}"));
    }
    Ok(())
}

fn pull(step: &mut Step, update: &Update) -> anyhow::Result<()> {
    let present = server::find(&list(update)?, &update.new).is_some();
    let refresh = update
        .old
        .as_deref()
        .is_some_and(|old| ollama::same_name(old, &update.new));
    if present && !refresh {
        step.done(format!("{} is in Ollama", update.new));
        return Ok(());
    }
    let script = update.project.join(names::MODEL_PULL);
    let new = update.new.clone();
    let action = if script.is_file() {
        Action::run(format!("./{}", names::MODEL_PULL), &[&new])
    } else {
        let what = update
            .server
            .show_call(&format!("POST /api/pull {new}"), &["pull", &new]);
        let call = OllamaCall::Pull { model: new.clone() };
        Action::new(Op::Ollama { call }).shown(what)
    };
    step.summary(format!("pull {new}, then find it in Ollama's list"));
    step.act(action, || {
        if script.is_file() {
            run_in(&update.project, &format!("./{} {new}", names::MODEL_PULL)).map_err(|err| {
                Exit::refused(
                    format!("pulling {new} failed: {err}"),
                    "check the name on ollama.com/library (a name the registry does not have cannot be pulled)",
                )
            })?;
        } else {
            update.server.pull(&new).map_err(|err| {
                Exit::refused(format!("{err}"), "check the name on ollama.com/library")
            })?;
        }
        if server::find(&list(update)?, &new).is_none() {
            anyhow::bail!("{new} is not in Ollama's list after the pull ({})", update.server.describe());
        }
        Ok(())
    })?;
    Ok(())
}

/// Runs `command` with `sh -c` in `dir`; the error ends with the last line it printed.
fn run_in(dir: &Path, command: &str) -> anyhow::Result<()> {
    let sh = Shell::new()?;
    sh.change_dir(dir);
    let out = cmd!(sh, "sh -c {command}")
        .quiet()
        .ignore_status()
        .output()?;
    if out.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output");
    anyhow::bail!(
        "`{command}` exited with {}: {}",
        out.status.code().unwrap_or(-1),
        last.trim()
    )
}

/// The edited texts: `(path, before, after)` for every file that changes.
fn edits(update: &Update) -> anyhow::Result<Vec<(String, String, String)>> {
    let read = |path: &str| std::fs::read_to_string(update.project.join(path));
    let mut edits = Vec::new();
    let mut push = |path: &str, before: String, after: String| {
        if before != after {
            edits.push((path.to_string(), before, after));
        }
    };
    let script = read(names::MODEL_PULL)?;
    let edited =
        names::with_default(&script, update.old.as_deref(), &update.new).map_err(|why| {
            Exit::refused(
                format!("{}: {why}", names::MODEL_PULL),
                "pass --replace with one of the defaults",
            )
        })?;
    push(names::MODEL_PULL, script, edited);
    if let Ok(prune) = read(names::MODEL_PRUNE) {
        let edited = names::with_protected(&prune, &update.new).map_err(|why| {
            Exit::refused(
                format!("{}: {why}", names::MODEL_PRUNE),
                "declare PROTECTED_MODELS=(...)",
            )
        })?;
        push(names::MODEL_PRUNE, prune, edited);
    }
    if let Some((file, line, value)) = &update.embedding_at {
        let text = read(file)?;
        let edited =
            replace_literal_on_line(&text, *line, value, &update.new).ok_or_else(|| {
                Exit::refused(
                    format!("{file}:{line} does not hold the literal {value:?} the resolver found"),
                    "edit the embedding model by hand, then run `cargo xtask models tag`",
                )
            })?;
        push(file, text, edited);
    }
    if let Some(old) = &update.old {
        for doc in ["README.md", "docs/MODEL_SELECTION.md"] {
            if let Ok(text) = read(doc) {
                let edited = replace_mentions(&text, old, &update.new);
                push(doc, text, edited);
            }
        }
    }
    Ok(edits)
}

/// `text` with the string literal `"value"` (or `'value'`) on line `line` (1-based) replaced.
/// `Some(text)` unchanged when the line already holds `new`.
fn replace_literal_on_line(text: &str, line: usize, value: &str, new: &str) -> Option<String> {
    let mut start = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            for quote in ['"', '\''] {
                let needle = format!("{quote}{value}{quote}");
                if let Some(at) = raw.find(&needle) {
                    let mut out = text.to_string();
                    out.replace_range(
                        start + at..start + at + needle.len(),
                        &format!("{quote}{new}{quote}"),
                    );
                    return Some(out);
                }
                if raw.contains(&format!("{quote}{new}{quote}")) {
                    return Some(text.to_string());
                }
            }
            return None;
        }
        start += raw.len();
    }
    None
}

/// Every mention of model `old` (as a whole name: not a prefix of a longer one) replaced by `new`.
fn replace_mentions(text: &str, old: &str, new: &str) -> String {
    let name_char = |c: char| c.is_alphanumeric() || "._:/-".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(old) {
        let end = at + old.len();
        let before = text[..at].chars().next_back();
        let mut after = text[end..].chars();
        let next = after.next();
        // A `.` or `-` that ends a sentence is not part of the name.
        let continues = next.is_some_and(|c| {
            let punctuation = matches!(c, '.' | '-' | ':');
            name_char(c) && (!punctuation || after.next().is_some_and(char::is_alphanumeric))
        });
        if at < copied || before.is_some_and(name_char) || continues {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(new);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

fn configure(step: &mut Step, update: &Update) -> anyhow::Result<()> {
    let edits = edits(update)?;
    if edits.is_empty() {
        step.done(format!("the files name {} already", update.new));
        return Ok(());
    }
    let mut summary = format!("{} file(s), written all together", edits.len());
    if update.old.is_none() {
        summary.push_str(&format!(
            "; describe {} in README.md and docs/MODEL_SELECTION.md yourself (`models check` looks for it)",
            update.new
        ));
    }
    step.summary(summary);
    let actions = edits
        .iter()
        .map(|(path, before, after)| {
            Edit {
                path: path.to_string(),
                before: Some(before.to_string()),
                after: after.to_string(),
            }
            .action()
        })
        .collect();
    step.act_all(actions, || {
        // Every text is computed; now the writes, each atomic. A failure part-way leaves files
        // that the next run's edits (idempotent) complete.
        for (path, _, after) in &edits {
            xtask::fs::write_atomic(&update.project.join(path), after.as_bytes())?;
        }
        Ok(())
    })?;
    Ok(())
}

/// What `validate` has done for this update (kept in the output folder).
fn fingerprint(update: &Update) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    // The configuration only: `document` writes the changelog and the registry after this step.
    let documents = [CHANGELOG, model_versions::MODEL_VERSIONS];
    for path in update
        .tagging
        .paths
        .iter()
        .filter(|p| !documents.contains(&p.as_str()))
    {
        std::fs::read(update.project.join(path))
            .unwrap_or_default()
            .hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

fn read_state(update: &Update) -> BTreeMap<String, String> {
    std::fs::read_to_string(&update.state)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn write_state(update: &Update, state: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let text: String = state.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    xtask::fs::write_atomic(&update.state, text.as_bytes())
}

fn validate(step: &mut Step, update: &Update) -> anyhow::Result<()> {
    let mut state = read_state(update);
    let planned_edits = step.mode() == Mode::Plan && !edits(update)?.is_empty();
    if !planned_edits && state.get("validated") == Some(&fingerprint(update)) {
        step.done("validated with this configuration");
        return Ok(());
    }
    let chroma = update.project.join(CHROMA_DB);
    if update.embedding && chroma.exists() && !state.contains_key("backup") {
        let stamp = super::now_utc().replace(['-', ':'], "");
        let backup = format!("{CHROMA_DB}.backup-{stamp}");
        let op = Op::MoveAside {
            from: format!("{CHROMA_DB}/"),
            to: format!("{backup}/"),
        };
        let why = "the old vector store is kept; delete it yourself once the new one works";
        step.act(
            Action::new(op.clone()).shown(format!("{op}  ({why})")),
            || {
                std::fs::rename(&chroma, update.project.join(&backup)).map_err(|err| {
                    anyhow::anyhow!("moving {CHROMA_DB}/ aside to {backup}/: {err}")
                })?;
                state.insert("backup".into(), backup.clone());
                write_state(update, &state)
            },
        )?;
    }
    for (id, command) in &update.validation {
        let action = Action::run("sh", &["-c", command]).shown(format!("{command}  ({id})"));
        step.act(action, || run_in(&update.project, command))?;
    }
    step.summary(format!(
        "{} with {}",
        update
            .validation
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        update.new
    ));
    step.act_all(Vec::new(), || {
        state.insert("validated".into(), fingerprint(update));
        write_state(update, &state)
    })?;
    Ok(())
}

/// `text` with `- entry` under Unreleased's "### Changed" (both made when missing).
fn with_changelog_entry(text: &str, entry: &str) -> String {
    let item = format!("- {entry}");
    let changelog = changelog::Changelog::parse(text);
    let Some(unreleased) = changelog.unreleased() else {
        let at = changelog
            .sections
            .first()
            .map_or(text.len(), |s| s.range.start);
        let mut out = text.to_string();
        let sep = if at == text.len() && !text.ends_with("\n\n") {
            "\n"
        } else {
            ""
        };
        out.insert_str(
            at,
            &format!("{sep}## Unreleased\n\n### Changed\n{item}\n\n"),
        );
        return out;
    };
    if unreleased.body.lines().any(|l| l.trim() == item) {
        return text.to_string();
    }
    let body_start = unreleased.body_range.start;
    let body = unreleased.body;
    let mut offset = 0;
    let mut changed_end = None;
    let mut in_changed = false;
    let mut last_content_end = 0;
    for raw in body.split_inclusive('\n') {
        let line = raw.trim_end();
        if line.starts_with("### ") {
            in_changed = line
                .trim_start_matches('#')
                .trim()
                .eq_ignore_ascii_case("changed");
        } else if in_changed
            && (line.starts_with("- ") || line.starts_with("  "))
            && !line.trim().is_empty()
        {
            changed_end = Some(offset + raw.len());
        }
        if !line.trim().is_empty() {
            last_content_end = offset + raw.len();
        }
        offset += raw.len();
    }
    let mut out = text.to_string();
    match changed_end {
        Some(end) => out.insert_str(body_start + end, &format!("{item}\n")),
        None => out.insert_str(
            body_start + last_content_end,
            &format!("\n### Changed\n{item}\n"),
        ),
    }
    out
}

fn document(step: &mut Step, update: &Update) -> anyhow::Result<()> {
    let entry = format!("Update default model to {}", update.new);
    let path = update.project.join(CHANGELOG);
    if let Ok(before) = std::fs::read_to_string(&path) {
        let after = with_changelog_entry(&before, &entry);
        if after != before {
            let edit = Edit {
                path: CHANGELOG.to_string(),
                before: Some(before),
                after,
            };
            step.act(edit.action(), || {
                xtask::fs::write_atomic(&path, edit.after.as_bytes())
            })?;
        }
    }
    // The defaults as `configure` leaves them (in a plan, the files are not edited yet).
    let script = std::fs::read_to_string(update.project.join(names::MODEL_PULL))?;
    let script = names::with_default(&script, update.old.as_deref(), &update.new).unwrap_or(script);
    let defaults: Vec<String> = names::parse_default_models(&script).unwrap_or_default();
    let models = list(update)?;
    let missing: Vec<&String> = defaults
        .iter()
        .filter(|d| server::find(&models, d).is_none())
        .collect();
    if step.mode() == Mode::Plan && !missing.is_empty() {
        let op = Op::WriteFile {
            path: model_versions::MODEL_VERSIONS.to_string(),
            create: false,
        };
        let what = format!(
            "write {}: the current section for v{} with the digests Ollama gives after the pull",
            model_versions::MODEL_VERSIONS,
            update.version
        );
        step.act(Action::new(op).shown(what), || Ok(()))?;
    } else {
        super::record::write(step, &update.project, &update.version, &defaults, &models)?;
    }
    if step.actions.is_empty() {
        step.done(format!("documented {} for v{}", update.new, update.version));
    } else {
        step.summary(format!(
            "changelog entry and docs/MODEL_VERSIONS.md for v{}",
            update.version
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_whole_names() {
        let text = "use qwen2.5-coder:7b-q4_0 or qwen2.5-coder:7b-q4_0-instruct; `qwen2.5-coder:7b-q4_0`.\n";
        assert_eq!(
            replace_mentions(text, "qwen2.5-coder:7b-q4_0", "llama3:8b"),
            "use llama3:8b or qwen2.5-coder:7b-q4_0-instruct; `llama3:8b`.\n"
        );
    }

    #[test]
    fn changelog_entry_goes_under_unreleased_changed() {
        let text = "# Changelog\n\n## Unreleased\n\n### Added\n- a\n\n## Version 0.4.0 - 2024-12-20\n\n### Changed\n- old\n";
        let once = with_changelog_entry(text, "Update default model to x:1");
        assert_eq!(
            once,
            "# Changelog\n\n## Unreleased\n\n### Added\n- a\n\n### Changed\n- Update default model to x:1\n\n## Version 0.4.0 - 2024-12-20\n\n### Changed\n- old\n"
        );
        assert_eq!(
            with_changelog_entry(&once, "Update default model to x:1"),
            once
        );
        let with_changed = "## Unreleased\n### Changed\n- b\n\n## Version 1.0.0\n";
        assert_eq!(
            with_changelog_entry(with_changed, "e"),
            "## Unreleased\n### Changed\n- b\n- e\n\n## Version 1.0.0\n"
        );
        assert_eq!(
            with_changelog_entry("# C\n\n## Version 1.0.0\n", "e"),
            "# C\n\n## Unreleased\n\n### Changed\n- e\n\n## Version 1.0.0\n"
        );
    }

    #[test]
    fn names_and_pins() {
        assert!(valid_name("qwen2.5-coder:7b-q4_0"));
        assert!(valid_name("library/mistral"));
        assert!(!valid_name("Mistral Latest"));
        assert!(!valid_name("mistral@sha256:abc"));
        assert_eq!(
            pin_name("mistral", &"f974a74358d6".repeat(6)),
            "mistral-pin:f974a74358d6"
        );
    }
}
