//! `cargo xtask init DIR`: installs this xtask into a Python project, run from a checkout of
//! this workspace. Plans by default; `--execute` writes; a second run changes nothing.
//!
//! What goes in: the workspace manifest, a lock file resolved for what is installed, the
//! `cargo xtask` alias, `xtask/` and the crates it builds, sources only. What stays behind: the
//! test doubles ([`TEST_DOUBLES`]), every `tests/` and `examples/` folder, the bundled example
//! project, this workspace's docs and trackers. Around them: `target/` in `.gitignore`,
//! `export-ignore` in `.gitattributes` for the xtask's own files (the project's release tarball
//! holds the project, not its tooling), `release-checks.toml` with the defaults commented out,
//! and the CI workflows of `cargo xtask ci`. docs/adopting.md says the same for doing it by hand.

use std::path::{Path, PathBuf};

use anyhow::Context;
use checklist::{Checklist, Kind};

use crate::exit::{self, Exit};
use crate::files::{self, Mode};

/// Crates that exist for this workspace's tests: never installed.
pub const TEST_DOUBLES: &[&str] = &["fake-github", "testkit"];

/// The xtask's own paths at the project root: left out of the project's release tarball.
const EXPORT_IGNORED: &[&str] = &["/Cargo.toml", "/Cargo.lock", "/.cargo", "/xtask", "/crates"];

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  cargo xtask init ../codemate-hub             # the plan: every file it would write, and why
  cargo xtask init ../codemate-hub --execute   # install; a second run changes nothing
  cd ../codemate-hub && cargo xtask pre-release")]
pub struct Args {
    /// The Python project's root (holds pyproject.toml).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Write the files (without it, only the plan is printed).
    #[arg(long)]
    pub execute: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let workspace = crate::paths::workspace_root();
    let dir = target_dir(&args.dir, &workspace)?;
    let mode = Mode::from_execute(args.execute);

    let mut wanted = rust_files(&workspace)?;
    wanted.push(("Cargo.lock".into(), lock_file(&workspace, &wanted)?));
    wanted.push((".cargo/config.toml".into(), cargo_config(&dir)?));
    wanted.push((".gitignore".into(), gitignore(&dir)));
    wanted.push((".gitattributes".into(), gitattributes(&dir)));
    if !dir.join(checklist::OVERRIDE_FILE).exists() {
        wanted.push((
            checklist::OVERRIDE_FILE.into(),
            release_checks_toml().into_bytes(),
        ));
    }
    wanted.extend(crate::workflows::files());

    println!(
        "install the xtask of {} into {}",
        workspace.display(),
        dir.display()
    );
    match checklist::locate(&dir) {
        Some(found) => println!("release checklist: {found} (checklist-drift and coverage read it)"),
        None => println!(
            "release checklist: none at {}: checklist-drift will be skipped and coverage needs --seed",
            checklist::LOCATIONS.join(" or ")
        ),
    }
    let planned = files::plan(&dir, wanted);
    let (new, changed, same) = files::counts(&planned);
    files::apply(&dir, &planned, mode)?;
    match (new + changed, mode) {
        (0, _) => println!("nothing to do: the xtask is installed ({same} files up to date)"),
        (_, Mode::Plan) => println!(
            "{new} file(s) to create, {changed} to update, {same} up to date; run again with --execute to write them"
        ),
        (_, Mode::Execute) => println!(
            "{new} file(s) created, {changed} updated, {same} up to date; next: `cd {} && cargo xtask pre-release`, then commit",
            dir.display()
        ),
    }
    Ok(exit::OK)
}

/// DIR, checked: a Python project root, not this workspace, without a Cargo project of its own.
fn target_dir(dir: &Path, workspace: &Path) -> anyhow::Result<PathBuf> {
    let hint = "pass the root of the Python project (the folder that holds pyproject.toml)";
    let dir = dir
        .canonicalize()
        .map_err(|err| Exit::refused(format!("{} cannot be opened: {err}", dir.display()), hint))?;
    if !dir.join("pyproject.toml").is_file() {
        return Err(Exit::refused(
            format!(
                "{} has no pyproject.toml: not a Python project root",
                dir.display()
            ),
            hint,
        )
        .into());
    }
    if workspace.canonicalize().ok().as_deref() == Some(dir.as_path()) {
        return Err(Exit::refused(
            format!("{} is this xtask's own workspace", dir.display()),
            "pass another project's root",
        )
        .into());
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) {
        let ours = text
            .parse::<toml_edit::DocumentMut>()
            .ok()
            .and_then(|doc| {
                let members = doc.get("workspace")?.get("members")?.as_array()?;
                let ours = members.iter().any(|m| m.as_str() == Some("xtask"));
                Some(ours)
            })
            .unwrap_or(false);
        if !ours {
            return Err(Exit::refused(
                format!(
                    "{} has a Cargo.toml of its own (not an xtask workspace): installing would replace it",
                    dir.display()
                ),
                "add the xtask by hand as docs/adopting.md describes",
            )
            .into());
        }
    }
    Ok(dir)
}

