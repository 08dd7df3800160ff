"""Shared configuration for the coding assistant.

Model names live here and nowhere else: ``scripts/model-pull.sh`` pulls the same defaults and
``src/memory_setup.py`` takes its embedding model from :data:`EMBEDDING_MODEL`.
"""

import os

# Primary model (code generation and embeddings).
DEFAULT_MODEL = "qwen2.5-coder:7b-q4_0"

# Fallback model (general-purpose tasks) when the primary model is not available.
FALLBACK_MODEL = "mistral:latest"

# Embeddings are computed with the primary model so that a single pull is enough; the
# EMBEDDING_MODEL environment variable (docker-compose.yml, .env) overrides it.
EMBEDDING_MODEL = os.getenv("EMBEDDING_MODEL", DEFAULT_MODEL)

# Models that must never be pruned (see scripts/model-prune.sh).
PROTECTED_MODEL_PREFIXES = ("qwen2.5-coder", "mistral")

# Service endpoints. Inside docker compose the services reach each other by service name.
OLLAMA_URL = os.getenv("OLLAMA_URL", "http://ollama:11434")
LANGFLOW_PORT = int(os.getenv("LANGFLOW_PORT", "7860"))
CODE_SERVER_PORT = int(os.getenv("CODE_SERVER_PORT", "8080"))

# Where the memory (vector store) lives and how it is named.
CHROMA_DB_PATH = os.getenv("CHROMA_DB_PATH", "./chroma_db")
CHROMA_COLLECTION = os.getenv("CHROMA_COLLECTION", "codemate_memory")

# Request settings for calls to Ollama.
REQUEST_TIMEOUT_SECONDS = float(os.getenv("OLLAMA_TIMEOUT", "120"))
LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO")
