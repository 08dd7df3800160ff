//! The "Monitoring" and "Communication" subsections: things only a person can do or judge.
//! Each is `manual`, never ticked by the machine; `--sign-off ID` records who confirmed it and
//! when. "Thank contributors" gets help: the commit authors since the previous release, one per
//! email address.

use runner::Outcome;

use super::facts::Facts;
use super::{How, Item, Section};

const fn item(id: &'static str, section: Section, title: &'static str, what: &'static str) -> Item {
    Item {
        id,
        section,
        title,
        how: How::Manual(what, None),
    }
}

pub const MONITORING: &[Item] = &[
    item(
        "monitor-issues",
        Section::Monitoring,
        "Monitor GitHub issues for bug reports",
        "watch new issues for reports against this version",
    ),
    item(
        "monitor-logs",
        Section::Monitoring,
        "Monitor deployment logs for errors",
        "read the deployment logs (`docker compose logs`) for errors",
    ),
    item(
        "production-health",
        Section::Monitoring,
        "Check service health on production instances",
        "run ./scripts/check-health.sh against production",
    ),
    item(
        "grafana",
        Section::Monitoring,
        "Verify metrics in Grafana (if observability enabled)",
        "look at the dashboards, if the deployment has observability",
    ),
    item(
        "model-performance",
        Section::Monitoring,
        "Review model inference performance",
        "compare inference latency and quality with the previous release",
    ),
];

pub const COMMUNICATION: &[Item] = &[
    item(
        "announce",
        Section::Communication,
        "Announce release in project channels",
        "announce the release with a link to its GitHub page",
    ),
    item(
        "project-board",
        Section::Communication,
        "Update project board/tracker status",
        "move the released items to done",
    ),
    item(
        "close-issues",
        Section::Communication,
        "Close completed issues and milestones",
        "close the issues this release fixed (the milestone is `milestone-closed`)",
    ),
    Item {
        id: "thank-contributors",
        section: Section::Communication,
        title: "Thank contributors",
        how: How::Manual("thank the people who contributed", Some(contributors)),
    },
];

/// A manual item: signed off now (who and when), or what a person has to do.
pub fn manual(f: &Facts, id: &str, what: &str, extra: Option<fn(&Facts) -> String>) -> Outcome {
    let mut reason = what.to_string();
    if let Some(extra) = extra {
        reason.push_str(&extra(f));
    }
    match f.opts.sign_offs.iter().find(|s| s.id == id) {
        Some(signed) => Outcome::manual(format!(
            "signed off by {} at {}; {reason}",
            signed.by, signed.at
        )),
        None => Outcome::manual(format!("{reason}; then --sign-off {id}")),
    }
}

/// `: A <a@x>, B <b@x> (N commits since vP)`: the authors of `vP..vX.Y.Z`, first appearance
/// first, one per email.
fn contributors(f: &Facts) -> String {
    let end = match f.tag_commit() {
        Some(commit) => commit.to_string(),
        None => return String::new(),
    };
    let previous =
        f.r.repo
            .release_tags()
            .unwrap_or_default()
            .into_iter()
            .find(|(version, _)| *version < f.r.version && version.pre.is_empty());
    let range = match &previous {
        Some((_, tag)) => format!("{tag}..{end}"),
        None => end,
    };
    let Ok(log) =
        f.r.repo
            .git(&["log", "--reverse", "--format=%aN <%aE>", &range])
    else {
        return String::new();
    };
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for line in log.lines() {
        let email = line.rsplit_once('<').map_or(line, |(_, email)| email);
        if !seen
            .iter()
            .any(|(known, _)| known.eq_ignore_ascii_case(email))
        {
            seen.push((email, line));
        }
    }
    let since = previous.map_or_else(|| "the first commit".into(), |(_, tag)| tag);
    let names: Vec<&str> = seen.iter().map(|(_, line)| *line).collect();
    format!(
        ": {} ({} commit(s) since {since})",
        names.join(", "),
        log.lines().count()
    )
}
