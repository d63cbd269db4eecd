"""JSON for a terminal: the same values, but no character a terminal would act on.

`json.dumps(ensure_ascii=False)` keeps text readable but leaves DEL, C1 controls, bidi
overrides and lone surrogates raw; here each is written as a \\u escape instead.
"""

from __future__ import annotations

import io
import json
import re
from typing import IO, Any

import orjson

# What json.dumps(ensure_ascii=False) leaves raw but a terminal may act on or draw
# misleadingly: DEL, C1 controls (U+009B is CSI), bidi overrides, zero-width and line
# separators, lone surrogates from undecodable argv bytes. C0 controls are escaped already
# inside strings; a raw line break or tab can only be whitespace between tokens.
_UNPRINTABLE = re.compile(r"[^\x20-\x7e\n\r\t]")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if char.isprintable():
        return char
    code = ord(char)
    if code > 0xFFFF:  # a surrogate pair, as JSON spells characters beyond the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def escape_unprintable(json_text: str) -> str:
    """JSON text with every character that is not printable spelled as a \\u escape: the
    same values, shown safely. Outside strings JSON is ASCII, so only contents change."""
    if json_text.isascii() and "\x7f" not in json_text:
        return json_text  # C0 controls are escaped already: nothing to do (and quick)
    return _UNPRINTABLE.sub(_json_escape, json_text)


def json_line(value: Any, *, compact: bool = False) -> str:
    """`value` as one line of JSON: readable UTF-8 text, nothing a terminal acts on.
    `compact`: without spaces, written by orjson at a sixth of json's time (a month's
    report is 12 MB of JSON); json where orjson cannot (a lone surrogate from argv)."""
    if compact:
        try:
            return escape_unprintable(orjson.dumps(value, default=str).decode("utf-8"))
        except (orjson.JSONEncodeError, UnicodeDecodeError):
            pass
    return escape_unprintable(json.dumps(value, ensure_ascii=False, default=str))


class JsonToTerminal(io.TextIOBase):
    """A stream of JSON text (a document written in pieces) passed through
    `escape_unprintable` on its way to `out`, which may be a terminal."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._out.write(escape_unprintable(text))
        return len(text)

    def flush(self) -> None:
        self._out.flush()
