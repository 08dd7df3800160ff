//! `models record`: the current section of docs/MODEL_VERSIONS.md, written from Ollama's
//! digests; the previous current section becomes a line under "Previous Versions".

use std::path::Path;

use project::model_versions::{self, Record};
use semver::Version;

use super::server::{self, Model};
use crate::release::core::{Edit, Output, Step};
use crate::release::{plan_then_execute, RunFlags};
use xtask::exit::Exit;
use xtask::Ctx;

pub fn run(ctx: &Ctx, version: Option<&str>, common: &RunFlags) -> anyhow::Result<u8> {
    let version = super::version_or_next(&ctx.project, version)?;
    let (_server, models) = super::server_or_refuse(&ctx.project)?;
    // Refuse bad input before planning: every problem here leaves the file as it is.
    let defaults: Vec<String> = super::check::defaults(&ctx.project)
        .map_err(|f| Exit::refused(f.to_string(), "fix the model list of scripts/model-pull.sh"))?
        .models
        .into_iter()
        .map(|m| m.name)
        .collect();
    new_text(&ctx.project, &version, &defaults, &models)?;
    let mut out = Output::command(
        common.format,
        format!("models record v{version}"),
        "recorded",
    );
    plan_then_execute(common, &mut out, |mode, out| {
        out.step("record", mode, |step| {
            if write(step, &ctx.project, &version, &defaults, &models)? {
                step.summary(format!("current section for v{version}"));
            } else {
                step.done(format!(
                    "{} is current for v{version}",
                    model_versions::MODEL_VERSIONS
                ));
            }
            Ok(())
        })
    })
}

/// The record action of a step (also in step 5 of `models update`): `defaults` with the digests
/// of `models`. `false` when the file says that already.
pub fn write(
    step: &mut Step,
    project: &Path,
    version: &Version,
    defaults: &[String],
    models: &[Model],
) -> anyhow::Result<bool> {
    let (before, after) = new_text(project, version, defaults, models)?;
    if before.as_deref() == Some(after.as_str()) {
        return Ok(false);
    }
    let path = project.join(model_versions::MODEL_VERSIONS);
    let edit = Edit {
        path: model_versions::MODEL_VERSIONS.to_string(),
        before,
        after,
    };
    step.act(edit.action(), || {
        xtask::fs::write_atomic(&path, edit.after.as_bytes())
    })?;
    Ok(true)
}

/// The file before and after recording the served defaults for `version`.
fn new_text(
    project: &Path,
    version: &Version,
    defaults: &[String],
    models: &[Model],
) -> anyhow::Result<(Option<String>, String)> {
    let mut records = Vec::new();
    for model in defaults {
        let served = server::find(models, model).ok_or_else(|| {
            Exit::refused(
                format!("{model} (a default) is not in Ollama: there is no digest to record"),
                "pull it first: ./scripts/model-pull.sh default",
            )
        })?;
        if !served.has_full_digest() {
            return Err(Exit::refused(
                format!("`ollama list` shows only the 12-hex ID of {}, not its full digest", served.name),
                "set OLLAMA_HOST to the port compose publishes for ollama, so its API gives the digests",
            )
            .into());
        }
        let mut facts = vec![ollama::human_size(served.size)];
        facts.extend(served.quantization.clone());
        facts.extend(
            served
                .parameter_size
                .as_ref()
                .map(|p| format!("{p} parameters")),
        );
        records.push(Record {
            model: model.clone(),
            digest: served.digest.clone(),
            facts,
        });
    }
    let path = project.join(model_versions::MODEL_VERSIONS);
    let before = std::fs::read_to_string(&path).ok();
    let date = super::now_utc()[..10].to_string();
    let after = model_versions::with_current(before.as_deref().unwrap_or(""), version, &records, &date)
        .map_err(|err| {
            Exit::refused(
                format!("malformed section: {err}"),
                "fix that line to `- <model> (SHA256: <64 hex>)` (or the heading to `(vX.Y.Z)`), then re-run",
            )
        })?;
    let after = if before.is_none() {
        format!("# Model Versions\n\n{}", after.trim_start())
    } else {
        after
    };
    Ok((before, after))
}
