//! A fake `docker` executable put first on PATH: records its argv, answers like docker/ollama.
