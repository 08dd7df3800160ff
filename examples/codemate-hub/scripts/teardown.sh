#!/usr/bin/env bash
# Stop the stack. With --force also remove volumes (models, langflow data) without asking.
# Usage: ./scripts/teardown.sh [--force]
set -euo pipefail

cd "$(dirname "$0")/.."

case "${1:-}" in
    --force)
        echo "teardown: stopping services and removing volumes"
        docker compose down --volumes --remove-orphans
        ;;
    "")
        echo "teardown: stopping services (volumes kept; --force removes them)"
        docker compose down --remove-orphans
        ;;
    *)
        echo "usage: $0 [--force]" >&2
        exit 2
        ;;
esac