/// The workspace manifest, `xtask/` and the crates it builds: manifests and `src/` only, with
/// the test doubles taken out of every manifest.
fn rust_files(workspace: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut out = vec![(
        "Cargo.toml".to_string(),
        without_test_doubles(workspace, "Cargo.toml")?,
    )];
    let mut packages = vec![PathBuf::from("xtask")];
    let crates = workspace.join("crates");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&crates)
        .with_context(|| format!("reading {}", crates.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join("Cargo.toml").is_file())
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            !TEST_DOUBLES.contains(&name.as_ref())
        })
        .filter_map(|path| path.strip_prefix(workspace).ok().map(Path::to_path_buf))
        .collect();
    names.sort();
    packages.extend(names);
    for package in packages {
        let manifest = package.join("Cargo.toml");
        out.push((
            slash(&manifest),
            without_test_doubles(workspace, &slash(&manifest))?,
        ));
        for file in files::walk(workspace, &workspace.join(&package).join("src"))? {
            let bytes = std::fs::read(workspace.join(&file))
                .with_context(|| format!("reading {}", file.display()))?;
            out.push((slash(&file), bytes));
        }
    }
    Ok(out)
}

fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// A manifest with every dependency on a test double removed (the workspace's own table of
/// them too): the installed workspace must resolve without them.
fn without_test_doubles(workspace: &Path, rel: &str) -> anyhow::Result<Vec<u8>> {
    let path = workspace.join(rel);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("parsing {}", path.display()))?;
    let tables: [&[&str]; 3] = [
        &["workspace", "dependencies"],
        &["dependencies"],
        &["dev-dependencies"],
    ];
    for keys in tables {
        let mut table = Some(doc.as_table_mut() as &mut dyn toml_edit::TableLike);
        for key in keys {
            table = table
                .and_then(|t| t.get_mut(key))
                .and_then(toml_edit::Item::as_table_like_mut);
        }
        if let Some(table) = table {
            for double in TEST_DOUBLES {
                table.remove(double);
            }
        }
    }
    Ok(doc.to_string().into_bytes())
}

/// This workspace's Cargo.lock as cargo rewrites it for the installed files: resolved in a
/// scratch copy, so the first `cargo xtask` in the project does not change a tracked file.
fn lock_file(workspace: &Path, rust: &[(String, Vec<u8>)]) -> anyhow::Result<Vec<u8>> {
    let scratch_dir = scratch::TempDir::new().context("creating a scratch folder")?;
    let scratch = scratch_dir.path();
    for (rel, bytes) in rust {
        crate::fs::write_atomic(&scratch.join(rel), bytes)?;
    }
    let lock = workspace.join("Cargo.lock");
    std::fs::copy(&lock, scratch.join("Cargo.lock"))
        .with_context(|| format!("copying {}", lock.display()))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let resolve = |offline: bool| {
        let mut command = std::process::Command::new(&cargo);
        command
            .args(["update", "--workspace", "--quiet"])
            .current_dir(scratch)
            .stdout(std::process::Stdio::null());
        if offline {
            command.arg("--offline");
        }
        command.status().map(|s| s.success()).unwrap_or(false)
    };
    let resolved = resolve(true) || resolve(false);
    let bytes = std::fs::read(scratch.join("Cargo.lock"));
    if !resolved {
        return Err(Exit::refused(
            "cargo could not resolve the installed workspace (`cargo update --workspace` failed)",
            "run `cargo update --workspace --offline` in this workspace to see why (a registry cache or network is needed)",
        )
        .into());
    }
    bytes.context("reading the resolved Cargo.lock")
}

const ALIAS: &str = "run --quiet --package xtask --";

/// `.cargo/config.toml` with the `cargo xtask` alias added (the rest of an existing file kept).
fn cargo_config(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = dir.join(".cargo/config.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|err| {
        Exit::refused(
            format!("{} is not valid TOML: {err}", path.display()),
            "fix it, then run init again",
        )
    })?;
    if doc.get("alias").and_then(|a| a.get("xtask")).is_none() {
        let alias = doc
            .entry("alias")
            .or_insert_with(toml_edit::table)
            .as_table_like_mut()
            .ok_or_else(|| {
                Exit::refused(
                    format!("{}: `alias` is not a table", path.display()),
                    "make it `[alias]`, then run init again",
                )
            })?;
        alias.insert("xtask", toml_edit::value(ALIAS));
    }
    Ok(doc.to_string().into_bytes())
}

/// `.gitignore` with `/target/` when nothing there ignores `target` yet.
fn gitignore(dir: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(dir.join(".gitignore")).unwrap_or_default();
    let ignored = text
        .lines()
        .any(|line| matches!(line.trim(), "target" | "target/" | "/target" | "/target/"));
    if ignored {
        return text.into_bytes();
    }
    append(
        text,
        "# The xtask's build, logs, reports and artifacts (cargo xtask).\n/target/\n",
    )
}

