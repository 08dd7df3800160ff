//! `cargo xtask archive`: reproducible release artifacts with checksums, or `--verify` them.
//!
//! The work is in the `archive` crate; this module picks the revision, the project name (from
//! pyproject.toml at that revision) and the output directory, and turns errors into exit codes.
//! Model digests come from docs/MODEL_VERSIONS.md at the revision, never from a live Ollama.
//! See docs/archive.md.

use std::path::{Path, PathBuf};

use archive::{ArchiveError, Group, Manifest, Options};

use crate::exit::{self, Exit};
use crate::flags::Format;
use crate::Ctx;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  cargo xtask archive                        # the latest release tag, into target/xtask/archive/
  cargo xtask archive --rev HEAD --out dist  # any revision, anywhere outside the tracked tree
  cargo xtask archive --format json          # one JSON document: the artifacts and their digests
  cargo xtask archive --verify target/xtask/archive/codemate-hub-v0.5.0")]
pub struct Args {
    /// The revision to archive (default: the latest release tag vX.Y.Z).
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Where to write the artifacts (default: target/xtask/archive/<name>-<tag>, which git ignores).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace artifacts already in the output directory.
    #[arg(long)]
    pub force: bool,
    /// Rebuild the artifacts in DIR from the revision its manifest.json records and compare.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["rev", "out", "force", "groups"])]
    pub verify: Option<PathBuf>,
    /// An extra tarball NAME=GLOB[,GLOB...]; repeatable; replaces the default config, docs and flows.
    #[arg(long = "group", value_name = "NAME=GLOBS")]
    pub groups: Vec<String>,
    /// Output: `human`, or `json` (one document on stdout, docs/json.md).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    if let Some(dir) = &args.verify {
        return verify(ctx, dir, args.format);
    }
    let repo = git::Repo::new(&ctx.project);
    let project = &ctx.project;
    // The work tree's top is needed only at the end, and with --rev the archive's own git calls
    // (the commit, the repository check) need not wait for the project name: run them while the
    // revision is resolved.
    let (toplevel, resolved, opened) = std::thread::scope(|scope| {
        let toplevel = scope.spawn(|| repo.toplevel());
        let opened = (args.rev.as_deref())
            .map(|rev| scope.spawn(move || archive::Source::open(project, rev)));
        let resolved = resolve(ctx, &repo, args.rev.clone());
        let opened = opened.map(|opened| opened.join().expect("archive source thread"));
        (toplevel.join().expect("rev-parse thread"), resolved, opened)
    });
    let Ok(toplevel) = toplevel else {
        return Err(refused(ArchiveError::NotARepo {
            dir: ctx.project.clone(),
        })
        .into());
    };
    let Resolved { label, name, rev } = resolved?;

    let mut opts = Options::new(name, label);
    opts.force = args.force;
    if !args.groups.is_empty() {
        opts.groups = args
            .groups
            .iter()
            .map(|spec| parse_group(spec))
            .collect::<Result<_, _>>()?;
    }
    let out = match args.out {
        Some(out) => std::path::absolute(&out)?,
        None => ctx.out.join("archive").join(opts.stem()),
    };
    refuse_unignored_out_dir(&repo, &toplevel, &out)?;

    let source = match opened {
        Some(source) => source,
        None => archive::Source::open(project, &rev),
    };
    let manifest = source
        .and_then(|source| source.build(&out, &opts))
        .map_err(to_exit)?;
    report(&manifest, &rev, &out, args.format);
    crate::ci::set_outputs(&[
        ("dir", out.display().to_string()),
        (
            "sha256sums",
            out.join(archive::SHA256SUMS).display().to_string(),
        ),
    ]);
    Ok(exit::OK)
}

/// What is archived: the revision (`--rev`, else the latest release tag), the label in the file
/// names, and the project name at that revision.
struct Resolved {
    label: String,
    name: String,
    rev: String,
}

fn resolve(ctx: &Ctx, repo: &git::Repo, rev: Option<String>) -> anyhow::Result<Resolved> {
    let rev = match rev {
        Some(rev) => rev,
        None => match repo.latest_release_tag()? {
            Some((_, tag)) => tag,
            None => {
                return Err(Exit::refused(
                    format!(
                        "{} has no release tag vX.Y.Z to archive",
                        ctx.project.display()
                    ),
                    "pass --rev REV (a tag, branch or commit)",
                )
                .into())
            }
        },
    };
    // A tag, usually: its pyproject.toml in one git call (the label is then the tag's).
    let tagged = format!("refs/tags/{rev}^{{commit}}:./pyproject.toml");
    if let Some(text) = repo.git_opt(&["show", &tagged])? {
        let name = crate::version::parse_project_name(&rev, &text)?;
        return Ok(Resolved {
            label: rev.replace('/', "-"),
            name,
            rev,
        });
    }
    let (commit, label) = commit_and_label(repo, &rev)?;
    let name = crate::version::project_name(repo, &rev, &commit)?;
    Ok(Resolved { label, name, rev })
}

