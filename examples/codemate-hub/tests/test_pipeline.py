import pytest

from src.constants import DEFAULT_MODEL, FALLBACK_MODEL
from src.pipeline import ModelError, Pipeline, build_prompt


def test_build_prompt_numbers_context():
    prompt = build_prompt("  reverse a list ", ["use slicing", "mind empty lists"])
    lines = prompt.splitlines()
    assert lines[-1] == "Task: reverse a list"
    assert "[1] use slicing" in lines
    assert "[2] mind empty lists" in lines


def test_build_prompt_rejects_empty_task():
    with pytest.raises(ValueError):
        build_prompt("   ")


def test_pipeline_uses_default_model(echo_generate):
    result = Pipeline(generate=echo_generate).run("write hello world")
    assert result.model == DEFAULT_MODEL
    assert result.attempts == [DEFAULT_MODEL]
    assert result.answer.endswith("Task: write hello world")


def test_pipeline_falls_back(echo_generate):
    def flaky(model, prompt):
        if model == DEFAULT_MODEL:
            raise OSError("model not found")
        return echo_generate(model, prompt)

    result = Pipeline(generate=flaky).run("sort a dict")
    assert result.model == FALLBACK_MODEL
    assert result.attempts == [DEFAULT_MODEL, FALLBACK_MODEL]


def test_pipeline_raises_when_no_model_answers():
    with pytest.raises(ModelError, match="empty answer"):
        Pipeline(generate=lambda model, prompt: "  ").run("task")


def test_pipeline_passes_retrieved_context(echo_generate):
    Pipeline(generate=echo_generate, retrieve=lambda task: ["a note"]).run("task")
    assert "[1] a note" in echo_generate.calls[0][1]
