"""Header values are ASCII on the wire: a terminal or site name beyond ASCII is sent
percent-encoded (UTF-8), printable ASCII as it is."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from pydantic import SecretStr

from stageterm.sync.uplink import Uplink, UplinkConfigError, _header_value


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


@pytest.mark.parametrize("token", ["Qz7vK9wXp2Lm\n", "Qz7vK9wXp2Lmé", "Qz7v K9wXp2Lm"])
def test_a_token_no_header_can_carry_is_refused_before_any_request(token: str) -> None:
    """Settings refuse such a token when read; an uplink built in code refuses it too,
    rather than letting the HTTP library quote the header (token and all) in its error."""
    with pytest.raises(UplinkConfigError) as caught:
        Uplink("http://127.0.0.1:9/capture", SecretStr(token))
    assert "STAGETERM_UPSTREAM_TOKEN cannot be sent in an HTTP header" in str(caught.value)
    assert "Qz7v" not in str(caught.value)
