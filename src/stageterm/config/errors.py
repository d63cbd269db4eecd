"""The one error bad configuration raises (exit 2 on the command line)."""

from __future__ import annotations


class ConfigError(ValueError):
    """Bad configuration: a one-line reason for the user, never holding a secret."""
