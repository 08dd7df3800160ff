use super::*;

fn fail() -> Outcome {
    Outcome::fail("exit status 1: the last line")
}

fn log(body: &str) -> String {
    format!("$ command\n# cwd: /tmp/red\n# started: 2026-12-01T00:00:00Z\n\n{body}\n# exit status 1 after 0.4s\n")
}

const PYTEST_COLLECTION: &str = r#"
==================================== ERRORS ====================================
____________________ ERROR collecting tests/test_broken.py _____________________
/venv/lib/python3.11/site-packages/_pytest/python.py:528: in importtestmodule
    mod = import_path(
<frozen importlib._bootstrap>:1204: in _gcd_import
    ???
tests/test_broken.py:1: in <module>
    from src import broken
E     File "/tmp/red/src/broken.py", line 4
E       def f(:
E             ^
E   SyntaxError: invalid syntax
=========================== short test summary info ============================
ERROR tests/test_broken.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
3 warnings, 1 error in 0.89s"#;

const PYTEST_FAILED: &str = r#".F                                                                       [100%]
=================================== FAILURES ===================================
___________________________________ test_bad ___________________________________

    def test_bad():
>       assert 1 == 2, "one is not two"
E       AssertionError: one is not two
E       assert 1 == 2

tests/test_math.py:5: AssertionError
=========================== short test summary info ============================
FAILED tests/test_math.py::test_bad - AssertionError: one is not two
1 failed, 1 passed in 0.05s"#;

#[test]
fn pytest_names_the_module_that_does_not_import_and_why() {
    assert_eq!(
        pytest(&log(PYTEST_COLLECTION), &fail()).as_deref(),
        Some("1 error: 1 collection error in tests/test_broken.py: SyntaxError: invalid syntax (src/broken.py:4)")
    );
    let missing = "____ ERROR collecting tests/test_x.py ____\nE   ModuleNotFoundError: No module named 'src'\n=== short test summary info ===\n1 error in 0.38s";
    assert_eq!(
        pytest(&log(missing), &fail()).as_deref(),
        Some("1 error: 1 collection error in tests/test_x.py: ModuleNotFoundError: No module named 'src'")
    );
}

#[test]
fn pytest_names_failed_tests_and_counts() {
    assert_eq!(
        pytest(&log(PYTEST_FAILED), &fail()).as_deref(),
        Some("1 failed, 1 passed: failed: tests/test_math.py::test_bad (AssertionError: one is not two)")
    );
    assert_eq!(pytest(&log("garbage"), &fail()), None);
    assert_eq!(pytest(&log(PYTEST_FAILED), &Outcome::blocked("x")), None);
}

const BLACK: &str = "error: cannot parse: /tmp/red/src/broken.py:4:6\nParseError: bad input\n--- /tmp/red/src/lint.py\n+++ /tmp/red/src/lint.py\n@@ -1 +1 @@\n-x = {  'a':1 }\n+x = {\"a\": 1}\nwould reformat /tmp/red/tests/test_broken.py\nwould reformat /tmp/red/tests/test_math.py\nwould reformat /tmp/red/src/lint.py\nwould reformat /tmp/red/src/other.py\n\nOh no! 💥 💔 💥\n4 files would be reformatted, 1 file would be left unchanged, 1 file would fail to reformat.";

#[test]
fn black_names_unparsable_files_and_counts_the_rest() {
    assert_eq!(
        black(&log(BLACK), &fail()).as_deref(),
        Some("1 file cannot be parsed: src/broken.py:4:6 (ParseError: bad input); 4 files would be reformatted: tests/test_broken.py, tests/test_math.py, src/lint.py and 1 more (the diff is in the log)")
    );
    let new = "error: cannot parse for target version Python 3.15: /tmp/red/src/broken.py:4:12\n    def handler(:\n               ^\nOh no!";
    assert_eq!(
        black(&log(new), &fail()).as_deref(),
        Some("1 file cannot be parsed: src/broken.py:4:12 (at `def handler(:`)")
    );
    let old = "error: cannot format /tmp/red/src/x.py: Cannot parse for target version Python 3.15: 1:4: def (\nOh no!";
    assert_eq!(
        black(&log(old), &fail()).as_deref(),
        Some("1 file cannot be parsed: src/x.py (Cannot parse for target version Python 3.15: 1:4: def ()")
    );
}

const RUFF: &str = "invalid-syntax: Expected a parameter or the end of the parameter list\n --> src/broken.py:4:7\n  |\n4 | def f(:\n  |       ^\n\nF401 [*] `os` imported but unused\n --> src/lint.py:1:8\n  |\n\nF401 [*] `sys` imported but unused\n --> src/lint.py:1:12\n  |\n\nF821 Undefined name `undefined_name`\n --> src/lint.py:5:12\n\nFound 227 errors.\n[*] 180 fixable with `--fix`.";

#[test]
fn ruff_counts_findings_by_rule_and_names_the_first() {
    assert_eq!(
        ruff(&log(RUFF), &fail()).as_deref(),
        Some("227 findings (F401 ×2, F821 ×1, invalid-syntax ×1); first: src/broken.py:4: invalid-syntax Expected a parameter or the end of the parameter list; src/lint.py:1: F401 `os` imported but unused; src/lint.py:1: F401 `sys` imported but unused")
    );
    let concise = "src/a.py:3:1: E501 Line too long (120 > 100)\nFound 1 error.";
    assert_eq!(
        ruff(&log(concise), &fail()).as_deref(),
        Some("1 finding (E501 ×1); first: src/a.py:3: E501 Line too long (120 > 100)")
    );
}

#[test]
fn pip_check_lists_each_conflict() {
    let output = "langflow 1.0 has requirement pydantic<2, but you have pydantic 2.5.\nchromadb 0.4 requires onnxruntime, which is not installed.";
    assert_eq!(
        pip_check(&log(output), &fail()).as_deref(),
        Some("2 conflicts: langflow 1.0 has requirement pydantic<2, but you have pydantic 2.5; chromadb 0.4 requires onnxruntime, which is not installed")
    );
}

#[test]
fn scripts_give_their_last_error_looking_line_not_a_banner() {
    let output = "==> Building images\nStep 3/9: RUN pip install\nERROR: failed to solve: process did not complete\n=================\nDone.";
    assert_eq!(
        script(&log(output), &fail()).as_deref(),
        Some("exit status 1: ERROR: failed to solve: process did not complete")
    );
    assert_eq!(script(&log("all good\nbye"), &fail()), None);
}

#[test]
fn the_summarizer_is_chosen_by_the_tool_the_command_runs() {
    let cases = [
        ("uv run --frozen --no-sync pytest -q", Some("pytest")),
        ("/venv/bin/black --check src", Some("black")),
        ("ruff check src tests", Some("ruff")),
        ("'/x/uv' pip check", Some("pip check")),
        ("python3 -m pip check", Some("pip check")),
        ("./scripts/build.sh", Some("script")),
        ("mypy src", None),
    ];
    for (command, tool) in cases {
        assert_eq!(tool_of(command), tool, "{command}");
    }
    assert!(for_command("mypy src").is_none());
}
