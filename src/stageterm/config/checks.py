"""The checks behind the settings' validators (one sentence naming the setting, or None)
and `one_line`, the sentence for a value pydantic itself refused (a number that is not).

Standard library only (plus the hostile-text sentences of `scanning.hostile`), so each
check reads and tests on its own. A sentence never carries a secret or a URL as given:
an address may hold user:password@, and a token must not appear in any form.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from stageterm.scanning.hostile import clean_for_display, text_problem

if TYPE_CHECKING:
    from pydantic import ValidationError

# The terminal id goes into every event and the site into every location URI upstream:
# at most as wide as the columns and identifiers they end up in.
TERMINAL_LIMIT = 128
SITE_LIMIT = 64
# A raw-socket label printer (ZPL) listens here unless told otherwise.
PRINTER_PORT = 9100
CONTENT_TYPES = ("application/ld+json", "application/json")
SECRETS = ("upstream_token", "master_token", "serve_token")
# Inputs never repeated in a message: tokens, and addresses that may hold user:password@.
UNSHOWN = frozenset({*SECRETS, "db", "upstream_url", "master_url", "alert_url"})


def env_name(field: str) -> str:
    """How the user names a setting: as its environment variable, as SPEC §5 does."""
    return f"STAGETERM_{field.upper()}"


def label_text_problem(value: str, field: str) -> str | None:
    limit = TERMINAL_LIMIT if field == "terminal" else SITE_LIMIT
    return text_problem(value, env_name(field), limit)


def path_problem(value: str, field: str) -> str | None:
    """A path is any printable text (a folder may be named in any language)."""
    return text_problem(value, env_name(field), 4096)


def header_token_problem(token: str, field: str) -> str | None:
    """Why `token` cannot be the value of an HTTP header (`Authorization: Bearer …`, a
    cookie), or None. The sentence says what kind of character is wrong, never which."""
    bad: str | None = None
    if any(c.isspace() for c in token):
        # The usual way in: a TOML """ string keeps the newline before its closing quotes.
        bad = 'whitespace (a line break or space, such as a TOML """ string leaves)'
    elif any(ord(c) < 0x20 or ord(c) == 0x7F for c in token):
        bad = "control characters"
    elif not token.isascii():
        bad = "characters beyond ASCII"
    elif not token.isprintable():  # unreachable for ASCII, kept as the last word
        bad = "unprintable characters"
    if bad is None:
        return None
    return f"{env_name(field)} cannot be sent in an HTTP header: it has {bad}"


def url_problem(url: str, field: str) -> str | None:
    """Why `url` cannot be an http:// or https:// address to send to, or None."""
    name = env_name(field)
    if not url.isprintable():
        return f"{name} has control, escape or invisible characters"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - reading it checks it
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535"
        return f"{name} is not a valid address: {exc}"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"{name} is not an http:// or https:// address"
    return None


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: a token sent there never leaves this machine."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cleartext_host(url: str) -> str | None:
    """The host a token would travel to unencrypted (plain http:// to another machine)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme.lower() != "http" or not host or is_loopback(host):
        return None
    return host


def printer_address(value: str, field: str = "printer") -> tuple[str, int]:
    """(host, port) from HOST:PORT, [IPV6]:PORT or a bare host (port 9100); ValueError
    with the sentence otherwise."""
    name = env_name(field)
    text = value.strip()
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise ValueError(f"{name}: write an IPv6 printer as [ADDRESS]:PORT")
        has_port, port_text = bool(rest), rest[1:]
    elif text.count(":") > 1:  # a bare IPv6 address
        host, has_port, port_text = text, False, ""
    else:
        host, colon, port_text = text.partition(":")
        has_port = bool(colon)
    if not host or not all(c.isascii() and (c.isalnum() or c in ".-_:") for c in host):
        raise ValueError(f"{name}: the printer's host is missing or not a host name (HOST:PORT)")
    if not has_port:
        return host, PRINTER_PORT
    if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"{name}: the port must be a number from 1 to 65535 (HOST:PORT)")
    return host, int(port_text)


def content_type_problem(value: str, field: str) -> str | None:
    if value in CONTENT_TYPES:
        return None
    return f"{env_name(field)}: must be {' or '.join(CONTENT_TYPES)}"


_MUST_BE = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "finite_number": "a number",
    "bool_parsing": "yes or no (1/0, true/false, on/off)",
    "bool_type": "yes or no (1/0, true/false, on/off)",
    "string_type": "text",
    "path_type": "a folder path",
}


def one_line(error: ValidationError) -> str:
    """The first problem, as one line naming the setting by its environment variable."""
    first = error.errors(include_url=False)[0]
    kind, loc, ctx = first["type"], first["loc"], first.get("ctx") or {}
    field = str(loc[0]) if loc else ""
    if kind == "value_error":  # our validators' sentences, complete and naming the setting
        return str(first["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"unknown setting {field!r}"
    name = env_name(field)
    if kind in _MUST_BE:
        must = _MUST_BE[kind]
    elif kind == "greater_than":
        must = f"more than {ctx.get('gt'):g}"
    elif kind == "greater_than_equal":
        must = f"at least {ctx.get('ge'):g}"
    else:
        return f"{name}: {first['msg']}"
    if field in UNSHOWN:
        return f"{name} must be {must}"
    return f"{name} must be {must} (not '{clean_for_display(str(first['input']), 40)}')"
