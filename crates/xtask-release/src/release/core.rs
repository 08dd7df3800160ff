//! The release core: the public surface other commands (post-release, hotfix, rollback,
//! models) build on. Everything here is re-exported from the layered modules beside it.
//!
//! - **The release** — [`Release`] (version, tag, kind, branch, remote, date, the out dir) and
//!   [`Options`] (notes, gate, GitHub, assets, verify-deploy, `make_latest`).
//! - **Plan/execute** — [`Mode`] is a value threaded through one code path; every side effect
//!   is an [`Action`] recorded through [`Step::act`], which runs it only in [`Mode::Execute`].
//!   An action is typed ([`Op`]: a file write, git args, a [`GithubCall`], an [`OllamaCall`],
//!   a program run, …) and its human line is derived from it. `crate::release::RunFlags`
//!   (`--execute`, `--yes`, `--format`) and `crate::release::plan_then_execute` are the flags
//!   and the plan-then-execute loop every changing command shares; [`Output`] shows the steps.
//! - **Preflight** — [`Problem`] (with the [`Check`] that found it) and building blocks:
//!   [`preflight::run`] for the whole release, or the single checks [`check_repo`],
//!   [`check_in_progress`], [`check_clean_tree`], [`check_branch`], [`check_not_behind`],
//!   [`check_tag_absent`], [`check_version_greater`], then [`prepare`] (edits, gate, GitHub,
//!   the record) for a command with its own branch and version rules.
//! - **A release that follows another** — [`Previous`] on [`Release`] (a hotfix of an older
//!   line): notes from its own commits, its section in version order, its kind measured from it;
//!   a tag on the merge that holds exactly the release commit is recognised ([`Release::tag_commit`]).
//! - **File edits** — [`edits::bump`] computes pyproject.toml/uv.lock, the CHANGELOG section
//!   and the Version History row in memory; [`record::render`] the release record;
//!   [`edits::write_all`] writes them all-or-nothing.
//! - **Git steps** — [`git_steps::files`], [`git_steps::commit`] (exactly the edited files),
//!   [`git_steps::tag`] (annotated), [`git_steps::push`] (one atomic push of what is missing),
//!   [`git_steps::delete_branch`] (a merged branch, remote then local).
//! - **GitHub** — [`github::preflight`] gives a [`github::Target`] (`make_latest` and
//!   `prerelease` settable), [`github::step`] plans and publishes through `xtask-github`.
//! - **Deploy scripts** — [`run_script`] runs one of the project's `scripts/*.sh` in a folder,
//!   logged (verify-deploy in a worktree of the tag; rollback in the project itself).
//! - **The step list** — [`StepId`] and [`RELEASE`]; [`run_steps`] runs a list in a mode,
//!   printing through [`Output`].

// The surface for the commands being built on it: not every item has a caller yet.
#![allow(unused_imports)]

pub use super::edits::{self, Bump, Edit};
pub use super::effect::{Action, ActionKind, GithubCall, Mode, OllamaCall, Op, Status, Step};
pub use super::gate::{self, Evidence};
pub use super::git_steps;
pub use super::github::{self, call_read, Target};
pub use super::preflight::{
    self, check_branch, check_clean_tree, check_in_progress, check_not_behind, check_repo,
    check_tag_absent, check_version_greater, prepare, Checks, Prepared,
};
pub use super::record;
pub use super::report::{print_step, Output};
pub use super::steps::{run as run_steps, StepId, RELEASE};
pub use super::verify::run_script;
pub use super::vocab::{release_title, title_name};
pub use super::vocab::{
    Check, GateChoice, Options, Previous, Problem, Release, ReleaseKind, CHANGELOG, HISTORY_FILES,
    PYPROJECT, UV_LOCK,
};
