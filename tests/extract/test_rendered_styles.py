"""The seeds' tables drawn in eighteen styles (tests/render.py `STYLES`): every drawn amount must
come back from the PDF with its row key (code or label), column header path and page.

The ground truth is what the renderer drew: the printed rows of seeds 000 and 004, reshaped by the
style (split 类|款|项, bracketed or code-name keys, names only, 6-decimal 万元, …), each amount
with the page it landed on. The extractor never sees those lists. A style whose only misses are
row keys of a shape the key reader does not rebuild yet is an expected failure that names them;
any amount in the wrong column, on the wrong page or missing fails the test. A footer total printed
in a column without a header (seed 000's D06 公用经费合计) belongs to the amount column of its block.

`python -m tests.render --score` prints the same comparison as a table, one line per style.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.render import STYLES, Style, score_style


@pytest.mark.parametrize("style", STYLES, ids=[s.name for s in STYLES])
def test_style_reads_every_amount(tmp_path: Path, style: Style) -> None:
    score = score_style(style, tmp_path)
    print(f"{style.name}: {score.right}/{score.total} right, {score.extra} extra")
    misplaced = [m for kind in ("column", "page", "missing") for m in score.misses[kind]]
    assert misplaced == [], f"{len(misplaced)} amounts misplaced, e.g. {misplaced[:5]}"
    assert score.total > 100
    if score.misses["key"]:
        pytest.xfail(
            f"{len(score.misses['key'])} row keys of this shape not rebuilt: {score.misses['key'][:2]}"
        )
