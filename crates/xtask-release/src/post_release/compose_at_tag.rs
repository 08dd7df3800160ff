//! The compose project as `docker compose` would read it in a checkout of the release tag, for
//! `docker-images`: the images released are the ones the tag's compose files name, not the work
//! tree's (main may have renamed an image or added a service since).
//!
//! The tag's files and the machine's runtime configuration combine the way `git checkout <tag>`
//! in this work tree would leave them: the compose files are the tag's (one that only the work
//! tree has, committed later or untracked, is not read); an env file (`.env`, or those
//! `COMPOSE_ENV_FILES` names) is the tag's when the tag tracks it, else the work tree's, since
//! `.env` is normally untracked runtime configuration; the shell environment applies as always.
//! The files are put in a scratch folder named like the project's (compose's default project
//! name) and read from there by the ordinary compose reader; the files their `include:` and
//! `extends: {file}` name are the tag's too (one the tag lacks is blocked), an included
//! project's `.env` the tag's, else the work tree's.

use std::collections::BTreeSet;
use std::path::{Component, Path};

use project::compose::Compose;
use project::FactError;
use runner::Outcome;

/// The tag's compose project and where it came from.
pub struct AtTag {
    pub compose: Compose,
    /// For the reason: `docker-compose.yml + docker-compose.override.yml at v0.5.0`, and whose
    /// env files were read.
    pub source: String,
}

/// Reads the compose project of `commit` (the tag `tag`) of the repository `repo`, whose
/// project directory is `project`; `shell` is the environment compose would run in. `Err` is
/// the outcome to report: skipped when the tag has no compose file, blocked when its files
/// cannot be read.
pub fn read(
    repo: &git::Repo,
    project: &Path,
    commit: &str,
    tag: &str,
    shell: &dyn Fn(&str) -> Option<String>,
) -> Result<AtTag, Outcome> {
    let tree = Tree {
        repo,
        commit,
        tag,
        tracked: tracked(repo, commit, tag)?,
    };
    let scratch = scratch::TempDir::new().map_err(|err| scratch_blocked(&err))?;
    let dir = scratch.path().join(dir_name(project));
    std::fs::create_dir(&dir).map_err(|err| scratch_blocked(&err))?;

    let mut env = env_files_into(&tree, project, &dir, shell)?;
    let exists = |file: &str| inside(file).is_some_and(|path| tree.tracked.contains(&path));
    let files = Compose::files_with(&dir, shell, &exists).map_err(|err| tree.unreadable(err))?;
    let mut placed = BTreeSet::new();
    for file in &files {
        let path = inside(file).unwrap_or_else(|| file.clone());
        tree.copy(&path, &dir)?;
        placed.insert(path);
    }
    let compose = load_with_references(&tree, project, &dir, shell, &mut placed, &mut env)?;
    let source = describe(&compose, env, tag);
    Ok(AtTag { compose, source })
}

/// The env files the reader looks for, put into `dir`: the tag's when the tag tracks one, else a
/// link to the work tree's. Returns the names of each kind, the tag's first.
fn env_files_into(
    tree: &Tree<'_>,
    project: &Path,
    dir: &Path,
    shell: &dyn Fn(&str) -> Option<String>,
) -> Result<(Vec<String>, Vec<String>), Outcome> {
    let (mut at_tag, mut of_work_tree) = (Vec::new(), Vec::new());
    let (names, required) = project::compose::env_files(shell);
    for name in names {
        match inside(&name) {
            Some(path) if tree.tracked.contains(&path) => {
                tree.copy(&path, dir)?;
                at_tag.push(name);
            }
            Some(path) if project.join(&path).is_file() => {
                // A link, not a copy: the secrets of `.env` are not written anywhere else.
                link(&project.join(&path), &dir.join(&path))
                    .map_err(|err| scratch_blocked(&err))?;
                of_work_tree.push(name);
            }
            // An absolute env file is machine configuration: the reader reads it where it is.
            None if Path::new(&name).is_absolute() => {}
            _ if required => {
                return Err(Outcome::blocked(format!(
                    "{name}, named by COMPOSE_ENV_FILES, is neither at {} nor in the work tree",
                    tree.tag
                )))
            }
            _ => {}
        }
    }
    Ok((at_tag, of_work_tree))
}

