//! `cargo xtask merge-reports`: CI scale-out. Separate jobs each run some sections and write a
//! JSON report; this combines them into one report and one verdict.

use std::path::PathBuf;

use anyhow::Context;
use runner::Report;

use crate::exit::Exit;
use crate::Ctx;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The JSON reports written by `pre-release --report PATH`.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Write the merged report to PATH.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: crate::flags::Format,
}

pub fn run(_ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let reports = args
        .reports
        .iter()
        .map(read)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = Report::merge(reports).map_err(|err| {
        Exit::refused(
            format!("cannot merge: {err}"),
            "merge reports of one run: the same commit and --version",
        )
    })?;
    let json = merged.to_json();
    if let Some(path) = &args.report {
        crate::fs::write_atomic(path, json.as_bytes())?;
    }
    match args.format {
        crate::flags::Format::Json => println!("{json}"),
        crate::flags::Format::Human => {
            let s = &merged.summary;
            print!("{}", runner::render_table(&merged.checks));
            println!(
                "{} passed, {} failed, {} blocked, {} skipped, {} manual",
                s.pass, s.fail, s.blocked, s.skipped, s.manual
            );
        }
    }
    crate::ci::annotate(&merged);
    Ok(merged.exit_code())
}

fn read(path: &PathBuf) -> anyhow::Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Report::from_json(&text).map_err(|err| {
        Exit::refused(
            format!("{} is not a pre-release report: {err}", path.display()),
            "pass files written by `cargo xtask pre-release --report PATH`",
        )
        .into()
    })
}
