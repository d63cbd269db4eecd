"""The two barcode decoders behind one shape: a PIL image in, a list of `Decoded` out.

zbar (through pyzbar) needs the system library libzbar; zxing-cpp ships wheels with no
system library and is the optional extra `stageterm[zxing]`. Which of them can run is found
out once per process, on first use, never at import time.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Callable

from PIL import Image

from stageterm.labels.decoded import GS1_AIMS, Decoded, DecoderMissing, gs1_aim, symbology_name

Reader = Callable[[Image.Image], list[Decoded]]

ZBAR = "zbar"
ZXING = "zxing"


def _bytes_to_text(data: bytes) -> str:
    # zbar hands over UTF-8 for text symbols; a Code 128 carrying Latin-1 bytes is the
    # exception, and reading it as Latin-1 keeps every byte instead of failing.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _load_zbar() -> Reader:
    # pyzbar looks for libzbar when pyzbar.pyzbar is first imported and raises ImportError
    # (OSError on some platforms) when it is not there.
    pyzbar = importlib.import_module("pyzbar.pyzbar")
    kinds = pyzbar.ZBarSymbol
    # zbar's defaults minus GS1 DataBar: its DataBar decoder prints "Assertion failed"
    # warnings straight to stderr on noisy images, which would garble the command's
    # one-line reports. zxing-cpp reads DataBar (with its GS1 flag) where installed.
    # UPC-A and UPC-E stay off as named kinds, so zbar reports them in their 13-digit
    # EAN-13 form, exactly as zxing-cpp 3 writes their text.
    symbols = [
        kinds.EAN13,
        kinds.EAN8,
        kinds.I25,
        kinds.CODABAR,
        kinds.CODE39,
        kinds.CODE93,
        kinds.CODE128,
        kinds.QRCODE,
    ]

    def read(image: Image.Image) -> list[Decoded]:
        return [
            # zbar reports no AIM identifier and, through pyzbar, no GS1 flag: a GS1-128
            # comes back as the bare element string, like a plain Code 128.
            Decoded(
                text=_bytes_to_text(symbol.data),
                symbology=symbology_name(str(symbol.type)),
                decoder=ZBAR,
                aim=None,
                gs1=False,
            )
            for symbol in pyzbar.decode(image, symbols=symbols)
        ]

    return read


def _load_zxing() -> Reader:
    import zxingcpp

    def read(image: Image.Image) -> list[Decoded]:
        found = []
        # Plain text mode gives the element string with ASCII 29 between GS1 fields, which
        # is what a scanner sends; the default (HRI) mode would give "(01)…(10)…".
        for barcode in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain):
            # `format` is the specific kind (EAN13, UPCE, MicroQRCode); zxing-cpp 3's
            # `symbology` only names the family (EANUPC, QRCode).
            symbology = symbology_name(barcode.format.name)
            aim = barcode.symbology_identifier or None
            gs1 = barcode.content_type == zxingcpp.ContentType.GS1 or aim in GS1_AIMS
            text = barcode.text
            if gs1:
                text = gs1_aim(symbology, aim) + text
            found.append(Decoded(text, symbology, ZXING, aim, gs1))
        return found

    return read


@functools.cache
def _probe() -> tuple[dict[str, Reader], str]:
    """The readers that load here, in preference order, and why zbar did not (if not)."""
    readers: dict[str, Reader] = {}
    zbar_problem = ""
    # zxing-cpp is an optional extra: not having it is normal and needs no explanation.
    with contextlib.suppress(ImportError):
        readers[ZXING] = _load_zxing()
    try:
        readers[ZBAR] = _load_zbar()
    except (ImportError, OSError) as exc:
        zbar_problem = str(exc)
    return readers, zbar_problem


def available_readers(names: tuple[str, ...] | None = None) -> dict[str, Reader]:
    """The readers to use, zxing-cpp first when installed; `names` picks some of them.

    Raises DecoderMissing naming the install command when what is asked for cannot run.
    """
    readers, zbar_problem = _probe()
    if names is None:
        if not readers:
            raise DecoderMissing.no_decoder(zbar_problem)
        return dict(readers)
    chosen: dict[str, Reader] = {}
    for name in names:
        if name not in (ZBAR, ZXING):
            raise ValueError(f"unknown decoder {name!r}; choose {ZBAR} or {ZXING}")
        if name not in readers:
            raise DecoderMissing.zbar(zbar_problem) if name == ZBAR else DecoderMissing.zxing()
        chosen[name] = readers[name]
    return chosen
