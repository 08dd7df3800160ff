import json

import pytest

from src import constants, memory_setup
from src.memory_setup import MemoryStore, cosine_similarity, setup_memory


def test_embedding_model_comes_from_constants():
    assert memory_setup.embedding_model == constants.EMBEDDING_MODEL


def test_cosine_similarity():
    assert cosine_similarity([1.0, 0.0], [1.0, 0.0]) == pytest.approx(1.0)
    assert cosine_similarity([1.0, 0.0], [0.0, 1.0]) == pytest.approx(0.0)
    assert cosine_similarity([0.0, 0.0], [1.0, 1.0]) == 0.0
    with pytest.raises(ValueError):
        cosine_similarity([1.0], [1.0, 2.0])


def test_setup_creates_and_seeds_store(tmp_path, embed):
    store = setup_memory(db_path=tmp_path / "chroma_db", collection="test", embed=embed)
    assert store.collection_file.exists()
    assert set(store.records) == {doc_id for doc_id, _ in memory_setup.SEED_DOCUMENTS}
    data = json.loads(store.collection_file.read_text())
    assert data["embedding_model"] == constants.EMBEDDING_MODEL


def test_setup_is_idempotent(tmp_path, embed):
    calls = []

    def counting_embed(text):
        calls.append(text)
        return embed(text)

    setup_memory(db_path=tmp_path, collection="c", embed=counting_embed)
    first = len(calls)
    setup_memory(db_path=tmp_path, collection="c", embed=counting_embed)
    assert first == len(memory_setup.SEED_DOCUMENTS)
    assert len(calls) == first


def test_search_ranks_relevant_document_first(tmp_path, embed):
    store = setup_memory(db_path=tmp_path, collection="c", embed=embed)
    best = store.search("which marker do integration tests carry", k=1)
    assert best[0][0] == "tests"
    assert store.search("anything", k=0) == []


def test_store_refuses_other_embedding_model(tmp_path, embed):
    setup_memory(db_path=tmp_path, collection="c", embed=embed)
    other = MemoryStore(path=tmp_path, collection="c", embedding_model="other:1b", embed=embed)
    with pytest.raises(ValueError, match="chroma_db"):
        other.load()


def test_main_reports_unreachable_ollama(tmp_path, monkeypatch, capsys):
    def unreachable(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(memory_setup.urllib.request, "urlopen", unreachable)
    monkeypatch.setattr(memory_setup, "CHROMA_DB_PATH", str(tmp_path / "chroma_db"))
    assert memory_setup.main() == 1
    assert "memory setup failed" in capsys.readouterr().err
    assert not (tmp_path / "chroma_db").exists()


def test_main_with_fake_embedder(tmp_path, monkeypatch, capsys, embed):
    monkeypatch.setattr(memory_setup, "CHROMA_DB_PATH", str(tmp_path / "chroma_db"))
    monkeypatch.setattr(memory_setup, "OllamaEmbedder", lambda **_: embed)
    assert memory_setup.main() == 0
    assert "4 documents" in capsys.readouterr().out
