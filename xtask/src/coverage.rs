//! `cargo xtask coverage`: writes trackers/checklist-coverage.md from the project's release
//! checklist and the checks, or (`--check`) fails when the committed file is out of date.

use std::path::PathBuf;

use checklist::Checklist;

use crate::exit::Exit;
use crate::Ctx;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  cargo xtask coverage           # write trackers/checklist-coverage.md
  cargo xtask coverage --check   # in CI: exit 1 when it is out of date
  cargo xtask coverage --seed RELEASE_CHECKLIST.md --out coverage.md")]
pub struct Args {
    /// The seed checklist (default: the project's docs/RELEASE_CHECKLIST.md, else RELEASE_CHECKLIST.md).
    #[arg(long, value_name = "PATH")]
    pub seed: Option<PathBuf>,
    /// Where the table goes (default: trackers/checklist-coverage.md of the workspace).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Write nothing; exit 1 when the file differs from what would be written.
    #[arg(long)]
    pub check: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let seed_path = args.seed.unwrap_or_else(|| {
        let found = checklist::locate(&ctx.project).unwrap_or(checklist::LOCATIONS[0]);
        ctx.project.join(found)
    });
    let seed = std::fs::read_to_string(&seed_path).map_err(|err| {
        Exit::refused(
            format!(
                "cannot read the release checklist {}: {err}",
                seed_path.display()
            ),
            "pass --seed PATH to the RELEASE_CHECKLIST.md to cover",
        )
    })?;
    let table = checklist::coverage_markdown(&seed, &Checklist::defaults()).map_err(|err| {
        Exit::refused(
            err.to_string(),
            "map each new item to a check (`seed` in defaults.toml) or to OTHER_STEPS",
        )
    })?;
    let out = args
        .out
        .unwrap_or_else(|| crate::paths::workspace_root().join("trackers/checklist-coverage.md"));
    if args.check {
        let current = std::fs::read_to_string(&out).unwrap_or_default();
        if current != table {
            eprintln!(
                "{} is out of date: run `cargo xtask coverage`",
                out.display()
            );
            return Ok(crate::exit::FAILED);
        }
        return Ok(crate::exit::OK);
    }
    crate::fs::write_atomic(&out, table.as_bytes())?;
    println!("wrote {}", out.display());
    Ok(crate::exit::OK)
}
