"""Printing a unit's label at a terminal (`@PRINT`, and the child of a kitting split): to
this terminal's printer (`STAGETERM_PRINTER`, raw ZPL over TCP). A printer fault is an
answer for the operator, never a lost move: the move is committed before anything prints."""

from __future__ import annotations

from dataclasses import replace

from stageterm.services.results import Outcome, Result
from stageterm.services.station import Station


class Printing:
    def __init__(self, station: Station) -> None:
        self.station = station

    @property
    def printer(self) -> str:
        return str(getattr(self.station.settings, "printer", "") or "")

    def print_unit(self, unit_code: str) -> Result:
        """Print unit `unit_code`'s label on this terminal's printer."""
        from stageterm.labels.content import staged_lane
        from stageterm.labels.make import LabelError
        from stageterm.labels.printer import PrinterError, print_unit_label

        if not self.printer:
            return Result(
                Outcome.INFO, self.how_to_print(unit_code), code="no-printer", unit=unit_code
            )
        with self.station.store.read() as session:
            from stageterm.store import queries

            unit = queries.unit(session, unit_code)
        if unit is None:
            return Result(
                Outcome.ERROR, f"Unit {unit_code} is not known here.", code="unknown-unit"
            )
        try:
            print_unit_label(unit, self.printer, order=unit.order, lane=staged_lane(unit))
        except (PrinterError, LabelError) as fault:
            return Result(
                Outcome.ERROR,
                f"Label of {unit.code} not printed: {fault}",
                code="printer-fault",
                unit=unit.code,
            )
        return Result(
            Outcome.INFO,
            f"Label of {unit.code} sent to {self.printer}.",
            code="printed",
            unit=unit.code,
        )

    def with_child_label(self, result: Result, moved: str) -> Result:
        """`result` of moving `moved`, with the label of the child a kitting split made:
        printed at once where a printer is set, else how to print it. The move stands
        either way (a printer fault is in the message)."""
        child = result.unit
        if result.outcome is not Outcome.MOVED or not child or child == moved:
            return result
        printed = self.print_unit(child)
        return replace(result, message=f"{result.message} {printed.message}")

    def how_to_print(self, unit_code: str) -> str:
        return (
            f"No printer set here: print its label with "
            f"`stageterm label {unit_code} --printer HOST:PORT`."
        )
