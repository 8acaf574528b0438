"""Layout shared by the charts: readable on a projector, numbers in the language's own separators."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from stunting.i18n import check_language

# plotly's "separators": decimal mark then thousands mark ("27,1%" and "1.234" in Indonesian).
SEPARATORS = {"id": ",.", "en": ".,"}
LINE = "#bd0026"  # the darkest class colour of the map's palette: the same hue means "rate" everywhere
BAND = "rgba(189, 0, 38, 0.18)"
SEX_COLOURS = {"L": "#3b6fb6", "P": "#d9822b"}  # blue/orange: distinguishable with every common CVD
Y_AXIS = {"tickformat": ".0%", "rangemode": "tozero"}  # rates: 0-100%


# Built and validated once, when plotly registers it: assigned by name, update_layout validated and
# copied the whole template again for every figure (about 9 ms each, three figures a village panel).
TEMPLATE = pio.templates["plotly_white"]


def _set_template(figure: go.Figure) -> None:
    # As plotly assigns its own default template (BaseFigure._initialize_layout_template): a registered
    # template is already valid, so it goes in without being validated again.
    layout = figure.layout
    layout._validate = False
    try:
        layout.template = TEMPLATE
    finally:
        layout._validate = figure._validate


def layout_of(lang: str, height: int) -> dict:
    """The shared layout, without the y axes' (``base_layout`` sets every y axis of a figure)."""
    return {
        "separators": SEPARATORS[check_language(lang)],
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "font": {"size": 14},
        "legend": {"orientation": "h", "y": -0.2},
        "hoverlabel": {"font": {"size": 14}},
    }


def base_layout(figure: go.Figure, lang: str, height: int) -> go.Figure:
    _set_template(figure)
    figure.update_layout(layout_of(lang, height))
    figure.update_yaxes(Y_AXIS)
    return figure


def figure_of(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain traces and layout (``layout_of``'s beneath), not validated property by
    property: plotly's checks were four fifths of a village panel's trend figure, built anew for
    every village clicked (23 ms of CPU, 5 ms without; a fifth of a busy server's lock in py-spy
    during bench/bench_load.py). The charts built this way are validated whole by their tests
    (tests/test_charts_valid.py)."""
    figure = go.Figure(data=data, layout=layout, _validate=False)
    _set_template(figure)
    return figure
