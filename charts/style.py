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


def base_layout(figure: go.Figure, lang: str, height: int) -> go.Figure:
    _set_template(figure)
    figure.update_layout(
        separators=SEPARATORS[check_language(lang)],
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"size": 14},
        legend={"orientation": "h", "y": -0.2},
        hoverlabel={"font_size": 14},
    )
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    return figure
