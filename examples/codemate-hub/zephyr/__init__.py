"""zephyr: a minimal execution enclave for running generated code in isolation."""