/// Reads the scratch copy once the files its `include:` and `extends: {file}` name are in it:
/// each is the tag's, and one the tag does not have is blocked (never read from elsewhere); an
/// included project's env file is the tag's, else the work tree's, as `.env` is. The reader names
/// the files as it meets them, so the copy grows until a read needs nothing more.
fn load_with_references(
    tree: &Tree<'_>,
    project: &Path,
    dir: &Path,
    shell: &dyn Fn(&str) -> Option<String>,
    placed: &mut BTreeSet<String>,
    (at_tag, of_work_tree): &mut (Vec<String>, Vec<String>),
) -> Result<Compose, Outcome> {
    loop {
        let compose = match Compose::load_with(dir, shell) {
            Ok(compose) => compose,
            Err(err) => match Compose::missing_reference(&err).and_then(inside) {
                Some(path) if tree.tracked.contains(&path) && placed.insert(path.clone()) => {
                    tree.copy(&path, dir)?;
                    continue;
                }
                _ if Compose::missing_reference(&err).is_some() => {
                    return Err(Outcome::blocked(format!(
                        "the compose files at {} name a file the tag does not have: {err}",
                        tree.tag
                    )))
                }
                _ => return Err(tree.unreadable(err)),
            },
        };
        let mut more = false;
        for name in &compose.include_env_files {
            let Some(path) = inside(name).filter(|path| placed.insert(path.clone())) else {
                continue;
            };
            if tree.tracked.contains(&path) {
                tree.copy(&path, dir)?;
                at_tag.push(name.clone());
                more = true;
            } else if project.join(&path).is_file() {
                link(&project.join(&path), &dir.join(&path))
                    .map_err(|err| scratch_blocked(&err))?;
                of_work_tree.push(name.clone());
                more = true;
            }
        }
        if !more {
            return Ok(compose);
        }
    }
}

/// `docker-compose.yml + .env at v0.5.0`, `… with the work tree's .env`: the files read.
fn describe(
    compose: &Compose,
    (at_tag, of_work_tree): (Vec<String>, Vec<String>),
    tag: &str,
) -> String {
    let read = |names: Vec<String>| -> Vec<String> {
        names
            .into_iter()
            .filter(|name| compose.env_files.contains(name))
            .collect()
    };
    let mut files = compose.files.clone();
    files.extend(compose.included.iter().cloned());
    files.extend(read(at_tag));
    let mut source = format!("{} at {tag}", files.join(" + "));
    let of_work_tree = read(of_work_tree);
    if !of_work_tree.is_empty() {
        source.push_str(&format!(
            " with the work tree's {}",
            of_work_tree.join(" + ")
        ));
    }
    source
}

/// The commit's files (below the project directory, relative to it).
struct Tree<'a> {
    repo: &'a git::Repo,
    commit: &'a str,
    tag: &'a str,
    tracked: BTreeSet<String>,
}

impl Tree<'_> {
    /// Writes the commit's `path` to `dir/path`.
    fn copy(&self, path: &str, dir: &Path) -> Result<(), Outcome> {
        let text = match self.repo.show_file(self.commit, path) {
            Ok(Some(text)) => text,
            Ok(None) => {
                return Err(Outcome::blocked(format!(
                    "{path} at {} cannot be read (`git show {}:{path}` failed)",
                    self.tag,
                    git::short(self.commit)
                )))
            }
            Err(err) => return Err(Outcome::blocked(format!("{path} at {}: {err}", self.tag))),
        };
        let to = dir.join(path);
        let written = to
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&to, text));
        written.map_err(|err| scratch_blocked(&err))
    }

    /// The reader's error about the tag's files, as an outcome.
    fn unreadable(&self, err: FactError) -> Outcome {
        match err {
            FactError::Missing { .. } => Outcome::skipped(format!(
                "the project pushes no images: no compose file at {} ({err})",
                self.tag
            )),
            FactError::Invalid { .. } => Outcome::blocked(format!(
                "the compose files at {} cannot be read: {err}",
                self.tag
            )),
        }
    }
}

