"""Shared fixtures: deterministic stand-ins for the model services."""

from __future__ import annotations

import hashlib
import re

import pytest

DIMENSIONS = 32


def fake_embed(text: str) -> list[float]:
    """A bag-of-words embedding: each word lands in a hashed bucket."""
    vector = [0.0] * DIMENSIONS
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        bucket = int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIMENSIONS
        vector[bucket] += 1.0
    return vector


@pytest.fixture
def embed():
    return fake_embed


@pytest.fixture
def echo_generate():
    """A model that answers with the model name and the last prompt line."""
    calls: list[tuple[str, str]] = []

    def generate(model: str, prompt: str) -> str:
        calls.append((model, prompt))
        return f"{model}: {prompt.splitlines()[-1]}"

    generate.calls = calls
    return generate
