"""Siyada: private AI code review; a local model reviews each function."""

__version__ = "0.1.0"
