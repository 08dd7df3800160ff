"""Initialise and query the assistant's long-term memory.

The memory is a small persistent vector store under ``CHROMA_DB_PATH`` (``chroma_db/`` by
default). Documents are embedded with the embedding model configured in :mod:`src.constants`,
served by Ollama, and searched by cosine similarity.

Run ``python src/memory_setup.py`` (inside the ``coding-assistant`` container) to create the
store and seed it with the project's starter documents.
"""

from __future__ import annotations

import json
import math
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from src import constants
from src.constants import CHROMA_COLLECTION, CHROMA_DB_PATH, EMBEDDING_MODEL, OLLAMA_URL

# The embedding model comes from src/constants.py; change it there, not here.
embedding_model = EMBEDDING_MODEL

Embedder = Callable[[str], list[float]]

SEED_DOCUMENTS: tuple[tuple[str, str], ...] = (
    ("style", "Python code is formatted with black and linted with ruff (line length 100)."),
    ("tests", "Unit tests run with pytest; integration tests carry the integration marker."),
    ("models", "The default model is pulled with ./scripts/model-pull.sh default."),
    ("health", "Service health is checked with ./scripts/check-health.sh <timeout-seconds>."),
)


class OllamaEmbedder:
    """Compute embeddings through Ollama's ``/api/embeddings`` endpoint."""

    def __init__(self, model: str, base_url: str, timeout: float | None = None):
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.timeout = constants.REQUEST_TIMEOUT_SECONDS if timeout is None else timeout

    def __call__(self, text: str) -> list[float]:
        payload = json.dumps({"model": self.model, "prompt": text}).encode("utf-8")
        request = urllib.request.Request(
            f"{self.base_url}/api/embeddings",
            data=payload,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            body = json.load(response)
        embedding = body.get("embedding")
        if not embedding:
            raise RuntimeError(f"ollama returned no embedding for model {self.model!r}")
        return [float(x) for x in embedding]


def cosine_similarity(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two vectors; 0.0 when either vector is all zeros."""
    if len(a) != len(b):
        raise ValueError(f"dimension mismatch: {len(a)} != {len(b)}")
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


@dataclass
class MemoryStore:
    """A persistent collection of embedded documents."""

    path: Path
    collection: str
    embedding_model: str
    embed: Embedder
    records: dict[str, dict] = field(default_factory=dict)

    @property
    def collection_file(self) -> Path:
        return self.path / f"{self.collection}.json"

    def load(self) -> MemoryStore:
        if self.collection_file.exists():
            data = json.loads(self.collection_file.read_text(encoding="utf-8"))
            if data.get("embedding_model") != self.embedding_model:
                raise ValueError(
                    f"collection {self.collection!r} was built with "
                    f"{data.get('embedding_model')!r}, not {self.embedding_model!r}: "
                    "remove the chroma_db/ directory and run memory setup again"
                )
            self.records = data.get("records", {})
        return self

    def save(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        data = {"embedding_model": self.embedding_model, "records": self.records}
        tmp = self.collection_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(self.collection_file)

    def add(self, doc_id: str, text: str) -> None:
        self.records[doc_id] = {"text": text, "embedding": self.embed(text)}

    def add_many(self, documents: Iterable[tuple[str, str]]) -> int:
        count = 0
        for doc_id, text in documents:
            self.add(doc_id, text)
            count += 1
        return count

    def search(self, query: str, k: int = 3) -> list[tuple[str, float, str]]:
        """Return up to ``k`` ``(doc_id, score, text)`` tuples, best first."""
        if k <= 0 or not self.records:
            return []
        query_vector = self.embed(query)
        scored = [
            (doc_id, cosine_similarity(query_vector, record["embedding"]), record["text"])
            for doc_id, record in self.records.items()
        ]
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored[:k]


def setup_memory(
    db_path: str | Path | None = None,
    collection: str | None = None,
    embed: Embedder | None = None,
    seed: bool = True,
) -> MemoryStore:
    """Open (or create) the memory store and seed it with the starter documents.

    ``db_path`` and ``collection`` default to ``CHROMA_DB_PATH`` and ``CHROMA_COLLECTION``.
    """
    if embed is None:
        embed = OllamaEmbedder(
            base_url=OLLAMA_URL,
            model=EMBEDDING_MODEL,
            timeout=constants.REQUEST_TIMEOUT_SECONDS,
        )
    store = MemoryStore(
        path=Path(db_path if db_path is not None else CHROMA_DB_PATH),
        collection=collection if collection is not None else CHROMA_COLLECTION,
        embedding_model=embedding_model,
        embed=embed,
    ).load()
    if seed:
        missing = [(doc_id, text) for doc_id, text in SEED_DOCUMENTS if doc_id not in store.records]
        store.add_many(missing)
    store.save()
    return store


def main() -> int:
    print(f"memory: embedding model {embedding_model} via {OLLAMA_URL}")
    try:
        store = setup_memory()
    except (urllib.error.URLError, OSError, RuntimeError, ValueError) as exc:
        print(f"memory setup failed: {exc}", file=sys.stderr)
        return 1
    print(f"memory: {len(store.records)} documents in {store.collection_file}")
    for doc_id, score, _ in store.search("how do I run the tests?", k=2):
        print(f"  {doc_id}: {score:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
