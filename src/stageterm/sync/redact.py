"""Keeping the upstream token out of every text the sync stores, logs or prints.

A token reaches error texts in more forms than its own: httpx quotes the header it could
not send as a bytes repr (`b'Bearer s3cr\\xc3\\xa9t\\n'`), upstream may echo it JSON-escaped
or percent-encoded, and a long message is cut, leaving the start of the token. `Redactor`
matches the token character by character, each character raw or escaped in any of these
ways (so a mix of them too), and blots it out whole or cut (a prefix of 6 characters or more).
`secret_forms` lists the common forms, for tests to look for.
"""

from __future__ import annotations

import json
import re
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


_NAMED_ESCAPES = {"\n": "n", "\r": "r", "\t": "t", "\\": "\\\\", "'": "'", '"': '"', "/": "/"}


def _char_pattern(char: str) -> re.Pattern[str]:
    """`char` as it may be written in a message: itself, or escaped any number of times
    (Python or JSON `\\xNN`, `\\uNNNN`, `\\n`; `%NN`; `+` for a space)."""
    code = ord(char)
    alternatives = [re.escape(char)]
    if code < 0x100:
        alternatives.append(rf"\\+x(?i:{code:02x})")
    alternatives.append(rf"\\+u(?i:{code:04x})")
    if code > 0xFFFF:
        alternatives.append(rf"\\+U(?i:{code:08x})")
    alternatives.append("".join(f"%(?i:{b:02x})" for b in char.encode("utf-8")))
    if char in _NAMED_ESCAPES:
        alternatives.append(r"\\+" + re.escape(_NAMED_ESCAPES[char]))
    if char == " ":
        alternatives.append(r"\+")
    return re.compile("|".join(alternatives))


class Redactor:
    """Blots the token out of a text: in any of its forms, whole or cut."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._chars = [_char_pattern(c) for c in secret]
        # Shorter than MIN_PREFIX: only the whole token is a token.
        self._enough = min(MIN_PREFIX, len(secret))

    def __call__(self, text: str) -> str:
        if not self._chars:
            return text
        out: list[str] = []
        at = kept = 0
        while at < len(text):
            end = self._match(text, at)
            if end is None:
                at += 1
                continue
            out.append(text[kept:at] + BLOT)
            at = kept = end
        out.append(text[kept:])
        return "".join(out)

    def _match(self, text: str, at: int) -> int | None:
        """Where the token (or a prefix of it, long enough) written from `at` ends, if it is."""
        end, matched = at, 0
        for char in self._chars:
            found = char.match(text, end)
            if found is None or found.end() == end:
                break
            end, matched = found.end(), matched + 1
        return end if matched >= self._enough else None
