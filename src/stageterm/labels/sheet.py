"""Labels on paper and on disk: A4/Letter sheets, safe file names, PNG and PDF output."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from barcode.writer import mm2px
from PIL import Image, ImageDraw

from stageterm.labels.make import DPI_CHOICES, LABEL_MM, check_code, make_label

PAPER_SIZES = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
# Office printers cannot print the outer few millimetres of a page.
PAGE_MARGIN_MM = 5.0
CUT_LINE_GREY = 200  # light enough never to read as a bar, dark enough to cut along
SHEET_STEM = "sheet"
# Names Windows refuses as files whatever the extension.
_DEVICE_NAMES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)}
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_MAX_STEM = 100


@dataclass(frozen=True)
class LabelFiles:
    """What `write_labels` wrote: one PNG per distinct code, the sheet pages and the PDF."""

    labels: list[Path]
    pages: list[Path]
    pdf: Path

    def all(self) -> list[Path]:
        return [*self.labels, *self.pages, self.pdf]


def make_sheet(
    codes: Sequence[str],
    title: str | None = None,
    paper: str = "a4",
    dpi: int = DPI_CHOICES[0],
) -> list[Image.Image]:
    """Pages (8-bit grey) with a grid of labels, one per code in order, cut lines between."""
    return arrange([make_label(code, title, dpi) for code in codes], LABEL_MM, paper, dpi)


def arrange(
    labels: Sequence[Image.Image], label_mm: tuple[float, float], paper: str, dpi: int
) -> list[Image.Image]:
    """Pages (8-bit grey) with a grid of these labels (all `label_mm` in size), cut lines between."""
    page_mm = PAPER_SIZES[paper]
    columns = math.floor((page_mm[0] - 2 * PAGE_MARGIN_MM) / label_mm[0])
    rows = math.floor((page_mm[1] - 2 * PAGE_MARGIN_MM) / label_mm[1])
    page_px = (round(mm2px(page_mm[0], dpi)), round(mm2px(page_mm[1], dpi)))
    if not labels:
        return []
    label_w, label_h = labels[0].size
    # The grid sits in the middle of the page so equal waste falls on every side.
    left = (page_px[0] - columns * label_w) // 2
    top = (page_px[1] - rows * label_h) // 2
    per_page = columns * rows
    pages = []
    for first in range(0, len(labels), per_page):
        page = Image.new("L", page_px, 255)
        draw = ImageDraw.Draw(page)
        for slot, label in enumerate(labels[first : first + per_page]):
            x = left + (slot % columns) * label_w
            y = top + (slot // columns) * label_h
            page.paste(label, (x, y))
            draw.rectangle([(x, y), (x + label_w - 1, y + label_h - 1)], outline=CUT_LINE_GREY)
        pages.append(page)
    return pages


def safe_stem(code: str) -> str:
    """A file name stem for `code` that is safe on any file system and unique per code.

    Letters, digits, `-` and `_` are kept; anything else becomes `_`. When that changed the
    code, or the name could clash on a case-insensitive file system (lower-case letters,
    Windows device names, the sheet's own files), a short hash of the code is added.
    """
    stem = _UNSAFE.sub("_", code).strip("_")[:_MAX_STEM] or "label"
    folded = stem.casefold()
    if (
        stem != code
        or any(c.islower() for c in stem)
        or folded in _DEVICE_NAMES
        or folded.startswith(SHEET_STEM)
    ):
        digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:8]
        stem = f"{stem}-{digest}"
    return stem


def write_labels(
    codes: Sequence[str],
    out_dir: Path,
    title: str | None = None,
    paper: str = "a4",
    dpi: int = DPI_CHOICES[0],
) -> LabelFiles:
    """Write a PNG per distinct code, `sheet-N.png` pages and `sheet.pdf` into `out_dir`.

    Every code is checked before anything is drawn or written, so a bad code leaves the
    directory untouched (LabelError). OSError when the directory cannot be written.
    """
    if paper not in PAPER_SIZES:
        raise ValueError(f"unknown paper {paper!r}; choose one of {', '.join(PAPER_SIZES)}")
    for code in codes:
        check_code(code, dpi)
    distinct = list(dict.fromkeys(codes))
    labels = {code: make_label(code, title, dpi) for code in distinct}
    pages = make_sheet(codes, title, paper, dpi)

    out_dir.mkdir(parents=True, exist_ok=True)
    label_paths = []
    for code, image in labels.items():
        path = out_dir / f"{safe_stem(code)}.png"
        image.save(path, dpi=(dpi, dpi))
        label_paths.append(path)
    page_paths = []
    for number, page in enumerate(pages, start=1):
        path = out_dir / f"{SHEET_STEM}-{number}.png"
        page.save(path, dpi=(dpi, dpi))
        page_paths.append(path)
    pdf = out_dir / f"{SHEET_STEM}.pdf"
    # `resolution` makes the PDF page the paper's real size, so it prints at 100 %.
    pages[0].save(pdf, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return LabelFiles(labels=label_paths, pages=page_paths, pdf=pdf)
