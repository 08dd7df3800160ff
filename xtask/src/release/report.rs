//! The mode threaded through the steps, what each step did or would do, and how that is shown:
//! lines for a person (steps printed as they finish) or one JSON document on stdout.

use serde::Serialize;

use super::preflight::{Prepared, Problem};
use super::Release;
use crate::exit::{self, Exit};
use crate::flags::Format;

/// Plan (look, print what would be done) or execute (look, then do it). One value, one code
/// path: every side effect goes through [`Step::act`], which skips it when planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Plan,
    Execute,
}

/// Test hook: `XTASK_RELEASE_ABORT_AFTER=<step>` aborts the process right after that step
/// executed, to test resuming after a kill at every point.
const ABORT_AFTER: &str = "XTASK_RELEASE_ABORT_AFTER";

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
pub enum Kind {
    File,
    Git,
    Github,
    Run,
}

/// One side effect: a file write (with its diff), a git command, a GitHub call, a command run.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub kind: Kind,
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl Action {
    pub fn new(kind: Kind, what: impl Into<String>) -> Action {
        Action {
            kind,
            what: what.into(),
            diff: None,
        }
    }
    pub fn file(what: impl Into<String>, diff: String) -> Action {
        Action {
            kind: Kind::File,
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
            Mode::Execute => effect().map(Some),
        }
    }

    fn settle(&mut self) {
        if self.status == Status::Planned {
            self.status = match (self.actions.is_empty(), self.mode) {
                (true, _) => Status::Done,
                (false, Mode::Plan) => Status::Planned,
                (false, Mode::Execute) => Status::Ran,
            };
        }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    version: String,
    tag: &'a str,
    mode: Mode,
    preflight: PreflightDoc<'a>,
    steps: &'a [Step],
    exit_code: u8,
    error: Option<ErrorDoc>,
}

#[derive(Serialize)]
struct PreflightDoc<'a> {
    ok: bool,
    problems: &'a [Problem],
    notes: &'a [String],
    gate: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorDoc {
    cause: String,
    fix: Option<String>,
}

pub struct Output {
    format: Format,
    version: String,
    tag: String,
    notes: Vec<String>,
    gate: Option<String>,
    steps: Vec<Step>,
}

impl Output {
    pub fn new(format: Format, release: &Release) -> Output {
        Output {
            format,
            version: release.version.to_string(),
            tag: release.tag.clone(),
            notes: Vec::new(),
            gate: None,
            steps: Vec::new(),
        }
    }

    /// Every preflight failure, each as the cause and its fix; nothing was changed.
    pub fn refused(&mut self, problems: &[Problem]) {
        match self.format {
            Format::Human => {
                for problem in problems {
                    eprintln!("error: {}", problem.cause);
                    eprintln!("hint: {}", problem.fix);
                }
                eprintln!(
                    "release {}: refused, {} preflight check(s) failed; nothing was changed",
                    self.tag,
                    problems.len()
                );
            }
            Format::Json => self.print_json(Mode::Plan, problems, exit::REFUSED, None),
        }
    }

    pub fn preflight_passed(&mut self, prepared: &Prepared) {
        self.notes = prepared.notes.clone();
        self.gate = Some(prepared.gate.summary());
        if self.format == Format::Human {
            println!("release {}: preflight passed", self.tag);
            println!("  gate: {}", prepared.gate.summary());
            for note in &self.notes {
                println!("  note: {note}");
            }
        }
    }

    pub fn begin(&mut self, mode: Mode) {
        self.steps.clear();
        if self.format == Format::Human {
            match mode {
                Mode::Plan => println!("\nplan:"),
                Mode::Execute => println!("\nexecuting:"),
            }
        }
    }

    /// Runs one step, then shows it (a person sees each step as soon as it is over).
    pub fn step(
        &mut self,
        name: &'static str,
        mode: Mode,
        body: impl FnOnce(&mut Step) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut step = Step::new(name, mode);
        let result = body(&mut step);
        match &result {
            Ok(()) => step.settle(),
            Err(_) => step.status = Status::Failed,
        }
        if self.format == Format::Human {
            print_step(self.steps.len() + 1, &step);
        }
        self.steps.push(step);
        if mode == Mode::Execute && std::env::var_os(ABORT_AFTER).is_some_and(|step| step == name) {
            // Test hook for the fault matrix: the process dies here, as if killed.
            std::process::abort();
        }
        result
    }

    /// Reports a failed step and returns the exit code: 3 when executing (re-run to resume),
    /// 1 when only planning. An [`Exit`] keeps its own code.
    pub fn failed(&mut self, mode: Mode, err: &anyhow::Error) -> u8 {
        let (code, cause, fix) = match err.downcast_ref::<Exit>() {
            Some(exit) => (exit.code, exit.cause.clone(), exit.fix.clone()),
            None => {
                let cause = format!("{err:#}");
                match mode {
                    Mode::Execute => {
                        let interrupted = Exit::interrupted(cause);
                        (interrupted.code, interrupted.cause, interrupted.fix)
                    }
                    Mode::Plan => (exit::FAILED, cause, None),
                }
            }
        };
        match self.format {
            Format::Human => {
                eprintln!("error: {cause}");
                if let Some(fix) = &fix {
                    eprintln!("hint: {fix}");
                }
            }
            Format::Json => self.print_json(mode, &[], code, Some(ErrorDoc { cause, fix })),
        }
        code
    }

    pub fn finish(&mut self, mode: Mode) {
        match self.format {
            Format::Human => match mode {
                Mode::Plan => {
                    println!("\nplan only: nothing was changed; add --execute to carry it out")
                }
                Mode::Execute => println!("\nreleased {}", self.tag),
            },
            Format::Json => self.print_json(mode, &[], exit::OK, None),
        }
    }

    fn print_json(&self, mode: Mode, problems: &[Problem], exit_code: u8, error: Option<ErrorDoc>) {
        let doc = Document {
            version: self.version.clone(),
            tag: &self.tag,
            mode,
            preflight: PreflightDoc {
                ok: problems.is_empty(),
                problems,
                notes: &self.notes,
                gate: self.gate.as_deref(),
            },
            steps: &self.steps,
            exit_code,
            error,
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).expect("the release document serialises")
        );
    }
}

fn print_step(number: usize, step: &Step) {
    let status = match step.status {
        Status::Done => "done",
        Status::Planned => "planned",
        Status::Ran => "ran",
        Status::Skipped => "skipped",
        Status::Failed => "FAILED",
    };
    println!("[{number}] {:<14} {status:<8} {}", step.name, step.summary);
    for action in &step.actions {
        println!("      {}", action.what);
        if let Some(diff) = &action.diff {
            for line in diff.lines() {
                println!("        {line}");
            }
        }
    }
}
