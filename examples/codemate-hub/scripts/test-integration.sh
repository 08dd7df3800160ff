#!/usr/bin/env bash
# Run the integration tests against the running stack.
# Usage: ./scripts/test-integration.sh [full|quick]
#   quick: health checks and the service tests only
#   full:  health checks, the docker exec smoke runs and every integration test
# PYTEST names the pytest executable (default: pytest on PATH).
set -euo pipefail

cd "$(dirname "$0")/.."
mode="${1:-quick}"

case "$mode" in
    full | quick) ;;
    *)
        echo "usage: $0 [full|quick]" >&2
        exit 2
        ;;
esac

echo "integration: checking services"
./scripts/check-health.sh 30

if [[ "$mode" == "quick" ]]; then
    exec "${PYTEST:-pytest}" tests/integration -m integration -v -k "services"
fi

echo "integration: smoke runs inside the coding-assistant container"
docker exec coding-assistant python src/pipeline.py
docker exec coding-assistant python zephyr/demo_enclave.py
docker exec coding-assistant python -m src.orchestration_examples

"${PYTEST:-pytest}" tests/integration -m integration -v
