"""Upstream sync: the outbox drain, the EPCIS 2.0 mapping, the HTTP uplink and its backoff.

Nothing here knows about the terminal UI. The UI runs a `SyncWorker` in a background
thread and shows its `status()`; `stageterm sync` and `stageterm export` use the same parts.
"""

from stageterm.sync.outbox import retry_rejected
from stageterm.sync.status import RejectedEvent, SyncStatus, read_status
from stageterm.sync.worker import DrainReport, SyncWorker

__all__ = [
    "DrainReport",
    "RejectedEvent",
    "SyncStatus",
    "SyncWorker",
    "read_status",
    "retry_rejected",
]
