"""The one validation of master data in: a pydantic model per kind, and `validate`.

`validate(kind, source, rows)` takes numbered rows from anywhere (an import file, a feed
page, an inbox drop) and gives back the checked records, or the problems as
`SOURCE:LINE: reason`, one per bad row, in line order. Each model has exactly the columns
of SPEC §5; an unknown column is a problem, an empty cell is null. What needs the database
(is the location known, does the unit exist already) is checked when the records are
written (`intake/plans.py`); everything else is here.

A location of kind `buffer` must name the `operation` it feeds (its `capacity`, the
kanban limit, may be left empty: no limit); `operation` on any other kind is refused,
as it would mean nothing there. An order's `status` is `open` when empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo
from pydantic import model_validator as after_fields

from stageterm.domain.model import LocationKind, OrderKind, OrderStatus, Quality, Role
from stageterm.intake import cells
from stageterm.intake.cells import CellError
from stageterm.intake.columns import KINDS, unknown_columns


def _column(check: Callable[..., Any], **options: Any) -> BeforeValidator:
    """A pydantic validator that runs a `cells` check on the column it is attached to."""

    def run(value: Any, info: ValidationInfo) -> Any:
        return check(value, info.field_name, **options)

    return BeforeValidator(run)


def _choices(enum: Iterable[Any]) -> list[str]:
    return [member.value for member in enum]


Text = Annotated[str | None, _column(cells.text)]
Required = Annotated[str, _column(cells.required)]
Count = Annotated[int | None, _column(cells.whole_number, minimum=1)]
Day = Annotated[date | None, _column(cells.day)]
Moment = Annotated[datetime | None, _column(cells.moment)]


class _Row(BaseModel):
    # extra="forbid" states the contract; `validate` names unknown columns before pydantic.
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocationIn(_Row):
    code: Required
    kind: Annotated[str, _column(cells.choice, allowed=_choices(LocationKind))]
    name: Text = None
    customer: Text = None
    route: Text = None
    carrier: Text = None
    capacity: Count = None
    work_order: Text = None
    operation: Text = None

    @after_fields(mode="after")
    def _operation_belongs_to_buffers(self) -> LocationIn:
        if self.kind == LocationKind.BUFFER and self.operation is None:
            raise CellError("a buffer needs the operation it feeds (operation is empty)")
        if self.kind != LocationKind.BUFFER and self.operation is not None:
            raise CellError(f"operation is only for buffers, not a {self.kind}")
        return self


class UnitIn(_Row):
    code: Required
    item: Required
    gtin: Annotated[str | None, _column(cells.gtin)] = None
    lot: Text = None
    serial: Text = None
    sscc: Annotated[str | None, _column(cells.sscc)] = None
    quantity: Annotated[int, _column(cells.whole_number, minimum=1)]
    uom: Text = None
    expiry: Day = None
    quality: Annotated[
        str,
        _column(cells.choice, allowed=_choices(Quality), default=Quality.RELEASED.value),
    ] = Quality.RELEASED.value
    location: Text = None
    order: Text = None

    @after_fields(mode="after")
    def _gs1_lot_and_serial(self) -> UnitIn:
        # Found by GTIN + lot + serial from its label, so they must be what a label can hold.
        if self.gtin is not None:
            cells.gs1_lot_or_serial(self.lot, "lot")
            cells.gs1_lot_or_serial(self.serial, "serial")
        return self


class OrderIn(_Row):
    """One order line (or an order without lines): the header repeats on each line."""

    ref: Required
    kind: Annotated[str, _column(cells.choice, allowed=_choices(OrderKind))]
    customer: Text = None
    route: Text = None
    carrier: Text = None
    due_at: Moment = None
    item: Text = None
    quantity: Count = None
    status: Annotated[
        str,
        _column(cells.choice, allowed=_choices(OrderStatus), default=OrderStatus.OPEN.value),
    ] = OrderStatus.OPEN.value

    @after_fields(mode="after")
    def _whole_line(self) -> OrderIn:
        if (self.item is None) != (self.quantity is None):
            raise CellError("an order line needs both item and quantity")
        return self

    def header(self) -> tuple[object, ...]:
        return (self.kind, self.customer, self.route, self.carrier, self.due_at, self.status)


class OperatorIn(_Row):
    badge: Required
    name: Required
    role: Annotated[str, _column(cells.choice, allowed=_choices(Role))]
    pin: Text = None

    @after_fields(mode="after")
    def _pin_length(self) -> OperatorIn:
        if self.pin is not None and not (4 <= len(self.pin) <= 32):
            raise CellError("pin must be 4 to 32 characters")
        return self


MODELS: dict[str, type[_Row]] = {
    "locations": LocationIn,
    "units": UnitIn,
    "orders": OrderIn,
    "operators": OperatorIn,
}
# The column that names a record: a second row with the same value is a duplicate.
_KEYS = {"locations": "code", "units": "code", "operators": "badge"}

R = TypeVar("R", bound=_Row)


@dataclass(frozen=True)
class Checked(Generic[R]):
    """What `validate` found: every record with its line, or the problems (then no records)."""

    kind: str
    source: str
    records: list[tuple[int, R]]
    problems: list[str]


def validate(kind: str, source: str, rows: Iterable[tuple[int, Mapping[str, object]]]) -> Checked:
    """Check every row of one source; problems as `SOURCE:LINE: reason`, in line order."""
    if kind not in MODELS:
        return Checked(kind, source, [], [f"unknown import kind {kind!r}: use {', '.join(KINDS)}"])
    model = MODELS[kind]
    records: list[tuple[int, Any]] = []
    problems: list[tuple[int, str]] = []
    for line, row in rows:
        if not isinstance(row, Mapping):  # a feed's item that is a list or a number
            problems.append((line, "not an object"))
            continue
        reason = unknown_columns(kind, row)
        if reason is None:
            try:
                records.append((line, model.model_validate(row)))
                continue
            except ValidationError as exc:
                reason = _first_reason(exc)
        problems.append((line, reason))
    problems.extend(_across_rows(kind, records))
    if problems:
        problems.sort(key=lambda problem: problem[0])  # stable: a row's own problem first
        return Checked(kind, source, [], [f"{source}:{line}: {why}" for line, why in problems])
    return Checked(kind, source, records, [])


def _first_reason(exc: ValidationError) -> str:
    """One sentence for a bad row: its first bad column, as `cells` worded it."""
    error = exc.errors(include_url=False)[0]
    found = (error.get("ctx") or {}).get("error")
    if isinstance(found, CellError):
        return str(found)
    column = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"{column} is empty"
    return f"{column}: {error['msg']}"  # not expected: every column has a `cells` check


def _across_rows(kind: str, records: list[tuple[int, Any]]) -> list[tuple[int, str]]:
    """Problems between rows: a duplicate (at the later line); orders that disagree."""
    problems: list[tuple[int, str]] = []
    if kind in _KEYS:
        key = _KEYS[kind]
        seen: set[str] = set()
        for line, record in records:
            value = getattr(record, key)
            if value in seen:
                problems.append((line, f"duplicate {key} {value!r}"))
            seen.add(value)
    if kind == "orders":
        headers: dict[str, OrderIn] = {}
        items: set[tuple[str, str]] = set()
        for line, order in records:
            first = headers.setdefault(order.ref, order)
            if first.header() != order.header():
                problems.append(
                    (
                        line,
                        f"order {order.ref} differs from its earlier rows "
                        "(kind, customer, route, carrier, due_at, status)",
                    )
                )
            elif order.item is not None and (order.ref, order.item) in items:
                problems.append(
                    (line, f"duplicate line for item {order.item!r} on order {order.ref}")
                )
            if order.item is not None:
                items.add((order.ref, order.item))
    return problems