fn verify(ctx: &Ctx, dir: &Path, format: Format) -> anyhow::Result<u8> {
    let mismatches = archive::verify(&ctx.project, dir).map_err(to_exit)?;
    if format == Format::Json {
        let doc = serde_json::json!({
            "schema": runner::SCHEMA,
            "dir": dir.display().to_string(),
            "verified": mismatches.is_empty(),
            "mismatches": mismatches,
        });
        println!("{doc:#}");
        return Ok(if mismatches.is_empty() {
            exit::OK
        } else {
            exit::FAILED
        });
    }
    if mismatches.is_empty() {
        println!(
            "verified: every file in {} matches a rebuild from its manifest's commit",
            dir.display()
        );
        return Ok(exit::OK);
    }
    for mismatch in &mismatches {
        println!("mismatch: {mismatch}");
    }
    eprintln!(
        "error: {} mismatch(es) in {}",
        mismatches.len(),
        dir.display()
    );
    Ok(exit::FAILED)
}

/// The commit, and the label for file names: the tag itself (a `/` in it becomes `-`), else the
/// commit's first 12 digits.
fn commit_and_label(repo: &git::Repo, rev: &str) -> anyhow::Result<(String, String)> {
    if let Some(commit) = repo.resolve(&format!("refs/tags/{rev}"))? {
        return Ok((commit, rev.replace('/', "-")));
    }
    match repo.resolve(rev)? {
        Some(commit) => Ok((commit.clone(), git::short(&commit).to_string())),
        None => Err(refused(ArchiveError::UnknownRev {
            rev: rev.to_string(),
            dir: repo.dir().to_path_buf(),
        })
        .into()),
    }
}

/// `NAME=GLOB[,GLOB...]`.
fn parse_group(spec: &str) -> Result<Group, Exit> {
    let usage = || {
        Exit::refused(
            format!("bad --group {spec:?}"),
            "write --group NAME=GLOB[,GLOB...], NAME in [A-Za-z0-9_-]",
        )
    };
    let (name, globs) = spec.split_once('=').ok_or_else(usage)?;
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let globs: Vec<String> = globs
        .split(',')
        .filter(|glob| !glob.is_empty())
        .map(str::to_string)
        .collect();
    if !name_ok || globs.is_empty() {
        return Err(usage());
    }
    Ok(Group {
        name: name.to_string(),
        globs,
    })
}

/// Building artifacts must never dirty the tree: a dirty tree blocks a release.
fn refuse_unignored_out_dir(repo: &git::Repo, toplevel: &Path, out: &Path) -> anyhow::Result<()> {
    if !resolved(out).starts_with(toplevel) {
        return Ok(());
    }
    let path = out.to_string_lossy();
    if repo
        .git_opt(&["check-ignore", "--quiet", "--no-index", &path])?
        .is_none()
    {
        return Err(Exit::refused(
            format!("{} is inside the work tree and not ignored: artifacts there would dirty the tree", out.display()),
            "pass --out DIR outside the repository or in an ignored folder (the default is target/xtask/archive)",
        )
        .into());
    }
    Ok(())
}

/// `path` with symlinks resolved as far as it exists (it may not exist yet).
fn resolved(path: &Path) -> PathBuf {
    match (path.canonicalize(), path.parent(), path.file_name()) {
        (Ok(path), _, _) => path,
        (Err(_), Some(parent), Some(name)) => resolved(parent).join(name),
        _ => path.to_path_buf(),
    }
}

/// Refusals (nothing written) exit 2; failures part-way exit 3 and leave no file under a final name.
fn to_exit(err: ArchiveError) -> Exit {
    if err.is_refusal() {
        return refused(err);
    }
    Exit {
        code: exit::INTERRUPTED,
        cause: err.to_string(),
        fix: Some("no artifact was renamed into place unless the error names one; re-run (with --force if some were)".into()),
    }
}

fn refused(err: ArchiveError) -> Exit {
    let fix = match &err {
        ArchiveError::NotARepo { .. } => "run it in the project's git clone, or pass --project DIR",
        ArchiveError::UnknownRev { .. } => {
            "pass --rev with an existing tag, branch or commit (`git tag --list 'v*'`)"
        }
        ArchiveError::OutDirUnwritable { .. } => "pass --out DIR with a directory you can write to",
        ArchiveError::ArtifactsPresent { .. } => {
            "pass --force to replace them, or --out another directory"
        }
        ArchiveError::UnrepresentablePath { .. } => {
            "rename the path in the repository: tar headers store UTF-8 paths"
        }
        ArchiveError::BadName { .. } => {
            "fix [project].name in pyproject.toml, or archive another tag"
        }
        ArchiveError::NoManifest { .. } => {
            "point --verify at a directory that `cargo xtask archive` wrote"
        }
        _ => "see the cause above",
    };
    Exit::refused(err.to_string(), fix)
}

fn report(manifest: &Manifest, rev: &str, out: &Path, format: Format) {
    for exception in &manifest.exceptions {
        eprintln!("warning: {}: {}", exception.path, exception.detail);
    }
    if format == Format::Json {
        let doc = serde_json::json!({
            "schema": runner::SCHEMA,
            "rev": rev,
            "commit": manifest.commit,
            "dir": out.display().to_string(),
            "sha256sums": out.join(archive::SHA256SUMS).display().to_string(),
            "manifest": out.join(archive::MANIFEST).display().to_string(),
            "artifacts": manifest.artifacts,
            "left_out": manifest.left_out,
            "exceptions": manifest.exceptions,
        });
        println!("{doc:#}");
        return;
    }
    for left_out in &manifest.left_out {
        println!("left out {}: {}", left_out.artifact, left_out.reason);
    }
    for artifact in &manifest.artifacts {
        println!(
            "{}  {:>10}  {}",
            artifact.sha256, artifact.size, artifact.name
        );
    }
    println!(
        "archived {rev} ({}) into {}",
        git::short(&manifest.commit),
        out.display()
    );
}
