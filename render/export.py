"""A story as PPTX (16:9, python-pptx) or PDF (matplotlib PdfPages): fully offline.

Every slide has its title, the static image of its view (render/), a source line (period,
source, children; "data contoh (sintetis)" for the demo store) and its narrative: speaker notes in
the PPTX, printed under the picture in the PDF (the handout the delegation takes home). A slide
that cannot be drawn shows its error in place of the image, so one bad slide never stops a
meeting's handout. Files are written atomically: a failed export leaves no half file.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

from render import RenderedSlide, StoryRenderer
from stunting.errors import UserError
from stunting.i18n import t
from stunting.story import Story

FORMATS = ("pptx", "pdf")

# 16:9 at PowerPoint's own widescreen size, so a presenter's template edits line up.
SLIDE_INCHES = (13.333, 7.5)
TITLE_BOX = (0.4, 0.15, 12.53, 0.85)  # left, top, width, height in inches
IMAGE_BOX = (0.67, 1.05, 12.0, 5.9)  # the render's own size (render.FIGURE_INCHES)
SOURCE_BOX = (0.4, 6.98, 12.53, 0.42)
TITLE_PT = 28  # readable from the back of a room of thirty
SOURCE_PT = 13
ERROR_PT = 20
# The PDF handout carries the narrative under the picture: 12 pt is comfortable on paper, and 132
# characters of DejaVu Sans at 12 pt fit the title's 12.5 inch width with a margin.
NARRATIVE_PT = 12
NARRATIVE_CHARS = 132
NARRATIVE_LINE_SPACING = 1.3
# A narrative of MAX_NARRATIVE_CHARS needs about 16 lines at 12 pt; at 10 pt it fits beside a
# picture of MIN_IMAGE_INCHES, and 10 pt is still easy to read on paper.
MIN_NARRATIVE_PT = 10
NARRATIVE_GAP = 0.12  # inches between picture and narrative
# The longest narrative (MAX_NARRATIVE_CHARS) still leaves a picture this tall.
MIN_IMAGE_INCHES = 2.5
TEXT_COLOUR = (0x11, 0x11, 0x11)
SOURCE_COLOUR = (0x44, 0x44, 0x44)
ERROR_COLOUR = (0xB3, 0x00, 0x00)


@dataclass(frozen=True)
class ExportReport:
    path: Path
    slides: list[RenderedSlide]

    @property
    def failed(self) -> list[RenderedSlide]:
        return [s for s in self.slides if s.error]


def render(story: Story, lang: str, data_dir=None) -> list[RenderedSlide]:
    return StoryRenderer(data_dir).render_story(story, lang)


def export_bytes(
    story: Story, fmt: str, lang: str, data_dir=None, slides: list[RenderedSlide] | None = None
) -> bytes:
    """The story as PPTX or PDF bytes (the app's download buttons); ``slides`` reuses a rendering."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    rendered = slides if slides is not None else render(story, lang, data_dir)
    title = story.text(lang)
    return pptx_bytes(rendered, title, lang) if fmt == "pptx" else pdf_bytes(rendered, title, lang)


def export_story(story: Story, fmt: str, out: str | Path, *, lang: str = "id", data_dir=None) -> ExportReport:
    """Write the story to ``out`` (atomically) and say which slides could not be drawn."""
    target = Path(out)
    if not target.parent.is_dir():
        raise UserError(f"Cannot write {target}: folder {target.parent} does not exist.")
    renderer = StoryRenderer(data_dir)
    if not renderer.periods:
        # Every slide would be an error page: say the one thing that is wrong instead.
        raise UserError(
            "The store has no data yet: import an e-PPGBM export (python -m stunting ingest FILE) "
            "or build the demo (python -m stunting demo)."
        )
    slides = renderer.render_story(story, lang)
    data = export_bytes(story, fmt, lang, slides=slides)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise UserError(f"Cannot write {target}: {error.strerror}.") from None
    return ExportReport(target, slides)


def _error_text(slide: RenderedSlide, lang: str) -> str:
    return t("story.slide_error", lang, error=slide.error)


def pptx_bytes(slides: list[RenderedSlide], story_title: str, lang: str) -> bytes:
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_INCHES[0]), Inches(SLIDE_INCHES[1])
    deck.core_properties.title = story_title
    deck.core_properties.language = lang
    title_only = deck.slide_layouts[5]

    def place(shape, box):
        shape.left, shape.top, shape.width, shape.height = (Inches(v) for v in box)

    def text_box(slide, box, text, size, colour, bold=False):
        shape = slide.shapes.add_textbox(*(Inches(v) for v in box))
        frame = shape.text_frame
        frame.word_wrap = True
        run = frame.paragraphs[0].add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, RGBColor(*colour)
        return shape

    for rendered in slides:
        slide = deck.slides.add_slide(title_only)
        title = slide.shapes.title  # a real title placeholder: screen readers and outlines find it
        place(title, TITLE_BOX)
        title.text = rendered.title
        paragraph = title.text_frame.paragraphs[0]
        paragraph.alignment = 1  # left
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.color.rgb = Pt(TITLE_PT), True, RGBColor(*TEXT_COLOUR)
        if rendered.png is not None:
            slide.shapes.add_picture(io.BytesIO(rendered.png), *(Inches(v) for v in IMAGE_BOX))
            text_box(slide, SOURCE_BOX, rendered.source, SOURCE_PT, SOURCE_COLOUR)
        else:
            text_box(
                slide,
                (IMAGE_BOX[0], 2.5, IMAGE_BOX[2], 3.0),
                _error_text(rendered, lang),
                ERROR_PT,
                ERROR_COLOUR,
            )
        slide.notes_slide.notes_text_frame.text = rendered.narrative
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def pdf_bytes(slides: list[RenderedSlide], story_title: str, lang: str) -> bytes:
    """The PPTX's pages as a PDF handout: same title, image and source line on a 16:9 page, and the
    narrative (the PPTX's speaker notes) under the image, since a delegation reads it without the
    presenter."""
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": story_title, "Creator": "Peta Stunting"}) as pdf:
        for rendered in slides:
            pdf.savefig(page_figure(rendered, lang, narrative=True))
    return buffer.getvalue()


