"""The built-in story exported from the CLI, offline, on a small demo store: every PPTX slide and PDF
page has its title, a picture that is not blank and a source line, and the static map draws the
interactive map's classes, colours and legend with scale bar, north arrow and attribution."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess

import numpy as np
import pytest
from conftest import require
from matplotlib.image import imread

from geo.choropleth import STATE_RATE, STATE_TOO_FEW, TOO_FEW_FILL, class_label
from render import StoryRenderer
from render.maps import legend_entries, map_data
from stunting import prevalence
from stunting.cli import main
from stunting.demo import build_demo
from stunting.i18n import fmt_children, t
from stunting.story import load_story, parse_story

# About 1% of the demo's children: every village and period exists, many villages fall under the
# minimum (so "too few children" is drawn) and an export takes seconds.
DEMO_SCALE = 0.01
# A blank or single-colour picture has a pixel spread near 0; any chart or map is far above this.
MIN_PIXEL_SD = 0.05
MIN_COLOURS = 8


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    build_demo(folder, scale=DEMO_SCALE)
    return folder


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="session")
def poppler() -> dict[str, str]:
    """pdftoppm and pdftotext (poppler-utils): they fail under CI when missing, like chromium."""
    tools = {name: shutil.which(name) for name in ("pdftoppm", "pdftotext")}
    require(all(tools.values()), "poppler-utils (pdftoppm, pdftotext)")
    return tools


def _not_blank(pixels: np.ndarray) -> bool:
    rgb = pixels[..., :3].reshape(-1, 3)
    colours = len(np.unique((rgb * 255).round().astype(np.uint8), axis=0))
    return float(rgb.std()) > MIN_PIXEL_SD and colours >= MIN_COLOURS


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def test_builtin_story_to_pptx_from_the_cli(demo_dir, tmp_path, offline, capsys):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    out = tmp_path / "cerita.pptx"
    assert main(["story", "export", "--format", "pptx", "--out", str(out), "--data-dir", str(demo_dir)]) == 0
    story = load_story()
    assert f"{len(story.slides)} drawn, 0 with an error" in capsys.readouterr().out
    deck = Presentation(str(out))
    assert round(deck.slide_width / deck.slide_height, 2) == round(16 / 9, 2)
    assert len(deck.slides) == len(story.slides)
    for slide, expected in zip(deck.slides, story.slides, strict=True):
        assert slide.shapes.title.text == expected.title["id"]
        (picture,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert _not_blank(imread(io.BytesIO(picture.image.blob), format="png"))
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame and s != slide.shapes.title]
        (source,) = [text for text in texts if "data contoh (sintetis)" in text]
        assert " anak" in source
        assert slide.notes_slide.notes_text_frame.text == expected.narrative["id"]
    # The first slide's source line counts the children the map page would count for Kukar.
    kukar = prevalence.prevalence("stunting", "2024-08", "regency", regency="64.02", data_dir=demo_dir)
    first_source = [s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame][-1]
    assert first_source.startswith("Agustus 2024")
    assert fmt_children(int(kukar["measured"].iloc[0]), "id") in first_source


def test_builtin_story_to_pdf_from_the_cli(demo_dir, tmp_path, offline, poppler):
    out = tmp_path / "story.pdf"
    args = [
        "story",
        "export",
        "--format",
        "pdf",
        "--out",
        str(out),
        "--lang",
        "en",
        "--data-dir",
        str(demo_dir),
    ]
    assert main(args) == 0
    story = load_story()
    subprocess.run([poppler["pdftoppm"], "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(story.slides)
    text = subprocess.run(
        [poppler["pdftotext"], "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout.split("\f")
    for page, page_text, expected in zip(pages, text, story.slides, strict=False):
        pixels = imread(page)
        height, width = pixels.shape[:2]
        # The picture area (between title and source line) must hold a drawing, not white paper.
        assert _not_blank(pixels[int(height * 0.2) : int(height * 0.9), int(width * 0.1) : int(width * 0.9)])
        assert expected.title["en"] in page_text
        assert "sample data (synthetic)" in page_text and "children" in page_text
        # A handout is read without the presenter: the narrative is printed on its page.
        assert " ".join(expected.narrative["en"].split()[:15]) in " ".join(page_text.split())


def test_static_map_draws_the_interactive_classes_and_map_furniture(demo_dir):
    renderer = StoryRenderer(demo_dir)
    slide = load_story().slides[0]
    figure, source = renderer.figure(slide, "id")
    texts = [text.get_text() for text in figure.findobj(lambda o: hasattr(o, "get_text"))]
    data = map_data(slide.view, demo_dir)
    legend_labels = [label for *_style, label in legend_entries(data.scheme, "id")]
    assert legend_labels[: len(data.scheme)] == [
        class_label(data.scheme, i, "id") for i in range(len(data.scheme))
    ]
    for label in legend_labels:
        assert label in texts
    assert "km" in texts and t("story.north", "id") in texts  # scale bar and north arrow
    assert data.attribution in texts
    assert data.schematic and t("map.schematic", "id") in texts  # the demo store has no boundaries
    pixels = (imread(io.BytesIO(_png(figure)), format="png")[..., :3] * 255).round().astype(np.uint8)
    present = {tuple(int(v) for v in rgb) for rgb in np.unique(pixels.reshape(-1, 3), axis=0)}
    drawn = data.frame
    for colour in set(drawn.loc[drawn["state"] == STATE_RATE, "fill"]):
        assert _rgb(colour) in present
    assert (drawn["state"] == STATE_TOO_FEW).any() and _rgb(TOO_FEW_FILL) in present
    # No village resting on too few children takes a class colour.
    assert set(drawn.loc[drawn["state"] == STATE_TOO_FEW, "fill"]) == {TOO_FEW_FILL}
    assert "data contoh (sintetis)" in source
    # The villages line counts every village the map draws (the gazetteer's), then the grey ones: the
    # slide's count matches the map's, not only the coloured villages.
    from stunting.config import MIN_CHILDREN
    from stunting.gazetteer import villages

    drawn_count = int((villages()["regency_code"] == slide.view["regency"]).sum())
    measured = data.rates.set_index("code")["measured"].fillna(0)
    too_few = int(((measured > 0) & (measured < MIN_CHILDREN)).sum())
    no_data = drawn_count - int((measured > 0).sum())
    assert too_few > 0 and no_data > 0  # the tiny test demo leaves villages of both kinds
    line = f"{drawn_count} desa/kel., {too_few} terlalu sedikit anak, {no_data} tanpa data"
    assert any(text.endswith(line) for text in texts), [x for x in texts if "desa/kel." in x]


def _png(figure) -> bytes:
    from render import to_bytes

    return to_bytes(figure, "png")


BROKEN_STORY = """
title: {id: Cerita uji, en: Test story}
slides:
  - page: map
    view: {indicator: stunting, period: latest, regency: "64.74"}
    title: {id: Bontang terbaru, en: Bontang latest}
  - page: map
    view: {indicator: stunting, period: 2031-02, regency: "64.74"}
    title: {id: Masa depan, en: The future}
  - page: compare
    figure: trend
    view: {indicator: stuntig, a: "64.02", b: "64.74", period: latest}
    title: {id: Salah ketik, en: Typo}
