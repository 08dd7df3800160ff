//! How the project's Python tools run, and provisioning them for the run, so a fresh machine with
//! only Python 3 can run the checks: `uv sync` into a git-ignored environment when the project
//! has uv.lock (installing uv itself when it is missing), else a virtualenv from the project's dev
//! dependencies, or the tools on PATH.
//!
//! Without `--python`, provisioning falls back when it cannot be done (offline, a pinned
//! interpreter that is not there, a lock mismatch): to the tools of the active virtualenv
//! (`VIRTUAL_ENV`), then to PATH, tool by tool. The commands then call small launchers in a
//! folder of the run's output (`{py}` = that folder), written by `python-env` once it knows
//! which tools run; its reason says which were used and their versions.

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
    /// `Some(launchers folder)` when no `--python` was given: provisioning may fall back.
    launchers: Option<PathBuf>,
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
        let name = env_name(project);
        PythonTools {
            runner,
            launchers: flag
                .is_none()
                .then(|| out.join("python").join(format!("{name}-bin"))),
            venv: out.join("python").join(name),
            uv,
            tools,
        }
    }

    /// `{py}` (the prefix a tool name takes) and `{pip}` for command templates.
    pub fn vars(&self) -> Vec<(&'static str, Result<String, String>)> {
        if let Some(launchers) = &self.launchers {
            let py = format!("{}/", quote(launchers));
            let pip = quote(&launchers.join("pip"));
            return vec![("py", Ok(py)), ("pip", Ok(pip))];
        }
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
        if self.launchers.is_some() {
            // The launchers set what their tools need.
            return Vec::new();
        }
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
        let primary = self.provision_primary(project, log);
        let Some(launchers) = &self.launchers else {
            return primary;
        };
        let mut attempts = Vec::new();
        let mut sources = Vec::new();
        match (&primary.status, self.runner) {
            (runner::Status::Pass, Runner::Uv) => sources.push(Source::Uv {
                uv: self.uv.clone(),
                venv: self.venv.clone(),
            }),
            (runner::Status::Pass, Runner::Venv) => sources.push(Source::Venv(self.venv.clone())),
            (runner::Status::Pass, Runner::Path) => {}
            _ => attempts.push(
                primary
                    .reason
                    .clone()
                    .unwrap_or_else(|| format!("{} failed", self.runner.describe())),
            ),
        }
        let fell_back = !attempts.is_empty();
        match std::env::var_os("VIRTUAL_ENV").map(PathBuf::from) {
            Some(venv) if venv.join("bin").is_dir() => sources.push(Source::Venv(venv)),
            Some(venv) if fell_back => {
                attempts.push(format!("$VIRTUAL_ENV {} has no bin/", venv.display()))
            }
            None if fell_back => attempts.push("$VIRTUAL_ENV is not set".into()),
            _ => {}
        }
        sources.push(Source::Path);
        write_launchers(launchers, &sources, attempts, log)
    }

    fn provision_primary(&self, project: &Path, log: Log) -> Outcome {
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

impl Runner {
    fn describe(self) -> &'static str {
        match self {
            Runner::Uv => "uv sync --frozen",
            Runner::Venv => "the provisioned virtualenv",
            Runner::Path => "PATH",
        }
    }
}

/// Where a tool can come from, in the order they are tried.
enum Source {
    /// `uv run` in the environment `uv sync` made.
    Uv {
        uv: PathBuf,
        venv: PathBuf,
    },
    /// A virtualenv's `bin/`.
    Venv(PathBuf),
    Path,
}

impl Source {
    /// The executable of `tool` in this source, if it has one.
    fn find(&self, tool: &str) -> Option<PathBuf> {
        let executable = |p: PathBuf| p.is_file().then_some(p);
        match self {
            Source::Uv { venv, .. } | Source::Venv(venv) => executable(venv.join("bin").join(tool)),
            Source::Path => on_path(tool),
        }
    }

    fn describe(&self) -> String {
        match self {
            Source::Uv { venv, .. } => format!("uv ({})", venv.display()),
            Source::Venv(venv) => format!("the virtualenv {}", venv.display()),
            Source::Path => "PATH".into(),
        }
    }

