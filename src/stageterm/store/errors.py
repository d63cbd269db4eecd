"""The one store error the command line and the app show to a person (no SQLAlchemy here)."""


class StoreError(Exception):
    """A database problem an operator or IT person can act on (one-line reason)."""
