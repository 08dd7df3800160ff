//! Running the xtask binary on a temp copy of the example project.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::process::Command;

use testkit::docker::FakeDocker;
use testkit::git::TempRepo;

/// The example project committed in a temp repo, a fake docker, and an output folder.
pub struct Project {
    pub repo: TempRepo,
    pub docker: FakeDocker,
    pub out: tempfile::TempDir,
}

impl Project {
    pub fn example() -> Project {
        let repo = TempRepo::new();
        repo.copy_fixture(&testkit::example_project());
        repo.commit_all("Initial import");
        Project {
            repo,
            docker: FakeDocker::new(),
            out: tempfile::tempdir().unwrap(),
        }
    }

    /// A fixture project (e.g. `testkit::red_project()`) committed in a temp repo.
    pub fn fixture(from: &Path) -> Project {
        let repo = TempRepo::new();
        repo.copy_fixture(from);
        repo.commit_all("Initial import");
        Project {
            repo,
            docker: FakeDocker::new(),
            out: tempfile::tempdir().unwrap(),
        }
    }

    /// A `uv` first on PATH that cannot provision (as offline), in `dir`; returns the PATH.
    pub fn offline_uv(&self, dir: &Path) -> std::ffi::OsString {
        use std::os::unix::fs::PermissionsExt;
        let uv = dir.join("uv");
        std::fs::write(
            &uv,
            "#!/bin/sh\necho 'error: Failed to fetch: https://pypi.org/simple/pytest/ (network unreachable)' >&2\nexit 2\n",
        )
        .unwrap();
        std::fs::set_permissions(&uv, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut path = std::ffi::OsString::from(dir);
        path.push(":");
        path.push(self.docker.path_env());
        path
    }

    pub fn path(&self) -> &Path {
        self.repo.path()
    }

    pub fn write(&self, path: &str, text: &str) {
        self.repo.write(path, text)
    }

    pub fn read(&self, path: &str) -> String {
        self.repo.read(path)
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.repo.git(args)
    }

    pub fn commit(&self, message: &str) {
        self.repo.commit_all(message);
    }

    /// Points the compose file's published ports at local endpoints (ollama, langflow, code-server)
    /// the way a user does: in the git-ignored `.env` that docker compose reads.
    pub fn publish_ports(&self, ollama: u16, langflow: u16, code_server: u16) {
        self.write(
            ".env",
            &format!(
                "OLLAMA_HOST_PORT={ollama}\nLANGFLOW_HOST_PORT=\"{langflow}\"  # quoted\nexport CODE_SERVER_HOST_PORT={code_server}\n"
            ),
        );
    }

    /// The xtask on this project with the fake docker first on PATH.
    pub fn xtask(&self, args: &[&str]) -> Invocation {
        xtask(self.path(), args)
            .env("XTASK_OUT", self.out.path())
            .env("PATH", self.docker.path_env())
            .env("FAKE_DOCKER_LOG", self.docker.log())
    }
}

pub struct Invocation {
    command: Command,
}

/// `xtask --project DIR ARGS` in plain (CI) mode, outside GitHub Actions.
pub fn xtask(project: &Path, args: &[&str]) -> Invocation {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.arg("--project").arg(project).args(args);
    command.env("XTASK_RELEASE_BIN", testkit::release_bin());
    command
        .env("CI", "true")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("XTASK_PROJECT")
        .env_remove("XTASK_PYTHON")
        .env_remove("VIRTUAL_ENV")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME");
    command
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    let out = tempfile::tempdir().unwrap().keep();
    command.env("XTASK_OUT", out);
    Invocation { command }
}

impl Invocation {
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Invocation {
        self.command.env(key, value);
        self
    }

    pub fn run(mut self) -> Run {
        Run::of(&mut self.command)
    }
}

/// A finished run of the xtask: its exit code and output. `{run}` and `{run:?}` show all three.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(output: std::process::Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Runs `command` to the end.
    pub fn of(command: &mut Command) -> Run {
        command.output().expect("running xtask").into()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {self}"))
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The same as `{run}`: assertion messages read either way.
impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
