#!/usr/bin/env bash
# Build the coding-assistant image and pull the service images.
# Usage: ./scripts/build.sh [--no-cache]
set -euo pipefail

cd "$(dirname "$0")/.."

if [[ ! -f .env ]]; then
    echo "build: no .env: compose uses the defaults (cp .env.example .env to change them)"
fi

build_args=()
if [[ "${1:-}" == "--no-cache" ]]; then
    build_args+=(--no-cache)
fi

echo "build: pulling service images"
docker compose pull ollama langflow code-server
echo "build: building the app image"
docker compose build ${build_args[@]+"${build_args[@]}"}
echo "build: done"
