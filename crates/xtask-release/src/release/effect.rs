//! Layer 0, the one way a step of any changing command (release, hotfix, rollback,
//! post-release, models) touches the world: a step looks at the state, then records each side
//! effect as an [`Action`] through [`Step::act`], which runs the effect only in
//! [`Mode::Execute`]. Planning and executing are the same code with the mode as a value.
//!
//! An action is typed ([`Op`]: a file write, a git command, a GitHub or Ollama call, a program
//! run, …); the line a person reads is derived from it ([`Op`]'s `Display`), so the JSON and the
//! human output say the same thing (docs/json.md, "Actions").

use std::fmt;

use serde::Serialize;

use xtask::exit::Exit;

pub use xtask::files::Mode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Already in place before this step ran (an earlier run did it, or nothing is needed).
    Done,
    /// Would act (plan).
    Planned,
    /// Acted (execute).
    Ran,
    /// Not part of this run (a flag left it out, or there is nothing it could act on).
    Skipped,
    Failed,
}

/// What an action touches, for a reader that only sorts actions: derived from its [`Op`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    File,
    Git,
    Github,
    Run,
    Ollama,
}

/// One side effect, typed: serialised with `"op"` naming the variant and its fields beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Write one file atomically (temp file + rename); its unified diff is the action's `diff`.
    WriteFile { path: String, create: bool },
    /// Put the files of the actions before it in place, all or nothing.
    WriteFiles { paths: Vec<String> },
    /// Move a file or directory aside (user data is never deleted).
    MoveAside { from: String, to: String },
    /// `git [-C dir] args…` (`dir` absent: the project; output-only flags such as `--quiet`
    /// are left out).
    Git {
        args: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        dir: Option<String>,
    },
    /// A GitHub API call on `repo` (`owner/name`).
    Github {
        repo: String,
        #[serde(flatten)]
        call: GithubCall,
    },
    /// An Ollama API call (or its `ollama` CLI twin in the container).
    Ollama {
        #[serde(flatten)]
        call: OllamaCall,
    },
    /// A program run in `dir` (absent: the project).
    Run {
        program: String,
        args: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        dir: Option<String>,
    },
    /// The release archive of `tag` (the `archive` command's artifacts) built into `dir`.
    Archive { tag: String, dir: String },
    /// Poll `services` on the ports the compose file publishes until they answer.
    WaitHealthy {
        services: Vec<String>,
        timeout_secs: u64,
    },
}

/// A GitHub call, serialised as `"call"` plus the fields naming its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum GithubCall {
    /// Read the release of `tag` (a fresh release expects none).
    FindRelease {
        tag: String,
    },
    /// Create the release of `tag` (a draft until it is published).
    CreateRelease {
        tag: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        draft: bool,
    },
    /// Bring the draft's fields (`name`, `body`, `target_commitish`, …) up to date.
    UpdateDraft {
        fields: Vec<String>,
    },
    UploadAsset {
        asset: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
    },
    /// The asset is there already (or left alone), with why.
    SkipAsset {
        asset: String,
        reason: String,
    },
    /// Delete the draft's differing asset (the next plan uploads the local file).
    ReplaceAsset {
        asset: String,
        size: u64,
        digest: String,
    },
    /// Publish the draft.
    PublishRelease {
        #[serde(skip_serializing_if = "Option::is_none")]
        prerelease: Option<bool>,
        make_latest: bool,
    },
    /// `xtask-github publish`: carry out the calls listed before it for `tag`.
    Publish {
        tag: String,
    },
    /// Edit the published release of `tag`: its `title`, a `notice` on top of its body.
    EditRelease {
        tag: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        notice: Option<String>,
    },
    /// Mark the release of `tag` "latest" (`previous`: the one that is now).
    MakeLatest {
        tag: String,
        previous: String,
    },
    OpenIssue {
        title: String,
    },
    CloseMilestone {
        title: String,
        number: u64,
        /// The issues left open in it (`--close-open-milestone`).
        open_issues: Vec<String>,
    },
    CreateMilestone {
        title: String,
    },
}

/// An Ollama call, serialised as `"call"` plus the model(s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum OllamaCall {
    Pull {
        model: String,
    },
    /// Copy `model` to `to` (a pin that keeps it restorable).
    Copy {
        model: String,
        to: String,
    },
    Delete {
        model: String,
        size: u64,
    },
    /// Compare the served digests of `models` with the recorded ones; restore moved tags from
    /// their pins.
    Verify {
        models: Vec<String>,
    },
}

/// One side effect: what it is ([`Op`]), the line a person reads, and for a file its diff.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub kind: ActionKind,
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    #[serde(flatten)]
    pub op: Op,
}

impl Action {
    /// The action `op`, shown as `op` describes itself.
    pub fn new(op: Op) -> Action {
        Action {
            kind: op.kind(),
            what: op.to_string(),
            diff: None,
            op,
        }
    }

    /// A git command, `args` without the leading `git`.
    pub fn git<S: AsRef<str>>(args: &[S]) -> Action {
        Action::new(Op::Git {
            args: args.iter().map(|a| a.as_ref().to_string()).collect(),
            dir: None,
        })
    }

