use std::collections::BTreeMap;

use super::*;

#[test]
fn defaults_reproduce_the_seed_sections_in_order() {
    let checklist = Checklist::defaults();
    let sections: Vec<Section> = checklist.checks().iter().map(|c| c.section).collect();
    let mut sorted = sections.clone();
    sorted.sort();
    assert_eq!(sections, sorted, "checks are grouped in checklist order");
    for section in Section::ALL {
        assert!(sections.contains(&section), "{section} has checks");
    }
    let unit = checklist.get("unit-tests").unwrap();
    assert_eq!(unit.kind, Kind::Command);
    assert!(unit
        .command
        .as_deref()
        .unwrap()
        .contains("--ignore=tests/integration/"));
    assert_eq!(
        checklist.get("services-healthy").unwrap().timeout,
        Duration::from_secs(120)
    );
    assert_eq!(
        checklist.get("pipeline").unwrap().deps,
        ["services-healthy"]
    );
    assert!(checklist
        .checks()
        .iter()
        .filter(|c| c.kind == Kind::Manual)
        .all(|c| c.reason.is_some()));
}

fn apply(text: &str) -> Result<Checklist, ConfigError> {
    Checklist::defaults().apply_overrides(text, "release-checks.toml")
}

#[test]
fn overrides_change_disable_and_add() {
    let checklist = apply(
        r#"
[checks.unit-tests]
command = "pytest -q"
timeout = "10m"

[checks.image-scan]
enabled = false

[checks.mypy]
section = "code-quality"
title = "Types check"
command = "mypy src"
deps = ["unit-tests"]
"#,
    )
    .unwrap();
    let unit = checklist.get("unit-tests").unwrap();
    assert_eq!(unit.command.as_deref(), Some("pytest -q"));
    assert_eq!(unit.timeout, Duration::from_secs(600));
    assert!(!checklist.get("image-scan").unwrap().enabled);
    let mypy = checklist.get("mypy").unwrap();
    assert_eq!(
        (mypy.section, mypy.kind),
        (Section::CodeQuality, Kind::Command)
    );
    assert_eq!(mypy.deps, ["unit-tests"]);
}

#[test]
fn bad_override_files_name_file_line_and_fix() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "[checks.unit-tests]\ncomand = \"x\"\n",
            2,
            "unknown key `comand`",
        ),
        (
            "[checks.unit-tests]\ntimeout = true\n",
            2,
            "`timeout` must be",
        ),
        (
            "[checks.unit-tests]\ntimeout = \"5 minutes\"\n",
            2,
            "`timeout` must be",
        ),
        (
            "[checks.unit-tests]\ndeps = \"build\"\n",
            2,
            "`deps` must be an array",
        ),
        (
            "[checks.secrets]\ncommand = \"gitleaks detect\"\n",
            2,
            "is a native check",
        ),
        (
            "\n[checks.unit-test]\ncommand = \"pytest\"\n",
            2,
            "has no `section`",
        ),
        (
            "[checks.mine]\nsection = \"qa\"\ntitle = \"t\"\ncommand = \"c\"\n",
            2,
            "unknown section `qa`",
        ),
        ("[chekcs.unit-tests]\n", 1, "unknown key `chekcs`"),
        ("[checks.unit-tests\n", 1, ""),
        // `[post-release]`: the settings of `cargo xtask post-release`.
        (
            "[post-release]\ndocs-url = \"https://x/\"\n",
            2,
            "unknown key `docs-url`",
        ),
        (
            "# docs\n[post-release]\n\ndocs_url = \"docs.example.org/{version}\"\n",
            4,
            "must be an http:// or https:// URL",
        ),
        (
            "[post-release]\ndocs_url = \"https://x/{tag}/\"\n",
            2,
            "`{tag}`, which is not a placeholder",
        ),
        (
            "[post-release]\ndocs_url = 3\n",
            2,
            "`docs_url` must be a string",
        ),
        (
            "[post-release]\nmilestone = \"next\"\n",
            2,
            "has no `{version}`",
        ),
        ("[post-release]\nmilestone = \"\"\n", 2, "is empty"),
        ("post-release = 1\n", 1, "`post-release` must be a table"),
    ];
    for (text, line, message) in cases {
        let err = apply(text).unwrap_err();
        assert_eq!(err.line, Some(*line), "{text:?}: {err}");
        assert!(err.message.contains(message), "{text:?}: {err}");
        assert!(!err.hint.is_empty(), "{text:?} has a hint");
        assert!(err
            .to_string()
            .starts_with(&format!("release-checks.toml:{line}: ")));
    }
}

#[test]
fn unknown_dependencies_and_cycles_are_rejected() {
    let err = apply("[checks.build]\ndeps = [\"nope\"]\n").unwrap_err();
    assert!(err.message.contains("unknown check `nope`"), "{err}");

    let err = apply("[checks.build]\ndeps = [\"pipeline\"]\n").unwrap_err();
    assert!(err.message.contains("dependency cycle"), "{err}");
    assert!(
        err.message.contains("build -> deploy") || err.message.contains("pipeline"),
        "{err}"
    );
}

