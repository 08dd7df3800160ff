//! Remotes: `ls-remote` output and GitHub owner/repo from a remote URL.

/// A tag as `git ls-remote --tags` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTag {
    pub name: String,
    /// What `refs/tags/<name>` points at: the tag object for an annotated tag.
    pub object: String,
    /// The commit it peels to (`^{}` line), the same as `object` for a lightweight tag.
    pub commit: String,
}

pub(crate) fn parse_ls_remote_tags(out: &str) -> Vec<RemoteTag> {
    let mut tags: Vec<RemoteTag> = Vec::new();
    for line in out.lines() {
        let Some((oid, refname)) = line.split_once('\t') else {
            continue;
        };
        let Some(name) = refname.strip_prefix("refs/tags/") else {
            continue;
        };
        if let Some(name) = name.strip_suffix("^{}") {
            if let Some(tag) = tags.iter_mut().find(|t| t.name == name) {
                tag.commit = oid.to_string();
            }
            continue;
        }
        tags.push(RemoteTag {
            name: name.to_string(),
            object: oid.to_string(),
            commit: oid.to_string(),
        });
    }
    tags
}

/// `(owner, repo)` from a remote URL: `https://host/owner/repo(.git)`,
/// `ssh://git@host[:port]/owner/repo(.git)`, `git@host:owner/repo(.git)`.
pub fn parse_remote_url(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    let path = if let Some((_, rest)) = url.split_once("://") {
        rest.split_once('/')?.1
    } else {
        // scp-like syntax: [user@]host:path
        let (host, path) = url.split_once(':')?;
        if host.contains('/') {
            return None;
        }
        path
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.rsplit('/');
    let repo = parts.next().filter(|s| !s.is_empty())?;
    let owner = parts.next().filter(|s| !s.is_empty())?;
    Some((owner.to_string(), repo.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls() {
        let want = Some(("tzervas".to_string(), "codemate-hub".to_string()));
        for url in [
            "https://github.com/tzervas/codemate-hub.git",
            "https://github.com/tzervas/codemate-hub",
            "https://user@github.com/tzervas/codemate-hub/",
            "git@github.com:tzervas/codemate-hub.git",
            "ssh://git@github.com/tzervas/codemate-hub.git",
            "ssh://git@ghe.example.com:2222/tzervas/codemate-hub",
        ] {
            assert_eq!(parse_remote_url(url), want, "{url}");
        }
        assert_eq!(parse_remote_url("/tmp/origin.git"), None);
        assert_eq!(parse_remote_url("https://github.com/"), None);
        assert_eq!(parse_remote_url("git@github.com:repo.git"), None);
    }

    #[test]
    fn ls_remote_tags() {
        let out = "aaa\trefs/tags/v0.1.0\nbbb\trefs/tags/v0.1.0^{}\nccc\trefs/tags/light\n";
        let tags = parse_ls_remote_tags(out);
        assert_eq!(
            tags,
            vec![
                RemoteTag {
                    name: "v0.1.0".into(),
                    object: "aaa".into(),
                    commit: "bbb".into()
                },
                RemoteTag {
                    name: "light".into(),
                    object: "ccc".into(),
                    commit: "ccc".into()
                },
            ]
        );
    }
}
