//! The GitHub release step of `cargo xtask release`: find or create the release for a tag as a
//! draft, upload its assets, publish it last — resumable, never duplicating anything.
//!
//! This crate is the only one that pulls in octocrab, tokio, hyper and rustls. `xtask` builds
//! its `xtask-github` binary on demand and talks to it in JSON over stdin/stdout (see
//! `docs/github.md`), so `cargo xtask pre-release` and `archive` never compile them.

mod amend;
mod client;
mod download;
pub mod error;
pub mod plan;
mod publish;
pub mod reads;
pub mod remote;
pub mod request;
pub mod retry;

pub use github_protocol::{AmendCommand, Command, Reply, PROTOCOL};

use crate::{client::Client, remote::ReleaseState, retry::Backoff};
pub use crate::{
    error::{Error, EXIT_FAILED, EXIT_REFUSED},
    plan::Action,
    request::{Request, Settings},
};

/// What the binary prints (`json` on stdout) and exits with.
#[derive(Debug)]
pub struct Outcome {
    pub exit_code: i32,
    pub reply: Reply,
    pub error: Option<Error>,
}

/// Runs `command` for the JSON `request`; never panics on bad input, never prints the token.
pub fn run(command: Command, request: &str, settings: &Settings) -> Outcome {
    let mut progress = publish::Progress::default();
    let result = block_on(run_async(command, request, settings, &mut progress));
    let performed = Some(progress.performed);
    outcome(command.name(), result, progress.changing, performed)
}

/// Runs an amend `command` (lookup, edit-release, open-issue) for the JSON `request`; like
/// [`run`], never panics on bad input and never prints the token.
pub fn amend(command: AmendCommand, request: &str, settings: &Settings) -> Outcome {
    let mut changing = false;
    let result =
        block_on(amend::run(command, request, settings, &mut changing)).map(|answer| Reply {
            amend: Some(answer),
            ..Reply::default()
        });
    outcome(command.name(), result, changing, None)
}

/// Runs `future` on a current-thread tokio runtime.
fn block_on<T>(future: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Client(format!("starting the tokio runtime: {err}")))
        .and_then(|runtime| runtime.block_on(future))
}

/// What the binary prints and exits with after `command`. A refusal is only a refusal if
/// nothing was attempted yet (`changing`): after that, any failure is "part-way".
fn outcome(
    command: &str,
    result: Result<Reply, Error>,
    changing: bool,
    performed: Option<Vec<Action>>,
) -> Outcome {
    match result {
        Ok(mut reply) => {
            reply.protocol = Some(PROTOCOL);
            reply.ok = true;
            reply.command = Some(command.into());
            Outcome {
                exit_code: 0,
                reply,
                error: None,
            }
        }
        Err(err) => {
            let exit_code = if changing {
                EXIT_FAILED
            } else {
                err.exit_code()
            };
            let reply = Reply {
                protocol: Some(PROTOCOL),
                ok: false,
                command: Some(command.into()),
                exit_code: Some(exit_code),
                error: Some(err.to_string()),
                fix: Some(err.fix()),
                performed,
                ..Reply::default()
            };
            Outcome {
                exit_code,
                reply,
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
) -> Result<Reply, Error> {
    let request = Request::parse(request)?;
    let token = settings.token.as_ref().ok_or(Error::MissingToken)?;
    token.check()?;
    // `check` may run before the assets are built; the others need their digests.
    let local = match command {
        Command::Check => Vec::new(),
        Command::Plan | Command::Publish => request.local_assets()?,
    };
    let api_url = request.api_url(settings.env_api_url.as_deref());
    let uploads_override = request.uploads_override();
    for (var, url) in [
        ("GITHUB_API_URL", Some(&api_url)),
        ("GITHUB_UPLOADS_URL", uploads_override.as_ref()),
    ] {
        if let Some(url) = url {
            github_protocol::rules::check_url(var, url).map_err(|cause| Error::Setting {
                cause,
                fix: format!(
                    "set {var} to the http(s) URL of the GitHub API (or unset it for github.com)"
                ),
            })?;
        }
    }
    let client = Client::new(
        &api_url,
        uploads_override.as_deref(),
        &request.repo_path(),
        token,
        settings.page_size,
    )?;
    // Nothing is changed by `check` and `plan`: they give up after the short read deadline.
    let mut policy = settings.retry;
    if !command.changes_github() {
        policy.deadline = settings.read_deadline;
    }
    let mut backoff = Backoff::new(policy);

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
    let mut reply = Reply {
        repository: Some(repository.full_name),
        can_push: repository.can_push,
        release: Some(ReleaseState::of(release.as_ref())),
        ..Reply::default()
    };
    match command {
        Command::Check => {}
        Command::Plan => {
            let actions = plan::plan(&request, &local, release.as_ref())?;
            reply.up_to_date = Some(actions.iter().all(Action::is_skip));
            reply.actions = Some(actions);
        }
        Command::Publish => reply.performed = Some(progress.performed.clone()),
    }
    Ok(reply)
}
