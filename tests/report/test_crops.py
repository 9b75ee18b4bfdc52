"""The pictures' drawing helpers, checked against their plain definitions."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from pipelines.report.crops import HIGHLIGHT, _highlight


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
