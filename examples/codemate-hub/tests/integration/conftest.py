"""Integration tests talk to the services started by ./scripts/deploy.sh.

Endpoints default to the ports published in docker-compose.yml; override them with
OLLAMA_HOST_URL, LANGFLOW_URL and CODE_SERVER_URL when the stack runs elsewhere.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request

import pytest

ENDPOINTS = {
    "ollama": os.getenv("OLLAMA_HOST_URL", "http://localhost:11434") + "/api/tags",
    "langflow": os.getenv("LANGFLOW_URL", "http://localhost:7860") + "/health",
    "code-server": os.getenv("CODE_SERVER_URL", "http://localhost:8080") + "/healthz",
}


def reachable(url: str, timeout: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 500
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def service_url():
    """Return a function giving a service's health URL, skipping when it is down."""

    def get(name: str) -> str:
        url = ENDPOINTS[name]
        if not reachable(url):
            pytest.skip(f"{name} is not reachable at {url}: run ./scripts/deploy.sh first")
        return url

    return get
