#!/usr/bin/env bash
# Start every service in the background and wait until they report healthy.
# Usage: ./scripts/deploy.sh [timeout-seconds]   (default 120)
set -euo pipefail

cd "$(dirname "$0")/.."
timeout="${1:-120}"

echo "deploy: starting services"
docker compose up -d

echo "deploy: waiting up to ${timeout}s for the services to become healthy"
"$(dirname "$0")/check-health.sh" "$timeout"

echo "deploy: ollama      http://localhost:11434"
echo "deploy: langflow    http://localhost:7860"
echo "deploy: code-server http://localhost:8080"
