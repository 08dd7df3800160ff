import json
import urllib.request

import pytest

from src.constants import DEFAULT_MODEL, EMBEDDING_MODEL, FALLBACK_MODEL

pytestmark = pytest.mark.integration


def test_ollama_lists_default_models(service_url):
    with urllib.request.urlopen(service_url("ollama"), timeout=10) as response:
        names = {model["name"] for model in json.load(response).get("models", [])}
    for model in (DEFAULT_MODEL, FALLBACK_MODEL):
        assert model in names, f"{model} missing: run ./scripts/model-pull.sh default"


def test_embedding_model_is_pulled(service_url):
    with urllib.request.urlopen(service_url("ollama"), timeout=10) as response:
        names = {model["name"] for model in json.load(response).get("models", [])}
    assert EMBEDDING_MODEL in names


@pytest.mark.parametrize("service", ["langflow", "code-server"])
def test_web_services_answer(service_url, service):
    with urllib.request.urlopen(service_url(service), timeout=10) as response:
        assert response.status == 200
