"""The upstream token never survives in a message: raw, escaped, quoted, encoded or cut."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import h11
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stageterm.sync.redact import BLOT, Redactor, secret_forms
from stageterm.sync.uplink import clean

TOKEN = "s3cr/et-T0k\"en'+ü\\x"


def h11_error(value: str) -> str:
    """The message h11 (under httpx) gives for a header value it will not send."""
    try:
        h11.Request(method="POST", target="/", headers=[("Host", "h"), ("Authorization", value)])
    except h11.LocalProtocolError as exc:
        return str(exc)
    raise AssertionError("h11 took it")


@pytest.mark.parametrize(
    "message",
    [
        TOKEN,
        f"got Bearer {TOKEN} here",
        repr(TOKEN),
        repr(TOKEN.encode()),
        json.dumps({"auth": TOKEN}),
        json.dumps({"auth": TOKEN}, ensure_ascii=False),
        json.dumps(json.dumps({"auth": TOKEN})),  # escaped twice
        repr(repr(TOKEN.encode())),
        quote(TOKEN, safe=""),
        quote_plus(TOKEN),
        "".join(f"\\u{ord(c):04X}" for c in TOKEN),  # every character escaped
        "x" * 290 + TOKEN,  # to be cut at 300 characters
    ],
)
def test_every_form_of_the_token_is_blotted_before_and_after_a_cut(message: str) -> None:
    redact = Redactor(TOKEN)
    for text in (redact(message), redact(clean(message)), redact(clean(redact(message)))):
        assert BLOT in text
        for form in secret_forms(TOKEN):
            assert form[:6] not in text, (form, text)


def test_the_header_httpx_could_not_send_is_blotted_in_its_error() -> None:
    secret = "tok-SECRET-with-a-line-break\n"
    message = h11_error(f"Bearer {secret}")
    assert "tok-SECRET" in message  # h11 quotes it (as a bytes repr)
    redacted = Redactor(secret)(message)
    assert "tok-SE" not in redacted and BLOT in redacted


def test_words_that_merely_share_a_short_start_with_the_token_stay() -> None:
    redact = Redactor("abcdefghij")
    assert redact("abcde is fine, abcdef is not") == f"abcde is fine, {BLOT} is not"
    assert Redactor("abc")("abc xabcx ab") == f"{BLOT} x{BLOT}x ab"
    assert Redactor("")("anything") == "anything"


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8))
def test_any_printable_token_in_any_common_form_is_blotted(secret: str) -> None:
    redact = Redactor(secret)
    for form in secret_forms(secret):
        assert secret[:6] not in redact(f"<{form}>")


@pytest.mark.parametrize("secret", ["tok-SECRET-line\n", "tok-SECRET-tab\tx", "tok-SECRET-é"])
def test_a_token_that_cannot_be_a_header_value_is_a_configuration_error_naming_no_token(
    secret: str,
) -> None:
    from pydantic import SecretStr

    from stageterm.sync.uplink import Uplink, UplinkConfigError

    with pytest.raises(UplinkConfigError, match="STAGETERM_UPSTREAM_TOKEN") as raised:
        Uplink("http://127.0.0.1:9/capture", SecretStr(secret))
    assert "tok-SE" not in str(raised.value)
