"""The event log as one EPCIS 2.0 document (or our plain JSON list), streamed.

`stageterm export` writes what sync sends, for an upstream that prefers files or for a
re-load after an upstream lost data: every event except receives (which never go
upstream), whatever its sync state, from a seq on. Events are read and written a page at
a time, so a log of millions fits in little memory.
"""

from __future__ import annotations

from typing import IO

from stageterm.store.engine import Store
from stageterm.sync.epcis import Encoder, Format, document_head, dumps
from stageterm.sync.facts import FactsCache, exported_events

PAGE = 1000
_EMPTY_LIST = '"eventList":[]}}'


def write_export(store: Store, out: IO[str], encoder: Encoder, *, since: int = 0) -> int:
    """Write events with seq > `since` to `out`; returns how many."""
    if encoder.format is Format.EPCIS:
        head = dumps(document_head())
        # The document ends with its event list: write up to the list, the events, then close it.
        assert head.endswith(_EMPTY_LIST)
        opening, closing = head[: -len(_EMPTY_LIST)] + '"eventList":[\n', "]}}\n"
    else:
        opening, closing = "[\n", "]\n"
    out.write(opening)
    written = 0
    after = since
    cache = FactsCache()
    while True:
        with store.read() as session:
            events = exported_events(session, after, PAGE)
            facts = cache.facts(session, events)
        if not events:
            break
        for item in encoder.items(events, facts):
            out.write((",\n" if written else "") + dumps(item))
            written += 1
        after = events[-1].seq or after
    out.write(("\n" if written else "") + closing)
    return written
