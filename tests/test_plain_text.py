"""Text from outside is shown as text: Markdown made literal, CSV cells that cannot start a formula,
and a story whose title and narrative hold ``$`` exports to PDF with the ``$`` printed."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import require

from stunting.plaintext import csv_bytes, markdown_code, markdown_literal
from stunting.story import parse_story

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_markdown_literal_escapes_every_markup_character_and_keeps_one_line():
    hostile = "[Masuk ulang](https://ev.il/a) :red[x] :material/home: $x$ **b** <b>\n\n# h"
    escaped = markdown_literal(hostile)
    assert "\n" not in escaped
    # Every ASCII punctuation character is preceded by a backslash (CommonMark: then it is literal) ...
    assert re.fullmatch(r"(?:\\[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~])*", escaped)
    # ... and removing the backslashes gives the text back, on one line.
    assert re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "") == " ".join(hostile.split())
    # The autolink triggers (scheme, www., @) are broken by an invisible word joiner.
    assert "https\\:\u2060\\/\\/" in escaped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[x](https://ev.il/a)", "`[x](https://ev.il/a)`"),
        ("a`b", "``a`b``"),
        ("`x``", "``` `x`` ```"),
        ("two\nlines", "`two lines`"),
    ],
)
def test_markdown_code_fences_any_backticks_in_the_value(text, expected):
    assert markdown_code(text) == expected


def test_csv_downloads_neutralise_cells_that_would_start_a_formula():
    frame = pd.DataFrame(
        {
            "Posyandu": ['=HYPERLINK("https://ev.il","x")', "+1+1", "-2+3", "@SUM(A1)", "Melati", "\tx"],
            "rate": ["-27,1%", "+2.0", "-0,5", "12", "", "3"],
            "n": [1, -2, 3, 4, 5, 6],
        }
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"))))
    assert rows[0] == ["Posyandu", "rate", "n"]
    assert [r[0] for r in rows[1:]] == [
        "'=HYPERLINK(\"https://ev.il\",\"x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "Melati", "'\tx",
    ]  # fmt: skip
    assert [r[1] for r in rows[1:]] == ["-27,1%", "+2.0", "-0,5", "12", "", "3"]  # plain numbers stay
    assert [r[2] for r in rows[1:]] == ["1", "-2", "3", "4", "5", "6"]


def test_every_csv_download_of_the_app_goes_through_csv_bytes():
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for folder in ("ui", "pages")
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".to_csv(" in line
    ]
    assert not offenders, f"a CSV written without csv_bytes: {offenders}"


DOLLAR_STORY = """
title: {id: "Biaya $\\\\frac$ test", en: "Cost $\\\\frac$ test"}
slides:
  - page: map
    view: {indicator: stunting, period: latest, regency: "64.74"}
    title: {id: "Biaya $\\\\frac$ test", en: "Cost $\\\\frac$ test"}
    narrative:
      id: "Anggaran US$320 dan US$ 100 per desa."
      en: "A budget of US$320 and US$ 100 per village."
"""


def test_a_story_with_dollars_exports_to_pdf_with_the_dollars_printed(demo_dir, tmp_path):
    pdftotext = shutil.which("pdftotext")
    require(pdftotext is not None, "poppler-utils (pdftotext)")
    from render.export import export_story

    story = parse_story(DOLLAR_STORY)
    assert story.slides[0].ok, story.slides[0].errors
    out = tmp_path / "dollar.pdf"
    report = export_story(story, "pdf", out, lang="en", data_dir=demo_dir)
    assert not report.failed, [s.error for s in report.failed]
    text = subprocess.run([pdftotext, str(out), "-"], check=True, capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    assert "Cost $\\frac$ test" in flat
    assert "A budget of US$320 and US$ 100 per village." in flat


def test_render_turns_mathtext_off_so_a_dollar_cannot_break_a_drawing():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    import render  # noqa: F401  (importing render sets text.parse_math off for every render module)

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.text(0.1, 0.5, "Biaya $\\frac$ test")  # mathtext raises "Expected \\frac{num}{den}" here
    figure.canvas.draw()
