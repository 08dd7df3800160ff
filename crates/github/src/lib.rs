//! The GitHub release step of `cargo xtask release`: find or create the release for a tag as a
//! draft, upload its assets, publish it last — resumable, never duplicating anything.
//!
//! This crate is the only one that pulls in octocrab, tokio, hyper and rustls. `xtask` builds
//! its `xtask-github` binary on demand and talks to it in JSON over stdin/stdout (see
//! `docs/github.md`), so `cargo xtask pre-release` and `archive` never compile them.

mod client;
pub mod error;
pub mod plan;
mod publish;
pub mod remote;
pub mod request;
pub mod retry;

use serde_json::{json, Value};

use crate::{client::Client, remote::ReleaseState, retry::Backoff};
pub use crate::{
    error::{Error, EXIT_FAILED, EXIT_REFUSED},
    plan::Action,
    request::{Request, Settings},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Token, repository, and the release state for the tag. Changes nothing.
    Check,
    /// The actions `publish` would take now. Changes nothing.
    Plan,
    /// Carry out the plan, resuming whatever a previous run left.
    Publish,
}

impl Command {
    pub fn parse(name: &str) -> Option<Command> {
        match name {
            "check" => Some(Command::Check),
            "plan" => Some(Command::Plan),
            "publish" => Some(Command::Publish),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::Plan => "plan",
            Command::Publish => "publish",
        }
    }
}

/// What the binary prints (`json` on stdout) and exits with.
#[derive(Debug)]
pub struct Outcome {
    pub exit_code: i32,
    pub json: Value,
    pub error: Option<Error>,
}

/// Runs `command` for the JSON `request`; never panics on bad input, never prints the token.
pub fn run(command: Command, request: &str, settings: &Settings) -> Outcome {
    let mut progress = publish::Progress::default();
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Client(format!("starting the tokio runtime: {err}")))
        .and_then(|runtime| runtime.block_on(run_async(command, request, settings, &mut progress)));
    let performed = &progress.performed;
    match result {
        Ok(mut json) => {
            json["ok"] = json!(true);
            json["command"] = json!(command.name());
            Outcome {
                exit_code: 0,
                json,
                error: None,
            }
        }
        Err(err) => {
            // A refusal is only a refusal if nothing was attempted yet.
            let exit_code = if progress.changing {
                EXIT_FAILED
            } else {
                err.exit_code()
            };
            let json = json!({
                "ok": false,
                "command": command.name(),
                "exit_code": exit_code,
                "error": err.to_string(),
                "fix": err.fix(),
                "performed": performed,
            });
            Outcome {
                exit_code,
                json,
                error: Some(err),
            }
        }
    }
}

async fn run_async(
    command: Command,
    request: &str,
    settings: &Settings,
    progress: &mut publish::Progress,
) -> Result<Value, Error> {
    let request = Request::parse(request)?;
    let token = settings.token.as_ref().ok_or(Error::MissingToken)?;
    // `check` may run before the assets are built; the others need their digests.
    let local = match command {
        Command::Check => Vec::new(),
        Command::Plan | Command::Publish => request.local_assets()?,
    };
    let api_url = request.api_url(settings.env_api_url.as_deref());
    let uploads_url = request.uploads_url(&api_url)?;
    let client = Client::new(
        &api_url,
        &uploads_url,
        &request.repo_path(),
        token,
        settings.page_size,
    )?;
    let mut backoff = Backoff::new(settings.retry);

    let repository = remote::check_repository(&client, &mut backoff).await?;
    if repository.can_push == Some(false) {
        eprintln!(
            "xtask-github: warning: GitHub says this token cannot push to {}",
            repository.full_name
        );
    }
    let release = match command {
        Command::Publish => {
            publish::publish(&client, &request, &local, &mut backoff, progress).await?
        }
        Command::Check | Command::Plan => {
            remote::find_release(&client, &request.tag, &mut backoff).await?
        }
    };
    let mut json = json!({
        "repository": repository.full_name,
        "can_push": repository.can_push,
        "release": ReleaseState::of(release.as_ref()),
    });
    match command {
        Command::Check => {}
        Command::Plan => {
            let actions = plan::plan(&request, &local, release.as_ref())?;
            json["up_to_date"] = json!(actions.iter().all(Action::is_skip));
            json["actions"] = json!(actions);
        }
        Command::Publish => json["performed"] = json!(progress.performed),
    }
    Ok(json)
}
