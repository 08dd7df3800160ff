//! How the project's Python tools run, and provisioning them for the run, so a fresh machine with
//! only Python 3 can run the checks: `uv sync` into a git-ignored environment when the project
//! has uv.lock (installing uv itself when it is missing), else a virtualenv from the project's dev
//! dependencies, or the tools on PATH.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use runner::{Log, Outcome};
use xshell::{cmd, Shell};

/// The uv installed when the machine has none (pinned: its resolver decides what gets installed).
pub const UV_VERSION: &str = "0.13.9";
/// The tools the code-quality checks call.
const DEV_TOOLS: [&str; 3] = ["pytest", "black", "ruff"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Runner {
    /// `uv run` in an environment synced from uv.lock.
    Uv,
    /// A virtualenv provisioned from the project's dev dependencies.
    Venv,
    /// The tools as found on PATH.
    Path,
}

#[derive(Debug, Clone)]
pub struct PythonTools {
    pub runner: Runner,
    /// The environment the tools run in (uv and venv runners); under the xtask's output folder.
    pub venv: PathBuf,
    /// The uv binary: `uv` from PATH, else one this run installs under the output folder.
    pub uv: PathBuf,
    /// The folder holding the uv installed when PATH has none.
    tools: PathBuf,
}

impl PythonTools {
    /// `--python` if given; else uv when the project has uv.lock; else PATH when it has every
    /// dev tool; else a provisioned virtualenv.
    pub fn choose(project: &Path, out: &Path, flag: Option<Runner>) -> PythonTools {
        let runner = flag.unwrap_or_else(|| {
            if project.join("uv.lock").is_file() {
                Runner::Uv
            } else if DEV_TOOLS.iter().all(|tool| on_path(tool).is_some()) {
                Runner::Path
            } else {
                Runner::Venv
            }
        });
        let tools = out.join("python").join("uv");
        let uv = on_path("uv").unwrap_or_else(|| tools.join("bin").join("uv"));
        PythonTools {
            runner,
            venv: out.join("python").join(env_name(project)),
            uv,
            tools,
        }
    }

    /// `{py}` (the prefix a tool name takes) and `{pip}` for command templates.
    pub fn vars(&self) -> Vec<(&'static str, Result<String, String>)> {
        let (py, pip) = match self.runner {
            Runner::Uv => {
                let uv = quote(&self.uv);
                (format!("{uv} run --frozen --no-sync "), format!("{uv} pip"))
            }
            Runner::Venv => {
                let bin = self.venv.join("bin");
                (
                    format!("{}/", quote(&bin)),
                    format!("{} -m pip", quote(&bin.join("python"))),
                )
            }
            Runner::Path => (String::new(), "python3 -m pip".to_string()),
        };
        vec![("py", Ok(py)), ("pip", Ok(pip))]
    }

    /// The environment variables command checks run with.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let venv = self.venv.display().to_string();
        match self.runner {
            Runner::Uv => vec![
                ("UV_PROJECT_ENVIRONMENT".into(), venv.clone()),
                ("VIRTUAL_ENV".into(), venv),
            ],
            Runner::Venv => vec![("VIRTUAL_ENV".into(), venv)],
            Runner::Path => Vec::new(),
        }
    }

    /// Makes the tools ready: the `python-env` check.
    pub fn provision(&self, project: &Path, log: Log) -> Outcome {
        let Some(python) = on_path("python3") else {
            return Outcome::blocked(
                "python3 not found on PATH: install Python 3 to run the Python checks",
            );
        };
        let sh = match Shell::new() {
            Ok(sh) => sh,
            Err(err) => return Outcome::blocked(format!("cannot start a shell: {err}")),
        };
        sh.change_dir(project);
        let result = match self.runner {
            Runner::Uv => self.uv_sync(&sh, &python, log),
            Runner::Venv => self.venv_install(&sh, &python, project, log),
            Runner::Path => tools_on_path(log),
        };
        result.unwrap_or_else(|outcome| outcome)
    }

    fn uv_sync(&self, sh: &Shell, python: &Path, log: Log) -> Result<Outcome, Outcome> {
        if !self.uv.is_file() && on_path("uv").is_none() {
            let tools = &self.tools;
            step(
                log,
                cmd!(sh, "{python} -m venv {tools}"),
                "creating a virtualenv for uv",
            )?;
            let pip = tools.join("bin").join("pip");
            let spec = format!("uv=={UV_VERSION}");
            step(
                log,
                cmd!(
                    sh,
                    "{pip} install --quiet --disable-pip-version-check {spec}"
                ),
                "installing uv from PyPI",
            )?;
        }
        let (uv, venv) = (&self.uv, &self.venv);
        step(
            log,
            cmd!(sh, "{uv} sync --frozen").env("UV_PROJECT_ENVIRONMENT", venv),
            "uv sync --frozen (installs the locked dev tools)",
        )?;
        Ok(Outcome::pass())
    }

    fn venv_install(
        &self,
        sh: &Shell,
        python: &Path,
        project: &Path,
        log: Log,
    ) -> Result<Outcome, Outcome> {
        let text = std::fs::read_to_string(project.join("pyproject.toml"))
            .map_err(|err| Outcome::fail(format!("reading pyproject.toml: {err}")))?;
        let requirements = project::devtools::requirements(&text)
            .map_err(|err| Outcome::fail(format!("pyproject.toml: {err}")))?;
        let venv = &self.venv;
        let stamp = venv.join(".xtask-requirements");
        if std::fs::read_to_string(&stamp).is_ok_and(|s| s == requirements.join("\n")) {
            writeln!(log, "{} is up to date with pyproject.toml", venv.display()).ok();
            return Ok(Outcome::pass());
        }
        step(
            log,
            cmd!(sh, "{python} -m venv {venv}"),
            "creating the virtualenv",
        )?;
        let pip = venv.join("bin").join("pip");
        let wanted = requirements.join("\n");
        step(
            log,
            cmd!(
                sh,
                "{pip} install --quiet --disable-pip-version-check {requirements...}"
            ),
            "installing the dev dependencies from PyPI",
        )?;
        std::fs::write(&stamp, wanted).ok();
        Ok(Outcome::pass())
    }
}

