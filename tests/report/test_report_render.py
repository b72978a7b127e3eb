"""The report as a browser draws it: Chinese glyphs (not boxes), axis labels that fit.

Both tests open pages in headless Chromium (``.ci/run`` installs it with
``fonts-noto-cjk``) and are skipped where it is missing.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from segkit.report import _svg
from segkit.report._i18n import Locale

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium (CI installs it)"),
    pytest.mark.slow,
]


def _run(tmp_path: Path, *args: str) -> str:
    assert CHROMIUM is not None
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ]
    done = subprocess.run(
        [CHROMIUM, *flags, *args], check=True, capture_output=True, timeout=120, text=True
    )
    return done.stdout


def _pixels(png: Path) -> bytes:
    """The decompressed (filtered) pixel rows of a PNG: enough to compare two shots."""
    data, chunks, pos = png.read_bytes(), [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return zlib.decompress(b"".join(chunks))


def _shot(tmp_path: Path, name: str, html: str) -> bytes:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    png = tmp_path / f"{name}.png"
    _run(tmp_path, "--window-size=900,160", f"--screenshot={png}", page.as_uri())
    return _pixels(png)


def test_chinese_headings_render_as_glyphs_not_boxes(tmp_path, cdnow):
    from segkit.profiling import profile

    p = profile(
        cdnow.head(3000),
        customer="customer_id",
        timestamp="date",
        amount="amount",
        lifecycle=None,
        clv=False,
        progress=False,
    )
    html = p.report(lang="zh")
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert "客户分群" in headings
    text = "".join(headings)[:24]
    # The same number of characters from the Private Use Area, which no font
    # covers: that is what the heading looks like when the CJK glyphs are missing.
    missing = "".join(chr(0xE000 + i) for i in range(len(text)))

    def page(content: str) -> str:
        return (
            f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<style>{style.group(1)}</style></head><body><main><section>"
            f"<h2>{content}</h2></section></main></body></html>"
        )

    glyphs = _shot(tmp_path, "glyphs", page(text))
    boxes = _shot(tmp_path, "boxes", page(missing))
    blank = _shot(tmp_path, "blank", page(""))
    assert len(glyphs) == len(boxes) == len(blank)
    differ = sum(a != b for a, b in zip(glyphs, boxes, strict=True))
    inked = sum(a != b for a, b in zip(glyphs, blank, strict=True))
    assert inked > 2_000  # the heading drew something
    assert differ > 0.5 * inked  # and it is not the boxes of missing glyphs


MEASURE = """
<script>
const out = [];
for (const svg of document.querySelectorAll('svg')) {
  const box = svg.getBoundingClientRect();
  const labels = [...svg.querySelectorAll('text.xl')].map(t => t.getBoundingClientRect());
  out.push({svg: [box.left, box.right], labels: labels.map(r => [r.left, r.right, r.top])});
}
document.body.setAttribute('data-boxes', JSON.stringify(out));
</script>
"""


def _periods(n: int) -> list[str]:
    return [f"{2000 + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_axis_labels_never_overlap_or_clip(tmp_path, lang):
    loc = Locale(lang, "GBP")
    rng = np.random.default_rng(0)
    charts = []
    for n in (2, 7, 13, 25, 60, 121, 400):
        series = {loc.state(s): rng.uniform(0, 100, n).tolist() for s in ("new", "churned")}
        charts.append(_svg.area_chart(_periods(n), series, title="t", loc=loc))
        charts.append(_svg.line_chart(_periods(n), series, title="t", loc=loc))
    for top in (50.0, 258_000.0, 3.4e9):
        values = np.geomspace(1.0, top, 500)
        charts.append(_svg.histogram(values, title="t", loc=loc))
    page = tmp_path / "charts.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>svg{width:700px;"
        "display:block}</style></head><body>" + "".join(charts) + MEASURE + "</body></html>",
        encoding="utf-8",
    )
    dom = _run(tmp_path, "--window-size=800,800", "--dump-dom", page.as_uri())
    found = re.search(r"data-boxes=\"([^\"]*)\"", dom)
    assert found is not None
    boxes = json.loads(found.group(1).replace("&quot;", '"'))
    assert len(boxes) == len(charts)
    for i, chart in enumerate(boxes):
        left, right = chart["svg"]
        labels = sorted(chart["labels"])
        assert len(labels) >= 2, i
        for a, b in itertools.pairwise(labels):
            assert a[1] <= b[0], (i, a, b)  # no overlap
        assert labels[0][0] >= left - 0.5, (i, labels[0], left)
        assert labels[-1][1] <= right + 0.5, (i, labels[-1], right)


def _label_boxes(tmp_path: Path, name: str, html: str) -> list[dict[str, list]]:
    page = tmp_path / f"{name}.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = _run(tmp_path, "--window-size=1400,1000", "--dump-dom", page.as_uri())
    found = re.search(r"data-boxes=\"([^\"]*)\"", dom)
    assert found is not None
    return list(json.loads(found.group(1).replace("&quot;", '"')))


# The demo's span (the lifecycle chart ran "1998-05" into "1998-06" at its right
# edge, where the last label is anchored and moves towards its neighbour), and
# shorter and mid-month spans of the same data.
SPANS = {
    "demo-19-months": "1998-06-30",
    "6-months": "1997-06-15",
    "11-months": "1997-11-01",
    "14-months": "1998-02-20",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("as_of", list(SPANS.values()), ids=list(SPANS))
def test_axis_labels_in_the_rendered_report_never_overlap_or_clip(tmp_path, cdnow, lang, as_of):
    from segkit.profiling import profile

    p = profile(
        cdnow[cdnow["date"] <= as_of],
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of=as_of,
        progress=False,
    )
    html = p.report(lang=lang)
    boxes = _label_boxes(tmp_path, "report", html)
    with_labels = [chart for chart in boxes if chart["labels"]]
    # months (revenue, customers), CLV histogram, lifecycle states at least
    assert len(with_labels) >= 4
    for i, chart in enumerate(with_labels):
        left, right = chart["svg"]
        labels = sorted(chart["labels"])
        for a, b in itertools.pairwise(labels):
            assert a[1] <= b[0], (i, a, b)  # no overlap
        assert labels[0][0] >= left - 0.5, (i, labels[0], left)
        assert labels[-1][1] <= right + 0.5, (i, labels[-1], right)
