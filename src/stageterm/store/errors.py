"""The one store error the command line and the app show to a person (no SQLAlchemy here)."""


class StoreError(Exception):
    """A database problem an operator or IT person can act on (one-line reason).

    `code` names the kind for a `--json` answer: database-busy, database-replaced,
    disk-full, database-error (the default: a bad URL, a missing file, anything else)."""

    def __init__(self, message: str, code: str = "database-error") -> None:
        super().__init__(message)
        self.code = code
