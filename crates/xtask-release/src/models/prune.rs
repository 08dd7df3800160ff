//! `models prune`: the installed models that are neither defaults, protected (with
//! scripts/model-prune.sh's own rule) nor recorded pins, removed through Ollama. A default or
//! protected model is never removed, whatever the flags.

use std::path::Path;

use project::model_versions;
use project::models as names;

use super::server::{self, Model, Server};
use crate::release::core::{Action, Mode, OllamaCall, Op, Output, Step};
use crate::release::{plan_then_execute, RunFlags};
use xtask::exit::Exit;
use xtask::Ctx;

/// What pruning must keep.
struct Keep {
    defaults: Vec<String>,
    protected: Vec<String>,
    pins: Vec<String>,
}

impl Keep {
    fn read(project: &Path) -> anyhow::Result<Keep> {
        let defaults = super::check::defaults(project)
            .map_err(|f| {
                Exit::refused(f.to_string(), "fix the model list of scripts/model-pull.sh")
            })?
            .models
            .into_iter()
            .map(|m| m.name)
            .collect();
        let protected = names::protected_models(project).map_err(|err| {
            Exit::refused(
                format!("{err}: nothing is pruned without the protected list"),
                "list the models to keep in PROTECTED_MODELS=(...) of scripts/model-prune.sh",
            )
        })?;
        let pins = std::fs::read_to_string(project.join(model_versions::MODEL_VERSIONS))
            .map(|text| model_versions::pins(&text))
            .unwrap_or_default();
        Ok(Keep {
            defaults,
            protected,
            pins,
        })
    }

    /// Why `model` stays, `None` when it may go.
    fn reason(&self, model: &str) -> Option<String> {
        if let Some(d) = self.defaults.iter().find(|d| ollama::same_name(d, model)) {
            return Some(format!("default {d}"));
        }
        if let Some(p) = self.protected.iter().find(|p| names::protects(p, model)) {
            return Some(format!("protected by {p}"));
        }
        self.pins
            .iter()
            .find(|p| ollama::same_name(p, model))
            .map(|p| format!("pinned ({p})"))
    }
}

pub fn run(ctx: &Ctx, common: &RunFlags) -> anyhow::Result<u8> {
    let keep = Keep::read(&ctx.project)?;
    let (server, installed) = super::server_or_refuse(&ctx.project)?;
    let mut out = Output::command(common.format, "models prune", "pruned");
    match server::docker(&["system", "df"]) {
        Ok(df) => {
            for line in df.lines().filter(|l| !l.trim().is_empty()) {
                out.note(format!("docker system df: {line}"));
            }
        }
        Err(err) => out.note(format!("disk use unknown: {err}")),
    }
    let total: u64 = installed.iter().map(|m| m.size).sum();
    out.note(format!(
        "Ollama holds {} model(s), {}",
        installed.len(),
        ollama::human_size(total)
    ));
    plan_then_execute(common, &mut out, |mode, out| {
        out.step("prune", mode, |step| {
            // Look again: an earlier (failed) run may have removed some already.
            let now = match mode {
                Mode::Plan => installed.clone(),
                Mode::Execute => server.list().map_err(|err| anyhow::anyhow!("{err}"))?,
            };
            let doomed: Vec<&Model> = now
                .iter()
                .filter(|m| keep.reason(&m.name).is_none())
                .collect();
            if doomed.is_empty() {
                step.done(
                    "no unused model: every installed model is a default, protected or pinned",
                );
                return Ok(());
            }
            let freed: u64 = doomed.iter().map(|m| m.size).sum();
            step.summary(format!(
                "{} unused model(s), {} freed",
                doomed.len(),
                ollama::human_size(freed)
            ));
            for model in doomed {
                remove(step, &server, &keep, model)?;
            }
            Ok(())
        })
    })
}

fn remove(step: &mut Step, server: &Server, keep: &Keep, model: &Model) -> anyhow::Result<()> {
    let what = server.show_call(
        &format!("DELETE /api/delete {}", model.name),
        &["rm", &model.name],
    );
    let call = OllamaCall::Delete {
        model: model.name.clone(),
        size: model.size,
    };
    step.act(
        Action::new(Op::Ollama { call })
            .shown(format!("{what}  ({})", ollama::human_size(model.size))),
        || {
            // The same rule once more, at the point of no return.
            if let Some(why) = keep.reason(&model.name) {
                anyhow::bail!("refusing to remove {}: {why}", model.name);
            }
            server.delete(&model.name)
        },
    )?;
    Ok(())
}
