"""Text that must not reach a terminal or a database as-is: how to spot it and how to show it.

Owns `clean_for_display` (a printable one-line rendering of any string), `is_control`
(a character no scanned code may hold: it poisons the whole scan, SPEC §4),
`unprintable_problem` (the operator-facing sentence for a scan carrying control
characters, escape sequences, invisible characters or undecodable bytes) and
`text_problem` (the same for a code, badge or reason typed on the command line or
set in the configuration, where a length limit applies too).
"""

from __future__ import annotations

GS = "\x1d"
ESC = "\x1b"

# Readable names for the escapes operators and support staff meet most.
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char.isprintable():
        return char
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def clean_for_display(text: str, limit: int = 60) -> str:
    """A printable single-line rendering of `text`, at most `limit` characters long.

    Control characters, escape sequences, invisible characters and undecodable bytes
    are shown as backslash escapes (ESC as \\x1b), so nothing in the result can move a
    cursor, change a colour or split a line. Longer text is cut and ends in "…".
    Markup such as "[red]" is left as it is: it is plain text, and whoever shows it
    must render it literally.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit and text.isprintable():
        return text
    pieces: list[str] = []
    used = 0
    # Stop as soon as the budget is spent, so a 20 kB scan costs no more than a short one.
    for char in text:
        piece = _escape(char)
        if used + len(piece) > limit:
            break
        pieces.append(piece)
        used += len(piece)
    else:
        return "".join(pieces)
    # Make room for the ellipsis without cutting an escape in half.
    while pieces and used + 1 > limit:
        used -= len(pieces.pop())
    return "".join(pieces) + "…"


def is_control(char: str) -> bool:
    """A C0 control but GS, DEL, or a C1 control (U+0080-U+009F; U+009B is CSI).

    Inside a scan any of these makes the whole scan unreadable; dropping one would let the
    rest read as another, valid code ("U00\\0" "03" as U0003). CR, LF and Tab count too:
    only one at the very end is the scan's own terminator, and that is taken off first.
    """
    code = ord(char)
    return (code < 0x20 and char != GS) or 0x7F <= code < 0xA0


def _is_surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


def unprintable_problem(text: str, what: str = "Scan") -> str | None:
    """The sentence describing why `text` cannot be a scan, or None when it is fine.

    GS (ASCII 29) is allowed: it is the GS1 field separator. Everything else that is
    not printable is refused, most specific problem first, with the text shown escaped.
    """
    if text.isprintable() or text.replace(GS, "").isprintable():
        return None
    return _why_unprintable(text, what, gs_allowed=True)


def text_problem(text: str, what: str, max_length: int) -> str | None:
    """The sentence describing why `text` cannot be taken as `what` (a unit code, a badge,
    a reason, a terminal id), or None when it is fine.

    Stricter than a scan: GS is refused too, and so is anything longer than `max_length`
    (the width of the column it would be looked up in or written to). The sentence is one
    printable line however long or hostile `text` is.
    """
    if len(text) > max_length:
        return f"{what} is too long ({len(text)} characters; at most {max_length})"
    if text.isprintable():
        return None
    return _why_unprintable(text, what, gs_allowed=False)


def _why_unprintable(text: str, what: str, *, gs_allowed: bool) -> str:
    shown = clean_for_display(text)
    if any(_is_surrogate(char) for char in text):
        # Undecodable bytes arrive as lone surrogates (errors="surrogateescape").
        return f"{what} has bytes that are not valid text: {shown}"
    if ESC in text:
        return f"{what} has terminal escape sequences: {shown}"
    if any(is_control(char) or (char == GS and not gs_allowed) for char in text):
        return f"{what} has control characters: {shown}"
    return f"{what} has invisible or unprintable characters: {shown}"
