#!/usr/bin/env bash
# Pull models into the ollama container.
# Usage: ./scripts/model-pull.sh default        pull every model in DEFAULT_MODELS
#        ./scripts/model-pull.sh <model>[:tag]  pull one model
set -euo pipefail

# Keep in sync with src/constants.py (DEFAULT_MODEL, FALLBACK_MODEL).
DEFAULT_MODELS=("qwen2.5-coder:7b-q4_0" "mistral:latest")
OLLAMA_CONTAINER="${OLLAMA_CONTAINER:-ollama}"

if [[ $# -ne 1 ]]; then
    echo "usage: $0 default|<model>" >&2
    exit 2
fi

if [[ "$1" == "default" ]]; then
    models=("${DEFAULT_MODELS[@]}")
else
    models=("$1")
fi

for model in "${models[@]}"; do
    echo "model-pull: $model"
    docker exec "$OLLAMA_CONTAINER" ollama pull "$model"
done

docker exec "$OLLAMA_CONTAINER" ollama list
