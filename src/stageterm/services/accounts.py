"""Who may do what: signing in with a badge (and PIN), and a lead's approval.

One PIN lockout for both (SPEC §3): five wrong PINs at sign-in or at an approval, on any
terminal or process, lock the badge for five minutes; it is held in the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from stageterm.domain.model import Operator
from stageterm.domain.pins import check_pin
from stageterm.services.results import Denied
from stageterm.services.station import Station
from stageterm.store.tables import OperatorRow, as_utc

MAX_WRONG_PINS = 5
LOCKOUT = timedelta(minutes=5)


class Accounts:
    def __init__(self, station: Station) -> None:
        self.station = station

    def operator(self, badge: str) -> Operator | None:
        with self.station.store.read() as session:
            row = session.get(OperatorRow, badge)
            return row.to_domain() if row else None

    def needs_pin(self, badge: str) -> Operator | None:
        """The person behind `badge` when signing in or approving with it asks for a PIN."""
        person = self.operator(badge)
        return person if person is not None and person.pin_hash else None

    def sign_in(self, badge: str, pin: str | None = None) -> Operator:
        """The operator for a badge (and PIN); raises Denied with a sentence for the screen."""
        person = self._checked(badge, pin, unknown="unknown-operator", missing="pin-needed")
        if not person.pin_hash and person.role.value not in self.station.settings.badge_only_roles:
            raise Denied(
                "pin-required", f"{person.name}: your role needs a PIN; ask an admin to set one."
            )
        return person

    def approver(self, badge: str, pin: str | None, mover: str | None) -> Operator:
        """The lead approving a move by `mover`: a second person, a lead, with the right PIN
        where they have one, and not locked out. Each refusal is a Denied with its code."""
        if mover is not None and badge == mover:
            raise Denied("self-approval", "Approval needs a second person, not the operator.")
        person = self.operator(badge)
        if person is None:
            raise Denied("unknown-approver", f"Badge {badge} is not known here.")
        if not person.may_approve():
            raise Denied(
                "not-allowed", f"{person.name} is {person.role.value}; a lead must approve."
            )
        return self._checked(badge, pin, unknown="unknown-approver", missing="bad-pin")

    def _checked(self, badge: str, pin: str | None, *, unknown: str, missing: str) -> Operator:
        """The person for `badge` once their PIN (where set) is right and they are not
        locked out; a wrong PIN is counted, and committed, before the refusal is raised."""
        now = self.station.now()
        with self.station.store.write() as session:
            row = session.get(OperatorRow, badge)
            if row is None:
                raise Denied(unknown, f"Badge {badge} is not known here.")
            locked = as_utc(row.locked_until)
            if locked and locked > now:
                raise Denied("pin-locked", _locked_words(locked, now))
            person = row.to_domain()
            wrong = person.pin_hash is not None and not (pin and check_pin(pin, person.pin_hash))
            if wrong and pin:
                row.failed_pins += 1
                if row.failed_pins >= MAX_WRONG_PINS:
                    row.failed_pins = 0
                    row.locked_until = now + LOCKOUT
                session.add(row)
            elif not wrong and row.failed_pins:
                row.failed_pins = 0
                session.add(row)
        # Raised after the block so the failed-PIN count is committed, not rolled back.
        if wrong and not pin:
            raise Denied(missing, f"{person.name}: enter your PIN.")
        if wrong:
            raise Denied("bad-pin", f"Wrong PIN for {person.name}.")
        return person


def _locked_words(locked: datetime, now: datetime) -> str:
    return f"Too many wrong PINs: try again after {locked.astimezone(now.tzinfo):%H:%M}."
