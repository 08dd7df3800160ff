use super::*;

/// Variables of the shell or of a file: `(name, value)`.
type Vars<'a> = &'a [(&'a str, &'a str)];

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("My.App").tempdir().unwrap();
    for (path, text) in files {
        std::fs::write(dir.path().join(path), text).unwrap();
    }
    dir
}

fn load(dir: &tempfile::TempDir, shell: &[(&str, &str)]) -> Compose {
    try_load(dir, shell).unwrap()
}

fn try_load(dir: &tempfile::TempDir, shell: &[(&str, &str)]) -> Result<Compose, FactError> {
    let shell: BTreeMap<String, String> = shell
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Compose::load_with(dir.path(), &|name| shell.get(name).cloned())
}

fn messages(compose: &Compose) -> Vec<String> {
    compose.findings.iter().map(ToString::to_string).collect()
}

const STACK: &str = r#"
services:
  ollama:
    image: ollama/ollama:${OLLAMA_TAG:-latest}
    container_name: ollama
    ports: ["${OLLAMA_PORT:-11434}:11434"]
  langflow:
    image: langflowai/langflow:1.0
    ports:
      - "127.0.0.1:${LANGFLOW_PORT-7861}:7860/tcp"
  code-server:
    image: codercom/code-server
    environment:
      - PASSWORD=${CODE_SERVER_PASSWORD}
      - TZ
    ports:
      - target: 8080
        published: ${CODE_PORT:-8443}
  app:
    build: .
    ports: ["9000"]
"#;

#[test]
fn reads_names_and_published_ports_with_interpolation() {
    let dir = project(&[("docker-compose.yml", STACK)]);
    let compose = load(&dir, &[("LANGFLOW_PORT", "7999")]);
    let ollama = compose.service("ollama").unwrap();
    assert_eq!(ollama.container(), "ollama");
    assert_eq!(ollama.host_port(11434), Some(11434));
    assert_eq!(ollama.image.as_deref(), Some("ollama/ollama:latest"));
    assert_eq!(
        compose.service("langflow").unwrap().host_port(7860),
        Some(7999)
    );
    assert_eq!(
        compose.service("code-server").unwrap().host_port(8080),
        Some(8443)
    );
    let app = compose.app().unwrap();
    assert!(app.built);
    assert_eq!(app.host_port(9000), None);
    // No container_name: compose's default, from the normalised directory name.
    let dirname = normalize_name(&dir.path().file_name().unwrap().to_string_lossy());
    assert!(dirname.starts_with("myapp"), "{dirname}");
    assert_eq!(app.container(), format!("{dirname}-app-1"));
    assert_eq!(
        messages(&compose),
        ["docker-compose.yml:14: CODE_SERVER_PASSWORD is not set and has no default (services.code-server.environment): compose uses an empty string"]
    );
    let passed: Vec<&str> = compose
        .variables
        .iter()
        .filter(|v| v.pass_through)
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(passed, ["TZ"]);
    let env = &compose.service("code-server").unwrap().environment;
    assert_eq!(
        env,
        &[
            ("PASSWORD".to_string(), Some(String::new())),
            ("TZ".to_string(), None)
        ]
    );
}

#[test]
fn the_shell_wins_over_dotenv_and_dotenv_over_defaults() {
    let compose_file = "services:\n  web:\n    image: \"web:${TAG:-dflt}\"\n    ports: [\"${PORT}:80\"]\n    container_name: ${NAME}\n";
    /// (shell, .env, image, host port, what the case shows)
    type Case<'a> = (Vars<'a>, &'a str, Option<&'a str>, Option<u16>, &'a str);
    let cases: &[Case] = &[
        (&[], "", Some("web:dflt"), None, "no .env"),
        (
            &[("TAG", "shell")],
            "TAG=dotenv\nPORT=81\n",
            Some("web:shell"),
            Some(81),
            "shell first",
        ),
        (
            &[],
            "TAG=dotenv\nPORT=81\nNAME=box\n",
            Some("web:dotenv"),
            Some(81),
            ".env second",
        ),
        (
            &[],
            "TAG=\nPORT=82 # comment\n",
            Some("web:dflt"),
            Some(82),
            ":- takes empty as unset",
        ),
    ];
    for (shell, dotenv, image, port, what) in cases {
        let mut files = vec![("docker-compose.yml", compose_file)];
        if !dotenv.is_empty() {
            files.push((".env", dotenv));
        }
        let dir = project(&files);
        let compose = load(&dir, shell);
        let web = compose.service("web").unwrap();
        assert_eq!(web.image.as_deref(), *image, "{what}");
        assert_eq!(web.host_port(80), *port, "{what}: {:?}", compose.findings);
    }
}

