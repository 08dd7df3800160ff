//! Layer 0, the one way a release step touches the world: a step looks at the state, then
//! records each side effect as an [`Action`] through [`Step::act`], which runs the effect only
//! in [`Mode::Execute`]. Planning and executing are the same code with the mode as a value.

use serde::Serialize;

/// Plan (look, print what would be done) or execute (look, then do it). One value, one code
/// path: every side effect goes through [`Step::act`], which skips it when planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Plan,
    Execute,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Already in place before this step ran (an earlier run did it, or nothing is needed).
    Done,
    /// Would act (plan).
    Planned,
    /// Acted (execute).
    Ran,
    /// Not part of this release (a flag left it out).
    Skipped,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    File,
    Git,
    Github,
    Run,
}

/// One side effect: a file write (with its diff), a git command, a GitHub call, a command run.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub kind: ActionKind,
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl Action {
    pub fn new(kind: ActionKind, what: impl Into<String>) -> Action {
        Action {
            kind,
            what: what.into(),
            diff: None,
        }
    }
    pub fn file(what: impl Into<String>, diff: String) -> Action {
        Action {
            kind: ActionKind::File,
            what: what.into(),
            diff: Some(diff),
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

    /// Not part of this release; returns `Ok(())` so a step's body can end with it.
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
        self.actions.push(action);
        match self.mode {
            Mode::Plan => Ok(None),
            Mode::Execute => {
                crate::exit::mark_changed();
                effect().map(Some)
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
