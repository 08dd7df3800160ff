//! `cargo xtask ci`: the workflow files it writes, parsed as YAML (actionlint checks them in
//! .ci/run), its plan, `--execute` and `--check`; and the README's workflow is the one it writes.

use std::path::Path;
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

const SECTIONS: [&str; 5] = [
    "code-quality",
    "functional",
    "models",
    "documentation",
    "security",
];

fn ci(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("ci")
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn written() -> (tempfile::TempDir, Yaml, Yaml, String) {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = ci(dir.path(), &["--execute"]);
    assert_eq!(code, 0, "{out}{err}");
    let read = |name: &str| {
        std::fs::read_to_string(dir.path().join(".github/workflows").join(name)).unwrap()
    };
    let text = read("pre-release.yml");
    let parse = |text: &str| YamlLoader::load_from_str(text).unwrap().remove(0);
    let pre = parse(&text);
    let release = parse(&read("release.yml"));
    (dir, pre, release, text)
}

fn steps(job: &Yaml) -> &Vec<Yaml> {
    job["steps"].as_vec().expect("steps")
}

fn runs(job: &Yaml) -> String {
    steps(job)
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn pre_release_runs_each_section_and_a_verdict_that_expects_them_all() {
    let (_dir, pre, _, _) = written();
    assert!(!pre["on"]["pull_request"].is_badvalue(), "{pre:?}");
    assert!(!pre["on"]["push"].is_badvalue());
    let check = &pre["jobs"]["check"];
    assert_eq!(check["runs-on"].as_str(), Some("ubuntu-latest"));
    assert_eq!(check["strategy"]["fail-fast"].as_bool(), Some(false));
    let matrix: Vec<&str> = check["strategy"]["matrix"]["section"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(matrix, SECTIONS);
    let first = &steps(check)[0];
    assert_eq!(first["uses"].as_str(), Some("actions/checkout@v4"));
    assert!(steps(check)
        .iter()
        .any(|s| s["uses"].as_str() == Some("actions/cache@v4")));
    assert!(runs(check).contains("cargo xtask pre-release --section \"$SECTION\""));
    let upload = steps(check)
        .iter()
        .find(|s| s["uses"].as_str() == Some("actions/upload-artifact@v4"))
        .expect("an upload step");
    assert_eq!(upload["if"].as_str(), Some("always()"));

    let verdict = &pre["jobs"]["verdict"];
    assert_eq!(verdict["needs"].as_str(), Some("check"));
    assert_eq!(verdict["if"].as_str(), Some("always()"));
    assert_eq!(verdict["runs-on"].as_str(), Some("ubuntu-latest"));
    assert!(steps(verdict)
        .iter()
        .any(|s| s["uses"].as_str() == Some("actions/download-artifact@v4")));
    assert!(
        runs(verdict).contains(&format!("merge-reports --expect {}", SECTIONS.join(","))),
        "{}",
        runs(verdict)
    );
}

#[test]
fn release_is_dispatched_with_a_version_and_may_write_contents() {
    let (_dir, _, release, _) = written();
    let input = &release["on"]["workflow_dispatch"]["inputs"]["version"];
    assert_eq!(input["required"].as_bool(), Some(true));
    assert_eq!(release["permissions"]["contents"].as_str(), Some("write"));
    let job = &release["jobs"]["release"];
    assert_eq!(job["runs-on"].as_str(), Some("ubuntu-latest"));
    let run = runs(job);
    assert!(run.contains("cargo xtask pre-release --version"), "{run}");
    assert!(run.contains("--execute --yes --gate-report"), "{run}");
    let step = steps(job)
        .iter()
        .find(|s| s["id"].as_str() == Some("release"))
        .unwrap();
    assert_eq!(
        step["env"]["GITHUB_TOKEN"].as_str(),
        Some("${{ secrets.GITHUB_TOKEN }}")
    );
    for output in ["tag", "commit", "release_url", "assets"] {
        assert!(
            job["outputs"][output].as_str().is_some(),
            "no output {output}"
        );
    }
}

#[test]
fn plans_first_and_check_fails_when_stale() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = ci(dir.path(), &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains("would create .github/workflows/pre-release.yml"),
        "{out}"
    );
    assert!(!dir.path().join(".github").exists(), "the plan wrote files");

    let (code, _, err) = ci(dir.path(), &["--check"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(".github/workflows/release.yml is missing"),
        "{err}"
    );

    assert_eq!(ci(dir.path(), &["--execute"]).0, 0);
    let (code, out, err) = ci(dir.path(), &["--check"]);
    assert_eq!(code, 0, "{out}{err}");

    let path = dir.path().join(".github/workflows/pre-release.yml");
    let edited = std::fs::read_to_string(&path)
        .unwrap()
        .replace("fail-fast: false", "fail-fast: true");
    std::fs::write(&path, edited).unwrap();
    let (code, _, err) = ci(dir.path(), &["--check"]);
    assert_eq!(code, 1);
    assert!(err.contains("pre-release.yml is stale"), "{err}");
    assert!(!err.contains("release.yml is stale;"), "{err}");
}

#[test]
fn the_readme_shows_the_workflow_ci_writes() {
    let (_dir, _, _, text) = written();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let block = readme
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a yaml block in README.md");
    assert_eq!(
        block, text,
        "README.md's workflow is not the one `ci` writes"
    );
}
