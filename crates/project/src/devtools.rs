//! The project's development requirements, for provisioning a virtualenv without uv.

use toml_edit::{Document, Item};

/// `[project].dependencies` plus the `dev` group (`[dependency-groups].dev`, PEP 735) or, when the
/// project has none, the `dev` extra (`[project.optional-dependencies].dev`).
pub fn requirements(pyproject: &str) -> Result<Vec<String>, String> {
    let doc = Document::parse(pyproject).map_err(|err| err.message().to_string())?;
    let strings = |item: Option<&Item>| -> Vec<String> {
        item.and_then(Item::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let project = doc.get("project");
    let mut requirements = strings(project.and_then(|p| p.get("dependencies")));
    let group = strings(doc.get("dependency-groups").and_then(|g| g.get("dev")));
    let extra = strings(
        project
            .and_then(|p| p.get("optional-dependencies"))
            .and_then(|o| o.get("dev")),
    );
    requirements.extend(if group.is_empty() { extra } else { group });
    if requirements.is_empty() {
        return Err("no dependencies and no `dev` dependency group or extra to install".into());
    }
    Ok(requirements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_dev_group_else_the_dev_extra() {
        let both = "[project]\nname='x'\ndependencies=['requests>=2']\n[project.optional-dependencies]\ndev=['pytest']\n[dependency-groups]\ndev=['pytest==9.2.0', {include-group='lint'}]\n";
        assert_eq!(
            requirements(both).unwrap(),
            ["requests>=2", "pytest==9.2.0"]
        );
        let extra =
            "[project]\nname='x'\n[project.optional-dependencies]\ndev=['black==26.10.1']\n";
        assert_eq!(requirements(extra).unwrap(), ["black==26.10.1"]);
        assert!(requirements("[project]\nname='x'\n").is_err());
    }
}
