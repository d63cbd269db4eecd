"""The tables of master data in and re-coordination (SPEC §6a), as SQLAlchemy Core tables.

- `feed_cursors`: per feed kind, the cursor to ask with next (kept once a page is written).
- `pull_lease`: one row per site; the pull worker that holds it (one at a time, like sync).
- `order_changes`: an order whose route, customer or status changed, and when it arrived.
- `data_versions`: the master data's version (`master`), moved by every write of master
  data (migration 0007), so that open boards reload (`views.change_counter`).
- `tasks`: a staged unit that no longer fits its lane (`restage` or `unstage`), until a
  move puts it where it fits (`ended_at`, `ended_by_event`).

Owned by migrations 0005 and 0007; on the same metadata as `store/tables.py`, so the schema test
compares them too.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

metadata = SQLModel.metadata

FEED_CURSORS = sa.Table(
    "feed_cursors",
    metadata,
    sa.Column("kind", sa.String(length=16), primary_key=True),
    sa.Column("cursor", sa.String(length=200), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

PULL_LEASE = sa.Table(
    "pull_lease",
    metadata,
    sa.Column("name", sa.String(length=32), primary_key=True),
    sa.Column("owner", sa.String(length=128), nullable=True),
    sa.Column("until", sa.DateTime(timezone=True), nullable=True),
)

ORDER_CHANGES = sa.Table(
    "order_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_ref", sa.String(length=64), nullable=False),
    sa.Column("field", sa.String(length=16), nullable=False),
    sa.Column("old", sa.String(length=64), nullable=True),
    sa.Column("new", sa.String(length=64), nullable=True),
    sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_order_changes_order", "order_ref"),
)

TASKS = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("unit", sa.String(length=64), nullable=False),
    sa.Column("order_ref", sa.String(length=64), nullable=True),
    sa.Column("at", sa.String(length=64), nullable=True),
    sa.Column("suggested", sa.Text, nullable=True),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.String(length=200), nullable=True),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ended_by_event", sa.String(length=36), nullable=True),
    sa.Index("ix_tasks_unit_open", "unit", "ended_at"),
)

DATA_VERSIONS = sa.Table(
    "data_versions",
    metadata,
    sa.Column("name", sa.String(length=32), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)
MASTER_DATA = "master"
# Run in every transaction that writes master data (intake/writing.py).
MASTER_DATA_CHANGED = (
    sa.update(DATA_VERSIONS)
    .where(DATA_VERSIONS.c.name == MASTER_DATA)
    .values(version=DATA_VERSIONS.c.version + 1)
)
