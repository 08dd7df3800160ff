//! The git queries an archive needs: the commit, its tree, export attributes, single files.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use xshell::{cmd, Cmd, Shell};

use crate::ArchiveError;

pub struct Repo {
    sh: Shell,
    dir: PathBuf,
    /// Where `dir` sits below the top of the work tree (`""` or `"sub/dir/"`): like `git archive`,
    /// a project in a subdirectory archives that subdirectory.
    prefix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File { executable: bool },
    Symlink,
    Submodule,
}

pub struct Commit {
    pub id: String,
    /// Committer time, seconds since the epoch.
    pub time: u64,
    /// Committer time, ISO 8601 as git prints it.
    pub date: String,
}

/// One path of the archived tree, relative to the project directory.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub kind: EntryKind,
    pub oid: String,
}

/// What `.gitattributes` at the commit says about a path.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExportAttrs {
    pub ignore: bool,
    pub subst: bool,
}

/// `git ls-tree` at work: see [`Repo::list_tree`].
pub struct TreeListing {
    child: Child,
    command: String,
}

/// A scratch index being filled with a commit's tree: see [`Repo::attr_index`]. It owns its
/// shell, so that [`AttrIndex::export_attrs`] can run on another thread.
pub struct AttrIndex {
    /// `git read-tree`, until [`AttrIndex::export_attrs`] waits for it.
    child: Option<Child>,
    command: String,
    path: PathBuf,
    sh: Shell,
    dir: PathBuf,
    _scratch: scratch::TempDir,
}

impl AttrIndex {
    /// `export-ignore` and `export-subst` for each path (relative to the project directory, as
    /// git takes paths relative to the cwd), read from the `.gitattributes` at the commit of
    /// `index` as `git archive` does. Directories are asked about with a trailing `/`, which is
    /// how `git archive` asks, so `dir/ export-ignore` matches.
    pub fn export_attrs(
        mut self,
        paths: &[impl AsRef<str>],
    ) -> Result<Vec<ExportAttrs>, ArchiveError> {
        let dir = &self.dir;
        let mut stdin = Vec::new();
        for path in paths {
            stdin.extend_from_slice(path.as_ref().as_bytes());
            stdin.push(0);
        }
        // The commit's tree in a scratch index, read with `--cached`: the same attributes as
        // `--source=<commit>`, which re-reads tree objects for every directory (10x slower).
        let read_tree = self.child.take().expect("an index is used once");
        finished(dir, &self.command, read_tree)?;
        let index = &self.path;
        let out = bytes(
            dir,
            cmd!(
                self.sh,
                "git -C {dir} check-attr --cached -z --stdin export-ignore export-subst"
            )
            .env("GIT_INDEX_FILE", index)
            .stdin(stdin),
        )?;
        let fields: Vec<&[u8]> = out.split(|&b| b == 0).collect();
        let mut attrs = vec![ExportAttrs::default(); paths.len()];
        // Output: `path NUL attribute NUL value NUL`, two attributes per path, in input order.
        for (index, record) in fields
            .chunks(3)
            .filter(|record| record.len() == 3)
            .enumerate()
        {
            let set = record[2] == b"set";
            let attr = &mut attrs[index / 2];
            match record[1] {
                b"export-ignore" => attr.ignore = set,
                b"export-subst" => attr.subst = set,
                _ => {}
            }
        }
        Ok(attrs)
    }
}

