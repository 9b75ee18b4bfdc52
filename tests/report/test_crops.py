"""The pictures' drawing helpers, checked against their plain definitions."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from pipelines.report.crops import HIGHLIGHT, INK_LEVEL, PAPER_GREY, _highlight, ink_box


def _overlaid(region: Image.Image, span: tuple[float, float]) -> Image.Image:
    """HIGHLIGHT over the span by the definition: a full-size translucent overlay composited."""
    overlay = Image.new("RGBA", region.size, (0, 0, 0, 0))
    top, bottom = max(0.0, span[0]), min(float(region.height), span[1])
    ImageDraw.Draw(overlay).rectangle((0, top, region.width, bottom), fill=HIGHLIGHT)
    return Image.alpha_composite(region.convert("RGBA"), overlay).convert("RGB")


def test_highlight_tints_exactly_the_rows_a_full_overlay_would() -> None:
    rng = random.Random(7)
    region = Image.frombytes("RGB", (23, 31), bytes(rng.randrange(256) for _ in range(23 * 31 * 3)))
    spans = [(3.2, 10.7), (3.5, 10.5), (5.9, 6.1), (7.0, 7.0), (-4.0, 2.4), (28.6, 40.0), (0.0, 31.0)]
    for span in spans:
        assert _highlight(region.copy(), span).tobytes() == _overlaid(region, span).tobytes(), span


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
