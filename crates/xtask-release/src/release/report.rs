//! Layer 4, what each step did or would do, and how that is shown:
//! lines for a person (steps printed as they finish) or one JSON document on stdout.

use serde::Serialize;

use super::effect::{Mode, Status, Step};
use super::preflight::Prepared;
use super::vocab::{Problem, Release};
use xtask::exit::{self, Exit};
use xtask::flags::Format;

/// Test hooks: `XTASK_RELEASE_ABORT_AFTER=<step>` (the release family) and
/// `XTASK_MODELS_ABORT_AFTER=<step>` (`models`) abort the process right after that step
/// executed, to test resuming after a kill at every point.
const ABORT_AFTER: &str = "XTASK_RELEASE_ABORT_AFTER";
const MODELS_ABORT_AFTER: &str = "XTASK_MODELS_ABORT_AFTER";

/// The document of every command built on the steps (docs/json.md).
#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    command: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<&'a str>,
    mode: Mode,
    /// The release family's checks before the first change (absent for `models`).
    #[serde(skip_serializing_if = "Option::is_none")]
    preflight: Option<PreflightDoc<'a>>,
    notes: &'a [String],
    steps: &'a [Step],
    /// The GitHub release's page, once it is published.
    release_url: Option<&'a str>,
    /// The names of the release assets (built or, when planning, to be built).
    assets: &'a [String],
    exit_code: u8,
    /// The same code: every refusal document has `error`, `hint` and `exit` (see `exit::json`).
    exit: u8,
    /// The cause, when the run did not succeed.
    error: Option<String>,
    /// The fix for it.
    hint: Option<String>,
}

#[derive(Serialize)]
struct PreflightDoc<'a> {
    ok: bool,
    problems: &'a [Problem],
    notes: &'a [String],
    gate: Option<&'a str>,
}

struct ErrorDoc {
    cause: String,
    fix: Option<String>,
}

/// What a run works on: a version and its tag (the release family; `models` has none).
struct Subject {
    version: String,
    tag: String,
}

/// The steps of one run, shown as they finish (human) or as one JSON document.
pub struct Output {
    format: Format,
    /// The command's name in the closing lines: `release`, `rollback`, `models prune`, …
    command: String,
    /// What a finished execution prints, e.g. `released v1.2.0`.
    done: String,
    subject: Option<Subject>,
    notes: Vec<String>,
    gate: Option<String>,
    steps: Vec<Step>,
    release_url: Option<String>,
    assets: Vec<String>,
    /// The width of the step names in the human lines.
    width: usize,
    abort_hook: &'static str,
}

impl Output {
    pub fn new(format: Format, release: &Release) -> Output {
        let done = match release.command {
            "release" => format!("released {}", release.tag),
            command => format!("{command} {}: done", release.tag),
        };
        let version = release.version.to_string();
        Output::titled(format, release.command, version, release.tag.clone(), done)
    }

    /// The output of another command built on the release steps (`rollback`, `hotfix`, …):
    /// `version` and `tag` name what it works on (`tag` follows the command's name in the
    /// closing lines), `done` is what a finished execution prints.
    pub fn titled(
        format: Format,
        command: &'static str,
        version: String,
        tag: String,
        done: String,
    ) -> Output {
        Output {
            format,
            command: command.to_string(),
            done,
            subject: Some(Subject { version, tag }),
            notes: Vec::new(),
            gate: None,
            steps: Vec::new(),
            release_url: None,
            assets: Vec::new(),
            width: 14,
            abort_hook: ABORT_AFTER,
        }
    }

    /// The output of a `models` command: no version or preflight, the steps under
    /// `command: plan`.
    pub fn command(format: Format, command: impl Into<String>, done: impl Into<String>) -> Output {
        Output {
            format,
            command: command.into(),
            done: done.into(),
            subject: None,
            notes: Vec::new(),
            gate: None,
            steps: Vec::new(),
            release_url: None,
            assets: Vec::new(),
            width: 10,
            abort_hook: MODELS_ABORT_AFTER,
        }
    }