def view_bytes(rendered: RenderedSlide, fmt: str, lang: str) -> bytes:
    """One view as a PNG or PDF page with its title and source line (the map and comparison pages'
    download): a picture passed on without its period and source would be read as any period's
    data, and demo data as real."""
    from render import to_bytes

    if fmt not in ("png", "pdf"):
        raise ValueError(f"format must be png or pdf, not {fmt!r}")
    return to_bytes(page_figure(rendered, lang, narrative=False), fmt)


def _narrative_layout(text: str) -> tuple[list[str], float, float]:
    """The narrative's lines, font size and height in inches: the largest size (down to
    MIN_NARRATIVE_PT) whose lines leave the picture at least MIN_IMAGE_INCHES."""
    room = IMAGE_BOX[3] - MIN_IMAGE_INCHES - NARRATIVE_GAP
    for size in range(NARRATIVE_PT, MIN_NARRATIVE_PT - 1, -1):
        width = NARRATIVE_CHARS * NARRATIVE_PT // size  # smaller letters, more of them per line
        lines = [
            line
            for paragraph in text.splitlines()
            for line in textwrap.wrap(paragraph, width, break_on_hyphens=False)
        ]
        if len(lines) * size * NARRATIVE_LINE_SPACING / 72 <= room:
            break
    else:
        # Only a narrative of many short lines gets here: cut it rather than print over the source line.
        fitting = int(room * 72 / (size * NARRATIVE_LINE_SPACING))
        lines = lines[: fitting - 1] + [lines[fitting - 1].rstrip() + " …"]
    height = len(lines) * size * NARRATIVE_LINE_SPACING / 72
    return lines, size, (height + NARRATIVE_GAP if lines else 0.0)


def page_figure(rendered: RenderedSlide, lang: str, *, narrative: bool):
    """One 16:9 page: title, picture (shrunk to make room for the narrative when asked), narrative,
    source line; a slide that cannot be drawn shows its error instead of the picture."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    width, height = SLIDE_INCHES
    page = Figure(figsize=SLIDE_INCHES, facecolor="white")
    left, top, _, _ = TITLE_BOX
    page.text(
        left / width,
        1 - (top + 0.45) / height,
        rendered.title,
        fontsize=TITLE_PT * 0.9,
        fontweight="bold",
        va="center",
        ha="left",
        color="#111111",
    )
    lines, size, text_height = _narrative_layout(rendered.narrative) if narrative else ([], 0, 0.0)
    x, y, w, h = IMAGE_BOX
    if rendered.png is not None:
        # The picture keeps its proportions: shorter by the narrative's height, narrower to match.
        shown_h = max(h - text_height, MIN_IMAGE_INCHES)
        shown_w = w * shown_h / h
        axes = page.add_axes(
            ((x + (w - shown_w) / 2) / width, 1 - (y + shown_h) / height, shown_w / width, shown_h / height)
        )
        axes.imshow(imread(io.BytesIO(rendered.png), format="png"), interpolation="lanczos")
        axes.set_axis_off()
        narrative_top = y + shown_h + NARRATIVE_GAP
        page.text(
            SOURCE_BOX[0] / width,
            1 - (SOURCE_BOX[1] + 0.25) / height,
            rendered.source,
            fontsize=SOURCE_PT,
            va="center",
            ha="left",
            color="#444444",
        )
    else:
        page.text(
            0.5,
            1 - (y + (h - text_height) / 2) / height,
            "\n".join(textwrap.wrap(_error_text(rendered, lang), 80)),
            fontsize=ERROR_PT,
            ha="center",
            va="center",
            color="#b30000",
        )
        narrative_top = y + h - text_height + NARRATIVE_GAP
    if lines:
        page.text(
            left / width,
            1 - narrative_top / height,
            "\n".join(lines),
            fontsize=size,
            linespacing=NARRATIVE_LINE_SPACING,
            va="top",
            ha="left",
            color="#222222",
        )
    return page