    /// A GitHub call on `repo` (`owner/name`).
    pub fn github(repo: impl Into<String>, call: GithubCall) -> Action {
        Action::new(Op::Github {
            repo: repo.into(),
            call,
        })
    }

    /// A program run in the project.
    pub fn run<S: AsRef<str>>(program: impl Into<String>, args: &[S]) -> Action {
        Action::new(Op::Run {
            program: program.into(),
            args: args.iter().map(|a| a.as_ref().to_string()).collect(),
            dir: None,
        })
    }

    /// A file write with its unified diff (`create`: the file does not exist yet); an
    /// `edits::Edit` makes it with `Edit::action`.
    pub fn file(path: impl Into<String>, create: bool, diff: String) -> Action {
        Action {
            diff: Some(diff),
            ..Action::new(Op::WriteFile {
                path: path.into(),
                create,
            })
        }
    }

    /// The same git command or program run in `dir` rather than the project.
    pub fn in_dir(mut self, dir: impl Into<String>) -> Action {
        if let Op::Git { dir: at, .. } | Op::Run { dir: at, .. } = &mut self.op {
            *at = Some(dir.into());
        }
        Action::new(self.op)
    }

    /// The same action, shown to a person as `what` (a line that says more than the op: why,
    /// or how the call is made).
    pub fn shown(self, what: impl Into<String>) -> Action {
        Action {
            what: what.into(),
            ..self
        }
    }
}

impl Op {
    pub fn kind(&self) -> ActionKind {
        match self {
            Op::WriteFile { .. } | Op::WriteFiles { .. } | Op::MoveAside { .. } => ActionKind::File,
            Op::Git { .. } => ActionKind::Git,
            Op::Github { .. } => ActionKind::Github,
            Op::Ollama { .. } => ActionKind::Ollama,
            Op::Run { .. } | Op::Archive { .. } | Op::WaitHealthy { .. } => ActionKind::Run,
        }
    }
}

/// A command line as a person would type it: arguments with spaces or quotes quoted, full
/// commit ids shortened.
fn command_line(program: &str, args: &[String]) -> String {
    let mut line = program.to_string();
    for arg in args {
        line.push(' ');
        let is_commit = arg.len() == 40 && arg.bytes().all(|b| b.is_ascii_hexdigit());
        if is_commit {
            line.push_str(git::short(arg));
        } else if arg.is_empty() || arg.contains([' ', '"', '\'', '\n', '\t']) {
            line.push_str(&format!("{arg:?}"));
        } else {
            line.push_str(arg);
        }
    }
    line
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::WriteFile { path, create } => {
                write!(f, "{} {path}", if *create { "create" } else { "edit" })
            }
            Op::WriteFiles { .. } => f.write_str("write them atomically (temp file + rename)"),
            Op::MoveAside { from, to } => write!(f, "mv {from} {to}"),
            Op::Git { args, dir } => {
                let git = match dir {
                    Some(dir) => format!("git -C {dir}"),
                    None => "git".into(),
                };
                f.write_str(&command_line(&git, args))
            }
            Op::Github { call, .. } => call.fmt(f),
            Op::Ollama { call } => call.fmt(f),
            Op::Run { program, args, .. } => f.write_str(&command_line(program, args)),
            Op::Archive { tag, dir } => write!(f, "archive {tag} into {dir}"),
            Op::WaitHealthy {
                services,
                timeout_secs,
            } => write!(
                f,
                "poll {} on the ports docker-compose.yml publishes, up to {timeout_secs}s",
                and_list(services)
            ),
        }
    }
}

impl fmt::Display for GithubCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GithubCall::FindRelease { tag } => {
                write!(f, "look up the release for {tag} (none expected)")
            }
            GithubCall::CreateRelease { tag, name, draft } => {
                let draft = if *draft { "draft " } else { "" };
                write!(f, "create {draft}release {tag}")?;
                match name {
                    Some(name) => write!(f, " {name:?}"),
                    None => Ok(()),
                }
            }
            GithubCall::UpdateDraft { fields } => {
                write!(f, "update draft ({})", fields.join(", "))
            }
            GithubCall::UploadAsset { asset, size, .. } => match size {
                Some(size) => write!(f, "upload {asset} ({size} bytes)"),
                None => write!(f, "upload {asset}"),
            },
            GithubCall::SkipAsset { asset, reason } => write!(f, "skip {asset} ({reason})"),
            GithubCall::ReplaceAsset { asset, .. } => {
                write!(f, "replace {asset} (delete the differing asset)")
            }
            GithubCall::PublishRelease {
                prerelease,
                make_latest,
            } => match prerelease {
                Some(prerelease) => write!(
                    f,
                    "publish (prerelease={prerelease}, make_latest={make_latest})"
                ),
                None => write!(f, "publish (make_latest={make_latest})"),
            },
            GithubCall::Publish { .. } => f.write_str("xtask-github publish"),
            GithubCall::EditRelease { tag, title, notice } => {
                write!(f, "edit release {tag}")?;
                if let Some(title) = title {
                    write!(f, ": title {title:?}")?;
                }
                if let Some(notice) = notice {
                    write!(f, ": notice on top of the body: {notice}")?;
                }
                Ok(())
            }
            GithubCall::MakeLatest { tag, previous } => {
                write!(f, "make {tag} the latest release (now {previous})")
            }
            GithubCall::OpenIssue { title } => write!(f, "open issue {title:?}"),
            GithubCall::CloseMilestone {
                title,
                number,
                open_issues,
            } => {
                write!(f, "close milestone {title} (#{number})")?;
                match open_issues.len() {
                    0 => Ok(()),
                    n => write!(f, ", leaving {n} issue(s) open: {}", open_issues.join(", ")),
                }
            }
            GithubCall::CreateMilestone { title } => write!(f, "open milestone {title}"),
        }
    }
}