#[test]
fn an_unreadable_port_is_a_finding_on_that_fact_only() {
    let dir = project(&[(
        "docker-compose.yml",
        "services:\n  a:\n    ports:\n      - \"x:80\"\n      - \"8080:8080\"\n  b:\n    container_name: bee\n    ports: [\"${P:?set P}:80\"]\n",
    )]);
    let compose = load(&dir, &[]);
    assert_eq!(
        messages(&compose),
        [
            "docker-compose.yml:8: services.b.ports: required variable P is missing a value: set P",
            "docker-compose.yml:4: service `a`: cannot read port `x:80`",
        ]
    );
    assert_eq!(compose.service("a").unwrap().host_port(8080), Some(8080));
    assert_eq!(compose.service("b").unwrap().container(), "bee");
    assert_eq!(compose.findings_for("a").count(), 1);
}

#[test]
fn the_override_file_merges_as_compose_merges() {
    let dir = project(&[
        (
            "compose.yaml",
            "name: Stack_One\nservices:\n  web:\n    image: web:1\n    command: [a, b]\n    ports: [\"80:80\"]\n    environment:\n      A: \"1\"\n      B: \"2\"\n    dns: [1.1.1.1]\n",
        ),
        (
            "compose.override.yml",
            "services:\n  web:\n    image: web:2\n    command: [c]\n    ports: [\"80:80\", \"443:443\"]\n    environment:\n      - B=3\n      - C=4\n    dns: !reset []\n  extra:\n    image: extra\n",
        ),
    ]);
    let compose = load(&dir, &[]);
    assert_eq!(compose.files, ["compose.yaml", "compose.override.yml"]);
    assert_eq!(compose.project_name, "stack_one");
    assert_eq!(compose.project_name_from, "`name:` in compose.yaml:1");
    let web = compose.service("web").unwrap();
    assert_eq!(web.image.as_deref(), Some("web:2"), "scalars are replaced");
    let published: Vec<u16> = web.ports.iter().filter_map(Port::host).collect();
    assert_eq!(published, [80, 443], "ports append, same ones collapse");
    let env: Vec<(&str, Option<&str>)> = web
        .environment
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    assert_eq!(env, [("A", Some("1")), ("B", Some("3")), ("C", Some("4"))]);
    assert_eq!(web.container(), "web".replace("web", "stack_one-web-1"));
    assert_eq!(
        compose.service("extra").unwrap().file,
        "compose.override.yml"
    );
}

#[test]
fn command_is_replaced_and_reset_removes() {
    let base = yaml::parse("services:\n  w:\n    command: [a, b]\n    dns: [x]\n").unwrap();
    let over = yaml::parse("services:\n  w:\n    command: [c]\n    dns: !reset []\n").unwrap();
    let merged = merge(base, over, "");
    let w = merged.get("services").unwrap().get("w").unwrap();
    let Value::Seq(command) = &w.get("command").unwrap().value else {
        panic!()
    };
    assert_eq!(command.len(), 1);
    assert!(w.get("dns").is_none());
}

