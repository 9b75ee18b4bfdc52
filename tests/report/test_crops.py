"""The pictures' drawing helpers, checked against their plain definitions."""

from __future__ import annotations

import io
import random
import struct

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from pipelines.report.crops import (
    GREY_LEVELS,
    HIGHLIGHT,
    INK_LEVEL,
    OUTLINE,
    PALETTE_COLOURS,
    PAPER_GREY,
    _highlight,
    _png,
    blended_highlight,
    grey_of,
    ink_box,
)


def _overlaid(region: Image.Image, span: tuple[float, float]) -> Image.Image:
    """HIGHLIGHT over the span by the definition: a full-size translucent overlay composited."""
    overlay = Image.new("RGBA", region.size, (0, 0, 0, 0))
    top, bottom = max(0.0, span[0]), min(float(region.height), span[1])
    ImageDraw.Draw(overlay).rectangle((0, top, region.width, bottom), fill=HIGHLIGHT)
    return Image.alpha_composite(region.convert("RGBA"), overlay).convert("RGB")


def _seen(indices: Image.Image) -> Image.Image:
    """What a reader sees of a picture in palette indices: its PNG, decoded to RGB."""
    return Image.open(io.BytesIO(_png(indices))).convert("RGB")


def _changed_rows(before: bytes, after: bytes, width: int = 23) -> set[int]:
    return {i // (width * 3) for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}


def test_highlight_tints_exactly_the_rows_a_full_overlay_would() -> None:
    """Each grey of the band is seen as that grey with a full-size HIGHLIGHT overlay composited on
    it (to PIL's rounding: at most 1 per channel), and every other pixel as it was."""
    rng = random.Random(7)
    greys = bytes(rng.randrange(GREY_LEVELS) for _ in range(23 * 31))
    region = Image.frombytes("L", (23, 31), greys)
    plain = Image.frombytes("RGB", (23, 31), bytes(grey_of(i) for i in greys for _ in range(3)))
    spans = [(3.2, 10.7), (3.5, 10.5), (5.9, 6.1), (7.0, 7.0), (-4.0, 2.4), (28.6, 40.0), (0.0, 31.0)]
    for span in spans:
        seen, wanted = _seen(_highlight(region.copy(), span)).tobytes(), _overlaid(plain, span).tobytes()
        assert max(abs(a - b) for a, b in zip(seen, wanted, strict=True)) <= 1, span
        overlaid_rows = {
            i // (23 * 3) for i, (a, b) in enumerate(zip(plain.tobytes(), wanted, strict=True)) if a != b
        }
        tinted_rows = {
            i // (23 * 3) for i, (a, b) in enumerate(zip(plain.tobytes(), seen, strict=True)) if a != b
        }
        assert tinted_rows == overlaid_rows, span


def test_palette_shows_page_greys_highlight_over_paper_and_the_frame() -> None:
    """The palette's ends: black and white paper, white under HIGHLIGHT as blended_highlight has it,
    and the cell frame's red."""
    strip = Image.frombytes("L", (4, 1), bytes([0, GREY_LEVELS - 1, 2 * GREY_LEVELS - 1, OUTLINE]))
    seen = _seen(strip)
    assert [seen.getpixel((x, 0)) for x in range(4)] == [
        (0, 0, 0), (255, 255, 255), blended_highlight(), (214, 39, 40)
    ]  # fmt: skip


def test_ink_by_own_grey_is_ink_by_inverted_grey_for_every_colour() -> None:
    """ink_box reads the ink from the region's grey; the definition inverts the region first. Each of
    the 2^24 colours, one pixel each, is ink by both or by neither (PIL's own conversions)."""
    every = np.arange(1 << 24, dtype="<u4").view(np.uint8).reshape(4096, 4096, 4)  # 3 bytes + a zero
    colours = Image.fromarray(np.ascontiguousarray(every[:, :, :3]), "RGB")
    by_definition = ImageOps.invert(colours).convert("L").point(lambda v: 255 if v > INK_LEVEL else 0)
    by_grey = colours.convert("L").point(lambda v: 255 if v < PAPER_GREY else 0)
    assert by_definition.tobytes() == by_grey.tobytes()


def test_ink_box_frames_what_is_printed() -> None:
    printed = Image.new("RGB", (40, 30), "white")
    draw = ImageDraw.Draw(printed)
    draw.rectangle((8, 5, 20, 9), fill=(60, 60, 60))
    draw.point((2, 27), fill=(231, 231, 231))  # too light to be ink: its inverse's grey is 24
    draw.point((35, 1), fill=(230, 230, 230))  # just ink
    assert ink_box(printed) == (8, 1, 36, 10)
    assert ink_box(Image.new("RGB", (5, 5), (240, 240, 240))) is None


def _zlib_level_flag(png: bytes) -> int:
    """FLEVEL of the PNG's zlib stream (RFC 1950): 0 fastest, 1 fast (levels 2-5), 2 default (6), 3 best."""
    at = 8  # past the signature: chunks of (length, type, data, crc)
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        if kind == b"IDAT":
            return png[at + 9] >> 6  # the stream's second byte (FLG)
        at += 12 + length
    raise AssertionError("no IDAT chunk")


def test_png_is_deflated_fast_and_decodes_to_the_same_pixels() -> None:
    """_png deflates below zlib's default level (which costs 2.6× the CPU), and the picture decodes
    to exactly the palette indices it was made from, with the palette's PALETTE_COLOURS colours."""
    rng = random.Random(11)
    page = Image.new("L", (300, 120), GREY_LEVELS - 1)
    draw = ImageDraw.Draw(page)
    for _ in range(60):  # text-like strokes in greys, as a rendered page has (antialiased)
        x, y = rng.randrange(290), rng.randrange(110)
        draw.rectangle(
            (x, y, x + rng.randrange(2, 9), y + rng.randrange(2, 9)), fill=rng.randrange(GREY_LEVELS)
        )
    page = _highlight(page, (40.5, 60.2))
    draw.rectangle((100, 45, 140, 58), outline=OUTLINE, width=2)
    png = _png(page)
    assert _zlib_level_flag(png) == 1
    decoded = Image.open(io.BytesIO(png))
    assert decoded.mode == "P" and decoded.tobytes() == page.tobytes()
    palette = decoded.getpalette()
    assert palette is not None and len(palette) >= 3 * PALETTE_COLOURS