    /// The launcher's body for `tool` (found at `program`).
    fn launcher(&self, tool: &str, program: &Path) -> String {
        let program = quote(program);
        match self {
            Source::Uv { uv, venv } => {
                let (uv, venv) = (quote(uv), quote(venv));
                let run = if tool == "pip" {
                    format!("exec {uv} pip \"$@\"")
                } else {
                    format!("exec {uv} run --frozen --no-sync {tool} \"$@\"")
                };
                format!("export UV_PROJECT_ENVIRONMENT={venv} VIRTUAL_ENV={venv}\n{run}")
            }
            Source::Venv(venv) => {
                let venv = quote(venv);
                if tool == "pip" {
                    format!("export VIRTUAL_ENV={venv}\nexec {program} -m pip \"$@\"")
                } else {
                    format!("export VIRTUAL_ENV={venv}\nexec {program} \"$@\"")
                }
            }
            Source::Path if tool == "pip" => format!("exec {program} -m pip \"$@\""),
            Source::Path => format!("exec {program} \"$@\""),
        }
    }
}

/// The tools a launcher is written for (`pip` runs as `python -m pip`, or `uv pip`).
const LAUNCHED: [&str; 4] = ["pytest", "black", "ruff", "pip"];

/// Writes one launcher per tool from the first source that has it, and says which ran with its
/// version; blocked only when no source has any tool, with every attempt's reason.
fn write_launchers(dir: &Path, sources: &[Source], attempts: Vec<String>, log: Log) -> Outcome {
    if let Err(err) = std::fs::create_dir_all(dir) {
        return Outcome::blocked(format!("cannot create {}: {err}", dir.display()));
    }
    let mut used = Vec::new();
    let mut missing = Vec::new();
    for tool in LAUNCHED {
        // `pip` runs through the source's Python (uv: `uv pip`).
        let wanted = if tool == "pip" { "python" } else { tool };
        let found = sources.iter().find_map(|source| {
            let program = match (source, tool) {
                (Source::Uv { uv, .. }, "pip") => Some(uv.clone()),
                (Source::Path, "pip") => source.find("python3"),
                _ => source.find(wanted),
            }?;
            Some((source, program))
        });
        let body = match found {
            Some((source, program)) => {
                let version = if tool == "pip" {
                    String::new()
                } else {
                    format!(" {}", tool_version(&program))
                };
                writeln!(
                    log,
                    "{tool}: {}{version} from {}",
                    program.display(),
                    source.describe()
                )
                .ok();
                if tool != "pip" {
                    used.push((source.describe(), format!("{tool}{version}")));
                }
                source.launcher(tool, &program)
            }
            None => {
                missing.push(tool);
                let why = format!("{tool} is in none of: {}", describe_all(sources));
                writeln!(log, "{why}").ok();
                format!("echo '{why}' >&2\nexit 127")
            }
        };
        let path = dir.join(tool);
        let script =
            format!("#!/bin/sh\n# written by `cargo xtask pre-release` (python-env)\n{body}\n");
        if let Err(err) = write_executable(&path, &script) {
            return Outcome::blocked(format!("cannot write {}: {err}", path.display()));
        }
    }
    let tried = if attempts.is_empty() {
        String::new()
    } else {
        format!(" ({})", attempts.join("; "))
    };
    if used.is_empty() {
        return Outcome::blocked(format!(
            "no source has pytest, black or ruff{tried}; not on PATH either: install them or sync the project"
        ));
    }
    // "pytest 9.2.0, black 26.10.1 from uv (...)"
    let mut by_source: Vec<(String, Vec<String>)> = Vec::new();
    for (source, tool) in used {
        match by_source.iter_mut().find(|(s, _)| *s == source) {
            Some((_, tools)) => tools.push(tool),
            None => by_source.push((source, vec![tool])),
        }
    }
    let mut reason = by_source
        .iter()
        .map(|(source, tools)| format!("{} from {source}", tools.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    if !missing.is_empty() {
        reason.push_str(&format!("; not found anywhere: {}", missing.join(", ")));
    }
    if !attempts.is_empty() {
        reason = format!("fell back{tried}: {reason}");
    }
    super::documentation::pass_because(reason)
}

fn describe_all(sources: &[Source]) -> String {
    sources
        .iter()
        .map(Source::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `pytest 9.2.0` → `9.2.0`: the last word of the first line of `tool --version` that has a digit.
fn tool_version(program: &Path) -> String {
    let output = std::process::Command::new(program)
        .arg("--version")
        .output();
    let text = match output {
        Ok(output) => format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(_) => return "(version unknown)".into(),
    };
    text.lines()
        .flat_map(str::split_whitespace)
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(|w| w.trim_end_matches(',').to_string())
        .unwrap_or_else(|| "(version unknown)".into())
}

fn write_executable(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
    std::fs::rename(&tmp, path)
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
