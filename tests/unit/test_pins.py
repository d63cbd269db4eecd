"""PINs are stored as salted scrypt hashes and checked in constant time."""

from __future__ import annotations

import pytest

from stageterm.domain.pins import check_pin, hash_pin


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_pin("2468")


def test_the_right_pin_checks(stored: str) -> None:
    assert check_pin("2468", stored)


@pytest.mark.parametrize("wrong", ["2469", "", "24680", " 2468", "2468 "])
def test_a_wrong_pin_does_not(stored: str, wrong: str) -> None:
    assert not check_pin(wrong, stored)


def test_the_pin_is_not_in_what_is_stored(stored: str) -> None:
    assert "2468" not in stored
    assert stored.startswith("scrypt$")


def test_each_hash_has_its_own_salt(stored: str) -> None:
    # Two leads with the same PIN must not be spotted by equal hashes.
    again = hash_pin("2468")
    assert again != stored
    assert check_pin("2468", again)


@pytest.mark.parametrize(
    "garbage",
    ["", "2468", "plain$text", "scrypt$x$8$1$AAAA$BBBB", "md5$1$2$3$4$5", "scrypt$16384$8$1$!!$??"],
)
def test_a_damaged_stored_value_never_lets_anyone_in(garbage: str) -> None:
    assert not check_pin("2468", garbage)


def test_unicode_pins_work() -> None:
    assert check_pin("pässwörd", hash_pin("pässwörd"))
