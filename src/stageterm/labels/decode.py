"""Decode every barcode in an image file: the decoding policy.

Policy (docs/decoders.md says the same, with measurements):

- Every available decoder reads the image, zxing-cpp first when it is installed, then zbar.
  zxing-cpp alone reads DataMatrix and reports the AIM identifier and the GS1 flag; zbar
  still reads a few damaged linear codes zxing-cpp gives up on, so both run.
- A symbol both decoders read is reported once, with zxing-cpp's richer answer. Symbols are
  matched by symbology and text (not position): a code printed twice on one image is
  reported twice only when one decoder saw it twice.
- When no decoder finds anything, the image is tried again in other forms (turned 45°,
  de-noised, softened, sharpened, enlarged) until one gives a result. Both decoders read 0/90/180/270°
  and anything within about 30° of those natively, so turning by 45° covers the diagonals.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from os import PathLike

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from stageterm.labels.decoded import Decoded, ImageUnreadable
from stageterm.labels.readers import Reader, available_readers

# Each retry is a full decode of the whole image, so the list is short; the order is by how
# often each form rescued an image in benchmarks/decode_image.py, cheapest first on ties.
RETRIES: tuple[tuple[str, Callable[[Image.Image], Image.Image]], ...] = (
    # Both decoders read within about 30° of upright or sideways, not the diagonals.
    ("turned 45°", lambda im: im.rotate(45, Image.Resampling.BILINEAR, expand=True, fillcolor=255)),
    # Speckle breaks bars into many edges; a 3x3 median removes it and keeps 2-pixel bars.
    ("de-noised", lambda im: im.filter(ImageFilter.MedianFilter(3))),
    # Grain (Gaussian noise) trips zbar's edge detector; a light blur evens it out.
    ("softened", lambda im: im.filter(ImageFilter.GaussianBlur(1.5))),
    # Out-of-focus edges: an unsharp mask restores enough contrast for zxing-cpp.
    ("sharpened", lambda im: im.filter(ImageFilter.UnsharpMask(4, 200, 2))),
    # zxing-cpp needs about 2 pixels per bar; zbar reads thinner ones.
    ("enlarged", lambda im: im.resize((im.width * 2, im.height * 2), Image.Resampling.BICUBIC)),
)


def load_image(path: str | PathLike[str]) -> Image.Image:
    """The image at `path` as 8-bit grey on white, upright; ImageUnreadable with a reason."""
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused rather than decoded with a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                opened.load()
                image = ImageOps.exif_transpose(opened)
    except FileNotFoundError:
        raise ImageUnreadable("no such file") from None
    except IsADirectoryError:
        raise ImageUnreadable("is a directory, not an image") from None
    except PermissionError:
        raise ImageUnreadable("permission denied") from None
    except UnidentifiedImageError:
        raise ImageUnreadable("not an image Pillow can read (PNG, JPEG, …)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageUnreadable("image too large to decode safely") from None
    except (OSError, ValueError, SyntaxError) as exc:
        # Pillow reports truncated and corrupt files as OSError, some plugins as
        # ValueError or SyntaxError.
        raise ImageUnreadable(f"damaged image ({exc})") from None
    return to_grey(image)


def to_grey(image: Image.Image) -> Image.Image:
    """8-bit grey; transparent parts become white (a plain convert would make them black)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("L")


def decode_image(path: str | PathLike[str], decoders: Sequence[str] | None = None) -> list[Decoded]:
    """Every barcode in the image file at `path`; an empty list when there is none.

    `decoders` picks "zbar" and/or "zxing" (default: every available one, zxing first).
    Raises ImageUnreadable for a file that is not a readable image and DecoderMissing
    (naming the install command) when no asked-for decoder can run.
    """
    readers = available_readers(tuple(decoders) if decoders is not None else None)
    return decode_with(load_image(path), readers)


def decode_pil(image: Image.Image, decoders: Sequence[str] | None = None) -> list[Decoded]:
    """Every barcode in an image already in memory (tests and benchmarks)."""
    readers = available_readers(tuple(decoders) if decoders is not None else None)
    return decode_with(to_grey(image), readers)


def decode_with(image: Image.Image, readers: dict[str, Reader]) -> list[Decoded]:
    found = _read_all(image, readers)
    for _name, retry in RETRIES:
        if found:
            break
        found = _read_all(retry(image), readers)
    return found


def _read_all(image: Image.Image, readers: dict[str, Reader]) -> list[Decoded]:
    return merge([read(image) for read in readers.values()])


def merge(per_decoder: Sequence[list[Decoded]]) -> list[Decoded]:
    """One list from several decoders' answers, given in preference order, without repeats.

    A later decoder adds a symbol only when it saw it more often than every earlier one.
    """
    kept: list[Decoded] = []
    best: Counter[tuple[str, str]] = Counter()
    for results in per_decoder:
        seen: Counter[tuple[str, str]] = Counter()
        for decoded in results:
            key = _identity(decoded)
            seen[key] += 1
            if seen[key] > best[key]:
                kept.append(decoded)
        for key, count in seen.items():
            best[key] = max(best[key], count)
    return kept


def _identity(decoded: Decoded) -> tuple[str, str]:
    # zbar reports a UPC-A as a 13-digit EAN-13 with a leading 0; zxing-cpp as UPC-A.
    if decoded.symbology in ("upca", "ean13"):
        return "ean13", decoded.payload.zfill(13)
    return decoded.symbology, decoded.payload
