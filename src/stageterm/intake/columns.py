"""The columns each kind of master data takes (SPEC §5 "Import files"), and nothing heavier.

Light on purpose: the `import` command's argument parser needs the kinds without loading
pydantic, biip or the database libraries.
"""

from __future__ import annotations

from collections.abc import Iterable

COLUMNS: dict[str, tuple[str, ...]] = {
    "locations": (
        "code",
        "kind",
        "name",
        "customer",
        "route",
        "carrier",
        "capacity",
        "work_order",
        "operation",
    ),
    "units": (
        "code",
        "item",
        "gtin",
        "lot",
        "serial",
        "sscc",
        "quantity",
        "uom",
        "expiry",
        "quality",
        "location",
        "order",
    ),
    "orders": (
        "ref",
        "kind",
        "customer",
        "route",
        "carrier",
        "due_at",
        "item",
        "quantity",
        "status",
    ),
    "operators": ("badge", "name", "role", "pin"),
}
KINDS = tuple(COLUMNS)


def unknown_columns(kind: str, columns: Iterable[object]) -> str | None:
    """The reason a header (or a JSON object's keys) names columns `kind` does not take."""
    unknown = [str(c) for c in columns if c not in COLUMNS[kind]]
    if not unknown:
        return None
    shown = ", ".join(repr(c[:40]) for c in unknown[:5])
    return f"unknown column {shown}; {kind} takes {','.join(COLUMNS[kind])}"
