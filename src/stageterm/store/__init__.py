"""Persistence: SQLModel tables, the engine with its pragmas, units of work, queries, migrations."""
