//! Plan and execute as one code path for the `models` commands: each step looks at the state,
//! records the actions it would take (file diffs, Ollama calls, git commands, commands run), and
//! carries them out only in [`Mode::Execute`]. A small local copy of the release command's step
//! type (xtask/src/release/report.rs), meant to be folded into the shared release core.

use std::io::IsTerminal;

use serde::Serialize;

pub use crate::release::core::Mode;

use crate::exit::{self, Exit};
use crate::flags::Format;

/// Test hook: `XTASK_MODELS_ABORT_AFTER=<step>` aborts right after that step executed, to test
/// resuming after a kill at every point.
const ABORT_AFTER: &str = "XTASK_MODELS_ABORT_AFTER";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Already in place (an earlier run did it, or nothing is needed).
    Done,
    Planned,
    Ran,
    Skipped,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl Action {
    pub fn new(what: impl Into<String>) -> Action {
        Action {
            what: what.into(),
            diff: None,
        }
    }

    /// A file write, shown as its unified diff (`before = None`: a new file).
    pub fn file(path: &str, before: Option<&str>, after: &str) -> Action {
        Action {
            what: format!("write {path}"),
            diff: Some(crate::release::diff::unified(path, before, after)),
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
    #[serde(skip)]
    changed: bool,
}

impl Step {
    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn done(&mut self, summary: impl Into<String>) {
        self.status = Status::Done;
        self.summary = summary.into();
    }

    pub fn skipped(&mut self, summary: impl Into<String>) {
        self.status = Status::Skipped;
        self.summary = summary.into();
    }

    pub fn summary(&mut self, summary: impl Into<String>) {
        self.summary = summary.into();
    }

    /// Records `actions`; runs `effect` only when executing (`Ok(None)` when planning).
    pub fn act<T>(
        &mut self,
        actions: Vec<Action>,
        effect: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<Option<T>> {
        self.actions.extend(actions);
        match self.mode {
            Mode::Plan => Ok(None),
            Mode::Execute => {
                let done = effect()?;
                self.changed = true;
                Ok(Some(done))
            }
        }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    command: &'a str,
    mode: Mode,
    notes: &'a [String],
    steps: &'a [Step],
    exit_code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorDoc>,
}

#[derive(Serialize)]
struct ErrorDoc {
    cause: String,
    fix: Option<String>,
}

/// The steps of one command run, shown as they finish (human) or as one JSON document.
pub struct Output {
    format: Format,
    command: String,
    notes: Vec<String>,
    steps: Vec<Step>,
    /// An effect of this process completed (a failure is then exit 3, not 2).
    changed: bool,
}

impl Output {
    pub fn new(format: Format, command: impl Into<String>) -> Output {
        Output {
            format,
            command: command.into(),
            notes: Vec::new(),
            steps: Vec::new(),
            changed: false,
        }
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if self.format == Format::Human {
            println!("  note: {note}");
        }
        self.notes.push(note);
    }

    fn begin(&mut self, mode: Mode) {
        self.steps.clear();
        if self.format == Format::Human {
            match mode {
                Mode::Plan => println!("{}: plan", self.command),
                Mode::Execute => println!("\n{}: executing", self.command),
            }
        }
    }

    /// Runs one step, then shows it.
    pub fn step(
        &mut self,
        name: &'static str,
        mode: Mode,
        body: impl FnOnce(&mut Step) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut step = Step {
            name,
            status: Status::Planned,
            summary: String::new(),
            actions: Vec::new(),
            mode,
            changed: false,
        };
        let result = body(&mut step);
        self.changed |= step.changed;
        match &result {
            Ok(()) if step.status == Status::Planned => {
                step.status = match (step.actions.is_empty(), mode) {
                    (true, _) => Status::Done,
                    (false, Mode::Plan) => Status::Planned,
                    (false, Mode::Execute) => Status::Ran,
                }
            }
            Ok(()) => {}
            Err(_) => step.status = Status::Failed,
        }
        if self.format == Format::Human {
            print_step(self.steps.len() + 1, &step);
        }
        self.steps.push(step);
        if mode == Mode::Execute && std::env::var_os(ABORT_AFTER).is_some_and(|s| s == name) {
            std::process::abort();
        }
        result
    }

    /// The exit code of a failure: when planning, an [`Exit`] keeps its code and other errors
    /// are 1; when executing, a refusal before any effect completed is 2, everything else 3
    /// (re-run to resume).
    fn failed(&mut self, mode: Mode, err: &anyhow::Error) -> u8 {
        let (mut code, cause, mut fix) = match err.downcast_ref::<Exit>() {
            Some(exit) => (exit.code, exit.cause.clone(), exit.fix.clone()),
            None => {
                let code = match mode {
                    Mode::Plan => exit::FAILED,
                    Mode::Execute => exit::INTERRUPTED,
                };
                (code, format!("{err:#}"), None)
            }
        };
        // A refusal stays one only while nothing was changed: after the first completed
        // effect, every failure is part-way (3), and the same command resumes.
        if mode == Mode::Execute && (self.changed || code != exit::REFUSED) {
            code = exit::INTERRUPTED;
            fix = Exit::interrupted("").fix;
        }
        match self.format {
            Format::Human => {
                eprintln!("error: {cause}");
                if let Some(fix) = &fix {
                    eprintln!("hint: {fix}");
                }
            }
            Format::Json => self.print_json(mode, code, Some(ErrorDoc { cause, fix })),
        }
        code
    }

    fn finish(&mut self, mode: Mode, done: &str) {
        match self.format {
            Format::Human => match mode {
                Mode::Plan => {
                    println!("\nplan only: nothing was changed; add --execute to carry it out")
                }
                Mode::Execute => println!("\n{done}"),
            },
            Format::Json => self.print_json(mode, exit::OK, None),
        }
    }

    fn print_json(&self, mode: Mode, exit_code: u8, error: Option<ErrorDoc>) {
        let doc = Document {
            command: &self.command,
            mode,
            notes: &self.notes,
            steps: &self.steps,
            exit_code,
            error,
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).expect("the document serialises")
        );
    }
}

/// What every changing `models` command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Carry the plan out (without it, nothing is changed).
    #[arg(long)]
    pub execute: bool,
    /// Do not ask for confirmation on a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Output: `human`, or `json` (one document on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Plans with `steps`, then (with `--execute`, once confirmed) runs the same `steps` again in
/// [`Mode::Execute`].
pub fn plan_then_execute(
    common: &Common,
    out: &mut Output,
    done: &str,
    mut steps: impl FnMut(Mode, &mut Output) -> anyhow::Result<()>,
) -> anyhow::Result<u8> {
    out.begin(Mode::Plan);
    if let Err(err) = steps(Mode::Plan, out) {
        return Ok(out.failed(Mode::Plan, &err));
    }
    if !common.execute {
        out.finish(Mode::Plan, done);
        return Ok(exit::OK);
    }
    if common.format == Format::Human
        && !common.yes
        && std::io::stdin().is_terminal()
        && !crate::release::confirm()?
    {
        return Err(Exit::refused(
            "not confirmed: nothing was changed",
            "answer `y`, or pass --yes",
        )
        .into());
    }
    out.begin(Mode::Execute);
    if let Err(err) = steps(Mode::Execute, out) {
        return Ok(out.failed(Mode::Execute, &err));
    }
    out.finish(Mode::Execute, done);
    Ok(exit::OK)
}

fn print_step(number: usize, step: &Step) {
    let status = match step.status {
        Status::Done => "done",
        Status::Planned => "planned",
        Status::Ran => "ran",
        Status::Skipped => "skipped",
        Status::Failed => "FAILED",
    };
    println!("[{number}] {:<10} {status:<8} {}", step.name, step.summary);
    for action in &step.actions {
        println!("      {}", action.what);
        if let Some(diff) = &action.diff {
            for line in diff.lines() {
                println!("        {line}");
            }
        }
    }
}
