#!/usr/bin/env bash
# Poll the services' HTTP endpoints until all answer or the timeout expires.
# Usage: ./scripts/check-health.sh [timeout-seconds]   (default 120)
set -euo pipefail

timeout="${1:-120}"
if ! [[ "$timeout" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 [timeout-seconds]" >&2
    exit 2
fi

declare -A endpoints=(
    [ollama]="http://localhost:11434/api/tags"
    [langflow]="http://localhost:7860/health"
    [code-server]="http://localhost:8080/healthz"
)

deadline=$((SECONDS + timeout))
pending=("${!endpoints[@]}")

while ((${#pending[@]} > 0)); do
    still_pending=()
    for service in "${pending[@]}"; do
        if curl --silent --fail --max-time 5 --output /dev/null "${endpoints[$service]}"; then
            echo "health: $service is up (${endpoints[$service]})"
        else
            still_pending+=("$service")
        fi
    done
    pending=("${still_pending[@]+"${still_pending[@]}"}")
    if ((${#pending[@]} == 0)); then
        break
    fi
    if ((SECONDS >= deadline)); then
        echo "health: not healthy after ${timeout}s: ${pending[*]}" >&2
        exit 1
    fi
    sleep 5
done

if docker inspect --format '{{.State.Health.Status}}' coding-assistant 2>/dev/null | grep -q unhealthy; then
    echo "health: container coding-assistant is unhealthy" >&2
    exit 1
fi
echo "health: all services healthy"
