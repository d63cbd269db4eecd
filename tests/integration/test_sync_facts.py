"""An event's upstream body never changes: it is mapped from the facts kept with it.

The kitting area KIT-A is re-imported with another work order between two sends of the
same event; the event as upstream sees it is the same both times.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from receiver import Receiver
from sqlalchemy import select
from sync_site import epcis_errors

from epcis_checks import gs1_errors, jsonld_dropped
from integration.helpers import FIXED_NOW
from stageterm.domain.model import Event, EventType, UnitState, new_event_id
from stageterm.intake import import_rows
from stageterm.store import writes
from stageterm.store.engine import Store
from stageterm.store.tables import UnitRow
from stageterm.sync import SyncWorker, retry_rejected
from stageterm.sync.options import SyncOptions

FAST = SyncOptions(connect_timeout=1, read_timeout=2, retry_attempts=1, retry_initial=0.01)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def kit(store: Store, code: str, *, facts: bool) -> Event:
    """Move `code` from S-01 into KIT-A (work order WO-1), through the store's one write path."""
    with store.write() as session:
        row = session.execute(select(UnitRow).where(UnitRow.code == code)).scalar_one()
        unit = row.to_domain()
        kept = {"work_order": "WO-1", "overrides": ("fefo-skip",)} if facts else {}
        event = Event(
            id=new_event_id(),
            type=EventType.STAGE,
            unit=code,
            occurred_at=FIXED_NOW + timedelta(minutes=5),
            operator="1001",
            terminal="test:tty1",
            from_location="S-01",
            to_location="KIT-A",
            from_state=UnitState.STORED,
            to_state=UnitState.STAGED,
            quantity=unit.quantity,
            **kept,  # type: ignore[arg-type]
        )
        writes.record(session, {code: unit}, [event])
    return event


def reimport_kit_a(store: Store, work_order: str) -> None:
    import_rows(
        store,
        "orders",
        "orders.csv",
        [(2, {"ref": work_order, "kind": "production", "item": "C-1", "quantity": "5"})],
        clock=lambda: FIXED_NOW,
    )
    import_rows(
        store,
        "locations",
        "locations.csv",
        [(2, {"code": "KIT-A", "kind": "kitting", "work_order": work_order})],
        clock=lambda: FIXED_NOW,
    )


def sent_event(receiver: Receiver, index: int) -> dict[str, object]:
    document = receiver.requests[index].json
    assert epcis_errors(document) == []
    assert jsonld_dropped(document) == [] and gs1_errors(document) == []
    (event,) = document["epcisBody"]["eventList"]
    return event  # type: ignore[no-any-return]


def send_twice_around_a_reimport(store: Store, receiver: Receiver, event: Event) -> tuple:  # type: ignore[type-arg]
    worker = SyncWorker(store, url=receiver.url, site="Plant 1", options=FAST)
    # Upstream refuses the first send; a lead retries it after KIT-A changed work order.
    receiver.reject[f"urn:uuid:{event.id}"] = "not yet"
    assert worker.drain_once().rejected == 1
    reimport_kit_a(store, "WO-2")
    receiver.reject.clear()
    assert retry_rejected(store) == 1
    assert worker.drain_once().sent == 1
    worker.close()
    return sent_event(receiver, 0), sent_event(receiver, 1)


def test_an_event_with_its_facts_is_sent_the_same_after_its_kitting_area_changes_work_order(
    sqlite_site: Store, receiver: Receiver
) -> None:
    event = kit(sqlite_site, "C-01", facts=True)
    first, second = send_twice_around_a_reimport(sqlite_site, receiver, event)
    assert first == second
    assert first["bizTransactionList"] == [
        {"type": "prodorder", "bizTransaction": "https://plant-1.stageterm.local/order/WO-1"}
    ]
    assert first["stageterm:overrides"] == ["fefo-skip"]


def test_an_event_written_before_facts_were_kept_is_mapped_from_the_master_data_now(
    sqlite_site: Store, receiver: Receiver
) -> None:
    """The fallback for old events: what the kitting area says at the time of sending."""
    event = kit(sqlite_site, "C-02", facts=False)
    first, second = send_twice_around_a_reimport(sqlite_site, receiver, event)
    assert [t["bizTransaction"] for t in first["bizTransactionList"]] == [  # type: ignore[attr-defined]
        "https://plant-1.stageterm.local/order/WO-1"
    ]
    assert [t["bizTransaction"] for t in second["bizTransactionList"]] == [  # type: ignore[attr-defined]
        "https://plant-1.stageterm.local/order/WO-2"
    ]
