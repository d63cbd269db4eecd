"""Labels to files, by format: PNG (one per label, plus A4/Letter sheet pages and a PDF of
them for an office printer), PDF (one label-sized page per label, for a label printer's
own driver) or ZPL (one ZPL II file per label, for a thermal printer).

Every label is drawn (or written as ZPL) before the first file is written, so a label
that cannot be made leaves the directory untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from stageterm.labels.content import LabelContent
from stageterm.labels.draw import draw_label
from stageterm.labels.layout import SIZES, LabelSize
from stageterm.labels.sheet import PAPER_SIZES, SHEET_STEM, arrange, safe_stem
from stageterm.labels.zpl import zpl_label

FORMATS = ("png", "pdf", "zpl")
PDF_NAME = "labels.pdf"


def default_size(contents: Sequence[LabelContent]) -> LabelSize:
    """100 x 150 mm when any label is a GS1 logistic label (GS1's own size), else 100 x 50."""
    return SIZES["100x150"] if any(c.gs1 for c in contents) else SIZES["100x50"]


def write_label_files(
    contents: Sequence[LabelContent],
    out_dir: Path,
    fmt: str,
    size: LabelSize,
    dpi: int,
    paper: str = "a4",
) -> list[Path]:
    """Write the labels in `fmt` into `out_dir`; the paths written, in order.

    LabelError (nothing written) when a label does not fit `size`; OSError when the
    directory cannot be written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if paper not in PAPER_SIZES:
        raise ValueError(f"unknown paper {paper!r}; choose one of {', '.join(PAPER_SIZES)}")
    distinct = list({content.code: content for content in contents}.values())
    if fmt == "zpl":
        texts = {content.code: zpl_label(content, size, dpi) for content in distinct}
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for code, text in texts.items():
            path = out_dir / f"{safe_stem(code)}.zpl"
            # Printers take ZPL as bytes; newline translation would change nothing they
            # read, but the file stays byte-for-byte what --printer sends.
            path.write_bytes(text.encode("utf-8"))
            written.append(path)
        return written

    images = {content.code: draw_label(content, size, dpi) for content in distinct}
    in_order = [images[content.code] for content in contents]
    if fmt == "pdf":
        out_dir.mkdir(parents=True, exist_ok=True)
        pdf = out_dir / PDF_NAME
        _save_pdf(list(images.values()), pdf, dpi)
        return [pdf]

    pages = arrange(in_order, (size.width_mm, size.height_mm), paper, dpi)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for code, image in images.items():
        path = out_dir / f"{safe_stem(code)}.png"
        image.save(path, dpi=(dpi, dpi))
        written.append(path)
    for number, page in enumerate(pages, start=1):
        path = out_dir / f"{SHEET_STEM}-{number}.png"
        page.save(path, dpi=(dpi, dpi))
        written.append(path)
    pdf = out_dir / f"{SHEET_STEM}.pdf"
    _save_pdf(pages, pdf, dpi)
    written.append(pdf)
    return written


def _save_pdf(pages: list[Image.Image], path: Path, dpi: int) -> None:
    # `resolution` makes each PDF page its real size, so it prints at 100 %.
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
