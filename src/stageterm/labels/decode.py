"""Decode every barcode in an image file: the decoding policy.

Policy (docs/decoders.md says the same, with measurements):

- Every available decoder reads the image, zxing-cpp first when it is installed, then zbar.
  zxing-cpp alone reads DataMatrix and reports the AIM identifier and the GS1 flag; zbar
  still reads a few damaged linear codes zxing-cpp gives up on, so both run.
- Each distinct symbol (symbology and text) is reported once per image, with the answer of
  the first decoder that read it, so zxing-cpp's AIM identifier and GS1 flag win. A code
  printed twice on one image is therefore listed once.
- ITF is believed only as ITF-14 with a valid check digit: both decoders find phantom
  short ITF in noise.
- When no decoder finds anything, the image is tried again in other forms (turned 45°,
  de-noised, softened, sharpened, enlarged) until one gives a result. Both decoders read 0/90/180/270° and within about 30° of those natively, so
  turning by 45° covers the diagonals.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from os import PathLike

from biip.checksums import gs1_standard_check_digit
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from stageterm.labels.decoded import Decoded, ImageUnreadable
from stageterm.labels.readers import Reader, available_readers

BILINEAR = Image.Resampling.BILINEAR
BICUBIC = Image.Resampling.BICUBIC


@dataclass(frozen=True)
class Retry:
    """Another form of the image to decode when nothing was found in the image as it is."""

    name: str
    transform: Callable[[Image.Image], Image.Image]


# Each retry is a full decode of the whole image, so the list is short; the order is by how
# often each form rescued an image in benchmarks/decode_image.py, cheapest first on ties.
RETRIES = (
    # Both decoders read within about 30° of upright or sideways, not the diagonals.
    Retry("turned 45°", lambda im: im.rotate(45, BILINEAR, expand=True, fillcolor=255)),
    # Speckle breaks bars into many edges; a 3x3 median removes it and keeps 2-pixel bars.
    Retry("de-noised", lambda im: im.filter(ImageFilter.MedianFilter(3))),
    # Grain (Gaussian noise) trips zbar's edge detector; a light blur evens it out.
    Retry("softened", lambda im: im.filter(ImageFilter.GaussianBlur(1.5))),
    # Out-of-focus edges: an unsharp mask restores enough contrast to find the bars.
    Retry("sharpened", lambda im: im.filter(ImageFilter.UnsharpMask(4, 200, 2))),
    # zxing-cpp needs about 2 pixels per bar; for zbar it also helps on blurred speckle.
    Retry("enlarged", lambda im: im.resize((im.width * 2, im.height * 2), BICUBIC)),
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
    """Every barcode in a grey image with these readers, retrying other forms if needed."""
    found = read_once(image, readers)
    for retry in RETRIES:
        if found:
            break
        found = read_once(retry.transform(image), readers)
    return found


def read_once(image: Image.Image, readers: dict[str, Reader]) -> list[Decoded]:
    """One pass of every reader over the image as it is, merged, phantoms dropped."""
    return merge([[d for d in read(image) if plausible(d)] for read in readers.values()])


def plausible(decoded: Decoded) -> bool:
    """False for what is almost surely a phantom: ITF other than a valid ITF-14.

    Interleaved 2 of 5 has no check character, and both decoders find short ITF "symbols"
    in speckle and in the bars of other codes. Warehouses use ITF only as ITF-14 (a GTIN-14
    on cartons), whose last digit is a GS1 check digit, so only that is believed.
    """
    if decoded.symbology != "itf":
        return True
    digits = decoded.payload
    return (
        len(digits) == 14
        and digits.isascii()
        and digits.isdigit()
        and gs1_standard_check_digit(digits[:-1]) == int(digits[-1])
    )


def merge(per_decoder: Sequence[list[Decoded]]) -> list[Decoded]:
    """One list from several decoders' answers, given in preference order, without repeats.

    Each distinct symbol (symbology and text) is listed once, as the first decoder to read
    it reported it. Positions are not compared: zxing-cpp sometimes reports one noisy symbol
    twice from different rows, which no position test separates from two printed copies.
    """
    kept: dict[tuple[str, str], Decoded] = {}
    for results in per_decoder:
        for decoded in results:
            kept.setdefault(_identity(decoded), decoded)
    return list(kept.values())


def _identity(decoded: Decoded) -> tuple[str, str]:
    # One product number, several names: zbar calls a UPC-A or UPC-E "EAN-13", zxing-cpp
    # calls it by its kind; both give (or pad to) the same 13 digits.
    if decoded.symbology in ("upca", "upce", "ean13"):
        return "ean13", decoded.payload.zfill(13)
    return decoded.symbology, decoded.payload
