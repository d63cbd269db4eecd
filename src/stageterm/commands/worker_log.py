"""Logs of the long-running workers (`stageterm sync`, `pull`, `serve` as services): one
line an event on standard error, with its level, for journald.

    INFO stageterm-sync: started: sending to https://erp.example/epcis
    WARNING stageterm-sync: not sent: https://erp.example/epcis answered 503

No timestamp: journald stamps every line itself (`journalctl -u stageterm-sync`), and a
terminal that runs a worker by hand reads it as it comes. What is logged never holds a
secret: the workers' messages name settings, never their values (the uplink's answers
pass through its Redactor).
"""

from __future__ import annotations

import logging
import sys
from typing import IO


class OneLine(logging.Formatter):
    """`LEVEL stageterm-WORKER: message`, a line break in a message folded to a space."""

    def __init__(self, worker: str) -> None:
        super().__init__(f"%(levelname)s stageterm-{worker}: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.exc_info = record.exc_text = None  # a traceback is never a log line of ours
        return " ".join(super().format(record).split())


def worker_log(worker: str, stream: IO[str] | None = None) -> logging.Logger:
    """The logger `stageterm.WORKER`, with every `stageterm.*` logger (the worker's own
    modules included) writing one line a record to `stream` (standard error) from INFO up."""
    root = logging.getLogger("stageterm")
    for handler in [h for h in root.handlers if getattr(h, "stageterm_worker", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)  # flushed after every record
    handler.setFormatter(OneLine(worker))
    handler.stageterm_worker = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return logging.getLogger(f"stageterm.{worker}")
