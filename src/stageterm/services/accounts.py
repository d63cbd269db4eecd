"""Signing in: a badge scan, and a PIN where the operator has one; lockout after wrong PINs."""

from __future__ import annotations

from datetime import timedelta

from stageterm.domain.model import Operator
from stageterm.domain.pins import check_pin
from stageterm.services.base import Denied, ServiceBase
from stageterm.store.tables import OperatorRow, as_utc

MAX_WRONG_PINS = 5
LOCKOUT = timedelta(minutes=5)


class AccountsMixin(ServiceBase):
    def operator(self, badge: str) -> Operator | None:
        with self.store.read() as session:
            row = session.get(OperatorRow, badge)
            return row.to_domain() if row else None

    def needs_pin(self, badge: str) -> bool:
        person = self.operator(badge)
        return bool(person and person.pin_hash)

    def sign_in(self, badge: str, pin: str | None = None) -> Operator:
        """The operator for a badge (and PIN); raises Denied with a sentence for the screen."""
        now = self.now()
        with self.store.write() as session:
            row = session.get(OperatorRow, badge)
            if row is None:
                raise Denied("unknown-operator", f"Badge {badge} is not known here.")
            locked = as_utc(row.locked_until)
            if locked and locked > now:
                raise Denied(
                    "locked",
                    f"Too many wrong PINs: try again after {locked.astimezone(now.tzinfo):%H:%M}.",
                )
            person = row.to_domain()
            if person.pin_hash:
                if not pin:
                    raise Denied("pin-needed", f"{person.name}: enter your PIN.")
                if not check_pin(pin, person.pin_hash):
                    row.failed_pins += 1
                    if row.failed_pins >= MAX_WRONG_PINS:
                        row.failed_pins = 0
                        row.locked_until = now + LOCKOUT
                    session.add(row)
                    raise_after = Denied("bad-pin", "Wrong PIN.")
                else:
                    raise_after = None
                    if row.failed_pins:
                        row.failed_pins = 0
                        session.add(row)
            elif person.role.value not in self.settings.badge_only_roles:
                raise Denied(
                    "pin-required",
                    f"{person.name}: your role needs a PIN; ask an admin to set one.",
                )
            else:
                raise_after = None
        # Raised after the block so the failed-PIN count is committed, not rolled back.
        if raise_after is not None:
            raise raise_after
        return person
