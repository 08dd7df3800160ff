//! What `post-release` prints: for a person the checks table, the actions and the verdict; for
//! CI one JSON document — the pre-release report (so `merge-reports` and the CI summary read
//! it) plus the mode, the steps with their actions, the exit code and the error.

use runner::Report;
use serde::Serialize;

use crate::release::core::{print_step, Mode, Step};
use xtask::exit::Exit;
use xtask::flags::Format;

pub struct Output {
    format: Format,
    tag: String,
}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    report: &'a Report,
    mode: Mode,
    steps: &'a [Step],
    exit_code: u8,
    error: Option<ErrorDoc>,
}

#[derive(Serialize)]
struct ErrorDoc {
    cause: String,
    fix: Option<String>,
}

impl Output {
    pub fn new(format: Format, tag: &str) -> Output {
        Output {
            format,
            tag: tag.to_string(),
        }
    }

    /// The JSON document (also what `--report` and `<out>/post-release/vX.Y.Z.json` hold).
    pub fn document(
        &self,
        report: &Report,
        mode: Mode,
        steps: &[Step],
        exit_code: u8,
        error: Option<&anyhow::Error>,
    ) -> String {
        let error = error.map(|err| match err.downcast_ref::<Exit>() {
            Some(exit) => ErrorDoc {
                cause: exit.cause.clone(),
                fix: exit.fix.clone(),
            },
            None => ErrorDoc {
                cause: format!("{err:#}"),
                fix: Some("re-run the same command: it resumes from what is already done".into()),
            },
        });
        let doc = Document {
            report,
            mode,
            steps,
            exit_code,
            error,
        };
        serde_json::to_string_pretty(&doc).expect("the post-release document serialises")
    }

    /// Every refusal a plan found, each as cause and fix; nothing was changed.
    pub fn refused(&self, refusals: &[Exit]) {
        for exit in refusals {
            eprintln!("error: {}", exit.cause);
            if let Some(fix) = &exit.fix {
                eprintln!("hint: {fix}");
            }
        }
        eprintln!(
            "post-release {}: refused, {} problem(s); nothing was changed",
            self.tag,
            refusals.len()
        );
    }

    pub fn print(
        &self,
        report: &Report,
        mode: Mode,
        steps: &[Step],
        code: u8,
        error: Option<&anyhow::Error>,
        json: &str,
    ) {
        if self.format == Format::Json {
            println!("{json}");
            return;
        }
        println!("post-release {}\n", self.tag);
        print!("{}", runner::render_table(&report.checks));
        let s = &report.summary;
        println!(
            "\n{} passed, {} failed, {} blocked, {} skipped, {} manual",
            s.pass, s.fail, s.blocked, s.skipped, s.manual
        );
        if !steps.is_empty() {
            println!(
                "\n{}:",
                match mode {
                    Mode::Plan => "plan",
                    Mode::Execute => "executed",
                }
            );
        }
        for (index, step) in steps.iter().enumerate() {
            print_step(index + 1, step);
        }
        if let Some(err) = error.filter(|_| code != xtask::exit::REFUSED) {
            eprintln!("error: {err:#}");
            if let Some(fix) = err.downcast_ref::<Exit>().and_then(|e| e.fix.as_deref()) {
                eprintln!("hint: {fix}");
            }
        }
        let verdict = match (code, mode) {
            (2, _) => "refused: nothing was changed",
            (0, Mode::Plan) => "verified; plan only: nothing was changed, add --execute to act",
            (0, Mode::Execute) => "verified and recorded",
            (1, _) => "NOT verified: see the failed and blocked checks",
            _ => "failed part-way: re-run the same command to resume",
        };
        println!("\npost-release {}: {verdict}", self.tag);
    }
}
