"""The Alembic migrations (versions/) and HEAD, the newest revision among them.

HEAD is kept here as a constant so that an ordinary start compares the database's revision
with it without importing Alembic (~0.5-1 s); tests/integration/test_migrations.py checks
that it names the newest migration. Add a migration: set HEAD to its revision.
"""

HEAD = "0007"
