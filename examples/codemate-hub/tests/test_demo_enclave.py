from zephyr.demo_enclave import main, run_in_enclave, scrubbed_env


def test_scrubbed_env_drops_service_settings():
    env = scrubbed_env({"PATH": "/usr/bin", "OLLAMA_URL": "http://ollama:11434", "HOME": "/root"})
    assert env == {"PATH": "/usr/bin"}


def test_enclave_runs_code():
    result = run_in_enclave("print(6 * 7)")
    assert result.ok
    assert result.stdout.strip() == "42"


def test_enclave_reports_errors():
    result = run_in_enclave("raise SystemExit(3)")
    assert result.returncode == 3
    assert not result.ok


def test_enclave_times_out():
    result = run_in_enclave("while True: pass", timeout=0.5)
    assert result.timed_out
    assert not result.ok


def test_demo(capsys):
    assert main() == 0
    out = capsys.readouterr().out
    assert "enclave [arithmetic]: ok: 45" in out
    assert "enclave [no secrets]: ok: False" in out
