//! `include:` and `extends:` (see `extend.rs`).

use super::*;

/// `(path, text)` of the project's files; paths may have directories.
type Files<'a> = &'a [(&'a str, &'a str)];

fn project(files: Files) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("inc").tempdir().unwrap();
    for (path, text) in files {
        let to = dir.path().join(path);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, text).unwrap();
    }
    dir
}

fn try_load(files: Files, shell: &[(&str, &str)]) -> Result<Compose, FactError> {
    let dir = project(files);
    let shell: BTreeMap<String, String> = shell
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Compose::load_with(dir.path(), &|name| shell.get(name).cloned())
}

/// What a service reads as: image, published host ports, container_name, environment, profiles.
#[derive(Debug, PartialEq)]
struct Seen {
    image: Option<String>,
    ports: Vec<u16>,
    container_name: Option<String>,
    environment: Vec<String>,
    profiles: Vec<String>,
}

fn seen(compose: &Compose, name: &str) -> Seen {
    let service = compose
        .services
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no service {name}: {:?}", compose.services));
    Seen {
        image: service.image.clone(),
        ports: service.ports.iter().filter_map(Port::host).collect(),
        container_name: service.container_name.clone(),
        environment: service
            .environment
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_deref().unwrap_or("~")))
            .collect(),
        profiles: service.profiles.clone(),
    }
}

fn expect(image: &str, ports: &[u16], name: Option<&str>, env: &[&str], profiles: &[&str]) -> Seen {
    Seen {
        image: Some(image.to_string()),
        ports: ports.to_vec(),
        container_name: name.map(str::to_string),
        environment: env.iter().map(|e| e.to_string()).collect(),
        profiles: profiles.iter().map(|p| p.to_string()).collect(),
    }
}

const BASE: &str = "  base:\n    image: base:1\n    container_name: base\n    ports: [\"80:80\"]\n    environment:\n      A: \"1\"\n      B: \"2\"\n    profiles: [dev]\n";

#[test]
fn extends_merges_the_local_definition_over_the_base() {
    let in_file = format!(
        "services:\n{BASE}  web:\n    extends: {{service: base}}\n    container_name: web\n    ports: [\"80:80\", \"443:443\"]\n    environment: [B=3, C=4]\n    profiles: [web]\n"
    );
    let string_form = format!("services:\n{BASE}  web:\n    extends: base\n    image: web:2\n");
    let chained = format!(
        "services:\n{BASE}  mid:\n    extends: base\n    image: mid:1\n  web:\n    extends: mid\n    ports: [\"8080:80\"]\n"
    );
    let other_file = "services:\n  web:\n    extends:\n      file: common/web.yml\n      service: web\n    image: local:1\n";
    let common = "services:\n  web:\n    extends: {file: ../shared/root.yml, service: root}\n    ports: [\"81:81\"]\n    environment: {FROM: common}\n";
    let root = "services:\n  root:\n    image: root:${ROOT_TAG:-1}\n    container_name: root\n    ports: [\"80:80\"]\n";
    /// (files, what web reads as, what the case shows)
    type Case<'a> = (Vec<(&'a str, &'a str)>, Seen, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("compose.yaml", &in_file)],
            expect(
                "base:1",
                &[80, 443],
                Some("web"),
                &["A=1", "B=3", "C=4"],
                &["dev", "web"],
            ),
            "in the file: scalars replaced, ports appended without duplicates, environment by key, profiles appended",
        ),
        (
            vec![("compose.yaml", &string_form)],
            expect("web:2", &[80], Some("base"), &["A=1", "B=2"], &["dev"]),
            "`extends: NAME`, image overridden",
        ),
        (
            vec![("compose.yaml", &chained)],
            expect("mid:1", &[80, 8080], Some("base"), &["A=1", "B=2"], &["dev"]),
            "extends of extends",
        ),
        (
            vec![
                ("compose.yaml", other_file),
                ("common/web.yml", common),
                ("shared/root.yml", root),
            ],
            expect("local:1", &[80, 81], Some("root"), &["FROM=common"], &[]),
            "another file, whose own `file:` is relative to it",
        ),
    ];
    for (files, want, what) in cases {
        let compose = try_load(&files, &[]).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(seen(&compose, "web"), want, "{what}");
        let web = compose.services.iter().find(|s| s.name == "web").unwrap();
        assert_eq!(
            web.file, "compose.yaml",
            "{what}: declared where it is written"
        );
    }
    let compose = try_load(
        &[
            ("compose.yaml", other_file),
            ("common/web.yml", common),
            ("shared/root.yml", root),
        ],
        &[("ROOT_TAG", "9")],
    )
    .unwrap();
    assert_eq!(compose.included, ["common/web.yml", "shared/root.yml"]);
    assert_eq!(compose.files, ["compose.yaml"]);
    assert_eq!(
        compose.service("web").unwrap().image.as_deref(),
        Some("local:1")
    );
    assert_eq!(
        compose.services.len(),
        1,
        "a base file's services are not the project's"
    );
}