/// Runs one provisioning step, logging the command and its output; a failure blocks the checks
/// that need the tools (they could not run), saying which step failed.
fn step(log: Log, cmd: xshell::Cmd<'_>, what: &str) -> Result<(), Outcome> {
    writeln!(log, "$ {cmd}").ok();
    let output = cmd
        .quiet()
        .ignore_status()
        .output()
        .map_err(|err| Outcome::blocked(format!("{what}: {err}")))?;
    log.write_all(&output.stdout).ok();
    log.write_all(&output.stderr).ok();
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    Err(Outcome::blocked(format!(
        "{what} failed ({}): {last}",
        output.status
    )))
}

fn tools_on_path(log: Log) -> Result<Outcome, Outcome> {
    let missing: Vec<&str> = DEV_TOOLS
        .iter()
        .copied()
        .filter(|tool| on_path(tool).is_none())
        .collect();
    for tool in DEV_TOOLS {
        writeln!(
            log,
            "{tool}: {}",
            on_path(tool).map_or("not found".into(), |p| p.display().to_string())
        )
        .ok();
    }
    if missing.is_empty() {
        Ok(Outcome::pass())
    } else {
        Err(Outcome::blocked(format!(
            "{} not found on PATH (--python path): install them or use --python venv",
            missing.join(", ")
        )))
    }
}

/// The first executable `name` on PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    super::tools::find_executable(&std::env::var_os("PATH")?, name)
}

/// One environment per project folder, so `--project` runs don't share one.
fn env_name(project: &Path) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    project.hash(&mut hasher);
    let name = project
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}-{:08x}", hasher.finish() as u32)
}

/// A path as one shell word.
fn quote(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