/// `.gitattributes` with `export-ignore` for each of the xtask's paths it does not name yet.
fn gitattributes(dir: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(dir.join(".gitattributes")).unwrap_or_default();
    let missing: Vec<String> = EXPORT_IGNORED
        .iter()
        .filter(|path| {
            !text.lines().any(|line| {
                let mut words = line.split_whitespace();
                words.next() == Some(**path) && words.any(|w| w == "export-ignore")
            })
        })
        .map(|path| format!("{path} export-ignore\n"))
        .collect();
    if missing.is_empty() {
        return text.into_bytes();
    }
    append(
        text,
        &format!(
            "# The release xtask: tooling, not part of the project's release tarball.\n{}",
            missing.concat()
        ),
    )
}

fn append(mut text: String, block: &str) -> Vec<u8> {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(block);
    text.into_bytes()
}

/// `release-checks.toml` with every built-in check's settings as comments.
pub fn release_checks_toml() -> String {
    let mut out = String::from(
        "# Overrides for `cargo xtask pre-release` (docs/adopting.md). Each check below runs as\n\
         # built in; uncomment and change a key to override it, `enabled = false` to leave it out,\n\
         # or add a `[checks.NEW-ID]` table (section, title, command) for a check of your own.\n",
    );
    for check in Checklist::defaults().checks() {
        out.push_str(&format!(
            "\n# [checks.{}]  # {}, {}: {}\n",
            check.id,
            check.section.name(),
            check.kind.name(),
            check.title
        ));
        if check.kind == Kind::Command {
            if let Some(command) = &check.command {
                out.push_str(&format!(
                    "# command = {}\n",
                    toml_edit::Value::from(command.as_str())
                ));
            }
        }
        if check.kind != Kind::Manual {
            out.push_str(&format!("# timeout = \"{}s\"\n", check.timeout.as_secs()));
        }
        out.push_str("# enabled = true\n");
    }
    out.push_str(
        "\n# [post-release]  # settings of `cargo xtask post-release` (docs/post-release.md)\n\
         # The versioned docs page that must answer 200 (default: mkdocs.yml's site_url + X.Y.Z/):\n\
         # docs_url = \"https://example.org/docs/{version}/\"\n\
         # The release milestone's title (default: vX.Y.Z, else X.Y.Z):\n\
         # milestone = \"v{version}\"\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commented_defaults_parse_once_uncommented() {
        let text = release_checks_toml();
        let uncommented: String = text
            .lines()
            .filter(|line| {
                line.starts_with("# [")
                    || line.starts_with("# command")
                    || line.starts_with("# timeout")
                    || line.starts_with("# enabled")
                    || line.starts_with("# docs_url")
                    || line.starts_with("# milestone")
            })
            .map(|line| {
                format!(
                    "{}\n",
                    line.trim_start_matches("# ").split("  #").next().unwrap()
                )
            })
            .collect();
        let checklist = Checklist::defaults()
            .apply_overrides(&uncommented, "release-checks.toml")
            .unwrap_or_else(|err| panic!("{err}\n{uncommented}"));
        assert!(uncommented.contains("[checks.unit-tests]"));
        let post_release = checklist.post_release();
        assert_eq!(
            post_release.milestone.as_ref().map(|m| m.fill(&"0.6.0")),
            Some("v0.6.0".to_string())
        );
        assert!(post_release.docs_url.is_some(), "{uncommented}");
    }

    #[test]
    fn the_alias_joins_an_existing_cargo_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".cargo")).unwrap();
        let config = "# ours\n[build]\njobs = 2\n\n[alias]\nb = \"build\"\n";
        std::fs::write(dir.path().join(".cargo/config.toml"), config).unwrap();
        let merged = String::from_utf8(cargo_config(dir.path()).unwrap()).unwrap();
        assert!(
            merged.starts_with("# ours\n[build]\njobs = 2\n"),
            "{merged}"
        );
        assert!(
            merged.contains("b = \"build\"\nxtask = \"run --quiet --package xtask --\""),
            "{merged}"
        );
        std::fs::write(dir.path().join(".cargo/config.toml"), &merged).unwrap();
        assert_eq!(cargo_config(dir.path()).unwrap(), merged.into_bytes());

        std::fs::write(dir.path().join(".cargo/config.toml"), "alias = 3\n").unwrap();
        assert!(cargo_config(dir.path()).is_err());
    }

    #[test]
    fn ignore_and_attribute_entries_are_added_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "__pycache__/").unwrap();
        let ignore = gitignore(dir.path());
        assert_eq!(
            String::from_utf8(ignore.clone()).unwrap(),
            "__pycache__/\n\n# The xtask's build, logs, reports and artifacts (cargo xtask).\n/target/\n"
        );
        std::fs::write(dir.path().join(".gitignore"), &ignore).unwrap();
        assert_eq!(gitignore(dir.path()), ignore);

        let attributes = gitattributes(dir.path());
        std::fs::write(dir.path().join(".gitattributes"), &attributes).unwrap();
        assert_eq!(gitattributes(dir.path()), attributes);
        assert!(String::from_utf8(attributes)
            .unwrap()
            .contains("/xtask export-ignore\n"));
    }
}
