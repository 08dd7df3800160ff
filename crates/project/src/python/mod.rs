//! Python facts, read as Python reads them: the project's interpreter parses the modules with
//! its own `ast` (one `python3` process per project and module, [`facts`]), so a fact like "the
//! embedding model" is followed through calls, imports and constants rather than matched on a
//! line. Without an interpreter, a line reader does what it can and says so ([`Reader::Lines`]).

mod lines;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::FactError;

/// A value and how it was found, step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub value: String,
    /// An environment variable that overrides the value at run time, if any.
    pub env_override: Option<String>,
    /// From where the value is used to where it is set.
    pub trail: Vec<Step>,
    /// The calls that use the value (an embeddings constructor).
    pub uses: Vec<Step>,
    pub reader: Reader,
}

/// One line followed: shown as `file:line: source line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub file: String,
    /// 1-based.
    pub line: usize,
    pub source: String,
}

impl Step {
    fn new(file: &str, line: usize, source: &str) -> Step {
        Step {
            file: file.to_string(),
            line,
            source: source.trim().to_string(),
        }
    }

    /// `file:line`.
    pub fn place(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.source)
    }
}

impl Resolved {
    /// Where the value was finally written (`file:line: source line`).
    pub fn origin(&self) -> String {
        self.trail.last().map(Step::to_string).unwrap_or_default()
    }
}

/// What read the Python files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// The interpreter's `ast` module.
    Ast { python: String },
    /// The line reader, because no interpreter could: why.
    Lines { why: String },
}

impl std::fmt::Display for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reader::Ast { python } => write!(f, "Python {python}'s ast"),
            Reader::Lines { why } => write!(f, "the line reader ({why})"),
        }
    }
}

/// The memory-setup module the checklist names ("line 60" there): where the embedding model is
/// configured, and the module [`facts`] is asked about by default.
pub const MEMORY_SETUP: &str = "src/memory_setup.py";

/// An environment variable a Python file reads, with the default it falls back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRead {
    pub var: String,
    pub file: String,
    pub line: usize,
    pub default: Option<String>,
}

/// What one run of the interpreter answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The interpreter's version.
    pub python: String,
    /// The embedding model of the module asked about, or why it cannot be resolved.
    pub embedding: Result<Resolved, String>,
    /// Environment variables read by the files under `src/`.
    pub env_reads: Vec<EnvRead>,
    /// Files that do not parse: `file:line: SyntaxError: message`.
    pub errors: Vec<String>,
}

/// The interpreter the project runs: the active virtualenv's, else `python3` on PATH.
pub fn interpreter() -> Option<PathBuf> {
    let venv = std::env::var_os("VIRTUAL_ENV")
        .map(|venv| PathBuf::from(venv).join("bin").join("python"))
        .filter(|python| python.is_file());
    venv.or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("python3"))
            .find(|candidate| candidate.is_file())
    })
}

const SCRIPT: &str = include_str!("facts.py");

/// The Python facts of `project`, with the embedding model of `module`: one interpreter run per
/// project and module per process (later calls get the same answer). `Err` says why no
/// interpreter could answer.
pub fn facts(project: &Path, module: &str) -> Arc<Result<Facts, String>> {
    type Answers = HashMap<(PathBuf, String), Arc<Result<Facts, String>>>;
    static CACHE: OnceLock<Mutex<Answers>> = OnceLock::new();
    let key = (project.to_path_buf(), module.to_string());
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    cache
        .entry(key)
        .or_insert_with(|| Arc::new(run_interpreter(interpreter().as_deref(), project, module)))
        .clone()
}

