from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from segkit.cli import main
from segkit.profiling import profile
from segkit.report import _svg, load_playbook


@pytest.fixture(scope="module")
def html(cdnow):
    p = profile(
        cdnow,
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1998-06-30",
        holdout_days=273,
    )
    return p.report()


def test_sections_present(html):
    for heading in [
        "Segments",
        "Customer lifetime value",
        "Lifecycle",
        "Tags",
        "Does the CLV model hold up?",
        "Top customers per segment",
    ]:
        assert f"<h2>{heading}</h2>" in html


def test_self_contained(html):
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert "<script" not in html
    assert html.count("<svg") >= 6


def test_playbook_actions_shown(html):
    assert load_playbook()["lifecycle"]["at_risk"] in html.replace("&#x27;", "'")


def test_numbers_formatting():
    assert _svg.number(1234) == "1.2k"
    assert _svg.number(25_000, money=True) == "$25k"
    assert _svg.number(0.1234, percent=True) == "12.3%"
    assert _svg.number(float("nan")) == "–"
    assert _svg.number(-2_500_000) == "-2.5M"


def test_svg_escapes_labels():
    svg = _svg.bar_chart(["<b>&"], {"a": [1.0]}, title="t<")
    assert "<b>&" not in svg
    assert "&lt;b&gt;&amp;" in svg


def test_cli_report(tmp_path, cdnow, capsys):
    source = tmp_path / "tx.csv"
    cdnow.to_csv(source, index=False)
    target = tmp_path / "report.html"
    code = main(
        [
            "report",
            str(source),
            "--customer",
            "customer_id",
            "--timestamp",
            "date",
            "--amount",
            "amount",
            "--quiet",
            "-o",
            str(target),
        ]
    )
    assert code == 0
    assert "<h2>Segments</h2>" in target.read_text()
    assert "wrote the report on 2,357 customers" in capsys.readouterr().out


def test_demo_writes_report(tmp_path, capsys):
    assert main(["demo", "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "wrote the report to" in out
    assert (tmp_path / "segkit_demo_report.html").stat().st_size > 20_000


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.skipif(_chromium() is None, reason="needs headless Chromium (CI installs it)")
def test_renders_in_headless_chromium(tmp_path, html):
    page = tmp_path / "report.html"
    page.write_text(html)
    browser = _chromium()
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, *flags, "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
        text=True,
    ).stdout
    for heading in [
        "Segments",
        "Customer lifetime value",
        "Lifecycle",
        "Top customers per segment",
    ]:
        assert re.search(rf"<h2>{heading}</h2>", dom)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    _assert_not_blank(shot)


def _assert_not_blank(path: Path) -> None:
    """A rendered page has many distinct colours; a blank one has one or two."""
    import zlib

    data = path.read_bytes()
    # Decode the PNG's IDAT stream and count distinct byte values of pixel rows.
    chunks, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    assert len(set(raw[:2_000_000])) > 50