#[test]
fn compose_file_names_the_files_and_their_order() {
    let dir = project(&[
        ("docker-compose.yml", "services:\n  web:\n    image: a\n"),
        (
            "docker-compose.prod.yml",
            "services:\n  web:\n    image: b\n",
        ),
        (
            "docker-compose.override.yml",
            "services:\n  web:\n    image: c\n",
        ),
    ]);
    let cases: &[(Vars, &str, &[&str], &str)] = &[
        (
            &[],
            "",
            &["docker-compose.yml", "docker-compose.override.yml"],
            "c",
        ),
        (
            &[("COMPOSE_FILE", "docker-compose.yml:docker-compose.prod.yml")],
            "",
            &["docker-compose.yml", "docker-compose.prod.yml"],
            "b",
        ),
        (
            &[
                ("COMPOSE_FILE", "docker-compose.prod.yml;docker-compose.yml"),
                ("COMPOSE_PATH_SEPARATOR", ";"),
            ],
            "",
            &["docker-compose.prod.yml", "docker-compose.yml"],
            "a",
        ),
        (
            &[],
            "COMPOSE_FILE=docker-compose.prod.yml\n",
            &["docker-compose.prod.yml"],
            "b",
        ),
    ];
    for (shell, dotenv, files, image) in cases {
        std::fs::write(dir.path().join(".env"), dotenv).unwrap();
        let compose = load(&dir, shell);
        assert_eq!(compose.files, *files, "{shell:?} {dotenv}");
        assert_eq!(
            compose.service("web").unwrap().image.as_deref(),
            Some(*image)
        );
    }
    let err = try_load(&dir, &[("COMPOSE_FILE", "nope.yml")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nope.yml: named by COMPOSE_FILE=nope.yml, not found"
    );
}

#[test]
fn profiles_decide_which_services_run() {
    let text =
        "services:\n  web:\n    image: w\n  debug:\n    image: d\n    profiles: [dev, debug]\n";
    let dir = project(&[("docker-compose.yml", text)]);
    let cases: &[(Vars, bool)] = &[
        (&[], false),
        (&[("COMPOSE_PROFILES", "prod")], false),
        (&[("COMPOSE_PROFILES", "prod, debug")], true),
        (&[("COMPOSE_PROFILES", "*")], true),
    ];
    for (shell, active) in cases {
        let compose = load(&dir, shell);
        assert!(compose.service("web").unwrap().active);
        assert_eq!(
            compose.service("debug").unwrap().active,
            *active,
            "{shell:?}"
        );
    }
    let compose = load(&dir, &[]);
    assert_eq!(
        compose.running("debug").unwrap_err(),
        "service `debug` (docker-compose.yml:4) runs only with profile dev, debug and none is enabled: it is inactive"
    );
    assert_eq!(
        compose.running("nope").unwrap_err(),
        "docker-compose.yml has no nope service"
    );
    std::fs::write(dir.path().join(".env"), "COMPOSE_PROFILES=dev\n").unwrap();
    assert!(
        load(&dir, &[]).running("debug").is_ok(),
        "COMPOSE_PROFILES may live in .env"
    );
}

#[test]
fn project_name_precedence() {
    let dir = project(&[(
        "docker-compose.yml",
        "name: from-file\nservices:\n  web:\n    image: w\n",
    )]);
    let cases: &[(Vars, &str, &str)] = &[
        (&[], "from-file", "`name:` in docker-compose.yml:1"),
        (
            &[("COMPOSE_PROJECT_NAME", "env_name")],
            "env_name",
            "COMPOSE_PROJECT_NAME",
        ),
        (
            &[("COMPOSE_PROJECT_NAME", "")],
            "from-file",
            "`name:` in docker-compose.yml:1",
        ),
    ];
    for (shell, name, from) in cases {
        let compose = load(&dir, shell);
        assert_eq!(
            (
                compose.project_name.as_str(),
                compose.project_name_from.as_str()
            ),
            (*name, *from)
        );
        assert_eq!(
            compose.service("web").unwrap().container(),
            format!("{name}-web-1")
        );
    }
    let compose = load(&dir, &[("COMPOSE_PROJECT_NAME", "Bad Name")]);
    assert!(messages(&compose)[0].contains("invalid project name \"Bad Name\""));
    assert_eq!(normalize_name("_Foo Bar"), "foobar");
    assert_eq!(normalize_name("My.App"), "myapp");
}

#[test]
fn bad_input_is_a_finding_or_an_error_never_a_panic() {
    let dir = project(&[("docker-compose.yml", "services: [")]);
    let err = try_load(&dir, &[]).unwrap_err().to_string();
    assert!(err.starts_with("docker-compose.yml: line "), "{err}");
    assert!(err.ends_with("(not YAML)"), "{err}");
    let dir = project(&[("docker-compose.yml", "version: '3'\n")]);
    assert_eq!(
        try_load(&dir, &[]).unwrap_err().to_string(),
        "docker-compose.yml: no `services:` mapping"
    );
    let dir = project(&[
        (
            "docker-compose.yml",
            "services:\n  web:\n    image: \"w:${TAG}\"\n    ports: [\"${BAD\"]\n",
        ),
        (".env", "TAG=1\nthis is wrong\n"),
    ]);
    let compose = load(&dir, &[]);
    assert_eq!(
        messages(&compose),
        [
            ".env:2: `this is wrong` is not KEY=VALUE (compose refuses this line)",
            "docker-compose.yml:4: services.web.ports: invalid interpolation format `${BAD` (escape a literal $ as $$)",
        ]
    );
    assert_eq!(
        compose.service("web").unwrap().image.as_deref(),
        Some("w:1")
    );
}