/// Runs the embedded script with `python` on `project`.
pub fn run_interpreter(
    python: Option<&Path>,
    project: &Path,
    module: &str,
) -> Result<Facts, String> {
    use std::io::Write;
    let python =
        python.ok_or("no Python interpreter: no $VIRTUAL_ENV/bin/python, no python3 on PATH")?;
    let request = serde_json::json!({
        "root": project,
        "module": module,
        "scan": ["src"],
    });
    let mut child = std::process::Command::new(python)
        .args(["-I", "-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|err| format!("{} cannot run: {err}", python.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(request.to_string().as_bytes()).ok();
    }
    let output = child
        .wait_with_output()
        .map_err(|err| format!("{}: {err}", python.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!(
            "{} failed ({}): {last}",
            python.display(),
            output.status
        ));
    }
    parse_answer(&output.stdout)
}

fn parse_answer(stdout: &[u8]) -> Result<Facts, String> {
    use serde_json::Value;
    let answer: Value = serde_json::from_slice(stdout)
        .map_err(|err| format!("the interpreter's answer is not JSON: {err}"))?;
    let text = |v: &Value| v.as_str().map(str::to_string);
    let steps = |v: &Value| -> Vec<Step> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        Step::new(
                            s["file"].as_str().unwrap_or("?"),
                            s["line"].as_u64().unwrap_or(0) as usize,
                            s["source"].as_str().unwrap_or(""),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let python = text(&answer["python"]).unwrap_or_default();
    let errors = answer["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    format!(
                        "{}:{}: {}",
                        e["file"].as_str().unwrap_or("?"),
                        e["line"].as_u64().unwrap_or(0),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let embedding = &answer["embedding"];
    let embedding = match text(&embedding["value"]) {
        Some(value) => Ok(Resolved {
            value,
            env_override: text(&embedding["env"]),
            trail: steps(&embedding["trail"]),
            uses: steps(&embedding["uses"]),
            reader: Reader::Ast {
                python: python.clone(),
            },
        }),
        None => Err(text(&embedding["error"]).unwrap_or_else(|| "no answer".into())),
    };
    let env_reads = answer["env_reads"]
        .as_array()
        .map(|reads| {
            reads
                .iter()
                .map(|r| EnvRead {
                    var: r["var"].as_str().unwrap_or_default().to_string(),
                    file: r["file"].as_str().unwrap_or_default().to_string(),
                    line: r["line"].as_u64().unwrap_or(0) as usize,
                    default: text(&r["default"]),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Facts {
        python,
        embedding,
        env_reads,
        errors,
    })
}

/// The embedding model the memory-setup `module` uses: the `model` (or `model_name`, or first
/// positional) argument of an embeddings constructor call (`OllamaEmbeddings(model=NAME)`), else
/// an assignment to an `*embed*` name, followed through names, imports (`from x import NAME`,
/// `import x as y; y.NAME`, relative ones), joined or formatted constants and
/// `os.getenv("VAR", default)` (reported as [`Resolved::env_override`]) to a string. Read with the
/// project's interpreter; without one, with the line reader, and [`Resolved::reader`] says so.
///
/// The stable entry point of "the pre-release resolver" (`cargo xtask models` calls it too).
pub fn embedding_model(project: &Path, module: &str) -> Result<Resolved, FactError> {
    if !project.join(module).is_file() {
        return Err(FactError::missing(module, "not found"));
    }
    match &*facts(project, module) {
        Ok(facts) => facts.embedding.clone().map_err(|why| {
            let parse: Vec<&String> = facts
                .errors
                .iter()
                .filter(|e| e.starts_with(&format!("{module}:")))
                .collect();
            match parse.as_slice() {
                [first, ..] => FactError::invalid(module, format!("does not parse: {first}")),
                [] => FactError::invalid(module, why),
            }
        }),
        Err(why) => lines::embedding_model(project, module).map(|resolved| Resolved {
            reader: Reader::Lines { why: why.clone() },
            ..resolved
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn follows_imports_and_assignments_to_the_literal() {
        let dir = project(&[
            ("src/constants.py", "import os\nDEFAULT_MODEL = \"qwen2.5-coder:7b-q4_0\"\nEMBEDDING_MODEL = os.getenv(\"EMBEDDING_MODEL\", DEFAULT_MODEL)\n"),
            ("src/memory_setup.py", "\"\"\"Memory.\"\"\"\nfrom src.constants import EMBEDDING_MODEL, OTHER\n\n\ndef setup():\n    embedding_model = EMBEDDING_MODEL\n"),
        ]);
        let resolved = embedding_model(dir.path(), "src/memory_setup.py").unwrap();
        assert_eq!(resolved.value, "qwen2.5-coder:7b-q4_0");
        assert_eq!(resolved.env_override.as_deref(), Some("EMBEDDING_MODEL"));
        assert_eq!(
            resolved.trail[0].to_string(),
            "src/memory_setup.py:6: embedding_model = EMBEDDING_MODEL"
        );
        assert_eq!(
            resolved.origin(),
            "src/constants.py:2: DEFAULT_MODEL = \"qwen2.5-coder:7b-q4_0\""
        );
    }

    #[test]
    fn reads_keyword_arguments_and_relative_imports() {
        let dir = project(&[
            ("src/consts.py", "EMBED = 'nomic-embed-text'\n"),
            (
                "src/memory_setup.py",
                "from .consts import EMBED\nemb = OllamaEmbeddings(base_url=URL, model=EMBED)\n",
            ),
        ]);
        let resolved = embedding_model(dir.path(), "src/memory_setup.py").unwrap();
        assert_eq!(resolved.value, "nomic-embed-text");
        assert_eq!(resolved.env_override, None);
    }

    #[test]
    fn follows_imports_black_wrapped_over_several_lines() {
        let dir = project(&[
            ("src/constants.py", "EMBEDDING_MODEL = \"mistral:latest\"\n"),
            ("src/memory_setup.py", "from src.constants import (\n    DEFAULT_MODEL,\n    EMBEDDING_MODEL,\n)\n\nembedding_model = EMBEDDING_MODEL\n"),
        ]);
        let resolved = embedding_model(dir.path(), "src/memory_setup.py").unwrap();
        assert_eq!(resolved.value, "mistral:latest");
        assert!(
            resolved.trail[1]
                .to_string()
                .starts_with("src/memory_setup.py:1: from src.constants import"),
            "{:?}",
            resolved.trail
        );
    }

    #[test]
    fn a_module_without_an_embedding_model_is_an_error() {
        let dir = project(&[("src/memory_setup.py", "x = 1\n")]);
        let err = embedding_model(dir.path(), "src/memory_setup.py").unwrap_err();
        assert!(
            err.to_string().contains(
                "no embeddings constructor call with a model and no assignment to an `*embed*` name"
            ),
            "{err}"
        );
    }

    /// (files, value, env override, first step of the trail, where set).
    type Case<'a> = (
        &'a [(&'a str, &'a str)],
        &'a str,
        Option<&'a str>,
        &'a str,
        &'a str,
    );

    #[test]
    fn every_python_form_resolves_with_the_interpreters_ast() {
        let cases: &[Case] = &[
            (
                &[
                    ("src/constants.py", "EMBEDDING_MODEL = \"nomic-embed-text\"\n"),
                    ("src/memory_setup.py", "from src.constants import EMBEDDING_MODEL\n\nemb = OllamaEmbeddings(\n    base_url=URL,\n    model=EMBEDDING_MODEL,\n)\n"),
                ],
                "nomic-embed-text",
                None,
                "src/memory_setup.py:5: model=EMBEDDING_MODEL,",
                "src/constants.py:1: EMBEDDING_MODEL = \"nomic-embed-text\"",
            ),
            (
                &[("src/memory_setup.py", "e = HuggingFaceEmbeddings('all-MiniLM-L6-v2')\n")],
                "all-MiniLM-L6-v2",
                None,
                "src/memory_setup.py:1: e = HuggingFaceEmbeddings('all-MiniLM-L6-v2')",
                "src/memory_setup.py:1: e = HuggingFaceEmbeddings('all-MiniLM-L6-v2')",
            ),
            (
                &[
                    ("src/settings.py", "NAME = 'mxbai-embed-large'\n"),
                    ("src/memory_setup.py", "import src.settings as cfg\nx = SomeEmbeddings(model_name=cfg.NAME)\n"),
                ],
                "mxbai-embed-large",
                None,
                "src/memory_setup.py:2: x = SomeEmbeddings(model_name=cfg.NAME)",
                "src/settings.py:1: NAME = 'mxbai-embed-large'",
            ),
            (
                &[
                    ("src/__init__.py", ""),
                    ("src/consts.py", "FAMILY = 'qwen2.5-coder'\nSIZE = \"7b\"\nMODEL = f\"{FAMILY}:{SIZE}-q4_0\"\n"),
                    ("src/memory_setup.py", "from . import consts\nembed = consts.MODEL\n"),
                ],
                "qwen2.5-coder:7b-q4_0",
                None,
                "src/memory_setup.py:2: embed = consts.MODEL",
                "src/consts.py:2: SIZE = \"7b\"",
            ),
            (
                &[
                    ("src/consts.py", "BASE = 'mistral'\nTAG = BASE + ':' + 'latest'\nJOINED = ':'.join([BASE, 'v2'])\nFMT = '{}:{}'.format(BASE, 'x')\n"),
                    ("src/memory_setup.py", "from .consts import TAG as T\nEMBED_MODEL: str = T\n"),
                ],
                "mistral:latest",
                None,
                "src/memory_setup.py:2: EMBED_MODEL: str = T",
                "src/consts.py:1: BASE = 'mistral'",
            ),
            (
                &[
                    ("src/constants.py", "import os\nDEFAULT = 'qwen2.5-coder:7b'\nEMBEDDING_MODEL = os.getenv(\"EMBEDDING_MODEL\", DEFAULT)\n"),
                    ("src/memory_setup.py", "from src.constants import (\n    EMBEDDING_MODEL,\n)\n\ndef setup():\n    return OllamaEmbedder(model=EMBEDDING_MODEL)\n"),
                ],
                "qwen2.5-coder:7b",
                Some("EMBEDDING_MODEL"),
                "src/memory_setup.py:6: return OllamaEmbedder(model=EMBEDDING_MODEL)",
                "src/constants.py:2: DEFAULT = 'qwen2.5-coder:7b'",
            ),
            (
                &[("src/memory_setup.py", "def f():\n    name = 'local:1'\n    return OllamaEmbeddings(model=name)\nname = 'module:1'\n")],
                "local:1",
                None,
                "src/memory_setup.py:3: return OllamaEmbeddings(model=name)",
                "src/memory_setup.py:2: name = 'local:1'",
            ),
        ];
        for (files, value, env, first, origin) in cases {
            let dir = project(files);
            let resolved = embedding_model(dir.path(), "src/memory_setup.py")
                .unwrap_or_else(|e| panic!("{files:?}: {e}"));
            assert!(
                matches!(resolved.reader, Reader::Ast { .. }),
                "{resolved:?}"
            );
            assert_eq!(resolved.value, *value, "{files:?}");
            assert_eq!(resolved.env_override.as_deref(), *env, "{files:?}");
            assert_eq!(
                resolved.trail[0].to_string(),
                *first,
                "{:?}",
                resolved.trail
            );
            assert_eq!(resolved.origin(), *origin, "{:?}", resolved.trail);
        }
    }

    #[test]
    fn the_ast_reader_reports_files_that_do_not_parse_and_reads_the_others() {
        let dir = project(&[
            ("src/broken.py", "def f(:\n"),
            ("src/config.py", "import os\nURL = os.environ.get('OLLAMA_URL', 'http://ollama:11434')\nKEY = os.environ['API_KEY']\n"),
            ("src/memory_setup.py", "emb = OllamaEmbeddings(model='a:1')\n"),
        ]);
        let python = interpreter().expect("python3 on PATH for the tests");
        let facts = run_interpreter(Some(&python), dir.path(), "src/memory_setup.py").unwrap();
        assert_eq!(facts.embedding.unwrap().value, "a:1");
        assert_eq!(facts.errors.len(), 1);
        assert!(
            facts.errors[0].starts_with("src/broken.py:1: SyntaxError: "),
            "{:?}",
            facts.errors
        );
        let reads: Vec<(&str, usize, Option<&str>)> = facts
            .env_reads
            .iter()
            .map(|r| (r.var.as_str(), r.line, r.default.as_deref()))
            .collect();
        assert_eq!(
            reads,
            [
                ("OLLAMA_URL", 2, Some("http://ollama:11434")),
                ("API_KEY", 3, None)
            ]
        );
        let dir = project(&[("src/memory_setup.py", "x = (\n")]);
        let err = embedding_model(dir.path(), "src/memory_setup.py").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "src/memory_setup.py: does not parse: src/memory_setup.py:1: SyntaxError: "
            ),
            "{err}"
        );
    }

    #[test]
    fn without_an_interpreter_the_line_reader_answers_and_says_so() {
        let dir = project(&[(
            "src/memory_setup.py",
            "embedding_model = 'mistral:latest'\n",
        )]);
        let why = run_interpreter(None, dir.path(), "src/memory_setup.py").unwrap_err();
        assert_eq!(
            why,
            "no Python interpreter: no $VIRTUAL_ENV/bin/python, no python3 on PATH"
        );
        let resolved = lines::embedding_model(dir.path(), "src/memory_setup.py").unwrap();
        assert_eq!(resolved.value, "mistral:latest");
    }
}