impl Drop for AttrIndex {
    /// On an early return, stop git before the scratch directory goes.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `git show` of a revision's commit id and committer time, in seconds and ISO 8601.
fn show_commit(dir: &Path, rev: &str) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args([
            "show",
            "--no-patch",
            "--no-show-signature",
            "--format=%H%n%ct%n%cI",
            "--end-of-options",
        ])
        .arg(format!("{rev}^{{commit}}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

impl Repo {
    pub fn open(dir: &Path) -> Result<Repo, ArchiveError> {
        let not_a_repo = || ArchiveError::NotARepo {
            dir: dir.to_path_buf(),
        };
        let sh = Shell::new().map_err(|_| not_a_repo())?;
        let out = cmd!(
            sh,
            "git -C {dir} rev-parse --is-inside-work-tree --show-prefix"
        )
        .quiet()
        .ignore_stderr()
        .read()
        .map_err(|_| not_a_repo())?;
        let mut lines = out.lines();
        if lines.next() != Some("true") {
            return Err(not_a_repo());
        }
        let prefix = lines.next().unwrap_or("").to_string();
        Ok(Repo {
            sh,
            dir: dir.to_path_buf(),
            prefix,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the project directory is the top of the work tree (no `.gitattributes` above it).
    pub fn is_top(&self) -> bool {
        self.prefix.is_empty()
    }

    /// [`Repo::open`] and [`Repo::commit`] with the two git processes running side by side.
    pub fn open_at(dir: &Path, rev: &str) -> Result<(Repo, Commit), ArchiveError> {
        let show = show_commit(dir, rev).spawn();
        let repo = Repo::open(dir);
        let out = show.and_then(Child::wait_with_output);
        let repo = repo?;
        let commit = repo.parse_commit(rev, out)?;
        Ok((repo, commit))
    }

    /// The commit a revision names, with its committer time.
    pub fn commit(&self, rev: &str) -> Result<Commit, ArchiveError> {
        let out = show_commit(&self.dir, rev).output();
        self.parse_commit(rev, out)
    }

    /// The output of [`show_commit`].
    fn parse_commit(
        &self,
        rev: &str,
        out: std::io::Result<Output>,
    ) -> Result<Commit, ArchiveError> {
        let unknown = || ArchiveError::UnknownRev {
            rev: rev.to_string(),
            dir: self.dir.clone(),
        };
        let out = match out {
            Ok(out) if out.status.success() => out.stdout,
            _ => return Err(unknown()),
        };
        let out = String::from_utf8(out).map_err(|_| unknown())?;
        let out = out.trim_end();
        let mut lines = out.lines();
        match (
            lines.next(),
            lines.next().and_then(|time| time.parse().ok()),
            lines.next(),
        ) {
            (Some(id), Some(time), Some(date)) => Ok(Commit {
                id: id.to_string(),
                time,
                date: date.to_string(),
            }),
            _ => Err(self.error(
                "git show --format=%H%n%ct%n%cI",
                format!("unexpected output {out:?}"),
            )),
        }
    }

    /// The commit a tag names, or `None` when `rev` is not a tag.
    pub fn tag_commit(&self, rev: &str) -> Option<String> {
        let dir = &self.dir;
        let spec = format!("refs/tags/{rev}^{{commit}}");
        cmd!(self.sh, "git -C {dir} rev-parse --verify --quiet {spec}")
            .quiet()
            .ignore_stderr()
            .read()
            .ok()
    }

    /// Starts `git ls-tree` of the tree at `commit`; [`Repo::tree`] reads its answer, so the
    /// caller can start other git work meanwhile.
    pub fn list_tree(&self, commit: &str) -> Result<TreeListing, ArchiveError> {
        let tree = format!("{commit}:{}", self.prefix);
        let command = format!(
            "git -C {} ls-tree -r -z --full-tree {tree}",
            self.dir.display()
        );
        // `--full-tree`: the tree is already the project's; do not filter it by the cwd again.
        let child = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(["ls-tree", "-r", "-z", "--full-tree", &tree])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| self.error(&command, err))?;
        Ok(TreeListing { child, command })
    }

    /// Every path of the tree [`Repo::list_tree`] lists, in git's tree order.
    pub fn tree(&self, listing: TreeListing, commit: &str) -> Result<Vec<Entry>, ArchiveError> {
        let TreeListing { child, command } = listing;
        finished(&self.dir, &command, child)?
            .split(|&b| b == 0)
            .filter(|record| !record.is_empty())
            .map(|record| self.parse_entry(record, commit))
            .collect()
    }

    /// `<mode> SP <type> SP <oid> TAB <path>`.
    fn parse_entry(&self, record: &[u8], commit: &str) -> Result<Entry, ArchiveError> {
        let malformed = || {
            self.error(
                "git ls-tree",
                format!("unexpected record {:?}", String::from_utf8_lossy(record)),
            )
        };
        let tab = record
            .iter()
            .position(|&b| b == b'\t')
            .ok_or_else(malformed)?;
        let meta = std::str::from_utf8(&record[..tab]).map_err(|_| malformed())?;
        let path = String::from_utf8(record[tab + 1..].to_vec()).map_err(|_| {
            ArchiveError::UnrepresentablePath {
                commit: commit.to_string(),
                path: String::from_utf8_lossy(&record[tab + 1..]).into_owned(),
                why: "the path is not UTF-8, and pax tar headers store UTF-8".into(),
            }
        })?;
        let mut fields = meta.split(' ');
        let (Some(mode), Some(_type), Some(oid)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(malformed());
        };
        let kind = match mode {
            "120000" => EntryKind::Symlink,
            "160000" => EntryKind::Submodule,
            mode => EntryKind::File {
                executable: u32::from_str_radix(mode, 8).map_err(|_| malformed())? & 0o100 != 0,
            },
        };
        Ok(Entry {
            path,
            kind,
            oid: oid.to_string(),
        })
    }

    /// Starts reading the tree of `commit` into a scratch index (`git read-tree`), for
    /// [`AttrIndex::export_attrs`]; git works while the caller lists the tree.
    pub fn attr_index(&self, commit: &str) -> Result<AttrIndex, ArchiveError> {
        let scratch =
            scratch::TempDir::new().map_err(|err| self.error("creating a scratch index", err))?;
        let path = scratch.path().join("index");
        let command = format!("git -C {} read-tree {commit}", self.dir.display());
        let child = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(["read-tree", commit])
            .env("GIT_INDEX_FILE", &path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| self.error(&command, err))?;
        let sh = Shell::new().map_err(|err| self.error("starting a shell", err))?;
        Ok(AttrIndex {
            child: Some(child),
            command,
            path,
            sh,
            dir: self.dir.clone(),
            _scratch: scratch,
        })
    }

    /// The content of a blob.
    pub fn blob(&self, oid: &str) -> Result<Vec<u8>, ArchiveError> {
        let dir = &self.dir;
        bytes(dir, cmd!(self.sh, "git -C {dir} cat-file blob {oid}"))
    }

    /// `<commit>:<path>`, with `path` relative to the project directory.
    pub fn object_name(&self, commit: &str, path: &str) -> String {
        format!("{commit}:{}{path}", self.prefix)
    }

    fn error(&self, command: &str, message: impl ToString) -> ArchiveError {
        git_error(&self.dir, command, message)
    }
}

/// The stdout of a started git command that must succeed (its stderr piped, for the error).
fn finished(dir: &Path, command: &str, child: Child) -> Result<Vec<u8>, ArchiveError> {
    let out = child
        .wait_with_output()
        .map_err(|err| git_error(dir, command, err))?;
    if !out.status.success() {
        return Err(git_error(
            dir,
            command,
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    Ok(out.stdout)
}

/// The stdout of a git command that must succeed.
fn bytes(dir: &Path, cmd: Cmd<'_>) -> Result<Vec<u8>, ArchiveError> {
    let command = cmd.to_string();
    let out = cmd
        .quiet()
        .ignore_status()
        .output()
        .map_err(|err| git_error(dir, &command, err))?;
    if !out.status.success() {
        return Err(git_error(
            dir,
            &command,
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    Ok(out.stdout)
}

fn git_error(dir: &Path, command: &str, message: impl ToString) -> ArchiveError {
    ArchiveError::Git {
        command: command.to_string(),
        dir: dir.to_path_buf(),
        message: message.to_string(),
    }
}
