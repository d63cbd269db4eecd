"""The one error bad configuration raises (exit 2 on the command line), and the one line
it says for a value pydantic refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stageterm.config.checks import env_name
from stageterm.scanning.hostile import clean_for_display

if TYPE_CHECKING:
    from pydantic import ValidationError

SECRETS = ("upstream_token", "master_token", "serve_token")
# Inputs never repeated in a message: tokens, and addresses that may hold user:password@.
UNSHOWN = frozenset({*SECRETS, "db", "upstream_url", "master_url", "alert_url"})


class ConfigError(ValueError):
    """Bad configuration: a one-line reason for the user, never holding a secret."""


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
