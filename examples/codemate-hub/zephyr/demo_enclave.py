"""Run untrusted snippets in a throw-away enclave: a fresh interpreter in an empty directory.

The enclave gives each snippet a temporary working directory, a scrubbed environment (no
credentials or service URLs leak into it), isolated mode (``python -I``) and a wall-clock limit
from ``ZEPHYR_TIMEOUT_SECONDS``. Run ``python zephyr/demo_enclave.py`` for a demonstration.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

DEFAULT_TIMEOUT_SECONDS = float(os.getenv("ZEPHYR_TIMEOUT_SECONDS", "10"))
ALLOWED_ENV = ("PATH", "LANG", "LC_ALL", "TZ")


@dataclass
class EnclaveResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def scrubbed_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """Keep only harmless variables from ``env`` (default: the current environment)."""
    source = os.environ if env is None else env
    return {key: source[key] for key in ALLOWED_ENV if key in source}


def run_in_enclave(code: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> EnclaveResult:
    with tempfile.TemporaryDirectory(prefix="zephyr-") as workdir:
        try:
            proc = subprocess.run(
                [sys.executable, "-I", "-c", code],
                cwd=workdir,
                env=scrubbed_env(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout or ""
            return EnclaveResult(
                -1, out if isinstance(out, str) else out.decode(), "timeout", timed_out=True
            )
    return EnclaveResult(proc.returncode, proc.stdout, proc.stderr)


DEMOS = {
    "arithmetic": "print(sum(range(10)))",
    "isolated cwd": "import os; print(len(os.listdir('.')))",
    "no secrets": "import os; print('OLLAMA_URL' in os.environ)",
}


def main() -> int:
    failures = 0
    for name, code in DEMOS.items():
        result = run_in_enclave(code)
        status = "ok" if result.ok else "FAILED"
        print(f"enclave [{name}]: {status}: {result.stdout.strip() or result.stderr.strip()}")
        failures += not result.ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