#[test]
fn include_adds_each_projects_services_with_its_own_env() {
    let sub =
        "services:\n  db:\n    image: db:${DB_TAG:-dflt}\n    ports: [\"${DB_PORT:-5432}:5432\"]\n";
    let short = "include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: web\n";
    let long = "include:\n  - path: [sub/compose.yaml, sub/more.yml]\n    project_directory: sub\n    env_file: conf/db.env\nservices:\n  web:\n    image: web\n";
    let more = "services:\n  db:\n    container_name: the-db\n";
    /// (files, shell, db's image, db's port, db's container_name, what the case shows)
    type Case<'a> = (
        Vec<(&'a str, &'a str)>,
        Vec<(&'a str, &'a str)>,
        &'a str,
        u16,
        Option<&'a str>,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            vec![("compose.yaml", short), ("sub/compose.yaml", sub)],
            vec![],
            "db:dflt",
            5432,
            None,
            "short form, no env",
        ),
        (
            vec![
                ("compose.yaml", short),
                ("sub/compose.yaml", sub),
                ("sub/.env", "DB_TAG=sub\nDB_PORT=6000\n"),
            ],
            vec![],
            "db:sub",
            6000,
            None,
            "the included project's own .env",
        ),
        (
            vec![
                ("compose.yaml", short),
                ("sub/compose.yaml", sub),
                ("sub/.env", "DB_TAG=sub\nDB_PORT=6000\n"),
                (".env", "DB_TAG=top\n"),
            ],
            vec![("DB_PORT", "7000")],
            "db:top",
            7000,
            None,
            "the including project's .env and the shell win",
        ),
        (
            vec![
                ("compose.yaml", long),
                ("sub/compose.yaml", sub),
                ("sub/more.yml", more),
                ("sub/.env", "DB_TAG=sub\n"),
                ("conf/db.env", "DB_TAG=named\n"),
            ],
            vec![],
            "db:named",
            5432,
            Some("the-db"),
            "long form: paths merged, env_file named instead of .env",
        ),
    ];
    for (files, shell, image, port, name, what) in cases {
        let compose = try_load(&files, &shell).unwrap_or_else(|e| panic!("{what}: {e}"));
        let db = compose.service("db").unwrap_or_else(|| panic!("{what}"));
        assert_eq!(db.image.as_deref(), Some(image), "{what}");
        assert_eq!(db.host_port(5432), Some(port), "{what}");
        assert_eq!(db.container_name.as_deref(), name, "{what}");
        assert_eq!(db.file, "sub/compose.yaml", "{what}");
        assert!(compose.service("web").is_some(), "{what}");
        assert!(
            compose.findings.is_empty(),
            "{what}: {:?}",
            compose.findings
        );
    }
    let compose = try_load(
        &[
            ("compose.yaml", short),
            ("sub/compose.yaml", sub),
            ("sub/.env", "DB_TAG=sub\n"),
        ],
        &[],
    )
    .unwrap();
    assert_eq!(compose.included, ["sub/compose.yaml"]);
    assert_eq!(compose.include_env_files, ["sub/.env"]);
    assert_eq!(compose.env_files, ["sub/.env"]);
}