#[test]
fn expand_fills_known_placeholders_and_keeps_shell_braces() {
    let vars = BTreeMap::from([
        ("py", Ok("uv run ".to_string())),
        (
            "app_container",
            Err("docker-compose.yml has no service with a container_name".to_string()),
        ),
    ]);
    assert_eq!(
        expand("{py}pytest -k '{x,y}' ${HOME}", &vars).unwrap(),
        "uv run pytest -k '{x,y}' ${HOME}"
    );
    let err = expand("docker exec {app_container} true", &vars).unwrap_err();
    assert_eq!(err.name, "app_container");
    assert!(expand("{nope} x", &vars)
        .unwrap_err()
        .why
        .contains("not a known placeholder"));
}

#[test]
fn coverage_names_every_seed_item() {
    let seed = "## Pre-Release Checklist\n### Code Quality\n- [ ] All unit tests pass locally: `pytest`\n\
                - [ ] Access controls reviewed\n## Post-Release Checklist\n- [ ] Thank contributors\n";
    let table = coverage_markdown(seed, &Checklist::defaults()).unwrap();
    assert!(
        table.contains("| 3 | All unit tests pass locally: `pytest` | `unit-tests` (`{py}pytest"),
        "{table}"
    );
    assert!(
        table.contains("| 4 | Access controls reviewed | manual `access-controls`"),
        "{table}"
    );
    assert!(
        table.contains("| 6 | Thank contributors | manual `thank-contributors`"),
        "{table}"
    );

    let err = coverage_markdown(
        "## Pre-Release Checklist\n- [ ] Something new\n",
        &Checklist::defaults(),
    )
    .unwrap_err();
    assert_eq!(err.0, ["line 2: Something new"]);
}

#[test]
fn coverage_headings_inside_code_fences_are_not_sections() {
    let seed = "## Release Process\n### 3. Update CHANGELOG.md\n```markdown\n## Version X.Y.Z - YYYY-MM-DD\n```\n\
                ### 4. Commit Release Changes\n";
    let table = coverage_markdown(seed, &Checklist::defaults()).unwrap();
    assert!(!table.contains("\n## Version X.Y.Z"), "{table}");
    assert!(
        table.contains("## Release Process\n\n| Line | Item | Covered by |\n|---|---|---|\n| 2 | 3. Update CHANGELOG.md |"),
        "{table}"
    );
    assert!(
        table.contains("| 6 | 4. Commit Release Changes |"),
        "{table}"
    );
}

#[test]
fn a_check_takes_its_own_options_and_no_other_check_does() {
    let checklist =
        apply("[checks.env-not-tracked]\nallow_env_files = [\".env.ci\", \"deploy/.env.test\"]\n")
            .unwrap();
    let check = checklist.get("env-not-tracked").unwrap();
    assert_eq!(
        check.options.get("allow_env_files").unwrap(),
        &[".env.ci", "deploy/.env.test"]
    );
    assert!(checklist.get("secrets").unwrap().options.is_empty());

    let err = apply("[checks.secrets]\nallow_env_files = [\".env.ci\"]\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "release-checks.toml:2: unknown key `allow_env_files`"
    );
    assert!(!err.hint.contains("allow_env_files"), "{}", err.hint);
    let err = apply("[checks.env-not-tracked]\nallow_env_files = \".env.ci\"\n").unwrap_err();
    assert_eq!(err.line, Some(2));
    assert!(err.message.contains("must be an array of strings"), "{err}");
}

#[test]
fn post_release_settings_are_read_with_where_they_were_written() {
    let checklist = apply(
        "[checks.unit-tests]\ntimeout = 5\n\n[post-release]\ndocs_url = \"https://docs.example.org/{version}/\"\nmilestone = \"Release {version}\"\n",
    )
    .unwrap();
    let settings = checklist.post_release();
    let url = settings.docs_url.as_ref().unwrap();
    assert_eq!(url.fill(&"0.5.0"), "https://docs.example.org/0.5.0/");
    assert_eq!(url.at, "release-checks.toml:5");
    let milestone = settings.milestone.as_ref().unwrap();
    assert_eq!(milestone.fill(&"0.6.0"), "Release 0.6.0");
    assert_eq!(
        checklist.get("unit-tests").unwrap().timeout,
        Duration::from_secs(5),
        "the checks are still read"
    );
    assert_eq!(apply("").unwrap().post_release(), &PostRelease::default());
}

#[test]
fn an_unknown_post_release_key_names_the_keys_it_takes() {
    let err = apply("[post-release]\nmilestones = \"v{version}\"\n").unwrap_err();
    assert!(err.hint.contains("docs_url, milestone"), "{}", err.hint);
}
