"""Keeping the upstream token out of every text the sync stores, logs or prints.

A token reaches error texts in more forms than its own: httpx quotes the header it could
not send as a bytes repr (`b'Bearer s3cr\\xc3\\xa9t\\n'`), upstream may echo it JSON-escaped
or percent-encoded, and a long message is cut, leaving the start of the token. `Redactor`
knows these forms and blots out each, whole or cut (any prefix of 6 characters or more).
"""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

BLOT = "********"
MIN_PREFIX = 6  # a cut-off token is still blotted when this much of it is left


def _escapes(text: str) -> set[str]:
    """`text` as Python and JSON would quote it, without the quotes."""
    return {
        repr(text)[1:-1],
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        repr(text.encode("utf-8", "backslashreplace"))[2:-1],
    }


def secret_forms(secret: str) -> list[str]:
    """Every form `secret` may take in a message, longest first."""
    if not secret:
        return []
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    forms |= _escapes(secret)
    # A repr of a message that held a repr (an error quoting another error): escaped twice.
    for form in list(forms):
        forms |= _escapes(form)
    return sorted((f for f in forms if f), key=len, reverse=True)


class Redactor:
    """Blots the token out of a text, in any of its forms, whole or cut."""

    def __init__(self, secret: str) -> None:
        self._forms = secret_forms(secret)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = _blot(text, form)
        return text


def _blot(text: str, form: str) -> str:
    """`text` with every run that is `form`, or a prefix of it of MIN_PREFIX or more, blotted."""
    head = form[: min(MIN_PREFIX, len(form))]
    if head not in text:
        return text
    out: list[str] = []
    at = 0
    while (found := text.find(head, at)) >= 0:
        end = found + len(head)
        while end - found < len(form) and end < len(text) and text[end] == form[end - found]:
            end += 1
        whole = end - found == len(form)
        if whole or end - found >= MIN_PREFIX:
            out.append(text[at:found] + BLOT)
        else:
            out.append(text[at:end])  # a short token's start, not the token: keep it
        at = end
    out.append(text[at:])
    return "".join(out)
