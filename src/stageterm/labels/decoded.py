"""What a decoder found in an image, the errors decoding can end in, and symbology names.

Both decoders (zbar through pyzbar, zxing-cpp) name symbologies their own way; here they
become one lower-case vocabulary (`code128`, `datamatrix`, `qrcode`, `ean13`, …) so results
from the two can be compared and printed alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ZBAR_INSTALL = "sudo apt-get install -y libzbar0"

# AIM symbology identifiers that mean "this symbol carries GS1 element strings"
# (ISO/IEC 15424 and the GS1 General Specifications, §5.4.3).
GS1_AIMS = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1", "]e1", "]e2", "]e3"})

# The GS1 identifier a scanner sends for each symbology that can carry GS1 data.
_GS1_AIM_FOR = {
    "code128": "]C1",
    "datamatrix": "]d2",
    "qrcode": "]Q3",
    "dotcode": "]J1",
    "databar": "]e0",
    "databaromni": "]e0",
    "databarexp": "]e0",
    "databarltd": "]e0",
    "databarstk": "]e0",
    "databarstkomni": "]e0",
    "databarexpstk": "]e0",
}

# Where zbar's name for a symbology differs from zxing-cpp's, zxing-cpp's wins.
_ALIASES = {"i25": "itf", "isbn13": "ean13"}


@dataclass(frozen=True)
class Decoded:
    """One barcode read from an image.

    `text` is what a keyboard-wedge scanner would send for the symbol: for a GS1 symbol
    (`gs1` true) it starts with the AIM identifier (`]C1…`, `]d2…`) and uses ASCII 29 between
    variable-length fields, so `stageterm.scanning.classify` parses it as GS1.
    """

    text: str
    symbology: str
    decoder: str
    aim: str | None
    gs1: bool

    @property
    def payload(self) -> str:
        """The text without the AIM prefix: what both decoders agree on for one symbol."""
        # Only GS1 text carries a prefix, and it is always "]" plus two characters.
        if self.gs1 and self.text.startswith("]"):
            return self.text[3:]
        return self.text


class DecodeError(Exception):
    """Decoding could not start or could not read a file; the message is one line."""


class DecoderMissing(DecodeError):
    """The decoder asked for (or any decoder at all) cannot run on this machine."""

    @classmethod
    def no_decoder(cls, detail: str = "") -> DecoderMissing:
        why = f" ({detail})" if detail else ""
        return cls(
            f"no barcode decoder available: libzbar is missing{why}; "
            f"install it with `{ZBAR_INSTALL}` (macOS: `brew install zbar`) "
            "or install zxing-cpp with `pip install 'stageterm[zxing]'`"
        )

    @classmethod
    def zbar(cls, detail: str = "") -> DecoderMissing:
        why = f" ({detail})" if detail else ""
        return cls(f"libzbar is missing{why}; install it with `{ZBAR_INSTALL}`")

    @classmethod
    def zxing(cls) -> DecoderMissing:
        return cls("zxing-cpp is not installed; install it with `pip install 'stageterm[zxing]'`")


class ImageUnreadable(DecodeError):
    """The file is missing, not an image, or an image Pillow cannot read."""


def symbology_name(raw: str) -> str:
    """One vocabulary for both decoders: `CODE128`, `Code128`, `Code 128` -> `code128`."""
    name = re.sub(r"[^a-z0-9]", "", raw.lower())
    return _ALIASES.get(name, name)


def gs1_aim(symbology: str, reported: str | None) -> str:
    """The AIM prefix for a GS1 symbol's text: as reported when it is a GS1 identifier,
    else the symbology's GS1 one. zxing-cpp reports `]d8` for a GS1 DataMatrix in the
    rectangular extension (DMRE) sizes, which `classify` would not take for GS1."""
    if reported is not None and reported in GS1_AIMS:
        return reported
    return _GS1_AIM_FOR.get(symbology, reported or "")
