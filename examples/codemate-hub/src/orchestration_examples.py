"""Worked examples for :mod:`src.orchestrator`.

Run ``python -m src.orchestration_examples`` (inside the ``coding-assistant`` container).
``--offline`` runs only the examples that need no model.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Sequence

from src.constants import DEFAULT_MODEL
from src.orchestrator import Orchestrator, TaskOutcome
from src.pipeline import Generate, Pipeline, ollama_generate

SAMPLE_SOURCE = '''
def add(a, b):
    """Add two numbers."""
    return a + b


def divide(a, b):
    return a / b


class Greeter:
    def greet(self, name):
        return f"hello {name}"
'''


def parse_source(source: str) -> ast.Module:
    return ast.parse(source)


def find_undocumented(tree: ast.Module) -> list[str]:
    """Names of functions, methods and classes without a docstring."""
    missing = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if ast.get_docstring(node) is None:
                missing.append(node.name)
    return sorted(missing)


def code_review_example(source: str = SAMPLE_SOURCE) -> dict[str, TaskOutcome]:
    """Parse, inspect and summarise a source file; needs no model."""
    flow = Orchestrator()
    flow.add("parse", lambda _: parse_source(source))
    flow.add(
        "functions",
        lambda r: sorted(n.name for n in ast.walk(r["parse"]) if isinstance(n, ast.FunctionDef)),
        depends_on=("parse",),
    )
    flow.add("undocumented", lambda r: find_undocumented(r["parse"]), depends_on=("parse",))
    flow.add(
        "report",
        lambda r: (
            f"{len(r['functions'])} functions; missing docstrings: "
            + (", ".join(r["undocumented"]) or "none")
        ),
        depends_on=("functions", "undocumented"),
    )
    return flow.run()


def assistant_example(generate: Generate = ollama_generate) -> dict[str, TaskOutcome]:
    """Review the sample, then ask the model to document what is missing."""
    review = code_review_example()
    pipeline = Pipeline(generate=generate)
    flow = Orchestrator()
    flow.add("review", lambda _: review["report"].result)
    flow.add(
        "ask",
        lambda r: pipeline.run(f"Add docstrings. Review: {r['review']}\n{SAMPLE_SOURCE}").answer,
        depends_on=("review",),
    )
    return flow.run()


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    outcomes = code_review_example()
    print(f"code review: {outcomes['report'].result}")
    if "--offline" in argv:
        return 0
    print(f"assistant: asking {DEFAULT_MODEL}")
    try:
        answer = assistant_example()["ask"].result
    except Exception as exc:  # print a readable error for the operator
        print(f"assistant example failed: {exc}", file=sys.stderr)
        return 1
    print(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
