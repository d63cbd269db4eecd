"""The two read-only helpers the terminal asks of the workflow: which badge needs a PIN
now, and which unit a scan names (for lookup screens)."""

from __future__ import annotations

from integration.helpers import Terminal
from stageterm.services.results import Outcome
from stageterm.services.site import Site


def test_badge_needing_pin_when_signing_in(services: Site) -> None:
    wf = Terminal(services)
    assert wf._badge_needing_pin("9001").name == "Ida Admin"
    assert wf._badge_needing_pin("B:2002").badge == "2002"
    assert wf._badge_needing_pin("1001") is None  # no PIN
    assert wf._badge_needing_pin("U00001") is None  # a unit
    assert wf._badge_needing_pin("L-03") is None  # a location


def test_badge_needing_pin_only_when_it_would_sign_in_or_approve(services: Site) -> None:
    wf = Terminal(services)
    assert wf.sign_in("1001").code == "signed-in"
    assert wf._badge_needing_pin("2002") is None  # signed in, nothing to approve
    wf.scan("L-03")
    assert wf.scan("U00005").outcome is Outcome.NEEDS_APPROVAL
    assert wf._badge_needing_pin("2002").name == "Mia Novak"
    assert wf._badge_needing_pin("2001") is None  # a lead without a PIN approves by badge alone


def test_unit_named(services: Site) -> None:
    wf = Terminal(services)
    unit = services.views.unit("U00002")
    assert wf.unit_named("U00002").code == "U00002"
    assert wf.unit_named(f"]C100{unit.sscc}").code == "U00002"
    assert wf.unit_named("L-03") is None
    assert wf.unit_named("@UNDO") is None
    assert wf.unit_named("NOPE") is None
    assert wf.state.results == []  # read only
