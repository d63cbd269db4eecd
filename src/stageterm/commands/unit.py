"""`stageterm unit CODE`: a unit's details and its whole history."""

from __future__ import annotations

import argparse
from typing import Any

from stageterm.commands.context import CommandError, Context, readable
from stageterm.commands.exit_codes import Exit
from stageterm.domain.metrics import format_dwell
from stageterm.domain.model import Event, Unit
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "unit",
        parents=[common],
        help="a unit's details and event history",
        description="Show a unit's fields and its events, oldest first.",
    )
    p.add_argument("code", metavar="CODE", help="unit code")
    p.add_argument("--json", action="store_true", help="the unit's fields plus its history as JSON")
    p.set_defaults(handler=run)


def unit_json(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "item": unit.item,
        "gtin": unit.gtin,
        "lot": unit.lot,
        "serial": unit.serial,
        "sscc": unit.sscc,
        "quantity": unit.quantity,
        "uom": unit.uom,
        "expiry": unit.expiry.isoformat() if unit.expiry else None,
        "quality": unit.quality.value,
        "state": unit.state.value,
        "location": unit.location,
        "order": unit.order,
        "staged_at": unit.staged_at.isoformat() if unit.staged_at else None,
        "version": unit.version,
        "parent": unit.parent,
    }


def event_json(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "seq": event.seq,
        "type": event.type.value,
        "unit": event.unit,
        "from": event.from_location,
        "to": event.to_location,
        "quantity": event.quantity,
        "operator": event.operator,
        "approved_by": event.approved_by,
        "terminal": event.terminal,
        "occurred_at": event.occurred_at.isoformat(),
        "reason": event.reason,
        "undoes": event.undoes,
        "quality": event.to_quality.value if event.to_quality else None,
        "sync_state": event.sync_state.value,
    }


def run(args: argparse.Namespace, ctx: Context) -> int:
    code = readable(args.code, "Unit code")  # before the database is even opened
    detail = ctx.site().views.unit_detail(code)
    if detail is None:
        raise CommandError(f"unit {clean_for_display(args.code)} is not known here", Exit.REFUSED)
    if args.json:
        ctx.print_json(
            {**unit_json(detail.unit), "history": [event_json(e) for e in detail.history]}
        )
        return Exit.DONE
    u = detail.unit
    c = clean_for_display
    ctx.print(
        f"Unit {c(u.code)}  item {c(u.item)}  lot {c(u.lot or '-')}  qty {u.quantity} {c(u.uom or '')}"
    )
    ctx.print(
        f"  {u.state.value}, {u.quality.value}, at {c(u.location or '-')}, order {c(u.order or '-')}, "
        f"expiry {u.expiry or '-'}, dwell {format_dwell(detail.dwell_s)}"
    )
    for e in detail.history:
        approved = f" approved by {c(e.approved_by)}" if e.approved_by else ""
        if e.overrides:  # every rule the lead was shown and overrode
            approved += f" ({', '.join(c(code) for code in e.overrides)})"
        qty = f" x{e.quantity}" if e.quantity is not None and e.quantity != u.quantity else ""
        reason = f" ({c(e.reason)})" if e.reason else ""
        ctx.print(
            f"  {e.occurred_at:%Y-%m-%d %H:%M} {e.type.value:<8} {c(e.from_location or '-')} -> "
            f"{c(e.to_location or '-')}{qty}  by {c(e.operator or '-')}{approved}{reason}"
        )
    return Exit.DONE