#[test]
fn an_included_service_the_file_defines_too_is_merged_the_local_one_winning() {
    let compose = try_load(
        &[
            (
                "compose.yaml",
                "include: [lib/compose.yaml]\nservices:\n  web:\n    image: local\n    ports: [\"81:81\"]\n",
            ),
            (
                "lib/compose.yaml",
                "services:\n  web:\n    image: lib\n    container_name: lib-web\n    ports: [\"80:80\"]\n",
            ),
        ],
        &[],
    )
    .unwrap();
    assert_eq!(
        seen(&compose, "web"),
        expect("local", &[80, 81], Some("lib-web"), &[], &[])
    );
    assert_eq!(
        compose.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["compose.yaml:1: service `web` is defined here and by the included lib/compose.yaml: compose merges them, this file's definition winning"]
    );
    assert_eq!(compose.services.len(), 1);
}

#[test]
fn cycles_missing_services_and_missing_files_are_errors_naming_file_line_and_service() {
    let cases: &[(Files, &str)] = &[
        (
            &[(
                "compose.yaml",
                "services:\n  a:\n    extends: b\n  b:\n    extends: {service: a}\n",
            )],
            "compose.yaml: line 3: service `a` is in an extends cycle: compose.yaml:a extends compose.yaml:b extends compose.yaml:a",
        ),
        (
            &[
                (
                    "compose.yaml",
                    "services:\n  a:\n    extends: {file: other.yml, service: b}\n",
                ),
                (
                    "other.yml",
                    "services:\n  b:\n    extends: {file: compose.yaml, service: a}\n",
                ),
            ],
            "compose.yaml: line 3: service `a` is in an extends cycle: compose.yaml:a extends other.yml:b extends compose.yaml:a",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  web:\n    image: w\n    extends:\n      service: nope\n",
            )],
            "compose.yaml: line 4: service `web` extends service `nope`, which compose.yaml does not define",
        ),
        (
            &[
                (
                    "compose.yaml",
                    "services:\n  web:\n    extends: {file: base.yml, service: nope}\n",
                ),
                ("base.yml", "services:\n  other:\n    image: o\n"),
            ],
            "compose.yaml: line 3: service `web` extends service `nope`, which base.yml does not define",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  web:\n    extends: {file: gone.yml, service: web}\n",
            )],
            "gone.yml: not found (extended by service `web` at compose.yaml:3)",
        ),
        (
            &[(
                "compose.yaml",
                "services:\n  web:\n    extends: {}\n",
            )],
            "compose.yaml: line 3: service `web` has an `extends:` without `service:`",
        ),
        (
            &[
                ("compose.yaml", "include: [a/compose.yaml]\nservices: {}\n"),
                ("a/compose.yaml", "include: [../compose.yaml]\nservices: {}\n"),
            ],
            "a/compose.yaml: line 1: an include cycle: compose.yaml includes a/compose.yaml includes compose.yaml",
        ),
        (
            &[("compose.yaml", "include:\n  - path: lib/gone.yml\nservices: {}\n")],
            "lib/gone.yml: not found (included by compose.yaml:2)",
        ),
        (
            &[
                (
                    "compose.yaml",
                    "include:\n  - path: lib/compose.yaml\n    env_file: lib/prod.env\n",
                ),
                ("lib/compose.yaml", "services: {}\n"),
            ],
            "lib/prod.env: not found (env file of the include at compose.yaml:2)",
        ),
        (
            &[("compose.yaml", "include: lib.yml\nservices: {}\n")],
            "compose.yaml: line 1: `include:` is not a list",
        ),
    ];
    for (files, want) in cases {
        let err = try_load(files, &[]).expect_err(want);
        assert_eq!(err.to_string(), *want);
        // `Missing` would read as "the project has no compose file" to the checks.
        assert!(matches!(err, FactError::Invalid { .. }), "{want}");
        let missing = want.contains(": not found (");
        assert_eq!(
            Compose::missing_reference(&err).is_some(),
            missing,
            "{want}"
        );
    }
}

#[test]
fn paths_join_relative_to_a_directory() {
    let cases = [
        ("", "a.yml", "a.yml"),
        ("sub", "./a.yml", "sub/a.yml"),
        ("sub/deep", "../a.yml", "sub/a.yml"),
        ("", "../a.yml", "../a.yml"),
        ("sub", "/etc/a.yml", "/etc/a.yml"),
        ("/abs", ".env", "/abs/.env"),
    ];
    for (dir, path, want) in cases {
        assert_eq!(extend::join(dir, path), want, "{dir} + {path}");
    }
}
