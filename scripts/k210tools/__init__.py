"""k210tools: host tools for k210-kpu boards (CLI, transfer, kmodel tools, pytest plugin)."""
__version__ = "0.1.0"
