"""The package version, in a module of its own: anything may import it without
importing the package's ``__init__`` (and through it the whole core)."""

__version__ = "0.1.0"