/// Every file of `commit` below the project directory (git lists them relative to it).
fn tracked(repo: &git::Repo, commit: &str, tag: &str) -> Result<BTreeSet<String>, Outcome> {
    let listed = repo
        .git(&["ls-tree", "-r", "-z", "--name-only", commit])
        .map_err(|err| Outcome::blocked(format!("the files at {tag} cannot be listed: {err}")))?;
    Ok(listed
        .split('\0')
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect())
}

/// `name` as git names a file of the project (`./a//b` is `a/b`); `None` for a path outside it.
fn inside(name: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in Path::new(name).components() {
        match part {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The project directory's name, so that the scratch copy has compose's default project name.
fn dir_name(project: &Path) -> String {
    project
        .canonicalize()
        .ok()
        .and_then(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".to_string())
}

fn link(target: &Path, at: &Path) -> std::io::Result<()> {
    if let Some(parent) = at.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::os::unix::fs::symlink(target, at)
}

fn scratch_blocked(err: &std::io::Error) -> Outcome {
    Outcome::blocked(format!(
        "the tag's compose files cannot be put in a scratch folder: {err}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use runner::Status;
    use testkit::git::TempRepo;

    const BUILT: &str = "services:\n  app:\n    build: .\n    image: ${REGISTRY:-ghcr.io/o}/app\n";

    /// The images of the services at the tag `v1` of `repo` and their source, or the outcome.
    fn images_at(
        repo: &TempRepo,
        shell: &[(&str, &str)],
    ) -> Result<(Vec<String>, String), Outcome> {
        let commit = repo.git(&["rev-parse", "v1^{commit}"]);
        let shell = |name: &str| {
            shell
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        };
        let at = read(
            &git::Repo::new(repo.path()),
            repo.path(),
            &commit,
            "v1",
            &shell,
        )?;
        let images = at.compose.services.iter().filter_map(|s| s.image.clone());
        Ok((images.collect(), at.source))
    }

    /// The outcome `images_at` ends with: its status and reason.
    fn outcome(repo: &TempRepo, shell: &[(&str, &str)]) -> (Status, String) {
        let outcome = images_at(repo, shell).expect_err("an outcome");
        (outcome.status, outcome.reason.unwrap_or_default())
    }

    fn tagged(files: &[(&str, &str)]) -> TempRepo {
        let repo = TempRepo::new();
        for (path, text) in files {
            repo.write(path, text);
        }
        repo.commit_all("release");
        repo.tag("v1");
        repo
    }

    #[test]
    fn the_tags_compose_files_are_read_not_the_work_trees() {
        let repo = tagged(&[
            ("docker-compose.yml", BUILT),
            (
                "docker-compose.override.yml",
                "services:\n  app:\n    image: ghcr.io/o/dev\n",
            ),
        ]);
        repo.write(
            "docker-compose.yml",
            "services:\n  other:\n    image: x/y\n",
        );
        repo.git(&["rm", "--quiet", "docker-compose.override.yml"]);
        repo.commit_all("later");
        // Untracked: not the tag's either.
        repo.write("compose.yaml", "services:\n  extra:\n    image: x/z\n");
        let (images, source) = images_at(&repo, &[]).unwrap();
        assert_eq!(images, ["ghcr.io/o/dev"]);
        assert_eq!(
            source,
            "docker-compose.yml + docker-compose.override.yml at v1"
        );
    }

    #[test]
    fn the_work_trees_env_applies_unless_the_tag_tracks_one_and_the_shell_wins() {
        let repo = tagged(&[("docker-compose.yml", BUILT)]);
        repo.write(".env", "REGISTRY=registry.local:5000/team\n");
        let (images, source) = images_at(&repo, &[]).unwrap();
        assert_eq!(images, ["registry.local:5000/team/app"]);
        assert_eq!(source, "docker-compose.yml at v1 with the work tree's .env");
        let (images, _) = images_at(&repo, &[("REGISTRY", "shell.io/me")]).unwrap();
        assert_eq!(images, ["shell.io/me/app"]);

        let repo = tagged(&[
            ("docker-compose.yml", BUILT),
            (".env", "REGISTRY=tracked.io/t\n"),
        ]);
        repo.write(".env", "REGISTRY=registry.local:5000/team\n");
        let (images, source) = images_at(&repo, &[]).unwrap();
        assert_eq!(images, ["tracked.io/t/app"]);
        assert_eq!(source, "docker-compose.yml + .env at v1");
    }

    #[test]
    fn compose_file_in_the_work_trees_env_names_files_of_the_tag() {
        let repo = tagged(&[
            ("deploy/prod.yml", BUILT),
            (
                "docker-compose.yml",
                "services:\n  dev:\n    image: x/dev\n",
            ),
        ]);
        repo.write(".env", "COMPOSE_FILE=./deploy/prod.yml\n");
        let (images, source) = images_at(&repo, &[]).unwrap();
        assert_eq!(images, ["ghcr.io/o/app"]);
        assert_eq!(source, "deploy/prod.yml at v1 with the work tree's .env");
    }

    #[test]
    fn a_tag_without_compose_files_is_skipped_and_one_that_cannot_be_read_blocked() {
        let repo = tagged(&[("README.md", "no compose\n")]);
        repo.write("docker-compose.yml", BUILT);
        let (status, reason) = outcome(&repo, &[]);
        assert_eq!(status, Status::Skipped, "{reason}");
        assert!(reason.contains("no compose file at v1"), "{reason}");

        let repo = tagged(&[("docker-compose.yml", "- a list, not a mapping\n")]);
        let (status, reason) = outcome(&repo, &[]);
        assert_eq!(status, Status::Blocked, "{reason}");
        assert!(
            reason.contains("the compose files at v1 cannot be read: docker-compose.yml:"),
            "{reason}"
        );

        let repo = tagged(&[("docker-compose.yml", BUILT)]);
        let (status, reason) = outcome(&repo, &[("COMPOSE_ENV_FILES", "prod.env")]);
        assert_eq!(status, Status::Blocked, "{reason}");
        assert!(
            reason.contains("prod.env, named by COMPOSE_ENV_FILES, is neither at v1"),
            "{reason}"
        );
    }

    #[test]
    fn the_files_include_and_extends_name_are_the_tags_and_one_it_lacks_is_blocked() {
        let top = "include: [lib/compose.yaml]\nservices:\n  app:\n    extends: {file: base/app.yml, service: app}\n";
        let lib = "services:\n  db:\n    image: ${DB_IMAGE:-db}:1\n";
        let repo = tagged(&[
            ("docker-compose.yml", top),
            ("lib/compose.yaml", lib),
            ("base/app.yml", BUILT),
        ]);
        repo.write("lib/compose.yaml", "services:\n  db:\n    image: later:2\n");
        repo.write("base/app.yml", "services:\n  app:\n    image: later/app\n");
        repo.commit_all("later");
        // The included project's .env is runtime configuration, as the top one is.
        repo.write("lib/.env", "DB_IMAGE=mirror/db\n");
        let (images, source) = images_at(&repo, &[]).unwrap();
        assert_eq!(images, ["ghcr.io/o/app", "mirror/db:1"]);
        assert_eq!(
            source,
            "docker-compose.yml + lib/compose.yaml + base/app.yml at v1 with the work tree's lib/.env"
        );

        let repo = tagged(&[("docker-compose.yml", top), ("base/app.yml", BUILT)]);
        repo.write("lib/compose.yaml", lib);
        let (status, reason) = outcome(&repo, &[]);
        assert_eq!(status, Status::Blocked, "{reason}");
        assert_eq!(
            reason,
            "the compose files at v1 name a file the tag does not have: lib/compose.yaml: not found (included by docker-compose.yml:1)"
        );
    }

    #[test]
    fn names_inside_the_project_are_normalised_and_others_refused() {
        assert_eq!(inside("./a//b.yml").as_deref(), Some("a/b.yml"));
        assert_eq!(inside(".env").as_deref(), Some(".env"));
        assert_eq!(inside("../x.yml"), None);
        assert_eq!(inside("/etc/x.yml"), None);
    }
}