    /// A note, shown at once (and in the document's `notes`).
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if self.format == Format::Human {
            println!("  note: {note}");
        }
        self.notes.push(note);
    }

    fn tag(&self) -> &str {
        self.subject.as_ref().map_or("", |s| s.tag.as_str())
    }

    /// The preflight passed (without a gate, for a command that has none), with its notes.
    pub fn passed(&mut self, notes: &[String]) {
        self.notes = notes.to_vec();
        if self.format == Format::Human {
            println!("{} {}: preflight passed", self.command, self.tag());
            if let Some(gate) = &self.gate {
                println!("  gate: {gate}");
            }
            for note in &self.notes {
                println!("  note: {note}");
            }
        }
    }

    /// Every preflight failure, each as the cause and its fix; nothing was changed.
    pub fn refused(&mut self, problems: &[Problem]) {
        match self.format {
            Format::Human => {
                for problem in problems {
                    exit::print(&problem.cause, Some(&problem.fix));
                }
                eprintln!(
                    "{} {}: refused, {} preflight check(s) failed; nothing was changed",
                    self.command,
                    self.tag(),
                    problems.len()
                );
            }
            Format::Json => {
                // The human lines go to stderr; stdout holds the one document.
                for problem in problems {
                    exit::print(&problem.cause, Some(&problem.fix));
                }
                let join = |part: fn(&Problem) -> &str| {
                    problems.iter().map(part).collect::<Vec<_>>().join("; ")
                };
                let error = ErrorDoc {
                    cause: format!(
                        "refused, {} preflight check(s) failed: {}",
                        problems.len(),
                        join(|p| p.cause.as_str())
                    ),
                    fix: Some(join(|p| p.fix.as_str())),
                };
                self.print_json(Mode::Plan, problems, exit::REFUSED, Some(error))
            }
        }
    }

    pub fn preflight_passed(&mut self, prepared: &Prepared) {
        self.gate = Some(prepared.gate.summary());
        self.passed(&prepared.notes);
    }

    /// What the steps published: the release's page (once it is published) and the asset names.
    pub fn published(&mut self, release_url: Option<String>, assets: Vec<String>) {
        self.release_url = release_url;
        self.assets = assets;
    }

    /// The GitHub release's page, once the steps found it published.
    pub fn release_url(&self) -> Option<&str> {
        self.release_url.as_deref()
    }

    /// The release assets' names, as the archive step found them.
    pub fn assets(&self) -> &[String] {
        &self.assets
    }

    pub fn begin(&mut self, mode: Mode) {
        self.steps.clear();
        self.published(None, Vec::new());
        if self.format == Format::Human {
            match (mode, &self.subject) {
                (Mode::Plan, Some(_)) => println!("\nplan:"),
                (Mode::Execute, Some(_)) => println!("\nexecuting:"),
                (Mode::Plan, None) => println!("{}: plan", self.command),
                (Mode::Execute, None) => println!("\n{}: executing", self.command),
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
            print_step_width(self.steps.len() + 1, &step, self.width);
        }
        self.steps.push(step);
        let abort = std::env::var_os(self.abort_hook).is_some_and(|step| step == name);
        if mode == Mode::Execute && abort {
            // Test hook for the fault matrix: the process dies here, as if killed.
            std::process::abort();
        }
        result
    }

    /// Reports a failed step and returns the exit code: 3 when executing (re-run to resume),
    /// 1 when only planning. An [`Exit`] keeps its own code.
    pub fn failed(&mut self, mode: Mode, err: &anyhow::Error) -> u8 {
        let (code, cause, fix) = match (err.downcast_ref::<Exit>(), mode) {
            // Executing: 3 once anything changed (the contract), else the error's own code.
            (_, Mode::Execute) => exit::classify(err),
            (Some(exit), Mode::Plan) => (exit.code, exit.cause.clone(), exit.fix.clone()),
            (None, Mode::Plan) => (
                exit::FAILED,
                format!("{err:#}"),
                Some("fix the cause named above, then plan again".into()),
            ),
        };
        match self.format {
            Format::Human => exit::print(&cause, fix.as_deref()),
            Format::Json => {
                exit::print(&cause, fix.as_deref());
                self.print_json(mode, &[], code, Some(ErrorDoc { cause, fix }))
            }
        }
        code
    }

    pub fn finish(&mut self, mode: Mode) {
        match self.format {
            Format::Human => match mode {
                Mode::Plan => {
                    if let Some(url) = &self.release_url {
                        println!("\nrelease: {url}");
                    }
                    println!("\nplan only: nothing was changed; add --execute to carry it out")
                }
                Mode::Execute => {
                    println!("\n{}", self.done);
                    if let Some(url) = &self.release_url {
                        println!("release: {url}");
                    }
                }
            },
            Format::Json => self.print_json(mode, &[], exit::OK, None),
        }
    }

    fn print_json(&self, mode: Mode, problems: &[Problem], exit_code: u8, error: Option<ErrorDoc>) {
        let doc = Document {
            schema: runner::SCHEMA,
            command: &self.command,
            version: self.subject.as_ref().map(|s| s.version.as_str()),
            tag: self.subject.as_ref().map(|s| s.tag.as_str()),
            mode,
            preflight: self.subject.as_ref().map(|_| PreflightDoc {
                ok: problems.is_empty(),
                problems,
                notes: &self.notes,
                gate: self.gate.as_deref(),
            }),
            notes: &self.notes,
            steps: &self.steps,
            release_url: self.release_url.as_deref(),
            assets: &self.assets,
            exit_code,
            exit: exit_code,
            hint: error.as_ref().and_then(|e| e.fix.clone()),
            error: error.map(|e| e.cause),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).expect("the release document serialises")
        );
    }
}

/// One step as a person sees it: `[n] name status summary`, then its actions and diffs.
pub fn print_step(number: usize, step: &Step) {
    print_step_width(number, step, 14)
}

fn print_step_width(number: usize, step: &Step, width: usize) {
    let status = match step.status {
        Status::Done => "done",
        Status::Planned => "planned",
        Status::Ran => "ran",
        Status::Skipped => "skipped",
        Status::Failed => "FAILED",
    };
    println!(
        "[{number}] {:<width$} {status:<8} {}",
        step.name, step.summary
    );
    for action in &step.actions {
        println!("      {}", action.what);
        if let Some(diff) = &action.diff {
            for line in diff.lines() {
                println!("        {line}");
            }
        }
    }
}
