"""Header values are ASCII on the wire: a terminal or site name beyond ASCII is sent
percent-encoded (UTF-8), printable ASCII as it is."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from stageterm.sync.uplink import _header_value


@pytest.mark.parametrize(
    ("name", "sent"),
    [
        ("dock-1:pts/3", "dock-1:pts/3"),
        ("Kasse-ü", "Kasse-%C3%BC"),
        ("Café Nord", "Caf%C3%A9 Nord"),
        ("100%", "100%25"),
    ],
)
def test_header_values_are_ascii_and_decode_back(name: str, sent: str) -> None:
    assert _header_value(name) == sent
    assert sent.isascii() and unquote(sent) == name
