"""The coding-assistant pipeline: retrieve context, build a prompt, ask the model.

``python src/pipeline.py`` runs one sample task end to end against the Ollama service named by
``OLLAMA_URL``. The model client is injectable so the pipeline is testable without services.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from src.constants import DEFAULT_MODEL, FALLBACK_MODEL, OLLAMA_URL, REQUEST_TIMEOUT_SECONDS

Generate = Callable[[str, str], str]
"""A model call: ``generate(model, prompt) -> completion``."""

SYSTEM_PROMPT = (
    "You are codemate, a careful Python coding assistant. "
    "Answer with working code and a short explanation."
)


class ModelError(RuntimeError):
    """Raised when no configured model could answer."""


def ollama_generate(model: str, prompt: str, base_url: str = OLLAMA_URL) -> str:
    """Call Ollama's ``/api/generate`` (non-streaming) and return the response text."""
    payload = json.dumps({"model": model, "prompt": prompt, "stream": False}).encode("utf-8")
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/api/generate",
        data=payload,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
        return json.load(response).get("response", "")


def build_prompt(task: str, context: Sequence[str] = ()) -> str:
    """Assemble the prompt sent to the model; context snippets are numbered."""
    task = task.strip()
    if not task:
        raise ValueError("task must not be empty")
    parts = [SYSTEM_PROMPT]
    if context:
        parts.append("Relevant notes:")
        parts.extend(f"[{i}] {snippet.strip()}" for i, snippet in enumerate(context, start=1))
    parts.append(f"Task: {task}")
    return "\n".join(parts)


@dataclass
class PipelineResult:
    task: str
    model: str
    prompt: str
    answer: str
    attempts: list[str] = field(default_factory=list)


@dataclass
class Pipeline:
    generate: Generate = ollama_generate
    models: tuple[str, ...] = (DEFAULT_MODEL, FALLBACK_MODEL)
    retrieve: Callable[[str], Sequence[str]] = lambda task: ()

    def run(self, task: str) -> PipelineResult:
        prompt = build_prompt(task, self.retrieve(task))
        attempts: list[str] = []
        errors: list[str] = []
        for model in self.models:
            attempts.append(model)
            try:
                answer = self.generate(model, prompt)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                errors.append(f"{model}: {exc}")
                continue
            if answer.strip():
                return PipelineResult(task, model, prompt, answer.strip(), attempts)
            errors.append(f"{model}: empty answer")
        raise ModelError("no model answered: " + "; ".join(errors))


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    task = " ".join(argv) or "Write a function that reverses a string."
    print(f"pipeline: models {DEFAULT_MODEL} -> {FALLBACK_MODEL} via {OLLAMA_URL}")
    try:
        result = Pipeline().run(task)
    except ModelError as exc:
        print(f"pipeline failed: {exc}", file=sys.stderr)
        return 1
    print(f"pipeline: answered by {result.model}")
    print(result.answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
