#!/usr/bin/env bash
# Find and remove models that are not protected.
# Usage: ./scripts/model-prune.sh list-unused          list models that would be removed
#        ./scripts/model-prune.sh keep-models [--yes]  remove every unprotected model
set -euo pipefail

# Models that are never pruned. A name without a tag protects every tag of it
# ("qwen2.5-coder" keeps all variants); a name with a tag protects only that tag.
PROTECTED_MODELS=("qwen2.5-coder" "mistral:latest")
OLLAMA_CONTAINER="${OLLAMA_CONTAINER:-ollama}"

is_protected() {
    local model="$1" pattern
    for pattern in "${PROTECTED_MODELS[@]}"; do
        if [[ "$model" == "$pattern" || ("$pattern" != *:* && "$model" == "$pattern":*) ]]; then
            return 0
        fi
    done
    return 1
}

unused_models() {
    docker exec "$OLLAMA_CONTAINER" ollama list | awk 'NR > 1 { print $1 }' | while read -r model; do
        if ! is_protected "$model"; then
            echo "$model"
        fi
    done
}

case "${1:-}" in
    list-unused)
        unused_models
        ;;
    keep-models)
        mapfile -t doomed < <(unused_models)
        if ((${#doomed[@]} == 0)); then
            echo "model-prune: nothing to prune"
            exit 0
        fi
        echo "model-prune: removing ${doomed[*]}"
        if [[ "${2:-}" != "--yes" ]]; then
            read -r -p "continue? [y/N] " answer
            [[ "$answer" == [yY] ]] || exit 1
        fi
        for model in "${doomed[@]}"; do
            docker exec "$OLLAMA_CONTAINER" ollama rm "$model"
        done
        ;;
    *)
        echo "usage: $0 list-unused|keep-models [--yes]" >&2
        exit 2
        ;;
esac
