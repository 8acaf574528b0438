"""Server-side images of story slides: matplotlib (Agg) + geopandas, no browser, no network.

``StoryRenderer(data_dir).render_story(story, lang)`` turns every slide into a ``RenderedSlide``:
title, narrative, source line (period, source, children; "data contoh (sintetis)" for the demo
store) and a PNG. A slide that cannot be drawn (bad field, period without data, unknown area)
carries its one-sentence error instead of an image; the other slides are unaffected.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on a server or in CI; must precede any pyplot import
# Titles, narratives and place names come from stories and data files: "US$320 dan US$ 100" is text,
# not math (mathtext would italicise it, and "$\\frac$" would raise). Every render module imports this.
matplotlib.rcParams["text.parse_math"] = False
from matplotlib.figure import Figure  # noqa: E402

from stunting import prevalence, store  # noqa: E402
from stunting.errors import UserError  # noqa: E402
from stunting.i18n import t  # noqa: E402
from stunting.story import Slide, Story, resolve, resolve_slide  # noqa: E402

# The picture area of a 16:9 slide (13.33 x 7.5 in) under its title and above its source line.
FIGURE_INCHES = (12.0, 5.9)
# 150 dpi: sharp on a 1920-pixel projector and in print, while a PPTX of 8 slides stays near 1 MB.
DPI = 150


@dataclass(frozen=True)
class RenderedSlide:
    number: int  # 1-based
    title: str
    narrative: str
    source: str  # the source line; empty when the slide could not be drawn
    png: bytes | None  # None when the slide could not be drawn
    error: str | None = None


class StoryRenderer:
    """Draws slides against one store; comparison data are computed once per view, since a story
    shows several parts (headline, trend, ranking, age profile) of the same comparison."""

    def __init__(self, data_dir=None):
        self.data_dir = data_dir
        self.periods = prevalence.periods(data_dir)
        self.demo = store.is_demo(data_dir)
        self._comparisons: dict[tuple, object] = {}

    def render_story(self, story: Story, lang: str) -> list[RenderedSlide]:
        resolved = resolve(story, self.periods)
        return [self.render_resolved(slide, number, lang) for number, slide in enumerate(resolved.slides, 1)]

    def render(self, slide: Slide, number: int, lang: str) -> RenderedSlide:
        return self.render_resolved(resolve_slide(slide, number, self.periods), number, lang)

    def render_resolved(self, slide: Slide, number: int, lang: str) -> RenderedSlide:
        title = slide.text("title", lang) or t("story.untitled", lang)
        narrative = slide.text("narrative", lang)
        if not slide.ok:
            return RenderedSlide(number, title, narrative, "", None, " ".join(slide.errors))
        try:
            figure, source = self.figure(slide, lang)
        except UserError as error:
            return RenderedSlide(number, title, narrative, "", None, f"Slide {number}: {error}")
        return RenderedSlide(number, title, narrative, source, to_bytes(figure, "png"))

    def figure(self, slide: Slide, lang: str) -> tuple[Figure, str]:
        """The slide's picture and its source line (the slide's view must be resolved)."""
        from stunting.i18n import provenance, trend_provenance

        figure = Figure(figsize=FIGURE_INCHES, dpi=DPI, facecolor="white")
        view = slide.view
        indicator_label = t(f"indicator.{view['indicator']}", lang)
        if slide.page == "map":
            from render.maps import draw_map, map_data, measured_children

            data = map_data(view, self.data_dir)
            draw_map(figure, data, view, lang)
            source = provenance(
                view["period"], data.rates["source"], measured_children(data), lang, self.demo
            )
            return figure, source
        if slide.page == "evaluate":
            from render.evaluate import draw_slide

            return figure, draw_slide(figure, slide.figure, view, lang, self.demo, self.data_dir)
        from render.charts import DRAWERS

        comparison = self.comparison(view)
        # The trend names its lines by their source: the demo's are "data contoh (sintetis)".
        extra = {"demo": self.demo} if slide.figure == "trend" else {}
        DRAWERS[slide.figure](figure, comparison, lang, indicator_label, **extra)
        head = comparison.headline
        children = head.a.measured + head.b.measured
        sources = [head.a.source, head.b.source]
        if slide.figure == "trend":
            # The trend spans every period, but its children are counted in the slide's own month.
            shown = sorted(comparison.trends["period"].unique())
            return figure, trend_provenance(
                shown[0], shown[-1], sources, children, head.a.period, lang, self.demo
            )
        period = head.a.period if head.a.period == head.b.period else (head.a.period, head.b.period)
        return figure, provenance(period, sources, children, lang, self.demo)

    def comparison(self, view: dict):
        from stunting.compare import build_comparison

        key = (view["indicator"], view["a"], view["b"], view["period"], view.get("period_b"))
        if key not in self._comparisons:
            self._comparisons[key] = build_comparison(
                view["indicator"],
                view["a"],
                view["b"],
                view["period"],
                view.get("period_b") or view["period"],
                data_dir=self.data_dir,
            )
        return self._comparisons[key]


def to_bytes(figure: Figure, fmt: str) -> bytes:
    """The figure as PNG or PDF bytes (the single-view download of the map and comparison pages)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=DPI, facecolor="white")
    return buffer.getvalue()
