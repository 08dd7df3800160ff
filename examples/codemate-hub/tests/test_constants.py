import importlib

from src import constants


def test_default_models():
    assert constants.DEFAULT_MODEL == "qwen2.5-coder:7b-q4_0"
    assert constants.FALLBACK_MODEL == "mistral:latest"


def test_embedding_model_is_the_default_model():
    assert constants.EMBEDDING_MODEL == constants.DEFAULT_MODEL


def test_protected_prefixes_cover_default_models():
    for model in (constants.DEFAULT_MODEL, constants.FALLBACK_MODEL):
        assert model.startswith(constants.PROTECTED_MODEL_PREFIXES)


def test_env_overrides(monkeypatch):
    monkeypatch.setenv("OLLAMA_URL", "http://localhost:11434")
    monkeypatch.setenv("LANGFLOW_PORT", "7861")
    try:
        reloaded = importlib.reload(constants)
        assert reloaded.OLLAMA_URL == "http://localhost:11434"
        assert reloaded.LANGFLOW_PORT == 7861
    finally:
        monkeypatch.undo()
        importlib.reload(constants)


def test_defaults_without_env(monkeypatch):
    for name in ("OLLAMA_URL", "CHROMA_DB_PATH", "LANGFLOW_PORT"):
        monkeypatch.delenv(name, raising=False)
    try:
        reloaded = importlib.reload(constants)
        assert reloaded.OLLAMA_URL == "http://ollama:11434"
        assert reloaded.CHROMA_DB_PATH == "./chroma_db"
        assert reloaded.LANGFLOW_PORT == 7860
    finally:
        monkeypatch.undo()
        importlib.reload(constants)
