"""The scanner-burst test on the real app: 50 GS1 scans of about 30 characters, every
key posted at once (and again at ~1 ms a character), each scan staged exactly once."""

from __future__ import annotations

import pytest
from tui_kit import post_keys, signed_in, type_keys, until

from stageterm.domain.model import Quality, UnitState
from stageterm.services.results import Outcome
from stageterm.services.site import Site


def movable_units(services: Site, count: int) -> list[tuple[str, str]]:
    """(code, GS1 scan) of released, open finished-goods units: ]C1 00 SSCC 10 lot."""
    found = []
    for n in range(1, 141):
        unit = services.views.unit(f"U{n:05d}")
        if (
            unit is None
            or unit.quality is not Quality.RELEASED
            or unit.state in (UnitState.ISSUED, UnitState.LOADED)
        ):
            continue
        if (
            (unit.expiry is not None and unit.expiry < services.now().date())
            or not unit.sscc
            or not unit.lot
        ):
            continue
        if unit.location == "S-20":
            continue
        found.append((unit.code, f"]C100{unit.sscc}10{unit.lot}"))
    assert len(found) >= count
    return found[:count]


@pytest.mark.parametrize("pace", ["burst", "1ms"])
async def test_fifty_scans_back_to_back_none_lost_none_merged(
    make_app, services: Site, pace: str
) -> None:
    units = movable_units(services, 50)
    assert all(28 <= len(scan) <= 32 for _code, scan in units)
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        stream = "S-20\r" + "".join(scan + "\r" for _code, scan in units)
        if pace == "burst":
            post_keys(app, stream)
        else:
            await type_keys(app, stream, gap=0.001)
        log = app.stage.query_one("#log")
        await until(pilot, lambda: len(log.entries) >= 52, timeout=30, what="52 answers")
        await pilot.pause(0.2)
        answers = list(reversed(log.entries))[1:]  # oldest first, after the sign-in
    assert len(answers) == 51
    assert answers[0].result.outcome is Outcome.TARGET
    moved = [a.result for a in answers[1:]]
    assert [r.outcome for r in moved] == [Outcome.MOVED] * 50, [
        r.message for r in moved if r.outcome is not Outcome.MOVED
    ]
    assert [r.unit for r in moved] == [code for code, _scan in units]
    for code, _scan in units:
        assert services.views.unit(code).location == "S-20"