impl fmt::Display for OllamaCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OllamaCall::Pull { model } => write!(f, "POST /api/pull {model}"),
            OllamaCall::Copy { model, to } => write!(f, "POST /api/copy {model} -> {to}"),
            OllamaCall::Delete { model, .. } => write!(f, "DELETE /api/delete {model}"),
            OllamaCall::Verify { models } => write!(
                f,
                "compare the digests Ollama serves for {} with the recorded ones (GET /api/tags)",
                and_list(models)
            ),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub name: &'static str,
    pub status: Status,
    pub summary: String,
    pub actions: Vec<Action>,
    #[serde(skip)]
    mode: Mode,
}

impl Step {
    pub fn new(name: &'static str, mode: Mode) -> Step {
        Step {
            name,
            status: Status::Planned,
            summary: String::new(),
            actions: Vec::new(),
            mode,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The step's effect is already there: nothing to do.
    pub fn done(&mut self, summary: impl Into<String>) {
        self.status = Status::Done;
        self.summary = summary.into();
    }

    /// Not part of this run; returns `Ok(())` so a step's body can end with it.
    pub fn skipped(&mut self, reason: impl Into<String>) -> anyhow::Result<()> {
        self.status = Status::Skipped;
        self.summary = reason.into();
        Ok(())
    }

    pub fn summary(&mut self, summary: impl Into<String>) {
        self.summary = summary.into();
    }

    /// Records `action`; runs `effect` only when executing (`Ok(None)` when planning).
    pub fn act<T>(
        &mut self,
        action: Action,
        effect: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<Option<T>> {
        self.act_all(vec![action], effect)
    }

    /// [`Step::act`] for one effect that is several actions (or none a person needs to see,
    /// such as bookkeeping that runs only when executing).
    pub fn act_all<T>(
        &mut self,
        actions: Vec<Action>,
        effect: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<Option<T>> {
        self.actions.extend(actions);
        match self.mode {
            Mode::Plan => Ok(None),
            Mode::Execute => {
                let done = effect();
                // From here on no failure may claim "nothing changed" — unless this effect
                // refused before it changed anything (a pull of a name the registry lacks).
                let exit = done.as_ref().err().and_then(|e| e.downcast_ref::<Exit>());
                if exit.is_none_or(|exit| exit.code != xtask::exit::REFUSED) {
                    xtask::exit::mark_changed();
                }
                done.map(Some)
            }
        }
    }

    /// After the step's body: `Done` when nothing was to do, else planned or ran.
    pub fn settle(&mut self) {
        if self.status == Status::Planned {
            self.status = match (self.actions.is_empty(), self.mode) {
                (true, _) => Status::Done,
                (false, Mode::Plan) => Status::Planned,
                (false, Mode::Execute) => Status::Ran,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_git_action_is_typed_and_shown_from_its_args() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let action = Action::git(&[
            "tag",
            "--annotate",
            "--message",
            "Release v1.2.0",
            "v1.2.0",
            commit,
        ]);
        assert_eq!(action.kind, ActionKind::Git);
        assert_eq!(
            action.what,
            "git tag --annotate --message \"Release v1.2.0\" v1.2.0 0123456789ab"
        );
        let json = serde_json::to_value(&action).unwrap();
        assert_eq!(json["op"], "git");
        assert_eq!(json["args"][5], commit, "the args are what runs");
        assert!(json.get("dir").is_none());
    }

    #[test]
    fn a_github_call_names_its_target() {
        let action = Action::github(
            "o/r",
            GithubCall::CreateRelease {
                tag: "v1.2.0".into(),
                name: Some("Version 1.2.0".into()),
                draft: true,
            },
        );
        assert_eq!(action.what, "create draft release v1.2.0 \"Version 1.2.0\"");
        let json = serde_json::to_value(&action).unwrap();
        assert_eq!(
            (
                &json["kind"],
                &json["op"],
                &json["call"],
                &json["repo"],
                &json["tag"]
            ),
            (
                &"github".into(),
                &"github".into(),
                &"create_release".into(),
                &"o/r".into(),
                &"v1.2.0".into()
            )
        );
    }
}
