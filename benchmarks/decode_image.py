"""Barcode image decoding: time per 1280x960 image and read rate, zbar against zxing-cpp.

    python benchmarks/decode_image.py [--n 40] [--repeat 15] [--seed 1]

Prints markdown (the tables in docs/decoders.md come from here). Time: the median and the
best of `--repeat` runs of one decoder pass over a 1280x960 image holding 1 or 4 labels or
none, and of the whole `decode_pil` policy (both decoders, retries). Read rate: of `--n` generated images per
kind (rotated, scaled, noisy, DataMatrix, GS1-128), how many each decoder reads exactly,
in one pass and with stageterm's retries. Seeded, so a re-run draws the same images.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import metadata

from PIL import Image, ImageChops, ImageFilter

from stageterm.labels import Decoded, decode_pil, make_label
from stageterm.labels.decode import decode_with, read_once, to_grey
from stageterm.labels.readers import Reader, available_readers

PHOTO = (1280, 960)


@dataclass
class Sample:
    image: Image.Image
    payloads: list[str]  # the texts encoded, without AIM prefixes


# Drawing test images -------------------------------------------------------------------


def on_photo(image: Image.Image, rnd: random.Random) -> Image.Image:
    photo = Image.new("L", PHOTO, 255)
    x = rnd.randint(0, max(0, PHOTO[0] - image.width))
    y = rnd.randint(0, max(0, PHOTO[1] - image.height))
    photo.paste(image, (x, y))
    return photo


def fit(image: Image.Image, factor: float) -> Image.Image:
    # Never larger than the photo: a label scaled past it would be cut off.
    factor = min(factor, 0.95 * PHOTO[0] / image.width, 0.95 * PHOTO[1] / image.height)
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def turn(image: Image.Image, degrees: float) -> Image.Image:
    return image.rotate(degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def speckle(image: Image.Image, share: float, rnd: random.Random) -> Image.Image:
    n = image.width * image.height
    pick = Image.frombytes("L", image.size, rnd.randbytes(n))
    mask = pick.point(lambda v: 255 if v < 256 * share else 0)
    out = image.copy()
    out.paste(Image.frombytes("L", image.size, rnd.randbytes(n)), mask=mask)
    return out


def grain(image: Image.Image, sigma: float) -> Image.Image:
    return ImageChops.add(image, Image.effect_noise(image.size, sigma), scale=1, offset=-128)


def random_code(rnd: random.Random) -> str:
    alphabet = string.ascii_uppercase + string.digits + "-:/"
    return rnd.choice("LBK") + "-" + "".join(rnd.choices(alphabet, k=rnd.randint(3, 16)))


def gtin(rnd: random.Random) -> str:
    body = "0" + "".join(rnd.choices(string.digits, k=12))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def label_sample(rnd: random.Random, transform: Callable[[Image.Image], Image.Image]) -> Sample:
    code = random_code(rnd)
    return Sample(transform(make_label(code)), [code])


def gs1_sample(rnd: random.Random, symbology: str) -> Sample:
    import zxingcpp

    lot = "".join(rnd.choices(string.ascii_uppercase + string.digits, k=rnd.randint(3, 10)))
    serial = "".join(rnd.choices(string.digits, k=rnd.randint(1, 8)))
    number = gtin(rnd)
    fmt = getattr(zxingcpp.BarcodeFormat, symbology)
    symbol = zxingcpp.create_barcode(f"(01){number}(10){lot}(21){serial}", fmt, gs1=True)
    if symbology == "DataMatrix":
        image = Image.fromarray(symbol.to_image(scale=rnd.randint(3, 6)))
    else:
        image = Image.fromarray(symbol.to_image(scale=3))
        # zxing-cpp draws bars a sixth of the symbol's length; a GS1 logistic label's
        # are about a third (32 mm on ~100 mm), which is what a photo would show.
        image = image.resize((image.width, image.width // 3), Image.Resampling.NEAREST)
    image = turn(fit(image, rnd.uniform(0.8, 2.0)), rnd.uniform(-20, 20))
    return Sample(on_photo(image, rnd), [f"01{number}10{lot}\x1d21{serial}"])


def kinds(rnd: random.Random, has_zxing: bool) -> dict[str, Callable[[], Sample]]:
    def rotated() -> Sample:
        return label_sample(rnd, lambda im: on_photo(turn(fit(im, 0.8), rnd.uniform(0, 360)), rnd))

    def scaled() -> Sample:
        return label_sample(rnd, lambda im: on_photo(fit(im, rnd.uniform(0.3, 1.6)), rnd))

    def noisy() -> Sample:
        def damage(im: Image.Image) -> Image.Image:
            photo = on_photo(turn(fit(im, rnd.uniform(0.6, 1.2)), rnd.uniform(-10, 10)), rnd)
            pick = rnd.choice(("speckle", "grain", "blur"))
            if pick == "speckle":
                return speckle(photo, rnd.uniform(0.05, 0.25), rnd)
            if pick == "grain":
                return grain(photo, rnd.uniform(20, 80))
            return photo.filter(ImageFilter.GaussianBlur(rnd.uniform(1.0, 3.0)))

        return label_sample(rnd, damage)

    made: dict[str, Callable[[], Sample]] = {
        "rotated (any angle)": rotated,
        "scaled (0.3-1.6x)": scaled,
        "noisy (speckle, grain or blur)": noisy,
    }
    if has_zxing:
        made["GS1 DataMatrix"] = lambda: gs1_sample(rnd, "DataMatrix")
        made["GS1-128"] = lambda: gs1_sample(rnd, "Code128")
    return made


# Measuring ------------------------------------------------------------------------------


def timed_ms(work: Callable[[], object], repeat: int) -> str:
    """ "median (best) ms" of `repeat` runs; the best is the run least disturbed by other load."""
    work()  # warm-up: first use loads the libraries
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(1000 * (time.perf_counter() - start))
    return f"{statistics.median(times):.0f} ({min(times):.0f}) ms"


def timing_table(readers: dict[str, Reader], repeat: int) -> list[str]:
    one = Image.new("L", PHOTO, 255)
    one.paste(make_label("L-A01"), (240, 280))
    four = Image.new("L", PHOTO, 255)
    for n, at in enumerate([(20, 20), (660, 20), (20, 540), (660, 540)]):
        four.paste(fit(make_label(f"L-A0{n}"), 0.75), at)
    # A grey, slightly grainy photo of nothing: the worst case, every retry runs and the
    # grain gives the decoders many edges to try.
    blank = grain(Image.new("L", PHOTO, 230), 10)
    rows = [
        "| image (1280x960) | "
        + " | ".join(f"{n} one pass" for n in readers)
        + " | stageterm `decode` (all, retries) |",
        "|---|" + "---:|" * (len(readers) + 1),
    ]
    for name, image in (
        ("1 label", one),
        ("4 labels", four),
        ("no barcode (every retry runs)", blank),
    ):
        cells = [timed_ms(partial(read, image), repeat) for read in readers.values()]
        cells.append(timed_ms(partial(decode_pil, image), repeat))
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


def rate_table(readers: dict[str, Reader], n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    columns: list[tuple[str, Callable[[Image.Image], list[Decoded]]]] = []
    for name, read in readers.items():
        columns.append((f"{name} one pass", partial(read_once, readers={name: read})))
        columns.append((f"{name} + retries", partial(decode_with, readers={name: read})))
    columns.append(("stageterm default", partial(decode_with, readers=readers)))
    rows = [
        "| images (n each) | " + " | ".join(name for name, _ in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    gs1_flag_row: list[str] = []
    for kind, draw in kinds(rnd, "zxing" in readers).items():
        samples = [draw() for _ in range(n)]
        cells = []
        flags = []
        for _, decode in columns:
            exact = wrong = flagged = 0
            for sample in samples:
                found = decode(to_grey(sample.image))
                # Compared without AIM prefixes: zbar returns a GS1 symbol's bare element
                # string, which is the right text; the GS1 flag has its own row.
                if sorted(d.payload for d in found) == sorted(sample.payloads):
                    exact += 1
                    flagged += all(d.gs1 for d in found)
                elif found:
                    wrong += 1  # a misread, or a symbol seen where there is none
            cells.append(f"{exact}/{n}" + (f" ({wrong} wrong)" if wrong else ""))
            flags.append(f"{flagged}/{n}")
        rows.append(f"| {kind} | " + " | ".join(cells) + " |")
        if kind == "GS1-128":
            gs1_flag_row = ["| GS1-128 read *and* flagged GS1 | " + " | ".join(flags) + " |"]
    return rows + gs1_flag_row


def versions() -> str:
    parts = [f"Python {platform.python_version()}", platform.machine()]
    for package in ("pyzbar", "zxing-cpp", "Pillow", "python-barcode"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package} not installed")
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
        parts.append(model)
    except (OSError, StopIteration):
        pass
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="images per kind for the read rate")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per image")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    readers = available_readers()
    print(f"Measured with {versions()}.\n")
    print("### Decode time, median (best) of", args.repeat, "runs\n")
    print("\n".join(timing_table(readers, args.repeat)))
    print(f"\n### Read rate (exact text; n = {args.n} per row, seed {args.seed})\n")
    print("\n".join(rate_table(readers, args.n, args.seed)))


if __name__ == "__main__":
    main()
