"""codemate-hub: the coding assistant application that runs in the ``coding-assistant`` container.

The package is deliberately light at import time: nothing here talks to Ollama, Langflow or
Chroma until a function is called.
"""

__version__ = "0.4.0"