"""


def test_broken_slides_export_with_their_message_and_the_rest_still_draws(
    demo_dir, tmp_path, offline, capsys
):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    story_file = tmp_path / "broken.yaml"
    story_file.write_text(BROKEN_STORY, encoding="utf-8")
    out = tmp_path / "broken.pptx"
    args = [
        "story",
        "export",
        "--story",
        str(story_file),
        "--format",
        "pptx",
        "--out",
        str(out),
        "--data-dir",
        str(demo_dir),
    ]
    assert main(args) == 0
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 2
    assert warnings[0].startswith("warning: Slide 2, field 'view.period': 2031-02 has no data")
    assert warnings[1].startswith("warning: Slide 3, field 'view.indicator': 'stuntig' is not an indicator")
    deck = Presentation(str(out))
    pictures = [[s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE] for slide in deck.slides]
    assert [len(p) for p in pictures] == [1, 0, 0]
    second = " ".join(s.text_frame.text for s in deck.slides[1].shapes if s.has_text_frame)
    assert "Slide ini tidak bisa ditampilkan: Slide 2" in second
    assert parse_story(BROKEN_STORY).slides[0].ok


def test_export_refuses_a_missing_folder_without_writing(demo_dir, tmp_path, capsys):
    out = tmp_path / "missing" / "x.pdf"
    assert main(["story", "export", "--format", "pdf", "--out", str(out), "--data-dir", str(demo_dir)]) == 1
    assert "folder" in capsys.readouterr().err and not out.exists()


def test_export_from_an_empty_store_says_so_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "x.pptx"
    assert main(["story", "export", "--format", "pptx", "--out", str(out), "--data-dir", str(tmp_path)]) == 1
    assert "no data yet" in capsys.readouterr().err and not out.exists()


# --- the PDF handout, single views and what the slides say -----------------------------------------


@pytest.fixture(scope="module")
def rendered_id(demo_dir):
    return StoryRenderer(demo_dir).render_story(load_story(), "id")


def _extents(page):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(page)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in page.texts if text.get_text()]
    boxes += [axes.get_window_extent(renderer) for axes in page.axes]
    return page.bbox, boxes


def _apart_and_inside(page) -> None:
    from matplotlib.transforms import Bbox

    whole, boxes = _extents(page)
    for box in boxes:
        assert whole.contains(box.x0, box.y0) and whole.contains(box.x1, box.y1), box
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert Bbox.intersection(first, second) is None, (first, second)


def test_pdf_pages_keep_title_picture_narrative_and_source_apart(rendered_id):
    from dataclasses import replace

    from render.export import page_figure
    from stunting.story import MAX_NARRATIVE_CHARS

    longest = ("Anak pendek bukan sekadar pendek. " * 80)[:MAX_NARRATIVE_CHARS]
    many_lines = "\n".join(f"Baris {n}." for n in range(60))
    for rendered in rendered_id:
        _apart_and_inside(page_figure(rendered, "id", narrative=True))
    for text in (longest, many_lines):
        page = page_figure(replace(rendered_id[0], narrative=text), "id", narrative=True)
        _apart_and_inside(page)
        assert any(text[:40] in t_.get_text() for t_ in page.texts)


def test_single_view_download_carries_title_and_source_line(demo_dir, tmp_path, poppler):
    from render.export import view_bytes
    from stunting.story import new_slide

    slide = new_slide("map", {"indicator": "stunting", "period": "2024-08", "regency": "64.74"})
    rendered = StoryRenderer(demo_dir).render(slide, 1, "id")
    out = tmp_path / "view.pdf"
    out.write_bytes(view_bytes(rendered, "pdf", "id"))
    text = " ".join(
        subprocess.run(
            [poppler["pdftotext"], str(out), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert slide.title["id"] in text  # "Peta Stunting (pendek) · Agustus 2024 · Kota Bontang"
    assert "Agustus 2024 · sumber: data contoh (sintetis)" in text
    png = imread(io.BytesIO(view_bytes(rendered, "png", "id")), format="png")
    assert png.shape[1] / png.shape[0] == pytest.approx(16 / 9, rel=0.01) and _not_blank(png)


def test_english_map_slide_has_no_indonesian_attribution(demo_dir):
    from render.maps import MapData, attribution_text

    figure, _source = StoryRenderer(demo_dir).figure(load_story().slides[0], "en")
    texts = [text.get_text() for text in figure.findobj(lambda o: hasattr(o, "get_text"))]
    assert t("map.schematic", "en") in texts
    assert not [text for text in texts if "Batas" in text]
    installed = MapData(None, None, None, False, "Batas desa: cahyadsn/wilayah_boundaries (MIT)")
    assert attribution_text(installed, "en") == "Village boundaries: cahyadsn/wilayah_boundaries (MIT)"
    assert attribution_text(installed, "id") == "Batas desa: cahyadsn/wilayah_boundaries (MIT)"
    # Installed boundaries beside schematic cells: the source keeps its credit.
    mixed = MapData(None, None, None, True, "Batas desa: kelurahan.geojson, kecuali Kota Bontang (skematis)")
    assert attribution_text(mixed, "en").startswith("Village boundaries: kelurahan.geojson")


def test_comparison_legends_clear_the_data(demo_dir):
    from dataclasses import replace

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import Bbox

    from render import FIGURE_INCHES
    from render.charts import draw_headline, draw_trend

    renderer = StoryRenderer(demo_dir)
    comparison = renderer.comparison(load_story().slides[2].view)
    # The full demo's August 2024 headline: narrow intervals put the tallest bar near the top.
    head = comparison.headline
    a = replace(head.a, prevalence=0.163, ci_low=0.160, ci_high=0.166, suppressed=False)
    b = replace(head.b, prevalence=0.203, ci_low=0.197, ci_high=0.2096, suppressed=False)
    tight = replace(comparison, headline=replace(head, a=a, b=b, standardised_a=0.163, standardised_b=0.203))
    headline = Figure(figsize=FIGURE_INCHES)
    draw_headline(headline, tight, "en", "Stunting")
    FigureCanvasAgg(headline).draw()
    (ax,) = [a for a in headline.axes if a.get_legend() is not None]
    legend = ax.get_legend().get_window_extent()
    bars = [p.get_window_extent() for p in ax.patches if isinstance(p, Rectangle) and p.get_height() > 0]
    assert bars and all(Bbox.intersection(legend, bar) is None for bar in bars)
    trend = Figure(figsize=FIGURE_INCHES)
    draw_trend(trend, comparison, "en", "Stunting")
    (ax,) = trend.axes
    # The 14% target is named in the legend, never written across the lines it sits among.
    target = t("compare.trend.target", "en", rate="14%", year=2024)
    assert target in [text.get_text() for text in ax.get_legend().get_texts()]
    assert target not in [text.get_text() for text in ax.texts]
