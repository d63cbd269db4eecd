"""Barcode images in: rotated, scaled, noisy and crowded images, GS1 symbols, the merge of
the two decoders' answers, unreadable files and a machine without libzbar.

Images are drawn here from `make_label` and zxing-cpp's writer, so no binary fixtures."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageOps

from stageterm.labels import (
    Decoded,
    DecoderMissing,
    ImageUnreadable,
    decode_image,
    decode_pil,
    make_label,
)
from stageterm.labels.decode import merge
from stageterm.labels.readers import _probe, available_readers
from stageterm.scanning import UnitScan
from stageterm.scanning.classifier import classify

DECODERS = sorted(available_readers())
PHOTO = (1280, 960)
GS1_ELEMENTS = "(01)09506000134352(10)ABC123(21)X1"
GS1_SENT = "010950600013435210ABC123\x1d21X1"  # what a scanner sends after the AIM prefix


def on_photo(*placed: tuple[Image.Image, tuple[int, int]]) -> Image.Image:
    photo = Image.new("L", PHOTO, 255)
    for image, at in placed:
        photo.paste(image, at)
    return photo


def centred(image: Image.Image) -> Image.Image:
    return on_photo((image, ((PHOTO[0] - image.width) // 2, (PHOTO[1] - image.height) // 2)))


def turned(image: Image.Image, degrees: float) -> Image.Image:
    return image.rotate(degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def scaled(image: Image.Image, factor: float) -> Image.Image:
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS)


def speckled(image: Image.Image, share: float, seed: int = 7) -> Image.Image:
    """Salt-and-pepper noise: `share` of the pixels replaced by random grey values."""
    rnd = random.Random(seed)
    pick = Image.frombytes("L", image.size, rnd.randbytes(image.width * image.height))
    mask = pick.point(lambda v: 255 if v < 256 * share else 0)
    values = Image.frombytes("L", image.size, rnd.randbytes(image.width * image.height))
    out = image.copy()
    out.paste(values, mask=mask)
    return out


def grainy(image: Image.Image, sigma: float) -> Image.Image:
    """Gaussian grain of standard deviation `sigma` grey levels."""
    return ImageChops.add(image, Image.effect_noise(image.size, sigma), scale=1, offset=-128)


def texts(image: Image.Image, decoder: str | None = None) -> list[str]:
    return [d.text for d in decode_pil(image, None if decoder is None else [decoder])]


@pytest.fixture(scope="module")
def label() -> Image.Image:
    return make_label("L-A01", title="Lane A")


def zxing_symbol(content: str, fmt_name: str, *, gs1: bool, scale: int = 4) -> Image.Image:
    zxingcpp = pytest.importorskip("zxingcpp")
    fmt = getattr(zxingcpp.BarcodeFormat, fmt_name)
    symbol = zxingcpp.create_barcode(content, fmt, gs1=gs1)
    return Image.fromarray(symbol.to_image(scale=scale))


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize("degrees", [0, 90, 180, 270, 15, -30, 45, 135])
def test_rotated_labels_decode(label: Image.Image, decoder: str, degrees: int) -> None:
    assert texts(centred(turned(label, degrees)), decoder) == ["L-A01"]


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize("factor", [0.5, 0.35, 1.5])
def test_scaled_labels_decode(label: Image.Image, decoder: str, factor: float) -> None:
    assert texts(centred(scaled(label, factor)), decoder) == ["L-A01"]


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda im: speckled(im, 0.2), id="speckle-20%"),
        pytest.param(lambda im: grainy(im, 60), id="grain-60"),
        pytest.param(lambda im: im.filter(ImageFilter.GaussianBlur(2.5)), id="blur-2.5"),
        pytest.param(lambda im: speckled(turned(im, 15), 0.1), id="turned-15-speckle-10%"),
    ],
)
def test_noisy_labels_decode(
    label: Image.Image, decoder: str, damage: Callable[[Image.Image], Image.Image]
) -> None:
    assert texts(damage(centred(scaled(label, 0.8))), decoder) == ["L-A01"]


@pytest.mark.parametrize("decoder", [*DECODERS, None])
def test_every_barcode_in_a_crowded_image_is_found_once(decoder: str | None) -> None:
    codes = ["L-A01", "L-B02", "B:1001", "KIT-7"]
    labels = [scaled(make_label(code), 0.7) for code in codes]
    photo = on_photo(
        (labels[0], (20, 20)),
        (labels[1], (680, 20)),
        (labels[2], (20, 560)),
        (turned(labels[3], 90), (900, 340)),
    )
    assert sorted(texts(photo, decoder)) == sorted(codes)


def test_a_code_printed_twice_on_one_image_is_listed_once(label: Image.Image) -> None:
    small = scaled(label, 0.7)
    photo = on_photo((small, (20, 20)), (small, (20, 500)))
    assert texts(photo) == ["L-A01"]


def test_zxing_reports_gs1_128_with_aim_prefix_and_flag() -> None:
    image = zxing_symbol(GS1_ELEMENTS, "Code128", gs1=True, scale=3)
    [found] = decode_pil(image, ["zxing"])
    assert found == Decoded(f"]C1{GS1_SENT}", "code128", "zxing", "]C1", True)
    scan = classify(found.text)
    assert isinstance(scan, UnitScan) and scan.is_gs1 and scan.symbology == "]C1"
    assert (scan.gtin, scan.lot, scan.serial) == ("09506000134352", "ABC123", "X1")


def test_zxing_reports_gs1_datamatrix_with_aim_prefix_and_flag() -> None:
    [found] = decode_pil(centred(zxing_symbol(GS1_ELEMENTS, "DataMatrix", gs1=True)), ["zxing"])
    assert found == Decoded(f"]d2{GS1_SENT}", "datamatrix", "zxing", "]d2", True)
    scan = classify(found.text)
    assert isinstance(scan, UnitScan) and scan.lot == "ABC123"


def test_zxing_leaves_plain_code128_text_as_it_is(label: Image.Image) -> None:
    pytest.importorskip("zxingcpp")
    [found] = decode_pil(label, ["zxing"])
    assert (found.text, found.aim, found.gs1) == ("L-A01", "]C0", False)


def test_zbar_cannot_read_datamatrix_nor_tell_gs1_from_plain_code128() -> None:
    if "zbar" not in DECODERS:
        pytest.skip("libzbar is not installed")
    datamatrix = centred(zxing_symbol(GS1_ELEMENTS, "DataMatrix", gs1=True))
    assert decode_pil(datamatrix, ["zbar"]) == []
    [found] = decode_pil(zxing_symbol(GS1_ELEMENTS, "Code128", gs1=True, scale=3), ["zbar"])
    # The element string, with no AIM identifier and no GS1 flag: the scanning layer still
    # reads it as GS1 because of the GS separator, but a label of fixed-length AIs only
    # would be indistinguishable from a plain code.
    assert found == Decoded(GS1_SENT, "code128", "zbar", None, False)


def test_both_decoders_reading_one_gs1_symbol_give_one_result_with_zxing_details() -> None:
    if len(DECODERS) < 2:
        pytest.skip("needs both decoders")
    found = decode_pil(zxing_symbol(GS1_ELEMENTS, "Code128", gs1=True, scale=3))
    assert [(d.decoder, d.aim, d.gs1) for d in found] == [("zxing", "]C1", True)]


def _d(text: str, decoder: str, symbology: str = "code128", aim: str | None = None) -> Decoded:
    return Decoded(text, symbology, decoder, aim, gs1=aim == "]C1")


def test_merge_keeps_the_first_decoder_and_adds_only_what_it_missed() -> None:
    zxing = [_d("]C1" + GS1_SENT, "zxing", aim="]C1"), _d("A", "zxing", aim="]C0")]
    zbar = [_d("A", "zbar"), _d(GS1_SENT, "zbar"), _d("B", "zbar"), _d("A", "zbar")]
    merged = merge([zxing, zbar])
    assert [(d.text, d.decoder) for d in merged] == [
        ("]C1" + GS1_SENT, "zxing"),
        ("A", "zxing"),
        ("B", "zbar"),
    ]


def test_merge_treats_upc_a_and_its_ean_13_form_as_one_symbol() -> None:
    merged = merge([[_d("012345678905", "zxing", "upca")], [_d("0012345678905", "zbar", "ean13")]])
    assert [d.decoder for d in merged] == ["zxing"]


def test_merge_treats_upc_e_and_its_ean_13_form_as_one_symbol() -> None:
    merged = merge([[_d("0012345000065", "zxing", "upce")], [_d("0012345000065", "zbar", "ean13")]])
    assert [d.decoder for d in merged] == ["zxing"]


@pytest.mark.parametrize(
    ("digits", "believed"),
    [("10012345678902", True), ("10012345678903", False), ("844379", False), ("12345678", False)],
)
def test_only_itf_14_with_a_valid_check_digit_is_believed(digits: str, believed: bool) -> None:
    # Both decoders find phantom short ITF in speckle (benchmarks/decode_image.py).
    # A small image: when nothing is believed, every retry runs.
    image = ImageOps.expand(zxing_symbol(digits, "ITF", gs1=False, scale=3), 40, 255)
    assert texts(image) == ([digits] if believed else [])


def test_a_gs1_datamatrix_in_a_rectangular_extension_size_is_sent_as_d2() -> None:
    # zxing-cpp reports "]d8" for DMRE sizes such as 8x64; a scanner's GS1 prefix is "]d2".
    content = "(01)01390972049381(10)J4ERQMZ(21)3036738"
    [found] = decode_pil(centred(zxing_symbol(content, "DataMatrix", gs1=True)), ["zxing"])
    assert found.aim == "]d8" and found.gs1
    assert found.text == "]d2010139097204938110J4ERQMZ\x1d213036738"
    assert found.payload == "010139097204938110J4ERQMZ\x1d213036738"


def test_a_transparent_png_decodes_as_if_on_white(tmp_path: Path, label: Image.Image) -> None:
    # Black bars on a transparent background: a plain conversion to grey would turn the
    # background black and hide every bar.
    alpha = label.point(lambda v: 255 - v)
    rgba = Image.new("RGBA", label.size, (0, 0, 0, 0))
    rgba.putalpha(alpha)
    path = tmp_path / "transparent.png"
    rgba.save(path)
    assert [d.text for d in decode_image(path)] == ["L-A01"]


def test_jpeg_photos_decode(tmp_path: Path, label: Image.Image) -> None:
    path = tmp_path / "photo.jpg"
    centred(label).convert("RGB").save(path, quality=60)
    assert [d.text for d in decode_image(path)] == ["L-A01"]


def test_an_image_without_barcodes_gives_an_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "blank.png"
    Image.new("L", (320, 240), 255).save(path)
    assert decode_image(path) == []


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "directory"),
        (lambda p: p.write_text("not an image"), "not an image"),
        (lambda p: p.write_bytes(b""), "not an image"),
        (lambda p: p.write_bytes(_png_bytes()[:200]), "damaged"),
    ],
    ids=["missing", "directory", "text", "empty", "truncated"],
)
def test_unreadable_files_raise_with_a_one_line_reason(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    path = tmp_path / "image.png"
    make(path)
    with pytest.raises(ImageUnreadable, match=reason) as caught:
        decode_image(path)
    assert "\n" not in str(caught.value)


def _png_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    make_label("L-A01").save(buffer, "PNG")
    return buffer.getvalue()


Hide = Callable[..., None]


@pytest.fixture
def without(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hide]:
    """Hide decoder modules as if not installed: `without("pyzbar.pyzbar", "zxingcpp")`."""

    def hide(*modules: str) -> None:
        for name in modules:
            # A None entry makes `import name` raise ImportError, as a missing
            # libzbar makes `import pyzbar.pyzbar` do.
            monkeypatch.setitem(sys.modules, name, None)
        _probe.cache_clear()

    yield hide
    _probe.cache_clear()


def test_no_decoder_at_all_names_the_install_command(without: Hide, label: Image.Image) -> None:
    without("pyzbar", "pyzbar.pyzbar", "zxingcpp")
    with pytest.raises(DecoderMissing, match="sudo apt-get install -y libzbar0"):
        decode_pil(label)


def test_without_libzbar_zxing_does_the_work(without: Hide, label: Image.Image) -> None:
    pytest.importorskip("zxingcpp")
    without("pyzbar", "pyzbar.pyzbar")
    assert [(d.text, d.decoder) for d in decode_pil(label)] == [("L-A01", "zxing")]
    with pytest.raises(DecoderMissing, match="sudo apt-get install -y libzbar0"):
        decode_pil(label, ["zbar"])


def test_without_zxing_zbar_does_the_work(without: Hide, label: Image.Image) -> None:
    if "zbar" not in DECODERS:
        pytest.skip("libzbar is not installed")
    without("zxingcpp")
    assert [(d.text, d.decoder) for d in decode_pil(label)] == [("L-A01", "zbar")]
    with pytest.raises(DecoderMissing, match=r"stageterm\[zxing\]"):
        decode_pil(label, ["zxing"])
