"""Event ids are UUIDv7 that sort in the order they were made (RFC 9562 §6.2, a counter)."""

from __future__ import annotations

import threading
import time
import uuid

from stageterm.domain.model import new_event_id


def test_ten_thousand_ids_made_as_fast_as_possible_sort_in_the_order_made() -> None:
    ids = [new_event_id() for _ in range(10_000)]
    assert sorted(ids) == ids
    assert len(set(ids)) == len(ids)
    # Many share a millisecond: the order comes from the counter, not only the clock.
    assert len({i[:13] for i in ids}) < len(ids)


def test_ids_are_version_7_rfc_variant_with_the_time_of_making() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid.UUID(new_event_id())
    after = time.time_ns() // 1_000_000
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= after


def test_ids_made_on_many_threads_at_once_are_all_different_and_each_thread_sorted() -> None:
    made: dict[int, list[str]] = {}
    start = threading.Barrier(8)

    def make(n: int) -> None:
        start.wait()
        made[n] = [new_event_id() for _ in range(5_000)]

    threads = [threading.Thread(target=make, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for ids in made.values() for i in ids]
    assert len(set(every)) == len(every) == 40_000
    for ids in made.values():
        assert sorted(ids) == ids
