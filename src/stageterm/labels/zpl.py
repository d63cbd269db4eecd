"""A laid-out label as ZPL II, the language of Zebra thermal printers and their compatibles.

One `^XA … ^XZ` format per label: `^PW`/`^LL` give the label's width and length in dots at
the printer's resolution, `^BC` draws each barcode from python-barcode's own code values
(`>;>8…` for a GS1-128: start code C, FNC1), and the human-readable text is a separate
field with its parentheses. Text goes through `^FH` hex escapes in UTF-8 (`^CI28`), so
no character of a code can end a field or start a command.
"""

from __future__ import annotations

from stageterm.labels.content import LabelContent
from stageterm.labels.layout import LabelSize, Layout, TextBox, lay_out
from stageterm.labels.symbols import zpl_field_data

# Bytes that may stand as they are inside ^FH\ field data: printable ASCII but the
# command prefixes (^ ~) and the escape character itself.
_PLAIN = frozenset(range(0x20, 0x7F)) - {ord("^"), ord("~"), ord("\\")}


def zpl_label(content: LabelContent, size: LabelSize, dpi: int) -> str:
    """The ZPL II format printing `content` on `size` at `dpi`; LabelError if it won't fit."""
    return zpl(lay_out(content, size, dpi))


def zpl(layout: Layout) -> str:
    fields = [
        "^XA",
        "^CI28",  # field data is UTF-8
        f"^PW{layout.width}",
        f"^LL{layout.height}",
        "^LH0,0",
    ]
    fields += [_text(box, layout.width) for box in layout.texts]
    for symbol in layout.symbols:
        fields.append(
            f"^FO{symbol.x},{symbol.y}^BY{symbol.module}"
            # Orientation normal, no interpretation line (ours follows), no UCC check
            # digit, mode N: the field data chooses code sets itself.
            f"^BCN,{symbol.height},N,N,N,N"
            f"^FD{zpl_field_data(symbol.symbol.data, symbol.symbol.gs1)}^FS"
        )
        fields.append(_text(symbol.hri, layout.width))
    fields.append("^XZ")
    return "\n".join(fields) + "\n"


def _text(box: TextBox, label_width: int) -> str:
    # Font 0 (the scalable one every ZPL printer has), height and width in dots.
    font = f"^A0N,{box.size},{box.size}"
    if box.centred:
        # A one-line field block as wide as the label, centred: the printer's own font
        # metrics decide the centre.
        where = f"^FO0,{box.y}{font}^FB{label_width},1,0,C"
    else:
        where = f"^FO{box.x},{box.y}{font}"
    return f"{where}^FH\\^FD{escape(box.text)}^FS"


def escape(text: str) -> str:
    """Field data for `^FH\\`: anything but plain printable ASCII as `\\XX` UTF-8 bytes."""
    return "".join(
        chr(byte) if byte in _PLAIN else f"\\{byte:02X}" for byte in text.encode("utf-8")
    )
