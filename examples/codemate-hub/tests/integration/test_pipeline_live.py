import pytest

from src.pipeline import Pipeline, ollama_generate

pytestmark = pytest.mark.integration


def test_pipeline_answers_with_a_real_model(service_url):
    base = service_url("ollama").removesuffix("/api/tags")
    pipeline = Pipeline(generate=lambda model, prompt: ollama_generate(model, prompt, base))
    result = pipeline.run("Write a Python function that returns the square of a number.")
    assert "def " in result.answer
