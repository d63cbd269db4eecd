"""A printed label, scanned at the terminal, names its own unit: the unit's label drawn,
read back by zxing-cpp as a keyboard-wedge scanner would send it, and scanned through the
same workflow as the terminal UI."""

from __future__ import annotations

import pytest

from integration.helpers import SSCC_OF_U01, Terminal
from stageterm.labels.content import staged_lane, unit_content
from stageterm.labels.draw import draw_label
from stageterm.labels.layout import SIZES
from stageterm.services.results import Outcome
from stageterm.services.site import Site
from stageterm.store.engine import Store

zxingcpp = pytest.importorskip("zxingcpp")


def test_the_sscc_barcode_of_a_printed_label_moves_its_unit(sqlite_site: Store, clock) -> None:  # type: ignore[no-untyped-def]
    services = Site(sqlite_site, terminal="T-1", clock=clock)  # the site's own day
    unit = services.views.unit("U-01")
    assert unit is not None and unit.sscc == SSCC_OF_U01
    image = draw_label(
        unit_content(unit, order=unit.order, lane=staged_lane(unit)), SIZES["100x150"], 203
    )
    read = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    # What a scanner sends: the AIM identifier, then the element string.
    scans = {b.symbology_identifier + b.text for b in read}
    assert f"]C100{SSCC_OF_U01}" in scans

    floor = Terminal(services)
    assert floor.scan("B:1001").code == "signed-in"
    floor.scan("L-ACME-N")
    moved = floor.scan(f"]C100{SSCC_OF_U01}")
    assert (moved.outcome, moved.unit) == (Outcome.MOVED, "U-01"), moved
    # The contents barcode alone names the item and lot, which this site holds once.
    contents = next(s for s in scans if s.startswith("]C102"))
    again = floor.scan(contents)
    assert (again.outcome, again.unit) == (Outcome.ALREADY_THERE, "U-01"), again
